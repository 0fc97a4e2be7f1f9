//! Row reductions in independent lanes, so that they vectorise: f32 addition is not
//! associative, so the compiler will not reorder a single running sum.

const LANES: usize = 8;

/// The largest element of a non-empty row (−∞ for an empty one).
#[inline]
pub(crate) fn row_max(row: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; LANES];
    let chunks = row.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (m, &v) in lanes.iter_mut().zip(chunk) {
            *m = if v > *m { v } else { *m };
        }
    }
    let max = tail.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    lanes.into_iter().fold(max, f32::max)
}

/// `Σ vᵢ`.
#[inline]
pub(crate) fn lane_sum(row: &[f32]) -> f32 {
    lane_sum_by(row, |v| v)
}

/// `Σ f(vᵢ)`.
#[inline]
pub(crate) fn lane_sum_by(row: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut lanes = [0f32; LANES];
    let chunks = row.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (s, &v) in lanes.iter_mut().zip(chunk) {
            *s += f(v);
        }
    }
    tail.iter().map(|&v| f(v)).sum::<f32>() + lanes.iter().sum::<f32>()
}

/// `Σ aᵢ·bᵢ` over rows of equal length.
#[inline]
pub(crate) fn lane_dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; LANES];
    let (chunks_a, chunks_b) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = chunks_a
        .remainder()
        .iter()
        .zip(chunks_b.remainder())
        .map(|(&x, &y)| x * y)
        .sum();
    for (ca, cb) in chunks_a.zip(chunks_b) {
        for ((s, &x), &y) in lanes.iter_mut().zip(ca).zip(cb) {
            *s += x * y;
        }
    }
    tail + lanes.iter().sum::<f32>()
}

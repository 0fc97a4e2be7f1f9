//! Softmax over the rows of a matrix, and its backward pass, each in one parallel pass.
//!
//! Under Burn's autodiff a softmax is five recorded operations (max, subtract, exp, sum,
//! divide), each with a full-size backward step; attention runs one per layer over
//! `[batch, heads, seq, seq]` scores. The backward here is the closed form
//! `∂x = y ⊙ (∂y − Σⱼ ∂yⱼ·yⱼ)`, row by row, from the saved probabilities `y`.

use rayon::prelude::*;

use crate::CHUNK;
use crate::math::exp;
use crate::reduce::{lane_dot, lane_sum, row_max};

/// Rows per parallel task: at least CHUNK elements.
fn min_rows(cols: usize) -> usize {
    CHUNK.div_ceil(cols.max(1)).max(1)
}

/// `softmax` of each row of `input` (`cols` wide) into `output`.
///
/// # Panics
/// If the lengths differ or are not a multiple of `cols`.
pub fn softmax_rows(input: &[f32], output: &mut [f32], cols: usize) {
    check(input.len(), output.len(), cols);
    output
        .par_chunks_mut(cols)
        .zip(input.par_chunks(cols))
        .with_min_len(min_rows(cols))
        .for_each(|(out, row)| {
            let max = row_max(row);
            for (o, &v) in out.iter_mut().zip(row) {
                *o = exp(v - max);
            }
            let inverse = 1.0 / lane_sum(out);
            out.iter_mut().for_each(|o| *o *= inverse);
        });
}

/// The gradient with respect to the softmax's input, given its output `probs` and the
/// gradient `grad` with respect to that output, written over `grad`.
///
/// # Panics
/// If the lengths differ or are not a multiple of `cols`.
pub fn softmax_rows_backward(probs: &[f32], grad: &mut [f32], cols: usize) {
    check(probs.len(), grad.len(), cols);
    grad.par_chunks_mut(cols)
        .zip(probs.par_chunks(cols))
        .with_min_len(min_rows(cols))
        .for_each(|(g, y)| {
            let dot = lane_dot(g, y);
            for (g, &y) in g.iter_mut().zip(y) {
                *g = y * (*g - dot);
            }
        });
}

fn check(a: usize, b: usize, cols: usize) {
    assert!(cols > 0, "softmax over rows of width 0");
    assert_eq!(a, b, "softmax buffers of {a} and {b} elements");
    assert_eq!(a % cols, 0, "{a} elements are not rows of {cols}");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the definition and the Jacobian-vector product in f64, with masked entries
    /// (the most negative float, as attention masks) and rows of several widths.
    #[test]
    fn forward_and_backward_match_the_definition() {
        for cols in [1, 5, 8, 130] {
            let rows = 9;
            let mut x = crate::test_values(rows * cols, 7, 6.0);
            if cols > 1 {
                x[cols - 1] = f32::MIN;
            }
            let upstream = crate::test_values(rows * cols, 11, 6.0);
            let mut y = vec![0f32; x.len()];
            softmax_rows(&x, &mut y, cols);
            let mut dx = upstream.clone();
            softmax_rows_backward(&y, &mut dx, cols);
            for r in 0..rows {
                let row = &x[r * cols..(r + 1) * cols];
                let max = row.iter().map(|&v| v as f64).fold(f64::MIN, f64::max);
                let e: Vec<f64> = row.iter().map(|&v| (v as f64 - max).exp()).collect();
                let sum: f64 = e.iter().sum();
                let p: Vec<f64> = e.iter().map(|v| v / sum).collect();
                let g = &upstream[r * cols..(r + 1) * cols];
                let dot: f64 = g.iter().zip(&p).map(|(&g, p)| g as f64 * p).sum();
                for j in 0..cols {
                    let i = r * cols + j;
                    assert!((y[i] as f64 - p[j]).abs() < 1e-6, "y at {r},{j}");
                    let expected = p[j] * (g[j] as f64 - dot);
                    assert!((dx[i] as f64 - expected).abs() < 1e-5, "dx at {r},{j}");
                }
            }
        }
    }
}

//! Dropout masks: SplitMix64 streams filled in parallel, already scaled.

use rayon::prelude::*;

use crate::CHUNK;

/// `n` values, each `1 / keep` with probability `keep`, else 0, drawn from streams seeded by
/// `seed` (one per chunk of the output, so the result does not depend on the thread count).
pub fn dropout_mask(n: usize, keep: f64, seed: u64) -> Vec<f32> {
    let scale = (1.0 / keep) as f32;
    // Keep when the top 32 bits of a draw are below keep·2³².
    let threshold = (keep * 4_294_967_296.0).min(4_294_967_295.0) as u64;
    let mut values = vec![0f32; n];
    values
        .par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(chunk, out)| {
            let mut state = seed ^ (chunk as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            for v in out {
                state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                *v = if (z >> 32) < threshold { scale } else { 0.0 };
            }
        });
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_the_expected_share_and_scale() {
        let values = dropout_mask(1 << 20, 0.9, 42);
        let kept = values.iter().filter(|&&v| v > 0.0).count() as f64 / values.len() as f64;
        assert!((kept - 0.9).abs() < 0.002, "{kept}");
        assert!(
            values
                .iter()
                .all(|&v| v == 0.0 || (v - 1.0 / 0.9).abs() < 1e-6)
        );
        assert_eq!(values, dropout_mask(1 << 20, 0.9, 42));
        assert_ne!(values, dropout_mask(1 << 20, 0.9, 43));
        // The mean is preserved in expectation.
        let mean = values.iter().map(|&v| v as f64).sum::<f64>() / values.len() as f64;
        assert!((mean - 1.0).abs() < 0.003, "{mean}");
    }
}

//! Softmax cross-entropy over the rows of a logits matrix, with its gradient, in one pass.
//!
//! As tensor operations, `log_softmax` + `gather` + mean and their backward passes walk the
//! `[rows, classes]` logits about fifteen times (max, subtract, exp, sum, log, gather, a
//! scatter into zeros, …); for a language model's vocabulary-wide logits that was a quarter
//! of a training step. Here each row is read once for its maximum and once more for the
//! exponentials, which become the gradient in place: `∂loss/∂xᵢⱼ = (softmaxᵢⱼ − [j = yᵢ]) / n`
//! for the `n` rows that count.

use rayon::prelude::*;

use crate::CHUNK;
use crate::math::exp;
use crate::reduce::{lane_sum, lane_sum_by, row_max};

/// The mean negative log-likelihood of the rows that count, and its gradient.
#[derive(Clone, Debug)]
pub struct CrossEntropy {
    /// `Σ (logsumexp(xᵢ) − xᵢ,yᵢ) / n` over the `n` rows with a target; NaN when `n` is 0, as
    /// PyTorch's mean over no elements.
    pub loss: f32,
    /// How many rows had a target.
    pub counted: usize,
    /// `∂loss/∂logits`, laid out as the logits, zero on rows without a target; `None` unless
    /// asked for.
    pub gradient: Option<Vec<f32>>,
}

/// Cross-entropy of `logits` (`[rows, classes]`, row-major) against `targets` (one per row;
/// `None` for a row that does not count, such as a padding position or `ignore_index`).
///
/// # Panics
/// If the logits are not `targets.len()` rows of `classes`, or a target is not below
/// `classes`: callers build both from the same model, so either is a bug, not bad input.
pub fn softmax_cross_entropy(
    logits: &[f32],
    classes: usize,
    targets: &[Option<usize>],
    with_gradient: bool,
) -> CrossEntropy {
    assert!(classes > 0, "cross-entropy over zero classes");
    assert_eq!(
        logits.len(),
        targets.len() * classes,
        "{} logits are not {} rows of {classes}",
        logits.len(),
        targets.len()
    );
    if let Some(&bad) = targets.iter().flatten().find(|&&t| t >= classes) {
        panic!("target {bad} is not below the number of classes, {classes}");
    }
    let counted = targets.iter().filter(|t| t.is_some()).count();
    let scale = 1.0 / counted.max(1) as f32;
    // Rows per parallel task: at least CHUNK elements.
    let min_rows = CHUNK.div_ceil(classes).max(1);
    if !with_gradient {
        let total = logits
            .par_chunks(classes)
            .zip(targets.par_iter())
            .with_min_len(min_rows)
            .map(|(row, target)| target.map_or(0.0, |t| row_loss(row, t)))
            .sum();
        return finish(total, counted, None);
    }
    let mut gradient = vec![0f32; logits.len()];
    let total = gradient
        .par_chunks_mut(classes)
        .zip(logits.par_chunks(classes))
        .zip(targets.par_iter())
        .with_min_len(min_rows)
        .map(|((grad, row), target)| match *target {
            Some(t) => row_with_gradient(row, t, grad, scale),
            None => 0.0,
        })
        .sum();
    finish(total, counted, Some(gradient))
}

fn finish(total: f64, counted: usize, gradient: Option<Vec<f32>>) -> CrossEntropy {
    CrossEntropy {
        loss: (total / counted as f64) as f32,
        counted,
        gradient,
    }
}

/// One row's negative log-likelihood `logsumexp(x) − x[target]`.
fn row_loss(row: &[f32], target: usize) -> f64 {
    let max = row_max(row);
    let sum = lane_sum_by(row, |v| exp(v - max));
    (max + sum.ln() - row[target]) as f64
}

/// One row's negative log-likelihood, writing `scale·(softmax − onehot(target))` to `grad`.
fn row_with_gradient(row: &[f32], target: usize, grad: &mut [f32], scale: f32) -> f64 {
    let max = row_max(row);
    for (g, &v) in grad.iter_mut().zip(row) {
        *g = exp(v - max);
    }
    let sum = lane_sum(grad);
    let to_gradient = scale / sum;
    for g in grad.iter_mut() {
        *g *= to_gradient;
    }
    grad[target] -= scale;
    (max + sum.ln() - row[target]) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the definition in f64, on rows of several widths (a tail after the lanes,
    /// fewer classes than lanes), with ignored rows.
    #[test]
    fn loss_and_gradient_match_the_definition() {
        for classes in [3, 8, 37, 1000] {
            let rows = 23;
            let x = crate::test_values(rows * classes, 12345, 8.0);
            let targets: Vec<Option<usize>> = (0..rows)
                .map(|r| (r % 4 != 1).then_some((r * 7) % classes))
                .collect();
            let got = softmax_cross_entropy(&x, classes, &targets, true);
            let gradient = got.gradient.as_ref().unwrap();
            let n = targets.iter().flatten().count();
            assert_eq!(got.counted, n);
            let mut total = 0.0f64;
            for (r, target) in targets.iter().enumerate() {
                let row: Vec<f64> = x[r * classes..(r + 1) * classes]
                    .iter()
                    .map(|&v| v as f64)
                    .collect();
                let grad = &gradient[r * classes..(r + 1) * classes];
                let Some(t) = *target else {
                    assert!(grad.iter().all(|&g| g == 0.0));
                    continue;
                };
                let max = row.iter().cloned().fold(f64::MIN, f64::max);
                let sum: f64 = row.iter().map(|v| (v - max).exp()).sum();
                total += max + sum.ln() - row[t];
                for (j, (&g, v)) in grad.iter().zip(&row).enumerate() {
                    let expected = ((v - max).exp() / sum - f64::from(u8::from(j == t))) / n as f64;
                    assert!((g as f64 - expected).abs() < 1e-7, "row {r} class {j}");
                }
            }
            let expected = total / n as f64;
            assert!(((got.loss as f64 - expected) / expected).abs() < 1e-6);
            let without = softmax_cross_entropy(&x, classes, &targets, false);
            assert!(without.gradient.is_none());
            assert!((without.loss - got.loss).abs() <= 1e-6 * got.loss.abs());
        }
    }

    /// Large logits do not overflow; no row counting gives NaN, as PyTorch's mean.
    #[test]
    fn extremes() {
        let got = softmax_cross_entropy(&[1e4, 0.0, -1e4], 3, &[Some(1)], true);
        assert!((got.loss - 1e4).abs() < 1.0);
        assert!(got.gradient.unwrap().iter().all(|g| g.is_finite()));
        let none = softmax_cross_entropy(&[1.0, 2.0], 2, &[None], true);
        assert!(none.loss.is_nan());
        assert_eq!(none.counted, 0);
        assert_eq!(none.gradient.unwrap(), vec![0.0, 0.0]);
    }
}

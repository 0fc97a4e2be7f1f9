//! Sørensen–Dice loss as Simple Transformers defines it: one dice coefficient per row, between
//! the row's focused softmax scores and its one-hot target, so `1 − (2·s_t + smooth) /
//! (Σ s + 1 + eps + smooth)` where `s = scale · (1 − p)^γ · p`.
//!
//! This is a per-example coefficient averaged over rows, not the batch-level dice over each
//! class of the segmentation literature; with γ = 0 and scale 1 it is `1 − 2p_t / (2 + eps)`,
//! an affine function of the target probability.

use burn::tensor::{Int, Tensor, backend::Backend};

use super::{Reduction, Rows, soft_scores};

/// Python's `DiceLoss(gamma=0, scale=1.0, reduction="mean", ignore_index=-100, eps=1e-6,
/// smooth=0)`.
#[derive(Debug, Clone, PartialEq)]
pub struct DiceLoss {
    /// Focusing exponent γ ≥ 0 applied to the scores.
    pub gamma: f64,
    /// Factor on the scores.
    pub scale: f64,
    pub reduction: Reduction,
    /// Rows with this target do not count.
    pub ignore_index: i64,
    /// Added to the denominator only.
    pub eps: f64,
    /// Added to numerator and denominator (Laplace smoothing).
    pub smooth: f64,
}

impl Default for DiceLoss {
    fn default() -> Self {
        Self {
            gamma: 0.0,
            scale: 1.0,
            reduction: Reduction::Mean,
            ignore_index: -100,
            eps: 1e-6,
            smooth: 0.0,
        }
    }
}

impl DiceLoss {
    /// The loss of `logits` `[n, classes]` against `targets` `[n]`, which must be class ids
    /// below `classes` or `ignore_index` (the task crates build them from their label maps).
    pub fn forward<B: Backend>(
        &self,
        logits: Tensor<B, 2>,
        targets: Tensor<B, 1, Int>,
    ) -> Tensor<B, 1> {
        let [n, classes] = logits.dims();
        let rows = Rows::new(targets, self.ignore_index);
        let scores = soft_scores(logits, self.gamma, self.scale);
        let one_hot = rows.one_hot(classes);
        let intersection = (scores.clone() * one_hot.clone()).sum_dim(1).reshape([n]);
        let cardinality = (scores + one_hot).sum_dim(1).reshape([n]);
        let dice = intersection.mul_scalar(2.0).add_scalar(self.smooth)
            / cardinality.add_scalar(self.eps).add_scalar(self.smooth);
        rows.reduce(dice.neg().add_scalar(1.0), self.reduction, None)
    }
}

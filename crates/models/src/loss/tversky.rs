//! Tversky loss (Salehi et al., 2017, arXiv:1706.05721) as Simple Transformers defines it: per
//! row, with focused softmax scores `s = scale · (1 − p)^γ · p` and one-hot target `y`,
//! `1 − (TP + smooth) / (TP + α·FP + β·FN + eps + smooth)` where `TP = Σ s·y`,
//! `FP = Σ s·(1 − y)` and `FN = Σ (1 − s)·y`. α = β = 0.5 gives the dice loss.

use burn::tensor::{Int, Tensor, backend::Backend};

use super::{Reduction, Rows, soft_scores};

/// Python's `TverskyLoss(alpha, beta, gamma=0, scale=1.0, reduction="mean",
/// ignore_index=-100, eps=1e-6, smooth=0)`; `alpha` and `beta` have no default there either.
#[derive(Debug, Clone, PartialEq)]
pub struct TverskyLoss {
    /// Weight of false positives.
    pub alpha: f64,
    /// Weight of false negatives.
    pub beta: f64,
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

impl TverskyLoss {
    /// Python's defaults for everything but the two required weights.
    pub fn new(alpha: f64, beta: f64) -> Self {
        Self {
            alpha,
            beta,
            gamma: 0.0,
            scale: 1.0,
            reduction: Reduction::Mean,
            ignore_index: -100,
            eps: 1e-6,
            smooth: 0.0,
        }
    }

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
        let row_sum = |t: Tensor<B, 2>| t.sum_dim(1).reshape([n]);
        let true_pos = row_sum(scores.clone() * one_hot.clone());
        let false_pos = row_sum(scores.clone() * one_hot.clone().neg().add_scalar(1.0));
        let false_neg = row_sum(scores.neg().add_scalar(1.0) * one_hot);
        let denominator =
            true_pos.clone() + false_pos.mul_scalar(self.alpha) + false_neg.mul_scalar(self.beta);
        let tversky = true_pos.add_scalar(self.smooth)
            / denominator.add_scalar(self.eps).add_scalar(self.smooth);
        rows.reduce(tversky.neg().add_scalar(1.0), self.reduction, None)
    }
}

//! Focal loss (Lin et al., 2017, arXiv:1708.02002) as Simple Transformers defines it:
//! `−α_t · (1 − p_t)^γ · log p_t` of the softmax probability `p_t` of each row's target.

use burn::tensor::activation::{log_softmax, softmax};
use burn::tensor::{Int, Tensor, backend::Backend};

use super::{Reduction, Rows, focusing};

/// The focal loss's class weighting, Python's `alpha`.
#[derive(Debug, Clone, PartialEq)]
pub enum Alpha {
    /// One float: class 0 weighs `α` and every other class `1 − α` (Python's "weight of the
    /// negative class", even with more than two classes). The mean still divides by the
    /// number of rows, not by the weights' sum, so this also scales the loss.
    Scalar(f64),
    /// One weight per class, picked by each row's target; the mean divides by the sum of the
    /// picked weights, as a class-weighted cross-entropy does. Python's docstring calls this a
    /// geometric mean; it is the weighted arithmetic mean.
    PerClass(Vec<f64>),
}

/// Python's `FocalLoss(alpha=None, gamma=2.0, reduction="mean", ignore_index=-100)`.
///
/// With `gamma = 0` and no `alpha` it is the cross-entropy.
#[derive(Debug, Clone, PartialEq)]
pub struct FocalLoss {
    /// Class weighting; `None` weighs every row 1.
    pub alpha: Option<Alpha>,
    /// Focusing exponent γ ≥ 0: how much confidently right rows are discounted.
    pub gamma: f64,
    pub reduction: Reduction,
    /// Rows with this target do not count.
    pub ignore_index: i64,
}

impl Default for FocalLoss {
    fn default() -> Self {
        Self {
            alpha: None,
            gamma: 2.0,
            reduction: Reduction::Mean,
            ignore_index: -100,
        }
    }
}

impl FocalLoss {
    /// The loss of `logits` `[n, classes]` against `targets` `[n]`, which must be class ids
    /// below `classes` or `ignore_index` (the task crates build them from their label maps).
    ///
    /// # Panics
    ///
    /// If a per-class `alpha` has not exactly `classes` entries; the task crates rule that
    /// out when the model is built, with [`super::CustomLoss::check_classes`].
    pub fn forward<B: Backend>(
        &self,
        logits: Tensor<B, 2>,
        targets: Tensor<B, 1, Int>,
    ) -> Tensor<B, 1> {
        let [_, classes] = logits.dims();
        let rows = Rows::new(targets, self.ignore_index);
        let log_pt = rows.pick(log_softmax(logits.clone(), 1));
        let focal = match focusing(rows.pick(softmax(logits, 1)), self.gamma) {
            Some(factor) => factor.neg() * log_pt,
            None => log_pt.neg(),
        };
        match &self.alpha {
            None => rows.reduce(focal, self.reduction, None),
            Some(Alpha::Scalar(alpha)) => {
                let weights = rows.class_zero_weights(*alpha as f32);
                rows.reduce(focal * weights, self.reduction, None)
            }
            Some(Alpha::PerClass(alpha)) => {
                assert_eq!(
                    alpha.len(),
                    classes,
                    "focal loss alpha has {} per-class weights for {classes} classes \
                     (CustomLoss::check_classes reports this as a configuration error)",
                    alpha.len()
                );
                let alpha: Vec<f32> = alpha.iter().map(|&a| a as f32).collect();
                let weights = rows.class_weights(&alpha);
                rows.reduce(focal * weights.clone(), self.reduction, Some(weights))
            }
        }
    }
}

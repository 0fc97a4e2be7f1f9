//! The losses of `transformers`' task heads (sequence classification's `problem_type`s, token
//! classification), with Simple Transformers' class weights and `pos_weight`. All return the
//! mean over the batch as a one-element tensor.
//!
//! Simple Transformers' `loss_type` / `loss_args` losses (focal, dice, Tversky) live in
//! [`CustomLoss`]; they are plain tensor functions like these so that any head can use them.

mod config;
mod dice;
mod focal;
mod tversky;

pub use config::{CustomLoss, LOSS_TYPES, LossConfigError};
pub use dice::DiceLoss;
pub use focal::{Alpha, FocalLoss};
pub use tversky::TverskyLoss;

use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor, backend::Backend};

/// Cross-entropy of `logits` `[n, c]` against class `labels` `[n]`, optionally weighted per
/// class as PyTorch's `CrossEntropyLoss(weight=…)`: `Σ wᵧ·nllᵢ / Σ wᵧ`.
pub fn cross_entropy<B: Backend>(
    logits: Tensor<B, 2>,
    labels: Tensor<B, 1, Int>,
    class_weights: Option<Tensor<B, 1>>,
) -> Tensor<B, 1> {
    let [n, _] = logits.dims();
    let targets = labels.clone().reshape([n, 1]);
    let nll = log_softmax(logits, 1).gather(1, targets).reshape([n]).neg();
    match class_weights {
        None => nll.mean(),
        Some(weights) => {
            let w = weights.select(0, labels);
            (nll * w.clone()).sum() / w.sum()
        }
    }
}

/// The causal language-modelling loss of `transformers`' `*LMHeadModel`: position `t`'s logits
/// `[batch, seq, vocab]` predict label `t + 1`; labels equal to `ignore_index` (−100: padding,
/// prompts) do not count; the mean over the rest.
pub fn causal_lm_loss<B: Backend>(
    logits: Tensor<B, 3>,
    labels: Tensor<B, 2, Int>,
    ignore_index: i64,
) -> Tensor<B, 1> {
    let [batch, seq, _] = logits.dims();
    if st_core::backend::is_host_backend::<B>() {
        // One pass over the logits, shifted in place: row (b, t) is scored against label
        // (b, t + 1); each sequence's last row counts for nothing.
        let labels = crate::host::host_ints(labels);
        let targets: Vec<Option<usize>> = (0..batch * seq)
            .map(|i| {
                let next = labels.get(i + 1).copied().filter(|_| (i + 1) % seq != 0);
                next.filter(|&l| l != ignore_index).map(|l| l as usize)
            })
            .collect();
        return crate::host::cross_entropy(logits, &targets);
    }
    token_cross_entropy(
        logits.slice([0..batch, 0..seq - 1]),
        labels.slice([0..batch, 1..seq]),
        ignore_index,
    )
}

/// The mean cross-entropy of each position's logits `[batch, seq, vocab]` against its own
/// label `[batch, seq]` (no shift: the sequence-to-sequence and masked-LM losses), labels
/// equal to `ignore_index` not counting.
pub fn token_cross_entropy<B: Backend>(
    logits: Tensor<B, 3>,
    labels: Tensor<B, 2, Int>,
    ignore_index: i64,
) -> Tensor<B, 1> {
    let [batch, seq, vocab] = logits.dims();
    if st_core::backend::is_host_backend::<B>() {
        let targets: Vec<Option<usize>> = crate::host::host_ints(labels)
            .into_iter()
            .map(|l| (l != ignore_index).then_some(l as usize))
            .collect();
        return crate::host::cross_entropy(logits, &targets);
    }
    let n = batch * seq;
    let logits = logits.reshape([n, vocab]);
    let labels = labels.reshape([n]);
    let counted = labels.clone().not_equal_elem(ignore_index);
    let targets = labels
        .mask_fill(counted.clone().bool_not(), 0)
        .reshape([n, 1]);
    let nll = log_softmax(logits, 1).gather(1, targets).reshape([n]).neg();
    let weights = counted.float();
    (nll * weights.clone()).sum() / weights.sum()
}

/// Mean squared error between `predictions` and `targets` of the same shape.
pub fn mse<B: Backend, const D: usize>(
    predictions: Tensor<B, D>,
    targets: Tensor<B, D>,
) -> Tensor<B, 1> {
    (predictions - targets).powi_scalar(2).mean()
}

/// `log(1 + eˣ)` without overflow: `max(x, 0) + log(1 + e^{-|x|})`.
fn softplus<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
    x.clone().clamp_min(0.0) + x.abs().neg().exp().add_scalar(1.0).log()
}

/// PyTorch's `BCEWithLogitsLoss(pos_weight=…)`: mean over all elements of
/// `pos_weight·y·softplus(−x) + (1 − y)·softplus(x)`.
pub fn bce_with_logits<B: Backend>(
    logits: Tensor<B, 2>,
    targets: Tensor<B, 2>,
    pos_weight: Option<Tensor<B, 1>>,
) -> Tensor<B, 1> {
    let [n, c] = logits.dims();
    let positive = match pos_weight {
        Some(pw) => targets.clone() * pw.reshape([1, c]).expand([n, c]),
        None => targets.clone(),
    };
    let negative = targets.neg().add_scalar(1.0);
    (positive * softplus(logits.clone().neg()) + negative * softplus(logits)).mean()
}

/// PyTorch's `BCEWithLogitsLoss` on `logits` `[batch, seq]` against `targets` of the same
/// shape, averaged over the positions where `mask` is 1 only (`transformers`'
/// `ElectraForPreTraining` loss with an attention mask; a mask of ones is its loss without one).
pub fn masked_bce_with_logits<B: Backend>(
    logits: Tensor<B, 2>,
    targets: Tensor<B, 2>,
    mask: Tensor<B, 2, Int>,
) -> Tensor<B, 1> {
    let mask = mask.float();
    let negative = targets.clone().neg().add_scalar(1.0);
    let per_token = targets * softplus(logits.clone().neg()) + negative * softplus(logits);
    (per_token * mask.clone()).sum() / mask.sum().clamp_min(1.0)
}

/// Flattened token-classification targets for a [`CustomLoss`], as Simple Transformers' NER
/// builds them: `labels` `[batch, seq]` with every position whose `attention_mask` is not 1 set
/// to the loss's `ignore_index`, so padding never counts whatever label it carries.
pub fn masked_targets<B: Backend>(
    labels: Tensor<B, 2, Int>,
    attention_mask: Tensor<B, 2, Int>,
    ignore_index: i64,
) -> Tensor<B, 1, Int> {
    let [batch, seq] = labels.dims();
    let outside = attention_mask.reshape([batch * seq]).not_equal_elem(1);
    labels
        .reshape([batch * seq])
        .mask_fill(outside, ignore_index)
}

/// How per-row losses become the one number that training minimises.
///
/// Python's third mode, `"none"`, returns one loss per row; neither a backward pass nor the
/// training loop (which reads the loss as a scalar) can use that, so it is refused when the
/// loss is configured rather than failing in the first training step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reduction {
    /// Divided by the number of counted rows (by the picked class weights' sum for a focal
    /// loss with per-class `alpha`). Where that is 0 (every row ignored) the loss is 0, not
    /// Python's NaN, so that a running loss stays readable; the gradient is zero in both.
    #[default]
    Mean,
    /// Summed over the counted rows.
    Sum,
}

/// The rows a custom loss counts.
///
/// Python drops the rows whose target is `ignore_index` before computing anything. Dropping
/// rows would need the targets on the host (a device sync per batch), so every row is computed
/// with ignored targets pointed at class 0, to keep gathers in range, and then multiplied by
/// `valid`: the value is the same and the dropped rows get a zero gradient, as in Python.
pub(crate) struct Rows<B: Backend> {
    /// Targets with ignored rows set to class 0.
    targets: Tensor<B, 1, Int>,
    /// 1 for a counted row, 0 for an ignored one.
    valid: Tensor<B, 1>,
}

impl<B: Backend> Rows<B> {
    pub(crate) fn new(targets: Tensor<B, 1, Int>, ignore_index: i64) -> Self {
        let ignored = targets.clone().equal_elem(ignore_index);
        Self {
            valid: ignored.clone().bool_not().float(),
            targets: targets.mask_fill(ignored, 0),
        }
    }

    /// Each row's value at its target class: `[n, c]` → `[n]`.
    pub(crate) fn pick(&self, values: Tensor<B, 2>) -> Tensor<B, 1> {
        let [n] = self.targets.dims();
        values
            .gather(1, self.targets.clone().reshape([n, 1]))
            .reshape([n])
    }

    /// The per-row weight a focal loss's one-float `alpha` gives: `alpha` for class 0 and
    /// `1 − alpha` for every other class.
    pub(crate) fn class_zero_weights(&self, alpha: f32) -> Tensor<B, 1> {
        let [n] = self.targets.dims();
        let others = self.targets.clone().greater_elem(0);
        Tensor::<B, 1>::full([n], alpha, &self.targets.device()).mask_fill(others, 1.0 - alpha)
    }

    /// The per-row weight a per-class list gives. `weights` must have one entry per class.
    pub(crate) fn class_weights(&self, weights: &[f32]) -> Tensor<B, 1> {
        Tensor::<B, 1>::from_floats(weights, &self.targets.device()).select(0, self.targets.clone())
    }

    /// The targets one-hot, `[n, classes]`, built by comparison so that no target has to be
    /// read back to the host.
    pub(crate) fn one_hot(&self, classes: usize) -> Tensor<B, 2> {
        let [n] = self.targets.dims();
        let ids = Tensor::<B, 1, Int>::arange(0..classes as i64, &self.targets.device())
            .reshape([1, classes])
            .expand([n, classes]);
        let targets = self.targets.clone().reshape([n, 1]).expand([n, classes]);
        ids.equal(targets).float()
    }

    /// Sum, or mean, of `per_row` over the counted rows. The mean divides by the sum of
    /// `row_weights` over those rows when given, by their number otherwise.
    ///
    /// Where nothing is counted (every row ignored, or every picked weight 0) Python divides
    /// 0 by 0 and reports NaN; this returns 0 instead, so that a running loss stays finite.
    /// The gradient is zero either way when every row is ignored.
    pub(crate) fn reduce(
        &self,
        per_row: Tensor<B, 1>,
        reduction: Reduction,
        row_weights: Option<Tensor<B, 1>>,
    ) -> Tensor<B, 1> {
        let total = (per_row * self.valid.clone()).sum();
        match reduction {
            Reduction::Sum => total,
            Reduction::Mean => {
                let count = match row_weights {
                    None => self.valid.clone().sum(),
                    Some(weights) => (weights * self.valid.clone()).sum(),
                };
                let nothing = count.clone().equal_elem(0.0);
                total / count.mask_fill(nothing, 1.0)
            }
        }
    }
}

/// `(1 − p)^γ`, or `None` for γ = 0. PyTorch's `pow` backward returns zero for a zero
/// exponent, while Burn's computes `0 · x⁻¹`, which is NaN where a probability rounds to 1;
/// leaving the factor out is exact since it is 1.
pub(crate) fn focusing<B: Backend, const D: usize>(
    p: Tensor<B, D>,
    gamma: f64,
) -> Option<Tensor<B, D>> {
    (gamma != 0.0).then(|| p.neg().add_scalar(1.0).powf_scalar(gamma))
}

/// The dice and Tversky losses' scores: `scale · (1 − p)^γ · p` of the softmax `p`.
pub(crate) fn soft_scores<B: Backend>(
    logits: Tensor<B, 2>,
    gamma: f64,
    scale: f64,
) -> Tensor<B, 2> {
    let p = burn::tensor::activation::softmax(logits, 1);
    match focusing(p.clone(), gamma) {
        Some(factor) => factor.mul_scalar(scale) * p,
        None => p.mul_scalar(scale),
    }
}

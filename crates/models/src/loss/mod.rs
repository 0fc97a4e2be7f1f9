//! The losses of `transformers`' task heads (sequence classification's `problem_type`s, token
//! classification), with Simple Transformers' class weights and `pos_weight`. All return the
//! mean over the batch as a one-element tensor.

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

//! Batched inference, written once for every task: rows go through the model in batches of
//! `eval_batch_size`, with a progress bar, and (for prediction) rows of similar length share a
//! batch so that padding each batch to its longest row wastes little.

use burn::tensor::Tensor;
use burn::tensor::backend::Backend;

/// In which order rows are batched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOrder {
    /// As given: evaluation keeps Python's batches, since its `eval_loss` is a mean over them.
    AsGiven,
    /// Longest first, so that each batch holds rows of similar length (prediction).
    LongestFirst,
}

/// Run `batch` over the rows `0..lengths.len()` in chunks of `batch_size` row indices, in
/// `order`, drawing a progress bar labelled `label` when `show`. `batch` gets the indices
/// of its rows and puts the outputs where they belong.
pub fn for_each_batch<E>(
    lengths: &[usize],
    batch_size: usize,
    order: BatchOrder,
    show: bool,
    label: &str,
    mut batch: impl FnMut(&[usize]) -> Result<(), E>,
) -> Result<(), E> {
    let batch_size = batch_size.max(1);
    let mut rows: Vec<usize> = (0..lengths.len()).collect();
    if order == BatchOrder::LongestFirst {
        rows.sort_by_key(|&i| std::cmp::Reverse(lengths[i]));
    }
    let bar = crate::progress::bar(
        rows.len().div_ceil(batch_size),
        show,
        &format!("{label} {{pos}}/{{len}} {{wide_bar}}"),
    );
    for chunk in rows.chunks(batch_size) {
        batch(chunk)?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(())
}

/// A tensor's values as `f32`, row-major.
pub fn values<B: Backend, const D: usize>(tensor: Tensor<B, D>) -> crate::Result<Vec<f32>> {
    tensor
        .into_data()
        .convert::<f32>()
        .to_vec()
        .map_err(|e| crate::Error::Other(format!("reading model outputs: {e:?}")))
}

/// The index of the first largest score (as `torch.argmax` and NumPy's `argmax`); 0 for an
/// empty slice.
pub fn argmax(scores: &[f32]) -> usize {
    let mut best = 0;
    for (i, &s) in scores.iter().enumerate() {
        if s > scores[best] {
            best = i;
        }
    }
    best
}

/// The mean of per-batch losses (Python's `eval_loss`), 0 without batches.
pub fn mean_loss(sum: f64, batches: usize) -> f64 {
    sum / batches.max(1) as f64
}

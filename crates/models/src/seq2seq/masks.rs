//! The attention masks every encoder-decoder builds: padding hidden from every query, and the
//! decoder's causal order, both as full-shape additive masks (see the GPT-2 decoder for why the
//! full shape).

use burn::tensor::backend::Backend;
use burn::tensor::{Bool, Int, Tensor, TensorData};

/// The additive mask `[rows, heads, 1, keys]` that hides the keys where `attention_mask`
/// `[rows, keys]` is not 1 (padding) from every query.
pub(crate) fn padding_bias<B: Backend>(
    attention_mask: Tensor<B, 2, Int>,
    heads: usize,
) -> Tensor<B, 4> {
    let [rows, keys] = attention_mask.dims();
    let device = attention_mask.device();
    let shape = [rows, heads, 1, keys];
    let hidden = attention_mask
        .not_equal_elem(1)
        .reshape([rows, 1, 1, keys])
        .expand(shape);
    Tensor::<B, 4>::zeros(shape, &device).mask_fill(hidden, f32::MIN)
}

/// `[1, 1, n, total]`: the query at position `total − n + q` may see keys up to its own.
pub(crate) fn causal<B: Backend>(n: usize, total: usize, device: &B::Device) -> Tensor<B, 4, Bool> {
    let past = total - n;
    let allowed: Vec<bool> = (0..n)
        .flat_map(|q| (0..total).map(move |k| k <= past + q))
        .collect();
    Tensor::<B, 2, Bool>::from_data(TensorData::new(allowed, [n, total]), device)
        .reshape([1, 1, n, total])
}

//! The decoding state every encoder-decoder keeps on the shared engine: the input is encoded
//! once, each decoder layer's cross-attention keys and values are computed from it once, and
//! each step feeds only the new decoder tokens over the self-attention cache. Beams reorder
//! (and first expand) every row-indexed part of the state together.

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

use super::masks::{causal, padding_bias};
use crate::decoder::KvCache;

/// What decoding keeps between steps, one row per sequence being decoded.
#[derive(Debug, Clone)]
pub struct Seq2SeqState<B: Backend> {
    /// Each decoder layer's cross-attention keys and values `[rows, heads, input, head_dim]`.
    pub(crate) cross: Vec<(Tensor<B, 4>, Tensor<B, 4>)>,
    /// The input's padding as an additive mask `[rows, heads, 1, input]`.
    pub(crate) cross_bias: Tensor<B, 4>,
    /// The decoder's past self-attention keys and values.
    pub(crate) cache: KvCache<B>,
}

impl<B: Backend> Seq2SeqState<B> {
    /// The state of inputs whose `attention_mask` is `[rows, input]`, with `cross` computed
    /// from their encoding, for a decoder of `heads` heads per layer.
    pub(crate) fn new(
        cross: Vec<(Tensor<B, 4>, Tensor<B, 4>)>,
        attention_mask: Tensor<B, 2, Int>,
        heads: usize,
    ) -> Self {
        let layers = cross.len();
        Self {
            cross,
            cross_bias: padding_bias(attention_mask, heads),
            cache: KvCache::new(layers),
        }
    }

    /// The cross-attention mask for `n` new positions, `[rows, heads, n, input]`.
    pub(crate) fn cross_bias(&self, n: usize) -> Tensor<B, 4> {
        let [rows, heads, _, keys] = self.cross_bias.dims();
        self.cross_bias.clone().expand([rows, heads, n, keys])
    }

    /// The state whose row `i` is row `rows[i]` of this one.
    pub(crate) fn select(self, rows: &[usize]) -> Self {
        let device = self.cross_bias.device();
        let ids: Vec<i64> = rows.iter().map(|&r| r as i64).collect();
        let ids = Tensor::<B, 1, Int>::from_ints(ids.as_slice(), &device);
        let pick = |t: Tensor<B, 4>| t.select(0, ids.clone());
        Self {
            cross: self
                .cross
                .into_iter()
                .map(|(k, v)| (pick(k), pick(v)))
                .collect(),
            cross_bias: pick(self.cross_bias),
            cache: self.cache.select(rows),
        }
    }
}

/// Where `n` new decoder positions may look among `total` fed so far (`attention_mask`
/// `[rows, total]`): earlier or equal positions that are not padding, `[rows, heads, n, total]`.
pub(crate) fn decoder_allowed<B: Backend>(
    attention_mask: Tensor<B, 2, Int>,
    heads: usize,
    n: usize,
) -> Tensor<B, 4, burn::tensor::Bool> {
    let [rows, total] = attention_mask.dims();
    let shape = [rows, heads, n, total];
    let device = attention_mask.device();
    attention_mask
        .equal_elem(1)
        .reshape([rows, 1, 1, total])
        .expand(shape)
        .bool_and(causal(n, total, &device).expand(shape))
}

/// [`decoder_allowed`] as the additive self-attention mask `[rows, heads, n, total]`: 0 where
/// allowed, the most negative float elsewhere.
pub(crate) fn decoder_self_bias<B: Backend>(
    attention_mask: Tensor<B, 2, Int>,
    heads: usize,
    n: usize,
) -> Tensor<B, 4> {
    let allowed = decoder_allowed(attention_mask, heads, n);
    Tensor::<B, 4>::zeros(allowed.dims(), &allowed.device()).mask_fill(allowed.bool_not(), f32::MIN)
}

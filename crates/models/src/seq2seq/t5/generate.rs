//! T5 on the shared decoding engine: the input is encoded once, each input's cross-attention
//! keys and values are computed once per layer, and each step feeds only the new decoder tokens
//! over the self-attention cache. Beams reorder (and first expand) every row-indexed part of
//! the state together.

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

use super::T5ForConditionalGeneration;
use crate::decoder::KvCache;
use crate::generate::Autoregressive;
use crate::seq2seq::EncoderDecoder;
use crate::seq2seq::masks::{causal, padding_bias};

/// What decoding keeps between steps, one row per sequence being decoded.
#[derive(Debug, Clone)]
pub struct T5State<B: Backend> {
    /// Each decoder layer's cross-attention keys and values `[rows, heads, input, d_kv]`.
    cross: Vec<(Tensor<B, 4>, Tensor<B, 4>)>,
    /// The input's padding as an additive mask `[rows, heads, 1, input]`.
    cross_bias: Tensor<B, 4>,
    /// The decoder's past self-attention keys and values.
    cache: KvCache<B>,
}

impl<B: Backend> T5ForConditionalGeneration<B> {
    /// The decoding state of `input_ids` `[rows, n]` (right-padded, `attention_mask` 0 on
    /// padding): the encoder runs here, once.
    pub fn start(
        &self,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> T5State<B> {
        let encoded = self.encode(input_ids, attention_mask.clone());
        let heads = self
            .encoder
            .block
            .first()
            .map_or(1, |b| b.self_attention.attention.num_heads);
        let cross = self
            .decoder
            .block
            .iter()
            .filter_map(|block| block.cross_attention.as_ref())
            .map(|layer| layer.attention.keys_values(encoded.clone()))
            .collect();
        T5State {
            cross,
            cross_bias: padding_bias(attention_mask, heads),
            cache: KvCache::new(self.decoder.block.len()),
        }
    }

    /// Each decoding sequence starts from the decoder start token alone.
    pub fn decoder_prompts(&self, inputs: usize) -> Vec<Vec<u32>> {
        vec![vec![self.decoder_start_token_id]; inputs]
    }
}

impl<B: Backend> Autoregressive<B> for T5ForConditionalGeneration<B> {
    type State = T5State<B>;

    fn step(
        &self,
        state: &mut T5State<B>,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> Tensor<B, 2> {
        let [rows, n] = input_ids.dims();
        let [_, total] = attention_mask.dims();
        let past = total - n;
        let stack = &self.decoder;
        let x = self.shared.forward(input_ids);
        let device = x.device();
        // A validated config has at least one decoder layer; the first holds the position bias.
        let attention = &stack.block[0].self_attention.attention;
        let shape = [rows, attention.num_heads, n, total];
        let allowed = attention_mask
            .equal_elem(1)
            .reshape([rows, 1, 1, total])
            .expand(shape)
            .bool_and(causal(n, total, &device).expand(shape));
        let self_bias = attention
            .position_bias(n, total, past, false, stack.max_distance)
            .expand(shape)
            .mask_fill(allowed.bool_not(), f32::MIN);
        let [_, heads, _, keys] = state.cross_bias.dims();
        let cross_bias = state.cross_bias.clone().expand([rows, heads, n, keys]);
        let mut x = x;
        for (layer, block) in stack.block.iter().enumerate() {
            x = block
                .self_attention
                .forward_cached(x, &mut state.cache, layer, self_bias.clone());
            if let Some(cross) = &block.cross_attention {
                x = cross.forward_over(x, state.cross[layer].clone(), cross_bias.clone());
            }
            x = block.feed_forward.forward(x);
        }
        let hidden = stack.final_layer_norm.forward(x);
        let [_, _, d] = hidden.dims();
        self.logits(hidden.slice([0..rows, n - 1..n]).reshape([rows, d]))
    }

    fn reorder(&self, state: T5State<B>, rows: &[usize]) -> T5State<B> {
        let device = state.cross_bias.device();
        let ids: Vec<i64> = rows.iter().map(|&r| r as i64).collect();
        let ids = Tensor::<B, 1, Int>::from_ints(ids.as_slice(), &device);
        let pick = |t: Tensor<B, 4>| t.select(0, ids.clone());
        T5State {
            cross: state
                .cross
                .into_iter()
                .map(|(k, v)| (pick(k), pick(v)))
                .collect(),
            cross_bias: pick(state.cross_bias),
            cache: state.cache.select(rows),
        }
    }

    fn device(&self) -> B::Device {
        self.shared.weight.device()
    }
}

//! T5 on the shared decoding engine (see [`Seq2SeqState`]).

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

use super::T5ForConditionalGeneration;
use crate::generate::Autoregressive;
use crate::seq2seq::EncoderDecoder;
use crate::seq2seq::state::{Seq2SeqState, decoder_allowed};

impl<B: Backend> T5ForConditionalGeneration<B> {
    /// The decoding state of `input_ids` `[rows, n]` (right-padded, `attention_mask` 0 on
    /// padding): the encoder runs here, once.
    pub fn start(
        &self,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> Seq2SeqState<B> {
        let encoded = self.encode(input_ids, attention_mask.clone());
        let heads = self.decoder.block[0].self_attention.attention.num_heads;
        let cross = self
            .decoder
            .block
            .iter()
            .filter_map(|block| block.cross_attention.as_ref())
            .map(|layer| layer.attention.keys_values(encoded.clone()))
            .collect();
        Seq2SeqState::new(cross, attention_mask, heads)
    }
}

impl<B: Backend> Autoregressive<B> for T5ForConditionalGeneration<B> {
    type State = Seq2SeqState<B>;

    fn step(
        &self,
        state: &mut Seq2SeqState<B>,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> Tensor<B, 2> {
        let [rows, n] = input_ids.dims();
        let [_, total] = attention_mask.dims();
        let stack = &self.decoder;
        // A validated config has at least one decoder layer; the first holds the position bias.
        let attention = &stack.block[0].self_attention.attention;
        let allowed = decoder_allowed(attention_mask, attention.num_heads, n);
        let self_bias = attention
            .position_bias(n, total, total - n, false, stack.max_distance)
            .expand(allowed.dims())
            .mask_fill(allowed.bool_not(), f32::MIN);
        let cross_bias = state.cross_bias(n);
        let mut x = self.shared.forward(input_ids);
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

    fn reorder(&self, state: Seq2SeqState<B>, rows: &[usize]) -> Seq2SeqState<B> {
        state.select(rows)
    }

    fn device(&self) -> B::Device {
        self.shared.weight.device()
    }
}

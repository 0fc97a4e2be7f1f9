//! BART on the shared decoding engine (see [`Seq2SeqState`]).

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

use super::BartForConditionalGeneration;
use super::model::SelfKeys;
use crate::generate::Autoregressive;
use crate::seq2seq::EncoderDecoder;
use crate::seq2seq::state::{Seq2SeqState, decoder_self_bias};

impl<B: Backend> BartForConditionalGeneration<B> {
    /// The decoding state of `input_ids` `[rows, n]` (right-padded, `attention_mask` 0 on
    /// padding): the encoder runs here, once.
    pub fn start(
        &self,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> Seq2SeqState<B> {
        let encoded = self.encode(input_ids, attention_mask.clone());
        let decoder = &self.model.decoder;
        let heads = decoder.layers[0].self_attn.num_heads;
        let cross = decoder
            .layers
            .iter()
            .filter_map(|layer| layer.encoder_attn.as_ref())
            .map(|attention| attention.keys_values(encoded.clone()))
            .collect();
        Seq2SeqState::new(cross, attention_mask, heads)
    }
}

impl<B: Backend> Autoregressive<B> for BartForConditionalGeneration<B> {
    type State = Seq2SeqState<B>;

    fn step(
        &self,
        state: &mut Seq2SeqState<B>,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> Tensor<B, 2> {
        let [rows, n] = input_ids.dims();
        let [_, total] = attention_mask.dims();
        let decoder = &self.model.decoder;
        let heads = decoder.layers[0].self_attn.num_heads;
        let self_bias = decoder_self_bias(attention_mask, heads, n);
        let cross_bias = state.cross_bias(n);
        let mut x = decoder.embed(self.model.embed(input_ids), total - n);
        for (layer, block) in decoder.layers.iter().enumerate() {
            let cross = (state.cross[layer].clone(), cross_bias.clone());
            x = block.forward(
                x,
                SelfKeys::Cached(&mut state.cache, layer),
                self_bias.clone(),
                Some(cross),
            );
        }
        let x = decoder.finish(x);
        let [_, _, d] = x.dims();
        self.logits(x.slice([0..rows, n - 1..n]).reshape([rows, d]))
    }

    fn reorder(&self, state: Seq2SeqState<B>, rows: &[usize]) -> Seq2SeqState<B> {
        state.select(rows)
    }

    fn max_positions(&self) -> Option<usize> {
        Some(self.model.decoder.max_positions())
    }

    fn device(&self) -> B::Device {
        self.model.shared.weight.device()
    }
}

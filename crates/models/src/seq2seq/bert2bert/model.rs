//! BERT2BERT's Burn modules and their forward passes, teacher-forced and incremental.

use burn::module::Module;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

use crate::encoder::{Embeddings, Encoder, EncoderInput};
use crate::generate::Autoregressive;
use crate::layers::{Attention, EncoderLayer};
use crate::mlm::MlmHead;
use crate::seq2seq::EncoderDecoder;
use crate::seq2seq::masks::{causal, padding_bias};
use crate::seq2seq::state::{Seq2SeqState, decoder_self_bias};

/// A decoder layer: BERT's layer (`base`: causal self-attention and the feed-forward block)
/// with cross-attention over the encoder's states between the two.
#[derive(Module, Debug)]
pub struct BertDecoderLayer<B: Backend> {
    pub base: EncoderLayer<B>,
    pub crossattention: Attention<B>,
}

/// Keys and values of one attention, `[rows, heads, keys, head_dim]` each.
type KeysValues<B> = (Tensor<B, 4>, Tensor<B, 4>);

impl<B: Backend> BertDecoderLayer<B> {
    fn forward(
        &self,
        x: Tensor<B, 3>,
        self_kv: KeysValues<B>,
        self_bias: Tensor<B, 4>,
        (cross_kv, cross_bias): (KeysValues<B>, Tensor<B, 4>),
    ) -> Tensor<B, 3> {
        let x = self.base.attention.attend(x, self_kv, self_bias);
        let x = self.crossattention.attend(x, cross_kv, cross_bias);
        self.base.feed_forward(x)
    }
}

/// `BertLMHeadModel` as an encoder-decoder's decoder: BERT's embeddings and layers with
/// cross-attention, and the masked-LM head (`cls.predictions`) tied to its word embeddings.
#[derive(Module, Debug)]
pub struct BertDecoder<B: Backend> {
    pub embeddings: Embeddings<B>,
    pub layers: Vec<BertDecoderLayer<B>>,
    pub head: MlmHead<B>,
}

impl<B: Backend> BertDecoder<B> {
    fn heads(&self) -> usize {
        self.layers
            .first()
            .map_or(1, |l| l.base.attention.num_heads)
    }

    /// Embeddings of `ids` `[rows, n]` at positions `past..past + n` (token type 0).
    fn embed(&self, ids: Tensor<B, 2, Int>, past: usize) -> Tensor<B, 3> {
        let [rows, n] = ids.dims();
        let positions = Tensor::<B, 1, Int>::arange(past as i64..(past + n) as i64, &ids.device())
            .reshape([1, n])
            .expand([rows, n]);
        self.embeddings.forward(ids, positions, None)
    }

    /// Vocabulary logits `[rows, vocab]` of decoder states `[rows, d]`.
    fn logits(&self, hidden: Tensor<B, 3>) -> Tensor<B, 3> {
        let [rows, n, _] = hidden.dims();
        let states = crate::task::Head::forward(
            &self.head,
            crate::EncoderOutput {
                last_hidden_state: hidden,
                pooler_output: None,
            },
        );
        let width = states.dims()[2];
        let weight = match &self.head.decoder {
            Some(decoder) => decoder.val(),
            None => self.embeddings.word_embeddings.weight.val(),
        };
        let vocab = weight.dims()[0];
        let logits = states.reshape([rows * n, width]).matmul(weight.transpose())
            + self.head.bias.val().reshape([1, vocab]);
        logits.reshape([rows, n, vocab])
    }
}

/// `EncoderDecoderModel` of two BERTs: a BERT encoder (`BertModel`, with its pooler when the
/// checkpoint has one) and a [`BertDecoder`].
#[derive(Module, Debug)]
pub struct Bert2Bert<B: Backend> {
    pub encoder: Encoder<B>,
    pub decoder: BertDecoder<B>,
    #[module(skip)]
    pub decoder_start_token_id: u32,
    #[module(skip)]
    pub pad_token_id: u32,
}

impl<B: Backend> EncoderDecoder<B> for Bert2Bert<B> {
    fn encode(
        &self,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> Tensor<B, 3> {
        self.encoder
            .forward(EncoderInput {
                input_ids,
                attention_mask,
                token_type_ids: None,
                position_ids: None,
            })
            .last_hidden_state
    }

    fn decode(
        &self,
        decoder_input_ids: Tensor<B, 2, Int>,
        encoded: Tensor<B, 3>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> Tensor<B, 3> {
        let [rows, m] = decoder_input_ids.dims();
        let keys = encoded.dims()[1];
        let device = encoded.device();
        let heads = self.decoder.heads();
        let shape = [rows, heads, m, m];
        // As `EncoderDecoderModel` does when given labels: the decoder's padding is masked too
        // (`decoder_attention_mask = decoder_input_ids != pad`).
        let decoder_mask = decoder_input_ids
            .clone()
            .not_equal_elem(self.pad_token_id as i64)
            .int();
        let self_bias = padding_bias(decoder_mask, heads)
            .expand(shape)
            .mask_fill(causal(m, m, &device).bool_not().expand(shape), f32::MIN);
        let cross_bias = padding_bias(attention_mask, heads).expand([rows, heads, m, keys]);
        let mut x = self.decoder.embed(decoder_input_ids, 0);
        for layer in &self.decoder.layers {
            let self_kv = layer.base.attention.keys_values(x.clone());
            let cross_kv = layer.crossattention.keys_values(encoded.clone());
            x = layer.forward(
                x,
                self_kv,
                self_bias.clone(),
                (cross_kv, cross_bias.clone()),
            );
        }
        self.decoder.logits(x)
    }

    fn decoder_start_token_id(&self) -> u32 {
        self.decoder_start_token_id
    }

    fn pad_token_id(&self) -> u32 {
        self.pad_token_id
    }
}

impl<B: Backend> Bert2Bert<B> {
    /// The decoding state of right-padded `input_ids` `[rows, n]`: the encoder runs here once,
    /// and each layer's cross-attention keys and values are computed once.
    pub fn start(
        &self,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> Seq2SeqState<B> {
        let encoded = self.encode(input_ids, attention_mask.clone());
        let cross = (self.decoder.layers.iter())
            .map(|layer| layer.crossattention.keys_values(encoded.clone()))
            .collect();
        Seq2SeqState::new(cross, attention_mask, self.decoder.heads())
    }
}

impl<B: Backend> Autoregressive<B> for Bert2Bert<B> {
    type State = Seq2SeqState<B>;

    fn step(
        &self,
        state: &mut Seq2SeqState<B>,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> Tensor<B, 2> {
        let [rows, n] = input_ids.dims();
        let [_, total] = attention_mask.dims();
        let self_bias = decoder_self_bias(attention_mask, self.decoder.heads(), n);
        let cross_bias = state.cross_bias(n);
        let mut x = self.decoder.embed(input_ids, total - n);
        for (index, layer) in self.decoder.layers.iter().enumerate() {
            let (k, v) = layer.base.attention.keys_values(x.clone());
            let self_kv = state.cache.extend(index, k, v);
            let cross = (state.cross[index].clone(), cross_bias.clone());
            x = layer.forward(x, self_kv, self_bias.clone(), cross);
        }
        let last = x.slice([0..rows, n - 1..n]);
        let logits = self.decoder.logits(last);
        let vocab = logits.dims()[2];
        logits.reshape([rows, vocab])
    }

    fn reorder(&self, state: Seq2SeqState<B>, rows: &[usize]) -> Seq2SeqState<B> {
        state.select(rows)
    }

    fn max_positions(&self) -> Option<usize> {
        Some(self.decoder.embeddings.position_embeddings.weight.dims()[0])
    }

    fn device(&self) -> B::Device {
        self.decoder.embeddings.word_embeddings.weight.device()
    }
}

//! Encoder-decoder architectures: an encoder reads the input once, a decoder generates the
//! output attending to it (cross-attention).
//!
//! | module | what |
//! |---|---|
//! | [`t5`] | T5 v1.0, v1.1 and mT5 as `transformers`' `T5ForConditionalGeneration` |
//! | [`bart`] | BART, mBART and Marian as `transformers`' `BartForConditionalGeneration`, `MBartForConditionalGeneration`, `MarianMTModel` |
//! | [`bert2bert`] | `EncoderDecoderModel` of two BERTs (BERT2BERT) |
//! | [`lm`] | [`Seq2SeqLm`], any of them behind one type, and their family by `model_type` |

pub mod bart;
pub mod bert2bert;
pub mod lm;
pub(crate) mod masks;
pub mod state;
pub mod t5;

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

pub use bart::{
    BartConfig, BartFlavor, BartForConditionalGeneration, BartNames, load_bart, save_bart,
    shift_wrapping_last,
};
pub use lm::{
    Bart, BertEncoderDecoder, MBart, Marian, Seq2SeqArchitecture, Seq2SeqLayout, Seq2SeqLm,
    Seq2SeqNames, T5, seq2seq_architecture,
};
pub use state::Seq2SeqState;
pub use t5::{T5Config, T5ForConditionalGeneration, T5Names, load_t5, save_t5};

/// What every encoder-decoder offers the tasks: encode once, decode teacher-forced, and the
/// sequence-to-sequence loss of `transformers`' `*ForConditionalGeneration(…, labels=…)`.
pub trait EncoderDecoder<B: Backend> {
    /// The encoder's output `[rows, n, d]` for right-padded `input_ids` `[rows, n]`
    /// (`attention_mask` 0 on padding).
    fn encode(
        &self,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> Tensor<B, 3>;

    /// Logits `[rows, m, vocab]` of `decoder_input_ids` `[rows, m]` over an encoded input.
    fn decode(
        &self,
        decoder_input_ids: Tensor<B, 2, Int>,
        encoded: Tensor<B, 3>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> Tensor<B, 3>;

    /// The decoder's first input.
    fn decoder_start_token_id(&self) -> u32;

    /// What ignored label positions become among the decoder inputs.
    fn pad_token_id(&self) -> u32;

    /// The prompts of `inputs` decoding sequences: each starts from the decoder start token
    /// alone.
    fn decoder_prompts(&self, inputs: usize) -> Vec<Vec<u32>> {
        vec![vec![self.decoder_start_token_id()]; inputs]
    }

    /// The decoder inputs that teach the model `labels` ([`shift_right`]).
    fn decoder_inputs(&self, labels: Tensor<B, 2, Int>) -> Tensor<B, 2, Int> {
        shift_right(labels, self.decoder_start_token_id(), self.pad_token_id())
    }

    /// The logits for `labels` (teacher forcing) and their mean cross-entropy over the labels
    /// that are not −100.
    fn forward_with_labels(
        &self,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
        labels: Tensor<B, 2, Int>,
    ) -> (Tensor<B, 3>, Tensor<B, 1>) {
        let encoded = self.encode(input_ids, attention_mask.clone());
        let logits = self.decode(self.decoder_inputs(labels.clone()), encoded, attention_mask);
        let loss = crate::loss::token_cross_entropy(logits.clone(), labels, -100);
        (logits, loss)
    }
}

/// `labels` `[rows, m]` shifted one position right behind `start`, −100 (ignored positions)
/// replaced by `pad`: the decoder inputs that teach a model `labels` (teacher forcing, as
/// `transformers`' `shift_tokens_right` / `_shift_right`).
pub fn shift_right<B: Backend>(
    labels: Tensor<B, 2, Int>,
    start: u32,
    pad: u32,
) -> Tensor<B, 2, Int> {
    let [rows, m] = labels.dims();
    let device = labels.device();
    let first = Tensor::<B, 2, Int>::full([rows, 1], start as i64, &device);
    let shifted = Tensor::cat(vec![first, labels.slice([0..rows, 0..m - 1])], 1);
    let ignored = shifted.clone().equal_elem(-100);
    shifted.mask_fill(ignored, pad as i64)
}

//! [`Seq2SeqLm`]: any registered encoder-decoder behind one type, so that tasks hold one module
//! and the decoding engine drives one model, whatever the architecture; and the family of
//! encoder-decoder architectures ([`Seq2SeqArchitecture`]) by `model_type`.

use std::path::Path;
use std::sync::Arc;

use burn::module::Module;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};
use serde_json::Value;
use st_core::tokenizer::SpecialTokens;
use st_core::weights::{HfName, NameMap};

use super::{
    BartForConditionalGeneration, BartNames, EncoderDecoder, Seq2SeqState,
    T5ForConditionalGeneration, T5Names, save_bart, save_t5,
};
use crate::ModelError;
use crate::generate::Autoregressive;
use crate::registry::{Family, lookup};
use crate::seq2seq::bart::load_bart_configured;
use crate::seq2seq::bert2bert::{Bert2Bert, Bert2BertNames, load_bert2bert, save_bert2bert};
use crate::seq2seq::t5::load_t5_configured;

/// How an encoder-decoder architecture is built: one per module layout in [`Seq2SeqLm`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seq2SeqLayout {
    /// `T5ForConditionalGeneration` (T5 v1.0, v1.1, mT5).
    T5,
    /// `BartForConditionalGeneration`, `MBartForConditionalGeneration` and `MarianMTModel`
    /// (one module; `config.json`'s `model_type` says which).
    Bart,
    /// `EncoderDecoderModel` of two BERTs.
    Bert2Bert,
}

/// An encoder-decoder architecture: its names and the layout it loads as. Register one with
/// [`crate::register`]`::<dyn Seq2SeqArchitecture>`.
pub trait Seq2SeqArchitecture: Send + Sync {
    /// The Simple Transformers `model_type` / `encoder_decoder_type` (`t5`, `bart`).
    fn model_type(&self) -> &'static str;
    /// Other names accepted for it.
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }
    /// The module it loads into.
    fn layout(&self) -> Seq2SeqLayout;
    /// The special-token template for a tokenizer rebuilt from vocabulary files.
    fn special_tokens(&self) -> SpecialTokens {
        SpecialTokens::None
    }
}

impl std::fmt::Debug for dyn Seq2SeqArchitecture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Seq2SeqArchitecture({})", self.model_type())
    }
}

impl Family for dyn Seq2SeqArchitecture {
    const KIND: &'static str = "encoder-decoder";

    fn model_type(&self) -> &'static str {
        Seq2SeqArchitecture::model_type(self)
    }

    fn aliases(&self) -> &'static [&'static str] {
        Seq2SeqArchitecture::aliases(self)
    }
}

/// T5 v1.0 and v1.1, and mT5 (the same module, gated-GELU by config).
#[derive(Debug, Clone, Copy, Default)]
pub struct T5;

impl Seq2SeqArchitecture for T5 {
    fn model_type(&self) -> &'static str {
        "t5"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["mt5"]
    }

    fn layout(&self) -> Seq2SeqLayout {
        Seq2SeqLayout::T5
    }
}

/// BART.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bart;

impl Seq2SeqArchitecture for Bart {
    fn model_type(&self) -> &'static str {
        "bart"
    }

    fn layout(&self) -> Seq2SeqLayout {
        Seq2SeqLayout::Bart
    }

    /// BART's byte-level BPE frames text as RoBERTa's: `<s> … </s>`.
    fn special_tokens(&self) -> SpecialTokens {
        SpecialTokens::Roberta
    }
}

/// mBART (`mbart`; `mbart50` names the same module). Its checkpoints ship a SentencePiece
/// `tokenizer.json` whose language codes the task sets (`src_lang`, `tgt_lang`).
#[derive(Debug, Clone, Copy, Default)]
pub struct MBart;

impl Seq2SeqArchitecture for MBart {
    fn model_type(&self) -> &'static str {
        "mbart"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["mbart50"]
    }

    fn layout(&self) -> Seq2SeqLayout {
        Seq2SeqLayout::Bart
    }
}

/// Marian (`MarianMTModel`, the OPUS-MT models): the BART layout with fixed positions.
#[derive(Debug, Clone, Copy, Default)]
pub struct Marian;

impl Seq2SeqArchitecture for Marian {
    fn model_type(&self) -> &'static str {
        "marian"
    }

    fn layout(&self) -> Seq2SeqLayout {
        Seq2SeqLayout::Bart
    }
}

/// BERT2BERT: an `EncoderDecoderModel` of two BERTs (Python's `encoder_type` `bert`).
#[derive(Debug, Clone, Copy, Default)]
pub struct BertEncoderDecoder;

impl Seq2SeqArchitecture for BertEncoderDecoder {
    fn model_type(&self) -> &'static str {
        "bert"
    }

    fn aliases(&self) -> &'static [&'static str] {
        // Python Simple Transformers saves the model type as `{encoder_type}-bert`.
        &["bert-bert", "encoder-decoder"]
    }

    fn layout(&self) -> Seq2SeqLayout {
        Seq2SeqLayout::Bert2Bert
    }

    /// BERT's `[CLS] … [SEP]` for a tokenizer rebuilt from `vocab.txt`.
    fn special_tokens(&self) -> SpecialTokens {
        SpecialTokens::Bert
    }
}

/// The encoder-decoder architecture registered for `model_type`.
pub fn seq2seq_architecture(model_type: &str) -> Result<Arc<dyn Seq2SeqArchitecture>, ModelError> {
    lookup::<dyn Seq2SeqArchitecture>(model_type)
}

/// An encoder-decoder with its language-model head, of any registered architecture.
// One per task model; Burn's derive needs the modules inline.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Seq2SeqLm<B: Backend> {
    T5(T5ForConditionalGeneration<B>),
    Bart(BartForConditionalGeneration<B>),
    Bert2Bert(Bert2Bert<B>),
}

impl<B: Backend> Seq2SeqLm<B> {
    /// The `layout` model in `dir` (safetensors weights), built from `config` (its
    /// `config.json`, with any overrides applied).
    pub fn load(
        layout: Seq2SeqLayout,
        dir: &Path,
        config: &Value,
        device: &B::Device,
    ) -> Result<Self, ModelError> {
        Ok(match layout {
            Seq2SeqLayout::T5 => Self::T5(load_t5_configured(dir, config, device)?.0),
            Seq2SeqLayout::Bart => Self::Bart(load_bart_configured(dir, config, device)?.0),
            Seq2SeqLayout::Bert2Bert => Self::Bert2Bert(load_bert2bert(dir, config, device)?.0),
        })
    }

    /// The layout of this model.
    pub fn layout(&self) -> Seq2SeqLayout {
        match self {
            Self::T5(_) => Seq2SeqLayout::T5,
            Self::Bart(_) => Seq2SeqLayout::Bart,
            Self::Bert2Bert(_) => Seq2SeqLayout::Bert2Bert,
        }
    }

    /// Write the model into `dir` as `transformers` saves its class, `hf_config` being the
    /// `config.json` it was loaded with.
    pub fn save(&self, hf_config: &Value, dir: &Path) -> Result<(), ModelError> {
        match self {
            Self::T5(model) => save_t5(model, hf_config, dir),
            Self::Bart(model) => save_bart(model, hf_config, dir),
            Self::Bert2Bert(model) => save_bert2bert(model, hf_config, dir),
        }
    }

    /// The decoding state of right-padded `input_ids` `[rows, n]`: the input encoded once.
    pub fn start(
        &self,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> Seq2SeqState<B> {
        match self {
            Self::T5(model) => model.start(input_ids, attention_mask),
            Self::Bart(model) => model.start(input_ids, attention_mask),
            Self::Bert2Bert(model) => model.start(input_ids, attention_mask),
        }
    }

    /// The rows of the token table (the vocabulary the head scores).
    pub fn vocab_size(&self) -> usize {
        match self {
            Self::T5(model) => model.shared.weight.dims()[0],
            Self::Bart(model) => model.model.shared.weight.dims()[0],
            Self::Bert2Bert(model) => model.decoder.embeddings.word_embeddings.weight.dims()[0],
        }
    }

    /// Grow the token table (and what scores against it: T5's untied head, BART's logits
    /// bias) to `vocab_size` rows for added tokens: new rows are the mean of the old ones, new
    /// biases zero; never shrinks.
    pub fn resize_token_embeddings(self, vocab_size: usize) -> Self {
        match self {
            Self::T5(mut model) => {
                crate::layers::grow_embedding(&mut model.shared, vocab_size);
                if let Some(head) = model.lm_head.as_mut() {
                    // Burn keeps the head as `[d_model, vocab]`; grown as rows of its transpose.
                    let mut rows = burn::nn::Embedding {
                        weight: burn::module::Param::from_tensor(
                            head.weight.val().transpose().detach(),
                        ),
                    };
                    crate::layers::grow_embedding(&mut rows, vocab_size);
                    head.weight =
                        burn::module::Param::from_tensor(rows.weight.val().transpose().detach());
                }
                Self::T5(model)
            }
            Self::Bart(mut model) => {
                crate::layers::grow_embedding(&mut model.model.shared, vocab_size);
                let bias = model.final_logits_bias.val();
                let [_, old] = bias.dims();
                if vocab_size > old {
                    let zeros = Tensor::zeros([1, vocab_size - old], &bias.device());
                    model.final_logits_bias = burn::module::Param::from_tensor(
                        Tensor::cat(vec![bias, zeros], 1).detach(),
                    )
                    .set_require_grad(false);
                }
                Self::Bart(model)
            }
            Self::Bert2Bert(mut model) => {
                model.encoder = model.encoder.resize_token_embeddings(vocab_size);
                let embeddings = &mut model.decoder.embeddings.word_embeddings;
                crate::layers::grow_embedding(embeddings, vocab_size);
                let bias = model.decoder.head.bias.val();
                let [old] = bias.dims();
                if vocab_size > old {
                    let zeros = Tensor::zeros([vocab_size - old], &bias.device());
                    model.decoder.head.bias = burn::module::Param::from_tensor(
                        Tensor::cat(vec![bias, zeros], 0).detach(),
                    );
                }
                Self::Bert2Bert(model)
            }
        }
    }

    /// Burn paths → Hugging Face names.
    pub fn names(&self) -> Seq2SeqNames {
        Seq2SeqNames(self.layout())
    }
}

impl<B: Backend> EncoderDecoder<B> for Seq2SeqLm<B> {
    fn encode(
        &self,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> Tensor<B, 3> {
        match self {
            Self::T5(model) => model.encode(input_ids, attention_mask),
            Self::Bart(model) => model.encode(input_ids, attention_mask),
            Self::Bert2Bert(model) => model.encode(input_ids, attention_mask),
        }
    }

    fn decode(
        &self,
        decoder_input_ids: Tensor<B, 2, Int>,
        encoded: Tensor<B, 3>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> Tensor<B, 3> {
        match self {
            Self::T5(model) => model.decode(decoder_input_ids, encoded, attention_mask),
            Self::Bart(model) => model.decode(decoder_input_ids, encoded, attention_mask),
            Self::Bert2Bert(model) => model.decode(decoder_input_ids, encoded, attention_mask),
        }
    }

    fn decoder_start_token_id(&self) -> u32 {
        match self {
            Self::T5(model) => model.decoder_start_token_id(),
            Self::Bart(model) => model.decoder_start_token_id(),
            Self::Bert2Bert(model) => model.decoder_start_token_id(),
        }
    }

    fn pad_token_id(&self) -> u32 {
        match self {
            Self::T5(model) => model.pad_token_id(),
            Self::Bart(model) => model.pad_token_id(),
            Self::Bert2Bert(model) => model.pad_token_id(),
        }
    }

    fn decoder_inputs(&self, labels: Tensor<B, 2, Int>) -> Tensor<B, 2, Int> {
        match self {
            Self::T5(model) => model.decoder_inputs(labels),
            Self::Bart(model) => model.decoder_inputs(labels),
            Self::Bert2Bert(model) => model.decoder_inputs(labels),
        }
    }
}

impl<B: Backend> Autoregressive<B> for Seq2SeqLm<B> {
    type State = Seq2SeqState<B>;

    fn step(
        &self,
        state: &mut Seq2SeqState<B>,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> Tensor<B, 2> {
        match self {
            Self::T5(model) => model.step(state, input_ids, attention_mask),
            Self::Bart(model) => model.step(state, input_ids, attention_mask),
            Self::Bert2Bert(model) => model.step(state, input_ids, attention_mask),
        }
    }

    fn reorder(&self, state: Seq2SeqState<B>, rows: &[usize]) -> Seq2SeqState<B> {
        state.select(rows)
    }

    fn max_positions(&self) -> Option<usize> {
        match self {
            Self::T5(model) => model.max_positions(),
            Self::Bart(model) => model.max_positions(),
            Self::Bert2Bert(model) => model.max_positions(),
        }
    }

    fn device(&self) -> B::Device {
        match self {
            Self::T5(model) => Autoregressive::device(model),
            Self::Bart(model) => Autoregressive::device(model),
            Self::Bert2Bert(model) => Autoregressive::device(model),
        }
    }
}

/// Hugging Face names of a [`Seq2SeqLm`]: the variant's path segment dropped, the rest named
/// as its architecture names them.
#[derive(Debug, Clone, Copy)]
pub struct Seq2SeqNames(Seq2SeqLayout);

impl Seq2SeqNames {
    fn inner(&self) -> &dyn NameMap {
        match self.0 {
            Seq2SeqLayout::T5 => &T5Names,
            Seq2SeqLayout::Bart => &BartNames,
            Seq2SeqLayout::Bert2Bert => &Bert2BertNames,
        }
    }
}

/// A module path with the [`Seq2SeqLm`] variant's segment dropped.
fn variant_path(path: &str) -> &str {
    ["T5.", "Bart.", "Bert2Bert."]
        .iter()
        .find_map(|variant| path.strip_prefix(variant))
        .unwrap_or(path)
}

impl NameMap for Seq2SeqNames {
    fn hf_name(&self, path: &str) -> HfName {
        self.inner().hf_name(variant_path(path))
    }

    fn base_model_prefix(&self) -> &str {
        self.inner().base_model_prefix()
    }

    fn keeps_layout(&self, path: &str) -> bool {
        self.inner().keeps_layout(variant_path(path))
    }

    fn is_ignorable(&self, hf_name: &str) -> bool {
        self.inner().is_ignorable(hf_name)
    }
}

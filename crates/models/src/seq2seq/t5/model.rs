//! `T5ForConditionalGeneration`: the shared embeddings, both stacks, the LM head, the
//! sequence-to-sequence loss, and loading from a `transformers` directory.

use std::path::Path;

use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};
use serde_json::Value;
use st_core::hub::CONFIG_FILE;
use st_core::weights::{Checkpoint, LoadReport, load_into};

use super::{T5Config, T5Names, T5Stack};
use crate::ModelError;
use crate::config::HfConfig;
use crate::seq2seq::EncoderDecoder;

/// The model `transformers` calls `T5ForConditionalGeneration`.
#[derive(Module, Debug)]
pub struct T5ForConditionalGeneration<B: Backend> {
    pub shared: Embedding<B>,
    pub encoder: T5Stack<B>,
    pub decoder: T5Stack<B>,
    /// An untied head (v1.1, mT5); `None` when the head is `shared`.
    pub lm_head: Option<Linear<B>>,
    /// `d_model^-0.5` when the decoder output is scaled before the head, else 1.
    #[module(skip)]
    pub output_scale: f64,
    #[module(skip)]
    pub decoder_start_token_id: u32,
    #[module(skip)]
    pub pad_token_id: u32,
}

impl<B: Backend> T5ForConditionalGeneration<B> {
    /// A randomly initialised model of `config`'s shapes, its head untied if `untied_head`.
    pub fn new(config: &T5Config, untied_head: bool, device: &B::Device) -> Self {
        Self {
            shared: EmbeddingConfig::new(config.vocab_size, config.d_model).init(device),
            encoder: T5Stack::new(config, false, device),
            decoder: T5Stack::new(config, true, device),
            lm_head: untied_head.then(|| {
                LinearConfig::new(config.d_model, config.vocab_size)
                    .with_bias(false)
                    .init(device)
            }),
            output_scale: if config.scale_decoder_outputs {
                (config.d_model as f64).powf(-0.5)
            } else {
                1.0
            },
            decoder_start_token_id: config.decoder_start_token_id,
            pad_token_id: config.pad_token_id,
        }
    }

    /// The LM head over decoder outputs `[rows, d]`: scaled first where the config says so.
    pub(crate) fn logits(&self, hidden: Tensor<B, 2>) -> Tensor<B, 2> {
        let hidden = if self.output_scale != 1.0 {
            hidden.mul_scalar(self.output_scale)
        } else {
            hidden
        };
        match &self.lm_head {
            Some(head) => head.forward(hidden),
            None => hidden.matmul(self.shared.weight.val().transpose()),
        }
    }
}

impl<B: Backend> EncoderDecoder<B> for T5ForConditionalGeneration<B> {
    /// The encoder's output `[rows, n, d]` for `input_ids` `[rows, n]` (right-padded; 0 in
    /// `attention_mask` on padding).
    fn encode(
        &self,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> Tensor<B, 3> {
        self.encoder
            .forward(self.shared.forward(input_ids), attention_mask, None)
    }

    /// Logits `[rows, m, vocab]` of `decoder_input_ids` `[rows, m]` over an encoded input.
    fn decode(
        &self,
        decoder_input_ids: Tensor<B, 2, Int>,
        encoded: Tensor<B, 3>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> Tensor<B, 3> {
        let [rows, m] = decoder_input_ids.dims();
        let decoder_mask = Tensor::<B, 2, Int>::ones([rows, m], &decoder_input_ids.device());
        let hidden = self.decoder.forward(
            self.shared.forward(decoder_input_ids),
            decoder_mask,
            Some((encoded, attention_mask)),
        );
        let [_, _, d] = hidden.dims();
        let logits = self.logits(hidden.reshape([rows * m, d]));
        let [_, vocab] = logits.dims();
        logits.reshape([rows, m, vocab])
    }

    fn decoder_start_token_id(&self) -> u32 {
        self.decoder_start_token_id
    }

    fn pad_token_id(&self) -> u32 {
        self.pad_token_id
    }
}

/// A `T5ForConditionalGeneration` from `dir` (`config.json` and safetensors weights), with
/// its `config.json` as read. Every weight must be there: a missing one is an error naming it.
pub fn load_t5<B: Backend>(
    dir: &Path,
    device: &B::Device,
) -> Result<(T5ForConditionalGeneration<B>, T5Config, LoadReport), ModelError> {
    load_t5_configured(dir, &crate::read_config(dir)?, device)
}

/// [`load_t5`] with `json` as its `config.json` (the file's keys with the task's `config`
/// overrides laid over them).
pub fn load_t5_configured<B: Backend>(
    dir: &Path,
    json: &Value,
    device: &B::Device,
) -> Result<(T5ForConditionalGeneration<B>, T5Config, LoadReport), ModelError> {
    let path = dir.join(CONFIG_FILE);
    let config = T5Config::from_hf(&HfConfig::new(&path, json)?)?;
    config.validate(&path)?;
    let checkpoint = Checkpoint::open(dir)?;
    let untied = has_untied_head(&checkpoint)?;
    let model = T5ForConditionalGeneration::new(&config, untied, device);
    let (model, report) = load_into(model, &checkpoint, &T5Names)?;
    let report = report.complete("the T5 model")?;
    Ok((model, config, report))
}

/// Whether `checkpoint` holds its own LM head: an `lm_head.weight` that is not a copy of
/// `shared.weight` (`transformers` 5 unties them only then).
fn has_untied_head(checkpoint: &Checkpoint) -> Result<bool, ModelError> {
    let Some(head) = checkpoint.tensor_f32("lm_head.weight")? else {
        return Ok(false);
    };
    let shared = checkpoint.tensor_f32("shared.weight")?;
    Ok(shared.is_none_or(|shared| shared.values != head.values))
}

/// Write `model` into `dir` as `transformers` saves a `T5ForConditionalGeneration`:
/// `model.safetensors` (`shared.weight`, both stacks, `lm_head.weight` only when untied) and
/// `hf_config` (the `config.json` it was loaded with) with the head and scaling stated both
/// ways: `tie_word_embeddings` for `transformers` < 5, `scale_decoder_outputs` for 5.
pub fn save_t5<B: Backend>(
    model: &T5ForConditionalGeneration<B>,
    hf_config: &Value,
    dir: &Path,
) -> Result<(), ModelError> {
    let updates = [
        (
            "architectures",
            Value::from(vec!["T5ForConditionalGeneration"]),
        ),
        ("model_type", Value::from("t5")),
        ("vocab_size", Value::from(model.shared.weight.dims()[0])),
        ("tie_word_embeddings", Value::from(model.lm_head.is_none())),
        (
            "scale_decoder_outputs",
            Value::from(model.output_scale != 1.0),
        ),
    ];
    crate::save_hf_model(model, &T5Names, false, hf_config, updates, dir)
}

//! A decoder from a model directory and back: `config.json` → [`DecoderConfig`] (checked) →
//! Burn module → weights from safetensors; saved as `transformers` saves a `GPT2LMHeadModel`.

use std::path::Path;
use std::sync::Arc;

use burn::tensor::backend::Backend;
use serde_json::Value;
use st_core::args::ModelArgs;
use st_core::hub::CONFIG_FILE;
use st_core::tokenizer::{Tokenizer, TokenizerOptions};
use st_core::weights::{Checkpoint, LoadReport, load_into};

use super::{DecoderArchitecture, DecoderConfig, Gpt2LmHead, decoder_architecture};
use crate::ModelError;
use crate::config::HfConfig;

/// A decoder architecture and the configuration it was read with.
#[derive(Debug, Clone)]
pub struct DecoderSpec {
    pub arch: Arc<dyn DecoderArchitecture>,
    pub config: DecoderConfig,
    /// `config.json` as read (with any `config` overrides), saved back.
    pub hf_config: Value,
}

impl DecoderSpec {
    /// The `model_type` architecture configured from `hf_config`, checked; `dir` names the
    /// file in errors.
    pub fn new(model_type: &str, hf_config: Value, dir: &Path) -> Result<Self, ModelError> {
        let arch = decoder_architecture(model_type)?;
        let path = dir.join(CONFIG_FILE);
        let config = arch.config(&HfConfig::new(&path, &hf_config)?)?;
        config.validate(&path)?;
        Ok(Self {
            arch,
            config,
            hf_config,
        })
    }

    /// [`DecoderSpec::new`] with `dir/config.json`.
    pub fn read(model_type: &str, dir: &Path) -> Result<Self, ModelError> {
        Self::new(model_type, crate::read_config(dir)?, dir)
    }

    /// The tokenizer in `dir` with `added` special tokens (Python's `special_tokens_list`),
    /// and `model` with its token embeddings grown to match when tokens were new (the tied
    /// head grows with them; the flag says so). A tokenizer larger than the model is refused: it belongs to
    /// another model.
    pub fn attach_tokenizer<B: Backend>(
        &mut self,
        model: Gpt2LmHead<B>,
        dir: &Path,
        args: &ModelArgs,
        added: &[String],
    ) -> Result<(Gpt2LmHead<B>, Tokenizer, bool), ModelError> {
        let (tokenizer, grew) = self.tokenizer_with(dir, args, added)?;
        let model = if grew {
            model.resize_token_embeddings(self.config.vocab_size)
        } else {
            model
        };
        Ok((model, tokenizer, grew))
    }

    /// The tokenizer in `dir` with `added` special tokens, and whether some were new; then
    /// `config.vocab_size` (in both configurations, so that a saved `config.json` matches the
    /// saved weights) is the row count the model's token embeddings must grow to. A tokenizer
    /// larger than the model is refused: it belongs to another model.
    pub fn tokenizer_with(
        &mut self,
        dir: &Path,
        args: &ModelArgs,
        added: &[String],
    ) -> Result<(Tokenizer, bool), ModelError> {
        let options = TokenizerOptions {
            do_lower_case: args.do_lower_case,
            special_tokens: self.arch.special_tokens(),
            ignore_tokenizer_json: false,
            ..Default::default()
        };
        let mut tokenizer = Tokenizer::from_dir(dir, &options).map_err(st_core::Error::from)?;
        let grew = !added.is_empty() && tokenizer.add_special_tokens(added) > 0;
        if grew {
            let rows = tokenizer.vocab_size().max(self.config.vocab_size);
            self.config.vocab_size = rows;
            if let Some(map) = self.hf_config.as_object_mut() {
                map.insert("vocab_size".into(), Value::from(rows));
            }
        }
        if tokenizer.vocab_size() > self.config.vocab_size {
            return Err(ModelError::from(st_core::Error::Other(format!(
                "the tokenizer in {} has {} tokens but the model's embeddings have {} rows; \
                 the tokenizer (tokenizer_name) must belong to this model",
                dir.display(),
                tokenizer.vocab_size(),
                self.config.vocab_size
            ))));
        }
        Ok((tokenizer, grew))
    }
}

/// Build the language model `spec` describes and load `dir`'s checkpoint (a `GPT2LMHeadModel`
/// or a base `GPT2Model`) into it. Every weight must be there: a missing one is an error naming
/// it; a checkpoint tensor the model does not use is logged.
pub fn load_decoder<B: Backend>(
    spec: &DecoderSpec,
    dir: &Path,
    device: &B::Device,
) -> Result<(Gpt2LmHead<B>, LoadReport), ModelError> {
    let names = spec.arch.name_map();
    let model = Gpt2LmHead::new(&spec.config, device);
    let (model, report) = load_into(model, &Checkpoint::open(dir)?, names.as_ref())?;
    let what = format!("the {} language model", spec.arch.model_type());
    let report = report.complete(&what)?;
    Ok((model, report))
}

/// Write `model`'s weights (`transformer.*`; the tied head is not stored, as `transformers`
/// saves it) and `config.json` (architectures `[<prefix>LMHeadModel]`) into `dir`.
pub fn save_decoder<B: Backend>(
    model: &Gpt2LmHead<B>,
    spec: &DecoderSpec,
    dir: &Path,
) -> Result<(), ModelError> {
    let names = spec.arch.name_map();
    let rows = model.transformer.wte.weight.dims()[0];
    save_gpt2_class(model, names.as_ref(), spec, "LMHeadModel", rows, dir)
}

/// Write a GPT-2-shaped `module` as `transformers`' `<prefix><class>` (`GPT2LMHeadModel`,
/// `GPT2DoubleHeadsModel`): its weights, and `config.json` with the class and the token
/// embeddings' `rows` as `vocab_size`.
pub(crate) fn save_gpt2_class<B: Backend, M: burn::module::Module<B>>(
    module: &M,
    names: &dyn st_core::weights::NameMap,
    spec: &DecoderSpec,
    class: &str,
    rows: usize,
    dir: &Path,
) -> Result<(), ModelError> {
    let class = format!("{}{class}", spec.arch.hf_class_prefix());
    let updates = [
        ("architectures", Value::from(vec![class])),
        ("vocab_size", Value::from(rows)),
    ];
    crate::save_hf_model(module, names, true, &spec.hf_config, updates, dir)
}

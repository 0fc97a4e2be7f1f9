//! [`EncoderSpec`]: a registered encoder architecture with the configuration it was read with
//! — everything a task needs to build, name, grow and save its encoder without looking at the
//! `model_type` string again.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use st_core::args::ModelArgs;
use st_core::hub::CONFIG_FILE;
use st_core::tokenizer::{Tokenizer, TokenizerOptions};

use crate::arch::EncoderArchitecture;
use crate::config::{EncoderConfig, HfConfig};
use crate::heads::{HeadNames, HeadTask, TaskNames};
use crate::{Encoder, ModelError, encoder_architecture};

/// An encoder architecture and its configuration.
#[derive(Debug, Clone)]
pub struct EncoderSpec {
    pub arch: Arc<dyn EncoderArchitecture>,
    /// The normalised configuration (`has_pooler` as the caller decides).
    pub config: EncoderConfig,
    /// `config.json` as read (with any `config` overrides), saved back with a task's keys.
    pub hf_config: Value,
}

impl EncoderSpec {
    /// The `model_type` architecture configured from `hf_config`, checked (sizes positive,
    /// heads dividing the hidden size…); `dir` names the file in errors.
    pub fn new(model_type: &str, hf_config: Value, dir: &Path) -> Result<Self, ModelError> {
        let arch = encoder_architecture(model_type)?;
        let path = dir.join(CONFIG_FILE);
        if let Some(found) = hf_config.get("model_type").and_then(Value::as_str) {
            let expected = encoder_architecture(found).ok().map(|a| a.model_type());
            if expected != Some(arch.model_type()) {
                tracing::warn!(
                    "model_type {model_type:?} was requested but {} says {found:?}",
                    path.display()
                );
            }
        }
        let config = arch.config(&HfConfig::new(&path, &hf_config)?)?;
        config.validate(&path, &|field| arch.config_key(field))?;
        Ok(Self {
            arch,
            config,
            hf_config,
        })
    }

    /// [`EncoderSpec::new`] with `dir/config.json`.
    pub fn read(model_type: &str, dir: &Path) -> Result<Self, ModelError> {
        Self::new(model_type, crate::read_config(dir)?, dir)
    }

    /// The `transformers` class of this encoder with a `task` head
    /// (`BertForSequenceClassification`).
    pub fn hf_class(&self, task: HeadTask) -> String {
        format!("{}{}", self.arch.hf_class_prefix(), task.class_suffix())
    }

    /// The dropout probability of a `task` head, as `transformers` reads it.
    pub fn head_dropout(&self, task: HeadTask) -> f64 {
        self.arch.head_dropout(task, &self.hf_config)
    }

    /// The standard deviation `transformers` draws new head weights with.
    pub fn initializer_range(&self) -> f64 {
        crate::task::initializer_range(&self.hf_config)
    }

    /// Every dropout probability of the encoder set to zero (deterministic forward passes for
    /// gradient checks).
    pub fn without_dropout(mut self) -> Self {
        self.config = self.config.without_dropout();
        self
    }

    /// The names of an encoder of this spec under a head named by `head`.
    pub fn task_names(&self, head: Box<dyn HeadNames>) -> TaskNames {
        TaskNames {
            encoder: self.arch.name_map(&self.config),
            head,
        }
    }

    /// The tokenizer for a model of this spec: from `dir`, lower-cased with `do_lower_case`,
    /// with the special-token template of `tokenizer_type`'s architecture when given (else
    /// this one's) for tokenizers rebuilt from vocabulary files, and `added` tokens added as
    /// special tokens. Returns whether any token was new.
    pub fn tokenizer(
        &self,
        dir: &Path,
        args: &ModelArgs,
        added: &[String],
    ) -> Result<(Tokenizer, bool), ModelError> {
        let special_tokens = match &args.tokenizer_type {
            Some(kind) => encoder_architecture(kind)
                .map_err(|e| {
                    ModelError::from(st_core::Error::Other(format!(
                        "argument \"tokenizer_type\": {e}"
                    )))
                })?
                .special_tokens(),
            None => self.arch.special_tokens(),
        };
        let mut tokenizer = Tokenizer::from_dir(
            dir,
            &TokenizerOptions {
                do_lower_case: args.do_lower_case,
                special_tokens,
                ignore_tokenizer_json: false,
                ..Default::default()
            },
        )
        .map_err(st_core::Error::from)?;
        let new = if added.is_empty() {
            0
        } else {
            tokenizer.add_special_tokens(added)
        };
        if new > 0 {
            tracing::info!(
                new,
                vocab_size = tokenizer.vocab_size(),
                "special_tokens_list added to the tokenizer"
            );
        }
        Ok((tokenizer, new > 0))
    }

    /// [`EncoderSpec::tokenizer`] for a task model whose encoder is `encoder`: the word
    /// embeddings grow for added tokens, and a tokenizer with more tokens than the embeddings
    /// have rows (another model's, through `tokenizer_name`) is an error rather than an
    /// out-of-range lookup later. Returns the encoder, the tokenizer and whether tokens were
    /// added.
    pub fn attach_tokenizer<B: burn::tensor::backend::Backend>(
        &mut self,
        encoder: Encoder<B>,
        dir: &Path,
        args: &ModelArgs,
        added: &[String],
    ) -> Result<(Encoder<B>, Tokenizer, bool), ModelError> {
        let (tokenizer, grew) = self.tokenizer(dir, args, added)?;
        let encoder = if grew {
            self.grow_vocab(encoder, tokenizer.vocab_size())
        } else {
            encoder
        };
        if tokenizer.vocab_size() > self.config.vocab_size {
            return Err(ModelError::from(st_core::Error::Other(format!(
                "the tokenizer in {} has {} tokens but the model's embeddings have {} rows; \
                 the tokenizer (tokenizer_name) must belong to this model",
                dir.display(),
                tokenizer.vocab_size(),
                self.config.vocab_size
            ))));
        }
        Ok((encoder, tokenizer, grew))
    }

    /// Grow `encoder`'s word embeddings to `vocab_size` rows (see
    /// [`Encoder::resize_token_embeddings`]; never shrinks) and record the size in both
    /// configurations, so that a saved `config.json` matches the saved weights.
    pub fn grow_vocab<B: burn::tensor::backend::Backend>(
        &mut self,
        encoder: Encoder<B>,
        vocab_size: usize,
    ) -> Encoder<B> {
        if vocab_size <= self.config.vocab_size {
            return encoder;
        }
        self.config.vocab_size = vocab_size;
        if let Some(config) = self.hf_config.as_object_mut() {
            config.insert("vocab_size".into(), Value::from(vocab_size));
        }
        encoder.resize_token_embeddings(vocab_size)
    }
}

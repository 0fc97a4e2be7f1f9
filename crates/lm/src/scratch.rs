//! Training from scratch (Python's `model_name=None`): a tokenizer trained on the training
//! files unless `tokenizer_name` gives one, a configuration from `config_name` or the
//! architecture's defaults with the `config` argument laid over it and the tokenizer's
//! vocabulary size, and weights drawn as `transformers` draws them. ELECTRA builds its
//! generator and discriminator from `generator_config` and `discriminator_config` instead.
//!
//! Python trains the tokenizer into `output_dir`, which then makes `train_model` refuse the
//! non-empty directory unless `overwrite_output_dir` is set; here it goes to
//! `{cache_dir}/{model_type}_tokenizer/` and is saved with the model. Python keeps GPT-2's
//! default `bos`/`eos` id 50256 even when the new vocabulary is smaller; here they are the new
//! tokenizer's `<|endoftext|>`.

use std::path::{Path, PathBuf};

use burn::tensor::backend::AutodiffBackend;
use serde_json::Value;
use st_core::backend::TrainBackend;
use st_core::task::{ArgsInput, Prepared, TaskBase};
use st_core::tokenizer::{Tokenizer, TokenizerOptions};
use st_models::init::{init_gpt2, init_masked_lm};
use st_models::mlm::ties_word_embeddings;
use st_models::{
    DecoderSpec, Encoder, EncoderSpec, EncoderWithHead, Gpt2LmHead, MlmHead, decoder_architecture,
    encoder_architecture, read_config,
};

use crate::args::LanguageModelingArgs;
use crate::lm_model::{Kind, LanguageModelingModel, LmError, LmOptions};
use crate::module::LmModule;
use crate::tokenizer_training::train_tokenizer;

impl LanguageModelingModel<TrainBackend> {
    /// A new `model_type` language model trained from nothing on the default backend; see
    /// [`LanguageModelingModel::from_scratch_with_device`].
    pub fn from_scratch(
        model_type: &str,
        train_files: &[PathBuf],
        options: LmOptions,
    ) -> Result<Self, LmError> {
        let device = options.device.device()?;
        Self::from_scratch_with_device(model_type, train_files, options, device)
    }
}

/// `config.json` for a new model: `config_name`'s, else empty (the architecture's defaults),
/// with the `config` argument's keys over it.
fn scratch_config(args: &LanguageModelingArgs, model_type: &str) -> Result<Value, LmError> {
    let mut config = match &args.config_name {
        Some(dir) => read_config(Path::new(dir))?,
        None => Value::Object(Default::default()),
    };
    let map = config
        .as_object_mut()
        .ok_or_else(|| LmError::Unsupported("config_name: config.json is not an object".into()))?;
    map.extend(args.model.config.clone());
    // transformers' own name (`xlm-roberta`), so that the saved config.json loads there.
    let hf_type = encoder_architecture(model_type)
        .map(|arch| arch.hf_model_type())
        .unwrap_or(model_type);
    map.entry("model_type")
        .or_insert_with(|| Value::from(hf_type));
    Ok(config)
}

impl<B: AutodiffBackend> LanguageModelingModel<B> {
    /// Python's `LanguageModelingModel(model_type, None, train_files=…)`: needs `vocab_size`
    /// (for the tokenizer trained on `train_files`) unless `tokenizer_name` is given.
    pub fn from_scratch_with_device(
        model_type: &str,
        train_files: &[PathBuf],
        options: LmOptions,
        device: B::Device,
    ) -> Result<Self, LmError> {
        let input = ArgsInput {
            args: options.args.as_ref(),
            overrides: options.overrides.as_ref(),
        };
        let mut args = Prepared::<LanguageModelingArgs>::scratch_args(model_type, input)?;
        let causal = decoder_architecture(model_type).is_ok();
        if causal == args.mlm {
            return Err(crate::lm_model::kind_mismatch(model_type, causal));
        }
        let tokenizer_dir = match &args.model.tokenizer_name {
            Some(name) => Prepared::<LanguageModelingArgs>::tokenizer_dir(name, &options.hub)?,
            None => {
                let dir = Path::new(&args.model.cache_dir).join(format!("{model_type}_tokenizer"));
                train_tokenizer(model_type, train_files, &args, &dir)
                    .map_err(|e| LmError::Unsupported(e.to_string()))?;
                tracing::info!("trained a tokenizer into {}", dir.display());
                args.model.tokenizer_name = Some(dir.to_string_lossy().into_owned());
                dir
            }
        };
        let mut config = scratch_config(&args, model_type)?;
        let special_tokens = if causal {
            decoder_architecture(model_type)?.special_tokens()
        } else {
            encoder_architecture(model_type)?.special_tokens()
        };
        let options = TokenizerOptions {
            do_lower_case: args.model.do_lower_case,
            special_tokens,
            ignore_tokenizer_json: false,
            ..Default::default()
        };
        let tokenizer =
            Tokenizer::from_dir(&tokenizer_dir, &options).map_err(st_core::Error::from)?;
        let map = config.as_object_mut().expect("an object");
        map.insert("vocab_size".into(), Value::from(tokenizer.vocab_size()));
        if causal && let Some(end) = tokenizer.token_to_id("<|endoftext|>") {
            map.entry("bos_token_id").or_insert(Value::from(end));
            map.entry("eos_token_id").or_insert(Value::from(end));
        }
        if !causal {
            map.entry("pad_token_id")
                .or_insert(Value::from(tokenizer.pad_id()));
        }
        let std = st_models::task::initializer_range(&config);
        let prepared = Prepared {
            args,
            model_dir: tokenizer_dir.clone(),
            config: config.clone(),
            tokenizer_dir: tokenizer_dir.clone(),
            checkpoint: None,
        };
        if model_type == crate::electra::ELECTRA {
            let (vocab, pad) = (tokenizer.vocab_size(), tokenizer.pad_id());
            return Self::electra_from_scratch(prepared, vocab, pad, device);
        }
        TaskBase::<B, LmModule<B>, LanguageModelingArgs>::seed(&prepared.args, &device);
        let added = prepared.args.special_tokens_list.clone();
        if causal {
            let mut spec = DecoderSpec::new(model_type, config, &tokenizer_dir)?;
            let model = init_gpt2(Gpt2LmHead::<B>::new(&spec.config, &device), std);
            let (model, tokenizer, grew) =
                spec.attach_tokenizer(model, &tokenizer_dir, &prepared.args.model, &added)?;
            let base = TaskBase::new(prepared, LmModule::Causal(model), tokenizer, grew, device)?;
            return Ok(Self {
                base,
                kind: Kind::Causal { spec },
            });
        }
        let mut spec = EncoderSpec::new(model_type, config, &tokenizer_dir)?;
        let layout = spec.arch.mlm_head().ok_or_else(|| {
            LmError::Unsupported(format!(
                "the {model_type} architecture has no masked-LM head"
            ))
        })?;
        let tied = ties_word_embeddings(&spec.hf_config);
        let module = init_masked_lm(
            EncoderWithHead {
                encoder: Encoder::new(&spec.config, &device),
                head: MlmHead::new(layout, &spec.config, tied, std, &device),
            },
            std,
        );
        let (encoder, tokenizer, grew) =
            spec.attach_tokenizer(module.encoder, &tokenizer_dir, &prepared.args.model, &added)?;
        let module = EncoderWithHead {
            encoder,
            head: module.head,
        };
        let base = TaskBase::new(prepared, module, tokenizer, grew, device)?;
        Self::masked(base, spec, layout)
    }
}

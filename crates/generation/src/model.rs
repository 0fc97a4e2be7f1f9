//! [`LanguageGenerationModel`]: load a decoder with its tokenizer and continue prompts
//! through the shared decoding engine.

use std::path::{Path, PathBuf};

use burn::tensor::backend::Backend;
use serde_json::Value;
use st_core::args::{Args, TaskArgs};
use st_core::backend::{DefaultBackend, DeviceRequest};
use st_core::hub::{HubOptions, resolve_model_dir};
use st_core::staging::StagedDir;
use st_core::task::{ArgsInput, Prepared, TaskBase};
use st_core::tokenizer::Tokenizer;
use st_models::generate::{self, EarlyStopping, GenerateError, GenerationConfig, NewToken};
use st_models::{DecoderSpec, Gpt2LmHead, ModelError, load_decoder, save_decoder};

use crate::LanguageGenerationArgs;
use crate::text::{Detokenizer, TextStream, clean_up_tokenization};

/// What can go wrong loading a generation model or generating.
#[derive(Debug, thiserror::Error)]
pub enum GenerationError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Core(#[from] st_core::Error),
    #[error(transparent)]
    Generate(#[from] GenerateError),
    #[error("no prompt: pass one to generate, or set the `prompt` argument")]
    NoPrompt,
}

st_core::core_error_conversions!(GenerationError);

/// Constructor options besides `model_type` and `model_name` (Python's keyword arguments).
#[derive(Debug, Clone, Default)]
pub struct GenerationOptions {
    /// Arguments replacing a saved `model_args.json` (Python: an args object).
    pub args: Option<LanguageGenerationArgs>,
    /// A JSON object of arguments merged over the saved ones (Python: an args dict).
    pub overrides: Option<Value>,
    pub device: DeviceRequest,
    pub hub: HubOptions,
}

/// A piece of generated text, for streaming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextPiece<'a> {
    /// Which prompt of the call.
    pub prompt: usize,
    /// Which of its returned sequences.
    pub sequence: usize,
    pub text: &'a str,
}

/// Text generation with a decoder (Simple Transformers' `LanguageGenerationModel`).
#[derive(Debug)]
pub struct LanguageGenerationModel<B: Backend = DefaultBackend> {
    base: TaskBase<B, Gpt2LmHead<B>, LanguageGenerationArgs>,
    spec: DecoderSpec,
}

impl LanguageGenerationModel<DefaultBackend> {
    /// Load `model_name` (a local directory or a hub id) as a `model_type` decoder (`gpt2`)
    /// on the default backend.
    pub fn new(
        model_type: &str,
        model_name: &str,
        options: GenerationOptions,
    ) -> Result<Self, GenerationError> {
        let device = options.device.device()?;
        Self::with_device(model_type, model_name, options, device)
    }
}

impl<B: Backend> LanguageGenerationModel<B> {
    /// Load on an explicit device of any backend.
    pub fn with_device(
        model_type: &str,
        model_name: &str,
        options: GenerationOptions,
        device: B::Device,
    ) -> Result<Self, GenerationError> {
        let input = ArgsInput {
            args: options.args.as_ref(),
            overrides: options.overrides.as_ref(),
        };
        let prepared =
            Prepared::<LanguageGenerationArgs>::open(model_type, model_name, input, &options.hub)?;
        let config = match &prepared.args.config_name {
            Some(name) => st_models::read_config(&config_dir(name, &options.hub)?)?,
            None => prepared.config.clone(),
        };
        let mut spec = DecoderSpec::new(model_type, config, &prepared.model_dir)?;
        let (model, _) = load_decoder::<B>(&spec, &prepared.model_dir, &device)?;
        let added = prepared.args.special_tokens_list.clone();
        let (model, tokenizer, grew) = spec.attach_tokenizer(
            model,
            &prepared.tokenizer_dir,
            prepared.args.model(),
            &added,
        )?;
        let base = TaskBase::new(prepared, model, tokenizer, grew, device)?;
        Ok(Self { base, spec })
    }

    /// The arguments in effect.
    pub fn args(&self) -> &LanguageGenerationArgs {
        &self.base.args
    }

    /// Merge a JSON object into the arguments for every later call, as Python's
    /// `generate(args=...)` does; checked like the constructor's.
    pub fn update_args(&mut self, overrides: &Value) -> Result<(), GenerationError> {
        let mut args = self.base.args.clone();
        args.update_from_json(overrides)?;
        args.check()?;
        self.base.args = args;
        Ok(())
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.base.tokenizer
    }

    /// The language model.
    pub fn model(&self) -> &Gpt2LmHead<B> {
        &self.base.module
    }

    /// The resolved model directory.
    pub fn model_dir(&self) -> &Path {
        &self.base.model_dir
    }

    /// Continue `prompt` (else the `prompt` argument): `num_return_sequences` texts, each the
    /// prompt followed by its continuation, cut at `stop_token`.
    pub fn generate(&self, prompt: Option<&str>) -> Result<Vec<String>, GenerationError> {
        self.generate_with(prompt, &self.base.args)
    }

    /// [`generate`](Self::generate) with other arguments for this call only.
    pub fn generate_with(
        &self,
        prompt: Option<&str>,
        args: &LanguageGenerationArgs,
    ) -> Result<Vec<String>, GenerationError> {
        let prompt = match prompt {
            Some(p) => p,
            None if !args.prompt.is_empty() => args.prompt.as_str(),
            None => return Err(GenerationError::NoPrompt),
        };
        let mut out = self.generate_batch(&[prompt], args, None)?;
        Ok(out.pop().unwrap_or_default())
    }

    /// Continue every prompt of `prompts` in one batch (left-padded), calling `on_text` with
    /// each piece of continuation text as it becomes certain (pieces of one sequence add up to
    /// its continuation). Returns, per prompt, its `num_return_sequences` texts.
    pub fn generate_batch(
        &self,
        prompts: &[&str],
        args: &LanguageGenerationArgs,
        mut on_text: Option<&mut (dyn FnMut(TextPiece<'_>) + Send)>,
    ) -> Result<Vec<Vec<String>>, GenerationError> {
        args.check()?;
        let config = self.generation_config(args);
        let tokenizer = &self.base.tokenizer;
        let ids: Vec<Vec<u32>> = prompts
            .iter()
            .map(|p| tokenizer.encode_plain(p))
            .collect::<Result<_, _>>()?;
        let decoded: Vec<String> = ids
            .iter()
            .map(|ids| {
                Ok(clean_up_tokenization(
                    &tokenizer.decode(ids, args.model.skip_special_tokens)?,
                ))
            })
            .collect::<Result<_, st_core::tokenizer::TokenizerError>>()?;
        let detok = |p: usize| Detokenizer {
            tokenizer,
            prompt_ids: &ids[p],
            decoded_prompt: &decoded[p],
            skip_special_tokens: args.model.skip_special_tokens,
            stop_token: args.stop_token.as_deref(),
        };
        let copies = config.num_return_sequences;
        let mut streams: Vec<TextStream> = (0..prompts.len() * copies)
            .map(|_| TextStream::default())
            .collect();
        let mut stream_error = None;
        let mut on_token = |t: NewToken| {
            let Some(emit) = on_text.as_deref_mut() else {
                return;
            };
            match streams[t.prompt * copies + t.sequence].push(&detok(t.prompt), t.token) {
                Ok(Some(text)) => emit(TextPiece {
                    prompt: t.prompt,
                    sequence: t.sequence,
                    text: &text,
                }),
                Ok(None) => {}
                Err(e) => stream_error = Some(e),
            }
        };
        let model = &self.base.module;
        let sequences = self.base.compute(|| {
            generate::generate_streaming(model, model.new_cache(), &ids, &config, &mut on_token)
        })?;
        if let Some(e) = stream_error {
            return Err(e.into());
        }
        let mut out = Vec::with_capacity(prompts.len());
        for (p, seqs) in sequences.iter().enumerate() {
            let detok = detok(p);
            let mut texts = Vec::with_capacity(seqs.len());
            for (s, seq) in seqs.iter().enumerate() {
                if let Some(emit) = on_text.as_deref_mut()
                    && let Some(rest) = streams[p * copies + s].finish(&detok)?
                {
                    emit(TextPiece {
                        prompt: p,
                        sequence: s,
                        text: &rest,
                    });
                }
                let (continuation, _) = detok.continuation(&seq.tokens)?;
                texts.push(format!("{}{continuation}", prompts[p]));
            }
            out.push(texts);
        }
        Ok(out)
    }

    /// The engine's settings for `args`: every generation argument is used. `max_length`
    /// counts new tokens, as Python adds the prompt's length to it.
    pub fn generation_config(&self, args: &LanguageGenerationArgs) -> GenerationConfig {
        let eos = self.spec.config.eos_token_id.into_iter().collect();
        GenerationConfig {
            max_new_tokens: Some(args.max_length.max(1)),
            min_new_tokens: args.min_new_tokens,
            do_sample: args.do_sample,
            temperature: args.temperature,
            top_k: args.top_k,
            top_p: args.top_p,
            repetition_penalty: args.repetition_penalty,
            no_repeat_ngram_size: args.no_repeat_ngram_size,
            num_beams: args.num_beams,
            length_penalty: args.length_penalty,
            early_stopping: EarlyStopping::Flag(args.early_stopping),
            num_return_sequences: args.num_return_sequences,
            eos_token_id: eos,
            pad_token_id: Some(
                self.spec
                    .config
                    .pad_token_id
                    .unwrap_or(self.base.tokenizer.pad_id()),
            ),
            seed: args.model.manual_seed.unwrap_or_else(fresh_seed),
            ..GenerationConfig::default()
        }
    }

    /// Save the model as `transformers` saves a `GPT2LMHeadModel`, with its tokenizer and
    /// `model_args.json`, into `dir`.
    /// The directory is written completely or not at all.
    pub fn save_model(&self, dir: &Path) -> Result<(), GenerationError> {
        let staged = StagedDir::new(dir).map_err(|e| st_core::Error::io(dir, e))?;
        save_decoder(&self.base.module, &self.spec, staged.path())?;
        self.base.write_tokenizer_and_args(staged.path())?;
        staged.commit().map_err(|e| st_core::Error::io(dir, e))?;
        Ok(())
    }
}

/// An unseeded run draws a new seed each call, as Python's unseeded sampling differs per call.
fn fresh_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// A `config_name`: a local directory, else a model on the hub.
fn config_dir(name: &str, hub: &HubOptions) -> Result<PathBuf, GenerationError> {
    let path = Path::new(name);
    if path.is_dir() {
        return Ok(path.to_path_buf());
    }
    Ok(resolve_model_dir(name, hub)?)
}

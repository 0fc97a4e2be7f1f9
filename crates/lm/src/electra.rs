//! ELECTRA language modelling (`model_type` "electra"): a generator (`ElectraForMaskedLM`)
//! and a discriminator (`ElectraForPreTraining`) trained together on replaced-token detection,
//! as Simple Transformers trains them. Every chosen token is masked (no 80/10/10 split), the
//! generator's samples replace them, and the loss is `g_loss + discriminator_loss_weight ·
//! d_loss` (see [`st_models::electra`]).
//!
//! A saved ELECTRA language model is a directory with
//!
//! | path | holds |
//! |---|---|
//! | `generator_model/` | the generator: `config.json`, `model.safetensors`, tokenizer (Python's `save_generator`) |
//! | `discriminator_model/` | the discriminator, likewise (`save_discriminator`); it fine-tunes as an `electra` classifier |
//! | `generator_config/`, `discriminator_config/` | their `config.json`, where Python keeps them |
//! | `config.json`, tokenizer, `model_args.json` | the discriminator's configuration, the run's tokenizer and arguments |
//!
//! Python also writes the pair's weights as one `pytorch_model.bin`; here the two model
//! directories hold them, in the format `transformers` loads, and reloading reads them.
//!
//! Differences from Python, chosen: the discriminator's loss counts only attended positions
//! (Python passes no attention mask by default, so padding enters `d_loss`); and loading
//! from `generator_name` + `discriminator_name` ties the two models' word embeddings when
//! `tie_generator_and_discriminator_embeddings` says so (Python 0.70.8 ties the placeholder
//! models it builds first, then replaces them with the loaded, untied ones).

use std::path::{Path, PathBuf};

use burn::tensor::backend::AutodiffBackend;
use serde_json::{Map, Value};
use st_core::hub::resolve_model_dir;
use st_core::staging::StagedDir;
use st_core::task::{ArgsInput, Prepared, TaskBase};
use st_models::electra::{Discriminator, DiscriminatorHead, load_discriminator};
use st_models::init::{init_encoder_with_head, init_masked_lm};
use st_models::mlm::ties_word_embeddings;
use st_models::{
    ElectraPretraining, Encoder, EncoderSpec, EncoderWithHead, HeadTask, MaskedLm, MlmHead,
    MlmLayout, load_with_head, save_with_head,
};

use crate::args::LanguageModelingArgs;
use crate::lm_model::{Kind, LanguageModelingModel, LmError, LmOptions, masking_for};
use crate::module::LmModule;

/// The generator's directory inside a saved ELECTRA model.
pub const GENERATOR_DIR: &str = "generator_model";
/// The discriminator's directory inside a saved ELECTRA model.
pub const DISCRIMINATOR_DIR: &str = "discriminator_model";

/// The `model_type` of ELECTRA pre-training.
pub(crate) const ELECTRA: &str = "electra";

fn io(path: &Path, e: std::io::Error) -> LmError {
    LmError::Core(st_core::Error::io(path, e))
}

impl<B: AutodiffBackend> LanguageModelingModel<B> {
    /// Python's two ways of loading ELECTRA: `generator_name` + `discriminator_name` (with
    /// `model_name` "electra", which is then only a label), or a directory saved here.
    pub(crate) fn open_electra(
        model_name: &str,
        options: &LmOptions,
        input: ArgsInput<'_, LanguageModelingArgs>,
        device: B::Device,
    ) -> Result<Self, LmError> {
        let resolve = |name: &str| resolve_model_dir(name, &options.hub).map_err(LmError::from);
        let (source, generator_dir, discriminator_dir) =
            match (&options.generator_name, &options.discriminator_name) {
                (Some(g), Some(d)) => {
                    let d = resolve(d)?;
                    (d.clone(), resolve(g)?, d)
                }
                (None, None) => {
                    let dir = resolve(model_name)?;
                    let (g, d) = (dir.join(GENERATOR_DIR), dir.join(DISCRIMINATOR_DIR));
                    if !g.is_dir() || !d.is_dir() {
                        return Err(LmError::Unsupported(format!(
                            "{}: an ELECTRA language model needs generator_name and \
                             discriminator_name, or a directory saved by \
                             LanguageModelingModel holding {GENERATOR_DIR}/ and \
                             {DISCRIMINATOR_DIR}/",
                            dir.display()
                        )));
                    }
                    (dir, g, d)
                }
                _ => {
                    return Err(LmError::Unsupported(
                        "generator_name and discriminator_name must be given together".into(),
                    ));
                }
            };
        let source = source.to_string_lossy().into_owned();
        let mut prepared = Prepared::open(ELECTRA, &source, input, &options.hub)?;
        prepared.args.model.model_name = Some(model_name.to_string());
        if prepared.args.model.tokenizer_name.is_none() {
            // Python reads the tokenizer from the generator.
            prepared.tokenizer_dir = generator_dir.clone();
        }
        let generator_spec = EncoderSpec::read(ELECTRA, &generator_dir)?;
        let discriminator_spec = EncoderSpec::read(ELECTRA, &discriminator_dir)?;
        TaskBase::<B, LmModule<B>, LanguageModelingArgs>::seed(&prepared.args, &device);
        let tied = ties_word_embeddings(&generator_spec.hf_config);
        let std = generator_spec.initializer_range();
        let head = MlmHead::new(
            MlmLayout::ElectraGenerator,
            &generator_spec.config,
            tied,
            std,
            &device,
        );
        let task = HeadTask::MaskedLm;
        let (generator, _) = load_with_head(&generator_spec, head, &generator_dir, task, &device)?;
        let discriminator = load_discriminator(&discriminator_spec, &discriminator_dir, &device)?;
        Self::electra(
            prepared,
            generator_spec,
            discriminator_spec,
            (generator, discriminator),
            device,
        )
    }

    /// A new pair for `prepared` (from scratch): `generator_config` and
    /// `discriminator_config` over ELECTRA's defaults, the tokenizer's vocabulary, weights
    /// drawn as `transformers` draws them.
    pub(crate) fn electra_from_scratch(
        prepared: Prepared<LanguageModelingArgs>,
        vocab_size: usize,
        pad_id: u32,
        device: B::Device,
    ) -> Result<Self, LmError> {
        let dir = prepared.tokenizer_dir.clone();
        let config = |extra: &Map<String, Value>| {
            let mut config = extra.clone();
            config.insert("model_type".into(), Value::from(ELECTRA));
            config.insert("vocab_size".into(), Value::from(vocab_size));
            config.entry("pad_token_id").or_insert(Value::from(pad_id));
            Value::Object(config)
        };
        let generator_spec = EncoderSpec::new(
            ELECTRA,
            config(&prepared.args.generator_config),
            &dir.join("generator_config"),
        )?;
        let discriminator_spec = EncoderSpec::new(
            ELECTRA,
            config(&prepared.args.discriminator_config),
            &dir.join("discriminator_config"),
        )?;
        TaskBase::<B, LmModule<B>, LanguageModelingArgs>::seed(&prepared.args, &device);
        let std = generator_spec.initializer_range();
        let tied = ties_word_embeddings(&generator_spec.hf_config);
        let generator: MaskedLm<B> = init_masked_lm(
            EncoderWithHead {
                encoder: Encoder::new(&generator_spec.config, &device),
                head: MlmHead::new(
                    MlmLayout::ElectraGenerator,
                    &generator_spec.config,
                    tied,
                    std,
                    &device,
                ),
            },
            std,
        );
        let std = discriminator_spec.initializer_range();
        let discriminator: Discriminator<B> = init_encoder_with_head(
            EncoderWithHead {
                encoder: Encoder::new(&discriminator_spec.config, &device),
                head: DiscriminatorHead::new(&discriminator_spec.config, std, &device),
            },
            std,
        );
        Self::electra(
            prepared,
            generator_spec,
            discriminator_spec,
            (generator, discriminator),
            device,
        )
    }

    /// The model around a loaded or new pair: the tokenizer attached (both vocabularies grown
    /// for added tokens, as Python resizes both), the embeddings tied, masking set up.
    fn electra(
        prepared: Prepared<LanguageModelingArgs>,
        mut generator_spec: EncoderSpec,
        mut discriminator_spec: EncoderSpec,
        (generator, discriminator): (MaskedLm<B>, Discriminator<B>),
        device: B::Device,
    ) -> Result<Self, LmError> {
        let added = prepared.args.special_tokens_list.clone();
        let (encoder, tokenizer, grew) = generator_spec.attach_tokenizer(
            generator.encoder,
            &prepared.tokenizer_dir,
            &prepared.args.model,
            &added,
        )?;
        let rows = generator_spec.config.vocab_size.max(tokenizer.vocab_size());
        let generator = EncoderWithHead {
            encoder,
            head: generator.head,
        }
        .resize_mlm_vocab(rows);
        let discriminator = EncoderWithHead {
            encoder: discriminator_spec.grow_vocab(discriminator.encoder, rows),
            head: discriminator.head,
        };
        let tie = prepared.args.tie_generator_and_discriminator_embeddings;
        let pair = ElectraPretraining::new(generator, discriminator, tie)?;
        let masking = masking_for(&tokenizer, &prepared.args, &prepared.tokenizer_dir, true)?;
        let base = TaskBase::new(prepared, LmModule::Electra(pair), tokenizer, grew, device)?;
        Ok(Self {
            base,
            kind: Kind::Electra {
                generator: generator_spec,
                discriminator: discriminator_spec,
                masking,
            },
        })
    }

    /// The pair and its specs; an error for the other kinds of model.
    fn electra_parts(
        &self,
    ) -> Result<(&ElectraPretraining<B>, &EncoderSpec, &EncoderSpec), LmError> {
        match (&self.base.module, &self.kind) {
            (
                LmModule::Electra(pair),
                Kind::Electra {
                    generator,
                    discriminator,
                    ..
                },
            ) => Ok((pair, generator, discriminator)),
            _ => Err(LmError::Unsupported(
                "save_generator and save_discriminator need an ELECTRA model (model_type \
                 \"electra\")"
                    .into(),
            )),
        }
    }

    /// Write the pair into `dir` (the layout in the module docs), all but the top-level
    /// tokenizer and `model_args.json`.
    pub(crate) fn write_electra(
        &self,
        pair: &ElectraPretraining<B>,
        dir: &Path,
    ) -> Result<(), LmError> {
        let (_, generator_spec, discriminator_spec) = self.electra_parts()?;
        let generator_dir = dir.join(GENERATOR_DIR);
        self.write_generator(pair, generator_spec, &generator_dir)?;
        let discriminator_dir = dir.join(DISCRIMINATOR_DIR);
        self.write_discriminator(pair, discriminator_spec, &discriminator_dir)?;
        for (from, to) in [
            (&generator_dir, dir.join("generator_config")),
            (&discriminator_dir, dir.join("discriminator_config")),
        ] {
            std::fs::create_dir_all(&to).map_err(|e| io(&to, e))?;
            copy_config(from, &to)?;
        }
        copy_config(&discriminator_dir, dir)
    }

    fn write_generator(
        &self,
        pair: &ElectraPretraining<B>,
        spec: &EncoderSpec,
        dir: &Path,
    ) -> Result<(), LmError> {
        save_with_head(&pair.generator, spec, HeadTask::MaskedLm, &[], None, dir)?;
        Ok(self.base.write_tokenizer(dir)?)
    }

    fn write_discriminator(
        &self,
        pair: &ElectraPretraining<B>,
        spec: &EncoderSpec,
        dir: &Path,
    ) -> Result<(), LmError> {
        let discriminator = pair.discriminator();
        save_with_head(&discriminator, spec, HeadTask::PreTraining, &[], None, dir)?;
        Ok(self.base.write_tokenizer(dir)?)
    }

    /// Python's `save_generator`: the generator as an `ElectraForMaskedLM` directory with the
    /// tokenizer, into `dir` (default `{output_dir}/generator_model`), written atomically.
    pub fn save_generator(&self, dir: Option<&Path>) -> Result<PathBuf, LmError> {
        let (pair, spec, _) = self.electra_parts()?;
        self.save_part(dir, GENERATOR_DIR, |d| self.write_generator(pair, spec, d))
    }

    /// Python's `save_discriminator`: the discriminator as an `ElectraForPreTraining`
    /// directory with the tokenizer (tied embeddings included), into `dir` (default
    /// `{output_dir}/discriminator_model`). It loads as an `electra` classifier.
    pub fn save_discriminator(&self, dir: Option<&Path>) -> Result<PathBuf, LmError> {
        let (pair, _, spec) = self.electra_parts()?;
        self.save_part(dir, DISCRIMINATOR_DIR, |d| {
            self.write_discriminator(pair, spec, d)
        })
    }

    /// `write` into a staging directory renamed to `dir` (default `{output_dir}/{name}`).
    fn save_part(
        &self,
        dir: Option<&Path>,
        name: &str,
        write: impl FnOnce(&Path) -> Result<(), LmError>,
    ) -> Result<PathBuf, LmError> {
        let dir = dir
            .map(Path::to_path_buf)
            .unwrap_or_else(|| Path::new(&self.base.args.model.output_dir).join(name));
        let staged = StagedDir::new(&dir).map_err(|e| io(&dir, e))?;
        write(staged.path())?;
        staged.commit().map_err(|e| io(&dir, e))?;
        Ok(dir)
    }
}

/// Copy `from/config.json` to `to/config.json`.
fn copy_config(from: &Path, to: &Path) -> Result<(), LmError> {
    let (src, dst) = (from.join("config.json"), to.join("config.json"));
    std::fs::copy(&src, &dst).map_err(|e| io(&dst, e))?;
    Ok(())
}

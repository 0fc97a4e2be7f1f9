//! `LanguageModelingModel`: Simple Transformers' language-model fine-tuning — masked LM on any
//! encoder with a masked-LM head, causal LM on GPT-2 — as features + head + loss on the
//! shared [`TaskModel`] lifecycle.

use std::path::Path;

use burn::module::AutodiffModule;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{ElementConversion, Tensor};
use serde_json::Value;
use st_core::backend::{DeviceRequest, TrainBackend};
use st_core::hub::HubOptions;
use st_core::rng::SplitMix64;
use st_core::task::{ArgsInput, BatchOrder, Mode, Prepared, TaskBase, TaskModel, pick};
use st_core::train::{EvalResults, TrainError};
use st_core::weights::NameMap;
use st_models::electra::DiscriminatorNames;
use st_models::mlm::ties_word_embeddings;
use st_models::{
    DecoderSpec, ElectraNames, EncoderSpec, HeadTask, MaskedLm, MlmHead, MlmLayout, ModelError,
    assemble, decoder_architecture, encoder_architecture, load_decoder, save_decoder,
    save_with_head,
};

use crate::args::LanguageModelingArgs;
use crate::data::{BlockSpec, DataError, SlidingWindow, read_lines, tokenize_lines};

/// Lines tokenised at a time when a file is read lazily: enough for every thread to have work,
/// few enough that the text in memory stays small.
const LINES_PER_CHUNK: usize = 16_384;
use crate::masking::{Masking, block_rng};
use crate::module::{LmBatch, LmModule, LmNames};
use crate::predict::LmPredictions;

/// What can go wrong in a language model.
#[derive(Debug, thiserror::Error)]
pub enum LmError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Core(#[from] st_core::Error),
    #[error(transparent)]
    Train(#[from] TrainError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Generate(#[from] st_models::generate::GenerateError),
    #[error("{0}")]
    Unsupported(String),
}

st_core::core_error_conversions!(LmError);

/// Constructor options besides `model_type` and `model_name` (Python's keyword arguments).
#[derive(Debug, Clone, Default)]
pub struct LmOptions {
    /// Arguments replacing a saved `model_args.json` (Python: an args object).
    pub args: Option<LanguageModelingArgs>,
    /// A JSON object of arguments merged over the saved ones (Python: an args dict).
    pub overrides: Option<Value>,
    pub device: DeviceRequest,
    pub hub: HubOptions,
    /// ELECTRA: the generator to train (an `ElectraForMaskedLM` directory or hub id), with
    /// `discriminator_name`; `model_name` is then only a label (Python passes "electra").
    pub generator_name: Option<String>,
    /// ELECTRA: the discriminator to train (an `ElectraForPreTraining` directory or hub id).
    pub discriminator_name: Option<String>,
}

/// Which kind of language model, with what naming and saving it needs.
#[derive(Debug)]
pub(crate) enum Kind {
    Masked {
        spec: EncoderSpec,
        layout: MlmLayout,
        masking: Masking,
    },
    Causal {
        spec: DecoderSpec,
    },
    Electra {
        generator: EncoderSpec,
        discriminator: EncoderSpec,
        masking: Masking,
    },
}

impl Kind {
    /// How blocks are masked, for the kinds that mask.
    pub(crate) fn masking(&self) -> Option<&Masking> {
        match self {
            Self::Masked { masking, .. } | Self::Electra { masking, .. } => Some(masking),
            Self::Causal { .. } => None,
        }
    }
}

/// Masking for `tokenizer` (its special tokens and padding protected); `replace_all` for
/// ELECTRA. A tokenizer without a mask token (in `dir`) is an error.
pub(crate) fn masking_for(
    tokenizer: &st_core::tokenizer::Tokenizer,
    args: &LanguageModelingArgs,
    dir: &Path,
    replace_all: bool,
) -> Result<Masking, LmError> {
    let mask_id = tokenizer.mask_id().ok_or_else(|| {
        LmError::Unsupported(format!(
            "the tokenizer in {} has no mask token ([MASK] or <mask>), which masked-LM \
             training needs; set \"mlm\": false for a causal model",
            dir.display()
        ))
    })?;
    let mut protected = tokenizer.special_ids();
    protected.push(tokenizer.pad_id());
    protected.sort_unstable();
    protected.dedup();
    Ok(Masking {
        probability: args.mlm_probability,
        mask_id,
        vocab_size: tokenizer.vocab_size(),
        protected,
        replace_all,
    })
}

/// Language modelling with Simple Transformers' API: masked LM (`mlm`, the default) on an
/// encoder, causal LM (`mlm: false`) on GPT-2.
#[derive(Debug)]
pub struct LanguageModelingModel<B: AutodiffBackend = TrainBackend> {
    pub(crate) base: TaskBase<B, LmModule<B>, LanguageModelingArgs>,
    pub(crate) kind: Kind,
}

impl LanguageModelingModel<TrainBackend> {
    /// Load `model_name` (a local directory or a hub id) as a `model_type` language model on
    /// the default backend.
    pub fn new(model_type: &str, model_name: &str, options: LmOptions) -> Result<Self, LmError> {
        let device = options.device.device()?;
        Self::with_device(model_type, model_name, options, device)
    }
}

/// A causal model asked to train as a masked one, or the reverse: say which switch to flip.
pub(crate) fn kind_mismatch(model_type: &str, causal: bool) -> LmError {
    LmError::Unsupported(if causal {
        format!(
            "{model_type} is a causal language model: set \"mlm\": false (masked-LM training \
             needs an encoder with a mask token)"
        )
    } else {
        format!(
            "{model_type} is a masked language model: causal training (\"mlm\": false) needs \
             a decoder such as gpt2"
        )
    })
}

impl<B: AutodiffBackend> LanguageModelingModel<B> {
    fn open_masked(
        model_type: &str,
        prepared: Prepared<LanguageModelingArgs>,
        device: B::Device,
    ) -> Result<Self, LmError> {
        let layout = encoder_architecture(model_type)?
            .mlm_head()
            .ok_or_else(|| {
                LmError::Unsupported(format!(
                    "the {model_type} architecture has no masked-LM head"
                ))
            })?;
        let tied = ties_word_embeddings(&prepared.config);
        let special = prepared.args.special_tokens_list.clone();
        let head = |spec: &mut EncoderSpec, device: &B::Device| {
            let std = spec.initializer_range();
            MlmHead::new(layout, &spec.config, tied, std, device)
        };
        let task = HeadTask::MaskedLm;
        let (base, spec) = assemble(model_type, prepared, &special, task, head, device)?;
        Self::masked(base, spec, layout)
    }

    /// The masked model around `base`'s encoder + head: masking set up from its tokenizer, the
    /// decoder bias grown with any added tokens.
    pub(crate) fn masked(
        base: TaskBase<B, MaskedLm<B>, LanguageModelingArgs>,
        spec: EncoderSpec,
        layout: MlmLayout,
    ) -> Result<Self, LmError> {
        let masking = masking_for(&base.tokenizer, &base.args, &base.tokenizer_dir, false)?;
        let tokenizer = &base.tokenizer;
        // Added tokens grew the embeddings (and so a tied decoder); the bias follows.
        let rows = spec.config.vocab_size.max(tokenizer.vocab_size());
        let base = base.map_module(|m| LmModule::Masked(m.resize_mlm_vocab(rows)));
        Ok(Self {
            base,
            kind: Kind::Masked {
                spec,
                layout,
                masking,
            },
        })
    }

    fn open_causal(
        model_type: &str,
        prepared: Prepared<LanguageModelingArgs>,
        device: B::Device,
    ) -> Result<Self, LmError> {
        let mut spec = DecoderSpec::new(model_type, prepared.config.clone(), &prepared.model_dir)?;
        TaskBase::<B, LmModule<B>, LanguageModelingArgs>::seed(&prepared.args, &device);
        let (model, _) = load_decoder::<B>(&spec, &prepared.model_dir, &device)?;
        let added = prepared.args.special_tokens_list.clone();
        let (model, tokenizer, grew) =
            spec.attach_tokenizer(model, &prepared.tokenizer_dir, &prepared.args.model, &added)?;
        let base = TaskBase::new(prepared, LmModule::Causal(model), tokenizer, grew, device)?;
        Ok(Self {
            base,
            kind: Kind::Causal { spec },
        })
    }

    /// Whether this is a causal (GPT-2) model.
    pub fn is_causal(&self) -> bool {
        matches!(self.kind, Kind::Causal { .. })
    }

    /// The module, trained or as loaded.
    pub fn module(&self) -> &LmModule<B> {
        &self.base.module
    }

    /// How blocks are cut for this model and its arguments.
    fn block_spec(&self) -> Result<BlockSpec, LmError> {
        let args = &self.base.args;
        let (prefix, suffix) = self.base.tokenizer.single_sequence_frame()?;
        let max = args.model.max_seq_length;
        Ok(BlockSpec {
            dataset: args.dataset(),
            block_size: args.effective_block_size(),
            sliding_window: args.sliding_window.then_some(SlidingWindow {
                max_seq_length: max,
                stride_tokens: (max as f64 * args.stride) as usize,
            }),
            prefix,
            suffix,
        })
    }

    /// Featurise a text file into blocks, reading it a chunk of lines at a time (lazily: the
    /// text is never held whole, only its token ids), tokenising each chunk in parallel.
    pub fn blocks_from_file(&self, path: &Path, mode: Mode) -> Result<Vec<Vec<u32>>, LmError> {
        let spec = self.block_spec()?;
        if spec.dataset == crate::args::DatasetType::Text {
            return self.blocks(&self.read_examples(path)?, mode);
        }
        let tokenizer = &self.base.tokenizer;
        let encoding = self.base.args.model.encoding.as_deref();
        let ids = tokenize_lines(path, encoding, LINES_PER_CHUNK, |lines| {
            let ids = (self.base).try_featurise(mode, lines, |_, l| tokenizer.encode_plain(l))?;
            Ok::<_, LmError>(ids)
        })?;
        let blocks = spec.blocks(&ids);
        if blocks.is_empty() {
            return Err(DataError::NoSamples.into());
        }
        Ok(blocks)
    }

    /// Featurise samples (lines of text) into blocks, tokenising in parallel.
    pub fn blocks(&self, lines: &[String], mode: Mode) -> Result<Vec<Vec<u32>>, LmError> {
        let spec = self.block_spec()?;
        let tokenizer = &self.base.tokenizer;
        let ids = if spec.dataset == crate::args::DatasetType::Text {
            vec![tokenizer.encode_plain(&lines.join("\n"))?]
        } else {
            self.base
                .try_featurise(mode, lines, |_, line| tokenizer.encode_plain(line))?
        };
        let blocks = spec.blocks(&ids);
        if blocks.is_empty() {
            return Err(DataError::NoSamples.into());
        }
        Ok(blocks)
    }

    /// The batch of `blocks`, block `i` masked with `rng(i)`'s draws for a masked model;
    /// ELECTRA's generator samples from `sample_seed`.
    fn batch<C: Backend>(
        &self,
        blocks: &[&Vec<u32>],
        rng: impl Fn(usize) -> SplitMix64,
        sample_seed: u64,
        device: &C::Device,
    ) -> LmBatch<C> {
        let pad = i64::from(self.base.tokenizer.pad_id());
        match &self.kind {
            Kind::Electra { masking, .. } => {
                let (inputs, labels): (Vec<_>, Vec<_>) = (blocks.iter().enumerate())
                    .map(|(i, block)| masking.apply(block, &mut rng(i)))
                    .unzip();
                let originals: Vec<Vec<i64>> = (blocks.iter())
                    .map(|b| b.iter().map(|&id| i64::from(id)).collect())
                    .collect();
                let weight = self.base.args.discriminator_loss_weight;
                LmBatch::electra(
                    &inputs,
                    &labels,
                    &originals,
                    pad,
                    sample_seed,
                    weight,
                    device,
                )
            }
            Kind::Masked { masking, .. } => {
                let (inputs, labels): (Vec<_>, Vec<_>) = (blocks.iter().enumerate())
                    .map(|(i, block)| masking.apply(block, &mut rng(i)))
                    .unzip();
                LmBatch::masked(&inputs, &labels, pad, device)
            }
            Kind::Causal { .. } => {
                let rows: Vec<Vec<i64>> = (blocks.iter())
                    .map(|b| b.iter().map(|&id| i64::from(id)).collect())
                    .collect();
                LmBatch::causal(&rows, pad, device)
            }
        }
    }

    /// The seed evaluation masks with: fixed, so that every evaluation of a run scores the
    /// same masked tokens (Python draws new ones each time).
    fn eval_seed(&self) -> u64 {
        self.base.args.model.manual_seed.unwrap_or(0x5EED) ^ 0xE7A1
    }
}

impl<B: AutodiffBackend> TaskModel<B> for LanguageModelingModel<B> {
    type Args = LanguageModelingArgs;
    type Options = LmOptions;
    type Error = LmError;
    type Module = LmModule<B>;
    type Example = String;
    type Input<'a> = &'a str;
    type Predictions = LmPredictions;
    type Metrics = ();
    type EvalDetails = ();
    type EvalOutput = EvalResults;
    type TrainRows = Vec<Vec<u32>>;
    type EvalRows = Vec<Vec<u32>>;
    type Batch = LmBatch<B>;

    fn with_device(
        model_type: &str,
        model_name: &str,
        options: LmOptions,
        device: B::Device,
    ) -> Result<Self, LmError> {
        let input = ArgsInput {
            args: options.args.as_ref(),
            overrides: options.overrides.as_ref(),
        };
        if model_type == crate::electra::ELECTRA {
            let model = Self::open_electra(model_name, &options, input, device)?;
            if !model.base.args.mlm {
                return Err(kind_mismatch(model_type, false));
            }
            return Ok(model);
        }
        let prepared =
            Prepared::<LanguageModelingArgs>::open(model_type, model_name, input, &options.hub)?;
        let causal = decoder_architecture(model_type).is_ok();
        if causal == prepared.args.mlm {
            return Err(kind_mismatch(model_type, causal));
        }
        if causal {
            Self::open_causal(model_type, prepared, device)
        } else {
            Self::open_masked(model_type, prepared, device)
        }
    }

    fn base(&self) -> &TaskBase<B, LmModule<B>, LanguageModelingArgs> {
        &self.base
    }

    fn base_mut(&mut self) -> &mut TaskBase<B, LmModule<B>, LanguageModelingArgs> {
        &mut self.base
    }

    /// A text file, one sample per line, blank lines dropped.
    fn read_examples(&self, path: &Path) -> Result<Vec<String>, LmError> {
        Ok(read_lines(path, self.base.args.model.encoding.as_deref())?)
    }

    fn train_rows(&self, lines: &[String]) -> Result<Vec<Vec<u32>>, LmError> {
        self.blocks(lines, Mode::Train)
    }

    /// A text file read a chunk of lines at a time ([`Self::blocks_from_file`]).
    fn train_rows_from_file(&self, path: &Path) -> Result<Vec<Vec<u32>>, LmError> {
        self.blocks_from_file(path, Mode::Train)
    }

    fn num_train_rows(rows: &Vec<Vec<u32>>) -> usize {
        rows.len()
    }

    fn train_batch(
        &self,
        rows: &Vec<Vec<u32>>,
        indices: &[usize],
        seed: u64,
        device: &B::Device,
    ) -> Result<LmBatch<B>, LmError> {
        let sample_seed = block_rng(seed, usize::MAX).next_u64();
        Ok(self.batch(
            &pick(rows, indices),
            |i| block_rng(seed, i),
            sample_seed,
            device,
        ))
    }

    fn loss(&self, module: &LmModule<B>, batch: LmBatch<B>) -> Tensor<B, 1> {
        module.loss(batch)
    }

    fn eval_rows(&self, lines: &[String]) -> Result<Vec<Vec<u32>>, LmError> {
        self.blocks(lines, Mode::Eval)
    }

    /// `eval_loss` (the mean of the batches' losses, batches of `eval_batch_size`) and
    /// `perplexity` = exp(`eval_loss`), as Python reports them. For ELECTRA the loss is
    /// Python's `g_loss + w · d_loss` (so its `perplexity` means little), and the mean
    /// `generator_loss` and `discriminator_loss` are reported too, with
    /// `discriminator_baseline_loss`, the loss of always predicting the replaced share.
    fn evaluate(
        &self,
        module: &<LmModule<B> as AutodiffModule<B>>::InnerModule,
        rows: &Vec<Vec<u32>>,
        _metrics: &(),
        show_progress: bool,
    ) -> Result<(EvalResults, ()), LmError> {
        let lengths: Vec<usize> = rows.iter().map(Vec::len).collect();
        let (mut sum, mut batches) = (0.0, 0usize);
        let (mut generator, mut discriminator) = (0.0, 0.0);
        let (mut replaced, mut attended) = (0usize, 0usize);
        let electra = matches!(self.kind, Kind::Electra { .. });
        let weight = self.base.args.discriminator_loss_weight;
        let seed = self.eval_seed();
        st_core::task::for_each_batch(
            &lengths,
            self.base.args.model.eval_batch_size,
            BatchOrder::AsGiven,
            show_progress,
            "Running Evaluation",
            |indices| -> Result<(), LmError> {
                // Each block's masks depend on the block alone, not on the batch size.
                let rng = |i: usize| block_rng(seed, indices[i]);
                let sample_seed = block_rng(seed ^ 0x5A3D, indices[0]).next_u64();
                let blocks = pick(rows, indices);
                let device = &self.base.device;
                let batch = self.batch::<B::InnerBackend>(&blocks, rng, sample_seed, device);
                let loss: f64 = match module.electra_losses(batch) {
                    Ok(losses) => {
                        replaced += losses.replaced;
                        attended += blocks.iter().map(|b| b.len()).sum::<usize>();
                        let g: f64 = losses.generator.clone().into_scalar().elem();
                        let d: f64 = losses.discriminator.into_scalar().elem();
                        (generator, discriminator) = (generator + g, discriminator + d);
                        g + weight * d
                    }
                    Err(batch) => module.loss(batch).into_scalar().elem(),
                };
                sum += loss;
                batches += 1;
                Ok(())
            },
        )?;
        let eval_loss = st_core::task::mean_loss(sum, batches);
        let mut results = EvalResults::new();
        results.insert("eval_loss".into(), eval_loss);
        results.insert("perplexity".into(), eval_loss.exp());
        if electra {
            let mean = |sum: f64| st_core::task::mean_loss(sum, batches);
            results.insert("generator_loss".into(), mean(generator));
            results.insert("discriminator_loss".into(), mean(discriminator));
            // What a discriminator that knows only how often tokens are replaced would score:
            // the binary entropy of the replaced share. Learning starts below it.
            let share = replaced as f64 / attended.max(1) as f64;
            let entropy = |p: f64| if p > 0.0 { -p * p.ln() } else { 0.0 };
            results.insert(
                "discriminator_baseline_loss".into(),
                entropy(share) + entropy(1.0 - share),
            );
        }
        Ok((results, ()))
    }

    fn metric_names(&self, _metrics: &()) -> Vec<String> {
        let mut names = vec!["eval_loss".to_string(), "perplexity".to_string()];
        if matches!(self.kind, Kind::Electra { .. }) {
            names.extend([
                "generator_loss".into(),
                "discriminator_loss".into(),
                "discriminator_baseline_loss".into(),
            ]);
        }
        names
    }

    fn eval_output(
        &self,
        _lines: &[String],
        results: EvalResults,
        _details: (),
    ) -> Result<EvalResults, LmError> {
        Ok(results)
    }

    /// A causal model continues each text (default [`crate::GenerationArgs`]); a masked model
    /// fills each text's mask tokens (the five best tokens per mask).
    fn predict_inputs(&self, texts: &[&str]) -> Result<LmPredictions, LmError> {
        if self.is_causal() {
            let args = crate::GenerationArgs::default();
            Ok(LmPredictions::Generated(self.generate_texts(texts, &args)?))
        } else {
            Ok(LmPredictions::FillMask(self.fill_mask_texts(texts, 5)?))
        }
    }

    fn name_map(&self) -> Box<dyn NameMap + '_> {
        let inner: Box<dyn NameMap> = match &self.kind {
            Kind::Masked { spec, layout, .. } => Box::new(spec.task_names(Box::new(*layout))),
            Kind::Causal { spec } => spec.arch.name_map(),
            Kind::Electra {
                generator,
                discriminator,
                ..
            } => Box::new(ElectraNames {
                generator: generator.task_names(Box::new(MlmLayout::ElectraGenerator)),
                discriminator: discriminator.task_names(Box::new(DiscriminatorNames)),
            }),
        };
        Box::new(LmNames { inner })
    }

    /// A masked model saves as `*ForMaskedLM` (its tied decoder under the embeddings' name), a
    /// causal one as `GPT2LMHeadModel`: both load in Python `transformers`.
    fn write_weights(&self, module: &LmModule<B>, dir: &Path) -> Result<(), LmError> {
        match (module, &self.kind) {
            (LmModule::Masked(m), Kind::Masked { spec, .. }) => {
                save_with_head(m, spec, HeadTask::MaskedLm, &[], None, dir)?
            }
            (LmModule::Causal(m), Kind::Causal { spec }) => save_decoder(m, spec, dir)?,
            (LmModule::Electra(pair), Kind::Electra { .. }) => self.write_electra(pair, dir)?,
            _ => unreachable!("the module is of the model's kind"),
        }
        Ok(())
    }
}

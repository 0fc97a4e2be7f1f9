//! [`Seq2SeqModel`] and [`T5Model`]: Simple Transformers' sequence-to-sequence models as one
//! task on the shared [`TaskModel`] lifecycle, told apart by their arguments ([`Seq2SeqArgs`]
//! or [`T5Args`]: defaults, T5's prefixes).

use std::path::Path;

use burn::module::AutodiffModule;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{ElementConversion, Tensor};
use serde_json::Value;
use st_core::backend::{DeviceRequest, TrainBackend};
use st_core::hub::HubOptions;
use st_core::metrics::Metrics;
use st_core::task::{ArgsInput, BatchOrder, Mode, Prepared, TaskBase, TaskModel, pick};
use st_core::text::TextFile;
use st_core::tokenizer::{Tokenizer, TokenizerOptions};
use st_core::train::{EvalResults, TrainError};
use st_core::weights::NameMap;
use st_models::generate::GenerationConfig;
use st_models::seq2seq::Seq2SeqLayout;
use st_models::{EncoderDecoder, ModelError, Seq2SeqLm, seq2seq_architecture};

use crate::args::{Seq2SeqArgs, Seq2SeqTaskArgs, T5Args};
use crate::data::{DataError, Seq2SeqExample, read_examples};
use crate::features::{Features, Seq2SeqBatch};
use crate::pair::Pair;
use crate::text::{Codec, Languages, target_tokenizer};

/// What can go wrong in a sequence-to-sequence model.
#[derive(Debug, thiserror::Error)]
pub enum Seq2SeqError {
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

st_core::core_error_conversions!(Seq2SeqError);

/// Constructor options besides the model type and name (Python's keyword arguments).
#[derive(Debug, Clone)]
pub struct Seq2SeqOptions<A> {
    /// Arguments replacing a saved `model_args.json` (Python: an args object).
    pub args: Option<A>,
    /// A JSON object of arguments merged over the saved ones (Python: an args dict).
    pub overrides: Option<Value>,
    pub device: DeviceRequest,
    pub hub: HubOptions,
    /// Python's `encoder_name` + `decoder_name` (an `EncoderDecoderModel` of two encoders).
    pub encoder_name: Option<String>,
    pub decoder_name: Option<String>,
}

impl<A> Default for Seq2SeqOptions<A> {
    fn default() -> Self {
        Self {
            args: None,
            overrides: None,
            device: DeviceRequest::default(),
            hub: HubOptions::default(),
            encoder_name: None,
            decoder_name: None,
        }
    }
}

/// A sequence-to-sequence model: an encoder-decoder with its LM head, its tokenizer, and what
/// generation starts from. Use it as [`Seq2SeqModel`] or [`T5Model`].
#[derive(Debug)]
pub struct Seq2SeqTaskModel<B: AutodiffBackend, A> {
    pub(crate) base: TaskBase<B, Seq2SeqLm<B>, A>,
    /// `config.json` as loaded (overrides applied): what a save writes back.
    pub(crate) hf_config: Value,
    /// The generation settings of the model directory (forced tokens, n-gram bans…).
    pub(crate) model_generation: GenerationConfig,
    /// How each side's text becomes ids (mBART's language codes, Marian's target tokenizer).
    pub(crate) codec: Codec,
}

/// Python's `Seq2SeqModel(encoder_decoder_type, encoder_decoder_name)`: BART, mBART, Marian
/// (and T5).
pub type Seq2SeqModel<B = TrainBackend> = Seq2SeqTaskModel<B, Seq2SeqArgs>;

/// Python's `T5Model(model_type, model_name)`: T5 and mT5 with task prefixes.
pub type T5Model<B = TrainBackend> = Seq2SeqTaskModel<B, T5Args>;

impl<A: Seq2SeqTaskArgs> Seq2SeqTaskModel<TrainBackend, A> {
    /// Load `model_name` (a local directory or a hub id) as a `model_type` model on the
    /// default backend.
    pub fn new(
        model_type: &str,
        model_name: &str,
        options: Seq2SeqOptions<A>,
    ) -> Result<Self, Seq2SeqError> {
        let device = options.device.device()?;
        Self::with_device(model_type, model_name, options, device)
    }
}

/// Model types Simple Transformers knows that are refused here, with why.
fn refusal(model_type: &str, options_name_encoders: bool) -> Option<String> {
    if let Ok(arch) = seq2seq_architecture(model_type) {
        return (options_name_encoders && arch.layout() != Seq2SeqLayout::Bert2Bert).then(|| {
            format!(
                "encoder_name + decoder_name build an EncoderDecoderModel of two encoders \
                 (encoder_type bert); {model_type} loads from encoder_decoder_name alone"
            )
        });
    }
    match model_type {
        "rag-token" | "rag-sequence" => Some(format!(
            "{model_type}: retrieval-augmented generation (RAG, with its FAISS index and DPR \
             encoders) is out of scope; use bart, mbart, marian or t5"
        )),
        "byt5" => Some("byt5 needs ByT5's byte tokenizer, which is not implemented yet".into()),
        _ if options_name_encoders || st_models::encoder_architecture(model_type).is_ok() => {
            Some(format!(
                "an EncoderDecoderModel built from two {model_type} encoders is not implemented \
                 yet; BERT2BERT (encoder_type bert) is, and the encoder-decoders bart, mbart, \
                 marian and t5"
            ))
        }
        _ => None,
    }
}

impl<B: AutodiffBackend, A: Seq2SeqTaskArgs> Seq2SeqTaskModel<B, A> {
    /// The module, trained or as loaded.
    pub fn module(&self) -> &Seq2SeqLm<B> {
        &self.base.module
    }

    /// Featurise rows: input and target tokenised with special tokens, each truncated to
    /// `max_seq_length`, in parallel.
    pub fn features(
        &self,
        examples: &[Seq2SeqExample],
        mode: Mode,
    ) -> Result<Vec<Features>, Seq2SeqError> {
        let args = &self.base.args;
        self.base.try_featurise(mode, examples, |_, example| {
            let source = args.source_text(example.prefix.as_deref(), &example.input_text);
            Ok(Features {
                input_ids: self.encode(&source, false)?,
                labels: self.encode(&example.target_text, true)?,
            })
        })
    }

    /// The ids of a source (`is_target` false) or target text, special tokens framing it,
    /// truncated to `max_seq_length`.
    pub fn encode(&self, text: &str, is_target: bool) -> Result<Vec<u32>, Seq2SeqError> {
        let max = self.base.args.model().max_seq_length;
        Ok(self
            .codec
            .encode(&self.base.tokenizer, text, is_target, max)?)
    }

    /// The metrics generated text is scored with: the user's, else BLEU and ROUGE.
    fn text_metrics(metrics: &Metrics<String, String>) -> Metrics<String, String> {
        if !metrics.is_empty() {
            return metrics.clone();
        }
        use st_core::metrics::builtin::{Bleu, Rouge1, Rouge2, RougeL};
        Metrics::new()
            .with(Bleu)
            .with(Rouge1)
            .with(Rouge2)
            .with(RougeL)
    }
}

/// Evaluation rows: the features, and the targets and prefixes generated text is scored
/// against.
#[derive(Debug, Clone)]
pub struct EvalRows {
    pub features: Vec<Features>,
    pub targets: Vec<String>,
    pub prefixes: Vec<Option<String>>,
}

impl<B: AutodiffBackend, A: Seq2SeqTaskArgs> TaskModel<B> for Seq2SeqTaskModel<B, A> {
    type Args = A;
    type Options = Seq2SeqOptions<A>;
    type Error = Seq2SeqError;
    type Module = Seq2SeqLm<B>;
    type Example = Seq2SeqExample;
    type Input<'a> = &'a str;
    /// Per input, its `num_return_sequences` generated texts.
    type Predictions = Vec<Vec<String>>;
    type Metrics = Metrics<String, String>;
    type EvalDetails = ();
    type EvalOutput = EvalResults;
    type TrainRows = Vec<Features>;
    type EvalRows = EvalRows;
    type Batch = Seq2SeqBatch<B>;

    fn with_device(
        model_type: &str,
        model_name: &str,
        options: Seq2SeqOptions<A>,
        device: B::Device,
    ) -> Result<Self, Seq2SeqError> {
        let names_encoders = options.encoder_name.is_some() || options.decoder_name.is_some();
        if let Some(reason) = refusal(model_type, names_encoders) {
            return Err(Seq2SeqError::Unsupported(reason));
        }
        let arch = seq2seq_architecture(model_type)?;
        if A::HAS_PREFIX && arch.layout() != Seq2SeqLayout::T5 {
            return Err(Seq2SeqError::Unsupported(format!(
                "T5Model loads t5 and mt5 models; load {model_type} with Seq2SeqModel"
            )));
        }
        let input = ArgsInput {
            args: options.args.as_ref(),
            overrides: options.overrides.as_ref(),
        };
        let hub = &options.hub;
        let pair = match arch.layout() {
            Seq2SeqLayout::Bert2Bert => Pair::find(
                model_name,
                options.encoder_name.as_deref(),
                options.decoder_name.as_deref(),
                hub,
            )?,
            _ => None,
        };
        let prepared = match &pair {
            Some(pair) => pair.prepare(model_type, model_name, input, hub)?,
            None => Prepared::<A>::open(model_type, model_name, input, hub)?,
        };
        TaskBase::<B, Seq2SeqLm<B>, A>::seed(&prepared.args, &device);
        let options = TokenizerOptions {
            do_lower_case: prepared.args.model().do_lower_case,
            special_tokens: arch.special_tokens(),
            ..Default::default()
        };
        let mut tokenizer = Tokenizer::from_dir(&prepared.tokenizer_dir, &options)?;
        // BERT2BERT from two directories reads each side with its own tokenizer.
        let pair_target = match &pair {
            Some(pair) => Some(Tokenizer::from_dir(&pair.decoder, &options)?),
            None => None,
        };
        let (mut module, hf_config) = match &pair {
            Some(pair) => {
                let target = pair_target.as_ref().unwrap_or(&tokenizer);
                pair.load(target.token_to_id("[CLS]"), &device)?
            }
            None => {
                let config = &prepared.config;
                let module = Seq2SeqLm::load(arch.layout(), &prepared.model_dir, config, &device)?;
                (module, config.clone())
            }
        };
        // T5's `special_tokens_list`, as Python: added as special tokens, the embeddings grown
        // to the tokenizer (never shrunk: a table already larger keeps its rows).
        let added = tokenizer.add_special_tokens(prepared.args.added_tokens());
        if added > 0 {
            module = module.resize_token_embeddings(tokenizer.vocab_size());
        }
        let dir = &prepared.tokenizer_dir;
        let target = match pair_target {
            Some(target) => Some(target),
            None => target_tokenizer(dir, &options)?,
        };
        let codec = Codec {
            target,
            languages: match arch.model_type() {
                "mbart" => Some(Languages::resolve(
                    model_type,
                    prepared.args.languages().unwrap_or(("en_XX", "ro_RO")),
                    &tokenizer,
                    dir,
                )?),
                _ => None,
            },
        };
        for side in [Some(&tokenizer), codec.target.as_ref()]
            .into_iter()
            .flatten()
        {
            if side.vocab_size() > module.vocab_size() {
                return Err(Seq2SeqError::Unsupported(format!(
                    "the tokenizer in {} has {} tokens but the model's embeddings only {} rows",
                    dir.display(),
                    side.vocab_size(),
                    module.vocab_size()
                )));
            }
        }
        let mut model_generation = GenerationConfig::from_model_dir(&prepared.model_dir)?;
        if model_generation.eos_token_id.is_empty() && arch.layout() == Seq2SeqLayout::Bert2Bert {
            // A BERT decoder's config names no end token; its tokenizer's [SEP] ends a text.
            let side = codec.side(&tokenizer);
            model_generation
                .eos_token_id
                .extend(side.token_to_id("[SEP]"));
        }
        let base = TaskBase::new(prepared, module, tokenizer, added > 0, device)?;
        Ok(Self {
            base,
            hf_config,
            model_generation,
            codec,
        })
    }

    fn base(&self) -> &TaskBase<B, Seq2SeqLm<B>, A> {
        &self.base
    }

    fn base_mut(&mut self) -> &mut TaskBase<B, Seq2SeqLm<B>, A> {
        &mut self.base
    }

    /// Rows from a TSV, CSV or JSON Lines file (see [`crate::data`]).
    fn read_examples(&self, path: &Path) -> Result<Vec<Seq2SeqExample>, Seq2SeqError> {
        let file = TextFile::new(path, self.base.args.model().encoding.as_deref());
        Ok(read_examples(file, A::HAS_PREFIX)?)
    }

    fn train_rows(&self, examples: &[Seq2SeqExample]) -> Result<Vec<Features>, Seq2SeqError> {
        self.features(examples, Mode::Train)
    }

    fn num_train_rows(rows: &Vec<Features>) -> usize {
        rows.len()
    }

    fn train_batch(
        &self,
        rows: &Vec<Features>,
        indices: &[usize],
        _seed: u64,
        device: &B::Device,
    ) -> Result<Seq2SeqBatch<B>, Seq2SeqError> {
        let pad = self.base.tokenizer.pad_id();
        Ok(Seq2SeqBatch::new(&pick(rows, indices), pad, device))
    }

    fn loss(&self, module: &Seq2SeqLm<B>, batch: Seq2SeqBatch<B>) -> Tensor<B, 1> {
        let (_, loss) =
            module.forward_with_labels(batch.input_ids, batch.attention_mask, batch.labels);
        loss
    }

    fn eval_rows(&self, examples: &[Seq2SeqExample]) -> Result<EvalRows, Seq2SeqError> {
        Ok(EvalRows {
            features: self.features(examples, Mode::Eval)?,
            targets: examples.iter().map(|e| e.target_text.clone()).collect(),
            prefixes: examples.iter().map(|e| e.prefix.clone()).collect(),
        })
    }

    /// `eval_loss` (the mean of the batches' losses); with `evaluate_generated_text`, the
    /// inputs decoded as `predict` decodes them and scored against the targets with the
    /// metrics given (BLEU and ROUGE-1/2/L when none are), and for rows of several T5
    /// prefixes each metric per prefix too, as `"{metric}[{prefix}]"`.
    fn evaluate(
        &self,
        module: &Seq2SeqLm<B::InnerBackend>,
        rows: &EvalRows,
        metrics: &Metrics<String, String>,
        show_progress: bool,
    ) -> Result<(EvalResults, ()), Seq2SeqError> {
        let features = &rows.features;
        let lengths: Vec<usize> = features.iter().map(|f| f.input_ids.len()).collect();
        let (mut sum, mut batches) = (0.0, 0usize);
        let pad = self.base.tokenizer.pad_id();
        st_core::task::for_each_batch(
            &lengths,
            self.base.args.model().eval_batch_size,
            BatchOrder::AsGiven,
            show_progress,
            "Running Evaluation",
            |indices| -> Result<(), Seq2SeqError> {
                let batch = Seq2SeqBatch::new(&pick(features, indices), pad, &self.base.device);
                let (_, loss) =
                    module.forward_with_labels(batch.input_ids, batch.attention_mask, batch.labels);
                sum += loss.into_scalar().elem::<f64>();
                batches += 1;
                Ok(())
            },
        )?;
        let mut results = EvalResults::new();
        results.insert("eval_loss".into(), st_core::task::mean_loss(sum, batches));
        if self.base.args.decoding().evaluate_generated_text {
            let inputs: Vec<&[u32]> = features.iter().map(|f| f.input_ids.as_slice()).collect();
            let generated = self.generate_texts(module, &inputs)?;
            let preds: Vec<String> = generated.into_iter().map(first).collect();
            let metrics = Self::text_metrics(metrics);
            results.extend(metrics.evaluate(&rows.targets, &preds));
            for (prefix, (targets, preds)) in per_prefix(&rows.prefixes, &rows.targets, &preds) {
                for (name, value) in metrics.evaluate(&targets, &preds) {
                    results.insert(format!("{name}[{prefix}]"), value);
                }
            }
        }
        Ok((results, ()))
    }

    fn metric_names(&self, metrics: &Metrics<String, String>) -> Vec<String> {
        let mut names = vec!["eval_loss".to_string()];
        if self.base.args.decoding().evaluate_generated_text {
            names.extend(
                Self::text_metrics(metrics)
                    .iter()
                    .map(|m| m.name().to_string()),
            );
        }
        names
    }

    fn eval_output(
        &self,
        _examples: &[Seq2SeqExample],
        results: EvalResults,
        _details: (),
    ) -> Result<EvalResults, Seq2SeqError> {
        Ok(results)
    }

    /// Decode each input (T5: with its prefix already in the text, as Python expects).
    fn predict_inputs(&self, inputs: &[&str]) -> Result<Vec<Vec<String>>, Seq2SeqError> {
        let ids: Vec<Vec<u32>> = (inputs.iter())
            .map(|text| self.encode(text, false))
            .collect::<Result<_, Seq2SeqError>>()?;
        let rows: Vec<&[u32]> = ids.iter().map(Vec::as_slice).collect();
        self.generate_texts(&self.base.module.valid(), &rows)
    }

    fn name_map(&self) -> Box<dyn NameMap + '_> {
        Box::new(self.base.module.names())
    }

    /// The model's own `transformers` class (`T5ForConditionalGeneration`,
    /// `BartForConditionalGeneration`, `MBartForConditionalGeneration`, `MarianMTModel`),
    /// which loads in Python.
    fn write_weights(&self, module: &Seq2SeqLm<B>, dir: &Path) -> Result<(), Seq2SeqError> {
        module.save(&self.hf_config, dir)?;
        if let Some(target) = &self.codec.target {
            // The target side's own tokenizer (Marian's, a BERT2BERT decoder's), which
            // `Codec` reads back from here.
            target.save_json(&dir.join(st_core::tokenizer::MARIAN_TARGET_TOKENIZER))?;
        }
        Ok(())
    }

    fn batch_chunk_size(&self) -> Option<usize> {
        self.base.args.batch_chunk_size()
    }
}

/// The first of a row's returned sequences.
fn first(mut sequences: Vec<String>) -> String {
    if sequences.is_empty() {
        String::new()
    } else {
        sequences.swap_remove(0)
    }
}

/// One prefix's targets and predictions.
type Group = (Vec<String>, Vec<String>);

/// Targets and predictions grouped by prefix, when rows have more than one prefix.
fn per_prefix(
    prefixes: &[Option<String>],
    targets: &[String],
    preds: &[String],
) -> Vec<(String, Group)> {
    let mut groups: std::collections::BTreeMap<&str, Group> = Default::default();
    for ((prefix, target), pred) in prefixes.iter().zip(targets).zip(preds) {
        if let Some(prefix) = prefix {
            let group = groups.entry(prefix.as_str()).or_default();
            group.0.push(target.clone());
            group.1.push(pred.clone());
        }
    }
    if groups.len() < 2 {
        return Vec::new();
    }
    (groups.into_iter())
        .map(|(prefix, group)| (prefix.to_string(), group))
        .collect()
}

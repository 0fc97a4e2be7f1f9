//! `NerModel`: Simple Transformers' `NERModel` — token classification on the shared trainer,
//! with windows so that no word of a long sentence is ever dropped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use burn::module::AutodiffModule;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{ElementConversion, Int, Tensor};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use st_core::args::Args;
use st_core::backend::{DeviceRequest, TrainBackend};
use st_core::hub::{HubOptions, resolve_model_dir};
use st_core::metrics::{self, Metrics};
use st_core::tokenizer::{Tokenizer, TokenizerOptions};
use st_core::train::{EvalResults, Task, TrainError, TrainOptions, TrainOutput, train};
use st_core::weights::{NamedParameter, named_parameters};
use st_models::loss::cross_entropy;
use st_models::task::config_labels;
use st_models::{EncoderInput, ModelError, read_config};

use crate::args::{DEFAULT_LABELS, NerArgs};
use crate::data::{DataError, LazyConll, Sentence, label_list, read_conll};
use crate::features::{Featurizer, IGNORE_INDEX, Window};
use crate::model::{
    LoadedTokenClassifier, TokenClassifier, load_token_classifier, save_token_classifier,
};

/// What can go wrong in an NER model.
#[derive(Debug, thiserror::Error)]
pub enum NerError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Core(#[from] st_core::Error),
    #[error(transparent)]
    Train(#[from] TrainError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("labels ({labels}) and args.labels_list ({labels_list}) disagree")]
    LabelsDisagree { labels: String, labels_list: String },
    #[error(
        "sentence {sentence}, word {word} ({text:?}): tag {label:?} is not one of the labels ({expected})"
    )]
    UnknownLabel {
        sentence: usize,
        word: usize,
        text: String,
        label: String,
        expected: String,
    },
    #[error("sentence {sentence} has {words} words but {labels} labels")]
    LabelCount {
        sentence: usize,
        words: usize,
        labels: usize,
    },
    #[error("weight has {found} class weights but the model has {expected} labels")]
    WeightCount { expected: usize, found: usize },
    #[error("the label list is empty")]
    NoLabels,
    #[error("no sentences given")]
    Empty,
}

macro_rules! into_core {
    ($($t:ty),*) => {$(
        impl From<$t> for NerError {
            fn from(e: $t) -> Self {
                Self::Core(e.into())
            }
        }
    )*};
}
into_core!(
    st_core::args::ArgsError,
    st_core::hub::HubError,
    st_core::backend::BackendError,
    st_core::tokenizer::TokenizerError,
    st_core::metrics::MetricError
);

/// Constructor options besides `model_type` and `model_name` (Python's keyword arguments).
#[derive(Debug, Clone, Default)]
pub struct NerOptions {
    /// The tags (Python's `labels`). Must equal `args.labels_list` when both are given; when
    /// neither is, a saved model's `id2label` or else Python's CoNLL default list is used.
    pub labels: Option<Vec<String>>,
    /// Class weights for the cross-entropy loss, one per tag.
    pub weight: Option<Vec<f32>>,
    pub args: NerArgs,
    pub device: DeviceRequest,
    pub hub: HubOptions,
}

/// The logits of one word: one row of `num_labels` values per sub-token.
pub type WordLogits = Vec<Vec<f32>>;

/// One predicted word: Python's `{word: tag}`, plus the tag's probability (softmax of the
/// first sub-token's logits).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaggedWord {
    pub word: String,
    pub tag: String,
    pub score: f32,
}

/// `eval_model`'s result: Python's `(result, model_outputs, preds_list)` — the metrics, every
/// word's logits, and every word's predicted tag, sentence by sentence.
pub type NerEval = (EvalResults, Vec<Vec<WordLogits>>, Vec<Vec<String>>);

/// `predict`'s result: Python's `(predictions, raw_outputs)`.
pub type NerPredictions = (Vec<Vec<TaggedWord>>, Vec<Vec<WordLogits>>);

/// Named-entity recognition (token classification) with Simple Transformers' API.
#[derive(Debug)]
pub struct NerModel<B: AutodiffBackend = TrainBackend> {
    classifier: LoadedTokenClassifier<B>,
    tokenizer: Tokenizer,
    /// The arguments in effect (`labels_list` holds the tags).
    pub args: NerArgs,
    label_ids: HashMap<String, usize>,
    weight: Option<Vec<f32>>,
    device: B::Device,
    source_dir: PathBuf,
}

impl NerModel<TrainBackend> {
    /// Load `model_name` (local directory or hub id) as a `model_type` token classifier on the
    /// default backend.
    pub fn new(model_type: &str, model_name: &str, options: NerOptions) -> Result<Self, NerError> {
        let device = options.device.device()?;
        Self::with_device(model_type, model_name, options, device)
    }
}

/// The tags: `labels` and `labels_list` must agree; otherwise whichever is given, else the
/// checkpoint's `id2label` when it names its tags, else Python's default list.
fn resolve_labels(
    labels: Option<Vec<String>>,
    labels_list: &[String],
    config: &serde_json::Value,
) -> Result<Vec<String>, NerError> {
    match labels {
        Some(labels) if !labels_list.is_empty() && labels != labels_list => {
            Err(NerError::LabelsDisagree {
                labels: label_list(&labels),
                labels_list: label_list(labels_list),
            })
        }
        Some(labels) => Ok(labels),
        None if !labels_list.is_empty() => Ok(labels_list.to_vec()),
        None => {
            let n = st_models::task::config_num_labels(config).unwrap_or(0);
            let named: Option<Vec<String>> = config_labels(config, n)
                .into_iter()
                .map(|l| l.filter(|l| !l.starts_with("LABEL_")))
                .collect();
            Ok(named
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| DEFAULT_LABELS.iter().map(|l| l.to_string()).collect()))
        }
    }
}

impl<B: AutodiffBackend> NerModel<B> {
    /// Load on an explicit device of any autodiff backend.
    pub fn with_device(
        model_type: &str,
        model_name: &str,
        options: NerOptions,
        device: B::Device,
    ) -> Result<Self, NerError> {
        let dir = resolve_model_dir(model_name, &options.hub)?;
        let mut args = NerArgs::default();
        args.load_from_dir(&dir)?;
        if options.args != NerArgs::default() {
            args = options.args;
        }
        args.model.model_type = Some(model_type.to_string());
        args.model.model_name = Some(model_name.to_string());
        let config = read_config(&dir)?;
        args.labels_list = resolve_labels(options.labels, &args.labels_list, &config)?;
        let num_labels = args.labels_list.len();
        if num_labels == 0 {
            return Err(NerError::NoLabels);
        }
        if let Some(weight) = &options.weight
            && weight.len() != num_labels
        {
            return Err(NerError::WeightCount {
                expected: num_labels,
                found: weight.len(),
            });
        }
        // As Python seeds before building the model, so that a new head is reproducible.
        if let Some(seed) = args.model.manual_seed {
            B::seed(&device, seed);
        }
        let mut classifier =
            load_token_classifier::<B>(model_type, &dir, num_labels, false, &device)?;
        let mut tokenizer = Tokenizer::from_dir(
            &dir,
            &TokenizerOptions {
                do_lower_case: args.model.do_lower_case,
                special_tokens: classifier.arch.special_tokens(),
                ignore_tokenizer_json: false,
            },
        )?;
        if !args.special_tokens_list.is_empty() {
            let added = tokenizer.add_special_tokens(&args.special_tokens_list);
            classifier = classifier.with_vocab_size(tokenizer.vocab_size());
            tracing::info!(added, "special_tokens_list added to the tokenizer");
        }
        Ok(Self {
            label_ids: args
                .labels_list
                .iter()
                .enumerate()
                .map(|(i, l)| (l.clone(), i))
                .collect(),
            classifier,
            tokenizer,
            args,
            weight: options.weight,
            device,
            source_dir: dir,
        })
    }

    /// The tags, in class-index order.
    pub fn labels(&self) -> &[String] {
        &self.args.labels_list
    }

    /// The tokenizer, with any `special_tokens_list` tokens added.
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// The model's parameters by Hugging Face name (`get_named_parameters()`).
    pub fn get_named_parameters(&self) -> Vec<String> {
        named_parameters(&self.classifier.model, &self.classifier.names(), true)
            .into_iter()
            .map(|p| p.hf_name)
            .collect()
    }

    /// Every tag of `sentences` must be a known label and every word must have one.
    fn check(&self, sentences: &[Sentence]) -> Result<(), NerError> {
        for (i, s) in sentences.iter().enumerate() {
            if s.words.len() != s.labels.len() {
                return Err(NerError::LabelCount {
                    sentence: i,
                    words: s.words.len(),
                    labels: s.labels.len(),
                });
            }
            if let Some(w) = s
                .labels
                .iter()
                .position(|l| !self.label_ids.contains_key(l))
            {
                return Err(NerError::UnknownLabel {
                    sentence: i,
                    word: w,
                    text: s.words[w].clone(),
                    label: s.labels[w].clone(),
                    expected: label_list(self.labels()),
                });
            }
        }
        Ok(())
    }

    /// The windows of `sentences` (checked first), tokenised in parallel.
    fn featurise(&self, sentences: &[Sentence]) -> Result<Vec<Window>, NerError> {
        self.check(sentences)?;
        let featurizer = Featurizer::new(&self.tokenizer, self.args.model.max_seq_length)?;
        let per_sentence = sentences
            .par_iter()
            .enumerate()
            .map(|(i, s)| featurizer.windows(i, s, |w| self.label_ids[&s.labels[w]] as i64))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(per_sentence.into_iter().flatten().collect())
    }

    /// Fine-tune on `train` (evaluating on `eval` during training when the args say so), then
    /// save to `output_dir`.
    pub fn train_model(
        &mut self,
        train_data: &[Sentence],
        eval_data: Option<&[Sentence]>,
        extra_metrics: Metrics<Vec<String>, Vec<String>>,
    ) -> Result<TrainOutput, NerError> {
        if train_data.is_empty() {
            return Err(NerError::Empty);
        }
        let windows = self.featurise(train_data)?;
        self.train_on(TrainSource::Memory(windows), eval_data, extra_metrics)
    }

    /// Fine-tune on a CoNLL file: read whole, or with `lazy_loading` indexed (every line
    /// checked up front) and read sentence by sentence as batches need them.
    pub fn train_model_from_file(
        &mut self,
        path: &Path,
        eval_data: Option<&[Sentence]>,
        extra_metrics: Metrics<Vec<String>, Vec<String>>,
    ) -> Result<TrainOutput, NerError> {
        if !self.args.lazy_loading {
            let sentences = read_conll(path, self.labels())?;
            return self.train_model(&sentences, eval_data, extra_metrics);
        }
        let lazy = LazyConll::index(path, self.args.lazy_loading_start_line, self.labels())?;
        self.train_on(TrainSource::Lazy(lazy), eval_data, extra_metrics)
    }

    fn train_on(
        &mut self,
        source: TrainSource,
        eval_data: Option<&[Sentence]>,
        extra_metrics: Metrics<Vec<String>, Vec<String>>,
    ) -> Result<TrainOutput, NerError> {
        let eval = eval_data
            .map(|sentences| -> Result<_, NerError> { Ok((sentences, self.featurise(sentences)?)) })
            .transpose()?;
        let mut task = NerTask {
            owner: self,
            train: source,
            eval,
            extra_metrics,
        };
        let model = task.owner.classifier.model.clone();
        let args = task.owner.args.model.clone();
        let device = task.owner.device.clone();
        let (model, output) = train(&mut task, model, &args, &TrainOptions::default(), &device)?;
        self.classifier.model = model;
        Ok(output)
    }

    /// Evaluate on labelled sentences: Python's `(result, model_outputs, preds_list)`.
    ///
    /// `result` has `eval_loss` (mean batch loss), `precision`, `recall` and `f1_score`
    /// (seqeval, entity level, micro average) and the extra metrics, called with the true and
    /// predicted tag sequences. With `classification_report` it also has seqeval's per-type
    /// rows as `"{type}/precision"`, `"{type}/recall"`, `"{type}/f1-score"`, `"{type}/support"`
    /// (and the three averages), and the report is logged as text.
    pub fn eval_model(
        &self,
        sentences: &[Sentence],
        extra_metrics: &Metrics<Vec<String>, Vec<String>>,
    ) -> Result<NerEval, NerError> {
        if sentences.is_empty() {
            return Err(NerError::Empty);
        }
        let windows = self.featurise(sentences)?;
        self.evaluate_windows(
            &self.classifier.model.valid(),
            sentences,
            &windows,
            extra_metrics,
            !self.args.model.silent,
        )
    }

    /// Eval results, word outputs and predictions of `windows` made from `sentences`.
    fn evaluate_windows(
        &self,
        model: &TokenClassifier<B::InnerBackend>,
        sentences: &[Sentence],
        windows: &[Window],
        extra_metrics: &Metrics<Vec<String>, Vec<String>>,
        show_progress: bool,
    ) -> Result<NerEval, NerError> {
        let (outputs, eval_loss) =
            self.word_outputs(model, sentences, windows, true, show_progress)?;
        let predictions: Vec<Vec<String>> = outputs
            .iter()
            .map(|words| words.iter().map(|w| self.tag(w).0).collect())
            .collect();
        let truth: Vec<Vec<String>> = sentences.iter().map(|s| s.labels.clone()).collect();
        let report = metrics::seqeval_report(&truth, &predictions)?;
        let mut result = EvalResults::new();
        result.insert("eval_loss".into(), eval_loss);
        result.insert("precision".into(), report.micro_avg.precision);
        result.insert("recall".into(), report.micro_avg.recall);
        result.insert("f1_score".into(), report.micro_avg.f1);
        if self.args.classification_report {
            tracing::info!("classification report:\n{}", report.to_text(4));
            let averages = [
                ("micro avg", &report.micro_avg),
                ("macro avg", &report.macro_avg),
                ("weighted avg", &report.weighted_avg),
            ];
            let rows = report.per_type.iter().map(|(k, v)| (k.as_str(), v));
            for (name, row) in rows.chain(averages) {
                result.insert(format!("{name}/precision"), row.precision);
                result.insert(format!("{name}/recall"), row.recall);
                result.insert(format!("{name}/f1-score"), row.f1);
                result.insert(format!("{name}/support"), row.support as f64);
            }
        }
        result.extend(extra_metrics.evaluate(&truth, &predictions));
        Ok((result, outputs, predictions))
    }

    /// The tag of a word and its probability, from its first sub-token's logits.
    fn tag(&self, logits: &WordLogits) -> (String, f32) {
        let Some(first) = logits.first() else {
            return (self.labels()[0].clone(), 0.0);
        };
        let (best, max) =
            first.iter().enumerate().fold(
                (0, f32::NEG_INFINITY),
                |b, (i, &v)| if v > b.1 { (i, v) } else { b },
            );
        let sum: f32 = first.iter().map(|v| (v - max).exp()).sum();
        (self.labels()[best].clone(), 1.0 / sum)
    }

    /// Every word's sub-token logits, sentence by sentence, from batches of
    /// `eval_batch_size` windows; with `with_loss` also the mean batch loss.
    fn word_outputs(
        &self,
        model: &TokenClassifier<B::InnerBackend>,
        sentences: &[Sentence],
        windows: &[Window],
        with_loss: bool,
        show_progress: bool,
    ) -> Result<(Vec<Vec<WordLogits>>, f64), NerError> {
        let mut outputs: Vec<Vec<WordLogits>> = sentences
            .iter()
            .map(|s| vec![Vec::new(); s.len()])
            .collect();
        let batch_size = self.args.model.eval_batch_size.max(1);
        let bar = progress_bar(windows.len().div_ceil(batch_size), show_progress);
        let (mut loss_sum, mut batches) = (0.0f64, 0usize);
        let mut order: Vec<&Window> = windows.iter().collect();
        if !with_loss {
            // Prediction batches windows of similar length (less padding); evaluation keeps
            // Python's batches, as its eval_loss is a mean over batches.
            order.sort_by_key(|w| std::cmp::Reverse(w.ids.len()));
        }
        for chunk in order.chunks(batch_size) {
            let batch = self.batch::<B::InnerBackend>(chunk, &self.device);
            let logits = model.forward(batch.input);
            let [rows, seq, labels] = logits.dims();
            if with_loss && !batch.targets.is_empty() {
                loss_sum += self
                    .loss(logits.clone(), &batch.positions, &batch.targets)
                    .into_scalar()
                    .elem::<f64>();
                batches += 1;
            }
            let values: Vec<f32> = logits
                .into_data()
                .convert::<f32>()
                .to_vec()
                .map_err(|e| st_core::Error::Other(format!("reading logits: {e:?}")))?;
            for (row, window) in chunk.iter().enumerate().take(rows) {
                for word in &window.words {
                    outputs[window.sentence][word.word] = word
                        .tokens
                        .clone()
                        .map(|t| {
                            let at = (row * seq + t) * labels;
                            values[at..at + labels].to_vec()
                        })
                        .collect();
                }
            }
            bar.inc(1);
        }
        bar.finish_and_clear();
        Ok((outputs, loss_sum / batches.max(1) as f64))
    }

    /// Tag sentences given as text, split on whitespace (Python's `split_on_space=True`).
    pub fn predict(&self, texts: &[&str]) -> Result<NerPredictions, NerError> {
        let words: Vec<Vec<&str>> = texts
            .iter()
            .map(|t| t.split_whitespace().collect())
            .collect();
        self.predict_words(&words)
    }

    /// Tag sentences given as words (Python's `split_on_space=False`).
    pub fn predict_words<S: AsRef<str>>(
        &self,
        sentences: &[Vec<S>],
    ) -> Result<NerPredictions, NerError> {
        let placeholder = self.labels()[0].as_str();
        let sentences: Vec<Sentence> = sentences
            .iter()
            .map(|words| Sentence::unlabelled(words.iter().map(|w| w.as_ref()), placeholder))
            .collect();
        let windows = self.featurise(&sentences)?;
        let show = !self.args.model.silent;
        let model = self.classifier.model.valid();
        let (outputs, _) = self.word_outputs(&model, &sentences, &windows, false, show)?;
        let predictions = sentences
            .iter()
            .zip(&outputs)
            .map(|(sentence, words)| {
                sentence
                    .words
                    .iter()
                    .zip(words)
                    .map(|(word, logits)| {
                        let (tag, score) = self.tag(logits);
                        TaggedWord {
                            word: word.clone(),
                            tag,
                            score,
                        }
                    })
                    .collect()
            })
            .collect();
        Ok((predictions, outputs))
    }

    /// Save a directory that reloads here (with its `model_args.json`) and in Python
    /// `transformers` (`AutoModelForTokenClassification`), atomically.
    pub fn save_model(&self, output_dir: &Path) -> Result<(), NerError> {
        let staged = st_core::staging::StagedDir::new(output_dir)
            .map_err(|e| st_core::Error::io(output_dir, e))?;
        self.write_model(&self.classifier.model, staged.path())?;
        staged
            .commit()
            .map_err(|e| st_core::Error::io(output_dir, e))?;
        Ok(())
    }

    fn write_model(&self, model: &TokenClassifier<B>, dir: &Path) -> Result<(), NerError> {
        let snapshot = self.classifier.with_model(model.clone());
        save_token_classifier(&snapshot, self.labels(), &self.source_dir, dir)?;
        if !self.args.special_tokens_list.is_empty() {
            // The source's tokenizer files lack the added tokens: write ours over them.
            self.tokenizer.save_json(&dir.join("tokenizer.json"))?;
        }
        self.args.save(dir)?;
        Ok(())
    }

    /// Pad `windows` into one batch; the labelled positions (flat `row × seq + token`) and their
    /// tag indices go with it for the loss.
    fn batch<BB: Backend>(&self, windows: &[&Window], device: &BB::Device) -> Batch<BB> {
        let seq = windows.iter().map(|w| w.ids.len()).max().unwrap_or(0);
        let pad = i64::from(self.tokenizer.pad_id());
        let mut ids = vec![pad; windows.len() * seq];
        let mut mask = vec![0i64; windows.len() * seq];
        let (mut positions, mut targets) = (Vec::new(), Vec::new());
        for (row, window) in windows.iter().enumerate() {
            let start = row * seq;
            ids[start..start + window.ids.len()].copy_from_slice(&window.ids);
            mask[start..start + window.ids.len()].fill(1);
            for (t, &label) in window.labels.iter().enumerate() {
                if label != IGNORE_INDEX {
                    positions.push((start + t) as i64);
                    targets.push(label);
                }
            }
        }
        let shape = [windows.len(), seq];
        let tensor = |v: &[i64]| Tensor::<BB, 1, Int>::from_ints(v, device).reshape(shape);
        let types = vec![0i64; ids.len()];
        Batch {
            input: EncoderInput {
                input_ids: tensor(&ids),
                attention_mask: tensor(&mask),
                token_type_ids: self
                    .classifier
                    .arch
                    .uses_token_type_ids()
                    .then(|| tensor(&types)),
                position_ids: None,
            },
            positions,
            targets,
        }
    }

    /// Cross-entropy over the labelled tokens only (the ignore index is skipped), weighted per
    /// tag when `weight` is set.
    fn loss<BB: Backend>(
        &self,
        logits: Tensor<BB, 3>,
        positions: &[i64],
        targets: &[i64],
    ) -> Tensor<BB, 1> {
        let device = logits.device();
        let [rows, seq, labels] = logits.dims();
        let selected = logits
            .reshape([rows * seq, labels])
            .select(0, Tensor::<BB, 1, Int>::from_ints(positions, &device));
        let weights = self
            .weight
            .as_ref()
            .map(|w| Tensor::<BB, 1>::from_floats(w.as_slice(), &device));
        cross_entropy(selected, Tensor::from_ints(targets, &device), weights)
    }
}

fn progress_bar(len: usize, show: bool) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("Running evaluation {pos}/{len} {wide_bar}")
    {
        bar.set_style(style);
    }
    bar
}

/// A padded batch with the positions and tags of its labelled tokens.
struct Batch<B: Backend> {
    input: EncoderInput<B>,
    positions: Vec<i64>,
    targets: Vec<i64>,
}

/// Where training sentences come from.
enum TrainSource {
    /// Featurised up front: training examples are windows.
    Memory(Vec<Window>),
    /// Read and featurised batch by batch: training examples are sentences.
    Lazy(LazyConll),
}

/// The trainer's view of an NER model.
struct NerTask<'a, B: AutodiffBackend> {
    owner: &'a NerModel<B>,
    train: TrainSource,
    eval: Option<(&'a [Sentence], Vec<Window>)>,
    extra_metrics: Metrics<Vec<String>, Vec<String>>,
}

impl<B: AutodiffBackend> Task<B> for NerTask<'_, B> {
    type Model = TokenClassifier<B>;
    type Batch = Batch<B>;

    fn num_train_examples(&self) -> usize {
        match &self.train {
            TrainSource::Memory(windows) => windows.len(),
            TrainSource::Lazy(file) => file.len(),
        }
    }

    fn train_batch(&self, indices: &[usize], device: &B::Device) -> Result<Batch<B>, TrainError> {
        let task_error = |e: NerError| TrainError::Task(e.to_string());
        match &self.train {
            TrainSource::Memory(windows) => {
                let chosen: Vec<&Window> = indices.iter().map(|&i| &windows[i]).collect();
                Ok(self.owner.batch::<B>(&chosen, device))
            }
            TrainSource::Lazy(file) => {
                let sentences = file.sentences(indices).map_err(|e| task_error(e.into()))?;
                let windows = self.owner.featurise(&sentences).map_err(task_error)?;
                let refs: Vec<&Window> = windows.iter().collect();
                Ok(self.owner.batch::<B>(&refs, device))
            }
        }
    }

    fn loss(&self, model: &Self::Model, batch: Batch<B>) -> Tensor<B, 1> {
        let logits = model.forward(batch.input);
        self.owner.loss(logits, &batch.positions, &batch.targets)
    }

    fn has_eval_data(&self) -> bool {
        self.eval.is_some()
    }

    fn evaluate(&mut self, model: &Self::Model) -> Result<EvalResults, TrainError> {
        let (sentences, windows) = self.eval.as_ref().ok_or(TrainError::NoEvalData)?;
        self.owner
            .evaluate_windows(
                &model.valid(),
                sentences,
                windows,
                &self.extra_metrics,
                !(self.owner.args.model.silent
                    || self.owner.args.model.evaluate_during_training_silent),
            )
            .map(|(result, _, _)| result)
            .map_err(|e| TrainError::Task(e.to_string()))
    }

    fn named_parameters(&self, model: &Self::Model) -> Vec<NamedParameter> {
        named_parameters(model, &self.owner.classifier.names(), true)
    }

    fn save(&self, model: &Self::Model, dir: &Path) -> Result<(), TrainError> {
        self.owner
            .write_model(model, dir)
            .map_err(|e| TrainError::Task(e.to_string()))
    }
}

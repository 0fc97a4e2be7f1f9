//! `ClassificationModel`: Simple Transformers' three-line API for sequence classification —
//! binary, multi-class, regression and sentence pairs — on the shared trainer.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use burn::module::AutodiffModule;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{ElementConversion, Int, Tensor};
use rayon::prelude::*;
use st_core::args::Args;
use st_core::backend::{DeviceRequest, TrainBackend};
use st_core::hub::{HubOptions, resolve_model_dir};
use st_core::metrics::{self, Average, Metrics};
use st_core::tokenizer::{TextInput, Tokenizer, TokenizerOptions};
use st_core::train::{EvalResults, Task, TrainError, TrainOptions, TrainOutput, train};
use st_core::weights::{NamedParameter, named_parameters};
use st_models::{EncoderInput, ModelError, read_config};

use crate::args::ClassificationArgs;
use crate::data::{Example, Label};
use crate::loss::{bce_with_logits, cross_entropy, mse};
use crate::model::{
    LabelConfig, LoadedClassifier, SequenceClassifier, config_num_labels, load_classifier,
    save_classifier,
};

/// What can go wrong in a classification model.
#[derive(Debug, thiserror::Error)]
pub enum ClassificationError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Core(#[from] st_core::Error),
    #[error(transparent)]
    Train(#[from] TrainError),
    #[error(transparent)]
    Data(#[from] crate::files::DataError),
    #[error(transparent)]
    Lazy(#[from] crate::lazy::LazyError),
    #[error("example {index}: label {label:?} is not one of the labels ({expected})")]
    UnknownLabel {
        index: usize,
        label: String,
        expected: String,
    },
    #[error("example {index}: regression label {label:?} is not a number")]
    NotANumber { index: usize, label: String },
    #[error("num_labels is {num_labels} but labels_list has {listed} labels")]
    LabelCount { num_labels: usize, listed: usize },
    #[error("weight has {found} class weights but the model has {expected} labels")]
    WeightCount { expected: usize, found: usize },
    #[error("{0} is not supported yet")]
    Unsupported(&'static str),
    #[error("no examples given")]
    Empty,
    #[error("example {index}: {message}")]
    BadMultiHot { index: usize, message: String },
    #[error("{what} has {found} values but the model has {expected} labels")]
    PerLabelCount {
        what: &'static str,
        expected: usize,
        found: usize,
    },
}

macro_rules! into_core {
    ($($t:ty),*) => {$(
        impl From<$t> for ClassificationError {
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

/// `eval_model`'s result: Python's `(result, model_outputs, wrong_predictions)`.
pub type EvalOutput = (EvalResults, Vec<Vec<f32>>, Vec<Example>);

/// `predict`'s result: Python's `(predictions, raw_outputs)`.
pub type Predictions = (Vec<Label>, Vec<Vec<f32>>);

/// Constructor options besides `model_type` and `model_name` (Python's keyword arguments).
#[derive(Debug, Clone, Default)]
pub struct ClassificationOptions {
    /// Number of classes; from `labels_list`, else the checkpoint's `id2label`, else 2.
    pub num_labels: Option<usize>,
    /// Class weights for the cross-entropy loss.
    pub weight: Option<Vec<f32>>,
    pub args: ClassificationArgs,
    pub device: DeviceRequest,
    pub hub: HubOptions,
}

/// Tokenised examples: ids and segment ids per example, and class indices or values.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Features {
    ids: Vec<Vec<i64>>,
    type_ids: Vec<Vec<i64>>,
    targets: Targets,
    /// With `sliding_window`: the example each row (window) comes from.
    #[serde(default)]
    windows_of: Option<Vec<usize>>,
}

/// Outputs regrouped per example (windows concatenated) with per-example targets.
struct ExampleOutputs {
    outputs: Vec<Vec<f32>>,
    targets: Targets,
    /// Per example, the outputs of each of its windows (one row without windows).
    windows: Vec<Vec<Vec<f32>>>,
    windowed: bool,
}

/// What the model decides for one example.
#[derive(Debug, Clone, PartialEq)]
enum Decision {
    Class(usize),
    Value(f32),
    MultiHot(Vec<u8>),
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
enum Targets {
    Classes(Vec<usize>),
    Values(Vec<f32>),
    MultiHot(Vec<Vec<f32>>),
}

/// Multi-label settings: BCE `pos_weight` and the per-label decision thresholds.
#[derive(Debug, Clone)]
pub(crate) struct MultiLabel {
    pub pos_weight: Option<Vec<f32>>,
    pub thresholds: Vec<f32>,
}

/// Sequence classification with Simple Transformers' API.
#[derive(Debug)]
pub struct ClassificationModel<B: AutodiffBackend = TrainBackend> {
    classifier: LoadedClassifier<B>,
    tokenizer: Tokenizer,
    /// The arguments in effect.
    pub args: ClassificationArgs,
    labels: Vec<Label>,
    label_ids: HashMap<String, usize>,
    weight: Option<Vec<f32>>,
    pub(crate) multi_label: Option<MultiLabel>,
    device: B::Device,
    source_dir: PathBuf,
}

impl ClassificationModel<TrainBackend> {
    /// Load `model_name` (local directory or hub id) as a `model_type` classifier on the
    /// default backend.
    pub fn new(
        model_type: &str,
        model_name: &str,
        options: ClassificationOptions,
    ) -> Result<Self, ClassificationError> {
        let device = options.device.device()?;
        Self::with_device(model_type, model_name, options, device)
    }
}

impl<B: AutodiffBackend> ClassificationModel<B> {
    /// Load on an explicit device of any autodiff backend.
    pub fn with_device(
        model_type: &str,
        model_name: &str,
        options: ClassificationOptions,
        device: B::Device,
    ) -> Result<Self, ClassificationError> {
        Self::build(model_type, model_name, options, device, None)
    }

    /// The constructor both model types share; `multi_label` switches to multi-hot labels,
    /// BCE loss and thresholded predictions.
    pub(crate) fn build(
        model_type: &str,
        model_name: &str,
        options: ClassificationOptions,
        device: B::Device,
        multi_label: Option<(crate::args::Threshold, Option<Vec<f32>>)>,
    ) -> Result<Self, ClassificationError> {
        let dir = resolve_model_dir(model_name, &options.hub)?;
        let mut args = ClassificationArgs::default();
        args.load_from_dir(&dir)?;
        if options.args != ClassificationArgs::default() {
            args = options.args;
        }
        if args.lazy_loading && multi_label.is_some() {
            return Err(ClassificationError::Unsupported(
                "lazy_loading with multi-label classification (as in Python)",
            ));
        }
        if args.sliding_window && multi_label.is_some() {
            return Err(ClassificationError::Unsupported(
                "sliding_window with multi-label classification (as in Python)",
            ));
        }
        if args.as_reranker {
            return Err(ClassificationError::Unsupported("as_reranker"));
        }
        args.model.model_type = Some(model_type.to_string());
        args.model.model_name = Some(model_name.to_string());

        let config = read_config(&dir)?;
        let listed = args.labels_list.len();
        let num_labels = match (options.num_labels, listed) {
            (Some(n), l) if l > 0 && l != n => {
                return Err(ClassificationError::LabelCount {
                    num_labels: n,
                    listed: l,
                });
            }
            (Some(n), _) => n,
            (None, l) if l > 0 => l,
            (None, _) if args.regression => 1,
            (None, _) => config_num_labels(&config).unwrap_or(2),
        };
        args.regression |= num_labels == 1 && multi_label.is_none();
        if args.labels_list.is_empty() && !args.regression {
            args.labels_list = stored_labels(&config, num_labels);
        }
        if args.labels_map.is_empty() {
            args.labels_map = args
                .labels_list
                .iter()
                .enumerate()
                .map(|(i, l)| (l.key(), i))
                .collect();
        }
        if let Some(weight) = &options.weight
            && weight.len() != num_labels
        {
            return Err(ClassificationError::WeightCount {
                expected: num_labels,
                found: weight.len(),
            });
        }
        // As Python seeds before building the model, so that a new head is reproducible.
        if let Some(seed) = args.model.manual_seed {
            B::seed(&device, seed);
        }
        let mut classifier = load_classifier::<B>(model_type, &dir, num_labels, false, &device)?;
        let mut tokenizer = Tokenizer::from_dir(
            &dir,
            &TokenizerOptions {
                do_lower_case: args.model.do_lower_case,
                special_tokens: classifier.arch.special_tokens(),
                ignore_tokenizer_json: false,
            },
        )?;
        if !args.special_tokens_list.is_empty() {
            // As Python: add the tokens, then size the embeddings to the tokenizer.
            let added = tokenizer.add_special_tokens(&args.special_tokens_list);
            classifier = classifier.with_vocab_size(tokenizer.vocab_size());
            tracing::info!(
                added,
                vocab_size = classifier.encoder_config.vocab_size,
                "special_tokens_list added to the tokenizer"
            );
        }
        let multi_label = multi_label
            .map(|(threshold, pos_weight)| {
                let thresholds = match threshold {
                    crate::args::Threshold::All(t) => vec![t as f32; num_labels],
                    crate::args::Threshold::PerLabel(ts) if ts.len() == num_labels => {
                        ts.iter().map(|&t| t as f32).collect()
                    }
                    crate::args::Threshold::PerLabel(ts) => {
                        return Err(ClassificationError::PerLabelCount {
                            what: "threshold",
                            expected: num_labels,
                            found: ts.len(),
                        });
                    }
                };
                if let Some(pw) = &pos_weight
                    && pw.len() != num_labels
                {
                    return Err(ClassificationError::PerLabelCount {
                        what: "pos_weight",
                        expected: num_labels,
                        found: pw.len(),
                    });
                }
                Ok(MultiLabel {
                    pos_weight,
                    thresholds,
                })
            })
            .transpose()?;
        Ok(Self {
            multi_label,
            classifier,
            tokenizer,
            label_ids: args
                .labels_map
                .iter()
                .map(|(k, &v)| (k.clone(), v))
                .collect(),
            labels: args.labels_list.clone(),
            args,
            weight: options.weight,
            device,
            source_dir: dir,
        })
    }

    /// The tokenizer, with any `special_tokens_list` tokens added (Python's `model.tokenizer`).
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// Number of outputs of the head.
    pub fn num_labels(&self) -> usize {
        self.classifier.num_labels
    }

    /// The model's parameters by Hugging Face name (`get_named_parameters()`).
    pub fn get_named_parameters(&self) -> Vec<String> {
        named_parameters(&self.classifier.model, &self.classifier.names(), true)
            .into_iter()
            .map(|p| p.hf_name)
            .collect()
    }

    /// Features for `examples`, through the feature cache under `cache_dir` as Simple
    /// Transformers does it — but keyed by a hash of the examples, the tokenizer, `model_type`,
    /// `max_seq_length` and the label settings, so a changed dataset is never served stale
    /// features (Python keys by counts only). Features are reused when
    /// `reprocess_input_data` is false (for evaluation data, also when
    /// `use_cached_eval_features`), and written unless `no_cache`.
    fn cached_features(
        &self,
        examples: &[Example],
        mode: &str,
    ) -> Result<Features, ClassificationError> {
        let args = &self.args.model;
        let path = Path::new(&args.cache_dir).join(format!(
            "cached_{mode}_{}_{}_{}_{:016x}.json",
            self.classifier.arch.model_type(),
            args.max_seq_length,
            self.num_labels(),
            self.features_key(examples)
        ));
        let reuse = !args.reprocess_input_data || (mode == "dev" && args.use_cached_eval_features);
        let cached = (reuse && !args.no_cache)
            .then(|| std::fs::read_to_string(&path).ok())
            .flatten()
            .and_then(|text| serde_json::from_str::<Features>(&text).ok());
        if let Some(features) = cached {
            tracing::info!("features loaded from {}", path.display());
            return Ok(features);
        }
        let features = self.featurise(examples)?;
        if !args.no_cache {
            let write = || -> std::io::Result<()> {
                std::fs::create_dir_all(&args.cache_dir)?;
                let tmp = path.with_extension("json.tmp");
                std::fs::write(&tmp, serde_json::to_vec(&features)?)?;
                std::fs::rename(&tmp, &path)
            };
            if let Err(e) = write() {
                tracing::warn!("could not write the feature cache {}: {e}", path.display());
            }
        }
        Ok(features)
    }

    /// A hash of everything features depend on.
    fn features_key(&self, examples: &[Example]) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::hash::DefaultHasher::new();
        for e in examples {
            e.text_a.hash(&mut hasher);
            e.text_b.hash(&mut hasher);
            e.label.key().hash(&mut hasher);
        }
        serde_json::to_string(self.tokenizer.inner())
            .unwrap_or_default()
            .hash(&mut hasher);
        self.args.model.do_lower_case.hash(&mut hasher);
        self.args.regression.hash(&mut hasher);
        self.multi_label.is_some().hash(&mut hasher);
        for (label, id) in &self.args.labels_map {
            (label, id).hash(&mut hasher);
        }
        hasher.finish()
    }

    fn featurise(&self, examples: &[Example]) -> Result<Features, ClassificationError> {
        if self.args.sliding_window {
            return self.featurise_windows(examples);
        }
        let max_len = self.args.model.max_seq_length;
        let encoded = examples
            .par_iter()
            .map(|e| {
                let input = match &e.text_b {
                    Some(b) => TextInput::Pair(&e.text_a, b),
                    None => TextInput::Single(&e.text_a),
                };
                self.tokenizer.encode(input, max_len)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Features {
            ids: encoded.iter().map(|e| to_i64(e.get_ids())).collect(),
            type_ids: encoded.iter().map(|e| to_i64(e.get_type_ids())).collect(),
            targets: self.targets(examples)?,
            windows_of: None,
        })
    }

    /// Every text cut into windows (see [`crate::window`]), each with the special tokens the
    /// tokenizer's template puts around a single sequence; rows keep their example's target.
    fn featurise_windows(&self, examples: &[Example]) -> Result<Features, ClassificationError> {
        let max_len = self.args.model.max_seq_length;
        let (prefix, suffix) = self.tokenizer.single_sequence_frame()?;
        let (prefix, suffix) = (to_i64(&prefix), to_i64(&suffix));
        let (prefix, suffix) = (prefix.as_slice(), suffix.as_slice());
        let bucket = max_len.saturating_sub(prefix.len() + suffix.len()).max(1);
        let step = crate::window::stride_tokens(max_len, self.args.stride);
        let per_example = examples
            .par_iter()
            .map(|e| {
                if e.text_b.is_some() {
                    return Err(ClassificationError::Unsupported(
                        "sliding_window with sentence pairs (as in Python)",
                    ));
                }
                let encoding = self
                    .tokenizer
                    .inner()
                    .encode(e.text_a.as_str(), false)
                    .map_err(|err| st_core::tokenizer::TokenizerError::Encode(err.to_string()))?;
                let ids = to_i64(encoding.get_ids());
                Ok(crate::window::windows(&ids, bucket, step)
                    .into_iter()
                    .map(|w| [prefix, w, suffix].concat())
                    .collect::<Vec<_>>())
            })
            .collect::<Result<Vec<_>, ClassificationError>>()?;
        let windows_of: Vec<usize> = per_example
            .iter()
            .enumerate()
            .flat_map(|(i, ws)| std::iter::repeat_n(i, ws.len()))
            .collect();
        let ids: Vec<Vec<i64>> = per_example.into_iter().flatten().collect();
        let targets = self.targets(examples)?.select(&windows_of);
        Ok(Features {
            type_ids: ids.iter().map(|w| vec![0; w.len()]).collect(),
            ids,
            targets,
            windows_of: Some(windows_of),
        })
    }

    /// The training targets of `examples`: classes, values or multi-hot rows.
    fn targets(&self, examples: &[Example]) -> Result<Targets, ClassificationError> {
        let targets = if self.multi_label.is_some() {
            Targets::MultiHot(self.multi_hot_targets(examples)?)
        } else if self.args.regression {
            let values = examples
                .iter()
                .enumerate()
                .map(|(index, e)| {
                    e.label.as_f64().map(|v| v as f32).ok_or_else(|| {
                        ClassificationError::NotANumber {
                            index,
                            label: e.label.key(),
                        }
                    })
                })
                .collect::<Result<_, _>>()?;
            Targets::Values(values)
        } else {
            let classes = examples
                .iter()
                .enumerate()
                .map(|(index, e)| self.class_of(index, &e.label))
                .collect::<Result<_, _>>()?;
            Targets::Classes(classes)
        };
        Ok(targets)
    }

    fn multi_hot_targets(
        &self,
        examples: &[Example],
    ) -> Result<Vec<Vec<f32>>, ClassificationError> {
        let n = self.num_labels();
        examples
            .iter()
            .enumerate()
            .map(|(index, e)| {
                let bad = |message: String| ClassificationError::BadMultiHot { index, message };
                match &e.label {
                    Label::MultiHot(v) if v.len() != n => Err(bad(format!(
                        "multi-hot label has {} values, expected {n}",
                        v.len()
                    ))),
                    Label::MultiHot(v) if v.iter().any(|&x| x > 1) => Err(bad(format!(
                        "multi-hot label {v:?} has values other than 0 and 1"
                    ))),
                    Label::MultiHot(v) => Ok(v.iter().map(|&x| f32::from(x)).collect()),
                    other => Err(bad(format!("label {other} is not a multi-hot list"))),
                }
            })
            .collect()
    }

    fn class_of(&self, index: usize, label: &Label) -> Result<usize, ClassificationError> {
        self.label_ids
            .get(&label.key())
            .copied()
            .ok_or_else(|| ClassificationError::UnknownLabel {
                index,
                label: label.key(),
                expected: self
                    .labels
                    .iter()
                    .map(Label::key)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Fine-tune on `train` (evaluating on `eval` during training when the args say so), then
    /// save to `output_dir`. Returns the global step and the training loss (or progress).
    pub fn train_model(
        &mut self,
        train_examples: &[Example],
        eval_examples: Option<&[Example]>,
        extra_metrics: Metrics<f64, f64>,
    ) -> Result<TrainOutput, ClassificationError> {
        if train_examples.is_empty() {
            return Err(ClassificationError::Empty);
        }
        let train_features = self.cached_features(train_examples, "train")?;
        let eval_features = eval_examples
            .map(|e| self.cached_features(e, "dev"))
            .transpose()?;
        self.train_on(
            TrainSource::Memory(train_features),
            eval_features,
            extra_metrics,
        )
    }

    /// Fine-tune on a data file. With `lazy_loading` the file is a delimited file read with
    /// the `lazy_*` arguments, line by line as batches need it (every line is checked first);
    /// otherwise it is loaded with [`crate::files::read_examples`] (CSV, TSV or JSONL).
    pub fn train_model_from_file(
        &mut self,
        path: &Path,
        eval_examples: Option<&[Example]>,
        extra_metrics: Metrics<f64, f64>,
    ) -> Result<TrainOutput, ClassificationError> {
        if !self.args.lazy_loading {
            let examples = crate::files::read_examples(path, self.args.regression)?;
            return self.train_model(&examples, eval_examples, extra_metrics);
        }
        let lazy = crate::lazy::LazyFile::index(path, &self.args, &|example| {
            self.targets(std::slice::from_ref(example))
                .map(|_| ())
                .map_err(|e| e.to_string().replacen("example 0: ", "", 1))
        })?;
        let eval_features = eval_examples
            .map(|e| self.cached_features(e, "dev"))
            .transpose()?;
        self.train_on(TrainSource::Lazy(lazy), eval_features, extra_metrics)
    }

    fn train_on(
        &mut self,
        source: TrainSource,
        eval_features: Option<Features>,
        extra_metrics: Metrics<f64, f64>,
    ) -> Result<TrainOutput, ClassificationError> {
        let mut task = ClassifierTask {
            owner: self,
            train: source,
            eval: eval_features,
            extra_metrics,
        };
        let model = task.owner.classifier.model.clone();
        let args = task.owner.args.model.clone();
        let device = task.owner.device.clone();
        let (model, output) = train(&mut task, model, &args, &TrainOptions::default(), &device)?;
        self.classifier.model = model;
        Ok(output)
    }

    /// Evaluate on labelled examples: Python's `(result, model_outputs, wrong_predictions)`.
    ///
    /// Result keys as Python: binary — mcc, accuracy, f1_score, tp, tn, fp, fn, auroc, auprc,
    /// eval_loss (with `sliding_window`: mcc, tp, tn, fp, fn, eval_loss); multi-class — mcc,
    /// eval_loss; regression — eval_loss; plus extra metrics (called with class indices, or
    /// values for regression, as `f64`). `model_outputs` has one row per example; with
    /// `sliding_window` the row holds every window's outputs, window after window
    /// (`windows × num_labels`), as Python returns an array of window outputs per example.
    pub fn eval_model(
        &self,
        examples: &[Example],
        extra_metrics: &Metrics<f64, f64>,
    ) -> Result<EvalOutput, ClassificationError> {
        if examples.is_empty() {
            return Err(ClassificationError::Empty);
        }
        let features = self.cached_features(examples, "dev")?;
        let (results, per_example, decisions) = self.evaluate_features(
            &self.classifier.model.valid(),
            &features,
            extra_metrics,
            !self.args.model.silent,
        )?;
        let wrong = examples
            .iter()
            .zip(&decisions)
            .enumerate()
            .filter(|(i, (_, decision))| !self.is_right(decision, &per_example.targets, *i))
            .map(|(_, (e, _))| e.clone())
            .collect();
        Ok((results, per_example.outputs, wrong))
    }

    /// Whether a decision matches example `i`'s target (regression is never "wrong").
    fn is_right(&self, decision: &Decision, targets: &Targets, i: usize) -> bool {
        match (decision, targets) {
            (Decision::Class(c), Targets::Classes(classes)) => *c == classes[i],
            (Decision::MultiHot(h), Targets::MultiHot(rows)) => {
                h.iter().zip(&rows[i]).all(|(&p, &t)| f32::from(p) == t)
            }
            _ => true,
        }
    }

    /// Window outputs regrouped per example; without windows, one row each.
    fn per_example(&self, features: &Features, outputs: Vec<Vec<f32>>) -> ExampleOutputs {
        let Some(windows_of) = &features.windows_of else {
            return ExampleOutputs {
                windows: outputs.iter().map(|o| vec![o.clone()]).collect(),
                outputs,
                targets: features.targets.clone(),
                windowed: false,
            };
        };
        let n = windows_of.last().map_or(0, |&last| last + 1);
        let mut windows: Vec<Vec<Vec<f32>>> = vec![Vec::new(); n];
        for (row, &example) in outputs.into_iter().zip(windows_of) {
            windows[example].push(row);
        }
        // The first row of each example carries its target (all its windows share it).
        let mut first = vec![0; n];
        for (row, &example) in windows_of.iter().enumerate().rev() {
            first[example] = row;
        }
        let targets = features.targets.select(&first);
        ExampleOutputs {
            outputs: windows.iter().map(|ws| ws.concat()).collect(),
            targets,
            windows,
            windowed: true,
        }
    }

    /// The model's decision per example: argmax (majority vote of windows, ties to
    /// `tie_value`), the value (mean over windows), or the thresholded multi-hot row.
    fn decisions(&self, per_example: &ExampleOutputs) -> Vec<Decision> {
        per_example
            .windows
            .iter()
            .map(|windows| {
                if self.multi_label.is_some() {
                    Decision::MultiHot(self.thresholded(&windows[0]))
                } else if self.args.regression {
                    let sum: f32 = windows.iter().map(|w| w[0]).sum();
                    Decision::Value(sum / windows.len().max(1) as f32)
                } else {
                    let votes: Vec<usize> = windows.iter().map(|w| argmax(w)).collect();
                    Decision::Class(if votes.len() == 1 {
                        votes[0]
                    } else {
                        crate::window::majority_vote(&votes, self.args.tie_value)
                    })
                }
            })
            .collect()
    }

    /// Raw outputs for every example, in batches of `eval_batch_size`, and with `with_loss`
    /// the mean batch loss (Python's `eval_loss`).
    fn outputs(
        &self,
        model: &SequenceClassifier<B::InnerBackend>,
        features: &Features,
        with_loss: bool,
        show_progress: bool,
    ) -> Result<(Vec<Vec<f32>>, f64), ClassificationError> {
        let n = features.ids.len();
        let batch_size = self.args.model.eval_batch_size.max(1);
        let bar = if show_progress {
            let bar = indicatif::ProgressBar::new(n.div_ceil(batch_size) as u64);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("Running evaluation {pos}/{len} {wide_bar}")
            {
                bar.set_style(style);
            }
            bar
        } else {
            indicatif::ProgressBar::hidden()
        };
        let mut outputs = vec![Vec::new(); n];
        let (mut loss_sum, mut batches) = (0.0f64, 0usize);
        let mut indices: Vec<usize> = (0..n).collect();
        if !with_loss {
            // Prediction batches rows of similar length, so that padding to each batch's
            // longest row wastes little; outputs go back to their rows' places. (Evaluation
            // keeps Python's batches: its eval_loss is a mean over batches.)
            indices.sort_by_key(|&i| std::cmp::Reverse(features.ids[i].len()));
        }
        for chunk in indices.chunks(batch_size) {
            let input = self.batch_input::<B::InnerBackend>(features, chunk, &self.device);
            let logits = model.forward(input);
            if with_loss {
                let loss = self.loss(logits.clone(), &features.targets, chunk);
                loss_sum += loss.into_scalar().elem::<f64>();
                batches += 1;
            }
            let [rows, cols] = logits.dims();
            let values: Vec<f32> = logits
                .into_data()
                .convert::<f32>()
                .to_vec()
                .map_err(|e| st_core::Error::Other(format!("reading logits: {e:?}")))?;
            for (r, &i) in chunk.iter().enumerate().take(rows) {
                outputs[i] = values[r * cols..(r + 1) * cols].to_vec();
            }
            bar.inc(1);
        }
        bar.finish_and_clear();
        if self.multi_label.is_some() {
            // Python's multi-label model reports sigmoid outputs.
            for value in outputs.iter_mut().flatten() {
                *value = 1.0 / (1.0 + (-*value).exp());
            }
        }
        Ok((outputs, loss_sum / batches.max(1) as f64))
    }

    fn evaluate_features(
        &self,
        model: &SequenceClassifier<B::InnerBackend>,
        features: &Features,
        extra_metrics: &Metrics<f64, f64>,
        show_progress: bool,
    ) -> Result<(EvalResults, ExampleOutputs, Vec<Decision>), ClassificationError> {
        let (outputs, eval_loss) = self.outputs(model, features, true, show_progress)?;
        let per_example = self.per_example(features, outputs);
        let decisions = self.decisions(&per_example);
        let mut results = EvalResults::new();
        results.insert("eval_loss".into(), eval_loss);
        let (labels, preds): (Vec<f64>, Vec<f64>) = match &per_example.targets {
            Targets::MultiHot(targets) => {
                let hot: Vec<Vec<u8>> = targets
                    .iter()
                    .map(|t| t.iter().map(|&v| v as u8).collect())
                    .collect();
                let scores: Vec<Vec<f64>> = per_example
                    .outputs
                    .iter()
                    .map(|o| o.iter().map(|&v| v as f64).collect())
                    .collect();
                results.insert("LRAP".into(), metrics::lrap(&hot, &scores)?);
                // Extra metrics see the flattened label and prediction matrices.
                (
                    targets.iter().flatten().map(|&v| v as f64).collect(),
                    decisions
                        .iter()
                        .flat_map(|d| match d {
                            Decision::MultiHot(h) => h.clone(),
                            _ => Vec::new(),
                        })
                        .map(f64::from)
                        .collect(),
                )
            }
            Targets::Values(values) => (
                values.iter().map(|&v| v as f64).collect(),
                decisions
                    .iter()
                    .map(|d| match d {
                        Decision::Value(v) => *v as f64,
                        _ => f64::NAN,
                    })
                    .collect(),
            ),
            Targets::Classes(classes) => {
                let preds: Vec<usize> = decisions
                    .iter()
                    .map(|d| match d {
                        Decision::Class(c) => *c,
                        _ => 0,
                    })
                    .collect();
                results.extend(classification_metrics(
                    classes,
                    &preds,
                    (!per_example.windowed).then_some(per_example.outputs.as_slice()),
                    self.num_labels(),
                )?);
                (
                    classes.iter().map(|&c| c as f64).collect(),
                    preds.iter().map(|&p| p as f64).collect(),
                )
            }
        };
        results.extend(extra_metrics.evaluate(&labels, &preds));
        Ok((results, per_example, decisions))
    }

    /// `sigmoid outputs >= threshold`, per label.
    fn thresholded(&self, probabilities: &[f32]) -> Vec<u8> {
        let thresholds = self
            .multi_label
            .as_ref()
            .map(|m| m.thresholds.as_slice())
            .unwrap_or(&[]);
        probabilities
            .iter()
            .zip(thresholds)
            .map(|(p, t)| u8::from(p >= t))
            .collect()
    }

    /// A placeholder label for texts to predict (featurisation wants one).
    fn placeholder_label(&self) -> Label {
        if self.multi_label.is_some() {
            Label::MultiHot(vec![0; self.num_labels()])
        } else {
            self.labels.first().cloned().unwrap_or(Label::Int(0))
        }
    }

    /// Predict labels for texts: `(predictions, raw_outputs)` as Python. Regression gives the
    /// value as a `Label::Float`. [`softmax`] turns raw outputs into probabilities.
    pub fn predict(&self, texts: &[&str]) -> Result<Predictions, ClassificationError> {
        let examples: Vec<Example> = texts
            .iter()
            .map(|t| Example::new(*t, self.placeholder_label()))
            .collect();
        self.predict_examples(&examples)
    }

    /// Predict for sentence pairs.
    pub fn predict_pairs(
        &self,
        pairs: &[(&str, &str)],
    ) -> Result<Predictions, ClassificationError> {
        let examples: Vec<Example> = pairs
            .iter()
            .map(|(a, b)| {
                Example::pair(
                    *a,
                    *b,
                    self.labels.first().cloned().unwrap_or(Label::Int(0)),
                )
            })
            .collect();
        self.predict_examples(&examples)
    }

    fn predict_examples(&self, examples: &[Example]) -> Result<Predictions, ClassificationError> {
        let features = self.featurise(examples)?;
        let show = !self.args.model.silent;
        let (outputs, _) = self.outputs(&self.classifier.model.valid(), &features, false, show)?;
        let per_example = self.per_example(&features, outputs);
        let predictions = self
            .decisions(&per_example)
            .into_iter()
            .map(|decision| match decision {
                Decision::MultiHot(h) => Label::MultiHot(h),
                Decision::Value(v) => Label::Float(v as f64),
                Decision::Class(c) => self.labels.get(c).cloned().unwrap_or(Label::Int(c as i64)),
            })
            .collect();
        Ok((predictions, per_example.outputs))
    }

    /// Save a directory that reloads here (with its `model_args.json`) and in Python
    /// `transformers` (`AutoModelForSequenceClassification`), atomically.
    pub fn save_model(&self, output_dir: &Path) -> Result<(), ClassificationError> {
        let staged = st_core::staging::StagedDir::new(output_dir)
            .map_err(|e| st_core::Error::io(output_dir, e))?;
        self.write_model(&self.classifier.model, staged.path())?;
        staged
            .commit()
            .map_err(|e| st_core::Error::io(output_dir, e))?;
        Ok(())
    }

    fn write_model(
        &self,
        model: &SequenceClassifier<B>,
        dir: &Path,
    ) -> Result<(), ClassificationError> {
        let labels = LabelConfig {
            labels: if self.args.regression {
                vec!["LABEL_0".into()]
            } else {
                self.labels.iter().map(Label::key).collect()
            },
            problem_type: if self.multi_label.is_some() {
                "multi_label_classification".into()
            } else if self.args.regression {
                "regression".into()
            } else {
                "single_label_classification".into()
            },
        };
        let snapshot = LoadedClassifier {
            model: model.clone(),
            arch: self.classifier.arch.clone(),
            encoder_config: self.classifier.encoder_config.clone(),
            kind: self.classifier.kind,
            num_labels: self.classifier.num_labels,
            config: self.classifier.config.clone(),
            report: Default::default(),
        };
        save_classifier(&snapshot, &labels, &self.source_dir, dir)?;
        if !self.args.special_tokens_list.is_empty() {
            // The source's tokenizer files lack the added tokens: write ours over them.
            self.tokenizer.save_json(&dir.join("tokenizer.json"))?;
        }
        self.args.save(dir)?;
        Ok(())
    }

    fn batch_input<BB: Backend>(
        &self,
        features: &Features,
        indices: &[usize],
        device: &BB::Device,
    ) -> EncoderInput<BB> {
        let seq = indices
            .iter()
            .map(|&i| features.ids[i].len())
            .max()
            .unwrap_or(0);
        let pad = i64::from(self.tokenizer.pad_id());
        let mut ids = vec![pad; indices.len() * seq];
        let mut mask = vec![0i64; indices.len() * seq];
        let mut types = vec![0i64; indices.len() * seq];
        for (row, &i) in indices.iter().enumerate() {
            let start = row * seq;
            let n = features.ids[i].len();
            ids[start..start + n].copy_from_slice(&features.ids[i]);
            mask[start..start + n].fill(1);
            types[start..start + n].copy_from_slice(&features.type_ids[i]);
        }
        let shape = [indices.len(), seq];
        let tensor = |v: &[i64]| Tensor::<BB, 1, Int>::from_ints(v, device).reshape(shape);
        EncoderInput {
            input_ids: tensor(&ids),
            attention_mask: tensor(&mask),
            token_type_ids: self
                .classifier
                .arch
                .uses_token_type_ids()
                .then(|| tensor(&types)),
            position_ids: None,
        }
    }

    fn loss<BB: Backend>(
        &self,
        logits: Tensor<BB, 2>,
        targets: &Targets,
        indices: &[usize],
    ) -> Tensor<BB, 1> {
        let device = logits.device();
        match targets {
            Targets::Classes(classes) => {
                let ids: Vec<i64> = indices.iter().map(|&i| classes[i] as i64).collect();
                let weights = self
                    .weight
                    .as_ref()
                    .map(|w| Tensor::<BB, 1>::from_floats(w.as_slice(), &device));
                cross_entropy(logits, Tensor::from_ints(ids.as_slice(), &device), weights)
            }
            Targets::MultiHot(targets) => {
                let flat: Vec<f32> = indices.iter().flat_map(|&i| targets[i].clone()).collect();
                let [n, c] = logits.dims();
                let targets =
                    Tensor::<BB, 1>::from_floats(flat.as_slice(), &device).reshape([n, c]);
                let pos_weight = self
                    .multi_label
                    .as_ref()
                    .and_then(|m| m.pos_weight.as_ref())
                    .map(|w| Tensor::<BB, 1>::from_floats(w.as_slice(), &device));
                bce_with_logits(logits, targets, pos_weight)
            }
            Targets::Values(values) => {
                let v: Vec<f32> = indices.iter().map(|&i| values[i]).collect();
                let [n, _] = logits.dims();
                mse(
                    logits.reshape([n]),
                    Tensor::from_floats(v.as_slice(), &device),
                )
            }
        }
    }
}

fn to_i64(ids: &[u32]) -> Vec<i64> {
    ids.iter().map(|&x| i64::from(x)).collect()
}

/// The labels a checkpoint declares in `id2label`, or `0..num_labels`.
fn stored_labels(config: &serde_json::Value, num_labels: usize) -> Vec<Label> {
    (0..num_labels)
        .map(|i| {
            config["id2label"][i.to_string()]
                .as_str()
                .filter(|name| !name.starts_with("LABEL_"))
                .map(Label::from)
                .unwrap_or(Label::Int(i as i64))
        })
        .collect()
}

fn argmax(values: &[f32]) -> usize {
    values
        .iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (i, &v)| {
            if v > best.1 { (i, v) } else { best }
        })
        .0
}

/// Softmax over each row of raw outputs: class probabilities.
pub fn softmax(outputs: &[Vec<f32>]) -> Vec<Vec<f32>> {
    outputs
        .iter()
        .map(|row| {
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let exps: Vec<f32> = row.iter().map(|v| (v - max).exp()).collect();
            let sum: f32 = exps.iter().sum();
            exps.iter().map(|e| e / sum).collect()
        })
        .collect()
}

/// Python's classification metrics: the binary set for two labels, mcc otherwise.
/// With sliding windows (`outputs` = None) the binary set is mcc, tp, tn, fp, fn, as Python.
fn classification_metrics(
    labels: &[usize],
    preds: &[usize],
    outputs: Option<&[Vec<f32>]>,
    num_labels: usize,
) -> Result<BTreeMap<String, f64>, ClassificationError> {
    let mut results = BTreeMap::new();
    results.insert("mcc".into(), metrics::mcc(labels, preds)?);
    if num_labels != 2 {
        return Ok(results);
    }
    let confusion = metrics::confusion_binary(labels, preds)?;
    results.insert("tp".into(), confusion.tp as f64);
    results.insert("tn".into(), confusion.tn as f64);
    results.insert("fp".into(), confusion.fp as f64);
    results.insert("fn".into(), confusion.fn_ as f64);
    let Some(outputs) = outputs else {
        return Ok(results);
    };
    results.insert("accuracy".into(), metrics::accuracy(labels, preds)?);
    results.insert(
        "f1_score".into(),
        metrics::f1_score(labels, preds, Average::Macro)?,
    );
    results.insert("tp".into(), confusion.tp as f64);
    results.insert("tn".into(), confusion.tn as f64);
    results.insert("fp".into(), confusion.fp as f64);
    results.insert("fn".into(), confusion.fn_ as f64);
    let scores: Vec<f64> = softmax(outputs).iter().map(|p| p[1] as f64).collect();
    // Python reports NaN (with a warning) when the evaluation data has one class only.
    let or_nan = |r: Result<f64, metrics::MetricError>, name: &str| {
        r.unwrap_or_else(|e| {
            tracing::warn!("{name} is undefined here ({e}); reporting NaN");
            f64::NAN
        })
    };
    results.insert(
        "auroc".into(),
        or_nan(metrics::roc_auc(labels, &scores), "auroc"),
    );
    results.insert(
        "auprc".into(),
        or_nan(metrics::average_precision(labels, &scores), "auprc"),
    );
    Ok(results)
}

/// Where training examples come from.
enum TrainSource {
    /// Featurised up front.
    Memory(Features),
    /// Read and featurised batch by batch.
    Lazy(crate::lazy::LazyFile),
}

impl Targets {
    /// The targets of rows `indices`.
    fn select(&self, indices: &[usize]) -> Targets {
        match self {
            Targets::Classes(c) => Targets::Classes(indices.iter().map(|&i| c[i]).collect()),
            Targets::Values(v) => Targets::Values(indices.iter().map(|&i| v[i]).collect()),
            Targets::MultiHot(m) => {
                Targets::MultiHot(indices.iter().map(|&i| m[i].clone()).collect())
            }
        }
    }

    fn len(&self) -> usize {
        match self {
            Targets::Classes(c) => c.len(),
            Targets::Values(v) => v.len(),
            Targets::MultiHot(m) => m.len(),
        }
    }
}

/// The trainer's view of a classification model.
struct ClassifierTask<'a, B: AutodiffBackend> {
    owner: &'a ClassificationModel<B>,
    train: TrainSource,
    eval: Option<Features>,
    extra_metrics: Metrics<f64, f64>,
}

impl<B: AutodiffBackend> Task<B> for ClassifierTask<'_, B> {
    type Model = SequenceClassifier<B>;
    /// The model input and the targets of its rows.
    type Batch = (EncoderInput<B>, Targets);

    fn num_train_examples(&self) -> usize {
        match &self.train {
            TrainSource::Memory(features) => features.ids.len(),
            TrainSource::Lazy(file) => file.len(),
        }
    }

    fn train_batch(
        &self,
        indices: &[usize],
        device: &B::Device,
    ) -> Result<Self::Batch, TrainError> {
        let task_error = |e: ClassificationError| TrainError::Task(e.to_string());
        match &self.train {
            TrainSource::Memory(features) => Ok((
                self.owner.batch_input::<B>(features, indices, device),
                features.targets.select(indices),
            )),
            TrainSource::Lazy(file) => {
                let examples = file.examples(indices).map_err(|e| task_error(e.into()))?;
                let features = self.owner.featurise(&examples).map_err(task_error)?;
                let rows: Vec<usize> = (0..features.ids.len()).collect();
                Ok((
                    self.owner.batch_input::<B>(&features, &rows, device),
                    features.targets,
                ))
            }
        }
    }

    fn loss(&self, model: &Self::Model, (input, targets): Self::Batch) -> Tensor<B, 1> {
        let rows: Vec<usize> = (0..targets.len()).collect();
        self.owner.loss(model.forward(input), &targets, &rows)
    }

    fn has_eval_data(&self) -> bool {
        self.eval.is_some()
    }

    fn evaluate(&mut self, model: &Self::Model) -> Result<EvalResults, TrainError> {
        let eval = self.eval.as_ref().ok_or(TrainError::NoEvalData)?;
        self.owner
            .evaluate_features(
                &model.valid(),
                eval,
                &self.extra_metrics,
                // As Python: evaluations during training are quiet unless asked otherwise.
                !(self.owner.args.model.silent
                    || self.owner.args.model.evaluate_during_training_silent),
            )
            .map(|(results, _, _)| results)
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

//! `NerModel`: Simple Transformers' `NERModel` — token classification as features + head +
//! metrics on the shared [`TaskModel`] lifecycle, with windows so that no word of a long
//! sentence is ever dropped.

use std::collections::HashMap;
use std::path::Path;

use burn::module::AutodiffModule;
use burn::tensor::Tensor;
use burn::tensor::backend::{AutodiffBackend, Backend};
use serde::{Deserialize, Serialize};
use st_core::backend::{DeviceRequest, TrainBackend};
use st_core::hub::HubOptions;
use st_core::metrics::{self, Metrics};
use st_core::task::{ArgsInput, Mode, Prepared, TaskBase, TaskModel, pick};
use st_core::text::TextFile;
use st_core::train::{EvalResults, TrainError};
use st_core::weights::NameMap;
use st_models::loss::CustomLoss;
use st_models::task::config_labels;
use st_models::{EncoderInput, EncoderSpec, HeadTask, ModelError, SameNames, assemble};

use crate::args::{DEFAULT_LABELS, NerArgs};
use crate::data::{DataError, LazyConll, Sentence, label_list, read_conll};
use crate::features::Window;
use crate::model::{TokenClassifier, save_token_classifier, token_head};

mod inference;

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
    #[error(transparent)]
    Loss(#[from] st_models::loss::LossConfigError),
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

st_core::core_error_conversions!(NerError);

/// Constructor options besides `model_type` and `model_name` (Python's keyword arguments).
#[derive(Debug, Clone, Default)]
pub struct NerOptions {
    /// The tags (Python's `labels`). Must equal `args.labels_list` when both are given; when
    /// neither is, a saved model's `id2label` or else Python's CoNLL default list is used.
    pub labels: Option<Vec<String>>,
    /// Class weights for the cross-entropy loss, one per tag.
    pub weight: Option<Vec<f32>>,
    /// Arguments replacing a saved `model_args.json` (Python: an args object).
    pub args: Option<NerArgs>,
    /// A JSON object of arguments merged over the saved ones (Python: an args dict).
    pub overrides: Option<serde_json::Value>,
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

/// The loss over the labelled tokens: weighted cross-entropy, or `loss_type`.
#[derive(Debug, Clone)]
enum Objective {
    CrossEntropy(Option<Vec<f32>>),
    Custom(CustomLoss),
}

/// Named-entity recognition (token classification) with Simple Transformers' API.
#[derive(Debug)]
pub struct NerModel<B: AutodiffBackend = TrainBackend> {
    base: TaskBase<B, TokenClassifier<B>, NerArgs>,
    spec: EncoderSpec,
    label_ids: HashMap<String, usize>,
    objective: Objective,
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

/// A padded batch with the positions (flat `row × seq + token`) and tags of its labelled
/// tokens.
#[derive(Debug)]
pub struct Batch<B: Backend> {
    input: EncoderInput<B>,
    positions: Vec<i64>,
    targets: Vec<i64>,
}

/// Training windows, or a lazily read file.
pub type TrainRows = st_core::task::TrainRows<Window, LazyConll>;

/// Featurised evaluation sentences: their windows, and each sentence's gold tags.
#[derive(Debug, Clone)]
pub struct EvalRows {
    windows: Vec<Window>,
    truth: Vec<Vec<String>>,
}

impl<B: AutodiffBackend> TaskModel<B> for NerModel<B> {
    type Args = NerArgs;
    type Options = NerOptions;
    type Error = NerError;
    type Module = TokenClassifier<B>;
    type Example = Sentence;
    type Input<'a> = &'a str;
    type Predictions = NerPredictions;
    type Metrics = Metrics<Vec<String>, Vec<String>>;
    type EvalDetails = (Vec<Vec<WordLogits>>, Vec<Vec<String>>);
    type EvalOutput = NerEval;
    type TrainRows = TrainRows;
    type EvalRows = EvalRows;
    type Batch = Batch<B>;

    fn with_device(
        model_type: &str,
        model_name: &str,
        options: NerOptions,
        device: B::Device,
    ) -> Result<Self, NerError> {
        let input = ArgsInput {
            args: options.args.as_ref(),
            overrides: options.overrides.as_ref(),
        };
        let mut prepared = Prepared::<NerArgs>::open(model_type, model_name, input, &options.hub)?;
        let args = &mut prepared.args;
        args.labels_list = resolve_labels(options.labels, &args.labels_list, &prepared.config)?;
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
        let loss_type = args.model.loss_type.as_deref().filter(|t| !t.is_empty());
        let custom =
            CustomLoss::for_model(loss_type, &args.model.loss_args, options.weight.is_some())?;
        let objective = match custom {
            Some(loss) => {
                loss.check_classes(num_labels)?;
                Objective::Custom(loss)
            }
            None => Objective::CrossEntropy(options.weight),
        };
        let label_ids = (args.labels_list.iter().enumerate())
            .map(|(i, l)| (l.clone(), i))
            .collect();
        let special = prepared.args.special_tokens_list.clone();
        let head =
            |spec: &mut EncoderSpec, device: &B::Device| token_head(spec, num_labels, device);
        let task = HeadTask::TokenClassification;
        let (base, spec) = assemble(model_type, prepared, &special, task, head, device)?;
        Ok(Self {
            base,
            spec,
            label_ids,
            objective,
        })
    }

    fn base(&self) -> &TaskBase<B, TokenClassifier<B>, NerArgs> {
        &self.base
    }

    fn base_mut(&mut self) -> &mut TaskBase<B, TokenClassifier<B>, NerArgs> {
        &mut self.base
    }

    /// A CoNLL file (word … tag per line, blank lines between sentences) in the `encoding`
    /// argument's encoding.
    fn read_examples(&self, path: &Path) -> Result<Vec<Sentence>, NerError> {
        let file = TextFile::new(path, self.args().model.encoding.as_deref());
        Ok(read_conll(file, self.labels())?)
    }

    fn train_rows(&self, sentences: &[Sentence]) -> Result<TrainRows, NerError> {
        Ok(TrainRows::Memory(
            self.cached_windows(sentences, Mode::Train)?,
        ))
    }

    /// With `lazy_loading`, the CoNLL file is indexed (every line checked up front) and read
    /// sentence by sentence as batches need them.
    fn train_rows_from_file(&self, path: &Path) -> Result<TrainRows, NerError> {
        let args = self.args();
        if !args.lazy_loading {
            return self.train_rows(&self.read_examples(path)?);
        }
        let file = TextFile::new(path, args.model.encoding.as_deref());
        let lazy = LazyConll::index(file, args.lazy_loading_start_line, self.labels())?;
        Ok(TrainRows::Lazy(lazy))
    }

    fn num_train_rows(rows: &TrainRows) -> usize {
        rows.len()
    }

    fn train_batch(
        &self,
        rows: &TrainRows,
        indices: &[usize],
        _seed: u64,
        device: &B::Device,
    ) -> Result<Batch<B>, NerError> {
        Ok(match rows {
            TrainRows::Memory(windows) => self.batch::<B>(&pick(windows, indices), device),
            TrainRows::Lazy(file) => {
                let windows = self.featurise(&file.sentences(indices)?, Mode::Train)?;
                let refs: Vec<&Window> = windows.iter().collect();
                self.batch::<B>(&refs, device)
            }
        })
    }

    fn loss(&self, module: &TokenClassifier<B>, batch: Batch<B>) -> Tensor<B, 1> {
        let logits = module.forward(batch.input);
        self.objective_loss(logits, &batch.positions, &batch.targets)
    }

    fn eval_rows(&self, sentences: &[Sentence]) -> Result<EvalRows, NerError> {
        Ok(EvalRows {
            windows: self.cached_windows(sentences, Mode::Eval)?,
            truth: sentences.iter().map(|s| s.labels.clone()).collect(),
        })
    }

    /// `eval_loss` (mean batch loss), `precision`, `recall` and `f1_score` (seqeval, entity
    /// level, micro average) and the extra metrics, called with the true and predicted tag
    /// sequences. With `classification_report` also seqeval's per-type rows as
    /// `"{type}/precision"`, `"{type}/recall"`, `"{type}/f1-score"`, `"{type}/support"` (and
    /// the three averages), and the report is logged as text.
    fn evaluate(
        &self,
        module: &<TokenClassifier<B> as AutodiffModule<B>>::InnerModule,
        rows: &EvalRows,
        metrics: &Self::Metrics,
        show_progress: bool,
    ) -> Result<(EvalResults, Self::EvalDetails), NerError> {
        let lengths: Vec<usize> = rows.truth.iter().map(Vec::len).collect();
        let (outputs, eval_loss) =
            self.word_outputs(module, &lengths, &rows.windows, true, show_progress)?;
        let predictions: Vec<Vec<String>> = outputs
            .iter()
            .map(|words| words.iter().map(|w| self.tag(w).0).collect())
            .collect();
        let report = metrics::seqeval_report(&rows.truth, &predictions)?;
        let mut result = EvalResults::new();
        result.insert("eval_loss".into(), eval_loss);
        result.insert("precision".into(), report.micro_avg.precision);
        result.insert("recall".into(), report.micro_avg.recall);
        result.insert("f1_score".into(), report.micro_avg.f1);
        if self.args().classification_report {
            tracing::info!("classification report:\n{}", report.to_text(4));
            let averages = [
                ("micro avg", &report.micro_avg),
                ("macro avg", &report.macro_avg),
                ("weighted avg", &report.weighted_avg),
            ];
            let per_type = report.per_type.iter().map(|(k, v)| (k.as_str(), v));
            for (name, row) in per_type.chain(averages) {
                result.insert(format!("{name}/precision"), row.precision);
                result.insert(format!("{name}/recall"), row.recall);
                result.insert(format!("{name}/f1-score"), row.f1);
                result.insert(format!("{name}/support"), row.support as f64);
            }
        }
        result.extend(metrics.evaluate(&rows.truth, &predictions));
        Ok((result, (outputs, predictions)))
    }

    fn metric_names(&self, metrics: &Self::Metrics) -> Vec<String> {
        let mut names: Vec<String> = ["eval_loss", "precision", "recall", "f1_score"]
            .map(String::from)
            .into();
        if self.args().classification_report {
            // seqeval's rows: one per entity type (the tag without its B-/I-… prefix) and the
            // three averages.
            let mut rows: Vec<&str> = (self.labels().iter())
                .filter_map(|tag| {
                    tag.get(2..)
                        .filter(|_| tag.as_bytes().get(1) == Some(&b'-'))
                })
                .collect();
            rows.sort_unstable();
            rows.dedup();
            rows.extend(["micro avg", "macro avg", "weighted avg"]);
            for row in rows {
                for column in ["precision", "recall", "f1-score", "support"] {
                    names.push(format!("{row}/{column}"));
                }
            }
        }
        names.extend(metrics.iter().map(|m| m.name().to_string()));
        names
    }

    fn eval_output(
        &self,
        _sentences: &[Sentence],
        results: EvalResults,
        (outputs, predictions): Self::EvalDetails,
    ) -> Result<NerEval, NerError> {
        Ok((results, outputs, predictions))
    }

    /// Tag sentences given as text, split on whitespace (Python's `split_on_space=True`).
    fn predict_inputs(&self, texts: &[&str]) -> Result<NerPredictions, NerError> {
        let words: Vec<Vec<&str>> = texts
            .iter()
            .map(|t| t.split_whitespace().collect())
            .collect();
        self.predict_words(&words)
    }

    fn name_map(&self) -> Box<dyn NameMap + '_> {
        Box::new(self.spec.task_names(Box::new(SameNames)))
    }

    /// Weights and `config.json` with the tags as `id2label`: the directory loads in Python
    /// `transformers` as `AutoModelForTokenClassification`.
    fn write_weights(&self, module: &TokenClassifier<B>, dir: &Path) -> Result<(), NerError> {
        save_token_classifier(module, &self.spec, self.labels(), dir)?;
        Ok(())
    }
}

//! `ClassificationModel`: Simple Transformers' sequence classification — binary, multi-class,
//! regression, sentence pairs and (with [`crate::MultiLabelClassificationArgs`]) multi-label —
//! as features + head + metrics on the shared [`TaskModel`] lifecycle.

mod features;
mod objective;
mod outputs;

use std::collections::HashMap;
use std::path::Path;

use burn::module::AutodiffModule;
use burn::tensor::Tensor;
use burn::tensor::backend::AutodiffBackend;
use st_core::backend::{DeviceRequest, TrainBackend};
use st_core::hub::HubOptions;
use st_core::metrics::Metrics;
use st_core::task::{ArgsInput, Mode, Prepared, TaskBase, TaskModel};
use st_core::text::TextFile;
use st_core::train::{EvalResults, TrainError};
use st_core::weights::NameMap;
use st_models::{EncoderInput, EncoderSpec, HeadTask, ModelError, assemble};

pub use features::{Features, Targets};
use objective::{Objective, ObjectiveChoice};
pub use outputs::{Evaluated, softmax};

use crate::args::{ClassificationArgs, ClassifierArgs, Threshold};
use crate::data::{Example, Label};
use crate::lazy::LazyFile;
use crate::model::{LabelConfig, SequenceClassifier, classification_head, config_num_labels};

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
    #[error(transparent)]
    Loss(#[from] st_models::loss::LossConfigError),
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
    #[error("{0} is not supported")]
    Unsupported(&'static str),
    #[error("{option} does not apply to this model; use {instead}")]
    WrongOption {
        option: &'static str,
        instead: &'static str,
    },
    #[error(
        "argument \"tie_value\": {tie_value} is not a class index (the model has {num_labels} labels)"
    )]
    TieValue { tie_value: usize, num_labels: usize },
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

st_core::core_error_conversions!(ClassificationError);

/// `eval_model`'s result: Python's `(result, model_outputs, wrong_predictions)`.
pub type EvalOutput = (EvalResults, Vec<Vec<f32>>, Vec<Example>);

/// `predict`'s result: Python's `(predictions, raw_outputs)`.
pub type Predictions = (Vec<Label>, Vec<Vec<f32>>);

/// Constructor options besides `model_type` and `model_name` (Python's keyword arguments).
#[derive(Debug, Clone, Default)]
pub struct ClassifierOptions<A> {
    /// Number of labels; from `labels_list`, else the checkpoint's `id2label`, else 2.
    pub num_labels: Option<usize>,
    /// Class weights of the cross-entropy loss (single-label classification).
    pub weight: Option<Vec<f32>>,
    /// BCE weight of the positive class, per label (multi-label classification).
    pub pos_weight: Option<Vec<f32>>,
    /// Arguments replacing a saved `model_args.json` (Python: an args object).
    pub args: Option<A>,
    /// A JSON object of arguments merged over the saved ones (Python: an args dict).
    pub overrides: Option<serde_json::Value>,
    pub device: DeviceRequest,
    pub hub: HubOptions,
}

/// Options of a [`ClassificationModel`].
pub type ClassificationOptions = ClassifierOptions<ClassificationArgs>;

/// Sequence classification with Simple Transformers' API; `A` is
/// [`MultiLabelClassificationArgs`] for [`crate::MultiLabelClassificationModel`].
#[derive(Debug)]
pub struct ClassificationModel<
    B: AutodiffBackend = TrainBackend,
    A: ClassifierArgs = ClassificationArgs,
> {
    base: TaskBase<B, SequenceClassifier<B>, A>,
    spec: EncoderSpec,
    labels: Vec<Label>,
    label_ids: HashMap<String, usize>,
    objective: Objective,
    /// Multi-label decision thresholds, one per label.
    multi_label: Option<Vec<f32>>,
}

impl<A: ClassifierArgs> ClassificationModel<TrainBackend, A> {
    /// Load `model_name` (local directory or hub id) as a `model_type` classifier on the
    /// default backend: single-label with [`ClassificationOptions`], multi-label with
    /// [`crate::MultiLabelOptions`].
    pub fn new(
        model_type: &str,
        model_name: &str,
        options: ClassifierOptions<A>,
    ) -> Result<Self, ClassificationError> {
        let device = options.device.device()?;
        Self::with_device(model_type, model_name, options, device)
    }
}

/// How many labels: `num_labels`, else `labels_list`, else one for regression, else the
/// checkpoint's, else 2.
fn resolve_num_labels(
    given: Option<usize>,
    args: &ClassificationArgs,
    config: &serde_json::Value,
) -> Result<usize, ClassificationError> {
    let listed = args.labels_list.len();
    Ok(match (given, listed) {
        (Some(n), l) if l > 0 && l != n => {
            return Err(ClassificationError::LabelCount {
                num_labels: n,
                listed: l,
            });
        }
        (Some(n), _) => n,
        (None, l) if l > 0 => l,
        (None, _) if args.regression => 1,
        (None, _) => config_num_labels(config).unwrap_or(2),
    })
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

/// Per-label thresholds from the `threshold` argument.
fn thresholds(threshold: &Threshold, n: usize) -> Result<Vec<f32>, ClassificationError> {
    match threshold {
        Threshold::All(t) => Ok(vec![*t as f32; n]),
        Threshold::PerLabel(ts) if ts.len() == n => Ok(ts.iter().map(|&t| t as f32).collect()),
        Threshold::PerLabel(ts) => Err(ClassificationError::PerLabelCount {
            what: "threshold",
            expected: n,
            found: ts.len(),
        }),
    }
}

impl<B: AutodiffBackend, A: ClassifierArgs> ClassificationModel<B, A> {
    /// Number of outputs of the head.
    pub fn num_labels(&self) -> usize {
        self.base.module.head.out_proj.weight.dims()[1]
    }

    /// The labels, in class-index order (empty for regression and multi-label).
    pub fn labels(&self) -> &[Label] {
        &self.labels
    }

    /// Predict for sentence pairs.
    pub fn predict_pairs(
        &self,
        pairs: &[(&str, &str)],
    ) -> Result<Predictions, ClassificationError> {
        let examples: Vec<Example> = pairs
            .iter()
            .map(|(a, b)| Example::pair(*a, *b, self.placeholder_label()))
            .collect();
        self.base.compute(|| self.predict_examples(&examples))
    }

    /// A placeholder label for texts to predict (featurisation wants one).
    fn placeholder_label(&self) -> Label {
        if self.multi_label.is_some() {
            Label::MultiHot(vec![0; self.num_labels()])
        } else {
            self.labels.first().cloned().unwrap_or(Label::Int(0))
        }
    }

    fn predict_examples(&self, examples: &[Example]) -> Result<Predictions, ClassificationError> {
        let features = self.featurise(examples, Mode::Eval)?;
        let show = !self.args().model().silent;
        let model = self.base.module.valid();
        let (outputs, _) = self.outputs(&model, &features, false, show)?;
        let evaluated = self.evaluated(&features, outputs);
        let predictions = evaluated
            .decisions
            .iter()
            .map(|decision| match decision {
                outputs::Decision::MultiHot(h) => Label::MultiHot(h.clone()),
                outputs::Decision::Value(v) => Label::Float(*v as f64),
                outputs::Decision::Class(c) => self
                    .labels
                    .get(*c)
                    .cloned()
                    .unwrap_or(Label::Int(*c as i64)),
            })
            .collect();
        Ok((predictions, evaluated.outputs))
    }

    /// The labels as `config.json` records them.
    fn label_config(&self) -> LabelConfig {
        let args = self.args().classification();
        LabelConfig {
            labels: if args.regression {
                vec!["LABEL_0".into()]
            } else {
                self.labels.iter().map(Label::key).collect()
            },
            problem_type: if self.multi_label.is_some() {
                "multi_label_classification".into()
            } else if args.regression {
                "regression".into()
            } else {
                "single_label_classification".into()
            },
        }
    }
}

/// Where training rows come from.
#[derive(Debug)]
pub enum TrainRows {
    /// Featurised up front.
    Memory(Features),
    /// Read and featurised batch by batch (`lazy_loading`).
    Lazy(LazyFile),
}

/// A batch: the model input and the targets of its rows.
#[derive(Debug)]
pub struct Batch<B: AutodiffBackend> {
    input: EncoderInput<B>,
    targets: Targets,
}

impl<B: AutodiffBackend, A: ClassifierArgs> TaskModel<B> for ClassificationModel<B, A> {
    type Args = A;
    type Options = ClassifierOptions<A>;
    type Error = ClassificationError;
    type Module = SequenceClassifier<B>;
    type Example = Example;
    type Input<'a> = &'a str;
    type Predictions = Predictions;
    type Metrics = Metrics<f64, f64>;
    type EvalDetails = Evaluated;
    type EvalOutput = EvalOutput;
    type TrainRows = TrainRows;
    type EvalRows = Features;
    type Batch = Batch<B>;

    fn with_device(
        model_type: &str,
        model_name: &str,
        options: ClassifierOptions<A>,
        device: B::Device,
    ) -> Result<Self, ClassificationError> {
        let input = ArgsInput {
            args: options.args.as_ref(),
            overrides: options.overrides.as_ref(),
        };
        let mut prepared = Prepared::<A>::open(model_type, model_name, input, &options.hub)?;
        let multi = prepared.args.threshold().cloned();
        let config = &prepared.config;
        let args = prepared.args.classification_mut();
        let num_labels = resolve_num_labels(options.num_labels, args, config)?;
        args.regression |= num_labels == 1 && multi.is_none();
        if args.labels_list.is_empty() && !args.regression {
            args.labels_list = stored_labels(config, num_labels);
        }
        if args.labels_map.is_empty() {
            args.labels_map = (args.labels_list.iter().enumerate())
                .map(|(i, l)| (l.key(), i))
                .collect();
        }
        if args.sliding_window && !args.regression && args.tie_value >= num_labels {
            return Err(ClassificationError::TieValue {
                tie_value: args.tie_value,
                num_labels,
            });
        }
        let objective = Objective::new(ObjectiveChoice {
            num_labels,
            multi_label: multi.is_some(),
            regression: args.regression,
            weight: options.weight,
            pos_weight: options.pos_weight,
            loss_type: args.model.loss_type.as_deref().filter(|t| !t.is_empty()),
            loss_args: &args.model.loss_args,
        })?;
        let multi_label = multi.map(|t| thresholds(&t, num_labels)).transpose()?;
        let (labels, label_ids) = (
            args.labels_list.clone(),
            args.labels_map
                .iter()
                .map(|(k, &v)| (k.clone(), v))
                .collect(),
        );
        let special_tokens = args.special_tokens_list.clone();
        let head = |spec: &mut EncoderSpec, device: &B::Device| {
            classification_head(spec, num_labels, device)
        };
        let (base, spec) = assemble(
            model_type,
            prepared,
            &special_tokens,
            HeadTask::SequenceClassification,
            head,
            device,
        )?;
        Ok(Self {
            base,
            spec,
            labels,
            label_ids,
            objective,
            multi_label,
        })
    }

    fn base(&self) -> &TaskBase<B, SequenceClassifier<B>, A> {
        &self.base
    }

    fn base_mut(&mut self) -> &mut TaskBase<B, SequenceClassifier<B>, A> {
        &mut self.base
    }

    /// CSV, TSV or JSONL with text(s) and labels (multi-hot lists for multi-label), read in
    /// the `encoding` argument's encoding.
    fn read_examples(&self, path: &Path) -> Result<Vec<Example>, ClassificationError> {
        let file = TextFile::new(path, self.args().model().encoding.as_deref());
        if self.multi_label.is_some() {
            let rows = crate::files::read_multilabel_examples(file, Some(self.num_labels()))?;
            return Ok(rows
                .into_iter()
                .map(|(text, hot)| Example::new(text, hot))
                .collect());
        }
        Ok(crate::files::read_examples(
            file,
            self.args().classification().regression,
        )?)
    }

    fn train_rows(&self, examples: &[Example]) -> Result<TrainRows, ClassificationError> {
        if examples.is_empty() {
            return Err(ClassificationError::Empty);
        }
        Ok(TrainRows::Memory(
            self.cached_features(examples, Mode::Train)?,
        ))
    }

    /// With `lazy_loading` the file is a delimited file read with the `lazy_*` arguments, line
    /// by line as batches need it (every line is checked first); otherwise it is read whole.
    fn train_rows_from_file(&self, path: &Path) -> Result<TrainRows, ClassificationError> {
        let args = self.args().classification();
        if !args.lazy_loading {
            return self.train_rows(&self.read_examples(path)?);
        }
        let lazy = LazyFile::index(path, args, &|example| {
            self.targets(std::slice::from_ref(example))
                .map(|_| ())
                .map_err(|e| e.to_string().replacen("example 0: ", "", 1))
        })?;
        Ok(TrainRows::Lazy(lazy))
    }

    fn num_train_rows(rows: &TrainRows) -> usize {
        match rows {
            TrainRows::Memory(features) => features.ids.len(),
            TrainRows::Lazy(file) => file.len(),
        }
    }

    fn train_batch(
        &self,
        rows: &TrainRows,
        indices: &[usize],
        _seed: u64,
        device: &B::Device,
    ) -> Result<Batch<B>, ClassificationError> {
        Ok(match rows {
            TrainRows::Memory(features) => Batch {
                input: self.batch_input::<B>(features, indices, device),
                targets: features.targets.select(indices),
            },
            TrainRows::Lazy(file) => {
                let features = self.featurise(&file.examples(indices)?, Mode::Train)?;
                let all: Vec<usize> = (0..features.ids.len()).collect();
                Batch {
                    input: self.batch_input::<B>(&features, &all, device),
                    targets: features.targets,
                }
            }
        })
    }

    fn loss(&self, module: &SequenceClassifier<B>, batch: Batch<B>) -> Tensor<B, 1> {
        let rows: Vec<usize> = (0..batch.targets.len()).collect();
        self.objective
            .loss(module.forward(batch.input), &batch.targets, &rows)
    }

    fn eval_rows(&self, examples: &[Example]) -> Result<Features, ClassificationError> {
        if examples.is_empty() {
            return Err(ClassificationError::Empty);
        }
        self.cached_features(examples, Mode::Eval)
    }

    /// Result keys as Python: binary — mcc, accuracy, f1_score, tp, tn, fp, fn, auroc, auprc,
    /// eval_loss (with `sliding_window`: mcc, tp, tn, fp, fn, eval_loss); multi-class — mcc,
    /// eval_loss; regression — eval_loss; multi-label — LRAP, eval_loss; plus the extra
    /// metrics (called with class indices, values, or the flattened multi-hot matrices).
    fn evaluate(
        &self,
        module: &<SequenceClassifier<B> as AutodiffModule<B>>::InnerModule,
        rows: &Features,
        metrics: &Metrics<f64, f64>,
        show_progress: bool,
    ) -> Result<(EvalResults, Evaluated), ClassificationError> {
        self.evaluate_features(module, rows, metrics, show_progress)
    }

    fn metric_names(&self, metrics: &Metrics<f64, f64>) -> Vec<String> {
        let builtin = self.builtin_metric_names().into_iter().map(String::from);
        builtin
            .chain(metrics.iter().map(|m| m.name().to_string()))
            .collect()
    }

    /// `model_outputs` has one row per example; with `sliding_window` the row holds every
    /// window's outputs, window after window (`windows × num_labels`), as Python returns an
    /// array of window outputs per example. `wrong_predictions` are the misclassified examples.
    fn eval_output(
        &self,
        examples: &[Example],
        results: EvalResults,
        evaluated: Evaluated,
    ) -> Result<EvalOutput, ClassificationError> {
        let wrong = (examples.iter().enumerate())
            .filter(|(i, _)| !evaluated.is_right(*i))
            .map(|(_, e)| e.clone())
            .collect();
        Ok((results, evaluated.outputs, wrong))
    }

    /// `(predictions, raw_outputs)`: labels (a `Label::Float` for regression, multi-hot rows
    /// by threshold for multi-label) and logits (sigmoid probabilities for multi-label);
    /// [`softmax`] turns logits into probabilities.
    fn predict_inputs(&self, texts: &[&str]) -> Result<Predictions, ClassificationError> {
        let examples: Vec<Example> = texts
            .iter()
            .map(|t| Example::new(*t, self.placeholder_label()))
            .collect();
        self.predict_examples(&examples)
    }

    fn name_map(&self) -> Box<dyn NameMap + '_> {
        Box::new(self.spec.task_names(Box::new(self.base.module.head.kind)))
    }

    /// Weights and `config.json` with `id2label` / `problem_type`: the directory loads in
    /// Python `transformers` as `AutoModelForSequenceClassification`.
    fn write_weights(
        &self,
        module: &SequenceClassifier<B>,
        dir: &Path,
    ) -> Result<(), ClassificationError> {
        crate::model::save_classifier(module, &self.spec, &self.label_config(), dir)?;
        Ok(())
    }

    fn batch_chunk_size(&self) -> Option<usize> {
        self.args().classification().batch_chunk_size
    }
}

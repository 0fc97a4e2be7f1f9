//! The encoder + head module, loaded from and saved to Hugging Face
//! `*ForSequenceClassification` checkpoints.

use std::path::Path;

use burn::tensor::backend::Backend;
use st_core::weights::LoadReport;
use st_models::{
    EncoderSpec, EncoderWithHead, HeadTask, ModelError, TaskNames, load_with_head, save_with_head,
};

use crate::head::ClassificationHead;

pub use st_models::task::config_num_labels;

/// An encoder with a sequence-classification head.
pub type SequenceClassifier<B> = EncoderWithHead<B, ClassificationHead<B>>;

/// A classifier with the encoder spec it was built from.
#[derive(Debug)]
pub struct LoadedClassifier<B: Backend> {
    pub model: SequenceClassifier<B>,
    pub spec: EncoderSpec,
    pub report: LoadReport,
}

impl<B: Backend> LoadedClassifier<B> {
    /// The name map of this classifier.
    pub fn names(&self) -> TaskNames {
        self.spec.task_names(Box::new(self.model.head.kind))
    }

    /// Number of outputs of the head.
    pub fn num_labels(&self) -> usize {
        self.model.head.out_proj.weight.dims()[1]
    }
}

/// A new head of `num_labels` outputs for the encoder `spec` describes, wired as the
/// architecture says; the encoder gets a pooler when the head uses it.
pub fn classification_head<B: Backend>(
    spec: &mut EncoderSpec,
    num_labels: usize,
    device: &B::Device,
) -> ClassificationHead<B> {
    let kind = spec.arch.sequence_head();
    spec.config.has_pooler = kind.uses_pooler();
    ClassificationHead::new(
        kind,
        spec.config.hidden_size,
        num_labels,
        spec.head_dropout(HeadTask::SequenceClassification),
        spec.initializer_range(),
        device,
    )
}

/// Build the classifier `spec` describes with `num_labels` outputs and load `dir`'s checkpoint
/// into it. A base-model checkpoint gets a freshly initialised head (logged, as `transformers`
/// does); a missing encoder weight is an error; a head of another size is a shape-mismatch
/// error naming it.
pub fn build_classifier<B: Backend>(
    mut spec: EncoderSpec,
    dir: &Path,
    num_labels: usize,
    device: &B::Device,
) -> Result<LoadedClassifier<B>, ModelError> {
    let head = classification_head(&mut spec, num_labels, device);
    let (model, report) =
        load_with_head(&spec, head, dir, HeadTask::SequenceClassification, device)?;
    Ok(LoadedClassifier {
        model,
        spec,
        report,
    })
}

/// Load a sequence classifier of `model_type` from `dir` with `num_labels` outputs;
/// `without_dropout` zeroes every dropout (deterministic training-mode passes for gradient
/// checks).
pub fn load_classifier<B: Backend>(
    model_type: &str,
    dir: &Path,
    num_labels: usize,
    without_dropout: bool,
    device: &B::Device,
) -> Result<LoadedClassifier<B>, ModelError> {
    let mut spec = EncoderSpec::read(model_type, dir)?;
    if without_dropout {
        spec = spec.without_dropout();
    }
    let mut loaded = build_classifier(spec, dir, num_labels, device)?;
    if without_dropout {
        loaded.model.head.dropout = st_models::Dropout::new(0.0);
    }
    Ok(loaded)
}

/// What `config.json` says about the labels of a saved classifier.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelConfig {
    /// Label names by class index (`id2label`).
    pub labels: Vec<String>,
    /// `single_label_classification`, `multi_label_classification` or `regression`.
    pub problem_type: String,
}

/// Write a Hugging Face `*ForSequenceClassification` directory's weights and `config.json`
/// into `dir` (an empty, staging directory).
pub fn save_classifier<B: Backend>(
    model: &SequenceClassifier<B>,
    spec: &EncoderSpec,
    labels: &LabelConfig,
    dir: &Path,
) -> Result<(), ModelError> {
    save_with_head(
        model,
        spec,
        HeadTask::SequenceClassification,
        &labels.labels,
        Some(&labels.problem_type),
        dir,
    )
}

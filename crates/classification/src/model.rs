//! The encoder + head module, loaded from and saved to Hugging Face
//! `*ForSequenceClassification` checkpoints.

use std::path::Path;
use std::sync::Arc;

use burn::module::Module;
use burn::tensor::{Tensor, backend::Backend};
use serde_json::Value;
use st_core::weights::{Checkpoint, HfName, LoadReport, NameMap, load_into};
use st_models::task::{check_task_load, grow_vocab, initializer_range, save_task_dir, task_config};
use st_models::{
    Encoder, EncoderArchitecture, EncoderConfig, EncoderInput, ModelError, encoder_config,
};

use crate::head::{ClassificationHead, HeadKind};

/// An encoder with a sequence-classification head.
#[derive(Module, Debug)]
pub struct SequenceClassifier<B: Backend> {
    pub encoder: Encoder<B>,
    pub head: ClassificationHead<B>,
}

impl<B: Backend> SequenceClassifier<B> {
    /// Logits `[batch, num_labels]`.
    pub fn forward(&self, input: EncoderInput<B>) -> Tensor<B, 2> {
        self.head.forward(self.encoder.forward(input))
    }
}

/// Burn paths → Hugging Face names for [`SequenceClassifier`]: `encoder.*` through the
/// architecture's map (with its base-model prefix), `head.*` as the head kind names it.
pub struct ClassifierNames {
    pub encoder: Box<dyn NameMap>,
    pub kind: HeadKind,
}

impl NameMap for ClassifierNames {
    fn hf_name(&self, path: &str) -> HfName {
        if let Some(rest) = path.strip_prefix("encoder.") {
            return self.encoder.hf_name(rest);
        }
        HfName {
            name: self
                .kind
                .hf_name(path.strip_prefix("head.").unwrap_or(path)),
            in_base_model: false,
        }
    }

    fn base_model_prefix(&self) -> &str {
        self.encoder.base_model_prefix()
    }
}

/// A classifier with what it was built from.
#[derive(Debug)]
pub struct LoadedClassifier<B: Backend> {
    pub model: SequenceClassifier<B>,
    pub arch: Arc<dyn EncoderArchitecture>,
    pub encoder_config: EncoderConfig,
    pub kind: HeadKind,
    pub num_labels: usize,
    /// `config.json` as read, for `id2label` and the other keys saved back.
    pub config: Value,
    pub report: LoadReport,
}

impl<B: Backend> LoadedClassifier<B> {
    /// Grow the word embeddings to `vocab_size` rows (see
    /// [`Encoder::resize_token_embeddings`]) and record the size in both configurations, so
    /// the saved `config.json` matches the saved weights.
    pub fn with_vocab_size(mut self, vocab_size: usize) -> Self {
        self.model.encoder = grow_vocab(
            self.model.encoder,
            &mut self.encoder_config,
            &mut self.config,
            vocab_size,
        );
        self
    }

    /// The name map of this classifier.
    pub fn names(&self) -> ClassifierNames {
        ClassifierNames {
            encoder: self.arch.name_map(&self.encoder_config),
            kind: self.kind,
        }
    }
}

pub use st_models::task::config_num_labels;

/// Load a sequence classifier of `model_type` from `dir` with `num_labels` outputs.
///
/// A base-model checkpoint gets a freshly initialised head (logged, as `transformers` does); a
/// missing encoder weight is an error; a head of another size is a shape-mismatch error naming
/// it.
pub fn load_classifier<B: Backend>(
    model_type: &str,
    dir: &Path,
    num_labels: usize,
    without_dropout: bool,
    device: &B::Device,
) -> Result<LoadedClassifier<B>, ModelError> {
    let (arch, mut encoder_config, config) = encoder_config(model_type, dir)?;
    let kind = HeadKind::for_model_type(arch.model_type());
    encoder_config.has_pooler = kind.uses_pooler();
    let mut dropout = kind.dropout(&config, arch.model_type());
    if without_dropout {
        encoder_config = encoder_config.without_dropout();
        dropout = 0.0;
    }
    let init_std = initializer_range(&config);
    let model = SequenceClassifier {
        encoder: Encoder::new(&encoder_config, device),
        head: ClassificationHead::new(
            kind,
            encoder_config.hidden_size,
            num_labels,
            dropout,
            init_std,
            device,
        ),
    };
    let names = ClassifierNames {
        encoder: arch.name_map(&encoder_config),
        kind,
    };
    let checkpoint = Checkpoint::open(dir)?;
    let (model, report) = load_into(model, &checkpoint, &names)?;
    check_task_load(&report, model_type, "sequence classification")?;
    Ok(LoadedClassifier {
        model,
        arch,
        encoder_config,
        kind,
        num_labels,
        config,
        report,
    })
}

/// The `transformers` class name of the sequence classifier of a `model_type`.
pub fn architecture_name(model_type: &str) -> &'static str {
    match model_type {
        "roberta" => "RobertaForSequenceClassification",
        "xlmroberta" | "xlm-roberta" => "XLMRobertaForSequenceClassification",
        "camembert" => "CamembertForSequenceClassification",
        "distilbert" => "DistilBertForSequenceClassification",
        "electra" => "ElectraForSequenceClassification",
        "albert" => "AlbertForSequenceClassification",
        _ => "BertForSequenceClassification",
    }
}

/// What `config.json` says about the labels of a saved classifier.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelConfig {
    /// Label names by class index (`id2label`).
    pub labels: Vec<String>,
    /// `single_label_classification`, `multi_label_classification` or `regression`.
    pub problem_type: String,
}

/// The `config.json` of a saved classifier: the source configuration with the task's
/// `architectures`, `id2label`, `label2id` and `problem_type`.
pub fn classifier_config(base: &Value, model_type: &str, labels: &LabelConfig) -> Value {
    task_config(
        base,
        architecture_name(model_type),
        &labels.labels,
        Some(&labels.problem_type),
    )
}

/// Write a Hugging Face `*ForSequenceClassification` directory into `dir` (which should be
/// empty, e.g. a staging directory): `model.safetensors` with prefixed names, `config.json`,
/// and the tokenizer files from `tokenizer_dir`.
pub fn save_classifier<B: Backend>(
    loaded: &LoadedClassifier<B>,
    labels: &LabelConfig,
    tokenizer_dir: &Path,
    dir: &Path,
) -> Result<(), ModelError> {
    let config = classifier_config(&loaded.config, loaded.arch.model_type(), labels);
    save_task_dir(&loaded.model, &loaded.names(), &config, tokenizer_dir, dir)
}

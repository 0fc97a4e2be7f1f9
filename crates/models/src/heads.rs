//! What `transformers` puts on top of an encoder for each task, as data an architecture
//! returns, so that task crates never choose a head by matching on `model_type`.

use serde_json::Value;
use st_core::weights::NameMap;

/// The tasks whose heads an encoder architecture describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadTask {
    /// `*ForSequenceClassification`.
    SequenceClassification,
    /// `*ForTokenClassification`.
    TokenClassification,
    /// `*ForQuestionAnswering`.
    QuestionAnswering,
    /// `*ForMaskedLM`.
    MaskedLm,
    /// `*ForPreTraining` (ELECTRA's discriminator).
    PreTraining,
}

impl HeadTask {
    /// The `transformers` class-name suffix (`ForSequenceClassification`…).
    pub fn class_suffix(self) -> &'static str {
        match self {
            Self::SequenceClassification => "ForSequenceClassification",
            Self::TokenClassification => "ForTokenClassification",
            Self::QuestionAnswering => "ForQuestionAnswering",
            Self::MaskedLm => "ForMaskedLM",
            Self::PreTraining => "ForPreTraining",
        }
    }
}

/// How `transformers` wires an architecture's sequence-classification head.
///
/// | kind | forward | Hugging Face names |
/// |---|---|---|
/// | `Pooled` (BERT, ALBERT) | pooler → dropout → `classifier` | `classifier.*` |
/// | `DenseTanh` (RoBERTa family) | h[0] → dropout → dense → tanh → dropout → projection | `classifier.dense.*`, `classifier.out_proj.*` |
/// | `DenseGelu` (ELECTRA) | h[0] → dropout → dense → gelu → dropout → projection | `classifier.dense.*`, `classifier.out_proj.*` |
/// | `PreClassifierRelu` (DistilBERT) | h[0] → `pre_classifier` → relu → dropout → `classifier` | `pre_classifier.*`, `classifier.*` |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceHead {
    Pooled,
    DenseTanh,
    DenseGelu,
    PreClassifierRelu,
}

impl SequenceHead {
    /// Whether the encoder needs its pooler.
    pub fn uses_pooler(self) -> bool {
        self == Self::Pooled
    }
}

/// `config.get(key)` as a float.
pub fn config_f64(config: &Value, key: &str) -> Option<f64> {
    config.get(key).and_then(Value::as_f64)
}

/// The dropout most `transformers` heads read: `classifier_dropout`, else
/// `hidden_dropout_prob`, else 0.1.
pub fn classifier_dropout(config: &Value) -> f64 {
    config_f64(config, "classifier_dropout")
        .or_else(|| config_f64(config, "hidden_dropout_prob"))
        .unwrap_or(0.1)
}

/// Hugging Face names of a head's parameters, given their path inside the head.
pub trait HeadNames: Send + Sync {
    fn hf_name(&self, path: &str) -> String;
}

/// Heads whose parameters keep their Burn names (`classifier.weight`, `qa_outputs.bias`).
#[derive(Debug, Clone, Copy, Default)]
pub struct SameNames;

impl HeadNames for SameNames {
    fn hf_name(&self, path: &str) -> String {
        path.to_string()
    }
}

impl HeadNames for SequenceHead {
    fn hf_name(&self, path: &str) -> String {
        let (part, param) = path.split_once('.').unwrap_or((path, ""));
        match (self, part) {
            (Self::Pooled, _) | (Self::PreClassifierRelu, "out_proj") => {
                format!("classifier.{param}")
            }
            (Self::PreClassifierRelu, _) => format!("pre_classifier.{param}"),
            (_, "dense") => format!("classifier.dense.{param}"),
            _ => format!("classifier.out_proj.{param}"),
        }
    }
}

/// Burn paths of an encoder + head module → Hugging Face names: `encoder.*` through the
/// architecture's map (with its base-model prefix in task checkpoints), `head.*` through the
/// head's names (never prefixed).
pub struct TaskNames {
    pub encoder: Box<dyn NameMap>,
    pub head: Box<dyn HeadNames>,
}

impl NameMap for TaskNames {
    fn hf_name(&self, path: &str) -> st_core::weights::HfName {
        match path.strip_prefix("encoder.") {
            Some(rest) => self.encoder.hf_name(rest),
            None => st_core::weights::HfName {
                name: self
                    .head
                    .hf_name(path.strip_prefix("head.").unwrap_or(path)),
                in_base_model: false,
            },
        }
    }

    fn base_model_prefix(&self) -> &str {
        self.encoder.base_model_prefix()
    }
}

//! `ClassificationArgs`: Simple Transformers' global arguments plus the classification ones,
//! with the same names and (code) defaults.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use st_core::args::{Args, ArgsError, ModelArgs, TaskArgs};

use crate::data::Label;

/// Arguments of [`crate::ClassificationModel`]. Global arguments are flattened in, so JSON uses
/// the same flat keys as Python (`{"learning_rate": 1e-5, "labels_list": ["a", "b"]}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClassificationArgs {
    #[serde(flatten)]
    pub model: ModelArgs,
    pub model_class: String,
    /// Rerank mode (not supported yet; must stay false).
    pub as_reranker: bool,
    pub batch_chunk_size: Option<usize>,
    /// The labels, in class-index order; strings or integers.
    pub labels_list: Vec<Label>,
    /// Label → class index; built from `labels_list` when empty.
    pub labels_map: BTreeMap<String, usize>,
    pub lazy_delimiter: String,
    pub lazy_labels_column: usize,
    pub lazy_loading: bool,
    pub lazy_loading_start_line: usize,
    pub lazy_text_a_column: Option<usize>,
    pub lazy_text_b_column: Option<usize>,
    pub lazy_text_column: usize,
    pub onnx: bool,
    pub pairwise_reranking_format: String,
    /// One continuous output trained with MSE (`num_labels` = 1).
    pub regression: bool,
    pub sliding_window: bool,
    pub special_tokens_list: Vec<String>,
    pub stride: f64,
    pub tie_value: usize,
    pub tourney_mode: bool,
}

impl Default for ClassificationArgs {
    fn default() -> Self {
        Self {
            model: ModelArgs::default(),
            model_class: "ClassificationModel".into(),
            as_reranker: false,
            batch_chunk_size: None,
            labels_list: Vec::new(),
            labels_map: BTreeMap::new(),
            lazy_delimiter: "\t".into(),
            lazy_labels_column: 1,
            lazy_loading: false,
            lazy_loading_start_line: 1,
            lazy_text_a_column: None,
            lazy_text_b_column: None,
            lazy_text_column: 0,
            onnx: false,
            pairwise_reranking_format: "repeat_query".into(),
            regression: false,
            sliding_window: false,
            special_tokens_list: Vec::new(),
            stride: 0.8,
            tie_value: 1,
            tourney_mode: false,
        }
    }
}

impl Args for ClassificationArgs {}

fn unsupported(key: &str, reason: &str) -> ArgsError {
    ArgsError::Unsupported {
        key: key.into(),
        reason: reason.into(),
    }
}

impl TaskArgs for ClassificationArgs {
    st_core::model_args_field!(model);

    fn check_task(&self) -> Result<(), ArgsError> {
        if self.onnx {
            return Err(unsupported(
                "onnx",
                "ONNX export and onnxruntime inference are Python's; models run natively \
                 here from safetensors (load the directory the ONNX model was converted from)",
            ));
        }
        if self.as_reranker {
            return Err(unsupported(
                "as_reranker",
                "reranking (rerank, qrels, pytrec_eval metrics) is not implemented",
            ));
        }
        if self.tourney_mode {
            return Err(unsupported(
                "tourney_mode",
                "it is a mode of as_reranker's rerank, which is not implemented",
            ));
        }
        if self.pairwise_reranking_format != ClassificationArgs::default().pairwise_reranking_format
        {
            return Err(unsupported(
                "pairwise_reranking_format",
                "it is a setting of as_reranker's rerank, which is not implemented",
            ));
        }
        if !(self.stride.is_finite() && self.stride > 0.0) {
            return Err(ArgsError::InvalidValue {
                key: "stride".into(),
                reason: format!(
                    "must be a fraction of max_seq_length (0 < stride < 1) or a number of \
                     tokens, found {}",
                    self.stride
                ),
            });
        }
        if self.batch_chunk_size == Some(0) {
            return Err(ArgsError::InvalidValue {
                key: "batch_chunk_size".into(),
                reason: "must be a positive number of examples, or null".into(),
            });
        }
        if self.lazy_loading && self.lazy_delimiter.is_empty() {
            return Err(ArgsError::InvalidValue {
                key: "lazy_delimiter".into(),
                reason: "must not be empty with lazy_loading".into(),
            });
        }
        Ok(())
    }
}

/// A decision threshold for multi-label predictions: one for all labels or one per label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Threshold {
    All(f64),
    PerLabel(Vec<f64>),
}

/// Arguments of [`crate::MultiLabelClassificationModel`]: the classification arguments plus
/// `threshold` (predictions are `sigmoid(output) >= threshold`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MultiLabelClassificationArgs {
    #[serde(flatten)]
    pub classification: ClassificationArgs,
    pub threshold: Threshold,
}

impl Default for MultiLabelClassificationArgs {
    fn default() -> Self {
        Self {
            classification: ClassificationArgs {
                model_class: "MultiLabelClassificationModel".into(),
                ..Default::default()
            },
            threshold: Threshold::All(0.5),
        }
    }
}

impl Args for MultiLabelClassificationArgs {}

impl TaskArgs for MultiLabelClassificationArgs {
    st_core::model_args_field!(classification.model);

    fn check_task(&self) -> Result<(), ArgsError> {
        let unsupported_with = |key: &str, why: &str| {
            Err(ArgsError::Unsupported {
                key: key.into(),
                reason: format!("{why} with multi-label classification (as in Python)"),
            })
        };
        if self.classification.lazy_loading {
            return unsupported_with("lazy_loading", "not available");
        }
        if self.classification.sliding_window {
            return unsupported_with("sliding_window", "not available");
        }
        if self.classification.model.loss_type.is_some() {
            return unsupported_with(
                "loss_type",
                "focal, dice and tversky take one class per example; they are not available",
            );
        }
        self.classification.check_task()
    }
}

/// What [`crate::ClassificationModel`] needs of its arguments: the classification ones, and
/// for multi-label classification the decision threshold.
pub trait ClassifierArgs: TaskArgs + Send + Sync {
    fn classification(&self) -> &ClassificationArgs;
    fn classification_mut(&mut self) -> &mut ClassificationArgs;
    /// `Some` for multi-label classification.
    fn threshold(&self) -> Option<&Threshold>;
}

impl ClassifierArgs for ClassificationArgs {
    fn classification(&self) -> &ClassificationArgs {
        self
    }

    fn classification_mut(&mut self) -> &mut ClassificationArgs {
        self
    }

    fn threshold(&self) -> Option<&Threshold> {
        None
    }
}

impl ClassifierArgs for MultiLabelClassificationArgs {
    fn classification(&self) -> &ClassificationArgs {
        &self.classification
    }

    fn classification_mut(&mut self) -> &mut ClassificationArgs {
        &mut self.classification
    }

    fn threshold(&self) -> Option<&Threshold> {
        Some(&self.threshold)
    }
}

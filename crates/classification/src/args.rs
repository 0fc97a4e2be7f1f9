//! `ClassificationArgs`: Simple Transformers' global arguments plus the classification ones,
//! with the same names and (code) defaults.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use st_core::args::{Args, ModelArgs};

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

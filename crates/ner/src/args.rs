//! `NERArgs`: Simple Transformers' global arguments plus the NER ones, with the same names and
//! (code) defaults.

use serde::{Deserialize, Serialize};
use st_core::args::{Args, ArgsError, ModelArgs, TaskArgs};

/// Python's default label list (CoNLL-2003 in IOB2), used when neither `labels` nor
/// `labels_list` is given.
pub const DEFAULT_LABELS: [&str; 9] = [
    "O", "B-MISC", "I-MISC", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC",
];

/// Arguments of [`crate::NerModel`]. Global arguments are flattened in, so JSON uses the same
/// flat keys as Python (`{"learning_rate": 5e-5, "labels_list": ["O", "B-PER"]}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NerArgs {
    #[serde(flatten)]
    pub model: ModelArgs,
    pub model_class: String,
    /// Write seqeval's per-entity report into `eval_results.txt` (and the log).
    pub classification_report: bool,
    /// The tags, in class-index order.
    pub labels_list: Vec<String>,
    /// Train from a CoNLL file read sentence by sentence as batches need it.
    pub lazy_loading: bool,
    /// Lines to skip at the top of a lazily loaded file.
    pub lazy_loading_start_line: usize,
    pub onnx: bool,
    pub special_tokens_list: Vec<String>,
}

impl Default for NerArgs {
    fn default() -> Self {
        Self {
            model: ModelArgs::default(),
            model_class: "NERModel".into(),
            classification_report: false,
            labels_list: Vec::new(),
            lazy_loading: false,
            lazy_loading_start_line: 0,
            onnx: false,
            special_tokens_list: Vec::new(),
        }
    }
}

impl Args for NerArgs {}

impl TaskArgs for NerArgs {
    st_core::model_args_field!(model);

    fn check_task(&self) -> Result<(), ArgsError> {
        if self.onnx {
            return Err(ArgsError::Unsupported {
                key: "onnx".into(),
                reason: "ONNX export and onnxruntime inference are Python's; models run \
                         natively here from safetensors"
                    .into(),
            });
        }
        Ok(())
    }
}

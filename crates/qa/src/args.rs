//! `QuestionAnsweringArgs`: Simple Transformers' global arguments plus the question-answering
//! ones, with the same names and (code) defaults.

use serde::{Deserialize, Serialize};
use st_core::args::{Args, ArgsError, ModelArgs, TaskArgs};

/// Arguments of [`crate::QuestionAnsweringModel`]. Global arguments are flattened in, so JSON
/// uses the same flat keys as Python (`{"doc_stride": 128, "n_best_size": 5}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct QaArgs {
    #[serde(flatten)]
    pub model: ModelArgs,
    pub model_class: String,
    /// How many context tokens a window starts after the previous one. When it is at least the
    /// room a window has for context (Python's default 384 with `max_seq_length` 128), windows
    /// follow each other without overlap.
    pub doc_stride: usize,
    /// Train from a JSONL file (one context object per line) read as batches need it.
    pub lazy_loading: bool,
    /// The longest answer, in tokens, that decoding considers.
    pub max_answer_length: usize,
    /// Questions are cut to this many tokens.
    pub max_query_length: usize,
    /// How many answers decoding keeps per question.
    pub n_best_size: usize,
    /// A question gets the empty (null) answer when the null score beats the best span's by
    /// more than this.
    pub null_score_diff_threshold: f64,
    pub special_tokens_list: Vec<String>,
}

impl Default for QaArgs {
    fn default() -> Self {
        Self {
            model: ModelArgs {
                early_stopping_metric: "correct".into(),
                early_stopping_metric_minimize: false,
                ..Default::default()
            },
            model_class: "QuestionAnsweringModel".into(),
            doc_stride: 384,
            lazy_loading: false,
            max_answer_length: 100,
            max_query_length: 64,
            n_best_size: 20,
            null_score_diff_threshold: 0.0,
            special_tokens_list: Vec::new(),
        }
    }
}

impl Args for QaArgs {}

impl TaskArgs for QaArgs {
    st_core::model_args_field!(model);

    fn check_task(&self) -> Result<(), ArgsError> {
        for (key, value) in [
            ("doc_stride", self.doc_stride),
            ("max_query_length", self.max_query_length),
            ("max_answer_length", self.max_answer_length),
            ("n_best_size", self.n_best_size),
        ] {
            if value == 0 {
                return Err(ArgsError::InvalidValue {
                    key: key.into(),
                    reason: "must be at least 1, found 0".into(),
                });
            }
        }
        if self.model.loss_type.is_some() {
            return Err(ArgsError::Unsupported {
                key: "loss_type".into(),
                reason: "question answering trains start and end positions with \
                         cross-entropy; focal, dice and tversky are for classification and NER \
                         (as in Python)"
                    .into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_keys_are_pythons() {
        let args = QaArgs::default();
        let json = args.to_json_map().unwrap();
        for (key, value) in [
            ("model_class", serde_json::json!("QuestionAnsweringModel")),
            ("doc_stride", 384.into()),
            ("early_stopping_metric", "correct".into()),
            ("early_stopping_metric_minimize", false.into()),
            ("lazy_loading", false.into()),
            ("max_answer_length", 100.into()),
            ("max_query_length", 64.into()),
            ("n_best_size", 20.into()),
            ("null_score_diff_threshold", 0.0.into()),
            ("max_seq_length", 128.into()),
        ] {
            assert_eq!(json[key], value, "{key}");
        }
        let mut updated = args.clone();
        updated
            .update_from_json(&serde_json::json!({"doc_stride": 128, "n_best_size": 3}))
            .unwrap();
        assert_eq!((updated.doc_stride, updated.n_best_size), (128, 3));
        assert!(
            updated
                .update_from_json(&serde_json::json!({"doc_strides": 1}))
                .is_err()
        );
    }
}

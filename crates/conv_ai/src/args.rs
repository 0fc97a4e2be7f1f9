//! `ConvAIArgs`: Simple Transformers' global arguments plus the ConvAI ones, with the same
//! names and (code) defaults.

use serde::{Deserialize, Serialize};
use st_core::args::{Args, ArgsError, ModelArgs, TaskArgs};

/// Arguments of [`crate::ConvAIModel`]. Global arguments are flattened in, so JSON uses
/// Python's flat keys (`{"num_candidates": 4, "max_history": 2}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConvAIArgs {
    #[serde(flatten)]
    pub model: ModelArgs,
    pub model_class: String,
    /// Sample replies (true) or take the most likely token each step (false).
    pub do_sample: bool,
    /// The weight of the language-model loss in `lm_coef · lm_loss + mc_coef · mc_loss`.
    pub lm_coef: f64,
    /// The history window: the last `2 · max_history + 1` utterances.
    pub max_history: usize,
    /// The most tokens of a reply.
    pub max_length: usize,
    /// The weight of the multiple-choice loss.
    pub mc_coef: f64,
    /// Special tokens are forbidden for this many reply tokens.
    pub min_length: usize,
    /// Training: the last this many candidates of each utterance (the gold reply last);
    /// evaluation uses every candidate, as Python does.
    pub num_candidates: usize,
    /// Each dialogue is seen with this many rotations of its persona sentences.
    pub personality_permutations: usize,
    /// Divides the logits before sampling.
    pub temperature: f64,
    /// Sample among the `top_k` most likely tokens (0: off).
    pub top_k: usize,
    /// Sample among the most likely tokens whose probabilities add up to `top_p`.
    pub top_p: f64,
}

impl Default for ConvAIArgs {
    fn default() -> Self {
        Self {
            model: ModelArgs::default(),
            model_class: "ConvAIModel".into(),
            do_sample: true,
            lm_coef: 2.0,
            max_history: 2,
            max_length: 20,
            mc_coef: 1.0,
            min_length: 1,
            num_candidates: 2,
            personality_permutations: 1,
            temperature: 0.7,
            top_k: 0,
            top_p: 0.9,
        }
    }
}

impl ConvAIArgs {
    /// How many history utterances an input keeps.
    pub fn history_window(&self) -> usize {
        2 * self.max_history + 1
    }
}

impl Args for ConvAIArgs {}

impl TaskArgs for ConvAIArgs {
    st_core::model_args_field!(model);

    fn decodes_text(&self) -> bool {
        true
    }

    fn check_task(&self) -> Result<(), ArgsError> {
        let invalid = |key: &str, expected: &str, found: String| {
            Err(ArgsError::InvalidValue {
                key: key.into(),
                reason: format!("expected {expected}, found {found}"),
            })
        };
        if self.num_candidates == 0 {
            return invalid("num_candidates", "at least 1", "0".into());
        }
        if self.personality_permutations == 0 {
            return invalid("personality_permutations", "at least 1", "0".into());
        }
        if self.max_length == 0 {
            return invalid("max_length", "at least 1 token", "0".into());
        }
        if self.do_sample && (self.temperature.is_nan() || self.temperature <= 0.0) {
            return invalid(
                "temperature",
                "a positive number when do_sample is true",
                self.temperature.to_string(),
            );
        }
        if self.top_p.is_nan() || self.top_p <= 0.0 || self.top_p > 1.0 {
            return invalid("top_p", "a number in (0, 1]", self.top_p.to_string());
        }
        Ok(())
    }
}

//! `LanguageGenerationArgs`: Simple Transformers' global arguments plus the generation ones,
//! with the same names and (code) defaults.

use serde::{Deserialize, Serialize};
use st_core::args::{Args, ArgsError, ModelArgs, TaskArgs};

/// Arguments of [`crate::LanguageGenerationModel`]. Global arguments are flattened in, so JSON
/// uses Python's flat keys (`{"max_length": 50, "top_p": 0.9}`). Unlike Python, which passes
/// only some of them to `generate`, every one of them is used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LanguageGenerationArgs {
    #[serde(flatten)]
    pub model: ModelArgs,
    pub model_class: String,
    /// Sample (true) or decode greedily / by beam search (false).
    pub do_sample: bool,
    /// Beam search stops when `num_beams` hypotheses are finished.
    pub early_stopping: bool,
    /// Only for models that score their generated text (seq2seq); refused here.
    pub evaluate_generated_text: bool,
    /// Beam search: hypotheses are scored `sum log p / length^length_penalty`.
    pub length_penalty: f64,
    /// New tokens after the prompt (Python adds the prompt's length to it).
    pub max_length: usize,
    pub num_beams: usize,
    pub num_return_sequences: usize,
    pub repetition_penalty: f64,
    pub top_k: usize,
    pub top_p: f64,
    /// The text to continue when `generate` is given none.
    pub prompt: String,
    /// Generated text is cut at the first occurrence of this.
    pub stop_token: Option<String>,
    pub temperature: f64,
    /// XLNet / Transformer-XL prompt padding; no such model is supported, so it must be empty.
    pub padding_text: String,
    /// XLM's language; no XLM model is supported, so it must be empty.
    pub xlm_language: String,
    /// A directory whose `config.json` replaces the model's.
    pub config_name: Option<String>,
    pub special_tokens_list: Vec<String>,
    /// Ban repeating any n-gram of this size (0: off). Not in Python's arguments; `generate`
    /// takes it.
    pub no_repeat_ngram_size: usize,
    /// At least this many new tokens before an end-of-text token may be chosen (0: off).
    pub min_new_tokens: usize,
}

impl Default for LanguageGenerationArgs {
    fn default() -> Self {
        Self {
            model: ModelArgs::default(),
            model_class: "LanguageGenerationModel".into(),
            do_sample: true,
            early_stopping: true,
            evaluate_generated_text: false,
            length_penalty: 2.0,
            max_length: 20,
            num_beams: 1,
            num_return_sequences: 1,
            repetition_penalty: 1.0,
            top_k: 50,
            top_p: 0.95,
            prompt: String::new(),
            stop_token: None,
            temperature: 1.0,
            padding_text: String::new(),
            xlm_language: String::new(),
            config_name: None,
            special_tokens_list: Vec::new(),
            no_repeat_ngram_size: 0,
            min_new_tokens: 0,
        }
    }
}

impl Args for LanguageGenerationArgs {}

impl TaskArgs for LanguageGenerationArgs {
    st_core::model_args_field!(model);

    fn decodes_text(&self) -> bool {
        true
    }

    fn check_task(&self) -> Result<(), ArgsError> {
        let unsupported = |key: &str, reason: &str| {
            Err(ArgsError::Unsupported {
                key: key.into(),
                reason: reason.into(),
            })
        };
        if self.evaluate_generated_text {
            return unsupported(
                "evaluate_generated_text",
                "it scores a seq2seq model's generated text during evaluation; a language \
                 generation model is not evaluated",
            );
        }
        if !self.padding_text.is_empty() {
            return unsupported(
                "padding_text",
                "it pads XLNet and Transformer-XL prompts, and neither is supported",
            );
        }
        if !self.xlm_language.is_empty() {
            return unsupported("xlm_language", "XLM models are not supported");
        }
        Ok(())
    }
}

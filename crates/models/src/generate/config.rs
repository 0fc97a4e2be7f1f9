//! [`GenerationConfig`]: what to generate and how, with the names and defaults of
//! `transformers`' `GenerationConfig`.

use serde::{Deserialize, Serialize};

/// When beam search stops (`transformers`' `early_stopping`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EarlyStopping {
    /// `true` stops a prompt's search as soon as `num_beams` hypotheses are finished; `false`
    /// (the default) also stops when, by a heuristic, no running beam can still beat the worst
    /// finished one (it assumes the current length).
    Flag(bool),
    /// `"never"`: stops only when no running beam can beat the worst finished one, by the exact
    /// bound (the longest length the beams could still reach).
    Never(Never),
}

/// The string `"never"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Never {
    Never,
}

impl Default for EarlyStopping {
    fn default() -> Self {
        EarlyStopping::Flag(false)
    }
}

/// How to continue a batch of token sequences. Lengths follow `transformers`: `max_length` and
/// `min_length` count the (padded) prompt, `max_new_tokens` and `min_new_tokens` do not and,
/// when set, win over them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GenerationConfig {
    /// The most tokens a sequence may have, prompt included.
    pub max_length: usize,
    /// The most tokens to add after the prompt; wins over `max_length`.
    pub max_new_tokens: Option<usize>,
    /// End-of-sequence tokens are forbidden while a sequence, prompt included, is shorter.
    pub min_length: usize,
    /// End-of-sequence tokens are forbidden until this many tokens were added.
    pub min_new_tokens: usize,
    /// Sample from the (processed) distribution instead of taking the most likely token.
    pub do_sample: bool,
    /// Divides the logits before sampling (sampling only).
    pub temperature: f64,
    /// Sample among the `top_k` most likely tokens only (0: off; sampling only).
    pub top_k: usize,
    /// Sample among the most likely tokens whose probabilities add up to `top_p` (1: off;
    /// sampling only).
    pub top_p: f64,
    /// Scores of tokens already in the sequence are divided (positive) or multiplied
    /// (negative) by this (1: off; CTRL's penalty).
    pub repetition_penalty: f64,
    /// No n-gram of this size occurs twice in a sequence (0: off).
    pub no_repeat_ngram_size: usize,
    /// Token sequences that must never be generated.
    pub bad_words_ids: Vec<Vec<u32>>,
    /// Beam search with this many beams per prompt (1: greedy or sampling).
    pub num_beams: usize,
    /// Beam hypotheses are ranked by `sum log p / new_length^length_penalty`.
    pub length_penalty: f64,
    pub early_stopping: EarlyStopping,
    /// Sequences returned per prompt (at most `num_beams` with beam search).
    pub num_return_sequences: usize,
    /// Tokens that end a sequence (one id or a list, as `generation_config.json` has it).
    #[serde(deserialize_with = "one_or_many")]
    pub eos_token_id: Vec<u32>,
    /// The token forced as the first one after the decoder start (BART, mBART-50).
    pub forced_bos_token_id: Option<u32>,
    /// The token(s) forced when a sequence reaches one below its length limit (BART).
    #[serde(deserialize_with = "one_or_many")]
    pub forced_eos_token_id: Vec<u32>,
    /// Fills finished sequences and left-pads prompts; the first end-of-sequence token when
    /// unset, as `transformers` falls back.
    pub pad_token_id: Option<u32>,
    /// Seed of the sampling generator: the same seed, model and prompts give the same text.
    pub seed: u64,
}

impl Default for GenerationConfig {
    fn default() -> Self {
        Self {
            max_length: 20,
            max_new_tokens: None,
            min_length: 0,
            min_new_tokens: 0,
            do_sample: false,
            temperature: 1.0,
            top_k: 50,
            top_p: 1.0,
            repetition_penalty: 1.0,
            no_repeat_ngram_size: 0,
            bad_words_ids: Vec::new(),
            num_beams: 1,
            length_penalty: 1.0,
            early_stopping: EarlyStopping::default(),
            num_return_sequences: 1,
            eos_token_id: Vec::new(),
            forced_bos_token_id: None,
            forced_eos_token_id: Vec::new(),
            pad_token_id: None,
            seed: 42,
        }
    }
}

/// `null`, one token id, or a list of them.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u32>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Ids {
        One(u32),
        Many(Vec<u32>),
    }
    Ok(match Option::<Ids>::deserialize(d)? {
        None => Vec::new(),
        Some(Ids::One(id)) => vec![id],
        Some(Ids::Many(ids)) => ids,
    })
}

/// A generation setting that cannot be honoured.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid generation setting `{key}`: {reason}")]
pub struct ConfigError {
    pub key: &'static str,
    pub reason: String,
}

/// The keys a model directory's generation settings are read from (`transformers`'s own
/// names); task arguments (beams, lengths, sampling) are laid over them.
const MODEL_KEYS: [&str; 8] = [
    "eos_token_id",
    "pad_token_id",
    "forced_bos_token_id",
    "forced_eos_token_id",
    "no_repeat_ngram_size",
    "min_length",
    "repetition_penalty",
    "bad_words_ids",
];

impl GenerationConfig {
    /// The generation settings a model directory carries, as `generate` starts from them:
    /// `generation_config.json`, else the same keys of `config.json` (the legacy place), over
    /// the defaults. Only [`MODEL_KEYS`] are read; a key that does not parse is an error
    /// naming the file.
    pub fn from_model_dir(dir: &std::path::Path) -> Result<Self, crate::ModelError> {
        let generation = dir.join("generation_config.json");
        let path = if generation.is_file() {
            generation
        } else {
            dir.join(st_core::hub::CONFIG_FILE)
        };
        let text = std::fs::read_to_string(&path).map_err(|e| st_core::Error::io(&path, e))?;
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|source| st_core::Error::Json {
                path: path.clone(),
                source,
            })?;
        let picked: serde_json::Map<String, serde_json::Value> = MODEL_KEYS
            .iter()
            .filter_map(|&key| Some((key.to_string(), json.get(key)?.clone())))
            .filter(|(_, value)| !value.is_null())
            .collect();
        serde_json::from_value(serde_json::Value::Object(picked)).map_err(|source| {
            st_core::Error::Json {
                path: path.clone(),
                source,
            }
            .into()
        })
    }

    /// The refusals `transformers` makes up front, each naming the setting.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key, reason: String| Err(ConfigError { key, reason });
        if self.num_beams == 0 {
            return bad("num_beams", "must be at least 1".into());
        }
        if self.num_return_sequences == 0 {
            return bad("num_return_sequences", "must be at least 1".into());
        }
        if self.num_beams > 1 && self.num_return_sequences > self.num_beams {
            return bad(
                "num_return_sequences",
                format!(
                    "{} exceeds num_beams {}: beam search returns at most one sequence per beam",
                    self.num_return_sequences, self.num_beams
                ),
            );
        }
        if self.num_beams == 1 && !self.do_sample && self.num_return_sequences > 1 {
            return bad(
                "num_return_sequences",
                "greedy decoding gives one sequence per prompt: set do_sample or num_beams".into(),
            );
        }
        if !(self.temperature > 0.0 && self.temperature.is_finite()) {
            return bad(
                "temperature",
                format!("must be positive, found {}", self.temperature),
            );
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            return bad("top_p", format!("must be in (0, 1], found {}", self.top_p));
        }
        if !(self.repetition_penalty > 0.0 && self.repetition_penalty.is_finite()) {
            return bad(
                "repetition_penalty",
                format!("must be positive, found {}", self.repetition_penalty),
            );
        }
        if !self.length_penalty.is_finite() {
            return bad("length_penalty", "must be finite".into());
        }
        if self.bad_words_ids.iter().any(Vec::is_empty) {
            return bad("bad_words_ids", "holds an empty token sequence".into());
        }
        if self.max_new_tokens == Some(0) {
            return bad("max_new_tokens", "must be at least 1".into());
        }
        Ok(())
    }

    /// The token that fills finished sequences and left padding.
    pub fn pad(&self) -> u32 {
        self.pad_token_id
            .or_else(|| self.eos_token_id.first().copied())
            .unwrap_or(0)
    }

    /// The longest a sequence may grow, given prompts padded to `prompt_len`.
    pub fn max_total(&self, prompt_len: usize) -> usize {
        match self.max_new_tokens {
            Some(n) => prompt_len + n,
            None => self.max_length,
        }
    }

    pub(crate) fn is_eos(&self, token: u32) -> bool {
        self.eos_token_id.contains(&token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn early_stopping_reads_transformers_json() {
        let read = |s: &str| serde_json::from_str::<EarlyStopping>(s).unwrap();
        assert_eq!(read("true"), EarlyStopping::Flag(true));
        assert_eq!(read("false"), EarlyStopping::Flag(false));
        assert_eq!(read("\"never\""), EarlyStopping::Never(Never::Never));
        assert!(serde_json::from_str::<EarlyStopping>("\"sometimes\"").is_err());
    }

    #[test]
    fn eos_is_one_id_or_a_list() {
        let read = |s: &str| {
            serde_json::from_str::<GenerationConfig>(s)
                .unwrap()
                .eos_token_id
        };
        assert_eq!(read(r#"{"eos_token_id": 7}"#), vec![7]);
        assert_eq!(read(r#"{"eos_token_id": [7, 9]}"#), vec![7, 9]);
        assert_eq!(read(r#"{"eos_token_id": null}"#), Vec::<u32>::new());
    }

    #[test]
    fn impossible_settings_are_refused_by_name() {
        let refused = |c: GenerationConfig| c.validate().unwrap_err().key;
        let base = GenerationConfig::default;
        assert_eq!(
            refused(GenerationConfig {
                num_beams: 0,
                ..base()
            }),
            "num_beams"
        );
        assert_eq!(
            refused(GenerationConfig {
                num_beams: 2,
                num_return_sequences: 3,
                ..base()
            }),
            "num_return_sequences"
        );
        assert_eq!(
            refused(GenerationConfig {
                top_p: 0.0,
                ..base()
            }),
            "top_p"
        );
        assert_eq!(
            refused(GenerationConfig {
                temperature: 0.0,
                ..base()
            }),
            "temperature"
        );
        assert!(base().validate().is_ok());
    }
}

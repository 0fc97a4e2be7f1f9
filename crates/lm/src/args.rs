//! `LanguageModelingArgs` and `GenerationArgs`: Simple Transformers' global arguments plus the
//! language-modelling ones, with the same names and (code) defaults.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use st_core::args::{Args, ArgsError, ModelArgs, TaskArgs};

/// How a text file becomes training blocks (`dataset_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatasetType {
    /// Python's default (`"None"`, documented as `"simple"`): every line's tokens concatenated
    /// and cut into blocks of `block_size` (special tokens included); with `sliding_window`,
    /// each line cut into overlapping windows instead.
    Simple,
    /// One block per line, truncated to `block_size` (transformers' `LineByLineTextDataset`).
    LineByLine,
    /// The whole file tokenised as one text and cut into full blocks, the tail dropped
    /// (transformers' `TextDataset`).
    Text,
}

/// Arguments of [`crate::LanguageModelingModel`]. Global arguments are flattened in, so JSON
/// uses Python's flat keys (`{"mlm": false, "block_size": 128}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LanguageModelingArgs {
    #[serde(flatten)]
    pub model: ModelArgs,
    pub model_class: String,
    /// Tokens per training block; −1 (or 0): `max_seq_length`. Never above `max_seq_length`.
    pub block_size: i64,
    /// Only for `use_hf_datasets`, which is Python's (the `datasets` library) and refused here.
    pub chunk_text: bool,
    /// A directory whose `config.json` configures a model trained from scratch.
    pub config_name: Option<String>,
    /// A Python `Dataset` class; none can exist here, so it must be null.
    pub dataset_class: Option<Value>,
    /// `"None"`/`"simple"`, `"line_by_line"` or `"text"` (see [`DatasetType`]).
    pub dataset_type: String,
    /// The training file format: plain text, one sample per line.
    pub data_format: String,
    pub discriminator_config: Map<String, Value>,
    /// ELECTRA: the weight of the discriminator's loss in `g_loss + w · d_loss`.
    pub discriminator_loss_weight: f64,
    pub generator_config: Map<String, Value>,
    /// The fewest occurrences a merge or word piece needs when a tokenizer is trained.
    pub min_frequency: u64,
    /// Masked (true) or causal (false) language modelling.
    pub mlm: bool,
    /// The share of tokens masked per block.
    pub mlm_probability: f64,
    /// Simple datasets: cut each line into windows of `max_seq_length` instead.
    pub sliding_window: bool,
    /// The special tokens of a tokenizer trained here.
    pub special_tokens: Vec<String>,
    /// Sliding windows start every `stride · max_seq_length` tokens.
    pub stride: f64,
    pub tie_generator_and_discriminator_embeddings: bool,
    /// The vocabulary size of a model (and tokenizer) trained from scratch.
    pub vocab_size: Option<usize>,
    /// WordPiece tokenizer training: the normaliser's settings.
    pub clean_text: bool,
    pub handle_chinese_chars: bool,
    pub strip_accents: bool,
    pub special_tokens_list: Vec<String>,
    pub loftq_bits: u32,
    pub loftq_config: Map<String, Value>,
    pub lora_config: Map<String, Value>,
    pub peft: bool,
    pub qlora: bool,
    pub rag: bool,
    pub rag_replace_method: String,
    pub nf4: bool,
    pub use_autoencoder: bool,
    pub stream_hf_datasets: bool,
}

impl Default for LanguageModelingArgs {
    fn default() -> Self {
        Self {
            model: ModelArgs::default(),
            model_class: "LanguageModelingModel".into(),
            block_size: -1,
            chunk_text: true,
            config_name: None,
            dataset_class: None,
            dataset_type: "None".into(),
            data_format: "text".into(),
            discriminator_config: Map::new(),
            discriminator_loss_weight: 50.0,
            generator_config: Map::new(),
            min_frequency: 2,
            mlm: true,
            mlm_probability: 0.15,
            sliding_window: false,
            special_tokens: ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
                .map(String::from)
                .into(),
            stride: 0.8,
            tie_generator_and_discriminator_embeddings: true,
            vocab_size: None,
            clean_text: true,
            handle_chinese_chars: true,
            strip_accents: true,
            special_tokens_list: Vec::new(),
            loftq_bits: 4,
            loftq_config: Map::new(),
            lora_config: Map::new(),
            peft: false,
            qlora: false,
            rag: false,
            rag_replace_method: "prepend".into(),
            nf4: false,
            use_autoencoder: false,
            stream_hf_datasets: false,
        }
    }
}

impl LanguageModelingArgs {
    /// The dataset type `dataset_type` names; anything unknown is Python's simple dataset.
    pub fn dataset(&self) -> DatasetType {
        match self.dataset_type.as_str() {
            "line_by_line" => DatasetType::LineByLine,
            "text" => DatasetType::Text,
            _ => DatasetType::Simple,
        }
    }

    /// The block size in effect: `block_size`, or `max_seq_length` when it is not positive,
    /// never more than `max_seq_length` (Python also caps it at the tokenizer's maximum, which
    /// the model's positions bound here).
    pub fn effective_block_size(&self) -> usize {
        let max = self.model.max_seq_length;
        match usize::try_from(self.block_size) {
            Ok(size) if size > 0 => size.min(max),
            _ => max,
        }
    }
}

impl Args for LanguageModelingArgs {}

/// An argument that must keep its default, with why.
fn refuse(key: &str, reason: &str) -> ArgsError {
    ArgsError::Unsupported {
        key: key.into(),
        reason: reason.into(),
    }
}

impl TaskArgs for LanguageModelingArgs {
    st_core::model_args_field!(model);

    fn check_task(&self) -> Result<(), ArgsError> {
        let quantised = "4-bit quantisation and adapters (bitsandbytes, peft) are Python's; \
                         models train in full precision here";
        for (key, on) in [
            ("peft", self.peft),
            ("qlora", self.qlora),
            ("nf4", self.nf4),
        ] {
            if on {
                return Err(refuse(key, quantised));
            }
        }
        if self.rag {
            return Err(refuse(
                "rag",
                "retrieval-augmented training needs a RetrievalModel, which is not built yet",
            ));
        }
        if self.use_autoencoder {
            return Err(refuse(
                "use_autoencoder",
                "the roberta-autoencoder model is not supported",
            ));
        }
        if self.stream_hf_datasets || self.model.use_hf_datasets {
            return Err(refuse(
                "use_hf_datasets",
                "the Hugging Face `datasets` library is Python's; give text files, one sample \
                 per line",
            ));
        }
        if self.dataset_class.as_ref().is_some_and(|v| !v.is_null()) {
            return Err(refuse(
                "dataset_class",
                "a Python Dataset class cannot run here; choose dataset_type simple, \
                 line_by_line or text",
            ));
        }
        if self.data_format != "text" {
            return Err(ArgsError::InvalidValue {
                key: "data_format".into(),
                reason: format!(
                    "{:?}: only \"text\" files (one sample per line) are read; the other \
                     formats are for use_hf_datasets",
                    self.data_format
                ),
            });
        }
        if !(0.0..=1.0).contains(&self.mlm_probability) {
            return Err(ArgsError::InvalidValue {
                key: "mlm_probability".into(),
                reason: format!("{} is not a probability", self.mlm_probability),
            });
        }
        if self.sliding_window && !(self.stride > 0.0 && self.stride <= 1.0) {
            return Err(ArgsError::InvalidValue {
                key: "stride".into(),
                reason: format!(
                    "{}: a window's step is this share of max_seq_length, in (0, 1]",
                    self.stride
                ),
            });
        }
        Ok(())
    }
}

/// Python's `GenerationArgs`: how `predict` continues prompts with a causal model. Lengths
/// follow `transformers`: `max_length` counts the prompt, `max_new_tokens` does not and wins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenerationArgs {
    pub max_length: usize,
    pub max_new_tokens: Option<usize>,
    pub min_length: usize,
    pub min_new_tokens: Option<usize>,
    pub early_stopping: bool,
    /// A time limit; refused (decoding here is bounded by lengths only).
    pub max_time: Option<f64>,
    pub do_sample: bool,
    pub num_beams: usize,
    /// Diverse beam search; only 1 (off) is supported.
    pub num_beam_groups: usize,
    /// Contrastive search; refused.
    pub penalty_alpha: Option<f64>,
    /// Always on: decoding keeps a key/value cache.
    pub use_cache: bool,
    pub temperature: f64,
    pub top_k: usize,
    pub top_p: f64,
    pub repetition_penalty: f64,
    /// Diverse beam search's penalty; only 0 (off) is supported.
    pub diversity_penalty: f64,
    /// Sequences returned per prompt.
    pub num_return_sequences: usize,
    /// The sampling seed; `manual_seed` when unset.
    pub seed: Option<u64>,
}

impl Default for GenerationArgs {
    fn default() -> Self {
        Self {
            max_length: 20,
            max_new_tokens: None,
            min_length: 0,
            min_new_tokens: None,
            early_stopping: false,
            max_time: None,
            do_sample: false,
            num_beams: 1,
            num_beam_groups: 1,
            penalty_alpha: None,
            use_cache: true,
            temperature: 1.0,
            top_k: 50,
            top_p: 1.0,
            repetition_penalty: 1.0,
            diversity_penalty: 0.0,
            num_return_sequences: 1,
            seed: None,
        }
    }
}

impl GenerationArgs {
    /// What the decoding engine cannot do, as an error naming the argument.
    pub fn check(&self) -> Result<(), ArgsError> {
        if self.max_time.is_some() {
            return Err(refuse("max_time", "decoding stops by length only"));
        }
        if self.num_beam_groups > 1 || self.diversity_penalty != 0.0 {
            return Err(refuse(
                "num_beam_groups",
                "diverse (group) beam search is not implemented; use num_beams",
            ));
        }
        if self.penalty_alpha.is_some() {
            return Err(refuse(
                "penalty_alpha",
                "contrastive search is not implemented",
            ));
        }
        Ok(())
    }
}

//! `Seq2SeqArgs` and `T5Args`: Simple Transformers' global arguments plus the
//! sequence-to-sequence ones, with the same names and (code) defaults. The decoding arguments
//! both share are one flattened [`DecodingArgs`], so JSON keeps Python's flat keys
//! (`{"num_beams": 4, "max_length": 64}`).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use st_core::args::{Args, ArgsError, ModelArgs, TaskArgs};

/// How `predict` (and `eval_model` with `evaluate_generated_text`) decodes: the generation
/// arguments Python passes to `model.generate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DecodingArgs {
    pub do_sample: bool,
    /// Beam search stops as soon as `num_beams` hypotheses are finished.
    pub early_stopping: bool,
    /// `eval_model` also decodes the inputs and scores the texts with the metrics given
    /// (BLEU and ROUGE when none are).
    pub evaluate_generated_text: bool,
    /// Beam hypotheses are ranked by `sum log p / length^length_penalty`.
    pub length_penalty: f64,
    /// The most tokens a generated text may have (for T5 and mBART, new tokens; for BART and
    /// Marian, the decoder's sequence with its start token, as Python passes it).
    pub max_length: usize,
    pub num_beams: usize,
    pub num_return_sequences: usize,
    pub repetition_penalty: f64,
    /// Sampling among the `top_k` likeliest tokens; unset: `transformers`' 50.
    pub top_k: Option<usize>,
    /// Nucleus sampling; unset: off.
    pub top_p: Option<f64>,
    /// Python decodes generated ids in a process pool when set; here decoding to text always
    /// runs in parallel, so either value works.
    pub use_multiprocessed_decoding: bool,
    /// A Python `Dataset` class; none can run here, so it must be null.
    pub dataset_class: Option<Value>,
}

impl Default for DecodingArgs {
    fn default() -> Self {
        Self {
            do_sample: false,
            early_stopping: true,
            evaluate_generated_text: false,
            length_penalty: 2.0,
            max_length: 20,
            num_beams: 1,
            num_return_sequences: 1,
            repetition_penalty: 1.0,
            top_k: None,
            top_p: None,
            use_multiprocessed_decoding: false,
            dataset_class: None,
        }
    }
}

impl DecodingArgs {
    fn check(&self) -> Result<(), ArgsError> {
        if self.dataset_class.as_ref().is_some_and(|v| !v.is_null()) {
            return Err(ArgsError::Unsupported {
                key: "dataset_class".into(),
                reason: "a Python Dataset class cannot run here; give input_text/target_text \
                         rows"
                    .into(),
            });
        }
        let positive = [
            ("max_length", self.max_length),
            ("num_beams", self.num_beams),
            ("num_return_sequences", self.num_return_sequences),
        ];
        if let Some((key, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(ArgsError::InvalidValue {
                key: (*key).into(),
                reason: "must be at least 1".into(),
            });
        }
        Ok(())
    }
}

/// Arguments of [`crate::Seq2SeqModel`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Seq2SeqArgs {
    #[serde(flatten)]
    pub model: ModelArgs,
    #[serde(flatten)]
    pub decoding: DecodingArgs,
    pub model_class: String,
    /// Marian: the hub model whose tokenizers a from-scratch Marian uses.
    pub base_marian_model_name: Option<String>,
    /// mBART's source and target language codes.
    pub src_lang: String,
    pub tgt_lang: String,
    /// The RAG arguments, kept so that Python's `model_args.json` files read unchanged; RAG
    /// itself is refused by `encoder_decoder_type`, so nothing reads them.
    pub faiss_d: usize,
    pub faiss_m: usize,
    pub faiss_index_type: String,
    pub include_title_in_corpus: bool,
    pub rag_embed_batch_size: usize,
    pub save_knowledge_dataset: bool,
    pub save_knowledge_dataset_with_checkpoints: bool,
    pub split_text_character: String,
    pub split_text_n: usize,
}

impl Default for Seq2SeqArgs {
    fn default() -> Self {
        Self {
            model: ModelArgs::default(),
            decoding: DecodingArgs::default(),
            model_class: "Seq2SeqModel".into(),
            base_marian_model_name: None,
            src_lang: "en_XX".into(),
            tgt_lang: "ro_RO".into(),
            faiss_d: 768,
            faiss_m: 128,
            faiss_index_type: "IndexFlatIP".into(),
            include_title_in_corpus: true,
            rag_embed_batch_size: 16,
            save_knowledge_dataset: true,
            save_knowledge_dataset_with_checkpoints: false,
            split_text_character: " ".into(),
            split_text_n: 100,
        }
    }
}

/// Arguments of [`crate::T5Model`]: Python's `T5Args`, whose training defaults differ from the
/// global ones (Adafactor at a fixed learning rate of 1e-3, `constant_schedule_with_warmup`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct T5Args {
    #[serde(flatten)]
    pub model: ModelArgs,
    #[serde(flatten)]
    pub decoding: DecodingArgs,
    pub model_class: String,
    /// Put each row's `prefix` in front of its input text.
    pub add_prefix: bool,
    /// With `add_prefix`: `"{prefix}: {input_text}"` (true) or `"{prefix}{input_text}"`.
    pub preprocess_inputs: bool,
    /// monoT5 reranking; not supported, so it must stay false.
    pub as_reranker: bool,
    /// Shuffle training rows in whole chunks of this many (as classification's).
    pub batch_chunk_size: Option<usize>,
    /// Evaluate once before the first training step (with `evaluate_during_training`).
    pub evaluate_before_training: bool,
    /// Tokens added to the tokenizer (the embeddings grow to fit).
    pub special_tokens_list: Vec<String>,
}

impl Default for T5Args {
    fn default() -> Self {
        let model = ModelArgs {
            adafactor_relative_step: false,
            adafactor_scale_parameter: false,
            adafactor_warmup_init: false,
            learning_rate: 1e-3,
            optimizer: "Adafactor".into(),
            scheduler: "constant_schedule_with_warmup".into(),
            ..ModelArgs::default()
        };
        Self {
            model,
            decoding: DecodingArgs {
                use_multiprocessed_decoding: true,
                ..DecodingArgs::default()
            },
            model_class: "T5Model".into(),
            add_prefix: true,
            preprocess_inputs: true,
            as_reranker: false,
            batch_chunk_size: None,
            evaluate_before_training: false,
            special_tokens_list: Vec::new(),
        }
    }
}

impl Args for Seq2SeqArgs {}
impl Args for T5Args {}

impl TaskArgs for Seq2SeqArgs {
    st_core::model_args_field!(model);

    fn decodes_text(&self) -> bool {
        true
    }

    fn check_task(&self) -> Result<(), ArgsError> {
        self.decoding.check()?;
        if self.model.use_hf_datasets {
            return Err(hf_datasets());
        }
        Ok(())
    }
}

impl TaskArgs for T5Args {
    st_core::model_args_field!(model);

    fn decodes_text(&self) -> bool {
        true
    }

    fn check_task(&self) -> Result<(), ArgsError> {
        self.decoding.check()?;
        if self.model.use_hf_datasets {
            return Err(hf_datasets());
        }
        if self.as_reranker {
            return Err(ArgsError::Unsupported {
                key: "as_reranker".into(),
                reason: "monoT5 reranking (rerank, qrels) is not implemented".into(),
            });
        }
        if self.evaluate_before_training {
            return Err(ArgsError::Unsupported {
                key: "evaluate_before_training".into(),
                reason: "the trainer evaluates during training by evaluate_during_training_steps \
                         and per epoch only"
                    .into(),
            });
        }
        if self.batch_chunk_size == Some(0) {
            return Err(ArgsError::InvalidValue {
                key: "batch_chunk_size".into(),
                reason: "must be at least 1".into(),
            });
        }
        Ok(())
    }
}

fn hf_datasets() -> ArgsError {
    ArgsError::Unsupported {
        key: "use_hf_datasets".into(),
        reason: "the Hugging Face `datasets` library is Python's; give input_text/target_text \
                 rows (TSV, CSV or JSON Lines)"
            .into(),
    }
}

/// What the task model needs from either args type.
pub trait Seq2SeqTaskArgs: TaskArgs + Clone + Send + Sync {
    /// The decoding arguments.
    fn decoding(&self) -> &DecodingArgs;
    /// The text the encoder reads for a row (T5: with its prefix, as `add_prefix` and
    /// `preprocess_inputs` say).
    fn source_text(&self, prefix: Option<&str>, input_text: &str) -> String;
    /// Whether rows carry a `prefix` column (T5's data).
    const HAS_PREFIX: bool;
    /// Tokens to add to the tokenizer.
    fn added_tokens(&self) -> &[String] {
        &[]
    }
    /// Training rows are shuffled in chunks of this many.
    fn batch_chunk_size(&self) -> Option<usize> {
        None
    }
    /// mBART's source and target language codes.
    fn languages(&self) -> Option<(&str, &str)> {
        None
    }
}

impl Seq2SeqTaskArgs for Seq2SeqArgs {
    const HAS_PREFIX: bool = false;

    fn decoding(&self) -> &DecodingArgs {
        &self.decoding
    }

    fn source_text(&self, _prefix: Option<&str>, input_text: &str) -> String {
        input_text.to_string()
    }

    fn languages(&self) -> Option<(&str, &str)> {
        Some((&self.src_lang, &self.tgt_lang))
    }
}

impl Seq2SeqTaskArgs for T5Args {
    const HAS_PREFIX: bool = true;

    fn decoding(&self) -> &DecodingArgs {
        &self.decoding
    }

    fn source_text(&self, prefix: Option<&str>, input_text: &str) -> String {
        match prefix {
            Some(prefix) if self.add_prefix => {
                if self.preprocess_inputs {
                    format!("{prefix}: {input_text}")
                } else {
                    format!("{prefix}{input_text}")
                }
            }
            _ => input_text.to_string(),
        }
    }

    fn added_tokens(&self) -> &[String] {
        &self.special_tokens_list
    }

    fn batch_chunk_size(&self) -> Option<usize> {
        self.batch_chunk_size
    }
}

//! The built-in BERT-family architectures: how each reads its `config.json` and names its
//! parameters in Hugging Face checkpoints.
//!
//! Every architecture maps the same Burn parameter paths (see [`crate::Encoder`]):
//!
//! | Burn path                              | meaning                          |
//! |----------------------------------------|----------------------------------|
//! | `embeddings.word_embeddings.weight`    | token embeddings                 |
//! | `embeddings.position_embeddings.weight`| position embeddings              |
//! | `embeddings.token_type_embeddings.weight` | segment embeddings            |
//! | `embeddings.norm.{weight,bias}`        | embedding LayerNorm              |
//! | `projection.{weight,bias}`             | embedding → hidden projection    |
//! | `layers.N.attention.{query,key,value}.*` | attention projections          |
//! | `layers.N.attention.output.*`          | attention output projection      |
//! | `layers.N.attention.norm.*`            | post-attention LayerNorm         |
//! | `layers.N.intermediate.*`              | feed-forward in                  |
//! | `layers.N.output.*`                    | feed-forward out                 |
//! | `layers.N.norm.*`                      | post-feed-forward LayerNorm      |
//! | `pooler.dense.*`                       | pooler                           |
//!
//! (LayerNorm `gamma`/`beta` appear as `weight`/`bias` here; the loader renames them and
//! transposes linear weights.) Each module below documents its Hugging Face names.

pub mod albert;
pub mod bert;
pub mod distilbert;

use serde_json::Value;
use st_core::tokenizer::SpecialTokens;
use st_core::weights::NameMap;

use crate::ModelError;
use crate::config::{EncoderConfig, HfConfig};
use crate::heads::{HeadTask, SequenceHead, classifier_dropout};
use crate::mlm::MlmLayout;

/// An encoder architecture: how it reads its `config.json`, names its parameters, frames its
/// inputs, and which heads `transformers` puts on it for each task. Register one with
/// [`crate::register_encoder`] and every task crate can use it.
pub trait EncoderArchitecture: Send + Sync {
    /// The Simple Transformers `model_type` (`bert`, `xlmroberta`…).
    fn model_type(&self) -> &'static str;
    /// The `model_type` `transformers` writes in `config.json` (`xlm-roberta` for
    /// `xlmroberta`).
    fn hf_model_type(&self) -> &'static str {
        self.model_type()
    }
    /// Other names accepted for it (e.g. Hugging Face's `xlm-roberta`).
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }
    /// Read the architecture's `config.json` into an [`EncoderConfig`] (`has_pooler` is set by
    /// the loader from the checkpoint or the head).
    fn config(&self, hf: &HfConfig) -> Result<EncoderConfig, ModelError>;
    /// The Burn-path → Hugging Face-name map for a model of this configuration.
    fn name_map(&self, config: &EncoderConfig) -> Box<dyn NameMap>;
    /// The pooler weight's name (relative to the base model) when the architecture can have a
    /// pooler; the encoder gets one when the checkpoint has this tensor.
    fn pooler_weight(&self) -> Option<&'static str>;
    /// The special-token template for tokenizers rebuilt from vocabulary files.
    fn special_tokens(&self) -> SpecialTokens;
    /// Whether the model takes segment ids (token types).
    fn uses_token_type_ids(&self) -> bool {
        true
    }
    /// The `config.json` key holding a field of [`EncoderConfig`] (named as BERT names it),
    /// for error messages.
    fn config_key(&self, field: &'static str) -> &'static str {
        field
    }
    /// The stem of its `transformers` class names: `Bert` for `BertForSequenceClassification`.
    fn hf_class_prefix(&self) -> &'static str;
    /// The sequence-classification head `transformers` builds on it.
    fn sequence_head(&self) -> SequenceHead;
    /// The masked-LM head `transformers` builds on it (`*ForMaskedLM`), if it has one.
    fn mlm_head(&self) -> Option<MlmLayout> {
        None
    }
    /// The dropout probability of a task head, read from `config.json` as `transformers`
    /// reads it for this architecture. By default: `classifier_dropout` ?? `hidden_dropout_prob`
    /// for classification heads, and none before a question-answering head.
    fn head_dropout(&self, task: HeadTask, config: &Value) -> f64 {
        match task {
            HeadTask::QuestionAnswering | HeadTask::MaskedLm | HeadTask::PreTraining => 0.0,
            _ => classifier_dropout(config),
        }
    }
}

impl std::fmt::Debug for dyn EncoderArchitecture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EncoderArchitecture({})", self.model_type())
    }
}

/// Split `layers.N.rest` into `(N, rest)`.
fn split_layer(path: &str) -> Option<(usize, &str)> {
    let rest = path.strip_prefix("layers.")?;
    let (index, rest) = rest.split_once('.')?;
    Some((index.parse().ok()?, rest))
}

/// An architecture's Hugging Face names, as data: where each piece of the shared
/// [`crate::Encoder`] lives in its checkpoints. Every field is a name prefix; the parameter
/// name (`weight`, `bias`) is appended.
pub(crate) struct Names {
    /// The embedding LayerNorm.
    pub embeddings_norm: &'static str,
    /// The embedding → hidden projection, if the architecture has one.
    pub projection: Option<&'static str>,
    /// The pooler's dense layer.
    pub pooler: &'static str,
    /// The prefix of stored layer `N` (`encoder.layer.N`).
    pub layer: fn(usize) -> String,
    pub query: &'static str,
    pub key: &'static str,
    pub value: &'static str,
    pub attention_output: &'static str,
    pub attention_norm: &'static str,
    pub intermediate: &'static str,
    pub output: &'static str,
    pub output_norm: &'static str,
}

impl Names {
    /// The Hugging Face name of a Burn parameter path (LayerNorm already as weight/bias).
    pub fn hf_name(&self, path: &str) -> String {
        let swap = |prefix: &str, hf: &str| path.strip_prefix(prefix).map(|p| format!("{hf}.{p}"));
        if let Some(name) = swap("embeddings.norm.", self.embeddings_norm)
            .or_else(|| self.projection.and_then(|hf| swap("projection.", hf)))
            .or_else(|| swap("pooler.dense.", self.pooler))
        {
            return name;
        }
        let Some((n, rest)) = split_layer(path) else {
            return path.to_string();
        };
        let (piece, param) = rest.rsplit_once('.').unwrap_or((rest, ""));
        let local = match piece {
            "attention.query" => self.query,
            "attention.key" => self.key,
            "attention.value" => self.value,
            "attention.output" => self.attention_output,
            "attention.norm" => self.attention_norm,
            "intermediate" => self.intermediate,
            "output" => self.output,
            "norm" => self.output_norm,
            other => return format!("{}.{other}.{param}", (self.layer)(n)),
        };
        format!("{}.{local}.{param}", (self.layer)(n))
    }
}

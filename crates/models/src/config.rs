//! The configuration every BERT-family encoder is built from, normalised from each
//! architecture's own `config.json` keys.

use std::path::Path;

use serde_json::{Map, Value};

use crate::ModelError;

/// Activation functions named by `hidden_act` / `activation` in Hugging Face configs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// Exact GELU with erf (`gelu`).
    Gelu,
    /// The tanh approximation (`gelu_new`, `gelu_pytorch_tanh`, `gelu_fast`).
    GeluTanh,
    /// `relu`.
    Relu,
    /// `silu` / `swish`.
    Silu,
}

impl Activation {
    /// Parse a Hugging Face activation name.
    pub fn from_hf(name: &str) -> Option<Self> {
        Some(match name {
            "gelu" => Self::Gelu,
            "gelu_new" | "gelu_pytorch_tanh" | "gelu_fast" | "gelu_python" => Self::GeluTanh,
            "relu" => Self::Relu,
            "silu" | "swish" => Self::Silu,
            _ => return None,
        })
    }
}

/// How position ids are derived from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionIds {
    /// `0..seq_len` (BERT, DistilBERT, ELECTRA, ALBERT).
    Absolute,
    /// RoBERTa: `padding_idx + 1 + cumulative count of non-pad tokens`, `padding_idx` on pads.
    PaddingOffset { padding_idx: i64 },
}

/// Everything needed to build an [`crate::Encoder`].
#[derive(Debug, Clone, PartialEq)]
pub struct EncoderConfig {
    pub vocab_size: usize,
    /// Width of the embeddings; differs from `hidden_size` for ELECTRA and ALBERT, which then
    /// project embeddings up to `hidden_size`.
    pub embedding_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub activation: Activation,
    pub layer_norm_eps: f64,
    pub max_position_embeddings: usize,
    /// 0 when the architecture has no token-type embeddings (DistilBERT).
    pub type_vocab_size: usize,
    pub position_ids: PositionIds,
    pub hidden_dropout: f64,
    pub attention_dropout: f64,
    /// Project embeddings to `hidden_size` with a linear layer even when the sizes agree
    /// (ALBERT always has `embedding_hidden_mapping_in`).
    pub always_project: bool,
    /// ALBERT parameter sharing: layers form `num_hidden_groups` groups of `inner_group_num`.
    /// 0 means no sharing: one stored layer per step.
    pub num_hidden_groups: usize,
    pub inner_group_num: usize,
    /// The checkpoint has a pooler (dense + tanh over the first token).
    pub has_pooler: bool,
    pub pad_token_id: i64,
}

impl EncoderConfig {
    /// A BERT-shaped configuration (GELU, absolute positions, 512 positions, two token types,
    /// dropout 0.1, no pooler) — for benchmarks and models built from scratch.
    pub fn bert(
        vocab_size: usize,
        hidden_size: usize,
        num_hidden_layers: usize,
        num_attention_heads: usize,
        intermediate_size: usize,
    ) -> Self {
        Self {
            vocab_size,
            embedding_size: hidden_size,
            hidden_size,
            num_hidden_layers,
            num_attention_heads,
            intermediate_size,
            activation: Activation::Gelu,
            layer_norm_eps: 1e-12,
            max_position_embeddings: 512,
            type_vocab_size: 2,
            position_ids: PositionIds::Absolute,
            hidden_dropout: 0.1,
            attention_dropout: 0.1,
            always_project: false,
            num_hidden_groups: 0,
            inner_group_num: 0,
            has_pooler: false,
            pad_token_id: 0,
        }
    }

    /// Check the configuration before any tensor is built from it (Burn panics on a zero-sized
    /// or non-divisible shape); the error names `path` and the key.
    /// `key` gives the architecture's own `config.json` name of each field (DistilBERT calls
    /// `hidden_size` `dim`).
    pub fn validate(
        &self,
        path: &Path,
        key: &dyn Fn(&'static str) -> &'static str,
    ) -> Result<(), ModelError> {
        let bad = |field: &'static str, expected: &str, found: String| {
            Err(ModelError::bad_config(
                path,
                format!("key \"{}\": expected {expected}, found {found}", key(field)),
            ))
        };
        // hidden_size before embedding_size: most architectures have no embedding_size key
        // and take it from hidden_size, so a zero there must be reported as hidden_size.
        for (key, value) in [
            ("vocab_size", self.vocab_size),
            ("hidden_size", self.hidden_size),
            ("embedding_size", self.embedding_size),
            ("num_hidden_layers", self.num_hidden_layers),
            ("num_attention_heads", self.num_attention_heads),
            ("intermediate_size", self.intermediate_size),
            ("max_position_embeddings", self.max_position_embeddings),
        ] {
            if value == 0 {
                return bad(key, "a positive integer", "0".into());
            }
        }
        if !self.hidden_size.is_multiple_of(self.num_attention_heads) {
            return bad(
                "num_attention_heads",
                &format!("a divisor of hidden_size ({})", self.hidden_size),
                self.num_attention_heads.to_string(),
            );
        }
        for (key, p) in [
            ("hidden_dropout_prob", self.hidden_dropout),
            ("attention_probs_dropout_prob", self.attention_dropout),
        ] {
            if !(0.0..1.0).contains(&p) {
                return bad(key, "a probability in [0, 1)", p.to_string());
            }
        }
        if !(self.layer_norm_eps.is_finite() && self.layer_norm_eps > 0.0) {
            return bad(
                "layer_norm_eps",
                "a positive number",
                self.layer_norm_eps.to_string(),
            );
        }
        if self.pad_token_id < 0 || self.pad_token_id as usize >= self.vocab_size {
            return bad(
                "pad_token_id",
                &format!("an id below vocab_size ({})", self.vocab_size),
                self.pad_token_id.to_string(),
            );
        }
        if let PositionIds::PaddingOffset { padding_idx } = self.position_ids
            && padding_idx as usize >= self.max_position_embeddings
        {
            return bad(
                "max_position_embeddings",
                &format!("more than pad_token_id ({padding_idx}) positions"),
                self.max_position_embeddings.to_string(),
            );
        }
        if self.num_hidden_groups > 0 && self.inner_group_num == 0 {
            return bad("inner_group_num", "a positive integer", "0".into());
        }
        Ok(())
    }

    /// Whether embeddings go through a projection to `hidden_size`.
    pub fn has_projection(&self) -> bool {
        self.always_project || self.embedding_size != self.hidden_size
    }

    /// The same configuration with every dropout probability set to zero.
    pub fn without_dropout(mut self) -> Self {
        self.hidden_dropout = 0.0;
        self.attention_dropout = 0.0;
        self
    }

    /// Which stored layer runs at each step of the forward pass: the identity for most
    /// architectures; for ALBERT, every group's layers repeated as its sharing dictates.
    pub fn layer_schedule(&self) -> Vec<usize> {
        if self.num_hidden_groups == 0 {
            return (0..self.num_hidden_layers).collect();
        }
        let (groups, inner) = (self.num_hidden_groups, self.inner_group_num.max(1));
        (0..self.num_hidden_layers)
            .flat_map(|i| {
                let group = i * groups / self.num_hidden_layers;
                (0..inner).map(move |j| group * inner + j)
            })
            .collect()
    }

    /// Number of distinct layers stored.
    pub fn stored_layers(&self) -> usize {
        if self.num_hidden_groups == 0 {
            self.num_hidden_layers
        } else {
            self.num_hidden_groups * self.inner_group_num.max(1)
        }
    }
}

/// Typed access to `config.json` keys with errors that name the file and key.
pub struct HfConfig<'a> {
    pub path: &'a Path,
    pub map: &'a Map<String, Value>,
}

impl<'a> HfConfig<'a> {
    pub fn new(path: &'a Path, json: &'a Value) -> Result<Self, ModelError> {
        let map = json
            .as_object()
            .ok_or_else(|| ModelError::bad_config(path, "expected a JSON object"))?;
        Ok(Self { path, map })
    }

    fn err(&self, key: &str, expected: &str) -> ModelError {
        let found = match self.map.get(key) {
            None => "nothing (key missing)".to_string(),
            Some(v) => v.to_string(),
        };
        ModelError::bad_config(
            self.path,
            format!("key \"{key}\": expected {expected}, found {found}"),
        )
    }

    pub fn usize(&self, key: &str) -> Result<usize, ModelError> {
        self.map
            .get(key)
            .and_then(Value::as_u64)
            .map(|v| v as usize)
            .ok_or_else(|| self.err(key, "a non-negative integer"))
    }

    pub fn usize_or(&self, key: &str, default: usize) -> Result<usize, ModelError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(_) => self.usize(key),
        }
    }

    pub fn f64_or(&self, key: &str, default: f64) -> Result<f64, ModelError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v.as_f64().ok_or_else(|| self.err(key, "a number")),
        }
    }

    pub fn i64_or(&self, key: &str, default: i64) -> Result<i64, ModelError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v.as_i64().ok_or_else(|| self.err(key, "an integer")),
        }
    }

    pub fn activation(&self, key: &str, default: &str) -> Result<Activation, ModelError> {
        let name = match self.map.get(key) {
            None | Some(Value::Null) => default,
            Some(Value::String(s)) => s.as_str(),
            Some(_) => return Err(self.err(key, "an activation name")),
        };
        Activation::from_hf(name).ok_or_else(|| {
            self.err(
                key,
                "one of gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, relu, silu, swish",
            )
        })
    }

    pub fn bool_or(&self, key: &str, default: bool) -> Result<bool, ModelError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v.as_bool().ok_or_else(|| self.err(key, "true or false")),
        }
    }

    /// An optional token id: absent or null is `None`.
    pub fn token_id(&self, key: &str) -> Result<Option<u32>, ModelError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|id| u32::try_from(id).ok())
                .map(Some)
                .ok_or_else(|| self.err(key, "a token id")),
        }
    }

    pub fn str_or(&self, key: &str, default: &'a str) -> &'a str {
        self.map.get(key).and_then(Value::as_str).unwrap_or(default)
    }
}

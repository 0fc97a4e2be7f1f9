//! [`T5Config`] from a T5 / mT5 `config.json`, with `transformers`' names and defaults.

use std::path::Path;

use crate::ModelError;
use crate::config::{Activation, HfConfig};

/// What a T5 model is built from.
#[derive(Debug, Clone, PartialEq)]
pub struct T5Config {
    pub vocab_size: usize,
    pub d_model: usize,
    /// Width of one attention head's keys and values (`d_kv`; heads × `d_kv` need not be
    /// `d_model`).
    pub d_kv: usize,
    pub d_ff: usize,
    pub num_layers: usize,
    /// Decoder depth (`num_decoder_layers`, default `num_layers`).
    pub num_decoder_layers: usize,
    pub num_heads: usize,
    pub relative_attention_num_buckets: usize,
    pub relative_attention_max_distance: usize,
    pub dropout_rate: f64,
    pub layer_norm_epsilon: f64,
    /// The feed-forward activation (`feed_forward_proj`'s last part; `gated-gelu` is
    /// `gelu_new`, as `transformers` reads it).
    pub activation: Activation,
    /// A gated feed-forward (`gated-…`: v1.1, mT5): `wo(act(wi_0·x) ⊙ wi_1·x)`.
    pub gated: bool,
    /// Whether the decoder output is scaled by `d_model^-0.5` before the LM head (v1.0; not
    /// v1.1 / mT5). `scale_decoder_outputs` where a config has it (transformers ≥ 5), else
    /// `tie_word_embeddings` (older configs: false means an untied, unscaled head).
    pub scale_decoder_outputs: bool,
    pub pad_token_id: u32,
    pub eos_token_id: u32,
    /// The first decoder input (T5: the pad token).
    pub decoder_start_token_id: u32,
}

impl T5Config {
    /// Reads `hf`; unknown activations and impossible shapes are errors naming the key.
    pub fn from_hf(hf: &HfConfig) -> Result<Self, ModelError> {
        let proj = hf.str_or("feed_forward_proj", "relu");
        let parts: Vec<&str> = proj.split('-').collect();
        let (gated, act) = match parts.as_slice() {
            [act] => (false, *act),
            ["gated", act] => (true, *act),
            _ => {
                return Err(ModelError::bad_config(
                    hf.path,
                    format!(
                        "key \"feed_forward_proj\": expected \"ACT\" or \"gated-ACT\", found {proj:?}"
                    ),
                ));
            }
        };
        let act = if proj == "gated-gelu" {
            "gelu_new"
        } else {
            act
        };
        let activation = Activation::from_hf(act).ok_or_else(|| {
            ModelError::bad_config(
                hf.path,
                format!("key \"feed_forward_proj\": unknown activation {act:?} in {proj:?}"),
            )
        })?;
        let tied = hf.bool_or("tie_word_embeddings", true)?;
        let num_layers = hf.usize_or("num_layers", 6)?;
        let pad_token_id = hf.token_id("pad_token_id")?.unwrap_or(0);
        Ok(Self {
            vocab_size: hf.usize_or("vocab_size", 32128)?,
            d_model: hf.usize_or("d_model", 512)?,
            d_kv: hf.usize_or("d_kv", 64)?,
            d_ff: hf.usize_or("d_ff", 2048)?,
            num_layers,
            num_decoder_layers: hf.usize_or("num_decoder_layers", num_layers)?,
            num_heads: hf.usize_or("num_heads", 8)?,
            relative_attention_num_buckets: hf.usize_or("relative_attention_num_buckets", 32)?,
            relative_attention_max_distance: hf.usize_or("relative_attention_max_distance", 128)?,
            dropout_rate: hf.f64_or("dropout_rate", 0.1)?,
            layer_norm_epsilon: hf.f64_or("layer_norm_epsilon", 1e-6)?,
            activation,
            gated,
            scale_decoder_outputs: hf.bool_or("scale_decoder_outputs", tied)?,
            pad_token_id,
            eos_token_id: hf.token_id("eos_token_id")?.unwrap_or(1),
            decoder_start_token_id: hf
                .token_id("decoder_start_token_id")?
                .unwrap_or(pad_token_id),
        })
    }

    /// Shapes that cannot build a model are refused, naming `path`'s key.
    pub fn validate(&self, path: &Path) -> Result<(), ModelError> {
        let positive = [
            ("vocab_size", self.vocab_size),
            ("d_model", self.d_model),
            ("d_kv", self.d_kv),
            ("d_ff", self.d_ff),
            ("num_layers", self.num_layers),
            ("num_decoder_layers", self.num_decoder_layers),
            ("num_heads", self.num_heads),
        ];
        if let Some((key, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(ModelError::bad_config(
                path,
                format!("key \"{key}\": must be at least 1"),
            ));
        }
        // Bidirectional buckets are split in two halves, each half again into exact and
        // logarithmic ones: fewer than 4 leaves a half without either.
        if self.relative_attention_num_buckets < 4 {
            return Err(ModelError::bad_config(
                path,
                format!(
                    "key \"relative_attention_num_buckets\": expected at least 4, found {}",
                    self.relative_attention_num_buckets
                ),
            ));
        }
        if !(0.0..1.0).contains(&self.dropout_rate) {
            return Err(ModelError::bad_config(
                path,
                format!(
                    "key \"dropout_rate\": expected [0, 1), found {}",
                    self.dropout_rate
                ),
            ));
        }
        Ok(())
    }

    /// Width of all heads together.
    pub fn inner_dim(&self) -> usize {
        self.num_heads * self.d_kv
    }
}

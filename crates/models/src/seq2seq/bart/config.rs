//! [`BartConfig`] from a BART `config.json`, with `transformers`' names and defaults.

use std::path::Path;

use crate::ModelError;
use crate::config::{Activation, HfConfig};

/// What a BART model is built from.
#[derive(Debug, Clone, PartialEq)]
pub struct BartConfig {
    pub vocab_size: usize,
    pub d_model: usize,
    pub encoder_layers: usize,
    pub decoder_layers: usize,
    pub encoder_attention_heads: usize,
    pub decoder_attention_heads: usize,
    pub encoder_ffn_dim: usize,
    pub decoder_ffn_dim: usize,
    pub max_position_embeddings: usize,
    pub activation: Activation,
    pub dropout: f64,
    pub attention_dropout: f64,
    pub activation_dropout: f64,
    /// Token embeddings multiplied by `sqrt(d_model)`.
    pub scale_embedding: bool,
    pub pad_token_id: u32,
    pub eos_token_id: u32,
    pub decoder_start_token_id: u32,
}

/// `nn.LayerNorm`'s default, which BART keeps.
pub const BART_LAYER_NORM_EPS: f64 = 1e-5;

impl BartConfig {
    /// Reads `hf`; a bad value is an error naming its key.
    pub fn from_hf(hf: &HfConfig) -> Result<Self, ModelError> {
        Ok(Self {
            vocab_size: hf.usize_or("vocab_size", 50265)?,
            d_model: hf.usize_or("d_model", 1024)?,
            encoder_layers: hf.usize_or("encoder_layers", 12)?,
            decoder_layers: hf.usize_or("decoder_layers", 12)?,
            encoder_attention_heads: hf.usize_or("encoder_attention_heads", 16)?,
            decoder_attention_heads: hf.usize_or("decoder_attention_heads", 16)?,
            encoder_ffn_dim: hf.usize_or("encoder_ffn_dim", 4096)?,
            decoder_ffn_dim: hf.usize_or("decoder_ffn_dim", 4096)?,
            max_position_embeddings: hf.usize_or("max_position_embeddings", 1024)?,
            activation: hf.activation("activation_function", "gelu")?,
            dropout: hf.f64_or("dropout", 0.1)?,
            attention_dropout: hf.f64_or("attention_dropout", 0.0)?,
            activation_dropout: hf.f64_or("activation_dropout", 0.0)?,
            scale_embedding: hf.bool_or("scale_embedding", false)?,
            pad_token_id: hf.token_id("pad_token_id")?.unwrap_or(1),
            eos_token_id: hf.token_id("eos_token_id")?.unwrap_or(2),
            decoder_start_token_id: hf.token_id("decoder_start_token_id")?.unwrap_or(2),
        })
    }

    /// Shapes that cannot build a model are refused, naming `path`'s key.
    pub fn validate(&self, path: &Path) -> Result<(), ModelError> {
        let positive = [
            ("vocab_size", self.vocab_size),
            ("d_model", self.d_model),
            ("encoder_layers", self.encoder_layers),
            ("decoder_layers", self.decoder_layers),
            ("max_position_embeddings", self.max_position_embeddings),
        ];
        if let Some((key, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(ModelError::bad_config(
                path,
                format!("key \"{key}\": must be at least 1"),
            ));
        }
        for (key, heads) in [
            ("encoder_attention_heads", self.encoder_attention_heads),
            ("decoder_attention_heads", self.decoder_attention_heads),
        ] {
            if heads == 0 || !self.d_model.is_multiple_of(heads) {
                return Err(ModelError::bad_config(
                    path,
                    format!(
                        "key \"{key}\": {heads} heads do not divide d_model {}",
                        self.d_model
                    ),
                ));
            }
        }
        for (key, p) in [
            ("dropout", self.dropout),
            ("attention_dropout", self.attention_dropout),
            ("activation_dropout", self.activation_dropout),
        ] {
            if !(0.0..1.0).contains(&p) {
                return Err(ModelError::bad_config(
                    path,
                    format!("key \"{key}\": expected [0, 1), found {p}"),
                ));
            }
        }
        Ok(())
    }
}

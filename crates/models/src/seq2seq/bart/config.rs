//! [`BartConfig`] from a BART, mBART or Marian `config.json`, with `transformers`' names and
//! defaults (`model_type` says which).

use std::path::Path;

use crate::ModelError;
use crate::config::{Activation, HfConfig};

/// The members of the BART family: the same modules, arranged three ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BartFlavor {
    /// BART: post-LayerNorm layers, learned positions, a LayerNorm after the embeddings.
    Bart,
    /// mBART: pre-LayerNorm layers and a final LayerNorm per stack; the decoder starts from
    /// the label's language code (its last token), not from one fixed start token.
    MBart,
    /// Marian: BART's post-LayerNorm layers with fixed sinusoidal positions (not offset, not
    /// trained) and no LayerNorm after the embeddings.
    Marian,
}

impl BartFlavor {
    /// The `transformers` class this flavor saves as.
    pub fn class_name(self) -> &'static str {
        match self {
            Self::Bart => "BartForConditionalGeneration",
            Self::MBart => "MBartForConditionalGeneration",
            Self::Marian => "MarianMTModel",
        }
    }

    /// Normalise each sub-layer's input (mBART) instead of its residual sum (BART, Marian).
    pub fn normalize_before(self) -> bool {
        self == Self::MBart
    }

    /// Rows of the position table before position 0 (fairseq's padding offset).
    pub fn position_offset(self) -> usize {
        if self == Self::Marian { 0 } else { 2 }
    }
}

/// What a BART, mBART or Marian model is built from.
#[derive(Debug, Clone, PartialEq)]
pub struct BartConfig {
    pub flavor: BartFlavor,
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
        let flavor = match hf.str_or("model_type", "bart") {
            "bart" => BartFlavor::Bart,
            "mbart" => BartFlavor::MBart,
            "marian" => BartFlavor::Marian,
            other => {
                return Err(ModelError::bad_config(
                    hf.path,
                    format!("key \"model_type\": expected bart, mbart or marian, found {other}"),
                ));
            }
        };
        let marian = flavor == BartFlavor::Marian;
        if marian {
            // Separate decoder embeddings would be a fourth layout; every Marian checkpoint
            // published (OPUS-MT) shares one table.
            if !hf.bool_or("share_encoder_decoder_embeddings", true)? {
                return Err(ModelError::bad_config(
                    hf.path,
                    "key \"share_encoder_decoder_embeddings\": false (separate source and target \
                     embeddings) is not supported; expected true",
                ));
            }
            let vocab = hf.usize_or("vocab_size", 58101)?;
            if hf.usize_or("decoder_vocab_size", vocab)? != vocab {
                return Err(ModelError::bad_config(
                    hf.path,
                    format!(
                        "key \"decoder_vocab_size\": expected vocab_size {vocab} (one shared table)"
                    ),
                ));
            }
        }
        if !hf.bool_or("tie_word_embeddings", true)? {
            return Err(ModelError::bad_config(
                hf.path,
                "key \"tie_word_embeddings\": false (an untied LM head) is not supported for this \
                 family; expected true",
            ));
        }
        let (pad, eos, start) = if marian { (58100, 0, 58100) } else { (1, 2, 2) };
        Ok(Self {
            flavor,
            vocab_size: hf.usize_or("vocab_size", if marian { 58101 } else { 50265 })?,
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
            pad_token_id: hf.token_id("pad_token_id")?.unwrap_or(pad),
            eos_token_id: hf.token_id("eos_token_id")?.unwrap_or(eos),
            // mBART has none (labels start from their language code); generation then starts
            // from `</s>`, as BART.
            decoder_start_token_id: hf.token_id("decoder_start_token_id")?.unwrap_or(start),
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

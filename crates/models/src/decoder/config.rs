//! The configuration a GPT-2-shaped decoder is built from.

use std::path::Path;

use crate::ModelError;
use crate::config::Activation;

/// Everything needed to build a GPT-2-shaped decoder.
#[derive(Debug, Clone, PartialEq)]
pub struct DecoderConfig {
    pub vocab_size: usize,
    /// Learned positions: the longest sequence (prompt and generated text together).
    pub n_positions: usize,
    pub n_embd: usize,
    pub n_layer: usize,
    pub n_head: usize,
    /// The MLP's inner width (GPT-2: `n_inner`, default 4·`n_embd`).
    pub n_inner: usize,
    pub activation: Activation,
    pub layer_norm_epsilon: f64,
    pub resid_pdrop: f64,
    pub embd_pdrop: f64,
    pub attn_pdrop: f64,
    /// Scale attention scores by 1/√head_dim (`scale_attn_weights`, on in every GPT-2).
    pub scale_attn_weights: bool,
    /// Also scale by 1/(layer + 1) (`scale_attn_by_inverse_layer_idx`).
    pub scale_attn_by_inverse_layer_idx: bool,
    pub bos_token_id: Option<u32>,
    pub eos_token_id: Option<u32>,
    pub pad_token_id: Option<u32>,
}

impl DecoderConfig {
    /// The width of one attention head.
    pub fn head_dim(&self) -> usize {
        self.n_embd / self.n_head.max(1)
    }

    /// The same configuration with every dropout probability set to zero.
    pub fn without_dropout(mut self) -> Self {
        self.resid_pdrop = 0.0;
        self.embd_pdrop = 0.0;
        self.attn_pdrop = 0.0;
        self
    }

    /// Check the configuration before any tensor is built from it; errors name `path` and the
    /// `config.json` key.
    pub fn validate(&self, path: &Path) -> Result<(), ModelError> {
        let bad = |key: &str, expected: &str, found: String| {
            Err(ModelError::bad_config(
                path,
                format!("key \"{key}\": expected {expected}, found {found}"),
            ))
        };
        for (key, value) in [
            ("vocab_size", self.vocab_size),
            ("n_embd", self.n_embd),
            ("n_layer", self.n_layer),
            ("n_head", self.n_head),
            ("n_inner", self.n_inner),
            ("n_positions", self.n_positions),
        ] {
            if value == 0 {
                return bad(key, "a positive integer", "0".into());
            }
        }
        if !self.n_embd.is_multiple_of(self.n_head) {
            return bad(
                "n_head",
                &format!("a divisor of n_embd ({})", self.n_embd),
                self.n_head.to_string(),
            );
        }
        for (key, p) in [
            ("resid_pdrop", self.resid_pdrop),
            ("embd_pdrop", self.embd_pdrop),
            ("attn_pdrop", self.attn_pdrop),
        ] {
            if !(0.0..1.0).contains(&p) {
                return bad(key, "a probability in [0, 1)", p.to_string());
            }
        }
        if !(self.layer_norm_epsilon.is_finite() && self.layer_norm_epsilon > 0.0) {
            return bad(
                "layer_norm_epsilon",
                "a positive number",
                self.layer_norm_epsilon.to_string(),
            );
        }
        for (key, id) in [
            ("bos_token_id", self.bos_token_id),
            ("eos_token_id", self.eos_token_id),
            ("pad_token_id", self.pad_token_id),
        ] {
            if let Some(id) = id
                && id as usize >= self.vocab_size
            {
                return bad(
                    key,
                    &format!("an id below vocab_size ({})", self.vocab_size),
                    id.to_string(),
                );
            }
        }
        Ok(())
    }
}

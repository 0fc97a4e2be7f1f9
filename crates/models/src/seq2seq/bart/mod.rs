//! BART as `transformers`' `BartForConditionalGeneration`, and its two relatives on the same
//! modules ([`BartFlavor`]): mBART (`MBartForConditionalGeneration`: pre-LayerNorm layers, a
//! final LayerNorm per stack `model.{encoder,decoder}.layer_norm.*`, labels that start from
//! their language code) and Marian (`MarianMTModel`: fixed sinusoidal positions from row 0, not
//! trained and not required in a checkpoint, no `layernorm_embedding`).
//!
//! Post-LayerNorm encoder and decoder layers (attention, then the feed-forward, each followed
//! by its residual and LayerNorm) with biases everywhere, learned positions offset by 2 (rows 0
//! and 1 of `embed_positions` are never used, as in fairseq), token embeddings `shared` by both
//! stacks and scaled by `sqrt(d_model)` when `scale_embedding`, a LayerNorm right after the
//! embeddings, and an LM head tied to `shared` plus the `final_logits_bias` buffer.
//!
//! The Burn modules carry the Hugging Face names, so the map is the identity (LayerNorm
//! `gamma`/`beta` as `weight`/`bias`, linear weights transposed, by the loader):
//! `model.shared.weight`, `model.{encoder,decoder}.embed_positions.weight`,
//! `….layernorm_embedding.*`, `….layers.N.self_attn.{q,k,v,out}_proj.*`,
//! `….layers.N.self_attn_layer_norm.*`, `model.decoder.layers.N.encoder_attn.*`,
//! `….encoder_attn_layer_norm.*`, `….layers.N.fc1.*`, `.fc2.*`, `.final_layer_norm.*`, and
//! `final_logits_bias`. The tied copies `lm_head.weight` and `model.{encoder,decoder}
//! .embed_tokens.weight` are ignored when a checkpoint carries them.

mod config;
mod generate;
mod model;

pub use config::{BartConfig, BartFlavor};
pub use model::{
    BartAttention, BartForConditionalGeneration, BartLayer, BartModel, BartStack, load_bart,
    load_bart_configured, save_bart, shift_wrapping_last,
};

use st_core::weights::{HfName, NameMap};

/// Burn paths → Hugging Face names of [`BartForConditionalGeneration`]: the same.
#[derive(Debug, Clone, Copy, Default)]
pub struct BartNames;

impl NameMap for BartNames {
    fn hf_name(&self, path: &str) -> HfName {
        HfName {
            name: path.to_string(),
            in_base_model: false,
        }
    }

    fn base_model_prefix(&self) -> &str {
        "model"
    }

    fn is_ignorable(&self, hf_name: &str) -> bool {
        matches!(
            hf_name,
            "lm_head.weight"
                | "model.encoder.embed_tokens.weight"
                | "model.decoder.embed_tokens.weight"
        )
    }
}

//! T5 (v1.0, v1.1) and mT5 as `transformers`' `T5ForConditionalGeneration`.
//!
//! What differs from the BERT family: RMS normalisation before each sub-layer (no mean, no
//! bias), no bias in any projection, unscaled attention scores plus a learned relative
//! position bias (see [`position`]), one embedding table `shared` by both stacks, and an LM
//! head that is either that table (v1.0, with the decoder output scaled by `d_model^-0.5`) or
//! its own `lm_head.weight` (v1.1, mT5). The config says whether to scale; the checkpoint says
//! whether the head is untied (it holds an `lm_head.weight` unequal to `shared.weight`), as
//! `transformers` 5 decides both.
//!
//! | Burn path | Hugging Face name |
//! |---|---|
//! | `shared.weight`, `lm_head.weight` | the same |
//! | `{encoder,decoder}.block.N.self_attention.attention.{q,k,v,o}.weight` | `….block.N.layer.0.SelfAttention.{q,k,v,o}.weight` |
//! | `….block.0.self_attention.attention.relative_attention_bias.weight` | `….block.0.layer.0.SelfAttention.relative_attention_bias.weight` |
//! | `….block.N.self_attention.layer_norm.gamma` | `….block.N.layer.0.layer_norm.weight` |
//! | `decoder.block.N.cross_attention.attention.*`, `.layer_norm.gamma` | `decoder.block.N.layer.1.EncDecAttention.*`, `.layer.1.layer_norm.weight` |
//! | `….block.N.feed_forward.dense.{wi,wi_0,wi_1,wo}.weight` | `….block.N.layer.{1 encoder, 2 decoder}.DenseReluDense.*` |
//! | `….block.N.feed_forward.layer_norm.gamma` | `….block.N.layer.{1, 2}.layer_norm.weight` |
//! | `{encoder,decoder}.final_layer_norm.gamma` | `….final_layer_norm.weight` |
//!
//! Linear weights are transposed between Burn's `[in, out]` and PyTorch's `[out, in]`.
//! `encoder.embed_tokens.weight` / `decoder.embed_tokens.weight`, copies of `shared` in some
//! checkpoints, are ignored.

mod config;
mod generate;
mod layers;
mod model;
pub mod position;

pub use config::T5Config;
pub use layers::{T5Attention, T5AttentionLayer, T5Block, T5Dense, T5FeedForward, T5Stack};
pub use model::{T5ForConditionalGeneration, load_t5, load_t5_configured, save_t5};

use st_core::weights::{HfName, NameMap};

/// Burn paths → Hugging Face names of [`T5ForConditionalGeneration`] (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct T5Names;

impl NameMap for T5Names {
    fn hf_name(&self, path: &str) -> HfName {
        HfName {
            name: hf_name(path),
            in_base_model: false,
        }
    }

    fn base_model_prefix(&self) -> &str {
        "transformer"
    }

    fn is_ignorable(&self, hf_name: &str) -> bool {
        hf_name == "encoder.embed_tokens.weight" || hf_name == "decoder.embed_tokens.weight"
    }
}

fn hf_name(path: &str) -> String {
    let Some((stack, rest)) = path.split_once(".block.") else {
        return path.to_string();
    };
    let Some((index, rest)) = rest.split_once('.') else {
        return path.to_string();
    };
    let feed_forward_layer = if stack == "decoder" { 2 } else { 1 };
    let rest = if let Some(tail) = rest.strip_prefix("self_attention.") {
        sublayer(0, "SelfAttention", tail)
    } else if let Some(tail) = rest.strip_prefix("cross_attention.") {
        sublayer(1, "EncDecAttention", tail)
    } else if let Some(tail) = rest.strip_prefix("feed_forward.") {
        sublayer(feed_forward_layer, "DenseReluDense", tail)
    } else {
        rest.to_string()
    };
    format!("{stack}.block.{index}.{rest}")
}

/// `layer.{index}.{inner}.…` for a sub-layer's own weights (`attention.` / `dense.`), and
/// `layer.{index}.layer_norm.…` for its norm.
fn sublayer(index: usize, inner: &str, tail: &str) -> String {
    let own = tail
        .strip_prefix("attention.")
        .or_else(|| tail.strip_prefix("dense."));
    match own {
        Some(own) => format!("layer.{index}.{inner}.{own}"),
        None => format!("layer.{index}.{tail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burn_paths_map_to_transformers_names() {
        let cases = [
            ("shared.weight", "shared.weight"),
            ("lm_head.weight", "lm_head.weight"),
            (
                "encoder.block.0.self_attention.attention.relative_attention_bias.weight",
                "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
            ),
            (
                "encoder.block.1.self_attention.layer_norm.weight",
                "encoder.block.1.layer.0.layer_norm.weight",
            ),
            (
                "encoder.block.1.feed_forward.dense.wi.weight",
                "encoder.block.1.layer.1.DenseReluDense.wi.weight",
            ),
            (
                "encoder.block.1.feed_forward.layer_norm.weight",
                "encoder.block.1.layer.1.layer_norm.weight",
            ),
            (
                "decoder.block.2.cross_attention.attention.k.weight",
                "decoder.block.2.layer.1.EncDecAttention.k.weight",
            ),
            (
                "decoder.block.0.feed_forward.dense.wi_1.weight",
                "decoder.block.0.layer.2.DenseReluDense.wi_1.weight",
            ),
            (
                "decoder.final_layer_norm.weight",
                "decoder.final_layer_norm.weight",
            ),
        ];
        for (burn, hf) in cases {
            assert_eq!(hf_name(burn), hf, "{burn}");
        }
    }
}

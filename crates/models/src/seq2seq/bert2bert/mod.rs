//! BERT2BERT: `transformers`' `EncoderDecoderModel` built from two BERTs, as
//! `EncoderDecoderModel.from_encoder_decoder_pretrained(encoder, decoder)` builds it: the
//! encoder a `BertModel`, the decoder a `BertLMHeadModel` (`is_decoder`, `add_cross_attention`:
//! causal self-attention, then cross-attention over the encoder's states, in every layer), the
//! loss over labels shifted right behind `decoder_start_token_id`.
//!
//! | Burn path | Hugging Face name |
//! |---|---|
//! | `encoder.<p>` | `encoder.` + BERT's name of `<p>` (see [`crate::arch::bert`]) |
//! | `decoder.embeddings.<p>` | `decoder.bert.embeddings.…` |
//! | `decoder.layers.N.base.<p>` | `decoder.bert.encoder.layer.N.…` (BERT's layer names) |
//! | `decoder.layers.N.crossattention.<p>` | `decoder.bert.encoder.layer.N.crossattention.…` (as `attention.…`) |
//! | `decoder.head.<p>` | `decoder.cls.predictions.…` (BERT's masked-LM head) |
//!
//! The head's decoder is tied to the decoder's word embeddings; its saved copies
//! (`decoder.cls.predictions.decoder.*`) are ignored on load.

mod load;
mod model;

pub use load::{load_bert2bert, load_bert2bert_pair, save_bert2bert};
pub use model::{Bert2Bert, BertDecoder, BertDecoderLayer};

use st_core::weights::{HfName, NameMap};

use crate::arch::bert::{BertFamily, Variant};
use crate::heads::HeadNames;
use crate::mlm::MlmLayout;

const BERT: BertFamily = BertFamily(Variant::Bert);

/// A decoder path (without `decoder.`) → its name in a `BertLMHeadModel` checkpoint, and whether
/// it is in the base model (`bert.`).
fn decoder_name(path: &str) -> HfName {
    if let Some(head) = path.strip_prefix("head.") {
        return HfName {
            name: MlmLayout::Bert.hf_name(head),
            in_base_model: false,
        };
    }
    let name = if let Some((layer, rest)) = path.split_once(".crossattention.") {
        BERT.hf_name(&format!("{layer}.attention.{rest}"))
            .name
            .replace(".attention.", ".crossattention.")
    } else {
        BERT.hf_name(&path.replace(".base.", ".")).name
    };
    HfName {
        name,
        in_base_model: true,
    }
}

/// Names of a whole [`Bert2Bert`] in an `EncoderDecoderModel` checkpoint.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bert2BertNames;

impl NameMap for Bert2BertNames {
    fn hf_name(&self, path: &str) -> HfName {
        let name = if let Some(rest) = path.strip_prefix("encoder.") {
            format!("encoder.{}", BERT.hf_name(rest).name)
        } else if let Some(rest) = path.strip_prefix("decoder.") {
            let inner = decoder_name(rest);
            if inner.in_base_model {
                format!("decoder.bert.{}", inner.name)
            } else {
                format!("decoder.{}", inner.name)
            }
        } else {
            path.to_string()
        };
        HfName {
            name,
            in_base_model: false,
        }
    }

    fn base_model_prefix(&self) -> &str {
        ""
    }

    fn is_ignorable(&self, hf_name: &str) -> bool {
        hf_name.starts_with("decoder.cls.predictions.decoder.") || BERT.is_ignorable(hf_name)
    }
}

/// Names of a [`BertDecoder`] in a decoder's own checkpoint (`BertLMHeadModel`, or a plain
/// `BertModel` whose head and cross-attention are then missing).
#[derive(Debug, Clone, Copy, Default)]
pub struct BertDecoderNames;

impl NameMap for BertDecoderNames {
    fn hf_name(&self, path: &str) -> HfName {
        decoder_name(path)
    }

    fn base_model_prefix(&self) -> &str {
        "bert"
    }

    fn is_ignorable(&self, hf_name: &str) -> bool {
        hf_name.starts_with("cls.predictions.decoder.") || BERT.is_ignorable(hf_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_encoder_decoder_model() {
        let name = |p: &str| Bert2BertNames.hf_name(p).name;
        assert_eq!(
            name("encoder.layers.1.attention.query.weight"),
            "encoder.encoder.layer.1.attention.self.query.weight"
        );
        assert_eq!(
            name("decoder.layers.0.base.attention.norm.gamma"),
            "decoder.bert.encoder.layer.0.attention.output.LayerNorm.gamma"
        );
        assert_eq!(
            name("decoder.layers.0.crossattention.key.bias"),
            "decoder.bert.encoder.layer.0.crossattention.self.key.bias"
        );
        assert_eq!(
            name("decoder.layers.1.base.intermediate.weight"),
            "decoder.bert.encoder.layer.1.intermediate.dense.weight"
        );
        assert_eq!(
            name("decoder.head.dense.weight"),
            "decoder.cls.predictions.transform.dense.weight"
        );
        assert_eq!(name("decoder.head.bias"), "decoder.cls.predictions.bias");
    }
}

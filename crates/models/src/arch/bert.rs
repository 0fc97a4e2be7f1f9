//! BERT and the architectures that share its parameter names: RoBERTa, XLM-RoBERTa, CamemBERT
//! (RoBERTa with its own tokenizer) and ELECTRA (discriminator / base model).
//!
//! | Burn path                        | Hugging Face name                               |
//! |----------------------------------|-------------------------------------------------|
//! | `embeddings.norm.*`              | `embeddings.LayerNorm.*`                        |
//! | `embeddings.<table>.weight`      | `embeddings.<table>.weight`                     |
//! | `projection.*` (ELECTRA)         | `embeddings_project.*`                          |
//! | `layers.N.attention.query.*`     | `encoder.layer.N.attention.self.query.*` (also key, value) |
//! | `layers.N.attention.output.*`    | `encoder.layer.N.attention.output.dense.*`      |
//! | `layers.N.attention.norm.*`      | `encoder.layer.N.attention.output.LayerNorm.*`  |
//! | `layers.N.intermediate.*`        | `encoder.layer.N.intermediate.dense.*`          |
//! | `layers.N.output.*`              | `encoder.layer.N.output.dense.*`                |
//! | `layers.N.norm.*`                | `encoder.layer.N.output.LayerNorm.*`            |
//! | `pooler.dense.*`                 | `pooler.dense.*`                                |
//!
//! In task checkpoints every name above carries the prefix `bert.`, `roberta.` (RoBERTa,
//! XLM-RoBERTa, CamemBERT) or `electra.`.

use st_core::tokenizer::SpecialTokens;
use st_core::weights::{HfName, NameMap};

use super::{EncoderArchitecture, Names};
use crate::ModelError;
use crate::config::{EncoderConfig, HfConfig, PositionIds};
use crate::heads::SequenceHead;
use crate::mlm::MlmLayout;

/// Which member of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Bert,
    Roberta,
    XlmRoberta,
    Camembert,
    Electra,
}

/// BERT-layout architecture.
#[derive(Debug, Clone, Copy)]
pub struct BertFamily(pub Variant);

/// BERT's names (shared by RoBERTa, XLM-RoBERTa, CamemBERT and ELECTRA).
const NAMES: Names = Names {
    embeddings_norm: "embeddings.LayerNorm",
    projection: Some("embeddings_project"),
    pooler: "pooler.dense",
    layer: |n| format!("encoder.layer.{n}"),
    query: "attention.self.query",
    key: "attention.self.key",
    value: "attention.self.value",
    attention_output: "attention.output.dense",
    attention_norm: "attention.output.LayerNorm",
    intermediate: "intermediate.dense",
    output: "output.dense",
    output_norm: "output.LayerNorm",
};

impl NameMap for BertFamily {
    fn hf_name(&self, path: &str) -> HfName {
        HfName {
            name: NAMES.hf_name(path),
            in_base_model: true,
        }
    }

    fn base_model_prefix(&self) -> &str {
        match self.0 {
            Variant::Bert => "bert",
            Variant::Roberta | Variant::XlmRoberta | Variant::Camembert => "roberta",
            Variant::Electra => "electra",
        }
    }
}

impl EncoderArchitecture for BertFamily {
    fn model_type(&self) -> &'static str {
        match self.0 {
            Variant::Bert => "bert",
            Variant::Roberta => "roberta",
            Variant::XlmRoberta => "xlmroberta",
            Variant::Camembert => "camembert",
            Variant::Electra => "electra",
        }
    }

    fn aliases(&self) -> &'static [&'static str] {
        match self.0 {
            Variant::XlmRoberta => &["xlm-roberta"],
            _ => &[],
        }
    }

    fn hf_model_type(&self) -> &'static str {
        match self.0 {
            Variant::XlmRoberta => "xlm-roberta",
            _ => self.model_type(),
        }
    }

    fn config(&self, hf: &HfConfig) -> Result<EncoderConfig, ModelError> {
        let kind = hf.str_or("position_embedding_type", "absolute");
        if kind != "absolute" {
            return Err(ModelError::bad_config(
                hf.path,
                format!(
                    "key \"position_embedding_type\": only \"absolute\" is supported, found {kind:?}"
                ),
            ));
        }
        let roberta_like = matches!(
            self.0,
            Variant::Roberta | Variant::XlmRoberta | Variant::Camembert
        );
        let electra = self.0 == Variant::Electra;
        let hidden = hf.usize_or("hidden_size", if electra { 256 } else { 768 })?;
        let pad = hf.i64_or("pad_token_id", if roberta_like { 1 } else { 0 })?;
        Ok(EncoderConfig {
            vocab_size: hf.usize_or("vocab_size", 30522)?,
            embedding_size: if electra {
                hf.usize_or("embedding_size", 128)?
            } else {
                hidden
            },
            hidden_size: hidden,
            num_hidden_layers: hf.usize_or("num_hidden_layers", 12)?,
            num_attention_heads: hf
                .usize_or("num_attention_heads", if electra { 4 } else { 12 })?,
            intermediate_size: hf
                .usize_or("intermediate_size", if electra { 1024 } else { 3072 })?,
            activation: hf.activation("hidden_act", "gelu")?,
            layer_norm_eps: hf.f64_or("layer_norm_eps", 1e-12)?,
            max_position_embeddings: hf.usize_or("max_position_embeddings", 512)?,
            type_vocab_size: hf.usize_or("type_vocab_size", 2)?,
            position_ids: if roberta_like {
                PositionIds::PaddingOffset { padding_idx: pad }
            } else {
                PositionIds::Absolute
            },
            hidden_dropout: hf.f64_or("hidden_dropout_prob", 0.1)?,
            attention_dropout: hf.f64_or("attention_probs_dropout_prob", 0.1)?,
            always_project: false,
            num_hidden_groups: 0,
            inner_group_num: 0,
            has_pooler: false,
            pad_token_id: pad,
        })
    }

    fn pooler_weight(&self) -> Option<&'static str> {
        // ELECTRA has no pooler; a checkpoint that carries one is reported as unexpected.
        (self.0 != Variant::Electra).then_some("pooler.dense.weight")
    }

    fn name_map(&self, _config: &EncoderConfig) -> Box<dyn NameMap> {
        Box::new(*self)
    }

    fn special_tokens(&self) -> SpecialTokens {
        match self.0 {
            Variant::Bert | Variant::Electra => SpecialTokens::Bert,
            _ => SpecialTokens::Roberta,
        }
    }

    fn uses_token_type_ids(&self) -> bool {
        matches!(self.0, Variant::Bert | Variant::Electra)
    }

    fn hf_class_prefix(&self) -> &'static str {
        match self.0 {
            Variant::Bert => "Bert",
            Variant::Roberta => "Roberta",
            Variant::XlmRoberta => "XLMRoberta",
            Variant::Camembert => "Camembert",
            Variant::Electra => "Electra",
        }
    }

    fn sequence_head(&self) -> SequenceHead {
        match self.0 {
            Variant::Bert => SequenceHead::Pooled,
            Variant::Electra => SequenceHead::DenseGelu,
            Variant::Roberta | Variant::XlmRoberta | Variant::Camembert => SequenceHead::DenseTanh,
        }
    }

    fn mlm_head(&self) -> Option<MlmLayout> {
        Some(match self.0 {
            Variant::Bert => MlmLayout::Bert,
            Variant::Electra => MlmLayout::ElectraGenerator,
            Variant::Roberta | Variant::XlmRoberta | Variant::Camembert => MlmLayout::Roberta,
        })
    }
}

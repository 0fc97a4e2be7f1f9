//! DistilBERT: BERT without token types or pooler, with its own parameter names.
//!
//! | Burn path                     | Hugging Face name                          |
//! |-------------------------------|--------------------------------------------|
//! | `embeddings.norm.*`           | `embeddings.LayerNorm.*`                   |
//! | `embeddings.<table>.weight`   | `embeddings.<table>.weight`                |
//! | `layers.N.attention.query.*`  | `transformer.layer.N.attention.q_lin.*` (key `k_lin`, value `v_lin`) |
//! | `layers.N.attention.output.*` | `transformer.layer.N.attention.out_lin.*`  |
//! | `layers.N.attention.norm.*`   | `transformer.layer.N.sa_layer_norm.*`      |
//! | `layers.N.intermediate.*`     | `transformer.layer.N.ffn.lin1.*`           |
//! | `layers.N.output.*`           | `transformer.layer.N.ffn.lin2.*`           |
//! | `layers.N.norm.*`             | `transformer.layer.N.output_layer_norm.*`  |
//!
//! Task checkpoints prefix these with `distilbert.`.

use st_core::tokenizer::SpecialTokens;
use st_core::weights::{HfName, NameMap};

use serde_json::Value;

use super::{EncoderArchitecture, Names};
use crate::ModelError;
use crate::config::{EncoderConfig, HfConfig, PositionIds};
use crate::heads::{HeadTask, SequenceHead, config_f64};
use crate::mlm::MlmLayout;

/// The DistilBERT architecture.
#[derive(Debug, Clone, Copy)]
pub struct DistilBert;

const NAMES: Names = Names {
    embeddings_norm: "embeddings.LayerNorm",
    projection: None,
    pooler: "pooler.dense",
    layer: |n| format!("transformer.layer.{n}"),
    query: "attention.q_lin",
    key: "attention.k_lin",
    value: "attention.v_lin",
    attention_output: "attention.out_lin",
    attention_norm: "sa_layer_norm",
    intermediate: "ffn.lin1",
    output: "ffn.lin2",
    output_norm: "output_layer_norm",
};

impl NameMap for DistilBert {
    fn hf_name(&self, path: &str) -> HfName {
        HfName {
            name: NAMES.hf_name(path),
            in_base_model: true,
        }
    }

    fn base_model_prefix(&self) -> &str {
        "distilbert"
    }
}

impl EncoderArchitecture for DistilBert {
    fn model_type(&self) -> &'static str {
        "distilbert"
    }

    fn config(&self, hf: &HfConfig) -> Result<EncoderConfig, ModelError> {
        let dim = hf.usize_or("dim", 768)?;
        Ok(EncoderConfig {
            vocab_size: hf.usize_or("vocab_size", 30522)?,
            embedding_size: dim,
            hidden_size: dim,
            num_hidden_layers: hf.usize_or("n_layers", 6)?,
            num_attention_heads: hf.usize_or("n_heads", 12)?,
            intermediate_size: hf.usize_or("hidden_dim", 3072)?,
            activation: hf.activation("activation", "gelu")?,
            // DistilBERT hard-codes its LayerNorm epsilon.
            layer_norm_eps: 1e-12,
            max_position_embeddings: hf.usize_or("max_position_embeddings", 512)?,
            type_vocab_size: 0,
            position_ids: PositionIds::Absolute,
            hidden_dropout: hf.f64_or("dropout", 0.1)?,
            attention_dropout: hf.f64_or("attention_dropout", 0.1)?,
            always_project: false,
            num_hidden_groups: 0,
            inner_group_num: 0,
            has_pooler: false,
            pad_token_id: hf.i64_or("pad_token_id", 0)?,
        })
    }

    fn pooler_weight(&self) -> Option<&'static str> {
        None
    }

    fn name_map(&self, _config: &EncoderConfig) -> Box<dyn NameMap> {
        Box::new(*self)
    }

    fn special_tokens(&self) -> SpecialTokens {
        SpecialTokens::Bert
    }

    fn uses_token_type_ids(&self) -> bool {
        false
    }

    fn config_key(&self, field: &'static str) -> &'static str {
        match field {
            "hidden_size" | "embedding_size" => "dim",
            "num_hidden_layers" => "n_layers",
            "num_attention_heads" => "n_heads",
            "intermediate_size" => "hidden_dim",
            "hidden_dropout_prob" => "dropout",
            "attention_probs_dropout_prob" => "attention_dropout",
            other => other,
        }
    }

    fn hf_class_prefix(&self) -> &'static str {
        "DistilBert"
    }

    fn sequence_head(&self) -> SequenceHead {
        SequenceHead::PreClassifierRelu
    }

    fn mlm_head(&self) -> Option<MlmLayout> {
        Some(MlmLayout::DistilBert)
    }

    /// DistilBERT names each head's dropout itself: `seq_classif_dropout` (0.2), `dropout`
    /// before the token classifier, `qa_dropout` before `qa_outputs`.
    fn head_dropout(&self, task: HeadTask, config: &Value) -> f64 {
        match task {
            HeadTask::SequenceClassification => {
                config_f64(config, "seq_classif_dropout").unwrap_or(0.2)
            }
            HeadTask::TokenClassification => config_f64(config, "dropout").unwrap_or(0.1),
            HeadTask::QuestionAnswering => config_f64(config, "qa_dropout").unwrap_or(0.1),
            HeadTask::MaskedLm | HeadTask::PreTraining => 0.0,
        }
    }
}

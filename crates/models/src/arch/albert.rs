//! ALBERT: factorised embeddings projected to the hidden size, and layers shared across the
//! depth of the network (`num_hidden_groups` groups of `inner_group_num` layers).
//!
//! Stored layer `K` is layer `J = K % inner_group_num` of group `G = K / inner_group_num`.
//!
//! | Burn path                     | Hugging Face name                                                    |
//! |-------------------------------|----------------------------------------------------------------------|
//! | `embeddings.norm.*`           | `embeddings.LayerNorm.*`                                             |
//! | `embeddings.<table>.weight`   | `embeddings.<table>.weight`                                          |
//! | `projection.*`                | `encoder.embedding_hidden_mapping_in.*`                              |
//! | `layers.K.attention.query.*`  | `encoder.albert_layer_groups.G.albert_layers.J.attention.query.*` (also key, value) |
//! | `layers.K.attention.output.*` | `encoder.albert_layer_groups.G.albert_layers.J.attention.dense.*`    |
//! | `layers.K.attention.norm.*`   | `encoder.albert_layer_groups.G.albert_layers.J.attention.LayerNorm.*`|
//! | `layers.K.intermediate.*`     | `encoder.albert_layer_groups.G.albert_layers.J.ffn.*`                |
//! | `layers.K.output.*`           | `encoder.albert_layer_groups.G.albert_layers.J.ffn_output.*`         |
//! | `layers.K.norm.*`             | `encoder.albert_layer_groups.G.albert_layers.J.full_layer_layer_norm.*` |
//! | `pooler.dense.*`              | `pooler.*`                                                           |
//!
//! Task checkpoints prefix these with `albert.`.

use st_core::tokenizer::SpecialTokens;
use st_core::weights::{HfName, NameMap};

use serde_json::Value;

use super::{EncoderArchitecture, Names};
use crate::ModelError;
use crate::config::{EncoderConfig, HfConfig, PositionIds};
use crate::heads::{HeadTask, SequenceHead, config_f64};
use crate::mlm::MlmLayout;

/// The ALBERT architecture. `inner_group_num` is needed to name shared layers.
#[derive(Debug, Clone, Copy)]
pub struct Albert {
    pub inner_group_num: usize,
}

impl Default for Albert {
    fn default() -> Self {
        Self { inner_group_num: 1 }
    }
}

/// ALBERT's names for stored layer `K` of a model with one layer per group; other layouts
/// rewrite the layer prefix (see [`Albert::hf_name`]).
const NAMES: Names = Names {
    embeddings_norm: "embeddings.LayerNorm",
    projection: Some("encoder.embedding_hidden_mapping_in"),
    pooler: "pooler",
    layer: |k| format!("encoder.albert_layer_groups.{k}.albert_layers.0"),
    query: "attention.query",
    key: "attention.key",
    value: "attention.value",
    attention_output: "attention.dense",
    attention_norm: "attention.LayerNorm",
    intermediate: "ffn",
    output: "ffn_output",
    output_norm: "full_layer_layer_norm",
};

impl NameMap for Albert {
    fn hf_name(&self, path: &str) -> HfName {
        // Stored layer K is layer K % inner of group K / inner: rename through a layer index
        // the table understands, then put the group/layer pair in.
        let inner = self.inner_group_num.max(1);
        let name = match path.strip_prefix("layers.").and_then(|r| r.split_once('.')) {
            Some((k, rest)) => match k.parse::<usize>() {
                Ok(k) => NAMES.hf_name(&format!("layers.0.{rest}")).replacen(
                    "albert_layer_groups.0.albert_layers.0",
                    &format!(
                        "albert_layer_groups.{}.albert_layers.{}",
                        k / inner,
                        k % inner
                    ),
                    1,
                ),
                Err(_) => path.to_string(),
            },
            None => NAMES.hf_name(path),
        };
        HfName {
            name,
            in_base_model: true,
        }
    }

    fn base_model_prefix(&self) -> &str {
        "albert"
    }
}

impl EncoderArchitecture for Albert {
    fn model_type(&self) -> &'static str {
        "albert"
    }

    fn config(&self, hf: &HfConfig) -> Result<EncoderConfig, ModelError> {
        let layers = hf.usize_or("num_hidden_layers", 12)?;
        let groups = hf.usize_or("num_hidden_groups", 1)?;
        if groups == 0 || layers % groups != 0 {
            return Err(ModelError::bad_config(
                hf.path,
                format!(
                    "key \"num_hidden_groups\": expected a divisor of num_hidden_layers ({layers}), found {groups}"
                ),
            ));
        }
        Ok(EncoderConfig {
            vocab_size: hf.usize_or("vocab_size", 30000)?,
            embedding_size: hf.usize_or("embedding_size", 128)?,
            hidden_size: hf.usize_or("hidden_size", 4096)?,
            num_hidden_layers: layers,
            num_attention_heads: hf.usize_or("num_attention_heads", 64)?,
            intermediate_size: hf.usize_or("intermediate_size", 16384)?,
            activation: hf.activation("hidden_act", "gelu_new")?,
            layer_norm_eps: hf.f64_or("layer_norm_eps", 1e-12)?,
            max_position_embeddings: hf.usize_or("max_position_embeddings", 512)?,
            type_vocab_size: hf.usize_or("type_vocab_size", 2)?,
            position_ids: PositionIds::Absolute,
            hidden_dropout: hf.f64_or("hidden_dropout_prob", 0.0)?,
            attention_dropout: hf.f64_or("attention_probs_dropout_prob", 0.0)?,
            always_project: true,
            num_hidden_groups: groups,
            inner_group_num: hf.usize_or("inner_group_num", 1)?,
            has_pooler: false,
            pad_token_id: hf.i64_or("pad_token_id", 0)?,
        })
    }

    fn pooler_weight(&self) -> Option<&'static str> {
        Some("pooler.weight")
    }

    fn special_tokens(&self) -> SpecialTokens {
        SpecialTokens::Bert
    }

    fn name_map(&self, config: &EncoderConfig) -> Box<dyn NameMap> {
        Box::new(Albert {
            inner_group_num: config.inner_group_num,
        })
    }

    fn hf_class_prefix(&self) -> &'static str {
        "Albert"
    }

    fn sequence_head(&self) -> SequenceHead {
        SequenceHead::Pooled
    }

    fn mlm_head(&self) -> Option<MlmLayout> {
        Some(MlmLayout::Albert)
    }

    /// ALBERT's classification heads read `classifier_dropout_prob`; its QA head has none.
    fn head_dropout(&self, task: HeadTask, config: &Value) -> f64 {
        match task {
            HeadTask::QuestionAnswering | HeadTask::MaskedLm | HeadTask::PreTraining => 0.0,
            _ => config_f64(config, "classifier_dropout_prob").unwrap_or(0.1),
        }
    }
}

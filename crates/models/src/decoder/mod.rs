//! Decoder architectures: the second family of the registry (see [`crate::registry`]), with the
//! GPT-2 shape every built-in one shares — learned positions, pre-LayerNorm blocks of causal
//! self-attention and an MLP, a final LayerNorm, and a language-model head tied to the token
//! embeddings — and the key/value cache incremental decoding runs on.
//!
//! | module | what |
//! |---|---|
//! | [`config`] | [`DecoderConfig`] from each architecture's `config.json`, checked |
//! | [`gpt2`] | the GPT-2 architecture, its Burn modules and Hugging Face names |
//! | [`cache`] | [`KvCache`]: past keys and values per layer, rows selectable for beams |
//! | [`double_heads`] | `GPT2DoubleHeadsModel`: the LM head plus a multiple-choice head, token types |
//! | [`load`] | [`DecoderSpec`], loading and saving as `transformers` does |

pub mod cache;
pub mod config;
pub mod double_heads;
pub mod gpt2;
pub mod load;

use st_core::tokenizer::SpecialTokens;
use st_core::weights::NameMap;

pub use cache::KvCache;
pub use config::DecoderConfig;
pub use double_heads::{
    ChoiceInput, DoubleHeadsNames, Gpt2DoubleHeads, LmTargets, SummaryConfig, TypedState,
    load_double_heads, save_double_heads,
};
pub use gpt2::{Gpt2, Gpt2LmHead, Gpt2Model, Gpt2Names};
pub use load::{DecoderSpec, load_decoder, save_decoder};

use crate::ModelError;
use crate::config::HfConfig;
use crate::registry::Family;

/// A decoder architecture: how it reads its `config.json`, names its weights and frames its
/// text. Register one with [`crate::register`]`::<dyn DecoderArchitecture>`.
pub trait DecoderArchitecture: Send + Sync {
    /// The Simple Transformers `model_type` (`gpt2`).
    fn model_type(&self) -> &'static str;
    /// Other names accepted for it.
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }
    /// Read the architecture's `config.json`.
    fn config(&self, hf: &HfConfig) -> Result<DecoderConfig, ModelError>;
    /// The Burn-path → Hugging Face-name map of its language model.
    fn name_map(&self) -> Box<dyn NameMap>;
    /// The special-token template for tokenizers rebuilt from vocabulary files.
    fn special_tokens(&self) -> SpecialTokens {
        SpecialTokens::EndOfText
    }
    /// The stem of its `transformers` class names: `GPT2` for `GPT2LMHeadModel`.
    fn hf_class_prefix(&self) -> &'static str;
}

impl std::fmt::Debug for dyn DecoderArchitecture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DecoderArchitecture({})", self.model_type())
    }
}

impl Family for dyn DecoderArchitecture {
    const KIND: &'static str = "decoder";

    fn model_type(&self) -> &'static str {
        DecoderArchitecture::model_type(self)
    }

    fn aliases(&self) -> &'static [&'static str] {
        DecoderArchitecture::aliases(self)
    }
}

/// The decoder architecture registered for `model_type`.
pub fn decoder_architecture(
    model_type: &str,
) -> Result<std::sync::Arc<dyn DecoderArchitecture>, ModelError> {
    crate::registry::lookup::<dyn DecoderArchitecture>(model_type)
}

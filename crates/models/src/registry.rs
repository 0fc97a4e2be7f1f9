//! `model_type` → architecture. Built-ins are registered on first use; other crates add their
//! own with [`register`] instead of editing a `match`.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock, RwLock};

use st_core::tokenizer::SpecialTokens;
use st_core::weights::NameMap;

use crate::ModelError;
use crate::arch::{albert::Albert, bert::BertFamily, bert::Variant, distilbert::DistilBert};
use crate::config::{EncoderConfig, HfConfig};

/// What the loader needs to know about an encoder architecture.
pub trait EncoderArchitecture: Send + Sync {
    /// The Simple Transformers `model_type` (`bert`, `xlmroberta`…).
    fn model_type(&self) -> &'static str;
    /// Other names accepted for it (e.g. Hugging Face's `xlm-roberta`).
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }
    /// Read the architecture's `config.json` into an [`EncoderConfig`] (`has_pooler` is set by
    /// the loader from the checkpoint).
    fn config(&self, hf: &HfConfig) -> Result<EncoderConfig, ModelError>;
    /// The Burn-path → Hugging Face-name map for a model of this configuration.
    fn name_map(&self, config: &EncoderConfig) -> Box<dyn NameMap>;
    /// The pooler weight's name (relative to the base model) when the architecture can have a
    /// pooler; the encoder gets one when the checkpoint has this tensor.
    fn pooler_weight(&self) -> Option<&'static str>;
    /// The special-token template for tokenizers rebuilt from vocabulary files.
    fn special_tokens(&self) -> SpecialTokens;
    /// Whether the model takes segment ids (token types).
    fn uses_token_type_ids(&self) -> bool {
        true
    }
}

type Registry = BTreeMap<String, Arc<dyn EncoderArchitecture>>;

static REGISTRY: LazyLock<RwLock<Registry>> = LazyLock::new(|| {
    let builtins: Vec<Arc<dyn EncoderArchitecture>> = vec![
        Arc::new(BertFamily(Variant::Bert)),
        Arc::new(BertFamily(Variant::Roberta)),
        Arc::new(BertFamily(Variant::XlmRoberta)),
        Arc::new(BertFamily(Variant::Camembert)),
        Arc::new(BertFamily(Variant::Electra)),
        Arc::new(DistilBert),
        Arc::new(Albert::default()),
    ];
    let mut map = Registry::new();
    for arch in builtins {
        insert(&mut map, arch);
    }
    RwLock::new(map)
});

fn insert(map: &mut Registry, arch: Arc<dyn EncoderArchitecture>) {
    for alias in arch.aliases() {
        map.insert((*alias).to_string(), arch.clone());
    }
    map.insert(arch.model_type().to_string(), arch);
}

/// Add (or replace) an architecture under its `model_type` and aliases.
pub fn register(arch: Arc<dyn EncoderArchitecture>) {
    let mut map = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    insert(&mut map, arch);
}

/// The architecture registered for `model_type`; the error lists the supported ones.
pub fn lookup(model_type: &str) -> Result<Arc<dyn EncoderArchitecture>, ModelError> {
    let map = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
    map.get(model_type)
        .cloned()
        .ok_or_else(|| ModelError::UnknownModelType {
            given: model_type.to_string(),
            supported: map.keys().cloned().collect(),
        })
}

/// Every registered `model_type` and alias, sorted.
pub fn supported_model_types() -> Vec<String> {
    let map = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
    map.keys().cloned().collect()
}

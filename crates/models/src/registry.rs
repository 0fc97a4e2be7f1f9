//! `model_type` → architecture, one table per family of architectures: encoders today;
//! decoders, encoder-decoders and image encoders as they land, each with its own trait. A
//! family is any trait object type implementing [`Family`]; a crate registers architectures
//! of a family with [`register`] and finds them with [`lookup`], so adding an architecture (or
//! a family) never means editing a `match` in a task crate.
//!
//! The built-in encoders are registered on first use.

use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock, RwLock};

use crate::ModelError;
use crate::arch::EncoderArchitecture;
use crate::arch::{albert::Albert, bert::BertFamily, bert::Variant, distilbert::DistilBert};
use crate::decoder::{DecoderArchitecture, Gpt2};
use crate::image::{ImageEncoderArchitecture, TORCHVISION_RESNETS};
use crate::seq2seq::{Bart, BertEncoderDecoder, MBart, Marian, Seq2SeqArchitecture, T5};

/// A family of architectures, implemented for its trait object type (e.g.
/// `dyn EncoderArchitecture`).
pub trait Family: Send + Sync + 'static {
    /// What one member is called in messages ("encoder", "decoder"…).
    const KIND: &'static str;
    /// The Simple Transformers `model_type` (`bert`, `xlmroberta`…).
    fn model_type(&self) -> &'static str;
    /// Other names accepted for it (e.g. Hugging Face's `xlm-roberta`).
    fn aliases(&self) -> &'static [&'static str];
}

impl Family for dyn EncoderArchitecture {
    const KIND: &'static str = "encoder";

    fn model_type(&self) -> &'static str {
        EncoderArchitecture::model_type(self)
    }

    fn aliases(&self) -> &'static [&'static str] {
        EncoderArchitecture::aliases(self)
    }
}

/// One family's table: name (and alias) → `Arc<F>`, boxed as `Any` so that families of any
/// type share the registry.
struct Table {
    kind: &'static str,
    members: BTreeMap<String, Box<dyn Any + Send + Sync>>,
}

type Registry = HashMap<TypeId, Table>;

static REGISTRY: LazyLock<RwLock<Registry>> = LazyLock::new(|| {
    let mut registry = Registry::new();
    let encoders: Vec<Arc<dyn EncoderArchitecture>> = vec![
        Arc::new(BertFamily(Variant::Bert)),
        Arc::new(BertFamily(Variant::Roberta)),
        Arc::new(BertFamily(Variant::XlmRoberta)),
        Arc::new(BertFamily(Variant::Camembert)),
        Arc::new(BertFamily(Variant::Electra)),
        Arc::new(DistilBert),
        Arc::new(Albert::default()),
    ];
    for arch in encoders {
        insert(&mut registry, arch);
    }
    insert::<dyn DecoderArchitecture>(&mut registry, Arc::new(Gpt2));
    insert::<dyn Seq2SeqArchitecture>(&mut registry, Arc::new(T5));
    insert::<dyn Seq2SeqArchitecture>(&mut registry, Arc::new(Bart));
    insert::<dyn Seq2SeqArchitecture>(&mut registry, Arc::new(MBart));
    insert::<dyn Seq2SeqArchitecture>(&mut registry, Arc::new(Marian));
    insert::<dyn Seq2SeqArchitecture>(&mut registry, Arc::new(BertEncoderDecoder));
    for resnet in TORCHVISION_RESNETS {
        insert::<dyn ImageEncoderArchitecture>(&mut registry, Arc::new(resnet));
    }
    RwLock::new(registry)
});

fn insert<F: ?Sized + Family>(registry: &mut Registry, arch: Arc<F>) {
    let table = registry.entry(TypeId::of::<F>()).or_insert_with(|| Table {
        kind: F::KIND,
        members: BTreeMap::new(),
    });
    for alias in arch.aliases() {
        table
            .members
            .insert((*alias).to_string(), Box::new(arch.clone()));
    }
    table
        .members
        .insert(arch.model_type().to_string(), Box::new(arch));
}

/// Add (or replace) an architecture of family `F` under its `model_type` and aliases.
pub fn register<F: ?Sized + Family>(arch: Arc<F>) {
    let mut registry = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    insert(&mut registry, arch);
}

/// The architecture of family `F` registered for `model_type`. The error lists the family's
/// `model_type`s and says so when the name belongs to another family (a decoder asked for
/// as an encoder, say).
pub fn lookup<F: ?Sized + Family>(model_type: &str) -> Result<Arc<F>, ModelError> {
    let registry = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
    let found = registry
        .get(&TypeId::of::<F>())
        .and_then(|table| table.members.get(model_type))
        .and_then(|member| member.downcast_ref::<Arc<F>>());
    if let Some(arch) = found {
        return Ok(arch.clone());
    }
    // Sorted so the message does not depend on the map's iteration order.
    let mut elsewhere: Vec<&'static str> = registry
        .values()
        .filter(|table| table.members.contains_key(model_type))
        .map(|table| table.kind)
        .collect();
    elsewhere.sort_unstable();
    Err(ModelError::UnknownModelType {
        given: model_type.to_string(),
        kind: F::KIND,
        elsewhere,
        supported: names_in(&registry, TypeId::of::<F>()),
    })
}

/// Every `model_type` and alias registered in family `F`, sorted.
pub fn model_types<F: ?Sized + Family>() -> Vec<String> {
    let registry = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
    names_in(&registry, TypeId::of::<F>())
}

fn names_in(registry: &Registry, family: TypeId) -> Vec<String> {
    registry
        .get(&family)
        .map(|table| table.members.keys().cloned().collect())
        .unwrap_or_default()
}

/// Add (or replace) an encoder architecture.
pub fn register_encoder(arch: Arc<dyn EncoderArchitecture>) {
    register(arch);
}

/// The encoder architecture registered for `model_type`.
pub fn encoder_architecture(model_type: &str) -> Result<Arc<dyn EncoderArchitecture>, ModelError> {
    lookup::<dyn EncoderArchitecture>(model_type)
}

/// Every encoder `model_type` and alias, sorted.
pub fn supported_model_types() -> Vec<String> {
    model_types::<dyn EncoderArchitecture>()
}

//! Shared pieces of the criterion benches (`cargo bench -p st-benches`): the model sizes
//! measured, and a randomly initialised model directory of a given size for benches that go
//! through a task model's public API.

use std::path::{Path, PathBuf};

use st_core::backend::DefaultBackend;
use st_models::{BertShape, EncoderConfig, write_random_bert};

/// A model size: name, hidden size, layers, heads, intermediate size.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub name: &'static str,
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub intermediate: usize,
}

/// all-MiniLM-L6-v2's shape (22.7 M parameters with a head).
pub const MINILM_L6: Size = Size {
    name: "MiniLM-L6",
    hidden: 384,
    layers: 6,
    heads: 12,
    intermediate: 1536,
};

/// bert-base-uncased's shape (110 M parameters).
pub const BERT_BASE: Size = Size {
    name: "BERT-base",
    hidden: 768,
    layers: 12,
    heads: 12,
    intermediate: 3072,
};

impl Size {
    /// The encoder configuration, BERT vocabulary (30,522), with a pooler.
    pub fn config(self) -> EncoderConfig {
        EncoderConfig {
            has_pooler: true,
            ..EncoderConfig::bert(
                30522,
                self.hidden,
                self.layers,
                self.heads,
                self.intermediate,
            )
        }
    }
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A BERT model directory of `size` with random weights (seeded) and the real uncased BERT
/// vocabulary, written once under `target/bench/models/`.
pub fn random_model_dir(size: Size) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let dir = repo().join("target/bench/models").join(size.name);
    if dir.join("model.safetensors").is_file() {
        return Ok(dir);
    }
    write_random_model(size, &dir)?;
    Ok(dir)
}

fn write_random_model(size: Size, dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let shape = BertShape {
        hidden: size.hidden,
        layers: size.layers,
        heads: size.heads,
        intermediate: size.intermediate,
        max_positions: 512,
    };
    let vocab = repo().join("fixtures/tokenizers/wordpiece/vocab.txt");
    write_random_bert::<DefaultBackend>(dir, shape, &vocab, 7)?;
    Ok(())
}

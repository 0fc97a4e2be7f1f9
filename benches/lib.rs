//! Shared pieces of the criterion benches (`cargo bench -p st-benches`): the model sizes
//! measured, and a randomly initialised model directory of a given size for benches that go
//! through a task model's public API.

use std::path::{Path, PathBuf};

use burn::tensor::backend::Backend;
use st_core::backend::DefaultBackend;
use st_models::{Encoder, EncoderConfig, LoadedEncoder, encoder_config, save_encoder};

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
    std::fs::create_dir_all(dir)?;
    std::fs::copy(
        repo().join("fixtures/tokenizers/wordpiece/vocab.txt"),
        dir.join("vocab.txt"),
    )?;
    std::fs::write(
        dir.join("tokenizer_config.json"),
        r#"{"do_lower_case": true}"#,
    )?;
    let config = format!(
        r#"{{"model_type": "bert", "architectures": ["BertModel"], "vocab_size": 30522,
  "hidden_size": {}, "num_hidden_layers": {}, "num_attention_heads": {},
  "intermediate_size": {}, "max_position_embeddings": 512, "type_vocab_size": 2,
  "hidden_act": "gelu", "layer_norm_eps": 1e-12, "hidden_dropout_prob": 0.1,
  "attention_probs_dropout_prob": 0.1, "pad_token_id": 0, "initializer_range": 0.02}}"#,
        size.hidden, size.layers, size.heads, size.intermediate
    );
    std::fs::write(dir.join("config.json"), config)?;
    let (arch, mut config, _) = encoder_config("bert", dir)?;
    config.has_pooler = true;
    let device = Default::default();
    DefaultBackend::seed(&device, 7);
    let loaded = LoadedEncoder::<DefaultBackend> {
        encoder: Encoder::new(&config, &device),
        config,
        arch,
        report: Default::default(),
    };
    save_encoder(&loaded, dir)?;
    Ok(())
}

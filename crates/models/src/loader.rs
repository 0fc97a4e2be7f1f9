//! Build an encoder from a model directory: `config.json` → [`EncoderConfig`] → Burn module →
//! weights from safetensors.

use std::path::Path;
use std::sync::Arc;

use burn::module::Module;
use burn::tensor::backend::Backend;
use serde_json::Value;
use st_core::args::Args;
use st_core::staging::StagedDir;
use st_core::weights::{
    Checkpoint, LoadReport, NameMap, SAFETENSORS_FILE, load_into, save_safetensors,
};

use crate::config::EncoderConfig;
use crate::{Encoder, EncoderArchitecture, EncoderSpec, ModelError};

/// An encoder with the architecture and configuration it was built from.
#[derive(Debug)]
pub struct LoadedEncoder<B: Backend> {
    pub encoder: Encoder<B>,
    pub config: EncoderConfig,
    pub arch: Arc<dyn EncoderArchitecture>,
    pub report: LoadReport,
}

/// Read and parse `dir/config.json`.
pub fn read_config(dir: &Path) -> Result<Value, ModelError> {
    let path = dir.join("config.json");
    if !path.is_file() {
        return Err(ModelError::NoConfig {
            dir: dir.to_path_buf(),
        });
    }
    let text = std::fs::read_to_string(&path).map_err(|e| st_core::Error::io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| st_core::Error::Json { path, source: e }.into())
}

/// Write `module`'s safetensors (named by `names`) and a `config.json` into `dir` (created if
/// missing): `hf_config` as loaded, with `updates` laid over its keys (the architecture class,
/// a vocabulary grown by added tokens, how the head is tied). Every save of a model goes here.
pub fn save_hf_model<B: Backend, M: Module<B>>(
    module: &M,
    names: &dyn NameMap,
    with_prefix: bool,
    hf_config: &Value,
    updates: impl IntoIterator<Item = (&'static str, Value)>,
    dir: &Path,
) -> Result<(), ModelError> {
    let io = |path: &Path, e: std::io::Error| ModelError::from(st_core::Error::io(path, e));
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    save_safetensors(module, names, with_prefix, &dir.join(SAFETENSORS_FILE))?;
    let mut config = hf_config.as_object().cloned().unwrap_or_default();
    for (key, value) in updates {
        config.insert(key.into(), value);
    }
    let path = dir.join(st_core::hub::CONFIG_FILE);
    let text = serde_json::to_string_pretty(&Value::Object(config)).unwrap_or_default();
    std::fs::write(&path, text + "\n").map_err(|e| io(&path, e))
}

/// Options for [`load_encoder_with`].
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Build the encoder with every dropout probability at zero (deterministic training-mode
    /// forward passes, e.g. for gradient checks).
    pub without_dropout: bool,
}

/// Load the encoder of `model_type` from a model directory.
///
/// Every encoder weight must be in the checkpoint (a missing one is an error naming it);
/// checkpoint tensors the encoder does not use (a task head, say) are logged, as
/// `transformers` does.
pub fn load_encoder<B: Backend>(
    model_type: &str,
    dir: &Path,
    device: &B::Device,
) -> Result<LoadedEncoder<B>, ModelError> {
    load_encoder_with(model_type, dir, device, LoadOptions::default())
}

/// [`load_encoder`] with options.
pub fn load_encoder_with<B: Backend>(
    model_type: &str,
    dir: &Path,
    device: &B::Device,
    options: LoadOptions,
) -> Result<LoadedEncoder<B>, ModelError> {
    let mut spec = EncoderSpec::read(model_type, dir)?;
    if options.without_dropout {
        spec = spec.without_dropout();
    }
    load_encoder_spec(spec, dir, device)
}

/// Load the encoder `spec` describes from `dir`'s checkpoint (see [`load_encoder`]); the pooler
/// is built when the checkpoint has one.
pub fn load_encoder_spec<B: Backend>(
    spec: EncoderSpec,
    dir: &Path,
    device: &B::Device,
) -> Result<LoadedEncoder<B>, ModelError> {
    let EncoderSpec {
        arch, mut config, ..
    } = spec;
    let checkpoint = Checkpoint::open(dir)?;
    let map = arch.name_map(&config);
    config.has_pooler = arch.pooler_weight().is_some_and(|name| {
        let prefixed = format!("{}.{name}", map.base_model_prefix());
        checkpoint.contains(name) || checkpoint.contains(&prefixed)
    });
    let encoder = Encoder::new(&config, device);
    let (encoder, report) = load_into(encoder, &checkpoint, map.as_ref())?;
    let report = report.complete(&format!("the {} encoder", arch.model_type()))?;
    Ok(LoadedEncoder {
        encoder,
        config,
        arch,
        report,
    })
}

/// Save a complete model directory that loads back here and in Python `transformers`:
/// `model.safetensors` (Hugging Face names), `config.json` and the tokenizer files from
/// `source_dir` (the directory the encoder was loaded from), and `model_args.json`. The
/// directory is written to a staging directory and renamed into place when complete.
pub fn save_pretrained<B: Backend, A: Args>(
    loaded: &LoadedEncoder<B>,
    source_dir: &Path,
    args: &A,
    output_dir: &Path,
) -> Result<(), ModelError> {
    let io = |path: &Path, e: std::io::Error| ModelError::from(st_core::Error::io(path, e));
    let staged = StagedDir::new(output_dir).map_err(|e| io(output_dir, e))?;
    save_encoder(loaded, staged.path())?;
    let config = source_dir.join("config.json");
    std::fs::copy(&config, staged.path().join("config.json")).map_err(|e| io(&config, e))?;
    st_core::tokenizer::copy_tokenizer_files(source_dir, staged.path())?;
    args.save(staged.path())
        .map_err(|e| ModelError::from(st_core::Error::from(e)))?;
    staged.commit().map_err(|e| io(output_dir, e))
}

/// Save an encoder's weights as `dir/model.safetensors` with base-model names (no prefix), as
/// `transformers` saves a base model.
pub fn save_encoder<B: Backend>(loaded: &LoadedEncoder<B>, dir: &Path) -> Result<(), ModelError> {
    let map = loaded.arch.name_map(&loaded.config);
    save_safetensors(
        &loaded.encoder,
        map.as_ref(),
        false,
        &dir.join(st_core::weights::SAFETENSORS_FILE),
    )?;
    Ok(())
}

/// The shape of a randomly initialised BERT written by [`write_random_bert`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BertShape {
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub intermediate: usize,
    pub max_positions: usize,
}

/// Write a BERT model directory with seeded random weights, the lower-casing WordPiece
/// vocabulary `vocab_txt` and a `config.json` of `shape`: a model of a given size without a
/// download, for examples and benchmarks.
pub fn write_random_bert<B: Backend>(
    dir: &Path,
    shape: BertShape,
    vocab_txt: &Path,
    seed: u64,
) -> Result<(), ModelError> {
    let io = |path: &Path, e: std::io::Error| ModelError::from(st_core::Error::io(path, e));
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let vocab = dir.join("vocab.txt");
    std::fs::copy(vocab_txt, &vocab).map_err(|e| io(vocab_txt, e))?;
    let vocab_size = std::fs::read_to_string(&vocab)
        .map_err(|e| io(&vocab, e))?
        .lines()
        .count();
    let files = [
        (
            "tokenizer_config.json",
            serde_json::json!({"do_lower_case": true}),
        ),
        (
            "config.json",
            serde_json::json!({
                "model_type": "bert", "architectures": ["BertModel"], "vocab_size": vocab_size,
                "hidden_size": shape.hidden, "num_hidden_layers": shape.layers,
                "num_attention_heads": shape.heads, "intermediate_size": shape.intermediate,
                "max_position_embeddings": shape.max_positions, "type_vocab_size": 2,
                "hidden_act": "gelu", "layer_norm_eps": 1e-12, "hidden_dropout_prob": 0.1,
                "attention_probs_dropout_prob": 0.1, "pad_token_id": 0,
                "initializer_range": 0.02
            }),
        ),
    ];
    for (name, value) in files {
        let path = dir.join(name);
        let text = serde_json::to_string_pretty(&value).unwrap_or_default();
        std::fs::write(&path, text).map_err(|e| io(&path, e))?;
    }
    let EncoderSpec {
        arch, mut config, ..
    } = EncoderSpec::read("bert", dir)?;
    config.has_pooler = true;
    let device = Default::default();
    B::seed(&device, seed);
    let loaded = LoadedEncoder::<B> {
        encoder: Encoder::new(&config, &device),
        config,
        arch,
        report: Default::default(),
    };
    save_encoder(&loaded, dir)
}

//! What every encoder + task-head model shares when it meets a Hugging Face checkpoint: how
//! the load went (encoder weights must all be there, a new head is logged), the
//! `config.json` of a task model (`architectures`, `id2label`, `label2id`), and writing the
//! whole directory.

use std::path::Path;

use burn::module::Module;
use burn::tensor::backend::Backend;
use serde_json::Value;
use st_core::weights::{LoadReport, NameMap, SAFETENSORS_FILE, WeightsError, save_safetensors};

use crate::{Encoder, EncoderConfig, ModelError};

/// Check how a task model loaded: every encoder weight (Burn paths under `encoder.`, pooler
/// excepted) must have come from the checkpoint, or it is an error naming them. Parameters of
/// a head the checkpoint lacks are newly initialised and logged, as `transformers` does, and
/// so are checkpoint tensors the model does not use.
pub fn check_task_load(
    report: &LoadReport,
    model_type: &str,
    task: &str,
) -> Result<(), ModelError> {
    let missing_encoder: Vec<String> = report
        .missing
        .iter()
        .filter(|(burn, _)| burn.starts_with("encoder.") && !burn.starts_with("encoder.pooler."))
        .map(|(_, hf)| hf.clone())
        .collect();
    if !missing_encoder.is_empty() {
        return Err(WeightsError::Missing {
            names: missing_encoder,
        }
        .into());
    }
    if !report.missing.is_empty() {
        tracing::info!(
            "newly initialised (train this model before using it): {}",
            report
                .missing
                .iter()
                .map(|(_, hf)| hf.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !report.unexpected.is_empty() {
        tracing::info!(
            "checkpoint tensors not used by {model_type} {task}: {}",
            report.unexpected.join(", ")
        );
    }
    Ok(())
}

/// The standard deviation `transformers` draws new head weights with (`initializer_range`).
pub fn initializer_range(config: &Value) -> f64 {
    config
        .get("initializer_range")
        .and_then(Value::as_f64)
        .unwrap_or(0.02)
}

/// How many labels `config.json` declares (`id2label`, else `num_labels`).
pub fn config_num_labels(config: &Value) -> Option<usize> {
    config
        .get("id2label")
        .and_then(Value::as_object)
        .map(|m| m.len())
        .filter(|&n| n > 0)
        .or_else(|| {
            config
                .get("num_labels")
                .and_then(Value::as_u64)
                .map(|n| n as usize)
        })
}

/// The label names `config.json` declares in `id2label`, by index (`None` where absent).
pub fn config_labels(config: &Value, num_labels: usize) -> Vec<Option<String>> {
    (0..num_labels)
        .map(|i| config["id2label"][i.to_string()].as_str().map(String::from))
        .collect()
}

/// The `config.json` of a task model: the source configuration with `architectures`,
/// `id2label`, `label2id` and, when given, `problem_type`.
pub fn task_config(
    base: &Value,
    architecture: &str,
    labels: &[String],
    problem_type: Option<&str>,
) -> Value {
    let mut config = base.as_object().cloned().unwrap_or_default();
    config.insert("architectures".into(), Value::from(vec![architecture]));
    let id2label: serde_json::Map<String, Value> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (i.to_string(), Value::from(l.as_str())))
        .collect();
    let label2id: serde_json::Map<String, Value> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.clone(), Value::from(i)))
        .collect();
    config.insert("id2label".into(), Value::Object(id2label));
    config.insert("label2id".into(), Value::Object(label2id));
    config.remove("num_labels");
    if let Some(problem_type) = problem_type {
        config.insert("problem_type".into(), Value::from(problem_type));
    }
    Value::Object(config)
}

/// Write a Hugging Face task-model directory into `dir` (which should be empty, e.g. a staging
/// directory): `model.safetensors` with base-model-prefixed names, `config`, and the tokenizer
/// files from `tokenizer_dir`.
pub fn save_task_dir<B: Backend, M: Module<B>>(
    model: &M,
    names: &dyn NameMap,
    config: &Value,
    tokenizer_dir: &Path,
    dir: &Path,
) -> Result<(), ModelError> {
    let io = |path: &Path, e: std::io::Error| ModelError::from(st_core::Error::io(path, e));
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    save_safetensors(model, names, true, &dir.join(SAFETENSORS_FILE))?;
    let path = dir.join("config.json");
    let text = serde_json::to_string_pretty(config).unwrap_or_default();
    std::fs::write(&path, text + "\n").map_err(|e| io(&path, e))?;
    st_core::tokenizer::copy_tokenizer_files(tokenizer_dir, dir)?;
    Ok(())
}

/// Grow `encoder`'s word embeddings to `vocab_size` rows (see
/// [`Encoder::resize_token_embeddings`]; never shrinks) and record the size in both
/// configurations, so that a saved `config.json` matches the saved weights
/// (`special_tokens_list`).
pub fn grow_vocab<B: Backend>(
    encoder: Encoder<B>,
    encoder_config: &mut EncoderConfig,
    config: &mut Value,
    vocab_size: usize,
) -> Encoder<B> {
    if vocab_size <= encoder_config.vocab_size {
        return encoder;
    }
    encoder_config.vocab_size = vocab_size;
    if let Some(config) = config.as_object_mut() {
        config.insert("vocab_size".into(), Value::from(vocab_size));
    }
    encoder.resize_token_embeddings(vocab_size)
}

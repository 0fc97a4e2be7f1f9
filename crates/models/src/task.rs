//! What every encoder + task-head model shares: the module ([`EncoderWithHead`], generic over
//! the head), loading it from a Hugging Face checkpoint (encoder weights must all be there, a
//! new head is logged), the `config.json` of a task model (`architectures`, `id2label`,
//! `label2id`), and writing the whole directory.

use std::path::Path;

use burn::module::Module;
use burn::tensor::backend::{AutodiffBackend, Backend};
use serde_json::Value;
use st_core::args::TaskArgs;
use st_core::task::{Prepared, TaskBase};
use st_core::weights::{
    Checkpoint, LoadReport, SAFETENSORS_FILE, WeightsError, load_into, save_safetensors,
};

use crate::heads::{HeadNames, HeadTask};
use crate::{Encoder, EncoderInput, EncoderOutput, EncoderSpec, ModelError};

/// A task head: a module on the encoder's outputs, with its Hugging Face names.
pub trait Head<B: Backend>: Module<B> + burn::module::ModuleDisplay {
    /// What the head computes (logits, start/end logits…).
    type Output;
    /// The head's output for the encoder's.
    fn forward(&self, encoded: EncoderOutput<B>) -> Self::Output;
    /// Hugging Face names of the head's parameters.
    fn names(&self) -> Box<dyn HeadNames>;
}

/// An encoder with a task head: the module every encoder task trains.
#[derive(Module, Debug)]
pub struct EncoderWithHead<B: Backend, H: Module<B>> {
    pub encoder: Encoder<B>,
    pub head: H,
}

impl<B: Backend, H: Head<B>> EncoderWithHead<B, H> {
    /// The head's output for `input`.
    pub fn forward(&self, input: EncoderInput<B>) -> H::Output {
        self.head.forward(self.encoder.forward(input))
    }
}

/// Build an encoder of `spec` with `head`, load `dir`'s checkpoint into it and check the
/// load ([`check_task_load`]). `spec.config.has_pooler` says whether the encoder gets a pooler.
pub fn load_with_head<B: Backend, H: Head<B>>(
    spec: &EncoderSpec,
    head: H,
    dir: &Path,
    task: HeadTask,
    device: &B::Device,
) -> Result<(EncoderWithHead<B, H>, LoadReport), ModelError> {
    let names = spec.task_names(head.names());
    let module = EncoderWithHead {
        encoder: Encoder::new(&spec.config, device),
        head,
    };
    let (module, report) = load_into(module, &Checkpoint::open(dir)?, &names)?;
    check_task_load(&report, spec.arch.model_type(), task)?;
    Ok((module, report))
}

/// What [`assemble`] builds: the task's shared state and the encoder spec it keeps.
pub type Assembled<B, H, A> = (TaskBase<B, EncoderWithHead<B, H>, A>, EncoderSpec);

/// The second half of every encoder task's constructor, written once: the architecture and
/// configuration from `prepared` (`config` overrides applied, checked), the backend seeded with
/// `manual_seed` before the head is made (so a new head is reproducible, as in Python), the
/// head `head` builds for the spec (it may set `has_pooler`) loaded with the checkpoint, the
/// tokenizer with `special_tokens` added and the embeddings grown to fit, and the shared
/// [`TaskBase`]. Returns the base and the encoder spec the task keeps for naming and saving.
pub fn assemble<B, H, A>(
    model_type: &str,
    prepared: Prepared<A>,
    special_tokens: &[String],
    task: HeadTask,
    head: impl FnOnce(&mut EncoderSpec, &B::Device) -> H,
    device: B::Device,
) -> Result<Assembled<B, H, A>, ModelError>
where
    B: AutodiffBackend,
    H: Head<B>,
    A: TaskArgs,
{
    let mut spec = EncoderSpec::new(model_type, prepared.config.clone(), &prepared.model_dir)?;
    TaskBase::<B, EncoderWithHead<B, H>, A>::seed(&prepared.args, &device);
    let head = head(&mut spec, &device);
    let (mut module, _) = load_with_head(&spec, head, &prepared.model_dir, task, &device)?;
    let (encoder, tokenizer, added) = spec.attach_tokenizer(
        module.encoder,
        &prepared.tokenizer_dir,
        prepared.args.model(),
        special_tokens,
    )?;
    module.encoder = encoder;
    let base = TaskBase::new(prepared, module, tokenizer, added, device)?;
    Ok((base, spec))
}

/// Write a Hugging Face task-model directory's weights and `config.json` into `dir` (an empty,
/// staging directory): `model.safetensors` with base-model-prefixed names, and `spec`'s
/// configuration with `task`'s class in `architectures` plus `labels` (`id2label`,
/// `label2id`) and `problem_type` when given.
pub fn save_with_head<B: Backend, H: Head<B>>(
    module: &EncoderWithHead<B, H>,
    spec: &EncoderSpec,
    task: HeadTask,
    labels: &[String],
    problem_type: Option<&str>,
    dir: &Path,
) -> Result<(), ModelError> {
    let io = |path: &Path, e: std::io::Error| ModelError::from(st_core::Error::io(path, e));
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let names = spec.task_names(module.head.names());
    save_safetensors(module, &names, true, &dir.join(SAFETENSORS_FILE))?;
    let config = task_config(&spec.hf_config, &spec.hf_class(task), labels, problem_type);
    let path = dir.join("config.json");
    let text = serde_json::to_string_pretty(&config).unwrap_or_default();
    std::fs::write(&path, text + "\n").map_err(|e| io(&path, e))?;
    Ok(())
}

/// Check how a task model loaded: every encoder weight (Burn paths under `encoder.`, pooler
/// excepted) must have come from the checkpoint, or it is an error naming them. Parameters of
/// a head the checkpoint lacks are newly initialised and logged, as `transformers` does, and
/// so are checkpoint tensors the model does not use.
pub fn check_task_load(
    report: &LoadReport,
    model_type: &str,
    task: HeadTask,
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
            "checkpoint tensors not used by {model_type}{}: {}",
            task.class_suffix(),
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
/// `id2label`, `label2id` (unless `labels` is empty) and, when given, `problem_type`.
pub fn task_config(
    base: &Value,
    architecture: &str,
    labels: &[String],
    problem_type: Option<&str>,
) -> Value {
    let mut config = base.as_object().cloned().unwrap_or_default();
    config.insert("architectures".into(), Value::from(vec![architecture]));
    if labels.is_empty() {
        // A head without classes (a language model) keeps the source's label keys.
        return Value::Object(config);
    }
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

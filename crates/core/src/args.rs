//! Model arguments: the global options every Simple Transformers model shares
//! ([`ModelArgs`]) and the [`Args`] trait that gives every args type (global or
//! task-specific) the same JSON merge, save and load behaviour.
//!
//! Arguments travel as JSON because that is how Simple Transformers exchanges
//! them: users pass a dict of overrides, and every saved model directory holds a
//! `model_args.json` that is merged back in when the model is loaded. Merging
//! works on the serialised form of the struct, so a task args type only has to
//! `#[serde(flatten)]` a [`ModelArgs`] next to its own fields to get the same
//! behaviour without repeating the global fields.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Name of the file in which a model directory stores its arguments.
pub const MODEL_ARGS_FILE: &str = "model_args.json";

/// Everything that can go wrong while building, merging, saving or loading
/// arguments. Each message names the argument and/or file involved so that a
/// typo in a config file can be fixed without reading source code.
#[derive(Debug, thiserror::Error)]
pub enum ArgsError {
    /// Overrides were not a JSON object (e.g. a list or a string).
    #[error("expected a JSON object, found {found}")]
    NotAnObject {
        /// Short description of what was given instead.
        found: String,
    },
    /// An override names an argument the args type does not have.
    #[error("unknown argument \"{key}\"{}", suggestion_hint(.suggestion))]
    UnknownKey {
        /// The unknown key as written by the user.
        key: String,
        /// A known argument with a close spelling, if any.
        suggestion: Option<String>,
    },
    /// An override has a different JSON type than the argument.
    #[error("argument \"{key}\": expected {expected}, found {found}")]
    TypeMismatch {
        /// The argument name.
        key: String,
        /// The JSON type the argument takes (e.g. "a number").
        expected: &'static str,
        /// The value that was given.
        found: String,
    },
    /// An override has the right JSON type but an unusable value (e.g. a
    /// negative batch size, or an unknown key inside a parameter group).
    #[error("argument \"{key}\": {reason}")]
    InvalidValue {
        /// The argument name.
        key: String,
        /// What serde rejected, in its words.
        reason: String,
    },
    /// A JSON document could not be parsed.
    #[error("invalid JSON: {0}")]
    Json(#[source] serde_json::Error),
    /// Reading or writing a file failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Any of the errors above, found while reading or writing `path`.
    #[error("{}: {source}", .path.display())]
    InFile {
        /// The file being read or written.
        path: PathBuf,
        /// What went wrong in it.
        #[source]
        source: Box<ArgsError>,
    },
    /// The args type did not serialise to a JSON object; a bug in the type.
    #[error("arguments did not serialise to a JSON object: {0}")]
    NotSerialisable(String),
}

/// Formats the "did you mean" tail of [`ArgsError::UnknownKey`].
fn suggestion_hint(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!(" (did you mean \"{s}\"?)"))
        .unwrap_or_default()
}

impl ArgsError {
    /// Attaches the file an error was found in.
    fn in_file(self, path: &Path) -> Self {
        ArgsError::InFile {
            path: path.to_path_buf(),
            source: Box::new(self),
        }
    }

    /// Wraps an I/O error with its path.
    fn io(path: &Path, source: std::io::Error) -> Self {
        ArgsError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Optimiser settings for an explicit list of named parameters
/// (`custom_parameter_groups`). Unknown keys are rejected so that a typo such
/// as `"learning_rate"` instead of `"lr"` does not silently do nothing.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomParameterGroup {
    /// Full parameter names (e.g. `"classifier.weight"`).
    pub params: Vec<String>,
    /// Learning rate for these parameters; `None` uses `learning_rate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr: Option<f64>,
    /// Weight decay for these parameters; `None` uses `weight_decay`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_decay: Option<f64>,
}

/// Optimiser settings for every parameter of one encoder layer
/// (`custom_layer_parameters`, matched by the `layer.{n}.` name fragment).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomLayerParameters {
    /// Layer index (0-based).
    pub layer: usize,
    /// Learning rate for this layer; `None` uses `learning_rate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr: Option<f64>,
    /// Weight decay for this layer; `None` uses `weight_decay`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_decay: Option<f64>,
}

/// The global options of Python Simple Transformers' `ModelArgs`, with the same
/// names and the same (code, not documentation) defaults, so that
/// `model_args.json` files and override dicts carry over unchanged.
///
/// Every field is always serialised (`None` as `null`): the merge in [`Args`]
/// uses the serialised keys as the list of known arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelArgs {
    /// Adafactor: coefficient for the running average of the gradient (`None` = no momentum).
    pub adafactor_beta1: Option<f64>,
    /// Adafactor: threshold of the root mean square of the final gradient update.
    pub adafactor_clip_threshold: f64,
    /// Adafactor: coefficient used to compute running averages of the square gradient.
    pub adafactor_decay_rate: f64,
    /// Adafactor: regularisation constants for the squared gradient and the parameter scale.
    pub adafactor_eps: [f64; 2],
    /// Adafactor: compute a time-dependent learning rate instead of using `learning_rate`.
    pub adafactor_relative_step: bool,
    /// Adafactor: scale the learning rate by the root mean square of the parameter.
    pub adafactor_scale_parameter: bool,
    /// Adafactor: warm up the time-dependent learning rate.
    pub adafactor_warmup_init: bool,
    /// AdamW beta coefficients (Python tuple, a two-element list in JSON).
    pub adam_betas: [f64; 2],
    /// AdamW epsilon.
    pub adam_epsilon: f64,
    /// Directory where the best model (by early-stopping metric) is saved.
    pub best_model_dir: String,
    /// Directory for cached features.
    pub cache_dir: String,
    /// Overrides applied to the model's `config.json` values.
    pub config: Map<String, Value>,
    /// Number of cosine cycles for the cosine schedulers.
    pub cosine_schedule_num_cycles: f64,
    /// Per-layer optimiser settings.
    pub custom_layer_parameters: Vec<CustomLayerParameters>,
    /// Per-parameter optimiser settings (take precedence over per-layer ones).
    pub custom_parameter_groups: Vec<CustomParameterGroup>,
    /// Number of worker threads feeding the data loader (0 = main thread).
    pub dataloader_num_workers: usize,
    /// Directory for Hugging Face `datasets` caches (`None` = library default).
    pub dataset_cache_dir: Option<String>,
    /// Lower-case input text (for uncased models).
    pub do_lower_case: bool,
    /// Quantise linear layers to int8 after loading.
    pub dynamic_quantize: bool,
    /// Also count end-of-epoch evaluations towards early stopping.
    pub early_stopping_consider_epochs: bool,
    /// Minimum improvement of the metric that counts as better.
    pub early_stopping_delta: f64,
    /// Metric watched by early stopping and best-model selection.
    pub early_stopping_metric: String,
    /// Whether the early-stopping metric is minimised (true) or maximised.
    pub early_stopping_metric_minimize: bool,
    /// Evaluations without improvement before training stops.
    pub early_stopping_patience: usize,
    /// Text encoding for input files (`None` = UTF-8).
    pub encoding: Option<String>,
    /// Evaluation batch size.
    pub eval_batch_size: usize,
    /// Evaluate on the eval data while training.
    pub evaluate_during_training: bool,
    /// Hide progress bars of evaluations during training.
    pub evaluate_during_training_silent: bool,
    /// Evaluate every this many steps during training (<= 0 disables step evaluations).
    pub evaluate_during_training_steps: i64,
    /// Print evaluation results during training.
    pub evaluate_during_training_verbose: bool,
    /// Evaluate at the end of every epoch when evaluating during training.
    pub evaluate_each_epoch: bool,
    /// Use mixed precision where the device supports it.
    pub fp16: bool,
    /// Batches whose gradients are accumulated before an optimiser step.
    pub gradient_accumulation_steps: usize,
    /// Peak learning rate.
    pub learning_rate: f64,
    /// Rank for distributed training (-1 = not distributed).
    pub local_rank: i64,
    /// Log loss and learning rate every this many steps (<= 0 disables).
    pub logging_steps: i64,
    /// Name of a custom loss (`None` = the model's default loss).
    pub loss_type: Option<String>,
    /// Keyword arguments of the custom loss.
    pub loss_args: Map<String, Value>,
    /// Seed for reproducible runs (`None` = not seeded).
    pub manual_seed: Option<u64>,
    /// Gradient clipping norm.
    pub max_grad_norm: f64,
    /// Maximum tokens per sequence.
    pub max_seq_length: usize,
    /// Model name or path (set by the model constructor).
    pub model_name: Option<String>,
    /// Model architecture type (set by the model constructor).
    pub model_type: Option<String>,
    /// Examples per worker chunk in feature conversion (-1 = automatic).
    pub multiprocessing_chunksize: i64,
    /// Number of GPUs to use.
    pub n_gpu: usize,
    /// Never cache features to disk.
    pub no_cache: bool,
    /// Never save models to disk.
    pub no_save: bool,
    /// Argument names left out of `model_args.json`.
    pub not_saved_args: Vec<String>,
    /// Training epochs.
    pub num_train_epochs: usize,
    /// Optimiser name ("AdamW" or "Adafactor").
    pub optimizer: String,
    /// Directory for checkpoints, final model and results.
    pub output_dir: String,
    /// Allow training into a non-empty `output_dir`.
    pub overwrite_output_dir: bool,
    /// Final learning rate of the polynomial decay schedule.
    pub polynomial_decay_schedule_lr_end: f64,
    /// Power of the polynomial decay schedule.
    pub polynomial_decay_schedule_power: f64,
    /// Worker processes/threads for feature conversion (default: cores - 2, at least 1).
    pub process_count: usize,
    /// The loaded weights are already quantised.
    pub quantized_model: bool,
    /// Recompute features even when a cached copy exists.
    pub reprocess_input_data: bool,
    /// Save the best model to `best_model_dir`.
    pub save_best_model: bool,
    /// Save a checkpoint at every evaluation during training.
    pub save_eval_checkpoints: bool,
    /// Save a checkpoint at the end of every epoch.
    pub save_model_every_epoch: bool,
    /// Save optimiser and scheduler state with checkpoints.
    pub save_optimizer_and_scheduler: bool,
    /// Save a checkpoint every this many steps (<= 0 disables).
    pub save_steps: i64,
    /// Learning-rate schedule name.
    pub scheduler: String,
    /// Disable progress bars.
    pub silent: bool,
    /// Drop special tokens when decoding generated text.
    pub skip_special_tokens: bool,
    /// Directory for TensorBoard event files (`None` = `runs/<date>_<host>`).
    pub tensorboard_dir: Option<String>,
    /// Number of compute threads (`None` = library default).
    pub thread_count: Option<usize>,
    /// Tokenizer to load instead of the model's own (`None` = same as `model_name`).
    pub tokenizer_name: Option<String>,
    /// Tokenizer type to use instead of the model's own (`None` = same as `model_type`).
    pub tokenizer_type: Option<String>,
    /// Training batch size.
    pub train_batch_size: usize,
    /// Train only the parameters named in the custom groups (freeze the rest).
    pub train_custom_parameters_only: bool,
    /// Allow model code from the hub (accepted for compatibility; no code is ever run).
    pub trust_remote_code: bool,
    /// Reuse cached features for evaluation during training.
    pub use_cached_eval_features: bool,
    /// Stop training when the metric stops improving.
    pub use_early_stopping: bool,
    /// Load data through the Hugging Face `datasets` pipeline.
    pub use_hf_datasets: bool,
    /// Convert training features in parallel.
    pub use_multiprocessing: bool,
    /// Convert evaluation features in parallel.
    pub use_multiprocessing_for_evaluation: bool,
    /// Keyword arguments for the Weights & Biases run.
    pub wandb_kwargs: Map<String, Value>,
    /// Weights & Biases project to log to (`None` = no logging).
    pub wandb_project: Option<String>,
    /// Fraction of training steps used for learning-rate warm-up.
    pub warmup_ratio: f64,
    /// Warm-up steps; non-zero overrides `warmup_ratio`.
    pub warmup_steps: usize,
    /// Weight decay (L2 penalty).
    pub weight_decay: f64,
}

/// Python's default: `cpu_count() - 2`, but at least 1, leaving cores for the
/// main process and the OS.
fn default_process_count() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .saturating_sub(2)
        .max(1)
}

impl Default for ModelArgs {
    fn default() -> Self {
        ModelArgs {
            adafactor_beta1: None,
            adafactor_clip_threshold: 1.0,
            adafactor_decay_rate: -0.8,
            adafactor_eps: [1e-30, 1e-3],
            adafactor_relative_step: true,
            adafactor_scale_parameter: true,
            adafactor_warmup_init: true,
            adam_betas: [0.9, 0.999],
            adam_epsilon: 1e-8,
            best_model_dir: "outputs/best_model".into(),
            cache_dir: "cache_dir/".into(),
            config: Map::new(),
            cosine_schedule_num_cycles: 0.5,
            custom_layer_parameters: Vec::new(),
            custom_parameter_groups: Vec::new(),
            dataloader_num_workers: 0,
            dataset_cache_dir: None,
            do_lower_case: false,
            dynamic_quantize: false,
            early_stopping_consider_epochs: false,
            early_stopping_delta: 0.0,
            early_stopping_metric: "eval_loss".into(),
            early_stopping_metric_minimize: true,
            early_stopping_patience: 3,
            encoding: None,
            eval_batch_size: 100,
            evaluate_during_training: false,
            evaluate_during_training_silent: true,
            evaluate_during_training_steps: 2000,
            evaluate_during_training_verbose: false,
            evaluate_each_epoch: true,
            fp16: true,
            gradient_accumulation_steps: 1,
            learning_rate: 4e-5,
            local_rank: -1,
            logging_steps: 50,
            loss_type: None,
            loss_args: Map::new(),
            manual_seed: None,
            max_grad_norm: 1.0,
            max_seq_length: 128,
            model_name: None,
            model_type: None,
            multiprocessing_chunksize: -1,
            n_gpu: 1,
            no_cache: false,
            no_save: false,
            not_saved_args: Vec::new(),
            num_train_epochs: 1,
            optimizer: "AdamW".into(),
            output_dir: "outputs/".into(),
            overwrite_output_dir: false,
            polynomial_decay_schedule_lr_end: 1e-7,
            polynomial_decay_schedule_power: 1.0,
            process_count: default_process_count(),
            quantized_model: false,
            reprocess_input_data: true,
            save_best_model: true,
            save_eval_checkpoints: true,
            save_model_every_epoch: true,
            save_optimizer_and_scheduler: true,
            save_steps: 2000,
            scheduler: "linear_schedule_with_warmup".into(),
            silent: false,
            skip_special_tokens: true,
            tensorboard_dir: None,
            thread_count: None,
            tokenizer_name: None,
            tokenizer_type: None,
            train_batch_size: 8,
            train_custom_parameters_only: false,
            trust_remote_code: false,
            use_cached_eval_features: false,
            use_early_stopping: false,
            use_hf_datasets: false,
            use_multiprocessing: true,
            use_multiprocessing_for_evaluation: true,
            wandb_kwargs: Map::new(),
            wandb_project: None,
            warmup_ratio: 0.06,
            warmup_steps: 0,
            weight_decay: 0.0,
        }
    }
}

/// JSON merge, save and load for any args type.
///
/// Implementors must serialise to a JSON object that contains every field
/// (never `skip_serializing_if` on top-level fields): the serialised keys are
/// the list of known arguments, and the serialised values give each
/// argument's expected JSON type for error messages. Task args get all of this
/// by flattening [`ModelArgs`] into themselves and writing `impl Args for X {}`.
pub trait Args: Serialize + DeserializeOwned + Default + Clone {
    /// The arguments as a JSON object with one entry per argument.
    fn to_json_map(&self) -> Result<Map<String, Value>, ArgsError> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(other) => Err(ArgsError::NotSerialisable(describe(&other))),
            Err(err) => Err(ArgsError::NotSerialisable(err.to_string())),
        }
    }

    /// Overlays `overrides` (a JSON object of argument name to value), the
    /// equivalent of Python's `update_from_dict`.
    ///
    /// Unlike Python, unknown names are an error (a typo would otherwise be
    /// silently ignored), and values are type-checked per key. On error `self`
    /// is left unchanged.
    fn update_from_json(&mut self, overrides: &Value) -> Result<(), ArgsError> {
        let overrides = as_object(overrides)?;
        let mut merged = self.to_json_map()?;
        if let Some(key) = overrides.keys().find(|k| !merged.contains_key(*k)) {
            let suggestion = closest_key(key, merged.keys());
            return Err(ArgsError::UnknownKey {
                key: key.clone(),
                suggestion,
            });
        }
        for (key, value) in overrides {
            check_value::<Self>(&merged, key, value)?;
            merged.insert(key.clone(), value.clone());
        }
        *self = from_map(merged).map_err(|reason| ArgsError::InvalidValue {
            key: "(overrides)".into(),
            reason,
        })?;
        Ok(())
    }

    /// Defaults overlaid with a JSON object given as text.
    fn from_json_str(text: &str) -> Result<Self, ArgsError> {
        let value: Value = serde_json::from_str(text).map_err(ArgsError::Json)?;
        let mut args = Self::default();
        args.update_from_json(&value)?;
        Ok(args)
    }

    /// Defaults overlaid with a JSON file (unknown keys are errors, as for
    /// any user-written overrides); errors name the file.
    fn from_json_file(path: &Path) -> Result<Self, ArgsError> {
        let text = fs::read_to_string(path).map_err(|e| ArgsError::io(path, e))?;
        Self::from_json_str(&text).map_err(|e| e.in_file(path))
    }

    /// Writes `dir/model_args.json` (creating `dir`), leaving out the keys
    /// named in `not_saved_args`. The file is written to a temporary name and
    /// renamed so that a crash never leaves a half-written file behind.
    fn save(&self, dir: &Path) -> Result<(), ArgsError> {
        let mut map = self.to_json_map()?;
        remove_not_saved(&mut map);
        let mut text = serde_json::to_string_pretty(&Value::Object(map))
            .map_err(|e| ArgsError::NotSerialisable(e.to_string()))?;
        text.push('\n');
        fs::create_dir_all(dir).map_err(|e| ArgsError::io(dir, e))?;
        write_atomically(&dir.join(MODEL_ARGS_FILE), text.as_bytes())
    }

    /// Merges `dir/model_args.json` if it exists and returns whether it did,
    /// like Python's `args.load(model_dir)`.
    ///
    /// Files written by Python Simple Transformers (or by other tasks or
    /// versions) contain keys this type does not have; those are ignored with a
    /// single warning rather than rejected. Values of the wrong type are still
    /// errors, naming the file and the key.
    fn load_from_dir(&mut self, dir: &Path) -> Result<bool, ArgsError> {
        let path = dir.join(MODEL_ARGS_FILE);
        if !path.is_file() {
            return Ok(false);
        }
        let text = fs::read_to_string(&path).map_err(|e| ArgsError::io(&path, e))?;
        let saved: Value =
            serde_json::from_str(&text).map_err(|e| ArgsError::Json(e).in_file(&path))?;
        let mut saved = as_object(&saved).map_err(|e| e.in_file(&path))?.clone();
        let known = self.to_json_map()?;
        let ignored = retain_known(&mut saved, &known);
        if !ignored.is_empty() {
            tracing::warn!(
                file = %path.display(),
                ignored = ?ignored,
                "ignoring {} argument(s) this model type does not use",
                ignored.len()
            );
        }
        drop_consumed_groups(&mut saved, &path);
        self.update_from_json(&Value::Object(saved))
            .map_err(|e| e.in_file(&path))?;
        Ok(true)
    }
}

impl Args for ModelArgs {}

/// Borrows `value` as an object or explains what it was instead.
fn as_object(value: &Value) -> Result<&Map<String, Value>, ArgsError> {
    value.as_object().ok_or_else(|| ArgsError::NotAnObject {
        found: describe(value),
    })
}

/// Deserialises an args type from a complete JSON map.
fn from_map<T: DeserializeOwned>(map: Map<String, Value>) -> Result<T, String> {
    serde_json::from_value(Value::Object(map)).map_err(|e| e.to_string())
}

/// Checks one override against the argument's current value: first the JSON
/// type (for a clear "expected X, found Y" message), then by deserialising
/// the args with only this key replaced, so that the error names the key.
fn check_value<T: DeserializeOwned>(
    current: &Map<String, Value>,
    key: &str,
    value: &Value,
) -> Result<(), ArgsError> {
    let old = &current[key];
    if !same_json_type(old, value) {
        return Err(ArgsError::TypeMismatch {
            key: key.to_owned(),
            expected: json_type(old),
            found: describe(value),
        });
    }
    let mut trial = current.clone();
    trial.insert(key.to_owned(), value.clone());
    from_map::<T>(trial)
        .map(drop)
        .map_err(|reason| ArgsError::InvalidValue {
            key: key.to_owned(),
            reason,
        })
}

/// Whether `new` has the JSON type of `old`. Nulls pass either way (optional
/// arguments take both; serde rejects the rest), integers are accepted for
/// float arguments, but floats (even `3.0`) are not accepted for integer ones.
fn same_json_type(old: &Value, new: &Value) -> bool {
    match (old, new) {
        (Value::Null, _) | (_, Value::Null) => true,
        (Value::Bool(_), Value::Bool(_)) => true,
        (Value::Number(o), Value::Number(n)) => o.is_f64() || !n.is_f64(),
        (Value::String(_), Value::String(_)) => true,
        (Value::Array(_), Value::Array(_)) => true,
        (Value::Object(_), Value::Object(_)) => true,
        _ => false,
    }
}

/// The JSON type of a value, phrased for "expected …" messages.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A short rendering of a value for "found …" messages: scalars verbatim
/// (strings quoted, shortened if long), containers by type.
fn describe(value: &Value) -> String {
    const MAX: usize = 60;
    match value {
        Value::Array(_) | Value::Object(_) => json_type(value).to_owned(),
        Value::String(s) if s.chars().count() > MAX => {
            let head: String = s.chars().take(MAX).collect();
            format!("\"{head}…\"")
        }
        other => other.to_string(),
    }
}

/// The known key closest in spelling to `key`, if it is close enough to be a
/// plausible typo (edit distance 2, or 3 for keys longer than 8 characters).
fn closest_key<'a>(key: &str, known: impl Iterator<Item = &'a String>) -> Option<String> {
    let limit = if key.chars().count() > 8 { 3 } else { 2 };
    let wanted = key.to_lowercase();
    known
        .map(|k| (edit_distance(&wanted, k), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.clone())
}

/// Levenshtein distance between two strings, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut row = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != *cb);
            row[j + 1] = substitute.min(prev[j + 1] + 1).min(row[j] + 1);
        }
        prev = row;
    }
    prev[b.len()]
}

/// Removes the keys listed in the map's own `not_saved_args` entry, plus
/// `wandb_kwargs.settings`, which Python also drops because it holds a W&B
/// object rather than plain data.
fn remove_not_saved(map: &mut Map<String, Value>) {
    let not_saved: Vec<String> = map
        .get("not_saved_args")
        .and_then(Value::as_array)
        .map(|keys| {
            keys.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    for key in &not_saved {
        map.remove(key);
    }
    if let Some(Value::Object(wandb)) = map.get_mut("wandb_kwargs") {
        wandb.remove("settings");
    }
}

/// Keeps only the keys of `saved` that `known` has; returns the others, sorted.
fn retain_known(saved: &mut Map<String, Value>, known: &Map<String, Value>) -> Vec<String> {
    let ignored: BTreeSet<String> = saved
        .keys()
        .filter(|k| !known.contains_key(*k))
        .cloned()
        .collect();
    saved.retain(|k, _| known.contains_key(k));
    ignored.into_iter().collect()
}

/// Python's training loop `pop`s `"params"` / `"layer"` out of the custom
/// group dicts, so a `model_args.json` saved after training holds groups
/// without them. Such groups cannot be applied to anything; they are dropped
/// with a warning instead of making the whole model unloadable.
fn drop_consumed_groups(saved: &mut Map<String, Value>, path: &Path) {
    for (key, required) in [
        ("custom_parameter_groups", "params"),
        ("custom_layer_parameters", "layer"),
    ] {
        let Some(Value::Array(groups)) = saved.get_mut(key) else {
            continue;
        };
        let before = groups.len();
        groups.retain(|g| g.as_object().is_none_or(|g| g.contains_key(required)));
        let dropped = before - groups.len();
        if dropped > 0 {
            tracing::warn!(
                file = %path.display(),
                "dropping {dropped} \"{key}\" entries without \"{required}\" \
                 (Python's training loop removes that key)"
            );
        }
    }
}

/// Writes `contents` to `path` via a temporary file in the same directory and
/// a rename, so readers see either the old or the new file, never a partial one.
fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), ArgsError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.unwrap_or_default(),
        std::process::id()
    ));
    let result = write_and_sync(&tmp, contents).and_then(|()| fs::rename(&tmp, path));
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        ArgsError::io(path, e)
    })
}

/// Creates `path` with `contents` and flushes it to disk.
fn write_and_sync(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut file = fs::File::create(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A task args type built the way task crates will build theirs.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    struct TestTaskArgs {
        #[serde(flatten)]
        model: ModelArgs,
        labels_list: Vec<String>,
        sliding_window: bool,
    }

    impl Args for TestTaskArgs {}

    /// Equality after a trip through JSON text. serde_json's default float
    /// parser (without the `float_roundtrip` feature) may be one ulp off for
    /// exponents beyond +-22, which only affects `adafactor_eps[0]` (1e-30).
    fn assert_same_args(mut back: ModelArgs, original: &ModelArgs) {
        for (b, o) in back.adafactor_eps.iter().zip(original.adafactor_eps) {
            assert!((b - o).abs() <= o.abs() * 1e-15, "{b} vs {o}");
        }
        back.adafactor_eps = original.adafactor_eps;
        assert_eq!(&back, original);
    }

    fn updated(overrides: Value) -> Result<ModelArgs, ArgsError> {
        let mut args = ModelArgs::default();
        args.update_from_json(&overrides)?;
        Ok(args)
    }

    #[test]
    fn defaults_match_python() {
        let a = ModelArgs::default();
        assert_eq!(a.adafactor_beta1, None);
        assert_eq!(a.adafactor_clip_threshold, 1.0);
        assert_eq!(a.adafactor_decay_rate, -0.8);
        assert_eq!(a.adafactor_eps, [1e-30, 1e-3]);
        assert!(a.adafactor_relative_step && a.adafactor_scale_parameter);
        assert!(a.adafactor_warmup_init);
        assert_eq!(a.adam_betas, [0.9, 0.999]);
        assert_eq!(a.adam_epsilon, 1e-8);
        assert_eq!(a.best_model_dir, "outputs/best_model");
        assert_eq!(a.cache_dir, "cache_dir/");
        assert!(a.config.is_empty() && a.loss_args.is_empty() && a.wandb_kwargs.is_empty());
        assert_eq!(a.cosine_schedule_num_cycles, 0.5);
        assert!(a.custom_layer_parameters.is_empty() && a.custom_parameter_groups.is_empty());
        assert_eq!(a.dataloader_num_workers, 0);
        assert_eq!(a.early_stopping_metric, "eval_loss");
        assert!(a.early_stopping_metric_minimize);
        assert_eq!(a.early_stopping_patience, 3);
        assert_eq!(a.early_stopping_delta, 0.0);
        assert_eq!(a.eval_batch_size, 100);
        assert!(!a.evaluate_during_training && a.evaluate_during_training_silent);
        assert_eq!(a.evaluate_during_training_steps, 2000);
        assert!(a.evaluate_each_epoch);
        assert!(a.fp16);
        assert_eq!(a.gradient_accumulation_steps, 1);
        assert_eq!(a.learning_rate, 4e-5);
        assert_eq!(a.local_rank, -1);
        assert_eq!(a.logging_steps, 50);
        assert_eq!(a.manual_seed, None);
        assert_eq!(a.max_grad_norm, 1.0);
        assert_eq!(a.max_seq_length, 128);
        assert_eq!(a.multiprocessing_chunksize, -1);
        assert_eq!(a.n_gpu, 1);
        assert_eq!(a.num_train_epochs, 1);
        assert_eq!(a.optimizer, "AdamW");
        assert_eq!(a.output_dir, "outputs/");
        assert_eq!(a.polynomial_decay_schedule_lr_end, 1e-7);
        assert_eq!(a.polynomial_decay_schedule_power, 1.0);
        assert!(a.reprocess_input_data && a.save_best_model && a.save_eval_checkpoints);
        assert!(a.save_model_every_epoch && a.save_optimizer_and_scheduler);
        assert_eq!(a.save_steps, 2000);
        assert_eq!(a.scheduler, "linear_schedule_with_warmup");
        assert!(!a.silent && a.skip_special_tokens);
        assert_eq!(a.train_batch_size, 8);
        assert!(a.use_multiprocessing && a.use_multiprocessing_for_evaluation);
        assert_eq!(a.warmup_ratio, 0.06);
        assert_eq!(a.warmup_steps, 0);
        assert_eq!(a.weight_decay, 0.0);
        assert_eq!(
            (a.model_name, a.model_type, a.wandb_project),
            (None, None, None)
        );
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let expected = if cores > 2 { cores - 2 } else { 1 };
        assert_eq!(a.process_count, expected);
    }

    #[test]
    fn serialises_all_82_fields_with_nulls_and_lists() {
        let map = ModelArgs::default().to_json_map().unwrap();
        assert_eq!(map.len(), 82);
        assert_eq!(map["manual_seed"], Value::Null);
        assert_eq!(map["adam_betas"], json!([0.9, 0.999]));
        assert_eq!(map["adafactor_eps"], json!([1e-30, 1e-3]));
        assert_eq!(map["config"], json!({}));
    }

    #[test]
    fn json_round_trip() {
        let mut args = ModelArgs {
            manual_seed: Some(42),
            custom_parameter_groups: vec![CustomParameterGroup {
                params: vec!["classifier.weight".into()],
                lr: Some(1e-3),
                weight_decay: None,
            }],
            ..ModelArgs::default()
        };
        args.config.insert("dropout".into(), json!(0.2));
        let text = serde_json::to_string(&args).unwrap();
        let back: ModelArgs = serde_json::from_str(&text).unwrap();
        assert_same_args(back, &args);
        assert_same_args(ModelArgs::from_json_str(&text).unwrap(), &args);
    }

    #[test]
    fn update_overlays_values() {
        let a = updated(json!({
            "learning_rate": 1e-4,
            "num_train_epochs": 5,
            "adam_betas": [0.8, 0.99],
            "manual_seed": 7,
            "weight_decay": 0,
            "custom_layer_parameters": [{"layer": 10, "lr": 1e-3}],
        }))
        .unwrap();
        assert_eq!(a.learning_rate, 1e-4);
        assert_eq!(a.num_train_epochs, 5);
        assert_eq!(a.adam_betas, [0.8, 0.99]);
        assert_eq!(a.manual_seed, Some(7));
        assert_eq!(a.custom_layer_parameters[0].layer, 10);
        assert_eq!(a.eval_batch_size, 100, "untouched fields keep their value");
        let mut b = a.clone();
        b.update_from_json(&json!({"manual_seed": null})).unwrap();
        assert_eq!(b.manual_seed, None);
    }

    #[test]
    fn non_object_overrides_are_rejected() {
        let err = updated(json!([1, 2])).unwrap_err();
        assert_eq!(err.to_string(), "expected a JSON object, found a list");
    }

    #[test]
    fn unknown_key_is_named_with_suggestion() {
        let err = updated(json!({"learning_rat": 0.1})).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("\"learning_rat\""), "{msg}");
        assert!(msg.contains("did you mean \"learning_rate\""), "{msg}");
        let ArgsError::UnknownKey { key, suggestion } = err else {
            panic!("wrong variant")
        };
        assert_eq!(
            (key.as_str(), suggestion.as_deref()),
            ("learning_rat", Some("learning_rate"))
        );

        let err = updated(json!({"completely_unrelated": 1})).unwrap_err();
        assert!(matches!(
            err,
            ArgsError::UnknownKey {
                suggestion: None,
                ..
            }
        ));
    }

    #[test]
    fn type_errors_name_the_key() {
        let msg = updated(json!({"learning_rate": "fast"}))
            .unwrap_err()
            .to_string();
        assert_eq!(
            msg,
            "argument \"learning_rate\": expected a number, found \"fast\""
        );

        let msg = updated(json!({"train_batch_size": 3.0}))
            .unwrap_err()
            .to_string();
        assert_eq!(
            msg,
            "argument \"train_batch_size\": expected an integer, found 3.0"
        );

        let msg = updated(json!({"train_batch_size": -4}))
            .unwrap_err()
            .to_string();
        assert!(msg.starts_with("argument \"train_batch_size\": "), "{msg}");

        let msg = updated(json!({"learning_rate": null}))
            .unwrap_err()
            .to_string();
        assert!(msg.starts_with("argument \"learning_rate\": "), "{msg}");

        // Currently null: the type comes from serde, still naming the key.
        let msg = updated(json!({"manual_seed": "x"}))
            .unwrap_err()
            .to_string();
        assert!(msg.starts_with("argument \"manual_seed\": "), "{msg}");

        let msg = updated(json!({"adam_betas": [0.9]}))
            .unwrap_err()
            .to_string();
        assert!(msg.starts_with("argument \"adam_betas\": "), "{msg}");
    }

    #[test]
    fn custom_groups_reject_unknown_fields() {
        let err = updated(json!({"custom_parameter_groups": [{"params": ["a"], "eps": 1e-6}]}))
            .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("custom_parameter_groups") && msg.contains("eps"),
            "{msg}"
        );

        let err = updated(json!({"custom_layer_parameters": [{"layer": 1, "learning_rate": 1}]}))
            .unwrap_err();
        assert!(err.to_string().contains("learning_rate"), "{err}");
    }

    #[test]
    fn failed_update_leaves_args_unchanged() {
        let mut a = ModelArgs::default();
        let err = a.update_from_json(&json!({"learning_rate": 1.0, "fp16": "no"}));
        assert!(err.is_err());
        assert_eq!(a, ModelArgs::default());
    }

    #[test]
    fn save_and_load_round_trip_honours_not_saved_args() {
        let dir = tempfile::tempdir().unwrap();
        let args = ModelArgs {
            learning_rate: 1e-3,
            wandb_project: Some("proj".into()),
            not_saved_args: vec!["wandb_project".into(), "output_dir".into()],
            ..ModelArgs::default()
        };
        args.save(dir.path()).unwrap();

        let saved: Value =
            serde_json::from_str(&fs::read_to_string(dir.path().join(MODEL_ARGS_FILE)).unwrap())
                .unwrap();
        let saved = saved.as_object().unwrap();
        assert!(!saved.contains_key("wandb_project") && !saved.contains_key("output_dir"));
        assert_eq!(saved.len(), 80);
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");

        let mut loaded = ModelArgs::default();
        assert!(loaded.load_from_dir(dir.path()).unwrap());
        assert_eq!(loaded.learning_rate, 1e-3);
        assert_eq!(loaded.wandb_project, None);
        assert_eq!(loaded.not_saved_args, args.not_saved_args);
    }

    #[test]
    fn load_from_dir_without_file_is_a_no_op() {
        let dir = tempfile::tempdir().unwrap();
        let mut args = ModelArgs::default();
        assert!(!args.load_from_dir(dir.path()).unwrap());
        assert!(!args.load_from_dir(&dir.path().join("missing")).unwrap());
        assert_eq!(args, ModelArgs::default());
    }

    #[test]
    fn python_model_args_json_loads_ignoring_extra_keys() {
        let dir = tempfile::tempdir().unwrap();
        // As written by Python's json.dump: tuples as lists, ints for floats,
        // task keys of other tasks, and groups whose "params" training popped.
        let python = r#"{"adam_epsilon": 1e-08, "adam_betas": [0.9, 0.98],
            "adafactor_eps": [1e-30, 0.001], "early_stopping_delta": 0,
            "eval_batch_size": 32, "fp16": false, "learning_rate": 4e-05,
            "manual_seed": null, "model_class": "ClassificationModel",
            "labels_map": {"a": 0}, "labels_list": ["a", "b"],
            "sliding_window": false, "regression": false, "save_steps": -1,
            "custom_parameter_groups": [{"lr": 0.001}],
            "wandb_kwargs": {}, "model_type": "bert", "model_name": "bert-base-cased"}"#;
        fs::write(dir.path().join(MODEL_ARGS_FILE), python).unwrap();

        let mut args = ModelArgs::default();
        assert!(args.load_from_dir(dir.path()).unwrap());
        assert_eq!(args.eval_batch_size, 32);
        assert!(!args.fp16);
        assert_eq!(args.adam_betas, [0.9, 0.98]);
        assert_eq!(args.save_steps, -1);
        assert_eq!(args.model_type.as_deref(), Some("bert"));
        assert!(args.custom_parameter_groups.is_empty());
    }

    #[test]
    fn load_from_dir_type_error_names_file_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(MODEL_ARGS_FILE);
        fs::write(&path, r#"{"max_seq_length": "long", "model_class": "X"}"#).unwrap();
        let msg = ModelArgs::default()
            .load_from_dir(dir.path())
            .unwrap_err()
            .to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(
            msg.contains("\"max_seq_length\": expected an integer"),
            "{msg}"
        );

        fs::write(&path, "{not json").unwrap();
        let msg = ModelArgs::default()
            .load_from_dir(dir.path())
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains(MODEL_ARGS_FILE) && msg.contains("invalid JSON"),
            "{msg}"
        );
    }

    #[test]
    fn from_json_file_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("overrides.json");
        fs::write(&path, r#"{"num_train_epochs": 3}"#).unwrap();
        assert_eq!(
            ModelArgs::from_json_file(&path).unwrap().num_train_epochs,
            3
        );

        fs::write(&path, r#"{"num_train_epoch": 3}"#).unwrap();
        let msg = ModelArgs::from_json_file(&path).unwrap_err().to_string();
        assert!(
            msg.contains("overrides.json") && msg.contains("num_train_epoch"),
            "{msg}"
        );

        let missing = dir.path().join("absent.json");
        let msg = ModelArgs::from_json_file(&missing).unwrap_err().to_string();
        assert!(msg.contains("absent.json"), "{msg}");
    }

    #[test]
    fn task_args_extend_model_args() {
        let mut task = TestTaskArgs::default();
        assert_eq!(task.to_json_map().unwrap().len(), 84);
        task.update_from_json(&json!({
            "learning_rate": 2e-5,
            "labels_list": ["neg", "pos"],
            "sliding_window": true,
        }))
        .unwrap();
        assert_eq!(task.model.learning_rate, 2e-5);
        assert_eq!(task.labels_list, ["neg", "pos"]);
        assert!(task.sliding_window);

        let err = task
            .update_from_json(&json!({"label_list": []}))
            .unwrap_err();
        assert!(
            matches!(&err, ArgsError::UnknownKey { key, suggestion: Some(s) }
                if key == "label_list" && s == "labels_list"),
            "{err}"
        );
        let msg = task
            .update_from_json(&json!({"sliding_window": 1}))
            .unwrap_err()
            .to_string();
        assert_eq!(
            msg,
            "argument \"sliding_window\": expected a boolean, found 1"
        );

        let dir = tempfile::tempdir().unwrap();
        task.save(dir.path()).unwrap();
        let mut loaded = TestTaskArgs::default();
        assert!(loaded.load_from_dir(dir.path()).unwrap());
        assert_same_args(loaded.model.clone(), &task.model);
        assert_eq!(
            (loaded.labels_list, loaded.sliding_window),
            (task.labels_list, task.sliding_window)
        );
    }

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}

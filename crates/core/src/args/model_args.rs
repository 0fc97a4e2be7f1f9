//! [`ModelArgs`]: the global options every Simple Transformers model shares, with Python's
//! names and (code) defaults, and the range checks that run before any tensor is made.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
    /// Use mixed precision where the device supports it. As in Python, a model on the CPU turns
    /// it off (the CPU backends compute in f32).
    pub fp16: bool,
    /// Apex optimisation level for `fp16` (`O0`–`O3`), from Simple Transformers' documented
    /// arguments; it only matters with `fp16`.
    pub fp16_opt_level: String,
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
    /// Stop training after this many optimiser steps (> 0); -1 trains for `num_train_epochs`.
    /// Python has it for language modelling, seq2seq and T5; here every task honours it.
    pub max_steps: i64,
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
            fp16_opt_level: "O1".into(),
            gradient_accumulation_steps: 1,
            learning_rate: 4e-5,
            local_rank: -1,
            logging_steps: 50,
            loss_type: None,
            loss_args: Map::new(),
            manual_seed: None,
            max_grad_norm: 1.0,
            max_seq_length: 128,
            max_steps: -1,
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

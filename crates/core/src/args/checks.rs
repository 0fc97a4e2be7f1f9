//! Range checks and refusals for [`ModelArgs`], run before any tensor is made: a value this
//! build cannot honour is an error naming the argument and saying why, never a silent no-op.
//!
//! Two levels, because a saved `model_args.json` carries training settings (Python saves
//! `n_gpu` as the number of GPUs it trained on, `wandb_project`, …) that must not stop a
//! user from loading the model to predict with it:
//! - [`ModelArgs::check`]: whenever a model is built (loading, evaluation, prediction);
//! - [`ModelArgs::check_training`]: additionally, before training.

use super::{ArgsError, ModelArgs};

fn invalid(key: &str, reason: impl Into<String>) -> ArgsError {
    ArgsError::InvalidValue {
        key: key.to_owned(),
        reason: reason.into(),
    }
}

fn unsupported(key: &str, reason: &str) -> ArgsError {
    ArgsError::Unsupported {
        key: key.to_owned(),
        reason: reason.to_owned(),
    }
}

/// `Err` naming `key` unless `value` is at least `min`.
fn at_least(key: &str, value: usize, min: usize) -> Result<(), ArgsError> {
    if value < min {
        return Err(invalid(
            key,
            format!("must be at least {min}, found {value}"),
        ));
    }
    Ok(())
}

/// `Err` naming `key` unless `value` is finite and inside `range` (a description of it).
fn finite_in(
    key: &str,
    value: f64,
    ok: impl Fn(f64) -> bool,
    range: &str,
) -> Result<(), ArgsError> {
    if !value.is_finite() || !ok(value) {
        return Err(invalid(key, format!("must be {range}, found {value}")));
    }
    Ok(())
}

/// The Apex levels (`O0`–`O3`); the spec's own table spells them with a zero (`01`), which is
/// accepted as the same level.
const FP16_OPT_LEVELS: [&str; 8] = ["O0", "O1", "O2", "O3", "00", "01", "02", "03"];

impl ModelArgs {
    /// Checks for every use of a model: sizes are positive, and arguments that this
    /// implementation cannot honour are refused with the reason.
    pub fn check(&self) -> Result<(), ArgsError> {
        at_least("max_seq_length", self.max_seq_length, 1)?;
        at_least("eval_batch_size", self.eval_batch_size, 1)?;
        at_least("process_count", self.process_count, 1)?;
        if let Some(threads) = self.thread_count {
            at_least("thread_count", threads, 1)?;
        }
        if self.multiprocessing_chunksize == 0 || self.multiprocessing_chunksize < -1 {
            return Err(invalid(
                "multiprocessing_chunksize",
                format!(
                    "must be -1 (automatic) or a positive number of examples, found {}",
                    self.multiprocessing_chunksize
                ),
            ));
        }
        if !FP16_OPT_LEVELS.contains(&self.fp16_opt_level.as_str()) {
            return Err(invalid(
                "fp16_opt_level",
                format!(
                    "must be one of O0, O1, O2, O3, found {:?}",
                    self.fp16_opt_level
                ),
            ));
        }
        if self.dynamic_quantize {
            return Err(unsupported(
                "dynamic_quantize",
                "int8 dynamic quantisation is not implemented; models run in f32",
            ));
        }
        if self.quantized_model {
            return Err(unsupported(
                "quantized_model",
                "a quantised model is a PyTorch pickle of int8 weights, which is never loaded; \
                 save the unquantised model with safetensors and load that",
            ));
        }
        if self.use_hf_datasets {
            return Err(unsupported(
                "use_hf_datasets",
                "the Hugging Face `datasets` pipeline is Python's; pass data in memory or as \
                 files (read as batches need them with lazy_loading)",
            ));
        }
        if self.dataset_cache_dir.is_some() {
            return Err(unsupported(
                "dataset_cache_dir",
                "it only applies to use_hf_datasets, which is not available; features are \
                 cached under cache_dir",
            ));
        }
        if self.trust_remote_code {
            return Err(unsupported(
                "trust_remote_code",
                "no model code is ever downloaded or run; an architecture is Rust code \
                 registered with st_models::register_encoder",
            ));
        }
        Ok(())
    }

    /// Checks before training, on top of [`ModelArgs::check`].
    pub fn check_training(&self) -> Result<(), ArgsError> {
        self.check()?;
        at_least("train_batch_size", self.train_batch_size, 1)?;
        at_least(
            "gradient_accumulation_steps",
            self.gradient_accumulation_steps,
            1,
        )?;
        if self.num_train_epochs == 0 && self.max_steps <= 0 {
            return Err(invalid(
                "num_train_epochs",
                "is 0 and max_steps is not set: nothing would be trained",
            ));
        }
        if self.max_steps == 0 || self.max_steps < -1 {
            return Err(invalid(
                "max_steps",
                format!(
                    "must be -1 (train for num_train_epochs) or a positive number of steps, \
                     found {}",
                    self.max_steps
                ),
            ));
        }
        finite_in(
            "learning_rate",
            self.learning_rate,
            |v| v >= 0.0,
            "a number >= 0",
        )?;
        finite_in(
            "weight_decay",
            self.weight_decay,
            |v| v >= 0.0,
            "a number >= 0",
        )?;
        finite_in(
            "warmup_ratio",
            self.warmup_ratio,
            |v| (0.0..=1.0).contains(&v),
            "between 0 and 1",
        )?;
        finite_in(
            "max_grad_norm",
            self.max_grad_norm,
            |v| v > 0.0,
            "a number > 0",
        )?;
        finite_in(
            "adam_epsilon",
            self.adam_epsilon,
            |v| v > 0.0,
            "a number > 0",
        )?;
        for beta in self.adam_betas {
            finite_in("adam_betas", beta, |v| (0.0..1.0).contains(&v), "in [0, 1)")?;
        }
        if self.use_early_stopping && self.early_stopping_patience == 0 {
            return Err(invalid(
                "early_stopping_patience",
                "is 0 with use_early_stopping, which would stop at the first evaluation; set \
                 it to at least 1",
            ));
        }
        if self.dataloader_num_workers > 0 {
            return Err(unsupported(
                "dataloader_num_workers",
                "batches are built on the training thread; featurisation already runs on \
                 process_count threads (leave it at 0)",
            ));
        }
        if self.n_gpu > 1 {
            return Err(unsupported(
                "n_gpu",
                "multi-device training is not implemented; train on one device (n_gpu 1, or \
                 0 for the CPU)",
            ));
        }
        if self.local_rank != -1 {
            return Err(unsupported(
                "local_rank",
                "distributed training is not implemented; leave it at -1",
            ));
        }
        if self.wandb_project.is_some() || !self.wandb_kwargs.is_empty() {
            let key = if self.wandb_project.is_some() {
                "wandb_project"
            } else {
                "wandb_kwargs"
            };
            return Err(unsupported(
                key,
                "Weights & Biases logging is not built in; training writes TensorBoard event \
                 files to tensorboard_dir, which `wandb sync --sync-tensorboard <dir>` uploads",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "checks_tests.rs"]
mod tests;

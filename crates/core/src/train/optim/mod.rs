//! Optimisers with per-group learning rates and weight decay, the way PyTorch param groups work.
//!
//! Burn's optimisers take one learning rate for the whole module; Simple Transformers needs a
//! learning rate and weight decay per parameter group (chosen by Hugging Face parameter name,
//! see [`super::groups`]) and frozen parameters. [`GroupedOptimizer`] walks the module with a
//! `ModuleMapper`, updates each parameter with its group's settings, and leaves parameters in no
//! group untouched. The update rules are PyTorch's `AdamW` and `transformers`' `Adafactor`,
//! checked against both on fixtures.
//!
//! Gradients can be scaled by one factor before the update: that is how global-norm clipping
//! ([`global_grad_norm`], PyTorch's `clip_grad_norm_`) is applied without rewriting the
//! gradient store.

//!
//! This file holds the configuration ([`OptimizerConfig`], [`OptimizerError`]); the rest lives in
//! - `grouped`: [`GroupedOptimizer`], which walks the module and dispatches each parameter;
//! - `state`: the per-parameter state the update rules keep;
//! - `adamw` and `adafactor`: the two update rules;
//! - `clip`: global-norm clipping;
//! - `checkpoint`: saving and restoring the state with a checkpoint ([`OPTIMIZER_FILE`]).

mod adafactor;
mod adamw;
mod checkpoint;
mod clip;
mod grouped;
mod state;

pub use checkpoint::OPTIMIZER_FILE;
pub use clip::{clip_coefficient, global_grad_norm};
pub use grouped::GroupedOptimizer;

use crate::args::ModelArgs;

/// The optimiser named by `args.optimizer`, with its hyper-parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum OptimizerConfig {
    /// PyTorch `AdamW` (decoupled weight decay).
    AdamW { betas: (f64, f64), eps: f64 },
    /// `transformers.optimization.Adafactor`.
    Adafactor(AdafactorConfig),
}

/// Adafactor's hyper-parameters (Simple Transformers' `adafactor_*` arguments).
#[derive(Debug, Clone, PartialEq)]
pub struct AdafactorConfig {
    pub eps: (f64, f64),
    pub clip_threshold: f64,
    pub decay_rate: f64,
    pub beta1: Option<f64>,
    pub scale_parameter: bool,
    pub relative_step: bool,
    pub warmup_init: bool,
}

/// Invalid optimiser settings.
#[derive(Debug, thiserror::Error)]
pub enum OptimizerError {
    #[error("unknown optimizer {0:?}; expected \"AdamW\" or \"Adafactor\"")]
    Unknown(String),
    #[error(
        "optimizer \"Adafactor\" with adafactor_relative_step = true computes its own learning \
         rate; set adafactor_relative_step = false to use learning_rate (transformers refuses \
         a manual lr with relative_step too)"
    )]
    AdafactorManualLr,
    #[error("adafactor_warmup_init = true requires adafactor_relative_step = true")]
    AdafactorWarmupInit,
}

impl OptimizerConfig {
    /// The optimiser `args.optimizer` names.
    ///
    /// Python passes `lr=args.learning_rate` to Adafactor, which `transformers` rejects when
    /// `relative_step` is on; here, as there, that combination is an error unless the learning
    /// rate is left to Adafactor (`learning_rate = 0`).
    pub fn from_args(args: &ModelArgs) -> Result<Self, OptimizerError> {
        match args.optimizer.as_str() {
            "AdamW" => Ok(Self::AdamW {
                betas: (args.adam_betas[0], args.adam_betas[1]),
                eps: args.adam_epsilon,
            }),
            "Adafactor" => {
                if args.adafactor_relative_step && args.learning_rate != 0.0 {
                    return Err(OptimizerError::AdafactorManualLr);
                }
                if args.adafactor_warmup_init && !args.adafactor_relative_step {
                    return Err(OptimizerError::AdafactorWarmupInit);
                }
                Ok(Self::Adafactor(AdafactorConfig {
                    eps: (args.adafactor_eps[0], args.adafactor_eps[1]),
                    clip_threshold: args.adafactor_clip_threshold,
                    decay_rate: args.adafactor_decay_rate,
                    beta1: args.adafactor_beta1,
                    scale_parameter: args.adafactor_scale_parameter,
                    relative_step: args.adafactor_relative_step,
                    warmup_init: args.adafactor_warmup_init,
                }))
            }
            other => Err(OptimizerError::Unknown(other.to_string())),
        }
    }

    /// Weight decay a group gets when it does not set one: PyTorch AdamW's default (0.01),
    /// since Simple Transformers does not pass one; `args.weight_decay` for Adafactor.
    pub fn default_weight_decay(&self, args: &ModelArgs) -> f64 {
        match self {
            Self::AdamW { .. } => 0.01,
            Self::Adafactor(_) => args.weight_decay,
        }
    }
}

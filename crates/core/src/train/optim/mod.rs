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

use std::collections::HashMap;

use burn::module::{AutodiffModule, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{ElementConversion, Tensor, TensorData};

use super::groups::ParamGroup;
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

/// Per-parameter optimiser state, kept flat (AdamW is element-wise) or as
/// `[leading, rows, cols]` (Adafactor's factored second moment).
#[derive(Clone)]
enum State<B: Backend> {
    Adam {
        step: u64,
        exp_avg: Tensor<B, 1>,
        exp_avg_sq: Tensor<B, 1>,
    },
    Adafactor {
        step: u64,
        exp_avg: Option<Tensor<B, 1>>,
        second: Second<B>,
    },
}

#[derive(Clone)]
enum Second<B: Backend> {
    Factored {
        row: Tensor<B, 2>,
        col: Tensor<B, 2>,
    },
    Full(Tensor<B, 1>),
}

/// An optimiser over parameter groups. `B` is the inner (non-autodiff) backend.
pub struct GroupedOptimizer<B: Backend> {
    config: OptimizerConfig,
    groups: Vec<ParamGroup>,
    group_of: HashMap<ParamId, usize>,
    state: HashMap<ParamId, State<B>>,
}

impl<B: Backend> std::fmt::Debug for GroupedOptimizer<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupedOptimizer")
            .field("config", &self.config)
            .field("groups", &self.groups.len())
            .field("states", &self.state.len())
            .finish()
    }
}

impl<B: Backend> GroupedOptimizer<B> {
    /// An optimiser over `groups`; parameters in none of them are frozen.
    pub fn new(config: OptimizerConfig, groups: Vec<ParamGroup>) -> Self {
        let group_of = groups
            .iter()
            .enumerate()
            .flat_map(|(g, group)| group.ids.iter().map(move |id| (*id, g)))
            .collect();
        Self {
            config,
            groups,
            group_of,
            state: HashMap::new(),
        }
    }

    /// The parameter groups.
    pub fn groups(&self) -> &[ParamGroup] {
        &self.groups
    }

    /// Whether the parameter is trained (belongs to a group).
    pub fn is_trained(&self, id: &ParamId) -> bool {
        self.group_of.contains_key(id)
    }

    /// Update `module` from `grads`. `lrs[g]` is group `g`'s learning rate for this step (the
    /// schedule applied to its base rate); every gradient is multiplied by `grad_scale` first
    /// (clipping).
    pub fn step<AB, M>(
        &mut self,
        module: M,
        grads: GradientsParams,
        lrs: &[f64],
        grad_scale: f64,
    ) -> M
    where
        AB: AutodiffBackend<InnerBackend = B>,
        M: AutodiffModule<AB>,
    {
        let mut mapper = StepMapper {
            optimizer: self,
            grads,
            lrs,
            grad_scale,
        };
        module.map(&mut mapper)
    }

    /// The updated parameter, from its gradient times `grad_scale` (clipping).
    fn update<const D: usize>(
        &mut self,
        id: ParamId,
        param: Tensor<B, D>,
        grad: Tensor<B, D>,
        grad_scale: f64,
        lr: f64,
    ) -> Tensor<B, D> {
        let group = &self.groups[self.group_of[&id]];
        let weight_decay = group.weight_decay;
        let shape = param.shape();
        let dims = param.dims();
        let numel = shape.num_elements();
        let flat_param = param.reshape([numel]);
        let flat_grad = grad.reshape([numel]);
        let previous = self.state.remove(&id);
        let scaled = |grad: Tensor<B, 1>| {
            if grad_scale != 1.0 {
                grad.mul_scalar(grad_scale)
            } else {
                grad
            }
        };
        let (updated, state) = match &self.config {
            OptimizerConfig::AdamW { betas, eps } if crate::backend::is_host_backend::<B>() => {
                adamw_fused(
                    flat_param,
                    flat_grad,
                    grad_scale,
                    previous,
                    lr,
                    weight_decay,
                    *betas,
                    *eps,
                )
            }
            OptimizerConfig::AdamW { betas, eps } => adamw(
                flat_param,
                scaled(flat_grad),
                previous,
                lr,
                weight_decay,
                *betas,
                *eps,
            ),
            OptimizerConfig::Adafactor(config) => adafactor(
                flat_param,
                scaled(flat_grad),
                previous,
                lr,
                weight_decay,
                config,
                factor_dims(&dims),
            ),
        };
        self.state.insert(id, state);
        updated.reshape(dims)
    }
}

/// `[leading, rows, cols]` for a parameter of rank ≥ 2 (Adafactor factors its second moment
/// over the last two dimensions); `None` for vectors and scalars.
fn factor_dims(dims: &[usize]) -> Option<(usize, usize, usize)> {
    match dims {
        [.., rows, cols] => Some((dims[..dims.len() - 2].iter().product(), *rows, *cols)),
        _ => None,
    }
}

/// PyTorch `AdamW` for one flat parameter.
fn adamw<B: Backend>(
    param: Tensor<B, 1>,
    grad: Tensor<B, 1>,
    previous: Option<State<B>>,
    lr: f64,
    weight_decay: f64,
    (beta1, beta2): (f64, f64),
    eps: f64,
) -> (Tensor<B, 1>, State<B>) {
    let (step, exp_avg, exp_avg_sq) = match previous {
        Some(State::Adam {
            step,
            exp_avg,
            exp_avg_sq,
        }) => (step + 1, exp_avg, exp_avg_sq),
        _ => (1, grad.zeros_like(), grad.zeros_like()),
    };
    let param = if weight_decay != 0.0 {
        param.mul_scalar(1.0 - lr * weight_decay)
    } else {
        param
    };
    let exp_avg = exp_avg.mul_scalar(beta1) + grad.clone().mul_scalar(1.0 - beta1);
    let exp_avg_sq = exp_avg_sq.mul_scalar(beta2) + grad.powi_scalar(2).mul_scalar(1.0 - beta2);
    let bias_correction1 = 1.0 - beta1.powi(step as i32);
    let bias_correction2 = 1.0 - beta2.powi(step as i32);
    let denom = exp_avg_sq
        .clone()
        .sqrt()
        .div_scalar(bias_correction2.sqrt())
        .add_scalar(eps);
    let param = param - exp_avg.clone().div(denom).mul_scalar(lr / bias_correction1);
    (
        param,
        State::Adam {
            step,
            exp_avg,
            exp_avg_sq,
        },
    )
}

/// [`adamw`] as one pass over host memory, for the CPU backends ([`is_host_backend`]): the
/// same f32 arithmetic in the same order, but each element is read and written once instead of
/// once per tensor operation (AdamW is ~14 of them; on a 22.7 M-parameter model they cost
/// more than a third of a training step), in parallel chunks. `grad_scale` (clipping) is
/// applied on the way.
///
/// [`is_host_backend`]: crate::backend::is_host_backend
#[allow(clippy::too_many_arguments)]
fn adamw_fused<B: Backend>(
    param: Tensor<B, 1>,
    grad: Tensor<B, 1>,
    grad_scale: f64,
    previous: Option<State<B>>,
    lr: f64,
    weight_decay: f64,
    (beta1, beta2): (f64, f64),
    eps: f64,
) -> (Tensor<B, 1>, State<B>) {
    use rayon::prelude::*;
    let device = param.device();
    let n = param.shape().num_elements();
    // The backend's floats are f32 (that is what makes it a host backend).
    let host = |t: Tensor<B, 1>| -> Vec<f32> {
        t.into_data()
            .into_vec::<f32>()
            .expect("host backends hold f32 tensors")
    };
    let (step, mut exp_avg, mut exp_avg_sq) = match previous {
        Some(State::Adam {
            step,
            exp_avg,
            exp_avg_sq,
        }) => (step + 1, host(exp_avg), host(exp_avg_sq)),
        _ => (1, vec![0.0; n], vec![0.0; n]),
    };
    let mut param = host(param);
    let grad = host(grad);
    let bias_correction1 = 1.0 - beta1.powi(step as i32);
    let bias_correction2 = 1.0 - beta2.powi(step as i32);
    // Scalars as the tensor path casts them: f64 arithmetic, then f32.
    let scale = grad_scale as f32;
    let decay = (1.0 - lr * weight_decay) as f32;
    let (b1, one_minus_b1) = (beta1 as f32, (1.0 - beta1) as f32);
    let (b2, one_minus_b2) = (beta2 as f32, (1.0 - beta2) as f32);
    let sqrt_bc2 = bias_correction2.sqrt() as f32;
    let eps = eps as f32;
    let step_size = (lr / bias_correction1) as f32;
    const CHUNK: usize = 1 << 15;
    param
        .par_chunks_mut(CHUNK)
        .zip(exp_avg.par_chunks_mut(CHUNK))
        .zip(exp_avg_sq.par_chunks_mut(CHUNK))
        .zip(grad.par_chunks(CHUNK))
        .for_each(|(((p, m), v), g)| {
            // Branch-free so that it vectorises; multiplying by an exact 1.0 (no clipping, no
            // decay) changes nothing.
            let items = p.iter_mut().zip(m.iter_mut()).zip(v.iter_mut()).zip(g);
            for (((p, m), v), &g) in items {
                let g = g * scale;
                *m = *m * b1 + g * one_minus_b1;
                *v = *v * b2 + (g * g) * one_minus_b2;
                let denom = v.sqrt() / sqrt_bc2 + eps;
                *p = *p * decay - (*m / denom) * step_size;
            }
        });
    let tensor =
        |values: Vec<f32>| Tensor::<B, 1>::from_data(TensorData::new(values, [n]), &device);
    (
        tensor(param),
        State::Adam {
            step,
            exp_avg: tensor(exp_avg),
            exp_avg_sq: tensor(exp_avg_sq),
        },
    )
}

/// Root mean square of a tensor, as a one-element tensor (no device synchronisation).
fn rms<B: Backend, const D: usize>(t: Tensor<B, D>) -> Tensor<B, 1> {
    let n = t.shape().num_elements() as f64;
    t.powi_scalar(2).sum().div_scalar(n).sqrt()
}

/// `transformers.optimization.Adafactor` for one parameter, flat; factored over
/// `[lead, rows, cols]` when the parameter has rank ≥ 2.
fn adafactor<B: Backend>(
    param: Tensor<B, 1>,
    grad: Tensor<B, 1>,
    previous: Option<State<B>>,
    lr: f64,
    weight_decay: f64,
    config: &AdafactorConfig,
    factors: Option<(usize, usize, usize)>,
) -> (Tensor<B, 1>, State<B>) {
    let device = param.device();
    let (step, exp_avg, second) = match previous {
        Some(State::Adafactor {
            step,
            exp_avg,
            second,
        }) => (step + 1, exp_avg, second),
        _ => {
            let second = match factors {
                Some((lead, rows, cols)) => Second::Factored {
                    row: Tensor::zeros([lead, rows], &device),
                    col: Tensor::zeros([lead, cols], &device),
                },
                None => Second::Full(grad.zeros_like()),
            };
            let exp_avg = config.beta1.map(|_| grad.zeros_like());
            (1, exp_avg, second)
        }
    };

    // Step size: relative (1/√step, capped) or the scheduled lr, times max(eps₂, RMS(param)).
    let mut step_size = Tensor::<B, 1>::from_floats([1.0], &device);
    let base = if config.relative_step {
        let min_step = if config.warmup_init {
            1e-6 * step as f64
        } else {
            1e-2
        };
        min_step.min(1.0 / (step as f64).sqrt())
    } else {
        lr
    };
    step_size = step_size.mul_scalar(base);
    if config.scale_parameter {
        step_size = step_size * rms(param.clone()).clamp_min(config.eps.1);
    }

    let beta2t = 1.0 - (step as f64).powf(config.decay_rate);
    let squared = grad.clone().powi_scalar(2).add_scalar(config.eps.0);
    let (update, second) = match second {
        Second::Factored { row, col } => {
            let [lead, rows] = row.dims();
            let cols = col.dims()[1];
            let squared = squared.reshape([lead, rows, cols]);
            let row = row.mul_scalar(beta2t)
                + squared
                    .clone()
                    .mean_dim(2)
                    .reshape([lead, rows])
                    .mul_scalar(1.0 - beta2t);
            let col = col.mul_scalar(beta2t)
                + squared
                    .mean_dim(1)
                    .reshape([lead, cols])
                    .mul_scalar(1.0 - beta2t);
            let r_factor = (row.clone() / row.clone().mean_dim(1))
                .sqrt()
                .recip()
                .reshape([lead, rows, 1]);
            let c_factor = col.clone().sqrt().recip().reshape([lead, 1, cols]);
            let update = (r_factor * c_factor).reshape([lead * rows * cols]) * grad;
            (update, Second::Factored { row, col })
        }
        Second::Full(exp_avg_sq) => {
            let exp_avg_sq = exp_avg_sq.mul_scalar(beta2t) + squared.mul_scalar(1.0 - beta2t);
            let update = exp_avg_sq.clone().sqrt().recip() * grad;
            (update, Second::Full(exp_avg_sq))
        }
    };
    let clip = rms(update.clone())
        .div_scalar(config.clip_threshold)
        .clamp_min(1.0);
    let update = update / clip * step_size.clone();
    let (update, exp_avg) = match (exp_avg, config.beta1) {
        (Some(avg), Some(beta1)) => {
            let avg = avg.mul_scalar(beta1) + update.mul_scalar(1.0 - beta1);
            (avg.clone(), Some(avg))
        }
        _ => (update, None),
    };
    let param = if weight_decay != 0.0 {
        param.clone() - param * step_size.mul_scalar(weight_decay)
    } else {
        param
    };
    (
        param - update,
        State::Adafactor {
            step,
            exp_avg,
            second,
        },
    )
}

struct StepMapper<'a, B: Backend> {
    optimizer: &'a mut GroupedOptimizer<B>,
    grads: GradientsParams,
    lrs: &'a [f64],
    grad_scale: f64,
}

impl<AB: AutodiffBackend> ModuleMapper<AB> for StepMapper<'_, AB::InnerBackend> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<AB, D>>) -> Param<Tensor<AB, D>> {
        let Some(&group) = self.optimizer.group_of.get(&param.id) else {
            return param; // frozen
        };
        let Some(grad) = self.grads.remove::<AB::InnerBackend, D>(param.id) else {
            return param;
        };
        let (id, tensor, mapper) = param.consume();
        let lr = self.lrs.get(group).copied().unwrap_or(0.0);
        let require_grad = tensor.is_require_grad();
        let updated = self
            .optimizer
            .update(id, tensor.inner(), grad, self.grad_scale, lr);
        let mut tensor = Tensor::from_inner(updated);
        if require_grad {
            tensor = tensor.require_grad();
        }
        Param::from_mapped_value(id, tensor, mapper)
    }
}

/// The global L2 norm of all gradients of `module`'s parameters in `grads` (optionally only
/// those `include` accepts), as PyTorch's `clip_grad_norm_` computes it.
pub fn global_grad_norm<AB, M>(
    module: &M,
    grads: &GradientsParams,
    include: &dyn Fn(&ParamId) -> bool,
) -> f64
where
    AB: AutodiffBackend,
    M: AutodiffModule<AB>,
{
    let mut visitor = NormVisitor::<AB> {
        grads,
        include,
        sum: None,
    };
    module.visit(&mut visitor);
    visitor
        .sum
        .map(|s| s.sqrt().into_scalar().elem::<f64>())
        .unwrap_or(0.0)
}

/// The factor PyTorch's `clip_grad_norm_` multiplies gradients by: `max_norm / (norm + 1e-6)`,
/// capped at 1.
pub fn clip_coefficient(total_norm: f64, max_norm: f64) -> f64 {
    (max_norm / (total_norm + 1e-6)).min(1.0)
}

struct NormVisitor<'a, AB: AutodiffBackend> {
    grads: &'a GradientsParams,
    include: &'a dyn Fn(&ParamId) -> bool,
    sum: Option<Tensor<AB::InnerBackend, 1>>,
}

impl<AB: AutodiffBackend> ModuleVisitor<AB> for NormVisitor<'_, AB> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<AB, D>>) {
        if !(self.include)(&param.id) {
            return;
        }
        if let Some(grad) = self.grads.get::<AB::InnerBackend, D>(param.id) {
            let squares = grad.powi_scalar(2).sum();
            self.sum = Some(match self.sum.take() {
                Some(sum) => sum + squares,
                None => squares,
            });
        }
    }
}

/// File holding the optimiser state in a checkpoint.
pub const OPTIMIZER_FILE: &str = "optimizer.safetensors";

impl<B: Backend> GroupedOptimizer<B> {
    /// Write the per-parameter state as safetensors, each tensor named
    /// `{hf_name}/{exp_avg|exp_avg_sq|exp_avg_sq_row|exp_avg_sq_col}` and the step counts in
    /// the metadata, so that a resumed run (whose parameters have new ids) finds them by name.
    pub fn save_state(
        &self,
        names: &HashMap<ParamId, String>,
        path: &std::path::Path,
    ) -> Result<(), super::TrainError> {
        let mut tensors: Vec<(String, crate::weights::HostTensor)> = Vec::new();
        let mut steps = serde_json::Map::new();
        for (id, state) in &self.state {
            let Some(name) = names.get(id) else { continue };
            let (step, parts) = state.parts();
            steps.insert(name.clone(), step.into());
            for (part, tensor) in parts {
                tensors.push((format!("{name}/{part}"), host(tensor)));
            }
        }
        let metadata = HashMap::from([
            ("format".to_string(), "st-optimizer".to_string()),
            (
                "steps".to_string(),
                serde_json::Value::Object(steps).to_string(),
            ),
        ]);
        safetensors::serialize_to_file(tensors, Some(metadata), path).map_err(|e| {
            super::TrainError::Task(format!(
                "{}: cannot write optimizer state: {e}",
                path.display()
            ))
        })
    }

    /// Restore the state written by [`GroupedOptimizer::save_state`]; `ids` maps Hugging Face
    /// names to this model's parameter ids.
    pub fn load_state(
        &mut self,
        ids: &HashMap<String, ParamId>,
        path: &std::path::Path,
        device: &B::Device,
    ) -> Result<(), super::TrainError> {
        let bad = |message: String| {
            super::TrainError::Task(format!(
                "{}: invalid optimizer state: {message}",
                path.display()
            ))
        };
        let bytes = std::fs::read(path).map_err(|e| super::TrainError::io(path, e))?;
        let (_, metadata) =
            safetensors::SafeTensors::read_metadata(&bytes).map_err(|e| bad(e.to_string()))?;
        let file = safetensors::SafeTensors::deserialize(&bytes).map_err(|e| bad(e.to_string()))?;
        let steps: serde_json::Map<String, serde_json::Value> = metadata
            .metadata()
            .as_ref()
            .and_then(|m| m.get("steps"))
            .and_then(|s| serde_json::from_str(s).ok())
            .ok_or_else(|| bad("no step counts".into()))?;
        let tensor = |name: &str| -> Result<Option<crate::weights::HostTensor>, super::TrainError> {
            match file.tensor(name) {
                Ok(view) => Ok(Some(crate::weights::HostTensor {
                    shape: view.shape().to_vec(),
                    values: view
                        .data()
                        .chunks_exact(4)
                        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                        .collect(),
                })),
                Err(_) => Ok(None),
            }
        };
        for (name, step) in steps {
            let Some(id) = ids.get(&name) else {
                return Err(bad(format!("parameter {name} is not in the model")));
            };
            let step = step
                .as_u64()
                .ok_or_else(|| bad(format!("step of {name}")))?;
            let get = |part: &str| tensor(&format!("{name}/{part}"));
            let state = match &self.config {
                OptimizerConfig::AdamW { .. } => State::Adam {
                    step,
                    exp_avg: device_tensor(get("exp_avg")?, device)
                        .ok_or_else(|| bad(format!("{name}/exp_avg missing")))?,
                    exp_avg_sq: device_tensor(get("exp_avg_sq")?, device)
                        .ok_or_else(|| bad(format!("{name}/exp_avg_sq missing")))?,
                },
                OptimizerConfig::Adafactor(_) => {
                    let second = match (get("exp_avg_sq_row")?, get("exp_avg_sq_col")?) {
                        (Some(row), Some(col)) => Second::Factored {
                            row: device_tensor2(row, device),
                            col: device_tensor2(col, device),
                        },
                        _ => Second::Full(
                            device_tensor(get("exp_avg_sq")?, device)
                                .ok_or_else(|| bad(format!("{name}/exp_avg_sq missing")))?,
                        ),
                    };
                    State::Adafactor {
                        step,
                        exp_avg: device_tensor(get("exp_avg")?, device),
                        second,
                    }
                }
            };
            self.state.insert(*id, state);
        }
        Ok(())
    }
}

impl<B: Backend> State<B> {
    /// The step count and the named state tensors (flattened or 2-D).
    fn parts(&self) -> (u64, Vec<(&'static str, StateTensor<B>)>) {
        match self {
            State::Adam {
                step,
                exp_avg,
                exp_avg_sq,
            } => (
                *step,
                vec![
                    ("exp_avg", StateTensor::Flat(exp_avg.clone())),
                    ("exp_avg_sq", StateTensor::Flat(exp_avg_sq.clone())),
                ],
            ),
            State::Adafactor {
                step,
                exp_avg,
                second,
            } => {
                let mut parts = Vec::new();
                if let Some(avg) = exp_avg {
                    parts.push(("exp_avg", StateTensor::Flat(avg.clone())));
                }
                match second {
                    Second::Factored { row, col } => {
                        parts.push(("exp_avg_sq_row", StateTensor::Matrix(row.clone())));
                        parts.push(("exp_avg_sq_col", StateTensor::Matrix(col.clone())));
                    }
                    Second::Full(full) => {
                        parts.push(("exp_avg_sq", StateTensor::Flat(full.clone())))
                    }
                }
                (*step, parts)
            }
        }
    }
}

enum StateTensor<B: Backend> {
    Flat(Tensor<B, 1>),
    Matrix(Tensor<B, 2>),
}

fn host<B: Backend>(tensor: StateTensor<B>) -> crate::weights::HostTensor {
    let data = match tensor {
        StateTensor::Flat(t) => t.into_data(),
        StateTensor::Matrix(t) => t.into_data(),
    };
    let shape = data.shape.to_vec();
    let values = data.convert::<f32>().to_vec().unwrap_or_default();
    crate::weights::HostTensor { shape, values }
}

fn device_tensor<B: Backend>(
    tensor: Option<crate::weights::HostTensor>,
    device: &B::Device,
) -> Option<Tensor<B, 1>> {
    tensor.map(|t| {
        Tensor::from_data(
            burn::tensor::TensorData::new(t.values, [t.shape.iter().product::<usize>()]),
            device,
        )
    })
}

fn device_tensor2<B: Backend>(
    tensor: crate::weights::HostTensor,
    device: &B::Device,
) -> Tensor<B, 2> {
    let shape = [tensor.shape[0], tensor.shape.get(1).copied().unwrap_or(1)];
    Tensor::from_data(burn::tensor::TensorData::new(tensor.values, shape), device)
}

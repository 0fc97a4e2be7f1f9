//! [`GroupedOptimizer`]: the parameter groups, the state of every trained parameter, and the
//! `ModuleMapper` that walks a module and updates each parameter with its group's settings.

use std::collections::HashMap;

use burn::module::{AutodiffModule, ModuleMapper, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;
use burn::tensor::backend::{AutodiffBackend, Backend};

use super::OptimizerConfig;
use super::adafactor::{adafactor, factor_dims};
use super::adamw::{adamw, adamw_fused};
use super::state::State;
use crate::train::groups::ParamGroup;

/// An optimiser over parameter groups. `B` is the inner (non-autodiff) backend.
pub struct GroupedOptimizer<B: Backend> {
    pub(super) config: OptimizerConfig,
    groups: Vec<ParamGroup>,
    group_of: HashMap<ParamId, usize>,
    pub(super) state: HashMap<ParamId, State<B>>,
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

//! Global-norm gradient clipping as PyTorch's `clip_grad_norm_` does it: the norm over all
//! gradients, and the factor the optimiser then scales every gradient by.

use burn::module::{AutodiffModule, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{ElementConversion, Tensor};

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

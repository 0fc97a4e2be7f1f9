//! `BatchNorm2d` as PyTorch runs it. Burn's own `BatchNorm` keeps the running variance biased
//! and has no way to normalise with running statistics while gradients flow; this one follows
//! `torch.nn.BatchNorm2d` exactly: batch statistics in training (the biased variance
//! normalises, the unbiased one enters the running variance), running statistics otherwise.

use burn::module::{Module, Param, RunningState};
use burn::tensor::{Tensor, backend::Backend};

/// Which statistics a [`BatchNorm`] normalises with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Statistics {
    /// PyTorch's `train()` / `eval()`, read from the backend: batch statistics (and running
    /// updates) under autodiff, running statistics on the inner backend.
    #[default]
    FollowBackend,
    /// Always the running statistics, gradients or not (`eval()` during a backward pass, or a
    /// frozen image encoder).
    Running,
}

/// `torch.nn.BatchNorm2d(num_features)` with `eps` 1e-5 and `momentum` 0.1. Its parameters
/// save as `weight`/`bias`/`running_mean`/`running_var`; `num_batches_tracked` is not kept
/// (it only matters with `momentum=None`).
#[derive(Module, Debug)]
pub struct BatchNorm<B: Backend> {
    pub gamma: Param<Tensor<B, 1>>,
    pub beta: Param<Tensor<B, 1>>,
    pub running_mean: RunningState<Tensor<B, 1>>,
    pub running_var: RunningState<Tensor<B, 1>>,
    #[module(skip)]
    pub statistics: Statistics,
}

const EPSILON: f64 = 1e-5;
const MOMENTUM: f64 = 0.1;

impl<B: Backend> BatchNorm<B> {
    /// Weight 1, bias 0, running mean 0 and variance 1, as PyTorch initialises it.
    pub fn new(features: usize, device: &B::Device) -> Self {
        Self {
            gamma: Param::from_tensor(Tensor::ones([features], device)),
            beta: Param::from_tensor(Tensor::zeros([features], device)),
            running_mean: RunningState::new(Tensor::zeros([features], device)),
            running_var: RunningState::new(Tensor::ones([features], device)),
            statistics: Statistics::default(),
        }
    }

    /// Normalise `[batch, channels, height, width]`.
    pub fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        let device = x.device();
        let batch_statistics =
            self.statistics == Statistics::FollowBackend && B::ad_enabled(&device);
        let channels = x.dims()[1];
        let (mean, var) = if batch_statistics {
            self.batch_statistics(&x)
        } else {
            let shape = [1, channels, 1, 1];
            (
                self.running_mean.value().to_device(&device).reshape(shape),
                self.running_var.value().to_device(&device).reshape(shape),
            )
        };
        let scale = self.gamma.val().reshape([1, channels, 1, 1]) / (var + EPSILON).sqrt();
        (x - mean) * scale + self.beta.val().reshape([1, channels, 1, 1])
    }

    /// The batch's mean and biased variance per channel (`[1, C, 1, 1]`), after moving the
    /// running statistics towards them.
    fn batch_statistics(&self, x: &Tensor<B, 4>) -> (Tensor<B, 4>, Tensor<B, 4>) {
        let [batch, channels, height, width] = x.dims();
        let count = (batch * height * width) as f64;
        let per_channel = |t: Tensor<B, 4>| t.mean_dim(0).mean_dim(2).mean_dim(3);
        let mean = per_channel(x.clone());
        let var = per_channel((x.clone() - mean.clone()).powi_scalar(2));
        let unbiased = var.clone().detach() * (count / (count - 1.0).max(1.0));
        let update = |state: &RunningState<Tensor<B, 1>>, batch_value: Tensor<B, 4>| {
            let old = state.value_sync().to_device(&x.device());
            let new = old * (1.0 - MOMENTUM) + batch_value.reshape([channels]) * MOMENTUM;
            state.update(new.detach());
            // Commit it now, so that what is saved or evaluated next sees this step.
            let _ = state.value_sync();
        };
        update(&self.running_mean, mean.clone().detach());
        update(&self.running_var, unbiased);
        (mean, var)
    }
}

//! `transformers.optimization.Adafactor` for one parameter: relative or scheduled step size,
//! second moment factored over the last two dimensions for matrices, update clipping and the
//! optional first moment.

use burn::tensor::Tensor;
use burn::tensor::backend::Backend;

use super::AdafactorConfig;
use super::state::{Second, State};

/// `[leading, rows, cols]` for a parameter of rank ≥ 2 (Adafactor factors its second moment
/// over the last two dimensions); `None` for vectors and scalars.
pub(super) fn factor_dims(dims: &[usize]) -> Option<(usize, usize, usize)> {
    match dims {
        [.., rows, cols] => Some((dims[..dims.len() - 2].iter().product(), *rows, *cols)),
        _ => None,
    }
}

/// Root mean square of a tensor, as a one-element tensor (no device synchronisation).
fn rms<B: Backend, const D: usize>(t: Tensor<B, D>) -> Tensor<B, 1> {
    let n = t.shape().num_elements() as f64;
    t.powi_scalar(2).sum().div_scalar(n).sqrt()
}

/// `transformers.optimization.Adafactor` for one parameter, flat; factored over
/// `[lead, rows, cols]` when the parameter has rank ≥ 2.
pub(super) fn adafactor<B: Backend>(
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

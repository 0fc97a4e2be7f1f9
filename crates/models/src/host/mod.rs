//! Tensor glue for `st-kernels` on the host backends (the caller checks
//! [`st_core::backend::is_host_backend`]): tensor data out, one kernel pass, tensors back in.
//!
//! On the default training backend, `Autodiff<Flex>`, each function is one custom autodiff
//! operation (`flex`). On the other host backends under autodiff, a kernel that also returns the derivative joins the graph through
//! `(x − detach(x))·g + c`: its value is `c` exactly (the bracket is exactly zero) and its
//! gradient with respect to `x` is `g`. That is three cheap tensor operations in place of the
//! chain (and backward passes) of the composed formula.

#[cfg(feature = "flex")]
mod flex;

use burn::tensor::activation::softmax;
use burn::tensor::{Int, Tensor, TensorData, backend::Backend};
use st_kernels::{Gelu, softmax_cross_entropy};

fn host_values<B: Backend, const D: usize>(x: Tensor<B, D>) -> Vec<f32> {
    match x.into_data().into_vec() {
        Ok(v) => v,
        Err(e) => panic!("a host kernel expects f32 tensor data: {e:?}"),
    }
}

fn constant_like<B: Backend, const D: usize>(
    values: Vec<f32>,
    like: &Tensor<B, D>,
) -> Tensor<B, D> {
    Tensor::from_data(TensorData::new(values, like.shape()), &like.device())
}

/// GELU over a host tensor; under autodiff, with the derivative from the same pass.
pub fn gelu<B: Backend, const D: usize>(kind: Gelu, x: Tensor<B, D>) -> Tensor<B, D> {
    #[cfg(feature = "flex")]
    let x = match flex::as_train(x) {
        Ok(x) => return flex::from_train(flex::gelu(kind, x)),
        Err(x) => x,
    };
    if B::ad_enabled(&x.device()) {
        let (values, slopes) = kind.with_slope(&host_values(x.clone()));
        let (values, slopes) = (constant_like(values, &x), constant_like(slopes, &x));
        return (x.clone() - x.detach()) * slopes + values;
    }
    let mut values = host_values(x.clone());
    kind.apply(&mut values);
    constant_like(values, &x)
}

/// Mean softmax cross-entropy of the rows of `logits` (`[rows, classes]` flattened to any
/// rank, classes last) against `targets` (one per row, `None` where the row does not count),
/// as a one-element tensor; under autodiff, with its gradient from the same pass.
pub fn cross_entropy<B: Backend, const D: usize>(
    logits: Tensor<B, D>,
    targets: &[Option<usize>],
) -> Tensor<B, 1> {
    #[cfg(feature = "flex")]
    let logits = match flex::as_train(logits) {
        Ok(x) => return flex::from_train(flex::cross_entropy(x, targets)),
        Err(x) => x,
    };
    let classes = logits.dims()[D - 1];
    let tracked = B::ad_enabled(&logits.device());
    let result = softmax_cross_entropy(&host_values(logits.clone()), classes, targets, tracked);
    let loss = Tensor::<B, 1>::from_floats([result.loss], &logits.device());
    match result.gradient {
        Some(gradient) => {
            let gradient = constant_like(gradient, &logits);
            ((logits.clone() - logits.detach()) * gradient).sum() + loss
        }
        None => loss,
    }
}

/// Softmax over the last dimension: on the Flex training backend one operation with a
/// closed-form backward, elsewhere Burn's.
pub fn softmax_last<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
    #[cfg(feature = "flex")]
    let x = match flex::as_train(x) {
        Ok(x) => return flex::from_train(flex::softmax_last(x)),
        Err(x) => x,
    };
    softmax(x, D - 1)
}

/// Integer tensor data as `i64`s on the host.
pub fn host_ints<B: Backend, const D: usize>(x: Tensor<B, D, Int>) -> Vec<i64> {
    match x.into_data().convert::<i64>().into_vec() {
        Ok(v) => v,
        Err(e) => panic!("integer tensor data: {e:?}"),
    }
}

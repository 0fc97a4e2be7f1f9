//! Custom autodiff operations for the default training backend, `Autodiff<Flex<f32>>`.
//!
//! Burn records a composed function (softmax, a GELU, a cross-entropy) as a chain of
//! primitive operations, each with its own full-size backward step. Here each is one
//! operation whose forward and backward are `st-kernels` passes over the tensors' own
//! buffers (read in place, no copies), registered with Burn's autodiff graph through its
//! public `Backward` trait. The model code stays generic over `B: Backend`: a tensor is
//! handed here only when `B` is that backend ([`as_train`] checks the type).

use std::any::Any;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::backend::{Autodiff, Flex};
use burn::tensor::backend::Backend;
use burn::tensor::{Shape, Tensor, TensorData, TensorPrimitive};
use burn_flex::FlexTensor;
use st_kernels::Gelu;

type Host = Flex<f32>;
/// The backend these operations are for.
pub type Train = Autodiff<Host>;

/// `value` as a `U` when `T` and `U` are the same type.
fn cast<T: 'static, U: 'static>(value: T) -> Result<U, T> {
    let mut slot = Some(value);
    match (&mut slot as &mut dyn Any).downcast_mut::<Option<U>>() {
        Some(same) => Ok(same.take().expect("the slot was just filled")),
        None => Err(slot.expect("the slot is untouched")),
    }
}

/// `x` as a tensor of the training backend, or `x` back when `B` is another backend.
pub fn as_train<B: Backend, const D: usize>(
    x: Tensor<B, D>,
) -> Result<Tensor<Train, D>, Tensor<B, D>> {
    cast(x)
}

/// The inverse of [`as_train`], for results of tensors it accepted.
pub fn from_train<B: Backend, const D: usize>(x: Tensor<Train, D>) -> Tensor<B, D> {
    match cast(x) {
        Ok(x) => x,
        Err(_) => unreachable!("from_train is only called with B = Train"),
    }
}

/// A host tensor's f32 values in place, made contiguous first if it is a strided view.
fn contiguous(t: FlexTensor) -> FlexTensor {
    if t.as_slice::<f32>().is_some() {
        t
    } else {
        t.to_contiguous()
    }
}

fn values(t: &FlexTensor) -> &[f32] {
    match t.as_slice::<f32>() {
        Some(v) => v,
        None => panic!(
            "host kernels run on contiguous f32 tensors, found {:?}",
            t.dtype()
        ),
    }
}

fn host_tensor(values: Vec<f32>, shape: Shape) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape))
}

/// `t`'s values to overwrite: its own buffer when nothing else holds it, else a copy.
fn into_owned_values(t: FlexTensor) -> (Vec<f32>, Shape) {
    let shape = t.layout().shape().clone();
    match t.into_data().into_vec::<f32>() {
        Ok(v) => (v, shape),
        Err(e) => panic!("host kernels run on f32 tensors: {e:?}"),
    }
}

fn split<const D: usize>(
    x: Tensor<Train, D>,
) -> <Train as burn::tensor::backend::BackendTypes>::FloatTensorPrimitive {
    match x.into_primitive() {
        TensorPrimitive::Float(t) => t,
        TensorPrimitive::QFloat(_) => panic!("host kernels do not take quantised tensors"),
    }
}

fn join<const D: usize>(
    t: <Train as burn::tensor::backend::BackendTypes>::FloatTensorPrimitive,
) -> Tensor<Train, D> {
    Tensor::from_primitive(TensorPrimitive::Float(t))
}

/// Records `op` on `x`'s graph node: under tracking `tracked` returns the state its backward
/// needs with the output, otherwise `untracked` returns the output alone.
fn record<const D: usize, const E: usize, Op>(
    op: Op,
    x: Tensor<Train, D>,
    tracked: impl FnOnce(FlexTensor) -> (FlexTensor, FlexTensor),
    untracked: impl FnOnce(FlexTensor) -> FlexTensor,
) -> Tensor<Train, E>
where
    Op: Backward<Host, 1, State = FlexTensor>,
{
    let x = split(x);
    join(
        match op
            .prepare::<NoCheckpointing>([x.node.clone()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let (state, out) = tracked(x.primitive);
                prep.finish(state, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(untracked(x.primitive)),
        },
    )
}

/// Softmax over the last dimension; backward from the saved probabilities.
pub fn softmax_last<const D: usize>(x: Tensor<Train, D>) -> Tensor<Train, D> {
    #[derive(Debug)]
    struct Softmax;
    impl Backward<Host, 1> for Softmax {
        type State = FlexTensor;
        fn backward(self, ops: Ops<FlexTensor, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
            let probs = ops.state;
            unary::<Host, _>(ops.parents, ops.node, grads, |grad| {
                let cols = cols(&probs);
                let (mut grad, shape) = into_owned_values(grad);
                st_kernels::softmax_rows_backward(values(&probs), &mut grad, cols);
                host_tensor(grad, shape)
            });
        }
    }
    let forward = |input: FlexTensor| {
        let input = contiguous(input);
        let mut out = vec![0f32; input.layout().num_elements()];
        st_kernels::softmax_rows(values(&input), &mut out, cols(&input));
        host_tensor(out, input.layout().shape().clone())
    };
    let tracked = |input| {
        let probs = forward(input);
        (probs.clone(), probs)
    };
    record(Softmax, x, tracked, forward)
}

fn cols(t: &FlexTensor) -> usize {
    t.layout().shape().last().copied().unwrap_or(1)
}

/// GELU; backward from the slopes computed with the values.
pub fn gelu<const D: usize>(kind: Gelu, x: Tensor<Train, D>) -> Tensor<Train, D> {
    #[derive(Debug)]
    struct GeluOp;
    impl Backward<Host, 1> for GeluOp {
        type State = FlexTensor;
        fn backward(self, ops: Ops<FlexTensor, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
            let slopes = ops.state;
            unary::<Host, _>(ops.parents, ops.node, grads, |grad| {
                let (mut grad, shape) = into_owned_values(grad);
                st_kernels::apply_slopes(&mut grad, values(&slopes));
                host_tensor(grad, shape)
            });
        }
    }
    let tracked = |input: FlexTensor| {
        let input = contiguous(input);
        let shape = input.layout().shape().clone();
        let (out, slopes) = kind.with_slope(values(&input));
        (host_tensor(slopes, shape.clone()), host_tensor(out, shape))
    };
    let untracked = |input: FlexTensor| {
        let input = contiguous(input);
        let mut out = values(&input).to_vec();
        kind.apply(&mut out);
        host_tensor(out, input.layout().shape().clone())
    };
    record(GeluOp, x, tracked, untracked)
}

/// Mean softmax cross-entropy of the rows of `logits` against `targets`, a one-element
/// tensor; backward scales the gradient computed with the loss.
pub fn cross_entropy<const D: usize>(
    logits: Tensor<Train, D>,
    targets: &[Option<usize>],
) -> Tensor<Train, 1> {
    #[derive(Debug)]
    struct CrossEntropy;
    impl Backward<Host, 1> for CrossEntropy {
        type State = FlexTensor;
        fn backward(self, ops: Ops<FlexTensor, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
            let gradient = ops.state;
            unary::<Host, _>(ops.parents, ops.node, grads, |upstream| {
                let upstream = values(&contiguous(upstream))[0];
                let (mut gradient, shape) = into_owned_values(gradient);
                if upstream != 1.0 {
                    gradient.iter_mut().for_each(|g| *g *= upstream);
                }
                host_tensor(gradient, shape)
            });
        }
    }
    let loss_of = |input: &FlexTensor, with_gradient| {
        st_kernels::softmax_cross_entropy(values(input), cols(input), targets, with_gradient)
    };
    let scalar = |loss: f32| host_tensor(vec![loss], Shape::new([1]));
    let tracked = |input: FlexTensor| {
        let input = contiguous(input);
        let result = loss_of(&input, true);
        let gradient = result.gradient.expect("asked for");
        (
            host_tensor(gradient, input.layout().shape().clone()),
            scalar(result.loss),
        )
    };
    let untracked = |input: FlexTensor| scalar(loss_of(&contiguous(input), false).loss);
    record(CrossEntropy, logits, tracked, untracked)
}

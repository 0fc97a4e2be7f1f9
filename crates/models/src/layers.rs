//! The building blocks of a post-LayerNorm transformer encoder layer.

use burn::module::{Module, Param};
use burn::nn::{Initializer, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::activation::{relu, silu};
use burn::tensor::{Tensor, backend::Backend};

use crate::config::{Activation, EncoderConfig};
use crate::dropout::Dropout;

/// Apply an activation function.
pub fn activate<B: Backend, const D: usize>(act: Activation, x: Tensor<B, D>) -> Tensor<B, D> {
    let host = st_core::backend::is_host_backend::<B>();
    match act {
        // On the CPU backends, one pass over the data (`st_kernels::Gelu`).
        Activation::Gelu if host => crate::host::gelu(st_kernels::Gelu::Exact, x),
        // Elsewhere x·Φ(x) composed from `erf`, whose derivative autodiff knows exactly;
        // Burn's fused `gelu` backward is ~4e-4 (relative) off PyTorch's, this is ~1e-6.
        Activation::Gelu => {
            x.clone().mul_scalar(0.5) * x.div_scalar(std::f64::consts::SQRT_2).erf().add_scalar(1.0)
        }
        Activation::GeluTanh if host => crate::host::gelu(st_kernels::Gelu::Tanh, x),
        Activation::GeluTanh => {
            // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as transformers' NewGELUActivation.
            let inner = (x.clone() + x.clone().powi_scalar(3).mul_scalar(0.044715))
                .mul_scalar((2.0 / std::f64::consts::PI).sqrt());
            x.clone().mul_scalar(0.5) * (inner.tanh().add_scalar(1.0))
        }
        Activation::Relu => relu(x),
        Activation::Silu => silu(x),
    }
}

/// `linear` applied to every token of `x` (`[batch, seq, in]`) as one `[batch·seq, in]` matrix
/// product. Given a rank-3 input, Burn 0.21 broadcasts the weight into one product per batch
/// row — on the CPU backends each repacks the weight, and the weight gradient is computed per
/// row and then summed — which is several times slower than one large product.
pub fn linear_tokens<B: Backend>(linear: &Linear<B>, x: Tensor<B, 3>) -> Tensor<B, 3> {
    let [batch, seq, width] = x.dims();
    let y = linear.forward(x.reshape([batch * seq, width]));
    let [_, out] = y.dims();
    y.reshape([batch, seq, out])
}

/// Multi-head self-attention followed by its output projection, residual and LayerNorm.
#[derive(Module, Debug)]
pub struct Attention<B: Backend> {
    pub query: Linear<B>,
    pub key: Linear<B>,
    pub value: Linear<B>,
    pub output: Linear<B>,
    pub norm: LayerNorm<B>,
    pub dropout: Dropout,
    pub attention_dropout: Dropout,
    pub num_heads: usize,
}

impl<B: Backend> Attention<B> {
    pub fn new(config: &EncoderConfig, device: &B::Device) -> Self {
        let h = config.hidden_size;
        let linear = || LinearConfig::new(h, h).init(device);
        Self {
            query: linear(),
            key: linear(),
            value: linear(),
            output: linear(),
            norm: LayerNormConfig::new(h)
                .with_epsilon(config.layer_norm_eps)
                .init(device),
            dropout: Dropout::new(config.hidden_dropout),
            attention_dropout: Dropout::new(config.attention_dropout),
            num_heads: config.num_attention_heads,
        }
    }

    /// `x`: `[batch, seq, hidden]`; `mask`: additive, `[batch, heads, seq, seq]` (or
    /// broadcastable to it).
    pub fn forward(&self, x: Tensor<B, 3>, mask: Tensor<B, 4>) -> Tensor<B, 3> {
        let keys_values = self.keys_values(x.clone());
        self.attend(x, keys_values, mask)
    }

    /// `x` `[batch, seq, hidden]` split into heads `[batch, heads, seq, head_dim]`.
    fn heads(&self, x: Tensor<B, 3>) -> Tensor<B, 4> {
        let [batch, seq, hidden] = x.dims();
        x.reshape([batch, seq, self.num_heads, hidden / self.num_heads])
            .swap_dims(1, 2)
    }

    /// The keys and values `[batch, heads, keys, head_dim]` of `memory` (the input itself, or
    /// a decoder's encoder states for cross-attention).
    pub fn keys_values(&self, memory: Tensor<B, 3>) -> (Tensor<B, 4>, Tensor<B, 4>) {
        let k = self.heads(linear_tokens(&self.key, memory.clone()));
        (k, self.heads(linear_tokens(&self.value, memory)))
    }

    /// `x` attends over `(k, v)` with the additive `mask` `[batch, heads, seq, keys]`; then the
    /// output projection, residual and LayerNorm.
    pub fn attend(
        &self,
        x: Tensor<B, 3>,
        (k, v): (Tensor<B, 4>, Tensor<B, 4>),
        mask: Tensor<B, 4>,
    ) -> Tensor<B, 3> {
        let [batch, seq, hidden] = x.dims();
        let head_dim = hidden / self.num_heads;
        let q = self.heads(linear_tokens(&self.query, x.clone()));
        let scores = q
            .matmul(k.swap_dims(2, 3))
            .div_scalar((head_dim as f64).sqrt())
            + mask;
        let probs = self
            .attention_dropout
            .forward(crate::host::softmax_last(scores));
        let context = probs
            .matmul(v)
            .swap_dims(1, 2)
            .reshape([batch, seq, hidden]);
        let out = self.dropout.forward(linear_tokens(&self.output, context));
        self.norm.forward(out + x)
    }
}

/// One encoder layer: attention, then the feed-forward block with residual and LayerNorm.
#[derive(Module, Debug)]
pub struct EncoderLayer<B: Backend> {
    pub attention: Attention<B>,
    pub intermediate: Linear<B>,
    pub output: Linear<B>,
    pub norm: LayerNorm<B>,
    pub dropout: Dropout,
    #[module(skip)]
    pub activation: Activation,
}

impl<B: Backend> EncoderLayer<B> {
    pub fn new(config: &EncoderConfig, device: &B::Device) -> Self {
        let (h, i) = (config.hidden_size, config.intermediate_size);
        Self {
            attention: Attention::new(config, device),
            intermediate: LinearConfig::new(h, i).init(device),
            output: LinearConfig::new(i, h).init(device),
            norm: LayerNormConfig::new(h)
                .with_epsilon(config.layer_norm_eps)
                .init(device),
            dropout: Dropout::new(config.hidden_dropout),
            activation: config.activation,
        }
    }

    pub fn forward(&self, x: Tensor<B, 3>, mask: Tensor<B, 4>) -> Tensor<B, 3> {
        let attended = self.attention.forward(x, mask);
        self.feed_forward(attended)
    }

    /// The feed-forward block over the attention's output, with residual and LayerNorm.
    pub fn feed_forward(&self, attended: Tensor<B, 3>) -> Tensor<B, 3> {
        let hidden = activate(
            self.activation,
            linear_tokens(&self.intermediate, attended.clone()),
        );
        let out = self.dropout.forward(linear_tokens(&self.output, hidden));
        self.norm.forward(out + attended)
    }
}

/// A linear layer initialised as `transformers` initialises new heads: N(0, std) weights, zero
/// bias.
pub fn hf_linear<B: Backend>(d_in: usize, d_out: usize, std: f64, device: &B::Device) -> Linear<B> {
    let mut linear = LinearConfig::new(d_in, d_out)
        .with_initializer(Initializer::Normal { mean: 0.0, std })
        .init(device);
    linear.bias = Some(Param::from_tensor(Tensor::zeros([d_out], device)));
    linear
}

/// Grow an embedding table to `rows` rows for tokens added to a tokenizer (see
/// [`crate::Encoder::resize_token_embeddings`]): existing rows kept, each new one the mean of
/// the existing ones; never shrinks.
pub fn grow_embedding<B: Backend>(embedding: &mut burn::nn::Embedding<B>, rows: usize) {
    let table = embedding.weight.val();
    let [old, width] = table.dims();
    if rows <= old {
        return;
    }
    // Built on the host, once, so the new parameter is a fresh leaf of the graph.
    let device = table.device();
    let mut values: Vec<f32> = table.into_data().iter::<f32>().collect();
    let mut mean = vec![0f64; width];
    for row in values.chunks(width) {
        mean.iter_mut()
            .zip(row)
            .for_each(|(m, &v)| *m += f64::from(v));
    }
    let mean: Vec<f32> = mean.iter().map(|m| (m / old as f64) as f32).collect();
    (old..rows).for_each(|_| values.extend_from_slice(&mean));
    let grown = Tensor::from_data(
        burn::tensor::TensorData::new(values, [rows, width]),
        &device,
    );
    embedding.weight = Param::from_tensor(grown);
}

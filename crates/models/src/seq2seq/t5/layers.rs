//! T5's blocks as Burn modules. Every projection is bias-free; every sub-layer is
//! `x + dropout(f(rms_norm(x)))`; attention scores are not scaled (T5 folds the scale into
//! its initialisation) and carry the relative position bias.

use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig, RmsNorm, RmsNormConfig};
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

use super::T5Config;
use super::position::bucket_grid;
use crate::Dropout;
use crate::config::Activation;
use crate::decoder::KvCache;
use crate::layers::{activate, linear_tokens};
use crate::seq2seq::masks::causal;

fn linear<B: Backend>(d_in: usize, d_out: usize, device: &B::Device) -> Linear<B> {
    LinearConfig::new(d_in, d_out).with_bias(false).init(device)
}

fn rms_norm<B: Backend>(config: &T5Config, device: &B::Device) -> RmsNorm<B> {
    RmsNormConfig::new(config.d_model)
        .with_epsilon(config.layer_norm_epsilon)
        .init(device)
}

/// Multi-head attention (`T5Attention`): self-attention, or cross-attention over the
/// encoder's output. The first layer of each stack also holds the relative position bias.
#[derive(Module, Debug)]
pub struct T5Attention<B: Backend> {
    pub q: Linear<B>,
    pub k: Linear<B>,
    pub v: Linear<B>,
    pub o: Linear<B>,
    pub relative_attention_bias: Option<Embedding<B>>,
    #[module(skip)]
    pub num_heads: usize,
    #[module(skip)]
    pub d_kv: usize,
}

impl<B: Backend> T5Attention<B> {
    fn new(config: &T5Config, with_bias: bool, device: &B::Device) -> Self {
        let inner = config.inner_dim();
        Self {
            q: linear(config.d_model, inner, device),
            k: linear(config.d_model, inner, device),
            v: linear(config.d_model, inner, device),
            o: linear(inner, config.d_model, device),
            relative_attention_bias: with_bias.then(|| {
                EmbeddingConfig::new(config.relative_attention_num_buckets, config.num_heads)
                    .init(device)
            }),
            num_heads: config.num_heads,
            d_kv: config.d_kv,
        }
    }

    fn heads(&self, x: Tensor<B, 3>) -> Tensor<B, 4> {
        let [rows, n, _] = x.dims();
        x.reshape([rows, n, self.num_heads, self.d_kv])
            .swap_dims(1, 2)
    }

    /// The keys and values `[rows, heads, keys, d_kv]` of `memory`.
    pub(crate) fn keys_values(&self, memory: Tensor<B, 3>) -> (Tensor<B, 4>, Tensor<B, 4>) {
        let k = self.heads(linear_tokens(&self.k, memory.clone()));
        (k, self.heads(linear_tokens(&self.v, memory)))
    }

    /// `x` `[rows, n, d]` attends over keys `k` and values `v` with `bias`
    /// `[rows, heads, n, keys]`: position bias plus the additive mask.
    fn attend(
        &self,
        x: Tensor<B, 3>,
        k: Tensor<B, 4>,
        v: Tensor<B, 4>,
        bias: Tensor<B, 4>,
    ) -> Tensor<B, 3> {
        let [rows, n, _] = x.dims();
        let q = self.heads(linear_tokens(&self.q, x));
        let scores = q.matmul(k.swap_dims(2, 3)) + bias;
        let probs = crate::host::softmax_last(scores);
        let context =
            probs
                .matmul(v)
                .swap_dims(1, 2)
                .reshape([rows, n, self.num_heads * self.d_kv]);
        linear_tokens(&self.o, context)
    }

    /// This layer's position bias `[1, heads, queries, keys]` for queries at
    /// `past..past + queries` (it must hold one).
    pub(crate) fn position_bias(
        &self,
        queries: usize,
        keys: usize,
        past: usize,
        bidirectional: bool,
        max_distance: usize,
    ) -> Tensor<B, 4> {
        let table = self
            .relative_attention_bias
            .as_ref()
            .expect("the first layer of a T5 stack holds the position bias");
        let [buckets, heads] = table.weight.dims();
        let device = table.weight.device();
        let grid = bucket_grid::<B>(
            queries,
            keys,
            past,
            bidirectional,
            buckets,
            max_distance,
            &device,
        );
        table
            .forward(grid.reshape([1, queries * keys]))
            .reshape([queries, keys, heads])
            .permute([2, 0, 1])
            .reshape([1, heads, queries, keys])
    }
}

/// A normalised attention sub-layer with its residual (`T5LayerSelfAttention`,
/// `T5LayerCrossAttention`).
#[derive(Module, Debug)]
pub struct T5AttentionLayer<B: Backend> {
    pub attention: T5Attention<B>,
    pub layer_norm: RmsNorm<B>,
    pub dropout: Dropout,
}

impl<B: Backend> T5AttentionLayer<B> {
    fn new(config: &T5Config, with_bias: bool, device: &B::Device) -> Self {
        Self {
            attention: T5Attention::new(config, with_bias, device),
            layer_norm: rms_norm(config, device),
            dropout: Dropout::new(config.dropout_rate),
        }
    }

    /// Self-attention when `memory` is `None`.
    fn forward(
        &self,
        x: Tensor<B, 3>,
        memory: Option<Tensor<B, 3>>,
        bias: Tensor<B, 4>,
    ) -> Tensor<B, 3> {
        let normed = self.layer_norm.forward(x.clone());
        let (k, v) = self
            .attention
            .keys_values(memory.unwrap_or_else(|| normed.clone()));
        x + self
            .dropout
            .forward(self.attention.attend(normed, k, v, bias))
    }

    /// Self-attention of new positions over `cache`'s layer `layer`, which they join.
    pub(crate) fn forward_cached(
        &self,
        x: Tensor<B, 3>,
        cache: &mut KvCache<B>,
        layer: usize,
        bias: Tensor<B, 4>,
    ) -> Tensor<B, 3> {
        let normed = self.layer_norm.forward(x.clone());
        let (k, v) = self.attention.keys_values(normed.clone());
        let (k, v) = cache.extend(layer, k, v);
        x + self
            .dropout
            .forward(self.attention.attend(normed, k, v, bias))
    }

    /// Attention over keys and values computed once (cross-attention while decoding).
    pub(crate) fn forward_over(
        &self,
        x: Tensor<B, 3>,
        (k, v): (Tensor<B, 4>, Tensor<B, 4>),
        bias: Tensor<B, 4>,
    ) -> Tensor<B, 3> {
        let normed = self.layer_norm.forward(x.clone());
        x + self
            .dropout
            .forward(self.attention.attend(normed, k, v, bias))
    }
}

/// The feed-forward weights (`T5DenseActDense`: `wi`, `wo`; `T5DenseGatedActDense`: `wi_0`,
/// `wi_1`, `wo`).
#[derive(Module, Debug)]
pub struct T5Dense<B: Backend> {
    pub wi: Option<Linear<B>>,
    pub wi_0: Option<Linear<B>>,
    pub wi_1: Option<Linear<B>>,
    pub wo: Linear<B>,
    pub dropout: Dropout,
    #[module(skip)]
    pub activation: Activation,
}

/// The normalised feed-forward sub-layer with its residual (`T5LayerFF`).
#[derive(Module, Debug)]
pub struct T5FeedForward<B: Backend> {
    pub dense: T5Dense<B>,
    pub layer_norm: RmsNorm<B>,
    pub dropout: Dropout,
}

impl<B: Backend> T5FeedForward<B> {
    fn new(config: &T5Config, device: &B::Device) -> Self {
        let wi = || Some(linear(config.d_model, config.d_ff, device));
        let (wi, wi_0, wi_1) = if config.gated {
            (None, wi(), wi())
        } else {
            (wi(), None, None)
        };
        Self {
            dense: T5Dense {
                wi,
                wi_0,
                wi_1,
                wo: linear(config.d_ff, config.d_model, device),
                dropout: Dropout::new(config.dropout_rate),
                activation: config.activation,
            },
            layer_norm: rms_norm(config, device),
            dropout: Dropout::new(config.dropout_rate),
        }
    }

    pub(crate) fn forward(&self, x: Tensor<B, 3>) -> Tensor<B, 3> {
        let dense = &self.dense;
        let normed = self.layer_norm.forward(x.clone());
        let hidden = match (&dense.wi, &dense.wi_0, &dense.wi_1) {
            (Some(wi), _, _) => activate(dense.activation, linear_tokens(wi, normed)),
            (None, Some(wi_0), Some(wi_1)) => {
                activate(dense.activation, linear_tokens(wi_0, normed.clone()))
                    * linear_tokens(wi_1, normed)
            }
            _ => unreachable!("a T5 feed-forward has wi or both wi_0 and wi_1"),
        };
        let out = linear_tokens(&dense.wo, dense.dropout.forward(hidden));
        x + self.dropout.forward(out)
    }
}

/// One block (`T5Block`): self-attention, cross-attention in the decoder, feed-forward.
#[derive(Module, Debug)]
pub struct T5Block<B: Backend> {
    pub self_attention: T5AttentionLayer<B>,
    pub cross_attention: Option<T5AttentionLayer<B>>,
    pub feed_forward: T5FeedForward<B>,
}

/// An encoder or decoder stack (`T5Stack`, its embeddings shared and held by the model).
#[derive(Module, Debug)]
pub struct T5Stack<B: Backend> {
    pub block: Vec<T5Block<B>>,
    pub final_layer_norm: RmsNorm<B>,
    pub dropout: Dropout,
    #[module(skip)]
    pub is_decoder: bool,
    #[module(skip)]
    pub max_distance: usize,
}

impl<B: Backend> T5Stack<B> {
    /// The encoder (`is_decoder` false) or the decoder stack of `config`.
    pub fn new(config: &T5Config, is_decoder: bool, device: &B::Device) -> Self {
        let layers = if is_decoder {
            config.num_decoder_layers
        } else {
            config.num_layers
        };
        let block = (0..layers)
            .map(|i| T5Block {
                self_attention: T5AttentionLayer::new(config, i == 0, device),
                cross_attention: is_decoder.then(|| T5AttentionLayer::new(config, false, device)),
                feed_forward: T5FeedForward::new(config, device),
            })
            .collect();
        Self {
            block,
            final_layer_norm: rms_norm(config, device),
            dropout: Dropout::new(config.dropout_rate),
            is_decoder,
            max_distance: config.relative_attention_max_distance,
        }
    }

    /// The stack's output for `embedded` inputs `[rows, n, d]` with `attention_mask`
    /// `[rows, n]` (1 = real token); the decoder also attends causally and over `encoder`
    /// (its output and attention mask).
    pub fn forward(
        &self,
        embedded: Tensor<B, 3>,
        attention_mask: Tensor<B, 2, Int>,
        encoder: Option<(Tensor<B, 3>, Tensor<B, 2, Int>)>,
    ) -> Tensor<B, 3> {
        let [rows, n, _] = embedded.dims();
        let Some(first) = self.block.first() else {
            return self.final_layer_norm.forward(embedded);
        };
        let heads = first.self_attention.attention.num_heads;
        let shape = [rows, heads, n, n];
        // Position bias and mask, at the scores' full shape once for every layer.
        let bias = first
            .self_attention
            .attention
            .position_bias(n, n, 0, !self.is_decoder, self.max_distance)
            .expand(shape);
        let mut allowed = attention_mask
            .equal_elem(1)
            .reshape([rows, 1, 1, n])
            .expand(shape);
        if self.is_decoder {
            allowed = allowed.bool_and(causal(n, n, &embedded.device()).expand(shape));
        }
        let self_bias = bias.mask_fill(allowed.bool_not(), f32::MIN);
        let cross = encoder.map(|(states, mask)| {
            let [_, keys, _] = states.dims();
            let shape = [rows, heads, n, keys];
            let hidden = mask.equal_elem(1).reshape([rows, 1, 1, keys]).expand(shape);
            let bias = Tensor::<B, 4>::zeros(shape, &states.device())
                .mask_fill(hidden.bool_not(), f32::MIN);
            (states, bias)
        });
        let mut x = self.dropout.forward(embedded);
        for block in &self.block {
            x = block.self_attention.forward(x, None, self_bias.clone());
            if let (Some(layer), Some((states, bias))) = (&block.cross_attention, &cross) {
                x = layer.forward(x, Some(states.clone()), bias.clone());
            }
            x = block.feed_forward.forward(x);
        }
        self.dropout.forward(self.final_layer_norm.forward(x))
    }
}

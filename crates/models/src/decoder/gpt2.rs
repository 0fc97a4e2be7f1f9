//! GPT-2 (and every GPT-2-shaped checkpoint: distilgpt2, …) as `transformers`' `GPT2Model` /
//! `GPT2LMHeadModel`.
//!
//! The Burn modules mirror the Hugging Face layout, so the names map one to one:
//!
//! | Burn path | Hugging Face name (`GPT2LMHeadModel`) |
//! |---|---|
//! | `transformer.wte.weight`, `transformer.wpe.weight` | the same (token, position embeddings) |
//! | `transformer.h.N.ln_1.*`, `.ln_2.*`, `transformer.ln_f.*` | the same (LayerNorm `gamma`/`beta` as `weight`/`bias`) |
//! | `transformer.h.N.attn.c_attn.*` | the same: fused q, k, v, `[n_embd, 3·n_embd]` |
//! | `transformer.h.N.attn.c_proj.*`, `.mlp.c_fc.*`, `.mlp.c_proj.*` | the same |
//!
//! A base `GPT2Model` checkpoint has the names without `transformer.`. Every linear layer is a
//! `Conv1D` stored `[in, out]` — Burn's own layout — so none is transposed. `lm_head.weight` is
//! tied to `wte` (logits = hidden · wteᵀ): it is not a parameter here, not saved (as
//! `transformers` saves a tied head) and ignored when a checkpoint carries it, as are the
//! causal-mask buffers `attn.bias` / `attn.masked_bias` of old checkpoints.

use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::backend::Backend;
use burn::tensor::{Bool, Int, Tensor, TensorData};
use st_core::weights::{HfName, NameMap};

use super::{DecoderArchitecture, DecoderConfig, KvCache};
use crate::config::{Activation, HfConfig};
use crate::generate::Autoregressive;
use crate::layers::{activate, linear_tokens};
use crate::{Dropout, ModelError};

/// The GPT-2 architecture.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gpt2;

impl DecoderArchitecture for Gpt2 {
    fn model_type(&self) -> &'static str {
        "gpt2"
    }

    fn config(&self, hf: &HfConfig) -> Result<DecoderConfig, ModelError> {
        let n_embd = hf.usize_or("n_embd", 768)?;
        Ok(DecoderConfig {
            vocab_size: hf.usize_or("vocab_size", 50257)?,
            n_positions: hf.usize_or("n_positions", 1024)?,
            n_embd,
            n_layer: hf.usize_or("n_layer", 12)?,
            n_head: hf.usize_or("n_head", 12)?,
            n_inner: hf.usize_or("n_inner", 4 * n_embd)?,
            activation: hf.activation("activation_function", "gelu_new")?,
            layer_norm_epsilon: hf.f64_or("layer_norm_epsilon", 1e-5)?,
            resid_pdrop: hf.f64_or("resid_pdrop", 0.1)?,
            embd_pdrop: hf.f64_or("embd_pdrop", 0.1)?,
            attn_pdrop: hf.f64_or("attn_pdrop", 0.1)?,
            scale_attn_weights: hf.bool_or("scale_attn_weights", true)?,
            scale_attn_by_inverse_layer_idx: hf
                .bool_or("scale_attn_by_inverse_layer_idx", false)?,
            bos_token_id: hf.token_id("bos_token_id")?.or(Some(50256)),
            eos_token_id: hf.token_id("eos_token_id")?.or(Some(50256)),
            pad_token_id: hf.token_id("pad_token_id")?,
        })
    }

    fn name_map(&self) -> Box<dyn NameMap> {
        Box::new(Gpt2Names)
    }

    fn hf_class_prefix(&self) -> &'static str {
        "GPT2"
    }
}

/// Burn paths → Hugging Face names of [`Gpt2LmHead`] (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct Gpt2Names;

impl NameMap for Gpt2Names {
    fn hf_name(&self, path: &str) -> HfName {
        match path.strip_prefix("transformer.") {
            Some(rest) => HfName {
                name: rest.to_string(),
                in_base_model: true,
            },
            None => HfName {
                name: path.to_string(),
                in_base_model: false,
            },
        }
    }

    fn base_model_prefix(&self) -> &str {
        "transformer"
    }

    fn keeps_layout(&self, _burn_path: &str) -> bool {
        true
    }

    fn is_ignorable(&self, hf_name: &str) -> bool {
        hf_name.ends_with(".attn.bias")
            || hf_name.ends_with(".attn.masked_bias")
            || hf_name == "lm_head.weight"
    }
}

/// Causal self-attention with the fused `c_attn` projection.
#[derive(Module, Debug)]
pub struct Gpt2Attention<B: Backend> {
    pub c_attn: Linear<B>,
    pub c_proj: Linear<B>,
    pub attn_dropout: Dropout,
    pub resid_dropout: Dropout,
    #[module(skip)]
    pub n_head: usize,
    /// What the scores are multiplied by.
    #[module(skip)]
    pub scale: f64,
}

impl<B: Backend> Gpt2Attention<B> {
    fn new(config: &DecoderConfig, layer: usize, device: &B::Device) -> Self {
        let d = config.n_embd;
        let mut scale = if config.scale_attn_weights {
            1.0 / (config.head_dim() as f64).sqrt()
        } else {
            1.0
        };
        if config.scale_attn_by_inverse_layer_idx {
            scale /= (layer + 1) as f64;
        }
        Self {
            c_attn: LinearConfig::new(d, 3 * d).init(device),
            c_proj: LinearConfig::new(d, d).init(device),
            attn_dropout: Dropout::new(config.attn_pdrop),
            resid_dropout: Dropout::new(config.resid_pdrop),
            n_head: config.n_head,
            scale,
        }
    }

    /// `x`: `[rows, n, d]`; `mask`: additive, `[rows, 1, n, past + n]`. The keys and values
    /// of the new positions join `cache` (layer `layer`) when given.
    fn forward(
        &self,
        x: Tensor<B, 3>,
        mask: Tensor<B, 4>,
        cache: Option<(&mut KvCache<B>, usize)>,
    ) -> Tensor<B, 3> {
        let [rows, n, d] = x.dims();
        let head_dim = d / self.n_head;
        let heads = |t: Tensor<B, 3>| t.reshape([rows, n, self.n_head, head_dim]).swap_dims(1, 2);
        let qkv = linear_tokens(&self.c_attn, x);
        let mut parts = qkv.chunk(3, 2).into_iter().map(heads);
        let (Some(q), Some(k), Some(v)) = (parts.next(), parts.next(), parts.next()) else {
            unreachable!("c_attn has 3·n_embd outputs");
        };
        let (k, v) = match cache {
            Some((cache, layer)) => cache.extend(layer, k, v),
            None => (k, v),
        };
        let scores = q.matmul(k.swap_dims(2, 3)).mul_scalar(self.scale) + mask;
        let probs = self.attn_dropout.forward(crate::host::softmax_last(scores));
        let context = probs.matmul(v).swap_dims(1, 2).reshape([rows, n, d]);
        self.resid_dropout
            .forward(linear_tokens(&self.c_proj, context))
    }
}

/// The feed-forward block.
#[derive(Module, Debug)]
pub struct Gpt2Mlp<B: Backend> {
    pub c_fc: Linear<B>,
    pub c_proj: Linear<B>,
    pub dropout: Dropout,
    #[module(skip)]
    pub activation: Activation,
}

/// One pre-LayerNorm block.
#[derive(Module, Debug)]
pub struct Gpt2Block<B: Backend> {
    pub ln_1: LayerNorm<B>,
    pub attn: Gpt2Attention<B>,
    pub ln_2: LayerNorm<B>,
    pub mlp: Gpt2Mlp<B>,
}

impl<B: Backend> Gpt2Block<B> {
    fn new(config: &DecoderConfig, layer: usize, device: &B::Device) -> Self {
        let norm = || {
            LayerNormConfig::new(config.n_embd)
                .with_epsilon(config.layer_norm_epsilon)
                .init(device)
        };
        Self {
            ln_1: norm(),
            attn: Gpt2Attention::new(config, layer, device),
            ln_2: norm(),
            mlp: Gpt2Mlp {
                c_fc: LinearConfig::new(config.n_embd, config.n_inner).init(device),
                c_proj: LinearConfig::new(config.n_inner, config.n_embd).init(device),
                dropout: Dropout::new(config.resid_pdrop),
                activation: config.activation,
            },
        }
    }

    fn forward(
        &self,
        x: Tensor<B, 3>,
        mask: Tensor<B, 4>,
        cache: Option<(&mut KvCache<B>, usize)>,
    ) -> Tensor<B, 3> {
        let x = x.clone() + self.attn.forward(self.ln_1.forward(x), mask, cache);
        let hidden = activate(
            self.mlp.activation,
            linear_tokens(&self.mlp.c_fc, self.ln_2.forward(x.clone())),
        );
        x + self
            .mlp
            .dropout
            .forward(linear_tokens(&self.mlp.c_proj, hidden))
    }
}

/// `GPT2Model`: embeddings, blocks, final LayerNorm.
#[derive(Module, Debug)]
pub struct Gpt2Model<B: Backend> {
    pub wte: Embedding<B>,
    pub wpe: Embedding<B>,
    pub drop: Dropout,
    pub h: Vec<Gpt2Block<B>>,
    pub ln_f: LayerNorm<B>,
}

impl<B: Backend> Gpt2Model<B> {
    /// A randomly initialised model of `config`'s shapes.
    pub fn new(config: &DecoderConfig, device: &B::Device) -> Self {
        Self {
            wte: EmbeddingConfig::new(config.vocab_size, config.n_embd).init(device),
            wpe: EmbeddingConfig::new(config.n_positions, config.n_embd).init(device),
            drop: Dropout::new(config.embd_pdrop),
            h: (0..config.n_layer)
                .map(|layer| Gpt2Block::new(config, layer, device))
                .collect(),
            ln_f: LayerNormConfig::new(config.n_embd)
                .with_epsilon(config.layer_norm_epsilon)
                .init(device),
        }
    }

    /// The hidden states of `input_ids` `[rows, n]` (the positions after everything in
    /// `cache`), given `attention_mask` `[rows, past + n]` over all positions fed so far (0 on
    /// left padding). Position ids come from the mask, as `generate` computes them for a
    /// left-padded batch: the count of real tokens before a position (pads get 0, as there; they are
    /// masked anyway). The new keys and values join `cache`.
    pub fn forward(
        &self,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
        cache: Option<&mut KvCache<B>>,
    ) -> Tensor<B, 3> {
        self.forward_typed(input_ids, None, attention_mask, cache)
    }

    /// [`Gpt2Model::forward`] with token types `[rows, n]`: token ids whose embeddings (the
    /// same table as the words', as `transformers` embeds `token_type_ids`) are added to
    /// the inputs'. ConvAI marks each segment with its speaker token this way.
    pub fn forward_typed(
        &self,
        input_ids: Tensor<B, 2, Int>,
        token_type_ids: Option<Tensor<B, 2, Int>>,
        attention_mask: Tensor<B, 2, Int>,
        mut cache: Option<&mut KvCache<B>>,
    ) -> Tensor<B, 3> {
        let [rows, n] = input_ids.dims();
        let [_, total] = attention_mask.dims();
        let past = total - n;
        let positions = (attention_mask.clone().cumsum(1) - 1)
            .clamp_min(0)
            .slice([0..rows, past..total]);
        let mut x = self.wte.forward(input_ids) + self.wpe.forward(positions);
        if let Some(types) = token_type_ids {
            x = x + self.wte.forward(types);
        }
        let mut x = self.drop.forward(x);
        let heads = self.h.first().map_or(1, |block| block.attn.n_head);
        let mask = additive_mask(attention_mask, n, heads);
        for (layer, block) in self.h.iter().enumerate() {
            let layer_cache = cache.as_deref_mut().map(|c| (c, layer));
            x = block.forward(x, mask.clone(), layer_cache);
        }
        self.ln_f.forward(x)
    }
}

/// The additive attention mask `[rows, heads, n, total]` of `n` new positions after
/// `total − n` past ones: a query sees keys at or before its own position that are not
/// padding; the rest get the most negative float, as `transformers` masks.
///
/// It is built at the scores' full shape, once for all layers: added to the scores as a
/// `[rows, 1, n, total]` broadcast, it took the CPU backend's slow strided path, 7 % of a
/// GPT-2 training step.
fn additive_mask<B: Backend>(
    attention_mask: Tensor<B, 2, Int>,
    n: usize,
    heads: usize,
) -> Tensor<B, 4> {
    let [rows, total] = attention_mask.dims();
    let device = attention_mask.device();
    let past = total - n;
    let causal: Vec<bool> = (0..n)
        .flat_map(|q| (0..total).map(move |k| k <= past + q))
        .collect();
    let causal = Tensor::<B, 2, Bool>::from_data(TensorData::new(causal, [n, total]), &device)
        .reshape([1, 1, n, total]);
    let padding = attention_mask.equal_elem(1).reshape([rows, 1, 1, total]);
    let shape = [rows, heads, n, total];
    let allowed = causal.expand(shape).bool_and(padding.expand(shape));
    Tensor::<B, 4>::zeros(shape, &device).mask_fill(allowed.bool_not(), f32::MIN)
}

/// `GPT2LMHeadModel`: the model and its language-model head, tied to the token embeddings.
#[derive(Module, Debug)]
pub struct Gpt2LmHead<B: Backend> {
    pub transformer: Gpt2Model<B>,
}

impl<B: Backend> Gpt2LmHead<B> {
    /// A randomly initialised model of `config`'s shapes.
    pub fn new(config: &DecoderConfig, device: &B::Device) -> Self {
        Self {
            transformer: Gpt2Model::new(config, device),
        }
    }

    /// Logits `[rows, n, vocab]` of every new position (see [`Gpt2Model::forward`]).
    pub fn forward(
        &self,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
        cache: Option<&mut KvCache<B>>,
    ) -> Tensor<B, 3> {
        let hidden = self.transformer.forward(input_ids, attention_mask, cache);
        let [rows, n, d] = hidden.dims();
        let logits = self.head(hidden.reshape([rows * n, d]));
        let [_, vocab] = logits.dims();
        logits.reshape([rows, n, vocab])
    }

    /// Logits `[rows, vocab]` of each row's last new position only, which is all decoding
    /// needs (the head's product is the most expensive one of a step).
    pub fn last_logits(
        &self,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
        cache: Option<&mut KvCache<B>>,
    ) -> Tensor<B, 2> {
        let hidden = self.transformer.forward(input_ids, attention_mask, cache);
        let [rows, n, d] = hidden.dims();
        self.head(hidden.slice([0..rows, n - 1..n]).reshape([rows, d]))
    }

    /// hidden · wteᵀ.
    pub fn head(&self, hidden: Tensor<B, 2>) -> Tensor<B, 2> {
        hidden.matmul(self.transformer.wte.weight.val().transpose())
    }

    /// Grow the token embeddings (and so the tied head) to `vocab_size` rows for added
    /// tokens; see [`crate::layers::grow_embedding`].
    pub fn resize_token_embeddings(mut self, vocab_size: usize) -> Self {
        crate::layers::grow_embedding(&mut self.transformer.wte, vocab_size);
        self
    }

    /// A cache for this model.
    pub fn new_cache(&self) -> KvCache<B> {
        KvCache::new(self.transformer.h.len())
    }
}

impl<B: Backend> Autoregressive<B> for Gpt2LmHead<B> {
    type State = KvCache<B>;

    fn step(
        &self,
        cache: &mut KvCache<B>,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> Tensor<B, 2> {
        self.last_logits(input_ids, attention_mask, Some(cache))
    }

    fn reorder(&self, cache: KvCache<B>, rows: &[usize]) -> KvCache<B> {
        cache.select(rows)
    }

    fn max_positions(&self) -> Option<usize> {
        Some(self.transformer.wpe.weight.dims()[0])
    }

    fn device(&self) -> B::Device {
        self.transformer.wte.weight.device()
    }
}

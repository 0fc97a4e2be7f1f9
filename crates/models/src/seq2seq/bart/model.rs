//! BART's Burn modules, its loss, and loading from a `transformers` directory.

use std::path::Path;

use burn::module::{Module, Param};
use burn::nn::{Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};
use serde_json::Value;
use st_core::hub::CONFIG_FILE;
use st_core::weights::{Checkpoint, LoadReport, load_into};

use super::config::BART_LAYER_NORM_EPS;
use super::{BartConfig, BartNames};
use crate::config::{Activation, HfConfig};
use crate::layers::{activate, linear_tokens};
use crate::seq2seq::EncoderDecoder;
use crate::seq2seq::masks::{causal, padding_bias};
use crate::{Dropout, ModelError};

/// Rows 0 and 1 of the position tables are never looked up: position `p` is row `p + 2`.
const POSITION_OFFSET: usize = 2;

fn norm<B: Backend>(d: usize, device: &B::Device) -> LayerNorm<B> {
    LayerNormConfig::new(d)
        .with_epsilon(BART_LAYER_NORM_EPS)
        .init(device)
}

/// Multi-head attention (`BartAttention`), scores scaled by `head_dim^-0.5`.
#[derive(Module, Debug)]
pub struct BartAttention<B: Backend> {
    pub q_proj: Linear<B>,
    pub k_proj: Linear<B>,
    pub v_proj: Linear<B>,
    pub out_proj: Linear<B>,
    pub dropout: Dropout,
    #[module(skip)]
    pub num_heads: usize,
}

impl<B: Backend> BartAttention<B> {
    fn new(d: usize, heads: usize, dropout: f64, device: &B::Device) -> Self {
        let linear = || LinearConfig::new(d, d).init(device);
        Self {
            q_proj: linear(),
            k_proj: linear(),
            v_proj: linear(),
            out_proj: linear(),
            dropout: Dropout::new(dropout),
            num_heads: heads,
        }
    }

    fn heads(&self, x: Tensor<B, 3>) -> Tensor<B, 4> {
        let [rows, n, d] = x.dims();
        x.reshape([rows, n, self.num_heads, d / self.num_heads])
            .swap_dims(1, 2)
    }

    /// The keys and values `[rows, heads, keys, head_dim]` of `memory`.
    pub(crate) fn keys_values(&self, memory: Tensor<B, 3>) -> KeysValues<B> {
        let k = self.heads(linear_tokens(&self.k_proj, memory.clone()));
        (k, self.heads(linear_tokens(&self.v_proj, memory)))
    }

    /// `x` `[rows, n, d]` attends over keys `k` and values `v` with the additive `bias`
    /// `[rows, heads, n, keys]`.
    fn attend(&self, x: Tensor<B, 3>, (k, v): KeysValues<B>, bias: Tensor<B, 4>) -> Tensor<B, 3> {
        let [rows, n, d] = x.dims();
        let scale = ((d / self.num_heads) as f64).powf(-0.5);
        let q = self.heads(linear_tokens(&self.q_proj, x));
        let scores = q.matmul(k.swap_dims(2, 3)).mul_scalar(scale) + bias;
        let probs = self.dropout.forward(crate::host::softmax_last(scores));
        let context = probs.matmul(v).swap_dims(1, 2).reshape([rows, n, d]);
        linear_tokens(&self.out_proj, context)
    }
}

/// An attention layer's keys and values, `[rows, heads, keys, head_dim]` each.
pub(crate) type KeysValues<B> = (Tensor<B, 4>, Tensor<B, 4>);

/// Where a layer's self-attention keys and values come from.
pub(crate) enum SelfKeys<'a, B: Backend> {
    /// From the layer's own input (a whole sequence).
    Fresh,
    /// The new positions' join `cache`'s layer `layer` (incremental decoding).
    Cached(&'a mut crate::decoder::KvCache<B>, usize),
}

/// One post-LayerNorm layer (`BartEncoderLayer`, or `BartDecoderLayer` with the
/// cross-attention).
#[derive(Module, Debug)]
pub struct BartLayer<B: Backend> {
    pub self_attn: BartAttention<B>,
    pub self_attn_layer_norm: LayerNorm<B>,
    pub encoder_attn: Option<BartAttention<B>>,
    pub encoder_attn_layer_norm: Option<LayerNorm<B>>,
    pub fc1: Linear<B>,
    pub fc2: Linear<B>,
    pub final_layer_norm: LayerNorm<B>,
    pub dropout: Dropout,
    pub activation_dropout: Dropout,
    #[module(skip)]
    pub activation: Activation,
}

impl<B: Backend> BartLayer<B> {
    fn new(config: &BartConfig, is_decoder: bool, device: &B::Device) -> Self {
        let d = config.d_model;
        let (heads, ffn) = if is_decoder {
            (config.decoder_attention_heads, config.decoder_ffn_dim)
        } else {
            (config.encoder_attention_heads, config.encoder_ffn_dim)
        };
        let attention = || BartAttention::new(d, heads, config.attention_dropout, device);
        Self {
            self_attn: attention(),
            self_attn_layer_norm: norm(d, device),
            encoder_attn: is_decoder.then(attention),
            encoder_attn_layer_norm: is_decoder.then(|| norm(d, device)),
            fc1: LinearConfig::new(d, ffn).init(device),
            fc2: LinearConfig::new(ffn, d).init(device),
            final_layer_norm: norm(d, device),
            dropout: Dropout::new(config.dropout),
            activation_dropout: Dropout::new(config.activation_dropout),
            activation: config.activation,
        }
    }

    /// The layer over `x`; `cross` gives the decoder's cross-attention keys and values with
    /// their mask.
    pub(crate) fn forward(
        &self,
        x: Tensor<B, 3>,
        self_keys: SelfKeys<'_, B>,
        self_bias: Tensor<B, 4>,
        cross: Option<(KeysValues<B>, Tensor<B, 4>)>,
    ) -> Tensor<B, 3> {
        let kv = self.self_attn.keys_values(x.clone());
        let kv = match self_keys {
            SelfKeys::Fresh => kv,
            SelfKeys::Cached(cache, layer) => cache.extend(layer, kv.0, kv.1),
        };
        let attended = self.self_attn.attend(x.clone(), kv, self_bias);
        let mut x = self
            .self_attn_layer_norm
            .forward(x + self.dropout.forward(attended));
        if let (Some(attention), Some(norm), Some((kv, bias))) =
            (&self.encoder_attn, &self.encoder_attn_layer_norm, cross)
        {
            let attended = attention.attend(x.clone(), kv, bias);
            x = norm.forward(x + self.dropout.forward(attended));
        }
        let hidden = activate(self.activation, linear_tokens(&self.fc1, x.clone()));
        let out = linear_tokens(&self.fc2, self.activation_dropout.forward(hidden));
        self.final_layer_norm.forward(x + self.dropout.forward(out))
    }
}

/// `BartEncoder` / `BartDecoder` without the token table (held by [`BartModel`]).
#[derive(Module, Debug)]
pub struct BartStack<B: Backend> {
    pub embed_positions: Embedding<B>,
    pub layernorm_embedding: LayerNorm<B>,
    pub layers: Vec<BartLayer<B>>,
    pub dropout: Dropout,
    #[module(skip)]
    pub is_decoder: bool,
}

impl<B: Backend> BartStack<B> {
    fn new(config: &BartConfig, is_decoder: bool, device: &B::Device) -> Self {
        let layers = if is_decoder {
            config.decoder_layers
        } else {
            config.encoder_layers
        };
        Self {
            embed_positions: EmbeddingConfig::new(
                config.max_position_embeddings + POSITION_OFFSET,
                config.d_model,
            )
            .init(device),
            layernorm_embedding: norm(config.d_model, device),
            layers: (0..layers)
                .map(|_| BartLayer::new(config, is_decoder, device))
                .collect(),
            dropout: Dropout::new(config.dropout),
            is_decoder,
        }
    }

    /// The stack's output for `tokens` (scaled token embeddings `[rows, n, d]`) with
    /// `attention_mask` `[rows, n]`; the decoder also attends causally and over `encoder`.
    fn forward(
        &self,
        tokens: Tensor<B, 3>,
        attention_mask: Tensor<B, 2, Int>,
        encoder: Option<(Tensor<B, 3>, Tensor<B, 2, Int>)>,
    ) -> Tensor<B, 3> {
        let [rows, n, _] = tokens.dims();
        let device = tokens.device();
        let mut x = self.embed(tokens, 0);
        let heads = self.layers.first().map_or(1, |l| l.self_attn.num_heads);
        let shape = [rows, heads, n, n];
        let mut self_bias = padding_bias(attention_mask, heads).expand(shape);
        if self.is_decoder {
            self_bias =
                self_bias.mask_fill(causal(n, n, &device).bool_not().expand(shape), f32::MIN);
        }
        let cross = encoder.map(|(states, mask)| {
            let keys = states.dims()[1];
            let bias = padding_bias(mask, heads).expand([rows, heads, n, keys]);
            (states, bias)
        });
        for layer in &self.layers {
            let cross = match (&cross, &layer.encoder_attn) {
                (Some((states, bias)), Some(attention)) => {
                    Some((attention.keys_values(states.clone()), bias.clone()))
                }
                _ => None,
            };
            x = layer.forward(x, SelfKeys::Fresh, self_bias.clone(), cross);
        }
        x
    }

    /// Token embeddings plus the positions `past..past + n`, normalised (and dropped out).
    pub(crate) fn embed(&self, tokens: Tensor<B, 3>, past: usize) -> Tensor<B, 3> {
        let [rows, n, d] = tokens.dims();
        let first = (past + POSITION_OFFSET) as i64;
        let positions =
            Tensor::<B, 1, Int>::arange(first..first + n as i64, &tokens.device()).reshape([1, n]);
        let positions = self.embed_positions.forward(positions).expand([rows, n, d]);
        self.dropout
            .forward(self.layernorm_embedding.forward(tokens + positions))
    }
}

/// `BartModel`: the shared token table and both stacks.
#[derive(Module, Debug)]
pub struct BartModel<B: Backend> {
    pub shared: Embedding<B>,
    pub encoder: BartStack<B>,
    pub decoder: BartStack<B>,
    /// `sqrt(d_model)` with `scale_embedding`, else 1.
    #[module(skip)]
    pub embed_scale: f64,
}

impl<B: Backend> BartModel<B> {
    /// The (scaled) token embeddings of `ids`.
    pub(crate) fn embed(&self, ids: Tensor<B, 2, Int>) -> Tensor<B, 3> {
        let tokens = self.shared.forward(ids);
        if self.embed_scale == 1.0 {
            tokens
        } else {
            tokens.mul_scalar(self.embed_scale)
        }
    }
}

/// The model `transformers` calls `BartForConditionalGeneration`.
#[derive(Module, Debug)]
pub struct BartForConditionalGeneration<B: Backend> {
    pub model: BartModel<B>,
    /// Added to every logit row; a buffer in PyTorch, so it is not trained here either.
    pub final_logits_bias: Param<Tensor<B, 2>>,
    #[module(skip)]
    pub decoder_start_token_id: u32,
    #[module(skip)]
    pub pad_token_id: u32,
}

impl<B: Backend> BartForConditionalGeneration<B> {
    /// The LM head over decoder outputs `[rows, d]`: the shared table, plus the bias.
    pub(crate) fn logits(&self, hidden: Tensor<B, 2>) -> Tensor<B, 2> {
        hidden.matmul(self.model.shared.weight.val().transpose()) + self.final_logits_bias.val()
    }

    /// A randomly initialised model of `config`'s shapes (`final_logits_bias` zero).
    pub fn new(config: &BartConfig, device: &B::Device) -> Self {
        Self {
            model: BartModel {
                shared: EmbeddingConfig::new(config.vocab_size, config.d_model).init(device),
                encoder: BartStack::new(config, false, device),
                decoder: BartStack::new(config, true, device),
                embed_scale: if config.scale_embedding {
                    (config.d_model as f64).sqrt()
                } else {
                    1.0
                },
            },
            final_logits_bias: Param::from_tensor(Tensor::zeros([1, config.vocab_size], device))
                .set_require_grad(false),
            decoder_start_token_id: config.decoder_start_token_id,
            pad_token_id: config.pad_token_id,
        }
    }
}

impl<B: Backend> EncoderDecoder<B> for BartForConditionalGeneration<B> {
    /// The encoder's output `[rows, n, d]` for right-padded `input_ids` `[rows, n]`.
    fn encode(
        &self,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> Tensor<B, 3> {
        self.model
            .encoder
            .forward(self.model.embed(input_ids), attention_mask, None)
    }

    /// Logits `[rows, m, vocab]` of `decoder_input_ids` over an encoded input.
    fn decode(
        &self,
        decoder_input_ids: Tensor<B, 2, Int>,
        encoded: Tensor<B, 3>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> Tensor<B, 3> {
        let [rows, m] = decoder_input_ids.dims();
        let decoder_mask = Tensor::<B, 2, Int>::ones([rows, m], &decoder_input_ids.device());
        let hidden = self.model.decoder.forward(
            self.model.embed(decoder_input_ids),
            decoder_mask,
            Some((encoded, attention_mask)),
        );
        let [_, _, d] = hidden.dims();
        let logits = self.logits(hidden.reshape([rows * m, d]));
        let [_, vocab] = logits.dims();
        logits.reshape([rows, m, vocab])
    }

    fn decoder_start_token_id(&self) -> u32 {
        self.decoder_start_token_id
    }

    fn pad_token_id(&self) -> u32 {
        self.pad_token_id
    }
}

/// A `BartForConditionalGeneration` from `dir` (`config.json` and safetensors weights). Every
/// weight must be there but `final_logits_bias`, which `transformers` also lets be missing
/// (it is zero then).
pub fn load_bart<B: Backend>(
    dir: &Path,
    device: &B::Device,
) -> Result<(BartForConditionalGeneration<B>, BartConfig, LoadReport), ModelError> {
    load_bart_configured(dir, &crate::read_config(dir)?, device)
}

/// [`load_bart`] with `json` as its `config.json` (the file's keys with the task's `config`
/// overrides laid over them).
pub fn load_bart_configured<B: Backend>(
    dir: &Path,
    json: &Value,
    device: &B::Device,
) -> Result<(BartForConditionalGeneration<B>, BartConfig, LoadReport), ModelError> {
    let path = dir.join(CONFIG_FILE);
    let config = BartConfig::from_hf(&HfConfig::new(&path, json)?)?;
    config.validate(&path)?;
    let model = BartForConditionalGeneration::new(&config, device);
    let (model, mut report) = load_into(model, &Checkpoint::open(dir)?, &BartNames)?;
    report.missing.retain(|(_, hf)| hf != "final_logits_bias");
    let report = report.complete("the BART model")?;
    Ok((model, config, report))
}

/// Write `model` into `dir` as `transformers` saves a `BartForConditionalGeneration`:
/// `model.safetensors` (the shared table once, the tied copies left out, `final_logits_bias`
/// included) and `hf_config` (the `config.json` it was loaded with) naming the class.
pub fn save_bart<B: Backend>(
    model: &BartForConditionalGeneration<B>,
    hf_config: &Value,
    dir: &Path,
) -> Result<(), ModelError> {
    let updates = [
        (
            "architectures",
            Value::from(vec!["BartForConditionalGeneration"]),
        ),
        (
            "vocab_size",
            Value::from(model.model.shared.weight.dims()[0]),
        ),
    ];
    crate::save_hf_model(model, &BartNames, false, hf_config, updates, dir)
}

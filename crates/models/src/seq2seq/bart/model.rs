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
use super::{BartConfig, BartFlavor, BartNames};
use crate::config::{Activation, HfConfig};
use crate::layers::{activate, linear_tokens};
use crate::seq2seq::masks::{causal, padding_bias};
use crate::seq2seq::{EncoderDecoder, shift_right};
use crate::{Dropout, ModelError};

/// Marian's fixed positions `[rows, d]`: `sin(p / 10000^(2k/d))` in the first `ceil(d/2)`
/// columns, `cos` of the same angles in the rest (not interleaved), computed in f64 as
/// `transformers` does with numpy, then rounded to f32.
fn sinusoidal<B: Backend>(rows: usize, d: usize, device: &B::Device) -> Tensor<B, 2> {
    let sines = d.div_ceil(2);
    let mut table = Vec::with_capacity(rows * d);
    for p in 0..rows {
        let angle = |k: usize| p as f64 / 10000f64.powf((2 * k) as f64 / d as f64);
        table.extend((0..sines).map(|k| angle(k).sin() as f32));
        table.extend((0..d - sines).map(|k| angle(k).cos() as f32));
    }
    Tensor::from_data(burn::tensor::TensorData::new(table, [rows, d]), device)
}

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

/// One layer (`BartEncoderLayer`, or `BartDecoderLayer` with the cross-attention), post- or
/// pre-LayerNorm by flavor.
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
    /// mBART's pre-LayerNorm order.
    #[module(skip)]
    pub normalize_before: bool,
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
            normalize_before: config.flavor.normalize_before(),
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
        // Pre-LayerNorm (mBART): each sub-layer reads its normalised input and adds to the raw
        // residual. Post-LayerNorm (BART, Marian): it reads the raw input and the sum is
        // normalised.
        let pre = |norm: &LayerNorm<B>, x: &Tensor<B, 3>| {
            if self.normalize_before {
                norm.forward(x.clone())
            } else {
                x.clone()
            }
        };
        let post = |norm: &LayerNorm<B>, x: Tensor<B, 3>| {
            if self.normalize_before {
                x
            } else {
                norm.forward(x)
            }
        };
        let input = pre(&self.self_attn_layer_norm, &x);
        let kv = self.self_attn.keys_values(input.clone());
        let kv = match self_keys {
            SelfKeys::Fresh => kv,
            SelfKeys::Cached(cache, layer) => cache.extend(layer, kv.0, kv.1),
        };
        let attended = self.self_attn.attend(input, kv, self_bias);
        let mut x = post(
            &self.self_attn_layer_norm,
            x + self.dropout.forward(attended),
        );
        if let (Some(attention), Some(norm), Some((kv, bias))) =
            (&self.encoder_attn, &self.encoder_attn_layer_norm, cross)
        {
            let attended = attention.attend(pre(norm, &x), kv, bias);
            x = post(norm, x + self.dropout.forward(attended));
        }
        let input = pre(&self.final_layer_norm, &x);
        let hidden = activate(self.activation, linear_tokens(&self.fc1, input));
        let out = linear_tokens(&self.fc2, self.activation_dropout.forward(hidden));
        post(&self.final_layer_norm, x + self.dropout.forward(out))
    }
}

/// `BartEncoder` / `BartDecoder` (and mBART's, Marian's) without the token table (held by
/// [`BartModel`]).
#[derive(Module, Debug)]
pub struct BartStack<B: Backend> {
    /// Learned (BART, mBART: row `p + 2` for position `p`) or fixed sinusoidal (Marian: row
    /// `p`, not trained).
    pub embed_positions: Embedding<B>,
    /// After the embeddings (BART, mBART; Marian has none).
    pub layernorm_embedding: Option<LayerNorm<B>>,
    pub layers: Vec<BartLayer<B>>,
    /// After the last layer (mBART only).
    pub layer_norm: Option<LayerNorm<B>>,
    pub dropout: Dropout,
    #[module(skip)]
    pub is_decoder: bool,
    #[module(skip)]
    pub position_offset: usize,
}

impl<B: Backend> BartStack<B> {
    fn new(config: &BartConfig, is_decoder: bool, device: &B::Device) -> Self {
        let layers = if is_decoder {
            config.decoder_layers
        } else {
            config.encoder_layers
        };
        let (d, flavor) = (config.d_model, config.flavor);
        let offset = flavor.position_offset();
        let rows = config.max_position_embeddings + offset;
        let mut embed_positions = EmbeddingConfig::new(rows, d).init(device);
        if flavor == BartFlavor::Marian {
            embed_positions.weight =
                Param::from_tensor(sinusoidal(rows, d, device)).set_require_grad(false);
        }
        Self {
            embed_positions,
            layernorm_embedding: (flavor != BartFlavor::Marian).then(|| norm(d, device)),
            layers: (0..layers)
                .map(|_| BartLayer::new(config, is_decoder, device))
                .collect(),
            layer_norm: (flavor == BartFlavor::MBart).then(|| norm(d, device)),
            dropout: Dropout::new(config.dropout),
            is_decoder,
            position_offset: offset,
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
        self.finish(x)
    }

    /// The last layer's output through the final LayerNorm, where the flavor has one.
    pub(crate) fn finish(&self, x: Tensor<B, 3>) -> Tensor<B, 3> {
        match &self.layer_norm {
            Some(norm) => norm.forward(x),
            None => x,
        }
    }

    /// Token embeddings plus the positions `past..past + n`, normalised where the flavor says
    /// (and dropped out).
    pub(crate) fn embed(&self, tokens: Tensor<B, 3>, past: usize) -> Tensor<B, 3> {
        let [rows, n, d] = tokens.dims();
        let first = (past + self.position_offset) as i64;
        let positions =
            Tensor::<B, 1, Int>::arange(first..first + n as i64, &tokens.device()).reshape([1, n]);
        let x = tokens + self.embed_positions.forward(positions).expand([rows, n, d]);
        let x = match &self.layernorm_embedding {
            Some(norm) => norm.forward(x),
            None => x,
        };
        self.dropout.forward(x)
    }

    /// Positions this stack can embed.
    pub(crate) fn max_positions(&self) -> usize {
        self.embed_positions.weight.dims()[0] - self.position_offset
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
    /// The id whose row the lookup does not train (`nn.Embedding`'s `padding_idx`), where it
    /// matters: Marian's decoder starts from the padding token, which BART's masks never let
    /// reach the loss.
    #[module(skip)]
    pub frozen_row: Option<u32>,
}

impl<B: Backend> BartModel<B> {
    /// The (scaled) token embeddings of `ids`.
    pub(crate) fn embed(&self, ids: Tensor<B, 2, Int>) -> Tensor<B, 3> {
        let mut tokens = self.shared.forward(ids.clone());
        if let Some(row) = self.frozen_row {
            let [rows, n, d] = tokens.dims();
            let frozen = ids
                .equal_elem(row as i64)
                .reshape([rows, n, 1])
                .expand([rows, n, d]);
            tokens = tokens.clone().mask_where(frozen, tokens.detach());
        }
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
    #[module(skip)]
    pub flavor: BartFlavor,
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
                frozen_row: (config.decoder_start_token_id == config.pad_token_id)
                    .then_some(config.pad_token_id),
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
            flavor: config.flavor,
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

    /// mBART's labels end in their language code, which becomes the decoder's first input
    /// ([`shift_wrapping_last`]); BART and Marian start from `decoder_start_token_id`.
    fn decoder_inputs(&self, labels: Tensor<B, 2, Int>) -> Tensor<B, 2, Int> {
        match self.flavor {
            BartFlavor::MBart => shift_wrapping_last(labels, self.pad_token_id),
            _ => shift_right(labels, self.decoder_start_token_id, self.pad_token_id),
        }
    }
}

/// mBART's `shift_tokens_right`: `labels` `[rows, m]` shifted one position right behind each
/// row's last token that is not padding (its language code), −100 replaced by `pad`.
pub fn shift_wrapping_last<B: Backend>(labels: Tensor<B, 2, Int>, pad: u32) -> Tensor<B, 2, Int> {
    let [rows, m] = labels.dims();
    let ignored = labels.clone().equal_elem(-100);
    let tokens = labels.mask_fill(ignored, pad as i64);
    let kept = tokens
        .clone()
        .equal_elem(pad as i64)
        .bool_not()
        .int()
        .sum_dim(1);
    let last = (kept - 1).clamp_min(0);
    let first = tokens.clone().gather(1, last);
    Tensor::cat(vec![first, tokens.slice([0..rows, 0..m - 1])], 1)
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
    // Both are computed when missing, as in `transformers`: the bias is zero, and Marian's
    // positions (which `transformers` does not save) are the sinusoids.
    let marian = config.flavor == BartFlavor::Marian;
    report.missing.retain(|(_, hf)| {
        hf != "final_logits_bias" && !(marian && hf.ends_with("embed_positions.weight"))
    });
    let report = report.complete(match config.flavor {
        BartFlavor::Bart => "the BART model",
        BartFlavor::MBart => "the mBART model",
        BartFlavor::Marian => "the Marian model",
    })?;
    Ok((model, config, report))
}

/// Write `model` into `dir` as `transformers` saves a `BartForConditionalGeneration` (or
/// `MBartForConditionalGeneration`, `MarianMTModel`): `model.safetensors` (the shared table
/// once, the tied copies left out, `final_logits_bias` included; Marian's fixed positions too,
/// which `transformers` loads as they are) and `hf_config` (the `config.json` it was loaded
/// with) naming the class.
pub fn save_bart<B: Backend>(
    model: &BartForConditionalGeneration<B>,
    hf_config: &Value,
    dir: &Path,
) -> Result<(), ModelError> {
    let updates = [
        (
            "architectures",
            Value::from(vec![model.flavor.class_name()]),
        ),
        (
            "vocab_size",
            Value::from(model.model.shared.weight.dims()[0]),
        ),
    ];
    crate::save_hf_model(model, &BartNames, false, hf_config, updates, dir)
}

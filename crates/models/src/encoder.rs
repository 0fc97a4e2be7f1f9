//! The BERT-family encoder: embeddings, optional projection, a stack of (possibly shared)
//! post-LayerNorm layers, and an optional pooler.

use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::{Int, Tensor, backend::Backend};

use crate::config::{EncoderConfig, PositionIds};
use crate::dropout::Dropout;
use crate::layers::EncoderLayer;

/// Word, position and token-type embeddings, summed, normalised and dropped out.
///
/// PyTorch's `nn.Embedding(padding_idx=…)` never updates the padding row. Burn's embedding has
/// no such option, so the lookups at padding positions are detached from the graph: the
/// forward values are unchanged and the padding rows get no gradient, as in `transformers`.
#[derive(Module, Debug)]
pub struct Embeddings<B: Backend> {
    pub word_embeddings: Embedding<B>,
    pub position_embeddings: Embedding<B>,
    pub token_type_embeddings: Option<Embedding<B>>,
    pub norm: LayerNorm<B>,
    pub dropout: Dropout,
    /// `padding_idx` of the word embeddings.
    #[module(skip)]
    pub pad_token_id: i64,
    /// `padding_idx` of the position embeddings (RoBERTa family only).
    #[module(skip)]
    pub position_padding_idx: Option<i64>,
}

/// Look up `ids` in `table`, detaching the rows looked up for `padding_idx`.
fn lookup_without_padding_grad<B: Backend>(
    table: &Embedding<B>,
    ids: Tensor<B, 2, Int>,
    padding_idx: Option<i64>,
) -> Tensor<B, 3> {
    let embedded = table.forward(ids.clone());
    match padding_idx {
        Some(pad) if B::ad_enabled(&embedded.device()) => {
            let [batch, seq, width] = embedded.dims();
            let is_pad = ids
                .equal_elem(pad)
                .reshape([batch, seq, 1])
                .expand([batch, seq, width]);
            embedded.clone().mask_where(is_pad, embedded.detach())
        }
        _ => embedded,
    }
}

impl<B: Backend> Embeddings<B> {
    pub fn new(config: &EncoderConfig, device: &B::Device) -> Self {
        let e = config.embedding_size;
        Self {
            word_embeddings: EmbeddingConfig::new(config.vocab_size, e).init(device),
            position_embeddings: EmbeddingConfig::new(config.max_position_embeddings, e)
                .init(device),
            token_type_embeddings: (config.type_vocab_size > 0)
                .then(|| EmbeddingConfig::new(config.type_vocab_size, e).init(device)),
            norm: LayerNormConfig::new(e)
                .with_epsilon(config.layer_norm_eps)
                .init(device),
            dropout: Dropout::new(config.hidden_dropout),
            pad_token_id: config.pad_token_id,
            position_padding_idx: match config.position_ids {
                PositionIds::PaddingOffset { padding_idx } => Some(padding_idx),
                PositionIds::Absolute => None,
            },
        }
    }

    pub fn forward(
        &self,
        input_ids: Tensor<B, 2, Int>,
        position_ids: Tensor<B, 2, Int>,
        token_type_ids: Option<Tensor<B, 2, Int>>,
    ) -> Tensor<B, 3> {
        let mut x = lookup_without_padding_grad(
            &self.word_embeddings,
            input_ids.clone(),
            Some(self.pad_token_id),
        ) + lookup_without_padding_grad(
            &self.position_embeddings,
            position_ids,
            self.position_padding_idx,
        );
        if let Some(table) = &self.token_type_embeddings {
            let types = token_type_ids.unwrap_or_else(|| input_ids.zeros_like());
            x = x + table.forward(types);
        }
        self.dropout.forward(self.norm.forward(x))
    }
}

/// Dense + tanh over the first token's hidden state.
#[derive(Module, Debug)]
pub struct Pooler<B: Backend> {
    pub dense: Linear<B>,
}

impl<B: Backend> Pooler<B> {
    pub fn forward(&self, hidden: Tensor<B, 3>) -> Tensor<B, 2> {
        let [batch, _, width] = hidden.dims();
        let first = hidden.slice([0..batch, 0..1]).reshape([batch, width]);
        self.dense.forward(first).tanh()
    }
}

/// Inputs to [`Encoder::forward`], all `[batch, seq]`.
#[derive(Debug, Clone)]
pub struct EncoderInput<B: Backend> {
    pub input_ids: Tensor<B, 2, Int>,
    /// 1 for real tokens, 0 for padding.
    pub attention_mask: Tensor<B, 2, Int>,
    /// Segment ids; zeros when absent. Ignored by architectures without token types.
    pub token_type_ids: Option<Tensor<B, 2, Int>>,
    /// Explicit position ids; derived from the input as the architecture does when absent.
    pub position_ids: Option<Tensor<B, 2, Int>>,
}

impl<B: Backend> EncoderInput<B> {
    /// One batch from rows of token ids, each padded with `pad_id` to the longest row (mask 0
    /// there). Segment ids come from `type_ids` (one row per id row; zeros when `None`) and are
    /// only passed when `with_types` (the architecture uses them).
    pub fn from_rows(
        ids: &[&[i64]],
        type_ids: Option<&[&[i64]]>,
        pad_id: i64,
        with_types: bool,
        device: &B::Device,
    ) -> Self {
        let rows = ids.len();
        let seq = ids.iter().map(|r| r.len()).max().unwrap_or(0);
        let mut flat = vec![pad_id; rows * seq];
        let mut mask = vec![0i64; rows * seq];
        let mut types = vec![0i64; if with_types { rows * seq } else { 0 }];
        for (row, ids) in ids.iter().enumerate() {
            let span = row * seq..row * seq + ids.len();
            flat[span.clone()].copy_from_slice(ids);
            mask[span.clone()].fill(1);
            if let (true, Some(type_ids)) = (with_types, type_ids) {
                types[span].copy_from_slice(&type_ids[row][..ids.len()]);
            }
        }
        let tensor =
            |values: &[i64]| Tensor::<B, 1, Int>::from_ints(values, device).reshape([rows, seq]);
        Self {
            input_ids: tensor(&flat),
            attention_mask: tensor(&mask),
            token_type_ids: with_types.then(|| tensor(&types)),
            position_ids: None,
        }
    }

    /// Tensors from a tokenised batch.
    pub fn from_batch(batch: &st_core::tokenizer::Batch, device: &B::Device) -> Self {
        let shape = [batch.batch_size, batch.seq_len];
        let tensor = |values: &[i64]| Tensor::<B, 1, Int>::from_ints(values, device).reshape(shape);
        Self {
            input_ids: tensor(&batch.input_ids),
            attention_mask: tensor(&batch.attention_mask),
            token_type_ids: Some(tensor(&batch.token_type_ids)),
            position_ids: None,
        }
    }
}

/// Outputs of [`Encoder::forward`].
#[derive(Debug, Clone)]
pub struct EncoderOutput<B: Backend> {
    /// `[batch, seq, hidden]`.
    pub last_hidden_state: Tensor<B, 3>,
    /// `[batch, hidden]`, when the model has a pooler.
    pub pooler_output: Option<Tensor<B, 2>>,
}

/// A BERT-family encoder.
#[derive(Module, Debug)]
pub struct Encoder<B: Backend> {
    pub embeddings: Embeddings<B>,
    /// Embedding-to-hidden projection (ELECTRA `embeddings_project`, ALBERT
    /// `embedding_hidden_mapping_in`).
    pub projection: Option<Linear<B>>,
    pub layers: Vec<EncoderLayer<B>>,
    pub pooler: Option<Pooler<B>>,
    /// Index into `layers` for each step of the forward pass (ALBERT shares layers).
    #[module(skip)]
    pub schedule: Vec<usize>,
    #[module(skip)]
    pub position_ids: PositionIds,
}

impl<B: Backend> Encoder<B> {
    /// A randomly initialised encoder with the configuration's shapes.
    pub fn new(config: &EncoderConfig, device: &B::Device) -> Self {
        Self {
            embeddings: Embeddings::new(config, device),
            projection: config
                .has_projection()
                .then(|| LinearConfig::new(config.embedding_size, config.hidden_size).init(device)),
            layers: (0..config.stored_layers())
                .map(|_| EncoderLayer::new(config, device))
                .collect(),
            pooler: config.has_pooler.then(|| Pooler {
                dense: LinearConfig::new(config.hidden_size, config.hidden_size).init(device),
            }),
            schedule: config.layer_schedule(),
            position_ids: config.position_ids,
        }
    }

    /// Grow the word embeddings to `vocab_size` rows, for tokens added to the tokenizer
    /// (transformers' `resize_token_embeddings`). Existing rows are kept; each new row starts
    /// at the mean of the existing ones. transformers (`mean_resizing`, its default) samples
    /// new rows from a normal around that mean with covariance 1e-9·Σ, a spread far below
    /// anything training notices, so we start exactly at the mean and stay deterministic.
    /// A `vocab_size` not above the current one changes nothing: rows are never dropped.
    pub fn resize_token_embeddings(mut self, vocab_size: usize) -> Self {
        crate::layers::grow_embedding(&mut self.embeddings.word_embeddings, vocab_size);
        self
    }

    /// Hidden size of the outputs.
    pub fn hidden_size(&self) -> usize {
        self.layers
            .first()
            .map(|l| l.output.weight.dims()[1])
            .unwrap_or(0)
    }

    /// Run the encoder.
    pub fn forward(&self, input: EncoderInput<B>) -> EncoderOutput<B> {
        let position_ids = input
            .position_ids
            .unwrap_or_else(|| self.derive_position_ids(&input.input_ids));
        let mut x = self
            .embeddings
            .forward(input.input_ids, position_ids, input.token_type_ids);
        if let Some(projection) = &self.projection {
            x = crate::layers::linear_tokens(projection, x);
        }
        self.encode_embedded(x, input.attention_mask)
    }

    /// The layers and pooler over embeddings already made (`[batch, seq, hidden]`), with
    /// `attention_mask` `[batch, seq]` (1 attended, 0 padding): what MMBT runs over image
    /// embeddings prepended to the text's.
    pub fn encode_embedded(
        &self,
        mut x: Tensor<B, 3>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> EncoderOutput<B> {
        let [batch, seq, _] = x.dims();
        // Additive mask: 0 where attended, the most negative float where padded, as
        // transformers does. Built once at the scores' full shape [batch, heads, seq, seq]:
        // added as a [batch, 1, 1, seq] broadcast in every layer, it took the CPU backend's
        // slow strided path.
        let heads = self.layers.first().map_or(1, |l| l.attention.num_heads);
        let shape = [batch, heads, seq, seq];
        let padded = attention_mask
            .equal_elem(0)
            .reshape([batch, 1, 1, seq])
            .expand(shape);
        let mask = Tensor::<B, 4>::zeros(shape, &x.device()).mask_fill(padded, f32::MIN);
        for &index in &self.schedule {
            x = self.layers[index].forward(x, mask.clone());
        }
        let pooler_output = self.pooler.as_ref().map(|p| p.forward(x.clone()));
        EncoderOutput {
            last_hidden_state: x,
            pooler_output,
        }
    }

    fn derive_position_ids(&self, input_ids: &Tensor<B, 2, Int>) -> Tensor<B, 2, Int> {
        let [batch, seq] = input_ids.dims();
        let device = input_ids.device();
        match self.position_ids {
            PositionIds::Absolute => Tensor::<B, 1, Int>::arange(0..seq as i64, &device)
                .reshape([1, seq])
                .expand([batch, seq]),
            PositionIds::PaddingOffset { padding_idx } => {
                let real = input_ids.clone().not_equal_elem(padding_idx).int();
                real.clone().cumsum(1) * real + padding_idx
            }
        }
    }
}

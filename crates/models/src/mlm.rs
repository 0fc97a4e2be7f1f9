//! Masked-language-model heads as `transformers` builds them on each encoder: a dense layer
//! from the hidden size to the embedding width, an activation, a LayerNorm, and a decoder onto
//! the vocabulary whose weight is the word-embedding table (tied) plus its own bias.
//!
//! | layout | class | dense | LayerNorm | decoder weight (tied) | bias | activation |
//! |---|---|---|---|---|---|---|
//! | `Bert` | `BertForMaskedLM` | `cls.predictions.transform.dense` | `cls.predictions.transform.LayerNorm` | `cls.predictions.decoder.weight` | `cls.predictions.bias` | `hidden_act` |
//! | `Roberta` (xlm-roberta, camembert) | `RobertaForMaskedLM` | `lm_head.dense` | `lm_head.layer_norm` | `lm_head.decoder.weight` | `lm_head.bias` | exact GELU |
//! | `DistilBert` | `DistilBertForMaskedLM` | `vocab_transform` | `vocab_layer_norm` | `vocab_projector.weight` | `vocab_projector.bias` | `activation` |
//! | `Albert` | `AlbertForMaskedLM` | `predictions.dense` | `predictions.LayerNorm` | `predictions.decoder.weight` | `predictions.bias` | `hidden_act` |
//! | `ElectraGenerator` | `ElectraForMaskedLM` | `generator_predictions.dense` | `generator_predictions.LayerNorm` | `generator_lm_head.weight` | `generator_lm_head.bias` | exact GELU |
//!
//! Burn paths inside the head: `dense.*`, `norm.*`, `bias`, and `decoder` only when the
//! configuration unties it (`tie_word_embeddings: false`). The dense layer maps `hidden_size`
//! to `embedding_size` (equal for BERT, RoBERTa and DistilBERT; ALBERT and ELECTRA project
//! down to their smaller embeddings). A tied decoder is not stored: `transformers` saves tied
//! weights once, under the embeddings' name, and ties them again on load.

use burn::module::{Module, Param};
use burn::nn::{LayerNorm, LayerNormConfig, Linear};
use burn::tensor::{Int, Tensor, backend::Backend};
use serde_json::Value;

use crate::config::{Activation, EncoderConfig};
use crate::heads::HeadNames;
use crate::layers::{activate, hf_linear, linear_tokens};
use crate::task::{EncoderWithHead, Head};
use crate::{EncoderInput, EncoderOutput};

/// Which of `transformers`' masked-LM heads an architecture has (see the module table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MlmLayout {
    Bert,
    Roberta,
    DistilBert,
    Albert,
    ElectraGenerator,
}

impl MlmLayout {
    /// The head's activation for an encoder of `config`: RoBERTa's and ELECTRA's heads use
    /// exact GELU whatever the configuration says, the others the encoder's own.
    pub fn activation(self, config: &EncoderConfig) -> Activation {
        match self {
            Self::Roberta | Self::ElectraGenerator => Activation::Gelu,
            Self::Bert | Self::DistilBert | Self::Albert => config.activation,
        }
    }

    /// Hugging Face name prefixes: (dense, LayerNorm, decoder, bias).
    fn names(self) -> [&'static str; 4] {
        match self {
            Self::Bert => [
                "cls.predictions.transform.dense",
                "cls.predictions.transform.LayerNorm",
                "cls.predictions.decoder.weight",
                "cls.predictions.bias",
            ],
            Self::Roberta => [
                "lm_head.dense",
                "lm_head.layer_norm",
                "lm_head.decoder.weight",
                "lm_head.bias",
            ],
            Self::DistilBert => [
                "vocab_transform",
                "vocab_layer_norm",
                "vocab_projector.weight",
                "vocab_projector.bias",
            ],
            Self::Albert => [
                "predictions.dense",
                "predictions.LayerNorm",
                "predictions.decoder.weight",
                "predictions.bias",
            ],
            Self::ElectraGenerator => [
                "generator_predictions.dense",
                "generator_predictions.LayerNorm",
                "generator_lm_head.weight",
                "generator_lm_head.bias",
            ],
        }
    }
}

impl HeadNames for MlmLayout {
    fn hf_name(&self, path: &str) -> String {
        let [dense, norm, decoder, bias] = self.names();
        match path {
            "decoder" => decoder.to_string(),
            "bias" => bias.to_string(),
            _ => match path.split_once('.') {
                Some(("dense", param)) => format!("{dense}.{param}"),
                Some(("norm", param)) => format!("{norm}.{param}"),
                _ => path.to_string(),
            },
        }
    }
}

/// Whether a configuration ties the decoder to the word embeddings (`tie_word_embeddings`,
/// true unless it says otherwise).
pub fn ties_word_embeddings(config: &Value) -> bool {
    config
        .get("tie_word_embeddings")
        .and_then(Value::as_bool)
        .unwrap_or(true)
}

/// A masked-LM head (see the module docs). Its [`Head::forward`] gives the transformed hidden
/// states; [`MaskedLm::logits`] applies the decoder, which needs the encoder's embeddings.
#[derive(Module, Debug)]
pub struct MlmHead<B: Backend> {
    pub dense: Linear<B>,
    pub norm: LayerNorm<B>,
    /// `[vocab, embedding_size]`, only when untied.
    pub decoder: Option<Param<Tensor<B, 2>>>,
    pub bias: Param<Tensor<B, 1>>,
    #[module(skip)]
    pub activation: Activation,
    #[module(skip)]
    pub layout: MlmLayout,
}

impl<B: Backend> MlmHead<B> {
    /// A new head for an encoder of `config`, initialised as `transformers` initialises a
    /// missing one: N(0, `std`) dense weight, zero biases, LayerNorm ones and zeros; a decoder
    /// of its own only when `tied` is false.
    pub fn new(
        layout: MlmLayout,
        config: &EncoderConfig,
        tied: bool,
        std: f64,
        device: &B::Device,
    ) -> Self {
        let (hidden, width, vocab) = (config.hidden_size, config.embedding_size, config.vocab_size);
        Self {
            dense: hf_linear(hidden, width, std, device),
            norm: LayerNormConfig::new(width)
                .with_epsilon(config.layer_norm_eps)
                .init(device),
            decoder: (!tied).then(|| {
                Param::from_tensor(Tensor::random(
                    [vocab, width],
                    burn::tensor::Distribution::Normal(0.0, std),
                    device,
                ))
            }),
            bias: Param::from_tensor(Tensor::zeros([vocab], device)),
            activation: layout.activation(config),
            layout,
        }
    }

    /// dense → activation → LayerNorm over `[batch, seq, hidden]`.
    fn transform(&self, hidden: Tensor<B, 3>) -> Tensor<B, 3> {
        let x = activate(self.activation, linear_tokens(&self.dense, hidden));
        self.norm.forward(x)
    }
}

impl<B: Backend> Head<B> for MlmHead<B> {
    /// The transformed hidden states `[batch, seq, embedding_size]`, before the decoder.
    type Output = Tensor<B, 3>;

    fn forward(&self, encoded: EncoderOutput<B>) -> Tensor<B, 3> {
        self.transform(encoded.last_hidden_state)
    }

    fn names(&self) -> Box<dyn HeadNames> {
        Box::new(self.layout)
    }
}

/// An encoder with its masked-LM head (`*ForMaskedLM`).
pub type MaskedLm<B> = EncoderWithHead<B, MlmHead<B>>;

impl<B: Backend> EncoderWithHead<B, MlmHead<B>> {
    /// The decoder's weight: the head's own when untied, else the word embeddings.
    fn decoder_weight(&self) -> Tensor<B, 2> {
        match &self.head.decoder {
            Some(decoder) => decoder.val(),
            None => self.encoder.embeddings.word_embeddings.weight.val(),
        }
    }

    /// Vocabulary logits `[batch, seq, vocab]` at every position.
    pub fn logits(&self, input: EncoderInput<B>) -> Tensor<B, 3> {
        let states = self.forward(input);
        let [batch, seq, width] = states.dims();
        let logits = self.decode(states.reshape([batch * seq, width]));
        let [_, vocab] = logits.dims();
        logits.reshape([batch, seq, vocab])
    }

    /// Vocabulary logits `[n, vocab]` at the flat positions `row · seq + token` only: the
    /// decoder is the largest product of the model, and the loss and fill-mask need it at the
    /// masked positions alone.
    pub fn logits_at(&self, input: EncoderInput<B>, positions: Tensor<B, 1, Int>) -> Tensor<B, 2> {
        let states = self.forward(input);
        let [batch, seq, width] = states.dims();
        self.decode(states.reshape([batch * seq, width]).select(0, positions))
    }

    /// states · Wᵀ + bias.
    fn decode(&self, states: Tensor<B, 2>) -> Tensor<B, 2> {
        let logits = states.matmul(self.decoder_weight().transpose());
        let [_, vocab] = logits.dims();
        logits + self.head.bias.val().reshape([1, vocab])
    }

    /// Grow the word embeddings — and the tied decoder with them, or the untied one and the
    /// bias — to `vocab_size` rows for added tokens.
    pub fn resize_mlm_vocab(mut self, vocab_size: usize) -> Self {
        self.encoder = self.encoder.resize_token_embeddings(vocab_size);
        let bias = self.head.bias.val();
        let [old] = bias.dims();
        if vocab_size > old {
            let device = bias.device();
            let grown = Tensor::cat(vec![bias, Tensor::zeros([vocab_size - old], &device)], 0);
            self.head.bias = Param::from_tensor(grown.detach());
            if let Some(decoder) = self.head.decoder.take() {
                let mut table = burn::nn::Embedding { weight: decoder };
                crate::layers::grow_embedding(&mut table, vocab_size);
                self.head.decoder = Some(table.weight);
            }
        }
        self
    }
}

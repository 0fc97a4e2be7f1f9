//! Sequence-classification heads, each equal to its `transformers` counterpart:
//!
//! | model types | head (transformers) | forward | dropout key |
//! |---|---|---|---|
//! | bert, albert | `*ForSequenceClassification` on the pooler | pooled → dropout → `classifier` | `classifier_dropout` ?? `hidden_dropout_prob` (albert: `classifier_dropout_prob`) |
//! | roberta, xlmroberta, camembert | `RobertaClassificationHead` | h[0] → dropout → `classifier.dense` → tanh → dropout → `classifier.out_proj` | `classifier_dropout` ?? `hidden_dropout_prob` |
//! | electra | `ElectraClassificationHead` | h[0] → dropout → `classifier.dense` → gelu → dropout → `classifier.out_proj` | `classifier_dropout` ?? `hidden_dropout_prob` |
//! | distilbert | `DistilBertForSequenceClassification` | h[0] → `pre_classifier` → relu → dropout → `classifier` | `seq_classif_dropout` |
//!
//! The Burn module has the same two optional pieces for all of them (`dense`, `out_proj`);
//! [`HeadKind`] says how they are wired and named.

use burn::module::{Module, Param};
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::{Tensor, backend::Backend};
use serde_json::Value;
use st_models::layers::activate;
use st_models::{Activation, Dropout, EncoderOutput};

/// How a classification head is wired, per architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadKind {
    /// BERT, ALBERT: a linear layer on the pooler output.
    Pooled,
    /// RoBERTa family: dense + tanh on the first token, then the projection.
    DenseTanh,
    /// ELECTRA: dense + GELU on the first token, then the projection.
    DenseGelu,
    /// DistilBERT: `pre_classifier` + ReLU on the first token, then `classifier`.
    PreClassifierRelu,
}

impl HeadKind {
    /// The head of a Simple Transformers `model_type`.
    pub fn for_model_type(model_type: &str) -> Self {
        match model_type {
            "roberta" | "xlmroberta" | "xlm-roberta" | "camembert" => Self::DenseTanh,
            "electra" => Self::DenseGelu,
            "distilbert" => Self::PreClassifierRelu,
            _ => Self::Pooled,
        }
    }

    /// Whether the encoder needs its pooler.
    pub fn uses_pooler(self) -> bool {
        self == Self::Pooled
    }

    /// The dropout probability `transformers` uses for this head, from `config.json`.
    pub fn dropout(self, config: &Value, model_type: &str) -> f64 {
        let get = |key: &str| config.get(key).and_then(Value::as_f64);
        match (self, model_type) {
            (Self::PreClassifierRelu, _) => get("seq_classif_dropout").unwrap_or(0.2),
            (_, "albert") => get("classifier_dropout_prob").unwrap_or(0.1),
            _ => get("classifier_dropout")
                .or_else(|| get("hidden_dropout_prob"))
                .unwrap_or(0.1),
        }
    }

    /// The Hugging Face name of a head parameter, given its path inside the head
    /// (`dense.weight`, `out_proj.bias`…).
    pub fn hf_name(self, path: &str) -> String {
        let (part, param) = path.split_once('.').unwrap_or((path, ""));
        match (self, part) {
            (Self::Pooled, _) | (Self::PreClassifierRelu, "out_proj") => {
                format!("classifier.{param}")
            }
            (Self::PreClassifierRelu, _) => format!("pre_classifier.{param}"),
            (_, "dense") => format!("classifier.dense.{param}"),
            _ => format!("classifier.out_proj.{param}"),
        }
    }
}

/// A sequence-classification head.
#[derive(Module, Debug)]
pub struct ClassificationHead<B: Backend> {
    /// `classifier.dense` / `pre_classifier`; absent for pooled heads.
    pub dense: Option<Linear<B>>,
    /// The projection to `num_labels` logits: `classifier` / `classifier.out_proj`.
    pub out_proj: Linear<B>,
    pub dropout: Dropout,
    #[module(skip)]
    pub kind: HeadKind,
}

/// A linear layer initialised as `transformers` initialises new heads: N(0, std) weights, zero
/// bias.
fn hf_linear<B: Backend>(d_in: usize, d_out: usize, std: f64, device: &B::Device) -> Linear<B> {
    let mut linear = LinearConfig::new(d_in, d_out)
        .with_initializer(Initializer::Normal { mean: 0.0, std })
        .init(device);
    linear.bias = Some(Param::from_tensor(Tensor::zeros([d_out], device)));
    linear
}

impl<B: Backend> ClassificationHead<B> {
    /// A freshly initialised head.
    pub fn new(
        kind: HeadKind,
        hidden_size: usize,
        num_labels: usize,
        dropout: f64,
        initializer_range: f64,
        device: &B::Device,
    ) -> Self {
        Self {
            dense: (kind != HeadKind::Pooled)
                .then(|| hf_linear(hidden_size, hidden_size, initializer_range, device)),
            out_proj: hf_linear(hidden_size, num_labels, initializer_range, device),
            dropout: Dropout::new(dropout),
            kind,
        }
    }

    /// Logits `[batch, num_labels]` from the encoder's outputs.
    pub fn forward(&self, encoded: EncoderOutput<B>) -> Tensor<B, 2> {
        let first_token = || {
            let [batch, _, width] = encoded.last_hidden_state.dims();
            encoded
                .last_hidden_state
                .clone()
                .slice([0..batch, 0..1])
                .reshape([batch, width])
        };
        let x = match (self.kind, &self.dense) {
            (HeadKind::Pooled, _) | (_, None) => self
                .dropout
                .forward(encoded.pooler_output.clone().unwrap_or_else(first_token)),
            (HeadKind::PreClassifierRelu, Some(dense)) => {
                self.dropout.forward(relu(dense.forward(first_token())))
            }
            (kind, Some(dense)) => {
                let hidden = dense.forward(self.dropout.forward(first_token()));
                let hidden = if kind == HeadKind::DenseTanh {
                    hidden.tanh()
                } else {
                    activate(Activation::Gelu, hidden)
                };
                self.dropout.forward(hidden)
            }
        };
        self.out_proj.forward(x)
    }
}

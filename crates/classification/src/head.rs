//! Sequence-classification heads, each equal to its `transformers` counterpart. Which one an
//! encoder gets, and its dropout key, is the architecture's to say
//! ([`st_models::EncoderArchitecture::sequence_head`], `head_dropout`); the built-ins:
//!
//! | model types | head (transformers) | forward | dropout key |
//! |---|---|---|---|
//! | bert, albert | `*ForSequenceClassification` on the pooler | pooled → dropout → `classifier` | `classifier_dropout` ?? `hidden_dropout_prob` (albert: `classifier_dropout_prob`) |
//! | roberta, xlmroberta, camembert | `RobertaClassificationHead` | h[0] → dropout → `classifier.dense` → tanh → dropout → `classifier.out_proj` | `classifier_dropout` ?? `hidden_dropout_prob` |
//! | electra | `ElectraClassificationHead` | h[0] → dropout → `classifier.dense` → gelu → dropout → `classifier.out_proj` | `classifier_dropout` ?? `hidden_dropout_prob` |
//! | distilbert | `DistilBertForSequenceClassification` | h[0] → `pre_classifier` → relu → dropout → `classifier` | `seq_classif_dropout` |
//!
//! The Burn module has the same two optional pieces for all of them (`dense`, `out_proj`);
//! [`SequenceHead`] says how they are wired and named.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::activation::relu;
use burn::tensor::{Tensor, backend::Backend};
use st_models::layers::{activate, hf_linear};
use st_models::{Activation, Dropout, EncoderOutput, Head, HeadNames, SequenceHead};

/// A sequence-classification head.
#[derive(Module, Debug)]
pub struct ClassificationHead<B: Backend> {
    /// `classifier.dense` / `pre_classifier`; absent for pooled heads.
    pub dense: Option<Linear<B>>,
    /// The projection to `num_labels` logits: `classifier` / `classifier.out_proj`.
    pub out_proj: Linear<B>,
    pub dropout: Dropout,
    #[module(skip)]
    pub kind: SequenceHead,
}

impl<B: Backend> Head<B> for ClassificationHead<B> {
    type Output = Tensor<B, 2>;

    fn forward(&self, encoded: EncoderOutput<B>) -> Tensor<B, 2> {
        ClassificationHead::forward(self, encoded)
    }

    fn names(&self) -> Box<dyn HeadNames> {
        Box::new(self.kind)
    }
}

impl<B: Backend> ClassificationHead<B> {
    /// A freshly initialised head.
    pub fn new(
        kind: SequenceHead,
        hidden_size: usize,
        num_labels: usize,
        dropout: f64,
        initializer_range: f64,
        device: &B::Device,
    ) -> Self {
        Self {
            dense: (kind != SequenceHead::Pooled)
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
            (SequenceHead::Pooled, _) | (_, None) => self
                .dropout
                .forward(encoded.pooler_output.clone().unwrap_or_else(first_token)),
            (SequenceHead::PreClassifierRelu, Some(dense)) => {
                self.dropout.forward(relu(dense.forward(first_token())))
            }
            (kind, Some(dense)) => {
                let hidden = dense.forward(self.dropout.forward(first_token()));
                let hidden = if kind == SequenceHead::DenseTanh {
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

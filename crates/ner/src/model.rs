//! The encoder + token-classification head, loaded from and saved to Hugging Face
//! `*ForTokenClassification` checkpoints.
//!
//! Every supported architecture has the same head: the encoder's last hidden state (no pooler)
//! → dropout → `classifier` (a linear layer to `num_labels` logits per token). Only the dropout
//! key differs, and the architecture says which (`EncoderArchitecture::head_dropout`); the
//! built-ins:
//!
//! | model types | dropout key in `config.json` |
//! |---|---|
//! | bert, roberta, xlmroberta, camembert, electra | `classifier_dropout` ?? `hidden_dropout_prob` |
//! | distilbert | `dropout` |
//! | albert | `classifier_dropout_prob` |

use std::path::Path;

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Tensor, backend::Backend};
use st_core::weights::LoadReport;
use st_models::layers::hf_linear;
use st_models::{
    Dropout, EncoderOutput, EncoderSpec, EncoderWithHead, Head, HeadNames, HeadTask, ModelError,
    SameNames, TaskNames, load_with_head, save_with_head,
};

/// Dropout then a linear layer over every token.
#[derive(Module, Debug)]
pub struct TokenClassificationHead<B: Backend> {
    pub dropout: Dropout,
    /// `classifier`: hidden size → `num_labels`.
    pub classifier: Linear<B>,
}

impl<B: Backend> TokenClassificationHead<B> {
    /// A new head as `transformers` initialises one: N(0, `init_std`) weights, zero bias.
    pub fn new(
        hidden_size: usize,
        num_labels: usize,
        dropout: f64,
        init_std: f64,
        device: &B::Device,
    ) -> Self {
        Self {
            dropout: Dropout::new(dropout),
            classifier: hf_linear(hidden_size, num_labels, init_std, device),
        }
    }
}

impl<B: Backend> Head<B> for TokenClassificationHead<B> {
    /// Logits `[batch, seq, num_labels]`.
    type Output = Tensor<B, 3>;

    fn forward(&self, encoded: EncoderOutput<B>) -> Tensor<B, 3> {
        let hidden = self.dropout.forward(encoded.last_hidden_state);
        st_models::linear_tokens(&self.classifier, hidden)
    }

    fn names(&self) -> Box<dyn HeadNames> {
        Box::new(SameNames)
    }
}

/// An encoder with a token-classification head.
pub type TokenClassifier<B> = EncoderWithHead<B, TokenClassificationHead<B>>;

/// A token classifier with the encoder spec it was built from.
#[derive(Debug)]
pub struct LoadedTokenClassifier<B: Backend> {
    pub model: TokenClassifier<B>,
    pub spec: EncoderSpec,
    pub report: LoadReport,
}

impl<B: Backend> LoadedTokenClassifier<B> {
    /// The name map of this model.
    pub fn names(&self) -> TaskNames {
        self.spec.task_names(Box::new(SameNames))
    }
}

/// A new token-classification head of `num_labels` outputs for the encoder `spec` describes
/// (no `*ForTokenClassification` model has a pooler).
pub fn token_head<B: Backend>(
    spec: &mut EncoderSpec,
    num_labels: usize,
    device: &B::Device,
) -> TokenClassificationHead<B> {
    spec.config.has_pooler = false;
    TokenClassificationHead::new(
        spec.config.hidden_size,
        num_labels,
        spec.head_dropout(HeadTask::TokenClassification),
        spec.initializer_range(),
        device,
    )
}

/// Build the token classifier `spec` describes with `num_labels` outputs and load `dir`'s
/// checkpoint into it. A base-model checkpoint gets a new head (logged); a missing encoder
/// weight is an error naming it; a head of another size is a shape-mismatch error.
pub fn build_token_classifier<B: Backend>(
    mut spec: EncoderSpec,
    dir: &Path,
    num_labels: usize,
    device: &B::Device,
) -> Result<LoadedTokenClassifier<B>, ModelError> {
    let head = token_head(&mut spec, num_labels, device);
    let (model, report) = load_with_head(&spec, head, dir, HeadTask::TokenClassification, device)?;
    Ok(LoadedTokenClassifier {
        model,
        spec,
        report,
    })
}

/// Load a token classifier of `model_type` from `dir` with `num_labels` outputs;
/// `without_dropout` zeroes every dropout (for gradient checks).
pub fn load_token_classifier<B: Backend>(
    model_type: &str,
    dir: &Path,
    num_labels: usize,
    without_dropout: bool,
    device: &B::Device,
) -> Result<LoadedTokenClassifier<B>, ModelError> {
    let mut spec = EncoderSpec::read(model_type, dir)?;
    if without_dropout {
        spec = spec.without_dropout();
    }
    let mut loaded = build_token_classifier(spec, dir, num_labels, device)?;
    if without_dropout {
        loaded.model.head.dropout = Dropout::new(0.0);
    }
    Ok(loaded)
}

/// Write a Hugging Face `*ForTokenClassification` directory's weights and `config.json` (with
/// `id2label` / `label2id` from `labels`) into `dir` (an empty, staging directory).
pub fn save_token_classifier<B: Backend>(
    model: &TokenClassifier<B>,
    spec: &EncoderSpec,
    labels: &[String],
    dir: &Path,
) -> Result<(), ModelError> {
    save_with_head(
        model,
        spec,
        HeadTask::TokenClassification,
        labels,
        None,
        dir,
    )
}

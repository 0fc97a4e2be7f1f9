//! The encoder + span head, loaded from and saved to Hugging Face `*ForQuestionAnswering`
//! checkpoints.
//!
//! Every supported architecture has the same head: the encoder's last hidden state (no pooler)
//! → `qa_outputs` (a linear layer to 2 values per token: the start and end logits). Only
//! DistilBERT puts a dropout before it (`qa_dropout` in `config.json`); the others have none.

use std::path::Path;

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Int, Tensor, backend::Backend};
use st_core::weights::LoadReport;
use st_models::layers::hf_linear;
use st_models::loss::cross_entropy;
use st_models::{
    Dropout, EncoderOutput, EncoderSpec, EncoderWithHead, Head, HeadNames, HeadTask, ModelError,
    SameNames, TaskNames, load_with_head, save_with_head,
};

/// Dropout (DistilBERT only) then `qa_outputs`: hidden size → 2 (start, end) per token.
#[derive(Module, Debug)]
pub struct SpanHead<B: Backend> {
    pub dropout: Dropout,
    pub qa_outputs: Linear<B>,
}

/// Start and end logits, `[batch, seq]` each.
#[derive(Debug, Clone)]
pub struct SpanLogits<B: Backend> {
    pub start: Tensor<B, 2>,
    pub end: Tensor<B, 2>,
}

impl<B: Backend> Head<B> for SpanHead<B> {
    type Output = SpanLogits<B>;

    fn forward(&self, encoded: EncoderOutput<B>) -> SpanLogits<B> {
        let hidden = self.dropout.forward(encoded.last_hidden_state);
        let logits = st_models::linear_tokens(&self.qa_outputs, hidden);
        let [batch, seq, _] = logits.dims();
        let start = logits
            .clone()
            .slice([0..batch, 0..seq, 0..1])
            .reshape([batch, seq]);
        let end = logits.slice([0..batch, 0..seq, 1..2]).reshape([batch, seq]);
        SpanLogits { start, end }
    }

    fn names(&self) -> Box<dyn HeadNames> {
        Box::new(SameNames)
    }
}

/// An encoder with a span (start / end) head.
pub type SpanExtractor<B> = EncoderWithHead<B, SpanHead<B>>;

/// `transformers`' question-answering loss: the mean of the start and end cross-entropies
/// over the sequence positions. Positions must lie inside the sequence (windows put an
/// answer they do not hold at the CLS position, so nothing is ignored).
pub fn span_loss<B: Backend>(
    logits: SpanLogits<B>,
    start_positions: Tensor<B, 1, Int>,
    end_positions: Tensor<B, 1, Int>,
) -> Tensor<B, 1> {
    (cross_entropy(logits.start, start_positions, None)
        + cross_entropy(logits.end, end_positions, None))
        / 2.0
}

/// A span extractor with the encoder spec it was built from.
#[derive(Debug)]
pub struct LoadedSpanExtractor<B: Backend> {
    pub model: SpanExtractor<B>,
    pub spec: EncoderSpec,
    pub report: LoadReport,
}

impl<B: Backend> LoadedSpanExtractor<B> {
    /// The name map of this model.
    pub fn names(&self) -> TaskNames {
        self.spec.task_names(Box::new(SameNames))
    }
}

/// A new span head for the encoder `spec` describes (no `*ForQuestionAnswering` model has a
/// pooler).
pub fn span_head<B: Backend>(spec: &mut EncoderSpec, device: &B::Device) -> SpanHead<B> {
    spec.config.has_pooler = false;
    SpanHead {
        dropout: Dropout::new(spec.head_dropout(HeadTask::QuestionAnswering)),
        qa_outputs: hf_linear(spec.config.hidden_size, 2, spec.initializer_range(), device),
    }
}

/// Build the span extractor `spec` describes and load `dir`'s checkpoint into it. A base-model
/// checkpoint gets a new head (logged); a missing encoder weight is an error naming it.
pub fn build_span_extractor<B: Backend>(
    mut spec: EncoderSpec,
    dir: &Path,
    device: &B::Device,
) -> Result<LoadedSpanExtractor<B>, ModelError> {
    let head = span_head(&mut spec, device);
    let (model, report) = load_with_head(&spec, head, dir, HeadTask::QuestionAnswering, device)?;
    Ok(LoadedSpanExtractor {
        model,
        spec,
        report,
    })
}

/// Load a span extractor of `model_type` from `dir`; `without_dropout` zeroes every dropout
/// (for gradient checks).
pub fn load_span_extractor<B: Backend>(
    model_type: &str,
    dir: &Path,
    without_dropout: bool,
    device: &B::Device,
) -> Result<LoadedSpanExtractor<B>, ModelError> {
    let mut spec = EncoderSpec::read(model_type, dir)?;
    if without_dropout {
        spec = spec.without_dropout();
    }
    let mut loaded = build_span_extractor(spec, dir, device)?;
    if without_dropout {
        loaded.model.head.dropout = Dropout::new(0.0);
    }
    Ok(loaded)
}

/// Write a Hugging Face `*ForQuestionAnswering` directory's weights and `config.json` (two
/// outputs, `transformers`' default label names) into `dir` (an empty, staging directory).
pub fn save_span_extractor<B: Backend>(
    model: &SpanExtractor<B>,
    spec: &EncoderSpec,
    dir: &Path,
) -> Result<(), ModelError> {
    let labels = ["LABEL_0".to_string(), "LABEL_1".to_string()];
    save_with_head(model, spec, HeadTask::QuestionAnswering, &labels, None, dir)
}

//! The encoder + span head, loaded from and saved to Hugging Face `*ForQuestionAnswering`
//! checkpoints.
//!
//! Every supported architecture has the same head: the encoder's last hidden state (no pooler)
//! → `qa_outputs` (a linear layer to 2 values per token: the start and end logits). Only
//! DistilBERT puts a dropout before it (`qa_dropout` in `config.json`); the others have none.

use std::path::Path;
use std::sync::Arc;

use burn::module::{Module, Param};
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::tensor::{Int, Tensor, backend::Backend};
use serde_json::Value;
use st_core::weights::{Checkpoint, HfName, LoadReport, NameMap, load_into};
use st_models::loss::cross_entropy;
use st_models::task::{check_task_load, grow_vocab, initializer_range, save_task_dir, task_config};
use st_models::{
    Dropout, Encoder, EncoderArchitecture, EncoderConfig, EncoderInput, ModelError, encoder_config,
};

/// An encoder with a span (start / end) head.
#[derive(Module, Debug)]
pub struct SpanExtractor<B: Backend> {
    pub encoder: Encoder<B>,
    pub dropout: Dropout,
    /// `qa_outputs`: hidden size → 2 (start, end).
    pub qa_outputs: Linear<B>,
}

/// Start and end logits, `[batch, seq]` each.
#[derive(Debug, Clone)]
pub struct SpanLogits<B: Backend> {
    pub start: Tensor<B, 2>,
    pub end: Tensor<B, 2>,
}

impl<B: Backend> SpanExtractor<B> {
    pub fn forward(&self, input: EncoderInput<B>) -> SpanLogits<B> {
        let hidden = self.encoder.forward(input).last_hidden_state;
        let logits = st_models::linear_tokens(&self.qa_outputs, self.dropout.forward(hidden));
        let [batch, seq, _] = logits.dims();
        let mut parts = logits.split(1, 2).into_iter();
        let mut next = || {
            parts
                .next()
                .expect("qa_outputs has two outputs")
                .reshape([batch, seq])
        };
        let start = next();
        SpanLogits { start, end: next() }
    }
}

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

/// Burn paths → Hugging Face names: `encoder.*` through the architecture's map (with its
/// base-model prefix), `qa_outputs.*` unchanged.
pub struct SpanExtractorNames {
    pub encoder: Box<dyn NameMap>,
}

impl NameMap for SpanExtractorNames {
    fn hf_name(&self, path: &str) -> HfName {
        match path.strip_prefix("encoder.") {
            Some(rest) => self.encoder.hf_name(rest),
            None => HfName {
                name: path.to_string(),
                in_base_model: false,
            },
        }
    }

    fn base_model_prefix(&self) -> &str {
        self.encoder.base_model_prefix()
    }
}

/// A span extractor with what it was built from.
#[derive(Debug)]
pub struct LoadedSpanExtractor<B: Backend> {
    pub model: SpanExtractor<B>,
    pub arch: Arc<dyn EncoderArchitecture>,
    pub encoder_config: EncoderConfig,
    /// `config.json` as read, saved back with the task keys.
    pub config: Value,
    pub report: LoadReport,
}

impl<B: Backend> LoadedSpanExtractor<B> {
    pub fn names(&self) -> SpanExtractorNames {
        SpanExtractorNames {
            encoder: self.arch.name_map(&self.encoder_config),
        }
    }

    /// Grow the word embeddings to `vocab_size` rows and record it in both configurations.
    pub fn with_vocab_size(mut self, vocab_size: usize) -> Self {
        self.model.encoder = grow_vocab(
            self.model.encoder,
            &mut self.encoder_config,
            &mut self.config,
            vocab_size,
        );
        self
    }

    /// A copy holding `model` (e.g. the trained one), for saving.
    pub fn with_model(&self, model: SpanExtractor<B>) -> Self {
        Self {
            model,
            arch: self.arch.clone(),
            encoder_config: self.encoder_config.clone(),
            config: self.config.clone(),
            report: LoadReport::default(),
        }
    }
}

/// Load a span extractor of `model_type` from `dir`. A base-model checkpoint gets a new head
/// (logged); a missing encoder weight is an error naming it.
pub fn load_span_extractor<B: Backend>(
    model_type: &str,
    dir: &Path,
    without_dropout: bool,
    device: &B::Device,
) -> Result<LoadedSpanExtractor<B>, ModelError> {
    let (arch, mut encoder_config, config) = encoder_config(model_type, dir)?;
    // No `*ForQuestionAnswering` model has a pooler.
    encoder_config.has_pooler = false;
    let mut dropout = match arch.model_type() {
        "distilbert" => config
            .get("qa_dropout")
            .and_then(Value::as_f64)
            .unwrap_or(0.1),
        _ => 0.0,
    };
    if without_dropout {
        encoder_config = encoder_config.without_dropout();
        dropout = 0.0;
    }
    let mut qa_outputs = LinearConfig::new(encoder_config.hidden_size, 2)
        .with_initializer(Initializer::Normal {
            mean: 0.0,
            std: initializer_range(&config),
        })
        .init(device);
    qa_outputs.bias = Some(Param::from_tensor(Tensor::zeros([2], device)));
    let model = SpanExtractor {
        encoder: Encoder::new(&encoder_config, device),
        dropout: Dropout::new(dropout),
        qa_outputs,
    };
    let names = SpanExtractorNames {
        encoder: arch.name_map(&encoder_config),
    };
    let (model, report) = load_into(model, &Checkpoint::open(dir)?, &names)?;
    check_task_load(&report, model_type, "question answering")?;
    Ok(LoadedSpanExtractor {
        model,
        arch,
        encoder_config,
        config,
        report,
    })
}

/// The `transformers` class name of the question-answering model of a `model_type`.
pub fn architecture_name(model_type: &str) -> &'static str {
    match model_type {
        "roberta" => "RobertaForQuestionAnswering",
        "xlmroberta" | "xlm-roberta" => "XLMRobertaForQuestionAnswering",
        "camembert" => "CamembertForQuestionAnswering",
        "distilbert" => "DistilBertForQuestionAnswering",
        "electra" => "ElectraForQuestionAnswering",
        "albert" => "AlbertForQuestionAnswering",
        _ => "BertForQuestionAnswering",
    }
}

/// Write a Hugging Face `*ForQuestionAnswering` directory into `dir` (an empty, staging
/// directory): weights, `config.json` (two outputs, `transformers`' default label names) and
/// the tokenizer files of `tokenizer_dir`.
pub fn save_span_extractor<B: Backend>(
    loaded: &LoadedSpanExtractor<B>,
    tokenizer_dir: &Path,
    dir: &Path,
) -> Result<(), ModelError> {
    let labels = ["LABEL_0".to_string(), "LABEL_1".to_string()];
    let config = task_config(
        &loaded.config,
        architecture_name(loaded.arch.model_type()),
        &labels,
        None,
    );
    save_task_dir(&loaded.model, &loaded.names(), &config, tokenizer_dir, dir)
}

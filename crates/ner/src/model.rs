//! The encoder + token-classification head, loaded from and saved to Hugging Face
//! `*ForTokenClassification` checkpoints.
//!
//! Every supported architecture has the same head: the encoder's last hidden state (no pooler)
//! → dropout → `classifier` (a linear layer to `num_labels` logits per token). Only the dropout
//! key differs:
//!
//! | model types | dropout key in `config.json` |
//! |---|---|
//! | bert, roberta, xlmroberta, camembert, electra | `classifier_dropout` ?? `hidden_dropout_prob` |
//! | distilbert | `dropout` |
//! | albert | `classifier_dropout_prob` |

use std::path::Path;
use std::sync::Arc;

use burn::module::{Module, Param};
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::tensor::{Tensor, backend::Backend};
use serde_json::Value;
use st_core::weights::{Checkpoint, HfName, LoadReport, NameMap, load_into};
use st_models::task::{check_task_load, grow_vocab, initializer_range, save_task_dir, task_config};
use st_models::{
    Dropout, Encoder, EncoderArchitecture, EncoderConfig, EncoderInput, ModelError, encoder_config,
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
        let mut classifier = LinearConfig::new(hidden_size, num_labels)
            .with_initializer(Initializer::Normal {
                mean: 0.0,
                std: init_std,
            })
            .init(device);
        classifier.bias = Some(Param::from_tensor(Tensor::zeros([num_labels], device)));
        Self {
            dropout: Dropout::new(dropout),
            classifier,
        }
    }

    /// Logits `[batch, seq, num_labels]` from hidden states `[batch, seq, hidden]`.
    pub fn forward(&self, hidden: Tensor<B, 3>) -> Tensor<B, 3> {
        st_models::linear_tokens(&self.classifier, self.dropout.forward(hidden))
    }
}

/// An encoder with a token-classification head.
#[derive(Module, Debug)]
pub struct TokenClassifier<B: Backend> {
    pub encoder: Encoder<B>,
    pub head: TokenClassificationHead<B>,
}

impl<B: Backend> TokenClassifier<B> {
    /// Logits `[batch, seq, num_labels]`.
    pub fn forward(&self, input: EncoderInput<B>) -> Tensor<B, 3> {
        self.head
            .forward(self.encoder.forward(input).last_hidden_state)
    }
}

/// Burn paths → Hugging Face names: `encoder.*` through the architecture's map (with its
/// base-model prefix), `head.classifier.*` → `classifier.*`.
pub struct TokenClassifierNames {
    pub encoder: Box<dyn NameMap>,
}

impl NameMap for TokenClassifierNames {
    fn hf_name(&self, path: &str) -> HfName {
        match path.strip_prefix("encoder.") {
            Some(rest) => self.encoder.hf_name(rest),
            None => HfName {
                name: path.strip_prefix("head.").unwrap_or(path).to_string(),
                in_base_model: false,
            },
        }
    }

    fn base_model_prefix(&self) -> &str {
        self.encoder.base_model_prefix()
    }
}

/// A token classifier with what it was built from.
#[derive(Debug)]
pub struct LoadedTokenClassifier<B: Backend> {
    pub model: TokenClassifier<B>,
    pub arch: Arc<dyn EncoderArchitecture>,
    pub encoder_config: EncoderConfig,
    pub num_labels: usize,
    /// `config.json` as read, for `id2label` and the other keys saved back.
    pub config: Value,
    pub report: LoadReport,
}

impl<B: Backend> LoadedTokenClassifier<B> {
    /// The name map of this model.
    pub fn names(&self) -> TokenClassifierNames {
        TokenClassifierNames {
            encoder: self.arch.name_map(&self.encoder_config),
        }
    }

    /// Grow the word embeddings to `vocab_size` rows (see
    /// [`Encoder::resize_token_embeddings`]) and record the size in both configurations.
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
    pub fn with_model(&self, model: TokenClassifier<B>) -> Self {
        Self {
            model,
            arch: self.arch.clone(),
            encoder_config: self.encoder_config.clone(),
            num_labels: self.num_labels,
            config: self.config.clone(),
            report: LoadReport::default(),
        }
    }
}

/// The head's dropout probability as `transformers` reads it for `model_type`.
fn head_dropout(config: &Value, model_type: &str) -> f64 {
    let get = |key: &str| config.get(key).and_then(Value::as_f64);
    match model_type {
        "distilbert" => get("dropout").unwrap_or(0.1),
        "albert" => get("classifier_dropout_prob").unwrap_or(0.1),
        _ => get("classifier_dropout")
            .or_else(|| get("hidden_dropout_prob"))
            .unwrap_or(0.1),
    }
}

/// Load a token classifier of `model_type` from `dir` with `num_labels` outputs. A base-model
/// checkpoint gets a new head (logged); a missing encoder weight is an error naming it; a head
/// of another size is a shape-mismatch error.
pub fn load_token_classifier<B: Backend>(
    model_type: &str,
    dir: &Path,
    num_labels: usize,
    without_dropout: bool,
    device: &B::Device,
) -> Result<LoadedTokenClassifier<B>, ModelError> {
    let (arch, mut encoder_config, config) = encoder_config(model_type, dir)?;
    // No `*ForTokenClassification` model has a pooler.
    encoder_config.has_pooler = false;
    let mut dropout = head_dropout(&config, arch.model_type());
    if without_dropout {
        encoder_config = encoder_config.without_dropout();
        dropout = 0.0;
    }
    let model = TokenClassifier {
        encoder: Encoder::new(&encoder_config, device),
        head: TokenClassificationHead::new(
            encoder_config.hidden_size,
            num_labels,
            dropout,
            initializer_range(&config),
            device,
        ),
    };
    let names = TokenClassifierNames {
        encoder: arch.name_map(&encoder_config),
    };
    let (model, report) = load_into(model, &Checkpoint::open(dir)?, &names)?;
    check_task_load(&report, model_type, "token classification")?;
    Ok(LoadedTokenClassifier {
        model,
        arch,
        encoder_config,
        num_labels,
        config,
        report,
    })
}

/// The `transformers` class name of the token classifier of a `model_type`.
pub fn architecture_name(model_type: &str) -> &'static str {
    match model_type {
        "roberta" => "RobertaForTokenClassification",
        "xlmroberta" | "xlm-roberta" => "XLMRobertaForTokenClassification",
        "camembert" => "CamembertForTokenClassification",
        "distilbert" => "DistilBertForTokenClassification",
        "electra" => "ElectraForTokenClassification",
        "albert" => "AlbertForTokenClassification",
        _ => "BertForTokenClassification",
    }
}

/// Write a Hugging Face `*ForTokenClassification` directory into `dir` (an empty, staging
/// directory): weights, `config.json` with `id2label` / `label2id` from `labels`, and the
/// tokenizer files of `tokenizer_dir`.
pub fn save_token_classifier<B: Backend>(
    loaded: &LoadedTokenClassifier<B>,
    labels: &[String],
    tokenizer_dir: &Path,
    dir: &Path,
) -> Result<(), ModelError> {
    let config = task_config(
        &loaded.config,
        architecture_name(loaded.arch.model_type()),
        labels,
        None,
    );
    save_task_dir(&loaded.model, &loaded.names(), &config, tokenizer_dir, dir)
}

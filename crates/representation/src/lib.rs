//! `RepresentationModel`: token or sentence embeddings from a transformer encoder (or GPT-2's
//! decoder), as Simple Transformers' `language_representation` and the Hugging Face
//! feature-extraction pipeline.
//!
//! ```no_run
//! use st_representation::{CombineStrategy, RepresentationModel};
//! let model = RepresentationModel::new("bert", "path/to/all-MiniLM-L6-v2", Default::default())?;
//! let encoded = model.encode_sentences(&["Hello world"], CombineStrategy::Mean)?;
//! # Ok::<(), st_representation::RepresentationError>(())
//! ```

use std::path::PathBuf;

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};
use serde::Serialize;
use st_core::args::ModelArgs;
use st_core::backend::{DefaultBackend, DeviceRequest};
use st_core::hub::HubOptions;
use st_core::task::{ArgsInput, Prepared};
use st_core::tokenizer::{Padding, Tokenizer};
use st_models::{
    DecoderSpec, EncoderInput, EncoderSpec, Gpt2Model, LoadedEncoder, ModelError,
    decoder_architecture, load_decoder, load_encoder_spec,
};

/// What can go wrong building or running a representation model.
#[derive(Debug, thiserror::Error)]
pub enum RepresentationError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Core(#[from] st_core::Error),
    #[error("token index {index} is out of range for text {text_index} ({len} tokens)")]
    TokenIndex {
        index: usize,
        text_index: usize,
        len: usize,
    },
    #[error("unknown combine strategy {0:?}; expected none, mean, concat or a token index")]
    BadStrategy(String),
}

st_core::core_error_conversions!(RepresentationError);

/// How token vectors become the returned embedding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CombineStrategy {
    /// Every token's vector: `[tokens][hidden]` (Python's `None`).
    #[default]
    None,
    /// The mean over the text's tokens. Python averages over padding positions too, so its
    /// result depends on which texts share a batch; here only real tokens count, which equals
    /// Python's result whenever no padding is involved.
    Mean,
    /// All token vectors of the text, padded to the longest text of the call, flattened:
    /// `[max_tokens × hidden]`, the same width for every text.
    Concat,
    /// The vector of one token position (e.g. 0 for `[CLS]`).
    Token(usize),
}

impl std::str::FromStr for CombineStrategy {
    type Err = RepresentationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "none" | "" => Ok(Self::None),
            "mean" => Ok(Self::Mean),
            "concat" => Ok(Self::Concat),
            other => other
                .parse()
                .map(Self::Token)
                .map_err(|_| RepresentationError::BadStrategy(s.to_string())),
        }
    }
}

/// An embedding: one vector per token, or one vector per text.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Embedding {
    Tokens(Vec<Vec<f32>>),
    Vector(Vec<f32>),
}

/// One encoded text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EncodedText {
    pub input_ids: Vec<i64>,
    pub embedding: Embedding,
}

/// Constructor options besides `model_type` and `model_name`.
#[derive(Debug, Clone, Default)]
pub struct RepresentationOptions {
    /// Arguments replacing a saved `model_args.json` (Python: an args object).
    pub args: Option<ModelArgs>,
    /// A JSON object of arguments merged over the saved ones (Python: an args dict).
    pub overrides: Option<serde_json::Value>,
    pub device: DeviceRequest,
    pub hub: HubOptions,
}

/// The network whose last hidden states are the token vectors (one per model, built once, so
/// the variants' sizes do not matter).
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
enum Backbone<B: Backend> {
    Encoder(LoadedEncoder<B>),
    /// GPT-2 (Python's `GPT2ForTextRepresentation`): the decoder without its head; with right
    /// padding and causal attention, a text's vectors do not depend on its batch.
    Decoder(Gpt2Model<B>),
}

/// The token Python adds to GPT-2's tokenizer for padding.
const GPT2_PAD: &str = "[PAD]";

/// Sentence and token embeddings from a pretrained encoder or decoder.
#[derive(Debug)]
pub struct RepresentationModel<B: Backend = DefaultBackend> {
    backbone: Backbone<B>,
    tokenizer: Tokenizer,
    args: ModelArgs,
    device: B::Device,
    /// Texts per forward pass (Python's `batch_size`, default 32).
    pub batch_size: usize,
    model_dir: PathBuf,
}

impl RepresentationModel<DefaultBackend> {
    /// Load `model_name` (a local directory or hub id) as a `model_type` encoder on the
    /// default backend.
    pub fn new(
        model_type: &str,
        model_name: &str,
        options: RepresentationOptions,
    ) -> Result<Self, RepresentationError> {
        let device = options.device.device()?;
        Self::with_device(model_type, model_name, options, device)
    }
}

impl<B: Backend> RepresentationModel<B> {
    /// Load on an explicit device of any backend.
    pub fn with_device(
        model_type: &str,
        model_name: &str,
        options: RepresentationOptions,
        device: B::Device,
    ) -> Result<Self, RepresentationError> {
        let input = ArgsInput {
            args: options.args.as_ref(),
            overrides: options.overrides.as_ref(),
        };
        let prepared = Prepared::<ModelArgs>::open(model_type, model_name, input, &options.hub)?;
        let (backbone, tokenizer) = if decoder_architecture(model_type).is_ok() {
            let mut spec =
                DecoderSpec::new(model_type, prepared.config.clone(), &prepared.model_dir)?;
            let (model, _) = load_decoder::<B>(&spec, &prepared.model_dir, &device)?;
            let pad = [GPT2_PAD.to_string()];
            let (model, mut tokenizer, _) =
                spec.attach_tokenizer(model, &prepared.tokenizer_dir, &prepared.args, &pad)?;
            tokenizer.set_pad_token(GPT2_PAD)?;
            (Backbone::Decoder(model.transformer), tokenizer)
        } else {
            let spec = EncoderSpec::new(model_type, prepared.config.clone(), &prepared.model_dir)?;
            let (tokenizer, _) = spec.tokenizer(&prepared.tokenizer_dir, &prepared.args, &[])?;
            let encoder = load_encoder_spec::<B>(spec, &prepared.model_dir, &device)?;
            (Backbone::Encoder(encoder), tokenizer)
        };
        let (args, dir) = (prepared.args, prepared.model_dir);
        Ok(Self {
            backbone,
            tokenizer,
            args,
            device,
            batch_size: 32,
            model_dir: dir,
        })
    }

    /// The resolved model directory.
    pub fn model_dir(&self) -> &std::path::Path {
        &self.model_dir
    }

    /// The arguments in effect.
    pub fn args(&self) -> &ModelArgs {
        &self.args
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// Embed `texts`, truncated at `max_seq_length`, combining token vectors by `strategy`.
    pub fn encode_sentences(
        &self,
        texts: &[&str],
        strategy: CombineStrategy,
    ) -> Result<Vec<EncodedText>, RepresentationError> {
        let max_len = self.args.max_seq_length;
        let encodings = texts
            .iter()
            .map(|t| self.tokenizer.encode((*t).into(), max_len))
            .collect::<Result<Vec<_>, _>>()?;
        let longest = encodings.iter().map(|e| e.len()).max().unwrap_or(0);
        let mut out = Vec::with_capacity(texts.len());
        for (chunk_index, chunk) in encodings.chunks(self.batch_size.max(1)).enumerate() {
            let padding = match strategy {
                // Concat needs one width for every text of the call.
                CombineStrategy::Concat => Padding::MaxLength,
                _ => Padding::Longest,
            };
            let pad_to = if strategy == CombineStrategy::Concat {
                longest
            } else {
                max_len
            };
            let batch = self.tokenizer.pad(chunk, pad_to, padding);
            let hidden = self.hidden_states(&batch);
            let [rows, seq, width] = hidden.dims();
            let values: Vec<f32> = hidden
                .into_data()
                .convert::<f32>()
                .to_vec()
                .map_err(|e| st_core::Error::Other(format!("reading outputs: {e:?}")))?;
            for row in 0..rows {
                let text_index = chunk_index * self.batch_size.max(1) + row;
                let n = batch.len(row);
                let token = |t: usize| {
                    let start = (row * seq + t) * width;
                    values[start..start + width].to_vec()
                };
                let embedding = match strategy {
                    CombineStrategy::None => Embedding::Tokens((0..n).map(token).collect()),
                    CombineStrategy::Mean => {
                        let mut mean = vec![0.0f32; width];
                        for t in 0..n {
                            for (m, v) in mean.iter_mut().zip(token(t)) {
                                *m += v;
                            }
                        }
                        mean.iter_mut().for_each(|m| *m /= n.max(1) as f32);
                        Embedding::Vector(mean)
                    }
                    CombineStrategy::Concat => {
                        Embedding::Vector((0..seq).flat_map(token).collect())
                    }
                    CombineStrategy::Token(index) => {
                        if index >= n {
                            return Err(RepresentationError::TokenIndex {
                                index,
                                text_index,
                                len: n,
                            });
                        }
                        Embedding::Vector(token(index))
                    }
                };
                out.push(EncodedText {
                    input_ids: batch.ids(row).to_vec(),
                    embedding,
                });
            }
        }
        Ok(out)
    }

    /// The last hidden states `[rows, seq, hidden]` of a padded batch.
    fn hidden_states(&self, batch: &st_core::tokenizer::Batch) -> Tensor<B, 3> {
        match &self.backbone {
            Backbone::Encoder(encoder) => {
                let mut input = EncoderInput::<B>::from_batch(batch, &self.device);
                if !encoder.arch.uses_token_type_ids() {
                    input.token_type_ids = None;
                }
                encoder.encoder.forward(input).last_hidden_state
            }
            Backbone::Decoder(decoder) => {
                let shape = [batch.batch_size, batch.seq_len];
                let ints = |v: &[i64]| {
                    Tensor::<B, 2, Int>::from_data(TensorData::new(v.to_vec(), shape), &self.device)
                };
                decoder.forward(ints(&batch.input_ids), ints(&batch.attention_mask), None)
            }
        }
    }
}

//! Language modelling (Simple Transformers' `LanguageModelingModel`): masked-LM fine-tuning of
//! any encoder with a masked-LM head equal to `transformers`' `*ForMaskedLM`, and causal-LM
//! fine-tuning of GPT-2; `eval_loss` and `perplexity`; fill-mask and generation.
//!
//! ```no_run
//! use st_lm::{LanguageModelingModel, LmPredictions, TaskModel};
//! let mut model = LanguageModelingModel::new("bert", "path/to/bert", Default::default())?;
//! model.train_model_from_file("train.txt".as_ref(), None, ())?;
//! let lines = model.read_examples("eval.txt".as_ref())?;
//! let result = model.eval_model(&lines, &())?;
//! println!("perplexity {}", result["perplexity"]);
//! if let LmPredictions::FillMask(filled) = model.predict(&["The [MASK] sat on the mat."])? {
//!     println!("{}", filled[0][0][0].sequence);
//! }
//! # Ok::<(), st_lm::LmError>(())
//! ```
//!
//! Data: text files, one sample per line, cut into blocks by `dataset_type` ([`data`]); masks
//! are drawn as Python's `mask_tokens` draws them ([`masking`]), fresh every epoch.

pub mod args;
pub mod data;
pub mod electra;
pub mod lm_model;
pub mod masking;
pub mod module;
pub mod predict;
pub mod scratch;
pub mod tokenizer_training;

pub use args::{DatasetType, GenerationArgs, LanguageModelingArgs};
pub use data::{DataError, read_lines};
pub use lm_model::{LanguageModelingModel, LmError, LmOptions};
pub use module::{LmBatch, LmModule};
pub use predict::{FillMask, FilledToken, LmPredictions};
pub use st_core::task::TaskModel;
pub use tokenizer_training::{TokenizerKind, TokenizerTrainingError, train_tokenizer};

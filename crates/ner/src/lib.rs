//! Named-entity recognition (Simple Transformers' `NERModel`): token-classification heads
//! equal to `transformers`' `*ForTokenClassification` for every BERT-family encoder, CoNLL
//! data, and seqeval's entity-level metrics.
//!
//! ```no_run
//! use st_ner::{NerModel, Sentence, TaskModel};
//! use st_core::metrics::Metrics;
//! let mut model = NerModel::new("bert", "path/to/model", Default::default())?;
//! let train = [Sentence::new(["Alice", "lives", "in", "Paris"], ["B-PER", "O", "O", "B-LOC"])];
//! model.train_model(&train, None, Metrics::new())?;
//! let (result, model_outputs, predictions) = model.eval_model(&train, &Metrics::new())?;
//! let (tagged, raw_outputs) = model.predict(&["Bob flew to Rome"])?;
//! # Ok::<(), st_ner::NerError>(())
//! ```
//!
//! Unlike Python, no word is ever dropped: sentences longer than `max_seq_length` are cut into
//! overlapping windows ([`features`]) and every word gets exactly one tag. Not supported:
//! ONNX and LayoutLM's bounding boxes.

pub mod args;
pub mod data;
pub mod features;
pub mod model;
pub mod ner_model;

pub use args::{DEFAULT_LABELS, NerArgs};
pub use data::{DataError, LazyConll, Sentence, read_conll, sentences_from_rows};
pub use model::{
    LoadedTokenClassifier, TokenClassificationHead, TokenClassifier, build_token_classifier,
    load_token_classifier, save_token_classifier,
};
pub use ner_model::{
    NerError, NerEval, NerModel, NerOptions, NerPredictions, TaggedWord, WordLogits,
};
pub use st_core::task::TaskModel;

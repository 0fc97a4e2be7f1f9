//! Extractive question answering (Simple Transformers' `QuestionAnsweringModel`): span heads
//! equal to `transformers`' `*ForQuestionAnswering` for every BERT-family encoder, SQuAD-style
//! data (v1 and v2, with impossible questions), `doc_stride` windows over long contexts, and
//! n-best decoding with null answers.
//!
//! ```no_run
//! use st_qa::{Context, QuestionAnsweringModel, QaMetrics, TaskModel};
//! let mut model = QuestionAnsweringModel::new("bert", "path/to/model", Default::default())?;
//! let train: Vec<Context> = st_qa::read_squad("train.json")?;
//! model.train_model(&train, None, QaMetrics::new())?;
//! let (result, texts) = model.eval_model(&train, &QaMetrics::new())?;
//! let to_predict = [Context::unanswered("Zoë lives in São Paulo.", [("0", "Where does Zoë live?")])];
//! let (answers, probabilities) = model.predict(&to_predict)?;
//! # Ok::<(), st_qa::QaError>(())
//! ```
//!
//! Token positions come from the tokenizer's offsets, so answers are cut from the original
//! context byte for byte (accents, multi-byte text). Not supported: XLNet / XLM's beam-search
//! heads, Longformer, BART, ONNX.

pub mod args;
pub mod data;
pub mod decode;
pub mod features;
pub mod model;
pub mod qa_model;
pub mod results;

pub use args::QaArgs;
pub use data::{
    Answer, Context, DataError, LazySquad, Question, check_answers, check_unique_ids, read_squad,
};
pub use decode::{DecodeOptions, Decoded, NBestAnswer, WindowLogits, decode};
pub use features::{FeatureError, Featurizer, Window};
pub use model::{
    LoadedSpanExtractor, SpanExtractor, SpanHead, SpanLogits, build_span_extractor,
    load_span_extractor, save_span_extractor, span_loss,
};
pub use qa_model::{
    AnswerComparison, QaAnswer, QaError, QaMetrics, QaOptions, QaProbability, QaTexts,
    QuestionAnsweringModel, calculate_results,
};
pub use st_core::task::TaskModel;

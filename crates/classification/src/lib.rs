//! Sequence classification (Simple Transformers' `ClassificationModel` and
//! `MultiLabelClassificationModel`): heads equal to `transformers`'
//! `*ForSequenceClassification` for every BERT-family encoder, and their losses.
//!
//! ```no_run
//! use st_classification::{ClassificationModel, ClassificationOptions, Example, TaskModel};
//! use st_core::metrics::Metrics;
//! let mut model = ClassificationModel::new("bert", "path/to/model", ClassificationOptions::default())?;
//! let train = [Example::new("great film", 1), Example::new("dull plot", 0)];
//! model.train_model(&train, None, Metrics::new())?;
//! let (result, outputs, wrong) = model.eval_model(&train, &Metrics::new())?;
//! let (predictions, raw_outputs) = model.predict(&["what a film"])?;
//! # Ok::<(), st_classification::ClassificationError>(())
//! ```
//!
//! Covers binary, multi-class, regression and sentence pairs, from in-memory examples or
//! CSV/TSV/JSONL files ([`files`]) or lazily from a delimited file, with class weights, string
//! labels, multi-label, sliding windows, `special_tokens_list`, the feature cache, and
//! `st classification|multilabel train|eval|predict`, in any encoding the `encoding` argument
//! names (see [`st_core::text`]). Not supported: `as_reranker`.

pub mod args;
pub mod classification_model;
pub mod data;
pub mod files;
pub mod head;
pub mod lazy;
pub mod loss;
pub mod model;
pub mod multi_label;
pub mod window;

pub use args::{ClassificationArgs, ClassifierArgs, MultiLabelClassificationArgs, Threshold};
pub use classification_model::{
    ClassificationError, ClassificationModel, ClassificationOptions, ClassifierOptions, EvalOutput,
    Predictions, softmax,
};
pub use data::{Example, Label};
pub use files::{
    DataError, FileFormat, Loaded, RowProblem, check_labels, load_examples, read_examples,
    read_multilabel_examples, read_texts,
};
pub use head::ClassificationHead;
pub use model::{
    LabelConfig, LoadedClassifier, SequenceClassifier, build_classifier, config_num_labels,
    load_classifier, save_classifier,
};
pub use multi_label::{MultiLabelClassificationModel, MultiLabelOptions};
pub use st_core::task::TaskModel;

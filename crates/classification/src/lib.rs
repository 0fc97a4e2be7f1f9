//! Sequence classification (Simple Transformers' `ClassificationModel` and
//! `MultiLabelClassificationModel`): heads equal to `transformers`'
//! `*ForSequenceClassification` for every BERT-family encoder, and their losses.
//!
//! Status: the heads, their Hugging Face name maps and the losses are here and checked against
//! PyTorch; the `ClassificationModel` API (train/eval/predict, data files, CLI) is being built.

pub mod head;
pub mod loss;
pub mod model;

pub use head::{ClassificationHead, HeadKind};
pub use model::{
    ClassifierNames, LabelConfig, LoadedClassifier, SequenceClassifier, architecture_name,
    classifier_config, config_num_labels, load_classifier, save_classifier,
};

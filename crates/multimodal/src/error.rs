//! Errors of multimodal classification.

use st_core::train::TrainError;
use st_models::ModelError;

use crate::data::DataError;
use crate::pixels::PixelError;

/// What can go wrong in a multimodal classification model.
#[derive(Debug, thiserror::Error)]
pub enum MultiModalError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Core(#[from] st_core::Error),
    #[error(transparent)]
    Train(#[from] TrainError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Pixels(#[from] PixelError),
    #[error(
        "sample {index}: label {label:?} is not in the label list {labels:?} (pass label_list, \
         or num_labels for labels \"0\"..)"
    )]
    UnknownLabel {
        index: usize,
        label: String,
        labels: Vec<String>,
    },
    #[error("sample {index}: {message}")]
    BadLabel { index: usize, message: String },
    #[error(
        "the tokenizer gives no start and end tokens for {0:?}...: MMBT frames the image with \
         the text's first and last special tokens ([CLS], [SEP])"
    )]
    NoFrameTokens(String),
    #[error("{0}")]
    Invalid(String),
}

st_core::core_error_conversions!(MultiModalError);

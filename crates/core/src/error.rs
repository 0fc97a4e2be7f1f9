//! The crate-wide error type. Each area has its own error enum with the
//! details a user needs (file, key, expected vs found); `Error` carries them up.

use std::path::PathBuf;

/// Result alias used throughout `st-core`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every error `st-core` can return.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A JSON file could not be parsed.
    #[error("{path}: invalid JSON: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// Arguments could not be merged, saved or loaded.
    #[error(transparent)]
    Args(#[from] crate::args::ArgsError),
    /// A model name could not be resolved to a local model directory.
    #[error(transparent)]
    Hub(#[from] crate::hub::HubError),
    /// Tokenizer files are missing or unusable.
    #[error(transparent)]
    Tokenizer(#[from] crate::tokenizer::TokenizerError),
    /// Weights could not be loaded or saved.
    #[error(transparent)]
    Weights(#[from] crate::weights::WeightsError),
    /// The requested device/backend is not available.
    #[error(transparent)]
    Backend(#[from] crate::backend::BackendError),
    /// A metric could not be computed.
    #[error(transparent)]
    Metric(#[from] crate::metrics::MetricError),
    /// A data file could not be read as text in its encoding.
    #[error(transparent)]
    Text(#[from] crate::text::TextError),
    /// Training could not start or continue.
    #[error(transparent)]
    Train(#[from] crate::train::TrainError),
    /// Anything else, with a message that names the problem.
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// Wrap an I/O error with the path it happened on.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

//! Errors of the models crate.

use std::path::PathBuf;

/// What can go wrong finding, configuring or loading an architecture.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("unknown model_type {given:?}; supported: {}", .supported.join(", "))]
    UnknownModelType {
        given: String,
        supported: Vec<String>,
    },
    #[error("{dir}: no config.json in the model directory")]
    NoConfig { dir: PathBuf },
    #[error("{path}: {message}")]
    BadConfig { path: PathBuf, message: String },
    #[error(transparent)]
    Core(#[from] st_core::Error),
    #[error(transparent)]
    Weights(#[from] st_core::weights::WeightsError),
}

impl ModelError {
    /// A config.json problem naming the key.
    pub fn bad_config(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        ModelError::BadConfig {
            path: path.into(),
            message: message.into(),
        }
    }
}

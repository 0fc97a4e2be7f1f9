//! Errors of the models crate.

use std::path::PathBuf;

/// What can go wrong finding, configuring or loading an architecture.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(
        "unknown {kind} model_type {given:?}{}; supported: {}",
        .elsewhere.map(|k| format!(" (it is registered among the {k}s, which this task cannot use)")).unwrap_or_default(),
        .supported.join(", ")
    )]
    UnknownModelType {
        given: String,
        /// The family asked for ("encoder").
        kind: &'static str,
        /// The family the name is registered in instead, if any.
        elsewhere: Option<&'static str>,
        supported: Vec<String>,
    },
    #[error("{dir}: no config.json in the model directory")]
    NoConfig { dir: PathBuf },
    #[error("{path}: {message}")]
    BadConfig { path: PathBuf, message: String },
    /// Two models (or a model and its settings) that cannot work together.
    #[error("{0}")]
    Incompatible(String),
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

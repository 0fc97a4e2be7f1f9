//! Errors of the models crate.

use std::path::PathBuf;

/// What can go wrong finding, configuring or loading an architecture.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(
        "unknown {kind} model_type {given:?}{}; supported: {}",
        registered_elsewhere(.elsewhere),
        .supported.join(", ")
    )]
    UnknownModelType {
        given: String,
        /// The family asked for ("encoder").
        kind: &'static str,
        /// The other families the name is registered in, sorted (empty if none).
        elsewhere: Vec<&'static str>,
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

/// " (it is registered among the encoders and encoder-decoders, which this task cannot use)".
fn registered_elsewhere(kinds: &[&'static str]) -> String {
    if kinds.is_empty() {
        return String::new();
    }
    let plural: Vec<String> = kinds.iter().map(|k| format!("{k}s")).collect();
    format!(
        " (it is registered among the {}, which this task cannot use)",
        plural.join(" and ")
    )
}

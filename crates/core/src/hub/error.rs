//! [`HubError`], everything that can go wrong while resolving a model, in one
//! place so that the local, cached and online paths report alike.

use std::path::{Path, PathBuf};

use hf_hub::api::sync::ApiError;

use super::{WEIGHTS_FILE, WEIGHTS_INDEX_FILE};

/// Everything that can go wrong while resolving a model.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// A local directory that is not a model directory.
    #[error(
        "{} is a directory but has no config.json; pass the directory that \
         contains the model's config.json",
        .dir.display()
    )]
    NoConfig {
        /// The directory that was given.
        dir: PathBuf,
    },
    /// A path to an existing file rather than a directory.
    #[error(
        "{} is a file, not a model directory; pass the directory that contains config.json",
        .path.display()
    )]
    NotADirectory {
        /// The path that was given.
        path: PathBuf,
    },
    /// Neither a directory nor something that could be a hub id.
    #[error(
        "\"{name}\" is neither an existing directory nor a valid Hugging Face hub id \
         (`name` or `org/name` made of letters, digits, '.', '_' and '-')"
    )]
    NotFound {
        /// The model name that was given.
        name: String,
    },
    /// Offline (or the hub unreachable) and a needed file is not in the cache.
    #[error(
        "model \"{model_id}\" (revision \"{revision}\") is not in the Hugging Face cache: \
         {missing} not found under {}. No local directory of that name exists either. \
         Download it once while online (unset HF_HUB_OFFLINE), set HF_HUB_CACHE or HF_HOME \
         to the cache that holds it, or pass a local model directory",
        .looked_in.display()
    )]
    NotCached {
        /// The hub id.
        model_id: String,
        /// The requested revision.
        revision: String,
        /// The `models--org--name` folder that was searched.
        looked_in: PathBuf,
        /// The first file (or ref) that was missing.
        missing: String,
    },
    /// The hub repository has no `config.json`.
    #[error(
        "hub repository \"{model_id}\" (revision \"{revision}\") has no {file}; \
         it is not a Transformers model"
    )]
    MissingFile {
        /// The hub id.
        model_id: String,
        /// The requested revision.
        revision: String,
        /// The missing file.
        file: String,
    },
    /// The hub repository only has weights in formats we do not load.
    #[error(
        "hub repository \"{model_id}\" (revision \"{revision}\") has no safetensors weights \
         ({WEIGHTS_FILE} or {WEIGHTS_INDEX_FILE}); pytorch_model.bin is never loaded because \
         it is a Python pickle. Convert the weights to safetensors (or pick a revision that \
         has them) and try again"
    )]
    NoSafetensors {
        /// The hub id.
        model_id: String,
        /// The requested revision.
        revision: String,
    },
    /// `model.safetensors.index.json` is unreadable or malformed.
    #[error("{}: invalid safetensors index: {reason}", .path.display())]
    InvalidIndex {
        /// The index file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// No cache location could be determined.
    #[error(
        "cannot locate the Hugging Face cache: set HF_HUB_CACHE or HF_HOME (or HOME), \
         or pass a cache directory"
    )]
    NoCacheDir,
    /// A hub request or download failed.
    #[error(
        "Hugging Face hub: {what} for \"{model_id}\" (revision \"{revision}\") failed: {source}"
    )]
    Api {
        /// The hub id.
        model_id: String,
        /// The requested revision.
        revision: String,
        /// What was being done (e.g. "downloading config.json").
        what: String,
        /// The `hf-hub` error.
        #[source]
        source: ApiError,
    },
    /// A local file operation failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl HubError {
    /// Maps an I/O error on `path` to [`HubError::Io`] (for `map_err`).
    pub(super) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> HubError + '_ {
        move |source| HubError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

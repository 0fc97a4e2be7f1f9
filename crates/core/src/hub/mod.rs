//! Model resolution: turns a `model_name` (a local directory or a Hugging Face
//! hub id such as `bert-base-cased` or `org/name`) into a local directory that
//! holds `config.json`, safetensors weights and the tokenizer files.
//!
//! Hub downloads go through `hf-hub` into the standard Hugging Face cache
//! layout (`models--org--name/{refs,snapshots,blobs}`), so models already
//! downloaded by Python `transformers` are reused and vice versa. Offline
//! resolution reads that layout directly without any network access.
//! Pickled `pytorch_model.bin` weights are never fetched: loading them would
//! mean executing a Python pickle.
//!
//! This file holds the public face (file names, [`HubOptions`],
//! [`resolve_model_dir`]) and local directories; the rest lives in
//! - `error`: [`HubError`];
//! - `env`: the Hugging Face environment variables (cache root, home, token, offline flag);
//! - `cache`: one model in the cache and resolution from the cache alone;
//! - `online`: resolution through the hub with `hf-hub`.

mod cache;
mod env;
mod error;
mod online;

use std::path::{Path, PathBuf};

use cache::Target;
pub use env::parse_offline_flag;
pub use error::HubError;

/// The model configuration every model directory must contain.
pub const CONFIG_FILE: &str = "config.json";
/// Single-file safetensors weights.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// Index of sharded safetensors weights (its `weight_map` lists the shards).
pub const WEIGHTS_INDEX_FILE: &str = "model.safetensors.index.json";
/// Files fetched when the repository has them; none is required.
pub const OPTIONAL_FILES: [&str; 9] = [
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "sentencepiece.bpe.model",
    "spiece.model",
    "model_args.json",
];

/// How to reach the hub and where its cache lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubOptions {
    /// Branch, tag or commit hash to resolve.
    pub revision: String,
    /// Cache root (the `hub` folder); `None` follows the Hugging Face
    /// environment variables (`HF_HUB_CACHE`, `HF_HOME`, `XDG_CACHE_HOME`, home).
    pub cache_dir: Option<PathBuf>,
    /// Resolve from the cache only; `None` reads `HF_HUB_OFFLINE`
    /// (or `TRANSFORMERS_OFFLINE`).
    pub offline: Option<bool>,
    /// Access token for private or gated models; `None` reads `HF_TOKEN`, then
    /// the token file saved by `huggingface-cli login`.
    pub token: Option<String>,
}

impl Default for HubOptions {
    fn default() -> Self {
        HubOptions {
            revision: "main".into(),
            cache_dir: None,
            offline: None,
            token: None,
        }
    }
}

impl HubOptions {
    /// Whether to stay off the network: the explicit setting, else the
    /// environment, the same switches Python `transformers` honours.
    pub fn is_offline(&self) -> bool {
        self.offline.unwrap_or_else(|| {
            ["HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"]
                .iter()
                .any(|var| std::env::var(var).is_ok_and(|v| parse_offline_flag(&v)))
        })
    }

    /// The cache root in use: the explicit `cache_dir`, else the environment.
    pub fn resolved_cache_dir(&self) -> Result<PathBuf, HubError> {
        self.cache_dir
            .clone()
            .or_else(|| env::cache_dir_from(env::env_var))
            .ok_or(HubError::NoCacheDir)
    }
}

/// Resolves `model_name` to a local model directory.
///
/// An existing directory is used as is (canonicalised) and must hold
/// `config.json`. Otherwise `model_name` must look like a hub id; its
/// `config.json`, safetensors weights (all shards) and whichever tokenizer
/// files and `model_args.json` exist are taken from the cache or, when online,
/// downloaded into it. The returned directory is the cache snapshot holding them.
pub fn resolve_model_dir(model_name: &str, opts: &HubOptions) -> Result<PathBuf, HubError> {
    let path = Path::new(model_name);
    if path.is_dir() {
        return local_model_dir(path);
    }
    if path.exists() {
        return Err(HubError::NotADirectory {
            path: path.to_path_buf(),
        });
    }
    if !is_valid_hub_id(model_name) {
        return Err(HubError::NotFound {
            name: model_name.to_owned(),
        });
    }
    let cache_dir = opts.resolved_cache_dir()?;
    let target = Target {
        model_id: model_name,
        revision: &opts.revision,
        cache_dir: &cache_dir,
    };
    if opts.is_offline() {
        target.resolve_cached()
    } else {
        target.resolve_online(opts)
    }
}

/// Whether `name` has the shape of a hub model id: `name` or `org/name`,
/// made of ASCII letters, digits, `.`, `_` and `-`, without `..`.
pub fn is_valid_hub_id(name: &str) -> bool {
    let parts: Vec<&str> = name.split('/').collect();
    let valid_part = |p: &&str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    };
    parts.len() <= 2 && parts.iter().all(valid_part) && !name.contains("..")
}

/// Validates a local model directory and returns its canonical path.
fn local_model_dir(dir: &Path) -> Result<PathBuf, HubError> {
    let canonical = dir.canonicalize().map_err(HubError::io(dir))?;
    if !canonical.join(CONFIG_FILE).is_file() {
        return Err(HubError::NoConfig { dir: canonical });
    }
    Ok(canonical)
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    #[test]
    fn local_directory_is_used_directly() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(CONFIG_FILE), "{}").unwrap();
        let name = dir.path().to_str().unwrap();
        // Online options: a local directory must never reach the network.
        let resolved = resolve_model_dir(name, &HubOptions::default()).unwrap();
        assert_eq!(resolved, dir.path().canonicalize().unwrap());
    }

    #[test]
    fn local_directory_without_config_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let err =
            resolve_model_dir(dir.path().to_str().unwrap(), &HubOptions::default()).unwrap_err();
        assert!(matches!(err, HubError::NoConfig { .. }), "{err}");
        assert!(err.to_string().contains("has no config.json"), "{err}");

        let file = dir.path().join(CONFIG_FILE);
        fs::write(&file, "{}").unwrap();
        let err = resolve_model_dir(file.to_str().unwrap(), &HubOptions::default()).unwrap_err();
        assert!(matches!(err, HubError::NotADirectory { .. }), "{err}");
    }

    #[test]
    fn invalid_names_are_not_found() {
        let cache = tempfile::tempdir().unwrap();
        let opts = HubOptions {
            cache_dir: Some(cache.path().to_path_buf()),
            offline: Some(true),
            ..HubOptions::default()
        };
        for name in ["./nope/x/y", "a/b/c", "/abs", "org/", "a..b", "sp ace", ""] {
            let err = resolve_model_dir(name, &opts).unwrap_err();
            assert!(matches!(err, HubError::NotFound { .. }), "{name}: {err}");
            assert!(
                err.to_string().contains("neither an existing directory"),
                "{err}"
            );
        }
    }

    #[test]
    fn hub_id_shapes() {
        for ok in [
            "gpt2",
            "bert-base-cased",
            "KB/bert-base-swedish-cased",
            "org/m.v1_2",
        ] {
            assert!(is_valid_hub_id(ok), "{ok}");
        }
        for bad in ["", "/", "a/", "/a", "a/b/c", "a/../b", "a b", "a:b", "é"] {
            assert!(!is_valid_hub_id(bad), "{bad}");
        }
    }
}

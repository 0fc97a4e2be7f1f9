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

use std::collections::{BTreeSet, HashSet};
use std::ffi::OsString;
use std::fs;
use std::path::{Component, Path, PathBuf};

use hf_hub::api::sync::{Api, ApiBuilder, ApiError, ApiRepo};
use hf_hub::{Cache, Repo, RepoType};
use serde_json::Value;

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
            .or_else(|| cache_dir_from(env_var))
            .ok_or(HubError::NoCacheDir)
    }
}

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

/// Parses an `HF_HUB_OFFLINE`-style flag: `1`, `true`, `yes` or `on`
/// (any case, surrounding spaces ignored) mean offline; anything else not.
pub fn parse_offline_flag(value: &str) -> bool {
    let value = value.trim();
    ["1", "true", "yes", "on"]
        .iter()
        .any(|on| value.eq_ignore_ascii_case(on))
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

/// Reads one environment variable, treating an empty value as unset.
fn env_var(name: &str) -> Option<OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}

/// The Hugging Face home (`HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else
/// `~/.cache/huggingface`), computed from an environment lookup so that it
/// can be tested without touching the process environment.
fn hf_home_from(lookup: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    if let Some(home) = lookup("HF_HOME") {
        return Some(home.into());
    }
    if let Some(xdg) = lookup("XDG_CACHE_HOME") {
        return Some(PathBuf::from(xdg).join("huggingface"));
    }
    let user_home = lookup("HOME").or_else(|| lookup("USERPROFILE"))?;
    Some(PathBuf::from(user_home).join(".cache").join("huggingface"))
}

/// The hub cache root as Python `huggingface_hub` computes it: `HF_HUB_CACHE`
/// (or its legacy name `HUGGINGFACE_HUB_CACHE`), else `<hf home>/hub`.
/// `hf_hub::Cache::from_env` ignores `HF_HUB_CACHE` and `XDG_CACHE_HOME`, so it
/// is not used here.
fn cache_dir_from(lookup: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    lookup("HF_HUB_CACHE")
        .or_else(|| lookup("HUGGINGFACE_HUB_CACHE"))
        .map(PathBuf::from)
        .or_else(|| hf_home_from(&lookup).map(|home| home.join("hub")))
}

/// The token to send: explicit, else `HF_TOKEN`, else the login token file
/// in the Hugging Face home (which need not be the cache's parent).
fn resolve_token(opts: &HubOptions) -> Option<String> {
    let from_file = || {
        let path = hf_home_from(env_var)?.join("token");
        let token = fs::read_to_string(path).ok()?;
        Some(token.trim().to_owned()).filter(|t| !t.is_empty())
    };
    opts.token
        .clone()
        .or_else(|| std::env::var("HF_TOKEN").ok().filter(|t| !t.is_empty()))
        .or_else(from_file)
}

/// Validates a local model directory and returns its canonical path.
fn local_model_dir(dir: &Path) -> Result<PathBuf, HubError> {
    let canonical = dir.canonicalize().map_err(|source| HubError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    if !canonical.join(CONFIG_FILE).is_file() {
        return Err(HubError::NoConfig { dir: canonical });
    }
    Ok(canonical)
}

/// Whether `s` is a full 40-character hexadecimal commit hash.
fn is_commit_hash(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether `name` is a relative path that stays inside the snapshot
/// directory; index files come from the network and must not escape it.
fn is_safe_relative(name: &str) -> bool {
    let path = Path::new(name);
    !name.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)))
}

/// The distinct shard file names listed in a safetensors index's `weight_map`.
fn shard_files(index_path: &Path) -> Result<Vec<String>, HubError> {
    let invalid = |reason: String| HubError::InvalidIndex {
        path: index_path.to_path_buf(),
        reason,
    };
    let text = fs::read_to_string(index_path).map_err(|source| HubError::Io {
        path: index_path.to_path_buf(),
        source,
    })?;
    let index: Value = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    let weight_map = index
        .get("weight_map")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("no \"weight_map\" object".into()))?;
    let mut shards = BTreeSet::new();
    for (tensor, file) in weight_map {
        let file = file
            .as_str()
            .filter(|f| is_safe_relative(f))
            .ok_or_else(|| invalid(format!("bad shard file name for tensor \"{tensor}\"")))?;
        shards.insert(file.to_owned());
    }
    if shards.is_empty() {
        return Err(invalid("\"weight_map\" lists no shards".into()));
    }
    Ok(shards.into_iter().collect())
}

/// One hub model at one revision in one cache.
struct Target<'a> {
    model_id: &'a str,
    revision: &'a str,
    cache_dir: &'a Path,
}

impl Target<'_> {
    fn repo(&self) -> Repo {
        Repo::with_revision(
            self.model_id.to_owned(),
            RepoType::Model,
            self.revision.to_owned(),
        )
    }

    /// The `models--org--name` folder of this model in the cache.
    fn repo_dir(&self) -> PathBuf {
        self.cache_dir.join(self.repo().folder_name())
    }

    fn not_cached(&self, missing: impl Into<String>) -> HubError {
        HubError::NotCached {
            model_id: self.model_id.to_owned(),
            revision: self.revision.to_owned(),
            looked_in: self.repo_dir(),
            missing: missing.into(),
        }
    }

    fn api_error(&self, what: &str, source: ApiError) -> HubError {
        HubError::Api {
            model_id: self.model_id.to_owned(),
            revision: self.revision.to_owned(),
            what: what.to_owned(),
            source,
        }
    }

    /// The commit the revision points to in the cache: the revision itself
    /// if it is a cached commit hash, else the content of `refs/<revision>`.
    fn cached_commit(&self) -> Option<String> {
        let repo_dir = self.repo_dir();
        if is_commit_hash(self.revision) && repo_dir.join("snapshots").join(self.revision).is_dir()
        {
            return Some(self.revision.to_owned());
        }
        if !is_safe_relative(self.revision) {
            return None;
        }
        let commit = fs::read_to_string(repo_dir.join("refs").join(self.revision)).ok()?;
        Some(commit.trim().to_owned()).filter(|c| is_safe_relative(c))
    }

    /// Resolves from the cache only: the snapshot must hold `config.json` and
    /// complete safetensors weights.
    fn resolve_cached(&self) -> Result<PathBuf, HubError> {
        let commit = self
            .cached_commit()
            .ok_or_else(|| self.not_cached(format!("refs/{}", self.revision)))?;
        let snapshot = self.repo_dir().join("snapshots").join(&commit);
        let require = |file: &str| {
            if snapshot.join(file).is_file() {
                Ok(())
            } else {
                Err(self.not_cached(format!("snapshots/{commit}/{file}")))
            }
        };
        require(CONFIG_FILE)?;
        let index = snapshot.join(WEIGHTS_INDEX_FILE);
        if index.is_file() {
            shard_files(&index)?.iter().try_for_each(|s| require(s))?;
        } else {
            require(WEIGHTS_FILE)?;
        }
        Ok(snapshot)
    }

    /// Resolves through the hub: lists the repository at the revision, then
    /// fetches whatever the snapshot of that commit lacks. If the hub cannot be
    /// reached but the cache is complete, the cache is used with a warning, as
    /// Python `transformers` does.
    fn resolve_online(&self, opts: &HubOptions) -> Result<PathBuf, HubError> {
        let api = self.build_api(opts)?;
        let info = match api.repo(self.repo()).info() {
            Ok(info) => info,
            Err(err) => return self.fall_back_to_cache(err),
        };
        let remote: HashSet<&str> = info.siblings.iter().map(|s| s.rfilename.as_str()).collect();
        let snapshot = self.repo_dir().join("snapshots").join(&info.sha);
        // Download by commit so that every file lands in the same snapshot
        // even if the branch moves while we download.
        let pinned =
            Repo::with_revision(self.model_id.to_owned(), RepoType::Model, info.sha.clone());
        let fetcher = Fetcher {
            target: self,
            repo: api.repo(pinned),
            snapshot: &snapshot,
        };
        if !remote.contains(CONFIG_FILE) {
            return Err(HubError::MissingFile {
                model_id: self.model_id.to_owned(),
                revision: self.revision.to_owned(),
                file: CONFIG_FILE.into(),
            });
        }
        fetcher.fetch(CONFIG_FILE)?;
        self.fetch_weights(&fetcher, &remote)?;
        for file in OPTIONAL_FILES.iter().filter(|f| remote.contains(**f)) {
            fetcher.fetch(file)?;
        }
        self.record_ref(&info.sha)?;
        Ok(snapshot)
    }

    /// Fetches the sharded or single-file safetensors weights.
    fn fetch_weights(&self, fetcher: &Fetcher<'_>, remote: &HashSet<&str>) -> Result<(), HubError> {
        if remote.contains(WEIGHTS_INDEX_FILE) {
            let index = fetcher.fetch(WEIGHTS_INDEX_FILE)?;
            for shard in shard_files(&index)? {
                fetcher.fetch(&shard)?;
            }
            Ok(())
        } else if remote.contains(WEIGHTS_FILE) {
            fetcher.fetch(WEIGHTS_FILE).map(drop)
        } else {
            Err(HubError::NoSafetensors {
                model_id: self.model_id.to_owned(),
                revision: self.revision.to_owned(),
            })
        }
    }

    /// Points `refs/<revision>` at the resolved commit, so that a later
    /// offline run finds it even when every file was already cached.
    fn record_ref(&self, commit: &str) -> Result<(), HubError> {
        if self.revision == commit {
            return Ok(());
        }
        Cache::new(self.cache_dir.to_path_buf())
            .repo(self.repo())
            .create_ref(commit)
            .map_err(|source| HubError::Io {
                path: self.repo_dir().join("refs").join(self.revision),
                source,
            })
    }

    /// Uses a complete cached snapshot when the hub request failed; if the
    /// cache cannot serve the model either, the hub error is the useful one.
    fn fall_back_to_cache(&self, err: ApiError) -> Result<PathBuf, HubError> {
        match self.resolve_cached() {
            Ok(dir) => {
                tracing::warn!(
                    model = self.model_id,
                    error = %err,
                    "could not reach the Hugging Face hub; using the cached snapshot {}",
                    dir.display()
                );
                Ok(dir)
            }
            Err(_) => Err(self.api_error(
                "listing the files (no local directory of that name exists either)",
                err,
            )),
        }
    }

    /// An `hf-hub` client writing into our cache, with the resolved token and
    /// the `HF_ENDPOINT` mirror if one is set.
    fn build_api(&self, opts: &HubOptions) -> Result<Api, HubError> {
        let mut builder = ApiBuilder::from_cache(Cache::new(self.cache_dir.to_path_buf()))
            .with_token(resolve_token(opts));
        if let Ok(endpoint) = std::env::var("HF_ENDPOINT") {
            builder = builder.with_endpoint(endpoint);
        }
        builder
            .build()
            .map_err(|err| self.api_error("creating the client", err))
    }
}

/// Downloads files of one pinned commit into its snapshot directory.
struct Fetcher<'a> {
    target: &'a Target<'a>,
    repo: ApiRepo,
    snapshot: &'a Path,
}

impl Fetcher<'_> {
    /// The local path of `file`, downloading it unless the snapshot has it.
    fn fetch(&self, file: &str) -> Result<PathBuf, HubError> {
        let local = self.snapshot.join(file);
        if local.is_file() {
            return Ok(local);
        }
        self.repo
            .download(file)
            .map_err(|err| self.target.api_error(&format!("downloading {file}"), err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

    fn offline_opts(cache: &Path) -> HubOptions {
        HubOptions {
            cache_dir: Some(cache.to_path_buf()),
            offline: Some(true),
            ..HubOptions::default()
        }
    }

    /// Lays out `models--org--tiny` as hf-hub does and returns the snapshot dir.
    fn cached_model(cache: &Path, files: &[&str]) -> PathBuf {
        let repo = cache.join("models--org--tiny");
        fs::create_dir_all(repo.join("refs")).unwrap();
        fs::write(repo.join("refs/main"), COMMIT).unwrap();
        let snapshot = repo.join("snapshots").join(COMMIT);
        fs::create_dir_all(&snapshot).unwrap();
        for file in files {
            fs::write(snapshot.join(file), b"{}").unwrap();
        }
        snapshot
    }

    fn write_index(snapshot: &Path, shards: &[&str]) {
        let weight_map: serde_json::Map<String, Value> = shards
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("layer.{i}.weight"), Value::from(*s)))
            .collect();
        let index = serde_json::json!({ "metadata": {}, "weight_map": weight_map });
        fs::write(snapshot.join(WEIGHTS_INDEX_FILE), index.to_string()).unwrap();
    }

    #[test]
    fn resolves_cached_snapshot_offline() {
        let cache = tempfile::tempdir().unwrap();
        let snapshot = cached_model(cache.path(), &[CONFIG_FILE, WEIGHTS_FILE, "tokenizer.json"]);
        let dir = resolve_model_dir("org/tiny", &offline_opts(cache.path())).unwrap();
        assert_eq!(dir, snapshot);
        assert!(dir.join("tokenizer.json").is_file());
    }

    #[test]
    fn ref_file_with_trailing_newline_is_accepted() {
        let cache = tempfile::tempdir().unwrap();
        let snapshot = cached_model(cache.path(), &[CONFIG_FILE, WEIGHTS_FILE]);
        fs::write(
            cache.path().join("models--org--tiny/refs/main"),
            format!("{COMMIT}\n"),
        )
        .unwrap();
        let dir = resolve_model_dir("org/tiny", &offline_opts(cache.path())).unwrap();
        assert_eq!(dir, snapshot);
    }

    #[test]
    fn revision_can_be_a_commit_hash() {
        let cache = tempfile::tempdir().unwrap();
        let snapshot = cached_model(cache.path(), &[CONFIG_FILE, WEIGHTS_FILE]);
        fs::remove_file(cache.path().join("models--org--tiny/refs/main")).unwrap();
        let opts = HubOptions {
            revision: COMMIT.into(),
            ..offline_opts(cache.path())
        };
        assert_eq!(resolve_model_dir("org/tiny", &opts).unwrap(), snapshot);

        let other = HubOptions {
            revision: "v1.0".into(),
            ..offline_opts(cache.path())
        };
        let err = resolve_model_dir("org/tiny", &other).unwrap_err();
        assert!(err.to_string().contains("refs/v1.0"), "{err}");
    }

    #[test]
    fn sharded_weights_need_every_shard() {
        let cache = tempfile::tempdir().unwrap();
        let shards = [
            "model-00001-of-00002.safetensors",
            "model-00002-of-00002.safetensors",
        ];
        let snapshot = cached_model(cache.path(), &[CONFIG_FILE, shards[0], shards[1]]);
        write_index(&snapshot, &[shards[0], shards[1], shards[1]]);
        let opts = offline_opts(cache.path());
        assert_eq!(resolve_model_dir("org/tiny", &opts).unwrap(), snapshot);

        fs::remove_file(snapshot.join(shards[1])).unwrap();
        let err = resolve_model_dir("org/tiny", &opts).unwrap_err();
        assert!(
            matches!(&err, HubError::NotCached { missing, .. } if missing.ends_with(shards[1])),
            "{err}"
        );
    }

    #[test]
    fn shard_names_may_not_escape_the_snapshot() {
        let cache = tempfile::tempdir().unwrap();
        let snapshot = cached_model(cache.path(), &[CONFIG_FILE]);
        write_index(&snapshot, &["../../evil.safetensors"]);
        let err = resolve_model_dir("org/tiny", &offline_opts(cache.path())).unwrap_err();
        assert!(matches!(err, HubError::InvalidIndex { .. }), "{err}");
    }

    #[test]
    fn missing_weights_or_config_are_not_cached() {
        let cache = tempfile::tempdir().unwrap();
        cached_model(cache.path(), &[CONFIG_FILE, "pytorch_model.bin"]);
        let err = resolve_model_dir("org/tiny", &offline_opts(cache.path())).unwrap_err();
        assert!(err.to_string().contains(WEIGHTS_FILE), "{err}");

        let cache = tempfile::tempdir().unwrap();
        cached_model(cache.path(), &[WEIGHTS_FILE]);
        let err = resolve_model_dir("org/tiny", &offline_opts(cache.path())).unwrap_err();
        assert!(err.to_string().contains(CONFIG_FILE), "{err}");
    }

    #[test]
    fn uncached_model_offline_names_the_cache_path() {
        let cache = tempfile::tempdir().unwrap();
        let err = resolve_model_dir("bert-base-cased", &offline_opts(cache.path())).unwrap_err();
        let looked_in = cache.path().join("models--bert-base-cased");
        assert!(
            matches!(&err, HubError::NotCached { looked_in: l, .. } if *l == looked_in),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains(&looked_in.display().to_string()), "{msg}");
        assert!(
            msg.contains("HF_HUB_CACHE") && msg.contains("local model directory"),
            "{msg}"
        );
    }

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
        for name in ["./nope/x/y", "a/b/c", "/abs", "org/", "a..b", "sp ace", ""] {
            let err = resolve_model_dir(name, &offline_opts(cache.path())).unwrap_err();
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

    #[test]
    fn offline_flag_parsing() {
        for on in ["1", "true", "TRUE", "Yes", "on", " On "] {
            assert!(parse_offline_flag(on), "{on}");
        }
        for off in ["", "0", "false", "no", "off", "2", "y"] {
            assert!(!parse_offline_flag(off), "{off}");
        }
        assert!(
            HubOptions {
                offline: Some(true),
                ..HubOptions::default()
            }
            .is_offline()
        );
        assert!(
            !HubOptions {
                offline: Some(false),
                ..HubOptions::default()
            }
            .is_offline()
        );
    }

    #[test]
    fn cache_dir_follows_hugging_face_precedence() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |key: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        let all = env(&[("HF_HUB_CACHE", "/c"), ("HF_HOME", "/h"), ("HOME", "/u")]);
        assert_eq!(cache_dir_from(all), Some(PathBuf::from("/c")));
        let home = env(&[("HF_HOME", "/h"), ("XDG_CACHE_HOME", "/x"), ("HOME", "/u")]);
        assert_eq!(cache_dir_from(home), Some(PathBuf::from("/h/hub")));
        let xdg = env(&[("XDG_CACHE_HOME", "/x"), ("HOME", "/u")]);
        assert_eq!(
            cache_dir_from(xdg),
            Some(PathBuf::from("/x/huggingface/hub"))
        );
        let user = env(&[("HOME", "/u")]);
        assert_eq!(
            cache_dir_from(user),
            Some(PathBuf::from("/u/.cache/huggingface/hub"))
        );
        assert_eq!(cache_dir_from(env(&[])), None);

        let explicit = HubOptions {
            cache_dir: Some("/explicit".into()),
            ..HubOptions::default()
        };
        assert_eq!(
            explicit.resolved_cache_dir().unwrap(),
            PathBuf::from("/explicit")
        );
    }

    #[test]
    fn commit_hash_detection() {
        assert!(is_commit_hash(COMMIT));
        assert!(!is_commit_hash("main"));
        assert!(!is_commit_hash(&COMMIT[1..]));
    }
}

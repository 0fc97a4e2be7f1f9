//! One hub model at one revision in one Hugging Face cache ([`Target`]), and
//! resolution from that cache alone: `refs/<revision>` names the commit, whose
//! `snapshots/<commit>` folder must hold `config.json` and complete
//! safetensors weights. No network access happens here.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

use hf_hub::api::sync::ApiError;
use hf_hub::{Repo, RepoType};
use serde_json::Value;

use super::{CONFIG_FILE, HubError, WEIGHTS_FILE, WEIGHTS_INDEX_FILE};

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
pub(super) fn shard_files(index_path: &Path) -> Result<Vec<String>, HubError> {
    let invalid = |reason: String| HubError::InvalidIndex {
        path: index_path.to_path_buf(),
        reason,
    };
    let text = fs::read_to_string(index_path).map_err(HubError::io(index_path))?;
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
pub(super) struct Target<'a> {
    pub(super) model_id: &'a str,
    pub(super) revision: &'a str,
    pub(super) cache_dir: &'a Path,
}

impl Target<'_> {
    /// This model at the requested revision.
    pub(super) fn repo(&self) -> Repo {
        self.repo_at(self.revision)
    }

    /// This model at `revision` (a branch, tag or commit).
    pub(super) fn repo_at(&self, revision: &str) -> Repo {
        Repo::with_revision(
            self.model_id.to_owned(),
            RepoType::Model,
            revision.to_owned(),
        )
    }

    /// The `models--org--name` folder of this model in the cache.
    pub(super) fn repo_dir(&self) -> PathBuf {
        self.cache_dir.join(self.repo().folder_name())
    }

    /// The `snapshots/<commit>` folder of `commit` in the cache.
    pub(super) fn snapshot_dir(&self, commit: &str) -> PathBuf {
        self.repo_dir().join("snapshots").join(commit)
    }

    fn not_cached(&self, missing: impl Into<String>) -> HubError {
        HubError::NotCached {
            model_id: self.model_id.to_owned(),
            revision: self.revision.to_owned(),
            looked_in: self.repo_dir(),
            missing: missing.into(),
        }
    }

    pub(super) fn api_error(&self, what: &str, source: ApiError) -> HubError {
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
        if is_commit_hash(self.revision) && self.snapshot_dir(self.revision).is_dir() {
            return Some(self.revision.to_owned());
        }
        if !is_safe_relative(self.revision) {
            return None;
        }
        let commit = fs::read_to_string(self.repo_dir().join("refs").join(self.revision)).ok()?;
        Some(commit.trim().to_owned()).filter(|c| is_safe_relative(c))
    }

    /// Resolves from the cache only: the snapshot must hold `config.json` and
    /// complete safetensors weights.
    pub(super) fn resolve_cached(&self) -> Result<PathBuf, HubError> {
        let commit = self
            .cached_commit()
            .ok_or_else(|| self.not_cached(format!("refs/{}", self.revision)))?;
        let snapshot = self.snapshot_dir(&commit);
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
}

#[cfg(test)]
mod tests {
    use super::super::{HubOptions, resolve_model_dir};
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
    fn commit_hash_detection() {
        assert!(is_commit_hash(COMMIT));
        assert!(!is_commit_hash("main"));
        assert!(!is_commit_hash(&COMMIT[1..]));
    }
}

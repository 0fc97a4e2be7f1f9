//! What the examples share: which model to fine-tune, where to write, and the sample data.

#![allow(dead_code)] // each example uses a different part

use std::path::{Path, PathBuf};

use st_classification::Example;
use st_classification::files::read_examples;
use st_core::args::ModelArgs;
use st_core::backend::DefaultBackend;
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
    /// `--model DIR` if given, else `$ST_MINILM_DIR` (the real all-MiniLM-L6-v2, see the
    /// README), else a small BERT built here with random weights and the real uncased BERT
    /// vocabulary. Prints which one it uses.
    pub fn new(name: &str) -> Result<Self, Error> {
        let flag = std::env::args().skip_while(|a| a != "--model").nth(1);
        let work = repo().join("target/examples").join(name);
        let setup = match flag.or_else(|| std::env::var("ST_MINILM_DIR").ok()) {
            Some(dir) => Self {
                model_dir: dir,
                small: false,
                work,
            },
            None => {
                let dir = repo().join("target/examples/small-bert");
                build_small_bert(&dir)?;
                Self {
                    model_dir: dir.to_string_lossy().into_owned(),
                    small: true,
                    work,
                }
            }
        };
        if setup.small {
            println!(
                "model: a small BERT with random weights built in {} (pass --model DIR or set \
                 ST_MINILM_DIR for a real pretrained model)",
                setup.model_dir
            );
        } else {
            println!("model: {}", setup.model_dir);
        }
        Ok(setup)
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

//! [`TaskBase`]: the state every task model holds (module, arguments, tokenizer, device, where
//! it came from) and what the lifecycle does with it the same way for every task: thread
//! pools from `thread_count` / `process_count`, seeding, and the non-weight files of a save.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use burn::tensor::backend::Backend;
use rayon::ThreadPool;
use rayon::prelude::*;

use super::Prepared;
use crate::args::TaskArgs;
use crate::tokenizer::{Tokenizer, copy_tokenizer_files};

/// Which data featurisation is for: Python has one switch for each
/// (`use_multiprocessing`, `use_multiprocessing_for_evaluation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Train,
    Eval,
}

/// The shared state of a task model.
#[derive(Debug)]
pub struct TaskBase<B: Backend, M, A> {
    /// The Burn module being trained and used (encoder + head).
    pub module: M,
    /// The arguments in effect.
    pub args: A,
    /// The tokenizer, with any `special_tokens_list` tokens added.
    pub tokenizer: Tokenizer,
    /// Whether tokens were added to the tokenizer, so that a save must write its
    /// `tokenizer.json` instead of copying the source's files.
    pub tokens_added: bool,
    pub device: B::Device,
    /// The directory the model was loaded from.
    pub model_dir: PathBuf,
    /// The directory the tokenizer files come from.
    pub tokenizer_dir: PathBuf,
    /// A training checkpoint this model was loaded from, which the next `train_model`
    /// continues; cleared once trained.
    pub checkpoint: Option<PathBuf>,
    /// `thread_count`: the pool compute runs in (the CPU backends split their kernels over
    /// rayon's current pool).
    compute: Option<Arc<ThreadPool>>,
    /// `process_count`: the pool featurisation runs in.
    features: Arc<ThreadPool>,
}

impl<B: Backend, M, A: TaskArgs> TaskBase<B, M, A> {
    /// The base of a model built from `prepared`, seeded pools included. On the CPU, `fp16` is
    /// turned off as Python does without CUDA; on a GPU backend a request for it is reported,
    /// since the backends here compute in f32.
    pub fn new(
        prepared: Prepared<A>,
        module: M,
        tokenizer: Tokenizer,
        tokens_added: bool,
        device: B::Device,
    ) -> crate::Result<Self> {
        let Prepared {
            mut args,
            model_dir,
            tokenizer_dir,
            checkpoint,
            ..
        } = prepared;
        let model = args.model_mut();
        if model.fp16 {
            if crate::backend::is_host_backend::<B>() {
                model.fp16 = false;
            } else {
                tracing::warn!(
                    "fp16: mixed precision is not implemented on the {} backend; computing in \
                     f32 (set fp16 = false to silence this)",
                    crate::backend::BACKEND_NAME
                );
            }
        }
        let pool = |threads: usize, what: &str| -> crate::Result<Arc<ThreadPool>> {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(move |i| format!("st-{i}"))
                .build()
                .map(Arc::new)
                .map_err(|e| crate::Error::Other(format!("cannot start {threads} {what}: {e}")))
        };
        let compute = args
            .model()
            .thread_count
            .map(|n| pool(n, "compute threads (thread_count)"))
            .transpose()?;
        let features = pool(
            args.model().process_count,
            "featurisation threads (process_count)",
        )?;
        Ok(Self {
            module,
            args,
            tokenizer,
            tokens_added,
            device,
            model_dir,
            tokenizer_dir,
            checkpoint,
            compute,
            features,
        })
    }

    /// The same state around another module (a task that wraps the module an encoder
    /// constructor built).
    pub fn map_module<N>(self, wrap: impl FnOnce(M) -> N) -> TaskBase<B, N, A> {
        TaskBase {
            module: wrap(self.module),
            args: self.args,
            tokenizer: self.tokenizer,
            tokens_added: self.tokens_added,
            device: self.device,
            model_dir: self.model_dir,
            tokenizer_dir: self.tokenizer_dir,
            checkpoint: self.checkpoint,
            compute: self.compute,
            features: self.features,
        }
    }

    /// Run `work` in the `thread_count` pool, or on the caller's pool without one.
    pub fn compute<R: Send>(&self, work: impl FnOnce() -> R + Send) -> R {
        match &self.compute {
            Some(pool) => pool.install(work),
            None => work(),
        }
    }

    /// `f` over `items` (with their index), in parallel on `process_count` threads in chunks
    /// of `multiprocessing_chunksize` items, or on this thread when the mode's
    /// `use_multiprocessing*` switch is off. Results keep the items' order.
    pub fn featurise<T: Sync, R: Send>(
        &self,
        mode: Mode,
        items: &[T],
        f: impl Fn(usize, &T) -> R + Sync + Send,
    ) -> Vec<R> {
        let args = self.args.model();
        let parallel = match mode {
            Mode::Train => args.use_multiprocessing,
            Mode::Eval => args.use_multiprocessing_for_evaluation,
        };
        if !parallel {
            return items
                .iter()
                .enumerate()
                .map(|(i, item)| f(i, item))
                .collect();
        }
        // Python's chunk size: max(n / (2 * processes), 500) when not given.
        let chunk = usize::try_from(args.multiprocessing_chunksize)
            .unwrap_or_else(|_| (items.len() / (2 * args.process_count.max(1))).max(500));
        self.features.install(|| {
            items
                .par_iter()
                .enumerate()
                .with_min_len(chunk.max(1))
                .map(|(i, item)| f(i, item))
                .collect()
        })
    }

    /// [`TaskBase::featurise`] for a fallible `f`: the first error (by item order) wins.
    pub fn try_featurise<T: Sync, R: Send, E: Send>(
        &self,
        mode: Mode,
        items: &[T],
        f: impl Fn(usize, &T) -> Result<R, E> + Sync + Send,
    ) -> Result<Vec<R>, E> {
        self.featurise(mode, items, f).into_iter().collect()
    }

    /// Seed the backend's generator with `manual_seed`, as Python seeds before building the
    /// model, so that a new head (and dropout) is reproducible.
    pub fn seed(args: &A, device: &B::Device) {
        if let Some(seed) = args.model().manual_seed {
            B::seed(device, seed);
        }
    }

    /// Write what a saved model holds besides its weights and `config.json`: the tokenizer
    /// (the source's files; our `tokenizer.json` when tokens were added, since the source's
    /// lacks them) and `model_args.json`.
    pub fn write_tokenizer_and_args(&self, dir: &Path) -> crate::Result<()> {
        self.write_tokenizer(dir)?;
        self.args.save(dir)?;
        Ok(())
    }

    /// Write the tokenizer alone (for a model directory nested in a saved one, which another
    /// task may load with its own arguments).
    pub fn write_tokenizer(&self, dir: &Path) -> crate::Result<()> {
        copy_tokenizer_files(&self.tokenizer_dir, dir)?;
        if self.tokens_added {
            self.tokenizer.save_json(&dir.join("tokenizer.json"))?;
        }
        Ok(())
    }
}

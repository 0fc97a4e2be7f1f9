//! [`TaskModel`]: the lifecycle every Simple Transformers task model shares — construction from
//! `model_type` + `model_name`, `train_model`, `eval_model`, `predict`, `save_model`,
//! `get_named_parameters` — written once here. A task crate supplies only what is its own:
//! how examples become rows and batches, the loss, what evaluation reports, how raw outputs
//! become predictions, and the weights' Hugging Face layout.
//!
//! ```text
//! constructor ── Prepared::open (dir, args, config.json) ── head + tokenizer ── TaskBase::new
//! train_model ── train_rows ─┐
//!                eval_rows ──┴─ Trainer (train_batch, loss, evaluate, write_model) ─ module
//! eval_model  ── eval_rows ── evaluate ── eval_results.txt ── eval_output
//! predict     ── predict_inputs            (all inside the thread_count pool)
//! save_model  ── write_weights + tokenizer + model_args.json, staged and renamed into place
//! ```

mod base;
mod cache;
mod infer;
mod rows;
mod run;
mod source;

use std::path::Path;

use burn::module::AutodiffModule;
use burn::tensor::Tensor;
use burn::tensor::backend::AutodiffBackend;

pub use base::{Mode, TaskBase};
pub use cache::{FeatureKey, cached};
pub use infer::{BatchOrder, argmax, for_each_batch, mean_loss, values};
pub use rows::{LazyRows, TrainRows, pick};
pub use source::{ArgsInput, Prepared};

use crate::args::TaskArgs;
use crate::staging::StagedDir;
use crate::tokenizer::Tokenizer;
use crate::train::{EvalResults, TrainError, TrainOutput, Trainer, write_eval_results};
use crate::weights::{NameMap, named_parameters};

/// A task model (classification, NER, QA, …): implement the required methods, and the
/// lifecycle methods come with them.
pub trait TaskModel<B: AutodiffBackend>: Sized + Send + Sync {
    /// The task's arguments (global ones flattened in).
    type Args: TaskArgs + Send + Sync;
    /// Constructor options besides `model_type` and `model_name` (Python's keywords).
    type Options;
    /// The task crate's error; core and training errors convert into it, sources intact.
    type Error: From<crate::Error> + From<TrainError> + std::error::Error + Send + Sync + 'static;
    /// The trained Burn module (encoder + head).
    type Module: AutodiffModule<B> + Clone + Send + Sync;
    /// One labelled item of training or evaluation data (an example, a sentence, a context).
    type Example: Sync;
    /// One item to predict for.
    type Input<'a>: Sync;
    /// What `predict` returns (Python's tuple).
    type Predictions: Send;
    /// User metrics (Python's `**kwargs` metrics).
    type Metrics: Clone + Default + Send + Sync;
    /// What evaluation computes besides the results (outputs, predictions), for `eval_model`.
    type EvalDetails: Send;
    /// What `eval_model` returns (Python's tuple).
    type EvalOutput: Send;
    /// Featurised training data (in memory, or read lazily from a file).
    type TrainRows: Send + Sync;
    /// Featurised evaluation data.
    type EvalRows: Send + Sync;
    /// A batch ready for the forward pass.
    type Batch;

    /// Load `model_name` (a local directory or a hub id) as a `model_type` task model on
    /// `device`.
    fn with_device(
        model_type: &str,
        model_name: &str,
        options: Self::Options,
        device: B::Device,
    ) -> Result<Self, Self::Error>;

    /// The shared state.
    fn base(&self) -> &TaskBase<B, Self::Module, Self::Args>;
    /// The shared state, mutably (training replaces the module).
    fn base_mut(&mut self) -> &mut TaskBase<B, Self::Module, Self::Args>;

    /// Read labelled data from a file in the task's format.
    fn read_examples(&self, path: &Path) -> Result<Vec<Self::Example>, Self::Error>;
    /// Featurise training data.
    fn train_rows(&self, examples: &[Self::Example]) -> Result<Self::TrainRows, Self::Error>;
    /// Training data from a file: read whole by default; tasks with `lazy_loading` index the
    /// file and read it as batches need it.
    fn train_rows_from_file(&self, path: &Path) -> Result<Self::TrainRows, Self::Error> {
        let examples = self.read_examples(path)?;
        self.train_rows(&examples)
    }
    /// How many rows (the trainer's examples) there are.
    fn num_train_rows(rows: &Self::TrainRows) -> usize;
    /// The batch of the rows at `indices`; `seed` is the batch's own random seed (the same
    /// when a run resumes), for tasks whose batches are drawn at random (masked-LM masking).
    fn train_batch(
        &self,
        rows: &Self::TrainRows,
        indices: &[usize],
        seed: u64,
        device: &B::Device,
    ) -> Result<Self::Batch, Self::Error>;
    /// The mean loss of a batch in training mode.
    fn loss(&self, module: &Self::Module, batch: Self::Batch) -> Tensor<B, 1>;
    /// Featurise evaluation data.
    fn eval_rows(&self, examples: &[Self::Example]) -> Result<Self::EvalRows, Self::Error>;
    /// Evaluate `module` on `rows`: the results by name (`eval_loss` included) and the details
    /// `eval_model` returns.
    fn evaluate(
        &self,
        module: &<Self::Module as AutodiffModule<B>>::InnerModule,
        rows: &Self::EvalRows,
        metrics: &Self::Metrics,
        show_progress: bool,
    ) -> Result<(EvalResults, Self::EvalDetails), Self::Error>;
    /// The result names evaluation will report with these user metrics, so that an
    /// `early_stopping_metric` it never reports fails before training.
    fn metric_names(&self, metrics: &Self::Metrics) -> Vec<String>;
    /// `eval_model`'s return value from an evaluation of `examples`.
    fn eval_output(
        &self,
        examples: &[Self::Example],
        results: EvalResults,
        details: Self::EvalDetails,
    ) -> Result<Self::EvalOutput, Self::Error>;
    /// Predict for `inputs` (runs inside the `thread_count` pool, see [`TaskModel::predict`]).
    fn predict_inputs(&self, inputs: &[Self::Input<'_>]) -> Result<Self::Predictions, Self::Error>;
    /// Burn paths → Hugging Face names of the module.
    fn name_map(&self) -> Box<dyn NameMap + '_>;
    /// Write `module`'s weights and `config.json` into `dir`.
    fn write_weights(&self, module: &Self::Module, dir: &Path) -> Result<(), Self::Error>;
    /// Shuffle training rows in whole chunks of this many (classification's
    /// `batch_chunk_size`).
    fn batch_chunk_size(&self) -> Option<usize> {
        None
    }

    /// The arguments in effect.
    fn args(&self) -> &Self::Args {
        &self.base().args
    }

    /// The tokenizer, with any `special_tokens_list` tokens added.
    fn tokenizer(&self) -> &Tokenizer {
        &self.base().tokenizer
    }

    /// The model's parameters by Hugging Face name (`get_named_parameters()`).
    fn get_named_parameters(&self) -> Vec<String> {
        named_parameters(&self.base().module, self.name_map().as_ref(), true)
            .into_iter()
            .map(|p| p.hf_name)
            .collect()
    }

    /// Fine-tune on `train` (evaluating on `eval` during training when the args say so), then
    /// save to `output_dir`. A model loaded from a training checkpoint continues that run.
    fn train_model(
        &mut self,
        train: &[Self::Example],
        eval: Option<&[Self::Example]>,
        metrics: Self::Metrics,
    ) -> Result<TrainOutput, Self::Error> {
        preflight(self, eval.is_some(), &metrics)?;
        let rows = self.base().compute(|| self.train_rows(train))?;
        train_rows_with(self, rows, eval, metrics)
    }

    /// Fine-tune on a data file in the task's format (read lazily with `lazy_loading` where the
    /// task supports it).
    fn train_model_from_file(
        &mut self,
        path: &Path,
        eval: Option<&[Self::Example]>,
        metrics: Self::Metrics,
    ) -> Result<TrainOutput, Self::Error> {
        preflight(self, eval.is_some(), &metrics)?;
        let rows = self.base().compute(|| self.train_rows_from_file(path))?;
        train_rows_with(self, rows, eval, metrics)
    }

    /// Evaluate on labelled data; writes `eval_results.txt` into `output_dir`, as Python.
    fn eval_model(
        &self,
        examples: &[Self::Example],
        metrics: &Self::Metrics,
    ) -> Result<Self::EvalOutput, Self::Error> {
        self.base().compute(|| {
            let rows = self.eval_rows(examples)?;
            let module = self.base().module.valid();
            let show = !self.args().model().silent;
            let (results, details) = self.evaluate(&module, &rows, metrics, show)?;
            let dir = Path::new(&self.args().model().output_dir);
            std::fs::create_dir_all(dir).map_err(|e| crate::Error::io(dir, e))?;
            write_eval_results(dir, &results)?;
            self.eval_output(examples, results, details)
        })
    }

    /// Predict for `inputs` (Python's `predict`).
    fn predict(&self, inputs: &[Self::Input<'_>]) -> Result<Self::Predictions, Self::Error> {
        self.base().compute(|| self.predict_inputs(inputs))
    }

    /// Save a directory that reloads here (with its `model_args.json`) and in Python
    /// `transformers`, atomically: written to a staging directory, then renamed into place.
    fn save_model(&self, dir: &Path) -> Result<(), Self::Error> {
        let staged = StagedDir::new(dir).map_err(|e| crate::Error::io(dir, e))?;
        self.write_model(&self.base().module, staged.path())?;
        staged.commit().map_err(|e| crate::Error::io(dir, e))?;
        Ok(())
    }

    /// Write a complete model directory for `module` into `dir` (used by saves and checkpoints).
    fn write_model(&self, module: &Self::Module, dir: &Path) -> Result<(), Self::Error> {
        self.write_weights(module, dir)?;
        self.base().write_tokenizer_and_args(dir)?;
        Ok(())
    }
}

/// The trainer for `model`: its arguments, the checkpoint it continues, its chunking.
fn trainer<B: AutodiffBackend, M: TaskModel<B>>(model: &M) -> Trainer<'_> {
    Trainer::new(model.args().model())
        .resume_from(model.base().checkpoint.clone())
        .batch_chunk_size(model.batch_chunk_size())
}

/// Everything the [`Trainer`] checks that does not need the data, before featurisation writes
/// anything (the feature cache): a refused argument, an output directory that is not empty,
/// an early-stopping metric evaluation never reports.
fn preflight<B: AutodiffBackend, M: TaskModel<B>>(
    model: &M,
    has_eval_data: bool,
    metrics: &M::Metrics,
) -> Result<(), M::Error> {
    let names = model.metric_names(metrics);
    trainer(model)
        .check(has_eval_data, Some(&names))
        .map_err(M::Error::from)
}

/// Train on featurised rows: the one place a task model meets the [`Trainer`].
fn train_rows_with<B: AutodiffBackend, M: TaskModel<B>>(
    model: &mut M,
    rows: M::TrainRows,
    eval: Option<&[M::Example]>,
    metrics: M::Metrics,
) -> Result<TrainOutput, M::Error> {
    let this = &*model;
    let trained = this.base().compute(|| -> Result<_, M::Error> {
        let eval = eval.map(|e| this.eval_rows(e)).transpose()?;
        let base = this.base();
        let mut run = run::TaskRun {
            model: this,
            train: rows,
            eval,
            metrics,
        };
        Ok(trainer(this).train(&mut run, base.module.clone(), &base.device)?)
    });
    let (module, output) = trained?;
    let base = model.base_mut();
    base.module = module;
    // The module has moved on from the checkpoint: training it again starts a new run.
    base.checkpoint = None;
    Ok(output)
}

/// Implements `From` for every error of `st-core`'s areas on a task error type that has a
/// `Core(st_core::Error)` variant, so that `?` works on them directly.
#[macro_export]
macro_rules! core_error_conversions {
    ($error:ty) => {
        $crate::core_error_conversions!(@each $error;
            $crate::args::ArgsError,
            $crate::hub::HubError,
            $crate::backend::BackendError,
            $crate::tokenizer::TokenizerError,
            $crate::metrics::MetricError,
            $crate::weights::WeightsError);
    };
    (@each $error:ty; $($source:ty),*) => {$(
        impl From<$source> for $error {
            fn from(e: $source) -> Self {
                Self::Core(e.into())
            }
        }
    )*};
}

//! The seam between the [`super::Trainer`] and what it trains.
//!
//! Task models do not implement this themselves: `st_core::task` adapts any
//! [`crate::task::TaskModel`] to it, so a task crate writes its featurisation, loss and
//! metrics once and gets the whole loop. Implement it directly only to train a module that is
//! not a task model (the trainer's own tests do).

use std::collections::BTreeMap;
use std::path::Path;

use burn::module::AutodiffModule;
use burn::tensor::Tensor;
use burn::tensor::backend::AutodiffBackend;

use super::TrainError;
use crate::weights::NamedParameter;

/// Evaluation results by metric name (`eval_loss` included), as Simple Transformers' `result`
/// dict.
pub type EvalResults = BTreeMap<String, f64>;

/// What the one training loop needs from a training run: batches, the loss, evaluation,
/// Hugging Face parameter names and saving. The trainer owns the loop, optimiser, schedule,
/// checkpoints and early stopping.
pub trait Trainable<B: AutodiffBackend> {
    /// The trainable model (encoder + task head).
    type Model: AutodiffModule<B> + Clone;
    /// A batch ready for the forward pass.
    type Batch;

    /// How many training examples there are.
    fn num_train_examples(&self) -> usize;

    /// The training batch made of the examples at `indices`. `seed` is this batch's own
    /// random seed (from `manual_seed` and the batch's place in the run, so a resumed run gets
    /// the same one), for tasks whose batches are random, such as masked-LM masking. Fallible
    /// because a task may read its examples lazily from a file while training.
    fn train_batch(
        &self,
        indices: &[usize],
        seed: u64,
        device: &B::Device,
    ) -> Result<Self::Batch, TrainError>;

    /// The mean loss of a batch in training mode (dropout on): a one-element tensor.
    fn loss(&self, model: &Self::Model, batch: Self::Batch) -> Tensor<B, 1>;

    /// Whether there is evaluation data (`evaluate_during_training` needs it).
    fn has_eval_data(&self) -> bool;

    /// The names evaluation reports (built-in and user metrics, `eval_loss` included), so that
    /// an `early_stopping_metric` that will never appear is an error before training starts.
    /// `None` when the task cannot say in advance.
    fn metric_names(&self) -> Option<Vec<String>> {
        None
    }

    /// Evaluate the model on the evaluation data.
    fn evaluate(&mut self, model: &Self::Model) -> Result<EvalResults, TrainError>;

    /// The model's parameters with their Hugging Face names (`get_named_parameters()`).
    fn named_parameters(&self, model: &Self::Model) -> Vec<NamedParameter>;

    /// Write the model into `dir` (an empty directory the trainer commits atomically): weights
    /// and configuration in Hugging Face layout, tokenizer files, `model_args.json`.
    fn save(&self, model: &Self::Model, dir: &Path) -> Result<(), TrainError>;
}

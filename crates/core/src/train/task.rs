//! The seam between the shared [`super::trainer`] and a task crate.

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

/// What a task (classification, NER, QA, …) provides so that the one training loop can train
/// and evaluate its model. The trainer owns the loop, optimiser, schedule, checkpoints and early
/// stopping; the task owns featurisation, the forward pass with loss, metrics and saving.
pub trait Task<B: AutodiffBackend> {
    /// The trainable model (encoder + task head).
    type Model: AutodiffModule<B> + Clone;
    /// A batch ready for the forward pass.
    type Batch;

    /// How many training examples there are.
    fn num_train_examples(&self) -> usize;

    /// The training batch made of the examples at `indices`. Fallible because a task may read
    /// its examples lazily from a file while training.
    fn train_batch(&self, indices: &[usize], device: &B::Device)
    -> Result<Self::Batch, TrainError>;

    /// The mean loss of a batch in training mode (dropout on): a one-element tensor.
    fn loss(&self, model: &Self::Model, batch: Self::Batch) -> Tensor<B, 1>;

    /// Whether there is evaluation data (`evaluate_during_training` needs it).
    fn has_eval_data(&self) -> bool;

    /// Evaluate the model on the evaluation data.
    fn evaluate(&mut self, model: &Self::Model) -> Result<EvalResults, TrainError>;

    /// The model's parameters with their Hugging Face names (`get_named_parameters()`).
    fn named_parameters(&self, model: &Self::Model) -> Vec<NamedParameter>;

    /// Write the model into `dir` (an empty directory the trainer commits atomically): weights
    /// and configuration in Hugging Face layout, tokenizer files, `model_args.json`.
    fn save(&self, model: &Self::Model, dir: &Path) -> Result<(), TrainError>;
}

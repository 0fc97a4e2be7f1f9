//! The adapter that lets the [`crate::train::Trainer`] drive any [`TaskModel`]: a training run
//! is the model plus its featurised training and evaluation rows and the user's metrics.

use std::path::Path;

use burn::module::AutodiffModule;
use burn::tensor::Tensor;
use burn::tensor::backend::AutodiffBackend;

use super::TaskModel;
use crate::args::TaskArgs;
use crate::train::{EvalResults, TrainError, Trainable};
use crate::weights::{NamedParameter, named_parameters};

pub(super) struct TaskRun<'a, B: AutodiffBackend, M: TaskModel<B>> {
    pub model: &'a M,
    pub train: M::TrainRows,
    pub eval: Option<M::EvalRows>,
    pub metrics: M::Metrics,
}

impl<B: AutodiffBackend, M: TaskModel<B>> Trainable<B> for TaskRun<'_, B, M> {
    type Model = M::Module;
    type Batch = M::Batch;

    fn num_train_examples(&self) -> usize {
        M::num_train_rows(&self.train)
    }

    fn train_batch(
        &self,
        indices: &[usize],
        seed: u64,
        device: &B::Device,
    ) -> Result<M::Batch, TrainError> {
        self.model
            .train_batch(&self.train, indices, seed, device)
            .map_err(TrainError::task)
    }

    fn loss(&self, module: &M::Module, batch: M::Batch) -> Tensor<B, 1> {
        self.model.loss(module, batch)
    }

    fn has_eval_data(&self) -> bool {
        self.eval.is_some()
    }

    fn metric_names(&self) -> Option<Vec<String>> {
        Some(self.model.metric_names(&self.metrics))
    }

    fn evaluate(&mut self, module: &M::Module) -> Result<EvalResults, TrainError> {
        let rows = self.eval.as_ref().ok_or(TrainError::NoEvalData)?;
        let args = self.model.args().model();
        // As Python: evaluations during training are quiet unless asked otherwise.
        let show = !(args.silent || args.evaluate_during_training_silent);
        self.model
            .evaluate(&module.valid(), rows, &self.metrics, show)
            .map(|(results, _)| results)
            .map_err(TrainError::task)
    }

    fn named_parameters(&self, module: &M::Module) -> Vec<NamedParameter> {
        named_parameters(module, self.model.name_map().as_ref(), true)
    }

    fn save(&self, module: &M::Module, dir: &Path) -> Result<(), TrainError> {
        self.model
            .write_model(module, dir)
            .map_err(TrainError::task)
    }
}

//! Training: optimisers, learning-rate schedules, parameter groups and the one training loop
//! every task uses.

pub mod groups;
pub mod optim;
pub mod schedule;
pub mod tensorboard;
pub mod trainable;
pub mod trainer;

use std::path::{Path, PathBuf};

pub use trainable::{EvalResults, Trainable};
pub use trainer::{
    EVAL_RESULTS_FILE, TRAINER_STATE_FILE, TrainOutput, Trainer, TrainerState, mean,
    write_eval_results,
};

/// Why training could not start or continue.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(transparent)]
    Optimizer(#[from] optim::OptimizerError),
    #[error(transparent)]
    Schedule(#[from] schedule::ScheduleError),
    #[error(transparent)]
    Groups(#[from] groups::UnknownParameters),
    #[error("evaluate_during_training is set but no evaluation data was given")]
    NoEvalData,
    #[error("there are no training examples")]
    NoTrainData,
    #[error(transparent)]
    Args(#[from] crate::args::ArgsError),
    #[error(
        "batch_chunk_size {chunk} does not divide train_batch_size {batch}: a batch must hold \
         whole chunks"
    )]
    ChunkSize { chunk: usize, batch: usize },
    #[error(
        "output directory {0} already exists and is not empty; set overwrite_output_dir = true \
         to train into it anyway"
    )]
    OutputDirNotEmpty(PathBuf),
    #[error(
        "early_stopping_metric {metric:?} is not among the evaluation results ({})",
        .available.join(", ")
    )]
    UnknownMetric {
        metric: String,
        available: Vec<String>,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A checkpoint's `trainer_state.json` that cannot be resumed from.
    #[error("{path}: {message}")]
    BadState { path: PathBuf, message: String },
    /// A failure of the task being trained (featurisation, evaluation, saving), with its
    /// source chain intact.
    #[error(transparent)]
    Task(Box<dyn std::error::Error + Send + Sync>),
}

impl TrainError {
    /// Wrap a task's error.
    pub fn task(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        TrainError::Task(Box::new(error))
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        TrainError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

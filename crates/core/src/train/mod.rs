//! Training: optimisers, learning-rate schedules, parameter groups and the one training loop
//! every task uses.

pub mod groups;
pub mod optim;
pub mod schedule;
pub mod task;
pub mod tensorboard;
pub mod trainer;

use std::path::{Path, PathBuf};

pub use task::{EvalResults, Task};
pub use trainer::{TrainOptions, TrainOutput, train, validate_args};

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
    #[error(
        "use_early_stopping with early_stopping_patience = 0 would stop at the first evaluation; set a patience of at least 1"
    )]
    ZeroPatience,
    #[error("train_batch_size and gradient_accumulation_steps must be at least 1")]
    ZeroBatch,
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
    /// A task-specific failure (featurisation, evaluation, saving).
    #[error("{0}")]
    Task(String),
}

impl TrainError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        TrainError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

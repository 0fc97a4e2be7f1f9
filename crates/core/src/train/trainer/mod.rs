//! The one training loop, [`Trainer`], driving any [`Trainable`]. Its semantics follow Simple Transformers'
//! `train()` (inventory §2.3–2.5):
//!
//! - steps: `t_total = ⌊batches_per_epoch / gradient_accumulation_steps⌋ × num_train_epochs`, or
//!   `max_steps` when it is positive (then `num_train_epochs = max_steps / steps_per_epoch + 1`
//!   and training stops after exactly `max_steps` optimiser steps);
//! - with `batch_chunk_size` (classification), runs of that many consecutive examples are
//!   shuffled as units, as Python's `ChunkSampler`;
//! - each batch's loss is divided by `gradient_accumulation_steps` before the backward pass and
//!   the optimiser steps every `gradient_accumulation_steps` batches (a partial accumulation at
//!   the end of an epoch carries over into the next one, as in Python);
//! - with AdamW, gradients are clipped to `max_grad_norm` by their global norm (PyTorch's
//!   `clip_grad_norm_`) before each step; Python does not clip for Adafactor, nor do we;
//! - every `logging_steps` optimiser steps the learning rate and the mean loss since the last
//!   log go to `tracing` and to TensorBoard (`tensorboard_dir`, default `runs/<date>_<host>`,
//!   scalars `lr` and `loss`; evaluation results as `eval_<metric>`); every `save_steps` a
//!   `checkpoint-{step}/` is written;
//! - with `evaluate_during_training`, every `evaluate_during_training_steps` steps (and at each
//!   epoch end if `evaluate_each_epoch`) the model is evaluated, `training_progress_scores.csv`
//!   rewritten, the best model saved to `best_model_dir`, and early stopping applied;
//! - at each epoch end `checkpoint-{step}-epoch-{epoch}/` is written if
//!   `save_model_every_epoch`; the final model goes to `output_dir`.
//!
//! Early stopping uses Simple Transformers' classification rule: an evaluation improves on the
//! best when it beats it by more than `early_stopping_delta` (lower when
//! `early_stopping_metric_minimize`, higher otherwise). After an evaluation that does not
//! improve, the patience counter goes up by one if it is below `early_stopping_patience`;
//! an evaluation that does not improve when the counter already equals the patience stops
//! training. So with patience 3, training stops at the fourth evaluation in a row without
//! improvement. Epoch-end evaluations count only with `early_stopping_consider_epochs`.
//!
//! Every checkpoint is written to a staging directory and renamed into place when complete.
//!
//! A run resumes from a checkpoint directory ([`Trainer::resume_from`]): its
//! `trainer_state.json` (step, epoch, batches done, the shuffling generator, losses, early
//! stopping, the schedule) and `optimizer.safetensors` are restored, and the steps already done
//! are skipped, so that the resumed run ends with the weights of the uninterrupted one.
mod files;
mod run;
mod state;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use burn::module::ParamId;
use burn::tensor::backend::AutodiffBackend;

use super::groups::{GroupDefaults, parameter_groups};
use super::optim::{GroupedOptimizer, OPTIMIZER_FILE, OptimizerConfig};
use super::schedule::{LrScheduler, Schedule};
use super::tensorboard::{SummaryWriter, default_log_dir};
use super::{EvalResults, TrainError, Trainable};
use crate::args::ModelArgs;
pub use files::{EVAL_RESULTS_FILE, write_eval_results};
use run::Run;
pub use state::{TRAINER_STATE_FILE, TrainerState};

/// What `train_model` returns in Python: the global step, and either the mean training loss
/// or, with `evaluate_during_training`, the progress scores.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOutput {
    pub global_step: usize,
    /// Sum of the (accumulation-scaled) batch losses divided by the number of optimiser steps.
    pub training_loss: f64,
    /// One row per evaluation: `global_step`, `train_loss` and every metric.
    pub progress: Vec<EvalResults>,
    /// Whether early stopping ended training.
    pub stopped_early: bool,
}

/// The training loop, configured from the arguments.
///
/// ```no_run
/// # fn run<B: burn::tensor::backend::AutodiffBackend, T: st_core::train::Trainable<B>>(
/// #     task: &mut T, model: T::Model, device: &B::Device) -> Result<(), st_core::train::TrainError> {
/// let args = st_core::args::ModelArgs { num_train_epochs: 3, ..Default::default() };
/// let (trained, output) = st_core::train::Trainer::new(&args).train(task, model, device)?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Trainer<'a> {
    args: &'a ModelArgs,
    resume_from: Option<PathBuf>,
    chunk: Option<usize>,
}

impl<'a> Trainer<'a> {
    /// A trainer for `args` (epochs or `max_steps`, optimiser, schedule, checkpoints, …).
    pub fn new(args: &'a ModelArgs) -> Self {
        Self {
            args,
            resume_from: None,
            chunk: None,
        }
    }

    /// Continue the run saved in this checkpoint directory (a `checkpoint-*` directory written
    /// by training, holding `trainer_state.json` and `optimizer.safetensors`). The model given
    /// to [`Trainer::train`] must have been loaded from the same directory.
    pub fn resume_from(mut self, checkpoint: Option<PathBuf>) -> Self {
        self.resume_from = checkpoint;
        self
    }

    /// Shuffle the training examples in whole chunks of `size` (Python's `batch_chunk_size`).
    pub fn batch_chunk_size(mut self, size: Option<usize>) -> Self {
        self.chunk = size;
        self
    }

    /// `max_steps` from the arguments, when set.
    pub fn max_steps(&self) -> Option<usize> {
        usize::try_from(self.args.max_steps).ok().filter(|&n| n > 0)
    }

    /// Check everything that can be checked before anything is trained or written.
    pub fn validate<B: AutodiffBackend, T: Trainable<B>>(
        &self,
        task: &T,
    ) -> Result<(), TrainError> {
        self.check(task.has_eval_data(), task.metric_names().as_deref())
    }

    /// [`Trainer::validate`] before the task's data exists (so before featurisation writes
    /// anything): whether there will be evaluation data and the names evaluation will report.
    pub fn check(
        &self,
        has_eval_data: bool,
        metric_names: Option<&[String]>,
    ) -> Result<(), TrainError> {
        let args = self.args;
        args.check_training()?;
        OptimizerConfig::from_args(args)?;
        Schedule::from_args(args, 1)?;
        if args.evaluate_during_training && !has_eval_data {
            return Err(TrainError::NoEvalData);
        }
        if let Some(chunk) = self.chunk
            && (chunk == 0 || !args.train_batch_size.is_multiple_of(chunk))
        {
            return Err(TrainError::ChunkSize {
                chunk,
                batch: args.train_batch_size,
            });
        }
        if args.evaluate_during_training
            && let Some(available) = metric_names
            && !available.contains(&args.early_stopping_metric)
        {
            return Err(TrainError::UnknownMetric {
                metric: args.early_stopping_metric.clone(),
                available: available.to_vec(),
            });
        }
        if let Some(dir) = &self.resume_from
            && !dir.join(TRAINER_STATE_FILE).is_file()
        {
            return Err(TrainError::BadState {
                path: dir.clone(),
                message: format!(
                    "cannot resume: no {TRAINER_STATE_FILE} (only checkpoints written by \
                     training with save_optimizer_and_scheduler can be resumed)"
                ),
            });
        }
        let output = Path::new(&args.output_dir);
        let continues_here = self
            .resume_from
            .as_deref()
            .is_some_and(|dir| is_inside(dir, output));
        if !args.overwrite_output_dir
            && !args.no_save
            && !continues_here
            && is_non_empty_dir(output)
        {
            return Err(TrainError::OutputDirNotEmpty(output.to_path_buf()));
        }
        Ok(())
    }

    /// Train `model` on `task` with Simple Transformers' semantics (see the module docs).
    pub fn train<B: AutodiffBackend, T: Trainable<B>>(
        &self,
        task: &mut T,
        model: T::Model,
        device: &B::Device,
    ) -> Result<(T::Model, TrainOutput), TrainError> {
        self.validate(task)?;
        let args = self.args;
        let n = task.num_train_examples();
        let per_epoch = self.chunk.map_or(n, |c| n / c * c);
        if per_epoch == 0 {
            return Err(TrainError::NoTrainData);
        }
        if per_epoch < n {
            tracing::warn!(
                "batch_chunk_size {}: the last {} example(s) do not fill a chunk and are left \
                 out of every epoch (as Python's ChunkSampler)",
                self.chunk.unwrap_or(1),
                n - per_epoch
            );
        }
        let batches_per_epoch = per_epoch.div_ceil(args.train_batch_size);
        let accumulation = args.gradient_accumulation_steps;
        let max_steps = self.max_steps();
        let (t_total, epochs) = match max_steps {
            Some(max) => (max, max / (batches_per_epoch / accumulation).max(1) + 1),
            None => (
                batches_per_epoch / accumulation * args.num_train_epochs,
                args.num_train_epochs,
            ),
        };
        let optimizer_config = OptimizerConfig::from_args(args)?;
        let clip = matches!(optimizer_config, OptimizerConfig::AdamW { .. });
        let named = task.named_parameters(&model);
        let defaults = GroupDefaults {
            lr: args.learning_rate,
            weight_decay: optimizer_config.default_weight_decay(args),
        };
        let groups = parameter_groups(&named, args, defaults)?;
        let mut optimizer = GroupedOptimizer::<B::InnerBackend>::new(optimizer_config, groups);
        let scheduler = LrScheduler::new(
            Schedule::from_args(args, t_total)?,
            optimizer.groups().iter().map(|g| g.lr).collect(),
        );
        let mut state = TrainerState::start(args.manual_seed, scheduler);
        if let Some(dir) = &self.resume_from {
            state = state::read_state(dir)?;
            let ids = named.iter().map(|p| (p.hf_name.clone(), p.id)).collect();
            optimizer.load_state(&ids, &dir.join(OPTIMIZER_FILE), device)?;
            tracing::info!(
                "resuming from {} at step {} (epoch {}, batch {})",
                dir.display(),
                state.global_step,
                state.epoch + 1,
                state.batches_done
            );
        }
        let trained: HashSet<ParamId> = optimizer
            .groups()
            .iter()
            .flat_map(|g| g.ids.iter().copied())
            .collect();
        let log_dir = args
            .tensorboard_dir
            .as_ref()
            .map(PathBuf::from)
            .unwrap_or_else(default_log_dir);
        let tensorboard = SummaryWriter::new(&log_dir).map_err(|e| TrainError::io(&log_dir, e))?;
        let mut run = Run {
            task,
            args,
            tensorboard,
            optimizer,
            names: named.iter().map(|p| (p.id, p.hf_name.clone())).collect(),
            trained,
            clip,
            state,
            output_dir: PathBuf::from(&args.output_dir),
            chunk: self.chunk,
        };
        run.train(model, epochs, batches_per_epoch, max_steps, device)
    }
}

fn is_non_empty_dir(path: &Path) -> bool {
    std::fs::read_dir(path)
        .map(|mut entries| entries.next().is_some())
        .unwrap_or(false)
}

/// Whether `inner` lies inside `outer` (both existing; symbolic links resolved).
fn is_inside(inner: &Path, outer: &Path) -> bool {
    match (inner.canonicalize(), outer.canonicalize()) {
        (Ok(inner), Ok(outer)) => inner.starts_with(outer),
        _ => false,
    }
}

/// The mean loss over `values`, for tasks computing `eval_loss`.
pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.iter().sum::<f64>() / values.len() as f64
}

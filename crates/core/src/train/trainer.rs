//! The one training loop, driving any [`Task`]. Its semantics follow Simple Transformers'
//! `train()` (inventory §2.3–2.5):
//!
//! - steps: `t_total = ⌊batches_per_epoch / gradient_accumulation_steps⌋ × num_train_epochs`, or
//!   `max_steps` when given (then `num_train_epochs = max_steps / steps_per_epoch + 1` and
//!   training stops after `max_steps` optimiser steps);
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

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use burn::module::ParamId;
use burn::optim::{GradientsAccumulator, GradientsParams};
use burn::tensor::ElementConversion;
use burn::tensor::backend::AutodiffBackend;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use super::TrainError;
use super::groups::{GroupDefaults, parameter_groups};
use super::optim::{
    GroupedOptimizer, OPTIMIZER_FILE, OptimizerConfig, clip_coefficient, global_grad_norm,
};
use super::schedule::{LrScheduler, Schedule};
use super::task::{EvalResults, Task};
use super::tensorboard::{SummaryWriter, default_log_dir};
use crate::args::ModelArgs;
use crate::staging::StagedDir;

/// Options of a training run that are not global model arguments.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrainOptions {
    /// Stop after this many optimiser steps (Simple Transformers' LM/seq2seq `max_steps`);
    /// `None` trains for `num_train_epochs`.
    pub max_steps: Option<usize>,
    /// Continue the run saved in this checkpoint directory (its `trainer_state.json` and
    /// `optimizer.safetensors`). The model passed to [`train`] must have been loaded from the
    /// same checkpoint.
    pub resume_from: Option<PathBuf>,
}

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

/// File holding the loop's progress in a checkpoint.
pub const TRAINER_STATE_FILE: &str = "trainer_state.json";

/// Everything besides weights and optimiser moments that a resumed run needs to continue
/// exactly where the checkpoint was written. Read from this file, never from directory names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainerState {
    pub global_step: usize,
    /// The epoch in progress (0-based).
    pub epoch: usize,
    /// Batches of that epoch already used.
    pub batches_done: usize,
    /// The shuffling generator as it was at the start of that epoch.
    pub epoch_rng: ShuffleRng,
    pub tr_loss: f64,
    pub logging_loss: f64,
    pub best_metric: Option<f64>,
    pub early_stopping_counter: usize,
    pub progress: Vec<EvalResults>,
    pub scheduler: LrScheduler,
    /// Batches whose gradients were accumulated but not yet applied.
    pub pending_batches: usize,
}

/// Check the arguments before anything is trained or written.
pub fn validate_args<B: AutodiffBackend, T: Task<B>>(
    task: &T,
    args: &ModelArgs,
) -> Result<(), TrainError> {
    OptimizerConfig::from_args(args)?;
    Schedule::from_args(args, 1)?;
    if args.evaluate_during_training && !task.has_eval_data() {
        return Err(TrainError::NoEvalData);
    }
    if args.use_early_stopping && args.early_stopping_patience == 0 {
        return Err(TrainError::ZeroPatience);
    }
    if args.train_batch_size == 0 || args.gradient_accumulation_steps == 0 {
        return Err(TrainError::ZeroBatch);
    }
    let output = Path::new(&args.output_dir);
    if !args.overwrite_output_dir && !args.no_save && is_non_empty_dir(output) {
        return Err(TrainError::OutputDirNotEmpty(output.to_path_buf()));
    }
    Ok(())
}

/// Whether `step` is a positive multiple of `period` (a period ≤ 0 means never, as in Python).
fn every(step: usize, period: i64) -> bool {
    usize::try_from(period).is_ok_and(|p| p > 0 && step.is_multiple_of(p))
}

fn is_non_empty_dir(path: &Path) -> bool {
    std::fs::read_dir(path)
        .map(|mut entries| entries.next().is_some())
        .unwrap_or(false)
}

/// SplitMix64: a tiny, fully specified generator, so that shuffling is reproducible across
/// platforms and versions and its state (one `u64`) is trivial to checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShuffleRng(pub u64);

impl ShuffleRng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

enum Verdict {
    Improved,
    NoImprovement,
    Stop,
}

/// Early stopping as Simple Transformers' classification model does it (see module docs);
/// the best value and the patience counter live in the resumable [`TrainerState`].
fn judge(state: &mut TrainerState, value: f64, args: &ModelArgs, counts: bool) -> Verdict {
    let Some(best) = state.best_metric else {
        state.best_metric = Some(value);
        return Verdict::Improved;
    };
    let improved = if args.early_stopping_metric_minimize {
        best - value > args.early_stopping_delta
    } else {
        value - best > args.early_stopping_delta
    };
    if improved {
        state.best_metric = Some(value);
        state.early_stopping_counter = 0;
        return Verdict::Improved;
    }
    if !(args.use_early_stopping && counts) {
        return Verdict::NoImprovement;
    }
    if state.early_stopping_counter < args.early_stopping_patience {
        state.early_stopping_counter += 1;
        tracing::info!(
            "no improvement in {} for {} evaluation(s) (patience {})",
            args.early_stopping_metric,
            state.early_stopping_counter,
            args.early_stopping_patience
        );
        Verdict::NoImprovement
    } else {
        tracing::info!(
            "patience of {} reached without improvement in {}: stopping early",
            args.early_stopping_patience,
            args.early_stopping_metric
        );
        Verdict::Stop
    }
}

/// The seed for batch `counter` of a seeded run: dropout masks then depend only on
/// (`manual_seed`, batch), so a resumed run draws exactly what the uninterrupted one did.
fn batch_seed(seed: u64, counter: u64) -> u64 {
    let mut rng = ShuffleRng(seed ^ counter.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    rng.next_u64()
}

/// Write `eval_results.txt`: sorted `key = value` lines, as Python.
fn write_eval_results(dir: &Path, results: &EvalResults) -> Result<(), TrainError> {
    let path = dir.join("eval_results.txt");
    let text: String = results
        .iter()
        .map(|(k, v)| format!("{k} = {v}\n"))
        .collect();
    std::fs::write(&path, text).map_err(|e| TrainError::io(&path, e))
}

/// `training_progress_scores.csv`: one column per key, one row per evaluation.
fn write_progress(path: &Path, rows: &[EvalResults]) -> Result<(), TrainError> {
    let mut columns: Vec<&String> = Vec::new();
    for row in rows {
        for key in row.keys() {
            if !columns.contains(&key) {
                columns.push(key);
            }
        }
    }
    // Python's column order: global_step, train_loss, then metrics.
    columns.sort_by_key(|c| match c.as_str() {
        "global_step" => (0, String::new()),
        "train_loss" => (1, String::new()),
        other => (2, other.to_string()),
    });
    let mut out = Vec::new();
    let header: Vec<&str> = columns.iter().map(|c| c.as_str()).collect();
    writeln!(out, "{}", header.join(",")).ok();
    for row in rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| row.get(*c).map(|v| v.to_string()).unwrap_or_default())
            .collect();
        writeln!(out, "{}", cells.join(",")).ok();
    }
    let tmp = path.with_extension("csv.tmp");
    std::fs::write(&tmp, out).map_err(|e| TrainError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| TrainError::io(path, e))
}

/// How a save lands in its directory.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Landing {
    /// The directory is the checkpoint: replace it whole.
    Replace,
    /// The directory holds other things (`output_dir` with its checkpoints): replace only the
    /// files written.
    Merge,
}

fn progress_bar(len: u64, silent: bool, template: &str) -> ProgressBar {
    if silent {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

/// Train `model` on `task` with Simple Transformers' semantics (see the module docs).
pub fn train<B: AutodiffBackend, T: Task<B>>(
    task: &mut T,
    model: T::Model,
    args: &ModelArgs,
    options: &TrainOptions,
    device: &B::Device,
) -> Result<(T::Model, TrainOutput), TrainError> {
    validate_args(task, args)?;
    let n = task.num_train_examples();
    if n == 0 {
        return Err(TrainError::NoTrainData);
    }
    if args.fp16 {
        tracing::info!("fp16 is set but the CPU backends compute in f32; fp16 is ignored");
    }
    if let Some(project) = &args.wandb_project {
        tracing::info!(
            "wandb_project {project:?}: runs are logged to TensorBoard; sync them with \
             `wandb sync --sync-tensorboard <tensorboard_dir>`"
        );
    }
    let batches_per_epoch = n.div_ceil(args.train_batch_size);
    let accumulation = args.gradient_accumulation_steps;
    let (t_total, epochs) = match options.max_steps {
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
    let mut state = TrainerState {
        global_step: 0,
        epoch: 0,
        batches_done: 0,
        epoch_rng: ShuffleRng(args.manual_seed.unwrap_or(0x5EED)),
        tr_loss: 0.0,
        logging_loss: 0.0,
        best_metric: None,
        early_stopping_counter: 0,
        progress: Vec::new(),
        scheduler,
        pending_batches: 0,
    };
    if let Some(dir) = &options.resume_from {
        state = read_state(dir)?;
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
    };
    run.train(model, epochs, batches_per_epoch, options.max_steps, device)
}

fn read_state(dir: &Path) -> Result<TrainerState, TrainError> {
    let path = dir.join(TRAINER_STATE_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| TrainError::io(&path, e))?;
    let state: TrainerState = serde_json::from_str(&text)
        .map_err(|e| TrainError::Task(format!("{}: invalid trainer state: {e}", path.display())))?;
    if state.pending_batches > 0 {
        return Err(TrainError::Task(format!(
            "{} was written with {} batch(es) of a gradient accumulation pending (an epoch \
             end that is not a multiple of gradient_accumulation_steps); resume from a \
             checkpoint-<step> directory instead",
            dir.display(),
            state.pending_batches
        )));
    }
    Ok(state)
}

/// One training run: the task, the optimiser and everything a checkpoint must restore.
struct Run<'a, B: AutodiffBackend, T: Task<B>> {
    task: &'a mut T,
    args: &'a ModelArgs,
    tensorboard: SummaryWriter,
    optimizer: GroupedOptimizer<B::InnerBackend>,
    names: HashMap<ParamId, String>,
    trained: HashSet<ParamId>,
    clip: bool,
    state: TrainerState,
    output_dir: PathBuf,
}

impl<B: AutodiffBackend, T: Task<B>> Run<'_, B, T> {
    fn train(
        &mut self,
        mut model: T::Model,
        epochs: usize,
        batches_per_epoch: usize,
        max_steps: Option<usize>,
        device: &B::Device,
    ) -> Result<(T::Model, TrainOutput), TrainError> {
        let args = self.args;
        let n = self.task.num_train_examples();
        let accumulation = args.gradient_accumulation_steps;
        let mut accumulator = GradientsAccumulator::new();
        let epochs_bar = progress_bar(epochs as u64, args.silent, "Epoch {pos}/{len} {wide_bar}");
        epochs_bar.set_position(self.state.epoch as u64);
        let first_epoch = self.state.epoch;
        for epoch in first_epoch..epochs {
            self.state.epoch = epoch;
            let mut rng = self.state.epoch_rng;
            let mut order: Vec<usize> = (0..n).collect();
            rng.shuffle(&mut order);
            let skip = self.state.batches_done;
            let steps_bar = progress_bar(
                batches_per_epoch as u64,
                args.silent,
                "Running epoch {pos}/{len} {wide_bar} {msg}",
            );
            steps_bar.set_position(skip as u64);
            for (index, indices) in order.chunks(args.train_batch_size).enumerate().skip(skip) {
                if let Some(seed) = args.manual_seed {
                    let counter = (epoch * batches_per_epoch + index) as u64;
                    B::seed(device, batch_seed(seed, counter));
                }
                let batch = self.task.train_batch(indices, device)?;
                let loss = self.task.loss(&model, batch);
                let current_loss: f64 = loss.clone().into_scalar().elem();
                let loss = if accumulation > 1 {
                    loss.div_scalar(accumulation as f64)
                } else {
                    loss
                };
                self.state.tr_loss += current_loss / accumulation as f64;
                let grads = GradientsParams::from_grads(loss.backward(), &model);
                accumulator.accumulate(&model, grads);
                self.state.pending_batches += 1;
                self.state.batches_done = index + 1;
                steps_bar.inc(1);
                steps_bar.set_message(format!("loss {current_loss:.4}"));
                if self.state.pending_batches < accumulation {
                    continue;
                }
                model = self.step(model, accumulator.grads());
                if self.after_step(&model, current_loss)? {
                    return self.finish(model, true);
                }
                if max_steps.is_some_and(|max| self.state.global_step >= max) {
                    return self.finish(model, false);
                }
            }
            steps_bar.finish_and_clear();
            epochs_bar.inc(1);

            // The next epoch starts from here; an epoch-end checkpoint resumes there.
            self.state.epoch = epoch + 1;
            self.state.batches_done = 0;
            self.state.epoch_rng = rng;
            let dir = self.output_dir.join(format!(
                "checkpoint-{}-epoch-{}",
                self.state.global_step,
                epoch + 1
            ));
            if args.save_model_every_epoch {
                self.checkpoint(&model, &dir, None, Landing::Replace)?;
            }
            if args.evaluate_during_training && args.evaluate_each_epoch {
                let counts = args.early_stopping_consider_epochs;
                if let Verdict::Stop = self.evaluate(&model, &dir, self.state.tr_loss, counts)? {
                    return self.finish(model, true);
                }
            }
        }
        epochs_bar.finish_and_clear();
        self.finish(model, false)
    }

    /// Clip, apply the optimiser with the scheduled learning rates, advance the schedule.
    fn step(&mut self, model: T::Model, grads: GradientsParams) -> T::Model {
        self.state.pending_batches = 0;
        let scale = if self.clip {
            let trained = &self.trained;
            let norm = global_grad_norm(&model, &grads, &|id| trained.contains(id));
            clip_coefficient(norm, self.args.max_grad_norm)
        } else {
            1.0
        };
        let lrs = self.state.scheduler.lrs();
        let model = self.optimizer.step(model, grads, &lrs, scale);
        self.state.scheduler.advance();
        self.state.global_step += 1;
        model
    }

    /// Logging, step checkpoints and step evaluations; `true` when early stopping fired.
    fn after_step(&mut self, model: &T::Model, current_loss: f64) -> Result<bool, TrainError> {
        let args = self.args;
        let step = self.state.global_step;
        if every(step, args.logging_steps) {
            let mean = (self.state.tr_loss - self.state.logging_loss) / args.logging_steps as f64;
            // Python logs `scheduler.get_last_lr()` after `scheduler.step()`: the first
            // group's rate for the next step.
            let lr = self.state.scheduler.lrs().first().copied().unwrap_or(0.0);
            tracing::info!(step, lr, loss = mean, "training");
            let log_dir = self.tensorboard.path().to_path_buf();
            let io = |e| TrainError::io(&log_dir, e);
            self.tensorboard
                .add_scalar("lr", lr, step as u64)
                .map_err(io)?;
            self.tensorboard
                .add_scalar("loss", mean, step as u64)
                .map_err(io)?;
            self.state.logging_loss = self.state.tr_loss;
        }
        let dir = self.output_dir.join(format!("checkpoint-{step}"));
        if every(step, args.save_steps) {
            self.checkpoint(model, &dir, None, Landing::Replace)?;
        }
        let evaluate =
            args.evaluate_during_training && every(step, args.evaluate_during_training_steps);
        Ok(evaluate
            && matches!(
                self.evaluate(model, &dir, current_loss, true)?,
                Verdict::Stop
            ))
    }

    /// Evaluate, append a progress row, save the eval checkpoint and the best model, and
    /// judge early stopping (`counts`: whether this evaluation may stop training).
    fn evaluate(
        &mut self,
        model: &T::Model,
        checkpoint_dir: &Path,
        train_loss: f64,
        counts: bool,
    ) -> Result<Verdict, TrainError> {
        let args = self.args;
        let results = self.task.evaluate(model)?;
        let value =
            *results
                .get(&args.early_stopping_metric)
                .ok_or_else(|| TrainError::UnknownMetric {
                    metric: args.early_stopping_metric.clone(),
                    available: results.keys().cloned().collect(),
                })?;
        if args.evaluate_during_training_verbose {
            tracing::info!(step = self.state.global_step, ?results, "evaluation");
        }
        let step = self.state.global_step as u64;
        self.tensorboard
            .add_scalars_flat("eval_", &results, step)
            .and_then(|()| self.tensorboard.flush())
            .map_err(|e| TrainError::io(self.tensorboard.path(), e))?;
        let mut row = results.clone();
        row.insert("global_step".into(), self.state.global_step as f64);
        row.insert("train_loss".into(), train_loss);
        self.state.progress.push(row);
        let verdict = judge(&mut self.state, value, args, counts);
        if args.save_eval_checkpoints {
            self.checkpoint(model, checkpoint_dir, Some(&results), Landing::Replace)?;
        }
        if !args.no_save || self.output_dir.exists() {
            std::fs::create_dir_all(&self.output_dir)
                .map_err(|e| TrainError::io(&self.output_dir, e))?;
            write_progress(
                &self.output_dir.join("training_progress_scores.csv"),
                &self.state.progress,
            )?;
        }
        if matches!(verdict, Verdict::Improved) && args.save_best_model {
            let best = PathBuf::from(&args.best_model_dir);
            self.checkpoint(model, &best, Some(&results), Landing::Replace)?;
        }
        Ok(verdict)
    }

    /// Save the model (unless `no_save`), `eval_results.txt` with results, and — with
    /// `save_optimizer_and_scheduler` — what resuming needs.
    fn checkpoint(
        &self,
        model: &T::Model,
        dir: &Path,
        results: Option<&EvalResults>,
        landing: Landing,
    ) -> Result<(), TrainError> {
        let args = self.args;
        if args.no_save {
            if let Some(results) = results {
                std::fs::create_dir_all(dir).map_err(|e| TrainError::io(dir, e))?;
                write_eval_results(dir, results)?;
            }
            return Ok(());
        }
        let staged = StagedDir::new(dir).map_err(|e| TrainError::io(dir, e))?;
        self.task.save(model, staged.path())?;
        if let Some(results) = results {
            write_eval_results(staged.path(), results)?;
        }
        if args.save_optimizer_and_scheduler && landing == Landing::Replace {
            self.optimizer
                .save_state(&self.names, &staged.path().join(OPTIMIZER_FILE))?;
            let path = staged.path().join(TRAINER_STATE_FILE);
            let json = serde_json::to_string_pretty(&self.state)
                .map_err(|e| TrainError::Task(format!("trainer state: {e}")))?;
            std::fs::write(&path, json).map_err(|e| TrainError::io(&path, e))?;
        }
        match landing {
            Landing::Replace => staged.commit(),
            Landing::Merge => staged.commit_into(),
        }
        .map_err(|e| TrainError::io(dir, e))
    }

    /// Save the final model into `output_dir` and report.
    fn finish(
        &mut self,
        model: T::Model,
        stopped_early: bool,
    ) -> Result<(T::Model, TrainOutput), TrainError> {
        self.tensorboard
            .flush()
            .map_err(|e| TrainError::io(self.tensorboard.path(), e))?;
        let output_dir = self.output_dir.clone();
        self.checkpoint(&model, &output_dir, None, Landing::Merge)?;
        let step = self.state.global_step;
        let output = TrainOutput {
            global_step: step,
            training_loss: if step > 0 {
                self.state.tr_loss / step as f64
            } else {
                0.0
            },
            progress: std::mem::take(&mut self.state.progress),
            stopped_early,
        };
        Ok((model, output))
    }
}

/// The mean loss over `values`, for tasks computing `eval_loss`.
pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.iter().sum::<f64>() / values.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffle_is_a_reproducible_permutation() {
        let mut a: Vec<usize> = (0..100).collect();
        let mut b = a.clone();
        ShuffleRng(42).shuffle(&mut a);
        ShuffleRng(42).shuffle(&mut b);
        assert_eq!(a, b);
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        assert_ne!(a, sorted);
    }

    #[test]
    fn early_stopping_follows_the_classification_rule() {
        let args = ModelArgs {
            use_early_stopping: true,
            early_stopping_patience: 2,
            early_stopping_delta: 0.1,
            ..Default::default()
        };
        let mut state = TrainerState {
            global_step: 0,
            epoch: 0,
            batches_done: 0,
            epoch_rng: ShuffleRng(0),
            tr_loss: 0.0,
            logging_loss: 0.0,
            best_metric: None,
            early_stopping_counter: 0,
            progress: vec![],
            scheduler: LrScheduler::new(Schedule::Constant, vec![1.0]),
            pending_batches: 0,
        };
        let verdicts: Vec<&str> = [1.0, 0.95, 0.5, 0.45, 0.6, 0.41]
            .iter()
            .map(|&v| match judge(&mut state, v, &args, true) {
                Verdict::Improved => "improved",
                Verdict::NoImprovement => "no",
                Verdict::Stop => "stop",
            })
            .collect();
        // 0.95 is within delta of 1.0: no improvement; 0.5 improves; 0.45, 0.6 don't (counter
        // 1, 2); 0.41 is within delta of 0.5 with the counter at the patience: stop.
        assert_eq!(verdicts, ["improved", "no", "improved", "no", "no", "stop"]);
    }

    #[test]
    fn progress_csv_has_python_column_order() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("training_progress_scores.csv");
        let rows = vec![EvalResults::from([
            ("mcc".to_string(), 0.5),
            ("eval_loss".to_string(), 0.25),
            ("global_step".to_string(), 2.0),
            ("train_loss".to_string(), 0.75),
        ])];
        write_progress(&path, &rows).unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        assert_eq!(
            text,
            "global_step,train_loss,eval_loss,mcc\n2,0.75,0.25,0.5\n"
        );
    }
}

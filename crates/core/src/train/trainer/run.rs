//! The loop itself: epochs, batches, accumulation, optimiser steps, logging, evaluations and
//! checkpoints (see [`super`] for the semantics).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use burn::module::ParamId;
use burn::optim::{GradientsAccumulator, GradientsParams};
use burn::tensor::ElementConversion;
use burn::tensor::backend::AutodiffBackend;

use super::files::{write_eval_results, write_progress};
use super::state::{TrainerState, UNSEEDED, Verdict, batch_seed, epoch_order, judge};
use super::{TRAINER_STATE_FILE, TrainOutput};
use crate::args::ModelArgs;
use crate::staging::StagedDir;
use crate::train::optim::{GroupedOptimizer, OPTIMIZER_FILE, clip_coefficient, global_grad_norm};
use crate::train::tensorboard::SummaryWriter;
use crate::train::{EvalResults, TrainError, Trainable};

/// Whether `step` is a positive multiple of `period` (a period ≤ 0 means never, as in Python).
fn every(step: usize, period: i64) -> bool {
    usize::try_from(period).is_ok_and(|p| p > 0 && step.is_multiple_of(p))
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

/// One training run: the task, the optimiser and everything a checkpoint must restore.
pub(super) struct Run<'a, B: AutodiffBackend, T: Trainable<B>> {
    pub(super) task: &'a mut T,
    pub(super) args: &'a ModelArgs,
    pub(super) tensorboard: SummaryWriter,
    pub(super) optimizer: GroupedOptimizer<B::InnerBackend>,
    pub(super) names: HashMap<ParamId, String>,
    pub(super) trained: HashSet<ParamId>,
    pub(super) clip: bool,
    pub(super) state: TrainerState,
    pub(super) output_dir: PathBuf,
    /// `batch_chunk_size`: examples shuffled in whole chunks of this many.
    pub(super) chunk: Option<usize>,
}

impl<B: AutodiffBackend, T: Trainable<B>> Run<'_, B, T> {
    pub(super) fn train(
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
        let epochs_bar = crate::progress::bar(epochs, !args.silent, "Epoch {pos}/{len} {wide_bar}");
        epochs_bar.set_position(self.state.epoch as u64);
        let first_epoch = self.state.epoch;
        for epoch in first_epoch..epochs {
            self.state.epoch = epoch;
            let mut rng = self.state.epoch_rng;
            let order = epoch_order(n, self.chunk, &mut rng);
            let skip = self.state.batches_done;
            let steps_bar = crate::progress::bar(
                batches_per_epoch,
                !args.silent,
                "Running epoch {pos}/{len} {wide_bar} {msg}",
            );
            steps_bar.set_position(skip as u64);
            for (index, indices) in order.chunks(args.train_batch_size).enumerate().skip(skip) {
                let counter = (epoch * batches_per_epoch + index) as u64;
                if let Some(seed) = args.manual_seed {
                    B::seed(device, batch_seed(seed, counter));
                }
                // The task's own draws (masking) are reproducible even unseeded, like the
                // epoch order.
                let seed = batch_seed(args.manual_seed.unwrap_or(UNSEEDED), counter);
                let batch = self.task.train_batch(indices, seed, device)?;
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
            let json =
                serde_json::to_string_pretty(&self.state).map_err(|e| TrainError::BadState {
                    path: path.clone(),
                    message: format!("cannot serialise the trainer state: {e}"),
                })?;
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

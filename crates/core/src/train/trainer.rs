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
//!   log are reported; every `save_steps` a `checkpoint-{step}/` is written;
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

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use burn::module::ParamId;
use burn::optim::{GradientsAccumulator, GradientsParams};
use burn::tensor::ElementConversion;
use burn::tensor::backend::AutodiffBackend;
use indicatif::{ProgressBar, ProgressStyle};

use super::TrainError;
use super::groups::{GroupDefaults, parameter_groups};
use super::optim::{GroupedOptimizer, OptimizerConfig, clip_coefficient, global_grad_norm};
use super::schedule::{LrScheduler, Schedule};
use super::task::{EvalResults, Task};
use crate::args::ModelArgs;
use crate::staging::StagedDir;

/// Options of a training run that are not global model arguments.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrainOptions {
    /// Stop after this many optimiser steps (Simple Transformers' LM/seq2seq `max_steps`);
    /// `None` trains for `num_train_epochs`.
    pub max_steps: Option<usize>,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// Early stopping as Simple Transformers' classification model does it (see module docs).
#[derive(Debug, Clone, PartialEq)]
struct EarlyStopping {
    best: Option<f64>,
    counter: usize,
}

enum Verdict {
    Improved,
    NoImprovement,
    Stop,
}

impl EarlyStopping {
    fn judge(&mut self, value: f64, args: &ModelArgs, counts: bool) -> Verdict {
        let Some(best) = self.best else {
            self.best = Some(value);
            return Verdict::Improved;
        };
        let improved = if args.early_stopping_metric_minimize {
            best - value > args.early_stopping_delta
        } else {
            value - best > args.early_stopping_delta
        };
        if improved {
            self.best = Some(value);
            self.counter = 0;
            return Verdict::Improved;
        }
        if !(args.use_early_stopping && counts) {
            return Verdict::NoImprovement;
        }
        if self.counter < args.early_stopping_patience {
            self.counter += 1;
            tracing::info!(
                "no improvement in {} for {} evaluation(s) (patience {})",
                args.early_stopping_metric,
                self.counter,
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

/// Save the model (unless `no_save`) and, with results, `eval_results.txt` into `dir`.
fn save_checkpoint<B: AutodiffBackend, T: Task<B>>(
    task: &T,
    model: &T::Model,
    dir: &Path,
    results: Option<&EvalResults>,
    args: &ModelArgs,
    landing: Landing,
) -> Result<(), TrainError> {
    if args.no_save {
        if let Some(results) = results {
            std::fs::create_dir_all(dir).map_err(|e| TrainError::io(dir, e))?;
            write_eval_results(dir, results)?;
        }
        return Ok(());
    }
    let staged = StagedDir::new(dir).map_err(|e| TrainError::io(dir, e))?;
    task.save(model, staged.path())?;
    if let Some(results) = results {
        write_eval_results(staged.path(), results)?;
    }
    match landing {
        Landing::Replace => staged.commit(),
        Landing::Merge => staged.commit_into(),
    }
    .map_err(|e| TrainError::io(dir, e))
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
    if let Some(seed) = args.manual_seed {
        B::seed(device, seed);
    }
    let mut rng = ShuffleRng(args.manual_seed.unwrap_or(0x5EED));
    let batches_per_epoch = n.div_ceil(args.train_batch_size);
    let accumulation = args.gradient_accumulation_steps;
    let (t_total, epochs) = match options.max_steps {
        Some(max) => (max, max / (batches_per_epoch / accumulation).max(1) + 1),
        None => (
            batches_per_epoch / accumulation * args.num_train_epochs,
            args.num_train_epochs,
        ),
    };
    let schedule = Schedule::from_args(args, t_total)?;
    let optimizer_config = OptimizerConfig::from_args(args)?;
    let clip = matches!(optimizer_config, OptimizerConfig::AdamW { .. });
    let names = task.named_parameters(&model);
    let defaults = GroupDefaults {
        lr: args.learning_rate,
        weight_decay: optimizer_config.default_weight_decay(args),
    };
    let groups = parameter_groups(&names, args, defaults)?;
    let mut optimizer = GroupedOptimizer::<B::InnerBackend>::new(optimizer_config, groups);
    let mut scheduler =
        LrScheduler::new(schedule, optimizer.groups().iter().map(|g| g.lr).collect());
    let trained: HashSet<ParamId> = optimizer
        .groups()
        .iter()
        .flat_map(|g| g.ids.iter().copied())
        .collect();
    let is_trained = |id: &ParamId| trained.contains(id);

    let output_dir = PathBuf::from(&args.output_dir);
    let mut model = model;
    let mut accumulator = GradientsAccumulator::new();
    let mut pending = 0usize;
    let mut global_step = 0usize;
    let (mut tr_loss, mut logging_loss) = (0.0f64, 0.0f64);
    let mut progress: Vec<EvalResults> = Vec::new();
    let mut stopping = EarlyStopping {
        best: None,
        counter: 0,
    };
    let epochs_bar = progress_bar(epochs as u64, args.silent, "Epoch {pos}/{len} {wide_bar}");

    for epoch in 0..epochs {
        let mut order: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut order);
        let steps_bar = progress_bar(
            batches_per_epoch as u64,
            args.silent,
            "Running epoch {pos}/{len} {wide_bar} {msg}",
        );
        for indices in order.chunks(args.train_batch_size) {
            let batch = task.train_batch(indices, device);
            let loss = task.loss(&model, batch);
            let current_loss: f64 = loss.clone().into_scalar().elem();
            let loss = if accumulation > 1 {
                loss.div_scalar(accumulation as f64)
            } else {
                loss
            };
            tr_loss += current_loss / accumulation as f64;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            accumulator.accumulate(&model, grads);
            pending += 1;
            steps_bar.inc(1);
            steps_bar.set_message(format!("loss {current_loss:.4}"));
            if pending < accumulation {
                continue;
            }
            pending = 0;
            let grads = accumulator.grads();
            let scale = if clip {
                clip_coefficient(
                    global_grad_norm(&model, &grads, &is_trained),
                    args.max_grad_norm,
                )
            } else {
                1.0
            };
            let lrs = scheduler.lrs();
            model = optimizer.step(model, grads, &lrs, scale);
            scheduler.advance();
            global_step += 1;

            if every(global_step, args.logging_steps) {
                let mean = (tr_loss - logging_loss) / args.logging_steps as f64;
                tracing::info!(step = global_step, lr = lrs[0], loss = mean, "training");
                logging_loss = tr_loss;
            }
            if every(global_step, args.save_steps) {
                let dir = output_dir.join(format!("checkpoint-{global_step}"));
                save_checkpoint(task, &model, &dir, None, args, Landing::Replace)?;
            }
            let eval_now = args.evaluate_during_training
                && every(global_step, args.evaluate_during_training_steps);
            if eval_now {
                let dir = output_dir.join(format!("checkpoint-{global_step}"));
                let verdict = evaluate_and_record(
                    task,
                    &model,
                    args,
                    global_step,
                    current_loss,
                    &mut progress,
                    &mut stopping,
                    true,
                    &dir,
                )?;
                if matches!(verdict, Verdict::Stop) {
                    return finish(task, model, args, global_step, tr_loss, progress, true);
                }
            }
            if options.max_steps.is_some_and(|max| global_step >= max) {
                return finish(task, model, args, global_step, tr_loss, progress, false);
            }
        }
        steps_bar.finish_and_clear();
        epochs_bar.inc(1);

        let epoch_number = epoch + 1;
        let dir = output_dir.join(format!("checkpoint-{global_step}-epoch-{epoch_number}"));
        if args.save_model_every_epoch {
            save_checkpoint(task, &model, &dir, None, args, Landing::Replace)?;
        }
        if args.evaluate_during_training && args.evaluate_each_epoch {
            let verdict = evaluate_and_record(
                task,
                &model,
                args,
                global_step,
                tr_loss,
                &mut progress,
                &mut stopping,
                args.early_stopping_consider_epochs,
                &dir,
            )?;
            if matches!(verdict, Verdict::Stop) {
                return finish(task, model, args, global_step, tr_loss, progress, true);
            }
        }
    }
    epochs_bar.finish_and_clear();
    finish(task, model, args, global_step, tr_loss, progress, false)
}

/// Evaluate, append a progress row, save the eval checkpoint and the best model, and judge
/// early stopping (`counts`: whether this evaluation may stop training).
#[allow(clippy::too_many_arguments)]
fn evaluate_and_record<B: AutodiffBackend, T: Task<B>>(
    task: &mut T,
    model: &T::Model,
    args: &ModelArgs,
    global_step: usize,
    train_loss: f64,
    progress: &mut Vec<EvalResults>,
    stopping: &mut EarlyStopping,
    counts: bool,
    checkpoint_dir: &Path,
) -> Result<Verdict, TrainError> {
    let results = task.evaluate(model)?;
    let value =
        *results
            .get(&args.early_stopping_metric)
            .ok_or_else(|| TrainError::UnknownMetric {
                metric: args.early_stopping_metric.clone(),
                available: results.keys().cloned().collect(),
            })?;
    if args.evaluate_during_training_verbose {
        tracing::info!(step = global_step, ?results, "evaluation");
    }
    if args.save_eval_checkpoints {
        save_checkpoint(
            task,
            model,
            checkpoint_dir,
            Some(&results),
            args,
            Landing::Replace,
        )?;
    }
    let mut row = results.clone();
    row.insert("global_step".into(), global_step as f64);
    row.insert("train_loss".into(), train_loss);
    progress.push(row);
    if !args.no_save || Path::new(&args.output_dir).exists() {
        std::fs::create_dir_all(&args.output_dir)
            .map_err(|e| TrainError::io(Path::new(&args.output_dir), e))?;
        write_progress(
            &Path::new(&args.output_dir).join("training_progress_scores.csv"),
            progress,
        )?;
    }
    let verdict = stopping.judge(value, args, counts);
    if matches!(verdict, Verdict::Improved) && args.save_best_model {
        save_checkpoint(
            task,
            model,
            Path::new(&args.best_model_dir),
            Some(&results),
            args,
            Landing::Replace,
        )?;
    }
    Ok(verdict)
}

fn finish<B: AutodiffBackend, T: Task<B>>(
    task: &T,
    model: T::Model,
    args: &ModelArgs,
    global_step: usize,
    tr_loss: f64,
    progress: Vec<EvalResults>,
    stopped_early: bool,
) -> Result<(T::Model, TrainOutput), TrainError> {
    save_checkpoint(
        task,
        &model,
        Path::new(&args.output_dir),
        None,
        args,
        Landing::Merge,
    )?;
    let output = TrainOutput {
        global_step,
        training_loss: if global_step > 0 {
            tr_loss / global_step as f64
        } else {
            0.0
        },
        progress,
        stopped_early,
    };
    Ok((model, output))
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
        let mut stopping = EarlyStopping {
            best: None,
            counter: 0,
        };
        let verdicts: Vec<&str> = [1.0, 0.95, 0.5, 0.45, 0.6, 0.41]
            .iter()
            .map(|&v| match stopping.judge(v, &args, true) {
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

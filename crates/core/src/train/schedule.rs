//! Learning-rate schedules: Simple Transformers' `scheduler` argument.
//!
//! Each schedule reproduces the `transformers` function of the same name
//! (`get_linear_schedule_with_warmup`, ...), which Python wraps in a PyTorch
//! `LambdaLR`: the learning rate of a parameter group at optimizer step `t` is
//! the group's *initial* learning rate times a factor that depends only on `t`.
//! [`Schedule::factor`] is that `LambdaLR` lambda and [`Schedule::lr`] the
//! product, so groups with their own learning rate (`custom_parameter_groups`,
//! `custom_layer_parameters`) are handled the way PyTorch handles them.
//!
//! Steps are 0-based and count optimizer steps, exactly like `LambdaLR`: the
//! first `optimizer.step()` uses step 0 (a learning rate of 0 for every
//! schedule with warm-up), and the `n`-th uses step `n - 1`.
//!
//! The arithmetic deliberately follows the Python expressions operation by
//! operation (same order, same `f64` operations), so the values match the
//! Python ones to the last bit or nearly so; see `tests/schedule_parity.rs`.

use std::f64::consts::PI;

use serde::{Deserialize, Serialize};

use crate::args::ModelArgs;

/// Every value accepted by the `scheduler` argument, in Simple Transformers' order.
pub const SCHEDULER_NAMES: [&str; 6] = [
    CONSTANT,
    CONSTANT_WITH_WARMUP,
    LINEAR,
    COSINE,
    COSINE_HARD_RESTARTS,
    POLYNOMIAL,
];

const CONSTANT: &str = "constant_schedule";
const CONSTANT_WITH_WARMUP: &str = "constant_schedule_with_warmup";
const LINEAR: &str = "linear_schedule_with_warmup";
const COSINE: &str = "cosine_schedule_with_warmup";
const COSINE_HARD_RESTARTS: &str = "cosine_with_hard_restarts_schedule_with_warmup";
const POLYNOMIAL: &str = "polynomial_decay_schedule_with_warmup";

/// Why a schedule could not be built from the arguments.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    /// `scheduler` names no known schedule.
    #[error(
        "unknown scheduler \"{name}\"; expected one of: {}",
        SCHEDULER_NAMES.join(", ")
    )]
    UnknownScheduler { name: String },
    /// The polynomial schedule must decay: `transformers` raises the same error.
    #[error(
        "polynomial_decay_schedule_lr_end ({lr_end}) must be smaller than learning_rate ({lr_init})"
    )]
    LrEndNotBelowInitial { lr_end: f64, lr_init: f64 },
    /// A numeric argument the schedule needs is out of range.
    #[error("argument \"{name}\" must be {expected}, found {value}")]
    InvalidArgument {
        name: &'static str,
        expected: &'static str,
        value: f64,
    },
}

/// A learning-rate schedule: the shape of the learning rate over training.
///
/// This is plain data (serialisable, tagged with the Simple Transformers name),
/// so a checkpoint can store it next to the step count and training can resume
/// with the identical schedule even if the arguments changed in between.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "scheduler")]
pub enum Schedule {
    /// `get_constant_schedule`: the initial learning rate throughout.
    #[serde(rename = "constant_schedule")]
    Constant,
    /// `get_constant_schedule_with_warmup`: linear warm-up from 0, then constant.
    #[serde(rename = "constant_schedule_with_warmup")]
    ConstantWithWarmup { warmup_steps: usize },
    /// `get_linear_schedule_with_warmup`: linear warm-up, then linear decay to 0
    /// at `total_steps` (and 0 after it).
    #[serde(rename = "linear_schedule_with_warmup")]
    Linear {
        warmup_steps: usize,
        total_steps: usize,
    },
    /// `get_cosine_schedule_with_warmup`: linear warm-up, then a cosine curve
    /// going through `num_cycles` periods by `total_steps` (0.5 = from the
    /// initial rate down to 0). The curve keeps going after `total_steps`.
    #[serde(rename = "cosine_schedule_with_warmup")]
    Cosine {
        warmup_steps: usize,
        total_steps: usize,
        num_cycles: f64,
    },
    /// `get_cosine_with_hard_restarts_schedule_with_warmup`: linear warm-up,
    /// then `num_cycles` half-cosine decays to 0, each restarting at the initial
    /// rate; 0 from `total_steps` on.
    #[serde(rename = "cosine_with_hard_restarts_schedule_with_warmup")]
    CosineWithHardRestarts {
        warmup_steps: usize,
        total_steps: usize,
        num_cycles: f64,
    },
    /// `get_polynomial_decay_schedule_with_warmup`: linear warm-up, then
    /// `(lr_init - lr_end) * remaining^power + lr_end`, and `lr_end` after
    /// `total_steps`.
    ///
    /// Unlike the other schedules this one is defined in absolute learning
    /// rates: `lr_init` is the optimizer's default learning rate
    /// (`learning_rate`), and a group with a different initial rate gets the
    /// same curve scaled by `group_lr / lr_init`, as in PyTorch.
    #[serde(rename = "polynomial_decay_schedule_with_warmup")]
    Polynomial {
        warmup_steps: usize,
        total_steps: usize,
        lr_init: f64,
        lr_end: f64,
        power: f64,
    },
}

/// Warm-up length as Simple Transformers computes it: `warmup_steps` when it is
/// non-zero, otherwise `ceil(total_steps * warmup_ratio)`.
///
/// A negative or non-finite ratio gives 0 here; [`Schedule::from_args`]
/// rejects such ratios instead of silently using that value.
pub fn warmup_steps(args: &ModelArgs, total_steps: usize) -> usize {
    if args.warmup_steps != 0 {
        return args.warmup_steps;
    }
    // `as` saturates: NaN and negatives become 0, huge values usize::MAX.
    (total_steps as f64 * args.warmup_ratio).ceil() as usize
}

impl Schedule {
    /// The schedule named by `args.scheduler`, for a run of `total_steps`
    /// optimizer steps, with the warm-up from [`warmup_steps`].
    pub fn from_args(args: &ModelArgs, total_steps: usize) -> Result<Self, ScheduleError> {
        if args.warmup_steps == 0 {
            check_non_negative("warmup_ratio", args.warmup_ratio)?;
        }
        let warmup_steps = warmup_steps(args, total_steps);
        let schedule = match args.scheduler.as_str() {
            CONSTANT => Schedule::Constant,
            CONSTANT_WITH_WARMUP => Schedule::ConstantWithWarmup { warmup_steps },
            LINEAR => Schedule::Linear {
                warmup_steps,
                total_steps,
            },
            COSINE => Schedule::Cosine {
                warmup_steps,
                total_steps,
                num_cycles: num_cycles(args)?,
            },
            COSINE_HARD_RESTARTS => Schedule::CosineWithHardRestarts {
                warmup_steps,
                total_steps,
                num_cycles: num_cycles(args)?,
            },
            POLYNOMIAL => polynomial(args, warmup_steps, total_steps)?,
            other => {
                return Err(ScheduleError::UnknownScheduler {
                    name: other.to_owned(),
                });
            }
        };
        Ok(schedule)
    }

    /// The Simple Transformers name of this schedule (the `scheduler` argument).
    pub fn name(&self) -> &'static str {
        match self {
            Schedule::Constant => CONSTANT,
            Schedule::ConstantWithWarmup { .. } => CONSTANT_WITH_WARMUP,
            Schedule::Linear { .. } => LINEAR,
            Schedule::Cosine { .. } => COSINE,
            Schedule::CosineWithHardRestarts { .. } => COSINE_HARD_RESTARTS,
            Schedule::Polynomial { .. } => POLYNOMIAL,
        }
    }

    /// Number of warm-up steps (0 for the constant schedule).
    pub fn warmup_steps(&self) -> usize {
        match *self {
            Schedule::Constant => 0,
            Schedule::ConstantWithWarmup { warmup_steps }
            | Schedule::Linear { warmup_steps, .. }
            | Schedule::Cosine { warmup_steps, .. }
            | Schedule::CosineWithHardRestarts { warmup_steps, .. }
            | Schedule::Polynomial { warmup_steps, .. } => warmup_steps,
        }
    }

    /// Learning rate of a parameter group whose initial learning rate is
    /// `base_lr`, for optimizer step `step` (0-based).
    pub fn lr(&self, base_lr: f64, step: usize) -> f64 {
        base_lr * self.factor(step)
    }

    /// The multiplier applied to every group's initial learning rate at `step`
    /// (the `LambdaLR` lambda).
    pub fn factor(&self, step: usize) -> f64 {
        match *self {
            Schedule::Constant => 1.0,
            Schedule::ConstantWithWarmup { warmup_steps } => {
                if step < warmup_steps {
                    warmup_factor(step, warmup_steps)
                } else {
                    1.0
                }
            }
            Schedule::Linear {
                warmup_steps,
                total_steps,
            } => {
                if step < warmup_steps {
                    warmup_factor(step, warmup_steps)
                } else {
                    let remaining = total_steps as f64 - step as f64;
                    (remaining / decay_length(warmup_steps, total_steps)).max(0.0)
                }
            }
            Schedule::Cosine {
                warmup_steps,
                total_steps,
                num_cycles,
            } => {
                if step < warmup_steps {
                    warmup_factor(step, warmup_steps)
                } else {
                    let progress = decay_progress(step, warmup_steps, total_steps);
                    half_cosine(PI * num_cycles * 2.0 * progress)
                }
            }
            Schedule::CosineWithHardRestarts {
                warmup_steps,
                total_steps,
                num_cycles,
            } => {
                if step < warmup_steps {
                    return warmup_factor(step, warmup_steps);
                }
                let progress = decay_progress(step, warmup_steps, total_steps);
                if progress >= 1.0 {
                    0.0
                } else {
                    // Python's `%` takes the sign of the divisor, like `rem_euclid`.
                    half_cosine(PI * (num_cycles * progress).rem_euclid(1.0))
                }
            }
            Schedule::Polynomial {
                warmup_steps,
                total_steps,
                lr_init,
                lr_end,
                power,
            } => polynomial_factor(step, warmup_steps, total_steps, lr_init, lr_end, power),
        }
    }
}

/// The polynomial schedule, with the argument checks `transformers` does
/// (`lr_end` below the initial rate) and a few it leaves to chance.
fn polynomial(
    args: &ModelArgs,
    warmup_steps: usize,
    total_steps: usize,
) -> Result<Schedule, ScheduleError> {
    let lr_end = check_finite(
        "polynomial_decay_schedule_lr_end",
        args.polynomial_decay_schedule_lr_end,
    )?;
    let power = check_non_negative(
        "polynomial_decay_schedule_power",
        args.polynomial_decay_schedule_power,
    )?;
    let lr_init = check_finite("learning_rate", args.learning_rate)?;
    // Both are finite here, so this is Python's `not (lr_init > lr_end)`.
    if lr_init <= lr_end {
        return Err(ScheduleError::LrEndNotBelowInitial { lr_end, lr_init });
    }
    Ok(Schedule::Polynomial {
        warmup_steps,
        total_steps,
        lr_init,
        lr_end,
        power,
    })
}

fn num_cycles(args: &ModelArgs) -> Result<f64, ScheduleError> {
    check_finite(
        "cosine_schedule_num_cycles",
        args.cosine_schedule_num_cycles,
    )
}

/// [`Schedule::Polynomial`]'s factor: the absolute learning rate divided by
/// `lr_init`, because `LambdaLR` multiplies it back by the group's rate.
fn polynomial_factor(
    step: usize,
    warmup_steps: usize,
    total_steps: usize,
    lr_init: f64,
    lr_end: f64,
    power: f64,
) -> f64 {
    if step < warmup_steps {
        return warmup_factor(step, warmup_steps);
    }
    // Python divides by zero (and raises) when warm-up fills the whole run and
    // step == total_steps; the only sensible value there is the end rate.
    if step > total_steps || warmup_steps == total_steps {
        return lr_end / lr_init;
    }
    let lr_range = lr_init - lr_end;
    let decay_steps = (total_steps - warmup_steps) as f64;
    let pct_remaining = 1.0 - (step - warmup_steps) as f64 / decay_steps;
    let decay = lr_range * pct_remaining.powf(power) + lr_end;
    decay / lr_init
}

/// Linear warm-up from 0: `step / max(1, warmup_steps)`.
fn warmup_factor(step: usize, warmup_steps: usize) -> f64 {
    step as f64 / warmup_steps.max(1) as f64
}

/// Steps after warm-up, at least 1 (Python's `max(1, total - warmup)`, which
/// may see a negative difference when warm-up is longer than training).
fn decay_length(warmup_steps: usize, total_steps: usize) -> f64 {
    (total_steps as f64 - warmup_steps as f64).max(1.0)
}

/// Fraction of the decay phase done at `step` (>= warmup), 1.0 at `total_steps`.
fn decay_progress(step: usize, warmup_steps: usize, total_steps: usize) -> f64 {
    (step as f64 - warmup_steps as f64) / decay_length(warmup_steps, total_steps)
}

/// `max(0, (1 + cos(angle)) / 2)`, written as `transformers` writes it.
fn half_cosine(angle: f64) -> f64 {
    (0.5 * (1.0 + angle.cos())).max(0.0)
}

fn check_finite(name: &'static str, value: f64) -> Result<f64, ScheduleError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(ScheduleError::InvalidArgument {
            name,
            expected: "a finite number",
            value,
        })
    }
}

fn check_non_negative(name: &'static str, value: f64) -> Result<f64, ScheduleError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(ScheduleError::InvalidArgument {
            name,
            expected: "a finite number >= 0",
            value,
        })
    }
}

/// A schedule applied to an optimizer's parameter groups, with the step count:
/// the equivalent of a PyTorch `LambdaLR` and of its `state_dict`.
///
/// Serialise it with the optimizer state so that a resumed run continues at
/// the same learning rates (Simple Transformers' `scheduler.pt`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LrScheduler {
    schedule: Schedule,
    base_lrs: Vec<f64>,
    step: usize,
}

impl LrScheduler {
    /// A scheduler at step 0 for groups whose initial learning rates are `base_lrs`.
    pub fn new(schedule: Schedule, base_lrs: Vec<f64>) -> Self {
        Self {
            schedule,
            base_lrs,
            step: 0,
        }
    }

    /// The same scheduler after `steps_done` optimizer steps, for resuming
    /// from a checkpoint that only recorded the global step.
    pub fn resumed(schedule: Schedule, base_lrs: Vec<f64>, steps_done: usize) -> Self {
        Self {
            schedule,
            base_lrs,
            step: steps_done,
        }
    }

    /// Learning rate of each group for the next optimizer step.
    pub fn lrs(&self) -> Vec<f64> {
        self.base_lrs
            .iter()
            .map(|&base_lr| self.schedule.lr(base_lr, self.step))
            .collect()
    }

    /// Learning rate of group `group` for the next optimizer step (`None` if
    /// there is no such group).
    pub fn group_lr(&self, group: usize) -> Option<f64> {
        let base_lr = *self.base_lrs.get(group)?;
        Some(self.schedule.lr(base_lr, self.step))
    }

    /// Move to the next step; call once after every optimizer step.
    pub fn advance(&mut self) {
        self.step = self.step.saturating_add(1);
    }

    /// Optimizer steps taken so far (the step the next `lrs` is for).
    pub fn steps_done(&self) -> usize {
        self.step
    }

    /// The schedule being followed.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// Initial learning rate of each group.
    pub fn base_lrs(&self) -> &[f64] {
        &self.base_lrs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(scheduler: &str) -> ModelArgs {
        ModelArgs {
            scheduler: scheduler.into(),
            ..ModelArgs::default()
        }
    }

    #[test]
    fn default_args_give_linear_warmup() {
        let schedule = Schedule::from_args(&ModelArgs::default(), 100).unwrap();
        assert_eq!(
            schedule,
            Schedule::Linear {
                warmup_steps: 6,
                total_steps: 100
            }
        );
        assert_eq!(schedule.lr(1.0, 0), 0.0);
        assert_eq!(schedule.lr(1.0, 6), 1.0);
        assert_eq!(schedule.lr(1.0, 100), 0.0);
        assert_eq!(schedule.lr(1.0, 1000), 0.0);
    }

    #[test]
    fn names_round_trip() {
        for name in SCHEDULER_NAMES {
            let schedule = Schedule::from_args(&args(name), 10).unwrap();
            assert_eq!(schedule.name(), name);
            let json = serde_json::to_value(schedule).unwrap();
            assert_eq!(json["scheduler"], name);
            assert_eq!(serde_json::from_value::<Schedule>(json).unwrap(), schedule);
        }
    }

    #[test]
    fn invalid_numbers_are_errors_not_panics() {
        let mut a = args(COSINE);
        a.cosine_schedule_num_cycles = f64::INFINITY;
        assert!(matches!(
            Schedule::from_args(&a, 10),
            Err(ScheduleError::InvalidArgument {
                name: "cosine_schedule_num_cycles",
                ..
            })
        ));
        let mut a = args(LINEAR);
        a.warmup_ratio = -0.1;
        assert!(Schedule::from_args(&a, 10).is_err());
        a.warmup_steps = 3; // the ratio is not used any more
        assert!(Schedule::from_args(&a, 10).is_ok());
        let mut a = args(POLYNOMIAL);
        a.learning_rate = f64::NAN;
        assert!(Schedule::from_args(&a, 10).is_err());
    }

    #[test]
    fn degenerate_lengths_stay_finite() {
        for name in SCHEDULER_NAMES {
            for (total, warmup) in [(0, 0), (0, 5), (5, 5), (1, 0)] {
                let mut a = args(name);
                a.warmup_steps = warmup;
                a.warmup_ratio = 0.0;
                let schedule = Schedule::from_args(&a, total).unwrap();
                for step in 0..10 {
                    let lr = schedule.lr(1e-3, step);
                    assert!(
                        lr.is_finite() && lr >= 0.0,
                        "{name} {total} {warmup} {step}: {lr}"
                    );
                }
            }
        }
    }

    #[test]
    fn polynomial_reaches_lr_end_when_warmup_fills_the_run() {
        let mut a = args(POLYNOMIAL);
        a.warmup_steps = 5;
        a.learning_rate = 1e-3;
        a.polynomial_decay_schedule_lr_end = 1e-5;
        let schedule = Schedule::from_args(&a, 5).unwrap();
        assert!((schedule.lr(1e-3, 5) - 1e-5).abs() < 1e-18);
    }

    #[test]
    fn scheduler_tracks_steps_and_groups() {
        let schedule = Schedule::ConstantWithWarmup { warmup_steps: 2 };
        let mut scheduler = LrScheduler::new(schedule, vec![1.0, 0.5]);
        assert_eq!(scheduler.lrs(), vec![0.0, 0.0]);
        scheduler.advance();
        assert_eq!(scheduler.lrs(), vec![0.5, 0.25]);
        assert_eq!(scheduler.group_lr(1), Some(0.25));
        assert_eq!(scheduler.group_lr(2), None);
        scheduler.advance();
        assert_eq!(scheduler.steps_done(), 2);
        assert_eq!(scheduler.lrs(), vec![1.0, 0.5]);
        assert_eq!(LrScheduler::resumed(schedule, vec![1.0, 0.5], 2), scheduler);
    }
}

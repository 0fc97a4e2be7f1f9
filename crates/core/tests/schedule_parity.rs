//! Learning rates identical to PyTorch + `transformers` schedulers built the way
//! Simple Transformers builds them (`fixtures/train/schedules.json`, made by
//! `scripts/make_train_fixtures.py`): same warm-up length from the args, and the
//! same learning rate for every parameter group at every optimizer step,
//! including steps past the end of training.

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;
use st_core::args::{Args, ModelArgs};
use st_core::train::schedule::{
    LrScheduler, SCHEDULER_NAMES, Schedule, ScheduleError, warmup_steps,
};

/// Largest accepted difference, relative to the Python value.
const RELATIVE_TOLERANCE: f64 = 1e-12;

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
    errors: Vec<ErrorCase>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    args: Value,
    total_steps: usize,
    warmup_steps: usize,
    base_lrs: Vec<f64>,
    /// `lrs[group][step]`.
    lrs: Vec<Vec<f64>>,
}

#[derive(Deserialize)]
struct ErrorCase {
    name: String,
    args: Value,
    total_steps: usize,
    python_error: String,
}

fn fixture() -> Fixture {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/train/schedules.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("schedules.json")
}

fn model_args(overrides: &Value) -> ModelArgs {
    let mut args = ModelArgs::default();
    args.update_from_json(overrides).expect("fixture args");
    args
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= RELATIVE_TOLERANCE * want.abs()
}

#[test]
fn learning_rates_match_transformers() {
    let fixture = fixture();
    assert!(fixture.cases.len() >= 20, "expected a good number of cases");
    for case in &fixture.cases {
        let args = model_args(&case.args);
        let schedule = Schedule::from_args(&args, case.total_steps)
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        // The constant schedule has no warm-up, whatever the args say.
        let expected_warmup = match schedule {
            Schedule::Constant => 0,
            _ => case.warmup_steps,
        };
        assert_eq!(schedule.warmup_steps(), expected_warmup, "{}", case.name);
        for (group, (&base_lr, expected)) in case.base_lrs.iter().zip(&case.lrs).enumerate() {
            for (step, &want) in expected.iter().enumerate() {
                let got = schedule.lr(base_lr, step);
                assert!(
                    close(got, want),
                    "{} group {group} step {step}: got {got:e}, Python {want:e}",
                    case.name
                );
            }
        }
    }
}

#[test]
fn every_scheduler_is_covered() {
    let fixture = fixture();
    for name in SCHEDULER_NAMES {
        let cases = fixture.cases.iter().filter(|c| c.args["scheduler"] == name);
        assert!(cases.count() >= 2, "{name}: too few fixture cases");
    }
    assert!(fixture.cases.iter().any(|c| c.base_lrs.len() > 1));
}

#[test]
fn scheduler_replays_the_fixture_and_resumes_after_serde() {
    for case in &fixture().cases {
        let schedule = Schedule::from_args(&model_args(&case.args), case.total_steps).unwrap();
        let mut scheduler = LrScheduler::new(schedule, case.base_lrs.clone());
        let steps = case.lrs[0].len();
        for step in 0..steps {
            if step == steps / 2 {
                let json = serde_json::to_string(&scheduler).unwrap();
                scheduler = serde_json::from_str(&json).unwrap();
            }
            for (group, got) in scheduler.lrs().into_iter().enumerate() {
                let want = case.lrs[group][step];
                assert!(close(got, want), "{} group {group} step {step}", case.name);
            }
            scheduler.advance();
        }
    }
}

#[test]
fn warmup_steps_follow_simpletransformers() {
    for case in &fixture().cases {
        let args = model_args(&case.args);
        assert_eq!(
            warmup_steps(&args, case.total_steps),
            case.warmup_steps,
            "{}",
            case.name
        );
    }
    let mut args = ModelArgs::default();
    assert_eq!(warmup_steps(&args, 100), 6);
    assert_eq!(warmup_steps(&args, 10), 1, "0.6 rounds up");
    assert_eq!(warmup_steps(&args, 0), 0);
    args.warmup_ratio = 0.0;
    assert_eq!(warmup_steps(&args, 100), 0);
    args.warmup_steps = 7;
    args.warmup_ratio = 0.5;
    assert_eq!(
        warmup_steps(&args, 100),
        7,
        "explicit steps win over the ratio"
    );
}

#[test]
fn python_errors_are_errors() {
    let fixture = fixture();
    assert!(!fixture.errors.is_empty());
    for case in &fixture.errors {
        let err =
            Schedule::from_args(&model_args(&case.args), case.total_steps).expect_err(&case.name);
        assert!(
            matches!(err, ScheduleError::LrEndNotBelowInitial { .. }),
            "{}: {err} (Python: {})",
            case.name,
            case.python_error
        );
        assert!(err.to_string().contains("must be smaller than"), "{err}");
    }
}

#[test]
fn unknown_scheduler_lists_the_valid_names() {
    let args = ModelArgs {
        scheduler: "cosine".into(),
        ..ModelArgs::default()
    };
    let err = Schedule::from_args(&args, 100).unwrap_err();
    assert_eq!(
        err,
        ScheduleError::UnknownScheduler {
            name: "cosine".into()
        }
    );
    let message = err.to_string();
    assert!(message.contains("\"cosine\""), "{message}");
    for name in SCHEDULER_NAMES {
        assert!(message.contains(name), "{message} lacks {name}");
    }
}

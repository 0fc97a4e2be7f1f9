//! Numerical parity of [`CustomLoss`] with Simple Transformers 0.70.8's `FocalLoss`, `DiceLoss`
//! and `TverskyLoss`, on reference values that `scripts/make_loss_fixtures.py` computed with
//! the real Python classes: the loss within 1e-5 and its gradient with respect to the logits
//! within 1e-4 relative (or 1e-6 absolute) per element. Each case is configured from its JSON
//! `loss_args` through `CustomLoss::from_args`, so the parsing is covered too.

use burn::backend::Autodiff;
use burn::tensor::{Int, Tensor, backend::Backend};
use serde_json::{Map, Value, json};
use st_core::backend::DefaultBackend as B;
use st_models::loss::{CustomLoss, masked_targets};
use st_test_support::{fixtures, floats, ints, reference, values};

type AD = Autodiff<B>;

const FORWARD_TOL: f32 = 1e-5;
const GRAD_REL_TOL: f32 = 1e-4;
const GRAD_ABS_TOL: f32 = 1e-6;

struct Case {
    name: String,
    loss: CustomLoss,
    classes: usize,
    logits: Vec<f32>,
    targets: Vec<i64>,
    expected_loss: f32,
    expected_grad: Vec<f32>,
}

fn cases() -> Vec<Case> {
    let reference = reference(&fixtures().join("losses"));
    let cases: Vec<Case> = reference["cases"]
        .as_array()
        .expect("a list of cases")
        .iter()
        .map(|case| {
            let name = case["name"].as_str().expect("a name").to_string();
            let loss_args = case["loss_args"].as_object().expect("an object");
            let loss = CustomLoss::from_args(case["loss_type"].as_str(), loss_args)
                .unwrap_or_else(|e| panic!("{name}: {e}"))
                .expect("a loss_type");
            let logits = &reference["logits"][case["logits"].as_str().expect("a name")];
            let classes = logits[0].as_array().expect("rows").len();
            loss.check_classes(classes)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            Case {
                loss,
                classes,
                logits: floats(logits),
                targets: ints(&reference["targets"][case["targets"].as_str().expect("a name")]),
                expected_loss: case["loss"].as_f64().expect("a number") as f32,
                expected_grad: floats(&case["grad"]),
                name,
            }
        })
        .collect();
    assert!(
        cases.len() >= 20,
        "only {} cases in the fixture",
        cases.len()
    );
    cases
}

fn logits<BK: Backend>(data: &[f32], classes: usize, device: &BK::Device) -> Tensor<BK, 2> {
    Tensor::<BK, 1>::from_floats(data, device).reshape([data.len() / classes, classes])
}

fn targets<BK: Backend>(data: &[i64], device: &BK::Device) -> Tensor<BK, 1, Int> {
    Tensor::<BK, 1, Int>::from_ints(data, device)
}

/// The loss and its gradient with respect to the logits.
fn loss_and_grad(
    loss: &CustomLoss,
    classes: usize,
    data: &[f32],
    target_ids: &[i64],
) -> (f32, Vec<f32>) {
    let device = Default::default();
    let x = logits::<AD>(data, classes, &device).require_grad();
    let value = loss.forward(x.clone(), targets::<AD>(target_ids, &device));
    let grads = value.backward();
    let grad = x.grad(&grads).expect("a gradient for the logits");
    (values(value)[0], values(grad))
}

#[test]
fn forward_matches_python() {
    let device = Default::default();
    for case in cases() {
        let value = case.loss.forward(
            logits::<B>(&case.logits, case.classes, &device),
            targets::<B>(&case.targets, &device),
        );
        assert_eq!(value.dims(), [1], "{}", case.name);
        let value = values(value)[0];
        let diff = (value - case.expected_loss).abs();
        eprintln!(
            "{}: loss {value} vs {} (diff {diff:.1e})",
            case.name, case.expected_loss
        );
        assert!(
            diff <= FORWARD_TOL,
            "{}: loss {value} vs Python {}",
            case.name,
            case.expected_loss
        );
    }
}

#[test]
fn gradients_match_python() {
    for case in cases() {
        let (value, grad) = loss_and_grad(&case.loss, case.classes, &case.logits, &case.targets);
        assert!(
            (value - case.expected_loss).abs() <= FORWARD_TOL,
            "{}: autodiff loss {value} vs Python {}",
            case.name,
            case.expected_loss
        );
        let mut worst = 0.0f32;
        for (i, (ours, theirs)) in grad.iter().zip(&case.expected_grad).enumerate() {
            let diff = (ours - theirs).abs();
            assert!(
                diff <= GRAD_ABS_TOL || diff <= GRAD_REL_TOL * theirs.abs(),
                "{}: d loss / d logits[{}][{}] = {ours} vs Python {theirs}",
                case.name,
                i / case.classes,
                i % case.classes
            );
            worst = worst.max(diff);
        }
        assert_eq!(grad.len(), case.expected_grad.len(), "{}", case.name);
        eprintln!("{}: gradient max abs diff {worst:.1e}", case.name);
    }
}

fn loss(loss_type: &str, loss_args: Value) -> CustomLoss {
    let Value::Object(map) = loss_args else {
        panic!("not an object")
    };
    CustomLoss::from_args(Some(loss_type), &map)
        .unwrap()
        .unwrap()
}

fn every_loss(extra: Value) -> Vec<CustomLoss> {
    let with = |base: Value| {
        let mut map: Map<String, Value> = base.as_object().unwrap().clone();
        map.extend(extra.as_object().unwrap().clone());
        Value::Object(map)
    };
    vec![
        loss("focal", with(json!({}))),
        loss("focal", with(json!({"alpha": 0.25, "gamma": 0}))),
        loss("focal", with(json!({"alpha": [0.5, 2.0, 1.0]}))),
        loss("dice", with(json!({"gamma": 1}))),
        loss("tversky", with(json!({"alpha": 0.3, "beta": 0.7}))),
    ]
}

/// Python's mean over no rows is NaN; here it is 0 (documented on the reduction), and the
/// gradient is zero as in Python.
#[test]
fn all_rows_ignored_is_zero_not_nan() {
    let data = [1.0, -2.0, 0.5, 3.0, 0.0, -1.0];
    for reduction in ["mean", "sum"] {
        for loss in every_loss(json!({"reduction": reduction})) {
            let (value, grad) = loss_and_grad(&loss, 3, &data, &[-100, -100]);
            assert_eq!(value, 0.0, "{loss:?}");
            assert!(grad.iter().all(|g| *g == 0.0), "{loss:?}: {grad:?}");
        }
    }
}

/// Ignored rows are dropped, not down-weighted: the result is that of the counted rows alone,
/// whatever the ignored rows' logits.
#[test]
fn ignored_rows_are_dropped() {
    let kept = [1.0, -2.0, 0.5, 0.1, 0.2, 0.3];
    let with_ignored = [1.0, -2.0, 0.5, 9.0, -9.0, 4.0, 0.1, 0.2, 0.3];
    for loss in every_loss(json!({})) {
        let (alone, alone_grad) = loss_and_grad(&loss, 3, &kept, &[2, 0]);
        let (mixed, mixed_grad) = loss_and_grad(&loss, 3, &with_ignored, &[2, -100, 0]);
        assert!(
            (alone - mixed).abs() <= 1e-6,
            "{loss:?}: {alone} vs {mixed}"
        );
        assert_eq!(&mixed_grad[3..6], &[0.0; 3], "{loss:?}");
        let counted: Vec<f32> = [&mixed_grad[..3], &mixed_grad[6..]].concat();
        let diff = st_test_support::max_abs_diff(&counted, &alone_grad);
        assert!(diff <= 1e-7, "{loss:?}: gradient differs by {diff}");
    }
}

/// A row so confident that its probability rounds to 1 must not give NaN gradients with
/// `gamma = 0`, where PyTorch's `pow` backward is zero but a naive `γ · x^(γ−1)` is `0 · ∞`.
#[test]
fn certain_rows_have_finite_gradients() {
    let data = [40.0, 0.0, -3.0, 0.0, 40.0, 1.0];
    for loss in every_loss(json!({"gamma": 0})) {
        let (value, grad) = loss_and_grad(&loss, 3, &data, &[0, 2]);
        assert!(value.is_finite(), "{loss:?}: {value}");
        assert!(grad.iter().all(|g| g.is_finite()), "{loss:?}: {grad:?}");
        assert!(
            grad.iter().any(|g| *g != 0.0),
            "{loss:?}: the wrong row must pull"
        );
    }
}

#[test]
fn masked_targets_ignore_padding() {
    let device = Default::default();
    let labels = Tensor::<B, 2, Int>::from_ints([[3, 1, -100, 2], [0, 4, 4, 4]], &device);
    let mask = Tensor::<B, 2, Int>::from_ints([[1, 1, 1, 0], [1, 1, 0, 0]], &device);
    let flat = masked_targets(labels, mask, -7);
    let ids: Vec<i64> = flat.into_data().convert::<i64>().to_vec().unwrap();
    assert_eq!(ids, [3, 1, -100, -7, 0, 4, -7, -7]);
}

#[test]
#[should_panic(expected = "check_classes")]
fn unchecked_alpha_length_panics_with_a_pointer_to_the_check() {
    let loss = loss("focal", json!({"alpha": [0.5, 0.5]}));
    let device = Default::default();
    let _ = loss.forward(
        logits::<B>(&[0.0, 1.0, 2.0], 3, &device),
        targets::<B>(&[1], &device),
    );
}

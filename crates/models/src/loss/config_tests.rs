//! `CustomLoss::from_args`: what each `loss_args` mistake is reported as, and the defaults.

use serde_json::{Map, Value, json};

use super::*;

fn args(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn error(loss_type: &str, loss_args: Value) -> String {
    CustomLoss::from_args(Some(loss_type), &args(loss_args))
        .expect_err("a configuration error")
        .to_string()
}

fn assert_mentions(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "{message:?} lacks {part:?}");
    }
}

#[test]
fn no_loss_type_is_no_custom_loss_whatever_the_args() {
    let junk = args(json!({"not_a_key": true}));
    assert_eq!(CustomLoss::from_args(None, &junk), Ok(None));
    assert_eq!(CustomLoss::from_args(Some(""), &junk), Ok(None));
}

#[test]
fn empty_args_give_pythons_defaults() {
    let empty = Map::new();
    assert_eq!(
        CustomLoss::from_args(Some("focal"), &empty),
        Ok(Some(CustomLoss::Focal(FocalLoss::default())))
    );
    assert_eq!(
        CustomLoss::from_args(Some("dice"), &empty),
        Ok(Some(CustomLoss::Dice(DiceLoss::default())))
    );
    let focal = FocalLoss::default();
    assert_eq!(
        (focal.gamma, focal.ignore_index, focal.alpha),
        (2.0, -100, None)
    );
    let dice = DiceLoss::default();
    assert_eq!(
        (dice.gamma, dice.scale, dice.eps, dice.smooth),
        (0.0, 1.0, 1e-6, 0.0)
    );
}

#[test]
fn every_key_is_read() {
    let loss = CustomLoss::from_args(
        Some("tversky"),
        &args(
            json!({"alpha": 0.3, "beta": 0.7, "gamma": 1, "scale": 2.0, "reduction": "sum",
                     "ignore_index": -1, "eps": 1e-4, "smooth": 0.5}),
        ),
    );
    let expected = TverskyLoss {
        alpha: 0.3,
        beta: 0.7,
        gamma: 1.0,
        scale: 2.0,
        reduction: Reduction::Sum,
        ignore_index: -1,
        eps: 1e-4,
        smooth: 0.5,
    };
    assert_eq!(loss, Ok(Some(CustomLoss::Tversky(expected))));
    let focal = CustomLoss::from_args(
        Some("focal"),
        &args(json!({"alpha": [0.25, 1, 2.0], "gamma": 0, "ignore_index": 7})),
    )
    .unwrap()
    .unwrap();
    assert_eq!(focal.ignore_index(), 7);
    assert_eq!(
        focal,
        CustomLoss::Focal(FocalLoss {
            alpha: Some(Alpha::PerClass(vec![0.25, 1.0, 2.0])),
            gamma: 0.0,
            reduction: Reduction::Mean,
            ignore_index: 7,
        })
    );
}

#[test]
fn a_json_integer_alpha_is_a_float_alpha() {
    let loss = CustomLoss::from_args(Some("focal"), &args(json!({"alpha": 1}))).unwrap();
    assert_eq!(
        loss,
        Some(CustomLoss::Focal(FocalLoss {
            alpha: Some(Alpha::Scalar(1.0)),
            ..FocalLoss::default()
        }))
    );
}

#[test]
fn unknown_loss_type_lists_the_losses() {
    let message = error("Focal", json!({}));
    assert_mentions(
        &message,
        &[
            "loss_type",
            "\"Focal\"",
            "focal, dice, tversky",
            "did you mean \"focal\"",
        ],
    );
    let message = error("cross_entropy", json!({}));
    assert_mentions(&message, &["\"cross_entropy\"", "focal, dice, tversky"]);
    assert!(!message.contains("did you mean"), "{message}");
}

#[test]
fn unknown_key_lists_the_keys_of_that_loss() {
    let message = error("focal", json!({"gama": 2.0}));
    assert_mentions(
        &message,
        &[
            "loss_args",
            "\"gama\"",
            "\"focal\"",
            "alpha, gamma, reduction, ignore_index",
            "did you mean \"gamma\"",
        ],
    );
    // `scale` is a dice key, not a focal one.
    let message = error("focal", json!({"scale": 2.0}));
    assert_mentions(
        &message,
        &["\"scale\"", "alpha, gamma, reduction, ignore_index"],
    );
    let message = error("dice", json!({"alpha": 0.5}));
    assert_mentions(
        &message,
        &[
            "\"alpha\"",
            "gamma, scale, reduction, ignore_index, eps, smooth",
        ],
    );
}

#[test]
fn wrong_json_types_say_expected_and_found() {
    let message = error("dice", json!({"gamma": "2"}));
    assert_mentions(
        &message,
        &[
            "loss_args",
            "\"gamma\"",
            "expected a number",
            "found a string (\"2\")",
        ],
    );
    let message = error("tversky", json!({"alpha": 0.5, "beta": true}));
    assert_mentions(
        &message,
        &["\"beta\"", "expected a number", "found a boolean (true)"],
    );
    let message = error("focal", json!({"ignore_index": -100.5}));
    assert_mentions(
        &message,
        &[
            "\"ignore_index\"",
            "expected an integer",
            "found a number (-100.5)",
        ],
    );
    let message = error("focal", json!({"alpha": "0.25"}));
    assert_mentions(
        &message,
        &["\"alpha\"", "a list of numbers", "found a string"],
    );
    let message = error("focal", json!({"alpha": [0.5, null]}));
    assert_mentions(&message, &["\"alpha\"", "found null"]);
    let message = error("focal", json!({"reduction": null}));
    assert_mentions(
        &message,
        &[
            "\"reduction\"",
            "expected \"mean\" or \"sum\"",
            "found null",
        ],
    );
}

#[test]
fn tversky_requires_alpha_and_beta() {
    assert_mentions(
        &error("tversky", json!({"beta": 0.5})),
        &["lacks key \"alpha\"", "\"tversky\""],
    );
    assert_mentions(
        &error("tversky", json!({"alpha": 0.5})),
        &["lacks key \"beta\""],
    );
}

#[test]
fn reductions_other_than_mean_and_sum_are_refused() {
    let message = error("dice", json!({"reduction": "avg"}));
    assert_mentions(
        &message,
        &["\"reduction\"", "\"avg\"", "expected \"mean\" or \"sum\""],
    );
    for (loss_type, loss_args) in [
        ("focal", json!({"reduction": "none"})),
        ("dice", json!({"reduction": "none"})),
        (
            "tversky",
            json!({"alpha": 0.5, "beta": 0.5, "reduction": "none"}),
        ),
    ] {
        let message = error(loss_type, loss_args);
        assert_mentions(
            &message,
            &["\"reduction\"", "\"none\"", "cannot drive training"],
        );
    }
    let message = error(
        "tversky",
        json!({"alpha": 0.5, "beta": 0.5, "reduction": null}),
    );
    assert_mentions(
        &message,
        &["\"reduction\"", "null", "cannot drive training"],
    );
}

#[test]
fn negative_gamma_and_empty_alpha_are_refused() {
    assert_mentions(
        &error("focal", json!({"gamma": -1.0})),
        &["\"gamma\"", "-1", "negative"],
    );
    assert_mentions(
        &error("dice", json!({"gamma": -0.5})),
        &["\"gamma\"", "negative"],
    );
    assert_mentions(
        &error("focal", json!({"alpha": []})),
        &["\"alpha\"", "[]", "one per label"],
    );
}

#[test]
fn per_class_alpha_must_match_the_labels() {
    let loss = CustomLoss::from_args(Some("focal"), &args(json!({"alpha": [0.2, 0.8]})))
        .unwrap()
        .unwrap();
    assert_eq!(loss.check_classes(2), Ok(()));
    let message = loss.check_classes(3).unwrap_err().to_string();
    assert_mentions(
        &message,
        &["loss_args", "\"alpha\"", "2 per-class weights", "3 labels"],
    );
    let scalar = CustomLoss::from_args(Some("focal"), &args(json!({"alpha": 0.25})))
        .unwrap()
        .unwrap();
    assert_eq!(scalar.check_classes(7), Ok(()));
}

#[test]
fn class_weights_win_over_loss_type_as_in_init_loss() {
    let bogus = args(json!({"not_a_key": 1}));
    assert_eq!(
        CustomLoss::for_model(Some("nonsense"), &bogus, true),
        Ok(None)
    );
    assert_eq!(
        CustomLoss::for_model(Some("dice"), &Map::new(), false),
        Ok(Some(CustomLoss::Dice(DiceLoss::default())))
    );
    assert!(CustomLoss::for_model(Some("dice"), &bogus, false).is_err());
    assert_eq!(CustomLoss::for_model(None, &bogus, true), Ok(None));
}

#[test]
fn suggestions_only_for_near_misses() {
    assert_eq!(did_you_mean("tverski", LOSS_TYPES), Some("tversky"));
    let tversky = TVERSKY_KEYS.iter().copied();
    assert_eq!(did_you_mean("ignore_idx", tversky), Some("ignore_index"));
    assert_eq!(did_you_mean("weight", FOCAL_KEYS.iter().copied()), None);
}

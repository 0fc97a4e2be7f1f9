//! `loss_type` / `loss_args` train with the loss they name: with a learning rate of 0, no
//! dropout, one step and one batch holding every example, the reported training loss is
//! exactly that loss of the logits `predict` returns afterwards.

use burn::tensor::{ElementConversion, Int, Tensor, TensorData};
use serde_json::{Value, json};
use st_classification::{
    ClassificationModel, ClassificationOptions, Example, Label, MultiLabelClassificationArgs,
    MultiLabelClassificationModel, MultiLabelOptions,
};
use st_core::backend::DefaultBackend;
use st_core::metrics::Metrics;
use st_core::task::TaskModel;
use st_models::loss::{CustomLoss, cross_entropy};

use super::{args, examples};
use crate::common::{rng_lock, tiny_bert};

type B = DefaultBackend;

fn no_dropout() -> Value {
    json!({"config": {
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "classifier_dropout": 0.0,
    }})
}

/// Options for one step that changes nothing: the step's loss is the loss of the model as it
/// stays.
fn frozen_step(
    dir: &std::path::Path,
    loss_type: Option<&str>,
    loss_args: &Value,
    weight: Option<Vec<f32>>,
) -> ClassificationOptions {
    let mut settings = args(dir);
    settings.model.learning_rate = 0.0;
    settings.model.max_steps = 1;
    settings.model.train_batch_size = 16;
    settings.model.loss_type = loss_type.map(String::from);
    settings.model.loss_args = loss_args.as_object().unwrap().clone();
    ClassificationOptions {
        args: Some(settings),
        overrides: Some(no_dropout()),
        weight,
        ..Default::default()
    }
}

/// Train the one frozen step; the reported training loss and the logits after it.
fn step_loss_and_logits(
    options: ClassificationOptions,
    data: &[Example],
) -> (f64, Tensor<B, 2>, Tensor<B, 1, Int>) {
    let mut model = ClassificationModel::new("bert", &tiny_bert(), options).unwrap();
    let output = model.train_model(data, None, Metrics::new()).unwrap();
    assert_eq!(output.global_step, 1);
    let texts: Vec<&str> = data.iter().map(|e| e.text_a.as_str()).collect();
    let (_, raw) = model.predict(&texts).unwrap();
    let device = Default::default();
    let flat: Vec<f32> = raw.iter().flatten().copied().collect();
    let logits = Tensor::from_data(TensorData::new(flat, [raw.len(), raw[0].len()]), &device);
    let classes: Vec<i64> = data
        .iter()
        .map(|e| match e.label {
            Label::Int(class) => class,
            ref other => panic!("a class label, found {other:?}"),
        })
        .collect();
    let targets = Tensor::from_ints(classes.as_slice(), &device);
    (output.training_loss, logits, targets)
}

fn scalar(t: Tensor<B, 1>) -> f64 {
    t.into_scalar().elem::<f64>()
}

#[test]
fn focal_dice_and_tversky_are_the_losses_trained_with() {
    let _rng = rng_lock();
    let data = examples();
    for (loss_type, loss_args) in [
        ("focal", json!({"alpha": 0.25, "gamma": 2.0})),
        ("dice", json!({"gamma": 0.5, "smooth": 0.1})),
        ("tversky", json!({"alpha": 0.3, "beta": 0.7})),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let options = frozen_step(tmp.path(), Some(loss_type), &loss_args, None);
        let (trained, logits, targets) = step_loss_and_logits(options, &data);
        let loss = CustomLoss::from_args(Some(loss_type), loss_args.as_object().unwrap())
            .unwrap()
            .unwrap();
        let expected = scalar(loss.forward(logits.clone(), targets.clone()));
        assert!(
            (trained - expected).abs() < 1e-5,
            "{loss_type}: trained with {trained}, the loss of the logits is {expected}"
        );
        let ce = scalar(cross_entropy(logits, targets, None));
        assert!(
            (trained - ce).abs() > 1e-3,
            "{loss_type}: {trained} is the cross-entropy"
        );
    }
}

#[test]
fn class_weights_win_over_loss_type_as_in_python() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let data = examples();
    let weights = vec![1.0, 3.0];
    let options = frozen_step(
        tmp.path(),
        Some("focal"),
        &json!({"gamma": 2.0}),
        Some(weights.clone()),
    );
    let (trained, logits, targets) = step_loss_and_logits(options, &data);
    let device = Default::default();
    let weighted = scalar(cross_entropy(
        logits.clone(),
        targets.clone(),
        Some(Tensor::from_floats(weights.as_slice(), &device)),
    ));
    assert!((trained - weighted).abs() < 1e-5, "{trained} vs {weighted}");
    let unweighted = scalar(cross_entropy(logits, targets, None));
    assert!((trained - unweighted).abs() > 1e-4, "the weights count");
}

#[test]
fn bad_loss_settings_are_errors_naming_them() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let refused = |options: ClassificationOptions| {
        ClassificationModel::new("bert", &tiny_bert(), options)
            .expect_err("the loss settings must be refused")
            .to_string()
    };
    let err = refused(frozen_step(tmp.path(), Some("focall"), &json!({}), None));
    assert!(
        err.contains("loss_type \"focall\"") && err.contains("did you mean \"focal\""),
        "{err}"
    );
    let err = refused(frozen_step(
        tmp.path(),
        Some("dice"),
        &json!({"alpha": 0.5}),
        None,
    ));
    assert!(
        err.contains("loss_args") && err.contains("\"alpha\"") && err.contains("\"dice\""),
        "{err}"
    );

    let mut regression = frozen_step(tmp.path(), Some("focal"), &json!({}), None);
    regression.args.as_mut().unwrap().regression = true;
    regression.num_labels = Some(1);
    let err = refused(regression);
    assert!(
        err.contains("loss_type") && err.contains("regression"),
        "{err}"
    );

    let mut multi = MultiLabelClassificationArgs::default();
    multi.classification.model = args(tmp.path()).model;
    multi.classification.model.loss_type = Some("dice".into());
    let options = MultiLabelOptions {
        num_labels: Some(3),
        args: Some(multi),
        ..Default::default()
    };
    let err = MultiLabelClassificationModel::new("bert", &tiny_bert(), options)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("argument \"loss_type\" is not supported: "),
        "{err}"
    );
}

//! The multimodal model's lifecycle on the tiny fixtures (the random BERT of `models/bert` as
//! text encoder, `models/resnet-basic` as image encoder, the real emoji images): training
//! lowers the loss in each mode, saves reload with equal outputs, Python's refusals and the
//! metric keys per mode. (Resuming is `tests/resume.rs`: alone in its process, since dropout
//! draws from the backend's one generator, which tests training in parallel would share.)

mod common;

use common::*;
use serde_json::json;
use st_multimodal::{
    MultiModalClassificationModel, MultiModalLabel, MultiModalOptions, Prediction, Problem,
    TaskModel,
};
use st_test_support::fixtures;

#[test]
fn single_label_training_lowers_the_loss_and_saves_reload() {
    let tmp = tempfile::tempdir().unwrap();
    let data = single_label_data();
    let make = |name: &str, epochs| {
        MultiModalClassificationModel::new(
            "bert",
            name,
            options(&["face", "plant"], args(tmp.path(), epochs)),
        )
        .unwrap()
    };
    let mut model = make(&bert(), 8);
    assert_eq!(model.problem(), Problem::SingleLabel);
    let (before, _) = model.eval_model(&data, &Default::default()).unwrap();
    for key in ["eval_loss", "mcc", "tp", "tn", "fp", "fn"] {
        assert!(before.contains_key(key), "{key} missing from {before:?}");
    }
    model.train_model(&data, None, Default::default()).unwrap();
    let (after, outputs) = model.eval_model(&data, &Default::default()).unwrap();
    assert!(
        after["eval_loss"] < before["eval_loss"],
        "eval_loss {} -> {}",
        before["eval_loss"],
        after["eval_loss"]
    );
    // Python's model outputs are sigmoids of the logits, in every mode.
    assert!(outputs.iter().flatten().all(|&p| (0.0..=1.0).contains(&p)));
    assert!(tmp.path().join("eval_results.txt").is_file());

    let names = model.get_named_parameters();
    for name in [
        "mmbt.transformer.embeddings.word_embeddings.weight",
        "mmbt.modal_encoder.encoder.model.4.0.conv1.weight",
        "mmbt.modal_encoder.proj_embeddings.weight",
        "classifier.weight",
    ] {
        assert!(
            names.iter().any(|n| n == name),
            "{name} not among {names:?}"
        );
    }

    let saved = tmp.path().join("saved");
    model.save_model(&saved).unwrap();
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(saved.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["architectures"][0], "MMBTForClassification");
    assert_eq!(config["num_image_embeds"], 2);
    assert_eq!(config["id2label"]["1"], "plant");
    let reloaded = MultiModalClassificationModel::new(
        "bert",
        saved.to_str().unwrap(),
        MultiModalOptions::default(),
    )
    .unwrap();
    assert_eq!(reloaded.labels(), ["face", "plant"]);
    let inputs: Vec<_> = data
        .iter()
        .map(|e| st_multimodal::MultiModalInput {
            text: &e.text,
            image: &e.image,
        })
        .collect();
    let (preds, outs) = model.predict(&inputs).unwrap();
    let (preds_again, outs_again) = reloaded.predict(&inputs).unwrap();
    assert_eq!(preds, preds_again);
    assert_eq!(outs, outs_again);
    assert!(matches!(&preds[0], Prediction::Class(c) if c == "face" || c == "plant"));
    // The image encoder alone, as a torchvision ResNet directory that loads back.
    let encoder = tmp.path().join("image-encoder");
    model.save_image_encoder(&encoder).unwrap();
    let device = Default::default();
    let (_, config, report) =
        st_models::load_resnet_dir::<st_core::backend::DefaultBackend>(&encoder, true, &device)
            .unwrap();
    assert_eq!(config.widths, [4, 8, 8, 16]);
    assert!(report.missing.is_empty());
    let named = reloaded
        .predict_named(&["a sunflower"], &["sunflower"], &images(), Some(".png"))
        .unwrap();
    assert_eq!(named.1[0], outs[1]);
}

#[test]
fn multi_label_with_auto_weights_and_regression_train() {
    let tmp = tempfile::tempdir().unwrap();
    let classes =
        |names: &[&str]| MultiModalLabel::Classes(names.iter().map(|n| n.to_string()).collect());
    let data = vec![
        sample(
            "a grinning face",
            classes(&["face", "yellow"]),
            "grinning.png",
        ),
        sample(
            "a sunflower",
            classes(&["plant", "yellow"]),
            "sunflower.png",
        ),
        sample("a grey flower", classes(&["plant"]), "grey.png"),
    ];
    // calculate_weights: n / count per label (face 1, plant 2, yellow 2 of 3 samples). The
    // loss before training is measured with them, as the criterion after training uses them.
    let expected_weights = vec![3.0, 1.5, 1.5];
    let mut options = options(&["face", "plant", "yellow"], args(tmp.path(), 6));
    options.multi_label = true;
    options.pos_weight = Some(vec![1.0; 3]);
    let mut model = MultiModalClassificationModel::new("bert", &bert(), options).unwrap();
    model.set_pos_weight(Some(expected_weights.clone()));
    let (before, _) = model.eval_model(&data, &Default::default()).unwrap();
    assert!(before.contains_key("LRAP"));
    model.set_pos_weight(None);
    model.set_auto_weights(true);
    model.train_model(&data, None, Default::default()).unwrap();
    assert_eq!(model.pos_weight(), Some(expected_weights));
    let (after, _) = model.eval_model(&data, &Default::default()).unwrap();
    assert!(
        after["eval_loss"] < before["eval_loss"],
        "{before:?} -> {after:?}"
    );
    let inputs = [st_multimodal::MultiModalInput {
        text: "a sunflower",
        image: &images().join("sunflower.png"),
    }];
    let (preds, _) = model.predict(&inputs).unwrap();
    assert!(matches!(&preds[0], Prediction::MultiHot(h) if h.len() == 3));

    let values = vec![
        sample("one", MultiModalLabel::Value(1.0), "grinning.png"),
        sample("two", MultiModalLabel::Value(-1.0), "sunflower.png"),
    ];
    let regression = MultiModalOptions {
        num_labels: Some(1),
        overrides: Some(args(&tmp.path().join("regression"), 6)),
        ..Default::default()
    };
    let mut model = MultiModalClassificationModel::new("bert", &bert(), regression).unwrap();
    assert_eq!(model.problem(), Problem::Regression);
    let (before, _) = model.eval_model(&values, &Default::default()).unwrap();
    model
        .train_model(&values, None, Default::default())
        .unwrap();
    let (after, outputs) = model.eval_model(&values, &Default::default()).unwrap();
    assert!(
        after["eval_loss"] < before["eval_loss"],
        "{before:?} -> {after:?}"
    );
    assert_eq!(after.keys().collect::<Vec<_>>(), ["eval_loss"]);
    assert!(outputs[0][0] > outputs[1][0], "{outputs:?}");
}

#[test]
fn refusals_are_clear() {
    let tmp = tempfile::tempdir().unwrap();
    let err = MultiModalClassificationModel::new(
        "roberta",
        fixtures().join("models/roberta").to_str().unwrap(),
        options(&["a", "b"], args(tmp.path(), 1)),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("BERT") && err.contains("roberta"), "{err}");
    let mut bad = args(tmp.path(), 1);
    bad["num_image_embeds"] = json!(10);
    let err = MultiModalClassificationModel::new("bert", &bert(), options(&["a", "b"], bad))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("num_image_embeds") && err.contains("1 to 9"),
        "{err}"
    );
    let mismatch = MultiModalOptions {
        label_list: Some(vec!["a".into()]),
        num_labels: Some(3),
        ..Default::default()
    };
    let err = MultiModalClassificationModel::new("bert", &bert(), mismatch)
        .unwrap_err()
        .to_string();
    assert!(err.contains("Mismatch in num_labels"), "{err}");
}

#[test]
fn without_image_weights_a_torchvision_resnet_starts_fresh() {
    let tmp = tempfile::tempdir().unwrap();
    let mut overrides = args(tmp.path(), 1);
    overrides["image_encoder_name"] = serde_json::Value::Null;
    overrides["image_encoder_type"] = json!("resnet18");
    let model =
        MultiModalClassificationModel::new("bert", &bert(), options(&["a", "b"], overrides))
            .unwrap();
    let names = model.get_named_parameters();
    // resnet18's last stage: 512 channels, two blocks.
    assert!(
        names
            .iter()
            .any(|n| n == "mmbt.modal_encoder.encoder.model.7.1.conv2.weight")
    );
    let inputs = [st_multimodal::MultiModalInput {
        text: "a face",
        image: &images().join("grinning.png"),
    }];
    let (_, outputs) = model.predict(&inputs).unwrap();
    assert_eq!(outputs[0].len(), 2);
}

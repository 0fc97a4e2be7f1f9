//! `MultiLabelClassificationModel` on the tiny BERT: LRAP and eval_loss, learning, per-label
//! thresholds, pos_weight, save/reload, and bad multi-hot labels.

use st_classification::{
    Example, Label, MultiLabelClassificationArgs, MultiLabelClassificationModel, MultiLabelOptions,
    Threshold,
};
use st_core::metrics::Metrics;
use st_core::task::TaskModel;

mod common;

use common::{rng_lock, tiny_bert};

/// Labels: [mentions fun, mentions a film, is "good"].
fn examples() -> Vec<Example> {
    [
        ("good fun", vec![1, 0, 1]),
        ("fun fun", vec![1, 0, 0]),
        ("the film", vec![0, 1, 0]),
        ("a good film", vec![0, 1, 1]),
        ("fun film", vec![1, 1, 0]),
        ("good good", vec![0, 0, 1]),
        ("so much fun", vec![1, 0, 0]),
        ("that film", vec![0, 1, 0]),
    ]
    .into_iter()
    .map(|(t, l)| Example::new(t, l))
    .collect()
}

fn options(dir: &std::path::Path, epochs: usize) -> MultiLabelOptions {
    let mut args = MultiLabelClassificationArgs::default();
    let m = &mut args.classification.model;
    m.output_dir = dir.join("outputs").to_string_lossy().into_owned();
    m.tensorboard_dir = Some(dir.join("runs").to_string_lossy().into_owned());
    m.cache_dir = dir.join("cache").to_string_lossy().into_owned();
    m.num_train_epochs = epochs;
    m.train_batch_size = 4;
    m.learning_rate = 1e-3;
    m.manual_seed = Some(5);
    m.silent = true;
    m.save_model_every_epoch = false;
    // eval_model writes eval_results.txt into output_dir (as Python), and training follows.
    m.overwrite_output_dir = true;
    MultiLabelOptions {
        num_labels: Some(3),
        args: Some(args),
        ..Default::default()
    }
}

#[test]
fn learns_reports_lrap_and_round_trips() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut model =
        MultiLabelClassificationModel::new("bert", &tiny_bert(), options(tmp.path(), 25)).unwrap();
    let data = examples();
    let (before, _, _) = model.eval_model(&data, &Metrics::new()).unwrap();
    model.train_model(&data, None, Metrics::new()).unwrap();
    let (after, outputs, _) = model.eval_model(&data, &Metrics::new()).unwrap();
    assert_eq!(after.keys().collect::<Vec<_>>(), ["LRAP", "eval_loss"]);
    assert!(
        after["eval_loss"] < before["eval_loss"],
        "{before:?} → {after:?}"
    );
    assert!(after["LRAP"] > 0.8, "{after:?}");
    assert!(
        outputs.iter().flatten().all(|p| (0.0..=1.0).contains(p)),
        "sigmoid outputs"
    );

    let (predictions, probabilities) = model.predict(&["good fun", "that film"]).unwrap();
    assert!(matches!(&predictions[0], Label::MultiHot(v) if v.len() == 3));
    for (prediction, probs) in predictions.iter().zip(&probabilities) {
        let Label::MultiHot(hot) = prediction else {
            panic!("multi-hot expected")
        };
        for (h, p) in hot.iter().zip(probs) {
            assert_eq!(*h == 1, *p >= 0.5);
        }
    }

    let saved = tmp.path().join("outputs");
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(saved.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["problem_type"], "multi_label_classification");
    let mut reload = options(tmp.path(), 1);
    reload
        .args
        .as_mut()
        .unwrap()
        .classification
        .model
        .output_dir = tmp.path().join("other").to_string_lossy().into_owned();
    let reloaded =
        MultiLabelClassificationModel::new("bert", saved.to_str().unwrap(), reload).unwrap();
    let (again, _) = reloaded.predict(&["good fun", "that film"]).unwrap();
    assert_eq!(again, predictions);
}

#[test]
fn per_label_thresholds_and_pos_weight() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut opts = options(tmp.path(), 1);
    opts.args.as_mut().unwrap().threshold = Threshold::PerLabel(vec![0.0, 1.01, 0.5]);
    opts.pos_weight = Some(vec![1.0, 2.0, 0.5]);
    let mut model = MultiLabelClassificationModel::new("bert", &tiny_bert(), opts).unwrap();
    model
        .train_model(&examples(), None, Metrics::new())
        .unwrap();
    let (predictions, _) = model.predict(&["good fun"]).unwrap();
    let Label::MultiHot(hot) = &predictions[0] else {
        panic!()
    };
    assert_eq!(hot[0], 1, "threshold 0 always fires");
    assert_eq!(hot[1], 0, "threshold above 1 never fires");

    let mut wrong = options(tmp.path(), 1);
    wrong.args.as_mut().unwrap().threshold = Threshold::PerLabel(vec![0.5, 0.5]);
    let err = MultiLabelClassificationModel::new("bert", &tiny_bert(), wrong).unwrap_err();
    assert!(err.to_string().contains("threshold has 2 values"), "{err}");
}

#[test]
fn bad_multi_hot_labels_are_errors() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut model =
        MultiLabelClassificationModel::new("bert", &tiny_bert(), options(tmp.path(), 1)).unwrap();
    let err = model
        .train_model(
            &[Example::new("good fun", vec![1, 0])],
            None,
            Metrics::new(),
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("example 0: multi-hot label has 2 values, expected 3"),
        "{err}"
    );
    let err = model
        .train_model(
            &[Example::new("good fun", vec![1, 2, 0])],
            None,
            Metrics::new(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("other than 0 and 1"), "{err}");
    let err = model
        .train_model(&[Example::new("good fun", 1)], None, Metrics::new())
        .unwrap_err();
    assert!(err.to_string().contains("not a multi-hot list"), "{err}");
}

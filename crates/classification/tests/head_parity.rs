//! Sequence-classification heads against `transformers`' `*ForSequenceClassification` on tiny
//! fixtures (`scripts/make_classification_fixtures.py`): logits for a padded batch and a text
//! pair (≤ 1e-4), the loss of each `problem_type` (cross-entropy, MSE, BCE-with-logits), and
//! gradients of that loss for the head and two encoder parameters (≤ 1e-3 relative).

use std::path::PathBuf;

use burn::backend::Autodiff;
use burn::optim::GradientsParams;
use burn::tensor::{Tensor, backend::Backend};
use serde_json::Value;
use st_classification::loss::{bce_with_logits, cross_entropy, mse};
use st_classification::{LoadedClassifier, load_classifier};
use st_core::backend::DefaultBackend as Inner;
use st_core::weights::named_parameters;
use st_test_support::{encoder_input, floats, max_abs_diff, values};

type AB = Autodiff<Inner>;

fn fixture_dir(name: &str) -> PathBuf {
    st_test_support::fixtures()
        .join("classification")
        .join(name)
}

fn reference(name: &str) -> Value {
    st_test_support::reference(&fixture_dir(name))
}

fn load<B: Backend>(fixture: &str, model_type: &str, without_dropout: bool) -> LoadedClassifier<B> {
    let num_labels = reference(fixture)["num_labels"].as_u64().unwrap() as usize;
    load_classifier::<B>(
        model_type,
        &fixture_dir(fixture),
        num_labels,
        without_dropout,
        &Default::default(),
    )
    .unwrap()
}

fn check_logits(fixture: &str, model_type: &str) {
    let reference = reference(fixture);
    let loaded = load::<Inner>(fixture, model_type, false);
    assert!(
        loaded.report.missing.is_empty(),
        "{:?}",
        loaded.report.missing
    );
    let device = Default::default();
    for case in ["batch", "pair"] {
        let logits = loaded
            .model
            .forward(encoder_input(&reference[case], &device));
        let diff = max_abs_diff(&values(logits), &floats(&reference[case]["logits"]["data"]));
        eprintln!("{fixture} {case}: logits max abs diff {diff:.2e}");
        assert!(diff <= 1e-4, "{fixture} {case}: {diff}");
    }
}

fn check_loss_and_gradients(fixture: &str, model_type: &str) {
    let reference = reference(fixture);
    let loaded = load::<AB>(fixture, model_type, true);
    let device = Default::default();
    let batch = &reference["batch"];
    let logits = loaded.model.forward(encoder_input(batch, &device));
    let [n, c] = logits.dims();
    let labels = &batch["labels"];
    let loss = match reference["problem_type"].as_str().unwrap() {
        "single_label_classification" => {
            let ids: Vec<i64> = labels
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
                .collect();
            cross_entropy(logits, Tensor::from_ints(ids.as_slice(), &device), None)
        }
        "regression" => mse(
            logits.reshape([n]),
            Tensor::from_floats(floats(labels).as_slice(), &device),
        ),
        "multi_label_classification" => bce_with_logits(
            logits,
            Tensor::<AB, 1>::from_floats(floats(labels).as_slice(), &device).reshape([n, c]),
            None,
        ),
        other => panic!("problem_type {other}"),
    };
    let expected = batch["loss"].as_f64().unwrap() as f32;
    let ours = values(loss.clone())[0];
    eprintln!("{fixture}: loss {ours} vs {expected}");
    assert!(
        (ours - expected).abs() <= 1e-5 * expected.abs().max(1.0),
        "{fixture}: loss"
    );
    let grads = GradientsParams::from_grads(loss.backward(), &loaded.model);
    let names = named_parameters(&loaded.model, &loaded.names(), true);
    st_test_support::assert_gradients::<Inner>(&grads, &names, &reference, fixture);
}

st_test_support::parity_tests! {
    checks: [check_logits, check_loss_and_gradients];
    bert: "bert" as "bert";
    roberta: "roberta" as "roberta";
    distilbert: "distilbert" as "distilbert";
    electra: "electra" as "electra";
    xlm_roberta: "xlm-roberta" as "xlmroberta";
    camembert: "camembert" as "camembert";
    albert: "albert" as "albert";
    bert_regression: "bert-regression" as "bert";
    bert_multilabel: "bert-multilabel" as "bert";
}

/// A saved classifier reloads here with identical logits; its config names the labels.
#[test]
fn save_and_reload_round_trip() {
    use st_classification::{LabelConfig, save_classifier};
    for (fixture, model_type) in [
        ("roberta", "roberta"),
        ("distilbert", "distilbert"),
        ("albert", "albert"),
    ] {
        let loaded = load::<Inner>(fixture, model_type, false);
        let tmp = tempfile::tempdir().unwrap();
        let labels = LabelConfig {
            labels: vec!["negative".into(), "neutral".into(), "positive".into()],
            problem_type: "single_label_classification".into(),
        };
        save_classifier(&loaded.model, &loaded.spec, &labels, tmp.path()).unwrap();
        st_core::tokenizer::copy_tokenizer_files(&fixture_dir(fixture), tmp.path()).unwrap();
        let reloaded =
            load_classifier::<Inner>(model_type, tmp.path(), 3, false, &Default::default())
                .unwrap();
        assert!(reloaded.report.missing.is_empty() && reloaded.report.unexpected.is_empty());
        let reference = reference(fixture);
        let device = Default::default();
        let a = values(
            loaded
                .model
                .forward(encoder_input(&reference["batch"], &device)),
        );
        let b = values(
            reloaded
                .model
                .forward(encoder_input(&reference["batch"], &device)),
        );
        assert_eq!(a, b, "{fixture}");
        let config = &reloaded.spec.hf_config;
        assert_eq!(config["id2label"]["2"], "positive");
        assert_eq!(config["label2id"]["neutral"], 1);
        assert_eq!(config["problem_type"], "single_label_classification");
        assert!(tmp.path().join("tokenizer.json").is_file());
    }
}

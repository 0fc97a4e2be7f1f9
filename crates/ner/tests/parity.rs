//! Token-classification heads against `transformers`' `*ForTokenClassification` on tiny
//! fixtures (`scripts/make_ner_fixtures.py`): our featurisation of pre-split words gives
//! exactly the ids and first-sub-token labels `transformers` gives (`is_split_into_words`),
//! token logits match (≤ 1e-4), and so do the loss and its gradients (≤ 1e-3 relative).

use std::path::PathBuf;

use burn::backend::Autodiff;
use burn::optim::GradientsParams;
use burn::tensor::{Int, Tensor, backend::Backend};
use serde_json::Value;
use st_core::backend::DefaultBackend as Inner;
use st_core::tokenizer::{Tokenizer, TokenizerOptions};
use st_core::weights::named_parameters;
use st_models::loss::cross_entropy;
use st_ner::features::{Featurizer, IGNORE_INDEX};
use st_ner::{LoadedTokenClassifier, Sentence, load_token_classifier};
use st_test_support::{encoder_input, floats, ints, max_abs_diff, values};

type AB = Autodiff<Inner>;

fn fixture_dir(name: &str) -> PathBuf {
    st_test_support::fixtures().join("ner").join(name)
}

fn reference(name: &str) -> Value {
    st_test_support::reference(&fixture_dir(name))
}

fn load<B: Backend>(
    fixture: &str,
    model_type: &str,
    without_dropout: bool,
) -> LoadedTokenClassifier<B> {
    load_token_classifier::<B>(
        model_type,
        &fixture_dir(fixture),
        5,
        without_dropout,
        &Default::default(),
    )
    .unwrap()
}

fn sentences(reference: &Value) -> Vec<Sentence> {
    let batch = &reference["batch"];
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    batch["words"]
        .as_array()
        .unwrap()
        .iter()
        .zip(batch["tags"].as_array().unwrap())
        .map(|(w, t)| Sentence::new(strings(w), strings(t)))
        .collect()
}

/// Our windows (one per sentence here) hold the unpadded ids and labels `transformers` made.
fn check_features(fixture: &str, model_type: &str) {
    let reference = reference(fixture);
    let loaded = load::<Inner>(fixture, model_type, false);
    let tokenizer = Tokenizer::from_dir(
        &fixture_dir(fixture),
        &TokenizerOptions {
            special_tokens: loaded.spec.arch.special_tokens(),
            ..Default::default()
        },
    )
    .unwrap();
    let labels: Vec<String> = serde_json::from_value(reference["labels"].clone()).unwrap();
    let featurizer = Featurizer::new(&tokenizer, 64).unwrap();
    let batch = &reference["batch"];
    for (i, sentence) in sentences(&reference).iter().enumerate() {
        let windows = featurizer
            .windows(i, sentence, |w| {
                labels
                    .iter()
                    .position(|l| *l == sentence.labels[w])
                    .unwrap() as i64
            })
            .unwrap();
        assert_eq!(windows.len(), 1);
        let mask = ints(&batch["attention_mask"][i]);
        let len = mask.iter().filter(|&&m| m == 1).count();
        let ids = ints(&batch["input_ids"][i]);
        let token_labels = ints(&batch["token_labels"][i]);
        assert_eq!(windows[0].ids, ids[..len], "{fixture}: sentence {i} ids");
        assert_eq!(
            windows[0].labels,
            token_labels[..len],
            "{fixture}: sentence {i} labels"
        );
        assert_eq!(windows[0].words.len(), sentence.len());
    }
}

fn check_logits(fixture: &str, model_type: &str) {
    let reference = reference(fixture);
    let loaded = load::<Inner>(fixture, model_type, false);
    assert!(
        loaded.report.missing.is_empty(),
        "{:?}",
        loaded.report.missing
    );
    let logits = loaded
        .model
        .forward(encoder_input(&reference["batch"], &Default::default()));
    let expected = floats(&reference["batch"]["logits"]["data"]);
    let diff = max_abs_diff(&values(logits), &expected);
    eprintln!("{fixture}: token logits max abs diff {diff:.2e}");
    assert!(diff <= 1e-4, "{fixture}: {diff}");
}

fn check_loss_and_gradients(fixture: &str, model_type: &str) {
    let reference = reference(fixture);
    let loaded = load::<AB>(fixture, model_type, true);
    let device = Default::default();
    let batch = &reference["batch"];
    let logits = loaded.model.forward(encoder_input(batch, &device));
    let [rows, seq, labels] = logits.dims();
    let token_labels = ints(&batch["token_labels"]);
    let (positions, targets): (Vec<i64>, Vec<i64>) = token_labels
        .iter()
        .enumerate()
        .filter(|(_, l)| **l != IGNORE_INDEX)
        .map(|(i, &l)| (i as i64, l))
        .unzip();
    let selected = logits.reshape([rows * seq, labels]).select(
        0,
        Tensor::<AB, 1, Int>::from_ints(positions.as_slice(), &device),
    );
    let loss = cross_entropy(
        selected,
        Tensor::from_ints(targets.as_slice(), &device),
        None,
    );
    let expected = batch["loss"].as_f64().unwrap() as f32;
    let ours = values(loss.clone())[0];
    eprintln!("{fixture}: loss {ours} vs {expected}");
    assert!((ours - expected).abs() <= 1e-5 * expected.abs().max(1.0));
    let grads = GradientsParams::from_grads(loss.backward(), &loaded.model);
    let names = named_parameters(&loaded.model, &loaded.names(), true);
    st_test_support::assert_gradients::<Inner>(&grads, &names, &reference, fixture);
}

st_test_support::parity_tests! {
    checks: [check_features, check_logits, check_loss_and_gradients];
    bert: "bert" as "bert";
    roberta: "roberta" as "roberta";
    distilbert: "distilbert" as "distilbert";
    electra: "electra" as "electra";
    xlm_roberta: "xlm-roberta" as "xlmroberta";
    camembert: "camembert" as "camembert";
    albert: "albert" as "albert";
}

//! Masked-LM heads against `transformers`' `*ForMaskedLM` on the tiny fixtures of every
//! encoder (`scripts/make_lm_fixtures.py`): logits at every position of a padded batch
//! (≤ 1e-4), the masked-LM loss, and its gradients (≤ 1e-3 relative) for the head, the word
//! embeddings (which the tied decoder also reads) and a layer-0 weight.

use std::path::PathBuf;

use burn::backend::Autodiff;
use burn::optim::GradientsParams;
use burn::tensor::{Int, Tensor, backend::Backend};
use serde_json::Value;
use st_core::backend::DefaultBackend as Inner;
use st_core::weights::named_parameters;
use st_models::heads::TaskNames;
use st_models::loss::cross_entropy;
use st_models::mlm::ties_word_embeddings;
use st_models::{EncoderSpec, HeadTask, MaskedLm, MlmHead, load_with_head};
use st_test_support::{encoder_input, floats, ints, max_abs_diff, values};

type AB = Autodiff<Inner>;

fn fixture_dir(name: &str) -> PathBuf {
    st_test_support::fixtures().join("lm").join(name)
}

fn load<B: Backend>(name: &str, model_type: &str) -> (MaskedLm<B>, TaskNames) {
    let dir = fixture_dir(name);
    let spec = EncoderSpec::read(model_type, &dir)
        .unwrap()
        .without_dropout();
    let layout = spec.arch.mlm_head().expect("an MLM head");
    let tied = ties_word_embeddings(&spec.hf_config);
    let device = Default::default();
    let head = MlmHead::new(layout, &spec.config, tied, 0.02, &device);
    let (model, report) = load_with_head(&spec, head, &dir, HeadTask::MaskedLm, &device).unwrap();
    assert!(report.missing.is_empty(), "{name}: {:?}", report.missing);
    let names = spec.task_names(Box::new(layout));
    (model, names)
}

/// The flat positions and ids of the labelled tokens.
fn labelled(batch: &Value) -> (Vec<i64>, Vec<i64>) {
    let labels: Vec<i64> = ints(&batch["labels"]);
    (labels.iter().enumerate())
        .filter(|(_, l)| **l != -100)
        .map(|(i, &l)| (i as i64, l))
        .unzip()
}

fn check_logits(name: &str, model_type: &str) {
    let reference = st_test_support::reference(&fixture_dir(name));
    let (model, _) = load::<Inner>(name, model_type);
    let device = Default::default();
    let logits = model.logits(encoder_input(&reference["batch"], &device));
    let expected = floats(&reference["batch"]["logits"]["data"]);
    let diff = max_abs_diff(&values(logits), &expected);
    eprintln!("{name}: logits max abs diff {diff:.2e}");
    assert!(diff <= 1e-4, "{name}: {diff}");
}

fn check_loss_and_gradients(name: &str, model_type: &str) {
    let reference = st_test_support::reference(&fixture_dir(name));
    let (model, names) = load::<AB>(name, model_type);
    let device = Default::default();
    let batch = &reference["batch"];
    let (positions, targets) = labelled(batch);
    let at = Tensor::<AB, 1, Int>::from_ints(positions.as_slice(), &device);
    let logits = model.logits_at(encoder_input(batch, &device), at);
    let targets = Tensor::<AB, 1, Int>::from_ints(targets.as_slice(), &device);
    let loss = cross_entropy(logits, targets, None);
    let expected = batch["loss"].as_f64().unwrap() as f32;
    let ours = values(loss.clone())[0];
    eprintln!("{name}: loss {ours} vs {expected}");
    assert!(
        (ours - expected).abs() <= 1e-5 * expected.abs().max(1.0),
        "{name}: loss"
    );
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    let params = named_parameters(&model, &names, true);
    st_test_support::assert_gradients::<Inner>(&grads, &params, &reference, name);
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
}

/// A saved masked LM holds exactly the tensors `transformers` saves for it: the tied decoder
/// (and its bias alias) left out, the base model under its prefix.
#[test]
fn saved_tensors_are_the_ones_transformers_saves() {
    use st_models::save_with_head;
    for (name, model_type) in [
        ("bert", "bert"),
        ("distilbert", "distilbert"),
        ("albert", "albert"),
    ] {
        let reference = st_test_support::reference(&fixture_dir(name));
        let (model, _) = load::<Inner>(name, model_type);
        let spec = EncoderSpec::read(model_type, &fixture_dir(name)).unwrap();
        let out = tempfile::tempdir().unwrap();
        save_with_head(&model, &spec, HeadTask::MaskedLm, &[], None, out.path()).unwrap();
        let bytes = std::fs::read(out.path().join("model.safetensors")).unwrap();
        let saved = safetensors::SafeTensors::deserialize(&bytes).unwrap();
        let mut ours: Vec<String> = saved.names().into_iter().map(String::from).collect();
        ours.sort();
        let mut theirs: Vec<String> = (reference["saved_tensor_names"].as_array().unwrap())
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        theirs.sort();
        assert_eq!(ours, theirs, "{name}");
        let config: Value =
            serde_json::from_str(&std::fs::read_to_string(out.path().join("config.json")).unwrap())
                .unwrap();
        assert_eq!(
            config["architectures"][0], reference["architecture"],
            "{name}"
        );
    }
}

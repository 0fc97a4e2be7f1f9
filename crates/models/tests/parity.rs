//! Numerical parity with PyTorch `transformers` for every built-in architecture, on tiny
//! random models made by `scripts/make_fixtures.py`:
//! forward outputs within 1e-4 (max abs diff) on a padded batch and a text pair, and gradients
//! of `mean(h²) (+ mean(pooler²))` within 1e-3 relative error.

mod common;

use burn::backend::Autodiff;
use burn::optim::GradientsParams;
use burn::tensor::Tensor;
use common::*;
use st_core::backend::DefaultBackend as B;
use st_core::weights::named_parameters;
use st_models::{LoadOptions, load_encoder, load_encoder_with};

const FORWARD_TOL: f32 = 1e-4;
const GRAD_TOL: f64 = 1e-3;

fn check_forward(fixture: &str, model_type: &str) {
    let device = Default::default();
    let reference = reference(fixture);
    let loaded = load_encoder::<B>(model_type, &model_dir(fixture), &device).unwrap();
    assert!(loaded.report.missing.is_empty());
    for case_name in ["batch", "pair"] {
        let case = &reference[case_name];
        let out = loaded.encoder.forward(encoder_input(case, &device));
        let expected = RefTensor::from_json(&case["last_hidden_state"]);
        assert_eq!(out.last_hidden_state.dims().to_vec(), expected.shape);
        let diff = max_abs_diff(&values(out.last_hidden_state), &expected.data);
        eprintln!("{fixture} {case_name}: last_hidden_state max abs diff {diff:.2e}");
        assert!(
            diff <= FORWARD_TOL,
            "{fixture} {case_name}: last_hidden_state max abs diff {diff}"
        );
        match (
            &out.pooler_output,
            case.get("pooler_output").filter(|v| !v.is_null()),
        ) {
            (Some(pooled), Some(expected)) => {
                let diff = max_abs_diff(
                    &values(pooled.clone()),
                    &RefTensor::from_json(expected).data,
                );
                assert!(
                    diff <= FORWARD_TOL,
                    "{fixture} {case_name}: pooler diff {diff}"
                );
            }
            (None, None) => {}
            (ours, theirs) => panic!(
                "{fixture}: pooler present here: {}, in PyTorch: {}",
                ours.is_some(),
                theirs.is_some()
            ),
        }
    }
}

fn check_gradients(fixture: &str, model_type: &str) {
    type AD = Autodiff<B>;
    let device = Default::default();
    let reference = reference(fixture);
    let options = LoadOptions {
        without_dropout: true,
    };
    let loaded =
        load_encoder_with::<AD>(model_type, &model_dir(fixture), &device, options).unwrap();
    let out = loaded
        .encoder
        .forward(encoder_input(&reference["batch"], &device));
    let mut loss: Tensor<AD, 1> = out.last_hidden_state.powi_scalar(2).mean();
    if let Some(pooled) = out.pooler_output {
        loss = loss + pooled.powi_scalar(2).mean();
    }
    let expected_loss = reference["grads"]["loss"].as_f64().unwrap() as f32;
    let loss_value = values(loss.clone())[0];
    assert!(
        (loss_value - expected_loss).abs() <= 1e-4 * expected_loss.abs().max(1.0),
        "{fixture}: loss {loss_value} vs {expected_loss}"
    );
    let grads = GradientsParams::from_grads(loss.backward(), &loaded.encoder);
    let map = loaded.arch.name_map(&loaded.config);
    let names = named_parameters(&loaded.encoder, map.as_ref(), false);
    let params = reference["grads"]["params"].as_object().unwrap();
    assert!(!params.is_empty());
    for (hf_name, expected) in params {
        let expected = RefTensor::from_json(expected);
        let grad = gradient::<B>(&grads, parameter(&names, hf_name));
        let error = relative_error(&grad, &expected.data);
        eprintln!("{fixture}: gradient of {hf_name}: relative error {error:.2e}");
        assert!(
            error <= GRAD_TOL,
            "{fixture}: gradient of {hf_name}: relative error {error}"
        );
    }
}

st_test_support::parity_tests! {
    checks: [check_forward, check_gradients];
    bert: "bert" as "bert";
    roberta: "roberta" as "roberta";
    distilbert: "distilbert" as "distilbert";
    electra: "electra" as "electra";
    xlm_roberta: "xlm-roberta" as "xlmroberta";
    camembert: "camembert" as "camembert";
    albert: "albert" as "albert";
}

#[test]
fn sharded_checkpoint_loads_like_the_single_file() {
    let device = Default::default();
    let single = load_encoder::<B>("bert", &model_dir("bert"), &device).unwrap();
    let sharded = load_encoder::<B>("bert", &model_dir("bert-sharded"), &device).unwrap();
    let reference = reference("bert");
    let a = single
        .encoder
        .forward(encoder_input(&reference["batch"], &device));
    let b = sharded
        .encoder
        .forward(encoder_input(&reference["batch"], &device));
    assert_eq!(values(a.last_hidden_state), values(b.last_hidden_state));
}

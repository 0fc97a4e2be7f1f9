//! torchvision parity for the ResNet image encoders, on the tiny random ResNets of
//! `scripts/make_multimodal_fixtures.py` (basic blocks and bottlenecks): logits within 1e-4 in
//! eval and train mode, gradients of `sum(logits · w)` within 1e-3 relative in both modes, and
//! the BatchNorm running statistics after one train-mode pass.

use burn::backend::Autodiff;
use burn::optim::GradientsParams;
use burn::tensor::Tensor;
use serde_json::Value;
use st_core::backend::DefaultBackend as B;
use st_core::weights::{Checkpoint, named_parameters};
use st_models::image::{ResNetConfig, ResNetNames, load_resnet_dir};
use st_models::{ResNet, Statistics};
use st_test_support::{
    RefTensor, assert_gradient_map, fixtures, max_abs_diff, reference, relative_error, values,
};

type AD = Autodiff<B>;

fn tensor<BB: burn::tensor::backend::Backend, const D: usize>(
    value: &Value,
    device: &BB::Device,
) -> Tensor<BB, D> {
    let t = RefTensor::from_json(value);
    Tensor::<BB, 1>::from_floats(t.data.as_slice(), device)
        .reshape::<D, _>(<[usize; D]>::try_from(t.shape.as_slice()).expect("rank"))
}

fn check(fixture: &str) {
    let dir = fixtures().join("models").join(fixture);
    let reference = reference(&dir);
    let device = Default::default();

    // Eval mode: running statistics, on the inner backend and under autodiff.
    let (model, config, report) = load_resnet_dir::<B>(&dir, false, &device).unwrap();
    assert!(report.unexpected.is_empty(), "{:?}", report.unexpected);
    let logits = model.forward(tensor::<B, 4>(&reference["input"], &device));
    let expected = RefTensor::from_json(&reference["eval"]["logits"]);
    let diff = max_abs_diff(&values(logits), &expected.data);
    eprintln!("{fixture}: eval logits max abs diff {diff:.2e}");
    assert!(diff <= 1e-4, "{fixture}: eval logits {diff}");

    for (mode, statistics) in [
        ("eval", Statistics::Running),
        ("train", Statistics::FollowBackend),
    ] {
        let (model, _, _) = load_resnet_dir::<AD>(&dir, false, &device).unwrap();
        let model = model.with_statistics(statistics);
        let logits = model.forward(tensor::<AD, 4>(&reference["input"], &device));
        let expected = RefTensor::from_json(&reference[mode]["logits"]);
        let diff = max_abs_diff(&values(logits.clone()), &expected.data);
        eprintln!("{fixture}: {mode} logits max abs diff {diff:.2e}");
        assert!(diff <= 1e-4, "{fixture}: {mode} logits {diff}");
        let loss = (logits * tensor::<AD, 2>(&reference["weights"], &device)).sum();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let names = named_parameters(&model, &ResNetNames::torchvision(), false);
        let trainable: Vec<_> = names
            .into_iter()
            .filter(|p| !p.hf_name.contains("running_"))
            .collect();
        assert_gradient_map::<B>(&grads, &trainable, &reference[mode]["grads"], fixture);
        if mode == "train" {
            check_running_statistics(fixture, &model, &config, &reference["train"]["running"]);
        }
    }
}

/// The running statistics after one train-mode pass, read back from a save of the model:
/// what a checkpoint holds is what the next run loads.
fn check_running_statistics(
    fixture: &str,
    model: &ResNet<AD>,
    config: &ResNetConfig,
    expected: &Value,
) {
    let saved = tempfile::tempdir().unwrap();
    st_models::save_resnet(model, config, saved.path()).unwrap();
    let checkpoint = Checkpoint::open(saved.path()).unwrap();
    for (norm, stats) in expected.as_object().unwrap() {
        for (key, field) in [("mean", "running_mean"), ("var", "running_var")] {
            let name = format!("{norm}.{field}");
            let found = checkpoint.tensor_f32(&name).unwrap().expect(&name).values;
            let error = relative_error(&found, &RefTensor::from_json(&stats[key]).data);
            eprintln!("{fixture}: {name} relative error {error:.2e}");
            assert!(error <= 1e-5, "{fixture}: {name}: {error}");
        }
    }
}

#[test]
fn basic_blocks_match_torchvision() {
    check("resnet-basic");
}

#[test]
fn bottlenecks_match_torchvision() {
    check("resnet-bottleneck");
}

#[test]
fn config_is_read_off_a_torchvision_checkpoint() {
    for fixture in ["resnet-basic", "resnet-bottleneck"] {
        let dir = fixtures().join("models").join(fixture);
        let checkpoint = Checkpoint::open(&dir).unwrap();
        let inferred = ResNetConfig::infer(&checkpoint, "").unwrap();
        let path = dir.join("config.json");
        let saved: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            inferred,
            ResNetConfig::from_json(&saved, &path).unwrap(),
            "{fixture}"
        );
    }
}

#[test]
fn torchvision_depths_are_registered() {
    let config = st_models::image_encoder_architecture("resnet152")
        .unwrap()
        .config();
    assert_eq!(config.layers, [3, 8, 36, 3]);
    assert_eq!(config.feature_channels(), 2048);
    let err = st_models::image_encoder_architecture("resnet19")
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("resnet18") && err.contains("image encoder"),
        "{err}"
    );
    let bad = serde_json::json!({"model_type": "resnet", "block": "basic", "layers": [2, 0, 2, 2]});
    let err = ResNetConfig::from_json(&bad, std::path::Path::new("config.json"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("empty stage"), "{err}");
}

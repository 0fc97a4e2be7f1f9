//! Parity of the MMBT classifier with the plain-torch `MMBTForClassification` of
//! `scripts/make_multimodal_fixtures.py` (the tiny BERT with dropout 0 and the basic ResNet,
//! 3 image embeddings, 3 labels): logits within 1e-4 in eval and train mode (BatchNorm batch
//! statistics), the cross-entropy and BCE-with-pos_weight losses, and every gradient within
//! 1e-3 relative.

use burn::backend::Autodiff;
use burn::optim::GradientsParams;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};
use serde_json::Value;
use st_core::backend::DefaultBackend as B;
use st_core::weights::named_parameters;
use st_models::loss::{bce_with_logits, cross_entropy};
use st_models::mmbt::{MmbtConfig, MmbtInput, MmbtNames, load_mmbt};
use st_models::{EncoderSpec, MmbtClassifier};
use st_test_support::{
    RefTensor, assert_gradient_map, assert_table_gradient, fixtures, floats, int_matrix, ints,
    max_abs_diff, reference, values,
};

type AD = Autodiff<B>;

fn dir() -> std::path::PathBuf {
    fixtures().join("multimodal/mmbt")
}

fn load<BB: Backend>(device: &BB::Device) -> (MmbtClassifier<BB>, EncoderSpec) {
    let spec = EncoderSpec::read("bert", &dir()).unwrap();
    let config = st_models::loader::read_config(&dir()).unwrap();
    let mmbt = MmbtConfig::from_hf(&config, &dir().join("config.json"))
        .unwrap()
        .expect("MMBT keys");
    (load_mmbt(&spec, &mmbt, 3, &dir(), device).unwrap(), spec)
}

fn input<BB: Backend>(reference: &Value, device: &BB::Device) -> MmbtInput<BB> {
    let batch = &reference["dataset"];
    let images = RefTensor::from_json(&reference["input_modal"]);
    let ids = |key: &str| Tensor::<BB, 1, Int>::from_ints(ints(&batch[key]).as_slice(), device);
    MmbtInput {
        images: Tensor::<BB, 1>::from_floats(images.data.as_slice(), device)
            .reshape([2, 3, 48, 48]),
        input_ids: int_matrix(&batch["input_ids"], device),
        attention_mask: int_matrix(&batch["attention_mask"], device),
        start_tokens: ids("modal_start_tokens"),
        end_tokens: ids("modal_end_tokens"),
    }
}

#[test]
fn eval_logits_match_pytorch() {
    let device = Default::default();
    let reference = reference(&dir());
    let (model, _) = load::<B>(&device);
    let logits = values(model.forward(input(&reference, &device)));
    let diff = max_abs_diff(
        &logits,
        &RefTensor::from_json(&reference["eval_logits"]).data,
    );
    eprintln!("mmbt: eval logits max abs diff {diff:.2e}");
    assert!(diff <= 1e-4, "{diff}");
}

#[test]
fn train_logits_losses_and_gradients_match_pytorch() {
    let device = Default::default();
    let reference = reference(&dir());
    let (model, spec) = load::<AD>(&device);
    let logits = model.forward(input(&reference, &device));
    let diff = max_abs_diff(
        &values(logits.clone()),
        &RefTensor::from_json(&reference["train_logits"]).data,
    );
    eprintln!("mmbt: train logits max abs diff {diff:.2e}");
    assert!(diff <= 1e-4, "{diff}");

    let multi_hot =
        Tensor::<AD, 1>::from_floats(floats(&reference["multi_hot"]).as_slice(), &device)
            .reshape([2, 3]);
    let pos_weight =
        Tensor::<AD, 1>::from_floats(floats(&reference["pos_weight"]).as_slice(), &device);
    let bce = bce_with_logits(logits.clone(), multi_hot, Some(pos_weight)).into_scalar();
    let expected = reference["bce_loss"].as_f64().unwrap() as f32;
    assert!((bce - expected).abs() <= 1e-5, "bce {bce} vs {expected}");

    let labels = Tensor::<AD, 1, Int>::from_ints(ints(&reference["labels"]).as_slice(), &device);
    let loss = cross_entropy(logits, labels, None);
    let expected = reference["ce_loss"].as_f64().unwrap() as f32;
    let ce = loss.clone().into_scalar();
    assert!((ce - expected).abs() <= 1e-5, "ce {ce} vs {expected}");

    let grads = GradientsParams::from_grads(loss.backward(), &model);
    let names = named_parameters(
        &model,
        &MmbtNames::new(spec.arch.name_map(&spec.config)),
        false,
    );
    assert_gradient_map::<B>(&grads, &names, &reference["grads"], "mmbt");
    assert_table_gradient::<B>(
        &grads,
        &names,
        "mmbt.transformer.embeddings.word_embeddings.weight",
        &reference["word_embeddings_grad"],
        "mmbt",
    );
}

#[test]
fn saved_directory_round_trips() {
    let device = Default::default();
    let reference = reference(&dir());
    let (model, spec) = load::<B>(&device);
    let config = st_models::loader::read_config(&dir()).unwrap();
    let mmbt = MmbtConfig::from_hf(&config, &dir().join("config.json"))
        .unwrap()
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let labels = ["a", "b", "c"].map(String::from);
    st_models::mmbt::save_mmbt(&model, &spec, &mmbt, &labels, None, out.path()).unwrap();
    let saved = st_models::loader::read_config(out.path()).unwrap();
    assert_eq!(saved["architectures"][0], "MMBTForClassification");
    assert_eq!(saved["id2label"]["2"], "c");
    let reloaded = load_mmbt::<B>(&spec, &mmbt, 3, out.path(), &device).unwrap();
    let a = values(model.forward(input(&reference, &device)));
    let b = values(reloaded.forward(input(&reference, &device)));
    assert_eq!(a, b);
}

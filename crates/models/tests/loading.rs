//! Loading and saving: registry lookups, round trips, and every bad-input case giving a clear
//! error instead of a panic.

mod common;

use std::path::Path;

use common::*;
use st_core::backend::DefaultBackend as B;
use st_core::weights::Checkpoint;
use st_models::{ModelError, load_encoder, save_encoder, supported_model_types};

/// Copy a fixture model directory (without its reference outputs) into a temporary directory.
fn copy_fixture(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(model_dir(name)).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() != "reference.json" {
            std::fs::copy(entry.path(), tmp.path().join(entry.file_name())).unwrap();
        }
    }
    tmp
}

fn load_err(model_type: &str, dir: &Path) -> String {
    let device = Default::default();
    load_encoder::<B>(model_type, dir, &device)
        .map(|_| ())
        .unwrap_err()
        .to_string()
}

#[test]
fn unknown_model_type_lists_the_supported_ones() {
    let message = load_err("bort", &model_dir("bert"));
    assert!(message.contains("\"bort\""), "{message}");
    for model_type in [
        "bert",
        "roberta",
        "distilbert",
        "electra",
        "xlmroberta",
        "camembert",
        "albert",
    ] {
        assert!(message.contains(model_type), "{message}");
        assert!(supported_model_types().iter().any(|m| m == model_type));
    }
}

#[test]
fn directory_without_config_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let message = load_err("bert", tmp.path());
    assert!(message.contains("no config.json"), "{message}");
}

#[test]
fn truncated_safetensors_is_an_error() {
    let tmp = copy_fixture("bert");
    let path = tmp.path().join("model.safetensors");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let message = load_err("bert", tmp.path());
    assert!(message.contains("model.safetensors"), "{message}");
    assert!(message.contains("corrupt or truncated"), "{message}");
}

#[test]
fn garbage_safetensors_is_an_error() {
    let tmp = copy_fixture("bert");
    std::fs::write(
        tmp.path().join("model.safetensors"),
        b"not a checkpoint at all",
    )
    .unwrap();
    let message = load_err("bert", tmp.path());
    assert!(message.contains("corrupt or truncated"), "{message}");
}

#[test]
fn config_that_disagrees_with_the_weights_is_an_error() {
    let tmp = copy_fixture("bert");
    let path = tmp.path().join("config.json");
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let intermediate = config["intermediate_size"].as_u64().unwrap();
    config["intermediate_size"] = (intermediate + 1).into();
    std::fs::write(&path, config.to_string()).unwrap();
    let message = load_err("bert", tmp.path());
    assert!(
        message.contains("does not match the model configuration"),
        "{message}"
    );
    assert!(message.contains("intermediate.dense.weight"), "{message}");
}

#[test]
fn bad_config_value_names_the_key() {
    let tmp = copy_fixture("bert");
    let path = tmp.path().join("config.json");
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    config["hidden_act"] = "swoosh".into();
    std::fs::write(&path, config.to_string()).unwrap();
    let message = load_err("bert", tmp.path());
    assert!(
        message.contains("hidden_act") && message.contains("swoosh"),
        "{message}"
    );
}

#[test]
fn impossible_sizes_name_the_architectures_own_key() {
    for (fixture, key, value, named) in [
        ("bert", "hidden_size", 0, "\"hidden_size\""),
        ("bert", "num_attention_heads", 5, "divisor of hidden_size"),
        ("distilbert", "dim", 0, "\"dim\""),
        ("distilbert", "n_heads", 0, "\"n_heads\""),
    ] {
        let tmp = copy_fixture(fixture);
        let path = tmp.path().join("config.json");
        let mut config: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        config[key] = value.into();
        std::fs::write(&path, config.to_string()).unwrap();
        let message = load_err(fixture, tmp.path());
        assert!(message.contains(named), "{fixture} {key}: {message}");
    }
}

#[test]
fn missing_encoder_weight_is_an_error_naming_it() {
    let tmp = copy_fixture("bert");
    let path = tmp.path().join("model.safetensors");
    let checkpoint = Checkpoint::open(tmp.path()).unwrap();
    let dropped = "encoder.layer.1.output.dense.weight";
    let kept: Vec<(String, st_core::weights::HostTensor)> = checkpoint
        .names()
        .filter(|n| *n != dropped)
        .map(|n| (n.to_string(), checkpoint.tensor_f32(n).unwrap().unwrap()))
        .collect();
    drop(checkpoint);
    safetensors::serialize_to_file(kept, None, &path).unwrap();
    let message = load_err("bert", tmp.path());
    assert!(message.contains(dropped), "{message}");
}

#[test]
fn pickle_only_directory_is_refused_with_advice() {
    let tmp = copy_fixture("bert");
    std::fs::remove_file(tmp.path().join("model.safetensors")).unwrap();
    std::fs::write(tmp.path().join("pytorch_model.bin"), b"pickle").unwrap();
    let message = load_err("bert", tmp.path());
    assert!(message.contains("never loaded"), "{message}");
    assert!(message.contains("safe_serialization=True"), "{message}");
}

#[test]
fn saved_encoder_has_hugging_face_names_and_values() {
    for (fixture, model_type) in [
        ("bert", "bert"),
        ("distilbert", "distilbert"),
        ("albert", "albert"),
        ("electra", "electra"),
    ] {
        let device = Default::default();
        let loaded = load_encoder::<B>(model_type, &model_dir(fixture), &device).unwrap();
        let out = tempfile::tempdir().unwrap();
        save_encoder(&loaded, out.path()).unwrap();
        let original = Checkpoint::open(&model_dir(fixture)).unwrap();
        let saved = Checkpoint::open(out.path()).unwrap();
        let saved_names: Vec<&str> = saved.names().collect();
        let original_names: Vec<&str> = original
            .names()
            .filter(|n| !n.ends_with("position_ids"))
            .collect();
        assert_eq!(saved_names, original_names, "{fixture}: names differ");
        for name in saved_names {
            assert_eq!(
                saved.tensor_f32(name).unwrap(),
                original.tensor_f32(name).unwrap(),
                "{fixture}: {name} differs"
            );
        }
    }
}

#[test]
fn model_error_is_an_error_type() {
    fn is_error<E: std::error::Error>() {}
    is_error::<ModelError>();
}

#[test]
fn save_pretrained_round_trips_weights_tokenizer_and_args() {
    use st_core::args::{Args, ModelArgs};
    let device = Default::default();
    let source = model_dir("roberta");
    let loaded = load_encoder::<B>("roberta", &source, &device).unwrap();
    let args = ModelArgs {
        max_seq_length: 16,
        ..Default::default()
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("saved");
    st_models::save_pretrained(&loaded, &source, &args, &out).unwrap();
    for file in [
        "model.safetensors",
        "config.json",
        "tokenizer.json",
        "model_args.json",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    // Nothing but the saved directory is left behind (no staging directories).
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);

    let mut reloaded_args = ModelArgs::default();
    assert!(reloaded_args.load_from_dir(&out).unwrap());
    assert_eq!(reloaded_args.max_seq_length, 16);

    let reloaded = load_encoder::<B>("roberta", &out, &device).unwrap();
    let reference = reference("roberta");
    let case = &reference["batch"];
    let input = |dev: &_| st_models::EncoderInput::<B> {
        input_ids: int_matrix(&case["input_ids"], dev),
        attention_mask: int_matrix(&case["attention_mask"], dev),
        token_type_ids: None,
        position_ids: None,
    };
    let a = values(loaded.encoder.forward(input(&device)).last_hidden_state);
    let b = values(reloaded.encoder.forward(input(&device)).last_hidden_state);
    assert_eq!(a, b);

    // Saving again over an existing directory replaces it atomically.
    st_models::save_pretrained(&reloaded, &out, &args, &out).unwrap();
    assert!(out.join("model.safetensors").is_file());
}

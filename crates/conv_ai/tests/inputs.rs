//! ConvAI inputs against Python Simple Transformers' on a fixture PersonaChat file
//! (`scripts/make_conv_ai_fixtures.py`): the special tokens' ids, and every instance
//! `load_and_cache_examples` builds for training and evaluation (ids, token types, labels,
//! `mc_token_ids`, `mc_labels`), read whole and streamed; and the data errors.

use serde_json::{Value, json};
use st_conv_ai::{ConvAIModel, ConvAIOptions, DataError, Instance, read_dialogues};
use st_core::task::Mode;
use st_test_support::fixtures;

/// A ConvAI model on the plain GPT-2 fixture (a language model: the multiple-choice head is
/// new, the five tokens are added) with the fixture script's settings.
fn model(overrides: Value) -> ConvAIModel {
    let dir = fixtures().join("models/gpt2");
    let mut args = json!({"num_candidates": 2, "max_history": 1, "personality_permutations": 2,
                          "silent": true});
    args.as_object_mut()
        .unwrap()
        .extend(overrides.as_object().unwrap().clone());
    let options = ConvAIOptions {
        overrides: Some(args),
        ..Default::default()
    };
    ConvAIModel::new("gpt2", dir.to_str().unwrap(), options).unwrap()
}

fn expected() -> Value {
    let text = std::fs::read_to_string(fixtures().join("conv_ai/instances.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn ints(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect()
}

fn assert_instances(got: &[Instance], expected: &Value, what: &str) {
    let expected = expected.as_array().unwrap();
    assert_eq!(got.len(), expected.len(), "{what}: instance count");
    for (i, (instance, want)) in got.iter().zip(expected).enumerate() {
        assert_eq!(
            instance.mc_label() as i64,
            want["mc_labels"].as_i64().unwrap(),
            "{what} {i}"
        );
        let candidates = want["candidates"].as_array().unwrap();
        assert_eq!(
            instance.candidates.len(),
            candidates.len(),
            "{what} {i}: candidates"
        );
        for (c, (got, want)) in instance.candidates.iter().zip(candidates).enumerate() {
            let widen = |v: &[u32]| v.iter().map(|&x| i64::from(x)).collect::<Vec<_>>();
            let at = format!("{what} {i}, candidate {c}");
            assert_eq!(
                widen(&got.input_ids),
                ints(&want["input_ids"]),
                "{at}: input_ids"
            );
            assert_eq!(
                widen(&got.token_type_ids),
                ints(&want["token_type_ids"]),
                "{at}: types"
            );
            assert_eq!(got.labels(), ints(&want["labels"]), "{at}: labels");
            assert_eq!(
                got.mc_token_id() as i64,
                want["mc_token_ids"].as_i64().unwrap(),
                "{at}"
            );
        }
    }
}

#[test]
fn special_tokens_get_python_ids_and_grow_the_embeddings() {
    let model = model(json!({}));
    let text = std::fs::read_to_string(fixtures().join("conv_ai/tokens.json")).unwrap();
    let tokens: Value = serde_json::from_str(&text).unwrap();
    let ids = model.special_ids();
    for (name, id) in [
        ("<bos>", ids.bos),
        ("<eos>", ids.eos),
        ("<pad>", ids.pad),
        ("<speaker1>", ids.speaker1),
        ("<speaker2>", ids.speaker2),
    ] {
        assert_eq!(i64::from(id), tokens[name].as_i64().unwrap(), "{name}");
    }
    let rows = model.module().transformer.wte.weight.dims()[0];
    assert_eq!(rows as i64, tokens["vocab_size"].as_i64().unwrap());
}

#[test]
fn instances_equal_simple_transformers_load_and_cache_examples() {
    let model = model(json!({}));
    let path = fixtures().join("conv_ai/dialogues.json");
    let dialogues = read_dialogues(&path).unwrap();
    let expected = expected();
    let train = model.instances_of(&dialogues, Mode::Train).unwrap();
    assert_instances(&train, &expected["train"], "train");
    let streamed = model.instances_from_file(&path, Mode::Train).unwrap();
    assert_eq!(streamed, train, "streamed and whole reads agree");
    // Evaluation uses every candidate of the first utterance (3), as Python does.
    let eval = model.instances_of(&dialogues, Mode::Eval).unwrap();
    assert_eq!(eval[0].candidates.len(), 3);
    assert_instances(&eval, &expected["eval"], "eval");
}

#[test]
fn bad_data_is_an_error_that_says_where() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.json");
    std::fs::write(
        &path,
        "[{\"personality\": [\"a\"],\n \"utterances\": [{\"history\": 3}]}]",
    )
    .unwrap();
    let err = read_dialogues(&path).unwrap_err();
    assert!(matches!(err, DataError::Json { line: 2, .. }), "{err}");
    assert!(err.to_string().contains("bad.json"), "{err}");

    let model = model(json!({"num_candidates": 3}));
    let dialogues = json!([
        {"personality": ["p."], "utterances": [
            {"history": ["h"], "candidates": ["a", "b", "c"]},
            {"history": ["h"], "candidates": ["a", "b"]}]}
    ]);
    std::fs::write(&path, dialogues.to_string()).unwrap();
    let err = model.instances_from_file(&path, Mode::Train).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("dialogue 0, utterance 1: 2 candidate(s), but 3"),
        "{message}"
    );

    // An empty persona is no error (Python's rotation of it fails).
    let empty = json!([{"personality": [], "utterances": [
        {"history": ["h"], "candidates": ["a", "b", "c"]}]}]);
    std::fs::write(&path, empty.to_string()).unwrap();
    let instances = model.instances_from_file(&path, Mode::Train).unwrap();
    assert_eq!(instances.len(), 2, "two persona permutations");

    std::fs::write(&path, "[]").unwrap();
    assert!(matches!(
        read_dialogues(&path),
        Err(DataError::Empty { .. })
    ));
}

#[test]
fn unsupported_model_types_are_refused_by_name() {
    for model_type in ["gpt", "blender"] {
        let err = ConvAIModel::new(model_type, "unused", Default::default()).unwrap_err();
        assert!(err.to_string().contains(model_type), "{err}");
    }
}

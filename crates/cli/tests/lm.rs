//! `st lm train|eval|predict` and `st fill-mask` on the tiny fixtures: a masked model trained
//! from a text file, evaluated (`eval_loss`, `perplexity` as JSON) and filling masks; a causal
//! model generating continuations; refusals named.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/models")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn write_corpus(dir: &Path) -> PathBuf {
    let path = dir.join("train.txt");
    let text = "the quick brown fox jumps over the lazy dog\n\nhello world from the kitchen\n\
                three sleepy cats watch the sunny window\nthe dog jumps while the cats watch\n";
    std::fs::write(&path, text.repeat(3)).unwrap();
    path
}

const ARGS: &str = r#"{"num_train_epochs": 2, "train_batch_size": 4, "max_seq_length": 16,
    "manual_seed": 3, "silent": true, "save_steps": -1, "save_model_every_epoch": false,
    "learning_rate": 0.001}"#;

#[test]
fn masked_lm_trains_evaluates_and_fills_masks() {
    let dir = tempfile::tempdir().unwrap();
    let train = write_corpus(dir.path());
    let out = dir.path().join("model");
    let (t, o) = (train.to_str().unwrap(), out.to_str().unwrap());
    let bert = fixture("bert");
    let (ok, stdout, err) = common::st(
        &[
            "lm",
            "train",
            "--model-type",
            "bert",
            "--model-name",
            &bert,
            "--train",
            t,
            "--eval",
            t,
            "--output-dir",
            o,
            "--args",
            ARGS,
        ],
        None,
    );
    assert!(ok, "{err}");
    let summary: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(summary["global_step"].as_u64().unwrap() > 0);
    assert!(summary["eval"]["perplexity"].as_f64().unwrap() > 1.0);

    let (ok, stdout, err) = common::st(&["lm", "eval", "--model", o, "--eval", t], None);
    assert!(ok, "{err}");
    let result: Value = serde_json::from_str(stdout.trim()).unwrap();
    let (loss, perplexity) = (
        result["eval_loss"].as_f64().unwrap(),
        result["perplexity"].as_f64().unwrap(),
    );
    assert!(
        (perplexity - loss.exp()).abs() < 1e-9 * perplexity,
        "{result}"
    );
    assert_eq!(
        result, summary["eval"],
        "the saved model scores as the trained one"
    );

    let (ok, stdout, err) = common::st(
        &[
            "fill-mask",
            "--model",
            o,
            "--text",
            "the lazy [MASK]",
            "--top-k",
            "3",
        ],
        None,
    );
    assert!(ok, "{err}");
    let candidates: Value = serde_json::from_str(stdout.trim()).unwrap();
    let candidates = candidates.as_array().unwrap();
    assert_eq!(candidates.len(), 3, "one mask: a flat list");
    for key in ["score", "token", "token_str", "sequence"] {
        assert!(candidates[0].get(key).is_some(), "{key}");
    }

    let input = dir.path().join("masked.txt");
    std::fs::write(&input, "the [MASK] dog\n[MASK] world [MASK]\n").unwrap();
    let (ok, stdout, err) = common::st(
        &[
            "lm",
            "predict",
            "--model",
            o,
            "--input",
            input.to_str().unwrap(),
        ],
        None,
    );
    assert!(ok, "{err}");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["masks"].as_array().unwrap().len(), 2);
}

#[test]
fn causal_lm_trains_and_generates() {
    let dir = tempfile::tempdir().unwrap();
    let train = write_corpus(dir.path());
    let out = dir.path().join("model");
    let (t, o) = (train.to_str().unwrap(), out.to_str().unwrap());
    let gpt2 = fixture("gpt2");
    let args = ARGS.replace("\"silent\": true", "\"silent\": true, \"mlm\": false");
    let (ok, _, err) = common::st(
        &[
            "lm",
            "train",
            "--model-type",
            "gpt2",
            "--model-name",
            &gpt2,
            "--train",
            t,
            "--output-dir",
            o,
            "--args",
            &args,
        ],
        None,
    );
    assert!(ok, "{err}");
    let input = dir.path().join("prompts.txt");
    std::fs::write(&input, "the quick\nhello\n").unwrap();
    let generation = r#"{"max_new_tokens": 4, "num_beams": 2, "num_return_sequences": 2}"#;
    let (ok, stdout, err) = common::st(
        &[
            "lm",
            "predict",
            "--model",
            o,
            "--input",
            input.to_str().unwrap(),
            "--generation-args",
            generation,
        ],
        None,
    );
    assert!(ok, "{err}");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["input_text"], "the quick");
    assert_eq!(lines[0]["generated_text"].as_array().unwrap().len(), 2);

    let (ok, _, err) = common::st(
        &[
            "lm",
            "predict",
            "--model",
            o,
            "--input",
            input.to_str().unwrap(),
            "--generation-args",
            r#"{"penalty_alpha": 0.6}"#,
        ],
        None,
    );
    assert!(!ok);
    assert!(err.contains("penalty_alpha"), "{err}");
}

#[test]
fn a_causal_model_cannot_fill_masks() {
    let (ok, _, err) = common::st(
        &[
            "fill-mask",
            "--model",
            &fixture("gpt2"),
            "--model-type",
            "gpt2",
            "--text",
            "a [MASK]",
        ],
        None,
    );
    assert!(!ok);
    assert!(err.contains("mlm"), "{err}");
}

/// `st lm train` without `--model-name` trains GPT-2 from scratch, tokenizer included; `st lm
/// eval` scores it and `st generate` continues text with it.
#[test]
fn gpt2_from_scratch_then_eval_and_generate() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = st_test_support::fixtures().join("tokenizer_training/corpus.txt");
    let out = dir.path().join("model");
    let (c, o) = (corpus.to_str().unwrap(), out.to_str().unwrap());
    let args = serde_json::json!({
        "vocab_size": 300, "mlm": false, "num_train_epochs": 1, "max_seq_length": 32,
        "train_batch_size": 8, "manual_seed": 5, "silent": true, "save_steps": -1,
        "save_model_every_epoch": false,
        "cache_dir": dir.path().join("cache").to_str().unwrap(),
        "config": {"n_embd": 32, "n_layer": 2, "n_head": 2, "n_positions": 64}
    })
    .to_string();
    let (ok, stdout, err) = common::st(
        &[
            "lm",
            "train",
            "--model-type",
            "gpt2",
            "--train",
            c,
            "--eval",
            c,
            "--output-dir",
            o,
            "--args",
            &args,
        ],
        None,
    );
    assert!(ok, "{err}");
    let summary: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(
        summary["eval"]["perplexity"].as_f64().unwrap() < 300.0,
        "{summary}"
    );
    assert!(out.join("merges.txt").is_file());
    let (ok, stdout, err) = common::st(&["lm", "eval", "--model", o, "--eval", c], None);
    assert!(ok, "{err}");
    let result: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(result, summary["eval"]);
    let (ok, stdout, err) = common::st(
        &[
            "generate",
            "--model-name",
            o,
            "--prompt",
            "The harbour",
            "--json",
            "--args",
            r#"{"do_sample": false, "max_length": 5}"#,
        ],
        None,
    );
    assert!(ok, "{err}");
    let line: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(
        line["generated_text"]
            .as_str()
            .unwrap()
            .starts_with("The harbour")
    );

    let (ok, _, err) = common::st(
        &["ner", "train", "--model-type", "bert", "--train", c],
        None,
    );
    assert!(!ok);
    assert!(err.contains("--model-name is required"), "{err}");
}

/// ELECTRA from a pretrained generator and discriminator: trained, evaluated (the two losses
/// reported), saved in Python's layout and filling masks with its generator.
#[test]
fn electra_trains_from_a_generator_and_a_discriminator() {
    let dir = tempfile::tempdir().unwrap();
    let train = write_corpus(dir.path());
    let out = dir.path().join("model");
    let (t, o) = (train.to_str().unwrap(), out.to_str().unwrap());
    let lm = |name: &str| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/lm")
            .join(name)
            .to_string_lossy()
            .into_owned()
    };
    let (generator, discriminator) = (lm("electra"), lm("electra-discriminator"));
    let (ok, stdout, err) = common::st(
        &[
            "lm",
            "train",
            "--model-type",
            "electra",
            "--model-name",
            "electra",
            "--generator-name",
            &generator,
            "--discriminator-name",
            &discriminator,
            "--train",
            t,
            "--eval",
            t,
            "--output-dir",
            o,
            "--args",
            ARGS,
        ],
        None,
    );
    assert!(ok, "{err}");
    let summary: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(
        summary["eval"]["discriminator_loss"].as_f64().unwrap() > 0.0,
        "{summary}"
    );
    assert!(out.join("discriminator_model/model.safetensors").is_file());
    assert!(out.join("generator_config/config.json").is_file());

    let (ok, stdout, err) = common::st(
        &["fill-mask", "--model", o, "--text", "the quick [MASK] fox"],
        None,
    );
    assert!(ok, "{err}");
    let candidates: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(candidates.as_array().unwrap().len(), 5, "{candidates}");
}

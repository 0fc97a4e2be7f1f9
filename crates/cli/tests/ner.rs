//! `st ner train|eval|predict` end to end on the tiny BERT fixture with CoNLL files.

use std::path::PathBuf;

use serde_json::Value;

mod common;

use common::st;

fn tiny_bert() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/models/bert")
}

const TRAIN: &str = "-DOCSTART- -X- -X- O

the X X O
man X X B-PER
visited X X O
paris X X B-LOC

the X X O
dog X X B-PER
visited X X O
london X X B-LOC

from X X O
berlin X X B-LOC
to X X O
paris X X B-LOC

the X X O
man X X B-PER
and X X O
the X X O
dog X X B-PER
";

#[test]
fn train_eval_predict_from_conll_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("train.conll"), TRAIN).unwrap();
    std::fs::write(dir.join("texts.txt"), "the dog visited paris\nberlin\n").unwrap();
    let args = r#"{"num_train_epochs": 30, "train_batch_size": 2, "learning_rate": 0.005,
                  "manual_seed": 3, "silent": true, "save_model_every_epoch": false,
                  "tensorboard_dir": "runs"}"#;
    let bert = tiny_bert();
    let (ok, stdout, stderr) = st(
        &[
            "ner",
            "train",
            "--model-type",
            "bert",
            "--model-name",
            bert.to_str().unwrap(),
            "--train",
            "train.conll",
            "--eval",
            "train.conll",
            "--output-dir",
            "model",
            "--labels",
            "O,B-PER,B-LOC",
            "--args",
            args,
        ],
        Some(dir),
    );
    assert!(ok, "train failed: {stderr}");
    let summary: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(summary["global_step"], 60);
    assert_eq!(summary["eval"]["f1_score"], 1.0, "{summary}");

    let (ok, stdout, stderr) = st(
        &["ner", "eval", "--model", "model", "--eval", "train.conll"],
        Some(dir),
    );
    assert!(ok, "eval failed: {stderr}");
    let result: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(result["f1_score"], 1.0);
    assert!(result["eval_loss"].as_f64().unwrap() < 0.5);

    let (ok, stdout, stderr) = st(
        &["ner", "predict", "--model", "model", "--input", "texts.txt"],
        Some(dir),
    );
    assert!(ok, "predict failed: {stderr}");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["text"], "the dog visited paris");
    let tags: Vec<&str> = lines[0]["words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["tag"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["O", "B-PER", "O", "B-LOC"]);
    assert_eq!(lines[1]["words"][0]["word"], "berlin");
    assert!(lines[1]["words"][0]["score"].as_f64().unwrap() > 0.5);
}

#[test]
fn bad_tags_fail_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("train.conll"), "paris B-LOC\nmars B-PLANET\n").unwrap();
    let bert = tiny_bert();
    let (ok, _, stderr) = st(
        &[
            "ner",
            "train",
            "--model-type",
            "bert",
            "--model-name",
            bert.to_str().unwrap(),
            "--train",
            "train.conll",
            "--output-dir",
            "model",
        ],
        Some(dir),
    );
    assert!(!ok);
    assert!(
        stderr.contains("train.conll:2: tag \"B-PLANET\" is not one of the labels"),
        "{stderr}"
    );
    assert!(!dir.join("model").exists());
}

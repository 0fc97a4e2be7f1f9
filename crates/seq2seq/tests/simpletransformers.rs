//! `T5Model` and `Seq2SeqModel` against Python Simple Transformers on the tiny T5 and BART
//! fixtures (`scripts/make_seq2seq_fixtures.py`): `eval_loss` of text rows and `predict`'s
//! texts, greedy and by beam search, as Python returns them.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use st_seq2seq::{Seq2SeqExample, Seq2SeqModel, Seq2SeqOptions, T5Model, TaskModel};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn reference() -> Value {
    let path = fixtures().join("seq2seq/simpletransformers.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `cargo xtask fixtures`)", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Python's arguments with `extra` over them, writing into `out`.
fn overrides(reference: &Value, out: &Path, extra: &Value) -> Value {
    let mut args = reference["args"].clone();
    args["output_dir"] = json!(out.to_str().unwrap());
    for (key, value) in extra.as_object().unwrap() {
        args[key] = value.clone();
    }
    args
}

fn options<A>(overrides: Value) -> Seq2SeqOptions<A> {
    Seq2SeqOptions {
        overrides: Some(overrides),
        ..Default::default()
    }
}

fn model_dir(name: &str) -> String {
    fixtures()
        .join("models")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn strings(value: &Value) -> Vec<String> {
    serde_json::from_value(value.clone()).unwrap()
}

/// Python's `predict` result (a list of strings, or of lists) as one list per input.
fn per_input(outputs: &Value) -> Vec<Vec<String>> {
    (outputs.as_array().unwrap().iter())
        .map(|o| match o {
            Value::String(s) => vec![s.clone()],
            list => strings(list),
        })
        .collect()
}

fn assert_close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 1e-5 * want.abs(),
        "{what}: {got} vs Python's {want}"
    );
}

#[test]
fn t5_eval_loss_and_predictions_equal_python() {
    let reference = reference();
    let t5 = &reference["t5"];
    let out = tempfile::tempdir().unwrap();
    let rows: Vec<Seq2SeqExample> = (t5["rows"].as_array().unwrap().iter())
        .map(|r| {
            let r = strings(r);
            Seq2SeqExample::with_prefix(&r[0], &r[1], &r[2])
        })
        .collect();
    let args = overrides(&reference, out.path(), &json!({}));
    let model = T5Model::new("t5", &model_dir("t5"), options(args)).unwrap();
    let results = model.eval_model(&rows, &Default::default()).unwrap();
    assert_close(
        results["eval_loss"],
        t5["eval_loss"].as_f64().unwrap(),
        "t5 eval_loss",
    );
    for (name, case) in t5["predict"].as_object().unwrap() {
        let args = overrides(&reference, out.path(), &case["args"]);
        let model = T5Model::new("t5", &model_dir("t5"), options(args)).unwrap();
        let inputs = strings(&case["inputs"]);
        let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        let got = model.predict(&inputs).unwrap();
        assert_eq!(got, per_input(&case["outputs"]), "t5 {name}");
    }
}

#[test]
fn bart_eval_loss_and_predictions_equal_python() {
    let reference = reference();
    let bart = &reference["bart"];
    let out = tempfile::tempdir().unwrap();
    let rows: Vec<Seq2SeqExample> = (bart["rows"].as_array().unwrap().iter())
        .map(|r| {
            let r = strings(r);
            Seq2SeqExample::new(&r[0], &r[1])
        })
        .collect();
    let args = overrides(&reference, out.path(), &json!({}));
    let model = Seq2SeqModel::new("bart", &model_dir("bart"), options(args)).unwrap();
    let results = model.eval_model(&rows, &Default::default()).unwrap();
    // Padding ignored, as transformers computes it (Python Simple Transformers' own BART loss
    // also scores the padding: `eval_loss_simpletransformers`).
    assert_close(
        results["eval_loss"],
        bart["eval_loss"].as_f64().unwrap(),
        "bart eval_loss",
    );
    for (name, case) in bart["predict"].as_object().unwrap() {
        let args = overrides(&reference, out.path(), &case["args"]);
        let model = Seq2SeqModel::new("bart", &model_dir("bart"), options(args)).unwrap();
        let inputs = strings(&case["inputs"]);
        let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        let got = model.predict(&inputs).unwrap();
        assert_eq!(got, per_input(&case["outputs"]), "bart {name}");
    }
}

//! `st <task> train --model-name <checkpoint>` continues the run the checkpoint was written by:
//! for classification, NER and QA, a two-epoch run stopped after epoch 1 and resumed through
//! `st` ends with the uninterrupted run's evaluation (every result within 1e-6). The resumed
//! command names no `--model-type`: the checkpoint's model_args.json does.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use st_test_support::resume::{copy_dir, epoch_checkpoint};

mod common;

fn st(args: &[&str], cwd: &Path) -> Value {
    let (ok, stdout, stderr) = common::st(args, Some(cwd));
    assert!(ok, "st {args:?} failed: {stderr}");
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn tiny_bert() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/models/bert")
        .to_string_lossy()
        .into_owned()
}

/// Train `task` for two epochs on `file`, resume a copy of its epoch-1 checkpoint, and compare.
fn resumes(task: &str, file: &str, contents: &str, args: Value) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join(file), contents).unwrap();
    let mut args = args;
    for (key, value) in [
        ("num_train_epochs", json!(2)),
        ("manual_seed", json!(5)),
        ("silent", json!(true)),
        ("save_model_every_epoch", json!(true)),
        ("tensorboard_dir", json!("runs")),
        ("cache_dir", json!("cache")),
    ] {
        args[key] = value;
    }
    let args = args.to_string();
    let bert = tiny_bert();
    let train = |model: &str, outputs: &str, with_type: bool| {
        let mut command = vec![task, "train", "--model-name", model, "--train", file];
        command.extend(["--output-dir", outputs, "--args", &args]);
        if with_type {
            command.extend(["--model-type", "bert"]);
        }
        st(&command, dir)
    };
    let full = train(&bert, "full", true);

    let checkpoint = epoch_checkpoint(&dir.join("full"), 1);
    let copied = dir.join("stopped").join(checkpoint.file_name().unwrap());
    copy_dir(&checkpoint, &copied);
    let resumed = train(copied.to_str().unwrap(), "stopped", false);
    assert_eq!(resumed["global_step"], full["global_step"], "{task}");

    let eval = |model: &str| st(&[task, "eval", "--model", model, "--eval", file], dir);
    let (a, b) = (eval("full"), eval("stopped"));
    let (a, b) = (a.as_object().unwrap(), b.as_object().unwrap());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (key, value) in a {
        let (x, y) = (value.as_f64().unwrap(), b[key].as_f64().unwrap());
        assert!((x - y).abs() <= 1e-6, "{task} {key}: {x} vs {y}");
    }
}

#[test]
fn classification_resumes_through_st() {
    let rows = [
        ("good fun", 1),
        ("the best fun", 1),
        ("so much fun", 1),
        ("the film", 0),
        ("a film", 0),
        ("that film", 0),
    ];
    let tsv: String = std::iter::once("text\tlabels\n".to_string())
        .chain(rows.iter().map(|(t, l)| format!("{t}\t{l}\n")))
        .collect();
    let args = json!({"train_batch_size": 4, "learning_rate": 0.001});
    resumes("classification", "train.tsv", &tsv, args);
}

#[test]
fn ner_resumes_through_st() {
    let conll = "the X X O\nman X X B-PER\nvisited X X O\nparis X X B-LOC\n\n\
                 the X X O\ndog X X B-PER\nvisited X X O\nlondon X X B-LOC\n\n\
                 from X X O\nberlin X X B-LOC\nto X X O\nparis X X B-LOC\n";
    let args = json!({"train_batch_size": 2, "learning_rate": 0.005});
    resumes("ner", "train.conll", conll, args);
}

#[test]
fn qa_resumes_through_st() {
    let mut contexts = Vec::new();
    for (i, (who, city)) in [("man", "paris"), ("dog", "london"), ("fox", "berlin")]
        .iter()
        .enumerate()
    {
        let context = format!("the {who} visited {city} .");
        let at = |word: &str| context.find(word).unwrap();
        contexts.push(json!({
            "context": context,
            "qas": [{"id": format!("{i}"), "question": "who visited the city ?",
                     "is_impossible": false, "answers": [{"text": who, "answer_start": at(who)}]}],
        }));
    }
    let args = json!({"train_batch_size": 2, "learning_rate": 0.003, "max_seq_length": 32,
                      "max_query_length": 12});
    resumes(
        "qa",
        "train.json",
        &Value::Array(contexts).to_string(),
        args,
    );
}

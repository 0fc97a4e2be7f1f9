//! Translation from scratch on real text: a small BART trained here on English→German pairs
//! from the gettext catalogues of this machine (git, coreutils, apt…), scored with BLEU and
//! ROUGE on 500 held-out pairs, then asked for a few translations.
//!
//! ```text
//! python3 scripts/fetch_gettext_pairs.py     # the pairs, into target/gettext-de
//! python scripts/make_seq2seq_init.py        # the random BART and its tokenizer (torch)
//! cargo run -p st-examples --example seq2seq_bart_translation
//! ```
//!
//! The settings are `examples/data/gettext/bart_en_de.json` (Simple Transformers' argument
//! names), shared with `scripts/bench_seq2seq_python.py`, which trains the same checkpoint
//! with Python Simple Transformers' `Seq2SeqModel`. Prints one JSON object with the figures.

use std::path::PathBuf;
use std::time::Instant;

use serde_json::{Value, json};
use st_seq2seq::{Seq2SeqModel, Seq2SeqOptions, TaskModel};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = repo().join("target/gettext-de");
    let init = data.join("bart-init");
    if !data.join("train.tsv").is_file() || !init.is_dir() {
        return Err(format!(
            "{} is missing: run `python3 scripts/fetch_gettext_pairs.py` and \
             `python scripts/make_seq2seq_init.py` first",
            init.display()
        )
        .into());
    }
    let settings_path = repo().join("examples/data/gettext/bart_en_de.json");
    let settings: Value = serde_json::from_str(&std::fs::read_to_string(&settings_path)?)?;
    let mut args = settings["args"].clone();
    args["output_dir"] = json!(repo().join("target/gettext-de/bart-rust"));
    let options = Seq2SeqOptions {
        overrides: Some(args),
        ..Default::default()
    };
    let mut model = Seq2SeqModel::new("bart", init.to_str().ok_or("path not UTF-8")?, options)?;
    let count = |key: &str| settings[key].as_u64().unwrap_or(u64::MAX) as usize;
    let mut train = model.read_examples(&data.join("train.tsv"))?;
    train.truncate(count("train_pairs"));
    let mut test = model.read_examples(&data.join("test.tsv"))?;
    test.truncate(count("test_pairs"));

    let start = Instant::now();
    let output = model.train_model(&train, None, Default::default())?;
    let train_seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let results = model.eval_model(&test, &Default::default())?;
    let eval_seconds = start.elapsed().as_secs_f64();
    let samples: Vec<&str> = test.iter().take(5).map(|e| e.input_text.as_str()).collect();
    let translations = model.predict(&samples)?;
    let examples: Vec<Value> = (test.iter().zip(&translations))
        .map(|(e, t)| json!({"input": e.input_text, "target": e.target_text, "generated": t[0]}))
        .collect();
    let figures = json!({
        "train_pairs": train.len(),
        "test_pairs": test.len(),
        "global_step": output.global_step,
        "training_loss": output.training_loss,
        "train_seconds": train_seconds,
        "train_pairs_per_second": (train.len() * model.args().model.num_train_epochs) as f64
            / train_seconds,
        "eval_seconds": eval_seconds,
        "results": results,
        "examples": examples,
    });
    println!("{}", serde_json::to_string_pretty(&figures)?);
    Ok(())
}

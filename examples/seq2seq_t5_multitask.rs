//! Two tasks in one T5, by prefix, trained from scratch on real text: English→German
//! translation of the gettext messages of this machine (`translate English to German`) and
//! reversing their English word order (`reverse words`), scored on held-out messages per
//! prefix (`bleu[translate English to German]`, `bleu[reverse words]`…).
//!
//! ```text
//! python3 scripts/fetch_gettext_pairs.py     # the pairs, into target/gettext-de
//! python scripts/make_seq2seq_init.py        # the random T5 and its Unigram tokenizer (torch)
//! cargo run -p st-examples --example seq2seq_t5_multitask
//! ```
//!
//! Settings: `examples/data/gettext/t5_multitask.json` (`T5Args` names; the optimiser is T5Args'
//! default Adafactor). Prints one JSON object with the figures.

use std::path::PathBuf;
use std::time::Instant;

use serde_json::{Value, json};
use st_seq2seq::{Seq2SeqExample, Seq2SeqOptions, T5Model, TaskModel};

const TRANSLATE: &str = "translate English to German";
const REVERSE: &str = "reverse words";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Each pair twice: as a translation, and as its English with the word order reversed.
fn tasks(pairs: &[Seq2SeqExample], count: usize) -> Vec<Seq2SeqExample> {
    let pairs = &pairs[..count.min(pairs.len())];
    let translate = pairs
        .iter()
        .map(|p| Seq2SeqExample::with_prefix(TRANSLATE, &p.input_text, &p.target_text));
    let reverse = pairs.iter().map(|p| {
        let reversed: Vec<&str> = p.input_text.split_whitespace().rev().collect();
        Seq2SeqExample::with_prefix(REVERSE, &p.input_text, reversed.join(" "))
    });
    // Interleaved, so that a shuffled epoch and the first rows both hold the two tasks.
    translate.zip(reverse).flat_map(|(a, b)| [a, b]).collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = repo().join("target/gettext-de");
    let init = data.join("t5-init");
    if !data.join("train.tsv").is_file() || !init.is_dir() {
        return Err(format!(
            "{} is missing: run `python3 scripts/fetch_gettext_pairs.py` and \
             `python scripts/make_seq2seq_init.py` first",
            init.display()
        )
        .into());
    }
    let settings_path = repo().join("examples/data/gettext/t5_multitask.json");
    let settings: Value = serde_json::from_str(&std::fs::read_to_string(&settings_path)?)?;
    let mut args = settings["args"].clone();
    args["output_dir"] = json!(repo().join("target/gettext-de/t5-rust"));
    let options = Seq2SeqOptions {
        overrides: Some(args),
        ..Default::default()
    };
    let mut model = T5Model::new("t5", init.to_str().ok_or("path not UTF-8")?, options)?;
    let count = |key: &str| settings[key].as_u64().unwrap_or(u64::MAX) as usize;
    // The pair files have no prefix column: read them as Seq2SeqModel rows.
    let read = |name: &str| st_seq2seq::read_examples(&data.join(name), false);
    let train = tasks(&read("train.tsv")?, count("pairs_per_task"));
    let test = tasks(&read("test.tsv")?, count("test_pairs_per_task"));

    let start = Instant::now();
    let output = model.train_model(&train, None, Default::default())?;
    let train_seconds = start.elapsed().as_secs_f64();
    let results = model.eval_model(&test, &Default::default())?;
    let samples: Vec<String> = (test.iter().take(4))
        .map(|e| format!("{}: {}", e.prefix.as_deref().unwrap_or(""), e.input_text))
        .collect();
    let refs: Vec<&str> = samples.iter().map(String::as_str).collect();
    let generated = model.predict(&refs)?;
    let examples: Vec<Value> = (test.iter().zip(&samples).zip(&generated))
        .map(|((e, s), g)| json!({"input": s, "target": e.target_text, "generated": g[0]}))
        .collect();
    let figures = json!({
        "train_rows": train.len(),
        "test_rows": test.len(),
        "global_step": output.global_step,
        "training_loss": output.training_loss,
        "train_seconds": train_seconds,
        "results": results,
        "examples": examples,
    });
    println!("{}", serde_json::to_string_pretty(&figures)?);
    Ok(())
}

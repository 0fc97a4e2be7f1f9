//! Causal language modelling from scratch on real text: a small GPT-2 and its byte-level BPE
//! tokenizer, both trained here on five of Jane Austen's novels, scored on the sixth
//! (Persuasion, held out), then asked to continue a sentence.
//!
//! ```text
//! python3 scripts/fetch_austen.py        # the novels, from Debian's r-cran-janeaustenr
//! cargo run -p st-examples --example lm_gpt2_from_scratch
//! ```
//!
//! The settings are `examples/data/austen/gpt2_from_scratch.json` (Simple Transformers'
//! argument names), shared with `scripts/bench_lm_python.py`, which trains the same model with
//! Python Simple Transformers for comparison. Prints one JSON object with the figures.

use std::path::PathBuf;
use std::time::Instant;

use serde_json::{Value, json};
use st_core::task::Mode;
use st_lm::{GenerationArgs, LanguageModelingModel, LmOptions, TaskModel};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = repo().join("target/austen");
    let (train, eval) = (data.join("train.txt"), data.join("eval.txt"));
    if !train.is_file() || !eval.is_file() {
        return Err(format!(
            "{} is missing: run `python3 scripts/fetch_austen.py` first",
            train.display()
        )
        .into());
    }
    let settings_path = repo().join("examples/data/austen/gpt2_from_scratch.json");
    let mut settings: Value = serde_json::from_str(&std::fs::read_to_string(&settings_path)?)?;
    let model_type = settings["model_type"]
        .as_str()
        .unwrap_or("gpt2")
        .to_string();
    let work = repo().join("target/austen-rust");
    settings["output_dir"] = json!(work.join("model"));
    settings["cache_dir"] = json!(work.join("cache"));
    let options = LmOptions {
        overrides: Some(settings.clone()),
        ..Default::default()
    };

    let start = Instant::now();
    let mut model =
        LanguageModelingModel::from_scratch(&model_type, std::slice::from_ref(&train), options)?;
    let tokenizer_seconds = start.elapsed().as_secs_f64();
    let train_lines = model.read_examples(&train)?;
    let blocks = model.blocks(&train_lines, Mode::Train)?;
    let train_tokens: usize = blocks.iter().map(Vec::len).sum();
    let held_out = model.read_examples(&eval)?;
    let before = model.eval_model(&held_out, &())?;
    eprintln!("held out before training: {before:?}");

    let start = Instant::now();
    let output = model.train_model(&train_lines, None, ())?;
    let train_seconds = start.elapsed().as_secs_f64();
    let after = model.eval_model(&held_out, &())?;

    let sampling = GenerationArgs {
        do_sample: true,
        top_k: 50,
        top_p: 0.95,
        max_new_tokens: Some(60),
        seed: Some(0),
        ..Default::default()
    };
    let prompt = "It was a truth";
    let sample = model.generate_texts(&[prompt], &sampling)?;
    let result = json!({
        "settings": settings,
        "tokenizer_vocab_size": model.tokenizer().vocab_size(),
        "tokenizer_seconds": tokenizer_seconds,
        "train_seconds": train_seconds,
        "train_blocks": blocks.len(),
        "train_tokens": train_tokens,
        "train_tokens_per_second": train_tokens as f64 / train_seconds,
        "global_step": output.global_step,
        "final_training_loss": output.training_loss,
        "held_out_before": before,
        "held_out": after,
        "sample": format!("{prompt}{}", sample[0]),
    });
    println!("{}", serde_json::to_string_pretty(&result)?);
    Ok(())
}

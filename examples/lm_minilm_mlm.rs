//! Masked-LM fine-tuning of a real pretrained encoder on real text: all-MiniLM-L6-v2 (which
//! ships without a masked-LM head, so it gets a new one, tied to its embeddings) on a slice of
//! Jane Austen, scored on held-out Persuasion before and after, with fill-mask answers before
//! and after.
//!
//! ```text
//! python3 scripts/fetch_austen.py
//! cargo run -p st-examples --example lm_minilm_mlm [-- --model DIR]
//! ```
//!
//! The model is found as the other examples find it (`--model`, `ST_MINILM_DIR`, the hub
//! cache, the PyPI wheel). Prints one JSON object with the figures.

mod common;

use std::time::Instant;

use serde_json::json;
use st_lm::{LanguageModelingModel, LmOptions, TaskModel};

/// Sentences from Persuasion (held out), each with one word masked: book, romance, character,
/// similar.
const PROBES: [&str; 4] = [
    "Sir Walter Elliot, of Kellynch Hall, in Somersetshire, was a man who, for his own \
     amusement, never took up any [MASK] but the Baronetage.",
    "She had been forced into prudence in her youth, she learned [MASK] as she grew older.",
    "Vanity was the beginning and the end of Sir Walter Elliot's [MASK].",
    "There could have been no two hearts so open, no tastes so [MASK].",
];

fn main() -> Result<(), common::Error> {
    let setup = common::Setup::new("lm_minilm_mlm")?;
    let data = common::repo().join("target/austen");
    let (train, eval) = (data.join("train.txt"), data.join("eval.txt"));
    if !train.is_file() {
        return Err(
            "target/austen/train.txt is missing: run `python3 scripts/fetch_austen.py`".into(),
        );
    }
    let overrides = json!({
        "output_dir": setup.work.join("model"),
        "cache_dir": setup.work.join("cache"),
        "overwrite_output_dir": true,
        "num_train_epochs": 1,
        "train_batch_size": 16,
        "eval_batch_size": 32,
        "learning_rate": 1e-4,
        "max_seq_length": 128,
        "manual_seed": 42,
        "save_steps": -1,
        "save_model_every_epoch": false,
        "thread_count": 2,
    });
    let options = LmOptions {
        overrides: Some(overrides),
        ..Default::default()
    };
    let mut model = LanguageModelingModel::new("bert", &setup.model_dir, options)?;
    // A slice that trains in minutes on two cores: the first 24,000 lines of train.txt (Sense
    // and Sensibility, Pride and Prejudice and part of Mansfield Park); the first 400
    // held-out lines of Persuasion.
    let train_lines: Vec<String> = model
        .read_examples(&train)?
        .into_iter()
        .take(24_000)
        .collect();
    let held_out: Vec<String> = model.read_examples(&eval)?.into_iter().take(400).collect();
    let top = |model: &LanguageModelingModel| -> Result<Vec<serde_json::Value>, common::Error> {
        let filled = model.fill_mask_texts(&PROBES, 3)?;
        Ok(PROBES
            .iter()
            .zip(filled)
            .map(|(probe, masks)| {
                let words: Vec<(String, f32)> = masks[0]
                    .iter()
                    .map(|c| (c.token_str.clone(), c.score))
                    .collect();
                json!({"text": probe, "top3": words})
            })
            .collect())
    };
    let before = model.eval_model(&held_out, &())?;
    let fill_before = top(&model)?;
    let start = Instant::now();
    let output = model.train_model(&train_lines, None, ())?;
    let seconds = start.elapsed().as_secs_f64();
    let after = model.eval_model(&held_out, &())?;
    let fill_after = top(&model)?;
    let result = json!({
        "model": setup.model_dir,
        "train_lines": train_lines.len(),
        "global_step": output.global_step,
        "train_seconds": seconds,
        "held_out_before": before,
        "held_out_after": after,
        "fill_mask_before": fill_before,
        "fill_mask_after": fill_after,
    });
    println!("{}", serde_json::to_string_pretty(&result)?);
    Ok(())
}

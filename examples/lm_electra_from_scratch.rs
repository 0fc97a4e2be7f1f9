//! ELECTRA pre-training from scratch on real text, then the discriminator as a classifier: a
//! small generator + discriminator and their WordPiece tokenizer, all trained here on five of
//! Jane Austen's novels (replaced-token detection), scored on the sixth (Persuasion, held
//! out); then the saved discriminator fine-tunes as an `electra` sentiment classifier on the
//! VADER movie snippets, beside the same discriminator before pre-training.
//!
//! ```text
//! python3 scripts/fetch_austen.py          # the novels, from Debian's r-cran-janeaustenr
//! python3 scripts/make_sentiment_data.py   # the VADER movie snippets (target/data/vader)
//! cargo run --release -p st-examples --example lm_electra_from_scratch
//! ```
//!
//! The pre-training settings are `examples/data/austen/electra_from_scratch.json` (Simple
//! Transformers' argument names). Prints one JSON object with the figures.

mod common;

use std::path::Path;
use std::time::Instant;

use serde_json::{Value, json};
use st_classification::files::read_examples;
use st_classification::{ClassificationModel, ClassificationOptions};
use st_core::metrics::Metrics;
use st_lm::{LanguageModelingModel, LmOptions, LmPredictions, TaskModel};

/// Fine-tune the discriminator in `dir` on the movie snippets; held-out results.
fn classify(dir: &Path, work: &Path, data: &Path) -> Result<Value, common::Error> {
    let train = read_examples(&data.join("train.tsv"), false)?;
    let eval = read_examples(&data.join("eval.tsv"), false)?;
    let overrides = json!({
        "output_dir": work,
        "overwrite_output_dir": true,
        "num_train_epochs": 3,
        "train_batch_size": 16,
        "eval_batch_size": 32,
        "learning_rate": 2e-4,
        "max_seq_length": 64,
        "manual_seed": 42,
        "save_steps": -1,
        "save_model_every_epoch": false,
        "thread_count": 2,
    });
    let options = ClassificationOptions {
        overrides: Some(overrides),
        ..Default::default()
    };
    let name = dir.to_str().ok_or("a UTF-8 path")?;
    let mut model = ClassificationModel::new("electra", name, options)?;
    let start = Instant::now();
    model.train_model(&train, None, Metrics::new())?;
    let seconds = start.elapsed().as_secs_f64();
    let (result, _, _) = model.eval_model(&eval, &Metrics::new())?;
    Ok(json!({
        "train_rows": train.len(),
        "eval_rows": eval.len(),
        "train_seconds": seconds,
        "accuracy": result["accuracy"],
        "mcc": result["mcc"],
        "eval_loss": result["eval_loss"],
    }))
}

fn main() -> Result<(), common::Error> {
    let repo = common::repo();
    let austen = repo.join("target/austen");
    let movies = repo.join("target/data/vader/movies");
    let (train, eval) = (austen.join("train.txt"), austen.join("eval.txt"));
    if !train.is_file() || !eval.is_file() {
        return Err("target/austen is missing: run `python3 scripts/fetch_austen.py`".into());
    }
    if !movies.join("train.tsv").is_file() {
        return Err(
            "target/data/vader/movies is missing: run `python3 scripts/make_sentiment_data.py`"
                .into(),
        );
    }
    let settings_path = repo.join("examples/data/austen/electra_from_scratch.json");
    let mut settings: Value = serde_json::from_str(&std::fs::read_to_string(&settings_path)?)?;
    let work = repo.join("target/austen-electra");
    settings["output_dir"] = json!(work.join("model"));
    settings["cache_dir"] = json!(work.join("cache"));
    let options = LmOptions {
        overrides: Some(settings.clone()),
        ..Default::default()
    };

    let mut model =
        LanguageModelingModel::from_scratch("electra", std::slice::from_ref(&train), options)?;
    let untrained = model.save_discriminator(Some(&work.join("discriminator_untrained")))?;
    let train_lines = model.read_examples(&train)?;
    let held_out = model.read_examples(&eval)?;
    let before = model.eval_model(&held_out, &())?;
    eprintln!("held out before pre-training: {before:?}");
    let start = Instant::now();
    let output = model.train_model(&train_lines, None, ())?;
    let train_seconds = start.elapsed().as_secs_f64();
    let after = model.eval_model(&held_out, &())?;
    eprintln!("held out after pre-training: {after:?}");
    let probe = "She was the [MASK] of the family.";
    let LmPredictions::FillMask(filled) = model.predict(&[probe])? else {
        return Err("ELECTRA fills masks with its generator".into());
    };
    let generator_top: Vec<&str> = filled[0][0].iter().map(|c| c.token_str.as_str()).collect();
    let pretrained = work.join("model").join(st_lm::electra::DISCRIMINATOR_DIR);

    let result = json!({
        "settings": settings,
        "tokenizer_vocab_size": model.tokenizer().vocab_size(),
        "global_step": output.global_step,
        "train_seconds": train_seconds,
        "final_training_loss": output.training_loss,
        "held_out_before": before,
        "held_out_after": after,
        "generator_fill_mask": {"text": probe, "top5": generator_top},
        "sentiment_untrained_discriminator": classify(&untrained, &work.join("clf-untrained"), &movies)?,
        "sentiment_pretrained_discriminator": classify(&pretrained, &work.join("clf-pretrained"), &movies)?,
    });
    println!("{}", serde_json::to_string_pretty(&result)?);
    Ok(())
}

//! Times `ClassificationModel` train / eval / predict on a TSV dataset, with the workload of
//! the Python anchor's `bench_st.py` (../shared/anchors/python): one epoch, batch 16, AdamW
//! lr 4e-5, 6 % warm-up, max_seq_length 128, eval batch 32, predict on `test.tsv`, then the
//! latency of `predict` on one sentence (median of 20 calls after 3 warm-ups). Prints one
//! JSON object (and writes it to `--out`), so the two can be read side by side.
//!
//! ```text
//! python3 scripts/make_sentiment_data.py                 # real movie-review snippets
//! cargo run --release -p st-examples --example classification_benchmark -- \
//!     --model "$ST_MINILM_DIR" --data target/data/vader/movies --out target/bench/rust.json
//! ```
//!
//! `--n-train N` / `--n-predict N` use only the first N rows (as the anchor's flags; 0 = all).
//! `cargo xtask bench` runs this beside the Python libraries and writes the comparison.
//!
//! Differences that stay, because they are what each library does by default: Simple
//! Transformers pads every row to `max_seq_length`; we pad each batch to its longest row.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use serde_json::{Value, json};
use st_classification::files::read_examples;
use st_classification::{ClassificationArgs, ClassificationModel, ClassificationOptions};
use st_core::args::ModelArgs;
use st_core::metrics::Metrics;
use st_core::task::TaskModel;

/// `--name value` pairs from the command line.
fn flags() -> Result<BTreeMap<String, String>, String> {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let mut out = BTreeMap::new();
    for pair in raw.chunks(2) {
        match pair {
            [name, value] if name.starts_with("--") => {
                out.insert(name[2..].to_string(), value.clone());
            }
            _ => return Err(format!("expected `--name value` pairs, got {pair:?}")),
        }
    }
    Ok(out)
}

fn round(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let flags = flags()?;
    let get = |name: &str, default: &str| -> String {
        flags
            .get(name)
            .cloned()
            .unwrap_or_else(|| default.to_string())
    };
    let model_dir = flags
        .get("model")
        .cloned()
        .or_else(|| std::env::var("ST_MINILM_DIR").ok())
        .ok_or("pass --model DIR or set ST_MINILM_DIR")?;
    let data = PathBuf::from(get("data", "target/data/vader/movies"));
    let work = PathBuf::from(get("work-dir", "target/bench/classification"));
    let epochs: usize = get("epochs", "1").parse()?;

    let (mut train, eval, mut test) = (
        read_examples(&data.join("train.tsv"), false)?,
        read_examples(&data.join("eval.tsv"), false)?,
        read_examples(&data.join("test.tsv"), false)?,
    );
    // As the Python anchor's --n-train / --n-predict (0 = all).
    let first = |name: &str| -> Result<usize, std::num::ParseIntError> { get(name, "0").parse() };
    let (n_train, n_predict) = (first("n-train")?, first("n-predict")?);
    if n_train > 0 {
        train.truncate(n_train);
    }
    if n_predict > 0 {
        test.truncate(n_predict);
    }

    let args = ClassificationArgs {
        model: ModelArgs {
            max_seq_length: get("max-seq-length", "128").parse()?,
            train_batch_size: get("train-batch-size", "16").parse()?,
            eval_batch_size: get("eval-batch-size", "32").parse()?,
            num_train_epochs: epochs,
            learning_rate: 4e-5,
            manual_seed: Some(get("seed", "42").parse()?),
            no_save: true,
            no_cache: true,
            reprocess_input_data: true,
            overwrite_output_dir: true,
            save_model_every_epoch: false,
            save_eval_checkpoints: false,
            silent: true,
            output_dir: work.join("outputs").to_string_lossy().into_owned(),
            cache_dir: work.join("cache").to_string_lossy().into_owned(),
            tensorboard_dir: Some(work.join("runs").to_string_lossy().into_owned()),
            ..Default::default()
        },
        ..Default::default()
    };
    let options = ClassificationOptions {
        num_labels: Some(2),
        args: Some(args),
        ..Default::default()
    };

    let start = Instant::now();
    let mut model = ClassificationModel::new("bert", &model_dir, options)?;
    let load_s = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let trained = model.train_model(&train, None, Metrics::new())?;
    let train_s = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let (result, _, _) = model.eval_model(&eval, &Metrics::new())?;
    let eval_s = start.elapsed().as_secs_f64();

    let texts: Vec<&str> = test.iter().map(|e| e.text_a.as_str()).collect();
    let start = Instant::now();
    let (predictions, _) = model.predict(&texts)?;
    let predict_s = start.elapsed().as_secs_f64();
    let correct = predictions
        .iter()
        .zip(&test)
        .filter(|(p, e)| p.key() == e.label.key())
        .count();

    // Single-sentence latency: `predict` on one text at a time, after three warm-up calls.
    let mut latencies = Vec::new();
    for i in 0..23 {
        let start = Instant::now();
        model.predict(&texts[i % texts.len()..i % texts.len() + 1])?;
        if i >= 3 {
            latencies.push(start.elapsed().as_secs_f64() * 1000.0);
        }
    }
    latencies.sort_by(f64::total_cmp);

    let metrics: BTreeMap<&String, Value> = result
        .iter()
        .map(|(k, v)| (k, json!(round(*v, 5))))
        .collect();
    let report = json!({
        "bench": "st-rust",
        "model": model_dir,
        "data": data,
        "load_s": round(load_s, 3),
        "train": {
            "wall_s": round(train_s, 3),
            "samples_per_s": round((train.len() * epochs) as f64 / train_s, 3),
            "global_step": trained.global_step,
            "train_loss_mean": round(trained.training_loss, 5),
        },
        "eval": {
            "wall_s": round(eval_s, 3),
            "samples_per_s": round(eval.len() as f64 / eval_s, 3),
            "metrics": metrics,
        },
        "predict": {
            "wall_s": round(predict_s, 3),
            "samples_per_s": round(texts.len() as f64 / predict_s, 3),
            "accuracy_vs_labels": round(correct as f64 / texts.len() as f64, 5),
        },
        "latency_ms": {
            "median": round(latencies[latencies.len() / 2], 2),
            "min": round(latencies[0], 2),
            "calls": latencies.len(),
        },
        "peak_rss_mib": common::peak_rss_mib().map(|m| round(m, 1)),
    });
    let text = serde_json::to_string_pretty(&report)?;
    println!("{text}");
    if let Some(out) = flags.get("out") {
        let out = PathBuf::from(out);
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(out, text + "\n")?;
    }
    Ok(())
}

//! Quickstart: fine-tune a sentiment classifier on the sample data in `examples/data/sentiment`
//! and predict new sentences — Simple Transformers' three lines, in Rust.
//!
//! ```text
//! cargo run -p st-examples --example classification                 # see "Which model" below
//! cargo run -p st-examples --example classification -- --model DIR  # any BERT-family model dir
//! ```
//!
//! Which model: `--model DIR` if given, else `$ST_MINILM_DIR` (the real all-MiniLM-L6-v2, see
//! the README), else a small BERT built here with random weights and the real BERT vocabulary
//! (in `target/quickstart/small-bert`). The example prints which one it used. The small model
//! learns from 64 sentences only, so expect modest accuracy; the real one does well.

use std::path::{Path, PathBuf};

use burn::tensor::backend::Backend;
use st_classification::files::read_examples;
use st_classification::{ClassificationArgs, ClassificationModel, ClassificationOptions, softmax};
use st_core::args::ModelArgs;
use st_core::backend::DefaultBackend;
use st_core::metrics::Metrics;
use st_models::{Encoder, LoadedEncoder, encoder_config, save_encoder};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A 2-layer, 64-wide BERT with random weights and the real uncased BERT vocabulary.
fn build_small_bert(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    std::fs::copy(
        repo().join("fixtures/tokenizers/wordpiece/vocab.txt"),
        dir.join("vocab.txt"),
    )?;
    std::fs::write(
        dir.join("tokenizer_config.json"),
        r#"{"do_lower_case": true}"#,
    )?;
    let config = serde_json::json!({
        "model_type": "bert", "architectures": ["BertModel"], "vocab_size": 30522,
        "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
        "intermediate_size": 128, "max_position_embeddings": 128, "type_vocab_size": 2,
        "hidden_act": "gelu", "layer_norm_eps": 1e-12, "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1, "pad_token_id": 0, "initializer_range": 0.02
    });
    std::fs::write(
        dir.join("config.json"),
        serde_json::to_string_pretty(&config)?,
    )?;
    let (arch, mut config, _) = encoder_config("bert", dir)?;
    config.has_pooler = true;
    let device = Default::default();
    DefaultBackend::seed(&device, 42);
    let loaded = LoadedEncoder::<DefaultBackend> {
        encoder: Encoder::new(&config, &device),
        config,
        arch,
        report: Default::default(),
    };
    save_encoder(&loaded, dir)?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let flag = std::env::args().skip_while(|a| a != "--model").nth(1);
    let work = repo().join("target/quickstart");
    let (model_dir, small) = match flag.or_else(|| std::env::var("ST_MINILM_DIR").ok()) {
        Some(dir) => (PathBuf::from(dir), false),
        None => {
            let dir = work.join("small-bert");
            build_small_bert(&dir)?;
            (dir, true)
        }
    };
    if small {
        println!(
            "model: a small BERT with random weights built in {} (pass --model DIR or set \
             ST_MINILM_DIR for a real pretrained model)",
            model_dir.display()
        );
    } else {
        println!("model: {}", model_dir.display());
    }

    let args = ClassificationArgs {
        model: ModelArgs {
            num_train_epochs: if small { 20 } else { 6 },
            learning_rate: if small { 1e-3 } else { 4e-5 },
            train_batch_size: 8,
            manual_seed: Some(42),
            output_dir: work.join("outputs").to_string_lossy().into_owned(),
            best_model_dir: work
                .join("outputs/best_model")
                .to_string_lossy()
                .into_owned(),
            tensorboard_dir: Some(work.join("runs").to_string_lossy().into_owned()),
            cache_dir: work.join("cache").to_string_lossy().into_owned(),
            overwrite_output_dir: true,
            save_model_every_epoch: false,
            ..Default::default()
        },
        ..Default::default()
    };
    let options = ClassificationOptions {
        args,
        ..Default::default()
    };

    // The three lines: create, train, evaluate — then predict.
    let data = repo().join("examples/data/sentiment");
    let (train, eval) = (
        read_examples(&data.join("train.tsv"), false)?,
        read_examples(&data.join("eval.tsv"), false)?,
    );
    let mut model = ClassificationModel::new("bert", model_dir.to_str().ok_or("path")?, options)?;
    model.train_model(&train, None, Metrics::new())?;
    let (result, _, wrong) = model.eval_model(&eval, &Metrics::new())?;
    println!(
        "held-out accuracy {:.3}, mcc {:.3}, f1 {:.3} ({} of {} wrong)",
        result["accuracy"],
        result["mcc"],
        result["f1_score"],
        wrong.len(),
        eval.len()
    );

    let texts = [
        "The service was wonderful and the food was delicious",
        "The room was dirty and the staff were rude",
        "I love how light and comfortable these shoes are",
        "It broke after one day, a total waste of money",
    ];
    let (predictions, raw) = model.predict(&texts)?;
    for ((text, label), probabilities) in texts.iter().zip(&predictions).zip(softmax(&raw)) {
        let sentiment = if label.key() == "1" {
            "positive"
        } else {
            "negative"
        };
        println!("{sentiment:>8} (p = {:.2})  {text}", probabilities[1]);
    }
    println!("model saved to {}", work.join("outputs").display());
    Ok(())
}

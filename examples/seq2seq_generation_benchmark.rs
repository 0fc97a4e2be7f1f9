//! Beam-search decoding speed of a BART-base-sized encoder-decoder (6 + 6 layers, d_model 768,
//! 12 heads, feed-forward 3072, vocabulary 50,265, random weights): 8 inputs of 32 tokens in
//! one batch, 4 beams, a fixed number of new tokens (no end-of-sequence token, so every beam
//! runs to the end). `cargo xtask bench` runs it beside `scripts/bench_seq2seq_generation_hf.py`
//! (transformers `generate` with its cache) on the same inputs.
//!
//! cargo run --release -p st-examples --example seq2seq_generation_benchmark -- [--new-tokens N] [--out FILE]

use std::time::Instant;

use st_core::backend::DefaultBackend;
use st_models::config::Activation;
use st_models::generate::{GenerationConfig, generate};
use st_models::{BartConfig, BartFlavor, BartForConditionalGeneration};

type B = DefaultBackend;

/// The inputs both sides encode: 8 rows of 32 token ids spread over the vocabulary.
fn inputs() -> Vec<Vec<u32>> {
    (0..8u32)
        .map(|i| {
            (0..32u32)
                .map(|j| (i * 5003 + j * 611 + 17) % 50_000 + 3)
                .collect()
        })
        .collect()
}

fn bart_base() -> BartConfig {
    BartConfig {
        flavor: BartFlavor::Bart,
        vocab_size: 50_265,
        d_model: 768,
        encoder_layers: 6,
        decoder_layers: 6,
        encoder_attention_heads: 12,
        decoder_attention_heads: 12,
        encoder_ffn_dim: 3072,
        decoder_ffn_dim: 3072,
        max_position_embeddings: 1024,
        activation: Activation::Gelu,
        dropout: 0.0,
        attention_dropout: 0.0,
        activation_dropout: 0.0,
        scale_embedding: false,
        pad_token_id: 1,
        eos_token_id: 2,
        decoder_start_token_id: 2,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let new_tokens: usize = flag("--new-tokens").map_or(Ok(64), |v| v.parse())?;
    let device = Default::default();
    let model = BartForConditionalGeneration::<B>::new(&bart_base(), &device);
    let rows = inputs();
    let config = GenerationConfig {
        max_new_tokens: Some(new_tokens),
        num_beams: 4,
        pad_token_id: Some(1),
        ..GenerationConfig::default()
    };
    let run = |rows: &[Vec<u32>]| -> Result<f64, Box<dyn std::error::Error>> {
        let start = Instant::now();
        let n = rows[0].len();
        let flat: Vec<i64> = rows.iter().flatten().map(|&t| i64::from(t)).collect();
        let ids = burn::tensor::Tensor::<B, 2, burn::tensor::Int>::from_data(
            burn::tensor::TensorData::new(flat, [rows.len(), n]),
            &device,
        );
        let mask = ids.ones_like();
        let state = model.start(ids, mask);

        let prompts = vec![vec![2u32]; rows.len()];
        let out = generate(&model, state, &prompts, &config)?;
        assert!(out.iter().all(|s| s[0].tokens.len() == new_tokens));
        Ok(start.elapsed().as_secs_f64())
    };
    run(&rows[..1])?; // warm-up
    let seconds = run(&rows)?;
    let total = (rows.len() * new_tokens) as f64;
    let report = serde_json::json!({
        "model": "bart-base-shaped, random weights",
        "new_tokens": new_tokens,
        "inputs": rows.len(),
        "num_beams": 4,
        "beam4_batch8": {"tokens_per_s": total / seconds, "seconds": seconds},
    });
    let text = serde_json::to_string_pretty(&report)?;
    println!("{text}");
    if let Some(out) = flag("--out") {
        std::fs::write(out, text)?;
    }
    Ok(())
}

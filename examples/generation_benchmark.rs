//! Greedy decoding speed of a GPT-2-small-sized model (12 layers, hidden 768, random
//! weights): 128 new tokens from each of 8 prompts, at batch 1 and batch 8, and the time to
//! the first token. `cargo xtask bench` runs it beside `scripts/bench_generation_hf.py`
//! (transformers `generate` with its cache) on the same prompts.
//!
//! cargo run --release -p st-examples --example generation_benchmark -- [--new-tokens N] [--out FILE]

use std::time::Instant;

use st_core::backend::DefaultBackend;
use st_models::config::Activation;
use st_models::decoder::{DecoderConfig, Gpt2LmHead};
use st_models::generate::{GenerationConfig, generate};

type B = DefaultBackend;

/// The prompts both sides decode: 8 prompts of 8 token ids each, spread over the vocabulary.
fn prompts() -> Vec<Vec<u32>> {
    (0..8u32)
        .map(|i| {
            (0..8u32)
                .map(|j| (i * 5003 + j * 611 + 17) % 50_000)
                .collect()
        })
        .collect()
}

fn gpt2_small() -> DecoderConfig {
    DecoderConfig {
        vocab_size: 50_257,
        n_positions: 1024,
        n_embd: 768,
        n_layer: 12,
        n_head: 12,
        n_inner: 3072,
        activation: Activation::GeluTanh,
        layer_norm_epsilon: 1e-5,
        resid_pdrop: 0.0,
        embd_pdrop: 0.0,
        attn_pdrop: 0.0,
        scale_attn_weights: true,
        scale_attn_by_inverse_layer_idx: false,
        bos_token_id: None,
        eos_token_id: None,
        pad_token_id: None,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let new_tokens: usize = flag("--new-tokens").map_or(Ok(128), |v| v.parse())?;
    let device = Default::default();
    let model = Gpt2LmHead::<B>::new(&gpt2_small(), &device);
    let prompts = prompts();
    // No end-of-sequence token: every sequence runs to its length.
    let config = |n: usize| GenerationConfig {
        max_new_tokens: Some(n),
        pad_token_id: Some(0),
        ..GenerationConfig::default()
    };
    let run = |batch: &[Vec<u32>], n: usize| -> Result<f64, Box<dyn std::error::Error>> {
        let start = Instant::now();
        let out = generate(&model, model.new_cache(), batch, &config(n))?;
        assert!(out.iter().all(|s| s[0].tokens.len() == n));
        Ok(start.elapsed().as_secs_f64())
    };
    run(&prompts[..1], 8)?; // warm-up

    let mut first_token_ms: Vec<f64> = Vec::new();
    for p in &prompts {
        first_token_ms.push(run(std::slice::from_ref(p), 1)? * 1e3);
    }
    first_token_ms.sort_by(f64::total_cmp);
    let mut batch1 = 0.0;
    for p in &prompts {
        batch1 += run(std::slice::from_ref(p), new_tokens)?;
    }
    let batch8 = run(&prompts, new_tokens)?;
    let total = (prompts.len() * new_tokens) as f64;
    let report = serde_json::json!({
        "model": "gpt2-small-shaped, random weights",
        "new_tokens": new_tokens,
        "prompts": prompts.len(),
        "batch1": {"tokens_per_s": total / batch1, "seconds": batch1},
        "batch8": {"tokens_per_s": total / batch8, "seconds": batch8},
        "first_token_ms": {"median": first_token_ms[first_token_ms.len() / 2]},
    });
    let text = serde_json::to_string_pretty(&report)?;
    println!("{text}");
    if let Some(out) = flag("--out") {
        std::fs::write(out, text)?;
    }
    Ok(())
}

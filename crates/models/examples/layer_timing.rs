//! Time one BERT-base encoder layer, forward + backward, batch 8 × 128 tokens, on the backend
//! the cargo features select:
//!
//! ```text
//! cargo run -p st-models --example layer_timing                     # flex (default)
//! cargo run -p st-models --example layer_timing --features ndarray  # ndarray
//! ```

use std::time::Instant;

use burn::backend::Autodiff;
use burn::module::AutodiffModule;
use burn::tensor::{Distribution, Tensor};
use st_core::backend::{BACKEND_NAME, DefaultBackend};
use st_models::EncoderConfig;
use st_models::layers::EncoderLayer;

type B = Autodiff<DefaultBackend>;

fn main() {
    let config = EncoderConfig::bert(30522, 768, 1, 12, 3072);
    let device = Default::default();
    let layer = EncoderLayer::<B>::new(&config, &device);
    let iterations: usize = std::env::var("ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let mut times = Vec::new();
    for i in 0..=iterations {
        let x = Tensor::<B, 3>::random([8, 128, 768], Distribution::Normal(0.0, 1.0), &device)
            .require_grad();
        let mask = Tensor::<B, 4>::zeros([8, 1, 1, 128], &device);
        let start = Instant::now();
        let loss = layer.forward(x, mask).powi_scalar(2).mean();
        let _grads = loss.backward();
        let elapsed = start.elapsed().as_secs_f64();
        if i > 0 {
            times.push(elapsed); // the first run warms up allocators and caches
        }
    }
    report("fwd+bwd 8x128", times);

    // Inference: forward only, no autodiff, batch 32.
    let layer = layer.valid();
    let mut times = Vec::new();
    for i in 0..=iterations {
        let x = Tensor::<DefaultBackend, 3>::random(
            [32, 128, 768],
            Distribution::Normal(0.0, 1.0),
            &device,
        );
        let mask = Tensor::<DefaultBackend, 4>::zeros([32, 1, 1, 128], &device);
        let start = Instant::now();
        let out = layer.forward(x, mask);
        let _ = out.into_data();
        if i > 0 {
            times.push(start.elapsed().as_secs_f64());
        }
    }
    report("forward 32x128", times);
}

fn report(what: &str, mut times: Vec<f64>) {
    times.sort_by(f64::total_cmp);
    println!(
        "{BACKEND_NAME}: BERT-base layer {what}: median {:.3} s (min {:.3}, max {:.3}, n={})",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        times.len()
    );
}

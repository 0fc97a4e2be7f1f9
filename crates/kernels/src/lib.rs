//! Host kernels: the element-wise and row-wise work of a training step that Burn's CPU
//! backends would run as a chain of separate tensor operations, written here as single
//! parallel passes over `f32` slices.
//!
//! The crate knows nothing of tensors; `st-models` and `st-core` move tensor data in and out
//! and choose these kernels only on the host backends. It is its own crate so that the
//! workspace's `dev` and `test` profiles can build it fully optimised (see the root
//! `Cargo.toml`): at `opt-level = 1` none of these loops would be vectorised, and every
//! `cargo run` and `cargo test` of a training job would pay for it.
//!
//! Transcendental functions are rational or polynomial approximations without branches or
//! calls (the forms Eigen and XLA use for f32), accurate to a few ulps (tests in [`math`]),
//! so the compiler vectorises the loops on the baseline x86-64 target (SSE2, no FMA).

pub mod cross_entropy;
pub mod dropout;
pub mod gelu;
pub mod math;
mod reduce;
pub mod softmax;

pub use cross_entropy::{CrossEntropy, softmax_cross_entropy};
pub use dropout::dropout_mask;
pub use gelu::{Gelu, apply_slopes};
pub use softmax::{softmax_rows, softmax_rows_backward};

/// Elements per parallel task: large enough that rayon's overhead is negligible, small
/// enough that both cores get work on a layer's activations.
pub(crate) const CHUNK: usize = 16 * 1024;

/// Deterministic test inputs: `n` values uniform in `[-half_range, half_range)` from a linear
/// congruential sequence started at `seed`.
#[cfg(test)]
pub(crate) fn test_values(n: usize, seed: u64, half_range: f32) -> Vec<f32> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 * half_range - half_range
        })
        .collect()
}

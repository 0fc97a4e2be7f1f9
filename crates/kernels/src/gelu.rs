//! GELU and its slope, exact (`erf`, PyTorch's `gelu`) or GPT-2's tanh form (`gelu_new`).
//!
//! Burn's CPU backends evaluate `erf` with scalar library calls and compose the tanh form
//! from five tensor operations, each with its own backward pass. Here the values (and, for
//! training, the slopes) come from one parallel pass.

use rayon::prelude::*;

use crate::CHUNK;
use crate::math::{erf, tanh};

/// √(2/π).
const SQRT_2_OVER_PI: f32 = 0.797_884_6;
/// 1/√(2π).
const FRAC_1_SQRT_2PI: f32 = 0.398_942_3;
/// The cubic coefficient of GPT-2's approximation.
const CUBIC: f32 = 0.044_715;

/// Which GELU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gelu {
    /// `x·Φ(x) = 0.5·x·(1 + erf(x/√2))`.
    Exact,
    /// `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`, as `transformers`' `NewGELUActivation`.
    Tanh,
}

impl Gelu {
    /// GELU of every element, in place.
    pub fn apply(self, values: &mut [f32]) {
        match self {
            Self::Exact => map_in_place(values, exact),
            Self::Tanh => map_in_place(values, tanh_form),
        }
    }

    /// GELU of every input and its derivative there, for a backward pass.
    pub fn with_slope(self, inputs: &[f32]) -> (Vec<f32>, Vec<f32>) {
        match self {
            Self::Exact => map_with_slope(inputs, exact, exact_slope),
            Self::Tanh => map_with_slope(inputs, tanh_form, tanh_form_slope),
        }
    }
}

/// The backward pass of any element-wise function: `grad ⊙ slopes`, written over `grad`.
///
/// # Panics
/// If the lengths differ.
pub fn apply_slopes(grad: &mut [f32], slopes: &[f32]) {
    assert_eq!(
        grad.len(),
        slopes.len(),
        "gradient and slopes differ in length"
    );
    grad.par_chunks_mut(CHUNK)
        .zip(slopes.par_chunks(CHUNK))
        .for_each(|(g, s)| g.iter_mut().zip(s).for_each(|(g, &s)| *g *= s));
}

fn map_in_place(values: &mut [f32], f: impl Fn(f32) -> f32 + Sync) {
    values
        .par_chunks_mut(CHUNK)
        .for_each(|chunk| chunk.iter_mut().for_each(|v| *v = f(*v)));
}

fn map_with_slope(
    inputs: &[f32],
    f: impl Fn(f32) -> f32 + Sync,
    df: impl Fn(f32) -> f32 + Sync,
) -> (Vec<f32>, Vec<f32>) {
    let mut values = vec![0f32; inputs.len()];
    let mut slopes = vec![0f32; inputs.len()];
    values
        .par_chunks_mut(CHUNK)
        .zip(slopes.par_chunks_mut(CHUNK))
        .zip(inputs.par_chunks(CHUNK))
        .for_each(|((values, slopes), inputs)| {
            for ((v, s), &x) in values.iter_mut().zip(slopes.iter_mut()).zip(inputs) {
                *v = f(x);
                *s = df(x);
            }
        });
    (values, slopes)
}

#[inline(always)]
fn exact(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// `d/dx x·Φ(x) = Φ(x) + x·φ(x)`.
#[inline(always)]
fn exact_slope(x: f32) -> f32 {
    0.5 * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
        + x * FRAC_1_SQRT_2PI * crate::math::exp(-0.5 * x * x)
}

#[inline(always)]
fn tanh_form(x: f32) -> f32 {
    0.5 * x * (1.0 + tanh(SQRT_2_OVER_PI * (x + CUBIC * x * x * x)))
}

/// `0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²)`, `t` the tanh above.
#[inline(always)]
fn tanh_form_slope(x: f32) -> f32 {
    let t = tanh(SQRT_2_OVER_PI * (x + CUBIC * x * x * x));
    0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3.0 * CUBIC * x * x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Vec<f32> {
        (-400..=400).map(|i| i as f32 / 100.0).collect()
    }

    /// Each slope is its function's derivative (central differences in f64 of the f32 value).
    #[test]
    fn slopes_are_derivatives() {
        for (f, df) in [
            (exact as fn(f32) -> f32, exact_slope as fn(f32) -> f32),
            (tanh_form, tanh_form_slope),
        ] {
            for x in grid() {
                let h = 1e-2f32;
                let numeric = (f(x + h) as f64 - f(x - h) as f64) / (2.0 * h as f64);
                let error = (df(x) as f64 - numeric).abs();
                assert!(error < 1e-3, "x {x}: {error}");
            }
        }
    }

    /// Against the formulas in f64.
    #[test]
    fn values_match_the_formulas() {
        let inputs = grid();
        for gelu in [Gelu::Exact, Gelu::Tanh] {
            let (values, _) = gelu.with_slope(&inputs);
            let mut in_place = inputs.clone();
            gelu.apply(&mut in_place);
            assert_eq!(values, in_place);
            for (&x, &v) in inputs.iter().zip(&values) {
                let x = x as f64;
                let expected = match gelu {
                    Gelu::Exact => {
                        // Φ(x) through the f64 tanh form is not exact; use the error function
                        // identity with a high-order series instead.
                        let z = x / std::f64::consts::SQRT_2;
                        let (mut term, mut sum, mut n) = (z, z, 0.0);
                        while term.abs() > 1e-17 * sum.abs().max(1e-300) {
                            n += 1.0;
                            term *= -z * z / n;
                            sum += term / (2.0 * n + 1.0);
                        }
                        0.5 * x * (1.0 + sum * 2.0 / std::f64::consts::PI.sqrt())
                    }
                    Gelu::Tanh => {
                        let c = (2.0 / std::f64::consts::PI).sqrt();
                        0.5 * x * (1.0 + (c * (x + 0.044715 * x.powi(3))).tanh())
                    }
                };
                assert!((v as f64 - expected).abs() < 2e-6, "{gelu:?} at {x}");
            }
        }
    }
}

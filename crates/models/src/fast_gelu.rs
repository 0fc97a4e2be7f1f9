//! GELU on the CPU backends: one parallel, vectorisable pass over the data, exact (`erf`) or
//! GPT-2's tanh form.
//!
//! Burn's CPU backends evaluate `erf` with scalar `libm` calls, which made GELU ~14 % of a
//! forward pass. Here `erf` is a rational approximation on the clamped argument (the form
//! XLA and Eigen use for f32: `x·P(x²)/Q(x²)` on `[-4, 4]`, `±1` beyond), accurate to a few
//! f32 ulps (test below), with no branches or calls, so the compiler vectorises it. Under
//! autodiff the derivative comes from the same pass (see [`gelu_tracked`]); the encoder
//! parity tests check both against PyTorch.

use burn::tensor::{Tensor, TensorData, backend::Backend};
use rayon::prelude::*;

const ALPHA: [f32; 7] = [
    -2.726_142_3e-10,
    2.770_681_4e-8,
    -2.101_024e-6,
    -5.692_506_4e-5,
    -7.349_906_3e-4,
    -2.954_600_1e-3,
    -1.609_603_3e-2,
];
const BETA: [f32; 5] = [
    -1.456_607_2e-5,
    -2.133_740_6e-4,
    -1.682_827e-3,
    -7.373_329_2e-3,
    -1.426_474e-2,
];

/// `erf(x)` in f32, within a few ulps of the exact value.
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    // Plain multiply-adds: `mul_add` would call a software `fmaf` on the baseline x86-64
    // target (no FMA), 30× slower.
    let p = ALPHA[1..].iter().fold(ALPHA[0], |acc, &a| acc * x2 + a);
    let q = BETA[1..].iter().fold(BETA[0], |acc, &b| acc * x2 + b);
    x * p / q
}

/// `x·Φ(x) = 0.5·x·(1 + erf(x/√2))`, PyTorch's exact GELU.
#[inline(always)]
fn gelu_one(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// `d/dx x·Φ(x) = Φ(x) + x·φ(x)`.
#[inline(always)]
fn gelu_slope(x: f32) -> f32 {
    const FRAC_1_SQRT_2PI: f32 = 0.398_942_3;
    0.5 * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
        + x * FRAC_1_SQRT_2PI * (-0.5 * x * x).exp()
}

/// The tanh approximation GPT-2 uses (`gelu_new`): `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`,
/// as `transformers`' `NewGELUActivation`.
#[inline(always)]
fn gelu_tanh_one(x: f32) -> f32 {
    0.5 * x * (1.0 + tanh(GELU_TANH_SCALE * (x + 0.044_715 * x * x * x)))
}

/// Its derivative: `0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²)`.
#[inline(always)]
fn gelu_tanh_slope(x: f32) -> f32 {
    let t = tanh(GELU_TANH_SCALE * (x + 0.044_715 * x * x * x));
    0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * GELU_TANH_SCALE * (1.0 + 3.0 * 0.044_715 * x * x)
}

/// √(2/π).
const GELU_TANH_SCALE: f32 = 0.797_884_6;

/// `tanh(x)` in f32 without calls: a 13/6 rational approximation on the clamped argument (the
/// form Eigen uses for f32), within a few ulps of the exact value; vectorisable.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    const A: [f32; 7] = [
        -2.760_768_5e-16,
        2.000_188e-13,
        -8.604_672e-11,
        5.122_297e-8,
        1.485_722_4e-5,
        6.372_619_3e-4,
        4.893_524_6e-3,
    ];
    const B: [f32; 4] = [1.198_258_4e-6, 1.185_347_1e-4, 2.268_434_6e-3, 4.893_525e-3];
    let x = x.clamp(-7.905_311, 7.905_311);
    let x2 = x * x;
    let p = A[1..].iter().fold(A[0], |acc, &a| acc * x2 + a);
    let q = B[1..].iter().fold(B[0], |acc, &b| acc * x2 + b);
    x * p / q
}

fn host_values<B: Backend, const D: usize>(x: Tensor<B, D>) -> Vec<f32> {
    match x.into_data().into_vec() {
        Ok(v) => v,
        Err(e) => panic!("GELU on a host backend expects f32 data: {e:?}"),
    }
}

/// `f` over a host tensor (the caller checks that the backend keeps f32 data in host
/// memory), in one parallel pass, without autodiff.
fn map_host<B: Backend, const D: usize>(x: Tensor<B, D>, f: fn(f32) -> f32) -> Tensor<B, D> {
    let (shape, device) = (x.shape(), x.device());
    let mut values = host_values(x);
    values
        .par_chunks_mut(16 * 1024)
        .for_each(|chunk| chunk.iter_mut().for_each(|v| *v = f(*v)));
    Tensor::from_data(TensorData::new(values, shape), &device)
}

/// `f` over a host tensor under autodiff: values and slopes (`df`) are computed in one host
/// pass, and the result is `y + (x − detach(x))·slope`, whose value is `y` (the bracket is
/// exactly zero) and whose gradient is `slope`. This replaces the several tracked element-wise
/// ops of the composed formula and their backward passes with three cheap ones.
fn map_host_tracked<B: Backend, const D: usize>(
    x: Tensor<B, D>,
    f: fn(f32) -> f32,
    df: fn(f32) -> f32,
) -> Tensor<B, D> {
    let (shape, device) = (x.shape(), x.device());
    let inputs = host_values(x.clone());
    let (values, slopes): (Vec<f32>, Vec<f32>) = inputs
        .par_iter()
        .with_min_len(16 * 1024)
        .map(|&v| (f(v), df(v)))
        .unzip();
    let constant =
        |v: Vec<f32>| Tensor::<B, D>::from_data(TensorData::new(v, shape.clone()), &device);
    let slopes = constant(slopes);
    (x.clone() - x.detach()) * slopes + constant(values)
}

/// Exact GELU over a host tensor without autodiff.
pub fn gelu<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
    map_host(x, gelu_one)
}

/// Exact GELU over a host tensor under autodiff, PyTorch's derivative.
pub fn gelu_tracked<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
    map_host_tracked(x, gelu_one, gelu_slope)
}

/// GPT-2's tanh GELU over a host tensor without autodiff.
pub fn gelu_tanh<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
    map_host(x, gelu_tanh_one)
}

/// GPT-2's tanh GELU over a host tensor under autodiff.
pub fn gelu_tanh_tracked<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
    map_host_tracked(x, gelu_tanh_one, gelu_tanh_slope)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against f64 `erf` (its Taylor series, accurate to ~1e-10 for |x| ≤ 4) on a grid of
    /// step 0.001 over [-6, 6].
    #[test]
    fn erf_is_within_a_few_ulps() {
        fn erf64(x: f64) -> f64 {
            let (mut term, mut sum, mut n) = (x, x, 0.0);
            while term.abs() > 1e-17 * sum.abs().max(1e-300) {
                n += 1.0;
                term *= -x * x / n;
                sum += term / (2.0 * n + 1.0);
            }
            sum * 2.0 / std::f64::consts::PI.sqrt()
        }
        let mut worst = 0.0f64;
        for i in -6000..=6000 {
            let x = i as f64 / 1000.0;
            // Beyond 4, erf is within erfc(4) = 1.5e-8 of ±1 (and the series loses precision).
            let exact = if x.abs() > 4.0 { x.signum() } else { erf64(x) };
            worst = worst.max((erf(x as f32) as f64 - exact).abs());
        }
        eprintln!("max abs error {worst:e}");
        assert!(worst < 5e-7, "max abs error {worst:e}");
    }

    /// Against f64 `tanh` on a grid of step 0.001 over [-10, 10].
    #[test]
    fn tanh_is_within_a_few_ulps() {
        let mut worst = 0.0f64;
        for i in -10_000..=10_000 {
            let x = i as f64 / 1000.0;
            worst = worst.max((tanh(x as f32) as f64 - x.tanh()).abs());
        }
        eprintln!("max abs error {worst:e}");
        assert!(worst < 5e-7, "max abs error {worst:e}");
    }

    /// The tanh GELU's slope is its derivative (central differences in f64 of the f32 value).
    #[test]
    fn gelu_tanh_slope_is_its_derivative() {
        for i in -400..=400 {
            let x = i as f32 / 100.0;
            let h = 1e-2f32;
            let numeric =
                (gelu_tanh_one(x + h) as f64 - gelu_tanh_one(x - h) as f64) / (2.0 * h as f64);
            let error = (gelu_tanh_slope(x) as f64 - numeric).abs();
            assert!(error < 1e-3, "x {x}: {error}");
        }
    }
}

//! `erf`, `tanh` and `exp` in f32 without branches or library calls, so that loops over them
//! vectorise. Each is within a few ulps of the exact value (tests below, against f64).
//!
//! Polynomials are evaluated with plain multiply-adds: `f32::mul_add` would call a software
//! `fmaf` on the baseline x86-64 target (no FMA), about 30× slower.

/// Horner's rule over `coefficients`, highest degree first.
#[inline(always)]
fn horner(x: f32, coefficients: &[f32]) -> f32 {
    coefficients[1..]
        .iter()
        .fold(coefficients[0], |acc, &c| acc * x + c)
}

/// `erf(x)`: `x·P(x²)/Q(x²)` on `[-4, 4]` and `±1` beyond (`erfc(4)` = 1.5e-8).
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    const P: [f32; 7] = [
        -2.726_142_3e-10,
        2.770_681_4e-8,
        -2.101_024e-6,
        -5.692_506_4e-5,
        -7.349_906_3e-4,
        -2.954_600_1e-3,
        -1.609_603_3e-2,
    ];
    const Q: [f32; 5] = [
        -1.456_607_2e-5,
        -2.133_740_6e-4,
        -1.682_827e-3,
        -7.373_329_2e-3,
        -1.426_474e-2,
    ];
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    x * horner(x2, &P) / horner(x2, &Q)
}

/// `tanh(x)`: a 13/6 rational function on the clamped argument (`±1` in f32 beyond 7.9).
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    const P: [f32; 7] = [
        -2.760_768_5e-16,
        2.000_188e-13,
        -8.604_672e-11,
        5.122_297e-8,
        1.485_722_4e-5,
        6.372_619_3e-4,
        4.893_524_6e-3,
    ];
    const Q: [f32; 4] = [1.198_258_4e-6, 1.185_347_1e-4, 2.268_434_6e-3, 4.893_525e-3];
    let x = x.clamp(-7.905_311, 7.905_311);
    let x2 = x * x;
    x * horner(x2, &P) / horner(x2, &Q)
}

/// `eˣ`: `x = k·ln 2 + r` with `|r| ≤ ln 2 / 2`, `eʳ` by a degree-6 polynomial (Cephes'
/// coefficients), `2ᵏ` assembled in the exponent bits. Arguments are clamped to
/// `[-87.3, 88.3]`, the range where both `eˣ` and `2ᵏ` are normal floats; below it the result
/// is exactly 0 (as `expf` underflows), above it ~2e38 instead of infinity. Zero, not the
/// clamp's ~1e-38: a masked score's ~1e-38 divided by a softmax sum is subnormal, and
/// subnormals flowing through the attention matmuls and their gradients slow every
/// multiply-add by microcode assists (a BART training step on padded batches ran 7× slower).
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    // ln 2 split so that k·LN2_HI is exact for the k that occur.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding and subtracting 1.5·2²³ rounds to the nearest integer without `round`, which is
    // a library call below SSE4.1.
    const ROUND: f32 = 12_582_912.0;
    const P: [f32; 6] = [
        1.987_569_1e-4,
        1.398_199_9e-3,
        8.333_452e-3,
        4.166_579_6e-2,
        1.666_666_5e-1,
        0.5,
    ];
    let x = x.clamp(-87.3, 88.3);
    let k = (x * LOG2_E + ROUND) - ROUND;
    let r = x - k * LN2_HI - k * LN2_LO;
    let er = horner(r, &P) * r * r + r + 1.0;
    let two_k = f32::from_bits(((k as i32 + 127) as u32) << 23);
    // A select, not a branch, so that loops over rows stay vectorised.
    if x <= -87.3 { 0.0 } else { er * two_k }
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

    /// Relative error against f64 `exp` on a grid of step 0.001 over [-87, 88], and the
    /// clamped ends: 0 below (never a subnormal), finite above.
    #[test]
    fn exp_is_within_a_few_ulps() {
        let mut worst = 0.0f64;
        for i in -87_000..=88_000 {
            let x = i as f32 / 1000.0;
            let exact = (x as f64).exp();
            worst = worst.max(((exp(x) as f64 - exact) / exact).abs());
        }
        eprintln!("max relative error {worst:e}");
        assert!(worst < 4e-7, "max relative error {worst:e}");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-1e30), 0.0);
        assert_eq!(exp(f32::MIN), 0.0);
        assert!(exp(-87.0).is_normal());
        assert!(exp(1e30).is_finite());
    }
}

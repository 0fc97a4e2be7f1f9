//! Correlation metrics for regression outputs (scipy.stats `pearsonr` and
//! `spearmanr`), the usual extra metrics users attach to a regression model.

use super::error::{MetricError, check_finite, check_min_len, check_same_len};

/// Pearson correlation coefficient (scipy `pearsonr(...).statistic`).
///
/// Returns NaN when either input is constant, as scipy does (the correlation
/// is undefined, but that is a property of the data rather than a misuse).
/// Needs at least two finite values per input.
pub fn pearson(x: &[f64], y: &[f64]) -> Result<f64, MetricError> {
    check_inputs("pearson", x, y)?;
    Ok(pearson_unchecked(x, y))
}

/// Spearman rank correlation (scipy `spearmanr(...).statistic`): the Pearson
/// correlation of the ranks, tied values sharing their average rank.
///
/// Returns NaN when either input is constant. Unlike scipy, which returns NaN
/// for a single pair, fewer than two values are an error, as for [`pearson`].
pub fn spearman(x: &[f64], y: &[f64]) -> Result<f64, MetricError> {
    check_inputs("spearman", x, y)?;
    Ok(pearson_unchecked(&average_ranks(x), &average_ranks(y)))
}

/// Both inputs aligned, with at least two finite values.
fn check_inputs(metric: &'static str, x: &[f64], y: &[f64]) -> Result<(), MetricError> {
    check_same_len("x", x.len(), "y", y.len())?;
    check_min_len(metric, x.len(), 2)?;
    check_finite(metric, x)?;
    check_finite(metric, y)
}

/// Pearson correlation of validated inputs. Deviations are first scaled by
/// their largest magnitude (as scipy does) so that huge values cannot
/// overflow when squared; the result is clamped to [-1, 1] against rounding.
fn pearson_unchecked(x: &[f64], y: &[f64]) -> f64 {
    let (Some(dx), Some(dy)) = (unit_deviations(x), unit_deviations(y)) else {
        return f64::NAN;
    };
    let dot: f64 = dx.iter().zip(&dy).map(|(a, b)| a * b).sum();
    dot.clamp(-1.0, 1.0)
}

/// Deviations from the mean, scaled to unit Euclidean norm; `None` for a
/// constant input, whose correlation is undefined.
fn unit_deviations(values: &[f64]) -> Option<Vec<f64>> {
    if values.iter().all(|&v| v == values[0]) {
        return None;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let mut deviations: Vec<f64> = values.iter().map(|v| v - mean).collect();
    let largest = deviations.iter().fold(0.0_f64, |m, d| m.max(d.abs()));
    deviations.iter_mut().for_each(|d| *d /= largest);
    let norm = deviations.iter().map(|d| d * d).sum::<f64>().sqrt();
    deviations.iter_mut().for_each(|d| *d /= norm);
    Some(deviations)
}

/// 1-based ranks where tied values share the mean of the ranks they span
/// (scipy `rankdata(method="average")`).
fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let tied = order[start..]
            .iter()
            .take_while(|&&i| values[i] == values[order[start]])
            .count();
        let end = start + tied;
        // Ranks start+1 ..= end, whose mean is (start + 1 + end) / 2.
        let rank = (start + 1 + end) as f64 / 2.0;
        order[start..end].iter().for_each(|&i| ranks[i] = rank);
        start = end;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_share_their_average_rank() {
        assert_eq!(
            average_ranks(&[3.0, 1.0, 3.0, 2.0]),
            vec![3.5, 1.0, 3.5, 2.0]
        );
    }

    #[test]
    fn constant_input_is_nan_not_an_error() {
        assert!(
            pearson(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0])
                .unwrap()
                .is_nan()
        );
        assert!(
            spearman(&[1.0, 2.0, 3.0], &[5.0, 5.0, 5.0])
                .unwrap()
                .is_nan()
        );
    }

    #[test]
    fn too_few_or_non_finite_values_are_errors() {
        assert!(matches!(
            pearson(&[1.0], &[2.0]),
            Err(MetricError::TooFewSamples { min: 2, .. })
        ));
        assert!(matches!(
            spearman(&[1.0, f64::INFINITY], &[2.0, 3.0]),
            Err(MetricError::NonFinite { .. })
        ));
    }

    #[test]
    fn huge_values_do_not_overflow() {
        let r = pearson(&[1e300, -1e300, 0.0], &[1.0, -1.0, 0.0]).unwrap();
        assert!((r - 1.0).abs() < 1e-12, "{r}");
    }
}

//! Metrics on continuous scores rather than hard predictions: ROC AUC and
//! average precision for binary classification (Simple Transformers' `auroc`
//! and `auprc`), and label ranking average precision for multi-label
//! classification (`LRAP`). All follow scikit-learn, including how tied
//! scores are handled: samples with equal scores form one threshold.

use super::error::{MetricError, check_finite, check_min_len, check_same_len};

/// Cumulative true/false positive counts when everything scoring at least a
/// given threshold is predicted positive.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct ThresholdCounts {
    /// Positives (label 1) at or above the threshold.
    tp: f64,
    /// Negatives (label 0) at or above the threshold.
    fp: f64,
}

/// Area under the ROC curve (sklearn `roc_auc_score` for binary labels).
///
/// `labels` must be 0/1 and contain both classes; `scores` are the
/// positive-class scores (Simple Transformers passes `softmax(logits)[1]`).
/// Ties count half, as with the trapezoidal rule over tied thresholds.
pub fn roc_auc(labels: &[usize], scores: &[f64]) -> Result<f64, MetricError> {
    const METRIC: &str = "roc_auc";
    let curve = threshold_curve(METRIC, labels, scores)?;
    let last = curve.last().copied().unwrap_or_default();
    if last.tp == 0.0 || last.fp == 0.0 {
        return Err(single_class(METRIC, last));
    }
    let mut area = 0.0;
    let mut previous = ThresholdCounts::default();
    for point in curve {
        area += (point.fp - previous.fp) * (point.tp + previous.tp) / 2.0;
        previous = point;
    }
    Ok(area / (last.tp * last.fp))
}

/// Average precision, the step-wise area under the precision-recall curve
/// (sklearn `average_precision_score`; Simple Transformers' `auprc`).
///
/// `labels` must be 0/1 with at least one positive: without positives recall
/// is undefined (sklearn warns and returns 0.0; this returns an error).
pub fn average_precision(labels: &[usize], scores: &[f64]) -> Result<f64, MetricError> {
    const METRIC: &str = "average_precision";
    let curve = threshold_curve(METRIC, labels, scores)?;
    let positives = curve.last().map_or(0.0, |c| c.tp);
    if positives == 0.0 {
        return Err(MetricError::SingleClass {
            metric: METRIC,
            class: 0,
        });
    }
    let mut sum = 0.0;
    let mut previous_tp = 0.0;
    for point in curve {
        let precision = point.tp / (point.tp + point.fp);
        sum += (point.tp - previous_tp) / positives * precision;
        previous_tp = point.tp;
    }
    Ok(sum)
}

/// Label ranking average precision (sklearn
/// `label_ranking_average_precision_score`), Simple Transformers' multi-label
/// `LRAP`.
///
/// `labels` holds one multi-hot row per sample (each entry 0 or 1) and
/// `scores` one row of the same width per sample. For every relevant label it
/// asks what fraction of the labels scored at least as high are relevant, and
/// averages. A sample whose labels are all relevant or all irrelevant scores
/// 1.0, as in sklearn. Ties are pessimistic: a tied irrelevant label counts as
/// ranked above.
pub fn lrap<L, S>(labels: &[L], scores: &[S]) -> Result<f64, MetricError>
where
    L: AsRef<[u8]>,
    S: AsRef<[f64]>,
{
    const METRIC: &str = "lrap";
    check_same_len("labels", labels.len(), "scores", scores.len())?;
    check_min_len(METRIC, labels.len(), 1)?;
    let width = labels[0].as_ref().len();
    let mut total = 0.0;
    for (row, (label_row, score_row)) in labels.iter().zip(scores).enumerate() {
        let (label_row, score_row) = (label_row.as_ref(), score_row.as_ref());
        check_row_width("labels", row, width, label_row.len())?;
        check_row_width("scores", row, width, score_row.len())?;
        if let Some(&found) = label_row.iter().find(|&&v| v > 1) {
            return Err(MetricError::NotBinary {
                metric: METRIC,
                found: usize::from(found),
            });
        }
        check_finite(METRIC, score_row).map_err(|e| at_row(e, row, width))?;
        total += sample_lrap(label_row, score_row);
    }
    Ok(total / labels.len() as f64)
}

/// LRAP of one sample (see [`lrap`]).
fn sample_lrap(labels: &[u8], scores: &[f64]) -> f64 {
    let relevant: Vec<f64> = labels
        .iter()
        .zip(scores)
        .filter(|(l, _)| **l == 1)
        .map(|(_, &s)| s)
        .collect();
    if relevant.is_empty() || relevant.len() == labels.len() {
        return 1.0;
    }
    let precision_at = |score: f64| {
        let ranked_above = scores.iter().filter(|&&s| s >= score).count();
        let relevant_above = relevant.iter().filter(|&&s| s >= score).count();
        relevant_above as f64 / ranked_above as f64
    };
    relevant.iter().map(|&s| precision_at(s)).sum::<f64>() / relevant.len() as f64
}

/// Validates binary labels and finite scores, then returns the cumulative
/// counts at every distinct score, from the highest score down (sklearn's
/// `_binary_clf_curve`). The last point holds the totals of both classes.
fn threshold_curve(
    metric: &'static str,
    labels: &[usize],
    scores: &[f64],
) -> Result<Vec<ThresholdCounts>, MetricError> {
    check_same_len("labels", labels.len(), "scores", scores.len())?;
    check_min_len(metric, labels.len(), 1)?;
    if let Some(&found) = labels.iter().find(|&&l| l > 1) {
        return Err(MetricError::NotBinary { metric, found });
    }
    check_finite(metric, scores)?;

    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut curve: Vec<ThresholdCounts> = Vec::new();
    let mut counts = ThresholdCounts::default();
    for (position, &i) in order.iter().enumerate() {
        if labels[i] == 1 {
            counts.tp += 1.0;
        } else {
            counts.fp += 1.0;
        }
        let next_differs = order
            .get(position + 1)
            .is_none_or(|&next| scores[next] != scores[i]);
        if next_differs {
            curve.push(counts);
        }
    }
    Ok(curve)
}

/// The error for a curve whose labels hold only one class.
fn single_class(metric: &'static str, totals: ThresholdCounts) -> MetricError {
    let class = if totals.tp == 0.0 { 0 } else { 1 };
    MetricError::SingleClass { metric, class }
}

/// Every row of a matrix input must have the width of the first.
fn check_row_width(
    name: &'static str,
    row: usize,
    expected: usize,
    found: usize,
) -> Result<(), MetricError> {
    if expected == found {
        Ok(())
    } else {
        Err(MetricError::RaggedRows {
            name,
            row,
            expected,
            found,
        })
    }
}

/// Turns a column index within a row into a row-major index.
fn at_row(error: MetricError, row: usize, width: usize) -> MetricError {
    match error {
        MetricError::NonFinite {
            metric,
            index,
            value,
        } => MetricError::NonFinite {
            metric,
            index: row * width + index,
            value,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roc_auc_counts_ties_as_half() {
        assert_eq!(roc_auc(&[0, 1], &[0.5, 0.5]).unwrap(), 0.5);
        assert_eq!(
            roc_auc(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]).unwrap(),
            0.75
        );
    }

    #[test]
    fn one_class_is_an_error() {
        assert_eq!(
            roc_auc(&[1, 1], &[0.2, 0.3]),
            Err(MetricError::SingleClass {
                metric: "roc_auc",
                class: 1
            })
        );
        assert_eq!(
            average_precision(&[0, 0], &[0.2, 0.3]),
            Err(MetricError::SingleClass {
                metric: "average_precision",
                class: 0
            })
        );
        assert_eq!(average_precision(&[1, 1], &[0.2, 0.3]).unwrap(), 1.0);
    }

    #[test]
    fn scores_must_be_finite() {
        let err = roc_auc(&[0, 1], &[0.2, f64::NAN]).unwrap_err();
        assert!(
            matches!(err, MetricError::NonFinite { index: 1, .. }),
            "{err}"
        );
    }

    #[test]
    fn lrap_rejects_ragged_and_non_binary_rows() {
        let ragged = lrap(&[vec![0u8, 1], vec![1]], &[vec![0.1, 0.2], vec![0.3]]);
        assert!(matches!(
            ragged,
            Err(MetricError::RaggedRows {
                name: "labels",
                row: 1,
                ..
            })
        ));
        let mismatch = lrap(&[vec![0u8, 1]], &[vec![0.1, 0.2, 0.3]]);
        assert!(matches!(
            mismatch,
            Err(MetricError::RaggedRows {
                name: "scores",
                row: 0,
                ..
            })
        ));
        let non_binary = lrap(&[[0u8, 2]], &[[0.1, 0.2]]);
        assert!(matches!(
            non_binary,
            Err(MetricError::NotBinary { found: 2, .. })
        ));
        let nan = lrap(&[[0u8, 1], [1, 0]], &[[0.1, 0.2], [0.3, f64::NAN]]);
        assert!(matches!(nan, Err(MetricError::NonFinite { index: 3, .. })));
    }
}

//! Label-vs-prediction classification metrics with scikit-learn semantics.
//!
//! Simple Transformers reports `mcc`, `accuracy`, `f1_score` and the binary
//! confusion counts straight from scikit-learn, so these functions reproduce
//! scikit-learn's definitions, including its edge cases: the classes taken
//! into account are those present in *either* labels or predictions, and a
//! zero denominator yields 0.0 (sklearn's default `zero_division="warn"`).

use std::collections::BTreeMap;

use super::error::{MetricError, check_min_len, check_same_len};

/// How per-class precision/recall/F1 are combined into one number
/// (scikit-learn's `average=` argument).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Average {
    /// Only class 1 counts as positive (`average="binary"`, `pos_label=1`).
    /// Labels and predictions must all be 0 or 1.
    Binary,
    /// Unweighted mean over the classes present in labels or predictions.
    Macro,
    /// Global counts of true positives, false positives and false negatives.
    Micro,
    /// Mean over classes weighted by their number of true instances.
    Weighted,
}

/// Precision, recall and F1 computed together, as they share their counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrecisionRecallF1 {
    /// Fraction of predicted positives that are correct.
    pub precision: f64,
    /// Fraction of true positives that were found.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

/// Confusion counts of a binary problem with positive class 1.
///
/// The fields carry Simple Transformers' result keys (`tp`, `tn`, `fp`,
/// `fn`); `fn` is a Rust keyword, hence `fn_`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BinaryConfusion {
    /// Label 1, predicted 1.
    pub tp: usize,
    /// Label 0, predicted 0.
    pub tn: usize,
    /// Label 0, predicted 1.
    pub fp: usize,
    /// Label 1, predicted 0.
    pub fn_: usize,
}

/// Per-class counts from which every set-wise metric is derived.
#[derive(Debug, Clone, Copy, Default)]
struct ClassCounts {
    /// Correct predictions of this class.
    tp: usize,
    /// Predictions of this class.
    predicted: usize,
    /// True instances of this class.
    actual: usize,
}

/// Fraction of predictions equal to their label (sklearn `accuracy_score`).
pub fn accuracy(labels: &[usize], preds: &[usize]) -> Result<f64, MetricError> {
    check_pair("accuracy", labels, preds)?;
    let correct = labels.iter().zip(preds).filter(|(l, p)| l == p).count();
    Ok(correct as f64 / labels.len() as f64)
}

/// Matthews correlation coefficient (sklearn `matthews_corrcoef`), using the
/// general multi-class formula, which equals the textbook binary MCC for two
/// classes.
///
/// Returns 0.0 when it is undefined because labels or predictions contain a
/// single class, as scikit-learn does.
pub fn mcc(labels: &[usize], preds: &[usize]) -> Result<f64, MetricError> {
    check_pair("mcc", labels, preds)?;
    let counts = class_counts(labels, preds);
    let n = labels.len() as f64;
    let correct = counts.values().map(|c| c.tp as f64).sum::<f64>();
    let actual: Vec<f64> = counts.values().map(|c| c.actual as f64).collect();
    let predicted: Vec<f64> = counts.values().map(|c| c.predicted as f64).collect();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    // Covariances of the one-hot encodings, as in sklearn.
    let cov_true_pred = correct * n - dot(&actual, &predicted);
    let cov_pred_pred = n * n - dot(&predicted, &predicted);
    let cov_true_true = n * n - dot(&actual, &actual);
    let denominator = cov_pred_pred * cov_true_true;
    if denominator == 0.0 {
        return Ok(0.0);
    }
    Ok(cov_true_pred / denominator.sqrt())
}

/// Precision (sklearn `precision_score`) with the given averaging.
pub fn precision(labels: &[usize], preds: &[usize], average: Average) -> Result<f64, MetricError> {
    precision_recall_f1(labels, preds, average).map(|s| s.precision)
}

/// Recall (sklearn `recall_score`) with the given averaging.
pub fn recall(labels: &[usize], preds: &[usize], average: Average) -> Result<f64, MetricError> {
    precision_recall_f1(labels, preds, average).map(|s| s.recall)
}

/// F1 score (sklearn `f1_score`) with the given averaging. Simple Transformers
/// reports the macro average for binary classification.
pub fn f1_score(labels: &[usize], preds: &[usize], average: Average) -> Result<f64, MetricError> {
    precision_recall_f1(labels, preds, average).map(|s| s.f1)
}

/// Precision, recall and F1 in one pass (sklearn
/// `precision_recall_fscore_support` without the support).
///
/// A zero denominator gives 0.0, as with sklearn's default `zero_division`;
/// e.g. [`Average::Binary`] with no 1 among labels or predictions is 0.0
/// for all three.
pub fn precision_recall_f1(
    labels: &[usize],
    preds: &[usize],
    average: Average,
) -> Result<PrecisionRecallF1, MetricError> {
    check_pair("precision/recall/f1", labels, preds)?;
    let counts = class_counts(labels, preds);
    let scores = match average {
        Average::Binary => {
            check_binary("precision/recall/f1 (binary)", labels, preds)?;
            scores_of(&counts.get(&1).copied().unwrap_or_default())
        }
        Average::Micro => {
            let total = counts
                .values()
                .fold(ClassCounts::default(), |acc, c| ClassCounts {
                    tp: acc.tp + c.tp,
                    predicted: acc.predicted + c.predicted,
                    actual: acc.actual + c.actual,
                });
            scores_of(&total)
        }
        Average::Macro => weighted_mean(counts.values(), |_| 1.0),
        Average::Weighted => weighted_mean(counts.values(), |c| c.actual as f64),
    };
    Ok(scores)
}

/// Binary confusion counts (sklearn `confusion_matrix(labels=[0, 1])`).
/// Every label and prediction must be 0 or 1.
pub fn confusion_binary(labels: &[usize], preds: &[usize]) -> Result<BinaryConfusion, MetricError> {
    check_pair("confusion_binary", labels, preds)?;
    check_binary("confusion_binary", labels, preds)?;
    let mut confusion = BinaryConfusion::default();
    for (&label, &pred) in labels.iter().zip(preds) {
        let cell = match (label, pred) {
            (1, 1) => &mut confusion.tp,
            (0, 0) => &mut confusion.tn,
            (0, _) => &mut confusion.fp,
            _ => &mut confusion.fn_,
        };
        *cell += 1;
    }
    Ok(confusion)
}

/// Labels and predictions must be aligned and non-empty (sklearn raises on
/// empty input too).
fn check_pair(metric: &'static str, labels: &[usize], preds: &[usize]) -> Result<(), MetricError> {
    check_same_len("labels", labels.len(), "predictions", preds.len())?;
    check_min_len(metric, labels.len(), 1)
}

/// Binary metrics are only meaningful for classes 0 and 1; any other value
/// means the caller picked the wrong metric (sklearn raises in most such
/// cases as well).
fn check_binary(
    metric: &'static str,
    labels: &[usize],
    preds: &[usize],
) -> Result<(), MetricError> {
    match labels.iter().chain(preds).find(|&&v| v > 1) {
        None => Ok(()),
        Some(&found) => Err(MetricError::NotBinary { metric, found }),
    }
}

/// Counts per class, for every class present in labels or predictions,
/// ordered by class like sklearn's `unique_labels`.
fn class_counts(labels: &[usize], preds: &[usize]) -> BTreeMap<usize, ClassCounts> {
    let mut counts: BTreeMap<usize, ClassCounts> = BTreeMap::new();
    for (&label, &pred) in labels.iter().zip(preds) {
        counts.entry(label).or_default().actual += 1;
        counts.entry(pred).or_default().predicted += 1;
        if label == pred {
            counts.entry(label).or_default().tp += 1;
        }
    }
    counts
}

/// Precision, recall and F1 of one set of counts; F1 is computed from the
/// counts (`2tp / (actual + predicted)`) exactly as sklearn does.
fn scores_of(c: &ClassCounts) -> PrecisionRecallF1 {
    PrecisionRecallF1 {
        precision: ratio_or_zero(c.tp as f64, c.predicted as f64),
        recall: ratio_or_zero(c.tp as f64, c.actual as f64),
        f1: ratio_or_zero(2.0 * c.tp as f64, (c.actual + c.predicted) as f64),
    }
}

/// Weighted mean of per-class scores; if every weight is zero the plain mean
/// is used, mirroring sklearn's `_nanaverage`.
fn weighted_mean<'a>(
    classes: impl Iterator<Item = &'a ClassCounts> + Clone,
    weight: impl Fn(&ClassCounts) -> f64,
) -> PrecisionRecallF1 {
    let total_weight: f64 = classes.clone().map(&weight).sum();
    let weight_of = |c: &ClassCounts| if total_weight == 0.0 { 1.0 } else { weight(c) };
    let norm = if total_weight == 0.0 {
        classes.clone().count() as f64
    } else {
        total_weight
    };
    let mut sum = PrecisionRecallF1 {
        precision: 0.0,
        recall: 0.0,
        f1: 0.0,
    };
    for c in classes {
        let (w, s) = (weight_of(c), scores_of(c));
        sum.precision += w * s.precision;
        sum.recall += w * s.recall;
        sum.f1 += w * s.f1;
    }
    PrecisionRecallF1 {
        precision: sum.precision / norm,
        recall: sum.recall / norm,
        f1: sum.f1 / norm,
    }
}

/// `numerator / denominator`, or 0.0 when the denominator is zero
/// (sklearn's `zero_division="warn"` value).
pub(crate) fn ratio_or_zero(numerator: f64, denominator: f64) -> f64 {
    if denominator == 0.0 {
        0.0
    } else {
        numerator / denominator
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_confusion_counts_each_cell() {
        let c = confusion_binary(&[1, 1, 0, 0, 1], &[1, 0, 0, 1, 1]).unwrap();
        assert_eq!(
            c,
            BinaryConfusion {
                tp: 2,
                tn: 1,
                fp: 1,
                fn_: 1
            }
        );
    }

    #[test]
    fn binary_average_rejects_other_classes() {
        let err = f1_score(&[0, 2], &[0, 1], Average::Binary).unwrap_err();
        assert_eq!(
            err,
            MetricError::NotBinary {
                metric: "precision/recall/f1 (binary)",
                found: 2
            }
        );
    }

    #[test]
    fn empty_and_mismatched_inputs_are_errors() {
        assert!(matches!(
            accuracy(&[], &[]),
            Err(MetricError::TooFewSamples { .. })
        ));
        assert_eq!(
            mcc(&[0, 1], &[0]),
            Err(MetricError::LengthMismatch {
                left_name: "labels",
                left: 2,
                right_name: "predictions",
                right: 1
            })
        );
    }

    #[test]
    fn mcc_of_constant_predictions_is_zero() {
        assert_eq!(mcc(&[0, 1, 1], &[1, 1, 1]).unwrap(), 0.0);
    }
}

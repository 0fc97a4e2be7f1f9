//! The error type shared by every metric.

/// Why a metric could not be computed.
///
/// Metrics return this instead of panicking, because their inputs usually come
/// straight from user data (an evaluation file) and a bad file must not bring
/// down a training run. Where scikit-learn/scipy return a documented NaN or 0
/// instead of failing (e.g. zero division in precision, constant input to a
/// correlation), the metric returns that value rather than an error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetricError {
    /// Two inputs that must be aligned element by element have different lengths.
    #[error("length mismatch: {left_name} has {left} elements but {right_name} has {right}")]
    LengthMismatch {
        /// Name of the first input (e.g. "labels").
        left_name: &'static str,
        /// Its length.
        left: usize,
        /// Name of the second input (e.g. "predictions").
        right_name: &'static str,
        /// Its length.
        right: usize,
    },
    /// A metric that needs at least `min` samples got fewer.
    #[error("{metric} needs at least {min} sample(s), got {got}")]
    TooFewSamples {
        /// The metric that was asked for.
        metric: &'static str,
        /// The minimum number of samples it needs.
        min: usize,
        /// How many it got.
        got: usize,
    },
    /// Only one class is present where the metric needs both (e.g. ROC AUC
    /// when every label is 0).
    #[error("{metric} is undefined: only class {class} is present in the labels")]
    SingleClass {
        /// The metric that was asked for.
        metric: &'static str,
        /// The only class found.
        class: usize,
    },
    /// A binary metric got a label other than 0 or 1.
    #[error("{metric} expects binary labels 0/1 but found {found}")]
    NotBinary {
        /// The metric that was asked for.
        metric: &'static str,
        /// The first offending value.
        found: usize,
    },
    /// A value that is not of the kind the metric takes (a fractional class id, say).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A score or value is NaN or infinite.
    #[error("{metric}: input contains a non-finite value ({value}) at index {index}")]
    NonFinite {
        /// The metric that was asked for.
        metric: &'static str,
        /// Position of the value (row-major for matrices).
        index: usize,
        /// The value itself.
        value: String,
    },
    /// Rows of a matrix-shaped input do not all have the same width.
    #[error("{name}: row {row} has {found} columns, expected {expected}")]
    RaggedRows {
        /// Name of the input.
        name: &'static str,
        /// Index of the first bad row.
        row: usize,
        /// Width of row 0 (or of the matching row of the other input).
        expected: usize,
        /// Width of the bad row.
        found: usize,
    },
    /// A true and a predicted tag sequence of the same sentence differ in length.
    #[error("sentence {sentence}: {true_len} true tags but {pred_len} predicted tags")]
    SentenceLengthMismatch {
        /// Index of the sentence.
        sentence: usize,
        /// Number of true tags.
        true_len: usize,
        /// Number of predicted tags.
        pred_len: usize,
    },
    /// A sequence-labelling tag cannot be interpreted (only the empty string).
    #[error("sentence {sentence}, token {token}: empty tag")]
    EmptyTag {
        /// Index of the sentence.
        sentence: usize,
        /// Index of the token in that sentence.
        token: usize,
    },
}

/// Checks that two aligned inputs have the same length.
pub(crate) fn check_same_len(
    left_name: &'static str,
    left: usize,
    right_name: &'static str,
    right: usize,
) -> Result<(), MetricError> {
    if left == right {
        Ok(())
    } else {
        Err(MetricError::LengthMismatch {
            left_name,
            left,
            right_name,
            right,
        })
    }
}

/// Checks that an input has at least `min` elements.
pub(crate) fn check_min_len(
    metric: &'static str,
    len: usize,
    min: usize,
) -> Result<(), MetricError> {
    if len >= min {
        Ok(())
    } else {
        Err(MetricError::TooFewSamples {
            metric,
            min,
            got: len,
        })
    }
}

/// Rejects NaN and infinities, which scikit-learn and scipy also refuse (or
/// silently turn into a NaN result that is useless for early stopping).
pub(crate) fn check_finite(metric: &'static str, values: &[f64]) -> Result<(), MetricError> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(index) => Err(MetricError::NonFinite {
            metric,
            index,
            value: values[index].to_string(),
        }),
    }
}

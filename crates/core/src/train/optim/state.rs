//! The per-parameter state the update rules keep between steps, and its named parts as they
//! are written to (and read back from) a checkpoint.

use burn::tensor::Tensor;
use burn::tensor::backend::Backend;

/// Per-parameter optimiser state, kept flat (AdamW is element-wise) or as
/// `[leading, rows, cols]` (Adafactor's factored second moment).
#[derive(Clone)]
pub(super) enum State<B: Backend> {
    Adam {
        step: u64,
        exp_avg: Tensor<B, 1>,
        exp_avg_sq: Tensor<B, 1>,
    },
    Adafactor {
        step: u64,
        exp_avg: Option<Tensor<B, 1>>,
        second: Second<B>,
    },
}

/// Adafactor's second-moment estimate: factored into row and column means for parameters of
/// rank ≥ 2, element-wise otherwise.
#[derive(Clone)]
pub(super) enum Second<B: Backend> {
    Factored {
        row: Tensor<B, 2>,
        col: Tensor<B, 2>,
    },
    Full(Tensor<B, 1>),
}

impl<B: Backend> State<B> {
    /// The step count and the named state tensors (flattened or 2-D).
    pub(super) fn parts(&self) -> (u64, Vec<(&'static str, StateTensor<B>)>) {
        match self {
            State::Adam {
                step,
                exp_avg,
                exp_avg_sq,
            } => (
                *step,
                vec![
                    ("exp_avg", StateTensor::Flat(exp_avg.clone())),
                    ("exp_avg_sq", StateTensor::Flat(exp_avg_sq.clone())),
                ],
            ),
            State::Adafactor {
                step,
                exp_avg,
                second,
            } => {
                let mut parts = Vec::new();
                if let Some(avg) = exp_avg {
                    parts.push(("exp_avg", StateTensor::Flat(avg.clone())));
                }
                match second {
                    Second::Factored { row, col } => {
                        parts.push(("exp_avg_sq_row", StateTensor::Matrix(row.clone())));
                        parts.push(("exp_avg_sq_col", StateTensor::Matrix(col.clone())));
                    }
                    Second::Full(full) => {
                        parts.push(("exp_avg_sq", StateTensor::Flat(full.clone())))
                    }
                }
                (*step, parts)
            }
        }
    }
}

/// One named state tensor, as kept: flat or 2-D.
pub(super) enum StateTensor<B: Backend> {
    Flat(Tensor<B, 1>),
    Matrix(Tensor<B, 2>),
}

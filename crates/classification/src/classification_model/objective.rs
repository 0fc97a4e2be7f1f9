//! The training objective, chosen as Python's `init_loss` and the model's `problem_type`:
//! weighted cross-entropy (`weight`), else `loss_type` (focal, dice, tversky), else
//! cross-entropy for classes; BCE with `pos_weight` for multi-hot rows; MSE for regression.

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};
use st_models::loss::{CustomLoss, bce_with_logits, cross_entropy, mse};

use super::ClassificationError;
use super::features::Targets;

/// How a batch's loss is computed.
#[derive(Debug, Clone)]
pub(crate) enum Objective {
    CrossEntropy { weight: Option<Vec<f32>> },
    Custom(CustomLoss),
    Bce { pos_weight: Option<Vec<f32>> },
    Mse,
}

/// What the objective is chosen from.
pub(crate) struct ObjectiveChoice<'a> {
    pub num_labels: usize,
    pub multi_label: bool,
    pub regression: bool,
    pub weight: Option<Vec<f32>>,
    pub pos_weight: Option<Vec<f32>>,
    pub loss_type: Option<&'a str>,
    pub loss_args: &'a serde_json::Map<String, serde_json::Value>,
}

fn per_label(
    what: &'static str,
    values: &Option<Vec<f32>>,
    expected: usize,
) -> Result<(), ClassificationError> {
    match values {
        Some(v) if v.len() != expected => Err(ClassificationError::PerLabelCount {
            what,
            expected,
            found: v.len(),
        }),
        _ => Ok(()),
    }
}

impl Objective {
    /// The objective for a model, with every setting checked against the number of labels.
    pub(crate) fn new(choice: ObjectiveChoice<'_>) -> Result<Self, ClassificationError> {
        let n = choice.num_labels;
        per_label("weight (class weights)", &choice.weight, n)?;
        per_label("pos_weight", &choice.pos_weight, n)?;
        if choice.multi_label {
            if choice.weight.is_some() {
                return Err(ClassificationError::WrongOption {
                    option: "weight",
                    instead: "pos_weight (per-label BCE weights)",
                });
            }
            return Ok(Self::Bce {
                pos_weight: choice.pos_weight,
            });
        }
        if choice.pos_weight.is_some() {
            return Err(ClassificationError::WrongOption {
                option: "pos_weight",
                instead: "weight (class weights), or MultiLabelClassificationModel",
            });
        }
        if choice.regression {
            if choice.loss_type.is_some() {
                return Err(ClassificationError::Unsupported(
                    "loss_type with regression: focal, dice and tversky take classes",
                ));
            }
            return Ok(Self::Mse);
        }
        let custom =
            CustomLoss::for_model(choice.loss_type, choice.loss_args, choice.weight.is_some())?;
        match custom {
            Some(loss) => {
                loss.check_classes(n)?;
                Ok(Self::Custom(loss))
            }
            None => Ok(Self::CrossEntropy {
                weight: choice.weight,
            }),
        }
    }

    /// The mean loss of `logits` against the targets of rows `rows`.
    pub(crate) fn loss<B: Backend>(
        &self,
        logits: Tensor<B, 2>,
        targets: &Targets,
        rows: &[usize],
    ) -> Tensor<B, 1> {
        let device = logits.device();
        let floats = |v: &[f32]| Tensor::<B, 1>::from_floats(v, &device);
        match (self, targets) {
            (Self::Mse, Targets::Values(values)) => {
                let v: Vec<f32> = rows.iter().map(|&i| values[i]).collect();
                let [n, _] = logits.dims();
                mse(logits.reshape([n]), floats(&v))
            }
            (Self::Bce { pos_weight }, Targets::MultiHot(hot)) => {
                let flat: Vec<f32> = rows.iter().flat_map(|&i| hot[i].iter().copied()).collect();
                let [n, c] = logits.dims();
                let targets = floats(&flat).reshape([n, c]);
                bce_with_logits(logits, targets, pos_weight.as_deref().map(floats))
            }
            (objective, Targets::Classes(classes)) => {
                let ids: Vec<i64> = rows.iter().map(|&i| classes[i] as i64).collect();
                let ids = Tensor::<B, 1, Int>::from_ints(ids.as_slice(), &device);
                match objective {
                    Self::Custom(loss) => loss.forward(logits, ids),
                    Self::CrossEntropy { weight } => {
                        cross_entropy(logits, ids, weight.as_deref().map(floats))
                    }
                    _ => unreachable!("class targets are only made for a class objective"),
                }
            }
            _ => unreachable!("targets are made to match the objective"),
        }
    }
}

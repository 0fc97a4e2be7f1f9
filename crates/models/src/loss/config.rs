//! Choosing a custom loss from `loss_type` / `loss_args`, as Python's `init_loss`, with the
//! argument checks that Python leaves to a `TypeError` at construction or to the first forward
//! pass.

use burn::tensor::{Int, Tensor, backend::Backend};
use serde_json::{Map, Value};
use st_core::args::did_you_mean;

use super::{Alpha, DiceLoss, FocalLoss, Reduction, TverskyLoss};

/// The `loss_type`s there are.
pub const LOSS_TYPES: [&str; 3] = ["focal", "dice", "tversky"];

const FOCAL_KEYS: &[&str] = &["alpha", "gamma", "reduction", "ignore_index"];
const DICE_KEYS: &[&str] = &[
    "gamma",
    "scale",
    "reduction",
    "ignore_index",
    "eps",
    "smooth",
];
const TVERSKY_KEYS: &[&str] = &[
    "alpha",
    "beta",
    "gamma",
    "scale",
    "reduction",
    "ignore_index",
    "eps",
    "smooth",
];

/// What is wrong with a `loss_type` / `loss_args` pair.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LossConfigError {
    #[error(
        "loss_type {given:?} is not a loss; expected one of {}{}",
        LOSS_TYPES.join(", "),
        hint(*.suggestion)
    )]
    UnknownLossType {
        given: String,
        suggestion: Option<&'static str>,
    },
    #[error(
        "loss_args has unknown key {key:?} for loss_type {loss_type:?}, which takes {}{}",
        .accepted.join(", "),
        hint(*.suggestion)
    )]
    UnknownKey {
        loss_type: &'static str,
        key: String,
        accepted: &'static [&'static str],
        suggestion: Option<&'static str>,
    },
    #[error("loss_args key {key:?} (loss_type {loss_type:?}): expected {expected}, found {found}")]
    WrongType {
        loss_type: &'static str,
        key: &'static str,
        expected: &'static str,
        found: String,
    },
    #[error("loss_args lacks key {key:?}, which loss_type {loss_type:?} requires (a number)")]
    MissingKey {
        loss_type: &'static str,
        key: &'static str,
    },
    #[error(
        "loss_args key \"reduction\" (loss_type {loss_type:?}): {given:?} is not a reduction; \
         expected \"mean\" or \"sum\""
    )]
    InvalidReduction {
        loss_type: &'static str,
        given: String,
    },
    #[error(
        "loss_args key \"reduction\" (loss_type {loss_type:?}): {given} keeps one loss per \
         example, which cannot drive training (a backward pass needs one number); expected \
         \"mean\" or \"sum\""
    )]
    PerExampleReduction {
        loss_type: &'static str,
        given: &'static str,
    },
    #[error("loss_args key {key:?} (loss_type {loss_type:?}): {value} {reason}")]
    InvalidValue {
        loss_type: &'static str,
        key: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error(
        "loss_args key \"alpha\" (loss_type \"focal\"): {given} per-class weights for a model \
         with {num_classes} labels; expected exactly one weight per label"
    )]
    AlphaLength { given: usize, num_classes: usize },
}

fn hint(suggestion: Option<&str>) -> String {
    suggestion
        .map(|s| format!(" (did you mean \"{s}\"?)"))
        .unwrap_or_default()
}

/// A loss chosen by `loss_type` with its `loss_args`, as Python's `init_loss`.
#[derive(Debug, Clone, PartialEq)]
pub enum CustomLoss {
    Focal(FocalLoss),
    Dice(DiceLoss),
    Tversky(TverskyLoss),
}

impl CustomLoss {
    /// The loss that `loss_type` names, configured by `loss_args`; `None` when `loss_type` is
    /// `None` or empty (Python tests it for truth), whatever `loss_args` holds.
    ///
    /// Errors name the argument, the key and what was expected. Beyond Python, which accepts
    /// these and fails or misbehaves later: `reduction` `"none"` / `null` is refused (see
    /// [`Reduction`]), as is a negative `gamma` (`(1 − p)^γ` then grows without bound as a row
    /// gets right), an empty `alpha` list, and non-integer `ignore_index`. A focal `alpha`
    /// given as a JSON integer (`0`, `1`) is taken as that float, where Python refuses a
    /// Python `int`.
    pub fn from_args(
        loss_type: Option<&str>,
        loss_args: &Map<String, Value>,
    ) -> Result<Option<Self>, LossConfigError> {
        let Some(loss_type) = loss_type.filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        let loss = match loss_type {
            "focal" => CustomLoss::Focal(focal(&Args::new("focal", FOCAL_KEYS, loss_args)?)?),
            "dice" => CustomLoss::Dice(dice(&Args::new("dice", DICE_KEYS, loss_args)?)?),
            "tversky" => {
                CustomLoss::Tversky(tversky(&Args::new("tversky", TVERSKY_KEYS, loss_args)?)?)
            }
            other => {
                return Err(LossConfigError::UnknownLossType {
                    given: other.to_string(),
                    suggestion: did_you_mean(other, LOSS_TYPES),
                });
            }
        };
        Ok(Some(loss))
    }

    /// Python's `init_loss` in full: when the model also has class weights (`weight`), the
    /// weighted cross-entropy wins, with a warning, and `loss_args` is not looked at (so a
    /// mistake in it surfaces only once `weight` is dropped, as in Python).
    pub fn for_model(
        loss_type: Option<&str>,
        loss_args: &Map<String, Value>,
        has_class_weights: bool,
    ) -> Result<Option<Self>, LossConfigError> {
        match loss_type.filter(|t| !t.is_empty()) {
            Some(loss_type) if has_class_weights => {
                tracing::warn!(
                    "weight and loss_type {loss_type:?} are both set; the weighted \
                     cross-entropy is used. To use {loss_type:?}, set weight to None"
                );
                Ok(None)
            }
            loss_type => Self::from_args(loss_type, loss_args),
        }
    }

    /// Checks the loss against the model's number of labels: a per-class focal `alpha` needs
    /// exactly one weight per label. Python only fails, mid-training, when a label beyond the
    /// list turns up, and silently ignores extra weights; both are refused here.
    pub fn check_classes(&self, num_classes: usize) -> Result<(), LossConfigError> {
        match self {
            CustomLoss::Focal(FocalLoss {
                alpha: Some(Alpha::PerClass(alpha)),
                ..
            }) if alpha.len() != num_classes => Err(LossConfigError::AlphaLength {
                given: alpha.len(),
                num_classes,
            }),
            _ => Ok(()),
        }
    }

    /// The loss's `reduction` of rows whose target is not [`Self::ignore_index`].
    /// `logits` `[n, classes]`, `targets` `[n]`: class ids below `classes` or the ignore index.
    ///
    /// # Panics
    ///
    /// For a focal loss whose per-class `alpha` does not have `classes` entries, which
    /// [`Self::check_classes`] reports beforehand.
    pub fn forward<B: Backend>(
        &self,
        logits: Tensor<B, 2>,
        targets: Tensor<B, 1, Int>,
    ) -> Tensor<B, 1> {
        match self {
            CustomLoss::Focal(loss) => loss.forward(logits, targets),
            CustomLoss::Dice(loss) => loss.forward(logits, targets),
            CustomLoss::Tversky(loss) => loss.forward(logits, targets),
        }
    }

    /// The target that marks a row as not counted, which token classification also gives to
    /// positions outside the attention mask ([`super::masked_targets`]).
    ///
    /// Simple Transformers' NER labels sub-word and special-token positions -100 whatever this
    /// is; with another `ignore_index` Python hands those -100 targets to the loss, which then
    /// fails. A token-classification caller must map them to this value.
    pub fn ignore_index(&self) -> i64 {
        match self {
            CustomLoss::Focal(loss) => loss.ignore_index,
            CustomLoss::Dice(loss) => loss.ignore_index,
            CustomLoss::Tversky(loss) => loss.ignore_index,
        }
    }

    /// The `loss_type` that names this loss.
    pub fn loss_type(&self) -> &'static str {
        match self {
            CustomLoss::Focal(_) => "focal",
            CustomLoss::Dice(_) => "dice",
            CustomLoss::Tversky(_) => "tversky",
        }
    }
}

fn focal(args: &Args) -> Result<FocalLoss, LossConfigError> {
    let default = FocalLoss::default();
    let alpha = args.alpha()?;
    if let Some(Alpha::Scalar(a)) = alpha
        && !(0.0..=1.0).contains(&a)
    {
        // Python warns too, and goes on.
        tracing::warn!("focal loss alpha {a} is outside [0, 1]");
    }
    Ok(FocalLoss {
        alpha,
        gamma: args.gamma()?.unwrap_or(default.gamma),
        reduction: args.reduction()?.unwrap_or(default.reduction),
        ignore_index: args
            .integer("ignore_index")?
            .unwrap_or(default.ignore_index),
    })
}

fn dice(args: &Args) -> Result<DiceLoss, LossConfigError> {
    let default = DiceLoss::default();
    Ok(DiceLoss {
        gamma: args.gamma()?.unwrap_or(default.gamma),
        scale: args.number("scale")?.unwrap_or(default.scale),
        reduction: args.reduction()?.unwrap_or(default.reduction),
        ignore_index: args
            .integer("ignore_index")?
            .unwrap_or(default.ignore_index),
        eps: args.number("eps")?.unwrap_or(default.eps),
        smooth: args.number("smooth")?.unwrap_or(default.smooth),
    })
}

fn tversky(args: &Args) -> Result<TverskyLoss, LossConfigError> {
    let required = |key: &'static str| {
        args.number(key)?.ok_or(LossConfigError::MissingKey {
            loss_type: args.loss_type,
            key,
        })
    };
    let default = TverskyLoss::new(required("alpha")?, required("beta")?);
    Ok(TverskyLoss {
        gamma: args.gamma()?.unwrap_or(default.gamma),
        scale: args.number("scale")?.unwrap_or(default.scale),
        reduction: args.reduction()?.unwrap_or(default.reduction),
        ignore_index: args
            .integer("ignore_index")?
            .unwrap_or(default.ignore_index),
        eps: args.number("eps")?.unwrap_or(default.eps),
        smooth: args.number("smooth")?.unwrap_or(default.smooth),
        ..default
    })
}

/// `loss_args` of one loss, its keys already checked against those the loss takes.
struct Args<'a> {
    loss_type: &'static str,
    map: &'a Map<String, Value>,
}

impl<'a> Args<'a> {
    fn new(
        loss_type: &'static str,
        accepted: &'static [&'static str],
        map: &'a Map<String, Value>,
    ) -> Result<Self, LossConfigError> {
        if let Some(key) = map.keys().find(|k| !accepted.contains(&k.as_str())) {
            return Err(LossConfigError::UnknownKey {
                loss_type,
                key: key.clone(),
                accepted,
                suggestion: did_you_mean(key, accepted.iter().copied()),
            });
        }
        Ok(Self { loss_type, map })
    }

    fn wrong_type(
        &self,
        key: &'static str,
        expected: &'static str,
        found: &Value,
    ) -> LossConfigError {
        LossConfigError::WrongType {
            loss_type: self.loss_type,
            key,
            expected,
            found: describe(found),
        }
    }

    fn number(&self, key: &'static str) -> Result<Option<f64>, LossConfigError> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(other) => Err(self.wrong_type(key, "a number", other)),
        }
    }

    fn integer(&self, key: &'static str) -> Result<Option<i64>, LossConfigError> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64()),
            Some(other) => Err(self.wrong_type(key, "an integer", other)),
        }
    }

    fn gamma(&self) -> Result<Option<f64>, LossConfigError> {
        match self.number("gamma")? {
            Some(g) if g < 0.0 => Err(LossConfigError::InvalidValue {
                loss_type: self.loss_type,
                key: "gamma",
                value: g.to_string(),
                reason: "is negative; expected a number >= 0",
            }),
            gamma => Ok(gamma),
        }
    }

    fn reduction(&self) -> Result<Option<Reduction>, LossConfigError> {
        let per_example = |given| LossConfigError::PerExampleReduction {
            loss_type: self.loss_type,
            given,
        };
        match self.map.get("reduction") {
            None => Ok(None),
            Some(Value::String(s)) => match s.as_str() {
                "mean" => Ok(Some(Reduction::Mean)),
                "sum" => Ok(Some(Reduction::Sum)),
                "none" => Err(per_example("\"none\"")),
                other => Err(LossConfigError::InvalidReduction {
                    loss_type: self.loss_type,
                    given: other.to_string(),
                }),
            },
            // Dice and Tversky read `None` as "none"; focal fails on it at the first forward.
            Some(Value::Null) if self.loss_type != "focal" => Err(per_example("null")),
            Some(other) => Err(self.wrong_type("reduction", "\"mean\" or \"sum\"", other)),
        }
    }

    fn alpha(&self) -> Result<Option<Alpha>, LossConfigError> {
        const EXPECTED: &str = "null, a number or a list of numbers (one per label)";
        match self.map.get("alpha") {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64().map(Alpha::Scalar)),
            Some(Value::Array(items)) if items.is_empty() => Err(LossConfigError::InvalidValue {
                loss_type: self.loss_type,
                key: "alpha",
                value: "[]".to_string(),
                reason: "has no weights; expected one per label",
            }),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::Number(n) => n
                        .as_f64()
                        .ok_or_else(|| self.wrong_type("alpha", EXPECTED, item)),
                    other => Err(self.wrong_type("alpha", EXPECTED, other)),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(|weights| Some(Alpha::PerClass(weights))),
            Some(other) => Err(self.wrong_type("alpha", EXPECTED, other)),
        }
    }
}

/// A JSON value's type, with the value where it is short, for error messages.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) if s.chars().count() <= 40 => format!("a string ({s:?})"),
        Value::String(_) => "a string".to_string(),
        Value::Array(items) => format!("a list of {} items", items.len()),
        Value::Object(_) => "an object".to_string(),
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;

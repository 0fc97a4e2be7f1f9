//! Label typing shared by every format: class labels typed as pandas would infer them,
//! regression targets, and multi-hot lists.

use serde_json::Value;

use super::jsonl::json_kind;
use super::{Label, RawLabel, RowProblem};

/// Interprets a raw label; with `regression`, requires a number and yields a float.
pub(super) fn parse_label(raw: &RawLabel, regression: bool) -> Result<Label, RowProblem> {
    let label = match raw {
        RawLabel::Cell(cell) => label_from_str(cell)?,
        RawLabel::Json(value) => label_from_json(value)?,
    };
    if !regression {
        return Ok(label);
    }
    match label {
        Label::Int(i) => Ok(Label::Float(i as f64)),
        Label::Float(f) => Ok(Label::Float(f)),
        other @ (Label::Text(_) | Label::MultiHot(_)) => {
            Err(RowProblem::NotANumber { label: other.key() })
        }
    }
}

/// A label from text, typed as pandas would infer it: integer, else finite float, else the
/// text itself. Surrounding spaces are ignored for numbers only, so `" 1"` is `1` but text
/// labels keep their exact spelling. Non-finite values (`nan`, `inf`) stay text: they are
/// never meaningful classes or regression targets.
fn label_from_str(cell: &str) -> Result<Label, RowProblem> {
    let trimmed = cell.trim();
    if trimmed.is_empty() {
        return Err(RowProblem::EmptyLabel);
    }
    if let Ok(int) = trimmed.parse::<i64>() {
        return Ok(Label::Int(int));
    }
    match trimmed.parse::<f64>() {
        Ok(float) if float.is_finite() => Ok(Label::Float(float)),
        _ => Ok(Label::Text(cell.to_owned())),
    }
}

/// A label from a JSON value: numbers keep their JSON type; strings are read like CSV cells.
fn label_from_json(value: &Value) -> Result<Label, RowProblem> {
    match value {
        Value::Number(number) => Ok(number
            .as_i64()
            .map(Label::Int)
            .or_else(|| number.as_f64().map(Label::Float))
            .unwrap_or_else(|| Label::Text(number.to_string()))),
        Value::String(text) => label_from_str(text),
        other => Err(RowProblem::LabelType {
            found: json_kind(other),
        }),
    }
}

/// Parses a multi-hot label: a JSON list of 0/1, given directly in JSONL or as cell text.
pub(super) fn parse_multi_hot(raw: &RawLabel) -> Result<Vec<u8>, RowProblem> {
    match raw {
        RawLabel::Cell(text) => multi_hot_from_text(text),
        RawLabel::Json(Value::String(text)) => multi_hot_from_text(text),
        RawLabel::Json(value) => multi_hot_from_json(value),
    }
}

/// Parses list text such as `[1, 0, 1]` (how pandas writes list cells).
fn multi_hot_from_text(text: &str) -> Result<Vec<u8>, RowProblem> {
    let value: Value = serde_json::from_str(text).map_err(RowProblem::InvalidJson)?;
    multi_hot_from_json(&value)
}

/// Converts a JSON list of 0/1 to bytes; anything else is an error, since a stray 2 or 0.5
/// would otherwise become a wrong BCE target without notice.
fn multi_hot_from_json(value: &Value) -> Result<Vec<u8>, RowProblem> {
    let Value::Array(items) = value else {
        return Err(RowProblem::NotAList {
            found: json_kind(value),
        });
    };
    if items.is_empty() {
        return Err(RowProblem::EmptyMultiHot);
    }
    items
        .iter()
        .map(|item| match item.as_u64() {
            Some(0) => Ok(0),
            Some(1) => Ok(1),
            _ => Err(RowProblem::MultiHotValue {
                value: item.to_string(),
            }),
        })
        .collect()
}

/// Requires `hot` to have the expected length, fixing the expectation from the first row when
/// the number of labels is not given.
pub(super) fn check_length(
    hot: Vec<u8>,
    expected: &mut Option<usize>,
) -> Result<Vec<u8>, RowProblem> {
    let expected = *expected.get_or_insert(hot.len());
    if hot.len() == expected {
        Ok(hot)
    } else {
        Err(RowProblem::MultiHotLength {
            found: hot.len(),
            expected,
        })
    }
}

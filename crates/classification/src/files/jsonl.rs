//! JSON Lines files: one object per line with the conventional keys.

use serde_json::{Map, Value};
use st_core::text::TextFile;

use super::texts::numbered_lines;
use super::{DataError, Need, RawLabel, RawRow, RowProblem, named_columns};

/// Reads a JSON Lines file: every non-blank line is an object with the conventional keys.
pub(super) fn read_jsonl(file: TextFile<'_>, need: Need) -> Result<Vec<RawRow>, DataError> {
    let text = file.read_to_string()?;
    let mut rows = Vec::new();
    for (line, text) in numbered_lines(&text) {
        if text.trim().is_empty() {
            continue;
        }
        let row = serde_json::from_str(text)
            .map_err(RowProblem::InvalidJson)
            .and_then(|value| row_from_json(value, need, line))
            .map_err(|p| DataError::row(file.path, line, p))?;
        rows.push(row);
    }
    Ok(rows)
}

/// Picks the conventional keys out of one JSONL object.
fn row_from_json(value: Value, need: Need, line: usize) -> Result<RawRow, RowProblem> {
    let Value::Object(mut object) = value else {
        return Err(RowProblem::NotAnObject {
            found: json_kind(&value),
        });
    };
    let named = named_columns(|key| object.contains_key(key).then_some(()));
    let (text_key, ()) = named.text.ok_or(RowProblem::MissingKey { key: "text" })?;
    if named.text_b.is_some() && !need.pairs {
        return Err(RowProblem::PairsUnsupported);
    }
    let text_a = take_string(&mut object, text_key)?;
    let text_b = named
        .text_b
        .map(|(key, ())| take_string(&mut object, key))
        .transpose()?;
    let label = if need.label {
        let (key, ()) = named
            .label
            .ok_or(RowProblem::MissingKey { key: "labels" })?;
        object.remove(key).map(RawLabel::Json)
    } else {
        None
    };
    Ok(RawRow {
        line,
        text_a,
        text_b,
        label,
    })
}

/// Removes `key` from a JSON object, requiring a string: numbers as texts are almost always
/// a column mix-up, so they are rejected rather than stringified.
fn take_string(object: &mut Map<String, Value>, key: &'static str) -> Result<String, RowProblem> {
    match object.remove(key) {
        Some(Value::String(text)) => Ok(text),
        Some(_) => Err(RowProblem::NotAString { key }),
        None => Err(RowProblem::MissingKey { key }),
    }
}

/// A JSON value's kind, for error messages.
pub(super) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

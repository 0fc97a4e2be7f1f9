//! The JSON mechanics behind [`super::Args`]: type checks with messages that name the key,
//! "did you mean" suggestions, `not_saved_args`, and atomic writes.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::ArgsError;

/// Borrows `value` as an object or explains what it was instead.
pub(super) fn as_object(value: &Value) -> Result<&Map<String, Value>, ArgsError> {
    value.as_object().ok_or_else(|| ArgsError::NotAnObject {
        found: describe(value),
    })
}

/// Deserialises an args type from a complete JSON map.
pub(super) fn from_map<T: DeserializeOwned>(map: Map<String, Value>) -> Result<T, String> {
    serde_json::from_value(Value::Object(map)).map_err(|e| e.to_string())
}

/// Checks one override by deserialising the args with only this key replaced, so that any
/// shape the field's type accepts is accepted (an untagged enum may take a number or a list).
/// A rejected value is explained by JSON type ("expected a number, found \"fast\"") when its
/// type differs from the current value's, otherwise in serde's words; either way naming the key.
pub(super) fn check_value<T: DeserializeOwned>(
    current: &Map<String, Value>,
    key: &str,
    value: &Value,
) -> Result<(), ArgsError> {
    let mut trial = current.clone();
    trial.insert(key.to_owned(), value.clone());
    let Err(reason) = from_map::<T>(trial) else {
        return Ok(());
    };
    let old = &current[key];
    Err(if same_json_type(old, value) {
        ArgsError::InvalidValue {
            key: key.to_owned(),
            reason,
        }
    } else {
        ArgsError::TypeMismatch {
            key: key.to_owned(),
            expected: json_type(old),
            found: describe(value),
        }
    })
}

/// Whether `new` has the JSON type of `old`. Nulls pass either way (optional
/// arguments take both; serde rejects the rest), integers are accepted for
/// float arguments, but floats (even `3.0`) are not accepted for integer ones.
pub(super) fn same_json_type(old: &Value, new: &Value) -> bool {
    match (old, new) {
        (Value::Null, _) | (_, Value::Null) => true,
        (Value::Bool(_), Value::Bool(_)) => true,
        (Value::Number(o), Value::Number(n)) => o.is_f64() || !n.is_f64(),
        (Value::String(_), Value::String(_)) => true,
        (Value::Array(_), Value::Array(_)) => true,
        (Value::Object(_), Value::Object(_)) => true,
        _ => false,
    }
}

/// The JSON type of a value, phrased for "expected …" messages.
pub(super) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A short rendering of a value for "found …" messages: scalars verbatim
/// (strings quoted, shortened if long), containers by type.
pub(super) fn describe(value: &Value) -> String {
    const MAX: usize = 60;
    match value {
        Value::Array(_) | Value::Object(_) => json_type(value).to_owned(),
        Value::String(s) if s.chars().count() > MAX => {
            let head: String = s.chars().take(MAX).collect();
            format!("\"{head}…\"")
        }
        other => other.to_string(),
    }
}

/// The known key closest in spelling to `key`, if it is close enough to be a
/// plausible typo (see [`did_you_mean`]).
pub(super) fn closest_key<'a>(
    key: &str,
    known: impl Iterator<Item = &'a String>,
) -> Option<String> {
    did_you_mean(key, known.map(String::as_str)).map(str::to_owned)
}

/// The name in `known` closest in spelling to `given` (compared in lower case), if it is close
/// enough to be a plausible typo: edit distance 2, or 3 for names longer than 8 characters.
/// For "did you mean" hints in error messages about names a user wrote.
pub fn did_you_mean<'a>(given: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = if given.chars().count() > 8 { 3 } else { 2 };
    let wanted = given.to_lowercase();
    known
        .into_iter()
        .map(|k| (edit_distance(&wanted, k), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance between two strings, by characters.
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut row = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != *cb);
            row[j + 1] = substitute.min(prev[j + 1] + 1).min(row[j] + 1);
        }
        prev = row;
    }
    prev[b.len()]
}

/// Removes the keys listed in the map's own `not_saved_args` entry, plus
/// `wandb_kwargs.settings`, which Python also drops because it holds a W&B
/// object rather than plain data.
pub(super) fn remove_not_saved(map: &mut Map<String, Value>) {
    let not_saved: Vec<String> = map
        .get("not_saved_args")
        .and_then(Value::as_array)
        .map(|keys| {
            keys.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    for key in &not_saved {
        map.remove(key);
    }
    if let Some(Value::Object(wandb)) = map.get_mut("wandb_kwargs") {
        wandb.remove("settings");
    }
}

/// Keeps only the keys of `saved` that `known` has; returns the others, sorted.
pub(super) fn retain_known(
    saved: &mut Map<String, Value>,
    known: &Map<String, Value>,
) -> Vec<String> {
    let ignored: BTreeSet<String> = saved
        .keys()
        .filter(|k| !known.contains_key(*k))
        .cloned()
        .collect();
    saved.retain(|k, _| known.contains_key(k));
    ignored.into_iter().collect()
}

/// Python's training loop `pop`s `"params"` / `"layer"` out of the custom
/// group dicts, so a `model_args.json` saved after training holds groups
/// without them. Such groups cannot be applied to anything; they are dropped
/// with a warning instead of making the whole model unloadable.
pub(super) fn drop_consumed_groups(saved: &mut Map<String, Value>, path: &Path) {
    for (key, required) in [
        ("custom_parameter_groups", "params"),
        ("custom_layer_parameters", "layer"),
    ] {
        let Some(Value::Array(groups)) = saved.get_mut(key) else {
            continue;
        };
        let before = groups.len();
        groups.retain(|g| g.as_object().is_none_or(|g| g.contains_key(required)));
        let dropped = before - groups.len();
        if dropped > 0 {
            tracing::warn!(
                file = %path.display(),
                "dropping {dropped} \"{key}\" entries without \"{required}\" \
                 (Python's training loop removes that key)"
            );
        }
    }
}

/// Writes `contents` to `path` via a temporary file in the same directory and
/// a rename, so readers see either the old or the new file, never a partial one.
pub(super) fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), ArgsError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.unwrap_or_default(),
        std::process::id()
    ));
    let result = write_and_sync(&tmp, contents).and_then(|()| fs::rename(&tmp, path));
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        ArgsError::io(path, e)
    })
}

/// Creates `path` with `contents` and flushes it to disk.
pub(super) fn write_and_sync(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut file = fs::File::create(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

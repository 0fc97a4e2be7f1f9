//! Model arguments: the global options every Simple Transformers model shares
//! ([`ModelArgs`]) and the [`Args`] trait that gives every args type (global or
//! task-specific) the same JSON merge, save and load behaviour.
//!
//! Arguments travel as JSON because that is how Simple Transformers exchanges
//! them: users pass a dict of overrides, and every saved model directory holds a
//! `model_args.json` that is merged back in when the model is loaded. Merging
//! works on the serialised form of the struct, so a task args type only has to
//! `#[serde(flatten)]` a [`ModelArgs`] next to its own fields to get the same
//! behaviour without repeating the global fields.

mod checks;
mod merge;
mod model_args;
mod task;
#[cfg(test)]
mod tests;

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub use merge::did_you_mean;
use merge::{
    as_object, check_value, closest_key, describe, drop_consumed_groups, from_map,
    remove_not_saved, retain_known, write_atomically,
};
pub use model_args::{CustomLayerParameters, CustomParameterGroup, ModelArgs};
pub use task::TaskArgs;

/// Name of the file in which a model directory stores its arguments.
pub const MODEL_ARGS_FILE: &str = "model_args.json";

/// Everything that can go wrong while building, merging, saving or loading
/// arguments. Each message names the argument and/or file involved so that a
/// typo in a config file can be fixed without reading source code.
#[derive(Debug, thiserror::Error)]
pub enum ArgsError {
    /// Overrides were not a JSON object (e.g. a list or a string).
    #[error("expected a JSON object, found {found}")]
    NotAnObject {
        /// Short description of what was given instead.
        found: String,
    },
    /// An override names an argument the args type does not have.
    #[error("unknown argument \"{key}\"{}", suggestion_hint(.suggestion))]
    UnknownKey {
        /// The unknown key as written by the user.
        key: String,
        /// A known argument with a close spelling, if any.
        suggestion: Option<String>,
    },
    /// An override has a different JSON type than the argument.
    #[error("argument \"{key}\": expected {expected}, found {found}")]
    TypeMismatch {
        /// The argument name.
        key: String,
        /// The JSON type the argument takes (e.g. "a number").
        expected: &'static str,
        /// The value that was given.
        found: String,
    },
    /// An override has the right JSON type but an unusable value (e.g. a
    /// negative batch size, or an unknown key inside a parameter group).
    #[error("argument \"{key}\": {reason}")]
    InvalidValue {
        /// The argument name.
        key: String,
        /// What serde rejected, in its words.
        reason: String,
    },
    /// An argument this implementation cannot honour was set.
    #[error("argument \"{key}\" is not supported: {reason}")]
    Unsupported {
        /// The argument name.
        key: String,
        /// Why, and what to do instead.
        reason: String,
    },
    /// A JSON document could not be parsed.
    #[error("invalid JSON: {0}")]
    Json(#[source] serde_json::Error),
    /// Reading or writing a file failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Any of the errors above, found while reading or writing `path`.
    #[error("{}: {source}", .path.display())]
    InFile {
        /// The file being read or written.
        path: PathBuf,
        /// What went wrong in it.
        #[source]
        source: Box<ArgsError>,
    },
    /// The args type did not serialise to a JSON object; a bug in the type.
    #[error("arguments did not serialise to a JSON object: {0}")]
    NotSerialisable(String),
}

/// Formats the "did you mean" tail of [`ArgsError::UnknownKey`].
fn suggestion_hint(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!(" (did you mean \"{s}\"?)"))
        .unwrap_or_default()
}

impl ArgsError {
    /// Attaches the file an error was found in.
    pub(crate) fn in_file(self, path: &Path) -> Self {
        ArgsError::InFile {
            path: path.to_path_buf(),
            source: Box::new(self),
        }
    }

    /// Wraps an I/O error with its path.
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        ArgsError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// JSON merge, save and load for any args type.
///
/// Implementors must serialise to a JSON object that contains every field
/// (never `skip_serializing_if` on top-level fields): the serialised keys are
/// the list of known arguments, and the serialised values give each
/// argument's expected JSON type for error messages. Task args get all of this
/// by flattening [`ModelArgs`] into themselves and writing `impl Args for X {}`.
pub trait Args: Serialize + DeserializeOwned + Default + Clone {
    /// The arguments as a JSON object with one entry per argument.
    fn to_json_map(&self) -> Result<Map<String, Value>, ArgsError> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(other) => Err(ArgsError::NotSerialisable(describe(&other))),
            Err(err) => Err(ArgsError::NotSerialisable(err.to_string())),
        }
    }

    /// Overlays `overrides` (a JSON object of argument name to value), the
    /// equivalent of Python's `update_from_dict`.
    ///
    /// Unlike Python, unknown names are an error (a typo would otherwise be
    /// silently ignored), and values are type-checked per key. On error `self`
    /// is left unchanged.
    fn update_from_json(&mut self, overrides: &Value) -> Result<(), ArgsError> {
        let overrides = as_object(overrides)?;
        let mut merged = self.to_json_map()?;
        if let Some(key) = overrides.keys().find(|k| !merged.contains_key(*k)) {
            let suggestion = closest_key(key, merged.keys());
            return Err(ArgsError::UnknownKey {
                key: key.clone(),
                suggestion,
            });
        }
        for (key, value) in overrides {
            check_value::<Self>(&merged, key, value)?;
            merged.insert(key.clone(), value.clone());
        }
        *self = from_map(merged).map_err(|reason| ArgsError::InvalidValue {
            key: "(overrides)".into(),
            reason,
        })?;
        Ok(())
    }

    /// Defaults overlaid with a JSON object given as text.
    fn from_json_str(text: &str) -> Result<Self, ArgsError> {
        let value: Value = serde_json::from_str(text).map_err(ArgsError::Json)?;
        let mut args = Self::default();
        args.update_from_json(&value)?;
        Ok(args)
    }

    /// Defaults overlaid with a JSON file (unknown keys are errors, as for
    /// any user-written overrides); errors name the file.
    fn from_json_file(path: &Path) -> Result<Self, ArgsError> {
        let text = fs::read_to_string(path).map_err(|e| ArgsError::io(path, e))?;
        Self::from_json_str(&text).map_err(|e| e.in_file(path))
    }

    /// Writes `dir/model_args.json` (creating `dir`), leaving out the keys
    /// named in `not_saved_args`. The file is written to a temporary name and
    /// renamed so that a crash never leaves a half-written file behind.
    fn save(&self, dir: &Path) -> Result<(), ArgsError> {
        let mut map = self.to_json_map()?;
        remove_not_saved(&mut map);
        let mut text = serde_json::to_string_pretty(&Value::Object(map))
            .map_err(|e| ArgsError::NotSerialisable(e.to_string()))?;
        text.push('\n');
        fs::create_dir_all(dir).map_err(|e| ArgsError::io(dir, e))?;
        write_atomically(&dir.join(MODEL_ARGS_FILE), text.as_bytes())
    }

    /// Merges `dir/model_args.json` if it exists and returns whether it did,
    /// like Python's `args.load(model_dir)`.
    ///
    /// Files written by Python Simple Transformers (or by other tasks or
    /// versions) contain keys this type does not have; those are ignored with a
    /// single warning rather than rejected. Values of the wrong type are still
    /// errors, naming the file and the key.
    fn load_from_dir(&mut self, dir: &Path) -> Result<bool, ArgsError> {
        let path = dir.join(MODEL_ARGS_FILE);
        if !path.is_file() {
            return Ok(false);
        }
        let text = fs::read_to_string(&path).map_err(|e| ArgsError::io(&path, e))?;
        let saved: Value =
            serde_json::from_str(&text).map_err(|e| ArgsError::Json(e).in_file(&path))?;
        let mut saved = as_object(&saved).map_err(|e| e.in_file(&path))?.clone();
        let known = self.to_json_map()?;
        let ignored = retain_known(&mut saved, &known);
        if !ignored.is_empty() {
            tracing::warn!(
                file = %path.display(),
                ignored = ?ignored,
                "ignoring {} argument(s) this model type does not use",
                ignored.len()
            );
        }
        drop_consumed_groups(&mut saved, &path);
        self.update_from_json(&Value::Object(saved))
            .map_err(|e| e.in_file(&path))?;
        Ok(true)
    }
}

impl Args for ModelArgs {}

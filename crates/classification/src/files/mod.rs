//! Loading classification examples from data files (CSV, TSV, JSON Lines, plain text).
//!
//! Python's Simple Transformers takes pandas DataFrames and leaves reading files to the user;
//! this module is the file front end for the CLI and for library users, and follows the same
//! column conventions: `text` + `labels`, or `text_a` + `text_b` + `labels` for sentence pairs,
//! and otherwise — with a warning, as Python does — column 0 as the text and column 1 as the
//! label.
//!
//! Every reader takes `impl Into<TextFile>`: a plain path is read as UTF-8, and
//! [`TextFile::new`]`(path, args.encoding.as_deref())` reads it in the encoding Simple
//! Transformers' `encoding` argument names (see [`st_core::text`]). A leading byte-order mark is
//! dropped; undecodable bytes are an error naming the file, byte offset, line and encoding
//! rather than replaced, so that corrupted data never trains silently. Every error about a row
//! names the file and the 1-based line the row starts on.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde_json::Value;
use st_core::text::TextFile;

use crate::data::{Example, Label};

mod delimited;
mod errors;
mod jsonl;
mod labels;
mod texts;

pub use errors::{DataError, RowProblem};

use delimited::read_delimited;
use jsonl::read_jsonl;
use labels::{check_length, parse_label, parse_multi_hot};
use texts::read_plain_lines;

/// Supported data-file formats, chosen by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Comma-separated, RFC 4180 quoting (`"a, ""quoted"" text"`), as pandas writes it.
    Csv,
    /// Tab-separated without any quoting (Python's `quoting=3`, i.e. `csv.QUOTE_NONE`): the
    /// GLUE-style TSVs Simple Transformers users load contain bare `"` characters inside texts,
    /// which quote processing would mangle. Texts therefore cannot contain tabs or newlines.
    Tsv,
    /// One JSON object per line with the same keys as the CSV columns; blank lines are skipped.
    Jsonl,
}

/// The extensions [`FileFormat::from_path`] accepts, for the error message.
const SUPPORTED_EXTENSIONS: &str = ".csv, .tsv, .txt, .jsonl, .json-lines";

impl FileFormat {
    /// Picks the format from the file extension (case-insensitive), so callers need no extra
    /// flag: `.csv`, `.tsv`/`.txt`, `.jsonl`/`.json-lines`.
    pub fn from_path(path: &Path) -> Result<Self, DataError> {
        let extension = path
            .extension()
            .and_then(OsStr::to_str)
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("csv") => Ok(Self::Csv),
            Some("tsv" | "txt") => Ok(Self::Tsv),
            Some("jsonl" | "json-lines") => Ok(Self::Jsonl),
            _ => Err(DataError::UnsupportedExtension {
                path: path.to_path_buf(),
                extension: extension.map_or_else(|| "(none)".into(), |e| format!(".{e}")),
            }),
        }
    }
}

/// Examples read from a file, with the line each one starts on, so that checks made after
/// loading (such as [`check_labels`]) can still point the user at the offending line.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub path: PathBuf,
    pub examples: Vec<Example>,
    /// `lines[i]` is the 1-based line `examples[i]` starts on.
    pub lines: Vec<usize>,
}

/// Reads labelled examples (single texts or sentence pairs) from a CSV, TSV or JSONL file.
///
/// Labels become [`Label::Int`], [`Label::Float`] or [`Label::Text`] by what they look like;
/// with `regression` every label must be a number and becomes a [`Label::Float`].
pub fn read_examples<'a>(
    file: impl Into<TextFile<'a>>,
    regression: bool,
) -> Result<Vec<Example>, DataError> {
    load_examples(file, regression).map(|loaded| loaded.examples)
}

/// [`read_examples`], keeping each example's source line for later checks.
pub fn load_examples<'a>(
    file: impl Into<TextFile<'a>>,
    regression: bool,
) -> Result<Loaded, DataError> {
    let file = file.into();
    let path = file.path;
    let need = Need {
        label: true,
        pairs: true,
    };
    let rows = read_rows(file, need)?;
    let mut examples = Vec::with_capacity(rows.len());
    let mut lines = Vec::with_capacity(rows.len());
    for row in rows {
        let label = row
            .label
            .as_ref()
            .ok_or(RowProblem::MissingKey { key: "labels" })
            .and_then(|raw| parse_label(raw, regression))
            .map_err(|problem| DataError::row(path, row.line, problem))?;
        examples.push(Example {
            text_a: row.text_a,
            text_b: row.text_b,
            label,
        });
        lines.push(row.line);
    }
    Ok(Loaded {
        path: path.to_path_buf(),
        examples,
        lines,
    })
}

/// Checks every label of `loaded` against the model's labels (compared by [`Label::key`], as
/// `labels_map` is), naming the file and line of the first unknown one. The model checks too,
/// but can only name the example index, which is useless for finding the row in a large file.
pub fn check_labels(loaded: &Loaded, labels: &[Label]) -> Result<(), DataError> {
    let known: HashSet<String> = labels.iter().map(Label::key).collect();
    let unknown = loaded
        .examples
        .iter()
        .zip(&loaded.lines)
        .find(|(example, _)| !known.contains(&example.label.key()));
    match unknown {
        None => Ok(()),
        Some((example, &line)) => Err(DataError::row(
            &loaded.path,
            line,
            RowProblem::UnknownLabel {
                label: example.label.key(),
                known: labels.iter().map(Label::key).collect::<Vec<_>>().join(", "),
            },
        )),
    }
}

/// Reads multi-label examples: a text and a multi-hot list of 0/1 (a JSON list, also inside a
/// CSV/TSV cell, as pandas writes list columns). Every list must have `num_labels` entries, or
/// when that is unknown as many as the first row's.
pub fn read_multilabel_examples<'a>(
    file: impl Into<TextFile<'a>>,
    num_labels: Option<usize>,
) -> Result<Vec<(String, Vec<u8>)>, DataError> {
    let file = file.into();
    let path = file.path;
    let need = Need {
        label: true,
        pairs: false,
    };
    let rows = read_rows(file, need)?;
    let mut expected = num_labels;
    rows.into_iter()
        .map(|row| {
            let hot = row
                .label
                .as_ref()
                .ok_or(RowProblem::MissingKey { key: "labels" })
                .and_then(parse_multi_hot)
                .and_then(|hot| check_length(hot, &mut expected))
                .map_err(|problem| DataError::row(path, row.line, problem))?;
            Ok((row.text_a, hot))
        })
        .collect()
}

/// Reads texts to predict on. Files ending in `.txt` or without an extension hold one text per
/// line (blank lines skipped), the natural format for ad-hoc input; other extensions are read
/// as in [`read_examples`], taking the `text` (or `text_a`) column and ignoring labels.
pub fn read_texts<'a>(file: impl Into<TextFile<'a>>) -> Result<Vec<String>, DataError> {
    let file = file.into();
    let path = file.path;
    let extension = path
        .extension()
        .and_then(OsStr::to_str)
        .map(str::to_ascii_lowercase);
    if matches!(extension.as_deref(), None | Some("txt")) {
        return read_plain_lines(file);
    }
    let need = Need {
        label: false,
        pairs: false,
    };
    let rows = read_rows(file, need)?;
    Ok(rows.into_iter().map(|row| row.text_a).collect())
}

/// What the caller needs from each row; decides which columns are required.
#[derive(Debug, Clone, Copy)]
struct Need {
    /// A label column is required.
    label: bool,
    /// A `text_b` column is allowed (the result type can hold pairs).
    pairs: bool,
}

/// A label before interpretation: a CSV/TSV cell, or a JSON value from a JSONL line.
#[derive(Debug)]
enum RawLabel {
    Cell(String),
    Json(Value),
}

/// One row in format-independent form, so label parsing is shared by all formats.
#[derive(Debug)]
struct RawRow {
    line: usize,
    text_a: String,
    text_b: Option<String>,
    label: Option<RawLabel>,
}

/// Reads all rows of `file` in the format its extension names; an empty result is an error because training or
/// predicting on nothing is always a mistake (usually a wrong path or a header-only file).
fn read_rows(file: TextFile<'_>, need: Need) -> Result<Vec<RawRow>, DataError> {
    let rows = match FileFormat::from_path(file.path)? {
        format @ (FileFormat::Csv | FileFormat::Tsv) => read_delimited(file, format, need)?,
        FileFormat::Jsonl => read_jsonl(file, need)?,
    };
    if rows.is_empty() {
        return Err(DataError::Empty {
            path: file.path.to_path_buf(),
        });
    }
    Ok(rows)
}

/// The columns a header (or a JSON object) names, by Simple Transformers' conventions.
#[derive(Debug)]
struct Named<T> {
    text: Option<(&'static str, T)>,
    text_b: Option<(&'static str, T)>,
    label: Option<(&'static str, T)>,
}

/// Finds the conventional columns with `find` (a header lookup or a JSON key lookup): `text`,
/// else `text_a` (with `text_b` for pairs); `labels`, else `label`. `text_b` is only looked at
/// beside `text_a`, as in Python, where a `text` column means single-text input.
fn named_columns<T>(find: impl Fn(&str) -> Option<T>) -> Named<T> {
    let lookup = |name: &'static str| find(name).map(|found| (name, found));
    let text = lookup("text").or_else(|| lookup("text_a"));
    let text_b = match text {
        Some(("text_a", _)) => lookup("text_b"),
        _ => None,
    };
    let label = lookup("labels").or_else(|| lookup("label"));
    Named {
        text,
        text_b,
        label,
    }
}

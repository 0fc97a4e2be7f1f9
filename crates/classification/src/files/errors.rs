//! The errors of the file loaders: [`DataError`] names the file (and the line of a bad row),
//! [`RowProblem`] says what is wrong with the row.

use std::io;
use std::path::{Path, PathBuf};

use st_core::text::TextError;

use super::SUPPORTED_EXTENSIONS;

/// Why a data file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The extension names no supported format.
    #[error(
        "{}: unsupported file extension {extension}; supported: {SUPPORTED_EXTENSIONS}",
        path.display()
    )]
    UnsupportedExtension { path: PathBuf, extension: String },
    /// A row (or the header) is malformed.
    #[error("{}:{line}: {problem}", path.display())]
    Row {
        path: PathBuf,
        /// 1-based line the row starts on.
        line: usize,
        problem: RowProblem,
    },
    /// The file holds no examples (it is empty, blank or has only a header).
    #[error("{}: no examples", path.display())]
    Empty { path: PathBuf },
    /// The file is not text in its encoding, or the encoding name is unknown (the message
    /// names the file, byte offset, line and encoding).
    #[error(transparent)]
    Text(TextError),
}

/// I/O failures keep their own variant, as before encodings were supported, so that callers
/// matching on [`DataError::Io`] still see them; everything else about decoding is
/// [`DataError::Text`].
impl From<TextError> for DataError {
    fn from(error: TextError) -> Self {
        match error.split_io() {
            Ok((path, source)) => Self::Io { path, source },
            Err(text) => Self::Text(text),
        }
    }
}

impl DataError {
    /// Attaches the file and line to a row problem.
    pub(super) fn row(path: &Path, line: usize, problem: RowProblem) -> Self {
        Self::Row {
            path: path.to_path_buf(),
            line,
            problem,
        }
    }
}

/// What is wrong with one row; [`DataError::Row`] adds the file and line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RowProblem {
    #[error("missing column {column:?} (row has {fields} field{})", plural(.fields))]
    MissingColumn { column: &'static str, fields: usize },
    #[error("header has no {column:?} column (columns: {found})")]
    HeaderMissing { column: &'static str, found: String },
    #[error("missing key {key:?}")]
    MissingKey { key: &'static str },
    #[error("{key:?} is not a string")]
    NotAString { key: &'static str },
    #[error("expected a JSON object, found {found}")]
    NotAnObject { found: &'static str },
    #[error("invalid JSON: {0}")]
    InvalidJson(#[source] serde_json::Error),
    #[error("invalid CSV: {0}")]
    InvalidCsv(String),
    /// A field split out of a decoded file is not UTF-8. Files are decoded as a whole before
    /// they are split (decoding errors are [`DataError::Text`]), so this only guards the CSV
    /// reader's byte records.
    #[error("invalid UTF-8")]
    InvalidUtf8,
    #[error("sentence pairs (\"text_b\") are not supported here")]
    PairsUnsupported,
    #[error("empty label")]
    EmptyLabel,
    #[error("label must be a number or a string, found {found}")]
    LabelType { found: &'static str },
    #[error("label {label:?} is not a number (regression)")]
    NotANumber { label: String },
    #[error("label {label:?} is not in labels_list [{known}]")]
    UnknownLabel { label: String, known: String },
    #[error("multi-hot label must be a JSON list of 0/1, found {found}")]
    NotAList { found: &'static str },
    #[error("multi-hot label is empty")]
    EmptyMultiHot,
    #[error("multi-hot label value {value} is not 0 or 1")]
    MultiHotValue { value: String },
    #[error("multi-hot label has {found} values, expected {expected}")]
    MultiHotLength { found: usize, expected: usize },
}

/// `"s"` unless there is exactly one, for messages like "row has 1 field".
fn plural(n: &usize) -> &'static str {
    if *n == 1 { "" } else { "s" }
}

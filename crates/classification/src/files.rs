//! Loading classification examples from data files (CSV, TSV, JSON Lines, plain text).
//!
//! Python's Simple Transformers takes pandas DataFrames and leaves reading files to the user;
//! this module is the file front end for the CLI and for library users, and follows the same
//! column conventions: `text` + `labels`, or `text_a` + `text_b` + `labels` for sentence pairs,
//! and otherwise — with a warning, as Python does — column 0 as the text and column 1 as the
//! label.
//!
//! Files are read as UTF-8 (a leading byte-order mark is ignored); invalid UTF-8 is reported
//! with its line rather than replaced, so that corrupted data never trains silently. Every error
//! about a row names the file and the 1-based line the row starts on.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::data::{Example, Label};

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
}

impl DataError {
    /// Attaches the file and line to a row problem.
    fn row(path: &Path, line: usize, problem: RowProblem) -> Self {
        Self::Row {
            path: path.to_path_buf(),
            line,
            problem,
        }
    }

    /// Attaches the file to an I/O error; used as `map_err(DataError::io(path))`.
    fn io(path: &Path) -> impl FnOnce(io::Error) -> Self + '_ {
        move |source| Self::Io {
            path: path.to_path_buf(),
            source,
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
pub fn read_examples(path: &Path, regression: bool) -> Result<Vec<Example>, DataError> {
    load_examples(path, regression).map(|loaded| loaded.examples)
}

/// [`read_examples`], keeping each example's source line for later checks.
pub fn load_examples(path: &Path, regression: bool) -> Result<Loaded, DataError> {
    let need = Need {
        label: true,
        pairs: true,
    };
    let rows = read_rows(path, FileFormat::from_path(path)?, need)?;
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
pub fn read_multilabel_examples(
    path: &Path,
    num_labels: Option<usize>,
) -> Result<Vec<(String, Vec<u8>)>, DataError> {
    let need = Need {
        label: true,
        pairs: false,
    };
    let rows = read_rows(path, FileFormat::from_path(path)?, need)?;
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
pub fn read_texts(path: &Path) -> Result<Vec<String>, DataError> {
    let extension = path
        .extension()
        .and_then(OsStr::to_str)
        .map(str::to_ascii_lowercase);
    if matches!(extension.as_deref(), None | Some("txt")) {
        return read_plain_lines(path);
    }
    let need = Need {
        label: false,
        pairs: false,
    };
    let rows = read_rows(path, FileFormat::from_path(path)?, need)?;
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

/// Reads all rows of `path` in `format`; an empty result is an error because training or
/// predicting on nothing is always a mistake (usually a wrong path or a header-only file).
fn read_rows(path: &Path, format: FileFormat, need: Need) -> Result<Vec<RawRow>, DataError> {
    let rows = match format {
        FileFormat::Csv | FileFormat::Tsv => read_delimited(path, format, need)?,
        FileFormat::Jsonl => read_jsonl(path, need)?,
    };
    if rows.is_empty() {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
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

/// Column indices of a CSV/TSV file, with the names used in error messages.
#[derive(Debug, Clone, Copy)]
struct Layout {
    text: (&'static str, usize),
    text_b: Option<(&'static str, usize)>,
    label: Option<(&'static str, usize)>,
}

impl Layout {
    /// Python's fallback for frames without the conventional names: column 0 is the text,
    /// column 1 the label.
    fn positional(need: Need) -> Self {
        Self {
            text: ("text", 0),
            text_b: None,
            label: need.label.then_some(("labels", 1)),
        }
    }
}

/// Decides whether `first` is a header and, if so, where the columns are.
///
/// A row naming a text column (or, when labels are needed, a label column) is a header; it
/// must then name every needed column, since guessing positions next to a half-recognised
/// header would silently train on the wrong column. Otherwise there is no header.
fn header_layout(first: &[String], need: Need) -> Result<Option<Layout>, RowProblem> {
    let named = named_columns(|name| first.iter().position(|cell| cell.trim() == name));
    let recognised = named.text.is_some() || (need.label && named.label.is_some());
    if !recognised {
        return Ok(None);
    }
    let missing = |column| RowProblem::HeaderMissing {
        column,
        found: first.join(", "),
    };
    let text = named.text.ok_or_else(|| missing("text"))?;
    if need.label && named.label.is_none() {
        return Err(missing("labels"));
    }
    if named.text_b.is_some() && !need.pairs {
        return Err(RowProblem::PairsUnsupported);
    }
    Ok(Some(Layout {
        text,
        text_b: named.text_b,
        label: named.label.filter(|_| need.label),
    }))
}

/// Reads a CSV or TSV file with the `csv` crate (proper quoting for CSV; none for TSV, see
/// [`FileFormat::Tsv`]). Rows may have any number of fields: extra ones are ignored and
/// missing ones are reported with the row's line. The file is read into memory first so that
/// line numbers can be computed from byte offsets (see [`LineIndex`]).
fn read_delimited(path: &Path, format: FileFormat, need: Need) -> Result<Vec<RawRow>, DataError> {
    let bytes = fs::read(path).map_err(DataError::io(path))?;
    let mut records = Records::new(&bytes, format, path);
    let Some((line, first)) = records.next_fields()? else {
        return Ok(Vec::new());
    };
    let header = header_layout(&first, need).map_err(|p| DataError::row(path, line, p))?;
    let mut rows = Vec::new();
    let layout = match header {
        Some(layout) => layout,
        None => {
            warn_positional(path);
            let layout = Layout::positional(need);
            let row = row_from_fields(first, &layout, line);
            rows.push(row.map_err(|p| DataError::row(path, line, p))?);
            layout
        }
    };
    while let Some((line, fields)) = records.next_fields()? {
        let row = row_from_fields(fields, &layout, line);
        rows.push(row.map_err(|p| DataError::row(path, line, p))?);
    }
    Ok(rows)
}

/// Warns, once per file, that columns are taken by position — Python's behaviour, and a
/// common source of silently wrong training when a header is misspelt.
fn warn_positional(path: &Path) {
    tracing::warn!(
        "{}: no header with \"text\"/\"text_a\" and \"labels\" columns; using column 0 as the \
         text and column 1 as the label",
        path.display()
    );
}

/// Records of an in-memory CSV/TSV file, each with the line it starts on.
struct Records<'a> {
    reader: csv::Reader<&'a [u8]>,
    record: csv::ByteRecord,
    lines: LineIndex<'a>,
    path: &'a Path,
}

impl<'a> Records<'a> {
    fn new(bytes: &'a [u8], format: FileFormat, path: &'a Path) -> Self {
        let delimiter = if format == FileFormat::Tsv {
            b'\t'
        } else {
            b','
        };
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .quoting(format == FileFormat::Csv)
            .from_reader(bytes);
        Self {
            reader,
            record: csv::ByteRecord::new(),
            lines: LineIndex::new(bytes),
            path,
        }
    }

    /// The next record as its start line and UTF-8 fields; `None` at the end of the file.
    /// Reading from memory, `csv` has no I/O to fail on, so its errors are reported as
    /// malformed rows.
    fn next_fields(&mut self) -> Result<Option<(usize, Vec<String>)>, DataError> {
        let path = self.path;
        let more = match self.reader.read_byte_record(&mut self.record) {
            Ok(more) => more,
            Err(err) => {
                let line = err.position().map_or(0, |p| self.lines.line_at(p.byte()));
                let problem = RowProblem::InvalidCsv(err.to_string());
                return Err(DataError::row(path, line, problem));
            }
        };
        if !more {
            return Ok(None);
        }
        let byte = self.record.position().map_or(0, csv::Position::byte);
        let line = self.lines.line_at(byte);
        let fields = decode_fields(&self.record).map_err(|p| DataError::row(path, line, p))?;
        Ok(Some((line, fields)))
    }
}

/// Maps the byte offsets of successive records to 1-based line numbers.
///
/// `csv`'s own `Position::line` is wrong after blank lines (BurntSushi/rust-csv#208), and a
/// record's offset may point at the blank lines skipped before it; so line ends right at the
/// offset are passed over (a record never starts with one) and newlines are counted up to it.
struct LineIndex<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> LineIndex<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// The line of the record at `byte`. Offsets never decrease between calls, as records
    /// are read in order; if one did, the last line would be returned again.
    fn line_at(&mut self, byte: u64) -> usize {
        let byte = usize::try_from(byte).unwrap_or(usize::MAX);
        let rest = self.bytes.get(byte..).unwrap_or_default();
        let start = byte
            + rest
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
        if let Some(passed) = self.bytes.get(self.offset..start) {
            self.line += passed.iter().filter(|&&b| b == b'\n').count();
            self.offset = start;
        }
        self.line
    }
}

/// Decodes every field as UTF-8; the reader works on bytes so that bad encoding is reported
/// by line instead of aborting with a byte offset.
fn decode_fields(record: &csv::ByteRecord) -> Result<Vec<String>, RowProblem> {
    record
        .iter()
        .map(|field| {
            std::str::from_utf8(field)
                .map(str::to_owned)
                .map_err(|_| RowProblem::InvalidUtf8)
        })
        .collect()
}

/// Picks the layout's columns out of a CSV/TSV row.
fn row_from_fields(
    mut fields: Vec<String>,
    layout: &Layout,
    line: usize,
) -> Result<RawRow, RowProblem> {
    let count = fields.len();
    let mut take = |(column, index): (&'static str, usize)| {
        fields
            .get_mut(index)
            .map(std::mem::take)
            .ok_or(RowProblem::MissingColumn {
                column,
                fields: count,
            })
    };
    let text_a = take(layout.text)?;
    let text_b = layout.text_b.map(&mut take).transpose()?;
    let label = layout.label.map(&mut take).transpose()?;
    Ok(RawRow {
        line,
        text_a,
        text_b,
        label: label.map(RawLabel::Cell),
    })
}

/// Reads a JSON Lines file: every non-blank line is an object with the conventional keys.
fn read_jsonl(path: &Path, need: Need) -> Result<Vec<RawRow>, DataError> {
    let bytes = fs::read(path).map_err(DataError::io(path))?;
    let mut rows = Vec::new();
    for (line, raw) in numbered_lines(&bytes) {
        let row = decode_line(raw).and_then(|text| {
            if text.trim().is_empty() {
                return Ok(None);
            }
            let value = serde_json::from_str(text).map_err(RowProblem::InvalidJson)?;
            row_from_json(value, need, line).map(Some)
        });
        if let Some(row) = row.map_err(|p| DataError::row(path, line, p))? {
            rows.push(row);
        }
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
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Reads a plain-text file: one text per line, blank lines skipped.
fn read_plain_lines(path: &Path) -> Result<Vec<String>, DataError> {
    let bytes = fs::read(path).map_err(DataError::io(path))?;
    let mut texts = Vec::new();
    for (line, raw) in numbered_lines(&bytes) {
        let text = decode_line(raw).map_err(|p| DataError::row(path, line, p))?;
        if !text.trim().is_empty() {
            texts.push(text.to_owned());
        }
    }
    if texts.is_empty() {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(texts)
}

/// Splits a file into lines numbered from 1, dropping `\r` of CRLF line ends.
fn numbered_lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    bytes.split(|&b| b == b'\n').enumerate().map(|(i, line)| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        (i + 1, line)
    })
}

/// Decodes one line as UTF-8, dropping a byte-order mark (only ever present on line 1).
fn decode_line(raw: &[u8]) -> Result<&str, RowProblem> {
    std::str::from_utf8(raw)
        .map(|text| text.trim_start_matches('\u{feff}'))
        .map_err(|_| RowProblem::InvalidUtf8)
}

/// Interprets a raw label; with `regression`, requires a number and yields a float.
fn parse_label(raw: &RawLabel, regression: bool) -> Result<Label, RowProblem> {
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
fn parse_multi_hot(raw: &RawLabel) -> Result<Vec<u8>, RowProblem> {
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
fn check_length(hot: Vec<u8>, expected: &mut Option<usize>) -> Result<Vec<u8>, RowProblem> {
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

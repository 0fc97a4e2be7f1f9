//! Sequence-to-sequence rows and the files they come from.
//!
//! Python takes a DataFrame with `input_text` and `target_text` columns (T5 adds `prefix`);
//! here the same rows come from TSV, CSV (quoted) or JSON Lines files, chosen by extension.
//! A delimited file's first row is a header when it names the columns (any order, other
//! columns ignored); otherwise the columns are taken by position (`input_text, target_text`,
//! or `prefix, input_text, target_text`), with a warning. Every error names the file and the
//! row's line.

use std::path::{Path, PathBuf};

use serde_json::Value;
use st_core::text::{Delimiter, RecordProblem, Records, TextError, TextFile};

/// One training or evaluation pair.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Seq2SeqExample {
    /// T5's task prefix (`"translate English to German"`); `None` for other models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    pub input_text: String,
    pub target_text: String,
}

impl Seq2SeqExample {
    /// A pair without a prefix.
    pub fn new(input_text: impl Into<String>, target_text: impl Into<String>) -> Self {
        Self {
            prefix: None,
            input_text: input_text.into(),
            target_text: target_text.into(),
        }
    }

    /// A T5 row: `prefix`, input and target.
    pub fn with_prefix(
        prefix: impl Into<String>,
        input_text: impl Into<String>,
        target_text: impl Into<String>,
    ) -> Self {
        Self {
            prefix: Some(prefix.into()),
            ..Self::new(input_text, target_text)
        }
    }
}

/// Why a data file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error(transparent)]
    Text(#[from] TextError),
    #[error(
        "{}: unsupported file extension {extension:?}; give .tsv, .csv or .jsonl rows with \
         input_text and target_text",
        path.display()
    )]
    UnsupportedExtension { path: PathBuf, extension: String },
    #[error("{}:{line}: {problem}", path.display())]
    Row {
        path: PathBuf,
        line: usize,
        problem: String,
    },
    #[error("{}: no rows", path.display())]
    Empty { path: PathBuf },
}

/// The columns a row needs, in positional order.
fn columns(with_prefix: bool) -> &'static [&'static str] {
    if with_prefix {
        &["prefix", "input_text", "target_text"]
    } else {
        &["input_text", "target_text"]
    }
}

/// Read the rows of `file` (`.tsv`, `.csv`, `.jsonl`/`.json` JSON Lines); `with_prefix` for
/// T5's rows.
pub fn read_examples<'a>(
    file: impl Into<TextFile<'a>>,
    with_prefix: bool,
) -> Result<Vec<Seq2SeqExample>, DataError> {
    let file = file.into();
    let path = file.path;
    let extension = (path.extension().and_then(|e| e.to_str()))
        .unwrap_or_default()
        .to_ascii_lowercase();
    let text = file.read_to_string()?;
    let rows = match extension.as_str() {
        "tsv" => read_delimited(&text, Delimiter::Tab, path, with_prefix)?,
        "csv" => read_delimited(&text, Delimiter::Comma, path, with_prefix)?,
        "jsonl" | "json" => read_jsonl(&text, path, with_prefix)?,
        _ => {
            return Err(DataError::UnsupportedExtension {
                path: path.to_path_buf(),
                extension,
            });
        }
    };
    if rows.is_empty() {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(rows)
}

fn row_error(path: &Path, line: usize, problem: impl ToString) -> DataError {
    DataError::Row {
        path: path.to_path_buf(),
        line,
        problem: problem.to_string(),
    }
}

/// A row from its fields in positional order.
fn example(mut fields: Vec<String>, with_prefix: bool) -> Seq2SeqExample {
    let target_text = fields.pop().unwrap_or_default();
    let input_text = fields.pop().unwrap_or_default();
    Seq2SeqExample {
        prefix: if with_prefix { fields.pop() } else { None },
        input_text,
        target_text,
    }
}

fn read_delimited(
    text: &str,
    delimiter: Delimiter,
    path: &Path,
    with_prefix: bool,
) -> Result<Vec<Seq2SeqExample>, DataError> {
    let names = columns(with_prefix);
    let mut records = Records::new(text, delimiter);
    let mut next = || {
        (records.next_fields())
            .map_err(|(line, problem): (usize, RecordProblem)| row_error(path, line, problem))
    };
    let Some((line, first)) = next()? else {
        return Ok(Vec::new());
    };
    let named: Vec<Option<usize>> = (names.iter())
        .map(|name| first.iter().position(|cell| cell.trim() == *name))
        .collect();
    let mut rows = Vec::new();
    let indices: Vec<usize> = if named.iter().any(Option::is_some) {
        if let Some(missing) = names.iter().zip(&named).find(|(_, i)| i.is_none()) {
            let found = first.join(", ");
            let problem = format!("header has no {:?} column (columns: {found})", missing.0);
            return Err(row_error(path, line, problem));
        }
        named.into_iter().flatten().collect()
    } else {
        tracing::warn!(
            "{}: no header naming {}; taking the columns in that order",
            path.display(),
            names.join(", ")
        );
        let indices: Vec<usize> = (0..names.len()).collect();
        rows.push(pick(first, &indices, names, path, line, with_prefix)?);
        indices
    };
    while let Some((line, fields)) = next()? {
        rows.push(pick(fields, &indices, names, path, line, with_prefix)?);
    }
    Ok(rows)
}

/// The row made of `fields` at `indices` (one per column of `names`).
fn pick(
    mut fields: Vec<String>,
    indices: &[usize],
    names: &[&str],
    path: &Path,
    line: usize,
    with_prefix: bool,
) -> Result<Seq2SeqExample, DataError> {
    let count = fields.len();
    let picked = (indices.iter().zip(names))
        .map(|(&i, name)| {
            (fields.get_mut(i).map(std::mem::take)).ok_or_else(|| {
                let problem = format!("missing column {name:?} (row has {count} fields)");
                row_error(path, line, problem)
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(example(picked, with_prefix))
}

fn read_jsonl(
    text: &str,
    path: &Path,
    with_prefix: bool,
) -> Result<Vec<Seq2SeqExample>, DataError> {
    let names = columns(with_prefix);
    let mut rows = Vec::new();
    for (index, line_text) in text.lines().enumerate() {
        let line = index + 1;
        if line_text.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(line_text)
            .map_err(|e| row_error(path, line, format!("invalid JSON: {e}")))?;
        let Value::Object(object) = value else {
            return Err(row_error(path, line, "expected a JSON object"));
        };
        let fields = (names.iter())
            .map(|&key| match object.get(key) {
                Some(Value::String(s)) => Ok(s.clone()),
                Some(_) => Err(row_error(path, line, format!("{key:?} is not a string"))),
                None => Err(row_error(path, line, format!("missing key {key:?}"))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        rows.push(example(fields, with_prefix));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn headers_name_the_columns_in_any_order() {
        let (_d, path) = write("a.tsv", "target_text\tinput_text\nHallo\tHello\n");
        let rows = read_examples(&path, false).unwrap();
        assert_eq!(rows, vec![Seq2SeqExample::new("Hello", "Hallo")]);
        let (_d, path) = write(
            "b.csv",
            "prefix,input_text,target_text\n\"translate\",\"a, b\",c\n",
        );
        let rows = read_examples(&path, true).unwrap();
        assert_eq!(
            rows,
            vec![Seq2SeqExample::with_prefix("translate", "a, b", "c")]
        );
    }

    #[test]
    fn without_a_header_columns_are_positional() {
        let (_d, path) = write("a.tsv", "Hello\tHallo\nYes\tJa\n");
        let rows = read_examples(&path, false).unwrap();
        assert_eq!(rows[1], Seq2SeqExample::new("Yes", "Ja"));
    }

    #[test]
    fn bad_rows_name_file_and_line() {
        let (_d, path) = write("a.tsv", "input_text\ttarget_text\nHello\tHallo\nalone\n");
        let err = read_examples(&path, false).unwrap_err().to_string();
        assert!(err.ends_with("a.tsv:3: missing column \"target_text\" (row has 1 fields)"));
        let (_d, path) = write("a.tsv", "input_text\tlabels\nHello\tHallo\n");
        let err = read_examples(&path, false).unwrap_err().to_string();
        assert!(
            err.contains("a.tsv:1: header has no \"target_text\" column"),
            "{err}"
        );
        let (_d, path) = write("a.jsonl", "{\"input_text\": \"a\", \"target_text\": 3}\n");
        let err = read_examples(&path, false).unwrap_err().to_string();
        assert!(
            err.ends_with("a.jsonl:1: \"target_text\" is not a string"),
            "{err}"
        );
        let (_d, path) = write("a.txt", "x");
        assert!(matches!(
            read_examples(&path, false),
            Err(DataError::UnsupportedExtension { .. })
        ));
        let (_d, path) = write("a.jsonl", "\n\n");
        assert!(matches!(
            read_examples(&path, false),
            Err(DataError::Empty { .. })
        ));
    }
}

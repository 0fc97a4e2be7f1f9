//! Lazy loading (`lazy_loading`): training examples stay on disk. One pass indexes the byte
//! offset of every data line of a delimited file — and validates it, so that a bad line is an
//! error naming the file and line before training starts — then each batch reads only its own
//! lines. Columns and the header skip follow Simple Transformers' `lazy_*` arguments.

use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::args::ClassificationArgs;
use crate::data::{Example, Label};

/// A bad line of a lazily read file.
#[derive(Debug, thiserror::Error)]
#[error("{}:{line}: {message}", .path.display())]
pub struct LazyError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

/// Which columns hold the text(s) and the label.
#[derive(Debug, Clone, Copy)]
struct Columns {
    text_a: usize,
    text_b: Option<usize>,
    label: usize,
}

/// A delimited file indexed by line offsets.
#[derive(Debug)]
pub struct LazyFile {
    path: PathBuf,
    /// Byte offset and 1-based line number of each example.
    lines: Vec<(u64, usize)>,
    delimiter: String,
    columns: Columns,
}

impl LazyFile {
    /// Index `path`, skipping the first `lazy_loading_start_line` lines and blank lines, and
    /// check every example with `validate` (which says what is wrong with it).
    pub fn index(
        path: &Path,
        args: &ClassificationArgs,
        validate: &dyn Fn(&Example) -> Result<(), String>,
    ) -> Result<Self, LazyError> {
        let columns = match (args.lazy_text_a_column, args.lazy_text_b_column) {
            (Some(a), Some(b)) => Columns {
                text_a: a,
                text_b: Some(b),
                label: args.lazy_labels_column,
            },
            _ => Columns {
                text_a: args.lazy_text_column,
                text_b: None,
                label: args.lazy_labels_column,
            },
        };
        let mut file = LazyFile {
            path: path.to_path_buf(),
            lines: Vec::new(),
            delimiter: args.lazy_delimiter.clone(),
            columns,
        };
        let error = |line: usize, message: String| LazyError {
            path: path.to_path_buf(),
            line,
            message,
        };
        let handle = std::fs::File::open(path).map_err(|e| error(0, e.to_string()))?;
        let mut reader = BufReader::new(handle);
        let (mut offset, mut number) = (0u64, 0usize);
        let mut buffer = String::new();
        loop {
            buffer.clear();
            let read = reader
                .read_line(&mut buffer)
                .map_err(|e| error(number + 1, e.to_string()))?;
            if read == 0 {
                break;
            }
            number += 1;
            let start = offset;
            offset += read as u64;
            let text = buffer.trim_end_matches(['\n', '\r']);
            if number <= args.lazy_loading_start_line || text.trim().is_empty() {
                continue;
            }
            let example = file.parse(text).map_err(|m| error(number, m))?;
            validate(&example).map_err(|m| error(number, m))?;
            file.lines.push((start, number));
        }
        if file.lines.is_empty() {
            return Err(error(number, "no examples".into()));
        }
        Ok(file)
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether the file has no examples (never true for an indexed file).
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    fn parse(&self, line: &str) -> Result<Example, String> {
        let cells: Vec<&str> = line.split(self.delimiter.as_str()).collect();
        let cell = |index: usize, what: &str| {
            cells.get(index).copied().ok_or_else(|| {
                format!(
                    "no {what} column {index} (the line has {} field(s))",
                    cells.len()
                )
            })
        };
        let label = parse_label(cell(self.columns.label, "label")?);
        let text_a = cell(self.columns.text_a, "text")?.to_string();
        Ok(match self.columns.text_b {
            Some(b) => Example::pair(text_a, cell(b, "text_b")?, label),
            None => Example::new(text_a, label),
        })
    }

    /// The examples at `indices`, read from disk.
    pub fn examples(&self, indices: &[usize]) -> Result<Vec<Example>, LazyError> {
        let mut handle = std::fs::File::open(&self.path).map_err(|e| LazyError {
            path: self.path.clone(),
            line: 0,
            message: e.to_string(),
        })?;
        indices
            .iter()
            .map(|&i| {
                let (offset, line) = self.lines[i];
                let error = |message: String| LazyError {
                    path: self.path.clone(),
                    line,
                    message,
                };
                handle
                    .seek(SeekFrom::Start(offset))
                    .map_err(|e| error(e.to_string()))?;
                let mut text = String::new();
                BufReader::new(&mut handle)
                    .read_line(&mut text)
                    .map_err(|e| error(e.to_string()))?;
                self.parse(text.trim_end_matches(['\n', '\r']))
                    .map_err(error)
            })
            .collect()
    }
}

/// A label cell: an integer, else a number, else text (Python's lazy loader uses `int()`, or
/// `float()` for regression; names go through `labels_map` as elsewhere).
fn parse_label(cell: &str) -> Label {
    let trimmed = cell.trim();
    if let Ok(i) = trimmed.parse::<i64>() {
        Label::Int(i)
    } else if let Ok(f) = trimmed.parse::<f64>() {
        Label::Float(f)
    } else {
        Label::Text(cell.to_string())
    }
}

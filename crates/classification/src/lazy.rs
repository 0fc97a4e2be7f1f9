//! Lazy loading (`lazy_loading`): training examples stay on disk. One pass indexes the byte
//! offset of every data line of a delimited file — and validates it, so that a bad line is an
//! error naming the file and line before training starts — then each batch reads only its own
//! lines. Columns and the header skip follow Simple Transformers' `lazy_*` arguments.
//!
//! The file is read in the encoding `args.model.encoding` names. Lines are found by their `\n`
//! bytes and decoded one at a time, so the encoding must be ASCII-compatible (UTF-16 is
//! refused with an error saying so); see [`st_core::text`].

use std::path::{Path, PathBuf};

use st_core::text::{LineDecoder, TextError, TextFile, TextProblem};

use crate::args::ClassificationArgs;
use crate::data::{Example, Label};

/// A bad line of a lazily read file.
#[derive(Debug, thiserror::Error)]
#[error("{}{}: {message}", .path.display(), line_suffix(*.line))]
pub struct LazyError {
    pub path: PathBuf,
    /// 1-based line; 0 when the problem is with the whole file (it cannot be opened, or its
    /// encoding is unknown or unfit for line-by-line reading).
    pub line: usize,
    pub message: String,
}

/// `":line"`, or nothing for a whole-file problem.
fn line_suffix(line: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(":{line}")
    }
}

impl LazyError {
    /// A decoding or reading problem, at the line it names (if any). The problem is kept
    /// without the path, which `LazyError` prints itself.
    fn text(error: TextError, line: usize) -> Self {
        let line = match &error.problem {
            TextProblem::Invalid { line, .. } => *line,
            _ => line,
        };
        Self {
            path: error.path,
            line,
            message: error.problem.to_string(),
        }
    }
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
    /// The file and its encoding, to read batches with.
    text: LineDecoder,
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
        let source = TextFile::new(path, args.model.encoding.as_deref());
        let text = source.line_decoder().map_err(|e| LazyError::text(e, 0))?;
        let mut file = LazyFile {
            text,
            lines: Vec::new(),
            delimiter: args.lazy_delimiter.clone(),
            columns,
        };
        let error = |line: usize, message: String| LazyError {
            path: path.to_path_buf(),
            line,
            message,
        };
        let mut lines = file.text.lines().map_err(|e| LazyError::text(e, 0))?;
        let mut number = 0;
        while let Some(line) = lines
            .next_line()
            .map_err(|e| LazyError::text(e, number + 1))?
        {
            number = line.number;
            if number <= args.lazy_loading_start_line {
                continue;
            }
            let text = file
                .text
                .decode(&line)
                .map_err(|e| LazyError::text(e, number))?;
            if text.trim().is_empty() {
                continue;
            }
            let example = file.parse(&text).map_err(|m| error(number, m))?;
            validate(&example).map_err(|m| error(number, m))?;
            file.lines.push((line.offset, number));
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
        let mut lines = self.text.lines().map_err(|e| LazyError::text(e, 0))?;
        indices
            .iter()
            .map(|&i| {
                let (offset, number) = self.lines[i];
                let error = |message: String| LazyError {
                    path: self.text.path().to_path_buf(),
                    line: number,
                    message,
                };
                lines
                    .seek(offset, number)
                    .map_err(|e| LazyError::text(e, number))?;
                let line = lines
                    .next_line()
                    .map_err(|e| LazyError::text(e, number))?
                    .ok_or_else(|| error("the file changed after it was indexed".into()))?;
                let text = self
                    .text
                    .decode(&line)
                    .map_err(|e| LazyError::text(e, number))?;
                self.parse(&text).map_err(error)
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

//! CSV and TSV files: header detection by Simple Transformers' column names, positional
//! fallback, and row start lines computed from byte offsets.

use std::path::Path;

use st_core::text::{Delimiter, RecordProblem, TextFile};

use super::{DataError, FileFormat, Need, RawLabel, RawRow, RowProblem, named_columns};

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
/// missing ones are reported with the row's line. The file is decoded into memory first (in
/// its encoding, to UTF-8, which keeps every line end), so that the `csv` crate sees UTF-8 and
/// line numbers can be computed from byte offsets of the decoded text (see [`LineIndex`]).
pub(super) fn read_delimited(
    file: TextFile<'_>,
    format: FileFormat,
    need: Need,
) -> Result<Vec<RawRow>, DataError> {
    let path = file.path;
    let text = file.read_to_string()?;
    let mut records = Records::new(&text, format, path);
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

/// The records of `text` with their lines; a malformed one is an error naming `path`'s line.
struct Records<'a> {
    inner: st_core::text::Records<'a>,
    path: &'a Path,
}

impl<'a> Records<'a> {
    fn new(text: &'a str, format: FileFormat, path: &'a Path) -> Self {
        let delimiter = if format == FileFormat::Tsv {
            Delimiter::Tab
        } else {
            Delimiter::Comma
        };
        Self {
            inner: st_core::text::Records::new(text, delimiter),
            path,
        }
    }

    fn next_fields(&mut self) -> Result<Option<(usize, Vec<String>)>, DataError> {
        self.inner.next_fields().map_err(|(line, problem)| {
            let problem = match problem {
                RecordProblem::InvalidCsv(message) => RowProblem::InvalidCsv(message),
                RecordProblem::InvalidUtf8 => RowProblem::InvalidUtf8,
            };
            DataError::row(self.path, line, problem)
        })
    }
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

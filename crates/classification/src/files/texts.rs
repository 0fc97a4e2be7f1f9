//! Plain-text files of one text per line, and the line splitting JSON Lines shares.

use std::fs;
use std::path::Path;

use super::{DataError, RowProblem};

/// Reads a plain-text file: one text per line, blank lines skipped.
pub(super) fn read_plain_lines(path: &Path) -> Result<Vec<String>, DataError> {
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
pub(super) fn numbered_lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    bytes.split(|&b| b == b'\n').enumerate().map(|(i, line)| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        (i + 1, line)
    })
}

/// Decodes one line as UTF-8, dropping a byte-order mark (only ever present on line 1).
pub(super) fn decode_line(raw: &[u8]) -> Result<&str, RowProblem> {
    std::str::from_utf8(raw)
        .map(|text| text.trim_start_matches('\u{feff}'))
        .map_err(|_| RowProblem::InvalidUtf8)
}

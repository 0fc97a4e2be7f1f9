//! Plain-text files of one text per line, and the line splitting JSON Lines shares.

use st_core::text::TextFile;

use super::DataError;

/// Reads a plain-text file: one text per line, blank lines skipped.
pub(super) fn read_plain_lines(file: TextFile<'_>) -> Result<Vec<String>, DataError> {
    let text = file.read_to_string()?;
    let texts: Vec<String> = numbered_lines(&text)
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(_, line)| line.to_owned())
        .collect();
    if texts.is_empty() {
        return Err(DataError::Empty {
            path: file.path.to_path_buf(),
        });
    }
    Ok(texts)
}

/// Splits decoded text into lines numbered from 1, dropping `\r` of CRLF line ends.
pub(super) fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n').enumerate().map(|(i, line)| {
        let line = line.strip_suffix('\r').unwrap_or(line);
        (i + 1, line)
    })
}

//! Reading user data files in the encoding the `encoding` argument names.
//!
//! Simple Transformers passes `args.encoding` to Python's `open(path, encoding=...)`; here
//! [`TextFile`] pairs a path with that name and every reader of user files (classification
//! CSV/TSV/JSONL, CoNLL, SQuAD) goes through it, whole-file or line by line for lazy loading
//! ([`LineDecoder`]).
//!
//! Names are Python's (case-insensitive, `-`, `_` and spaces alike): `utf-8` (the default),
//! `utf-8-sig`, `latin-1`/`iso-8859-1`, `ascii`, `cp1252`, `utf-16` (byte order from the
//! byte-order mark, which must be there), `utf-16-le`, `utf-16-be`, and every other label
//! `encoding_rs` knows (`shift_jis`, `gbk`, `gb18030`, `big5`, `euc-kr`, `euc-jp`, `koi8-r`,
//! `windows-1250`…). Those others follow the WHATWG tables, which can differ from Python's
//! codecs in rare code points (WHATWG's `shift_jis` is Microsoft's cp932, for instance).
//!
//! Decisions:
//! - Decoding is strict, as Python's default `errors="strict"`: the first undecodable byte is
//!   an error naming the file, the byte offset, the line and the encoding. Nothing is ever
//!   replaced by U+FFFD.
//! - `latin-1` is true ISO-8859-1 (bytes 0x80–0x9F are U+0080–U+009F), as in Python, not
//!   WHATWG's windows-1252 that `encoding_rs` gives for that label; `cp1252` fails on the five
//!   bytes Python leaves undefined.
//! - A byte-order mark (U+FEFF) at the very start of a file is dropped under every encoding,
//!   not only `utf-8-sig`. Python keeps it under `utf-8`, where it ends up glued to the first
//!   column name or word (`"\ufefftext"`) and silently breaks header detection; pandas drops
//!   it too. U+FEFF anywhere else is kept.
//! - `utf-16` without a byte-order mark is an error asking for `utf-16-le` or `utf-16-be`,
//!   where Python would guess the machine's byte order and read a big-endian file as garbage.

mod encoding;
mod lines;
pub mod records;

#[cfg(test)]
mod tests;

use std::io;
use std::path::{Path, PathBuf};

pub use encoding::{Malformed, TextEncoding, UnknownEncoding};
pub use lines::{LineDecoder, Lines, RawLine};
pub use records::{Delimiter, RecordProblem, Records};

/// A data file and the encoding to read it in (`None` = UTF-8). Readers take
/// `impl Into<TextFile>`, so a plain `&Path` still means a UTF-8 file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextFile<'a> {
    pub path: &'a Path,
    /// The `encoding` argument as given, Python's codec name; `None` is UTF-8.
    pub encoding: Option<&'a str>,
}

impl<'a> From<&'a Path> for TextFile<'a> {
    fn from(path: &'a Path) -> Self {
        Self::new(path, None)
    }
}

impl<'a> From<&'a PathBuf> for TextFile<'a> {
    fn from(path: &'a PathBuf) -> Self {
        Self::new(path, None)
    }
}

impl<'a> From<&'a str> for TextFile<'a> {
    fn from(path: &'a str) -> Self {
        Self::new(Path::new(path), None)
    }
}

impl<'a> TextFile<'a> {
    /// `path` in `encoding`, typically `args.encoding.as_deref()`.
    pub fn new(path: &'a Path, encoding: Option<&'a str>) -> Self {
        Self { path, encoding }
    }

    /// Attaches the file to a problem.
    pub fn error(&self, problem: TextProblem) -> TextError {
        TextError {
            path: self.path.to_path_buf(),
            problem,
        }
    }

    /// The encoding the name stands for; an unknown name is an error naming the file it was
    /// meant for.
    pub fn text_encoding(&self) -> Result<TextEncoding, TextError> {
        TextEncoding::from_arg(self.encoding).map_err(|e| self.error(TextProblem::Unknown(e)))
    }

    /// The whole file as text. The encoding name is checked before the file is opened, so a
    /// misspelt name fails at once rather than after reading a large file.
    pub fn read_to_string(&self) -> Result<String, TextError> {
        let encoding = self.text_encoding()?;
        let bytes = std::fs::read(self.path).map_err(|e| self.error(TextProblem::Io(e)))?;
        // An empty file has no byte-order mark to give, and needs none: it is empty in any
        // byte order (Python reads it as "" too).
        let has_bom = matches!(bytes.as_slice(), [] | [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]);
        if encoding.needs_bom() && !has_bom {
            return Err(self.error(TextProblem::MissingBom));
        }
        let mut text = encoding
            .decode_owned(bytes)
            .map_err(|bad| self.error(TextProblem::invalid(encoding, bad, 0, 0)))?;
        if text.starts_with(BOM) {
            text.drain(..BOM.len_utf8());
        }
        Ok(text)
    }

    /// A line-by-line reader for lazy loading, which needs an ASCII-compatible encoding (see
    /// [`TextEncoding::is_ascii_compatible`]).
    pub fn line_decoder(&self) -> Result<LineDecoder, TextError> {
        let encoding = self.text_encoding()?;
        if !encoding.is_ascii_compatible() {
            return Err(self.error(TextProblem::NotAsciiCompatible {
                encoding: encoding.name(),
            }));
        }
        Ok(LineDecoder::new(self.path, encoding))
    }
}

/// The byte-order mark as a character.
pub(crate) const BOM: char = '\u{feff}';

/// A data file could not be read as text.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct TextError {
    pub path: PathBuf,
    pub problem: TextProblem,
}

impl TextError {
    /// The I/O failure (path and error) when that is what this is, else the error itself: for
    /// readers whose error types keep I/O failures in a variant of their own.
    pub fn split_io(self) -> Result<(PathBuf, io::Error), TextError> {
        match self.problem {
            TextProblem::Io(source) => Ok((self.path, source)),
            problem => Err(TextError {
                path: self.path,
                problem,
            }),
        }
    }
}

/// What went wrong reading a file as text; [`TextError`] adds the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TextProblem {
    #[error(transparent)]
    Unknown(UnknownEncoding),
    #[error("{0}")]
    Io(#[source] io::Error),
    #[error("not valid {encoding} at byte {offset} (line {line}, found {found})")]
    Invalid {
        encoding: &'static str,
        /// Offset of the first bad byte from the start of the file.
        offset: u64,
        /// 1-based line of the bad byte.
        line: usize,
        /// The bad bytes in hex, as `0xff 0xfe`.
        found: String,
    },
    #[error(
        "utf-16 needs a byte-order mark to tell the byte order and the file has none; give \
         the encoding as utf-16-le or utf-16-be"
    )]
    MissingBom,
    #[error(
        "lazy loading reads the file line by line and needs an ASCII-compatible encoding \
         (utf-8, latin-1, cp1252, shift_jis, …); {encoding} is not one: convert the file or \
         turn lazy_loading off"
    )]
    NotAsciiCompatible { encoding: &'static str },
}

impl TextProblem {
    /// Malformed bytes found at `bad.offset` of a buffer that starts at byte `start` and line
    /// `first_line` (0 for a buffer holding the whole file) of the file.
    pub(crate) fn invalid(
        encoding: TextEncoding,
        bad: Malformed,
        start: u64,
        first_line: usize,
    ) -> Self {
        let found = bad
            .bytes
            .iter()
            .map(|b| format!("{b:#04x}"))
            .collect::<Vec<_>>()
            .join(" ");
        Self::Invalid {
            encoding: encoding.name(),
            offset: start + bad.offset as u64,
            line: first_line.saturating_sub(1) + bad.line,
            found: if found.is_empty() {
                "end of file".into()
            } else {
                found
            },
        }
    }
}

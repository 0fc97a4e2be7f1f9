//! Line-by-line reading for lazy loading: lazy readers index the byte offset of each line once
//! and later seek straight to it, so lines are split at `\n` bytes and decoded one at a time.
//! That is only sound for ASCII-compatible encodings, which [`super::TextFile::line_decoder`]
//! checks before handing out a [`LineDecoder`].

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::{BOM, TextEncoding, TextError, TextProblem};

/// A file and an ASCII-compatible encoding: opens the file for line reading and decodes the
/// lines. Cheap to clone, so lazy datasets keep one to read batches with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineDecoder {
    path: PathBuf,
    encoding: TextEncoding,
}

/// One line's raw bytes without its line end (`\n` or `\r\n`), where it starts in the file,
/// and its 1-based number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawLine<'a> {
    pub offset: u64,
    pub number: usize,
    pub bytes: &'a [u8],
}

/// An open file read one raw line at a time (see [`Lines::next_line`]).
#[derive(Debug)]
pub struct Lines {
    reader: BufReader<File>,
    path: PathBuf,
    offset: u64,
    number: usize,
    buffer: Vec<u8>,
}

impl LineDecoder {
    /// Only [`super::TextFile::line_decoder`] makes these, after checking the encoding.
    pub(crate) fn new(path: &Path, encoding: TextEncoding) -> Self {
        Self {
            path: path.to_path_buf(),
            encoding,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn encoding(&self) -> TextEncoding {
        self.encoding
    }

    fn error(&self, problem: TextProblem) -> TextError {
        TextError {
            path: self.path.clone(),
            problem,
        }
    }

    /// Opens the file, positioned at its first line.
    pub fn lines(&self) -> Result<Lines, TextError> {
        let file = File::open(&self.path).map_err(|e| self.error(TextProblem::Io(e)))?;
        Ok(Lines {
            reader: BufReader::new(file),
            path: self.path.clone(),
            offset: 0,
            number: 0,
            buffer: Vec::new(),
        })
    }

    /// Decodes one line. A byte-order mark is dropped from the line at offset 0 only (the
    /// start of the file); an error names the byte offset in the file and the line.
    pub fn decode<'b>(&self, line: &RawLine<'b>) -> Result<Cow<'b, str>, TextError> {
        let text = self.encoding.decode(line.bytes).map_err(|bad| {
            let problem = TextProblem::invalid(self.encoding, bad, line.offset, line.number);
            self.error(problem)
        })?;
        if line.offset != 0 || !text.starts_with(BOM) {
            return Ok(text);
        }
        Ok(match text {
            Cow::Borrowed(text) => Cow::Borrowed(&text[BOM.len_utf8()..]),
            Cow::Owned(mut text) => {
                text.drain(..BOM.len_utf8());
                Cow::Owned(text)
            }
        })
    }
}

impl Lines {
    /// The next line, or `None` at the end of the file.
    pub fn next_line(&mut self) -> Result<Option<RawLine<'_>>, TextError> {
        self.buffer.clear();
        let read = self
            .reader
            .read_until(b'\n', &mut self.buffer)
            .map_err(|e| TextError {
                path: self.path.clone(),
                problem: TextProblem::Io(e),
            })?;
        if read == 0 {
            return Ok(None);
        }
        let offset = self.offset;
        self.offset += read as u64;
        self.number += 1;
        let mut bytes = self.buffer.as_slice();
        if let Some(rest) = bytes.strip_suffix(b"\n") {
            bytes = rest.strip_suffix(b"\r").unwrap_or(rest);
        }
        Ok(Some(RawLine {
            offset,
            number: self.number,
            bytes,
        }))
    }

    /// Moves to the line starting at byte `offset`, numbered `number`, as a lazy index
    /// recorded them.
    pub fn seek(&mut self, offset: u64, number: usize) -> Result<(), TextError> {
        self.reader
            .seek(SeekFrom::Start(offset))
            .map_err(|e| TextError {
                path: self.path.clone(),
                problem: TextProblem::Io(e),
            })?;
        self.offset = offset;
        self.number = number.saturating_sub(1);
        Ok(())
    }

    /// Where the next line starts.
    pub fn offset(&self) -> u64 {
        self.offset
    }
}

//! CSV and TSV records of a decoded file, each with the 1-based line it starts on, for every
//! reader of delimited user data (classification rows, sequence-to-sequence rows…).

/// How fields are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    /// CSV: commas, with `"` quoting.
    Comma,
    /// TSV: tabs, no quoting (as pandas reads Simple Transformers' TSV files with
    /// `quoting=csv.QUOTE_NONE`: a `"` is an ordinary character).
    Tab,
}

/// Why a record could not be read; the line is the record's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordProblem {
    #[error("invalid CSV: {0}")]
    InvalidCsv(String),
    /// A field split out of a decoded file is not UTF-8 (splitting UTF-8 at ASCII delimiters
    /// keeps it UTF-8, so this only guards the CSV reader's byte records).
    #[error("invalid UTF-8")]
    InvalidUtf8,
}

/// A record: the 1-based line it starts on, and its fields.
pub type Record = (usize, Vec<String>);

/// The records of an in-memory CSV/TSV file (decoded to UTF-8 first, which keeps every line
/// end, so that line numbers follow from byte offsets). Records may have any number of fields.
pub struct Records<'a> {
    reader: csv::Reader<&'a [u8]>,
    record: csv::ByteRecord,
    lines: LineIndex<'a>,
}

impl<'a> Records<'a> {
    pub fn new(text: &'a str, delimiter: Delimiter) -> Self {
        let bytes = text.as_bytes();
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(match delimiter {
                Delimiter::Comma => b',',
                Delimiter::Tab => b'\t',
            })
            .quoting(delimiter == Delimiter::Comma)
            .from_reader(bytes);
        Self {
            reader,
            record: csv::ByteRecord::new(),
            lines: LineIndex::new(bytes),
        }
    }

    /// The next record as its start line and fields; `None` at the end of the file. Reading
    /// from memory, `csv` has no I/O to fail on, so its errors are malformed records.
    pub fn next_fields(&mut self) -> Result<Option<Record>, (usize, RecordProblem)> {
        let more = match self.reader.read_byte_record(&mut self.record) {
            Ok(more) => more,
            Err(err) => {
                let line = err.position().map_or(0, |p| self.lines.line_at(p.byte()));
                return Err((line, RecordProblem::InvalidCsv(err.to_string())));
            }
        };
        if !more {
            return Ok(None);
        }
        let byte = self.record.position().map_or(0, csv::Position::byte);
        let line = self.lines.line_at(byte);
        let fields = (self.record.iter())
            .map(|field| std::str::from_utf8(field).map(str::to_owned))
            .collect::<Result<_, _>>()
            .map_err(|_| (line, RecordProblem::InvalidUtf8))?;
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

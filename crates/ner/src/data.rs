//! NER data: sentences of words with one tag each, from Python's `(sentence_id, words, labels)`
//! rows or from CoNLL files, read whole or indexed for lazy loading.
//!
//! CoNLL as Simple Transformers reads it: one word per line, the word is the first field and
//! the tag the last (fields split on spaces or tabs); a line with a single field is tagged `O`;
//! a blank line or a `-DOCSTART-` line ends a sentence.
//!
//! Readers take `impl Into<TextFile>`: a plain path is UTF-8, and
//! `TextFile::new(path, args.model.encoding.as_deref())` reads the file in the encoding Simple
//! Transformers' `encoding` argument names (see [`st_core::text`]; a leading byte-order mark is
//! dropped, undecodable bytes are an error naming the file, byte offset and encoding). Lazy
//! loading decodes line by line and so needs an ASCII-compatible encoding (not UTF-16).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use st_core::text::{LineDecoder, TextError, TextFile};

/// One sentence: its words and, for training and evaluation, one tag per word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sentence {
    pub words: Vec<String>,
    pub labels: Vec<String>,
}

impl Sentence {
    /// A labelled sentence.
    pub fn new<W: Into<String>, L: Into<String>>(
        words: impl IntoIterator<Item = W>,
        labels: impl IntoIterator<Item = L>,
    ) -> Self {
        Self {
            words: words.into_iter().map(Into::into).collect(),
            labels: labels.into_iter().map(Into::into).collect(),
        }
    }

    /// Words to predict: every word gets `placeholder` as its (unused) label.
    pub fn unlabelled<W: Into<String>>(
        words: impl IntoIterator<Item = W>,
        placeholder: &str,
    ) -> Self {
        let words: Vec<String> = words.into_iter().map(Into::into).collect();
        let labels = vec![placeholder.to_string(); words.len()];
        Self { words, labels }
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// Sentences from Python's DataFrame rows `(sentence_id, word, label)`: grouped by sentence id
/// in ascending id order (pandas' `groupby`), words in row order within a sentence.
pub fn sentences_from_rows<I, W, L>(rows: impl IntoIterator<Item = (I, W, L)>) -> Vec<Sentence>
where
    I: Ord,
    W: Into<String>,
    L: Into<String>,
{
    let mut groups: BTreeMap<I, Sentence> = BTreeMap::new();
    for (id, word, label) in rows {
        let sentence = groups
            .entry(id)
            .or_insert_with(|| Sentence::new(Vec::<String>::new(), Vec::<String>::new()));
        sentence.words.push(word.into());
        sentence.labels.push(label.into());
    }
    groups.into_values().collect()
}

/// What can be wrong with a data file.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: tag {label:?} is not one of the labels ({expected})", path.display())]
    UnknownLabel {
        path: PathBuf,
        line: usize,
        label: String,
        expected: String,
    },
    #[error("{}: no sentences in the file", path.display())]
    Empty { path: PathBuf },
    #[error("{}: the file changed after it was indexed for lazy loading", path.display())]
    Changed { path: PathBuf },
    /// The file is not text in its encoding, or the encoding is unknown or (for lazy loading)
    /// not ASCII-compatible; the message names the file, byte offset, line and encoding.
    #[error(transparent)]
    Text(TextError),
}

/// I/O failures keep their [`DataError::Io`] variant; the rest of reading text is
/// [`DataError::Text`].
impl From<TextError> for DataError {
    fn from(error: TextError) -> Self {
        match error.split_io() {
            Ok((path, source)) => Self::Io { path, source },
            Err(text) => Self::Text(text),
        }
    }
}

/// The labels as one line for error messages.
pub(crate) fn label_list(labels: &[String]) -> String {
    labels.join(", ")
}

/// Where a sentence starts in a CoNLL file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SentenceStart {
    offset: u64,
    line: usize,
}

/// A CoNLL scan: sentences as they are read, with where each begins. The word/tag split of a
/// line is in [`parse_line`]; everything else is here.
struct ConllScanner {
    sentence: Sentence,
    start: Option<SentenceStart>,
}

/// Word and tag of a CoNLL line, or `None` for a sentence boundary.
fn parse_line(line: &str) -> Option<(&str, &str)> {
    let line = line.trim_end_matches(['\n', '\r']);
    if line.trim().is_empty() || line.starts_with("-DOCSTART-") {
        return None;
    }
    let mut fields = line.split([' ', '\t']).filter(|f| !f.is_empty());
    let word = fields.next()?;
    Some((word, fields.next_back().unwrap_or("O")))
}

impl ConllScanner {
    fn new() -> Self {
        Self {
            sentence: Sentence::new(Vec::<String>::new(), Vec::<String>::new()),
            start: None,
        }
    }

    /// Feed one line; returns a sentence when the line ends one.
    fn push(&mut self, line: &str, at: SentenceStart) -> Option<(SentenceStart, Sentence)> {
        match parse_line(line) {
            None => self.finish(),
            Some((word, label)) => {
                self.start.get_or_insert(at);
                self.sentence.words.push(word.to_string());
                self.sentence.labels.push(label.to_string());
                None
            }
        }
    }

    fn finish(&mut self) -> Option<(SentenceStart, Sentence)> {
        let start = self.start.take()?;
        let sentence = std::mem::replace(
            &mut self.sentence,
            Sentence::new(Vec::<String>::new(), Vec::<String>::new()),
        );
        Some((start, sentence))
    }
}

/// Every sentence of decoded text, with the line number of its first word (1-based).
fn scan_text(
    text: &str,
    mut found: impl FnMut(SentenceStart, Sentence) -> Result<(), DataError>,
) -> Result<(), DataError> {
    let mut scanner = ConllScanner::new();
    let mut offset = 0u64;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let at = SentenceStart {
            offset,
            line: index + 1,
        };
        offset += line.len() as u64;
        if let Some((start, sentence)) = scanner.push(line, at) {
            found(start, sentence)?;
        }
    }
    if let Some((start, sentence)) = scanner.finish() {
        found(start, sentence)?;
    }
    Ok(())
}

/// Every sentence of a file read line by line from line `skip + 1`, with the line number of
/// its first word (1-based) and its byte offset in the file, for lazy loading.
fn scan_lines(
    text: &LineDecoder,
    skip: usize,
    mut found: impl FnMut(SentenceStart, Sentence) -> Result<(), DataError>,
) -> Result<(), DataError> {
    let mut lines = text.lines()?;
    let mut scanner = ConllScanner::new();
    while let Some(line) = lines.next_line()? {
        if line.number <= skip {
            continue;
        }
        let at = SentenceStart {
            offset: line.offset,
            line: line.number,
        };
        if let Some((start, sentence)) = scanner.push(&text.decode(&line)?, at) {
            found(start, sentence)?;
        }
    }
    if let Some((start, sentence)) = scanner.finish() {
        found(start, sentence)?;
    }
    Ok(())
}

/// The first word of `sentence` whose tag is not in `labels`, as an error at its line
/// (a sentence has no blank line inside, so word `i` is on line `start + i`).
fn check_sentence(
    path: &Path,
    start: SentenceStart,
    sentence: &Sentence,
    known: &HashSet<&str>,
    labels: &[String],
) -> Result<(), DataError> {
    match sentence
        .labels
        .iter()
        .position(|l| !known.contains(l.as_str()))
    {
        None => Ok(()),
        Some(i) => Err(DataError::UnknownLabel {
            path: path.to_path_buf(),
            line: start.line + i,
            label: sentence.labels[i].clone(),
            expected: label_list(labels),
        }),
    }
}

/// Read a whole CoNLL file; every tag must be one of `labels` (else an error with its line).
pub fn read_conll<'a>(
    file: impl Into<TextFile<'a>>,
    labels: &[String],
) -> Result<Vec<Sentence>, DataError> {
    let file = file.into();
    let path = file.path;
    let text = file.read_to_string()?;
    let known: HashSet<&str> = labels.iter().map(String::as_str).collect();
    let mut sentences = Vec::new();
    scan_text(&text, |start, sentence| {
        check_sentence(path, start, &sentence, &known, labels)?;
        sentences.push(sentence);
        Ok(())
    })?;
    if sentences.is_empty() {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(sentences)
}

/// A CoNLL file indexed for lazy loading: where each sentence starts, checked once up front;
/// sentences are read from disk when a batch needs them.
#[derive(Debug, Clone)]
pub struct LazyConll {
    /// The file and its encoding, to read batches with.
    text: LineDecoder,
    starts: Vec<SentenceStart>,
}

impl LazyConll {
    /// Index `path`, skipping its first `skip` lines (`lazy_loading_start_line`); every tag must
    /// be one of `labels`.
    pub fn index<'a>(
        file: impl Into<TextFile<'a>>,
        skip: usize,
        labels: &[String],
    ) -> Result<Self, DataError> {
        let file = file.into();
        let path = file.path;
        let text = file.line_decoder()?;
        let known: HashSet<&str> = labels.iter().map(String::as_str).collect();
        let mut starts = Vec::new();
        scan_lines(&text, skip, |start, sentence| {
            check_sentence(path, start, &sentence, &known, labels)?;
            starts.push(start);
            Ok(())
        })?;
        if starts.is_empty() {
            return Err(DataError::Empty {
                path: path.to_path_buf(),
            });
        }
        Ok(Self { text, starts })
    }

    /// Number of sentences.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// The sentences at `indices`, read from the file.
    pub fn sentences(&self, indices: &[usize]) -> Result<Vec<Sentence>, DataError> {
        let changed = || DataError::Changed {
            path: self.text.path().to_path_buf(),
        };
        let mut lines = self.text.lines()?;
        let mut out = Vec::with_capacity(indices.len());
        for &i in indices {
            let start = self.starts[i];
            lines.seek(start.offset, start.line)?;
            let mut scanner = ConllScanner::new();
            let sentence = loop {
                let line = lines.next_line()?;
                let at_end = line.is_none();
                let done = match line {
                    None => scanner.finish(),
                    Some(line) => scanner.push(&self.text.decode(&line)?, start),
                };
                match done {
                    Some((_, sentence)) => break sentence,
                    // The file ended before the sentence did: it is shorter than it was.
                    None if at_end => return Err(changed()),
                    None => {}
                }
            };
            out.push(sentence);
        }
        Ok(out)
    }
}

impl st_core::task::LazyRows for LazyConll {
    fn len(&self) -> usize {
        LazyConll::len(self)
    }
}

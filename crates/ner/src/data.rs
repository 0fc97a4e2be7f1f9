//! NER data: sentences of words with one tag each, from Python's `(sentence_id, words, labels)`
//! rows or from CoNLL files, read whole or indexed for lazy loading.
//!
//! CoNLL as Simple Transformers reads it: one word per line, the word is the first field and
//! the tag the last (fields split on spaces or tabs); a line with a single field is tagged `O`;
//! a blank line or a `-DOCSTART-` line ends a sentence. Files are UTF-8 (a BOM is ignored).

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

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
    #[error("{}:{line}: the text is not valid UTF-8", path.display())]
    NotUtf8 { path: PathBuf, line: usize },
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

/// Read `path` line by line from line `skip + 1`, calling `found` for every sentence with the
/// line number of its first word (1-based) and its byte offset.
fn scan(
    path: &Path,
    skip: usize,
    mut found: impl FnMut(SentenceStart, Sentence) -> Result<(), DataError>,
) -> Result<(), DataError> {
    let io = |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut reader = BufReader::new(std::fs::File::open(path).map_err(io)?);
    let mut scanner = ConllScanner::new();
    let (mut offset, mut number) = (0u64, 0usize);
    let mut bytes = Vec::new();
    loop {
        bytes.clear();
        let read = reader.read_until(b'\n', &mut bytes).map_err(io)?;
        if read == 0 {
            break;
        }
        number += 1;
        let at = SentenceStart {
            offset,
            line: number,
        };
        offset += read as u64;
        if number <= skip {
            continue;
        }
        let mut text = std::str::from_utf8(&bytes).map_err(|_| DataError::NotUtf8 {
            path: path.to_path_buf(),
            line: number,
        })?;
        if number == 1 {
            text = text.trim_start_matches('\u{feff}');
        }
        if let Some((start, sentence)) = scanner.push(text, at) {
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
pub fn read_conll(path: &Path, labels: &[String]) -> Result<Vec<Sentence>, DataError> {
    let known: HashSet<&str> = labels.iter().map(String::as_str).collect();
    let mut sentences = Vec::new();
    scan(path, 0, |start, sentence| {
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
    path: PathBuf,
    starts: Vec<u64>,
}

impl LazyConll {
    /// Index `path`, skipping its first `skip` lines (`lazy_loading_start_line`); every tag must
    /// be one of `labels`.
    pub fn index(path: &Path, skip: usize, labels: &[String]) -> Result<Self, DataError> {
        let known: HashSet<&str> = labels.iter().map(String::as_str).collect();
        let mut starts = Vec::new();
        scan(path, skip, |start, sentence| {
            check_sentence(path, start, &sentence, &known, labels)?;
            starts.push(start.offset);
            Ok(())
        })?;
        if starts.is_empty() {
            return Err(DataError::Empty {
                path: path.to_path_buf(),
            });
        }
        Ok(Self {
            path: path.to_path_buf(),
            starts,
        })
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
        let io = |source| DataError::Io {
            path: self.path.clone(),
            source,
        };
        let changed = || DataError::Changed {
            path: self.path.clone(),
        };
        let mut file = std::fs::File::open(&self.path).map_err(io)?;
        let mut out = Vec::with_capacity(indices.len());
        let mut bytes = Vec::new();
        let at = SentenceStart { offset: 0, line: 0 };
        for &i in indices {
            file.seek(SeekFrom::Start(self.starts[i])).map_err(io)?;
            let mut reader = BufReader::new(&mut file);
            let mut scanner = ConllScanner::new();
            let sentence = loop {
                bytes.clear();
                let read = reader.read_until(b'\n', &mut bytes).map_err(io)?;
                let done = if read == 0 {
                    scanner.finish()
                } else {
                    let line = std::str::from_utf8(&bytes).map_err(|_| changed())?;
                    scanner.push(line.trim_start_matches('\u{feff}'), at)
                };
                match (done, read) {
                    (Some((_, sentence)), _) => break sentence,
                    (None, 0) => return Err(changed()),
                    (None, _) => {}
                }
            };
            out.push(sentence);
        }
        Ok(out)
    }
}

//! Question-answering data in Simple Transformers' (SQuAD v2-like) shape: a list of contexts,
//! each with its questions and their answers, in memory, from a JSON file, or indexed in a
//! JSONL file (one context per line) for lazy loading.
//!
//! `answer_start` counts characters (Unicode scalar values), as Python's string indices do.
//! Every answer is checked when data comes in: its text must be at `answer_start`.
//!
//! Readers take `impl Into<TextFile>`: a plain path is UTF-8, and
//! `TextFile::new(path, args.model.encoding.as_deref())` reads the file in the encoding Simple
//! Transformers' `encoding` argument names (see [`st_core::text`]; a leading byte-order mark is
//! dropped, undecodable bytes are an error naming the file, byte offset and encoding). The
//! lazy JSONL reader decodes line by line and so needs an ASCII-compatible encoding.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use st_core::text::{LineDecoder, TextError, TextFile};

/// One gold answer: its text and where it starts in the context, in characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Answer {
    pub text: String,
    pub answer_start: usize,
}

/// One question about a context. For prediction `answers` may be left out.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Question {
    pub id: String,
    pub question: String,
    #[serde(default)]
    pub is_impossible: bool,
    #[serde(default)]
    pub answers: Vec<Answer>,
}

/// A context and the questions asked about it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Context {
    pub context: String,
    pub qas: Vec<Question>,
}

impl Context {
    /// A context with questions to answer (no gold answers): `(id, question)` pairs.
    pub fn unanswered<I: Into<String>, Q: Into<String>>(
        context: impl Into<String>,
        questions: impl IntoIterator<Item = (I, Q)>,
    ) -> Self {
        Self {
            context: context.into(),
            qas: questions
                .into_iter()
                .map(|(id, question)| Question {
                    id: id.into(),
                    question: question.into(),
                    is_impossible: false,
                    answers: Vec::new(),
                })
                .collect(),
        }
    }
}

/// What can be wrong with question-answering data.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: line {line}, column {column}: {message}")]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "question {id:?}: answer {text:?} is not at answer_start {answer_start} of its context (found {found:?})"
    )]
    AnswerMismatch {
        id: String,
        text: String,
        answer_start: usize,
        found: String,
    },
    #[error("question {id:?} is marked answerable but has no answers")]
    NoAnswer { id: String },
    #[error("question id {id:?} appears more than once; results are keyed by id")]
    DuplicateId { id: String },
    #[error("{path}: no contexts")]
    EmptyFile { path: PathBuf },
    #[error("{path}: line {line}: {message}")]
    Line {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path} changed since it was indexed: line {line} no longer holds a context")]
    Changed { path: PathBuf, line: usize },
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

/// The byte range of a character range of `text`, if it lies inside `text`.
pub fn char_span_to_bytes(text: &str, start: usize, len: usize) -> Option<(usize, usize)> {
    let mut boundaries = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()));
    let begin = boundaries.nth(start)?;
    let end = if len == 0 {
        begin
    } else {
        boundaries.nth(len - 1)?
    };
    Some((begin, end))
}

impl Question {
    /// The byte range of the first answer in `context` (training uses the first answer only, as
    /// Python does); `None` for an impossible question.
    pub fn answer_span(&self, context: &str) -> Result<Option<(usize, usize)>, DataError> {
        if self.is_impossible {
            return Ok(None);
        }
        let answer = self.answers.first().ok_or_else(|| DataError::NoAnswer {
            id: self.id.clone(),
        })?;
        Ok(Some(locate(self, answer, context)?))
    }
}

/// Where `answer` lies in `context`, checked against its text.
fn locate(
    question: &Question,
    answer: &Answer,
    context: &str,
) -> Result<(usize, usize), DataError> {
    let mismatch = |found: &str| DataError::AnswerMismatch {
        id: question.id.clone(),
        text: answer.text.clone(),
        answer_start: answer.answer_start,
        found: found.to_string(),
    };
    let len = answer.text.chars().count();
    let Some((begin, end)) = char_span_to_bytes(context, answer.answer_start, len) else {
        let tail = char_span_to_bytes(context, answer.answer_start.min(context.chars().count()), 0)
            .map_or("", |(b, _)| &context[b..]);
        return Err(mismatch(tail));
    };
    if context[begin..end] != answer.text {
        return Err(mismatch(&context[begin..end]));
    }
    Ok((begin, end))
}

/// Check every answer of `contexts`: its text is at `answer_start`, and an answerable
/// question has one.
pub fn check_answers(contexts: &[Context]) -> Result<(), DataError> {
    contexts.iter().try_for_each(check_context)
}

/// Question ids must be unique where results are keyed by id (evaluation, prediction).
pub fn check_unique_ids(contexts: &[Context]) -> Result<(), DataError> {
    let mut seen = HashSet::new();
    for q in contexts.iter().flat_map(|c| &c.qas) {
        if !seen.insert(q.id.as_str()) {
            return Err(DataError::DuplicateId { id: q.id.clone() });
        }
    }
    Ok(())
}

fn check_context(context: &Context) -> Result<(), DataError> {
    for q in &context.qas {
        for answer in &q.answers {
            locate(q, answer, &context.context)?;
        }
        if !q.is_impossible && q.answers.is_empty() {
            return Err(DataError::NoAnswer { id: q.id.clone() });
        }
    }
    Ok(())
}

/// Read a JSON file holding a list of contexts (Python's `train_data` given as a path).
pub fn read_squad<'a>(file: impl Into<TextFile<'a>>) -> Result<Vec<Context>, DataError> {
    let file = file.into();
    let path = file.path;
    let text = file.read_to_string()?;
    let contexts: Vec<Context> = serde_json::from_str(&text).map_err(|e| DataError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    if contexts.is_empty() {
        return Err(DataError::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    Ok(contexts)
}

/// A JSONL file of contexts, indexed once (every line parsed and checked up front, so a bad
/// line fails before training starts) and read back question by question.
#[derive(Debug, Clone)]
pub struct LazySquad {
    /// The file and its encoding, to read questions back with.
    text: LineDecoder,
    /// Byte offset and 1-based line number of each context line.
    lines: Vec<(u64, usize)>,
    /// `(context line index, question index)` of every question, in file order.
    questions: Vec<(usize, usize)>,
}

impl LazySquad {
    /// Index `file`: one JSON context object per non-blank line.
    pub fn index<'a>(file: impl Into<TextFile<'a>>) -> Result<Self, DataError> {
        let file = file.into();
        let path = file.path;
        let text = file.line_decoder()?;
        let mut reader = text.lines()?;
        let (mut lines, mut questions) = (Vec::new(), Vec::new());
        while let Some(line) = reader.next_line()? {
            let decoded = text.decode(&line)?;
            if decoded.trim().is_empty() {
                continue;
            }
            let context = parse_line(path, line.number, &decoded)?;
            for q in 0..context.qas.len() {
                questions.push((lines.len(), q));
            }
            lines.push((line.offset, line.number));
        }
        if questions.is_empty() {
            return Err(DataError::EmptyFile {
                path: path.to_path_buf(),
            });
        }
        Ok(Self {
            text,
            lines,
            questions,
        })
    }

    /// How many questions the file holds.
    pub fn len(&self) -> usize {
        self.questions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.questions.is_empty()
    }

    /// The questions at `indices` (file order numbering), each as a context holding just that
    /// question.
    pub fn read(&self, indices: &[usize]) -> Result<Vec<Context>, DataError> {
        let path = self.text.path();
        let mut reader = self.text.lines()?;
        let mut out = Vec::with_capacity(indices.len());
        for &i in indices {
            let (line, q) = self.questions[i];
            let (offset, number) = self.lines[line];
            let changed = || DataError::Changed {
                path: path.to_path_buf(),
                line: number,
            };
            reader.seek(offset, number)?;
            let raw = reader.next_line()?.ok_or_else(changed)?;
            let decoded = self.text.decode(&raw)?;
            let mut context = parse_line(path, number, &decoded).map_err(|_| changed())?;
            if q >= context.qas.len() {
                return Err(changed());
            }
            let question = context.qas.swap_remove(q);
            context.qas = vec![question];
            out.push(context);
        }
        Ok(out)
    }
}

fn parse_line(path: &Path, line: usize, text: &str) -> Result<Context, DataError> {
    let context: Context = serde_json::from_str(text).map_err(|e| DataError::Json {
        path: path.to_path_buf(),
        line,
        column: e.column(),
        message: e.to_string(),
    })?;
    check_context(&context).map_err(|e| DataError::Line {
        path: path.to_path_buf(),
        line,
        message: e.to_string(),
    })?;
    Ok(context)
}

impl st_core::task::LazyRows for LazySquad {
    fn len(&self) -> usize {
        LazySquad::len(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_spans_map_to_byte_spans() {
        let text = "Zoë lives in São Paulo";
        assert_eq!(char_span_to_bytes(text, 0, 3), Some((0, 4)));
        let (b, e) = char_span_to_bytes(text, 13, 9).unwrap();
        assert_eq!(&text[b..e], "São Paulo");
        assert_eq!(
            char_span_to_bytes(text, 22, 0),
            Some((text.len(), text.len()))
        );
        assert_eq!(char_span_to_bytes(text, 20, 5), None);
    }
}

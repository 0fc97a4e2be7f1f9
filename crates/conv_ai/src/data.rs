//! PersonaChat data: a JSON list of dialogues, each a persona and its utterances, every
//! utterance the history before a reply and candidate replies with the real one last:
//!
//! ```json
//! [{"personality": ["i like to ski."],
//!   "utterances": [{"history": ["hello!"], "candidates": ["i build boats.", "hi, i just skied!"]}]}]
//! ```
//!
//! A file is read whole ([`read_dialogues`]) or one dialogue at a time ([`for_each_dialogue`]:
//! the file's text is never held whole, only the dialogue being read).

use std::io::BufReader;
use std::path::{Path, PathBuf};

use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// One dialogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dialogue {
    /// The persona sentences of the speaker who replies.
    pub personality: Vec<String>,
    pub utterances: Vec<Utterance>,
}

/// One reply to learn: the conversation so far and the candidates, the gold reply last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Utterance {
    pub candidates: Vec<String>,
    pub history: Vec<String>,
}

/// What can go wrong reading PersonaChat data.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{}: line {line}, column {column}: {message} (expected PersonaChat JSON: a list of \
         {{\"personality\": [..], \"utterances\": [{{\"candidates\": [.., gold last], \
         \"history\": [..]}}]}})",
        .path.display()
    )]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}: no dialogues", .path.display())]
    Empty { path: PathBuf },
    #[error(
        "dialogue {dialogue}, utterance {utterance}: {found} candidate(s), but {needed} are \
         used (num_candidates in training, the first utterance's count in evaluation)"
    )]
    TooFewCandidates {
        dialogue: usize,
        utterance: usize,
        found: usize,
        needed: usize,
    },
}

fn json_error(path: &Path, e: &serde_json::Error) -> DataError {
    let message = e.to_string();
    // serde_json appends " at line L column C"; the error says where itself.
    let message = match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message,
    };
    DataError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message,
    }
}

fn open(path: &Path) -> Result<BufReader<std::fs::File>, DataError> {
    let file = std::fs::File::open(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(BufReader::with_capacity(1 << 16, file))
}

/// Every dialogue of a PersonaChat file.
pub fn read_dialogues(path: &Path) -> Result<Vec<Dialogue>, DataError> {
    let dialogues: Vec<Dialogue> =
        serde_json::from_reader(open(path)?).map_err(|e| json_error(path, &e))?;
    if dialogues.is_empty() {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(dialogues)
}

/// Call `each` with every dialogue of a PersonaChat file and its index, in order, reading one
/// at a time; returns how many there were. An error of `each` stops the reading and is
/// returned.
pub fn for_each_dialogue<E: From<DataError>>(
    path: &Path,
    mut each: impl FnMut(usize, Dialogue) -> Result<(), E>,
) -> Result<usize, E> {
    let mut stopped = None;
    let mut reader = serde_json::Deserializer::from_reader(open(path)?);
    let seed = Each {
        each: &mut each,
        stopped: &mut stopped,
    };
    let result = seed.deserialize(&mut reader).and_then(|n| {
        reader.end()?;
        Ok(n)
    });
    match (result, stopped) {
        (_, Some(e)) => Err(e),
        (Err(e), None) => Err(json_error(path, &e).into()),
        (Ok(0), None) => Err(DataError::Empty {
            path: path.to_path_buf(),
        }
        .into()),
        (Ok(n), None) => Ok(n),
    }
}

/// Deserialises the top-level list, handing each dialogue over as soon as it is read.
struct Each<'a, F, E> {
    each: &'a mut F,
    stopped: &'a mut Option<E>,
}

impl<'de, F, E> DeserializeSeed<'de> for Each<'_, F, E>
where
    F: FnMut(usize, Dialogue) -> Result<(), E>,
{
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, F, E> Visitor<'de> for Each<'_, F, E>
where
    F: FnMut(usize, Dialogue) -> Result<(), E>,
{
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of dialogues")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut n = 0;
        while let Some(dialogue) = seq.next_element::<Dialogue>()? {
            if let Err(e) = (self.each)(n, dialogue) {
                *self.stopped = Some(e);
                return Err(serde::de::Error::custom("stopped"));
            }
            n += 1;
        }
        Ok(n)
    }
}

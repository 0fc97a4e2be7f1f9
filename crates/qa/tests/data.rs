//! SQuAD JSON and lazy JSONL files in the encoding the `encoding` argument names: latin-1 and
//! UTF-16 read correctly, undecodable bytes and unknown names reported with the file, and
//! UTF-16 refused for lazy loading.

use std::path::{Path, PathBuf};

use st_core::text::TextFile;
use st_qa::{Answer, Context, DataError, LazySquad, Question, read_squad};

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// `text` in ISO-8859-1 (every character below U+0100).
fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("latin-1 character"))
        .collect()
}

const ZOE: &str = r#"{"context": "Zoë lives in São Paulo.", "qas": [{"id": "1", "question": "Where does Zoë live?", "answers": [{"text": "São Paulo", "answer_start": 13}]}]}"#;
const RENE: &str = r#"{"context": "René est né à Genève.", "qas": [{"id": "2", "question": "Où?", "answers": [{"text": "Genève", "answer_start": 14}]}, {"id": "3", "question": "Qui?", "answers": [{"text": "René", "answer_start": 0}]}]}"#;

fn question(id: &str, question: &str, text: &str, answer_start: usize) -> Question {
    Question {
        id: id.into(),
        question: question.into(),
        is_impossible: false,
        answers: vec![Answer {
            text: text.into(),
            answer_start,
        }],
    }
}

fn zoe() -> Context {
    Context {
        context: "Zoë lives in São Paulo.".into(),
        qas: vec![question("1", "Where does Zoë live?", "São Paulo", 13)],
    }
}

#[test]
fn squad_json_in_latin1_and_utf16() {
    let tmp = tempfile::tempdir().unwrap();
    let json = format!("[{ZOE}]");
    let path = write(tmp.path(), "train.json", &latin1(&json));
    assert_eq!(
        read_squad(TextFile::new(&path, Some("latin-1"))).unwrap(),
        [zoe()]
    );
    // The same bytes are not UTF-8: the error names the file and the first bad byte.
    let at = json.find('ë').unwrap();
    assert_eq!(
        read_squad(&path).unwrap_err().to_string(),
        format!(
            "{}: not valid utf-8 at byte {at} (line 1, found 0xeb)",
            path.display()
        )
    );
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(json.encode_utf16().flat_map(u16::to_le_bytes));
    let path = write(tmp.path(), "train16.json", &utf16);
    assert_eq!(
        read_squad(TextFile::new(&path, Some("UTF-16"))).unwrap(),
        [zoe()]
    );
}

#[test]
fn unknown_encoding_names_the_argument() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "train.json", b"[]");
    let error = read_squad(TextFile::new(&path, Some("utf-9"))).unwrap_err();
    assert!(matches!(error, DataError::Text(_)), "{error}");
    let message = error.to_string();
    assert!(
        message.starts_with(&path.display().to_string()),
        "{message}"
    );
    assert!(
        message.contains("unknown encoding \"utf-9\" given as argument `encoding`"),
        "{message}"
    );
    let error = LazySquad::index(TextFile::new(&path, Some("utf-9"))).unwrap_err();
    assert!(matches!(error, DataError::Text(_)), "{error}");
}

#[test]
fn lazy_jsonl_in_latin1() {
    let tmp = tempfile::tempdir().unwrap();
    let jsonl = format!("{ZOE}\r\n\n{RENE}\n");
    let path = write(tmp.path(), "train.jsonl", &latin1(&jsonl));
    let lazy = LazySquad::index(TextFile::new(&path, Some("latin1"))).unwrap();
    assert_eq!(lazy.len(), 3);
    let read = lazy.read(&[2, 0, 1]).unwrap();
    assert_eq!(read[0].context, "René est né à Genève.");
    assert_eq!(read[0].qas, [question("3", "Qui?", "René", 0)]);
    assert_eq!(read[1], zoe());
    assert_eq!(read[2].qas, [question("2", "Où?", "Genève", 14)]);
    // Read as UTF-8 the first bad line fails while indexing, at its offset in the file.
    let error = LazySquad::index(&path).unwrap_err().to_string();
    let at = jsonl.find('ë').unwrap();
    assert!(
        error.ends_with(&format!(
            "not valid utf-8 at byte {at} (line 1, found 0xeb)"
        )),
        "{error}"
    );
}

#[test]
fn lazy_jsonl_refuses_utf16() {
    let tmp = tempfile::tempdir().unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(ZOE.encode_utf16().flat_map(u16::to_le_bytes));
    let path = write(tmp.path(), "train.jsonl", &utf16);
    let error = LazySquad::index(TextFile::new(&path, Some("utf-16")))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(
            "lazy loading reads the file line by line and needs an ASCII-compatible encoding"
        ),
        "{error}"
    );
}

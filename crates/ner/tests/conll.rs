//! CoNLL files as Simple Transformers reads them, edge cases included, and errors that name the
//! file and line.

use std::path::Path;

use st_core::text::TextFile;
use st_ner::{DataError, LazyConll, Sentence, read_conll, sentences_from_rows};

fn labels() -> Vec<String> {
    st_ner::DEFAULT_LABELS
        .iter()
        .map(|l| l.to_string())
        .collect()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn reads_sentences_as_python_does() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "\u{feff}-DOCSTART- -X- -X- O\n\
                \n\
                EU NNP B-NP B-ORG\n\
                rejects VBZ B-VP O\r\n\
                German\tJJ\tB-NP\tB-MISC\n\
                \x20\x20\n\
                \n\
                Peter B-PER\n\
                lonely\n\
                -DOCSTART- -X- -X- O\n\
                Blackburn NNP B-NP B-ORG";
    let path = write(tmp.path(), "a.conll", text.as_bytes());
    let sentences = read_conll(&path, &labels()).unwrap();
    assert_eq!(
        sentences,
        [
            Sentence::new(["EU", "rejects", "German"], ["B-ORG", "O", "B-MISC"]),
            // A line with one field is tagged O.
            Sentence::new(["Peter", "lonely"], ["B-PER", "O"]),
            // The last sentence needs no blank line after it.
            Sentence::new(["Blackburn"], ["B-ORG"]),
        ]
    );
    // Lazily: the same sentences, read back from their offsets in any order.
    let lazy = LazyConll::index(&path, 0, &labels()).unwrap();
    assert_eq!(lazy.len(), 3);
    assert_eq!(
        lazy.sentences(&[2, 0, 1]).unwrap(),
        [
            sentences[2].clone(),
            sentences[0].clone(),
            sentences[1].clone()
        ]
    );
    // lazy_loading_start_line skips lines at the top.
    let skipped = LazyConll::index(&path, 7, &labels()).unwrap();
    assert_eq!(
        skipped.sentences(&[0]).unwrap()[0].words,
        ["Peter", "lonely"]
    );
}

#[test]
fn unknown_tags_name_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(
        tmp.path(),
        "bad.conll",
        b"Alice B-PER\nlives O\n\nin O\nParis B-CITY\n",
    );
    let expected = format!(
        "{}:5: tag \"B-CITY\" is not one of the labels (O, B-MISC, I-MISC, B-PER, I-PER, B-ORG, I-ORG, B-LOC, I-LOC)",
        path.display()
    );
    assert_eq!(
        read_conll(&path, &labels()).unwrap_err().to_string(),
        expected
    );
    assert_eq!(
        LazyConll::index(&path, 0, &labels())
            .unwrap_err()
            .to_string(),
        expected
    );
}

#[test]
fn empty_missing_and_non_utf8_files_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = write(tmp.path(), "empty.conll", b"-DOCSTART- -X- -X- O\n\n\n");
    assert_eq!(
        read_conll(&empty, &labels()).unwrap_err().to_string(),
        format!("{}: no sentences in the file", empty.display())
    );
    let latin1 = write(
        tmp.path(),
        "latin1.conll",
        b"Paris B-LOC\nM\xfcller B-PER\n",
    );
    assert_eq!(
        read_conll(&latin1, &labels()).unwrap_err().to_string(),
        format!(
            "{}: not valid utf-8 at byte 13 (line 2, found 0xfc)",
            latin1.display()
        )
    );
    let missing = tmp.path().join("missing.conll");
    let error = read_conll(&missing, &labels()).unwrap_err().to_string();
    assert!(error.starts_with(&missing.display().to_string()), "{error}");
}

#[test]
fn rows_group_by_sentence_id_like_pandas() {
    let rows = [
        (1, "Paris", "B-LOC"),
        (0, "Alice", "B-PER"),
        (1, "sleeps", "O"),
        (0, "runs", "O"),
    ];
    assert_eq!(
        sentences_from_rows(rows),
        [
            Sentence::new(["Alice", "runs"], ["B-PER", "O"]),
            Sentence::new(["Paris", "sleeps"], ["B-LOC", "O"]),
        ]
    );
}

/// `text` in ISO-8859-1 (every character below U+0100).
fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("latin-1 character"))
        .collect()
}

const ACCENTED: &str =
    "M\u{fc}ller B-PER\nlebt O\nin O\nK\u{f6}ln B-LOC\n\nS\u{e3}o B-LOC\nPaulo I-LOC\n";

fn accented() -> [Sentence; 2] {
    [
        Sentence::new(
            ["Müller", "lebt", "in", "Köln"],
            ["B-PER", "O", "O", "B-LOC"],
        ),
        Sentence::new(["São", "Paulo"], ["B-LOC", "I-LOC"]),
    ]
}

#[test]
fn latin1_files_are_read_whole_and_lazily() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "de.conll", &latin1(ACCENTED));
    let file = TextFile::new(&path, Some("latin-1"));
    assert_eq!(read_conll(file, &labels()).unwrap(), accented());
    let lazy = LazyConll::index(file, 0, &labels()).unwrap();
    assert_eq!(lazy.len(), 2);
    let [first, second] = accented();
    assert_eq!(lazy.sentences(&[1, 0]).unwrap(), [second, first]);
    // The same bytes as UTF-8 fail at the first non-ASCII byte, lazily too.
    let error = LazyConll::index(&path, 0, &labels()).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}: not valid utf-8 at byte 1 (line 1, found 0xfc)",
            path.display()
        )
    );
}

#[test]
fn utf16_files_are_read_whole_but_not_lazily() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend(ACCENTED.encode_utf16().flat_map(u16::to_be_bytes));
    let path = write(tmp.path(), "de.conll", &bytes);
    let file = TextFile::new(&path, Some("utf-16"));
    assert_eq!(read_conll(file, &labels()).unwrap(), accented());
    let error = LazyConll::index(file, 0, &labels()).unwrap_err();
    assert!(matches!(error, DataError::Text(_)), "{error}");
    assert!(
        error
            .to_string()
            .contains("needs an ASCII-compatible encoding"),
        "{error}"
    );
}

#[test]
fn bad_bytes_and_unknown_encodings_name_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "a.conll", b"Paris B-LOC\n\nna\xefve O\n");
    let error = read_conll(TextFile::new(&path, Some("ascii")), &labels()).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}: not valid ascii at byte 15 (line 3, found 0xef)",
            path.display()
        )
    );
    let error = read_conll(TextFile::new(&path, Some("ebcdic-ish")), &labels()).unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with(&path.display().to_string()),
        "{message}"
    );
    assert!(
        message.contains("unknown encoding \"ebcdic-ish\" given as argument `encoding`"),
        "{message}"
    );
    let error = LazyConll::index(TextFile::new(&path, Some("ebcdic-ish")), 0, &labels());
    assert!(matches!(error, Err(DataError::Text(_))));
}

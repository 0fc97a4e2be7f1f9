//! Data files in the encoding the `encoding` argument names: every reader (CSV, TSV, JSONL,
//! plain text, multi-label, lazy), strict decoding errors with file, byte offset and encoding,
//! unknown names, and UTF-16 refused for lazy loading.

use std::path::{Path, PathBuf};

use st_classification::lazy::LazyFile;
use st_classification::{
    ClassificationArgs, DataError, Example, read_examples, read_multilabel_examples, read_texts,
};
use st_core::text::TextFile;
use tempfile::TempDir;

fn write(name: &str, bytes: &[u8]) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write test file");
    (dir, path)
}

/// `text` in ISO-8859-1 (every character below U+0100).
fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("latin-1 character"))
        .collect()
}

/// `text` in UTF-16, little-endian with a byte-order mark, as Windows tools write it.
fn utf16_with_bom(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

/// The error's message with the temporary directory removed.
fn message(err: impl std::fmt::Display, path: &Path) -> String {
    let dir = path.parent().expect("file in a dir").display().to_string();
    err.to_string().replace(&format!("{dir}/"), "")
}

#[test]
fn latin1_files_read_in_every_format() {
    let expected = vec![
        Example::new("Müller's café", "négatif"),
        Example::new("¿Qué? ±1 °C", "positif"),
    ];
    let cases = [
        (
            "train.tsv",
            "text\tlabels\nMüller's café\tnégatif\n¿Qué? ±1 °C\tpositif\n",
        ),
        (
            "train.csv",
            "labels,text\nnégatif,Müller's café\npositif,\"¿Qué? ±1 °C\"\n",
        ),
        (
            "train.jsonl",
            "{\"text\": \"Müller's café\", \"labels\": \"négatif\"}\n\
             {\"text\": \"¿Qué? ±1 °C\", \"labels\": \"positif\"}\n",
        ),
    ];
    for (name, text) in cases {
        let (_dir, path) = write(name, &latin1(text));
        let file = TextFile::new(&path, Some("latin-1"));
        assert_eq!(read_examples(file, false).unwrap(), expected, "{name}");
        // The same bytes are not UTF-8, and are not read as if they were.
        let err = read_examples(&path, false).unwrap_err();
        assert!(matches!(err, DataError::Text(_)), "{name}: {err}");
    }
    let (_dir, path) = write("in.txt", &latin1("Grüße\n\nà bientôt\n"));
    let texts = read_texts(TextFile::new(&path, Some("ISO-8859-1"))).unwrap();
    assert_eq!(texts, ["Grüße", "à bientôt"]);
    let (_dir, path) = write("multi.tsv", &latin1("text\tlabels\nçà\t[1, 0]\n"));
    let rows = read_multilabel_examples(TextFile::new(&path, Some("latin1")), Some(2)).unwrap();
    assert_eq!(rows, [("çà".to_string(), vec![1, 0])]);
}

#[test]
fn latin1_keeps_c1_bytes_as_python_does() {
    // 0x80 is U+0080 in Python's latin-1 (windows-1252 would make it '€').
    let (_dir, path) = write("in.txt", b"a\x80b\n");
    let texts = read_texts(TextFile::new(&path, Some("latin-1"))).unwrap();
    assert_eq!(texts, ["a\u{80}b"]);
    let texts = read_texts(TextFile::new(&path, Some("cp1252"))).unwrap();
    assert_eq!(texts, ["a€b"]);
}

#[test]
fn utf16_files_are_read_whole() {
    let csv = "text,labels\n\"naïve, 日本\",1\nplain,0\n";
    let (_dir, path) = write("train.csv", &utf16_with_bom(csv));
    let examples = read_examples(TextFile::new(&path, Some("utf-16")), false).unwrap();
    assert_eq!(
        examples,
        [Example::new("naïve, 日本", 1), Example::new("plain", 0)]
    );
    let mut big_endian = Vec::new();
    big_endian.extend("ünï\ncode\n".encode_utf16().flat_map(u16::to_be_bytes));
    let (_dir, path) = write("in.txt", &big_endian);
    let texts = read_texts(TextFile::new(&path, Some("utf-16-be"))).unwrap();
    assert_eq!(texts, ["ünï", "code"]);
    // Without a byte-order mark `utf-16` cannot know the byte order.
    let err = read_texts(TextFile::new(&path, Some("utf-16"))).unwrap_err();
    assert!(message(&err, &path).contains("byte-order mark"), "{err}");
}

#[test]
fn undecodable_bytes_name_file_offset_line_and_encoding() {
    let (_dir, path) = write("train.tsv", b"text\tlabels\nna\xefve\t1\n");
    let err = read_examples(TextFile::new(&path, Some("ascii")), false).unwrap_err();
    assert_eq!(
        message(err, &path),
        "train.tsv: not valid ascii at byte 14 (line 2, found 0xef)"
    );
    let (_dir, path) = write("train.jsonl", b"{\"text\": \"x\x81\", \"labels\": 1}\n");
    let err = read_examples(TextFile::new(&path, Some("cp1252")), false).unwrap_err();
    assert_eq!(
        message(err, &path),
        "train.jsonl: not valid cp1252 at byte 11 (line 1, found 0x81)"
    );
}

#[test]
fn unknown_encoding_names_the_argument_and_value() {
    let (_dir, path) = write("train.tsv", b"text\tlabels\na\t1\n");
    let err = read_examples(TextFile::new(&path, Some("latin-9000")), false).unwrap_err();
    let text = message(err, &path);
    assert!(
        text.starts_with("train.tsv: unknown encoding \"latin-9000\" given as argument `encoding`"),
        "{text}"
    );
}

/// Lazy-loading arguments with `encoding`: text in column 0, label in column 1, a header.
fn lazy_args(encoding: &str) -> ClassificationArgs {
    let mut args = ClassificationArgs::default();
    args.model.encoding = Some(encoding.to_string());
    args
}

fn accept(_: &Example) -> Result<(), String> {
    Ok(())
}

#[test]
fn lazy_loading_reads_latin1_lines() {
    let tsv = latin1("text\tlabels\nMüller\t1\r\n\ncafé crème\t0\n");
    let (_dir, path) = write("train.tsv", &tsv);
    let lazy = LazyFile::index(&path, &lazy_args("latin-1"), &accept).unwrap();
    assert_eq!(lazy.len(), 2);
    assert_eq!(
        lazy.examples(&[1, 0]).unwrap(),
        [Example::new("café crème", 0), Example::new("Müller", 1)]
    );
    // Read as UTF-8 the first bad line is an error before training, with its byte offset.
    let err = LazyFile::index(&path, &lazy_args("utf-8"), &accept).unwrap_err();
    assert_eq!(
        message(err, &path),
        "train.tsv:2: not valid utf-8 at byte 13 (line 2, found 0xfc)"
    );
}

#[test]
fn lazy_loading_refuses_utf16_and_unknown_names() {
    let (_dir, path) = write("train.tsv", &utf16_with_bom("text\tlabels\na\t1\n"));
    let err = LazyFile::index(&path, &lazy_args("utf-16"), &accept).unwrap_err();
    let text = message(err, &path);
    assert!(
        text.starts_with("train.tsv: lazy loading reads the file line by line and needs an ASCII-compatible encoding"),
        "{text}"
    );
    let err = LazyFile::index(&path, &lazy_args("nope"), &accept).unwrap_err();
    let text = message(err, &path);
    assert!(
        text.contains("\"nope\" given as argument `encoding`"),
        "{text}"
    );
}

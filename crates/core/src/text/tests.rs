//! Encoding names, strict decoding with offsets, BOM handling and line reading.

use std::path::PathBuf;

use super::*;

fn encoding(name: &str) -> TextEncoding {
    TextEncoding::from_name(name).unwrap_or_else(|e| panic!("{e}"))
}

fn write(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.txt");
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

#[test]
fn python_spellings_name_the_encodings() {
    let cases = [
        ("utf-8", "utf-8"),
        ("UTF_8", "utf-8"),
        ("utf8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("Latin-1", "latin-1"),
        ("latin1", "latin-1"),
        ("ISO-8859-1", "latin-1"),
        ("iso_8859_1", "latin-1"),
        ("ascii", "ascii"),
        ("cp1252", "cp1252"),
        ("Windows-1252", "cp1252"),
        ("utf-16", "utf-16"),
        ("UTF-16-LE", "utf-16-le"),
        ("utf_16_be", "utf-16-be"),
        ("utf16le", "utf-16-le"),
        ("shift_jis", "Shift_JIS"),
        ("cp932", "Shift_JIS"),
        ("gbk", "GBK"),
        ("euc_kr", "EUC-KR"),
        ("ks_c_5601-1987", "EUC-KR"),
        ("big5", "Big5"),
        ("koi8_r", "KOI8-R"),
        ("cp1250", "windows-1250"),
    ];
    for (name, expected) in cases {
        assert_eq!(encoding(name).name(), expected, "{name}");
    }
    assert_eq!(TextEncoding::from_arg(None).unwrap(), TextEncoding::UTF_8);
}

#[test]
fn unknown_names_are_errors_naming_the_argument() {
    let error = TextEncoding::from_name("klingon").unwrap_err();
    let message = error.to_string();
    assert!(message.contains("\"klingon\""), "{message}");
    assert!(message.contains("argument `encoding`"), "{message}");
    // WHATWG's replacement encoding would turn every byte into U+FFFD.
    assert!(TextEncoding::from_name("iso-2022-kr").is_err());
    assert!(TextEncoding::from_name("").is_err());
}

#[test]
fn latin1_is_true_iso_8859_1_unlike_cp1252() {
    let bytes: Vec<u8> = (0x80..=0xFF).collect();
    let text = encoding("latin-1").decode(&bytes).unwrap();
    let expected: String = (0x80u32..=0xFF).filter_map(char::from_u32).collect();
    assert_eq!(text, expected);
    assert_eq!(
        encoding("latin-1").decode(b"M\xfcller caf\xe9").unwrap(),
        "Müller café"
    );
    assert_eq!(
        encoding("cp1252").decode(b"\x80 \x93x\x94").unwrap(),
        "€ “x”"
    );
    // Python's cp1252 leaves 0x81 undefined; WHATWG would map it to U+0081.
    let bad = encoding("cp1252").decode(b"ok\n\x81").unwrap_err();
    assert_eq!((bad.offset, bad.line, bad.bytes), (3, 2, vec![0x81]));
}

#[test]
fn invalid_bytes_report_offset_line_and_bytes() {
    let bad = encoding("utf-8").decode(b"ab\ncd\xffe").unwrap_err();
    assert_eq!((bad.offset, bad.line, bad.bytes), (5, 2, vec![0xff]));
    // A sequence cut off by the end of the input.
    let bad = encoding("utf-8").decode(b"a\xc3").unwrap_err();
    assert_eq!((bad.offset, bad.bytes), (1, vec![0xc3]));
    let bad = encoding("ascii").decode(b"ok\xe9").unwrap_err();
    assert_eq!((bad.offset, bad.line), (2, 1));
    // A lone high surrogate in UTF-16LE, after "a\n".
    let bytes = [0x61, 0x00, 0x0A, 0x00, 0x00, 0xD8, 0x62, 0x00];
    let bad = encoding("utf-16-le").decode(&bytes).unwrap_err();
    assert_eq!((bad.offset, bad.line), (4, 2));
    let bad = encoding("shift_jis").decode(b"\x93\xfa\x96").unwrap_err();
    assert_eq!(bad.offset, 2);
}

#[test]
fn multi_byte_encodings_decode() {
    assert_eq!(
        encoding("shift_jis").decode(b"\x93\xfa\x96\x7b").unwrap(),
        "日本"
    );
    assert_eq!(encoding("gbk").decode(b"\xd6\xd0\xce\xc4").unwrap(), "中文");
    assert_eq!(
        encoding("utf-16").decode(b"\xff\xfeh\x00\xe9\x00").unwrap(),
        "hé"
    );
    assert_eq!(
        encoding("utf-16").decode(b"\xfe\xff\x00h\x00\xe9").unwrap(),
        "hé"
    );
    assert_eq!(encoding("utf-16-be").decode(b"\x00h").unwrap(), "h");
}

#[test]
fn ascii_compatibility_decides_lazy_loading() {
    for name in ["utf-8", "latin-1", "cp1252", "shift_jis", "gbk", "euc-kr"] {
        assert!(encoding(name).is_ascii_compatible(), "{name}");
    }
    for name in ["utf-16", "utf-16-le", "utf-16-be", "iso-2022-jp"] {
        assert!(!encoding(name).is_ascii_compatible(), "{name}");
    }
}

#[test]
fn whole_files_drop_a_leading_bom_under_every_encoding() {
    let (_dir, path) = write(b"\xef\xbb\xbftext\n\xef\xbb\xbfkept");
    for name in [None, Some("utf-8"), Some("utf-8-sig")] {
        let text = TextFile::new(&path, name).read_to_string().unwrap();
        assert_eq!(text, "text\n\u{feff}kept", "{name:?}");
    }
    let (_dir, path) = write(b"\xff\xfea\x00\n\x00");
    assert_eq!(
        TextFile::new(&path, Some("utf-16"))
            .read_to_string()
            .unwrap(),
        "a\n"
    );
    assert_eq!(
        TextFile::new(&path, Some("utf-16-le"))
            .read_to_string()
            .unwrap(),
        "a\n"
    );
}

#[test]
fn whole_file_errors_name_file_offset_and_encoding() {
    let (_dir, path) = write(b"line one\nline \xff two\n");
    let error = TextFile::from(&path).read_to_string().unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}: not valid utf-8 at byte 14 (line 2, found 0xff)",
            path.display()
        )
    );
    let error = TextFile::new(&path, Some("klingon"))
        .read_to_string()
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with(&path.display().to_string()),
        "{message}"
    );
    assert!(message.contains("argument `encoding`"), "{message}");

    let (_dir, path) = write(b"a\x00b\x00");
    let error = TextFile::new(&path, Some("utf-16"))
        .read_to_string()
        .unwrap_err();
    assert!(matches!(error.problem, TextProblem::MissingBom), "{error}");
    assert!(error.to_string().contains("utf-16-le"), "{error}");

    let missing = path.with_file_name("missing.txt");
    let error = TextFile::from(missing.as_path())
        .read_to_string()
        .unwrap_err();
    assert!(matches!(error.problem, TextProblem::Io(_)), "{error}");
}

#[test]
fn lines_keep_offsets_and_decode_one_at_a_time() {
    let (_dir, path) = write(b"\xef\xbb\xbfcaf\xe9\r\n\nM\xfcller\nlast");
    let latin1 = TextFile::new(&path, Some("latin-1"))
        .line_decoder()
        .unwrap();
    let mut lines = latin1.lines().unwrap();
    let mut seen = Vec::new();
    while let Some(line) = lines.next_line().unwrap() {
        let text = latin1.decode(&line).unwrap().into_owned();
        seen.push((line.offset, line.number, text));
    }
    // Read as latin-1 the UTF-8 BOM is three characters, not a BOM.
    assert_eq!(
        seen,
        [
            (0, 1, "ï»¿café".to_string()),
            (9, 2, String::new()),
            (10, 3, "Müller".to_string()),
            (17, 4, "last".to_string()),
        ]
    );
    lines.seek(10, 3).unwrap();
    let line = lines.next_line().unwrap().unwrap();
    assert_eq!(
        (line.offset, line.number, line.bytes),
        (10, 3, &b"M\xfcller"[..])
    );

    let utf8 = TextFile::from(path.as_path()).line_decoder().unwrap();
    let mut lines = utf8.lines().unwrap();
    let first = lines.next_line().unwrap().unwrap();
    let error = utf8.decode(&first).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}: not valid utf-8 at byte 6 (line 1, found 0xe9)",
            path.display()
        )
    );
    lines.seek(10, 3).unwrap();
    let third = lines.next_line().unwrap().unwrap();
    let error = utf8.decode(&third).unwrap_err().to_string();
    assert!(
        error.ends_with("at byte 11 (line 3, found 0xfc)"),
        "{error}"
    );
}

#[test]
fn lazy_reading_needs_an_ascii_compatible_encoding() {
    let (_dir, path) = write(b"\xff\xfea\x00");
    let error = TextFile::new(&path, Some("utf-16"))
        .line_decoder()
        .unwrap_err();
    assert!(
        matches!(
            error.problem,
            TextProblem::NotAsciiCompatible { encoding: "utf-16" }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("ASCII-compatible"), "{error}");
}

//! The data-file loader: every format, the column conventions, label typing, multi-label
//! lists, and each kind of bad input with the exact `file:line` it is reported at.

use std::path::{Path, PathBuf};

use st_classification::{
    DataError, Example, FileFormat, Label, check_labels, load_examples, read_examples,
    read_multilabel_examples, read_texts,
};
use tempfile::TempDir;

/// Writes `contents` to `name` in a fresh temporary directory (kept alive by the guard).
fn write(name: &str, contents: impl AsRef<[u8]>) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, contents).expect("write test file");
    (dir, path)
}

/// The error's message with the temporary directory removed, for exact comparison.
fn message(err: DataError, path: &Path) -> String {
    let dir = path.parent().expect("file in a dir").display().to_string();
    err.to_string().replace(&format!("{dir}/"), "")
}

/// The message of `read_examples` failing on `name` with `contents`.
fn examples_error(name: &str, contents: &str, regression: bool) -> String {
    let (_dir, path) = write(name, contents);
    let err = read_examples(&path, regression).expect_err("should fail");
    message(err, &path)
}

/// The message of `read_multilabel_examples` failing on `name` with `contents`.
fn multilabel_error(name: &str, contents: &str, num_labels: Option<usize>) -> String {
    let (_dir, path) = write(name, contents);
    let err = read_multilabel_examples(&path, num_labels).expect_err("should fail");
    message(err, &path)
}

#[test]
fn csv_with_header_handles_quoting_and_column_order() {
    let csv = "id,labels,text\n\
               7,1,\"great, really \"\"great\"\" film\"\n\
               8,0,plain text\n";
    let (_dir, path) = write("train.csv", csv);
    let examples = read_examples(&path, false).unwrap();
    assert_eq!(
        examples,
        vec![
            Example::new("great, really \"great\" film", 1),
            Example::new("plain text", 0),
        ]
    );
}

#[test]
fn csv_quoted_newline_keeps_line_numbers_of_row_starts() {
    let csv = "text,labels\n\"two\nlines\",1\nnext,x\n";
    let (_dir, path) = write("train.csv", csv);
    let loaded = load_examples(&path, false).unwrap();
    assert_eq!(loaded.examples[0].text_a, "two\nlines");
    assert_eq!(loaded.lines, vec![2, 4]);
}

#[test]
fn tsv_with_header_keeps_quotes_literally() {
    let tsv = "text\tlabels\nshe said \"hi\"\tpos\n\"quoted\" start\tneg\n";
    let (_dir, path) = write("train.tsv", tsv);
    let examples = read_examples(&path, false).unwrap();
    assert_eq!(
        examples,
        vec![
            Example::new("she said \"hi\"", "pos"),
            Example::new("\"quoted\" start", "neg"),
        ]
    );
}

#[test]
fn label_header_alias_is_accepted() {
    let (_dir, path) = write("train.csv", "label,text\n2,a\n");
    assert_eq!(
        read_examples(&path, false).unwrap(),
        vec![Example::new("a", 2)]
    );
}

#[test]
fn headerless_file_falls_back_to_columns_zero_and_one_skipping_blank_lines() {
    let (_dir, path) = write("train.tsv", "good film\t1\n\nbad film\t0\textra\r\n");
    let loaded = load_examples(&path, false).unwrap();
    assert_eq!(
        loaded.examples,
        vec![Example::new("good film", 1), Example::new("bad film", 0)]
    );
    assert_eq!(loaded.lines, vec![1, 3]);
}

#[test]
fn sentence_pair_columns() {
    let csv = "labels,text_b,text_a\nentailment,b one,a one\n1,b two,a two\n";
    let (_dir, path) = write("pairs.csv", csv);
    let examples = read_examples(&path, false).unwrap();
    assert_eq!(
        examples,
        vec![
            Example::pair("a one", "b one", "entailment"),
            Example::pair("a two", "b two", 1),
        ]
    );
}

#[test]
fn jsonl_single_and_pair_rows_with_blank_lines() {
    let jsonl = "{\"text\": \"one\", \"labels\": 1}\n\n  \n\
                 {\"text_a\": \"a\", \"text_b\": \"b\", \"labels\": \"yes\"}\r\n\
                 {\"text\": \"three\", \"label\": 0.25, \"extra\": [1]}\n";
    let (_dir, path) = write("train.jsonl", jsonl);
    let loaded = load_examples(&path, false).unwrap();
    assert_eq!(
        loaded.examples,
        vec![
            Example::new("one", 1),
            Example::pair("a", "b", "yes"),
            Example::new("three", 0.25),
        ]
    );
    assert_eq!(loaded.lines, vec![1, 4, 5]);
}

#[test]
fn json_lines_extension_and_byte_order_mark() {
    let (_dir, path) = write("t.json-lines", "\u{feff}{\"text\": \"x\", \"labels\": 0}\n");
    assert_eq!(
        read_examples(&path, false).unwrap(),
        vec![Example::new("x", 0)]
    );
    let (_dir, path) = write("t.csv", "\u{feff}text,labels\nx,0\n");
    let loaded = load_examples(&path, false).unwrap();
    assert_eq!(loaded.examples, vec![Example::new("x", 0)]);
    assert_eq!(loaded.lines, vec![2]);
}

#[test]
fn labels_are_typed_by_their_look() {
    let csv = "text,labels\na,1\nb,-3\nc,0.5\nd,positive\ne, 2 \nf,nan\n";
    let (_dir, path) = write("train.csv", csv);
    let labels: Vec<Label> = read_examples(&path, false)
        .unwrap()
        .into_iter()
        .map(|e| e.label)
        .collect();
    assert_eq!(
        labels,
        vec![
            Label::Int(1),
            Label::Int(-3),
            Label::Float(0.5),
            Label::Text("positive".into()),
            Label::Int(2),
            Label::Text("nan".into()),
        ]
    );
    let jsonl = "{\"text\": \"a\", \"labels\": 3}\n{\"text\": \"b\", \"labels\": 1.5}\n\
                 {\"text\": \"c\", \"labels\": \"7\"}\n";
    let (_dir, path) = write("train.jsonl", jsonl);
    let labels: Vec<Label> = read_examples(&path, false)
        .unwrap()
        .into_iter()
        .map(|e| e.label)
        .collect();
    assert_eq!(
        labels,
        vec![Label::Int(3), Label::Float(1.5), Label::Int(7)]
    );
}

#[test]
fn regression_labels_become_floats() {
    let (_dir, path) = write("train.tsv", "text\tlabels\na\t1\nb\t-0.25\nc\t2e-1\n");
    let labels: Vec<Label> = read_examples(&path, true)
        .unwrap()
        .into_iter()
        .map(|e| e.label)
        .collect();
    assert_eq!(
        labels,
        vec![Label::Float(1.0), Label::Float(-0.25), Label::Float(0.2)]
    );
}

#[test]
fn regression_rejects_text_labels() {
    let tsv = "text\tlabels\na\t1\nb\tabc\n";
    assert_eq!(
        examples_error("train.tsv", tsv, true),
        "train.tsv:3: label \"abc\" is not a number (regression)"
    );
}

#[test]
fn multilabel_jsonl_and_csv() {
    let jsonl =
        "{\"text\": \"a\", \"labels\": [1, 0, 1]}\n{\"text\": \"b\", \"labels\": \"[0,1,0]\"}\n";
    let (_dir, path) = write("train.jsonl", jsonl);
    assert_eq!(
        read_multilabel_examples(&path, Some(3)).unwrap(),
        vec![
            ("a".to_owned(), vec![1, 0, 1]),
            ("b".to_owned(), vec![0, 1, 0])
        ]
    );
    let csv = "text,labels\n\"x, y\",\"[1, 1]\"\nz,\"[0, 0]\"\n";
    let (_dir, path) = write("train.csv", csv);
    assert_eq!(
        read_multilabel_examples(&path, None).unwrap(),
        vec![
            ("x, y".to_owned(), vec![1, 1]),
            ("z".to_owned(), vec![0, 0])
        ]
    );
}

#[test]
fn multilabel_length_is_checked_against_num_labels_and_first_row() {
    let csv = "text,labels\na,\"[1,0,1]\"\n";
    assert_eq!(
        multilabel_error("train.csv", csv, Some(4)),
        "train.csv:2: multi-hot label has 3 values, expected 4"
    );
    let jsonl = "{\"text\": \"a\", \"labels\": [1, 0]}\n{\"text\": \"b\", \"labels\": [1, 0, 0]}\n";
    assert_eq!(
        multilabel_error("train.jsonl", jsonl, None),
        "train.jsonl:2: multi-hot label has 3 values, expected 2"
    );
}

#[test]
fn multilabel_values_must_be_zero_or_one() {
    let jsonl = "{\"text\": \"a\", \"labels\": [1, 2]}\n";
    assert_eq!(
        multilabel_error("train.jsonl", jsonl, None),
        "train.jsonl:1: multi-hot label value 2 is not 0 or 1"
    );
    let tsv = "text\tlabels\na\t[0.5, 1]\n";
    assert_eq!(
        multilabel_error("train.tsv", tsv, None),
        "train.tsv:2: multi-hot label value 0.5 is not 0 or 1"
    );
    let tsv = "text\tlabels\na\t1\n";
    assert_eq!(
        multilabel_error("train.tsv", tsv, None),
        "train.tsv:2: multi-hot label must be a JSON list of 0/1, found a number"
    );
}

#[test]
fn multilabel_cell_with_bad_json_names_the_line() {
    let tsv = "text\tlabels\na\t[1, 0]\nb\t[1, 0\n";
    let msg = multilabel_error("train.tsv", tsv, None);
    assert!(msg.starts_with("train.tsv:3: invalid JSON: "), "{msg}");
}

#[test]
fn missing_column_names_line_and_field_count() {
    let tsv = "good\t1\nbad\t0\nno label here\n";
    assert_eq!(
        examples_error("train.tsv", tsv, false),
        "train.tsv:3: missing column \"labels\" (row has 1 field)"
    );
    let csv = "text_a,text_b,labels\na,b,1\nonly,two\n";
    assert_eq!(
        examples_error("pairs.csv", csv, false),
        "pairs.csv:3: missing column \"labels\" (row has 2 fields)"
    );
}

#[test]
fn line_numbers_count_blank_lines_and_multiline_cells() {
    let csv = "text,labels\r\n\r\n\r\na,1\r\n\"b\nc\",2\n\n\nbroken\n";
    assert_eq!(
        examples_error("train.csv", csv, false),
        "train.csv:9: missing column \"labels\" (row has 1 field)"
    );
}

#[test]
fn half_recognised_header_is_an_error() {
    let csv = "text,sentiment\na,1\n";
    assert_eq!(
        examples_error("train.csv", csv, false),
        "train.csv:1: header has no \"labels\" column (columns: text, sentiment)"
    );
}

#[test]
fn invalid_json_line() {
    let jsonl = "{\"text\": \"a\", \"labels\": 1}\n{\"text\": \"b\", \"labels\": }\n";
    let msg = examples_error("train.jsonl", jsonl, false);
    assert!(msg.starts_with("train.jsonl:2: invalid JSON: "), "{msg}");
}

#[test]
fn jsonl_shape_errors() {
    let cases = [
        (
            "[1, 2]",
            "train.jsonl:1: expected a JSON object, found a list",
        ),
        ("{\"labels\": 1}", "train.jsonl:1: missing key \"text\""),
        ("{\"text\": \"a\"}", "train.jsonl:1: missing key \"labels\""),
        (
            "{\"text\": 5, \"labels\": 1}",
            "train.jsonl:1: \"text\" is not a string",
        ),
        (
            "{\"text\": \"a\", \"labels\": null}",
            "train.jsonl:1: label must be a number or a string, found null",
        ),
        (
            "{\"text\": \"a\", \"labels\": \"\"}",
            "train.jsonl:1: empty label",
        ),
    ];
    for (line, expected) in cases {
        assert_eq!(examples_error("train.jsonl", line, false), expected);
    }
}

#[test]
fn invalid_utf8_names_the_byte_and_line() {
    let (_dir, path) = write("train.tsv", b"text\tlabels\nok\t1\nbad \xff\t0\n");
    let err = read_examples(&path, false).unwrap_err();
    assert_eq!(
        message(err, &path),
        "train.tsv: not valid utf-8 at byte 21 (line 3, found 0xff)"
    );
    let (_dir, path) = write("train.jsonl", b"{\"text\": \"\xc3\", \"labels\": 1}\n");
    let err = read_examples(&path, false).unwrap_err();
    assert_eq!(
        message(err, &path),
        "train.jsonl: not valid utf-8 at byte 10 (line 1, found 0xc3)"
    );
    let (_dir, path) = write("in.txt", b"fine\n\xfe\n");
    let err = read_texts(&path).unwrap_err();
    assert_eq!(
        message(err, &path),
        "in.txt: not valid utf-8 at byte 5 (line 2, found 0xfe)"
    );
}

#[test]
fn empty_and_header_only_files_have_no_examples() {
    assert_eq!(
        examples_error("train.tsv", "", false),
        "train.tsv: no examples"
    );
    assert_eq!(
        examples_error("train.csv", "text,labels\n", false),
        "train.csv: no examples"
    );
    assert_eq!(
        examples_error("train.jsonl", "\n  \n", false),
        "train.jsonl: no examples"
    );
    let (_dir, path) = write("in.txt", "\n\n");
    let err = read_texts(&path).unwrap_err();
    assert_eq!(message(err, &path), "in.txt: no examples");
}

#[test]
fn unknown_extension_lists_supported_ones() {
    let (_dir, path) = write("train.parquet", "x");
    let err = read_examples(&path, false).unwrap_err();
    assert_eq!(
        message(err, &path),
        "train.parquet: unsupported file extension .parquet; supported: .csv, .tsv, .txt, \
         .jsonl, .json-lines"
    );
    assert!(FileFormat::from_path(Path::new("noext")).is_err());
    assert_eq!(
        FileFormat::from_path(Path::new("a.TXT")).unwrap(),
        FileFormat::Tsv
    );
}

#[test]
fn unreadable_file_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.csv");
    let err = read_examples(&path, false).unwrap_err();
    assert!(matches!(err, DataError::Io { .. }));
    assert!(
        err.to_string().starts_with(&path.display().to_string()),
        "{err}"
    );
}

#[test]
fn read_texts_plain_text() {
    let (_dir, path) = write("in.txt", "first text\n\n  \nsecond, with \"quotes\"\r\n");
    assert_eq!(
        read_texts(&path).unwrap(),
        vec!["first text", "second, with \"quotes\""]
    );
    let (_dir, path) = write("inputs", "no extension\n");
    assert_eq!(read_texts(&path).unwrap(), vec!["no extension"]);
}

#[test]
fn read_texts_from_columns() {
    let (_dir, path) = write("eval.tsv", "labels\ttext\n1\tfirst\n0\tsecond\n");
    assert_eq!(read_texts(&path).unwrap(), vec!["first", "second"]);
    let (_dir, path) = write("eval.csv", "text_a,other\nonly a,x\n");
    assert_eq!(read_texts(&path).unwrap(), vec!["only a"]);
    let (_dir, path) = write("eval.jsonl", "{\"text\": \"j\"}\n");
    assert_eq!(read_texts(&path).unwrap(), vec!["j"]);
    let (_dir, path) = write("eval.tsv", "no header\t1\n");
    assert_eq!(read_texts(&path).unwrap(), vec!["no header"]);
}

#[test]
fn pairs_are_refused_where_only_texts_fit() {
    let csv = "text_a,text_b\na,b\n";
    let (_dir, path) = write("eval.csv", csv);
    let err = read_texts(&path).unwrap_err();
    assert_eq!(
        message(err, &path),
        "eval.csv:1: sentence pairs (\"text_b\") are not supported here"
    );
}

#[test]
fn check_labels_names_file_and_line() {
    let (_dir, path) = write("train.tsv", "text\tlabels\na\tpos\nb\tneg\nc\tneutral\n");
    let loaded = load_examples(&path, false).unwrap();
    let known = [Label::from("pos"), Label::from("neg")];
    let err = check_labels(&loaded, &known).unwrap_err();
    assert_eq!(
        message(err, &path),
        "train.tsv:4: label \"neutral\" is not in labels_list [pos, neg]"
    );
    let all = [known[0].clone(), known[1].clone(), Label::from("neutral")];
    assert!(check_labels(&loaded, &all).is_ok());
}

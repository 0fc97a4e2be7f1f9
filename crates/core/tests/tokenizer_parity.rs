//! Token ids identical to Python `transformers` tokenizers on the same files
//! (`fixtures/tokenizers/cases.json`, made by `scripts/make_fixtures.py`): tokenizer.json,
//! the vocab.txt WordPiece fallback (cased and uncased), and the vocab.json + merges.txt
//! byte-level BPE fallback (RoBERTa template and plain GPT-2).

use std::path::PathBuf;

use serde_json::Value;
use st_core::tokenizer::{Padding, SpecialTokens, TextInput, Tokenizer, TokenizerOptions};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn ints(value: &Value) -> Vec<Vec<i64>> {
    value
        .as_array()
        .expect("matrix")
        .iter()
        .map(|row| {
            row.as_array()
                .expect("row")
                .iter()
                .map(|v| v.as_i64().expect("int"))
                .collect()
        })
        .collect()
}

fn rows(flat: &[i64], seq_len: usize) -> Vec<Vec<i64>> {
    flat.chunks(seq_len.max(1)).map(<[i64]>::to_vec).collect()
}

fn tokenizer_for(case: &Value) -> Tokenizer {
    let dir = fixtures().join(case["dir"].as_str().unwrap());
    let files = case["files"].as_str().unwrap();
    let special_tokens = match (files, case.get("template").and_then(Value::as_str)) {
        (_, Some("none")) => SpecialTokens::None,
        ("vocab.json+merges.txt", _) => SpecialTokens::Roberta,
        _ => SpecialTokens::Bert,
    };
    let options = TokenizerOptions {
        do_lower_case: case["do_lower_case"].as_bool().unwrap_or(false),
        special_tokens,
        ignore_tokenizer_json: files != "tokenizer.json",
        ..Default::default()
    };
    Tokenizer::from_dir(&dir, &options).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

#[test]
fn ids_match_python_tokenizers() {
    let path = fixtures().join("tokenizers/cases.json");
    let cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("cases.json")).unwrap();
    assert!(cases.len() >= 8, "expected a good number of cases");
    for (n, case) in cases.iter().enumerate() {
        let tokenizer = tokenizer_for(case);
        let max_length = case["max_length"].as_u64().unwrap_or(512) as usize;
        let texts = case["texts"].as_array().unwrap();
        let inputs: Vec<TextInput> = texts
            .iter()
            .map(|t| match t {
                Value::String(s) => TextInput::Single(s),
                Value::Array(pair) => {
                    TextInput::Pair(pair[0].as_str().unwrap(), pair[1].as_str().unwrap())
                }
                other => panic!("case {n}: bad text {other}"),
            })
            .collect();
        let label = format!("case {n} ({} {})", case["dir"], case["files"]);
        let expected_ids = ints(&case["input_ids"]);
        match case["padding"].as_str() {
            None => {
                for (input, expected) in inputs.iter().zip(&expected_ids) {
                    let encoding = tokenizer.encode(*input, max_length).unwrap();
                    let ids: Vec<i64> = encoding.get_ids().iter().map(|&i| i64::from(i)).collect();
                    assert_eq!(&ids, expected, "{label}: {input:?}");
                }
            }
            Some(padding) => {
                let padding = match padding {
                    "longest" => Padding::Longest,
                    "max_length" => Padding::MaxLength,
                    other => panic!("{label}: padding {other}"),
                };
                let batch = tokenizer
                    .encode_batch(&inputs, max_length, padding)
                    .unwrap();
                assert_eq!(
                    rows(&batch.input_ids, batch.seq_len),
                    expected_ids,
                    "{label}: input_ids"
                );
                assert_eq!(
                    rows(&batch.attention_mask, batch.seq_len),
                    ints(&case["attention_mask"]),
                    "{label}: attention_mask"
                );
                if let Some(types) = case.get("token_type_ids").filter(|v| !v.is_null()) {
                    assert_eq!(
                        rows(&batch.token_type_ids, batch.seq_len),
                        ints(types),
                        "{label}: token_type_ids"
                    );
                }
            }
        }
    }
}

#[test]
fn missing_tokenizer_files_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let err = Tokenizer::from_dir(tmp.path(), &TokenizerOptions::default()).unwrap_err();
    assert!(err.to_string().contains("no tokenizer files"), "{err}");
}

#[test]
fn a_sentencepiece_model_alone_is_refused_with_how_to_convert_it() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("spiece.model"), b"not read").unwrap();
    let err = Tokenizer::from_dir(tmp.path(), &TokenizerOptions::default()).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("spiece.model"), "{message}");
    assert!(message.contains("without tokenizer.json"), "{message}");
    assert!(message.contains("save_pretrained"), "{message}");
}

#[test]
fn a_marian_tokenizer_without_tokenizer_json_names_the_conversion_script() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["source.spm", "target.spm", "vocab.json"] {
        std::fs::write(tmp.path().join(name), b"not read").unwrap();
    }
    let err = Tokenizer::from_dir(tmp.path(), &TokenizerOptions::default()).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("a Marian tokenizer"), "{message}");
    assert!(
        message.contains("scripts/convert_marian_tokenizer.py"),
        "{message}"
    );
}

#[test]
fn do_lower_case_forces_lowercasing() {
    let dir = fixtures().join("models/bert");
    let lower = Tokenizer::from_dir(
        &dir,
        &TokenizerOptions {
            do_lower_case: true,
            ..Default::default()
        },
    )
    .unwrap();
    let a = lower.encode(TextInput::Single("HELLO World"), 32).unwrap();
    let b = lower.encode(TextInput::Single("hello world"), 32).unwrap();
    assert_eq!(a.get_ids(), b.get_ids());
}

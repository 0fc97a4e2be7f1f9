//! `train_tokenizer` against the tokenizers Python's `train_tokenizer` makes from the same
//! corpus and settings (`scripts/make_tokenizer_training_fixtures.py`): byte-level BPE equal
//! file for file and id for id; WordPiece equal in what is deterministic in both (size,
//! special tokens, the alphabet in order, the count of `##` pieces).

use std::path::PathBuf;

use serde_json::Value;
use st_core::tokenizer::{SpecialTokens, TextInput, Tokenizer, TokenizerOptions};
use st_lm::{LanguageModelingArgs, train_tokenizer};

fn fixtures() -> PathBuf {
    st_test_support::fixtures().join("tokenizer_training")
}

fn args(reference: &Value) -> LanguageModelingArgs {
    let settings = &reference["settings"]["args_in"];
    let mut args = LanguageModelingArgs {
        vocab_size: settings["vocab_size"].as_u64().map(|v| v as usize),
        min_frequency: settings["min_frequency"].as_u64().unwrap(),
        special_tokens: serde_json::from_value(settings["special_tokens"].clone()).unwrap(),
        ..Default::default()
    };
    args.model.do_lower_case = settings["do_lower_case"].as_bool().unwrap();
    args.model.silent = true;
    args
}

#[test]
fn byte_level_bpe_equals_pythons() {
    let reference = st_test_support::reference(&fixtures().join("gpt2"));
    let out = tempfile::tempdir().unwrap();
    let corpus = fixtures().join("corpus.txt");
    let written = train_tokenizer("gpt2", &[corpus], &args(&reference), out.path()).unwrap();
    assert_eq!(written.len(), 2);
    for file in ["vocab.json", "merges.txt"] {
        let ours = std::fs::read_to_string(out.path().join(file)).unwrap();
        let theirs = std::fs::read_to_string(fixtures().join("gpt2").join(file)).unwrap();
        assert_eq!(ours, theirs, "{file}");
    }
    // Reloaded as a GPT-2 tokenizer (Python: GPT2Tokenizer, which adds <|endoftext|>).
    let options = TokenizerOptions {
        do_lower_case: false,
        special_tokens: SpecialTokens::EndOfText,
        ignore_tokenizer_json: false,
        ..Default::default()
    };
    let tokenizer = Tokenizer::from_dir(out.path(), &options).unwrap();
    assert_eq!(
        tokenizer.vocab_size() as u64,
        reference["reloaded"]["len"].as_u64().unwrap()
    );
    let texts = reference["texts"].as_array().unwrap();
    for (text, ids) in texts.iter().zip(reference["ids"].as_array().unwrap()) {
        let encoded = tokenizer
            .encode(TextInput::Single(text.as_str().unwrap()), usize::MAX)
            .unwrap();
        let ours: Vec<u64> = encoded.get_ids().iter().map(|&i| i as u64).collect();
        let theirs: Vec<u64> = ids
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(ours, theirs, "{text}");
    }
}

#[test]
fn wordpiece_matches_pythons_deterministic_part() {
    let reference = st_test_support::reference(&fixtures().join("bert"));
    let invariants = &reference["invariants"];
    let out = tempfile::tempdir().unwrap();
    let corpus = fixtures().join("corpus.txt");
    train_tokenizer("bert", &[corpus], &args(&reference), out.path()).unwrap();
    let vocab: Vec<String> = std::fs::read_to_string(out.path().join("vocab.txt"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(
        vocab.len() as u64,
        invariants["vocab_size"].as_u64().unwrap()
    );
    let special: Vec<String> =
        serde_json::from_value(invariants["special_tokens"].clone()).unwrap();
    let alphabet: Vec<String> = serde_json::from_value(invariants["alphabet"].clone()).unwrap();
    let prefix: Vec<String> = special.iter().chain(&alphabet).cloned().collect();
    let stable = invariants["stable_prefix"].as_u64().unwrap() as usize;
    assert_eq!(prefix.len(), stable);
    assert_eq!(&vocab[..stable], prefix.as_slice());
    let continuations = vocab
        .iter()
        .filter(|t| t.starts_with("##") && t.chars().count() == 3)
        .count();
    assert_eq!(
        continuations as u64,
        invariants["continuation_chars"].as_u64().unwrap()
    );
}

#[test]
fn what_cannot_be_trained_says_why() {
    let out = tempfile::tempdir().unwrap();
    let corpus = fixtures().join("corpus.txt");
    let mut args = LanguageModelingArgs::default();
    let err =
        train_tokenizer("gpt2", std::slice::from_ref(&corpus), &args, out.path()).unwrap_err();
    assert!(err.to_string().contains("vocab_size"), "{err}");
    args.vocab_size = Some(300);
    let err = train_tokenizer("bigbird", &[corpus], &args, out.path()).unwrap_err();
    assert!(err.to_string().contains("sentencepiece"), "{err}");
}

/// xlmroberta: SentencePiece-style BPE equal to `tokenizers`' `SentencePieceBPETokenizer`
/// file for file and id for id, saved as a `tokenizer.json` that frames texts as XLM-R does.
#[test]
fn sentencepiece_bpe_equals_pythons() {
    let fixture = fixtures().join("sentencepiece_bpe");
    let reference = st_test_support::reference(&fixture);
    let train = &reference["settings"]["train"]["kwargs"];
    let args = LanguageModelingArgs {
        vocab_size: train["vocab_size"].as_u64().map(|v| v as usize),
        min_frequency: train["min_frequency"].as_u64().unwrap(),
        special_tokens: serde_json::from_value(train["special_tokens"].clone()).unwrap(),
        ..Default::default()
    };
    let out = tempfile::tempdir().unwrap();
    let corpus = fixtures().join("corpus.txt");
    train_tokenizer("xlmroberta", &[corpus], &args, out.path()).unwrap();
    for file in ["vocab.json", "merges.txt"] {
        let ours = std::fs::read_to_string(out.path().join(file)).unwrap();
        let theirs = std::fs::read_to_string(fixture.join(file)).unwrap();
        assert_eq!(ours, theirs, "{file}");
    }
    let raw = tokenizers::Tokenizer::from_file(out.path().join("tokenizer.json")).unwrap();
    let options = TokenizerOptions {
        do_lower_case: false,
        special_tokens: SpecialTokens::Roberta,
        ignore_tokenizer_json: false,
        ..Default::default()
    };
    let framed = Tokenizer::from_dir(out.path(), &options).unwrap();
    let texts = reference["texts"].as_array().unwrap();
    for (text, ids) in texts.iter().zip(reference["raw_ids"].as_array().unwrap()) {
        let text = text.as_str().unwrap();
        let theirs: Vec<u32> = (ids.as_array().unwrap().iter())
            .map(|v| v.as_u64().unwrap() as u32)
            .collect();
        assert_eq!(
            raw.encode(text, false).unwrap().get_ids(),
            theirs.as_slice(),
            "{text}"
        );
        let ours = framed.encode(TextInput::Single(text), usize::MAX).unwrap();
        let mut expected = vec![0];
        expected.extend(&theirs);
        expected.push(2);
        assert_eq!(ours.get_ids(), expected.as_slice(), "{text}: <s> … </s>");
    }
}

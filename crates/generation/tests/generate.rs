//! `LanguageGenerationModel` on the tiny random GPT-2 of `fixtures/models/gpt2` (GPT-2's real
//! byte-level BPE tokenizer): Python's text shape (prompt + continuation, `max_length` new
//! tokens, `stop_token`), every argument reaching the engine, streaming that adds up to the
//! result, seeded sampling, added special tokens, and a saved model that generates the same.

use std::path::PathBuf;
use std::sync::Mutex;

use serde_json::json;
use st_generation::{
    GenerationError, GenerationOptions, LanguageGenerationArgs, LanguageGenerationModel,
};
use st_models::generate::{self, GenerationConfig};

fn fixture() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/models/gpt2")
        .to_string_lossy()
        .into_owned()
}

fn load(overrides: serde_json::Value) -> LanguageGenerationModel {
    let options = GenerationOptions {
        overrides: Some(overrides),
        ..Default::default()
    };
    LanguageGenerationModel::new("gpt2", &fixture(), options).unwrap()
}

fn greedy() -> serde_json::Value {
    json!({"do_sample": false, "max_length": 8})
}

const PROMPT: &str = "The weather today is";

#[test]
fn greedy_text_is_the_prompt_and_the_decoded_engine_tokens() {
    let model = load(greedy());
    let texts = model.generate(Some(PROMPT)).unwrap();
    assert_eq!(texts.len(), 1);
    // The same tokens straight from the engine, decoded.
    let ids = model.tokenizer().encode_plain(PROMPT).unwrap();
    let config = GenerationConfig {
        max_new_tokens: Some(8),
        eos_token_id: vec![50256],
        pad_token_id: Some(50256),
        ..GenerationConfig::default()
    };
    let out = generate::generate(
        model.model(),
        model.model().new_cache(),
        std::slice::from_ref(&ids),
        &config,
    )
    .unwrap();
    let new = &out[0][0].tokens;
    assert!(
        new.len() == 8 || new.last() == Some(&50256),
        "max_length counts new tokens"
    );
    let full = model
        .tokenizer()
        .decode(&[ids.clone(), new.clone()].concat(), true)
        .unwrap();
    let prompt = model.tokenizer().decode(&ids, true).unwrap();
    let clean = st_generation::text::clean_up_tokenization;
    let expected = format!("{PROMPT}{}", &clean(&full)[clean(&prompt).len()..]);
    assert_eq!(texts[0], expected);
    assert!(texts[0].len() > PROMPT.len());
}

#[test]
fn stop_token_cuts_the_continuation() {
    let model = load(greedy());
    let full = model.generate(Some(PROMPT)).unwrap().remove(0);
    let continuation = &full[PROMPT.len()..];
    // Stop at the continuation's second character onwards: only its first character is kept.
    let first = continuation.chars().next().unwrap();
    let stop: String = continuation[first.len_utf8()..].chars().take(2).collect();
    let mut args = model.args().clone();
    args.stop_token = Some(stop.clone());
    let cut = model.generate_with(Some(PROMPT), &args).unwrap().remove(0);
    let at = continuation.find(&stop).unwrap();
    assert_eq!(cut, format!("{PROMPT}{}", &continuation[..at]));
}

#[test]
fn streamed_pieces_add_up_to_the_returned_text() {
    for overrides in [
        greedy(),
        json!({"manual_seed": 5, "max_length": 12}),
        json!({"do_sample": false, "max_length": 10, "stop_token": "e"}),
    ] {
        let model = load(overrides);
        let pieces = Mutex::new(String::new());
        let mut on_text = |p: st_generation::TextPiece<'_>| {
            assert_eq!((p.prompt, p.sequence), (0, 0));
            pieces.lock().unwrap().push_str(p.text);
        };
        let texts = model
            .generate_batch(&[PROMPT], model.args(), Some(&mut on_text))
            .unwrap();
        assert_eq!(
            format!("{PROMPT}{}", pieces.into_inner().unwrap()),
            texts[0][0]
        );
    }
}

#[test]
fn seeded_sampling_is_reproducible_and_returns_num_return_sequences() {
    let model = load(json!({"manual_seed": 11, "num_return_sequences": 3, "max_length": 10}));
    let a = model.generate(Some(PROMPT)).unwrap();
    let b = model.generate(Some(PROMPT)).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.len(), 3);
    assert!(a.iter().all(|t| t.starts_with(PROMPT)));
    let mut other = model.args().clone();
    other.model.manual_seed = Some(12);
    assert_ne!(a, model.generate_with(Some(PROMPT), &other).unwrap());
}

#[test]
fn every_generation_argument_reaches_the_engine() {
    let model = load(greedy());
    let args = LanguageGenerationArgs {
        num_beams: 3,
        length_penalty: 0.5,
        early_stopping: false,
        num_return_sequences: 2,
        no_repeat_ngram_size: 2,
        repetition_penalty: 1.3,
        min_new_tokens: 4,
        temperature: 0.7,
        top_k: 7,
        top_p: 0.9,
        ..model.args().clone()
    };
    let config = model.generation_config(&args);
    assert_eq!(config.num_beams, 3);
    assert_eq!(config.length_penalty, 0.5);
    assert_eq!(config.num_return_sequences, 2);
    assert_eq!(config.no_repeat_ngram_size, 2);
    assert_eq!(config.repetition_penalty, 1.3);
    assert_eq!(config.min_new_tokens, 4);
    assert_eq!(
        (config.temperature, config.top_k, config.top_p),
        (0.7, 7, 0.9)
    );
    assert_eq!(config.max_new_tokens, Some(8));
    let texts = model.generate_with(Some(PROMPT), &args).unwrap();
    assert_eq!(texts.len(), 2);
    assert_ne!(texts[0], texts[1]);
}

#[test]
fn the_prompt_argument_is_the_fallback_and_no_prompt_is_an_error() {
    let model = load(json!({"do_sample": false, "max_length": 3, "prompt": PROMPT}));
    assert_eq!(
        model.generate(None).unwrap(),
        model.generate(Some(PROMPT)).unwrap()
    );
    let model = load(greedy());
    assert!(matches!(
        model.generate(None),
        Err(GenerationError::NoPrompt)
    ));
    let err = LanguageGenerationModel::new(
        "gpt2",
        &fixture(),
        GenerationOptions {
            overrides: Some(json!({"evaluate_generated_text": true})),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("evaluate_generated_text"), "{err}");
}

#[test]
fn added_special_tokens_grow_the_model_and_a_saved_model_generates_the_same() {
    let model =
        load(json!({"do_sample": false, "max_length": 6, "special_tokens_list": ["<|speaker|>"]}));
    assert_eq!(model.tokenizer().vocab_size(), 50258);
    assert_eq!(model.model().transformer.wte.weight.dims()[0], 50258);
    let prompt = "<|speaker|> Hello there";
    let before = model.generate(Some(prompt)).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let saved = tmp.path().join("saved");
    model.save_model(&saved).unwrap();
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(saved.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["vocab_size"], 50258);
    assert_eq!(config["architectures"][0], "GPT2LMHeadModel");
    let reloaded =
        LanguageGenerationModel::new("gpt2", saved.to_str().unwrap(), Default::default()).unwrap();
    assert_eq!(
        reloaded.args().special_tokens_list,
        vec!["<|speaker|>".to_string()]
    );
    assert_eq!(reloaded.generate(Some(prompt)).unwrap(), before);
}

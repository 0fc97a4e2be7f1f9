//! mBART and Marian through `Seq2SeqModel` on their tiny fixtures: each side framed with its
//! language code (`mbart`: `tokens </s> code`, `mbart50`: `code tokens </s>`), generation from
//! the target code (forced after `</s>` for `mbart50`), Marian's target side read with its own
//! tokenizer; training lowers the loss and the saved directory reloads and predicts the same.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use st_seq2seq::{Seq2SeqExample, Seq2SeqModel, Seq2SeqOptions, TaskModel};

fn model_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/models")
        .join(name)
}

fn reference(name: &str) -> Value {
    let text = std::fs::read_to_string(model_dir(name).join("reference.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn options(out: &Path, extra: Value) -> Seq2SeqOptions<st_seq2seq::Seq2SeqArgs> {
    let mut args = json!({
        "output_dir": out.to_str().unwrap(),
        "num_train_epochs": 12,
        "train_batch_size": 2,
        "eval_batch_size": 4,
        "learning_rate": 1e-2,
        "manual_seed": 3,
        "max_seq_length": 64,
        "max_length": 8,
        "silent": true,
        "save_model_every_epoch": false,
        "save_steps": -1,
        "overwrite_output_dir": true,
    });
    for (k, v) in extra.as_object().unwrap() {
        args[k] = v.clone();
    }
    Seq2SeqOptions {
        overrides: Some(args),
        ..Default::default()
    }
}

fn ids(row: &Value, pad: i64) -> Vec<u32> {
    (row.as_array().unwrap().iter())
        .map(|v| v.as_i64().unwrap())
        .filter(|&id| id >= 0 && id != pad)
        .map(|id| id as u32)
        .collect()
}

fn rows(reference: &Value) -> Vec<Seq2SeqExample> {
    let texts = &reference["texts"];
    let inputs = texts["input_text"].as_array().unwrap();
    let targets = texts["target_text"].as_array().unwrap();
    (inputs.iter().zip(targets))
        .map(|(i, t)| Seq2SeqExample::new(i.as_str().unwrap(), t.as_str().unwrap()))
        .collect()
}

/// Trains on the fixture's pairs, checks the loss fell, saves, reloads and predicts the same.
fn trains_saves_and_reloads(model_type: &str, fixture: &str, extra: Value) {
    let out = tempfile::tempdir().unwrap();
    let dir = model_dir(fixture);
    let examples = rows(&reference(fixture));
    let mut model = Seq2SeqModel::new(
        model_type,
        dir.to_str().unwrap(),
        options(out.path(), extra.clone()),
    )
    .unwrap();
    let before = model.eval_model(&examples, &Default::default()).unwrap()["eval_loss"];
    model
        .train_model(&examples, None, Default::default())
        .unwrap();
    let after = model.eval_model(&examples, &Default::default()).unwrap()["eval_loss"];
    assert!(
        after < 0.8 * before,
        "{model_type}: eval_loss {before} -> {after}"
    );
    let inputs = ["Hello world"];
    let predicted = model.predict(&inputs).unwrap();
    let saved = out.path().to_str().unwrap();
    let reloaded = Seq2SeqModel::new(model_type, saved, options(out.path(), extra)).unwrap();
    assert_eq!(
        reloaded.predict(&inputs).unwrap(),
        predicted,
        "{model_type}"
    );
    eprintln!("{model_type}: eval_loss {before:.3} -> {after:.3}, predicted {predicted:?}");
}

#[test]
fn mbart_frames_both_sides_with_their_language_codes_and_starts_from_the_target_code() {
    let reference = reference("mbart");
    let out = tempfile::tempdir().unwrap();
    let langs = json!({"src_lang": "en_XX", "tgt_lang": "de_DE"});
    let dir = model_dir("mbart");
    let model =
        Seq2SeqModel::new("mbart", dir.to_str().unwrap(), options(out.path(), langs)).unwrap();
    let texts = &reference["texts"];
    let batch = &reference["batch"];
    for (i, (input, target)) in (texts["input_text"].as_array().unwrap().iter())
        .zip(texts["target_text"].as_array().unwrap())
        .enumerate()
    {
        let source = model.encode(input.as_str().unwrap(), false).unwrap();
        assert_eq!(source, ids(&batch["input_ids"][i], 1), "source {i}");
        let labels = model.encode(target.as_str().unwrap(), true).unwrap();
        assert_eq!(labels, ids(&batch["labels"][i], 1), "target {i}");
    }
    let config = model.generation_config();
    assert_eq!(
        config.max_new_tokens,
        Some(8),
        "mBART bounds the new tokens"
    );
    assert_eq!(config.forced_bos_token_id, None);
}

#[test]
fn mbart50_puts_the_code_first_and_forces_it_after_the_start_token() {
    let out = tempfile::tempdir().unwrap();
    let langs = json!({"src_lang": "en_XX", "tgt_lang": "de_DE"});
    let dir = model_dir("mbart");
    let model =
        Seq2SeqModel::new("mbart50", dir.to_str().unwrap(), options(out.path(), langs)).unwrap();
    let source = model.encode("Hello world", false).unwrap();
    assert_eq!(source.first(), Some(&500));
    assert_eq!(source.last(), Some(&2));
    let labels = model.encode("Hi", true).unwrap();
    assert_eq!(labels.first(), Some(&501));
    assert_eq!(model.generation_config().forced_bos_token_id, Some(501));
}

#[test]
fn an_unknown_language_code_is_refused_by_name() {
    let out = tempfile::tempdir().unwrap();
    let langs = json!({"src_lang": "en_XX", "tgt_lang": "xx_YY"});
    let dir = model_dir("mbart");
    let err = Seq2SeqModel::new("mbart", dir.to_str().unwrap(), options(out.path(), langs))
        .unwrap_err()
        .to_string();
    assert!(err.contains("tgt_lang \"xx_YY\""), "{err}");
}

#[test]
fn mbart_trains_saves_and_reloads() {
    let langs = json!({"src_lang": "en_XX", "tgt_lang": "de_DE"});
    trains_saves_and_reloads("mbart", "mbart", langs);
}

#[test]
fn marian_reads_its_target_side_with_the_target_tokenizer() {
    let reference = reference("marian");
    let out = tempfile::tempdir().unwrap();
    let dir = model_dir("marian");
    let model = Seq2SeqModel::new(
        "marian",
        dir.to_str().unwrap(),
        options(out.path(), json!({})),
    )
    .unwrap();
    let texts = &reference["texts"];
    let pad = model.tokenizer().pad_id() as i64;
    for (i, target) in texts["target_text"].as_array().unwrap().iter().enumerate() {
        let labels = model.encode(target.as_str().unwrap(), true).unwrap();
        assert_eq!(
            labels,
            ids(&reference["batch"]["labels"][i], pad),
            "target {i}"
        );
    }
    assert_eq!(model.generation_config().max_new_tokens, None);
}

#[test]
fn marian_trains_saves_with_both_tokenizers_and_reloads() {
    trains_saves_and_reloads("marian", "marian", json!({"num_train_epochs": 40}));
}

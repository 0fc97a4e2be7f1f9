//! BERT2BERT through `Seq2SeqModel`: from an `EncoderDecoderModel` directory, from two BERT
//! directories (`encoder_name` + `decoder_name`) and from Python Simple Transformers'
//! `encoder/` + `decoder/` layout; training lowers the loss, the saved `EncoderDecoderModel`
//! reloads and predicts the same.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use st_seq2seq::{Seq2SeqArgs, Seq2SeqExample, Seq2SeqModel, Seq2SeqOptions, TaskModel};

fn model_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/models")
        .join(name)
}

fn overrides(out: &Path) -> Value {
    json!({
        "output_dir": out.to_str().unwrap(),
        "num_train_epochs": 15,
        "train_batch_size": 2,
        "eval_batch_size": 4,
        "learning_rate": 1e-2,
        "manual_seed": 3,
        "max_seq_length": 24,
        "max_length": 8,
        "silent": true,
        "save_model_every_epoch": false,
        "save_steps": -1,
        "overwrite_output_dir": true,
    })
}

fn options(out: &Path) -> Seq2SeqOptions<Seq2SeqArgs> {
    Seq2SeqOptions {
        overrides: Some(overrides(out)),
        ..Default::default()
    }
}

fn rows() -> Vec<Seq2SeqExample> {
    ["one two three", "four five", "six seven eight", "nine"]
        .iter()
        .map(|t| Seq2SeqExample::new(*t, *t))
        .collect()
}

/// Trains `model`, checks the loss fell and that its saved copy reloads and predicts the same.
fn trains_saves_and_reloads(mut model: Seq2SeqModel, out: &Path, label: &str) {
    let examples = rows();
    let before = model.eval_model(&examples, &Default::default()).unwrap()["eval_loss"];
    model
        .train_model(&examples, None, Default::default())
        .unwrap();
    let after = model.eval_model(&examples, &Default::default()).unwrap()["eval_loss"];
    assert!(
        after < 0.8 * before,
        "{label}: eval_loss {before} -> {after}"
    );
    let predicted = model.predict(&["one two three", "nine"]).unwrap();
    let config: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["model_type"], "encoder-decoder", "{label}");
    assert_eq!(config["architectures"][0], "EncoderDecoderModel", "{label}");
    let reloaded = Seq2SeqModel::new("bert", out.to_str().unwrap(), options(out)).unwrap();
    assert_eq!(
        reloaded.predict(&["one two three", "nine"]).unwrap(),
        predicted,
        "{label}"
    );
    eprintln!("{label}: eval_loss {before:.3} -> {after:.3}, predicted {predicted:?}");
}

#[test]
fn an_encoder_decoder_model_directory_trains_saves_and_reloads() {
    let out = tempfile::tempdir().unwrap();
    let dir = model_dir("bert2bert");
    let model = Seq2SeqModel::new("bert", dir.to_str().unwrap(), options(out.path())).unwrap();
    assert_eq!(
        model.generation_config().eos_token_id,
        vec![3],
        "config.json's [SEP]"
    );
    trains_saves_and_reloads(model, out.path(), "EncoderDecoderModel");
}

#[test]
fn two_bert_directories_build_one_with_the_decoder_starting_from_cls() {
    let out = tempfile::tempdir().unwrap();
    let bert = model_dir("bert").to_string_lossy().into_owned();
    let options = Seq2SeqOptions {
        encoder_name: Some(bert.clone()),
        decoder_name: Some(bert),
        ..options(out.path())
    };
    let model = Seq2SeqModel::new("bert", "", options).unwrap();
    use st_models::EncoderDecoder;
    assert_eq!(model.module().decoder_start_token_id(), 2, "[CLS]");
    assert_eq!(
        model.generation_config().eos_token_id,
        vec![3],
        "the tokenizer's [SEP]"
    );
    trains_saves_and_reloads(model, out.path(), "encoder_name + decoder_name");
}

#[test]
fn python_simple_transformers_encoder_and_decoder_folders_load() {
    let saved = tempfile::tempdir().unwrap();
    for part in ["encoder", "decoder"] {
        let to = saved.path().join(part);
        std::fs::create_dir_all(&to).unwrap();
        for file in std::fs::read_dir(model_dir("bert")).unwrap() {
            let file = file.unwrap().path();
            std::fs::copy(&file, to.join(file.file_name().unwrap())).unwrap();
        }
    }
    std::fs::write(
        saved.path().join("model_args.json"),
        json!({"max_length": 5, "model_type": "bert-bert"}).to_string(),
    )
    .unwrap();
    let model = Seq2SeqModel::new(
        "bert-bert",
        saved.path().to_str().unwrap(),
        Default::default(),
    )
    .unwrap();
    assert_eq!(
        model.generation_config().max_length,
        5,
        "the saved model_args.json"
    );
    assert_eq!(model.predict(&["one"]).unwrap().len(), 1);
}

#[test]
fn other_encoder_pairs_are_refused_by_name() {
    let bert = model_dir("bert").to_string_lossy().into_owned();
    let err = Seq2SeqModel::new("roberta", &bert, Default::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("BERT2BERT (encoder_type bert) is"), "{err}");
    let pair = Seq2SeqOptions::<Seq2SeqArgs> {
        encoder_name: Some(bert.clone()),
        decoder_name: Some(bert.clone()),
        ..Default::default()
    };
    let err = Seq2SeqModel::new("bart", &bert, pair)
        .unwrap_err()
        .to_string();
    assert!(err.contains("encoder_name + decoder_name"), "{err}");
}

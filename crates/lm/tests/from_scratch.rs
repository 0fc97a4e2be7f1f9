//! Training from scratch (Python's `model_name=None`): a tokenizer trained on the training file,
//! a small configuration from the `config` argument, `transformers`' initialisation; the loss
//! falls, and the saved directory (model, config, trained tokenizer) reloads as a model.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use st_lm::{LanguageModelingModel, LmOptions, TaskModel};

fn corpus() -> PathBuf {
    st_test_support::fixtures().join("tokenizer_training/corpus.txt")
}

fn options(out: &Path, extra: Value) -> LmOptions {
    let mut args = json!({
        "output_dir": out.join("model").to_str().unwrap(),
        "cache_dir": out.join("cache").to_str().unwrap(),
        "vocab_size": 300,
        "num_train_epochs": 2,
        "train_batch_size": 8,
        "eval_batch_size": 8,
        "learning_rate": 2e-3,
        "max_seq_length": 32,
        "manual_seed": 11,
        "silent": true,
        "save_steps": -1,
        "save_model_every_epoch": false,
        // eval_model writes eval_results.txt there before training.
        "overwrite_output_dir": true,
    });
    for (k, v) in extra.as_object().unwrap() {
        args[k] = v.clone();
    }
    LmOptions {
        overrides: Some(args),
        ..Default::default()
    }
}

fn check(model_type: &str, extra: Value, files: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus();
    let mut model = LanguageModelingModel::from_scratch(
        model_type,
        std::slice::from_ref(&corpus),
        options(dir.path(), extra),
    )
    .unwrap();
    let lines = model.read_examples(&corpus).unwrap();
    let before = model.eval_model(&lines, &()).unwrap();
    // A fresh model predicts about uniformly: its perplexity is near the vocabulary size.
    assert!(
        before["perplexity"] > 150.0 && before["perplexity"] < 600.0,
        "{before:?}"
    );
    model.train_model(&lines, None, ()).unwrap();
    let after = model.eval_model(&lines, &()).unwrap();
    assert!(
        after["eval_loss"] < before["eval_loss"] - 0.3,
        "{before:?} → {after:?}"
    );

    let saved = dir.path().join("model");
    for file in files {
        assert!(saved.join(file).is_file(), "{file} saved with the model");
    }
    let config: Value =
        serde_json::from_str(&std::fs::read_to_string(saved.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["vocab_size"], json!(model.tokenizer().vocab_size()));
    let options = LmOptions {
        overrides: Some(json!({"silent": true})),
        ..Default::default()
    };
    let reloaded =
        LanguageModelingModel::new(model_type, saved.to_str().unwrap(), options).unwrap();
    assert_eq!(reloaded.eval_model(&lines, &()).unwrap(), after);
}

#[test]
fn gpt2_from_scratch_with_a_byte_level_bpe_tokenizer() {
    let config = json!({"n_embd": 32, "n_layer": 2, "n_head": 2, "n_positions": 64});
    check(
        "gpt2",
        json!({"mlm": false, "config": config}),
        &["vocab.json", "merges.txt"],
    );
}

#[test]
fn bert_from_scratch_with_a_wordpiece_tokenizer() {
    let config = json!({"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
                        "intermediate_size": 64, "max_position_embeddings": 64});
    check("bert", json!({"config": config}), &["vocab.txt"]);
}

#[test]
fn xlm_roberta_from_scratch_with_a_sentencepiece_bpe_tokenizer() {
    let config = json!({"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
                        "intermediate_size": 64, "max_position_embeddings": 66});
    check(
        "xlmroberta",
        json!({"config": config}),
        &[
            "tokenizer.json",
            "tokenizer_config.json",
            "vocab.json",
            "merges.txt",
        ],
    );
}

#[test]
fn without_vocab_size_or_tokenizer_it_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(dir.path(), json!({"mlm": false}));
    opts.overrides.as_mut().unwrap()["vocab_size"] = Value::Null;
    let err = LanguageModelingModel::from_scratch("gpt2", &[corpus()], opts).unwrap_err();
    assert!(err.to_string().contains("vocab_size"), "{err}");
}

//! `Seq2SeqModel` and `T5Model` end to end on the tiny fixtures: Python's argument defaults,
//! training lowers the loss, saved models reload and predict the same, generated-text metrics
//! (per T5 prefix too), and clear refusals.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use st_seq2seq::{
    Seq2SeqArgs, Seq2SeqError, Seq2SeqExample, Seq2SeqModel, Seq2SeqOptions, T5Args, T5Model,
    TaskModel,
};

fn model_dir(name: &str) -> String {
    (PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/models"))
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn args(out: &Path, extra: Value) -> Value {
    let mut base = json!({
        "output_dir": out.to_str().unwrap(),
        "num_train_epochs": 6,
        "train_batch_size": 4,
        "eval_batch_size": 4,
        "manual_seed": 3,
        "max_seq_length": 24,
        "max_length": 8,
        "silent": true,
        "save_model_every_epoch": false,
        "save_steps": -1,
        "overwrite_output_dir": true,
        "use_multiprocessing": false,
        "use_multiprocessing_for_evaluation": false,
    });
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

fn options<A>(overrides: Value) -> Seq2SeqOptions<A> {
    Seq2SeqOptions {
        overrides: Some(overrides),
        ..Default::default()
    }
}

fn t5_rows() -> Vec<Seq2SeqExample> {
    let pairs = [
        ("Hello world", "Hallo Welt"),
        ("The cat", "Die Katze"),
        ("Thank you", "Danke"),
        ("Good morning", "Guten Morgen"),
    ];
    let mut rows: Vec<Seq2SeqExample> = (pairs.iter())
        .map(|(i, t)| Seq2SeqExample::with_prefix("translate", *i, *t))
        .collect();
    rows.extend((pairs.iter()).map(|(i, _)| Seq2SeqExample::with_prefix("copy", *i, *i)));
    rows
}

#[test]
fn t5_args_have_python_defaults() {
    let args = T5Args::default();
    assert_eq!(args.model.optimizer, "Adafactor");
    assert_eq!(args.model.learning_rate, 1e-3);
    assert_eq!(args.model.scheduler, "constant_schedule_with_warmup");
    assert!(!args.model.adafactor_relative_step && !args.model.adafactor_scale_parameter);
    assert!(args.add_prefix && args.preprocess_inputs);
    assert_eq!(args.decoding.max_length, 20);
    assert_eq!(args.decoding.length_penalty, 2.0);
    let seq2seq = Seq2SeqArgs::default();
    assert_eq!(seq2seq.model.optimizer, "AdamW");
    assert_eq!(seq2seq.model_class, "Seq2SeqModel");
    assert_eq!(
        (seq2seq.src_lang.as_str(), seq2seq.tgt_lang.as_str()),
        ("en_XX", "ro_RO")
    );
    // Flat keys, as Python's model_args.json has them.
    let json = serde_json::to_value(&args).unwrap();
    assert_eq!(json["num_beams"], 1);
    assert_eq!(json["optimizer"], "Adafactor");
}

#[test]
fn t5_trains_saves_reloads_and_scores_generated_text_per_prefix() {
    let out = tempfile::tempdir().unwrap();
    let rows = t5_rows();
    let extra =
        json!({"evaluate_generated_text": true, "learning_rate": 1e-2, "num_train_epochs": 30});
    let mut model = T5Model::new("t5", &model_dir("t5"), options(args(out.path(), extra))).unwrap();
    let before = model.eval_model(&rows, &Default::default()).unwrap();
    for key in [
        "bleu",
        "rouge1",
        "rougeL",
        "bleu[copy]",
        "rougeL[translate]",
    ] {
        assert!(before.contains_key(key), "{key} missing from {before:?}");
    }
    model.train_model(&rows, None, Default::default()).unwrap();
    let after = model.eval_model(&rows, &Default::default()).unwrap();
    assert!(
        after["eval_loss"] < 0.8 * before["eval_loss"],
        "eval_loss {} -> {}",
        before["eval_loss"],
        after["eval_loss"]
    );
    let inputs = ["translate: Hello world", "copy: The cat"];
    let predicted = model.predict(&inputs).unwrap();
    let saved = out.path();
    assert!(saved.join("model.safetensors").is_file() && saved.join("model_args.json").is_file());
    let reloaded = T5Model::new("t5", saved.to_str().unwrap(), Default::default()).unwrap();
    assert!(reloaded.args().decoding.evaluate_generated_text);
    assert_eq!(reloaded.predict(&inputs).unwrap(), predicted);
}

#[test]
fn bart_trains_and_returns_several_sequences() {
    let out = tempfile::tempdir().unwrap();
    let rows: Vec<Seq2SeqExample> = ["one two three", "four five", "six seven eight", "nine"]
        .iter()
        .map(|t| Seq2SeqExample::new(*t, *t))
        .collect();
    let extra = json!({
        "learning_rate": 1e-2,
        "num_train_epochs": 15,
        "train_batch_size": 2,
        "num_beams": 3,
        "num_return_sequences": 2,
    });
    let mut model =
        Seq2SeqModel::new("bart", &model_dir("bart"), options(args(out.path(), extra))).unwrap();
    let before = model.eval_model(&rows, &Default::default()).unwrap()["eval_loss"];
    model.train_model(&rows, None, Default::default()).unwrap();
    let after = model.eval_model(&rows, &Default::default()).unwrap()["eval_loss"];
    assert!(after < 0.8 * before, "eval_loss {before} -> {after}");
    let predicted = model.predict(&["one two three", "nine"]).unwrap();
    assert_eq!(predicted.len(), 2);
    assert!(predicted.iter().all(|p| p.len() == 2), "{predicted:?}");
}

#[test]
fn user_metrics_replace_the_built_in_ones() {
    let out = tempfile::tempdir().unwrap();
    let extra = json!({"evaluate_generated_text": true});
    let model = T5Model::new("t5", &model_dir("t5"), options(args(out.path(), extra))).unwrap();
    let metrics = st_core::metrics::Metrics::new()
        .with_fn("rows", |labels: &[String], _: &[String]| {
            labels.len() as f64
        });
    let results = model.eval_model(&t5_rows(), &metrics).unwrap();
    assert_eq!(results["rows"], 8.0);
    assert_eq!(results["rows[copy]"], 4.0);
    assert!(!results.contains_key("bleu"));
}

fn refused(result: Result<impl std::fmt::Debug, Seq2SeqError>) -> String {
    result.unwrap_err().to_string()
}

#[test]
fn unsupported_models_are_refused_by_name() {
    let t5 = model_dir("t5");
    let open = |kind: &str| Seq2SeqModel::new(kind, &t5, Default::default());
    assert!(refused(open("rag-token")).contains("out of scope"));
    assert!(refused(open("byt5")).contains("not implemented yet"));
    assert!(refused(open("bert")).contains("EncoderDecoderModel"));
    assert!(refused(open("pegasus")).contains("encoder-decoder"));
    let bart_as_t5 = T5Model::new("bart", &model_dir("bart"), Default::default());
    assert!(refused(bart_as_t5).contains("Seq2SeqModel"));
    let reranker = T5Model::new("t5", &t5, options(json!({"as_reranker": true})));
    assert!(refused(reranker).contains("as_reranker"));
}

#[test]
fn special_tokens_list_grows_the_embeddings_and_the_untied_head() {
    let out = tempfile::tempdir().unwrap();
    let extra = json!({"special_tokens_list": ["<sep>", "<speaker>"], "num_train_epochs": 1});
    let dir = model_dir("t5-v1_1");
    let mut model = T5Model::new("t5", &dir, options(args(out.path(), extra.clone()))).unwrap();
    let vocab = model.module().vocab_size();
    assert_eq!(vocab, 1103, "1,101 rows and two added tokens");
    let sep = model.tokenizer().token_to_id("<sep>").unwrap();
    assert_eq!(sep, 1101);
    let ids = model.encode("Hello <sep> world", false).unwrap();
    assert!(ids.contains(&sep), "{ids:?}");
    model
        .train_model(&t5_rows(), None, Default::default())
        .unwrap();
    let predicted = model.predict(&["translate: Hello <sep> world"]).unwrap();
    let saved = out.path().to_str().unwrap();
    let config: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("config.json")).unwrap())
            .unwrap();
    assert_eq!(config["vocab_size"], 1103);
    let reloaded = T5Model::new("t5", saved, options(args(out.path(), extra))).unwrap();
    assert_eq!(
        reloaded.module().vocab_size(),
        1103,
        "the saved tokens are not added twice"
    );
    assert_eq!(
        reloaded.predict(&["translate: Hello <sep> world"]).unwrap(),
        predicted
    );
}

//! NER arguments with an effect: `loss_type` trains with that loss over the labelled first
//! sub-tokens only; the feature cache follows `reprocess_input_data`, `no_cache` and
//! `use_cached_eval_features`; `encoding` reads CoNLL files in that encoding.

use std::path::{Path, PathBuf};

use burn::tensor::{ElementConversion, Tensor, TensorData};
use serde_json::{Value, json};
use st_core::args::ModelArgs;
use st_core::backend::DefaultBackend;
use st_core::metrics::Metrics;
use st_core::task::TaskModel;
use st_models::loss::{CustomLoss, cross_entropy};
use st_ner::{NerArgs, NerModel, NerOptions, Sentence};

/// Burn's CPU backends share one random generator; each test holds this lock so that
/// `manual_seed` means the same numbers.
static RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn rng_lock() -> std::sync::MutexGuard<'static, ()> {
    RNG.lock().unwrap_or_else(|e| e.into_inner())
}

fn tiny_bert() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/models/bert")
        .to_string_lossy()
        .into_owned()
}

const LABELS: [&str; 5] = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"];

/// Sentences of the tiny vocabulary, some words split into several sub-tokens.
fn sentences() -> Vec<Sentence> {
    [
        ("the man visited paris", "O B-PER O B-LOC"),
        (
            "the dog visited london and berlin",
            "O B-PER O B-LOC O B-LOC",
        ),
        ("to new london from berlin", "O B-LOC I-LOC O B-LOC"),
        ("the man in new london", "O B-PER O B-LOC I-LOC"),
        ("unbelievably the dog", "O O B-PER"),
    ]
    .iter()
    .map(|(words, tags)| Sentence::new(words.split(' '), tags.split(' ')))
    .collect()
}

fn s(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn args(dir: &Path) -> NerArgs {
    NerArgs {
        model: ModelArgs {
            output_dir: s(&dir.join("outputs")),
            best_model_dir: s(&dir.join("outputs/best")),
            tensorboard_dir: Some(s(&dir.join("runs"))),
            cache_dir: s(&dir.join("cache")),
            num_train_epochs: 1,
            train_batch_size: 4,
            learning_rate: 1e-3,
            manual_seed: Some(3),
            silent: true,
            save_model_every_epoch: false,
            overwrite_output_dir: true,
            ..Default::default()
        },
        labels_list: LABELS.iter().map(|l| l.to_string()).collect(),
        ..Default::default()
    }
}

fn model(args: NerArgs, overrides: Option<Value>) -> NerModel {
    let options = NerOptions {
        args: Some(args),
        overrides,
        ..Default::default()
    };
    NerModel::new("bert", &tiny_bert(), options).unwrap()
}

type B = DefaultBackend;

fn scalar(t: Tensor<B, 1>) -> f64 {
    t.into_scalar().elem::<f64>()
}

#[test]
fn dice_loss_is_trained_over_the_labelled_first_sub_tokens() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let data = sentences();
    let loss_args = json!({"gamma": 0.5, "smooth": 0.1});
    // One step that changes nothing, on one batch of every window, without dropout: the
    // step's loss is the loss of the logits the model gives afterwards.
    let mut settings = args(tmp.path());
    settings.model.learning_rate = 0.0;
    settings.model.max_steps = 1;
    settings.model.train_batch_size = 16;
    settings.model.loss_type = Some("dice".into());
    settings.model.loss_args = loss_args.as_object().unwrap().clone();
    let no_dropout = json!({"config": {
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "classifier_dropout": 0.0,
    }});
    let mut model = model(settings, Some(no_dropout));
    let output = model.train_model(&data, None, Metrics::new()).unwrap();
    assert_eq!(output.global_step, 1);

    let words: Vec<Vec<String>> = data.iter().map(|s| s.words.clone()).collect();
    let (_, raw) = model.predict_words(&words).unwrap();
    let mut firsts: Vec<f32> = Vec::new();
    let mut targets: Vec<i64> = Vec::new();
    let mut split = false;
    for (sentence, word_logits) in data.iter().zip(&raw) {
        for (tag, logits) in sentence.labels.iter().zip(word_logits) {
            // A word's later sub-tokens are not counted.
            split |= logits.len() > 1;
            firsts.extend(&logits[0]);
            targets.push(LABELS.iter().position(|l| l == tag).unwrap() as i64);
        }
    }
    assert!(split, "some word has several sub-tokens");
    let device = Default::default();
    let logits: Tensor<B, 2> =
        Tensor::from_data(TensorData::new(firsts, [targets.len(), 5]), &device);
    let targets = Tensor::from_ints(targets.as_slice(), &device);
    let dice = CustomLoss::from_args(Some("dice"), loss_args.as_object().unwrap())
        .unwrap()
        .unwrap();
    let expected = scalar(dice.forward(logits.clone(), targets.clone()));
    assert!(
        (output.training_loss - expected).abs() < 1e-5,
        "trained with {}, the dice loss of the logits is {expected}",
        output.training_loss
    );
    let ce = scalar(cross_entropy(logits, targets, None));
    assert!(
        (output.training_loss - ce).abs() > 1e-3,
        "not cross-entropy"
    );

    let mut unknown = args(tmp.path());
    unknown.model.loss_type = Some("dise".into());
    let err = NerModel::new(
        "bert",
        &tiny_bert(),
        NerOptions {
            args: Some(unknown),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("loss_type \"dise\""), "{err}");
}

/// The cache files under `dir`.
fn cache_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

/// Move every labelled token's tag to the next one in a cached file of windows.
fn shift_cached_tags(path: &Path) {
    let mut windows: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for window in windows.as_array_mut().unwrap() {
        for label in window["labels"].as_array_mut().unwrap() {
            let tag = label.as_i64().unwrap();
            if tag >= 0 {
                *label = json!((tag + 1) % 5);
            }
        }
    }
    std::fs::write(path, windows.to_string()).unwrap();
}

#[test]
fn feature_cache_follows_reprocess_no_cache_and_use_cached_eval_features() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let data = sentences();
    let eval_loss =
        |model: &NerModel| model.eval_model(&data, &Metrics::new()).unwrap().0["eval_loss"];

    // reprocess_input_data false: features are written, and read back by the next evaluation
    // (the edited tags change its loss, so the file is what was used).
    let mut reuse = args(tmp.path());
    reuse.model.reprocess_input_data = false;
    let cached = model(reuse, None);
    let fresh = eval_loss(&cached);
    let files = cache_files(&cache);
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("cached_dev_bert_128_5_"), "{name}");
    shift_cached_tags(&files[0]);
    let from_cache = eval_loss(&cached);
    assert!((from_cache - fresh).abs() > 1e-3, "{fresh} vs {from_cache}");

    // use_cached_eval_features reuses evaluation features even when reprocessing.
    let mut eval_cached = args(tmp.path());
    eval_cached.model.use_cached_eval_features = true;
    assert!(eval_cached.model.reprocess_input_data);
    assert_eq!(eval_loss(&model(eval_cached, None)), from_cache);

    // reprocess_input_data (the default) recomputes, and rewrites the file.
    let reprocess = model(args(tmp.path()), None);
    assert_eq!(eval_loss(&reprocess), fresh);
    assert_eq!(
        eval_loss(&cached),
        fresh,
        "the cache holds fresh features again"
    );

    // no_cache never writes, nor reads.
    let elsewhere = tmp.path().join("no-cache");
    let mut none = args(tmp.path());
    none.model.no_cache = true;
    none.model.reprocess_input_data = false;
    none.model.cache_dir = s(&elsewhere);
    let mut uncached = model(none, None);
    assert_eq!(eval_loss(&uncached), fresh);
    uncached.train_model(&data, None, Metrics::new()).unwrap();
    assert!(!elsewhere.exists());
}

/// `text` in ISO-8859-1.
fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect()
}

#[test]
fn encoding_reads_conll_files_in_that_encoding() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("train.conll");
    std::fs::write(
        &path,
        latin1("the O\nmän B-PER\nvisited O\nzürich B-LOC\n\nthe O\ndog B-PER\n"),
    )
    .unwrap();
    let mut settings = args(tmp.path());
    settings.model.encoding = Some("latin-1".into());
    let mut model_latin1 = model(settings, None);
    let read = model_latin1.read_examples(&path).unwrap();
    assert_eq!(read.len(), 2);
    assert_eq!(read[0].words, ["the", "män", "visited", "zürich"]);
    assert_eq!(read[0].labels, ["O", "B-PER", "O", "B-LOC"]);
    let output = model_latin1
        .train_model_from_file(&path, None, Metrics::new())
        .unwrap();
    assert_eq!(output.global_step, 1);

    let utf8 = model(args(tmp.path()), None);
    let err = utf8.read_examples(&path).unwrap_err().to_string();
    assert!(err.contains(&s(&path)), "{err}");
}

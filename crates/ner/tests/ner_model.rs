//! `NerModel` end to end on the tiny random BERT fixture: it learns a tagging task and reports
//! Python's keys, a 600-word sentence at `max_seq_length` 64 comes back with 600 tags, saved
//! models reload with identical outputs (here and as `*ForTokenClassification`), lazy loading
//! trains from a CoNLL file, and bad labels are errors that say where.

use std::path::{Path, PathBuf};

use st_core::args::ModelArgs;
use st_core::metrics::{FnMetric, Metrics};
use st_core::task::TaskModel;
use st_ner::{DEFAULT_LABELS, NerArgs, NerError, NerModel, NerOptions, Sentence};

/// Burn's CPU backends share one random generator; each test holds this lock so that
/// `manual_seed` means the same numbers.
static RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn rng_lock() -> std::sync::MutexGuard<'static, ()> {
    RNG.lock().unwrap_or_else(|e| e.into_inner())
}

fn fixture(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(path)
        .to_string_lossy()
        .into_owned()
}

const LABELS: [&str; 5] = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"];

/// Words of the tiny vocabulary: people are "man" and "dog", places "paris", "london",
/// "berlin" (and "new london" is one place, "the man" no person).
fn tag(word: &str, previous: Option<&str>) -> &'static str {
    match (word, previous) {
        ("man" | "dog", _) => "B-PER",
        ("london", Some("new")) => "I-LOC",
        ("paris" | "london" | "berlin" | "new", _) => "B-LOC",
        _ => "O",
    }
}

fn sentence(text: &str) -> Sentence {
    let words: Vec<&str> = text.split(' ').collect();
    let tags: Vec<&str> = words
        .iter()
        .enumerate()
        .map(|(i, w)| tag(w, i.checked_sub(1).map(|p| words[p])))
        .collect();
    Sentence::new(words, tags)
}

fn sentences() -> Vec<Sentence> {
    [
        "the man visited paris",
        "the dog visited london and berlin",
        "from the city to paris",
        "the man and the dog",
        "to new london from berlin",
        "the dog in the city",
        "from paris to london",
        "the man in new london",
    ]
    .iter()
    .map(|t| sentence(t))
    .collect()
}

fn args(dir: &Path) -> NerArgs {
    NerArgs {
        model: ModelArgs {
            output_dir: dir.join("outputs").to_string_lossy().into_owned(),
            best_model_dir: dir.join("outputs/best").to_string_lossy().into_owned(),
            tensorboard_dir: Some(dir.join("runs").to_string_lossy().into_owned()),
            cache_dir: dir.join("cache").to_string_lossy().into_owned(),
            num_train_epochs: 30,
            train_batch_size: 4,
            learning_rate: 5e-3,
            manual_seed: Some(3),
            silent: true,
            save_model_every_epoch: false,
            // eval_model writes eval_results.txt into output_dir, so training after an
            // evaluation needs this, as in Python.
            overwrite_output_dir: true,
            ..Default::default()
        },
        labels_list: LABELS.iter().map(|l| l.to_string()).collect(),
        ..Default::default()
    }
}

fn model(args: NerArgs) -> NerModel {
    let options = NerOptions {
        args: Some(args),
        ..Default::default()
    };
    NerModel::new("bert", &fixture("models/bert"), options).unwrap()
}

#[test]
fn learns_and_reports_python_keys() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut model = model(args(tmp.path()));
    let data = sentences();
    let (before, _, _) = model.eval_model(&data, &Metrics::new()).unwrap();
    let output = model.train_model(&data, None, Metrics::new()).unwrap();
    assert_eq!(output.global_step, 2 * 30);
    let extra = Metrics::new().with(FnMetric::new(
        "sentences",
        |truth: &[Vec<String>], _: &[Vec<String>]| truth.len() as f64,
    ));
    let (after, outputs, predictions) = model.eval_model(&data, &extra).unwrap();
    let keys: Vec<&str> = after.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["eval_loss", "f1_score", "precision", "recall", "sentences"]
    );
    assert_eq!(after["sentences"], 8.0);
    eprintln!("before {before:?}\nafter {after:?}");
    assert!(after["eval_loss"] < before["eval_loss"] / 4.0);
    assert!(after["f1_score"] >= 0.9, "{after:?}");
    // One prediction and one logits block (sub-tokens × tags) per word.
    for ((s, words), tags) in data.iter().zip(&outputs).zip(&predictions) {
        assert_eq!(words.len(), s.len());
        assert_eq!(tags.len(), s.len());
        assert!(
            words
                .iter()
                .all(|w| !w.is_empty() && w.iter().all(|t| t.len() == 5))
        );
    }
    // predict splits on whitespace; predict_words takes the words; both agree with eval.
    let texts = ["the man visited paris", "to  new\tlondon from berlin"];
    let (tagged, raw) = model.predict(&texts).unwrap();
    let words: Vec<Vec<&str>> = texts
        .iter()
        .map(|t| t.split_whitespace().collect())
        .collect();
    let (tagged_words, raw_words) = model.predict_words(&words).unwrap();
    assert_eq!(raw, raw_words);
    assert_eq!(tagged, tagged_words);
    let shown: Vec<Vec<(&str, &str)>> = tagged
        .iter()
        .map(|s| {
            s.iter()
                .map(|t| (t.word.as_str(), t.tag.as_str()))
                .collect()
        })
        .collect();
    assert_eq!(
        shown[1],
        [
            ("to", "O"),
            ("new", "B-LOC"),
            ("london", "I-LOC"),
            ("from", "O"),
            ("berlin", "B-LOC")
        ]
    );
    assert_eq!(tagged[0].len(), 4);
    assert!(
        tagged
            .iter()
            .flatten()
            .all(|t| t.score > 0.2 && t.score <= 1.0)
    );
}

/// Python drops the predictions of words past `max_seq_length`; here every word has one.
#[test]
fn a_600_word_sentence_gets_600_tags() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut args = args(tmp.path());
    args.model.max_seq_length = 64;
    let model = model(args);
    // Cycle through words of 1 to several sub-tokens so windows cut in varied places.
    let pool = [
        "paris",
        "visited",
        "the",
        "lighthouse",
        "man",
        "Zanzibarian",
        "and",
        "new",
    ];
    let words: Vec<String> = (0..600)
        .map(|i| pool[(i * 7 + i / 5) % pool.len()].to_string())
        .collect();
    let long = sentence(&words.join(" "));
    let (tagged, raw) = model.predict_words(std::slice::from_ref(&words)).unwrap();
    assert_eq!(tagged[0].len(), 600);
    assert_eq!(raw[0].len(), 600);
    for (i, (t, w)) in tagged[0].iter().zip(&words).enumerate() {
        assert_eq!(&t.word, w, "word {i}");
        assert!(!raw[0][i].is_empty(), "word {i} has no logits");
    }
    let (result, outputs, predictions) = model.eval_model(&[long], &Metrics::new()).unwrap();
    assert_eq!(predictions[0].len(), 600);
    assert_eq!(outputs[0], raw[0]);
    assert!(result["eval_loss"].is_finite());
}

#[test]
fn saved_models_reload_with_identical_outputs() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut args = args(tmp.path());
    args.model.num_train_epochs = 2;
    let mut model = model(args);
    model
        .train_model(&sentences(), None, Metrics::new())
        .unwrap();
    let output_dir = tmp.path().join("outputs");
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(output_dir.join("config.json")).unwrap())
            .unwrap();
    assert_eq!(config["architectures"][0], "BertForTokenClassification");
    assert_eq!(config["id2label"]["3"], "B-LOC");
    assert_eq!(config["label2id"]["I-PER"], 2);
    // The labels come back from model_args.json without being given again.
    let reloaded =
        NerModel::new("bert", output_dir.to_str().unwrap(), NerOptions::default()).unwrap();
    assert_eq!(reloaded.labels(), LABELS);
    let texts = ["the dog visited new london", "paris"];
    assert_eq!(
        model.predict(&texts).unwrap(),
        reloaded.predict(&texts).unwrap()
    );
    assert_eq!(
        model.get_named_parameters().last().map(String::as_str),
        Some("classifier.bias")
    );
}

#[test]
fn labels_come_from_the_arguments_the_checkpoint_or_python_defaults() {
    let _rng = rng_lock();
    let base = NerModel::new("bert", &fixture("models/bert"), NerOptions::default()).unwrap();
    assert_eq!(base.labels(), DEFAULT_LABELS);
    // A token-classification checkpoint names its tags in id2label.
    let tagged = NerModel::new("bert", &fixture("ner/bert"), NerOptions::default()).unwrap();
    assert_eq!(tagged.labels(), LABELS);
    let given = NerOptions {
        labels: Some(vec!["O".into(), "B-X".into()]),
        ..Default::default()
    };
    let custom = NerModel::new("bert", &fixture("models/bert"), given).unwrap();
    assert_eq!(custom.labels(), ["O", "B-X"]);
    // labels and labels_list must agree.
    let tmp = tempfile::tempdir().unwrap();
    let disagree = NerOptions {
        labels: Some(vec!["O".into(), "B-X".into()]),
        args: Some(args(tmp.path())),
        ..Default::default()
    };
    let error = NerModel::new("bert", &fixture("models/bert"), disagree).unwrap_err();
    assert!(matches!(error, NerError::LabelsDisagree { .. }), "{error}");
    let weights = NerOptions {
        weight: Some(vec![1.0, 2.0]),
        args: Some(args(tmp.path())),
        ..Default::default()
    };
    let error = NerModel::new("bert", &fixture("models/bert"), weights).unwrap_err();
    assert_eq!(
        error.to_string(),
        "weight has 2 class weights but the model has 5 labels"
    );
}

#[test]
fn unknown_tags_and_ragged_sentences_are_errors() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut model = model(args(tmp.path()));
    let mut data = sentences();
    data[2].labels[1] = "B-ORG".into();
    let error = model.train_model(&data, None, Metrics::new()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "sentence 2, word 1 (\"the\"): tag \"B-ORG\" is not one of the labels (O, B-PER, I-PER, B-LOC, I-LOC)"
    );
    let ragged = [Sentence::new(["a", "b"], ["O"])];
    let error = model.eval_model(&ragged, &Metrics::new()).unwrap_err();
    assert_eq!(error.to_string(), "sentence 0 has 2 words but 1 labels");
    assert!(
        !tmp.path().join("outputs").exists(),
        "nothing is written on bad input"
    );
}

#[test]
fn classification_report_adds_per_type_rows() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut args = args(tmp.path());
    args.classification_report = true;
    let model = model(args);
    let (result, _, predictions) = model.eval_model(&sentences(), &Metrics::new()).unwrap();
    let truth: Vec<Vec<String>> = sentences().into_iter().map(|s| s.labels).collect();
    let report = st_core::metrics::seqeval_report(&truth, &predictions).unwrap();
    assert_eq!(result["LOC/support"], report.per_type["LOC"].support as f64);
    assert_eq!(result["PER/f1-score"], report.per_type["PER"].f1);
    assert_eq!(result["micro avg/precision"], result["precision"]);
    assert!(result.contains_key("weighted avg/recall"));
}

fn write_conll(path: &Path, sentences: &[Sentence]) {
    let mut text = String::from("-DOCSTART- -X- -X- O\n\n");
    for s in sentences {
        for (w, l) in s.words.iter().zip(&s.labels) {
            text.push_str(&format!("{w} X X {l}\n"));
        }
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn lazy_loading_trains_from_a_conll_file() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("train.txt");
    write_conll(&path, &sentences());
    let mut args = args(tmp.path());
    args.lazy_loading = true;
    args.model.num_train_epochs = 3;
    let mut model = model(args.clone());
    let output = model
        .train_model_from_file(&path, None, Metrics::new())
        .unwrap();
    // 8 sentences in batches of 4, 3 epochs.
    assert_eq!(output.global_step, 6);
    // Read whole, the same file gives the same training (same seed, same batches).
    args.lazy_loading = false;
    args.model.overwrite_output_dir = true;
    let mut eager = self::model(args);
    let eager_output = eager
        .train_model_from_file(&path, None, Metrics::new())
        .unwrap();
    assert_eq!(eager_output.global_step, 6);
    assert!((eager_output.training_loss - output.training_loss).abs() < 1e-5);
}

/// With class weights the loss is PyTorch's weighted cross-entropy over the labelled (first)
/// sub-tokens: Σ w[y]·nll / Σ w[y], computed here from the returned word logits.
#[test]
fn class_weights_weight_the_loss() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let weight = vec![0.5f32, 2.0, 1.0, 3.0, 1.5];
    let options = NerOptions {
        args: Some(args(tmp.path())),
        weight: Some(weight.clone()),
        ..Default::default()
    };
    let model = NerModel::new("bert", &fixture("models/bert"), options).unwrap();
    let data = sentences();
    let (result, outputs, _) = model.eval_model(&data, &Metrics::new()).unwrap();
    let (mut numerator, mut denominator) = (0.0f64, 0.0f64);
    for (sentence, words) in data.iter().zip(&outputs) {
        for (label, logits) in sentence.labels.iter().zip(words) {
            let y = LABELS.iter().position(|l| l == label).unwrap();
            let first = &logits[0];
            let max = first.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
            let log_sum = first
                .iter()
                .map(|&v| (v as f64 - max).exp())
                .sum::<f64>()
                .ln()
                + max;
            numerator += weight[y] as f64 * (log_sum - first[y] as f64);
            denominator += weight[y] as f64;
        }
    }
    // All 8 sentences fit in one evaluation batch (eval_batch_size 100).
    let expected = numerator / denominator;
    assert!(
        (result["eval_loss"] - expected).abs() < 1e-5,
        "{} vs {expected}",
        result["eval_loss"]
    );
}

#[test]
fn a_run_resumed_from_its_epoch_checkpoint_ends_like_the_uninterrupted_one() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let make = |model_name: &str, outputs: &Path| {
        let mut args = args(tmp.path());
        args.model.num_train_epochs = 2;
        args.model.save_model_every_epoch = true;
        args.model.output_dir = outputs.to_string_lossy().into_owned();
        let options = NerOptions {
            args: Some(args),
            ..Default::default()
        };
        NerModel::new("bert", model_name, options).unwrap()
    };
    let data = sentences();
    let results = st_test_support::resume::check_resume(
        tmp.path(),
        &fixture("models/bert"),
        make,
        (&data, &data),
        |(results, _, _)| results.clone(),
    );
    assert!(results.contains_key("f1_score"));
}

#[test]
fn max_steps_stops_exactly_there() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut settings = args(tmp.path());
    settings.model.max_steps = 3;
    let output = model(settings)
        .train_model(&sentences(), None, Metrics::new())
        .unwrap();
    assert_eq!(output.global_step, 3);
}

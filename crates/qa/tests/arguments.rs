//! Question-answering arguments: the feature cache follows `reprocess_input_data`, `no_cache`
//! and `use_cached_eval_features`; `loss_type` and `doc_stride: 0` are errors naming them.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use st_core::args::ModelArgs;
use st_core::task::TaskModel;
use st_qa::{Answer, Context, QaArgs, QaMetrics, QaOptions, Question, QuestionAnsweringModel};

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

fn s(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn question(id: &str, question: &str, context: &str, answer: &str) -> Question {
    Question {
        id: id.into(),
        question: question.into(),
        is_impossible: false,
        answers: vec![Answer {
            text: answer.into(),
            answer_start: context.find(answer).unwrap(),
        }],
    }
}

fn contexts() -> Vec<Context> {
    [("man", "paris"), ("dog", "london"), ("fox", "tokyo")]
        .iter()
        .enumerate()
        .map(|(i, (who, city))| {
            let text = format!("the {who} visited {city} on friday .");
            Context {
                qas: vec![
                    question(&format!("{i}-who"), "who visited the city ?", &text, who),
                    question(&format!("{i}-city"), "what city was visited ?", &text, city),
                ],
                context: text,
            }
        })
        .collect()
}

fn args(dir: &Path) -> QaArgs {
    QaArgs {
        model: ModelArgs {
            output_dir: s(&dir.join("outputs")),
            best_model_dir: s(&dir.join("outputs/best")),
            tensorboard_dir: Some(s(&dir.join("runs"))),
            cache_dir: s(&dir.join("cache")),
            num_train_epochs: 1,
            train_batch_size: 4,
            max_seq_length: 48,
            manual_seed: Some(3),
            silent: true,
            save_model_every_epoch: false,
            overwrite_output_dir: true,
            ..Default::default()
        },
        max_query_length: 16,
        doc_stride: 16,
        n_best_size: 3,
        ..Default::default()
    }
}

fn build(args: QaArgs) -> Result<QuestionAnsweringModel, st_qa::QaError> {
    let options = QaOptions {
        args: Some(args),
        ..Default::default()
    };
    QuestionAnsweringModel::new("bert", &tiny_bert(), options)
}

fn cache_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

/// Point every cached window's answer at its first context token.
fn move_cached_answers(path: &Path) {
    let mut features: Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for window in features["windows"].as_array_mut().unwrap() {
        let first = window["context_start"].clone();
        window["start_position"] = first.clone();
        window["end_position"] = first;
    }
    std::fs::write(path, features.to_string()).unwrap();
}

#[test]
fn feature_cache_follows_reprocess_no_cache_and_use_cached_eval_features() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let data = contexts();
    let eval_loss = |model: &QuestionAnsweringModel| {
        model.eval_model(&data, &QaMetrics::new()).unwrap().0["eval_loss"]
    };

    // reprocess_input_data false: features are written, and the next evaluation reads them
    // (edited answers change its loss, so the file is what was used).
    let mut reuse = args(tmp.path());
    reuse.model.reprocess_input_data = false;
    let cached = build(reuse).unwrap();
    let fresh = eval_loss(&cached);
    let files = cache_files(&cache);
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("cached_dev_bert_48_"), "{name}");
    move_cached_answers(&files[0]);
    let from_cache = eval_loss(&cached);
    assert!((from_cache - fresh).abs() > 1e-3, "{fresh} vs {from_cache}");

    // use_cached_eval_features reuses evaluation features even when reprocessing.
    let mut eval_cached = args(tmp.path());
    eval_cached.model.use_cached_eval_features = true;
    assert_eq!(eval_loss(&build(eval_cached).unwrap()), from_cache);

    // reprocess_input_data (the default) recomputes and rewrites the file.
    assert_eq!(eval_loss(&build(args(tmp.path())).unwrap()), fresh);
    assert_eq!(eval_loss(&cached), fresh);

    // no_cache never writes, nor reads.
    let elsewhere = tmp.path().join("no-cache");
    let mut none = args(tmp.path());
    none.model.no_cache = true;
    none.model.reprocess_input_data = false;
    none.model.cache_dir = s(&elsewhere);
    let mut uncached = build(none).unwrap();
    assert_eq!(eval_loss(&uncached), fresh);
    uncached.train_model(&data, None, QaMetrics::new()).unwrap();
    assert!(!elsewhere.exists());
}

#[test]
fn loss_type_and_doc_stride_zero_are_refused_naming_them() {
    let tmp = tempfile::tempdir().unwrap();
    let mut focal = args(tmp.path());
    focal.model.loss_type = Some("focal".into());
    let err = build(focal).unwrap_err().to_string();
    assert!(
        err.starts_with("argument \"loss_type\" is not supported: "),
        "{err}"
    );
    let options = QaOptions {
        args: Some(args(tmp.path())),
        overrides: Some(json!({"doc_stride": 0})),
        ..Default::default()
    };
    let err = QuestionAnsweringModel::new("bert", &tiny_bert(), options)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("argument \"doc_stride\": "), "{err}");
    assert!(!tmp.path().join("outputs").exists());
}

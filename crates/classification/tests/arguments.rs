//! Every argument has an effect or an error, on the tiny random BERT: each test here checks
//! the effect of one formerly ignored argument (`tokenizer_name`, `config`, `encoding`,
//! `thread_count`, `batch_chunk_size`, `max_steps`, a per-label `threshold`, explicit args over
//! a saved `model_args.json`). The losses (`loss_type` / `loss_args`) are in
//! `arguments/loss.rs`, the refusals and range errors in `arguments/refusals.rs`.

use std::path::{Path, PathBuf};

use serde_json::json;
use st_classification::{
    ClassificationArgs, ClassificationError, ClassificationModel, ClassificationOptions, Example,
    Label, MultiLabelClassificationArgs, MultiLabelClassificationModel, MultiLabelOptions,
    Threshold,
};
use st_core::args::ModelArgs;
use st_core::metrics::{FnMetric, Metrics};
use st_core::task::TaskModel;

mod common;
#[path = "arguments/loss.rs"]
mod loss;
#[path = "arguments/refusals.rs"]
mod refusals;

use common::{rng_lock, tiny_bert};

/// Label 1 when the text speaks of fun, 0 when it speaks of a film (words in the tiny vocab).
pub(crate) fn examples() -> Vec<Example> {
    let positive = [
        "good fun",
        "the best fun",
        "fun fun",
        "good and fun",
        "best fun ever",
        "so much fun",
    ];
    let negative = [
        "the film",
        "a film",
        "film film",
        "that film",
        "this film again",
        "one more film",
    ];
    positive
        .iter()
        .map(|t| Example::new(*t, 1))
        .chain(negative.iter().map(|t| Example::new(*t, 0)))
        .collect()
}

pub(crate) fn path_string(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

pub(crate) fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(path)
}

/// One quiet epoch in batches of 4, every output under `dir`.
pub(crate) fn args(dir: &Path) -> ClassificationArgs {
    ClassificationArgs {
        model: ModelArgs {
            output_dir: path_string(&dir.join("outputs")),
            best_model_dir: path_string(&dir.join("outputs/best")),
            tensorboard_dir: Some(path_string(&dir.join("runs"))),
            cache_dir: path_string(&dir.join("cache")),
            num_train_epochs: 1,
            train_batch_size: 4,
            learning_rate: 1e-3,
            manual_seed: Some(1),
            silent: true,
            save_model_every_epoch: false,
            overwrite_output_dir: true,
            ..Default::default()
        },
        ..Default::default()
    }
}

pub(crate) fn build(args: ClassificationArgs) -> Result<ClassificationModel, ClassificationError> {
    let options = ClassificationOptions {
        args: Some(args),
        ..Default::default()
    };
    ClassificationModel::new("bert", &tiny_bert(), options)
}

fn ids(model: &ClassificationModel, text: &str) -> Vec<u32> {
    model
        .tokenizer()
        .encode(text.into(), 16)
        .unwrap()
        .get_ids()
        .to_vec()
}

#[test]
fn tokenizer_name_loads_the_named_tokenizer() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    // The fixture's vocabulary without its tokenizer.json, and a config that keeps case.
    let cased = tmp.path().join("cased");
    std::fs::create_dir(&cased).unwrap();
    std::fs::copy(
        Path::new(&tiny_bert()).join("vocab.txt"),
        cased.join("vocab.txt"),
    )
    .unwrap();
    std::fs::write(
        cased.join("tokenizer_config.json"),
        r#"{"do_lower_case": false}"#,
    )
    .unwrap();

    let default = build(args(tmp.path())).unwrap();
    assert_eq!(
        ids(&default, "Good"),
        ids(&default, "good"),
        "the model's own tokenizer lower-cases"
    );
    let mut settings = args(tmp.path());
    settings.model.tokenizer_name = Some(path_string(&cased));
    let model = build(settings.clone()).unwrap();
    assert_ne!(
        ids(&model, "Good"),
        ids(&model, "good"),
        "tokenizer_name's tokenizer keeps case"
    );
    assert_eq!(
        ids(&model, "good"),
        ids(&default, "good"),
        "same vocabulary"
    );
    // A save carries the tokenizer that was used.
    let saved = tmp.path().join("saved");
    model.save_model(&saved).unwrap();
    let config = std::fs::read_to_string(saved.join("tokenizer_config.json")).unwrap();
    assert!(config.contains("\"do_lower_case\": false"), "{config}");

    // Another model's tokenizer, larger than the embeddings: an error, not an out-of-range
    // lookup later.
    settings.model.tokenizer_name = Some(path_string(&fixture("tokenizers/wordpiece")));
    let err = build(settings).unwrap_err().to_string();
    assert!(
        err.contains("30522 tokens") && err.contains("554 rows") && err.contains("tokenizer_name"),
        "{err}"
    );

    // tokenizer_type names an architecture (its special-token template): a typo is an error.
    let mut typo = args(tmp.path());
    typo.model.tokenizer_type = Some("bertt".into());
    let err = build(typo).unwrap_err().to_string();
    assert!(
        err.starts_with("argument \"tokenizer_type\": ") && err.contains("bertt"),
        "{err}"
    );
}

#[test]
fn config_overrides_build_the_encoder_and_are_saved() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let default = build(args(tmp.path())).unwrap();
    let options = ClassificationOptions {
        args: Some(args(tmp.path())),
        overrides: Some(json!({"config": {"num_hidden_layers": 1}})),
        ..Default::default()
    };
    let shallow = ClassificationModel::new("bert", &tiny_bert(), options).unwrap();
    let (all, one) = (
        default.get_named_parameters(),
        shallow.get_named_parameters(),
    );
    assert!(all.iter().any(|n| n.contains("layer.1.")), "{all:?}");
    assert!(one.iter().any(|n| n.contains("layer.0.")), "{one:?}");
    assert!(!one.iter().any(|n| n.contains("layer.1.")), "{one:?}");
    assert_eq!(
        all.len() - one.len(),
        16,
        "one BERT layer has 16 parameters"
    );

    let saved = tmp.path().join("saved");
    shallow.save_model(&saved).unwrap();
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(saved.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["num_hidden_layers"], 1);
    assert_eq!(config["hidden_size"], 32, "other keys are kept");
}

/// `text` in ISO-8859-1.
fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect()
}

#[test]
fn encoding_reads_data_files_in_that_encoding() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("train.tsv");
    std::fs::write(
        &path,
        latin1("text\tlabels\ngood café fun\t1\nthe naïve film\t0\nfun fun\t1\na film\t0\n"),
    )
    .unwrap();

    let mut settings = args(tmp.path());
    settings.model.encoding = Some("latin-1".into());
    let mut model = build(settings).unwrap();
    let read = model.read_examples(&path).unwrap();
    assert_eq!(read[0], Example::new("good café fun", 1));
    assert_eq!(read[1].text_a, "the naïve film");
    let output = model
        .train_model_from_file(&path, None, Metrics::new())
        .unwrap();
    assert_eq!(output.global_step, 1);

    // Read as UTF-8 (the default), the same bytes are an error naming the file.
    let mut utf8 = build(args(&tmp.path().join("utf8"))).unwrap();
    let err = utf8.read_examples(&path).unwrap_err().to_string();
    assert!(err.contains(&path_string(&path)), "{err}");
    let err = utf8
        .train_model_from_file(&path, None, Metrics::new())
        .unwrap_err()
        .to_string();
    assert!(err.contains(&path_string(&path)), "{err}");
}

#[test]
fn thread_count_sizes_the_pool_compute_runs_in() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let default_threads = rayon::current_num_threads();
    let wanted = default_threads + 1;
    // The metric runs inside evaluation: it reports how many threads rayon computes with.
    let threads = || {
        Metrics::new().with(FnMetric::new("threads", |_: &[f64], _: &[f64]| {
            rayon::current_num_threads() as f64
        }))
    };
    let data = examples();

    let default = build(args(tmp.path())).unwrap();
    let (result, _, _) = default.eval_model(&data, &threads()).unwrap();
    assert_eq!(result["threads"], default_threads as f64);

    let mut settings = args(tmp.path());
    settings.model.thread_count = Some(wanted);
    let model = build(settings).unwrap();
    let (result, _, _) = model.eval_model(&data, &threads()).unwrap();
    assert_eq!(result["threads"], wanted as f64);
    // The caller's pool is left as it was.
    assert_eq!(rayon::current_num_threads(), default_threads);
}

#[test]
fn batch_chunk_size_must_divide_the_batch_and_drops_partial_chunks() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut data = examples();
    data.push(Example::new("fun again", 1));
    assert_eq!(data.len(), 13);

    let mut settings = args(tmp.path());
    settings.batch_chunk_size = Some(3);
    let mut model = build(settings).unwrap();
    let err = model
        .train_model(&data, None, Metrics::new())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("batch_chunk_size 3") && err.contains("train_batch_size 4"),
        "{err}"
    );

    // Chunks of 4: 13 examples make 3 whole chunks (12 examples), so 3 batches of 4 per
    // epoch, where 13 examples alone make 4 batches.
    let mut settings = args(tmp.path());
    settings.batch_chunk_size = Some(4);
    settings.model.num_train_epochs = 2;
    let mut model = build(settings).unwrap();
    let output = model.train_model(&data, None, Metrics::new()).unwrap();
    let per_epoch = (data.len() / 4 * 4).div_ceil(4);
    assert_eq!(per_epoch, 3);
    assert_eq!(output.global_step, 2 * per_epoch);

    let mut unchunked = build(args(&tmp.path().join("plain"))).unwrap();
    let output = unchunked.train_model(&data, None, Metrics::new()).unwrap();
    assert_eq!(output.global_step, 4);
}

#[test]
fn explicit_args_replace_a_saved_model_args_json_and_overrides_merge_over_it() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut settings = args(tmp.path());
    settings.model.num_train_epochs = 15;
    let saved = tmp.path().join("saved");
    build(settings).unwrap().save_model(&saved).unwrap();
    let load = |args: Option<ClassificationArgs>, overrides: Option<serde_json::Value>| {
        let options = ClassificationOptions {
            args,
            overrides,
            ..Default::default()
        };
        ClassificationModel::new("bert", saved.to_str().unwrap(), options).unwrap()
    };

    // An args value equal to the defaults still replaces the saved arguments, as Python's
    // args object does.
    let explicit = load(Some(ClassificationArgs::default()), None);
    assert_eq!(explicit.args().model.num_train_epochs, 1);
    assert_eq!(explicit.args().model.output_dir, "outputs/");
    // Without one, the saved arguments are loaded.
    let reloaded = load(None, None);
    assert_eq!(reloaded.args().model.num_train_epochs, 15);
    assert_eq!(
        reloaded.args().model.output_dir,
        path_string(&tmp.path().join("outputs"))
    );
    // A JSON object is merged over them: the key it names changes, the others are kept.
    let merged = load(None, Some(json!({"num_train_epochs": 1})));
    assert_eq!(merged.args().model.num_train_epochs, 1);
    assert_eq!(
        merged.args().model.output_dir,
        reloaded.args().model.output_dir
    );
}

#[test]
fn max_steps_stops_training_exactly_there() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    // 12 examples in batches of 4: 3 steps an epoch, so 5 steps end inside the second epoch.
    let mut settings = args(tmp.path());
    settings.model.max_steps = 5;
    let mut model = build(settings).unwrap();
    let output = model
        .train_model(&examples(), None, Metrics::new())
        .unwrap();
    assert_eq!(output.global_step, 5);

    // Fewer steps than one epoch: training ends mid-epoch.
    let mut settings = args(&tmp.path().join("short"));
    settings.model.max_steps = 2;
    settings.model.num_train_epochs = 4;
    let mut model = build(settings).unwrap();
    let output = model
        .train_model(&examples(), None, Metrics::new())
        .unwrap();
    assert_eq!(output.global_step, 2);
}

#[test]
fn an_early_stopping_metric_evaluation_never_reports_fails_before_training() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut settings = args(tmp.path());
    settings.model.evaluate_during_training = true;
    settings.model.early_stopping_metric = "accuracy_typo".into();
    let mut model = build(settings).unwrap();
    let data = examples();
    let err = model
        .train_model(&data, Some(&data), Metrics::new())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("\"accuracy_typo\"") && err.contains("mcc"),
        "{err}"
    );
    assert!(!tmp.path().join("outputs").exists(), "nothing was trained");
    assert!(!tmp.path().join("runs").exists());

    // A user metric's name is one evaluation reports.
    let mut settings = args(tmp.path());
    settings.model.evaluate_during_training = true;
    settings.model.early_stopping_metric = "always_one".into();
    settings.model.early_stopping_metric_minimize = false;
    let mut model = build(settings).unwrap();
    let metrics = Metrics::new().with(FnMetric::new("always_one", |_: &[f64], _: &[f64]| 1.0));
    let output = model.train_model(&data, Some(&data), metrics).unwrap();
    assert_eq!(output.progress.last().unwrap()["always_one"], 1.0);
}

fn multi_label_options(dir: &Path, overrides: serde_json::Value) -> MultiLabelOptions {
    let mut args = MultiLabelClassificationArgs::default();
    args.classification.model = self::args(dir).model;
    MultiLabelOptions {
        num_labels: Some(3),
        args: Some(args),
        overrides: Some(overrides),
        ..Default::default()
    }
}

#[test]
fn multi_label_threshold_list_is_accepted_as_json_and_applied_per_label() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let options = multi_label_options(tmp.path(), json!({"threshold": [0.5, 0.5, 0.5]}));
    let model = MultiLabelClassificationModel::new("bert", &tiny_bert(), options).unwrap();
    assert_eq!(model.args().threshold, Threshold::PerLabel(vec![0.5; 3]));

    // Thresholds that always fire, never fire, and fire on the probability: the decisions
    // follow each label's own threshold.
    let options = multi_label_options(tmp.path(), json!({"threshold": [0.0, 1.01, 0.5]}));
    let model = MultiLabelClassificationModel::new("bert", &tiny_bert(), options).unwrap();
    let texts = ["good fun", "that film", "the best fun ever"];
    let (predictions, probabilities) = model.predict(&texts).unwrap();
    for (prediction, p) in predictions.iter().zip(&probabilities) {
        let Label::MultiHot(hot) = prediction else {
            panic!("a multi-hot row, found {prediction:?}")
        };
        assert_eq!(hot, &[1, 0, u8::from(p[2] >= 0.5)], "{p:?}");
    }

    // It is saved as a list and loads back.
    let saved = tmp.path().join("saved");
    model.save_model(&saved).unwrap();
    let reloaded = MultiLabelClassificationModel::new(
        "bert",
        saved.to_str().unwrap(),
        MultiLabelOptions::default(),
    )
    .unwrap();
    assert_eq!(
        reloaded.args().threshold,
        Threshold::PerLabel(vec![0.0, 1.01, 0.5])
    );
    let err = MultiLabelClassificationModel::new(
        "bert",
        &tiny_bert(),
        multi_label_options(tmp.path(), json!({"threshold": [0.5, 0.5]})),
    )
    .unwrap_err();
    assert!(err.to_string().contains("threshold has 2 values"), "{err}");
}

//! `ClassificationModel` end to end on the tiny random BERT fixture: loss falls on a learnable
//! task, Python's result keys per mode, save and reload, string labels, and bad labels.

use st_classification::{
    ClassificationArgs, ClassificationModel, ClassificationOptions, Example, Label, softmax,
};
use st_core::args::ModelArgs;
use st_core::metrics::{FnMetric, Metrics};
use st_core::task::TaskModel;

mod common;

use common::{rng_lock, tiny_bert};

/// Label 1 when the text speaks of fun, 0 when it speaks of a film (words in the tiny vocab).
fn examples() -> Vec<Example> {
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

fn args(output: &std::path::Path) -> ClassificationArgs {
    ClassificationArgs {
        model: ModelArgs {
            output_dir: output.join("outputs").to_string_lossy().into_owned(),
            best_model_dir: output.join("outputs/best").to_string_lossy().into_owned(),
            tensorboard_dir: Some(output.join("runs").to_string_lossy().into_owned()),
            cache_dir: output.join("cache").to_string_lossy().into_owned(),
            num_train_epochs: 15,
            train_batch_size: 4,
            learning_rate: 1e-3,
            manual_seed: Some(1),
            silent: true,
            save_model_every_epoch: false,
            // eval_model writes eval_results.txt into output_dir, so training after an
            // evaluation needs this, as in Python.
            overwrite_output_dir: true,
            ..Default::default()
        },
        ..Default::default()
    }
}

fn model(args: ClassificationArgs, num_labels: Option<usize>) -> ClassificationModel {
    let options = ClassificationOptions {
        args: Some(args),
        num_labels,
        ..Default::default()
    };
    ClassificationModel::new("bert", &tiny_bert(), options).unwrap()
}

#[test]
fn binary_training_learns_and_reports_python_keys() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut model = model(args(tmp.path()), None);
    let data = examples();
    let (before, _, _) = model.eval_model(&data, &Metrics::new()).unwrap();
    let output = model.train_model(&data, None, Metrics::new()).unwrap();
    assert_eq!(output.global_step, 3 * 15);
    let extra = Metrics::new().with(FnMetric::new("always_one", |_: &[f64], _: &[f64]| 1.0));
    let (after, outputs, wrong) = model.eval_model(&data, &extra).unwrap();
    let keys: Vec<&str> = after.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "accuracy",
            "always_one",
            "auprc",
            "auroc",
            "eval_loss",
            "f1_score",
            "fn",
            "fp",
            "mcc",
            "tn",
            "tp"
        ]
    );
    assert!(
        after["eval_loss"] < before["eval_loss"] / 2.0,
        "eval loss {} → {}",
        before["eval_loss"],
        after["eval_loss"]
    );
    assert!(after["accuracy"] >= 0.9, "{after:?}");
    assert_eq!(outputs.len(), data.len());
    assert!(wrong.len() <= 1);
    for row in softmax(&outputs) {
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }

    // The final model was saved to output_dir; it reloads with the same predictions.
    let (predictions, raw) = model.predict(&["good fun", "a film"]).unwrap();
    assert_eq!(predictions, [Label::Int(1), Label::Int(0)]);
    let saved = tmp.path().join("outputs");
    assert!(saved.join("model_args.json").is_file());
    assert!(saved.join("config.json").is_file());
    let reloaded = ClassificationModel::new(
        "bert",
        saved.to_str().unwrap(),
        ClassificationOptions::default(),
    )
    .unwrap();
    assert_eq!(
        reloaded.args().model.num_train_epochs,
        15,
        "model_args.json loaded back"
    );
    let (again, raw_again) = reloaded.predict(&["good fun", "a film"]).unwrap();
    assert_eq!(again, predictions);
    for (a, b) in raw.iter().flatten().zip(raw_again.iter().flatten()) {
        assert!((a - b).abs() < 1e-5);
    }
}

#[test]
fn string_labels_multiclass_and_regression_keys() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut named = args(tmp.path());
    named.labels_list = vec!["film".into(), "fun".into(), "other".into()];
    named.model.num_train_epochs = 1;
    let mut multi = model(named, None);
    assert_eq!(multi.num_labels(), 3);
    let data: Vec<Example> = examples()
        .into_iter()
        .map(|e| {
            let label = if e.label == Label::Int(1) {
                "fun"
            } else {
                "film"
            };
            Example::new(e.text_a, label)
        })
        .collect();
    multi.train_model(&data, None, Metrics::new()).unwrap();
    let (result, _, _) = multi.eval_model(&data, &Metrics::new()).unwrap();
    assert_eq!(result.keys().collect::<Vec<_>>(), ["eval_loss", "mcc"]);
    let (predictions, _) = multi.predict(&["good fun"]).unwrap();
    assert!(
        matches!(&predictions[0], Label::Text(t) if ["film", "fun", "other"].contains(&t.as_str()))
    );

    let mut regression_args = args(&tmp.path().join("regression"));
    regression_args.regression = true;
    regression_args.model.num_train_epochs = 1;
    let mut regression = model(regression_args, Some(1));
    let values: Vec<Example> = examples()
        .into_iter()
        .map(|e| {
            let v = if e.label == Label::Int(1) { 0.8 } else { -0.3 };
            Example::new(e.text_a, v)
        })
        .collect();
    regression
        .train_model(&values, None, Metrics::new())
        .unwrap();
    let (result, outputs, wrong) = regression.eval_model(&values, &Metrics::new()).unwrap();
    assert_eq!(result.keys().collect::<Vec<_>>(), ["eval_loss"]);
    assert_eq!(outputs[0].len(), 1);
    assert!(wrong.is_empty());
}

#[test]
fn sentence_pairs_and_class_weights_train() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut settings = args(tmp.path());
    settings.model.num_train_epochs = 2;
    let options = ClassificationOptions {
        args: Some(settings),
        weight: Some(vec![1.0, 3.0]),
        ..Default::default()
    };
    let mut model = ClassificationModel::new("bert", &tiny_bert(), options).unwrap();
    let pairs = vec![
        Example::pair("good fun", "the best fun", 1),
        Example::pair("a film", "good fun", 0),
        Example::pair("fun fun", "so much fun", 1),
        Example::pair("that film", "fun", 0),
    ];
    let output = model
        .train_model(&pairs, Some(&pairs), Metrics::new())
        .unwrap();
    assert!(output.training_loss.is_finite());
    let (predictions, raw) = model.predict_pairs(&[("good fun", "fun")]).unwrap();
    assert_eq!(predictions.len(), 1);
    assert_eq!(raw[0].len(), 2);
}

/// The label lives in the second text only: every first text comes with both labels, so
/// fitting the training set means reading `text_b`.
#[test]
fn pairs_learn_from_the_second_text() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut model = model(args(tmp.path()), None);
    let firsts = ["the one", "a good one", "this again", "so much more"];
    let pairs: Vec<Example> = examples()
        .into_iter()
        .enumerate()
        .map(|(i, e)| Example::pair(firsts[i % firsts.len()], e.text_a, e.label))
        .collect();
    model.train_model(&pairs, None, Metrics::new()).unwrap();
    let (result, _, wrong) = model.eval_model(&pairs, &Metrics::new()).unwrap();
    assert_eq!(result["accuracy"], 1.0, "{wrong:?}");
}

#[test]
fn bad_labels_and_settings_are_clear_errors() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut model = model(args(tmp.path()), None);
    let err = model
        .train_model(
            &[Example::new("good fun", 1), Example::new("a film", 7)],
            None,
            Metrics::new(),
        )
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("example 1") && message.contains("\"7\""),
        "{message}"
    );

    let mut listed = args(tmp.path());
    listed.labels_list = vec!["a".into(), "b".into()];
    let options = ClassificationOptions {
        args: Some(listed),
        num_labels: Some(3),
        ..Default::default()
    };
    let err = ClassificationModel::new("bert", &tiny_bert(), options).unwrap_err();
    assert!(err.to_string().contains("labels_list has 2"), "{err}");

    let options = ClassificationOptions {
        args: Some(args(tmp.path())),
        weight: Some(vec![1.0]),
        ..Default::default()
    };
    let err = ClassificationModel::new("bert", &tiny_bert(), options).unwrap_err();
    assert!(err.to_string().contains("class weights"), "{err}");

    let mut reranker = args(tmp.path());
    reranker.as_reranker = true;
    let options = ClassificationOptions {
        args: Some(reranker),
        ..Default::default()
    };
    let err = ClassificationModel::new("bert", &tiny_bert(), options).unwrap_err();
    assert!(err.to_string().contains("as_reranker"), "{err}");
}

/// Rows of the saved word-embedding table.
fn saved_word_embeddings(dir: &std::path::Path) -> (Vec<usize>, Vec<f32>) {
    let checkpoint = st_core::weights::Checkpoint::open(dir).unwrap();
    let table = checkpoint
        .tensor_f32("bert.embeddings.word_embeddings.weight")
        .unwrap()
        .expect("word embeddings saved");
    (table.shape, table.values)
}

#[test]
fn special_tokens_are_added_resized_trained_and_saved() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut settings = args(tmp.path());
    settings.model.num_train_epochs = 3;
    // Two new tokens and one the vocabulary already has.
    settings.special_tokens_list = vec!["[NEW1]".into(), "<ent>".into(), "[MASK]".into()];
    let mut model = model(settings, None);
    let (old_rows, width) = (554, 32);
    assert_eq!(model.tokenizer().vocab_size(), old_rows + 2);
    let new_id = model.tokenizer().token_to_id("[NEW1]").unwrap() as usize;
    assert_eq!(new_id, old_rows);
    let encoding = model
        .tokenizer()
        .encode("good [NEW1] fun<ent>".into(), 64)
        .unwrap();
    assert!(encoding.get_ids().contains(&(old_rows as u32)));
    assert!(encoding.get_ids().contains(&(old_rows as u32 + 1)));

    // Before training: the table has two more rows, each the mean of the old rows.
    let before = tmp.path().join("before");
    model.save_model(&before).unwrap();
    let (shape, table) = saved_word_embeddings(&before);
    assert_eq!(shape, vec![old_rows + 2, width]);
    for col in 0..width {
        let mean = (0..old_rows).map(|r| table[r * width + col]).sum::<f32>() / old_rows as f32;
        for row in old_rows..old_rows + 2 {
            assert!((table[row * width + col] - mean).abs() < 1e-5);
        }
    }
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(before.join("config.json")).unwrap())
            .unwrap();
    assert_eq!(config["vocab_size"], old_rows + 2);

    // Training on texts that use the new tokens moves their rows.
    let data: Vec<Example> = examples()
        .into_iter()
        .map(|e| {
            let marked = format!("[NEW1] {} <ent>", e.text_a);
            Example::new(marked, e.label)
        })
        .collect();
    model.train_model(&data, None, Metrics::new()).unwrap();
    let after = tmp.path().join("outputs");
    let (_, trained) = saved_word_embeddings(&after);
    let moved = (old_rows * width..(old_rows + 2) * width)
        .map(|i| (trained[i] - table[i]).abs())
        .fold(0f32, f32::max);
    assert!(moved > 1e-4, "new rows did not train (max change {moved})");

    // The saved directory carries the tokens and reloads with the same predictions.
    let saved = std::fs::read_to_string(after.join("tokenizer.json")).unwrap();
    assert!(saved.contains("[NEW1]") && saved.contains("<ent>"));
    let texts = ["[NEW1] good fun <ent>", "[NEW1] the film <ent>"];
    let (expected, raw) = model.predict(&texts).unwrap();
    let reloaded = ClassificationModel::new(
        "bert",
        after.to_str().unwrap(),
        ClassificationOptions::default(),
    )
    .unwrap();
    assert_eq!(reloaded.tokenizer().vocab_size(), old_rows + 2);
    let (predictions, raw_again) = reloaded.predict(&texts).unwrap();
    assert_eq!(predictions, expected);
    for (a, b) in raw.iter().flatten().zip(raw_again.iter().flatten()) {
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }
}

#[test]
fn feature_cache_is_keyed_by_content() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut settings = args(tmp.path());
    settings.model.num_train_epochs = 1;
    settings.model.reprocess_input_data = false;
    let cache = tmp.path().join("cache");
    let mut first = model(settings.clone(), None);
    let data = examples();
    first.train_model(&data, None, Metrics::new()).unwrap();
    let files = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&cache)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(files().len(), 1);
    assert!(
        files()[0].starts_with("cached_train_bert_128_2_"),
        "{:?}",
        files()
    );

    // Same content: the cached file is reused, not rewritten.
    let cached = cache.join(&files()[0]);
    let written = std::fs::metadata(&cached).unwrap().modified().unwrap();
    settings.model.overwrite_output_dir = true;
    let mut again = model_from(settings.clone());
    again.train_model(&data, None, Metrics::new()).unwrap();
    assert_eq!(files().len(), 1);
    assert_eq!(
        std::fs::metadata(&cached).unwrap().modified().unwrap(),
        written
    );

    // A corrupt cache file is recomputed, not trusted.
    std::fs::write(&cached, "not features").unwrap();
    again.train_model(&data, None, Metrics::new()).unwrap();
    assert!(std::fs::read_to_string(&cached).unwrap().starts_with('{'));

    // Changed content (one label flipped, same count): a new cache entry, never stale features.
    let mut changed = data.clone();
    changed[0].label = Label::Int(0);
    again.train_model(&changed, None, Metrics::new()).unwrap();
    assert_eq!(files().len(), 2);

    // no_cache writes nothing.
    let mut none = settings.clone();
    none.model.no_cache = true;
    none.model.cache_dir = tmp.path().join("nothing").to_string_lossy().into_owned();
    model_from(none)
        .train_model(&data, None, Metrics::new())
        .unwrap();
    assert!(!tmp.path().join("nothing").exists());
}

fn model_from(args: ClassificationArgs) -> ClassificationModel {
    model(args, None)
}

#[test]
fn sliding_window_covers_long_texts() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut settings = args(tmp.path());
    settings.sliding_window = true;
    settings.stride = 0.5;
    settings.model.max_seq_length = 8;
    settings.model.num_train_epochs = 3;
    let mut model = model(settings.clone(), None);
    let long = |words: &str, n: usize| vec![words; n].join(" ");
    let data = vec![
        Example::new(long("good fun", 9), 1),
        Example::new(long("the best fun", 7), 1),
        Example::new(long("a film", 9), 0),
        Example::new(long("that film", 8), 0),
        Example::new("fun", 1),
    ];
    model.train_model(&data, None, Metrics::new()).unwrap();
    let (result, outputs, _) = model.eval_model(&data, &Metrics::new()).unwrap();
    // Python's binary sliding-window set: no accuracy/f1/auroc/auprc.
    assert_eq!(
        result.keys().collect::<Vec<_>>(),
        ["eval_loss", "fn", "fp", "mcc", "tn", "tp"]
    );
    assert_eq!(outputs.len(), data.len(), "one row per text");
    // 18 tokens in windows of 6 every 4 tokens: starts 0, 4, 8, 12, 16 → 5 windows × 2 logits.
    assert_eq!(outputs[0].len(), 5 * 2);
    assert_eq!(outputs[4].len(), 2, "a short text is one window");
    let (predictions, raw) = model.predict(&[&long("good fun", 9), "a film"]).unwrap();
    assert_eq!(predictions.len(), 2);
    assert_eq!(raw[0].len(), 10);

    let err = model
        .train_model(
            &[Example::pair("good fun", "a film", 1)],
            None,
            Metrics::new(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("sentence pairs"), "{err}");

    let mut regression = settings;
    regression.regression = true;
    regression.model.output_dir = tmp.path().join("regression").to_string_lossy().into_owned();
    let mut model = ClassificationModel::new(
        "bert",
        &tiny_bert(),
        ClassificationOptions {
            args: Some(regression),
            num_labels: Some(1),
            ..Default::default()
        },
    )
    .unwrap();
    let values: Vec<Example> = data
        .iter()
        .map(|e| {
            Example::new(
                e.text_a.clone(),
                if e.label == Label::Int(1) { 1.0 } else { -1.0 },
            )
        })
        .collect();
    model.train_model(&values, None, Metrics::new()).unwrap();
    let (result, outputs, _) = model.eval_model(&values, &Metrics::new()).unwrap();
    assert_eq!(result.keys().collect::<Vec<_>>(), ["eval_loss"]);
    let (predictions, _) = model.predict(&[&long("good fun", 9)]).unwrap();
    let Label::Float(mean) = predictions[0] else {
        panic!("a value")
    };
    let windows = &outputs[0];
    let expected = windows.iter().sum::<f32>() / windows.len() as f32;
    assert!((mean as f32 - expected).abs() < 1e-5, "mean of the windows");
}

#[test]
fn lazy_loading_reads_lines_on_demand_and_checks_them_first() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut tsv = String::from("text\tlabels\n");
    for e in examples() {
        tsv.push_str(&format!("{}\t{}\n", e.text_a, e.label));
    }
    tsv.push('\n'); // blank lines are skipped
    let path = tmp.path().join("train.tsv");
    std::fs::write(&path, &tsv).unwrap();
    let mut settings = args(tmp.path());
    settings.lazy_loading = true;
    let mut model = model(settings.clone(), None);
    let data = examples();
    let (before, _, _) = model.eval_model(&data, &Metrics::new()).unwrap();
    let output = model
        .train_model_from_file(&path, None, Metrics::new())
        .unwrap();
    assert_eq!(output.global_step, 3 * 15);
    let (after, _, _) = model.eval_model(&data, &Metrics::new()).unwrap();
    assert!(
        after["eval_loss"] < before["eval_loss"],
        "{before:?} → {after:?}"
    );

    // Sentence pairs from columns 0 and 1, label in column 2, no header.
    let pairs = tmp.path().join("pairs.tsv");
    std::fs::write(&pairs, "good fun\tthe best fun\t1\na film\tthat film\t0\n").unwrap();
    let mut pair_args = settings.clone();
    pair_args.lazy_loading_start_line = 0;
    pair_args.lazy_text_a_column = Some(0);
    pair_args.lazy_text_b_column = Some(1);
    pair_args.lazy_labels_column = 2;
    pair_args.model.num_train_epochs = 1;
    pair_args.model.overwrite_output_dir = true;
    let mut pair_model = model_from(pair_args);
    assert_eq!(
        pair_model
            .train_model_from_file(&pairs, None, Metrics::new())
            .unwrap()
            .global_step,
        1
    );

    // Bad lines are found before training, with file and line.
    let bad = tmp.path().join("bad.tsv");
    std::fs::write(&bad, "text\tlabels\ngood fun\t1\nno label here\n").unwrap();
    let err = model
        .train_model_from_file(&bad, None, Metrics::new())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("bad.tsv:3") && err.contains("no label column 1"),
        "{err}"
    );
    std::fs::write(&bad, "text\tlabels\ngood fun\t1\na film\t7\n").unwrap();
    let err = model
        .train_model_from_file(&bad, None, Metrics::new())
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad.tsv:3") && err.contains("\"7\""), "{err}");
}

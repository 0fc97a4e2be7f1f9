//! Arguments this implementation cannot honour, and values out of range: each is an error
//! naming the argument — when the model is built for what no model here can do, when training
//! starts for training settings (the model still builds, to predict with), and never a panic.

use std::path::Path;

use st_classification::{ClassificationArgs, ClassificationModel, ClassificationOptions};
use st_core::metrics::Metrics;
use st_core::task::TaskModel;

use super::{args, build, examples, path_string};
use crate::common::{rng_lock, tiny_bert};

/// The constructor's error for `args`, which must be refused.
fn refused(args: ClassificationArgs) -> String {
    build(args)
        .expect_err("the arguments must be refused")
        .to_string()
}

#[test]
fn load_time_refusals_name_the_argument() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    type Set = fn(&mut ClassificationArgs);
    let cases: [(&str, Set); 10] = [
        ("onnx", |a| a.onnx = true),
        ("dynamic_quantize", |a| a.model.dynamic_quantize = true),
        ("quantized_model", |a| a.model.quantized_model = true),
        ("use_hf_datasets", |a| a.model.use_hf_datasets = true),
        ("dataset_cache_dir", |a| {
            a.model.dataset_cache_dir = Some("hf".into())
        }),
        ("trust_remote_code", |a| a.model.trust_remote_code = true),
        ("skip_special_tokens", |a| {
            a.model.skip_special_tokens = false
        }),
        ("tourney_mode", |a| a.tourney_mode = true),
        ("pairwise_reranking_format", |a| {
            a.pairwise_reranking_format = "pairwise".into()
        }),
        ("as_reranker", |a| a.as_reranker = true),
    ];
    for (key, set) in cases {
        let mut settings = args(tmp.path());
        set(&mut settings);
        let err = refused(settings);
        assert!(
            err.starts_with(&format!("argument \"{key}\" is not supported: ")),
            "{key}: {err}"
        );
    }
    // The same through a JSON object, as the CLI and Python's dict pass them.
    let options = ClassificationOptions {
        args: Some(args(tmp.path())),
        overrides: Some(serde_json::json!({"onnx": true})),
        ..Default::default()
    };
    let err = ClassificationModel::new("bert", &tiny_bert(), options).unwrap_err();
    assert!(err.to_string().contains("\"onnx\""), "{err}");
    assert!(
        !tmp.path().join("outputs").exists(),
        "a refused model writes nothing"
    );
}

#[test]
fn train_time_refusals_fail_before_anything_is_written() {
    let _rng = rng_lock();
    type Set = fn(&mut ClassificationArgs);
    let cases: [(&str, Set); 5] = [
        ("n_gpu", |a| a.model.n_gpu = 2),
        ("local_rank", |a| a.model.local_rank = 0),
        ("wandb_project", |a| {
            a.model.wandb_project = Some("proj".into())
        }),
        ("wandb_kwargs", |a| {
            a.model
                .wandb_kwargs
                .insert("name".into(), serde_json::json!("run"));
        }),
        ("dataloader_num_workers", |a| {
            a.model.dataloader_num_workers = 2
        }),
    ];
    for (key, set) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let mut settings = args(tmp.path());
        set(&mut settings);
        // A saved model_args.json carries these: the model builds and predicts.
        let mut model = build(settings).unwrap_or_else(|e| panic!("{key}: {e}"));
        model.predict(&["good fun"]).unwrap();
        let err = model
            .train_model(&examples(), None, Metrics::new())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!("argument \"{key}\" is not supported: ")),
            "{key}: {err}"
        );
        for dir in ["outputs", "runs", "cache"] {
            assert!(
                !tmp.path().join(dir).exists(),
                "{key}: {dir} was written before training was refused"
            );
        }
    }
}

/// A copy of the tiny BERT whose config.json has `key` set to `value`.
fn bert_with(dir: &Path, key: &str, value: serde_json::Value) -> String {
    let source = Path::new(&tiny_bert()).to_path_buf();
    std::fs::create_dir_all(dir).unwrap();
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    let path = dir.join("config.json");
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    config[key] = value;
    std::fs::write(&path, config.to_string()).unwrap();
    path_string(dir)
}

#[test]
fn impossible_configs_and_sizes_are_errors_naming_the_key() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let load = |name: &str| {
        let options = ClassificationOptions {
            args: Some(args(tmp.path())),
            ..Default::default()
        };
        ClassificationModel::new("bert", name, options)
            .expect_err("the config must be refused")
            .to_string()
    };
    let zero = bert_with(&tmp.path().join("zero"), "hidden_size", 0.into());
    let err = load(&zero);
    assert!(
        err.contains("config.json") && err.contains("\"hidden_size\"") && err.contains("found 0"),
        "{err}"
    );
    let heads = bert_with(&tmp.path().join("heads"), "num_attention_heads", 5.into());
    let err = load(&heads);
    assert!(
        err.contains("\"num_attention_heads\"") && err.contains("hidden_size (32)"),
        "{err}"
    );

    // The same through the config argument.
    let options = ClassificationOptions {
        args: Some(args(tmp.path())),
        overrides: Some(serde_json::json!({"config": {"num_attention_heads": 5}})),
        ..Default::default()
    };
    let err = ClassificationModel::new("bert", &tiny_bert(), options).unwrap_err();
    assert!(err.to_string().contains("\"num_attention_heads\""), "{err}");

    let mut settings = args(tmp.path());
    settings.model.max_seq_length = 0;
    let err = refused(settings);
    assert!(err.starts_with("argument \"max_seq_length\": "), "{err}");
}

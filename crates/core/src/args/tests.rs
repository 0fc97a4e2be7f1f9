use super::merge::edit_distance;
use super::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A task args type built the way task crates will build theirs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
struct TestTaskArgs {
    #[serde(flatten)]
    model: ModelArgs,
    labels_list: Vec<String>,
    sliding_window: bool,
}

impl Args for TestTaskArgs {}

/// Equality after a trip through JSON text. serde_json's default float
/// parser (without the `float_roundtrip` feature) may be one ulp off for
/// exponents beyond +-22, which only affects `adafactor_eps[0]` (1e-30).
fn assert_same_args(mut back: ModelArgs, original: &ModelArgs) {
    for (b, o) in back.adafactor_eps.iter().zip(original.adafactor_eps) {
        assert!((b - o).abs() <= o.abs() * 1e-15, "{b} vs {o}");
    }
    back.adafactor_eps = original.adafactor_eps;
    assert_eq!(&back, original);
}

fn updated(overrides: Value) -> Result<ModelArgs, ArgsError> {
    let mut args = ModelArgs::default();
    args.update_from_json(&overrides)?;
    Ok(args)
}

#[test]
fn defaults_match_python() {
    let a = ModelArgs::default();
    assert_eq!(a.adafactor_beta1, None);
    assert_eq!(a.adafactor_clip_threshold, 1.0);
    assert_eq!(a.adafactor_decay_rate, -0.8);
    assert_eq!(a.adafactor_eps, [1e-30, 1e-3]);
    assert!(a.adafactor_relative_step && a.adafactor_scale_parameter);
    assert!(a.adafactor_warmup_init);
    assert_eq!(a.adam_betas, [0.9, 0.999]);
    assert_eq!(a.adam_epsilon, 1e-8);
    assert_eq!(a.best_model_dir, "outputs/best_model");
    assert_eq!(a.cache_dir, "cache_dir/");
    assert!(a.config.is_empty() && a.loss_args.is_empty() && a.wandb_kwargs.is_empty());
    assert_eq!(a.cosine_schedule_num_cycles, 0.5);
    assert!(a.custom_layer_parameters.is_empty() && a.custom_parameter_groups.is_empty());
    assert_eq!(a.dataloader_num_workers, 0);
    assert_eq!(a.early_stopping_metric, "eval_loss");
    assert!(a.early_stopping_metric_minimize);
    assert_eq!(a.early_stopping_patience, 3);
    assert_eq!(a.early_stopping_delta, 0.0);
    assert_eq!(a.eval_batch_size, 100);
    assert!(!a.evaluate_during_training && a.evaluate_during_training_silent);
    assert_eq!(a.evaluate_during_training_steps, 2000);
    assert!(a.evaluate_each_epoch);
    assert!(a.fp16);
    assert_eq!(a.gradient_accumulation_steps, 1);
    assert_eq!(a.learning_rate, 4e-5);
    assert_eq!(a.local_rank, -1);
    assert_eq!(a.logging_steps, 50);
    assert_eq!(a.manual_seed, None);
    assert_eq!(a.max_grad_norm, 1.0);
    assert_eq!(a.max_seq_length, 128);
    assert_eq!(a.multiprocessing_chunksize, -1);
    assert_eq!(a.n_gpu, 1);
    assert_eq!(a.num_train_epochs, 1);
    assert_eq!(a.optimizer, "AdamW");
    assert_eq!(a.output_dir, "outputs/");
    assert_eq!(a.polynomial_decay_schedule_lr_end, 1e-7);
    assert_eq!(a.polynomial_decay_schedule_power, 1.0);
    assert!(a.reprocess_input_data && a.save_best_model && a.save_eval_checkpoints);
    assert!(a.save_model_every_epoch && a.save_optimizer_and_scheduler);
    assert_eq!(a.save_steps, 2000);
    assert_eq!(a.scheduler, "linear_schedule_with_warmup");
    assert!(!a.silent && a.skip_special_tokens);
    assert_eq!(a.train_batch_size, 8);
    assert!(a.use_multiprocessing && a.use_multiprocessing_for_evaluation);
    assert_eq!(a.warmup_ratio, 0.06);
    assert_eq!(a.warmup_steps, 0);
    assert_eq!(a.weight_decay, 0.0);
    assert_eq!(
        (a.model_name, a.model_type, a.wandb_project),
        (None, None, None)
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let expected = if cores > 2 { cores - 2 } else { 1 };
    assert_eq!(a.process_count, expected);
}

#[test]
fn serialises_pythons_82_fields_plus_two_with_nulls_and_lists() {
    let map = ModelArgs::default().to_json_map().unwrap();
    // Python's 82, plus max_steps (Python has it for LM, seq2seq and T5) and fp16_opt_level
    // (in the documented arguments).
    assert_eq!(map.len(), 84);
    assert_eq!(map["manual_seed"], Value::Null);
    assert_eq!(map["adam_betas"], json!([0.9, 0.999]));
    assert_eq!(map["adafactor_eps"], json!([1e-30, 1e-3]));
    assert_eq!(map["config"], json!({}));
}

#[test]
fn json_round_trip() {
    let mut args = ModelArgs {
        manual_seed: Some(42),
        custom_parameter_groups: vec![CustomParameterGroup {
            params: vec!["classifier.weight".into()],
            lr: Some(1e-3),
            weight_decay: None,
        }],
        ..ModelArgs::default()
    };
    args.config.insert("dropout".into(), json!(0.2));
    let text = serde_json::to_string(&args).unwrap();
    let back: ModelArgs = serde_json::from_str(&text).unwrap();
    assert_same_args(back, &args);
    assert_same_args(ModelArgs::from_json_str(&text).unwrap(), &args);
}

#[test]
fn update_overlays_values() {
    let a = updated(json!({
        "learning_rate": 1e-4,
        "num_train_epochs": 5,
        "adam_betas": [0.8, 0.99],
        "manual_seed": 7,
        "weight_decay": 0,
        "custom_layer_parameters": [{"layer": 10, "lr": 1e-3}],
    }))
    .unwrap();
    assert_eq!(a.learning_rate, 1e-4);
    assert_eq!(a.num_train_epochs, 5);
    assert_eq!(a.adam_betas, [0.8, 0.99]);
    assert_eq!(a.manual_seed, Some(7));
    assert_eq!(a.custom_layer_parameters[0].layer, 10);
    assert_eq!(a.eval_batch_size, 100, "untouched fields keep their value");
    let mut b = a.clone();
    b.update_from_json(&json!({"manual_seed": null})).unwrap();
    assert_eq!(b.manual_seed, None);
}

#[test]
fn non_object_overrides_are_rejected() {
    let err = updated(json!([1, 2])).unwrap_err();
    assert_eq!(err.to_string(), "expected a JSON object, found a list");
}

#[test]
fn unknown_key_is_named_with_suggestion() {
    let err = updated(json!({"learning_rat": 0.1})).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("\"learning_rat\""), "{msg}");
    assert!(msg.contains("did you mean \"learning_rate\""), "{msg}");
    let ArgsError::UnknownKey { key, suggestion } = err else {
        panic!("wrong variant")
    };
    assert_eq!(
        (key.as_str(), suggestion.as_deref()),
        ("learning_rat", Some("learning_rate"))
    );

    let err = updated(json!({"completely_unrelated": 1})).unwrap_err();
    assert!(matches!(
        err,
        ArgsError::UnknownKey {
            suggestion: None,
            ..
        }
    ));
}

#[test]
fn type_errors_name_the_key() {
    let msg = updated(json!({"learning_rate": "fast"}))
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        "argument \"learning_rate\": expected a number, found \"fast\""
    );

    let msg = updated(json!({"train_batch_size": 3.0}))
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        "argument \"train_batch_size\": expected an integer, found 3.0"
    );

    let msg = updated(json!({"train_batch_size": -4}))
        .unwrap_err()
        .to_string();
    assert!(msg.starts_with("argument \"train_batch_size\": "), "{msg}");

    let msg = updated(json!({"learning_rate": null}))
        .unwrap_err()
        .to_string();
    assert!(msg.starts_with("argument \"learning_rate\": "), "{msg}");

    // Currently null: the type comes from serde, still naming the key.
    let msg = updated(json!({"manual_seed": "x"}))
        .unwrap_err()
        .to_string();
    assert!(msg.starts_with("argument \"manual_seed\": "), "{msg}");

    let msg = updated(json!({"adam_betas": [0.9]}))
        .unwrap_err()
        .to_string();
    assert!(msg.starts_with("argument \"adam_betas\": "), "{msg}");
}

#[test]
fn custom_groups_reject_unknown_fields() {
    let err =
        updated(json!({"custom_parameter_groups": [{"params": ["a"], "eps": 1e-6}]})).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("custom_parameter_groups") && msg.contains("eps"),
        "{msg}"
    );

    let err = updated(json!({"custom_layer_parameters": [{"layer": 1, "learning_rate": 1}]}))
        .unwrap_err();
    assert!(err.to_string().contains("learning_rate"), "{err}");
}

#[test]
fn failed_update_leaves_args_unchanged() {
    let mut a = ModelArgs::default();
    let err = a.update_from_json(&json!({"learning_rate": 1.0, "fp16": "no"}));
    assert!(err.is_err());
    assert_eq!(a, ModelArgs::default());
}

#[test]
fn save_and_load_round_trip_honours_not_saved_args() {
    let dir = tempfile::tempdir().unwrap();
    let args = ModelArgs {
        learning_rate: 1e-3,
        wandb_project: Some("proj".into()),
        not_saved_args: vec!["wandb_project".into(), "output_dir".into()],
        ..ModelArgs::default()
    };
    args.save(dir.path()).unwrap();

    let saved: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join(MODEL_ARGS_FILE)).unwrap())
            .unwrap();
    let saved = saved.as_object().unwrap();
    assert!(!saved.contains_key("wandb_project") && !saved.contains_key("output_dir"));
    assert_eq!(saved.len(), 82);
    let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");

    let mut loaded = ModelArgs::default();
    assert!(loaded.load_from_dir(dir.path()).unwrap());
    assert_eq!(loaded.learning_rate, 1e-3);
    assert_eq!(loaded.wandb_project, None);
    assert_eq!(loaded.not_saved_args, args.not_saved_args);
}

#[test]
fn load_from_dir_without_file_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = ModelArgs::default();
    assert!(!args.load_from_dir(dir.path()).unwrap());
    assert!(!args.load_from_dir(&dir.path().join("missing")).unwrap());
    assert_eq!(args, ModelArgs::default());
}

#[test]
fn python_model_args_json_loads_ignoring_extra_keys() {
    let dir = tempfile::tempdir().unwrap();
    // As written by Python's json.dump: tuples as lists, ints for floats,
    // task keys of other tasks, and groups whose "params" training popped.
    let python = r#"{"adam_epsilon": 1e-08, "adam_betas": [0.9, 0.98],
            "adafactor_eps": [1e-30, 0.001], "early_stopping_delta": 0,
            "eval_batch_size": 32, "fp16": false, "learning_rate": 4e-05,
            "manual_seed": null, "model_class": "ClassificationModel",
            "labels_map": {"a": 0}, "labels_list": ["a", "b"],
            "sliding_window": false, "regression": false, "save_steps": -1,
            "custom_parameter_groups": [{"lr": 0.001}],
            "wandb_kwargs": {}, "model_type": "bert", "model_name": "bert-base-cased"}"#;
    fs::write(dir.path().join(MODEL_ARGS_FILE), python).unwrap();

    let mut args = ModelArgs::default();
    assert!(args.load_from_dir(dir.path()).unwrap());
    assert_eq!(args.eval_batch_size, 32);
    assert!(!args.fp16);
    assert_eq!(args.adam_betas, [0.9, 0.98]);
    assert_eq!(args.save_steps, -1);
    assert_eq!(args.model_type.as_deref(), Some("bert"));
    assert!(args.custom_parameter_groups.is_empty());
}

#[test]
fn load_from_dir_type_error_names_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(MODEL_ARGS_FILE);
    fs::write(&path, r#"{"max_seq_length": "long", "model_class": "X"}"#).unwrap();
    let msg = ModelArgs::default()
        .load_from_dir(dir.path())
        .unwrap_err()
        .to_string();
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(
        msg.contains("\"max_seq_length\": expected an integer"),
        "{msg}"
    );

    fs::write(&path, "{not json").unwrap();
    let msg = ModelArgs::default()
        .load_from_dir(dir.path())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains(MODEL_ARGS_FILE) && msg.contains("invalid JSON"),
        "{msg}"
    );
}

#[test]
fn from_json_file_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("overrides.json");
    fs::write(&path, r#"{"num_train_epochs": 3}"#).unwrap();
    assert_eq!(
        ModelArgs::from_json_file(&path).unwrap().num_train_epochs,
        3
    );

    fs::write(&path, r#"{"num_train_epoch": 3}"#).unwrap();
    let msg = ModelArgs::from_json_file(&path).unwrap_err().to_string();
    assert!(
        msg.contains("overrides.json") && msg.contains("num_train_epoch"),
        "{msg}"
    );

    let missing = dir.path().join("absent.json");
    let msg = ModelArgs::from_json_file(&missing).unwrap_err().to_string();
    assert!(msg.contains("absent.json"), "{msg}");
}

#[test]
fn task_args_extend_model_args() {
    let mut task = TestTaskArgs::default();
    assert_eq!(task.to_json_map().unwrap().len(), 86);
    task.update_from_json(&json!({
        "learning_rate": 2e-5,
        "labels_list": ["neg", "pos"],
        "sliding_window": true,
    }))
    .unwrap();
    assert_eq!(task.model.learning_rate, 2e-5);
    assert_eq!(task.labels_list, ["neg", "pos"]);
    assert!(task.sliding_window);

    let err = task
        .update_from_json(&json!({"label_list": []}))
        .unwrap_err();
    assert!(
        matches!(&err, ArgsError::UnknownKey { key, suggestion: Some(s) }
                if key == "label_list" && s == "labels_list"),
        "{err}"
    );
    let msg = task
        .update_from_json(&json!({"sliding_window": 1}))
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        "argument \"sliding_window\": expected a boolean, found 1"
    );

    let dir = tempfile::tempdir().unwrap();
    task.save(dir.path()).unwrap();
    let mut loaded = TestTaskArgs::default();
    assert!(loaded.load_from_dir(dir.path()).unwrap());
    assert_same_args(loaded.model.clone(), &task.model);
    assert_eq!(
        (loaded.labels_list, loaded.sliding_window),
        (task.labels_list, task.sliding_window)
    );
}

#[test]
fn edit_distance_basics() {
    assert_eq!(edit_distance("", "abc"), 3);
    assert_eq!(edit_distance("kitten", "sitting"), 3);
    assert_eq!(edit_distance("same", "same"), 0);
}

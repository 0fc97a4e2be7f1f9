//! Unit tests of [`ModelArgs::check`], [`ModelArgs::check_training`] and [`TaskArgs::check`]:
//! every refusal and every range check names its argument.

use serde::{Deserialize, Serialize};
use serde_json::{Map, json};

use crate::args::{Args, ArgsError, ModelArgs, TaskArgs};

/// The message of `ModelArgs::check` (or `check_training` with `training`) for `args`, which
/// must be refused, with the variant it was refused with.
fn refusal(args: ModelArgs, training: bool) -> (String, ArgsError) {
    let result = if training {
        args.check_training()
    } else {
        args.check()
    };
    let err = result.expect_err("the arguments must be refused");
    (err.to_string(), err)
}

#[test]
fn check_refuses_what_cannot_be_honoured_naming_the_argument() {
    let cases: Vec<(&str, ModelArgs)> = vec![
        (
            "dynamic_quantize",
            ModelArgs {
                dynamic_quantize: true,
                ..Default::default()
            },
        ),
        (
            "quantized_model",
            ModelArgs {
                quantized_model: true,
                ..Default::default()
            },
        ),
        (
            "use_hf_datasets",
            ModelArgs {
                use_hf_datasets: true,
                ..Default::default()
            },
        ),
        (
            "dataset_cache_dir",
            ModelArgs {
                dataset_cache_dir: Some("hf_cache".into()),
                ..Default::default()
            },
        ),
        (
            "trust_remote_code",
            ModelArgs {
                trust_remote_code: true,
                ..Default::default()
            },
        ),
    ];
    for (key, args) in cases {
        let (msg, err) = refusal(args, false);
        assert!(
            matches!(&err, ArgsError::Unsupported { key: k, .. } if k == key),
            "{key}: {msg}"
        );
        assert!(
            msg.starts_with(&format!("argument \"{key}\" is not supported: ")),
            "{msg}"
        );
    }
    ModelArgs::default().check().unwrap();
}

#[test]
fn check_training_refuses_multi_device_distributed_and_wandb() {
    let mut wandb_kwargs = Map::new();
    wandb_kwargs.insert("name".into(), json!("run-1"));
    let cases: Vec<(&str, ModelArgs)> = vec![
        (
            "n_gpu",
            ModelArgs {
                n_gpu: 2,
                ..Default::default()
            },
        ),
        (
            "local_rank",
            ModelArgs {
                local_rank: 0,
                ..Default::default()
            },
        ),
        (
            "wandb_project",
            ModelArgs {
                wandb_project: Some("proj".into()),
                ..Default::default()
            },
        ),
        (
            "wandb_kwargs",
            ModelArgs {
                wandb_kwargs,
                ..Default::default()
            },
        ),
        (
            "dataloader_num_workers",
            ModelArgs {
                dataloader_num_workers: 2,
                ..Default::default()
            },
        ),
    ];
    for (key, args) in cases {
        // A saved model_args.json carries these: loading to predict must still work.
        args.check().unwrap();
        let (msg, err) = refusal(args, true);
        assert!(
            matches!(&err, ArgsError::Unsupported { key: k, .. } if k == key),
            "{key}: {msg}"
        );
        assert!(msg.contains(&format!("\"{key}\"")), "{msg}");
    }
    // One GPU, or none, trains.
    for n_gpu in [0, 1] {
        ModelArgs {
            n_gpu,
            ..Default::default()
        }
        .check_training()
        .unwrap();
    }
}

#[test]
fn range_checks_name_the_argument() {
    let load_time: Vec<(&str, ModelArgs)> = vec![
        (
            "max_seq_length",
            ModelArgs {
                max_seq_length: 0,
                ..Default::default()
            },
        ),
        (
            "eval_batch_size",
            ModelArgs {
                eval_batch_size: 0,
                ..Default::default()
            },
        ),
        (
            "thread_count",
            ModelArgs {
                thread_count: Some(0),
                ..Default::default()
            },
        ),
        (
            "multiprocessing_chunksize",
            ModelArgs {
                multiprocessing_chunksize: 0,
                ..Default::default()
            },
        ),
        (
            "fp16_opt_level",
            ModelArgs {
                fp16_opt_level: "O4".into(),
                ..Default::default()
            },
        ),
    ];
    let train_time: Vec<(&str, ModelArgs)> = vec![
        (
            "train_batch_size",
            ModelArgs {
                train_batch_size: 0,
                ..Default::default()
            },
        ),
        (
            "num_train_epochs",
            ModelArgs {
                num_train_epochs: 0,
                ..Default::default()
            },
        ),
        (
            "max_steps",
            ModelArgs {
                max_steps: 0,
                ..Default::default()
            },
        ),
        (
            "learning_rate",
            ModelArgs {
                learning_rate: f64::NAN,
                ..Default::default()
            },
        ),
        (
            "warmup_ratio",
            ModelArgs {
                warmup_ratio: 2.0,
                ..Default::default()
            },
        ),
        (
            "adam_betas",
            ModelArgs {
                adam_betas: [1.0, 0.999],
                ..Default::default()
            },
        ),
        (
            "early_stopping_patience",
            ModelArgs {
                use_early_stopping: true,
                early_stopping_patience: 0,
                ..Default::default()
            },
        ),
    ];
    for (key, args) in load_time {
        let (msg, err) = refusal(args.clone(), false);
        assert!(
            matches!(&err, ArgsError::InvalidValue { key: k, .. } if k == key),
            "{key}: {msg}"
        );
        assert!(msg.starts_with(&format!("argument \"{key}\": ")), "{msg}");
        // Training checks everything loading checks.
        assert_eq!(refusal(args, true).0, msg);
    }
    for (key, args) in train_time {
        // Settings of training only: the model still loads.
        args.check().unwrap();
        let (msg, err) = refusal(args, true);
        assert!(
            matches!(&err, ArgsError::InvalidValue { key: k, .. } if k == key),
            "{key}: {msg}"
        );
        assert!(msg.starts_with(&format!("argument \"{key}\": ")), "{msg}");
    }
}

#[test]
fn range_checks_accept_their_limits() {
    // The Apex levels, also spelt with a zero as the spec's table does.
    for level in ["O0", "O1", "O2", "O3", "02"] {
        let args = ModelArgs {
            fp16_opt_level: level.into(),
            ..Default::default()
        };
        args.check_training()
            .unwrap_or_else(|e| panic!("{level}: {e}"));
    }
    // A JSON override of it goes through the same check.
    let mut args = ModelArgs::default();
    args.update_from_json(&json!({"fp16_opt_level": "O2"}))
        .unwrap();
    args.check().unwrap();

    // num_train_epochs 0 is fine when max_steps says how long to train.
    ModelArgs {
        num_train_epochs: 0,
        max_steps: 5,
        ..Default::default()
    }
    .check_training()
    .unwrap();
    // Patience 0 only matters with early stopping.
    ModelArgs {
        early_stopping_patience: 0,
        ..Default::default()
    }
    .check_training()
    .unwrap();
    ModelArgs {
        thread_count: Some(1),
        multiprocessing_chunksize: 1,
        warmup_ratio: 1.0,
        learning_rate: 0.0,
        adam_betas: [0.0, 0.5],
        ..Default::default()
    }
    .check_training()
    .unwrap();
}

#[test]
fn skip_special_tokens_false_is_refused_for_a_task_without_text_output() {
    let args = ModelArgs {
        skip_special_tokens: false,
        ..Default::default()
    };
    // The global checks alone have nothing against it; the task's do.
    args.check().unwrap();
    let err = TaskArgs::check(&args).unwrap_err();
    assert!(
        matches!(&err, ArgsError::Unsupported { key, .. } if key == "skip_special_tokens"),
        "{err}"
    );
    assert!(err.to_string().contains("\"skip_special_tokens\""), "{err}");
    TaskArgs::check(&ModelArgs::default()).unwrap();

    /// A task that generates text: there `skip_special_tokens: false` means something.
    #[derive(Debug, Clone, Default, Serialize, Deserialize)]
    struct Generating {
        #[serde(flatten)]
        model: ModelArgs,
    }
    impl Args for Generating {}
    impl TaskArgs for Generating {
        fn model(&self) -> &ModelArgs {
            &self.model
        }
        fn model_mut(&mut self) -> &mut ModelArgs {
            &mut self.model
        }
        fn decodes_text(&self) -> bool {
            true
        }
    }
    TaskArgs::check(&Generating { model: args }).unwrap();
}

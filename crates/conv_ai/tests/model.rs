//! The ConvAI lifecycle on the tiny fixtures: training lowers both losses (with evaluation
//! during training, which Python breaks on), a saved directory reloads with the same results
//! and names the tokens' roles for `transformers`, and replies come one turn at a time, in a
//! batch, and from a scripted terminal conversation.

use std::path::Path;

use serde_json::{Value, json};
use st_conv_ai::{ConvAIModel, ConvAIOptions, TaskModel, Turn, read_dialogues};
use st_test_support::fixtures;

fn open(dir: &Path, args: Value) -> ConvAIModel {
    let options = ConvAIOptions {
        overrides: Some(args),
        ..Default::default()
    };
    ConvAIModel::new("gpt2", dir.to_str().unwrap(), options).unwrap()
}

fn training_args(output: &Path) -> Value {
    json!({
        "output_dir": output.to_str().unwrap(),
        "best_model_dir": output.join("best_model").to_str().unwrap(),
        "num_train_epochs": 6,
        "train_batch_size": 2,
        "eval_batch_size": 2,
        "learning_rate": 1e-2,
        "num_candidates": 3,
        "manual_seed": 7,
        "silent": true,
        "save_steps": -1,
        "overwrite_output_dir": true,
        "save_model_every_epoch": false,
        "evaluate_during_training": true,
        "evaluate_during_training_steps": 4,
    })
}

#[test]
fn training_lowers_the_losses_and_a_save_reloads_with_the_same_results() {
    let tmp = tempfile::tempdir().unwrap();
    let output = tmp.path().join("outputs");
    let data = fixtures().join("conv_ai/dialogues.json");
    let dialogues = read_dialogues(&data).unwrap();
    let mut model = open(
        &fixtures().join("models/gpt2-double-heads"),
        training_args(&output),
    );
    let before = model.eval_model(&dialogues, &()).unwrap();
    for key in [
        "language_model_loss",
        "f1_score",
        "mc_accuracy",
        "eval_loss",
    ] {
        assert!(before.contains_key(key), "{key} in {before:?}");
    }
    model
        .train_model_from_file(&data, Some(&dialogues), ())
        .unwrap();
    let after = model.eval_model(&dialogues, &()).unwrap();
    eprintln!("before {before:?}\nafter {after:?}");
    assert!(after["language_model_loss"] < before["language_model_loss"] - 0.5);
    assert!(after["eval_loss"] < before["eval_loss"]);
    // Evaluation during training ran and kept a best model.
    assert!(output.join("best_model/config.json").is_file());

    let saved = tmp.path().join("saved");
    model.save_model(&saved).unwrap();
    let config: Value =
        serde_json::from_str(&std::fs::read_to_string(saved.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["architectures"], json!(["GPT2DoubleHeadsModel"]));
    let tokenizer_config: Value = serde_json::from_str(
        &std::fs::read_to_string(saved.join("tokenizer_config.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(tokenizer_config["pad_token"], "<pad>");
    assert_eq!(tokenizer_config["bos_token"], "<bos>");
    let reloaded = open(
        &saved,
        json!({"output_dir": tmp.path().join("eval").to_str().unwrap()}),
    );
    assert_eq!(reloaded.special_ids(), model.special_ids());
    assert_eq!(reloaded.args().lm_coef, 2.0, "model_args.json reloads");
    let again = reloaded.eval_model(&dialogues, &()).unwrap();
    for (key, value) in &after {
        assert!(
            (again[key] - value).abs() <= 1e-5,
            "{key}: {} vs {value}",
            again[key]
        );
    }
}

#[test]
fn replies_one_turn_a_batch_and_a_terminal_conversation() {
    let tmp = tempfile::tempdir().unwrap();
    let args = json!({"output_dir": tmp.path().to_str().unwrap(), "manual_seed": 3,
                      "max_length": 6, "max_history": 1});
    let model = open(&fixtures().join("models/gpt2-double-heads"), args);
    let persona = ["I like to ski.".to_string()];
    let (reply, history) = model
        .interact_single("hello there", &[], Some(&persona))
        .unwrap();
    assert_eq!(history, vec!["hello there".to_string(), reply.clone()]);
    assert!(!reply.is_empty(), "min_length 1: at least one token");

    let history = vec!["hi".to_string(), "hello".to_string()];
    let turns = [
        Turn {
            personality: &persona,
            history: &history,
            message: "how are you?",
        },
        Turn {
            personality: &[],
            history: &[],
            message: "anyone there?",
        },
    ];
    let replies = model.predict(&turns).unwrap();
    assert_eq!(replies.len(), 2);

    let mut input = std::io::Cursor::new("good morning\n\nwhat now?\n");
    let mut output = Vec::new();
    model
        .interact_with(Some(&persona), &mut input, &mut output)
        .unwrap();
    let text = String::from_utf8(output).unwrap();
    assert_eq!(
        text.matches(">>> ").count(),
        4,
        "a prompt per line and one at the end:\n{text}"
    );
    assert!(text.contains("Prompt should not be empty!"), "{text}");
    assert_eq!(
        text.lines().count(),
        4,
        "two replies, the notice, the last prompt:\n{text}"
    );
}

#[test]
fn greedy_replies_are_reproducible_and_sampling_follows_the_seed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = fixtures().join("models/gpt2-double-heads");
    let out = tmp.path().to_str().unwrap();
    let reply = |args: Value| {
        let model = open(&dir, args);
        model.interact_single("hello", &[], None).unwrap().0
    };
    let greedy = json!({"output_dir": out, "do_sample": false, "max_length": 5});
    assert_eq!(reply(greedy.clone()), reply(greedy));
    let seeded = json!({"output_dir": out, "manual_seed": 11, "max_length": 5,
                        "temperature": 2.0, "top_p": 1.0});
    assert_eq!(reply(seeded.clone()), reply(seeded));
}

#[test]
fn a_run_resumed_from_its_epoch_checkpoint_ends_as_the_uninterrupted_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dialogues = read_dialogues(&fixtures().join("conv_ai/dialogues.json")).unwrap();
    let base = fixtures().join("models/gpt2-double-heads");
    let make = |name: &str, output: &Path| {
        let args = json!({
            "output_dir": output.to_str().unwrap(),
            "num_train_epochs": 2,
            "train_batch_size": 4,
            "learning_rate": 1e-3,
            "manual_seed": 5,
            "silent": true,
            "save_steps": -1,
            "save_model_every_epoch": true,
        });
        open(Path::new(name), args)
    };
    let results = st_test_support::resume::check_resume(
        tmp.path(),
        base.to_str().unwrap(),
        make,
        (&dialogues, &dialogues),
        |r| r.clone(),
    );
    assert!(results.contains_key("language_model_loss"));
}

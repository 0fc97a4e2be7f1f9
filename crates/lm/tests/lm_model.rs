//! `LanguageModelingModel` end to end on the tiny random fixtures: masked LM on BERT (a
//! checkpoint without a masked-LM head gets a new one), causal LM on GPT-2; training lowers
//! the loss, `eval_loss`/`perplexity`, saved models reload (and continue a run), fill-mask and
//! generation shapes, and clear errors for what cannot work.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use st_lm::{GenerationArgs, LanguageModelingModel, LmError, LmOptions, LmPredictions, TaskModel};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/models")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// Sentences for a tiny corpus (the fixtures' vocabularies are small; these are in them).
fn corpus() -> Vec<String> {
    let words = [
        "the quick brown fox jumps over the lazy dog",
        "hello world from the kitchen window",
        "three sleepy cats watch the sunny window",
        "the dog jumps while the cats watch",
        "hello quick fox",
        "the lazy cats sleep in the sunny kitchen",
    ];
    (0..4)
        .flat_map(|_| words.iter().map(|s| s.to_string()))
        .collect()
}

fn args(out: &Path, extra: Value) -> Value {
    let mut base = json!({
        "output_dir": out.to_str().unwrap(),
        "cache_dir": out.join("cache").to_str().unwrap(),
        "num_train_epochs": 3,
        "train_batch_size": 4,
        "eval_batch_size": 4,
        "learning_rate": 1e-3,
        "manual_seed": 7,
        "max_seq_length": 16,
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

fn load(model_type: &str, name: &str, overrides: Value) -> Result<LanguageModelingModel, LmError> {
    let options = LmOptions {
        overrides: Some(overrides),
        ..Default::default()
    };
    LanguageModelingModel::new(model_type, name, options)
}

#[test]
fn masked_lm_trains_evaluates_saves_and_fills_masks() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut model = load("bert", &fixture("bert"), args(&out, json!({}))).unwrap();
    assert!(!model.is_causal());
    let lines = corpus();
    let before = model.eval_model(&lines, &()).unwrap();
    let perplexity = before["perplexity"];
    assert!((perplexity - before["eval_loss"].exp()).abs() < 1e-9 * perplexity);
    // Evaluation masks are fixed: the same model scores the same.
    assert_eq!(model.eval_model(&lines, &()).unwrap(), before);

    let trained = model.train_model(&lines, None, ()).unwrap();
    assert!(trained.global_step > 0);
    let after = model.eval_model(&lines, &()).unwrap();
    assert!(
        after["eval_loss"] < before["eval_loss"] - 0.5,
        "{before:?} → {after:?}"
    );
    assert!(out.join("eval_results.txt").is_file());

    // The saved directory: a BertForMaskedLM with the decoder tied (not stored).
    let config: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["architectures"], json!(["BertForMaskedLM"]));
    let names = model.get_named_parameters();
    assert!(
        names.contains(&"cls.predictions.bias".to_string()),
        "{names:?}"
    );
    assert!(names.contains(&"cls.predictions.transform.dense.weight".to_string()));
    assert!(
        !names.iter().any(|n| n.contains("decoder")),
        "tied: {names:?}"
    );

    let reloaded = load("bert", out.to_str().unwrap(), json!({"silent": true})).unwrap();
    assert_eq!(reloaded.eval_model(&lines, &()).unwrap(), after);

    let texts = ["the quick brown [MASK] jumps", "[MASK] world [MASK]"];
    let LmPredictions::FillMask(filled) = reloaded.predict(&texts).unwrap() else {
        panic!("a masked model fills masks");
    };
    assert_eq!(filled.len(), 2);
    assert_eq!(filled[0].len(), 1, "one mask");
    assert_eq!(filled[1].len(), 2, "two masks");
    let best = &filled[0][0];
    assert_eq!(best.len(), 5);
    assert!(best.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(best[0].sequence.contains(&best[0].token_str));
    assert!(!best[0].sequence.contains("[CLS]"), "{}", best[0].sequence);
    assert!(
        filled[1][0][0].sequence.contains("[MASK]"),
        "the other mask stays"
    );

    let err = reloaded.predict(&["no mask here"]).unwrap_err();
    assert!(err.to_string().contains("no mask token"), "{err}");
}

#[test]
fn causal_lm_trains_evaluates_saves_and_generates() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let overrides = args(&out, json!({"mlm": false, "num_train_epochs": 2}));
    let mut model = load("gpt2", &fixture("gpt2"), overrides).unwrap();
    assert!(model.is_causal());
    let lines = corpus();
    let before = model.eval_model(&lines, &()).unwrap();
    model.train_model(&lines, None, ()).unwrap();
    let after = model.eval_model(&lines, &()).unwrap();
    assert!(
        after["eval_loss"] < before["eval_loss"],
        "{before:?} → {after:?}"
    );
    let config: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["architectures"], json!(["GPT2LMHeadModel"]));

    let reloaded = load("gpt2", out.to_str().unwrap(), json!({"silent": true})).unwrap();
    assert_eq!(reloaded.eval_model(&lines, &()).unwrap(), after);
    let LmPredictions::Generated(texts) = reloaded.predict(&["the quick", "hello"]).unwrap() else {
        panic!("a causal model generates");
    };
    assert_eq!(texts.len(), 2);
    // Python's predict returns only the continuation; greedy decoding is deterministic.
    assert_eq!(
        reloaded.predict(&["the quick", "hello"]).unwrap(),
        LmPredictions::Generated(texts.clone())
    );
    let args = GenerationArgs {
        max_new_tokens: Some(3),
        num_return_sequences: 2,
        num_beams: 2,
        ..Default::default()
    };
    let beams = reloaded.generate_texts(&["the quick"], &args).unwrap();
    assert_eq!(beams.len(), 2);
}

#[test]
fn dataset_types_cut_blocks_as_python() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let lines = corpus();
    let blocks = |extra: Value| {
        let model = load("bert", &fixture("bert"), args(&out, extra)).unwrap();
        model.blocks(&lines, st_core::task::Mode::Train).unwrap()
    };
    let simple = blocks(json!({"block_size": 8}));
    assert!(simple.iter().all(|b| b.len() == 8), "full blocks only");
    assert!(
        simple.iter().all(|b| b[0] == 2 && b[7] == 3),
        "[CLS] … [SEP]"
    );
    let by_line = blocks(json!({"dataset_type": "line_by_line", "block_size": 6}));
    assert_eq!(by_line.len(), lines.len());
    assert!(by_line.iter().all(|b| b.len() <= 6));
    let windows = blocks(json!({"sliding_window": true, "max_seq_length": 6, "stride": 0.5}));
    assert!(
        windows.len() > lines.len(),
        "long lines give several windows"
    );
    // block_size −1 is max_seq_length.
    let default = blocks(json!({"max_seq_length": 10}));
    assert!(default.iter().all(|b| b.len() == 10));

    // A file read lazily, a chunk of lines at a time, gives the same blocks as its lines.
    let file = dir.path().join("train.txt");
    std::fs::write(&file, lines.join("\n\n")).unwrap();
    for extra in [
        json!({"block_size": 8}),
        json!({"dataset_type": "line_by_line"}),
    ] {
        let model = load("bert", &fixture("bert"), args(&out, extra)).unwrap();
        let mode = st_core::task::Mode::Train;
        assert_eq!(
            model.blocks_from_file(&file, mode).unwrap(),
            model.blocks(&lines, mode).unwrap()
        );
    }
}

#[test]
fn wrong_kind_and_unsupported_arguments_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let err = load("gpt2", &fixture("gpt2"), args(&out, json!({}))).unwrap_err();
    assert!(err.to_string().contains("\"mlm\": false"), "{err}");
    let err = load("bert", &fixture("bert"), args(&out, json!({"mlm": false}))).unwrap_err();
    assert!(err.to_string().contains("needs a decoder"), "{err}");
    let err = load("bert", &fixture("bert"), args(&out, json!({"peft": true}))).unwrap_err();
    assert!(err.to_string().contains("peft"), "{err}");
    let err = load(
        "bert",
        &fixture("bert"),
        args(&out, json!({"data_format": "tsv"})),
    )
    .unwrap_err();
    assert!(err.to_string().contains("data_format"), "{err}");
    let model = load("bert", &fixture("bert"), args(&out, json!({}))).unwrap();
    let err = model
        .generate_texts(&["hello"], &GenerationArgs::default())
        .unwrap_err();
    assert!(err.to_string().contains("causal"), "{err}");
}

#[test]
fn a_resumed_masked_run_ends_where_the_uninterrupted_one_does() {
    let dir = tempfile::tempdir().unwrap();
    let lines = corpus();
    let make = |name: &str, out: &Path| {
        let extra = json!({"num_train_epochs": 2, "save_model_every_epoch": true});
        load("bert", name, args(out, extra)).unwrap()
    };
    let results = st_test_support::resume::check_resume(
        dir.path(),
        &fixture("bert"),
        make,
        (&lines, &lines),
        |r| r.clone(),
    );
    assert!(results["perplexity"].is_finite());
}

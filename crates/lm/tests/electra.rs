//! ELECTRA language modelling end to end: from scratch (a WordPiece tokenizer trained here,
//! small generator and discriminator configurations), replaced-token detection lowers the
//! discriminator's loss, the saved directory has Python's layout and reloads, the generator
//! fills masks, and the saved discriminator fine-tunes as an `electra` classifier. Loading a
//! pretrained pair from `generator_name` + `discriminator_name`, and what is refused.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use st_classification::{ClassificationModel, ClassificationOptions, Example};
use st_core::metrics::Metrics;
use st_lm::{LanguageModelingModel, LmOptions, LmPredictions, TaskModel};

fn corpus() -> PathBuf {
    st_test_support::fixtures().join("tokenizer_training/corpus.txt")
}

fn args(out: &Path) -> Value {
    let model = |hidden: usize, layers: usize| {
        json!({"embedding_size": 16, "hidden_size": hidden, "num_hidden_layers": layers,
               "num_attention_heads": 2, "intermediate_size": 2 * hidden,
               "max_position_embeddings": 64})
    };
    json!({
        "output_dir": out.join("model").to_str().unwrap(),
        "cache_dir": out.join("cache").to_str().unwrap(),
        "vocab_size": 300,
        "generator_config": model(16, 1),
        "discriminator_config": model(32, 2),
        "num_train_epochs": 3,
        "train_batch_size": 8,
        "eval_batch_size": 8,
        "learning_rate": 2e-3,
        "max_seq_length": 32,
        "manual_seed": 5,
        "silent": true,
        "save_steps": -1,
        "save_model_every_epoch": false,
        "overwrite_output_dir": true,
    })
}

fn options(overrides: Value) -> LmOptions {
    LmOptions {
        overrides: Some(overrides),
        ..Default::default()
    }
}

fn json_file(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn tensor(dir: &Path, name: &str) -> Vec<u8> {
    let bytes = std::fs::read(dir.join("model.safetensors")).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    file.tensor(name).unwrap().data().to_vec()
}

#[test]
fn electra_from_scratch_trains_saves_reloads_and_its_discriminator_classifies() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus();
    let mut model = LanguageModelingModel::from_scratch(
        "electra",
        std::slice::from_ref(&corpus),
        options(args(dir.path())),
    )
    .unwrap();
    let lines = model.read_examples(&corpus).unwrap();
    let before = model.eval_model(&lines, &()).unwrap();
    for key in [
        "eval_loss",
        "perplexity",
        "generator_loss",
        "discriminator_baseline_loss",
        "discriminator_loss",
    ] {
        assert!(before.contains_key(key), "{key}: {before:?}");
    }
    let total = before["generator_loss"] + 50.0 * before["discriminator_loss"];
    assert!(
        (before["eval_loss"] - total).abs() < 1e-6 * total,
        "{before:?}"
    );
    model.train_model(&lines, None, ()).unwrap();
    let after = model.eval_model(&lines, &()).unwrap();
    eprintln!("before {before:?}\nafter {after:?}");
    assert!(
        after["discriminator_loss"] < before["discriminator_loss"] - 0.1,
        "{before:?} → {after:?}"
    );
    assert!(
        after["generator_loss"] < before["generator_loss"],
        "{before:?} → {after:?}"
    );

    // Python's layout: both models as transformers directories, their configs apart.
    let saved = dir.path().join("model");
    let generator = saved.join("generator_model");
    let discriminator = saved.join("discriminator_model");
    let class = |d: &Path| json_file(&d.join("config.json"))["architectures"][0].clone();
    assert_eq!(class(&generator), json!("ElectraForMaskedLM"));
    assert_eq!(class(&discriminator), json!("ElectraForPreTraining"));
    assert_eq!(
        class(&saved.join("generator_config")),
        json!("ElectraForMaskedLM")
    );
    assert_eq!(
        class(&saved.join("discriminator_config")),
        json!("ElectraForPreTraining")
    );
    for d in [&generator, &discriminator] {
        assert!(d.join("vocab.txt").is_file(), "{}: tokenizer", d.display());
        assert!(
            !d.join("model_args.json").exists(),
            "{}: args stay on top",
            d.display()
        );
    }
    assert_eq!(
        json_file(&generator.join("config.json"))["hidden_size"],
        json!(16)
    );
    assert_eq!(
        json_file(&discriminator.join("config.json"))["hidden_size"],
        json!(32)
    );
    // Tied: the discriminator was saved with the generator's word embeddings.
    let table = "electra.embeddings.word_embeddings.weight";
    assert_eq!(tensor(&generator, table), tensor(&discriminator, table));

    let names = model.get_named_parameters();
    for name in [
        "generator_model.electra.embeddings.word_embeddings.weight",
        "generator_model.generator_lm_head.bias",
        "discriminator_model.discriminator_predictions.dense_prediction.weight",
    ] {
        assert!(names.iter().any(|n| n == name), "{name}: {names:?}");
    }

    let reloaded = LanguageModelingModel::new(
        "electra",
        saved.to_str().unwrap(),
        options(json!({"silent": true})),
    )
    .unwrap();
    assert_eq!(reloaded.eval_model(&lines, &()).unwrap(), after);
    let LmPredictions::FillMask(filled) = reloaded.predict(&["the [MASK] of the"]).unwrap() else {
        panic!("ELECTRA fills masks with its generator");
    };
    assert_eq!(filled[0][0].len(), 5);

    // save_discriminator to a place of one's choosing, then fine-tune it as a classifier.
    let own = dir.path().join("disc");
    assert_eq!(reloaded.save_discriminator(Some(&own)).unwrap(), own);
    let settings = json!({
        "output_dir": dir.path().join("clf").to_str().unwrap(),
        "num_train_epochs": 4, "train_batch_size": 4, "learning_rate": 5e-3,
        "max_seq_length": 16, "manual_seed": 3, "silent": true, "save_steps": -1,
        "save_model_every_epoch": false, "overwrite_output_dir": true,
    });
    let clf_options = ClassificationOptions {
        overrides: Some(settings),
        ..Default::default()
    };
    let mut classifier =
        ClassificationModel::new("electra", own.to_str().unwrap(), clf_options).unwrap();
    // A learnable task: which of two corpus words opens the text.
    let data: Vec<Example> = (lines.iter().take(24).enumerate())
        .map(|(i, line)| {
            let rest = line.split_whitespace().nth(1).unwrap_or("the");
            let first = if i % 2 == 0 { "coffee" } else { "harbour" };
            Example::new(format!("{first} {rest}"), (i % 2) as i64)
        })
        .collect();
    let (start, _, _) = classifier.eval_model(&data, &Metrics::new()).unwrap();
    classifier.train_model(&data, None, Metrics::new()).unwrap();
    let (end, _, _) = classifier.eval_model(&data, &Metrics::new()).unwrap();
    assert!(end["eval_loss"] < start["eval_loss"], "{start:?} → {end:?}");
}

fn fixture(name: &str) -> String {
    st_test_support::fixtures()
        .join("lm")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn a_pretrained_pair_loads_from_generator_and_discriminator_names() {
    let dir = tempfile::tempdir().unwrap();
    let pair = |g: Option<&str>, d: Option<&str>| LmOptions {
        generator_name: g.map(String::from),
        discriminator_name: d.map(String::from),
        ..options(
            json!({"output_dir": dir.path().join("out").to_str().unwrap(),
                          "silent": true, "max_seq_length": 16, "eval_batch_size": 2}),
        )
    };
    let (g, d) = (fixture("electra"), fixture("electra-discriminator"));
    let model = LanguageModelingModel::new("electra", "electra", pair(Some(&g), Some(&d))).unwrap();
    let lines: Vec<String> = ["the city of the world", "he was the first man"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let result = model.eval_model(&lines, &()).unwrap();
    assert!(result["discriminator_loss"].is_finite(), "{result:?}");

    let err = LanguageModelingModel::new("electra", "electra", pair(Some(&g), None)).unwrap_err();
    assert!(err.to_string().contains("together"), "{err}");
    let err = LanguageModelingModel::new("electra", &g, pair(None, None)).unwrap_err();
    assert!(err.to_string().contains("generator_model/"), "{err}");
    let err = LanguageModelingModel::new(
        "electra",
        "electra",
        LmOptions {
            overrides: Some(json!({"mlm": false})),
            ..pair(Some(&g), Some(&d))
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("masked"), "{err}");
}

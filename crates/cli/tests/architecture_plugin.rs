//! An encoder architecture registered from outside `st-models`, without editing any crate,
//! fine-tunes a classifier and a NER model, and its behaviour (head layout, dropout key,
//! Hugging Face class names, token types, special tokens) comes from it, not from a
//! `model_type` match: "mybert" reuses BERT's configuration and weight names but puts
//! ELECTRA's dense + GELU head on sequence classification, takes no token types, and names
//! its classes `MyBert…`. A second one, with no special tokens, is what `tokenizer_type`
//! points the tokenizer at.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use st_classification::{
    ClassificationArgs, ClassificationModel, ClassificationOptions, Example, TaskModel,
};
use st_core::args::ModelArgs;
use st_core::metrics::Metrics;
use st_core::tokenizer::SpecialTokens;
use st_core::weights::{Checkpoint, NameMap};
use st_models::arch::bert::{BertFamily, Variant};
use st_models::config::{EncoderConfig, HfConfig};
use st_models::{EncoderArchitecture, HeadTask, ModelError, SequenceHead, register_encoder};
use st_ner::{NerArgs, NerModel, NerOptions, Sentence};

/// BERT's configuration and names under another `model_type`, with its own head choices.
struct MyBert {
    model_type: &'static str,
    special_tokens: SpecialTokens,
}

impl EncoderArchitecture for MyBert {
    fn model_type(&self) -> &'static str {
        self.model_type
    }

    fn config(&self, hf: &HfConfig) -> Result<EncoderConfig, ModelError> {
        BertFamily(Variant::Bert).config(hf)
    }

    fn name_map(&self, config: &EncoderConfig) -> Box<dyn NameMap> {
        BertFamily(Variant::Bert).name_map(config)
    }

    fn pooler_weight(&self) -> Option<&'static str> {
        None
    }

    fn special_tokens(&self) -> SpecialTokens {
        self.special_tokens
    }

    fn uses_token_type_ids(&self) -> bool {
        false
    }

    fn hf_class_prefix(&self) -> &'static str {
        "MyBert"
    }

    fn sequence_head(&self) -> SequenceHead {
        SequenceHead::DenseGelu
    }

    fn head_dropout(&self, task: HeadTask, config: &Value) -> f64 {
        match task {
            HeadTask::TokenClassification => config["my_token_dropout"].as_f64().unwrap_or(0.0),
            _ => 0.0,
        }
    }
}

fn register() {
    register_encoder(Arc::new(MyBert {
        model_type: "mybert",
        special_tokens: SpecialTokens::Bert,
    }));
    register_encoder(Arc::new(MyBert {
        model_type: "bare",
        special_tokens: SpecialTokens::None,
    }));
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/models")
        .join(name)
}

fn model_args(dir: &Path, epochs: usize) -> ModelArgs {
    let path = |p: &str| dir.join(p).to_string_lossy().into_owned();
    ModelArgs {
        output_dir: path("outputs"),
        best_model_dir: path("best"),
        tensorboard_dir: Some(path("runs")),
        cache_dir: path("cache"),
        num_train_epochs: epochs,
        train_batch_size: 4,
        learning_rate: 3e-3,
        manual_seed: Some(2),
        silent: true,
        save_model_every_epoch: false,
        ..Default::default()
    }
}

fn saved_config(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).unwrap()).unwrap()
}

#[test]
fn a_registered_encoder_fine_tunes_a_classifier_with_its_own_head() {
    register();
    let tmp = tempfile::tempdir().unwrap();
    let options = ClassificationOptions {
        args: Some(ClassificationArgs {
            model: model_args(tmp.path(), 25),
            ..Default::default()
        }),
        ..Default::default()
    };
    let bert = fixture("bert");
    let mut model = ClassificationModel::new("mybert", bert.to_str().unwrap(), options).unwrap();
    let data: Vec<Example> = [
        ("good fun", 1),
        ("so much fun", 1),
        ("fun fun", 1),
        ("the film", 0),
        ("a film", 0),
        ("that film", 0),
    ]
    .iter()
    .map(|&(t, l)| Example::new(t, l))
    .collect();
    model.train_model(&data, None, Metrics::new()).unwrap();
    let (result, _, wrong) = model.eval_model(&data, &Metrics::new()).unwrap();
    assert!(wrong.is_empty(), "learned the task: {result:?}");

    let saved = tmp.path().join("outputs");
    let config = saved_config(&saved);
    assert_eq!(
        config["architectures"][0],
        "MyBertForSequenceClassification"
    );
    let checkpoint = Checkpoint::open(&saved).unwrap();
    let names: Vec<&str> = checkpoint.names().collect();
    assert!(names.contains(&"classifier.dense.weight"), "{names:?}");
    assert!(names.contains(&"classifier.out_proj.bias"), "{names:?}");
    assert!(!names.iter().any(|n| n.contains("pooler")), "{names:?}");
    assert!(
        names.iter().any(|n| n.starts_with("bert.encoder.layer.0.")),
        "BERT's names through the plug-in's map"
    );

    let reloaded = ClassificationModel::new(
        "mybert",
        saved.to_str().unwrap(),
        ClassificationOptions::default(),
    )
    .unwrap();
    let texts = ["good fun", "a film"];
    assert_eq!(
        reloaded.predict(&texts).unwrap().0,
        model.predict(&texts).unwrap().0
    );
}

#[test]
fn a_registered_encoder_fine_tunes_a_ner_model() {
    register();
    let tmp = tempfile::tempdir().unwrap();
    let labels = ["O", "B-PER", "B-LOC"];
    let options = NerOptions {
        args: Some(NerArgs {
            model: model_args(tmp.path(), 30),
            labels_list: labels.iter().map(|l| l.to_string()).collect(),
            ..Default::default()
        }),
        ..Default::default()
    };
    let bert = fixture("bert");
    let mut model = NerModel::new("mybert", bert.to_str().unwrap(), options).unwrap();
    let data = vec![
        Sentence::new(
            ["the", "man", "visited", "paris"],
            ["O", "B-PER", "O", "B-LOC"],
        ),
        Sentence::new(["the", "dog", "in", "london"], ["O", "B-PER", "O", "B-LOC"]),
        Sentence::new(
            ["from", "berlin", "to", "paris"],
            ["O", "B-LOC", "O", "B-LOC"],
        ),
    ];
    model.train_model(&data, None, Metrics::new()).unwrap();
    let (result, _, _) = model.eval_model(&data, &Metrics::new()).unwrap();
    assert_eq!(result["f1_score"], 1.0, "{result:?}");
    let config = saved_config(&tmp.path().join("outputs"));
    assert_eq!(config["architectures"][0], "MyBertForTokenClassification");
}

#[test]
fn tokenizer_type_takes_the_named_architectures_special_tokens() {
    register();
    // A RoBERTa directory without tokenizer.json: the tokenizer is rebuilt from vocab.json and
    // merges.txt with the template of the architecture `tokenizer_type` names.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("roberta");
    std::fs::create_dir(&dir).unwrap();
    for entry in std::fs::read_dir(fixture("roberta")).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap() != "tokenizer.json" {
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
    let tokenize = |tokenizer_type: Option<&str>| {
        let options = ClassificationOptions {
            overrides: Some(serde_json::json!({
                "tokenizer_type": tokenizer_type,
                "output_dir": tmp.path().join("out").to_string_lossy(),
            })),
            ..Default::default()
        };
        let model = ClassificationModel::new("roberta", dir.to_str().unwrap(), options).unwrap();
        let ids = model.tokenizer().encode("the".into(), 16).unwrap();
        ids.get_ids().to_vec()
    };
    let framed = tokenize(None);
    let bare = tokenize(Some("bare"));
    assert_eq!(framed.len(), bare.len() + 2, "{framed:?} vs {bare:?}");
    assert_eq!(&framed[1..framed.len() - 1], bare.as_slice());

    let options = ClassificationOptions {
        overrides: Some(serde_json::json!({"tokenizer_type": "no-such-type"})),
        ..Default::default()
    };
    let err = ClassificationModel::new("roberta", dir.to_str().unwrap(), options).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("tokenizer_type") && message.contains("no-such-type"),
        "{message}"
    );
}

//! Resuming and `max_steps` for classification: a two-epoch run continued from its epoch-1
//! checkpoint ends with the uninterrupted run's evaluation, and `max_steps` stops training
//! at exactly that step.

use std::path::Path;

use st_classification::{
    ClassificationArgs, ClassificationModel, ClassificationOptions, Example, TaskModel,
};
use st_core::args::ModelArgs;
use st_core::metrics::Metrics;

mod common;

use common::{rng_lock, tiny_bert};

fn examples() -> Vec<Example> {
    let texts = [
        ("good fun", 1),
        ("the best fun", 1),
        ("so much fun", 1),
        ("fun fun", 1),
        ("the film", 0),
        ("a film", 0),
        ("that film", 0),
        ("one more film", 0),
        ("fun and more fun", 1),
        ("a film and a film", 0),
    ];
    texts.iter().map(|&(t, l)| Example::new(t, l)).collect()
}

fn args(dir: &Path, outputs: &Path) -> ClassificationArgs {
    let path = |p: &str| dir.join(p).to_string_lossy().into_owned();
    ClassificationArgs {
        model: ModelArgs {
            output_dir: outputs.to_string_lossy().into_owned(),
            best_model_dir: path("best"),
            tensorboard_dir: Some(path("runs")),
            cache_dir: path("cache"),
            num_train_epochs: 2,
            train_batch_size: 4,
            learning_rate: 1e-3,
            manual_seed: Some(11),
            silent: true,
            save_model_every_epoch: true,
            ..Default::default()
        },
        ..Default::default()
    }
}

#[test]
fn a_run_resumed_from_its_epoch_checkpoint_ends_like_the_uninterrupted_one() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let make = |model_name: &str, outputs: &Path| {
        let options = ClassificationOptions {
            args: Some(args(tmp.path(), outputs)),
            ..Default::default()
        };
        ClassificationModel::new("bert", model_name, options).unwrap()
    };
    let data = examples();
    let results = st_test_support::resume::check_resume(
        tmp.path(),
        &tiny_bert(),
        make,
        (&data, &data),
        |(results, _, _)| results.clone(),
    );
    assert!(results.contains_key("mcc"));
}

#[test]
fn max_steps_stops_exactly_there() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut settings = args(tmp.path(), &tmp.path().join("outputs"));
    settings.model.num_train_epochs = 1;
    settings.model.max_steps = 5;
    let options = ClassificationOptions {
        args: Some(settings),
        ..Default::default()
    };
    let mut model = ClassificationModel::new("bert", &tiny_bert(), options).unwrap();
    let output = model
        .train_model(&examples(), None, Metrics::new())
        .unwrap();
    // 3 batches an epoch: max_steps reaches into the second epoch and stops there.
    assert_eq!(output.global_step, 5);
}

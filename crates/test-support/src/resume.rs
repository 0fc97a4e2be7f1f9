//! The resume check every task runs: a run stopped after its first epoch and continued from the
//! epoch's checkpoint must end where the uninterrupted run ends.

use std::path::{Path, PathBuf};

use st_core::backend::TrainBackend;
use st_core::task::TaskModel;
use st_core::train::EvalResults;

/// The directory `checkpoint-*-epoch-{epoch}` under `outputs`.
pub fn epoch_checkpoint(outputs: &Path, epoch: usize) -> PathBuf {
    let suffix = format!("-epoch-{epoch}");
    std::fs::read_dir(outputs)
        .unwrap_or_else(|e| panic!("{}: {e}", outputs.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("checkpoint-") && n.ends_with(&suffix))
        })
        .unwrap_or_else(|| panic!("no epoch-{epoch} checkpoint in {}", outputs.display()))
}

/// Copy a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `a` and `b` hold the same keys with values within 1e-6.
pub fn assert_same_results(a: &EvalResults, b: &EvalResults) {
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "same metrics"
    );
    for (key, value) in a {
        let other = b[key];
        assert!(
            (value - other).abs() <= 1e-6 || (value.is_nan() && other.is_nan()),
            "{key}: {value} vs {other}"
        );
    }
}

/// Train a two-epoch run from `base_model` uninterrupted (into `work/full/outputs`); copy its
/// epoch-1 checkpoint into `work/stopped/outputs`, as a run killed during its second epoch
/// leaves it; build the model from that checkpoint and train again, which continues the run;
/// check both end with the same evaluation on `eval`.
///
/// `make(model_name, output_dir)` builds the task model with the test's arguments (two
/// epochs, `save_model_every_epoch`, a `manual_seed`) writing into `output_dir`; `results`
/// picks the results out of `eval_model`'s output. Returns the final results.
pub fn check_resume<M: TaskModel<TrainBackend>>(
    work: &Path,
    base_model: &str,
    make: impl Fn(&str, &Path) -> M,
    data: (&[M::Example], &[M::Example]),
    results: impl Fn(&M::EvalOutput) -> EvalResults,
) -> EvalResults
where
    M::Error: std::fmt::Debug,
{
    let (train, eval) = data;
    let full_outputs = work.join("full/outputs");
    let mut full = make(base_model, &full_outputs);
    let uninterrupted = full.train_model(train, None, Default::default()).unwrap();

    let checkpoint = epoch_checkpoint(&full_outputs, 1);
    let stopped_outputs = work.join("stopped/outputs");
    let copied = stopped_outputs.join(checkpoint.file_name().unwrap());
    copy_dir(&checkpoint, &copied);
    let mut resumed = make(copied.to_str().unwrap(), &stopped_outputs);
    let continued = resumed
        .train_model(train, None, Default::default())
        .unwrap();
    assert_eq!(continued.global_step, uninterrupted.global_step);
    assert!(
        (continued.training_loss - uninterrupted.training_loss).abs() <= 1e-6,
        "{} vs {}",
        continued.training_loss,
        uninterrupted.training_loss
    );

    let a = results(&full.eval_model(eval, &Default::default()).unwrap());
    let b = results(&resumed.eval_model(eval, &Default::default()).unwrap());
    assert_same_results(&a, &b);
    a
}

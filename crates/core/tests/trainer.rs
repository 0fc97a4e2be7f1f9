//! The training loop on a small regression model (LayerNorm → Linear), whose parameters have
//! Hugging Face-style names: loss falls, same seed gives the same run bit for bit, gradient
//! accumulation 2×4 equals a batch of 8, frozen parameters stay unchanged, early stopping fires
//! at the expected evaluation, checkpoints are laid out as in Python, and bad arguments fail
//! before anything is trained or written.

use std::cell::RefCell;
use std::path::Path;

use burn::backend::Autodiff;
use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::backend::Backend;
use burn::tensor::{ElementConversion, Tensor};
use st_core::args::{CustomParameterGroup, ModelArgs};
use st_core::backend::DefaultBackend;
use st_core::metrics::{FnMetric, Metrics};
use st_core::train::{EvalResults, TrainError, Trainable, Trainer};
use st_core::weights::{
    Checkpoint, HfName, NameMap, NamedParameter, load_into, named_parameters, save_safetensors,
};

type AB = Autodiff<DefaultBackend>;

/// Burn's CPU backends have one process-wide random generator, and the test harness runs tests
/// on parallel threads: every test that seeds it and draws from it holds this lock, so that
/// a seed means the same stream of numbers.
static RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn rng_lock() -> std::sync::MutexGuard<'static, ()> {
    RNG.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Module, Debug)]
struct Regressor<B: Backend> {
    norm: LayerNorm<B>,
    dropout: Dropout,
    dense: Linear<B>,
}

impl<B: Backend> Regressor<B> {
    fn new(device: &B::Device) -> Self {
        Self::with_dropout(device, 0.0)
    }

    fn with_dropout(device: &B::Device, prob: f64) -> Self {
        Self {
            norm: LayerNormConfig::new(4).init(device),
            dropout: DropoutConfig::new(prob).init(),
            dense: LinearConfig::new(4, 1).init(device),
        }
    }

    fn forward(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        self.dense
            .forward(self.dropout.forward(self.norm.forward(x)))
    }
}

/// `norm.*` ↔ `LayerNorm.*`, so that the no-decay rule on names applies.
struct Names;

impl NameMap for Names {
    fn hf_name(&self, path: &str) -> HfName {
        HfName {
            name: path.replace("norm.", "LayerNorm."),
            in_base_model: false,
        }
    }
    fn base_model_prefix(&self) -> &str {
        "regressor"
    }
}

struct RegressionTask {
    x: Vec<[f32; 4]>,
    y: Vec<f32>,
    with_eval: bool,
    /// When set, evaluation reports these `eval_loss` values in turn instead of computing one.
    scripted: Option<RefCell<Vec<f64>>>,
    /// User metrics, `fn(&labels, &predictions) -> f64`, reported next to `eval_loss`.
    extra: Metrics<f64, f64>,
    /// When set, building a batch fails as a task's lazily read file could.
    unreadable: bool,
}

/// A task's own error wrapping the I/O failure behind it, as task crates' errors do.
#[derive(Debug, thiserror::Error)]
#[error("training data could not be read")]
struct DataGone(#[source] std::io::Error);

impl RegressionTask {
    fn new(n: usize) -> Self {
        let x: Vec<[f32; 4]> = (0..n)
            .map(|i| {
                let f = i as f32;
                [
                    (f * 0.37).sin(),
                    (f * 0.11).cos(),
                    (f * 0.73).sin() * 2.0,
                    f / n as f32,
                ]
            })
            .collect();
        let y = x
            .iter()
            .map(|v| 1.5 * v[0] - 2.0 * v[1] + 0.5 * v[2] + 0.3)
            .collect();
        Self {
            x,
            y,
            with_eval: true,
            scripted: None,
            extra: Metrics::new(),
            unreadable: false,
        }
    }

    fn tensors(
        &self,
        indices: &[usize],
        device: &burn::tensor::Device<AB>,
    ) -> (Tensor<AB, 2>, Tensor<AB, 2>) {
        let x: Vec<f32> = indices.iter().flat_map(|&i| self.x[i]).collect();
        let y: Vec<f32> = indices.iter().map(|&i| self.y[i]).collect();
        (
            Tensor::<AB, 1>::from_floats(x.as_slice(), device).reshape([indices.len(), 4]),
            Tensor::<AB, 1>::from_floats(y.as_slice(), device).reshape([indices.len(), 1]),
        )
    }

    fn mse(&self, model: &Regressor<AB>) -> f64 {
        let indices: Vec<usize> = (0..self.x.len()).collect();
        let (x, y) = self.tensors(&indices, &Default::default());
        let loss = (model.forward(x) - y).powi_scalar(2).mean();
        loss.into_scalar().elem()
    }
}

impl Trainable<AB> for RegressionTask {
    type Model = Regressor<AB>;
    type Batch = (Tensor<AB, 2>, Tensor<AB, 2>);

    fn num_train_examples(&self) -> usize {
        self.x.len()
    }

    fn train_batch(
        &self,
        indices: &[usize],
        _seed: u64,
        device: &burn::tensor::Device<AB>,
    ) -> Result<Self::Batch, TrainError> {
        if self.unreadable {
            let gone = std::io::Error::new(std::io::ErrorKind::NotFound, "train.tsv");
            return Err(TrainError::task(DataGone(gone)));
        }
        Ok(self.tensors(indices, device))
    }

    fn loss(&self, model: &Self::Model, (x, y): Self::Batch) -> Tensor<AB, 1> {
        (model.forward(x) - y).powi_scalar(2).mean()
    }

    fn has_eval_data(&self) -> bool {
        self.with_eval
    }

    fn evaluate(&mut self, model: &Self::Model) -> Result<EvalResults, TrainError> {
        let eval_loss = match &self.scripted {
            Some(values) => values.borrow_mut().remove(0),
            None => self.mse(model),
        };
        let mut results = EvalResults::from([("eval_loss".to_string(), eval_loss)]);
        if !self.extra.is_empty() {
            let indices: Vec<usize> = (0..self.x.len()).collect();
            let (x, _) = self.tensors(&indices, &Default::default());
            let preds: Vec<f64> = values(model.forward(x)).iter().map(|&v| v as f64).collect();
            let labels: Vec<f64> = self.y.iter().map(|&v| v as f64).collect();
            results.extend(self.extra.evaluate(&labels, &preds));
        }
        Ok(results)
    }

    fn named_parameters(&self, model: &Self::Model) -> Vec<NamedParameter> {
        named_parameters(model, &Names, false)
    }

    fn save(&self, model: &Self::Model, dir: &Path) -> Result<(), TrainError> {
        save_safetensors(model, &Names, false, &dir.join("model.safetensors"))
            .map_err(TrainError::task)
    }
}

fn args(output: &Path) -> ModelArgs {
    ModelArgs {
        output_dir: output.join("outputs").to_string_lossy().into_owned(),
        tensorboard_dir: Some(output.join("runs").to_string_lossy().into_owned()),
        best_model_dir: output
            .join("outputs/best_model")
            .to_string_lossy()
            .into_owned(),
        manual_seed: Some(7),
        learning_rate: 0.05,
        train_batch_size: 8,
        num_train_epochs: 30,
        silent: true,
        save_model_every_epoch: false,
        no_save: true,
        ..Default::default()
    }
}

fn values<const D: usize>(t: Tensor<AB, D>) -> Vec<f32> {
    t.into_data().convert::<f32>().to_vec().unwrap()
}

fn weights(model: &Regressor<AB>) -> Vec<f32> {
    let mut all = values(model.dense.weight.val());
    all.extend(values(model.norm.gamma.val()));
    all
}

fn run(
    task: &mut RegressionTask,
    args: &ModelArgs,
) -> (Regressor<AB>, st_core::train::TrainOutput) {
    let _rng = rng_lock();
    let device = Default::default();
    AB::seed(&device, 7);
    let model = Regressor::<AB>::new(&device);
    Trainer::new(args).train(task, model, &device).unwrap()
}

#[test]
fn loss_falls_and_the_same_seed_repeats_bit_for_bit() {
    let tmp = tempfile::tempdir().unwrap();
    let mut task = RegressionTask::new(64);
    let device = Default::default();
    let before = {
        let _rng = rng_lock();
        AB::seed(&device, 7);
        task.mse(&Regressor::<AB>::new(&device))
    };
    let (model, output) = run(&mut task, &args(tmp.path()));
    let after = task.mse(&model);
    // LayerNorm in front of the linear layer keeps the fit from being exact.
    assert!(after < before / 5.0, "loss {before} → {after}");
    assert_eq!(output.global_step, 8 * 30);

    let (again, output_again) = run(&mut task, &args(tmp.path()));
    assert_eq!(weights(&model), weights(&again));
    assert_eq!(output.training_loss, output_again.training_loss);
}

#[test]
fn accumulating_two_batches_of_four_equals_a_batch_of_eight() {
    let tmp = tempfile::tempdir().unwrap();
    let mut task = RegressionTask::new(64);
    let eight = ModelArgs {
        num_train_epochs: 3,
        ..args(tmp.path())
    };
    let four_twice = ModelArgs {
        train_batch_size: 4,
        gradient_accumulation_steps: 2,
        ..eight.clone()
    };
    let (a, out_a) = run(&mut task, &eight);
    let (b, out_b) = run(&mut task, &four_twice);
    assert_eq!(out_a.global_step, out_b.global_step);
    for (x, y) in weights(&a).iter().zip(weights(&b)) {
        assert!((x - y).abs() < 1e-5, "{x} vs {y}");
    }
}

#[test]
fn parameters_outside_custom_groups_are_frozen() {
    let tmp = tempfile::tempdir().unwrap();
    let mut task = RegressionTask::new(32);
    let args = ModelArgs {
        custom_parameter_groups: vec![CustomParameterGroup {
            params: vec!["dense.weight".into(), "dense.bias".into()],
            lr: Some(0.1),
            weight_decay: None,
        }],
        train_custom_parameters_only: true,
        num_train_epochs: 3,
        ..args(tmp.path())
    };
    let device = Default::default();
    let _rng = rng_lock();
    AB::seed(&device, 7);
    let initial = Regressor::<AB>::new(&device);
    let (gamma, beta) = (
        values(initial.norm.gamma.val()),
        values(initial.norm.beta.clone().unwrap().val()),
    );
    let dense_before = values(initial.dense.weight.val());
    let (trained, _) = Trainer::new(&args)
        .train(&mut task, initial, &device)
        .unwrap();
    assert_eq!(values(trained.norm.gamma.val()), gamma);
    assert_eq!(values(trained.norm.beta.unwrap().val()), beta);
    assert_ne!(values(trained.dense.weight.val()), dense_before);
}

#[test]
fn early_stopping_fires_at_the_expected_evaluation() {
    let tmp = tempfile::tempdir().unwrap();
    let mut task = RegressionTask::new(32);
    // best 1.0, then 0.9 (improves by > delta 0.05), then four evaluations without improvement:
    // counter 1, 2 (= patience), and the next one stops training: the fifth evaluation.
    task.scripted = Some(RefCell::new(vec![1.0, 0.9, 0.88, 0.95, 0.9, 0.7, 0.1]));
    let args = ModelArgs {
        evaluate_during_training: true,
        evaluate_during_training_steps: 2,
        evaluate_each_epoch: false,
        use_early_stopping: true,
        early_stopping_patience: 2,
        early_stopping_delta: 0.05,
        num_train_epochs: 10,
        ..args(tmp.path())
    };
    let (_, output) = run(&mut task, &args);
    assert!(output.stopped_early);
    assert_eq!(output.progress.len(), 5);
    assert_eq!(output.global_step, 10);
    assert_eq!(output.progress[4]["global_step"], 10.0);
}

#[test]
fn checkpoints_and_progress_follow_python_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let mut task = RegressionTask::new(32);
    let args = ModelArgs {
        no_save: false,
        num_train_epochs: 2,
        save_steps: 3,
        save_model_every_epoch: true,
        evaluate_during_training: true,
        evaluate_during_training_steps: 4,
        ..args(tmp.path())
    };
    run(&mut task, &args);
    let out = tmp.path().join("outputs");
    for dir in [
        "checkpoint-3",
        "checkpoint-6",
        "checkpoint-4",
        "checkpoint-8",
        "checkpoint-4-epoch-1",
        "checkpoint-8-epoch-2",
        "best_model",
    ] {
        assert!(
            out.join(dir).join("model.safetensors").is_file(),
            "{dir}: {:?}",
            std::fs::read_dir(&out)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect::<Vec<_>>()
        );
    }
    assert!(out.join("checkpoint-4/eval_results.txt").is_file());
    let events: Vec<_> = std::fs::read_dir(tmp.path().join("runs"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("events.out.tfevents.")
        })
        .collect();
    assert_eq!(events.len(), 1, "one TensorBoard event file");
    assert!(
        events[0].metadata().unwrap().len() > 100,
        "scalars were written"
    );
    assert!(
        out.join("model.safetensors").is_file(),
        "final model in output_dir"
    );
    let csv = std::fs::read_to_string(out.join("training_progress_scores.csv")).unwrap();
    assert!(
        csv.starts_with("global_step,train_loss,eval_loss\n"),
        "{csv}"
    );
    // 2 step evaluations (4, 8) + 2 epoch evaluations.
    assert_eq!(csv.lines().count(), 1 + 4);
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "no staging directories left behind");
}

#[test]
fn bad_arguments_fail_before_training() {
    let tmp = tempfile::tempdir().unwrap();
    let device = Default::default();
    let check = |task: &mut RegressionTask, args: ModelArgs, expected: &str| {
        let model = {
            let _rng = rng_lock();
            Regressor::<AB>::new(&device)
        };
        let err = Trainer::new(&args).train(task, model, &device).unwrap_err();
        assert!(err.to_string().contains(expected), "{err}");
    };
    let mut task = RegressionTask::new(8);
    check(
        &mut task,
        ModelArgs {
            optimizer: "SGD".into(),
            ..args(tmp.path())
        },
        "\"SGD\"",
    );
    check(
        &mut task,
        ModelArgs {
            scheduler: "steps".into(),
            ..args(tmp.path())
        },
        "steps",
    );
    check(
        &mut task,
        ModelArgs {
            use_early_stopping: true,
            early_stopping_patience: 0,
            ..args(tmp.path())
        },
        "patience",
    );
    let mut no_eval = RegressionTask::new(8);
    no_eval.with_eval = false;
    check(
        &mut no_eval,
        ModelArgs {
            evaluate_during_training: true,
            ..args(tmp.path())
        },
        "no evaluation data",
    );
    let out = tmp.path().join("outputs");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "user data").unwrap();
    check(
        &mut task,
        ModelArgs {
            no_save: false,
            ..args(tmp.path())
        },
        "overwrite_output_dir",
    );
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        1,
        "nothing written"
    );
}

#[test]
fn resuming_from_a_checkpoint_ends_with_the_same_weights() {
    let tmp = tempfile::tempdir().unwrap();
    let mut task = RegressionTask::new(32);
    let settings = |dir: &str| ModelArgs {
        no_save: false,
        num_train_epochs: 3,
        save_steps: 3,
        ..args(&tmp.path().join(dir))
    };
    let _rng = rng_lock();
    let device = Default::default();
    AB::seed(&device, 7);
    // Dropout makes the run depend on the random stream, which resuming must replay.
    let initial = Regressor::<AB>::with_dropout(&device, 0.2);
    let (uninterrupted, full) = Trainer::new(&settings("full"))
        .train(&mut task, initial, &device)
        .unwrap();

    // checkpoint-6 is the second batch of the second epoch (4 steps per epoch).
    let checkpoint = tmp.path().join("full/outputs/checkpoint-6");
    assert!(checkpoint.join("trainer_state.json").is_file());
    assert!(checkpoint.join("optimizer.safetensors").is_file());
    // A directory name that says nothing about the step: the state comes from the file.
    let renamed = tmp.path().join("saved-run");
    std::fs::rename(&checkpoint, &renamed).unwrap();
    let fresh = Regressor::<AB>::with_dropout(&device, 0.2);
    let (model, _) = load_into(fresh, &Checkpoint::open(&renamed).unwrap(), &Names).unwrap();
    let resumed_args = settings("resumed");
    let (resumed, output) = Trainer::new(&resumed_args)
        .resume_from(Some(renamed))
        .train(&mut task, model, &device)
        .unwrap();
    assert_eq!(output.global_step, full.global_step);
    assert_eq!(weights(&resumed), weights(&uninterrupted));
    assert_eq!(output.training_loss, full.training_loss);
}

#[test]
fn a_user_metric_can_drive_early_stopping() {
    let tmp = tempfile::tempdir().unwrap();
    let mut task = RegressionTask::new(32);
    let max_error = |labels: &[f64], preds: &[f64]| {
        labels
            .iter()
            .zip(preds)
            .map(|(l, p)| (l - p).abs())
            .fold(0.0, f64::max)
    };
    task.extra.push(FnMetric::new("max_error", max_error));
    let settings = ModelArgs {
        evaluate_during_training: true,
        evaluate_during_training_steps: 4,
        early_stopping_metric: "max_error".into(),
        use_early_stopping: true,
        num_train_epochs: 4,
        ..args(tmp.path())
    };
    let (_, output) = run(&mut task, &settings);
    assert!(!output.progress.is_empty());
    assert!(
        output
            .progress
            .iter()
            .all(|row| row.contains_key("max_error"))
    );

    let unknown = ModelArgs {
        early_stopping_metric: "max_eror".into(),
        ..settings
    };
    let device = Default::default();
    let _rng = rng_lock();
    let model = Regressor::<AB>::new(&device);
    let err = Trainer::new(&unknown)
        .train(&mut task, model, &device)
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("max_eror") && message.contains("max_error"),
        "{message}"
    );
}

#[test]
fn max_steps_overrides_epochs() {
    let tmp = tempfile::tempdir().unwrap();
    let mut task = RegressionTask::new(32);
    let _rng = rng_lock();
    let device = Default::default();
    let settings = ModelArgs {
        max_steps: 6,
        ..args(tmp.path())
    };
    let model = Regressor::<AB>::new(&device);
    let (_, output) = Trainer::new(&settings)
        .train(&mut task, model, &device)
        .unwrap();
    assert_eq!(output.global_step, 6);
}

#[test]
fn a_task_error_keeps_its_source_chain_through_the_trainer() {
    let tmp = tempfile::tempdir().unwrap();
    let mut task = RegressionTask::new(8);
    task.unreadable = true;
    let _rng = rng_lock();
    let device = Default::default();
    let model = Regressor::<AB>::new(&device);
    let settings = args(tmp.path());
    let err = Trainer::new(&settings)
        .train(&mut task, model, &device)
        .unwrap_err();
    assert_eq!(err.to_string(), "training data could not be read");
    let TrainError::Task(inner) = &err else {
        panic!("not a task error: {err:?}")
    };
    assert!(inner.downcast_ref::<DataGone>().is_some());
    let source = std::error::Error::source(&err).expect("the I/O failure behind it");
    assert_eq!(source.to_string(), "train.tsv");
}

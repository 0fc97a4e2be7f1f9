//! `st <task> train|eval|predict`, written once over [`TaskModel`]: the flags every task takes
//! are declared here, a task adds its own through [`CliTask`].

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde_json::{Map, Value};
use st_core::args::{MODEL_ARGS_FILE, TaskArgs as _};
use st_core::backend::{DeviceRequest, TrainBackend};
use st_core::task::TaskModel;
use st_core::train::EvalResults;

pub type CliResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// What a task adds to the shared commands.
pub trait CliTask: TaskModel<TrainBackend> {
    /// Extra flags of `train` (Python's constructor keywords, e.g. `num_labels`).
    type TrainFlags: clap::Args;
    /// Extra flags of `predict`.
    type PredictFlags: clap::Args;
    /// Flags of `train`, `eval` and `predict` that say how the task's data files are read
    /// (multimodal: where the images are).
    type DataFlags: clap::Args;

    /// Constructor options: the JSON argument overrides, the device, and the task's flags
    /// when training.
    fn options(
        overrides: Value,
        device: DeviceRequest,
        flags: Option<&Self::TrainFlags>,
    ) -> Self::Options;

    /// The metrics of an evaluation's output.
    fn results(output: &Self::EvalOutput) -> &EvalResults;

    /// Apply the data flags to a loaded model, before any data is read.
    fn read_with(&mut self, flags: &Self::DataFlags) -> CliResult {
        let _ = flags;
        Ok(())
    }

    /// A new model trained from nothing on `train` (`train` without `--model-name`), for the
    /// tasks that can do it.
    fn from_scratch(model_type: &str, train: &Path, options: Self::Options) -> CliResult<Self> {
        let _ = (train, options);
        Err(format!(
            "--model-name is required: {model_type} models cannot be trained from scratch here"
        )
        .into())
    }

    /// Predict for the inputs in `input` and write one JSON object per line to `out`.
    fn predict_file(
        &self,
        input: &Path,
        flags: &Self::PredictFlags,
        out: &mut dyn Write,
    ) -> CliResult;
}

/// Flags every command that builds a model takes.
#[derive(clap::Args, Debug)]
pub struct Common {
    /// Architecture: bert, roberta, distilbert, electra, xlmroberta, camembert, albert, gpt2,
    /// t5, mt5, bart
    /// (or a registered one). Default: what the model directory's model_args.json or config.json
    /// says.
    #[arg(long)]
    model_type: Option<String>,
    /// Model arguments as a JSON object, e.g. '{"num_train_epochs": 3}' (merged over the
    /// directory's model_args.json, as Python merges an args dict).
    #[arg(long)]
    args: Option<String>,
    /// A JSON file of model arguments (applied before --args).
    #[arg(long)]
    args_file: Option<PathBuf>,
    /// Run on CUDA (error if this build or machine has none).
    #[arg(long)]
    use_cuda: bool,
    /// CUDA device index; -1 for the default device.
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    cuda_device: i64,
}

#[derive(Subcommand, Debug)]
pub enum TaskCommand<T: clap::Args, P: clap::Args, D: clap::Args = crate::tasks::NoFlags> {
    /// Fine-tune a model on a data file. A `checkpoint-*` directory written by training, given
    /// as --model-name, continues that run.
    Train {
        /// A local model directory (a training checkpoint resumes) or a Hugging Face hub id.
        /// Without it (language modelling only), a model is trained from scratch: --model-type
        /// and the vocab_size argument (for a tokenizer trained on --train) are then needed.
        #[arg(long)]
        model_name: Option<String>,
        /// Training data.
        #[arg(long)]
        train: PathBuf,
        /// Evaluation data: used during training when evaluate_during_training is set, and
        /// evaluated once at the end.
        #[arg(long)]
        eval: Option<PathBuf>,
        /// Where the trained model goes (default: the output_dir argument, "outputs/").
        #[arg(long)]
        output_dir: Option<PathBuf>,
        #[command(flatten)]
        task: T,
        #[command(flatten)]
        data: D,
        #[command(flatten)]
        common: Common,
    },
    /// Evaluate a saved model on a labelled file; prints the results as one JSON object.
    Eval {
        /// A model directory (e.g. one saved by `train`).
        #[arg(long)]
        model: PathBuf,
        #[arg(long)]
        eval: PathBuf,
        #[command(flatten)]
        data: D,
        #[command(flatten)]
        common: Common,
    },
    /// Predict for the inputs of a file; prints one JSON object per input.
    Predict {
        #[arg(long)]
        model: PathBuf,
        #[arg(long)]
        input: PathBuf,
        #[command(flatten)]
        task: P,
        #[command(flatten)]
        data: D,
        #[command(flatten)]
        common: Common,
    },
}

impl Common {
    /// `--args-file` then `--args`, plus `extra` keys, as one JSON object of overrides.
    pub(crate) fn overrides(&self, extra: &[(&str, Value)]) -> CliResult<Value> {
        let mut merged = Map::new();
        if let Some(path) = &self.args_file {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            merged.extend(object(&text, &path.display().to_string())?);
        }
        if let Some(json) = &self.args {
            merged.extend(object(json, "--args")?);
        }
        for (key, value) in extra {
            merged.insert((*key).to_string(), value.clone());
        }
        Ok(Value::Object(merged))
    }

    pub(crate) fn device(&self) -> DeviceRequest {
        DeviceRequest {
            use_cuda: self.use_cuda,
            cuda_device: self.cuda_device,
        }
    }

    /// `--model-type`, else the `model_type` a local model directory records (its
    /// `model_args.json`, else its `config.json`).
    pub(crate) fn model_type(&self, model_name: &str) -> CliResult<String> {
        if let Some(model_type) = &self.model_type {
            return Ok(model_type.clone());
        }
        let dir = Path::new(model_name);
        let recorded = |file: &str| -> Option<String> {
            let text = std::fs::read_to_string(dir.join(file)).ok()?;
            let value: Value = serde_json::from_str(&text).ok()?;
            value.get("model_type")?.as_str().map(str::to_string)
        };
        recorded(MODEL_ARGS_FILE)
            .or_else(|| recorded("config.json"))
            .ok_or_else(|| {
                format!(
                    "{model_name}: no model_args.json or config.json naming the model_type; \
                     pass --model-type"
                )
                .into()
            })
    }
}

/// A JSON object from `text`, or an error naming `origin`.
fn object(text: &str, origin: &str) -> CliResult<Map<String, Value>> {
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(format!("{origin}: expected a JSON object of arguments").into()),
        Err(e) => Err(format!("{origin}: invalid JSON: {e}").into()),
    }
}

/// A path as a model name (the constructors take strings, as Python's do).
fn path_name(path: &Path) -> CliResult<&str> {
    path.to_str()
        .ok_or_else(|| format!("{}: the path is not UTF-8", path.display()).into())
}

fn load<M: CliTask>(
    model_name: &str,
    common: &Common,
    extra: &[(&str, Value)],
    flags: Option<&M::TrainFlags>,
) -> CliResult<M>
where
    M::Error: 'static,
{
    let model_type = common.model_type(model_name)?;
    let options = M::options(common.overrides(extra)?, common.device(), flags);
    let device = common.device().device()?;
    Ok(M::with_device(&model_type, model_name, options, device)?)
}

/// Run one of a task's commands.
pub fn run<M: CliTask>(
    command: TaskCommand<M::TrainFlags, M::PredictFlags, M::DataFlags>,
) -> CliResult
where
    M::Error: 'static,
{
    match command {
        TaskCommand::Train {
            model_name,
            train,
            eval,
            output_dir,
            task,
            data,
            common,
        } => {
            let extra: Vec<(&str, Value)> = output_dir
                .iter()
                .map(|dir| {
                    (
                        "output_dir",
                        Value::from(dir.to_string_lossy().into_owned()),
                    )
                })
                .collect();
            let mut model = match &model_name {
                Some(name) => load::<M>(name, &common, &extra, Some(&task))?,
                None => {
                    let model_type = common
                        .model_type
                        .clone()
                        .ok_or("training from scratch (no --model-name) needs --model-type")?;
                    let options =
                        M::options(common.overrides(&extra)?, common.device(), Some(&task));
                    M::from_scratch(&model_type, &train, options)?
                }
            };
            model.read_with(&data)?;
            let eval_data = eval
                .as_deref()
                .map(|p| model.read_examples(p))
                .transpose()?;
            let output =
                model.train_model_from_file(&train, eval_data.as_deref(), Default::default())?;
            let output_dir = model.args().model().output_dir.clone();
            tracing::info!(
                "trained to step {}, training loss {:.4}; saved to {output_dir}",
                output.global_step,
                output.training_loss,
            );
            let mut summary = serde_json::json!({
                "global_step": output.global_step,
                "training_loss": output.training_loss,
                "output_dir": output_dir,
            });
            if let Some(data) = &eval_data {
                let evaluated = model.eval_model(data, &Default::default())?;
                summary["eval"] = serde_json::to_value(M::results(&evaluated))?;
            }
            println!("{summary}");
            Ok(())
        }
        TaskCommand::Eval {
            model,
            eval,
            data,
            common,
        } => {
            let mut model = load::<M>(path_name(&model)?, &common, &[], None)?;
            model.read_with(&data)?;
            let data = model.read_examples(&eval)?;
            let evaluated = model.eval_model(&data, &Default::default())?;
            println!("{}", serde_json::to_string(M::results(&evaluated))?);
            Ok(())
        }
        TaskCommand::Predict {
            model,
            input,
            task,
            data,
            common,
        } => {
            let mut model = load::<M>(path_name(&model)?, &common, &[], None)?;
            model.read_with(&data)?;
            model.predict_file(&input, &task, &mut std::io::stdout().lock())
        }
    }
}

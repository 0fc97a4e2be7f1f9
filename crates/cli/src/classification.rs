//! `st classification train|eval|predict` and `st multilabel train|eval|predict`: one command
//! set, dispatched to `ClassificationModel` or `MultiLabelClassificationModel`.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use st_classification::files::{read_examples, read_multilabel_examples, read_texts};
use st_classification::{
    ClassificationArgs, ClassificationModel, ClassificationOptions, EvalOutput, Example,
    MultiLabelClassificationArgs, MultiLabelClassificationModel, MultiLabelOptions, Predictions,
    softmax,
};
use st_core::args::Args;
use st_core::backend::DeviceRequest;
use st_core::metrics::Metrics;
use st_core::train::TrainOutput;

type CliResult = Result<(), Box<dyn std::error::Error>>;

/// Flags every task command takes (classification, NER).
#[derive(clap::Args)]
pub struct Common {
    /// Model arguments as a JSON object, e.g. '{"num_train_epochs": 3}'.
    #[arg(long)]
    args: Option<String>,
    /// A JSON file of model arguments.
    #[arg(long)]
    args_file: Option<PathBuf>,
    /// Run on CUDA (error if this build or machine has none).
    #[arg(long)]
    use_cuda: bool,
    /// CUDA device index; -1 for the default device.
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    cuda_device: i64,
}

#[derive(Subcommand)]
pub enum Command {
    /// Fine-tune a model on a labelled file (CSV, TSV or JSONL with text/labels columns).
    Train {
        /// Architecture: bert, roberta, distilbert, electra, xlmroberta, camembert, albert.
        #[arg(long)]
        model_type: String,
        /// A local model directory or a Hugging Face hub id.
        #[arg(long)]
        model_name: String,
        /// Training data.
        #[arg(long)]
        train: PathBuf,
        /// Evaluation data (used during training when evaluate_during_training is set, and
        /// evaluated once at the end).
        #[arg(long)]
        eval: Option<PathBuf>,
        /// Where the trained model goes (default: the output_dir argument, "outputs/").
        #[arg(long)]
        output_dir: Option<PathBuf>,
        /// Number of labels (default: from labels_list, the checkpoint, or 2).
        #[arg(long)]
        num_labels: Option<usize>,
        #[command(flatten)]
        common: Common,
    },
    /// Evaluate a saved model on a labelled file; prints the result as one JSON object.
    Eval {
        /// A directory saved by `st classification train`.
        #[arg(long)]
        model: PathBuf,
        /// Architecture, if the directory's model_args.json does not say.
        #[arg(long)]
        model_type: Option<String>,
        #[arg(long)]
        eval: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Predict: reads texts (one per line in a .txt file, or the text column of CSV/TSV/JSONL)
    /// and prints one JSON object per text with the prediction and the probabilities.
    Predict {
        #[arg(long)]
        model: PathBuf,
        #[arg(long)]
        model_type: Option<String>,
        #[arg(long)]
        input: PathBuf,
        #[command(flatten)]
        common: Common,
    },
}

/// `base` with `--args-file` then `--args` merged in (unknown keys are errors).
pub(crate) fn args_from<A: Args>(
    common: &Common,
    base: A,
) -> Result<A, Box<dyn std::error::Error>> {
    let mut args = base;
    if let Some(path) = &common.args_file {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("{}: invalid JSON: {e}", path.display()))?;
        args.update_from_json(&value)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let Some(json) = &common.args {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| format!("--args is not valid JSON: {e}"))?;
        args.update_from_json(&value)?;
    }
    Ok(args)
}

pub(crate) fn device(common: &Common) -> DeviceRequest {
    DeviceRequest {
        use_cuda: common.use_cuda,
        cuda_device: common.cuda_device,
    }
}

/// Which model the commands drive.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    SingleLabel,
    MultiLabel,
}

/// Either model, behind the operations the commands need.
enum Model {
    Single(Box<ClassificationModel>),
    Multi(Box<MultiLabelClassificationModel>),
}

impl Model {
    fn new(
        kind: Kind,
        model_type: &str,
        model_name: &str,
        common: &Common,
        saved_args_dir: Option<&Path>,
        num_labels: Option<usize>,
        output_dir: Option<&Path>,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        let device = device(common);
        Ok(match kind {
            Kind::SingleLabel => {
                let mut base = ClassificationArgs::default();
                if let Some(dir) = saved_args_dir {
                    base.load_from_dir(dir)?;
                }
                let mut args = args_from(common, base)?;
                if let Some(dir) = output_dir {
                    args.model.output_dir = dir.to_string_lossy().into_owned();
                }
                let options = ClassificationOptions {
                    args,
                    num_labels,
                    device,
                    ..Default::default()
                };
                Model::Single(Box::new(ClassificationModel::new(
                    model_type, model_name, options,
                )?))
            }
            Kind::MultiLabel => {
                let mut base = MultiLabelClassificationArgs::default();
                if let Some(dir) = saved_args_dir {
                    base.load_from_dir(dir)?;
                }
                let mut args = args_from(common, base)?;
                if let Some(dir) = output_dir {
                    args.classification.model.output_dir = dir.to_string_lossy().into_owned();
                }
                let options = MultiLabelOptions {
                    args,
                    num_labels,
                    device,
                    ..Default::default()
                };
                let model = MultiLabelClassificationModel::new(model_type, model_name, options)?;
                Model::Multi(Box::new(model))
            }
        })
    }

    fn args(&self) -> &ClassificationArgs {
        match self {
            Model::Single(m) => &m.args,
            Model::Multi(m) => &m.args.classification,
        }
    }

    fn read(&self, path: &Path) -> Result<Vec<Example>, Box<dyn std::error::Error>> {
        Ok(match self {
            Model::Single(m) => read_examples(path, m.args.regression)?,
            Model::Multi(m) => read_multilabel_examples(path, Some(m.num_labels()))?
                .into_iter()
                .map(|(text, hot)| Example::new(text, hot))
                .collect(),
        })
    }

    /// Train from a file: lazily when `lazy_loading` says so (single-label only, as Python).
    fn train(
        &mut self,
        train: &Path,
        eval: Option<&[Example]>,
    ) -> Result<TrainOutput, Box<dyn std::error::Error>> {
        let examples = match self {
            Model::Single(m) => return Ok(m.train_model_from_file(train, eval, Metrics::new())?),
            Model::Multi(_) => self.read(train)?,
        };
        Ok(match self {
            Model::Single(m) => m.train_model(&examples, eval, Metrics::new())?,
            Model::Multi(m) => m.train_model(&examples, eval, Metrics::new())?,
        })
    }

    fn eval(&self, examples: &[Example]) -> Result<EvalOutput, Box<dyn std::error::Error>> {
        Ok(match self {
            Model::Single(m) => m.eval_model(examples, &Metrics::new())?,
            Model::Multi(m) => m.eval_model(examples, &Metrics::new())?,
        })
    }

    fn predict(&self, texts: &[&str]) -> Result<Predictions, Box<dyn std::error::Error>> {
        Ok(match self {
            Model::Single(m) => m.predict(texts)?,
            Model::Multi(m) => m.predict(texts)?,
        })
    }
}

/// A saved model, with its model_args.json and the command's overrides.
fn saved_model(
    kind: Kind,
    dir: &Path,
    model_type: Option<String>,
    common: &Common,
) -> Result<Model, Box<dyn std::error::Error>> {
    let (model_type, _, name) = open_saved(dir, model_type, |a: &ClassificationArgs| {
        a.model.model_type.clone()
    })?;
    Model::new(kind, &model_type, &name, common, Some(dir), None, None)
}

/// What reopening a saved model directory needs: its `model_type` (the flag, else the one its
/// `model_args.json` names), the saved arguments, and the path as a model name.
pub(crate) fn open_saved<A: Args>(
    dir: &Path,
    model_type: Option<String>,
    saved_type: impl Fn(&A) -> Option<String>,
) -> Result<(String, A, String), Box<dyn std::error::Error>> {
    let mut saved = A::default();
    saved.load_from_dir(dir)?;
    let model_type = model_type.or_else(|| saved_type(&saved)).ok_or_else(|| {
        format!(
            "{}: no model_args.json naming the model_type; pass --model-type",
            dir.display()
        )
    })?;
    let name = dir
        .to_str()
        .ok_or("the model path is not UTF-8")?
        .to_string();
    Ok((model_type, saved, name))
}

pub fn run(command: Command, kind: Kind) -> CliResult {
    match command {
        Command::Train {
            model_type,
            model_name,
            train,
            eval,
            output_dir,
            num_labels,
            common,
        } => {
            let mut model = Model::new(
                kind,
                &model_type,
                &model_name,
                &common,
                None,
                num_labels,
                output_dir.as_deref(),
            )?;
            let eval_examples = eval.as_deref().map(|p| model.read(p)).transpose()?;
            let output = model.train(&train, eval_examples.as_deref())?;
            let output_dir = model.args().model.output_dir.clone();
            tracing::info!(
                "trained {} steps, training loss {:.4}; saved to {output_dir}",
                output.global_step,
                output.training_loss,
            );
            let mut summary = serde_json::json!({
                "global_step": output.global_step,
                "training_loss": output.training_loss,
                "output_dir": output_dir,
            });
            if let Some(examples) = &eval_examples {
                let (result, _, _) = model.eval(examples)?;
                summary["eval"] = serde_json::to_value(result)?;
            }
            println!("{summary}");
            Ok(())
        }
        Command::Eval {
            model,
            model_type,
            eval,
            common,
        } => {
            let model = saved_model(kind, &model, model_type, &common)?;
            let examples = model.read(&eval)?;
            let (result, _, _) = model.eval(&examples)?;
            println!("{}", serde_json::to_string(&result)?);
            Ok(())
        }
        Command::Predict {
            model,
            model_type,
            input,
            common,
        } => {
            let model = saved_model(kind, &model, model_type, &common)?;
            let texts = read_texts(&input)?;
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let (predictions, raw) = model.predict(&refs)?;
            let mut out = std::io::stdout().lock();
            for ((text, prediction), raw) in texts.iter().zip(&predictions).zip(&raw) {
                let line = match (&model, model.args().regression) {
                    (Model::Multi(_), _) => {
                        serde_json::json!({"text": text, "prediction": prediction, "probabilities": raw})
                    }
                    (Model::Single(_), true) => {
                        serde_json::json!({"text": text, "prediction": prediction, "raw_outputs": raw})
                    }
                    (Model::Single(_), false) => serde_json::json!({
                        "text": text,
                        "prediction": prediction,
                        "probabilities": softmax(std::slice::from_ref(raw))[0],
                        "raw_outputs": raw,
                    }),
                };
                writeln!(out, "{line}")?;
            }
            Ok(())
        }
    }
}

//! `st classification train|eval|predict`.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use st_classification::files::{read_examples, read_texts};
use st_classification::{ClassificationArgs, ClassificationModel, ClassificationOptions, softmax};
use st_core::args::Args;
use st_core::backend::DeviceRequest;
use st_core::metrics::Metrics;

type CliResult = Result<(), Box<dyn std::error::Error>>;

/// Flags every classification command takes.
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

fn args_from(
    common: &Common,
    base: ClassificationArgs,
) -> Result<ClassificationArgs, Box<dyn std::error::Error>> {
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

fn device(common: &Common) -> DeviceRequest {
    DeviceRequest {
        use_cuda: common.use_cuda,
        cuda_device: common.cuda_device,
    }
}

/// A saved model: its arguments (model_args.json) with the command's overrides, and its type.
fn saved_model(
    dir: &Path,
    model_type: Option<String>,
    common: &Common,
) -> Result<(ClassificationModel, String), Box<dyn std::error::Error>> {
    let mut saved = ClassificationArgs::default();
    saved.load_from_dir(dir)?;
    let args = args_from(common, saved)?;
    let model_type = model_type
        .or_else(|| args.model.model_type.clone())
        .ok_or_else(|| {
            format!(
                "{}: no model_args.json naming the model_type; pass --model-type",
                dir.display()
            )
        })?;
    let options = ClassificationOptions {
        args,
        device: device(common),
        ..Default::default()
    };
    let name = dir.to_str().ok_or("the model path is not UTF-8")?;
    Ok((
        ClassificationModel::new(&model_type, name, options)?,
        model_type,
    ))
}

pub fn run(command: Command) -> CliResult {
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
            let mut args = args_from(&common, ClassificationArgs::default())?;
            if let Some(dir) = output_dir {
                args.model.output_dir = dir.to_string_lossy().into_owned();
            }
            let options = ClassificationOptions {
                args,
                num_labels,
                device: device(&common),
                ..Default::default()
            };
            let mut model = ClassificationModel::new(&model_type, &model_name, options)?;
            let regression = model.args.regression;
            let train_examples = read_examples(&train, regression)?;
            let eval_examples = eval
                .as_deref()
                .map(|p| read_examples(p, regression))
                .transpose()?;
            let output =
                model.train_model(&train_examples, eval_examples.as_deref(), Metrics::new())?;
            tracing::info!(
                "trained {} steps, training loss {:.4}; saved to {}",
                output.global_step,
                output.training_loss,
                model.args.model.output_dir
            );
            let mut summary = serde_json::json!({
                "global_step": output.global_step,
                "training_loss": output.training_loss,
                "output_dir": model.args.model.output_dir,
            });
            if let Some(examples) = &eval_examples {
                let (result, _, _) = model.eval_model(examples, &Metrics::new())?;
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
            let (model, _) = saved_model(&model, model_type, &common)?;
            let examples = read_examples(&eval, model.args.regression)?;
            let (result, _, _) = model.eval_model(&examples, &Metrics::new())?;
            println!("{}", serde_json::to_string(&result)?);
            Ok(())
        }
        Command::Predict {
            model,
            model_type,
            input,
            common,
        } => {
            let (model, _) = saved_model(&model, model_type, &common)?;
            let texts = read_texts(&input)?;
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let (predictions, raw) = model.predict(&refs)?;
            let probabilities = softmax(&raw);
            let mut out = std::io::stdout().lock();
            for ((text, prediction), (raw, probs)) in texts
                .iter()
                .zip(&predictions)
                .zip(raw.iter().zip(&probabilities))
            {
                let line = if model.args.regression {
                    serde_json::json!({"text": text, "prediction": prediction, "raw_outputs": raw})
                } else {
                    serde_json::json!({
                        "text": text,
                        "prediction": prediction,
                        "probabilities": probs,
                        "raw_outputs": raw,
                    })
                };
                writeln!(out, "{line}")?;
            }
            Ok(())
        }
    }
}

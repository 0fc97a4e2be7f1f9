//! `st qa train|eval|predict`: `QuestionAnsweringModel` from the shell. Data files are
//! Simple Transformers' SQuAD-style JSON (a list of `{context, qas: [{id, question,
//! is_impossible, answers: [{text, answer_start}]}]}`), or JSONL with one context per line for
//! training with `lazy_loading`.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use st_qa::{QaArgs, QaMetrics, QaOptions, QuestionAnsweringModel, read_squad};

use crate::classification::{Common, args_from, device, open_saved};

type CliResult = Result<(), Box<dyn std::error::Error>>;

#[derive(Subcommand)]
pub enum Command {
    /// Fine-tune a model on a SQuAD-style JSON file (JSONL with lazy_loading).
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
        /// Evaluation data (SQuAD-style JSON): used during training when
        /// evaluate_during_training is set, and evaluated once at the end.
        #[arg(long)]
        eval: Option<PathBuf>,
        /// Where the trained model goes (default: the output_dir argument, "outputs/").
        #[arg(long)]
        output_dir: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Evaluate a saved model on a SQuAD-style JSON file; prints the result as one JSON object
    /// and writes predictions_test.json, nbest_predictions_test.json and null_odds_test.json
    /// into the output_dir argument.
    Eval {
        /// A directory saved by `st qa train`.
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
    /// Answer the questions of a SQuAD-style JSON file (answers not needed); prints one JSON
    /// object per question: its id, its n best answers and their probabilities.
    Predict {
        #[arg(long)]
        model: PathBuf,
        #[arg(long)]
        model_type: Option<String>,
        #[arg(long)]
        input: PathBuf,
        /// How many answers per question (default: the n_best_size argument).
        #[arg(long)]
        n_best_size: Option<usize>,
        #[command(flatten)]
        common: Common,
    },
}

/// A saved model, with its model_args.json and the command's overrides.
fn saved_model(
    dir: &Path,
    model_type: Option<String>,
    common: &Common,
) -> Result<QuestionAnsweringModel, Box<dyn std::error::Error>> {
    let (model_type, saved, name) =
        open_saved(dir, model_type, |a: &QaArgs| a.model.model_type.clone())?;
    let options = QaOptions {
        args: args_from(common, saved)?,
        device: device(common),
        ..Default::default()
    };
    Ok(QuestionAnsweringModel::new(&model_type, &name, options)?)
}

pub fn run(command: Command) -> CliResult {
    match command {
        Command::Train {
            model_type,
            model_name,
            train,
            eval,
            output_dir,
            common,
        } => {
            let mut args = args_from(&common, QaArgs::default())?;
            if let Some(dir) = &output_dir {
                args.model.output_dir = dir.to_string_lossy().into_owned();
            }
            let options = QaOptions {
                args,
                device: device(&common),
                ..Default::default()
            };
            let mut model = QuestionAnsweringModel::new(&model_type, &model_name, options)?;
            let eval_data = eval.as_deref().map(read_squad).transpose()?;
            let output =
                model.train_model_from_file(&train, eval_data.as_deref(), QaMetrics::new())?;
            let mut summary = serde_json::json!({
                "global_step": output.global_step,
                "training_loss": output.training_loss,
                "output_dir": model.args.model.output_dir,
            });
            if let Some(contexts) = &eval_data {
                let (result, _) = model.eval_model(contexts, &QaMetrics::new())?;
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
            let model = saved_model(&model, model_type, &common)?;
            let (result, _) = model.eval_model(&read_squad(&eval)?, &QaMetrics::new())?;
            println!("{}", serde_json::to_string(&result)?);
            Ok(())
        }
        Command::Predict {
            model,
            model_type,
            input,
            n_best_size,
            common,
        } => {
            let model = saved_model(&model, model_type, &common)?;
            let (answers, probabilities) = model.predict(&read_squad(&input)?, n_best_size)?;
            let mut out = std::io::stdout().lock();
            for (a, p) in answers.iter().zip(&probabilities) {
                let line = serde_json::json!({
                    "id": a.id,
                    "answers": a.answer,
                    "probabilities": p.probability,
                });
                writeln!(out, "{line}")?;
            }
            Ok(())
        }
    }
}

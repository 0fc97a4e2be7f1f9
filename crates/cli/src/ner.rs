//! `st ner train|eval|predict`: `NerModel` from the shell. Data files are CoNLL (word … tag
//! per line, blank lines between sentences); texts to tag are one sentence per line.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use st_classification::files::read_texts;
use st_core::metrics::Metrics;
use st_ner::{NerArgs, NerModel, NerOptions, read_conll};

use crate::classification::{Common, args_from, device, open_saved};

type CliResult = Result<(), Box<dyn std::error::Error>>;

#[derive(Subcommand)]
pub enum Command {
    /// Fine-tune a model on a CoNLL file.
    Train {
        /// Architecture: bert, roberta, distilbert, electra, xlmroberta, camembert, albert.
        #[arg(long)]
        model_type: String,
        /// A local model directory or a Hugging Face hub id.
        #[arg(long)]
        model_name: String,
        /// Training data (CoNLL).
        #[arg(long)]
        train: PathBuf,
        /// Evaluation data (CoNLL): used during training when evaluate_during_training is set,
        /// and evaluated once at the end.
        #[arg(long)]
        eval: Option<PathBuf>,
        /// Where the trained model goes (default: the output_dir argument, "outputs/").
        #[arg(long)]
        output_dir: Option<PathBuf>,
        /// The tags, comma-separated (default: labels_list, the checkpoint's, or CoNLL-2003's).
        #[arg(long, value_delimiter = ',')]
        labels: Option<Vec<String>>,
        #[command(flatten)]
        common: Common,
    },
    /// Evaluate a saved model on a CoNLL file; prints the result as one JSON object.
    Eval {
        /// A directory saved by `st ner train`.
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
    /// Tag sentences (one per line, words split on whitespace); prints one JSON object per
    /// line with every word, its tag and the tag's probability.
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

/// A saved model, with its model_args.json and the command's overrides.
fn saved_model(
    dir: &Path,
    model_type: Option<String>,
    common: &Common,
) -> Result<NerModel, Box<dyn std::error::Error>> {
    let (model_type, saved, name) =
        open_saved(dir, model_type, |a: &NerArgs| a.model.model_type.clone())?;
    let options = NerOptions {
        args: args_from(common, saved)?,
        device: device(common),
        ..Default::default()
    };
    Ok(NerModel::new(&model_type, &name, options)?)
}

pub fn run(command: Command) -> CliResult {
    match command {
        Command::Train {
            model_type,
            model_name,
            train,
            eval,
            output_dir,
            labels,
            common,
        } => {
            let mut args = args_from(&common, NerArgs::default())?;
            if let Some(dir) = &output_dir {
                args.model.output_dir = dir.to_string_lossy().into_owned();
            }
            let options = NerOptions {
                labels,
                args,
                device: device(&common),
                ..Default::default()
            };
            let mut model = NerModel::new(&model_type, &model_name, options)?;
            let eval_data = eval
                .as_deref()
                .map(|path| read_conll(path, model.labels()))
                .transpose()?;
            let output =
                model.train_model_from_file(&train, eval_data.as_deref(), Metrics::new())?;
            let output_dir = model.args.model.output_dir.clone();
            let mut summary = serde_json::json!({
                "global_step": output.global_step,
                "training_loss": output.training_loss,
                "output_dir": output_dir,
            });
            if let Some(sentences) = &eval_data {
                let (result, _, _) = model.eval_model(sentences, &Metrics::new())?;
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
            let sentences = read_conll(&eval, model.labels())?;
            let (result, _, _) = model.eval_model(&sentences, &Metrics::new())?;
            println!("{}", serde_json::to_string(&result)?);
            Ok(())
        }
        Command::Predict {
            model,
            model_type,
            input,
            common,
        } => {
            let model = saved_model(&model, model_type, &common)?;
            let texts = read_texts(&input)?;
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let (tagged, _) = model.predict(&refs)?;
            let mut out = std::io::stdout().lock();
            for (text, words) in texts.iter().zip(&tagged) {
                writeln!(out, "{}", serde_json::json!({"text": text, "words": words}))?;
            }
            Ok(())
        }
    }
}

//! `st`: Simple Transformers from the shell. Results go to stdout as JSON (one object per
//! line); logs and progress go to stderr.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod classification;
mod ner;
mod qa;
use st_core::args::{Args, ModelArgs};
use st_core::backend::DeviceRequest;
use st_representation::{CombineStrategy, RepresentationModel, RepresentationOptions};

#[derive(Parser)]
#[command(name = "st", version, about = "Simple Transformers in Rust")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Arguments shared by every command that builds a model.
#[derive(clap::Args)]
struct ModelFlags {
    /// Architecture: bert, roberta, distilbert, electra, xlmroberta, camembert, albert.
    #[arg(long)]
    model_type: String,
    /// A local model directory or a Hugging Face hub id.
    #[arg(long)]
    model_name: String,
    /// Model arguments as a JSON object, e.g. '{"max_seq_length": 64}'.
    #[arg(long)]
    args: Option<String>,
    /// A JSON file of model arguments.
    #[arg(long)]
    args_file: Option<std::path::PathBuf>,
    /// Run on CUDA (error if this build or machine has none).
    #[arg(long)]
    use_cuda: bool,
    /// CUDA device index; -1 for the default device.
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    cuda_device: i64,
}

impl ModelFlags {
    fn model_args(&self) -> Result<ModelArgs, Box<dyn std::error::Error>> {
        let mut args = ModelArgs::default();
        if let Some(path) = &self.args_file {
            args = ModelArgs::from_json_file(path)?;
        }
        if let Some(json) = &self.args {
            let value: serde_json::Value =
                serde_json::from_str(json).map_err(|e| format!("--args is not valid JSON: {e}"))?;
            args.update_from_json(&value)?;
        }
        Ok(args)
    }

    fn device(&self) -> DeviceRequest {
        DeviceRequest {
            use_cuda: self.use_cuda,
            cuda_device: self.cuda_device,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Sequence classification (Simple Transformers' ClassificationModel).
    Classification {
        #[command(subcommand)]
        command: classification::Command,
    },
    /// Multi-label classification (MultiLabelClassificationModel): labels are multi-hot lists.
    Multilabel {
        #[command(subcommand)]
        command: classification::Command,
    },
    /// Named-entity recognition (NERModel): CoNLL files in, tagged words out.
    Ner {
        #[command(subcommand)]
        command: ner::Command,
    },
    /// Extractive question answering (QuestionAnsweringModel): SQuAD-style JSON in, answers out.
    Qa {
        #[command(subcommand)]
        command: qa::Command,
    },
    /// Embed texts with a pretrained encoder (Simple Transformers' RepresentationModel).
    Encode {
        #[command(flatten)]
        model: ModelFlags,
        /// A text to encode; repeat for several.
        #[arg(long = "text", required = true)]
        texts: Vec<String>,
        /// none (token vectors), mean, concat, or a token index.
        #[arg(long, default_value = "none")]
        combine_strategy: String,
        /// Texts per forward pass.
        #[arg(long, default_value_t = 32)]
        batch_size: usize,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        Command::Classification { command } => {
            classification::run(command, classification::Kind::SingleLabel)
        }
        Command::Multilabel { command } => {
            classification::run(command, classification::Kind::MultiLabel)
        }
        Command::Ner { command } => ner::run(command),
        Command::Qa { command } => qa::run(command),
        Command::Encode {
            model,
            texts,
            combine_strategy,
            batch_size,
        } => {
            let strategy: CombineStrategy = combine_strategy.parse()?;
            let options = RepresentationOptions {
                args: model.model_args()?,
                device: model.device(),
                ..Default::default()
            };
            let mut encoder =
                RepresentationModel::new(&model.model_type, &model.model_name, options)?;
            encoder.batch_size = batch_size;
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let encoded = encoder.encode_sentences(&refs, strategy)?;
            let mut out = std::io::stdout().lock();
            for (text, item) in texts.iter().zip(encoded) {
                let line = serde_json::json!({
                    "text": text,
                    "input_ids": item.input_ids,
                    "embedding": item.embedding,
                });
                writeln!(out, "{line}")?;
            }
            Ok(())
        }
    }
}

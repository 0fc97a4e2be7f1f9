//! `st`: Simple Transformers from the shell. Results go to stdout as JSON (one object per
//! line); logs and progress go to stderr.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod conv_ai;
mod generate;
mod lm;
mod multimodal;
mod seq2seq;
mod task;
mod tasks;

use st_classification::{ClassificationModel, MultiLabelClassificationModel};
use st_lm::LanguageModelingModel;
use st_multimodal::MultiModalClassificationModel;
use st_ner::NerModel;
use st_qa::QuestionAnsweringModel;
use st_representation::{CombineStrategy, RepresentationModel, RepresentationOptions};
use st_seq2seq::{Seq2SeqModel, T5Model};
use task::TaskCommand;
use tasks::{ClassificationFlags, NerFlags, NoFlags, QaPredictFlags};

#[derive(Parser)]
#[command(
    name = "st",
    version,
    about = "Simple Transformers in Rust: train, evaluate and predict with transformer models"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sequence classification (Simple Transformers' ClassificationModel).
    ///
    /// Data: CSV, TSV or JSONL with text (or text_a, text_b) and labels columns.
    Classification {
        #[command(subcommand)]
        command: TaskCommand<ClassificationFlags, NoFlags>,
    },
    /// Multi-label classification (MultiLabelClassificationModel): labels are multi-hot lists.
    Multilabel {
        #[command(subcommand)]
        command: TaskCommand<ClassificationFlags, NoFlags>,
    },
    /// Named-entity recognition (NERModel): CoNLL files in, tagged words out.
    Ner {
        #[command(subcommand)]
        command: TaskCommand<NerFlags, NoFlags>,
    },
    /// Extractive question answering (QuestionAnsweringModel): SQuAD-style JSON in, answers out.
    Qa {
        #[command(subcommand)]
        command: TaskCommand<NoFlags, QaPredictFlags>,
    },
    /// Language modelling (LanguageModelingModel): masked LM on an encoder, causal LM on
    /// GPT-2 ("mlm": false); text files with one sample per line.
    Lm {
        #[command(subcommand)]
        command: TaskCommand<lm::LmTrainFlags, lm::LmPredictFlags>,
    },
    /// Images and text classified together (MultiModalClassificationModel, MMBT: a ResNet
    /// and a BERT encoder). Data: a directory of per-sample JSON files ({"text", "labels"},
    /// each image named after its file) or CSV/TSV/JSONL rows with text, labels and images
    /// columns; --image-path says where the images are.
    Multimodal {
        #[command(subcommand)]
        command:
            TaskCommand<multimodal::MultiModalTrainFlags, NoFlags, multimodal::MultiModalDataFlags>,
    },
    /// Sequence-to-sequence (Seq2SeqModel): an encoder-decoder (BART, mBART, Marian, T5, or
    /// BERT2BERT from --encoder-name and --decoder-name) fine-tuned on input_text →
    /// target_text rows (TSV, CSV or JSONL); predict reads one input per line.
    Seq2seq {
        #[command(subcommand)]
        command: TaskCommand<seq2seq::Seq2SeqTrainFlags, NoFlags>,
    },
    /// T5 and mT5 (T5Model): prefix, input_text, target_text rows; predict reads one input
    /// per line, its "prefix: " included.
    T5 {
        #[command(subcommand)]
        command: TaskCommand<NoFlags, NoFlags>,
    },
    /// Persona chat (ConvAIModel): GPT-2 with a language-model and a multiple-choice head,
    /// trained on PersonaChat JSON; predict reads JSON Lines of
    /// {"personality", "history", "message"}; interact talks on the terminal.
    ConvAi {
        #[command(subcommand)]
        command: conv_ai::ConvAiCommand,
    },
    /// Summarise texts with a saved encoder-decoder (the summarization pipeline).
    Summarize(seq2seq::PipelineCommand),
    /// Translate texts with a saved encoder-decoder (the translation pipeline).
    Translate(seq2seq::PipelineCommand),
    /// Fill the mask tokens of texts with a masked language model (the fill-mask pipeline).
    FillMask(lm::FillMaskCommand),
    /// Continue prompts with a language model (Simple Transformers' LanguageGenerationModel).
    ///
    /// Text streams to stdout as it is generated; --json prints one object per sequence.
    Generate(generate::GenerateCommand),
    /// Embed texts with a pretrained encoder (Simple Transformers' RepresentationModel).
    Encode {
        /// A local model directory or a Hugging Face hub id.
        #[arg(long)]
        model_name: String,
        #[command(flatten)]
        common: task::Common,
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
        Command::Classification { command } => task::run::<ClassificationModel>(command),
        Command::Multilabel { command } => task::run::<MultiLabelClassificationModel>(command),
        Command::Ner { command } => task::run::<NerModel>(command),
        Command::Qa { command } => task::run::<QuestionAnsweringModel>(command),
        Command::Lm { command } => task::run::<LanguageModelingModel>(command),
        Command::Multimodal { command } => task::run::<MultiModalClassificationModel>(command),
        Command::Seq2seq { command } => task::run::<Seq2SeqModel>(command),
        Command::T5 { command } => task::run::<T5Model>(command),
        Command::ConvAi { command } => conv_ai::run(command),
        Command::Summarize(command) => seq2seq::run_pipeline(seq2seq::Pipeline::Summarize, command),
        Command::Translate(command) => seq2seq::run_pipeline(seq2seq::Pipeline::Translate, command),
        Command::FillMask(command) => lm::fill_mask(command),
        Command::Generate(command) => generate::run(command),
        Command::Encode {
            model_name,
            common,
            texts,
            combine_strategy,
            batch_size,
        } => {
            let strategy: CombineStrategy = combine_strategy.parse()?;
            let options = RepresentationOptions {
                overrides: Some(common.overrides(&[])?),
                device: common.device(),
                ..Default::default()
            };
            let model_type = common.model_type(&model_name)?;
            let mut encoder = RepresentationModel::new(&model_type, &model_name, options)?;
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

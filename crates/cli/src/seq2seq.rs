//! `st seq2seq|t5 train|eval|predict` (Simple Transformers' `Seq2SeqModel` and `T5Model`), and
//! `st summarize` / `st translate`, the quick tour's pipelines on any saved encoder-decoder.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use st_core::backend::DeviceRequest;
use st_core::task::TaskModel;
use st_core::text::TextFile;
use st_core::train::EvalResults;
use st_models::seq2seq::Seq2SeqLayout;
use st_seq2seq::{Seq2SeqModel, Seq2SeqOptions, Seq2SeqTaskArgs, Seq2SeqTaskModel, T5Model};

use crate::task::{CliResult, CliTask, Common};
use crate::tasks::NoFlags;

/// The non-blank lines of a text file, in the model's `encoding`.
fn input_lines(input: &Path, encoding: Option<&str>) -> CliResult<Vec<String>> {
    let text = TextFile::new(input, encoding).read_to_string()?;
    let lines: Vec<String> = (text.lines())
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    if lines.is_empty() {
        return Err(format!("{}: no input lines", input.display()).into());
    }
    Ok(lines)
}

/// The generated texts of one input as printed: a string, or a list when several sequences
/// are returned (`num_return_sequences` > 1), as Python's `predict` returns them.
fn generated(mut texts: Vec<String>) -> Value {
    if texts.len() == 1 {
        Value::from(texts.swap_remove(0))
    } else {
        Value::from(texts)
    }
}

/// `st seq2seq train`'s own flags: BERT2BERT from two models (Python's `encoder_name` and
/// `decoder_name`, with `--model-type bert` and no `--model-name`).
#[derive(clap::Args, Debug)]
pub struct Seq2SeqTrainFlags {
    /// The encoder of an EncoderDecoderModel built from two BERTs (a directory or hub id).
    #[arg(long, requires = "decoder_name")]
    encoder_name: Option<String>,
    /// Its decoder (cross-attention is added and trained from scratch).
    #[arg(long, requires = "encoder_name")]
    decoder_name: Option<String>,
}

/// The `train` flags of each sequence-to-sequence command.
pub trait Seq2SeqCliArgs {
    type TrainFlags: clap::Args + std::fmt::Debug;
    /// The encoder and decoder `flags` name.
    fn encoders(flags: Option<&Self::TrainFlags>) -> (Option<String>, Option<String>);
}

impl Seq2SeqCliArgs for st_seq2seq::Seq2SeqArgs {
    type TrainFlags = Seq2SeqTrainFlags;

    fn encoders(flags: Option<&Seq2SeqTrainFlags>) -> (Option<String>, Option<String>) {
        flags.map_or((None, None), |f| {
            (f.encoder_name.clone(), f.decoder_name.clone())
        })
    }
}

impl Seq2SeqCliArgs for st_seq2seq::T5Args {
    type TrainFlags = NoFlags;

    fn encoders(_: Option<&NoFlags>) -> (Option<String>, Option<String>) {
        (None, None)
    }
}

impl<A: Seq2SeqTaskArgs + Seq2SeqCliArgs + Default> CliTask
    for Seq2SeqTaskModel<st_core::backend::TrainBackend, A>
{
    type TrainFlags = A::TrainFlags;
    type PredictFlags = NoFlags;
    type DataFlags = NoFlags;

    fn options(
        overrides: Value,
        device: DeviceRequest,
        flags: Option<&A::TrainFlags>,
    ) -> Seq2SeqOptions<A> {
        let (encoder_name, decoder_name) = A::encoders(flags);
        Seq2SeqOptions {
            overrides: Some(overrides),
            device,
            encoder_name,
            decoder_name,
            ..Default::default()
        }
    }

    /// BERT2BERT assembled from `--encoder-name` and `--decoder-name` (no `--model-name`).
    fn from_scratch(model_type: &str, _train: &Path, options: Self::Options) -> CliResult<Self> {
        if options.encoder_name.is_none() {
            return Err(format!(
                "--model-name is required (or, for BERT2BERT, --encoder-name and \
                 --decoder-name): {model_type} models cannot be trained from scratch here"
            )
            .into());
        }
        let device = options.device.device()?;
        Ok(Self::with_device(model_type, "", options, device)?)
    }

    fn results(output: &EvalResults) -> &EvalResults {
        output
    }

    /// One input per line (T5: with its `prefix: ` already in the line):
    /// `{"input_text", "generated_text"}` per line.
    fn predict_file(&self, input: &Path, _: &NoFlags, out: &mut dyn Write) -> CliResult {
        let lines = input_lines(input, self.args().model().encoding.as_deref())?;
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        for (line, texts) in lines.iter().zip(self.predict(&refs)?) {
            let row = json!({"input_text": line, "generated_text": generated(texts)});
            writeln!(out, "{row}")?;
        }
        Ok(())
    }
}

/// `st summarize` and `st translate`.
#[derive(clap::Args, Debug)]
pub struct PipelineCommand {
    /// A saved model directory (ours or a plain Hugging Face one).
    #[arg(long)]
    model: PathBuf,
    /// A text; repeat for several.
    #[arg(long = "text")]
    texts: Vec<String>,
    /// A file of texts, one per line (instead of --text).
    #[arg(long, conflicts_with = "texts")]
    input: Option<PathBuf>,
    /// Put in front of every text (default: the config's task_specific_params prefix, which
    /// T5 checkpoints carry, e.g. "summarize: ").
    #[arg(long)]
    prefix: Option<String>,
    /// translate: the source and target languages of the task_specific_params key
    /// `translation_{src}_to_{tgt}` (e.g. en, de).
    #[arg(long, default_value = "en")]
    src: String,
    #[arg(long, default_value = "de")]
    tgt: String,
    #[command(flatten)]
    common: Common,
}

/// Which pipeline.
#[derive(Debug, Clone, Copy)]
pub enum Pipeline {
    Summarize,
    Translate,
}

impl Pipeline {
    /// The `task_specific_params` key, and the field the pipeline prints.
    fn names(self, command: &PipelineCommand) -> (String, &'static str) {
        match self {
            Self::Summarize => ("summarization".into(), "summary_text"),
            Self::Translate => (
                format!("translation_{}_to_{}", command.src, command.tgt),
                "translation_text",
            ),
        }
    }
}

/// The `task_specific_params` of `dir/config.json` for `task`: its prefix and its
/// generation settings (beams, lengths…), as the `transformers` pipelines apply them.
fn task_params(dir: &Path, task: &str) -> (Option<String>, serde_json::Map<String, Value>) {
    let config: Value = std::fs::read_to_string(dir.join("config.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let mut params =
        (config["task_specific_params"][task].as_object().cloned()).unwrap_or_default();
    let prefix = params
        .remove("prefix")
        .and_then(|p| p.as_str().map(str::to_string));
    (prefix, params)
}

/// Run a pipeline: every text (with the prefix) through the model, one JSON object per text.
pub fn run_pipeline(pipeline: Pipeline, command: PipelineCommand) -> CliResult {
    let name = command
        .model
        .to_str()
        .ok_or("the model path is not UTF-8")?;
    let texts = match &command.input {
        Some(path) => input_lines(path, None)?,
        None if command.texts.is_empty() => return Err("give --text or --input".into()),
        None => command.texts.clone(),
    };
    let (task, field) = pipeline.names(&command);
    let (config_prefix, params) = task_params(&command.model, &task);
    let prefix = command.prefix.clone().or(config_prefix).unwrap_or_default();
    // The task's settings first, then the user's --args over them.
    let mut extra: Vec<(&str, Value)> = Vec::new();
    for key in [
        "num_beams",
        "length_penalty",
        "early_stopping",
        "max_length",
    ] {
        if let Some(value) = params.get(key) {
            extra.push((key, value.clone()));
        }
    }
    let mut overrides = Value::Object(
        extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    );
    if let Value::Object(user) = command.common.overrides(&[])? {
        overrides.as_object_mut().unwrap().extend(user);
    }
    let model_type = command.common.model_type(name)?;
    let device = command.common.device();
    let inputs: Vec<String> = texts.iter().map(|t| format!("{prefix}{t}")).collect();
    let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let layout = st_models::seq2seq_architecture(&model_type)?.layout();
    // The task commands' own constructor options, for whichever model the layout is.
    let outputs = if layout == Seq2SeqLayout::T5 {
        let options = <T5Model as CliTask>::options(overrides, device, None);
        T5Model::new(&model_type, name, options)?.predict(&refs)?
    } else {
        let options = <Seq2SeqModel as CliTask>::options(overrides, device, None);
        Seq2SeqModel::new(&model_type, name, options)?.predict(&refs)?
    };
    let mut out = std::io::stdout().lock();
    for (text, generated_texts) in texts.iter().zip(outputs) {
        writeln!(
            out,
            "{}",
            json!({"text": text, field: generated(generated_texts)})
        )?;
    }
    Ok(())
}

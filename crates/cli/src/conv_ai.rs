//! `st conv-ai train|eval|predict|interact` (Simple Transformers' `ConvAIModel`).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde::Deserialize;
use serde_json::{Value, json};
use st_conv_ai::{ConvAIModel, ConvAIOptions, Turn};
use st_core::backend::DeviceRequest;
use st_core::task::TaskModel;
use st_core::train::EvalResults;

use crate::task::{CliResult, CliTask, Common, TaskCommand};
use crate::tasks::NoFlags;

#[derive(Subcommand, Debug)]
pub enum ConvAiCommand {
    #[command(flatten)]
    Task(TaskCommand<NoFlags, NoFlags>),
    /// Talk to a trained model: type a message after each `>>> `, read the reply; the
    /// conversation's history is kept (its last 2·max_history + 1 utterances). End with end of
    /// input (Ctrl-D) or Ctrl-C.
    Interact {
        /// A model directory (one saved by `train`, or a GPT2DoubleHeadsModel).
        #[arg(long)]
        model: PathBuf,
        /// A persona sentence of the bot; repeat for several (none: an empty persona).
        #[arg(long = "personality")]
        personality: Vec<String>,
        #[command(flatten)]
        common: Common,
    },
}

/// One line of a `predict` input file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TurnLine {
    #[serde(default)]
    personality: Vec<String>,
    #[serde(default)]
    history: Vec<String>,
    message: String,
}

impl CliTask for ConvAIModel {
    type TrainFlags = NoFlags;
    type PredictFlags = NoFlags;
    type DataFlags = NoFlags;

    fn options(overrides: Value, device: DeviceRequest, _: Option<&NoFlags>) -> ConvAIOptions {
        ConvAIOptions {
            overrides: Some(overrides),
            device,
            ..Default::default()
        }
    }

    fn results(output: &EvalResults) -> &EvalResults {
        output
    }

    /// JSON Lines, `{"personality": [..], "history": [..], "message": ".."}` per line (blank
    /// lines skipped); prints `{"message", "reply"}` per line, the replies decoded in one batch.
    fn predict_file(&self, input: &Path, _: &NoFlags, out: &mut dyn Write) -> CliResult {
        let text =
            std::fs::read_to_string(input).map_err(|e| format!("{}: {e}", input.display()))?;
        let mut lines = Vec::new();
        for (number, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let turn: TurnLine = serde_json::from_str(line).map_err(|e| {
                format!(
                    "{}: line {}: {e} (expected {{\"personality\": [..], \"history\": [..], \
                     \"message\": \"..\"}})",
                    input.display(),
                    number + 1
                )
            })?;
            lines.push(turn);
        }
        let turns: Vec<Turn<'_>> = (lines.iter())
            .map(|l| Turn {
                personality: &l.personality,
                history: &l.history,
                message: &l.message,
            })
            .collect();
        let replies = self.predict(&turns)?;
        for (line, reply) in lines.iter().zip(replies) {
            writeln!(out, "{}", json!({"message": line.message, "reply": reply}))?;
        }
        Ok(())
    }
}

pub fn run(command: ConvAiCommand) -> CliResult {
    match command {
        ConvAiCommand::Task(command) => crate::task::run::<ConvAIModel>(command),
        ConvAiCommand::Interact {
            model,
            personality,
            common,
        } => {
            let name = model
                .to_str()
                .ok_or_else(|| format!("{}: the path is not UTF-8", model.display()))?;
            let model_type = common.model_type(name)?;
            let options = ConvAIOptions {
                overrides: Some(common.overrides(&[("silent", Value::from(true))])?),
                device: common.device(),
                ..Default::default()
            };
            let model = ConvAIModel::new(&model_type, name, options)?;
            let personality = (!personality.is_empty()).then_some(personality.as_slice());
            Ok(model.interact(personality)?)
        }
    }
}

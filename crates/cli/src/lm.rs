//! `st lm train|eval|predict` (Simple Transformers' `LanguageModelingModel`) and `st fill-mask`.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use st_core::backend::DeviceRequest;
use st_core::task::TaskModel;
use st_core::train::EvalResults;
use st_lm::{GenerationArgs, LanguageModelingModel, LmOptions, read_lines};

use crate::task::{CliResult, CliTask, Common};
use crate::tasks::NoFlags;

/// `train` flags of language modelling.
#[derive(clap::Args, Debug)]
pub struct LmTrainFlags {
    /// ELECTRA: the generator to train (an ElectraForMaskedLM directory or hub id), with
    /// --discriminator-name; --model-name is then only a label (Python passes "electra").
    #[arg(long, requires = "discriminator_name")]
    generator_name: Option<String>,
    /// ELECTRA: the discriminator to train (an ElectraForPreTraining directory or hub id).
    #[arg(long, requires = "generator_name")]
    discriminator_name: Option<String>,
}

/// `predict` flags of language modelling.
#[derive(clap::Args, Debug)]
pub struct LmPredictFlags {
    /// A causal model: Python's generation_args as a JSON object, e.g.
    /// '{"max_new_tokens": 40, "do_sample": true, "top_p": 0.9}'.
    #[arg(long)]
    generation_args: Option<String>,
    /// A masked model: candidates per mask.
    #[arg(long, default_value_t = 5)]
    top_k: usize,
}

impl CliTask for LanguageModelingModel {
    type TrainFlags = LmTrainFlags;
    type PredictFlags = LmPredictFlags;
    type DataFlags = NoFlags;

    fn options(overrides: Value, device: DeviceRequest, flags: Option<&LmTrainFlags>) -> LmOptions {
        LmOptions {
            overrides: Some(overrides),
            device,
            generator_name: flags.and_then(|f| f.generator_name.clone()),
            discriminator_name: flags.and_then(|f| f.discriminator_name.clone()),
            ..Default::default()
        }
    }

    fn results(output: &EvalResults) -> &EvalResults {
        output
    }

    /// Python's `LanguageModelingModel(model_type, None, train_files=[train])`; with
    /// --generator-name and --discriminator-name, ELECTRA from those two models instead.
    fn from_scratch(model_type: &str, train: &Path, options: LmOptions) -> CliResult<Self> {
        if options.generator_name.is_some() {
            return Ok(LanguageModelingModel::new(model_type, model_type, options)?);
        }
        Ok(LanguageModelingModel::from_scratch(
            model_type,
            &[train.to_path_buf()],
            options,
        )?)
    }

    /// One text per line (blank lines skipped). A causal model prints
    /// `{"input_text", "generated_text"}` (a list with `num_return_sequences` > 1); a masked
    /// model `{"text", "masks": [[{score, token, token_str, sequence}, …] per mask]}`.
    fn predict_file(&self, input: &Path, flags: &LmPredictFlags, out: &mut dyn Write) -> CliResult {
        use st_core::args::TaskArgs;
        let lines = read_lines(input, self.args().model().encoding.as_deref())?;
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        if !self.is_causal() {
            let filled = self.fill_mask_texts(&refs, flags.top_k)?;
            for (text, masks) in lines.iter().zip(filled) {
                writeln!(out, "{}", json!({"text": text, "masks": masks}))?;
            }
            return Ok(());
        }
        let args: GenerationArgs = match &flags.generation_args {
            Some(text) => {
                serde_json::from_str(text).map_err(|e| format!("--generation-args: {e}"))?
            }
            None => GenerationArgs::default(),
        };
        let generated = self.generate_texts(&refs, &args)?;
        let per_prompt = args.num_return_sequences.max(1);
        for (text, texts) in lines.iter().zip(generated.chunks(per_prompt)) {
            let generated: Value = match texts {
                [one] => json!(one),
                many => json!(many),
            };
            writeln!(
                out,
                "{}",
                json!({"input_text": text, "generated_text": generated})
            )?;
        }
        Ok(())
    }
}

/// `st fill-mask`: the quick tour's fill-mask pipeline on any masked language model.
#[derive(clap::Args, Debug)]
pub struct FillMaskCommand {
    /// A model directory with a masked-LM head (one saved by `st lm train`, or a
    /// `*ForMaskedLM` checkpoint; a base encoder gets a new, untrained head).
    #[arg(long)]
    model: PathBuf,
    /// A text with one or more mask tokens ([MASK] or <mask>); repeat for several.
    #[arg(long = "text", required = true)]
    texts: Vec<String>,
    /// Candidates per mask.
    #[arg(long, default_value_t = 5)]
    top_k: usize,
    #[command(flatten)]
    common: Common,
}

/// Print, per text, the pipeline's result: a list of candidates for a single mask, a list of
/// such lists for several.
pub fn fill_mask(command: FillMaskCommand) -> CliResult {
    let name = command
        .model
        .to_str()
        .ok_or_else(|| format!("{}: the path is not UTF-8", command.model.display()))?;
    let model_type = command.common.model_type(name)?;
    let options = LmOptions {
        overrides: Some(command.common.overrides(&[("silent", Value::from(true))])?),
        device: command.common.device(),
        ..Default::default()
    };
    let model = LanguageModelingModel::new(&model_type, name, options)?;
    let refs: Vec<&str> = command.texts.iter().map(String::as_str).collect();
    let filled = model.fill_mask_texts(&refs, command.top_k)?;
    let mut out = std::io::stdout().lock();
    for masks in filled {
        let line = match masks.as_slice() {
            [one] => json!(one),
            _ => json!(masks),
        };
        writeln!(out, "{line}")?;
    }
    Ok(())
}

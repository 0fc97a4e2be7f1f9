//! `st generate`: continue prompts with a decoder, streaming the text as it is produced.

use std::io::{BufRead, Write};

use st_generation::{GenerationOptions, LanguageGenerationModel, TextPiece};

use crate::task::{CliResult, Common};

#[derive(clap::Args, Debug)]
pub struct GenerateCommand {
    /// A local model directory or a Hugging Face hub id (a GPT-2-shaped language model).
    #[arg(long)]
    model_name: String,
    /// The text to continue. Without it, every line of standard input is a prompt.
    #[arg(long)]
    prompt: Option<String>,
    /// Print one JSON object per returned sequence, {"prompt": …, "generated_text": …},
    /// instead of streaming text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    common: Common,
}

pub fn run(command: GenerateCommand) -> CliResult<()> {
    let GenerateCommand {
        model_name,
        prompt,
        json,
        common,
    } = command;
    let options = GenerationOptions {
        overrides: Some(common.overrides(&[])?),
        device: common.device(),
        ..Default::default()
    };
    let model_type = common.model_type(&model_name)?;
    let model = LanguageGenerationModel::new(&model_type, &model_name, options)?;
    let args = model.args().clone();
    // Streaming shows one sequence as it grows; several sequences, or beam search (whose
    // result is known only at the end), are printed whole.
    let stream = !json && args.num_return_sequences == 1 && args.num_beams == 1;
    let each = |prompt: &str| -> CliResult<()> {
        let mut out = std::io::stdout().lock();
        if stream {
            write!(out, "{prompt}")?;
            out.flush()?;
            let mut print = |piece: TextPiece<'_>| {
                let mut out = std::io::stdout().lock();
                // A closed stdout (a pipe to `head`) ends the output, not the program.
                let _ = write!(out, "{}", piece.text).and_then(|()| out.flush());
            };
            drop(out);
            model.generate_batch(&[prompt], &args, Some(&mut print))?;
            writeln!(std::io::stdout().lock())?;
            return Ok(());
        }
        let texts = model.generate_batch(&[prompt], &args, None)?;
        for text in texts.into_iter().flatten() {
            if json {
                let line = serde_json::json!({"prompt": prompt, "generated_text": text});
                writeln!(out, "{line}")?;
            } else {
                writeln!(out, "{text}")?;
            }
        }
        Ok(())
    };
    match prompt {
        Some(prompt) => each(&prompt),
        None => {
            for line in std::io::stdin().lock().lines() {
                let line = line?;
                if !line.trim().is_empty() {
                    each(&line)?;
                }
            }
            Ok(())
        }
    }
}

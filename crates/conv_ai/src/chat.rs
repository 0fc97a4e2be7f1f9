//! Talking to a trained model: replies decoded through the shared engine with Python's ConvAI
//! settings (`do_sample`, `temperature`, `top_k`, `top_p`; a reply ends at any special token
//! and may not before `min_length` tokens; at most `max_length` tokens), one turn
//! (`interact_single`) or a terminal conversation (`interact`).
//!
//! Deviations from Python, each on purpose:
//! - the prompt holds the last `2 · max_history + 1` history utterances, the window training
//!   used (Python's `interact` feeds one more, its `interact_single` the whole history);
//! - with `do_sample: false`, the most likely token that is allowed (Python takes the most
//!   likely one and, if it is a special token before `min_length`, samples another);
//! - without a personality, an empty persona (Python draws one from PersonaChat, a download).

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::atomic::Ordering;

use burn::module::AutodiffModule;
use burn::tensor::backend::AutodiffBackend;
use serde_json::Value;
use st_core::task::TaskModel;
use st_models::decoder::TypedState;
use st_models::generate::{GenerationConfig, generate};

use crate::inputs::build_input;
use crate::model::{ConvAIError, ConvAIModel};

/// One turn to reply to: the persona, the conversation so far (oldest first, the speakers
/// alternating) and the new message.
#[derive(Debug, Clone, Copy)]
pub struct Turn<'a> {
    pub personality: &'a [String],
    pub history: &'a [String],
    pub message: &'a str,
}

impl<B: AutodiffBackend> ConvAIModel<B> {
    /// How replies are decoded: the arguments' settings; sampling seeded from `manual_seed`
    /// (42 without one) and the number of replies generated before, so that a run with a seed
    /// is reproducible and each turn draws afresh.
    pub fn generation_config(&self) -> GenerationConfig {
        let args = &self.base.args;
        let calls = self.calls.fetch_add(1, Ordering::Relaxed);
        GenerationConfig {
            max_new_tokens: Some(args.max_length),
            min_new_tokens: args.min_length,
            do_sample: args.do_sample,
            temperature: args.temperature,
            top_k: args.top_k,
            top_p: args.top_p,
            eos_token_id: self.ids.all(),
            pad_token_id: Some(self.ids.pad),
            seed: args.model.manual_seed.unwrap_or(42).wrapping_add(calls),
            ..GenerationConfig::default()
        }
    }

    /// The reply to each turn, decoded together.
    pub fn replies(&self, turns: &[Turn<'_>]) -> Result<Vec<String>, ConvAIError> {
        if turns.is_empty() {
            return Ok(Vec::new());
        }
        let tokenizer = &self.base.tokenizer;
        let window = self.base.args.history_window();
        let (mut prompts, mut types, mut reply_types) = (Vec::new(), Vec::new(), Vec::new());
        for turn in turns {
            let persona = (turn.personality.iter())
                .map(|s| tokenizer.encode_plain(&s.to_lowercase()))
                .collect::<Result<Vec<_>, _>>()?;
            let mut history = (turn.history.iter())
                .map(|s| tokenizer.encode_plain(s))
                .collect::<Result<Vec<_>, _>>()?;
            history.push(tokenizer.encode_plain(turn.message)?);
            let history = &history[history.len().saturating_sub(window)..];
            let prompt = build_input(&self.ids, &persona, history, &[], false, false);
            reply_types.push(*prompt.token_type_ids.last().unwrap_or(&self.ids.speaker1));
            prompts.push(prompt.input_ids);
            types.push(prompt.token_type_ids);
        }
        let config = self.generation_config();
        let specials = self.ids.all();
        let skip = self.base.args.model.skip_special_tokens;
        self.base.compute(|| {
            let model = self.base.module.valid();
            let state = TypedState::new(&model, types, reply_types);
            let generated = generate(&model, state, &prompts, &config)?;
            generated
                .into_iter()
                .map(|mut sequences| {
                    let mut tokens = sequences.swap_remove(0).tokens;
                    // The special token that ended the reply is not part of it.
                    if tokens.last().is_some_and(|t| specials.contains(t)) {
                        tokens.pop();
                    }
                    Ok(tokenizer.decode(&tokens, skip)?)
                })
                .collect()
        })
    }

    /// Python's `interact_single(message, history, personality)`: the reply to `message`
    /// after `history` (texts, oldest first), and the history with both appended.
    pub fn interact_single(
        &self,
        message: &str,
        history: &[String],
        personality: Option<&[String]>,
    ) -> Result<(String, Vec<String>), ConvAIError> {
        let turn = Turn {
            personality: personality.unwrap_or(&[]),
            history,
            message,
        };
        let reply = self.replies(&[turn])?.swap_remove(0);
        let mut history = history.to_vec();
        history.push(message.to_string());
        history.push(reply.clone());
        Ok((reply, history))
    }

    /// Python's `interact(personality)`: a conversation on the terminal, until end of input.
    pub fn interact(&self, personality: Option<&[String]>) -> Result<(), ConvAIError> {
        let stdin = std::io::stdin();
        self.interact_with(personality, &mut stdin.lock(), &mut std::io::stdout())
    }

    /// [`Self::interact`] over any input and output: a `>>> ` prompt, the user's line, the
    /// reply on its own line; an empty line asks again; end of input ends the conversation.
    /// The history keeps the last `2 · max_history + 1` utterances.
    pub fn interact_with(
        &self,
        personality: Option<&[String]>,
        input: &mut dyn BufRead,
        output: &mut dyn Write,
    ) -> Result<(), ConvAIError> {
        let io = |e: std::io::Error| ConvAIError::Core(st_core::Error::Other(e.to_string()));
        let mut history: Vec<String> = Vec::new();
        let mut line = String::new();
        loop {
            write!(output, ">>> ").map_err(io)?;
            output.flush().map_err(io)?;
            line.clear();
            if input.read_line(&mut line).map_err(io)? == 0 {
                writeln!(output).map_err(io)?;
                return Ok(());
            }
            let message = line.trim();
            if message.is_empty() {
                writeln!(output, "Prompt should not be empty!").map_err(io)?;
                continue;
            }
            let (reply, updated) = self.interact_single(message, &history, personality)?;
            writeln!(output, "{}", reply.trim()).map_err(io)?;
            output.flush().map_err(io)?;
            let keep = self.args().history_window();
            history = updated[updated.len().saturating_sub(keep)..].to_vec();
        }
    }
}

/// Record the special tokens' roles in `dir/tokenizer_config.json` (and
/// `special_tokens_map.json` when there is one), over whatever the source's files said.
pub(crate) fn write_token_roles(dir: &Path) -> Result<(), st_core::Error> {
    let roles = [
        ("bos_token", Value::from("<bos>")),
        ("eos_token", Value::from("<eos>")),
        ("pad_token", Value::from("<pad>")),
        // transformers 5 reads extra_special_tokens; older versions additional_special_tokens.
        (
            "extra_special_tokens",
            serde_json::json!(["<speaker1>", "<speaker2>"]),
        ),
        (
            "additional_special_tokens",
            serde_json::json!(["<speaker1>", "<speaker2>"]),
        ),
    ];
    for (file, always) in [
        ("tokenizer_config.json", true),
        ("special_tokens_map.json", false),
    ] {
        let path = dir.join(file);
        let mut map = match std::fs::read_to_string(&path) {
            Ok(text) => match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(map)) => map,
                _ => serde_json::Map::new(),
            },
            Err(_) if always => serde_json::Map::new(),
            Err(_) => continue,
        };
        for (key, value) in &roles {
            if file == "special_tokens_map.json" && *key == "extra_special_tokens" {
                continue;
            }
            map.insert((*key).to_string(), value.clone());
        }
        let text = serde_json::to_string_pretty(&Value::Object(map)).unwrap_or_default();
        std::fs::write(&path, text + "\n").map_err(|e| st_core::Error::io(&path, e))?;
    }
    Ok(())
}

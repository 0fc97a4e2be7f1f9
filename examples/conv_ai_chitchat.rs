//! Persona chat on real conversations: a small GPT-2 trained from scratch as Simple
//! Transformers' ConvAI trains one (language model on the real replies, multiple choice between
//! them and replies from other conversations), on the Chit-Chat Challenge conversations of
//! PyPI's `chitchat-dataset`; scored on held-out conversations before and after, then asked a
//! few things.
//!
//! ```text
//! python3 scripts/fetch_chitchat.py      # target/conv-ai/{train,valid}.json
//! cargo run --release -p st-examples --example conv_ai_chitchat
//! ```
//!
//! The model starts from transformers' initialisation of a GPT-2 with 4 layers of width 128
//! and GPT-2's real tokenizer (written to target/conv-ai/gpt2-init on first run). Prints one
//! JSON object with the figures; the trained model goes to target/conv-ai/model, ready for
//! `st conv-ai interact --model target/conv-ai/model`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::json;
use st_conv_ai::{ConvAIModel, ConvAIOptions, TaskModel, read_dialogues};
use st_core::backend::DefaultBackend;
use st_models::decoder::{DecoderSpec, Gpt2LmHead, save_decoder};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A GPT-2 drawn as `transformers` initialises one, with GPT-2's tokenizer files.
fn write_init(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let config = json!({"model_type": "gpt2", "vocab_size": 50257, "n_positions": 256,
                        "n_embd": 128, "n_layer": 4, "n_head": 4});
    let spec = DecoderSpec::new("gpt2", config, dir)?;
    let device = Default::default();
    let model = Gpt2LmHead::<DefaultBackend>::new(&spec.config, &device);
    let model = st_models::init::init_gpt2(model, 0.02);
    save_decoder(&model, &spec, dir)?;
    for file in ["vocab.json", "merges.txt"] {
        std::fs::copy(
            repo().join("fixtures/tokenizers/gpt2").join(file),
            dir.join(file),
        )?;
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = repo().join("target/conv-ai");
    let (train_path, valid_path) = (data.join("train.json"), data.join("valid.json"));
    if !train_path.is_file() || !valid_path.is_file() {
        return Err(format!(
            "{} is missing: run `python3 scripts/fetch_chitchat.py` first",
            train_path.display()
        )
        .into());
    }
    let init = data.join("gpt2-init");
    if !init.join("config.json").is_file() {
        write_init(&init)?;
    }
    let output = data.join("model");
    let args = json!({
        "output_dir": output,
        "overwrite_output_dir": true,
        "num_train_epochs": 2,
        "train_batch_size": 8,
        "eval_batch_size": 8,
        "learning_rate": 5e-4,
        "warmup_ratio": 0.06,
        "max_history": 1,
        "num_candidates": 2,
        "manual_seed": 17,
        "save_steps": -1,
        "save_model_every_epoch": false,
    });
    let options = ConvAIOptions {
        overrides: Some(args),
        ..Default::default()
    };
    let mut model = ConvAIModel::new("gpt2", init.to_str().ok_or("path not UTF-8")?, options)?;
    let valid = read_dialogues(&valid_path)?;
    let start = Instant::now();
    let before = model.eval_model(&valid, &())?;
    let eval_seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let trained = model.train_model_from_file(&train_path, None, ())?;
    let train_seconds = start.elapsed().as_secs_f64();
    let after = model.eval_model(&valid, &())?;

    // A short conversation in the held-out persona, the history carried from turn to turn.
    let persona = valid[0].personality.clone();
    let mut history = Vec::new();
    let mut conversation = Vec::new();
    for message in [
        "hi! how are you today?",
        "what do you like to do for fun?",
        "do you have any pets?",
        "where did you grow up?",
    ] {
        let (reply, updated) = model.interact_single(message, &history, Some(&persona))?;
        conversation.push(json!({"user": message, "bot": reply.trim()}));
        history = updated;
    }
    let instances = model
        .instances_from_file(&train_path, st_core::task::Mode::Train)?
        .len();
    let candidates = valid[0].utterances[0].candidates.len();
    let figures = json!({
        "train_instances": instances,
        "valid_utterances": valid.iter().map(|d| d.utterances.len()).sum::<usize>(),
        "valid_candidates": candidates,
        "mc_chance": 1.0 / candidates as f64,
        "global_step": trained.global_step,
        "training_loss": trained.training_loss,
        "train_seconds": train_seconds,
        "train_instances_per_second":
            (instances * model.args().model.num_train_epochs) as f64 / train_seconds,
        "eval_seconds": eval_seconds,
        "before": before,
        "after": after,
        "persona": persona,
        "conversation": conversation,
    });
    println!("{}", serde_json::to_string_pretty(&figures)?);
    Ok(())
}

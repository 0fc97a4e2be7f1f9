//! Persona chat (Simple Transformers' `ConvAIModel`): GPT-2 with its language-model head and a
//! multiple-choice head (`GPT2DoubleHeadsModel`), fine-tuned on PersonaChat dialogues as Python
//! trains it — `lm_coef · lm_loss + mc_coef · mc_loss` over each utterance's gold reply and
//! distractors — evaluated by `language_model_loss` and the multiple-choice `f1_score`, and
//! talked to one turn at a time or on the terminal.
//!
//! ```no_run
//! use st_conv_ai::{ConvAIModel, TaskModel};
//! let mut model = ConvAIModel::new("gpt2", "path/to/gpt2", Default::default())?;
//! model.train_model_from_file("train.json".as_ref(), None, ())?;
//! let persona = ["i like to ski.".to_string()];
//! let (reply, history) = model.interact_single("hi! what do you do?", &[], Some(&persona))?;
//! println!("{reply} ({} utterances so far)", history.len());
//! # Ok::<(), st_conv_ai::ConvAIError>(())
//! ```
//!
//! | module | what |
//! |---|---|
//! | [`args`] | [`ConvAIArgs`]: Python's names and defaults |
//! | [`data`] | PersonaChat JSON, read whole or one dialogue at a time |
//! | [`inputs`] | inputs as Python's `build_input_from_segments`; batches |
//! | [`model`] | [`ConvAIModel`] on the shared task lifecycle |
//! | [`chat`] | replies, `interact_single`, `interact` |
//!
//! Python's `ConvAIModel` no longer imports on current `transformers` (it needs the removed
//! `cached_path`); its evaluation during training also unpacks a dict into three values.
//! Neither problem exists here: evaluation during training reports what `eval_model` does.

pub mod args;
pub mod chat;
pub mod data;
pub mod inputs;
pub mod model;

pub use args::ConvAIArgs;
pub use chat::Turn;
pub use data::{DataError, Dialogue, Utterance, for_each_dialogue, read_dialogues};
pub use inputs::{Candidate, Instance, SPECIAL_TOKENS, SpecialIds, build_input};
pub use model::{ConvAIError, ConvAIModel, ConvAIOptions};
pub use st_core::task::TaskModel;

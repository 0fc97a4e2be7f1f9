//! `LanguageGenerationModel`: Simple Transformers' text generation with a decoder (GPT-2 and
//! GPT-2-shaped checkpoints such as distilgpt2), through the decoding engine every
//! autoregressive model shares ([`st_models::generate`]).
//!
//! ```no_run
//! use st_generation::{GenerationOptions, LanguageGenerationModel};
//!
//! let options = GenerationOptions {
//!     overrides: Some(serde_json::json!({"max_length": 50, "top_p": 0.9})),
//!     ..Default::default()
//! };
//! let model = LanguageGenerationModel::new("gpt2", "path/or/hub-id", options)?;
//! for text in model.generate(Some("Once upon a time"))? {
//!     println!("{text}");
//! }
//! let mut args = model.args().clone();
//! args.num_beams = 4; // every argument reaches generate
//! args.do_sample = false;
//! let beams = model.generate_with(Some("Once upon a time"), &args)?;
//! # Ok::<(), st_generation::GenerationError>(())
//! ```
//!
//! Python passes only some arguments to `generate` (and ignores `num_beams`,
//! `length_penalty`, `early_stopping`); here every argument is used. Differences from Python,
//! on purpose: the continuation is cut at the first `stop_token` in the generated text (Python
//! searches the prompt too, and cuts the last character when there is none); special tokens
//! are dropped from the text unless `skip_special_tokens` is false (Python keeps
//! `<|endoftext|>`); a missing prompt is an error instead of a read from standard input (the
//! `st generate` command reads prompts from standard input).

mod args;
mod model;
pub mod text;

pub use args::LanguageGenerationArgs;
pub use model::{GenerationError, GenerationOptions, LanguageGenerationModel, TextPiece};

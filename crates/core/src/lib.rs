//! Core of Simple Transformers in Rust: arguments, backend selection, model
//! resolution (local directory or Hugging Face hub cache), tokenisation,
//! Hugging Face weight loading/saving, and the traits task crates implement.

pub mod alloc;
pub mod args;
pub mod backend;
pub mod error;
pub mod hub;
pub mod metrics;
pub mod progress;
pub mod rng;
pub mod staging;
pub mod task;
pub mod text;
pub mod tokenizer;
pub mod train;
pub mod weights;

pub use error::{Error, Result};

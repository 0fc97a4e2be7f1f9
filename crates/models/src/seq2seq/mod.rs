//! Encoder-decoder architectures: an encoder reads the input once, a decoder generates the
//! output attending to it (cross-attention).
//!
//! | module | what |
//! |---|---|
//! | [`t5`] | T5 v1.0, v1.1 and mT5 as `transformers`' `T5ForConditionalGeneration` |

pub mod t5;

pub use t5::{T5Config, T5ForConditionalGeneration, T5Names, T5State, load_t5, save_t5};

//! Sequence-to-sequence models (Simple Transformers' `Seq2SeqModel` and `T5Model`): fine-tune
//! an encoder-decoder (BART, mBART, Marian, T5, mT5) on `input_text` → `target_text` pairs, evaluate its loss
//! and, with `evaluate_generated_text`, its generated text (BLEU, ROUGE or the user's
//! metrics), and generate through the shared decoding engine.
//!
//! ```no_run
//! use st_seq2seq::{Seq2SeqExample, T5Model, TaskModel};
//! let mut model = T5Model::new("t5", "path/to/t5", Default::default())?;
//! let train = vec![Seq2SeqExample::with_prefix("translate English to German", "Yes", "Ja")];
//! model.train_model(&train, None, Default::default())?;
//! let texts = model.predict(&["translate English to German: Thank you"])?;
//! println!("{}", texts[0][0]);
//! # Ok::<(), st_seq2seq::Seq2SeqError>(())
//! ```
//!
//! Training follows `transformers`: the labels are the target's ids (special tokens included,
//! padding ignored) and the model shifts them right behind its decoder start token (mBART:
//! behind their language code). Python Simple Transformers does the same for T5 and `mbart`;
//! for BART and Marian it also trains on the padding (labels not masked), and for `mbart50` it
//! starts the decoder from the language code where mBART-50 starts from `</s>` and then forces
//! the code; neither is copied here.

pub mod args;
pub mod data;
pub mod features;
pub mod model;
pub mod pair;
pub mod predict;
pub mod text;

pub use args::{DecodingArgs, Seq2SeqArgs, Seq2SeqTaskArgs, T5Args};
pub use data::{DataError, Seq2SeqExample, read_examples};
pub use features::{Features, Seq2SeqBatch};
pub use model::{EvalRows, Seq2SeqError, Seq2SeqModel, Seq2SeqOptions, Seq2SeqTaskModel, T5Model};
pub use st_core::task::TaskModel;
pub use text::{Codec, Languages};

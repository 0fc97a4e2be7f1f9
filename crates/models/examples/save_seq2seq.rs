//! Load an encoder-decoder directory and save it again with this crate's writer, so that the
//! copy can be checked in Python `transformers` (`scripts/check_hf_seq2seq.py`):
//!
//! ```text
//! cargo run -p st-models --example save_seq2seq -- t5 fixtures/models/t5-v1_1 /tmp/saved-t5
//! python scripts/check_hf_seq2seq.py /tmp/saved-t5 fixtures/models/t5-v1_1/reference.json
//! cargo run -p st-models --example save_seq2seq -- bart fixtures/models/bart /tmp/saved-bart
//! python scripts/check_hf_seq2seq.py /tmp/saved-bart fixtures/models/bart/reference.json
//! ```
//!
//! `mbart` and `marian` the same way, with their fixtures.

use std::path::Path;

use st_core::backend::DefaultBackend;
use st_models::{Seq2SeqLm, read_config, seq2seq_architecture};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model_type, from, to] = args.as_slice() else {
        return Err("usage: save_seq2seq MODEL_TYPE FROM_DIR TO_DIR".into());
    };
    let (from, to) = (Path::new(from), Path::new(to));
    let layout = seq2seq_architecture(model_type)?.layout();
    let config = read_config(from)?;
    let model = Seq2SeqLm::<DefaultBackend>::load(layout, from, &config, &Default::default())?;
    model.save(&config, to)?;
    println!("saved {} to {}", from.display(), to.display());
    Ok(())
}

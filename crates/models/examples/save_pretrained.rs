//! Load a model directory and save it back with `save_pretrained`, for checking that the
//! saved directory loads in Python `transformers` (`scripts/check_hf_roundtrip.py`):
//!
//! ```text
//! cargo run -p st-models --example save_pretrained -- bert fixtures/models/bert /tmp/saved-bert
//! python scripts/check_hf_roundtrip.py /tmp/saved-bert fixtures/models/bert/reference.json
//! ```

use std::path::Path;

use st_core::args::ModelArgs;
use st_core::backend::DefaultBackend;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model_type, source, output] = args.as_slice() else {
        return Err("usage: save_pretrained MODEL_TYPE SOURCE_DIR OUTPUT_DIR".into());
    };
    let device = Default::default();
    let loaded = st_models::load_encoder::<DefaultBackend>(model_type, Path::new(source), &device)?;
    st_models::save_pretrained(
        &loaded,
        Path::new(source),
        &ModelArgs::default(),
        Path::new(output),
    )?;
    println!("saved {model_type} to {output}");
    Ok(())
}

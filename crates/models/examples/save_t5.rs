//! Load a T5 directory and save it again with this crate's writer, so that the copy can be
//! checked in Python `transformers` (`scripts/check_hf_t5.py`):
//!
//! ```text
//! cargo run -p st-models --example save_t5 -- fixtures/models/t5-v1_1 /tmp/saved-t5
//! python scripts/check_hf_t5.py /tmp/saved-t5 fixtures/models/t5-v1_1/reference.json
//! ```

use std::path::PathBuf;

use st_core::backend::DefaultBackend;
use st_models::{load_t5, read_config, save_t5};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1).map(PathBuf::from);
    let (Some(from), Some(to)) = (args.next(), args.next()) else {
        return Err("usage: save_t5 FROM_DIR TO_DIR".into());
    };
    let (model, _, _) = load_t5::<DefaultBackend>(&from, &Default::default())?;
    save_t5(&model, &read_config(&from)?, &to)?;
    println!("saved {} to {}", from.display(), to.display());
    Ok(())
}

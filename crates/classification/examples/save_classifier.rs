//! Load a `*ForSequenceClassification` directory and save it back, for checking in Python that
//! the saved directory loads in `transformers` (`scripts/check_hf_classification.py`):
//!
//! ```text
//! cargo run -p st-classification --example save_classifier -- bert fixtures/classification/bert /tmp/cls-bert
//! python scripts/check_hf_classification.py /tmp/cls-bert fixtures/classification/bert/reference.json
//! ```

use std::path::Path;

use serde_json::Value;
use st_classification::{LabelConfig, config_num_labels, load_classifier, save_classifier};
use st_core::backend::DefaultBackend;
use st_models::read_config;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model_type, source, output] = args.as_slice() else {
        return Err("usage: save_classifier MODEL_TYPE SOURCE_DIR OUTPUT_DIR".into());
    };
    let source = Path::new(source);
    let config = read_config(source)?;
    let num_labels = config_num_labels(&config).ok_or("config.json declares no labels")?;
    let device = Default::default();
    let loaded = load_classifier::<DefaultBackend>(model_type, source, num_labels, false, &device)?;
    let labels = LabelConfig {
        labels: (0..num_labels)
            .map(|i| {
                config["id2label"][i.to_string()]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("LABEL_{i}"))
            })
            .collect(),
        problem_type: config
            .get("problem_type")
            .and_then(Value::as_str)
            .unwrap_or("single_label_classification")
            .to_string(),
    };
    let output = Path::new(output);
    std::fs::create_dir_all(output)?;
    save_classifier(&loaded.model, &loaded.spec, &labels, output)?;
    st_core::tokenizer::copy_tokenizer_files(source, output)?;
    println!("saved {model_type} classifier to {}", output.display());
    Ok(())
}

//! Training speed of the fused image + text model: MMBT with all-MiniLM-L6-v2 and a ResNet-18
//! (torchvision's initialisation), 4 image embeddings, 64×64 emoji images, batch 16, AdamW at
//! Simple Transformers' defaults, the whole `train_model` loop (images decoded and transformed
//! per batch) over `--steps` batches. `cargo xtask bench` runs it beside
//! `scripts/bench_multimodal_torch.py` (the same model in plain torch, the same images and
//! texts, the same loop).
//!
//! cargo run --release -p st-examples --example multimodal_benchmark -- --model MINILM_DIR \
//!     [--data target/emoji] [--steps N] [--out FILE]

use std::path::PathBuf;
use std::time::Instant;

use serde_json::json;
use st_multimodal::{MultiModalClassificationModel, MultiModalOptions, TaskModel, read_files_list};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let model_dir = flag("--model").ok_or("--model MINILM_DIR is required")?;
    let data = PathBuf::from(flag("--data").unwrap_or("target/emoji".into()));
    let steps: usize = flag("--steps").map_or(Ok(20), |v| v.parse())?;
    let batch = 16;
    let labels: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(data.join("labels.json"))?)?;
    let options = MultiModalOptions {
        label_list: Some(labels),
        overrides: Some(json!({
            "num_train_epochs": 1,
            "train_batch_size": batch,
            "max_seq_length": 32,
            "image_encoder_type": "resnet18",
            "num_image_embeds": 4,
            "image_size": 64,
            "crop_size": 64,
            "data_type_extension": ".json",
            "image_type_extension": ".png",
            "manual_seed": 5,
            "no_save": true,
            "save_steps": -1,
            "save_model_every_epoch": false,
            "overwrite_output_dir": true,
            "output_dir": "target/bench/multimodal",
            "silent": true,
        })),
        ..Default::default()
    };
    let mut model = MultiModalClassificationModel::new("bert", &model_dir, options)?;
    let stems = read_files_list(&data.join("train_files.json"))?;
    let stems = &stems[..(steps * batch).min(stems.len())];
    let train = model.read_data(&data.join("train"), Some(stems), None)?;
    let started = Instant::now();
    model.train_model(&train, None, Default::default())?;
    let seconds = started.elapsed().as_secs_f64();
    let report = json!({
        "train": {
            "images": train.len(),
            "seconds": seconds,
            "images_per_s": train.len() as f64 / seconds,
        },
    });
    println!("{report}");
    if let Some(out) = flag("--out") {
        std::fs::write(out, report.to_string())?;
    }
    Ok(())
}

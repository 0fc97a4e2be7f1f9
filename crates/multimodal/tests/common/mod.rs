//! What the multimodal tests share: the fixture images and models, the arguments of a short
//! run, and four labelled samples.

#![allow(dead_code)] // each test binary uses a different part

use std::path::{Path, PathBuf};

use serde_json::json;
use st_multimodal::{MultiModalExample, MultiModalLabel, MultiModalOptions};
use st_test_support::fixtures;

pub fn images() -> PathBuf {
    fixtures().join("multimodal/images")
}

pub fn bert() -> String {
    fixtures()
        .join("models/bert")
        .to_string_lossy()
        .into_owned()
}

pub fn args(output: &Path, epochs: usize) -> serde_json::Value {
    json!({
        "output_dir": output,
        "overwrite_output_dir": true,
        "num_train_epochs": epochs,
        "train_batch_size": 2,
        "eval_batch_size": 3,
        "learning_rate": 1e-3,
        "manual_seed": 7,
        "num_image_embeds": 2,
        "image_size": 56,
        "crop_size": 48,
        "image_encoder_name": fixtures().join("models/resnet-basic"),
        "save_steps": -1,
        "save_model_every_epoch": false,
        "silent": true,
    })
}

pub fn options(labels: &[&str], args: serde_json::Value) -> MultiModalOptions {
    MultiModalOptions {
        label_list: Some(labels.iter().map(|l| l.to_string()).collect()),
        overrides: Some(args),
        ..Default::default()
    }
}

pub fn sample(text: &str, label: MultiModalLabel, image: &str) -> MultiModalExample {
    MultiModalExample::new(text, label, images().join(image))
}

pub fn class(name: &str) -> MultiModalLabel {
    MultiModalLabel::Class(name.into())
}

pub fn single_label_data() -> Vec<MultiModalExample> {
    vec![
        sample("a grinning face", class("face"), "grinning.png"),
        sample("a sunflower", class("plant"), "sunflower.png"),
        sample("a grey flower", class("plant"), "grey.png"),
        sample("a photo of a face", class("face"), "photo.jpg"),
    ]
}

//! Training resumes from a checkpoint (running statistics included) and ends where an
//! uninterrupted run ends. Alone in its test binary: dropout draws from the backend's one
//! generator, reseeded per batch, which tests training in parallel would share.

use std::path::Path;

use serde_json::json;
use st_multimodal::{
    MultiModalClassificationModel, MultiModalExample, MultiModalLabel, MultiModalOptions,
};
use st_test_support::fixtures;

#[test]
fn training_resumes_from_a_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let images = fixtures().join("multimodal/images");
    let class = |name: &str| MultiModalLabel::Class(name.into());
    let data = vec![
        MultiModalExample::new(
            "a grinning face",
            class("face"),
            images.join("grinning.png"),
        ),
        MultiModalExample::new("a sunflower", class("plant"), images.join("sunflower.png")),
        MultiModalExample::new("a grey flower", class("plant"), images.join("grey.png")),
        MultiModalExample::new("a photo of a face", class("face"), images.join("photo.jpg")),
    ];
    let make = |name: &str, output: &Path| {
        let args = json!({
            "output_dir": output,
            "overwrite_output_dir": true,
            "num_train_epochs": 2,
            "train_batch_size": 2,
            "learning_rate": 1e-3,
            "manual_seed": 7,
            "num_image_embeds": 2,
            "image_size": 56,
            "crop_size": 48,
            "image_encoder_name": fixtures().join("models/resnet-basic"),
            "save_steps": -1,
            "save_model_every_epoch": true,
            "silent": true,
        });
        let options = MultiModalOptions {
            label_list: Some(vec!["face".into(), "plant".into()]),
            overrides: Some(args),
            ..Default::default()
        };
        MultiModalClassificationModel::new("bert", name, options).unwrap()
    };
    let results = st_test_support::resume::check_resume(
        tmp.path(),
        fixtures().join("models/bert").to_str().unwrap(),
        make,
        (&data, &data),
        |(results, _)| results.clone(),
    );
    assert!(results.contains_key("mcc"));
}

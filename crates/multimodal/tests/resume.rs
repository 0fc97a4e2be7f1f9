//! Training resumes from a checkpoint (running statistics included) and ends where an
//! uninterrupted run ends. Alone in its test binary: dropout draws from the backend's one
//! generator, reseeded per batch, which tests training in parallel would share.

mod common;

use std::path::Path;

use common::*;
use serde_json::json;
use st_multimodal::MultiModalClassificationModel;

#[test]
fn training_resumes_from_a_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let data = single_label_data();
    let make = |name: &str, output: &Path| {
        let mut args = args(output, 2);
        args["save_model_every_epoch"] = json!(true);
        MultiModalClassificationModel::new("bert", name, options(&["face", "plant"], args)).unwrap()
    };
    let results = st_test_support::resume::check_resume(
        tmp.path(),
        &bert(),
        make,
        (&data, &data),
        |(results, _)| results.clone(),
    );
    assert!(results.contains_key("mcc"));
}

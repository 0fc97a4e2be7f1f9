//! The base-model fixtures (`fixtures/models/<name>/`) and the shared comparison helpers.
#![allow(dead_code, unused_imports)]

use std::path::PathBuf;

pub use st_test_support::{
    RefTensor, encoder_input, fixtures, gradient, int_matrix, max_abs_diff, parameter,
    relative_error, values,
};

/// A fixture model directory.
pub fn model_dir(name: &str) -> PathBuf {
    fixtures().join("models").join(name)
}

/// `reference.json` of a fixture model.
pub fn reference(name: &str) -> serde_json::Value {
    st_test_support::reference(&model_dir(name))
}

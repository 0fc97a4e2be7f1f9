//! Shared helpers for tests against the PyTorch fixtures in `fixtures/`.
#![allow(dead_code)]

use std::path::PathBuf;

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};
use serde_json::Value;

/// The repository's `fixtures/` directory.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// A fixture model directory.
pub fn model_dir(name: &str) -> PathBuf {
    fixtures().join("models").join(name)
}

/// `reference.json` of a fixture model.
pub fn reference(name: &str) -> Value {
    let path = model_dir(name).join("reference.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `cargo xtask fixtures`)", path.display()));
    serde_json::from_str(&text).expect("reference.json is JSON")
}

/// A `{"shape": [...], "data": [...]}` tensor.
pub struct RefTensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

impl RefTensor {
    pub fn from_json(value: &Value) -> Self {
        let shape = value["shape"]
            .as_array()
            .expect("shape")
            .iter()
            .map(|v| v.as_u64().expect("dim") as usize)
            .collect();
        let data = value["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|v| v.as_f64().expect("number") as f32)
            .collect();
        Self { shape, data }
    }
}

/// A `[rows][cols]` JSON integer matrix as a tensor.
pub fn int_matrix<B: Backend>(value: &Value, device: &B::Device) -> Tensor<B, 2, Int> {
    let rows = value.as_array().expect("matrix");
    let cols = rows[0].as_array().expect("row").len();
    let flat: Vec<i64> = rows
        .iter()
        .flat_map(|r| {
            r.as_array()
                .expect("row")
                .iter()
                .map(|v| v.as_i64().expect("int"))
        })
        .collect();
    Tensor::<B, 1, Int>::from_ints(flat.as_slice(), device).reshape([rows.len(), cols])
}

/// Values of a float tensor.
pub fn values<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data().convert::<f32>().to_vec().expect("f32 data")
}

/// Largest absolute difference.
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "lengths differ");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// ‖a − b‖ / ‖b‖.
pub fn relative_error(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len(), "lengths differ");
    let diff: f64 = a.iter().zip(b).map(|(x, y)| ((x - y) as f64).powi(2)).sum();
    let norm: f64 = b.iter().map(|y| (*y as f64).powi(2)).sum();
    (diff / norm.max(1e-30)).sqrt()
}

//! What the parity tests share: the `fixtures/` directory, `reference.json` values (JSON
//! numbers, integer matrices, `{"shape", "data"}` tensors), encoder inputs built from them, and
//! comparisons (max abs diff for outputs, relative L2 error for gradients, read back in Hugging
//! Face layout). A dev-dependency only.

pub mod resume;

use std::path::{Path, PathBuf};

use burn::optim::GradientsParams;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};
use serde_json::Value;
use st_core::weights::{NamedParameter, transpose_2d};
use st_models::EncoderInput;

/// The repository's `fixtures/` directory.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// `reference.json` of a fixture directory.
pub fn reference(dir: &Path) -> Value {
    let path = dir.join("reference.json");
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
        let shape = ints(&value["shape"])
            .into_iter()
            .map(|d| d as usize)
            .collect();
        Self {
            shape,
            data: floats(&value["data"]),
        }
    }
}

/// Every number of a (nested) JSON array, flattened, as f32.
pub fn floats(v: &Value) -> Vec<f32> {
    match v {
        Value::Array(items) => items.iter().flat_map(floats).collect(),
        Value::Number(n) => vec![n.as_f64().expect("a number") as f32],
        other => panic!("not numeric: {other}"),
    }
}

/// Every integer of a (nested) JSON array, flattened.
pub fn ints(v: &Value) -> Vec<i64> {
    match v {
        Value::Array(items) => items.iter().flat_map(ints).collect(),
        Value::Number(n) => vec![n.as_i64().expect("an integer")],
        other => panic!("not an integer: {other}"),
    }
}

/// A `[rows][cols]` JSON integer matrix as a tensor.
pub fn int_matrix<B: Backend>(v: &Value, device: &B::Device) -> Tensor<B, 2, Int> {
    let rows = v.as_array().expect("a matrix").len();
    let flat = ints(v);
    Tensor::<B, 1, Int>::from_ints(flat.as_slice(), device).reshape([rows, flat.len() / rows])
}

/// The encoder input of a fixture case: `input_ids`, `attention_mask` and, unless null,
/// `token_type_ids`.
pub fn encoder_input<B: Backend>(case: &Value, device: &B::Device) -> EncoderInput<B> {
    EncoderInput {
        input_ids: int_matrix(&case["input_ids"], device),
        attention_mask: int_matrix(&case["attention_mask"], device),
        token_type_ids: case
            .get("token_type_ids")
            .filter(|v| !v.is_null())
            .map(|v| int_matrix(v, device)),
        position_ids: None,
    }
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

/// The gradient of `param` (of rank 1, 2 or 4) in Hugging Face layout: linear weights are stored
/// transposed in Burn and are transposed back. `B` is the inner (non-autodiff) backend.
pub fn gradient<B: Backend>(grads: &GradientsParams, param: &NamedParameter) -> Vec<f32> {
    let name = &param.hf_name;
    let grad = match param.shape.len() {
        1 => values(
            grads
                .get::<B, 1>(param.id)
                .unwrap_or_else(|| panic!("no gradient for {name}")),
        ),
        2 => values(
            grads
                .get::<B, 2>(param.id)
                .unwrap_or_else(|| panic!("no gradient for {name}")),
        ),
        4 => values(
            grads
                .get::<B, 4>(param.id)
                .unwrap_or_else(|| panic!("no gradient for {name}")),
        ),
        r => panic!("{name}: unexpected rank {r}"),
    };
    if param.transposed {
        transpose_2d(&param.shape, &grad)
    } else {
        grad
    }
}

/// The parameter with this Hugging Face name.
pub fn parameter<'a>(names: &'a [NamedParameter], hf_name: &str) -> &'a NamedParameter {
    names
        .iter()
        .find(|p| p.hf_name == hf_name)
        .unwrap_or_else(|| panic!("no parameter named {hf_name}"))
}

/// Check every gradient a fixture records (`reference["grads"]["params"]`: Hugging Face name →
/// tensor) against `grads` of the parameters `names`, within 1e-3 relative error. `B` is the
/// inner backend; `label` names the fixture in messages.
pub fn assert_gradients<B: Backend>(
    grads: &GradientsParams,
    names: &[NamedParameter],
    reference: &Value,
    label: &str,
) {
    for (name, expected) in reference["grads"]["params"].as_object().unwrap() {
        let grad = gradient::<B>(grads, parameter(names, name));
        let error = relative_error(&grad, &floats(&expected["data"]));
        eprintln!("{label}: gradient of {name}: relative error {error:.2e}");
        assert!(error <= 1e-3, "{label}: {name}: {error}");
    }
}

/// [`assert_gradients`] for a map of Hugging Face name → `{"shape", "data"}` gradient.
pub fn assert_gradient_map<B: Backend>(
    grads: &GradientsParams,
    names: &[NamedParameter],
    expected: &Value,
    label: &str,
) {
    for (name, tensor) in expected.as_object().expect("a map of gradients") {
        let grad = gradient::<B>(grads, parameter(names, name));
        let error = relative_error(&grad, &floats(&tensor["data"]));
        eprintln!("{label}: gradient of {name}: relative error {error:.2e}");
        assert!(error <= 1e-3, "{label}: {name}: {error}");
    }
}

/// The gradient of an embedding-sized table `name` against a fixture's summary of it
/// (`{"ids", "rows", "abs_sum"}`: the rows at the ids a batch uses, and the sum of the whole
/// gradient's absolute values), within 1e-3 relative.
pub fn assert_table_gradient<B: Backend>(
    grads: &GradientsParams,
    names: &[NamedParameter],
    name: &str,
    table: &Value,
    label: &str,
) {
    let grad = gradient::<B>(grads, parameter(names, name));
    let expected = RefTensor::from_json(&table["rows"]);
    let width = expected.shape[1];
    let rows: Vec<f32> = ints(&table["ids"])
        .iter()
        .flat_map(|&i| grad[i as usize * width..(i as usize + 1) * width].to_vec())
        .collect();
    let error = relative_error(&rows, &expected.data);
    eprintln!("{label}: gradient rows of {name}: relative error {error:.2e}");
    assert!(error <= 1e-3, "{label}: {name} rows: {error}");
    let abs_sum: f64 = grad.iter().map(|g| g.abs() as f64).sum();
    let expected_sum = table["abs_sum"].as_f64().expect("abs_sum");
    assert!(
        (abs_sum - expected_sum).abs() <= 1e-3 * expected_sum,
        "{label}: {name} |sum| {abs_sum} vs {expected_sum}"
    );
}

/// `generate` with `model` from `state` on `prompts` against one recorded `model.generate`
/// case (`{"name", "kwargs", "sequences", ["sequences_scores"]}`, transformers' rows: the
/// `prompt_len` prompt tokens, the new ones, padding after an end), token for token and scores
/// within 1e-4. Returns the number of sequences compared.
pub fn assert_generate_case<B: Backend, M: st_models::generate::Autoregressive<B>>(
    model: &M,
    state: M::State,
    prompts: &[Vec<u32>],
    prompt_len: usize,
    case: &Value,
    label: &str,
) -> usize {
    use st_models::generate::{GenerationConfig, generate};
    let config: GenerationConfig =
        serde_json::from_value(case["kwargs"].clone()).expect("generation kwargs");
    let out = generate(model, state, prompts, &config).expect("generate");
    let expected: Vec<Vec<i64>> =
        serde_json::from_value(case["sequences"].clone()).expect("sequences");
    let per_prompt = config.num_return_sequences;
    assert_eq!(expected.len(), prompts.len() * per_prompt, "{label}");
    for (i, want) in expected.iter().enumerate() {
        let mut new: Vec<u32> = want[prompt_len..].iter().map(|&t| t as u32).collect();
        match new.iter().position(|t| config.eos_token_id.contains(t)) {
            Some(end) => new.truncate(end + 1),
            None => {
                while new.last() == Some(&config.pad()) {
                    new.pop();
                }
            }
        }
        let got = &out[i / per_prompt][i % per_prompt];
        assert_eq!(got.tokens, new, "{label}: sequence {i}");
        if let Some(scores) = case["sequences_scores"].as_array() {
            let want = scores[i].as_f64().expect("a score") as f32;
            let score = got.score.expect("beam search scores its sequences");
            assert!(
                (score - want).abs() <= 1e-4,
                "{label}: sequence {i}: score {score} vs {want}"
            );
        }
    }
    expected.len()
}

/// One test module per fixture, each running the named checks (functions of the calling file
/// taking `(fixture, model_type)`) as tests of the same name:
///
/// ```ignore
/// st_test_support::parity_tests! {
///     checks: [check_logits, check_loss_and_gradients];
///     bert: "bert" as "bert";
///     xlm_roberta: "xlm-roberta" as "xlmroberta";
/// }
/// ```
#[macro_export]
macro_rules! parity_tests {
    (checks: $checks:tt; $($name:ident: $fixture:literal as $model_type:literal;)*) => {$(
        mod $name {
            $crate::parity_tests!(@checks $fixture, $model_type, $checks);
        }
    )*};
    (@checks $fixture:literal, $model_type:literal, [$($check:ident),+ $(,)?]) => {$(
        #[test]
        fn $check() {
            super::$check($fixture, $model_type);
        }
    )+};
}

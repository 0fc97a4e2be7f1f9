//! GPT-2 against PyTorch on the tiny random fixture (`fixtures/models/gpt2`, GPT-2's real
//! tokenizer; `scripts/make_gpt2_fixtures.py`): logits of a left-padded batch, the causal-LM
//! loss and its gradients, and a saved copy that reloads with the same logits.

use burn::optim::GradientsParams;
use serde_json::Value;
use st_core::backend::{DefaultBackend, TrainBackend};
use st_core::weights::named_parameters;
use st_models::loss::causal_lm_loss;
use st_models::{DecoderSpec, Gpt2LmHead, load_decoder, save_decoder};
use st_test_support::{
    RefTensor, fixtures, gradient, int_matrix, parameter, relative_error, values,
};

const FORWARD_TOL: f32 = 1e-4;
const GRAD_TOL: f64 = 1e-3;

fn dir() -> std::path::PathBuf {
    fixtures().join("models/gpt2")
}

fn reference() -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir().join("reference.json")).unwrap()).unwrap()
}

fn load<B: burn::tensor::backend::Backend>(dir: &std::path::Path) -> (Gpt2LmHead<B>, DecoderSpec) {
    let spec = DecoderSpec::read("gpt2", dir).unwrap();
    let (model, report) = load_decoder::<B>(&spec, dir, &Default::default()).unwrap();
    assert!(report.missing.is_empty());
    (model, spec)
}

/// Max abs difference of our logits `[rows, seq, vocab]` against the reference's, at real
/// (unpadded) positions: the first 512 tokens exactly, every token through the row sums, and
/// the whole vocabulary at the last position.
fn check_logits(logits: &[f32], reference: &Value, vocab: usize) -> f32 {
    let mask: Vec<Vec<i64>> =
        serde_json::from_value(reference["batch"]["attention_mask"].clone()).unwrap();
    let slice = RefTensor::from_json(&reference["logits_slice"]);
    let sums = RefTensor::from_json(&reference["logits_row_sums"]);
    let squares = RefTensor::from_json(&reference["logits_row_sq_sums"]);
    let last = RefTensor::from_json(&reference["last_logits"]);
    let (rows, seq, width) = (slice.shape[0], slice.shape[1], slice.shape[2]);
    let mut worst = 0.0f32;
    for r in 0..rows {
        for t in (0..seq).filter(|&t| mask[r][t] == 1) {
            let ours = &logits[(r * seq + t) * vocab..(r * seq + t + 1) * vocab];
            let theirs = &slice.data[(r * seq + t) * width..(r * seq + t + 1) * width];
            for (a, b) in ours[..width].iter().zip(theirs) {
                worst = worst.max((a - b).abs());
            }
            let sum: f64 = ours.iter().map(|&x| x as f64).sum();
            let sq: f64 = ours.iter().map(|&x| (x as f64) * (x as f64)).sum();
            let i = r * seq + t;
            // Sums over 50,257 logits: compared relative to their size.
            assert!(
                (sum - sums.data[i] as f64).abs()
                    <= 1e-4 * (sums.data[i].abs() as f64).max(vocab as f64 * 1e-3),
                "row {r} t {t}: sum {sum} vs {}",
                sums.data[i]
            );
            assert!(
                (sq - squares.data[i] as f64).abs() <= 1e-5 * squares.data[i] as f64,
                "row {r} t {t}: squares"
            );
        }
        let ours = &logits[(r * seq + seq - 1) * vocab..(r * seq + seq) * vocab];
        for (a, b) in ours.iter().zip(&last.data[r * vocab..(r + 1) * vocab]) {
            worst = worst.max((a - b).abs());
        }
    }
    worst
}

#[test]
fn logits_of_a_left_padded_batch_equal_pytorch() {
    type B = DefaultBackend;
    let reference = reference();
    let (model, spec) = load::<B>(&dir());
    let device = Default::default();
    let ids = int_matrix::<B>(&reference["batch"]["input_ids"], &device);
    let mask = int_matrix::<B>(&reference["batch"]["attention_mask"], &device);
    let logits = values(model.forward(ids, mask, None));
    let worst = check_logits(&logits, &reference, spec.config.vocab_size);
    eprintln!("gpt2 logits: max abs diff {worst:.2e}");
    assert!(worst <= FORWARD_TOL, "max abs diff {worst}");
}

/// The loss and gradients of `case` (labels, loss, grads, wte rows): the batch's labels
/// (which, as transformers shifts them, also score the first real token from the pad before
/// it) and `real_targets_only` (real positions only).
fn check_loss(case: &Value, reference: &Value) {
    type B = TrainBackend;
    let (model, spec) = load::<B>(&dir());
    let device = Default::default();
    let batch = &reference["batch"];
    let logits = model.forward(
        int_matrix::<B>(&batch["input_ids"], &device),
        int_matrix::<B>(&batch["attention_mask"], &device),
        None,
    );
    let loss = causal_lm_loss(logits, int_matrix::<B>(&case["labels"], &device), -100);
    let value = values(loss.clone())[0];
    let expected = case["loss"].as_f64().unwrap() as f32;
    assert!(
        (value - expected).abs() <= 1e-4,
        "loss {value} vs {expected}"
    );

    let grads = GradientsParams::from_grads(loss.backward(), &model);
    let names = named_parameters(&model, spec.arch.name_map().as_ref(), true);
    for (hf_name, expected) in case["grads"].as_object().unwrap() {
        let expected = RefTensor::from_json(expected);
        let (name, rows) = match hf_name.split_once("[:") {
            Some((name, rows)) => (name, rows.trim_end_matches(']').parse::<usize>().ok()),
            None => (hf_name.as_str(), None),
        };
        let mut grad = gradient::<DefaultBackend>(&grads, parameter(&names, name));
        if let Some(rows) = rows {
            grad.truncate(rows * expected.shape[1]);
        }
        let error = relative_error(&grad, &expected.data);
        eprintln!("gradient of {hf_name}: relative error {error:.2e}");
        assert!(error <= GRAD_TOL, "gradient of {hf_name}: {error}");
    }
    // The tied table: its gradient sums the embedding's and the head's.
    let wte = gradient::<DefaultBackend>(&grads, parameter(&names, "transformer.wte.weight"));
    let rows = &case["wte_grad_rows"];
    let ids: Vec<usize> = serde_json::from_value(rows["ids"].clone()).unwrap();
    let expected = RefTensor::from_json(&rows["rows"]);
    let ours: Vec<f32> = ids
        .iter()
        .flat_map(|&i| wte[i * 16..(i + 1) * 16].to_vec())
        .collect();
    let error = relative_error(&ours, &expected.data);
    assert!(error <= GRAD_TOL, "wte rows: {error}");
    let abs_sum: f64 = wte.iter().map(|g| g.abs() as f64).sum();
    let expected_sum = case["wte_grad_abs_sum"].as_f64().unwrap();
    assert!(
        (abs_sum - expected_sum).abs() <= 1e-3 * expected_sum,
        "{abs_sum} vs {expected_sum}"
    );
}

#[test]
fn loss_and_gradients_equal_pytorch() {
    let reference = reference();
    let labelled = serde_json::json!({
        "labels": reference["batch"]["labels"],
        "loss": reference["loss"],
        "grads": reference["grads"],
        "wte_grad_rows": reference["wte_grad_rows"],
        "wte_grad_abs_sum": reference["wte_grad_abs_sum"],
    });
    check_loss(&labelled, &reference);
    check_loss(&reference["real_targets_only"], &reference);
}

#[test]
fn a_saved_copy_reloads_with_the_same_logits() {
    type B = DefaultBackend;
    let reference = reference();
    let (model, spec) = load::<B>(&dir());
    let tmp = tempfile::tempdir().unwrap();
    save_decoder(&model, &spec, tmp.path()).unwrap();
    let (reloaded, spec) = load::<B>(tmp.path());
    let device = Default::default();
    let logits = values(reloaded.forward(
        int_matrix::<B>(&reference["batch"]["input_ids"], &device),
        int_matrix::<B>(&reference["batch"]["attention_mask"], &device),
        None,
    ));
    assert!(check_logits(&logits, &reference, spec.config.vocab_size) <= FORWARD_TOL);
}

#[test]
fn a_base_gpt2model_checkpoint_loads_with_the_head_tied_to_its_embeddings() {
    // `GPT2Model.save_pretrained` stores the same tensors without the `transformer.` prefix.
    type B = DefaultBackend;
    let reference = reference();
    let tmp = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(dir().join("model.safetensors")).unwrap();
    let tensors = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let renamed: Vec<(String, safetensors::tensor::TensorView<'_>)> = tensors
        .tensors()
        .into_iter()
        .map(|(name, view)| (name.trim_start_matches("transformer.").to_string(), view))
        .collect();
    safetensors::serialize_to_file(renamed, None, &tmp.path().join("model.safetensors")).unwrap();
    std::fs::copy(dir().join("config.json"), tmp.path().join("config.json")).unwrap();
    let (model, spec) = load::<B>(tmp.path());
    let device = Default::default();
    let logits = values(model.forward(
        int_matrix::<B>(&reference["batch"]["input_ids"], &device),
        int_matrix::<B>(&reference["batch"]["attention_mask"], &device),
        None,
    ));
    assert!(check_logits(&logits, &reference, spec.config.vocab_size) <= FORWARD_TOL);
}

//! BART against PyTorch on the tiny random fixture (`scripts/make_bart_fixtures.py`): encoder
//! states, logits, the loss and its gradients; `final_logits_bias` loaded and not trained.

use burn::optim::GradientsParams;
use serde_json::Value;
use st_core::backend::{DefaultBackend, TrainBackend};
use st_core::weights::named_parameters;
use st_models::{BartForConditionalGeneration, BartNames, load_bart};
use st_test_support::{
    RefTensor, fixtures, gradient, int_matrix, ints, max_abs_diff, parameter, reference,
    relative_error, values,
};

const FORWARD_TOL: f32 = 1e-4;
const GRAD_TOL: f64 = 1e-3;

fn load<B: burn::tensor::backend::Backend>() -> (BartForConditionalGeneration<B>, Value) {
    let dir = fixtures().join("models/bart");
    let (model, _, report) = load_bart::<B>(&dir, &Default::default()).unwrap();
    assert!(report.missing.is_empty(), "missing {:?}", report.missing);
    assert!(
        report.unexpected.is_empty(),
        "unexpected {:?}",
        report.unexpected
    );
    (model, reference(&dir))
}

#[test]
fn encoder_states_logits_and_loss_equal_pytorch() {
    type B = DefaultBackend;
    let (model, reference) = load::<B>();
    let device = Default::default();
    let batch = &reference["batch"];
    let input_ids = int_matrix::<B>(&batch["input_ids"], &device);
    let mask = int_matrix::<B>(&batch["attention_mask"], &device);
    let labels = int_matrix::<B>(&batch["labels"], &device);
    let shifted = st_models::seq2seq::shift_right(
        labels.clone(),
        model.decoder_start_token_id,
        model.pad_token_id,
    );
    let expected: Vec<f32> = ints(&batch["decoder_input_ids"])
        .iter()
        .map(|&i| i as f32)
        .collect();
    assert_eq!(values(shifted.float()), expected, "decoder inputs");

    let encoded = values(model.encode(input_ids.clone(), mask.clone()));
    let diff = max_abs_diff(
        &encoded,
        &RefTensor::from_json(&reference["encoder_hidden"]).data,
    );
    eprintln!("bart: encoder states max abs diff {diff:.2e}");
    assert!(diff <= FORWARD_TOL, "encoder states {diff}");

    let (logits, loss) = model.forward_with_labels(input_ids, mask, labels);
    let diff = max_abs_diff(
        &values(logits),
        &RefTensor::from_json(&reference["logits"]).data,
    );
    eprintln!("bart: logits max abs diff {diff:.2e}");
    assert!(diff <= FORWARD_TOL, "logits {diff}");
    let (loss, expected) = (values(loss)[0], reference["loss"].as_f64().unwrap() as f32);
    assert!((loss - expected).abs() <= 1e-4, "loss {loss} vs {expected}");
}

#[test]
fn loss_gradients_equal_pytorch_and_the_logits_bias_is_not_trained() {
    type B = TrainBackend;
    let (model, reference) = load::<B>();
    let device = Default::default();
    let batch = &reference["batch"];
    let (_, loss) = model.forward_with_labels(
        int_matrix::<B>(&batch["input_ids"], &device),
        int_matrix::<B>(&batch["attention_mask"], &device),
        int_matrix::<B>(&batch["labels"], &device),
    );
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    let names = named_parameters(&model, &BartNames, false);
    for (hf_name, expected) in reference["grads"].as_object().unwrap() {
        let grad = gradient::<DefaultBackend>(&grads, parameter(&names, hf_name));
        let error = relative_error(&grad, &RefTensor::from_json(expected).data);
        eprintln!("bart: gradient of {hf_name}: relative error {error:.2e}");
        assert!(error <= GRAD_TOL, "gradient of {hf_name}: {error}");
    }
    let table = &reference["table_grads"]["model.shared.weight"];
    let grad = gradient::<DefaultBackend>(&grads, parameter(&names, "model.shared.weight"));
    let expected = RefTensor::from_json(&table["rows"]);
    let width = expected.shape[1];
    let rows: Vec<f32> = ints(&table["ids"])
        .iter()
        .flat_map(|&i| grad[i as usize * width..(i as usize + 1) * width].to_vec())
        .collect();
    let error = relative_error(&rows, &expected.data);
    eprintln!("bart: gradient rows of model.shared.weight: relative error {error:.2e}");
    assert!(error <= GRAD_TOL, "shared rows: {error}");
    let abs_sum: f64 = grad.iter().map(|g| g.abs() as f64).sum();
    let expected_sum = table["abs_sum"].as_f64().unwrap();
    assert!(
        (abs_sum - expected_sum).abs() <= GRAD_TOL * expected_sum,
        "|sum| {abs_sum} vs {expected_sum}"
    );
    let bias = parameter(&names, "final_logits_bias");
    assert!(
        grads.get::<DefaultBackend, 2>(bias.id).is_none(),
        "final_logits_bias got a gradient"
    );
}

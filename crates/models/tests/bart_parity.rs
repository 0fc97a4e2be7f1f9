//! BART against PyTorch on the tiny random fixture (`scripts/make_bart_fixtures.py`): encoder
//! states, logits, the loss and its gradients; `final_logits_bias` loaded and not trained;
//! greedy and beam search through the shared engine against `model.generate`.

use burn::optim::GradientsParams;
use serde_json::Value;
use st_core::backend::{DefaultBackend, TrainBackend};
use st_core::weights::named_parameters;
use st_models::{BartForConditionalGeneration, BartNames, EncoderDecoder, load_bart};
use st_test_support::{
    RefTensor, assert_generate_case, assert_gradient_map, assert_table_gradient, fixtures,
    int_matrix, ints, max_abs_diff, parameter, reference, values,
};

const FORWARD_TOL: f32 = 1e-4;

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
    let shifted = model.decoder_inputs(labels.clone());
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
    assert_gradient_map::<DefaultBackend>(&grads, &names, &reference["grads"], "bart");
    let table = &reference["table_grads"]["model.shared.weight"];
    assert_table_gradient::<DefaultBackend>(&grads, &names, "model.shared.weight", table, "bart");
    let bias = parameter(&names, "final_logits_bias");
    assert!(
        grads.get::<DefaultBackend, 2>(bias.id).is_none(),
        "final_logits_bias got a gradient"
    );
}

#[test]
fn greedy_and_beam_search_equal_transformers_generate() {
    type B = DefaultBackend;
    let (model, reference) = load::<B>();
    let device = Default::default();
    let batch = &reference["batch"];
    let input_ids = int_matrix::<B>(&batch["input_ids"], &device);
    let inputs = input_ids.dims()[0];
    for case in reference["generate"].as_array().unwrap() {
        let label = format!("bart {}", case["name"].as_str().unwrap());
        // BART's generation defaults: `<s>` forced after the start token, `</s>` at the limit.
        assert_eq!(case["kwargs"]["forced_bos_token_id"], 0, "{label}");
        assert_eq!(case["kwargs"]["forced_eos_token_id"], 2, "{label}");
        let state = model.start(
            input_ids.clone(),
            int_matrix::<B>(&batch["attention_mask"], &device),
        );
        let prompts = model.decoder_prompts(inputs);
        let compared = assert_generate_case(&model, state, &prompts, 1, case, &label);
        eprintln!("{label}: {compared} sequences equal");
    }
}

//! BERT2BERT (`EncoderDecoderModel` of two BERTs) against PyTorch on the tiny random fixture
//! (`scripts/make_bert2bert_fixtures.py`): decoder inputs, encoder states, logits, the loss and
//! its gradients; greedy and beam search through the shared engine against `model.generate`;
//! and the same model assembled from two BERT directories.

use burn::optim::GradientsParams;
use serde_json::Value;
use st_core::backend::{DefaultBackend, TrainBackend};
use st_core::weights::named_parameters;
use st_models::EncoderDecoder;
use st_models::seq2seq::bert2bert::{
    Bert2Bert, Bert2BertNames, load_bert2bert, load_bert2bert_pair,
};
use st_test_support::{
    RefTensor, assert_generate_case, assert_gradient_map, assert_table_gradient, fixtures,
    int_matrix, ints, max_abs_diff, reference, values,
};

const FORWARD_TOL: f32 = 1e-4;

fn load<B: burn::tensor::backend::Backend>() -> (Bert2Bert<B>, Value) {
    let dir = fixtures().join("models/bert2bert");
    let config = st_models::read_config(&dir).unwrap();
    let (model, report) = load_bert2bert::<B>(&dir, &config, &Default::default()).unwrap();
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
    let shifted = values(model.decoder_inputs(labels.clone()).float());
    let expected: Vec<f32> = ints(&batch["decoder_input_ids"])
        .iter()
        .map(|&i| i as f32)
        .collect();
    assert_eq!(shifted, expected, "decoder inputs");
    let encoded = values(model.encode(input_ids.clone(), mask.clone()));
    let diff = max_abs_diff(
        &encoded,
        &RefTensor::from_json(&reference["encoder_hidden"]).data,
    );
    eprintln!("bert2bert: encoder states max abs diff {diff:.2e}");
    assert!(diff <= FORWARD_TOL, "encoder states {diff}");
    let (logits, loss) = model.forward_with_labels(input_ids, mask, labels);
    let diff = max_abs_diff(
        &values(logits),
        &RefTensor::from_json(&reference["logits"]).data,
    );
    eprintln!("bert2bert: logits max abs diff {diff:.2e}");
    assert!(diff <= FORWARD_TOL, "logits {diff}");
    let (loss, expected) = (values(loss)[0], reference["loss"].as_f64().unwrap() as f32);
    assert!((loss - expected).abs() <= 1e-4, "loss {loss} vs {expected}");
}

#[test]
fn loss_gradients_equal_pytorch() {
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
    let names = named_parameters(&model, &Bert2BertNames, false);
    assert_gradient_map::<DefaultBackend>(&grads, &names, &reference["grads"], "bert2bert");
    let table_name = "decoder.bert.embeddings.word_embeddings.weight";
    let table = &reference["table_grads"][table_name];
    assert_table_gradient::<DefaultBackend>(&grads, &names, table_name, table, "bert2bert");
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
        let label = format!("bert2bert {}", case["name"].as_str().unwrap());
        let state = model.start(
            input_ids.clone(),
            int_matrix::<B>(&batch["attention_mask"], &device),
        );
        let prompts = model.decoder_prompts(inputs);
        let compared = assert_generate_case(&model, state, &prompts, 1, case, &label);
        eprintln!("{label}: {compared} sequences equal");
    }
}

#[test]
fn two_bert_directories_make_an_encoder_decoder_with_fresh_cross_attention() {
    type B = DefaultBackend;
    let bert = fixtures().join("models/bert");
    let (model, config) =
        load_bert2bert_pair::<B>(&bert, &bert, Some(2), &Default::default()).unwrap();
    assert_eq!(model.decoder_start_token_id, 2, "the tokenizer's [CLS]");
    assert_eq!(config["model_type"], "encoder-decoder");
    assert_eq!(config["decoder"]["add_cross_attention"], true);
    assert!(
        model.encoder.pooler.is_some(),
        "the BERT checkpoint has a pooler"
    );
    // The decoder's base weights are the BERT's own.
    let table = |t: &burn::nn::Embedding<B>| values(t.weight.val());
    assert_eq!(
        table(&model.encoder.embeddings.word_embeddings),
        table(&model.decoder.embeddings.word_embeddings)
    );
}

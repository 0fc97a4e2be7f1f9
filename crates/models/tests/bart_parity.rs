//! BART, mBART and Marian against PyTorch on their tiny random fixtures
//! (`scripts/make_bart_fixtures.py`): the decoder inputs made from the labels (mBART's start
//! from their language code), encoder states, logits, the loss and its gradients;
//! `final_logits_bias` (and Marian's fixed positions) loaded and not trained; greedy and beam
//! search through the shared engine against `model.generate`; Marian's two converted
//! SentencePiece tokenizers against MarianTokenizer's ids.

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

const FLAVORS: [&str; 3] = ["bart", "mbart", "marian"];

fn load<B: burn::tensor::backend::Backend>(name: &str) -> (BartForConditionalGeneration<B>, Value) {
    let dir = fixtures().join("models").join(name);
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
    for name in FLAVORS {
        forward_equals_pytorch(name);
    }
}

fn forward_equals_pytorch(name: &str) {
    type B = DefaultBackend;
    let (model, reference) = load::<B>(name);
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
    assert_eq!(values(shifted.float()), expected, "{name}: decoder inputs");

    let encoded = values(model.encode(input_ids.clone(), mask.clone()));
    let diff = max_abs_diff(
        &encoded,
        &RefTensor::from_json(&reference["encoder_hidden"]).data,
    );
    eprintln!("{name}: encoder states max abs diff {diff:.2e}");
    assert!(diff <= FORWARD_TOL, "{name}: encoder states {diff}");

    let (logits, loss) = model.forward_with_labels(input_ids, mask, labels);
    let diff = max_abs_diff(
        &values(logits),
        &RefTensor::from_json(&reference["logits"]).data,
    );
    eprintln!("{name}: logits max abs diff {diff:.2e}");
    assert!(diff <= FORWARD_TOL, "{name}: logits {diff}");
    let (loss, expected) = (values(loss)[0], reference["loss"].as_f64().unwrap() as f32);
    assert!(
        (loss - expected).abs() <= 1e-4,
        "{name}: loss {loss} vs {expected}"
    );
}

#[test]
fn loss_gradients_equal_pytorch_and_the_logits_bias_is_not_trained() {
    for name in FLAVORS {
        gradients_equal_pytorch(name);
    }
}

fn gradients_equal_pytorch(name: &str) {
    type B = TrainBackend;
    let (model, reference) = load::<B>(name);
    let device = Default::default();
    let batch = &reference["batch"];
    let (_, loss) = model.forward_with_labels(
        int_matrix::<B>(&batch["input_ids"], &device),
        int_matrix::<B>(&batch["attention_mask"], &device),
        int_matrix::<B>(&batch["labels"], &device),
    );
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    let names = named_parameters(&model, &BartNames, false);
    assert_gradient_map::<DefaultBackend>(&grads, &names, &reference["grads"], name);
    let table = &reference["table_grads"]["model.shared.weight"];
    assert_table_gradient::<DefaultBackend>(&grads, &names, "model.shared.weight", table, name);
    let mut frozen = vec!["final_logits_bias"];
    if name == "marian" {
        frozen.extend([
            "model.encoder.embed_positions.weight",
            "model.decoder.embed_positions.weight",
        ]);
    }
    for frozen in frozen {
        let param = parameter(&names, frozen);
        assert!(
            grads.get::<DefaultBackend, 2>(param.id).is_none(),
            "{name}: {frozen} got a gradient"
        );
    }
}

#[test]
fn greedy_and_beam_search_equal_transformers_generate() {
    for name in FLAVORS {
        generate_equals_transformers(name);
    }
}

fn generate_equals_transformers(name: &str) {
    type B = DefaultBackend;
    let (model, reference) = load::<B>(name);
    let device = Default::default();
    let batch = &reference["batch"];
    let input_ids = int_matrix::<B>(&batch["input_ids"], &device);
    let inputs = input_ids.dims()[0];
    for case in reference["generate"].as_array().unwrap() {
        let label = format!("{name} {}", case["name"].as_str().unwrap());
        // The generation defaults: `</s>` forced at the limit, and for BART `<s>` forced after
        // the start token.
        assert_eq!(
            case["kwargs"]["forced_eos_token_id"], case["kwargs"]["eos_token_id"],
            "{label}"
        );
        if name == "bart" {
            assert_eq!(case["kwargs"]["forced_bos_token_id"], 0, "{label}");
        }
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
fn marian_source_and_target_tokenizers_give_marian_tokenizer_ids() {
    use st_core::tokenizer::{MARIAN_TARGET_TOKENIZER, Tokenizer, TokenizerOptions};
    let dir = fixtures().join("models/marian");
    let reference = reference(&dir);
    let source = Tokenizer::from_dir(&dir, &TokenizerOptions::default()).unwrap();
    let target_options = TokenizerOptions {
        json_file: Some(MARIAN_TARGET_TOKENIZER.into()),
        ..Default::default()
    };
    let target = Tokenizer::from_dir(&dir, &target_options).unwrap();
    let (batch, texts) = (&reference["batch"], &reference["texts"]);
    let pad = source.pad_id() as i64;
    for (side, tokenizer, key, ids) in [
        ("source", &source, "input_text", &batch["input_ids"]),
        ("target", &target, "target_text", &batch["labels"]),
    ] {
        let rows = ids.as_array().unwrap();
        for (text, row) in texts[key].as_array().unwrap().iter().zip(rows) {
            let text = text.as_str().unwrap();
            let want: Vec<u32> = ints(row)
                .into_iter()
                .filter(|&id| id >= 0 && id != pad)
                .map(|id| id as u32)
                .collect();
            let got = tokenizer.encode(text.into(), 512).unwrap();
            assert_eq!(got.get_ids(), &want[..], "{side} {text:?}");
            let decoded = tokenizer.decode(&want, true).unwrap();
            assert_eq!(decoded, text, "{side} decodes {want:?}");
        }
    }
}

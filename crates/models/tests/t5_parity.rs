//! T5 against PyTorch on the tiny random fixtures (`scripts/make_t5_fixtures.py`): `t5` (v1.0:
//! ReLU, head tied to `shared`, scaled decoder output) and `t5-v1_1` (gated GELU, untied head,
//! a deeper decoder). Encoder states, logits, the loss and its gradients, and the relative
//! position buckets.

use burn::optim::GradientsParams;
use serde_json::Value;
use st_core::backend::{DefaultBackend, TrainBackend};
use st_core::weights::named_parameters;
use st_models::seq2seq::t5::position::relative_position_bucket;
use st_models::{EncoderDecoder, T5Config, T5ForConditionalGeneration, T5Names, load_t5, save_t5};
use st_test_support::{
    RefTensor, assert_generate_case, assert_gradient_map, assert_table_gradient, fixtures,
    int_matrix, ints, max_abs_diff, reference, values,
};

const FORWARD_TOL: f32 = 1e-4;
const FIXTURES: [&str; 2] = ["t5", "t5-v1_1"];

fn load<B: burn::tensor::backend::Backend>(
    name: &str,
) -> (T5ForConditionalGeneration<B>, T5Config, Value) {
    let dir = fixtures().join("models").join(name);
    let (model, config, report) = load_t5::<B>(&dir, &Default::default()).unwrap();
    assert!(
        report.missing.is_empty(),
        "{name}: missing {:?}",
        report.missing
    );
    assert!(
        report.unexpected.is_empty(),
        "{name}: unexpected {:?}",
        report.unexpected
    );
    (model, config, reference(&dir))
}

#[test]
fn the_configs_read_as_transformers_reads_them() {
    let (tied, config, _) = load::<DefaultBackend>("t5");
    assert!(tied.lm_head.is_none() && config.scale_decoder_outputs && !config.gated);
    let (untied, config, _) = load::<DefaultBackend>("t5-v1_1");
    assert!(untied.lm_head.is_some() && !config.scale_decoder_outputs && config.gated);
    assert_eq!((config.num_layers, config.num_decoder_layers), (2, 3));
}

#[test]
fn relative_position_buckets_equal_transformers() {
    for name in FIXTURES {
        let (_, config, reference) = load::<DefaultBackend>(name);
        let buckets = &reference["buckets"];
        let relative = ints(&buckets["relative_positions"]);
        for (direction, bidirectional) in [("bidirectional", true), ("causal", false)] {
            let ours: Vec<i64> = relative
                .iter()
                .map(|&r| {
                    relative_position_bucket(
                        r,
                        bidirectional,
                        config.relative_attention_num_buckets,
                        config.relative_attention_max_distance,
                    ) as i64
                })
                .collect();
            assert_eq!(ours, ints(&buckets[direction]), "{name} {direction}");
        }
    }
}

#[test]
fn encoder_states_and_logits_equal_pytorch() {
    type B = DefaultBackend;
    for name in FIXTURES {
        let (model, _, reference) = load::<B>(name);
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
        assert_eq!(shifted, expected, "{name}: decoder inputs");

        let encoded = model.encode(input_ids.clone(), mask.clone());
        let diff = max_abs_diff(
            &values(encoded),
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
}

#[test]
fn loss_gradients_equal_pytorch() {
    type B = TrainBackend;
    for name in FIXTURES {
        let (model, _, reference) = load::<B>(name);
        let device = Default::default();
        let batch = &reference["batch"];
        let (_, loss) = model.forward_with_labels(
            int_matrix::<B>(&batch["input_ids"], &device),
            int_matrix::<B>(&batch["attention_mask"], &device),
            int_matrix::<B>(&batch["labels"], &device),
        );
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let names = named_parameters(&model, &T5Names, false);
        assert_gradient_map::<DefaultBackend>(&grads, &names, &reference["grads"], name);
        for (hf_name, table) in reference["table_grads"].as_object().unwrap() {
            assert_table_gradient::<DefaultBackend>(&grads, &names, hf_name, table, name);
        }
    }
}

/// The decoding engine over T5 (encoder run once, cross-attention keys and values computed
/// once, the self-attention cache reordered by beams) against `model.generate`.
#[test]
fn greedy_and_beam_search_equal_transformers_generate() {
    type B = DefaultBackend;
    for name in FIXTURES {
        let (model, _, reference) = load::<B>(name);
        let device = Default::default();
        let batch = &reference["batch"];
        let input_ids = int_matrix::<B>(&batch["input_ids"], &device);
        let inputs = input_ids.dims()[0];
        for case in reference["generate"].as_array().unwrap() {
            let label = format!("{name} {}", case["name"].as_str().unwrap());
            let state = model.start(
                input_ids.clone(),
                int_matrix::<B>(&batch["attention_mask"], &device),
            );
            let prompts = model.decoder_prompts(inputs);
            let compared = assert_generate_case(&model, state, &prompts, 1, case, &label);
            eprintln!("{label}: {compared} sequences equal");
        }
    }
}

#[test]
fn a_saved_copy_reloads_with_the_same_logits_and_head() {
    type B = DefaultBackend;
    for name in FIXTURES {
        let (model, config, reference) = load::<B>(name);
        let tmp = tempfile::tempdir().unwrap();
        let hf_config = st_models::read_config(&fixtures().join("models").join(name)).unwrap();
        save_t5(&model, &hf_config, tmp.path()).unwrap();
        let (reloaded, config_again, report) =
            load_t5::<B>(tmp.path(), &Default::default()).unwrap();
        assert!(
            report.missing.is_empty() && report.unexpected.is_empty(),
            "{name}"
        );
        assert_eq!(config_again, config, "{name}: config");
        assert_eq!(
            reloaded.lm_head.is_some(),
            model.lm_head.is_some(),
            "{name}: head"
        );
        let device = Default::default();
        let batch = &reference["batch"];
        let (logits, _) = reloaded.forward_with_labels(
            int_matrix::<B>(&batch["input_ids"], &device),
            int_matrix::<B>(&batch["attention_mask"], &device),
            int_matrix::<B>(&batch["labels"], &device),
        );
        let diff = max_abs_diff(
            &values(logits),
            &RefTensor::from_json(&reference["logits"]).data,
        );
        assert!(diff <= FORWARD_TOL, "{name}: reloaded logits {diff}");
    }
}

/// T5's tokenizer as transformers converts a real SentencePiece model (sentencepiece's
/// `botchan_en_unigram_1000.model`): ids with `</s>` appended, sentinels, padding, decoding.
#[test]
fn the_converted_sentencepiece_tokenizer_equals_transformers() {
    use st_core::tokenizer::{TextInput, Tokenizer, TokenizerOptions};
    for name in FIXTURES {
        let dir = fixtures().join("models").join(name);
        let tokenizer = Tokenizer::from_dir(&dir, &TokenizerOptions::default()).unwrap();
        let expected = &reference(&dir)["tokenizer"];
        assert_eq!(
            tokenizer.pad_id() as u64,
            expected["pad_token_id"].as_u64().unwrap()
        );
        for (sentinel, id) in expected["sentinels"].as_object().unwrap() {
            assert_eq!(
                tokenizer.token_to_id(sentinel).map(u64::from),
                id.as_u64(),
                "{sentinel}"
            );
        }
        let texts = expected["texts"].as_array().unwrap();
        let ids: Vec<Vec<i64>> = serde_json::from_value(expected["ids"].clone()).unwrap();
        for ((text, want), decoded) in texts
            .iter()
            .zip(&ids)
            .zip(expected["decoded"].as_array().unwrap())
        {
            let text = text.as_str().unwrap();
            let encoding = tokenizer.encode(TextInput::Single(text), 512).unwrap();
            let got: Vec<i64> = encoding.get_ids().iter().map(|&i| i as i64).collect();
            assert_eq!(&got, want, "{name}: ids of {text:?}");
            let back = tokenizer.decode(encoding.get_ids(), true).unwrap();
            assert_eq!(back, decoded.as_str().unwrap(), "{name}: decoding {text:?}");
        }
    }
}

//! `GPT2DoubleHeadsModel` against PyTorch on the tiny random fixture
//! (`scripts/make_conv_ai_fixtures.py`): language-model and multiple-choice logits, both
//! losses and the gradients of `2 · lm_loss + mc_loss`; greedy replies through the shared
//! engine (cached, token types per step) against Simple Transformers' `sample_sequence`.

use burn::optim::GradientsParams;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};
use serde_json::Value;
use st_core::backend::{DefaultBackend, TrainBackend};
use st_core::weights::named_parameters;
use st_models::decoder::{
    ChoiceInput, DecoderSpec, DoubleHeadsNames, Gpt2DoubleHeads, LmTargets, TypedState,
    load_double_heads,
};
use st_models::generate::{GenerationConfig, generate};
use st_test_support::{
    RefTensor, assert_gradient_map, assert_table_gradient, fixtures, max_abs_diff, reference,
    values,
};

const FORWARD_TOL: f32 = 1e-4;

fn load<B: Backend>() -> (Gpt2DoubleHeads<B>, Value) {
    let dir = fixtures().join("models/gpt2-double-heads");
    let spec = DecoderSpec::read("gpt2", &dir).unwrap();
    let (model, fresh) = load_double_heads::<B>(&spec, &dir, &Default::default()).unwrap();
    assert!(!fresh, "the fixture has its multiple-choice head");
    (model, reference(&dir))
}

/// `[examples, choices, seq]` → flat rows.
fn rows(v: &Value) -> Vec<Vec<i64>> {
    (v.as_array().unwrap().iter())
        .flat_map(|example| example.as_array().unwrap().iter())
        .map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_i64().unwrap())
                .collect()
        })
        .collect()
}

/// The fixture's batch as the model's inputs, and the loss targets from its labels.
fn batch<B: Backend>(reference: &Value) -> (ChoiceInput<B>, LmTargets<B>, Tensor<B, 1, Int>) {
    let device = Default::default();
    let b = &reference["batch"];
    let (ids, types, labels) = (
        rows(&b["input_ids"]),
        rows(&b["token_type_ids"]),
        rows(&b["labels"]),
    );
    let (n, seq) = (ids.len(), ids[0].len());
    let grid = |r: &[Vec<i64>]| {
        Tensor::<B, 2, Int>::from_data(TensorData::new(r.concat(), [n, seq]), &device)
    };
    let line = |v: Vec<i64>| {
        let len = v.len();
        Tensor::<B, 1, Int>::from_data(TensorData::new(v, [len]), &device)
    };
    let mc: Vec<i64> = rows(&serde_json::json!([b["mc_token_ids"]]))
        .concat()
        .iter()
        .enumerate()
        .map(|(row, &t)| (row * seq) as i64 + t)
        .collect();
    let choices = b["mc_token_ids"][0].as_array().unwrap().len();
    // Python pads with <pad> and attends to everything; the mask changes nothing for the
    // real tokens (the padding is after them), so it is all ones here as there.
    let input = ChoiceInput {
        input_ids: grid(&ids),
        token_type_ids: grid(&types),
        attention_mask: grid(&vec![vec![1; seq]; n]),
        mc_positions: line(mc),
        choices,
    };
    let (mut positions, mut targets) = (Vec::new(), Vec::new());
    for (row, labels) in labels.iter().enumerate() {
        // Position t − 1 predicts the label at t.
        for (t, &label) in labels.iter().enumerate().skip(1) {
            if label != -100 {
                positions.push((row * seq + t - 1) as i64);
                targets.push(label);
            }
        }
    }
    let mc_labels: Vec<i64> = (b["mc_labels"].as_array().unwrap().iter())
        .map(|x| x.as_i64().unwrap())
        .collect();
    let targets = LmTargets {
        positions: line(positions),
        labels: line(targets),
    };
    (input, targets, line(mc_labels))
}

/// Columns `from..from + width` of logits `[rows, seq, vocab]`.
fn columns(logits: &[f32], vocab: usize, from: usize, width: usize) -> Vec<f32> {
    logits
        .chunks(vocab)
        .flat_map(|row| row[from..from + width].to_vec())
        .collect()
}

#[test]
fn logits_and_losses_equal_pytorch() {
    type B = DefaultBackend;
    let (model, reference) = load::<B>();
    let (input, targets, mc_labels) = batch::<B>(&reference);
    let (lm, mc) = model.forward(&input);
    let vocab = lm.dims()[2];
    let lm = values(lm);
    let head = RefTensor::from_json(&reference["lm_logits_head"]);
    let tail = RefTensor::from_json(&reference["lm_logits_tail"]);
    let tail_start = reference["tail_start"].as_u64().unwrap() as usize;
    let diff = max_abs_diff(&columns(&lm, vocab, 0, 32), &head.data).max(max_abs_diff(
        &columns(&lm, vocab, tail_start, 12),
        &tail.data,
    ));
    eprintln!("double heads: lm logits max abs diff {diff:.2e}");
    assert!(diff <= FORWARD_TOL, "lm logits {diff}");
    let diff = max_abs_diff(
        &values(mc),
        &RefTensor::from_json(&reference["mc_logits"]).data,
    );
    eprintln!("double heads: mc logits max abs diff {diff:.2e}");
    assert!(diff <= FORWARD_TOL, "mc logits {diff}");
    let (lm_loss, mc_loss) = model.losses(&input, targets, mc_labels);
    for (name, got) in [("lm_loss", lm_loss), ("mc_loss", mc_loss)] {
        let (got, expected) = (values(got)[0], reference[name].as_f64().unwrap() as f32);
        eprintln!("double heads: {name} {got} vs {expected}");
        assert!(
            (got - expected).abs() <= 1e-4 * expected.abs().max(1.0),
            "{name}"
        );
    }
}

#[test]
fn gradients_of_the_weighted_loss_equal_pytorch() {
    type B = TrainBackend;
    let (model, reference) = load::<B>();
    let (input, targets, mc_labels) = batch::<B>(&reference);
    let (lm_loss, mc_loss) = model.losses(&input, targets, mc_labels);
    let loss = lm_loss.mul_scalar(reference["lm_coef"].as_f64().unwrap())
        + mc_loss.mul_scalar(reference["mc_coef"].as_f64().unwrap());
    let got = values(loss.clone())[0];
    let expected = reference["loss"].as_f64().unwrap() as f32;
    assert!(
        (got - expected).abs() <= 1e-4 * expected,
        "loss {got} vs {expected}"
    );
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    let names = named_parameters(&model, &DoubleHeadsNames, true);
    // The head's one bias shifts every choice's score alike, which softmax ignores: its
    // gradient is zero (PyTorch's is -1.5e-8, rounding), so it is checked absolutely.
    let bias = "multiple_choice_head.summary.bias";
    let mut relative = reference["grads"].clone();
    relative.as_object_mut().unwrap().remove(bias);
    assert_gradient_map::<DefaultBackend>(&grads, &names, &relative, "double heads");
    let bias_grad = st_test_support::gradient::<DefaultBackend>(
        &grads,
        st_test_support::parameter(&names, bias),
    );
    assert!(bias_grad[0].abs() <= 1e-6, "{bias}: {bias_grad:?}");
    let table = "transformer.wte.weight";
    assert_table_gradient::<DefaultBackend>(
        &grads,
        &names,
        table,
        &reference["wte_grad"],
        "double heads",
    );
}

#[test]
fn greedy_replies_equal_simple_transformers_sample_sequence() {
    type B = DefaultBackend;
    let (model, reference) = load::<B>();
    let dir = fixtures().join("models/gpt2-double-heads");
    let tokenizer = st_core::tokenizer::Tokenizer::from_dir(&dir, &Default::default()).unwrap();
    let ids = st_conv_ai::SpecialIds::of(&tokenizer).unwrap();
    let encode = |s: &str| tokenizer.encode_plain(s).unwrap();
    let (mut prompts, mut types, mut reply_types, mut expected) = (vec![], vec![], vec![], vec![]);
    for case in reference["decode"].as_array().unwrap() {
        let texts = |key: &str| -> Vec<String> {
            (case[key].as_array().unwrap().iter())
                .map(|s| s.as_str().unwrap().to_string())
                .collect()
        };
        let persona: Vec<Vec<u32>> = texts("personality")
            .iter()
            .map(|s| encode(&s.to_lowercase()))
            .collect();
        let history: Vec<Vec<u32>> = texts("history").iter().map(|s| encode(s)).collect();
        let prompt = st_conv_ai::build_input(&ids, &persona, &history, &[], false, false);
        reply_types.push(*prompt.token_type_ids.last().unwrap());
        prompts.push(prompt.input_ids);
        types.push(prompt.token_type_ids);
        let reply: Vec<u32> = (case["reply_ids"].as_array().unwrap().iter())
            .map(|x| x.as_u64().unwrap() as u32)
            .collect();
        expected.push(reply);
        let margin = (case["margins"].as_array().unwrap().iter())
            .map(|m| m.as_f64().unwrap())
            .fold(f64::INFINITY, f64::min);
        assert!(
            margin > 1e-3,
            "the fixture's decisions are not near ties ({margin})"
        );
    }
    let config = GenerationConfig {
        max_new_tokens: Some(8),
        eos_token_id: ids.all(),
        pad_token_id: Some(ids.pad),
        ..GenerationConfig::default()
    };
    // Both prompts in one left-padded batch: the token types are padded with them.
    let state = TypedState::new(&model, types, reply_types);
    let generated = generate(&model, state, &prompts, &config).unwrap();
    for (sequences, expected) in generated.iter().zip(&expected) {
        let mut tokens = sequences[0].tokens.clone();
        if tokens.last().is_some_and(|t| ids.all().contains(t)) {
            tokens.pop();
        }
        assert_eq!(&tokens, expected, "greedy reply");
    }
}

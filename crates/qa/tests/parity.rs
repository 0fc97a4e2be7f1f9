//! Span heads against `transformers`' `*ForQuestionAnswering` on tiny fixtures
//! (`scripts/make_qa_fixtures.py`): our question + context windows hold exactly the ids, type
//! ids and offsets `transformers` makes (one window, and overflowing windows with a stride),
//! the answer lands on the same tokens, start / end logits match (≤ 1e-4), and so do the loss
//! and its gradients (≤ 1e-3 relative).

use std::path::PathBuf;

use burn::backend::Autodiff;
use burn::optim::GradientsParams;
use burn::tensor::{Int, Tensor, backend::Backend};
use serde_json::Value;
use st_core::backend::DefaultBackend as Inner;
use st_core::tokenizer::{Tokenizer, TokenizerOptions};
use st_core::weights::named_parameters;
use st_qa::{
    Answer, Context, Featurizer, LoadedSpanExtractor, Question, load_span_extractor, span_loss,
};
use st_test_support::{
    encoder_input, floats, gradient, ints, max_abs_diff, parameter, relative_error, values,
};

type AB = Autodiff<Inner>;

fn fixture_dir(name: &str) -> PathBuf {
    st_test_support::fixtures().join("qa").join(name)
}

fn reference(name: &str) -> Value {
    st_test_support::reference(&fixture_dir(name))
}

fn load<B: Backend>(
    fixture: &str,
    model_type: &str,
    without_dropout: bool,
) -> LoadedSpanExtractor<B> {
    load_span_extractor::<B>(
        model_type,
        &fixture_dir(fixture),
        without_dropout,
        &Default::default(),
    )
    .unwrap()
}

fn tokenizer(fixture: &str, model_type: &str) -> Tokenizer {
    let loaded = load::<Inner>(fixture, model_type, false);
    Tokenizer::from_dir(
        &fixture_dir(fixture),
        &TokenizerOptions {
            special_tokens: loaded.spec.arch.special_tokens(),
            ..Default::default()
        },
    )
    .unwrap()
}

fn text(v: &Value) -> String {
    v.as_str().unwrap().to_string()
}

/// A one-question context; `answer` is a character range.
fn context(question: &str, context: &str, answer: Option<(usize, usize)>) -> Context {
    Context {
        context: context.to_string(),
        qas: vec![Question {
            id: "q".into(),
            question: question.to_string(),
            is_impossible: answer.is_none(),
            answers: answer
                .map(|(s, e)| Answer {
                    text: context.chars().skip(s).take(e - s).collect(),
                    answer_start: s,
                })
                .into_iter()
                .collect(),
        }],
    }
}

fn answer(v: &Value) -> Option<(usize, usize)> {
    v.as_array().map(|a| {
        (
            a[0].as_u64().unwrap() as usize,
            a[1].as_u64().unwrap() as usize,
        )
    })
}

/// Character offsets (what `transformers` reports) of byte offsets into `text`.
fn char_offsets(text: &str, offsets: &[(usize, usize)]) -> Vec<i64> {
    let chars = |b: usize| text[..b].chars().count() as i64;
    offsets
        .iter()
        .flat_map(|&(s, e)| [chars(s), chars(e)])
        .collect()
}

/// The context tokens' offsets of a `transformers` row (sequence id 1).
fn their_context_offsets(offsets: &Value, sequence_ids: &Value) -> Vec<i64> {
    offsets
        .as_array()
        .unwrap()
        .iter()
        .zip(sequence_ids.as_array().unwrap())
        .filter(|(_, s)| s.as_i64() == Some(1))
        .flat_map(|(o, _)| ints(o))
        .collect()
}

/// One question + short context → one window equal to `transformers`' pair encoding, with the
/// same answer positions and (as character offsets) the same context offsets.
fn check_features(fixture: &str, model_type: &str) {
    let reference = reference(fixture);
    let tokenizer = tokenizer(fixture, model_type);
    let featurizer = Featurizer::new(&tokenizer, 64, 64, 384).unwrap();
    let batch = &reference["batch"];
    for i in 0..3 {
        let c = context(
            &text(&batch["questions"][i]),
            &text(&batch["contexts"][i]),
            answer(&batch["answers"][i]),
        );
        let windows = featurizer.windows(&c, 0, true).unwrap();
        assert_eq!(windows.len(), 1, "{fixture}: row {i}");
        let w = &windows[0];
        let len = ints(&batch["attention_mask"][i]).iter().sum::<i64>() as usize;
        assert_eq!(
            w.ids,
            ints(&batch["input_ids"][i])[..len],
            "{fixture}: row {i} ids"
        );
        if let Some(types) = batch.get("token_type_ids").filter(|v| !v.is_null()) {
            assert_eq!(
                w.type_ids,
                ints(&types[i])[..len],
                "{fixture}: row {i} type ids"
            );
        }
        assert_eq!(
            char_offsets(&c.context, &w.offsets),
            their_context_offsets(&batch["offset_mapping"][i], &batch["sequence_ids"][i]),
            "{fixture}: row {i} offsets"
        );
        assert_eq!(
            (w.start_position, w.end_position),
            (
                batch["start_positions"][i].as_i64().unwrap(),
                batch["end_positions"][i].as_i64().unwrap()
            ),
            "{fixture}: row {i} answer positions"
        );
    }
}

/// A long context → the same windows as `transformers`' overflowing tokens (`stride` there is
/// the overlap, here `doc_stride` is the step between window starts).
fn check_windows(fixture: &str, model_type: &str) {
    let reference = reference(fixture);
    let tokenizer = tokenizer(fixture, model_type);
    let r = &reference["windows"];
    let (max_length, overlap) = (
        r["max_length"].as_u64().unwrap() as usize,
        r["stride"].as_u64().unwrap() as usize,
    );
    let first_ids = ints(&r["input_ids"][0]);
    let context_tokens = r["sequence_ids"][0]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s.as_i64() == Some(1))
        .count();
    let room = max_length.min(first_ids.len()) - (first_ids.len() - context_tokens);
    assert_eq!(first_ids.len(), max_length);
    let featurizer = Featurizer::new(&tokenizer, max_length, 64, room - overlap).unwrap();
    let c = context(
        &text(&r["question"]),
        &text(&r["context"]),
        answer(&r["answer"]),
    );
    let windows = featurizer.windows(&c, 0, true).unwrap();
    let theirs = r["input_ids"].as_array().unwrap();
    assert_eq!(windows.len(), theirs.len(), "{fixture}: window count");
    for (k, w) in windows.iter().enumerate() {
        assert_eq!(w.ids, ints(&theirs[k]), "{fixture}: window {k} ids");
        assert_eq!(
            char_offsets(&c.context, &w.offsets),
            their_context_offsets(&r["offset_mapping"][k], &r["sequence_ids"][k]),
            "{fixture}: window {k} offsets"
        );
        assert_eq!(
            (w.start_position, w.end_position),
            (
                r["start_positions"][k].as_i64().unwrap(),
                r["end_positions"][k].as_i64().unwrap()
            ),
            "{fixture}: window {k} answer positions"
        );
    }
    // Every context token is owned by exactly one window.
    let owned: usize = windows
        .iter()
        .map(|w| w.max_context.iter().filter(|&&m| m).count())
        .sum();
    let total: usize = tokenizer
        .inner()
        .encode(c.context.as_str(), false)
        .unwrap()
        .len();
    assert_eq!(owned, total, "{fixture}: max-context owners");
}

fn check_logits(fixture: &str, model_type: &str) {
    let reference = reference(fixture);
    let loaded = load::<Inner>(fixture, model_type, false);
    assert!(
        loaded.report.missing.is_empty(),
        "{:?}",
        loaded.report.missing
    );
    let batch = &reference["batch"];
    let logits = loaded
        .model
        .forward(encoder_input(batch, &Default::default()));
    let start = max_abs_diff(
        &values(logits.start),
        &floats(&batch["start_logits"]["data"]),
    );
    let end = max_abs_diff(&values(logits.end), &floats(&batch["end_logits"]["data"]));
    eprintln!("{fixture}: start logits max abs diff {start:.2e}, end {end:.2e}");
    assert!(start <= 1e-4 && end <= 1e-4, "{fixture}: {start} {end}");
}

fn check_loss_and_gradients(fixture: &str, model_type: &str) {
    let reference = reference(fixture);
    let loaded = load::<AB>(fixture, model_type, true);
    let device = Default::default();
    let batch = &reference["batch"];
    let logits = loaded.model.forward(encoder_input(batch, &device));
    let positions =
        |key: &str| Tensor::<AB, 1, Int>::from_ints(ints(&batch[key]).as_slice(), &device);
    let loss = span_loss(
        logits,
        positions("start_positions"),
        positions("end_positions"),
    );
    let expected = batch["loss"].as_f64().unwrap() as f32;
    let ours = values(loss.clone())[0];
    eprintln!("{fixture}: loss {ours} vs {expected}");
    assert!((ours - expected).abs() <= 1e-5 * expected.abs().max(1.0));
    let grads = GradientsParams::from_grads(loss.backward(), &loaded.model);
    let names = named_parameters(&loaded.model, &loaded.names(), true);
    for (name, expected) in reference["grads"]["params"].as_object().unwrap() {
        let grad = gradient::<Inner>(&grads, parameter(&names, name));
        let theirs = floats(&expected["data"]);
        let error = relative_error(&grad, &theirs);
        // `qa_outputs.bias` has a zero gradient in exact arithmetic (per row, softmax minus
        // one-hot sums to zero over the positions): both sides hold rounding noise of ~1e-8,
        // so it is compared in absolute terms.
        let absolute = max_abs_diff(&grad, &theirs);
        eprintln!(
            "{fixture}: gradient of {name}: relative error {error:.2e}, max abs diff {absolute:.2e}"
        );
        assert!(
            error <= 1e-3 || absolute <= 1e-6,
            "{fixture}: {name}: {error} / {absolute}"
        );
    }
}

st_test_support::parity_tests! {
    checks: [check_features, check_windows, check_logits, check_loss_and_gradients];
    bert: "bert" as "bert";
    roberta: "roberta" as "roberta";
    distilbert: "distilbert" as "distilbert";
    electra: "electra" as "electra";
    xlm_roberta: "xlm-roberta" as "xlmroberta";
    camembert: "camembert" as "camembert";
    albert: "albert" as "albert";
}

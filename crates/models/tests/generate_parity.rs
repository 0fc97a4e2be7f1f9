//! The decoding engine with GPT-2 against `transformers`' `generate` on the tiny fixture
//! (`fixtures/generation/generate.json`): greedy and beam search token for token, for a
//! left-padded batch of prompts of different lengths, with and without an early end of
//! sequence, with the processors, and beam scores; plus the cache against recomputation.

use serde_json::Value;
use st_core::backend::DefaultBackend as B;
use st_models::generate::{GenerationConfig, generate};
use st_models::{DecoderSpec, Gpt2LmHead, load_decoder};
use st_test_support::fixtures;

fn model() -> Gpt2LmHead<B> {
    let dir = fixtures().join("models/gpt2");
    let spec = DecoderSpec::read("gpt2", &dir).unwrap();
    load_decoder::<B>(&spec, &dir, &Default::default())
        .unwrap()
        .0
}

fn rows(v: &Value) -> Vec<Vec<i64>> {
    serde_json::from_value(v.clone()).unwrap()
}

#[test]
fn greedy_and_beam_search_equal_transformers_generate() {
    let text = std::fs::read_to_string(fixtures().join("generation/generate.json")).unwrap();
    let reference: Value = serde_json::from_str(&text).unwrap();
    let cases = reference["cases"].as_array().expect("cases");
    assert!(cases.len() >= 10);
    let model = model();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let config: GenerationConfig = serde_json::from_value(case["kwargs"].clone()).unwrap();
        let ids = rows(&case["input_ids"]);
        let mask = rows(&case["attention_mask"]);
        let prompt_len = ids[0].len();
        let prompts: Vec<Vec<u32>> = ids
            .iter()
            .zip(&mask)
            .map(|(r, m)| {
                r.iter()
                    .zip(m)
                    .filter(|(_, m)| **m == 1)
                    .map(|(t, _)| *t as u32)
                    .collect()
            })
            .collect();
        let out = generate(&model, model.new_cache(), &prompts, &config).unwrap();
        let pad = config.pad();
        let expected = rows(&case["sequences"]);
        let per_prompt = config.num_return_sequences;
        assert_eq!(expected.len(), prompts.len() * per_prompt, "{name}");
        for (i, want) in expected.iter().enumerate() {
            // transformers' rows: the padded prompt, then new tokens, padded after an end.
            let mut new: Vec<u32> = want[prompt_len..].iter().map(|&t| t as u32).collect();
            match new.iter().position(|t| config.eos_token_id.contains(t)) {
                Some(end) => new.truncate(end + 1),
                None => {
                    while new.last() == Some(&pad) {
                        new.pop();
                    }
                }
            }
            let got = &out[i / per_prompt][i % per_prompt];
            assert_eq!(got.tokens, new, "{name}: sequence {i}");
            if let Some(scores) = case["sequences_scores"].as_array() {
                let want = scores[i].as_f64().unwrap() as f32;
                let score = got.score.expect("beam search scores its sequences");
                assert!(
                    (score - want).abs() <= 1e-4,
                    "{name}: sequence {i}: score {score} vs {want}"
                );
            }
        }
        eprintln!("{name}: {} sequences equal", expected.len());
    }
}

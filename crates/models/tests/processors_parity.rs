//! The engine's logits processors against `transformers`' own classes on recorded scores
//! (`fixtures/generation/processors.json`, made by `scripts/make_gpt2_fixtures.py`; a banned
//! score is `null` there).

use serde_json::Value;
use st_models::generate::GenerationConfig;
use st_models::generate::processors::{self, BANNED, History};
use st_test_support::fixtures;

fn scores(v: &Value) -> Vec<f32> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().map_or(BANNED, |f| f as f32))
        .collect()
}

fn int(v: &Value, key: &str) -> usize {
    v[key].as_u64().unwrap_or_else(|| panic!("{key}")) as usize
}

fn float(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key}"))
}

/// Apply one `transformers` processor (by class name) to a row.
fn apply(name: &str, params: &Value, history: &[u32], row: &mut [f32]) {
    let keep = params["min_tokens_to_keep"].as_u64().unwrap_or(1) as usize;
    let at = History {
        tokens: history,
        len: history.len(),
        new: 0,
        limit: usize::MAX,
    };
    match name {
        "TemperatureLogitsWarper" => {
            processors::temperature(float(params, "temperature") as f32, row)
        }
        "TopKLogitsWarper" => processors::top_k(int(params, "top_k"), keep, row),
        "TopPLogitsWarper" => processors::top_p(float(params, "top_p"), keep, row),
        "RepetitionPenaltyLogitsProcessor" => {
            processors::repetition_penalty(float(params, "penalty") as f32, history, row)
        }
        "NoRepeatNGramLogitsProcessor" => {
            processors::no_repeat_ngram(int(params, "ngram_size"), at, row)
        }
        "NoBadWordsLogitsProcessor" => {
            let bad: Vec<Vec<u32>> =
                serde_json::from_value(params["bad_words_ids"].clone()).unwrap();
            let eos: Vec<u32> = params["eos_token_id"]
                .as_u64()
                .map(|e| vec![e as u32])
                .unwrap_or_default();
            processors::bad_words(&bad, &eos, history, row)
        }
        "MinLengthLogitsProcessor" => {
            let config = GenerationConfig {
                min_length: int(params, "min_length"),
                eos_token_id: vec![int(params, "eos_token_id") as u32],
                ..GenerationConfig::default()
            };
            processors::process(&config, at, row)
        }
        "MinNewTokensLengthLogitsProcessor" => {
            let config = GenerationConfig {
                min_new_tokens: int(params, "min_new_tokens"),
                eos_token_id: vec![int(params, "eos_token_id") as u32],
                ..GenerationConfig::default()
            };
            let new = history.len() - int(params, "prompt_length_to_skip");
            processors::process(&config, History { new, ..at }, row)
        }
        other => panic!("no processor {other}"),
    }
}

#[test]
fn processors_equal_transformers_on_recorded_scores() {
    let text = std::fs::read_to_string(fixtures().join("generation/processors.json")).unwrap();
    let reference: Value = serde_json::from_str(&text).unwrap();
    let input = scores(&reference["scores"]);
    let vocab = reference["scores"]["shape"][1].as_u64().unwrap() as usize;
    let histories: Vec<Vec<u32>> = serde_json::from_value(reference["input_ids"].clone()).unwrap();
    let cases = reference["cases"].as_array().unwrap();
    assert!(cases.len() >= 12);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let expected = scores(&case["scores"]);
        for (r, history) in histories.iter().enumerate() {
            let mut row = input[r * vocab..(r + 1) * vocab].to_vec();
            for part in name.split('+') {
                apply(part, &case["params"], history, &mut row);
            }
            for (t, (got, want)) in row.iter().zip(&expected[r * vocab..]).enumerate() {
                let same = if *want == BANNED {
                    *got == BANNED
                } else {
                    (got - want).abs() <= 1e-5 * want.abs().max(1.0)
                };
                assert!(
                    same,
                    "{name} {}: row {r} token {t}: {got} vs {want}",
                    case["params"]
                );
            }
        }
    }
}

#[test]
fn the_engine_applies_processors_in_transformers_order() {
    let text = std::fs::read_to_string(fixtures().join("generation/processors.json")).unwrap();
    let reference: Value = serde_json::from_str(&text).unwrap();
    let order: Vec<&str> = reference["generate_processor_order"]["processors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    // `process` runs these, then `warp` runs the rest; check the split and each half's order.
    let engine = [
        "RepetitionPenaltyLogitsProcessor",
        "NoRepeatNGramLogitsProcessor",
        "NoBadWordsLogitsProcessor",
        "MinLengthLogitsProcessor",
        "MinNewTokensLengthLogitsProcessor",
        "TemperatureLogitsWarper",
        "TopKLogitsWarper",
        "TopPLogitsWarper",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|name| {
            engine
                .iter()
                .position(|e| e == name)
                .unwrap_or_else(|| panic!("{name}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{order:?}");
}

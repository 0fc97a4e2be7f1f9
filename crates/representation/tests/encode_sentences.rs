//! `encode_sentences` against PyTorch's outputs for the tiny BERT fixture (always) and the
//! real all-MiniLM-L6-v2 (when `ST_MINILM_DIR` points at it; see README).

use std::path::PathBuf;

use serde_json::Value;
use st_representation::{CombineStrategy, Embedding, RepresentationModel};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn floats(value: &Value) -> Vec<f32> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect()
}

/// Reference rows: for each text, its unpadded token vectors and real length.
struct Reference {
    texts: Vec<String>,
    ids: Vec<Vec<i64>>,
    tokens: Vec<Vec<Vec<f32>>>,
}

fn reference(case: &Value) -> Reference {
    let hidden = &case["last_hidden_state"];
    let shape: Vec<usize> = hidden["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let (seq, width) = (shape[1], shape[2]);
    let data = floats(&hidden["data"]);
    let mut r = Reference {
        texts: vec![],
        ids: vec![],
        tokens: vec![],
    };
    for (row, text) in case["texts"].as_array().unwrap().iter().enumerate() {
        let mask = case["attention_mask"][row].as_array().unwrap();
        let n = mask.iter().filter(|m| m.as_i64() == Some(1)).count();
        r.texts.push(text.as_str().unwrap().to_string());
        r.ids.push(
            case["input_ids"][row].as_array().unwrap()[..n]
                .iter()
                .map(|v| v.as_i64().unwrap())
                .collect(),
        );
        r.tokens.push(
            (0..n)
                .map(|t| data[(row * seq + t) * width..(row * seq + t + 1) * width].to_vec())
                .collect(),
        );
    }
    r
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn vector(e: &Embedding) -> &[f32] {
    match e {
        Embedding::Vector(v) => v,
        Embedding::Tokens(_) => panic!("expected one vector"),
    }
}

fn check_all_strategies(model_dir: &str, r: &Reference, tolerance: f32) {
    let mut model = RepresentationModel::new("bert", model_dir, Default::default()).unwrap();
    model.batch_size = 2; // more than one batch, with padding inside each
    let texts: Vec<&str> = r.texts.iter().map(String::as_str).collect();

    let tokens = model
        .encode_sentences(&texts, CombineStrategy::None)
        .unwrap();
    for (i, item) in tokens.iter().enumerate() {
        assert_eq!(item.input_ids, r.ids[i], "text {i}: ids");
        let Embedding::Tokens(rows) = &item.embedding else {
            panic!("no strategy gives token vectors")
        };
        assert_eq!(rows.len(), r.tokens[i].len());
        for (ours, theirs) in rows.iter().zip(&r.tokens[i]) {
            assert!(
                max_diff(ours, theirs) <= tolerance,
                "text {i}: token vectors"
            );
        }
    }

    let means = model
        .encode_sentences(&texts, CombineStrategy::Mean)
        .unwrap();
    for (i, item) in means.iter().enumerate() {
        let width = r.tokens[i][0].len();
        let n = r.tokens[i].len() as f32;
        let expected: Vec<f32> = (0..width)
            .map(|d| r.tokens[i].iter().map(|t| t[d]).sum::<f32>() / n)
            .collect();
        assert!(
            max_diff(vector(&item.embedding), &expected) <= tolerance,
            "text {i}: mean"
        );
    }

    let first = model
        .encode_sentences(&texts, CombineStrategy::Token(0))
        .unwrap();
    for (i, item) in first.iter().enumerate() {
        assert!(max_diff(vector(&item.embedding), &r.tokens[i][0]) <= tolerance);
    }

    let concat = model
        .encode_sentences(&texts, CombineStrategy::Concat)
        .unwrap();
    let longest = r.tokens.iter().map(Vec::len).max().unwrap();
    for (i, item) in concat.iter().enumerate() {
        let v = vector(&item.embedding);
        let width = r.tokens[i][0].len();
        assert_eq!(
            v.len(),
            longest * width,
            "concat has one width for every text"
        );
        let real: Vec<f32> = r.tokens[i].concat();
        assert!(
            max_diff(&v[..real.len()], &real) <= tolerance,
            "text {i}: concat"
        );
    }

    let err = model
        .encode_sentences(&texts[..1], CombineStrategy::Token(10_000))
        .unwrap_err();
    assert!(err.to_string().contains("out of range"), "{err}");
}

#[test]
fn tiny_bert_matches_pytorch_for_every_strategy() {
    let text = std::fs::read_to_string(fixtures().join("models/bert/reference.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    let dir = fixtures().join("models/bert");
    check_all_strategies(dir.to_str().unwrap(), &reference(&json["batch"]), 1e-4);
}

#[test]
fn strategies_parse_from_text() {
    assert_eq!(
        "mean".parse::<CombineStrategy>().unwrap(),
        CombineStrategy::Mean
    );
    assert_eq!(
        "None".parse::<CombineStrategy>().unwrap(),
        CombineStrategy::None
    );
    assert_eq!(
        "concat".parse::<CombineStrategy>().unwrap(),
        CombineStrategy::Concat
    );
    assert_eq!(
        "3".parse::<CombineStrategy>().unwrap(),
        CombineStrategy::Token(3)
    );
    let err = "median".parse::<CombineStrategy>().unwrap_err();
    assert!(err.to_string().contains("median"));
}

/// Run with `ST_MINILM_DIR=<dir> cargo test -p st-representation -- --ignored`.
#[test]
#[ignore = "needs the real all-MiniLM-L6-v2: set ST_MINILM_DIR (see README)"]
fn real_minilm_matches_pytorch_for_every_strategy() {
    let dir = std::env::var("ST_MINILM_DIR").expect("ST_MINILM_DIR must point at all-MiniLM-L6-v2");
    let text = std::fs::read_to_string(fixtures().join("minilm/reference.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    check_all_strategies(&dir, &reference(&json), 1e-4);
}

/// A hub id resolved offline from a Hugging Face cache laid out on disk, with the saved
/// `model_args.json` loaded automatically.
#[test]
fn hub_id_from_the_cache_with_saved_args() {
    use st_core::args::{Args, ModelArgs};
    use st_core::hub::HubOptions;
    use st_representation::RepresentationOptions;

    let cache = tempfile::tempdir().unwrap();
    let repo = cache.path().join("models--tiny-org--tiny-bert");
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let snapshot = repo.join("snapshots").join(commit);
    std::fs::create_dir_all(repo.join("refs")).unwrap();
    std::fs::write(repo.join("refs/main"), commit).unwrap();
    std::fs::create_dir_all(&snapshot).unwrap();
    for file in [
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "vocab.txt",
    ] {
        std::fs::copy(
            fixtures().join("models/bert").join(file),
            snapshot.join(file),
        )
        .unwrap();
    }
    let saved = ModelArgs {
        max_seq_length: 5,
        ..Default::default()
    };
    saved.save(&snapshot).unwrap();

    let options = RepresentationOptions {
        hub: HubOptions {
            cache_dir: Some(cache.path().to_path_buf()),
            offline: Some(true),
            ..Default::default()
        },
        ..Default::default()
    };
    let model = RepresentationModel::new("bert", "tiny-org/tiny-bert", options).unwrap();
    assert_eq!(model.args().max_seq_length, 5, "model_args.json was loaded");
    let out = model
        .encode_sentences(
            &["a sentence that is longer than five tokens"],
            CombineStrategy::None,
        )
        .unwrap();
    assert_eq!(
        out[0].input_ids.len(),
        5,
        "truncated at the saved max_seq_length"
    );

    let missing = RepresentationOptions {
        hub: HubOptions {
            cache_dir: Some(cache.path().to_path_buf()),
            offline: Some(true),
            ..Default::default()
        },
        ..Default::default()
    };
    let err = RepresentationModel::new("bert", "tiny-org/not-there", missing).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("models--tiny-org--not-there"), "{message}");
}

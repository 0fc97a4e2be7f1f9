//! `RepresentationModel` with `gpt2`, as Python's `GPT2ForTextRepresentation`: the `[PAD]` token
//! added (embeddings grown by one), GPT-2's last hidden states as token vectors, equal to
//! PyTorch's (checked through the tied head: vectors · wteᵀ are the fixture's logits), the same
//! for a text alone or in a padded batch, and the four combine strategies' shapes.

use std::path::PathBuf;

use serde_json::Value;
use st_representation::{CombineStrategy, Embedding, RepresentationModel};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/models/gpt2")
}

fn model() -> RepresentationModel {
    RepresentationModel::new("gpt2", dir().to_str().unwrap(), Default::default()).unwrap()
}

fn tokens(e: &Embedding) -> &Vec<Vec<f32>> {
    match e {
        Embedding::Tokens(t) => t,
        Embedding::Vector(_) => panic!("expected token vectors"),
    }
}

#[test]
fn token_vectors_equal_pytorch_through_the_tied_head() {
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("reference.json")).unwrap())
            .unwrap();
    let prompts: Vec<String> = reference["prompts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    let model = model();
    assert_eq!(model.tokenizer().vocab_size(), 50258, "[PAD] is added");
    let refs: Vec<&str> = prompts.iter().map(String::as_str).collect();
    let encoded = model
        .encode_sentences(&refs, CombineStrategy::None)
        .unwrap();

    // The fixture's logits are for a left-padded batch; a row's real positions are its last
    // `len` ones. Vectors · wteᵀ (first 512 tokens) must give them.
    let wte = st_core::weights::Checkpoint::open(&dir())
        .unwrap()
        .tensor_f32("transformer.wte.weight")
        .unwrap()
        .expect("the fixture stores wte");
    let slice = &reference["logits_slice"];
    let shape: Vec<usize> = slice["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let data: Vec<f32> = slice["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    let (seq, width) = (shape[1], shape[2]);
    for (row, item) in encoded.iter().enumerate() {
        let vectors = tokens(&item.embedding);
        let n = vectors.len();
        let expected_ids: Vec<i64> = reference["batch"]["input_ids"][row].as_array().unwrap()
            [seq - n..]
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        assert_eq!(item.input_ids, expected_ids);
        for (t, vector) in vectors.iter().enumerate() {
            let at = (row * seq + seq - n + t) * width;
            let logit = |j: usize| -> f32 {
                vector
                    .iter()
                    .zip(&wte.values[j * 16..(j + 1) * 16])
                    .map(|(a, b)| a * b)
                    .sum()
            };
            let diff = (0..512)
                .map(|j| (logit(j) - data[at + j]).abs())
                .fold(0.0, f32::max);
            assert!(diff < 1e-4, "row {row} token {t}: {diff}");
        }
    }
}

#[test]
fn a_text_gets_the_same_vectors_alone_and_in_a_padded_batch_and_strategies_have_their_shapes() {
    let model = model();
    let texts = ["Hello world", "A much longer sentence than the first one"];
    let batch = model
        .encode_sentences(&texts, CombineStrategy::None)
        .unwrap();
    let alone = model
        .encode_sentences(&texts[..1], CombineStrategy::None)
        .unwrap();
    let (a, b) = (tokens(&batch[0].embedding), tokens(&alone[0].embedding));
    assert_eq!(a.len(), 2, "two GPT-2 tokens, no special tokens");
    for (x, y) in a.iter().flatten().zip(b.iter().flatten()) {
        assert!((x - y).abs() < 1e-5);
    }
    let mean = model
        .encode_sentences(&texts, CombineStrategy::Mean)
        .unwrap();
    let concat = model
        .encode_sentences(&texts, CombineStrategy::Concat)
        .unwrap();
    let longest = tokens(&batch[1].embedding).len();
    for (m, c) in mean.iter().zip(&concat) {
        match (&m.embedding, &c.embedding) {
            (Embedding::Vector(m), Embedding::Vector(c)) => {
                assert_eq!(m.len(), 16);
                assert_eq!(c.len(), longest * 16);
            }
            _ => panic!("mean and concat give one vector per text"),
        }
    }
}

//! Sentence embeddings with a BERT-family encoder, as Simple Transformers' RepresentationModel.
//!
//! ```text
//! cargo run -p st-examples --example representation [MODEL_DIR_OR_HUB_ID]
//! ```
//!
//! With no argument it uses `$ST_MINILM_DIR` (all-MiniLM-L6-v2, see README) when set, else the
//! tiny random BERT in `fixtures/models/bert`, and says which.

use st_representation::{CombineStrategy, Embedding, RepresentationModel};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let model_name = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("ST_MINILM_DIR").ok())
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/models/bert").into());
    println!("model: {model_name}");
    let model = RepresentationModel::new("bert", &model_name, Default::default())?;
    let texts = [
        "The cat sits on the mat.",
        "A cat is sitting on a mat.",
        "Stock markets fell sharply today.",
    ];
    let encoded = model.encode_sentences(&texts, CombineStrategy::Mean)?;
    let vectors: Vec<&Vec<f32>> = encoded
        .iter()
        .map(|e| match &e.embedding {
            Embedding::Vector(v) => v,
            Embedding::Tokens(_) => unreachable!("mean gives one vector per text"),
        })
        .collect();
    let cosine = |a: &[f32], b: &[f32]| {
        let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
        dot / (norm(a) * norm(b))
    };
    for i in 0..texts.len() {
        for j in i + 1..texts.len() {
            println!(
                "cos({:?}, {:?}) = {:.4}",
                texts[i],
                texts[j],
                cosine(vectors[i], vectors[j])
            );
        }
    }
    Ok(())
}

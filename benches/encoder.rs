//! Throughput of the pieces every task uses, on the default backend: tokenisation and
//! featurisation (truncation, padding into batch arrays) with the real BERT WordPiece
//! vocabulary, parallel and single-threaded; and the encoder forward pass at MiniLM-L6 and
//! BERT-base sizes, sequence length 128, batch 1, 8 and 32.
//! Run with `cargo bench -p st-benches --bench encoder`.

use std::path::PathBuf;

use burn::tensor::{Int, Tensor};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use st_benches::{BERT_BASE, MINILM_L6};
use st_core::backend::DefaultBackend as B;
use st_core::tokenizer::{Padding, SpecialTokens, TextInput, Tokenizer, TokenizerOptions};
use st_models::{Encoder, EncoderInput};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn sentences(n: usize) -> Vec<String> {
    let words = [
        "the",
        "model",
        "reads",
        "a",
        "sentence",
        "about",
        "markets",
        "weather",
        "and",
        "football",
        "while",
        "tokenizers",
        "split",
        "unbelievably",
        "long",
        "words",
    ];
    (0..n)
        .map(|i| {
            (0..12 + i % 20)
                .map(|j| words[(i * 7 + j * 3) % words.len()])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn tokenisation(c: &mut Criterion) {
    let tokenizer = Tokenizer::from_dir(
        &fixtures().join("tokenizers/wordpiece"),
        &TokenizerOptions {
            do_lower_case: true,
            special_tokens: SpecialTokens::Bert,
            ignore_tokenizer_json: true,
            ..Default::default()
        },
    )
    .expect("WordPiece vocabulary in fixtures/");
    let texts = sentences(2000);
    let inputs: Vec<TextInput> = texts.iter().map(|t| TextInput::Single(t)).collect();
    let mut group = c.benchmark_group("tokenise 2000 texts");
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.bench_function("parallel", |b| {
        b.iter(|| {
            tokenizer
                .encode_batch(&inputs, 128, Padding::Longest)
                .unwrap()
        })
    });
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    group.bench_function("single thread", |b| {
        b.iter(|| {
            single.install(|| {
                tokenizer
                    .encode_batch(&inputs, 128, Padding::Longest)
                    .unwrap()
            })
        })
    });
    group.finish();
}

fn encoder_forward(c: &mut Criterion) {
    // As models do when they pick their device: keep freed tensor buffers.
    st_core::alloc::keep_freed_memory();
    let device = Default::default();
    for size in [MINILM_L6, BERT_BASE] {
        let encoder = Encoder::<B>::new(&size.config(), &device);
        let mut group = c.benchmark_group(format!("{} forward, seq 128", size.name));
        group.sample_size(10);
        for batch in [1usize, 8, 32] {
            let ids: Vec<i64> = (0..batch * 128)
                .map(|i| 1000 + (i as i64 * 37) % 20000)
                .collect();
            let input = || EncoderInput::<B> {
                input_ids: Tensor::<B, 1, Int>::from_ints(ids.as_slice(), &device)
                    .reshape([batch, 128]),
                attention_mask: Tensor::<B, 2, Int>::ones([batch, 128], &device),
                token_type_ids: None,
                position_ids: None,
            };
            group.throughput(Throughput::Elements(batch as u64));
            group.bench_function(format!("batch {batch}"), |b| {
                b.iter(|| encoder.forward(input()).last_hidden_state.into_data())
            });
        }
        group.finish();
    }
}

criterion_group!(benches, tokenisation, encoder_forward);
criterion_main!(benches);

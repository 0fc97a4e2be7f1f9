//! Single-sentence `ClassificationModel::predict` latency — tokenisation, batching, forward,
//! softmax-ready outputs, the whole public call — for a MiniLM-L6-sized BERT classifier (the
//! real all-MiniLM-L6-v2 when `ST_MINILM_DIR` points at it, else random weights of its shape).
//! Run with `cargo bench -p st-benches --bench predict`.

use criterion::{Criterion, criterion_group, criterion_main};
use st_benches::{MINILM_L6, random_model_dir};
use st_classification::{ClassificationArgs, ClassificationModel, ClassificationOptions};
use st_core::args::ModelArgs;
use st_core::task::TaskModel;

fn predict_latency(c: &mut Criterion) {
    let dir = std::env::var("ST_MINILM_DIR")
        .map(Into::into)
        .unwrap_or_else(|_| random_model_dir(MINILM_L6).expect("random MiniLM-sized model"));
    let options = ClassificationOptions {
        num_labels: Some(2),
        args: Some(ClassificationArgs {
            model: ModelArgs {
                silent: true,
                ..Default::default()
            },
            ..Default::default()
        }),
        ..Default::default()
    };
    let model = ClassificationModel::new("bert", dir.to_str().unwrap(), options).unwrap();
    let mut group = c.benchmark_group("MiniLM-L6 predict");
    group.bench_function("one sentence", |b| {
        b.iter(|| {
            model
                .predict(&["An unexpectedly moving film about a lighthouse keeper and his dog."])
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, predict_latency);
criterion_main!(benches);

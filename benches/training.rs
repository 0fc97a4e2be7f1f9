//! One training step as the trainer takes it — forward, cross-entropy, backward, global
//! gradient norm for clipping, AdamW over Simple Transformers' parameter groups — for a BERT
//! sequence classifier of MiniLM-L6 and BERT-base size at sequence length 128, batch 1, 8 and
//! 32. Run with `cargo bench -p st-benches --bench training`.

use burn::backend::Autodiff;
use burn::optim::GradientsParams;
use burn::tensor::{Int, Tensor};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use st_benches::{BERT_BASE, MINILM_L6};
use st_classification::{ClassificationHead, SequenceClassifier};
use st_core::args::ModelArgs;
use st_core::backend::DefaultBackend;
use st_core::train::groups::{GroupDefaults, parameter_groups};
use st_core::train::optim::{
    GroupedOptimizer, OptimizerConfig, clip_coefficient, global_grad_norm,
};
use st_core::weights::named_parameters;
use st_models::loss::cross_entropy;
use st_models::{Encoder, EncoderInput, SequenceHead, TaskNames, encoder_architecture};

type AB = Autodiff<DefaultBackend>;

fn training_step(c: &mut Criterion) {
    // As models do when they pick their device: keep freed tensor buffers.
    st_core::alloc::keep_freed_memory();
    let device = Default::default();
    let args = ModelArgs::default();
    for size in [MINILM_L6, BERT_BASE] {
        let config = size.config();
        let names = TaskNames {
            encoder: encoder_architecture("bert").unwrap().name_map(&config),
            head: Box::new(SequenceHead::Pooled),
        };
        let mut group = c.benchmark_group(format!("{} training step, seq 128", size.name));
        group.sample_size(10);
        for batch in [1usize, 8, 32] {
            let mut model = Some(SequenceClassifier::<AB> {
                encoder: Encoder::new(&config, &device),
                head: ClassificationHead::new(
                    SequenceHead::Pooled,
                    size.hidden,
                    2,
                    0.1,
                    0.02,
                    &device,
                ),
            });
            let params = named_parameters(model.as_ref().unwrap(), &names, true);
            let defaults = GroupDefaults {
                lr: args.learning_rate,
                weight_decay: args.weight_decay,
            };
            let groups = parameter_groups(&params, &args, defaults).unwrap();
            let lrs: Vec<f64> = groups.iter().map(|g| g.lr).collect();
            let mut optimizer = GroupedOptimizer::<DefaultBackend>::new(
                OptimizerConfig::from_args(&args).unwrap(),
                groups,
            );
            let ids: Vec<i64> = (0..batch * 128)
                .map(|i| 1000 + (i as i64 * 37) % 20000)
                .collect();
            let labels: Vec<i64> = (0..batch as i64).map(|i| i % 2).collect();
            group.throughput(Throughput::Elements(batch as u64));
            group.bench_function(format!("batch {batch}"), |b| {
                b.iter(|| {
                    let current = model.take().unwrap();
                    let input = EncoderInput::<AB> {
                        input_ids: Tensor::<AB, 1, Int>::from_ints(ids.as_slice(), &device)
                            .reshape([batch, 128]),
                        attention_mask: Tensor::<AB, 2, Int>::ones([batch, 128], &device),
                        token_type_ids: None,
                        position_ids: None,
                    };
                    let loss = cross_entropy(
                        current.forward(input),
                        Tensor::from_ints(labels.as_slice(), &device),
                        None,
                    );
                    let grads = GradientsParams::from_grads(loss.backward(), &current);
                    let norm = global_grad_norm(&current, &grads, &|_| true);
                    let scale = clip_coefficient(norm, args.max_grad_norm);
                    model = Some(optimizer.step(current, grads, &lrs, scale));
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, training_step);
criterion_main!(benches);

//! ELECTRA against `transformers` and Simple Transformers (`scripts/lm_fixtures/pretraining.py`):
//! the discriminator's logits, loss and gradients (`ElectraForPreTraining`), and the
//! replaced-token-detection step of generator + discriminator with tied word embeddings —
//! generator loss, discriminator inputs, labels, logits and loss, `g_loss + 50 · d_loss` and
//! its gradients — with and without an attention mask. The generator's random draw is the one
//! the fixture recorded.

use std::path::PathBuf;

use burn::backend::Autodiff;
use burn::optim::GradientsParams;
use burn::tensor::backend::Backend;
use st_core::backend::DefaultBackend as Inner;
use st_core::weights::named_parameters;
use st_models::electra::{Discriminator, DiscriminatorNames, load_discriminator};
use st_models::loss::masked_bce_with_logits;
use st_models::mlm::ties_word_embeddings;
use st_models::{
    ElectraBatch, ElectraNames, ElectraPretraining, EncoderInput, EncoderSpec, HeadTask, MaskedLm,
    MlmHead, load_with_head,
};
use st_test_support::{
    assert_gradients, encoder_input, floats, int_matrix, ints, max_abs_diff, values,
};

type AB = Autodiff<Inner>;

fn dir(name: &str) -> PathBuf {
    st_test_support::fixtures().join("lm").join(name)
}

fn spec(name: &str) -> EncoderSpec {
    EncoderSpec::read("electra", &dir(name))
        .unwrap()
        .without_dropout()
}

fn generator<B: Backend>() -> MaskedLm<B> {
    let spec = spec("electra");
    let layout = spec.arch.mlm_head().unwrap();
    let device = Default::default();
    let tied = ties_word_embeddings(&spec.hf_config);
    let head = MlmHead::new(layout, &spec.config, tied, 0.02, &device);
    load_with_head(&spec, head, &dir("electra"), HeadTask::MaskedLm, &device)
        .unwrap()
        .0
}

fn discriminator<B: Backend>() -> Discriminator<B> {
    let device = Default::default();
    let name = "electra-discriminator";
    load_discriminator(&spec(name), &dir(name), &device).unwrap()
}

#[test]
fn discriminator_logits_loss_and_gradients() {
    let reference = st_test_support::reference(&dir("electra-discriminator"));
    let batch = &reference["batch"];
    let device = Default::default();
    let model = discriminator::<AB>();
    let input = encoder_input::<AB>(batch, &device);
    let mask = input.attention_mask.clone();
    let logits = model.forward(input);
    let diff = max_abs_diff(&values(logits.clone()), &floats(&batch["logits"]["data"]));
    eprintln!("discriminator logits max abs diff {diff:.2e}");
    assert!(diff <= 1e-4, "{diff}");
    let labels = int_matrix::<AB>(&batch["labels"], &device).float();
    let loss = masked_bce_with_logits(logits, labels, mask);
    let (ours, expected) = (
        values(loss.clone())[0],
        batch["loss"].as_f64().unwrap() as f32,
    );
    assert!((ours - expected).abs() <= 1e-5, "loss {ours} vs {expected}");
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    let names = spec("electra-discriminator").task_names(Box::new(DiscriminatorNames));
    assert_gradients::<Inner>(
        &grads,
        &named_parameters(&model, &names, true),
        &reference,
        "discriminator",
    );
}

/// The fixture's generator + discriminator, tied, and the batch of `variant`.
fn pretraining_step(variant: &str) {
    let reference = st_test_support::reference(&dir("electra-pretraining"));
    let case = &reference[variant];
    let device = Default::default();
    let pair = ElectraPretraining::new(generator::<AB>(), discriminator::<AB>(), true).unwrap();

    // Without a mask Python attends to padding and counts it: a mask of ones does the same.
    let mut with_ids = case.clone();
    with_ids["input_ids"] = reference["generator_input_ids"].clone();
    let input: EncoderInput<AB> = if case["attention_mask"].is_null() {
        let ids = int_matrix::<AB>(&reference["generator_input_ids"], &device);
        let ones = ids.clone().ones_like();
        EncoderInput {
            input_ids: ids,
            attention_mask: ones,
            token_type_ids: None,
            position_ids: None,
        }
    } else {
        encoder_input(&with_ids, &device)
    };
    let labels = ints(&reference["generator_labels"]);
    let (positions, targets): (Vec<i64>, Vec<i64>) = (labels.iter().enumerate())
        .filter(|(_, l)| **l != -100)
        .map(|(i, &l)| (i as i64, l))
        .unzip();
    let sampled: Vec<i64> = ints(&case["sampled_tokens"])
        .into_iter()
        .filter(|&t| t != -100)
        .collect();
    let batch = ElectraBatch {
        input,
        original: ints(&reference["original_input_ids"]),
        positions,
        targets,
    };
    let losses = pair.losses(batch, |probs, vocab| {
        assert_eq!(probs.len(), sampled.len() * vocab);
        sampled.clone()
    });
    let close = |ours: f32, key: &str| {
        let expected = case[key].as_f64().unwrap() as f32;
        eprintln!("{variant}: {key} {ours} vs {expected}");
        assert!(
            (ours - expected).abs() <= 1e-5 * expected.abs().max(1.0),
            "{variant}: {key}"
        );
    };
    close(values(losses.generator.clone())[0], "g_loss");
    close(values(losses.discriminator.clone())[0], "d_loss");
    let total = losses.total(reference["discriminator_loss_weight"].as_f64().unwrap());
    close(values(total.clone())[0], "total_loss");

    let grads = GradientsParams::from_grads(total.backward(), &pair);
    let names = ElectraNames {
        generator: spec("electra").task_names(Box::new(spec("electra").arch.mlm_head().unwrap())),
        discriminator: spec("electra-discriminator").task_names(Box::new(DiscriminatorNames)),
    };
    let params = named_parameters(&pair, &names, true);
    assert_gradients::<Inner>(&grads, &params, case, variant);
}

#[test]
fn pretraining_step_with_attention_mask() {
    pretraining_step("with_attention_mask");
}

#[test]
fn pretraining_step_without_attention_mask() {
    pretraining_step("no_attention_mask");
}

/// The discriminator the pair runs (and saves) reads the generator's word embeddings.
#[test]
fn tied_discriminator_reads_the_generator_table() {
    let generator = generator::<Inner>();
    let table = values(generator.encoder.embeddings.word_embeddings.weight.val());
    let pair = ElectraPretraining::new(generator, discriminator::<Inner>(), true).unwrap();
    let seen = values(
        pair.discriminator()
            .encoder
            .embeddings
            .word_embeddings
            .weight
            .val(),
    );
    assert_eq!(seen, table);
}

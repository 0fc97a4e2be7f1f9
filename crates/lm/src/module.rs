//! The trained module — a masked LM (an encoder with its `*ForMaskedLM` head), a causal LM
//! (GPT-2 with its tied head) or ELECTRA's generator + discriminator — its batches, its loss
//! and its Hugging Face names.

use burn::module::Module;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};
use st_core::rng::SplitMix64;
use st_core::weights::{HfName, NameMap};
use st_models::electra::sample_tokens;
use st_models::loss::{causal_lm_loss, cross_entropy};
use st_models::{
    ElectraBatch, ElectraLosses, ElectraPretraining, EncoderInput, Gpt2LmHead, MaskedLm,
};

use crate::masking::IGNORE_INDEX;

/// A language model of either kind.
// One per model, moved only when training replaces it: the size difference costs nothing, and
// Burn's derive needs the modules inline.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum LmModule<B: Backend> {
    /// `*ForMaskedLM`.
    Masked(MaskedLm<B>),
    /// `GPT2LMHeadModel`.
    Causal(Gpt2LmHead<B>),
    /// `ElectraForMaskedLM` + `ElectraForPreTraining`.
    Electra(ElectraPretraining<B>),
}

/// A padded batch ready for the forward pass.
#[derive(Debug)]
pub enum LmBatch<B: Backend> {
    /// Masked inputs, and the flat positions (`row · seq + token`) of the chosen tokens with
    /// their original ids.
    Masked {
        input: EncoderInput<B>,
        positions: Vec<i64>,
        targets: Vec<i64>,
    },
    /// Token ids with their mask, and the labels (the ids, −100 at padding).
    Causal {
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
        labels: Tensor<B, 2, Int>,
    },
    /// ELECTRA: the generator's masked batch; the seed its samples are drawn with, and the
    /// discriminator loss's weight.
    Electra {
        batch: ElectraBatch<B>,
        sample_seed: u64,
        discriminator_weight: f64,
    },
}

/// Rows padded to the longest with `pad`: (flat values, mask, seq).
pub fn pad_rows(rows: &[Vec<i64>], pad: i64) -> (Vec<i64>, Vec<i64>, usize) {
    let seq = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut flat = vec![pad; rows.len() * seq];
    let mut mask = vec![0; rows.len() * seq];
    for (r, row) in rows.iter().enumerate() {
        flat[r * seq..r * seq + row.len()].copy_from_slice(row);
        mask[r * seq..r * seq + row.len()].fill(1);
    }
    (flat, mask, seq)
}

impl<B: Backend> LmBatch<B> {
    /// A masked-LM batch from masked rows and their labels (−100 where not chosen).
    pub fn masked(inputs: &[Vec<i64>], labels: &[Vec<i64>], pad: i64, device: &B::Device) -> Self {
        let refs: Vec<&[i64]> = inputs.iter().map(Vec::as_slice).collect();
        let input = EncoderInput::from_rows(&refs, None, pad, false, device);
        let seq = inputs.iter().map(Vec::len).max().unwrap_or(0);
        let (mut positions, mut targets) = (Vec::new(), Vec::new());
        for (r, row) in labels.iter().enumerate() {
            for (t, &label) in row.iter().enumerate() {
                if label != IGNORE_INDEX {
                    positions.push((r * seq + t) as i64);
                    targets.push(label);
                }
            }
        }
        Self::Masked {
            input,
            positions,
            targets,
        }
    }

    /// An ELECTRA batch from the masked rows, their labels and the original rows.
    pub fn electra(
        inputs: &[Vec<i64>],
        labels: &[Vec<i64>],
        originals: &[Vec<i64>],
        pad: i64,
        sample_seed: u64,
        discriminator_weight: f64,
        device: &B::Device,
    ) -> Self {
        let Self::Masked {
            input,
            positions,
            targets,
        } = Self::masked(inputs, labels, pad, device)
        else {
            unreachable!("a masked batch")
        };
        let (original, _, _) = pad_rows(originals, pad);
        Self::Electra {
            batch: ElectraBatch {
                input,
                original,
                positions,
                targets,
            },
            sample_seed,
            discriminator_weight,
        }
    }

    /// A causal-LM batch: each row predicts itself shifted by one.
    pub fn causal(rows: &[Vec<i64>], pad: i64, device: &B::Device) -> Self {
        let (flat, mask, seq) = pad_rows(rows, pad);
        let labels: Vec<i64> = (flat.iter().zip(&mask))
            .map(|(&id, &m)| if m == 1 { id } else { IGNORE_INDEX })
            .collect();
        let shape = [rows.len(), seq];
        let tensor = |v: &[i64]| Tensor::<B, 1, Int>::from_ints(v, device).reshape(shape);
        Self::Causal {
            input_ids: tensor(&flat),
            attention_mask: tensor(&mask),
            labels: tensor(&labels),
        }
    }
}

impl<B: Backend> LmModule<B> {
    /// The mean loss of `batch`: cross-entropy over the chosen tokens (masked), or over every
    /// next token that is not padding (causal). A masked batch in which no token was chosen
    /// has loss 0, not Python's NaN.
    pub fn loss(&self, batch: LmBatch<B>) -> Tensor<B, 1> {
        match (self, batch) {
            (
                Self::Masked(model),
                LmBatch::Masked {
                    input,
                    positions,
                    targets,
                },
            ) => {
                let device = input.input_ids.device();
                if positions.is_empty() {
                    // Kept in the graph so that a backward pass sees zero gradients.
                    let zero = Tensor::<B, 1, Int>::from_ints([0], &device);
                    return model.logits_at(input, zero).sum().mul_scalar(0.0);
                }
                let n = positions.len();
                let positions = Tensor::<B, 1, Int>::from_ints(positions.as_slice(), &device);
                let logits = model.logits_at(input, positions);
                let targets = Tensor::<B, 1, Int>::from_ints(targets.as_slice(), &device);
                debug_assert_eq!(logits.dims()[0], n);
                cross_entropy(logits, targets, None)
            }
            (
                Self::Causal(model),
                LmBatch::Causal {
                    input_ids,
                    attention_mask,
                    labels,
                },
            ) => {
                let logits = model.forward(input_ids, attention_mask, None);
                causal_lm_loss(logits, labels, IGNORE_INDEX)
            }
            (
                Self::Electra(pair),
                LmBatch::Electra {
                    batch,
                    sample_seed,
                    discriminator_weight,
                },
            ) => electra_losses(pair, batch, sample_seed).total(discriminator_weight),
            _ => unreachable!("batches are built for the module's own kind"),
        }
    }

    /// ELECTRA's two losses of `batch`; the batch back for the other kinds.
    pub fn electra_losses(&self, batch: LmBatch<B>) -> Result<ElectraLosses<B>, LmBatch<B>> {
        match (self, batch) {
            (
                Self::Electra(pair),
                LmBatch::Electra {
                    batch, sample_seed, ..
                },
            ) => Ok(electra_losses(pair, batch, sample_seed)),
            (_, batch) => Err(batch),
        }
    }
}

/// The pair's losses, the generator's samples drawn from `sample_seed`.
fn electra_losses<B: Backend>(
    pair: &ElectraPretraining<B>,
    batch: ElectraBatch<B>,
    sample_seed: u64,
) -> ElectraLosses<B> {
    let mut rng = SplitMix64(sample_seed);
    pair.losses(batch, |probs, vocab| sample_tokens(probs, vocab, &mut rng))
}

/// Hugging Face names of an [`LmModule`]: the variant's path segment dropped, the rest named as
/// the model it holds is.
pub struct LmNames {
    pub inner: Box<dyn NameMap>,
}

impl NameMap for LmNames {
    fn hf_name(&self, path: &str) -> HfName {
        self.inner.hf_name(variant_path(path))
    }

    fn base_model_prefix(&self) -> &str {
        self.inner.base_model_prefix()
    }

    fn keeps_layout(&self, path: &str) -> bool {
        self.inner.keeps_layout(variant_path(path))
    }
}

/// A module path with the [`LmModule`] variant's segment dropped.
fn variant_path(path: &str) -> &str {
    ["Masked.", "Causal.", "Electra."]
        .iter()
        .find_map(|variant| path.strip_prefix(variant))
        .unwrap_or(path)
}

//! ELECTRA pre-training (replaced-token detection) as Simple Transformers trains it: a small
//! masked-LM generator fills the masked positions with tokens sampled from its own
//! predictions, and a discriminator (`ElectraForPreTraining`) learns which tokens were replaced.
//!
//! | Burn path (discriminator head) | Hugging Face name | shape |
//! |---|---|---|
//! | `dense.*` | `discriminator_predictions.dense.*` | hidden → hidden, then `hidden_act` |
//! | `prediction.*` | `discriminator_predictions.dense_prediction.*` | hidden → 1 |
//!
//! With `tie_generator_and_discriminator_embeddings` (the default) the discriminator reads the
//! generator's word-embedding table, as Python's `set_input_embeddings` makes it share the
//! module; position and token-type embeddings and the embedding LayerNorm stay separate. Here
//! the sharing is done at each forward pass ([`ElectraPretraining::discriminator`]): one Burn
//! parameter visited twice would be updated once by the optimiser and go stale the second time.

use std::path::Path;

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::activation::softmax;
use burn::tensor::{Int, Tensor, backend::Backend};
use st_core::rng::SplitMix64;

use crate::config::{Activation, EncoderConfig};
use crate::heads::{HeadNames, TaskNames};
use crate::layers::{activate, hf_linear, linear_tokens};
use crate::loss::{cross_entropy, masked_bce_with_logits};
use crate::task::{EncoderWithHead, Head, load_with_head};
use crate::{EncoderInput, EncoderOutput, EncoderSpec, HeadTask, MaskedLm, ModelError};
use st_core::weights::{HfName, NameMap};

/// `ElectraDiscriminatorPredictions`: dense → `hidden_act` → one logit per token.
#[derive(Module, Debug)]
pub struct DiscriminatorHead<B: Backend> {
    pub dense: Linear<B>,
    pub prediction: Linear<B>,
    #[module(skip)]
    pub activation: Activation,
}

/// The Hugging Face names of [`DiscriminatorHead`] (module table).
#[derive(Debug, Clone, Copy)]
pub struct DiscriminatorNames;

impl HeadNames for DiscriminatorNames {
    fn hf_name(&self, path: &str) -> String {
        match path.split_once('.') {
            Some(("dense", param)) => format!("discriminator_predictions.dense.{param}"),
            Some(("prediction", param)) => {
                format!("discriminator_predictions.dense_prediction.{param}")
            }
            _ => path.to_string(),
        }
    }
}

impl<B: Backend> DiscriminatorHead<B> {
    /// A new head for an encoder of `config`: N(0, `std`) weights, zero biases.
    pub fn new(config: &EncoderConfig, std: f64, device: &B::Device) -> Self {
        let hidden = config.hidden_size;
        Self {
            dense: hf_linear(hidden, hidden, std, device),
            prediction: hf_linear(hidden, 1, std, device),
            activation: config.activation,
        }
    }
}

impl<B: Backend> Head<B> for DiscriminatorHead<B> {
    /// One logit per token, `[batch, seq]`: positive means "replaced".
    type Output = Tensor<B, 2>;

    fn forward(&self, encoded: EncoderOutput<B>) -> Tensor<B, 2> {
        let states = activate(
            self.activation,
            linear_tokens(&self.dense, encoded.last_hidden_state),
        );
        let logits = linear_tokens(&self.prediction, states);
        let [batch, seq, _] = logits.dims();
        logits.reshape([batch, seq])
    }

    fn names(&self) -> Box<dyn HeadNames> {
        Box::new(DiscriminatorNames)
    }
}

/// `ElectraForPreTraining`: an encoder with the replaced-token-detection head.
pub type Discriminator<B> = EncoderWithHead<B, DiscriminatorHead<B>>;

/// The generator and discriminator trained together.
#[derive(Module, Debug)]
pub struct ElectraPretraining<B: Backend> {
    /// `ElectraForMaskedLM`.
    pub generator: MaskedLm<B>,
    /// `ElectraForPreTraining`; its own word embeddings are unused while `tied`.
    pub discriminator: Discriminator<B>,
    #[module(skip)]
    pub tied: bool,
}

/// One ELECTRA batch: the generator's input (every chosen token replaced by the mask token),
/// and what the discriminator's input and labels are built from.
#[derive(Debug)]
pub struct ElectraBatch<B: Backend> {
    pub input: EncoderInput<B>,
    /// The unmasked ids, `[batch · seq]` row-major, padded as `input` is.
    pub original: Vec<i64>,
    /// Flat positions (`row · seq + token`) of the chosen tokens.
    pub positions: Vec<i64>,
    /// The original ids at `positions`.
    pub targets: Vec<i64>,
}

/// The two losses of a batch (means, as `transformers` computes them).
#[derive(Debug, Clone)]
pub struct ElectraLosses<B: Backend> {
    /// The generator's masked-LM cross-entropy over the chosen tokens (0 when none).
    pub generator: Tensor<B, 1>,
    /// The discriminator's binary cross-entropy over the attended positions.
    pub discriminator: Tensor<B, 1>,
    /// How many tokens the generator's samples replaced (a sample equal to the original
    /// replaces nothing), for the share a discriminator must beat.
    pub replaced: usize,
}

impl<B: Backend> ElectraLosses<B> {
    /// Simple Transformers' training loss: `g_loss + weight · d_loss`.
    pub fn total(&self, discriminator_weight: f64) -> Tensor<B, 1> {
        self.generator.clone() + self.discriminator.clone().mul_scalar(discriminator_weight)
    }
}

impl<B: Backend> ElectraPretraining<B> {
    /// The pair, checked: tied embeddings need one table shape for both models.
    pub fn new(
        generator: MaskedLm<B>,
        discriminator: Discriminator<B>,
        tied: bool,
    ) -> Result<Self, ModelError> {
        let table = |m: &crate::Encoder<B>| m.embeddings.word_embeddings.weight.dims();
        let (g, d) = (table(&generator.encoder), table(&discriminator.encoder));
        if tied && g != d {
            return Err(ModelError::Incompatible(format!(
                "tie_generator_and_discriminator_embeddings needs the same word-embedding table \
                 in both models: the generator's is {g:?} (vocab_size × embedding_size), the \
                 discriminator's {d:?}"
            )));
        }
        Ok(Self {
            generator,
            discriminator,
            tied,
        })
    }

    /// The discriminator as it runs and is saved: with the generator's word embeddings when
    /// tied (a cheap clone: tensors are shared, and gradients flow to the generator's table).
    pub fn discriminator(&self) -> Discriminator<B> {
        let mut discriminator = self.discriminator.clone();
        if self.tied {
            discriminator.encoder.embeddings.word_embeddings =
                self.generator.encoder.embeddings.word_embeddings.clone();
        }
        discriminator
    }

    /// Both losses of `batch`. `sample` receives the generator's probabilities at the chosen
    /// positions (`[n, vocab]` row-major, and `vocab`) and returns one token per position; a
    /// sampled token equal to the original counts as not replaced, as in Python.
    pub fn losses(
        &self,
        batch: ElectraBatch<B>,
        sample: impl FnOnce(&[f32], usize) -> Vec<i64>,
    ) -> ElectraLosses<B> {
        let ElectraBatch {
            input,
            mut original,
            positions,
            targets,
        } = batch;
        let device = input.input_ids.device();
        let [rows, seq] = input.input_ids.dims();
        let (generator, sampled) = if positions.is_empty() {
            // Kept in the graph so that a backward pass sees zero gradients.
            let zero = Tensor::<B, 1, Int>::from_ints([0], &device);
            let loss = self
                .generator
                .logits_at(input.clone(), zero)
                .sum()
                .mul_scalar(0.0);
            (loss, Vec::new())
        } else {
            let at = Tensor::<B, 1, Int>::from_ints(positions.as_slice(), &device);
            let logits = self.generator.logits_at(input.clone(), at);
            let [_, vocab] = logits.dims();
            let probs: Vec<f32> = softmax(logits.clone().detach(), 1)
                .into_data()
                .convert::<f32>()
                .to_vec()
                .expect("float probabilities");
            let sampled = sample(&probs, vocab);
            let targets_t = Tensor::<B, 1, Int>::from_ints(targets.as_slice(), &device);
            (cross_entropy(logits, targets_t, None), sampled)
        };
        let mut labels = vec![0f32; rows * seq];
        let mut replaced_count = 0;
        for ((&position, &token), &target) in positions.iter().zip(&sampled).zip(&targets) {
            original[position as usize] = token;
            if token != target {
                labels[position as usize] = 1.0;
                replaced_count += 1;
            }
        }
        let replaced = EncoderInput {
            input_ids: Tensor::<B, 1, Int>::from_ints(original.as_slice(), &device)
                .reshape([rows, seq]),
            ..input
        };
        let mask = replaced.attention_mask.clone();
        let logits = self.discriminator().forward(replaced);
        let labels = Tensor::<B, 1>::from_floats(labels.as_slice(), &device).reshape([rows, seq]);
        ElectraLosses {
            generator,
            discriminator: masked_bce_with_logits(logits, labels, mask),
            replaced: replaced_count,
        }
    }
}

/// `dir`'s `ElectraForPreTraining` checkpoint as a [`Discriminator`] of `spec`; a checkpoint
/// without the head (a plain `ElectraModel`) gets a new one, logged.
pub fn load_discriminator<B: Backend>(
    spec: &EncoderSpec,
    dir: &Path,
    device: &B::Device,
) -> Result<Discriminator<B>, ModelError> {
    let head = DiscriminatorHead::new(&spec.config, spec.initializer_range(), device);
    let (model, _) = load_with_head(spec, head, dir, HeadTask::PreTraining, device)?;
    Ok(model)
}

/// Names of an [`ElectraPretraining`] as Simple Transformers' `ElectraForLanguageModelingModel`
/// lists them: `generator_model.electra.…`, `discriminator_model.discriminator_predictions.…`.
pub struct ElectraNames {
    pub generator: TaskNames,
    pub discriminator: TaskNames,
}

impl NameMap for ElectraNames {
    fn hf_name(&self, path: &str) -> HfName {
        let (prefix, names, rest) = match path.split_once('.') {
            Some(("generator", rest)) => ("generator_model", &self.generator, rest),
            Some(("discriminator", rest)) => ("discriminator_model", &self.discriminator, rest),
            _ => {
                return HfName {
                    name: path.to_string(),
                    in_base_model: false,
                };
            }
        };
        let inner = names.hf_name(rest);
        let base = names.base_model_prefix();
        let name = if inner.in_base_model && !base.is_empty() {
            format!("{prefix}.{base}.{}", inner.name)
        } else {
            format!("{prefix}.{}", inner.name)
        };
        HfName {
            name,
            in_base_model: false,
        }
    }

    fn base_model_prefix(&self) -> &str {
        ""
    }
}

/// One token per row of `probs` (`[n, vocab]` row-major), drawn from that row's distribution
/// (PyTorch's `multinomial(probs, 1)`), with `rng`.
pub fn sample_tokens(probs: &[f32], vocab: usize, rng: &mut SplitMix64) -> Vec<i64> {
    probs
        .chunks_exact(vocab.max(1))
        .map(|row| {
            let total: f64 = row.iter().map(|&p| f64::from(p)).sum();
            let mut target = rng.next_f64() * total;
            let mut last = 0;
            for (id, &p) in row.iter().enumerate() {
                if p > 0.0 {
                    last = id;
                    target -= f64::from(p);
                    if target < 0.0 {
                        return id as i64;
                    }
                }
            }
            last as i64
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Draws follow the distribution; zero-probability tokens are never drawn.
    #[test]
    fn sampling_follows_the_probabilities() {
        let row = [0.0f32, 0.7, 0.0, 0.3];
        let probs: Vec<f32> = row.iter().copied().cycle().take(4 * 20_000).collect();
        let drawn = sample_tokens(&probs, 4, &mut SplitMix64(7));
        assert_eq!(drawn.len(), 20_000);
        assert!(drawn.iter().all(|&t| t == 1 || t == 3));
        let share = drawn.iter().filter(|&&t| t == 1).count() as f64 / 20_000.0;
        assert!((share - 0.7).abs() < 0.02, "{share}");
    }
}

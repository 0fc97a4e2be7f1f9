//! The decoding engine: one loop for every autoregressive model. A model implements
//! [`Autoregressive`] (one step of logits from new tokens and a state it keeps, and the state's
//! rows reordered); [`generate`] does the rest — padding, greedy decoding, sampling, beam
//! search, the logits processors, end-of-sequence and padding per sequence, streaming.
//!
//! | module | what |
//! |---|---|
//! | [`config`] | [`GenerationConfig`]: `transformers`' names and defaults |
//! | [`processors`] | repetition penalty, n-gram and bad-word bans, minimum lengths, warpers |
//! | [`search`] | greedy decoding and sampling |
//! | [`beam`] | beam search (and beam sampling) |
//!
//! Semantics are `transformers`' (5.x) wherever it defines them. Deviations:
//! - sampling draws from our own seeded [`SplitMix64`](st_core::rng::SplitMix64) streams, one
//!   per sequence, so a seed reproduces text here but not torch's draws;
//! - the processors see each sequence's own tokens, not the left padding of a batch (as
//!   `transformers` does for the repetition penalty; its n-gram ban also scans the pads, which
//!   changes nothing unless a pad token occurs inside a sequence);
//! - a prompt that leaves no room under `max_length` is an error instead of a warning;
//! - with beam search, the streaming callback receives the returned sequences when the search
//!   ends (`transformers` refuses streamers with beams).

pub mod beam;
pub mod config;
pub mod processors;
pub mod search;

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};

pub use config::{ConfigError, EarlyStopping, GenerationConfig};

/// A model that continues token sequences one step at a time.
pub trait Autoregressive<B: Backend> {
    /// What it keeps between steps: the key/value cache, and for an encoder-decoder the
    /// encoder's output.
    type State;

    /// Feed `input_ids` `[rows, n]`, the tokens after those already in `state`, with
    /// `attention_mask` `[rows, past + n]` over every position fed so far (0 on left padding);
    /// returns the logits `[rows, vocab]` of the token after each row's last one.
    fn step(
        &self,
        state: &mut Self::State,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> Tensor<B, 2>;

    /// The state whose row `i` is row `rows[i]` of `state` (beams reorder, expansion repeats).
    fn reorder(&self, state: Self::State, rows: &[usize]) -> Self::State;

    /// The longest sequence the model can attend over, if it has a limit.
    fn max_positions(&self) -> Option<usize> {
        None
    }

    fn device(&self) -> B::Device;
}

/// One returned sequence: the tokens generated after the prompt (an end-of-sequence token
/// included, padding not) and, for beam search, its length-penalised score.
#[derive(Debug, Clone, PartialEq)]
pub struct Sequence {
    pub tokens: Vec<u32>,
    pub score: Option<f32>,
}

/// A token as it is produced, for streaming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewToken {
    /// Which prompt.
    pub prompt: usize,
    /// Which of the prompt's returned sequences.
    pub sequence: usize,
    pub token: u32,
}

/// Why generation could not run.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("prompt {index} is empty: a decoder needs at least one token to continue")]
    EmptyPrompt { index: usize },
    #[error(
        "no room to generate: the longest prompt has {prompt} tokens and the limit is {limit} \
         ({why}); raise max_length, set max_new_tokens, or shorten the prompt"
    )]
    NoRoom {
        prompt: usize,
        limit: usize,
        why: &'static str,
    },
    #[error("token {token} is outside the model's vocabulary of {vocab}")]
    TokenOutOfRange { token: u32, vocab: usize },
}

/// Continue each of `prompts` (token ids, unpadded) with `model`, from the empty `state`
/// `model` starts from; `num_return_sequences` sequences per prompt.
pub fn generate<B: Backend, M: Autoregressive<B>>(
    model: &M,
    state: M::State,
    prompts: &[Vec<u32>],
    config: &GenerationConfig,
) -> Result<Vec<Vec<Sequence>>, GenerateError> {
    generate_streaming(model, state, prompts, config, &mut |_| {})
}

/// [`generate`], calling `on_token` with each token as it is chosen.
pub fn generate_streaming<B: Backend, M: Autoregressive<B>>(
    model: &M,
    state: M::State,
    prompts: &[Vec<u32>],
    config: &GenerationConfig,
    on_token: &mut dyn FnMut(NewToken),
) -> Result<Vec<Vec<Sequence>>, GenerateError> {
    config.validate()?;
    // Every step frees and reallocates the growing key/value cache: keep freed memory for
    // reuse instead of page-faulting fresh memory in (halves a step at 128 tokens, batch 8).
    st_core::alloc::keep_freed_memory();
    if let Some(index) = prompts.iter().position(Vec::is_empty) {
        return Err(GenerateError::EmptyPrompt { index });
    }
    if prompts.is_empty() {
        return Ok(Vec::new());
    }
    let prompt_len = prompts.iter().map(Vec::len).max().unwrap_or(0);
    let mut limit = config.max_total(prompt_len);
    let mut why = if config.max_new_tokens.is_some() {
        "max_new_tokens"
    } else {
        "max_length"
    };
    if let Some(positions) = model.max_positions()
        && positions < limit
    {
        tracing::warn!(
            "generation stops at {positions} tokens, the most the model has positions for"
        );
        limit = positions;
        why = "the model's positions";
    }
    if limit <= prompt_len {
        return Err(GenerateError::NoRoom {
            prompt: prompt_len,
            limit,
            why,
        });
    }
    let run = Run {
        config,
        prompt_len,
        limit,
        pad: config.pad(),
    };
    if config.num_beams > 1 {
        beam::search(model, state, prompts, &run, on_token)
    } else {
        search::search(model, state, prompts, &run, on_token)
    }
}

/// The fixed facts of one call.
pub(crate) struct Run<'a> {
    pub config: &'a GenerationConfig,
    /// The longest prompt: every prompt is left-padded to it.
    pub prompt_len: usize,
    /// The most tokens a sequence may reach, prompt included.
    pub limit: usize,
    pub pad: u32,
}

/// The rows being decoded: each row's own tokens (prompt then generated) and the attention
/// mask over everything fed so far.
pub(crate) struct Rows {
    pub tokens: Vec<Vec<u32>>,
    pub masks: Vec<Vec<i64>>,
}

impl Rows {
    /// Row `i` is prompt `sources[i]`, left-padded to `prompt_len`.
    pub fn new(prompts: &[Vec<u32>], sources: &[usize], prompt_len: usize) -> Self {
        let tokens: Vec<Vec<u32>> = sources.iter().map(|&p| prompts[p].clone()).collect();
        let masks = tokens
            .iter()
            .map(|t| {
                let mut m = vec![0; prompt_len - t.len()];
                m.resize(prompt_len, 1);
                m
            })
            .collect();
        Self { tokens, masks }
    }

    /// The padded prompts `[rows, prompt_len]`: the first step's input.
    pub fn prompt_ids<B: Backend>(
        &self,
        pad: u32,
        len: usize,
        device: &B::Device,
    ) -> Tensor<B, 2, Int> {
        let flat: Vec<i64> = self
            .tokens
            .iter()
            .flat_map(|t| {
                std::iter::repeat_n(pad as i64, len - t.len()).chain(t.iter().map(|&x| x as i64))
            })
            .collect();
        int_tensor(flat, [self.tokens.len(), len], device)
    }

    /// The attention mask `[rows, fed]`.
    pub fn mask<B: Backend>(&self, device: &B::Device) -> Tensor<B, 2, Int> {
        let width = self.masks[0].len();
        let flat: Vec<i64> = self.masks.iter().flatten().copied().collect();
        int_tensor(flat, [self.masks.len(), width], device)
    }
}

pub(crate) fn int_tensor<B: Backend>(
    flat: Vec<i64>,
    shape: [usize; 2],
    device: &B::Device,
) -> Tensor<B, 2, Int> {
    Tensor::from_data(TensorData::new(flat, shape), device)
}

/// The logits of a step as one host buffer `[rows × vocab]`, and the vocabulary size.
pub(crate) fn host_logits<B: Backend>(logits: Tensor<B, 2>) -> (Vec<f32>, usize) {
    let [_, vocab] = logits.dims();
    let data = logits.into_data().convert::<f32>();
    (data.to_vec().expect("converted to f32"), vocab)
}

pub(crate) use st_core::task::argmax;

/// A draw from the distribution `probs` (non-negative, summing to about 1).
pub(crate) fn draw(probs: &[f32], rng: &mut st_core::rng::SplitMix64) -> usize {
    let total: f64 = probs.iter().map(|&p| p as f64).sum();
    let mut target = rng.next_f64() * total;
    let mut last = 0;
    for (i, &p) in probs.iter().enumerate() {
        if p > 0.0 {
            last = i;
            target -= p as f64;
            if target < 0.0 {
                return i;
            }
        }
    }
    last
}

/// The sampling generator of row `row` for `seed`: independent streams, so rows can be
/// processed in parallel and still draw the same tokens.
pub(crate) fn row_rng(seed: u64, row: usize) -> st_core::rng::SplitMix64 {
    let mut mix = st_core::rng::SplitMix64(seed ^ (row as u64).wrapping_mul(0xA076_1D64_78BD_642F));
    st_core::rng::SplitMix64(mix.next_u64())
}

#[cfg(test)]
mod tests;

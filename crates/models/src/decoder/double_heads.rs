//! GPT-2 with two heads, as `transformers`' `GPT2DoubleHeadsModel`: the tied language-model
//! head and a multiple-choice head that scores each candidate sequence from the hidden state
//! of one of its tokens (`mc_token_ids`, ConvAI's last token). Token types are token ids,
//! embedded with the word embeddings.
//!
//! | Burn path | Hugging Face name (`GPT2DoubleHeadsModel`) |
//! |---|---|
//! | `transformer.*` | the same as `GPT2LMHeadModel`'s (see [`super::gpt2`]) |
//! | `multiple_choice_head.summary.weight` | the same, stored `[1, n_embd]` (an `nn.Linear`: transposed) |
//! | `multiple_choice_head.summary.bias` | the same |
//!
//! A `GPT2LMHeadModel` (or base `GPT2Model`) checkpoint loads too: the multiple-choice head is
//! then new, drawn as `transformers` draws it (N(0, `initializer_range`), bias zero).

use burn::module::{Module, Param};
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};
use serde_json::Value;
use st_core::weights::{Checkpoint, HfName, NameMap, load_into};
use std::path::Path;

use super::{DecoderConfig, DecoderSpec, Gpt2Model, Gpt2Names, KvCache};
use crate::config::HfConfig;
use crate::generate::Autoregressive;
use crate::loss::cross_entropy;
use crate::{Dropout, ModelError};

/// The multiple-choice head's settings from `config.json` (`GPT2SequenceSummary`'s keys).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SummaryConfig {
    /// Dropout on the chosen hidden state, before the projection (`summary_first_dropout`).
    pub first_dropout: f64,
    /// Dropout after the projection (`summary_last_dropout`; GPT-2's config has none).
    pub last_dropout: f64,
    /// `summary_activation: "tanh"`; otherwise none.
    pub tanh: bool,
    /// `initializer_range`: the std of a new head's weights.
    pub initializer_range: f64,
}

impl SummaryConfig {
    /// Read from `config.json`; what `GPT2DoubleHeadsModel` cannot be configured as here
    /// (another `summary_type`, no projection, a projection to the hidden size) is an error
    /// naming the key.
    pub fn from_hf(hf: &HfConfig) -> Result<Self, ModelError> {
        let summary_type = hf.str_or("summary_type", "cls_index");
        if summary_type != "cls_index" {
            return Err(ModelError::bad_config(
                hf.path,
                format!(
                    "key \"summary_type\": expected \"cls_index\" (the multiple-choice head \
                     reads the token at mc_token_ids), found {summary_type:?}"
                ),
            ));
        }
        for key in ["summary_use_proj", "summary_proj_to_labels"] {
            if !hf.bool_or(key, true)? {
                return Err(ModelError::bad_config(
                    hf.path,
                    format!(
                        "key \"{key}\": expected true (the head projects to one score per \
                         choice), found false"
                    ),
                ));
            }
        }
        let tanh = match hf.map.get("summary_activation") {
            None | Some(Value::Null) => false,
            Some(Value::String(s)) if s == "tanh" => true,
            Some(other) => {
                return Err(ModelError::bad_config(
                    hf.path,
                    format!("key \"summary_activation\": expected null or \"tanh\", found {other}"),
                ));
            }
        };
        Ok(Self {
            first_dropout: hf.f64_or("summary_first_dropout", 0.1)?,
            last_dropout: hf.f64_or("summary_last_dropout", 0.0)?,
            tanh,
            initializer_range: hf.f64_or("initializer_range", 0.02)?,
        })
    }
}

/// `GPT2SequenceSummary` with `summary_type` `cls_index`: one score per sequence.
#[derive(Module, Debug)]
pub struct MultipleChoiceHead<B: Backend> {
    pub summary: Linear<B>,
    pub first_dropout: Dropout,
    pub last_dropout: Dropout,
    #[module(skip)]
    pub tanh: bool,
}

impl<B: Backend> MultipleChoiceHead<B> {
    /// A new head: weights N(0, `initializer_range`), bias zero, as `transformers` draws it.
    pub fn new(n_embd: usize, config: &SummaryConfig, device: &B::Device) -> Self {
        let mut summary = LinearConfig::new(n_embd, 1)
            .with_initializer(Initializer::Normal {
                mean: 0.0,
                std: config.initializer_range,
            })
            .init(device);
        summary.bias = Some(Param::from_tensor(Tensor::zeros([1], device)));
        Self {
            summary,
            first_dropout: Dropout::new(config.first_dropout),
            last_dropout: Dropout::new(config.last_dropout),
            tanh: config.tanh,
        }
    }

    /// Scores `[rows]` of the hidden states `[rows, d]` chosen for each sequence.
    pub fn forward(&self, chosen: Tensor<B, 2>) -> Tensor<B, 1> {
        let [rows, _] = chosen.dims();
        let mut scores = self
            .summary
            .forward(self.first_dropout.forward(chosen))
            .reshape([rows]);
        if self.tanh {
            scores = scores.tanh();
        }
        self.last_dropout.forward(scores)
    }
}

/// `GPT2DoubleHeadsModel`.
#[derive(Module, Debug)]
pub struct Gpt2DoubleHeads<B: Backend> {
    pub transformer: Gpt2Model<B>,
    pub multiple_choice_head: MultipleChoiceHead<B>,
}

/// Candidate sequences, each a row: `choices` consecutive rows per example.
#[derive(Debug, Clone)]
pub struct ChoiceInput<B: Backend> {
    /// `[examples · choices, seq]`, right-padded.
    pub input_ids: Tensor<B, 2, Int>,
    /// The token types, `[examples · choices, seq]` (speaker tokens for ConvAI).
    pub token_type_ids: Tensor<B, 2, Int>,
    /// 1 on real tokens, 0 on padding.
    pub attention_mask: Tensor<B, 2, Int>,
    /// Each row's `mc_token_ids` as a flat index into the rows' positions, `row · seq + t`.
    pub mc_positions: Tensor<B, 1, Int>,
    pub choices: usize,
}

/// What the language-model loss scores: flat positions `row · seq + t` whose next token is a
/// label, and those labels.
#[derive(Debug, Clone)]
pub struct LmTargets<B: Backend> {
    pub positions: Tensor<B, 1, Int>,
    pub labels: Tensor<B, 1, Int>,
}

impl<B: Backend> Gpt2DoubleHeads<B> {
    /// A randomly initialised model.
    pub fn new(config: &DecoderConfig, summary: &SummaryConfig, device: &B::Device) -> Self {
        Self {
            transformer: Gpt2Model::new(config, device),
            multiple_choice_head: MultipleChoiceHead::new(config.n_embd, summary, device),
        }
    }

    /// The last hidden states `[rows, seq, d]`.
    pub fn hidden(&self, input: &ChoiceInput<B>) -> Tensor<B, 3> {
        self.transformer.forward_typed(
            input.input_ids.clone(),
            Some(input.token_type_ids.clone()),
            input.attention_mask.clone(),
            None,
        )
    }

    /// The multiple-choice scores `[examples, choices]` from the hidden states.
    pub fn mc_logits(&self, hidden: Tensor<B, 3>, input: &ChoiceInput<B>) -> Tensor<B, 2> {
        let [rows, seq, d] = hidden.dims();
        let chosen = hidden
            .reshape([rows * seq, d])
            .select(0, input.mc_positions.clone());
        let scores = self.multiple_choice_head.forward(chosen);
        scores.reshape([rows / input.choices, input.choices])
    }

    /// Language-model logits `[rows, seq, vocab]` and multiple-choice logits
    /// `[examples, choices]`, as `transformers` returns them.
    pub fn forward(&self, input: &ChoiceInput<B>) -> (Tensor<B, 3>, Tensor<B, 2>) {
        let hidden = self.hidden(input);
        let [rows, seq, d] = hidden.dims();
        let lm = self.head(hidden.clone().reshape([rows * seq, d]));
        let [_, vocab] = lm.dims();
        (
            lm.reshape([rows, seq, vocab]),
            self.mc_logits(hidden, input),
        )
    }

    /// The two losses: the mean cross-entropy of the language-model head over `targets` (the
    /// shifted labels that are not −100, as `transformers`' loss over the whole logits, but
    /// with the vocabulary product computed only where a label counts), and the
    /// multiple-choice cross-entropy against `mc_labels` `[examples]`.
    pub fn losses(
        &self,
        input: &ChoiceInput<B>,
        targets: LmTargets<B>,
        mc_labels: Tensor<B, 1, Int>,
    ) -> (Tensor<B, 1>, Tensor<B, 1>) {
        let (lm_loss, mc_logits) = self.lm_loss_and_scores(input, targets);
        (lm_loss, cross_entropy(mc_logits, mc_labels, None))
    }

    /// The language-model loss over `targets` (see [`Self::losses`]) and the multiple-choice
    /// logits `[examples, choices]`, from one forward pass.
    pub fn lm_loss_and_scores(
        &self,
        input: &ChoiceInput<B>,
        targets: LmTargets<B>,
    ) -> (Tensor<B, 1>, Tensor<B, 2>) {
        let hidden = self.hidden(input);
        let [rows, seq, d] = hidden.dims();
        let lm_loss = if targets.labels.dims()[0] == 0 {
            // Kept in the graph so that a backward pass sees zero gradients.
            hidden.clone().sum().mul_scalar(0.0)
        } else {
            let flat = hidden.clone().reshape([rows * seq, d]);
            cross_entropy(
                self.head(flat.select(0, targets.positions)),
                targets.labels,
                None,
            )
        };
        (lm_loss, self.mc_logits(hidden, input))
    }

    /// hidden `[n, d]` · wteᵀ.
    fn head(&self, hidden: Tensor<B, 2>) -> Tensor<B, 2> {
        hidden.matmul(self.transformer.wte.weight.val().transpose())
    }

    /// Grow the token embeddings (and the tied head) to `vocab_size` rows for added tokens.
    pub fn resize_token_embeddings(mut self, vocab_size: usize) -> Self {
        crate::layers::grow_embedding(&mut self.transformer.wte, vocab_size);
        self
    }
}

/// Burn paths → Hugging Face names of [`Gpt2DoubleHeads`] (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct DoubleHeadsNames;

impl NameMap for DoubleHeadsNames {
    fn hf_name(&self, path: &str) -> HfName {
        Gpt2Names.hf_name(path)
    }

    fn base_model_prefix(&self) -> &str {
        "transformer"
    }

    fn keeps_layout(&self, burn_path: &str) -> bool {
        // GPT-2's Conv1D layers are stored as Burn stores them; the head is an nn.Linear.
        !burn_path.starts_with("multiple_choice_head.")
    }

    fn is_ignorable(&self, hf_name: &str) -> bool {
        Gpt2Names.is_ignorable(hf_name)
    }
}

/// Build the model `spec` describes and load `dir`'s checkpoint into it: a
/// `GPT2DoubleHeadsModel`, or a `GPT2LMHeadModel` / `GPT2Model` whose multiple-choice head is
/// then new (the flag says so). Any other missing weight is an error naming it.
pub fn load_double_heads<B: Backend>(
    spec: &DecoderSpec,
    dir: &Path,
    device: &B::Device,
) -> Result<(Gpt2DoubleHeads<B>, bool), ModelError> {
    let path = dir.join(st_core::hub::CONFIG_FILE);
    let summary = SummaryConfig::from_hf(&HfConfig::new(&path, &spec.hf_config)?)?;
    let model = Gpt2DoubleHeads::new(&spec.config, &summary, device);
    let (model, mut report) = load_into(model, &Checkpoint::open(dir)?, &DoubleHeadsNames)?;
    let fresh_head = !report.missing_under(&["multiple_choice_head."]).is_empty();
    report
        .missing
        .retain(|(burn, _)| !burn.starts_with("multiple_choice_head."));
    report.complete("the GPT-2 double-heads model")?;
    if fresh_head {
        tracing::warn!(
            "{}: no multiple-choice head in the checkpoint (a language model): a new one is \
             initialised and needs training",
            dir.display()
        );
    }
    Ok((model, fresh_head))
}

/// Write `model`'s weights (the tied head not stored, as `transformers` saves it) and
/// `config.json` (architectures `[GPT2DoubleHeadsModel]`) into `dir`.
pub fn save_double_heads<B: Backend>(
    model: &Gpt2DoubleHeads<B>,
    spec: &DecoderSpec,
    dir: &Path,
) -> Result<(), ModelError> {
    let rows = model.transformer.wte.weight.dims()[0];
    super::load::save_gpt2_class(
        model,
        &DoubleHeadsNames,
        spec,
        "DoubleHeadsModel",
        rows,
        dir,
    )
}

/// The decoding state of [`Gpt2DoubleHeads`]: the key/value cache and each row's token types —
/// the prompt's for the first step, then one type for every generated token (the replying
/// speaker's).
#[derive(Debug, Clone)]
pub struct TypedState<B: Backend> {
    pub cache: KvCache<B>,
    /// Each row's prompt token types, as long as its prompt.
    pub prompt_types: Vec<Vec<u32>>,
    /// Each row's type of generated tokens.
    pub reply_types: Vec<u32>,
}

impl<B: Backend> TypedState<B> {
    /// The empty state for `model` and prompts with these token types.
    pub fn new(
        model: &Gpt2DoubleHeads<B>,
        prompt_types: Vec<Vec<u32>>,
        reply_types: Vec<u32>,
    ) -> Self {
        Self {
            cache: KvCache::new(model.transformer.h.len()),
            prompt_types,
            reply_types,
        }
    }

    /// The types `[rows, n]` of the next step's `n` tokens; the first step's prompts are
    /// left-padded to `n` (padding's type is masked anyway).
    fn step_types(&self, rows: usize, n: usize, device: &B::Device) -> Tensor<B, 2, Int> {
        let first = self.cache.is_empty();
        let mut flat = Vec::with_capacity(rows * n);
        for row in 0..rows {
            let reply = i64::from(self.reply_types[row]);
            if first {
                let types = &self.prompt_types[row];
                flat.extend(std::iter::repeat_n(reply, n - types.len()));
                flat.extend(types.iter().map(|&t| i64::from(t)));
            } else {
                flat.extend(std::iter::repeat_n(reply, n));
            }
        }
        Tensor::from_data(TensorData::new(flat, [rows, n]), device)
    }
}

impl<B: Backend> Autoregressive<B> for Gpt2DoubleHeads<B> {
    type State = TypedState<B>;

    fn step(
        &self,
        state: &mut TypedState<B>,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Tensor<B, 2, Int>,
    ) -> Tensor<B, 2> {
        let [rows, n] = input_ids.dims();
        let types = state.step_types(rows, n, &input_ids.device());
        let hidden = (self.transformer).forward_typed(
            input_ids,
            Some(types),
            attention_mask,
            Some(&mut state.cache),
        );
        let [_, _, d] = hidden.dims();
        self.head(hidden.slice([0..rows, n - 1..n]).reshape([rows, d]))
    }

    fn reorder(&self, state: TypedState<B>, rows: &[usize]) -> TypedState<B> {
        TypedState {
            cache: state.cache.select(rows),
            prompt_types: rows
                .iter()
                .map(|&r| state.prompt_types[r].clone())
                .collect(),
            reply_types: rows.iter().map(|&r| state.reply_types[r]).collect(),
        }
    }

    fn max_positions(&self) -> Option<usize> {
        Some(self.transformer.wpe.weight.dims()[0])
    }

    fn device(&self) -> B::Device {
        self.transformer.wte.weight.device()
    }
}

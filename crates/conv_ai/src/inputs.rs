//! Model inputs as Python Simple Transformers builds them (`build_input_from_segments`,
//! `load_and_cache_examples`): the persona after `<bos>`, the history window, then the reply
//! ending in `<eos>`; every segment after the persona starts with a speaker token, and token
//! types mark the segments by speaker; language-model labels only on the gold reply; the
//! multiple-choice head reads each candidate's last token.

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};
use st_core::tokenizer::Tokenizer;
use st_models::decoder::{ChoiceInput, LmTargets};

use crate::data::DataError;

/// The five tokens ConvAI adds, in the order Python's `add_special_tokens` adds them (so new
/// ones get the same ids): `bos_token`, `eos_token`, `pad_token`, then the speakers.
pub const SPECIAL_TOKENS: [&str; 5] = ["<bos>", "<eos>", "<pad>", "<speaker1>", "<speaker2>"];

/// Label of a position the language-model loss ignores.
pub const IGNORE_INDEX: i64 = -100;

/// The ids of the special tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecialIds {
    pub bos: u32,
    pub eos: u32,
    pub pad: u32,
    pub speaker1: u32,
    pub speaker2: u32,
}

impl SpecialIds {
    /// The ids in `tokenizer`, which must have all five tokens.
    pub fn of(tokenizer: &Tokenizer) -> Result<Self, st_core::Error> {
        let id = |token: &str| {
            tokenizer
                .token_to_id(token)
                .ok_or_else(|| st_core::Error::Other(format!("the tokenizer has no {token} token")))
        };
        Ok(Self {
            bos: id("<bos>")?,
            eos: id("<eos>")?,
            pad: id("<pad>")?,
            speaker1: id("<speaker1>")?,
            speaker2: id("<speaker2>")?,
        })
    }

    /// All five: a reply ends at any of them.
    pub fn all(&self) -> Vec<u32> {
        vec![self.bos, self.eos, self.pad, self.speaker1, self.speaker2]
    }
}

/// One candidate sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub input_ids: Vec<u32>,
    pub token_type_ids: Vec<u32>,
    /// The gold reply: the first labelled position (the labels are the tokens themselves
    /// from there on, −100 before); `None` for a distractor.
    pub label_start: Option<usize>,
}

impl Candidate {
    /// The token the multiple-choice head reads: the last.
    pub fn mc_token_id(&self) -> usize {
        self.input_ids.len() - 1
    }

    /// The language-model labels, as Python's `labels`.
    pub fn labels(&self) -> Vec<i64> {
        let start = self.label_start.unwrap_or(self.input_ids.len());
        (self.input_ids.iter().enumerate())
            .map(|(t, &id)| {
                if t >= start {
                    i64::from(id)
                } else {
                    IGNORE_INDEX
                }
            })
            .collect()
    }
}

/// Python's `build_input_from_segments(persona, history, reply, labels, with_eos)`.
pub fn build_input(
    ids: &SpecialIds,
    persona: &[Vec<u32>],
    history: &[Vec<u32>],
    reply: &[u32],
    labels: bool,
    with_eos: bool,
) -> Candidate {
    let n = history.len() + 2;
    let (mut input_ids, mut token_type_ids) = (Vec::new(), Vec::new());
    let mut push = |segment: usize, prefix: Option<u32>, tokens: &[u32]| {
        let kind = if segment % 2 == 1 {
            ids.speaker2
        } else {
            ids.speaker1
        };
        let start = input_ids.len();
        input_ids.extend(prefix);
        input_ids.extend_from_slice(tokens);
        token_type_ids.resize(input_ids.len(), kind);
        start
    };
    // The speaker prefix counts from the end (Python's `(len(sequence) - i) % 2` over the
    // segments after the persona), so the reply's speaker is always the same one.
    let speaker = |segment: usize| {
        if (n - (segment - 1)) % 2 == 1 {
            ids.speaker2
        } else {
            ids.speaker1
        }
    };
    let persona: Vec<u32> = std::iter::once(ids.bos)
        .chain(persona.iter().flatten().copied())
        .collect();
    push(0, None, &persona);
    for (i, utterance) in history.iter().enumerate() {
        push(i + 1, Some(speaker(i + 1)), utterance);
    }
    let mut last: Vec<u32> = reply.to_vec();
    if with_eos {
        last.push(ids.eos);
    }
    let reply_start = push(n - 1, Some(speaker(n - 1)), &last);
    Candidate {
        input_ids,
        token_type_ids,
        // The speaker token itself is not a label.
        label_start: labels.then_some(reply_start + 1),
    }
}

/// A dialogue tokenised (no special tokens added).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenizedDialogue {
    pub personality: Vec<Vec<u32>>,
    pub utterances: Vec<TokenizedUtterance>,
}

/// An utterance tokenised: the history before it and the candidates (gold last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenizedUtterance {
    pub history: Vec<Vec<u32>>,
    pub candidates: Vec<Vec<u32>>,
}

/// One training or evaluation item: the candidates of one utterance, the gold one last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub candidates: Vec<Candidate>,
}

impl Instance {
    /// The multiple-choice label: the gold candidate is the last.
    pub fn mc_label(&self) -> usize {
        self.candidates.len() - 1
    }

    /// The longest candidate.
    pub fn max_len(&self) -> usize {
        (self.candidates.iter())
            .map(|c| c.input_ids.len())
            .max()
            .unwrap_or(0)
    }
}

/// How a dialogue becomes instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceSettings {
    /// Candidates per utterance: its last this many.
    pub num_candidates: usize,
    /// History utterances kept: the last this many (`2 · max_history + 1`).
    pub history_window: usize,
    /// Passes over the dialogue, the persona rotated by one sentence after each.
    pub personality_permutations: usize,
}

/// Python's loop over one dialogue in `load_and_cache_examples`. Dialogue `index` names it in
/// errors.
pub fn dialogue_instances(
    dialogue: &TokenizedDialogue,
    index: usize,
    settings: &InstanceSettings,
    ids: &SpecialIds,
) -> Result<Vec<Instance>, DataError> {
    let mut persona = dialogue.personality.clone();
    let needed = settings.num_candidates;
    let mut out = Vec::with_capacity(dialogue.utterances.len() * settings.personality_permutations);
    for _ in 0..settings.personality_permutations {
        for (u, utterance) in dialogue.utterances.iter().enumerate() {
            let (history, candidates) = (&utterance.history, &utterance.candidates);
            if candidates.len() < needed {
                return Err(DataError::TooFewCandidates {
                    dialogue: index,
                    utterance: u,
                    found: candidates.len(),
                    needed,
                });
            }
            let history = &history[history.len().saturating_sub(settings.history_window)..];
            let chosen = &candidates[candidates.len() - needed..];
            let candidates = (chosen.iter().enumerate())
                .map(|(j, reply)| build_input(ids, &persona, history, reply, j + 1 == needed, true))
                .collect();
            out.push(Instance { candidates });
        }
        // (Python's `[persona[-1]] + persona[:-1]`, which fails on an empty persona.)
        if !persona.is_empty() {
            persona.rotate_right(1);
        }
    }
    Ok(out)
}

/// A batch of instances, padded with `<pad>` to its longest candidate (Python pads to the
/// longest of the whole dataset; with causal attention and the padding at the end, the
/// scores are the same).
#[derive(Debug, Clone)]
pub struct ConvBatch<B: Backend> {
    pub input: ChoiceInput<B>,
    pub targets: LmTargets<B>,
    pub mc_labels: Tensor<B, 1, Int>,
}

impl<B: Backend> ConvBatch<B> {
    pub fn new(instances: &[&Instance], pad: u32, device: &B::Device) -> Self {
        let choices = instances.first().map_or(1, |i| i.candidates.len());
        let seq = instances.iter().map(|i| i.max_len()).max().unwrap_or(1);
        let rows = instances.len() * choices;
        let (mut ids, mut types) = (
            vec![i64::from(pad); rows * seq],
            vec![i64::from(pad); rows * seq],
        );
        let mut mask = vec![0i64; rows * seq];
        let (mut mc_positions, mut positions, mut labels) = (Vec::new(), Vec::new(), Vec::new());
        let candidates = instances.iter().flat_map(|i| &i.candidates);
        for (row, candidate) in candidates.enumerate() {
            let at = row * seq;
            let n = candidate.input_ids.len();
            for (t, (&id, &kind)) in candidate
                .input_ids
                .iter()
                .zip(&candidate.token_type_ids)
                .enumerate()
            {
                ids[at + t] = i64::from(id);
                types[at + t] = i64::from(kind);
                mask[at + t] = 1;
            }
            mc_positions.push((at + candidate.mc_token_id()) as i64);
            if let Some(start) = candidate.label_start {
                // Position t − 1 predicts the label at t.
                for t in start.max(1)..n {
                    positions.push((at + t - 1) as i64);
                    labels.push(i64::from(candidate.input_ids[t]));
                }
            }
        }
        let grid =
            |v: Vec<i64>| Tensor::<B, 2, Int>::from_data(TensorData::new(v, [rows, seq]), device);
        let line = |v: Vec<i64>| {
            let n = v.len();
            Tensor::<B, 1, Int>::from_data(TensorData::new(v, [n]), device)
        };
        let mc_labels = instances.iter().map(|i| i.mc_label() as i64).collect();
        Self {
            input: ChoiceInput {
                input_ids: grid(ids),
                token_type_ids: grid(types),
                attention_mask: grid(mask),
                mc_positions: line(mc_positions),
                choices,
            },
            targets: LmTargets {
                positions: line(positions),
                labels: line(labels),
            },
            mc_labels: line(mc_labels),
        }
    }
}

//! Sentences → model inputs, so that every word gets exactly one prediction.
//!
//! Words are tokenised as pre-split input (`is_split_into_words`); a word's tag goes on its
//! first sub-token, the ignore index (−100) on its other sub-tokens and on special tokens, as
//! Simple Transformers and `transformers` do. A word the tokenizer turns into nothing (a lone
//! control character, say) becomes the unknown token, so it still has a first sub-token.
//!
//! Python truncates a sentence longer than `max_seq_length` and silently drops the tail's
//! predictions. Here such a sentence is cut at word boundaries into overlapping windows that
//! each fit (see [`plan_windows`]); every word is *owned* by exactly one window, the one where
//! it sits furthest from a cut, and only owned words carry a label (in training) or give the
//! prediction (in evaluation). A single word longer than a whole window keeps its first
//! sub-tokens only.

use std::ops::Range;

use serde::{Deserialize, Serialize};
use st_core::tokenizer::{Tokenizer, TokenizerError};

use crate::data::Sentence;

/// The label of sub-tokens and special tokens that the loss ignores (PyTorch's default
/// `ignore_index`).
pub const IGNORE_INDEX: i64 = -100;

/// Which words a window covers and which of them it owns (indices into the sentence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowPlan {
    pub words: Range<usize>,
    pub owned: Range<usize>,
}

/// Cut a sentence whose words have `counts` sub-tokens (each at most `budget`) into windows of
/// at most `budget` sub-tokens.
///
/// Each window takes as many words as fit from its start. The next window starts so that at
/// most half a window of the previous one's words come again as left context (less when its
/// first new word would not fit); the words the two share are split at their middle between
/// them. So every word is owned exactly once, owned
/// words lie inside their window, and all but the first and last windows give their owned
/// words context on both sides. A sentence that fits is one window owning everything.
pub fn plan_windows(counts: &[usize], budget: usize) -> Vec<WindowPlan> {
    let n = counts.len();
    let budget = budget.max(1);
    let mut plans = Vec::new();
    let (mut start, mut owned_start) = (0, 0);
    while start < n {
        let mut end = start;
        let mut used = 0;
        while end < n && used + counts[end] <= budget {
            used += counts[end];
            end += 1;
        }
        let end = end.max(start + 1);
        if end == n {
            plans.push(WindowPlan {
                words: start..n,
                owned: owned_start..n,
            });
            break;
        }
        let mut next = end;
        let mut context = 0;
        while next > start + 1 && context + counts[next - 1] <= budget / 2 {
            context += counts[next - 1];
            next -= 1;
        }
        // The next window must reach past this one, or it would own nothing.
        while next < end && context + counts[end] > budget {
            context -= counts[next];
            next += 1;
        }
        let owned_end = (next + end).div_ceil(2).max(owned_start + 1).min(end);
        plans.push(WindowPlan {
            words: start..end,
            owned: owned_start..owned_end,
        });
        owned_start = owned_end;
        start = next.min(owned_start);
    }
    plans
}

/// The sub-tokens of one owned word inside its window: positions `tokens` (special tokens
/// counted), the first of which carries the word's tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WordTokens {
    /// Index of the word in its sentence.
    pub word: usize,
    pub tokens: Range<usize>,
}

/// One model input row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Index of the sentence the window comes from.
    pub sentence: usize,
    /// Token ids with the special tokens.
    pub ids: Vec<i64>,
    /// Per token: the tag index on the first sub-token of an owned word, else [`IGNORE_INDEX`].
    pub labels: Vec<i64>,
    /// The owned words, in order.
    pub words: Vec<WordTokens>,
}

/// How sentences become windows: the tokenizer's frame and the window size.
pub struct Featurizer<'a> {
    tokenizer: &'a Tokenizer,
    prefix: Vec<i64>,
    suffix: Vec<i64>,
    unk: i64,
    /// Sub-tokens per window, special tokens excluded.
    budget: usize,
}

impl<'a> Featurizer<'a> {
    pub fn new(tokenizer: &'a Tokenizer, max_seq_length: usize) -> Result<Self, TokenizerError> {
        let (prefix, suffix) = tokenizer.single_sequence_frame()?;
        let to_i64 = |ids: Vec<u32>| ids.into_iter().map(i64::from).collect::<Vec<_>>();
        let budget = max_seq_length
            .saturating_sub(prefix.len() + suffix.len())
            .max(1);
        Ok(Self {
            unk: i64::from(tokenizer.unk_id().unwrap_or(tokenizer.pad_id())),
            prefix: to_i64(prefix),
            suffix: to_i64(suffix),
            tokenizer,
            budget,
        })
    }

    /// The sub-token ids of each word of `words`.
    pub fn word_tokens(&self, words: &[String]) -> Result<Vec<Vec<i64>>, TokenizerError> {
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        let encoding = self.tokenizer.encode_words(&refs)?;
        let mut per_word: Vec<Vec<i64>> = vec![Vec::new(); words.len()];
        for (&id, word) in encoding.get_ids().iter().zip(encoding.get_word_ids()) {
            if let Some(w) = word.and_then(|w| per_word.get_mut(w as usize)) {
                w.push(i64::from(id));
            }
        }
        for tokens in &mut per_word {
            if tokens.is_empty() {
                tokens.push(self.unk);
            }
            tokens.truncate(self.budget);
        }
        Ok(per_word)
    }

    /// The windows of sentence number `index`, each word's tag index from `tag_of` (called for
    /// owned words only).
    pub fn windows(
        &self,
        index: usize,
        sentence: &Sentence,
        tag_of: impl Fn(usize) -> i64,
    ) -> Result<Vec<Window>, TokenizerError> {
        let tokens = self.word_tokens(&sentence.words)?;
        let counts: Vec<usize> = tokens.iter().map(Vec::len).collect();
        Ok(plan_windows(&counts, self.budget)
            .into_iter()
            .map(|plan| {
                let mut ids = self.prefix.clone();
                let mut words = Vec::with_capacity(plan.owned.len());
                for w in plan.words.clone() {
                    if plan.owned.contains(&w) {
                        words.push(WordTokens {
                            word: w,
                            tokens: ids.len()..ids.len() + tokens[w].len(),
                        });
                    }
                    ids.extend_from_slice(&tokens[w]);
                }
                ids.extend_from_slice(&self.suffix);
                let mut labels = vec![IGNORE_INDEX; ids.len()];
                for word in &words {
                    labels[word.tokens.start] = tag_of(word.word);
                }
                Window {
                    sentence: index,
                    ids,
                    labels,
                    words,
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(counts: &[usize], budget: usize) {
        let plans = plan_windows(counts, budget);
        let mut owner = vec![0usize; counts.len()];
        let mut last_start = None;
        for plan in &plans {
            assert!(plan.owned.start >= plan.words.start && plan.owned.end <= plan.words.end);
            assert!(!plan.owned.is_empty(), "{counts:?} {budget}: {plans:?}");
            let used: usize = counts[plan.words.clone()].iter().sum();
            assert!(
                used <= budget || plan.words.len() == 1,
                "{plan:?} uses {used}"
            );
            assert!(last_start < Some(plan.words.start) || last_start.is_none());
            last_start = Some(plan.words.start);
            for w in plan.owned.clone() {
                owner[w] += 1;
            }
        }
        assert!(
            owner.iter().all(|&o| o == 1),
            "{counts:?} {budget}: {plans:?}"
        );
    }

    #[test]
    fn every_word_is_owned_once() {
        // A small deterministic generator: no dependency, same cases everywhere.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |m: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % m as u64) as usize
        };
        for _ in 0..2000 {
            let budget = 1 + next(20);
            let n = next(60);
            let counts: Vec<usize> = (0..n).map(|_| 1 + next(budget)).collect();
            check(&counts, budget);
        }
    }

    #[test]
    fn short_sentences_are_one_window() {
        assert_eq!(
            plan_windows(&[1, 2, 1], 10),
            vec![WindowPlan {
                words: 0..3,
                owned: 0..3
            }]
        );
        assert!(plan_windows(&[], 10).is_empty());
    }

    #[test]
    fn long_sentences_overlap_by_half_a_window() {
        let plans = plan_windows(&[1; 10], 4);
        assert_eq!(plans[0].words, 0..4);
        assert_eq!(plans[1].words, 2..6);
        // The shared words 2 and 3 are split between the two windows.
        assert_eq!(plans[0].owned, 0..3);
        assert_eq!(plans[1].owned.start, 3);
        check(&[1; 10], 4);
    }
}

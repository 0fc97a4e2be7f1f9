//! Question + context windows: the question's tokens, then a run of the context's tokens,
//! framed by the tokenizer's own pair template (`[CLS] q [SEP] c [SEP]`, `<s> q </s></s> c
//! </s>`, …). A context too long for one window is covered by several, each starting
//! `doc_stride` context tokens after the previous one (Python's rule: when `doc_stride` is at
//! least a window's room, windows simply follow each other).
//!
//! Token positions in the context come from the tokenizer's offsets (byte ranges of the
//! original text), so an answer's tokens and a predicted span's text need no whitespace logic
//! and survive accents and multi-byte characters.

use st_core::tokenizer::Tokenizer;
use tokenizers::{Encoding, Token};

use crate::data::{Context, DataError};

/// What stops a context from being cut into windows.
#[derive(Debug, thiserror::Error)]
pub enum FeatureError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("tokenizing {what}: {message}")]
    Tokenize { what: String, message: String },
    #[error(
        "question {id:?}: max_seq_length {max_seq_length} leaves no room for context after a question of {question_tokens} tokens and {special_tokens} special tokens (lower max_query_length or raise max_seq_length)"
    )]
    NoRoom {
        id: String,
        max_seq_length: usize,
        question_tokens: usize,
        special_tokens: usize,
    },
}

/// One model input: a question with one run of its context.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Window {
    /// Index of the question (in the flat list of all questions of the data).
    pub question: usize,
    pub ids: Vec<i64>,
    pub type_ids: Vec<i64>,
    /// Position in `ids` of the window's first context token.
    pub context_start: usize,
    /// Byte range in the context of each of the window's context tokens.
    pub offsets: Vec<(usize, usize)>,
    /// Whether each context token has more context around it in this window than in any other
    /// window of the question (the SQuAD "max context" rule; the first window wins ties).
    pub max_context: Vec<bool>,
    /// Training labels: the answer's first and last token in `ids`, or 0 (the CLS position)
    /// for an impossible question or an answer not wholly inside this window.
    pub start_position: i64,
    pub end_position: i64,
}

/// The special tokens (id, type id) around and between the two sequences of a pair, and the
/// type ids the template gives each sequence.
#[derive(Debug, Clone)]
struct PairFrame {
    prefix: Vec<(i64, i64)>,
    middle: Vec<(i64, i64)>,
    suffix: Vec<(i64, i64)>,
    question_type: i64,
    context_type: i64,
}

impl PairFrame {
    /// Read the frame off the tokenizer's post-processor by running it on a one-token pair.
    fn of(tokenizer: &Tokenizer) -> Result<Self, FeatureError> {
        let one = |type_id| Encoding::from_tokens(vec![Token::new(0, "a".into(), (0, 1))], type_id);
        let framed = tokenizer
            .inner()
            .post_process(one(0), Some(one(1)), true)
            .map_err(|e| FeatureError::Tokenize {
                what: "the pair template".into(),
                message: e.to_string(),
            })?;
        let sequence = framed.get_sequence_ids();
        let at = |s| sequence.iter().position(|&x| x == Some(s));
        let (Some(q), Some(c)) = (at(0), at(1)) else {
            return Err(FeatureError::Tokenize {
                what: "the pair template".into(),
                message: "it does not keep both sequences".into(),
            });
        };
        let pairs: Vec<(i64, i64)> = framed
            .get_ids()
            .iter()
            .zip(framed.get_type_ids())
            .map(|(&id, &t)| (i64::from(id), i64::from(t)))
            .collect();
        Ok(Self {
            prefix: pairs[..q].to_vec(),
            middle: pairs[q + 1..c].to_vec(),
            suffix: pairs[c + 1..].to_vec(),
            question_type: pairs[q].1,
            context_type: pairs[c].1,
        })
    }

    fn special_tokens(&self) -> usize {
        self.prefix.len() + self.middle.len() + self.suffix.len()
    }
}

/// Cuts questions and contexts into windows.
#[derive(Debug, Clone)]
pub struct Featurizer<'a> {
    tokenizer: &'a Tokenizer,
    frame: PairFrame,
    pub max_seq_length: usize,
    pub max_query_length: usize,
    pub doc_stride: usize,
}

impl<'a> Featurizer<'a> {
    pub fn new(
        tokenizer: &'a Tokenizer,
        max_seq_length: usize,
        max_query_length: usize,
        doc_stride: usize,
    ) -> Result<Self, FeatureError> {
        Ok(Self {
            frame: PairFrame::of(tokenizer)?,
            tokenizer,
            max_seq_length,
            max_query_length,
            doc_stride: doc_stride.max(1),
        })
    }

    fn encode(&self, text: &str, what: impl Fn() -> String) -> Result<Encoding, FeatureError> {
        self.tokenizer
            .inner()
            .encode(text, false)
            .map_err(|e| FeatureError::Tokenize {
                what: what(),
                message: e.to_string(),
            })
    }

    /// The windows of every question of `context`, numbered from `first_question`. With
    /// `labelled`, answers are checked and located (training and evaluation); without, answers
    /// are ignored (prediction).
    pub fn windows(
        &self,
        context: &Context,
        first_question: usize,
        labelled: bool,
    ) -> Result<Vec<Window>, FeatureError> {
        let text = &context.context;
        let encoded = self.encode(text, || {
            format!(
                "the context of question {:?}",
                context.qas.first().map(|q| &q.id)
            )
        })?;
        let ids: Vec<i64> = encoded.get_ids().iter().map(|&i| i64::from(i)).collect();
        let offsets = encoded.get_offsets();
        let mut windows = Vec::new();
        for (q, question) in context.qas.iter().enumerate() {
            let asked =
                self.encode(&question.question, || format!("question {:?}", question.id))?;
            let query: Vec<i64> = asked
                .get_ids()
                .iter()
                .take(self.max_query_length)
                .map(|&i| i64::from(i))
                .collect();
            let room = self
                .max_seq_length
                .checked_sub(query.len() + self.frame.special_tokens())
                .filter(|&r| r > 0)
                .ok_or_else(|| FeatureError::NoRoom {
                    id: question.id.clone(),
                    max_seq_length: self.max_seq_length,
                    question_tokens: query.len(),
                    special_tokens: self.frame.special_tokens(),
                })?;
            let answer = if labelled {
                question
                    .answer_span(text)?
                    .and_then(|span| answer_tokens(offsets, span))
            } else {
                None
            };
            let spans = spans(ids.len(), room, self.doc_stride);
            for (w, &(start, len)) in spans.iter().enumerate() {
                windows.push(self.window(
                    first_question + q,
                    &query,
                    &ids[start..start + len],
                    &offsets[start..start + len],
                    max_context(&spans, w),
                    answer.map(|(s, e)| (s as i64 - start as i64, e as i64 - start as i64)),
                ));
            }
        }
        Ok(windows)
    }

    /// Assemble one window; `answer` is the answer's token range relative to the window's
    /// first context token.
    fn window(
        &self,
        question: usize,
        query: &[i64],
        context_ids: &[i64],
        offsets: &[(usize, usize)],
        max_context: Vec<bool>,
        answer: Option<(i64, i64)>,
    ) -> Window {
        let frame = &self.frame;
        let total = frame.special_tokens() + query.len() + context_ids.len();
        let (mut ids, mut type_ids) = (Vec::with_capacity(total), Vec::with_capacity(total));
        let push_specials = |tokens: &[(i64, i64)], ids: &mut Vec<i64>, types: &mut Vec<i64>| {
            for &(id, t) in tokens {
                ids.push(id);
                types.push(t);
            }
        };
        push_specials(&frame.prefix, &mut ids, &mut type_ids);
        ids.extend_from_slice(query);
        type_ids.extend(std::iter::repeat_n(frame.question_type, query.len()));
        push_specials(&frame.middle, &mut ids, &mut type_ids);
        let context_start = ids.len();
        ids.extend_from_slice(context_ids);
        type_ids.extend(std::iter::repeat_n(frame.context_type, context_ids.len()));
        push_specials(&frame.suffix, &mut ids, &mut type_ids);
        let inside = |&(s, e): &(i64, i64)| s >= 0 && e < context_ids.len() as i64;
        let (start_position, end_position) = answer.filter(inside).map_or((0, 0), |(s, e)| {
            (s + context_start as i64, e + context_start as i64)
        });
        Window {
            question,
            ids,
            type_ids,
            context_start,
            offsets: offsets.to_vec(),
            max_context,
            start_position,
            end_position,
        }
    }
}

/// The first and last context token overlapping the byte range `span`; `None` if no token does
/// (an answer of whitespace only).
fn answer_tokens(
    offsets: &[(usize, usize)],
    (begin, end): (usize, usize),
) -> Option<(usize, usize)> {
    let overlaps = |&(s, e): &(usize, usize)| s < e && e > begin && s < end.max(begin + 1);
    let first = offsets.iter().position(overlaps)?;
    let last = offsets.iter().rposition(overlaps)?;
    Some((first, last))
}

/// `(first token, length)` of the windows over `n` context tokens with `room` tokens each,
/// each starting `stride` tokens after the previous one, the last ending at the context's end.
/// An empty context still gets one (empty) window, so that its question can be answered null.
pub fn spans(n: usize, room: usize, stride: usize) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    loop {
        let len = room.min(n - start);
        spans.push((start, len));
        if start + len >= n {
            return spans;
        }
        start += len.min(stride);
    }
}

/// For each token of window `w`: is `w` the window where it has the most context, scored as
/// `min(tokens left, tokens right) + 0.01 × window length` (the first best window wins)?
pub fn max_context(spans: &[(usize, usize)], w: usize) -> Vec<bool> {
    let score = |(start, len): (usize, usize), token: usize| -> Option<f64> {
        (token >= start && token < start + len).then(|| {
            let (left, right) = (token - start, start + len - 1 - token);
            left.min(right) as f64 + 0.01 * len as f64
        })
    };
    let (start, len) = spans[w];
    (start..start + len)
        .map(|token| {
            let mine = score(spans[w], token).unwrap_or(f64::NEG_INFINITY);
            spans[..w]
                .iter()
                .all(|&s| score(s, token).is_none_or(|x| x < mine))
                && spans[w + 1..]
                    .iter()
                    .all(|&s| score(s, token).is_none_or(|x| x <= mine))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_cover_the_context_and_end_at_its_end() {
        assert_eq!(spans(10, 4, 2), vec![(0, 4), (2, 4), (4, 4), (6, 4)]);
        assert_eq!(spans(10, 4, 384), vec![(0, 4), (4, 4), (8, 2)]);
        assert_eq!(spans(3, 4, 2), vec![(0, 3)]);
        assert_eq!(spans(0, 4, 2), vec![(0, 0)]);
        for n in 1..40 {
            for room in 1..9 {
                for stride in 1..12 {
                    let s = spans(n, room, stride);
                    let covered: std::collections::HashSet<usize> =
                        s.iter().flat_map(|&(a, l)| a..a + l).collect();
                    assert_eq!(covered.len(), n);
                    assert_eq!(s.last().map(|&(a, l)| a + l), Some(n));
                }
            }
        }
    }

    #[test]
    fn every_token_has_exactly_one_max_context_window() {
        for n in 1..30 {
            for (room, stride) in [(4, 2), (5, 3), (6, 1), (4, 9)] {
                let s = spans(n, room, stride);
                let mut owners = vec![0; n];
                for w in 0..s.len() {
                    for (i, own) in max_context(&s, w).into_iter().enumerate() {
                        owners[s[w].0 + i] += usize::from(own);
                    }
                }
                assert!(
                    owners.iter().all(|&o| o == 1),
                    "n {n} room {room}: {owners:?}"
                );
            }
        }
    }

    #[test]
    fn middle_tokens_belong_to_the_window_centred_on_them() {
        // Windows [0,4) and [2,6): token 2 is at the edge of neither; token 3 has 0 tokens
        // right in the first and 1 each side in the second.
        let s = spans(6, 4, 2);
        assert_eq!(max_context(&s, 0), vec![true, true, true, false]);
        assert_eq!(max_context(&s, 1), vec![false, true, true, true]);
    }

    #[test]
    fn answers_map_to_overlapping_tokens() {
        let offsets = [(0, 3), (4, 9), (9, 12), (13, 17)];
        assert_eq!(answer_tokens(&offsets, (4, 12)), Some((1, 2)));
        assert_eq!(answer_tokens(&offsets, (5, 8)), Some((1, 1)));
        assert_eq!(answer_tokens(&offsets, (3, 4)), None);
    }
}

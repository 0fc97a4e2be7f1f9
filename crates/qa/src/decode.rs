//! From start / end logits to answers: the n best spans of a question across all its windows
//! (each start token taken only from the window where it has the most context), the null
//! (empty) answer scored by the CLS position, and the answer text cut from the original
//! context by the tokens' offsets.
//!
//! The rules are those of the SQuAD v2 reference post-processing that Simple Transformers
//! uses: candidates are the `n_best_size` best start and end positions of each window; a span
//! must lie in the context, end at or after its start and be at most `max_answer_length`
//! tokens; the null answer competes with its score `start[CLS] + end[CLS]` (the smallest over
//! the windows); probabilities are a softmax over the kept answers' scores; the prediction is
//! empty when `null score − best span score > null_score_diff_threshold`.

use serde::{Deserialize, Serialize};

use crate::features::Window;

/// The logits of one window (its unpadded length).
#[derive(Debug, Clone, PartialEq)]
pub struct WindowLogits {
    pub start: Vec<f32>,
    pub end: Vec<f32>,
}

/// One of the n best answers of a question (an entry of `nbest_predictions_test.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NBestAnswer {
    pub text: String,
    pub probability: f64,
    pub start_logit: f32,
    pub end_logit: f32,
}

/// Decoding settings (from the arguments).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecodeOptions {
    pub n_best_size: usize,
    pub max_answer_length: usize,
    pub null_score_diff_threshold: f64,
}

/// The decoded answers of one question.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// Best first; the empty text is the null answer.
    pub nbest: Vec<NBestAnswer>,
    /// `null score − best span score` (`null_odds_test.json`); `None` when no span qualified.
    pub score_diff: Option<f64>,
    /// The answer: the best span, or empty when the null answer wins by the threshold.
    pub prediction: String,
}

struct Candidate {
    score: f32,
    start_logit: f32,
    end_logit: f32,
    /// Byte range in the context; `None` for the null answer.
    span: Option<(usize, usize)>,
}

/// The `k` positions with the largest values, largest first (ties: lower position first).
fn top_positions(values: &[f32], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    order.truncate(k);
    order
}

/// Decode one question from its windows and their logits (same order), over `context`.
pub fn decode(
    context: &str,
    windows: &[&Window],
    logits: &[&WindowLogits],
    options: &DecodeOptions,
) -> Decoded {
    let mut candidates = Vec::new();
    let mut null: Option<Candidate> = None;
    for (window, logits) in windows.iter().zip(logits) {
        let (start, end) = (&logits.start, &logits.end);
        if start.is_empty() || end.is_empty() {
            continue;
        }
        let null_score = start[0] + end[0];
        if null.as_ref().is_none_or(|n| null_score < n.score) {
            null = Some(Candidate {
                score: null_score,
                start_logit: start[0],
                end_logit: end[0],
                span: None,
            });
        }
        let context_token = |position: usize| {
            position
                .checked_sub(window.context_start)
                .filter(|&t| t < window.offsets.len())
        };
        let ends = top_positions(end, options.n_best_size);
        for s in top_positions(start, options.n_best_size) {
            let Some(ts) = context_token(s).filter(|&t| window.max_context[t]) else {
                continue;
            };
            for &e in &ends {
                let Some(te) = context_token(e) else { continue };
                if te < ts || te - ts + 1 > options.max_answer_length {
                    continue;
                }
                candidates.push(Candidate {
                    score: start[s] + end[e],
                    start_logit: start[s],
                    end_logit: end[e],
                    span: Some((window.offsets[ts].0, window.offsets[te].1)),
                });
            }
        }
    }
    let null_score = null.as_ref().map(|n| f64::from(n.score));
    candidates.extend(null);
    // Stable: among equal scores the earlier window and position stay first.
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));

    let mut kept: Vec<&Candidate> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    for candidate in &candidates {
        if kept.len() >= options.n_best_size {
            break;
        }
        let text = candidate
            .span
            .map_or("", |(b, e)| context.get(b..e).unwrap_or("").trim());
        if (candidate.span.is_some() && text.is_empty()) || texts.iter().any(|t| t == text) {
            continue;
        }
        texts.push(text.to_string());
        kept.push(candidate);
    }
    let best_span = kept.iter().position(|c| c.span.is_some());
    let max = kept
        .iter()
        .map(|c| c.score)
        .fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f64> = kept
        .iter()
        .map(|c| f64::from(c.score - max).exp())
        .collect();
    let total: f64 = exps.iter().sum();
    let nbest: Vec<NBestAnswer> = kept
        .iter()
        .zip(texts)
        .zip(&exps)
        .map(|((c, text), e)| NBestAnswer {
            text,
            probability: e / total,
            start_logit: c.start_logit,
            end_logit: c.end_logit,
        })
        .collect();
    let score_diff = best_span
        .zip(null_score)
        .map(|(i, null)| null - f64::from(kept[i].score));
    let prediction = match (best_span, score_diff) {
        (Some(i), Some(diff)) if diff <= options.null_score_diff_threshold => nbest[i].text.clone(),
        (Some(i), None) => nbest[i].text.clone(),
        _ => String::new(),
    };
    Decoded {
        nbest,
        score_diff,
        prediction,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: DecodeOptions = DecodeOptions {
        n_best_size: 3,
        max_answer_length: 3,
        null_score_diff_threshold: 0.0,
    };

    /// `[CLS] q [SEP] w0 w1 w2 w3 [SEP]` over "ab cd ef gh".
    fn window() -> Window {
        Window {
            question: 0,
            ids: vec![0; 8],
            type_ids: vec![0; 8],
            context_start: 3,
            offsets: vec![(0, 2), (3, 5), (6, 8), (9, 11)],
            max_context: vec![true; 4],
            start_position: 0,
            end_position: 0,
        }
    }

    #[test]
    fn the_best_span_wins_and_probabilities_sum_to_one() {
        let w = window();
        let logits = WindowLogits {
            start: vec![0.0, 0.0, 0.0, 0.0, 5.0, 1.0, 0.0, 0.0],
            end: vec![0.0, 0.0, 0.0, 0.0, 1.0, 4.0, 0.0, 0.0],
        };
        let d = decode("ab cd ef gh", &[&w], &[&logits], &OPTIONS);
        assert_eq!(d.prediction, "cd ef");
        assert_eq!(d.nbest[0].text, "cd ef");
        assert_eq!(d.nbest.len(), 3);
        let sum: f64 = d.nbest.iter().map(|a| a.probability).sum();
        assert!((sum - 1.0).abs() < 1e-12);
        assert_eq!(d.score_diff, Some(0.0 - 9.0));
    }

    #[test]
    fn null_answer_wins_by_the_threshold() {
        let w = window();
        let logits = WindowLogits {
            start: vec![6.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0],
            end: vec![6.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0],
        };
        let text = "ab cd ef gh";
        let d = decode(text, &[&w], &[&logits], &OPTIONS);
        assert_eq!(d.prediction, "");
        assert_eq!(d.nbest[0].text, "");
        assert_eq!(d.score_diff, Some(12.0 - 2.0));
        let lenient = DecodeOptions {
            null_score_diff_threshold: 10.0,
            ..OPTIONS
        };
        assert_eq!(decode(text, &[&w], &[&logits], &lenient).prediction, "cd");
    }

    #[test]
    fn spans_outside_the_context_reversed_or_too_long_are_skipped() {
        let w = window();
        // The best start is in the question; the best end (position 3, "ab") comes before the
        // only context start ("cd"); "cd ef gh" is 3 tokens long.
        let logits = WindowLogits {
            start: vec![0.0, 9.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0],
            end: vec![0.0, 0.0, 0.0, 8.0, 0.0, 0.0, 7.0, 0.0],
        };
        let text = "ab cd ef gh";
        let texts = |o: &DecodeOptions| -> Vec<String> {
            decode(text, &[&w], &[&logits], o)
                .nbest
                .into_iter()
                .map(|a| a.text)
                .collect()
        };
        assert_eq!(texts(&OPTIONS), ["cd ef gh", ""]);
        let shorter = DecodeOptions {
            max_answer_length: 2,
            ..OPTIONS
        };
        assert_eq!(texts(&shorter), [""]);
    }
}

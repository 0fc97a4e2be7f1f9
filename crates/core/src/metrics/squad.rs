//! SQuAD (v1.1 and v2.0) answer metrics: exact match and token-level F1
//! after the official answer normalisation, as in the official v2.0
//! evaluation script (and its copy in transformers' `squad_metrics`:
//! `normalize_answer`, `compute_exact`, `compute_f1`, `get_raw_scores`).
//!
//! Gold answers that normalise to nothing are ignored; when no gold answer is
//! left the question counts as unanswerable and only an answer that
//! normalises to nothing is correct (the SQuAD v2.0 rule).

use std::collections::HashMap;

use super::error::{MetricError, check_min_len, check_same_len};

/// Aggregate SQuAD scores, in percent, as the official script reports them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SquadScores {
    /// Mean exact match × 100.
    pub exact: f64,
    /// Mean F1 × 100.
    pub f1: f64,
    /// Number of questions scored.
    pub total: usize,
}

/// Lowercases, removes ASCII punctuation, removes the articles `a`, `an` and
/// `the`, and collapses whitespace (official `normalize_answer`).
pub fn normalize_answer(text: &str) -> String {
    let lowered = text.to_lowercase();
    let without_punctuation: String = lowered
        .chars()
        .filter(|c| !c.is_ascii_punctuation())
        .collect();
    let without_articles = remove_articles(&without_punctuation);
    python_split(&without_articles)
        .collect::<Vec<_>>()
        .join(" ")
}

/// 1.0 if the prediction equals one of the gold answers after normalisation,
/// else 0.0 (official `compute_exact`, maximised over gold answers).
pub fn squad_exact_match<S: AsRef<str>>(prediction: &str, gold_answers: &[S]) -> f64 {
    let prediction = normalize_answer(prediction);
    let exact = |gold: &str| f64::from(u8::from(normalize_answer(gold) == prediction));
    best_over_golds(gold_answers, exact)
}

/// Best token-level F1 between the prediction and any gold answer (official
/// `compute_f1`, maximised over gold answers). When either side has no
/// tokens, F1 is 1.0 if both have none and 0.0 otherwise.
pub fn squad_f1<S: AsRef<str>>(prediction: &str, gold_answers: &[S]) -> f64 {
    let prediction_tokens = answer_tokens(prediction);
    best_over_golds(gold_answers, |gold| {
        token_f1(&answer_tokens(gold), &prediction_tokens)
    })
}

/// Exact match and F1 averaged over questions, in percent (official
/// `get_raw_scores` followed by `make_eval_dict`). `gold_answers[i]` holds the
/// gold answers of `predictions[i]`; an empty list marks an unanswerable
/// question.
pub fn squad_scores<P, G, S>(
    predictions: &[P],
    gold_answers: &[G],
) -> Result<SquadScores, MetricError>
where
    P: AsRef<str>,
    G: AsRef<[S]>,
    S: AsRef<str>,
{
    check_same_len(
        "predictions",
        predictions.len(),
        "gold answer lists",
        gold_answers.len(),
    )?;
    check_min_len("squad_scores", predictions.len(), 1)?;
    let (mut exact, mut f1) = (0.0, 0.0);
    for (prediction, golds) in predictions.iter().zip(gold_answers) {
        exact += squad_exact_match(prediction.as_ref(), golds.as_ref());
        f1 += squad_f1(prediction.as_ref(), golds.as_ref());
    }
    let total = predictions.len();
    Ok(SquadScores {
        exact: 100.0 * exact / total as f64,
        f1: 100.0 * f1 / total as f64,
        total,
    })
}

/// Applies `score` to every gold answer that survives normalisation, or to
/// the empty answer when none does, and keeps the best.
fn best_over_golds<S: AsRef<str>>(gold_answers: &[S], score: impl Fn(&str) -> f64) -> f64 {
    let answerable: Vec<&str> = gold_answers
        .iter()
        .map(AsRef::as_ref)
        .filter(|gold| !normalize_answer(gold).is_empty())
        .collect();
    if answerable.is_empty() {
        return score("");
    }
    answerable
        .into_iter()
        .map(score)
        .fold(f64::NEG_INFINITY, f64::max)
}

/// Normalised answer split into tokens (official `get_tokens`).
fn answer_tokens(text: &str) -> Vec<String> {
    python_split(&normalize_answer(text))
        .map(str::to_owned)
        .collect()
}

/// Harmonic mean of token precision and recall, counting shared tokens as a
/// multiset intersection (official `compute_f1`).
fn token_f1(gold: &[String], prediction: &[String]) -> f64 {
    if gold.is_empty() || prediction.is_empty() {
        return f64::from(u8::from(gold == prediction));
    }
    let mut gold_counts: HashMap<&str, usize> = HashMap::new();
    for token in gold {
        *gold_counts.entry(token).or_default() += 1;
    }
    let mut shared = 0usize;
    for token in prediction {
        if let Some(count) = gold_counts.get_mut(token.as_str()).filter(|c| **c > 0) {
            *count -= 1;
            shared += 1;
        }
    }
    if shared == 0 {
        return 0.0;
    }
    let precision = shared as f64 / prediction.len() as f64;
    let recall = shared as f64 / gold.len() as f64;
    (2.0 * precision * recall) / (precision + recall)
}

/// Replaces every whole word `a`, `an` or `the` by a space, like the
/// official `re.sub(r"\b(a|an|the)\b", " ", text)`: a match must be a
/// maximal run of word characters.
fn remove_articles(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(first) = rest.chars().next() {
        let run_len = if is_word_char(first) {
            rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len())
        } else {
            rest.find(is_word_char).unwrap_or(rest.len())
        };
        let (run, tail) = rest.split_at(run_len);
        if matches!(run, "a" | "an" | "the") {
            out.push(' ');
        } else {
            out.push_str(run);
        }
        rest = tail;
    }
    out
}

/// Python's `\w` for `str` patterns: alphanumeric characters and `_`.
/// (Rust's `is_alphanumeric` also accepts a few combining marks that Python
/// does not; they only matter directly next to an article.)
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Python's `str.split()`: splits on runs of whitespace, dropping empty
/// pieces. Python also treats the ASCII separators U+001C..U+001F as
/// whitespace, which Rust does not.
fn python_split(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
        .filter(|piece| !piece.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_drops_case_punctuation_articles_and_spaces() {
        assert_eq!(
            normalize_answer("  The  Eiffel-Tower, (Paris)!"),
            "eiffeltower paris"
        );
        assert_eq!(normalize_answer("an apple a day"), "apple day");
        assert_eq!(normalize_answer("theatre"), "theatre");
    }

    #[test]
    fn empty_gold_list_means_unanswerable() {
        let none: [&str; 0] = [];
        assert_eq!(squad_exact_match("", &none), 1.0);
        assert_eq!(squad_f1("something", &none), 0.0);
        assert_eq!(squad_f1("the", &["", "a"]), 1.0);
    }

    #[test]
    fn f1_uses_multiset_overlap() {
        assert_eq!(squad_f1("cat cat dog", &["cat dog dog"]), 2.0 / 3.0);
    }

    #[test]
    fn aggregate_is_in_percent_and_checks_lengths() {
        let scores = squad_scores(&["Paris", "London"], &[vec!["paris"], vec!["Berlin"]]).unwrap();
        assert_eq!((scores.exact, scores.f1, scores.total), (50.0, 50.0, 2));
        assert!(matches!(
            squad_scores(&["x"], &[vec!["x"], vec!["y"]]),
            Err(MetricError::LengthMismatch {
                left: 1,
                right: 2,
                ..
            })
        ));
        let none: [Vec<&str>; 0] = [];
        assert!(matches!(
            squad_scores::<&str, _, &str>(&[], &none),
            Err(MetricError::TooFewSamples { .. })
        ));
    }
}

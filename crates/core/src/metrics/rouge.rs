//! ROUGE-1, ROUGE-2 and ROUGE-L as Google's `rouge-score` package computes them with its
//! defaults (`RougeScorer([...])`: the default tokenizer, no stemmer).
//!
//! That tokenizer lower-cases the text and keeps its runs of ASCII letters and digits as
//! tokens; everything else separates them (so text in other scripts has no tokens and scores
//! 0). ROUGE-N compares n-gram counts, ROUGE-L the longest common subsequence of tokens;
//! each is reported as the F-measure of its precision (against the prediction) and recall
//! (against the target). A corpus scores the mean over its pairs, as `rouge-score`'s scores
//! averaged (its `BootstrapAggregator` reports a resampled estimate of that mean instead).

use std::collections::HashMap;

use super::MetricError;

/// Precision, recall and F-measure of one ROUGE variant (rouge-score's `Score`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RougeScore {
    /// Share of the prediction's n-grams (or tokens, for ROUGE-L) found in the target.
    pub precision: f64,
    /// Share of the target's found in the prediction.
    pub recall: f64,
    /// Their harmonic mean, 0 when both are 0.
    pub fmeasure: f64,
}

impl RougeScore {
    fn new(precision: f64, recall: f64) -> Self {
        let fmeasure = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Self {
            precision,
            recall,
            fmeasure,
        }
    }
}

/// The three ROUGE variants for one pair, or their means over a corpus.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RougeScores {
    /// ROUGE-1 (unigrams).
    pub rouge1: RougeScore,
    /// ROUGE-2 (bigrams).
    pub rouge2: RougeScore,
    /// ROUGE-L (longest common subsequence).
    pub rouge_l: RougeScore,
}

/// rouge-score's default tokenisation: lower-cased runs of `[a-z0-9]`.
pub fn rouge_tokens(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// ROUGE-1, -2 and -L of one `prediction` against its `target`.
pub fn rouge_pair(target: &str, prediction: &str) -> RougeScores {
    let target = rouge_tokens(target);
    let prediction = rouge_tokens(prediction);
    RougeScores {
        rouge1: rouge_n(&target, &prediction, 1),
        rouge2: rouge_n(&target, &prediction, 2),
        rouge_l: rouge_l(&target, &prediction),
    }
}

/// The mean ROUGE scores of `predictions` against `targets`, pair by pair.
///
/// # Errors
/// An empty corpus or lengths that differ.
pub fn rouge<T: AsRef<str>, P: AsRef<str>>(
    targets: &[T],
    predictions: &[P],
) -> Result<RougeScores, MetricError> {
    if targets.len() != predictions.len() {
        return Err(MetricError::LengthMismatch {
            left_name: "targets",
            left: targets.len(),
            right_name: "predictions",
            right: predictions.len(),
        });
    }
    if targets.is_empty() {
        return Err(MetricError::TooFewSamples {
            metric: "rouge",
            min: 1,
            got: 0,
        });
    }
    let n = targets.len() as f64;
    let mut sum = [[0.0; 3]; 3];
    for (t, p) in targets.iter().zip(predictions) {
        let s = rouge_pair(t.as_ref(), p.as_ref());
        for (acc, score) in sum.iter_mut().zip([s.rouge1, s.rouge2, s.rouge_l]) {
            acc[0] += score.precision;
            acc[1] += score.recall;
            acc[2] += score.fmeasure;
        }
    }
    let mean = |a: [f64; 3]| RougeScore {
        precision: a[0] / n,
        recall: a[1] / n,
        fmeasure: a[2] / n,
    };
    Ok(RougeScores {
        rouge1: mean(sum[0]),
        rouge2: mean(sum[1]),
        rouge_l: mean(sum[2]),
    })
}

fn ngrams(tokens: &[String], n: usize) -> HashMap<&[String], usize> {
    let mut counts = HashMap::new();
    if n > 0 {
        for gram in tokens.windows(n) {
            *counts.entry(gram).or_insert(0) += 1;
        }
    }
    counts
}

fn rouge_n(target: &[String], prediction: &[String], n: usize) -> RougeScore {
    let target = ngrams(target, n);
    let prediction = ngrams(prediction, n);
    let overlap: usize = target
        .iter()
        .map(|(gram, &count)| count.min(prediction.get(gram).copied().unwrap_or(0)))
        .sum();
    let total = |counts: &HashMap<&[String], usize>| counts.values().sum::<usize>().max(1) as f64;
    RougeScore::new(
        overlap as f64 / total(&prediction),
        overlap as f64 / total(&target),
    )
}

fn rouge_l(target: &[String], prediction: &[String]) -> RougeScore {
    if target.is_empty() || prediction.is_empty() {
        return RougeScore::default();
    }
    let lcs = lcs_length(target, prediction) as f64;
    RougeScore::new(lcs / prediction.len() as f64, lcs / target.len() as f64)
}

/// Length of the longest common subsequence, one dynamic-programming row at a time.
fn lcs_length(a: &[String], b: &[String]) -> usize {
    let mut previous = vec![0usize; b.len() + 1];
    let mut current = vec![0usize; b.len() + 1];
    for x in a {
        for (j, y) in b.iter().enumerate() {
            current[j + 1] = if x == y {
                previous[j] + 1
            } else {
                current[j].max(previous[j + 1])
            };
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_lowercased_ascii_alphanumeric_runs() {
        assert_eq!(
            rouge_tokens("The Cat's 2 hats—café!"),
            ["the", "cat", "s", "2", "hats", "caf"]
        );
    }

    #[test]
    fn scores_a_pair_by_hand() {
        // target: the cat sat on the mat; prediction: the cat on the mat
        let s = rouge_pair("the cat sat on the mat", "the cat on the mat");
        assert_eq!(s.rouge1.precision, 1.0);
        assert!((s.rouge1.recall - 5.0 / 6.0).abs() < 1e-12);
        assert!((s.rouge2.precision - 3.0 / 4.0).abs() < 1e-12);
        assert!((s.rouge_l.recall - 5.0 / 6.0).abs() < 1e-12);
        assert_eq!(rouge_pair("", "x").rouge_l, RougeScore::default());
    }

    #[test]
    fn rejects_what_it_cannot_score() {
        assert!(rouge::<&str, &str>(&[], &[]).is_err());
        assert!(rouge(&["a"], &["a", "b"]).is_err());
    }
}

//! Corpus BLEU as sacrebleu computes it by default (`BLEU()`: the `13a` tokenizer, case
//! kept, 4-gram precisions with the `exp` smoothing, no effective order), on a 0–100 scale.
//!
//! `13a` is mteval-v13a's tokenisation: a few HTML entities decoded, then every ASCII
//! punctuation mark except `'`, `-`, `.` and `,` split off; `.` and `,` are split off unless
//! they sit between digits, and `-` after a digit. Counts are summed over the corpus before
//! the precisions are taken; each hypothesis is clipped against the largest count of each
//! n-gram over its references, and its reference length is the closest one (the shorter on a
//! tie).

use std::collections::HashMap;

use super::MetricError;

/// The longest n-gram counted.
pub const BLEU_MAX_ORDER: usize = 4;

/// sacrebleu's `my_log(0)`: a zero precision drags the score to 0 without a `-inf`.
const LOG_OF_ZERO: f64 = -9_999_999_999.0;

/// A corpus BLEU score with the statistics it was computed from (sacrebleu's `BLEUScore`).
#[derive(Debug, Clone, PartialEq)]
pub struct BleuScore {
    /// The score, 0–100.
    pub score: f64,
    /// Matched n-grams of each order, 1 to 4 (clipped by the references).
    pub counts: [usize; BLEU_MAX_ORDER],
    /// Hypothesis n-grams of each order.
    pub totals: [usize; BLEU_MAX_ORDER],
    /// The smoothed precisions in percent.
    pub precisions: [f64; BLEU_MAX_ORDER],
    /// The brevity penalty.
    pub brevity_penalty: f64,
    /// Tokens in the hypotheses.
    pub sys_len: usize,
    /// Tokens in the closest references.
    pub ref_len: usize,
}

/// Corpus BLEU of `hypotheses` against `references`, one set of references per hypothesis
/// (sacrebleu's `corpus_bleu(hyps, refs)` takes them transposed: one stream per reference).
///
/// # Errors
/// An empty corpus, lengths that differ, or a hypothesis without references.
pub fn corpus_bleu<H, R>(hypotheses: &[H], references: &[Vec<R>]) -> Result<BleuScore, MetricError>
where
    H: AsRef<str>,
    R: AsRef<str>,
{
    if hypotheses.is_empty() {
        return Err(MetricError::TooFewSamples {
            metric: "bleu",
            min: 1,
            got: 0,
        });
    }
    if hypotheses.len() != references.len() {
        return Err(MetricError::LengthMismatch {
            left_name: "references",
            left: references.len(),
            right_name: "hypotheses",
            right: hypotheses.len(),
        });
    }
    let mut stats = Statistics::default();
    for (index, (hypothesis, refs)) in hypotheses.iter().zip(references).enumerate() {
        if refs.is_empty() {
            return Err(MetricError::InvalidInput(format!(
                "bleu: hypothesis {index} has no reference"
            )));
        }
        stats.add(hypothesis.as_ref(), refs);
    }
    Ok(stats.score())
}

/// Corpus BLEU with one reference per hypothesis, as a number (seq2seq's `eval_model`
/// compares each generated text with its one target).
///
/// # Errors
/// As [`corpus_bleu`].
pub fn bleu<H: AsRef<str>, R: AsRef<str>>(
    hypotheses: &[H],
    references: &[R],
) -> Result<f64, MetricError> {
    let references: Vec<Vec<&str>> = references.iter().map(|r| vec![r.as_ref()]).collect();
    corpus_bleu(hypotheses, &references).map(|b| b.score)
}

#[derive(Default)]
struct Statistics {
    counts: [usize; BLEU_MAX_ORDER],
    totals: [usize; BLEU_MAX_ORDER],
    sys_len: usize,
    ref_len: usize,
}

impl Statistics {
    fn add<R: AsRef<str>>(&mut self, hypothesis: &str, references: &[R]) {
        let hypothesis = tokenize_13a(hypothesis);
        let hypothesis: Vec<&str> = python_split(&hypothesis).collect();
        let references: Vec<String> = references
            .iter()
            .map(|r| tokenize_13a(r.as_ref()))
            .collect();
        let references: Vec<Vec<&str>> = references
            .iter()
            .map(|r| python_split(r).collect())
            .collect();
        // The closest reference length, the shorter one on a tie.
        let ref_len = references
            .iter()
            .map(|r| (r.len().abs_diff(hypothesis.len()), r.len()))
            .min()
            .map_or(0, |(_, len)| len);
        let mut clip: HashMap<&[&str], usize> = HashMap::new();
        for reference in &references {
            for (gram, count) in ngram_counts(reference) {
                let kept = clip.entry(gram).or_insert(0);
                *kept = (*kept).max(count);
            }
        }
        self.sys_len += hypothesis.len();
        self.ref_len += ref_len;
        for (gram, count) in ngram_counts(&hypothesis) {
            let order = gram.len() - 1;
            self.totals[order] += count;
            self.counts[order] += count.min(clip.get(gram).copied().unwrap_or(0));
        }
    }

    fn score(&self) -> BleuScore {
        let mut precisions = [0.0; BLEU_MAX_ORDER];
        let mut smooth = 1.0;
        // No match of any order scores 0 with all precisions 0 (sacrebleu's early stop).
        let matched = self.counts.iter().any(|&c| c > 0);
        let orders = if !matched { 0 } else { BLEU_MAX_ORDER };
        let orders = precisions
            .iter_mut()
            .zip(self.counts.iter().zip(&self.totals))
            .take(orders);
        for (precision, (&count, &total)) in orders {
            if total == 0 {
                break;
            }
            *precision = if count == 0 {
                smooth *= 2.0;
                100.0 / (smooth * total as f64)
            } else {
                100.0 * count as f64 / total as f64
            };
        }
        let brevity_penalty = if self.sys_len >= self.ref_len {
            1.0
        } else if self.sys_len == 0 {
            0.0
        } else {
            (1.0 - self.ref_len as f64 / self.sys_len as f64).exp()
        };
        let log_sum: f64 = precisions
            .iter()
            .map(|&p| if p == 0.0 { LOG_OF_ZERO } else { p.ln() })
            .sum();
        let score = if !matched {
            0.0
        } else {
            brevity_penalty * (log_sum / BLEU_MAX_ORDER as f64).exp()
        };
        BleuScore {
            score,
            counts: self.counts,
            totals: self.totals,
            precisions,
            brevity_penalty,
            sys_len: self.sys_len,
            ref_len: self.ref_len,
        }
    }
}

/// Each n-gram of orders 1 to [`BLEU_MAX_ORDER`] with its count.
fn ngram_counts<'a>(tokens: &'a [&'a str]) -> HashMap<&'a [&'a str], usize> {
    let mut counts = HashMap::new();
    for order in 1..=BLEU_MAX_ORDER.min(tokens.len()) {
        for gram in tokens.windows(order) {
            *counts.entry(gram).or_insert(0) += 1;
        }
    }
    counts
}

/// Python's `str.isspace`: Unicode whitespace plus the four ASCII separators `\x1c`–`\x1f`.
pub(super) fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Python's `str.split()`: runs of whitespace separate, none are kept.
fn python_split(text: &str) -> impl Iterator<Item = &str> {
    text.split(is_python_space).filter(|t| !t.is_empty())
}

/// The characters mteval-v13a splits off as tokens of their own: ASCII punctuation (and the
/// space) except `'`, `-`, `.` and `,`.
fn is_split_punctuation(c: char) -> bool {
    matches!(c, '{'..='~' | '['..='`' | ' '..='&' | '('..='+' | ':'..='@' | '/')
}

/// sacrebleu's `Tokenizer13a` on one segment (after sacrebleu's `rstrip`), its tokens
/// joined by single spaces.
pub fn tokenize_13a(segment: &str) -> String {
    let mut line = segment
        .trim_end_matches(is_python_space)
        .replace("<skipped>", "")
        .replace("-\n", "")
        .replace('\n', " ");
    if line.contains('&') {
        line = line
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">");
    }
    let chars: Vec<char> = format!(" {line} ").chars().collect();
    let mut spaced = Vec::with_capacity(chars.len() * 2);
    for c in chars {
        if is_split_punctuation(c) {
            spaced.extend([' ', c, ' ']);
        } else {
            spaced.push(c);
        }
    }
    let is_digit = |c: char| c.is_ascii_digit();
    let is_stop = |c: char| c == '.' || c == ',';
    // `([^0-9])([\.,])` → `\1 \2 `
    let spaced = substitute_pairs(
        &spaced,
        |a, b| !is_digit(a) && is_stop(b),
        |a, b| [Some(a), Some(' '), Some(b), Some(' ')],
    );
    // `([\.,])([^0-9])` → ` \1 \2`
    let spaced = substitute_pairs(
        &spaced,
        |a, b| is_stop(a) && !is_digit(b),
        |a, b| [Some(' '), Some(a), Some(' '), Some(b)],
    );
    // `([0-9])(-)` → `\1 \2 `
    let spaced = substitute_pairs(
        &spaced,
        |a, b| is_digit(a) && b == '-',
        |a, b| [Some(a), Some(' '), Some(b), Some(' ')],
    );
    let spaced: String = spaced.into_iter().collect();
    python_split(&spaced).collect::<Vec<_>>().join(" ")
}

/// Python's `re.sub` of a two-character pattern: scanning left to right, each pair that
/// `matches` is replaced and skipped over whole (matches do not overlap).
fn substitute_pairs(
    chars: &[char],
    matches: impl Fn(char, char) -> bool,
    replace: impl Fn(char, char) -> [Option<char>; 4],
) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len() + chars.len() / 2);
    let mut i = 0;
    while i < chars.len() {
        match chars.get(i + 1) {
            Some(&next) if matches(chars[i], next) => {
                out.extend(replace(chars[i], next).into_iter().flatten());
                i += 2;
            }
            _ => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizes_as_mteval_13a() {
        assert_eq!(
            tokenize_13a("Hello, world! It's 3.5-4.0 km."),
            "Hello , world ! It's 3.5 - 4.0 km ."
        );
        assert_eq!(tokenize_13a("a &amp; b &lt;c&gt; (x)"), "a & b < c > ( x )");
        assert_eq!(tokenize_13a("  "), "");
    }

    #[test]
    fn identical_texts_score_100_and_disjoint_ones_0() {
        let text = ["the cat sat on the mat"];
        assert!((bleu(&text, &text).unwrap() - 100.0).abs() < 1e-9);
        assert_eq!(bleu(&["a b c d"], &["e f g h"]).unwrap(), 0.0);
    }

    #[test]
    fn rejects_what_it_cannot_score() {
        assert!(bleu::<&str, &str>(&[], &[]).is_err());
        assert!(bleu(&["a"], &["a", "b"]).is_err());
        let none: Vec<Vec<&str>> = vec![vec![]];
        assert!(corpus_bleu(&["a"], &none).is_err());
    }
}

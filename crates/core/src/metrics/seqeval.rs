//! Entity-level sequence-labelling metrics, as the Python `seqeval` package
//! computes them in its default (conlleval-compatible) mode. Simple
//! Transformers' `NERModel` reports seqeval's micro precision, recall and F1,
//! and optionally its classification report.
//!
//! Entities are decoded by seqeval's lenient `get_entities` state machine,
//! reproduced here quirk for quirk so that scores match: it reads IOB1,
//! IOB2/BIO, IOE and IOBES alike; an `I-` (or `E-`) tag after `O` or after a
//! different type starts a new entity; a change of type always ends one; and
//! only the first character of a tag is its prefix, the text after the first
//! `-` its type (`_` when empty). As in seqeval, all sentences are scanned as
//! one sequence with an `O` between consecutive sentences, so entities never
//! span sentences and positions are global.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::classification::ratio_or_zero;
use super::error::{MetricError, check_same_len};

/// One decoded entity: its type and inclusive token positions.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Entity {
    /// Entity type, e.g. `PER` for `B-PER`; `_` when the tag has none.
    pub kind: String,
    /// Position of the first token.
    pub start: usize,
    /// Position of the last token (inclusive, as in seqeval).
    pub end: usize,
}

/// Precision, recall, F1 and support of one row of a [`SeqevalReport`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReportRow {
    /// Correct predicted entities / predicted entities (0 when none predicted).
    pub precision: f64,
    /// Correct predicted entities / true entities (0 when there are none).
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
    /// Number of true entities.
    pub support: usize,
}

/// seqeval's `classification_report` as data: one row per entity type plus
/// the three averages.
#[derive(Debug, Clone, PartialEq)]
pub struct SeqevalReport {
    /// Per entity type, sorted by type name (types found in either input).
    pub per_type: BTreeMap<String, ReportRow>,
    /// Scores over all entities pooled; this is what Simple Transformers
    /// reports as `precision`, `recall` and `f1_score`.
    pub micro_avg: ReportRow,
    /// Unweighted mean over types; NaN when no entity exists at all, as in
    /// seqeval (the mean of nothing).
    pub macro_avg: ReportRow,
    /// Mean over types weighted by support; all zero when there are no true
    /// entities, as in seqeval.
    pub weighted_avg: ReportRow,
}

/// Entity-level micro precision, recall and F1 of predicted tag sequences
/// against true ones (seqeval `precision_score`, `recall_score`,
/// `f1_score` with their defaults).
///
/// Both inputs must have the same number of sentences and each sentence the
/// same number of tags. Scores with a zero denominator are 0.0; empty input
/// scores 0.0 throughout.
pub fn seqeval_scores<T, S>(
    y_true: &[T],
    y_pred: &[T],
) -> Result<super::PrecisionRecallF1, MetricError>
where
    T: AsRef<[S]>,
    S: AsRef<str>,
{
    let row = seqeval_report(y_true, y_pred)?.micro_avg;
    Ok(super::PrecisionRecallF1 {
        precision: row.precision,
        recall: row.recall,
        f1: row.f1,
    })
}

/// seqeval's `classification_report` (default mode) as data.
///
/// Same input rules as [`seqeval_scores`]. Format it with
/// [`SeqevalReport::to_text`] or `Display` (4 digits, as Simple Transformers
/// writes it to `eval_results.txt`).
pub fn seqeval_report<T, S>(y_true: &[T], y_pred: &[T]) -> Result<SeqevalReport, MetricError>
where
    T: AsRef<[S]>,
    S: AsRef<str>,
{
    check_same_len(
        "true sentences",
        y_true.len(),
        "predicted sentences",
        y_pred.len(),
    )?;
    for (sentence, (t, p)) in y_true.iter().zip(y_pred).enumerate() {
        let (true_len, pred_len) = (t.as_ref().len(), p.as_ref().len());
        if true_len != pred_len {
            return Err(MetricError::SentenceLengthMismatch {
                sentence,
                true_len,
                pred_len,
            });
        }
    }
    let truth: BTreeSet<Chunk<'_>> = corpus_chunks(y_true)?.into_iter().collect();
    let predicted: BTreeSet<Chunk<'_>> = corpus_chunks(y_pred)?.into_iter().collect();
    Ok(build_report(&count_by_type(&truth, &predicted)))
}

/// Decodes the entities of one tag sequence (seqeval `get_entities` on a flat
/// list). Only an empty tag is rejected; anything else is interpreted as
/// seqeval would.
pub fn get_entities<S: AsRef<str>>(tags: &[S]) -> Result<Vec<Entity>, MetricError> {
    let mut scanner = ChunkScanner::default();
    for (token, tag) in tags.iter().enumerate() {
        scanner.push(parse_tag(tag.as_ref(), 0, token)?);
    }
    Ok(scanner.finish().into_iter().map(Chunk::to_entity).collect())
}

impl SeqevalReport {
    /// The report as seqeval's `classification_report(digits=...)` prints it
    /// (right-aligned columns, blank line after the per-type rows and after
    /// the averages).
    pub fn to_text(&self, digits: usize) -> String {
        let name_width = self
            .per_type
            .keys()
            .map(|k| k.chars().count())
            .max()
            .unwrap_or(0);
        let width = name_width.max("weighted avg".len()).max(digits);
        let mut lines = vec![format!(
            "{:>width$}  {:>9} {:>9} {:>9} {:>9}\n",
            "", "precision", "recall", "f1-score", "support"
        )];
        let row = |name: &str, r: &ReportRow| {
            format!(
                "{name:>width$}  {:>9} {:>9} {:>9} {:>9}",
                format_score(r.precision, digits),
                format_score(r.recall, digits),
                format_score(r.f1, digits),
                r.support
            )
        };
        lines.extend(self.per_type.iter().map(|(name, r)| row(name, r)));
        lines.push(String::new());
        lines.push(row("micro avg", &self.micro_avg));
        lines.push(row("macro avg", &self.macro_avg));
        lines.push(row("weighted avg", &self.weighted_avg));
        lines.push(String::new());
        lines.join("\n")
    }
}

impl fmt::Display for SeqevalReport {
    /// Four digits, as Simple Transformers formats the report.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text(4))
    }
}

/// A score with fixed decimals, spelling NaN as Python does.
fn format_score(value: f64, digits: usize) -> String {
    if value.is_nan() {
        "nan".to_owned()
    } else {
        format!("{value:.digits$}")
    }
}

/// An entity borrowed from the input: (type, first position, last position).
/// Field order makes the derived ordering sort by type first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Chunk<'a> {
    kind: &'a str,
    start: usize,
    end: usize,
}

impl Chunk<'_> {
    fn to_entity(self) -> Entity {
        Entity {
            kind: self.kind.to_owned(),
            start: self.start,
            end: self.end,
        }
    }
}

/// A tag split the way seqeval splits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tag<'a> {
    /// First character: `B`, `I`, `E`, `S`, `O`, or anything else.
    prefix: char,
    /// Text after the first `-` following the prefix (or everything after
    /// the prefix if there is no `-`); `_` when empty.
    kind: &'a str,
}

/// The `O` seqeval inserts between sentences and appends at the end.
const OUTSIDE: Tag<'static> = Tag {
    prefix: 'O',
    kind: "_",
};

/// Splits a tag like seqeval: `chunk[0]` and `chunk[1:].split('-', 1)[-1] or '_'`.
fn parse_tag(tag: &str, sentence: usize, token: usize) -> Result<Tag<'_>, MetricError> {
    let mut chars = tag.chars();
    let prefix = chars
        .next()
        .ok_or(MetricError::EmptyTag { sentence, token })?;
    let rest = chars.as_str();
    let kind = rest.split_once('-').map_or(rest, |(_, after)| after);
    Ok(Tag {
        prefix,
        kind: if kind.is_empty() { "_" } else { kind },
    })
}

/// seqeval's `get_entities` loop, fed one tag at a time.
#[derive(Debug)]
struct ChunkScanner<'a> {
    previous: Tag<'a>,
    begin: usize,
    position: usize,
    chunks: Vec<Chunk<'a>>,
}

impl Default for ChunkScanner<'_> {
    /// seqeval starts with prefix `O` and an empty type, which differs from
    /// every parsed type (even `_`), so the first tag can open an entity.
    fn default() -> Self {
        Self {
            previous: Tag {
                prefix: 'O',
                kind: "",
            },
            begin: 0,
            position: 0,
            chunks: Vec::new(),
        }
    }
}

impl<'a> ChunkScanner<'a> {
    fn push(&mut self, tag: Tag<'a>) {
        // `ends_chunk` is always false at position 0 (the previous prefix is
        // `O`); the guard only keeps `position - 1` obviously in range.
        if self.position > 0 && ends_chunk(self.previous, tag) {
            self.chunks.push(Chunk {
                kind: self.previous.kind,
                start: self.begin,
                end: self.position - 1,
            });
        }
        // The begin offset is only moved here; an entity that ends without a
        // recorded start reuses the stale offset, exactly as seqeval does.
        if starts_chunk(self.previous, tag) {
            self.begin = self.position;
        }
        self.previous = tag;
        self.position += 1;
    }

    /// Flushes the last entity with seqeval's trailing `O`.
    fn finish(mut self) -> Vec<Chunk<'a>> {
        self.push(OUTSIDE);
        self.chunks
    }
}

/// seqeval `end_of_chunk`: did an entity end just before `tag`?
fn ends_chunk(previous: Tag<'_>, tag: Tag<'_>) -> bool {
    matches!(previous.prefix, 'E' | 'S')
        || (matches!(previous.prefix, 'B' | 'I') && matches!(tag.prefix, 'B' | 'S' | 'O'))
        || (!matches!(previous.prefix, 'O' | '.') && previous.kind != tag.kind)
}

/// seqeval `start_of_chunk`: does an entity start at `tag`?
fn starts_chunk(previous: Tag<'_>, tag: Tag<'_>) -> bool {
    matches!(tag.prefix, 'B' | 'S')
        || (matches!(previous.prefix, 'E' | 'S' | 'O') && matches!(tag.prefix, 'E' | 'I'))
        || (!matches!(tag.prefix, 'O' | '.') && previous.kind != tag.kind)
}

/// Entities of all sentences, scanned as seqeval does: one sequence with an
/// `O` after every sentence, then the final `O`.
fn corpus_chunks<'a, T, S>(sentences: &'a [T]) -> Result<Vec<Chunk<'a>>, MetricError>
where
    T: AsRef<[S]>,
    S: AsRef<str> + 'a,
{
    let mut scanner = ChunkScanner::default();
    for (sentence, tags) in sentences.iter().enumerate() {
        for (token, tag) in tags.as_ref().iter().enumerate() {
            scanner.push(parse_tag(tag.as_ref(), sentence, token)?);
        }
        scanner.push(OUTSIDE);
    }
    Ok(scanner.finish())
}

/// Counts of one entity type.
#[derive(Debug, Clone, Copy, Default)]
struct TypeCounts {
    correct: usize,
    predicted: usize,
    actual: usize,
}

/// Counts per entity type over the union of types in both inputs.
fn count_by_type<'a>(
    truth: &BTreeSet<Chunk<'a>>,
    predicted: &BTreeSet<Chunk<'a>>,
) -> BTreeMap<&'a str, TypeCounts> {
    let mut counts: BTreeMap<&str, TypeCounts> = BTreeMap::new();
    for chunk in truth {
        counts.entry(chunk.kind).or_default().actual += 1;
    }
    for chunk in predicted {
        let entry = counts.entry(chunk.kind).or_default();
        entry.predicted += 1;
        if truth.contains(chunk) {
            entry.correct += 1;
        }
    }
    counts
}

/// Precision/recall/F1 of one set of counts, with seqeval's arithmetic
/// (F1 from precision and recall, 0 when both are 0).
fn row_of(c: &TypeCounts) -> ReportRow {
    let precision = ratio_or_zero(c.correct as f64, c.predicted as f64);
    let recall = ratio_or_zero(c.correct as f64, c.actual as f64);
    let f1 = ratio_or_zero(2.0 * precision * recall, precision + recall);
    ReportRow {
        precision,
        recall,
        f1,
        support: c.actual,
    }
}

/// All rows and averages of the report.
fn build_report(counts: &BTreeMap<&str, TypeCounts>) -> SeqevalReport {
    let per_type: BTreeMap<String, ReportRow> = counts
        .iter()
        .map(|(kind, c)| ((*kind).to_owned(), row_of(c)))
        .collect();
    let total = counts
        .values()
        .fold(TypeCounts::default(), |acc, c| TypeCounts {
            correct: acc.correct + c.correct,
            predicted: acc.predicted + c.predicted,
            actual: acc.actual + c.actual,
        });
    let rows: Vec<ReportRow> = per_type.values().copied().collect();
    SeqevalReport {
        micro_avg: row_of(&total),
        macro_avg: mean_row(&rows, total.actual, |_| 1.0),
        weighted_avg: if total.actual == 0 {
            ReportRow {
                precision: 0.0,
                recall: 0.0,
                f1: 0.0,
                support: 0,
            }
        } else {
            mean_row(&rows, total.actual, |r| r.support as f64)
        },
        per_type,
    }
}

/// Weighted mean of rows (NaN for no rows, like numpy's mean of nothing).
fn mean_row(rows: &[ReportRow], support: usize, weight: impl Fn(&ReportRow) -> f64) -> ReportRow {
    let total_weight: f64 = rows.iter().map(&weight).sum();
    let mean = |score: fn(&ReportRow) -> f64| {
        rows.iter().map(|r| weight(r) * score(r)).sum::<f64>() / total_weight
    };
    ReportRow {
        precision: mean(|r| r.precision),
        recall: mean(|r| r.recall),
        f1: mean(|r| r.f1),
        support,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(tags: &[&str]) -> Vec<(String, usize, usize)> {
        get_entities(tags)
            .unwrap()
            .into_iter()
            .map(|e| (e.kind, e.start, e.end))
            .collect()
    }

    #[test]
    fn decodes_bio_and_iobes() {
        assert_eq!(
            kinds(&["B-PER", "I-PER", "O", "S-LOC", "B-ORG", "E-ORG"]),
            vec![
                ("PER".into(), 0, 1),
                ("LOC".into(), 3, 3),
                ("ORG".into(), 4, 5)
            ]
        );
    }

    #[test]
    fn i_after_o_or_other_type_starts_an_entity() {
        assert_eq!(
            kinds(&["O", "I-PER", "I-LOC", "I-LOC"]),
            vec![("PER".into(), 1, 1), ("LOC".into(), 2, 3)]
        );
    }

    #[test]
    fn empty_tag_and_ragged_sentences_are_errors() {
        assert_eq!(
            seqeval_scores(&[vec!["O", ""]], &[vec!["O", "O"]]),
            Err(MetricError::EmptyTag {
                sentence: 0,
                token: 1
            })
        );
        assert_eq!(
            seqeval_scores(&[vec!["O", "O"]], &[vec!["O"]]),
            Err(MetricError::SentenceLengthMismatch {
                sentence: 0,
                true_len: 2,
                pred_len: 1
            })
        );
    }

    #[test]
    fn no_entities_scores_zero_and_macro_is_nan() {
        let report = seqeval_report(&[vec!["O"]], &[vec!["O"]]).unwrap();
        assert_eq!(report.micro_avg.f1, 0.0);
        assert!(report.macro_avg.f1.is_nan());
        assert_eq!(report.weighted_avg.precision, 0.0);
    }
}

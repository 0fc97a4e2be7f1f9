//! BLEU and ROUGE identical (within 1e-9; counts and tokens exactly) to sacrebleu's and
//! rouge-score's defaults on `fixtures/metrics/generation.json`, made by
//! `scripts/make_metric_fixtures.py`.

use std::path::PathBuf;

use serde::Deserialize;
use st_core::metrics::{self, RougeScore};

const TOLERANCE: f64 = 1e-9;

#[derive(Deserialize)]
struct Fixture {
    versions: serde_json::Map<String, serde_json::Value>,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Case {
    Tokens {
        text: String,
        tokens_13a: String,
        rouge_tokens: Vec<String>,
    },
    Bleu {
        name: String,
        hypotheses: Vec<String>,
        references: Vec<Vec<String>>,
        score: f64,
        counts: [usize; 4],
        totals: [usize; 4],
        precisions: [f64; 4],
        bp: f64,
        sys_len: usize,
        ref_len: usize,
    },
    Rouge {
        name: String,
        targets: Vec<String>,
        predictions: Vec<String>,
        pairs: Vec<Variants>,
        mean: Variants,
    },
}

/// `[precision, recall, fmeasure]` per variant, as the fixture stores them.
#[derive(Deserialize)]
struct Variants {
    rouge1: [f64; 3],
    rouge2: [f64; 3],
    #[serde(rename = "rougeL")]
    rouge_l: [f64; 3],
}

fn cases() -> Vec<Case> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/metrics/generation.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let fixture: Fixture =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for package in ["sacrebleu", "rouge-score"] {
        assert!(
            fixture.versions.contains_key(package),
            "no {package} version recorded"
        );
    }
    fixture.cases
}

fn close(context: &str, got: f64, expected: f64) {
    assert!(
        (got - expected).abs() <= TOLERANCE,
        "{context}: got {got}, expected {expected}"
    );
}

fn same_rouge(context: &str, got: RougeScore, expected: [f64; 3]) {
    close(&format!("{context} precision"), got.precision, expected[0]);
    close(&format!("{context} recall"), got.recall, expected[1]);
    close(&format!("{context} fmeasure"), got.fmeasure, expected[2]);
}

fn same_variants(context: &str, got: metrics::RougeScores, expected: &Variants) {
    same_rouge(&format!("{context} rouge1"), got.rouge1, expected.rouge1);
    same_rouge(&format!("{context} rouge2"), got.rouge2, expected.rouge2);
    same_rouge(&format!("{context} rougeL"), got.rouge_l, expected.rouge_l);
}

#[test]
fn tokenizers_equal_sacrebleu_13a_and_rouge_score() {
    let mut seen = 0;
    for case in cases() {
        if let Case::Tokens {
            text,
            tokens_13a,
            rouge_tokens,
        } = case
        {
            assert_eq!(metrics::tokenize_13a(&text), tokens_13a, "13a of {text:?}");
            assert_eq!(
                metrics::rouge_tokens(&text),
                rouge_tokens,
                "rouge tokens of {text:?}"
            );
            seen += 1;
        }
    }
    assert!(seen >= 15, "only {seen} tokenizer cases");
}

#[test]
fn corpus_bleu_equals_sacrebleu() {
    let mut seen = 0;
    for case in cases() {
        if let Case::Bleu {
            name,
            hypotheses,
            references,
            score,
            counts,
            totals,
            precisions,
            bp,
            sys_len,
            ref_len,
        } = case
        {
            let got = metrics::corpus_bleu(&hypotheses, &references)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            close(&format!("{name} score"), got.score, score);
            assert_eq!(
                (got.counts, got.totals),
                (counts, totals),
                "{name} n-gram counts"
            );
            assert_eq!(
                (got.sys_len, got.ref_len),
                (sys_len, ref_len),
                "{name} lengths"
            );
            for (order, (&g, &e)) in got.precisions.iter().zip(&precisions).enumerate() {
                close(&format!("{name} precision {}", order + 1), g, e);
            }
            close(&format!("{name} brevity penalty"), got.brevity_penalty, bp);
            if references.iter().all(|r| r.len() == 1) {
                let single: Vec<&str> = references.iter().map(|r| r[0].as_str()).collect();
                close(
                    &format!("{name} bleu()"),
                    metrics::bleu(&hypotheses, &single).unwrap(),
                    score,
                );
            }
            seen += 1;
        }
    }
    assert!(seen >= 10, "only {seen} BLEU cases");
}

#[test]
fn rouge_equals_rouge_score_per_pair_and_averaged() {
    let mut seen = 0;
    for case in cases() {
        if let Case::Rouge {
            name,
            targets,
            predictions,
            pairs,
            mean,
        } = case
        {
            for (i, ((t, p), expected)) in targets.iter().zip(&predictions).zip(&pairs).enumerate()
            {
                same_variants(
                    &format!("{name} pair {i}"),
                    metrics::rouge_pair(t, p),
                    expected,
                );
            }
            let got =
                metrics::rouge(&targets, &predictions).unwrap_or_else(|e| panic!("{name}: {e}"));
            same_variants(&format!("{name} mean"), got, &mean);
            seen += 1;
        }
    }
    assert!(seen >= 4, "only {seen} ROUGE cases");
}

//! Metrics identical (within 1e-9; counts exactly) to their Python references on
//! `fixtures/metrics/*.json`, made by `scripts/make_metric_fixtures.py` with
//! scikit-learn, scipy, seqeval and the official SQuAD v2.0 logic.
//!
//! In the fixtures `null` for a number means NaN, and `null` for a whole result
//! means the Rust metric must return an error.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use st_core::metrics::{
    self, Average, BinaryConfusion, MetricError, PrecisionRecallF1, SeqevalReport,
};

const TOLERANCE: f64 = 1e-9;

#[derive(Debug, Deserialize)]
struct Fixture<C> {
    versions: BTreeMap<String, Option<String>>,
    cases: Vec<C>,
}

/// Loads a fixture file and checks that it records where it came from.
fn load<C: DeserializeOwned>(name: &str) -> Vec<C> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/metrics")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let fixture: Fixture<C> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        fixture.versions.contains_key("scikit-learn"),
        "{name}: no versions recorded"
    );
    assert!(fixture.cases.len() >= 5, "{name}: too few cases");
    fixture.cases
}

/// `expected` is `None` for NaN.
fn assert_close(context: &str, got: f64, expected: Option<f64>) {
    match expected {
        None => assert!(got.is_nan(), "{context}: expected NaN, got {got}"),
        Some(e) => assert!(
            (got - e).abs() <= TOLERANCE,
            "{context}: got {got}, expected {e}"
        ),
    }
}

/// `expected` is `None` when the metric must fail.
fn assert_result(context: &str, got: Result<f64, MetricError>, expected: Option<f64>) {
    match (got, expected) {
        (Ok(g), Some(e)) => assert_close(context, g, Some(e)),
        (Err(_), None) => {}
        (Ok(g), None) => panic!("{context}: expected an error, got {g}"),
        (Err(err), Some(e)) => panic!("{context}: expected {e}, got error {err}"),
    }
}

// ---------------------------------------------------------------------------
// Classification
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct Prf {
    precision: Option<f64>,
    recall: Option<f64>,
    f1: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct Confusion {
    tp: usize,
    tn: usize,
    fp: usize,
    r#fn: usize,
}

#[derive(Debug, Deserialize)]
struct ClassificationCase {
    name: String,
    labels: Vec<usize>,
    preds: Vec<usize>,
    accuracy: f64,
    mcc: f64,
    binary: Option<Prf>,
    #[serde(rename = "macro")]
    macro_avg: Option<Prf>,
    micro: Option<Prf>,
    weighted: Option<Prf>,
    confusion: Option<Confusion>,
}

fn assert_prf(context: &str, got: Result<PrecisionRecallF1, MetricError>, expected: &Option<Prf>) {
    match (got, expected) {
        (Ok(g), Some(e)) => {
            assert_close(&format!("{context} precision"), g.precision, e.precision);
            assert_close(&format!("{context} recall"), g.recall, e.recall);
            assert_close(&format!("{context} f1"), g.f1, e.f1);
        }
        (Err(_), None) => {}
        (Ok(g), None) => panic!("{context}: expected an error, got {g:?}"),
        (Err(err), Some(_)) => panic!("{context}: unexpected error {err}"),
    }
}

#[test]
fn classification_matches_sklearn() {
    let cases: Vec<ClassificationCase> = load("classification.json");
    for case in &cases {
        let (labels, preds, name) = (&case.labels, &case.preds, &case.name);
        assert_close(
            &format!("{name} accuracy"),
            metrics::accuracy(labels, preds).unwrap(),
            Some(case.accuracy),
        );
        assert_close(
            &format!("{name} mcc"),
            metrics::mcc(labels, preds).unwrap(),
            Some(case.mcc),
        );
        for (average, expected) in [
            (Average::Binary, &case.binary),
            (Average::Macro, &case.macro_avg),
            (Average::Micro, &case.micro),
            (Average::Weighted, &case.weighted),
        ] {
            let context = format!("{name} {average:?}");
            assert_prf(
                &context,
                metrics::precision_recall_f1(labels, preds, average),
                expected,
            );
            if let Some(e) = expected {
                assert_close(
                    &context,
                    metrics::precision(labels, preds, average).unwrap(),
                    e.precision,
                );
                assert_close(
                    &context,
                    metrics::recall(labels, preds, average).unwrap(),
                    e.recall,
                );
                assert_close(
                    &context,
                    metrics::f1_score(labels, preds, average).unwrap(),
                    e.f1,
                );
            }
        }
        let confusion = metrics::confusion_binary(labels, preds);
        match &case.confusion {
            Some(c) => assert_eq!(
                confusion.unwrap(),
                BinaryConfusion {
                    tp: c.tp,
                    tn: c.tn,
                    fp: c.fp,
                    fn_: c.r#fn
                },
                "{name}"
            ),
            None => assert!(confusion.is_err(), "{name}: confusion_binary should fail"),
        }
    }
}

// ---------------------------------------------------------------------------
// Ranking
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum RankingCase {
    Binary {
        name: String,
        labels: Vec<usize>,
        scores: Vec<f64>,
        roc_auc: Option<f64>,
        average_precision: Option<f64>,
    },
    Lrap {
        name: String,
        labels: Vec<Vec<u8>>,
        scores: Vec<Vec<f64>>,
        lrap: Option<f64>,
    },
}

#[test]
fn ranking_matches_sklearn() {
    let cases: Vec<RankingCase> = load("ranking.json");
    let lrap_cases = cases
        .iter()
        .filter(|c| matches!(c, RankingCase::Lrap { .. }))
        .count();
    assert!(lrap_cases >= 5, "too few LRAP cases");
    for case in &cases {
        match case {
            RankingCase::Binary {
                name,
                labels,
                scores,
                roc_auc,
                average_precision,
            } => {
                assert_result(
                    &format!("{name} roc_auc"),
                    metrics::roc_auc(labels, scores),
                    *roc_auc,
                );
                assert_result(
                    &format!("{name} average_precision"),
                    metrics::average_precision(labels, scores),
                    *average_precision,
                );
            }
            RankingCase::Lrap {
                name,
                labels,
                scores,
                lrap,
            } => {
                assert_result(
                    &format!("{name} lrap"),
                    metrics::lrap(labels, scores),
                    *lrap,
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Regression and perplexity
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum RegressionCase {
    Correlation {
        name: String,
        x: Vec<f64>,
        y: Vec<f64>,
        pearson: Option<f64>,
        spearman: Option<f64>,
    },
    Perplexity {
        eval_loss: f64,
        perplexity: f64,
    },
}

#[test]
fn regression_matches_scipy() {
    let cases: Vec<RegressionCase> = load("regression.json");
    for case in &cases {
        match case {
            RegressionCase::Correlation {
                name,
                x,
                y,
                pearson,
                spearman,
            } => {
                assert_close(
                    &format!("{name} pearson"),
                    metrics::pearson(x, y).unwrap(),
                    *pearson,
                );
                assert_close(
                    &format!("{name} spearman"),
                    metrics::spearman(x, y).unwrap(),
                    *spearman,
                );
            }
            RegressionCase::Perplexity {
                eval_loss,
                perplexity,
            } => {
                let got = metrics::perplexity(*eval_loss);
                assert!(
                    (got - perplexity).abs() <= TOLERANCE * perplexity,
                    "perplexity({eval_loss}) = {got}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// seqeval
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct Row {
    precision: Option<f64>,
    recall: Option<f64>,
    f1: Option<f64>,
    support: usize,
}

#[derive(Debug, Deserialize)]
struct SeqevalCase {
    name: String,
    y_true: Vec<Vec<String>>,
    y_pred: Vec<Vec<String>>,
    precision: Option<f64>,
    recall: Option<f64>,
    f1: Option<f64>,
    report: BTreeMap<String, Row>,
    report_text: BTreeMap<String, Option<String>>,
    sentence_entities: Vec<Vec<(String, usize, usize)>>,
}

fn assert_row(context: &str, got: &metrics::ReportRow, expected: &Row) {
    assert_close(
        &format!("{context} precision"),
        got.precision,
        expected.precision,
    );
    assert_close(&format!("{context} recall"), got.recall, expected.recall);
    assert_close(&format!("{context} f1"), got.f1, expected.f1);
    assert_eq!(got.support, expected.support, "{context} support");
}

fn assert_report(name: &str, report: &SeqevalReport, expected: &BTreeMap<String, Row>) {
    let averages = [
        ("micro avg", &report.micro_avg),
        ("macro avg", &report.macro_avg),
        ("weighted avg", &report.weighted_avg),
    ];
    let expected_types: Vec<&String> = expected
        .keys()
        .filter(|k| !averages.iter().any(|(avg, _)| avg == k))
        .collect();
    let got_types: Vec<&String> = report.per_type.keys().collect();
    assert_eq!(got_types, expected_types, "{name}: entity types");
    for (kind, row) in &report.per_type {
        assert_row(&format!("{name} {kind}"), row, &expected[kind]);
    }
    for (avg, row) in averages {
        assert_row(&format!("{name} {avg}"), row, &expected[avg]);
    }
}

#[test]
fn seqeval_matches_python_seqeval() {
    let cases: Vec<SeqevalCase> = load("seqeval.json");
    for case in &cases {
        let name = &case.name;
        let scores = metrics::seqeval_scores(&case.y_true, &case.y_pred).unwrap();
        assert_close(
            &format!("{name} precision"),
            scores.precision,
            case.precision,
        );
        assert_close(&format!("{name} recall"), scores.recall, case.recall);
        assert_close(&format!("{name} f1"), scores.f1, case.f1);

        let report = metrics::seqeval_report(&case.y_true, &case.y_pred).unwrap();
        assert_report(name, &report, &case.report);
        for (digits, text) in &case.report_text {
            if let Some(text) = text {
                let digits: usize = digits.parse().unwrap();
                assert_eq!(
                    &report.to_text(digits),
                    text,
                    "{name}: report text, {digits} digits"
                );
            }
        }
        assert_eq!(report.to_string(), report.to_text(4));

        let sentences = case.y_true.iter().chain(&case.y_pred);
        for (sentence, expected) in sentences.zip(&case.sentence_entities) {
            let got: Vec<(String, usize, usize)> = metrics::get_entities(sentence)
                .unwrap()
                .into_iter()
                .map(|e| (e.kind, e.start, e.end))
                .collect();
            assert_eq!(&got, expected, "{name}: entities of {sentence:?}");
        }
    }
}

// ---------------------------------------------------------------------------
// SQuAD
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum SquadCase {
    Question {
        prediction: String,
        gold_answers: Vec<String>,
        normalized_prediction: String,
        exact: f64,
        f1: f64,
    },
    Aggregate {
        name: String,
        questions: Vec<usize>,
        exact: f64,
        f1: f64,
        total: usize,
    },
}

#[test]
fn squad_matches_official_script() {
    let cases: Vec<SquadCase> = load("squad.json");
    let questions: Vec<(&String, &Vec<String>)> = cases
        .iter()
        .filter_map(|c| match c {
            SquadCase::Question {
                prediction,
                gold_answers,
                ..
            } => Some((prediction, gold_answers)),
            SquadCase::Aggregate { .. } => None,
        })
        .collect();
    for case in &cases {
        match case {
            SquadCase::Question {
                prediction,
                gold_answers,
                normalized_prediction,
                exact,
                f1,
            } => {
                let context = format!("{prediction:?} vs {gold_answers:?}");
                assert_eq!(
                    &metrics::normalize_answer(prediction),
                    normalized_prediction,
                    "{context}"
                );
                assert_eq!(
                    metrics::squad_exact_match(prediction, gold_answers),
                    *exact,
                    "{context} exact"
                );
                assert_close(
                    &format!("{context} f1"),
                    metrics::squad_f1(prediction, gold_answers),
                    Some(*f1),
                );
            }
            SquadCase::Aggregate {
                name,
                questions: ids,
                exact,
                f1,
                total,
            } => {
                let predictions: Vec<&String> = ids.iter().map(|&i| questions[i].0).collect();
                let golds: Vec<&Vec<String>> = ids.iter().map(|&i| questions[i].1).collect();
                let scores = metrics::squad_scores(&predictions, &golds).unwrap();
                assert_close(&format!("{name} exact"), scores.exact, Some(*exact));
                assert_close(&format!("{name} f1"), scores.f1, Some(*f1));
                assert_eq!(scores.total, *total, "{name} total");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Errors and user metrics through the public API
// ---------------------------------------------------------------------------

#[test]
fn misuse_is_reported_not_panicked() {
    assert_eq!(
        metrics::f1_score(&[0, 1, 1], &[0, 1], Average::Macro),
        Err(MetricError::LengthMismatch {
            left_name: "labels",
            left: 3,
            right_name: "predictions",
            right: 2
        })
    );
    assert!(matches!(
        metrics::mcc(&[], &[]),
        Err(MetricError::TooFewSamples { .. })
    ));
    assert!(matches!(
        metrics::precision(&[0, 1, 2], &[0, 1, 2], Average::Binary),
        Err(MetricError::NotBinary { found: 2, .. })
    ));
    assert!(matches!(
        metrics::roc_auc(&[0, 0, 0], &[0.1, 0.2, 0.3]),
        Err(MetricError::SingleClass { class: 0, .. })
    ));
    assert!(matches!(
        metrics::roc_auc(&[0, 1], &[0.1]),
        Err(MetricError::LengthMismatch { .. })
    ));
    assert!(matches!(
        metrics::roc_auc(&[0, 2], &[0.1, 0.3]),
        Err(MetricError::NotBinary { .. })
    ));
    assert!(matches!(
        metrics::average_precision(&[0, 1], &[f64::INFINITY, 0.3]),
        Err(MetricError::NonFinite { index: 0, .. })
    ));
    let empty: [Vec<u8>; 0] = [];
    let no_scores: [Vec<f64>; 0] = [];
    assert!(matches!(
        metrics::lrap(&empty, &no_scores),
        Err(MetricError::TooFewSamples { .. })
    ));
    assert!(matches!(
        metrics::pearson(&[1.0, 2.0], &[1.0]),
        Err(MetricError::LengthMismatch { .. })
    ));
    assert!(matches!(
        metrics::seqeval_scores(&[vec!["O"]], &[vec!["O"], vec!["O"]]),
        Err(MetricError::LengthMismatch {
            left: 1,
            right: 2,
            ..
        })
    ));
    // Messages name what went wrong.
    let message = metrics::accuracy(&[1], &[1, 0]).unwrap_err().to_string();
    assert_eq!(
        message,
        "length mismatch: labels has 1 elements but predictions has 2"
    );
}

#[test]
fn user_metrics_evaluate_into_a_map_by_name() {
    let user: metrics::Metrics<usize, usize> = [
        metrics::FnMetric::new("acc", |l: &[usize], p: &[usize]| {
            metrics::accuracy(l, p).unwrap_or(f64::NAN)
        }),
        metrics::FnMetric::new("mcc", |l: &[usize], p: &[usize]| {
            metrics::mcc(l, p).unwrap_or(f64::NAN)
        }),
    ]
    .into_iter()
    .collect();
    let results = user.evaluate(&[0, 1, 1, 0], &[0, 1, 0, 0]);
    assert_eq!(results.keys().collect::<Vec<_>>(), ["acc", "mcc"]);
    assert_eq!(results["acc"], 0.75);
    assert_eq!(user.get("mcc").map(|m| m.name()), Some("mcc"));
    assert!(user.get("f1").is_none());
    let threaded = user.clone();
    let from_thread = std::thread::spawn(move || threaded.evaluate(&[1], &[1])["acc"])
        .join()
        .unwrap();
    assert_eq!(from_thread, 1.0);
}

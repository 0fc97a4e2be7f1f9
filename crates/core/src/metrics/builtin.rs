//! Built-in metrics as [`Metric`] values, so that they can be passed wherever a user metric
//! can (`Metrics::new().with(Accuracy)`), by the name Python reports them under. Each is the
//! function of the same name in [`super`]; an input the function rejects (lengths that
//! differ, a single class for `mcc`'s sklearn edge cases…) scores NaN, as a Python metric that
//! raises would stop the run, and NaN never wins early stopping.
//!
//! | type | name | labels / predictions |
//! |---|---|---|
//! | [`Accuracy`], [`Mcc`], [`F1Score`] | `accuracy`, `mcc`, `f1_score` | class ids (`f64`, as classification's extra metrics receive them) |
//! | [`Pearson`], [`Spearman`] | `pearson`, `spearman` | regression values |
//! | [`EntityPrecision`], [`EntityRecall`], [`EntityF1`] | `precision`, `recall`, `f1_score` | tag sequences (seqeval, micro average) |
//! | [`ExactMatch`], [`AnswerF1`] | `exact`, `f1` | answers (official SQuAD, one gold answer each) |
//! | [`Bleu`] | `bleu` | target and generated texts (sacrebleu corpus BLEU, one reference each) |
//! | [`Rouge1`], [`Rouge2`], [`RougeL`] | `rouge1`, `rouge2`, `rougeL` | target and generated texts (rouge-score mean F-measure) |

use super::{Average, Metric, MetricError};

/// A class id carried as `f64`; negative or fractional values are not class ids.
fn class_ids(values: &[f64]) -> Result<Vec<usize>, MetricError> {
    values
        .iter()
        .map(|&v| {
            if v >= 0.0 && v.fract() == 0.0 {
                Ok(v as usize)
            } else {
                Err(MetricError::InvalidInput(format!("{v} is not a class id")))
            }
        })
        .collect()
}

fn or_nan(result: Result<f64, MetricError>) -> f64 {
    result.unwrap_or(f64::NAN)
}

macro_rules! class_metric {
    ($(#[$doc:meta])* $name:ident, $key:literal, |$l:ident, $p:ident| $body:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl Metric<f64, f64> for $name {
            fn name(&self) -> &str {
                $key
            }

            fn compute(&self, labels: &[f64], preds: &[f64]) -> f64 {
                or_nan((|| {
                    let ($l, $p) = (class_ids(labels)?, class_ids(preds)?);
                    $body
                })())
            }
        }
    };
}

class_metric!(
    /// scikit-learn's `accuracy_score`.
    Accuracy, "accuracy", |l, p| super::accuracy(&l, &p)
);
class_metric!(
    /// scikit-learn's `matthews_corrcoef`.
    Mcc, "mcc", |l, p| super::mcc(&l, &p)
);
class_metric!(
    /// scikit-learn's `f1_score(average="macro")`, Simple Transformers' binary `f1_score`.
    F1Score, "f1_score", |l, p| super::f1_score(&l, &p, Average::Macro)
);

/// Pearson's correlation (scipy's `pearsonr`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Pearson;

impl Metric<f64, f64> for Pearson {
    fn name(&self) -> &str {
        "pearson"
    }

    fn compute(&self, labels: &[f64], preds: &[f64]) -> f64 {
        or_nan(super::pearson(labels, preds))
    }
}

/// Spearman's rank correlation (scipy's `spearmanr`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Spearman;

impl Metric<f64, f64> for Spearman {
    fn name(&self) -> &str {
        "spearman"
    }

    fn compute(&self, labels: &[f64], preds: &[f64]) -> f64 {
        or_nan(super::spearman(labels, preds))
    }
}

macro_rules! entity_metric {
    ($(#[$doc:meta])* $name:ident, $key:literal, $field:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl Metric<Vec<String>, Vec<String>> for $name {
            fn name(&self) -> &str {
                $key
            }

            fn compute(&self, labels: &[Vec<String>], preds: &[Vec<String>]) -> f64 {
                or_nan(super::seqeval_report(labels, preds).map(|r| r.micro_avg.$field))
            }
        }
    };
}

entity_metric!(
    /// seqeval's entity-level micro precision.
    EntityPrecision, "precision", precision
);
entity_metric!(
    /// seqeval's entity-level micro recall.
    EntityRecall, "recall", recall
);
entity_metric!(
    /// seqeval's entity-level micro F1 (Simple Transformers' NER `f1_score`).
    EntityF1, "f1_score", f1
);

/// The official SQuAD exact match, in percent, against one gold answer per question.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExactMatch;

impl Metric<String, String> for ExactMatch {
    fn name(&self) -> &str {
        "exact"
    }

    fn compute(&self, labels: &[String], preds: &[String]) -> f64 {
        let golds: Vec<Vec<&str>> = labels.iter().map(|l| vec![l.as_str()]).collect();
        or_nan(super::squad_scores(preds, &golds).map(|s| s.exact))
    }
}

/// The official SQuAD token F1, in percent, against one gold answer per question.
#[derive(Debug, Clone, Copy, Default)]
pub struct AnswerF1;

impl Metric<String, String> for AnswerF1 {
    fn name(&self) -> &str {
        "f1"
    }

    fn compute(&self, labels: &[String], preds: &[String]) -> f64 {
        let golds: Vec<Vec<&str>> = labels.iter().map(|l| vec![l.as_str()]).collect();
        or_nan(super::squad_scores(preds, &golds).map(|s| s.f1))
    }
}

/// sacrebleu's corpus BLEU (0–100) of generated texts against one target each.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bleu;

impl Metric<String, String> for Bleu {
    fn name(&self) -> &str {
        "bleu"
    }

    fn compute(&self, labels: &[String], preds: &[String]) -> f64 {
        or_nan(super::bleu(preds, labels))
    }
}

macro_rules! rouge_metric {
    ($(#[$doc:meta])* $name:ident, $key:literal, $field:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl Metric<String, String> for $name {
            fn name(&self) -> &str {
                $key
            }

            fn compute(&self, labels: &[String], preds: &[String]) -> f64 {
                or_nan(super::rouge(labels, preds).map(|r| r.$field.fmeasure))
            }
        }
    };
}

rouge_metric!(
    /// rouge-score's ROUGE-1 F-measure (0–1), the mean over target/generated pairs.
    Rouge1, "rouge1", rouge1
);
rouge_metric!(
    /// rouge-score's ROUGE-2 F-measure (0–1), the mean over target/generated pairs.
    Rouge2, "rouge2", rouge2
);
rouge_metric!(
    /// rouge-score's ROUGE-L F-measure (0–1), the mean over target/generated pairs.
    RougeL, "rougeL", rouge_l
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Metrics;

    #[test]
    fn builtins_and_closures_share_one_trait_and_are_found_by_name() {
        let metrics = Metrics::new()
            .with(Accuracy)
            .with(Mcc)
            .with_fn("count", |l: &[f64], _: &[f64]| l.len() as f64);
        let results = metrics.evaluate(&[1.0, 0.0, 1.0, 0.0], &[1.0, 0.0, 0.0, 0.0]);
        assert_eq!(results["accuracy"], 0.75);
        assert!((results["mcc"] - 0.57735).abs() < 1e-4);
        assert_eq!(results["count"], 4.0);
        assert_eq!(metrics.get("mcc").map(|m| m.name()), Some("mcc"));
        assert!(Accuracy.compute(&[0.5], &[0.0]).is_nan(), "0.5 is no class");
    }

    #[test]
    fn entity_and_answer_metrics_match_their_functions() {
        let truth = vec![vec!["B-PER".to_string(), "O".into()]];
        let pred = vec![vec!["B-PER".to_string(), "O".into()]];
        assert_eq!(EntityF1.compute(&truth, &pred), 1.0);
        let answers = ["Paris".to_string(), "the cat".to_string()];
        let preds = ["paris".to_string(), "a dog".to_string()];
        assert_eq!(ExactMatch.compute(&answers, &preds), 50.0);
        assert_eq!(AnswerF1.compute(&answers, &preds), 50.0);
    }

    #[test]
    fn generation_metrics_match_their_functions() {
        let targets = ["the cat sat on the mat".to_string()];
        let generated = ["the cat on the mat".to_string()];
        assert_eq!(
            Bleu.compute(&targets, &generated),
            crate::metrics::bleu(&generated, &targets).unwrap()
        );
        let rouge = crate::metrics::rouge(&targets, &generated).unwrap();
        assert_eq!(Rouge1.compute(&targets, &generated), rouge.rouge1.fmeasure);
        assert_eq!(Rouge2.compute(&targets, &generated), rouge.rouge2.fmeasure);
        assert_eq!(RougeL.compute(&targets, &generated), rouge.rouge_l.fmeasure);
        assert!(Bleu.compute(&targets, &[]).is_nan());
    }
}

//! What question answering reports: Python's `calculate_results` (`correct` / `similar` /
//! `incorrect` and the texts of each), the official SQuAD scores, and the shapes of answers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use st_core::metrics::{Metrics, squad_scores};
use st_core::train::EvalResults;

use crate::data::Context;
use crate::qa_model::QaError;

/// Extra metrics: called with the first gold answer of every question (empty when impossible)
/// and the predicted answers, as Python's `**kwargs` metrics are.
pub type QaMetrics = Metrics<String, String>;

/// A question whose prediction was not exactly right (Python's `similar_text` /
/// `incorrect_text` entries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerComparison {
    pub truth: String,
    pub predicted: String,
    pub question: String,
}

/// Python's `texts`: which questions were answered correctly, similarly or incorrectly.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QaTexts {
    pub correct_text: BTreeMap<String, String>,
    pub similar_text: BTreeMap<String, AnswerComparison>,
    pub incorrect_text: BTreeMap<String, AnswerComparison>,
}

/// The n best answers of a question (Python's `{"id", "answer": [...]}`), best first; the
/// empty string is the "no answer" answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QaAnswer {
    pub id: String,
    pub answer: Vec<String>,
}

/// The probabilities of those answers (Python's `{"id", "probability": [...]}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QaProbability {
    pub id: String,
    pub probability: Vec<f64>,
}

/// Python's `calculate_results` plus the official SQuAD scores: `predictions` holds one answer
/// per question of `truth`, in order.
pub fn calculate_results<S: AsRef<str>>(
    truth: &[Context],
    predictions: &[S],
    extra_metrics: &QaMetrics,
) -> Result<(EvalResults, QaTexts), QaError> {
    let questions: Vec<_> = truth.iter().flat_map(|c| &c.qas).collect();
    let mut texts = QaTexts::default();
    let (mut true_answers, mut predicted, mut golds) = (Vec::new(), Vec::new(), Vec::new());
    for (q, prediction) in questions.iter().zip(predictions) {
        let prediction = prediction.as_ref();
        let answer = q.answers.first().map_or("", |a| a.text.as_str());
        let (p, a) = (prediction.trim(), answer.trim());
        let comparison = || AnswerComparison {
            truth: answer.to_string(),
            predicted: prediction.to_string(),
            question: q.question.clone(),
        };
        if p == a {
            texts.correct_text.insert(q.id.clone(), answer.to_string());
        } else if a.contains(p) || p.contains(a) {
            texts.similar_text.insert(q.id.clone(), comparison());
        } else {
            texts.incorrect_text.insert(q.id.clone(), comparison());
        }
        true_answers.push(answer.to_string());
        predicted.push(prediction.to_string());
        golds.push(
            q.answers
                .iter()
                .map(|a| a.text.as_str())
                .collect::<Vec<_>>(),
        );
    }
    let official = squad_scores(&predicted, &golds)?;
    let mut result = EvalResults::new();
    result.insert("correct".into(), texts.correct_text.len() as f64);
    result.insert("similar".into(), texts.similar_text.len() as f64);
    result.insert("incorrect".into(), texts.incorrect_text.len() as f64);
    result.insert("exact".into(), official.exact);
    result.insert("f1".into(), official.f1);
    result.extend(extra_metrics.evaluate(&true_answers, &predicted));
    Ok((result, texts))
}

//! Evaluation metrics, matching what Python Simple Transformers reports.
//!
//! Simple Transformers takes its metrics from scikit-learn, scipy, seqeval
//! and the official SQuAD script (and generation metrics here from sacrebleu and rouge-score); users compare numbers across the two
//! implementations and pick early-stopping metrics by name, so every metric
//! here reproduces its Python reference, edge cases included (checked
//! against committed fixtures in `fixtures/metrics/`).
//!
//! | Python result key (model)                  | function |
//! |--------------------------------------------|----------|
//! | `mcc` (classification)                     | [`mcc`] |
//! | `accuracy`, `f1_score` (binary; macro F1)  | [`accuracy`], [`f1_score`] with [`Average::Macro`] |
//! | `tp`, `tn`, `fp`, `fn` (binary)            | [`confusion_binary`] |
//! | `auroc`, `auprc` (binary)                  | [`roc_auc`], [`average_precision`] |
//! | `LRAP` (multi-label)                       | [`lrap`] |
//! | `precision`, `recall`, `f1_score` (NER)    | [`seqeval_scores`], [`seqeval_report`] |
//! | `perplexity` (language modelling)          | [`perplexity`] |
//! | `bleu` (seq2seq; sacrebleu corpus BLEU)    | [`bleu`], [`corpus_bleu`] |
//! | `rouge1`, `rouge2`, `rougeL` (seq2seq; rouge-score F-measure) | [`rouge`] |
//! | user `name=fn(labels, preds)` kwargs       | [`FnMetric`] in [`Metrics`] |
//!
//! Built-ins and user closures implement one trait, [`Metric`]; [`builtin`] has the built-ins
//! as values.
//!
//! plus [`pearson`]/[`spearman`] for regression and [`squad_scores`] for
//! question answering.
//!
//! Conventions: misuse (mismatched lengths, empty input, a single class where
//! two are needed, non-finite scores) is a [`MetricError`]; a value that the
//! reference defines by convention is returned as such (0.0 for a zero
//! denominator in precision/recall/F1 and for an undefined MCC, NaN for the
//! correlation of a constant input).

mod bleu;
pub mod builtin;
mod classification;
mod custom;
mod error;
mod ranking;
mod regression;
mod rouge;
mod seqeval;
mod squad;

pub use bleu::{BLEU_MAX_ORDER, BleuScore, bleu, corpus_bleu, tokenize_13a};
pub use classification::{
    Average, BinaryConfusion, PrecisionRecallF1, accuracy, confusion_binary, f1_score, mcc,
    precision, precision_recall_f1, recall,
};
pub use custom::{FnMetric, Metric, MetricFn, Metrics};
pub use error::MetricError;
pub use ranking::{average_precision, lrap, roc_auc};
pub use regression::{pearson, spearman};
pub use rouge::{RougeScore, RougeScores, rouge, rouge_pair, rouge_tokens};
pub use seqeval::{Entity, ReportRow, SeqevalReport, get_entities, seqeval_report, seqeval_scores};
pub use squad::{SquadScores, normalize_answer, squad_exact_match, squad_f1, squad_scores};

/// Perplexity of a language model from its mean cross-entropy loss in nats:
/// `exp(eval_loss)`, as Simple Transformers' `LanguageModelingModel` reports.
/// NaN and infinite losses pass through (`exp` of them), so a diverged run
/// shows up as such rather than as an error.
pub fn perplexity(eval_loss: f64) -> f64 {
    eval_loss.exp()
}

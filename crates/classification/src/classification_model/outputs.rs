//! Raw outputs → decisions and metrics: batched inference, windows regrouped per example, the
//! decision per example (argmax and majority vote, value, thresholded multi-hot row), and
//! Python's result keys per mode.

use std::collections::BTreeMap;

use burn::tensor::ElementConversion;
use burn::tensor::backend::AutodiffBackend;
use st_core::metrics::{self, Average, Metrics};
use st_core::task::{BatchOrder, TaskModel, for_each_batch, mean_loss, values};
use st_core::train::EvalResults;

use super::features::{Features, Targets};
use super::{ClassificationError, ClassificationModel};
use crate::args::ClassifierArgs;
use crate::model::SequenceClassifier;

/// Outputs regrouped per example (windows concatenated) with per-example targets, and the
/// decision for each example: what evaluation computes besides its results.
#[derive(Debug, Clone)]
pub struct Evaluated {
    pub(crate) outputs: Vec<Vec<f32>>,
    pub(crate) targets: Targets,
    /// Per example, the outputs of each of its windows (one row without windows).
    windows: Vec<Vec<Vec<f32>>>,
    windowed: bool,
    pub(crate) decisions: Vec<Decision>,
}

/// What the model decides for one example.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Decision {
    Class(usize),
    Value(f32),
    MultiHot(Vec<u8>),
}

impl Evaluated {
    /// Whether the decision for example `i` matches its target (regression is never "wrong").
    pub(crate) fn is_right(&self, i: usize) -> bool {
        match (&self.decisions[i], &self.targets) {
            (Decision::Class(c), Targets::Classes(classes)) => *c == classes[i],
            (Decision::MultiHot(h), Targets::MultiHot(rows)) => {
                h.iter().zip(&rows[i]).all(|(&p, &t)| f32::from(p) == t)
            }
            _ => true,
        }
    }
}

/// Softmax over each row of raw outputs: class probabilities.
pub fn softmax(outputs: &[Vec<f32>]) -> Vec<Vec<f32>> {
    outputs
        .iter()
        .map(|row| {
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let exps: Vec<f32> = row.iter().map(|v| (v - max).exp()).collect();
            let sum: f32 = exps.iter().sum();
            exps.iter().map(|e| e / sum).collect()
        })
        .collect()
}

impl<B: AutodiffBackend, A: ClassifierArgs> ClassificationModel<B, A> {
    /// Raw outputs for every row of `features`, in batches of `eval_batch_size`, and with
    /// `with_loss` the mean batch loss (Python's `eval_loss`). Multi-label outputs are
    /// sigmoid probabilities, as Python reports them.
    pub(crate) fn outputs(
        &self,
        model: &SequenceClassifier<B::InnerBackend>,
        features: &Features,
        with_loss: bool,
        show_progress: bool,
    ) -> Result<(Vec<Vec<f32>>, f64), ClassificationError> {
        let lengths: Vec<usize> = features.ids.iter().map(Vec::len).collect();
        let mut outputs = vec![Vec::new(); lengths.len()];
        let (mut loss_sum, mut batches) = (0.0f64, 0usize);
        let order = if with_loss {
            BatchOrder::AsGiven
        } else {
            BatchOrder::LongestFirst
        };
        let batch_size = self.args().model().eval_batch_size;
        let label = if with_loss {
            "Running evaluation"
        } else {
            "Running prediction"
        };
        for_each_batch(&lengths, batch_size, order, show_progress, label, |rows| {
            let input = self.batch_input::<B::InnerBackend>(features, rows, &self.base.device);
            let logits = model.forward(input);
            if with_loss {
                let loss = self.objective.loss(logits.clone(), &features.targets, rows);
                loss_sum += loss.into_scalar().elem::<f64>();
                batches += 1;
            }
            let [n, cols] = logits.dims();
            let flat = values(logits)?;
            for (r, &i) in rows.iter().enumerate().take(n) {
                outputs[i] = flat[r * cols..(r + 1) * cols].to_vec();
            }
            Ok::<(), ClassificationError>(())
        })?;
        if self.multi_label.is_some() {
            for value in outputs.iter_mut().flatten() {
                *value = 1.0 / (1.0 + (-*value).exp());
            }
        }
        Ok((outputs, mean_loss(loss_sum, batches)))
    }

    /// Window outputs regrouped per example, and the decision for each.
    pub(crate) fn evaluated(&self, features: &Features, outputs: Vec<Vec<f32>>) -> Evaluated {
        let mut evaluated = match &features.windows_of {
            None => Evaluated {
                windows: outputs.iter().map(|o| vec![o.clone()]).collect(),
                outputs,
                targets: features.targets.clone(),
                windowed: false,
                decisions: Vec::new(),
            },
            Some(windows_of) => {
                let n = windows_of.last().map_or(0, |&last| last + 1);
                let mut windows: Vec<Vec<Vec<f32>>> = vec![Vec::new(); n];
                for (row, &example) in outputs.into_iter().zip(windows_of) {
                    windows[example].push(row);
                }
                // The first row of each example carries its target (its windows share it).
                let mut first = vec![0; n];
                for (row, &example) in windows_of.iter().enumerate().rev() {
                    first[example] = row;
                }
                Evaluated {
                    outputs: windows.iter().map(|ws| ws.concat()).collect(),
                    targets: features.targets.select(&first),
                    windows,
                    windowed: true,
                    decisions: Vec::new(),
                }
            }
        };
        evaluated.decisions = evaluated
            .windows
            .iter()
            .map(|windows| self.decide(windows))
            .collect();
        evaluated
    }

    /// Argmax (majority vote of windows, ties to `tie_value`), the value (mean over windows),
    /// or the thresholded multi-hot row.
    fn decide(&self, windows: &[Vec<f32>]) -> Decision {
        if let Some(thresholds) = &self.multi_label {
            let hot = windows[0]
                .iter()
                .zip(thresholds)
                .map(|(p, t)| u8::from(p >= t))
                .collect();
            return Decision::MultiHot(hot);
        }
        let args = self.args().classification();
        if args.regression {
            let sum: f32 = windows.iter().map(|w| w[0]).sum();
            return Decision::Value(sum / windows.len().max(1) as f32);
        }
        let votes: Vec<usize> = windows.iter().map(|w| st_core::task::argmax(w)).collect();
        Decision::Class(if votes.len() == 1 {
            votes[0]
        } else {
            crate::window::majority_vote(&votes, args.tie_value)
        })
    }

    /// Python's results for `features`: `eval_loss`, the mode's metrics, and the extras.
    pub(crate) fn evaluate_features(
        &self,
        model: &SequenceClassifier<B::InnerBackend>,
        features: &Features,
        extra_metrics: &Metrics<f64, f64>,
        show_progress: bool,
    ) -> Result<(EvalResults, Evaluated), ClassificationError> {
        let (outputs, eval_loss) = self.outputs(model, features, true, show_progress)?;
        let evaluated = self.evaluated(features, outputs);
        let mut results = EvalResults::new();
        results.insert("eval_loss".into(), eval_loss);
        let decisions = &evaluated.decisions;
        let (labels, preds): (Vec<f64>, Vec<f64>) = match &evaluated.targets {
            Targets::MultiHot(targets) => {
                let hot: Vec<Vec<u8>> = targets
                    .iter()
                    .map(|t| t.iter().map(|&v| v as u8).collect())
                    .collect();
                let scores: Vec<Vec<f64>> = evaluated
                    .outputs
                    .iter()
                    .map(|o| o.iter().map(|&v| v as f64).collect())
                    .collect();
                results.insert("LRAP".into(), metrics::lrap(&hot, &scores)?);
                // Extra metrics see the flattened label and prediction matrices.
                let preds = decisions.iter().flat_map(|d| match d {
                    Decision::MultiHot(h) => h.clone(),
                    _ => Vec::new(),
                });
                (
                    targets.iter().flatten().map(|&v| v as f64).collect(),
                    preds.map(f64::from).collect(),
                )
            }
            Targets::Values(values) => (
                values.iter().map(|&v| v as f64).collect(),
                decisions
                    .iter()
                    .map(|d| match d {
                        Decision::Value(v) => *v as f64,
                        _ => f64::NAN,
                    })
                    .collect(),
            ),
            Targets::Classes(classes) => {
                let preds: Vec<usize> = decisions
                    .iter()
                    .map(|d| match d {
                        Decision::Class(c) => *c,
                        _ => 0,
                    })
                    .collect();
                let scored = (!evaluated.windowed).then_some(evaluated.outputs.as_slice());
                results.extend(classification_metrics(
                    classes,
                    &preds,
                    scored,
                    self.num_labels(),
                )?);
                (
                    classes.iter().map(|&c| c as f64).collect(),
                    preds.iter().map(|&p| p as f64).collect(),
                )
            }
        };
        results.extend(extra_metrics.evaluate(&labels, &preds));
        Ok((results, evaluated))
    }

    /// The result keys [`ClassificationModel::evaluate_features`] reports, without extras.
    pub(crate) fn builtin_metric_names(&self) -> Vec<&'static str> {
        let args = self.args().classification();
        let mut names = vec!["eval_loss"];
        if self.multi_label.is_some() {
            names.push("LRAP");
        } else if !args.regression {
            names.push("mcc");
            if self.num_labels() == 2 {
                names.extend(["tp", "tn", "fp", "fn"]);
                if !args.sliding_window {
                    names.extend(["accuracy", "f1_score", "auroc", "auprc"]);
                }
            }
        }
        names
    }
}

/// Python's classification metrics: the binary set for two labels, mcc otherwise.
/// With sliding windows (`outputs` = None) the binary set is mcc, tp, tn, fp, fn, as Python.
fn classification_metrics(
    labels: &[usize],
    preds: &[usize],
    outputs: Option<&[Vec<f32>]>,
    num_labels: usize,
) -> Result<BTreeMap<String, f64>, ClassificationError> {
    let mut results = BTreeMap::new();
    results.insert("mcc".into(), metrics::mcc(labels, preds)?);
    if num_labels != 2 {
        return Ok(results);
    }
    let confusion = metrics::confusion_binary(labels, preds)?;
    results.insert("tp".into(), confusion.tp as f64);
    results.insert("tn".into(), confusion.tn as f64);
    results.insert("fp".into(), confusion.fp as f64);
    results.insert("fn".into(), confusion.fn_ as f64);
    let Some(outputs) = outputs else {
        return Ok(results);
    };
    results.insert("accuracy".into(), metrics::accuracy(labels, preds)?);
    results.insert(
        "f1_score".into(),
        metrics::f1_score(labels, preds, Average::Macro)?,
    );
    let scores: Vec<f64> = softmax(outputs).iter().map(|p| p[1] as f64).collect();
    // Python reports NaN (with a warning) when the evaluation data has one class only.
    let or_nan = |r: Result<f64, metrics::MetricError>, name: &str| {
        r.unwrap_or_else(|e| {
            tracing::warn!("{name} is undefined here ({e}); reporting NaN");
            f64::NAN
        })
    };
    results.insert(
        "auroc".into(),
        or_nan(metrics::roc_auc(labels, &scores), "auroc"),
    );
    results.insert(
        "auprc".into(),
        or_nan(metrics::average_precision(labels, &scores), "auprc"),
    );
    Ok(results)
}

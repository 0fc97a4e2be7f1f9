//! Evaluation and prediction as Python's `evaluate` and `predict` compute them: batches in
//! order, `eval_loss` the mean of the batches' losses, the model outputs `sigmoid(logits)` in
//! every mode (Python's, for single-label models too; regression outputs are returned as they
//! are, where Python passes them through the sigmoid as well), decisions at 0.5 (multi-label)
//! or by argmax, and the mode's metrics: `LRAP` (multi-label), `mcc` plus `tp`, `tn`, `fp`,
//! `fn` (two labels) or `mcc` alone (more), the extra metrics only (regression).

use burn::tensor::ElementConversion;
use burn::tensor::backend::AutodiffBackend;
use st_core::metrics::{self, Metrics};
use st_core::task::{BatchOrder, argmax, for_each_batch, mean_loss, pick, values};
use st_core::train::EvalResults;
use st_models::MmbtClassifier;

use crate::error::MultiModalError;
use crate::features::{Problem, Row, Target};
use crate::model::MultiModalClassificationModel;

/// One sample's predicted label(s).
#[derive(Debug, Clone, PartialEq)]
pub enum Prediction {
    /// The class (single-label): its name from the label list.
    Class(String),
    /// 0/1 per label (multi-label, threshold 0.5), as Python's int array.
    MultiHot(Vec<u8>),
    /// The predicted value (regression).
    Value(f32),
}

/// `predict`'s result: Python's `(preds, model_outputs)`.
pub type Predictions = (Vec<Prediction>, Vec<Vec<f32>>);

/// `eval_model`'s result: Python's `(result, model_outputs)`.
pub type EvalOutput = (EvalResults, Vec<Vec<f32>>);

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl<B: AutodiffBackend> MultiModalClassificationModel<B> {
    /// The model outputs of `rows` (and the mean batch loss), in batches of
    /// `eval_batch_size`.
    pub(crate) fn outputs(
        &self,
        module: &MmbtClassifier<B::InnerBackend>,
        rows: &[Row],
        show: bool,
        label: &str,
    ) -> Result<(Vec<Vec<f32>>, f64), MultiModalError> {
        let lengths: Vec<usize> = rows.iter().map(|r| r.ids.len()).collect();
        let mut outputs = vec![Vec::new(); rows.len()];
        let (mut loss_sum, mut batches) = (0.0, 0usize);
        let device = &self.base.device;
        for_each_batch(
            &lengths,
            self.base.args.model.eval_batch_size,
            BatchOrder::AsGiven,
            show,
            label,
            |indices| -> Result<(), MultiModalError> {
                let batch = self.make_batch::<B::InnerBackend>(&pick(rows, indices), device)?;
                let logits = module.forward(batch.input);
                let width = logits.dims()[1];
                loss_sum += self
                    .objective(logits.clone(), batch.targets)
                    .into_scalar()
                    .elem::<f64>();
                batches += 1;
                let logits = values(logits)?;
                let regression = self.labelling.problem == Problem::Regression;
                for (&i, row) in indices.iter().zip(logits.chunks(width)) {
                    outputs[i] = if regression {
                        row.to_vec()
                    } else {
                        row.iter().map(|&x| sigmoid(x)).collect()
                    };
                }
                Ok(())
            },
        )?;
        Ok((outputs, mean_loss(loss_sum, batches)))
    }

    /// One sample's decision from its outputs.
    pub(crate) fn decide(&self, output: &[f32]) -> Prediction {
        match self.labelling.problem {
            Problem::MultiLabel => {
                Prediction::MultiHot(output.iter().map(|&p| u8::from(p > 0.5)).collect())
            }
            Problem::Regression => Prediction::Value(output.first().copied().unwrap_or(f32::NAN)),
            Problem::SingleLabel => {
                Prediction::Class(self.labelling.labels[argmax(output)].clone())
            }
        }
    }

    /// Python's results for `rows`: `eval_loss`, the mode's metrics and the extras (which see
    /// labels and predictions as numbers: class indices, flattened 0/1 matrices, or values).
    pub(crate) fn evaluate_rows(
        &self,
        module: &MmbtClassifier<B::InnerBackend>,
        rows: &[Row],
        extra: &Metrics<f64, f64>,
        show: bool,
    ) -> Result<(EvalResults, Vec<Vec<f32>>), MultiModalError> {
        let (outputs, eval_loss) = self.outputs(module, rows, show, "Running Evaluation")?;
        let mut results = EvalResults::new();
        results.insert("eval_loss".into(), eval_loss);
        let (labels, preds): (Vec<f64>, Vec<f64>) = match self.labelling.problem {
            Problem::MultiLabel => {
                let hot: Vec<Vec<u8>> = rows
                    .iter()
                    .map(|r| match &r.target {
                        Target::MultiHot(h) => h.iter().map(|&v| v as u8).collect(),
                        _ => Vec::new(),
                    })
                    .collect();
                let scores: Vec<Vec<f64>> = outputs
                    .iter()
                    .map(|o| o.iter().map(|&v| f64::from(v)).collect())
                    .collect();
                results.insert("LRAP".into(), metrics::lrap(&hot, &scores)?);
                let preds = outputs
                    .iter()
                    .flatten()
                    .map(|&p| f64::from(u8::from(p > 0.5)));
                (
                    hot.iter().flatten().map(|&v| f64::from(v)).collect(),
                    preds.collect(),
                )
            }
            Problem::Regression => (
                rows.iter()
                    .map(|r| match r.target {
                        Target::Value(v) => f64::from(v),
                        _ => f64::NAN,
                    })
                    .collect(),
                outputs.iter().map(|o| f64::from(o[0])).collect(),
            ),
            Problem::SingleLabel => {
                let classes: Vec<usize> = rows
                    .iter()
                    .map(|r| match r.target {
                        Target::Class(c) => c,
                        _ => 0,
                    })
                    .collect();
                let preds: Vec<usize> = outputs.iter().map(|o| argmax(o)).collect();
                results.insert("mcc".into(), metrics::mcc(&classes, &preds)?);
                if self.labelling.labels.len() == 2 {
                    let confusion = metrics::confusion_binary(&classes, &preds)?;
                    results.insert("tp".into(), confusion.tp as f64);
                    results.insert("tn".into(), confusion.tn as f64);
                    results.insert("fp".into(), confusion.fp as f64);
                    results.insert("fn".into(), confusion.fn_ as f64);
                }
                (
                    classes.iter().map(|&c| c as f64).collect(),
                    preds.iter().map(|&p| p as f64).collect(),
                )
            }
        };
        results.extend(extra.evaluate(&labels, &preds));
        Ok((results, outputs))
    }

    /// The result keys evaluation reports, extras aside.
    pub(crate) fn builtin_metric_names(&self) -> Vec<&'static str> {
        let mut names = vec!["eval_loss"];
        match self.labelling.problem {
            Problem::MultiLabel => names.push("LRAP"),
            Problem::Regression => {}
            Problem::SingleLabel => {
                names.push("mcc");
                if self.labelling.labels.len() == 2 {
                    names.extend(["tp", "tn", "fp", "fn"]);
                }
            }
        }
        names
    }
}

//! `MultiLabelClassificationModel`: any number of labels per text, multi-hot targets,
//! `BCEWithLogits` (with `pos_weight`), sigmoid outputs and per-label thresholds, LRAP.

use burn::tensor::backend::AutodiffBackend;
use st_core::backend::{DeviceRequest, TrainBackend};
use st_core::hub::HubOptions;
use st_core::metrics::Metrics;
use st_core::train::TrainOutput;

use crate::args::MultiLabelClassificationArgs;
use crate::classification_model::{
    ClassificationError, ClassificationModel, ClassificationOptions, EvalOutput, Predictions,
};
use crate::data::Example;

/// Constructor options besides `model_type` and `model_name`.
#[derive(Debug, Clone, Default)]
pub struct MultiLabelOptions {
    /// Number of labels; from `labels_list` or the checkpoint when absent.
    pub num_labels: Option<usize>,
    /// BCE weight of the positive class, per label.
    pub pos_weight: Option<Vec<f32>>,
    pub args: MultiLabelClassificationArgs,
    pub device: DeviceRequest,
    pub hub: HubOptions,
}

/// Multi-label classification with Simple Transformers' API. Labels are multi-hot
/// ([`crate::Label::MultiHot`]); raw outputs are sigmoid probabilities; predictions are
/// `probability >= threshold` per label.
#[derive(Debug)]
pub struct MultiLabelClassificationModel<B: AutodiffBackend = TrainBackend> {
    inner: ClassificationModel<B>,
    /// The arguments in effect.
    pub args: MultiLabelClassificationArgs,
}

impl MultiLabelClassificationModel<TrainBackend> {
    /// Load `model_name` as a `model_type` multi-label classifier on the default backend.
    pub fn new(
        model_type: &str,
        model_name: &str,
        options: MultiLabelOptions,
    ) -> Result<Self, ClassificationError> {
        let device = options.device.device()?;
        let args = options.args.clone();
        let inner = ClassificationModel::build(
            model_type,
            model_name,
            ClassificationOptions {
                num_labels: options.num_labels,
                weight: None,
                args: options.args.classification,
                device: options.device,
                hub: options.hub,
            },
            device,
            Some((options.args.threshold, options.pos_weight)),
        )?;
        Ok(Self { inner, args })
    }
}

impl<B: AutodiffBackend> MultiLabelClassificationModel<B> {
    /// Number of labels.
    pub fn num_labels(&self) -> usize {
        self.inner.num_labels()
    }

    /// Fine-tune on multi-hot examples; see [`ClassificationModel::train_model`].
    pub fn train_model(
        &mut self,
        train: &[Example],
        eval: Option<&[Example]>,
        extra_metrics: Metrics<f64, f64>,
    ) -> Result<TrainOutput, ClassificationError> {
        self.inner.train_model(train, eval, extra_metrics)
    }

    /// `(result, model_outputs, wrong_predictions)`: result keys `LRAP`, `eval_loss` and extras
    /// (which see the flattened label and thresholded-prediction matrices); outputs are sigmoid
    /// probabilities.
    pub fn eval_model(
        &self,
        examples: &[Example],
        extra_metrics: &Metrics<f64, f64>,
    ) -> Result<EvalOutput, ClassificationError> {
        self.inner.eval_model(examples, extra_metrics)
    }

    /// `(predictions, sigmoid_outputs)`: multi-hot predictions by threshold.
    pub fn predict(&self, texts: &[&str]) -> Result<Predictions, ClassificationError> {
        self.inner.predict(texts)
    }

    /// Save (weights, config with `problem_type = multi_label_classification`, tokenizer,
    /// `model_args.json`), atomically.
    pub fn save_model(&self, output_dir: &std::path::Path) -> Result<(), ClassificationError> {
        self.inner.save_model(output_dir)
    }
}

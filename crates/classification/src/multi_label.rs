//! `MultiLabelClassificationModel`: any number of labels per text, multi-hot targets,
//! `BCEWithLogits` (with `pos_weight`), sigmoid outputs and per-label thresholds, LRAP — the
//! classification model with [`MultiLabelClassificationArgs`].

use st_core::backend::TrainBackend;

use crate::args::MultiLabelClassificationArgs;
use crate::classification_model::{ClassificationModel, ClassifierOptions};

/// Options of a [`MultiLabelClassificationModel`]: `pos_weight` (not `weight`) weighs labels.
pub type MultiLabelOptions = ClassifierOptions<MultiLabelClassificationArgs>;

/// Multi-label classification with Simple Transformers' API. Labels are multi-hot
/// ([`crate::Label::MultiHot`]); raw outputs are sigmoid probabilities; predictions are
/// `probability >= threshold` per label; `eval_model` reports `LRAP` and `eval_loss` (extra
/// metrics see the flattened label and thresholded-prediction matrices); saved models carry
/// `problem_type = multi_label_classification`.
pub type MultiLabelClassificationModel<B = TrainBackend> =
    ClassificationModel<B, MultiLabelClassificationArgs>;

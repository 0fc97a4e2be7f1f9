//! `MultiModalClassificationModel`: images and text classified together, MMBT-style, as
//! Python Simple Transformers builds it — a torchvision ResNet's feature map pooled to
//! `num_image_embeds` vectors and fed, with the text, through one BERT encoder — for binary,
//! multi-class, multi-label and regression targets. Python's own multimodal model no longer
//! runs on current `transformers` (it needs the removed MMBT classes).
//!
//! ```no_run
//! use st_multimodal::{MultiModalClassificationModel, MultiModalOptions, TaskModel};
//! # fn main() -> Result<(), st_multimodal::MultiModalError> {
//! let options = MultiModalOptions {
//!     label_list: Some(vec!["Flags".into(), "Food & Drink".into()]),
//!     overrides: Some(serde_json::json!({"image_encoder_type": "resnet18"})),
//!     ..Default::default()
//! };
//! let mut model = MultiModalClassificationModel::new("bert", "path/to/bert", options)?;
//! let train = model.read_data("emoji/train".as_ref(), None, None)?;
//! model.train_model(&train, None, Default::default())?;
//! let (predictions, outputs) = model.predict_named(
//!     &["grinning face"], &["1f600"], "emoji".as_ref(), Some(".png"))?;
//! # Ok(()) }
//! ```

pub mod args;
pub mod data;
pub mod error;
pub mod features;
pub mod model;
pub mod outputs;
pub mod pixels;

pub use args::MultiModalClassificationArgs;
pub use data::{DataSource, MultiModalExample, MultiModalLabel, read_data, read_files_list};
pub use error::MultiModalError;
pub use features::Problem;
pub use model::{MultiModalClassificationModel, MultiModalInput, MultiModalOptions};
pub use outputs::{EvalOutput, Prediction, Predictions};
pub use pixels::ImageTransform;
pub use st_core::task::TaskModel;

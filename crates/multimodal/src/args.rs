//! `MultiModalClassificationArgs`: Simple Transformers' global arguments plus the multimodal
//! ones, with the same names and defaults, and the image encoder and image sizes, which
//! Python fixes in code (a pretrained ResNet-152, Resize(256) and CenterCrop(224)).

use serde::{Deserialize, Serialize};
use st_core::args::{Args, ArgsError, ModelArgs, TaskArgs};

/// Arguments of [`crate::MultiModalClassificationModel`]; JSON uses Python's flat keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MultiModalClassificationArgs {
    #[serde(flatten)]
    pub model: ModelArgs,
    pub model_class: String,
    /// One output, the mean squared error, values as labels.
    pub regression: bool,
    /// How many vectors the image becomes (1–9: Simple Transformers' pooling grids).
    pub num_image_embeds: usize,
    /// Keys (or columns) of the text, the labels and the image file.
    pub text_label: String,
    pub labels_label: String,
    pub images_label: String,
    /// Appended to every image name (".png").
    pub image_type_extension: String,
    /// Appended to every per-sample file name in a data directory (".json").
    pub data_type_extension: String,
    /// Tokens added to the tokenizer as special tokens.
    pub special_tokens_list: Vec<String>,
    /// The image encoder when the model is built from a text encoder: a torchvision depth
    /// (`resnet18` … `resnet152`; Python's is resnet152) started from torchvision's own
    /// initialisation, unless `image_encoder_name` gives its weights.
    pub image_encoder_type: String,
    /// A directory holding a torchvision ResNet's `state_dict` as `model.safetensors`.
    pub image_encoder_name: Option<String>,
    /// The image's short side is resized to this (Python: 256) …
    pub image_size: usize,
    /// … and its centre cropped to a square of this side (Python: 224).
    pub crop_size: usize,
}

impl Default for MultiModalClassificationArgs {
    fn default() -> Self {
        Self {
            model: ModelArgs::default(),
            model_class: "MultiModalClassificationModel".into(),
            regression: false,
            num_image_embeds: 1,
            text_label: "text".into(),
            labels_label: "labels".into(),
            images_label: "images".into(),
            image_type_extension: String::new(),
            data_type_extension: String::new(),
            special_tokens_list: Vec::new(),
            image_encoder_type: "resnet152".into(),
            image_encoder_name: None,
            image_size: 256,
            crop_size: 224,
        }
    }
}

impl MultiModalClassificationArgs {
    /// Text tokens per sample: `max_seq_length − num_image_embeds − 2`, as Python truncates.
    pub fn max_text_tokens(&self) -> usize {
        self.model
            .max_seq_length
            .saturating_sub(self.num_image_embeds + 2)
    }
}

impl Args for MultiModalClassificationArgs {}

impl TaskArgs for MultiModalClassificationArgs {
    st_core::model_args_field!(model);

    fn check_task(&self) -> Result<(), ArgsError> {
        let invalid = |key: &str, reason: String| {
            Err(ArgsError::InvalidValue {
                key: key.into(),
                reason,
            })
        };
        if st_models::mmbt::pooling_grid(self.num_image_embeds).is_none() {
            return invalid(
                "num_image_embeds",
                format!("expected 1 to 9, found {}", self.num_image_embeds),
            );
        }
        if self.max_text_tokens() == 0 {
            return invalid(
                "max_seq_length",
                format!(
                    "{} leaves no room for text after num_image_embeds ({}) and the two frame \
                     tokens",
                    self.model.max_seq_length, self.num_image_embeds
                ),
            );
        }
        if self.crop_size == 0 || self.image_size == 0 {
            return invalid(
                "crop_size",
                "image_size and crop_size must be positive".into(),
            );
        }
        Ok(())
    }
}

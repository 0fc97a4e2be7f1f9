//! MMBT (Kiela et al., 2019) as Simple Transformers builds it on `transformers`' last MMBT
//! implementation: an image encoder's last feature map average-pooled to `num_image_embeds`
//! vectors, projected into the text encoder's embedding space, framed by the text's start and
//! end tokens (`[CLS]` … `[SEP]`), given positions `0..N+2` and segment 0 with the text
//! encoder's own tables and LayerNorm; then the text (without its `[CLS]`/`[SEP]`, segment 1,
//! positions from 0) appended, one pass of the BERT encoder over both, its pooler, dropout and
//! a linear classifier.
//!
//! Weight names are those of Python's `MMBTForClassification.state_dict()`:
//!
//! | Burn path              | PyTorch name                                              |
//! |------------------------|-----------------------------------------------------------|
//! | `text.…`               | `mmbt.transformer.…` (the BERT names, no `bert.` prefix)  |
//! | `image.…`              | `mmbt.modal_encoder.encoder.model.…` (ResNet, Sequential) |
//! | `proj_embeddings.…`    | `mmbt.modal_encoder.proj_embeddings.…`                    |
//! | `classifier.…`         | `classifier.…`                                            |
//!
//! The modal embeddings' `word_embeddings`, `position_embeddings`, `token_type_embeddings` and
//! `LayerNorm` are the text encoder's modules, so PyTorch lists them twice in a `state_dict`;
//! they are saved once, under `mmbt.transformer.embeddings`.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Int, Tensor, backend::Backend};
use serde_json::Value;
use st_core::weights::{HfName, NameMap};

use crate::dropout::Dropout;
use crate::image::{ResNet, ResNetConfig, ResNetLayout, ResNetNames};
use crate::{Encoder, ModelError};

/// Simple Transformers' `POOLING_BREAKDOWN`: the grid the feature map is pooled to for each
/// `num_image_embeds`.
pub fn pooling_grid(num_image_embeds: usize) -> Option<[usize; 2]> {
    Some(match num_image_embeds {
        1 => [1, 1],
        2 => [2, 1],
        3 => [3, 1],
        4 => [2, 2],
        5 => [5, 1],
        6 => [3, 2],
        7 => [7, 1],
        8 => [4, 2],
        9 => [3, 3],
        _ => return None,
    })
}

/// What a saved MMBT `config.json` adds to the text encoder's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct MmbtConfig {
    pub num_image_embeds: usize,
    pub image_encoder: ResNetConfig,
}

impl MmbtConfig {
    /// The MMBT keys of a saved `config.json` (`None` when it is a plain text encoder's).
    pub fn from_hf(config: &Value, path: &std::path::Path) -> Result<Option<Self>, ModelError> {
        let Some(image) = config.get("image_encoder") else {
            return Ok(None);
        };
        let image_encoder = ResNetConfig::from_json(image, path)?;
        let num_image_embeds = config
            .get("num_image_embeds")
            .and_then(Value::as_u64)
            .ok_or_else(|| ModelError::bad_config(path, "`num_image_embeds` is missing"))?
            as usize;
        Ok(Some(Self {
            num_image_embeds,
            image_encoder,
        }))
    }

    /// The keys written into `config.json` beside the text encoder's.
    pub fn hf_updates(&self) -> [(&'static str, Value); 3] {
        let mut image = serde_json::to_value(&self.image_encoder).unwrap_or_default();
        image["num_classes"] = Value::Null;
        [
            ("num_image_embeds", Value::from(self.num_image_embeds)),
            (
                "modal_hidden_size",
                Value::from(self.image_encoder.feature_channels()),
            ),
            ("image_encoder", image),
        ]
    }
}

/// One batch: images `[batch, 3, h, w]`, the text without its first and last special tokens
/// `[batch, len]` (right-padded, `attention_mask` 0 there), and those two tokens `[batch]`.
#[derive(Debug, Clone)]
pub struct MmbtInput<B: Backend> {
    pub images: Tensor<B, 4>,
    pub input_ids: Tensor<B, 2, Int>,
    pub attention_mask: Tensor<B, 2, Int>,
    pub start_tokens: Tensor<B, 1, Int>,
    pub end_tokens: Tensor<B, 1, Int>,
}

/// `MMBTForClassification`.
#[derive(Module, Debug)]
pub struct MmbtClassifier<B: Backend> {
    /// The BERT encoder, with its pooler.
    pub text: Encoder<B>,
    /// The image encoder, without pooling and `fc`.
    pub image: ResNet<B>,
    /// `modal_hidden_size` → `hidden_size`.
    pub proj_embeddings: Linear<B>,
    /// The modal embeddings' dropout (`hidden_dropout_prob`).
    pub modal_dropout: Dropout,
    /// Before the classifier (`hidden_dropout_prob`).
    pub dropout: Dropout,
    pub classifier: Linear<B>,
    /// `num_image_embeds` as a pooling grid.
    #[module(skip)]
    pub grid: [usize; 2],
}

impl<B: Backend> MmbtClassifier<B> {
    /// Assemble from a text encoder (which must have a pooler) and an image encoder, with a
    /// new projection and classifier initialised as `nn.Linear` is.
    pub fn new(
        text: Encoder<B>,
        image: ResNet<B>,
        config: &MmbtConfig,
        dropout: f64,
        num_labels: usize,
        device: &B::Device,
    ) -> Result<Self, ModelError> {
        let grid = pooling_grid(config.num_image_embeds).ok_or_else(|| {
            ModelError::Incompatible(format!(
                "num_image_embeds is {}; Simple Transformers pools the image to 1 to 9 vectors",
                config.num_image_embeds
            ))
        })?;
        if text.pooler.is_none() {
            return Err(ModelError::Incompatible(
                "MMBT classifies the pooled first token: the text encoder needs a pooler".into(),
            ));
        }
        let hidden = text.hidden_size();
        Ok(Self {
            text,
            image,
            proj_embeddings: LinearConfig::new(config.image_encoder.feature_channels(), hidden)
                .init(device),
            modal_dropout: Dropout::new(dropout),
            dropout: Dropout::new(dropout),
            classifier: LinearConfig::new(hidden, num_labels).init(device),
            grid,
        })
    }

    /// The logits `[batch, num_labels]`.
    pub fn forward(&self, input: MmbtInput<B>) -> Tensor<B, 2> {
        let hidden = self.encode(input);
        let pooled = self.text.pooler.as_ref().map_or_else(
            || {
                hidden
                    .clone()
                    .slice([0..hidden.dims()[0], 0..1])
                    .squeeze_dim(1)
            },
            |pooler| pooler.forward(hidden.clone()),
        );
        self.classifier.forward(self.dropout.forward(pooled))
    }

    /// The encoder's last hidden state over `[CLS] image… [SEP] text…`.
    pub fn encode(&self, input: MmbtInput<B>) -> Tensor<B, 3> {
        let device = input.images.device();
        let [batch, text_len] = input.input_ids.dims();
        let embeddings = &self.text.embeddings;
        let features = self.image.grid_features(input.images, self.grid);
        let projected = crate::layers::linear_tokens(&self.proj_embeddings, features);
        let frame =
            |ids: Tensor<B, 1, Int>| embeddings.word_embeddings.forward(ids.reshape([batch, 1]));
        let modal = Tensor::cat(
            vec![
                frame(input.start_tokens),
                projected,
                frame(input.end_tokens),
            ],
            1,
        );
        let modal_len = modal.dims()[1];
        let positions = |len: usize| {
            Tensor::<B, 1, Int>::arange(0..len as i64, &device)
                .reshape([1, len])
                .expand([batch, len])
        };
        let mut modal = modal + embeddings.position_embeddings.forward(positions(modal_len));
        if let Some(types) = &embeddings.token_type_embeddings {
            modal = modal + types.forward(Tensor::zeros([batch, modal_len], &device));
        }
        let modal = self.modal_dropout.forward(embeddings.norm.forward(modal));
        let text_types = Tensor::<B, 2, Int>::ones([batch, text_len], &device);
        let text = embeddings.forward(input.input_ids, positions(text_len), Some(text_types));
        let mask = Tensor::cat(
            vec![
                Tensor::<B, 2, Int>::ones([batch, modal_len], &device),
                input.attention_mask,
            ],
            1,
        );
        self.text
            .encode_embedded(Tensor::cat(vec![modal, text], 1), mask)
            .last_hidden_state
    }
}

/// [`MmbtClassifier`]'s Burn paths → Python's `MMBTForClassification` names (table above).
pub struct MmbtNames {
    /// The text encoder's own map (BERT names).
    pub text: Box<dyn NameMap>,
    pub image: ResNetNames,
}

impl MmbtNames {
    pub fn new(text: Box<dyn NameMap>) -> Self {
        Self {
            text,
            image: ResNetNames {
                prefix: "mmbt.modal_encoder.encoder.model.".into(),
                layout: ResNetLayout::Sequential,
            },
        }
    }
}

impl NameMap for MmbtNames {
    fn hf_name(&self, burn_path: &str) -> HfName {
        let name = if let Some(rest) = burn_path.strip_prefix("text.") {
            format!("mmbt.transformer.{}", self.text.hf_name(rest).name)
        } else if let Some(rest) = burn_path.strip_prefix("image.") {
            return self.image.hf_name(rest);
        } else if let Some(rest) = burn_path.strip_prefix("proj_embeddings.") {
            format!("mmbt.modal_encoder.proj_embeddings.{rest}")
        } else {
            burn_path.to_string()
        };
        HfName {
            name,
            in_base_model: false,
        }
    }

    fn base_model_prefix(&self) -> &str {
        ""
    }
}

/// A saved MMBT directory (`config.json` with the MMBT keys, `model.safetensors` with
/// [`MmbtNames`]) loaded whole: every weight must be there. `spec` is the text encoder's, read
/// from the same `config.json`; `num_labels` sizes the classifier.
pub fn load_mmbt<B: Backend>(
    spec: &crate::EncoderSpec,
    config: &MmbtConfig,
    num_labels: usize,
    dir: &std::path::Path,
    device: &B::Device,
) -> Result<MmbtClassifier<B>, ModelError> {
    let mut text_config = spec.config.clone();
    text_config.has_pooler = true;
    let text = Encoder::new(&text_config, device);
    let image = ResNet::new(&config.image_encoder, device);
    let dropout = text_config.hidden_dropout;
    let module = MmbtClassifier::new(text, image, config, dropout, num_labels, device)?;
    let names = MmbtNames::new(spec.arch.name_map(&text_config));
    let checkpoint = st_core::weights::Checkpoint::open(dir)?;
    let (module, report) = st_core::weights::load_into(module, &checkpoint, &names)?;
    report.complete("the MMBT model")?;
    Ok(module)
}

/// Write `module` as an MMBT directory's weights and `config.json` into `dir`: the text
/// encoder's configuration (`spec`) with `MMBTForClassification`, the labels, `problem_type`
/// and the MMBT keys.
pub fn save_mmbt<B: Backend>(
    module: &MmbtClassifier<B>,
    spec: &crate::EncoderSpec,
    config: &MmbtConfig,
    labels: &[String],
    problem_type: Option<&str>,
    dir: &std::path::Path,
) -> Result<(), ModelError> {
    let names = MmbtNames::new(spec.arch.name_map(&spec.config));
    let hf = crate::task::task_config(
        &spec.hf_config,
        "MMBTForClassification",
        labels,
        problem_type,
    );
    crate::loader::save_hf_model(module, &names, false, &hf, config.hf_updates(), dir)
}

//! [`ResNetConfig`]: torchvision's ResNet shapes (block type, blocks per stage, stage widths),
//! from our `config.json`, from a registered depth (`resnet18` … `resnet152`), or read off a
//! converted torchvision checkpoint's tensor names and shapes.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use st_core::weights::Checkpoint;

use crate::ModelError;

/// torchvision's two residual blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlockKind {
    /// Two 3×3 convolutions (resnet18, resnet34); expansion 1.
    Basic,
    /// 1×1, 3×3, 1×1 convolutions (resnet50 and deeper); expansion 4.
    Bottleneck,
}

impl BlockKind {
    /// Output channels per unit of stage width.
    pub fn expansion(self) -> usize {
        match self {
            BlockKind::Basic => 1,
            BlockKind::Bottleneck => 4,
        }
    }
}

/// The shape of a torchvision ResNet (`groups` 1, `width_per_group` 64: ResNeXt and wide
/// ResNets are not covered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResNetConfig {
    /// `"resnet"`, or the registered depth it was made from.
    #[serde(default = "resnet")]
    pub model_type: String,
    pub block: BlockKind,
    /// Blocks in each of the four stages (`layer1` … `layer4`).
    pub layers: [usize; 4],
    /// Each stage's width (`planes`); torchvision's are 64, 128, 256, 512.
    #[serde(default = "torchvision_widths")]
    pub widths: [usize; 4],
    /// Channels of the 7×7 stem convolution (torchvision: 64).
    #[serde(default = "torchvision_stem")]
    pub stem_width: usize,
    /// Classes of the `fc` layer; `None` for a feature extractor (no pooling, no `fc`).
    #[serde(default)]
    pub num_classes: Option<usize>,
}

fn resnet() -> String {
    "resnet".into()
}

fn torchvision_widths() -> [usize; 4] {
    [64, 128, 256, 512]
}

fn torchvision_stem() -> usize {
    64
}

impl ResNetConfig {
    /// torchvision's `resnet{depth}` (with its 1000-class `fc`).
    pub fn torchvision(model_type: &str, block: BlockKind, layers: [usize; 4]) -> Self {
        Self {
            model_type: model_type.into(),
            block,
            layers,
            widths: torchvision_widths(),
            stem_width: torchvision_stem(),
            num_classes: Some(1000),
        }
    }

    /// Channels of the last feature map (512 for resnet18/34, 2048 for resnet50 and deeper).
    pub fn feature_channels(&self) -> usize {
        self.widths[3] * self.block.expansion()
    }

    /// Parse a config object. A registered `model_type` (`resnet50`…) fills in what is not
    /// given; plain `resnet` needs `block` and `layers`. `path` is for messages.
    pub fn from_json(value: &Value, path: &Path) -> Result<Self, ModelError> {
        let bad = |message: String| ModelError::bad_config(path, message);
        let object = value
            .as_object()
            .ok_or_else(|| bad("the image encoder's config is not a JSON object".into()))?;
        let model_type = object
            .get("model_type")
            .and_then(Value::as_str)
            .unwrap_or("resnet");
        let mut merged = match model_type {
            "resnet" => serde_json::Map::new(),
            depth => {
                let arch = crate::registry::lookup::<dyn super::ImageEncoderArchitecture>(depth)?;
                match serde_json::to_value(arch.config()) {
                    Ok(Value::Object(map)) => map,
                    _ => serde_json::Map::new(),
                }
            }
        };
        merged.extend(object.clone());
        let config: Self = serde_json::from_value(Value::Object(merged))
            .map_err(|e| bad(format!("image encoder: {e}")))?;
        config.validate().map_err(bad)?;
        Ok(config)
    }

    /// Every stage has at least one block, and every width is positive.
    pub fn validate(&self) -> Result<(), String> {
        if self.layers.contains(&0) {
            return Err(format!(
                "image encoder: `layers` {:?} has an empty stage; every stage needs a block",
                self.layers
            ));
        }
        if self.widths.contains(&0) || self.stem_width == 0 {
            return Err("image encoder: `widths` and `stem_width` must be positive".into());
        }
        if self.num_classes == Some(0) {
            return Err("image encoder: `num_classes` must be positive (or null)".into());
        }
        Ok(())
    }

    /// The configuration of a torchvision ResNet checkpoint, read from its names and shapes:
    /// `conv3` in the blocks means bottlenecks, `layer{s}.{b}` counts the blocks, the
    /// convolutions give the widths, `fc.weight` the classes. `prefix` is what the ResNet's
    /// names start with in the checkpoint (empty for a plain torchvision state_dict).
    pub fn infer(checkpoint: &Checkpoint, prefix: &str) -> Result<Self, String> {
        let shape = |name: &str| checkpoint.shape(&format!("{prefix}{name}"));
        let stem = shape("conv1.weight").ok_or_else(|| {
            format!("no `{prefix}conv1.weight`: this is not a torchvision ResNet checkpoint")
        })?;
        let block = if shape("layer1.0.conv3.weight").is_some() {
            BlockKind::Bottleneck
        } else {
            BlockKind::Basic
        };
        let mut layers = [0; 4];
        let mut widths = [0; 4];
        for stage in 0..4 {
            let first = shape(&format!("layer{}.0.conv1.weight", stage + 1))
                .ok_or_else(|| format!("no `{prefix}layer{}.0.conv1.weight`", stage + 1))?;
            widths[stage] = first[0];
            while shape(&format!(
                "layer{}.{}.conv1.weight",
                stage + 1,
                layers[stage]
            ))
            .is_some()
            {
                layers[stage] += 1;
            }
        }
        let config = Self {
            model_type: "resnet".into(),
            block,
            layers,
            widths,
            stem_width: stem[0],
            num_classes: shape("fc.weight").map(|s| s[0]),
        };
        config.validate()?;
        Ok(config)
    }
}

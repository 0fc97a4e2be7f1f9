//! Image encoders, the fourth family of architectures: torchvision's ResNets (`resnet18`,
//! `resnet34` with basic blocks; `resnet50`, `resnet101`, `resnet152` with bottlenecks), with
//! torchvision's parameter names, BatchNorm as PyTorch runs it ([`norm`]) and torchvision's
//! initialisation. Checkpoints are torchvision `state_dict`s converted to safetensors
//! (`safetensors.torch.save_file(model.state_dict(), "model.safetensors")`); a directory
//! without our `config.json` has its shape read off the tensors.

pub mod config;
pub mod names;
pub mod norm;
pub mod resnet;

use std::path::Path;

use burn::tensor::backend::Backend;
use st_core::weights::{Checkpoint, LoadReport, load_into};

pub use config::{BlockKind, ResNetConfig};
pub use names::{ResNetLayout, ResNetNames};
pub use norm::{BatchNorm, Statistics};
pub use resnet::{Downsample, ResNet, ResidualBlock};

use crate::ModelError;
use crate::registry::Family;

/// An image-encoder architecture found by `model_type` in the registry: today each is a
/// torchvision ResNet depth, and says its shape.
pub trait ImageEncoderArchitecture: Send + Sync {
    /// torchvision's name (`resnet18`…).
    fn model_type(&self) -> &'static str;
    /// Other names accepted for it.
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }
    /// The shape torchvision builds for it.
    fn config(&self) -> ResNetConfig;
}

impl Family for dyn ImageEncoderArchitecture {
    const KIND: &'static str = "image encoder";

    fn model_type(&self) -> &'static str {
        ImageEncoderArchitecture::model_type(self)
    }

    fn aliases(&self) -> &'static [&'static str] {
        ImageEncoderArchitecture::aliases(self)
    }
}

/// One of torchvision's `resnet{depth}` constructors.
pub struct TorchvisionResNet {
    pub name: &'static str,
    pub block: BlockKind,
    pub layers: [usize; 4],
}

/// torchvision's five ResNets.
pub const TORCHVISION_RESNETS: [TorchvisionResNet; 5] = [
    TorchvisionResNet {
        name: "resnet18",
        block: BlockKind::Basic,
        layers: [2, 2, 2, 2],
    },
    TorchvisionResNet {
        name: "resnet34",
        block: BlockKind::Basic,
        layers: [3, 4, 6, 3],
    },
    TorchvisionResNet {
        name: "resnet50",
        block: BlockKind::Bottleneck,
        layers: [3, 4, 6, 3],
    },
    TorchvisionResNet {
        name: "resnet101",
        block: BlockKind::Bottleneck,
        layers: [3, 4, 23, 3],
    },
    TorchvisionResNet {
        name: "resnet152",
        block: BlockKind::Bottleneck,
        layers: [3, 8, 36, 3],
    },
];

impl ImageEncoderArchitecture for TorchvisionResNet {
    fn model_type(&self) -> &'static str {
        self.name
    }

    fn config(&self) -> ResNetConfig {
        ResNetConfig::torchvision(self.name, self.block, self.layers)
    }
}

/// The image-encoder architecture registered for `model_type`.
pub fn image_encoder_architecture(
    model_type: &str,
) -> Result<std::sync::Arc<dyn ImageEncoderArchitecture>, ModelError> {
    crate::registry::lookup::<dyn ImageEncoderArchitecture>(model_type)
}

/// Load `config`'s ResNet from `checkpoint`, named as `names` says. Every parameter must be
/// there (running statistics included); unexpected keys are reported, not fatal.
pub fn load_resnet<B: Backend>(
    config: &ResNetConfig,
    checkpoint: &Checkpoint,
    names: &ResNetNames,
    device: &B::Device,
) -> Result<(ResNet<B>, LoadReport), ModelError> {
    let (model, report) = load_into(ResNet::new(config, device), checkpoint, names)?;
    let missing: Vec<String> = report.missing.iter().map(|(_, hf)| hf.clone()).collect();
    if !missing.is_empty() {
        return Err(st_core::weights::WeightsError::Missing { names: missing }.into());
    }
    Ok((model, report))
}

/// A ResNet directory: `model.safetensors` (a torchvision `state_dict`) and, optionally, our
/// `config.json` (else the shape is read off the tensors). `num_classes: None` in `config`
/// drops `fc` (a feature extractor); the checkpoint's `fc` is then reported unused.
pub fn load_resnet_dir<B: Backend>(
    dir: &Path,
    feature_extractor: bool,
    device: &B::Device,
) -> Result<(ResNet<B>, ResNetConfig, LoadReport), ModelError> {
    let checkpoint = Checkpoint::open(dir)?;
    let config_path = dir.join(st_core::hub::CONFIG_FILE);
    let mut config = if config_path.is_file() {
        ResNetConfig::from_json(&crate::loader::read_config(dir)?, &config_path)?
    } else {
        ResNetConfig::infer(&checkpoint, "")
            .map_err(|message| ModelError::bad_config(dir.join("model.safetensors"), message))?
    };
    if feature_extractor {
        config.num_classes = None;
    }
    let names = ResNetNames::torchvision();
    let (model, report) = load_resnet(&config, &checkpoint, &names, device)?;
    Ok((model, config, report))
}

/// Save `model` as a ResNet directory: torchvision's names and our `config.json`.
pub fn save_resnet<B: Backend>(
    model: &ResNet<B>,
    config: &ResNetConfig,
    dir: &Path,
) -> Result<(), ModelError> {
    let value = serde_json::to_value(config).unwrap_or_default();
    crate::loader::save_hf_model(model, &ResNetNames::torchvision(), false, &value, [], dir)
}

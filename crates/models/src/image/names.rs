//! Burn paths of [`super::ResNet`] → torchvision's names, in two layouts: torchvision's own
//! (`conv1`, `bn1`, `layer1.0.conv1`, `layer1.0.downsample.0`, `fc`) and the
//! `nn.Sequential(*list(resnet.children())[:-2])` that Simple Transformers' `ImageEncoder`
//! wraps (`0` = conv1, `1` = bn1, `4`…`7` = layer1…layer4).
//!
//! | Burn path                           | torchvision                | Sequential       |
//! |-------------------------------------|----------------------------|------------------|
//! | `conv1.weight`                      | `conv1.weight`             | `0.weight`       |
//! | `bn1.{gamma,beta,running_*}`        | `bn1.{weight,bias,…}`      | `1.…`            |
//! | `stages.{s}.{b}.conv1.weight`       | `layer{s+1}.{b}.conv1.…`   | `{s+4}.{b}.…`    |
//! | `stages.{s}.{b}.downsample.conv.…`  | `layer{s+1}.{b}.downsample.0.…` | `{s+4}.{b}.downsample.0.…` |
//! | `stages.{s}.{b}.downsample.norm.…`  | `layer{s+1}.{b}.downsample.1.…` | `{s+4}.{b}.downsample.1.…` |
//! | `fc.{weight,bias}`                  | `fc.…`                     | (none)           |

use st_core::weights::{HfName, NameMap};

/// How the ResNet's modules are named in a checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResNetLayout {
    Torchvision,
    Sequential,
}

/// [`NameMap`] of a ResNet, with a prefix for one held inside a larger model.
#[derive(Debug, Clone)]
pub struct ResNetNames {
    pub prefix: String,
    pub layout: ResNetLayout,
}

impl ResNetNames {
    /// A plain torchvision `state_dict`.
    pub fn torchvision() -> Self {
        Self {
            prefix: String::new(),
            layout: ResNetLayout::Torchvision,
        }
    }

    /// The torchvision name of a Burn path (without the prefix).
    pub fn torch_path(&self, burn_path: &str) -> String {
        let sequential = self.layout == ResNetLayout::Sequential;
        let renamed = burn_path
            .replace("downsample.conv.", "downsample.0.")
            .replace("downsample.norm.", "downsample.1.");
        if let Some(rest) = renamed.strip_prefix("stages.") {
            let (stage, rest) = rest.split_once('.').unwrap_or((rest, ""));
            let stage: usize = stage.parse().unwrap_or(0);
            return if sequential {
                format!("{}.{rest}", stage + 4)
            } else {
                format!("layer{}.{rest}", stage + 1)
            };
        }
        if sequential {
            if let Some(rest) = renamed.strip_prefix("conv1.") {
                return format!("0.{rest}");
            }
            if let Some(rest) = renamed.strip_prefix("bn1.") {
                return format!("1.{rest}");
            }
        }
        renamed
    }
}

impl NameMap for ResNetNames {
    fn hf_name(&self, burn_path: &str) -> HfName {
        HfName {
            name: format!("{}{}", self.prefix, self.torch_path(burn_path)),
            in_base_model: false,
        }
    }

    fn base_model_prefix(&self) -> &str {
        ""
    }
}

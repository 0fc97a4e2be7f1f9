//! torchvision's ResNet as a Burn module: the 7×7 stem, four stages of basic or bottleneck
//! blocks (the stride on the 3×3 convolution, a 1×1 downsampling path where the shape
//! changes), and, for a classifier, average pooling and `fc`. Initialised as torchvision does.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Initializer, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::module::adaptive_avg_pool2d;
use burn::tensor::{Tensor, backend::Backend};

use super::config::{BlockKind, ResNetConfig};
use super::norm::{BatchNorm, Statistics};

/// torchvision's `kaiming_normal_(mode="fan_out", nonlinearity="relu")`.
const CONV_INIT: Initializer = Initializer::KaimingNormal {
    gain: std::f64::consts::SQRT_2,
    fan_out_only: true,
};

/// torchvision's `conv3x3` / `conv1x1` (and the 7×7 stem): padding `kernel / 2`, no bias.
fn conv(input: usize, output: usize, kernel: usize, stride: usize) -> Conv2dConfig {
    let pad = kernel / 2;
    Conv2dConfig::new([input, output], [kernel, kernel])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
        .with_bias(false)
        .with_initializer(CONV_INIT)
}

/// torchvision's `downsample`: a strided 1×1 convolution and its BatchNorm (`downsample.0`,
/// `downsample.1`).
#[derive(Module, Debug)]
pub struct Downsample<B: Backend> {
    pub conv: Conv2d<B>,
    pub norm: BatchNorm<B>,
}

/// One residual block: `BasicBlock` (conv1, conv2) or `Bottleneck` (conv1, conv2, conv3).
#[derive(Module, Debug)]
pub struct ResidualBlock<B: Backend> {
    pub conv1: Conv2d<B>,
    pub bn1: BatchNorm<B>,
    pub conv2: Conv2d<B>,
    pub bn2: BatchNorm<B>,
    pub conv3: Option<Conv2d<B>>,
    pub bn3: Option<BatchNorm<B>>,
    pub downsample: Option<Downsample<B>>,
}

impl<B: Backend> ResidualBlock<B> {
    fn new(kind: BlockKind, input: usize, width: usize, stride: usize, device: &B::Device) -> Self {
        let output = width * kind.expansion();
        let downsample = (stride != 1 || input != output).then(|| Downsample {
            conv: conv(input, output, 1, stride).init(device),
            norm: BatchNorm::new(output, device),
        });
        match kind {
            BlockKind::Basic => Self {
                conv1: conv(input, width, 3, stride).init(device),
                bn1: BatchNorm::new(width, device),
                conv2: conv(width, width, 3, 1).init(device),
                bn2: BatchNorm::new(width, device),
                conv3: None,
                bn3: None,
                downsample,
            },
            BlockKind::Bottleneck => Self {
                conv1: conv(input, width, 1, 1).init(device),
                bn1: BatchNorm::new(width, device),
                conv2: conv(width, width, 3, stride).init(device),
                bn2: BatchNorm::new(width, device),
                conv3: Some(conv(width, output, 1, 1).init(device)),
                bn3: Some(BatchNorm::new(output, device)),
                downsample,
            },
        }
    }

    fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        let identity = match &self.downsample {
            Some(d) => d.norm.forward(d.conv.forward(x.clone())),
            None => x.clone(),
        };
        let mut out = relu(self.bn1.forward(self.conv1.forward(x)));
        out = self.bn2.forward(self.conv2.forward(out));
        if let (Some(conv3), Some(bn3)) = (&self.conv3, &self.bn3) {
            out = bn3.forward(conv3.forward(relu(out)));
        }
        relu(out + identity)
    }
}

/// torchvision's ResNet. `stages[s]` is torchvision's `layer{s+1}`.
#[derive(Module, Debug)]
pub struct ResNet<B: Backend> {
    pub conv1: Conv2d<B>,
    pub bn1: BatchNorm<B>,
    pub maxpool: MaxPool2d,
    pub stages: Vec<Vec<ResidualBlock<B>>>,
    pub fc: Option<Linear<B>>,
}

impl<B: Backend> ResNet<B> {
    /// A ResNet initialised as torchvision initialises it (`zero_init_residual` false):
    /// convolutions Kaiming-normal on fan-out, BatchNorm weight 1 and bias 0, `fc` as
    /// `nn.Linear` (uniform ±1/√fan_in).
    pub fn new(config: &ResNetConfig, device: &B::Device) -> Self {
        let mut input = config.stem_width;
        let stages = (0..4)
            .map(|stage| {
                let width = config.widths[stage];
                (0..config.layers[stage])
                    .map(|index| {
                        let stride = if stage > 0 && index == 0 { 2 } else { 1 };
                        let block = ResidualBlock::new(config.block, input, width, stride, device);
                        input = width * config.block.expansion();
                        block
                    })
                    .collect()
            })
            .collect();
        Self {
            conv1: conv(3, config.stem_width, 7, 2).init(device),
            bn1: BatchNorm::new(config.stem_width, device),
            maxpool: stem_pool().init(),
            stages,
            fc: config
                .num_classes
                .map(|classes| LinearConfig::new(config.feature_channels(), classes).init(device)),
        }
    }

    /// The last feature map, `[batch, feature_channels, h/32, w/32]` (torchvision's
    /// `children()[:-2]`: everything before pooling and `fc`).
    pub fn features(&self, images: Tensor<B, 4>) -> Tensor<B, 4> {
        let mut x = relu(self.bn1.forward(self.conv1.forward(images)));
        x = self.maxpool.forward(x);
        for stage in &self.stages {
            for block in stage {
                x = block.forward(x);
            }
        }
        x
    }

    /// The classifier's logits `[batch, num_classes]`, or the pooled features when there is
    /// no `fc`.
    pub fn forward(&self, images: Tensor<B, 4>) -> Tensor<B, 2> {
        let features = adaptive_avg_pool2d(self.features(images), [1, 1]);
        let [batch, channels, _, _] = features.dims();
        let pooled = features.reshape([batch, channels]);
        match &self.fc {
            Some(fc) => fc.forward(pooled),
            None => pooled,
        }
    }

    /// The feature map average-pooled to a `rows × cols` grid and laid out as `rows·cols`
    /// vectors, `[batch, rows·cols, channels]` (Simple Transformers' `ImageEncoder`).
    pub fn grid_features(&self, images: Tensor<B, 4>, grid: [usize; 2]) -> Tensor<B, 3> {
        let pooled = adaptive_avg_pool2d(self.features(images), grid);
        let [batch, channels, rows, cols] = pooled.dims();
        pooled
            .reshape([batch, channels, rows * cols])
            .swap_dims(1, 2)
    }

    /// Which statistics every BatchNorm normalises with (see [`Statistics`]).
    pub fn with_statistics(mut self, statistics: Statistics) -> Self {
        self.bn1.statistics = statistics;
        for block in self.stages.iter_mut().flatten() {
            block.bn1.statistics = statistics;
            block.bn2.statistics = statistics;
            if let Some(bn3) = &mut block.bn3 {
                bn3.statistics = statistics;
            }
            if let Some(downsample) = &mut block.downsample {
                downsample.norm.statistics = statistics;
            }
        }
        self
    }
}

/// torchvision's `MaxPool2d(kernel_size=3, stride=2, padding=1)`.
fn stem_pool() -> MaxPool2dConfig {
    MaxPool2dConfig::new([3, 3])
        .with_strides([2, 2])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
}

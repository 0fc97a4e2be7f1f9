//! The models layer is open to the architectures the next tasks bring, without editing it:
//! a new family of architectures (here a toy decoder family, as GPT-2 will be) registers and is
//! found by `model_type`, a name of one family is a clear error when another is asked for, and
//! the weight I/O handles what decoders and image encoders store differently — linear weights
//! kept `[in, out]` (GPT-2's `Conv1D`), BatchNorm's parameters and running statistics.

use std::sync::Arc;

use burn::module::Module;
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig};
use burn::tensor::backend::Backend;
use st_core::backend::DefaultBackend;
use st_core::weights::{Checkpoint, HfName, NameMap, load_into, save_safetensors};
use st_models::{Family, ModelError, encoder_architecture, lookup, model_types, register};

/// A family the models crate knows nothing about.
trait DecoderArchitecture: Send + Sync {
    fn model_type(&self) -> &'static str;
    fn n_positions(&self) -> usize;
}

impl Family for dyn DecoderArchitecture {
    const KIND: &'static str = "decoder";

    fn model_type(&self) -> &'static str {
        DecoderArchitecture::model_type(self)
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["toy-gpt-alias"]
    }
}

struct ToyGpt;

impl DecoderArchitecture for ToyGpt {
    fn model_type(&self) -> &'static str {
        "toy-gpt"
    }

    fn n_positions(&self) -> usize {
        1024
    }
}

#[test]
fn a_new_family_registers_and_names_do_not_cross_families() {
    register::<dyn DecoderArchitecture>(Arc::new(ToyGpt));
    let found = lookup::<dyn DecoderArchitecture>("toy-gpt-alias").unwrap();
    assert_eq!(found.n_positions(), 1024);
    assert_eq!(
        model_types::<dyn DecoderArchitecture>(),
        ["toy-gpt", "toy-gpt-alias"]
    );

    let err = encoder_architecture("toy-gpt").unwrap_err();
    assert!(matches!(err, ModelError::UnknownModelType { .. }));
    let message = err.to_string();
    assert!(
        message.contains("registered among the decoders") && message.contains("bert"),
        "{message}"
    );
    // (`bert` is also an encoder-decoder, BERT2BERT; `distilbert` only an encoder.)
    let err = lookup::<dyn DecoderArchitecture>("distilbert")
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("registered among the encoders"),
        "{err}"
    );
}

#[derive(Module, Debug)]
struct Block<B: Backend> {
    /// Stored `[in, out]` in the checkpoint, as GPT-2's `Conv1D`.
    c_attn: Linear<B>,
    /// Stored `[out, in]`, as every `nn.Linear`.
    proj: Linear<B>,
    bn: BatchNorm<B>,
}

struct BlockNames;

impl NameMap for BlockNames {
    fn hf_name(&self, path: &str) -> HfName {
        HfName {
            name: path.to_string(),
            in_base_model: false,
        }
    }

    fn base_model_prefix(&self) -> &str {
        "transformer"
    }

    fn keeps_layout(&self, burn_path: &str) -> bool {
        burn_path.starts_with("c_attn.")
    }
}

#[test]
fn conv1d_weights_keep_their_layout_and_batchnorm_is_named_as_torch() {
    type B = DefaultBackend;
    let device = Default::default();
    let block = Block::<B> {
        c_attn: LinearConfig::new(3, 6).init(&device),
        proj: LinearConfig::new(3, 5).init(&device),
        bn: BatchNormConfig::new(4).init(&device),
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    save_safetensors(&block, &BlockNames, false, &path).unwrap();

    let checkpoint = Checkpoint::open(dir.path()).unwrap();
    assert_eq!(checkpoint.shape("c_attn.weight"), Some(&[3usize, 6][..]));
    assert_eq!(checkpoint.shape("proj.weight"), Some(&[5usize, 3][..]));
    for name in ["bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"] {
        assert_eq!(checkpoint.shape(name), Some(&[4usize][..]), "{name}");
    }

    let fresh = Block::<B> {
        c_attn: LinearConfig::new(3, 6).init(&device),
        proj: LinearConfig::new(3, 5).init(&device),
        bn: BatchNormConfig::new(4).init(&device),
    };
    let (loaded, report) = load_into(fresh, &checkpoint, &BlockNames).unwrap();
    assert!(report.missing.is_empty() && report.unexpected.is_empty());
    let values = |l: &Linear<B>| -> Vec<f32> { l.weight.val().into_data().to_vec().unwrap() };
    assert_eq!(values(&loaded.c_attn), values(&block.c_attn));
    assert_eq!(values(&loaded.proj), values(&block.proj));
}

//! Transformer architectures as Burn modules, with the map between their parameter paths and
//! Hugging Face checkpoint names. No task logic lives here.
//!
//! The BERT family (bert, roberta, distilbert, electra, xlm-roberta, camembert, albert) shares
//! one post-LayerNorm [`Encoder`]; what differs between them (embeddings, position ids, layer
//! sharing, parameter names) is data in [`EncoderConfig`] and an [`EncoderArchitecture`] found
//! by `model_type` in the [`registry`].

pub mod arch;
pub mod config;
pub mod decoder;
pub mod dropout;
pub mod electra;
pub mod encoder;
pub mod error;
pub mod generate;
pub mod heads;
pub mod host;
pub mod image;
pub mod init;
pub mod layers;
pub mod loader;
pub mod loss;
pub mod mlm;
pub mod mmbt;
pub mod registry;
pub mod seq2seq;
pub mod spec;
pub mod task;

pub use arch::EncoderArchitecture;
pub use config::{Activation, EncoderConfig, PositionIds};
pub use decoder::{
    DecoderArchitecture, DecoderConfig, DecoderSpec, Gpt2DoubleHeads, Gpt2LmHead, Gpt2Model,
    KvCache, decoder_architecture, load_decoder, save_decoder,
};
pub use dropout::Dropout;
pub use electra::{
    Discriminator, DiscriminatorHead, ElectraBatch, ElectraLosses, ElectraNames, ElectraPretraining,
};
pub use encoder::{Encoder, EncoderInput, EncoderOutput};
pub use error::ModelError;
pub use heads::{HeadNames, HeadTask, SameNames, SequenceHead, TaskNames};
pub use image::{
    ImageEncoderArchitecture, ResNet, ResNetConfig, Statistics, image_encoder_architecture,
    load_resnet, load_resnet_dir, save_resnet,
};
pub use layers::linear_tokens;
pub use loader::{
    BertShape, LoadOptions, LoadedEncoder, load_encoder, load_encoder_spec, load_encoder_with,
    read_config, save_encoder, save_hf_model, save_pretrained, write_random_bert,
};
pub use mlm::{MaskedLm, MlmHead, MlmLayout};
pub use mmbt::{MmbtClassifier, MmbtConfig, MmbtInput, MmbtNames};
pub use registry::{
    Family, encoder_architecture, lookup, model_types, register, register_encoder,
    supported_model_types,
};
pub use seq2seq::{
    BartConfig, BartFlavor, BartForConditionalGeneration, BartNames, EncoderDecoder, load_bart,
    save_bart,
};
pub use seq2seq::{
    Seq2SeqArchitecture, Seq2SeqLm, Seq2SeqState, T5Config, T5ForConditionalGeneration, T5Names,
    load_t5, save_t5, seq2seq_architecture,
};
pub use spec::EncoderSpec;
pub use task::{EncoderWithHead, Head, assemble, load_with_head, save_with_head};

//! BERT2BERT built from two directories, as Python's `Seq2SeqModel(encoder_type,
//! encoder_name, decoder_name)` builds it, or reloaded from the `encoder/` and `decoder/`
//! folders Python Simple Transformers saves it as.

use std::path::{Path, PathBuf};

use burn::tensor::backend::Backend;
use serde_json::Value;
use st_core::args::TaskArgs;
use st_core::hub::{CONFIG_FILE, HubOptions};
use st_core::task::{ArgsInput, Prepared};
use st_models::Seq2SeqLm;
use st_models::seq2seq::bert2bert::load_bert2bert_pair;

use crate::model::Seq2SeqError;

/// The two directories a BERT2BERT is assembled from.
#[derive(Debug, Clone)]
pub struct Pair {
    pub encoder: PathBuf,
    pub decoder: PathBuf,
    /// Python Simple Transformers' saved directory holding both, with its `model_args.json`.
    pub saved: Option<PathBuf>,
}

impl Pair {
    /// The pair `encoder_name` + `decoder_name` name, else the `encoder/` and `decoder/`
    /// folders of `model_name` when it has no `config.json` of its own (Python's layout);
    /// `None` for an `EncoderDecoderModel` directory, which loads as one model.
    pub fn find(
        model_name: &str,
        encoder_name: Option<&str>,
        decoder_name: Option<&str>,
        hub: &HubOptions,
    ) -> Result<Option<Self>, Seq2SeqError> {
        match (encoder_name, decoder_name) {
            (Some(encoder), Some(decoder)) => Ok(Some(Self {
                encoder: Prepared::<crate::Seq2SeqArgs>::tokenizer_dir(encoder, hub)?,
                decoder: Prepared::<crate::Seq2SeqArgs>::tokenizer_dir(decoder, hub)?,
                saved: None,
            })),
            (None, None) => {
                let dir = Path::new(model_name);
                let (encoder, decoder) = (dir.join("encoder"), dir.join("decoder"));
                let python_layout = !dir.join(CONFIG_FILE).is_file()
                    && encoder.join(CONFIG_FILE).is_file()
                    && decoder.join(CONFIG_FILE).is_file();
                Ok(python_layout.then(|| Self {
                    encoder,
                    decoder,
                    saved: Some(dir.to_path_buf()),
                }))
            }
            _ => Err(Seq2SeqError::Unsupported(
                "encoder_name and decoder_name go together (an EncoderDecoderModel of the two)"
                    .into(),
            )),
        }
    }

    /// The arguments settled on the decoder's directory (the saved `model_args.json` of
    /// Python's layout when there is one), the tokenizer read from the encoder's.
    pub fn prepare<A: TaskArgs>(
        &self,
        model_type: &str,
        model_name: &str,
        input: ArgsInput<'_, A>,
        hub: &HubOptions,
    ) -> Result<Prepared<A>, Seq2SeqError> {
        let saved_args = match (&self.saved, input.args) {
            (Some(dir), None) => {
                let mut args = A::default();
                args.load_from_dir(dir)?;
                Some(args)
            }
            _ => None,
        };
        let input = ArgsInput {
            args: saved_args.as_ref().or(input.args),
            overrides: input.overrides,
        };
        let decoder = self.decoder.to_string_lossy();
        let mut prepared = Prepared::open(model_type, &decoder, input, hub)?;
        prepared.args.model_mut().model_name = Some(model_name.to_string());
        prepared.tokenizer_dir = self.encoder.clone();
        Ok(prepared)
    }

    /// The model, its decoder starting from `start` (the decoder tokenizer's [CLS]) unless the
    /// decoder's config names a start, and the `EncoderDecoderModel` config it saves with.
    pub fn load<B: Backend>(
        &self,
        start: Option<u32>,
        device: &B::Device,
    ) -> Result<(Seq2SeqLm<B>, Value), Seq2SeqError> {
        let (model, config) = load_bert2bert_pair(&self.encoder, &self.decoder, start, device)?;
        Ok((Seq2SeqLm::Bert2Bert(model), config))
    }
}

//! BERT2BERT from an `EncoderDecoderModel` directory or from two BERT directories, and saved as
//! an `EncoderDecoderModel`.

use std::path::Path;

use burn::tensor::backend::Backend;
use serde_json::{Value, json};
use st_core::hub::CONFIG_FILE;
use st_core::weights::{Checkpoint, LoadReport, load_into};

use super::model::{Bert2Bert, BertDecoder, BertDecoderLayer};
use super::{BERT, Bert2BertNames, BertDecoderNames};
use crate::ModelError;
use crate::arch::EncoderArchitecture;
use crate::config::{EncoderConfig, HfConfig};
use crate::encoder::{Embeddings, Encoder};
use crate::layers::{Attention, EncoderLayer};
use crate::mlm::{MlmHead, MlmLayout, ties_word_embeddings};

/// A BERT configuration `json` (at `path`, for errors), with or without the pooler.
fn bert_config(path: &Path, json: &Value, pooler: bool) -> Result<EncoderConfig, ModelError> {
    let model_type = json.get("model_type").and_then(Value::as_str);
    if model_type != Some("bert") {
        return Err(ModelError::bad_config(
            path,
            format!(
                "key \"model_type\": BERT2BERT is built from BERT encoders and decoders, found \
                 {}",
                model_type.unwrap_or("nothing")
            ),
        ));
    }
    let mut config = BERT.config(&HfConfig::new(path, json)?)?;
    config.validate(path, &|field| BERT.config_key(field))?;
    config.has_pooler = pooler;
    Ok(config)
}

fn new_decoder<B: Backend>(
    config: &EncoderConfig,
    tied: bool,
    std: f64,
    device: &B::Device,
) -> BertDecoder<B> {
    BertDecoder {
        embeddings: Embeddings::new(config, device),
        layers: (0..config.num_hidden_layers)
            .map(|_| BertDecoderLayer {
                base: EncoderLayer::new(config, device),
                crossattention: Attention::new(config, device),
            })
            .collect(),
        head: MlmHead::new(MlmLayout::Bert, config, tied, std, device),
    }
}

/// The token ids the model starts decoding from and pads with: `config`'s, else `fallback`'s.
fn token(json: &Value, key: &str, fallback: Option<u32>, path: &Path) -> Result<u32, ModelError> {
    match json.get(key).and_then(Value::as_u64) {
        Some(id) => Ok(id as u32),
        None => fallback.ok_or_else(|| {
            ModelError::bad_config(
                path,
                format!(
                    "key \"{key}\": an encoder-decoder needs it (BERT2BERT usually starts from \
                     [CLS])"
                ),
            )
        }),
    }
}

/// An `EncoderDecoderModel` of two BERTs from `dir`, `json` being its `config.json` (model
/// type `encoder-decoder`, with `encoder` and `decoder` configurations). Every weight must be
/// there; the encoder's pooler is kept when the checkpoint has one.
pub fn load_bert2bert<B: Backend>(
    dir: &Path,
    json: &Value,
    device: &B::Device,
) -> Result<(Bert2Bert<B>, LoadReport), ModelError> {
    let path = dir.join(CONFIG_FILE);
    let part = |key: &str| {
        json.get(key).filter(|v| v.is_object()).ok_or_else(|| {
            ModelError::bad_config(
                &path,
                format!("key \"{key}\": an EncoderDecoderModel config holds both parts' configs"),
            )
        })
    };
    let (encoder_json, decoder_json) = (part("encoder")?, part("decoder")?);
    let checkpoint = Checkpoint::open(dir)?;
    let pooler = checkpoint
        .names()
        .any(|n| n == "encoder.pooler.dense.weight");
    let encoder_config = bert_config(&path, encoder_json, pooler)?;
    let decoder_config = bert_config(&path, decoder_json, false)?;
    let model = Bert2Bert {
        encoder: Encoder::new(&encoder_config, device),
        decoder: new_decoder(
            &decoder_config,
            ties_word_embeddings(decoder_json),
            0.02,
            device,
        ),
        decoder_start_token_id: token(json, "decoder_start_token_id", None, &path)?,
        pad_token_id: token(
            json,
            "pad_token_id",
            Some(decoder_config.pad_token_id as u32),
            &path,
        )?,
    };
    let (model, report) = load_into(model, &checkpoint, &Bert2BertNames)?;
    Ok((model, report.complete("the EncoderDecoderModel")?))
}

/// BERT2BERT from an encoder directory and a decoder directory, as
/// `from_encoder_decoder_pretrained` builds it: the decoder's cross-attention (and its LM head,
/// when the directory holds a plain `BertModel`) start from `transformers`' initialisation,
/// N(0, `initializer_range`); `decoder_start_token_id` falls back to `start` (the decoder
/// tokenizer's [CLS]). Returns the model and its `EncoderDecoderModel` config.
pub fn load_bert2bert_pair<B: Backend>(
    encoder_dir: &Path,
    decoder_dir: &Path,
    start: Option<u32>,
    device: &B::Device,
) -> Result<(Bert2Bert<B>, Value), ModelError> {
    let encoder_json = crate::read_config(encoder_dir)?;
    let decoder_json = crate::read_config(decoder_dir)?;
    let decoder_path = decoder_dir.join(CONFIG_FILE);
    let encoder_checkpoint = Checkpoint::open(encoder_dir)?;
    let pooler = encoder_checkpoint
        .names()
        .any(|n| n.ends_with("pooler.dense.weight"));
    let encoder_config = bert_config(&encoder_dir.join(CONFIG_FILE), &encoder_json, pooler)?;
    let decoder_config = bert_config(&decoder_path, &decoder_json, false)?;
    let std = crate::task::initializer_range(&decoder_json);
    let decoder = crate::init::reinitialise(
        new_decoder(
            &decoder_config,
            ties_word_embeddings(&decoder_json),
            std,
            device,
        ),
        crate::init::standard(std),
    );
    let (encoder, report) = load_into(
        Encoder::new(&encoder_config, device),
        &encoder_checkpoint,
        &BERT,
    )?;
    let encoder = {
        report.complete("the encoder")?;
        encoder
    };
    let (decoder, report) = load_into(decoder, &Checkpoint::open(decoder_dir)?, &BertDecoderNames)?;
    let fresh: Vec<&str> = report.missing.iter().map(|(_, hf)| hf.as_str()).collect();
    let base_missing: Vec<&str> = (fresh.iter().copied())
        .filter(|hf| !hf.contains("crossattention") && !hf.starts_with("cls."))
        .collect();
    if !base_missing.is_empty() {
        return Err(ModelError::bad_config(
            &decoder_path,
            format!("the decoder's checkpoint lacks {}", base_missing.join(", ")),
        ));
    }
    if !fresh.is_empty() {
        tracing::info!(
            "{} decoder weights are new (cross-attention, LM head), initialised N(0, {std})",
            fresh.len()
        );
    }
    let decoder_start = token(&decoder_json, "decoder_start_token_id", None, &decoder_path)
        .or_else(|e| {
            let bos = decoder_json.get("bos_token_id").and_then(Value::as_u64);
            bos.map(|id| id as u32).or(start).ok_or(e)
        })?;
    let pad = decoder_config.pad_token_id as u32;
    let mut decoder_part = decoder_json.clone();
    decoder_part["is_decoder"] = json!(true);
    decoder_part["add_cross_attention"] = json!(true);
    let config = json!({
        "architectures": ["EncoderDecoderModel"],
        "model_type": "encoder-decoder",
        "is_encoder_decoder": true,
        "encoder": encoder_json,
        "decoder": decoder_part,
        "decoder_start_token_id": decoder_start,
        "pad_token_id": pad,
    });
    let model = Bert2Bert {
        encoder,
        decoder,
        decoder_start_token_id: decoder_start,
        pad_token_id: pad,
    };
    Ok((model, config))
}

/// Write `model` into `dir` as `transformers` saves an `EncoderDecoderModel`: one
/// `model.safetensors` (every name prefixed `encoder.` / `decoder.`, the tied LM-head copy left
/// out) and `hf_config` (its `config.json`) with the vocabulary sizes it has now.
pub fn save_bert2bert<B: Backend>(
    model: &Bert2Bert<B>,
    hf_config: &Value,
    dir: &Path,
) -> Result<(), ModelError> {
    let vocab = |table: &burn::nn::Embedding<B>| Value::from(table.weight.dims()[0]);
    let mut encoder = hf_config.get("encoder").cloned().unwrap_or_default();
    encoder["vocab_size"] = vocab(&model.encoder.embeddings.word_embeddings);
    let mut decoder = hf_config.get("decoder").cloned().unwrap_or_default();
    decoder["vocab_size"] = vocab(&model.decoder.embeddings.word_embeddings);
    let updates = [
        ("architectures", Value::from(vec!["EncoderDecoderModel"])),
        ("encoder", encoder),
        ("decoder", decoder),
    ];
    crate::save_hf_model(model, &Bert2BertNames, false, hf_config, updates, dir)
}

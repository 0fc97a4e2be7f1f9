//! How tokenizers are built from the files of a model directory: `tokenizer.json`'s
//! companions (`tokenizer_config.json`), and the vocabulary-file fallbacks `BertTokenizerFast`
//! and the byte-level BPE tokenizers build.

use std::path::Path;

use serde_json::Value;
use tokenizers::AddedToken;
use tokenizers::models::bpe::BPE;
use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::processors::roberta::RobertaProcessing;
use tokenizers::processors::template::TemplateProcessing;

use super::{SpecialTokens, TokenizerError};

pub(super) fn read_tokenizer_config(dir: &Path) -> serde_json::Map<String, Value> {
    std::fs::read_to_string(dir.join("tokenizer_config.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default()
}

/// A special token from `tokenizer_config.json`, which stores either a string or an
/// `AddedToken` object with a `content` field.
pub(super) fn config_token(config: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    match config.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("content")?.as_str().map(str::to_string),
        _ => None,
    }
}

pub(super) fn pad_token_id(
    tokenizer: &tokenizers::Tokenizer,
    config: &serde_json::Map<String, Value>,
) -> Result<u32, TokenizerError> {
    let mut candidates: Vec<String> = config_token(config, "pad_token").into_iter().collect();
    candidates.extend(["[PAD]", "<pad>", "<|endoftext|>"].map(String::from));
    candidates
        .iter()
        .find_map(|t| tokenizer.token_to_id(t))
        .ok_or_else(|| TokenizerError::NoPadToken {
            candidates: candidates.join(", "),
        })
}

pub(super) fn load_err(path: &Path, e: impl std::fmt::Display) -> TokenizerError {
    TokenizerError::Load {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// BERT's WordPiece tokenizer as `BertTokenizerFast` builds it from `vocab.txt`.
pub(super) fn wordpiece(
    vocab: &Path,
    lowercase: bool,
    config: &serde_json::Map<String, Value>,
) -> Result<tokenizers::Tokenizer, TokenizerError> {
    let token = |key: &str, default: &str| config_token(config, key).unwrap_or(default.into());
    let (cls, sep, unk, pad, mask) = (
        token("cls_token", "[CLS]"),
        token("sep_token", "[SEP]"),
        token("unk_token", "[UNK]"),
        token("pad_token", "[PAD]"),
        token("mask_token", "[MASK]"),
    );
    let path = vocab.to_string_lossy().into_owned();
    let model = WordPiece::from_file(&path)
        .unk_token(unk.clone())
        .build()
        .map_err(|e| load_err(vocab, e))?;
    let mut tokenizer = tokenizers::Tokenizer::new(model);
    let strip_accents = config.get("strip_accents").and_then(Value::as_bool);
    let tokenize_chinese = config
        .get("tokenize_chinese_chars")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    tokenizer.with_normalizer(Some(BertNormalizer::new(
        true,
        tokenize_chinese,
        strip_accents,
        lowercase,
    )));
    tokenizer.with_pre_tokenizer(Some(BertPreTokenizer));
    add_special_tokens(&mut tokenizer, &[&pad, &unk, &cls, &sep, &mask]);
    let id = |t: &str| {
        tokenizer
            .token_to_id(t)
            .ok_or_else(|| load_err(vocab, format!("special token {t} is not in the vocabulary")))
    };
    let (cls_id, sep_id) = (id(&cls)?, id(&sep)?);
    let template = TemplateProcessing::builder()
        .try_single(format!("{cls}:0 $A:0 {sep}:0"))
        .and_then(|b| b.try_pair(format!("{cls}:0 $A:0 {sep}:0 $B:1 {sep}:1")))
        .map_err(|e| load_err(vocab, e))?
        .special_tokens(vec![(cls.clone(), cls_id), (sep.clone(), sep_id)])
        .build()
        .map_err(|e| load_err(vocab, e))?;
    tokenizer.with_post_processor(Some(template));
    tokenizer.with_decoder(Some(tokenizers::decoders::wordpiece::WordPiece::default()));
    Ok(tokenizer)
}

/// GPT-2/RoBERTa byte-level BPE as the fast tokenizers build it from `vocab.json` + `merges.txt`.
pub(super) fn byte_level_bpe(
    vocab: &Path,
    merges: &Path,
    special: SpecialTokens,
) -> Result<tokenizers::Tokenizer, TokenizerError> {
    let model = BPE::from_file(&vocab.to_string_lossy(), &merges.to_string_lossy())
        .build()
        .map_err(|e| load_err(vocab, e))?;
    let mut tokenizer = tokenizers::Tokenizer::new(model);
    tokenizer.with_pre_tokenizer(Some(ByteLevel::new(false, true, true)));
    tokenizer.with_decoder(Some(ByteLevel::default()));
    match special {
        SpecialTokens::None => add_special_tokens(&mut tokenizer, &["<|endoftext|>"]),
        SpecialTokens::EndOfText => {
            tokenizer.add_special_tokens(&[AddedToken::from("<|endoftext|>", true)]);
        }
        SpecialTokens::Roberta | SpecialTokens::Bert => {
            add_special_tokens(&mut tokenizer, &["<s>", "<pad>", "</s>", "<unk>", "<mask>"]);
            let id = |t: &str| {
                tokenizer.token_to_id(t).ok_or_else(|| {
                    load_err(vocab, format!("special token {t} is not in the vocabulary"))
                })
            };
            let (bos, eos) = (id("<s>")?, id("</s>")?);
            let processor = RobertaProcessing::new(("</s>".into(), eos), ("<s>".into(), bos))
                .trim_offsets(true)
                .add_prefix_space(false);
            tokenizer.with_post_processor(Some(processor));
        }
    }
    Ok(tokenizer)
}

/// Register the vocabulary's special tokens as added tokens, so that they are recognised
/// inside text (`"a [MASK] b"`) as Python tokenizers do. Tokens missing from the vocabulary are
/// skipped.
pub(super) fn add_special_tokens(tokenizer: &mut tokenizers::Tokenizer, specials: &[&str]) {
    let tokens: Vec<AddedToken> = specials
        .iter()
        .filter(|t| tokenizer.token_to_id(t).is_some())
        .map(|t| AddedToken::from(t.to_string(), true))
        .collect();
    tokenizer.add_special_tokens(&tokens);
}

/// Make a tokenizer lower-case its input: set BertNormalizer's flag, or append a `Lowercase`
/// step to whatever normaliser it has.
pub(super) fn force_lowercase(
    tokenizer: tokenizers::Tokenizer,
    source: &Path,
) -> Result<tokenizers::Tokenizer, TokenizerError> {
    let mut json: Value = serde_json::to_value(&tokenizer).map_err(|e| load_err(source, e))?;
    let normalizer = json.get("normalizer").cloned().unwrap_or(Value::Null);
    let lowercase = serde_json::json!({"type": "Lowercase"});
    let updated = match normalizer {
        Value::Null => lowercase,
        Value::Object(mut n) if n.get("type") == Some(&Value::from("BertNormalizer")) => {
            n.insert("lowercase".into(), Value::Bool(true));
            Value::Object(n)
        }
        other => serde_json::json!({"type": "Sequence", "normalizers": [other, lowercase]}),
    };
    json["normalizer"] = updated;
    serde_json::from_value(json).map_err(|e| load_err(source, e))
}

/// `tokenizer` with `add_prefix_space` on in every byte-level pre-tokenizer (or `tokenizer`
/// itself when it has none, or if the round trip through JSON fails).
pub(super) fn with_prefix_space(tokenizer: &tokenizers::Tokenizer) -> tokenizers::Tokenizer {
    // Visits every node (no short-circuit): a pre-tokenizer sequence may hold several.
    fn set(value: &mut Value) -> bool {
        let mut changed = false;
        match value {
            Value::Object(map) => {
                if map.get("type").and_then(Value::as_str) == Some("ByteLevel")
                    && map.get("add_prefix_space") != Some(&Value::Bool(true))
                {
                    map.insert("add_prefix_space".into(), Value::Bool(true));
                    changed = true;
                }
                for v in map.values_mut() {
                    changed |= set(v);
                }
            }
            Value::Array(items) => {
                for v in items {
                    changed |= set(v);
                }
            }
            _ => {}
        }
        changed
    }
    let Ok(mut json) = serde_json::to_value(tokenizer) else {
        return tokenizer.clone();
    };
    if !set(&mut json["pre_tokenizer"]) {
        return tokenizer.clone();
    }
    serde_json::from_value(json).unwrap_or_else(|_| tokenizer.clone())
}

//! `train_tokenizer`: a new tokenizer from text files, trained as Simple Transformers trains
//! one — with the `tokenizers` library's trainers, chosen by `model_type` — and saved as the
//! files Python saves, which load here and in Python `transformers`.
//!
//! | `model_type` | tokenizer | special tokens | saved |
//! |---|---|---|---|
//! | `bert`, `electra` | WordPiece (`BertWordPieceTokenizer`: `clean_text`, `handle_chinese_chars`, `strip_accents`, `do_lower_case`; `##` prefix) | `[PAD] [UNK] [CLS] [SEP] [MASK]` | `vocab.txt` |
//! | `xlmroberta` | SentencePiece-style BPE (`SentencePieceBPETokenizer`: NFKC, `▁` for spaces, `<unk>`) | `special_tokens` | `tokenizer.json` (with XLM-R's `<s> … </s>` frame), `tokenizer_config.json` (`PreTrainedTokenizerFast`), `vocab.json`, `merges.txt` |
//! | anything else (`gpt2`, `roberta`, …) | byte-level BPE (`ByteLevelBPETokenizer`: the 256 byte symbols first, `do_lower_case`) | `special_tokens` | `vocab.json`, `merges.txt` |
//!
//! Python Simple Transformers trains `xlmroberta` tokenizers with Google's C++
//! `sentencepiece` (a `sentencepiece.bpe.model`), which is not a Rust library; here they are
//! trained as the `tokenizers` library's `SentencePieceBPETokenizer` trains them, equal to it
//! file for file, and saved as a `tokenizer.json` that `transformers`' `AutoTokenizer` loads.
//! bigbird and nystromformer are not architectures here. The WordPiece trainer
//! breaks ties by the order of a hash map in Python and here alike, so its vocabulary past the
//! special tokens and the alphabet varies from run to run in both; byte-level BPE training is
//! deterministic and equal to Python's.

use std::path::{Path, PathBuf};

use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
use tokenizers::models::wordpiece::{WordPiece, WordPieceTrainerBuilder};
use tokenizers::normalizers::unicode::NFKC;
use tokenizers::normalizers::{BertNormalizer, Lowercase};
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::metaspace::{Metaspace, PrependScheme};
use tokenizers::processors::template::TemplateProcessing;
use tokenizers::{AddedToken, Model, TokenizerBuilder};

use crate::args::LanguageModelingArgs;

/// What can go wrong training a tokenizer.
#[derive(Debug, thiserror::Error)]
pub enum TokenizerTrainingError {
    #[error(
        "cannot train a new tokenizer: vocab_size is not set; give vocab_size, or a tokenizer \
         with tokenizer_name"
    )]
    NoVocabSize,
    #[error("no training files to train the tokenizer on")]
    NoFiles,
    #[error(
        "{model_type}: Python trains this tokenizer with Google's sentencepiece, which is not \
         available here, and {model_type} is not an architecture here; pass a tokenizer \
         directory (with a tokenizer.json) as tokenizer_name"
    )]
    SentencePiece { model_type: String },
    #[error("training the tokenizer on {files}: {message}")]
    Train { files: String, message: String },
    #[error("writing the tokenizer to {}: {message}", dir.display())]
    Save { dir: PathBuf, message: String },
}

/// Which trainer a model type gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenizerKind {
    WordPiece,
    ByteLevelBpe,
    SentencePieceBpe,
}

impl TokenizerKind {
    /// Python's choice for `model_type`.
    pub fn for_model_type(model_type: &str) -> Result<Self, TokenizerTrainingError> {
        match model_type {
            "bert" | "electra" => Ok(Self::WordPiece),
            "xlmroberta" | "xlm-roberta" => Ok(Self::SentencePieceBpe),
            "bigbird" | "nystromformer" => Err(TokenizerTrainingError::SentencePiece {
                model_type: model_type.into(),
            }),
            _ => Ok(Self::ByteLevelBpe),
        }
    }

    /// The special tokens the trained vocabulary starts with: WordPiece always BERT's five
    /// (Python overwrites `special_tokens` with them), byte-level BPE `special_tokens`.
    pub fn special_tokens(self, args: &LanguageModelingArgs) -> Vec<String> {
        match self {
            Self::WordPiece => ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
                .map(String::from)
                .into(),
            Self::ByteLevelBpe | Self::SentencePieceBpe => args.special_tokens.clone(),
        }
    }
}

fn specials(tokens: &[String]) -> Vec<AddedToken> {
    tokens
        .iter()
        .map(|t| AddedToken::from(t.clone(), true))
        .collect()
}

/// Train a `model_type` tokenizer on `files` with `args` (`vocab_size`, `min_frequency`,
/// `special_tokens`, `do_lower_case`, and for WordPiece `clean_text`,
/// `handle_chinese_chars`, `strip_accents`) and write the files Python's `save_model` writes
/// into `dir` (created if needed). Returns the files written.
pub fn train_tokenizer(
    model_type: &str,
    files: &[PathBuf],
    args: &LanguageModelingArgs,
    dir: &Path,
) -> Result<Vec<PathBuf>, TokenizerTrainingError> {
    let vocab_size = args.vocab_size.ok_or(TokenizerTrainingError::NoVocabSize)?;
    if files.is_empty() {
        return Err(TokenizerTrainingError::NoFiles);
    }
    let kind = TokenizerKind::for_model_type(model_type)?;
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let train_err = |e: tokenizers::Error| TokenizerTrainingError::Train {
        files: names.join(", "),
        message: e.to_string(),
    };
    let save_err = |message: String| TokenizerTrainingError::Save {
        dir: dir.to_path_buf(),
        message,
    };
    std::fs::create_dir_all(dir).map_err(|e| save_err(e.to_string()))?;
    let lower = args.model.do_lower_case;
    let special = specials(&kind.special_tokens(args));
    let min_frequency = args.min_frequency;
    let written = match kind {
        TokenizerKind::ByteLevelBpe => {
            let mut trainer = BpeTrainerBuilder::new()
                .vocab_size(vocab_size)
                .min_frequency(min_frequency)
                .special_tokens(special)
                .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
                .show_progress(!args.model.silent)
                .build();
            let byte_level = ByteLevel::default().add_prefix_space(false);
            let mut tokenizer =
                TokenizerBuilder::<BPE, Lowercase, ByteLevel, ByteLevel, ByteLevel>::new()
                    .with_model(BPE::default())
                    .with_normalizer(lower.then_some(Lowercase))
                    .with_pre_tokenizer(Some(byte_level))
                    .with_post_processor(Some(byte_level.trim_offsets(false)))
                    .with_decoder(Some(byte_level))
                    .build()
                    .map_err(train_err)?;
            tokenizer
                .train_from_files(&mut trainer, names.clone())
                .map_err(train_err)?;
            tokenizer
                .get_model()
                .save(dir, None)
                .map_err(|e| save_err(e.to_string()))?
        }
        TokenizerKind::SentencePieceBpe => {
            let mut trainer = BpeTrainerBuilder::new()
                .vocab_size(vocab_size)
                .min_frequency(min_frequency)
                .special_tokens(special)
                .limit_alphabet(1000)
                .show_progress(!args.model.silent)
                .build();
            let metaspace = Metaspace::new('\u{2581}', PrependScheme::Always, true);
            let model = BPE::builder()
                .unk_token("<unk>".into())
                .build()
                .map_err(train_err)?;
            let mut tokenizer =
                TokenizerBuilder::<BPE, NFKC, Metaspace, TemplateProcessing, Metaspace>::new()
                    .with_model(model)
                    .with_normalizer(Some(NFKC))
                    .with_pre_tokenizer(Some(metaspace.clone()))
                    .with_decoder(Some(metaspace))
                    .build()
                    .map_err(train_err)?;
            tokenizer
                .train_from_files(&mut trainer, names.clone())
                .map_err(train_err)?;
            let frame = xlm_roberta_frame(tokenizer.get_model()).map_err(train_err)?;
            tokenizer.with_post_processor(Some(frame));
            let mut written = tokenizer
                .get_model()
                .save(dir, None)
                .map_err(|e| save_err(e.to_string()))?;
            let json = dir.join("tokenizer.json");
            tokenizer
                .save(&json, true)
                .map_err(|e| save_err(e.to_string()))?;
            let config = dir.join("tokenizer_config.json");
            let settings = serde_json::json!({
                // transformers 5's XLMRobertaTokenizer rebuilds a Unigram model; the generic
                // fast tokenizer loads this BPE tokenizer.json as it is.
                "tokenizer_class": "PreTrainedTokenizerFast",
                "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>",
                "cls_token": "<s>", "unk_token": "<unk>", "pad_token": "<pad>",
                "mask_token": "<mask>", "do_lower_case": lower,
                "model_max_length": 512,
            });
            std::fs::write(&config, settings.to_string()).map_err(|e| save_err(e.to_string()))?;
            written.extend([json, config]);
            written
        }
        TokenizerKind::WordPiece => {
            let mut trainer = WordPieceTrainerBuilder::new()
                .vocab_size(vocab_size)
                .min_frequency(min_frequency)
                .special_tokens(special)
                .limit_alphabet(1000)
                .continuing_subword_prefix("##".into())
                .show_progress(!args.model.silent)
                .build();
            let normalizer = BertNormalizer::new(
                args.clean_text,
                args.handle_chinese_chars,
                Some(args.strip_accents),
                lower,
            );
            let mut tokenizer = TokenizerBuilder::<
                WordPiece,
                BertNormalizer,
                BertPreTokenizer,
                ByteLevel,
                ByteLevel,
            >::new()
            .with_model(WordPiece::default())
            .with_normalizer(Some(normalizer))
            .with_pre_tokenizer(Some(BertPreTokenizer))
            .build()
            .map_err(train_err)?;
            tokenizer
                .train_from_files(&mut trainer, names.clone())
                .map_err(train_err)?;
            tokenizer
                .get_model()
                .save(dir, None)
                .map_err(|e| save_err(e.to_string()))?
        }
    };
    Ok(written)
}

/// XLM-RoBERTa's frame: `<s> A </s>`, pairs `<s> A </s> </s> B </s>`.
fn xlm_roberta_frame(model: &BPE) -> tokenizers::Result<TemplateProcessing> {
    let id = |token: &str| {
        model
            .token_to_id(token)
            .ok_or_else(|| format!("special_tokens must include {token} for xlmroberta"))
    };
    let (bos, eos) = (id("<s>")?, id("</s>")?);
    Ok(TemplateProcessing::builder()
        .try_single("<s> $A </s>")?
        .try_pair("<s> $A </s> </s> $B </s>")?
        .special_tokens(vec![("<s>", bos), ("</s>", eos)])
        .build()?)
}

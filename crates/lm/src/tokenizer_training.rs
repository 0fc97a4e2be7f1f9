//! `train_tokenizer`: a new tokenizer from text files, trained as Simple Transformers trains
//! one — with the `tokenizers` library's trainers, chosen by `model_type` — and saved as the
//! files Python saves, which load here and in Python `transformers`.
//!
//! | `model_type` | tokenizer | special tokens | saved |
//! |---|---|---|---|
//! | `bert`, `electra` | WordPiece (`BertWordPieceTokenizer`: `clean_text`, `handle_chinese_chars`, `strip_accents`, `do_lower_case`; `##` prefix) | `[PAD] [UNK] [CLS] [SEP] [MASK]` | `vocab.txt` |
//! | anything else (`gpt2`, `roberta`, …) | byte-level BPE (`ByteLevelBPETokenizer`: the 256 byte symbols first, `do_lower_case`) | `special_tokens` | `vocab.json`, `merges.txt` |
//!
//! Python trains `xlmroberta` (and bigbird) tokenizers with Google's `sentencepiece`, which is
//! not a Rust library; that branch is refused with an error that says so. The WordPiece trainer
//! breaks ties by the order of a hash map in Python and here alike, so its vocabulary past the
//! special tokens and the alphabet varies from run to run in both; byte-level BPE training is
//! deterministic and equal to Python's.

use std::path::{Path, PathBuf};

use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
use tokenizers::models::wordpiece::{WordPiece, WordPieceTrainerBuilder};
use tokenizers::normalizers::{BertNormalizer, Lowercase};
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
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
         available here; train one with sentencepiece and pass its directory (with a \
         tokenizer.json) as tokenizer_name"
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
}

impl TokenizerKind {
    /// Python's choice for `model_type`.
    pub fn for_model_type(model_type: &str) -> Result<Self, TokenizerTrainingError> {
        match model_type {
            "bert" | "electra" => Ok(Self::WordPiece),
            "bigbird" | "xlmroberta" | "xlm-roberta" | "nystromformer" => {
                Err(TokenizerTrainingError::SentencePiece {
                    model_type: model_type.into(),
                })
            }
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
            Self::ByteLevelBpe => args.special_tokens.clone(),
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

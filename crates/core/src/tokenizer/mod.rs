//! Tokenisation with Hugging Face `tokenizers`.
//!
//! A model directory's `tokenizer.json` is used as shipped. Directories without one fall back to
//! the files slow Python tokenizers use: `vocab.txt` (WordPiece, BERT-style) or `vocab.json` +
//! `merges.txt` (byte-level BPE, GPT-2/RoBERTa-style), rebuilt here with the same normaliser,
//! pre-tokeniser and special-token template as `transformers`' fast tokenizers.
//!
//! Batches are tokenised in parallel with rayon, one example per task, then truncated and padded
//! into flat row-major `i64` arrays ready to become tensors.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;
use tokenizers::{AddedToken, EncodeInput, Encoding, TruncationParams, TruncationStrategy};

mod build;
use build::{
    byte_level_bpe, force_lowercase, pad_token_id, read_tokenizer_config, with_prefix_space,
    wordpiece,
};

/// The files that make up a Hugging Face tokenizer; copied next to every saved model.
pub const TOKENIZER_FILES: [&str; 10] = [
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "added_tokens.json",
    // Marian's: its target side, and the SentencePiece models `MarianTokenizer` reads.
    MARIAN_TARGET_TOKENIZER,
    "source.spm",
    "target.spm",
];

/// Copy whichever [`TOKENIZER_FILES`] exist in `from` into `to`.
pub fn copy_tokenizer_files(from: &Path, to: &Path) -> Result<(), crate::Error> {
    for file in TOKENIZER_FILES {
        let source = from.join(file);
        if source.is_file() {
            std::fs::copy(&source, to.join(file)).map_err(|e| crate::Error::io(&source, e))?;
        }
    }
    Ok(())
}

/// What can go wrong loading or running a tokenizer.
#[derive(Debug, thiserror::Error)]
pub enum TokenizerError {
    #[error(
        "{dir}: no tokenizer files (looked for tokenizer.json, vocab.txt, vocab.json + merges.txt)"
    )]
    NoFiles { dir: PathBuf },
    /// Only a SentencePiece model (T5's `spiece.model`, Marian's `source.spm`…): the
    /// `tokenizers` library reads `tokenizer.json`, which `transformers` writes from it.
    #[error(
        "{model}: a SentencePiece model without tokenizer.json; convert it once with \
         `python -c \"from transformers import AutoTokenizer; \
         AutoTokenizer.from_pretrained('{dir}').save_pretrained('{dir}')\"` \
         (needs the sentencepiece and protobuf packages), which writes tokenizer.json next to it",
        dir = .model.parent().map(|d| d.display().to_string()).unwrap_or_default(),
        model = .model.display()
    )]
    SentencePieceOnly { model: PathBuf },
    /// Marian's `source.spm` / `target.spm` / `vocab.json`, which `transformers` has no fast
    /// tokenizer for.
    #[error(
        "{dir}: a Marian tokenizer (source.spm, target.spm, vocab.json) without tokenizer.json; \
         convert it once with `python scripts/convert_marian_tokenizer.py {dir}` (from this \
         repository; needs transformers, sentencepiece and protobuf), which writes \
         tokenizer.json and target_tokenizer.json next to them",
        dir = .dir.display()
    )]
    MarianSentencePiece { dir: PathBuf },
    #[error("{path}: cannot load tokenizer: {message}")]
    Load { path: PathBuf, message: String },
    #[error("tokenisation failed: {0}")]
    Encode(String),
    #[error("{path}: cannot save tokenizer: {message}")]
    Save { path: PathBuf, message: String },
    #[error("the tokenizer has no padding token (looked for {candidates})")]
    NoPadToken { candidates: String },
}

/// How the special tokens frame a sequence, for tokenizers rebuilt from vocabulary files.
/// A `tokenizer.json` carries its own template and ignores this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SpecialTokens {
    /// `[CLS] A [SEP]` and `[CLS] A [SEP] B [SEP]` with token types 0/1 (BERT, ELECTRA…).
    #[default]
    Bert,
    /// `<s> A </s>` and `<s> A </s></s> B </s>`, token types all 0 (RoBERTa family).
    Roberta,
    /// No special tokens around a sequence.
    None,
    /// GPT-2's: none around a sequence, and `<|endoftext|>` (its bos, eos and unk), added as
    /// the next id when the vocabulary lacks it (as `GPT2Tokenizer` adds it to a vocabulary
    /// trained from scratch).
    EndOfText,
}

/// Options for [`Tokenizer::from_dir`].
#[derive(Debug, Clone, Default)]
pub struct TokenizerOptions {
    /// Lower-case the input. `true` forces lower-casing on any tokenizer; `false` leaves a
    /// `tokenizer.json` as shipped, and for `vocab.txt` defers to `tokenizer_config.json`'s
    /// `do_lower_case` when there is one.
    pub do_lower_case: bool,
    /// Template for tokenizers rebuilt from vocabulary files.
    pub special_tokens: SpecialTokens,
    /// Use the vocabulary files even when `tokenizer.json` exists (for parity tests of the
    /// fallbacks).
    pub ignore_tokenizer_json: bool,
    /// Read this file of the directory instead of `tokenizer.json` (Marian's target side:
    /// [`MARIAN_TARGET_TOKENIZER`]).
    pub json_file: Option<String>,
}

/// Marian's target-side tokenizer, next to the source side's `tokenizer.json`
/// (`scripts/convert_marian_tokenizer.py` writes both).
pub const MARIAN_TARGET_TOKENIZER: &str = "target_tokenizer.json";

/// How to pad a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    /// To the longest sequence in the batch (after truncation).
    Longest,
    /// To the maximum length, always.
    MaxLength,
}

/// One example: a text or a pair of texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextInput<'a> {
    Single(&'a str),
    Pair(&'a str, &'a str),
}

impl<'a> From<&'a str> for TextInput<'a> {
    fn from(text: &'a str) -> Self {
        TextInput::Single(text)
    }
}

impl<'a> From<(&'a str, &'a str)> for TextInput<'a> {
    fn from((a, b): (&'a str, &'a str)) -> Self {
        TextInput::Pair(a, b)
    }
}

/// A tokenised, padded batch in row-major `[batch, seq_len]` layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub batch_size: usize,
    pub seq_len: usize,
    pub input_ids: Vec<i64>,
    pub attention_mask: Vec<i64>,
    pub token_type_ids: Vec<i64>,
}

impl Batch {
    /// Row `i` of the input ids, without padding.
    pub fn ids(&self, i: usize) -> &[i64] {
        let row = &self.input_ids[i * self.seq_len..(i + 1) * self.seq_len];
        &row[..self.len(i)]
    }

    /// Number of real (unpadded) tokens in row `i`.
    pub fn len(&self, i: usize) -> usize {
        self.attention_mask[i * self.seq_len..(i + 1) * self.seq_len]
            .iter()
            .filter(|&&m| m != 0)
            .count()
    }

    /// Whether the batch has no rows.
    pub fn is_empty(&self) -> bool {
        self.batch_size == 0
    }
}

/// The SentencePiece model file of a directory, under the names `transformers` gives them
/// (T5, mT5, ALBERT, XLM-R: `spiece.model` / `sentencepiece.bpe.model`; Marian:
/// `source.spm`).
fn sentencepiece_model(dir: &Path) -> Option<PathBuf> {
    ["spiece.model", "sentencepiece.bpe.model", "source.spm"]
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
}

/// A Hugging Face tokenizer configured for a model.
#[derive(Clone)]
pub struct Tokenizer {
    inner: tokenizers::Tokenizer,
    pad_id: u32,
    source: PathBuf,
    /// The tokenizer for pre-split words (see [`Tokenizer::encode_words`]), made on first use.
    split_words: std::sync::OnceLock<tokenizers::Tokenizer>,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokenizer")
            .field("source", &self.source)
            .field("vocab_size", &self.vocab_size())
            .finish()
    }
}

impl Tokenizer {
    /// Load the tokenizer of a model directory.
    pub fn from_dir(dir: &Path, options: &TokenizerOptions) -> Result<Self, TokenizerError> {
        let json = dir.join(options.json_file.as_deref().unwrap_or("tokenizer.json"));
        let vocab_txt = dir.join("vocab.txt");
        let (vocab_json, merges) = (dir.join("vocab.json"), dir.join("merges.txt"));
        let config = read_tokenizer_config(dir);

        let (mut inner, source) = if json.is_file() && !options.ignore_tokenizer_json {
            let tokenizer =
                tokenizers::Tokenizer::from_file(&json).map_err(|e| TokenizerError::Load {
                    path: json.clone(),
                    message: e.to_string(),
                })?;
            (tokenizer, json)
        } else if vocab_txt.is_file() {
            let lower = config
                .get("do_lower_case")
                .and_then(Value::as_bool)
                .unwrap_or(options.do_lower_case);
            (wordpiece(&vocab_txt, lower, &config)?, vocab_txt)
        } else if vocab_json.is_file() && merges.is_file() {
            (
                byte_level_bpe(&vocab_json, &merges, options.special_tokens)?,
                vocab_json,
            )
        } else if dir.join("source.spm").is_file() {
            return Err(TokenizerError::MarianSentencePiece {
                dir: dir.to_path_buf(),
            });
        } else if let Some(model) = sentencepiece_model(dir) {
            return Err(TokenizerError::SentencePieceOnly { model });
        } else {
            return Err(TokenizerError::NoFiles {
                dir: dir.to_path_buf(),
            });
        };
        if options.do_lower_case {
            inner = force_lowercase(inner, &source)?;
        }
        // Truncation and padding are set per call; drop whatever the file carries.
        inner.with_padding(None);
        inner
            .with_truncation(None)
            .map_err(|e| TokenizerError::Load {
                path: source.clone(),
                message: e.to_string(),
            })?;
        let pad_id = pad_token_id(&inner, &config)?;
        Ok(Self {
            inner,
            pad_id,
            source,
            split_words: std::sync::OnceLock::new(),
        })
    }

    /// The id used for padding.
    pub fn pad_id(&self) -> u32 {
        self.pad_id
    }

    /// Pad with `token` from now on (Python's `add_special_tokens({"pad_token": token})`, once
    /// the token is added); an error when the vocabulary lacks it.
    pub fn set_pad_token(&mut self, token: &str) -> Result<u32, TokenizerError> {
        let id = self
            .inner
            .token_to_id(token)
            .ok_or_else(|| TokenizerError::NoPadToken {
                candidates: token.to_string(),
            })?;
        self.pad_id = id;
        Ok(id)
    }

    /// Vocabulary size including added tokens.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// The id of a token, if it is in the vocabulary.
    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    /// Add `tokens` as special tokens (never split, never normalised), as Python's
    /// `tokenizer.add_tokens(tokens, special_tokens=True)`. Tokens already in the vocabulary
    /// keep their id; new ones get the next ids. Returns how many were new.
    pub fn add_special_tokens(&mut self, tokens: &[String]) -> usize {
        let added: Vec<AddedToken> = tokens
            .iter()
            .map(|t| AddedToken::from(t.clone(), true))
            .collect();
        self.split_words = std::sync::OnceLock::new();
        self.inner.add_special_tokens(&added)
    }

    /// Write the tokenizer, added tokens included, as a `tokenizer.json` at `path`.
    pub fn save_json(&self, path: &Path) -> Result<(), TokenizerError> {
        self.inner
            .save(path, true)
            .map_err(|e| TokenizerError::Save {
                path: path.to_path_buf(),
                message: e.to_string(),
            })
    }

    /// The underlying `tokenizers` tokenizer.
    pub fn inner(&self) -> &tokenizers::Tokenizer {
        &self.inner
    }

    /// Encode words that are already split (`is_split_into_words` in `transformers`), without
    /// special tokens: each token's word index is in `get_word_ids()`. A word that the
    /// tokenizer turns into no token at all (a lone control character, say) has no entry.
    ///
    /// As `transformers` requires for split words, byte-level BPE tokenizers (RoBERTa, GPT-2)
    /// treat every word as preceded by a space (`add_prefix_space`), so a word gets the same
    /// tokens wherever it stands.
    pub fn encode_words(&self, words: &[&str]) -> Result<Encoding, TokenizerError> {
        self.split_words
            .get_or_init(|| with_prefix_space(&self.inner))
            .encode(words, false)
            .map_err(|e| TokenizerError::Encode(e.to_string()))
    }

    /// The special tokens the template puts before and after a single sequence
    /// (`[CLS]` / `[SEP]`, `<s>` / `</s>`, or none), for callers that build windows of ids.
    pub fn single_sequence_frame(&self) -> Result<(Vec<u32>, Vec<u32>), TokenizerError> {
        let mut ids = self
            .encode(TextInput::Single(""), usize::MAX)?
            .get_ids()
            .to_vec();
        let suffix = ids.split_off(ids.len().min(1));
        Ok((ids, suffix))
    }

    /// The ids of `text` without special tokens (`encode(text, add_special_tokens=False)`), as a
    /// prompt to continue is encoded.
    pub fn encode_plain(&self, text: &str) -> Result<Vec<u32>, TokenizerError> {
        self.inner
            .encode(text, false)
            .map(|e| e.get_ids().to_vec())
            .map_err(|e| TokenizerError::Encode(e.to_string()))
    }

    /// The text of `ids`, special tokens dropped when `skip_special_tokens`.
    pub fn decode(&self, ids: &[u32], skip_special_tokens: bool) -> Result<String, TokenizerError> {
        self.inner
            .decode(ids, skip_special_tokens)
            .map_err(|e| TokenizerError::Encode(format!("decoding: {e}")))
    }

    /// The text of `ids` as `transformers` 5 decodes with `clean_up_tokenization_spaces=True`:
    /// [`clean_up_tokenization`] applied, except for BPE tokenizers (GPT-2's, BART's), whose
    /// spaces before punctuation are real.
    pub fn decode_cleaned(
        &self,
        ids: &[u32],
        skip_special_tokens: bool,
    ) -> Result<String, TokenizerError> {
        let text = self.decode(ids, skip_special_tokens)?;
        Ok(match self.inner.get_model() {
            tokenizers::ModelWrapper::BPE(_) => text,
            _ => clean_up_tokenization(&text),
        })
    }

    /// The ids of every special token (Python's `all_special_ids`: the template's and the added
    /// special tokens), sorted, which masking and fill-mask never touch.
    pub fn special_ids(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = (self.inner.get_added_tokens_decoder().iter())
            .filter(|(_, token)| token.special)
            .map(|(&id, _)| id)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The id of the mask token (`[MASK]`, `<mask>`), if the vocabulary has one.
    pub fn mask_id(&self) -> Option<u32> {
        ["[MASK]", "<mask>"]
            .iter()
            .find_map(|t| self.inner.token_to_id(t))
    }

    /// The text of the mask token, if the vocabulary has one.
    pub fn mask_token(&self) -> Option<&'static str> {
        ["[MASK]", "<mask>"]
            .into_iter()
            .find(|t| self.inner.token_to_id(t).is_some())
    }

    /// The id of the unknown token (`[UNK]`, `<unk>`), if the vocabulary has one.
    pub fn unk_id(&self) -> Option<u32> {
        ["[UNK]", "<unk>", "<UNK>"]
            .iter()
            .find_map(|t| self.inner.token_to_id(t))
    }

    /// Encode one example with special tokens, truncated to `max_length` (longest-first for
    /// pairs), unpadded. Offsets and word ids are kept for tasks that need them.
    pub fn encode(
        &self,
        input: TextInput<'_>,
        max_length: usize,
    ) -> Result<Encoding, TokenizerError> {
        let encode_input: EncodeInput = match input {
            TextInput::Single(text) => text.into(),
            TextInput::Pair(a, b) => (a, b).into(),
        };
        let mut encoding = self
            .inner
            .encode(encode_input, true)
            .map_err(|e| TokenizerError::Encode(e.to_string()))?;
        if encoding.len() > max_length {
            encoding = self.truncate(input, max_length)?;
        }
        Ok(encoding)
    }

    fn truncate(
        &self,
        input: TextInput<'_>,
        max_length: usize,
    ) -> Result<Encoding, TokenizerError> {
        // Re-encode with the library's own truncation so that pairs are cut longest-first and
        // special tokens are kept, exactly as `transformers` does.
        let mut truncating = self.inner.clone();
        truncating
            .with_truncation(Some(TruncationParams {
                max_length,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
                ..Default::default()
            }))
            .map_err(|e| TokenizerError::Encode(e.to_string()))?;
        let encode_input: EncodeInput = match input {
            TextInput::Single(text) => text.into(),
            TextInput::Pair(a, b) => (a, b).into(),
        };
        truncating
            .encode(encode_input, true)
            .map_err(|e| TokenizerError::Encode(e.to_string()))
    }

    /// Tokenise a batch in parallel, truncate each example to `max_length` and pad.
    pub fn encode_batch<'a, I>(
        &self,
        inputs: &[I],
        max_length: usize,
        padding: Padding,
    ) -> Result<Batch, TokenizerError>
    where
        I: Into<TextInput<'a>> + Copy + Sync,
    {
        let encodings = inputs
            .par_iter()
            .map(|&input| self.encode(input.into(), max_length))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.pad(&encodings, max_length, padding))
    }

    /// Pad already-encoded examples into a batch.
    pub fn pad(&self, encodings: &[Encoding], max_length: usize, padding: Padding) -> Batch {
        let longest = encodings.iter().map(Encoding::len).max().unwrap_or(0);
        let seq_len = match padding {
            Padding::Longest => longest,
            Padding::MaxLength => max_length.max(longest),
        };
        let n = encodings.len() * seq_len;
        let mut batch = Batch {
            batch_size: encodings.len(),
            seq_len,
            input_ids: vec![i64::from(self.pad_id); n],
            attention_mask: vec![0; n],
            token_type_ids: vec![0; n],
        };
        for (row, encoding) in encodings.iter().enumerate() {
            let start = row * seq_len;
            for (j, ((&id, &mask), &type_id)) in encoding
                .get_ids()
                .iter()
                .zip(encoding.get_attention_mask())
                .zip(encoding.get_type_ids())
                .enumerate()
            {
                batch.input_ids[start + j] = i64::from(id);
                batch.attention_mask[start + j] = i64::from(mask);
                batch.token_type_ids[start + j] = i64::from(type_id);
            }
        }
        batch
    }
}

/// `transformers`' `clean_up_tokenization`: the spaces a word-level detokeniser leaves before
/// punctuation and English contractions removed.
pub fn clean_up_tokenization(text: &str) -> String {
    const RULES: [(&str, &str); 10] = [
        (" .", "."),
        (" ?", "?"),
        (" !", "!"),
        (" ,", ","),
        (" ' ", "'"),
        (" n't", "n't"),
        (" 'm", "'m"),
        (" 's", "'s"),
        (" 've", "'ve"),
        (" 're", "'re"),
    ];
    let mut out = text.to_string();
    for (from, to) in RULES {
        if out.contains(from) {
            out = out.replace(from, to);
        }
    }
    out
}

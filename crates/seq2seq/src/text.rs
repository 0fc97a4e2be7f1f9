//! Texts to token ids and back, per architecture. Most models read one tokenizer whose template
//! frames each side; mBART frames both sides with their language codes ([`Languages`]) and
//! Marian reads its target side with a second tokenizer (`target_tokenizer.json`, which
//! `scripts/convert_marian_tokenizer.py` writes from `target.spm`).

use std::path::Path;

use st_core::tokenizer::{
    MARIAN_TARGET_TOKENIZER, TextInput, Tokenizer, TokenizerError, TokenizerOptions,
};

use crate::model::Seq2SeqError;

/// mBART's language codes, framing each side as `transformers`' tokenizers do:
/// `MBartTokenizer` (`mbart`) as `tokens </s> code`, `MBart50Tokenizer` (`mbart50`) as
/// `code tokens </s>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Languages {
    pub source: u32,
    pub target: u32,
    pub eos: u32,
    /// `mbart50`'s order: the code before the tokens.
    pub code_first: bool,
}

impl Languages {
    /// The codes `src_lang` and `tgt_lang` in `tokenizer` (loaded from `dir`); a code it lacks
    /// is an error naming it.
    pub fn resolve(
        model_type: &str,
        (src_lang, tgt_lang): (&str, &str),
        tokenizer: &Tokenizer,
        dir: &Path,
    ) -> Result<Self, Seq2SeqError> {
        let id = |key: &str, code: &str| {
            tokenizer.token_to_id(code).ok_or_else(|| {
                Seq2SeqError::Unsupported(format!(
                    "{key} \"{code}\": the tokenizer in {} has no such token (mBART's language \
                     codes look like en_XX, ro_RO)",
                    dir.display()
                ))
            })
        };
        let eos = id("eos token", "</s>")?;
        Ok(Self {
            source: id("src_lang", src_lang)?,
            target: id("tgt_lang", tgt_lang)?,
            eos,
            code_first: model_type == "mbart50",
        })
    }

    /// `ids` (a text without special tokens) cut to leave room for the frame and framed with
    /// `code`, `max_length` ids at most.
    pub fn frame(&self, mut ids: Vec<u32>, code: u32, max_length: usize) -> Vec<u32> {
        ids.truncate(max_length.saturating_sub(2));
        if self.code_first {
            ids.insert(0, code);
            ids.push(self.eos);
        } else {
            ids.extend([self.eos, code]);
        }
        ids
    }
}

/// Marian's target-side tokenizer, when the directory has one.
pub fn target_tokenizer(
    dir: &Path,
    options: &TokenizerOptions,
) -> Result<Option<Tokenizer>, TokenizerError> {
    if !dir.join(MARIAN_TARGET_TOKENIZER).is_file() {
        return Ok(None);
    }
    let options = TokenizerOptions {
        json_file: Some(MARIAN_TARGET_TOKENIZER.into()),
        ..options.clone()
    };
    Tokenizer::from_dir(dir, &options).map(Some)
}

/// How a task model turns its two sides' texts into ids.
#[derive(Debug, Clone, Default)]
pub struct Codec {
    /// The target side's own tokenizer (Marian); else the source's reads both.
    pub target: Option<Tokenizer>,
    /// mBART's language codes.
    pub languages: Option<Languages>,
}

impl Codec {
    /// The ids of `text` on the source side (`is_target` false) or the target side,
    /// `max_length` at most.
    pub fn encode(
        &self,
        source: &Tokenizer,
        text: &str,
        is_target: bool,
        max_length: usize,
    ) -> Result<Vec<u32>, TokenizerError> {
        let tokenizer = if is_target { self.side(source) } else { source };
        match &self.languages {
            Some(languages) => {
                let code = if is_target {
                    languages.target
                } else {
                    languages.source
                };
                Ok(languages.frame(tokenizer.encode_plain(text)?, code, max_length))
            }
            None => Ok(tokenizer
                .encode(TextInput::Single(text), max_length)?
                .get_ids()
                .to_vec()),
        }
    }

    /// The tokenizer of the target side (what generated ids decode with).
    pub fn side<'a>(&'a self, source: &'a Tokenizer) -> &'a Tokenizer {
        self.target.as_ref().unwrap_or(source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mbart_and_mbart50_frame_their_codes_on_opposite_sides() {
        let cc25 = Languages {
            source: 10,
            target: 11,
            eos: 2,
            code_first: false,
        };
        assert_eq!(cc25.frame(vec![5, 6, 7], 10, 10), vec![5, 6, 7, 2, 10]);
        assert_eq!(cc25.frame(vec![5, 6, 7], 11, 4), vec![5, 6, 2, 11]);
        let fifty = Languages {
            code_first: true,
            ..cc25
        };
        assert_eq!(fifty.frame(vec![5, 6, 7], 10, 4), vec![10, 5, 6, 2]);
    }
}

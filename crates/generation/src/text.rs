//! From generated tokens to text as Simple Transformers returns it: decoded with the prompt,
//! `transformers`' tokenization-space clean-up applied (Python passes
//! `clean_up_tokenization_spaces=True`), the decoded prompt replaced by the prompt as given,
//! and the continuation cut at `stop_token`. [`TextStream`] produces the same text
//! incrementally.

use st_core::tokenizer::{Tokenizer, TokenizerError};

pub use st_core::tokenizer::clean_up_tokenization;

/// How one sequence's tokens become its continuation text.
pub struct Detokenizer<'a> {
    pub tokenizer: &'a Tokenizer,
    pub prompt_ids: &'a [u32],
    /// The prompt as decoded and cleaned, which the continuation follows.
    pub decoded_prompt: &'a str,
    pub skip_special_tokens: bool,
    pub stop_token: Option<&'a str>,
}

impl Detokenizer<'_> {
    /// The continuation of the prompt that `new` tokens make, and whether it reached
    /// `stop_token` (cut before it).
    pub fn continuation(&self, new: &[u32]) -> Result<(String, bool), TokenizerError> {
        let mut ids = Vec::with_capacity(self.prompt_ids.len() + new.len());
        ids.extend_from_slice(self.prompt_ids);
        ids.extend_from_slice(new);
        let full = clean_up_tokenization(&self.tokenizer.decode(&ids, self.skip_special_tokens)?);
        let mut text = match full.strip_prefix(self.decoded_prompt) {
            Some(rest) => rest.to_string(),
            // The prompt's last bytes merged with the first new ones (a character split
            // across tokens): decode the new tokens alone.
            None => clean_up_tokenization(&self.tokenizer.decode(new, self.skip_special_tokens)?),
        };
        let stopped = match self.stop_token.filter(|s| !s.is_empty()) {
            Some(stop) => match text.find(stop) {
                Some(at) => {
                    text.truncate(at);
                    true
                }
                None => false,
            },
            None => false,
        };
        Ok((text, stopped))
    }
}

/// The continuation of one sequence, released piece by piece as its tokens arrive. Text is
/// held back while it could still change: after the last space (the clean-up rules rewrite a
/// space and what follows it), a trailing incomplete UTF-8 character, and a possible start of
/// `stop_token`. The pieces add up to the final continuation exactly.
#[derive(Debug, Default)]
pub struct TextStream {
    tokens: Vec<u32>,
    sent: usize,
    stopped: bool,
}

impl TextStream {
    /// Take `token`; returns the text that became certain, if any.
    pub fn push(
        &mut self,
        detok: &Detokenizer<'_>,
        token: u32,
    ) -> Result<Option<String>, TokenizerError> {
        if self.stopped {
            return Ok(None);
        }
        self.tokens.push(token);
        let (text, stopped) = detok.continuation(&self.tokens)?;
        if stopped {
            self.stopped = true;
            return Ok(self.release(&text, text.len()));
        }
        let mut settled = text.rfind(' ').unwrap_or(0);
        if text[..settled].ends_with('\u{FFFD}') {
            settled = text[..settled].trim_end_matches('\u{FFFD}').len();
        }
        if let Some(stop) = detok.stop_token.filter(|s| !s.is_empty()) {
            settled = settled.min(possible_start(&text, stop));
        }
        Ok(self.release(&text, settled))
    }

    /// The rest of the text once the sequence is complete.
    pub fn finish(&mut self, detok: &Detokenizer<'_>) -> Result<Option<String>, TokenizerError> {
        let (text, _) = detok.continuation(&self.tokens)?;
        let piece = self.release(&text, text.len());
        self.stopped = true;
        Ok(piece)
    }

    fn release(&mut self, text: &str, upto: usize) -> Option<String> {
        if upto <= self.sent || !text.is_char_boundary(upto) || !text.is_char_boundary(self.sent) {
            return None;
        }
        let piece = text[self.sent..upto].to_string();
        self.sent = upto;
        Some(piece)
    }
}

/// Where a suffix of `text` that begins `stop` starts (the text's length when none does).
fn possible_start(text: &str, stop: &str) -> usize {
    (1..stop.len().min(text.len() + 1))
        .rev()
        .filter(|&n| stop.is_char_boundary(n) && text.is_char_boundary(text.len() - n))
        .find(|&n| text.ends_with(&stop[..n]))
        .map_or(text.len(), |n| text.len() - n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_up_matches_transformers() {
        assert_eq!(
            clean_up_tokenization("I do n't know , he 's here . Is it ?"),
            "I don't know, he's here. Is it?"
        );
    }

    #[test]
    fn a_partial_stop_token_is_held_back() {
        assert_eq!(possible_start("hello wor", "world"), 6);
        assert_eq!(possible_start("hello", "world"), 5);
        assert_eq!(possible_start("hello w", "world"), 6);
    }
}

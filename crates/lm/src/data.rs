//! Text files into training blocks, as Simple Transformers builds them: one sample per line,
//! blank lines dropped, then cut by `dataset_type` (see [`DatasetType`]).
//!
//! Every block is framed with the tokenizer's single-sequence special tokens (`[CLS] … [SEP]`,
//! `<s> … </s>`, nothing for GPT-2). Two differences from Python, both deliberate: a simple
//! dataset's blocks are cut from the token ids directly, where Python decodes each block to
//! text and encodes it again (which changes tokens at the cut); and the tokens a block holds
//! are `block_size` minus the frame's real length, where Python subtracts 2 (3 for the RoBERTa
//! family) whatever the tokenizer adds.

use std::path::Path;

use st_core::text::{TextError, TextFile};

use crate::args::DatasetType;

/// What can go wrong reading language-modelling data.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error(transparent)]
    Text(#[from] TextError),
    #[error("{path}: no text (every line is blank)")]
    Empty { path: String },
    #[error("no text to train or evaluate on: every sample is blank")]
    NoSamples,
}

/// The lines of a text file that hold text (Python drops empty and whitespace-only lines), in
/// the `encoding` argument's encoding.
pub fn read_lines(path: &Path, encoding: Option<&str>) -> Result<Vec<String>, DataError> {
    let text = TextFile::new(path, encoding).read_to_string()?;
    let lines: Vec<String> = text_lines(&text).map(String::from).collect();
    if lines.is_empty() {
        return Err(DataError::Empty {
            path: path.display().to_string(),
        });
    }
    Ok(lines)
}

/// The non-blank lines of a file handed to `tokenize` a chunk of `chunk` lines at a time, so
/// that a large file is never held as text: only what `tokenize` returns for each line is
/// kept. Needs an ASCII-compatible encoding (UTF-8, Latin-1…), whose lines split at `\n`
/// bytes; others are read whole.
pub fn tokenize_lines<E: From<DataError>>(
    path: &Path,
    encoding: Option<&str>,
    chunk: usize,
    mut tokenize: impl FnMut(&[String]) -> Result<Vec<Vec<u32>>, E>,
) -> Result<Vec<Vec<u32>>, E> {
    let file = TextFile::new(path, encoding);
    let Ok(decoder) = file.line_decoder() else {
        return tokenize(&read_lines(path, encoding)?);
    };
    let mut lines = decoder.lines().map_err(DataError::from)?;
    let (mut ids, mut pending) = (Vec::new(), Vec::with_capacity(chunk));
    while let Some(raw) = lines.next_line().map_err(DataError::from)? {
        let line = decoder.decode(&raw).map_err(DataError::from)?;
        if !line.trim().is_empty() {
            pending.push(line.into_owned());
        }
        if pending.len() == chunk.max(1) {
            ids.extend(tokenize(&pending)?);
            pending.clear();
        }
    }
    if !pending.is_empty() {
        ids.extend(tokenize(&pending)?);
    }
    if ids.is_empty() {
        return Err(DataError::Empty {
            path: path.display().to_string(),
        }
        .into());
    }
    Ok(ids)
}

/// The non-blank lines of `text`.
pub fn text_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter(|l| !l.trim().is_empty())
}

/// How blocks are cut and framed.
#[derive(Debug, Clone)]
pub struct BlockSpec {
    pub dataset: DatasetType,
    /// Tokens per block, frame included.
    pub block_size: usize,
    /// `sliding_window` (simple datasets only): windows of `max_seq_length` tokens, frame
    /// included, starting every `stride_tokens`.
    pub sliding_window: Option<SlidingWindow>,
    /// The special tokens before and after a sequence.
    pub prefix: Vec<u32>,
    pub suffix: Vec<u32>,
}

/// Sliding windows over each line.
#[derive(Debug, Clone, Copy)]
pub struct SlidingWindow {
    pub max_seq_length: usize,
    /// Python's `int(max_seq_length · stride)`.
    pub stride_tokens: usize,
}

impl BlockSpec {
    fn frame(&self, tokens: &[u32]) -> Vec<u32> {
        let mut block = Vec::with_capacity(self.prefix.len() + tokens.len() + self.suffix.len());
        block.extend_from_slice(&self.prefix);
        block.extend_from_slice(tokens);
        block.extend_from_slice(&self.suffix);
        block
    }

    /// How many tokens of text fit in a block of `size`.
    fn room(&self, size: usize) -> usize {
        size.saturating_sub(self.prefix.len() + self.suffix.len())
            .max(1)
    }

    /// The blocks of samples already tokenised (without special tokens): `lines` holds one id
    /// sequence per line, except for [`DatasetType::Text`], where it holds the whole text's.
    pub fn blocks(&self, lines: &[Vec<u32>]) -> Vec<Vec<u32>> {
        match (self.dataset, self.sliding_window) {
            (DatasetType::LineByLine, _) => {
                let room = self.room(self.block_size);
                (lines.iter())
                    .filter(|l| !l.is_empty())
                    .map(|l| self.frame(&l[..l.len().min(room)]))
                    .collect()
            }
            (DatasetType::Text, _) => {
                let room = self.room(self.block_size);
                let all: Vec<u32> = lines.concat();
                all.chunks_exact(room).map(|c| self.frame(c)).collect()
            }
            (DatasetType::Simple, Some(window)) => {
                let room = self.room(window.max_seq_length);
                let step = window.stride_tokens.max(1);
                let mut blocks = Vec::new();
                for line in lines.iter().filter(|l| !l.is_empty()) {
                    if line.len() <= room {
                        blocks.push(self.frame(line));
                        continue;
                    }
                    for start in (0..line.len()).step_by(step) {
                        let end = (start + room).min(line.len());
                        blocks.push(self.frame(&line[start..end]));
                    }
                }
                blocks
            }
            (DatasetType::Simple, None) => {
                let room = self.room(self.block_size);
                let all: Vec<u32> = lines.concat();
                if all.is_empty() {
                    return Vec::new();
                }
                if all.len() <= room {
                    return vec![self.frame(&all)];
                }
                // As Python: full blocks only; the tail shorter than a block is dropped.
                all.chunks_exact(room).map(|c| self.frame(c)).collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(dataset: DatasetType, block_size: usize) -> BlockSpec {
        BlockSpec {
            dataset,
            block_size,
            sliding_window: None,
            prefix: vec![101],
            suffix: vec![102],
        }
    }

    #[test]
    fn simple_blocks_concatenate_lines_and_drop_the_tail() {
        let lines = vec![vec![1, 2, 3], vec![4, 5], vec![6, 7, 8]];
        let blocks = spec(DatasetType::Simple, 5).blocks(&lines);
        assert_eq!(
            blocks,
            vec![vec![101, 1, 2, 3, 102], vec![101, 4, 5, 6, 102]]
        );
        // Everything fits in one block: one block of everything.
        let blocks = spec(DatasetType::Simple, 64).blocks(&lines);
        assert_eq!(blocks, vec![vec![101, 1, 2, 3, 4, 5, 6, 7, 8, 102]]);
    }

    #[test]
    fn line_by_line_truncates_each_line() {
        let lines = vec![vec![1, 2, 3, 4, 5], vec![6]];
        let blocks = spec(DatasetType::LineByLine, 4).blocks(&lines);
        assert_eq!(blocks, vec![vec![101, 1, 2, 102], vec![101, 6, 102]]);
    }

    #[test]
    fn text_keeps_full_blocks_only() {
        let text = vec![(1..=7).collect::<Vec<u32>>()];
        let blocks = spec(DatasetType::Text, 5).blocks(&text);
        assert_eq!(
            blocks,
            vec![vec![101, 1, 2, 3, 102], vec![101, 4, 5, 6, 102]]
        );
    }

    #[test]
    fn sliding_windows_overlap_by_the_stride() {
        let mut s = spec(DatasetType::Simple, 0);
        s.sliding_window = Some(SlidingWindow {
            max_seq_length: 6,
            stride_tokens: 3,
        });
        let lines = vec![(1..=9).collect::<Vec<u32>>(), vec![10, 11]];
        let blocks = s.blocks(&lines);
        assert_eq!(
            blocks,
            vec![
                vec![101, 1, 2, 3, 4, 102],
                vec![101, 4, 5, 6, 7, 102],
                vec![101, 7, 8, 9, 102],
                vec![101, 10, 11, 102],
            ]
        );
    }

    /// Chunked reading sees every non-blank line once, in order, whatever the chunk size.
    #[test]
    fn files_are_tokenised_a_chunk_at_a_time() {
        let dir = std::env::temp_dir().join(format!("st-lm-chunks-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lines.txt");
        std::fs::write(&path, "a\n\nbb\r\nccc\n  \ndddd").unwrap();
        for chunk in [1, 2, 10] {
            let mut calls = 0;
            let ids = tokenize_lines::<DataError>(&path, None, chunk, |lines| {
                calls += 1;
                assert!(lines.len() <= chunk);
                Ok(lines.iter().map(|l| vec![l.len() as u32]).collect())
            })
            .unwrap();
            assert_eq!(
                ids,
                vec![vec![1], vec![2], vec![3], vec![4]],
                "chunk {chunk}"
            );
            assert_eq!(calls, 4usize.div_ceil(chunk), "chunk {chunk}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn blank_lines_are_dropped() {
        let lines: Vec<&str> = text_lines("one\n\n  \ntwo\r\n\tthree\n").collect();
        assert_eq!(lines, vec!["one", "two", "\tthree"]);
    }
}

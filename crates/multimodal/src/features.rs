//! Samples → rows → batches, as Simple Transformers' `JsonlDataset` and `collate_fn` make
//! them: the text encoded with special tokens, its first and last token (`[CLS]`, `[SEP]`)
//! kept apart as the image's frame, the rest truncated to `max_seq_length − num_image_embeds −
//! 2` tokens and right-padded with 0 in a batch; the image decoded and transformed when its
//! batch is made; the target as the mode needs it.

use std::path::PathBuf;

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};
use st_core::tokenizer::{TextInput, Tokenizer};
use st_models::MmbtInput;

use crate::data::{MultiModalExample, MultiModalLabel};
use crate::error::MultiModalError;
use crate::pixels::ImageTransform;

/// What the model is trained to output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// One class of `num_labels` (cross-entropy).
    SingleLabel,
    /// Any set of classes (BCE with logits, `pos_weight`).
    MultiLabel,
    /// One value (mean squared error).
    Regression,
}

/// One sample's target.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Class(usize),
    MultiHot(Vec<f32>),
    Value(f32),
}

/// A featurised sample.
#[derive(Debug, Clone)]
pub struct Row {
    /// The text's tokens between its first and last special token, truncated.
    pub ids: Vec<i64>,
    /// `[CLS]` and `[SEP]` (the tokenizer's first and last token).
    pub start: i64,
    pub end: i64,
    pub image: PathBuf,
    pub target: Target,
}

/// Maps labels to targets for one problem and label list.
#[derive(Debug, Clone)]
pub struct Labelling {
    pub problem: Problem,
    pub labels: Vec<String>,
}

impl Labelling {
    /// The target of a sample's label(s); `index` is the sample's place, for messages.
    pub fn target(&self, label: &MultiModalLabel, index: usize) -> Result<Target, MultiModalError> {
        let class = |name: &str| {
            self.labels.iter().position(|l| l == name).ok_or_else(|| {
                MultiModalError::UnknownLabel {
                    index,
                    label: name.to_string(),
                    labels: self.labels.clone(),
                }
            })
        };
        Ok(match (self.problem, label) {
            (Problem::Regression, MultiModalLabel::Value(v)) => Target::Value(*v as f32),
            (Problem::Regression, MultiModalLabel::Class(s)) => {
                Target::Value(s.trim().parse().map_err(|_| MultiModalError::BadLabel {
                    index,
                    message: format!("regression needs a number, found {s:?}"),
                })?)
            }
            (Problem::SingleLabel, MultiModalLabel::Class(s)) => Target::Class(class(s)?),
            (Problem::SingleLabel, MultiModalLabel::Value(v)) => {
                Target::Class(class(&number_name(*v))?)
            }
            (Problem::MultiLabel, MultiModalLabel::Classes(names)) => {
                let mut hot = vec![0.0; self.labels.len()];
                for name in names {
                    hot[class(name)?] = 1.0;
                }
                Target::MultiHot(hot)
            }
            (Problem::MultiLabel, MultiModalLabel::Class(s)) => {
                let mut hot = vec![0.0; self.labels.len()];
                hot[class(s)?] = 1.0;
                Target::MultiHot(hot)
            }
            (problem, label) => {
                return Err(MultiModalError::BadLabel {
                    index,
                    message: format!("{label:?} is not a label of a {problem:?} model"),
                });
            }
        })
    }

    /// A placeholder target for samples to predict.
    pub fn placeholder(&self) -> Target {
        match self.problem {
            Problem::SingleLabel => Target::Class(0),
            Problem::MultiLabel => Target::MultiHot(vec![0.0; self.labels.len()]),
            Problem::Regression => Target::Value(0.0),
        }
    }
}

/// A number's class name: integers without a fractional part, as Python's `str(int)`.
fn number_name(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        v.to_string()
    }
}

/// Tokenise one text as `JsonlDataset.__getitem__` does.
pub fn text_row(
    tokenizer: &Tokenizer,
    text: &str,
    max_text_tokens: usize,
) -> Result<(Vec<i64>, i64, i64), MultiModalError> {
    let encoding = tokenizer.encode(TextInput::Single(text), usize::MAX)?;
    let ids = encoding.get_ids();
    let [start, inner @ .., end] = ids else {
        return Err(MultiModalError::NoFrameTokens(
            text.chars().take(40).collect(),
        ));
    };
    let kept = &inner[..inner.len().min(max_text_tokens)];
    Ok((
        kept.iter().map(|&i| i64::from(i)).collect(),
        i64::from(*start),
        i64::from(*end),
    ))
}

/// Featurise one sample.
pub fn row(
    tokenizer: &Tokenizer,
    example: &MultiModalExample,
    target: Target,
    max_text_tokens: usize,
) -> Result<Row, MultiModalError> {
    let (ids, start, end) = text_row(tokenizer, &example.text, max_text_tokens)?;
    Ok(Row {
        ids,
        start,
        end,
        image: example.image.clone(),
        target,
    })
}

/// The targets of a batch as tensors.
#[derive(Debug)]
pub enum Targets<B: Backend> {
    Classes(Tensor<B, 1, Int>),
    MultiHot(Tensor<B, 2>),
    Values(Tensor<B, 1>),
}

/// A batch ready for the forward pass.
#[derive(Debug)]
pub struct Batch<B: Backend> {
    pub input: MmbtInput<B>,
    pub targets: Targets<B>,
}

/// `collate_fn` over `rows`, with the images decoded in parallel.
pub fn batch<B: Backend>(
    rows: &[&Row],
    transform: &ImageTransform,
    device: &B::Device,
) -> Result<Batch<B>, MultiModalError> {
    let n = rows.len();
    let longest = rows.iter().map(|r| r.ids.len()).max().unwrap_or(0).max(1);
    let mut ids = vec![0i64; n * longest];
    let mut mask = vec![0i64; n * longest];
    for (i, row) in rows.iter().enumerate() {
        ids[i * longest..i * longest + row.ids.len()].copy_from_slice(&row.ids);
        mask[i * longest..i * longest + row.ids.len()].fill(1);
    }
    let paths: Vec<&std::path::Path> = rows.iter().map(|r| r.image.as_path()).collect();
    let pixels = transform.load_batch(&paths)?;
    let crop = transform.crop;
    let ints = |values: &[i64]| Tensor::<B, 1, Int>::from_ints(values, device);
    let starts: Vec<i64> = rows.iter().map(|r| r.start).collect();
    let ends: Vec<i64> = rows.iter().map(|r| r.end).collect();
    let input = MmbtInput {
        images: Tensor::<B, 1>::from_floats(pixels.as_slice(), device).reshape([n, 3, crop, crop]),
        input_ids: ints(&ids).reshape([n, longest]),
        attention_mask: ints(&mask).reshape([n, longest]),
        start_tokens: ints(&starts),
        end_tokens: ints(&ends),
    };
    let targets = match rows.first().map(|r| &r.target) {
        Some(Target::MultiHot(first)) => {
            let width = first.len();
            let hot: Vec<f32> = rows
                .iter()
                .flat_map(|r| match &r.target {
                    Target::MultiHot(h) => h.clone(),
                    _ => vec![0.0; width],
                })
                .collect();
            Targets::MultiHot(
                Tensor::<B, 1>::from_floats(hot.as_slice(), device).reshape([n, width]),
            )
        }
        Some(Target::Value(_)) => {
            let values: Vec<f32> = rows
                .iter()
                .map(|r| match r.target {
                    Target::Value(v) => v,
                    _ => 0.0,
                })
                .collect();
            Targets::Values(Tensor::from_floats(values.as_slice(), device))
        }
        _ => {
            let classes: Vec<i64> = rows
                .iter()
                .map(|r| match r.target {
                    Target::Class(c) => c as i64,
                    _ => 0,
                })
                .collect();
            Targets::Classes(ints(&classes))
        }
    };
    Ok(Batch { input, targets })
}

/// Simple Transformers' `calculate_weights`: each label's inverse frequency among the
/// samples, `(count / n)⁻¹`, a count of 0 taken as 1.
pub fn calculate_weights(rows: &[Row], num_labels: usize) -> Vec<f32> {
    let mut counts = vec![0.0f32; num_labels];
    for row in rows {
        if let Target::MultiHot(hot) = &row.target {
            for (count, &h) in counts.iter_mut().zip(hot) {
                *count += h;
            }
        }
    }
    let n = rows.len().max(1) as f32;
    counts
        .iter()
        .map(|&c| n / if c > 0.0 { c } else { 1.0 })
        .collect()
}

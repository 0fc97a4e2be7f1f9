//! Examples → features: token ids per example (or per window with `sliding_window`), and the
//! targets the loss needs (class indices, values, or multi-hot rows).

use burn::tensor::backend::{AutodiffBackend, Backend};
use serde::{Deserialize, Serialize};
use st_core::task::{FeatureKey, Mode, TaskModel, cached};
use st_core::tokenizer::TextInput;
use st_models::EncoderInput;

use super::{ClassificationError, ClassificationModel};
use crate::args::ClassifierArgs;
use crate::data::{Example, Label};

/// Tokenised examples: ids and segment ids per row, and each row's target.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Features {
    pub(crate) ids: Vec<Vec<i64>>,
    pub(crate) type_ids: Vec<Vec<i64>>,
    pub(crate) targets: Targets,
    /// With `sliding_window`: the example each row (window) comes from.
    #[serde(default)]
    pub(crate) windows_of: Option<Vec<usize>>,
}

/// What each row is trained towards.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Targets {
    Classes(Vec<usize>),
    Values(Vec<f32>),
    MultiHot(Vec<Vec<f32>>),
}

impl Targets {
    /// The targets of rows `indices`.
    pub(crate) fn select(&self, indices: &[usize]) -> Targets {
        match self {
            Targets::Classes(c) => Targets::Classes(indices.iter().map(|&i| c[i]).collect()),
            Targets::Values(v) => Targets::Values(indices.iter().map(|&i| v[i]).collect()),
            Targets::MultiHot(m) => {
                Targets::MultiHot(indices.iter().map(|&i| m[i].clone()).collect())
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Targets::Classes(c) => c.len(),
            Targets::Values(v) => v.len(),
            Targets::MultiHot(m) => m.len(),
        }
    }
}

fn to_i64(ids: &[u32]) -> Vec<i64> {
    ids.iter().map(|&x| i64::from(x)).collect()
}

impl<B: AutodiffBackend, A: ClassifierArgs> ClassificationModel<B, A> {
    /// Features of `examples` through the feature cache (see [`st_core::task::cached`]),
    /// keyed by the examples, the tokenizer and the label settings.
    pub(crate) fn cached_features(
        &self,
        examples: &[Example],
        mode: Mode,
    ) -> Result<Features, ClassificationError> {
        let args = self.args().classification();
        let mut key = FeatureKey::new(self.tokenizer(), &args.model);
        for e in examples {
            key.add(&e.text_a).add(&e.text_b).add(e.label.key());
        }
        key.add(args.regression)
            .add(self.multi_label.is_some())
            .add(args.sliding_window)
            .add(args.stride.to_bits());
        for (label, id) in &args.labels_map {
            key.add((label, id));
        }
        let name = format!(
            "{}_{}_{}",
            self.spec.arch.model_type(),
            args.model.max_seq_length,
            self.num_labels()
        );
        cached(&args.model, mode, &name, &key, || {
            self.featurise(examples, mode)
        })
    }

    /// Features of `examples`, tokenised in parallel.
    pub(crate) fn featurise(
        &self,
        examples: &[Example],
        mode: Mode,
    ) -> Result<Features, ClassificationError> {
        if self.args().classification().sliding_window {
            return self.featurise_windows(examples, mode);
        }
        let max_len = self.args().model().max_seq_length;
        let tokenizer = self.tokenizer();
        let encoded = self.base.try_featurise(mode, examples, |_, e| {
            let input = match &e.text_b {
                Some(b) => TextInput::Pair(&e.text_a, b),
                None => TextInput::Single(&e.text_a),
            };
            tokenizer.encode(input, max_len)
        })?;
        Ok(Features {
            ids: encoded.iter().map(|e| to_i64(e.get_ids())).collect(),
            type_ids: encoded.iter().map(|e| to_i64(e.get_type_ids())).collect(),
            targets: self.targets(examples)?,
            windows_of: None,
        })
    }

    /// Every text cut into windows (see [`crate::window`]), each with the special tokens the
    /// tokenizer's template puts around a single sequence; rows keep their example's target.
    fn featurise_windows(
        &self,
        examples: &[Example],
        mode: Mode,
    ) -> Result<Features, ClassificationError> {
        let args = self.args().classification();
        let max_len = args.model.max_seq_length;
        let tokenizer = self.tokenizer();
        let (prefix, suffix) = tokenizer.single_sequence_frame()?;
        let (prefix, suffix) = (to_i64(&prefix), to_i64(&suffix));
        let (prefix, suffix) = (prefix.as_slice(), suffix.as_slice());
        let bucket = max_len.saturating_sub(prefix.len() + suffix.len()).max(1);
        let step = crate::window::stride_tokens(max_len, args.stride);
        let per_example = self.base.try_featurise(mode, examples, |_, e| {
            if e.text_b.is_some() {
                return Err(ClassificationError::Unsupported(
                    "sliding_window with sentence pairs (as in Python)",
                ));
            }
            let encoding = tokenizer
                .inner()
                .encode(e.text_a.as_str(), false)
                .map_err(|err| st_core::tokenizer::TokenizerError::Encode(err.to_string()))?;
            let ids = to_i64(encoding.get_ids());
            Ok(crate::window::windows(&ids, bucket, step)
                .into_iter()
                .map(|w| [prefix, w, suffix].concat())
                .collect::<Vec<_>>())
        })?;
        let windows_of: Vec<usize> = per_example
            .iter()
            .enumerate()
            .flat_map(|(i, ws)| std::iter::repeat_n(i, ws.len()))
            .collect();
        let ids: Vec<Vec<i64>> = per_example.into_iter().flatten().collect();
        let targets = self.targets(examples)?.select(&windows_of);
        Ok(Features {
            type_ids: ids.iter().map(|w| vec![0; w.len()]).collect(),
            ids,
            targets,
            windows_of: Some(windows_of),
        })
    }

    /// The training targets of `examples`: classes, values or multi-hot rows.
    pub(crate) fn targets(&self, examples: &[Example]) -> Result<Targets, ClassificationError> {
        if self.multi_label.is_some() {
            return Ok(Targets::MultiHot(self.multi_hot_targets(examples)?));
        }
        if self.args().classification().regression {
            let values = examples
                .iter()
                .enumerate()
                .map(|(index, e)| {
                    e.label.as_f64().map(|v| v as f32).ok_or_else(|| {
                        ClassificationError::NotANumber {
                            index,
                            label: e.label.key(),
                        }
                    })
                })
                .collect::<Result<_, _>>()?;
            return Ok(Targets::Values(values));
        }
        let classes = examples
            .iter()
            .enumerate()
            .map(|(index, e)| self.class_of(index, &e.label))
            .collect::<Result<_, _>>()?;
        Ok(Targets::Classes(classes))
    }

    fn multi_hot_targets(
        &self,
        examples: &[Example],
    ) -> Result<Vec<Vec<f32>>, ClassificationError> {
        let n = self.num_labels();
        examples
            .iter()
            .enumerate()
            .map(|(index, e)| {
                let bad = |message: String| ClassificationError::BadMultiHot { index, message };
                match &e.label {
                    Label::MultiHot(v) if v.len() != n => Err(bad(format!(
                        "multi-hot label has {} values, expected {n}",
                        v.len()
                    ))),
                    Label::MultiHot(v) if v.iter().any(|&x| x > 1) => Err(bad(format!(
                        "multi-hot label {v:?} has values other than 0 and 1"
                    ))),
                    Label::MultiHot(v) => Ok(v.iter().map(|&x| f32::from(x)).collect()),
                    other => Err(bad(format!("label {other} is not a multi-hot list"))),
                }
            })
            .collect()
    }

    fn class_of(&self, index: usize, label: &Label) -> Result<usize, ClassificationError> {
        self.label_ids
            .get(&label.key())
            .copied()
            .ok_or_else(|| ClassificationError::UnknownLabel {
                index,
                label: label.key(),
                expected: self
                    .labels
                    .iter()
                    .map(Label::key)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Rows `indices` of `features` as one padded batch.
    pub(crate) fn batch_input<BB: Backend>(
        &self,
        features: &Features,
        indices: &[usize],
        device: &BB::Device,
    ) -> EncoderInput<BB> {
        let ids: Vec<&[i64]> = indices
            .iter()
            .map(|&i| features.ids[i].as_slice())
            .collect();
        let types: Vec<&[i64]> = indices
            .iter()
            .map(|&i| features.type_ids[i].as_slice())
            .collect();
        EncoderInput::from_rows(
            &ids,
            Some(&types),
            i64::from(self.tokenizer().pad_id()),
            self.spec.arch.uses_token_type_ids(),
            device,
        )
    }
}

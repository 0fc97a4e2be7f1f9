//! Sentences → windows → word logits and tags: featurisation (with the feature cache),
//! batching, the loss over labelled tokens, and batched inference.

use burn::module::AutodiffModule;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{ElementConversion, Int, Tensor};
use st_core::task::{
    BatchOrder, FeatureKey, Mode, TaskModel, cached, for_each_batch, mean_loss, values,
};
use st_models::EncoderInput;
use st_models::loss::cross_entropy;

use super::{Batch, NerError, NerModel, NerPredictions, Objective, TaggedWord, WordLogits};
use crate::data::{Sentence, label_list};
use crate::features::{Featurizer, IGNORE_INDEX, Window};
use crate::model::TokenClassifier;

impl<B: AutodiffBackend> NerModel<B> {
    /// The tags, in class-index order.
    pub fn labels(&self) -> &[String] {
        &self.args().labels_list
    }

    /// Every tag of `sentences` must be a known label and every word must have one.
    pub(super) fn check(&self, sentences: &[Sentence]) -> Result<(), NerError> {
        for (i, s) in sentences.iter().enumerate() {
            if s.words.len() != s.labels.len() {
                return Err(NerError::LabelCount {
                    sentence: i,
                    words: s.words.len(),
                    labels: s.labels.len(),
                });
            }
            if let Some(w) = s
                .labels
                .iter()
                .position(|l| !self.label_ids.contains_key(l))
            {
                return Err(NerError::UnknownLabel {
                    sentence: i,
                    word: w,
                    text: s.words[w].clone(),
                    label: s.labels[w].clone(),
                    expected: label_list(self.labels()),
                });
            }
        }
        Ok(())
    }

    /// The windows of `sentences` (checked first), tokenised in parallel.
    pub(super) fn featurise(
        &self,
        sentences: &[Sentence],
        mode: Mode,
    ) -> Result<Vec<Window>, NerError> {
        self.check(sentences)?;
        let featurizer = Featurizer::new(self.tokenizer(), self.args().model.max_seq_length)?;
        let per_sentence = self.base.try_featurise(mode, sentences, |i, s| {
            featurizer.windows(i, s, |w| self.label_ids[&s.labels[w]] as i64)
        })?;
        Ok(per_sentence.into_iter().flatten().collect())
    }

    /// [`NerModel::featurise`] through the feature cache, keyed by the sentences, the
    /// tokenizer and the labels.
    pub(super) fn cached_windows(
        &self,
        sentences: &[Sentence],
        mode: Mode,
    ) -> Result<Vec<Window>, NerError> {
        if sentences.is_empty() {
            return Err(NerError::Empty);
        }
        let args = &self.args().model;
        let mut key = FeatureKey::new(self.tokenizer(), args);
        for s in sentences {
            key.add(&s.words).add(&s.labels);
        }
        key.add(self.labels());
        let name = format!(
            "{}_{}_{}",
            self.spec.arch.model_type(),
            args.max_seq_length,
            self.labels().len()
        );
        cached(args, mode, &name, &key, || self.featurise(sentences, mode))
    }

    /// The tag of a word and its probability, from its first sub-token's logits.
    pub(super) fn tag(&self, logits: &WordLogits) -> (String, f32) {
        let Some(first) = logits.first() else {
            return (self.labels()[0].clone(), 0.0);
        };
        let (best, max) =
            first.iter().enumerate().fold(
                (0, f32::NEG_INFINITY),
                |b, (i, &v)| if v > b.1 { (i, v) } else { b },
            );
        let sum: f32 = first.iter().map(|v| (v - max).exp()).sum();
        (self.labels()[best].clone(), 1.0 / sum)
    }

    /// Every word's sub-token logits, sentence by sentence (`lengths` words each), from
    /// batches of `eval_batch_size` windows; with `with_loss` also the mean batch loss.
    pub(super) fn word_outputs(
        &self,
        model: &TokenClassifier<B::InnerBackend>,
        lengths: &[usize],
        windows: &[Window],
        with_loss: bool,
        show_progress: bool,
    ) -> Result<(Vec<Vec<WordLogits>>, f64), NerError> {
        let mut outputs: Vec<Vec<WordLogits>> =
            lengths.iter().map(|&n| vec![Vec::new(); n]).collect();
        let (mut loss_sum, mut batches) = (0.0f64, 0usize);
        let sizes: Vec<usize> = windows.iter().map(|w| w.ids.len()).collect();
        let (order, label) = if with_loss {
            (BatchOrder::AsGiven, "Running evaluation")
        } else {
            (BatchOrder::LongestFirst, "Running prediction")
        };
        let batch_size = self.args().model.eval_batch_size;
        for_each_batch(&sizes, batch_size, order, show_progress, label, |rows| {
            let chunk: Vec<&Window> = rows.iter().map(|&i| &windows[i]).collect();
            let batch = self.batch::<B::InnerBackend>(&chunk, &self.base.device);
            let logits = model.forward(batch.input);
            let [n, seq, labels] = logits.dims();
            if with_loss && !batch.targets.is_empty() {
                let loss = self.objective_loss(logits.clone(), &batch.positions, &batch.targets);
                loss_sum += loss.into_scalar().elem::<f64>();
                batches += 1;
            }
            let flat = values(logits)?;
            for (row, window) in chunk.iter().enumerate().take(n) {
                for word in &window.words {
                    outputs[window.sentence][word.word] = word
                        .tokens
                        .clone()
                        .map(|t| {
                            let at = (row * seq + t) * labels;
                            flat[at..at + labels].to_vec()
                        })
                        .collect();
                }
            }
            Ok::<(), NerError>(())
        })?;
        Ok((outputs, mean_loss(loss_sum, batches)))
    }

    /// Tag sentences given as words (Python's `split_on_space=False`).
    pub fn predict_words<S: AsRef<str> + Sync>(
        &self,
        sentences: &[Vec<S>],
    ) -> Result<NerPredictions, NerError> {
        self.base.compute(|| {
            let placeholder = self.labels()[0].as_str();
            let sentences: Vec<Sentence> = sentences
                .iter()
                .map(|words| Sentence::unlabelled(words.iter().map(|w| w.as_ref()), placeholder))
                .collect();
            let windows = self.featurise(&sentences, Mode::Eval)?;
            let show = !self.args().model.silent;
            let model = self.base.module.valid();
            let lengths: Vec<usize> = sentences.iter().map(Sentence::len).collect();
            let (outputs, _) = self.word_outputs(&model, &lengths, &windows, false, show)?;
            let predictions = sentences
                .iter()
                .zip(&outputs)
                .map(|(sentence, words)| {
                    (sentence.words.iter().zip(words))
                        .map(|(word, logits)| {
                            let (tag, score) = self.tag(logits);
                            TaggedWord {
                                word: word.clone(),
                                tag,
                                score,
                            }
                        })
                        .collect()
                })
                .collect();
            Ok((predictions, outputs))
        })
    }

    /// Pad `windows` into one batch; the labelled positions and their tag indices go with it.
    pub(super) fn batch<BB: Backend>(&self, windows: &[&Window], device: &BB::Device) -> Batch<BB> {
        let seq = windows.iter().map(|w| w.ids.len()).max().unwrap_or(0);
        let (mut positions, mut targets) = (Vec::new(), Vec::new());
        for (row, window) in windows.iter().enumerate() {
            for (t, &label) in window.labels.iter().enumerate() {
                if label != IGNORE_INDEX {
                    positions.push((row * seq + t) as i64);
                    targets.push(label);
                }
            }
        }
        let ids: Vec<&[i64]> = windows.iter().map(|w| w.ids.as_slice()).collect();
        Batch {
            input: EncoderInput::from_rows(
                &ids,
                None,
                i64::from(self.tokenizer().pad_id()),
                self.spec.arch.uses_token_type_ids(),
                device,
            ),
            positions,
            targets,
        }
    }

    /// The loss over the labelled tokens only (sub-tokens after a word's first and special
    /// tokens are never selected, which is what Python's `ignore_index` -100 achieves).
    pub(super) fn objective_loss<BB: Backend>(
        &self,
        logits: Tensor<BB, 3>,
        positions: &[i64],
        targets: &[i64],
    ) -> Tensor<BB, 1> {
        let device = logits.device();
        let [rows, seq, labels] = logits.dims();
        let selected = logits
            .reshape([rows * seq, labels])
            .select(0, Tensor::<BB, 1, Int>::from_ints(positions, &device));
        let targets = Tensor::from_ints(targets, &device);
        match &self.objective {
            Objective::Custom(loss) => loss.forward(selected, targets),
            Objective::CrossEntropy(weight) => {
                let weight = weight
                    .as_deref()
                    .map(|w| Tensor::<BB, 1>::from_floats(w, &device));
                cross_entropy(selected, targets, weight)
            }
        }
    }
}

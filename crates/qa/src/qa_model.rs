//! `QuestionAnsweringModel`: Simple Transformers' extractive question answering as features +
//! head + metrics on the shared [`TaskModel`] lifecycle.

use std::ops::Range;
use std::path::Path;

use burn::module::AutodiffModule;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{ElementConversion, Int, Tensor};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use st_core::backend::{DeviceRequest, TrainBackend};
use st_core::hub::HubOptions;
use st_core::task::{
    ArgsInput, BatchOrder, FeatureKey, Mode, Prepared, TaskBase, TaskModel, cached, for_each_batch,
    mean_loss, pick, values,
};
use st_core::text::TextFile;
use st_core::train::{EvalResults, TrainError};
use st_core::weights::NameMap;
use st_models::{EncoderInput, EncoderSpec, HeadTask, ModelError, SameNames, assemble};

use crate::args::QaArgs;
use crate::data::{Context, DataError, LazySquad, check_answers, check_unique_ids, read_squad};
use crate::decode::{DecodeOptions, Decoded, NBestAnswer, WindowLogits, decode};
use crate::features::{FeatureError, Featurizer, Window};
use crate::model::{SpanExtractor, save_span_extractor, span_head, span_loss};
pub use crate::results::{AnswerComparison, QaAnswer, QaProbability, QaTexts, calculate_results};

/// What can go wrong in a question-answering model.
#[derive(Debug, thiserror::Error)]
pub enum QaError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Core(#[from] st_core::Error),
    #[error(transparent)]
    Train(#[from] TrainError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Features(#[from] FeatureError),
    #[error("no questions given")]
    Empty,
}

st_core::core_error_conversions!(QaError);

/// Constructor options besides `model_type` and `model_name` (Python's keyword arguments).
#[derive(Debug, Clone, Default)]
pub struct QaOptions {
    /// Arguments replacing a saved `model_args.json` (Python: an args object).
    pub args: Option<QaArgs>,
    /// A JSON object of arguments merged over the saved ones (Python: an args dict).
    pub overrides: Option<serde_json::Value>,
    pub device: DeviceRequest,
    pub hub: HubOptions,
}

pub use crate::results::QaMetrics;

/// Windows of a set of contexts, with where each question's windows are.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Featurised {
    windows: Vec<Window>,
    /// Per question (flat order): its windows.
    ranges: Vec<Range<usize>>,
}

/// Featurised evaluation data: the contexts (decoding cuts answers from them) and their
/// windows.
#[derive(Debug, Clone)]
pub struct EvalRows {
    contexts: Vec<Context>,
    features: Featurised,
}

/// A padded batch with its answer positions.
#[derive(Debug)]
pub struct Batch<B: Backend> {
    input: EncoderInput<B>,
    start_positions: Tensor<B, 1, Int>,
    end_positions: Tensor<B, 1, Int>,
}

/// Training windows, or a lazily read file.
pub type TrainRows = st_core::task::TrainRows<Window, LazySquad>;

/// Extractive question answering with Simple Transformers' API.
#[derive(Debug)]
pub struct QuestionAnsweringModel<B: AutodiffBackend = TrainBackend> {
    base: TaskBase<B, SpanExtractor<B>, QaArgs>,
    spec: EncoderSpec,
}

impl QuestionAnsweringModel<TrainBackend> {
    /// Load `model_name` (local directory or hub id) as a `model_type` question-answering
    /// model on the default backend. A base model gets a new `qa_outputs` head.
    pub fn new(model_type: &str, model_name: &str, options: QaOptions) -> Result<Self, QaError> {
        let device = options.device.device()?;
        Self::with_device(model_type, model_name, options, device)
    }
}

/// Whether any context has a question.
fn has_questions(contexts: &[Context]) -> Result<(), QaError> {
    if contexts.iter().all(|c| c.qas.is_empty()) {
        return Err(QaError::Empty);
    }
    Ok(())
}

impl<B: AutodiffBackend> QuestionAnsweringModel<B> {
    fn featurizer(&self) -> Result<Featurizer<'_>, QaError> {
        let args = self.args();
        Ok(Featurizer::new(
            self.tokenizer(),
            args.model.max_seq_length,
            args.max_query_length,
            args.doc_stride,
        )?)
    }

    /// The windows of every question of `contexts`, made in parallel. `labelled` checks and
    /// locates the answers (training, evaluation).
    fn featurise(
        &self,
        contexts: &[Context],
        labelled: bool,
        mode: Mode,
    ) -> Result<Featurised, QaError> {
        let featurizer = self.featurizer()?;
        let firsts: Vec<usize> = contexts
            .iter()
            .scan(0, |n, c| {
                let first = *n;
                *n += c.qas.len();
                Some(first)
            })
            .collect();
        let per_context = self.base.try_featurise(mode, contexts, |i, c| {
            featurizer.windows(c, firsts[i], labelled)
        })?;
        let windows: Vec<Window> = per_context.into_iter().flatten().collect();
        let questions: usize = contexts.iter().map(|c| c.qas.len()).sum();
        let mut ranges = vec![0..0; questions];
        // A question's windows are consecutive (every question has at least one).
        for (i, w) in windows.iter().enumerate() {
            let range = &mut ranges[w.question];
            if range.end == 0 {
                range.start = i;
            }
            range.end = i + 1;
        }
        Ok(Featurised { windows, ranges })
    }

    /// [`QuestionAnsweringModel::featurise`] of labelled data through the feature cache.
    fn cached_features(&self, contexts: &[Context], mode: Mode) -> Result<Featurised, QaError> {
        let args = self.args();
        let mut key = FeatureKey::new(self.tokenizer(), &args.model);
        key.add(contexts)
            .add(args.doc_stride)
            .add(args.max_query_length);
        let name = format!(
            "{}_{}",
            self.spec.arch.model_type(),
            args.model.max_seq_length
        );
        cached(&args.model, mode, &name, &key, || {
            self.featurise(contexts, true, mode)
        })
    }

    /// Answer questions with each question's `n_best_size` best answers (Python's
    /// `predict(to_predict, n_best_size)`); see [`TaskModel::predict`].
    pub fn predict_n_best(
        &self,
        to_predict: &[Context],
        n_best_size: usize,
    ) -> Result<(Vec<QaAnswer>, Vec<QaProbability>), QaError> {
        self.base.compute(|| {
            has_questions(to_predict)?;
            check_unique_ids(to_predict)?;
            let features = self.featurise(to_predict, false, Mode::Eval)?;
            let model = self.base.module.valid();
            let show = !self.args().model.silent;
            let (logits, _) = self.run(&model, &features.windows, false, show)?;
            let decoded = self.decode_all(to_predict, &features, &logits, n_best_size);
            let questions = to_predict.iter().flat_map(|c| &c.qas);
            Ok(questions
                .zip(decoded)
                .map(|(q, d)| {
                    let (answer, probability) =
                        d.nbest.into_iter().map(|a| (a.text, a.probability)).unzip();
                    (
                        QaAnswer {
                            id: q.id.clone(),
                            answer,
                        },
                        QaProbability {
                            id: q.id.clone(),
                            probability,
                        },
                    )
                })
                .unzip())
        })
    }

    fn decode_all(
        &self,
        contexts: &[Context],
        features: &Featurised,
        logits: &[WindowLogits],
        n_best_size: usize,
    ) -> Vec<Decoded> {
        let options = DecodeOptions {
            n_best_size,
            max_answer_length: self.args().max_answer_length,
            null_score_diff_threshold: self.args().null_score_diff_threshold,
        };
        let texts: Vec<&str> = contexts
            .iter()
            .flat_map(|c| c.qas.iter().map(|_| c.context.as_str()))
            .collect();
        features
            .ranges
            .par_iter()
            .zip(texts)
            .map(|(range, text)| {
                let windows: Vec<&Window> = features.windows[range.clone()].iter().collect();
                let logits: Vec<&WindowLogits> = logits[range.clone()].iter().collect();
                decode(text, &windows, &logits, &options)
            })
            .collect()
    }

    /// Start / end logits of every window (in `windows`' order), from batches of
    /// `eval_batch_size` windows of similar length; with `with_loss` also the mean batch loss.
    fn run(
        &self,
        model: &SpanExtractor<B::InnerBackend>,
        windows: &[Window],
        with_loss: bool,
        show_progress: bool,
    ) -> Result<(Vec<WindowLogits>, f64), QaError> {
        let lengths: Vec<usize> = windows.iter().map(|w| w.ids.len()).collect();
        let mut out = vec![
            WindowLogits {
                start: Vec::new(),
                end: Vec::new(),
            };
            windows.len()
        ];
        let (mut loss_sum, mut batches) = (0.0f64, 0usize);
        let batch_size = self.args().model.eval_batch_size;
        let label = if with_loss {
            "Running evaluation"
        } else {
            "Running prediction"
        };
        // Every window's logits are kept separately, so batching by length never changes a
        // result, and the loss is the same mean whatever the order.
        for_each_batch(
            &lengths,
            batch_size,
            BatchOrder::LongestFirst,
            show_progress,
            label,
            |rows| {
                let chosen: Vec<&Window> = rows.iter().map(|&i| &windows[i]).collect();
                let batch = self.batch::<B::InnerBackend>(&chosen, &self.base.device);
                let logits = model.forward(batch.input);
                let [n, seq] = logits.start.dims();
                if with_loss {
                    let loss =
                        span_loss(logits.clone(), batch.start_positions, batch.end_positions);
                    loss_sum += loss.into_scalar().elem::<f64>();
                    batches += 1;
                }
                let (start, end) = (values(logits.start)?, values(logits.end)?);
                for (row, &i) in rows.iter().enumerate().take(n) {
                    let (len, at) = (windows[i].ids.len(), row * seq);
                    out[i] = WindowLogits {
                        start: start[at..at + len].to_vec(),
                        end: end[at..at + len].to_vec(),
                    };
                }
                Ok::<(), QaError>(())
            },
        )?;
        Ok((out, mean_loss(loss_sum, batches)))
    }

    /// Write Python's three prediction files into `dir` (each replaced atomically; other files
    /// in `dir` are kept).
    fn write_predictions(
        &self,
        contexts: &[Context],
        decoded: &[Decoded],
        dir: &Path,
    ) -> Result<(), QaError> {
        let questions: Vec<&str> = contexts
            .iter()
            .flat_map(|c| c.qas.iter().map(|q| q.id.as_str()))
            .collect();
        let mut predictions = serde_json::Map::new();
        let mut nbest = serde_json::Map::new();
        let mut null_odds = serde_json::Map::new();
        for (id, d) in questions.iter().zip(decoded) {
            predictions.insert(id.to_string(), d.prediction.clone().into());
            let answers: Vec<&NBestAnswer> = d.nbest.iter().collect();
            nbest.insert(
                id.to_string(),
                serde_json::to_value(answers).unwrap_or_default(),
            );
            null_odds.insert(id.to_string(), d.score_diff.into());
        }
        let io = |e| QaError::Core(st_core::Error::io(dir, e));
        let staged = st_core::staging::StagedDir::new(dir).map_err(io)?;
        for (name, value) in [
            ("predictions_test.json", predictions),
            ("nbest_predictions_test.json", nbest),
            ("null_odds_test.json", null_odds),
        ] {
            let text = serde_json::to_string_pretty(&value).unwrap_or_default();
            let path = staged.path().join(name);
            std::fs::write(&path, text + "\n").map_err(|e| st_core::Error::io(&path, e))?;
        }
        staged.commit_into().map_err(io)?;
        Ok(())
    }

    /// Pad `windows` into one batch with their answer positions.
    fn batch<BB: Backend>(&self, windows: &[&Window], device: &BB::Device) -> Batch<BB> {
        let ids: Vec<&[i64]> = windows.iter().map(|w| w.ids.as_slice()).collect();
        let types: Vec<&[i64]> = windows.iter().map(|w| w.type_ids.as_slice()).collect();
        let positions = |f: fn(&Window) -> i64| {
            let v: Vec<i64> = windows.iter().map(|w| f(w)).collect();
            Tensor::<BB, 1, Int>::from_ints(v.as_slice(), device)
        };
        Batch {
            input: EncoderInput::from_rows(
                &ids,
                Some(&types),
                i64::from(self.tokenizer().pad_id()),
                self.spec.arch.uses_token_type_ids(),
                device,
            ),
            start_positions: positions(|w| w.start_position),
            end_positions: positions(|w| w.end_position),
        }
    }
}

impl<B: AutodiffBackend> TaskModel<B> for QuestionAnsweringModel<B> {
    type Args = QaArgs;
    type Options = QaOptions;
    type Error = QaError;
    type Module = SpanExtractor<B>;
    type Example = Context;
    type Input<'a> = Context;
    type Predictions = (Vec<QaAnswer>, Vec<QaProbability>);
    type Metrics = QaMetrics;
    type EvalDetails = (QaTexts, Vec<Decoded>);
    type EvalOutput = (EvalResults, QaTexts);
    type TrainRows = TrainRows;
    type EvalRows = EvalRows;
    type Batch = Batch<B>;

    fn with_device(
        model_type: &str,
        model_name: &str,
        options: QaOptions,
        device: B::Device,
    ) -> Result<Self, QaError> {
        let input = ArgsInput {
            args: options.args.as_ref(),
            overrides: options.overrides.as_ref(),
        };
        let prepared = Prepared::<QaArgs>::open(model_type, model_name, input, &options.hub)?;
        let special = prepared.args.special_tokens_list.clone();
        let task = HeadTask::QuestionAnswering;
        let (base, spec) = assemble(model_type, prepared, &special, task, span_head, device)?;
        Ok(Self { base, spec })
    }

    fn base(&self) -> &TaskBase<B, SpanExtractor<B>, QaArgs> {
        &self.base
    }

    fn base_mut(&mut self) -> &mut TaskBase<B, SpanExtractor<B>, QaArgs> {
        &mut self.base
    }

    /// A JSON list of contexts in Simple Transformers' SQuAD shape, in the `encoding`
    /// argument's encoding (as Python reads QA files).
    fn read_examples(&self, path: &Path) -> Result<Vec<Context>, QaError> {
        let file = TextFile::new(path, self.args().model.encoding.as_deref());
        Ok(read_squad(file)?)
    }

    /// Training uses each question's first answer.
    fn train_rows(&self, contexts: &[Context]) -> Result<TrainRows, QaError> {
        has_questions(contexts)?;
        check_answers(contexts)?;
        Ok(TrainRows::Memory(
            self.cached_features(contexts, Mode::Train)?.windows,
        ))
    }

    /// With `lazy_loading`, a JSONL file (one context per line) indexed up front and read
    /// question by question as batches need them; otherwise a JSON list read whole.
    fn train_rows_from_file(&self, path: &Path) -> Result<TrainRows, QaError> {
        let args = self.args();
        if !args.lazy_loading {
            return self.train_rows(&self.read_examples(path)?);
        }
        let file = TextFile::new(path, args.model.encoding.as_deref());
        Ok(TrainRows::Lazy(LazySquad::index(file)?))
    }

    fn num_train_rows(rows: &TrainRows) -> usize {
        rows.len()
    }

    fn train_batch(
        &self,
        rows: &TrainRows,
        indices: &[usize],
        _seed: u64,
        device: &B::Device,
    ) -> Result<Batch<B>, QaError> {
        Ok(match rows {
            TrainRows::Memory(windows) => self.batch::<B>(&pick(windows, indices), device),
            TrainRows::Lazy(file) => {
                let contexts = file.read(indices)?;
                let features = self.featurise(&contexts, true, Mode::Train)?;
                let refs: Vec<&Window> = features.windows.iter().collect();
                self.batch::<B>(&refs, device)
            }
        })
    }

    fn loss(&self, module: &SpanExtractor<B>, batch: Batch<B>) -> Tensor<B, 1> {
        let logits = module.forward(batch.input);
        span_loss(logits, batch.start_positions, batch.end_positions)
    }

    fn eval_rows(&self, contexts: &[Context]) -> Result<EvalRows, QaError> {
        has_questions(contexts)?;
        check_answers(contexts)?;
        check_unique_ids(contexts)?;
        Ok(EvalRows {
            features: self.cached_features(contexts, Mode::Eval)?,
            contexts: contexts.to_vec(),
        })
    }

    /// Python's `correct` (prediction equals the first gold answer, both stripped), `similar`
    /// (one contains the other), `incorrect`, and `eval_loss` (the training loss on the
    /// evaluation windows; Python's is the mean start logit, a bug), plus the official SQuAD
    /// `exact` and `f1` (percent, best over all gold answers) and the extra metrics.
    fn evaluate(
        &self,
        module: &<SpanExtractor<B> as AutodiffModule<B>>::InnerModule,
        rows: &EvalRows,
        metrics: &QaMetrics,
        show_progress: bool,
    ) -> Result<(EvalResults, Self::EvalDetails), QaError> {
        let features = &rows.features;
        let (logits, eval_loss) = self.run(module, &features.windows, true, show_progress)?;
        let decoded = self.decode_all(&rows.contexts, features, &logits, self.args().n_best_size);
        let predictions: Vec<&str> = decoded.iter().map(|d| d.prediction.as_str()).collect();
        let (mut result, texts) = calculate_results(&rows.contexts, &predictions, metrics)?;
        result.insert("eval_loss".into(), eval_loss);
        Ok((result, (texts, decoded)))
    }

    fn metric_names(&self, metrics: &QaMetrics) -> Vec<String> {
        let builtin = [
            "correct",
            "similar",
            "incorrect",
            "exact",
            "f1",
            "eval_loss",
        ];
        (builtin.into_iter().map(String::from))
            .chain(metrics.iter().map(|m| m.name().to_string()))
            .collect()
    }

    /// Python's `(result, texts)`; writes `predictions_test.json`,
    /// `nbest_predictions_test.json` and `null_odds_test.json` into `args.output_dir`.
    fn eval_output(
        &self,
        contexts: &[Context],
        results: EvalResults,
        (texts, decoded): Self::EvalDetails,
    ) -> Result<(EvalResults, QaTexts), QaError> {
        let dir = Path::new(&self.args().model.output_dir);
        self.write_predictions(contexts, &decoded, dir)?;
        Ok((results, texts))
    }

    /// Each question's `n_best_size` best answers (Python's `(answers, probabilities)`), best
    /// first, the empty string standing for "no answer in the context". Gold answers, if
    /// present, are ignored. [`QuestionAnsweringModel::predict_n_best`] takes another size.
    fn predict_inputs(
        &self,
        contexts: &[Context],
    ) -> Result<(Vec<QaAnswer>, Vec<QaProbability>), QaError> {
        self.predict_n_best(contexts, self.args().n_best_size)
    }

    fn name_map(&self) -> Box<dyn NameMap + '_> {
        Box::new(self.spec.task_names(Box::new(SameNames)))
    }

    /// Weights and `config.json`: the directory loads in Python `transformers` as
    /// `AutoModelForQuestionAnswering`.
    fn write_weights(&self, module: &SpanExtractor<B>, dir: &Path) -> Result<(), QaError> {
        save_span_extractor(module, &self.spec, dir)?;
        Ok(())
    }
}

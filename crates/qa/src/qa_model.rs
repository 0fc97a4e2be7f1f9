//! `QuestionAnsweringModel`: Simple Transformers' extractive question answering on the shared
//! trainer.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use burn::module::AutodiffModule;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{ElementConversion, Int, Tensor};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use st_core::args::Args;
use st_core::backend::{DeviceRequest, TrainBackend};
use st_core::hub::{HubOptions, resolve_model_dir};
use st_core::metrics::{Metrics, squad_scores};
use st_core::tokenizer::{Tokenizer, TokenizerOptions};
use st_core::train::{EvalResults, Task, TrainError, TrainOptions, TrainOutput, train};
use st_core::weights::{NamedParameter, named_parameters};
use st_models::{EncoderInput, ModelError};

use crate::args::QaArgs;
use crate::data::{Context, DataError, LazySquad, check_answers, check_unique_ids, read_squad};
use crate::decode::{DecodeOptions, Decoded, NBestAnswer, WindowLogits, decode};
use crate::features::{FeatureError, Featurizer, Window};
use crate::model::{
    LoadedSpanExtractor, SpanExtractor, load_span_extractor, save_span_extractor, span_loss,
};

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

macro_rules! into_core {
    ($($t:ty),*) => {$(
        impl From<$t> for QaError {
            fn from(e: $t) -> Self {
                Self::Core(e.into())
            }
        }
    )*};
}
into_core!(
    st_core::args::ArgsError,
    st_core::hub::HubError,
    st_core::backend::BackendError,
    st_core::tokenizer::TokenizerError,
    st_core::metrics::MetricError
);

/// Constructor options besides `model_type` and `model_name` (Python's keyword arguments).
#[derive(Debug, Clone, Default)]
pub struct QaOptions {
    pub args: QaArgs,
    pub device: DeviceRequest,
    pub hub: HubOptions,
}

/// Extra metrics: called with the first gold answer of every question (empty when impossible)
/// and the predicted answers, as Python's `**kwargs` metrics are.
pub type QaMetrics = Metrics<String, String>;

/// A question whose prediction was not exactly right (Python's `similar_text` /
/// `incorrect_text` entries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerComparison {
    pub truth: String,
    pub predicted: String,
    pub question: String,
}

/// Python's `texts`: which questions were answered correctly, similarly or incorrectly.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QaTexts {
    pub correct_text: BTreeMap<String, String>,
    pub similar_text: BTreeMap<String, AnswerComparison>,
    pub incorrect_text: BTreeMap<String, AnswerComparison>,
}

/// The n best answers of a question (Python's `{"id", "answer": [...]}`), best first; the
/// empty string is the "no answer" answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QaAnswer {
    pub id: String,
    pub answer: Vec<String>,
}

/// The probabilities of those answers (Python's `{"id", "probability": [...]}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QaProbability {
    pub id: String,
    pub probability: Vec<f64>,
}

/// Windows of a set of contexts, with where each question's windows are.
struct Featurised {
    windows: Vec<Window>,
    /// Per question (flat order): its windows.
    ranges: Vec<Range<usize>>,
}

/// Extractive question answering with Simple Transformers' API.
#[derive(Debug)]
pub struct QuestionAnsweringModel<B: AutodiffBackend = TrainBackend> {
    extractor: LoadedSpanExtractor<B>,
    tokenizer: Tokenizer,
    /// The arguments in effect.
    pub args: QaArgs,
    device: B::Device,
    source_dir: PathBuf,
}

impl QuestionAnsweringModel<TrainBackend> {
    /// Load `model_name` (local directory or hub id) as a `model_type` question-answering
    /// model on the default backend. A base model gets a new `qa_outputs` head.
    pub fn new(model_type: &str, model_name: &str, options: QaOptions) -> Result<Self, QaError> {
        let device = options.device.device()?;
        Self::with_device(model_type, model_name, options, device)
    }
}

impl<B: AutodiffBackend> QuestionAnsweringModel<B> {
    /// Load on an explicit device of any autodiff backend.
    pub fn with_device(
        model_type: &str,
        model_name: &str,
        options: QaOptions,
        device: B::Device,
    ) -> Result<Self, QaError> {
        let dir = resolve_model_dir(model_name, &options.hub)?;
        let mut args = QaArgs::default();
        args.load_from_dir(&dir)?;
        if options.args != QaArgs::default() {
            args = options.args;
        }
        args.model.model_type = Some(model_type.to_string());
        args.model.model_name = Some(model_name.to_string());
        // As Python seeds before building the model, so that a new head is reproducible.
        if let Some(seed) = args.model.manual_seed {
            B::seed(&device, seed);
        }
        let mut extractor = load_span_extractor::<B>(model_type, &dir, false, &device)?;
        let mut tokenizer = Tokenizer::from_dir(
            &dir,
            &TokenizerOptions {
                do_lower_case: args.model.do_lower_case,
                special_tokens: extractor.arch.special_tokens(),
                ignore_tokenizer_json: false,
            },
        )?;
        if !args.special_tokens_list.is_empty() {
            let added = tokenizer.add_special_tokens(&args.special_tokens_list);
            extractor = extractor.with_vocab_size(tokenizer.vocab_size());
            tracing::info!(added, "special_tokens_list added to the tokenizer");
        }
        Ok(Self {
            extractor,
            tokenizer,
            args,
            device,
            source_dir: dir,
        })
    }

    /// The tokenizer, with any `special_tokens_list` tokens added.
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// The model's parameters by Hugging Face name (`get_named_parameters()`).
    pub fn get_named_parameters(&self) -> Vec<String> {
        named_parameters(&self.extractor.model, &self.extractor.names(), true)
            .into_iter()
            .map(|p| p.hf_name)
            .collect()
    }

    fn featurizer(&self) -> Result<Featurizer<'_>, QaError> {
        Ok(Featurizer::new(
            &self.tokenizer,
            self.args.model.max_seq_length,
            self.args.max_query_length,
            self.args.doc_stride,
        )?)
    }

    /// The windows of every question of `contexts`, made in parallel. `labelled` checks and
    /// locates the answers (training, evaluation).
    fn featurise(&self, contexts: &[Context], labelled: bool) -> Result<Featurised, QaError> {
        let featurizer = self.featurizer()?;
        let firsts: Vec<usize> = contexts
            .iter()
            .scan(0, |n, c| {
                let first = *n;
                *n += c.qas.len();
                Some(first)
            })
            .collect();
        let per_context = contexts
            .par_iter()
            .zip(firsts)
            .map(|(c, first)| featurizer.windows(c, first, labelled))
            .collect::<Result<Vec<_>, _>>()?;
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

    /// Fine-tune on `train_data` (evaluating on `eval_data` during training when the args say
    /// so), then save to `output_dir`. Training uses each question's first answer.
    pub fn train_model(
        &mut self,
        train_data: &[Context],
        eval_data: Option<&[Context]>,
        extra_metrics: QaMetrics,
    ) -> Result<TrainOutput, QaError> {
        if train_data.iter().all(|c| c.qas.is_empty()) {
            return Err(QaError::Empty);
        }
        check_answers(train_data)?;
        let windows = self.featurise(train_data, true)?.windows;
        self.train_on(TrainSource::Memory(windows), eval_data, extra_metrics)
    }

    /// Fine-tune on a file: a JSON list of contexts, or with `lazy_loading` a JSONL file (one
    /// context per line) indexed up front and read question by question as batches need them.
    pub fn train_model_from_file(
        &mut self,
        path: &Path,
        eval_data: Option<&[Context]>,
        extra_metrics: QaMetrics,
    ) -> Result<TrainOutput, QaError> {
        if !self.args.lazy_loading {
            let contexts = read_squad(path)?;
            return self.train_model(&contexts, eval_data, extra_metrics);
        }
        let lazy = LazySquad::index(path)?;
        self.train_on(TrainSource::Lazy(lazy), eval_data, extra_metrics)
    }

    fn train_on(
        &mut self,
        source: TrainSource,
        eval_data: Option<&[Context]>,
        extra_metrics: QaMetrics,
    ) -> Result<TrainOutput, QaError> {
        let eval = eval_data
            .map(|contexts| -> Result<_, QaError> {
                check_answers(contexts)?;
                check_unique_ids(contexts)?;
                Ok((contexts, self.featurise(contexts, true)?))
            })
            .transpose()?;
        let mut task = QaTask {
            owner: self,
            train: source,
            eval,
            extra_metrics,
        };
        let model = task.owner.extractor.model.clone();
        let args = task.owner.args.model.clone();
        let device = task.owner.device.clone();
        let (model, output) = train(&mut task, model, &args, &TrainOptions::default(), &device)?;
        self.extractor.model = model;
        Ok(output)
    }

    /// Evaluate on questions with gold answers: Python's `(result, texts)`.
    ///
    /// `result` has Python's `correct` (prediction equals the first gold answer, both
    /// stripped), `similar` (one contains the other), `incorrect`, and `eval_loss` (the
    /// training loss on the evaluation windows; Python's is the mean start logit, a bug), plus
    /// the official SQuAD `exact` and `f1` (percent, best over all gold answers) and the extra
    /// metrics. Writes `predictions_test.json`, `nbest_predictions_test.json` and
    /// `null_odds_test.json` into `args.output_dir`.
    pub fn eval_model(
        &self,
        eval_data: &[Context],
        extra_metrics: &QaMetrics,
    ) -> Result<(EvalResults, QaTexts), QaError> {
        if eval_data.iter().all(|c| c.qas.is_empty()) {
            return Err(QaError::Empty);
        }
        check_answers(eval_data)?;
        check_unique_ids(eval_data)?;
        let features = self.featurise(eval_data, true)?;
        let show = !self.args.model.silent;
        let model = self.extractor.model.valid();
        let (result, texts, decoded) =
            self.evaluate_features(&model, eval_data, &features, extra_metrics, show)?;
        self.write_predictions(eval_data, &decoded, Path::new(&self.args.model.output_dir))?;
        Ok((result, texts))
    }

    fn evaluate_features(
        &self,
        model: &SpanExtractor<B::InnerBackend>,
        contexts: &[Context],
        features: &Featurised,
        extra_metrics: &QaMetrics,
        show_progress: bool,
    ) -> Result<(EvalResults, QaTexts, Vec<Decoded>), QaError> {
        let (logits, eval_loss) = self.run(model, &features.windows, true, show_progress)?;
        let decoded = self.decode_all(contexts, features, &logits, self.args.n_best_size);
        let predictions: Vec<&str> = decoded.iter().map(|d| d.prediction.as_str()).collect();
        let (mut result, texts) = calculate_results(contexts, &predictions, extra_metrics)?;
        result.insert("eval_loss".into(), eval_loss);
        Ok((result, texts, decoded))
    }

    /// Answer questions: Python's `(answers, probabilities)`, each question's `n_best_size`
    /// (default `args.n_best_size`) best answers, best first, the empty string standing for
    /// "no answer in the context". Gold answers, if present, are ignored.
    pub fn predict(
        &self,
        to_predict: &[Context],
        n_best_size: Option<usize>,
    ) -> Result<(Vec<QaAnswer>, Vec<QaProbability>), QaError> {
        if to_predict.iter().all(|c| c.qas.is_empty()) {
            return Err(QaError::Empty);
        }
        check_unique_ids(to_predict)?;
        let features = self.featurise(to_predict, false)?;
        let model = self.extractor.model.valid();
        let (logits, _) = self.run(&model, &features.windows, false, !self.args.model.silent)?;
        let n_best = n_best_size.unwrap_or(self.args.n_best_size);
        let decoded = self.decode_all(to_predict, &features, &logits, n_best);
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
            max_answer_length: self.args.max_answer_length,
            null_score_diff_threshold: self.args.null_score_diff_threshold,
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
        let batch_size = self.args.model.eval_batch_size.max(1);
        let bar = progress_bar(windows.len().div_ceil(batch_size), show_progress);
        let mut order: Vec<usize> = (0..windows.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(windows[i].ids.len()));
        let mut out = vec![
            WindowLogits {
                start: Vec::new(),
                end: Vec::new(),
            };
            windows.len()
        ];
        let (mut loss_sum, mut batches) = (0.0f64, 0usize);
        for chunk in order.chunks(batch_size) {
            let chosen: Vec<&Window> = chunk.iter().map(|&i| &windows[i]).collect();
            let batch = self.batch::<B::InnerBackend>(&chosen, &self.device);
            let logits = model.forward(batch.input);
            let [rows, seq] = logits.start.dims();
            if with_loss {
                let loss = span_loss(logits.clone(), batch.start_positions, batch.end_positions);
                loss_sum += loss.into_scalar().elem::<f64>();
                batches += 1;
            }
            let read = |t: Tensor<B::InnerBackend, 2>| -> Result<Vec<f32>, QaError> {
                t.into_data()
                    .convert::<f32>()
                    .to_vec()
                    .map_err(|e| st_core::Error::Other(format!("reading logits: {e:?}")).into())
            };
            let (start, end) = (read(logits.start)?, read(logits.end)?);
            for (row, &i) in chunk.iter().enumerate().take(rows) {
                let len = windows[i].ids.len();
                let at = row * seq;
                out[i] = WindowLogits {
                    start: start[at..at + len].to_vec(),
                    end: end[at..at + len].to_vec(),
                };
            }
            bar.inc(1);
        }
        bar.finish_and_clear();
        Ok((out, loss_sum / batches.max(1) as f64))
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

    /// Save a directory that reloads here (with its `model_args.json`) and in Python
    /// `transformers` (`AutoModelForQuestionAnswering`), atomically.
    pub fn save_model(&self, output_dir: &Path) -> Result<(), QaError> {
        let staged = st_core::staging::StagedDir::new(output_dir)
            .map_err(|e| st_core::Error::io(output_dir, e))?;
        self.write_model(&self.extractor.model, staged.path())?;
        staged
            .commit()
            .map_err(|e| st_core::Error::io(output_dir, e))?;
        Ok(())
    }

    fn write_model(&self, model: &SpanExtractor<B>, dir: &Path) -> Result<(), QaError> {
        let snapshot = self.extractor.with_model(model.clone());
        save_span_extractor(&snapshot, &self.source_dir, dir)?;
        if !self.args.special_tokens_list.is_empty() {
            // The source's tokenizer files lack the added tokens: write ours over them.
            self.tokenizer.save_json(&dir.join("tokenizer.json"))?;
        }
        self.args.save(dir)?;
        Ok(())
    }

    /// Pad `windows` into one batch with their answer positions.
    fn batch<BB: Backend>(&self, windows: &[&Window], device: &BB::Device) -> Batch<BB> {
        let seq = windows.iter().map(|w| w.ids.len()).max().unwrap_or(0);
        let pad = i64::from(self.tokenizer.pad_id());
        let mut ids = vec![pad; windows.len() * seq];
        let mut mask = vec![0i64; windows.len() * seq];
        let mut types = vec![0i64; windows.len() * seq];
        for (row, window) in windows.iter().enumerate() {
            let span = row * seq..row * seq + window.ids.len();
            ids[span.clone()].copy_from_slice(&window.ids);
            types[span.clone()].copy_from_slice(&window.type_ids);
            mask[span].fill(1);
        }
        let shape = [windows.len(), seq];
        let tensor = |v: &[i64]| Tensor::<BB, 1, Int>::from_ints(v, device).reshape(shape);
        let positions = |f: fn(&Window) -> i64| {
            let v: Vec<i64> = windows.iter().map(|w| f(w)).collect();
            Tensor::<BB, 1, Int>::from_ints(v.as_slice(), device)
        };
        Batch {
            input: EncoderInput {
                input_ids: tensor(&ids),
                attention_mask: tensor(&mask),
                token_type_ids: self
                    .extractor
                    .arch
                    .uses_token_type_ids()
                    .then(|| tensor(&types)),
                position_ids: None,
            },
            start_positions: positions(|w| w.start_position),
            end_positions: positions(|w| w.end_position),
        }
    }
}

/// Python's `calculate_results` plus the official SQuAD scores: `predictions` holds one answer
/// per question of `truth`, in order.
pub fn calculate_results<S: AsRef<str>>(
    truth: &[Context],
    predictions: &[S],
    extra_metrics: &QaMetrics,
) -> Result<(EvalResults, QaTexts), QaError> {
    let questions: Vec<_> = truth.iter().flat_map(|c| &c.qas).collect();
    let mut texts = QaTexts::default();
    let (mut true_answers, mut predicted, mut golds) = (Vec::new(), Vec::new(), Vec::new());
    for (q, prediction) in questions.iter().zip(predictions) {
        let prediction = prediction.as_ref();
        let answer = q.answers.first().map_or("", |a| a.text.as_str());
        let (p, a) = (prediction.trim(), answer.trim());
        let comparison = || AnswerComparison {
            truth: answer.to_string(),
            predicted: prediction.to_string(),
            question: q.question.clone(),
        };
        if p == a {
            texts.correct_text.insert(q.id.clone(), answer.to_string());
        } else if a.contains(p) || p.contains(a) {
            texts.similar_text.insert(q.id.clone(), comparison());
        } else {
            texts.incorrect_text.insert(q.id.clone(), comparison());
        }
        true_answers.push(answer.to_string());
        predicted.push(prediction.to_string());
        golds.push(
            q.answers
                .iter()
                .map(|a| a.text.as_str())
                .collect::<Vec<_>>(),
        );
    }
    let official = squad_scores(&predicted, &golds)?;
    let mut result = EvalResults::new();
    result.insert("correct".into(), texts.correct_text.len() as f64);
    result.insert("similar".into(), texts.similar_text.len() as f64);
    result.insert("incorrect".into(), texts.incorrect_text.len() as f64);
    result.insert("exact".into(), official.exact);
    result.insert("f1".into(), official.f1);
    result.extend(extra_metrics.evaluate(&true_answers, &predicted));
    Ok((result, texts))
}

fn progress_bar(len: usize, show: bool) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("Running prediction {pos}/{len} {wide_bar}")
    {
        bar.set_style(style);
    }
    bar
}

/// A padded batch with its answer positions.
struct Batch<B: Backend> {
    input: EncoderInput<B>,
    start_positions: Tensor<B, 1, Int>,
    end_positions: Tensor<B, 1, Int>,
}

/// Where training questions come from.
enum TrainSource {
    /// Featurised up front: training examples are windows.
    Memory(Vec<Window>),
    /// Read and featurised batch by batch: training examples are questions (a question's
    /// windows all join its batch).
    Lazy(LazySquad),
}

/// The trainer's view of a question-answering model.
struct QaTask<'a, B: AutodiffBackend> {
    owner: &'a QuestionAnsweringModel<B>,
    train: TrainSource,
    eval: Option<(&'a [Context], Featurised)>,
    extra_metrics: QaMetrics,
}

impl<B: AutodiffBackend> Task<B> for QaTask<'_, B> {
    type Model = SpanExtractor<B>;
    type Batch = Batch<B>;

    fn num_train_examples(&self) -> usize {
        match &self.train {
            TrainSource::Memory(windows) => windows.len(),
            TrainSource::Lazy(file) => file.len(),
        }
    }

    fn train_batch(&self, indices: &[usize], device: &B::Device) -> Result<Batch<B>, TrainError> {
        let task_error = |e: QaError| TrainError::Task(e.to_string());
        match &self.train {
            TrainSource::Memory(windows) => {
                let chosen: Vec<&Window> = indices.iter().map(|&i| &windows[i]).collect();
                Ok(self.owner.batch::<B>(&chosen, device))
            }
            TrainSource::Lazy(file) => {
                let contexts = file.read(indices).map_err(|e| task_error(e.into()))?;
                let features = self.owner.featurise(&contexts, true).map_err(task_error)?;
                let refs: Vec<&Window> = features.windows.iter().collect();
                Ok(self.owner.batch::<B>(&refs, device))
            }
        }
    }

    fn loss(&self, model: &Self::Model, batch: Batch<B>) -> Tensor<B, 1> {
        let logits = model.forward(batch.input);
        span_loss(logits, batch.start_positions, batch.end_positions)
    }

    fn has_eval_data(&self) -> bool {
        self.eval.is_some()
    }

    fn evaluate(&mut self, model: &Self::Model) -> Result<EvalResults, TrainError> {
        let (contexts, features) = self.eval.as_ref().ok_or(TrainError::NoEvalData)?;
        let show = !(self.owner.args.model.silent
            || self.owner.args.model.evaluate_during_training_silent);
        self.owner
            .evaluate_features(
                &model.valid(),
                contexts,
                features,
                &self.extra_metrics,
                show,
            )
            .map(|(result, _, _)| result)
            .map_err(|e| TrainError::Task(e.to_string()))
    }

    fn named_parameters(&self, model: &Self::Model) -> Vec<NamedParameter> {
        named_parameters(model, &self.owner.extractor.names(), true)
    }

    fn save(&self, model: &Self::Model, dir: &Path) -> Result<(), TrainError> {
        self.owner
            .write_model(model, dir)
            .map_err(|e| TrainError::Task(e.to_string()))
    }
}

//! `ConvAIModel`: GPT-2's double heads fine-tuned on PersonaChat dialogues — the language
//! model learns the gold replies, the multiple-choice head tells them from distractors — on
//! the shared [`TaskModel`] lifecycle.

use std::path::Path;
use std::sync::atomic::AtomicU64;

use burn::module::AutodiffModule;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{ElementConversion, Tensor};
use serde_json::Value;
use st_core::backend::{DeviceRequest, TrainBackend};
use st_core::hub::HubOptions;
use st_core::metrics::{Average, f1_score};
use st_core::task::{ArgsInput, BatchOrder, Mode, Prepared, TaskBase, TaskModel, pick};
use st_core::train::{EvalResults, TrainError};
use st_core::weights::NameMap;
use st_models::decoder::{DoubleHeadsNames, Gpt2DoubleHeads, load_double_heads, save_double_heads};
use st_models::{DecoderSpec, ModelError};

use crate::args::ConvAIArgs;
use crate::chat::Turn;
use crate::data::{DataError, Dialogue, for_each_dialogue, read_dialogues};
use crate::inputs::{
    ConvBatch, Instance, InstanceSettings, SPECIAL_TOKENS, SpecialIds, TokenizedDialogue,
    TokenizedUtterance, dialogue_instances,
};

/// Dialogues tokenised at a time when a file is streamed.
const DIALOGUES_PER_CHUNK: usize = 256;

/// What can go wrong in a ConvAI model.
#[derive(Debug, thiserror::Error)]
pub enum ConvAIError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Core(#[from] st_core::Error),
    #[error(transparent)]
    Train(#[from] TrainError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Generate(#[from] st_models::generate::GenerateError),
    #[error("{0}")]
    Unsupported(String),
}

st_core::core_error_conversions!(ConvAIError);

/// Constructor options besides `model_type` and `model_name` (Python's keyword arguments).
#[derive(Debug, Clone, Default)]
pub struct ConvAIOptions {
    /// Arguments replacing a saved `model_args.json` (Python: an args object).
    pub args: Option<ConvAIArgs>,
    /// A JSON object of arguments merged over the saved ones (Python: an args dict).
    pub overrides: Option<Value>,
    pub device: DeviceRequest,
    pub hub: HubOptions,
}

/// Persona chat with GPT-2's double heads (Simple Transformers' `ConvAIModel`).
#[derive(Debug)]
pub struct ConvAIModel<B: AutodiffBackend = TrainBackend> {
    pub(crate) base: TaskBase<B, Gpt2DoubleHeads<B>, ConvAIArgs>,
    pub(crate) spec: DecoderSpec,
    pub(crate) ids: SpecialIds,
    /// Replies generated so far: each call samples from its own seed.
    pub(crate) calls: AtomicU64,
}

impl ConvAIModel<TrainBackend> {
    /// Load `model_name` (a local directory or a hub id: a `GPT2DoubleHeadsModel`, or a
    /// GPT-2 language model whose multiple-choice head is then new) on the default backend.
    pub fn new(
        model_type: &str,
        model_name: &str,
        options: ConvAIOptions,
    ) -> Result<Self, ConvAIError> {
        let device = options.device.device()?;
        Self::with_device(model_type, model_name, options, device)
    }
}

/// Python's `model_type`s that have no implementation here.
fn refuse(model_type: &str) -> Option<ConvAIError> {
    let why = match model_type {
        "gpt" => "OpenAI GPT (OpenAIGPTDoubleHeadsModel) is not implemented; use gpt2",
        "blender" | "blender-small" => {
            "Blenderbot is not implemented (Python can only run it, not train it); use gpt2"
        }
        _ => return None,
    };
    Some(ConvAIError::Unsupported(format!(
        "model_type {model_type:?}: {why}"
    )))
}

impl<B: AutodiffBackend> ConvAIModel<B> {
    /// The module, trained or as loaded.
    pub fn module(&self) -> &Gpt2DoubleHeads<B> {
        &self.base.module
    }

    /// The special tokens' ids.
    pub fn special_ids(&self) -> SpecialIds {
        self.ids
    }

    fn settings(&self, num_candidates: usize) -> InstanceSettings {
        InstanceSettings {
            num_candidates,
            history_window: self.base.args.history_window(),
            personality_permutations: self.base.args.personality_permutations,
        }
    }

    /// The candidates per utterance, fixed by the first utterance of the data as in Python:
    /// all of its candidates for evaluation, at most `num_candidates` for training.
    fn num_candidates(&self, first: &Dialogue, mode: Mode) -> usize {
        let available = first.utterances.first().map_or(0, |u| u.candidates.len());
        match mode {
            Mode::Train => available.min(self.base.args.num_candidates),
            Mode::Eval => available,
        }
    }

    fn tokenize_dialogue(&self, dialogue: &Dialogue) -> Result<TokenizedDialogue, ConvAIError> {
        let tokenizer = &self.base.tokenizer;
        let all = |texts: &[String]| -> Result<Vec<Vec<u32>>, ConvAIError> {
            texts
                .iter()
                .map(|t| Ok(tokenizer.encode_plain(t)?))
                .collect()
        };
        Ok(TokenizedDialogue {
            personality: all(&dialogue.personality)?,
            utterances: (dialogue.utterances.iter())
                .map(|u| {
                    Ok(TokenizedUtterance {
                        history: all(&u.history)?,
                        candidates: all(&u.candidates)?,
                    })
                })
                .collect::<Result<_, ConvAIError>>()?,
        })
    }

    /// Dialogues `first_index..` tokenised in parallel and turned into instances.
    fn instances(
        &self,
        dialogues: &[Dialogue],
        first_index: usize,
        settings: &InstanceSettings,
        mode: Mode,
    ) -> Result<Vec<Instance>, ConvAIError> {
        let per_dialogue = self.base.try_featurise(mode, dialogues, |i, dialogue| {
            let tokenized = self.tokenize_dialogue(dialogue)?;
            Ok::<_, ConvAIError>(dialogue_instances(
                &tokenized,
                first_index + i,
                settings,
                &self.ids,
            )?)
        })?;
        Ok(per_dialogue.into_iter().flatten().collect())
    }

    /// Instances of dialogues held in memory.
    pub fn instances_of(
        &self,
        dialogues: &[Dialogue],
        mode: Mode,
    ) -> Result<Vec<Instance>, ConvAIError> {
        let first = dialogues.first().ok_or(ConvAIError::Unsupported(
            "no dialogues: PersonaChat data needs at least one".into(),
        ))?;
        let settings = self.settings(self.num_candidates(first, mode));
        self.instances(dialogues, 0, &settings, mode)
    }

    /// Instances of a PersonaChat file, read a chunk of dialogues at a time (the text is
    /// never held whole, only the token ids).
    pub fn instances_from_file(
        &self,
        path: &Path,
        mode: Mode,
    ) -> Result<Vec<Instance>, ConvAIError> {
        let mut out = Vec::new();
        let mut chunk: Vec<Dialogue> = Vec::with_capacity(DIALOGUES_PER_CHUNK);
        let mut settings = None;
        let mut first_index = 0;
        let mut flush = |chunk: &mut Vec<Dialogue>, settings: &InstanceSettings, first: usize| {
            out.extend(self.instances(chunk, first, settings, mode)?);
            chunk.clear();
            Ok::<_, ConvAIError>(())
        };
        for_each_dialogue(path, |index, dialogue| {
            let settings = *settings
                .get_or_insert_with(|| self.settings(self.num_candidates(&dialogue, mode)));
            chunk.push(dialogue);
            if chunk.len() == DIALOGUES_PER_CHUNK {
                flush(&mut chunk, &settings, first_index)?;
                first_index = index + 1;
            }
            Ok::<_, ConvAIError>(())
        })?;
        if let Some(settings) = settings {
            flush(&mut chunk, &settings, first_index)?;
        }
        Ok(out)
    }

    fn batch<C: burn::tensor::backend::Backend>(
        &self,
        instances: &[&Instance],
        device: &C::Device,
    ) -> ConvBatch<C> {
        ConvBatch::new(instances, self.ids.pad, device)
    }
}

impl<B: AutodiffBackend> TaskModel<B> for ConvAIModel<B> {
    type Args = ConvAIArgs;
    type Options = ConvAIOptions;
    type Error = ConvAIError;
    type Module = Gpt2DoubleHeads<B>;
    type Example = Dialogue;
    type Input<'a> = Turn<'a>;
    type Predictions = Vec<String>;
    type Metrics = ();
    type EvalDetails = ();
    type EvalOutput = EvalResults;
    type TrainRows = Vec<Instance>;
    type EvalRows = Vec<Instance>;
    type Batch = ConvBatch<B>;

    /// Python adds `<bos> <eos> <pad> <speaker1> <speaker2>` to the tokenizer (those it
    /// lacks) and grows the embeddings to match; so does this.
    fn with_device(
        model_type: &str,
        model_name: &str,
        options: ConvAIOptions,
        device: B::Device,
    ) -> Result<Self, ConvAIError> {
        if let Some(refusal) = refuse(model_type) {
            return Err(refusal);
        }
        let input = ArgsInput {
            args: options.args.as_ref(),
            overrides: options.overrides.as_ref(),
        };
        let prepared = Prepared::<ConvAIArgs>::open(model_type, model_name, input, &options.hub)?;
        let mut spec = DecoderSpec::new(model_type, prepared.config.clone(), &prepared.model_dir)?;
        TaskBase::<B, Gpt2DoubleHeads<B>, ConvAIArgs>::seed(&prepared.args, &device);
        let (model, _) = load_double_heads::<B>(&spec, &prepared.model_dir, &device)?;
        let added: Vec<String> = SPECIAL_TOKENS.map(String::from).into();
        let (mut tokenizer, grew) =
            spec.tokenizer_with(&prepared.tokenizer_dir, &prepared.args.model, &added)?;
        let model = if grew {
            model.resize_token_embeddings(spec.config.vocab_size)
        } else {
            model
        };
        tokenizer.set_pad_token("<pad>")?;
        let ids = SpecialIds::of(&tokenizer)?;
        let base = TaskBase::new(prepared, model, tokenizer, grew, device)?;
        Ok(Self {
            base,
            spec,
            ids,
            calls: AtomicU64::new(0),
        })
    }

    fn base(&self) -> &TaskBase<B, Gpt2DoubleHeads<B>, ConvAIArgs> {
        &self.base
    }

    fn base_mut(&mut self) -> &mut TaskBase<B, Gpt2DoubleHeads<B>, ConvAIArgs> {
        &mut self.base
    }

    /// A PersonaChat JSON file.
    fn read_examples(&self, path: &Path) -> Result<Vec<Dialogue>, ConvAIError> {
        Ok(read_dialogues(path)?)
    }

    fn train_rows(&self, dialogues: &[Dialogue]) -> Result<Vec<Instance>, ConvAIError> {
        self.instances_of(dialogues, Mode::Train)
    }

    /// A PersonaChat file streamed a chunk of dialogues at a time.
    fn train_rows_from_file(&self, path: &Path) -> Result<Vec<Instance>, ConvAIError> {
        self.instances_from_file(path, Mode::Train)
    }

    fn num_train_rows(rows: &Vec<Instance>) -> usize {
        rows.len()
    }

    fn train_batch(
        &self,
        rows: &Vec<Instance>,
        indices: &[usize],
        _seed: u64,
        device: &B::Device,
    ) -> Result<ConvBatch<B>, ConvAIError> {
        Ok(self.batch(&pick(rows, indices), device))
    }

    /// `lm_coef · lm_loss + mc_coef · mc_loss`, as Python trains.
    fn loss(&self, module: &Gpt2DoubleHeads<B>, batch: ConvBatch<B>) -> Tensor<B, 1> {
        let (lm, mc) = module.losses(&batch.input, batch.targets, batch.mc_labels);
        let args = &self.base.args;
        lm.mul_scalar(args.lm_coef) + mc.mul_scalar(args.mc_coef)
    }

    fn eval_rows(&self, dialogues: &[Dialogue]) -> Result<Vec<Instance>, ConvAIError> {
        self.instances_of(dialogues, Mode::Eval)
    }

    /// Python's `language_model_loss` and `f1_score` (the multiple-choice head's macro F1),
    /// each the mean over batches of `eval_batch_size`; also `mc_accuracy` (the share of
    /// utterances whose gold reply scores highest; chance is 1 / candidates) and `eval_loss`,
    /// the training loss `lm_coef · lm + mc_coef · mc` (means over batches), which
    /// `early_stopping_metric` and the best model use by default.
    fn evaluate(
        &self,
        module: &<Gpt2DoubleHeads<B> as AutodiffModule<B>>::InnerModule,
        rows: &Vec<Instance>,
        _metrics: &(),
        show_progress: bool,
    ) -> Result<(EvalResults, ()), ConvAIError> {
        let lengths: Vec<usize> = rows.iter().map(Instance::max_len).collect();
        let (mut lm_sum, mut mc_sum, mut f1_sum, mut batches) = (0.0, 0.0, 0.0, 0usize);
        let (mut correct, mut total) = (0usize, 0usize);
        st_core::task::for_each_batch(
            &lengths,
            self.base.args.model.eval_batch_size,
            BatchOrder::AsGiven,
            show_progress,
            "Running Evaluation",
            |indices| -> Result<(), ConvAIError> {
                let instances = pick(rows, indices);
                let batch = self.batch::<B::InnerBackend>(&instances, &self.base.device);
                let (lm, scores) = module.lm_loss_and_scores(&batch.input, batch.targets);
                let mc = st_models::loss::cross_entropy(scores.clone(), batch.mc_labels, None);
                lm_sum += lm.into_scalar().elem::<f64>();
                mc_sum += mc.into_scalar().elem::<f64>();
                let choices = batch.input.choices;
                let scores = st_core::task::values(scores)?;
                let preds: Vec<usize> = scores.chunks(choices).map(st_core::task::argmax).collect();
                let labels: Vec<usize> = instances.iter().map(|i| i.mc_label()).collect();
                f1_sum += f1_score(&labels, &preds, Average::Macro)?;
                correct += labels.iter().zip(&preds).filter(|(l, p)| l == p).count();
                total += labels.len();
                batches += 1;
                Ok(())
            },
        )?;
        let mean = |sum: f64| st_core::task::mean_loss(sum, batches);
        let args = &self.base.args;
        let mut results = EvalResults::new();
        results.insert("language_model_loss".into(), mean(lm_sum));
        results.insert("f1_score".into(), mean(f1_sum));
        results.insert("mc_accuracy".into(), correct as f64 / total.max(1) as f64);
        results.insert(
            "eval_loss".into(),
            args.lm_coef * mean(lm_sum) + args.mc_coef * mean(mc_sum),
        );
        Ok((results, ()))
    }

    fn metric_names(&self, _metrics: &()) -> Vec<String> {
        [
            "eval_loss",
            "language_model_loss",
            "f1_score",
            "mc_accuracy",
        ]
        .map(String::from)
        .into()
    }

    fn eval_output(
        &self,
        _dialogues: &[Dialogue],
        results: EvalResults,
        _details: (),
    ) -> Result<EvalResults, ConvAIError> {
        Ok(results)
    }

    /// A reply to each turn (see [`ConvAIModel::interact_single`]), decoded in one batch.
    fn predict_inputs(&self, turns: &[Turn<'_>]) -> Result<Vec<String>, ConvAIError> {
        self.replies(turns)
    }

    fn name_map(&self) -> Box<dyn NameMap + '_> {
        Box::new(DoubleHeadsNames)
    }

    /// Saved as `GPT2DoubleHeadsModel` (loads in Python `transformers`).
    fn write_weights(&self, module: &Gpt2DoubleHeads<B>, dir: &Path) -> Result<(), ConvAIError> {
        Ok(save_double_heads(module, &self.spec, dir)?)
    }

    /// The weights, the tokenizer (with the five tokens) and `model_args.json`, and the
    /// tokens' roles in `tokenizer_config.json`, so that `transformers` loads `<pad>` as the
    /// padding token, `<bos>` / `<eos>` as such, and the speakers as special tokens.
    fn write_model(&self, module: &Gpt2DoubleHeads<B>, dir: &Path) -> Result<(), ConvAIError> {
        self.write_weights(module, dir)?;
        self.base.write_tokenizer_and_args(dir)?;
        crate::chat::write_token_roles(dir)?;
        Ok(())
    }
}

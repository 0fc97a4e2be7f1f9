//! `MultiModalClassificationModel`: MMBT on the shared [`TaskModel`] lifecycle.

use std::path::Path;
use std::sync::RwLock;

use burn::module::AutodiffModule;
use burn::tensor::Tensor;
use burn::tensor::backend::AutodiffBackend;
use serde_json::Value;
use st_core::backend::{DeviceRequest, TrainBackend};
use st_core::hub::HubOptions;
use st_core::metrics::Metrics;
use st_core::task::{ArgsInput, Mode, Prepared, TaskBase, TaskModel, pick};
use st_core::train::EvalResults;
use st_core::weights::NameMap;
use st_models::image::{ResNetConfig, load_resnet_dir};
use st_models::mmbt::{MmbtConfig, MmbtNames, load_mmbt, save_mmbt};
use st_models::{EncoderSpec, MmbtClassifier, ModelError, ResNet};

use crate::MultiModalClassificationArgs;
use crate::data::{DataSource, MultiModalExample, MultiModalLabel, read_data};
use crate::error::MultiModalError;
use crate::features::{Batch, Labelling, Problem, Row, Targets, batch, calculate_weights, row};
use crate::outputs::{EvalOutput, Prediction, Predictions};
use crate::pixels::ImageTransform;

/// Constructor options besides `model_type` and `model_name` (Python's keyword arguments).
#[derive(Debug, Clone, Default)]
pub struct MultiModalOptions {
    /// Several labels per sample (BCE with logits, threshold 0.5).
    pub multi_label: bool,
    /// The labels, as strings (Python's `label_list`); default `"0"`..`"n-1"`.
    pub label_list: Option<Vec<String>>,
    /// How many labels; from `label_list` when given, else the saved model's, else 2.
    pub num_labels: Option<usize>,
    /// Multi-label BCE weight of each label's positives.
    pub pos_weight: Option<Vec<f32>>,
    /// Python's `train_model(auto_weights=True)` (see
    /// [`MultiModalClassificationModel::set_auto_weights`]).
    pub auto_weights: bool,
    /// Arguments replacing a saved `model_args.json` (Python: an args object).
    pub args: Option<MultiModalClassificationArgs>,
    /// A JSON object of arguments merged over the saved ones (Python: an args dict).
    pub overrides: Option<Value>,
    pub device: DeviceRequest,
    pub hub: HubOptions,
}

/// One sample to predict for: its text and image file.
#[derive(Debug, Clone, Copy)]
pub struct MultiModalInput<'a> {
    pub text: &'a str,
    pub image: &'a Path,
}

/// Images and text classified together (Simple Transformers' `MultiModalClassificationModel`).
#[derive(Debug)]
pub struct MultiModalClassificationModel<B: AutodiffBackend = TrainBackend> {
    pub(crate) base: TaskBase<B, MmbtClassifier<B>, MultiModalClassificationArgs>,
    pub(crate) spec: EncoderSpec,
    pub(crate) mmbt: MmbtConfig,
    pub(crate) labelling: Labelling,
    /// BCE `pos_weight` (multi-label); `auto_weights` replaces it when training starts.
    pub(crate) pos_weight: RwLock<Option<Vec<f32>>>,
    pub(crate) auto_weights: bool,
    pub(crate) transform: ImageTransform,
    pub(crate) source: DataSource,
}

impl MultiModalClassificationModel<TrainBackend> {
    /// Load `model_name` (a BERT directory or hub id, or a saved multimodal model) as a
    /// `model_type` (`bert`) multimodal classifier on the default backend.
    pub fn new(
        model_type: &str,
        model_name: &str,
        options: MultiModalOptions,
    ) -> Result<Self, MultiModalError> {
        let device = options.device.device()?;
        Self::with_device(model_type, model_name, options, device)
    }
}

/// The labels: `label_list`, else `"0"..` for `num_labels`, else the saved `id2label`, else 2.
fn resolve_labels(
    options: &MultiModalOptions,
    config: &Value,
    regression: bool,
) -> Result<Vec<String>, MultiModalError> {
    let saved = st_models::task::config_num_labels(config);
    let labels = match (&options.label_list, options.num_labels) {
        (Some(list), Some(n)) if list.len() != n => {
            return Err(MultiModalError::Invalid(format!(
                "Mismatch in num_labels ({n}) and length of label_list ({})",
                list.len()
            )));
        }
        (Some(list), _) => list.clone(),
        (None, Some(n)) => (0..n).map(|i| i.to_string()).collect(),
        (None, None) if regression => vec!["0".into()],
        (None, None) => {
            let n = saved.unwrap_or(2);
            st_models::task::config_labels(config, n)
                .into_iter()
                .enumerate()
                .map(|(i, l)| {
                    l.filter(|l| !l.starts_with("LABEL_"))
                        .unwrap_or(i.to_string())
                })
                .collect()
        }
    };
    if labels.is_empty() {
        return Err(MultiModalError::Invalid("label_list is empty".into()));
    }
    Ok(labels)
}

impl<B: AutodiffBackend> MultiModalClassificationModel<B> {
    /// The labels, in class-index order.
    pub fn labels(&self) -> &[String] {
        &self.labelling.labels
    }

    /// What the model is trained for.
    pub fn problem(&self) -> Problem {
        self.labelling.problem
    }

    /// Python's `train_model(auto_weights=True)`: a multi-label model's `pos_weight` becomes
    /// each label's inverse frequency in the training data when training starts.
    pub fn set_auto_weights(&mut self, auto_weights: bool) {
        self.auto_weights = auto_weights;
    }

    /// Multi-label BCE `pos_weight` in effect (given, or computed by `auto_weights`).
    pub fn pos_weight(&self) -> Option<Vec<f32>> {
        self.pos_weight.read().ok().and_then(|w| w.clone())
    }

    /// Replace the multi-label BCE `pos_weight` (one value per label).
    pub fn set_pos_weight(&mut self, pos_weight: Option<Vec<f32>>) {
        if let Ok(mut slot) = self.pos_weight.write() {
            *slot = pos_weight;
        }
    }

    /// Save the image encoder alone as a torchvision ResNet directory (`model.safetensors`
    /// with torchvision's names, our `config.json`): what `image_encoder_name` loads, and what
    /// `torchvision.models.resnet*().load_state_dict` takes (without `fc`, `strict=False`).
    pub fn save_image_encoder(&self, dir: &Path) -> Result<(), MultiModalError> {
        let staged =
            st_core::staging::StagedDir::new(dir).map_err(|e| st_core::Error::io(dir, e))?;
        st_models::save_resnet(
            &self.base.module.image,
            &self.mmbt.image_encoder,
            staged.path(),
        )?;
        staged.commit().map_err(|e| st_core::Error::io(dir, e))?;
        Ok(())
    }

    /// The image transform in effect (`image_size`, `crop_size`).
    pub fn transform(&self) -> &ImageTransform {
        &self.transform
    }

    /// Read labelled data: a directory of per-sample JSON files (with an optional
    /// `files_list` of stems) or a CSV/TSV/JSONL file of rows; images under `image_path`
    /// (default: as Python looks for them, see [`crate::data`]).
    pub fn read_data(
        &self,
        path: &Path,
        files_list: Option<&[String]>,
        image_path: Option<&Path>,
    ) -> Result<Vec<MultiModalExample>, MultiModalError> {
        let source = DataSource {
            image_path: image_path.map(Path::to_path_buf),
            files_list: files_list.map(<[String]>::to_vec),
        };
        Ok(read_data(path, &source, self.args(), true)?)
    }

    /// Samples to predict for, from the same formats as [`Self::read_data`] (labels may be
    /// absent), read with the model's [`DataSource`].
    pub fn read_inputs(&self, path: &Path) -> Result<Vec<MultiModalExample>, MultiModalError> {
        Ok(read_data(path, &self.source, self.args(), false)?)
    }

    /// Where [`TaskModel::read_examples`] (and [`Self::read_inputs`]) find images and which
    /// samples of a directory they read.
    pub fn set_data_source(&mut self, source: DataSource) {
        self.source = source;
    }

    /// Python's `predict({"text": [...], "images": [...]}, image_path, image_type_extension)`:
    /// each image name gets `image_type_extension` (default: the argument's) and is looked up
    /// under `image_path`.
    pub fn predict_named(
        &self,
        texts: &[&str],
        images: &[&str],
        image_path: &Path,
        image_type_extension: Option<&str>,
    ) -> Result<Predictions, MultiModalError> {
        if texts.len() != images.len() {
            return Err(MultiModalError::Invalid(format!(
                "predict: {} texts but {} images",
                texts.len(),
                images.len()
            )));
        }
        let extension = image_type_extension.unwrap_or(&self.args().image_type_extension);
        let paths: Vec<_> = images
            .iter()
            .map(|name| image_path.join(format!("{name}{extension}")))
            .collect();
        let inputs: Vec<MultiModalInput> = texts
            .iter()
            .zip(&paths)
            .map(|(&text, image)| MultiModalInput { text, image })
            .collect();
        self.predict(&inputs)
    }

    /// What the model sees of labelled `examples`, as Python's `JsonlDataset` items: the
    /// text's tokens, its frame tokens, the image file and the target.
    pub fn featurise(&self, examples: &[MultiModalExample]) -> Result<Vec<Row>, MultiModalError> {
        self.base.compute(|| self.rows(examples, Mode::Eval, true))
    }

    pub(crate) fn rows(
        &self,
        examples: &[MultiModalExample],
        mode: Mode,
        labelled: bool,
    ) -> Result<Vec<Row>, MultiModalError> {
        let max = self.args().max_text_tokens();
        let tokenizer = &self.base.tokenizer;
        self.base.try_featurise(mode, examples, |i, example| {
            let target = if labelled {
                self.labelling.target(&example.labels, i)?
            } else {
                self.labelling.placeholder()
            };
            row(tokenizer, example, target, max)
        })
    }

    pub(crate) fn make_batch<BB: burn::tensor::backend::Backend>(
        &self,
        rows: &[&Row],
        device: &BB::Device,
    ) -> Result<Batch<BB>, MultiModalError> {
        batch(rows, &self.transform, device)
    }

    /// The mean loss of `logits` against `targets` (Python's criterion).
    pub(crate) fn objective<BB: burn::tensor::backend::Backend>(
        &self,
        logits: Tensor<BB, 2>,
        targets: Targets<BB>,
    ) -> Tensor<BB, 1> {
        match targets {
            Targets::Classes(classes) => st_models::loss::cross_entropy(logits, classes, None),
            Targets::MultiHot(hot) => {
                let weight = self.pos_weight.read().ok().and_then(|w| w.clone());
                let weight = weight.map(|w| Tensor::from_floats(w.as_slice(), &logits.device()));
                st_models::loss::bce_with_logits(logits, hot, weight)
            }
            Targets::Values(values) => {
                let n = values.dims()[0];
                st_models::loss::mse(logits.reshape([n]), values)
            }
        }
    }
}

/// The image encoder of a model built from a text encoder: `image_encoder_name`'s weights, or
/// `image_encoder_type`'s shape from torchvision's initialisation.
fn image_encoder<B: AutodiffBackend>(
    args: &MultiModalClassificationArgs,
    device: &B::Device,
) -> Result<(ResNet<B>, ResNetConfig), MultiModalError> {
    if let Some(name) = &args.image_encoder_name {
        let (resnet, config, report) = load_resnet_dir::<B>(Path::new(name), true, device)?;
        if !report.unexpected.is_empty() {
            tracing::info!(
                "image encoder {name}: not used by MMBT (its classifier): {}",
                report.unexpected.join(", ")
            );
        }
        return Ok((resnet, config));
    }
    let mut config = st_models::image_encoder_architecture(&args.image_encoder_type)?.config();
    config.num_classes = None;
    tracing::warn!(
        "no image_encoder_name: the {} image encoder starts from torchvision's initialisation \
         (Python loads ImageNet weights, which this machine cannot fetch)",
        args.image_encoder_type
    );
    Ok((ResNet::new(&config, device), config))
}

impl<B: AutodiffBackend> TaskModel<B> for MultiModalClassificationModel<B> {
    type Args = MultiModalClassificationArgs;
    type Options = MultiModalOptions;
    type Error = MultiModalError;
    type Module = MmbtClassifier<B>;
    type Example = MultiModalExample;
    type Input<'a> = MultiModalInput<'a>;
    type Predictions = Predictions;
    type Metrics = Metrics<f64, f64>;
    type EvalDetails = Vec<Vec<f32>>;
    type EvalOutput = EvalOutput;
    type TrainRows = Vec<Row>;
    type EvalRows = Vec<Row>;
    type Batch = Batch<B>;

    fn with_device(
        model_type: &str,
        model_name: &str,
        options: MultiModalOptions,
        device: B::Device,
    ) -> Result<Self, MultiModalError> {
        if model_type != "bert" {
            return Err(ModelError::Incompatible(format!(
                "multimodal classification builds MMBT on a BERT encoder (model_type \"bert\", \
                 as Simple Transformers); found model_type {model_type:?}"
            ))
            .into());
        }
        let input = ArgsInput {
            args: options.args.as_ref(),
            overrides: options.overrides.as_ref(),
        };
        let mut prepared = Prepared::<MultiModalClassificationArgs>::open(
            model_type,
            model_name,
            input,
            &options.hub,
        )?;
        let config = prepared.config.clone();
        let saved_problem = config.get("problem_type").and_then(Value::as_str);
        let multi_label =
            options.multi_label || saved_problem == Some("multi_label_classification");
        let args = &mut prepared.args;
        args.regression |= options.num_labels == Some(1) || saved_problem == Some("regression");
        let labels = resolve_labels(&options, &config, args.regression)?;
        let problem = match (multi_label, args.regression || labels.len() == 1) {
            (true, _) => Problem::MultiLabel,
            (false, true) => Problem::Regression,
            (false, false) => Problem::SingleLabel,
        };
        args.regression = problem == Problem::Regression;
        if let Some(weights) = &options.pos_weight
            && weights.len() != labels.len()
        {
            return Err(MultiModalError::Invalid(format!(
                "pos_weight has {} values for {} labels",
                weights.len(),
                labels.len()
            )));
        }
        let dir = prepared.model_dir.clone();
        let mut spec = EncoderSpec::new(model_type, config.clone(), &dir)?;
        TaskBase::<B, MmbtClassifier<B>, MultiModalClassificationArgs>::seed(
            &prepared.args,
            &device,
        );
        let saved = MmbtConfig::from_hf(&config, &dir.join(st_core::hub::CONFIG_FILE))?;
        let (module, mmbt) = match saved {
            Some(mmbt) => {
                if mmbt.num_image_embeds != prepared.args.num_image_embeds {
                    tracing::warn!(
                        "{}: the model was trained with num_image_embeds {}; using it (not {})",
                        dir.display(),
                        mmbt.num_image_embeds,
                        prepared.args.num_image_embeds
                    );
                    prepared.args.num_image_embeds = mmbt.num_image_embeds;
                }
                (
                    load_mmbt::<B>(&spec, &mmbt, labels.len(), &dir, &device)?,
                    mmbt,
                )
            }
            None => {
                let mut loaded = st_models::load_encoder_spec::<B>(spec.clone(), &dir, &device)?;
                if loaded.encoder.pooler.is_none() {
                    tracing::info!(
                        "{}: no pooler weights; MMBT's pooler is newly initialised",
                        dir.display()
                    );
                    let hidden = loaded.encoder.hidden_size();
                    let std = spec.initializer_range();
                    loaded.encoder.pooler = Some(st_models::encoder::Pooler {
                        dense: st_models::layers::hf_linear(hidden, hidden, std, &device),
                    });
                }
                let (image, image_config) = image_encoder::<B>(&prepared.args, &device)?;
                let mmbt = MmbtConfig {
                    num_image_embeds: prepared.args.num_image_embeds,
                    image_encoder: image_config,
                };
                let dropout = loaded.config.hidden_dropout;
                let module = MmbtClassifier::new(
                    loaded.encoder,
                    image,
                    &mmbt,
                    dropout,
                    labels.len(),
                    &device,
                )?;
                tracing::info!(
                    "newly initialised (train this model before using it): the image projection and the classifier"
                );
                (module, mmbt)
            }
        };
        let mut module = module;
        let special_tokens = prepared.args.special_tokens_list.clone();
        let (text, tokenizer, added) = spec.attach_tokenizer(
            module.text,
            &prepared.tokenizer_dir,
            &prepared.args.model,
            &special_tokens,
        )?;
        module.text = text;
        let transform =
            ImageTransform::simple_transformers(prepared.args.image_size, prepared.args.crop_size);
        let base = TaskBase::new(prepared, module, tokenizer, added, device)?;
        Ok(Self {
            base,
            spec,
            mmbt,
            labelling: Labelling { problem, labels },
            pos_weight: RwLock::new(options.pos_weight),
            auto_weights: options.auto_weights,
            transform,
            source: DataSource::default(),
        })
    }

    fn base(&self) -> &TaskBase<B, MmbtClassifier<B>, MultiModalClassificationArgs> {
        &self.base
    }

    fn base_mut(&mut self) -> &mut TaskBase<B, MmbtClassifier<B>, MultiModalClassificationArgs> {
        &mut self.base
    }

    /// Labelled data from `path`, read with the model's [`DataSource`].
    fn read_examples(&self, path: &Path) -> Result<Vec<MultiModalExample>, MultiModalError> {
        Ok(read_data(path, &self.source, self.args(), true)?)
    }

    fn train_rows(&self, examples: &[MultiModalExample]) -> Result<Vec<Row>, MultiModalError> {
        let rows = self.rows(examples, Mode::Train, true)?;
        if self.auto_weights && self.labelling.problem == Problem::MultiLabel {
            let weights = calculate_weights(&rows, self.labelling.labels.len());
            tracing::info!("auto_weights: pos_weight {weights:?}");
            if let Ok(mut slot) = self.pos_weight.write() {
                *slot = Some(weights);
            }
        }
        Ok(rows)
    }

    fn num_train_rows(rows: &Vec<Row>) -> usize {
        rows.len()
    }

    fn train_batch(
        &self,
        rows: &Vec<Row>,
        indices: &[usize],
        _seed: u64,
        device: &B::Device,
    ) -> Result<Batch<B>, MultiModalError> {
        self.make_batch(&pick(rows, indices), device)
    }

    fn loss(&self, module: &MmbtClassifier<B>, batch: Batch<B>) -> Tensor<B, 1> {
        let logits = module.forward(batch.input);
        self.objective(logits, batch.targets)
    }

    fn eval_rows(&self, examples: &[MultiModalExample]) -> Result<Vec<Row>, MultiModalError> {
        self.rows(examples, Mode::Eval, true)
    }

    fn evaluate(
        &self,
        module: &<MmbtClassifier<B> as AutodiffModule<B>>::InnerModule,
        rows: &Vec<Row>,
        metrics: &Metrics<f64, f64>,
        show_progress: bool,
    ) -> Result<(EvalResults, Vec<Vec<f32>>), MultiModalError> {
        self.evaluate_rows(module, rows, metrics, show_progress)
    }

    fn metric_names(&self, metrics: &Metrics<f64, f64>) -> Vec<String> {
        self.builtin_metric_names()
            .into_iter()
            .map(String::from)
            .chain(metrics.iter().map(|m| m.name().to_string()))
            .collect()
    }

    fn eval_output(
        &self,
        _examples: &[MultiModalExample],
        results: EvalResults,
        outputs: Vec<Vec<f32>>,
    ) -> Result<EvalOutput, MultiModalError> {
        Ok((results, outputs))
    }

    fn predict_inputs(
        &self,
        inputs: &[MultiModalInput<'_>],
    ) -> Result<Predictions, MultiModalError> {
        let examples: Vec<MultiModalExample> = inputs
            .iter()
            .map(|i| MultiModalExample::new(i.text, MultiModalLabel::Class(String::new()), i.image))
            .collect();
        let rows = self.rows(&examples, Mode::Eval, false)?;
        let module = self.base.module.valid();
        let show = !self.args().model.silent;
        let outputs = self.outputs(&module, &rows, show, "Running Prediction")?.0;
        let predictions = outputs
            .iter()
            .map(|o| self.decide(o))
            .collect::<Vec<Prediction>>();
        Ok((predictions, outputs))
    }

    fn name_map(&self) -> Box<dyn NameMap + '_> {
        Box::new(MmbtNames::new(self.spec.arch.name_map(&self.spec.config)))
    }

    fn write_weights(&self, module: &MmbtClassifier<B>, dir: &Path) -> Result<(), MultiModalError> {
        let problem = match self.labelling.problem {
            Problem::SingleLabel => "single_label_classification",
            Problem::MultiLabel => "multi_label_classification",
            Problem::Regression => "regression",
        };
        save_mmbt(
            module,
            &self.spec,
            &self.mmbt,
            &self.labelling.labels,
            Some(problem),
            dir,
        )?;
        Ok(())
    }
}

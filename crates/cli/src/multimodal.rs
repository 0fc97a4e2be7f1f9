//! `st multimodal train|eval|predict` (Simple Transformers' `MultiModalClassificationModel`).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use st_core::backend::DeviceRequest;
use st_core::task::TaskModel;
use st_multimodal::{
    DataSource, EvalOutput, MultiModalClassificationModel, MultiModalInput, MultiModalOptions,
    Prediction, read_files_list,
};

use crate::task::{CliResult, CliTask};
use crate::tasks::NoFlags;

/// `train` flags: Python's constructor keywords and `train_model`'s `auto_weights`.
#[derive(clap::Args, Debug)]
pub struct MultiModalTrainFlags {
    /// The labels, comma-separated (Python's label_list; default "0".."n-1").
    #[arg(long, value_delimiter = ',')]
    label_list: Option<Vec<String>>,
    /// How many labels (1: regression).
    #[arg(long)]
    num_labels: Option<usize>,
    /// Several labels per sample (labels are lists).
    #[arg(long)]
    multi_label: bool,
    /// Multi-label: weigh each label's positives by its inverse frequency in the training data.
    #[arg(long)]
    auto_weights: bool,
}

/// Where the data's images are, and which samples of a directory to read.
#[derive(clap::Args, Debug)]
pub struct MultiModalDataFlags {
    /// The directory the images named in the data are in (default: a data directory's parent,
    /// as Python looks; a data file's own directory).
    #[arg(long)]
    image_path: Option<PathBuf>,
    /// A JSON list of the sample names of a data directory to read (Python's files_list).
    #[arg(long)]
    files_list: Option<PathBuf>,
}

impl CliTask for MultiModalClassificationModel {
    type TrainFlags = MultiModalTrainFlags;
    type PredictFlags = NoFlags;
    type DataFlags = MultiModalDataFlags;

    fn options(
        overrides: Value,
        device: DeviceRequest,
        flags: Option<&MultiModalTrainFlags>,
    ) -> MultiModalOptions {
        MultiModalOptions {
            label_list: flags.and_then(|f| f.label_list.clone()),
            num_labels: flags.and_then(|f| f.num_labels),
            multi_label: flags.is_some_and(|f| f.multi_label),
            auto_weights: flags.is_some_and(|f| f.auto_weights),
            overrides: Some(overrides),
            device,
            ..Default::default()
        }
    }

    fn results(output: &EvalOutput) -> &st_core::train::EvalResults {
        &output.0
    }

    fn read_with(&mut self, flags: &MultiModalDataFlags) -> CliResult {
        let files_list = flags
            .files_list
            .as_deref()
            .map(read_files_list)
            .transpose()?;
        self.set_data_source(DataSource {
            image_path: flags.image_path.clone(),
            files_list,
        });
        Ok(())
    }

    /// One `{"text", "image", "prediction", "outputs"}` per sample: the class name, a 0/1
    /// list (multi-label) or the value (regression); `outputs` as Python's model outputs.
    fn predict_file(&self, input: &Path, _: &NoFlags, out: &mut dyn Write) -> CliResult {
        let samples = self.read_inputs(input)?;
        let inputs: Vec<MultiModalInput> = samples
            .iter()
            .map(|s| MultiModalInput {
                text: &s.text,
                image: &s.image,
            })
            .collect();
        let (predictions, outputs) = self.predict(&inputs)?;
        for ((sample, prediction), output) in samples.iter().zip(predictions).zip(outputs) {
            let prediction = match prediction {
                Prediction::Class(name) => Value::from(name),
                Prediction::MultiHot(hot) => Value::from(hot),
                Prediction::Value(v) => Value::from(v),
            };
            let line = json!({
                "text": sample.text,
                "image": sample.image,
                "prediction": prediction,
                "outputs": output,
            });
            writeln!(out, "{line}")?;
        }
        Ok(())
    }
}

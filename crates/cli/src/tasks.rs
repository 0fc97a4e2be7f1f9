//! Each task's part of the commands: its own flags, and how its predictions are printed.

use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};
use st_classification::files::read_texts;
use st_classification::{
    ClassificationModel, ClassifierArgs, ClassifierOptions, EvalOutput, softmax,
};
use st_core::backend::{DeviceRequest, TrainBackend};
use st_core::task::TaskModel;
use st_core::text::TextFile;
use st_core::train::EvalResults;
use st_ner::{NerEval, NerModel, NerOptions};
use st_qa::{QaOptions, QuestionAnsweringModel, read_squad};

use crate::task::{CliResult, CliTask};

/// No extra flags.
#[derive(clap::Args, Debug)]
pub struct NoFlags {}

/// `train` flags of the classification tasks.
#[derive(clap::Args, Debug)]
pub struct ClassificationFlags {
    /// Number of labels (default: from labels_list, the checkpoint, or 2).
    #[arg(long)]
    num_labels: Option<usize>,
}

/// `train` flags of NER.
#[derive(clap::Args, Debug)]
pub struct NerFlags {
    /// The tags, comma-separated (default: labels_list, the checkpoint's, or CoNLL-2003's).
    #[arg(long, value_delimiter = ',')]
    labels: Option<Vec<String>>,
}

/// `predict` flags of question answering.
#[derive(clap::Args, Debug)]
pub struct QaPredictFlags {
    /// How many answers per question (default: the n_best_size argument).
    #[arg(long)]
    n_best_size: Option<usize>,
}

/// Texts to predict for, one per line (or the text column of CSV/TSV/JSONL), in the model's
/// `encoding`.
fn texts<M: TaskModel<TrainBackend>>(model: &M, input: &Path) -> CliResult<Vec<String>> {
    use st_core::args::TaskArgs;
    let encoding = model.args().model().encoding.as_deref();
    Ok(read_texts(TextFile::new(input, encoding))?)
}

/// Single- and multi-label classification: `ClassificationModel` with either args type.
impl<A: ClassifierArgs + Default> CliTask for ClassificationModel<TrainBackend, A> {
    type TrainFlags = ClassificationFlags;
    type PredictFlags = NoFlags;
    type DataFlags = NoFlags;

    fn options(
        overrides: Value,
        device: DeviceRequest,
        flags: Option<&ClassificationFlags>,
    ) -> ClassifierOptions<A> {
        ClassifierOptions {
            num_labels: flags.and_then(|f| f.num_labels),
            overrides: Some(overrides),
            device,
            ..Default::default()
        }
    }

    fn results(output: &EvalOutput) -> &EvalResults {
        &output.0
    }

    /// `{"text", "prediction", "probabilities", "raw_outputs"}`; regression has no
    /// probabilities, multi-label predictions are multi-hot with sigmoid `probabilities`.
    fn predict_file(&self, input: &Path, _: &NoFlags, out: &mut dyn Write) -> CliResult {
        let texts = texts(self, input)?;
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let (predictions, raw) = self.predict(&refs)?;
        let multi_label = self.args().threshold().is_some();
        let regression = self.args().classification().regression;
        for ((text, prediction), raw) in texts.iter().zip(&predictions).zip(&raw) {
            let line = if multi_label {
                json!({"text": text, "prediction": prediction, "probabilities": raw})
            } else if regression {
                json!({"text": text, "prediction": prediction, "raw_outputs": raw})
            } else {
                json!({
                    "text": text,
                    "prediction": prediction,
                    "probabilities": softmax(std::slice::from_ref(raw))[0],
                    "raw_outputs": raw,
                })
            };
            writeln!(out, "{line}")?;
        }
        Ok(())
    }
}

impl CliTask for NerModel {
    type TrainFlags = NerFlags;
    type PredictFlags = NoFlags;
    type DataFlags = NoFlags;

    fn options(overrides: Value, device: DeviceRequest, flags: Option<&NerFlags>) -> NerOptions {
        NerOptions {
            labels: flags.and_then(|f| f.labels.clone()),
            overrides: Some(overrides),
            device,
            ..Default::default()
        }
    }

    fn results(output: &NerEval) -> &EvalResults {
        &output.0
    }

    /// One sentence per line, split on whitespace: `{"text", "words": [{word, tag, score}]}`.
    fn predict_file(&self, input: &Path, _: &NoFlags, out: &mut dyn Write) -> CliResult {
        let texts = texts(self, input)?;
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let (tagged, _) = self.predict(&refs)?;
        for (text, words) in texts.iter().zip(&tagged) {
            writeln!(out, "{}", json!({"text": text, "words": words}))?;
        }
        Ok(())
    }
}

impl CliTask for QuestionAnsweringModel {
    type TrainFlags = NoFlags;
    type PredictFlags = QaPredictFlags;
    type DataFlags = NoFlags;

    fn options(overrides: Value, device: DeviceRequest, _: Option<&NoFlags>) -> QaOptions {
        QaOptions {
            overrides: Some(overrides),
            device,
            ..Default::default()
        }
    }

    fn results(output: &(EvalResults, st_qa::QaTexts)) -> &EvalResults {
        &output.0
    }

    /// Questions in SQuAD-style JSON: `{"id", "answers", "probabilities"}` per question.
    fn predict_file(&self, input: &Path, flags: &QaPredictFlags, out: &mut dyn Write) -> CliResult {
        use st_core::args::TaskArgs;
        let encoding = self.args().model().encoding.as_deref();
        let contexts = read_squad(TextFile::new(input, encoding))?;
        let n_best = flags.n_best_size.unwrap_or(self.args().n_best_size);
        let (answers, probabilities) = self.predict_n_best(&contexts, n_best)?;
        for (a, p) in answers.iter().zip(&probabilities) {
            let line = json!({"id": a.id, "answers": a.answer, "probabilities": p.probability});
            writeln!(out, "{line}")?;
        }
        Ok(())
    }
}

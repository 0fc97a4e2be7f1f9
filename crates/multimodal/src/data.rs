//! Data as Python Simple Transformers reads it for multimodal classification:
//!
//! - a **directory of per-sample JSON files** (`{"text": …, "labels": …}`), every file ending
//!   in `data_type_extension`, or only those named in `files_list` (stems, the extension
//!   appended); each sample's image is its stem + `image_type_extension`, in `image_path` when
//!   given, else in the data directory's parent (`os.path.dirname(data_path)`, where Python
//!   looks). Python appends `data_type_extension` to listed file names that already end in it;
//!   here a listed file's stem is used, so `.json` files work without a `files_list`.
//! - **rows** of a CSV, TSV or JSONL file with `text`, `labels` and `images` columns (a
//!   DataFrame in Python), image names + `image_type_extension` under `image_path` (else the
//!   file's own directory).
//!
//! `text_label`, `labels_label` and `images_label` rename the keys. A label is a string (one
//! class), a list of strings (multi-label; in CSV/TSV a JSON list in the cell) or a number
//! (regression).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::MultiModalClassificationArgs;

/// One sample's label(s) as the data gives them.
#[derive(Debug, Clone, PartialEq)]
pub enum MultiModalLabel {
    /// One class name (`label_list` entries are strings, as Python's).
    Class(String),
    /// Several class names (multi-label).
    Classes(Vec<String>),
    /// A number (regression; as a class it is its decimal form).
    Value(f64),
}

/// One labelled sample: its text, label(s) and image file.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiModalExample {
    pub text: String,
    pub labels: MultiModalLabel,
    pub image: PathBuf,
}

impl MultiModalExample {
    pub fn new(
        text: impl Into<String>,
        labels: MultiModalLabel,
        image: impl Into<PathBuf>,
    ) -> Self {
        Self {
            text: text.into(),
            labels,
            image: image.into(),
        }
    }
}

/// A data file or sample that could not be read; names the file (and line) and the key.
#[derive(Debug, thiserror::Error)]
#[error("{path}{}: {message}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
pub struct DataError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

fn data_error(path: &Path, line: Option<usize>, message: impl Into<String>) -> DataError {
    DataError {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}

/// Where Python looks for a data directory's images: `os.path.dirname(data_path)`.
fn python_dirname(path: &Path) -> PathBuf {
    let text = path.to_string_lossy();
    match text.rfind('/') {
        Some(i) => PathBuf::from(&text[..i.max(1)]),
        None => PathBuf::from("."),
    }
}

/// Read a `files_list` JSON file: a list of sample stems.
pub fn read_files_list(path: &Path) -> Result<Vec<String>, DataError> {
    let text = std::fs::read_to_string(path).map_err(|e| data_error(path, None, e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| {
        data_error(
            path,
            None,
            format!("expected a JSON list of file names: {e}"),
        )
    })
}

/// The samples of a directory of per-sample JSON files (see the module docs).
pub fn read_sample_dir(
    dir: &Path,
    files_list: Option<&[String]>,
    image_path: Option<&Path>,
    args: &MultiModalClassificationArgs,
    labelled: bool,
) -> Result<Vec<MultiModalExample>, DataError> {
    let extension = args.data_type_extension.as_str();
    let stems = match files_list {
        Some(stems) => stems.to_vec(),
        None => {
            let entries =
                std::fs::read_dir(dir).map_err(|e| data_error(dir, None, e.to_string()))?;
            let mut stems = Vec::new();
            for entry in entries {
                let entry = entry.map_err(|e| data_error(dir, None, e.to_string()))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if entry.path().is_file() && name.ends_with(extension) && !name.starts_with('.') {
                    stems.push(name[..name.len() - extension.len()].to_string());
                }
            }
            stems.sort();
            stems
        }
    };
    if stems.is_empty() {
        return Err(data_error(
            dir,
            None,
            format!("no sample files ending in {extension:?} (data_type_extension)"),
        ));
    }
    let images = image_path.map_or_else(|| python_dirname(dir), Path::to_path_buf);
    stems
        .iter()
        .map(|stem| {
            let path = dir.join(format!("{stem}{extension}"));
            let text = std::fs::read_to_string(&path)
                .map_err(|e| data_error(&path, None, e.to_string()))?;
            let value: Value = serde_json::from_str(&text)
                .map_err(|e| data_error(&path, None, format!("not JSON: {e}")))?;
            let image = images.join(format!("{stem}{}", args.image_type_extension));
            sample(&value, image, args, labelled)
                .map_err(|message| data_error(&path, None, message))
        })
        .collect()
}

/// A sample from a JSON object; the image path is given (directory mode) or read from the
/// object (rows). Without `labelled` (data to predict for) the labels may be absent.
fn sample(
    value: &Value,
    image: PathBuf,
    args: &MultiModalClassificationArgs,
    labelled: bool,
) -> Result<MultiModalExample, String> {
    let key = |name: &str| {
        value
            .get(name)
            .ok_or_else(|| format!("no {name:?} key (see text_label/labels_label/images_label)"))
    };
    let text = match key(&args.text_label)? {
        Value::String(s) => s.clone(),
        other => return Err(format!("{:?} is not a string: {other}", args.text_label)),
    };
    let labels = match value.get(&args.labels_label) {
        None if !labelled => MultiModalLabel::Class(String::new()),
        _ => json_label(key(&args.labels_label)?).map_err(|found| {
            format!(
                "{:?}: expected a string, a list of strings or a number, found {found}",
                args.labels_label
            )
        })?,
    };
    Ok(MultiModalExample {
        text,
        labels,
        image,
    })
}

fn json_label(value: &Value) -> Result<MultiModalLabel, String> {
    match value {
        Value::String(s) => Ok(MultiModalLabel::Class(s.clone())),
        Value::Number(n) => Ok(MultiModalLabel::Value(n.as_f64().unwrap_or(f64::NAN))),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                other => Err(other.to_string()),
            })
            .collect::<Result<_, _>>()
            .map(MultiModalLabel::Classes),
        other => Err(other.to_string()),
    }
}

/// The samples of a CSV, TSV (by extension; a header row names the columns) or JSONL file.
pub fn read_rows(
    path: &Path,
    image_path: Option<&Path>,
    args: &MultiModalClassificationArgs,
    labelled: bool,
) -> Result<Vec<MultiModalExample>, DataError> {
    let images = image_path.map_or_else(
        || path.parent().unwrap_or(Path::new(".")).to_path_buf(),
        Path::to_path_buf,
    );
    let image_of = |name: &str| images.join(format!("{name}{}", args.image_type_extension));
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if extension == "jsonl" || extension == "json" {
        let text =
            std::fs::read_to_string(path).map_err(|e| data_error(path, None, e.to_string()))?;
        return text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(i, line)| {
                let at = |message: String| data_error(path, Some(i + 1), message);
                let value: Value =
                    serde_json::from_str(line).map_err(|e| at(format!("not JSON: {e}")))?;
                let image = match value.get(&args.images_label) {
                    Some(Value::String(name)) => image_of(name),
                    _ => {
                        return Err(at(format!(
                            "no {:?} image name (see images_label)",
                            args.images_label
                        )));
                    }
                };
                sample(&value, image, args, labelled).map_err(at)
            })
            .collect();
    }
    let delimiter = if extension == "tsv" { b'\t' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_path(path)
        .map_err(|e| data_error(path, None, e.to_string()))?;
    let headers = reader
        .headers()
        .map_err(|e| data_error(path, Some(1), e.to_string()))?
        .clone();
    let column = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            data_error(
                path,
                Some(1),
                format!(
                    "no {name:?} column in the header {:?}",
                    headers.iter().collect::<Vec<_>>()
                ),
            )
        })
    };
    let (text, image) = (column(&args.text_label)?, column(&args.images_label)?);
    let labels = match column(&args.labels_label) {
        Err(_) if !labelled => None,
        found => Some(found?),
    };
    reader
        .records()
        .enumerate()
        .map(|(i, record)| {
            let line = i + 2;
            let record = record.map_err(|e| data_error(path, Some(line), e.to_string()))?;
            let cell = |c: usize| record.get(c).unwrap_or("");
            let labels = match labels {
                Some(c) => cell_label(cell(c)).map_err(|m| data_error(path, Some(line), m))?,
                None => MultiModalLabel::Class(String::new()),
            };
            Ok(MultiModalExample::new(
                cell(text),
                labels,
                image_of(cell(image)),
            ))
        })
        .collect()
}

/// A CSV/TSV label cell: a JSON list of class names, else one class.
fn cell_label(cell: &str) -> Result<MultiModalLabel, String> {
    if cell.trim_start().starts_with('[') {
        let value: Value = serde_json::from_str(cell)
            .map_err(|e| format!("labels cell {cell:?} starts a JSON list but is not one: {e}"))?;
        return json_label(&value).map_err(|found| format!("labels: not a class name: {found}"));
    }
    Ok(MultiModalLabel::Class(cell.to_string()))
}

/// Where data files' images are and which samples a directory holds (Python's `image_path`
/// and `files_list` arguments of `train_model`, `eval_model` and `predict`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DataSource {
    pub image_path: Option<PathBuf>,
    pub files_list: Option<Vec<String>>,
}

/// Data given as a directory of samples or a file of rows; without `labelled` (data to
/// predict for) labels may be absent.
pub fn read_data(
    path: &Path,
    source: &DataSource,
    args: &MultiModalClassificationArgs,
    labelled: bool,
) -> Result<Vec<MultiModalExample>, DataError> {
    let image_path = source.image_path.as_deref();
    if path.is_dir() {
        read_sample_dir(
            path,
            source.files_list.as_deref(),
            image_path,
            args,
            labelled,
        )
    } else {
        read_rows(path, image_path, args, labelled)
    }
}

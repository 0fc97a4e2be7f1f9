//! Hugging Face checkpoints in and out of Burn modules.
//!
//! Reading: [`Checkpoint::open`] memory-maps `model.safetensors`, or every shard listed in
//! `model.safetensors.index.json`, and indexes the tensors by their Hugging Face names.
//! [`load_into`] walks a Burn module's parameters (burn-store's `ModuleSnapshot::collect`), asks a
//! [`NameMap`] for the Hugging Face name of each, converts the tensor to `f32`, transposes linear
//! weights (PyTorch stores `[out, in]`, Burn `[in, out]`), checks shapes, and applies the result
//! with burn-store's `ModuleSnapshot::apply`. It reports missing and unexpected keys the way
//! `transformers` does, so the caller decides what is an error (a missing encoder weight) and
//! what is a notice (a freshly initialised task head).
//!
//! Writing: [`save_safetensors`] is the exact inverse, with `{"format": "pt"}` metadata so that
//! `transformers` accepts the file, written atomically (temporary file, then rename).
//!
//! Pickle files (`pytorch_model.bin`) are never read: unpickling runs arbitrary code. A directory
//! that only has one gets an error explaining how to convert it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::store::{ModuleSnapshot, TensorSnapshot};
use burn::tensor::backend::Backend;
use burn::tensor::{DType, TensorData};
use memmap2::Mmap;
use safetensors::{Dtype, SafeTensors};

mod raw;
use raw::{shard_files, to_f32};

/// Name of a single-file checkpoint.
pub const SAFETENSORS_FILE: &str = "model.safetensors";
/// Name of the index of a sharded checkpoint.
pub const SAFETENSORS_INDEX_FILE: &str = "model.safetensors.index.json";

/// What can go wrong reading or writing weights.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    #[error(
        "{dir}: no {SAFETENSORS_FILE} or {SAFETENSORS_INDEX_FILE} found{hint}",
        hint = if *.has_pickle {
            " (only pytorch_model.bin, a pickle file, which is never loaded because unpickling \
              runs arbitrary code; convert it once in Python with \
              `AutoModel.from_pretrained(dir).save_pretrained(dir, safe_serialization=True)`)"
        } else { "" }
    )]
    NoWeights { dir: PathBuf, has_pickle: bool },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a valid safetensors file (corrupt or truncated?): {message}")]
    Corrupt { path: PathBuf, message: String },
    #[error("{path}: invalid sharded-checkpoint index: {message}")]
    BadIndex { path: PathBuf, message: String },
    #[error(
        "{path}: tensor `{name}` has dtype {dtype:?}; only F32, F16, BF16 and F64 are supported"
    )]
    UnsupportedDtype {
        path: PathBuf,
        name: String,
        dtype: Dtype,
    },
    #[error(
        "the checkpoint does not match the model configuration (config.json): {}",
        .mismatches.iter().map(|m| format!("`{}` expected shape {:?}, found {:?}", m.name, m.expected, m.found)).collect::<Vec<_>>().join("; ")
    )]
    ShapeMismatch { mismatches: Vec<ShapeMismatch> },
    #[error(
        "{} weight(s) of the model are missing from the checkpoint: {}",
        .names.len(), .names.join(", ")
    )]
    Missing { names: Vec<String> },
    #[error("could not apply weights to the model: {0}")]
    Apply(String),
    #[error("{path}: could not write safetensors: {message}")]
    Write { path: PathBuf, message: String },
}

/// One tensor whose shape disagrees with what the configuration implies.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeMismatch {
    /// Hugging Face name of the tensor.
    pub name: String,
    /// Shape the model expects (PyTorch layout).
    pub expected: Vec<usize>,
    /// Shape found in the checkpoint.
    pub found: Vec<usize>,
}

/// Where a Burn parameter lives in a Hugging Face checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HfName {
    /// The name relative to the base model, e.g. `encoder.layer.0.attention.self.query.weight`.
    pub name: String,
    /// Whether the tensor belongs to the base model, whose keys carry the architecture's prefix
    /// (`bert.`, `roberta.`…) in task checkpoints but not in base-model checkpoints. Task heads
    /// (`classifier.weight`) never carry it.
    pub in_base_model: bool,
}

/// Maps Burn parameter paths to Hugging Face names; one per architecture.
pub trait NameMap {
    /// The Hugging Face name for a Burn parameter path such as `layers.0.attention.query.weight`.
    /// LayerNorm `gamma`/`beta` and linear transposition are handled by the loader; the map only
    /// renames.
    fn hf_name(&self, burn_path: &str) -> HfName;
    /// The prefix base-model weights carry in task checkpoints (`bert`, `roberta`…).
    fn base_model_prefix(&self) -> &str;
    /// Whether the linear weight at `burn_path` is stored `[in, out]` in checkpoints too, like
    /// Burn's, so that loading and saving must not transpose it (GPT-2's `Conv1D` layers).
    fn keeps_layout(&self, burn_path: &str) -> bool {
        let _ = burn_path;
        false
    }
    /// Checkpoint keys that are buffers, not parameters, and may be ignored silently.
    fn is_ignorable(&self, hf_name: &str) -> bool {
        hf_name.ends_with("position_ids")
            || hf_name.ends_with("embeddings.token_type_ids")
            || hf_name.ends_with("attention.self.masked_bias")
            || hf_name.ends_with("num_batches_tracked")
    }
}

struct Shard {
    path: PathBuf,
    mmap: Mmap,
}

struct Entry {
    shard: usize,
    dtype: Dtype,
    shape: Vec<usize>,
    range: (usize, usize),
}

/// A safetensors checkpoint (one file or shards), memory-mapped and indexed by tensor name.
pub struct Checkpoint {
    shards: Vec<Shard>,
    entries: BTreeMap<String, Entry>,
}

impl std::fmt::Debug for Checkpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkpoint")
            .field(
                "files",
                &self.shards.iter().map(|s| &s.path).collect::<Vec<_>>(),
            )
            .field("tensors", &self.entries.len())
            .finish()
    }
}

impl Checkpoint {
    /// Open the checkpoint in a model directory: `model.safetensors.index.json` (sharded) if
    /// present, else `model.safetensors`.
    pub fn open(dir: &Path) -> Result<Self, WeightsError> {
        let index = dir.join(SAFETENSORS_INDEX_FILE);
        if index.is_file() {
            let files = shard_files(&index)?;
            return Self::from_files(&files.iter().map(|f| dir.join(f)).collect::<Vec<_>>());
        }
        let single = dir.join(SAFETENSORS_FILE);
        if single.is_file() {
            return Self::from_files(&[single]);
        }
        Err(WeightsError::NoWeights {
            dir: dir.to_path_buf(),
            has_pickle: dir.join("pytorch_model.bin").is_file(),
        })
    }

    /// Open the given safetensors files as one checkpoint.
    pub fn from_files(paths: &[PathBuf]) -> Result<Self, WeightsError> {
        let mut shards = Vec::with_capacity(paths.len());
        let mut entries = BTreeMap::new();
        for (shard, path) in paths.iter().enumerate() {
            let file = File::open(path).map_err(|source| WeightsError::Io {
                path: path.clone(),
                source,
            })?;
            // SAFETY: the file is opened read-only and we only read from the map; as with every
            // memory-mapped reader, truncating the file while it is open is undefined.
            let mmap = unsafe { Mmap::map(&file) }.map_err(|source| WeightsError::Io {
                path: path.clone(),
                source,
            })?;
            let (header_len, metadata) =
                SafeTensors::read_metadata(&mmap).map_err(|e| WeightsError::Corrupt {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
            let data_start = 8 + header_len;
            for (name, info) in metadata.tensors() {
                let (begin, end) = info.data_offsets;
                entries.insert(
                    name,
                    Entry {
                        shard,
                        dtype: info.dtype,
                        shape: info.shape.clone(),
                        range: (data_start + begin, data_start + end),
                    },
                );
            }
            shards.push(Shard {
                path: path.clone(),
                mmap,
            });
        }
        Ok(Self { shards, entries })
    }

    /// All tensor names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Whether the checkpoint has a tensor of that name.
    pub fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    /// The shape of a tensor, if present.
    pub fn shape(&self, name: &str) -> Option<&[usize]> {
        self.entries.get(name).map(|e| e.shape.as_slice())
    }

    /// A tensor converted to `f32`, with its shape.
    pub fn tensor_f32(&self, name: &str) -> Result<Option<HostTensor>, WeightsError> {
        let Some(entry) = self.entries.get(name) else {
            return Ok(None);
        };
        let shard = &self.shards[entry.shard];
        let bytes = &shard.mmap[entry.range.0..entry.range.1];
        let values = to_f32(bytes, entry.dtype).ok_or_else(|| WeightsError::UnsupportedDtype {
            path: shard.path.clone(),
            name: name.to_string(),
            dtype: entry.dtype,
        })?;
        Ok(Some(HostTensor {
            shape: entry.shape.clone(),
            values,
        }))
    }

    /// Whether base-model keys carry `prefix.` in this checkpoint (task checkpoints) or not
    /// (base-model checkpoints).
    pub fn has_prefix(&self, prefix: &str) -> bool {
        let dotted = format!("{prefix}.");
        self.entries.keys().any(|k| k.starts_with(&dotted))
    }
}

/// What loading a checkpoint into a module found, in Hugging Face names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadReport {
    /// Model parameters the checkpoint lacks (left as initialised), with their Burn paths.
    pub missing: Vec<(String, String)>,
    /// Checkpoint tensors the model has no place for.
    pub unexpected: Vec<String>,
    /// Parameters loaded.
    pub loaded: usize,
}

impl LoadReport {
    /// The report of a load that needs every weight: an error naming each missing one;
    /// checkpoint tensors `what` (say "the gpt2 language model") does not use are logged.
    pub fn complete(self, what: &str) -> Result<Self, WeightsError> {
        if !self.missing.is_empty() {
            return Err(WeightsError::Missing {
                names: self.missing.iter().map(|(_, hf)| hf.clone()).collect(),
            });
        }
        if !self.unexpected.is_empty() {
            tracing::info!(
                "{} checkpoint tensor(s) not used by {what}: {}",
                self.unexpected.len(),
                self.unexpected.join(", ")
            );
        }
        Ok(self)
    }

    /// The missing parameters whose Burn path starts with one of `prefixes`.
    pub fn missing_under(&self, prefixes: &[&str]) -> Vec<String> {
        self.missing
            .iter()
            .filter(|(burn, _)| prefixes.iter().any(|p| burn.starts_with(p)))
            .map(|(_, hf)| hf.clone())
            .collect()
    }
}

/// Whether a parameter is a linear weight stored transposed in PyTorch checkpoints.
fn is_transposed(map: &dyn NameMap, snapshot: &TensorSnapshot) -> bool {
    is_linear_weight(snapshot) && !map.keeps_layout(&snapshot.full_path())
}

fn is_linear_weight(snapshot: &TensorSnapshot) -> bool {
    snapshot.module_type().as_deref() == Some("Struct:Linear")
        && snapshot
            .path_stack
            .as_ref()
            .and_then(|p| p.last())
            .is_some_and(|last| last == "weight")
        && snapshot.shape.len() == 2
}

/// Burn's normalisation layers call their parameters `gamma`/`beta`; PyTorch `weight`/`bias`.
fn torch_param_name(snapshot: &TensorSnapshot, burn_path: &str) -> String {
    let norm = matches!(
        snapshot.module_type().as_deref(),
        Some("Struct:LayerNorm" | "Struct:BatchNorm" | "Struct:RmsNorm" | "Struct:GroupNorm")
    );
    if norm {
        if let Some(stem) = burn_path.strip_suffix(".gamma") {
            return format!("{stem}.weight");
        }
        if let Some(stem) = burn_path.strip_suffix(".beta") {
            return format!("{stem}.bias");
        }
    }
    burn_path.to_string()
}

/// The full Hugging Face key of a parameter, given whether base keys are prefixed.
fn full_hf_key(map: &dyn NameMap, snapshot: &TensorSnapshot, prefixed: bool) -> String {
    let burn_path = snapshot.full_path();
    let HfName {
        name,
        in_base_model,
    } = map.hf_name(&torch_param_name(snapshot, &burn_path));
    if in_base_model && prefixed {
        format!("{}.{name}", map.base_model_prefix())
    } else {
        name
    }
}

fn transpose(shape: &[usize], values: &[f32]) -> Vec<f32> {
    let (rows, cols) = (shape[0], shape[1]);
    let mut out = vec![0.0; values.len()];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = values[r * cols + c];
        }
    }
    out
}

/// A model parameter with its Hugging Face name.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedParameter {
    /// Path in the Burn module, e.g. `layers.0.attention.query.weight`.
    pub burn_path: String,
    /// Hugging Face name, e.g. `bert.encoder.layer.0.attention.self.query.weight`.
    pub hf_name: String,
    /// Burn's parameter id (to look up gradients or optimiser state).
    pub id: burn::module::ParamId,
    /// Burn shape; the Hugging Face tensor is its transpose when `transposed`.
    pub shape: Vec<usize>,
    /// A linear weight, stored `[in, out]` by Burn and `[out, in]` by PyTorch.
    pub transposed: bool,
}

/// Every parameter of `module` with its Hugging Face name, in module order (what Simple
/// Transformers' `get_named_parameters()` lists). `with_prefix` adds the base-model prefix.
pub fn named_parameters<B: Backend, M: Module<B>>(
    module: &M,
    map: &dyn NameMap,
    with_prefix: bool,
) -> Vec<NamedParameter> {
    module
        .collect(None, None, false)
        .iter()
        .map(|param| NamedParameter {
            burn_path: param.full_path(),
            hf_name: full_hf_key(map, param, with_prefix),
            id: param.tensor_id.unwrap_or_default(),
            shape: param.shape.to_vec(),
            transposed: is_transposed(map, param),
        })
        .collect()
}

/// Transpose a row-major `[rows, cols]` matrix.
pub fn transpose_2d(shape: &[usize], values: &[f32]) -> Vec<f32> {
    transpose(shape, values)
}

/// Load a checkpoint into `module`, renaming through `map`. Returns the module and a report of
/// missing and unexpected keys; shape disagreements are an error listing every one of them.
pub fn load_into<B: Backend, M: Module<B>>(
    mut module: M,
    checkpoint: &Checkpoint,
    map: &dyn NameMap,
) -> Result<(M, LoadReport), WeightsError> {
    let prefixed = checkpoint.has_prefix(map.base_model_prefix());
    let expected = module.collect(None, None, false);
    let mut snapshots = Vec::with_capacity(expected.len());
    let mut used = HashSet::new();
    let mut report = LoadReport::default();
    let mut mismatches = Vec::new();

    for param in &expected {
        let key = full_hf_key(map, param, prefixed);
        let linear = is_transposed(map, param);
        let mut torch_shape = param.shape.to_vec();
        if linear {
            torch_shape.reverse();
        }
        let Some(HostTensor { shape, values }) = checkpoint.tensor_f32(&key)? else {
            report.missing.push((param.full_path(), key));
            continue;
        };
        used.insert(key.clone());
        if shape != torch_shape {
            mismatches.push(ShapeMismatch {
                name: key,
                expected: torch_shape,
                found: shape,
            });
            continue;
        }
        let values = if linear {
            transpose(&shape, &values)
        } else {
            values
        };
        let data = TensorData::new(values, param.shape.clone());
        snapshots.push(TensorSnapshot::from_data(
            data,
            param.path_stack.clone().unwrap_or_default(),
            param.container_stack.clone().unwrap_or_default(),
            param.tensor_id.unwrap_or_default(),
        ));
    }
    if !mismatches.is_empty() {
        return Err(WeightsError::ShapeMismatch { mismatches });
    }
    report.loaded = snapshots.len();
    report.unexpected = checkpoint
        .names()
        .filter(|name| !used.contains(*name) && !map.is_ignorable(name))
        .map(str::to_string)
        .collect();

    let result = module.apply(snapshots, None, None, false);
    if !result.errors.is_empty() {
        return Err(WeightsError::Apply(
            result
                .errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        ));
    }
    Ok((module, report))
}

/// Save `module` as a Hugging Face safetensors file at `path`, renaming through `map`.
/// `with_prefix` adds the base-model prefix to base-model keys (task models); base models are
/// saved without it, as `transformers` does. The write is atomic.
pub fn save_safetensors<B: Backend, M: Module<B>>(
    module: &M,
    map: &dyn NameMap,
    with_prefix: bool,
    path: &Path,
) -> Result<(), WeightsError> {
    let write_err = |message: String| WeightsError::Write {
        path: path.to_path_buf(),
        message,
    };
    let mut tensors: Vec<(String, HostTensor)> = Vec::new();
    let mut seen = HashMap::new();
    for param in module.collect(None, None, false) {
        let key = full_hf_key(map, &param, with_prefix);
        let data = param
            .to_data()
            .map_err(|e| write_err(format!("reading `{key}`: {e:?}")))?
            .convert_dtype(DType::F32);
        let values: Vec<f32> = data
            .to_vec()
            .map_err(|e| write_err(format!("reading `{key}`: {e:?}")))?;
        let mut shape = param.shape.to_vec();
        let values = if is_transposed(map, &param) {
            let t = transpose(&shape, &values);
            shape.reverse();
            t
        } else {
            values
        };
        if let Some(previous) = seen.insert(key.clone(), param.full_path()) {
            return Err(write_err(format!(
                "`{}` and `{}` both map to `{key}`",
                previous,
                param.full_path()
            )));
        }
        tensors.push((key, HostTensor { shape, values }));
    }
    let metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = tempfile_in(dir, path)?;
    safetensors::serialize_to_file(tensors, Some(metadata), &tmp)
        .map_err(|e| write_err(e.to_string()))?;
    std::fs::rename(&tmp, path).map_err(|source| WeightsError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn tempfile_in(dir: &Path, target: &Path) -> Result<PathBuf, WeightsError> {
    std::fs::create_dir_all(dir).map_err(|source| WeightsError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "weights".into());
    Ok(dir.join(format!(".{name}.{}.tmp", std::process::id())))
}

/// An `f32` tensor in host memory, row-major, in PyTorch layout.
#[derive(Debug, Clone, PartialEq)]
pub struct HostTensor {
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

impl safetensors::View for HostTensor {
    fn dtype(&self) -> Dtype {
        Dtype::F32
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> std::borrow::Cow<'_, [u8]> {
        std::borrow::Cow::Owned(self.values.iter().flat_map(|v| v.to_le_bytes()).collect())
    }
    fn data_len(&self) -> usize {
        self.values.len() * 4
    }
}

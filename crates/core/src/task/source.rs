//! The first half of every constructor, written once: resolve `model_name` to a directory,
//! settle the arguments (saved `model_args.json`, an explicit args value, JSON overrides),
//! check them, and read `config.json` with the `config` overrides applied.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::args::TaskArgs;
use crate::hub::{CONFIG_FILE, HubOptions, resolve_model_dir};
use crate::train::TRAINER_STATE_FILE;

/// Where a model comes from and the arguments it runs with, before any tensor is made.
#[derive(Debug, Clone)]
pub struct Prepared<A> {
    /// The arguments in effect, checked, with `model_type` and `model_name` recorded.
    pub args: A,
    /// The resolved model directory.
    pub model_dir: PathBuf,
    /// `config.json` with the `config` argument's keys laid over it (Python passes them to
    /// `from_pretrained`, so they are also what gets saved).
    pub config: Value,
    /// Where the tokenizer comes from: `tokenizer_name` when given, else the model directory.
    pub tokenizer_dir: PathBuf,
    /// The model directory again when it is a checkpoint written by training (it holds a
    /// `trainer_state.json`): training this model continues that run.
    pub checkpoint: Option<PathBuf>,
}

/// How a constructor was given its arguments, as Python's `args=` keyword: an args value
/// replaces the saved `model_args.json` entirely; a JSON object is merged over it.
#[derive(Debug, Clone, Copy)]
pub struct ArgsInput<'a, A> {
    /// Replace the saved arguments (Python: an `XArgs` instance).
    pub args: Option<&'a A>,
    /// Merged over the saved (or replaced) arguments (Python: a dict).
    pub overrides: Option<&'a Value>,
}

impl<A: TaskArgs> Prepared<A> {
    /// Resolve `model_name` (a local directory or a hub id) and settle the arguments.
    pub fn open(
        model_type: &str,
        model_name: &str,
        input: ArgsInput<'_, A>,
        hub: &HubOptions,
    ) -> crate::Result<Self> {
        let model_dir = resolve_model_dir(model_name, hub)?;
        let mut args = match input.args {
            Some(args) => args.clone(),
            None => {
                let mut saved = A::default();
                saved.load_from_dir(&model_dir)?;
                saved
            }
        };
        if let Some(overrides) = input.overrides {
            args.update_from_json(overrides)?;
        }
        let model = args.model_mut();
        model.model_type = Some(model_type.to_string());
        model.model_name = Some(model_name.to_string());
        args.check()?;
        let config = read_config(&model_dir, &args.model().config)?;
        let tokenizer_dir = match &args.model().tokenizer_name {
            Some(name) => tokenizer_dir(name, hub)?,
            None => model_dir.clone(),
        };
        let checkpoint = model_dir
            .join(TRAINER_STATE_FILE)
            .is_file()
            .then(|| model_dir.clone());
        Ok(Self {
            args,
            model_dir,
            config,
            tokenizer_dir,
            checkpoint,
        })
    }

    /// The arguments of a model built from scratch (Python's `model_name=None`), settled as
    /// [`Prepared::open`] settles them but with no directory to read saved ones from.
    pub fn scratch_args(model_type: &str, input: ArgsInput<'_, A>) -> crate::Result<A> {
        let mut args = input.args.cloned().unwrap_or_default();
        if let Some(overrides) = input.overrides {
            args.update_from_json(overrides)?;
        }
        let model = args.model_mut();
        model.model_type = Some(model_type.to_string());
        model.model_name = None;
        args.check()?;
        Ok(args)
    }

    /// The directory a `tokenizer_name` names (a local directory, else a hub model).
    pub fn tokenizer_dir(name: &str, hub: &HubOptions) -> crate::Result<PathBuf> {
        tokenizer_dir(name, hub)
    }
}

/// `dir/config.json` with `overrides` laid over its top-level keys.
fn read_config(dir: &Path, overrides: &serde_json::Map<String, Value>) -> crate::Result<Value> {
    let path = dir.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| crate::Error::io(&path, e))?;
    let mut config: Value = serde_json::from_str(&text).map_err(|source| crate::Error::Json {
        path: path.clone(),
        source,
    })?;
    let Some(map) = config.as_object_mut() else {
        return Err(crate::Error::Other(format!(
            "{}: expected a JSON object",
            path.display()
        )));
    };
    for (key, value) in overrides {
        tracing::info!("config override from args: {key} = {value}");
        map.insert(key.clone(), value.clone());
    }
    Ok(config)
}

/// A `tokenizer_name`: a local directory holding tokenizer files (it needs no `config.json`),
/// else a model on the hub.
fn tokenizer_dir(name: &str, hub: &HubOptions) -> crate::Result<PathBuf> {
    let path = Path::new(name);
    if path.is_dir() {
        return path.canonicalize().map_err(|e| crate::Error::io(path, e));
    }
    Ok(resolve_model_dir(name, hub)?)
}

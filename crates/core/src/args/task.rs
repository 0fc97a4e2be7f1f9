//! [`TaskArgs`]: what the shared lifecycle needs from a task's args type.

use super::{Args, ArgsError, ModelArgs};

/// A task's arguments: Simple Transformers' global [`ModelArgs`] (flattened into the task type
/// with `#[serde(flatten)]`) plus the task's own fields and checks.
pub trait TaskArgs: Args {
    /// The global arguments.
    fn model(&self) -> &ModelArgs;
    /// The global arguments, for the constructor to record `model_type`/`model_name`.
    fn model_mut(&mut self) -> &mut ModelArgs;

    /// The task's own range checks and refusals, run after [`ModelArgs::check`] whenever a
    /// model is built.
    fn check_task(&self) -> Result<(), ArgsError> {
        Ok(())
    }

    /// Whether the task decodes generated text, so that `skip_special_tokens` means something.
    fn decodes_text(&self) -> bool {
        false
    }

    /// Every check that applies when a model is built.
    fn check(&self) -> Result<(), ArgsError> {
        self.model().check()?;
        if !self.decodes_text() && !self.model().skip_special_tokens {
            return Err(ArgsError::Unsupported {
                key: "skip_special_tokens".into(),
                reason: "it applies to generated text, and this task generates none".into(),
            });
        }
        self.check_task()
    }
}

impl TaskArgs for ModelArgs {
    fn model(&self) -> &ModelArgs {
        self
    }

    fn model_mut(&mut self) -> &mut ModelArgs {
        self
    }
}

/// Writes [`TaskArgs::model`] and [`TaskArgs::model_mut`] inside an `impl TaskArgs` block, for
/// a task args type whose global arguments are the (possibly nested) field named.
///
/// ```ignore
/// impl TaskArgs for NerArgs {
///     st_core::model_args_field!(model);
/// }
/// ```
#[macro_export]
macro_rules! model_args_field {
    ($($field:ident).+) => {
        fn model(&self) -> &$crate::args::ModelArgs {
            &self.$($field).+
        }

        fn model_mut(&mut self) -> &mut $crate::args::ModelArgs {
            &mut self.$($field).+
        }
    };
}

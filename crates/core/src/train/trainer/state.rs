//! What a checkpoint records of the loop ([`TrainerState`]), the shuffling generator, the
//! per-batch seeds and the early-stopping rule: everything a resumed run must reproduce.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::super::TrainError;
use super::super::schedule::LrScheduler;
use super::super::trainable::EvalResults;
use crate::args::ModelArgs;
use crate::rng::SplitMix64;

/// File holding the loop's progress in a checkpoint.
pub const TRAINER_STATE_FILE: &str = "trainer_state.json";

/// Everything besides weights and optimiser moments that a resumed run needs to continue
/// exactly where the checkpoint was written. Read from this file, never from directory names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainerState {
    pub global_step: usize,
    /// The epoch in progress (0-based).
    pub epoch: usize,
    /// Batches of that epoch already used.
    pub batches_done: usize,
    /// The shuffling generator as it was at the start of that epoch.
    pub epoch_rng: SplitMix64,
    pub tr_loss: f64,
    pub logging_loss: f64,
    pub best_metric: Option<f64>,
    pub early_stopping_counter: usize,
    pub progress: Vec<EvalResults>,
    pub scheduler: LrScheduler,
    /// Batches whose gradients were accumulated but not yet applied.
    pub pending_batches: usize,
}

impl TrainerState {
    /// The state of a run that has not started: the shuffling generator seeded from
    /// `manual_seed` (a fixed seed without one, so an unseeded run is still reproducible).
    pub fn start(manual_seed: Option<u64>, scheduler: LrScheduler) -> Self {
        Self {
            global_step: 0,
            epoch: 0,
            batches_done: 0,
            epoch_rng: SplitMix64(manual_seed.unwrap_or(UNSEEDED)),
            tr_loss: 0.0,
            logging_loss: 0.0,
            best_metric: None,
            early_stopping_counter: 0,
            progress: Vec::new(),
            scheduler,
            pending_batches: 0,
        }
    }
}

pub(super) enum Verdict {
    Improved,
    NoImprovement,
    Stop,
}

/// Early stopping as Simple Transformers' classification model does it (see module docs);
/// the best value and the patience counter live in the resumable [`TrainerState`].
pub(super) fn judge(
    state: &mut TrainerState,
    value: f64,
    args: &ModelArgs,
    counts: bool,
) -> Verdict {
    let Some(best) = state.best_metric else {
        state.best_metric = Some(value);
        return Verdict::Improved;
    };
    let improved = if args.early_stopping_metric_minimize {
        best - value > args.early_stopping_delta
    } else {
        value - best > args.early_stopping_delta
    };
    if improved {
        state.best_metric = Some(value);
        state.early_stopping_counter = 0;
        return Verdict::Improved;
    }
    if !(args.use_early_stopping && counts) {
        return Verdict::NoImprovement;
    }
    if state.early_stopping_counter < args.early_stopping_patience {
        state.early_stopping_counter += 1;
        tracing::info!(
            "no improvement in {} for {} evaluation(s) (patience {})",
            args.early_stopping_metric,
            state.early_stopping_counter,
            args.early_stopping_patience
        );
        Verdict::NoImprovement
    } else {
        tracing::info!(
            "patience of {} reached without improvement in {}: stopping early",
            args.early_stopping_patience,
            args.early_stopping_metric
        );
        Verdict::Stop
    }
}

/// The seed an unseeded run uses in place of `manual_seed`.
pub(super) const UNSEEDED: u64 = 0x5EED;

/// The seed for batch `counter` of a seeded run: dropout masks then depend only on
/// (`manual_seed`, batch), so a resumed run draws exactly what the uninterrupted one did.
pub(super) fn batch_seed(seed: u64, counter: u64) -> u64 {
    let mut rng = SplitMix64(seed ^ counter.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    rng.next_u64()
}

/// The order in which an epoch visits the `n` examples. With `batch_chunk_size` (`chunk`), as
/// Python's `ChunkSampler`: consecutive runs of `chunk` examples stay together and only the
/// chunks are shuffled; a last partial chunk is left out of the epoch (logged by the trainer).
pub(super) fn epoch_order(n: usize, chunk: Option<usize>, rng: &mut SplitMix64) -> Vec<usize> {
    match chunk {
        Some(size) if size > 0 => {
            let mut chunks: Vec<usize> = (0..n / size).collect();
            rng.shuffle(&mut chunks);
            chunks
                .into_iter()
                .flat_map(|c| c * size..(c + 1) * size)
                .collect()
        }
        _ => {
            let mut order: Vec<usize> = (0..n).collect();
            rng.shuffle(&mut order);
            order
        }
    }
}

/// The state a checkpoint directory was written with.
pub(super) fn read_state(dir: &Path) -> Result<TrainerState, TrainError> {
    let path = dir.join(TRAINER_STATE_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| TrainError::io(&path, e))?;
    let state: TrainerState = serde_json::from_str(&text).map_err(|e| TrainError::BadState {
        path: path.clone(),
        message: format!("invalid trainer state: {e}"),
    })?;
    if state.pending_batches > 0 {
        return Err(TrainError::BadState {
            path,
            message: format!(
                "written with {} batch(es) of a gradient accumulation pending (an epoch end \
                 that is not a multiple of gradient_accumulation_steps); resume from a \
                 checkpoint-<step> directory instead",
                state.pending_batches
            ),
        });
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::schedule::Schedule;

    #[test]
    fn shuffle_is_a_reproducible_permutation() {
        let mut a: Vec<usize> = (0..100).collect();
        let mut b = a.clone();
        SplitMix64(42).shuffle(&mut a);
        SplitMix64(42).shuffle(&mut b);
        assert_eq!(a, b);
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        assert_ne!(a, sorted);
    }

    #[test]
    fn chunks_are_shuffled_whole_and_a_partial_chunk_is_left_out() {
        let order = epoch_order(10, Some(3), &mut SplitMix64(7));
        assert_eq!(order.len(), 9);
        for chunk in order.chunks(3) {
            assert_eq!(chunk[0] % 3, 0, "{order:?}");
            assert_eq!(chunk, [chunk[0], chunk[0] + 1, chunk[0] + 2]);
        }
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(sorted, (0..9).collect::<Vec<_>>());
    }

    #[test]
    fn early_stopping_follows_the_classification_rule() {
        let args = ModelArgs {
            use_early_stopping: true,
            early_stopping_patience: 2,
            early_stopping_delta: 0.1,
            ..Default::default()
        };
        let mut state = TrainerState::start(None, LrScheduler::new(Schedule::Constant, vec![1.0]));
        let verdicts: Vec<&str> = [1.0, 0.95, 0.5, 0.45, 0.6, 0.41]
            .iter()
            .map(|&v| match judge(&mut state, v, &args, true) {
                Verdict::Improved => "improved",
                Verdict::NoImprovement => "no",
                Verdict::Stop => "stop",
            })
            .collect();
        // 0.95 is within delta of 1.0: no improvement; 0.5 improves; 0.45, 0.6 don't (counter
        // 1, 2); 0.41 is within delta of 0.5 with the counter at the patience: stop.
        assert_eq!(verdicts, ["improved", "no", "improved", "no", "no", "stop"]);
    }
}

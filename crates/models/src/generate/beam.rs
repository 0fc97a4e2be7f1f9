//! Beam search as `transformers` 5 runs it (`_beam_search`): per prompt, `num_beams` running
//! beams and up to `num_beams` finished hypotheses. Each step ranks every beam × token
//! continuation by accumulated log-probability and keeps the best `beams_to_keep`
//! (`max(2, 1 + eos tokens) × num_beams`); of those, the top `num_beams` that end (an
//! end-of-sequence token, or the length limit) become hypotheses scored
//! `sum log p / new_length^length_penalty`, and the best `num_beams` that do not end run on.
//! With `do_sample`, the continuations are drawn without replacement instead of ranked.

use burn::tensor::backend::Backend;
use rayon::prelude::*;
use st_core::rng::SplitMix64;

use super::config::EarlyStopping;
use super::processors::{self, History};
use super::{
    Autoregressive, GenerateError, NewToken, Rows, Run, Sequence, host_logits, int_tensor, row_rng,
};

/// `transformers`' stand-in for minus infinity in beam scores.
const NEG: f32 = -1.0e9;

#[derive(Debug, Clone)]
struct Beam {
    /// Which row of the previous step it continues.
    row: usize,
    tokens: Vec<u32>,
    score: f32,
}

/// One prompt's search.
struct Prompt {
    running: Vec<Beam>,
    /// Finished hypotheses, best first, at most `num_beams`.
    finished: Vec<(Vec<u32>, f32)>,
    /// `transformers`' `is_early_stop_heuristic_unsatisfied`: a running beam may still beat the
    /// worst finished hypothesis.
    open: bool,
}

impl Prompt {
    fn is_full(&self, beams: usize) -> bool {
        self.finished.len() == beams
    }

    /// Whether nothing can change this prompt's result any more.
    fn frozen(&self, beams: usize, early_stopping: EarlyStopping) -> bool {
        !self.open || (early_stopping == EarlyStopping::Flag(true) && self.is_full(beams))
    }
}

pub(crate) fn search<B: Backend, M: Autoregressive<B>>(
    model: &M,
    state: M::State,
    prompts: &[Vec<u32>],
    run: &Run<'_>,
    on_token: &mut dyn FnMut(NewToken),
) -> Result<Vec<Vec<Sequence>>, GenerateError> {
    let config = run.config;
    let beams = config.num_beams;
    let n_eos = config.eos_token_id.len();
    let keep = 2.max(1 + n_eos) * beams;
    let sources: Vec<usize> = (0..prompts.len() * beams).map(|r| r / beams).collect();
    let device = model.device();
    let mut state = model.reorder(state, &sources);
    let mut rows = Rows::new(prompts, &sources, run.prompt_len);
    let mut rngs: Vec<SplitMix64> = (0..prompts.len())
        .map(|p| row_rng(config.seed, p))
        .collect();
    let mut searches: Vec<Prompt> = (0..prompts.len())
        .map(|p| Prompt {
            running: (0..beams)
                .map(|j| Beam {
                    row: p * beams + j,
                    tokens: Vec::new(),
                    // Only the first beam is live at the start: the others are its copies.
                    score: if j == 0 { 0.0 } else { NEG },
                })
                .collect(),
            finished: Vec::new(),
            open: true,
        })
        .collect();
    let mut input = rows.prompt_ids::<B>(run.pad, run.prompt_len, &device);
    let min_keep = if config.do_sample { n_eos + 1 } else { 1 };

    for len in run.prompt_len..run.limit {
        let logits = model.step(&mut state, input, rows.mask::<B>(&device));
        let (mut scores, vocab) = host_logits(logits);
        scores
            .par_chunks_mut(vocab)
            .enumerate()
            .for_each(|(r, row)| {
                processors::log_softmax(row);
                let history = History {
                    tokens: &rows.tokens[r],
                    len,
                    new: len - run.prompt_len,
                    limit: run.limit,
                };
                processors::process(config, history, row);
                if config.do_sample {
                    processors::warp(config, row, min_keep);
                }
            });
        let ends_by_length = len + 1 >= run.limit;
        let new_len = (len + 1 - run.prompt_len) as f64;
        let penalty = new_len.powf(config.length_penalty) as f32;
        for (p, search) in searches.iter_mut().enumerate() {
            let block = &scores[p * beams * vocab..(p + 1) * beams * vocab];
            let candidates =
                top_continuations(search, block, vocab, keep, config.do_sample, &mut rngs[p]);
            let frozen = search.frozen(beams, config.early_stopping);
            let mut next: Vec<(f32, usize)> = Vec::with_capacity(keep);
            for (rank, &(score, beam, token)) in candidates.iter().enumerate() {
                let ends = ends_by_length || config.is_eos(token);
                if !ends {
                    next.push((score, rank));
                } else if rank < beams && !frozen {
                    let mut tokens = search.running[beam].tokens.clone();
                    tokens.push(token);
                    add_finished(&mut search.finished, tokens, score / penalty, beams);
                }
            }
            // The best continuations that did not end; when fewer than `num_beams` are left
            // (only at the length limit, where the loop stops), the ended ones fill in.
            let mut chosen: Vec<(f32, usize)> = next;
            if chosen.len() < beams {
                chosen.extend(
                    candidates
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| ends_by_length || config.is_eos(c.2))
                        .map(|(rank, c)| (c.0 + NEG, rank))
                        .take(beams - chosen.len()),
                );
            }
            chosen.sort_by(|a, b| b.0.total_cmp(&a.0));
            chosen.truncate(beams);
            search.running = chosen
                .into_iter()
                .map(|(score, rank)| {
                    let (_, beam, token) = candidates[rank];
                    let parent = &search.running[beam];
                    let mut tokens = parent.tokens.clone();
                    tokens.push(token);
                    Beam {
                        row: parent.row,
                        tokens,
                        score,
                    }
                })
                .collect();
        }
        if ends_by_length {
            break;
        }
        let new_total = len + 1 - run.prompt_len;
        for search in &mut searches {
            if search.open {
                search.open = may_improve(search, config, beams, new_total, run);
            }
        }
        if searches
            .iter()
            .all(|s| s.frozen(beams, config.early_stopping))
        {
            break;
        }
        // Reorder rows (and the model's state) to the new beams, then feed their last tokens.
        let order: Vec<usize> = searches
            .iter()
            .flat_map(|s| s.running.iter().map(|b| b.row))
            .collect();
        state = model.reorder(state, &order);
        let previous = std::mem::take(&mut rows.tokens);
        let masks = std::mem::take(&mut rows.masks);
        let mut next_ids = Vec::with_capacity(order.len());
        for (new_row, beam) in searches
            .iter_mut()
            .flat_map(|s| s.running.iter_mut())
            .enumerate()
        {
            let token = *beam.tokens.last().expect("a beam has a token after a step");
            let mut tokens = previous[beam.row].clone();
            tokens.push(token);
            let mut mask = masks[beam.row].clone();
            mask.push(1);
            rows.tokens.push(tokens);
            rows.masks.push(mask);
            next_ids.push(token as i64);
            beam.row = new_row;
        }
        input = int_tensor(next_ids, [order.len(), 1], &device);
    }

    let mut out = Vec::with_capacity(prompts.len());
    for (p, search) in searches.into_iter().enumerate() {
        let mut finished = search.finished;
        if finished.len() < config.num_return_sequences {
            // Cannot happen by the rules above (a prompt stops only when full, and the limit
            // finishes the top beams); kept so that a result is always complete.
            for beam in search.running {
                let penalty = (beam.tokens.len() as f64).powf(config.length_penalty) as f32;
                add_finished(&mut finished, beam.tokens, beam.score / penalty, beams);
            }
        }
        let sequences: Vec<Sequence> = finished
            .into_iter()
            .take(config.num_return_sequences)
            .enumerate()
            .map(|(i, (tokens, score))| {
                for &token in &tokens {
                    on_token(NewToken {
                        prompt: p,
                        sequence: i,
                        token,
                    });
                }
                Sequence {
                    tokens,
                    score: Some(score),
                }
            })
            .collect();
        out.push(sequences);
    }
    Ok(out)
}

/// The `keep` best continuations `(accumulated log-probability, beam, token)` of a prompt's
/// beams, best first (`torch.topk`), or drawn without replacement from their softmax when
/// sampling (`torch.multinomial`, in draw order).
fn top_continuations(
    search: &Prompt,
    block: &[f32],
    vocab: usize,
    keep: usize,
    sample: bool,
    rng: &mut SplitMix64,
) -> Vec<(f32, usize, u32)> {
    let accumulated = |i: usize| block[i] + search.running[i / vocab].score;
    let to_candidate = |i: usize| (accumulated(i), i / vocab, (i % vocab) as u32);
    if sample {
        let all: Vec<f32> = (0..block.len()).map(accumulated).collect();
        let mut probs = processors::softmax(&all);
        let mut picked = Vec::with_capacity(keep);
        for _ in 0..keep.min(probs.iter().filter(|&&p| p > 0.0).count()) {
            let i = super::draw(&probs, rng);
            probs[i] = 0.0;
            picked.push(to_candidate(i));
        }
        return picked;
    }
    // A partial selection of the best `keep` indices, then a sort of those alone.
    let mut best: Vec<usize> = Vec::with_capacity(keep + 1);
    let mut floor = f32::NEG_INFINITY;
    for i in 0..block.len() {
        let s = accumulated(i);
        if best.len() < keep || s > floor {
            let at = best.partition_point(|&j| accumulated(j) >= s);
            best.insert(at, i);
            best.truncate(keep);
            if best.len() == keep {
                floor = accumulated(best[keep - 1]);
            }
        }
    }
    best.into_iter().map(to_candidate).collect()
}

/// Insert a finished hypothesis, keeping the best `beams`, best first.
fn add_finished(finished: &mut Vec<(Vec<u32>, f32)>, tokens: Vec<u32>, score: f32, beams: usize) {
    let at = finished.partition_point(|(_, s)| *s >= score);
    if at < beams {
        finished.insert(at, (tokens, score));
        finished.truncate(beams);
    }
}

/// `transformers`' `_check_early_stop_heuristic`: can the best running beam still beat the
/// worst finished hypothesis? `False` assumes it ends at the current length; `"never"` with a
/// positive length penalty, at the longest length it could reach.
fn may_improve(
    search: &Prompt,
    config: &super::GenerationConfig,
    beams: usize,
    new_total: usize,
    run: &Run<'_>,
) -> bool {
    if !search.is_full(beams) {
        return true;
    }
    let hypothetical = match config.early_stopping {
        EarlyStopping::Never(_) if config.length_penalty > 0.0 => run.limit - run.prompt_len,
        _ => new_total,
    };
    let best_running =
        search.running[0].score / (hypothetical as f64).powf(config.length_penalty) as f32;
    let worst_finished = search.finished.last().map_or(NEG, |(_, s)| *s);
    best_running > worst_finished
}

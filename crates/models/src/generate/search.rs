//! Greedy decoding and sampling (`transformers`' `_sample`): each row takes its most likely
//! processed token, or draws one from the warped distribution, until it produces an
//! end-of-sequence token or reaches the length limit; finished rows are filled with padding
//! while the others go on.

use burn::tensor::backend::Backend;
use rayon::prelude::*;
use st_core::rng::SplitMix64;

use super::processors::{self, History};
use super::{
    Autoregressive, GenerateError, NewToken, Rows, Run, Sequence, argmax, draw, host_logits,
    int_tensor, row_rng,
};

pub(crate) fn search<B: Backend, M: Autoregressive<B>>(
    model: &M,
    state: M::State,
    prompts: &[Vec<u32>],
    run: &Run<'_>,
    on_token: &mut dyn FnMut(NewToken),
) -> Result<Vec<Vec<Sequence>>, GenerateError> {
    let config = run.config;
    let copies = config.num_return_sequences;
    // Row r is copy r % copies of prompt r / copies, as `transformers` expands a batch.
    let sources: Vec<usize> = (0..prompts.len() * copies).map(|r| r / copies).collect();
    let device = model.device();
    let mut state = if copies > 1 {
        model.reorder(state, &sources)
    } else {
        state
    };
    let mut rows = Rows::new(prompts, &sources, run.prompt_len);
    let mut rngs: Vec<SplitMix64> = (0..sources.len())
        .map(|r| row_rng(config.seed, r))
        .collect();
    let mut finished = vec![false; sources.len()];
    let mut generated: Vec<Vec<u32>> = vec![Vec::new(); sources.len()];
    let mut input = rows.prompt_ids::<B>(run.pad, run.prompt_len, &device);

    for len in run.prompt_len..run.limit {
        let logits = model.step(&mut state, input, rows.mask::<B>(&device));
        let (mut scores, vocab) = host_logits(logits);
        let chosen: Vec<Option<usize>> = scores
            .par_chunks_mut(vocab)
            .zip(rngs.par_iter_mut())
            .enumerate()
            .map(|(r, (row, rng))| {
                if finished[r] {
                    return None;
                }
                let history = History {
                    tokens: &rows.tokens[r],
                    len,
                    new: len - run.prompt_len,
                    limit: run.limit,
                };
                processors::process(config, history, row);
                Some(if config.do_sample {
                    processors::warp(config, row, 1);
                    draw(&processors::softmax(row), rng)
                } else {
                    argmax(row)
                })
            })
            .collect();
        let mut next = Vec::with_capacity(sources.len());
        for (r, choice) in chosen.into_iter().enumerate() {
            let token = match choice {
                Some(t) => {
                    let token = u32::try_from(t).expect("vocabulary fits u32");
                    rows.tokens[r].push(token);
                    generated[r].push(token);
                    on_token(NewToken {
                        prompt: sources[r],
                        sequence: r % copies,
                        token,
                    });
                    finished[r] = config.is_eos(token);
                    token
                }
                None => run.pad,
            };
            rows.masks[r].push(1);
            next.push(token as i64);
        }
        if finished.iter().all(|&f| f) {
            break;
        }
        input = int_tensor(next, [sources.len(), 1], &device);
    }
    let mut out: Vec<Vec<Sequence>> = vec![Vec::with_capacity(copies); prompts.len()];
    for (r, tokens) in generated.into_iter().enumerate() {
        out[sources[r]].push(Sequence {
            tokens,
            score: None,
        });
    }
    Ok(out)
}

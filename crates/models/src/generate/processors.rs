//! The logits processors of `generate`, on one row of scores at a time (host memory: a row is
//! one vocabulary of floats, and these are cheap next to the model's step). Each matches the
//! `transformers` class named in its doc comment.

use super::GenerationConfig;

/// The score of a token that must not be chosen.
pub const BANNED: f32 = f32::NEG_INFINITY;

/// What the processors need to know of one sequence: its tokens so far and the length
/// counters `transformers` compares with (the padded length of the batch).
#[derive(Debug, Clone, Copy)]
pub struct History<'a> {
    /// The row's own tokens, prompt and generated, without padding.
    pub tokens: &'a [u32],
    /// Tokens in the sequence counted as `transformers` counts them: padded prompt plus new.
    pub len: usize,
    /// Tokens generated so far.
    pub new: usize,
    /// The most tokens the sequence may reach (`max_length`, or prompt + `max_new_tokens`).
    pub limit: usize,
}

/// The processors that shape scores before any choice (greedy, sampling and beam search), in
/// `transformers`' order: repetition penalty, no-repeat n-grams, bad words, minimum lengths,
/// forced first and last tokens.
pub fn process(config: &GenerationConfig, history: History<'_>, scores: &mut [f32]) {
    if config.repetition_penalty != 1.0 {
        repetition_penalty(config.repetition_penalty as f32, history.tokens, scores);
    }
    if config.no_repeat_ngram_size > 0 {
        no_repeat_ngram(config.no_repeat_ngram_size, history, scores);
    }
    if !config.bad_words_ids.is_empty() {
        bad_words(
            &config.bad_words_ids,
            &config.eos_token_id,
            history.tokens,
            scores,
        );
    }
    if history.len < config.min_length || history.new < config.min_new_tokens {
        ban(&config.eos_token_id, scores);
    }
    if let Some(bos) = config.forced_bos_token_id
        && history.len == 1
    {
        force(&[bos], scores);
    }
    if !config.forced_eos_token_id.is_empty() && history.len + 1 == history.limit {
        force(&config.forced_eos_token_id, scores);
    }
}

/// `ForcedBOSTokenLogitsProcessor` / `ForcedEOSTokenLogitsProcessor`: every token but `tokens`
/// banned, and those scored 0 (so that a beam's score is unchanged by the forced step).
pub fn force(tokens: &[u32], scores: &mut [f32]) {
    scores.fill(BANNED);
    for &t in tokens {
        if let Some(s) = scores.get_mut(t as usize) {
            *s = 0.0;
        }
    }
}

/// The warpers that reshape the distribution before sampling, in `transformers`' order:
/// temperature, top-k, top-p; each keeps at least `min_tokens_to_keep` tokens.
pub fn warp(config: &GenerationConfig, scores: &mut [f32], min_tokens_to_keep: usize) {
    if config.temperature != 1.0 {
        temperature(config.temperature as f32, scores);
    }
    if config.top_k > 0 {
        top_k(config.top_k, min_tokens_to_keep, scores);
    }
    if config.top_p < 1.0 {
        top_p(config.top_p, min_tokens_to_keep, scores);
    }
}

fn ban(tokens: &[u32], scores: &mut [f32]) {
    for &t in tokens {
        if let Some(s) = scores.get_mut(t as usize) {
            *s = BANNED;
        }
    }
}

/// `RepetitionPenaltyLogitsProcessor`: every token already in the sequence has its score
/// divided by `penalty` when positive and multiplied by it when negative (once per token).
pub fn repetition_penalty(penalty: f32, tokens: &[u32], scores: &mut [f32]) {
    let mut seen = tokens.to_vec();
    seen.sort_unstable();
    seen.dedup();
    for t in seen {
        if let Some(s) = scores.get_mut(t as usize) {
            *s = if *s < 0.0 { *s * penalty } else { *s / penalty };
        }
    }
}

/// `NoRepeatNGramLogitsProcessor`: a token that would complete an n-gram already in the
/// sequence is banned. Nothing is banned before the sequence holds `n` tokens.
pub fn no_repeat_ngram(n: usize, history: History<'_>, scores: &mut [f32]) {
    let tokens = history.tokens;
    if history.len < n || tokens.len() < n {
        return;
    }
    let prefix = &tokens[tokens.len() + 1 - n..];
    for gram in tokens.windows(n) {
        if &gram[..n - 1] == prefix {
            ban(&gram[n - 1..], scores);
        }
    }
}

/// `NoBadWordsLogitsProcessor`: a one-token bad word is always banned; a longer one has its
/// last token banned when the sequence ends with the rest of it. A bad word that is just an
/// end-of-sequence token is ignored, so that sequences can still end.
pub fn bad_words(bad: &[Vec<u32>], eos: &[u32], tokens: &[u32], scores: &mut [f32]) {
    for word in bad {
        let Some((last, rest)) = word.split_last() else {
            continue;
        };
        if rest.is_empty() && eos.contains(last) {
            continue;
        }
        if tokens.ends_with(rest) {
            ban(&[*last], scores);
        }
    }
}

/// `TemperatureLogitsWarper`.
pub fn temperature(t: f32, scores: &mut [f32]) {
    for s in scores {
        *s /= t;
    }
}

/// `TopKLogitsWarper`: scores below the k-th highest are banned (ties with it are kept).
pub fn top_k(k: usize, min_tokens_to_keep: usize, scores: &mut [f32]) {
    let k = k.max(min_tokens_to_keep).min(scores.len());
    if k == 0 || k == scores.len() {
        return;
    }
    let mut sorted = scores.to_vec();
    let (_, kth, _) = sorted.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
    let kth = *kth;
    for s in scores {
        if *s < kth {
            *s = BANNED;
        }
    }
}

/// `TopPLogitsWarper`: going from the least likely token up, tokens are banned while their
/// cumulative probability stays at or under `1 − p`; at least `min_tokens_to_keep` stay.
///
/// Banned tokens have probability 0 and sort first, so only the others are sorted: after
/// top-k that is a handful instead of the whole vocabulary.
pub fn top_p(p: f64, min_tokens_to_keep: usize, scores: &mut [f32]) {
    let mut order: Vec<usize> = (0..scores.len()).filter(|&i| scores[i] != BANNED).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let probs = softmax(scores);
    let keep_from = order.len().saturating_sub(min_tokens_to_keep);
    let mut cumulative = 0.0f32;
    let threshold = (1.0 - p) as f32;
    for (rank, &i) in order.iter().enumerate() {
        cumulative += probs[i];
        if cumulative > threshold || rank >= keep_from {
            break;
        }
        scores[i] = BANNED;
    }
}

/// Softmax of a row, computed in `f32` as `torch.softmax` does on `float32` scores.
pub fn softmax(scores: &[f32]) -> Vec<f32> {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = scores.iter().map(|&s| (s - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.into_iter().map(|e| e / sum).collect()
}

/// Log-softmax of a row in place (beam search ranks by log-probabilities).
pub fn log_softmax(scores: &mut [f32]) {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f32 = scores.iter().map(|&s| (s - max).exp()).sum();
    let log_sum = max + sum.ln();
    for s in scores {
        *s -= log_sum;
    }
}

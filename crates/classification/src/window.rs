//! Sliding windows over long texts, as Simple Transformers' `sliding_window`: a text longer than
//! the model's input is cut into windows of `max_seq_length − special tokens` tokens starting
//! every `stride` tokens (`stride < 1` is a fraction of `max_seq_length`); training uses every
//! window with its text's label; prediction takes the majority vote of the windows (ties go to
//! `tie_value`), or the mean for regression.

/// Window start step in tokens: `⌊max_seq_length × stride⌋` for a fractional stride, else the
/// stride itself; at least 1.
pub fn stride_tokens(max_seq_length: usize, stride: f64) -> usize {
    let step = if stride < 1.0 {
        (max_seq_length as f64 * stride) as usize
    } else {
        stride as usize
    };
    step.max(1)
}

/// The windows of `ids`: `ids[s..s + bucket]` for `s = 0, step, 2·step, …` while `s < len`,
/// or the whole sequence when it fits (Python's list comprehension, tail windows included).
pub fn windows<T>(ids: &[T], bucket: usize, step: usize) -> Vec<&[T]> {
    if ids.len() <= bucket {
        return vec![ids];
    }
    (0..ids.len())
        .step_by(step.max(1))
        .map(|start| &ids[start..(start + bucket).min(ids.len())])
        .collect()
}

/// The most frequent class among `votes`; when several are equally frequent, `tie_value`.
pub fn majority_vote(votes: &[usize], tie_value: usize) -> usize {
    let mut counts = std::collections::BTreeMap::new();
    for &vote in votes {
        *counts.entry(vote).or_insert(0usize) += 1;
    }
    let best = counts.values().copied().max().unwrap_or(0);
    let mut modes = counts.iter().filter(|&(_, &c)| c == best).map(|(&v, _)| v);
    match (modes.next(), modes.next()) {
        (Some(only), None) => only,
        _ => tie_value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_follow_python() {
        let ids: Vec<u32> = (0..10).collect();
        let w = windows(&ids, 4, 3);
        assert_eq!(w, [&[0, 1, 2, 3][..], &[3, 4, 5, 6], &[6, 7, 8, 9], &[9]]);
        assert_eq!(windows(&ids[..4], 4, 3), [&[0, 1, 2, 3][..]]);
        assert_eq!(stride_tokens(128, 0.8), 102);
        assert_eq!(stride_tokens(128, 50.0), 50);
        assert_eq!(stride_tokens(1, 0.5), 1);
    }

    #[test]
    fn votes_and_ties() {
        assert_eq!(majority_vote(&[1, 0, 1], 0), 1);
        assert_eq!(majority_vote(&[1, 0], 7), 7);
        assert_eq!(majority_vote(&[2, 2, 1, 1, 0], 9), 9);
        assert_eq!(majority_vote(&[], 1), 1);
    }
}

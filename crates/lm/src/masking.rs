//! Masked-LM inputs and labels as Simple Transformers' `mask_tokens` makes them: each token
//! that is neither special nor padding is chosen with `mlm_probability`; a chosen token keeps
//! its id as the label and is replaced by the mask token 80 % of the time, by a random token
//! 10 %, and left as it is 10 %; every other label is −100.
//!
//! Draws come from one SplitMix64 stream per block, seeded from the batch's seed and the
//! block's place in it, so masks are new every epoch, the same in a resumed run, and
//! independent of how many threads build the batch.

use st_core::rng::SplitMix64;

/// The label of a position the loss ignores.
pub const IGNORE_INDEX: i64 = -100;

/// What masking needs to know about the tokenizer.
#[derive(Debug, Clone)]
pub struct Masking {
    pub probability: f64,
    pub mask_id: u32,
    /// Random replacements are drawn from `0..vocab_size` (Python: `len(tokenizer)`).
    pub vocab_size: usize,
    /// Sorted ids that are never chosen (special tokens and padding).
    pub protected: Vec<u32>,
    /// Every chosen token becomes the mask token (ELECTRA), with no 80/10/10 split.
    pub replace_all: bool,
}

impl Masking {
    /// The masked input and the labels of `ids`, drawing from `rng`.
    pub fn apply(&self, ids: &[u32], rng: &mut SplitMix64) -> (Vec<i64>, Vec<i64>) {
        let mut input = Vec::with_capacity(ids.len());
        let mut labels = Vec::with_capacity(ids.len());
        for &id in ids {
            let eligible = self.protected.binary_search(&id).is_err();
            if !eligible || rng.next_f64() >= self.probability {
                input.push(i64::from(id));
                labels.push(IGNORE_INDEX);
                continue;
            }
            labels.push(i64::from(id));
            let replaced = if self.replace_all || rng.next_f64() < 0.8 {
                self.mask_id
            } else if rng.next_f64() < 0.5 {
                (rng.next_u64() % self.vocab_size.max(1) as u64) as u32
            } else {
                id
            };
            input.push(i64::from(replaced));
        }
        (input, labels)
    }
}

/// The generator for block `index` of a batch seeded with `seed`.
pub fn block_rng(seed: u64, index: usize) -> SplitMix64 {
    let mut mix = SplitMix64(seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    SplitMix64(mix.next_u64())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a large sample the shares are Python's: 15 % chosen, of which 80 % masked, 10 %
    /// random, 10 % kept; special tokens never chosen.
    #[test]
    fn masking_statistics_match_the_recipe() {
        let masking = Masking {
            probability: 0.15,
            mask_id: 4,
            vocab_size: 1000,
            protected: vec![0, 1, 2, 3, 4],
            replace_all: false,
        };
        let ids: Vec<u32> = (0..200_000u32).map(|i| 5 + i % 995).collect();
        let mut framed = vec![2];
        framed.extend(&ids);
        framed.push(3);
        let (mut chosen, mut masked, mut kept, mut random) = (0usize, 0usize, 0usize, 0usize);
        let (input, labels) = masking.apply(&framed, &mut block_rng(42, 0));
        assert_eq!(labels[0], IGNORE_INDEX);
        assert_eq!(*labels.last().unwrap(), IGNORE_INDEX);
        for ((&original, &new), &label) in framed.iter().zip(&input).zip(&labels) {
            if label == IGNORE_INDEX {
                assert_eq!(new, i64::from(original), "unchosen tokens stay");
                continue;
            }
            assert_eq!(label, i64::from(original));
            chosen += 1;
            if new == 4 {
                masked += 1;
            } else if new == i64::from(original) {
                kept += 1;
            } else {
                random += 1;
            }
        }
        let share = |n: usize, of: usize| n as f64 / of as f64;
        assert!((share(chosen, ids.len()) - 0.15).abs() < 0.005, "{chosen}");
        assert!((share(masked, chosen) - 0.8).abs() < 0.01, "{masked}");
        // A random draw can land on the token itself (1 in 1000), so "kept" is a hair above.
        assert!((share(kept, chosen) - 0.1).abs() < 0.01, "{kept}");
        assert!((share(random, chosen) - 0.1).abs() < 0.01, "{random}");
    }

    /// ELECTRA's masking: every chosen token becomes the mask token.
    #[test]
    fn electra_masks_every_chosen_token() {
        let masking = Masking {
            probability: 0.15,
            mask_id: 4,
            vocab_size: 1000,
            protected: vec![0, 1, 2, 3, 4],
            replace_all: true,
        };
        let ids: Vec<u32> = (0..50_000u32).map(|i| 5 + i % 995).collect();
        let (input, labels) = masking.apply(&ids, &mut block_rng(3, 0));
        let chosen = labels.iter().filter(|&&l| l != IGNORE_INDEX).count();
        assert!(
            (chosen as f64 / ids.len() as f64 - 0.15).abs() < 0.01,
            "{chosen}"
        );
        for ((&original, &new), &label) in ids.iter().zip(&input).zip(&labels) {
            if label == IGNORE_INDEX {
                assert_eq!(new, i64::from(original));
            } else {
                assert_eq!((new, label), (4, i64::from(original)));
            }
        }
    }

    #[test]
    fn protected_tokens_are_never_chosen() {
        let masking = Masking {
            probability: 1.0,
            mask_id: 9,
            vocab_size: 10,
            protected: vec![0, 7],
            replace_all: false,
        };
        let (input, labels) = masking.apply(&[0, 5, 7, 6], &mut block_rng(1, 0));
        assert_eq!((input[0], labels[0]), (0, IGNORE_INDEX));
        assert_eq!((input[2], labels[2]), (7, IGNORE_INDEX));
        assert_eq!((labels[1], labels[3]), (5, 6));
    }

    #[test]
    fn blocks_of_a_batch_draw_different_masks_and_epochs_differ() {
        let masking = Masking {
            probability: 0.5,
            mask_id: 1,
            vocab_size: 100,
            protected: vec![],
            replace_all: false,
        };
        let ids: Vec<u32> = (10..74).collect();
        let a = masking.apply(&ids, &mut block_rng(7, 0));
        let b = masking.apply(&ids, &mut block_rng(7, 1));
        let c = masking.apply(&ids, &mut block_rng(8, 0));
        assert_ne!(a.1, b.1);
        assert_ne!(a.1, c.1);
        assert_eq!(a, masking.apply(&ids, &mut block_rng(7, 0)));
    }
}

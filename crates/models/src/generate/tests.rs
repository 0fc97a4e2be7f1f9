//! The engine on a model whose next-token logits depend only on the last token (a table), so
//! that every expected sequence can be worked out by hand.

use burn::tensor::{Int, Tensor, TensorData};
use st_core::backend::DefaultBackend;

use super::*;

type B = DefaultBackend;

/// The device type of `B`, named through a function that returns it.
type Dev = <B as burn::tensor::backend::BackendTypes>::Device;

/// Next-token log-probabilities `table[last][next]`.
struct Table {
    table: Vec<Vec<f32>>,
}

impl Table {
    /// A table from probabilities; unlisted tokens get a tiny probability.
    fn new(vocab: usize, rows: &[(u32, &[(u32, f32)])]) -> Self {
        let mut table = vec![vec![(1e-6f32).ln(); vocab]; vocab];
        for &(from, next) in rows {
            for &(to, p) in next {
                table[from as usize][to as usize] = p.ln();
            }
        }
        Self { table }
    }
}

impl Autoregressive<B> for Table {
    /// The last token of each row.
    type State = Vec<u32>;

    fn step(
        &self,
        state: &mut Vec<u32>,
        input_ids: Tensor<B, 2, Int>,
        _mask: Tensor<B, 2, Int>,
    ) -> Tensor<B, 2> {
        let [rows, n] = input_ids.dims();
        let ids: Vec<i64> = input_ids.into_data().convert::<i64>().to_vec().unwrap();
        *state = (0..rows).map(|r| ids[r * n + n - 1] as u32).collect();
        let vocab = self.table.len();
        let flat: Vec<f32> = state
            .iter()
            .flat_map(|&t| self.table[t as usize].clone())
            .collect();
        Tensor::from_data(TensorData::new(flat, [rows, vocab]), &Default::default())
    }

    fn reorder(&self, state: Vec<u32>, rows: &[usize]) -> Vec<u32> {
        if state.is_empty() {
            return state;
        }
        rows.iter().map(|&r| state[r]).collect()
    }

    fn device(&self) -> Dev {
        Default::default()
    }
}

const EOS: u32 = 9;

/// Most likely: 1 → 2 → 3 → EOS; 4 → 5 → 5 → …; 6 → 7 (0.6) or 8 (0.4); 7 → 0, 1 or 2
/// (0.25 each); 8 → 1 (0.95). Every row sums to 1 (up to the 1e-6 tails).
fn table() -> Table {
    Table::new(
        10,
        &[
            (1, &[(2, 0.9), (3, 0.1)]),
            (2, &[(3, 0.85), (1, 0.15)]),
            (3, &[(EOS, 0.9), (4, 0.1)]),
            (4, &[(5, 0.9), (1, 0.1)]),
            (5, &[(5, 0.9), (4, 0.1)]),
            (6, &[(7, 0.6), (8, 0.4)]),
            (7, &[(0, 0.25), (1, 0.25), (2, 0.25), (3, 0.249)]),
            (8, &[(1, 0.95), (2, 0.05)]),
        ],
    )
}

fn config() -> GenerationConfig {
    GenerationConfig {
        max_new_tokens: Some(5),
        eos_token_id: vec![EOS],
        pad_token_id: Some(0),
        ..GenerationConfig::default()
    }
}

fn tokens(out: &[Vec<Sequence>]) -> Vec<Vec<Vec<u32>>> {
    out.iter()
        .map(|seqs| seqs.iter().map(|s| s.tokens.clone()).collect())
        .collect()
}

#[test]
fn greedy_stops_each_row_at_its_own_end_and_streams_what_it_chose() {
    let mut streamed = Vec::new();
    let prompts = vec![vec![1], vec![0, 0, 4]];
    let out = generate_streaming(&table(), Vec::new(), &prompts, &config(), &mut |t| {
        streamed.push((t.prompt, t.token))
    })
    .unwrap();
    assert_eq!(
        tokens(&out),
        vec![vec![vec![2, 3, EOS]], vec![vec![5, 5, 5, 5, 5]]]
    );
    let row = |p| {
        streamed
            .iter()
            .filter(|(q, _)| *q == p)
            .map(|(_, t)| *t)
            .collect::<Vec<_>>()
    };
    assert_eq!(row(0), vec![2, 3, EOS]);
    assert_eq!(row(1), vec![5; 5]);
}

#[test]
fn lengths_count_as_transformers_counts_them() {
    // max_length counts the (padded) prompt: 3 + 2.
    let c = GenerationConfig {
        max_new_tokens: None,
        max_length: 5,
        ..config()
    };
    let out = generate(&table(), Vec::new(), &[vec![0, 0, 4]], &c).unwrap();
    assert_eq!(tokens(&out), vec![vec![vec![5, 5]]]);
    // min_new_tokens forbids the end: 1 → 2 → 3 → (not EOS) …
    let c = GenerationConfig {
        min_new_tokens: 4,
        ..config()
    };
    let out = generate(&table(), Vec::new(), &[vec![1]], &c).unwrap();
    assert_ne!(out[0][0].tokens[2], EOS);
    let c = GenerationConfig {
        max_length: 3,
        max_new_tokens: None,
        ..config()
    };
    let err = generate(&table(), Vec::new(), &[vec![1, 2, 3]], &c).unwrap_err();
    assert!(
        matches!(
            err,
            GenerateError::NoRoom {
                prompt: 3,
                limit: 3,
                ..
            }
        ),
        "{err}"
    );
    let err = generate(&table(), Vec::new(), &[vec![1], vec![]], &config()).unwrap_err();
    assert!(
        matches!(err, GenerateError::EmptyPrompt { index: 1 }),
        "{err}"
    );
}

#[test]
fn beam_search_finds_the_likelier_sequence_greedy_misses() {
    // From 6, greedy takes 7 (0.6) and then at best 0.25; 6 → 8 → 1 is 0.4 × 0.95.
    let c = GenerationConfig {
        max_new_tokens: Some(2),
        ..config()
    };
    let greedy = generate(&table(), Vec::new(), &[vec![6]], &c).unwrap();
    assert_eq!(greedy[0][0].tokens, vec![7, 0]);
    let beam = GenerationConfig {
        num_beams: 2,
        num_return_sequences: 2,
        ..c
    };
    let out = generate(&table(), Vec::new(), &[vec![6], vec![1]], &beam).unwrap();
    assert_eq!(out[0][0].tokens, vec![8, 1]);
    assert_eq!(out[0][1].tokens, vec![7, 0]);
    let expected = (0.4f32.ln() + 0.95f32.ln()) / 2.0;
    // Rows are normalised by the log-softmax: the 1e-6 tails shift scores by ~1e-5.
    assert!((out[0][0].score.unwrap() - expected).abs() < 1e-4);
    // The other prompt's search is independent: 1 → 2 → 3.
    assert_eq!(out[1][0].tokens, vec![2, 3]);
}

#[test]
fn beams_end_at_eos_with_length_penalised_scores() {
    let c = GenerationConfig {
        num_beams: 2,
        max_new_tokens: Some(6),
        length_penalty: 1.0,
        early_stopping: EarlyStopping::Flag(true),
        ..config()
    };
    let out = generate(&table(), Vec::new(), &[vec![1]], &c).unwrap();
    assert_eq!(out[0][0].tokens, vec![2, 3, EOS]);
    let expected = (0.9f32.ln() + 0.85f32.ln() + 0.9f32.ln()) / 3.0;
    // Rows are normalised by the log-softmax: the 1e-6 tails shift scores by ~1e-5.
    assert!((out[0][0].score.unwrap() - expected).abs() < 1e-4);
}

#[test]
fn seeded_sampling_is_reproducible_and_top_k_1_is_greedy() {
    let uniform = Table::new(10, &[]);
    let c = GenerationConfig {
        do_sample: true,
        top_k: 0,
        max_new_tokens: Some(12),
        num_return_sequences: 3,
        eos_token_id: vec![],
        seed: 7,
        ..config()
    };
    let a = tokens(&generate(&uniform, Vec::new(), &[vec![1], vec![2]], &c).unwrap());
    let b = tokens(&generate(&uniform, Vec::new(), &[vec![1], vec![2]], &c).unwrap());
    assert_eq!(a, b);
    assert_eq!(a[0].len(), 3);
    assert_ne!(a[0][0], a[0][1], "copies draw from their own streams");
    let other = GenerationConfig {
        seed: 8,
        ..c.clone()
    };
    assert_ne!(
        a,
        tokens(&generate(&uniform, Vec::new(), &[vec![1], vec![2]], &other).unwrap())
    );

    let top1 = GenerationConfig {
        top_k: 1,
        num_return_sequences: 1,
        ..c
    };
    // 1 → 2 → 3 → 9 has one likeliest token at each step (later rows are ties).
    let sampled = generate(&table(), Vec::new(), &[vec![1]], &top1).unwrap();
    assert_eq!(sampled[0][0].tokens[..3], [2, 3, 9]);
}

#[test]
fn processors_follow_transformers_on_small_cases() {
    use processors::*;
    let mut s = vec![2.0, -2.0, 1.0, 0.5];
    repetition_penalty(2.0, &[0, 1, 1], &mut s);
    assert_eq!(s, vec![1.0, -4.0, 1.0, 0.5]);

    // 1 2 3 1 2: the prefix "2" was followed by 3, so 3 is banned (n = 2).
    let mut s = vec![0.0; 5];
    let tokens = [1, 2, 3, 1, 2];
    no_repeat_ngram(
        2,
        History {
            tokens: &tokens,
            len: 5,
            new: 0,
            limit: 20,
        },
        &mut s,
    );
    assert_eq!(s, vec![0.0, 0.0, 0.0, BANNED, 0.0]);

    let mut s = vec![0.0; 5];
    bad_words(&[vec![4], vec![2, 3], vec![9]], &[9], &[1, 2], &mut s);
    assert_eq!(s, vec![0.0, 0.0, 0.0, BANNED, BANNED]);

    let mut s = vec![1.0, 3.0, 2.0, 3.0];
    top_k(2, 1, &mut s);
    assert_eq!(s, vec![BANNED, 3.0, BANNED, 3.0]);

    // Probabilities 0.5, 0.25, 0.125, 0.125: top_p 0.7 keeps the two likeliest.
    let mut s: Vec<f32> = [0.5f32, 0.25, 0.125, 0.125]
        .iter()
        .map(|p| p.ln())
        .collect();
    top_p(0.7, 1, &mut s);
    assert_eq!(s.iter().filter(|x| **x == BANNED).count(), 2);
    assert!(s[0] > BANNED && s[1] > BANNED);

    // Forced tokens: the first after the start token, and the last before the limit.
    let config = GenerationConfig {
        forced_bos_token_id: Some(1),
        forced_eos_token_id: vec![3],
        ..GenerationConfig::default()
    };
    let at = |len: usize| {
        let mut s = vec![0.5; 4];
        let tokens = vec![0; len];
        let history = History {
            tokens: &tokens,
            len,
            new: len - 1,
            limit: 5,
        };
        process(&config, history, &mut s);
        s
    };
    assert_eq!(at(1), vec![BANNED, 0.0, BANNED, BANNED]);
    assert_eq!(at(2), vec![0.5; 4]);
    assert_eq!(at(4), vec![BANNED, BANNED, BANNED, 0.0]);
}

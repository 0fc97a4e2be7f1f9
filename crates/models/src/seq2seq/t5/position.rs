//! T5's relative position buckets and the attention bias built from them.
//!
//! A key at distance `key − query` falls in a bucket: exact buckets for small distances, then
//! logarithmically wider ones up to `max_distance`, beyond which all share the last. The
//! encoder's buckets are bidirectional (half of them for keys after the query); the decoder's
//! causal ones only see the past. Each stack's first layer learns one bias per bucket and head
//! and every layer of the stack adds that bias to its scores.

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};

/// `transformers`' `T5Attention._relative_position_bucket` for one relative position, in the
/// same float32 arithmetic (the logarithmic bucket is truncated from a float32 value).
pub fn relative_position_bucket(
    relative_position: i64,
    bidirectional: bool,
    num_buckets: usize,
    max_distance: usize,
) -> usize {
    let (mut num_buckets, mut bucket) = (num_buckets as i64, 0i64);
    let distance = if bidirectional {
        num_buckets /= 2;
        if relative_position > 0 {
            bucket += num_buckets;
        }
        relative_position.abs()
    } else {
        (-relative_position).max(0)
    };
    let max_exact = num_buckets / 2;
    if distance < max_exact {
        return (bucket + distance) as usize;
    }
    // torch: log(d.float() / max_exact) / math.log(max_distance / max_exact) * (n − max_exact),
    // each step in float32 (the Python scalar's log is taken in double, then rounded).
    let scale = ((max_distance as f64) / (max_exact as f64)).ln() as f32;
    let log = (distance as f32 / max_exact as f32).ln() / scale * (num_buckets - max_exact) as f32;
    let large = (max_exact + log as i64).min(num_buckets - 1);
    (bucket + large) as usize
}

/// The buckets `[queries, keys]` of queries at `past..past + queries` against keys at
/// `0..keys`, as an integer tensor.
pub fn bucket_grid<B: Backend>(
    queries: usize,
    keys: usize,
    past: usize,
    bidirectional: bool,
    num_buckets: usize,
    max_distance: usize,
    device: &B::Device,
) -> Tensor<B, 2, Int> {
    let buckets: Vec<i64> = (0..queries)
        .flat_map(|q| {
            (0..keys).map(move |k| {
                let relative = k as i64 - (past + q) as i64;
                relative_position_bucket(relative, bidirectional, num_buckets, max_distance) as i64
            })
        })
        .collect();
    Tensor::from_data(TensorData::new(buckets, [queries, keys]), device)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_distances_are_exact_and_far_ones_share_the_last_bucket() {
        // 32 buckets, max distance 128 (T5's defaults): 16 per direction, 8 of them exact.
        assert_eq!(relative_position_bucket(0, true, 32, 128), 0);
        assert_eq!(relative_position_bucket(-3, true, 32, 128), 3);
        assert_eq!(relative_position_bucket(3, true, 32, 128), 19);
        assert_eq!(relative_position_bucket(-1000, true, 32, 128), 15);
        assert_eq!(relative_position_bucket(1000, true, 32, 128), 31);
        // Causal: keys after the query all land in bucket 0.
        assert_eq!(relative_position_bucket(5, false, 32, 128), 0);
        assert_eq!(relative_position_bucket(-5, false, 32, 128), 5);
        assert_eq!(relative_position_bucket(-1000, false, 32, 128), 31);
    }
}

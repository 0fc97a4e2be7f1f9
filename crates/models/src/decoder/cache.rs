//! The key/value cache of incremental decoding: each layer's keys and values of every position
//! fed so far, so that a new token attends to them without recomputing them.

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

/// Past keys and values, `[rows, heads, past, head_dim]` per layer.
#[derive(Debug, Clone)]
pub struct KvCache<B: Backend> {
    layers: Vec<Option<(Tensor<B, 4>, Tensor<B, 4>)>>,
}

impl<B: Backend> KvCache<B> {
    /// An empty cache for a model of `layers` layers.
    pub fn new(layers: usize) -> Self {
        Self {
            layers: vec![None; layers],
        }
    }

    /// How many positions are cached.
    pub fn len(&self) -> usize {
        self.layers
            .first()
            .and_then(|l| l.as_ref())
            .map_or(0, |(k, _)| k.dims()[2])
    }

    /// How many rows (sequences) are cached.
    pub fn rows(&self) -> usize {
        self.layers
            .first()
            .and_then(|l| l.as_ref())
            .map_or(0, |(k, _)| k.dims()[0])
    }

    /// Whether nothing is cached yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cache whose row `i` is row `rows[i]` of this one: beam search reorders rows by
    /// beam, and expanding a batch for beams or several returned sequences repeats them.
    pub fn select(self, rows: &[usize]) -> Self {
        let unchanged = rows.len() == self.rows() && rows.iter().enumerate().all(|(i, &r)| i == r);
        if unchanged || self.is_empty() {
            return self;
        }
        let layers = self
            .layers
            .into_iter()
            .map(|layer| {
                layer.map(|(k, v)| {
                    let device = k.device();
                    let ids: Vec<i64> = rows.iter().map(|&r| r as i64).collect();
                    let ids = Tensor::<B, 1, Int>::from_ints(ids.as_slice(), &device);
                    (k.select(0, ids.clone()), v.select(0, ids))
                })
            })
            .collect();
        Self { layers }
    }

    /// Append layer `layer`'s keys and values of the new positions; returns everything cached
    /// for that layer, new positions included.
    pub(crate) fn extend(
        &mut self,
        layer: usize,
        k: Tensor<B, 4>,
        v: Tensor<B, 4>,
    ) -> (Tensor<B, 4>, Tensor<B, 4>) {
        let joined = match self.layers[layer].take() {
            Some((past_k, past_v)) => (
                Tensor::cat(vec![past_k, k], 2),
                Tensor::cat(vec![past_v, v], 2),
            ),
            None => (k, v),
        };
        self.layers[layer] = Some(joined.clone());
        joined
    }
}

//! Rows to token ids and ids to batches: the input and the target are each tokenised with
//! special tokens and truncated to `max_seq_length` (Python pads both to it; padding to the
//! batch's longest row instead gives the same loss, masked); the labels are the target's ids
//! with padding ignored (−100), and the model derives its decoder inputs from them.

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};

/// The label value the loss ignores.
pub const IGNORE_INDEX: i64 = -100;

/// One featurised pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Features {
    pub input_ids: Vec<u32>,
    pub labels: Vec<u32>,
}

/// A padded batch ready for the forward pass.
#[derive(Debug, Clone)]
pub struct Seq2SeqBatch<B: Backend> {
    pub input_ids: Tensor<B, 2, Int>,
    pub attention_mask: Tensor<B, 2, Int>,
    /// `[rows, target]`, −100 on padding.
    pub labels: Tensor<B, 2, Int>,
}

/// `rows` right-padded to the longest with `fill`: the flat values and the mask.
pub fn pad_right(rows: &[&[u32]], fill: i64) -> (Vec<i64>, Vec<i64>, [usize; 2]) {
    let width = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let mut values = vec![fill; rows.len() * width];
    let mut mask = vec![0; rows.len() * width];
    for (r, row) in rows.iter().enumerate() {
        for (t, &id) in row.iter().enumerate() {
            values[r * width + t] = i64::from(id);
            mask[r * width + t] = 1;
        }
    }
    (values, mask, [rows.len(), width])
}

pub(crate) fn int_tensor<B: Backend>(
    values: Vec<i64>,
    shape: [usize; 2],
    device: &B::Device,
) -> Tensor<B, 2, Int> {
    Tensor::from_data(TensorData::new(values, shape), device)
}

/// The encoder inputs of `rows` (right-padded with `pad`) and their attention mask.
pub fn encoder_inputs<B: Backend>(
    rows: &[&[u32]],
    pad: u32,
    device: &B::Device,
) -> (Tensor<B, 2, Int>, Tensor<B, 2, Int>) {
    let (ids, mask, shape) = pad_right(rows, i64::from(pad));
    (
        int_tensor(ids, shape, device),
        int_tensor(mask, shape, device),
    )
}

impl<B: Backend> Seq2SeqBatch<B> {
    /// The batch of `rows`, inputs padded with `pad`.
    pub fn new(rows: &[&Features], pad: u32, device: &B::Device) -> Self {
        let inputs: Vec<&[u32]> = rows.iter().map(|r| r.input_ids.as_slice()).collect();
        let (input_ids, attention_mask) = encoder_inputs(&inputs, pad, device);
        let targets: Vec<&[u32]> = rows.iter().map(|r| r.labels.as_slice()).collect();
        let (labels, _, shape) = pad_right(&targets, IGNORE_INDEX);
        Self {
            input_ids,
            attention_mask,
            labels: int_tensor(labels, shape, device),
        }
    }
}

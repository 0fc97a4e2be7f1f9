//! Encoder-decoder architectures: an encoder reads the input once, a decoder generates the
//! output attending to it (cross-attention).
//!
//! | module | what |
//! |---|---|
//! | [`t5`] | T5 v1.0, v1.1 and mT5 as `transformers`' `T5ForConditionalGeneration` |
//! | [`bart`] | BART as `transformers`' `BartForConditionalGeneration` |

pub mod bart;
pub(crate) mod masks;
pub mod t5;

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

pub use bart::{BartConfig, BartForConditionalGeneration, BartNames, load_bart};
pub use t5::{T5Config, T5ForConditionalGeneration, T5Names, T5State, load_t5, save_t5};

/// `labels` `[rows, m]` shifted one position right behind `start`, −100 (ignored positions)
/// replaced by `pad`: the decoder inputs that teach a model `labels` (teacher forcing, as
/// `transformers`' `shift_tokens_right` / `_shift_right`).
pub fn shift_right<B: Backend>(
    labels: Tensor<B, 2, Int>,
    start: u32,
    pad: u32,
) -> Tensor<B, 2, Int> {
    let [rows, m] = labels.dims();
    let device = labels.device();
    let first = Tensor::<B, 2, Int>::full([rows, 1], start as i64, &device);
    let shifted = Tensor::cat(vec![first, labels.slice([0..rows, 0..m - 1])], 1);
    let ignored = shifted.clone().equal_elem(-100);
    shifted.mask_fill(ignored, pad as i64)
}

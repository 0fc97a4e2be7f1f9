//! What a language model predicts: a causal model continues prompts through the shared
//! decoding engine (Python's `predict`), a masked model fills its mask tokens (the shape of
//! the `transformers` `fill-mask` pipeline).

use burn::module::AutodiffModule;
use burn::tensor::activation::softmax;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{Int, Tensor};
use serde::{Deserialize, Serialize};
use st_core::tokenizer::TextInput;
use st_models::EncoderInput;
use st_models::generate::{self, EarlyStopping, GenerationConfig};

use crate::GenerationArgs;
use crate::lm_model::{Kind, LanguageModelingModel, LmError};
use crate::module::LmModule;

/// One candidate for one mask: the `fill-mask` pipeline's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilledToken {
    /// Its probability at the mask.
    pub score: f32,
    pub token: u32,
    /// The token as text.
    pub token_str: String,
    /// The input with this token at the mask (special tokens kept when the input has several
    /// masks, as the pipeline does).
    pub sequence: String,
}

/// Per mask of one input (in order), its best candidates, most likely first.
pub type FillMask = Vec<Vec<FilledToken>>;

/// `predict`'s result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LmPredictions {
    /// A causal model: per prompt (and returned sequence), the generated continuation.
    Generated(Vec<String>),
    /// A masked model: per input, its masks' candidates.
    FillMask(Vec<FillMask>),
}

impl<B: AutodiffBackend> LanguageModelingModel<B> {
    /// Continue each prompt with a causal model, as Python's `predict`: the prompts left-padded
    /// in batches of `eval_batch_size`, decoded with `args`, and per prompt its
    /// `num_return_sequences` continuations (prompt not included, special tokens dropped), all
    /// in one flat list.
    pub fn generate_texts(
        &self,
        prompts: &[&str],
        args: &GenerationArgs,
    ) -> Result<Vec<String>, LmError> {
        let (LmModule::Causal(model), Kind::Causal { spec }) = (&self.base.module, &self.kind)
        else {
            return Err(LmError::Unsupported(
                "generation needs a causal model (gpt2 with \"mlm\": false); a masked model \
                 fills masks: use fill_mask"
                    .into(),
            ));
        };
        args.check()?;
        let tokenizer = &self.base.tokenizer;
        let config = GenerationConfig {
            max_length: args.max_length,
            max_new_tokens: args.max_new_tokens,
            min_length: args.min_length,
            min_new_tokens: args.min_new_tokens.unwrap_or(0),
            do_sample: args.do_sample,
            temperature: args.temperature,
            top_k: args.top_k,
            top_p: args.top_p,
            repetition_penalty: args.repetition_penalty,
            num_beams: args.num_beams,
            early_stopping: EarlyStopping::Flag(args.early_stopping),
            num_return_sequences: args.num_return_sequences,
            eos_token_id: spec.config.eos_token_id.into_iter().collect(),
            pad_token_id: Some(spec.config.pad_token_id.unwrap_or(tokenizer.pad_id())),
            seed: (args.seed.or(self.base.args.model.manual_seed)).unwrap_or(0x5EED),
            ..GenerationConfig::default()
        };
        let model = model.valid();
        let mut out = Vec::with_capacity(prompts.len() * args.num_return_sequences);
        for chunk in prompts.chunks(self.base.args.model.eval_batch_size.max(1)) {
            let ids: Vec<Vec<u32>> = (chunk.iter())
                .map(|p| tokenizer.encode_plain(p))
                .collect::<Result<_, _>>()?;
            let sequences = self
                .base
                .compute(|| generate::generate(&model, model.new_cache(), &ids, &config))?;
            for sequence in sequences.into_iter().flatten() {
                out.push(tokenizer.decode(&sequence.tokens, true)?);
            }
        }
        Ok(out)
    }

    /// Fill the mask tokens of each text with a masked model: per mask, the `top_k` most
    /// likely tokens with their probabilities and the filled text. A text without a mask token
    /// is an error naming it.
    pub fn fill_mask_texts(&self, texts: &[&str], top_k: usize) -> Result<Vec<FillMask>, LmError> {
        let model = match &self.base.module {
            LmModule::Masked(model) => Some(model),
            LmModule::Electra(pair) => Some(&pair.generator),
            LmModule::Causal(_) => None,
        };
        let (Some(model), Some(masking)) = (model, self.kind.masking()) else {
            return Err(LmError::Unsupported(
                "fill-mask needs a masked language model; a causal model generates: use \
                 generate_texts"
                    .into(),
            ));
        };
        let tokenizer = &self.base.tokenizer;
        let mask_id = masking.mask_id;
        let max = self.base.args.model.max_seq_length;
        let encoded: Vec<Vec<i64>> = (texts.iter())
            .map(|t| {
                let e = tokenizer.encode(TextInput::Single(t), max)?;
                Ok(e.get_ids().iter().map(|&id| i64::from(id)).collect())
            })
            .collect::<Result<_, st_core::tokenizer::TokenizerError>>()?;
        for (i, ids) in encoded.iter().enumerate() {
            if !ids.contains(&i64::from(mask_id)) {
                return Err(LmError::Unsupported(format!(
                    "text {i} ({:?}) has no mask token {}",
                    texts[i],
                    tokenizer.mask_token().unwrap_or("[MASK]")
                )));
            }
        }
        let model = model.valid();
        let device = &self.base.device;
        let mut results = Vec::with_capacity(texts.len());
        for chunk in encoded.chunks(self.base.args.model.eval_batch_size.max(1)) {
            let seq = chunk.iter().map(Vec::len).max().unwrap_or(0);
            let mut positions = Vec::new();
            for (r, ids) in chunk.iter().enumerate() {
                let masks = ids
                    .iter()
                    .enumerate()
                    .filter(|(_, id)| **id == i64::from(mask_id));
                positions.extend(masks.map(|(t, _)| (r, t)));
            }
            let refs: Vec<&[i64]> = chunk.iter().map(Vec::as_slice).collect();
            let pad = i64::from(tokenizer.pad_id());
            let input = EncoderInput::from_rows(&refs, None, pad, false, device);
            let flat: Vec<i64> = positions
                .iter()
                .map(|&(r, t)| (r * seq + t) as i64)
                .collect();
            let logits = self.base.compute(|| {
                let at = Tensor::<B::InnerBackend, 1, Int>::from_ints(flat.as_slice(), device);
                softmax(model.logits_at(input, at), 1)
            });
            let probabilities = st_core::task::values(logits)?;
            let vocab = probabilities.len() / positions.len().max(1);
            let mut per_text: Vec<FillMask> = vec![Vec::new(); chunk.len()];
            for (m, &(r, t)) in positions.iter().enumerate() {
                let row = &probabilities[m * vocab..(m + 1) * vocab];
                let ids = &chunk[r];
                let several = ids.iter().filter(|&&id| id == i64::from(mask_id)).count() > 1;
                let mut best: Vec<usize> = (0..vocab).collect();
                let k = top_k.clamp(1, vocab);
                best.select_nth_unstable_by(k - 1, |&a, &b| row[b].total_cmp(&row[a]));
                best.truncate(k);
                best.sort_by(|&a, &b| row[b].total_cmp(&row[a]));
                let mut candidates = Vec::with_capacity(k);
                for token in best {
                    let mut filled: Vec<u32> = ids.iter().map(|&id| id as u32).collect();
                    filled[t] = token as u32;
                    candidates.push(FilledToken {
                        score: row[token],
                        token: token as u32,
                        token_str: tokenizer.decode(&[token as u32], false)?,
                        sequence: tokenizer.decode(&filled, !several)?,
                    });
                }
                per_text[r].push(candidates);
            }
            results.extend(per_text);
        }
        Ok(results)
    }
}

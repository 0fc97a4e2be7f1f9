//! Generation as Python's `predict` does it: inputs in batches of `eval_batch_size`, each
//! encoded once and decoded through the shared engine with the arguments' beams, lengths and
//! sampling over the model directory's own settings (BART's forced first and last tokens…),
//! the ids decoded to text with `skip_special_tokens` and `transformers`' space clean-up (not
//! for BPE tokenizers, as `transformers` 5).

use burn::tensor::backend::{AutodiffBackend, Backend};
use st_core::task::Mode;
use st_models::generate::{self, EarlyStopping, GenerationConfig};
use st_models::seq2seq::Seq2SeqLayout;
use st_models::{EncoderDecoder, Seq2SeqLm};

use crate::args::Seq2SeqTaskArgs;
use crate::features::encoder_inputs;
use crate::model::{Seq2SeqError, Seq2SeqTaskModel};

impl<B: AutodiffBackend, A: Seq2SeqTaskArgs> Seq2SeqTaskModel<B, A> {
    /// What generation runs with: the model directory's settings under the arguments'.
    /// `max_length` bounds T5's and mBART's new tokens (Python passes
    /// `max_new_tokens=max_length`) and BART's and Marian's decoder sequence, start token
    /// included (Python passes `max_length`). `mbart50` forces its target language code
    /// after the start token, as its checkpoints expect.
    pub fn generation_config(&self) -> GenerationConfig {
        let args = self.base.args.decoding();
        let defaults = &self.model_generation;
        let module = &self.base.module;
        let languages = self.codec.languages;
        let (max_length, max_new_tokens) = match module.layout() {
            Seq2SeqLayout::Bart if languages.is_none() => (args.max_length, None),
            Seq2SeqLayout::Bert2Bert => (args.max_length, None),
            _ => (defaults.max_length, Some(args.max_length)),
        };
        let forced_bos_token_id = match languages {
            Some(languages) if languages.code_first => Some(languages.target),
            _ => defaults.forced_bos_token_id,
        };
        GenerationConfig {
            max_length,
            max_new_tokens,
            do_sample: args.do_sample,
            top_k: args.top_k.unwrap_or(defaults.top_k),
            top_p: args.top_p.unwrap_or(defaults.top_p),
            repetition_penalty: args.repetition_penalty,
            num_beams: args.num_beams,
            length_penalty: args.length_penalty,
            early_stopping: EarlyStopping::Flag(args.early_stopping),
            num_return_sequences: args.num_return_sequences,
            pad_token_id: Some(defaults.pad_token_id.unwrap_or(module.pad_token_id())),
            seed: self.base.args.model().manual_seed.unwrap_or(0x5EED),
            forced_bos_token_id,
            ..defaults.clone()
        }
    }

    /// Where each of `inputs` decoded sequences starts: the model's decoder start token, or for
    /// `mbart` (as Python passes `decoder_start_token_id`) the target language code.
    fn decoder_prompts<C: Backend>(&self, module: &Seq2SeqLm<C>, inputs: usize) -> Vec<Vec<u32>> {
        match self.codec.languages {
            Some(languages) if !languages.code_first => vec![vec![languages.target]; inputs],
            _ => module.decoder_prompts(inputs),
        }
    }

    /// Per input (token ids with special tokens), its `num_return_sequences` texts, generated
    /// with `module` ([`Self::generation_config`]).
    pub fn generate_texts<C: Backend>(
        &self,
        module: &Seq2SeqLm<C>,
        inputs: &[&[u32]],
    ) -> Result<Vec<Vec<String>>, Seq2SeqError> {
        let config = self.generation_config();
        let pad = self.base.tokenizer.pad_id();
        let device = generate::Autoregressive::device(module);
        let batch_size = self.base.args.model().eval_batch_size.max(1);
        let mut sequences = Vec::with_capacity(inputs.len());
        for chunk in inputs.chunks(batch_size) {
            let (input_ids, attention_mask) = encoder_inputs::<C>(chunk, pad, &device);
            let state = module.start(input_ids, attention_mask);
            let prompts = self.decoder_prompts(module, chunk.len());
            let out = self
                .base
                .compute(|| generate::generate(module, state, &prompts, &config))?;
            sequences.extend(out);
        }
        let skip = self.base.args.model().skip_special_tokens;
        let tokenizer = self.codec.side(&self.base.tokenizer);
        self.base
            .try_featurise(Mode::Eval, &sequences, |_, returned| {
                (returned.iter())
                    .map(|sequence| Ok(tokenizer.decode_cleaned(&sequence.tokens, skip)?))
                    .collect::<Result<Vec<_>, Seq2SeqError>>()
            })
    }
}

"""processors.json: transformers' logits processors / warpers on a fixed random score matrix,
and the processor order `generate` builds."""

import torch
from transformers import GenerationConfig
from transformers.generation import logits_process as lp

from .common import EOS_ID, PAD_ID, PROCESSOR_SEED, tensor_json

PROCESSOR_HISTORY = [
    [12, 5, 7, 12, 30, 12, 5],
    [9, 14, 2, 9, 22, 6, 9],
]


def make_processors(model):
    generator = torch.Generator().manual_seed(PROCESSOR_SEED)
    scores = torch.randn((2, 40), generator=generator) * 2.0
    input_ids = torch.tensor(PROCESSOR_HISTORY, dtype=torch.long)
    specs = [
        ("TemperatureLogitsWarper", {"temperature": 0.7}, [lp.TemperatureLogitsWarper(0.7)]),
        ("TopKLogitsWarper", {"top_k": 5}, [lp.TopKLogitsWarper(5)]),
        ("TopPLogitsWarper", {"top_p": 0.8}, [lp.TopPLogitsWarper(0.8)]),
        (
            "TopPLogitsWarper",
            {"top_p": 0.95, "min_tokens_to_keep": 1},
            [lp.TopPLogitsWarper(0.95, min_tokens_to_keep=1)],
        ),
        (
            "TopPLogitsWarper",
            {"top_p": 0.3, "min_tokens_to_keep": 3},
            [lp.TopPLogitsWarper(0.3, min_tokens_to_keep=3)],
        ),
        (
            "TopKLogitsWarper+TopPLogitsWarper",
            {"top_k": 5, "top_p": 0.9},
            [lp.TopKLogitsWarper(5), lp.TopPLogitsWarper(0.9)],
        ),
        (
            "TemperatureLogitsWarper+TopKLogitsWarper+TopPLogitsWarper",
            {"temperature": 0.7, "top_k": 10, "top_p": 0.9},
            [lp.TemperatureLogitsWarper(0.7), lp.TopKLogitsWarper(10), lp.TopPLogitsWarper(0.9)],
        ),
        ("RepetitionPenaltyLogitsProcessor", {"penalty": 1.5}, [lp.RepetitionPenaltyLogitsProcessor(1.5)]),
        ("NoRepeatNGramLogitsProcessor", {"ngram_size": 2}, [lp.NoRepeatNGramLogitsProcessor(2)]),
        ("NoRepeatNGramLogitsProcessor", {"ngram_size": 3}, [lp.NoRepeatNGramLogitsProcessor(3)]),
        (
            "NoBadWordsLogitsProcessor",
            {"bad_words_ids": [[3], [5, 7]], "eos_token_id": None},
            [lp.NoBadWordsLogitsProcessor([[3], [5, 7]], eos_token_id=None)],
        ),
        (
            "MinLengthLogitsProcessor",
            {"min_length": 10, "eos_token_id": 4},
            [lp.MinLengthLogitsProcessor(10, eos_token_id=4)],
        ),
        (
            "MinLengthLogitsProcessor",
            {"min_length": 7, "eos_token_id": 4},
            [lp.MinLengthLogitsProcessor(7, eos_token_id=4)],
        ),
        (
            "MinNewTokensLengthLogitsProcessor",
            {"prompt_length_to_skip": 3, "min_new_tokens": 5, "eos_token_id": 4},
            [lp.MinNewTokensLengthLogitsProcessor(3, 5, eos_token_id=4)],
        ),
        (
            "MinNewTokensLengthLogitsProcessor",
            {"prompt_length_to_skip": 3, "min_new_tokens": 4, "eos_token_id": 4},
            [lp.MinNewTokensLengthLogitsProcessor(3, 4, eos_token_id=4)],
        ),
    ]
    cases = []
    for name, params, processors in specs:
        out = scores.clone()
        for processor in processors:
            out = processor(input_ids, out)
        cases.append({"name": name, "params": params, "scores": tensor_json(out)})

    # The processor list generate builds for a sampling config.
    config = GenerationConfig(
        do_sample=True,
        temperature=0.7,
        top_k=50,
        top_p=0.95,
        repetition_penalty=1.2,
        no_repeat_ngram_size=2,
        min_length=5,
        eos_token_id=EOS_ID,
        pad_token_id=PAD_ID,
    )
    model._prepare_special_tokens(config, kwargs_has_attention_mask=True, device="cpu")
    built = model._get_logits_processor(
        generation_config=config,
        input_ids_seq_length=input_ids.shape[1],
        encoder_input_ids=input_ids,
        prefix_allowed_tokens_fn=None,
        logits_processor=lp.LogitsProcessorList(),
        device="cpu",
        model_kwargs={"attention_mask": torch.ones_like(input_ids)},
    )
    order = [type(p).__name__ for p in built]
    return {
        "scores": tensor_json(scores),
        "input_ids": PROCESSOR_HISTORY,
        "cases": cases,
        "generate_processor_order": {
            "generation_config": {
                "do_sample": True,
                "temperature": 0.7,
                "top_k": 50,
                "top_p": 0.95,
                "repetition_penalty": 1.2,
                "no_repeat_ngram_size": 2,
                "min_length": 5,
                "eos_token_id": EOS_ID,
            },
            "processors": order,
        },
    }

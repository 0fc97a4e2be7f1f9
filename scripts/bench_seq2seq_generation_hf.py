"""Beam-search decoding speed of transformers' `generate` (with its cache) on a BART-base-sized
model with random weights: the Python side of `cargo xtask bench`'s encoder-decoder row
(`examples/seq2seq_generation_benchmark.rs` is ours, on the same inputs).

    python scripts/bench_seq2seq_generation_hf.py [--new-tokens N] [--threads T] [--out FILE]
"""

import argparse
import json
import time

import torch
from transformers import BartConfig, BartForConditionalGeneration


def inputs():
    # The same 8 rows of 32 token ids as the Rust example.
    return [[(i * 5003 + j * 611 + 17) % 50000 + 3 for j in range(32)] for i in range(8)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = BartConfig(
        vocab_size=50265,
        d_model=768,
        encoder_layers=6,
        decoder_layers=6,
        encoder_attention_heads=12,
        decoder_attention_heads=12,
        encoder_ffn_dim=3072,
        decoder_ffn_dim=3072,
        max_position_embeddings=1024,
        dropout=0.0,
        attention_dropout=0.0,
        activation_dropout=0.0,
    )
    model = BartForConditionalGeneration(config).eval()
    # No end-of-sequence token and no forced tokens: every beam runs to its length.
    settings = dict(
        eos_token_id=None,
        forced_bos_token_id=None,
        forced_eos_token_id=None,
        pad_token_id=1,
        decoder_start_token_id=2,
        num_beams=4,
        do_sample=False,
        length_penalty=1.0,
        early_stopping=False,
        no_repeat_ngram_size=0,
        use_cache=True,
    )

    def run(rows):
        ids = torch.tensor(rows)
        start = time.perf_counter()
        with torch.no_grad():
            out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=args.new_tokens, **settings)
        assert out.shape[1] == 1 + args.new_tokens, out.shape
        return time.perf_counter() - start

    rows = inputs()
    run(rows[:1])  # warm-up
    seconds = run(rows)
    total = len(rows) * args.new_tokens
    report = {
        "model": "bart-base-shaped, random weights",
        "new_tokens": args.new_tokens,
        "inputs": len(rows),
        "num_beams": 4,
        "torch_threads": args.threads,
        "beam4_batch8": {"tokens_per_s": total / seconds, "seconds": seconds},
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()

"""Greedy decoding speed of transformers' `generate` (with its key/value cache) on a
GPT-2-small-sized model with random weights: the Python side of `cargo xtask bench`'s
generation rows (`examples/generation_benchmark.rs` is ours, on the same prompts).

    python scripts/bench_generation_hf.py [--new-tokens N] [--threads T] [--out FILE]
"""

import argparse
import json
import statistics
import time

import torch
from transformers import GPT2Config, GPT2LMHeadModel


def prompts():
    # The same 8 prompts of 8 token ids as the Rust example.
    return [[(i * 5003 + j * 611 + 17) % 50000 for j in range(8)] for i in range(8)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--new-tokens", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = GPT2Config(n_layer=12, n_embd=768, n_head=12, n_positions=1024, vocab_size=50257)
    model = GPT2LMHeadModel(config).eval()
    # No end-of-sequence token: every sequence runs to its length.
    model.generation_config.eos_token_id = None
    model.generation_config.pad_token_id = 0

    def run(batch, n):
        ids = torch.tensor(batch)
        start = time.perf_counter()
        with torch.no_grad():
            out = model.generate(
                ids,
                attention_mask=torch.ones_like(ids),
                max_new_tokens=n,
                do_sample=False,
                use_cache=True,
            )
        assert out.shape[1] == ids.shape[1] + n
        return time.perf_counter() - start

    ps = prompts()
    run(ps[:1], 8)  # warm-up
    first = sorted(run([p], 1) * 1e3 for p in ps)
    batch1 = sum(run([p], args.new_tokens) for p in ps)
    batch8 = run(ps, args.new_tokens)
    total = len(ps) * args.new_tokens
    report = {
        "model": "gpt2-small-shaped, random weights",
        "new_tokens": args.new_tokens,
        "prompts": len(ps),
        "torch_threads": args.threads,
        "batch1": {"tokens_per_s": total / batch1, "seconds": batch1},
        "batch8": {"tokens_per_s": total / batch8, "seconds": batch8},
        "first_token_ms": {"median": statistics.median(first)},
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()

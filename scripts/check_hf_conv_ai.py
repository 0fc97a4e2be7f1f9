#!/usr/bin/env python3
"""Check that a ConvAI directory the Rust side saved loads in Python `transformers` as a
GPT2DoubleHeadsModel with its tokenizer, the five ConvAI tokens in their roles.

Usage:
    python scripts/check_hf_conv_ai.py DIR [--reference fixtures/models/gpt2-double-heads/reference.json]

Loads DIR with GPT2DoubleHeadsModel.from_pretrained and AutoTokenizer (local files only,
float32, eager attention), checks that <bos>, <eos> and <pad> are the bos, eos and pad tokens,
that <speaker1> and <speaker2> are special tokens, and that their ids are those of
fixtures/conv_ai/tokens.json (Simple Transformers' add_special_tokens_ on GPT-2). Then runs
the reference batch of the double-heads fixture through the model and prints its mc_logits,
lm_loss and mc_loss as JSON; with --expect-reference (for a directory saved from the fixture
unchanged) exits non-zero unless they equal the reference within 1e-4.
"""

import argparse
import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoTokenizer, GPT2DoubleHeadsModel  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--reference", default=os.path.join(root, "fixtures/models/gpt2-double-heads/reference.json"))
    parser.add_argument("--expect-reference", action="store_true")
    args = parser.parse_args()
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()

    tokenizer = AutoTokenizer.from_pretrained(args.dir, local_files_only=True)
    with open(os.path.join(root, "fixtures/conv_ai/tokens.json")) as f:
        tokens = json.load(f)
    failures = []
    for role, token in [("bos_token", "<bos>"), ("eos_token", "<eos>"), ("pad_token", "<pad>")]:
        if getattr(tokenizer, role) != token:
            failures.append(f"{role} is {getattr(tokenizer, role)!r}, expected {token!r}")
    for token in ["<speaker1>", "<speaker2>"]:
        if token not in tokenizer.all_special_tokens:
            failures.append(f"{token} is not a special token")
    for token in ["<bos>", "<eos>", "<speaker1>", "<speaker2>", "<pad>"]:
        if tokenizer.convert_tokens_to_ids(token) != tokens[token]:
            failures.append(f"{token}: id {tokenizer.convert_tokens_to_ids(token)}, expected {tokens[token]}")

    model = GPT2DoubleHeadsModel.from_pretrained(args.dir, local_files_only=True, attn_implementation="eager")
    model.eval()
    with open(args.reference) as f:
        reference = json.load(f)
    batch = {k: torch.tensor(v) for k, v in reference["batch"].items()}
    with torch.no_grad():
        out = model(
            batch["input_ids"],
            token_type_ids=batch["token_type_ids"],
            mc_token_ids=batch["mc_token_ids"],
            mc_labels=batch["mc_labels"],
            labels=batch["labels"],
        )
    result = {
        "mc_logits": out.mc_logits.reshape(-1).tolist(),
        "lm_loss": float(out.loss),
        "mc_loss": float(out.mc_loss),
    }
    print(json.dumps(result))
    if args.expect_reference:
        diff = (out.mc_logits.reshape(-1) - torch.tensor(reference["mc_logits"]["data"])).abs().max().item()
        print(f"mc_logits max abs diff {diff:.2e}; lm_loss {result['lm_loss']} vs {reference['lm_loss']}")
        if diff > 1e-4 or abs(result["lm_loss"] - reference["lm_loss"]) > 1e-4:
            failures.append("outputs differ from the reference")
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)
    print("ok: tokenizer roles and ids as Simple Transformers', model loads")


if __name__ == "__main__":
    main()

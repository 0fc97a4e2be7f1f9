#!/usr/bin/env python3
"""Check that a GPT-2 directory (e.g. one the Rust side saved) loads in Python `transformers`
and reproduces the logits of the fixture model.

Usage:
    python scripts/check_hf_gpt2.py DIR [REFERENCE_JSON] [--skip-tokenizer]

REFERENCE_JSON defaults to fixtures/models/gpt2/reference.json (next to this script's
repository).  DIR is loaded with GPT2LMHeadModel.from_pretrained (local files only, float32,
eager attention) and its tokenizer with AutoTokenizer; the reference batch (its `input_ids`,
`attention_mask` and `position_ids`) is run through the model and the largest absolute
difference against the reference `logits_slice` ([3, T, 512]) and `last_logits` ([3, vocab])
is printed.  The tokenizer must also reproduce the reference `input_ids` from `prompts` (left
padding with the eos token) unless --skip-tokenizer is given.  Exits non-zero if a difference
exceeds 1e-4, the ids differ or the tokenizer does not load.
"""

import argparse
import json
import math
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoTokenizer, GPT2LMHeadModel  # noqa: E402

TOLERANCE = 1e-4


def from_json(obj):
    data = [-math.inf if v is None else v for v in obj["data"]]
    return torch.tensor(data, dtype=torch.float32).reshape(obj["shape"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir")
    parser.add_argument("reference", nargs="?")
    parser.add_argument("--skip-tokenizer", action="store_true")
    args = parser.parse_args()
    directory = args.dir
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    reference_path = args.reference or os.path.join(root, "fixtures/models/gpt2/reference.json")
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    with open(reference_path, encoding="utf-8") as f:
        ref = json.load(f)

    model = GPT2LMHeadModel.from_pretrained(directory, dtype=torch.float32, attn_implementation="eager").eval()
    failures = []

    if not args.skip_tokenizer:
        try:
            tokenizer = AutoTokenizer.from_pretrained(directory)
        except Exception as e:  # noqa: BLE001 -- report any loading problem as a failure
            failures.append(f"tokenizer does not load: {e}")
        else:
            tokenizer.padding_side = "left"
            if tokenizer.pad_token is None:
                tokenizer.pad_token = tokenizer.eos_token
            ids = tokenizer(ref["prompts"], padding=True)["input_ids"]
            print(f"tokenizer: ids {'match' if ids == ref['batch']['input_ids'] else 'DIFFER'}")
            if ids != ref["batch"]["input_ids"]:
                failures.append(f"tokenizer ids differ: {ids} vs {ref['batch']['input_ids']}")

    batch = {key: torch.tensor(ref["batch"][key], dtype=torch.long) for key in ("input_ids", "attention_mask", "position_ids")}
    with torch.no_grad():
        logits = model(**batch).logits
    slice_ref = from_json(ref["logits_slice"])
    last_ref = from_json(ref["last_logits"])
    diffs = {
        "logits_slice": (logits[:, :, : slice_ref.shape[-1]] - slice_ref).abs().max().item(),
        "last_logits": (logits[:, -1, :] - last_ref).abs().max().item(),
    }
    mask = batch["attention_mask"].bool()
    diffs["logits_slice (real tokens only)"] = (logits[:, :, : slice_ref.shape[-1]] - slice_ref)[mask].abs().max().item()
    for key, diff in diffs.items():
        print(f"{key}: max abs diff {diff:.3g}")
        if not diff <= TOLERANCE:
            failures.append(f"{key} differs by {diff:.3g} > {TOLERANCE}")
    if failures:
        print("FAIL: " + "; ".join(failures))
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()

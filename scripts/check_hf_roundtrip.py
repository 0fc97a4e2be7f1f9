#!/usr/bin/env python3
"""Check that a model directory saved by the Rust side loads in Python `transformers` and
gives PyTorch's reference outputs.

    python scripts/check_hf_roundtrip.py SAVED_DIR fixtures/models/<arch>/reference.json

Loads SAVED_DIR with AutoModel and AutoTokenizer (offline), re-tokenises the reference texts,
checks the ids match the reference, runs the batch and prints the max abs difference of
last_hidden_state (and pooler_output) against the reference. Exits non-zero above 1e-5.
"""

import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
from transformers import AutoModel, AutoTokenizer  # noqa: E402


def main() -> int:
    saved, reference_path = sys.argv[1], sys.argv[2]
    reference = json.load(open(reference_path))
    case = reference["batch"]
    tokenizer = AutoTokenizer.from_pretrained(saved)
    model = AutoModel.from_pretrained(saved, attn_implementation="eager").eval()
    encoded = tokenizer(case["texts"], padding=True, truncation=True, max_length=64, return_tensors="pt")
    if encoded["input_ids"].tolist() != case["input_ids"]:
        print("input ids differ from the reference")
        return 1
    inputs = {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]}
    if case.get("token_type_ids") is not None:
        inputs["token_type_ids"] = torch.tensor(case["token_type_ids"])
    with torch.no_grad():
        out = model(**inputs)
    worst = 0.0
    for name in ("last_hidden_state", "pooler_output"):
        expected = case.get(name)
        got = getattr(out, name, None)
        if expected is None or got is None:
            continue
        expected = torch.tensor(expected["data"]).reshape(expected["shape"])
        diff = (got - expected).abs().max().item()
        worst = max(worst, diff)
        print(f"{saved}: {name} max abs diff {diff:.2e}")
    return 0 if worst <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())

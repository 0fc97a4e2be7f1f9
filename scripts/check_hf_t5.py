#!/usr/bin/env python3
"""Check that a T5 directory saved by the Rust side loads in Python `transformers` as a
`T5ForConditionalGeneration` and gives PyTorch's reference logits and loss.

    python scripts/check_hf_t5.py SAVED_DIR fixtures/models/<t5 fixture>/reference.json

Prints whether the head is tied and whether the decoder output is scaled, and the max abs
difference of the logits; exits non-zero above 1e-5.
"""

import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
from transformers import T5ForConditionalGeneration  # noqa: E402


def main() -> int:
    saved, reference_path = sys.argv[1], sys.argv[2]
    reference = json.load(open(reference_path))
    batch = reference["batch"]
    model = T5ForConditionalGeneration.from_pretrained(saved, attn_implementation="eager").eval()
    tied = model.lm_head.weight.data_ptr() == model.shared.weight.data_ptr()
    with torch.no_grad():
        out = model(
            input_ids=torch.tensor(batch["input_ids"]),
            attention_mask=torch.tensor(batch["attention_mask"]),
            labels=torch.tensor(batch["labels"]),
        )
    expected = torch.tensor(reference["logits"]["data"]).reshape(reference["logits"]["shape"])
    worst = (out.logits - expected).abs().max().item()
    print(f"tied head: {tied}, scaled output: {model.config.scale_decoder_outputs}")
    print(f"logits max abs diff {worst:.2e}, loss {out.loss.item():.6f} (reference {reference['loss']:.6f})")
    return 0 if worst <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())

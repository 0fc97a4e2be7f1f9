#!/usr/bin/env python3
"""Check that a sequence-classification model directory saved by the Rust side loads in
Python `transformers` and gives PyTorch's reference logits.

    python scripts/check_hf_classification.py SAVED_DIR fixtures/classification/<name>/reference.json

Loads SAVED_DIR with AutoModelForSequenceClassification and AutoTokenizer (offline, eager
attention, eval mode), prints the config's id2label / label2id / problem_type / num_labels,
re-tokenises the reference batch and pair exactly as the fixture script does (padding=True,
truncation=True, max_length=64), checks the ids / masks / type ids match the reference, runs
both and prints the max abs difference of the logits (and of the loss for the reference
labels).  Exits 1 when anything differs by more than 1e-5 (or the ids / problem_type /
num_labels differ), 0 otherwise.
"""

import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402
from transformers import AutoModelForSequenceClassification, AutoTokenizer  # noqa: E402

TOLERANCE = 1e-5
MAX_LEN = 64


def as_tensor(obj):
    return torch.tensor(obj["data"], dtype=torch.float32).reshape(obj["shape"])


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    saved, reference_path = sys.argv[1], sys.argv[2]
    with open(reference_path, encoding="utf-8") as f:
        ref = json.load(f)

    tokenizer = AutoTokenizer.from_pretrained(saved)
    model = AutoModelForSequenceClassification.from_pretrained(saved, attn_implementation="eager", dtype=torch.float32)
    model.eval()
    config = model.config
    print(f"{saved}: {type(model).__name__}")
    print(f"  problem_type = {config.problem_type!r}, num_labels = {config.num_labels}")
    print(f"  id2label = {config.id2label}")
    print(f"  label2id = {config.label2id}")

    ok = True
    if config.problem_type != ref["problem_type"]:
        print(f"  problem_type differs: reference {ref['problem_type']!r}")
        ok = False
    if config.num_labels != ref["num_labels"]:
        print(f"  num_labels differs: reference {ref['num_labels']}")
        ok = False

    worst = 0.0
    cases = (("batch", (ref["batch"]["texts"],)), ("pair", ([ref["pair"]["text_a"]], [ref["pair"]["text_b"]])))
    for section, args in cases:
        case = ref[section]
        enc = tokenizer(*args, padding=True, truncation=True, max_length=MAX_LEN, return_tensors="pt")
        for key in ("input_ids", "attention_mask", "token_type_ids"):
            got = enc[key].tolist() if key in enc else None
            if got != case[key]:
                print(f"  {section}: {key} differ from the reference")
                ok = False
        if not ok:
            continue
        # Same inputs as the fixture: token_type_ids only when the tokenizer returns them.
        inputs = {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}
        if "token_type_ids" in enc:
            inputs["token_type_ids"] = enc["token_type_ids"]
        labels = None
        if section == "batch":
            dtype = torch.long if ref["problem_type"] == "single_label_classification" else torch.float32
            labels = torch.tensor(case["labels"], dtype=dtype)
        with torch.no_grad():
            out = model(**inputs, labels=labels)
        diff = (out.logits - as_tensor(case["logits"])).abs().max().item()
        worst = max(worst, diff)
        print(f"  {section}: logits max abs diff {diff:.2e}")
        if labels is not None:
            ldiff = abs(out.loss.item() - case["loss"])
            worst = max(worst, ldiff)
            print(f"  {section}: loss {out.loss.item():.7g} (reference {case['loss']:.7g}), abs diff {ldiff:.2e}")

    if not ok or worst > TOLERANCE:
        print("FAIL")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The real MiniLM reference and the reload check of every written fixture."""

import json
import os

import torch
from transformers import AutoTokenizer

from .common import MAX_LEN, tensor_from_json, tensor_json, to_lists, write_json
from .texts import MINILM_TEXTS
from .tiny_models import load_model, run_model

# ---------------------------------------------------------------------------------------------
# Real MiniLM reference
# ---------------------------------------------------------------------------------------------


def build_minilm_reference(minilm_dir, out_dir):
    tok = AutoTokenizer.from_pretrained(minilm_dir)
    model = load_model(minilm_dir)
    enc = tok(MINILM_TEXTS, padding=True, truncation=True, max_length=128, return_tensors="pt")
    with torch.no_grad():
        hidden, _ = run_model(model, enc)
    mask = enc["attention_mask"].unsqueeze(-1).to(torch.float32)
    reference = {
        "model_type": model.config.model_type,
        "texts": MINILM_TEXTS,
        "input_ids": to_lists(enc, "input_ids"),
        "attention_mask": to_lists(enc, "attention_mask"),
        "token_type_ids": to_lists(enc, "token_type_ids"),
        "last_hidden_state": tensor_json(hidden),
        # Simple Transformers' "mean" combine strategy: average over *all* positions, padding included.
        "mean_all_positions": tensor_json(hidden.mean(dim=1)),
        # sentence-transformers style mean pooling (padding excluded), for comparison.
        "mean_masked": tensor_json((hidden * mask).sum(dim=1) / mask.sum(dim=1)),
    }
    write_json(os.path.join(out_dir, "minilm/reference.json"), reference)


# ---------------------------------------------------------------------------------------------
# Verification of what was written
# ---------------------------------------------------------------------------------------------


def verify(out_dir, model_archs, with_minilm, minilm_dir):
    """Reload every fixture from disk and check it reproduces the recorded values exactly."""
    for arch in model_archs + ["bert-sharded"]:
        directory = os.path.join(out_dir, "models", arch)
        ref_arch = "bert" if arch == "bert-sharded" else arch
        with open(os.path.join(out_dir, "models", ref_arch, "reference.json"), encoding="utf-8") as f:
            ref = json.load(f)
        tok = AutoTokenizer.from_pretrained(directory)
        model = load_model(directory)
        for section, args in (("batch", (ref["batch"]["texts"],)), ("pair", ([ref["pair"]["text_a"]], [ref["pair"]["text_b"]]))):
            enc = tok(*args, padding=True, truncation=True, max_length=MAX_LEN, return_tensors="pt")
            for key in ("input_ids", "attention_mask", "token_type_ids"):
                assert to_lists(enc, key) == ref[section][key], f"{arch}/{section}: {key} differs after reload"
            with torch.no_grad():
                hidden, pooler = run_model(model, enc)
            diff = (hidden - tensor_from_json(ref[section]["last_hidden_state"])).abs().max().item()
            assert diff == 0.0, f"{arch}/{section}: last_hidden_state differs by {diff}"
            if pooler is not None:
                pdiff = (pooler - tensor_from_json(ref[section]["pooler_output"])).abs().max().item()
                assert pdiff == 0.0, f"{arch}/{section}: pooler_output differs by {pdiff}"
            else:
                assert ref[section]["pooler_output"] is None
        size = os.path.getsize(os.path.join(out_dir, "models", ref_arch, "reference.json"))
        print(f"  verified {arch:13s} reference.json {size / 1024:.0f} KiB, max|diff| = 0")

    if with_minilm:
        with open(os.path.join(out_dir, "minilm/reference.json"), encoding="utf-8") as f:
            ref = json.load(f)
        model = load_model(minilm_dir)
        enc = {k: torch.tensor(ref[k]) for k in ("input_ids", "attention_mask", "token_type_ids")}
        with torch.no_grad():
            hidden, _ = run_model(model, enc)
        diff = (hidden - tensor_from_json(ref["last_hidden_state"])).abs().max().item()
        assert diff == 0.0, f"minilm: last_hidden_state differs by {diff}"
        print(f"  verified minilm        shape {ref['last_hidden_state']['shape']}, max|diff| = 0")

"""Fixed inputs (seeds, prompts, special token ids) and the JSON helpers."""

import json
import math
import os

import torch

# ---------------------------------------------------------------------------------------------
# Fixed inputs
# ---------------------------------------------------------------------------------------------

# Seed of the weight initialisation; with it `--search 10` picked PROMPTS (entry-point docstring).
SEED = 10
# Standard deviation of *every* parameter (weights, biases, LayerNorm weights and biases).
INIT_STD = 0.2
# Every greedy / beam decision must be separated by at least this much (see greedy_margins).
MIN_MARGIN = 1e-3
# Seed of the random score matrix of processors.json.
PROCESSOR_SEED = 4321

# Three prompts of 2, 5 and 8 GPT-2 tokens (chosen by `--search 10` from candidate_prompts).
PROMPTS = [
    "My music",
    "She gave the soldier to",
    "Once upon a time there was a ball",
]
# The prompt used for the batch-of-one (unpadded) generation cases.
SINGLE_PROMPT_INDEX = 0

EOS_ID = 50256
PAD_ID = 50256

# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def f32(value):
    """Shortest decimal that round-trips to the same float32 (as a python float)."""
    return float(str(torch.tensor(value, dtype=torch.float32).numpy()))


def tensor_json(t):
    """{"shape": [...], "data": [flat row-major]} with shortest-round-trip float32 decimals.

    -inf is written as null (JSON has no infinities); +inf and NaN are rejected.
    """
    arr = t.detach().to(torch.float32).cpu().contiguous().numpy()
    data = []
    for v in arr.reshape(-1):
        if math.isinf(v) and v < 0:
            data.append(None)
        elif not math.isfinite(v):
            raise ValueError(f"cannot encode {v}")
        else:
            data.append(float(str(v)))
    return {"shape": list(arr.shape), "data": data}


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        f.write("\n")

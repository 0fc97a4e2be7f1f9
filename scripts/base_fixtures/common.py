"""Seeds, sizes and the small helpers shared by the base fixture modules (and re-exported by
scripts/make_fixtures.py for the other fixture scripts)."""

import json
import os

import numpy as np
import torch
import transformers

transformers.logging.set_verbosity_error()

SEED = 1234
# Maximum sequence length used for every model tokenisation in this script.
MAX_LEN = 64
# Standard deviation used for *all* random weights.  The HF default (0.02) makes activations
# tiny and hides numerical mistakes (wrong GELU variant, wrong LayerNorm eps, ...).
INIT_STD = 0.2


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def tensor_json(t):
    """Encode a tensor as {"shape": [...], "data": [flat row-major floats]}.

    Each value is written with the shortest decimal representation that round-trips to the
    same float32 (numpy's float32 str()), so parsing the JSON back as f32 is bit-exact.
    """
    arr = t.detach().to(torch.float32).cpu().contiguous().numpy()
    return {"shape": list(arr.shape), "data": [float(str(v)) for v in arr.reshape(-1)]}


def tensor_from_json(obj):
    return torch.tensor(obj["data"], dtype=torch.float32).reshape(obj["shape"])


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


def replace_readme_section(readme_path, marker, section):
    """Replace the README section that starts with `marker` (up to the next `## ` heading) by
    `section`, appended at the end; add it if absent."""
    with open(readme_path, encoding="utf-8") as f:
        text = f.read()
    if marker in text:
        start = text.index(marker)
        following = text.find("\n## ", start + len(marker))
        text = text[:start] + (text[following + 1 :] if following >= 0 else "")
    text = text.rstrip("\n") + "\n\n" + section
    with open(readme_path, "w", encoding="utf-8") as f:
        f.write(text)


def seed_everything(seed):
    torch.manual_seed(seed)
    np.random.seed(seed)


def to_lists(enc, key):
    """Return enc[key] as nested python lists, or None when the tokenizer did not produce it."""
    if key not in enc:
        return None
    value = enc[key]
    return value.tolist() if hasattr(value, "tolist") else value

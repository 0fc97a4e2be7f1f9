"""Seeds, versions and the encoding helpers shared by the training fixture modules."""

import json
import platform

import numpy as np
import torch
import transformers

SEED = 20240611
STEPS = 3


# ---------------------------------------------------------------------------------------------
# Encoding helpers
# ---------------------------------------------------------------------------------------------


def versions():
    return {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def encode_float(value, dtype):
    """A float as the shortest decimal that round-trips in `dtype`."""
    if dtype == torch.float32:
        return float(str(np.float32(value)))
    return float(value)


def tensor_json(t):
    """{"shape", "data"} with values written for the tensor's own precision."""
    arr = t.detach().cpu().contiguous()
    data = arr.reshape(-1).tolist()
    return {"shape": list(arr.shape), "data": [encode_float(v, arr.dtype) for v in data]}


def named_tensors_json(named):
    return {name: tensor_json(t) for name, t in named.items()}


def write_json(path, obj):
    """Indented JSON, but with every list of scalars (numbers, strings) kept on one line."""
    text = json.dumps(obj, indent=1, ensure_ascii=False)
    text = collapse_number_lists(text)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
        f.write("\n")


def collapse_number_lists(text):
    out = []
    pending = None  # lines of a list that might be all numbers
    for line in text.split("\n"):
        stripped = line.strip()
        if pending is not None:
            if stripped in ("]", "],"):
                items = [p.strip().rstrip(",") for p in pending[1:]]
                out.append(pending[0] + ", ".join(items) + stripped)
                pending = None
                continue
            if is_scalar(stripped.rstrip(",")):
                pending.append(line)
                continue
            out.extend(pending)
            pending = None
        if stripped.endswith("[") and not stripped.endswith("[["):
            pending = [line]
        else:
            out.append(line)
    if pending:
        out.extend(pending)
    return "\n".join(out)


def is_scalar(s):
    """Whether one line of indented JSON inside a list is a whole scalar item."""
    if s in ("true", "false", "null") or (s.startswith('"') and s.endswith('"')):
        return True
    try:
        float(s)
    except ValueError:
        return False
    return s not in ("NaN", "Infinity", "-Infinity")


def seeded(seed_offset):
    g = torch.Generator().manual_seed(SEED + seed_offset)
    return g


def randn(shape, generator, scale=1.0):
    return (torch.randn(shape, generator=generator, dtype=torch.float64) * scale).to(torch.float32)

"""Versions and the output helpers shared by the metric fixture modules."""

import json
import math
import os
import sys
import warnings

import numpy as np
import scipy
import seqeval
import sklearn

try:
    import transformers

    TRANSFORMERS_VERSION = transformers.__version__
except ImportError:  # only the SQuAD provenance note needs it
    TRANSFORMERS_VERSION = None

# Undefined-metric and "seems not to be NE tag" warnings are expected for edge cases.
warnings.simplefilter("ignore")

VERSIONS = {
    "python": sys.version.split()[0],
    "numpy": np.__version__,
    "scikit-learn": sklearn.__version__,
    "scipy": scipy.__version__,
    "seqeval": "1.2.2" if not hasattr(seqeval, "__version__") else seqeval.__version__,
    "transformers": TRANSFORMERS_VERSION,
}


# --------------------------------------------------------------------------------------
# Output helpers
# --------------------------------------------------------------------------------------


def num(x):
    """A float for JSON, NaN as None."""
    x = float(x)
    return None if math.isnan(x) else x


def attempt(f):
    """f() or None if it raises (the Rust side must then return an error)."""
    try:
        return f()
    except ValueError:
        return None


def write(out_dir, name, cases, extra_versions=None):
    versions = dict(VERSIONS, **(extra_versions or {}))
    path = os.path.join(out_dir, name)
    lines = [json.dumps(c, ensure_ascii=False, allow_nan=False) for c in cases]
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"versions": ' + json.dumps(versions) + ',\n"cases": [\n')
        f.write(",\n".join(lines))
        f.write("\n]}\n")
    print(f"{path}: {len(cases)} cases, {os.path.getsize(path)} bytes")

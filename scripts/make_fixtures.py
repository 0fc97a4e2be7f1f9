#!/usr/bin/env python3
"""Generate the PyTorch / Hugging Face reference fixtures used by the Rust test suite.

Usage:
    python scripts/make_fixtures.py --out fixtures [--minilm DIR]
                                    [--bert-vocab FILE] [--gpt2-dir DIR]

What it writes under --out (see fixtures/README.md, which this script also writes):

  models/<arch>/            tiny random-init base models (config.json + model.safetensors)
                            with their tokenizer (tokenizer.json + tokenizer_config.json, and
                            vocab.txt or vocab.json/merges.txt where that format exists) and a
                            reference.json holding PyTorch outputs and a few gradients.
  models/bert-sharded/      the bert weights again, split into several safetensors shards.
  tokenizers/wordpiece/     the full (uncased) BERT WordPiece vocab.txt.
  tokenizers/gpt2/          the real GPT-2 byte-level BPE vocab.json + merges.txt.
  tokenizers/cases.json     tokenizer parity cases (ids / masks / type ids from Python).
  minilm/reference.json     only with --minilm: outputs of the real all-MiniLM-L6-v2.

Source files: the full BERT vocab and the GPT-2 files are committed inside the fixtures
directory, so a re-run only needs `--out fixtures`.  On the very first run point
--bert-vocab / --gpt2-dir (or --minilm, whose vocab.txt is used) at real copies.

Everything is deterministic: fixed texts, fixed seeds, single-threaded torch and tokenizers.
Nothing is downloaded; from_pretrained is only ever called on local directories.
"""

import os
import sys

# The code is in the package scripts/base_fixtures/ (its __init__.py lists the modules).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from base_fixtures.cli import main  # noqa: E402  (the package sets the environment variables first)

# Re-exported for the scripts that `import make_fixtures as mf` (classification, NER, QA).
from base_fixtures.common import (  # noqa: E402
    INIT_STD,
    MAX_LEN,
    SEED,
    replace_readme_section,
    seed_everything,
    tensor_from_json,
    tensor_json,
    to_lists,
    write_json,
)

__all__ = [
    "INIT_STD",
    "MAX_LEN",
    "SEED",
    "main",
    "replace_readme_section",
    "seed_everything",
    "tensor_from_json",
    "tensor_json",
    "to_lists",
    "write_json",
]

if __name__ == "__main__":
    main(__doc__)

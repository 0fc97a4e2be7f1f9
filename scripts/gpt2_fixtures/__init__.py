"""Generator of the GPT-2 / decoding-engine reference fixtures (entry point:
scripts/make_gpt2_fixtures.py, whose docstring describes the outputs).

  common.py          fixed inputs (seeds, prompts, special ids) and the JSON helpers
  model.py           the tiny random GPT2LMHeadModel, the tokenizer, the batch, reference.json
  margins.py         decision margins of greedy and beam-search generate
  generate_cases.py  the generate cases and generate.json
  processors.py      processors.json
  search.py          the `--search SEED` prompt search
  readme.py          the fixtures/README.md section
  cli.py             command line and the order of the steps
"""

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Never talk to the Hugging Face hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

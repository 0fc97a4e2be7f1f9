"""Generator of the base PyTorch / Hugging Face reference fixtures (entry point:
scripts/make_fixtures.py, whose docstring describes the outputs).

  common.py       seeds, sizes, tensor / JSON / README helpers
  texts.py        the fixed texts: model batch and pair, training corpus, tokenizer cases
  vocab.py        building the small tokenizers of every architecture
  tiny_models.py  configs, random weights, reference.json of every tiny model, bert-sharded
  cases.py        tokenizers/cases.json (tokenizer parity cases)
  verify.py       minilm/reference.json and the reload check of everything written
  readme.py       the fixtures/README.md text
  cli.py          command line and the order of the steps
"""

import os

# Keep the `tokenizers` trainers single-threaded so that training is reproducible.
os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Never talk to the Hugging Face hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

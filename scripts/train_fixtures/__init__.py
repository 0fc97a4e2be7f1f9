"""Generator of the training reference fixtures (entry point: scripts/make_train_fixtures.py,
whose docstring describes the files and their layout).

  common.py      seeds, versions, tensor / float encoding, the JSON writer, random inputs
  schedules.py   schedules.json (Simple Transformers' learning-rate schedulers)
  optimizers.py  adamw.json and adafactor.json
  clip.py        clip_grad_norm.json
  cli.py         command line and the list of files
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

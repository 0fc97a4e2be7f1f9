"""Command line: write every training fixture file."""

import argparse
import os
import sys

import torch

from .clip import build_clip
from .common import write_json
from .optimizers import build_adafactor, build_adamw
from .schedules import build_schedules

# The folder of scripts/make_train_fixtures.py: the default --out is relative to it.
SCRIPTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---------------------------------------------------------------------------------------------


def main(description):
    parser = argparse.ArgumentParser(description=description.split("\n")[0])
    parser.add_argument(
        "--out", default=os.path.normpath(os.path.join(SCRIPTS_DIR, "..", "fixtures", "train"))
    )
    out = parser.parse_args().out
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(out, exist_ok=True)
    for file_name, build in (
        ("schedules.json", build_schedules),
        ("adamw.json", build_adamw),
        ("adafactor.json", build_adafactor),
        ("clip_grad_norm.json", build_clip),
    ):
        path = os.path.join(out, file_name)
        write_json(path, build())
        print(f"wrote {path} ({os.path.getsize(path)} bytes)", file=sys.stderr)

"""Command line: write every metric fixture file."""

import argparse
import os

from .classification import classification_cases
from .common import write
from .generation import generation_cases
from .ranking import ranking_cases
from .regression import regression_cases
from .sequence_labeling import seqeval_cases
from .squad import squad_cases


def main(description):
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join("fixtures", "metrics"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    write(args.out, "classification.json", classification_cases())
    write(args.out, "ranking.json", ranking_cases())
    write(args.out, "regression.json", regression_cases())
    write(args.out, "seqeval.json", seqeval_cases())
    squad, squad_versions = squad_cases()
    write(args.out, "squad.json", squad, squad_versions)
    generation, generation_versions = generation_cases()
    write(args.out, "generation.json", generation, generation_versions)

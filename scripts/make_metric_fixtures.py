#!/usr/bin/env python3
"""Generate the Python reference values for the metrics in `st_core::metrics`.

Usage:
    python scripts/make_metric_fixtures.py [--out fixtures/metrics]

Writes, one JSON file per area (each with a "versions" object and a "cases" list, one
case per line so that diffs stay readable):

  classification.json  accuracy, mcc, precision/recall/F1 for every average, binary
                       confusion counts                          (scikit-learn)
  ranking.json         roc_auc, average_precision, lrap           (scikit-learn)
  regression.json      pearson, spearman (scipy.stats), perplexity (math.exp)
  seqeval.json         entity-level micro P/R/F1, classification_report as a dict and as
                       text (digits=4 and 2), get_entities per sentence  (seqeval, default mode)
  squad.json           exact / F1 per question and aggregated (official SQuAD v2.0 logic)
  generation.json      13a and rouge-score tokens, corpus BLEU with its statistics, ROUGE-1/2/L
                       per pair and averaged             (sacrebleu, rouge-score; defaults)

Conventions in the files:
  * `null` where a number is expected means NaN (JSON has no NaN),
  * `null` in the place of a whole result (e.g. `"binary": null`, `"roc_auc": null`)
    means the Rust function must return an error: the Python reference raised, or it
    only warned and returned a placeholder for an undefined value (average precision
    without positives, ROC AUC with one class).

Everything is deterministic (fixed seeds, hand-written texts); nothing is downloaded.

SQuAD reference: transformers' `data/metrics/squad_metrics.py` (the official SQuAD v2.0
evaluation logic) was removed in transformers 5, which `requirements-fixtures.txt` pins.
The functions below (`normalize_answer` ... `make_eval_dict`) are copied verbatim from
transformers 4.57.1 (Apache-2.0), only `get_raw_scores` taking plain (id, answers)
tuples instead of `SquadExample`s. If an older transformers that still ships the module
is installed, it is used instead and the two are checked to agree.
"""

import os
import sys

# The code is in the package scripts/metric_fixtures/ (its __init__.py lists the modules).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from metric_fixtures.cli import main  # noqa: E402

if __name__ == "__main__":
    main(__doc__)

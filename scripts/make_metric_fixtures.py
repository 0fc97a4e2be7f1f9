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

import argparse
import collections
import json
import math
import os
import re
import string
import sys
import warnings

import numpy as np
import scipy
import scipy.stats
import seqeval
import sklearn
from seqeval.metrics import classification_report as seqeval_classification_report
from seqeval.metrics import f1_score as seqeval_f1
from seqeval.metrics import precision_score as seqeval_precision
from seqeval.metrics import recall_score as seqeval_recall
from seqeval.metrics.sequence_labeling import get_entities
from sklearn import metrics as skm

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


# --------------------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------------------


def noisy(rng, labels, n_classes, accuracy):
    """Predictions equal to the label with probability `accuracy`, else uniform."""
    keep = rng.random(len(labels)) < accuracy
    random = rng.integers(0, n_classes, len(labels))
    return np.where(keep, labels, random)


def classification_cases():
    rng = np.random.default_rng(20240601)
    cases = []

    def add(name, labels, preds):
        labels = [int(v) for v in labels]
        preds = [int(v) for v in preds]
        case = {
            "name": name,
            "labels": labels,
            "preds": preds,
            "accuracy": skm.accuracy_score(labels, preds),
            "mcc": skm.matthews_corrcoef(labels, preds),
        }
        for average in ["binary", "macro", "micro", "weighted"]:

            def prf(average=average):
                p, r, f, _ = skm.precision_recall_fscore_support(labels, preds, average=average)
                return {"precision": num(p), "recall": num(r), "f1": num(f)}

            case[average] = attempt(prf)
        if set(labels) | set(preds) <= {0, 1}:
            tn, fp, fn, tp = skm.confusion_matrix(labels, preds, labels=[0, 1]).ravel()
            case["confusion"] = {"tp": int(tp), "tn": int(tn), "fp": int(fp), "fn": int(fn)}
        else:
            case["confusion"] = None
        cases.append(case)

    # Binary, random, several sizes and imbalances.
    for n in [1, 2, 5, 20, 101, 400]:
        labels = rng.integers(0, 2, n)
        add(f"binary_random_{n}", labels, noisy(rng, labels, 2, 0.6))
    for p in [0.05, 0.2, 0.9]:
        labels = (rng.random(150) < p).astype(int)
        add(f"binary_imbalanced_{p}", labels, noisy(rng, labels, 2, 0.7))
    labels = rng.integers(0, 2, 30)
    add("binary_perfect", labels, labels)
    add("binary_all_wrong", labels, 1 - labels)
    add("binary_never_predict_positive", labels, np.zeros_like(labels))
    add("binary_always_predict_positive", labels, np.ones_like(labels))
    add("binary_all_negative", [0] * 8, [0] * 8)
    add("binary_all_positive", [1] * 8, [1] * 8)
    add("binary_labels_negative_preds_mixed", [0] * 6, [0, 1, 0, 1, 1, 0])
    add("binary_labels_positive_preds_negative", [1] * 5, [0] * 5)

    # Multi-class.
    for k, n in [(3, 10), (3, 200), (5, 50), (7, 300), (12, 120)]:
        labels = rng.integers(0, k, n)
        add(f"multiclass_{k}_random_{n}", labels, noisy(rng, labels, k, 0.5))
    labels = rng.integers(0, 4, 60)
    add("multiclass_perfect", labels, labels)
    add("multiclass_all_wrong", labels, (labels + 1) % 4)
    preds = noisy(rng, labels, 4, 0.6)
    preds[preds == 2] = 3
    add("multiclass_class_never_predicted", labels, preds)
    preds = noisy(rng, labels, 4, 0.6)
    preds[:5] = 6
    add("multiclass_class_only_predicted", labels, preds)
    add("multiclass_sparse_ids", rng.choice([0, 3, 9], 40), rng.choice([0, 3, 9, 11], 40))
    add("multiclass_constant_prediction", labels, np.full_like(labels, 2))
    add("multiclass_imbalanced", rng.choice(3, 100, p=[0.8, 0.15, 0.05]), rng.choice(3, 100, p=[0.6, 0.3, 0.1]))
    add("two_classes_not_binary", [0, 2, 2, 0, 2], [0, 2, 0, 0, 2])
    return cases


# --------------------------------------------------------------------------------------
# Ranking
# --------------------------------------------------------------------------------------


def ranking_cases():
    rng = np.random.default_rng(20240602)
    cases = []

    def add(name, labels, scores):
        labels = [int(v) for v in labels]
        scores = [float(v) for v in scores]
        both = len(set(labels)) == 2
        has_positive = 1 in labels
        cases.append(
            {
                "kind": "binary",
                "name": name,
                "labels": labels,
                "scores": scores,
                "roc_auc": num(skm.roc_auc_score(labels, scores)) if both else None,
                "average_precision": num(skm.average_precision_score(labels, scores))
                if has_positive
                else None,
            }
        )

    def informative(labels, decimals, spread=1.0):
        """Scores that lean towards the label, rounded to create ties."""
        raw = 1 / (1 + np.exp(-(rng.normal(0, spread, len(labels)) + 1.2 * (labels - 0.5))))
        return np.round(raw, decimals)

    for n in [2, 3, 10, 57, 300]:
        labels = rng.integers(0, 2, n)
        if len(set(labels)) < 2:
            labels[0] = 1 - labels[0]
        add(f"random_{n}", labels, informative(labels, 6))
    for decimals in [0, 1, 2]:
        labels = rng.integers(0, 2, 120)
        add(f"ties_{decimals}_decimals", labels, informative(labels, decimals))
    labels = (rng.random(200) < 0.07).astype(int)
    labels[:2] = 1
    add("imbalanced_rare_positives", labels, informative(labels, 3))
    labels = (rng.random(200) < 0.93).astype(int)
    labels[:2] = 0
    add("imbalanced_rare_negatives", labels, informative(labels, 3))
    labels = rng.integers(0, 2, 40)
    add("perfect_separation", labels, labels * 0.5 + rng.random(40) * 0.4)
    add("reversed", labels, (1 - labels) * 0.5 + rng.random(40) * 0.4)
    add("all_scores_tied", labels, np.full(40, 0.25))
    add("logit_scale_scores", labels, np.round(rng.normal(0, 30, 40) + 10 * labels, 4))
    add("only_positives", [1, 1, 1], [0.2, 0.9, 0.5])
    add("only_negatives", [0, 0, 0], [0.2, 0.9, 0.5])
    add("single_sample_positive", [1], [0.3])

    def add_lrap(name, labels, scores):
        labels = np.asarray(labels, dtype=int)
        scores = np.asarray(scores, dtype=float)
        cases.append(
            {
                "kind": "lrap",
                "name": name,
                "labels": labels.tolist(),
                "scores": scores.tolist(),
                "lrap": num(skm.label_ranking_average_precision_score(labels, scores)),
            }
        )

    for n, width, decimals in [(1, 3, 3), (5, 2, 2), (20, 5, 1), (50, 10, 2), (30, 4, 0), (10, 1, 2)]:
        labels = (rng.random((n, width)) < 0.35).astype(int)
        scores = np.round(rng.random((n, width)) + 0.3 * labels, decimals)
        add_lrap(f"lrap_{n}x{width}_{decimals}_decimals", labels, scores)
    add_lrap(
        "lrap_all_or_no_labels_relevant",
        [[1, 1, 1], [0, 0, 0], [1, 0, 1]],
        [[0.1, 0.2, 0.3], [0.3, 0.2, 0.1], [0.5, 0.5, 0.5]],
    )
    add_lrap("lrap_sklearn_doc_example", [[1, 0, 0], [0, 0, 1]], [[0.75, 0.5, 1], [1, 0.2, 0.1]])
    return cases


# --------------------------------------------------------------------------------------
# Regression
# --------------------------------------------------------------------------------------


def regression_cases():
    rng = np.random.default_rng(20240603)
    cases = []

    def add(name, x, y):
        x = [float(v) for v in x]
        y = [float(v) for v in y]
        cases.append(
            {
                "kind": "correlation",
                "name": name,
                "x": x,
                "y": y,
                "pearson": num(scipy.stats.pearsonr(x, y).statistic),
                "spearman": num(scipy.stats.spearmanr(x, y).statistic),
            }
        )

    for n, rho in [(2, 0.5), (3, 0.9), (10, -0.4), (50, 0.7), (200, 0.1)]:
        x = rng.normal(0, 1, n)
        y = rho * x + math.sqrt(1 - rho**2) * rng.normal(0, 1, n)
        add(f"normal_{n}_rho_{rho}", np.round(x, 6), np.round(y, 6))
    x = rng.integers(0, 5, 60)
    add("integer_ties", x, x + rng.integers(-2, 3, 60))
    add("heavy_ties", rng.integers(0, 2, 40), rng.integers(0, 3, 40))
    add("perfect_positive", [1, 2, 3, 4], [10, 20, 30, 40])
    add("perfect_negative", [1, 2, 3, 4], [4, 3, 2, 1])
    add("monotone_nonlinear", [1, 2, 3, 4, 5], [1, 4, 9, 16, 1000])
    add("constant_x", [3, 3, 3, 3], [1, 2, 3, 4])
    add("constant_y", [1, 2, 3, 4], [7, 7, 7, 7])
    add("large_offset", np.round(1e6 + rng.normal(0, 1, 30), 6), np.round(rng.normal(0, 1, 30), 6))
    for loss in [0.0, 0.5, 2.302585092994046, 7.25]:
        cases.append({"kind": "perplexity", "eval_loss": loss, "perplexity": math.exp(loss)})
    return cases


# --------------------------------------------------------------------------------------
# seqeval
# --------------------------------------------------------------------------------------

TYPES = ["PER", "LOC", "ORG", "MISC"]


def random_spans(rng, length):
    """Non-overlapping (start, end, type) spans, end exclusive."""
    spans, i = [], 0
    while i < length:
        if rng.random() < 0.35:
            end = min(length, i + int(rng.integers(1, 4)))
            spans.append((i, end, TYPES[int(rng.integers(0, len(TYPES)))]))
            i = end
        else:
            i += 1
    return spans


def encode(spans, length, scheme):
    tags = ["O"] * length
    previous = None  # (end, type) of the previous span
    for start, end, kind in spans:
        for i in range(start, end):
            if scheme == "IOB2":
                prefix = "B" if i == start else "I"
            elif scheme == "IOB1":
                adjacent_same = previous is not None and previous == (start, kind)
                prefix = "B" if i == start and adjacent_same else "I"
            else:  # IOBES
                if end - start == 1:
                    prefix = "S"
                else:
                    prefix = "B" if i == start else "E" if i == end - 1 else "I"
            tags[i] = f"{prefix}-{kind}"
        previous = (end, kind)
    return tags


def corrupt(rng, tags, scheme, rate):
    """Replace some tags by random ones (which can make sequences malformed)."""
    prefixes = {"IOB2": "BI", "IOB1": "BI", "IOBES": "BIES"}[scheme]
    pool = ["O"] + [f"{p}-{t}" for p in prefixes for t in TYPES]
    return [pool[int(rng.integers(0, len(pool)))] if rng.random() < rate else t for t in tags]


def seqeval_cases():
    rng = np.random.default_rng(20240604)
    cases = []

    def add(name, scheme, y_true, y_pred):
        report = seqeval_classification_report(y_true, y_pred, output_dict=True)
        texts = {}
        for digits in [4, 2]:
            try:
                texts[str(digits)] = seqeval_classification_report(y_true, y_pred, digits=digits)
            except ValueError:  # seqeval cannot print a report without any entity
                texts[str(digits)] = None
        cases.append(
            {
                "name": name,
                "scheme": scheme,
                "y_true": y_true,
                "y_pred": y_pred,
                "precision": num(seqeval_precision(y_true, y_pred)),
                "recall": num(seqeval_recall(y_true, y_pred)),
                "f1": num(seqeval_f1(y_true, y_pred)),
                "report": {
                    row: {
                        "precision": num(v["precision"]),
                        "recall": num(v["recall"]),
                        "f1": num(v["f1-score"]),
                        "support": int(v["support"]),
                    }
                    for row, v in report.items()
                },
                "report_text": texts,
                "sentence_entities": [
                    [list(e) for e in get_entities(list(sentence))] for sentence in y_true + y_pred
                ],
            }
        )

    for scheme in ["IOB2", "IOB1", "IOBES"]:
        for n_sentences, rate in [(1, 0.1), (5, 0.2), (25, 0.1), (40, 0.3)]:
            y_true, y_pred = [], []
            for _ in range(n_sentences):
                length = int(rng.integers(0, 14))
                tags = encode(random_spans(rng, length), length, scheme)
                y_true.append(tags)
                y_pred.append(corrupt(rng, tags, scheme, rate))
            add(f"{scheme.lower()}_random_{n_sentences}_sentences_rate_{rate}", scheme, y_true, y_pred)

    # Hand-written sequences, many of them malformed on purpose.
    add(
        "iob2_perfect",
        "IOB2",
        [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-ORG"]],
        [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-ORG"]],
    )
    add(
        "i_after_o_starts_entity",
        "IOB2",
        [["O", "B-PER", "I-PER", "O"], ["B-LOC", "I-LOC"]],
        [["O", "I-PER", "I-PER", "O"], ["I-LOC", "I-LOC"]],
    )
    add(
        "type_change_inside_entity",
        "IOB2",
        [["B-PER", "I-PER", "I-PER", "O", "B-ORG", "I-ORG"]],
        [["B-PER", "I-LOC", "I-LOC", "O", "B-ORG", "I-PER"]],
    )
    add(
        "iob1_adjacent_entities",
        "IOB1",
        [["I-PER", "I-PER", "B-PER", "O", "I-LOC", "I-ORG"]],
        [["I-PER", "I-PER", "I-PER", "O", "I-LOC", "B-ORG"]],
    )
    add(
        "iobes_malformed",
        "IOBES",
        [["B-PER", "E-PER", "S-LOC", "O", "B-ORG", "I-ORG", "E-ORG"]],
        [["E-PER", "E-PER", "S-LOC", "S-LOC", "I-ORG", "E-ORG", "E-ORG"]],
    )
    add(
        "entities_at_sentence_edges",
        "IOB2",
        [["I-PER"], ["I-PER", "I-PER"], ["B-LOC", "I-LOC"], ["I-LOC"]],
        [["B-PER"], ["I-PER", "B-PER"], ["B-LOC", "I-LOC"], ["I-LOC"]],
    )
    add(
        "untyped_and_odd_tags",
        "other",
        [["B", "I", "O", "X-PER", "B-PER", ".", "B-LOC-CITY", "I-LOC-CITY"]],
        [["B", "B", "O", "X-PER", "B-PER", "I-PER", "B-LOC-CITY", "I-LOC"]],
    )
    add(
        "stale_begin_offset_quirk",
        "other",
        [["B-PER", "O"], ["X", "B-PER"], ["X", "B-PER"]],
        [["B-PER", "O"], ["X", "B-PER"], ["O", "B-PER"]],
    )
    add("unicode_types", "IOB2", [["B-ÖRT", "I-ÖRT", "O", "B-人名"]], [["B-ÖRT", "O", "O", "B-人名"]])
    add("no_entities", "IOB2", [["O", "O"], []], [["O", "O"], []])
    add("no_true_entities", "IOB2", [["O", "O", "O"]], [["B-PER", "O", "B-LOC"]])
    add("no_predicted_entities", "IOB2", [["B-PER", "O", "B-LOC"]], [["O", "O", "O"]])
    add("empty_sentences", "IOB2", [[], ["B-PER"], []], [[], ["B-PER"], []])
    return cases


# --------------------------------------------------------------------------------------
# SQuAD: official v2.0 logic, verbatim from transformers 4.57.1 squad_metrics.py
# --------------------------------------------------------------------------------------


def normalize_answer(s):
    """Lower text and remove punctuation, articles and extra whitespace."""

    def remove_articles(text):
        regex = re.compile(r"\b(a|an|the)\b", re.UNICODE)
        return re.sub(regex, " ", text)

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    def lower(text):
        return text.lower()

    return white_space_fix(remove_articles(remove_punc(lower(s))))


def get_tokens(s):
    if not s:
        return []
    return normalize_answer(s).split()


def compute_exact(a_gold, a_pred):
    return int(normalize_answer(a_gold) == normalize_answer(a_pred))


def compute_f1(a_gold, a_pred):
    gold_toks = get_tokens(a_gold)
    pred_toks = get_tokens(a_pred)
    common = collections.Counter(gold_toks) & collections.Counter(pred_toks)
    num_same = sum(common.values())
    if len(gold_toks) == 0 or len(pred_toks) == 0:
        # If either is no-answer, then F1 is 1 if they agree, 0 otherwise
        return int(gold_toks == pred_toks)
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(pred_toks)
    recall = 1.0 * num_same / len(gold_toks)
    f1 = (2 * precision * recall) / (precision + recall)
    return f1


def get_raw_scores(examples, preds):
    """`examples` are (qas_id, [gold answer texts]) pairs instead of SquadExamples."""
    exact_scores = {}
    f1_scores = {}

    for qas_id, answers in examples:
        gold_answers = [answer for answer in answers if normalize_answer(answer)]

        if not gold_answers:
            # For unanswerable questions, only correct answer is empty string
            gold_answers = [""]

        if qas_id not in preds:
            print(f"Missing prediction for {qas_id}")
            continue

        prediction = preds[qas_id]
        exact_scores[qas_id] = max(compute_exact(a, prediction) for a in gold_answers)
        f1_scores[qas_id] = max(compute_f1(a, prediction) for a in gold_answers)

    return exact_scores, f1_scores


def make_eval_dict(exact_scores, f1_scores, qid_list=None):
    if not qid_list:
        total = len(exact_scores)
        return collections.OrderedDict(
            [
                ("exact", 100.0 * sum(exact_scores.values()) / total),
                ("f1", 100.0 * sum(f1_scores.values()) / total),
                ("total", total),
            ]
        )
    else:
        total = len(qid_list)
        return collections.OrderedDict(
            [
                ("exact", 100.0 * sum(exact_scores[k] for k in qid_list) / total),
                ("f1", 100.0 * sum(f1_scores[k] for k in qid_list) / total),
                ("total", total),
            ]
        )


def check_against_installed_transformers():
    """Use the real module where an installed transformers still has it."""
    try:
        from transformers.data.metrics import squad_metrics  # transformers < 5
    except ImportError:
        return "vendored copy of transformers 4.57.1 data/metrics/squad_metrics.py"
    for name in ["normalize_answer", "compute_exact", "compute_f1"]:
        globals()[name] = getattr(squad_metrics, name)
    return f"transformers {transformers.__version__} data/metrics/squad_metrics.py"


# (prediction, gold answers)
SQUAD_PAIRS = [
    ("The Eiffel Tower", ["eiffel tower"]),
    ("Eiffel Tower!", ["The Eiffel Tower", "Paris"]),
    ("a dog", ["the dog"]),
    ("An apple a day", ["apple day"]),
    ("theory of the atom", ["theory of atom"]),
    ("Then", ["then"]),
    ("anne", ["an ne"]),
    ("in 1,000 years", ["1000 years"]),
    ("$5.00", ["500"]),
    ("state-of-the-art", ["state of the art"]),
    ("the_end", ["theend"]),
    ("l'homme", ["lhomme", "l homme"]),
    ("Denver Broncos", ["Denver Broncos", "Broncos", "the Denver Broncos"]),
    ("Carolina Panthers beat Denver", ["Denver Broncos"]),
    ("cat cat dog", ["cat dog dog"]),
    ("dog dog dog", ["dog"]),
    ("", []),
    ("something", []),
    ("", ["", "   "]),
    ("The", ["the", ".", "a"]),
    ("the answer", ["", "An answer"]),
    ("", ["Paris"]),
    ("...", ["Paris"]),
    ("Paris", ["..."]),
    ("  spaced\tout \n text ", ["spaced out text"]),
    ("Café", ["CAFÉ"]),
    ("naïve approach", ["naive approach"]),
    ("ΟΔΟΣ", ["οδος"]),
    ("ΟΔΟΣ", ["οδοσ"]),
    ("STRASSE", ["straße"]),
    ("İstanbul", ["istanbul"]),
    ("北京 大学", ["北京大学"]),
    ("«Paris»", ["Paris"]),
    ("“quoted” words", ['"quoted" words']),
    ("em—dash", ["em dash"]),
    ("non\u00a0breaking", ["non breaking"]),
    ("ideographic\u3000space", ["ideographic space"]),
    ("file\x1cseparator", ["file separator"]),
    ("the\u0301 word", ["word"]),
    ("thé word", ["word"]),
    ("a\u0301b", ["a b"]),
    ("x the y a z an", ["x y z"]),
    ("A.M.", ["am"]),
    ("The The the", ["the"]),
    ("über the Straße", ["Über Straße"]),
    ("123", ["one two three"]),
]


def squad_cases():
    source = check_against_installed_transformers()
    cases = []
    for i, (prediction, golds) in enumerate(SQUAD_PAIRS):
        exact, f1 = get_raw_scores([(i, golds)], {i: prediction})
        cases.append(
            {
                "kind": "question",
                "prediction": prediction,
                "gold_answers": golds,
                "normalized_prediction": normalize_answer(prediction),
                "exact": float(exact[i]),
                "f1": float(f1[i]),
            }
        )
    groups = {
        "all": list(range(len(SQUAD_PAIRS))),
        "first_five": list(range(5)),
        "unanswerable": [16, 17, 18, 19],
        "every_third": list(range(0, len(SQUAD_PAIRS), 3)),
    }
    for name, ids in groups.items():
        examples = [(i, SQUAD_PAIRS[i][1]) for i in ids]
        preds = {i: SQUAD_PAIRS[i][0] for i in ids}
        result = make_eval_dict(*get_raw_scores(examples, preds))
        cases.append(
            {
                "kind": "aggregate",
                "name": name,
                "questions": ids,
                "exact": result["exact"],
                "f1": result["f1"],
                "total": result["total"],
            }
        )
    return cases, {"squad_reference": source}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join("fixtures", "metrics"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    write(args.out, "classification.json", classification_cases())
    write(args.out, "ranking.json", ranking_cases())
    write(args.out, "regression.json", regression_cases())
    write(args.out, "seqeval.json", seqeval_cases())
    squad, squad_versions = squad_cases()
    write(args.out, "squad.json", squad, squad_versions)


if __name__ == "__main__":
    main()

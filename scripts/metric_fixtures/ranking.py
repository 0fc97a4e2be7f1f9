"""ranking.json: ROC AUC, average precision, label ranking average precision."""

import numpy as np
from sklearn import metrics as skm

from .common import num

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

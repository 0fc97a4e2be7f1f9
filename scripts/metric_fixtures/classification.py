"""classification.json: accuracy, MCC, precision / recall / F1, confusion counts."""

import numpy as np
from sklearn import metrics as skm

from .common import attempt, num

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

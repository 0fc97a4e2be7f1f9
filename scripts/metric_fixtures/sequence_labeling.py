"""seqeval.json: entity-level metrics, reports and get_entities (seqeval, default mode)."""

import numpy as np
from seqeval.metrics import classification_report as seqeval_classification_report
from seqeval.metrics import f1_score as seqeval_f1
from seqeval.metrics import precision_score as seqeval_precision
from seqeval.metrics import recall_score as seqeval_recall
from seqeval.metrics.sequence_labeling import get_entities

from .common import num

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

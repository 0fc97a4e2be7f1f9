"""squad.json: exact / F1 per question and aggregated."""

import collections
import re
import string

try:
    import transformers  # only check_against_installed_transformers needs it
except ImportError:
    transformers = None

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

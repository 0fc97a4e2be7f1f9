"""generation.json: corpus BLEU (sacrebleu, defaults) and ROUGE-1/2/L (rouge-score, defaults)."""

import random

import rouge_score
import sacrebleu
from rouge_score import rouge_scorer
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

try:
    from importlib.metadata import version

    ROUGE_SCORE_VERSION = version("rouge-score")
except Exception:  # pragma: no cover - metadata missing
    ROUGE_SCORE_VERSION = getattr(rouge_score, "__version__", None)

VERSIONS = {"sacrebleu": sacrebleu.__version__, "rouge-score": ROUGE_SCORE_VERSION}

# Hand-written segments covering what the tokenizers treat specially: punctuation runs,
# numbers with points, commas and dashes, HTML entities, `<skipped>`, line breaks, tabs and
# Python-only whitespace, apostrophes, case, non-ASCII letters and other scripts.
SEGMENTS = [
    "The cat sat on the mat.",
    "the cat sat on the mat",
    "The quick brown fox jumps over the lazy dog!",
    "It's 3.5-4.0 km, or 2,500 m... (roughly).",
    "Prices rose 12.5% to $1,234.56 - a record; analysts said \"wow\".",
    "a &amp; b &lt;c&gt; &quot;quoted&quot; &unknown;",
    "word<skipped> and more-\nbroken line\nnext",
    "tabs\tand  double  spaces   and trailing   ",
    "sep\x1cara\x1fted\u00a0by\u2003odd spaces",
    "Café naïve résumé — déjà vu.",
    "Ünïcödé: Straße İstanbul Kelvin \u212a.",
    "東京は日本の首都です。",
    "e-mail: someone@example.com; url http://x.y/z?a=1&b=2",
    "1,000,000 1.000.000 1-2-3 a-b-c 3-",
    "!!! ??? ... ,,,",
    "",
    "   ",
    "single",
    "Mr. Smith went to Washington, D.C., on Jan. 5th.",
    "She said: 'I'll be there at 10:30 (or 11).'",
]

VOCAB = (
    "the a of to and in is was for on with as by at from it that this she he they we you "
    "ship sea storm captain harbour sail wind night morning letter house garden sister "
    "mother father friend walked said thought felt saw knew came went gave took "
    "quickly slowly never always very quite rather 1 2 3 10 42 3.14 2,000 ten-year-old "
    ". , ; : ! ? ' \" ( ) - --"
).split()


def random_sentence(rng, length):
    return " ".join(rng.choice(VOCAB) for _ in range(length))


def perturb(rng, sentence):
    """A noisy copy: words dropped, swapped, replaced, case changed."""
    words = sentence.split()
    out = []
    for w in words:
        r = rng.random()
        if r < 0.12:
            continue
        if r < 0.24:
            w = rng.choice(VOCAB)
        elif r < 0.30:
            w = w.capitalize()
        out.append(w)
        if rng.random() < 0.05:
            out.append(rng.choice(VOCAB))
    if len(out) > 2 and rng.random() < 0.3:
        i = rng.randrange(len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    return " ".join(out)


def tokenizer_cases():
    tokenize = Tokenizer13a()
    rouge_tokenizer = rouge_scorer.RougeScorer(["rouge1"])._tokenizer
    return [
        {
            "kind": "tokens",
            "text": s,
            # sacrebleu rstrips a segment before tokenizing it (BLEU._preprocess_segment).
            "tokens_13a": tokenize(s.rstrip()),
            "rouge_tokens": rouge_tokenizer.tokenize(s),
        }
        for s in SEGMENTS
    ]


def bleu_case(name, hypotheses, references):
    """references: one list of references per hypothesis (each the same count)."""
    streams = [list(r) for r in zip(*references)]
    b = sacrebleu.corpus_bleu(hypotheses, streams)
    return {
        "kind": "bleu",
        "name": name,
        "hypotheses": hypotheses,
        "references": references,
        "score": b.score,
        "counts": list(b.counts),
        "totals": list(b.totals),
        "precisions": list(b.precisions),
        "bp": b.bp,
        "sys_len": b.sys_len,
        "ref_len": b.ref_len,
    }


def rouge_case(name, targets, predictions):
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"])
    pairs = [scorer.score(t, p) for t, p in zip(targets, predictions)]
    def mean(key, field):
        return sum(getattr(s[key], field) for s in pairs) / len(pairs)
    return {
        "kind": "rouge",
        "name": name,
        "targets": targets,
        "predictions": predictions,
        "pairs": [
            {k: [s[k].precision, s[k].recall, s[k].fmeasure] for k in ("rouge1", "rouge2", "rougeL")}
            for s in pairs
        ],
        "mean": {k: [mean(k, f) for f in ("precision", "recall", "fmeasure")] for k in ("rouge1", "rouge2", "rougeL")},
    }


def generation_cases():
    rng = random.Random(20261203)
    cases = tokenizer_cases()
    text = [s for s in SEGMENTS if s.strip()]
    cases.append(bleu_case("identical", text, [[s] for s in text]))
    cases.append(bleu_case("segments_against_shifted", text, [[text[(i + 1) % len(text)]] for i in range(len(text))]))
    cases.append(bleu_case("no_match", ["a b c d"], [["e f g h"]]))
    cases.append(bleu_case("only_unigrams_match", ["a b c d e"], [["e d c b a"]]))
    cases.append(bleu_case("short_hypothesis", ["the cat"], [["the cat sat on the mat"]]))
    cases.append(bleu_case("empty_hypothesis", ["", "the cat sat"], [["the cat"], ["the cat sat"]]))
    cases.append(bleu_case("no_trigrams", ["a b", "c d"], [["a b"], ["c d"]]))
    cases.append(
        bleu_case(
            "two_references_length_tie",
            ["the cat is on the mat", "there is a cat here"],
            [["the cat sat on the mat", "a cat is on a mat ok"], ["a cat is here", "there is a cat right here"]],
        )
    )
    for n, refs in [(5, 1), (40, 1), (200, 1), (60, 3)]:
        hypotheses, references = [], []
        for _ in range(n):
            truth = random_sentence(rng, rng.randint(3, 30))
            hypotheses.append(perturb(rng, truth))
            references.append([truth] + [perturb(rng, truth) for _ in range(refs - 1)])
        cases.append(bleu_case(f"noisy_{n}x{refs}", hypotheses, references))
    cases.append(rouge_case("segments_identical", SEGMENTS, SEGMENTS))
    cases.append(rouge_case("segments_against_shifted", SEGMENTS, SEGMENTS[1:] + SEGMENTS[:1]))
    cases.append(rouge_case("by_hand", ["the cat sat on the mat", "", "x"], ["the cat on the mat", "x", ""]))
    targets, predictions = [], []
    for _ in range(150):
        truth = random_sentence(rng, rng.randint(1, 40))
        targets.append(truth)
        predictions.append(perturb(rng, truth))
    cases.append(rouge_case("noisy_150", targets, predictions))
    return cases, VERSIONS

#!/usr/bin/env python3
"""Build a small extractive question-answering set (SQuAD-v2 style) from CoNLL-2003 English.

Usage:
    python3 scripts/make_conll_qa_data.py [--conll target/data/conll2003] [--out target/data/conll-qa]
        [--sentences-per-context 4] [--min-words 12] [--max-train-questions 4000]
        [--max-eval-questions 1000] [--seed 7]

Source: the CoNLL-2003 English NER files that `scripts/make_conll_data.py` puts in
target/data/conll2003/ (run that first). Their text is Reuters RCV1, usually licensed for research
use only, so everything made here is derived from it and goes to target/ (never committed); it is
only used for research-style fine-tuning and evaluation runs in the question-answering example.

How it is made: each split is read as documents (`-DOCSTART-` lines) of sentences (blank lines) of
tokens (word = first field, tag = last field, IOB2 tags PER / ORG / LOC / MISC). Within each
document, consecutive sentences are grouped into chunks of up to N sentences; chunks of fewer than
`--min-words` words are skipped. A context is the chunk's words joined by single spaces (original
case, punctuation tokens kept), so every entity has an exact character span (Python str indices,
i.e. Unicode code points). Each context gets one question per entity type, e.g. "Which person is
mentioned first?": its answer is the first entity of that type in the context, or, if there is
none, the question is impossible (`is_impossible: true`, `answers: []`). Impossible questions are
capped at 25% of a split's questions (extra ones dropped with random.Random(seed)). Finally the
contexts are shuffled with the seed and taken, whole, until the split's question cap, so that the
example's run stays small.

Produces, in --out:
    train.json     from train.txt: a JSON list of {"context", "qas": [{"id", "question",
                   "is_impossible", "answers": [{"text", "answer_start"}]}]}, Simple Transformers'
                   question-answering format; ids are "{split}-{context_index}-{type}" where split
                   is the source split (train / test) and context_index counts all of the split's
                   contexts before any selection.
    train.jsonl    the same contexts, one JSON object a line (for lazy loading).
    eval.json      from test.txt, as train.json.
    manifest.json  counts per split, the source files' SHA-256s, parameters and a description.

Only the standard library is used; every answer is checked
(`context[answer_start:answer_start + len(text)] == text`) before anything is written.
"""

import argparse
import hashlib
import json
import os
import random
import sys

TYPES = ("PER", "ORG", "LOC", "MISC")
QUESTIONS = {
    "PER": "Which person is mentioned first?",
    "ORG": "Which organisation is mentioned first?",
    "LOC": "Which place is mentioned first?",
    "MISC": "Which other named thing (nationality, event, title, ...) is mentioned first?",
}
MAX_IMPOSSIBLE_FRACTION = 0.25
# (output name, source split, question-cap argument)
OUTPUTS = (("train", "train", "max_train_questions"), ("eval", "test", "max_eval_questions"))


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_conll(path):
    """Documents -> sentences -> [(word, tag)]."""
    documents, document, sentence = [], [], []

    def end_sentence():
        nonlocal sentence
        if sentence:
            document.append(sentence)
            sentence = []

    def end_document():
        nonlocal document
        end_sentence()
        if document:
            documents.append(document)
            document = []

    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if not fields:
                end_sentence()
            elif fields[0] == "-DOCSTART-":
                end_document()
            else:
                sentence.append((fields[0], fields[-1]))
    end_document()
    return documents


def entities(sentence):
    """[(type, first token, end token)] of one sentence; an I- tag that does not continue an
    entity of its type starts one (IOB1-tolerant)."""
    spans, current = [], None
    for i, (_, tag) in enumerate(sentence):
        prefix, _, kind = tag.partition("-")
        if prefix == "I" and current is not None and current[0] == kind:
            current[2] = i + 1
            continue
        if current is not None:
            spans.append(tuple(current))
            current = None
        if prefix in ("B", "I"):
            if kind not in TYPES:
                raise ValueError(f"unknown entity type in tag {tag!r}")
            current = [kind, i, i + 1]
        elif tag != "O":
            raise ValueError(f"unknown tag {tag!r}")
    if current is not None:
        spans.append(tuple(current))
    return spans


def build_context(sentences):
    """(context text, number of words, [(type, text, start)] in order of appearance)."""
    words, starts, found = [], [], []
    position = 0
    for sentence in sentences:
        base = len(words)
        for word, _ in sentence:
            starts.append(position)
            words.append(word)
            position += len(word) + 1
        for kind, first, end in entities(sentence):
            text = " ".join(word for word, _ in sentence[first:end])
            found.append((kind, text, starts[base + first]))
    return " ".join(words), len(words), found


def build_split(path, split, sentences_per_context, min_words):
    contexts = []
    for document in read_conll(path):
        for i in range(0, len(document), sentences_per_context):
            context, n_words, found = build_context(document[i:i + sentences_per_context])
            if n_words < min_words:
                continue
            index = len(contexts)
            qas = []
            for kind in TYPES:
                first = next(((text, start) for k, text, start in found if k == kind), None)
                qas.append({
                    "id": f"{split}-{index}-{kind}",
                    "question": QUESTIONS[kind],
                    "is_impossible": first is None,
                    "answers": [] if first is None else [{"text": first[0], "answer_start": first[1]}],
                })
            contexts.append({"context": context, "qas": qas, "_words": n_words})
    return contexts


def cap_impossible(contexts, rng):
    """Drop impossible questions (chosen by rng) until they are at most MAX_IMPOSSIBLE_FRACTION
    of all questions; drop contexts left with no questions."""
    answerable = [qa["id"] for c in contexts for qa in c["qas"] if not qa["is_impossible"]]
    impossible = [qa["id"] for c in contexts for qa in c["qas"] if qa["is_impossible"]]
    # impossible <= f * (answerable + impossible)  <=>  impossible <= f / (1 - f) * answerable
    allowed = int(len(answerable) * MAX_IMPOSSIBLE_FRACTION / (1 - MAX_IMPOSSIBLE_FRACTION))
    if len(impossible) <= allowed:
        return contexts
    keep = set(rng.sample(impossible, allowed))
    kept = []
    for c in contexts:
        qas = [qa for qa in c["qas"] if not qa["is_impossible"] or qa["id"] in keep]
        if qas:
            kept.append(dict(c, qas=qas))
    return kept


def select(contexts, max_questions, rng):
    """Seeded shuffle, then whole contexts until the question cap (0: no cap); original order kept."""
    if max_questions <= 0:
        return list(contexts)
    order = list(range(len(contexts)))
    rng.shuffle(order)
    chosen, total = [], 0
    for i in order:
        n = len(contexts[i]["qas"])
        if total + n > max_questions:
            break
        chosen.append(i)
        total += n
    return [contexts[i] for i in sorted(chosen)]


def check(contexts):
    ids = set()
    for c in contexts:
        for qa in c["qas"]:
            assert qa["id"] not in ids, f"duplicate id {qa['id']}"
            ids.add(qa["id"])
            assert qa["is_impossible"] == (not qa["answers"]), qa["id"]
            for answer in qa["answers"]:
                start, text = answer["answer_start"], answer["text"]
                assert text and c["context"][start:start + len(text)] == text, (qa["id"], answer)


def stats(contexts, available):
    qas = [qa for c in contexts for qa in c["qas"]]
    words = [c["_words"] for c in contexts]
    per_type = {kind: sum(1 for qa in qas if qa["id"].endswith("-" + kind) and not qa["is_impossible"])
                for kind in TYPES}
    return {
        "contexts": len(contexts),
        "questions": len(qas),
        "answerable": sum(1 for qa in qas if not qa["is_impossible"]),
        "impossible": sum(1 for qa in qas if qa["is_impossible"]),
        "answerable_per_type": per_type,
        "context_words_mean": round(sum(words) / len(words), 1) if words else 0,
        "context_words_max": max(words, default=0),
        "context_chars_max": max((len(c["context"]) for c in contexts), default=0),
        "available_before_selection": available,
    }


def public(contexts):
    return [{"context": c["context"], "qas": c["qas"]} for c in contexts]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conll", default="target/data/conll2003", help="CoNLL-2003 directory")
    parser.add_argument("--out", default="target/data/conll-qa")
    parser.add_argument("--sentences-per-context", type=int, default=4)
    parser.add_argument("--min-words", type=int, default=12, help="skip shorter contexts")
    parser.add_argument("--max-train-questions", type=int, default=4000, help="0: no cap")
    parser.add_argument("--max-eval-questions", type=int, default=1000, help="0: no cap")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.sentences_per_context < 1:
        parser.error("--sentences-per-context must be at least 1")

    sources = {split: os.path.join(args.conll, f"{split}.txt") for _, split, _ in OUTPUTS}
    missing = [path for path in sources.values() if not os.path.isfile(path)]
    if missing:
        print(f"CoNLL-2003 data not found ({', '.join(missing)} missing).\n"
              "Run `python3 scripts/make_conll_data.py` first (it writes target/data/conll2003/), "
              "or point --conll at the directory holding train.txt and test.txt.", file=sys.stderr)
        sys.exit(1)

    results = {}
    for name, split, cap in OUTPUTS:
        rng = random.Random(f"{args.seed}-{split}")
        contexts = build_split(sources[split], split, args.sentences_per_context, args.min_words)
        all_qas = [qa for c in contexts for qa in c["qas"]]
        available = {"contexts": len(contexts), "questions": len(all_qas),
                     "answerable": sum(1 for qa in all_qas if not qa["is_impossible"])}
        contexts = cap_impossible(contexts, rng)
        contexts = cap_impossible(select(contexts, getattr(args, cap), rng), rng)
        check(contexts)
        results[name] = (split, contexts, stats(contexts, available))

    os.makedirs(args.out, exist_ok=True)
    manifest = {
        "description": (
            "Extractive question answering (SQuAD-v2 style, Simple Transformers format) derived from "
            "CoNLL-2003 English NER data (Reuters RCV1 text, research use only; never commit). "
            f"Within each document, up to {args.sentences_per_context} consecutive sentences form a "
            f"context (chunks under {args.min_words} words skipped), its tokens joined by single spaces. "
            "Each context gets one question per entity type (PER, ORG, LOC, MISC) asking which entity "
            "of that type is mentioned first; the answer is that entity's text and its character "
            "offset (Python str index, i.e. Unicode code point) in the context, or the question is "
            "impossible when the context has no entity of that type. Impossible questions are capped "
            f"at {int(MAX_IMPOSSIBLE_FRACTION * 100)}% per split (extra ones dropped at random), then "
            f"contexts are shuffled (seed {args.seed}) and taken whole up to the question cap. "
            "train.json/train.jsonl come from train.txt, eval.json from test.txt; question ids are "
            "'{source split}-{context index}-{type}'."
        ),
        "source": {split: {"path": path, "sha256": sha256(path)} for split, path in sources.items()},
        "parameters": {
            "sentences_per_context": args.sentences_per_context,
            "min_words": args.min_words,
            "max_train_questions": args.max_train_questions,
            "max_eval_questions": args.max_eval_questions,
            "max_impossible_fraction": MAX_IMPOSSIBLE_FRACTION,
            "seed": args.seed,
        },
        "questions": QUESTIONS,
        "splits": {},
    }
    for name, (split, contexts, summary) in results.items():
        data = public(contexts)
        path = os.path.join(args.out, f"{name}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
            f.write("\n")
        if name == "train":
            with open(os.path.join(args.out, "train.jsonl"), "w", encoding="utf-8") as f:
                for context in data:
                    f.write(json.dumps(context, ensure_ascii=False) + "\n")
        manifest["splits"][name] = dict(source_split=split, **summary)
        print(f"{path} (from {split}.txt): {summary['contexts']} contexts, {summary['questions']} questions "
              f"({summary['answerable']} answerable, {summary['impossible']} impossible); context words "
              f"mean {summary['context_words_mean']}, max {summary['context_words_max']}")
    with open(os.path.join(args.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()

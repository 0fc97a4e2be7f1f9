#!/usr/bin/env python3
"""Check that a directory saved by `st qa train` (or `QuestionAnsweringModel::save_model`)
loads in Python `transformers` as an `AutoModelForQuestionAnswering` and answers like the Rust
side.

Usage:
    st qa predict --model DIR --input questions.json --n-best-size 5 > answers.jsonl
    python scripts/check_hf_qa.py DIR questions.json answers.jsonl

For every question of questions.json (SQuAD-style, contexts that fit one window) the script
runs the model on `tokenizer(question, context)`, rebuilds the n best answers from the start /
end logits by the SQuAD rules the Rust side documents (top n starts × top n ends, spans inside
the context, end ≥ start, at most `max_answer_length` tokens; the null answer scored
start[CLS] + end[CLS]; softmax over the kept answers; text cut from the context by the
tokenizer's offsets), and compares answers and probabilities with answers.jsonl
(`{"id", "answers", "probabilities"}`). Prints the largest probability difference; exits
non-zero on any mismatch.
"""

import json
import math
import os
import sys

import torch
from transformers import AutoModelForQuestionAnswering, AutoTokenizer


def nbest(start, end, offsets, sequence_ids, context, n, max_answer_length):
    top = lambda values: sorted(range(len(values)), key=lambda i: (-values[i], i))[:n]
    candidates = []
    for s in top(start):
        if sequence_ids[s] != 1:
            continue
        for e in top(end):
            if sequence_ids[e] != 1 or e < s or e - s + 1 > max_answer_length:
                continue
            candidates.append((start[s] + end[e], context[offsets[s][0] : offsets[e][1]].strip()))
    candidates.append((start[0] + end[0], ""))
    candidates.sort(key=lambda c: -c[0])
    kept, seen = [], set()
    for score, text in candidates:
        if len(kept) >= n:
            break
        if text in seen:
            continue
        seen.add(text)
        kept.append((score, text))
    top_score = max(s for s, _ in kept)
    exps = [math.exp(s - top_score) for s, _ in kept]
    return [t for _, t in kept], [e / sum(exps) for e in exps]


def main():
    directory, questions_path, answers_path = sys.argv[1:4]
    with open(os.path.join(directory, "model_args.json"), encoding="utf-8") as f:
        args = json.load(f)
    tokenizer = AutoTokenizer.from_pretrained(directory)
    model = AutoModelForQuestionAnswering.from_pretrained(directory, dtype=torch.float32).eval()
    with open(questions_path, encoding="utf-8") as f:
        contexts = json.load(f)
    with open(answers_path, encoding="utf-8") as f:
        ours = {row["id"]: row for row in map(json.loads, f)}
    worst, checked, failures = 0.0, 0, 0
    for item in contexts:
        context = item["context"]
        for qa in item["qas"]:
            enc = tokenizer(qa["question"], context, return_offsets_mapping=True, return_tensors="pt")
            assert enc["input_ids"].shape[1] <= args["max_seq_length"], "context longer than one window"
            offsets = enc.pop("offset_mapping")[0].tolist()
            with torch.no_grad():
                out = model(**enc)
            answers, probabilities = nbest(
                out.start_logits[0].tolist(),
                out.end_logits[0].tolist(),
                offsets,
                enc.sequence_ids(0),
                context,
                len(ours[qa["id"]]["answers"]),
                args["max_answer_length"],
            )
            mine = ours[qa["id"]]
            difference = max(abs(a - b) for a, b in zip(probabilities, mine["probabilities"]))
            worst = max(worst, difference)
            checked += 1
            if answers != mine["answers"] or difference > 1e-4:
                failures += 1
                print(f"MISMATCH {qa['id']}: transformers {answers} {probabilities}, ours {mine}")
    print(f"{checked} questions: same n-best answers; largest probability difference {worst:.2e}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

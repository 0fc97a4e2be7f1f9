#!/usr/bin/env python3
"""Python Simple Transformers' Seq2SeqModel on the translation example: the same random BART
(target/gettext-de/bart-init), the same pairs and the same arguments as
`cargo run -p st-examples --example seq2seq_bart_translation`, for the README's comparison.

Usage:
    python scripts/bench_seq2seq_python.py [--settings examples/data/gettext/bart_en_de.json]

Needs the venv of scripts/requirements-lm-python.txt (torch, transformers, simpletransformers
0.70.8, sacrebleu, rouge-score). Runs on the CPU with torch's threads left at their default.
Prints one JSON object: training time and pairs/s, eval_loss, BLEU (sacrebleu corpus BLEU,
default tokenizer) and ROUGE-1/2/L (rouge-score F-measure, no stemmer) of predict on the held
out pairs, and the first translations.
"""

import argparse
import csv
import json
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pandas as pd  # noqa: E402
import sacrebleu  # noqa: E402
from rouge_score import rouge_scorer  # noqa: E402
from simpletransformers.seq2seq import Seq2SeqModel  # noqa: E402


def read(path, limit):
    with open(path, encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    return pd.DataFrame(rows[:limit], columns=["input_text", "target_text"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--settings", default="examples/data/gettext/bart_en_de.json")
    parser.add_argument("--data", default="target/gettext-de")
    cli = parser.parse_args()
    settings = json.load(open(cli.settings))
    args = dict(settings["args"])
    # Python scores generated text only through its own metrics; it is done below instead.
    args.pop("evaluate_generated_text", None)
    args.update(output_dir=os.path.join(cli.data, "bart-python"), no_cache=True, reprocess_input_data=True)
    train = read(os.path.join(cli.data, "train.tsv"), settings["train_pairs"])
    test = read(os.path.join(cli.data, "test.tsv"), settings["test_pairs"])
    model = Seq2SeqModel(
        encoder_decoder_type="bart", encoder_decoder_name=os.path.join(cli.data, "bart-init"), args=args, use_cuda=False
    )
    start = time.time()
    global_step, training_loss = model.train_model(train)
    train_seconds = time.time() - start
    start = time.time()
    eval_loss = model.eval_model(test)["eval_loss"]
    preds = model.predict(list(test["input_text"]))
    eval_seconds = time.time() - start
    targets = list(test["target_text"])
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"])
    scores = [scorer.score(t, p) for t, p in zip(targets, preds)]
    rouge = {k: sum(s[k].fmeasure for s in scores) / len(scores) for k in ["rouge1", "rouge2", "rougeL"]}
    figures = {
        "train_pairs": len(train),
        "test_pairs": len(test),
        "global_step": global_step,
        "training_loss": training_loss,
        "train_seconds": train_seconds,
        "train_pairs_per_second": len(train) * args["num_train_epochs"] / train_seconds,
        "eval_seconds": eval_seconds,
        "results": dict(eval_loss=eval_loss, bleu=sacrebleu.corpus_bleu(preds, [targets]).score, **rouge),
        "examples": [
            {"input": i, "target": t, "generated": p} for i, t, p in list(zip(test["input_text"], targets, preds))[:5]
        ],
    }
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

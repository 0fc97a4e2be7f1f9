#!/usr/bin/env python3
"""Check that a directory saved by `st ner train` (or `NerModel::save_model`) loads in Python
`transformers` as an `AutoModelForTokenClassification` and tags like the Rust side.

Usage:
    st ner predict --model DIR --input texts.txt > predictions.jsonl
    python scripts/check_hf_ner.py DIR predictions.jsonl

For every line of predictions.jsonl (`{"text", "words": [{"word", "tag", "score"}]}`) the
script splits the text on whitespace, runs the model on the words (`is_split_into_words=True`;
byte-level BPE tokenizers with `add_prefix_space=True`), and compares each word's tag (argmax
at its first sub-token, through the saved `id2label`) and score (softmax probability of that
tag). Prints the largest score difference; exits non-zero on any mismatch.
"""

import json
import sys

import torch
from transformers import AutoConfig, AutoModelForTokenClassification, AutoTokenizer


def main():
    directory, predictions = sys.argv[1], sys.argv[2]
    config = AutoConfig.from_pretrained(directory)
    kwargs = {"add_prefix_space": True} if config.model_type in ("roberta", "gpt2") else {}
    tokenizer = AutoTokenizer.from_pretrained(directory, **kwargs)
    model = AutoModelForTokenClassification.from_pretrained(directory, dtype=torch.float32).eval()
    worst, checked = 0.0, 0
    with open(predictions, encoding="utf-8") as f:
        for line in f:
            expected = json.loads(line)
            words = expected["text"].split()
            if not words:
                continue
            enc = tokenizer([words], is_split_into_words=True, return_tensors="pt")
            with torch.no_grad():
                probabilities = model(**enc).logits.softmax(-1)[0]
            seen = set()
            for position, word in enumerate(enc.word_ids(0)):
                if word is None or word in seen:
                    continue
                seen.add(word)
                best = int(probabilities[position].argmax())
                ours = expected["words"][word]
                tag = model.config.id2label[best]
                if tag != ours["tag"]:
                    sys.exit(f"{expected['text']!r}: word {word} {ours['word']!r}: Python says {tag}, Rust {ours['tag']}")
                worst = max(worst, abs(float(probabilities[position, best]) - ours["score"]))
                checked += 1
            if len(seen) != len(words):
                sys.exit(f"{expected['text']!r}: {len(words)} words but {len(seen)} first sub-tokens")
    print(f"{checked} words: same tags; largest score difference {worst:.2e}")
    if worst > 1e-4:
        sys.exit("scores differ")


if __name__ == "__main__":
    main()

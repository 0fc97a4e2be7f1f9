#!/usr/bin/env python3
"""Real images for the multimodal example: npm's `emoji-datasource-google` 16.0.0 (data MIT,
images Apache-2.0: 1,911 emoji, a 64x64 PNG each, a name and a category) laid out under
target/ in Python Simple Transformers' per-sample-JSON format. Standard library and npm only.

Usage:
    python3 scripts/fetch_emoji.py [--out target/emoji] [--eval-every 5]

Fetches the package once with `npm pack emoji-datasource-google@16.0.0` (checked against the
SHA-256 below) and reads its emoji.json. The five "Component" emoji (skin tones, hair styles)
are dropped, leaving 1,906 in nine categories. Emoji are ordered by `sort_order`; every
--eval-every-th goes to eval (held out), the rest to train. Writes:

  <out>/<stem>.png              the emoji's 64x64 Google image (RGBA), stem = the image's name
  <out>/train/<stem>.json       {"text": the emoji's name, lower case, "labels": its category}
  <out>/eval/<stem>.json        likewise
  <out>/train_files.json        the stems of train/ (Python's `files_list`), and eval_files.json
  <out>/labels.json             the nine categories, sorted (Python's `label_list`)

Python reads this with `train_model("<out>/train", files_list="<out>/train_files.json",
data_type_extension=".json", image_type_extension=".png")`: the images live in the parent of
the data directory, as its JsonlDataset looks for them. Prints the counts. Nothing here is
committed.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import tarfile

PACKAGE = "emoji-datasource-google"
VERSION = "16.0.0"
TARBALL = f"{PACKAGE}-{VERSION}.tgz"
KNOWN_SHA256 = "fb5fd131b362aab7a55542d2a147a79708cce0a8b1c1bbacd470172708b5c438"


def fetch_tarball(cache):
    """The npm tarball, packed once into `cache` and checked."""
    os.makedirs(cache, exist_ok=True)
    path = os.path.join(cache, TARBALL)
    if not os.path.exists(path):
        subprocess.run(["npm", "pack", "--silent", f"{PACKAGE}@{VERSION}"], cwd=cache, check=True,
                       stdout=subprocess.DEVNULL)
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    if digest != KNOWN_SHA256:
        raise SystemExit(f"{path}: SHA-256 {digest} differs from the recorded {KNOWN_SHA256}")
    return path


def emoji_rows(tar):
    """(stem, text, category) of every emoji with a Google image, Component dropped."""
    emoji = json.load(tar.extractfile("package/emoji.json"))
    rows = []
    for e in sorted(emoji, key=lambda e: e["sort_order"]):
        if e["category"] == "Component" or not e.get("has_img_google"):
            continue
        name = e.get("name") or e["short_name"].replace("_", " ")
        rows.append((e["image"][: -len(".png")], name.lower(), e["category"]))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="target/emoji")
    parser.add_argument("--eval-every", type=int, default=5)
    args = parser.parse_args()

    tarball = fetch_tarball(os.path.join(args.out, ".cache"))
    for split in ("train", "eval"):
        shutil.rmtree(os.path.join(args.out, split), ignore_errors=True)
        os.makedirs(os.path.join(args.out, split))
    with tarfile.open(tarball) as tar:
        rows = emoji_rows(tar)
        files = {"train": [], "eval": []}
        for i, (stem, text, category) in enumerate(rows):
            image = tar.extractfile(f"package/img/google/64/{stem}.png").read()
            with open(os.path.join(args.out, f"{stem}.png"), "wb") as f:
                f.write(image)
            split = "eval" if i % args.eval_every == 0 else "train"
            with open(os.path.join(args.out, split, f"{stem}.json"), "w", encoding="utf-8") as f:
                json.dump({"text": text, "labels": category}, f, ensure_ascii=False)
            files[split].append(stem)
    for split, stems in files.items():
        with open(os.path.join(args.out, f"{split}_files.json"), "w") as f:
            json.dump(stems, f)
    labels = sorted({category for _, _, category in rows})
    with open(os.path.join(args.out, "labels.json"), "w") as f:
        json.dump(labels, f)
    print(f"{len(rows)} emoji in {len(labels)} categories: {len(files['train'])} train, "
          f"{len(files['eval'])} eval, under {args.out}")


if __name__ == "__main__":
    main()

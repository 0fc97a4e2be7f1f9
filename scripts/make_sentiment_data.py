#!/usr/bin/env python3
"""Real sentiment data from the VADER ground-truth sets that ship in PyPI's vaderSentiment.

The sdist of `vaderSentiment==3.3.2` (MIT licence, C.J. Hutto) carries
`additional_resources/hutto_ICWSM_2014.tar.gz`: the human-rated sentences of Hutto & Gilbert,
"VADER: A Parsimonious Rule-based Model for Sentiment Analysis of Social Media Text" (ICWSM
2014). Every sentence has the mean of about 20 independent ratings on a -4..+4 scale. We use
two of its four sets:

  movieReviewSnippets_GroundTruth.txt  10,605 Rotten Tomatoes snippets (Pang & Lee's sentence
                                       polarity data), re-rated by the VADER crowd
  tweets_GroundTruth.txt                4,200 tweets

Standard library only, deterministic (seed 42). The sdist is fetched with
`pip download --no-deps --no-binary :all: vaderSentiment==3.3.2` unless `--sdist` names it, and
its SHA-256 is checked.

Writes, under --out (default target/data/vader):

  movies/{train,eval,test}.tsv   binary sentiment, 2000 / 500 / 2000 rows: the workload shape of
                                 the Python anchor (../shared/anchors/python), on real text.
                                 label 1 = mean rating > 0; sentences the crowd rated
                                 |mean| < 0.5 (no clear polarity) and duplicates are left out.
  manifest.json                  counts, label balance and sha256 of every file

and with --examples, the small per-mode sample sets the examples use (committed under
examples/data/, see examples/data/vader/README.md there):

  regression   movie snippets with their mean rating as the target (-4..4)
  multiclass   tweets as negative (<= -1), neutral (|r| < 0.5) or positive (>= 1)
  pairs        a movie snippet and a claim (liked / disliked); 1 when the claim holds
  multilabel   tweets with [positive, intense]: mean > 0, |mean| >= 2

Texts containing a tab or a double quote are skipped so the TSV files need no quoting.
"""
import argparse
import hashlib
import io
import json
import os
import random
import subprocess
import tarfile
import tempfile

SDIST = "vaderSentiment-3.3.2.tar.gz"
SDIST_SHA256 = "5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9"
INNER = "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz"
SEED = 42


def fetch_sdist(path):
    if path is None:
        tmp = tempfile.mkdtemp(prefix="vader-")
        subprocess.run(
            ["pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
             "vaderSentiment==3.3.2", "-d", tmp],
            check=True,
        )
        path = os.path.join(tmp, SDIST)
    data = open(path, "rb").read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SDIST_SHA256:
        raise SystemExit(f"{path}: sha256 {digest}, expected {SDIST_SHA256}")
    return data


def ground_truth(sdist_bytes):
    """{file name: [(id, mean rating, text)]} for every *_GroundTruth.txt."""
    outer = tarfile.open(fileobj=io.BytesIO(sdist_bytes))
    inner = tarfile.open(fileobj=outer.extractfile(INNER))
    sets = {}
    for member in inner.getmembers():
        name = os.path.basename(member.name)
        if not name.endswith("_GroundTruth.txt"):
            continue
        rows = []
        text = inner.extractfile(member).read().decode("utf-8")
        for line in text.splitlines():
            sid, rating, sentence = line.split("\t")
            sentence = " ".join(sentence.split())
            if sentence and '"' not in sentence:
                rows.append((sid, float(rating), sentence))
        sets[name] = rows
    return sets


def unique(rows):
    seen, out = set(), []
    for row in rows:
        if row[2] not in seen:
            seen.add(row[2])
            out.append(row)
    return out


def write_tsv(path, header, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\t".join(header) + "\n")
        for row in rows:
            f.write("\t".join(str(x) for x in row) + "\n")


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def binary_movies(sets, out):
    rows = [r for r in unique(sets["movieReviewSnippets_GroundTruth.txt"]) if abs(r[1]) >= 0.5]
    random.Random(SEED).shuffle(rows)
    splits = {"train": rows[:2000], "eval": rows[2000:2500], "test": rows[2500:4500]}
    manifest = {
        "source": f"PyPI vaderSentiment==3.3.2 sdist ({SDIST}, sha256 {SDIST_SHA256}), {INNER}"
                  " :: movieReviewSnippets_GroundTruth.txt",
        "licence": "MIT (vaderSentiment); sentences from Pang & Lee's sentence polarity data",
        "label": "1 if the crowd's mean rating > 0 else 0; |mean| < 0.5 and duplicates dropped",
        "seed": SEED,
        "usable_rows": len(rows),
        "files": {},
    }
    for name, split in splits.items():
        path = os.path.join(out, "movies", f"{name}.tsv")
        write_tsv(path, ["text", "labels"], [(t, int(r > 0)) for _, r, t in split])
        manifest["files"][f"movies/{name}.tsv"] = {
            "rows": len(split),
            "positive": sum(r > 0 for _, r, _ in split),
            "sha256": sha256(path),
        }
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest


def example_sets(sets, out):
    rng = random.Random(SEED)
    movies = unique(sets["movieReviewSnippets_GroundTruth.txt"])
    tweets = unique(sets["tweets_GroundTruth.txt"])
    rng.shuffle(movies)
    rng.shuffle(tweets)
    short_movies = [r for r in movies if len(r[2]) <= 160]

    def split(name, header, rows, n_train, n_eval):
        write_tsv(os.path.join(out, name, "train.tsv"), header, rows[:n_train])
        write_tsv(os.path.join(out, name, "eval.tsv"), header, rows[n_train:n_train + n_eval])

    # regression: the crowd's mean rating, rounded as in the source to 3 decimals
    split("regression", ["text", "labels"],
          [(t, f"{r:.3f}") for _, r, t in short_movies[:400]], 320, 80)

    # three classes with string labels (labels_list = negative, neutral, positive)
    def three_way(r):
        if r <= -1.0:
            return "negative"
        if abs(r) < 0.5:
            return "neutral"
        if r >= 1.0:
            return "positive"
        return None

    by_class = {"negative": [], "neutral": [], "positive": []}
    for _, r, t in tweets:
        c = three_way(r)
        if c is not None and len(by_class[c]) < 150:
            by_class[c].append((t, c))
    balanced = [row for rows in zip(*by_class.values()) for row in rows]
    split("multiclass", ["text", "labels"], balanced, 360, 90)

    # pairs: a snippet and a claim about it; 1 when the claim matches the crowd's polarity
    claims = ["The reviewer liked the film.", "The reviewer disliked the film."]
    polar = [r for r in short_movies[400:] if abs(r[1]) >= 1.0][:400]
    pairs = []
    for _, r, t in polar:
        claim = rng.randrange(2)
        pairs.append((t, claims[claim], int((r > 0) == (claim == 0))))
    split("pairs", ["text_a", "text_b", "labels"], pairs, 320, 80)

    # multi-label: [positive, intense]
    multi = [(t, json.dumps([int(r > 0), int(abs(r) >= 2.0)])) for _, r, t in tweets[:400]]
    split("multilabel", ["text", "labels"], multi, 320, 80)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sdist", help=f"path to {SDIST} (default: pip download it)")
    ap.add_argument("--out", default="target/data/vader")
    ap.add_argument("--examples", help="also write the per-mode example sets into this folder")
    a = ap.parse_args()
    sets = ground_truth(fetch_sdist(a.sdist))
    manifest = binary_movies(sets, a.out)
    print(json.dumps(manifest["files"], indent=1))
    if a.examples:
        example_sets(sets, a.examples)
        print(f"example sets written to {a.examples}")


if __name__ == "__main__":
    main()

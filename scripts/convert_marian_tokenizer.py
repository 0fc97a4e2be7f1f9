#!/usr/bin/env python3
"""Give a Marian directory (`source.spm`, `target.spm`, `vocab.json`) the tokenizer.json files
the Rust crates read: `tokenizer.json` for the source side and `target_tokenizer.json` for the
target side.

Usage:
    python scripts/convert_marian_tokenizer.py DIR [--check TEXT ...]

`transformers`' MarianTokenizer has no fast version: it segments text with a SentencePiece
model, then looks each piece up in `vocab.json` (a vocabulary shared by both sides, in its own
order, not the SentencePiece ids). Each file written here is that SentencePiece model's Unigram
with its normaliser, pre-tokenizer and decoder as `transformers` converts SentencePiece models,
but with the vocabulary in `vocab.json`'s order and ids: a piece keeps its SentencePiece score,
and the pieces only the other side knows are marked with a private-use character (U+E000) that
normalised text never holds, so they are never chosen and segmentation is this side's own; the
decoder drops the mark, so every id decodes to its piece. `</s>` is appended to every sequence,
as MarianTokenizer does.

Where the two can differ: a piece this side's SentencePiece model produces but `vocab.json`
lacks (MarianTokenizer maps it to `<unk>`; here it cannot be chosen); a run of characters this
side's model does not know whose text is itself a `vocab.json` entry of the other side (say a
digit only the target model has: SentencePiece returns the run's text and MarianTokenizer looks
that up; here it is `<unk>`); and text holding U+E000.
OPUS-MT vocabularies hold both models' pieces. `--check` compares the two on texts and fails on a difference. Needs `transformers`,
`sentencepiece` and `protobuf`.
"""

import argparse
import json
import os
import sys
import types

from tokenizers import AddedToken, Tokenizer, decoders, processors
from tokenizers.models import Unigram
from transformers.convert_slow_tokenizer import SpmConverter

SIDES = [("source.spm", "tokenizer.json"), ("target.spm", "target_tokenizer.json")]
SPECIALS = ["</s>", "<unk>", "<pad>"]
# A private-use character: text never holds it, so pieces marked with it are never matched.
OTHER_SIDE_MARK = "\ue000"


class MarianSideConverter(SpmConverter):
    """One side's SentencePiece model on `vocab.json`'s ids."""

    def __init__(self, spm_path, vocab):
        self.vocab_ids = vocab
        super().__init__(types.SimpleNamespace(vocab_file=spm_path, add_prefix_space=True))

    def vocab(self, proto):
        scores = {piece.piece: piece.score for piece in proto.pieces}
        # The other side's pieces must never be chosen: they are renamed so that no normalised
        # text contains them (the decoder strips the mark again). Their score is this side's
        # lowest, so that the unknown-piece penalty (lowest score - 10) stays SentencePiece's.
        lowest = min(scores.values())
        by_id = sorted(self.vocab_ids.items(), key=lambda item: item[1])
        if [i for _, i in by_id] != list(range(len(by_id))):
            raise SystemExit("vocab.json: ids must be 0..n-1 without gaps")
        return [
            (piece, scores.get(piece, lowest)) if piece in scores or piece in SPECIALS
            else (OTHER_SIDE_MARK + piece, lowest)
            for piece, _ in by_id
        ]

    def decoder(self, replacement, add_prefix_space):
        return decoders.Sequence([decoders.Replace(OTHER_SIDE_MARK, ""), super().decoder(replacement, add_prefix_space)])

    def unk_id(self, proto):
        return self.vocab_ids["<unk>"]

    def tokenizer(self, proto):
        # Not SpmConverter's: that one adds the model's control pieces (`<s>`) as tokens, which
        # `vocab.json` does not have and MarianTokenizer does not match.
        if proto.trainer_spec.model_type != 1:
            raise SystemExit("only unigram SentencePiece models are converted (OPUS-MT's are)")
        return Tokenizer(Unigram(self.vocab(proto), unk_id=self.unk_id(proto), byte_fallback=False))

    def post_processor(self):
        return processors.TemplateProcessing(
            single="$A </s>", pair="$A $B </s>", special_tokens=[("</s>", self.vocab_ids["</s>"])]
        )


def convert(directory):
    with open(os.path.join(directory, "vocab.json")) as f:
        vocab = json.load(f)
    missing = [token for token in SPECIALS if token not in vocab]
    if missing:
        raise SystemExit(f"{directory}/vocab.json: no {', '.join(missing)}")
    written = []
    for spm_name, out_name in SIDES:
        tokenizer = MarianSideConverter(os.path.join(directory, spm_name), vocab).converted()
        tokenizer.add_special_tokens([AddedToken(token, normalized=False, special=True) for token in SPECIALS])
        path = os.path.join(directory, out_name)
        tokenizer.save(path)
        written.append(path)
    return written


def check(directory, texts):
    """Ids of `texts` from the written files against MarianTokenizer's, both sides."""
    from transformers import MarianTokenizer

    marian = MarianTokenizer.from_pretrained(directory)
    source = Tokenizer.from_file(os.path.join(directory, "tokenizer.json"))
    target = Tokenizer.from_file(os.path.join(directory, "target_tokenizer.json"))
    for text in texts:
        want_source = marian(text).input_ids
        want_target = marian(text_target=text).input_ids
        got_source, got_target = source.encode(text).ids, target.encode(text).ids
        if (got_source, got_target) != (want_source, want_target):
            raise SystemExit(f"{text!r}: source {got_source} vs {want_source}, target {got_target} vs {want_target}")
    return len(texts)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir")
    parser.add_argument("--check", nargs="*", default=[], metavar="TEXT")
    args = parser.parse_args()
    for path in convert(args.dir):
        print(f"{path}: written")
    if args.check:
        print(f"{check(args.dir, args.check)} texts tokenised as MarianTokenizer does")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The small random encoder-decoders the sequence-to-sequence examples start from, and their
tokenizers trained on the example data: no pretrained BART or T5 weights can be had here, so
both Rust and Python Simple Transformers train from the same initial checkpoint.

Usage:
    python scripts/make_seq2seq_init.py [--data target/gettext-de] [--vocab 8000]

Needs train.tsv from scripts/fetch_gettext_pairs.py, and torch/transformers/tokenizers (the
pins of scripts/requirements-fixtures.txt). Writes into --data:

  bart-init/  a byte-level BPE tokenizer (RoBERTa's special tokens, as BART's) trained on the
              training pairs' both sides, and a random BartForConditionalGeneration (d_model
              128, 2 + 2 layers, 4 heads, feed-forward 512, 64 positions, dropout 0.1)
  t5-init/    a SentencePiece-style Unigram tokenizer (<pad>=0 </s>=1 <unk>=2, "</s>" appended)
              trained on the training pairs and on the copy task's inputs, and a random T5
              v1.0 (d_model 128, d_kv 32, 4 heads, d_ff 512, 2 + 2 layers, ReLU, tied head)

Weights are transformers' own initialisation under torch.manual_seed(0). Nothing is
downloaded; nothing is committed.
"""

import argparse
import csv
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
from tokenizers import ByteLevelBPETokenizer, SentencePieceUnigramTokenizer  # noqa: E402
from tokenizers.processors import TemplateProcessing  # noqa: E402
from transformers import (  # noqa: E402
    BartConfig,
    BartForConditionalGeneration,
    RobertaTokenizerFast,
    T5Config,
    T5ForConditionalGeneration,
    T5TokenizerFast,
)


def texts(data):
    with open(os.path.join(data, "train.tsv"), encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    return [cell for row in rows for cell in row]


def bart(data, corpus, vocab):
    out = os.path.join(data, "bart-init")
    os.makedirs(out, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        corpus, vocab_size=vocab, min_frequency=2, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    )
    bpe.save_model(out)
    tokenizer = RobertaTokenizerFast(os.path.join(out, "vocab.json"), os.path.join(out, "merges.txt"), model_max_length=64)
    tokenizer.save_pretrained(out)
    config = BartConfig(
        vocab_size=len(tokenizer),
        d_model=128,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=512,
        decoder_ffn_dim=512,
        max_position_embeddings=64,
        dropout=0.1,
        bos_token_id=0,
        pad_token_id=1,
        eos_token_id=2,
        decoder_start_token_id=2,
        forced_eos_token_id=2,
    )
    torch.manual_seed(0)
    BartForConditionalGeneration(config).save_pretrained(out)
    print(f"{out}: vocabulary {len(tokenizer)}")


def t5(data, corpus, vocab):
    out = os.path.join(data, "t5-init")
    os.makedirs(out, exist_ok=True)
    unigram = SentencePieceUnigramTokenizer()
    unigram.train_from_iterator(corpus, vocab_size=vocab, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>")
    unigram.post_processor = TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", 1)]
    )
    tokenizer = T5TokenizerFast(
        tokenizer_object=unigram._tokenizer, eos_token="</s>", pad_token="<pad>", unk_token="<unk>", extra_ids=0
    )
    tokenizer.model_max_length = 64
    tokenizer.save_pretrained(out)
    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=128,
        d_kv=32,
        d_ff=512,
        num_layers=2,
        num_decoder_layers=2,
        num_heads=4,
        feed_forward_proj="relu",
        dropout_rate=0.1,
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
    )
    torch.manual_seed(0)
    T5ForConditionalGeneration(config).save_pretrained(out)
    print(f"{out}: vocabulary {len(tokenizer)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="target/gettext-de")
    parser.add_argument("--vocab", type=int, default=8000)
    args = parser.parse_args()
    corpus = texts(args.data)
    bart(args.data, corpus, args.vocab)
    t5(args.data, corpus, args.vocab)


if __name__ == "__main__":
    main()

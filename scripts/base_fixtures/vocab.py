"""Tokenizer construction for the tiny models."""

import json
import math
import os
import string
from collections import Counter

from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
from transformers import AlbertTokenizer, BertTokenizer, CamembertTokenizer, RobertaTokenizer, XLMRobertaTokenizer

from .common import MAX_LEN
from .texts import CASE_PAIRS, CASE_SINGLES, CORPUS

# ---------------------------------------------------------------------------------------------
# Tokenizer construction
#
# transformers 5.x rebuilds the normalizer / pre-tokenizer of model-specific tokenizer classes
# in their __init__ (only vocab, merges and post-processor are taken from tokenizer.json).  To
# keep tokenizer.json and the Python class in agreement we therefore always *construct the HF
# class from a vocabulary* and build that vocabulary with exactly the pipeline the class uses.
# ---------------------------------------------------------------------------------------------


def trimmed_wordpiece_vocab(full_vocab):
    """Trim the real uncased BERT vocab to what the fixtures need.

    Kept: the five special tokens (re-numbered 0..4 like the HF default BertTokenizer), every
    token the full tokenizer produces on the corpus and on the tokenizer test texts, and every
    single character a-z / 0-9 / ASCII punctuation together with its "##" continuation form.
    The remaining tokens keep their original relative order.  Because the kept set is a superset
    of the greedy longest-match pieces of every corpus word, WordPiece produces the same pieces
    with the trimmed vocab as with the full one on those words.
    """
    full = BertTokenizer(vocab={tok: i for i, tok in enumerate(full_vocab)}, do_lower_case=True)
    needed = set()
    texts = CORPUS + CASE_SINGLES + [t for pair in CASE_PAIRS for t in pair]
    for text in texts:
        needed.update(full.tokenize(text))
    for ch in string.ascii_lowercase + string.digits + string.punctuation:
        needed.add(ch)
        needed.add("##" + ch)
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    rest = [tok for tok in full_vocab if tok in needed and tok not in specials]
    return specials + rest


def make_bert_tokenizer(vocab_list, **extra):
    vocab = {tok: i for i, tok in enumerate(vocab_list)}
    return BertTokenizer(vocab=vocab, do_lower_case=True, model_max_length=MAX_LEN, **extra)


def train_byte_level_bpe(vocab_size):
    """Byte-level BPE with the RoBERTa pre-tokenizer; specials get ids 0..4 like roberta-base."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(CORPUS, trainer=trainer)
    model = json.loads(tok.to_str())["model"]
    vocab = dict(sorted(model["vocab"].items(), key=lambda kv: kv[1]))
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    return vocab, merges


def build_unigram_vocab(vocab_size, special_tokens, normalizer=None, max_piece_len=8):
    """A small SentencePiece-style Unigram vocabulary, built deterministically from the corpus.

    (`tokenizers`' UnigramTrainer is not reproducible run to run: its EM scores drift by ~1e-4
    and the piece order changes, so it cannot be used for committed fixtures.)

    Words are produced with exactly the pipeline the HF classes install: the optional
    normalizer, then WhitespaceSplit + Metaspace("▁", prepend always).  Every substring of up
    to `max_piece_len` characters is counted; all single characters are kept, then the
    substrings seen at least twice ranked by count * length.  A piece's score is its log
    relative frequency, so Viterbi prefers long frequent pieces over runs of characters.
    Special tokens come first with score 0.0, like in real SentencePiece models.
    """
    pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")]
    )
    counts = Counter()
    for text in CORPUS:
        if normalizer is not None:
            text = normalizer.normalize_str(text)
        for word, _ in pre_tokenizer.pre_tokenize_str(text):
            for i in range(len(word)):
                for j in range(i + 1, min(len(word), i + max_piece_len) + 1):
                    counts[word[i:j]] += 1
    chars = sorted(piece for piece in counts if len(piece) == 1)
    multi = sorted(
        (piece for piece in counts if len(piece) > 1 and counts[piece] >= 2),
        key=lambda piece: (-counts[piece] * len(piece), piece),
    )
    pieces = chars + multi[: vocab_size - len(special_tokens) - len(chars)]
    total = sum(counts[piece] for piece in pieces)
    scored = sorted(((piece, math.log(counts[piece] / total)) for piece in pieces), key=lambda ps: (-ps[1], ps[0]))
    return [(token, 0.0) for token in special_tokens] + scored


def albert_normalizer():
    # Identical to what AlbertTokenizer(do_lower_case=True, keep_accents=False) installs.
    return normalizers.Sequence(
        [
            normalizers.Replace("``", '"'),
            normalizers.Replace("''", '"'),
            normalizers.NFKD(),
            normalizers.StripAccents(),
            normalizers.Lowercase(),
        ]
    )


def write_vocab_txt(path, vocab_list):
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(tok + "\n" for tok in vocab_list))


def write_vocab_json_merges(directory, vocab, merges):
    """Write the classic GPT-2/RoBERTa vocab.json + merges.txt pair (transformers 5 only writes
    tokenizer.json from save_pretrained)."""
    with open(os.path.join(directory, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(directory, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        f.write("".join(f"{a} {b}\n" for a, b in merges))


def build_tokenizers(full_bert_vocab):
    """Return {arch: (hf_tokenizer, extra_files_writer or None)}."""
    wp_vocab = trimmed_wordpiece_vocab(full_bert_vocab)

    def wp_files(directory):
        write_vocab_txt(os.path.join(directory, "vocab.txt"), wp_vocab)

    bpe_vocab, bpe_merges = train_byte_level_bpe(500)

    def bpe_files(directory):
        write_vocab_json_merges(directory, bpe_vocab, bpe_merges)

    xlmr_specials = ["<s>", "<pad>", "</s>", "<unk>"]
    xlmr_vocab = build_unigram_vocab(400, xlmr_specials) + [("<mask>", 0.0)]
    camembert_vocab = build_unigram_vocab(300, xlmr_specials) + [("<mask>", 0.0)]
    albert_vocab = build_unigram_vocab(
        350, ["<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"], normalizer=albert_normalizer()
    )

    toks = {
        "bert": (make_bert_tokenizer(wp_vocab), wp_files),
        # DistilBERT takes no token_type_ids; transformers 4.x DistilBertTokenizerFast did not
        # return them either.  transformers 5 maps distilbert to BertTokenizer, so say it here.
        "distilbert": (make_bert_tokenizer(wp_vocab, model_input_names=["input_ids", "attention_mask"]), wp_files),
        "electra": (make_bert_tokenizer(wp_vocab), wp_files),
        "roberta": (
            RobertaTokenizer(vocab=bpe_vocab, merges=bpe_merges, model_max_length=MAX_LEN),
            bpe_files,
        ),
        "xlm-roberta": (XLMRobertaTokenizer(vocab=xlmr_vocab, model_max_length=MAX_LEN), None),
        # additional_special_tokens=[] keeps <mask> as the last id (no "<s>NOTUSED" extras).
        "camembert": (
            CamembertTokenizer(vocab=camembert_vocab, additional_special_tokens=[], model_max_length=MAX_LEN),
            None,
        ),
        # ALBERT feeds token_type_ids to the model (transformers 4.x returned them); transformers
        # 5 drops them from AlbertTokenizer's default model_input_names, so ask for them.
        "albert": (
            AlbertTokenizer(
                vocab=albert_vocab,
                model_max_length=MAX_LEN,
                model_input_names=["input_ids", "token_type_ids", "attention_mask"],
            ),
            None,
        ),
    }
    return toks

#!/usr/bin/env python3
"""Generate the PyTorch / Hugging Face reference fixtures used by the Rust test suite.

Usage:
    python scripts/make_fixtures.py --out fixtures [--minilm DIR]
                                    [--bert-vocab FILE] [--gpt2-dir DIR]

What it writes under --out (see fixtures/README.md, which this script also writes):

  models/<arch>/            tiny random-init base models (config.json + model.safetensors)
                            with their tokenizer (tokenizer.json + tokenizer_config.json, and
                            vocab.txt or vocab.json/merges.txt where that format exists) and a
                            reference.json holding PyTorch outputs and a few gradients.
  models/bert-sharded/      the bert weights again, split into several safetensors shards.
  tokenizers/wordpiece/     the full (uncased) BERT WordPiece vocab.txt.
  tokenizers/gpt2/          the real GPT-2 byte-level BPE vocab.json + merges.txt.
  tokenizers/cases.json     tokenizer parity cases (ids / masks / type ids from Python).
  minilm/reference.json     only with --minilm: outputs of the real all-MiniLM-L6-v2.

Source files: the full BERT vocab and the GPT-2 files are committed inside the fixtures
directory, so a re-run only needs `--out fixtures`.  On the very first run point
--bert-vocab / --gpt2-dir (or --minilm, whose vocab.txt is used) at real copies.

Everything is deterministic: fixed texts, fixed seeds, single-threaded torch and tokenizers.
Nothing is downloaded; from_pretrained is only ever called on local directories.
"""

import argparse
import json
import math
import os
import shutil
import string
import sys
from collections import Counter

# Keep the `tokenizers` trainers single-threaded so that training is reproducible.
os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Never talk to the Hugging Face hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers  # noqa: E402
from transformers import (  # noqa: E402
    AlbertConfig,
    AlbertModel,
    AlbertTokenizer,
    AutoModel,
    AutoTokenizer,
    BertConfig,
    BertModel,
    BertTokenizer,
    CamembertConfig,
    CamembertModel,
    CamembertTokenizer,
    DistilBertConfig,
    DistilBertModel,
    ElectraConfig,
    ElectraModel,
    GPT2Tokenizer,
    RobertaConfig,
    RobertaModel,
    RobertaTokenizer,
    XLMRobertaConfig,
    XLMRobertaModel,
    XLMRobertaTokenizer,
)

transformers.logging.set_verbosity_error()

SEED = 1234
# Maximum sequence length used for every model tokenisation in this script.
MAX_LEN = 64
# Standard deviation used for *all* random weights.  The HF default (0.02) makes activations
# tiny and hides numerical mistakes (wrong GELU variant, wrong LayerNorm eps, ...).
INIT_STD = 0.2

# ---------------------------------------------------------------------------------------------
# Fixed texts
# ---------------------------------------------------------------------------------------------

# The padded batch fed to every tiny model: three clearly different lengths, one with accents.
BATCH_TEXTS = [
    "Hello world!",
    "Café déjà vu: the naïve fiancée ordered crème brûlée.",
    "The quick brown fox jumps over the lazy dog while three sleepy cats "
    "watch from the sunny kitchen window.",
]

# The single sentence pair fed to every tiny model.
PAIR_TEXT_A = "How old is the lighthouse on the hill?"
PAIR_TEXT_B = "It was built in 1887 and still guides the fishing boats home."

# Training / trimming / vocabulary-building corpus.  It contains the model texts above but deliberately no emoji and
# no Korean, so that the small tokenizers built from it have to fall back to <unk> on those.
CORPUS = BATCH_TEXTS + [PAIR_TEXT_A, PAIR_TEXT_B] + [
    "A stitch in time saves nine.",
    "The weather forecast predicts heavy rain for the weekend.",
    "She sells sea shells by the sea shore.",
    "Machine learning models need a lot of training data.",
    "Transformers use self-attention to mix information between tokens.",
    "Paris is the capital and most populous city of France.",
    "What is the capital of France?",
    "The museum opens at 9:30 a.m. and closes at 5 p.m. on weekdays.",
    "I can't believe it's already the end of December!",
    "Please send the report to the finance team by Friday.",
    "The recipe calls for 250 grams of flour, two eggs and a pinch of salt.",
    "Mount Everest is 8,849 metres tall.",
    "He said: \"Don't worry, everything will be fine.\"",
    "Our new smartphone has a faster processor and a better camera.",
    "The children played football in the park until sunset.",
    "Photosynthesis converts sunlight, water and carbon dioxide into sugar.",
    "Tokyo, New York and London are large financial centres.",
    "The stock market fell by 3.5% after the announcement.",
    "Can you recommend a good book about ancient history?",
    "The train to Berlin departs from platform 7.",
    "Water boils at 100 degrees Celsius at sea level.",
    "My favourite colours are blue, green and orange.",
    "The committee will vote on the proposal next Tuesday.",
    "Honey never spoils if it is stored properly.",
    "The orchestra performed Beethoven's Ninth Symphony beautifully.",
    "Unbelievably, the old printer still works after twenty years.",
    "Crème fraîche and jalapeño peppers are on the menu at the café.",
    "Zoë and Chloé visited the Ångström laboratory in Uppsala.",
    "El niño comió una manzana en la mañana.",
    "Über den Wolken muss die Freiheit wohl grenzenlos sein.",
    "中文 is written with characters; 中 means middle.",
    "Python, Rust and Go are popular programming languages.",
    "The function returns None when the input list is empty.",
    "Email me at example@example.com or call +1-555-0100.",
    "Wow!!! That was AMAZING, wasn't it?",
    "THE QUICK BROWN FOX SHOUTS IN CAPITAL LETTERS.",
    "Scientists discovered a new species of frog in the rainforest.",
    "The bakery sells fresh bread, croissants and muffins every morning.",
    "Quantum computers could break some of today's encryption schemes.",
    "Please remember to water the plants while I'm away.",
    "The film won three awards, including best director.",
    "A journey of a thousand miles begins with a single step.",
    "Antidisestablishmentarianism is a famously long English word.",
    "It rained all day, so we stayed inside and played board games.",
    "Neural networks are trained with gradient descent and backpropagation.",
]

# Tokenizer parity texts: accents, emoji, CJK, odd whitespace, uppercase, special tokens.
CASE_SINGLES = [
    "Hello, World! This is a TEST of the Tokenizer.",
    "  Leading and   trailing   whitespace\t\ttabs\nand newlines  ",
    "Café déjà vu: naïve résumé, Ångström façade, jalapeño.",
    "Emoji are fun 😀🚀🎉 but rare!",
    "中文 mixed with 日本語 and 한국어 text.",
    "unbelievably long-words: antidisestablishmentarianism!!!",
    "Numbers like 3.14159, 2,718 and 1e-10 — with dashes.",
    "Special tokens [MASK] and <mask> inside text.",
    "a",
]
CASE_PAIRS = [
    ("What is the capital of France?", "Paris is the capital and most populous city of France."),
    ("Café au lait", "😀 EMOJI and 中文 in the SECOND segment"),
    ("A fairly long first segment that keeps going and going for quite a while", "short"),
    ("x", "The second segment is the longer one here, by a very wide margin indeed."),
]

MINILM_TEXTS = [
    "This framework generates embeddings for each input sentence.",
    "Sentences are passed as a list of strings.",
    "The quick brown fox jumps over the lazy dog.",
]


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def tensor_json(t):
    """Encode a tensor as {"shape": [...], "data": [flat row-major floats]}.

    Each value is written with the shortest decimal representation that round-trips to the
    same float32 (numpy's float32 str()), so parsing the JSON back as f32 is bit-exact.
    """
    arr = t.detach().to(torch.float32).cpu().contiguous().numpy()
    return {"shape": list(arr.shape), "data": [float(str(v)) for v in arr.reshape(-1)]}


def tensor_from_json(obj):
    return torch.tensor(obj["data"], dtype=torch.float32).reshape(obj["shape"])


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


def replace_readme_section(readme_path, marker, section):
    """Replace the README section that starts with `marker` (up to the next `## ` heading) by
    `section`, appended at the end; add it if absent."""
    with open(readme_path, encoding="utf-8") as f:
        text = f.read()
    if marker in text:
        start = text.index(marker)
        following = text.find("\n## ", start + len(marker))
        text = text[:start] + (text[following + 1 :] if following >= 0 else "")
    text = text.rstrip("\n") + "\n\n" + section
    with open(readme_path, "w", encoding="utf-8") as f:
        f.write(text)


def seed_everything(seed):
    torch.manual_seed(seed)
    np.random.seed(seed)


def to_lists(enc, key):
    """Return enc[key] as nested python lists, or None when the tokenizer did not produce it."""
    if key not in enc:
        return None
    value = enc[key]
    return value.tolist() if hasattr(value, "tolist") else value


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


# ---------------------------------------------------------------------------------------------
# Tiny models
# ---------------------------------------------------------------------------------------------

COMMON = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, initializer_range=INIT_STD)
ROBERTA_SPECIAL_IDS = dict(pad_token_id=1, bos_token_id=0, eos_token_id=2)


def make_config(arch, vocab_size):
    if arch == "bert":
        return BertConfig(
            vocab_size=vocab_size, intermediate_size=37, max_position_embeddings=MAX_LEN,
            type_vocab_size=2, hidden_act="gelu", layer_norm_eps=1e-12, pad_token_id=0, **COMMON,
        )
    if arch == "distilbert":
        return DistilBertConfig(
            vocab_size=vocab_size, dim=32, n_layers=2, n_heads=4, hidden_dim=37,
            max_position_embeddings=MAX_LEN, activation="gelu", initializer_range=INIT_STD,
            pad_token_id=0,
        )
    if arch == "electra":
        # embedding_size != hidden_size, so ElectraModel gets an `embeddings_project` layer.
        return ElectraConfig(
            vocab_size=vocab_size, embedding_size=16, intermediate_size=64, max_position_embeddings=MAX_LEN,
            type_vocab_size=2, hidden_act="gelu", layer_norm_eps=1e-12, pad_token_id=0, **COMMON,
        )
    # RoBERTa-family positions start at padding_idx + 1 = 2, so (like roberta-base's 514 =
    # 512 + 2) two extra position rows are needed to allow MAX_LEN tokens.
    if arch == "roberta":
        return RobertaConfig(
            vocab_size=vocab_size, intermediate_size=64, max_position_embeddings=MAX_LEN + 2,
            type_vocab_size=1, hidden_act="gelu", layer_norm_eps=1e-5, **ROBERTA_SPECIAL_IDS, **COMMON,
        )
    if arch == "xlm-roberta":
        return XLMRobertaConfig(
            vocab_size=vocab_size, intermediate_size=37, max_position_embeddings=MAX_LEN + 2,
            type_vocab_size=1, hidden_act="gelu", layer_norm_eps=1e-5, **ROBERTA_SPECIAL_IDS, **COMMON,
        )
    if arch == "camembert":
        return CamembertConfig(
            vocab_size=vocab_size, intermediate_size=64, max_position_embeddings=MAX_LEN + 2,
            type_vocab_size=1, hidden_act="gelu", layer_norm_eps=1e-5, **ROBERTA_SPECIAL_IDS, **COMMON,
        )
    if arch == "albert":
        # Factorised embeddings (16 -> 32) and 3 layers that all share one parameter group.
        return AlbertConfig(
            vocab_size=vocab_size, embedding_size=16, hidden_size=32, num_hidden_layers=3,
            num_hidden_groups=1, inner_group_num=1, num_attention_heads=4, intermediate_size=37,
            max_position_embeddings=MAX_LEN, type_vocab_size=2, hidden_act="gelu_new",
            layer_norm_eps=1e-12, initializer_range=INIT_STD, pad_token_id=0, bos_token_id=2,
            eos_token_id=3,
        )
    raise ValueError(arch)


MODEL_CLASSES = {
    "bert": BertModel,
    "roberta": RobertaModel,
    "distilbert": DistilBertModel,
    "electra": ElectraModel,
    "xlm-roberta": XLMRobertaModel,
    "camembert": CamembertModel,
    "albert": AlbertModel,
}

# Parameters whose gradients are recorded: word embeddings, layer-0 query weight + bias, the
# last layer's final LayerNorm weight, one FFN output projection, the pooler (when present) and
# the embedding projection of factorised-embedding models.
_BERT_LIKE_GRADS = [
    "embeddings.word_embeddings.weight",
    "encoder.layer.0.attention.self.query.weight",
    "encoder.layer.0.attention.self.query.bias",
    "encoder.layer.1.output.LayerNorm.weight",
    "encoder.layer.0.output.dense.weight",
]
_ALBERT_LAYER = "encoder.albert_layer_groups.0.albert_layers.0."
GRAD_PARAMS = {
    "bert": _BERT_LIKE_GRADS + ["pooler.dense.weight"],
    "roberta": _BERT_LIKE_GRADS + ["pooler.dense.weight"],
    "xlm-roberta": _BERT_LIKE_GRADS + ["pooler.dense.weight"],
    "camembert": _BERT_LIKE_GRADS + ["pooler.dense.weight"],
    "electra": _BERT_LIKE_GRADS + ["embeddings_project.weight"],
    "distilbert": [
        "embeddings.word_embeddings.weight",
        "transformer.layer.0.attention.q_lin.weight",
        "transformer.layer.0.attention.q_lin.bias",
        "transformer.layer.1.output_layer_norm.weight",
        "transformer.layer.0.ffn.lin2.weight",
    ],
    # ALBERT's three layers share these parameters, so their gradients sum over all layers.
    "albert": [
        "embeddings.word_embeddings.weight",
        "encoder.embedding_hidden_mapping_in.weight",
        _ALBERT_LAYER + "attention.query.weight",
        _ALBERT_LAYER + "attention.query.bias",
        _ALBERT_LAYER + "full_layer_layer_norm.weight",
        _ALBERT_LAYER + "ffn_output.weight",
        "pooler.weight",
    ],
}

LOSS_DEFINITION = (
    "mean(last_hidden_state**2) + (mean(pooler_output**2) if pooler) on the padded batch, eval mode"
)


def randomize_weights(model, generator):
    """Make every parameter clearly non-trivial.

    Redrawn explicitly (so the result does not depend on the HF initialiser): Linear weights and
    embedding tables (padding rows included) ~ N(0, INIT_STD), every bias ~ N(0, INIT_STD),
    LayerNorm gamma ~ 1 + N(0, 0.3) and LayerNorm beta ~ N(0, INIT_STD).
    """
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.Embedding):
                module.weight.copy_(torch.randn(module.weight.shape, generator=generator) * INIT_STD)
            elif isinstance(module, torch.nn.LayerNorm):
                module.weight.copy_(1.0 + 0.3 * torch.randn(module.weight.shape, generator=generator))
                module.bias.copy_(torch.randn(module.bias.shape, generator=generator) * INIT_STD)
            elif isinstance(module, torch.nn.Linear):
                module.weight.copy_(torch.randn(module.weight.shape, generator=generator) * INIT_STD)
                if module.bias is not None:
                    module.bias.copy_(torch.randn(module.bias.shape, generator=generator) * INIT_STD)


def load_model(directory):
    # Eager attention: the plain softmax(QK^T/sqrt(d) + mask)V formulation.
    model = AutoModel.from_pretrained(directory, attn_implementation="eager", dtype=torch.float32)
    # safetensors tensors may be memory-mapped at arbitrary offsets; CPU matmul kernels can pick
    # a different summation order for differently aligned buffers (1-ulp differences between a
    # single file and shards).  Copying every tensor into fresh allocator memory makes the
    # outputs independent of the file layout.
    with torch.no_grad():
        for tensor in list(model.parameters()) + list(model.buffers()):
            tensor.data = tensor.data.clone()
    model.eval()
    return model


def run_model(model, enc):
    """Forward pass with the tensors the tokenizer returned (token_type_ids only when present)."""
    kwargs = {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}
    if "token_type_ids" in enc:
        kwargs["token_type_ids"] = enc["token_type_ids"]
    out = model(**kwargs)
    pooler = getattr(out, "pooler_output", None)
    return out.last_hidden_state, pooler


def encode_record(tok, model, texts, pair=None):
    """Tokenise, run the model (no grad) and return the reference.json sub-object."""
    if pair is None:
        enc = tok(texts, padding=True, truncation=True, max_length=MAX_LEN, return_tensors="pt")
    else:
        enc = tok(texts, pair, padding=True, truncation=True, max_length=MAX_LEN, return_tensors="pt")
    with torch.no_grad():
        hidden, pooler = run_model(model, enc)
    return enc, {
        "input_ids": to_lists(enc, "input_ids"),
        "attention_mask": to_lists(enc, "attention_mask"),
        "token_type_ids": to_lists(enc, "token_type_ids"),
        "last_hidden_state": tensor_json(hidden),
        "pooler_output": tensor_json(pooler) if pooler is not None else None,
    }


def gradient_record(arch, model, enc):
    model.zero_grad(set_to_none=True)
    hidden, pooler = run_model(model, enc)
    loss = (hidden**2).mean()
    if pooler is not None:
        loss = loss + (pooler**2).mean()
    loss.backward()
    params = dict(model.named_parameters())
    grads = {name: tensor_json(params[name].grad) for name in GRAD_PARAMS[arch]}
    model.zero_grad(set_to_none=True)
    return {"loss_definition": LOSS_DEFINITION, "loss": float(str(np.float32(loss.item()))), "params": grads}


def build_model_fixture(arch, hf_tok, extra_files, models_dir, arch_index):
    directory = os.path.join(models_dir, arch)
    os.makedirs(directory, exist_ok=True)

    # Tokenizer: save, then always work with the copy reloaded from disk.
    hf_tok.save_pretrained(directory)
    if extra_files is not None:
        extra_files(directory)
    tok = AutoTokenizer.from_pretrained(directory)

    # Model: deterministic random init, saved as safetensors, then reloaded from disk.
    seed_everything(SEED + arch_index)
    config = make_config(arch, vocab_size=len(tok))
    model = MODEL_CLASSES[arch](config)
    randomize_weights(model, torch.Generator().manual_seed(SEED + 100 + arch_index))
    model.save_pretrained(directory, safe_serialization=True)
    model = load_model(directory)

    batch_enc, batch = encode_record(tok, model, BATCH_TEXTS)
    _, pair = encode_record(tok, model, [PAIR_TEXT_A], [PAIR_TEXT_B])
    grads = gradient_record(arch, model, batch_enc)
    reference = {
        "model_type": model.config.model_type,
        "batch": {"texts": BATCH_TEXTS, **batch},
        "pair": {"text_a": PAIR_TEXT_A, "text_b": PAIR_TEXT_B, **pair},
        "grads": grads,
    }
    write_json(os.path.join(directory, "reference.json"), reference)
    return directory


def build_sharded_bert(models_dir):
    """Re-save the bert fixture as >= 2 safetensors shards + model.safetensors.index.json."""
    src = os.path.join(models_dir, "bert")
    dst = os.path.join(models_dir, "bert-sharded")
    os.makedirs(dst, exist_ok=True)
    model = load_model(src)
    model.save_pretrained(dst, safe_serialization=True, max_shard_size="40KB")
    for name in os.listdir(src):
        if name.startswith("tokenizer") or name in ("vocab.txt", "special_tokens_map.json"):
            shutil.copy(os.path.join(src, name), os.path.join(dst, name))
    shards = [n for n in os.listdir(dst) if n.startswith("model-") and n.endswith(".safetensors")]
    assert os.path.isfile(os.path.join(dst, "model.safetensors.index.json")), "no shard index written"
    assert len(shards) >= 2, f"expected >= 2 shards, got {shards}"


# ---------------------------------------------------------------------------------------------
# Tokenizer parity cases
# ---------------------------------------------------------------------------------------------

# (kind, padding, max_length).  The short max_length cases force truncation (longest_first for
# pairs) as well as padding to a fixed length.
CASE_SETTINGS = [
    ("single", "longest", MAX_LEN),
    ("single", "max_length", 10),
    ("pair", "longest", MAX_LEN),
    ("pair", "max_length", 14),
]


def tokenizer_case(tok, meta, kind, padding, max_length):
    texts = CASE_SINGLES if kind == "single" else [list(p) for p in CASE_PAIRS]
    args = (texts,) if kind == "single" else ([a for a, _ in CASE_PAIRS], [b for _, b in CASE_PAIRS])
    hf_padding = {"longest": "longest", "max_length": "max_length", None: False}[padding]
    enc = tok(
        *args,
        padding=hf_padding,
        truncation="longest_first",
        max_length=max_length,
        return_token_type_ids=True,
        return_attention_mask=True,
    )
    return {
        **meta,
        "kind": kind,
        "texts": texts,
        "max_length": max_length,
        "padding": padding,
        "truncation": "longest_first",
        "input_ids": enc["input_ids"],
        "attention_mask": enc["attention_mask"],
        "token_type_ids": enc["token_type_ids"],
    }


def raw_tokenizer_check(directory, case, tok):
    """Encode a case with the bare `tokenizers` library from tokenizer.json (what the Rust
    `tokenizers` crate does) and check it agrees with the transformers tokenizer."""
    raw = Tokenizer.from_file(os.path.join(directory, "tokenizer.json"))
    raw.enable_truncation(max_length=case["max_length"], strategy="longest_first")
    pad_len = case["max_length"] if case["padding"] == "max_length" else None
    raw.enable_padding(pad_id=tok.pad_token_id, pad_token=tok.pad_token, length=pad_len)
    inputs = case["texts"] if case["kind"] == "single" else [tuple(p) for p in case["texts"]]
    encs = raw.encode_batch(inputs)
    ids = [e.ids for e in encs]
    mask = [e.attention_mask for e in encs]
    types = [e.type_ids for e in encs]
    ok = ids == case["input_ids"] and mask == case["attention_mask"] and types == case["token_type_ids"]
    if not ok:
        raise AssertionError(f"raw tokenizers disagrees with transformers for {directory} {case['kind']}")


def build_tokenizer_cases(out_dir, model_archs):
    cases = []
    templates = {
        "bert": "bert", "distilbert": "bert", "electra": "bert", "roberta": "roberta",
        "xlm-roberta": "roberta", "camembert": "roberta", "albert": "bert",
    }

    # 1. tokenizer.json of every model fixture, loaded the way users load it.
    for arch in model_archs:
        rel = f"models/{arch}"
        directory = os.path.join(out_dir, rel)
        tok = AutoTokenizer.from_pretrained(directory)
        meta = {"dir": rel, "files": "tokenizer.json", "do_lower_case": None, "template": templates[arch]}
        for kind, padding, max_length in CASE_SETTINGS:
            case = tokenizer_case(tok, meta, kind, padding, max_length)
            raw_tokenizer_check(directory, case, tok)
            cases.append(case)

    # 2. A bare vocab.txt (no tokenizer.json), both casings.
    vocab_path = os.path.join(out_dir, "tokenizers/wordpiece/vocab.txt")
    for lower in (True, False):
        tok = BertTokenizer(vocab=vocab_path, do_lower_case=lower)
        meta = {"dir": "tokenizers/wordpiece", "files": "vocab.txt", "do_lower_case": lower, "template": "bert"}
        for kind, padding, max_length in CASE_SETTINGS:
            cases.append(tokenizer_case(tok, meta, kind, padding, max_length))

    # 3. vocab.json + merges.txt with the RoBERTa template (the roberta fixture's files).
    rdir = os.path.join(out_dir, "models/roberta")
    tok = RobertaTokenizer(vocab=os.path.join(rdir, "vocab.json"), merges=os.path.join(rdir, "merges.txt"))
    meta = {"dir": "models/roberta", "files": "vocab.json+merges.txt", "do_lower_case": None, "template": "roberta"}
    for kind, padding, max_length in CASE_SETTINGS:
        cases.append(tokenizer_case(tok, meta, kind, padding, max_length))

    # 4. The real GPT-2 files: no special tokens / template, single texts, no padding.
    gdir = os.path.join(out_dir, "tokenizers/gpt2")
    tok = GPT2Tokenizer(vocab=os.path.join(gdir, "vocab.json"), merges=os.path.join(gdir, "merges.txt"))
    meta = {"dir": "tokenizers/gpt2", "files": "vocab.json+merges.txt", "do_lower_case": None, "template": "none"}
    for max_length in (MAX_LEN, 6):
        cases.append(tokenizer_case(tok, meta, "single", None, max_length))

    write_json(os.path.join(out_dir, "tokenizers/cases.json"), cases)
    return cases


# ---------------------------------------------------------------------------------------------
# Real MiniLM reference
# ---------------------------------------------------------------------------------------------


def build_minilm_reference(minilm_dir, out_dir):
    tok = AutoTokenizer.from_pretrained(minilm_dir)
    model = load_model(minilm_dir)
    enc = tok(MINILM_TEXTS, padding=True, truncation=True, max_length=128, return_tensors="pt")
    with torch.no_grad():
        hidden, _ = run_model(model, enc)
    mask = enc["attention_mask"].unsqueeze(-1).to(torch.float32)
    reference = {
        "model_type": model.config.model_type,
        "texts": MINILM_TEXTS,
        "input_ids": to_lists(enc, "input_ids"),
        "attention_mask": to_lists(enc, "attention_mask"),
        "token_type_ids": to_lists(enc, "token_type_ids"),
        "last_hidden_state": tensor_json(hidden),
        # Simple Transformers' "mean" combine strategy: average over *all* positions, padding included.
        "mean_all_positions": tensor_json(hidden.mean(dim=1)),
        # sentence-transformers style mean pooling (padding excluded), for comparison.
        "mean_masked": tensor_json((hidden * mask).sum(dim=1) / mask.sum(dim=1)),
    }
    write_json(os.path.join(out_dir, "minilm/reference.json"), reference)


# ---------------------------------------------------------------------------------------------
# Verification of what was written
# ---------------------------------------------------------------------------------------------


def verify(out_dir, model_archs, with_minilm, minilm_dir):
    """Reload every fixture from disk and check it reproduces the recorded values exactly."""
    for arch in model_archs + ["bert-sharded"]:
        directory = os.path.join(out_dir, "models", arch)
        ref_arch = "bert" if arch == "bert-sharded" else arch
        with open(os.path.join(out_dir, "models", ref_arch, "reference.json"), encoding="utf-8") as f:
            ref = json.load(f)
        tok = AutoTokenizer.from_pretrained(directory)
        model = load_model(directory)
        for section, args in (("batch", (ref["batch"]["texts"],)), ("pair", ([ref["pair"]["text_a"]], [ref["pair"]["text_b"]]))):
            enc = tok(*args, padding=True, truncation=True, max_length=MAX_LEN, return_tensors="pt")
            for key in ("input_ids", "attention_mask", "token_type_ids"):
                assert to_lists(enc, key) == ref[section][key], f"{arch}/{section}: {key} differs after reload"
            with torch.no_grad():
                hidden, pooler = run_model(model, enc)
            diff = (hidden - tensor_from_json(ref[section]["last_hidden_state"])).abs().max().item()
            assert diff == 0.0, f"{arch}/{section}: last_hidden_state differs by {diff}"
            if pooler is not None:
                pdiff = (pooler - tensor_from_json(ref[section]["pooler_output"])).abs().max().item()
                assert pdiff == 0.0, f"{arch}/{section}: pooler_output differs by {pdiff}"
            else:
                assert ref[section]["pooler_output"] is None
        size = os.path.getsize(os.path.join(out_dir, "models", ref_arch, "reference.json"))
        print(f"  verified {arch:13s} reference.json {size / 1024:.0f} KiB, max|diff| = 0")

    if with_minilm:
        with open(os.path.join(out_dir, "minilm/reference.json"), encoding="utf-8") as f:
            ref = json.load(f)
        model = load_model(minilm_dir)
        enc = {k: torch.tensor(ref[k]) for k in ("input_ids", "attention_mask", "token_type_ids")}
        with torch.no_grad():
            hidden, _ = run_model(model, enc)
        diff = (hidden - tensor_from_json(ref["last_hidden_state"])).abs().max().item()
        assert diff == 0.0, f"minilm: last_hidden_state differs by {diff}"
        print(f"  verified minilm        shape {ref['last_hidden_state']['shape']}, max|diff| = 0")


# ---------------------------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------------------------

README = """\
# Test fixtures

Generated by `scripts/make_fixtures.py` (PyTorch + transformers {transformers}, torch {torch},
tokenizers {tokenizers}; exact pins in `scripts/requirements-fixtures.txt`).  Do not edit by hand.

Regenerate with `cargo xtask fixtures`, which runs

    python scripts/make_fixtures.py --out fixtures [--minilm DIR]

`--minilm DIR` points at a local copy of `sentence-transformers/all-MiniLM-L6-v2`; without it
`minilm/reference.json` is left untouched.  Nothing is downloaded.

## models/<arch>/  (bert, roberta, distilbert, electra, xlm-roberta, camembert, albert)

Tiny randomly initialised *base* models (hidden 32, 4 heads, max 64 tokens) saved with
`save_pretrained`: `config.json`, `model.safetensors`, `tokenizer.json`,
`tokenizer_config.json` (plus `vocab.txt` for the WordPiece models and `vocab.json` +
`merges.txt` for roberta).  All weights, LayerNorm parameters and biases are random with
std 0.2 so numerical mistakes are visible.  Variety covered:

| arch        | tokenizer                               | notable config |
|-------------|-----------------------------------------|----------------|
| bert        | trimmed uncased WordPiece (real vocab)  | gelu, eps 1e-12, type_vocab 2, pooler |
| distilbert  | same WordPiece, no token_type_ids       | activation gelu, no pooler |
| electra     | same WordPiece                          | embedding_size 16 -> embeddings_project, no pooler |
| roberta     | byte-level BPE (500), ids 0..4 = <s>,<pad>,</s>,<unk>,<mask> | gelu, eps 1e-5, pad 1, pooler |
| xlm-roberta | Unigram (Metaspace, 401), <mask> last   | eps 1e-5, pad 1, pooler |
| camembert   | Unigram (Metaspace, 301), <mask> last   | eps 1e-5, pad 1, pooler |
| albert      | Unigram (350), lowercase + strip accents, [CLS] A [SEP] B [SEP], type ids 0/1 | embedding 16, 3 layers sharing 1 group, gelu_new, pooler |

RoBERTa-family models have `max_position_embeddings` 66 (= 64 + padding_idx + 1, like the
514 of roberta-base) because their position ids start at 2.

`reference.json` (float32, eval mode, eager attention; tensors are
`{{"shape": [...], "data": [flat row-major]}}` with shortest-round-trip float32 decimals):

- `batch`: three texts padded to the longest (`padding=True, truncation=True, max_length=64`),
  their `input_ids` / `attention_mask` / `token_type_ids` (null when the tokenizer does not
  return them, in which case none were passed to the model), `last_hidden_state`,
  `pooler_output` (null for models without a pooler).
- `pair`: the same for one sentence pair (`text_a`, `text_b`).
- `grads`: `loss` = mean(last_hidden_state²) + mean(pooler_output²) (if pooler) on the padded
  batch in eval mode, and the gradients of a few named parameters (HF `named_parameters()`
  names; ALBERT's shared layer gradients are summed over its 3 layers).  PyTorch embeddings
  built with `padding_idx` (the word embeddings of every model here, and the RoBERTa-family
  position embeddings) never receive gradient in that row, so the pad-token row of
  `embeddings.word_embeddings.weight`'s gradient is all zeros.

## models/bert-sharded/

The bert weights re-saved with a small `max_shard_size`: `model.safetensors.index.json` plus
several `model-0000i-of-0000n.safetensors` shards, same config and tokenizer.  It must
reproduce `models/bert/reference.json`.

## tokenizers/

- `wordpiece/vocab.txt`: the full uncased BERT vocab (30522 tokens) from all-MiniLM-L6-v2.
- `gpt2/vocab.json`, `gpt2/merges.txt`: the real GPT-2 byte-level BPE files.
- `cases.json`: a list of parity cases produced by the Python tokenizers.  Each has `dir`
  (relative to `fixtures/`), `files` (`tokenizer.json`, `vocab.txt` or `vocab.json+merges.txt`:
  which files to build the tokenizer from), `do_lower_case` (vocab.txt only; `strip_accents`
  follows it, Chinese-character splitting on), `template` (`bert`: [CLS] A [SEP] B [SEP] with
  type ids 0/1; `roberta`: <s> A </s></s> B </s>; `none`: no special tokens), `kind`
  (`single` or `pair`), `texts` (pairs as `[a, b]`), `max_length`, `padding` (`longest`,
  `max_length`, or null = no padding, ragged ids), `truncation` (always `longest_first`),
  and the expected `input_ids`, `attention_mask`, `token_type_ids`.  Every `tokenizer.json`
  case was also checked against the bare `tokenizers` library.

## minilm/reference.json

The real all-MiniLM-L6-v2 on three sentences, tokenised with its tokenizer.json but padded to
the longest sequence (that tokenizer.json has `Fixed(128)` padding and truncation at 128 baked
in; `padding=True, truncation=True, max_length=128` overrides the padding): ids, masks, type ids,
`last_hidden_state` `[3, L, 384]`, `mean_all_positions` (mean over all L positions including
padding, Simple Transformers' "mean" combine strategy) and `mean_masked` (padding excluded,
sentence-transformers style).
"""


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def read_sources(args, out_dir):
    """Read the full BERT vocab and the GPT-2 files into memory (they may live in out_dir)."""
    bert_vocab = args.bert_vocab
    if bert_vocab is None:
        candidates = [os.path.join(out_dir, "tokenizers/wordpiece/vocab.txt")]
        if args.minilm:
            candidates.append(os.path.join(args.minilm, "vocab.txt"))
        bert_vocab = next((c for c in candidates if os.path.isfile(c)), None)
    if bert_vocab is None:
        sys.exit("need a full BERT vocab.txt: pass --bert-vocab or --minilm")
    with open(bert_vocab, encoding="utf-8") as f:
        full_vocab = [line.rstrip("\n") for line in f if line.rstrip("\n")]

    gpt2_dir = args.gpt2_dir or os.path.join(out_dir, "tokenizers/gpt2")
    gpt2 = {}
    for name, alternatives in (("vocab.json", ["vocab.json", "gpt2_vocab.json"]), ("merges.txt", ["merges.txt", "gpt2_merges.txt"])):
        path = next((os.path.join(gpt2_dir, a) for a in alternatives if os.path.isfile(os.path.join(gpt2_dir, a))), None)
        if path is None:
            sys.exit(f"need the GPT-2 {name}: pass --gpt2-dir")
        with open(path, "rb") as f:
            gpt2[name] = f.read()
    return full_vocab, gpt2


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="fixtures directory to (re)generate")
    parser.add_argument("--minilm", help="local all-MiniLM-L6-v2 directory (enables minilm/reference.json)")
    parser.add_argument("--bert-vocab", help="full uncased BERT vocab.txt (default: the committed copy)")
    parser.add_argument("--gpt2-dir", help="directory with GPT-2 vocab.json/merges.txt (default: committed copy)")
    args = parser.parse_args()

    out_dir = os.path.abspath(args.out)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    full_vocab, gpt2 = read_sources(args, out_dir)

    # Start from a clean models/ tree so stale files never survive a regeneration.
    models_dir = os.path.join(out_dir, "models")
    shutil.rmtree(models_dir, ignore_errors=True)
    os.makedirs(models_dir)

    print("writing source tokenizer files")
    os.makedirs(os.path.join(out_dir, "tokenizers/wordpiece"), exist_ok=True)
    write_vocab_txt(os.path.join(out_dir, "tokenizers/wordpiece/vocab.txt"), full_vocab)
    os.makedirs(os.path.join(out_dir, "tokenizers/gpt2"), exist_ok=True)
    for name, data in gpt2.items():
        with open(os.path.join(out_dir, "tokenizers/gpt2", name), "wb") as f:
            f.write(data)

    print("training / trimming tokenizers")
    toks = build_tokenizers(full_vocab)

    model_archs = ["bert", "roberta", "distilbert", "electra", "xlm-roberta", "camembert", "albert"]
    for index, arch in enumerate(model_archs):
        hf_tok, extra = toks[arch]
        build_model_fixture(arch, hf_tok, extra, models_dir, index)
        print(f"  built models/{arch} (vocab {len(hf_tok)})")
    build_sharded_bert(models_dir)
    print("  built models/bert-sharded")

    cases = build_tokenizer_cases(out_dir, model_archs)
    print(f"wrote tokenizers/cases.json ({len(cases)} cases)")

    if args.minilm:
        build_minilm_reference(args.minilm, out_dir)
        print("wrote minilm/reference.json")

    with open(os.path.join(out_dir, "README.md"), "w", encoding="utf-8") as f:
        import tokenizers

        f.write(README.format(transformers=transformers.__version__, torch=torch.__version__, tokenizers=tokenizers.__version__))

    print("verifying")
    verify(out_dir, model_archs, bool(args.minilm), args.minilm)
    print("done")


if __name__ == "__main__":
    main()

"""tokenizers/cases.json: tokenizer parity cases."""

import os

from tokenizers import Tokenizer
from transformers import AutoTokenizer, BertTokenizer, GPT2Tokenizer, RobertaTokenizer

from .common import MAX_LEN, write_json
from .texts import CASE_PAIRS, CASE_SINGLES

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

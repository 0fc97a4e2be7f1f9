#!/usr/bin/env python3
"""Parity fixtures for Simple Transformers' tokenizer training
(`LanguageModelingModel.train_tokenizer`, simpletransformers 0.70.8).

Usage (no torch needed; tokenizers 0.23.3, transformers 5.23.0, sentencepiece, protobuf):

    python scripts/make_tokenizer_training_fixtures.py [--out fixtures/tokenizer_training]

Reads `<out>/corpus.txt` (committed, written for this repository) and, for each branch of
train_tokenizer, runs exactly what Simple Transformers runs with its default
LanguageModelingArgs (only vocab_size set), then reloads the result with the transformers class
that Simple Transformers uses (MODEL_CLASSES[model_type][2].from_pretrained(output_dir)):

  bert/        model_type "bert" (same code for "electra"): BertWordPieceTokenizer -> vocab.txt,
               reloaded as BertTokenizer
  gpt2/        model_type "gpt2" (the `else` branch: roberta, gpt2, ...): ByteLevelBPETokenizer
               -> vocab.json + merges.txt, reloaded as GPT2Tokenizer
  xlmroberta/  model_type "xlmroberta": the `sentencepiece` library's SentencePieceTrainer
               (BPE) -> sentencepiece.bpe.model + .vocab, reloaded as XLMRobertaTokenizer

plus one directory that is *not* a Simple Transformers branch, for ports that train with the
`tokenizers` library only:

  sentencepiece_bpe/  tokenizers' SentencePieceBPETokenizer (defaults), trained with the same
               vocab_size / min_frequency and XLM-R's special tokens -> vocab.json + merges.txt

Each directory holds the files train_tokenizer saves, `tokenizer.json` (the trained `tokenizers`
object's `save(path)`; for xlmroberta, which has none, absent), `reloaded_tokenizer.json` (the
backend tokenizer of the reloaded transformers tokenizer: what a model would actually use) and
`reference.json`.  Training runs in a temporary directory holding a copy of the corpus named
`corpus.txt` (so no absolute path ends up in the sentencepiece model) with single-threaded
`tokenizers`.  gpt2, xlmroberta and sentencepiece_bpe training is reproducible and rewritten on
every run; bert (WordPiece) training is not (see BERT_NOTE), so the committed bert/vocab.txt and
tokenizer.json are kept unless `--rewrite-bert` is given (a fresh run is still made and checked
against their invariants).  reference.json and reloaded_tokenizer.json are always recomputed from
the files on disk, so a rerun is byte-identical.  Finally the `## tokenizer_training/` section of
`<out>/../README.md` is replaced.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import sentencepiece as spm  # noqa: E402
import tokenizers  # noqa: E402
import transformers  # noqa: E402
from tokenizers import BertWordPieceTokenizer, ByteLevelBPETokenizer, SentencePieceBPETokenizer  # noqa: E402
from transformers import BertTokenizer, GPT2Tokenizer, XLMRobertaTokenizer  # noqa: E402

ST_VERSION = "0.70.8"
VOCAB_SIZES = {"bert": 500, "gpt2": 500, "xlmroberta": 400, "sentencepiece_bpe": 400}
# simpletransformers.config.model_args: ModelArgs.do_lower_case and the LanguageModelingArgs
# fields train_tokenizer reads (special_tokens = get_special_tokens()).
ST_DEFAULT_ARGS = {
    "min_frequency": 2,
    "special_tokens": ["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
    "clean_text": True,
    "handle_chinese_chars": True,
    "strip_accents": True,
    "do_lower_case": False,
}
RELOAD_CLASSES = {"bert": BertTokenizer, "gpt2": GPT2Tokenizer, "xlmroberta": XLMRobertaTokenizer}
TEXTS = [
    "The ferry leaves at 8:15, weather permitting.",
    "Mara's café serves naïve crème brûlée for £2.10!",
    "WEDNESDAY: NO BOATS OUT. Gale warning.",
    "Zoë counted 104 steps up to the chapel, or was it 101?",
    "Unseen: quixotic zephyrs, 東京 and 🙂 [MASK] <mask> too.",
]
README_MARKER = "## tokenizer_training/"


# ---------------------------------------------------------------------------------------------
# Simple Transformers' train_tokenizer, the tokenizer part
# ---------------------------------------------------------------------------------------------


def st_train_tokenizer(model_type, args, train_files, output_dir):
    """LanguageModelingModel.train_tokenizer (0.70.8) up to and including the reload, with `args`
    a dict of the LanguageModelingArgs it reads (mutated as Simple Transformers mutates them).
    Returns (the trained `tokenizers` object or None, settings dict, reloaded tokenizer)."""
    if not isinstance(train_files, list):
        train_files = [train_files]
    settings = {"model_type": model_type, "train_files": train_files,
                "args_in": {k: args[k] for k in ["vocab_size", *ST_DEFAULT_ARGS]}}
    tokenizer = None
    if model_type in ["bert", "electra"]:
        ctor = {"clean_text": args["clean_text"], "handle_chinese_chars": args["handle_chinese_chars"],
                "strip_accents": args["strip_accents"], "lowercase": args["do_lower_case"]}
        tokenizer = BertWordPieceTokenizer(**ctor)
        args["special_tokens"] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        args["wordpieces_prefix"] = "##"
        train = {"files": train_files, "vocab_size": args["vocab_size"], "min_frequency": args["min_frequency"],
                 "special_tokens": args["special_tokens"], "wordpieces_prefix": "##"}
        tokenizer.train(**train)
        settings["constructor"] = {"class": "tokenizers.BertWordPieceTokenizer", "kwargs": ctor}
        settings["train"] = {"kwargs": train, "defaults_used": {"limit_alphabet": 1000, "initial_alphabet": [],
                                                                "show_progress": True}}
    elif model_type in ["bigbird", "xlmroberta", "nystromformer"]:
        if model_type != "xlmroberta":
            raise NotImplementedError("only the xlmroberta sentencepiece branch is reproduced here")
        os.makedirs(output_dir, exist_ok=True)
        files = ",".join(train_files)
        prefix = "sentencepiece.bpe"
        args["special_tokens"] = ["<s>", "</s>", "<pad>", "<mask>", "<s>NOTUSED", "</s>NOTUSED"]
        command = (f"--input={files} --user_defined_symbols=<pad>,<mask>,<s>NOTUSED,</s>NOTUSED --model_type=bpe "
                   f"--model_prefix={prefix} --vocab_size={args['vocab_size'] - 2} --shuffle_input_sentence=true "
                   f"--max_sentence_length=10000")
        spm.SentencePieceTrainer.Train(command)
        for ext in (".model", ".vocab"):
            if os.path.exists(os.path.join(output_dir, prefix + ext)):
                os.remove(os.path.join(output_dir, prefix + ext))
            shutil.move(src=prefix + ext, dst=output_dir)
        settings["constructor"] = None
        settings["train"] = {"sentencepiece_command": command}
    else:
        ctor = {"lowercase": args["do_lower_case"]}
        tokenizer = ByteLevelBPETokenizer(**ctor)
        train = {"files": train_files, "vocab_size": args["vocab_size"], "min_frequency": args["min_frequency"],
                 "special_tokens": args["special_tokens"]}
        tokenizer.train(**train)
        settings["constructor"] = {"class": "tokenizers.ByteLevelBPETokenizer", "kwargs": ctor}
        settings["train"] = {"kwargs": train, "defaults_used": {
            "show_progress": True, "initial_alphabet": "pre_tokenizers.ByteLevel.alphabet() (256 byte chars)"}}

    if model_type not in ["bigbird", "xlmroberta", "nystromformer"]:
        os.makedirs(output_dir, exist_ok=True)
        tokenizer.save_model(output_dir)

    reload_class = RELOAD_CLASSES[model_type]
    settings["saved_files"] = sorted(os.listdir(output_dir))
    settings["reload"] = f"transformers.{reload_class.__name__}.from_pretrained(output_dir)"
    reloaded = reload_class.from_pretrained(output_dir)
    settings["args_out"] = {k: args[k] for k in ("special_tokens", "wordpieces_prefix") if k in args}
    return tokenizer, settings, reloaded


def train_sentencepiece_bpe(args, train_files, output_dir):
    """Not a Simple Transformers branch: tokenizers' SentencePieceBPETokenizer, same sizes."""
    tokenizer = SentencePieceBPETokenizer()
    train = {"files": train_files, "vocab_size": args["vocab_size"], "min_frequency": args["min_frequency"],
             "special_tokens": ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]}
    tokenizer.train(**train)
    os.makedirs(output_dir, exist_ok=True)
    tokenizer.save_model(output_dir)
    settings = {"model_type": None, "note": "not a Simple Transformers branch", "train_files": train_files,
                "constructor": {"class": "tokenizers.SentencePieceBPETokenizer", "kwargs": {}, "defaults_used": {
                    "unk_token": "<unk>", "replacement": "\u2581", "add_prefix_space": True, "dropout": None,
                    "fuse_unk": False}},
                "train": {"kwargs": train, "defaults_used": {"limit_alphabet": 1000, "initial_alphabet": [],
                                                             "show_progress": True}},
                "saved_files": sorted(os.listdir(output_dir)), "reload": None}
    return tokenizer, settings


# ---------------------------------------------------------------------------------------------
# Fixture writing
# ---------------------------------------------------------------------------------------------


def write_json(path, obj):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")


def special_ids(tok):
    names = ["unk", "pad", "bos", "eos", "cls", "sep", "mask"]
    return {n: {"token": getattr(tok, f"{n}_token"), "id": getattr(tok, f"{n}_token_id")} for n in names
            if getattr(tok, f"{n}_token", None) is not None}


def bert_invariants(vocab):
    """What every BertWordPiece training run shares (ids 0..4 = the special tokens, then the
    alphabet sorted by code point; the number of "##x" continuation characters)."""
    alphabet = [t for t in vocab[5:] if len(t) == 1]
    prefix = 5 + len(alphabet)
    if vocab[5:prefix] != sorted(alphabet, key=ord):
        sys.exit("bert: the alphabet is not at ids 5.. in code-point order")
    return {"vocab_size": len(vocab), "special_tokens": vocab[:5], "alphabet": alphabet,
            "stable_prefix": prefix,
            "continuation_chars": sum(1 for t in vocab if t.startswith("##") and len(t) == 3)}


def read_vocab_txt(path):
    with open(path, encoding="utf-8") as f:
        return f.read().split("\n")[:-1]


def make_branch(branch, corpus_text, out_dir, rewrite_bert):
    """Train one branch in a scratch directory, write <out_dir>/<branch>/ (bert: only when it
    is missing or with --rewrite-bert, see BERT_NOTE) and compute reference.json from the files
    in it."""
    target = os.path.join(out_dir, branch)
    keep = branch == "bert" and not rewrite_bert and os.path.exists(os.path.join(target, "vocab.txt"))
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # sentencepiece writes <prefix>.model into the working directory
        try:
            with open("corpus.txt", "w", encoding="utf-8", newline="\n") as f:
                f.write(corpus_text)
            args = dict(ST_DEFAULT_ARGS, special_tokens=list(ST_DEFAULT_ARGS["special_tokens"]),
                        vocab_size=VOCAB_SIZES[branch])
            saved = os.path.join(tmp, "saved")
            if branch == "sentencepiece_bpe":
                tokenizer, settings = train_sentencepiece_bpe(args, ["corpus.txt"], saved)
            else:
                tokenizer, settings, _ = st_train_tokenizer(branch, args, ["corpus.txt"], saved)
            if tokenizer is not None:
                tokenizer.save(os.path.join(tmp, "tokenizer.json"))
        finally:
            os.chdir(cwd)
        if keep:
            fresh = read_vocab_txt(os.path.join(saved, "vocab.txt"))
            kept = read_vocab_txt(os.path.join(target, "vocab.txt"))
            if bert_invariants(fresh) != bert_invariants(kept):
                sys.exit("bert: a fresh training run breaks the invariants of the committed vocab.txt")
            print(f"bert: kept the committed files; a fresh run shares {len(set(fresh) & set(kept))} of "
                  f"{len(kept)} tokens and {sum(a == b for a, b in zip(fresh, kept))} ids with them")
        else:
            if os.path.isdir(target):
                shutil.rmtree(target)
            shutil.copytree(saved, target)
            if tokenizer is not None:
                shutil.copy(os.path.join(tmp, "tokenizer.json"), target)

    # Everything below depends only on the files in `target`.
    ref = {"branch": branch, "simpletransformers": ST_VERSION,
           "versions": {"tokenizers": tokenizers.__version__, "transformers": transformers.__version__,
                        "sentencepiece": spm.__version__},
           "deterministic": branch != "bert", "settings": settings}
    if branch == "bert":
        ref["note"] = BERT_NOTE
        ref["invariants"] = bert_invariants(read_vocab_txt(os.path.join(target, "vocab.txt")))
    ref["texts"] = TEXTS
    if os.path.exists(os.path.join(target, "tokenizer.json")):
        raw = tokenizers.Tokenizer.from_file(os.path.join(target, "tokenizer.json"))
        ref["trained_vocab_size"] = raw.get_vocab_size()
        encs = [raw.encode(t) for t in TEXTS]
        ref["raw_ids"] = [e.ids for e in encs]
        ref["raw_tokens"] = [e.tokens for e in encs]
    else:
        sp = spm.SentencePieceProcessor(model_file=os.path.join(target, "sentencepiece.bpe.model"))
        ref["trained_vocab_size"] = sp.get_piece_size()
        ref["raw_ids"] = [sp.encode(t) for t in TEXTS]
        ref["raw_tokens"] = [sp.encode(t, out_type=str) for t in TEXTS]
    if branch in RELOAD_CLASSES:
        with tempfile.TemporaryDirectory() as tmp:  # only the files train_tokenizer saved
            for name in settings["saved_files"]:
                shutil.copy(os.path.join(target, name), tmp)
            reloaded = RELOAD_CLASSES[branch].from_pretrained(tmp)
        reloaded.backend_tokenizer.save(os.path.join(target, "reloaded_tokenizer.json"))
        ids = [reloaded(t)["input_ids"] for t in TEXTS]
        ref["reloaded"] = {"class": type(reloaded).__name__, "len": len(reloaded),
                           "do_lower_case": getattr(reloaded, "do_lower_case", None),
                           "special_tokens": special_ids(reloaded)}
        ref["ids"] = ids
        ref["tokens"] = [reloaded.convert_ids_to_tokens(i) for i in ids]
    else:
        ref["ids"], ref["tokens"] = ref["raw_ids"], ref["raw_tokens"]
    write_json(os.path.join(target, "reference.json"), ref)
    files = ", ".join(f"{n} ({os.path.getsize(os.path.join(target, n))} B)" for n in sorted(os.listdir(target)))
    print(f"{branch}: vocab {ref['trained_vocab_size']}, reloaded len "
          f"{ref.get('reloaded', {}).get('len')}; {files}")


BERT_NOTE = (
    "tokenizers' WordPiece training is not reproducible: the ids of the '##x' continuation "
    "characters follow the iteration order of a randomly seeded hash map, and BPE merges with "
    "equal counts are ordered by pair ids, so every run permutes ids after the stable prefix and "
    "may pick a few different tokens at ties (200 runs on this corpus: 8 distinct token sets, "
    "496 tokens common to all).  These files are one run of Simple Transformers' code; the script "
    "keeps them (unless --rewrite-bert) and derives everything else from them.  A port can check "
    "`invariants` after training, and the reload / ids against these files.")


README_SECTION = """\
## tokenizer_training/

Generated by `python scripts/make_tokenizer_training_fixtures.py --out fixtures/tokenizer_training`
(tokenizers {tokenizers}, transformers {transformers}, sentencepiece {sentencepiece}; no torch; run it
after `scripts/make_fixtures.py`, which rewrites this README).  `corpus.txt` is ~300 lines of
prose written for this repository (digits, punctuation, accents, blank lines, repeated words).
Each directory is what Simple Transformers {st} `LanguageModelingModel.train_tokenizer` does with
the default `LanguageModelingArgs` (`min_frequency` 2, `do_lower_case` False, `clean_text` /
`handle_chinese_chars` / `strip_accents` True, `special_tokens` `<s> <pad> </s> <unk> <mask>`) and
the given `vocab_size`, followed by its reload `MODEL_CLASSES[model_type][2].from_pretrained(dir)`:

| dir | vocab_size | training | saved | reloaded as |
|-----|-----------|----------|-------|-------------|
| bert (also electra) | 500 | `BertWordPieceTokenizer(clean_text, handle_chinese_chars, strip_accents=True, lowercase=False)`, `.train(vocab_size, min_frequency, special_tokens=[PAD] [UNK] [CLS] [SEP] [MASK], wordpieces_prefix="##")` | vocab.txt | BertTokenizer (defaults: **lowercases** and strips accents, although the vocab was trained cased, accents stripped) |
| gpt2 (also roberta, ...) | 500 | `ByteLevelBPETokenizer(lowercase=False)`, `.train(vocab_size, min_frequency, special_tokens=<s> <pad> </s> <unk> <mask>)` | vocab.json, merges.txt | GPT2Tokenizer (adds `<|endoftext|>` as id = vocab size, bos = eos = unk; the trained `<s>` .. `<mask>` are not special) |
| xlmroberta | 400 | `sentencepiece` `SentencePieceTrainer.Train("--input=corpus.txt --user_defined_symbols=<pad>,<mask>,<s>NOTUSED,</s>NOTUSED --model_type=bpe --model_prefix=sentencepiece.bpe --vocab_size=398 --shuffle_input_sentence=true --max_sentence_length=10000")` | sentencepiece.bpe.model, .vocab | XLMRobertaTokenizer (fairseq ids `<s>` 0, `<pad>` 1, `</s>` 2, `<unk>` 3, sentencepiece ids + 1, `<mask>` appended as 399; `pad_token_id` is 4, the user-defined `<pad>`, and `<mask>` text maps to 399; converted to a Unigram tokenizer, so its pieces can differ from sentencepiece's BPE) |
| sentencepiece_bpe | 400 | not a Simple Transformers branch: `tokenizers` `SentencePieceBPETokenizer()`, `.train(vocab_size, min_frequency, special_tokens=<s> <pad> </s> <unk> <mask>)` | vocab.json, merges.txt | (none) |

Besides the saved files: `tokenizer.json` (the trained `tokenizers` object's `save`; not for
xlmroberta), `reloaded_tokenizer.json` (the reloaded transformers tokenizer's backend) and
`reference.json`: `branch`, `versions`, `settings` (`args_in`, `constructor`, `train` kwargs and
the library defaults they rely on, `saved_files`, `reload`, `args_out`: what train_tokenizer
writes back into args -- `special_tokens`, `wordpieces_prefix`), `trained_vocab_size`, `texts`
(5 sentences), `raw_ids` / `raw_tokens` (the trained object's `encode`, no special tokens; for
xlmroberta the sentencepiece processor's ids and pieces), `reloaded` (`class`, `len`,
`do_lower_case`, special tokens and ids) and `ids` / `tokens`: the reloaded tokenizer's
`input_ids` with special tokens, as a model sees them (sentencepiece_bpe: the raw ones).
`deterministic` is false for bert only: tokenizers' WordPiece trainer gives the `##x`
continuation characters ids in random hash-map order and breaks ties between equally frequent
pairs by those ids, so every run permutes the ids after the specials + sorted alphabet and may
pick a few different tokens (on this corpus 8 distinct token sets in 200 runs, 496 of 500 tokens
common to all).  bert/ is therefore one run of the real code, kept by the script unless
`--rewrite-bert`; its reference.json has `invariants` (`vocab_size`, the 5 `special_tokens`,
the code-point-sorted `alphabet` at ids 5.., `stable_prefix` = 5 + alphabet size,
`continuation_chars`) that every run satisfies.  Everything else is reproducible: a rerun of
the script is byte-identical.
"""


def replace_readme_section(readme_path, marker, section):
    """Same as scripts/base_fixtures/common.py (which imports torch): replace the section that
    starts with `marker` (up to the next `## ` heading) by `section`, appended at the end."""
    with open(readme_path, encoding="utf-8") as f:
        text = f.read()
    if marker in text:
        start = text.index(marker)
        following = text.find("\n## ", start + len(marker))
        text = text[:start] + (text[following + 1:] if following >= 0 else "")
    text = text.rstrip("\n") + "\n\n" + section
    with open(readme_path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                      "fixtures", "tokenizer_training"))
    parser.add_argument("--rewrite-bert", action="store_true",
                        help="replace the committed bert/ files by a fresh (random, see BERT_NOTE) training run")
    args = parser.parse_args()
    out_dir = os.path.abspath(args.out)
    spm.set_min_log_level(2)
    corpus_path = os.path.join(out_dir, "corpus.txt")
    if not os.path.exists(corpus_path):
        sys.exit(f"{corpus_path} is missing (it is committed, not generated)")
    with open(corpus_path, encoding="utf-8") as f:
        corpus_text = f.read()
    for branch in VOCAB_SIZES:
        make_branch(branch, corpus_text, out_dir, args.rewrite_bert)
    readme = os.path.join(os.path.dirname(out_dir), "README.md")
    if os.path.exists(readme):
        replace_readme_section(readme, README_MARKER, README_SECTION.format(
            tokenizers=tokenizers.__version__, transformers=transformers.__version__,
            sentencepiece=spm.__version__, st=ST_VERSION))
        print(f"updated {readme}")


if __name__ == "__main__":
    main()

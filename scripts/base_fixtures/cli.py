"""Command line: read the source vocabularies and write every base fixture."""

import argparse
import os
import shutil
import sys

import torch
import transformers

from .cases import build_tokenizer_cases
from .readme import README
from .tiny_models import build_model_fixture, build_sharded_bert
from .verify import build_minilm_reference, verify
from .vocab import build_tokenizers, write_vocab_txt

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


def main(description):
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
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

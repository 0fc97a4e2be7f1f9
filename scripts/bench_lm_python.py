#!/usr/bin/env python3
"""Python side of the Austen GPT-2-from-scratch comparison (Simple Transformers 0.70.8).

Trains a small GPT-2 *from scratch* -- byte-level BPE tokenizer included -- with Python
Simple Transformers' `LanguageModelingModel`, using exactly the settings in
examples/data/austen/gpt2_from_scratch.json, then scores it on the held-out novel.

What it does
  1. Reads the JSON settings (Simple Transformers args; "model_type" is the model type,
     "thread_count" -> torch.set_num_threads + OMP/MKL_NUM_THREADS, set before torch loads).
     Adds use_cuda=False and puts output_dir, cache_dir, best_model_dir and tensorboard_dir
     under --work (default target/austen-python).
  2. LanguageModelingModel(model_type, None, args=settings, train_files=train.txt,
     use_cuda=False): Python trains its ByteLevelBPE tokenizer here.  `train_tokenizer` is
     wrapped to time it alone (tokenizer_seconds); the whole constructor is constructor_seconds.
  3. model.train_model(train.txt), timed whole (train_seconds; it includes building the
     SimpleDataset, timed on its own as dataset_seconds by wrapping load_and_cache_examples,
     which also keeps the dataset so tokens are counted without re-encoding).
     train_tokens = sum of the lengths of the dataset's examples (lists of ids).
  4. Calls model.eval_model(eval.txt) -- known to crash with mlm=False (UnboundLocalError on
     input_ids); the exception text is recorded as eval_model_error.
  5. Scores the saved model with plain transformers (function `score`): GPT2LMHeadModel and
     its tokenizer from the output dir; eval.txt lines, blank/whitespace-only dropped, each
     encoded with add_special_tokens=False, all ids concatenated (no separator, as Simple
     Transformers' simple dataset does), cut into consecutive full blocks of block_size (tail
     dropped), batches of eval_batch_size in order, HF causal-LM loss (labels = input_ids) per
     batch; eval_loss = mean of batch losses, perplexity = exp(eval_loss); eval mode, no_grad.
     Also a sampled continuation of "It was a truth" (60 new tokens, top_k 50, top_p 0.95,
     seed 0).
  Known problem: SimpleDataset encodes each line, joins all ids with no separator, cuts
  blocks of block_size-2 = 126 ids, then *decodes and re-encodes* each block; words split
  across two lines fuse ("his" + "present" -> "hispresent") and re-tokenize differently, so
  examples come out ~123..131+ ids long.  Any example over n_positions = 128 makes GPT-2's
  position embedding raise IndexError at the first batch.  The exact run records that error
  (train_error) and exits 1; --clip-blocks keeps everything else identical but cuts each
  training example to block_size (128) ids before training (clipped counts are recorded).
  Shorter examples are padded with id 0 ("<s>": the tokenizer has no pad token) and those
  pad positions count in Simple Transformers' loss, as in upstream.
  With --score DIR (repeatable) it trains nothing and only scores those saved HF GPT-2 dirs
  (e.g. the Rust-trained model) with the same code, for a cross-check.

Usage
  nice python scripts/bench_lm_python.py [--settings JSON] [--train FILE] [--eval FILE]
      [--work DIR] [--out FILE] [--clip-blocks] [--score DIR ...]
Requires the venv of scripts/requirements-lm-python.txt (~/.cache/st-python-venv).
"""
import argparse
import collections
import json
import math
import os
import shutil
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--settings", default=os.path.join(ROOT, "examples/data/austen/gpt2_from_scratch.json"))
    p.add_argument("--train", default=os.path.join(ROOT, "target/austen/train.txt"))
    p.add_argument("--eval", default=os.path.join(ROOT, "target/austen/eval.txt"))
    p.add_argument("--work", default=os.path.join(ROOT, "target/austen-python"))
    p.add_argument("--out", default=None, help="result JSON (default WORK/result.json)")
    p.add_argument("--score", action="append", default=[], metavar="DIR",
                   help="only score this saved HF GPT-2 dir (repeatable); no training")
    p.add_argument("--prompt", default="It was a truth")
    p.add_argument("--clip-blocks", action="store_true",
                   help="workaround: cut each training example to block_size ids (see doc)")
    return p.parse_args()


ARGS = parse_args()
with open(ARGS.settings) as f:
    SETTINGS = json.load(f)
THREADS = SETTINGS.get("thread_count") or 2
os.environ["OMP_NUM_THREADS"] = str(THREADS)
os.environ["MKL_NUM_THREADS"] = str(THREADS)
os.environ.setdefault("WANDB_DISABLED", "true")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch  # noqa: E402

torch.set_num_threads(THREADS)


def load_tokenizer(path):
    from transformers import AutoTokenizer, GPT2TokenizerFast
    try:
        return AutoTokenizer.from_pretrained(path)
    except Exception:  # e.g. no tokenizer_config.json: plain vocab.json + merges.txt
        return GPT2TokenizerFast.from_pretrained(path)


def score(model_dir, eval_path, block_size, batch_size, prompt):
    """Held-out loss/perplexity of a saved HF GPT-2 dir (procedure in the module doc)."""
    from transformers import GPT2LMHeadModel
    tok = load_tokenizer(model_dir)
    model = GPT2LMHeadModel.from_pretrained(model_dir)
    model.eval()
    with open(eval_path, encoding="utf-8") as f:
        lines = [l for l in f.read().splitlines() if len(l) > 0 and not l.isspace()]
    ids = []
    for line in lines:
        ids.extend(tok.encode(line, add_special_tokens=False))
    n_blocks = len(ids) // block_size
    blocks = torch.tensor(ids[: n_blocks * block_size], dtype=torch.long).view(n_blocks, block_size)
    losses = []
    t0 = time.perf_counter()
    with torch.no_grad():
        for i in range(0, n_blocks, batch_size):
            batch = blocks[i : i + batch_size]
            losses.append(model(input_ids=batch, labels=batch).loss.item())
    eval_loss = sum(losses) / len(losses)
    out = {
        "model_dir": os.path.abspath(model_dir),
        "eval_loss": eval_loss,
        "perplexity": math.exp(eval_loss),
        "blocks": n_blocks,
        "batches": len(losses),
        "eval_tokens_total": len(ids),
        "eval_lines": len(lines),
        "score_seconds": time.perf_counter() - t0,
        "tokenizer_len": len(tok),
        "tokenizer_class": type(tok).__name__,
        "model_vocab_size": model.config.vocab_size,
        "parameters": sum(p.numel() for p in model.parameters()),
    }
    out["sample"] = sample(model, tok, prompt)
    return out


def sample(model, tok, prompt, new_tokens=60):
    torch.manual_seed(0)
    enc = tok(prompt, return_tensors="pt", add_special_tokens=False)
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    with torch.no_grad():
        gen = model.generate(**enc, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                             do_sample=True, top_k=50, top_p=0.95, pad_token_id=pad)
    return {"prompt": prompt, "new_tokens": new_tokens, "top_k": 50, "top_p": 0.95, "seed": 0,
            "text": tok.decode(gen[0], skip_special_tokens=True)}


def versions():
    import tokenizers
    import transformers
    from importlib.metadata import version
    return {"python": sys.version.split()[0], "torch": torch.__version__,
            "transformers": transformers.__version__,
            "simpletransformers": version("simpletransformers"),
            "tokenizers": tokenizers.__version__, "torch_threads": torch.get_num_threads()}


def train(settings):
    from simpletransformers.language_modeling import LanguageModelingModel

    work = os.path.abspath(ARGS.work)
    out_dir = os.path.join(work, "outputs")
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    st_args = dict(settings)
    model_type = st_args.pop("model_type")
    st_args.update(output_dir=out_dir + "/", cache_dir=os.path.join(work, "cache_dir") + "/",
                   best_model_dir=os.path.join(out_dir, "best_model"),
                   tensorboard_dir=os.path.join(work, "runs"))
    timings = {}

    orig_tt = LanguageModelingModel.train_tokenizer

    def timed_train_tokenizer(self, *a, **k):
        t = time.perf_counter()
        try:
            return orig_tt(self, *a, **k)
        finally:
            timings["tokenizer_seconds"] = time.perf_counter() - t

    LanguageModelingModel.train_tokenizer = timed_train_tokenizer
    t = time.perf_counter()
    model = LanguageModelingModel(model_type, None, args=st_args, train_files=ARGS.train,
                                  use_cuda=False)
    timings["constructor_seconds"] = time.perf_counter() - t
    LanguageModelingModel.train_tokenizer = orig_tt

    datasets = []
    orig_lce = model.load_and_cache_examples

    clip = {}

    def timed_lce(*a, **k):
        t = time.perf_counter()
        ds = orig_lce(*a, **k)
        timings.setdefault("dataset_seconds", time.perf_counter() - t)
        lengths = [len(e) for e in ds.examples]
        clip["raw_length_distribution"] = {str(n): c for n, c in sorted(collections.Counter(lengths).items())}
        if ARGS.clip_blocks:
            bs = model.args.block_size
            clip["clipped_examples"] = sum(n > bs for n in lengths)
            clip["clipped_tokens_dropped"] = sum(max(0, n - bs) for n in lengths)
            ds.examples = [e[:bs] for e in ds.examples]
        datasets.append(ds)
        return ds

    model.load_and_cache_examples = timed_lce
    t = time.perf_counter()
    try:
        global_step, tr_loss = model.train_model(ARGS.train)
    except Exception as e:
        import traceback
        return {"settings": settings, "versions": versions(), "clip_blocks": ARGS.clip_blocks,
                "tokenizer_seconds": timings.get("tokenizer_seconds"),
                "constructor_seconds": timings["constructor_seconds"],
                "dataset_seconds": timings.get("dataset_seconds"),
                "seconds_until_error": time.perf_counter() - t,
                "train_error": f"{type(e).__name__}: {e}",
                "train_error_where": traceback.format_exc().strip().splitlines()[-3:],
                "train_block_length_distribution": clip.get("raw_length_distribution"),
                "block_size_effective": model.args.block_size,
                "n_positions": model.model.config.n_positions,
                "trained_tokenizer_len": len(model.tokenizer)}
    timings["train_seconds"] = time.perf_counter() - t
    model.load_and_cache_examples = orig_lce

    examples = datasets[0].examples
    lengths = [len(e) for e in examples]
    train_tokens = sum(lengths)
    block_len = max(lengths)
    padded = sum(block_len - n for n in lengths)

    eval_error = None
    try:
        r = model.eval_model(ARGS.eval)
        eval_error = f"no error; returned {r!r}"
    except Exception as e:  # expected: UnboundLocalError (input_ids) with mlm=False
        eval_error = f"{type(e).__name__}: {e}"

    held = score(out_dir, ARGS.eval, settings["block_size"], settings["eval_batch_size"], ARGS.prompt)
    result = {
        "settings": settings,
        "versions": versions(),
        "tokenizer_seconds": timings.get("tokenizer_seconds"),
        "constructor_seconds": timings["constructor_seconds"],
        "train_seconds": timings["train_seconds"],
        "dataset_seconds": timings.get("dataset_seconds"),
        "train_loop_seconds": timings["train_seconds"] - timings.get("dataset_seconds", 0.0),
        "train_tokens": train_tokens,
        "train_blocks": len(examples),
        "train_tokens_per_second": train_tokens / timings["train_seconds"],
        "train_tokens_per_second_loop_only": train_tokens / (timings["train_seconds"] - timings.get("dataset_seconds", 0.0)),
        "clip_blocks": ARGS.clip_blocks,
        "train_block_length_distribution_as_built": clip["raw_length_distribution"],
        "train_block_length_distribution": {str(k): v for k, v in sorted(collections.Counter(lengths).items())},
        "clipped_examples": clip.get("clipped_examples", 0),
        "clipped_tokens_dropped": clip.get("clipped_tokens_dropped", 0),
        "train_padded_tokens": padded,
        "train_pad_token": model.tokenizer.pad_token,
        "block_size_effective": model.args.block_size,
        "global_step": global_step,
        "final_training_loss": tr_loss,
        "trained_tokenizer": {"len_in_training": len(model.tokenizer),
                              "config_vocab_size": model.model.config.vocab_size,
                              "special_tokens": model.args.special_tokens},
        "eval_model_error": eval_error,
        "held_out": {k: held[k] for k in ("eval_loss", "perplexity", "blocks")},
        "held_out_details": held,
        "sample": held["sample"],
        "output_dir": out_dir,
    }
    return result


def main():
    out = ARGS.out or os.path.join(ARGS.work, "result.json")
    if ARGS.score:
        result = {"settings": SETTINGS, "versions": versions(), "scored": [
            score(d, ARGS.eval, SETTINGS["block_size"], SETTINGS["eval_batch_size"], ARGS.prompt)
            for d in ARGS.score]}
    else:
        result = train(SETTINGS)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))
    print(f"wrote {out}", file=sys.stderr)
    if "train_error" in result:
        sys.exit(1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Python side of the Austen ELECTRA-from-scratch run (Simple Transformers 0.70.8).

Trains ELECTRA from scratch -- WordPiece tokenizer included -- with Python Simple
Transformers' `LanguageModelingModel`, using the settings in
examples/data/austen/electra_from_scratch.json, and scores the held-out novel before
and after training. Python's `eval_model` crashes here (`Tensor.__contains__` on the batch
tensor, language_modeling_model.py `evaluate`), so `score` does what it means to: the
evaluation dataset Python builds, its `mask_tokens`, and the model's own forward, under
no_grad in eval mode, averaging g_loss and d_loss over batches (eval_batch_size), with the
share of replaced tokens and the binary entropy of that share (what a discriminator that
knows only the share scores).

Two changes to the settings: `no_save` (Python's save crashes on the tied embeddings with
transformers 5, after training); and both models' max_position_embeddings become 512, because Python's
SimpleDataset decodes and re-encodes each block, so some come out longer than 128 tokens and
would index past a 128-row position table (the GPT-2 comparison shows the same).

Usage: python scripts/bench_electra_python.py [--settings JSON] [--work DIR] [--epochs N]
Requires the venv of scripts/requirements-lm-python.txt (~/.cache/st-python-venv).
"""
import argparse
import json
import os
import shutil
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
p = argparse.ArgumentParser()
p.add_argument("--settings", default=os.path.join(ROOT, "examples/data/austen/electra_from_scratch.json"))
p.add_argument("--train", default=os.path.join(ROOT, "target/austen/train.txt"))
p.add_argument("--eval", default=os.path.join(ROOT, "target/austen/eval.txt"))
p.add_argument("--work", default=os.path.join(ROOT, "target/austen-electra-python"))
p.add_argument("--epochs", type=int, default=None, help="override num_train_epochs")
ARGS = p.parse_args()
with open(ARGS.settings) as f:
    SETTINGS = json.load(f)
threads = SETTINGS.get("thread_count") or 2
os.environ["OMP_NUM_THREADS"] = str(threads)
os.environ.setdefault("WANDB_DISABLED", "true")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import math  # noqa: E402

import torch  # noqa: E402
from simpletransformers.language_modeling import LanguageModelingModel  # noqa: E402
from simpletransformers.language_modeling.language_modeling_utils import mask_tokens  # noqa: E402

torch.set_num_threads(threads)


def score(model, path, seed=0):
    torch.manual_seed(seed)
    dataset = model.load_and_cache_examples(path, evaluate=True, no_cache=True)
    pad = model.tokenizer.pad_token_id
    size = model.args.eval_batch_size
    net = model.model
    net.eval()
    g_sum = d_sum = 0.0
    replaced = counted = batches = 0
    with torch.no_grad():
        for i in range(0, len(dataset), size):
            rows = [dataset[j] for j in range(i, min(i + size, len(dataset)))]
            batch = torch.nn.utils.rnn.pad_sequence(rows, batch_first=True, padding_value=pad)
            inputs, labels = mask_tokens(batch.clone(), model.tokenizer, model.args)
            g_loss, d_loss, _, _, d_labels = net(inputs, labels)
            g_sum += g_loss.item()
            d_sum += d_loss.item()
            replaced += int(d_labels.sum())
            counted += d_labels.numel()
            batches += 1
    share = replaced / counted
    baseline = -(share * math.log(share) + (1 - share) * math.log(1 - share))
    g, d = g_sum / batches, d_sum / batches
    return {"generator_loss": g, "discriminator_loss": d, "eval_loss": g + model.args.discriminator_loss_weight * d,
            "discriminator_baseline_loss": baseline, "replaced_share": share, "blocks": len(dataset)}


def main():
    work = os.path.abspath(ARGS.work)
    out_dir = os.path.join(work, "outputs")
    shutil.rmtree(work, ignore_errors=True)
    args = dict(SETTINGS)
    model_type = args.pop("model_type")
    for key in ("generator_config", "discriminator_config"):
        args[key] = dict(args[key], max_position_embeddings=512)
    if ARGS.epochs:
        args["num_train_epochs"] = ARGS.epochs
    args.update(output_dir=out_dir + "/", cache_dir=os.path.join(work, "cache") + "/",
                best_model_dir=os.path.join(out_dir, "best_model"),
                tensorboard_dir=os.path.join(work, "runs"), silent=True,
                # Saving crashes in transformers 5 ("shared tensors ... not properly defined":
                # the tied word embeddings), after training; the scores need no saved model.
                no_save=True)
    os.makedirs(args["cache_dir"], exist_ok=True)
    model = LanguageModelingModel(model_type, None, args=args, train_files=ARGS.train, use_cuda=False)
    before = score(model, ARGS.eval)
    start = time.perf_counter()
    step, loss = model.train_model(ARGS.train)
    seconds = time.perf_counter() - start
    after = score(model, ARGS.eval)
    result = {"settings": args, "global_step": step, "final_training_loss": loss,
              "train_seconds": seconds,
              "held_out_before": before, "held_out_after": after}
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, "result.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

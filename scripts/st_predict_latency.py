#!/usr/bin/env python3
"""Single-sentence predict latency of Python Simple Transformers, to set beside the
`latency_ms` block of `cargo run --release -p st-examples --example classification_benchmark`.

    python scripts/st_predict_latency.py MODEL_DIR DATA_DIR/test.tsv

Run it in the Python anchor's venv (../shared/anchors/python/requirements-lock.txt). Loads
`ClassificationModel("bert", MODEL_DIR)` on CPU with 2 torch threads and the anchor's
arguments, then calls `predict([text])` on the first 23 texts of the TSV one at a time; the
first 3 calls are warm-up. Prints the median and minimum of the other 20, in milliseconds, as
one JSON object.
"""
import json
import os
import sys
import time

os.environ["HF_HUB_OFFLINE"] = "1"

import torch  # noqa: E402
from simpletransformers.classification import ClassificationArgs, ClassificationModel  # noqa: E402


def main():
    model_dir, tsv = sys.argv[1], sys.argv[2]
    torch.set_num_threads(2)
    with open(tsv, encoding="utf-8") as f:
        texts = [line.rstrip("\n").split("\t")[0] for line in f][1:]
    args = ClassificationArgs(
        max_seq_length=128, eval_batch_size=32, silent=True, fp16=False, manual_seed=42,
        use_multiprocessing=False, use_multiprocessing_for_evaluation=False,
        no_cache=True, reprocess_input_data=True,
    )
    model = ClassificationModel("bert", model_dir, num_labels=2, use_cuda=False, args=args)
    latencies = []
    for i in range(23):
        start = time.perf_counter()
        model.predict(texts[i:i + 1])
        if i >= 3:
            latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    print(json.dumps({"median_ms": round(latencies[len(latencies) // 2], 2),
                      "min_ms": round(latencies[0], 2), "calls": len(latencies)}))


if __name__ == "__main__":
    main()

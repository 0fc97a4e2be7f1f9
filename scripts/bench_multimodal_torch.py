"""Training speed of the fused image + text model in plain torch: the Python side of `cargo
xtask bench`'s multimodal row (`examples/multimodal_benchmark.rs` is ours). MMBT as Simple
Transformers builds it (the classes of make_multimodal_fixtures.py: transformers' last MMBT
structure) on all-MiniLM-L6-v2 and torchvision's resnet18 (its own initialisation), 4 image
embeddings, the emoji of scripts/fetch_emoji.py at 64x64, batch 16, Simple Transformers'
training loop: AdamW 4e-5 (eps 1e-8), linear schedule, gradients clipped at 1.0, images read
and transformed per batch in the loop (dataloader_num_workers 0), cross-entropy.

    python scripts/bench_multimodal_torch.py --model MINILM_DIR [--data target/emoji]
        [--steps N] [--threads T] [--out FILE]
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torchvision  # noqa: E402
from make_multimodal_fixtures import ImageEncoder, MMBTForClassification, pipeline  # noqa: E402
from PIL import Image  # noqa: E402
from transformers import BertModel, BertTokenizerFast, get_linear_schedule_with_warmup  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", default="target/emoji")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(5)
    batch = 16
    labels = json.load(open(os.path.join(args.data, "labels.json")))
    stems = json.load(open(os.path.join(args.data, "train_files.json")))[: args.steps * batch]
    samples = [json.load(open(os.path.join(args.data, "train", f"{s}.json"))) for s in stems]

    tokenizer = BertTokenizerFast.from_pretrained(args.model)
    transformer = BertModel.from_pretrained(args.model)
    resnet = torchvision.models.resnet18()
    model = MMBTForClassification(transformer.config, transformer, ImageEncoder(resnet, 4), 512, len(labels))
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=4e-5, eps=1e-8, weight_decay=0.0)
    steps = (len(samples) + batch - 1) // batch
    schedule = get_linear_schedule_with_warmup(optimizer, 0, steps)
    transform = pipeline(64, 64)
    limit = 32 - 4 - 2

    started = time.perf_counter()
    for start in range(0, len(samples), batch):
        rows = list(zip(stems[start:start + batch], samples[start:start + batch]))
        encoded = [tokenizer(s["text"])["input_ids"] for _, s in rows]
        inner = [ids[1:-1][:limit] for ids in encoded]
        width = max(1, max(len(i) for i in inner))
        input_ids = torch.zeros(len(rows), width, dtype=torch.long)
        mask = torch.zeros(len(rows), width, dtype=torch.long)
        for i, ids in enumerate(inner):
            input_ids[i, : len(ids)] = torch.tensor(ids, dtype=torch.long)
            mask[i, : len(ids)] = 1
        images = torch.stack([
            transform(Image.open(os.path.join(args.data, f"{stem}.png")).convert("RGB")) for stem, _ in rows
        ])
        targets = torch.tensor([labels.index(s["labels"]) for _, s in rows])
        logits = model(input_modal=images, input_ids=input_ids,
                       modal_start_tokens=torch.tensor([e[0] for e in encoded]),
                       modal_end_tokens=torch.tensor([e[-1] for e in encoded]), attention_mask=mask)
        loss = torch.nn.functional.cross_entropy(logits, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        model.zero_grad()
    seconds = time.perf_counter() - started
    report = {"train": {"images": len(samples), "seconds": seconds, "images_per_s": len(samples) / seconds},
              "threads": args.threads}
    print(json.dumps(report))
    if args.out:
        json.dump(report, open(args.out, "w"))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Generate reference values for the custom losses in `st_models::loss` (`CustomLoss`).

Usage:
    python3 -m venv /tmp/lossvenv
    /tmp/lossvenv/bin/pip install torch --index-url https://download.pytorch.org/whl/cpu
    pip download --no-deps simpletransformers==0.70.8 -d /tmp/st
    (cd /tmp/st && python3 -m zipfile -e simpletransformers-0.70.8-py3-none-any.whl x)
    /tmp/lossvenv/bin/python scripts/make_loss_fixtures.py --wheel /tmp/st/x \
        [--out fixtures/losses]

Only torch is needed: the three loss modules (focal_loss, dice_loss, tversky_loss) are loaded
straight from their files in the unpacked wheel, so the package's `__init__` (and its
transformers / datasets / wandb imports) never runs. What is tested is therefore the real
Python code of Simple Transformers 0.70.8, not a transcription of it.

Writes --out/reference.json:
  versions  torch and simpletransformers versions used
  logits    named batches [n][classes] (short decimals, read as float32 on both sides)
  targets   named target sets [n], some of them the ignore index
  cases     one per line: `loss_type` and `loss_args` exactly as a user would pass them
            (fed to `CustomLoss::from_args` by the Rust test), the names of its logits and
            targets, the loss value and its gradient with respect to the logits, [n][classes]

Deterministic: fixed seed, single-threaded torch, float32 throughout.
"""

import argparse
import importlib.util
import json
import os

import torch

SEED = 20240611
WHEEL_VERSION = "0.70.8"


def load_module(wheel_dir, name):
    path = os.path.join(wheel_dir, "simpletransformers", "losses", f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"st_losses_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def short(values, digits=4):
    return [round(float(v), digits) for v in values]


def make_logits():
    """Batches of six rows. Each has a very confident row (p_t close to 1, where (1 - p)^gamma
    and its gradient matter most) and a confidently wrong one."""
    gen = torch.Generator().manual_seed(SEED)

    def logits(rows, classes):
        x = torch.randn(rows, classes, generator=gen) * 2.0
        x[0, 0] = 9.0  # confident and right (target 0 below)
        x[1, -1] = 7.0  # confident and wrong (target is not the last class)
        return [short(row) for row in x.tolist()]

    return {"binary": logits(6, 2), "multi": logits(6, 5)}


# Target sets, each for one of the logits above.
TARGETS = {
    "binary": ("binary", [0, 0, 1, -100, 1, 0]),
    "multi": ("multi", [0, 3, 4, 2, -100, 1]),
    # Classes 1..4 only: with a one-float alpha, every row weighs 1 - alpha.
    "multi_no_zero": ("multi", [2, 3, 4, 2, 1, 1]),
    # One counted row: Python squeezes its [1] tensors to 0-d.
    "multi_single": ("multi", [-100, -100, 4, -100, -100, -100]),
    # For ignore_index 1: -100 is never a target here (Python would fail on it).
    "multi_ignore_1": ("multi", [0, 1, 4, 2, 1, 3]),
}


CASES = [
    # (name, loss_type, loss_args, targets)
    ("focal_default_binary", "focal", {}, "binary"),
    ("focal_default_multi", "focal", {}, "multi"),
    ("focal_gamma0_is_cross_entropy", "focal", {"gamma": 0}, "multi"),
    ("focal_gamma2.5", "focal", {"gamma": 2.5}, "binary"),
    ("focal_gamma0.5", "focal", {"gamma": 0.5}, "multi"),
    ("focal_alpha_float", "focal", {"alpha": 0.25}, "multi"),
    ("focal_alpha_float_no_class_zero", "focal", {"alpha": 0.25}, "multi_no_zero"),
    ("focal_alpha_float_sum", "focal", {"alpha": 0.75, "reduction": "sum"}, "binary"),
    ("focal_alpha_list", "focal", {"alpha": [0.3, 0.9, 0.2, 0.6, 1.5]}, "multi"),
    ("focal_alpha_list_gamma0", "focal", {"alpha": [2.0, 0.5], "gamma": 0}, "binary"),
    ("focal_alpha_list_sum", "focal", {"alpha": [0.3, 0.9, 0.2, 0.6, 1.5], "reduction": "sum"}, "multi"),
    ("focal_alpha_list_single_row", "focal", {"alpha": [0.3, 0.9, 0.2, 0.6, 1.5]}, "multi_single"),
    ("focal_sum", "focal", {"reduction": "sum", "gamma": 1}, "multi"),
    ("focal_ignore_index_1", "focal", {"ignore_index": 1}, "multi_ignore_1"),
    ("dice_default_binary", "dice", {}, "binary"),
    ("dice_default_multi", "dice", {}, "multi"),
    ("dice_gamma_scale_smooth_eps", "dice", {"gamma": 2, "scale": 0.5, "smooth": 1.0, "eps": 1e-4}, "multi"),
    ("dice_gamma1.5_sum", "dice", {"gamma": 1.5, "reduction": "sum"}, "binary"),
    ("dice_smooth_sum", "dice", {"smooth": 0.3, "scale": 2.0, "reduction": "sum"}, "multi"),
    ("dice_single_row", "dice", {"gamma": 1}, "multi_single"),
    ("tversky_half_half_binary", "tversky", {"alpha": 0.5, "beta": 0.5}, "binary"),
    ("tversky_half_half_multi", "tversky", {"alpha": 0.5, "beta": 0.5}, "multi"),
    (
        "tversky_gamma_scale_smooth_eps_sum",
        "tversky",
        {"alpha": 0.3, "beta": 0.7, "gamma": 2, "scale": 2.0, "smooth": 0.5, "eps": 1e-3, "reduction": "sum"},
        "multi",
    ),
    ("tversky_gamma1.5", "tversky", {"alpha": 0.7, "beta": 0.3, "gamma": 1.5}, "binary"),
    ("tversky_ignore_index_1", "tversky", {"alpha": 1.0, "beta": 1.0, "ignore_index": 1}, "multi_ignore_1"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wheel", required=True, help="the unpacked simpletransformers wheel")
    parser.add_argument("--out", default=os.path.join("fixtures", "losses"))
    args = parser.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    classes = {
        "focal": load_module(args.wheel, "focal_loss").FocalLoss,
        "dice": load_module(args.wheel, "dice_loss").DiceLoss,
        "tversky": load_module(args.wheel, "tversky_loss").TverskyLoss,
    }
    logits_sets = make_logits()

    cases = []
    for name, loss_type, loss_args, targets_name in CASES:
        logits_name, target_ids = TARGETS[targets_name]
        logits = torch.tensor(logits_sets[logits_name], dtype=torch.float32, requires_grad=True)
        targets = torch.tensor(target_ids, dtype=torch.long)
        loss = classes[loss_type](**loss_args)(logits, targets)
        loss.backward()
        cases.append(
            {
                "name": name,
                "loss_type": loss_type,
                "loss_args": loss_args,
                "logits": logits_name,
                "targets": targets_name,
                "loss": float(f"{loss.item():.9g}"),
                "grad": [[float(f"{g:.7g}") for g in row] for row in logits.grad.tolist()],
            }
        )

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "reference.json")
    with open(path, "w", encoding="utf-8") as f:
        f.write("{\n")
        versions = {"torch": torch.__version__, "simpletransformers": WHEEL_VERSION}
        f.write(f'"versions": {json.dumps(versions)},\n')
        f.write('"logits": {\n')
        f.write(",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in logits_sets.items()))
        f.write("\n},\n")
        targets = {name: ids for name, (_, ids) in TARGETS.items()}
        f.write(f'"targets": {json.dumps(targets)},\n')
        f.write('"cases": [\n')
        f.write(",\n".join(json.dumps(case) for case in cases))
        f.write("\n]\n}\n")
    print(f"wrote {len(cases)} cases to {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()

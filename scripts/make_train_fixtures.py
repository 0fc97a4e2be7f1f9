#!/usr/bin/env python3
"""Generate the PyTorch / transformers reference fixtures for training: learning-rate
schedules, the AdamW and Adafactor optimisers, and gradient-norm clipping.

Usage:
    python scripts/make_train_fixtures.py [--out fixtures/train]

Everything is deterministic (fixed values from a seeded generator, single-threaded CPU torch)
and nothing is downloaded.  Versions used: see scripts/requirements-fixtures.txt; every file
also records them under "versions".

Conventions shared by all files
-------------------------------
* A tensor is `{"shape": [..], "data": [flat row-major values]}`.
* float32 values are written as the shortest decimal that round-trips to the same float32,
  so parsing them as f32 is bit-exact; float64 values use Python's repr (round-trips as f64).
* Optimiser and clipping cases are run twice: once in float32 (what training really does)
  and once in float64 starting from the *same* numbers (the float32 inputs widened), so a
  consumer can tell rounding noise (float32 vs float64 gap) from real mistakes.

schedules.json
--------------
{
  "versions": {...},
  "cases": [{
    "name": str,
    "args": {                       # Simple Transformers argument names, all always present
      "scheduler": str, "learning_rate": f64, "warmup_ratio": f64, "warmup_steps": int,
      "cosine_schedule_num_cycles": f64, "polynomial_decay_schedule_lr_end": f64,
      "polynomial_decay_schedule_power": f64},
    "total_steps": int,             # t_total
    "warmup_steps": int,            # what Simple Transformers computes from the args
    "base_lrs": [f64, ...],         # initial lr of each optimizer param group
    "lrs": [[f64, ...], ...]        # lrs[group][step]: the group's lr when optimizer.step()
                                    # number `step` (0-based) runs; total_steps + 2 entries,
                                    # the last two show what happens past the end
  }],
  "errors": [{"name": str, "args": {...}, "total_steps": int, "python_error": str}]
}

adamw.json  (torch.optim.AdamW, foreach=False, maximize=False, amsgrad=False)
----------
{
  "versions": {...},
  "cases": [{
    "name": str,
    "groups": [{"params": [name, ...], "lr": f64, "betas": [f64, f64], "eps": f64,
                "weight_decay": f64}],          # every hyper-parameter spelled out per group
    "st_args": {...},                           # the Simple Transformers args that give this
    "initial": {name: tensor},                  # float32 values
    "grads": [{name: tensor}, ...],             # one dict per step (3 steps), float32 values
    "float32": [{name: tensor}, ...],           # params after step 1, 2, 3 (float32 run)
    "float64": [{name: tensor}, ...]            # same in float64
  }]
}

adafactor.json  (transformers.optimization.Adafactor)
--------------
Same layout as adamw.json, except that each group holds Adafactor's options
(`lr` may be null, `eps` [eps1, eps2], `clip_threshold`, `decay_rate`, `beta1` (null = no
first moment), `weight_decay`, `scale_parameter`, `relative_step`, `warmup_init`), and each
run also has per step
    "relative_step_size": [f64 per step]   # min(1e-6*t or 1e-2, 1/sqrt(t)) when relative_step,
                                           # else the group lr (float64 run values)
    "effective_lr": {"float32": [{name: f64}, ...], "float64": [{name: f64}, ...]}
                                           # the lr Adafactor._get_lr returned for each param
                                           # and step (includes the parameter-RMS scale)

clip_grad_norm.json  (torch.nn.utils.clip_grad_norm_(params, max_norm), norm_type 2)
-------------------
{
  "versions": {...},
  "cases": [{
    "name": str, "max_norm": f64,
    "grads": {name: tensor},                    # float32 values, before clipping
    "float32": {"total_norm": f64, "clip_coef": f64, "clipped": {name: tensor}},
    "float64": {...same...}
  }]
}
where total_norm is the returned 2-norm over all grads (before clipping) and
clip_coef = min(max_norm / (total_norm + 1e-6), 1.0), by which every grad is multiplied.
"""

import argparse
import json
import math
import os
import platform
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from transformers.optimization import (  # noqa: E402
    Adafactor,
    get_constant_schedule,
    get_constant_schedule_with_warmup,
    get_cosine_schedule_with_warmup,
    get_cosine_with_hard_restarts_schedule_with_warmup,
    get_linear_schedule_with_warmup,
    get_polynomial_decay_schedule_with_warmup,
)

SEED = 20240611
STEPS = 3

# Defaults of the schedule-related Simple Transformers args.
ST_SCHEDULE_DEFAULTS = {
    "scheduler": "linear_schedule_with_warmup",
    "learning_rate": 4e-5,
    "warmup_ratio": 0.06,
    "warmup_steps": 0,
    "cosine_schedule_num_cycles": 0.5,
    "polynomial_decay_schedule_lr_end": 1e-7,
    "polynomial_decay_schedule_power": 1.0,
}


# ---------------------------------------------------------------------------------------------
# Encoding helpers
# ---------------------------------------------------------------------------------------------


def versions():
    return {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def encode_float(value, dtype):
    """A float as the shortest decimal that round-trips in `dtype`."""
    if dtype == torch.float32:
        return float(str(np.float32(value)))
    return float(value)


def tensor_json(t):
    """{"shape", "data"} with values written for the tensor's own precision."""
    arr = t.detach().cpu().contiguous()
    data = arr.reshape(-1).tolist()
    return {"shape": list(arr.shape), "data": [encode_float(v, arr.dtype) for v in data]}


def named_tensors_json(named):
    return {name: tensor_json(t) for name, t in named.items()}


def write_json(path, obj):
    """Indented JSON, but with every list of scalars (numbers, strings) kept on one line."""
    text = json.dumps(obj, indent=1, ensure_ascii=False)
    text = collapse_number_lists(text)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
        f.write("\n")


def collapse_number_lists(text):
    out = []
    pending = None  # lines of a list that might be all numbers
    for line in text.split("\n"):
        stripped = line.strip()
        if pending is not None:
            if stripped in ("]", "],"):
                items = [p.strip().rstrip(",") for p in pending[1:]]
                out.append(pending[0] + ", ".join(items) + stripped)
                pending = None
                continue
            if is_scalar(stripped.rstrip(",")):
                pending.append(line)
                continue
            out.extend(pending)
            pending = None
        if stripped.endswith("[") and not stripped.endswith("[["):
            pending = [line]
        else:
            out.append(line)
    if pending:
        out.extend(pending)
    return "\n".join(out)


def is_scalar(s):
    """Whether one line of indented JSON inside a list is a whole scalar item."""
    if s in ("true", "false", "null") or (s.startswith('"') and s.endswith('"')):
        return True
    try:
        float(s)
    except ValueError:
        return False
    return s not in ("NaN", "Infinity", "-Infinity")


def seeded(seed_offset):
    g = torch.Generator().manual_seed(SEED + seed_offset)
    return g


def randn(shape, generator, scale=1.0):
    return (torch.randn(shape, generator=generator, dtype=torch.float64) * scale).to(torch.float32)


# ---------------------------------------------------------------------------------------------
# Schedules
# ---------------------------------------------------------------------------------------------


def st_warmup_steps(args, t_total):
    """Simple Transformers: ceil(t_total * warmup_ratio) unless warmup_steps is set."""
    computed = math.ceil(t_total * args["warmup_ratio"])
    return computed if args["warmup_steps"] == 0 else args["warmup_steps"]


def st_scheduler(optimizer, args, t_total, warmup):
    """The scheduler Simple Transformers builds for `args` (same calls, same arguments)."""
    name = args["scheduler"]
    if name == "constant_schedule":
        return get_constant_schedule(optimizer)
    if name == "constant_schedule_with_warmup":
        return get_constant_schedule_with_warmup(optimizer, num_warmup_steps=warmup)
    if name == "linear_schedule_with_warmup":
        return get_linear_schedule_with_warmup(
            optimizer, num_warmup_steps=warmup, num_training_steps=t_total
        )
    if name == "cosine_schedule_with_warmup":
        return get_cosine_schedule_with_warmup(
            optimizer,
            num_warmup_steps=warmup,
            num_training_steps=t_total,
            num_cycles=args["cosine_schedule_num_cycles"],
        )
    if name == "cosine_with_hard_restarts_schedule_with_warmup":
        return get_cosine_with_hard_restarts_schedule_with_warmup(
            optimizer,
            num_warmup_steps=warmup,
            num_training_steps=t_total,
            num_cycles=args["cosine_schedule_num_cycles"],
        )
    if name == "polynomial_decay_schedule_with_warmup":
        return get_polynomial_decay_schedule_with_warmup(
            optimizer,
            num_warmup_steps=warmup,
            num_training_steps=t_total,
            lr_end=args["polynomial_decay_schedule_lr_end"],
            power=args["polynomial_decay_schedule_power"],
        )
    raise ValueError(f"{name} is not a valid scheduler.")


def schedule_optimizer(args, group_lrs):
    """AdamW as Simple Transformers builds it: optimizer lr = learning_rate, groups may override."""
    groups = []
    for lr in group_lrs:
        p = torch.nn.Parameter(torch.zeros(2))
        p.grad = torch.zeros(2)
        groups.append({"params": [p], "lr": lr})
    return torch.optim.AdamW(groups, lr=args["learning_rate"], eps=1e-8, betas=(0.9, 0.999))


def schedule_case(name, t_total, group_lrs=None, **overrides):
    args = dict(ST_SCHEDULE_DEFAULTS, **overrides)
    group_lrs = group_lrs or [args["learning_rate"]]
    warmup = st_warmup_steps(args, t_total)
    optimizer = schedule_optimizer(args, group_lrs)
    scheduler = st_scheduler(optimizer, args, t_total, warmup)
    lrs = [[] for _ in group_lrs]
    for _ in range(t_total + 2):
        for i, group in enumerate(optimizer.param_groups):
            lrs[i].append(float(group["lr"]))
        optimizer.step()
        scheduler.step()
    return {
        "name": name,
        "args": args,
        "total_steps": t_total,
        "warmup_steps": warmup,
        "base_lrs": [float(lr) for lr in group_lrs],
        "lrs": lrs,
    }


def schedule_error_case(name, t_total, **overrides):
    args = dict(ST_SCHEDULE_DEFAULTS, **overrides)
    warmup = st_warmup_steps(args, t_total)
    optimizer = schedule_optimizer(args, [args["learning_rate"]])
    try:
        st_scheduler(optimizer, args, t_total, warmup)
    except ValueError as err:
        return {"name": name, "args": args, "total_steps": t_total, "python_error": str(err)}
    raise AssertionError(f"{name}: expected a ValueError")


def build_schedules():
    two = [5e-5, 1e-4]  # a default group and a custom_parameter_groups group with its own lr
    cases = [
        schedule_case("constant", 10, scheduler="constant_schedule"),
        schedule_case("constant_two_groups", 12, two, scheduler="constant_schedule", learning_rate=5e-5),
        schedule_case("constant_warmup_ratio", 20, scheduler="constant_schedule_with_warmup"),
        schedule_case("constant_warmup_explicit", 20, scheduler="constant_schedule_with_warmup", warmup_steps=5),
        schedule_case("constant_warmup_none", 10, scheduler="constant_schedule_with_warmup", warmup_ratio=0.0),
        schedule_case("linear_default_args", 50),
        schedule_case("linear_ratio_rounds_up", 30, warmup_ratio=0.1),
        schedule_case("linear_no_warmup", 10, warmup_ratio=0.0),
        schedule_case("linear_explicit_warmup", 100, warmup_steps=10, learning_rate=1e-3),
        schedule_case("linear_warmup_longer_than_training", 10, warmup_steps=15),
        schedule_case("linear_two_groups", 40, two, learning_rate=5e-5),
        schedule_case("cosine_half_cycle", 40, scheduler="cosine_schedule_with_warmup"),
        schedule_case(
            "cosine_two_cycles_no_warmup",
            100,
            scheduler="cosine_schedule_with_warmup",
            warmup_ratio=0.0,
            cosine_schedule_num_cycles=2.0,
        ),
        schedule_case(
            "cosine_two_groups",
            33,
            two,
            scheduler="cosine_schedule_with_warmup",
            learning_rate=5e-5,
            warmup_steps=4,
        ),
        schedule_case(
            "hard_restarts_two_cycles",
            60,
            scheduler="cosine_with_hard_restarts_schedule_with_warmup",
            cosine_schedule_num_cycles=2.0,
        ),
        schedule_case(
            "hard_restarts_half_cycle",
            30,
            scheduler="cosine_with_hard_restarts_schedule_with_warmup",
            warmup_steps=4,
        ),
        schedule_case(
            "hard_restarts_three_cycles_no_warmup",
            25,
            scheduler="cosine_with_hard_restarts_schedule_with_warmup",
            warmup_ratio=0.0,
            cosine_schedule_num_cycles=3.0,
        ),
        schedule_case("polynomial_power1", 50, scheduler="polynomial_decay_schedule_with_warmup"),
        schedule_case(
            "polynomial_power2",
            30,
            scheduler="polynomial_decay_schedule_with_warmup",
            warmup_ratio=0.1,
            polynomial_decay_schedule_power=2.0,
            polynomial_decay_schedule_lr_end=1e-6,
        ),
        schedule_case(
            "polynomial_lr_end_zero",
            20,
            scheduler="polynomial_decay_schedule_with_warmup",
            warmup_steps=3,
            polynomial_decay_schedule_lr_end=0.0,
            polynomial_decay_schedule_power=0.5,
        ),
        schedule_case(
            "polynomial_two_groups",
            24,
            two,
            scheduler="polynomial_decay_schedule_with_warmup",
            learning_rate=5e-5,
            polynomial_decay_schedule_power=2.0,
            polynomial_decay_schedule_lr_end=1e-5,
        ),
        schedule_case(
            "polynomial_warmup_longer_than_training",
            10,
            scheduler="polynomial_decay_schedule_with_warmup",
            warmup_steps=12,
        ),
    ]
    errors = [
        schedule_error_case(
            "polynomial_lr_end_equals_lr",
            20,
            scheduler="polynomial_decay_schedule_with_warmup",
            learning_rate=1e-5,
            polynomial_decay_schedule_lr_end=1e-5,
        ),
        schedule_error_case(
            "polynomial_lr_end_above_lr",
            20,
            scheduler="polynomial_decay_schedule_with_warmup",
            learning_rate=1e-5,
            polynomial_decay_schedule_lr_end=1e-4,
        ),
    ]
    return {"versions": versions(), "cases": cases, "errors": errors}


# ---------------------------------------------------------------------------------------------
# Optimisers
# ---------------------------------------------------------------------------------------------


def optimizer_inputs(shapes, seed_offset):
    """Initial params and STEPS gradients per param, as float32, with a few awkward entries."""
    g = seeded(seed_offset)
    initial = {name: randn(shape, g) for name, shape in shapes.items()}
    grads = []
    for step in range(STEPS):
        step_grads = {}
        for i, (name, shape) in enumerate(shapes.items()):
            grad = randn(shape, g, scale=0.1 * (i + 1) * (step + 1))
            flat = grad.view(-1)
            flat[0] = 0.0  # an entry that never gets a gradient
            flat[1] = 1e-9 * (step + 1)  # below eps: shows where eps enters the update
            flat[-1] = 3.0  # a large one
            step_grads[name] = grad
        grads.append(step_grads)
    return initial, grads


def run_optimizer(make_optimizer, initial, grads, dtype, on_step=None):
    """Run STEPS optimizer steps in `dtype`; return the params after each step."""
    params = {n: torch.nn.Parameter(t.to(dtype).clone()) for n, t in initial.items()}
    optimizer = make_optimizer(params)
    history = []
    for step_grads in grads:
        for name, p in params.items():
            p.grad = step_grads[name].to(dtype).clone()
        optimizer.step()
        if on_step is not None:
            on_step(optimizer)
        history.append({n: p.detach().clone() for n, p in params.items()})
    return optimizer, history


def torch_groups(params, groups, keys):
    return [dict({k: g[k] for k in keys if k in g}, params=[params[n] for n in g["params"]]) for g in groups]


ADAMW_KEYS = ("lr", "betas", "eps", "weight_decay")


def adamw_case(name, groups, st_args, seed_offset):
    shapes = {"weight": (4, 6), "bias": (6,)}
    initial, grads = optimizer_inputs(shapes, seed_offset)

    def make(params):
        return torch.optim.AdamW(
            torch_groups(params, groups, ADAMW_KEYS), foreach=False, fused=False, amsgrad=False
        )

    runs = {dt: run_optimizer(make, initial, grads, dt)[1] for dt in (torch.float32, torch.float64)}
    return {
        "name": name,
        "groups": groups,
        "st_args": st_args,
        "initial": named_tensors_json(initial),
        "grads": [named_tensors_json(g) for g in grads],
        "float32": [named_tensors_json(h) for h in runs[torch.float32]],
        "float64": [named_tensors_json(h) for h in runs[torch.float64]],
    }


def adamw_group(params, lr, weight_decay, betas=(0.9, 0.999), eps=1e-8):
    return {"params": params, "lr": lr, "betas": list(betas), "eps": eps, "weight_decay": weight_decay}


def build_adamw():
    both = ["weight", "bias"]
    cases = [
        adamw_case(
            "no_weight_decay",
            [adamw_group(both, 1e-3, 0.0)],
            {"optimizer": "AdamW", "learning_rate": 1e-3, "adam_betas": [0.9, 0.999],
             "adam_epsilon": 1e-8, "weight_decay": 0.0},
            1,
        ),
        adamw_case(
            "weight_decay_0.01",
            [adamw_group(both, 2e-2, 0.01, betas=(0.8, 0.99), eps=1e-6)],
            {"optimizer": "AdamW", "learning_rate": 2e-2, "adam_betas": [0.8, 0.99],
             "adam_epsilon": 1e-6, "weight_decay": 0.01},
            2,
        ),
        adamw_case(
            "decay_and_no_decay_groups",
            [adamw_group(["weight"], 5e-3, 0.01), adamw_group(["bias"], 5e-3, 0.0)],
            {"optimizer": "AdamW", "learning_rate": 5e-3, "adam_betas": [0.9, 0.999],
             "adam_epsilon": 1e-8, "weight_decay": 0.01},
            3,
        ),
    ]
    return {"versions": versions(), "cases": cases}


class RecordingAdafactor(Adafactor):
    """Adafactor that remembers the lr `_get_lr` hands back for every parameter update."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lr_log = []

    def _get_lr(self, param_group, param_state):  # noqa: D401 - shadows the staticmethod
        lr = Adafactor._get_lr(param_group, param_state)
        self.lr_log.append(float(lr))
        return lr


ADAFACTOR_KEYS = (
    "lr", "eps", "clip_threshold", "decay_rate", "beta1", "weight_decay",
    "scale_parameter", "relative_step", "warmup_init",
)


def adafactor_group(params, **options):
    group = {
        "params": params,
        "lr": None,
        "eps": [1e-30, 1e-3],
        "clip_threshold": 1.0,
        "decay_rate": -0.8,
        "beta1": None,
        "weight_decay": 0.0,
        "scale_parameter": True,
        "relative_step": True,
        "warmup_init": False,
    }
    group.update(options)
    return group


def relative_step_size(group, step):
    if not group["relative_step"]:
        return group["lr"]
    min_step = 1e-6 * step if group["warmup_init"] else 1e-2
    return min(min_step, 1.0 / math.sqrt(step))


def adafactor_case(name, groups, st_args, seed_offset):
    shapes = {"matrix": (4, 6), "vector": (6,), "cube": (2, 3, 4)}
    initial, grads = optimizer_inputs(shapes, seed_offset)
    order = [n for g in groups for n in g["params"]]

    def make(params):
        torch_group_list = []
        for g in torch_groups(params, groups, ADAFACTOR_KEYS):
            g["eps"] = tuple(g["eps"])
            torch_group_list.append(g)
        return RecordingAdafactor(torch_group_list)

    record = {}
    runs = {}
    for dt in (torch.float32, torch.float64):
        optimizer, history = run_optimizer(make, initial, grads, dt)
        per_step = [optimizer.lr_log[i : i + len(order)] for i in range(0, len(optimizer.lr_log), len(order))]
        record[dt] = [{n: encode_float(lr, torch.float64) for n, lr in zip(order, lrs)} for lrs in per_step]
        runs[dt] = history
    # All groups share the step count, so one relative step size per step (first group's options).
    sizes = [relative_step_size(groups[0], t) for t in range(1, STEPS + 1)]
    return {
        "name": name,
        "groups": groups,
        "st_args": st_args,
        "initial": named_tensors_json(initial),
        "grads": [named_tensors_json(g) for g in grads],
        "float32": [named_tensors_json(h) for h in runs[torch.float32]],
        "float64": [named_tensors_json(h) for h in runs[torch.float64]],
        "relative_step_size": sizes,
        "effective_lr": {"float32": record[torch.float32], "float64": record[torch.float64]},
    }


def st_adafactor_args(**overrides):
    args = {
        "optimizer": "Adafactor",
        "learning_rate": None,
        "adafactor_eps": [1e-30, 1e-3],
        "adafactor_clip_threshold": 1.0,
        "adafactor_decay_rate": -0.8,
        "adafactor_beta1": None,
        "weight_decay": 0.0,
        "adafactor_scale_parameter": True,
        "adafactor_relative_step": True,
        "adafactor_warmup_init": True,
    }
    args.update(overrides)
    return args


def build_adafactor():
    every = ["matrix", "vector", "cube"]
    t5 = {"lr": 1e-3, "relative_step": False, "scale_parameter": False, "warmup_init": False}
    cases = [
        adafactor_case(
            "simpletransformers_defaults",
            [adafactor_group(every, warmup_init=True)],
            st_adafactor_args(),
            11,
        ),
        adafactor_case(
            "t5_fixed_lr",
            [adafactor_group(every, **t5)],
            st_adafactor_args(
                learning_rate=1e-3,
                adafactor_relative_step=False,
                adafactor_scale_parameter=False,
                adafactor_warmup_init=False,
            ),
            12,
        ),
        adafactor_case(
            "beta1_weight_decay_groups",
            [
                adafactor_group(["matrix", "cube"], beta1=0.9, weight_decay=0.01),
                adafactor_group(["vector"], beta1=0.9, weight_decay=0.0),
            ],
            st_adafactor_args(adafactor_beta1=0.9, weight_decay=0.01, adafactor_warmup_init=False),
            13,
        ),
    ]
    return {"versions": versions(), "cases": cases}


# ---------------------------------------------------------------------------------------------
# Gradient clipping
# ---------------------------------------------------------------------------------------------


def clip_run(grads, max_norm, dtype):
    params = []
    for t in grads.values():
        p = torch.nn.Parameter(torch.zeros(t.shape, dtype=dtype))
        p.grad = t.to(dtype).clone()
        params.append(p)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    return {
        "total_norm": encode_float(float(total), dtype),
        "clip_coef": encode_float(float(coef), dtype),
        "clipped": {n: tensor_json(p.grad) for n, p in zip(grads.keys(), params)},
    }


def clip_case(name, max_norm, scale, seed_offset, zero=False):
    g = seeded(seed_offset)
    shapes = {"weight": (4, 6), "bias": (6,), "embedding": (3, 5)}
    grads = {n: randn(s, g) for n, s in shapes.items()}
    total = math.sqrt(sum(float((t.double() ** 2).sum()) for t in grads.values()))
    grads = {n: (t.double() * (scale / total)).to(torch.float32) for n, t in grads.items()}
    if zero:
        grads = {n: torch.zeros_like(t) for n, t in grads.items()}
    return {
        "name": name,
        "max_norm": max_norm,
        "grads": named_tensors_json(grads),
        "float32": clip_run(grads, max_norm, torch.float32),
        "float64": clip_run(grads, max_norm, torch.float64),
    }


def build_clip():
    cases = [
        clip_case("norm_7_clipped", 1.0, 7.0, 21),
        clip_case("norm_0.3_unchanged", 1.0, 0.3, 22),
        clip_case("norm_just_above_1", 1.0, 1.0 + 1e-4, 23),
        clip_case("norm_1000_clipped", 1.0, 1000.0, 24),
        clip_case("all_zero", 1.0, 1.0, 25, zero=True),
        clip_case("max_norm_0.5", 0.5, 2.0, 26),
    ]
    return {"versions": versions(), "cases": cases}


# ---------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out", default=os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "fixtures", "train"))
    )
    out = parser.parse_args().out
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(out, exist_ok=True)
    for file_name, build in (
        ("schedules.json", build_schedules),
        ("adamw.json", build_adamw),
        ("adafactor.json", build_adafactor),
        ("clip_grad_norm.json", build_clip),
    ):
        path = os.path.join(out, file_name)
        write_json(path, build())
        print(f"wrote {path} ({os.path.getsize(path)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()

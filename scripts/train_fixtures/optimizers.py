"""adamw.json and adafactor.json: torch AdamW and transformers Adafactor steps."""

import math

import torch
from transformers.optimization import Adafactor

from .common import STEPS, encode_float, named_tensors_json, randn, seeded, versions

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

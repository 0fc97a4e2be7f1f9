"""clip_grad_norm.json: torch.nn.utils.clip_grad_norm_."""

import math

import torch

from .common import encode_float, named_tensors_json, randn, seeded, tensor_json, versions

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

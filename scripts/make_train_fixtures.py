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

import os
import sys

# The code is in the package scripts/train_fixtures/ (its __init__.py lists the modules).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from train_fixtures.cli import main  # noqa: E402  (the package sets the offline env vars first)

if __name__ == "__main__":
    main(__doc__)

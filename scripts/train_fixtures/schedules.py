"""schedules.json: the learning-rate schedules Simple Transformers builds."""

import math

import torch
from transformers.optimization import (
    get_constant_schedule,
    get_constant_schedule_with_warmup,
    get_cosine_schedule_with_warmup,
    get_cosine_with_hard_restarts_schedule_with_warmup,
    get_linear_schedule_with_warmup,
    get_polynomial_decay_schedule_with_warmup,
)

from .common import versions

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

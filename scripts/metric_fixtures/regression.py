"""regression.json: Pearson, Spearman and perplexity."""

import math

import numpy as np
import scipy.stats

from .common import num

# --------------------------------------------------------------------------------------
# Regression
# --------------------------------------------------------------------------------------


def regression_cases():
    rng = np.random.default_rng(20240603)
    cases = []

    def add(name, x, y):
        x = [float(v) for v in x]
        y = [float(v) for v in y]
        cases.append(
            {
                "kind": "correlation",
                "name": name,
                "x": x,
                "y": y,
                "pearson": num(scipy.stats.pearsonr(x, y).statistic),
                "spearman": num(scipy.stats.spearmanr(x, y).statistic),
            }
        )

    for n, rho in [(2, 0.5), (3, 0.9), (10, -0.4), (50, 0.7), (200, 0.1)]:
        x = rng.normal(0, 1, n)
        y = rho * x + math.sqrt(1 - rho**2) * rng.normal(0, 1, n)
        add(f"normal_{n}_rho_{rho}", np.round(x, 6), np.round(y, 6))
    x = rng.integers(0, 5, 60)
    add("integer_ties", x, x + rng.integers(-2, 3, 60))
    add("heavy_ties", rng.integers(0, 2, 40), rng.integers(0, 3, 40))
    add("perfect_positive", [1, 2, 3, 4], [10, 20, 30, 40])
    add("perfect_negative", [1, 2, 3, 4], [4, 3, 2, 1])
    add("monotone_nonlinear", [1, 2, 3, 4, 5], [1, 4, 9, 16, 1000])
    add("constant_x", [3, 3, 3, 3], [1, 2, 3, 4])
    add("constant_y", [1, 2, 3, 4], [7, 7, 7, 7])
    add("large_offset", np.round(1e6 + rng.normal(0, 1, 30), 6), np.round(rng.normal(0, 1, 30), 6))
    for loss in [0.0, 0.5, 2.302585092994046, 7.25]:
        cases.append({"kind": "perplexity", "eval_loss": loss, "perplexity": math.exp(loss)})
    return cases

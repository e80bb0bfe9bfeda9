"""Training and batch-scoring speed: credo's scorecard against optbinning, same data, one run.

    python bench/training.py                       # the issue's sizes: 1,000,000 rows x 50
    python bench/training.py --rows 100000 --features 20 --no-optbinning

Fit = binning + selection + logistic fit + scaling for both (one run each). Scoring = score, pd,
band and the reason codes for credo, optbinning's Scorecard.score (score only); the best of
--repeat runs. Prints a table with the ratios and writes the figures to
bench/out/training.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parent / "out" / "training.json"


def synthetic(rows: int, features: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Credit-like columns: skewed amounts, counts, ratios, some missing; a logistic target."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(rows, features)).astype(np.float64)
    weights = rng.normal(scale=0.35, size=features) * (rng.random(features) < 0.6)
    logit = -2.2 + latent @ weights
    y = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    columns = {}
    for j in range(features):
        x = latent[:, j]
        kind = j % 4
        if kind == 0:
            values = np.exp(1.0 + 0.8 * x) * 1000.0  # an amount
        elif kind == 1:
            values = np.floor(np.clip(x * 1.5 + 2.0, 0, None))  # a count
        elif kind == 2:
            values = 1 / (1 + np.exp(-x))  # a ratio
        else:
            values = x.copy()
        if j % 5 == 0:
            values[rng.random(rows) < 0.03] = np.nan
        columns[f"f{j:02d}"] = values
    return pd.DataFrame(columns), y


def time_it(function, repeat: int = 1):
    """The result and the best wall time of ``repeat`` runs (less noise on a shared machine)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return result, best


def bench_credo(X: pd.DataFrame, y: np.ndarray, score_rows: pd.DataFrame, repeat: int) -> dict:
    from credo.model.scorecard import Scorecard

    card, fit_s = time_it(lambda: Scorecard().fit(X, y))
    table, score_s = time_it(lambda: card.score_table(score_rows), repeat)
    assert table.shape[0] == len(score_rows)
    return {
        "fit_s": fit_s,
        "score_s": score_s,
        "score_rows_per_s": len(score_rows) / score_s,
        "features_kept": len(card.features_),
    }


def bench_optbinning(X: pd.DataFrame, y: np.ndarray, score_rows: pd.DataFrame, repeat: int) -> dict:
    from optbinning import BinningProcess
    from optbinning import Scorecard as OptScorecard
    from sklearn.linear_model import LogisticRegression

    def fit():
        process = BinningProcess(variable_names=list(X.columns))
        card = OptScorecard(
            binning_process=process,
            estimator=LogisticRegression(),
            scaling_method="pdo_odds",
            scaling_method_params={"pdo": 40, "odds": 20, "scorecard_points": 660},
        )
        return card.fit(X, y)

    card, fit_s = time_it(fit)
    scores, score_s = time_it(lambda: card.score(score_rows), repeat)
    assert len(scores) == len(score_rows)
    return {"fit_s": fit_s, "score_s": score_s, "score_rows_per_s": len(score_rows) / score_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="training rows")
    parser.add_argument("--features", type=int, default=50, help="feature columns")
    parser.add_argument("--score-rows", type=int, default=None, help="rows to score (= rows)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="scoring runs; the best counts")
    parser.add_argument("--no-optbinning", action="store_true", help="credo only")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the JSON")
    args = parser.parse_args()

    X, y = synthetic(args.rows, args.features, args.seed)
    score_rows = X if args.score_rows is None else synthetic(args.score_rows, args.features, 1)[0]
    results = {"credo": bench_credo(X, y, score_rows, args.repeat)}
    if not args.no_optbinning:
        results["optbinning"] = bench_optbinning(X, y, score_rows, args.repeat)

    figures = {
        "rows": args.rows,
        "features": args.features,
        "score_rows": len(score_rows),
        "bad_rate": float(y.mean()),
        "repeat": args.repeat,
        "cpus": os.cpu_count(),
        "machine": platform.platform(),
        "results": results,
    }
    print(f"{args.rows:,} rows x {args.features} features, scoring {len(score_rows):,} rows")
    print(f"{'system':<12}{'fit s':>10}{'score rows/s':>16}")
    for name, r in results.items():
        print(f"{name:<12}{r['fit_s']:>10.2f}{r['score_rows_per_s']:>16,.0f}")
    if "optbinning" in results:
        fit_ratio = results["optbinning"]["fit_s"] / results["credo"]["fit_s"]
        score_ratio = (
            results["credo"]["score_rows_per_s"] / results["optbinning"]["score_rows_per_s"]
        )
        figures["ratios"] = {"fit_speedup": fit_ratio, "score_speedup": score_ratio}
        print(f"credo fit is {fit_ratio:.1f}x faster (goal >= 5x)")
        print(f"credo scoring with reasons is {score_ratio:.1f}x faster (goal >= 10x)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"figures written to {args.out}")


if __name__ == "__main__":
    main()

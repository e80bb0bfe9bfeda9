"""Peaks and valleys in the scorecard's bins: `auto` (monotone only) against `auto_bend` (a
turn allowed on strong features, the default) and against a bend allowed on any feature.

Held-out AUC of the scorecard, the same folds for every setting, on German credit (5 x 5-fold),
Taiwan's raw columns (5-fold), three generated tables of 1,000 rows with five real columns
(one U-shaped) among 50 noise columns, and bench/out/tables/smallwide.csv when
bench/generated_tables.py has made it. The last setting is the bend rule without its strength
test: what `auto_bend` did before it had one.

    python bench/bends.py
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quality  # noqa: E402
import scorecard_cv  # noqa: E402

from credo.model import binning  # noqa: E402


def noise_table(seed: int, rows: int = 1_000) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"x{i}": rng.normal(size=rows) for i in range(5)})
    logit = -1.0 + 0.8 * frame.x0 - 0.6 * frame.x1 + 0.5 * frame.x2**2 - 0.4 * frame.x3
    logit += 0.3 * frame.x4
    y = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    for j in range(50):
        column = rng.integers(0, 10, rows).astype(float) if j % 5 == 0 else rng.normal(size=rows)
        frame[f"noise{j}"] = column
    return frame, y


def datasets() -> list[tuple[str, pd.DataFrame, np.ndarray, list]]:
    gx, gy = quality.german_table()
    taiwan = pd.read_csv(quality.REPO / "data" / "taiwan_credit_card.csv")
    ty = taiwan["bad"].to_numpy().astype(int)
    out = [
        ("german", gx, gy, quality.stratified_folds(gy, 5, 5, 0)),
        ("taiwan raw 23", taiwan[quality.TAIWAN_RAW], ty, quality.stratified_folds(ty, 5, 1, 0)),
    ]
    for seed in (1, 2, 3):
        x, y = noise_table(seed)
        out.append((f"1,000 rows, 5 real + 50 noise (seed {seed})", x, y, _folds(y)))
    smallwide = quality.REPO / "bench" / "out" / "tables" / "smallwide.csv"
    if smallwide.exists():
        frame = pd.read_csv(smallwide)
        y = frame.pop("bad").to_numpy().astype(int)
        out.append(("smallwide (1,500 rows, 8 real + 32 noise)", frame, y, _folds(y)))
    return out


def _folds(y: np.ndarray) -> list:
    return quality.stratified_folds(y, 5, 1, 0)


def cv(x: pd.DataFrame, y: np.ndarray, folds: list, monotonic: str) -> float:
    return scorecard_cv.cv(x, y, folds, {"monotonic": monotonic})["auc"]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.parse_args()
    started = time.perf_counter()
    print(f"{'data':46} {'auto':>8} {'auto_bend':>10} {'any bend':>9}")
    for name, x, y, folds in datasets():
        plain = cv(x, y, folds, "auto")
        bend = cv(x, y, folds, "auto_bend")
        strength = binning.BEND_MIN_IV, binning.BEND_NOISE_MULTIPLE
        binning.BEND_MIN_IV, binning.BEND_NOISE_MULTIPLE = 0.0, 0.0
        try:
            loose = cv(x, y, folds, "auto_bend")
        finally:
            binning.BEND_MIN_IV, binning.BEND_NOISE_MULTIPLE = strength
        print(f"{name:46} {plain:8.4f} {bend:10.4f} {loose:9.4f}", flush=True)
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

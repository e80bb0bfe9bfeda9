"""How much IV the binning finds in columns of pure noise, against the fixed-bin average
`noise_iv` = (k - 1)(1/goods + 1/bads) the scorecard's size-aware IV bar is a multiple of.

Part 1, for each sample size and bad rate: 60 numeric, 60 integer (0-7) and 60 50-level
categorical noise columns, binned as the scorecard bins them; prints the ratio IV /
noise_iv(filled bins) at the median, the 90th and 99th percentiles and the maximum.

Part 2 (`--levels`), categorical noise of 10, 50 and 250 equally common levels and of 5,000
levels of Zipf-like sizes, at 16,000 to 1M rows: the ratio against the noise of the filled
bins and against that of the levels the grouping ordered by their own rates (`ordered_levels`),
which the scorecard's bar for categoricals also stands above (3 times).

    python bench/noise_iv.py [--levels]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from credo.model.binning import BinningProcess
from credo.model.scorecard import noise_iv

COLUMNS = 60


def noise_columns(rng: np.random.Generator, rows: int) -> pd.DataFrame:
    levels = [f"L{j}" for j in range(50)]
    shares = np.r_[np.full(10, 0.06), np.full(40, 0.01)]
    columns = {f"numeric{i}": rng.normal(size=rows) for i in range(COLUMNS)}
    columns |= {f"integer{i}": rng.integers(0, 8, rows).astype(float) for i in range(COLUMNS)}
    columns |= {f"category{i}": rng.choice(levels, size=rows, p=shares) for i in range(COLUMNS)}
    return pd.DataFrame(columns)


def by_filled_bins() -> None:
    rng = np.random.default_rng(1)
    print(f"{'rows':>7} {'bad':>5} {'kind':9} {'median':>7} {'p90':>6} {'p99':>6} {'max':>6}")
    for rows, rate in ((4_000, 0.22), (16_000, 0.22), (50_000, 0.05)):
        y = (rng.random(rows) < rate).astype(int)
        goods, bads = int((y == 0).sum()), int(y.sum())
        fitted = BinningProcess(max_bins=6, min_bin_share=0.03).fit(noise_columns(rng, rows), y)
        for kind in ("numeric", "integer", "category"):
            ratios = []
            for i in range(COLUMNS):
                bins = fitted.bins_[f"{kind}{i}"]
                filled = int((np.asarray(bins.count) > 0).sum())
                ratios.append(bins.iv / noise_iv(filled, goods, bads) if filled > 1 else 0.0)
            q = np.quantile(ratios, [0.5, 0.9, 0.99])
            print(
                f"{rows:7,} {rate:5.0%} {kind:9} {q[0]:7.2f} {q[1]:6.2f} {q[2]:6.2f}"
                f" {max(ratios):6.2f}"
            )


def level_codes(rng: np.random.Generator, rows: int, kind: str) -> np.ndarray:
    if kind == "zipf5000":
        return rng.zipf(1.3, rows) % 5000
    return rng.integers(0, int(kind.removeprefix("equal")), rows)


def by_ordered_levels() -> None:
    rng = np.random.default_rng(11)
    names = np.array([f"L{j}" for j in range(5000)], dtype=object)
    print(
        f"{'rows':>9} {'kind':9} {'ordered':>7} {'filled':>6}"
        "   IV / noise of the levels ordered (median p90 max)   IV / noise of the bins (same)"
    )
    for rows, rate, columns in ((16_000, 0.2, 20), (100_000, 0.1, 20), (1_000_000, 0.1, 6)):
        y = (rng.random(rows) < rate).astype(int)
        goods, bads = int((y == 0).sum()), int(y.sum())
        for kind in ("equal10", "equal50", "equal250", "zipf5000"):
            frame = pd.DataFrame(
                {f"c{i}": names[level_codes(rng, rows, kind)] for i in range(columns)}
            )
            fitted = BinningProcess(max_bins=6, min_bin_share=0.03).fit(frame, y)
            by_levels, by_bins, ordered, filled_bins = [], [], [], []
            for name in frame.columns:
                bins = fitted.bins_[name]
                filled = int((np.asarray(bins.count) > 0).sum())
                by_levels.append(bins.iv / noise_iv(max(filled, bins.ordered_levels), goods, bads))
                by_bins.append(bins.iv / noise_iv(filled, goods, bads) if filled > 1 else 0.0)
                ordered.append(bins.ordered_levels)
                filled_bins.append(filled)
            q1, q2 = (np.quantile(r, [0.5, 0.9, 1.0]) for r in (by_levels, by_bins))
            print(
                f"{rows:9,} {kind:9} {int(np.median(ordered)):7} {int(np.median(filled_bins)):6}"
                f"   {q1[0]:6.2f} {q1[1]:6.2f} {q1[2]:6.2f}"
                f"                                 {q2[0]:6.2f} {q2[1]:6.2f} {q2[2]:6.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--levels", action="store_true", help="part 2: categorical levels")
    if parser.parse_args().levels:
        by_ordered_levels()
    else:
        by_filled_bins()


if __name__ == "__main__":
    main()

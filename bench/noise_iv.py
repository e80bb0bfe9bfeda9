"""How much IV the binning finds in columns of pure noise, against the fixed-bin average
`noise_iv` = (k - 1)(1/goods + 1/bads) the scorecard's size-aware IV bar is a multiple of.

For each sample size and bad rate: 60 numeric, 60 integer (0-7) and 60 50-level categorical
noise columns, binned as the scorecard bins them; prints the ratio IV / noise_iv(filled bins)
at the median, the 90th and 99th percentiles and the maximum.

    python bench/noise_iv.py
"""

from __future__ import annotations

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


def main() -> None:
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


if __name__ == "__main__":
    main()

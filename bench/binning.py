"""Binning benchmark: credo BinningProcess against optbinning's, speed and quality, one run.

    .venv/bin/python bench/binning.py [--rows 1000000] [--features 50] [--n-jobs 1]
                                      [--skip-optbinning] [--skip-real]

Speed: the same synthetic table (rows x features: continuous, heavy-tailed amounts with a mass
at zero, small integer counts, some missing values; a logistic target) is binned by both with
max 6 bins and min bin share 5%; fit seconds and transform (WoE) rows/s (each side's best of 3
warm calls, its first call apart), with ratios.
Quality: per-feature IV on data/german_credit.csv and data/taiwan_credit_card.csv at the same
settings (optbinning with monotonic_trend="auto_asc_desc", the same rule as credo's "auto").
Both sides' IV is recomputed from their bin counts with the same unsmoothed formula
sum (g_i/G - b_i/B) ln((g_i/G) / (b_i/B)) over bins with goods and bads, so the figures compare.
Prints tables and writes bench/out/binning.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from credo.model.binning import BinningProcess

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
MAX_BINS, MIN_SHARE = 6, 0.05


def synthetic_table(rows: int, features: int, seed: int = 7) -> tuple[pd.DataFrame, np.ndarray]:
    """A credit-like table: four kinds of columns in turn, a logistic target on all of them."""
    rng = np.random.default_rng(seed)
    columns: dict[str, np.ndarray] = {}
    logit = np.full(rows, -1.6)
    for i in range(features):
        kind = i % 4
        if kind == 0:  # a score-like continuous value
            x = rng.normal(size=rows)
            signal = x
        elif kind == 1:  # an amount: zero for 30%, lognormal otherwise
            x = np.where(rng.random(rows) < 0.3, 0.0, rng.lognormal(7, 1.2, rows))
            signal = (np.log1p(x) - 5) / 3
        elif kind == 2:  # a small count (e.g. late payments)
            x = rng.poisson(1.2, rows).astype(np.float64)
            signal = x - 1.2
        else:  # a ratio with 8% missing
            x = rng.beta(2, 3, rows)
            signal = (x - 0.4) * 4
            x[rng.random(rows) < 0.08] = np.nan
        columns[f"f{i:02d}"] = x
        logit += signal * rng.uniform(-0.3, 0.3)
    y = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    return pd.DataFrame(columns), y


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def optbinning_process(names: list[str], categorical: list[str]):
    from optbinning import BinningProcess as OptBinningProcess

    return OptBinningProcess(
        names,
        categorical_variables=categorical,
        max_n_bins=MAX_BINS,
        min_bin_size=MIN_SHARE,
        binning_fit_params={n: {"monotonic_trend": "auto_asc_desc"} for n in names},
    )


def speed(rows: int, features: int, n_jobs: int, with_peer: bool) -> dict:
    frame, y = synthetic_table(rows, features)
    process = BinningProcess(max_bins=MAX_BINS, min_bin_share=MIN_SHARE, n_jobs=n_jobs)
    ours, fit_s = timed(process.fit, frame, y)
    # the first transform also pays the OS for the fresh output pages; later ones do not
    _, cold_s = timed(ours.transform, frame)
    warm_s = min(timed(ours.transform, frame)[1] for _ in range(3))
    result = {
        "rows": rows,
        "features": features,
        "credo": {
            "fit_s": fit_s,
            "transform_s": warm_s,
            "transform_rows_s": rows / warm_s,
            "first_transform_s": cold_s,
        },
    }
    if with_peer:
        peer, peer_fit_s = timed(optbinning_process(list(frame.columns), []).fit, frame, y)
        # timed as credo's is: the first call apart, then the best of 3 warm calls
        _, peer_cold_s = timed(peer.transform, frame, metric="woe")
        peer_warm_s = min(timed(peer.transform, frame, metric="woe")[1] for _ in range(3))
        result["optbinning"] = {
            "fit_s": peer_fit_s,
            "transform_s": peer_warm_s,
            "transform_rows_s": rows / peer_warm_s,
            "first_transform_s": peer_cold_s,
        }
        result["fit_speedup"] = peer_fit_s / fit_s
        result["transform_speedup"] = peer_warm_s / warm_s
        result["first_transform_speedup"] = peer_cold_s / cold_s
    return result


def raw_iv(good: np.ndarray, bad: np.ndarray) -> float:
    good, bad = np.asarray(good, dtype=np.float64), np.asarray(bad, dtype=np.float64)
    share_good, share_bad = good / good.sum(), bad / bad.sum()
    both = (good > 0) & (bad > 0)
    return float(
        np.sum((share_good[both] - share_bad[both]) * np.log(share_good[both] / share_bad[both]))
    )


def quality(path: Path) -> dict:
    frame = pd.read_csv(path)
    y = frame.pop("bad").to_numpy()
    frame = frame.drop(columns=[c for c in ("id",) if c in frame])
    categorical = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    ours = BinningProcess(max_bins=MAX_BINS, min_bin_share=MIN_SHARE).fit(frame, y)
    peer = optbinning_process(list(frame.columns), categorical).fit(frame, y)
    rows = []
    for name in frame.columns:
        bins = ours.bins_[name]
        count, bad = np.asarray(bins.count), np.asarray(bins.bad)
        table = peer.get_binned_variable(name).binning_table.build()
        table = table.drop(index="Totals")
        rows.append(
            {
                "feature": name,
                "credo_iv": raw_iv(count - bad, bad),
                "optbinning_iv": raw_iv(table["Non-event"], table["Event"]),
                "credo_bins": bins.n_regular,
                "optbinning_bins": int((table["Count"] > 0).sum()),
            }
        )
    wins = sum(r["credo_iv"] >= r["optbinning_iv"] - 1e-9 for r in rows)
    return {"data": path.name, "features": rows, "credo_at_or_above": wins, "total": len(rows)}


def print_speed(result: dict) -> None:
    print(
        f"\nSpeed: {result['rows']:,} rows x {result['features']} features, "
        f"max {MAX_BINS} bins, min share {MIN_SHARE:.0%}"
    )
    print(f"{'system':<12}{'fit s':>10}{'transform s':>14}{'transform rows/s':>20}")
    for system in ("credo", "optbinning"):
        if system in result:
            r = result[system]
            print(
                f"{system:<12}{r['fit_s']:>10.2f}{r['transform_s']:>14.2f}"
                f"{r['transform_rows_s']:>20,.0f}"
            )
    firsts = "; ".join(
        f"{system} {result[system]['first_transform_s']:.2f} s"
        for system in ("credo", "optbinning")
        if system in result
    )
    print(f"(transform: best of 3 warm calls; the first call took {firsts})")
    if "fit_speedup" in result:
        print(
            f"ratio (optbinning / credo): fit {result['fit_speedup']:.1f}x, "
            f"transform {result['transform_speedup']:.1f}x "
            f"(first call {result['first_transform_speedup']:.1f}x)"
        )


def print_quality(result: dict) -> None:
    print(f"\nIV per feature, {result['data']} (unsmoothed IV from each side's bin counts)")
    print(f"{'feature':<42}{'credo':>8}{'optb':>8}{'diff':>9}{'bins':>7}")
    for r in result["features"]:
        diff = r["credo_iv"] - r["optbinning_iv"]
        print(
            f"{r['feature'][:41]:<42}{r['credo_iv']:>8.4f}{r['optbinning_iv']:>8.4f}"
            f"{diff:>+9.4f}{r['credo_bins']:>4}/{r['optbinning_bins']}"
        )
    print(f"credo at or above optbinning on {result['credo_at_or_above']} of {result['total']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--n-jobs", type=int, default=1, help="credo threads")
    parser.add_argument("--skip-optbinning", action="store_true", help="time credo only")
    parser.add_argument("--skip-real", action="store_true", help="no IV comparison on real data")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    with_peer = not args.skip_optbinning
    if with_peer:
        import optbinning

        peer_version = optbinning.__version__
    report = {
        "machine": {"python": platform.python_version(), "cpu_count": _cpus()},
        "optbinning_version": peer_version if with_peer else None,
        "speed": speed(args.rows, args.features, args.n_jobs, with_peer),
    }
    print_speed(report["speed"])
    if with_peer and not args.skip_real:
        report["quality"] = [
            quality(ROOT / "data" / "german_credit.csv"),
            quality(ROOT / "data" / "taiwan_credit_card.csv"),
        ]
        for result in report["quality"]:
            print_quality(result)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "binning.json").write_text(json.dumps(report, indent=2))
    print(f"\nwrote {(OUT / 'binning.json').relative_to(ROOT)}")


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


if __name__ == "__main__":
    main()

"""The Taiwan events-path goals on other folds than the quality bench's own.

`bench/quality.py` reads its goals on one set of folds (seed 0), the folds on which credo's
defaults were chosen. This runs the events-path scorecard, its 4-segment card, the challenger
and LightGBM on the raw 23 columns on the folds of each seed given, and prints each system's
mean held-out AUC per seed and over the seeds, with the goals' margins.

    python bench/fold_seeds.py 1 2        # fresh folds
    python bench/fold_seeds.py 0 1 2      # with the bench's own

The Taiwan feature table is bench/scorecard_cv.py's cache (built on the first run).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import quality  # noqa: E402
import scorecard_cv  # noqa: E402


def taiwan_tables() -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame, list]:
    """The raw Taiwan table, its outcomes, the events-path features in the raw table's row
    order (bench/scorecard_cv.py's cache) and their metadata."""
    csv = quality.REPO / "data" / "taiwan_credit_card.csv"
    raw = pd.read_csv(csv)
    y = raw["bad"].to_numpy().astype(int)
    features, meta = scorecard_cv.taiwan_events(csv, refresh=False)
    features = features.set_index("user_id").loc["tw-" + raw["id"].astype(str)]
    return raw, y, features[[m.name for m in meta]].reset_index(drop=True), list(meta)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", nargs="+", type=int, help="fold seeds (0: the bench's own)")
    parser.add_argument("--threads", type=int, default=2, help="LightGBM threads (both)")
    args = parser.parse_args()
    raw, y, events, meta = taiwan_tables()
    systems = {
        "scorecard (events)": (lambda seed: quality.credo_scorecard(meta), events),
        "scorecard, 4 segments (events)": (lambda seed: quality.credo_segmented(4, meta), events),
        "challenger (events)": (lambda seed: quality.credo_challenger(args.threads, meta), events),
        "lightgbm (raw 23)": (
            lambda seed: quality.lightgbm_raw(seed, args.threads),
            raw[quality.TAIWAN_RAW],
        ),
    }
    means: dict[str, list[float]] = {name: [] for name in systems}
    for seed in args.seeds:
        folds = quality.stratified_folds(y, 5, 1, seed)
        for name, (fitter, X) in systems.items():
            rows = quality.run_credo("taiwan", name, fitter(seed), X, y, folds)
            means[name].append(float(np.mean([row["auc"] for row in rows])))
    print("seed  " + "  ".join(f"{name:>30}" for name in systems))
    for i, seed in enumerate(args.seeds):
        print(f"{seed:>4}  " + "  ".join(f"{means[name][i]:>30.5f}" for name in systems))
    overall = {name: float(np.mean(values)) for name, values in means.items()}
    print("mean  " + "  ".join(f"{overall[name]:>30.5f}" for name in systems))
    lightgbm = np.array(means["lightgbm (raw 23)"])
    for name, margin in (("scorecard, 4 segments (events)", 0.0), ("challenger (events)", 0.005)):
        gaps = np.array(means[name]) - lightgbm - margin
        print(f"{name} against LightGBM raw + {margin}: " + ", ".join(f"{g:+.4f}" for g in gaps))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""German credit beside pure-noise columns: how many the scorecard keeps, and what they cost.

Five-fold cross-validated AUC (over --seeds shuffles) of the scorecard on German credit alone
and beside --noise columns of standard normal noise, for each crowd ratio given
(scorecard.CANDIDATES_OVER_CAP: from how many times the cap's count of candidates each must
beat the strongest shuffled noise). --bads keeps that many of German's 300 bad rows (a book
of few bads, where the bar reaches real features), to show what the bar costs there.

    python bench/noise_columns.py --noise 40 --ratios 4 1.5
    python bench/noise_columns.py --noise 0 --bads 100 --ratios 4 1.5
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from credo.model import scorecard

DATA = Path(__file__).resolve().parent.parent / "data" / "german_credit.csv"
PROTECTED = ["personal_status_and_sex", "age_in_years", "foreign_worker"]


def german(bads: int | None, seed: int = 11) -> tuple[pd.DataFrame, np.ndarray]:
    frame = pd.read_csv(DATA).drop(columns=PROTECTED)
    if bads is not None:
        rng = np.random.default_rng(seed)
        bad_rows = rng.choice(np.flatnonzero(frame["bad"] == 1), bads, replace=False)
        frame = frame.iloc[np.sort(np.r_[np.flatnonzero(frame["bad"] == 0), bad_rows])]
    frame = frame.reset_index(drop=True)
    return frame.drop(columns="bad"), frame["bad"].to_numpy()


def cross_validated(X: pd.DataFrame, y: np.ndarray, seeds: int, noise: list[str]) -> tuple:
    aucs, kept = [], []
    for seed in range(seeds):
        folds = StratifiedKFold(5, shuffle=True, random_state=seed).split(X, y)
        for train, test in folds:
            card = scorecard.Scorecard().fit(X.iloc[train].reset_index(drop=True), y[train])
            risk = card.predict_proba(X.iloc[test].reset_index(drop=True))[:, 1]
            aucs.append(roc_auc_score(y[test], risk))
            kept.append(sum(name in noise for name in card.features_))
    return float(np.mean(aucs)), float(np.mean(kept))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--noise", type=int, default=40, help="pure-noise columns added")
    parser.add_argument("--bads", type=int, help="keep this many bad rows (default: all 300)")
    parser.add_argument("--seeds", type=int, default=2, help="five-fold shuffles")
    parser.add_argument("--ratios", type=float, nargs="+", default=[scorecard.CANDIDATES_OVER_CAP])
    args = parser.parse_args()
    X, y = german(args.bads)
    rng = np.random.default_rng(3)
    names = [f"noise{i}" for i in range(args.noise)]
    noisy = pd.concat(
        [X, pd.DataFrame(rng.normal(size=(len(X), args.noise)), columns=names)], axis=1
    )
    print(f"German credit, {len(X):,} rows, {int(y.sum())} bad; {args.noise} noise columns")
    print("| ratio | alone: AUC | with noise: AUC | noise columns kept | seconds |")
    print("|---:|---:|---:|---:|---:|")
    for ratio in args.ratios:
        scorecard.CANDIDATES_OVER_CAP = ratio
        started = time.perf_counter()
        alone, _ = cross_validated(X, y, args.seeds, [])
        with_noise, kept = cross_validated(noisy, y, args.seeds, names) if names else (alone, 0)
        seconds = time.perf_counter() - started
        print(f"| {ratio:g} | {alone:.4f} | {with_noise:.4f} | {kept:.1f} | {seconds:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Ways tried to close the Taiwan events-path goals, each on the folds of the seeds given.

`bench/fold_seeds.py` finds the 4-segment card and the challenger short of LightGBM on the
raw 23 columns (+ 0.005 for the challenger) on folds the defaults were not chosen on. This
measures what might close the gaps, every variant on the same folds and the cached Taiwan
feature table (bench/scorecard_cv.py's), mean held-out AUC per seed:

* blends of log-odds: the segmented card with the challenger (weight w on the card), and the
  segmented card with the plain card (w on the plain card); each stays additive per person
  in its parts' contributions, so reasons could still be given;
* the challenger bagged: the mean log-odds of 1-5 challengers of seeds 0-4;
* the challenger given raw columns the events path never sees (the demographic ones), to
  measure what they are worth to LightGBM on the raw columns.

    python bench/goal_trials.py 1 2
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fold_seeds  # noqa: E402
import quality  # noqa: E402

BAGS = 5
WEIGHTS = (0.2, 0.35, 0.5)
RAW_GROUPS = {
    "education": ["education"],
    "age": ["age"],
    "sex, marriage": ["sex", "marriage"],
    "all four": ["education", "age", "sex", "marriage"],
}


def logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1 - p))


def trials(
    X: pd.DataFrame,
    y: np.ndarray,
    raw: pd.DataFrame,
    meta: list,
    train: np.ndarray,
    test: np.ndarray,
    threads: int,
) -> dict[str, float]:
    """Every variant's held-out AUC on one fold."""
    from credo.evaluate.metrics import auc
    from credo.model.challenger import Challenger
    from credo.model.scorecard import Scorecard
    from credo.model.segments import SegmentedScorecard

    fit_X, held_X = X.iloc[train].reset_index(drop=True), X.iloc[test]
    y_fit, y_held = y[train], y[test]
    segmented = logit(
        SegmentedScorecard(max_segments=4).fit(fit_X, y_fit, meta=meta).predict_proba(held_X)[:, 1]
    )
    plain = logit(Scorecard().fit(fit_X, y_fit, meta=meta).predict_proba(held_X)[:, 1])
    bagged = [
        logit(
            Challenger(n_jobs=threads, random_state=seed)
            .fit(fit_X, y_fit, meta=meta)
            .predict_proba(held_X)[:, 1]
        )
        for seed in range(BAGS)
    ]
    out = {"4 segments": auc(y_held, segmented), "challenger": auc(y_held, bagged[0])}
    for w in WEIGHTS:
        out[f"segments + challenger, w {w}"] = auc(y_held, w * segmented + (1 - w) * bagged[0])
        out[f"segments + plain card, w {w}"] = auc(y_held, (1 - w) * segmented + w * plain)
    for n in range(2, BAGS + 1):
        out[f"challenger bagged x{n}"] = auc(y_held, np.mean(bagged[:n], axis=0))
    for name, columns in RAW_GROUPS.items():
        extra = raw[columns].reset_index(drop=True)
        wider = pd.concat([X, extra], axis=1)
        hints = meta + [{"name": c, "direction": "none"} for c in columns]
        risk = (
            Challenger(n_jobs=threads)
            .fit(wider.iloc[train].reset_index(drop=True), y_fit, meta=hints)
            .predict_proba(wider.iloc[test])[:, 1]
        )
        out[f"challenger + {name}"] = auc(y_held, risk)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", nargs="+", type=int, help="fold seeds (0: the bench's own)")
    parser.add_argument("--threads", type=int, default=2, help="LightGBM threads")
    args = parser.parse_args()
    raw, y, X, meta = fold_seeds.taiwan_tables()
    means: dict[str, list[float]] = {}
    for seed in args.seeds:
        folds = quality.stratified_folds(y, 5, 1, seed)
        per_fold = []
        for k, (train, test) in enumerate(folds):
            per_fold.append(trials(X, y, raw, meta, train, test, args.threads))
            print(f"  seed {seed} fold {k + 1}/{len(folds)}", file=sys.stderr)
        for name in per_fold[0]:
            means.setdefault(name, []).append(float(np.mean([f[name] for f in per_fold])))
    print(f"{'':<34}" + "".join(f"{f'seed {s}':>10}" for s in args.seeds))
    for name, values in means.items():
        print(f"{name:<34}" + "".join(f"{v:>10.5f}" for v in values))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

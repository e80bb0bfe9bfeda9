"""Quick CV of scorecard settings, on the quality bench's folds unless --seed says otherwise.

Uses bench/quality.py's folds and events path; caches the Taiwan feature table under
bench/out/ so repeated runs skip the events path.

    python bench/scorecard_cv.py                       # defaults on Taiwan events, raw, German
    python bench/scorecard_cv.py --set max_corr=0.9 --set stepwise=true
    python bench/scorecard_cv.py --segmented --only taiwan-events --set seg_max_segments=6
    python bench/scorecard_cv.py --segmented --table bench/out/tables/gmsc.csv \
        --target SeriousDlqin2yrs --set seg_align=false      # any labelled table, 5-fold
    python bench/scorecard_cv.py --seed 1 --set ...         # other folds than the bench's

The default folds (--seed 0) are bench/quality.py's, whose held-out AUCs the goals are read
on: a setting chosen on them is tuned on those test folds. Choose on other seeds, then confirm
on 0 (and `bench/quality.py --seed N` on fresh ones).
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quality  # noqa: E402

from credo.evaluate.metrics import auc, brier  # noqa: E402
from credo.model.challenger import Challenger  # noqa: E402
from credo.model.scorecard import Scorecard  # noqa: E402
from credo.model.segments import SegmentedScorecard  # noqa: E402

CACHE = quality.REPO / "bench" / "out" / "taiwan-events-cache.pkl"


def parse_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def taiwan_events(csv: Path, refresh: bool) -> tuple[pd.DataFrame, list]:
    if CACHE.exists() and not refresh:
        return pickle.loads(CACHE.read_bytes())
    with tempfile.TemporaryDirectory() as tmp:
        features, meta = quality.taiwan_events_features(csv, Path(tmp))
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    CACHE.write_bytes(pickle.dumps((features, meta)))
    return features, meta


def segmented(**params) -> SegmentedScorecard:
    """seg_* params go to the segment search, the rest to each segment's scorecard."""
    search = {k[4:]: v for k, v in params.items() if k.startswith("seg_")}
    card = Scorecard(**{k: v for k, v in params.items() if not k.startswith("seg_")})
    return SegmentedScorecard(card, **search)


def calibration_slope(t: np.ndarray, p: np.ndarray) -> float:
    """The slope of a logistic fit of the outcomes on the predicted log-odds: 1 is calibrated,
    below 1 the predictions lie too far apart (an overfit), above 1 too close together."""
    from sklearn.linear_model import LogisticRegression

    z = np.log(p / (1 - p))[:, None]
    return float(LogisticRegression(C=1e6).fit(z, t).coef_[0, 0])


def cv(X: pd.DataFrame, y: np.ndarray, folds, params: dict, meta=None, kind=Scorecard) -> dict:
    """Mean held-out AUC, log-loss, Brier score and calibration slope over the folds."""
    scores = []
    for train, test in folds:
        model = kind(**params).fit(X.iloc[train].reset_index(drop=True), y[train], meta=meta)
        p, t = model.predict_proba(X.iloc[test])[:, 1], y[test]
        clipped = np.clip(p, 1e-12, 1 - 1e-12)
        log_loss = -np.mean(t * np.log(clipped) + (1 - t) * np.log(1 - clipped))
        scores.append((auc(t, p), log_loss, brier(t, p), calibration_slope(t, clipped)))
    names = ("auc", "log_loss", "brier", "slope")
    return dict(zip(names, np.mean(scores, axis=0).tolist(), strict=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", action="append", default=[], help="param=value (JSON value)")
    parser.add_argument("--only", default="taiwan-events,taiwan-raw,german")
    parser.add_argument("--refresh", action="store_true", help="rebuild the events cache")
    parser.add_argument("--table", type=Path, help="a labelled table instead (5-fold)")
    parser.add_argument("--target", help="the --table's outcome column")
    parser.add_argument("--bad-value", action="append", help="the --target value(s) that are bad")
    parser.add_argument(
        "--seed", type=int, default=0, help="fold seed (0: bench/quality.py's own folds)"
    )
    parser.add_argument("--challenger", action="store_true", help="CV the challenger instead")
    parser.add_argument(
        "--segmented",
        action="store_true",
        help="CV the segmented scorecard (seg_max_segments=6 etc. set its search)",
    )
    args = parser.parse_args()
    if args.table is not None and not args.target:
        parser.error("--table needs --target")
    params = dict(item.split("=", 1) for item in args.set)
    params = {k: parse_value(v) for k, v in params.items()}
    only = set() if args.table is not None else set(args.only.split(","))
    kind = Challenger if args.challenger else segmented if args.segmented else Scorecard
    if args.challenger:
        params.setdefault("n_jobs", 1)
    out = {}
    started = time.perf_counter()
    if args.table is not None:
        tx, ty, _ = quality.labelled_table(args.table, args.target, args.bad_value)
        out[args.table.stem] = cv(
            tx, ty, quality.stratified_folds(ty, 5, 1, args.seed), params, kind=kind
        )
    if only & {"taiwan-events", "taiwan-raw"}:
        csv = quality.REPO / "data" / "taiwan_credit_card.csv"
        raw = pd.read_csv(csv)
        y = raw["bad"].to_numpy().astype(int)
        folds = quality.stratified_folds(y, 5, 1, args.seed)
    if "taiwan-events" in only:
        features, meta = taiwan_events(csv, args.refresh)
        features = features.set_index("user_id").loc["tw-" + raw["id"].astype(str)]
        names = [m.name for m in meta]
        out["taiwan-events"] = cv(
            features[names].reset_index(drop=True), y, folds, params, meta, kind
        )
    if "taiwan-raw" in only:
        out["taiwan-raw"] = cv(raw[quality.TAIWAN_RAW], y, folds, params, kind=kind)
    if "german" in only:
        gx, gy = quality.german_table()
        out["german"] = cv(gx, gy, quality.stratified_folds(gy, 5, 5, args.seed), params, kind=kind)
    for name, figures in out.items():
        print(params, name, {k: round(v, 5) for k, v in figures.items()})
    print(f"{time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

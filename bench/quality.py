"""Quality bench: held-out AUC of credo against its peers, on the same splits, in one run.

Taiwan (data/taiwan_credit_card.csv, 20,000 clients), 5-fold stratified CV:
  * credo scorecard and credo challenger on credo features, through the events path
    (import_taiwan -> store -> ingest -> point-in-time features, as `credo import taiwan`,
    `credo ingest` and `credo features` do);
  * the same scorecard with up to four data-chosen segments (--segments), on both inputs;
  * credo scorecard (tabular path), LightGBM, optbinning, toad and scorecardpy on the raw 23
    columns (the peers' reference set, which includes sex, marriage and age).
German credit (data/german_credit.csv), 5 x 5-fold repeated stratified CV, tabular: credo
scorecard and challenger, optbinning, toad, scorecardpy, LightGBM. The protected columns
(personal_status_and_sex, age_in_years, foreign_worker) are removed from every system's inputs.

The peers run in bench/.venv-peers when it exists (they pin pandas < 3; see
bench/peers/requirements.txt), else in this Python, as a subprocess given the very same folds.
Prints mean AUC (sd) per system and dataset, the goal checks, and writes bench/out/quality.json.

Any other labelled table (CSV or Parquet) runs the same tabular comparison, alone, with
`--table` (5 x 5-fold unless --table-folds/--table-repeats say otherwise): read as `credo
train --table` reads it (percentages as numbers; dates and identifier columns left out of every
system's inputs), the target read with --bad-value where it is not 0/1.

    python bench/quality.py            # full run (minutes on 2 cores)
    python bench/quality.py --quick    # small smoke run
    python bench/quality.py --table loans.csv --target loan_status --bad-value "Charged Off"
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold

from credo.evaluate.metrics import auc

REPO = Path(__file__).resolve().parents[1]
PEERS_SCRIPT = REPO / "bench" / "peers" / "run_peers.py"
PEERS_VENV_PYTHON = REPO / "bench" / ".venv-peers" / "bin" / "python"
PEERS = ("optbinning", "toad", "scorecardpy")
GERMAN_CSV = REPO / "data" / "german_credit.csv"
GERMAN_PROTECTED = ("personal_status_and_sex", "age_in_years", "foreign_worker")
TAIWAN_RAW = (
    ["limit_bal", "sex", "education", "marriage", "age"]
    + [f"pay_status_{i}" for i in range(1, 7)]
    + [f"bill_amt_{i}" for i in range(1, 7)]
    + [f"pay_amt_{i}" for i in range(1, 7)]
)
CHALLENGER_MARGIN = 0.005
PEER_SCORECARD_TOLERANCE = 0.003

Fold = tuple[np.ndarray, np.ndarray]
Fitter = Callable[[pd.DataFrame, np.ndarray, pd.DataFrame], np.ndarray]


# ---------------------------------------------------------------------------- splits


def stratified_folds(y: np.ndarray, folds: int, repeats: int, seed: int) -> list[Fold]:
    """The (train, test) row positions every system uses."""
    if repeats > 1:
        splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    else:
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y))


# ---------------------------------------------------------------------------- credo systems


def credo_scorecard(meta: list | None = None) -> Fitter:
    from credo.model.scorecard import Scorecard

    def fit(train: pd.DataFrame, y: np.ndarray, test: pd.DataFrame) -> np.ndarray:
        return Scorecard().fit(train, y, meta=meta).predict_proba(test)[:, 1]

    return fit


def credo_segmented(segments: int, meta: list | None = None) -> Fitter:
    """The scorecard with up to ``segments`` data-chosen segments (`credo train --segments`)."""
    from credo.model.segments import SegmentedScorecard

    def fit(train: pd.DataFrame, y: np.ndarray, test: pd.DataFrame) -> np.ndarray:
        model = SegmentedScorecard(max_segments=segments).fit(train, y, meta=meta)
        return model.predict_proba(test)[:, 1]

    return fit


def segmented_name(segments: int, path: str = "") -> str:
    return f"credo scorecard, {segments} segments" + (f" ({path})" if path else "")


def credo_challenger(threads: int, meta: list | None = None) -> Fitter:
    from credo.model.challenger import Challenger

    def fit(train: pd.DataFrame, y: np.ndarray, test: pd.DataFrame) -> np.ndarray:
        model = Challenger(n_jobs=threads).fit(train, y, meta=meta)
        return model.predict_proba(test)[:, 1]

    return fit


def lightgbm_raw(seed: int, threads: int) -> Fitter:
    """LightGBM as a risk team would run it on raw columns: the usual settings, early stopping
    on a 20 % stratified inner split, categoricals as pandas categories, no constraints."""
    import lightgbm as lgb
    from sklearn.model_selection import train_test_split

    def fit(train: pd.DataFrame, y: np.ndarray, test: pd.DataFrame) -> np.ndarray:
        train, test = _categories(train, test)
        # LightGBM refuses some characters in column names (a CSV's "Unnamed: 0")
        names = {name: f"x{i}" for i, name in enumerate(train.columns)}
        train, test = train.rename(columns=names), test.rename(columns=names)
        inner, valid = train_test_split(
            np.arange(len(y)), test_size=0.2, stratify=y, random_state=seed
        )
        params = dict(
            n_estimators=2000,
            learning_rate=0.05,
            num_leaves=15,
            min_child_samples=50,
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=0.8,
            random_state=seed,
            n_jobs=threads,
            verbose=-1,
        )
        model = lgb.LGBMClassifier(**params)
        with warnings.catch_warnings():  # eval_set is renamed in newer LightGBM; both work
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            model.fit(
                train.iloc[inner],
                y[inner],
                eval_set=[(train.iloc[valid], y[valid])],
                eval_metric="auc",
                callbacks=[lgb.early_stopping(100, verbose=False)],
            )
        rounds = max(int(model.best_iteration_ or 100), 1)
        final = lgb.LGBMClassifier(**{**params, "n_estimators": rounds}).fit(train, y)
        return final.predict_proba(test)[:, 1]

    return fit


def _categories(train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    text = [c for c in train.columns if not pd.api.types.is_numeric_dtype(train[c])]
    if not text:
        return train, test
    train, test = train.copy(), test.copy()
    for column in text:
        levels = sorted(train[column].dropna().astype(str).unique())
        train[column] = pd.Categorical(train[column].astype(str), categories=levels)
        test[column] = pd.Categorical(test[column].astype(str), categories=levels)
    return train, test


def run_credo(
    dataset: str, system: str, fit: Fitter, X: pd.DataFrame, y: np.ndarray, folds: list[Fold]
) -> list[dict[str, Any]]:
    rows = []
    for fold, (train, test) in enumerate(folds):
        started = time.perf_counter()
        risk = fit(X.iloc[train].reset_index(drop=True), y[train], X.iloc[test])
        rows.append(
            {
                "dataset": dataset,
                "system": system,
                "fold": fold,
                "auc": auc(y[test], risk),
                "fit_seconds": time.perf_counter() - started,
            }
        )
        print(f"  {dataset:<7} {system:<28} fold {fold + 1}/{len(folds)}", file=sys.stderr)
    return rows


# ---------------------------------------------------------------------------- peers


def peers_python(given: str | None) -> str:
    if given:
        return given
    return str(PEERS_VENV_PYTHON) if PEERS_VENV_PYTHON.exists() else sys.executable


def run_peers(
    dataset: str,
    X: pd.DataFrame,
    y: np.ndarray,
    folds: list[Fold],
    python: str,
    workdir: Path,
    systems: list[str],
) -> list[dict[str, Any]]:
    """Hand the same rows and folds to the peers, each in a process of its own (a peer that
    crashes its interpreter, e.g. a solver's panic, must not take the others' figures with
    it); collect their AUCs."""
    if not systems:
        return []
    table = workdir / f"{dataset}.csv"
    X.assign(_bad=y).to_csv(table, index=False)
    job = {
        "dataset": dataset,
        "table": str(table),
        "target": "_bad",
        "columns": list(X.columns),
        "categorical": [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])],
        "folds": [{"train": tr.tolist(), "test": te.tolist()} for tr, te in folds],
    }
    results = []
    for system in systems:
        job_path = workdir / f"{dataset}-{system}-job.json"
        job_path.write_text(json.dumps({**job, "systems": [system]}))
        run = subprocess.run(
            [python, str(PEERS_SCRIPT), str(job_path)], capture_output=True, text=True, check=False
        )
        try:
            if run.returncode != 0:
                raise ValueError("the peer's process failed")
            results += [{"dataset": dataset, **row} for row in json.loads(run.stdout)]
        except ValueError:  # a failed process, or one that printed no JSON
            reason = run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "no output"
            results.append({"dataset": dataset, "system": system, "error": reason})
    return results


# ---------------------------------------------------------------------------- data


def taiwan_events_features(csv: Path, workdir: Path) -> tuple[pd.DataFrame, list]:
    """Taiwan clients through the events path: import, store, ingest, features as of outcome."""
    import pyarrow.parquet as pq

    from credo.events.ingest import ingest_paths
    from credo.events.taiwan import import_taiwan
    from credo.features.engines import as_of_table_from_outcomes, build_features_duckdb
    from credo.features.table import read_feature_table
    from credo.policy import load_policy
    from credo.store.db import connect, init_store

    dataset = workdir / "taiwan-dataset"
    import_taiwan(csv, dataset, overwrite=True)
    store = init_store(workdir / "taiwan.duckdb")
    ingest_paths(store, [dataset], progress=False)
    as_of = as_of_table_from_outcomes(pq.read_table(dataset / "outcomes.parquet"))
    con = connect(store)
    try:
        features = build_features_duckdb(con, load_policy("us"), as_of_table=as_of)
    finally:
        con.close()
    path = workdir / "taiwan-features.parquet"
    pq.write_table(features, path)
    table, meta = read_feature_table(path)
    return table.to_pandas(), list(meta)


def load_taiwan(csv: Path, rows: int | None, seed: int) -> pd.DataFrame:
    frame = pd.read_csv(csv)
    if rows is not None and rows < len(frame):
        frame = frame.sample(rows, random_state=seed).reset_index(drop=True)
    return frame


# ---------------------------------------------------------------------------- summary


def summarise(results: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    summary: dict[str, dict[str, dict[str, Any]]] = {}
    for row in results:
        entry = summary.setdefault(row["dataset"], {}).setdefault(
            row["system"], {"aucs": [], "seconds": [], "error": None}
        )
        if "error" in row:
            entry["error"] = row["error"]
        else:
            entry["aucs"].append(row["auc"])
            entry["seconds"].append(row["fit_seconds"])
    for systems in summary.values():
        for entry in systems.values():
            aucs = np.asarray(entry.pop("aucs"))
            seconds = entry.pop("seconds")
            entry["folds"] = int(aucs.size)
            # a system that failed part-way has figures on some folds only: not comparable
            entry["mean_auc"] = float(aucs.mean()) if aucs.size and not entry["error"] else None
            entry["sd_auc"] = float(aucs.std(ddof=1)) if aucs.size > 1 else None
            entry["mean_fit_seconds"] = float(np.mean(seconds)) if seconds else None
    return summary


def _mean(summary: dict, dataset: str, system: str) -> float | None:
    return summary.get(dataset, {}).get(system, {}).get("mean_auc")


def goal_checks(summary: dict) -> list[dict[str, Any]]:
    checks = []

    def check(name: str, value: float | None, target: float | None, margin: float = 0.0):
        if value is None or target is None:
            checks.append({"goal": name, "status": "not run", "value": value, "target": target})
            return
        checks.append(
            {
                "goal": name,
                "status": "met" if value >= target + margin - 1e-12 else "missed",
                "value": value,
                "target": target + margin,
                "difference": value - target - margin,
            }
        )

    lgb_taiwan = _mean(summary, "taiwan", "lightgbm (raw 23)")
    check(
        "Taiwan: credo scorecard (events) >= LightGBM raw",
        _mean(summary, "taiwan", "credo scorecard (events)"),
        lgb_taiwan,
    )
    for name in summary.get("taiwan", {}):
        if name.startswith("credo scorecard, ") and name.endswith("(events)"):
            check(f"Taiwan: {name} >= LightGBM raw", _mean(summary, "taiwan", name), lgb_taiwan)
    check(
        "Taiwan: credo challenger (events) >= LightGBM raw + 0.005",
        _mean(summary, "taiwan", "credo challenger (events)"),
        lgb_taiwan,
        CHALLENGER_MARGIN,
    )
    check(
        "German: credo scorecard >= optbinning",
        _mean(summary, "german", "credo scorecard"),
        _mean(summary, "german", "optbinning"),
    )
    tabular = [("taiwan", "credo scorecard (raw 23)"), ("german", "credo scorecard")]
    tabular += [(d, "credo scorecard") for d in summary if d not in ("taiwan", "german")]
    for dataset, credo_name in tabular:
        means = {p: _mean(summary, dataset, p) for p in PEERS}
        peers = [m for m in means.values() if m is not None]
        # a peer that failed or was not run is no peer beaten: the goal says which are missing
        missing = [p for p, m in means.items() if m is None]
        without = f" (without {', '.join(missing)}: failed or not run)" if missing and peers else ""
        check(
            f"{dataset.capitalize()} (tabular): credo scorecard >= best peer scorecard - 0.003"
            + without,
            _mean(summary, dataset, credo_name),
            max(peers) if peers else None,
            -PEER_SCORECARD_TOLERANCE,
        )
    return checks


def print_table(summary: dict, checks: list[dict[str, Any]]) -> None:
    for dataset, systems in summary.items():
        reference = systems.get("lightgbm (raw 23)" if dataset == "taiwan" else "optbinning", {})
        reference_auc = reference.get("mean_auc")
        print(
            f"\n{dataset}: mean held-out AUC over {max(s['folds'] for s in systems.values())} folds"
        )
        print(f"  {'system':<40} {'AUC':>7} {'sd':>7} {'vs ref':>8} {'fit s':>7}")
        ordered = sorted(systems.items(), key=lambda item: -(item[1]["mean_auc"] or 0))
        for name, entry in ordered:
            if entry["mean_auc"] is None:
                after = f" after {entry['folds']} folds" if entry["folds"] else ""
                print(f"  {name:<40} failed{after}: {entry['error']}")
                continue
            delta = f"{entry['mean_auc'] - reference_auc:+.4f}" if reference_auc is not None else ""
            sd = f"{entry['sd_auc']:.4f}" if entry["sd_auc"] is not None else ""
            print(
                f"  {name:<40} {entry['mean_auc']:>7.4f} {sd:>7} {delta:>8} "
                f"{entry['mean_fit_seconds']:>7.2f}"
            )
        print(
            f"  (vs ref: difference to {'LightGBM raw' if dataset == 'taiwan' else 'optbinning'})"
        )
    print("\ngoals")
    for goal in checks:
        if goal["status"] == "not run":
            print(f"  [not run] {goal['goal']}")
        else:
            # the bar the goal sets (a peer's figure plus or minus its margin), not the peer's
            print(
                f"  [{goal['status']:>6}] {goal['goal']}: {goal['value']:.4f} against a bar of"
                f" {goal['target']:.4f} ({goal['difference']:+.4f})"
            )


# ---------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="credo quality bench against peers")
    parser.add_argument("--taiwan-csv", type=Path, default=REPO / "data" / "taiwan_credit_card.csv")
    parser.add_argument("--german-csv", type=Path, default=GERMAN_CSV)
    parser.add_argument("--taiwan-rows", type=int, default=None, help="subsample (default: all)")
    parser.add_argument("--taiwan-folds", type=int, default=5)
    parser.add_argument("--german-folds", type=int, default=5)
    parser.add_argument("--german-repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="LightGBM threads (both systems)")
    parser.add_argument("--peers", default=",".join(PEERS), help="comma list; empty for none")
    parser.add_argument("--peers-python", default=None, help="Python that has the peers")
    parser.add_argument(
        "--segments", type=int, default=4, help="also run the segmented scorecard (0: skip)"
    )
    parser.add_argument("--skip", default="", help="comma list of datasets to skip")
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "quality.json")
    parser.add_argument("--table", type=Path, help="run on this labelled table alone")
    parser.add_argument("--target", help="the --table's outcome column")
    parser.add_argument("--bad-value", action="append", default=[], help="target value = bad")
    parser.add_argument("--exclude", action="append", default=[], help="column to leave out")
    parser.add_argument("--table-folds", type=int, default=5)
    parser.add_argument("--table-repeats", type=int, default=5)
    args = parser.parse_args(argv)
    if args.table is not None and not args.target:
        parser.error("--table needs --target")
    if args.quick:
        args.taiwan_rows = args.taiwan_rows or 3000
        args.taiwan_folds, args.german_folds, args.german_repeats = 3, 3, 1
    peers = [p for p in args.peers.split(",") if p]
    skip = set(args.skip.split(","))
    python = peers_python(args.peers_python)
    started = time.perf_counter()
    results: list[dict[str, Any]] = []

    with tempfile.TemporaryDirectory(prefix="credo-quality-") as tmp:
        workdir = Path(tmp)
        if args.table is not None:
            results += bench_table(args, peers, python, workdir)
        else:
            if "taiwan" not in skip:
                results += bench_taiwan(args, peers, python, workdir)
            if "german" not in skip:
                results += bench_german(args, peers, python, workdir)

    summary = summarise(results)
    checks = goal_checks(summary)
    print_table(summary, checks)
    report = {
        "bench": "quality",
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "peers_python": python,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "seconds": time.perf_counter() - started,
        "summary": summary,
        "goals": checks,
        "folds": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"\nfigures written to {args.out} ({report['seconds']:.0f} s)")
    return 0


def bench_taiwan(args, peers: list[str], python: str, workdir: Path) -> list[dict[str, Any]]:
    raw = load_taiwan(args.taiwan_csv, args.taiwan_rows, args.seed)
    csv = workdir / "taiwan.csv"
    raw.to_csv(csv, index=False)
    y = raw["bad"].to_numpy().astype(int)
    folds = stratified_folds(y, args.taiwan_folds, 1, args.seed)
    print(
        f"taiwan: {len(raw)} clients, {len(folds)} folds; building event features", file=sys.stderr
    )
    started = time.perf_counter()
    features, meta = taiwan_events_features(csv, workdir)
    print(f"  events path took {time.perf_counter() - started:.1f} s", file=sys.stderr)
    # features come keyed by user_id "tw-<id>"; put them in the raw rows' order
    features = features.set_index("user_id").loc["tw-" + raw["id"].astype(str)]
    names = [m.name for m in meta]
    X_events = features[names].reset_index(drop=True)
    X_raw = raw[TAIWAN_RAW]
    results = []
    results += run_credo(
        "taiwan", "credo scorecard (events)", credo_scorecard(meta), X_events, y, folds
    )
    results += run_credo(
        "taiwan",
        "credo challenger (events)",
        credo_challenger(args.threads, meta),
        X_events,
        y,
        folds,
    )
    if args.segments > 1:
        results += run_credo(
            "taiwan",
            segmented_name(args.segments, "events"),
            credo_segmented(args.segments, meta),
            X_events,
            y,
            folds,
        )
    results += run_credo("taiwan", "credo scorecard (raw 23)", credo_scorecard(), X_raw, y, folds)
    if args.segments > 1:
        results += run_credo(
            "taiwan",
            segmented_name(args.segments, "raw 23"),
            credo_segmented(args.segments),
            X_raw,
            y,
            folds,
        )
    results += run_credo(
        "taiwan", "credo challenger (raw 23)", credo_challenger(args.threads), X_raw, y, folds
    )
    results += run_credo(
        "taiwan", "lightgbm (raw 23)", lightgbm_raw(args.seed, args.threads), X_raw, y, folds
    )
    results += run_peers("taiwan", X_raw, y, folds, python, workdir, peers)
    return results


def german_table(csv: Path = GERMAN_CSV) -> tuple[pd.DataFrame, np.ndarray]:
    """German credit's inputs (its protected attributes left out) and 0/1 outcome."""
    frame = pd.read_csv(csv)
    y = frame.pop("bad").to_numpy().astype(int)
    return frame.drop(columns=list(GERMAN_PROTECTED)), y


def bench_german(args, peers: list[str], python: str, workdir: Path) -> list[dict[str, Any]]:
    X, y = german_table(args.german_csv)
    folds = stratified_folds(y, args.german_folds, args.german_repeats, args.seed)
    print(f"german: {len(X)} applicants, {len(folds)} folds", file=sys.stderr)
    results = []
    results += run_credo("german", "credo scorecard", credo_scorecard(), X, y, folds)
    if args.segments > 1:
        name = segmented_name(args.segments)
        results += run_credo("german", name, credo_segmented(args.segments), X, y, folds)
    results += run_credo("german", "credo challenger", credo_challenger(args.threads), X, y, folds)
    results += run_credo("german", "lightgbm", lightgbm_raw(args.seed, args.threads), X, y, folds)
    results += run_peers("german", X, y, folds, python, workdir, peers)
    return results


def labelled_table(
    path: Path, target: str, bad_values: list[str] | None, exclude: list[str] = ()
) -> tuple[pd.DataFrame, np.ndarray, dict[str, str]]:
    """A labelled table read as `credo train --table` reads it: the inputs without the
    columns no model may use, the 0/1 outcome, and those columns with the reason."""
    from credo.model.columns import target_as_bad, unusable_columns
    from credo.model.tables import read_plain_table

    frame = read_plain_table(path)
    y = target_as_bad(frame[target], bad_values, str(path)).astype(int)
    X = frame.drop(columns=[target, *exclude])
    left_out = unusable_columns(X)
    return X.drop(columns=list(left_out)), y, left_out


def bench_table(args, peers: list[str], python: str, workdir: Path) -> list[dict[str, Any]]:
    """Any labelled table, read as `credo train --table` reads it, every system on the same
    columns and folds."""
    X, y, left_out = labelled_table(args.table, args.target, args.bad_value, args.exclude)
    name = args.table.stem
    folds = stratified_folds(y, args.table_folds, args.table_repeats, args.seed)
    print(f"{name}: {len(X)} rows, {X.shape[1]} columns, {len(folds)} folds", file=sys.stderr)
    for column, why in left_out.items():
        print(f"  left out of every system: {column} ({why})", file=sys.stderr)
    results = []
    results += run_credo(name, "credo scorecard", credo_scorecard(), X, y, folds)
    results += run_credo(name, "credo challenger", credo_challenger(args.threads), X, y, folds)
    results += run_credo(name, "lightgbm", lightgbm_raw(args.seed, args.threads), X, y, folds)
    results += run_peers(name, X, y, folds, python, workdir, peers)
    return results


if __name__ == "__main__":
    sys.exit(main())

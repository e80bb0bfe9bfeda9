"""Fit the peer scorecards (optbinning, toad, scorecardpy) on given folds; print AUCs as JSON.

Run by bench/quality.py, possibly under another Python (bench/.venv-peers) because the peers
pin older pandas/numpy. Input: a job JSON naming a Parquet/CSV table, the target column, the
input columns, the categorical columns and the folds (train and test row positions). Output:
a JSON list of {"system", "fold", "auc", "fit_seconds"} on stdout, or {"system", "error"} when
a peer fails, so one broken peer never hides the others.

Each peer is used the way its documentation shows for a standard scorecard: default binning
settings with a 5 % minimum bin share where the library has one, then logistic regression on
WoE.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

MIN_BIN_SHARE = 0.05


def fit_optbinning(train, y_train, test, columns, categorical):
    from optbinning import BinningProcess, Scorecard

    process = BinningProcess(
        variable_names=columns,
        categorical_variables=categorical or None,
        min_prebin_size=MIN_BIN_SHARE,
    )
    card = Scorecard(binning_process=process, estimator=LogisticRegression(max_iter=1000))
    card.fit(train[columns], y_train)
    return card.predict_proba(test[columns])[:, 1]


def fit_toad(train, y_train, test, columns, categorical):
    import toad

    frame = train[columns].assign(_target=y_train)
    combiner = toad.transform.Combiner()
    combiner.fit(frame, y="_target", method="chi", min_samples=MIN_BIN_SHARE, n_bins=8)
    binned = combiner.transform(frame)
    woe = toad.transform.WOETransformer()
    train_woe = woe.fit_transform(binned, binned["_target"], exclude=["_target"])
    test_woe = woe.transform(combiner.transform(test[columns]))
    model = LogisticRegression(max_iter=1000).fit(train_woe[columns], y_train)
    return model.predict_proba(test_woe[columns])[:, 1]


def fit_scorecardpy(train, y_train, test, columns, categorical):
    import scorecardpy as sc

    frame = train[columns].assign(_target=y_train)
    bins = sc.woebin(
        frame,
        y="_target",
        count_distr_limit=MIN_BIN_SHARE,
        print_info=False,
        no_cores=1,
        check_cate_num=False,  # else it asks on stdin about text columns of over 50 levels
    )
    train_woe = sc.woebin_ply(frame, bins, print_info=False)
    test_woe = sc.woebin_ply(test[columns], bins, print_info=False)
    names = [f"{c}_woe" for c in columns if f"{c}_woe" in train_woe.columns]
    model = LogisticRegression(max_iter=1000).fit(train_woe[names], y_train)
    return model.predict_proba(test_woe[names])[:, 1]


PEERS = {"optbinning": fit_optbinning, "toad": fit_toad, "scorecardpy": fit_scorecardpy}


def read_table(path: str) -> pd.DataFrame:
    return pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)


def run(job: dict) -> list[dict]:
    table = read_table(job["table"])
    y = table[job["target"]].to_numpy().astype(int)
    columns, categorical = job["columns"], job["categorical"]
    results = []
    for name in job["systems"]:
        fit = PEERS[name]
        try:
            for fold, split in enumerate(job["folds"]):
                train_rows, test_rows = np.asarray(split["train"]), np.asarray(split["test"])
                train = table.iloc[train_rows].reset_index(drop=True)
                test = table.iloc[test_rows].reset_index(drop=True)
                started = time.perf_counter()
                # stdout carries the JSON answer: a peer's own printing goes to stderr
                with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
                    warnings.simplefilter("ignore")
                    risk = fit(train, y[train_rows], test, columns, categorical)
                results.append(
                    {
                        "system": name,
                        "fold": fold,
                        "auc": float(roc_auc_score(y[test_rows], risk)),
                        "fit_seconds": time.perf_counter() - started,
                    }
                )
                print(f"{job['dataset']} {name} fold {fold}: done", file=sys.stderr)
        except Exception as exc:  # a failing peer is reported, not fatal to the others
            results.append({"system": name, "error": f"{type(exc).__name__}: {exc}"})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("job", help="the job JSON written by bench/quality.py")
    args = parser.parse_args()
    with open(args.job) as handle:
        job = json.load(handle)
    json.dump(run(job), sys.stdout)


if __name__ == "__main__":
    main()

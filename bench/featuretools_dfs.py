"""Featuretools deep feature synthesis on a sample of credo events (a helper of features.py).

Run by bench/features.py in a Python that has featuretools; featuretools 1.31 needs
pandas < 3, so the bench makes a separate environment when the main one has pandas 3:
    python -m venv bench/.venv-ft && bench/.venv-ft/bin/pip install "pandas<3" featuretools pyarrow
Usage: featuretools_dfs.py EVENTS.parquet AS_OF.parquet  -> prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time

import pandas as pd


def main(events_path: str, as_of_path: str) -> None:
    import featuretools as ft

    columns = ["event_id", "user_id", "source", "type", "ts", "amount", "days_past_due"]
    events = pd.read_parquet(events_path, columns=columns)
    as_of = pd.read_parquet(as_of_path)
    started = time.perf_counter()
    es = ft.EntitySet("credo")
    es = es.add_dataframe(
        dataframe_name="events",
        dataframe=events,
        index="event_id",
        time_index="ts",
        logical_types={"source": "Categorical", "type": "Categorical"},
    )
    users = pd.DataFrame({"user_id": as_of["user_id"].unique()})
    es = es.add_dataframe(dataframe_name="users", dataframe=users, index="user_id")
    es = es.add_relationship("users", "user_id", "events", "user_id")
    es.add_interesting_values(
        dataframe_name="events",
        values={"type": ["account_status", "income", "purchase", "inquiry"]},
    )
    cutoff = as_of.rename(columns={"as_of": "time"})[["user_id", "time"]]
    matrix, _ = ft.dfs(
        entityset=es,
        target_dataframe_name="users",
        cutoff_time=cutoff,
        agg_primitives=["count", "sum", "mean", "max", "std", "num_unique", "time_since_last"],
        trans_primitives=[],
        where_primitives=["count", "sum", "max"],
        max_depth=1,
        verbose=False,
    )
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "events": len(events),
                "features": matrix.shape[1],
                "rows": matrix.shape[0],
                "featuretools": ft.__version__,
            }
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("events", help="the events as Parquet")
    parser.add_argument("as_of", help="user_id and as_of per person, as Parquet")
    args = parser.parse_args()
    main(args.events, args.as_of)

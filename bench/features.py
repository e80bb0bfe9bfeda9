"""Feature-engine benchmark, one run on one generated population:

* credo on DuckDB, the full catalog (events/s), and the ten core features alone (like for
  like with pandas);
* DuckDB's bare `SELECT user_id, sum(amount) FROM events GROUP BY user_id` (the floor);
* a naive query of 48 features on DuckDB, one `FILTER` per feature, with the same consent
  and as-of rules: the yardstick the issue's 5M events/s goal was set against (it reached
  about 4M events/s where the goal was written), so a run on a faster or slower machine
  can be read against it;
* ten core features written idiomatically in pandas (same point-in-time and consent rules);
* featuretools deep feature synthesis with equivalent primitives (on as many users as
  --featuretools-max-events allows: it holds everything in pandas memory);
* credo on Spark local[2];
* the single-person path (`features_for_user`): median and p95 over --single-calls calls,
  as of now (every event of the person: what the service asks) and as of each person's
  outcome date (the events before it).

Timings are warm and best of --repeat runs on the same store table (the bare scan too), so
the credo/bare-scan ratio compares like with like. The load average is recorded with them.

Usage: python bench/features.py [--users 42000] [--months 24] [--skip-spark] ...
The defaults give about 20M events. Prints a table with ratios and writes
bench/out/features.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from credo.features.catalog import catalog_for
from credo.features.compiler import compile_features
from credo.features.engines import as_of_table_from_outcomes, build_features_duckdb
from credo.features.single import features_for_user
from credo.policy import load_policy
from credo.store.db import connect, init_store

FT_VENV = Path("bench/.venv-ft/bin/python")
CORE = (
    "ph_dpd30_reports_24m",
    "ph_worst_dpd_12m",
    "ph_months_since_late",
    "ph_late_share_12m",
    "ao_utilisation_latest",
    "nc_hard_inquiries_12m",
    "hl_months_since_first_credit",
    "cb_income_mean_12m",
    "cb_spend_mean_12m",
    "cb_refunds_12m",
)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--users", type=int, default=42_000, help="people (about 480 events each)")
    p.add_argument("--months", type=int, default=24)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--dataset",
        type=Path,
        default=None,
        help="use this existing dataset directory instead of generating one",
    )
    p.add_argument("--workdir", type=Path, default=Path("bench/out/features-data"))
    p.add_argument("--featuretools-max-events", type=int, default=2_000_000)
    p.add_argument(
        "--featuretools-python",
        default=str(FT_VENV if FT_VENV.exists() else Path(sys.executable)),
        help="a Python with featuretools (1.31 needs pandas < 3: see bench/featuretools_dfs.py)",
    )
    p.add_argument("--repeat", type=int, default=3, help="runs per DuckDB timing; best kept")
    p.add_argument(
        "--single-calls", type=int, default=200, help="calls of the single-person path (0: skip)"
    )
    p.add_argument("--skip-spark", action="store_true")
    p.add_argument("--skip-featuretools", action="store_true")
    p.add_argument("--out", type=Path, default=Path("bench/out/features.json"))
    return p.parse_args()


def prepare(args: argparse.Namespace) -> tuple[Path, Path]:
    from credo.events.synthetic import generate_population

    dataset = args.dataset or args.workdir / f"population-{args.users}-{args.months}-{args.seed}"
    if args.dataset is not None and not (dataset / "outcomes.parquet").exists():
        raise SystemExit(f"{dataset} is not a dataset directory with outcomes.parquet")
    if not (dataset / "outcomes.parquet").exists():
        shutil.rmtree(dataset, ignore_errors=True)
        generate_population(args.users, months=args.months, seed=args.seed, out=dataset)
    store = args.workdir / f"{dataset.name}.duckdb"
    store.parent.mkdir(parents=True, exist_ok=True)
    if not store.exists():
        init_store(store)
        con = connect(store).cursor()
        # Straight into the store file, as `credo compact` leaves an ingested store (the
        # ingest itself is measured by bench/ingest.py).
        con.execute(
            f"INSERT INTO event_rows SELECT *, 0 FROM read_parquet('{dataset}/events/*.parquet')"
            " ORDER BY user_id, ts"
        )
        con.execute(
            f"INSERT INTO consents SELECT * FROM read_parquet('{dataset}/consents.parquet')"
        )
        con.close()
    return dataset, store


# The naive query's 48 features: (source, type, column) x the last 3 and 12 months x a count
# and a sum (the worst days past due for account statuses).
NAIVE_READS = (
    ("card", "statement", "amount"),
    ("card", "payment", "amount"),
    ("card", "account_status", "days_past_due"),
    ("loan", "payment", "amount"),
    ("loan", "account_status", "days_past_due"),
    ("bank", "income", "amount"),
    ("bank", "balance", "amount"),
    ("telecom", "payment", "amount"),
    ("utility", "payment", "amount"),
    ("rent", "payment", "amount"),
    ("ecommerce", "purchase", "amount"),
    ("card", "inquiry", "amount"),
)


def naive_filter_sql(as_of_table: str) -> str:
    """One aggregate with a FILTER per feature over the consented events before each
    person's as-of date, grouped by person: no monthly series, no provenance."""
    aggregates = []
    for i, (source, type_, column) in enumerate(NAIVE_READS):
        for months in (3, 12):
            cond = (
                f"e.source = '{source}' AND e.type = '{type_}'"
                f" AND e.ts >= g.as_of - INTERVAL {months} MONTH"
            )
            combine = "max" if column == "days_past_due" else "sum"
            aggregates.append(f"count(*) FILTER (WHERE {cond}) AS n{i}_{months}")
            aggregates.append(f"{combine}(e.{column}) FILTER (WHERE {cond}) AS v{i}_{months}")
    return f"""
WITH g AS (
  SELECT DISTINCT c.user_id, c.source, a.as_of
  FROM consents AS c JOIN {as_of_table} AS a ON c.user_id = a.user_id
  WHERE c.purpose = 'credit_scoring' AND c.granted_at <= a.as_of
    AND (c.revoked_at IS NULL OR c.revoked_at > a.as_of)
)
SELECT e.user_id, {", ".join(aggregates)}
FROM events AS e JOIN g ON e.user_id = g.user_id AND e.source = g.source
WHERE e.ts < g.as_of
GROUP BY e.user_id"""


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def best_of(fn, repeat: int):
    """The result of the last run and the best time of `repeat` warm runs (one warm-up)."""
    result = fn()
    times = []
    for _ in range(max(1, repeat)):
        result, seconds = timed(fn)
        times.append(seconds)
    return result, min(times)


def single_person_timings(con, outcomes: pa.Table, policy, calls: int, now: bool) -> dict:
    """Latency of features_for_user over `calls` calls, cycling through the people, as of
    now or as of each person's outcome date."""
    users = outcomes["user_id"].to_pylist()
    dates = [None] * len(users) if now else outcomes["as_of"].to_pylist()
    features_for_user(con, users[0], dates[0], policy)  # compile once, as a service would
    latencies = []
    for i in range(calls):
        k = (i * 7919) % len(users)  # spread over the store, not one warm neighbourhood
        _, seconds = timed(lambda k=k: features_for_user(con, users[k], dates[k], policy))
        latencies.append(seconds * 1000)
    latencies.sort()
    return {
        "calls": calls,
        "as_of": "now" if now else "outcome date",
        "median_ms": statistics.median(latencies),
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))],
    }


def pandas_core(events: pd.DataFrame, consents: pd.DataFrame, as_of: pd.DataFrame) -> pd.DataFrame:
    """The ten core features, the way a pandas user would write them."""
    granted = consents[consents.purpose == "credit_scoring"].merge(as_of, on="user_id")
    granted = granted[
        (granted.granted_at <= granted.as_of)
        & (granted.revoked_at.isna() | (granted.revoked_at > granted.as_of))
    ][["user_id", "source", "as_of"]].drop_duplicates()
    ev = events.merge(granted, on=["user_id", "source"])
    ev = ev[ev.ts < ev.as_of]
    a, t = ev.as_of.dt, ev.ts.dt
    ev["m"] = (a.year * 12 + a.month) - (t.year * 12 + t.month) - (t.day >= a.day).astype(int)
    key = ["user_id", "as_of"]
    accounts = ["card", "loan", "utility", "telecom", "rent"]
    status = ev[(ev.type == "account_status") & ev.source.isin(accounts)]
    # each account's latest report in a month (a correction sent later replaces it; ties by
    # the larger amount, limit, days past due)
    order = ["ts", "amount", "credit_limit", "days_past_due"]
    status = status.assign(**{f"_{c}": status[c].fillna(-1) for c in order[1:]})
    status = status.sort_values(["ts", *(f"_{c}" for c in order[1:])], kind="stable")
    status = status.groupby(key + ["source", "account_id", "m"]).tail(1)
    status = status.assign(late=status.days_past_due > 0)
    out = as_of.set_index(key)
    has = lambda sources: ev[ev.source.isin(sources)].groupby(key).size()  # noqa: E731
    # a count of reports knows something only of people with reports (an inquiry is none)
    reported = status.groupby(key).size().index
    out["ph_dpd30_reports_24m"] = (
        status[(status.m < 24) & (status.days_past_due >= 30)]
        .groupby(key)
        .size()
        .reindex(status[status.m < 24].groupby(key).size().index, fill_value=0)
    )
    worst = status.groupby(key + ["m"]).days_past_due.max().reset_index()
    out["ph_worst_dpd_12m"] = worst[worst.m < 12].groupby(key).days_past_due.max()
    out["ph_months_since_late"] = status[status.late].groupby(key).m.min()
    out.loc[
        out.ph_months_since_late.isna() & out.index.isin(reported),
        "ph_months_since_late",
    ] = -2.0
    recent = status[status.m < 12]
    out["ph_late_share_12m"] = recent.groupby(key).late.mean()
    card = status[(status.source == "card") & (status.m < 12)]
    card = card.assign(limited=card.amount.where(card.credit_limit > 0))
    monthly = card.groupby(key + ["m"]).agg(bal=("limited", "sum"), lim=("credit_limit", "sum"))
    monthly = monthly[monthly.lim > 0].reset_index().sort_values("m")
    latest = monthly.groupby(key).first()
    out["ao_utilisation_latest"] = latest.bal / latest.lim
    credit = ev[ev.source.isin(["card", "loan"])]
    hard = credit[(credit.type == "inquiry") & (credit.category == "hard") & (credit.m < 12)]
    out["nc_hard_inquiries_12m"] = (
        hard.groupby(key).size().reindex(has(["card", "loan"]).index, fill_value=0)
    )
    # an application is no credit history
    out["hl_months_since_first_credit"] = credit[credit.type != "inquiry"].groupby(key).m.max()
    income = ev[(ev.source == "bank") & (ev.type == "income") & (ev.m < 12)]
    out["cb_income_mean_12m"] = income.groupby(key + ["m"]).amount.sum().groupby(key).mean()
    spend = ev[ev.source.isin(["bank", "ecommerce"]) & (ev.type == "purchase") & (ev.m < 12)]
    spend = spend.groupby(key + ["m"]).amount.sum()
    out["cb_spend_mean_12m"] = spend.groupby(key).mean()
    refunds = ev[(ev.source == "ecommerce") & (ev.type == "refund") & (ev.m < 12)]
    out["cb_refunds_12m"] = (
        refunds.groupby(key).size().reindex(has(["ecommerce"]).index, fill_value=0)
    )
    for name in CORE:
        spec_no_data = NO_DATA_OF[name]
        if spec_no_data is not None:
            out[name] = out[name].fillna(spec_no_data)
    return out[list(CORE)].reset_index()


NO_DATA_OF = {s.name: s.no_data for s in catalog_for(load_policy("us"))}


def featuretools_dfs(events: pd.DataFrame, as_of: pd.DataFrame, python: str) -> dict:
    """Run bench/featuretools_dfs.py on these events in `python` (an environment with
    featuretools); returns its figures."""
    with tempfile.TemporaryDirectory() as tmp:
        events.to_parquet(Path(tmp) / "events.parquet")
        as_of.to_parquet(Path(tmp) / "as_of.parquet")
        done = subprocess.run(
            [
                python,
                str(Path(__file__).with_name("featuretools_dfs.py")),
                str(Path(tmp) / "events.parquet"),
                str(Path(tmp) / "as_of.parquet"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    args = parse_args()
    dataset, store = prepare(args)
    us = load_policy("us")
    outcomes = pq.read_table(dataset / "outcomes.parquet")
    con = connect(store, read_only=True)
    cur = con.cursor()
    n_events = cur.execute("SELECT count(*) FROM events").fetchone()[0]
    n_users = outcomes.num_rows
    figures: dict[str, dict] = {"events": {"count": n_events}, "users": {"count": n_users}}
    figures["machine"] = {"cpus": os.cpu_count(), "load_average_before": os.getloadavg()}

    _, compile_s = timed(lambda: compile_features(catalog_for(us), us))
    credo_table, credo_s = best_of(
        lambda: build_features_duckdb(con, us, as_of_table=outcomes), args.repeat
    )
    figures["credo_duckdb"] = {
        "compile_seconds": compile_s,
        "seconds": credo_s,
        "events_per_s": n_events / credo_s,
        "features": len(catalog_for(us)),
    }
    # like for like with pandas: credo's compiler on the same ten features alone
    core_specs = [spec for spec in catalog_for(us) if spec.name in CORE]
    _, core_s = best_of(
        lambda: build_features_duckdb(con, us, as_of_table=outcomes, specs=core_specs),
        args.repeat,
    )
    figures["credo_duckdb_10_core"] = {
        "seconds": core_s,
        "events_per_s": n_events / core_s,
        "features": len(core_specs),
    }
    _, bare_s = best_of(
        lambda: cur.execute("SELECT user_id, sum(amount) FROM events GROUP BY user_id").fetchall(),
        args.repeat,
    )
    figures["duckdb_bare_scan"] = {"seconds": bare_s, "events_per_s": n_events / bare_s}
    cur.register("bench_outcomes", outcomes)
    cur.execute(
        "CREATE TEMP TABLE bench_as_of AS"
        " SELECT user_id, CAST(as_of AS TIMESTAMP) AS as_of FROM bench_outcomes"
    )
    naive = naive_filter_sql("bench_as_of")
    _, naive_s = best_of(lambda: cur.execute(naive).fetchall(), args.repeat)
    figures["duckdb_naive_48_filters"] = {
        "seconds": naive_s,
        "events_per_s": n_events / naive_s,
        "features": 2 * 2 * len(NAIVE_READS),
    }
    if args.single_calls > 0:
        for key, now in (("single_person", True), ("single_person_at_outcome_date", False)):
            figures[key] = single_person_timings(con, outcomes, us, args.single_calls, now)

    events = cur.execute("SELECT * EXCLUDE (batch_id) FROM events").df()
    consents = cur.execute("SELECT * FROM consents").df()
    as_of = as_of_table_from_outcomes(outcomes).to_pandas()
    core, pandas_s = timed(lambda: pandas_core(events, consents, as_of))
    figures["pandas_10_core"] = {
        "seconds": pandas_s,
        "events_per_s": n_events / pandas_s,
        "features": len(CORE),
    }
    credo_core = credo_table.select(["user_id", "as_of", *CORE]).to_pandas()
    merged = credo_core.merge(core, on=["user_id"], suffixes=("", "_pd"))
    differ = [
        c
        for c in CORE
        if not np.allclose(merged[c].astype(float), merged[f"{c}_pd"].astype(float), equal_nan=True)
    ]
    figures["pandas_10_core"]["agrees_with_credo"] = not differ
    figures["pandas_10_core"]["columns_that_differ"] = differ

    if not args.skip_featuretools:
        take = max(1, int(len(as_of) * min(1.0, args.featuretools_max_events / n_events)))
        sample_users = set(as_of.user_id.iloc[:take])
        sample = events[events.user_id.isin(sample_users)]
        try:
            ft = featuretools_dfs(
                sample, as_of[as_of.user_id.isin(sample_users)], args.featuretools_python
            )
            figures["featuretools_dfs"] = {
                "seconds": ft["seconds"],
                "events": len(sample),
                "events_per_s": len(sample) / ft["seconds"],
                "features": ft["features"],
                "version": ft["featuretools"],
                "limit": f"run on {take} of {len(as_of)} people ({len(sample)} events):"
                " featuretools holds the whole entity set in pandas memory",
            }
        except Exception as exc:  # report, keep the other figures
            figures["featuretools_dfs"] = {"error": repr(exc)[:300]}
    con.close()

    if not args.skip_spark:
        from credo.features.engines import build_features_spark
        from credo.features.spark import spark_session

        spark = spark_session("local[2]")
        _, spark_s = timed(lambda: build_features_spark(spark, dataset, us, as_of_table=outcomes))
        figures["credo_spark_local2"] = {"seconds": spark_s, "events_per_s": n_events / spark_s}
        spark.stop()

    figures["machine"]["load_average_after"] = os.getloadavg()
    report(figures, args.out)


def report(figures: dict, out: Path) -> None:
    credo = figures["credo_duckdb"]
    rows = [("credo DuckDB, full catalog", credo)]
    rows += [
        (label, figures[key])
        for key, label in (
            ("credo_duckdb_10_core", "credo DuckDB, the 10 core features"),
            ("duckdb_bare_scan", "DuckDB bare scan (floor)"),
            ("duckdb_naive_48_filters", "DuckDB naive query, 48 FILTERs"),
            ("pandas_10_core", "pandas, 10 core features"),
            ("featuretools_dfs", "featuretools DFS (sample)"),
            ("credo_spark_local2", "credo Spark local[2], full catalog"),
        )
        if key in figures and "seconds" in figures[key]
    ]
    print(f"{figures['events']['count']:,} events, {figures['users']['count']:,} people")
    print(f"{'system':40s} {'seconds':>9s} {'events/s':>14s} {'credo speed-up':>15s}")
    for label, f in rows:
        speedup = credo["events_per_s"] / f["events_per_s"]
        print(f"{label:40s} {f['seconds']:9.2f} {f['events_per_s']:14,.0f} {speedup:14.2f}x")
    ratios = {
        "credo_vs_bare_scan_time": credo["seconds"] / figures["duckdb_bare_scan"]["seconds"],
        "credo_vs_pandas_speed": credo["events_per_s"] / figures["pandas_10_core"]["events_per_s"],
        # the same ten features on both sides
        "credo_10_core_vs_pandas_speed": (
            figures["credo_duckdb_10_core"]["events_per_s"]
            / figures["pandas_10_core"]["events_per_s"]
        ),
        "credo_vs_naive_48_filters_speed": (
            credo["events_per_s"] / figures["duckdb_naive_48_filters"]["events_per_s"]
        ),
    }
    if "seconds" in figures.get("featuretools_dfs", {}):
        ratios["credo_vs_featuretools_speed"] = (
            credo["events_per_s"] / figures["featuretools_dfs"]["events_per_s"]
        )
    if "credo_spark_local2" in figures:
        ratios["duckdb_vs_spark_speed"] = (
            credo["events_per_s"] / figures["credo_spark_local2"]["events_per_s"]
        )
    figures["ratios"] = ratios
    figures["goals"] = {
        "events_per_s_at_least_5M": credo["events_per_s"] >= 5e6,
        # The goal scaled by this machine's speed: 5M where the naive query made about 4M.
        "at_least_1.25x_naive_48_filters": ratios["credo_vs_naive_48_filters_speed"] >= 1.25,
        "within_10x_of_bare_scan": ratios["credo_vs_bare_scan_time"] <= 10,
        "at_least_10x_pandas": ratios["credo_vs_pandas_speed"] >= 10,
        "at_least_10x_pandas_on_the_same_10_features": (
            ratios["credo_10_core_vs_pandas_speed"] >= 10
        ),
    }
    for key in ("single_person", "single_person_at_outcome_date"):
        if key in figures:
            single = figures[key]
            print(
                f"single person as of {single['as_of']}: median {single['median_ms']:.1f} ms,"
                f" p95 {single['p95_ms']:.1f} ms over {single['calls']} calls"
            )
    if "single_person" in figures:
        single = figures["single_person"]
        figures["goals"]["single_person_median_at_most_10ms"] = single["median_ms"] <= 10
    print(f"load average before/after: {figures['machine']}")
    for k, v in {**ratios, **figures["goals"]}.items():
        print(f"  {k}: {v:.2f}" if isinstance(v, float) else f"  {k}: {v}")
    if "featuretools_dfs" in figures and "limit" in figures["featuretools_dfs"]:
        print(f"  featuretools: {figures['featuretools_dfs']['limit']}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2, default=float))
    print(f"wrote {out}")


if __name__ == "__main__":
    pa.set_cpu_count(pa.cpu_count())
    main()

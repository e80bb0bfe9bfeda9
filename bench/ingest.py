"""Ingestion benchmark: generation, Parquet ingest and CSV ingest events/s, in one run.

    .venv/bin/python bench/ingest.py [--events 10000000] [--chunk-rows 1000000] [--dir DIR]

Generates a synthetic population of at least --events events (credo.events.synthetic when
it is available, else a simple vectorised stand-in), writes it as Parquet and as CSV,
ingests each into a fresh store with `credo.events.ingest.ingest_paths`, prints a table
against the goals (Parquet >= 1M events/s, CSV >= 500k events/s) and writes
bench/out/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from credo.events.ingest import DEFAULT_CHUNK_ROWS, ingest_paths
from credo.events.schema import EVENT_SCHEMA
from credo.store.db import init_store

GOALS = {"parquet_ingest": 1_000_000, "csv_ingest": 500_000, "generation": 1_000_000}
OUT = Path(__file__).resolve().parent / "out"


def stand_in_population(events: int, seed: int = 7) -> pa.Table:
    """Card statements, payments and monthly statuses for events // 36 people (vectorised)."""
    rng = np.random.default_rng(seed)
    kinds = np.array(["statement", "payment", "account_status"])
    kind = kinds[np.arange(events) % 3]
    user = rng.integers(0, max(1, events // 36), events)
    base = np.datetime64("2021-01-01T00:00:00", "us")
    ts = base + rng.integers(0, 3 * 365 * 86_400, events).astype("timedelta64[s]")
    amount = np.round(rng.gamma(2.0, 300.0, events), 2)
    due = (ts.astype("datetime64[D]") + 25).astype("datetime64[D]")
    is_statement = kind == "statement"
    is_status = kind == "account_status"
    user_ids = np.char.add("u", user.astype(str))
    columns = {
        "event_id": pa.array(np.char.add("e", np.arange(events).astype(str))),
        "user_id": pa.array(user_ids),
        "source": pa.array(np.full(events, "card")),
        "furnisher": pa.array(np.full(events, "bank_a")),
        "type": pa.array(kind),
        "ts": pa.array(ts, pa.timestamp("us")),
        "amount": pa.array(amount),
        "currency": pa.array(np.full(events, "USD")),
        "account_id": pa.array(np.char.add(user_ids, "-card")),
        "credit_limit": pa.array(np.where(is_status, 5000.0, np.nan), from_pandas=True),
        "due_date": pa.array(due, pa.date32(), mask=~is_statement),
        "days_past_due": pa.array(
            rng.choice([0, 0, 0, 30], events).astype(np.int32), mask=~is_status
        ),
        "category": pa.nulls(events, pa.string()),
        "counterparty_id": pa.nulls(events, pa.string()),
        "attributes": pa.nulls(events, pa.string()),
    }
    return pa.table(columns, schema=EVENT_SCHEMA)


def generate(events: int) -> tuple[pa.Table, str, float]:
    """The population, which generator made it, and its seconds."""
    started = time.perf_counter()
    try:
        from credo.events.synthetic import generate_population
    except ImportError:
        table, name = stand_in_population(events), "bench stand-in"
    else:
        users = max(100, events // 120)  # grows until the population has enough events
        while True:
            population = generate_population(users=users, seed=7)
            table = getattr(population, "events", population)
            if table.num_rows >= events:
                break
            users = int(users * events / max(1, table.num_rows) * 1.1) + 1
        name = "credo.events.synthetic.generate_population"
    return table, name, time.perf_counter() - started


def ingest_once(path: Path, workdir: Path, chunk_rows: int, name: str) -> dict[str, float]:
    store = init_store(workdir / f"{name}.duckdb")
    result = ingest_paths(store, [path], chunk_rows=chunk_rows, progress=False)
    store.unlink()
    return {
        "events": result.rows,
        "accepted": result.accepted,
        "rejected": result.rejected,
        "seconds": result.seconds,
        "events_per_s": result.events_per_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--chunk-rows", type=int, default=DEFAULT_CHUNK_ROWS)
    parser.add_argument("--dir", type=Path, default=None, help="scratch directory")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="credo-bench-", dir=args.dir))
    try:
        table, generator, gen_seconds = generate(args.events)
        parquet_path, csv_path = workdir / "events.parquet", workdir / "events.csv"
        pq.write_table(table, parquet_path, compression="zstd", row_group_size=1 << 20)
        pa_csv.write_csv(table, csv_path)
        figures = {
            "generation": {
                "events": table.num_rows,
                "seconds": gen_seconds,
                "events_per_s": table.num_rows / gen_seconds,
                "generator": generator,
            },
            "parquet_ingest": ingest_once(parquet_path, workdir, args.chunk_rows, "parquet"),
            "csv_ingest": ingest_once(csv_path, workdir, args.chunk_rows, "csv"),
        }
        figures["parquet_ingest"]["file_mb"] = parquet_path.stat().st_size / 1e6
        figures["csv_ingest"]["file_mb"] = csv_path.stat().st_size / 1e6
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"{'step':<16}{'events':>12}{'seconds':>10}{'events/s':>14}{'goal':>12}{'ratio':>8}")
    for step, row in figures.items():
        goal = GOALS[step]
        ratio = row["events_per_s"] / goal
        print(
            f"{step:<16}{row['events']:>12,}{row['seconds']:>10.2f}"
            f"{row['events_per_s']:>14,.0f}{goal:>12,}{ratio:>7.2f}x"
        )
    OUT.mkdir(exist_ok=True)
    report = {
        "figures": figures,
        "goals_events_per_s": GOALS,
        "chunk_rows": args.chunk_rows,
        "machine": {"python": platform.python_version(), "cpu": platform.processor()},
    }
    (OUT / "ingest.json").write_text(json.dumps(report, indent=2))
    print(f"wrote {OUT / 'ingest.json'}")


if __name__ == "__main__":
    main()

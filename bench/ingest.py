"""Ingestion benchmark: generation, Parquet ingest and CSV ingest events/s, in one run.

    .venv/bin/python bench/ingest.py [--events 10000000] [--chunk-rows 1000000] [--dir DIR]

Generates a synthetic population of at least --events events (credo.events.synthetic when
it is available, else a simple vectorised stand-in) as a dataset directory (Parquet), writes
its events as one CSV file too, ingests each into a fresh store with
`credo.events.ingest.ingest_paths` (the dataset directory with its consents), prints a table
against the goals (Parquet >= 1M events/s, CSV >= 500k events/s) and writes
bench/out/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
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


def generate(events: int, workdir: Path) -> dict[str, object]:
    """Write a dataset directory of at least `events` events; returns its figures."""
    dataset = workdir / "population"
    try:
        from credo.events.synthetic import generate_population
    except ImportError:
        started, cpu = time.perf_counter(), time.process_time()
        table = stand_in_population(events)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        (dataset / "events").mkdir(parents=True)
        pq.write_table(table, dataset / "events" / "part-00000.parquet", compression="zstd")
        return {
            "generator": "bench stand-in",
            "events": table.num_rows,
            "seconds": seconds,
            "cpu_seconds": cpu,
            "dataset": dataset,
        }
    pilot_users = 400
    pilot = generate_population(users=pilot_users, seed=7)
    users = math.ceil(events / (pilot.events / pilot_users) * 1.02)
    cpu = time.process_time()
    result = generate_population(users=users, seed=7, out=dataset)
    cpu = time.process_time() - cpu
    return {
        "generator": "credo.events.synthetic.generate_population (writing Parquet)",
        "users": users,
        "events": result.events,
        "seconds": result.seconds,
        "cpu_seconds": cpu,
        "dataset": dataset,
    }


def dataset_to_csv(dataset: Path, csv_path: Path) -> int:
    """One CSV file holding the dataset's events, written file by file."""
    rows = 0
    with pa_csv.CSVWriter(csv_path, EVENT_SCHEMA) as writer:
        for part in sorted((dataset / "events").glob("*.parquet")):
            for batch in pq.ParquetFile(part).iter_batches(batch_size=1 << 18):
                writer.write_batch(
                    pa.Table.from_batches([batch]).cast(EVENT_SCHEMA).to_batches()[0]
                )
                rows += batch.num_rows
    return rows


def ingest_once(path: Path, workdir: Path, chunk_rows: int, name: str) -> dict[str, float]:
    store = init_store(workdir / f"{name}.duckdb")
    cpu = time.process_time()
    result = ingest_paths(store, [path], chunk_rows=chunk_rows, progress=True)
    cpu = time.process_time() - cpu
    size = store.stat().st_size
    store.unlink()
    return {
        "events": result.rows,
        "accepted": result.accepted,
        "rejected": result.rejected,
        "consents": result.consents,
        "seconds": result.seconds,
        "events_per_s": result.events_per_s,
        "cpu_seconds": cpu,
        "store_mb": size / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--chunk-rows", type=int, default=DEFAULT_CHUNK_ROWS)
    parser.add_argument("--dir", type=Path, default=None, help="scratch directory")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="credo-bench-", dir=args.dir))
    try:
        made = generate(args.events, workdir)
        dataset = made.pop("dataset")
        csv_path = workdir / "events.csv"
        dataset_to_csv(dataset, csv_path)
        parquet_mb = sum(p.stat().st_size for p in (dataset / "events").glob("*.parquet")) / 1e6
        figures = {
            "generation": {**made, "events_per_s": made["events"] / made["seconds"]},
            "parquet_ingest": ingest_once(dataset, workdir, args.chunk_rows, "parquet"),
            "csv_ingest": ingest_once(csv_path, workdir, args.chunk_rows, "csv"),
        }
        figures["parquet_ingest"]["file_mb"] = parquet_mb
        figures["csv_ingest"]["file_mb"] = csv_path.stat().st_size / 1e6
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"{'step':<16}{'events':>12}{'seconds':>10}{'events/s':>12}{'goal':>12}{'ratio':>8}"
        f"{'cpu s':>9}{'events/cpu-s':>14}"
    )
    for step, row in figures.items():
        goal = GOALS[step]
        row["events_per_cpu_s"] = row["events"] / row["cpu_seconds"]
        print(
            f"{step:<16}{row['events']:>12,}{row['seconds']:>10.2f}{row['events_per_s']:>12,.0f}"
            f"{goal:>12,}{row['events_per_s'] / goal:>7.2f}x{row['cpu_seconds']:>9.1f}"
            f"{row['events_per_cpu_s']:>14,.0f}"
        )
    print("(cpu s: processor time of this process, all threads; on a busy machine")
    print(" events/cpu-s x cores bounds what a quiet machine would reach)")
    OUT.mkdir(exist_ok=True)
    report = {
        "figures": figures,
        "goals_events_per_s": GOALS,
        "chunk_rows": args.chunk_rows,
        "machine": {
            "python": platform.python_version(),
            "cpu": platform.processor(),
            "cores": os.cpu_count(),
            "load_average_at_end": os.getloadavg(),
        },
    }
    (OUT / "ingest.json").write_text(json.dumps(report, indent=2))
    print(f"wrote {OUT / 'ingest.json'}")


if __name__ == "__main__":
    main()

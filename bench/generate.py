"""Generation benchmark: how fast `credo generate` makes a population, in one run.

    .venv/bin/python bench/generate.py [--users 21000] [--seed 0] [--chunk-users 2000] [--dir DIR]

Generates a synthetic population (about 480 events per person: 21,000 people make about
10M events) as a dataset directory in a scratch folder, then prints wall time, processor
time, events/s against the goal (1M events/s on a two-core machine) and events per
CPU-second, and writes bench/out/generate.json. On a busy machine, events per CPU-second
times the cores bounds what a quiet machine would reach.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

from credo.events.synthetic import generate_population
from credo.events.synthetic_defaults import CHUNK_USERS

GOAL_EVENTS_PER_S = 1_000_000
OUT = Path(__file__).resolve().parent / "out"


def measure(users: int, seed: int, chunk_users: int, scratch: Path | None) -> dict[str, float]:
    """Generate once into a scratch directory (removed afterwards); the run's figures."""
    workdir = Path(tempfile.mkdtemp(prefix="credo-generate-", dir=scratch))
    try:
        load_before = os.getloadavg()[0]
        cpu = time.process_time()
        result = generate_population(
            users, seed=seed, out=workdir / "population", chunk_users=chunk_users
        )
        cpu = time.process_time() - cpu
        size = sum(f.stat().st_size for f in (workdir / "population").rglob("*.parquet"))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "users": users,
        "events": result.events,
        "seconds": result.seconds,
        "cpu_seconds": cpu,
        "events_per_s": result.events_per_s,
        "events_per_cpu_s": result.events / cpu,
        "parquet_mb": size / 1e6,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=21_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk-users", type=int, default=CHUNK_USERS)
    parser.add_argument("--dir", type=Path, default=None, help="scratch directory")
    args = parser.parse_args()

    row = measure(args.users, args.seed, args.chunk_users, args.dir)
    ratio = row["events_per_s"] / GOAL_EVENTS_PER_S
    print(
        f"{'users':>8}{'events':>13}{'seconds':>9}{'events/s':>12}{'goal':>11}{'ratio':>8}"
        f"{'cpu s':>8}{'events/cpu-s':>14}{'MB':>8}{'load':>6}"
    )
    print(
        f"{row['users']:>8,}{row['events']:>13,}{row['seconds']:>9.2f}"
        f"{row['events_per_s']:>12,.0f}{GOAL_EVENTS_PER_S:>11,}{ratio:>7.2f}x"
        f"{row['cpu_seconds']:>8.1f}{row['events_per_cpu_s']:>14,.0f}{row['parquet_mb']:>8.0f}"
        f"{row['load_average_before']:>6.1f}"
    )
    OUT.mkdir(exist_ok=True)
    report = {
        "figures": row,
        "goal_events_per_s": GOAL_EVENTS_PER_S,
        "chunk_users": args.chunk_users,
        "seed": args.seed,
        "machine": {
            "python": platform.python_version(),
            "cpu": platform.processor(),
            "cores": os.cpu_count(),
        },
    }
    (OUT / "generate.json").write_text(json.dumps(report, indent=2))
    print(f"wrote {OUT / 'generate.json'}")


if __name__ == "__main__":
    main()

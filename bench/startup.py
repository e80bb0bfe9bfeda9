"""CLI start-up benchmark: how long `credo --help` and each verb's `--help` take.

    .venv/bin/python bench/startup.py [--repeat 5]

Runs each command as a real subprocess --repeat times, prints the median wall and CPU
seconds against the goal (a help text in well under half a second) and writes
bench/out/startup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

CREDO = Path(sys.executable).parent / "credo"
OUT = Path(__file__).resolve().parent / "out"
GOAL_S = 0.5
COMMANDS = [
    [],
    ["ingest"],
    ["init"],
    ["quarantine", "list"],
    ["consent", "grant"],
    ["export", "events"],
    ["generate"],
    ["import", "taiwan"],
    ["features", "build"],
    ["train"],
    ["score"],
    ["evaluate"],
    ["demo"],
]


def time_once(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, of the child) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([str(CREDO), *command, "--help"], check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rows = {}
    print(f"{'command':<28}{'wall s':>9}{'cpu s':>9}{'goal s':>9}{'ratio':>8}")
    for command in COMMANDS:
        runs = [time_once(command) for _ in range(args.repeat)]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        name = " ".join(["credo", *command, "--help"])
        rows[name] = {"wall_s": wall, "cpu_s": cpu}
        print(f"{name:<28}{wall:>9.3f}{cpu:>9.3f}{GOAL_S:>9.2f}{wall / GOAL_S:>7.2f}x")
    OUT.mkdir(exist_ok=True)
    report = {"figures": rows, "goal_s": GOAL_S, "load_average": os.getloadavg()}
    (OUT / "startup.json").write_text(json.dumps(report, indent=2))
    print(f"wrote {OUT / 'startup.json'} (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()

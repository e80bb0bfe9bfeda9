"""`credo demo`: the whole job on a synthetic population, one verb at a time.

The demo runs the same verbs a user would, each in its own process (so each opens and
closes the store like a real run), and prints every command before it runs it: the output
doubles as a tour of the CLI.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.rule import Rule

from credo.commands.common import console, fail


def split_outcomes(
    outcomes: Path, train_out: Path, holdout_out: Path, holdout_share: float, seed: int
) -> tuple[int, int]:
    """Split an outcomes file by person, at random with a seed, into training and held-out."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(outcomes)
    held = np.random.default_rng(seed).random(table.num_rows) < holdout_share
    pq.write_table(table.filter(pa.array(~held)), train_out)
    pq.write_table(table.filter(pa.array(held)), holdout_out)
    return int((~held).sum()), int(held.sum())


def _run(*parts: object) -> None:
    args = [str(part) for part in parts]
    shown = " ".join(shlex.quote(a) for a in ["credo", *args])
    console.print(Rule(f"[bold]$ {shown}", align="left"), width=min(console.width, 100))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "credo", *args], check=False)
    if done.returncode != 0:
        fail(f"`{shown}` failed with exit code {done.returncode}; see its message above")
    console.print(f"[dim]({time.perf_counter() - started:.1f} s)[/]")


DEMO_MARKER = ".credo-demo"


# Everything a demo writes in its folder: the only entries it ever deletes.
DEMO_OUTPUTS = frozenset(
    {
        DEMO_MARKER,
        "population",
        "credo.duckdb",
        "credo.duckdb.wal",
        "credo.duckdb.segments",
        "credo.duckdb.tmp",
        "features.parquet",
        "outcomes_train.parquet",
        "outcomes_holdout.parquet",
        "model.json",
        "scores.csv",
        "report.html",
    }
)


def _foreign_entries(directory: Path) -> list[str]:
    """What in the folder a demo did not write. A folder without the marker is an earlier
    demo's only if it holds the population and store a demo leaves (demos before the marker);
    otherwise everything in it is foreign."""
    if not directory.exists():
        return []
    names = sorted(p.name for p in directory.iterdir())
    # and the hidden files of outputs a killed run was writing (NAME.XXXX.part, a dataset's
    # .population.partial-PID), nothing else of a like name
    parts = tuple(f".{o}." for o in DEMO_OUTPUTS)
    ours = DEMO_OUTPUTS | {
        n
        for n in names
        if (n.startswith(parts) and n.endswith(".part")) or n.startswith(".population.partial-")
    }
    foreign = [n for n in names if n not in ours]
    earlier = (directory / DEMO_MARKER).exists() or (
        (directory / "population").is_dir() and (directory / "credo.duckdb").is_file()
    )
    if names and not earlier:
        return names
    return foreign


def demo(
    directory: Annotated[
        Path, typer.Option("--dir", help="Where the demo writes its population, store and outputs.")
    ] = Path("demo"),
    users: Annotated[int, typer.Option(help="People in the synthetic population.")] = 5000,
    seed: Annotated[int, typer.Option(help="Random seed of the population.")] = 7,
    scale: Annotated[
        str, typer.Option(help="Score scale: fico (300-850) or sesame (350-950).")
    ] = "fico",
    holdout: Annotated[float, typer.Option(help="Share of people held out for evaluation.")] = 0.3,
    policy: Annotated[
        str,
        typer.Option(
            help="Jurisdiction policy the features are built under (us, eu, cn or a policy "
            "JSON file); training follows the features, the fairness audit its protected list."
        ),
    ] = "us",
) -> None:
    """Run the whole job on a synthetic population: generate, ingest, compact, features, train,
    score, evaluate. Starts from scratch in --dir each time: an earlier demo's outputs there
    are deleted first, so the demo refuses a folder that holds anything else."""
    from credo.commands.model import check_scale
    from credo.events.synthetic import GenerationError, PopulationSpec
    from credo.policy import PolicyError, load_policy

    # the settings are checked before minutes of work, not after
    try:
        load_policy(policy)
    except PolicyError as exc:
        fail(str(exc))
    check_scale(scale)
    if not 0.0 < holdout < 1.0:
        fail(f"--holdout {holdout}: give the share held out, above 0 and below 1 (e.g. 0.3)")
    try:  # --users and --seed as generate would refuse them, before the folder is emptied
        PopulationSpec(users, seed=seed).validate()
    except GenerationError as exc:
        fail(str(exc))
    foreign = _foreign_entries(directory)
    if foreign:
        fail(
            f"--dir {directory} holds what an earlier demo did not write"
            f" ({', '.join(foreign[:5])}{', ...' if len(foreign) > 5 else ''}), and the demo"
            " replaces the folder's contents: name a new or empty folder, or an earlier demo's"
        )
    if directory.exists():
        for entry in directory.iterdir():  # the demo's own outputs only, never the folder
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / DEMO_MARKER).write_text("written by `credo demo`, which replaces this folder\n")
    population = directory / "population"
    db = directory / "credo.duckdb"
    features = directory / "features.parquet"
    model = directory / "model.json"
    train_outcomes = directory / "outcomes_train.parquet"
    holdout_outcomes = directory / "outcomes_holdout.parquet"

    _run("generate", "--users", users, "--seed", seed, "--out", population)
    _run("init", "--db", db)
    _run("ingest", population, "--db", db)
    _run("compact", "--db", db)
    _run(
        "features",
        "--db",
        db,
        "--as-of-file",
        population / "outcomes.parquet",
        "--policy",
        policy,
        "--out",
        features,
    )
    n_train, n_holdout = split_outcomes(
        population / "outcomes.parquet", train_outcomes, holdout_outcomes, holdout, seed
    )
    console.print(f"split people: {n_train} for training, {n_holdout} held out for evaluation")
    _run(
        "train",
        "--features",
        features,
        "--outcomes",
        train_outcomes,
        "--scale",
        scale,
        "--challenger",
        "--out",
        model,
    )
    _run("score", "--model", model, "--features", features, "--out", directory / "scores.csv")
    _run(
        "evaluate",
        "--model",
        model,
        "--features",
        features,
        "--outcomes",
        holdout_outcomes,
        # the generator keeps age and sex apart from the events: audited, never features
        "--protected-file",
        population / "protected.parquet",
        "--policy",
        policy,
        "--report",
        directory / "report.html",
    )
    console.print(Rule("[bold green]done", align="left"), width=min(console.width, 100))
    console.print(
        f"store: {db}\nfeatures: {features}\nmodel: {model}\n"
        f"scores: {directory / 'scores.csv'}\nreport: {directory / 'report.html'}"
    )


def register(app: typer.Typer) -> None:
    """Add the demo verb to the credo app."""
    app.command("demo")(demo)

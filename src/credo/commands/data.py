"""CLI verbs that make dataset directories: `credo generate` and `credo import taiwan`."""

from __future__ import annotations

import inspect
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from credo.commands.common import console, fail, flag, make_console
from credo.events.synthetic_defaults import CHUNK_USERS, DEFAULT_LATEST_AS_OF

if TYPE_CHECKING:  # the verbs import their engines when they run: `--help` stays fast
    from credo.events.dataset import DatasetSummary

stdout = make_console()

import_app = typer.Typer(
    help="Turn a public data set into a credo dataset directory.", no_args_is_help=True
)

OutOption = Annotated[
    Path,
    typer.Option(
        "--out", help="The dataset directory to write (refused if it exists and is not empty)."
    ),
]
OverwriteOption = Annotated[bool, flag("--overwrite", help="Replace an existing --out directory.")]


def _as_of(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD") from None


def generate(
    users: Annotated[int, typer.Option("--users", help="How many people to generate.")],
    out: OutOption,
    months: Annotated[
        int, typer.Option("--months", help="Months of history before each person's as-of date.")
    ] = 24,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same files.")] = 0,
    bad_rate: Annotated[
        float,
        typer.Option("--bad-rate", help="Target share of people who default after their as-of."),
    ] = 0.08,
    as_of: Annotated[
        str,
        typer.Option(
            "--as-of",
            help="The latest as-of date (YYYY-MM-DD); people's as-of dates spread over the 12"
            " months up to it, and the 12-month performance window after it must be past.",
        ),
    ] = DEFAULT_LATEST_AS_OF.isoformat(),
    chunk_users: Annotated[
        int,
        typer.Option(
            "--chunk-users", help="People simulated (and held in memory) at a time.", hidden=True
        ),
    ] = CHUNK_USERS,
    overwrite: OverwriteOption = False,
) -> None:
    """Generate a synthetic population as a dataset directory.

    Latent traits per person (income level and regularity, discipline, shocks, tenure,
    digital activity, thin file) drive events in every source (cards, loans, bank, utility,
    telecom, rent, e-commerce, P2P, identity, social) and default in the 12 months after each
    person's as-of date. Writes events/, consents.parquet, outcomes.parquet,
    protected.parquet and README.md; load it with `credo ingest DIR`.
    """
    from credo.events.dataset import DatasetError
    from credo.events.synthetic import GenerationError, generate_population

    latest = _as_of(as_of)
    with _progress("generating people", users) as (progress, task):
        try:
            result = generate_population(
                users,
                months=months,
                seed=seed,
                bad_rate=bad_rate,
                out=out,
                as_of=latest,
                chunk_users=chunk_users,
                overwrite=overwrite,
                progress=lambda done: progress.advance(task, done),
            )
        except (GenerationError, DatasetError) as exc:
            fail(str(exc))
    table = Table(title=f"generated {out}", show_header=False)
    table.add_row("users", f"{result.users:,}")
    table.add_row("events", f"{result.events:,} ({result.events / result.users:,.0f} per user)")
    table.add_row("bad rate", f"{result.bad_rate:.2%} (asked for {bad_rate:.2%})")
    table.add_row("time", f"{result.seconds:,.1f} s")
    table.add_row("events/s", f"{result.events_per_s:,.0f}")
    stdout.print(table)


def taiwan(
    csv: Annotated[
        Path,
        typer.Argument(
            metavar="CSV", help="The Taiwan credit card CSV (or any file with its columns)."
        ),
    ],
    out: OutOption,
    overwrite: OverwriteOption = False,
) -> None:
    """Import the UCI Taiwan credit card clients CSV as a dataset directory.

    One card account per client; per month (April to September 2005) a statement, a payment
    and an account status with days past due; a profile (education, age); consents for card
    and identity; outcomes as of 2005-10-01; sex, marriage and age only in
    protected.parquet. The mapping is documented in docs/taiwan.md.
    """
    from credo.events.dataset import DatasetError
    from credo.events.taiwan import TaiwanFormatError, import_taiwan

    try:
        summary = import_taiwan(csv, out, overwrite=overwrite)
    except (TaiwanFormatError, DatasetError) as exc:
        fail(str(exc))
    _print_summary(f"imported {csv} into {out}", summary)


def _print_summary(title: str, summary: DatasetSummary) -> None:
    table = Table(title=title, show_header=False)
    table.add_row("users", f"{summary.users:,}")
    table.add_row("events", f"{summary.events:,}")
    table.add_row("time range", f"{summary.first_ts} to {summary.last_ts}")
    if summary.bad_rate is not None:
        table.add_row("bad rate", f"{summary.bad_rate:.2%}")
    table.add_row("consent rows", f"{summary.consent_rows:,}")
    stdout.print(table)


class _progress:  # noqa: N801 - used as `with _progress(...) as (bar, task):`
    """A Rich progress bar on stderr, advanced by people finished."""

    def __init__(self, label: str, total: int) -> None:
        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._label, self._total = label, total

    def __enter__(self):
        self._bar.start()
        return self._bar, self._bar.add_task(self._label, total=self._total)

    def __exit__(self, exc_type, exc, tb) -> bool:
        self._bar.stop()
        return False


def _help(doc: str | None) -> str:
    """A docstring as help text: paragraphs kept, lines within a paragraph joined."""
    paragraphs = inspect.cleandoc(doc or "").split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


def register(app: typer.Typer) -> None:
    """Add this area's verbs to the credo app."""
    app.command("generate", help=_help(generate.__doc__))(generate)
    import_app.command("taiwan", help=_help(taiwan.__doc__))(taiwan)
    app.add_typer(import_app, name="import")

"""Progress of a long ingest on stderr: a Rich bar on a terminal, one line per committed
chunk otherwise (logs, pipes), nothing when turned off."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn


class NoProgress:
    """Progress reporting turned off."""

    def add_task(self, description: str, **fields: object) -> str:
        return description

    def update(self, task: str, **fields: object) -> None:
        return None

    def __enter__(self) -> NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class LineProgress(NoProgress):
    """Progress as one stderr line per committed chunk, for logs and pipes (no terminal)."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def update(self, task: str, **fields: object) -> None:
        rows = fields.get("rows", 0)
        self.console.print(f"{task}: {rows:,} rows read (stored or quarantined)", highlight=False)


def progress_bar(enabled: bool) -> Progress | NoProgress:
    if not enabled:
        return NoProgress()
    console = Console(stderr=True)
    if not console.is_terminal:
        return LineProgress(console)
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rows]:,} rows"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )

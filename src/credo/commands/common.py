"""Options and error handling shared by the CLI verbs."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.errors import MarkupError

# The markup credo's own messages use; any other bracket is the data's own text
_STYLES = r"(?:/?(?:bold|yellow|red|green|blue|dim|bold red|bold green)|/)"
_OWN_MARKUP = re.compile(rf"(?<!\\)\[(?!{_STYLES}\])")
_OWN_STYLE = re.compile(rf"(?<!\\)\[{_STYLES}\]")


class _Console(Console):
    """A console whose text reads brackets as text, except credo's own few styles: a column
    named "income[monthly]" printed as "income", "[/]" stopped `credo train` with a markup
    error after the model was written, and a level "[red]x" printed red."""

    def render_str(self, text: str, **kwargs: Any) -> Any:
        if kwargs.get("markup") is False:
            return super().render_str(text, **kwargs)
        text = _OWN_MARKUP.sub(r"\[", text)
        for _ in range(text.count("[/") + 1):
            try:
                return super().render_str(text, **kwargs)
            except MarkupError as error:
                # a "[/]" or "[/dim]" of the data's, with nothing of credo's to close: text
                at = re.search(r"closing tag '\[/[^']*\]' at position (\d+)", str(error))
                if at is None:
                    break
                position = int(at.group(1))
                text = f"{text[:position]}\\{text[position:]}"
        return super().render_str(_OWN_STYLE.sub("", text), **{**kwargs, "markup": False})


# The width tables are laid out to in a file or a pipe, unless $COLUMNS says otherwise: at
# Rich's 80, `credo model show > model.txt` cut feature names to "ph_mont…" (three features
# alike) and the content hash short
PIPED_TABLE_WIDTH = 400


def make_console(stderr: bool = False) -> Console:
    """A console that wraps words to a terminal's width, and writes a message as one line
    where the output is a file or a pipe (a log to grep), not wrapped at 80 columns, and lays
    tables out there wide enough for whole names."""
    made = _Console(stderr=stderr)
    made.soft_wrap = not made.is_terminal
    if not made.is_terminal and not os.environ.get("COLUMNS"):
        made.width = PIPED_TABLE_WIDTH
    return made


console = make_console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="The store file (default: $CREDO_DB, else ./credo.duckdb)."),
]

_OUTCOME_VALUE_HELP = {
    "--bad-value": "A value of --target that means bad (repeat for several; the rest are good), "
    "for targets not written as 0/1, e.g. --bad-value 'Charged Off' or --bad-value 2.",
    "--good-value": "With --bad-value: a value of --target that means good (repeatable); rows "
    "holding neither (e.g. loans still running) are left out.",
}
_MODEL_DEFAULT = " Default: the values the model was trained with."


def _outcome_values(flag: str, default_note: str = "") -> Any:
    return Annotated[
        list[str] | None, typer.Option(flag, help=_OUTCOME_VALUE_HELP[flag] + default_note)
    ]


BadValueOption = _outcome_values("--bad-value")
GoodValueOption = _outcome_values("--good-value")
# credo evaluate: the same, defaulting to the values the model was trained with
EvalBadValueOption = _outcome_values("--bad-value", _MODEL_DEFAULT)
EvalGoodValueOption = _outcome_values("--good-value", _MODEL_DEFAULT)


def flag(*decls: str, **settings: Any) -> Any:
    """A boolean option: shown without a value placeholder (Typer would show `<bool>`, as if
    `--json true` were how to give it)."""
    return typer.Option(*decls, metavar="", **settings)


def fail(message: str, code: int = 1) -> None:
    """Print an error that says what to do, and exit."""
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def check_output(
    out: Path,
    flag: str,
    *,
    suffixes: tuple[str, ...] = (),
    inputs: tuple[Path | None, ...] = (),
) -> None:
    """Refuse an output path that cannot be or must not be written, before any work: a
    directory, a file of the wrong kind, or one of the command's own inputs (the store, say)."""
    resolved = out.resolve()
    for given in inputs:
        if given is not None and given.resolve() == resolved:
            fail(f"{flag} {out} is also an input of this command; write to another file")
    if out.is_dir():
        fail(f"{flag} {out} is a directory; name a file (in it or elsewhere)")
    if suffixes and out.suffix.lower() not in suffixes:
        fail(f"{flag} {out}: the file is written as {' or '.join(suffixes)}; name it so")
    check_writable(out, flag)


def policy_file(policy: str | None) -> Path | None:
    """The file a --policy names (an input an output must not overwrite), or None for a
    preset's name or no --policy."""
    from credo.policy import PRESETS

    return None if policy is None or policy in PRESETS else Path(policy)


def check_writable(out: Path, flag: str, *, folder_out: bool = False) -> None:
    """Refuse, before any work, a path that could not be written: under a file, or in a folder
    (the nearest one that exists; missing ones are made) this process may not write in.
    `folder_out`: `out` is a folder to write into, not a file."""
    folder = out.resolve() if folder_out else out.resolve().parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        fail(f"{flag} {out}: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        fail(f"{flag} {out}: this process may not write in {folder} (read-only or not yours)")


class handle_store_errors:  # noqa: N801 - reads as a statement: `with handle_store_errors():`
    """Turn a StoreError into a one-line message and exit code 1."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        from credo.store.db import StoreError  # imported here: `--help` need not load duckdb

        if exc_type is not None and issubclass(exc_type, StoreError):
            fail(str(exc))
        return False


def note_empty_rows(frame: Any) -> None:
    """Say which rows of nothing at all a plain table's reading left out
    (`tables.empty_rows_note`)."""
    from credo.model.tables import empty_rows_note, short_rows_warning

    said = empty_rows_note(frame)
    if said:
        console.print(f"[yellow]note:[/] {said}")
    short = short_rows_warning(frame)
    if short:
        console.print(f"[yellow]warning:[/] {short}")


def names_as_the_model_has_them_noted(frame: Any, needed: Sequence[str]) -> Any:
    """The table's columns named as the model has them where only spaces around the names
    differ (`tables.names_as_the_model_has_them`), said in a note."""
    from rich.markup import escape

    from credo.model.tables import names_as_the_model_has_them

    frame, renamed = names_as_the_model_has_them(frame, list(needed))
    for written, name in renamed.items():
        console.print(
            f"[yellow]note:[/] column {escape(repr(written))} read as the model's"
            f" {escape(repr(name))} (the names differ only by the spaces around them)"
        )
    return frame

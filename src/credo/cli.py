"""The credo command line: one Typer app, every verb a user needs.

Each area registers its verbs from credo/commands/<area>.py, so the app stays a table of
contents and every verb's code sits next to its kind.
"""

from __future__ import annotations

import inspect
import os
import sys

# OpenMP's threads (LightGBM's, in the challenger) spin while they wait for each other: on a
# machine whose cores are busy with anything else, a challenger of 10,000 rows took 119 s
# instead of 8 (2 cores, one busy). Waiting passively costs next to nothing on an idle
# machine. Set before any OpenMP library loads; a user's own setting stands.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import typer
from rich.markup import escape
from typer.core import TyperCommand, TyperGroup
from typer.models import DefaultPlaceholder

from credo.commands import data, demo, evaluate, features, model, store
from credo.store import MEMORY_LIMIT_VARIABLE

app = typer.Typer(
    name="credo",
    help="credo: events to point-in-time features to an explainable credit score.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def reflowed(doc: str) -> str:
    """A docstring as help text: each paragraph (split at blank lines) one line for the
    terminal to wrap, where the source's line breaks came out as ragged lines, and rich's
    markup taken literally ("[id,]" was dropped as a tag)."""
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(escape(" ".join(p.split())) for p in paragraphs if p.strip())


def _help_option_as_a_flag(cls):
    """The command class, its --help shown as the flag it is (Typer shows `<bool>` beside it,
    as if `--help true` were how to ask), as `commands.common.flag` shows credo's own flags."""

    class Command(cls):
        def get_help_option(self, ctx):
            option = super().get_help_option(ctx)
            if option is not None:
                option.metavar = ""
            return option

    return Command


_COMMAND = _help_option_as_a_flag(TyperCommand)
_GROUP = _help_option_as_a_flag(TyperGroup)


def _typers_own(cls, default: type) -> bool:
    """No command class was chosen: Typer's default (or a placeholder standing for it)."""
    return cls is None or cls is default or isinstance(cls, DefaultPlaceholder)


def _reflow_help(group: typer.Typer) -> None:
    if _typers_own(group.info.cls, TyperGroup):
        group.info.cls = _GROUP
    for info in group.registered_commands:
        info.help = reflowed(info.help or inspect.getdoc(info.callback) or "")
        if _typers_own(info.cls, TyperCommand):
            info.cls = _COMMAND
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            _reflow_help(sub.typer_instance)


for area in (store, data, features, model, evaluate, demo):
    area.register(app)
_reflow_help(app)


def main() -> None:
    try:
        app()
    except SystemExit as exc:
        if exc.code == 130:  # Ctrl-C: Typer turns it into exit 130 itself
            _stopped()
        raise
    except OSError as exc:
        # a full disk, a folder made read-only midway: said in one line (outputs are written
        # whole or not at all, so none is left half-written)
        where = f" {exc.filename}" if exc.filename else ""
        why = exc.strerror or ("no such file" if isinstance(exc, FileNotFoundError) else exc)
        print(f"error: could not read or write{where}: {why}", file=sys.stderr)
        raise SystemExit(1) from None
    except Exception as exc:
        # DuckDB's own errors, matched by name: this module does not import DuckDB
        if isinstance(exc, RuntimeError) and "interrupt" in str(exc).lower():
            _stopped()  # Ctrl-C within a DuckDB query
        if type(exc).__name__ == "OutOfMemoryException":
            limit = os.environ.get(MEMORY_LIMIT_VARIABLE)
            print(
                "error: DuckDB ran out of memory"
                + (
                    f" within {MEMORY_LIMIT_VARIABLE}={limit}: raise it, or leave it unset"
                    if limit
                    else f": free memory, or set {MEMORY_LIMIT_VARIABLE} lower to make it spill"
                    " to disk"
                ),
                file=sys.stderr,
            )
            raise SystemExit(1) from None
        raise


def _stopped() -> None:
    print(
        "stopped: the output being written was left as it was (files are replaced only"
        " when whole; a store keeps every batch it finished)",
        file=sys.stderr,
    )
    raise SystemExit(130)


if __name__ == "__main__":
    main()

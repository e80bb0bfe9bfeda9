"""The credo command line: one Typer app, every verb a user needs.

Each area registers its verbs from credo/commands/<area>.py, so the app stays a table of
contents and every verb's code sits next to its kind.
"""

from __future__ import annotations

import typer

from credo.commands import data, demo, evaluate, features, model, store

app = typer.Typer(
    name="credo",
    help="credo: events to point-in-time features to an explainable credit score.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for area in (store, data, features, model, evaluate, demo):
    area.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()

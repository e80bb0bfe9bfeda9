"""`credo evaluate`: measure a trained model on labelled data and write the committee report."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from credo import output
from credo.commands.common import (
    EvalBadValueOption,
    EvalGoodValueOption,
    check_output,
    console,
    fail,
    names_as_the_model_has_them_noted,
    note_empty_rows,
    policy_file,
)

if TYPE_CHECKING:  # imported inside the functions: `credo --help` need not load them
    import numpy as np
    import pandas as pd

PROTECTED_FILE_KEY = "user_id"


def protected_key(
    id_option: str | None, trained_id: str | None, table: Path | None, columns: Sequence[str]
) -> str:
    """The column a protected-attributes file is joined on: user_id for a feature table; for
    a plain table its --id, else the id column the model was trained with where the table
    has it, else user_id."""
    if table is None:
        if id_option is not None and id_option != PROTECTED_FILE_KEY:
            fail(f"--id is for plain tables: a feature table's people are its {PROTECTED_FILE_KEY}")
        return PROTECTED_FILE_KEY
    if id_option is not None:
        if id_option not in columns:
            fail(f"{table}: no id column {id_option!r} (--id); columns are {', '.join(columns)}")
        return id_option
    if trained_id and trained_id in columns:
        return trained_id
    return PROTECTED_FILE_KEY


def _protected_matches(columns: list[str], names: tuple[str, ...]) -> list[str]:
    """Columns that name a protected attribute, by the rule training refuses them with."""
    from credo.model.training import names_protected

    return [column for column in columns if names_protected(str(column), names)]


def _load_labelled(
    table: Path | None,
    target: str | None,
    features: Path | None,
    outcomes: Path | None,
    bad_values: list[str],
    good_values: list[str],
    text_columns: list[str] | None = None,
    scorecard: Any = None,
    id_column: str | None = None,
    trained_target: str | None = None,
    comma_thousands: bool = False,
    leaves_unscored: bool = False,
    values_trained_with: bool = False,
) -> tuple[pd.DataFrame, np.ndarray, str, str, np.ndarray]:
    """The labelled rows, their outcomes, where they came from, how the outcome was read, and
    which rows the model (`scorecard`) cannot score (no data from a consented source in any
    column it reads; `leaves_unscored`: a feature-table model, which leaves them unscored
    whichever option gave its table). A plain table's `id_column` is read as written (zeros
    kept)."""
    import numpy as np

    from credo.model import unscorable
    from credo.model.columns import TargetError, known_outcomes
    from credo.model.tables import (
        header_below_hint,
        join_outcomes,
        read_features,
        read_plain_table,
        written_otherwise_hint,
    )

    if table is not None:
        if features is not None or outcomes is not None:
            fail("give either --table with --target, or --features with --outcomes, not both")
        if not target:
            fail("--table needs --target COL: the column holding 1 for bad and 0 for good")
        # the columns training read as text are read so again (ModelArtifact.text_inputs)
        frame = read_plain_table(
            table, text_columns or [], id_column=id_column, comma_thousands=comma_thousands
        )
        if target not in frame.columns:
            fail(
                f"{table}: no target column {target!r}"
                + (
                    written_otherwise_hint(target, frame)
                    or f"; columns are {', '.join(map(str, frame.columns))}"
                    + header_below_hint(table, frame)
                )
            )
        note_empty_rows(frame)
        named = target
        source = str(table)
    else:
        if features is None or outcomes is None:
            fail("give --table T --target COL, or --features F --outcomes O")
        frame, _ = read_features(features)
        # the outcomes file's column as named, else as the model's training named it
        named = target or trained_target or "bad"
        frame = join_outcomes(frame, outcomes, named)
        target = "bad"
        source = f"{features}, outcomes from {outcomes}"
    try:
        frame, y, left_out = known_outcomes(frame, target, bad_values, good_values, source)
    except TargetError as exc:
        trained_with = (
            f"; the model was trained with --bad-value {' '.join(map(repr, bad_values))}: name"
            " what this file writes with --bad-value (and --good-value)"
            if values_trained_with
            else ""
        )
        fail(f"{exc}{trained_with}")
    # told by the column's own name: join_outcomes calls an outcomes file's "bad"
    outcome = outcome_definition(named, bad_values, good_values, left_out)
    empty = np.zeros(len(frame), dtype=bool)
    # the unscorable get no score: declined, in no other figure (a feature-table model's
    # table given by --table too: their empty pd had stopped the evaluation)
    if features is not None or leaves_unscored:
        try:
            empty = unscorable.unscorable_rows(frame, scorecard)
        except ValueError as exc:
            fail(f"{source}: {exc}")
        count = int(empty.sum())
        if count:
            outcome += (
                f"; {output.people(count)} with no data from a consented source in what the model"
                " reads left out (counted as declined in the fairness checks)"
            )
            console.print(
                f"[yellow]note:[/] {output.people(count)} of whom the model reads no data from a"
                f" consented source {'is' if count == 1 else 'are'} unscorable: left out of every"
                " figure but the fairness checks (declined there)"
            )
    return frame, y.astype(np.int8), source, outcome, empty


def _trained_policy(training: dict[str, Any], columns_named: bool) -> str:
    """The policy whose protected attributes are audited where --policy is not given: the one
    the model was trained under (an EU model's disability and sexual orientation had gone
    unaudited under the US list). A policy file of its own cannot be found by its name: the US
    list then, said (unless --protected names the columns)."""
    from credo.policy import PRESETS

    recorded = training.get("policy") or "us"
    if recorded in PRESETS:
        return recorded
    if not columns_named:
        console.print(
            f"[yellow]warning:[/] the model was trained under the policy {recorded!r}, a file"
            " of its own: the audit takes the attributes the us preset protects; give that"
            " file with --policy FILE to audit its own"
        )
    return "us"


def outcome_definition(target: str, bad: list[str], good: list[str], left_out: int) -> str:
    """How bad was read, in words, for the report."""
    if not bad:
        return f"bad: {target} = 1"
    words = f"bad: {target} is {' or '.join(map(repr, bad))}"
    words += f"; good: {' or '.join(map(repr, good))}" if good else "; good: any other value"
    return words + (
        f"; {left_out:,} rows with another outcome or none left out" if left_out else ""
    )


def _protected_values(
    frame: pd.DataFrame,
    columns: list[str] | None,
    protected_file: Path | None,
    policy: str,
    not_protected: Sequence[str] = (),
    key: str = PROTECTED_FILE_KEY,
) -> dict[str, Any]:
    """Each protected attribute's values, row for row with `frame`: its own columns, or a
    protected-attributes file's, joined on `key` (which the file may also call user_id)."""
    from credo.model.tables import TableError, id_text, read_plain_table

    source = frame
    if protected_file is not None:
        if not protected_file.is_file():
            fail(
                f"{protected_file}: no such protected-attributes file (Parquet or CSV of {key}"
                " and the attributes, e.g. a dataset's protected.parquet)"
            )
        try:  # ids read as text, as written ("007" is not 7)
            extra = read_plain_table(protected_file, id_column=key)
            if key not in extra.columns and PROTECTED_FILE_KEY in extra.columns:
                extra = read_plain_table(protected_file, id_column=PROTECTED_FILE_KEY)
                extra = extra.rename(columns={PROTECTED_FILE_KEY: key})
        except TableError as exc:
            fail(
                f"--protected-file: {exc} (it holds {key} and the protected attributes, as"
                " Parquet or CSV)"
            )
        if key not in frame.columns:
            fail(
                f"{protected_file}: joining protected attributes needs the people's ids in the"
                f" data: it has no {key} column (name the id column with --id)"
            )
        if key not in extra.columns:
            also = f" (or {PROTECTED_FILE_KEY})" if key != PROTECTED_FILE_KEY else ""
            fail(
                f"{protected_file}: joining protected attributes needs a {key}{also} column in"
                f" it; its columns are {', '.join(map(str, extra.columns))}"
            )
        # ids are matched as text (7, 7.0 and " 7" are one person)
        extra[key] = id_text(extra[key]).astype(str)
        keys = frame[[key]].assign(**{key: id_text(frame[key]).astype(str)})
        if extra[key].duplicated().any():
            twice = extra.loc[extra[key].duplicated(), key].iloc[0]
            fail(f"{protected_file}: more than one row per {key} (e.g. {twice!r}): keep one")
        known = keys[key].isin(set(extra[key])).to_numpy()
        if not known.any():
            fail(
                f"{protected_file}: none of its {key}s is among the {len(frame):,} people "
                f"evaluated (it holds e.g. {extra[key].iloc[0]!r}, the people evaluated are"
                f" e.g. {keys[key].iloc[0]!r}): is it another population's file?"
            )
        if not known.all():
            console.print(
                f"[yellow]warning:[/] {int((~known).sum()):,} of the {len(frame):,} people "
                f"evaluated are not in {protected_file} (e.g. "
                f"{frame.loc[~known, key].iloc[0]}): their attributes read as "
                "missing, one group of its own in the fairness checks"
            )
        source = keys.merge(extra, on=key, how="left")
    if columns:
        absent = [c for c in columns if c not in source.columns]
        if absent:
            where = (
                f"in {protected_file}"
                if protected_file is not None
                else "in the data (protected attributes are kept apart from feature tables: "
                "add --protected-file, e.g. a dataset's protected.parquet)"
            )
            fail(
                f"protected column(s) {', '.join(absent)} not found {where}; available: "
                f"{', '.join(map(str, source.columns))}"
            )
        chosen = list(columns)
    else:
        from credo.policy import load_policy

        names = load_policy(policy).protected_attributes
        # columns training was told are only named like a protected attribute are not audited
        candidates = [
            c
            for c in source.columns
            if c not in (key, PROTECTED_FILE_KEY) and str(c) not in not_protected
        ]
        chosen = _protected_matches(candidates, names)
        if not chosen:
            where = f"{protected_file}" if protected_file is not None else "the data"
            console.print(
                f"[yellow]note:[/] no column of {where} names a protected attribute of the"
                f" policy {policy!r}: the report has no fairness audit (name the columns with"
                " --protected, and give a dataset's protected.parquet with --protected-file)"
            )
    return {column: source[column].to_numpy() for column in chosen}


def _print_summary(result: dict[str, Any]) -> None:
    table = Table(title="credo evaluate", show_lines=False)
    table.add_column("check")
    table.add_column("result")
    table.add_column("detail", overflow="fold")
    colours = {"pass": "green", "flag": "red", "info": "blue"}
    for check in result["checks"]:
        status = check["status"]
        table.add_row(check["name"], f"[{colours[status]}]{status}[/]", check["detail"])
    console.print(table)


def evaluate(
    model: Annotated[Path, typer.Option("--model", help="The model file from `credo train`.")],
    report: Annotated[
        Path, typer.Option("--report", help="Where to write the HTML report (self-contained).")
    ],
    table: Annotated[
        Path | None,
        typer.Option("--table", help="A labelled plain table (CSV or Parquet), with --target."),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            help="The outcome column, 1 bad, 0 good: of --table, or of --outcomes (default bad).",
        ),
    ] = None,
    bad_value: EvalBadValueOption = None,
    good_value: EvalGoodValueOption = None,
    features: Annotated[
        Path | None, typer.Option("--features", help="A credo feature table, with --outcomes.")
    ] = None,
    outcomes: Annotated[
        Path | None,
        typer.Option(
            "--outcomes", help="Outcomes, Parquet or CSV (user_id, as_of, bad), for --features."
        ),
    ] = None,
    protected: Annotated[
        list[str] | None,
        typer.Option(
            "--protected",
            help="A protected attribute to audit (repeatable). Default: the columns named "
            "by the policy's protected attributes (e.g. age_in_years for age).",
        ),
    ] = None,
    protected_file: Annotated[
        Path | None,
        typer.Option(
            "--protected-file",
            help="Parquet or CSV of protected attributes joined on user_id (e.g. a "
            "dataset's protected.parquet), or on a plain table's id column (--id).",
        ),
    ] = None,
    id_column: Annotated[
        str | None,
        typer.Option(
            "--id",
            help="The plain table's id column, to join --protected-file on (default: the"
            " model's, if the table has it; else user_id).",
        ),
    ] = None,
    policy: Annotated[
        str | None,
        typer.Option(
            "--policy",
            help="Policy preset or file naming protected attributes (default: the one the"
            " model was trained under).",
        ),
    ] = None,
    cutoff: Annotated[
        float | None,
        typer.Option(
            "--cutoff",
            help="Approve at this score and above, for the fairness checks. Default: decline "
            "as many people as turned out bad.",
        ),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write every figure as JSON here.")
    ] = None,
) -> None:
    """Measure a model on labelled data: discrimination, calibration, bands, stability,
    reasons, challenger and fairness; write an HTML report for a risk committee."""
    import numpy as np

    from credo.evaluate.model_eval import evaluate_artifact
    from credo.evaluate.report import write_report
    from credo.model import unscorable
    from credo.model.artifact import load_model
    from credo.model.row_prints import (
        TRAINING_ROWS_ALL,
        training_rows_interval,
        training_rows_share,
    )
    from credo.model.tables import (
        check_fits_the_model,
        header_below_hint,
        wrong_input_hint,
    )
    from credo.model.training import file_fingerprint

    inputs = (model, table, features, outcomes, protected_file, policy_file(policy))
    check_output(report, "--report", suffixes=(".html", ".htm"), inputs=inputs)
    if json_out is not None:
        if json_out.resolve() == report.resolve():
            fail(f"--json {json_out} is the --report file too; write the figures to another file")
        check_output(json_out, "--json", inputs=inputs)
    progress_columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    try:
        with Progress(*progress_columns, console=console, transient=True) as progress:
            step = progress.add_task("loading the model", total=4)
            artifact = load_model(model)
            if features is not None:
                check_fits_the_model(features, artifact.training)
            elif table is not None:
                check_fits_the_model(table, artifact.training, as_table=True)
            policy = policy or _trained_policy(artifact.training, bool(protected))
            progress.update(step, advance=1, description="reading the data")
            # the outcome is read as the model was trained on, unless told otherwise
            trained = {} if bad_value else artifact.training
            bad_values = bad_value or trained.get("bad_values") or []
            trained_id = artifact.training.get("id_column")
            good_values = good_value or trained.get("good_values") or []
            frame, y, source, outcome, unscored = _load_labelled(
                table,
                target,
                features,
                outcomes,
                bad_values,
                good_values,
                artifact.text_inputs(),
                artifact.scorecard,
                # people matched to a protected-attributes file by their ids as written
                (id_column or trained_id or PROTECTED_FILE_KEY)
                if table is not None and protected_file is not None
                else None,
                # a feature-table model's outcome column (a plain table's names its own)
                artifact.training.get("target")
                if artifact.training.get("kind") == "features"
                else None,
                bool(artifact.training.get("comma_thousands")),
                unscorable.applies(artifact.training),
                bool(bad_values) and not bad_value,
            )
            challenger = artifact.challenger_model()
            needed = list(artifact.scorecard.features_)
            needed += [n for n in (challenger.features_ if challenger else ()) if n not in needed]
            frame = names_as_the_model_has_them_noted(frame, needed)
            missing = [n for n in artifact.scorecard.features_ if n not in frame.columns]
            if missing:
                fail(
                    f"the input lacks {len(missing)} column(s) the model needs: "
                    f"{', '.join(map(repr, missing))}; evaluate on data with the columns the"
                    " model was trained on"
                    + wrong_input_hint(artifact.training, features is not None)
                    + (header_below_hint(table, frame) if table is not None else "")
                )
            key = protected_key(id_column, trained_id, table, list(map(str, frame.columns)))
            # the attributes of everyone, the scored first: the people without a score are
            # declined in the fairness checks, and in no other figure
            groups = _protected_values(
                frame,
                protected,
                protected_file,
                policy,
                artifact.training.get("not_protected") or (),
                key,
            )
            unscored_y = None
            if unscored.any():
                order = np.r_[np.flatnonzero(~unscored), np.flatnonzero(unscored)]
                groups = {name: values[order] for name, values in groups.items()}
                unscored_y = y[unscored]
                frame, y = frame.loc[~unscored].reset_index(drop=True), y[~unscored]

            data_files = [p for p in (table, features, outcomes) if p is not None]
            trained_on = artifact.training.get("data_fingerprint")
            same_data = file_fingerprint(data_files) == trained_on if trained_on else None
            # the training rows in another file, another order, or among new rows
            share = interval = None
            if not same_data:
                row_sample = artifact.training.get("row_sample")
                share = training_rows_share(row_sample, frame)
                interval = training_rows_interval(share, row_sample, len(frame))
                if share is not None and share >= TRAINING_ROWS_ALL:
                    same_data = True
            progress.update(step, advance=1, description="scoring and measuring")
            result = evaluate_artifact(
                artifact,
                frame,
                y,
                protected=groups,
                unscored_y=unscored_y,
                cutoff=cutoff,
                model_path=str(model),
                data_source=source,
                outcome=outcome,
                same_as_training=same_data,
                training_rows_share=share,
                training_rows_interval=interval,
            )
            progress.update(step, advance=1, description="writing the report")
            write_report(result, report)
            if json_out is not None:
                output.write_text(json_out, json.dumps(result, indent=1, allow_nan=False) + "\n")
            progress.update(step, advance=1)
    except ValueError as exc:  # bad input: ArtifactError, TableError, PolicyError, metric errors
        fail(str(exc))
    _print_summary(result)
    console.print(f"report written to {report}" + (f", figures to {json_out}" if json_out else ""))
    for words in result["data"].get("reading_notes", []):
        console.print(f"note: {words}")


def register(app: typer.Typer) -> None:
    """Add the `evaluate` verb to the credo app."""
    app.command("evaluate")(evaluate)

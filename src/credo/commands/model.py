"""CLI verbs for models: train, score, model show, model sql."""

from __future__ import annotations

import re
import shlex
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from credo import output
from credo.commands.common import (
    BadValueOption,
    GoodValueOption,
    check_output,
    console,
    fail,
    flag,
    make_console,
    names_as_the_model_has_them_noted,
    note_empty_rows,
    policy_file,
)

# The model stack (scikit-learn, pandas, sqlglot) loads inside the verbs, so `credo --help`
# and the other areas' verbs stay quick to start.
SCALES = ("fico", "sesame")


def check_scale(scale: str) -> None:
    """Refuse an unknown --scale before any work."""
    if scale not in SCALES:
        fail(f"unknown scale {scale!r}: choose {' or '.join(SCALES)}")


# credo.model.binning.MONOTONIC_CHOICES, kept here so --help imports no numpy (a test checks)
MONOTONIC_CHOICES = ("auto", "auto_bend", "ascending", "descending", "peak", "valley", "none")
DIALECTS = ("duckdb", "spark")

stdout = make_console()
model_app = typer.Typer(
    help="Look inside a trained model, or compile it to SQL.", no_args_is_help=True
)
SCORE_COLUMNS = ["score", "pd", "band", "reason_1", "reason_2", "reason_3", "reason_4"]
TEXT_COLUMNS = ["reason_5"] + [f"reason_{r}_text" for r in range(1, 6)]
SCORE_CHUNK_ROWS = 200_000

FeaturesOption = Annotated[
    Path | None,
    typer.Option("--features", help="A credo feature table (Parquet from `credo features`)."),
]
TableOption = Annotated[
    Path | None,
    typer.Option(
        "--table",
        help="A plain table, CSV or Parquet (a file, or a folder of part files as Spark writes"
        " one), one row per person.",
    ),
]
IdOption = Annotated[
    str | None,
    typer.Option(
        "--id",
        help="The plain table's id column (default for scoring: the model's, if the table has"
        " it; else the 0-based row number).",
    ),
]


def _one_input(features: Path | None, table: Path | None) -> None:
    if (features is None) == (table is None):
        fail("give exactly one input: --features F (a feature table) or --table T (CSV/Parquet)")


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _columns_not_protected(named: list[str], columns: list[str], protected: list[str]) -> set[str]:
    """The --not-protected columns, each checked: a column of the data, and not one also
    named --protected."""
    given = {str(c) for c in columns}
    absent = [c for c in named if c not in given]
    if absent:
        fail(
            f"--not-protected names no input column: {', '.join(absent)} (columns are named as"
            " the file writes them, case included)"
        )
    both = sorted(set(named) & set(protected))
    if both:
        fail(f"{', '.join(both)}: named both --protected and --not-protected; choose one")
    return set(named)


def train(
    out: Annotated[Path, typer.Option("--out", help="Where to write the model JSON.")],
    features: FeaturesOption = None,
    outcomes: Annotated[
        Path | None,
        typer.Option(
            "--outcomes", help="Outcomes, Parquet or CSV (user_id, as_of, bad), for --features."
        ),
    ] = None,
    table: TableOption = None,
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            help="The outcome column, 1 (bad) or 0 (good): the plain table's, or the --outcomes"
            " file's (default bad).",
        ),
    ] = None,
    id_column: Annotated[
        str | None,
        typer.Option(
            "--id",
            help="The plain table's id column: never an input, and passed through by `credo "
            "score` as the id of each row.",
        ),
    ] = None,
    bad_value: BadValueOption = None,
    good_value: GoodValueOption = None,
    scale: Annotated[
        str, typer.Option("--scale", help=f"Score scale: {' or '.join(SCALES)}.")
    ] = "fico",
    base_odds: Annotated[
        float | None,
        typer.Option(
            "--base-odds",
            min=1e-6,
            help="The odds of good to bad that the scale's base score stands for (fico: 660,"
            " sesame: 600); default 20 (20:1), which suits bad rates of about 5-25 %. A book"
            " of few bads crowds the top of the scale: training says when, and which odds fit.",
        ),
    ] = None,
    policy: Annotated[
        str | None,
        typer.Option(
            "--policy",
            help="Jurisdiction policy (us, eu, cn or a JSON path). Default: the one the feature "
            "table was built under; us for a plain table. A feature table built under another "
            "is refused.",
        ),
    ] = None,
    protected: Annotated[
        list[str] | None,
        typer.Option("--protected", help="More protected attributes (repeat the option)."),
    ] = None,
    allow_protected: Annotated[
        bool,
        flag("--allow-protected", help="Use protected attributes as inputs anyway."),
    ] = False,
    not_protected: Annotated[
        list[str] | None,
        typer.Option(
            "--not-protected",
            help="A column whose name reads as a protected attribute but is none (an "
            "account's or a customer relationship's age: customer_age_days as days since the "
            "first purchase): an input like any other (repeat the option).",
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            help="Columns of a plain table, or features of a feature table, to leave out "
            "(repeat the option).",
        ),
    ] = None,
    challenger: Annotated[
        bool, flag("--challenger", help="Also fit the LightGBM challenger and keep it.")
    ] = False,
    min_iv: Annotated[
        float | None,
        typer.Option(
            "--min-iv",
            help="Drop features with information value below this. Default: 0.01, or on a "
            "large sample 10 times the IV that noise reaches there, when that is lower.",
        ),
    ] = None,
    max_corr: Annotated[
        float, typer.Option("--max-corr", help="Drop the weaker of two features above this |r|.")
    ] = 0.95,
    max_bins: Annotated[
        int, typer.Option("--max-bins", min=2, help="Most bins a feature gets.")
    ] = 6,
    monotonic: Annotated[
        str,
        typer.Option(
            "--monotonic",
            help="Bad-rate trend of a feature with no direction hint: auto_bend (rising or "
            "falling from the data, or a peak or valley where that adds 10 % IV to a feature "
            "of IV 0.1 or more and well above noise), auto (rising or falling only), "
            "ascending, descending, peak, valley or none.",
        ),
    ] = "auto_bend",
    events_per_feature: Annotated[
        int,
        typer.Option(
            "--events-per-feature",
            min=0,
            help="Keep at most one feature per this many rows of the rarer class (0: no limit).",
        ),
    ] = 10,
    special: Annotated[
        list[str] | None,
        typer.Option(
            "--special",
            help="A plain-table sentinel that gets a bin of its own instead of a place in the "
            "order: COL=VALUE[,VALUE...] for one column, VALUE for every column (repeatable), "
            "e.g. --special DAYS_EMPLOYED=365243 --special -999.",
        ),
    ] = None,
    negative_codes: Annotated[
        bool,
        typer.Option(
            "--negative-codes/--no-negative-codes",
            help="Read a plain-table column's few negative whole numbers, beside values never "
            "negative (the bureaus' -9 no record, -7 never; a status's -2 no use), as codes "
            "with bins of their own; --no-negative-codes ranks them as numbers.",
        ),
    ] = True,
    comma_thousands: Annotated[
        bool,
        flag(
            "--comma-thousands",
            help="In a tab, pipe or semicolon file, read commas as separators of thousands "
            "(69,000 is 69000), as American exports write numbers; without it, such a file's "
            "commas are decimal (1,5) unless its numbers show otherwise (1,005,000 or "
            "52,659.86).",
        ),
    ] = False,
    nines_codes: Annotated[
        bool,
        typer.Option(
            "--nines-codes/--no-nines-codes",
            help="Read a plain-table column's whole numbers of nines (9999, 999; 98, 998) far "
            "above its other values (the loan-level files' 9999 'not available') as codes with "
            "bins of their own; --no-nines-codes ranks them as numbers.",
        ),
    ] = True,
    categorical: Annotated[
        list[str] | None,
        typer.Option(
            "--categorical",
            help="A plain-table column of codes to group as categories, not as numbers "
            "(repeatable).",
        ),
    ] = None,
    segments: Annotated[
        int,
        typer.Option(
            "--segments",
            min=1,
            help="Up to this many segments, each with its own scorecard, split where the "
            "data say one card does worse (cross-validated inside the training rows; slower). "
            "1: one scorecard.",
        ),
    ] = 1,
) -> None:
    """Fit a scorecard and write it as a model JSON.

    Input is a feature table with its outcomes (--features F --outcomes O) or a plain table
    with a 0/1 target column (--table T --target COL; other codings with --bad-value).
    Dates and identifier columns of a plain table are left out, and numbers written as text
    ("13.5%", "$1,234.50", "33.374,10 €" in a semicolon file) read as numbers. Protected
    attributes (the policy's and any --protected) are refused as inputs unless
    --allow-protected; leave them out of a plain table with --exclude. Prints the features
    kept with their information value, the held-out AUC on an internal 80/20 split, and the
    time taken."""
    from credo.model.artifact import save_model
    from credo.model.columns import unusable_columns
    from credo.model.scorecard import Scorecard
    from credo.model.tables import TableError, check_built_under, feature_table_policy
    from credo.model.training import (
        TrainingError,
        load_feature_training,
        load_table_training,
        protected_inputs,
        train_model,
    )
    from credo.policy import PRESETS

    _one_input(features, table)
    if features is not None and outcomes is None:
        fail("--features needs --outcomes (the Parquet file of user_id, as_of, bad)")
    if table is not None and target is None:
        fail("--table needs --target COL (the 0/1 column, 1 = bad)")
    if features is not None and id_column is not None:
        fail("--id is for plain tables: a feature table's rows are people, named by user_id")
    if features is not None:
        # read only from a plain table's cells: a feature table's catalog declares its codes,
        # and its numbers are numbers
        ignored = [
            option
            for option, given in (
                ("--no-negative-codes", not negative_codes),
                ("--no-nines-codes", not nines_codes),
                ("--comma-thousands", comma_thousands),
            )
            if given
        ]
        if ignored:
            fail(
                f"{' and '.join(ignored)}: for plain tables (--table) only; a feature table's"
                " catalog declares its special values, and its numbers are stored as numbers"
            )
    check_scale(scale)
    check_output(out, "--out", inputs=(features, outcomes, table, policy_file(policy)))
    started = time.perf_counter()
    built_under = feature_table_policy(features) if features is not None else None
    if policy is None and built_under not in (None, *PRESETS):
        fail(f"{features} was built under policy {built_under!r}: give its file with --policy")
    policy_obj = _load_policy(policy or built_under or "us")
    try:
        if features is not None:
            check_built_under(features, policy_obj.name, "the model is to follow", policy_obj.rules)
            data = load_feature_training(
                features,
                outcomes,
                exclude or [],
                bad_value or [],
                good_value or [],
                target or "bad",
            )
        else:
            data = load_table_training(
                table,
                target,
                id_column,
                exclude or [],
                bad_value or [],
                good_value or [],
                comma_thousands,
            )
    except (TableError, TrainingError) as exc:
        fail(str(exc))
    if data.ids is not None:
        _warn_of_unusable_ids(
            data.ids,
            data.id_column,
            "one case twice weighs twice in the fit and can fall on both sides of the held-out"
            " split, which then flatters the model: drop the copies (or check the join that"
            " made the table)",
            "they are trained on, but no case of theirs can be traced",
        )
    from credo.model.training import names_protected

    # a name matches a column as the refusal matches it, word by word ("region" names
    # region_code: said to name no column, then refused by it)
    named = [str(c) for c in [*data.X.columns, *(exclude or []), data.id_column] if c is not None]
    unknown_protected = [
        p for p in protected or [] if not any(names_protected(c, [p]) for c in named)
    ]
    if unknown_protected:  # a typo would let the attribute in under its real name
        console.print(
            f"[yellow]note:[/] --protected names no column of the data: "
            f"{', '.join(unknown_protected)} (check the spelling)"
        )
    cleared = _columns_not_protected(not_protected or [], list(data.X.columns), protected or [])
    refused = [
        c
        for c in protected_inputs(
            list(data.X.columns), policy_obj.protected_attributes, protected or []
        )
        if str(c) not in cleared
    ]
    if refused and not (allow_protected or policy_obj.allow_protected):
        hint = " ".join(f"--exclude {shlex.quote(str(c))}" for c in refused)  # "sex " too
        fail(
            f"protected attributes may not be model inputs under policy {policy_obj.name!r}: "
            f"{', '.join(refused)}. Leave them out ({hint}; they stay usable for "
            "`credo evaluate --protected`), or pass --allow-protected where the law permits."
            " A column only named like one (an account's age, days since a first purchase) is"
            " an input once said so: --not-protected COLUMN"
        )
    if monotonic not in MONOTONIC_CHOICES:
        fail(f"unknown --monotonic {monotonic!r}: choose one of {', '.join(MONOTONIC_CHOICES)}")
    if (special or categorical) and data.kind != "table":
        fail(
            "--special and --categorical are for plain tables: a feature table's catalog "
            "already declares its special values"
        )
    unknown = [c for c in categorical or [] if c not in data.X.columns]
    if unknown:
        fail(f"--categorical names columns the table lacks: {', '.join(unknown)}")
    # Identifiers, dates and constant columns are left out of the model: a sentinel or a
    # grouping is for the columns it keeps (an index column holding 96 is no sentinel).
    left_out = unusable_columns(data.X) if (special or categorical or data.kind == "table") else {}
    for name in categorical or []:
        if name in left_out:
            fail(f"--categorical {name}: the column is left out of the model ({left_out[name]})")
    if data.kind == "table" and all(str(c) in left_out for c in data.X.columns):
        # said with each column's reason ("no column can be an input: {}" had named none)
        said = "; ".join(f"{name} ({why})" for name, why in left_out.items()) or "none"
        fail(
            f"no column of {data.sources[0]} can be an input, besides the target and id:"
            f" {said}; give the table columns that describe the people (amounts, counts,"
            " categories)"
        )
    try:
        specials = special_values_by_column(
            special or [], data.X, categorical or [], left_out=left_out
        )
    except ValueError as exc:
        fail(str(exc))
    digit_codes: dict[str, str] = {}
    if data.kind == "table":
        from credo.model.tables import codes_in_digits

        skip = set(left_out) | set(categorical or []) | set(specials or {})
        digit_codes = codes_in_digits(data.sources[0], data.X, skip)
        categorical = [*(categorical or []), *digit_codes]
    card = Scorecard(
        special_values=specials or None,
        negative_codes=negative_codes,
        nines_codes=nines_codes,
        categorical=list(categorical) if categorical else None,
        monotonic=monotonic,
        scale=scale,
        base_odds=base_odds,
        # a bar the user sets is kept as set; the default gives way to the noise rule
        **({"min_iv": min_iv, "iv_noise_multiple": None} if min_iv is not None else {}),
        max_corr=max_corr,
        max_bins=max_bins,
        min_events_per_feature=events_per_feature or None,
        reason_code_order=list(data.code_order) or None,
    )
    if segments > 1:
        from credo.model.segments import SegmentedScorecard

        card = SegmentedScorecard(card, max_segments=segments)
    failed = None
    with _progress() as progress:
        task = progress.add_task("training", total=None)
        try:
            artifact = train_model(
                data,
                card,
                challenger=challenger,
                policy=policy_obj.name,
                policy_rules=policy_obj.rules,
                step=lambda text: progress.update(task, description=text),
            )
        except ValueError as exc:
            failed = str(exc)
    if failed is None:
        artifact.training["allowed_protected"] = refused if refused else []
        # said at training, so that evaluation does not audit them as people's attributes
        artifact.training["not_protected"] = sorted(cleared)
        digest = save_model(artifact, out)
        _print_training_summary(artifact, time.perf_counter() - started)
        if not data.good_values:
            _note_target_readings(data.target, data.target_readings)
    if data.kind == "table":  # said of a failed fit too: a coded column can be why it failed
        if data.empty_rows_note:
            console.print(f"[yellow]note:[/] {data.empty_rows_note}")
        if data.short_rows_warning:
            console.print(f"[yellow]warning:[/] {data.short_rows_warning}")
        _note_thousands_points(data)
        _note_commas_that_may_group_thousands(data)
        for name, why in digit_codes.items():
            console.print(
                f"[yellow]note:[/] {name} is read as a code, not a quantity ({why}): its"
                " values are grouped as categories, not ranked"
            )
        _warn_of_coded_numbers(data.X, categorical or [], left_out)
        codes = _note_codes(data.X, categorical or [], left_out, specials) if negative_codes else {}
        if nines_codes:
            found = _note_codes(data.X, categorical or [], left_out, specials, True)
            for name, nines in found.items():
                codes[name] = [*codes.get(name, []), *nines]
        _note_far_extremes(data.X, categorical or [], specials, left_out, codes)
    if failed is not None:
        fail(failed)
    console.print(f"model written to [bold]{out}[/] ({digest[:19]}…)")


# How many of a target's values a note names by name; the rest are counted.
SHOWN_TARGET_VALUES = 4
# for the note's example only: wordings of an outcome that is over, and good
_FINISHED_GOOD = re.compile(r"paid|good|closed|settled|complete|^(0|no?|false)$", re.IGNORECASE)


def _listed(texts: list[str]) -> str:
    """The first few texts, then how many more."""
    more = len(texts) - SHOWN_TARGET_VALUES
    return ", ".join(texts[:SHOWN_TARGET_VALUES]) + (f" and {more} more" if more > 0 else "")


def _counted_values(values: list[tuple[str, int]]) -> str:
    """'Fully Paid' (5,000), 'Current' (3,000) and 4 more (95 rows)."""
    shown = _listed([f"{value!r} ({rows:,})" for value, rows in values])
    rest = values[SHOWN_TARGET_VALUES:]
    return shown + (f" ({sum(rows for _, rows in rest):,} rows)" if rest else "")


def _note_target_readings(target: str, readings: list[tuple[str | None, int, str]]) -> None:
    """Say how a target of more than two values was read when only its bad values were named:
    every other value counts as good, loans still running or late among them."""
    from rich.markup import escape

    from credo.model.columns import worded_bad

    values = {value.casefold() for value, _, _ in readings if value is not None}
    if len(values) <= 2:
        return
    bad = [(value, rows) for value, rows, reading in readings if reading == "bad" and value]
    good = [(value, rows) for value, rows, reading in readings if reading == "good" and value]
    named_bad = {value.casefold() for value, _ in bad}
    # "Default", or "Does not meet the credit policy. Status:Charged Off" under --bad-value
    # "Charged Off": read as good, which the user may not have meant
    suspect = [
        value
        for value, _ in good
        if worded_bad(value) or any(named in value.casefold() for named in named_bad)
    ]
    finished = [v for v, _ in good if _FINISHED_GOOD.search(v)]
    example = shlex.quote(finished[0]) if finished else "VALUE"
    said = (
        f"{target} holds {len(values)} values, read as bad: {_counted_values(bad)}; as good,"
        f" every other: {_counted_values(good)}."
    )
    if suspect:
        said += (
            f" {_listed([repr(value) for value in suspect])} count as good"
            " though worded as bad: name them with --bad-value too if they mean bad."
        )
    said += (
        " Outcomes not yet known (a loan still running or late) count as good so: to train on"
        f" finished outcomes only, name the good one(s) with --good-value (e.g. --good-value"
        f" {example}); rows holding neither are then left out and counted"
    )
    stdout.print(f"[yellow]note:[/] {escape(said)}")


def _note_thousands_points(data: Any) -> None:
    """Say which columns' points were read as separators of thousands: a guess from the file's
    other columns, which a column of decimals written with a point ("1.250") would belie."""
    from credo.model.tables import DECIMAL_COMMA_KINDS

    if not data.thousands_points:
        return
    shown = ", ".join(data.thousands_points)
    commas = ", ".join(
        name
        for name, kind in data.text_numbers.items()
        if kind in DECIMAL_COMMA_KINDS and name not in data.thousands_points
    )
    stdout.print(
        f"[yellow]note:[/] read the points in {shown} as separators of thousands ('86.713' is"
        f" 86713), as this file writes decimals with a comma ({commas or 'other columns'}): if"
        " one of them holds decimals written with a point, write them with a comma as the"
        " other columns do"
    )


def _warn_of_coded_numbers(frame: Any, categorical: list[str], left_out: dict[str, str]) -> None:
    """Say which text columns are numbers but for a code or two ("XNA"): binned as categories,
    their numbers lose their order, which a number code named by --special keeps. `left_out`:
    the columns the model leaves out (identifiers and dates are no quantities)."""
    from credo.model.text_numbers import numbers_but_for

    for name in frame.columns:
        skip = name in categorical or name in left_out
        codes = None if skip else numbers_but_for(frame[name])
        if codes:
            shown = ", ".join(repr(c) for c in codes)
            stdout.print(
                f"[yellow]warning:[/] {name} holds numbers but for {shown}, so it is binned as"
                " categories: if its numbers are quantities (not codes), they lose their order"
                f" so; write {shown} as a number code and name it with --special (e.g."
                f" --special {name}=-1), or leave those cells empty"
            )


def _note_codes(
    frame: Any,
    categorical: list[str],
    left_out: dict[str, str],
    specials: dict[str, list],
    nines: bool = False,
) -> dict[str, list[float]]:
    """Say which columns' negative codes (columns.negative_codes) or, with `nines`, nines
    codes (columns.nines_codes) get bins of their own, and return them by column. A value
    given with --special is its own bin whatever --no-negative-codes says, so is not named."""
    from rich.markup import escape

    from credo.model.columns import negative_codes, nines_codes

    finder = nines_codes if nines else negative_codes
    found = {
        name: codes
        for name in frame.columns
        if name not in categorical
        and name not in left_out
        and (codes := [c for c in finder(frame[name]) if c not in specials.get(name, [])])
    }
    if found:
        shown = "; ".join(
            f"{escape(str(name))} {', '.join(f'{c:.0f}' for c in codes)}"
            for name, codes in found.items()
        )
        what, option = (
            ("nines far above the column's other values, as loan-level files write 'not"
             " available'", "--no-nines-codes")
            if nines
            else ("negative whole numbers beside values never negative", "--no-negative-codes")
        )  # fmt: skip
        stdout.print(
            f"[yellow]note:[/] read as codes, each with a bin of its own ({what}): {shown};"
            f" {option} ranks them as numbers"
        )
    return found


def _note_commas_that_may_group_thousands(data: Any) -> None:
    """Name the columns read with a decimal comma whose every comma is followed by three
    digits ("69,000"): as an American tab or pipe export writes them, those are thousands."""
    from rich.markup import escape

    for name, example in data.commas_like_thousands.items():
        console.print(
            f"[yellow]note:[/] {escape(str(name))} is read with a decimal comma ({example} as"
            f" {float(example.replace(',', '.')):g}), as files separated otherwise than by"
            " commas write numbers; if its commas separate thousands, train with"
            " --comma-thousands"
        )


def _note_far_extremes(
    frame: Any,
    categorical: list[str],
    specials: dict[str, list],
    left_out: dict[str, str],
    codes: dict[str, list[float]],
) -> None:
    """Name the number columns holding a value at one end, in many rows, far beyond the others
    (DAYS_EMPLOYED's 365243): a code for "no data" more likely than a quantity, which
    --special gives a bin of its own (`left_out`: the columns the model leaves out; `codes`:
    the negative codes already given bins of their own)."""
    from rich.markup import escape

    from credo.model.columns import far_extreme

    for name in frame.columns:
        if name in categorical or name in left_out:
            continue
        found = far_extreme(frame[name])
        if found is None or found[0] in [*specials.get(name, []), *codes.get(name, [])]:
            continue
        value, rows, low, high = found
        written = f"{value:.0f}" if value.is_integer() else repr(value)
        option = shlex.quote(f"{name}={written}")
        stdout.print(
            f"[yellow]note:[/] {escape(str(name))} holds {written} in {rows:,} rows"
            f" ({rows / len(frame):.0%}), far beyond its other values ({low:,.6g} to"
            f" {high:,.6g}): if it is a code (not applicable, no data) rather than a quantity,"
            " give it a bin of its own with"
            f" --special {escape(option)}; binned as a number, it is ranked beside its nearest"
            " values and may share their bin"
        )


def _warn_of_unusable_ids(
    ids,
    id_column: str,
    shared_means: str = "their scores cannot be told apart by id",
    empty_means: str = "their scores carry an empty id and cannot be joined back",
) -> None:
    """Say when the id column cannot tell the rows apart: empty ids, or ids shared by rows
    (what that means follows)."""
    blank = (ids.isna() | (ids.astype(str).str.strip() == "")).to_numpy()
    empty = int(blank.sum())
    shared = ids[ids.notna() & ids.duplicated(keep=False)]
    if empty:
        rows = [int(i) + 1 for i in blank.nonzero()[0][:5]]
        named = ", ".join(f"{r:,}" for r in rows) + (", ..." if empty > len(rows) else "")
        console.print(
            f"[yellow]warning:[/] {empty:,} row(s) have no {id_column!r} (row {named}, counting"
            f" the rows under the header from 1): {empty_means}; fill in {id_column!r} there"
        )
    if len(shared):
        example = shared.iloc[0]
        example = example.item() if hasattr(example, "item") else example  # 127804, not np.int64
        console.print(
            f"[yellow]warning:[/] {len(shared):,} rows share their {id_column!r} with another"
            f" row (e.g. {example!r}, {int((ids == example).sum())} rows): {shared_means}"
        )


def _warn_of_summary_rows(frame: Any, ids: Any, id_column: str | None) -> None:
    """Say when rows look like a spreadsheet's totals rather than cases."""
    from credo.model.columns import summary_rows

    found = summary_rows(frame, ids)
    if not found:
        return
    position, column, label = found[0]
    where = id_column if column == "id" and id_column else column
    example = f"row {position + 1:,} holds {label!r} in {where!r}"
    if len(found) == 1:
        said = f"{example}: it looks like a spreadsheet's summary, not a case, yet was scored"
    else:
        said = (
            f"{len(found):,} rows look like a spreadsheet's summaries, not cases ({example}),"
            " and were scored as cases"
        )
    console.print(f"[yellow]warning:[/] {said}; delete such rows from the file")


def _warn_of_row_numbers(columns: Any, trained_id: str | None = None) -> None:
    """Say when the scores' ids are row numbers though the table has an id column of its own
    (a join on `id` would match the wrong rows), or lacks the one the model was trained with
    (`trained_id`, taken by default where a table has it)."""
    from credo.model.columns import name_words

    if trained_id:
        console.print(
            f"[yellow]warning:[/] the scores' id is the row number (from 0): the table has no"
            f" {trained_id!r}, the id column the model was trained with (the exported SQL"
            " reads it); pass --id to key the scores by another column"
        )
        return
    named = [str(c) for c in columns if name_words(str(c))[-1:] == ("id",)]
    if named:
        console.print(
            f"[yellow]warning:[/] the scores' id is the row number (from 0), though the table"
            f" has {', '.join(map(repr, named))}: pass --id {named[0]} to key the scores by it"
        )


def special_values_by_column(
    options: list[str], frame, categorical: list[str], left_out: dict[str, str] | None = None
) -> dict[str, list]:
    """--special options (COL=V[,V...] or V for every column holding it) as {column: [values]}:
    numbers for numeric columns, text for columns of categories. `left_out`: the columns the
    model leaves out, with why (a value for every column skips them; naming one is an error)."""
    import pandas as pd

    left_out = left_out or {}
    by_column: dict[str, list] = {}
    for option in options:
        column, named, texts = option.rpartition("=")
        if named and column not in frame.columns:
            raise ValueError(f"--special {option!r}: the table has no column {column!r}")
        if named and column in left_out:
            raise ValueError(
                f"--special {option!r}: {column!r} is left out of the model ({left_out[column]})"
            )
        kept = [n for n in frame.columns if n not in left_out]
        for name in [column] if named else kept:
            values = frame[name]
            as_text = name in categorical or not pd.api.types.is_numeric_dtype(values)
            for text in texts.split(","):
                value = _special_value(text.strip(), as_text)
                if value is None:
                    if named:
                        raise ValueError(
                            f"--special {option!r}: {name!r} holds numbers, and {text!r} is not one"
                        )
                    continue
                if not named and not _occurs(values, value, as_text):
                    continue  # a value for every column goes only where it is found
                if value not in by_column.setdefault(name, []):
                    by_column[name].append(value)
    return {name: values for name, values in by_column.items() if values}


def _special_value(text: str, as_text: bool) -> float | str | None:
    """The text itself for a column of categories, else its number (None: not a number)."""
    if as_text:
        return text
    try:
        return float(text)
    except ValueError:
        return None


def _occurs(column, value, as_text: bool) -> bool:
    if as_text:
        return bool((column.dropna().astype(str).str.strip() == value).any())
    return bool((column == value).any())


def _load_policy(name: str):
    from credo.policy import PolicyError, load_policy

    try:
        return load_policy(name)
    except PolicyError as exc:
        fail(str(exc))


def _cards(model) -> list[tuple[str, object]]:
    """(title suffix, scorecard) for a scorecard, or for each segment of a segmented one."""
    if hasattr(model, "segments_"):
        return [
            (f", segment {s.name} ({s.card.training_['rows']:,} rows): {s.label()}", s.card)
            for s in model.segments_
        ]
    return [("", model)]


def _features_table(title: str, card, detail: bool) -> Table:
    """A card's features: code, name, dimension, IV, coefficient (and the bad rate's shape, max
    points, reason)."""
    columns = ["code", "feature", "dimension", "IV", "coef"]
    if detail:
        columns += ["bad rate", "max points", "reason"]
    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column, justify="right" if column in ("IV", "coef") else "left")
    for name, coef in zip(card.features_, card.coef_, strict=True):
        meta = card.meta_[name]
        row = [card.codes_[name], name, meta["dimension"], f"{card.iv_[name]:.3f}", f"{coef:.3f}"]
        if detail:
            row += [
                card.bins_[name].risk_shape(),
                str(int(card.points_[name].max())),
                meta["reason"] or "(from the column name and bin)",
            ]
        table.add_row(*row)
    return table


# Fewer outcomes of the rarer kind than this, and training says the model stands on little.
FEW_OUTCOMES = 50
# A kept feature this strong is more likely a leak than a risk (the strongest real credit
# features reach about 1: Taiwan's latest repayment status 0.87, German's checking account 0.67).
SUSPICIOUS_IV = 2.0
LEAK_SUSPECTS = 3  # the strongest features a leak warning names
# Training AUC this far above the held-out AUC says the features learnt noise (German credit:
# 0.06, the demo: 0.05; 150 noise columns beside 3 real ones on 2,000 rows: 0.22), when the
# held-out rows are enough to tell (the gap is over twice the held-out AUC's standard error:
# 14 bads among 200 held-out people leave it 0.08).
OVERFIT_GAP = 0.1


def _learnt_noise(metrics: dict, bad_rate: float) -> bool:
    from credo.model.training import auc_standard_error

    if "holdout" not in metrics:
        return False
    held = metrics["holdout"]
    gap = metrics["train"]["auc"] - held["auc"]
    bads = round(held["rows"] * bad_rate)
    error = auc_standard_error(held["auc"], bads, held["rows"] - bads)
    return gap > OVERFIT_GAP and gap > 2 * error


def _warn_of_a_leaky_auc(metrics: dict, strongest: dict[str, float]) -> None:
    """Say when a model ranks the held-out rows nearly perfectly, naming the features with
    the largest information value as the first suspects of a leak."""
    from credo.model.training import LEAK_AUC

    held = [
        (metrics[key]["auc"], model)
        for key, model in (("holdout", "scorecard"), ("challenger_holdout", "challenger"))
        if key in metrics
    ]
    if not held or max(held)[0] < LEAK_AUC or not strongest:
        return
    auc, model = max(held)
    suspects = sorted(strongest, key=strongest.__getitem__, reverse=True)[:LEAK_SUSPECTS]
    named = ", ".join(f"{name} (IV {strongest[name]:.3g})" for name in suspects)
    stdout.print(
        f"[yellow]warning:[/] the {model}'s held-out AUC is {auc:.3f}, where real credit scores"
        " seldom pass 0.85: nearly always a column known only after the outcome (a leak, such"
        f" as payments or recoveries received); first suspects, the strongest features: {named}."
        " Leave out each one recorded after the outcome with --exclude"
    )


_WEAK_FEATURE = re.compile(r"information value (\S+) below its bar of (\S+)")


def _print_cross_fitted(card: Any) -> None:
    """The number columns the card binned as codes, the ridge penalty its folds chose, and
    the categories it weighed by out-of-fold WoE, each with the IV its groups kept on rows not
    used to form them beside its training IV."""
    codes = card.training_.get("read_as_codes") or []
    if codes:
        stdout.print(
            "read as codes, binned as categories (their risk follows no order of their values,"
            f" on rows held out of each fit): {', '.join(codes)}; --categorical names more"
        )
    ridge = card.training_.get("l2")
    if ridge:
        stdout.print(
            f"ridge penalty {ridge['chosen']:g} in place of {card.l2:g}: on five folds its"
            f" held-out log-loss was better by {ridge['standard_errors']:g} standard errors"
            " (a small sample, many features)"
        )
    held_out = card.training_.get("cross_fitted") or {}
    if held_out:
        named = ", ".join(
            f"{name} (IV {card.iv_[name]:.3g} on the rows that grouped it, {iv:.3g} on others)"
            for name, iv in held_out.items()
        )
        stdout.print(
            "weighed by what their groups tell of rows they were not formed on (categories"
            f" of many levels, grouped by their own rates): {named}"
        )


def _note_names_a_loader_reads_otherwise(card: Any) -> None:
    """The model's inputs whose names a database's CSV reader gives otherwise: DuckDB's trims
    the spaces around a header (" lead" is "lead") and reads one of its missing texts as no
    name ("null" becomes column10), and the exported SQL then finds no such column."""
    from pandas._libs.parsers import STR_NA_VALUES
    from rich.markup import escape

    from credo.model.tables import MISSING_TEXTS

    # the texts docs/model.md has the SQL's CSV loader read as missing
    missing = {text.strip().lower() for text in (*STR_NA_VALUES, *MISSING_TEXTS) if text.strip()}
    odd = sorted(
        {
            name
            for _, part in _cards(card)
            for name in part.features_
            if name != name.strip() or name.strip().lower() in missing
        }
    )
    if odd:
        stdout.print(
            f"[yellow]note:[/] {escape(', '.join(repr(n) for n in odd))}: a CSV reader (DuckDB's)"
            " trims the spaces around a header and reads a missing-value text as no name, so the"
            " exported SQL would not find the column in a table loaded so; rename it in the file,"
            " or load the file with these names kept (Parquet keeps them)"
        )


def _warn_of_crowded_ends(artifact) -> None:
    """Say where the training rows crowd an end of the scale, and the base odds that fit."""
    from credo.model import scaling

    crowded = artifact.training.get("crowded_ends") or {}
    if not crowded:
        return
    fitting = artifact.training["fitting_base_odds"]
    said = scaling.crowded_ends_words(
        crowded, fitting, artifact.scorecard.scale_, "the training rows"
    )
    stdout.print(f"[yellow]warning:[/] {said}")


def _left_out_by_reason(card) -> dict[str, list[str]]:
    """The columns a card left out, by reason (the weak ones under one, each with its IV
    and bar)."""
    by_reason: dict[str, list[str]] = {}
    for name, why in sorted(card.dropped_.items()):
        weak = _WEAK_FEATURE.fullmatch(why)
        if weak:
            why, name = "information value below its bar", f"{name} ({weak[1]} < {weak[2]})"
        by_reason.setdefault(why, []).append(name)
    return by_reason


# How many columns one reason's line names after training
LEFT_OUT_NAMED = 20


def _print_training_summary(artifact, seconds: float) -> None:
    from credo.model.scorecard import rarer_class

    card = artifact.scorecard
    for suffix, part in _cards(card):
        stdout.print(_features_table(f"Features kept{suffix}", part, detail=False))
    if card.dropped_:
        stdout.print("left out:")
        for why, names in _left_out_by_reason(card).items():
            # a table of thousands of columns: the first few named, the rest counted (all of
            # them are in `credo model show`)
            shown = ", ".join(names[:LEFT_OUT_NAMED])
            more = len(names) - LEFT_OUT_NAMED
            rest = (
                f" and {more:,} more ({len(names):,} in all; `credo model show` lists them)"
                if more > 0
                else ""
            )
            stdout.print(f"  {why}: {shown}{rest}")
    for _, part in _cards(card):
        _print_cross_fitted(part)
    metrics = artifact.metrics
    if "holdout" in metrics:
        h = metrics["holdout"]
        stdout.print(
            f"held-out AUC {h['auc']:.4f} (Gini {h['gini']:.3f}, KS {h['ks']:.3f}) on "
            f"{h['rows']:,} rows of an internal 80/20 split{_auc_interval(h)}"
        )
        split_segments = _split_segments_words(h, card)
        if split_segments:
            stdout.print(f"[yellow]note:[/] {split_segments}")
    if "challenger_holdout" in metrics:
        stdout.print(f"challenger held-out AUC {metrics['challenger_holdout']['auc']:.4f}")
    stdout.print(
        f"train AUC {metrics['train']['auc']:.4f}; {artifact.training['rows']:,} rows, "
        f"bad rate {artifact.training['bad_rate']:.3f}; {seconds:.1f} s"
    )
    _warn_of_crowded_ends(artifact)
    _note_names_a_loader_reads_otherwise(card)
    if _learnt_noise(metrics, artifact.training["bad_rate"]):
        kept = len({n for _, part in _cards(card) for n in part.features_})
        stdout.print(
            f"[yellow]warning:[/] the model ranks its training rows far better than held-out"
            f" ones (AUC {metrics['train']['auc']:.3f} against {metrics['holdout']['auc']:.3f}):"
            f" part of what its {kept} features learnt is noise of these"
            f" {artifact.training['rows']:,} rows; raise --min-iv, give fewer columns or more"
            " rows"
        )
    single = getattr(card, "single_segment_reason", lambda: None)()
    if single:
        stdout.print(f"one scorecard for everyone (--segments {card.max_segments}): {single}")
    if artifact.training.get("indeterminate_rows"):
        stdout.print(
            f"{artifact.training['indeterminate_rows']:,} rows whose outcome is neither a "
            "--bad-value nor a --good-value (or blank) were left out"
        )
    if artifact.training.get("unlabelled_rows"):
        unlabelled = artifact.training["unlabelled_rows"]
        stdout.print(
            f"note: {unlabelled:,} row(s) of the feature table have no outcome in the outcomes"
            " file and were not trained on (the outcomes file chooses the sample)"
        )
    if artifact.training.get("unscorable_rows"):
        unscorable_rows = artifact.training["unscorable_rows"]
        stdout.print(
            f"{output.people(unscorable_rows)} {'was' if unscorable_rows == 1 else 'were'} left"
            " out of training: no event from a source they consented to fed their features"
            " (prov_events 0); such people are not scored"
        )
    strongest: dict[str, float] = {}
    held_out: dict[str, float] = {}  # of categories cross-fitted: their IV on other rows
    levels: dict[str, int] = {}
    for _, part in _cards(card):
        for name in part.features_:
            strongest[name] = max(strongest.get(name, 0.0), part.iv_[name])
        for name, iv in (part.training_.get("cross_fitted") or {}).items():
            held_out[name] = max(held_out.get(name, 0.0), iv)
            levels[name] = max(levels.get(name, 0), int(part.bins_[name].ordered_levels))
    for name, iv in strongest.items():
        if iv < SUSPICIOUS_IV:
            continue
        if name in held_out and held_out[name] < SUSPICIOUS_IV:
            # a category of many small levels grouped by their own rates: its IV is theirs
            per_level = artifact.training["rows"] / max(levels[name], 1)
            stdout.print(
                f"[yellow]note:[/] {name} has an information value of {iv:.3g} on the rows that"
                f" grouped its {levels[name]:,} levels, {held_out[name]:.3g} on others: most of"
                f" it is the noise of levels of about {per_level:,.0f} rows each; a coarser"
                " column (a prefix of the code, a region) would tell more"
            )
            continue
        stdout.print(
            f"[yellow]warning:[/] {name} has an information value of {iv:.3g}: nearly the "
            "outcome itself; check that it is known before the outcome"
        )
    _warn_of_a_leaky_auc(metrics, strongest)
    rows, bad_rate = artifact.training["rows"], artifact.training["bad_rate"]
    if bad_rate > 0.5:
        stdout.print(
            f"[yellow]warning:[/] {bad_rate:.1%} of the rows are bad: most books have far fewer"
            " bads than goods; check that --bad-value names the bad outcome (or that 1 means"
            " bad in the target)"
        )
    rarer, which = rarer_class(rows, bad_rate)
    if rarer < FEW_OUTCOMES:
        stdout.print(
            f"[yellow]warning:[/] only {rarer:,} {which} rows: too few to choose bins and "
            "features reliably or to judge the model (a few hundred of each is usual)"
        )


def _write_scores(scores: Any, suffix: str, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if suffix == ".csv":
        scores.to_csv(path, index=False)
        return
    table = pa.Table.from_pandas(scores, preserve_index=False)
    # reason columns and the band are text whatever the rows hold (all empty in a batch of
    # unscorable people would make them a null type; the band a dictionary when every row
    # is scored), so files of several batches read as one
    for i, field in enumerate(table.schema):
        text = field.name.startswith("reason_") or field.name == "band"
        if text and field.type != pa.string():
            table = table.set_column(i, field.name, table.column(i).cast(pa.string()))
    pq.write_table(table, path)


def score(
    model: Annotated[Path, typer.Option("--model", help="The model JSON from `credo train`.")],
    out: Annotated[
        Path, typer.Option("--out", help="Where to write the scores: .csv or .parquet.")
    ],
    features: FeaturesOption = None,
    table: TableOption = None,
    id_column: IdOption = None,
    with_texts: Annotated[
        bool,
        flag(
            "--with-texts",
            "--reason-text",
            help="Also write reason_5 (inquiries, when they cost points and are not among the "
            "four) and the plain-language text of each reason: reason_1_text..reason_5_text.",
        ),
    ] = False,
    with_dimensions: Annotated[
        bool,
        flag(
            "--with-dimensions",
            help="Also write the points each dimension (payment history, amounts owed, ...) "
            "gives the person and the most it can give: points_<dimension>, "
            "points_<dimension>_max.",
        ),
    ] = False,
) -> None:
    """Score every row: writes id, score, pd, band, reason_1..reason_4.

    pd is the probability of bad; reasons are stable codes of the features costing the most
    points against their best bin (see `credo model show`). id is the user_id for a feature
    table, the --id column for a plain table (by default the column the model was trained
    with, when the table has it), else the 0-based row number. Columns the model
    does not use (the target included) are ignored. A missing value (empty, NULL or NaN)
    scores in the feature's missing bin."""
    import pandas as pd

    from credo.model import unscorable
    from credo.model.artifact import ArtifactError, load_model
    from credo.model.tables import (
        TableError,
        check_fits_the_model,
        header_below_hint,
        wrong_input_hint,
    )
    from credo.model.training import TrainingError, load_scoring_table

    _one_input(features, table)
    check_output(out, "--out", suffixes=(".csv", ".parquet"), inputs=(model, features, table))
    try:
        artifact = load_model(model)
        if features is not None:
            check_fits_the_model(features, artifact.training)
        else:
            check_fits_the_model(table, artifact.training, as_table=True)
        training = artifact.training
        frame, ids, taken = load_scoring_table(
            features,
            table,
            id_column,
            artifact.text_inputs(),
            # a plain table's id column as the model was trained with it, as `model sql` takes it
            default_id=training.get("id_column") if training.get("kind") == "table" else None,
            comma_thousands=bool(training.get("comma_thousands")),
        )
    except (ArtifactError, TableError, TrainingError) as exc:
        fail(str(exc))
    card = artifact.scorecard
    note_empty_rows(frame)
    frame = names_as_the_model_has_them_noted(frame, card.features_)
    missing = [n for n in card.features_ if n not in frame.columns]
    if missing:
        fail(
            f"the input lacks {len(missing)} column(s) the model needs:"
            f" {', '.join(map(repr, missing))}; "
            "score a table with the columns the model was trained on"
            + wrong_input_hint(training, features is not None)
            + (header_below_hint(table, frame) if table is not None else "")
        )
    columns = SCORE_COLUMNS + (TEXT_COLUMNS if with_texts else [])
    # once: the chunks below find the inputs read
    frame, unread, reading_notes = artifact.read_for_scoring(frame)
    parts = []
    with _progress() as progress:
        task = progress.add_task("scoring", total=len(frame))
        for start in range(0, len(frame), SCORE_CHUNK_ROWS):
            chunk = frame.iloc[start : start + SCORE_CHUNK_ROWS]
            try:
                part = artifact.score_table(chunk, with_text=with_texts)[columns]
                if with_dimensions:
                    dimensions = artifact.breakdown(chunk).set_index(part.index)
                    part = pd.concat([part, dimensions], axis=1)
                parts.append(part)
            except ValueError as exc:
                fail(str(exc))
            progress.advance(task, len(chunk))
    scores = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    scores.insert(0, "id", ids)
    if features is not None and "as_of" in frame.columns and frame["user_id"].duplicated().any():
        # several dates for one person: the id alone would not say which score is which
        scores.insert(1, "as_of", frame["as_of"].to_numpy())
    with output.replacing(out) as temporary:
        _write_scores(scores, out.suffix.lower(), temporary)
    console.print(f"{len(scores):,} rows scored to [bold]{out}[/]")
    if unread:
        from credo.model.artifact import unread_inputs_words

        for column in unread:
            console.print(f"[yellow]warning:[/] {unread_inputs_words(column)}")
    for words in reading_notes:
        console.print(f"note: {words}")
    if features is not None:
        _warn_of_repeated_dates(frame)
    _warn_of_shifted_inputs(card, frame)
    if features is None:
        _warn_of_summary_rows(frame, ids if taken is not None else None, taken)
    if features is None and taken is not None:  # a plain table's own id column
        _warn_of_unusable_ids(pd.Series(ids), taken)
    if features is None and taken is None:
        trained_id = training.get("id_column") if training.get("kind") == "table" else None
        _warn_of_row_numbers(frame.columns, trained_id)
    if unscorable.applies(artifact.training):
        empty = scores.loc[scores["band"] == unscorable.UNSCORABLE_BAND, "id"].astype(str)
        empty = empty.tolist()
        if empty:
            # a person of several as-of dates is one name among the examples
            named = ", ".join(list(dict.fromkeys(empty))[:3])
            console.print(
                f"[yellow]note:[/] {len(empty):,} {'row has' if len(empty) == 1 else 'rows have'}"
                " no event from a consented source in "
                f"what the model reads (e.g. {named}): nothing it uses is known "
                "of them, so they get no "
                f"score (band {unscorable.UNSCORABLE_BAND!r}, reason_1 {unscorable.NO_DATA_CODE})"
            )


def _warn_of_shifted_inputs(card, frame) -> None:
    """Say which inputs sit in other bins than at training, so far that the column is more
    likely written another way than moved (`model_eval.shifted_inputs`)."""
    from credo.evaluate.model_eval import shifted_inputs

    moved = shifted_inputs(card, frame)
    if moved:
        named = output.first_few([f"{name} (PSI {psi:.2f})" for name, psi in moved])
        console.print(
            f"[yellow]warning:[/] these inputs hold their values in other ranges than at"
            f" training, far beyond chance: {named}. A column written another way (other"
            " units, 51% then and 0.51 now; a point between thousands, 1.169 for 1,169) moves"
            " every score: check how the file writes them"
        )


def _warn_of_repeated_dates(frame: Any) -> None:
    """Say where a feature table holds a person's date twice (a table joined or appended to
    itself): each row is scored, and the two scores of one person and day cannot be told
    apart in the output."""
    import pandas as pd

    keys = [c for c in ("user_id", "as_of") if c in frame.columns]
    if "user_id" not in keys:
        return
    repeated = frame.duplicated(keys)
    if repeated.any():
        first = frame.loc[repeated, keys].iloc[0]
        when = f" as of {pd.Timestamp(first['as_of']):%Y-%m-%d}" if "as_of" in keys else ""
        console.print(
            f"[yellow]warning:[/] {int(repeated.sum()):,} row(s) of the feature table repeat a"
            f" person{' and date' if when else ''} of an earlier row (e.g. {first['user_id']}"
            f"{when}): each is scored, and which score is which cannot be told; build the"
            " table once per person and date (`credo features` does)"
        )


def _left_out(training: dict) -> str:
    """The training rows that were not fitted on, and why, in words."""
    parts = []
    if training.get("indeterminate_rows"):
        parts.append(f"{training['indeterminate_rows']:,} of neither outcome")
    if training.get("unscorable_rows"):
        parts.append(f"{training['unscorable_rows']:,} unscorable (no consented data)")
    return "; ".join(parts) or "none (every row with an outcome was fitted on)"


# Held-out bad rows below this many make the held-out AUC a rough guide, said so
FEW_HELD_OUT_BADS = 30


def _auc_interval(measured: dict) -> str:
    """ ", N bad: 95 % interval a-b" for a held-out AUC (Hanley and McNeil), or ""."""
    import math

    from credo.model.training import auc_standard_error

    bads = measured.get("bads")
    if bads is None:
        return ""
    error = auc_standard_error(measured["auc"], bads, measured["rows"] - bads)
    if not math.isfinite(error):
        return f", {bads:,} bad: no interval"
    low, high = max(measured["auc"] - 1.96 * error, 0.0), min(measured["auc"] + 1.96 * error, 1.0)
    rough = " (few bad rows: a rough guide)" if bads < FEW_HELD_OUT_BADS else ""
    return f", {bads:,} bad: 95 % interval {low:.3f}-{high:.3f}{rough}"


def _split_segments_words(holdout: dict, card: Any) -> str:
    """Where the held-out fit of a segmented scorecard found another number of segments
    than the fit on all rows: its figures are of that other model, said so; else ""."""
    found = holdout.get("segments")
    kept = len(getattr(card, "segments_", ()))
    if found is None or found == kept:
        return ""
    counted = "one card (no segment)" if found == 1 else f"{found} segments"
    return (
        f"the held-out figures are of the 80 % split's fit, whose search found {counted};"
        f" on all rows it found {kept}: they measure the search, not this model's segments"
        " (evaluate the model on rows it was not trained on)"
    )


# `model show`'s names for the metrics a model records
_METRIC_LABELS = {
    "holdout": "held-out",
    "train": "train",
    "challenger_holdout": "challenger held-out",
    "challenger_train": "challenger train",
}


@model_app.command("show")
def show(
    model: Annotated[Path, typer.Argument(metavar="MODEL", help="The model JSON.")],
    bins: Annotated[
        bool, flag("--bins/--no-bins", help="Show the points table (every bin).")
    ] = True,
) -> None:
    """Print a model's metadata, metrics, features and points table."""
    import numpy as np

    from credo.model.artifact import ArtifactError, load_model

    try:
        artifact = load_model(model)
    except ArtifactError as exc:
        fail(str(exc))
    card = artifact.scorecard
    scale = card.scale_
    meta = Table(title=f"Model {model.name}", show_header=False)
    meta.add_column("field")
    meta.add_column("value")
    training = artifact.training
    for field, value in (
        ("content hash", artifact.content_hash),
        ("created", artifact.created_at),
        ("credo version", artifact.credo_version),
        ("input", f"{training.get('kind', '?')}: {', '.join(training.get('sources', []))}"),
        ("rows / bad rate", f"{training.get('rows', '?')} / {training.get('bad_rate', 0):.4f}"),
        ("rows left out", _left_out(training)),
        (
            "read from text",
            ", ".join(f"{n} ({kind})" for n, kind in (training.get("text_numbers") or {}).items())
            or "-",
        ),
        ("policy", str(training.get("policy"))),
        (
            "scale",
            f"{scale.name} {scale.min_score}-{scale.max_score}, PDO {scale.pdo:g}, "
            f"{scale.base_score:g} at {scale.base_odds:g}:1",
        ),
        (
            "bands",
            ", ".join(
                " ".join(filter(None, (b.name, b.local_name, f"{b.low}-{b.high}")))
                for b in scale.bands
            ),
        ),
        ("challenger", "yes" if artifact.challenger else "no"),
    ):
        meta.add_row(field, value)
    for name, values in artifact.metrics.items():
        if isinstance(values, dict) and "auc" in values:
            rows = values.get("rows")
            # the rows measured: the model's training rows less the unscorable (no data)
            measured = f"{rows:,} rows measured" if isinstance(rows, int) else "rows not recorded"
            label = _METRIC_LABELS.get(name, name.replace("_", " "))
            meta.add_row(f"{label} AUC", f"{values['auc']:.4f} ({measured})")
    split_segments = _split_segments_words(artifact.metrics.get("holdout") or {}, card)
    if split_segments:
        meta.add_row("held-out fit", split_segments)
    stdout.print(meta)
    if getattr(card, "dropped_", None):
        left = Table(title="Columns left out of the model")
        left.add_column("reason")
        left.add_column("columns")
        for why, names in _left_out_by_reason(card).items():
            left.add_row(why, ", ".join(names))
        stdout.print(left)
    if hasattr(card, "segments_"):
        segments = Table(title="Segments (each scored by its own card)")
        columns = ("segment", "rule", "rows", "log-odds aligned", "points charged for the segment")
        for column in columns:
            segments.add_column(column)
        for s in card.segments_:
            charged = ", ".join(f"{card.codes_[n]} {n}: {p}" for n, p in s.charges.items())
            aligned = s.card.training_.get("alignment")
            aligned_text = f"x {aligned['slope']:.2f} {aligned['shift']:+.2f}" if aligned else "-"
            rows = f"{s.card.training_['rows']:,}"
            segments.add_row(s.name, s.label(), rows, aligned_text, charged or "-")
        stdout.print(segments)
    for suffix, part in _cards(card):
        stdout.print(_features_table(f"Features{suffix}", part, detail=True))
        _print_cross_fitted(part)
        if bins:
            points = Table(title=f"Points table{suffix}")
            for column in ("feature", "bin", "count", "bad rate", "WoE", "points"):
                points.add_column(column)
            for row in part.points_table().itertuples():
                rate = "" if np.isnan(row.bad_rate) else f"{row.bad_rate:.3f}"
                points.add_row(
                    row.feature, row.bin, str(row.count), rate, f"{row.woe:.3f}", str(row.points)
                )
            stdout.print(points)


@model_app.command("sql")
def sql(
    model: Annotated[Path, typer.Argument(metavar="MODEL", help="The model JSON.")],
    dialect: Annotated[
        str, typer.Option("--dialect", help=f"SQL dialect: {' or '.join(DIALECTS)}.")
    ] = "duckdb",
    table: Annotated[
        str, typer.Option("--table", help="The table (or view) of features to score.")
    ] = "features",
    id_column: Annotated[
        str | None,
        typer.Option(
            "--id",
            help="Column passed through as id (default: the model's id column: user_id for "
            "feature tables, the --id of a plain table's training; none if it had no --id).",
        ),
    ] = None,
) -> None:
    """Print one SELECT computing [id,] [as_of,] score, pd, band and reason_1..reason_5.

    The query gives the same numbers as `credo score` (reason_5 is the inquiries reason when
    it costs points and is not among the first four); it is the scorecard's, as `credo score`
    is (a challenger is not exported). The id column comes first when the model has one or
    --id names one; without, the query has no id and SQL keeps no row order, so name a key
    column with --id to match its rows to anything. A feature-table model passes the table's
    as_of after the id and leaves unscorable rows (no data it reads) unscored. The query reads
    number columns held as text as training did. Where a CSV column to score holds numbers
    written otherwise than in training (so that training's reading would lose more of them),
    `credo score` reads them as this file writes them and names the column in a note: for
    that column the query and `credo score` differ. Load CSV files
    into the database with every text pandas reads as missing (NA, NULL, None, NaN, #N/A,
    -1.#IND and more: docs/model.md has the list and a DuckDB read_csv call) as NULL, and the
    columns training read from text as numbers ("1.234,50 €") as text: see docs/model.md."""
    from credo.model.artifact import ArtifactError, load_model
    from credo.model.sql_export import model_to_sql

    if dialect not in DIALECTS:
        fail(f"unknown dialect {dialect!r}: choose {' or '.join(DIALECTS)}")
    try:
        artifact = load_model(model)
    except ArtifactError as exc:
        fail(str(exc))
    column = id_column if id_column is not None else artifact.training.get("id_column")
    typer.echo(model_to_sql(artifact, dialect=dialect, table=table, id_column=column))
    _warn_of_answers_spelt_twice(artifact.scorecard)


def _warn_of_answers_spelt_twice(scorecard: Any) -> None:
    """Say which categorical columns spell yes or no two ways ("yes", "Yes"): a database that
    types such a column BOOLEAN (DuckDB's CSV reader does) gives the query true and false,
    which it cannot match to either spelling, so every row scores as an unseen level."""
    from credo.model.bins import answers_spelt_twice
    from credo.model.unscorable import model_cards

    told: set[str] = set()
    for card in model_cards(scorecard):
        for name in card.features_:
            bins = card.bins_[name]
            if bins.kind != "categorical" or name in told:
                continue
            spelt = answers_spelt_twice([lv for group in bins.groups for lv in group])
            if spelt:
                console.print(
                    f"[yellow]warning:[/] {name!r} spells an answer more than one way"
                    f" ({', '.join(map(repr, spelt))}), each a level of its own: load the"
                    " column into the database as text (VARCHAR), or a reader that types it"
                    " BOOLEAN scores every row of it as a level the model has not seen"
                )
                told.add(name)


def register(app: typer.Typer) -> None:
    """Add this area's verbs to the credo app."""
    app.command("train")(train)
    app.command("score")(score)
    app.add_typer(model_app, name="model")

"""`credo features`: build the point-in-time feature table; `credo features list`: the catalog;
`credo features person ID`: one person's features now, from the store.

`credo features --as-of DATE --out F` (no subcommand) builds, as does `credo features build`.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from credo.commands.common import (
    DbOption,
    check_output,
    console,
    fail,
    flag,
    handle_store_errors,
    make_console,
    policy_file,
)

PolicyOption = Annotated[
    str,
    typer.Option(
        "--policy",
        help="Jurisdiction policy: us, eu, cn, or a policy JSON file. Decides which sources"
        " and features may be used.",
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of", help="One as-of date for every person (YYYY-MM-DD): events strictly before."
    ),
]
AsOfFileOption = Annotated[
    Path | None,
    typer.Option(
        "--as-of-file",
        help="A Parquet or CSV file with user_id and as_of (e.g. a dataset's"
        " outcomes.parquet): one feature row per (user_id, as_of).",
    ),
]
EngineOption = Annotated[
    str, typer.Option("--engine", help="duckdb (the store, in process) or spark.")
]
SparkMasterOption = Annotated[
    str,
    typer.Option("--spark-master", help="Spark master URL for --engine spark."),
]
EventsDirOption = Annotated[
    Path | None,
    typer.Option(
        "--events-dir",
        help="Spark only: a dataset directory (events/*.parquet, consents.parquet). Default:"
        " export the store's events to a temporary directory.",
    ),
]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="Where to write the feature table (Parquet).")
]

BUILD_HELP = (
    "Build the point-in-time feature table.\n\n"
    "Every feature is computed from events strictly before the as-of date, from sources the"
    " person had consented to for credit_scoring at that date, and only from what the policy"
    " allows.\n\n"
    "The output is Parquet: user_id, as_of, one DOUBLE column per feature (no-data values as"
    " declared), provenance columns (prov_sources, prov_events, prov_events_<dimension>) and"
    " the features' metadata (read it with credo.features.table.read_feature_table).\n\n"
    "Examples: credo features --as-of 2026-01-01 --out features.parquet;"
    " credo features --as-of-file DIR/outcomes.parquet --engine spark --out features.parquet"
)


def build(
    db: DbOption = None,
    as_of: AsOfOption = None,
    as_of_file: AsOfFileOption = None,
    engine: EngineOption = "duckdb",
    spark_master: SparkMasterOption = "local[*]",
    events_dir: EventsDirOption = None,
    policy: PolicyOption = "us",
    out: OutOption = None,
) -> None:
    from credo.features.engines import FeatureInputError
    from credo.features.table import METADATA_KEY, write_feature_table_from
    from credo.policy import PolicyError, load_policy
    from credo.store.db import db_path

    if out is None:
        fail("--out is required: where to write the feature table, e.g. --out features.parquet")
    check_output(
        out, "--out", suffixes=(".parquet",), inputs=(db_path(db), as_of_file, policy_file(policy))
    )
    if (as_of is None) == (as_of_file is None):
        fail("give exactly one of --as-of DATE or --as-of-file outcomes.parquet")
    if engine not in ("duckdb", "spark"):
        fail(f"unknown --engine {engine!r}: use duckdb or spark")
    if engine == "duckdb" and (events_dir is not None or spark_master != "local[*]"):
        fail("--events-dir and --spark-master are for --engine spark; add --engine spark")
    try:
        chosen = load_policy(policy)
    except PolicyError as exc:
        fail(str(exc))
    as_of_table = _read_as_of_file(as_of_file) if as_of_file else None
    started = time.perf_counter()
    with handle_store_errors(), _progress() as progress:
        task = progress.add_task(f"building features on {engine}", total=None)
        try:
            if engine == "duckdb":
                table = _build_duckdb(db, chosen, as_of, as_of_table)
            else:
                table = _build_spark(db, chosen, as_of, as_of_table, spark_master, events_dir)
        except FeatureInputError as exc:
            fail(str(exc))
        progress.update(task, description="writing the feature table")
        write_feature_table_from(table, out)
    seconds = time.perf_counter() - started
    events = sum(table["prov_events"].to_pylist())
    features = len(json.loads(table.schema.metadata[METADATA_KEY])["features"])
    console.print(
        f"wrote {out}: {table.num_rows} rows x {features} features (policy {chosen.name},"
        f" {engine}) from {events} events in {seconds:.1f} s"
    )
    if as_of_table is not None and as_of_table.num_rows > table.num_rows:
        console.print(
            f"note: {as_of_table.num_rows - table.num_rows:,} row(s) of {as_of_file} repeat a"
            " (user_id, as_of) pair of another row: each pair has one feature row"
        )
    _warn_of_future_dates(table)
    _warn_of_mixed_currencies(db)
    empty = no_data_people(table)
    if empty:
        import pyarrow.compute as pc

        # a person at several dates is several rows: counted as rows, not as people
        people = pc.count_distinct(table.column("user_id")).as_py()
        rows = "people" if people == table.num_rows else "feature rows (people at their dates)"
        console.print(
            f"[yellow]warning:[/] {len(empty):,} of {table.num_rows:,} {rows} have no event"
            f" from a consented source before their date (e.g."
            f" {', '.join(list(dict.fromkeys(empty))[:3])}): every "
            "feature of theirs says no data, so a model will not score them (unscorable); "
            "check the ids and their consents"
        )


def _warn_of_future_dates(table) -> None:
    """Say when an as-of date is after today: nothing after today is known yet, so a window
    ending then reads months without events, and months-since features run on."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.compute as pc

    if not table.num_rows:
        return
    dates = table["as_of"].cast(pa.timestamp("us"))
    latest = pc.max(dates).as_py()
    today = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time())
    if latest is not None and latest > today:
        later = pc.sum(pc.greater(dates, pa.scalar(today, pa.timestamp("us")))).as_py()
        console.print(
            f"[yellow]warning:[/] {later:,} row(s) are as of a date after today (the latest"
            f" {latest:%Y-%m-%d}): no event after today is known yet, so their recent months"
            " read no data and their months-since features run on; check the dates"
        )


def _warn_of_mixed_currencies(db) -> None:
    """Say when the store's amounts are in more than one currency: features add and compare
    amounts as written (a sum of 100 EUR and 100 JPY is 200), converting none."""
    from credo.output import first_few
    from credo.store.db import connect

    try:
        con = connect(db, read_only=True)
    except Exception:  # the Spark engine may have been given events without a store
        return
    try:
        counts = con.execute(
            "SELECT currency, count(*) FROM events WHERE amount IS NOT NULL"
            " GROUP BY currency ORDER BY 2 DESC, 1"
        ).fetchall()
    except Exception:
        return
    finally:
        con.close()
    if len(counts) > 1:
        shares = first_few(currency_shares(counts), 4)
        console.print(
            f"[yellow]warning:[/] the store's amounts are in {len(counts)} currencies ({shares}"
            "): features add and compare amounts as written, converting none; convert"
            " them to one currency before ingest, or score each currency's people apart"
        )


def currency_shares(counts: list[tuple[str | None, int]]) -> list[str]:
    """Each currency's share of the amounts ("USD 98.5%"); a share too small to show as a
    percentage as its count ("EUR 4 amounts": "EUR 0.0%" read as none at all)."""
    total = sum(n for _, n in counts)
    return [
        f"{c or 'none'} {n / total:.1%}"
        if n / total >= 0.0005
        else f"{c or 'none'} {n:,} amount{'s' if n > 1 else ''}"
        for c, n in counts
    ]


def no_data_people(table) -> list[str]:
    """The user_ids of the feature rows that no event fed (prov_events 0)."""
    import pyarrow.compute as pc

    if "prov_events" not in table.column_names:
        return []
    return table.filter(pc.equal(table["prov_events"], 0))["user_id"].to_pylist()


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _read_as_of_file(path: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from credo.model.tables import TableError, read_outcomes, table_suffix

    if path.is_dir():
        inside = path / "outcomes.parquet"
        example = f" (e.g. {inside})" if inside.is_file() else ""
        fail(
            f"{path} is a folder: give the as-of file itself{example}, a Parquet or CSV file"
            " with user_id and as_of columns"
        )
    if not path.is_file():
        fail(f"no as-of file at {path}: give a Parquet or CSV file with user_id and as_of columns")
    try:
        is_csv = table_suffix(path) in (".csv", ".txt", ".tsv")
    except TableError as exc:
        fail(str(exc))
    if is_csv:
        # the reader `credo train` reads the same outcomes file with: ids as written, dates as
        # text, names without spaces around them, any delimiter and encoding it takes
        try:
            frame = read_outcomes(path)
        except TableError as exc:
            fail(str(exc))
        taken = [name for name in ("user_id", "as_of") if name in frame.columns]
        return pa.Table.from_pandas(frame[taken], preserve_index=False)
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for unreadable files
        fail(f"cannot read {path} as Parquet: {exc}")
    return table.rename_columns([name.strip() for name in table.column_names])


def _build_duckdb(db, policy, as_of, as_of_table):
    from credo.features.engines import build_features_duckdb
    from credo.store.db import connect

    con = connect(db, read_only=True)
    try:
        return build_features_duckdb(con, policy, as_of=as_of, as_of_table=as_of_table)
    finally:
        con.close()


def _build_spark(db, policy, as_of, as_of_table, master, events_dir):
    import warnings

    from credo.features.engines import build_features_spark
    from credo.features.spark import spark_session

    # pyspark warns of the pandas it runs beside on every conversion; that is for its own
    # developers, not for the person building features (the tests compare its numbers)
    for category in (FutureWarning, DeprecationWarning, UserWarning):
        warnings.filterwarnings("ignore", category=category, module="pyspark")
    warnings.filterwarnings("ignore", message=".*copy keyword is deprecated.*")
    spark = spark_session(master)
    if events_dir is not None:
        return build_features_spark(spark, events_dir, policy, as_of=as_of, as_of_table=as_of_table)
    from credo.store.db import connect
    from credo.store.export import export_events

    with tempfile.TemporaryDirectory(prefix="credo-export-") as tmp:
        con = connect(db, read_only=True)
        try:
            export_events(con, tmp)
        finally:
            con.close()
        return build_features_spark(spark, tmp, policy, as_of=as_of, as_of_table=as_of_table)


def list_features(policy: PolicyOption = "us") -> None:
    """Print the catalog by dimension: each feature, whether the policy allows it, its
    direction, its no-data value and its description."""

    from credo.features.catalog import CATALOG, catalog_for
    from credo.policy import PolicyError, load_policy
    from credo.policy.policy import DIMENSIONS

    try:
        chosen = load_policy(policy)
    except PolicyError as exc:
        fail(str(exc))
    allowed = {s.name for s in catalog_for(chosen)}
    out = make_console()
    for dimension in DIMENSIONS:
        specs = [s for s in CATALOG if s.dimension == dimension]
        table = Table(title=dimension.replace("_", " "), title_justify="left", expand=False)
        for column in ("feature", "used", "direction", "no data", "description"):
            table.add_column(column)
        for spec in specs:
            table.add_row(
                spec.name,
                "yes" if spec.name in allowed else "no (policy)",
                {"higher_is_riskier": "riskier", "higher_is_safer": "safer"}.get(
                    spec.direction, "from data"
                ),
                "NULL" if spec.no_data is None else f"{spec.no_data:g}",
                spec.description,
            )
        out.print(table)
    out.print(f"{len(allowed)} of {len(CATALOG)} features allowed under policy {chosen.name}")


PERSON_HELP = (
    "One person's features, computed now from the store: what a lender asking about them"
    " would be scored on, and from which sources.\n\n"
    "Runs the same query as `credo features build` over the person's events (on SQLite, in a"
    " few milliseconds per call in a running process: the scoring service's path; a command"
    " adds its start-up and the query's first compile), as of now unless --as-of is given."
    " Prints the features by dimension; --json prints the row as JSON instead.\n\n"
    "Example: credo features person u000123 --as-of 2026-01-01 --json"
)


def person(
    user_id: Annotated[
        str, typer.Argument(metavar="USER_ID", help="The person's user_id in the store.")
    ],
    db: DbOption = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="As-of date (YYYY-MM-DD): events strictly before. Default: now."
        ),
    ] = None,
    policy: PolicyOption = "us",
    as_json: Annotated[bool, flag("--json", help="Print the row as JSON.")] = False,
) -> None:
    from credo.features.catalog import catalog_for
    from credo.features.engines import FeatureInputError
    from credo.features.single import features_for_user
    from credo.policy import PolicyError, load_policy
    from credo.policy.policy import DIMENSIONS
    from credo.store.db import connect

    try:
        chosen = load_policy(policy)
    except PolicyError as exc:
        fail(str(exc))
    started = time.perf_counter()
    user_id = user_id.strip(" ")  # " u1" is u1, as ingest stores the ids
    with handle_store_errors():
        con = connect(db, read_only=True)
        try:
            known = (
                con.cursor()
                .execute(
                    "SELECT (SELECT count(*) FROM consents WHERE user_id = $u)"
                    " + (SELECT count(*) FROM events WHERE user_id = $u)",
                    {"u": user_id},
                )
                .fetchone()[0]
            )
            if not known:
                fail(
                    f"no events or consents for {user_id!r} in the store; check the id"
                    " and --db (a person appears once their events or consents are ingested)"
                )
            try:
                row = features_for_user(con, user_id, as_of, chosen)
            except FeatureInputError as exc:
                fail(str(exc))
        finally:
            con.close()
    seconds = time.perf_counter() - started
    if as_of is not None:
        import pyarrow as pa

        _warn_of_future_dates(pa.table({"as_of": pa.array([row["as_of"]])}))
    if as_json:
        typer.echo(json.dumps(row, default=str, indent=2))
        return

    out = make_console()
    specs = catalog_for(chosen)
    for dimension in DIMENSIONS:
        mine = [s for s in specs if s.dimension == dimension]
        if not mine:
            continue
        events = row.get(f"prov_events_{dimension}", 0)
        table = Table(
            title=f"{dimension.replace('_', ' ')} ({events} events)",
            title_justify="left",
            expand=False,
        )
        for column in ("feature", "value", "description"):
            table.add_column(column)
        for spec in mine:
            value = row[spec.name]
            if value is None:
                shown = "-"
            elif spec.no_data is not None and value == spec.no_data:
                shown = "no data"
            elif spec.never is not None and value == spec.never:
                shown = "never"
            else:
                shown = _value_text(value)
            table.add_row(spec.name, shown, spec.description)
        out.print(table)
    sources = row["prov_sources"] or "none"
    console.print(
        f"{user_id} as of {row['as_of']}: {len(specs)} features (policy {chosen.name}) from"
        f" {row['prov_events']} events of {sources} in {seconds * 1000:.0f} ms"
    )


def _value_text(value: float) -> str:
    """A feature's value for a person to read: four significant digits, but a large number
    whole with its thousands grouped (11,720 months, not 1.172e+04)."""
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    return f"{value:,.4g}"


def register(app: typer.Typer) -> None:
    """Add `credo features` (build, list, person) to the credo app."""
    features_app = typer.Typer(
        help="Point-in-time features from the store's events (see `credo features build --help`).",
        invoke_without_command=True,
        no_args_is_help=False,
    )

    @features_app.callback(invoke_without_command=True, help=BUILD_HELP)
    def features_root(
        ctx: typer.Context,
        db: DbOption = None,
        as_of: AsOfOption = None,
        as_of_file: AsOfFileOption = None,
        engine: EngineOption = "duckdb",
        spark_master: SparkMasterOption = "local[*]",
        events_dir: EventsDirOption = None,
        policy: PolicyOption = "us",
        out: OutOption = None,
    ) -> None:
        if ctx.invoked_subcommand is not None:
            given = [
                param.opts[0]
                for param in ctx.command.params
                if param.name
                and getattr(ctx.get_parameter_source(param.name), "name", "DEFAULT") != "DEFAULT"
            ]
            if given:
                # `credo features --db other.duckdb person u1` had read ./credo.duckdb, and
                # `features --policy eu list` listed the us catalog
                fail(
                    f"{', '.join(given)} given before `{ctx.invoked_subcommand}` would be"
                    f" ignored: write it after the verb, e.g. `credo features"
                    f" {ctx.invoked_subcommand} {given[0]} ...`"
                )
            return
        build(db, as_of, as_of_file, engine, spark_master, events_dir, policy, out)

    features_app.command("build", help=BUILD_HELP)(build)
    features_app.command("list")(list_features)
    features_app.command("person", help=PERSON_HELP)(person)
    app.add_typer(features_app, name="features")

"""Run the compiled feature query on DuckDB (the store) or Spark (Parquet dataset files)."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from credo.features.catalog import CATALOG_VERSION, catalog_for
from credo.features.compiler import (
    PROVENANCE_COLUMNS,
    Tables,
    build_query,
    compile_features,
    feature_sources,
)
from credo.features.spec import FeatureSpec
from credo.features.table import FeatureMeta, settle_columns, table_metadata, with_metadata
from credo.policy.policy import Policy

ASOF_SCHEMA = pa.schema([pa.field("user_id", pa.string()), pa.field("as_of", pa.timestamp("us"))])
# The as-of relation the feature query reads: each (user_id, as_of) numbered (see compiler.py),
# with the month and day its monthly buckets count back from (see bucket_anchor).
KEYED_ASOF_SCHEMA = pa.schema(
    [
        *ASOF_SCHEMA,
        pa.field("pid", pa.int64()),
        pa.field("bucket_month", pa.int64()),
        pa.field("bucket_day", pa.int64()),
    ]
)


# Buckets align on the as-of day when every month has that day; from the 29th on, on
# calendar months (see bucket_anchor).
LAST_ALIGNED_DAY = 28
# As-of dates from here on have no next month's 1st to anchor on (the calendar ends in 9999).
AS_OF_LIMIT = dt.datetime(9999, 12, LAST_ALIGNED_DAY)


def bucket_anchor(as_of: dt.datetime) -> tuple[int, int]:
    """The (year * 12 + month, day) the as-of date's month buckets count back from.

    The as-of date itself at midnight, and for an instant within a day ("now") the next
    midnight: month 0 then starts on the day after the as-of day a month before, so the report
    an account made that day a month ago is in month 1, not in month 0 beside today's. An
    anchor after the 28th moves on to the 1st of the next month, so the buckets are calendar
    months: not every month has a 29th to 31st, and an account reporting on such a day (or on
    the last day of each month) would have two reports in one bucket and none in the next.
    """
    day = as_of.date()
    with contextlib.suppress(OverflowError):  # the last day there is: no later day to take
        if as_of.time() != dt.time(0):
            day += dt.timedelta(days=1)
        if day.day > LAST_ALIGNED_DAY:
            day = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return day.year * 12 + day.month, day.day


def with_person_keys(asof: pa.Table) -> pa.Table:
    """The as-of table with `pid`, its row number (the key of every stage of the query), and
    each row's bucket anchor (bucket_anchor, worked out for the whole column)."""
    keys = pa.array(np.arange(asof.num_rows, dtype=np.int64))
    anchor = pc.ceil_temporal(asof["as_of"].cast(pa.timestamp("us")), unit="day")
    anchor = pc.if_else(
        pc.greater(pc.day(anchor), LAST_ALIGNED_DAY),
        pc.ceil_temporal(anchor, unit="month"),
        anchor,
    )
    month = pc.add(pc.multiply(pc.year(anchor), 12), pc.month(anchor))
    return (
        asof.select(ASOF_SCHEMA.names)
        .append_column("pid", keys)
        .append_column("bucket_month", month.cast(pa.int64()))
        .append_column("bucket_day", pc.day(anchor).cast(pa.int64()))
    )


class FeatureInputError(ValueError):
    """The as-of input or the event files are unusable; the message says what to do."""


def as_of_timestamp(value: dt.date | dt.datetime | str) -> dt.datetime:
    """An as-of date or timestamp as a naive UTC datetime (a date means its midnight).

    Text must be a date (YYYY-MM-DD): a feature table labels each row with its as-of date, so
    a time of day given as text would count events the label does not show."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise FeatureInputError(
                f"as-of {value!r} is not a date: write it as YYYY-MM-DD"
            ) from exc
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
    else:
        value = dt.datetime(value.year, value.month, value.day)
    _check_before_limit(value)
    return value


def _check_before_limit(value: dt.datetime) -> None:
    if value >= AS_OF_LIMIT:
        raise FeatureInputError(
            f"as-of {value:%Y-%m-%d} is past the last date features can be computed as of"
            f" ({AS_OF_LIMIT - dt.timedelta(days=1):%Y-%m-%d}): give a real date"
        )


_DATE_TEXT = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# what may follow the day in an as-of file's text: a time, and a zone (the day stays the one
# written, as for a zoned timestamp column)
_TIME_TEXT = r"[Tt ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|\s*[+-]\d{2}(?::?\d{2})?)?$"
_TIME_AFTER = re.compile(_TIME_TEXT)


def _is_day(text: str) -> bool:
    """Whether `text` is a calendar day YYYY-MM-DD, a time and a zone after it or not."""
    return _is_date(_TIME_AFTER.sub("", text))


def _is_date(text: str) -> bool:
    """Whether `text` is a calendar day written YYYY-MM-DD (June 31st is none)."""
    found = _DATE_TEXT.fullmatch(text)
    if found is None:
        return False
    try:
        dt.date(*map(int, found.groups()))
    except ValueError:
        return False
    return True


def as_of_table_from_outcomes(outcomes: pa.Table) -> pa.Table:
    """(user_id, as_of) from an outcomes table, as_of at midnight; duplicates dropped."""
    for column in ("user_id", "as_of"):
        if column not in outcomes.column_names:
            raise FeatureInputError(
                f"the as-of file has no {column!r} column: it needs user_id and as_of"
            )
    if outcomes.num_rows == 0:
        raise FeatureInputError("the as-of file has no rows: give one row per person and date")
    as_of = as_of_days(outcomes["as_of"])
    # " u1" is u1, as ingest stores the events' ids
    users = pc.utf8_trim(outcomes["user_id"].cast(pa.string()), characters=" ")
    empty = pc.or_kleene(
        pc.equal(pc.utf8_trim_whitespace(users), "").fill_null(True), pc.is_null(as_of)
    )
    if pc.any(empty).as_py():
        first = pc.index(empty, True).as_py()
        raise FeatureInputError(
            f"the as-of file has {pc.sum(empty).as_py():,} row(s) without a user_id or as_of"
            f" (the first in data row {first + 1:,}): give each row both"
        )
    latest = pc.max(as_of).as_py()
    if latest is not None:
        _check_before_limit(latest)
    table = pa.table({"user_id": users, "as_of": as_of}, schema=ASOF_SCHEMA)
    distinct = table.group_by(["user_id", "as_of"]).aggregate([])
    return distinct.select(["user_id", "as_of"]).sort_by(
        [("user_id", "ascending"), ("as_of", "ascending")]
    )


def as_of_days(
    as_of: pa.Array | pa.ChunkedArray, what: str = "the as-of file"
) -> pa.Array | pa.ChunkedArray:
    """An as_of column as midnights (timestamp[us], no zone; missing values null): dates as
    they are, a timestamp's day on its own clock, text only as YYYY-MM-DD (an error names the
    first row that is not, as `what`'s data row)."""
    if pa.types.is_dictionary(as_of.type):  # a categorical column: its values
        as_of = as_of.cast(as_of.type.value_type)
    if pa.types.is_null(as_of.type) or as_of.null_count == len(as_of):
        # no value at all (a CSV's empty column reads as numbers): rows without a date
        return pa.nulls(len(as_of), pa.timestamp("us"))
    if pa.types.is_date(as_of.type):
        as_of = as_of.cast(pa.timestamp("us"))
    elif pa.types.is_timestamp(as_of.type):
        # the day of each timestamp as written: in its own time zone where it has one (a
        # lender's midnight of May 1st in Shanghai is May 1st, not April 30th in UTC), else UTC
        if as_of.type.tz is not None:
            as_of = pc.local_timestamp(as_of)
        # the day first: a nanosecond stamp cast to microseconds would refuse its last digits
        as_of = pc.floor_temporal(as_of, unit="day").cast(pa.timestamp("us"))
    elif pa.types.is_string(as_of.type) or pa.types.is_large_string(as_of.type):
        blank = pc.equal(pc.utf8_trim_whitespace(as_of), "").fill_null(False)
        if pc.any(blank).as_py():
            first = pc.index(blank, True).as_py()
            raise FeatureInputError(
                f"{what} has {pc.sum(blank).as_py():,} empty as_of value(s) (the first"
                f" in data row {first + 1:,}): give each row its date, YYYY-MM-DD"
            )
        # dates written as text, as CSV-minded tools leave them; each distinct text checked
        # here, as Arrow's parser moves a day past the month's end on ("2024-06-31" read as
        # July 1st) and names no row
        as_of = pc.utf8_trim_whitespace(as_of)
        wrong = [t for t in pc.unique(as_of).to_pylist() if t is not None and not _is_day(t)]
        if wrong:
            rows = pc.is_in(as_of, value_set=pa.array(wrong, as_of.type))
            first = pc.index(rows, True).as_py()
            raise FeatureInputError(
                f"{what}'s as_of in data row {first + 1:,}, {as_of[first].as_py()!r}, is"
                f" no date YYYY-MM-DD ({pc.sum(rows).as_py():,} row(s) alike); write dates such"
                " as 2026-01-31, or store the column as a date"
            )
        # the day as written: a time of day and a zone after it do not move it
        as_of = pc.replace_substring_regex(as_of, pattern=_TIME_TEXT, replacement="")
        return pc.strptime(as_of, format="%Y-%m-%d", unit="us")
    else:
        raise FeatureInputError(
            f"{what}'s as_of must be a date column (or dates written YYYY-MM-DD), not {as_of.type}"
        )
    return as_of


def feature_metas(specs: Sequence[FeatureSpec]) -> list[FeatureMeta]:
    """The table metadata of each spec (a ratio's sources are its parts')."""
    by_name = {s.name: s for s in specs}
    return [replace(FeatureMeta.from_spec(s), sources=feature_sources(s, by_name)) for s in specs]


# Aggregates whose value no order of adding can change (counts, maxima of single events,
# shares of counts): only the others are settled (see credo.features.table.settled).
EXACT_AGGREGATES = frozenset(
    {"count", "share", "max", "months_since_first", "months_since_last", "series_months_ge",
     "series_share_ge"}
)  # fmt: skip


def settled_features(specs: Sequence[FeatureSpec]) -> list[str]:
    """The features whose values may carry the order of a floating-point sum."""
    return [spec.name for spec in specs if spec.aggregate not in EXACT_AGGREGATES]


def _finish(table: pa.Table, specs: Sequence[FeatureSpec], policy: Policy) -> pa.Table:
    table = settle_columns(table, settled_features(specs))
    metadata = table_metadata(
        feature_metas(specs),
        catalog_version=CATALOG_VERSION,
        policy=policy.name,
        provenance_columns=PROVENANCE_COLUMNS,
        policy_rules=policy.rules,
    )
    return with_metadata(table, metadata)


def build_features_duckdb(
    con: duckdb.DuckDBPyConnection,
    policy: Policy,
    *,
    as_of: dt.date | dt.datetime | str | None = None,
    as_of_table: pa.Table | None = None,
    specs: Sequence[FeatureSpec] | None = None,
    tables: Tables = Tables(),
) -> pa.Table:
    """Features for every person in the store (as of one date) or for each (user_id, as_of)
    of `as_of_table`, on DuckDB. The result carries the feature-table metadata."""
    specs = tuple(specs) if specs is not None else catalog_for(policy)
    # A cursor of its own: the caller's connection may hold an unfinished result.
    con = con.cursor()
    asof = _asof_relation(con, as_of, as_of_table, tables)
    con.register("credo_asof_input", with_person_keys(asof))
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {tables.asof} AS SELECT * FROM credo_asof_input")
    finally:
        con.unregister("credo_asof_input")
    sql = compile_features(specs, policy, "duckdb", tables)
    try:
        result = con.sql(sql).to_arrow_table()
    finally:
        con.execute(f"DROP TABLE IF EXISTS {tables.asof}")
    return _finish(result, specs, policy)


def _asof_relation(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date | dt.datetime | str | None,
    as_of_table: pa.Table | None,
    tables: Tables,
) -> pa.Table:
    if (as_of is None) == (as_of_table is None):
        raise FeatureInputError("give exactly one of --as-of DATE or --as-of-file FILE")
    if as_of_table is not None:
        return as_of_table_from_outcomes(as_of_table)
    stamp = as_of_timestamp(as_of)
    users = con.sql(
        f"SELECT user_id FROM {tables.events} UNION SELECT user_id FROM {tables.consents}"
        " ORDER BY user_id"
    ).to_arrow_table()["user_id"]
    stamps = pa.array([stamp] * len(users), pa.timestamp("us"))
    return pa.Table.from_arrays([users.cast(pa.string()), stamps], schema=ASOF_SCHEMA)


# Stages read more than once downstream: Spark would recompute an inlined CTE per reference.
SPARK_PERSISTED_STAGES = ("mp", "sv")


def _run_staged(spark: Any, query: exp.Expression) -> pa.Table:
    """Run the query's stages (its CTEs) as Spark temporary views, persisting the ones read
    more than once, then the final SELECT: the same expression, rendered for Spark."""
    with_key = "with_" if query.args.get("with_") is not None else "with"
    stages = query.args[with_key].expressions
    persisted = []
    try:
        for stage in stages:
            frame = spark.sql(stage.this.sql(dialect="spark"))
            if stage.alias in SPARK_PERSISTED_STAGES:
                frame = frame.persist()
                persisted.append(frame)
            frame.createOrReplaceTempView(stage.alias)
        final = query.copy()
        final.set(with_key, None)
        return spark.sql(final.sql(dialect="spark")).toArrow()
    finally:
        for frame in persisted:
            frame.unpersist()
        for stage in stages:
            spark.catalog.dropTempView(stage.alias)


def literal_path(path: Path) -> str:
    """A path as Spark's reader takes it literally: Hadoop reads [ ] { } * ? in a path as a
    pattern, so a folder named "runs [old]" had been no path found."""
    return re.sub(r"([\[\]{}*?\\])", r"\\\1", str(path))


def build_features_spark(
    spark: Any,
    events_dir: str | Path,
    policy: Policy,
    *,
    consents_path: str | Path | None = None,
    as_of: dt.date | dt.datetime | str | None = None,
    as_of_table: pa.Table | None = None,
    specs: Sequence[FeatureSpec] | None = None,
) -> pa.Table:
    """The same features on Spark, from a dataset directory: DIR/events/*.parquet and
    DIR/consents.parquet (or the given consents file). Returns an Arrow table."""
    specs = tuple(specs) if specs is not None else catalog_for(policy)
    root = Path(events_dir)
    events_path = root / "events" if (root / "events").is_dir() else root
    consents = Path(consents_path) if consents_path else root / "consents.parquet"
    if not any(events_path.glob("*.parquet")):
        raise FeatureInputError(f"no Parquet event files in {events_path}")
    if not consents.is_file():
        raise FeatureInputError(
            f"no consents file at {consents}: pass the dataset directory written by"
            " `credo export events` or `credo generate`"
        )
    tables = Tables(events="credo_events", consents="credo_consents", asof="credo_asof")
    spark.read.parquet(literal_path(events_path)).createOrReplaceTempView(tables.events)
    spark.read.parquet(literal_path(consents)).createOrReplaceTempView(tables.consents)
    if as_of_table is not None:
        asof = as_of_table_from_outcomes(as_of_table)
    elif as_of is not None:
        stamp = as_of_timestamp(as_of)
        users = spark.sql(
            f"SELECT user_id FROM {tables.events} UNION SELECT user_id FROM {tables.consents}"
        ).toArrow()
        ids = sorted(users["user_id"].to_pylist())
        asof = pa.table({"user_id": ids, "as_of": [stamp] * len(ids)}, schema=ASOF_SCHEMA)
    else:
        raise FeatureInputError("give exactly one of --as-of DATE or --as-of-file FILE")
    spark.createDataFrame(with_person_keys(asof)).createOrReplaceTempView(tables.asof)
    result = _run_staged(spark, build_query(specs, policy, tables))
    result = result.set_column(
        result.column_names.index("as_of"), "as_of", result["as_of"].cast(pa.date32())
    )
    return _finish(result, specs, policy)

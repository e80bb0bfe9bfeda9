"""Features for one person, from the store: the scoring service's path.

The batch query, built by the same compiler from the same specs, run over one person's events
and one as-of date, so the values equal the batch row. DuckDB plans that query afresh on every
call (~70 ms, prepared or not), so here it runs on SQLite (see credo.features.sqlite): DuckDB
reads the person's events and consents out of the store (two small lookups, run side by side;
fast on a compacted store, whose events are sorted by person), SQLite holds them in memory,
one database per thread, and runs the statement it compiled on the first call. About 8-10 ms
for a person with ~450 events in a store of 20M (`bench/features.py`).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from sqlglot import exp
from sqlglot.optimizer.scope import traverse_scope

from credo.events.schema import CONSENT_SCHEMA, EVENT_SCHEMA, utc_now
from credo.features.catalog import catalog_for
from credo.features.compiler import Tables, build_query
from credo.features.engines import (
    KEYED_ASOF_SCHEMA,
    as_of_timestamp,
    bucket_anchor,
    settled_features,
)
from credo.features.spec import FeatureSpec
from credo.features.sqlite import CredoSQLite, as_text_sql, connect_sqlite
from credo.features.table import settled
from credo.policy.policy import Policy, load_policy
from credo.store.sql import sql_text

TABLES = Tables()


@dataclass(frozen=True)
class OnePersonPlan:
    """The SQLite query and what to copy out of the store for it."""

    sql: str
    events: pa.Schema  # the event columns the query reads
    consents: pa.Schema
    # DuckDB: one person's events before the as-of date and consents, as SQLite stores them,
    # less the user id (the same on every row: added in Python, ~0.8 ms less to read). The
    # user id and date are written into the text as literals: with parameters, DuckDB reads
    # the store ~2 ms slower.
    events_sql: str
    consents_sql: str
    events_insert: str
    consents_insert: str
    settled: tuple[str, ...]  # the features whose values are rounded (see settled_features)


def columns_read(query: exp.Expression, table: str) -> set[str]:
    """The columns of `table` that the query reads (every reference must be qualified)."""
    used: set[str] = set()
    for scope in traverse_scope(query):
        aliases = {
            alias
            for alias, source in scope.sources.items()
            if isinstance(source, exp.Table) and source.name == table
        }
        for column in scope.columns:
            if column.table in aliases:
                used.add(column.name)
            elif not column.table and aliases:
                raise ValueError(f"column {column.sql()} next to {table} is not qualified")
    return used


def _subschema(schema: pa.Schema, names: set[str]) -> pa.Schema:
    unknown = names - set(schema.names)
    if unknown:
        raise ValueError(f"the feature query reads unknown columns {sorted(unknown)}")
    return pa.schema([f for f in schema if f.name in names])


def _select(schema: pa.Schema, table: str, where: str) -> str:
    columns = ", ".join(as_text_sql(f'"{f.name}"', f.type) for f in schema if f.name != "user_id")
    return f"SELECT {columns} FROM {table} WHERE {where}"


def _insert_sql(table: str, schema: pa.Schema) -> str:
    """The insert of a row read by _select, the user id put first."""
    names = ["user_id", *(f.name for f in schema if f.name != "user_id")]
    columns = ", ".join(f'"{n}"' for n in names)
    return f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(names))})"


@lru_cache(maxsize=16)
def one_person_plan(specs: tuple[FeatureSpec, ...], policy: Policy) -> OnePersonPlan:
    """Compile the specs once for the one-person path."""
    # One pass over the person's few hundred events: SQLite gains nothing from aggregating
    # some cells apart (measured a little slower), unlike the batch engines.
    query = build_query(specs, policy, TABLES, apart=())
    events = _subschema(EVENT_SCHEMA, columns_read(query, TABLES.events) | {"user_id", "ts"})
    consents = _subschema(CONSENT_SCHEMA, columns_read(query, TABLES.consents) | {"user_id"})
    return OnePersonPlan(
        sql=query.sql(dialect=CredoSQLite),
        events=events,
        consents=consents,
        events_sql=_select(events, TABLES.events, "user_id = {user} AND ts < {as_of}"),
        consents_sql=_select(consents, TABLES.consents, "user_id = {user}"),
        events_insert=_insert_sql(TABLES.events, events),
        consents_insert=_insert_sql(TABLES.consents, consents),
        settled=tuple(settled_features(specs)),
    )


@lru_cache(maxsize=16)
def _catalog_plan(policy: Policy) -> OnePersonPlan:
    return one_person_plan(catalog_for(policy), policy)


_ASOF_INSERT = f"INSERT INTO {TABLES.asof} VALUES (?, ?, ?, ?, ?)"
_local = threading.local()


def _sqlite_for(plan: OnePersonPlan) -> sqlite3.Connection:
    """This thread's SQLite database for the plan (its statement stays compiled there)."""
    databases: dict[OnePersonPlan, sqlite3.Connection] | None = getattr(_local, "dbs", None)
    if databases is None:
        databases = _local.dbs = {}
    lite = databases.get(plan)
    if lite is None:
        lite = databases[plan] = connect_sqlite(
            [
                (TABLES.events, plan.events),
                (TABLES.consents, plan.consents),
                (TABLES.asof, KEYED_ASOF_SCHEMA),
            ]
        )
    return lite


_READERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="credo-one-person")


def _fetch(cursor: duckdb.DuckDBPyConnection, sql: str, **literals: str) -> list[tuple]:
    return cursor.execute(sql.format(**literals)).fetchall()


def _insert(lite: sqlite3.Connection, table: str, insert: str, rows: list[tuple]) -> None:
    lite.execute(f"DELETE FROM {table}")
    if rows:
        lite.executemany(insert, rows)


def _timestamp_text(stamp: dt.datetime) -> str:
    """TIMESTAMP_TEXT, the year in four digits whatever it is (strftime writes 999 for 999)."""
    return stamp.isoformat(sep=" ", timespec="microseconds")


def features_for_user(
    con: duckdb.DuckDBPyConnection,
    user_id: str,
    as_of: dt.date | dt.datetime | str | None = None,
    policy: Policy | str = "us",
    specs: Sequence[FeatureSpec] | None = None,
) -> dict[str, Any]:
    """One person's feature row (user_id, as_of, features, provenance) as a dict, as of the
    given date (default: now), from the store's events and consents."""
    user_id = user_id.strip(" ")  # " u1" is u1, as ingest and the batch's as-of file read it
    policy = load_policy(policy) if isinstance(policy, str) else policy
    plan = _catalog_plan(policy) if specs is None else one_person_plan(tuple(specs), policy)
    stamp = as_of_timestamp(as_of) if as_of is not None else utc_now()
    user = sql_text(user_id)
    as_of_literal = f"TIMESTAMP '{stamp.isoformat(sep=' ')}'"
    # The consents are read beside the events (DuckDB lets go of the GIL while it runs), each
    # on a cursor of its own, made here: a connection is not to be shared between threads.
    events_cursor, consents_cursor = con.cursor(), con.cursor()
    try:
        consents_read = _READERS.submit(_fetch, consents_cursor, plan.consents_sql, user=user)
        try:
            events = _fetch(events_cursor, plan.events_sql, user=user, as_of=as_of_literal)
        finally:
            wait([consents_read])  # before its cursor closes
        consents = consents_read.result()
    finally:
        events_cursor.close()
        consents_cursor.close()
    lite = _sqlite_for(plan)
    _insert(lite, TABLES.events, plan.events_insert, [(user_id, *row) for row in events])
    _insert(lite, TABLES.consents, plan.consents_insert, [(user_id, *row) for row in consents])
    asof_row = (user_id, _timestamp_text(stamp), 0, *bucket_anchor(stamp))
    _insert(lite, TABLES.asof, _ASOF_INSERT, [asof_row])
    result = lite.execute(plan.sql)
    columns = [d[0] for d in result.description]
    row = dict(zip(columns, result.fetchone(), strict=True))
    row["as_of"] = dt.date.fromisoformat(row["as_of"])
    floats = [name for name in plan.settled if isinstance(row[name], float)]
    for name, value in zip(floats, settled(np.array([row[n] for n in floats])), strict=True):
        row[name] = float(value)
    return row

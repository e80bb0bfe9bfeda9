"""Running statements on a DuckDB connection so that no result is left open.

DuckDB refuses most work on a connection (registering an Arrow table, for one) while a
previous result has not been read to the end, so every statement here is read whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb


def sql_text(value: str) -> str:
    """A SQL string literal (quotes doubled): the same in DuckDB, Spark SQL and SQLite."""
    return "'" + value.replace("'", "''") + "'"


def run(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> list:
    """Execute one statement and return all its rows."""
    return con.execute(sql, params or []).fetchall()


def first(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None):
    """The first row of a query, or None."""
    rows = run(con, sql, params)
    return rows[0] if rows else None


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None):
    """The first value of the first row of a query."""
    return run(con, sql, params)[0][0]

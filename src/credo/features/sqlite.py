"""The feature query on SQLite, for the events of one person copied out of the store.

DuckDB plans the catalog's query afresh on every run, prepared or not (about 70 ms of binding
and optimising for a few hundred events); SQLite compiles a statement once per connection and
runs it again from its statement cache. So the one-person path renders the same sqlglot
expression for SQLite, as Spark's path renders it for Spark.

What SQLite lacks is supplied here, each with DuckDB's meaning:

* timestamps are stored as fixed-width ISO text (`TIMESTAMP_TEXT`), which orders like time;
  YEAR / MONTH / DAYOFMONTH read its digits;
* ARG_MAX / ARG_MIN are aggregates that skip rows whose value or key is NULL (the compiler
  never relies on NULL values being picked), keeping the first row of a tie; a struct key
  (the compiler's tie-break) is passed as its fields and compared as a tuple; a field of the
  greatest struct, STRUCT_EXTRACT(MAX(struct), field), is ARG_MAX of the field by the struct;
* CONCAT_WS skips NULLs; REGEXP is Python's `re.search`; SQRT where SQLite was built without
  its math functions.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import pyarrow as pa
from sqlglot import exp
from sqlglot.dialects.sqlite import SQLite

# Timestamps as SQLite text: fixed width, so text order is time order.
TIMESTAMP_TEXT = "%Y-%m-%d %H:%M:%S.%f"
DATE_TEXT = "%Y-%m-%d"


def _digits(start: int, length: int):
    def render(self: SQLite.Generator, expression: exp.Expression) -> str:
        return f"CAST(SUBSTR({self.sql(expression, 'this')}, {start}, {length}) AS INTEGER)"

    return render


def _arg_best(name: str):
    # The aggregate is Python: let SQLite skip the rows it would ignore, without a call each.
    # A key `CASE WHEN c THEN {'t': a, 'v': b} END` (a struct, ordered field by field) is
    # passed as its fields, compared as a tuple, on the rows where c holds; a bare struct key
    # on every row.
    def render(self: SQLite.Generator, expression: exp.Expression) -> str:
        value, key = self.sql(expression, "this"), expression.expression
        if isinstance(key, exp.Struct):
            fields = [self.sql(f.expression) for f in key.expressions]
            kept = f"({value}) IS NOT NULL"
            return f"{name}({value}, {', '.join(fields)}) FILTER (WHERE {kept})"
        ifs = (key.args.get("ifs") or []) if isinstance(key, exp.Case) else []
        if (
            len(ifs) == 1
            and isinstance(ifs[0].args["true"], exp.Struct)
            and not key.args.get("default")
        ):
            fields = [self.sql(f.expression) for f in ifs[0].args["true"].expressions]
            kept = f"({self.sql(ifs[0].this)}) AND ({value}) IS NOT NULL"
            return f"{name}({value}, {', '.join(fields)}) FILTER (WHERE {kept})"
        kept = f"({self.sql(key)}) IS NOT NULL AND ({value}) IS NOT NULL"
        return f"{name}({value}, {self.sql(key)}) FILTER (WHERE {kept})"

    return render


def _field_of_greatest(self: SQLite.Generator, expression: exp.StructExtract) -> str:
    greatest = expression.this
    if not (isinstance(greatest, exp.Max) and isinstance(greatest.this, exp.Struct)):
        raise ValueError(f"SQLite has no structs: {expression.sql('duckdb')}")
    struct = greatest.this
    wanted = expression.expression.name
    fields = [f.expression for f in struct.expressions if f.this.name == wanted]
    if not fields:
        raise ValueError(f"no field {wanted!r} in {greatest.sql('duckdb')}")
    field = fields[0]
    return self.sql(exp.ArgMax(this=field.copy(), expression=struct.copy()))


class CredoSQLite(SQLite):
    """SQLite, with timestamps held as TIMESTAMP_TEXT."""

    class Generator(SQLite.Generator):
        TRANSFORMS = {
            **SQLite.Generator.TRANSFORMS,
            exp.Year: _digits(1, 4),
            exp.Month: _digits(6, 2),
            exp.DayOfMonth: _digits(9, 2),
            exp.ArgMax: _arg_best("ARG_MAX"),
            exp.ArgMin: _arg_best("ARG_MIN"),
            exp.StructExtract: _field_of_greatest,
        }


class _ArgMax:
    def __init__(self) -> None:
        self.value: Any = None
        self.key: Any = None

    def step(self, value: Any, *key: Any) -> None:
        if value is not None and None not in key and (self.key is None or key > self.key):
            self.value, self.key = value, key

    def finalize(self) -> Any:
        return self.value


class _ArgMin(_ArgMax):
    def step(self, value: Any, *key: Any) -> None:
        if value is not None and None not in key and (self.key is None or key < self.key):
            self.value, self.key = value, key


def _concat_ws(separator: str, *parts: Any) -> str:
    return separator.join(str(p) for p in parts if p is not None)


@lru_cache(maxsize=64)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _regexp(pattern: str | None, value: Any) -> int | None:
    if pattern is None or value is None:
        return None
    return int(_pattern(pattern).search(str(value)) is not None)


def _sqrt(value: float | None) -> float | None:
    return None if value is None else math.sqrt(value)


def column_type(arrow_type: pa.DataType) -> str:
    """The SQLite column type holding values of an Arrow type (timestamps and dates as text)."""
    if pa.types.is_floating(arrow_type):
        return "REAL"
    if pa.types.is_integer(arrow_type) or pa.types.is_boolean(arrow_type):
        return "INTEGER"
    return "TEXT"


def as_text_sql(column: str, arrow_type: pa.DataType) -> str:
    """A DuckDB expression giving the column as the SQLite copy stores it."""
    if pa.types.is_timestamp(arrow_type):
        return f"strftime({column}, '{TIMESTAMP_TEXT}')"
    if pa.types.is_date(arrow_type):
        return f"strftime({column}, '{DATE_TEXT}')"
    return column


# FULL JOIN arrived in SQLite 3.39 (JSON's ->> operator in 3.38, aggregate FILTER clauses in
# 3.30).
MIN_SQLITE = (3, 39, 0)


def connect_sqlite(tables: Iterable[tuple[str, pa.Schema]]) -> sqlite3.Connection:
    """An in-memory SQLite database with the functions above and one empty table per
    (name, schema)."""
    if sqlite3.sqlite_version_info < MIN_SQLITE:
        raise RuntimeError(
            f"the one-person feature path needs SQLite {'.'.join(map(str, MIN_SQLITE))} or"
            f" newer; this Python links SQLite {sqlite3.sqlite_version}: use a Python built"
            " against a newer SQLite (any current Python from python.org or a recent distribution)"
        )
    lite = sqlite3.connect(":memory:", check_same_thread=False, cached_statements=32)
    # The query's grouping and materialised stages use temporary B-trees, which SQLite keeps
    # in temporary files by default even for an in-memory database: in memory they take a
    # third off the query (3.5 ms to 2.5 ms for a person with ~600 events).
    lite.execute("PRAGMA temp_store = MEMORY")
    lite.create_aggregate("ARG_MAX", -1, _ArgMax)  # type: ignore[arg-type]
    lite.create_aggregate("ARG_MIN", -1, _ArgMin)  # type: ignore[arg-type]
    lite.create_function("CONCAT_WS", -1, _concat_ws, deterministic=True)
    lite.create_function("REGEXP", 2, _regexp, deterministic=True)
    try:
        lite.execute("SELECT SQRT(4.0)").fetchall()
    except sqlite3.OperationalError:
        lite.create_function("SQRT", 1, _sqrt, deterministic=True)
    for name, schema in tables:
        columns = ", ".join(f'"{f.name}" {column_type(f.type)}' for f in schema)
        lite.execute(f'CREATE TABLE "{name}" ({columns})')
    return lite

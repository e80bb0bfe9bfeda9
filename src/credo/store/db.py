"""The DuckDB store: one file holding events, consents, quarantine, ingest batches, and (for
later layers) disputes, inquiries, the decision log and API keys. Freshly ingested events sit
in Parquet segments beside the file until `credo compact` moves them in
(credo.store.segments); the `events` view reads both.

DuckDB allows one writing process at a time. Commands open the store for the shortest time
they need; `connect(read_only=True)` is for readers that may run beside a writer's process
only when that writer is not holding the file open.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import duckdb

from credo.events.schema import SQL_TYPES
from credo.store import MEMORY_LIMIT_VARIABLE, segments
from credo.store.sql import scalar, sql_text

DEFAULT_DB = "credo.duckdb"
# The most memory DuckDB may take for one credo process (e.g. 4GB; default: its own, 80 % of
# the machine): compacting tens of millions of events otherwise grows to take most of it.

_EVENT_COLUMNS = ",\n    ".join(f"{name} {sql_type}" for name, sql_type in SQL_TYPES.items())


def _v1(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""
        CREATE TABLE events (
            {_EVENT_COLUMNS},
            batch_id BIGINT NOT NULL
        )"""
    )
    con.execute(
        """
        CREATE TABLE consents (
            user_id VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            purpose VARCHAR NOT NULL,
            granted_at TIMESTAMP NOT NULL,
            revoked_at TIMESTAMP
        )"""
    )
    con.execute(
        """
        CREATE TABLE ingest_batches (
            batch_id BIGINT PRIMARY KEY,
            path VARCHAR NOT NULL,
            format VARCHAR NOT NULL,
            fingerprint VARCHAR NOT NULL,
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP,
            accepted BIGINT NOT NULL DEFAULT 0,
            duplicates BIGINT NOT NULL DEFAULT 0,
            conflicts BIGINT NOT NULL DEFAULT 0,
            rejected BIGINT NOT NULL DEFAULT 0,
            status VARCHAR NOT NULL
        )"""
    )
    con.execute(
        """
        CREATE TABLE quarantine (
            batch_id BIGINT NOT NULL,
            path VARCHAR NOT NULL,
            fingerprint VARCHAR NOT NULL,
            row_number BIGINT NOT NULL,
            event_id VARCHAR,
            field VARCHAR NOT NULL,
            reason VARCHAR NOT NULL,
            raw VARCHAR,
            quarantined_at TIMESTAMP NOT NULL
        )"""
    )
    con.execute("CREATE SEQUENCE batch_ids START 1")


def _v2(con: duckdb.DuckDBPyConnection) -> None:
    # Events are the native table's rows plus ingested Parquet segments (credo.store.segments);
    # readers keep reading `events`, now a view over both.
    con.execute("ALTER TABLE events RENAME TO event_rows")
    con.execute(
        """
        CREATE TABLE event_segments (
            segment_id BIGINT PRIMARY KEY,
            batch_id BIGINT NOT NULL,
            file VARCHAR NOT NULL,
            rows BIGINT NOT NULL,
            created_at TIMESTAMP NOT NULL
        )"""
    )
    con.execute("CREATE SEQUENCE segment_ids START 1")
    con.execute("CREATE TABLE store_settings (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
    con.execute(segments.events_view_sql(Path("."), []))


# Migrations in order; each takes the store from version i to i + 1. Never edit a released one.
MIGRATIONS: list[Callable[[duckdb.DuckDBPyConnection], None]] = [_v1, _v2]
SCHEMA_VERSION = len(MIGRATIONS)


def db_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The store file: the explicit path, else $CREDO_DB, else ./credo.duckdb."""
    return Path(path or os.environ.get("CREDO_DB") or DEFAULT_DB)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = scalar(
        con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    )
    if not exists:
        return 0
    return scalar(con, "SELECT max(version) FROM schema_version") or 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the store to SCHEMA_VERSION, one transaction per migration. Returns the version."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER, applied_at TIMESTAMP)")
    current = schema_version(con)
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"the store is at schema version {current}, newer than this credo ({SCHEMA_VERSION});"
            " upgrade credo"
        )
    for version in range(current, SCHEMA_VERSION):
        con.execute("BEGIN TRANSACTION")
        try:
            MIGRATIONS[version](con)
            con.execute("INSERT INTO schema_version VALUES (?, now()::TIMESTAMP)", [version + 1])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return SCHEMA_VERSION


class StoreError(RuntimeError):
    """The store is missing, locked or of the wrong version; the message says what to do."""


def init_store(path: str | os.PathLike[str] | None = None) -> Path:
    """Create the store (or migrate an existing one) and return its path."""
    target = db_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _open(target, read_only=False) as con:
        migrate(con)
        if not segments.view_is_current(con):
            segments.point_view(con)
    return target


def connect(
    path: str | os.PathLike[str] | None = None, *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open an existing store at the current schema version, in UTC."""
    target = db_path(path)
    if not target.exists():
        raise StoreError(f"no store at {target}; create one with `credo init --db {target}`")
    con = _open(target, read_only=read_only)
    version = schema_version(con)
    if version != SCHEMA_VERSION:
        if read_only or version > SCHEMA_VERSION:
            con.close()
            raise StoreError(
                f"the store at {target} is at schema version {version}, this credo expects"
                f" {SCHEMA_VERSION}; run `credo init --db {target}` to migrate it"
            )
        migrate(con)
    if not segments.view_is_current(con):
        if read_only:
            con.close()
            raise StoreError(
                f"the store at {target} was moved since its event segments were listed; run"
                f" any credo command that writes to it (e.g. `credo init --db {target}`) or"
                f" `credo compact --db {target}` once, with {target.name}"
                f"{segments.SEGMENTS_SUFFIX}/ beside it"
            )
        segments.point_view(con)
    return con


def _open(target: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    not_a_store = StoreError(
        f"{target} is not a credo store (not a DuckDB database file): point --db at"
        " a store made by `credo init`"
    )
    try:
        con = duckdb.connect(str(target), read_only=read_only)
    except duckdb.CatalogException as exc:
        # a CSV, Parquet or JSON file, which DuckDB opens as an in-memory database over
        # its data, and refuses to open so read-only
        if "in-memory" in str(exc):
            raise not_a_store from exc
        raise StoreError(f"cannot open the store at {target}: {exc}") from exc
    except duckdb.ConnectionException as exc:
        if "different configuration" not in str(exc):
            raise
        # this process holds the store already, for writing where read-only was asked or
        # the other way round (DuckDB's "different configuration")
        raise StoreError(
            f"the store at {target} is open in this process already, "
            f"{'for writing' if read_only else 'read-only'}: close that connection first, or"
            f" open this one {'for writing' if read_only else 'read-only'} too"
        ) from exc
    except duckdb.IOException as exc:
        text = str(exc)
        if "not a valid DuckDB database" in text:
            raise not_a_store from exc
        if "lock" in text.lower():
            holder = re.search(r"PID (\d+)", text)
            by = f" (process {holder.group(1)})" if holder else ""
            raise StoreError(
                f"the store at {target} is in use by another process{by}: DuckDB lets one"
                " process write a store at a time, and none open it while one writes; wait for"
                " that one to finish, or use another --db"
            ) from exc
        raise StoreError(f"cannot open the store at {target}: {text}") from exc
    in_memory = (
        "SELECT path IS NULL FROM duckdb_databases() WHERE database_name = current_database()"
    )
    if scalar(con, in_memory):
        # the same file opened for writing: a store in memory, lost on exit ("store ready"
        # had been said of a CSV file, and ingest had failed with a traceback)
        con.close()
        raise not_a_store
    con.execute("SET TimeZone = 'UTC'")
    limit = os.environ.get(MEMORY_LIMIT_VARIABLE, "").strip()
    if limit:
        try:
            con.execute(f"SET memory_limit = {sql_text(limit)}")
        except duckdb.Error as exc:
            con.close()
            raise StoreError(
                f"{MEMORY_LIMIT_VARIABLE}={limit!r} is not a memory size DuckDB reads;"
                " write it like 4GB or 512MB"
            ) from exc
    return con

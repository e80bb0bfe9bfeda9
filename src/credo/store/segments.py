"""Event segments: ingested chunks kept as Parquet files beside the store and listed in it.

DuckDB's insert into its own storage costs about 1.2 CPU-seconds per million events on one
core here, most of the ingest budget; writing the same rows as a Parquet file costs about a
quarter of that. So ingest writes each chunk's accepted rows as one immutable file under
`<store>.segments/` and, in the transaction that counts the chunk, lists the file in
`event_segments` and re-points the `events` view at it. Readers only ever see `events`:
the rows of the native table `event_rows` and of every listed segment, as one relation.

A file that is written but not listed (a process killed between the two) is invisible and is
deleted by the next ingest; a listed file is never rewritten. `compact` moves every segment
into `event_rows` (sorted by person and time, which lets a one-person lookup skip most of
the table) and deletes the files: afterwards the store is one file again.

The view names the segment files by absolute path, so DuckDB opened on the store without
credo reads the same events. A store moved with its `.segments` directory is re-pointed the
next time credo opens it for writing.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from credo.events.schema import REPEATING_TEXT, SQL_TYPES
from credo.store.sql import run, scalar, sql_text

SEGMENTS_SUFFIX = ".segments"
BATCH_COLUMN = "batch_id"
_TEMP_PREFIX = ".writing-"
# Dictionary pages for the text that repeats; statistics only where a reader prunes by them
# (one person, a time range, a batch), as string statistics on ids cost more to write than
# they save.
_STATISTICS_COLUMNS = ["user_id", "source", "type", "ts", BATCH_COLUMN]
_ROW_GROUP_ROWS = 1 << 17

_COLUMNS = [*SQL_TYPES, BATCH_COLUMN]
_TYPES = {**SQL_TYPES, BATCH_COLUMN: "BIGINT"}
_SELECT_LIST = ", ".join(f'"{name}"' for name in _COLUMNS)
_CAST_LIST = ", ".join(f'CAST("{name}" AS {_TYPES[name]}) AS "{name}"' for name in _COLUMNS)


def segments_dir(store: Path) -> Path:
    """Where a store's segment files live: beside it, `<store file>.segments/`."""
    return store.with_name(store.name + SEGMENTS_SUFFIX)


def store_file(con: duckdb.DuckDBPyConnection) -> Path:
    """The file of the store `con` is attached to."""
    path = scalar(
        con, "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    )
    return Path(path).resolve()


def segment_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [row[0] for row in run(con, "SELECT file FROM event_segments ORDER BY segment_id")]


def _read_segments_sql(directory: Path, names: list[str]) -> str:
    files = ", ".join(sql_text(str(directory / name)) for name in names)
    return f"SELECT {_CAST_LIST} FROM read_parquet([{files}])"


def events_view_sql(directory: Path, names: list[str]) -> str:
    """The `events` view over `event_rows` and the named segment files in `directory`."""
    sql = f"CREATE OR REPLACE VIEW events AS SELECT {_SELECT_LIST} FROM event_rows"
    if names:
        sql += f" UNION ALL {_read_segments_sql(directory, names)}"
    return sql


def point_view(con: duckdb.DuckDBPyConnection, directory: Path | None = None) -> None:
    """Re-create the `events` view from `event_segments` (inside the caller's transaction)."""
    directory = directory or segments_dir(store_file(con))
    run(con, events_view_sql(directory, segment_names(con)))
    run(
        con,
        "INSERT OR REPLACE INTO store_settings VALUES ('segments_dir', ?)",
        [str(directory)],
    )


def view_is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """False when the store was moved since its view was made and it has segments."""
    if not scalar(con, "SELECT count(*) FROM event_segments"):
        return True
    recorded = scalar(con, "SELECT max(value) FROM store_settings WHERE key = 'segments_dir'")
    return recorded == str(segments_dir(store_file(con)))


# One lock per store file: see one_writer
_WRITERS: dict[Path, threading.Lock] = {}
_WRITERS_GUARD = threading.Lock()


@contextlib.contextmanager
def one_writer(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Hold the store of `con` for one ingest or compact of this process at a time; another
    waits for it. DuckDB keeps other processes out while one writes, but lets the threads of
    one process (a service) write the store together, and what an ingest or compact does
    first assumes it is the only writer: it deletes the segment files not listed (another
    thread's, written but not yet committed) and marks batches still running as cut off."""
    store = store_file(con)
    with _WRITERS_GUARD:
        lock = _WRITERS.setdefault(store, threading.Lock())
    with lock:
        yield


def segment_name(segment_id: int) -> str:
    return f"{segment_id:010d}.parquet"


def write_segment(table: pa.Table, directory: Path, segment_id: int) -> str:
    """Write `table` (EVENT_SCHEMA columns and batch_id) as segment `segment_id`; returns its
    file name. The file appears whole or not at all (written aside, then renamed)."""
    directory.mkdir(parents=True, exist_ok=True)
    name = segment_name(segment_id)
    temporary = directory / f"{_TEMP_PREFIX}{name}"
    pq.write_table(
        table,
        temporary,
        compression="snappy",
        use_dictionary=[c for c in REPEATING_TEXT if c in table.column_names],
        write_statistics=[c for c in _STATISTICS_COLUMNS if c in table.column_names],
        row_group_size=_ROW_GROUP_ROWS,
    )
    os.replace(temporary, directory / name)
    return name


def remove_unlisted(con: duckdb.DuckDBPyConnection, directory: Path) -> int:
    """Delete segment files the store does not list (left by a killed writer); returns how
    many. Only the one process that holds the store for writing may call this."""
    if not directory.is_dir():
        return 0
    listed = set(segment_names(con))
    removed = 0
    for path in directory.iterdir():
        if path.is_file() and path.name not in listed and path.suffix == ".parquet":
            path.unlink()
            removed += 1
    return removed


def delete_files(directory: Path, names: list[str]) -> None:
    """Remove segment files no longer listed (after the transaction that unlisted them)."""
    for name in names:
        with contextlib.suppress(FileNotFoundError):
            (directory / name).unlink()


@dataclass
class CompactResult:
    segments: int
    rows: int


def compact(con: duckdb.DuckDBPyConnection) -> CompactResult:
    """Move every segment's rows into `event_rows`, sorted by person and time, and delete
    the files. One transaction: a crash leaves either the segments or the moved rows (and, in
    between its commit and the files' deletion, files no longer listed: the next compact or
    ingest deletes them)."""
    with one_writer(con):
        return _compact(con)


def _compact(con: duckdb.DuckDBPyConnection) -> CompactResult:
    directory = segments_dir(store_file(con))
    # files a killed writer left, or a compact killed after its commit: never read, gone now
    remove_unlisted(con, directory)
    names = segment_names(con)
    if not names:
        with contextlib.suppress(OSError):
            directory.rmdir()
        return CompactResult(0, 0)
    run(con, "BEGIN TRANSACTION")
    try:
        rows = scalar(
            con,
            f"INSERT INTO event_rows ({_SELECT_LIST})"
            f" {_read_segments_sql(directory, names)} ORDER BY user_id, ts",
        )
        run(con, "DELETE FROM event_segments")
        point_view(con, directory)
        run(con, "COMMIT")
    except BaseException:
        run(con, "ROLLBACK")
        raise
    delete_files(directory, names)
    with contextlib.suppress(OSError):  # the store is one file again (unless others left files)
        directory.rmdir()
    return CompactResult(len(names), int(rows))

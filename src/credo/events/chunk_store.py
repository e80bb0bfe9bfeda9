"""One chunk of an event file into the store, in one transaction.

The chunk's accepted rows become Parquet segments of the store (credo.store.segments), listed
by the same transaction that records the chunk's counts and quarantined rows; a chunk with
few accepted rows goes into the store file instead. ChunkPipeline keeps two chunks in flight.

The chunk (an Arrow table registered with DuckDB) is checked by the SQL of
credo.events.validate. Rows whose event_id may already be stored, or may repeat inside the
chunk, are found by hash (credo.events.stored_keys; no index on events, which would slow
every insert) and only those are compared with the stored events by their real event_id:
same id and same content = duplicate, skipped; same id and other content = conflict,
quarantined. Quarantine rows are keyed by (file fingerprint, row number), so a re-run never
quarantines a row twice.
"""

from __future__ import annotations

import contextlib
import functools
import json
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from credo.events.accepted_rows import accepted_table, fields_as_read, result_sql
from credo.events.readers import CHUNK_TABLE, JsonlReader, Reader, ReadError, unknown_json_keys_sql
from credo.events.schema import FIELDS
from credo.events.stored_keys import ChunkKeys, StoredKeys, hash_ids
from credo.events.validate import (
    ROW_NUMBER,
    Vocabulary,
    rejection_sql,
    staging_sql,
    vocabulary_from_row,
    vocabulary_sql,
)
from credo.store import segments
from credo.store.sql import first, run, scalar


@dataclass
class ChunkCounts:
    """What happened to the rows of a chunk (or a file)."""

    accepted: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    # rejected or conflicting rows the quarantine already held (an earlier run of the file)
    quarantined_before: int = 0

    @property
    def rows(self) -> int:
        return self.accepted + self.duplicates + self.conflicts + self.rejected

    def add(self, other: ChunkCounts) -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.conflicts += other.conflicts
        self.rejected += other.rejected
        self.quarantined_before += other.quarantined_before


@dataclass
class Batch:
    """One file's ingest batch; its row is written with the first chunk."""

    batch_id: int
    path: str
    fmt: str
    fingerprint: Future[str]
    started_at: datetime
    segments: Path  # the store's segment directory
    registered: bool = False


@dataclass
class _Prepared:
    """A chunk checked by SQL, before anything of it is stored."""

    sql: _ChunkSql
    chunk: pa.Table | None  # the chunk as read, when its fields can be taken from it
    hashes: np.ndarray
    keys: Future[ChunkKeys]  # looked up on the key thread while the checks run
    result: pa.Table
    as_read: list[str]


@dataclass
class _Pending:
    """A chunk whose transaction is open while its segment files are written."""

    counts: ChunkCounts
    ids: list[int]
    writes: list[Future[str]]
    rows: list[int]


class ChunkPipeline:
    """Stores one file's chunks, each in one transaction, two chunks in flight: while the
    segment files of chunk k are written (on their own threads), chunk k + 1 is checked by
    SQL; chunk k commits before anything that reads what is stored (the exact duplicate
    check) runs for chunk k + 1. So the store only ever holds whole chunks, in order.

    The id hashes of chunk k join the stored keys as soon as its rows are chosen, on a thread
    of their own that then looks up chunk k + 1's hashes beside its SQL checks; if chunk k is
    rolled back after all, its hashes only cost exact checks that find nothing."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        reader: Reader,
        batch: Batch,
        now: datetime,
        keys: StoredKeys,
    ) -> None:
        self.con, self.reader, self.batch, self.now, self.keys = con, reader, batch, now, keys
        register_same_json(con)
        self.pending: _Pending | None = None
        self.key_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="credo-keys")

    def store(self, chunk: pa.Table, vocabulary: Vocabulary | None) -> ChunkCounts | None:
        """Take the next chunk; returns the counts of the chunk this call committed (the
        previous one), if any."""
        self.con.register(CHUNK_TABLE, chunk)
        prepared = self._prepare(chunk, vocabulary)
        committed = self._commit_pending()
        run(self.con, "BEGIN TRANSACTION")
        try:
            self.pending = self._start(prepared)
        except BaseException:
            run(self.con, "ROLLBACK")
            raise
        return committed

    def finish(self) -> ChunkCounts | None:
        """Commit the last chunk; returns its counts."""
        committed = self._commit_pending()
        self.con.unregister(CHUNK_TABLE)
        self.key_thread.shutdown()
        return committed

    def abort(self) -> None:
        """Drop the chunk in flight (after an error): roll back its transaction, delete its
        files. Chunks committed before it stay."""
        pending, self.pending = self.pending, None
        self.key_thread.shutdown(cancel_futures=True)
        if pending is None:
            return
        for write in pending.writes:
            # The error that matters is the caller's; a failed write only leaves less to delete.
            with contextlib.suppress(Exception):
                write.result()
        run(self.con, "ROLLBACK")
        segments.delete_files(self.batch.segments, _file_names(pending.ids))

    def _prepare(self, chunk: pa.Table, vocabulary: Vocabulary | None) -> _Prepared:
        """The SQL checks of a chunk; reads nothing of what is stored."""
        con, reader = self.con, self.reader
        source = reader.source_sql
        if isinstance(reader, JsonlReader):
            unknown = [f"{key} (line {line})" for key, line in run(con, unknown_json_keys_sql())]
            if unknown:
                raise ReadError(
                    f"{reader.path}: unknown field(s) {', '.join(unknown)}; put extra data in"
                    " the `attributes` JSON object"
                )
            # Parse the JSON once; validation reads the extracted fields several times.
            run(con, f"CREATE OR REPLACE TEMP TABLE jsonl_chunk AS SELECT * FROM {source}")
            source = "jsonl_chunk"
        sql = _ChunkSql(reader.columns, source, self.now)
        if vocabulary is None or source != CHUNK_TABLE:
            vocabulary = vocabulary_from_row(first(con, vocabulary_sql(reader.columns, source)))
        sql.vocabulary = vocabulary
        numbers, hashes = hash_ids(con, source, ROW_NUMBER)
        keys = self.key_thread.submit(self.keys.lookup, numbers, hashes)
        as_read_from = chunk if source == CHUNK_TABLE else None
        as_read = fields_as_read(as_read_from)
        result = con.sql(result_sql(sql.staging, as_read)).to_arrow_table()
        return _Prepared(sql, as_read_from, hashes, keys, result, as_read)

    def _start(self, prepared: _Prepared) -> _Pending:
        """Inside the chunk's transaction: deduplicate against the store, quarantine, count,
        and start writing the accepted rows."""
        con, batch = self.con, self.batch
        if not batch.registered:
            register_batch(con, batch)
        chunk_keys = prepared.keys.result()
        self.key_thread.submit(self.keys.add, prepared.hashes)
        verdicts = _classify(con, prepared.sql, chunk_keys)
        duplicates, conflicts = first(
            con,
            "SELECT count(*) FILTER (kind = 'duplicate'), count(*) FILTER (kind = 'conflict')"
            " FROM verdicts",
        )
        set_aside = np.zeros(0, dtype=np.int64)
        if verdicts:
            found = con.execute(f"SELECT {ROW_NUMBER} FROM verdicts").fetchnumpy()
            set_aside = np.asarray(found[ROW_NUMBER], dtype=np.int64)
        table, valid = accepted_table(prepared.chunk, prepared.result, prepared.as_read, set_aside)
        bad = prepared.result.num_rows - valid  # the result has a row per row of the chunk
        quarantined = 0
        if bad or conflicts:
            quarantined = _quarantine(con, prepared.sql, batch, self.now, bad, conflicts)
        counts = ChunkCounts(
            accepted=table.num_rows,
            duplicates=duplicates,
            conflicts=conflicts,
            rejected=bad,
            quarantined_before=bad + conflicts - quarantined,
        )
        run(
            con,
            "UPDATE ingest_batches SET accepted = accepted + ?, duplicates = duplicates + ?,"
            " conflicts = conflicts + ?, rejected = rejected + ? WHERE batch_id = ?",
            [counts.accepted, duplicates, conflicts, bad, batch.batch_id],
        )
        if not table.num_rows:
            return _Pending(counts, [], [], [])
        rows = table.append_column(
            segments.BATCH_COLUMN, pa.array(np.full(table.num_rows, batch.batch_id, np.int64))
        )
        if table.num_rows < MIN_SEGMENT_ROWS:
            # A small chunk costs little to insert, and many small files would slow every
            # reader of the view: it goes straight into the store file.
            _insert_rows(con, rows)
            return _Pending(counts, [], [], [])
        return self._write(rows, counts)

    def _write(self, rows: pa.Table, counts: ChunkCounts) -> _Pending:
        """Start writing `rows` as segments, split between the writers when large enough."""
        parts = WRITERS if rows.num_rows >= WRITERS * MIN_SEGMENT_ROWS else 1
        ids = [
            int(row[0])
            for row in run(self.con, f"SELECT nextval('segment_ids') FROM range({parts})")
        ]
        step = -(-rows.num_rows // parts)
        slices = [rows.slice(i * step, step) for i in range(parts)]
        writes = [
            _writer_pool().submit(segments.write_segment, part, self.batch.segments, segment_id)
            for part, segment_id in zip(slices, ids, strict=True)
        ]
        return _Pending(counts, ids, writes, [part.num_rows for part in slices])

    def _commit_pending(self) -> ChunkCounts | None:
        pending = self.pending
        if pending is None:
            return None
        try:
            names = [write.result() for write in pending.writes]
            for segment_id, name, count in zip(pending.ids, names, pending.rows, strict=True):
                run(
                    self.con,
                    "INSERT INTO event_segments VALUES (?, ?, ?, ?, ?)",
                    [segment_id, self.batch.batch_id, name, count, self.batch.started_at],
                )
            if names:
                segments.point_view(self.con, self.batch.segments)
            run(self.con, "COMMIT")
        except BaseException:
            self.abort()
            raise
        self.pending = None
        return pending.counts


def _file_names(ids: list[int]) -> list[str]:
    return [segments.segment_name(segment_id) for segment_id in ids]


@dataclass
class _ChunkSql:
    """The SQL texts over one chunk's source."""

    columns: dict[str, pa.DataType]
    source: str
    now: datetime
    vocabulary: Vocabulary | None = None

    @property
    def staging(self) -> str:
        return staging_sql(self.columns, self.source, self.now, self.vocabulary)


# Parquet files are written one per core. Chunks with fewer accepted rows than
# MIN_SEGMENT_ROWS go into the store file instead; a chunk is split between writers only
# when each part would still be that large.
WRITERS = 2
MIN_SEGMENT_ROWS = 50_000


def _insert_rows(con: duckdb.DuckDBPyConnection, rows: pa.Table) -> None:
    columns = ", ".join(f'"{name}"' for name in rows.column_names)
    con.register("credo_accepted_rows", rows)
    try:
        run(con, f"INSERT INTO event_rows ({columns}) SELECT {columns} FROM credo_accepted_rows")
    finally:
        con.unregister("credo_accepted_rows")


@functools.cache
def _writer_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="credo-segment")


def register_batch(con: duckdb.DuckDBPyConnection, batch: Batch) -> None:
    run(
        con,
        "INSERT INTO ingest_batches (batch_id, path, format, fingerprint, started_at,"
        " status) VALUES (?, ?, ?, ?, ?, 'running')",
        [batch.batch_id, batch.path, batch.fmt, batch.fingerprint.result(), batch.started_at],
    )
    batch.registered = True


SAME_JSON = "credo_same_json"


def same_json(left: str | None, right: str | None) -> bool | None:
    """Whether two JSON texts hold the same value: keys in any order, 1 and 1.0 alike (but
    true is not 1). Only called for the few rows whose ids repeat and whose text differs."""
    if left is None or right is None:
        return None
    try:
        parsed = [json.loads(t, parse_int=Decimal, parse_float=Decimal) for t in (left, right)]
        return _canonical(parsed[0]) == _canonical(parsed[1])
    except (ValueError, ArithmeticError):  # 1e1000000 overflows normalize(): compare texts
        return left == right


def _canonical(value: object) -> object:
    """A JSON value as a comparable form: numbers exactly (Decimal: 1 and 1.0 alike, 2**53 + 1
    not 2**53), true/false apart from 1/0, objects without their key order."""
    if isinstance(value, bool) or value is None:
        return ("flag", value)
    if isinstance(value, Decimal):
        return ("number", value.normalize() if value.is_finite() else str(value))
    if isinstance(value, list):
        return ("list", tuple(_canonical(v) for v in value))
    if isinstance(value, dict):
        return ("object", frozenset((k, _canonical(v)) for k, v in value.items()))
    return ("text", value)


def register_same_json(con: duckdb.DuckDBPyConnection) -> None:
    """Give the connection SAME_JSON, which the content comparison below calls (once: a
    second ingest on the same connection finds it there)."""
    with contextlib.suppress(duckdb.CatalogException, duckdb.NotImplementedException):
        con.create_function(SAME_JSON, same_json, ["VARCHAR", "VARCHAR"], "BOOLEAN")


def _same_field(left: str, right: str, name: str) -> str:
    same = f'{left}."{name}" IS NOT DISTINCT FROM {right}."{name}"'
    if name == "attributes":  # the same object written with its keys in another order
        # CASE, not OR: the Python comparison runs only where the texts differ (an OR ran it
        # on every row, and a file sent again was checked at 55,000 events/s)
        json = f'{SAME_JSON}({left}."{name}", {right}."{name}")'
        same = f"(CASE WHEN {same} THEN true ELSE {json} END)"
    return same


def _same_content(left: str, right: str) -> str:
    return " AND ".join(_same_field(left, right, n) for n in FIELDS)


def _differing_fields(left: str, right: str) -> str:
    """SQL naming the fields whose values differ, e.g. 'amount, ts'."""
    names = ", ".join(
        f"CASE WHEN NOT coalesce({_same_field(left, right, n)}, false) THEN '{n}' END"
        for n in FIELDS
    )
    return f"concat_ws(', ', {names})"


def _row_numbers(con: duckdb.DuckDBPyConnection, name: str, numbers: np.ndarray) -> None:
    """A temp table `name` of row numbers."""
    con.register("row_numbers_view", pa.table({ROW_NUMBER: pa.array(numbers, pa.int64())}))
    try:
        run(con, f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM row_numbers_view")
    finally:
        con.unregister("row_numbers_view")


def _classify(con: duckdb.DuckDBPyConnection, sql: _ChunkSql, chunk_keys: ChunkKeys) -> int:
    """Fill temp table `verdicts` (row_number, kind, reason) for the valid rows whose
    event_id is already stored or repeats inside the chunk; return how many."""
    run(
        con,
        f"CREATE OR REPLACE TEMP TABLE verdicts ({ROW_NUMBER} BIGINT, kind VARCHAR,"
        " reason VARCHAR)",
    )
    matched = 0
    if len(chunk_keys.seen_before):
        # Only rows whose id hash is already stored are looked up among the stored ids; whole
        # stored rows are then fetched for the matches.
        _row_numbers(con, "seen_before", chunk_keys.seen_before)
        matched = scalar(
            con,
            f"CREATE OR REPLACE TEMP TABLE matched AS SELECT DISTINCT c.{ROW_NUMBER}, c.event_id"
            f" FROM (SELECT {ROW_NUMBER}, CAST(event_id AS VARCHAR) AS event_id FROM {sql.source}"
            f" WHERE {ROW_NUMBER} IN (SELECT {ROW_NUMBER} FROM seen_before)) c"
            " WHERE c.event_id IN (SELECT event_id FROM events)",
        )
    repeats = len(chunk_keys.repeated) > 0
    suspects = ["SELECT row_number FROM matched"] if matched else []
    if repeats:
        _row_numbers(con, "repeated", chunk_keys.repeated)
        suspects.append(f"SELECT {ROW_NUMBER} FROM repeated")
    if not suspects:
        return 0
    run(
        con,
        f"CREATE OR REPLACE TEMP TABLE suspects AS SELECT * FROM ({sql.staging})"
        f" WHERE bad_field IS NULL AND {ROW_NUMBER} IN ({' UNION ALL '.join(suspects)})",
    )
    if matched:
        # Each row against the stored copy of its event_id, the first stored where there were
        # more: the copies compared first, the first picked among the narrow verdicts (a
        # window over the wide joined rows cost half the time of a file sent again).
        run(
            con,
            f"CREATE OR REPLACE TEMP TABLE compared AS SELECT s.{ROW_NUMBER}, e.batch_id,"
            f" CASE WHEN {_same_content('s', 'e')} THEN 'duplicate' ELSE 'conflict' END AS kind,"
            # the reason of a conflict only: naming the differing fields of every duplicate
            # cost as much as the comparison
            " CASE WHEN kind = 'conflict' THEN"
            " 'event_id ' || s.event_id || ' is already stored with different content ('"
            f" || {_differing_fields('s', 'e')} || '; batch ' || e.batch_id"
            " || coalesce(', ' || b.path, '') || ')' END AS reason"
            " FROM matched m JOIN suspects s USING (row_number)"
            " JOIN (SELECT * FROM events WHERE event_id IN (SELECT event_id FROM matched)) e"
            " ON e.event_id = m.event_id"
            " LEFT JOIN ingest_batches b ON b.batch_id = e.batch_id",
        )
        run(
            con,
            f"INSERT INTO verdicts SELECT {ROW_NUMBER}, kind, reason FROM compared"
            f" QUALIFY row_number() OVER (PARTITION BY {ROW_NUMBER} ORDER BY batch_id) = 1",
        )
    if repeats:
        # Inside one chunk the first occurrence wins; later ones are compared with it.
        run(
            con,
            "CREATE OR REPLACE TEMP TABLE firsts AS SELECT * FROM suspects"
            f" WHERE {ROW_NUMBER} NOT IN (SELECT {ROW_NUMBER} FROM verdicts)"
            f" QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY {ROW_NUMBER}) = 1",
        )
        run(
            con,
            f"INSERT INTO verdicts SELECT s.{ROW_NUMBER},"
            f" CASE WHEN {_same_content('s', 'f')} THEN 'duplicate' ELSE 'conflict' END,"
            " 'event_id ' || s.event_id || ' appears earlier in this file (line/row '"
            f" || f.{ROW_NUMBER} || ') with different content ('"
            f" || {_differing_fields('s', 'f')} || ')'"
            f" FROM suspects s JOIN firsts f ON s.event_id = f.event_id"
            f" AND s.{ROW_NUMBER} > f.{ROW_NUMBER}",
        )
    return scalar(con, "SELECT count(*) FROM verdicts")


def _quarantine(
    con: duckdb.DuckDBPyConnection,
    sql: _ChunkSql,
    batch: Batch,
    now: datetime,
    bad: int,
    conflicts: int,
) -> int:
    """Quarantine the chunk's bad and conflicting rows not quarantined yet; returns how many."""
    parts = []
    if bad:
        bad_rows = f"SELECT {ROW_NUMBER} FROM ({sql.staging}) WHERE bad_field IS NOT NULL"
        parts.append(rejection_sql(sql.columns, sql.source, bad_rows, now))
    if conflicts:
        # `raw` as a refused row's: the row as the file gave it (its time with its offset,
        # "1e5" as written), not as it would have been stored
        conflicting = f"SELECT {ROW_NUMBER} FROM verdicts WHERE kind = 'conflict'"
        as_read = rejection_sql(sql.columns, sql.source, conflicting, now)
        parts.append(
            f"SELECT v.{ROW_NUMBER}, s.event_id, 'event_id' AS field, v.reason, r.raw"
            f" FROM verdicts v JOIN suspects s USING ({ROW_NUMBER})"
            f" JOIN ({as_read}) r USING ({ROW_NUMBER}) WHERE v.kind = 'conflict'"
        )
    fingerprint = batch.fingerprint.result()
    (inserted,) = run(
        con,
        "INSERT INTO quarantine (batch_id, path, fingerprint, row_number, event_id, field,"
        " reason, raw, quarantined_at)"
        f" SELECT ?, ?, ?, r.{ROW_NUMBER}, r.event_id, r.field, r.reason, r.raw, ?"
        f" FROM ({' UNION ALL '.join(parts)}) r"
        " WHERE NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.fingerprint = ?"
        f" AND q.row_number = r.{ROW_NUMBER})",
        [batch.batch_id, batch.path, fingerprint, now, fingerprint],
    )
    return int(inserted[0])

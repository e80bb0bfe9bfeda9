"""One chunk of an event file into the store, in one transaction.

The chunk (an Arrow table registered with DuckDB) is checked by the SQL of
credo.events.validate. Rows whose event_id may already be stored, or may repeat inside the
chunk, are found by hash (credo.events.stored_keys; no index on events, which would slow
every insert) and only those are compared with the stored events by their real event_id:
same id and same content = duplicate, skipped; same id and other content = conflict,
quarantined. Quarantine rows are keyed by (file fingerprint, row number), so a re-run never
quarantines a row twice.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa

from credo.events.readers import CHUNK_TABLE, JsonlReader, Reader, ReadError, unknown_json_keys_sql
from credo.events.schema import FIELDS
from credo.events.stored_keys import ChunkKeys, StoredKeys
from credo.events.validate import (
    ROW_NUMBER,
    Vocabulary,
    rejection_sql,
    staging_sql,
    vocabulary_from_row,
    vocabulary_sql,
)
from credo.store.sql import first, run, scalar

_FIELD_LIST = ", ".join(f'"{name}"' for name in FIELDS)


@dataclass
class ChunkCounts:
    """What happened to the rows of a chunk (or a file)."""

    accepted: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0

    def add(self, other: ChunkCounts) -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.conflicts += other.conflicts
        self.rejected += other.rejected


@dataclass
class Batch:
    """One file's ingest batch; its row is written with the first chunk."""

    batch_id: int
    path: str
    fmt: str
    fingerprint: Future[str]
    started_at: datetime
    registered: bool = False


def store_chunk(
    con: duckdb.DuckDBPyConnection,
    chunk: pa.Table,
    reader: Reader,
    batch: Batch,
    now: datetime,
    keys: StoredKeys,
    vocabulary: Vocabulary | None = None,
) -> ChunkCounts:
    """Check, deduplicate and store one chunk of `reader`'s file in one transaction.

    `keys` holds the hashes of the stored event ids; the chunk's are added once it commits.
    `vocabulary` is the chunk's (from `vocabulary_from_arrow`), else it is queried.
    """
    con.register(CHUNK_TABLE, chunk)
    try:
        source = reader.source_sql
        if isinstance(reader, JsonlReader):
            unknown = [row[0] for row in run(con, unknown_json_keys_sql())]
            if unknown:
                raise ReadError(
                    f"{reader.path}: unknown field(s) {', '.join(unknown)}; put extra data in"
                    " the `attributes` JSON object"
                )
            # Parse the JSON once; validation reads the extracted fields several times.
            run(con, f"CREATE OR REPLACE TEMP TABLE jsonl_chunk AS SELECT * FROM {source}")
            source = "jsonl_chunk"
        sql = _ChunkSql(reader.columns, source, now)
        if vocabulary is None or source != CHUNK_TABLE:
            vocabulary = vocabulary_from_row(first(con, vocabulary_sql(reader.columns, source)))
        sql.vocabulary = vocabulary
        chunk_keys = keys.check(con, source, ROW_NUMBER)
        run(con, "BEGIN TRANSACTION")
        try:
            counts = _store_chunk(con, sql, batch, now, chunk.num_rows, chunk_keys)
            run(con, "COMMIT")
        except BaseException:
            run(con, "ROLLBACK")
            raise
        keys.add(chunk_keys.hashes)
    finally:
        con.unregister(CHUNK_TABLE)
    return counts


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


def _store_chunk(
    con: duckdb.DuckDBPyConnection,
    sql: _ChunkSql,
    batch: Batch,
    now: datetime,
    total: int,
    chunk_keys: ChunkKeys,
) -> ChunkCounts:
    """Store one chunk inside the caller's transaction. The checks run once, inside the
    insert; bad rows are those neither inserted nor set aside as duplicate or conflict."""
    if not batch.registered:
        register_batch(con, batch)
    verdicts = _classify(con, sql, chunk_keys)
    duplicates, conflicts = first(
        con,
        "SELECT count(*) FILTER (kind = 'duplicate'), count(*) FILTER (kind = 'conflict')"
        " FROM verdicts",
    )
    rows = f"SELECT * FROM ({sql.staging}) WHERE bad_field IS NULL"
    if verdicts:
        rows += f" AND {ROW_NUMBER} NOT IN (SELECT {ROW_NUMBER} FROM verdicts)"
    inserted = scalar(
        con,
        f"INSERT INTO events ({_FIELD_LIST}, batch_id)"
        f" SELECT {_FIELD_LIST}, {batch.batch_id} FROM ({rows})",
    )
    bad = total - inserted - verdicts
    if bad or conflicts:
        _quarantine(con, sql, batch, now, bad, conflicts)
    counts = ChunkCounts(
        accepted=total - bad - duplicates - conflicts,
        duplicates=duplicates,
        conflicts=conflicts,
        rejected=bad,
    )
    run(
        con,
        "UPDATE ingest_batches SET accepted = accepted + ?, duplicates = duplicates + ?,"
        " conflicts = conflicts + ?, rejected = rejected + ? WHERE batch_id = ?",
        [counts.accepted, duplicates, conflicts, bad, batch.batch_id],
    )
    return counts


def register_batch(con: duckdb.DuckDBPyConnection, batch: Batch) -> None:
    run(
        con,
        "INSERT INTO ingest_batches (batch_id, path, format, fingerprint, started_at,"
        " status) VALUES (?, ?, ?, ?, ?, 'running')",
        [batch.batch_id, batch.path, batch.fmt, batch.fingerprint.result(), batch.started_at],
    )
    batch.registered = True


def _same_content(left: str, right: str) -> str:
    return " AND ".join(f'{left}."{n}" IS NOT DISTINCT FROM {right}."{n}"' for n in FIELDS)


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
        # Only rows whose id hash is already stored are joined with the stored ids; whole
        # stored rows are then fetched by rowid for the matches.
        _row_numbers(con, "seen_before", chunk_keys.seen_before)
        matched = scalar(
            con,
            f"CREATE OR REPLACE TEMP TABLE matched AS SELECT c.{ROW_NUMBER}, e.rowid AS stored"
            f" FROM (SELECT {ROW_NUMBER}, event_id FROM {sql.source} WHERE {ROW_NUMBER} IN"
            f" (SELECT {ROW_NUMBER} FROM seen_before)) c"
            " JOIN events e ON e.event_id = CAST(c.event_id AS VARCHAR)",
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
        run(
            con,
            f"INSERT INTO verdicts SELECT s.{ROW_NUMBER},"
            f" CASE WHEN {_same_content('s', 'e')} THEN 'duplicate' ELSE 'conflict' END,"
            " 'event_id ' || s.event_id || ' is already stored with different content"
            " (batch ' || e.batch_id || coalesce(', ' || b.path, '') || ')'"
            " FROM matched m JOIN suspects s USING (row_number)"
            " JOIN (SELECT rowid AS stored, * FROM events"
            "       WHERE rowid IN (SELECT stored FROM matched)) e USING (stored)"
            " LEFT JOIN ingest_batches b ON b.batch_id = e.batch_id"
            f" QUALIFY row_number() OVER (PARTITION BY s.{ROW_NUMBER} ORDER BY e.stored) = 1",
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
            f" || f.{ROW_NUMBER} || ') with different content'"
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
) -> None:
    parts = []
    if bad:
        bad_rows = f"SELECT {ROW_NUMBER} FROM ({sql.staging}) WHERE bad_field IS NOT NULL"
        parts.append(rejection_sql(sql.columns, sql.source, bad_rows, now))
    typed_row = ", ".join(f'"{n}" := s."{n}"' for n in FIELDS)
    if conflicts:
        parts.append(
            f"SELECT v.{ROW_NUMBER}, s.event_id, 'event_id' AS field, v.reason,"
            f" CAST(to_json(struct_pack({typed_row})) AS VARCHAR) AS raw"
            f" FROM verdicts v JOIN suspects s USING ({ROW_NUMBER}) WHERE v.kind = 'conflict'"
        )
    fingerprint = batch.fingerprint.result()
    run(
        con,
        "INSERT INTO quarantine (batch_id, path, fingerprint, row_number, event_id, field,"
        " reason, raw, quarantined_at)"
        f" SELECT ?, ?, ?, r.{ROW_NUMBER}, r.event_id, r.field, r.reason, r.raw, ?"
        f" FROM ({' UNION ALL '.join(parts)}) r"
        " WHERE NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.fingerprint = ?"
        f" AND q.row_number = r.{ROW_NUMBER})",
        [batch.batch_id, batch.path, fingerprint, now, fingerprint],
    )

"""Ingestion: event files into the store, validated, deduplicated, chunk by chunk.

Each file is one ingest batch. Each chunk of it is one transaction that stores the valid
new rows, quarantines the bad and conflicting ones and advances the batch's counters, so a
process killed mid-file leaves whole chunks only, and running the same command again
completes the file: rows already stored come back as duplicates and are skipped.

Dedup is a hash join of the chunk's event ids against the stored ones (no index on events:
an ART index would slow every insert). Same id and same content = duplicate; same id and
other content = conflict. Quarantine rows are keyed by (file fingerprint, row number), so a
re-run never quarantines a row twice.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from credo.events.readers import (
    CHUNK_TABLE,
    EXTENSIONS,
    JsonlReader,
    Reader,
    ReadError,
    format_of,
    reader_for,
    unknown_json_keys_sql,
)
from credo.events.schema import FIELDS, utc_now
from credo.events.validate import (
    ROW_NUMBER,
    Vocabulary,
    rejection_sql,
    staging_sql,
    typed_sql,
    vocabulary_from_row,
    vocabulary_sql,
)
from credo.store import consent
from credo.store.db import connect
from credo.store.sql import first, run, scalar

DEFAULT_CHUNK_ROWS = 1_000_000
_FIELD_LIST = ", ".join(f'"{name}"' for name in FIELDS)


class IngestError(RuntimeError):
    """A fatal error: the file named in the message was not stored. Says what to do."""

    def __init__(self, message: str, result: IngestResult | None = None) -> None:
        super().__init__(message)
        self.result = result


@dataclass
class IngestResult:
    """What one ingest did, summed over its files."""

    accepted: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    consents: int = 0
    files: int = 0
    seconds: float = 0.0
    batches: list[int] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.accepted + self.duplicates + self.conflicts + self.rejected

    @property
    def events_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    @property
    def clean(self) -> bool:
        """True when every row was accepted or a duplicate."""
        return self.rejected == 0 and self.conflicts == 0

    def add(self, other: ChunkCounts) -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.conflicts += other.conflicts
        self.rejected += other.rejected

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
            "rejected": self.rejected,
            "events_per_s": round(self.events_per_s, 1),
        }
        out.update(consents=self.consents, files=self.files, seconds=round(self.seconds, 3))
        out["batches"] = list(self.batches)
        return out


@dataclass
class ChunkCounts:
    accepted: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0


@dataclass(frozen=True)
class EventFile:
    path: Path
    fmt: str


@dataclass
class Plan:
    """The files one ingest reads: event files and consent files."""

    events: list[EventFile] = field(default_factory=list)
    consents: list[Path] = field(default_factory=list)


def is_dataset_dir(path: Path) -> bool:
    """A dataset directory has an `events/` folder (and usually a consents.parquet)."""
    return path.is_dir() and (path / "events").is_dir()


def plan_paths(paths: Iterable[str | os.PathLike[str]], fmt: str | None = None) -> Plan:
    """Expand files, directories of files and dataset directories; raises IngestError."""
    plan = Plan()
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise IngestError(f"{path}: no such file or directory")
        if is_dataset_dir(path):
            plan.events += _event_files(path / "events", "parquet" if fmt is None else fmt)
            if (path / "consents.parquet").exists():
                plan.consents.append(path / "consents.parquet")
        elif path.is_dir():
            found = _event_files(path, fmt)
            if not found:
                raise IngestError(f"{path}: no .csv, .jsonl or .parquet files in this directory")
            plan.events += found
        else:
            try:
                plan.events.append(EventFile(path, format_of(path, fmt)))
            except ReadError as exc:
                raise IngestError(str(exc)) from exc
    return plan


def _event_files(directory: Path, fmt: str | None) -> list[EventFile]:
    files = []
    for child in sorted(directory.iterdir()):
        if not child.is_file() or child.name.startswith((".", "_")):
            continue
        if fmt is not None or child.suffix.lower() in EXTENSIONS:
            files.append(EventFile(child, format_of(child, fmt)))
    return files


def ingest_paths(
    db_path: str | os.PathLike[str] | None,
    paths: Iterable[str | os.PathLike[str]],
    *,
    fmt: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: bool = True,
) -> IngestResult:
    """Ingest event files, directories of them and dataset directories into the store.

    Raises IngestError on a fatal error (unreadable file, unknown format or columns): every
    file is checked before anything is stored, and a file that fails while it is read is
    rolled back whole; files ingested before it stay (its `result` says what they did).
    """
    if chunk_rows < 1:
        raise IngestError("--chunk-rows must be at least 1")
    started = time.perf_counter()
    plan = plan_paths(paths, fmt)
    readers = []
    for item in plan.events:
        reader = reader_for(item.path, item.fmt, chunk_rows)
        try:
            reader.open()
        except ReadError as exc:
            raise IngestError(str(exc)) from exc
        readers.append(reader)
    try:
        consent_tables = [consent.read_consents_file(p) for p in plan.consents]
    except consent.ConsentError as exc:
        raise IngestError(str(exc)) from exc

    result = IngestResult()
    con = connect(db_path)
    try:
        _tune(con)
        _close_interrupted_batches(con)
        with _progress_bar(progress) as bar:
            for item, reader in zip(plan.events, readers, strict=True):
                try:
                    _ingest_file(con, item, reader, result, bar)
                except IngestError as exc:
                    result.seconds = time.perf_counter() - started
                    exc.result = result
                    raise
                result.files += 1
        for table in consent_tables:
            result.consents += consent.load_consents(con, table)
    finally:
        con.close()
    result.seconds = time.perf_counter() - started
    return result


def _tune(con: duckdb.DuckDBPyConnection) -> None:
    # Row order inside the events table carries no meaning; letting DuckDB drop it speeds
    # up inserts.
    run(con, "SET preserve_insertion_order = false")


def _close_interrupted_batches(con: duckdb.DuckDBPyConnection) -> None:
    # Only one process can hold the store for writing, so a batch still marked running was
    # cut off (killed); its whole chunks stay, and re-running the same input completes it.
    run(con, "UPDATE ingest_batches SET status = 'interrupted' WHERE status = 'running'")


class _NoProgress:
    """Progress reporting turned off."""

    def add_task(self, description: str, **fields: object) -> str:
        return description

    def update(self, task: str, **fields: object) -> None:
        return None

    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class _LineProgress(_NoProgress):
    """Progress as one stderr line per committed chunk, for logs and pipes (no terminal)."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def update(self, task: str, **fields: object) -> None:
        self.console.print(f"{task}: {fields.get('rows', 0):,} rows committed", highlight=False)


def _progress_bar(enabled: bool) -> Progress | _NoProgress:
    if not enabled:
        return _NoProgress()
    console = Console(stderr=True)
    if not console.is_terminal:
        return _LineProgress(console)
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rows]:,} rows"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


def _fingerprint(path: Path) -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    with path.open("rb") as handle:
        while block := handle.read(8 << 20):
            digest.update(block)
    return f"sha1:{digest.hexdigest()}:{path.stat().st_size}"


@dataclass
class _Batch:
    batch_id: int
    path: str
    fmt: str
    fingerprint: Future[str]
    started_at: datetime
    registered: bool = False


def _ingest_file(
    con: duckdb.DuckDBPyConnection,
    item: EventFile,
    reader: Reader,
    result: IngestResult,
    bar: Progress | _NoProgress,
) -> None:
    now = utc_now()
    batch_id = scalar(con, "SELECT nextval('batch_ids')")
    task = bar.add_task(item.path.name, total=reader.progress_total or None, rows=0)
    with ThreadPoolExecutor(max_workers=1) as hasher:
        # Hashing the whole file costs about a second per GB; it runs beside the reading.
        batch = _Batch(
            batch_id, str(item.path), item.fmt, hasher.submit(_fingerprint, item.path), now
        )
        file_counts = ChunkCounts()
        rows = 0
        try:
            for chunk in reader.chunks():
                counts = _ingest_chunk(con, chunk, reader, batch, now)
                for name in asdict(counts):
                    setattr(file_counts, name, getattr(file_counts, name) + getattr(counts, name))
                rows += chunk.num_rows
                bar.update(task, completed=reader.progress_done, rows=rows)
        except (ReadError, duckdb.Error, OSError) as exc:
            _roll_back_file(con, batch)
            raise IngestError(f"{exc}; nothing from {item.path} was stored") from exc
        _finish_batch(con, batch)
    result.add(file_counts)
    result.batches.append(batch_id)


def _ingest_chunk(
    con: duckdb.DuckDBPyConnection,
    chunk: pa.Table,
    reader: Reader,
    batch: _Batch,
    now: datetime,
) -> ChunkCounts:
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
        sql.vocabulary = vocabulary_from_row(first(con, vocabulary_sql(reader.columns, source)))
        total, bad, repeats = first(
            con,
            "SELECT count(*), count(bad_field), count(event_id) - count(DISTINCT event_id)"
            f" FROM ({sql.staging})",
        )
        run(con, "BEGIN TRANSACTION")
        try:
            counts = _store_chunk(con, sql, batch, now, total, bad, repeats)
            run(con, "COMMIT")
        except BaseException:
            run(con, "ROLLBACK")
            raise
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

    @property
    def typed(self) -> str:
        return typed_sql(self.columns, self.source)


def _store_chunk(
    con: duckdb.DuckDBPyConnection,
    sql: _ChunkSql,
    batch: _Batch,
    now: datetime,
    total: int,
    bad: int,
    repeats: int,
) -> ChunkCounts:
    if not batch.registered:
        _register_batch(con, batch)
    verdicts = _classify(con, sql, batch, repeats)
    duplicates, conflicts = first(
        con,
        "SELECT count(*) FILTER (kind = 'duplicate'), count(*) FILTER (kind = 'conflict')"
        " FROM verdicts",
    )
    if bad == 0 and verdicts == 0:
        # The common case: a clean chunk of new events skips the checks on the way in.
        rows = sql.typed
    else:
        rows = f"SELECT * FROM ({sql.staging}) WHERE bad_field IS NULL"
        if verdicts:
            rows += f" AND {ROW_NUMBER} NOT IN (SELECT {ROW_NUMBER} FROM verdicts)"
    run(
        con,
        f"INSERT INTO events ({_FIELD_LIST}, batch_id)"
        f" SELECT {_FIELD_LIST}, {batch.batch_id} FROM ({rows})",
    )
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


def _register_batch(con: duckdb.DuckDBPyConnection, batch: _Batch) -> None:
    run(
        con,
        "INSERT INTO ingest_batches (batch_id, path, format, fingerprint, started_at,"
        " status) VALUES (?, ?, ?, ?, ?, 'running')",
        [batch.batch_id, batch.path, batch.fmt, batch.fingerprint.result(), batch.started_at],
    )
    batch.registered = True


def _same_content(left: str, right: str) -> str:
    return " AND ".join(f'{left}."{n}" IS NOT DISTINCT FROM {right}."{n}"' for n in FIELDS)


def _classify(con: duckdb.DuckDBPyConnection, sql: _ChunkSql, batch: _Batch, repeats: int) -> int:
    """Fill temp table `verdicts` (row_number, kind, reason) for the valid rows whose
    event_id is already stored or repeats inside the chunk; return how many."""
    run(
        con,
        f"CREATE OR REPLACE TEMP TABLE verdicts ({ROW_NUMBER} BIGINT, kind VARCHAR,"
        " reason VARCHAR)",
    )
    # Only the stored id column is scanned to find matches (a hash join); whole stored rows
    # are then fetched by rowid for the (usually few) matches.
    matched = scalar(
        con,
        f"CREATE OR REPLACE TEMP TABLE matched AS SELECT c.{ROW_NUMBER}, e.rowid AS stored"
        f" FROM {sql.source} c JOIN events e ON e.event_id = CAST(c.event_id AS VARCHAR)",
    )
    suspects = ["SELECT row_number FROM matched"] if matched else []
    if repeats:
        suspects.append(
            f"SELECT {ROW_NUMBER} FROM {sql.source} WHERE event_id IN (SELECT event_id"
            f" FROM {sql.source} GROUP BY event_id HAVING count(*) > 1)"
        )
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
    batch: _Batch,
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


def _finish_batch(con: duckdb.DuckDBPyConnection, batch: _Batch) -> None:
    if not batch.registered:  # an empty file still leaves a record that it was read
        _register_batch(con, batch)
    run(
        con,
        "UPDATE ingest_batches SET status = 'done', finished_at = ? WHERE batch_id = ?",
        [utc_now(), batch.batch_id],
    )


def _roll_back_file(con: duckdb.DuckDBPyConnection, batch: _Batch) -> None:
    if not batch.registered:
        return
    run(con, "BEGIN TRANSACTION")
    run(con, "DELETE FROM events WHERE batch_id = ?", [batch.batch_id])
    run(con, "DELETE FROM quarantine WHERE batch_id = ?", [batch.batch_id])
    run(
        con,
        "UPDATE ingest_batches SET status = 'failed', finished_at = ?, accepted = 0,"
        " duplicates = 0, conflicts = 0, rejected = 0 WHERE batch_id = ?",
        [utc_now(), batch.batch_id],
    )
    run(con, "COMMIT")

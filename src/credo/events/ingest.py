"""Ingestion: event files into the store, validated, deduplicated, chunk by chunk.

Each file is one ingest batch. Each chunk of it is one transaction that stores the valid
new rows, quarantines the bad and conflicting ones and advances the batch's counters, so a
process killed mid-file leaves whole chunks only, and running the same command again
completes the file: rows already stored come back as duplicates and are skipped.

How one chunk is checked, deduplicated and stored: credo.events.chunk_store.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
from rich.progress import Progress

from credo.compressed import is_compressed
from credo.events.chunk_store import Batch, ChunkCounts, ChunkPipeline, register_batch
from credo.events.ingest_options import DEFAULT_CHUNK_ROWS
from credo.events.progress import NoProgress, progress_bar
from credo.events.readers import CHUNK_TABLE, EXTENSIONS, Reader, ReadError, format_of, reader_for
from credo.events.schema import utc_now
from credo.events.stored_keys import StoredKeys
from credo.events.validate import Vocabulary, vocabulary_from_arrow
from credo.store import consent, segments
from credo.store.db import connect
from credo.store.sql import run, scalar


class IngestError(RuntimeError):
    """A fatal error: the file named in the message was not stored. Says what to do."""

    def __init__(self, message: str, result: IngestResult | None = None) -> None:
        super().__init__(message)
        self.result = result


@dataclass
class IngestResult(ChunkCounts):
    """What one ingest did, summed over its files: the row counters plus consents and timing."""

    consents: int = 0
    files: int = 0
    seconds: float = 0.0
    batches: list[int] = field(default_factory=list)
    # files in the directories given that were not read (no event file's extension)
    skipped: list[str] = field(default_factory=list)
    # event files not read again: the same bytes were stored whole before, as these batches
    unchanged: dict[str, int] = field(default_factory=dict)

    @property
    def events_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    @property
    def clean(self) -> bool:
        """True when every row was accepted or a duplicate."""
        return self.rejected == 0 and self.conflicts == 0

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
        if self.skipped:
            out["skipped"] = list(self.skipped)
        if self.unchanged:
            out["unchanged"] = dict(self.unchanged)
        return out


@dataclass(frozen=True)
class EventFile:
    path: Path
    fmt: str


@dataclass
class Plan:
    """The files one ingest reads: event files and consent files."""

    events: list[EventFile] = field(default_factory=list)
    consents: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)


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
            files, skipped = _event_files(path / "events", "parquet" if fmt is None else fmt)
            plan.events += files
            plan.skipped += skipped
            named = (path / "consents.parquet", path / "consents.csv")
            plan.consents += [file for file in named if file.exists()]
        elif path.is_dir():
            found, skipped = _event_files(path, fmt)
            plan.skipped += skipped
            if not found:
                raise IngestError(f"{path}: no .csv, .jsonl or .parquet files in this directory")
            consents = [f for f in found if consent.is_consents_file(f.path)]
            plan.consents += [f.path for f in consents]
            plan.events += [f for f in found if f not in consents]
        elif consent.is_consents_file(path):
            plan.consents.append(path)
        else:
            try:
                plan.events.append(EventFile(path, format_of(path, fmt)))
            except ReadError as exc:
                raise IngestError(str(exc)) from exc
    return plan


def _event_files(directory: Path, fmt: str | None) -> tuple[list[EventFile], list[Path]]:
    """The event files of a directory, and the other files it holds (but hidden ones and
    markers such as Spark's _SUCCESS), for the user to see."""
    files, skipped = [], []
    for child in sorted(directory.iterdir()):
        if not child.is_file() or child.name.startswith("."):
            continue
        named = Path(child.stem) if is_compressed(child) else child  # events.jsonl.gz
        if fmt is not None or named.suffix.lower() in EXTENSIONS:
            try:
                files.append(EventFile(child, format_of(child, fmt)))
            except ReadError as exc:
                raise IngestError(str(exc)) from exc
        elif child.stat().st_size > 0 and child.name not in ("_SUCCESS", "_committed"):
            skipped.append(child)
    return files, skipped


def ingest_paths(
    db_path: str | os.PathLike[str] | None,
    paths: Iterable[str | os.PathLike[str]],
    *,
    fmt: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: bool = True,
    recheck: bool = False,
) -> IngestResult:
    """Ingest event files, directories of them and dataset directories into the store.

    Raises IngestError on a fatal error (unreadable file, unknown format or columns): every
    file is checked before anything is stored, and a file that fails while it is read is
    rolled back whole; files ingested before it stay (its `result` says what they did).

    A file whose bytes were stored whole before (a finished batch of the same fingerprint
    in which every row was accepted or a duplicate) is not read again, unless `recheck`: a
    folder that grows by a file a day costs the new file only. A file with refused rows is
    read again, as a row refused then (a time then in the future) may pass now.
    """
    if chunk_rows < 1:
        raise IngestError("--chunk-rows must be at least 1")
    started = time.perf_counter()
    plan = plan_paths(paths, fmt)
    readers = []
    for item in plan.events:
        reader = reader_for(item.path, item.fmt, chunk_rows)
        try:
            reader.open()  # checks the header or schema now, before anything is stored
            reader.close()
        except ReadError as exc:
            raise IngestError(str(exc)) from exc
        readers.append(reader)
    try:
        consent_tables = [consent.read_consents_file(p) for p in plan.consents]
    except consent.ConsentError as exc:
        raise IngestError(str(exc)) from exc

    result = IngestResult(skipped=[str(p) for p in plan.skipped])
    con = connect(db_path)
    try:
        with segments.one_writer(con):  # other threads of this process wait
            _tune(con)
            _close_interrupted_batches(con)
            segment_dir = segments.segments_dir(segments.store_file(con))
            segments.remove_unlisted(con, segment_dir)
            keys = StoredKeys.load(con)
            # consents first (each file was checked whole above): an event file that fails part
            # way through the run must not keep them out
            for table in consent_tables:
                result.consents += consent.load_consents(con, table)
            with progress_bar(progress) as bar:
                for number, (item, reader) in enumerate(zip(plan.events, readers, strict=True)):
                    stored = None if recheck else _stored_whole(con, item.path)
                    if stored is not None:
                        result.unchanged[str(item.path)] = stored
                        continue
                    try:
                        _ingest_file(con, item, reader, result, bar, keys, segment_dir)
                    except IngestError as exc:
                        result.seconds = time.perf_counter() - started
                        raise IngestError(
                            f"{exc}{_not_read(plan.events[number + 1 :], result)}", result
                        ) from exc
                    result.files += 1
    finally:
        con.close()
    result.seconds = time.perf_counter() - started
    return result


def _not_read(rest: list[EventFile], result: IngestResult) -> str:
    """What a fatal error left: the files stored before it, and those not read after it."""
    said = f"; {result.files} file(s) before it were stored" if result.files else ""
    if result.consents:
        said += f", {result.consents:,} consents loaded" if said else "; consents loaded"
    if rest:
        names = ", ".join(item.path.name for item in rest[:5])
        more = f" and {len(rest) - 5} more" if len(rest) > 5 else ""
        said += (
            f"; not read: {names}{more} (run the same command again once the file is fixed:"
            " what was stored counts as duplicates)"
        )
    return said


def _stored_whole(con: duckdb.DuckDBPyConnection, path: Path) -> int | None:
    """The finished batch that stored these very bytes whole (no row refused), or None. The
    file is hashed only where a batch of its size is on record."""
    size = path.stat().st_size
    found = run(
        con,
        "SELECT fingerprint, max(batch_id) FROM ingest_batches WHERE status = 'done'"
        " AND rejected = 0 AND conflicts = 0 AND fingerprint LIKE ? GROUP BY fingerprint",
        [f"%:{size}"],
    )
    if not found:
        return None
    batches = dict(found)
    return batches.get(_fingerprint(path))


def _tune(con: duckdb.DuckDBPyConnection) -> None:
    # DuckDB's own progress bar writes to stdout, which belongs to --json.
    run(con, "SET enable_progress_bar = false")


def _close_interrupted_batches(con: duckdb.DuckDBPyConnection) -> None:
    # Only one process can hold the store for writing, so a batch still marked running was
    # cut off (killed); its whole chunks stay, and re-running the same input completes it.
    run(con, "UPDATE ingest_batches SET status = 'interrupted' WHERE status = 'running'")


def _fingerprint(path: Path) -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    with path.open("rb") as handle:
        while block := handle.read(8 << 20):
            digest.update(block)
    return f"sha1:{digest.hexdigest()}:{path.stat().st_size}"


def _ingest_file(
    con: duckdb.DuckDBPyConnection,
    item: EventFile,
    reader: Reader,
    result: IngestResult,
    bar: Progress | NoProgress,
    keys: StoredKeys,
    segment_dir: Path,
) -> None:
    now = utc_now()
    batch_id = scalar(con, "SELECT nextval('batch_ids')")
    task = bar.add_task(item.path.name, total=reader.progress_total or None, rows=0)
    with ThreadPoolExecutor(max_workers=1) as hasher:
        # Hashing the whole file costs about a second per GB; it runs beside the reading.
        batch = Batch(
            batch_id,
            str(item.path),
            item.fmt,
            hasher.submit(_fingerprint, item.path),
            now,
            segment_dir,
        )
        file_counts = ChunkCounts()
        rows = 0
        pipeline = ChunkPipeline(con, reader, batch, now, keys)
        try:
            for chunk, done, vocabulary in _prefetched(reader):
                committed = pipeline.store(chunk, vocabulary)
                if committed is not None:  # the chunk before this one
                    file_counts.add(committed)
                    rows += committed.rows
                    bar.update(task, completed=done, rows=rows)
            committed = pipeline.finish()
            if committed is not None:
                file_counts.add(committed)
                rows += committed.rows
            if reader.ragged:
                file_counts.add(_quarantine_ragged(con, batch, reader, now))
                rows += len(reader.ragged)
            bar.update(task, completed=reader.progress_total or rows, rows=rows)
        except (ReadError, duckdb.Error, OSError) as exc:
            if interrupted(exc):
                # Ctrl-C while DuckDB read the chunk (it reports the KeyboardInterrupt as its
                # own error) or while a chunk committed: the chunks committed so far stay
                with contextlib.suppress(duckdb.Error):
                    pipeline.abort()
                raise KeyboardInterrupt from exc
            pipeline.abort()
            _roll_back_file(con, batch)
            raise IngestError(f"{exc}; nothing from {item.path} was stored") from exc
        except BaseException:
            pipeline.abort()  # interrupted: the chunks committed so far stay
            raise
        _finish_batch(con, batch)
    result.add(file_counts)
    result.batches.append(batch_id)


def interrupted(exc: BaseException) -> bool:
    """Whether `exc` is a Ctrl-C however it came: DuckDB turns a KeyboardInterrupt raised
    while it reads a registered Arrow table into an error of its own naming it, and a
    ROLLBACK run because of one fails when the interrupted COMMIT had finished."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt) or (
            isinstance(cause, duckdb.Error) and "KeyboardInterrupt" in str(cause)
        ):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


Prefetched = tuple[pa.Table, int, Vocabulary | None]


def _prefetched(reader: Reader) -> Iterator[Prefetched]:
    """The reader's chunks with its progress and their vocabulary, read one chunk ahead on
    a thread: decoding the next chunk (pyarrow releases the GIL) overlaps storing this one."""
    ahead: queue.Queue[Prefetched | BaseException | None] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def hand_over(item: Prefetched | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        chunks = reader.chunks()
        try:
            for chunk in chunks:
                # A reader that selects its fields with SQL (JSONL) has them only in DuckDB.
                raw = reader.source_sql == CHUNK_TABLE
                vocabulary = vocabulary_from_arrow(chunk) if raw else None
                if not hand_over((chunk, reader.progress_done, vocabulary)):
                    return
            hand_over(None)
        except BaseException as exc:  # raised again in the consumer
            hand_over(exc)
        finally:
            chunks.close()

    producer = threading.Thread(target=produce, daemon=True, name="credo-reader")
    producer.start()
    try:
        while (item := ahead.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        producer.join()


def _quarantine_ragged(
    con: duckdb.DuckDBPyConnection, batch: Batch, reader: Reader, now: datetime
) -> ChunkCounts:
    """Quarantine the file's records of another number of fields than its header, as written
    (field "row", as a JSONL line that is no object), each once; their counts."""
    if not batch.registered:
        register_batch(con, batch)
    fingerprint = batch.fingerprint.result()
    expected = len(reader.columns)
    rows = pa.table(
        {
            "row_number": [row.line for row in reader.ragged],
            "reason": [_ragged_reason(row.fields, expected) for row in reader.ragged],
            "raw": [row.text for row in reader.ragged],
        }
    )
    con.register("ragged_rows", rows)
    try:
        run(con, "BEGIN TRANSACTION")
        inserted = scalar(
            con,
            "INSERT INTO quarantine (batch_id, path, fingerprint, row_number, event_id, field,"
            " reason, raw, quarantined_at)"
            " SELECT ?, ?, ?, r.row_number, NULL, 'row', r.reason, r.raw, ? FROM ragged_rows r"
            " WHERE NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.fingerprint = ?"
            " AND q.row_number = r.row_number)",
            [batch.batch_id, batch.path, fingerprint, now, fingerprint],
        )
        run(
            con,
            "UPDATE ingest_batches SET rejected = rejected + ? WHERE batch_id = ?",
            [rows.num_rows, batch.batch_id],
        )
        run(con, "COMMIT")
    except BaseException:
        run(con, "ROLLBACK")
        raise
    finally:
        con.unregister("ragged_rows")
    return ChunkCounts(rejected=rows.num_rows, quarantined_before=rows.num_rows - int(inserted))


def _ragged_reason(fields: int, expected: int) -> str:
    if fields > expected:
        return (
            f"row: {fields} fields where the header has {expected} (a field that holds the"
            " delimiter must be in double quotes)"
        )
    return f"row: {fields} field(s) where the header has {expected} (the line may be cut short)"


def _finish_batch(con: duckdb.DuckDBPyConnection, batch: Batch) -> None:
    if not batch.registered:  # an empty file still leaves a record that it was read
        register_batch(con, batch)
    run(
        con,
        "UPDATE ingest_batches SET status = 'done', finished_at = ? WHERE batch_id = ?",
        [utc_now(), batch.batch_id],
    )


def _roll_back_file(con: duckdb.DuckDBPyConnection, batch: Batch) -> None:
    if not batch.registered:
        return
    names = [
        row[0]
        for row in run(con, "SELECT file FROM event_segments WHERE batch_id = ?", [batch.batch_id])
    ]
    run(con, "BEGIN TRANSACTION")
    run(con, "DELETE FROM event_rows WHERE batch_id = ?", [batch.batch_id])
    run(con, "DELETE FROM event_segments WHERE batch_id = ?", [batch.batch_id])
    segments.point_view(con, batch.segments)
    run(con, "DELETE FROM quarantine WHERE batch_id = ?", [batch.batch_id])
    run(
        con,
        "UPDATE ingest_batches SET status = 'failed', finished_at = ?, accepted = 0,"
        " duplicates = 0, conflicts = 0, rejected = 0 WHERE batch_id = ?",
        [utc_now(), batch.batch_id],
    )
    run(con, "COMMIT")
    segments.delete_files(batch.segments, names)

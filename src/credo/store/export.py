"""Export the store as a dataset directory: events/ (Parquet, EVENT_SCHEMA) and
consents.parquet (CONSENT_SCHEMA), the layout Spark and `credo ingest` read."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from credo import output
from credo.events.schema import CONSENT_SCHEMA, EVENT_SCHEMA, FIELDS

ROWS_PER_FILE = 5_000_000
_BATCH_ROWS = 500_000
_COLUMNS = ", ".join(f'"{name}"' for name in FIELDS)


class ExportError(RuntimeError):
    """The export target cannot be written; says what to do."""


def export_events(
    con: duckdb.DuckDBPyConnection,
    out_dir: str | os.PathLike[str],
    *,
    rows_per_file: int = ROWS_PER_FILE,
) -> Path:
    """Write every stored event and consent under `out_dir`; returns `out_dir`.

    Events are ordered by user and time, split into files of at most `rows_per_file` rows.
    Refuses a directory whose events/ already holds files, so two exports never mix.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} is a file; --out must name a directory (a new or empty one)")
    events_dir = out / "events"
    if events_dir.exists() and any(events_dir.iterdir()):
        raise ExportError(f"{events_dir} already holds files; choose an empty --out directory")
    # Written under a hidden folder inside OUT (the same file system, should OUT be a mount
    # point) and moved into place when whole: an export stopped midway leaves no dataset that
    # `credo ingest` would take for the store (half its events, none of its consents).
    made = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    staging = output.staging_folder(out / "export")  # .export.partial-PID inside OUT
    moved = False
    try:
        (staging / "events").mkdir(parents=True)
        _write_dataset(con, staging, rows_per_file)
        try:
            if events_dir.exists():
                events_dir.rmdir()  # empty, checked above
            (staging / "events").rename(events_dir)
        except OSError as exc:
            if events_dir.is_dir() and any(events_dir.iterdir()):
                # another export to the same OUT, run beside this one, finished first
                raise ExportError(
                    f"{events_dir} was filled by another export while this one ran; choose an"
                    " empty --out directory"
                ) from exc
            raise
        moved = True
        os.replace(staging / "consents.parquet", out / "consents.parquet")
    except BaseException:
        # only what this export wrote: another one's dataset or staging folder may be in OUT
        # (removing OUT whole had deleted the finished export of one run beside it)
        if moved:
            shutil.rmtree(events_dir, ignore_errors=True)
        if made:
            shutil.rmtree(staging, ignore_errors=True)
            with contextlib.suppress(OSError):
                out.rmdir()
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def _write_dataset(con: duckdb.DuckDBPyConnection, out: Path, rows_per_file: int) -> None:
    events_dir = out / "events"
    # A cursor of its own: the caller's connection may hold a result not yet read.
    cursor = con.cursor()
    cursor.execute("SET enable_progress_bar = false").fetchall()  # stdout is not ours
    query = f"SELECT {_COLUMNS} FROM events ORDER BY user_id, ts, event_id"
    reader = cursor.sql(query).to_arrow_reader(_BATCH_ROWS)
    file_index = 0
    writer: pq.ParquetWriter | None = None
    rows_in_file = 0
    try:
        for batch in reader:
            table = pa.Table.from_batches([batch]).cast(EVENT_SCHEMA)
            start = 0
            while start < table.num_rows:
                if writer is None or rows_in_file >= rows_per_file:
                    if writer is not None:
                        writer.close()
                    path = events_dir / f"part-{file_index:05d}.parquet"
                    writer = pq.ParquetWriter(path, EVENT_SCHEMA, compression="zstd")
                    file_index += 1
                    rows_in_file = 0
                take = min(table.num_rows - start, rows_per_file - rows_in_file)
                writer.write_table(table.slice(start, take))
                rows_in_file += take
                start += take
    finally:
        if writer is not None:
            writer.close()
    if writer is None:  # no events: still a readable dataset with the right schema
        pq.write_table(EVENT_SCHEMA.empty_table(), events_dir / "part-00000.parquet")

    consents = cursor.sql(
        "SELECT user_id, source, purpose, granted_at, revoked_at FROM consents"
        " ORDER BY user_id, source, purpose, granted_at"
    ).to_arrow_table()
    pq.write_table(consents.cast(CONSENT_SCHEMA), out / "consents.parquet")
    cursor.close()

"""Ingestion's formats and default chunk size, apart from the readers so that `credo ingest
--help` can show them without loading pyarrow."""

from __future__ import annotations

FORMATS: tuple[str, ...] = ("csv", "jsonl", "parquet")
EXTENSIONS: dict[str, str] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
DEFAULT_CHUNK_ROWS = 1_000_000

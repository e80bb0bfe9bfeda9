"""The dataset directory: what generators and importers write and `credo ingest DIR` reads.

    DIR/events/part-00000.parquet ...   events, exactly schema.EVENT_SCHEMA
    DIR/consents.parquet                 schema.CONSENT_SCHEMA
    DIR/outcomes.parquet                 schema.OUTCOME_SCHEMA (user_id, as_of, bad)
    DIR/protected.parquet                optional: user_id + protected attributes, audits only
    DIR/README.md                        what the data is, how it was made, its figures

A directory is written under a temporary name and renamed into place at the end, so a reader
never sees half a dataset.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from credo import output
from credo.events.schema import CONSENT_SCHEMA, EVENT_SCHEMA, OUTCOME_SCHEMA

EVENTS_DIR = "events"
CONSENTS_FILE = "consents.parquet"
OUTCOMES_FILE = "outcomes.parquet"
PROTECTED_FILE = "protected.parquet"
README_FILE = "README.md"
PART_NAME = "part-{:05d}.parquet"
# Ids are (nearly) unique: dictionary-encoding them or keeping their min/max costs time and
# saves nothing. Low-cardinality text columns are dictionary-encoded.
DICTIONARY_COLUMNS = [
    "user_id", "source", "furnisher", "type", "currency", "account_id", "category",
]  # fmt: skip
STATISTICS_COLUMNS = ["user_id", "source", "type", "ts", "amount", "due_date", "days_past_due"]
ENCODED_WRITE_BATCH_ROWS = 65_536


class DatasetError(ValueError):
    """A dataset directory or table is not in the expected format; the message says why."""


@dataclass
class DatasetSummary:
    """Figures about a written dataset, for its README and the command's summary."""

    path: Path
    users: int = 0
    events: int = 0
    event_files: int = 0
    first_ts: datetime | None = None
    last_ts: datetime | None = None
    events_by_source: Counter[str] = field(default_factory=Counter)
    events_by_type: Counter[str] = field(default_factory=Counter)
    consent_rows: int = 0
    outcomes: int = 0
    bad_rate: float | None = None
    first_as_of: date | None = None
    last_as_of: date | None = None
    protected_columns: tuple[str, ...] = ()


def conform(table: pa.Table, schema: pa.Schema, what: str) -> pa.Table:
    """The table with exactly the schema's columns, in order and types; a clear error if not."""
    missing = [name for name in schema.names if name not in table.column_names]
    extra = [name for name in table.column_names if name not in schema.names]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            parts.append(f"unexpected column(s) {', '.join(extra)}")
        raise DatasetError(
            f"{what}: {'; '.join(parts)}; expected exactly {', '.join(schema.names)}"
        )
    columns = []
    for schema_field in schema:
        column = table.column(schema_field.name)
        if not schema_field.nullable and column.null_count:
            raise DatasetError(f"{what}: column {schema_field.name} has null values")
        try:
            columns.append(column.cast(schema_field.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise DatasetError(
                f"{what}: column {schema_field.name} cannot be read as {schema_field.type}: {exc}"
            ) from exc
    return pa.Table.from_arrays(columns, schema=schema)


def _check_encoded(table: pa.Table) -> None:
    """EVENT_SCHEMA's columns in order, each of its type or a dictionary of it."""
    if table.column_names != EVENT_SCHEMA.names:
        raise DatasetError(f"events: expected exactly the columns {', '.join(EVENT_SCHEMA.names)}")
    for schema_field, column in zip(EVENT_SCHEMA, table.columns, strict=True):
        found = column.type
        if pa.types.is_dictionary(found):
            found = found.value_type
        if found != schema_field.type:
            raise DatasetError(
                f"events: column {schema_field.name} is {column.type}, not {schema_field.type}"
            )
        if not schema_field.nullable and column.null_count:
            raise DatasetError(f"events: column {schema_field.name} has null values")


class DatasetWriter:
    """Writes one dataset directory: event parts as they come, then the small tables.

    Use as a context manager; the directory appears at `out` only when the block ends
    without an error. An existing `out` is refused unless `overwrite=True`.
    """

    def __init__(self, out: str | os.PathLike[str], *, overwrite: bool = False) -> None:
        self.out = Path(out)
        if self.out.exists() and not self.out.is_dir():
            raise DatasetError(f"{self.out} is a file; --out must name a directory")
        if self.out.exists() and any(self.out.iterdir()) and not overwrite:
            raise DatasetError(
                f"{self.out} already exists and is not empty; choose another --out, or pass"
                " --overwrite to replace it"
            )
        self._staging: Path | None = None  # named in __enter__ (output.staging_folder)
        self.summary = DatasetSummary(path=self.out)
        self._users: set[str] | None = set()
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._bad = 0

    def __enter__(self) -> DatasetWriter:
        self._staging = output.staging_folder(self.out)
        (self._staging / EVENTS_DIR).mkdir(parents=True)
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        for writer in self._writers.values():
            writer.close()
        assert self._staging is not None, "a DatasetWriter is used in a with block"
        if exc_type is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            return False
        if self.out.exists():
            shutil.rmtree(self.out)
        self._staging.rename(self.out)
        return False

    def _append(self, name: str, table: pa.Table) -> None:
        """Append to one of the single-file tables (it may arrive in several pieces)."""
        writer = self._writers.get(name)
        if writer is None:
            writer = pq.ParquetWriter(self._staging / name, table.schema)
            self._writers[name] = writer
        elif not writer.schema.equals(table.schema):
            raise DatasetError(f"{name}: a later piece has another schema than the first")
        writer.write_table(table)

    def write_events(self, table: pa.Table) -> None:
        """Write one part file of events (EVENT_SCHEMA) and count it into the summary."""
        table = conform(table, EVENT_SCHEMA, "events")
        if table.num_rows == 0:
            return
        index = self.summary.event_files
        pq.write_table(
            table,
            self._staging / EVENTS_DIR / PART_NAME.format(index),
            use_dictionary=DICTIONARY_COLUMNS,
            write_statistics=STATISTICS_COLUMNS,
        )
        self._count_events(table)

    def write_encoded_events(self, table: pa.Table) -> None:
        """Like `write_events`, for a table whose text columns may be Arrow dictionaries of
        EVENT_SCHEMA's strings (as the synthetic generator makes them: a dictionary is
        written as it is, with no strings to hash). The Arrow schema is not stored in the
        file, so every reader sees plain EVENT_SCHEMA columns."""
        _check_encoded(table)
        if table.num_rows == 0:
            return
        # Nullability as EVENT_SCHEMA says: it decides which Parquet columns are required.
        schema = pa.schema(
            [f.with_type(c.type) for f, c in zip(EVENT_SCHEMA, table.columns, strict=True)]
        )
        pq.write_table(
            pa.Table.from_arrays(table.columns, schema=schema),
            self._staging / EVENTS_DIR / PART_NAME.format(self.summary.event_files),
            use_dictionary=DICTIONARY_COLUMNS,
            write_statistics=STATISTICS_COLUMNS,
            store_schema=False,
            # Statistics of a dictionary column are worked out per write batch: batches of
            # 64k rows rather than 1k make that (and the whole write) much cheaper.
            write_batch_size=ENCODED_WRITE_BATCH_ROWS,
        )
        self._count_events(table)

    def write_consents(self, table: pa.Table) -> None:
        """Append consent rows (CONSENT_SCHEMA); may be called once per chunk of people."""
        table = conform(table, CONSENT_SCHEMA, "consents")
        self._append(CONSENTS_FILE, table)
        self.summary.consent_rows += table.num_rows

    def write_outcomes(self, table: pa.Table) -> None:
        """Append outcome rows (OUTCOME_SCHEMA); may be called once per chunk of people."""
        table = conform(table, OUTCOME_SCHEMA, "outcomes")
        bad = table.column("bad")
        if pc.any(pc.invert(pc.is_in(bad, pa.array([0, 1], pa.int8())))).as_py():
            raise DatasetError("outcomes: column bad must be 0 or 1")
        self._append(OUTCOMES_FILE, table)
        if table.num_rows == 0:
            return
        summary = self.summary
        summary.outcomes += table.num_rows
        self._bad += pc.sum(bad.cast(pa.int64())).as_py()
        summary.bad_rate = self._bad / summary.outcomes
        as_of = table.column("as_of")
        first, last = pc.min(as_of).as_py(), pc.max(as_of).as_py()
        if summary.first_as_of is None or first < summary.first_as_of:
            summary.first_as_of = first
        if summary.last_as_of is None or last > summary.last_as_of:
            summary.last_as_of = last

    def write_protected(self, table: pa.Table) -> None:
        """user_id plus protected attributes: for fairness audits, never model inputs."""
        if "user_id" not in table.column_names:
            raise DatasetError("protected: a user_id column is required")
        self._append(PROTECTED_FILE, table)
        self.summary.protected_columns = tuple(n for n in table.column_names if n != "user_id")

    def write_readme(self, text: str) -> None:
        (self._staging / README_FILE).write_text(text, encoding="utf-8")

    def _count_events(self, table: pa.Table) -> None:
        summary = self.summary
        summary.event_files += 1
        summary.events += table.num_rows
        ts = table.column("ts")
        first, last = pc.min(ts).as_py(), pc.max(ts).as_py()
        summary.first_ts = first if summary.first_ts is None else min(summary.first_ts, first)
        summary.last_ts = last if summary.last_ts is None else max(summary.last_ts, last)
        counters = (("source", summary.events_by_source), ("type", summary.events_by_type))
        for name, counter in counters:
            for item in pc.value_counts(table.column(name)).to_pylist():
                counter[item["values"]] += item["counts"]
        if self._users is not None:
            self._users.update(pc.unique(table.column("user_id")).to_pylist())
            summary.users = len(self._users)

    def count_users_as(self, users: int) -> None:
        """Set the user count directly (writers that know it skip the distinct count)."""
        self._users = None
        self.summary.users = users


def write_dataset(
    out: str | os.PathLike[str],
    event_batches: Iterable[pa.Table],
    consents: pa.Table,
    outcomes: pa.Table,
    protected: pa.Table | None = None,
    readme: str | None = None,
    *,
    overwrite: bool = False,
) -> DatasetSummary:
    """Write a whole dataset directory. `readme` is the description; figures are appended."""
    with DatasetWriter(out, overwrite=overwrite) as writer:
        for batch in event_batches:
            writer.write_events(batch)
        writer.write_consents(consents)
        writer.write_outcomes(outcomes)
        if protected is not None:
            writer.write_protected(protected)
        writer.write_readme(render_readme(readme or "A credo dataset.", writer.summary))
    return writer.summary


def render_readme(description: str, summary: DatasetSummary) -> str:
    """The dataset's README.md: the caller's description, then the figures and the layout."""
    lines = [description.rstrip(), "", "## Figures", ""]
    lines.append(f"* users: {summary.users:,}")
    lines.append(f"* events: {summary.events:,} in {summary.event_files} Parquet file(s)")
    if summary.users:
        lines.append(f"* events per user: {summary.events / summary.users:,.1f}")
    if summary.first_ts is not None:
        lines.append(f"* event time range (UTC): {summary.first_ts} to {summary.last_ts}")
    if summary.outcomes:
        lines.append(
            f"* outcomes: {summary.outcomes:,} users, as-of dates {summary.first_as_of} to"
            f" {summary.last_as_of}, bad rate {summary.bad_rate:.2%}"
        )
    lines.append(f"* consent rows: {summary.consent_rows:,}")
    if summary.protected_columns:
        lines.append(
            "* protected attributes (audits only, never model inputs): "
            + ", ".join(summary.protected_columns)
        )
    lines += ["", "| source | events |", "|---|---:|"]
    lines += [f"| {name} | {count:,} |" for name, count in sorted(summary.events_by_source.items())]
    lines += ["", "| type | events |", "|---|---:|"]
    lines += [f"| {name} | {count:,} |" for name, count in sorted(summary.events_by_type.items())]
    lines += [
        "",
        "## Layout",
        "",
        "* `events/part-NNNNN.parquet`: the events (see docs/events.md in credo)",
        "* `consents.parquet`: user_id, source, purpose, granted_at, revoked_at",
        "* `outcomes.parquet`: user_id, as_of, bad (1 = defaulted after as_of, as described above)",
    ]
    if summary.protected_columns:
        lines.append("* `protected.parquet`: user_id and protected attributes, for fairness audits")
    lines += ["", "Load it with `credo init` then `credo ingest <this directory>`.", ""]
    return "\n".join(lines)


def is_dataset_dir(path: str | os.PathLike[str]) -> bool:
    """True when `path` is a directory with an events/ folder and a consents.parquet."""
    path = Path(path)
    return (path / EVENTS_DIR).is_dir() and (path / CONSENTS_FILE).is_file()


def event_files(path: str | os.PathLike[str]) -> list[Path]:
    """The event part files of a dataset directory, in order."""
    return sorted((Path(path) / EVENTS_DIR).glob("*.parquet"))


def read_events(path: str | os.PathLike[str]) -> pa.Table:
    """All events of a dataset directory as one table (for small datasets and tests)."""
    files = event_files(path)
    if not files:
        return EVENT_SCHEMA.empty_table()
    return pa.concat_tables(conform(pq.read_table(f), EVENT_SCHEMA, str(f)) for f in files)


def _dataset_file(path: str | os.PathLike[str], name: str) -> Path:
    path = Path(path)
    target = path / name if path.is_dir() else path
    if not target.is_file():
        raise DatasetError(f"no {name} at {path}; pass a dataset directory or the file itself")
    return target


def read_outcomes(path: str | os.PathLike[str]) -> pa.Table:
    """Outcomes (user_id, as_of, bad) from a dataset directory or an outcomes Parquet file."""
    target = _dataset_file(path, OUTCOMES_FILE)
    return conform(pq.read_table(target), OUTCOME_SCHEMA, str(target))


def read_consents(path: str | os.PathLike[str]) -> pa.Table:
    """Consents from a dataset directory or a consents Parquet file."""
    target = _dataset_file(path, CONSENTS_FILE)
    return conform(pq.read_table(target), CONSENT_SCHEMA, str(target))


def read_protected(path: str | os.PathLike[str]) -> pa.Table:
    """Protected attributes (user_id + columns) from a dataset directory or the file itself."""
    return pq.read_table(_dataset_file(path, PROTECTED_FILE))

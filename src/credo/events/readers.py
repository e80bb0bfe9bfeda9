"""Streaming readers for event files: CSV, JSONL and Parquet, in chunks of whole rows.

Each reader yields Arrow tables holding a 1-based `row_number` (the line number for CSV and
JSONL, the record number for Parquet) and the file's columns, raw: CSV and JSONL values stay
text so that a bad value is reported by validation instead of failing the chunk. A reader
also says how to select its chunk for validation (`source_sql`, over the registered chunk)
and which columns that selection has.
"""

from __future__ import annotations

import csv
import itertools
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from credo.compressed import (
    CompressedTableError,
    inner_suffix,
    is_compressed,
    open_binary,
    open_counted,
    open_text,
    utf16_text,
)
from credo.events.ingest_options import EXTENSIONS, FORMATS
from credo.events.schema import COMMON_REQUIRED, FIELDS, MOSTLY_DISTINCT_TEXT
from credo.events.validate import (
    NESTED,
    RAW_TEXT,
    ROW_ERROR,
    ROW_NUMBER,
    is_text,
    unknown_columns,
    value_type,
)

CHUNK_TABLE = "raw_chunk"
_CSV_BLOCK_BYTES = 16 << 20
# Several record batches per chunk let DuckDB scan a chunk on several threads.
_BATCH_ROWS = 1 << 17


class ReadError(ValueError):
    """The file cannot be read as events; nothing from it may be stored."""


@dataclass(frozen=True)
class RaggedRow:
    """A CSV record with more or fewer fields than the header: it is no event, and goes to
    the quarantine as written."""

    line: int  # where the record starts
    fields: int
    text: str  # as written, its line end aside


def format_of(path: Path, forced: str | None = None) -> str:
    """The file's format: the forced one, else from its extension."""
    if forced is not None:
        if forced not in FORMATS:
            raise ReadError(f"unknown format {forced!r}; use one of {', '.join(FORMATS)}")
        return forced
    try:
        suffix = inner_suffix(path)  # events.jsonl.gz: JSON Lines
    except CompressedTableError as exc:
        raise ReadError(str(exc)) from None
    fmt = EXTENSIONS.get(suffix)
    if fmt is None:
        raise ReadError(
            f"{path}: cannot tell the format from the extension {suffix or path.suffix!r};"
            f" name it .csv, .jsonl or .parquet (compressed too: .csv.gz, .jsonl.gz, .bz2,"
            f" .xz, .zip), or pass --format"
        )
    if fmt == "parquet" and is_compressed(path):
        raise ReadError(
            f"{path}: a compressed Parquet file; Parquet compresses its own columns: give the"
            " .parquet file itself, decompressed"
        )
    return fmt


def check_columns(path: Path, names: list[str]) -> None:
    """Refuse unknown, repeated or missing always-required columns, naming them."""
    unknown = unknown_columns(names)
    if unknown:
        said = ", ".join(
            _column_name(name, place) for place, name in enumerate(names, 1) if name in unknown
        )
        raise ReadError(
            f"{path}: unknown column(s) {said}; the event fields are"
            f" {', '.join(FIELDS)} (put extra data in the `attributes` JSON object)"
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ReadError(f"{path}: column(s) {', '.join(repeated)} appear more than once")
    missing = [n for n in COMMON_REQUIRED if n not in names]
    if missing:
        raise ReadError(
            f"{path}: missing column(s) {', '.join(missing)}, which every event requires"
        )


def _column_name(name: str, position: int) -> str:
    """A column's name as an error shows it: quoted where it would not be seen as written (an
    empty header cell, a name padded with spaces), with its place for an empty one."""
    if not name:
        return f"'' (column {position}: an empty header cell)"
    return repr(name) if name != name.strip() or not name.isprintable() else name


@dataclass
class Reader:
    """Base: a file, its format, and chunking state."""

    path: Path
    chunk_rows: int
    columns: dict[str, pa.DataType] = field(default_factory=dict)
    source_sql: str = CHUNK_TABLE
    progress_total: int = 0  # in progress units: bytes for text files, rows for Parquet
    progress_done: int = 0
    # records read past as no event (CSV lines of another number of fields than the header),
    # known once the chunks are read
    ragged: list[RaggedRow] = field(default_factory=list)

    def open(self) -> None:
        """Read the header or metadata and check the columns; raises ReadError."""
        raise NotImplementedError

    def chunks(self) -> Iterator[pa.Table]:
        """The file's rows in chunks; opens the file if needed and closes it at the end."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the file (a checked reader is closed until its chunks are read)."""


def _rechunk(batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[pa.Table]:
    """Regroup record batches into tables of exactly `rows` rows (the last may be shorter)."""
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    for batch in batches:
        pending.append(batch)
        pending_rows += batch.num_rows
        while pending_rows >= rows:
            table = pa.Table.from_batches(pending)
            yield table.slice(0, rows)
            rest = table.slice(rows)
            pending = rest.to_batches()
            pending_rows = rest.num_rows
    if pending_rows:
        yield pa.Table.from_batches(pending)


def _with_row_numbers(table: pa.Table, first: int) -> pa.Table:
    numbers = pa.array(np.arange(first, first + table.num_rows, dtype=np.int64))
    return table.add_column(0, ROW_NUMBER, numbers)


@dataclass
class ParquetReader(Reader):
    _file: pq.ParquetFile | None = None

    def open(self) -> None:
        try:
            schema = pq.read_schema(self.path)
            check_columns(self.path, schema.names)
            # The columns as SQL sees them: a dictionary of strings reads as text.
            self.columns = {name: value_type(schema.field(name).type) for name in schema.names}
            # Text read as Arrow dictionaries decodes each distinct string once per row
            # group instead of once per row, which makes Parquet reading several times
            # cheaper; for mostly distinct values a dictionary only costs.
            as_dictionary = [
                name
                for name, arrow_type in self.columns.items()
                if is_text(arrow_type) and name not in MOSTLY_DISTINCT_TEXT
            ]
            self._file = pq.ParquetFile(self.path, read_dictionary=as_dictionary)
        except (OSError, pa.ArrowException) as exc:
            raise ReadError(f"{self.path}: not a readable Parquet file ({exc})") from exc
        self.progress_total = self._file.metadata.num_rows

    def chunks(self) -> Iterator[pa.Table]:
        if self._file is None:
            self.open()
        assert self._file is not None
        first = 1
        batches = self._file.iter_batches(batch_size=min(self.chunk_rows, _BATCH_ROWS))
        try:
            for table in _rechunk(batches, self.chunk_rows):
                yield _with_row_numbers(table, first)
                first += table.num_rows
                self.progress_done = first - 1
        except (OSError, pa.ArrowException) as exc:
            raise ReadError(f"{self.path}: cannot read row {first} onwards ({exc})") from exc
        finally:
            self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


# What a CSV file may write for a missing value: an empty field, R's NA, SQL's NULL, pandas'
# NaN, Python's None (so a user id written NULL is missing, not a person called "NULL").
CSV_MISSING: tuple[str, ...] = ("", "NA", "N/A", "n/a", "NULL", "null", "NaN", "nan", "None")


def _quiet_ragged_decoding(hook: Callable[[object], None]) -> Callable[[object], None]:
    """Arrow decodes a ragged record to text before it calls the handler; where the record is
    not UTF-8 the decoding fails inside Arrow, which can only print the trace, and then stops
    the read with an error that `_not_utf8` words for the person. The trace says nothing more,
    so it is not printed; any other such exception still is."""

    def quiet(unraisable: object) -> None:
        exc = getattr(unraisable, "exc_value", None)
        handler = getattr(getattr(unraisable, "object", None), "__func__", None)
        if not (isinstance(exc, UnicodeDecodeError) and handler is CsvReader._skip_ragged):
            hook(unraisable)

    return quiet


@dataclass
class CsvReader(Reader):
    _reader: pa_csv.CSVStreamingReader | None = None
    _stream: pa.NativeFile | None = None
    _file_bytes_read: Callable[[], int] | None = None
    delimiter: str = ","
    # how many records Arrow skipped as ragged, and where those records lie (_true_lines)
    _skipped: int = 0
    _shift: tuple[np.ndarray, np.ndarray] | None = None

    def _skip_ragged(self, row: object) -> str:
        """Arrow's handler of a record with another number of fields than the header: read
        past it, counted; the line reader finds it again (`_ragged_rows`), text and line."""
        self._skipped += 1
        return "skip"

    def open(self) -> None:
        self._skipped, self._shift, self.ragged = 0, None, []
        self.progress_total = self.path.stat().st_size
        try:
            with open_binary(self.path) as handle:
                start = handle.read(1 << 16)
        except (OSError, EOFError, CompressedTableError, zipfile.BadZipFile) as exc:
            raise _unreadable(self.path, exc) from exc
        if not start.removeprefix(_UTF8_BOM):
            raise ReadError(f"{self.path}: the file is empty: a CSV file needs a header line")
        if (utf16 := utf16_text(self.path)) is not None:
            raise ReadError(f"{utf16}; nothing from it was stored")
        if not start.removeprefix(_UTF8_BOM).split(b"\n", 1)[0].strip():
            # Arrow would read the blank line as a header of one column named ''
            raise ReadError(
                f"{self.path}: line 1 is blank: a CSV file's first line must be its header"
                " (remove the blank lines above it)"
            )
        # A header and no line end (a short file without one): Arrow cannot tell it is one
        # ("cannot infer the number of columns"); it is a file of no rows, as with the line end.
        header_only = len(start) < (1 << 16) and b"\n" not in start and b"\r" not in start
        self.delimiter = header_delimiter(start)
        try:
            if header_only:
                self._stream = pa.BufferReader(start + b"\n")
            elif is_compressed(self.path):
                handle, self._file_bytes_read = open_counted(self.path)
                self._stream = pa.PythonFile(handle, mode="r")
            else:
                self._stream = pa.OSFile(str(self.path))
            self._reader = pa_csv.open_csv(
                self._stream,
                read_options=pa_csv.ReadOptions(
                    block_size=min(_CSV_BLOCK_BYTES, max(1 << 16, self.chunk_rows * 256))
                ),
                # Blank lines are read as rows of empty fields, so that every line is counted
                # in the line numbers; such rows are dropped before validation (_blank_rows).
                parse_options=pa_csv.ParseOptions(
                    delimiter=self.delimiter,
                    ignore_empty_lines=False,
                    invalid_row_handler=self._skip_ragged,
                ),
                # Missing: an empty field and the few texts that tools write for it
                # (CSV_MISSING); other text is a value validation judges (Arrow's own list
                # holds "-nan", "1.#QNAN", "#N/A N/A" and more).
                convert_options=pa_csv.ConvertOptions(
                    column_types={name: pa.string() for name in FIELDS},
                    null_values=list(CSV_MISSING),
                    strings_can_be_null=True,
                    # a quoted "NA" is the text NA (a category, a furnisher's name)
                    quoted_strings_can_be_null=False,
                ),
            )
        except (EOFError, zipfile.BadZipFile) as exc:  # decompressing the first block
            raise _cut_short(self.path, "", exc) from exc
        except (OSError, pa.ArrowException) as exc:
            raise _not_utf8(self.path, exc) or ReadError(
                f"{self.path}: not a readable CSV file ({exc})"
            ) from exc
        names = self._reader.schema.names
        check_columns(self.path, names)
        self.columns = {name: pa.string() for name in names}

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
        self._stream = self._reader = self._file_bytes_read = None

    def chunks(self) -> Iterator[pa.Table]:
        if self._reader is None:
            self.open()
        assert self._reader is not None and self._stream is not None
        next_line = 2  # the header is line 1
        try:
            for table in _rechunk(iter(self._reader), self.chunk_rows):
                lines, next_line = _line_numbers(table, next_line)
                if self._skipped:  # Arrow has parsed every record of this table by now
                    lines = self._true_lines(lines)
                read = self._file_bytes_read or self._stream.tell
                self.progress_done = read()
                numbered = table.add_column(0, ROW_NUMBER, lines)
                blank = _blank_rows(table)
                yield numbered.filter(pc.invert(blank)) if blank is not None else numbered
            if self._skipped:
                self._locate_ragged()
                if len(self.ragged) != self._skipped:
                    raise ReadError(
                        f"{self.path}: {self._skipped:,} record(s) have another number of fields"
                        f" than the header, but {len(self.ragged):,} were found line by line;"
                        " fix the file (quote fields that contain the delimiter or newlines)"
                        " and ingest it again"
                    )
        except (OSError, EOFError, zipfile.BadZipFile) as exc:  # decompressing
            raise _cut_short(self.path, f"the line after line {next_line - 1}", exc) from exc
        except pa.ArrowException as exc:
            raise _not_utf8(self.path, exc) or ReadError(
                f"{self.path}: malformed CSV after line {next_line - 1} ({exc}); fix the file"
                " (quote fields that contain the delimiter or newlines) and ingest it again"
            ) from exc
        finally:
            self.close()

    def _true_lines(self, lines: np.ndarray) -> pa.Array:
        """The line numbers of records counted as if no ragged record lay between them,
        moved past the ragged ones."""
        counted_at, before = self._locate_ragged()
        lines = np.asarray(lines, dtype=np.int64)
        return pa.array(lines + before[np.searchsorted(counted_at, lines, side="right")])

    def _locate_ragged(self) -> tuple[np.ndarray, np.ndarray]:
        """Find the ragged records once (the file read again, line by line): `ragged`, and
        where each lies among the others' line numbers with the lines before it."""
        if self._shift is None:
            try:
                self.ragged, spans = _ragged_rows(self.path, len(self.columns), self.delimiter)
            except (csv.Error, UnicodeDecodeError) as exc:
                raise ReadError(f"{self.path}: not a readable CSV file ({exc})") from exc
            before = np.cumsum([0, *spans])
            starts = np.array([row.line for row in self.ragged], dtype=np.int64)
            self._shift = (starts - before[:-1], before)
        return self._shift


def _ragged_rows(path: Path, columns: int, delimiter: str) -> tuple[list[RaggedRow], list[int]]:
    """Every record with another number of fields than `columns`, and the lines each spans:
    Python's csv module, as Arrow splits fields (a field in double quotes holds delimiters
    and newlines; a blank line is no record)."""
    found: list[RaggedRow] = []
    spans: list[int] = []
    read: list[str] = []

    def lines_of(handle: Iterator[str]) -> Iterator[str]:
        for line in handle:
            read.append(line)
            yield line

    with open_text(path, newline="", encoding="utf-8-sig", errors="strict") as handle:
        reader = csv.reader(lines_of(handle), delimiter=delimiter)
        next(reader, [])
        start = reader.line_num + 1
        read.clear()
        for record in reader:
            if record and len(record) != columns:
                text = "".join(read).rstrip("\r\n")
                found.append(RaggedRow(start, len(record), text))
                spans.append(reader.line_num - start + 1)
            read.clear()
            start = reader.line_num + 1
    return found, spans


def _unreadable(path: Path, exc: Exception) -> ReadError:
    if is_compressed(path) and not isinstance(exc, CompressedTableError):
        return _cut_short(path, "", exc)
    return ReadError(f"{path}: cannot read the file ({exc})")


def _cut_short(path: Path, where: str, exc: Exception) -> ReadError:
    """A compressed file that stops decompressing (`where`: from which line, if known)."""
    onwards = f" from {where} onwards" if where else ""
    return ReadError(
        f"{path}: cannot be decompressed{onwards} ({exc}); it may be cut short (copied only in"
        " part) or not of the kind its name says"
    )


# What a CSV file of events may separate its fields with, as spreadsheets and databases
# export them: commas, semicolons (where a comma is the decimal mark), tabs or bars.
DELIMITERS = (",", ";", "\t", "|")


def header_delimiter(start: bytes) -> str:
    """The delimiter of the header line at the file's `start`: the most frequent of
    DELIMITERS outside quotes (a comma where there is none)."""
    header = start.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    outside = "".join(part for i, part in enumerate(header.split('"')) if i % 2 == 0)
    counts = {d: outside.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _blank_rows(table: pa.Table) -> pa.ChunkedArray | None:
    """The rows every field of which is empty (blank lines), or None when there are none."""
    if table.num_rows == 0 or table.num_columns == 0:
        return None
    blank = pc.is_null(table.column(0))
    if not pc.any(blank).as_py():
        return None  # the cheap test first: most chunks have no row with a first field empty
    for column in table.columns[1:]:
        blank = pc.and_(blank, pc.is_null(column))
    return blank if pc.any(blank).as_py() else None


def _not_utf8(path: Path, exc: Exception) -> ReadError | None:
    """For Arrow's "invalid UTF8" (which names no line): the first line that is not UTF-8."""
    # a ragged line that is not UTF-8 either reaches no handler: Arrow names its columns
    said = str(exc).lower().replace("-", "")
    if "utf8" not in said and "columns, got" not in said:
        return None
    with open_binary(path) as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as bad:
                return ReadError(
                    f"{path}: line {number} is not UTF-8 text (byte 0x{line[bad.start]:02x}, the"
                    f" line's byte {bad.start + 1}); re-encode the file as UTF-8 (or fix that"
                    " line) and ingest it again"
                )
    return None


def _line_numbers(table: pa.Table, first_line: int) -> tuple[pa.Array, int]:
    """Line numbers of a CSV chunk's records, counting newlines inside quoted fields."""
    extra = np.zeros(table.num_rows, dtype=np.int64)
    for column in table.columns:
        if _may_hold_newline(column):
            extra += pc.fill_null(pc.count_substring(column, "\n"), 0).to_numpy()
    lines = np.arange(first_line, first_line + table.num_rows, dtype=np.int64)
    lines[1:] += np.cumsum(extra)[:-1]
    return pa.array(lines), first_line + table.num_rows + int(extra.sum())


def _may_hold_newline(column: pa.ChunkedArray) -> bool:
    """False when no string of the column holds a newline: a byte search of the value
    buffers (which may also hold bytes of neighbouring slices, so True only means maybe)."""
    for chunk in column.chunks:
        values = chunk.buffers()[2]
        if values is not None and (np.frombuffer(values, dtype=np.uint8) == 10).any():
            return True
    return False


_UTF8_BOM = b"\xef\xbb\xbf"


def _utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@dataclass
class JsonlReader(Reader):
    """One JSON object per line; blank lines are skipped but counted."""

    def open(self) -> None:
        self.progress_total = self.path.stat().st_size
        try:
            with open_binary(self.path) as handle:
                start = handle.read(4096).removeprefix(_UTF8_BOM).lstrip()
        except (OSError, EOFError, CompressedTableError, zipfile.BadZipFile) as exc:
            raise _unreadable(self.path, exc) from exc
        if start.startswith(b"["):
            raise ReadError(
                f"{self.path}: holds a JSON array, not JSON Lines: write one event object per"
                " line (e.g. `jq -c '.[]' events.json > events.jsonl`) and ingest that"
            )
        self.columns = {name: pa.string() for name in (*FIELDS, ROW_ERROR, RAW_TEXT, NESTED)}
        paths = ", ".join(f"'$.\"{name}\"'" for name in FIELDS)
        extracted = ", ".join(f'v[{i}] AS "{name}"' for i, name in enumerate(FIELDS, start=1))
        # One extraction with a list of paths parses each line once for all fields.
        # A field other than attributes holding an object or array (a user id of {"x": 1})
        # would be stored as its JSON text: such fields are named in NESTED, which validation
        # refuses. The text test first: json_type is asked only of values that start like one.
        nested = ", ".join(
            f"CASE WHEN (v[{i}] LIKE '{{%' OR v[{i}] LIKE '[%')"
            f" AND json_type(doc, '$.\"{name}\"') IN ('OBJECT', 'ARRAY') THEN '{name}' END"
            for i, name in enumerate(FIELDS, start=1)
            if name != "attributes"
        )
        self.source_sql = (
            f"(SELECT {ROW_NUMBER}, line AS {RAW_TEXT},"
            " CASE WHEN doc IS NULL THEN 'the line is not valid JSON'"
            " WHEN json_type(doc) <> 'OBJECT' THEN 'the line is not a JSON object'"
            # a key given twice ({"amount": 12, "amount": -3}) has no one value: DuckDB reads
            # the first, Python's json the last, and a CSV header naming a field twice is
            # refused
            f" WHEN len(json_keys(doc)) <> len(list_distinct(json_keys(doc))) THEN 'the line"
            f" gives ' || {_REPEATED_KEYS} || ' more than once' END"
            f" AS {ROW_ERROR}, NULLIF(concat_ws(',', {nested}), '') AS {NESTED}, {extracted}"
            f" FROM (SELECT {ROW_NUMBER}, line, doc, json_extract_string(doc, [{paths}]) AS v"
            f" FROM (SELECT {ROW_NUMBER}, line, TRY_CAST(line AS JSON) AS doc"
            f" FROM {CHUNK_TABLE})))"
        )

    def chunks(self) -> Iterator[pa.Table]:
        line_number = 1
        handle, file_bytes_read = open_counted(self.path)
        with handle:
            while True:
                try:
                    lines = list(itertools.islice(handle, self.chunk_rows))
                except (OSError, EOFError, zipfile.BadZipFile) as exc:
                    raise _cut_short(self.path, f"line {line_number}", exc) from exc
                if not lines:
                    return
                if line_number == 1:  # a byte-order mark is no part of the first event
                    lines[0] = lines[0].removeprefix(_UTF8_BOM)
                numbers = range(line_number, line_number + len(lines))
                line_number += len(lines)
                self.progress_done = file_bytes_read()
                try:
                    text = pc.utf8_rtrim(
                        pa.array(lines, pa.binary()).cast(pa.string()), characters="\r\n"
                    )
                except pa.ArrowInvalid as exc:
                    number = next(
                        n for n, line in zip(numbers, lines, strict=True) if not _utf8(line)
                    )
                    raise ReadError(
                        f"{self.path}: line {number} is not UTF-8 text; re-encode the file as"
                        " UTF-8 (or fix that line) and ingest it again"
                    ) from exc
                table = pa.table({ROW_NUMBER: pa.array(numbers, pa.int64()), "line": text})
                keep = pc.not_equal(pc.utf8_trim_whitespace(text), "")
                yield table.filter(keep)


# SQL: the keys a JSON line's object `doc` holds more than once, sorted, e.g. 'amount, ts'
_REPEATED_KEYS = (
    "array_to_string(list_sort(list_distinct(list_filter(json_keys(doc),"
    " lambda key, i: list_position(json_keys(doc), key) < i))), ', ')"
)


def unknown_json_keys_sql() -> str:
    """SQL listing keys of the chunk's JSON objects that are not event fields, each with the
    first line holding it, in the order of those lines."""
    known = ", ".join(f"'{name}'" for name in FIELDS)
    return (
        f"SELECT k, MIN({ROW_NUMBER}) AS line FROM (SELECT {ROW_NUMBER},"
        f" unnest(json_keys(doc)) AS k FROM"
        f" (SELECT {ROW_NUMBER}, TRY_CAST(line AS JSON) AS doc FROM {CHUNK_TABLE})"
        f" WHERE json_type(doc) = 'OBJECT') WHERE k NOT IN ({known}) GROUP BY k ORDER BY line, k"
    )


def reader_for(path: Path, fmt: str, chunk_rows: int) -> Reader:
    kinds: dict[str, type[Reader]] = {
        "csv": CsvReader,
        "jsonl": JsonlReader,
        "parquet": ParquetReader,
    }
    return kinds[fmt](path=path, chunk_rows=chunk_rows)


sys.unraisablehook = _quiet_ragged_decoding(sys.unraisablehook)

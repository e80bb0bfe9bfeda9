"""Reading the tables the model trains and scores on into one in-memory form (pandas).

Two kinds of input: credo feature tables (Parquet + catalog metadata, joined to an outcomes
file for training) and plain tables (CSV or Parquet, one row per person).
"""

from __future__ import annotations

import codecs
import csv
import functools
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from credo.compressed import (
    CompressedTableError,
    inner_suffix,
    is_compressed,
    open_binary,
    open_text,
    utf16_text,
)
from credo.model.text_numbers import (
    TEXT_CONVENTION,
    TEXT_NUMBER_KINDS,
    columns_written_the_other_way,
    commas_like_thousands,
    numbers_but_for,
    text_columns_as_numbers,
    writes_decimal_commas,
    writes_numbers_as_a_comma_file,
)
from credo.output import first_few

FEATURE_KEYS = ("user_id", "as_of")
TEXT_NUMBERS = "credo_text_numbers"  # DataFrame.attrs key: {column: a TEXT_NUMBER_EDITS kind}


class TableError(ValueError):
    """A table cannot be used as given; the message says why and what to do."""


def as_frame(X: Any) -> pd.DataFrame:
    """A pandas DataFrame from a DataFrame, an Arrow table or a dict of arrays, its column
    names as text (features are named by text everywhere: models, SQL, reasons), its
    durations as days."""
    if isinstance(X, pd.DataFrame):
        frame = X
    elif isinstance(X, pa.Table):
        frame = X.to_pandas()
    elif isinstance(X, dict):
        # a list is read as pandas reads it ([1.2, None] is a number column with NaN)
        frame = pd.DataFrame(
            {
                name: pd.Series(values) if isinstance(values, list | tuple) else np.asarray(values)
                for name, values in X.items()
            }
        )
    elif isinstance(X, np.ndarray) and X.ndim == 2:
        frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    else:
        raise TypeError(
            f"expected a DataFrame, a pyarrow Table, a dict of arrays or a 2-D array, got {type(X)}"
        )
    names = [str(c) for c in frame.columns]
    repeated = sorted(n for n, count in Counter(names).items() if count > 1)
    if repeated:
        raise ValueError(f"column names repeat: {', '.join(repeated)}; give each column its own")
    if any(not isinstance(c, str) for c in frame.columns):
        frame = frame.set_axis(names, axis=1)
    # a time span as days, in training and scoring alike (as nanoseconds every row scored in
    # the top bin of a model trained on days)
    return booleans_with_gaps(_durations_as_days(frame))


def booleans_with_gaps(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns of true/false values with some missing (pandas holds them as objects: a CSV's
    True/False with empty cells, a Parquet boolean with nulls) as pandas' nullable booleans,
    binned as 0 and 1 like a boolean column with none missing (as objects they were grouped
    as categories, and a person read "has guarantor: False")."""
    gaps = [n for n in frame.columns if frame[n].dtype == object and holds_booleans(frame[n])]
    return frame.astype(dict.fromkeys(gaps, "boolean")) if gaps else frame


def holds_booleans(column: pd.Series) -> bool:
    """A column of true/false values, missing ones among them or not."""
    if pd.api.types.is_bool_dtype(column):
        return True
    return column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) == "boolean"


def read_plain_table(
    path: str | Path,
    text_columns: Sequence[str | None] = (),
    id_column: str | None = None,
    for_training: bool = False,
    comma_thousands: bool = False,
    allow_empty: bool = False,
) -> pd.DataFrame:
    """A CSV or Parquet file with one row per person (percentages such as "13.5%", and in
    files not separated by commas numbers such as "1,5", read as numbers: see
    `credo.model.columns`). A CSV's `text_columns` and `id_column` are read verbatim, as
    text: customer numbers such as "000123" keep their zeros. A Parquet file's `id_column`
    is kept exact (`_exact_id`). `for_training`: points between thousands are worked out from
    the file (`_points_between_thousands`); a model's table is read as its training recorded
    (a column it read so is among its `text_columns`), whatever else the file holds.
    `comma_thousands`: a file not separated by commas writes its numbers as a comma-separated
    one does ("69,000" is 69000), where its numbers do not say so themselves
    (`text_numbers.writes_numbers_as_a_comma_file`). `allow_empty`: a header without rows is
    a table of no one (a batch to score with nobody new in it), not an error."""
    verbatim = {str(c) for c in [*text_columns, id_column] if c is not None}
    path = Path(path)
    if not path.exists():
        raise TableError(f"{path}: no such file; give a CSV or Parquet table")
    suffix = ".parquet" if path.is_dir() else table_suffix(path)
    delimiter = ","
    if path.is_dir():
        _check_parquet_folder(path)
    if suffix == ".parquet" and is_compressed(path):
        raise TableError(
            f"{path}: a compressed Parquet file; Parquet compresses its own columns: give the"
            " .parquet file itself, decompressed"
        )
    if suffix == ".parquet":
        frame = _parquet_frame(_read_parquet(path), id_column)
    elif suffix in (".csv", ".txt", ".tsv"):
        if (utf16 := utf16_text(path)) is not None:
            raise TableError(utf16)
        try:
            delimiter = csv_delimiter(path)
            frame = _read_csv(path, delimiter, verbatim)
            _check_header(path, delimiter)
        except pd.errors.EmptyDataError:
            raise TableError(f"{path}: the file is empty; give a header line and rows") from None
        except pd.errors.ParserError as exc:
            raise TableError(f"{path}: not a readable CSV table ({exc})") from None
        except (OSError, EOFError, zipfile.BadZipFile) as exc:
            if not is_compressed(path):
                raise
            raise TableError(
                f"{path}: cannot be decompressed ({exc}); it may be cut short or not of the"
                " kind its name says: decompress it with the tool that made it"
            ) from None
    else:
        raise TableError(
            f"{path}: unknown table format {suffix!r}; give a CSV file (.csv, .txt or .tsv:"
            " fields separated by commas, semicolons, tabs or bars; compressed as .csv.gz,"
            " .csv.bz2, .csv.xz or a .zip holding one) or Parquet (.parquet, or a folder of"
            " parts); a .psv or .dat file of delimited text named .txt"
        )
    if frame.empty and not (allow_empty and len(frame.columns)):
        raise TableError(f"{path}: the table has no rows")
    read_as_numbers: dict[str, str] = {}
    comma_file = delimiter == "," or comma_thousands or writes_numbers_as_a_comma_file(frame)
    convention = "," if comma_file else "other"
    as_written = frame  # the text as the file holds it, before any is read as numbers
    for kind in TEXT_NUMBER_KINDS[convention]:
        text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
        frame = _except(
            frame, verbatim, lambda part, kind=kind: text_columns_as_numbers(part, kind)
        )
        for name in text:
            if pd.api.types.is_numeric_dtype(frame[name]):
                read_as_numbers[str(name)] = kind
    decimal_commas = DECIMAL_COMMA_KINDS & set(read_as_numbers.values())
    # a column written the other way than the delimiter says (a spreadsheet's mix) is read
    # so where its values leave no doubt; the model records its kind, as for any other
    other_way = columns_written_the_other_way(
        frame.drop(columns=list(verbatim), errors="ignore"), convention
    )
    if other_way:
        frame = frame.assign(**{name: numbers for name, (_, numbers) in other_way.items()})
        read_as_numbers.update({name: kind for name, (kind, _) in other_way.items()})
    if for_training and convention == "other" and decimal_commas:
        read = {
            name: numbers
            for name, (numbers, _) in _points_between_thousands(
                path, delimiter, frame, verbatim | set(read_as_numbers)
            ).items()
        }
        frame = frame.assign(**read) if read else frame
        read_as_numbers.update(dict.fromkeys(read, "grouped_decimal_comma"))
        frame.attrs[THOUSANDS_POINTS] = list(read)
    # which text columns were read as numbers, and how: the SQL export reads them the same way
    frame.attrs[TEXT_NUMBERS] = read_as_numbers
    # a file separated otherwise read as a comma-separated one: its model reads so again
    frame.attrs[COMMA_THOUSANDS] = comma_file and delimiter != ","
    if (
        not for_training
        and convention == "other"
        and (
            decimal_commas or writes_decimal_commas(as_written[sorted(verbatim & set(as_written))])
        )
    ):
        # read as plain numbers, as a model of plain numbers reads them, though this file's
        # decimal commas say its points group thousands ("250.600" beside "0,5")
        frame.attrs[POINTS_LIKE_THOUSANDS] = {
            name: example
            for name, (_, example) in _points_between_thousands(
                path, delimiter, frame, verbatim | set(read_as_numbers)
            ).items()
        }
    if for_training:  # read with decimal commas, though written as thousands may be
        frame.attrs[COMMAS_LIKE_THOUSANDS] = commas_like_thousands(
            as_written, [n for n, kind in read_as_numbers.items() if kind == "decimal_comma"]
        )
    if suffix != ".parquet":  # how this file writes the numbers it holds as text
        frame.attrs[TEXT_CONVENTION] = convention
        # pandas fills a row of fewer fields with missing values, and says nothing
        if len(frame.columns) > 1 and frame.iloc[:, -1].isna().any():
            frame.attrs[SHORT_ROWS] = _short_records(path, delimiter, len(frame.columns))
    return _without_empty_rows(frame)


# DataFrame.attrs key: the rows of a CSV file holding fewer fields than its header, each as
# (its line in the file, its fields)
SHORT_ROWS = "credo_short_rows"


def _short_records(path: Path, delimiter: str, fields: int) -> list[tuple[int, int]]:
    """The records of a CSV file (blank lines aside, as pandas skips them) with fewer fields
    than its header: (the line it starts on, counted from 1, and its fields)."""
    short = []
    with open_text(path, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        next(reader, None)
        line = reader.line_num + 1
        for record in reader:
            if record and len(record) < fields and any(record):
                short.append((line, len(record)))
            line = reader.line_num + 1
    return short


def short_rows_warning(frame: pd.DataFrame) -> str | None:
    """Words on the rows of fewer fields than the header (`SHORT_ROWS`), or None."""
    short = frame.attrs.get(SHORT_ROWS) or []
    if not short:
        return None
    width = len(frame.columns)
    shown = first_few([f"line {line:,} ({fields} of {width})" for line, fields in short])
    return (
        f"{len(short):,} row(s) hold fewer fields than the header: {shown}; their last"
        " fields read as missing. A row cut short or broken over two lines, or a file cut off"
        " mid-row, reads so: check these rows in the file"
    )


# DataFrame.attrs key: the 0-based positions, among the file's rows, of the rows left out for
# holding nothing at all
EMPTY_ROWS = "credo_empty_rows"


def _without_empty_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The table less its rows of nothing at all (a spreadsheet's row of bare separators,
    ",,,,,"): such a row is no person, and scored it was one of the worst, missing in every
    column. Their positions are kept in attrs[EMPTY_ROWS] (a file's row numbers, for the
    rows' ids and for the note that says so); a table of nothing at all is left as it is."""
    empty = frame.isna().all(axis=1).to_numpy()
    if not empty.any() or empty.all():
        return frame
    attrs = dict(frame.attrs)
    kept = frame.loc[~empty].reset_index(drop=True)
    kept.attrs.update(attrs)
    kept.attrs[EMPTY_ROWS] = np.flatnonzero(empty).tolist()
    return kept


def row_numbers(frame: pd.DataFrame) -> np.ndarray:
    """Each row's 0-based position among the file's rows (empty rows left out count)."""
    positions = np.arange(len(frame) + len(frame.attrs.get(EMPTY_ROWS, ())))
    return np.delete(positions, frame.attrs.get(EMPTY_ROWS, []))


def empty_rows_note(frame: pd.DataFrame) -> str | None:
    """The note that says which rows of nothing at all were left out, or None."""
    empty = frame.attrs.get(EMPTY_ROWS) or []
    if not empty:
        return None
    shown = ", ".join(f"{position + 1:,}" for position in empty[:5])
    more = f" and {len(empty) - 5:,} more" if len(empty) > 5 else ""
    rows = "row" if len(empty) == 1 else "rows"
    return (
        f"{len(empty):,} empty {rows} (every field blank) left out: {rows} {shown}{more} of"
        " the file, counted from 1 below the header"
    )


# DataFrame.attrs keys: a file not separated by commas whose commas separate thousands; the
# columns read with a decimal comma whose every comma is followed by three digits ("69,000")
COMMA_THOUSANDS = "credo_comma_thousands"
COMMAS_LIKE_THOUSANDS = "credo_commas_like_thousands"
# DataFrame.attrs key: the columns whose points were read as separators of thousands
THOUSANDS_POINTS = "credo_thousands_points"
# DataFrame.attrs key: in a file to score, the columns read as plain numbers whose points
# group thousands as the file's decimal commas say ({column: a value so written})
POINTS_LIKE_THOUSANDS = "credo_points_like_thousands"
# The kinds of text number that show a file writes decimals with a comma
DECIMAL_COMMA_KINDS = frozenset({"decimal_comma", "grouped_decimal_comma"})


def _points_between_thousands(
    path: Path, delimiter: str, frame: pd.DataFrame, skipped: set[str]
) -> dict[str, tuple[pd.Series, str]]:
    """In a file that writes decimals with a comma (another of its columns shows it), a point
    groups thousands: pandas reads a column of "86.713" and "858" as 86.713 and 858, so an
    income of 858 sorted above one of 86,713. Such columns are read again as text and, where
    every value is a number so written, read with the points between thousands (the model
    records it, and scoring and the SQL read the column the same way): those columns, as the
    numbers they hold, each with a value so written (`skipped`: columns read verbatim or from
    text already)."""
    dotted = [
        str(name)
        for name in frame.columns
        if str(name) not in skipped and pd.api.types.is_float_dtype(frame[name])
    ]
    if not dotted:
        return {}
    text = _read_csv(path, delimiter, set(dotted), only=dotted)[dotted]
    grouped = text_columns_as_numbers(text, "grouped_decimal_comma")
    read = {}
    for name in dotted:
        written = text[name].dropna().astype(str)
        if (
            pd.api.types.is_numeric_dtype(grouped[name])
            and written.str.contains(".", regex=False).any()
        ):
            example = written[written.str.contains(".", regex=False)].iloc[0]
            read[name] = (grouped[name], example)
    return read


def names_as_the_model_has_them(
    frame: pd.DataFrame, needed: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The table with each column a model needs, where the table has it only with other
    spaces around its name ("debt " for a model's "debt": an export's header), renamed to
    the model's name; and those renamings, {as in the table: as the model has it}. A name
    that matches two columns so is left alone (the missing column is then said)."""
    present = {str(c) for c in frame.columns}
    by_bare: dict[str, list[str]] = {}
    for column in present:
        by_bare.setdefault(column.strip(), []).append(column)
    renamed = {}
    for name in needed:
        matches = by_bare.get(str(name).strip(), [])
        if name not in present and len(matches) == 1 and matches[0] not in needed:
            renamed[matches[0]] = str(name)
    return (frame.rename(columns=renamed) if renamed else frame), renamed


def table_suffix(path: str | Path) -> str:
    """A table file's format as its name says, lower case: ".csv" for `loans.csv.gz` and for
    a zip archive holding `loans.csv` (see `credo.compressed`)."""
    try:
        return inner_suffix(path)
    except CompressedTableError as exc:
        raise TableError(str(exc)) from None


def parquet_parts(folder: Path) -> list[Path]:
    """The data files of a folder holding a Parquet table (Spark's `out.parquet/`), in
    sorted name order, as pyarrow reads them: names beginning with "_" or "." (`_SUCCESS`,
    `.part-0.crc`), and whatever lies in such folders, are no data."""
    return sorted(
        part
        for part in folder.rglob("*")
        if part.is_file()
        and not any(n.startswith(("_", ".")) for n in part.relative_to(folder).parts)
    )


# files a folder of a Parquet table's parts does not hold: a folder of these is no table
_NOT_PARTS = (".csv", ".tsv", ".txt", ".md", ".json", ".jsonl", ".xlsx", ".xls", ".zip", ".gz")


def _check_parquet_folder(path: Path) -> None:
    parts = parquet_parts(path)
    if not parts:
        raise TableError(
            f"{path} is a folder without Parquet files; give a CSV or Parquet table, or a"
            " folder of Parquet part files (as Spark writes a table)"
        )
    others = [p for p in parts if p.suffix.lower() in _NOT_PARTS]
    if others:
        tables = [p for p in others if p.suffix.lower() in (".csv", ".tsv", ".txt")]
        example = f", e.g. --table {tables[0]}" if tables else ""
        more = f" and {len(others) - 1} more" if len(others) > 1 else ""
        raise TableError(
            f"{path} is a folder holding files that are no Parquet parts ({others[0].name}"
            f"{more}): give the table's own file{example}"
        )


def wrong_input_hint(training: dict, features_given: bool) -> str:
    """Words to add to a missing-columns error where the input is not of the kind the model
    was trained on (a feature table against a plain table's model, or the reverse)."""
    kind = training.get("kind")
    if kind == "features" and not features_given:
        return (
            "; the model was trained on a feature table (built by `credo features`): give one"
            " with --features"
        )
    if kind == "table" and features_given:
        names = ", ".join(Path(str(s)).name for s in training.get("sources") or [])
        trained_on = names or "a CSV or Parquet file"
        return f"; the model was trained on a plain table ({trained_on}): give one with --table"
    return ""


def _read_parquet(path: Path) -> pa.Table:
    try:
        return pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise TableError(
            f"{path}: not a readable Parquet file ({exc}); it may be cut short (copied or"
            " written only in part) or another format under a .parquet name: write it again,"
            " or give it as CSV"
        ) from None


def _parquet_frame(table: pa.Table, id_column: str | None) -> pd.DataFrame:
    """A Parquet table in pandas: DECIMAL columns (money, as databases export it) as floats,
    as pandas would hold them as Python Decimal objects, neither numbers nor text to a model;
    the id column as it was written (`_exact_id`); a text column of numbers but for
    MISSING_TEXTS with those missing (`_numbers_but_for_marks`)."""
    ids = table.column(id_column) if id_column in table.column_names else None
    for i, field in enumerate(table.schema):
        if pa.types.is_decimal(field.type) and field.name != id_column:
            table = table.set_column(i, field.name, table.column(i).cast(pa.float64()))
    frame = _numbers_but_for_marks(_durations_as_days(table.to_pandas()), id_column)
    if ids is not None:
        frame[id_column] = _exact_id(ids)
    return frame


def _numbers_but_for_marks(frame: pd.DataFrame, id_column: str | None) -> pd.DataFrame:
    """Text columns of numbers but for MISSING_TEXTS ("?", "#DIV/0!") with those cells missing,
    as a CSV reader leaves them (Spark writes a CSV read without a schema to Parquet as text,
    "?" and all: its numbers were binned as categories at IV 0). The marks in other text
    columns stay as written: a category "?" is a level there, as the exported SQL and a
    DataFrame handed to a model read it."""
    marked = {}
    for name in frame.columns:
        codes = None if name == id_column else numbers_but_for(frame[name])
        if codes and set(codes) <= set(MISSING_TEXTS):
            marked[str(name)] = frame[name].where(~frame[name].isin(MISSING_TEXTS))
    return frame.assign(**marked) if marked else frame


def _durations_as_days(frame: pd.DataFrame) -> pd.DataFrame:
    """Durations (Parquet's duration type, pandas' timedelta64) as numbers of days, as a risk
    analyst reads "since last payment": binned as they are, they came out as nonsense numbers
    (a bin edge of -1.8e308)."""
    spans = [c for c in frame.columns if pd.api.types.is_timedelta64_dtype(frame[c])]
    return frame.assign(**{str(c): frame[c] / pd.Timedelta(days=1) for c in spans})


def _exact_id(ids: pa.ChunkedArray) -> pd.Series:
    """An id column as written: whole numbers (integers, DECIMAL(p, 0) as Spark and Oracle
    write NUMBER ids) as pandas' nullable integers, other DECIMALs as their text. As floats
    (pandas' reading of integers with a null, our reading of DECIMAL) ids of more than 15
    digits lose their last ones: 102381051276738123 became 1.0238105127673813e+17."""
    if pa.types.is_decimal(ids.type):
        try:
            ids = ids.cast(pa.int64())  # a safe cast: fails on a fraction or an overflow
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            ids = ids.cast(pa.string())
    if pa.types.is_integer(ids.type):
        return ids.to_pandas(types_mapper=_NULLABLE_INTEGERS.get)
    return ids.to_pandas()


_NULLABLE_INTEGERS = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.uint8(): pd.UInt8Dtype(),
    pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(),
    pa.uint64(): pd.UInt64Dtype(),
}


def _except(
    frame: pd.DataFrame, kept: set[str], convert: Callable[[pd.DataFrame], pd.DataFrame]
) -> pd.DataFrame:
    """`convert` applied to every column but the `kept` ones."""
    others = [c for c in frame.columns if str(c) not in kept]
    if len(others) == len(frame.columns):
        return convert(frame)
    converted = convert(frame[others])
    return frame.assign(**{str(c): converted[c] for c in others})


DELIMITERS = (",", ";", "\t", "|")
# UTF-8 first (a byte-order mark is skipped); files saved by Windows spreadsheets are often
# cp1252, and latin-1 reads any bytes at all.
ENCODINGS = ("utf-8", "cp1252", "latin-1")
# The name of the decoding error handler that reads each byte UTF-8 cannot as cp1252 (latin-1
# where cp1252 has no character for it)
STRAY_BYTES_AS_CP1252 = "credo-stray-bytes-as-cp1252"


def _stray_bytes_as_cp1252(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    stray = error.object[error.start : error.end]
    text = "".join(bytes([byte]).decode("cp1252", errors="ignore") or chr(byte) for byte in stray)
    return text, error.end


codecs.register_error(STRAY_BYTES_AS_CP1252, _stray_bytes_as_cp1252)


def _mostly_utf8(path: Path) -> bool:
    """Whether a file that is no valid UTF-8 writes more of its other characters than ASCII
    in UTF-8 than not: rows pasted into a UTF-8 export from a Windows one. Read once per
    version of the file (a table is read several times: its rows, its cells as written)."""
    stat = Path(path).stat()
    return _mostly_utf8_of(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _mostly_utf8_of(path: str, _mtime_ns: int, _size: int) -> bool:
    written, stray = 0, 0
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    with open_binary(path) as handle:
        while chunk := handle.read(1 << 20):
            text = decoder.decode(chunk)
            replaced = text.count("\ufffd")
            stray += replaced
            written += len(text) - len(text.encode("ascii", errors="ignore")) - replaced
    return written > stray


def csv_readings(path: Path) -> Iterator[dict[str, str]]:
    """pandas' `read_csv` encoding arguments to try on a CSV file in turn, until one reads
    it: UTF-8; then, for a file of UTF-8 but for a few bytes (`_mostly_utf8`), UTF-8 with
    those bytes read as cp1252 (read whole as cp1252, its UTF-8 "ä" had become "Ã¤" and its
    "€" "â‚¬", every amount so written no number); else cp1252, and latin-1, which reads
    any bytes."""
    yield {"encoding": "utf-8"}
    if _mostly_utf8(path):
        yield {"encoding": "utf-8", "encoding_errors": STRAY_BYTES_AS_CP1252}
        return
    for encoding in ENCODINGS[1:]:
        yield {"encoding": encoding}


# Texts that mark a missing cell, beside those pandas reads so ("NA", "N/A", "NULL", ...): "?"
# (UCI's repository and the tools that read it), "." (SAS and Stata exports) and the error
# values a spreadsheet writes for a formula without a value. None is a value of any quantity
# or category: read as text, a column of ratios with "?" in it was binned as thousands of
# categories, "?" became a level of its own, and a ratio with "#DIV/0!" in 2 % of rows was
# binned as categories in training while scoring read the error as missing.
MISSING_TEXTS = (
    "?",
    " ?",  # UCI's files separated by ", " (adult): the mark after the separator's space
    ".",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "#SPILL!",
    "#CALC!",
)


def _read_csv(
    path: Path,
    delimiter: str,
    text_columns: set[str] = frozenset(),
    only: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The file's columns (`only` these, where given), `text_columns` as text."""
    types = dict.fromkeys(text_columns, str)
    # each column typed over the whole file (low_memory off): by blocks of rows, pandas leaves
    # a column of numbers in one block and text in the next mixed, with a warning of its own
    read = partial(
        pd.read_csv,
        path,
        sep=delimiter,
        dtype=types,
        usecols=only,
        low_memory=False,
        na_values=list(MISSING_TEXTS),
    )
    for reading in csv_readings(path):
        try:
            return read(**reading)
        except UnicodeDecodeError:
            continue
    raise AssertionError("unreachable: the last reading reads any bytes")


# How far into a file a header below a title line is looked for
HEADER_SEARCH_LINES = 50


def written_otherwise_hint(name: str, frame: pd.DataFrame) -> str:
    """For a column name the table lacks: the column it has under that name but for case or
    spaces around it ("loan_status " in a header, which a list of the columns does not show),
    as words to add to an error; else ""."""
    alike = [str(c) for c in frame.columns if str(c).strip().casefold() == name.strip().casefold()]
    if not alike:
        return ""
    return f"; the header writes it {alike[0]!r}: give that name, or correct the header"


def header_below_hint(path: str | Path, frame: pd.DataFrame) -> str:
    """For a CSV file read as one column: where its header seems to be, when a line below the
    first holds more fields (a title line above the header, as Lending Club's exports have:
    "Notes offered by Prospectus ..."), as words to add to an error; else ""."""
    path = Path(path)
    if table_suffix(path) not in (".csv", ".txt", ".tsv"):
        return ""
    if len(frame.columns) != 1:
        return _padded_title_hint(path, frame)
    with open_text(path, newline="") as handle:
        lines = list(islice(handle, HEADER_SEARCH_LINES))
    spaced = [len(line.split()) for line in lines[:2]]
    delimited = any(d in line for line in lines[:2] for d in DELIMITERS)
    if len(spaced) == 2 and spaced[0] == spaced[1] > 1 and not delimited:
        return (
            f"; the file reads as one column, while its first lines hold {spaced[0]} fields"
            " separated by spaces (as UCI's .dat files are): credo reads fields separated by"
            " commas, semicolons, tabs or |; write it so (in a spreadsheet, or e.g."
            " `tr -s ' ' ',' < file.dat > file.csv`)"
        )
    for number, line in enumerate(lines[1:], start=2):
        delimiter = max(DELIMITERS, key=line.count)
        fields = next(csv.reader([line], delimiter=delimiter), [])
        if len(fields) > 1:
            return (
                f"; the file reads as one column, while line {number} holds {len(fields)}"
                f" fields: if the header is on line {number} (a title above it), delete the"
                " lines above it"
            )
    return ""


def _padded_title_hint(path: Path, frame: pd.DataFrame) -> str:
    """For a CSV file whose first line is a title padded with delimiters to the table's width
    ("Loan book export;;;;;", as a spreadsheet saves a title cell above a table): the words
    that say the header is on the next line, where that line names every column; else ""."""
    unnamed = sum(str(name).startswith("Unnamed: ") for name in frame.columns)
    if unnamed < len(frame.columns) - 1:
        return ""
    delimiter = csv_delimiter(path)
    with open_text(path, newline="") as handle:
        records = list(islice(csv.reader(handle, delimiter=delimiter), 2))
    if len(records) == 2 and len(records[1]) == len(frame.columns) and all(records[1]):
        return (
            f"; its first line fills one field of {len(frame.columns)} (a title above the"
            " table), and line 2 names every column: if the header is on line 2, delete the"
            " line above it"
        )
    return ""


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def _header_is_data(names: list[str]) -> bool:
    """Whether a first line reads as a row of data rather than column names: two of its
    fields are the same number, or two are numbers with a decimal point or a sign; or half of its
    fields or more are numbers (a file without a header, as loan-level files come), and they
    read as values, not names: columns numbered 0, 1, 2 ... (or from 1), or named by years,
    months or days of one width (2019, 202301, 20230101) are names."""
    written = [name for name in names if _number(name) is not None]
    plain = [name for name in written if _PLAIN_NUMBER.fullmatch(name)]
    # Two columns named by one number, or by numbers with a decimal point or a sign, are
    # values whatever the rest of the line: a row of codes and amounts ("A11,6,A32,...,4")
    if len(plain) >= 2 and (
        len(set(plain)) < len(plain) or sum(not name.isdigit() for name in plain) >= 2
    ):
        return True
    if len(written) < 2 or 2 * len(written) < len(names):
        return False
    if len(set(written)) < len(written) or not all(name.isdigit() for name in written):
        return True  # a repeat, a decimal point or a sign: values
    counted = sorted(int(name) for name in written)
    numbered = counted in (list(range(len(counted))), list(range(1, len(counted) + 1)))
    dated = len({len(name) for name in written}) == 1 and len(written[0]) >= 4
    return not (numbered or dated)


def _check_header(path: Path, delimiter: str) -> None:
    """Refuse a first line of data (no header) and repeated column names, which pandas would
    quietly rename ("income.1")."""
    with open_text(path, newline="") as handle:
        header = next(csv.reader(handle, delimiter=delimiter), [])
    names = [name.strip() for name in header if name.strip()]
    if _header_is_data(names):
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        raise TableError(
            f"{path}: the first line reads as data, not column names ({shown}): the file needs"
            " a header line naming its columns (loan-level files such as Freddie Mac's come"
            " without one: add the names of their file layout as the first line)"
        )
    repeated = sorted(n for n, count in Counter(names).items() if count > 1)
    if repeated:
        raise TableError(
            f"{path}: column names repeat in the header: {', '.join(repeated)}; give each"
            " column its own name"
        )


# A number written with a zero before its first digit ("04410", "007"): a code's padding. A
# column is taken for codes where such values are no stray cell (at least 1 % of them) and
# every value is padded to one width, as codes are ("07" beside "12" and "7" is a typo in a
# count; "0001500" among "0012000" is a fixed-width export, which `--special` keeps numbers)
_LEADING_ZERO = re.compile(r"\s*[+-]?0[0-9]")
_LEAST_PADDED_SHARE = 0.01
# The words of a postal code's name, the name's last words ("zip", "ZipCode", "home_plz",
# "postal_code"; not "zip_income_median" or "postcode_count", which are quantities)
_POSTAL_ENDINGS = (
    ("zip",),
    ("zipcode",),
    ("plz",),
    ("postcode",),
    ("postalcode",),
    ("postleitzahl",),
    ("zip", "code"),
    ("post", "code"),
    ("postal", "code"),
    ("code", "postal"),
)
# How many rows of a CSV file are read again as written to find the zeros
_ZERO_SAMPLE_ROWS = 20_000


def is_postal_code_name(name: str) -> bool:
    """Whether a column's name ends in the words of a postal code's."""
    words = [w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+", name)]
    return any(tuple(words[-len(end) :]) == end for end in _POSTAL_ENDINGS if words)


def codes_in_digits(path: str | Path, frame: pd.DataFrame, skip: set[str]) -> dict[str, str]:
    """The whole-number columns of a plain table that are codes, not quantities, with why:
    values padded with zeros to one width in the file ("04410", read as 4410), or a postal
    code's name. Ranked as numbers, a postcode's digits would be binned and told as a range
    ("postcode: 13,313 to under 92,182") and noise in them taken for a trend."""
    path = Path(path)
    candidates = [
        str(name)
        for name in frame.columns
        if str(name) not in skip
        and pd.api.types.is_numeric_dtype(frame[name])
        and not pd.api.types.is_bool_dtype(frame[name])
        and _whole_numbers(frame[name])
    ]
    postal = [name for name in candidates if is_postal_code_name(name)]
    found = dict.fromkeys(postal, "its name is a postal code's")
    written = _as_written(path, [c for c in candidates if c not in found])
    for name, values in written.items():
        values = values.dropna().str.strip()
        values = values[(values != "") & ~values.isin([m.strip() for m in MISSING_TEXTS])]
        padded = values[values.str.match(_LEADING_ZERO)]
        one_width = values.str.len().nunique() == 1
        if one_width and len(padded) >= max(1, _LEAST_PADDED_SHARE * len(values)):
            found[name] = f"its values are padded with zeros, as {padded.iloc[0]}"
    return found


def _whole_numbers(column: pd.Series) -> bool:
    values = column.dropna().to_numpy(dtype=float)
    return len(values) > 0 and bool(np.all(np.isfinite(values) & (values == np.round(values))))


def _is_text_type(arrow_type: pa.DataType) -> bool:
    if pa.types.is_dictionary(arrow_type):
        return _is_text_type(arrow_type.value_type)
    return pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)


def _as_written(path: Path, names: list[str]) -> dict[str, pd.Series]:
    """These columns' values as the file writes them (a CSV's first _ZERO_SAMPLE_ROWS rows; a
    Parquet file's text columns), for the ones it holds as text; a CSV's marks of a missing
    cell ("NA", "?") missing, as the file was read."""
    if not names:
        return {}
    if path.is_dir() or table_suffix(path) == ".parquet":
        try:
            schema = pq.read_schema(parquet_parts(path)[0] if path.is_dir() else path)
            text = [n for n in names if n in schema.names and _is_text_type(schema.field(n).type)]
            table = pq.read_table(path, columns=text) if text else None
        except (pa.ArrowException, OSError, IndexError):
            return {}
        if table is None:
            return {}
        return {n: table[n].to_pandas().dropna().astype(str) for n in text}
    read = partial(
        pd.read_csv,
        path,
        sep=csv_delimiter(path),
        usecols=names,
        dtype=str,
        nrows=_ZERO_SAMPLE_ROWS,
        na_values=list(MISSING_TEXTS),
    )
    # the encoding the whole file was read in may be a later one than its first rows need:
    # the names then read otherwise, and the next encoding is tried
    for reading in csv_readings(path):
        try:
            frame = read(**reading)
            return {n: frame[n] for n in names}
        except (UnicodeDecodeError, ValueError):
            continue
        except pd.errors.ParserError:
            return {}
    return {}


def csv_delimiter(path: str | Path) -> str:
    """The delimiter of a CSV file's header line: the most frequent of , ; tab | outside
    quotes (comma when there is none, as for a one-column file)."""
    with open_text(path) as handle:
        header = handle.readline()
    outside, quoted = [], False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted:
            outside.append(char)
    text = "".join(outside)
    counts = {d: text.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_features(path: str | Path) -> tuple[pd.DataFrame, list]:
    """A credo feature table and its catalog metadata (list of FeatureMeta)."""
    from credo.features.table import FeatureTableError, read_feature_table

    path = Path(path)
    if not path.exists():
        raise TableError(f"{path}: no such file; build one with `credo features`")
    if path.is_dir():
        raise TableError(f"{path} is a folder, not a feature table (a Parquet file)")
    try:
        table, meta = read_feature_table(path)
    except FeatureTableError as exc:
        raise TableError(f"{exc}; for a plain table use --table") from None
    except pa.ArrowInvalid as exc:
        raise TableError(
            f"{path} is not a feature table: a Parquet file written by `credo features` ({exc});"
            " for a plain table (CSV or Parquet) use --table"
        ) from None
    return table.to_pandas(), list(meta)


def feature_table_catalog(path: str | Path) -> str | None:
    """The feature catalog a credo feature table was built with (None when it does not say)."""
    return _feature_table_says(path, "catalog_version")


def feature_table_policy(path: str | Path) -> str | None:
    """The policy a credo feature table was built under (None when it does not say)."""
    return _feature_table_says(path, "policy")


def _credo_metadata(path: str | Path) -> dict | None:
    """A feature table's credo metadata, None for a file that is no feature table; read once
    per version of the file (the checks before scoring ask it several things)."""
    try:
        stat = Path(path).stat()
    except OSError:
        return None
    return _credo_metadata_of(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _credo_metadata_of(path: str, _mtime_ns: int, _size: int) -> dict | None:
    from credo.features.table import FeatureTableError, read_table_metadata

    try:
        return read_table_metadata(path)
    except (FeatureTableError, OSError, ValueError):
        return None


def is_feature_table(path: str | Path) -> bool:
    """Whether the file is a table `credo features` wrote (its credo metadata on it)."""
    return _credo_metadata(path) is not None


def check_fits_the_model(path: str | Path, training: dict, as_table: bool = False) -> None:
    """Refuse a feature table the model cannot score as it was trained: built under another
    policy (`check_built_under`) or of another catalog (`check_same_catalog`). `as_table`: the
    file came as a plain table (--table), checked so where it is a credo feature table and the
    model was trained on one (the same features, whichever option named them)."""
    if as_table and not (training.get("kind") == "features" and is_feature_table(path)):
        return
    check_built_under(
        path, training.get("policy"), "the model follows", training.get("policy_rules")
    )
    check_same_catalog(path, training)


def _feature_table_says(path: str | Path, key: str) -> str | None:
    """One entry of a credo feature table's metadata as text (None when it does not say, or
    is no feature table)."""
    value = (_credo_metadata(path) or {}).get(key)
    return None if value is None else str(value)


# Models written before their training record named the feature catalog were trained on this
# one or an earlier: a table of a later catalog is refused, an earlier one taken as it was
UNRECORDED_CATALOG = "1.4"


def check_same_catalog(path: str | Path, training: dict) -> None:
    """Refuse a feature table built with another feature catalog than the model was trained
    on: a feature whose meaning changed (no data written -1 where it was 0) would be scored
    by the other's bins."""
    if training.get("kind") != "features" or not is_feature_table(path):
        return  # not a feature table at all: its reader says so
    built = feature_table_catalog(path)
    trained = training.get("catalog_version")
    if trained is None:
        different = _version(built) is not None and _version(built) > _version(UNRECORDED_CATALOG)
        trained = f"{UNRECORDED_CATALOG} or earlier"
    elif built is None:
        # a table that names no catalog was written before tables named theirs (1.4 or
        # earlier), or by hand: a model of a later catalog cannot take it on trust
        trained_version = _version(str(trained))
        different = trained_version is None or trained_version > _version(UNRECORDED_CATALOG)
        built = f"{UNRECORDED_CATALOG} or earlier (the table names none)"
    else:
        different = built != str(trained)
    if different:
        raise TableError(
            f"{path} was built with feature catalog {built}, the model was trained on features"
            f" of catalog {trained}: score it on features built by the credo it was trained"
            " with, or train the model again on features built now"
        )


def _version(text: str | None) -> tuple[int, ...] | None:
    """A catalog version's numbers ("1.4" -> (1, 4)); None for one that is no such version."""
    parts = (text or "").split(".")
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else None


def _policy_argument(name: str) -> str:
    """What to give --policy for a policy of this name: the preset, or its file."""
    from credo.policy import PRESETS

    return name if name in PRESETS else f"<the policy file named {name!r}>"


def check_built_under(
    path: str | Path, policy: str | None, what: str, rules: str | None = None
) -> None:
    """Refuse a feature table built under another policy than `policy` (which decides the
    sources and features allowed, and how long negative data counts), or under a policy file
    of its name whose rules differ (`rules`: the policy's fingerprint, credo.policy.Policy.rules;
    None: not known, as in models written before it was recorded)."""
    built = feature_table_policy(path)
    if policy and built and built != policy:
        raise TableError(
            f"{path} was built under policy {built!r}, but {what} policy {policy!r}: build the "
            f"features with `credo features --policy {_policy_argument(policy)}`"
        )
    built_rules = _feature_table_says(path, "policy_rules")
    if policy and built == policy and rules and built_rules and built_rules != rules:
        raise TableError(
            f"{path} was built under a policy named {built!r} whose rules differ from those of"
            f" the policy {what} (other sources, features, protected attributes or months of"
            " negative data under one name): build the features again with `credo features"
            f" --policy {_policy_argument(policy)}`"
        )


def read_outcomes(path: Path) -> pd.DataFrame:
    """An outcomes file: Parquet, or CSV (its user_id read as text)."""
    if not path.exists():
        raise TableError(f"{path}: no such outcomes file (Parquet or CSV of user_id, as_of, bad)")
    suffix = table_suffix(path)
    try:
        if suffix in (".csv", ".txt", ".tsv"):
            if (utf16 := utf16_text(path)) is not None:
                raise TableError(utf16)
            return _outcomes_csv(path)
        frame = pq.read_table(path).to_pandas()
        return frame.rename(columns=lambda name: str(name).strip())
    except (OSError, ValueError, pa.ArrowException, EOFError) as exc:
        raise TableError(
            f"{path}: not a readable outcomes file ({exc}); give Parquet or CSV with columns "
            "user_id, as_of, bad"
        ) from None


def id_text(ids: pd.Series) -> pd.Series:
    """Ids as the text they are matched by, as `credo features` and ingest read them: spaces
    around them aside, a whole number held as a decimal (as a column with a gap is, 7.0) as
    the whole number; a missing or empty id None."""
    if pd.api.types.is_float_dtype(ids.dtype):
        whole = ids.dropna()
        if (whole == whole.round()).all():
            ids = ids.astype("Int64")
    text = ids.astype(object).where(ids.notna(), None)
    text = text.map(lambda v: None if v is None else str(v).strip(" "))
    return text.where(text != "", None)


def _outcomes_csv(path: Path) -> pd.DataFrame:
    """An outcomes CSV as `credo features --as-of-file` reads it: names without the spaces
    around them, and the user_id as written ("007" and "NA" are ids; an empty one is none),
    in UTF-8 or a Windows encoding."""
    delimiter = csv_delimiter(path)
    for reading in csv_readings(path):
        try:
            read = partial(pd.read_csv, path, sep=delimiter, **reading)
            names = [str(name) for name in read(nrows=0).columns]
            ids = [name for name in names if name.strip() == "user_id"]
            frame = read(dtype=dict.fromkeys(ids, str))
            if ids:  # its ids again, none of them read as missing but the empty ones
                written = read(usecols=ids[:1], dtype=str, keep_default_na=False)[ids[0]]
                frame[ids[0]] = written.where(written.str.strip() != "", None)
            return frame.rename(columns=lambda name: str(name).strip())
        except UnicodeDecodeError:
            continue
    raise AssertionError("unreachable: latin-1 reads any bytes")


def _missing_key(value: object) -> object:
    """The value, or None for any kind of missing one (None, NaN, NaT, NA)."""
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _as_of_day(values: pd.Series, what: str) -> pd.Series:
    """The day of each as-of value as `credo features --as-of-file` reads it (one reader for
    both: an outcomes file train takes is the file its features were built from): a date as it
    is, a timestamp's day on its own clock (a midnight of May 1st in Shanghai is May 1st),
    text only as YYYY-MM-DD, never a guess between day and month; `what` names the file in
    an error, with the data row."""
    from credo.features.engines import FeatureInputError, as_of_days

    try:
        column = pa.array(values, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        # a column of dates and words alike: each value's own kind said by the reader below
        column = pa.array(values.map(lambda v: None if _missing_key(v) is None else str(v)))
    try:
        days = as_of_days(column, what)
    except FeatureInputError as exc:
        raise TableError(str(exc)) from None
    missing = pc.is_null(days)
    if pc.any(missing).as_py():
        first = pc.index(missing, True).as_py()
        raise TableError(
            f"{what} has {pc.sum(missing).as_py():,} row(s) without an as_of date (the first in"
            f" data row {first + 1:,}): give each row its date, YYYY-MM-DD"
        )
    # by position: a file pandas wrote keeps its frame's index (a slice's 900.., a shuffle's),
    # and a Series given another index is matched to it by label, each row another's date
    return days.to_pandas().astype("datetime64[us]").set_axis(values.index)


def _day_text(value: object) -> str:
    return "no date" if _missing_key(value) is None else f"{pd.Timestamp(value):%Y-%m-%d}"


def _unmatched_words(unmatched: pd.DataFrame, features: pd.DataFrame, path: Path) -> str:
    """What to say of outcomes that no feature row answers: the first few, by person and
    date, and the dates the feature table holds (a table built as of one date for all, joined
    to outcomes of each person's own date, is the usual cause)."""
    count = len(unmatched)
    if "as_of" in unmatched.columns:
        sample = ", ".join(
            f"{user} as of {_day_text(day)}"
            for user, day in unmatched[["user_id", "as_of"]].head(3).itertuples(index=False)
        )
        dates = pd.Series(features["as_of"].dropna().unique()).sort_values()
        held = f"; the feature table holds {len(dates):,} as-of date(s), " + (
            ", ".join(map(_day_text, dates))
            if len(dates) <= 3
            else f"{_day_text(dates.iloc[0])} to {_day_text(dates.iloc[-1])}"
        )
    else:
        sample = ", ".join(map(str, unmatched["user_id"].head(3)))
        held = ""
    more = ", ..." if count > 3 else ""
    return (
        f"{count:,} outcome(s) of {path} have no feature row (e.g. {sample}{more}){held}:"
        f" build the features with `credo features --as-of-file {path}`, which gives each"
        " outcome its row"
    )


def join_outcomes(
    features: pd.DataFrame, outcomes_path: str | Path, target: str = "bad"
) -> pd.DataFrame:
    """Feature rows with their ``bad`` outcome (the outcomes file's `target` column), matched
    on user_id (and as_of when both have it).

    The outcomes file chooses the sample: feature rows without an outcome (people the file
    does not label, such as a held-out set) are left out; an outcome without a feature row is
    an error naming the first few, since it means the features were built for other dates.
    """
    path = Path(outcomes_path)
    outcomes = read_outcomes(path)
    if "user_id" not in outcomes.columns:
        raise TableError(f"{path}: the outcomes file has no 'user_id' column")
    if target not in outcomes.columns:
        others = ", ".join(map(str, outcomes.columns))
        raise TableError(
            f"{path}: the outcomes file has no {target!r} column (it has {others}); name its"
            " outcome column with --target"
        )
    if target != "bad":
        outcomes = outcomes.drop(columns=["bad"], errors="ignore").rename(columns={target: "bad"})
    # " u1" is u1, as ingest stores the events' ids and `credo features` reads the as-of file
    outcomes = outcomes.assign(user_id=id_text(outcomes["user_id"]))
    blank = outcomes["user_id"].isna()
    if blank.any():
        first = int(np.flatnonzero(blank.to_numpy())[0])
        raise TableError(
            f"{path} has {int(blank.sum()):,} outcome(s) without a user_id (the first in data"
            f" row {first + 1:,}): give each outcome its person"
        )
    if outcomes.empty:
        raise TableError(f"{path}: the outcomes file has no rows; give one row per person")
    # an outcome column the feature table carries too is the outcomes file's to give
    features = features.drop(columns=[c for c in ("bad",) if c in features.columns])
    keys = ["user_id"]
    if "as_of" in outcomes.columns and "as_of" in features.columns:
        keys.append("as_of")
        outcomes = outcomes.assign(as_of=_as_of_day(outcomes["as_of"], f"{path}"))
        features = features.assign(as_of=_as_of_day(features["as_of"], "the feature table"))
    elif "as_of" in features.columns and features["user_id"].duplicated().any():
        twice = features.loc[features["user_id"].duplicated(), "user_id"].iloc[0]
        raise TableError(
            f"the feature table holds several as-of dates for some people (e.g. {twice}) and "
            f"{path} has no as_of column: give each outcome its as_of date"
        )
    if outcomes.duplicated(keys).any():
        twice = outcomes.loc[outcomes.duplicated(keys), keys].iloc[0]
        named = ", ".join(
            f"{key} {_day_text(twice[key]) if key == 'as_of' else twice[key]}" for key in keys
        )
        raise TableError(
            f"{path}: more than one outcome per {' + '.join(keys)} (e.g. {named}): keep one"
            " outcome for each"
        )
    if features.duplicated(keys).any():
        twice = features.loc[features.duplicated(keys), "user_id"].iloc[0]
        raise TableError(
            f"the feature table has more than one row per {' + '.join(keys)} (e.g. {twice}): "
            "build it once per person and date"
        )
    joined = features.merge(
        outcomes[keys + ["bad"]], on=keys, how="right", validate="m:1", indicator=True
    )
    unmatched = joined["_merge"] == "right_only"
    if unmatched.any():
        raise TableError(_unmatched_words(joined.loc[unmatched, keys], features, path))
    joined = joined.drop(columns="_merge")
    return joined

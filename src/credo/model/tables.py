"""Reading the tables the model trains and scores on into one in-memory form (pandas).

Two kinds of input: credo feature tables (Parquet + catalog metadata, joined to an outcomes
file for training) and plain tables (CSV or Parquet, one row per person).
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from credo.model.columns import decimal_comma_columns_as_numbers, percent_columns_as_numbers

FEATURE_KEYS = ("user_id", "as_of")
TEXT_NUMBERS = "credo_text_numbers"  # DataFrame.attrs key: {column: "percent" | "decimal_comma"}


class TableError(ValueError):
    """A table cannot be used as given; the message says why and what to do."""


def as_frame(X: Any) -> pd.DataFrame:
    """A pandas DataFrame from a DataFrame, an Arrow table or a dict of arrays, its column
    names as text (features are named by text everywhere: models, SQL, reasons)."""
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
    else:
        raise TypeError(f"expected a DataFrame, a pyarrow Table or a dict of arrays, got {type(X)}")
    names = [str(c) for c in frame.columns]
    repeated = sorted(n for n, count in Counter(names).items() if count > 1)
    if repeated:
        raise ValueError(f"column names repeat: {', '.join(repeated)}; give each column its own")
    if any(not isinstance(c, str) for c in frame.columns):
        frame = frame.set_axis(names, axis=1)
    return frame


def read_plain_table(path: str | Path, text_columns: Sequence[str | None] = ()) -> pd.DataFrame:
    """A CSV or Parquet file with one row per person (percentages such as "13.5%", and in
    files not separated by commas numbers such as "1,5", read as numbers: see
    `credo.model.columns`). A CSV's `text_columns` (an id) are read verbatim, as text:
    customer numbers such as "000123" keep their zeros."""
    verbatim = {str(c) for c in text_columns if c is not None}
    path = Path(path)
    if not path.exists():
        raise TableError(f"{path}: no such file; give a CSV or Parquet table")
    suffix = path.suffix.lower()
    delimiter = ","
    if suffix == ".parquet":
        frame = pq.read_table(path).to_pandas()
    elif suffix in (".csv", ".txt", ".tsv"):
        delimiter = csv_delimiter(path)
        try:
            frame = _read_csv(path, delimiter, verbatim)
            _check_header(path, delimiter)
        except pd.errors.EmptyDataError:
            raise TableError(f"{path}: the file is empty; give a header line and rows") from None
        except pd.errors.ParserError as exc:
            raise TableError(f"{path}: not a readable CSV table ({exc})") from None
    else:
        raise TableError(f"{path}: unknown table format {suffix!r}; use .csv or .parquet")
    if frame.empty:
        raise TableError(f"{path}: the table has no rows")
    read_as_numbers: dict[str, str] = {}
    steps = [("percent", percent_columns_as_numbers)]
    if delimiter != ",":
        steps.insert(0, ("decimal_comma", decimal_comma_columns_as_numbers))
    for kind, convert in steps:
        text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
        frame = _except(frame, verbatim, convert)
        for name in text:
            if pd.api.types.is_numeric_dtype(frame[name]):
                read_as_numbers[str(name)] = kind
    # which text columns were read as numbers, and how: the SQL export reads them the same way
    frame.attrs[TEXT_NUMBERS] = read_as_numbers
    return frame


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


def _read_csv(path: Path, delimiter: str, text_columns: set[str] = frozenset()) -> pd.DataFrame:
    types = dict.fromkeys(text_columns, str)
    for encoding in ENCODINGS[:-1]:
        try:
            return pd.read_csv(path, sep=delimiter, encoding=encoding, dtype=types)
        except UnicodeDecodeError:
            continue
    return pd.read_csv(path, sep=delimiter, encoding=ENCODINGS[-1], dtype=types)


def _check_header(path: Path, delimiter: str) -> None:
    """Refuse repeated column names, which pandas would quietly rename ("income.1")."""
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        header = next(csv.reader(handle, delimiter=delimiter), [])
    names = [name.strip() for name in header if name.strip()]
    repeated = sorted(n for n, count in Counter(names).items() if count > 1)
    if repeated:
        raise TableError(
            f"{path}: column names repeat in the header: {', '.join(repeated)}; give each"
            " column its own name"
        )


def csv_delimiter(path: str | Path) -> str:
    """The delimiter of a CSV file's header line: the most frequent of , ; tab | outside
    quotes (comma when there is none, as for a one-column file)."""
    with open(path, encoding="utf-8", errors="replace") as handle:
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
    try:
        table, meta = read_feature_table(path)
    except FeatureTableError as exc:
        raise TableError(f"{exc}; for a plain table use --table") from None
    return table.to_pandas(), list(meta)


def join_outcomes(features: pd.DataFrame, outcomes_path: str | Path) -> pd.DataFrame:
    """Feature rows with their ``bad`` outcome, matched on user_id (and as_of when both have it).

    The outcomes file chooses the sample: feature rows without an outcome (people the file
    does not label, such as a held-out set) are left out; an outcome without a feature row is
    an error naming the first few, since it means the features were built for other dates.
    """
    path = Path(outcomes_path)
    if not path.exists():
        raise TableError(f"{path}: no such outcomes file (Parquet with user_id, as_of, bad)")
    outcomes = pq.read_table(path).to_pandas()
    for column in ("user_id", "bad"):
        if column not in outcomes.columns:
            raise TableError(f"{path}: the outcomes file has no {column!r} column")
    keys = ["user_id"]
    if "as_of" in outcomes.columns and "as_of" in features.columns:
        keys.append("as_of")
        outcomes = outcomes.assign(as_of=pd.to_datetime(outcomes["as_of"], utc=True))
        features = features.assign(as_of=pd.to_datetime(features["as_of"], utc=True))
    if outcomes.duplicated(keys).any():
        raise TableError(f"{path}: more than one outcome per {' + '.join(keys)}")
    joined = features.merge(
        outcomes[keys + ["bad"]], on=keys, how="right", validate="m:1", indicator=True
    )
    unmatched = joined["_merge"] == "right_only"
    if unmatched.any():
        sample = ", ".join(map(str, joined.loc[unmatched, "user_id"].head(5)))
        raise TableError(
            f"{int(unmatched.sum())} outcomes have no feature row (user_id {sample}, ...); "
            "build features with --as-of-file on the same outcomes file"
        )
    joined = joined.drop(columns="_merge")
    return joined

"""Fingerprints of training rows, to tell evaluation data that holds them whatever its file.

The model file records the hash of every byte of its training files (`data_fingerprint`), which
tells only an exact copy: the same rows shuffled, saved as CSV instead of Parquet, or with new
rows added were evaluated as unseen data, and the report showed a training AUC as a held-out
one. So training also keeps a sample of its rows' fingerprints: each row's values in the
columns read alike from any file (numbers as numbers, text as text; not the columns read
from text as numbers, which another file may write otherwise), a dozen of them at most,
those of the most distinct values, hashed. Evaluation looks for them among its own rows.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd

# Rows sampled: enough to tell a share of 5 % from none (about 25 found against 0)
SAMPLE_ROWS = 500
# Evaluation rows of which this share or more are training rows are the training data; from
# TRAINING_ROWS_SOME on, a share of them is, and the report says so
TRAINING_ROWS_ALL = 0.9
TRAINING_ROWS_SOME = 0.05
_MISSING_TEXT = "\x00missing"


# The columns a fingerprint reads at most: those of the most distinct values among the rows
# sampled (a row is told apart by a few such columns; hashing 50 of a million rows took 2.3 s)
PRINT_COLUMNS = 12


def comparable_columns(frame: pd.DataFrame, skip: Collection[str] = ()) -> list[str]:
    """The columns whose values any file of the table gives alike, in name order: not lists,
    records or raw bytes (Parquet's nested and binary columns, left out of the model: they
    had stopped training after the fit, unhashable or not text)."""
    return sorted(
        str(c) for c in frame.columns if str(c) not in skip and not _nested_or_bytes(frame[c])
    )


def _nested_or_bytes(column: pd.Series) -> bool:
    from credo.model.columns import is_nested

    # the same test as the model's columns left out (lists, records), and raw bytes
    present = column.dropna()
    return is_nested(column) or (not present.empty and isinstance(present.iloc[0], bytes))


def _telling_columns(sampled: pd.DataFrame, columns: list[str]) -> list[str]:
    """Of `columns`, the PRINT_COLUMNS of the most distinct values among the sampled rows
    (ties by name), in name order."""
    distinct = {name: int(sampled[name].nunique(dropna=False)) for name in columns}
    chosen = sorted(columns, key=lambda name: (-distinct[name], name))[:PRINT_COLUMNS]
    return sorted(chosen)


def row_prints(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Each row's fingerprint over `columns` (uint64): numbers as 64-bit floats (an integer
    column of Parquet and the same column read from CSV alike, or read as text: evaluation
    reads a column the model bins as categories as text, "2" where training had 2), anything
    else as its text."""
    same = {}
    for name in columns:
        column = frame[name]
        if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
            same[name] = pd.to_numeric(column, errors="coerce").astype("float64").to_numpy()
        elif (numbers := _text_numbers(column)) is not None:
            same[name] = numbers
        else:
            text = column.astype(object).where(column.notna(), _MISSING_TEXT)
            same[name] = text.astype(str).str.strip().to_numpy()
    table = pd.DataFrame(same, columns=columns)
    return pd.util.hash_pandas_object(table, index=False).to_numpy(dtype=np.uint64)


def _text_numbers(column: pd.Series) -> np.ndarray | None:
    """A text column's values as 64-bit floats where every value given reads as a number
    (missing ones as NaN), else None."""
    present = column.notna()
    if not present.any():
        return None
    text = column.astype(object).where(present).astype(str).str.strip()
    numbers = pd.to_numeric(text.where(present), errors="coerce")
    if numbers[present].isna().any():
        return None
    return numbers.astype("float64").to_numpy()


def training_sample(frame: pd.DataFrame, skip: Collection[str] = ()) -> dict[str, Any]:
    """What the model file keeps: the columns, how many rows, how many of values no other
    training row has, and up to SAMPLE_ROWS of those rows' fingerprints (hex), drawn with a
    fixed seed."""
    rng = np.random.default_rng(0)
    chosen = np.sort(rng.choice(len(frame), size=min(SAMPLE_ROWS, len(frame)), replace=False))
    columns = _telling_columns(frame.iloc[chosen], comparable_columns(frame, skip))
    prints = row_prints(frame, columns)
    # a row whose values another training row has too (people of whom nothing is known, all
    # at "no data") would be found in any data holding such people: only rows of their own
    values, counts = np.unique(prints, return_counts=True)
    own = values[counts == 1]
    kept = rng.choice(own, size=min(SAMPLE_ROWS, own.size), replace=False) if own.size else own
    return {
        "columns": columns,
        "rows": len(frame),
        "own_rows": int(own.size),
        "prints": [f"{int(p):016x}" for p in np.sort(kept)],
    }


def training_rows_share(sample: dict[str, Any] | None, frame: pd.DataFrame) -> float | None:
    """About what share of `frame`'s rows are training rows: the share of the sampled
    training rows found among them, times the training rows, over these rows. None where
    the model kept no sample, or `frame` lacks a column of it."""
    if not sample or not sample.get("prints") or len(frame) == 0:
        return None
    columns = list(sample["columns"])
    if any(name not in frame.columns for name in columns):
        return None
    present = set(row_prints(frame, columns).tolist())
    kept = [int(p, 16) for p in sample["prints"]]
    found = sum(p in present for p in kept) / len(kept)
    # found among the rows of values of their own, and taken to hold for the others alike
    return min(1.0, found * int(sample["rows"]) / len(frame))


def training_rows_interval(
    share: float | None, sample: dict[str, Any] | None, rows: int, z: float = 1.96
) -> list[float] | None:
    """A 95 % interval of `training_rows_share`'s figure on `rows` rows: Wilson's, of the
    share of the sampled training rows found (500 of them: a share of 30 % is known to about
    six points either way), scaled as the figure is. None where there is no figure."""
    if share is None or not sample or not sample.get("prints") or rows == 0:
        return None
    kept, trained = len(sample["prints"]), int(sample["rows"])
    found = min(1.0, share * rows / trained)
    centre = (found + z * z / (2 * kept)) / (1 + z * z / kept)
    half = z * np.sqrt(found * (1 - found) / kept + z * z / (4 * kept * kept)) / (1 + z * z / kept)
    return [max(0.0, (centre - half) * trained / rows), min(1.0, (centre + half) * trained / rows)]

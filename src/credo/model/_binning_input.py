"""Reading binning inputs: columns of a pandas DataFrame, a pyarrow Table, a dict of arrays or a
2-D numpy array (columns named x0, x1, ...), and a 0/1 target."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from credo.model.bins import as_float_array, widened


def column_names(X: Any) -> list[str]:
    """The column names of a table-like input, in order."""
    if isinstance(X, pd.DataFrame):
        return [str(c) for c in X.columns]
    if isinstance(X, pa.Table | pa.RecordBatch):
        return list(X.column_names)
    if isinstance(X, Mapping):
        return [str(c) for c in X]
    if isinstance(X, np.ndarray) and X.ndim == 2:
        return [f"x{i}" for i in range(X.shape[1])]
    raise TypeError(
        "expected a pandas DataFrame, a pyarrow Table, a dict of arrays or a 2-D numpy array, "
        f"got {type(X).__name__}"
    )


def n_rows(X: Any) -> int:
    """Number of rows of a table-like input (all columns must agree)."""
    if isinstance(X, pd.DataFrame | pa.Table | pa.RecordBatch | np.ndarray):
        return len(X)
    lengths = {name: len(values) for name, values in X.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"columns have different lengths: {lengths}; give equal-length arrays")
    return next(iter(lengths.values()), 0)


def raw_column(X: Any, name: str) -> Any:
    """One column as the input holds it (Series, ChunkedArray or array); clear error if absent."""
    if isinstance(X, pd.DataFrame):
        if name not in X.columns:
            raise _absent(name, X.columns)
        return X[name]
    if isinstance(X, pa.Table | pa.RecordBatch):
        if name not in X.column_names:
            raise _absent(name, X.column_names)
        return X.column(name)
    if isinstance(X, np.ndarray):
        names = column_names(X)
        if name not in names:
            raise _absent(name, names)
        return X[:, names.index(name)]
    if name not in X:
        raise _absent(name, list(X))
    return X[name]


def _absent(name: str, present: Any) -> ValueError:
    shown = list(present)[:20]
    return ValueError(f"column {name!r} is not in the input (columns: {shown}); add it or drop it")


def is_numeric(column: Any) -> bool:
    """True for number and boolean columns (binned by cut points), False for text/objects."""
    if isinstance(column, pd.Series):
        return bool(pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column))
    if isinstance(column, pa.ChunkedArray | pa.Array):
        kind = column.type
        return bool(
            pa.types.is_integer(kind)
            or pa.types.is_floating(kind)
            or pa.types.is_boolean(kind)
            or pa.types.is_decimal(kind)
            or pa.types.is_null(kind)
        )
    return np.asarray(column).dtype.kind in "biuf"


def numeric_values(column: Any, name: str) -> np.ndarray:
    """A numeric column as float64 with NaN for missing."""
    if isinstance(column, pa.ChunkedArray | pa.Array):
        if not pa.types.is_floating(column.type):
            column = pc.cast(column, pa.float64())
        values = column.to_numpy(zero_copy_only=False)
        if values.dtype.itemsize < 8:  # float32: as its decimal text reads
            return widened(values)
        return np.asarray(values, dtype=np.float64)
    return as_float_array(column, name)


def categorical_values(column: Any) -> np.ndarray:
    """A column as a 1-D object array (None/NaN kept for missing)."""
    if isinstance(column, pd.Series):
        return column.to_numpy(dtype=object)
    if isinstance(column, pa.ChunkedArray | pa.Array):
        if pa.types.is_dictionary(column.type):  # to_numpy would lose the nulls
            column = pc.cast(column, column.type.value_type)
        return np.asarray(column.to_numpy(zero_copy_only=False), dtype=object)
    return np.asarray(column, dtype=object).reshape(-1)


def as_target(y: Any, expected_rows: int | None = None) -> np.ndarray:
    """The target as an int8 0/1 array; clear error naming the first bad row otherwise."""
    if isinstance(y, pd.Series | pd.Index):
        values = y.to_numpy(dtype=object if y.hasnans else None)
    elif isinstance(y, pa.ChunkedArray | pa.Array):
        values = np.asarray(y.to_numpy(zero_copy_only=False))
    else:
        values = np.asarray(y)
    values = values.reshape(-1)
    if expected_rows is not None and len(values) != expected_rows:
        raise ValueError(f"the target has {len(values)} rows but the features have {expected_rows}")
    if values.dtype.kind == "b":
        return values.astype(np.int8)
    if values.dtype.kind in "iuf":
        good = (values == 0) | (values == 1)
        if good.all():
            return values.astype(np.int8)
    else:
        good = np.array([_is_zero_or_one(v) for v in values.tolist()], dtype=bool)
        if good.all():
            return np.asarray(values.tolist(), dtype=np.int8)
    row = int(np.flatnonzero(~good)[0])
    raise ValueError(
        f"the target must be 0 (good) or 1 (bad); row {row} holds {values.tolist()[row]!r}: "
        "fix or drop that row"
    )


def _is_zero_or_one(value: Any) -> bool:
    if value is None or value is pd.NA:
        return False
    try:
        return bool(value == 0 or value == 1)
    except (TypeError, ValueError):
        return False

"""The rows of a chunk that ingest stores, as one Arrow table in EVENT_SCHEMA's columns.

Validation (credo.events.validate) defines every stored value: `staging_sql` casts each raw
field to its type. Most fields of a typed file (Parquet) are already of that type, and
copying them out of DuckDB again would cost more than the validation itself, so a field is
taken from the chunk as read whenever its cast is the identity:

* the chunk's column has the field's Arrow type (a dictionary of strings counts as text);
* for text, no value is the empty string (which the cast turns into NULL), no user_id
  begins or ends with a space (which the cast trims) and every currency is written as stored
  (upper case, unpadded);
* `attributes` always comes from the cast, which stores JSON minified.

Every other field, and every field of a chunk whose raw rows live only in DuckDB (JSONL),
comes from DuckDB's result, read in the chunk's row order and checked against it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from credo.events.schema import EVENT_SCHEMA, FIELDS
from credo.events.validate import ROW_NUMBER, value_type

KEEP = "credo_keep"


def _any_text(column: pa.ChunkedArray, test) -> bool:
    """Whether `test` (an Arrow compute function of text) holds for some value."""
    chunks = column.chunks
    if pa.types.is_dictionary(column.type):
        # An unused dictionary entry may answer True: the field is then cast, still exact.
        chunks = [chunk.dictionary for chunk in chunks]
    return any(bool(pc.any(test(chunk)).as_py()) for chunk in chunks)


def _has_empty_text(column: pa.ChunkedArray) -> bool:
    return _any_text(column, lambda text: pc.equal(text, ""))


def _has_padded_text(column: pa.ChunkedArray) -> bool:
    return _any_text(column, lambda text: pc.match_substring_regex(text, "^ | $"))


def _has_unstored_currency(column: pa.ChunkedArray) -> bool:
    """Some code is written otherwise than stored ("usd", " EUR": `currency_code`)."""
    return _any_text(
        column, lambda text: pc.not_equal(pc.utf8_upper(pc.utf8_trim(text, " ")), text)
    )


def fields_as_read(chunk: pa.Table | None) -> list[str]:
    """The fields whose stored values are the chunk's values unchanged."""
    if chunk is None:
        return []
    same = []
    for name in FIELDS:
        if name == "attributes" or name not in chunk.column_names:
            continue
        wanted = EVENT_SCHEMA.field(name).type
        column = chunk[name]
        if value_type(column.type) != wanted:
            continue
        if pa.types.is_string(wanted) and _has_empty_text(column):
            continue
        if name == "user_id" and _has_padded_text(column):
            continue
        if name == "currency" and _has_unstored_currency(column):
            continue
        same.append(name)
    return same


def result_sql(staging: str, as_read: list[str]) -> str:
    """What DuckDB returns for a chunk: row number, whether the row is valid, and the fields
    not taken as read. DuckDB keeps the chunk's row order (preserve_insertion_order, its
    default); `accepted_table` checks it and sorts only if it was not kept."""
    cast = [f'"{name}"' for name in FIELDS if name not in as_read]
    columns = ", ".join([ROW_NUMBER, f"bad_field IS NULL AS {KEEP}", *cast])
    return f"SELECT {columns} FROM ({staging})"


def accepted_table(
    chunk: pa.Table | None,
    result: pa.Table,
    as_read: list[str],
    set_aside: np.ndarray,
) -> tuple[pa.Table, int]:
    """The valid rows not in `set_aside` (row numbers of duplicates and conflicts) as an
    EVENT_SCHEMA-ordered table, and the number of valid rows."""
    if chunk is not None and as_read and not result[ROW_NUMBER].equals(chunk[ROW_NUMBER]):
        result = result.take(pc.sort_indices(result[ROW_NUMBER]))
        if not result[ROW_NUMBER].equals(chunk[ROW_NUMBER]):
            raise RuntimeError("validation did not return each row of the chunk once")
    valid = result[KEEP]
    n_valid = int(pc.sum(valid).as_py() or 0)
    keep = valid
    if len(set_aside):
        repeated = pc.is_in(result[ROW_NUMBER], value_set=pa.array(set_aside, pa.int64()))
        keep = pc.and_(valid, pc.invert(repeated))
    columns = []
    for name in FIELDS:
        source = chunk if name in as_read else result
        columns.append(source[name])
    table = pa.table(columns, names=list(FIELDS))
    if n_valid - len(set_aside) != table.num_rows:
        table = table.filter(keep)
    return table, n_valid

"""Text columns made from integers without per-string work.

Ids have a fixed width, so a column of them is one (rows, width) byte matrix written straight
into an Arrow string array's buffers. Decimal digits come from a lookup table of every
four-digit group, packed eight bytes at a time; pieces are laid side by side as the fields
of a packed numpy record, so assembling millions of ids costs a few memory passes.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

_MAX_STRING_BYTES = 2**31 - 1  # Arrow's `string` type has 32-bit offsets


def _four_digit_groups() -> np.ndarray:
    """For 0..9999, the four ASCII digits (zero-padded, first digit in the lowest byte)."""
    numbers = np.arange(10_000, dtype=np.uint64)
    packed = np.zeros(10_000, np.uint64)
    for position in range(4):
        digit = numbers // np.uint64(10 ** (3 - position)) % np.uint64(10)
        packed |= (digit + np.uint64(ord("0"))) << np.uint64(8 * position)
    return packed


_FOUR_DIGITS = _four_digit_groups()


def packed_decimal(values: np.ndarray, width: int, lead: str = "") -> np.ndarray:
    """`lead` then each value in `width` zero-padded digits, as 8-byte fields ('<u8').

    `len(lead) + width` must be 8 and width at least 4; values must fit in `width` digits.
    """
    if len(lead) + width != 8 or width < 4:
        raise ValueError("packed_decimal needs len(lead) + width == 8 and width >= 4")
    values = np.asarray(values, np.int64)
    if values.size and (values.min() < 0 or values.max() >= 10**width):
        raise ValueError(f"a value does not fit in {width} decimal digits")
    high, low = np.divmod(values, 10_000)
    # The high group has 4 - len(lead) digits: its leading zeros give way to `lead`.
    lead_mask = np.uint64((1 << (8 * len(lead))) - 1)
    lead_bytes = np.uint64(int.from_bytes(lead.encode("ascii"), "little"))
    packed = (_FOUR_DIGITS[high] & ~lead_mask) | lead_bytes
    packed |= _FOUR_DIGITS[low] << np.uint64(32)
    return packed.astype("<u8", copy=False)


def constant(text: str) -> np.ndarray:
    """The same text for every row, as a one-entry piece for `text_matrix`."""
    return np.frombuffer(text.encode("ascii"), f"V{len(text)}")


def as_pieces(matrix: np.ndarray) -> np.ndarray:
    """An (n, width) byte matrix as n opaque width-byte values, a piece for `text_matrix`."""
    matrix = np.ascontiguousarray(matrix, np.uint8)
    return matrix.view(f"V{matrix.shape[1]}").reshape(len(matrix))


def text_matrix(pieces: list[np.ndarray], rows: int) -> np.ndarray:
    """The (rows, width) byte matrix whose row i is the concatenation of each piece's row i.

    A piece is an array of fixed-size values (opaque bytes, or `packed_decimal` digits) with
    one entry per row, or one entry for every row.
    """
    offsets, width = [], 0
    for piece in pieces:
        offsets.append(width)
        width += piece.dtype.itemsize
    layout = np.dtype(
        {
            "names": [f"p{i}" for i in range(len(pieces))],
            "formats": [piece.dtype for piece in pieces],
            "offsets": offsets,
            "itemsize": width,
        }
    )
    records = np.empty(rows, layout)
    for i, piece in enumerate(pieces):
        records[f"p{i}"] = piece
    return records.view(np.uint8).reshape(rows, width)


def string_array(matrix: np.ndarray, valid: np.ndarray | None = None) -> pa.StringArray:
    """A string array of the matrix's rows; with `valid`, the rows fill only the valid slots
    (in order) and the other slots are null."""
    count, width = matrix.shape
    if count * width > _MAX_STRING_BYTES:
        raise ValueError("too much text for one Arrow string array; generate in smaller chunks")
    if valid is None:
        n = count
        offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
        validity = None
    else:
        n = len(valid)
        offsets = np.zeros(n + 1, np.int32)
        np.cumsum(np.where(valid, np.int32(width), np.int32(0)), out=offsets[1:])
        validity = pa.array(valid).buffers()[1]
    data = np.ascontiguousarray(matrix).reshape(-1)
    return pa.Array.from_buffers(
        pa.string(), n, [validity, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


def take_rows(matrix: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The matrix's rows at `rows` as a piece for `text_matrix` (one memcpy per row)."""
    return as_pieces(np.take(matrix, rows, axis=0))

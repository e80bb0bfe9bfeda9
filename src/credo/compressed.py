"""Tables that come compressed (`loans.csv.gz`, a `cs-training.zip` holding one CSV), read
as they are: a table's format is that of the file inside, and every look at its text goes
through `open_text`, so nothing is unpacked onto the disk."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TextIO

# the compressions read, by suffix; pandas infers the same ones from a file's name
COMPRESSIONS = (".gz", ".bz2", ".xz", ".zip")


class CompressedTableError(ValueError):
    """A compressed file that cannot be read as one table; the message says what to do."""


def is_compressed(path: str | Path) -> bool:
    return Path(path).suffix.lower() in COMPRESSIONS


def _zip_member(path: Path) -> str:
    """The one file a zip archive holds (folders and macOS's `__MACOSX` extras aside)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [
                info.filename
                for info in archive.infolist()
                if not info.is_dir() and not info.filename.startswith("__MACOSX/")
            ]
    except zipfile.BadZipFile as exc:
        raise CompressedTableError(f"{path}: not a readable zip archive ({exc})") from None
    if len(names) != 1:
        held = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "") or "no files"
        raise CompressedTableError(
            f"{path}: the zip archive holds {len(names)} files ({held}); give one table:"
            " unzip it and name the file"
        )
    return names[0]


def inner_suffix(path: str | Path) -> str:
    """The table's own suffix, lower case: ".csv" for `loans.csv.gz`, the suffix of the file
    inside a zip archive, and a plain file's own suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return Path(_zip_member(path)).suffix.lower()
    if suffix in COMPRESSIONS:
        return Path(path.stem).suffix.lower()
    return suffix


def open_binary(path: str | Path) -> BinaryIO:
    """The file's bytes, decompressed where its suffix says it is compressed."""
    return open_counted(path)[0]


def open_counted(path: str | Path) -> tuple[BinaryIO, Callable[[], int]]:
    """The file's bytes, decompressed where its suffix says it is compressed, and how many
    of the file's own bytes have been read (for progress against the file's size)."""
    path = Path(path)
    suffix = path.suffix.lower()
    member = _zip_member(path) if suffix == ".zip" else None
    raw = open(path, "rb")  # noqa: SIM115 (closed by the reader returned)
    try:
        if suffix == ".gz":
            handle: BinaryIO = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
        elif suffix == ".bz2":
            handle = bz2.BZ2File(raw, "rb")  # type: ignore[assignment]  # noqa: SIM115
        elif suffix == ".xz":
            handle = lzma.LZMAFile(raw, "rb")  # type: ignore[assignment]  # noqa: SIM115
        elif member is not None:
            handle = zipfile.ZipFile(raw).open(member)  # type: ignore[assignment]  # noqa: SIM115
        else:
            return raw, raw.tell
    except Exception:
        raw.close()
        raise
    return _Closing(handle, raw), raw.tell  # type: ignore[return-value]


class _Closing(io.BufferedIOBase):
    """A decompressing reader that closes the file under it when it is closed."""

    def __init__(self, inner: BinaryIO, raw: BinaryIO) -> None:
        self._inner, self._raw = inner, raw

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return self._inner.read(-1 if size is None else size)

    def read1(self, size: int = -1) -> bytes:
        return self._inner.read1(size) if hasattr(self._inner, "read1") else self.read(size)

    def readline(self, size: int | None = -1) -> bytes:
        return self._inner.readline(-1 if size is None else size)

    def close(self) -> None:
        if not self.closed:
            try:
                self._inner.close()
            finally:
                self._raw.close()
                super().close()


def utf16_text(path: str | Path) -> str | None:
    """What to tell of a file of UTF-16 text (a byte-order mark, as a spreadsheet's "Unicode
    text" begins), which a CSV reader reads as text with a NUL byte between letters: the
    words of an error; None for any other file."""
    try:
        with open_binary(path) as handle:
            start = handle.read(2)
    except Exception:  # an unreadable file is its reader's to name
        return None
    if start not in (b"\xff\xfe", b"\xfe\xff"):
        return None
    return (
        f"{path} is UTF-16 text (as a spreadsheet's 'Unicode text' is saved): save it as"
        " 'CSV UTF-8' (or convert it to UTF-8) and give that file"
    )


def open_text(
    path: str | Path, encoding: str = "utf-8", errors: str = "replace", newline: str | None = None
) -> TextIO:
    """The file's text, decompressed where its suffix says it is compressed."""
    return io.TextIOWrapper(open_binary(path), encoding=encoding, errors=errors, newline=newline)

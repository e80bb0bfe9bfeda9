"""Tables that come compressed (`loans.csv.gz`, a `cs-training.zip` holding one CSV), read
as they are: a table's format is that of the file inside, and every look at its text goes
through `open_text`, so nothing is unpacked onto the disk."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zipfile
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
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".gz":
        return gzip.open(path, "rb")
    if suffix == ".bz2":
        return bz2.open(path, "rb")
    if suffix == ".xz":
        return lzma.open(path, "rb")
    if suffix == ".zip":
        # the member keeps the archive's file open until it is closed itself
        return zipfile.ZipFile(path).open(_zip_member(path))  # type: ignore[return-value]
    return open(path, "rb")


def open_text(
    path: str | Path, encoding: str = "utf-8", errors: str = "replace", newline: str | None = None
) -> TextIO:
    """The file's text, decompressed where its suffix says it is compressed."""
    return io.TextIOWrapper(open_binary(path), encoding=encoding, errors=errors, newline=newline)

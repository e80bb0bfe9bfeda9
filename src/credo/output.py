"""Output files written whole or not at all.

A file is written under a temporary name beside its destination and renamed onto it only
once complete: a run stopped midway (Ctrl-C, a full disk, an error) leaves the file that was
there before, never a truncated one that looks finished. The temporary name carries the
writing process's id: what a process killed outright (kill -9, no cleanup) left is removed
by the next write of the same file.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def people(count: int) -> str:
    """A count of people as a sentence says it: "1 person", "2 people"."""
    return f"{count:,} {'person' if count == 1 else 'people'}"


def first_few(items: list[str], shown: int = 3) -> str:
    """The first `shown` items joined by commas, and how many more there are ("a, b and 4
    more"), for a message that names a few of many."""
    more = f" and {len(items) - shown:,} more" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


@contextlib.contextmanager
def replacing(path: str | Path) -> Iterator[Path]:
    """A temporary path to write to; on success it becomes `path` (parents made as needed).
    A symbolic link is written through (its target replaced, the link kept); a file that is
    there keeps its permissions, and one this process may not write is refused as before."""
    given = Path(path)
    target = Path(os.path.realpath(given))
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, "permission denied", str(given))
    prefix = f".{target.name}."
    for stale in _left_by_the_dead(target.parent, prefix, _PART):
        stale.unlink(missing_ok=True)
    handle, name = tempfile.mkstemp(
        prefix=f"{prefix}{os.getpid()}-", suffix=".part", dir=target.parent
    )
    os.close(handle)
    temporary = Path(name)
    try:
        try:
            if target.exists():
                mode = target.stat().st_mode & 0o7777
            else:  # mkstemp makes the file private (0600): as readable as any file written here
                mask = os.umask(0)
                os.umask(mask)
                mode = 0o666 & ~mask
            temporary.chmod(mode)
            yield temporary
            os.replace(temporary, target)
        except OSError as exc:
            # named by the path the user gave, not the hidden temporary file
            raise OSError(exc.errno, exc.strerror or str(exc), str(given)) from None
    finally:
        temporary.unlink(missing_ok=True)


def write_text(path: str | Path, text: str) -> Path:
    """`text` as UTF-8 (whatever the locale), written whole or not at all."""
    with replacing(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return Path(path)


def staging_folder(out: Path) -> Path:
    """A hidden folder beside `out` to write a whole dataset into before it is moved into
    place, this process's own; the ones of processes no longer running (killed midway, their
    cleanup never ran) are removed first."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{out.name}.partial-"
    for stale in _left_by_the_dead(out.parent, prefix, re.compile(r"(\d+)")):
        shutil.rmtree(stale, ignore_errors=True)
    staging = out.parent / f"{prefix}{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    return staging


# What follows a partial file's prefix: the writer's process id, and mkstemp's random part
_PART = re.compile(r"(\d+)-[a-z0-9_]{8}\.part")


def _left_by_the_dead(folder: Path, prefix: str, rest: re.Pattern) -> list[Path]:
    """The entries named `prefix` then `rest` (whose group is a process id) in `folder` whose
    process is no longer running. Only the whole name counts: another file's partial file
    (`.scores.csv.2024-05-01.<pid>-....part` beside `scores.csv`) is not this one's."""
    stale = []
    for entry in folder.glob(glob.escape(prefix) + "*"):
        found = rest.fullmatch(entry.name[len(prefix) :])
        if found is None:
            continue
        pid = int(found.group(1))
        if pid != os.getpid() and not _running(pid):
            stale.append(entry)
    return stale


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True

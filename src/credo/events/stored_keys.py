"""Which rows of a chunk may repeat an event_id, found without scanning the stored ids.

Dedup used to join every chunk with the whole stored event_id column, so each chunk cost
more as the store grew. Instead, one ingest hashes the stored ids once (DuckDB's 64-bit
`hash`), keeps the hashes in memory as a few sorted runs, and looks each chunk's hashes up
by binary search. A row whose hash is unseen cannot be a duplicate or a conflict; only
the few rows whose hash is seen (in the store or earlier in the chunk) are compared by
their real event_id. Hashes only ever narrow the search: a collision costs an exact
comparison, never a wrong verdict, and hashes of rows that were later rolled back are
harmless for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np

# DuckDB's 64-bit string hash, taken at two alignments: on its own it collides for ids that
# differ in a few bytes at the same offset modulo 8 (280k of 10M generated ids collided, each
# collision costing an exact lookup among the stored ids); xor-ed with the hash of the id
# without its first character, none did. The same id hashes the same within one process,
# which is all this needs (the hashes are rebuilt by each ingest, never stored).
_ID = "CAST(event_id AS VARCHAR)"
HASH_SQL = f"xor(hash({_ID}), hash(substr({_ID}, 2)))"


@dataclass
class ChunkKeys:
    """A chunk's event_id hashes and the row numbers whose ids need an exact comparison."""

    hashes: np.ndarray  # uint64, one per row of the chunk (any order)
    seen_before: np.ndarray  # row numbers whose hash is already in the store
    repeated: np.ndarray  # row numbers whose hash occurs more than once in the chunk

    @property
    def suspects(self) -> np.ndarray:
        return np.union1d(self.seen_before, self.repeated)


@dataclass
class StoredKeys:
    """The hashes of every stored event_id, as sorted runs that merge as they grow: each
    run is more than twice the size of the next, so a lookup searches O(log n) runs and a
    hash is merged O(log n) times. Memory: 8 bytes per stored event."""

    runs: list[np.ndarray] = field(default_factory=list)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> StoredKeys:
        hashes = con.execute(f"SELECT {HASH_SQL} AS h FROM events").fetchnumpy()["h"]
        keys = cls()
        keys.add(np.asarray(hashes, dtype=np.uint64))
        return keys

    def __len__(self) -> int:
        return sum(len(run) for run in self.runs)

    def contains(self, sorted_hashes: np.ndarray) -> np.ndarray:
        """For sorted hashes, a mask of those present in a run."""
        found = np.zeros(len(sorted_hashes), dtype=bool)
        for run in self.runs:
            at = np.searchsorted(run, sorted_hashes)
            inside = at < len(run)
            found[inside] |= run[at[inside]] == sorted_hashes[inside]
        return found

    def add(self, hashes: np.ndarray) -> None:
        if len(hashes) == 0:
            return
        self.runs.append(np.sort(hashes))
        while len(self.runs) > 1 and len(self.runs[-2]) <= 2 * len(self.runs[-1]):
            newest = self.runs.pop()
            # Radix sort of two sorted runs: linear in their size.
            self.runs[-1] = np.sort(np.concatenate([self.runs[-1], newest]), kind="stable")

    def lookup(self, numbers: np.ndarray, hashes: np.ndarray) -> ChunkKeys:
        """The rows (by number) whose id hash is stored already or repeats among `hashes`."""
        sorted_hashes = np.sort(hashes)
        seen = self.contains(sorted_hashes)
        same_as_next = sorted_hashes[1:] == sorted_hashes[:-1]
        repeated = np.zeros(len(hashes), dtype=bool)
        repeated[1:] |= same_as_next
        repeated[:-1] |= same_as_next
        if not (seen.any() or repeated.any()):  # the usual case: all new, all distinct
            return ChunkKeys(hashes, numbers[:0], numbers[:0])
        # Sorting again with the permutation is paid only when some rows need a look.
        order = np.argsort(hashes, kind="stable")
        return ChunkKeys(
            hashes=hashes,
            seen_before=np.sort(numbers[order[seen]]),
            repeated=np.sort(numbers[order[repeated]]),
        )


def hash_ids(
    con: duckdb.DuckDBPyConnection, source: str, row_number: str
) -> tuple[np.ndarray, np.ndarray]:
    """Row numbers (int64) and event id hashes (uint64) of `source`'s rows."""
    got = con.execute(f"SELECT {row_number} AS n, {HASH_SQL} AS h FROM {source}").fetchnumpy()
    return np.asarray(got["n"], dtype=np.int64), np.asarray(got["h"], dtype=np.uint64)

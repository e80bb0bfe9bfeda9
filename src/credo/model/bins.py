"""The fitted bins of one feature, as plain data.

A `Bins` holds everything needed to put a value in its bin and read its weight of evidence
(WoE), and nothing about how the bins were found (that is `credo.model.binning`). It round-trips
through JSON exactly (`to_dict` / `from_dict`), so the scorer, the report and the SQL export all
read the same numbers.

Bin order, always: the regular bins, then one bin per special value, then ONE missing bin last.

* numeric: `edges` are k-1 ascending cut points for k regular bins. Bin 0 is x < edges[0],
  bin i is edges[i-1] <= x < edges[i], the last is x >= edges[-1]: a value equal to an edge
  goes to the right.
* categorical: `groups` holds the levels of each regular bin (levels compared as text, integral
  numbers without ".0": 1, 1.0 and "1" are the same level).

WoE convention: woe = ln(share of goods / share of bads), HIGHER WoE means SAFER; a special
value's or the missing bin's counts are read with a few pseudo-rows at the sample's rates, and
a regular bin's zero count as that class's share of all rows
(`_binning_stats.woe_with_empty_rule`; every other regular bin gets its exact WoE). A bin with
no training rows (a special value never seen, no missing values at fit) has count 0 and the WoE
of the riskiest regular bin, never a silent 0.

Categorical levels not seen at fit follow `unseen`:
  "riskiest" (default) -> the regular bin with the lowest WoE (the riskiest group),
  "missing" -> the missing bin, "error" -> ValueError naming the levels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from credo.model._binning_stats import iv_terms
from credo.model.text_numbers import reads_as_level_number

BINS_FORMAT = "credo.bins/1"
KINDS = ("numeric", "categorical")
TRENDS = ("ascending", "descending", "peak", "valley", "none")
UNSEEN_RULES = ("riskiest", "missing", "error")

# Comparison counting beats np.searchsorted by ~5x for the few cut points bins have,
# but the accumulator must hold the bin count.
_COMPARISON_COUNTING_MAX_EDGES = 64


def level_key(value: Any) -> str | None:
    """The text a categorical level is compared by; None for a missing value."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        if float(value).is_integer():
            return str(int(value))
        return repr(float(value))
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def loose_level_key(value: Any) -> str | None:
    """The level a text reads as when it is no level itself: a number's canonical text ("01",
    "1.0" and " 1" read as "1"), "true"/"false" in any case as "True"/"False". A table whose
    column holds numbers or booleans as text (a CSV read by another tool, a database column of
    text) then scores as the numbers or booleans training saw; None for other values."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.lower() in ("true", "false"):
        return text.lower().capitalize()
    if not reads_as_level_number(value):  # as the exported SQL reads it, on every engine
        return None
    number = float(text)
    return level_key(number) if math.isfinite(number) else None


# Words for yes and no that a table may hold as text, and a database or a Parquet file as a
# boolean (DuckDB's CSV reader takes a column of yes/no or T/F for BOOLEAN)
TRUE_WORDS = frozenset({"true", "t", "yes", "y", "on"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "off"})


def boolean_word_levels(levels: Sequence[str]) -> dict[str, str]:
    """The level a true or a false value reads as ("True" -> "yes", "False" -> "no") among
    categorical levels that spell yes and no in words, one level each; empty where they do
    not (or spell one answer twice: "yes" and "YES" may sit in different bins)."""
    found = _spellings_by_answer(levels)
    if len(found["True"]) != 1 or len(found["False"]) != 1:
        return {}
    return {answer: words[0] for answer, words in found.items()}


def _spellings_by_answer(levels: Sequence[str]) -> dict[str, list[str]]:
    """The levels spelling yes ("True") and no ("False") in words, in the levels' order."""
    found: dict[str, list[str]] = {"True": [], "False": []}
    for level in levels:
        word = str(level).strip().lower()
        if word in TRUE_WORDS:
            found["True"].append(str(level))
        elif word in FALSE_WORDS:
            found["False"].append(str(level))
    return found


def answers_spelt_twice(levels: Sequence[str]) -> list[str]:
    """The levels spelling yes or no in words where one answer is spelt two ways or more
    ("yes" and "Yes"): kept apart, so no boolean reads as one of them (boolean_word_levels)."""
    found = _spellings_by_answer(levels)
    return [level for spelt in found.values() if len(spelt) > 1 for level in spelt]


def answer_level(value: Any, levels: Sequence[str]) -> str | None:
    """The one of `levels` spelling yes or no in words (boolean_word_levels) that a boolean or
    another spelling of the answer ("Yes", "Y", " YES") reads as; None for other values."""
    if isinstance(value, bool | np.bool_):
        answer: str | None = str(bool(value))
    elif isinstance(value, str):
        word = value.strip().lower()
        answer = "True" if word in TRUE_WORDS else "False" if word in FALSE_WORDS else None
    else:
        return None
    return boolean_word_levels(levels).get(answer) if answer else None


def widened(values: np.ndarray) -> np.ndarray:
    """float32 (or float16) values as the float64 of their shortest decimal text: 0.21 stored
    in 32 bits is 0.21, not 0.20999999344348907, so a file of float32 bins as its CSV does and
    a value written 0.21 is not below a cut at 0.21 (the exported SQL reads a FLOAT so too).
    A float16 is read as the float32 it is exactly, as DuckDB reads a Parquet HALF (a FLOAT):
    0.8198242, not 0.82. Each distinct value is written once (0.8 s a million values one by
    one)."""
    values = np.asarray(values)
    if values.dtype == np.float16:
        values = values.astype(np.float32)
    distinct, where = np.unique(values.reshape(-1), return_inverse=True)
    return np.asarray(distinct.astype(str), dtype=np.float64)[where]


def as_float_array(values: Any, feature: str = "x") -> np.ndarray:
    """A 1-D float64 array of `values`; None/NA become NaN; a float32 one `widened`. Clear
    error on non-numbers."""
    if isinstance(values, pd.Series | pd.Index):
        if values.dtype.kind == "f" and values.dtype.itemsize < 8:  # numpy, nullable, Arrow
            return widened(values.to_numpy(dtype=np.float32, na_value=np.nan))
        try:
            return values.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise _not_numeric(feature, values) from exc
    if hasattr(values, "to_numpy") and hasattr(values, "null_count"):  # a pyarrow array
        values = values.to_numpy(zero_copy_only=False)
    array = np.asarray(values)
    if array.dtype.kind == "f" and array.dtype.itemsize == 8:
        return array.reshape(-1)
    if array.dtype.kind == "f":
        return widened(array)
    try:
        return np.asarray(array, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        if array.dtype == object:  # pandas' NA (nullable booleans and integers) is missing
            try:
                return (
                    pd.Series(array.reshape(-1))
                    .astype("Float64")
                    .to_numpy(dtype=np.float64, na_value=np.nan)
                )
            except (TypeError, ValueError):
                pass
        raise _not_numeric(feature, array) from exc


def _not_numeric(feature: str, values: Any) -> ValueError:
    bad = next((v for v in np.asarray(values, dtype=object).reshape(-1) if not _is_number(v)), "?")
    return ValueError(
        f"feature {feature!r} is numeric but got the non-numeric value {bad!r}; "
        "clean the column or declare it categorical"
    )


def _is_number(value: Any) -> bool:
    if value is None:
        return True
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _level_text(level: str) -> str:
    """A category's level as a label shows it: an empty or space-edged level quoted ("{}"
    read as no level at all)."""
    return f'"{level}"' if level != level.strip() or not level else level


def format_number(value: float) -> str:
    """A short human form of a cut point or special value: 250, 0.125, -1, 3.4e-12."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    # the shortest text that reads back as the same number (cut points are chosen short):
    # rounded to six decimals, a cut at 0.00012961 read 0.00013 and told people in the bin
    # below it that they were above it
    if value != 0 and not 1e-4 <= abs(value) < 1e15:
        return np.format_float_scientific(value, unique=True, trim="-")
    return np.format_float_positional(value, unique=True, trim="-")


RISK_SHAPES = {
    "ascending": "rises with the value",
    "descending": "falls as the value rises",
    "peak": "highest in the middle",
    "valley": "highest at both ends",
}


@dataclass(frozen=True)
class Bins:
    """The fitted bins of one feature (see the module docstring for the conventions)."""

    feature: str
    kind: str
    edges: tuple[float, ...] = ()
    groups: tuple[tuple[str, ...], ...] = ()
    specials: tuple[float | str, ...] = ()
    count: tuple[int, ...] = ()
    bad: tuple[int, ...] = ()
    woe: tuple[float, ...] = ()
    iv: float = 0.0
    monotonic: str = "none"
    unseen: str = "riskiest"
    # a categorical's levels (rare ones pooled as one) that its grouping ordered by their own
    # bad rates: the search the IV of a noise column reflects (0 for numeric bins)
    ordered_levels: int = 0
    _level_to_bin: dict[str, int] = field(default=None, init=False, repr=False, compare=False)
    _woe_array: np.ndarray = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "edges", tuple(float(e) for e in self.edges))
        set_(self, "groups", tuple(tuple(str(v) for v in g) for g in self.groups))
        if self.kind == "numeric":
            set_(self, "specials", tuple(float(s) for s in self.specials))
        else:
            set_(self, "specials", tuple(level_key(s) for s in self.specials))
        set_(self, "count", tuple(int(c) for c in self.count))
        set_(self, "bad", tuple(int(b) for b in self.bad))
        set_(self, "woe", tuple(float(w) for w in self.woe))
        set_(self, "iv", float(self.iv))
        set_(self, "ordered_levels", int(self.ordered_levels))
        self._validate()
        set_(self, "_level_to_bin", {lv: i for i, g in enumerate(self.groups) for lv in g})
        set_(self, "_woe_array", np.asarray(self.woe, dtype=np.float64))

    def _validate(self) -> None:
        where = f"bins of {self.feature!r}"
        if self.kind not in KINDS:
            raise ValueError(f"{where}: kind {self.kind!r} is not one of {KINDS}")
        if self.monotonic not in TRENDS:
            raise ValueError(f"{where}: monotonic {self.monotonic!r} is not one of {TRENDS}")
        if self.unseen not in UNSEEN_RULES:
            raise ValueError(f"{where}: unseen {self.unseen!r} is not one of {UNSEEN_RULES}")
        if self.kind == "numeric" and self.groups:
            raise ValueError(f"{where}: numeric bins take edges, not groups")
        if self.kind == "categorical" and self.edges:
            raise ValueError(f"{where}: categorical bins take groups, not edges")
        if self.kind == "categorical" and not self.groups:
            raise ValueError(f"{where}: categorical bins need at least one group")
        if any(not math.isfinite(e) for e in self.edges):
            raise ValueError(f"{where}: edges must be finite numbers, got {self.edges}")
        if any(b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)):
            raise ValueError(f"{where}: edges must be strictly ascending, got {self.edges}")
        if len(set(self.specials)) != len(self.specials):
            raise ValueError(f"{where}: special values repeat: {self.specials}")
        seen: set[str] = set()
        for group in self.groups:
            for level in group:
                if level in seen:
                    raise ValueError(f"{where}: level {level!r} is in more than one group")
                seen.add(level)
        for name in ("count", "bad", "woe"):
            got = len(getattr(self, name))
            if got != self.n_bins:
                raise ValueError(f"{where}: {name} has {got} entries, expected {self.n_bins} bins")
        if any(b < 0 or b > c for b, c in zip(self.bad, self.count, strict=True)):
            raise ValueError(f"{where}: each bin needs 0 <= bad <= count")
        if any(not math.isfinite(w) for w in self.woe):
            raise ValueError(f"{where}: every WoE must be finite, got {self.woe}")

    # ---- shape -------------------------------------------------------------------------

    @property
    def n_regular(self) -> int:
        """Number of regular bins (before the specials and the missing bin)."""
        return len(self.edges) + 1 if self.kind == "numeric" else len(self.groups)

    @property
    def n_bins(self) -> int:
        """All bins: regular, one per special value, and the missing bin."""
        return self.n_regular + len(self.specials) + 1

    @property
    def missing_index(self) -> int:
        """Index of the missing bin (always the last)."""
        return self.n_bins - 1

    @property
    def riskiest_regular_index(self) -> int:
        """The regular bin with the lowest WoE (the highest bad risk)."""
        return int(np.argmin(self.woe[: self.n_regular]))

    def risk_shape(self) -> str:
        """How the bad rate runs over the regular bins, in words for a risk committee."""
        if self.kind != "numeric":
            return "grouped by category"
        return RISK_SHAPES.get(self.monotonic, "no order")

    def bad_rate(self) -> np.ndarray:
        """Bad rate of each bin (NaN for a bin with no training rows)."""
        count = np.asarray(self.count, dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, np.asarray(self.bad) / count, np.nan)

    def labels(self) -> list[str]:
        """Human labels of every bin, in bin order."""
        if self.kind == "numeric":
            regular = _numeric_labels(self.edges)
        else:
            regular = ["{" + ", ".join(map(_level_text, group)) + "}" for group in self.groups]
        specials = [
            f"special: {format_number(s) if isinstance(s, float) else s}" for s in self.specials
        ]
        return regular + specials + ["missing"]

    # ---- assigning values --------------------------------------------------------------

    def index(self, x: Any) -> np.ndarray:
        """The bin index (int32) of every value of `x`; NaN/None go to the missing bin."""
        return self.compact_index(x).astype(np.int32, copy=False)

    def woe_of(self, x: Any, out: np.ndarray | None = None) -> np.ndarray:
        """The WoE (float64) of every value of `x` (written into `out` when given)."""
        # mode="clip": indices are always valid, and "raise" would buffer `out`
        return np.take(self._woe_array, self.compact_index(x), out=out, mode="clip")

    def compact_index(self, x: Any) -> np.ndarray:
        """Like `index` in the smallest integer type that holds every bin (uint8 mostly)."""
        if self.kind == "numeric":
            return self._numeric_index(as_float_array(x, self.feature))
        return self._categorical_index(x)

    def _numeric_index(self, x: np.ndarray) -> np.ndarray:
        index = regular_bin_index(x, np.asarray(self.edges))
        if self.n_bins > np.iinfo(index.dtype).max:
            index = index.astype(np.int32)
        for offset, special in enumerate(self.specials):
            np.putmask(index, x == special, self.n_regular + offset)
        missing = np.isnan(x)
        if missing.any():
            np.putmask(index, missing, self.missing_index)
        return index

    def _categorical_index(self, x: Any) -> np.ndarray:
        bins, _, unseen = self._categorical_bins(x)
        if unseen and self.unseen == "error":
            raise ValueError(
                f"feature {self.feature!r}: levels not seen at fit: {sorted(unseen)[:10]}; "
                "refit with them or set unseen='riskiest' or 'missing'"
            )
        return bins

    def unseen_levels(self, x: Any) -> np.ndarray:
        """True where a value is a categorical level not seen at fit (scored by `unseen`)."""
        if self.kind == "numeric":
            return np.zeros(len(x), dtype=bool)
        return self._categorical_bins(x)[1]

    def _categorical_bins(self, x: Any) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Each value's bin (unseen levels by the `unseen` rule), whether it is unseen, and
        the unseen levels."""
        if hasattr(x, "to_numpy") and hasattr(x, "null_count"):  # a pyarrow array
            from credo.model._binning_input import categorical_values

            x = categorical_values(x)
        codes, uniques = pd.factorize(np.asarray(x, dtype=object).reshape(-1), use_na_sentinel=True)
        special_bin = {s: self.n_regular + i for i, s in enumerate(self.specials)}
        # one slot per distinct value, and a last one for code -1 (missing)
        bin_of_unique = np.full(len(uniques) + 1, self.missing_index, dtype=np.int32)
        unseen_unique = np.zeros(len(uniques) + 1, dtype=bool)
        unseen: list[str] = []
        for position, value in enumerate(uniques):
            key = level_key(value)
            if key is None:
                continue
            if key not in special_bin and key not in self._level_to_bin:
                loose = loose_level_key(value)  # a number or boolean written as text
                if loose not in special_bin and loose not in self._level_to_bin:
                    # "Yes" or True where "yes" was written
                    loose = answer_level(value, list(self._level_to_bin))
                if loose in special_bin or loose in self._level_to_bin:
                    key = loose
            if key in special_bin:
                bin_of_unique[position] = special_bin[key]
            elif key in self._level_to_bin:
                bin_of_unique[position] = self._level_to_bin[key]
            else:
                unseen_unique[position] = True
                unseen.append(key)
                bin_of_unique[position] = self._unseen_bin()
        return bin_of_unique[codes], unseen_unique[codes], unseen

    def _unseen_bin(self) -> int:
        if self.unseen == "missing":
            return self.missing_index
        return self.riskiest_regular_index

    # ---- data --------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; `Bins.from_dict(b.to_dict()) == b` exactly."""
        return {
            "format": BINS_FORMAT,
            "feature": self.feature,
            "kind": self.kind,
            "edges": list(self.edges),
            "groups": [list(g) for g in self.groups],
            "specials": list(self.specials),
            "count": list(self.count),
            "bad": list(self.bad),
            "woe": list(self.woe),
            "iv": self.iv,
            "monotonic": self.monotonic,
            "unseen": self.unseen,
            "ordered_levels": self.ordered_levels,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Bins:
        """Rebuild bins from `to_dict()` output; clear error on a malformed dict."""
        if data.get("format", BINS_FORMAT) != BINS_FORMAT:
            raise ValueError(f"bins format {data.get('format')!r} is not {BINS_FORMAT!r}")
        missing = [k for k in ("feature", "kind", "count", "bad", "woe") if k not in data]
        if missing:
            raise ValueError(f"bins data lacks the field(s) {missing}")
        return cls(
            feature=data["feature"],
            kind=data["kind"],
            edges=tuple(data.get("edges", ())),
            groups=tuple(tuple(g) for g in data.get("groups", ())),
            specials=tuple(data.get("specials", ())),
            count=tuple(data["count"]),
            bad=tuple(data["bad"]),
            woe=tuple(data["woe"]),
            iv=data.get("iv", 0.0),
            monotonic=data.get("monotonic", "none"),
            unseen=data.get("unseen", "riskiest"),
            ordered_levels=int(data.get("ordered_levels", 0)),
        )

    def table(self) -> pd.DataFrame:
        """One row per bin: label, count, bad, bad_rate, woe, iv (for reports)."""
        count = np.asarray(self.count, dtype=np.float64)
        bad = np.asarray(self.bad, dtype=np.float64)
        return pd.DataFrame(
            {
                "bin": np.arange(self.n_bins),
                "label": self.labels(),
                "count": np.asarray(self.count, dtype=np.int64),
                "bad": np.asarray(self.bad, dtype=np.int64),
                "bad_rate": self.bad_rate(),
                "woe": np.asarray(self.woe),
                "iv": iv_terms(count - bad, bad, np.asarray(self.woe)),
            }
        )


def regular_bin_index(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Regular-bin index of each value: the number of edges <= x (NaN gives 0).

    uint8 for up to _COMPARISON_COUNTING_MAX_EDGES edges, else int32.
    """
    if len(edges) > _COMPARISON_COUNTING_MAX_EDGES:
        return np.searchsorted(edges, x, side="right").astype(np.int32)
    counter = np.zeros(x.shape[0], dtype=np.uint8)
    above = np.empty(x.shape[0], dtype=np.bool_)
    for edge in edges:
        np.greater_equal(x, edge, out=above)
        counter += above.view(np.uint8)
    return counter


def _numeric_labels(edges: Sequence[float]) -> list[str]:
    if not edges:
        return ["all values"]
    text = [format_number(e) for e in edges]
    middle = [f"[{a}, {b})" for a, b in zip(text, text[1:], strict=False)]
    return [f"< {text[0]}", *middle, f">= {text[-1]}"]

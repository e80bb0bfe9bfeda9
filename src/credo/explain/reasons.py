"""Adverse-action reason codes: which features cost a person the most points.

A feature's loss for a person is its best bin's points minus the points of the person's bin.
The reasons are the (up to) four features with the largest positive loss, largest first, ties
broken by the features' order in the model; an inquiries feature that costs points but is not
among the four is reported as a fifth reason (US adverse-action practice).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

import numpy as np

from credo.model.bins import format_number

N_REASONS = 4
NO_REASON = -1


def feature_codes(names: list[str]) -> dict[str, str]:
    """Stable reason codes by catalog order: the first feature is "R01", the second "R02", ..."""
    width = max(2, len(str(len(names))))
    return {name: f"R{i + 1:0{width}d}" for i, name in enumerate(names)}


def is_inquiry_feature(name: str, dimension: str | None) -> bool:
    """Inquiries are new-credit features whose name mentions inquiries."""
    dim = (dimension or "").replace("_", " ").strip().lower()
    return dim == "new credit" and "inquir" in name.lower()


def inquiry_positions(names: list[str], meta: dict) -> list[int]:
    """Positions of the inquiries features among ``names`` (``meta``: name -> its metadata)."""
    return [
        j
        for j, name in enumerate(names)
        if is_inquiry_feature(name, meta.get(name, {}).get("dimension"))
    ]


def loss_tables(points: list[np.ndarray]) -> list[np.ndarray]:
    """Per feature, points lost in each bin against the feature's best bin (>= 0)."""
    return [np.max(p) - p for p in points]


def top_reasons(loss: np.ndarray, k: int = N_REASONS) -> np.ndarray:
    """Column index of the ``k`` features with the largest positive loss in each row.

    ``loss`` is an integer (n, m) matrix; ties go to the earlier column. Rows with fewer than
    ``k`` positive losses are padded with ``NO_REASON``.
    """
    keys = np.ascontiguousarray(pack_keys(loss).T)
    return ranked_reasons(keys, k)[0]


def ranked_reasons(
    keys: np.ndarray, k: int = N_REASONS, inquiry_rows: list[int] | tuple = ()
) -> tuple[np.ndarray, np.ndarray]:
    """The top ``k`` reasons and the inquiries fifth from packed keys laid out (m, n).

    ``keys[j, i]`` is ``pack_keys`` of feature j for person i; every key in a column is distinct
    because it carries its feature's position, so the r-th reason is the r-th largest key, and
    the key itself says which feature it is. Each round takes a column-wise max (contiguous,
    vectorised) and knocks the winner out; ``keys`` is overwritten. Returns ((n, k) feature
    indices, (n,) inquiries feature index), both ``NO_REASON`` where nothing costs points.
    """
    m, n = keys.shape
    people = np.arange(n)
    top = np.full((n, k), NO_REASON, dtype=np.int32)
    for r in range(min(k, m)):
        best = keys.max(axis=0)
        feature = (m - 1) - best % m
        top[:, r] = np.where(best >= m, feature, NO_REASON)
        keys[feature, people] = NO_REASON
    fifth = np.full(n, NO_REASON, dtype=np.int32)
    if len(inquiry_rows):
        best = keys[list(inquiry_rows)].max(axis=0)
        fifth = np.where(best >= m, (m - 1) - best % m, NO_REASON).astype(np.int32)
    return top, fifth


def pack_keys(loss: np.ndarray) -> np.ndarray:
    """One sortable integer per cell: larger loss first, then the earlier column first."""
    n, m = loss.shape
    dtype = np.int32 if (int(loss.max(initial=0)) + 1) * m < 2**31 else np.int64
    reversed_col = np.arange(m - 1, -1, -1, dtype=dtype)
    return loss.astype(dtype) * m + reversed_col


def inquiry_reason(loss: np.ndarray, top: np.ndarray, inquiry_columns: list[int]) -> np.ndarray:
    """The costliest inquiries column not already among ``top``, where it costs points.

    Returns one column index per row, or ``NO_REASON``.
    """
    n = loss.shape[0]
    fifth = np.full(n, NO_REASON, dtype=np.int32)
    best_loss = np.zeros(n, dtype=loss.dtype)
    for col in inquiry_columns:
        eligible = (loss[:, col] > best_loss) & ~np.any(top == col, axis=1)
        fifth[eligible] = col
        best_loss[eligible] = loss[eligible, col]
    return fifth


def catalog_reason_texts(meta: dict, bins, safety: np.ndarray) -> list[str]:
    """What a person reads for each bin of a catalog feature when it costs them points.

    ``safety`` ranks the bins (points or WoE: higher is safer). A regular bin clearly riskier
    than the average person (`claims`) reads ``reason_low`` below the best bin where the
    feature has one (its direction comes from the data, so a low value can be what costs
    points), else ``reason``. Any other regular bin costs points only against a better bin,
    and the reason's claim would be false of it ("the credit history is short" of twenty
    years, where thirty score best; "statements were rarely paid in full" at three of six):
    it says the person's range and which way scores better, as the best regular bin says its
    range (it costs points only where a special value scores better, "never" applied for
    credit). A special value's bin says what the value means ("no data", "never") and the
    missing bin that there is too little data to work the value out.
    """
    regular = bins.n_regular
    best = int(np.argmax(np.asarray(safety)[:regular])) if regular else 0
    reason, low = meta["reason"], meta.get("reason_low") or ""
    texts = [low if low and b < best else reason for b in range(regular)]
    described, unit = feature_text(meta), meta.get("unit") or ""

    def ranged(b: int) -> str:
        return range_text(described, bins, b, safety, unit)

    pivot = meta.get("reason_pivot")
    if low and pivot is not None and bins.kind == "numeric":
        # texts of a sign ("rising", "falling"): a bin wholly on the other side of the pivot
        # from the best bin reads its side's text (it is why the bin costs points); one that
        # spans the pivot, or lies on the best bin's side (it rose, but less), its range
        edges = [-np.inf, *bins.edges, np.inf]

        def side(b: int) -> str | None:
            # above: strictly (a bin from the pivot on holds the flat ones too)
            return reason if edges[b] > pivot else low if edges[b + 1] <= pivot else None

        for b in range(regular):
            own = side(b)
            texts[b] = own if own and own != side(best) else ranged(b)
    for b in range(regular):
        if b == best or not claims(bins, b, meta):
            texts[b] = ranged(b)
    texts += [special_value_text(meta, value) for value in bins.specials]
    texts.append(missing_value_text(meta))
    return texts


def plain_reason_texts(feature: str, bins, points: np.ndarray, unit: str = "") -> list[str]:
    """What a person reads for each bin of a plain table's column, which has no catalog text.

    A numeric regular bin reads its range in words and, where it scores below the best regular
    bin, which way scores better (`range_text`): without it "dti in [10.86, 17.99)" does not
    say whether to move up or down, which matters where the points bend (a valley or a peak).
    A bin tied with the best says no direction, as neither way scores better. Special values,
    the missing bin and a categorical feature's groups read their labels (a category's own
    level replaces its group when scoring: `level_text`).
    """
    labels = bins.labels()
    regular = np.asarray(points)[: bins.n_regular]
    if bins.kind != "numeric" or not len(regular):
        return [reason_label_text(feature, label) for label in labels]
    readable = feature.replace("_", " ")
    ranged = [range_text(readable, bins, b, regular, unit) for b in range(len(regular))]
    return ranged + [reason_label_text(feature, label) for label in labels[len(regular) :]]


def range_text(described: str, bins, b: int, scores: Any, unit: str = "") -> str:
    """Regular bin `b` as the feature's range in words, and which way scores better where a
    regular bin scores more (`scores`: each bin's points or WoE, the regular ones first): by
    the side of the best bin it lies on, where every bin on the way scores at least as much
    as this one; else (a valley with its best bin at the far end: the next values score less)
    which values score best. A bin tied with the best scores as well, so neither way is better
    from it; a category's group has no side."""
    regular = np.asarray(scores, dtype=float)[: bins.n_regular]
    best = int(np.argmax(regular))
    said = f"{described}: {range_words(bins, b, unit)}"
    if bins.kind != "numeric" or regular[b] == regular[best] or unit == "yes_no":
        return said  # of a yes or a no, the other is the way to score better
    between = regular[min(b, best) + 1 : max(b, best)]
    if np.all(between >= regular[b]):
        return f"{said} ({'a higher' if b < best else 'a lower'} value scores better)"
    return f"{said} (values {range_words(bins, best, unit)} score best)"


def claims(bins, b: int, meta: dict | None = None) -> bool:
    """Whether the catalog's reason may be said of regular bin `b`: the bin is clearly riskier
    than the average person, its WoE below 0 and at least half as far below as the feature's
    riskiest regular bin's (a bin just under the average, as three statements of six paid in
    full can be, is told its range), and every value in it lies past the feature's reason
    bound, where there is one (`reason_holds`)."""
    riskiest = min(bins.woe[: bins.n_regular])
    if not (bins.woe[b] < 0 and bins.woe[b] <= riskiest / 2):
        return False
    if bins.kind != "numeric":
        return True
    edges = [-math.inf, *bins.edges, math.inf]
    return bool(reason_holds(meta, edges[b], edges[b + 1]))


def reason_holds(meta: dict | None, low: Any, high: Any) -> Any:
    """Whether a feature's reason is true of every value from `low` to under `high` (numbers,
    or arrays of them): past its `reason_bound` (above it where a higher value is riskier,
    below it where safer), or anywhere if it has none."""
    bound = (meta or {}).get("reason_bound")
    if bound is None:
        return np.ones(np.shape(low), dtype=bool) if np.ndim(low) else True
    if meta.get("direction") == "higher_is_riskier":
        return np.asarray(low) > bound
    return np.asarray(high) <= bound


def range_words(bins, b: int, unit: str = "") -> str:
    """A regular bin's values as a person reads them, in the feature's unit (spec.UNITS):
    "under 100", "1,000 to under 2,500", "25% or more", "30 to under 60 days"; a group of
    categories as its label."""
    if bins.kind != "numeric":
        return bins.labels()[b]
    return span_words(bins.edges, b, b, unit)


def span_words(edges: list[float], low: int, high: int, unit: str = "") -> str:
    """Regular bins `low` to `high` of a numeric feature cut at `edges` as one range of values,
    worded as `range_words` words one bin."""
    if low == 0 and high == len(edges):
        return "any value"
    if unit == "count":
        return _count_words(edges, low, high)
    if unit == "yes_no":
        return _yes_no_words(edges, low, high)
    if low == 0:
        return f"under {written(edges[high], unit)}"
    if high == len(edges):
        return f"{written(edges[low - 1], unit)} or more"
    return f"{_number(edges[low - 1], unit)} to under {written(edges[high], unit)}"


def _yes_no_words(edges: list[float], low: int, high: int) -> str:
    """Bins of a true/false column (read as 1 and 0) as the answers they hold: "no", "yes"."""
    bottom = edges[low - 1] if low > 0 else -math.inf
    top = edges[high] if high < len(edges) else math.inf
    held = [word for value, word in ((1, "yes"), (0, "no")) if bottom <= value < top]
    return " or ".join(held) if held else span_words(edges, low, high)


def unit_labels(bins, unit: str | None) -> list[str]:
    """`bins.labels()`, the regular bins of a true/false column (read as 1 and 0) as the
    answers they hold ("no", "yes") rather than the cut ("< 1", ">= 1")."""
    labels = bins.labels()
    if unit == "yes_no" and bins.kind == "numeric":
        labels[: bins.n_regular] = [_yes_no_words(bins.edges, b, b) for b in range(bins.n_regular)]
    return labels


def _count_words(edges: list[float], low: int, high: int) -> str:
    """Bins of a count as the whole numbers they hold: [3, 4) is "3", [1, 3) "1 to 2", under 1
    "0" (a count is never negative), 5 or more "5 or more"."""
    first = math.ceil(edges[low - 1]) if low > 0 else 0
    if high == len(edges):
        return f"{first} or more"
    last = math.ceil(edges[high]) - 1
    if low == 0 and edges[0] <= 0:
        return f"under {format_number(edges[0])}"  # no count lies there: as the cut reads
    return str(first) if first >= last else f"{first} to {last}"


def split_side_text(
    feature: str, bins, members: list[int], meta: dict | None = None, unit: str = ""
) -> str | None:
    """A numeric feature's side of a segment split, told for the charge of being on it: its
    regular bins as one range (in a catalog feature's unit, `meta`), its special values and
    missing bin, and which way scores better (a charged side costs points against the other
    side of the cut, which lies above or below it). None where the side is no one range (a
    category's groups, bins apart)."""
    regular = sorted(b for b in members if b < bins.n_regular)
    if bins.kind != "numeric" or (regular and regular[-1] - regular[0] + 1 != len(regular)):
        return None
    unit = (meta or {}).get("unit") or unit
    words = [span_words(bins.edges, regular[0], regular[-1], unit)] if regular else []
    words += [_side_bin_words(bins, b, meta) for b in sorted(members) if b >= bins.n_regular]
    described = feature_text(meta) if meta else feature.replace("_", " ")
    said = f"{described}: {', or '.join(words)}"
    if not regular or (regular[0] == 0) == (regular[-1] == bins.n_regular - 1) or unit == "yes_no":
        return said  # the other side's values lie on both sides of these, or none are cut
    return f"{said} ({'a higher' if regular[0] == 0 else 'a lower'} value scores better)"


def side_bin_text(feature: str, bins, b: int, meta: dict | None = None) -> str:
    """A special value's or the missing bin's text: a catalog feature's (`meta`) "No data on
    ...", "...: never", "Too little data on ...", a plain column's from the bin's label."""
    if meta is None:
        return reason_label_text(feature, bins.labels()[b])
    if b == bins.missing_index:
        return missing_value_text(meta)
    return special_value_text(meta, bins.specials[b - bins.n_regular])


def _side_bin_words(bins, b: int, meta: dict | None) -> str:
    """A special value's or the missing bin's words within a side of a split."""
    label = bins.labels()[b]
    if b == bins.missing_index:
        return "too little data" if meta else "no value given"
    if meta:
        value = bins.specials[b - bins.n_regular]
        if meta.get("no_data") is not None and value == meta["no_data"]:
            return "no data"
        if meta.get("never") is not None and value == meta["never"]:
            return "never"
    return _code_words(label) if label.startswith(SPECIAL_LABEL) else label


_UNIT_WORDS = {"days": "days", "months": "months", "share_change": "percentage points"}


def shown_value(value: float, unit: str = "") -> float:
    """A person's own value as told: a share to four significant digits (a mean share paid of
    0.883305259218 reads 88.33%, not 88.3305259218%; 1.0064 reads 100.6%), any other number to
    the cent from 1 up, else to four significant digits."""
    if not math.isfinite(value) or value == 0:
        return value
    if abs(value) >= 1 and unit not in ("share", "share_change"):
        return round(value, 2)
    return float(f"{value:.4g}")


def written(value: float, unit: str = "") -> str:
    """One value as a person reads it, in the feature's unit: 0.25 "25%", 12600 "12,600"."""
    return _with_word(_number(value, unit), unit)


def _with_word(number: str, unit: str) -> str:
    word = _UNIT_WORDS.get(unit)
    if word is None:
        return number
    return f"{number} {word[:-1] if number in ('1', '-1') else word}"


def _number(value: float, unit: str) -> str:
    # worked on the shortest decimal text of the value, so a percentage or a grouped amount is
    # exactly the cut point (a float product would read 0.145 as 14.499999999999998%)
    text = format_number(value)
    if unit == "yes_no" and value in (0, 1):  # a true/false column, read as 1 and 0
        return "yes" if value == 1 else "no"
    if unit == "percent":  # a plain table's percentage, read from "13.5%" as 13.5
        return f"{text}%"
    if unit == "decimal_comma":  # a plain table's column written "18,06": read as it was
        return text.replace(".", ",")
    if unit not in ("share", "share_change", "money", "money_decimal_comma"):
        return text
    number = Decimal(text)
    if unit == "money":
        return f"{number.normalize():,f}"
    if unit == "money_decimal_comma":  # "1 648,05": thousands apart by a space, either way
        grouped = f"{number.normalize():,f}"
        return grouped.replace(",", " ").replace(".", ",")
    percent = f"{(number * 100).normalize():f}"
    return f"{percent}%" if unit == "share" else percent


def feature_text(meta: dict) -> str:
    """The feature's description without its parenthetical notes ("(-2: none on file)")."""
    described = meta.get("description") or meta["name"].replace("_", " ")
    return re.sub(r"\s*\([^)]*\)", "", described).strip() or described


def missing_value_text(meta: dict) -> str:
    """The text for a catalog feature with no value (NULL): its sources sent too little to work
    it out (a trend of one month, a spread of one deposit, a ratio over nothing), or nothing
    where the feature has no "no data" value of its own. Worded beside "No data on ..."."""
    return f"Too little data on {_in_a_sentence(feature_text(meta))}"


def _in_a_sentence(described: str) -> str:
    return described[:1].lower() + described[1:]


def special_value_text(meta: dict, value: object) -> str:
    """The text for a special value of a catalog feature: "no data", "never", or the value."""
    described = feature_text(meta)
    if meta.get("no_data") is not None and value == meta["no_data"]:
        return f"No data on {_in_a_sentence(described)}"
    if meta.get("never") is not None and value == meta["never"]:
        return f"{described}: never"
    return f"{described}: {value}"


def unseen_level_text(feature: str, value: object) -> str:
    """The text for a categorical value the model never saw (scored with the riskiest group):
    naming that group's levels would tell the person a value they do not have."""
    return f"{feature.replace('_', ' ')}: {_shown(value)} is a value the model has no record of"


def level_text(feature: str, value: object) -> str:
    """The text for a plain table's categorical feature: the person's own level."""
    return f"{feature.replace('_', ' ')}: {_shown(value)}"


def _shown(value: object) -> object:
    # a level as a file wrote it (" 60 months") reads without its padding in a sentence
    return value.strip() or value if isinstance(value, str) else value


def reason_label_text(feature: str, label: str) -> str:
    """A plain-table column's text from a bin's label: the missing bin, a special value, or a
    category's group (a numeric range reads in words: `plain_reason_texts`)."""
    readable = feature.replace("_", " ")
    if label == "missing":
        return f"{readable}: no value given"
    if label.startswith(SPECIAL_LABEL):
        return f"{readable}: {_code_words(label)}"
    return f"{readable} in {label}"


SPECIAL_LABEL = "special: "  # how `Bins.labels` labels a special value's bin


def _code_words(label: str) -> str:
    """A special value's bin as a person reads it: "the code -1" (a value kept apart from
    the column's range, as a file's code for "paid duly" or "not employed" is), not the
    analyst's label "special: -1"."""
    return f"the code {label.removeprefix(SPECIAL_LABEL)}"

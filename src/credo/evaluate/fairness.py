"""Fairness audits of a credit decision across the groups of a protected attribute.

A person is approved when their score is at or above the cutoff. Three questions per
attribute:
* Approval rates: does any group's approval rate fall below four fifths of the most approved
  group's (the US "four-fifths rule" for adverse impact)?
* Error rates: among people who turned out good, are some groups declined more often (false
  positive rate); among those who turned out bad, are some declined less often (true positive
  rate)? Gaps are the largest minus the smallest rate across groups; a gap is flagged when it
  is both wide and wider than chance would make it.
* Calibration within groups: is one group over- or under-predicted against the others? The
  predictions are scaled to the groups' bad rate first (calibration in the large), so a model
  off for everyone alike (the calibration section's finding, not a difference between
  groups) flags no group.

People the model could not score (no data from a consented source) are declined in practice:
they count as declined in the approval rates and error rates of their group, and are left out
of its calibration (they have no predicted probability). People whose attribute is missing
form a group that is shown and never judged: it is no group of people the law protects.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit, logit
from scipy.stats import chi2_contingency, norm

from credo.model.bins import format_number
from credo.model.columns import is_date_object, name_words

FOUR_FIFTHS = 0.8
MAX_RATE_GAP = 0.1  # a TPR/FPR gap above this many points is flagged for review ...
# ... when the rates differ across the groups beyond chance: a chi-square test of one rate in
# every judged group gives a p-value below this (a few hundred people split at random into
# groups show gaps of 0.1 and more, which no model put there)
GAP_P_VALUE = 0.05
# Calibration within groups: the chance that some judged group of a well-calibrated model
# is flagged by chance alone (each group tested at this level over their number).
CALIBRATION_FALSE_ALARM = 0.05
LOGIT_CLIP = 1e-12  # a pd of exactly 0 or 1 has no log-odds to shift
MAX_SHIFT = 30.0  # log-odds: far beyond any population's miscalibration
MIN_GROUP_SIZE = 30  # smaller groups are reported but not flagged: too few rows to judge
MAX_GROUPS = 50  # beyond this many groups, the small ones are pooled into one row
MISSING = "missing"  # the group of people whose attribute is not known
AGE_BANDS = (25.0, 35.0, 45.0, 55.0, 65.0)
MIN_AGE, MAX_AGE = 14.0, 120.0  # ages outside them are no applicant's: said, banded at the ends
AGES_IN_TEXT = 0.9  # share of an age column's text that must read as numbers to band it
_LEADING_NUMBER = re.compile(r"-?\d+(\.\d+)?(e[+-]?\d+)?")


def _group_names(groups: Any) -> np.ndarray:
    values = pd.Series(np.asarray(groups, dtype=object).ravel(), dtype=object)
    return values.astype(str).where(values.notna(), MISSING).to_numpy(dtype=object)


@dataclass(frozen=True)
class _Grouping:
    names: list[str]  # the groups in reading order
    index: np.ndarray  # each row's position in names
    pooled: str | None  # the group that pools many small ones: shown, never judged

    def sums(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.index, weights=values, minlength=len(self.names))

    def counts(self, mask: np.ndarray | None = None) -> np.ndarray:
        rows = self.index if mask is None else self.index[mask]
        return np.bincount(rows, minlength=len(self.names)).astype(np.int64)

    def may_judge(self, position: int, size: int) -> bool:
        return size >= MIN_GROUP_SIZE and self.names[position] not in (self.pooled, MISSING)

    def of(self, rows: np.ndarray) -> _Grouping:
        """The same groups, over the rows of the mask `rows` only."""
        return _Grouping(self.names, self.index[rows], self.pooled)


def _grouping(groups: Any, pooled: str | None = None) -> _Grouping:
    if isinstance(groups, _Grouping):  # worked out once for the three checks of an attribute
        return groups
    names = _group_names(groups)
    codes, uniques = pd.factorize(names)
    order = group_order(uniques.tolist())
    if pooled in order:  # after the groups it stands beside, before the missing one
        known = [name for name in order if name not in (pooled, MISSING)]
        order = known + [pooled] + [name for name in order if name == MISSING]
    position = {name: i for i, name in enumerate(order)}
    remap = np.array([position[name] for name in uniques], dtype=np.int64)
    return _Grouping(order, remap[codes], pooled)


def pool_small_groups(labels: np.ndarray, most: int = MAX_GROUPS) -> tuple[np.ndarray, str | None]:
    """With more than `most` groups, the groups under MIN_GROUP_SIZE people become one row
    (they are never judged one by one, and a table of thousands is read by nobody); the
    missing group stays apart.
    Returns the labels and the pooled group's name (None when nothing was pooled)."""
    names = _group_names(labels)
    counts = pd.Series(names).value_counts()
    if len(counts) <= most:
        return names, None
    # the people whose attribute is not known stay a group of their own, however few
    small = counts.index[(counts < MIN_GROUP_SIZE) & (counts.index != MISSING)]
    if len(small) < 2:
        return names, None
    pooled = f"{len(small):,} groups under {MIN_GROUP_SIZE} people, pooled"
    names = names.copy()
    names[pd.Series(names).isin(set(small)).to_numpy()] = pooled
    return names, pooled


def group_labels(values: Any, name: str = "") -> np.ndarray:
    """Readable group labels for a protected attribute.

    Categorical values are used as they are (text too when it is digits: nationality codes
    such as "033" are no quantities), True and False as such. A numeric attribute with many
    distinct values (like age) is cut into bands: fixed age bands when the name says age, else
    quartiles. An age held as text is read as numbers when nearly all of it is ("unknown" or
    "n/a" among them: not known, so missing), not cut into a group per year.
    """
    if _is_boolean(values):
        return _group_names(np.asarray(values, dtype=object).ravel())
    says_age = "age" in name_words(name)  # age, age_in_years, applicantAge; not usage
    numeric = _numbers(values)
    if numeric is None and says_age:
        numeric = _ages_in_text(values)
    if numeric is None:  # text: a category, even of digits
        return _text_groups(np.asarray(values, dtype=object).ravel())[0]
    present = numeric[~np.isnan(numeric)]
    # ages no applicant has (999 for not known) are banded at the ends, as the audit says,
    # not judged as a group of their own beside a few ages
    odd_ages = says_age and bool(np.any((present < MIN_AGE) | (present > MAX_AGE)))
    if np.unique(present).size <= 10 and not odd_ages:
        as_int = np.all(present == np.round(present))
        shown = [
            MISSING if np.isnan(v) else (str(int(v)) if as_int else format_number(v))
            for v in numeric
        ]
        return np.array(shown, dtype=object)
    if says_age:
        edges = np.asarray(AGE_BANDS)
    else:
        edges = _short_edges(np.unique(np.quantile(present, [0.25, 0.5, 0.75])))
    return _band_labels(numeric, edges)


WRITTEN_MISSING = '"missing" as written'  # a value "missing", kept apart from the unknown


def _text_groups(values: np.ndarray) -> tuple[np.ndarray, dict[str, str]]:
    """A text attribute's groups: values written alike but for case and surrounding spaces
    (" f", "F") as one, the most common spelling; a value written "missing" apart from the
    people whose value is not known. Returns the labels and {variant: spelling taken}."""
    names = _group_names(values)
    known = pd.Series(values, dtype=object).notna().to_numpy()
    text = pd.Series(names[known], dtype=object)
    folded = text.str.strip().str.casefold()
    counts = text.value_counts(sort=False)
    spelling: dict[str, str] = {}
    for _, spellings in counts.groupby(folded.groupby(text).first().reindex(counts.index)):
        if len(spellings) > 1:
            taken = str(spellings.sort_values(ascending=False, kind="stable").index[0])
            if taken.strip().casefold() != MISSING:  # each a value "missing" alike
                spelling.update({str(v): taken for v in spellings.index if v != taken})
    read = text.map(lambda v: spelling.get(v, v))
    read = read.where(read.str.strip().str.casefold() != MISSING, WRITTEN_MISSING)
    names = names.copy()
    names[known] = read.to_numpy(dtype=object)
    return names, spelling


def input_notes(values: Any, name: str) -> dict[str, Any]:
    """What the audit of one attribute should say of its values, beside its figures: the
    people whose value is not known (`missing`, of `people`), the spellings taken as one
    (`respelled`: {variant: spelling taken}) and ages no one has (`odd_ages`: how many, and a
    few of them)."""
    flat = np.asarray(values, dtype=object).ravel()
    present = pd.Series(flat, dtype=object)
    notes: dict[str, Any] = {"people": int(flat.size), "respelled": {}, "odd_ages": None}
    numeric = None if _is_boolean(values) else _numbers(values)
    if numeric is None and "age" in name_words(name) and not _is_boolean(values):
        numeric = _ages_in_text(values)
    if numeric is None:
        if not _is_boolean(values):
            notes["respelled"] = _text_groups(flat)[1]
        notes["missing"] = int(present.isna().sum())
        return notes
    notes["missing"] = int(np.isnan(numeric).sum())
    if "age" in name_words(name):
        odd = numeric[(numeric < MIN_AGE) | (numeric > MAX_AGE)]
        if odd.size:
            shown = [format_number(v) for v in np.unique(odd)[:4]]
            notes["odd_ages"] = {"count": int(odd.size), "examples": shown}
    return notes


def _is_boolean(values: Any) -> bool:
    array = np.asarray(values)
    if array.dtype.kind == "b":
        return True
    return array.dtype.kind == "O" and pd.api.types.infer_dtype(array.ravel()) == "boolean"


def _ages_in_text(values: Any) -> np.ndarray | None:
    """Ages written as text ("34", " 41 ", "unknown"): the numbers, the rest missing; None
    unless at least AGES_IN_TEXT of the values given read as numbers."""
    text = pd.Series(np.asarray(values, dtype=object).ravel(), dtype=object)
    present = text.notna()
    numbers = pd.to_numeric(text.where(present).astype(str).str.strip(), errors="coerce")
    numbers = numbers.where(present & np.isfinite(numbers))
    if not present.any() or numbers.notna().sum() < AGES_IN_TEXT * present.sum():
        return None
    return numbers.to_numpy(dtype=np.float64, na_value=np.nan)


def _numbers(values: Any) -> np.ndarray | None:
    """The values as floats (missing as NaN) when they are numbers, typed as such; None for
    text, whatever it holds."""
    array = np.asarray(values)
    if array.dtype.kind in "biuf":
        return array.astype(np.float64).ravel()
    if array.dtype.kind != "O":
        return None
    flat = array.ravel()
    kind = pd.api.types.infer_dtype(flat, skipna=True)
    if kind not in ("integer", "floating", "mixed-integer-float", "empty"):
        return None
    return pd.to_numeric(pd.Series(flat), errors="coerce").to_numpy(dtype=np.float64)


def _band_labels(numeric: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bands [edge, next edge): "25-34" for whole numbers (ages), "0.5 to under 1.2" else."""
    shown = [format_number(edge) for edge in edges]
    present = numeric[~np.isnan(numeric)]
    whole = bool(np.all(present == np.round(present)) and np.all(edges == np.round(edges)))
    names = [f"< {shown[0]}"]
    if whole:
        pairs = zip(edges[:-1].astype(int), edges[1:].astype(int), strict=True)
        names += [f"{low}-{high - 1}" for low, high in pairs]
    else:
        names += [f"{low} to under {high}" for low, high in zip(shown[:-1], shown[1:], strict=True)]
    names.append(f">= {shown[-1]}")
    index = np.searchsorted(edges, numeric, side="right")
    labels = np.array([names[i] for i in np.minimum(index, len(names) - 1)], dtype=object)
    labels[np.isnan(numeric)] = "missing"
    return labels


def _short_edges(edges: np.ndarray) -> np.ndarray:
    """Quartile edges rounded to the fewest significant digits (two at least) that keep them
    apart: an income's bands cut at 13900 and 23300, not at 13881.25, and told as cut, so a
    band's label is the rule that put a person in it."""
    for digits in range(2, 18):
        short = np.array([float(f"{edge:.{digits}g}") for edge in edges])
        if len(np.unique(short)) == len(edges):
            return short
    return edges


def group_order(names: Any) -> list[str]:
    """Groups in reading order: bands by their lower edge ("< 25" first, ">= 65" last), numbers
    by value, other labels as text, "missing" last."""

    def key(name: str) -> tuple:
        if name == "missing":
            return (2, 0.0, name)
        if name.startswith("< "):
            return (0, -np.inf, name)
        number = _LEADING_NUMBER.match(name.removeprefix(">= "))
        return (0, float(number.group()), name) if number else (1, 0.0, name)

    return sorted(set(names), key=key)


def _share(part: float, whole: float) -> float | None:
    return float(part / whole) if whole else None


def approval_rates(
    approved: Any, groups: Any, pooled: str | None = None, unscored: Any = None
) -> dict[str, Any]:
    """Approval rate per group and its ratio to the most approved group (four-fifths rule).
    `pooled`: the name of a group that pools small ones (shown, never judged); `unscored`: a
    mask of the rows the model could not score (declined, and counted per group)."""
    decisions = np.asarray(approved, dtype=bool).ravel()
    grouping = _grouping(groups, pooled)
    counts, approvals = grouping.counts(), grouping.counts(decisions)
    no_score = (
        grouping.counts(np.asarray(unscored, dtype=bool).ravel())
        if unscored is not None
        else np.zeros(len(grouping.names), dtype=np.int64)
    )
    rows = [
        {
            "group": name,
            "count": int(counts[i]),
            "unscored": int(no_score[i]),
            "approval_rate": _share(approvals[i], counts[i]),
        }
        for i, name in enumerate(grouping.names)
    ]
    # Only groups large enough to judge are compared, and compared with: a group of two
    # approved in full would otherwise set the bar every large group is held to.
    judged = [row for i, row in enumerate(rows) if grouping.may_judge(i, row["count"])]
    best = max((row["approval_rate"] for row in judged), default=0.0)
    reference = next((row["group"] for row in judged if row["approval_rate"] == best), None)
    for i, row in enumerate(rows):
        row["ratio"] = row["approval_rate"] / best if best > 0 else None
        row["flag"] = bool(
            row["ratio"] is not None
            and row["ratio"] < FOUR_FIFTHS
            and grouping.may_judge(i, row["count"])
        )
    ratios = [row["ratio"] for row in judged if row["ratio"] is not None]
    return {
        "groups": rows,
        "judged_groups": len(judged),
        "reference": reference if best > 0 else None,
        "min_ratio": min(ratios) if len(ratios) >= 2 else None,
        "approval_rate": _share(approvals.sum(), counts.sum()),
        "unscored": int(no_score.sum()),
        "flag": any(row["flag"] for row in rows),
    }


def error_rate_gaps(
    y: Any, approved: Any, groups: Any, pooled: str | None = None
) -> dict[str, Any]:
    """Per group: true-positive rate (bads declined) and false-positive rate (goods declined)."""
    labels = np.asarray(y, dtype=np.int8).ravel() == 1
    declined = ~np.asarray(approved, dtype=bool).ravel()
    grouping = _grouping(groups, pooled)
    counts, bads = grouping.counts(), grouping.counts(labels)
    bads_declined, goods_declined = (
        grouping.counts(labels & declined),
        grouping.counts(~labels & declined),
    )
    rows = [
        {
            "group": name,
            "count": int(counts[i]),
            "bads": int(bads[i]),
            "goods": int(counts[i] - bads[i]),
            "tpr": _share(bads_declined[i], bads[i]),
            "fpr": _share(goods_declined[i], counts[i] - bads[i]),
        }
        for i, name in enumerate(grouping.names)
    ]
    # A rate is judged where at least MIN_GROUP_SIZE people stand behind it: the bad customers
    # of a group for its TPR (eight bads in a group of a hundred move it 12 points apiece).
    tpr = _rate_gap(rows, bads_declined, "bads", grouping)
    fpr = _rate_gap(rows, goods_declined, "goods", grouping)
    # a flagged gap is marked on the two groups it is between
    for key, (_, _, flag, ends) in (("tpr_flag", tpr), ("fpr_flag", fpr)):
        for row in rows:
            row[key] = None
        if flag:
            rows[ends[0]][key], rows[ends[1]][key] = "lowest", "highest"
    return {
        "groups": rows,
        "tpr_gap": tpr[0],
        "tpr_gap_p_value": tpr[1],
        "fpr_gap": fpr[0],
        "fpr_gap_p_value": fpr[1],
        "flag": tpr[2] or fpr[2],
    }


def _rate_gap(
    rows: list[dict[str, Any]], declined: np.ndarray, of: str, grouping: _Grouping
) -> tuple[float | None, float | None, bool, tuple[int, int]]:
    """(gap, p-value, flag, (row of the lowest rate, row of the highest)) of the declined
    share of `of` ("bads" or "goods") over the judged groups: the gap is the largest rate
    less the smallest; the p-value (worked out for a gap above MAX_RATE_GAP) that of a
    chi-square test that every group has the same rate."""
    positions = [i for i, row in enumerate(rows) if grouping.may_judge(i, row[of])]
    if len(positions) < 2:
        return None, None, False, (-1, -1)
    rates = [declined[i] / rows[i][of] for i in positions]
    gap = float(max(rates) - min(rates))
    ends = (positions[int(np.argmin(rates))], positions[int(np.argmax(rates))])
    if gap <= MAX_RATE_GAP:
        return gap, None, False, ends
    table = np.array([[declined[i], rows[i][of] - declined[i]] for i in positions])
    p_value = float(chi2_contingency(table, correction=False).pvalue)
    return gap, p_value, p_value < GAP_P_VALUE, ends


def calibration_z(groups: int) -> float:
    """How many standard errors apart predicted and observed may be in each of `groups` judged
    groups before one is flagged: a false alarm for some group of a well-calibrated model
    stays at CALIBRATION_FALSE_ALARM however many groups there are (Bonferroni)."""
    return float(norm.ppf(1 - CALIBRATION_FALSE_ALARM / (2 * max(groups, 1))))


def calibration_in_the_large(pd_bad: Any, bads: float) -> float:
    """The shift of every prediction's log-odds that makes their sum the observed number of
    bads (recalibration in the large: the ranking kept, each probability within 0 and 1)."""
    return _shift(_log_odds(np.asarray(pd_bad, dtype=np.float64)), float(bads))


def _log_odds(pd_bad: np.ndarray) -> np.ndarray:
    return logit(np.clip(pd_bad, LOGIT_CLIP, 1 - LOGIT_CLIP))


def _shift(odds: np.ndarray, bads: float) -> float:
    low, high = -MAX_SHIFT, MAX_SHIFT
    if expit(odds + low).sum() >= bads:  # no bads (or nearly): as far down as it goes
        return low
    if expit(odds + high).sum() <= bads:
        return high
    return float(brentq(lambda shift: expit(odds + shift).sum() - bads, low, high))


@dataclass(frozen=True)
class _Against:
    """Each group's observed bads against the predictions shifted to the bad rate of the
    groups `fitted` (a mask over the groups): z, the mean shifted pd, the shift."""

    z: np.ndarray
    rescaled: np.ndarray
    shift: float


def _against(
    odds: np.ndarray, labels: np.ndarray, grouping: _Grouping, fitted: np.ndarray
) -> _Against:
    rows = fitted[grouping.index] if fitted.any() else np.ones(labels.size, dtype=bool)
    shift = _shift(odds[rows], float(labels[rows].sum()))
    shifted = expit(odds + shift)
    expected, spread = grouping.sums(shifted), grouping.sums(shifted * (1 - shifted))
    total = float(spread[fitted].sum() if fitted.any() else spread.sum())
    share = spread / total if total > 0 else np.zeros_like(spread)
    # a fitted group's own rows set the shift (less room to differ from it); another's did not
    variance = spread * np.where(fitted, 1 - share, 1 + share)
    residual = grouping.sums(labels) - expected
    z = np.divide(residual, np.sqrt(variance), out=np.zeros_like(residual), where=variance > 1e-12)
    counts = np.maximum(grouping.counts(), 1)
    return _Against(z, expected / counts, shift)


def calibration_within_groups(
    y: Any, pd_bad: Any, groups: Any, pooled: str | None = None
) -> dict[str, Any]:
    """Predicted (mean pd) against observed bad rate inside each group, judged against the
    other groups, not against the model's calibration overall (the calibration section's).

    The predictions are shifted on the log-odds scale so that, over the groups of at least
    MIN_GROUP_SIZE rows (the judged ones), they expect as many bads as were observed
    (`calibration_in_the_large`): a population whose bad rate rose alike in every group flags
    none. The judged group furthest from its shifted predictions is flagged when it is more
    standard errors out than `calibration_z` allows for the number of judged groups (1.96 for
    one, 2.24 for two, 2.81 for ten); the shift is then worked out again without it, and so
    on while the remaining groups differ. Of two groups that differ, the one further from its
    own predictions is flagged. The standard error of a group's observed bads less its shifted
    predictions', were each person bad with their shifted probability, is sqrt(V_g (1 - V_g /
    V)), V_g the sum of p (1 - p) over the group and V over the groups the shift was fitted on
    (1 + V_g / V for a group outside them). `z` is against the last shift (`reference`: the
    groups it was fitted on), `z_own` against the group's own predictions; `population` holds
    the predicted and observed bad rate of those groups (the judged ones not flagged; every
    judged group where one alone is left beside the flagged) and whether they differ beyond
    chance (`off`): the model's calibration on them, not a difference between groups. A
    flagged group's `z_flagged` is the z it was flagged at (beyond `threshold`).
    """
    labels = np.asarray(y, dtype=np.float64).ravel()
    probabilities = np.asarray(pd_bad, dtype=np.float64).ravel()
    grouping = _grouping(groups, pooled)
    counts = grouping.counts()
    judged = np.array([grouping.may_judge(i, int(c)) for i, c in enumerate(counts)], dtype=bool)
    odds = _log_odds(probabilities)
    predicted_sum, observed_sum = grouping.sums(probabilities), grouping.sums(labels)
    spread = grouping.sums(probabilities * (1 - probabilities))
    own_z = np.divide(
        observed_sum - predicted_sum,
        np.sqrt(spread),
        out=np.zeros_like(spread),
        where=spread > 1e-12,
    )
    threshold = calibration_z(int(judged.sum()))
    flagged = np.zeros(judged.size, dtype=bool)
    # each flagged group's z when it was flagged (against the shift fitted with it among the
    # groups): the last shift's z is against the groups left, and may read under the bar
    z_flagged = np.full(judged.size, np.nan)
    while True:
        fitted = judged & ~flagged
        against = _against(odds, labels, grouping, fitted)
        beyond = np.flatnonzero(fitted & (np.abs(against.z) > threshold))
        if beyond.size == 0:
            break
        # two groups are equally far from a shift fitted on both: the one further from its
        # own predictions is the one off
        far = np.abs(own_z if fitted.sum() == 2 else against.z)
        worst = beyond[np.argmax(far[beyond])]
        flagged[worst], z_flagged[worst] = True, against.z[worst]
    fitted = judged & ~flagged
    # the population's calibration over the groups alike (a flagged group's gap is its own,
    # not the population's: one group off by +0.9 in log-odds read as "the groups as a whole"),
    # but over every judged group where one is left beside those flagged: its gap mirrors
    # theirs (F 0.92 and M 1.08 times their predictions, the whole 1.00, read as "the other
    # groups 1.08: the model's calibration on this population")
    population_groups = judged if flagged.any() and fitted.sum() < 2 else fitted
    in_reference = (
        population_groups[grouping.index]
        if population_groups.any()
        else np.ones(labels.size, dtype=bool)
    )
    rows = []
    for i, name in enumerate(grouping.names):
        count = int(counts[i])
        if count == 0:  # a group of people without a score alone: nothing predicted
            rows.append({"group": name, "count": 0, "predicted": None, "observed": None,
                         "ratio": None, "rescaled": None, "z": 0.0, "z_own": 0.0,
                         "z_flagged": None, "flag": False})  # fmt: skip
            continue
        predicted, observed = float(predicted_sum[i] / count), float(observed_sum[i] / count)
        rows.append(
            {
                "group": name,
                "count": count,
                "predicted": predicted,
                "observed": observed,
                "ratio": observed / predicted if predicted > 0 else None,
                "rescaled": float(against.rescaled[i]),
                "z": float(against.z[i]),
                "z_own": float(own_z[i]),
                "z_flagged": float(z_flagged[i]) if flagged[i] else None,
                "flag": bool(flagged[i]),
            }
        )
    reference = [name for i, name in enumerate(grouping.names) if fitted[i]]
    fitted_predicted = float(predicted_sum[fitted].sum())
    return {
        "groups": rows,
        "population": {
            **calibration_overall(labels[in_reference], probabilities[in_reference]),
            "groups": [n for i, n in enumerate(grouping.names) if population_groups[i]],
        },
        "reference": reference,
        "reference_ratio": (
            float(observed_sum[fitted].sum()) / fitted_predicted if fitted_predicted > 0 else None
        ),
        "shift": against.shift,
        "threshold": threshold,
        "flag": bool(flagged.any()),
    }


def calibration_overall(labels: Any, pd_bad: Any) -> dict[str, Any]:
    """The rows' mean predicted and observed bad rate, and whether they differ beyond chance
    (two-sided, at half CALIBRATION_FALSE_ALARM: the calibration check's other half is the
    Hosmer-Lemeshow test's): calibration in the large, the one test the calibration section
    and the fairness audit's population share."""
    labels = np.asarray(labels, dtype=np.float64).ravel()
    pd_bad = np.asarray(pd_bad, dtype=np.float64).ravel()
    if labels.size == 0:
        return {"count": 0, "predicted": None, "observed": None, "z": 0.0, "off": False}
    spread = float(np.sum(pd_bad * (1 - pd_bad)))
    z = float((labels.sum() - pd_bad.sum()) / np.sqrt(spread)) if spread > 0 else 0.0
    return {
        "count": int(labels.size),
        "predicted": float(pd_bad.mean()),
        "observed": float(labels.mean()),
        "z": z,
        "off": bool(abs(z) > calibration_z(2)),
    }


ISO_DATE_TEXT = re.compile(r"^\s*(\d{4}-\d{1,2}(?:-\d{1,2})?)(?:[ T].*)?\s*$")
# The words of a date of birth's name: its years since are ages.
_BIRTH_WORDS = frozenset({"birth", "birthdate", "born", "dob"})


# A date written day.month.year ("29.10.1956"): dots are written in that order alone
_DOTTED_DATE = re.compile(r"\s*(\d{1,2})\.(\d{1,2})\.(\d{4})(\s|$)")


def _calendar_day(value: Any) -> str | None:
    """The day a date value names as written (ISO text's date part, or a day.month.year one's,
    a timestamp's own day in its own zone), or None for a value that is no date reading one
    way."""
    if isinstance(value, str):
        found = ISO_DATE_TEXT.match(value)
        if found:
            return found.group(1)
        dotted = _DOTTED_DATE.match(value)
        if dotted:
            day, month, year = dotted.group(1, 2, 3)
            return f"{year}-{int(month):02d}-{int(day):02d}"
        return None
    return pd.Timestamp(value).strftime("%Y-%m-%d") if is_date_object(value) else None


def years_since_dates(values: Any, today: pd.Timestamp | None = None) -> np.ndarray | None:
    """Whole years from each date to today when the values are dates (typed, or text that
    nearly always reads as one), else None: a date of birth audited as ages, not as thousands
    of one-person groups."""
    array = np.asarray(values)
    if array.dtype.kind in "biufc":  # numbers: never dates (and no row-by-row look)
        return None
    series = pd.Series(array.ravel())
    present = series.dropna()
    if present.empty:
        return None
    # only dates that read one way: typed, or ISO text (2016-03-01, 2016-03); "3/1/1956" may
    # be March or January, and "Sep-56" 1956 or 2056. A birth date is a day of the calendar:
    # the day as written, whatever time or zone follows. The first value first: most columns
    # are no dates.
    if _calendar_day(present.iloc[0]) is None:
        return None
    days = present.map(_calendar_day)
    if days.isna().any():
        return None
    days = days.reindex(series.index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas warns when it guesses the format per value
        dates = pd.to_datetime(days, errors="coerce", format="ISO8601")
    if dates.notna().sum() < 0.95 * len(present):
        return None
    # the UTC day, as every other "today" of credo's: the machine's zone would age a person a
    # day early or late, so one report differed by where it ran
    today = today or pd.Timestamp.now(tz="UTC").tz_localize(None).normalize()
    dates = dates.where(dates <= today)  # a birth date still to come is not known
    years = (today.year - dates.dt.year) - (
        (dates.dt.month > today.month)
        | ((dates.dt.month == today.month) & (dates.dt.day > today.day))
    ).astype(float)
    return years.to_numpy(dtype=np.float64, na_value=np.nan)


def ages_from_days_since_birth(values: Any, name: str) -> np.ndarray | None:
    """Whole years of a count of days since birth (Home Credit's DAYS_BIRTH: -12,005 days
    before the application) when the name says days and birth and the values are numbers,
    else None: ages in the age bands, not quartiles of day counts."""
    words = set(name_words(name))
    if "days" not in words or not words & _BIRTH_WORDS:
        return None
    days = _numbers(values)
    if days is None:
        return None
    return np.floor(np.abs(days) / 365.25)


def audit_attribute(
    name: str, values: Any, y: Any, pd_bad: Any, approved: Any, unscored_y: Any = None
) -> dict[str, Any]:
    """All three fairness checks for one protected attribute (one holding dates, such as a
    date of birth, as whole years since them: ages). `y`, `pd_bad` and `approved` are of the
    scored people; `unscored_y` the outcomes of those the model could not score (declined),
    whose attribute values follow the scored people's in `values`."""
    outcomes = np.asarray(y).ravel()
    unscored = np.asarray(unscored_y if unscored_y is not None else (), dtype=outcomes.dtype)
    scored = np.r_[np.ones(outcomes.size, bool), np.zeros(unscored.size, bool)]
    y = np.r_[outcomes, unscored.ravel()]
    approved = np.r_[np.asarray(approved, dtype=bool).ravel(), np.zeros(unscored.size, bool)]
    years = years_since_dates(values)
    if years is not None:
        shown = "age" if set(name_words(name)) & _BIRTH_WORDS else "years since"
        # the new name has the word age where the years are ages: banded as ages
        values, name = years, f"{name} (as {shown} today)"
    elif (ages := ages_from_days_since_birth(values, name)) is not None:
        values, name = ages, f"{name} (as age)"
    notes = input_notes(values, name)
    labels, pooled = pool_small_groups(group_labels(values, name))
    groups = _grouping(labels, pooled)
    approval = approval_rates(approved, groups, unscored=~scored)
    errors = error_rate_gaps(y, approved, groups)
    calibration = calibration_within_groups(outcomes, pd_bad, groups.of(scored))
    return {
        "attribute": name,
        "pooled": pooled,
        "approval": approval,
        "errors": errors,
        "calibration": calibration,
        "values": notes,
        "flag": approval["flag"] or errors["flag"] or calibration["flag"],
    }

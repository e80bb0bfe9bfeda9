"""Fairness audits of a credit decision across the groups of a protected attribute.

A person is approved when their score is at or above the cutoff. Three questions per
attribute:
* Approval rates: does any group's approval rate fall below four fifths of the most approved
  group's (the US "four-fifths rule" for adverse impact)?
* Error rates: among people who turned out good, are some groups declined more often (false
  positive rate); among those who turned out bad, are some declined less often (true positive
  rate)? Gaps are the largest minus the smallest rate across groups.
* Calibration within groups: does the predicted probability of bad match the observed bad
  rate inside each group, or is one group systematically over- or under-predicted?
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

FOUR_FIFTHS = 0.8
MAX_RATE_GAP = 0.1  # a TPR/FPR gap above this many points is flagged for review
CALIBRATION_Z = 2.0  # observed vs predicted bad rate further apart than this many std errors
MIN_GROUP_SIZE = 30  # smaller groups are reported but not flagged: too few rows to judge
AGE_BANDS = (25.0, 35.0, 45.0, 55.0, 65.0)
_LEADING_NUMBER = re.compile(r"-?\d+(\.\d+)?(e[+-]?\d+)?")


def _group_names(groups: Any) -> np.ndarray:
    values = np.asarray(groups, dtype=object).ravel()
    missing = np.array([v is None or (isinstance(v, float) and np.isnan(v)) for v in values])
    labels = np.array([str(v) for v in values], dtype=object)
    labels[missing] = "missing"
    return labels


def group_labels(values: Any, name: str = "") -> np.ndarray:
    """Readable group labels for a protected attribute.

    Categorical values are used as they are. A numeric attribute with many distinct values
    (like age) is cut into bands: fixed age bands when the name says age, else quartiles.
    """
    array = np.asarray(values, dtype=object).ravel()
    try:
        numeric = array.astype(np.float64)
    except (TypeError, ValueError):
        return _group_names(array)
    present = numeric[~np.isnan(numeric)]
    if np.unique(present).size <= 10:
        as_int = np.all(present == np.round(present))
        shown = [
            "missing" if np.isnan(v) else (str(int(v)) if as_int else f"{v:g}") for v in numeric
        ]
        return np.array(shown, dtype=object)
    if "age" in re.split(r"[^a-z0-9]+", name.lower()):  # age, age_in_years; not usage
        edges = np.asarray(AGE_BANDS)
    else:
        edges = np.unique(np.quantile(present, [0.25, 0.5, 0.75]))
    return _band_labels(numeric, edges)


def _band_labels(numeric: np.ndarray, edges: np.ndarray) -> np.ndarray:
    shown = [_edge_text(edges, i) for i in range(len(edges))]
    names = [f"< {shown[0]}"]
    names += [f"{low}-{high}" for low, high in zip(shown[:-1], shown[1:], strict=True)]
    names.append(f">= {shown[-1]}")
    index = np.searchsorted(edges, numeric, side="right")
    labels = np.array([names[i] for i in np.minimum(index, len(names) - 1)], dtype=object)
    labels[np.isnan(numeric)] = "missing"
    return labels


def _edge_text(edges: np.ndarray, i: int) -> str:
    """A band edge with as many digits as it takes to tell it from its neighbours."""
    for digits in range(4, 17):
        text = f"{edges[i]:.{digits}g}"
        neighbours = [edges[j] for j in (i - 1, i + 1) if 0 <= j < len(edges)]
        if all(text != f"{v:.{digits}g}" for v in neighbours):
            return text
    return repr(float(edges[i]))


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


def _rate(mask: np.ndarray, within: np.ndarray) -> float | None:
    total = int(within.sum())
    return float(mask[within].sum() / total) if total else None


def approval_rates(approved: Any, groups: Any) -> dict[str, Any]:
    """Approval rate per group and its ratio to the most approved group (four-fifths rule)."""
    decisions = np.asarray(approved, dtype=bool).ravel()
    names = _group_names(groups)
    rows = []
    for group in group_order(names.tolist()):
        member = names == group
        rows.append(
            {"group": group, "count": int(member.sum()), "approval_rate": _rate(decisions, member)}
        )
    # Only groups large enough to judge are compared, and compared with: a group of two
    # approved in full would otherwise set the bar every large group is held to.
    judged = [row for row in rows if row["count"] >= MIN_GROUP_SIZE]
    best = max((row["approval_rate"] for row in judged), default=0.0)
    for row in rows:
        row["ratio"] = row["approval_rate"] / best if best > 0 else None
        row["flag"] = bool(
            row["ratio"] is not None
            and row["ratio"] < FOUR_FIFTHS
            and row["count"] >= MIN_GROUP_SIZE
        )
    ratios = [row["ratio"] for row in judged if row["ratio"] is not None]
    return {
        "groups": rows,
        "judged_groups": len(judged),
        "min_ratio": min(ratios) if len(ratios) >= 2 else None,
        "flag": any(row["flag"] for row in rows),
    }


def error_rate_gaps(y: Any, approved: Any, groups: Any) -> dict[str, Any]:
    """Per group: true-positive rate (bads declined) and false-positive rate (goods declined)."""
    labels = np.asarray(y, dtype=np.int8).ravel()
    declined = ~np.asarray(approved, dtype=bool).ravel()
    names = _group_names(groups)
    rows = []
    for group in group_order(names.tolist()):
        member = names == group
        rows.append(
            {
                "group": group,
                "count": int(member.sum()),
                "bads": int(labels[member].sum()),
                "goods": int(member.sum() - labels[member].sum()),
                "tpr": _rate(declined, member & (labels == 1)),
                "fpr": _rate(declined, member & (labels == 0)),
            }
        )
    # A rate is judged where at least MIN_GROUP_SIZE people stand behind it: the bad customers
    # of a group for its TPR (eight bads in a group of a hundred move it 12 points apiece).
    tpr_gap = _gap([row["tpr"] for row in rows if row["bads"] >= MIN_GROUP_SIZE])
    fpr_gap = _gap([row["fpr"] for row in rows if row["goods"] >= MIN_GROUP_SIZE])
    return {
        "groups": rows,
        "tpr_gap": tpr_gap,
        "fpr_gap": fpr_gap,
        "flag": bool(
            (tpr_gap is not None and tpr_gap > MAX_RATE_GAP)
            or (fpr_gap is not None and fpr_gap > MAX_RATE_GAP)
        ),
    }


def _gap(rates: list[float | None]) -> float | None:
    known = [rate for rate in rates if rate is not None]
    return float(max(known) - min(known)) if len(known) >= 2 else None


def calibration_within_groups(y: Any, pd: Any, groups: Any) -> dict[str, Any]:
    """Predicted (mean pd) against observed bad rate inside each group.

    A group is flagged when the two differ by more than CALIBRATION_Z standard errors (and the
    group has at least MIN_GROUP_SIZE rows): the standard error of the observed bad rate were
    each person bad with their predicted probability, sqrt(sum p(1 - p)) / n.
    """
    labels = np.asarray(y, dtype=np.float64).ravel()
    probabilities = np.asarray(pd, dtype=np.float64).ravel()
    names = _group_names(groups)
    rows = []
    for group in group_order(names.tolist()):
        member = names == group
        count = int(member.sum())
        predicted = float(probabilities[member].mean())
        observed = float(labels[member].mean())
        variance = float((probabilities[member] * (1 - probabilities[member])).sum()) / count**2
        z = (observed - predicted) / np.sqrt(variance) if variance > 0 else 0.0
        rows.append(
            {
                "group": group,
                "count": count,
                "predicted": predicted,
                "observed": observed,
                "ratio": observed / predicted if predicted > 0 else None,
                "z": float(z),
                "flag": bool(abs(z) > CALIBRATION_Z and count >= MIN_GROUP_SIZE),
            }
        )
    return {"groups": rows, "flag": any(row["flag"] for row in rows)}


def audit_attribute(name: str, values: Any, y: Any, pd: Any, approved: Any) -> dict[str, Any]:
    """All three fairness checks for one protected attribute."""
    groups = group_labels(values, name)
    approval = approval_rates(approved, groups)
    errors = error_rate_gaps(y, approved, groups)
    calibration = calibration_within_groups(y, pd, groups)
    return {
        "attribute": name,
        "approval": approval,
        "errors": errors,
        "calibration": calibration,
        "flag": approval["flag"] or errors["flag"] or calibration["flag"],
    }

"""Who is not scored: a person no event from a consented source fed.

A feature row built from nothing (``prov_events`` 0: an id the store does not know, or one
whose every source had no consent for credit scoring at the as-of date) holds "no data" in
every feature. A score from it would rest on the no-data bins alone, nothing known of the
person, so a model trained on feature tables gives such a row no score, pd or reasons: its
band reads UNSCORABLE_BAND and its first reason NO_DATA_CODE. Training and evaluation leave
such rows out and say how many. Plain tables carry no provenance: every row is scored.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlglot import exp

EVENTS_COLUMN = "prov_events"
UNSCORABLE_BAND = "Unscorable"
NO_DATA_CODE = "R00"  # catalog codes start at R01
NO_DATA_TEXT = "No data from a source you agreed to share for credit scoring"


def applies(training: dict[str, Any]) -> bool:
    """Whether a model with this training record leaves no-data rows unscored."""
    return training.get("kind") == "features"


def no_evidence(frame: pd.DataFrame) -> np.ndarray:
    """The rows no consented event fed (all False where the table has no provenance)."""
    if EVENTS_COLUMN not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return (pd.to_numeric(frame[EVENTS_COLUMN], errors="coerce") == 0).to_numpy()


def unscorable_rows(frame: pd.DataFrame) -> np.ndarray:
    """`no_evidence`, for rows with an outcome that are to be fitted or measured: ValueError
    when none is left."""
    empty = no_evidence(frame)
    if empty.all():
        raise ValueError(
            f"no event from a consented source fed any of the {len(frame):,} people with an "
            "outcome (prov_events 0): check the store's consents and the as-of dates the "
            "features were built for"
        )
    return empty


def drop_unscorable(frame: pd.DataFrame, y: np.ndarray) -> tuple[pd.DataFrame, np.ndarray, int]:
    """The rows some consented event fed, their outcomes, and how many rows were left out (for
    training and evaluation: the others are never scored). ValueError when none is left."""
    empty = unscorable_rows(frame)
    if not empty.any():
        return frame, y, 0
    return frame.loc[~empty].reset_index(drop=True), y[~empty], int(empty.sum())


def blank_unscorable(scores: pd.DataFrame, unscorable: np.ndarray) -> pd.DataFrame:
    """``scores`` (a score_table result) with the unscorable rows' score, pd and reasons
    cleared, their band UNSCORABLE_BAND and first reason NO_DATA_CODE. The score becomes a
    nullable integer either way, so a file's column type does not depend on who is in it."""
    scores = scores.copy()
    if "score" in scores.columns:
        scores["score"] = scores["score"].round().astype("Int64")
    if not unscorable.any():
        return scores
    rows = np.flatnonzero(unscorable)
    for column in scores.columns:
        if column == "score":
            scores.loc[scores.index[rows], column] = pd.NA
        elif column == "pd" or column.startswith("reason_"):
            scores[column] = scores[column].astype(object)
            scores.iloc[rows, scores.columns.get_loc(column)] = None
    if "band" in scores.columns:
        scores["band"] = scores["band"].astype(object)
        scores.iloc[rows, scores.columns.get_loc("band")] = UNSCORABLE_BAND
    if "reason_1" in scores.columns:
        scores.iloc[rows, scores.columns.get_loc("reason_1")] = NO_DATA_CODE
    if "reason_1_text" in scores.columns:
        scores.iloc[rows, scores.columns.get_loc("reason_1_text")] = NO_DATA_TEXT
    if "pd" in scores.columns:
        scores["pd"] = pd.to_numeric(scores["pd"])
    return scores


def unscorable_select(
    table: str, id_column: str | None, columns: list[str], carry: tuple[str, ...] = ()
) -> exp.Select:
    """The SQL export's rows for the unscorable: the same columns as the scored part (the
    ``carry`` columns passed through as they are)."""
    values: list[exp.Expression] = []
    for name in columns:
        if name == "id" and id_column is not None:
            value: exp.Expression = exp.column(id_column, quoted=True)
        elif name in carry:
            value = exp.column(name, quoted=True)
        elif name == "band":
            value = exp.Literal.string(UNSCORABLE_BAND)
        elif name == "reason_1":
            value = exp.Literal.string(NO_DATA_CODE)
        else:
            value = exp.Null()
        values.append(exp.alias_(value, name, quoted=True))
    return (
        exp.select(*values)
        .from_(exp.to_table(table))
        .where(exp.column(EVENTS_COLUMN, quoted=True).eq(exp.Literal.number(0)))
    )


def scorable_rows(table: str) -> exp.Select:
    """The rows the model scores: those some consented event fed (or of unknown provenance)."""
    events = exp.column(EVENTS_COLUMN, quoted=True)
    kept = exp.or_(events.is_(exp.Null()), events.neq(exp.Literal.number(0)))
    return exp.select(exp.Star()).from_(exp.to_table(table)).where(kept)

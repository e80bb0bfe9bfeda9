"""Who is not scored: a person of whom the model reads nothing.

A feature row built from nothing (``prov_events`` 0: an id the store does not know, or one
whose every source had no consent for credit scoring at the as-of date) holds "no data" in
every feature; so, for one model, does a row whose consented events feed none of the features
it reads (a profile alone, or shopping alone, under a model of payments and balances). A score
from either would rest on the no-data bins alone, nothing known of the person, so a model
trained on feature tables gives such a row no score, pd or reasons: its band reads
UNSCORABLE_BAND and its first reason NO_DATA_CODE. Training leaves out the rows no consented
event fed (which features a model keeps is not known yet), evaluation every unscorable row,
and both say how many. Plain tables carry no provenance: every row is scored.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlglot import exp

EVENTS_COLUMN = "prov_events"
UNSCORABLE_BAND = "Unscorable"
NO_DATA_CODE = "R00"  # catalog codes start at R01
NO_DATA_TEXT = "No data this score uses from a source you agreed to share for credit scoring"


def applies(training: dict[str, Any]) -> bool:
    """Whether a model with this training record leaves no-data rows unscored."""
    return training.get("kind") == "features"


def no_evidence(frame: pd.DataFrame) -> np.ndarray:
    """The rows no consented event fed (all False where the table has no provenance)."""
    if EVENTS_COLUMN not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return (pd.to_numeric(frame[EVENTS_COLUMN], errors="coerce") == 0).to_numpy()


def model_cards(scorecard: Any) -> list[Any]:
    """A segmented card's segment cards, or the card itself."""
    return [s.card for s in getattr(scorecard, "segments_", [])] or [scorecard]


def model_inputs(scorecard: Any) -> dict[str, str]:
    """Each column a model reads, with its bins' kind ("numeric" or "categorical"): a card's
    features; a segmented model's cards' features and the columns of its splits."""
    kinds: dict[str, str] = {}
    for card in model_cards(scorecard):
        for name in card.features_:
            kinds.setdefault(name, card.bins_[name].kind)
    for segment in getattr(scorecard, "segments_", []):
        for condition in segment.conditions:
            kinds.setdefault(condition.feature, condition.bins.kind)
    return kinds


def no_data_value(scorecard: Any, name: str) -> float | None:
    """The value a catalog feature holds where there is no data (None: NULL says it)."""
    return scorecard.meta_.get(name, {}).get("no_data")


def reads_nothing(frame: pd.DataFrame, scorecard: Any) -> np.ndarray:
    """The rows where every column the model reads says no data: missing (a number column's
    text that is no number too, as the bins read it), or the feature's no-data value."""
    kinds = model_inputs(scorecard)
    if not kinds or any(name not in frame.columns for name in kinds):
        return np.zeros(len(frame), dtype=bool)  # scoring names the missing columns
    nothing = np.ones(len(frame), dtype=bool)
    for name, kind in kinds.items():
        if kind == "numeric":
            values = pd.to_numeric(frame[name], errors="coerce")
            empty = values.isna()
            no_data = no_data_value(scorecard, name)
            if no_data is not None:
                empty |= values == no_data
        else:
            empty = frame[name].isna()
        nothing &= empty.to_numpy(dtype=bool)
    return nothing


def unscored(frame: pd.DataFrame, scorecard: Any) -> np.ndarray:
    """The rows a feature-table model leaves unscored: no consented event fed them
    (`no_evidence`), or none fed a column the model reads (`reads_nothing`)."""
    return no_evidence(frame) | reads_nothing(frame, scorecard)


def unscorable_rows(frame: pd.DataFrame, scorecard: Any = None) -> np.ndarray:
    """The rows with an outcome that cannot be fitted or measured: `no_evidence`, and with a
    model `unscored`. ValueError when none is left."""
    empty = no_evidence(frame) if scorecard is None else unscored(frame, scorecard)
    if empty.all():
        raise ValueError(
            f"no event from a consented source fed any of the {len(frame):,} people with an "
            "outcome"
            + (" (prov_events 0)" if scorecard is None else " in a feature the model reads")
            + ": check the store's consents and the as-of dates the features were built for"
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
    table: str,
    id_column: str | None,
    columns: list[str],
    carry: tuple[str, ...],
    nothing_read: exp.Expression,
) -> exp.Select:
    """The SQL export's rows for the unscorable: the same columns as the scored part (the
    ``carry`` columns passed through as they are). ``nothing_read``: the condition of
    `reads_nothing` in SQL."""
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
    empty = exp.column(EVENTS_COLUMN, quoted=True).eq(exp.Literal.number(0))
    empty = exp.or_(empty, nothing_read.copy())
    return exp.select(*values).from_(exp.to_table(table)).where(empty)


def scorable_rows(table: str, nothing_read: exp.Expression) -> exp.Select:
    """The rows the model scores: those some consented event fed (or of unknown provenance),
    and (``nothing_read`` false) some column the model reads."""
    events = exp.column(EVENTS_COLUMN, quoted=True)
    kept = exp.or_(events.is_(exp.Null()), events.neq(exp.Literal.number(0)))
    kept = exp.and_(kept, exp.not_(nothing_read.copy()))
    return exp.select(exp.Star()).from_(exp.to_table(table)).where(kept)

"""Evaluate a trained credo model (artifact) on a labelled table: score it, then measure."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from credo.evaluate import metrics
from credo.evaluate.evaluation import evaluate_scores
from credo.model import scaling

# Where a model's training score histogram (metrics.score_distribution) may be stored.
SCORE_DISTRIBUTION_KEY = "score_distribution"


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return _finite(value.item())
    return value


def feature_rows(scorecard: Any, frame: pd.DataFrame, y: np.ndarray) -> list[dict[str, Any]]:
    """Each candidate feature: dimension, IV at training and on this data, its stability
    index (PSI of its bins' shares, training against this data), how its bad rate runs over
    its bins, used or why not."""
    rows = []
    # each binned feature's bins with rows, its training rows and the rows it is judged on
    filled: dict[str, tuple[np.ndarray, int, int]] = {}
    measured = _measured_where(scorecard, frame)
    for name, train_iv in sorted(scorecard.iv_.items(), key=lambda item: -item[1]):
        row: dict[str, Any] = {
            "name": name,
            "dimension": scorecard.meta_.get(name, {}).get("dimension"),
            "iv": train_iv,
            "status": "used" if name in scorecard.features_ else scorecard.dropped_.get(name, ""),
        }
        if name in measured:
            bins, segment, train_iv, rows_in = measured[name]
            if segment is not None:  # a segment card's bins, on that segment's people
                row["segment"], row["iv"] = segment, train_iv
            row["shape"] = bins.risk_shape()
            if rows_in.size:  # a segment none of the evaluated people fall in: nothing to tell
                index = bins.index(frame[name].to_numpy()[rows_in])
                row["iv_eval"] = metrics.information_value(
                    index, y[rows_in], bins.n_bins, bins.n_regular
                )
                row["psi"] = _finite(metrics.binned_psi(bins.count, index, bins.n_bins))
                counts = np.asarray(bins.count)
                filled[name] = (counts, int(counts.sum()), int(index.size))
        rows.append(row)
    # what chance alone reaches one time in twenty over the model's features together: a
    # feature named as moved in a sample of the training population is a false alarm
    used = [row for row in rows if row["status"] == "used" and row["name"] in filled]
    for row in used:
        counts, train_rows, judged = filled[row["name"]]
        row["psi_by_chance"] = metrics.psi_by_chance(
            counts, judged, train_rows, alarm=0.05 / len(used)
        )
    for name, why in scorecard.dropped_.items():  # columns never binned (dates, identifiers)
        if name not in scorecard.iv_:
            rows.append({"name": name, "dimension": None, "iv": None, "status": why})
    return rows


def _measured_where(scorecard: Any, frame: pd.DataFrame) -> dict[str, tuple]:
    """Each binned feature's bins, the segment they are of (None for one card), the IV they
    had at training and the evaluated rows they are measured on. A segmented model's
    feature is measured in the largest segment whose card uses it, on that segment's people
    (its bins had been applied to everyone: a random split of the training file read as a
    population shift)."""
    everyone = np.arange(len(frame))
    if not hasattr(scorecard, "segments_"):
        return {name: (bins, None, scorecard.iv_.get(name), everyone)
                for name, bins in scorecard.bins_.items()}  # fmt: skip
    index = scorecard.segment_index(frame)
    out: dict[str, tuple] = {}
    for name, position in scorecard.binning_segment().items():
        segment = scorecard.segments_[position]
        card, rows_in = segment.card, np.flatnonzero(index == position)
        out[name] = (card.bins_[name], segment.name, card.iv_.get(name), rows_in)
    return out


# A model input this far from its training shares over its bins, in a batch to score, is
# written another way far more often than it moved (a PSI of 1 is all of a decile's share
# moved elsewhere several times over)
SCORING_SHIFT_PSI = 1.0


def shifted_inputs(scorecard: Any, frame: pd.DataFrame) -> list[tuple[str, float]]:
    """The model's inputs whose values in `frame` hold other shares of its bins than the
    training rows did, beyond SCORING_SHIFT_PSI and beyond chance over them together, largest
    first: (name, PSI). None of a segmented model's (its bins are one segment's rows)."""
    if hasattr(scorecard, "segments_") or frame.empty:
        return []
    used = [name for name in scorecard.features_ if name in frame.columns]
    moved = []
    for name in used:
        bins = scorecard.bins_[name]
        counts = np.asarray(bins.count)
        value = metrics.binned_psi(counts, bins.index(frame[name].to_numpy()), bins.n_bins)
        if not (math.isfinite(value) and value >= SCORING_SHIFT_PSI):
            continue  # chance is worked out only where it could matter
        chance = metrics.psi_by_chance(
            counts, len(frame), int(counts.sum()), alarm=0.05 / len(used)
        )
        if value >= chance:
            moved.append((name, value))
    return sorted(moved, key=lambda item: -item[1])


def points_rows(scorecard: Any) -> list[dict[str, Any]]:
    """The points table as plain rows (NaN bad rates of empty bins become None)."""
    table = scorecard.points_table()
    return [{k: _finite(v) for k, v in row.items()} for row in table.to_dict("records")]


def segment_rows(scorecard: Any, frame: pd.DataFrame, y: np.ndarray, score, p_bad) -> list[dict]:
    """A segmented model's segments on this data: rule, rows, bad rate beside the mean
    predicted probability of bad (each card's calibration), mean score, AUC within the
    segment, the points charged for being in it. Empty for a one-card model."""
    if not hasattr(scorecard, "segments_"):
        return []
    index = scorecard.segment_index(frame)
    rows = []
    for i, segment in enumerate(scorecard.segments_):
        mine = index == i
        labels, scores = y[mine], np.asarray(score, dtype=np.float64)[mine]
        predicted = np.asarray(p_bad, dtype=np.float64)[mine]
        both = 0 < labels.sum() < labels.size
        rows.append(
            {
                "segment": segment.name,
                "rule": segment.label(),
                "rows": int(mine.sum()),
                "bad_rate": float(labels.mean()) if labels.size else None,
                "mean_pd": float(predicted.mean()) if predicted.size else None,
                "mean_score": float(scores.mean()) if scores.size else None,
                "auc": metrics.auc(labels, -scores) if both else None,
                "charges": ", ".join(f"{n}: {p}" for n, p in segment.charges.items()),
            }
        )
    return rows


def reason_texts(scorecard: Any) -> dict[str, str]:
    """Reason code -> the plain text a person reads."""
    texts = {}
    for name, code in scorecard.codes_.items():
        meta = scorecard.meta_.get(name, {})
        texts[code] = meta.get("reason") or meta.get("description") or name.replace("_", " ")
    return texts


def band_order(scorecard: Any) -> list[str]:
    """Band names from the best (highest scores) to the worst."""
    bands = sorted(scorecard.scale_.bands, key=lambda band: band.low, reverse=True)
    return [band.name for band in bands]


def _score_range(scorecard: Any) -> dict[str, Any]:
    """The lowest and highest score the model can give (its cards' fewest and most points,
    within the scale), and the bands outside that range, which no one can reach."""
    segments = getattr(scorecard, "segments_", None)
    cards = [segment.card for segment in segments] if segments else [scorecard]
    scale = scorecard.scale_
    low = min(sum(int(card.points_[n].min()) for n in card.features_) for card in cards)
    high = max(sum(int(card.points_[n].max()) for n in card.features_) for card in cards)
    low, high = (min(max(v, scale.min_score), scale.max_score) for v in (low, high))
    out_of_reach = [b.name for b in scale.bands if b.high < low or b.low > high]
    return {"score_range": [low, high], "bands_out_of_reach": out_of_reach}


def _scale_ends(scale: Any, scored: pd.DataFrame) -> dict[str, Any]:
    """The share of scores at each end of the scale, and where an end is crowded
    (scaling.crowded_ends) the base odds that would fit these people, in words too."""
    scores = scored["score"].to_numpy(dtype=float)
    if scores.size == 0:
        return {}
    ends = {
        "top": [scale.max_score, float(np.mean(scores >= scale.max_score))],
        "bottom": [scale.min_score, float(np.mean(scores <= scale.min_score))],
    }
    out: dict[str, Any] = {"scale_ends": ends}
    crowded = scaling.crowded_ends(scores, scale)
    if crowded:
        p_bad = np.clip(scored["pd"].to_numpy(dtype=float), 1e-15, 1 - 1e-15)
        fitting = scaling.fitting_base_odds(np.log(p_bad / (1 - p_bad)), scale)
        out["fitting_base_odds"] = fitting
        out["scale_ends_words"] = scaling.crowded_ends_words(
            crowded, fitting, scale, "the people evaluated"
        )
    return out


def _protected_inputs(
    artifact: Any, challenger: Any, protected: Mapping[str, Sequence[Any]] | None
) -> list[str]:
    inputs = set(artifact.scorecard.features_)
    if challenger is not None:
        inputs |= set(challenger.features_)
    allowed = set((artifact.training or {}).get("allowed_protected") or ())
    return sorted((allowed | set(protected or ())) & inputs)


def evaluate_artifact(
    artifact: Any,
    frame: pd.DataFrame,
    y: Sequence[int],
    *,
    protected: Mapping[str, Sequence[Any]] | None = None,
    unscored_y: Sequence[int] | None = None,
    cutoff: float | None = None,
    model_path: str | None = None,
    data_source: str | None = None,
    outcome: str | None = None,
    same_as_training: bool | None = None,
    training_rows_share: float | None = None,
    training_rows_interval: list[float] | None = None,
) -> dict[str, Any]:
    """Score `frame` with the artifact (scorecard and, when present, challenger) and evaluate.

    `artifact` is a credo.model.artifact.ModelArtifact; `y` the 0/1 outcomes of the rows;
    `outcome` says in words how they were read (the target and its values);
    `same_as_training`: whether the rows are the files the model was trained on (None: unknown);
    `training_rows_share`: about what share of the rows are training rows, found by their
    values (credo.model.row_prints; None: unknown), and its 95 % interval;
    `unscored_y`: the outcomes of the people it could not score, whose `protected` values
    follow the rows' (declined in the fairness checks: evaluate_scores).
    """
    labels = np.asarray(y, dtype=np.int8)
    scorecard = artifact.scorecard
    frame, unread, reading_notes = artifact.read_for_scoring(frame)  # for the challenger too
    scored = artifact.score_table(frame, with_text=True)  # what each person was told
    challenger = artifact.challenger_model()
    challenger_pd = challenger.predict_proba(frame)[:, 1] if challenger is not None else None
    distribution = (artifact.training or {}).get(SCORE_DISTRIBUTION_KEY) or (
        artifact.metrics or {}
    ).get(SCORE_DISTRIBUTION_KEY)
    trained_rows = (artifact.training or {}).get("rows") or scorecard.training_.get("rows")
    if distribution and trained_rows:  # how many scores the shares are of: for PSI's noise
        distribution = {**distribution, "rows": int(trained_rows)}
    model_info = {
        "path": model_path,
        "scale": scorecard.scale_.name,
        "features": len(scorecard.features_),
        "content_hash": getattr(artifact, "content_hash", ""),
        "trained_rows": trained_rows,
        "challenger": challenger is not None,
        # a feature table's model leaves unscored the people it reads no data of; a plain
        # table's scores every row (the report explains the first only where it applies)
        "input_kind": (artifact.training or {}).get("kind"),
        # how many of the challenger's inputs are held to a risk direction (monotone)
        "challenger_constrained": (
            sum(1 for c in challenger.monotone_ if c) if challenger is not None else 0
        ),
        "challenger_inputs": len(challenger.features_) if challenger is not None else 0,
        # protected attributes the model reads: allowed at training (--allow-protected), or
        # audited here though the policy does not name them
        "protected_inputs": _protected_inputs(artifact, challenger, protected),
        **_score_range(scorecard),
        **_scale_ends(scorecard.scale_, scored),
    }
    return evaluate_scores(
        labels,
        scored["pd"].to_numpy(),
        scored["score"].to_numpy(),
        scored["band"].to_numpy(),
        band_order(scorecard),
        reasons=scored[[c for c in scored.columns if c.startswith("reason_")]],
        reason_texts=reason_texts(scorecard),
        challenger_pd=challenger_pd,
        train_scores=distribution,
        protected=protected,
        unscored_y=unscored_y,
        cutoff=cutoff,
        model_info=model_info,
        data_info={
            "source": data_source,
            "outcome": outcome,
            "same_as_training": same_as_training,
            "training_rows_share": training_rows_share,
            "training_rows_interval": training_rows_interval,
            "unread_inputs": unread,
            "reading_notes": reading_notes,
        },
        features=feature_rows(scorecard, frame, labels),
        points=points_rows(scorecard),
        segments=segment_rows(
            scorecard, frame, labels, scored["score"].to_numpy(), scored["pd"].to_numpy()
        ),
    )

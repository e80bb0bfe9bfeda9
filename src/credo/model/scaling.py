"""Points-to-double-odds scaling: pure functions from log-odds to points, scores and bands.

A score is ``offset + factor * ln(odds of good)``; ``factor = pdo / ln 2`` so the odds of good
double every ``pdo`` points, and ``offset`` puts ``base_score`` at ``base_odds`` (good:bad).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np
from scipy.special import expit


@dataclass(frozen=True)
class Band:
    """A score range [low, high] with a name (and the name in its home language)."""

    name: str
    low: int
    high: int
    local_name: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Scale:
    """A scale preset: score range, points-to-double-odds anchors and bands (ascending)."""

    name: str
    min_score: int
    max_score: int
    base_score: float
    base_odds: float
    pdo: float
    bands: tuple[Band, ...]

    @property
    def factor(self) -> float:
        return scaling_factor(self.pdo)

    @property
    def offset(self) -> float:
        return scaling_offset(self.base_score, self.base_odds, self.pdo)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["bands"] = [band.to_dict() for band in self.bands]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Scale:
        bands = tuple(Band(**band) for band in data["bands"])
        scale = cls(**{**data, "bands": bands})
        check_bands(scale)
        return scale


def check_bands(scale: Scale) -> None:
    """The bands must tile the scale: from its lowest score to its highest, each starting one
    point above the last (a score in no band, or in two, has no name). ValueError if not."""
    if not scale.bands:
        raise ValueError(f"scale {scale.name!r} has no bands")
    expected_low = scale.min_score
    for band in scale.bands:
        if band.low != expected_low or band.high < band.low:
            raise ValueError(
                f"band {band.name!r} runs {band.low}-{band.high}, but the bands must run on from"
                f" {expected_low} without gaps or overlaps"
            )
        expected_low = band.high + 1
    if expected_low != scale.max_score + 1:
        raise ValueError(f"the bands end at {expected_low - 1}, the scale at {scale.max_score}")


FICO_BANDS = (
    Band("Poor", 300, 579),
    Band("Fair", 580, 669),
    Band("Good", 670, 739),
    Band("Very good", 740, 799),
    Band("Exceptional", 800, 850),
)
SESAME_BANDS = (
    Band("Poor", 350, 549, "较差"),
    Band("Fair", 550, 599, "中等"),
    Band("Good", 600, 649, "良好"),
    Band("Very good", 650, 699, "优秀"),
    Band("Excellent", 700, 950, "极好"),
)

# Anchors chosen so a typical consumer population (bad rate 5-25 %) spreads over the bands:
# odds of 20:1 sit in the middle band, 40 points double the odds.
SCALES: dict[str, Scale] = {
    "fico": Scale("fico", 300, 850, 660.0, 20.0, 40.0, FICO_BANDS),
    "sesame": Scale("sesame", 350, 950, 600.0, 20.0, 40.0, SESAME_BANDS),
}


def get_scale(name: str, base_odds: float | None = None) -> Scale:
    """The preset called ``name``, its base score anchored at ``base_odds`` (good:bad) when
    given; a clear error names the presets that exist."""
    try:
        scale = SCALES[name]
    except KeyError:
        raise ValueError(
            f"unknown scale {name!r}: choose one of {', '.join(sorted(SCALES))}"
        ) from None
    if base_odds is None:
        return scale
    if not (math.isfinite(base_odds) and base_odds > 0):
        raise ValueError(f"base odds must be a positive number (20 for 20:1), not {base_odds}")
    return replace(scale, base_odds=float(base_odds))


# More than this share of people at one end of the scale is a scale that does not fit them:
# a clipped score ranks them all alike (real bureau scores hold 1-2 % at their top).
CROWDED_END_SHARE = 0.02
# The share of people a suggested anchor leaves beyond each end
SUGGESTED_END_SHARE = 0.005


def crowded_ends(scores: np.ndarray, scale: Scale) -> dict[str, float]:
    """The share of `scores` (clipped) at each end of the scale where it is more than
    CROWDED_END_SHARE: {"top": share, "bottom": share} (empty where none is crowded)."""
    scores = np.asarray(scores, dtype=float)
    if scores.size == 0:
        return {}
    shares = {
        "top": float(np.mean(scores >= scale.max_score)),
        "bottom": float(np.mean(scores <= scale.min_score)),
    }
    return {end: share for end, share in shares.items() if share > CROWDED_END_SHARE}


def fitting_base_odds(log_odds_bad: np.ndarray, scale: Scale) -> dict[str, float]:
    """The base odds (good:bad at the base score, two significant figures) that would hold
    these people's scores inside the scale, all but about SUGGESTED_END_SHARE at each end:
    the scale moved the least that does it, or centred on them where they spread wider than
    it (then more stay at the ends). {"base_odds", "top", "bottom"}: the odds, and the share
    of these people they would leave at each end."""
    log_odds_bad = np.asarray(log_odds_bad, dtype=float)
    raw = scale.offset - scale.factor * log_odds_bad
    low, high = np.quantile(raw, [SUGGESTED_END_SHARE, 1 - SUGGESTED_END_SHARE])
    if high - low > scale.max_score - scale.min_score:
        shift = (high + low - scale.max_score - scale.min_score) / 2
        odds = two_figures(scale.base_odds * 2.0 ** (shift / scale.pdo))
    else:
        shift = max(high - scale.max_score, 0.0) + min(low - scale.min_score, 0.0)
        # rounded the way that keeps the moved end inside the scale: rounded to the nearest,
        # people sharing the score at that end (a card of few bins) could land a fraction of
        # a point beyond it and crowd it again
        odds = two_figures(scale.base_odds * 2.0 ** (shift / scale.pdo), up=shift > 0)
    moved = replace(scale, base_odds=odds)
    scores = moved.offset - moved.factor * log_odds_bad
    return {
        "base_odds": odds,
        "top": float(np.mean(scores >= scale.max_score)),
        "bottom": float(np.mean(scores <= scale.min_score)),
    }


def two_figures(value: float, up: bool | None = None) -> float:
    """A positive `value` to two significant figures: the nearest, or where `up` is given the
    next such number above it (True) or below it (False)."""
    rounded = float(f"{value:.2g}")
    if up is None or rounded == value or (rounded > value) == up:
        return rounded
    step = 10.0 ** (math.floor(math.log10(value)) - 1)
    return float(f"{rounded + step if up else rounded - step:.2g}")


def crowded_ends_words(
    crowded: dict[str, float], fitting: dict[str, float], scale: Scale, who: str
) -> str:
    """What a warning or a check says of crowded ends: where, why, and what would fit."""
    ends = {"top": scale.max_score, "bottom": scale.min_score}
    said = " and ".join(
        f"{share:.1%}{f' of {who}' if i == 0 else ''} score {ends[end]} (the {end} of the scale)"
        for i, (end, share) in enumerate(crowded.items())
    )
    said += ": there the score no longer tells people apart (their pd still does)"
    odds, top, bottom = fitting["base_odds"], fitting["top"], fitting["bottom"]
    left = f"{top:.1%} at the top and {bottom:.1%} at the bottom"
    if max(top, bottom) > CROWDED_END_SHARE:
        return (
            f"{said}. These scores spread wider than the scale's {scale.min_score}-"
            f"{scale.max_score}: no anchor holds them (centred, with --base-odds {odds:g},"
            f" {left} would remain); a spread this wide is rare in credit data: look for a"
            " feature known only after the outcome"
        )
    return (
        f"{said}. The scale puts {scale.base_score:g} at odds of {scale.base_odds:g}:1, far"
        f" from these people: train again with --base-odds {odds:g} ({scale.base_score:g} at"
        f" {odds:g}:1), which would leave {left}"
    )


def scaling_factor(pdo: float) -> float:
    """Points per unit of log-odds: ``pdo`` points double the odds."""
    return pdo / math.log(2.0)


def scaling_offset(base_score: float, base_odds: float, pdo: float) -> float:
    """The score at log-odds 0, so that ``base_score`` sits at ``base_odds`` (good:bad)."""
    return base_score - scaling_factor(pdo) * math.log(base_odds)


def points_to_double_odds(
    coef: np.ndarray, intercept: float, woe: list[np.ndarray], scale: Scale
) -> list[np.ndarray]:
    """Unrounded points of every bin of every feature.

    ``coef`` are the logistic coefficients on WoE for the log-odds of BAD, so the log-odds of
    good are ``-(intercept + sum coef_j * woe_j)``; the intercept and offset are spread evenly
    over the features so that a score is exactly the sum of its features' points.
    """
    n_features = len(coef)
    share = (scale.offset - scale.factor * intercept) / n_features
    return [
        share - scale.factor * c * np.asarray(w, dtype=float)
        for c, w in zip(coef, woe, strict=True)
    ]


def round_points(points: list[np.ndarray]) -> list[np.ndarray]:
    """Whole points per bin (half away from zero, the same in Python and SQL)."""
    return [np.sign(p) * np.floor(np.abs(p) + 0.5) for p in points]


def clip_score(raw: np.ndarray, scale: Scale) -> np.ndarray:
    """Scores held inside the preset's range."""
    return np.clip(raw, scale.min_score, scale.max_score)


def pd_from_log_odds_bad(log_odds_bad: np.ndarray) -> np.ndarray:
    """Probability of bad from its log-odds (numerically stable logistic)."""
    return expit(np.asarray(log_odds_bad, dtype=float))


def band_index(scores: np.ndarray, scale: Scale) -> np.ndarray:
    """Index (int8) into ``scale.bands`` for each score: how many upper bands it reaches."""
    scores = np.asarray(scores)
    index = np.zeros(scores.shape, dtype=np.int8)
    reached = np.empty(scores.shape, dtype=np.bool_)
    for band in scale.bands[1:]:  # a handful of bands: comparisons beat a binary search
        np.greater_equal(scores, band.low, out=reached)
        index += reached.view(np.int8)
    return index


def band_names(scores: np.ndarray, scale: Scale) -> np.ndarray:
    """The band name of each score."""
    names = np.array([band.name for band in scale.bands], dtype=object)
    return names[band_index(scores, scale)]

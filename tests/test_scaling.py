"""Points-to-double-odds scaling, rounding, clipping and bands."""

from __future__ import annotations

import math

import numpy as np
import pytest

from credo.model import scaling


def test_pdo_doubles_the_odds():
    scale = scaling.SCALES["fico"]
    # base_score sits at base_odds, and pdo more points means twice the odds of good.
    at_base = scale.offset + scale.factor * math.log(scale.base_odds)
    doubled = scale.offset + scale.factor * math.log(2 * scale.base_odds)
    assert at_base == pytest.approx(scale.base_score)
    assert doubled - at_base == pytest.approx(scale.pdo)


def test_points_sum_to_the_scaled_log_odds():
    rng = np.random.default_rng(1)
    coef = -rng.uniform(0.2, 1.5, size=5)
    woe = [rng.normal(size=rng.integers(2, 7)) for _ in range(5)]
    intercept = -1.3
    scale = scaling.SCALES["sesame"]
    points = scaling.points_to_double_odds(coef, intercept, woe, scale)
    picks = [int(rng.integers(len(w))) for w in woe]
    total = sum(p[i] for p, i in zip(points, picks, strict=True))
    log_odds_good = -(intercept + sum(c * w[i] for c, w, i in zip(coef, woe, picks, strict=True)))
    assert total == pytest.approx(scale.offset + scale.factor * log_odds_good)


def test_rounding_is_half_away_from_zero():
    rounded = scaling.round_points([np.array([0.5, 1.5, -0.5, -1.5, 2.49, -2.51])])[0]
    assert rounded.tolist() == [1.0, 2.0, -1.0, -2.0, 2.0, -3.0]


@pytest.mark.parametrize("name", sorted(scaling.SCALES))
def test_bands_cover_the_range_without_gaps(name):
    scale = scaling.SCALES[name]
    assert scale.bands[0].low == scale.min_score
    assert scale.bands[-1].high == scale.max_score
    for lower, upper in zip(scale.bands, scale.bands[1:], strict=False):
        assert upper.low == lower.high + 1
    scores = np.arange(scale.min_score, scale.max_score + 1)
    names = scaling.band_names(scores, scale)
    for band in scale.bands:
        inside = (scores >= band.low) & (scores <= band.high)
        assert set(names[inside]) == {band.name}


def test_clip_holds_scores_in_range():
    scale = scaling.SCALES["fico"]
    clipped = scaling.clip_score(np.array([-40, 300, 700, 900]), scale)
    assert clipped.tolist() == [300, 300, 700, 850]


def test_sesame_bands_carry_chinese_names():
    assert [b.local_name for b in scaling.SCALES["sesame"].bands] == [
        "较差",
        "中等",
        "良好",
        "优秀",
        "极好",
    ]


def test_pd_is_a_stable_logistic():
    z = np.array([-800.0, -2.0, 0.0, 2.0, 800.0])
    p = scaling.pd_from_log_odds_bad(z)
    assert np.all(np.isfinite(p))
    assert p[2] == 0.5
    assert p[1] == pytest.approx(1 / (1 + math.exp(2.0)))
    assert p[0] == 0.0 and p[-1] == 1.0


def test_scale_round_trips_and_unknown_is_refused():
    scale = scaling.SCALES["sesame"]
    assert scaling.Scale.from_dict(scale.to_dict()) == scale
    with pytest.raises(ValueError, match="fico"):
        scaling.get_scale("vantage")


def test_base_odds_move_the_anchor_and_only_it():
    fico = scaling.SCALES["fico"]
    moved = scaling.get_scale("fico", 2000)
    assert (moved.base_odds, moved.base_score, moved.pdo) == (2000.0, 660.0, 40.0)
    # a hundred times the odds at 660: every score log2(100) * 40 points lower
    assert fico.offset - moved.offset == pytest.approx(40 * math.log2(100))
    assert scaling.get_scale("fico") is fico
    for wrong in (0, -5, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="base odds must be a positive number"):
            scaling.get_scale("fico", wrong)


def test_crowded_ends_and_the_base_odds_that_fit_them():
    """A book of few bads (odds of good around 500:1, spread as a strong model spreads them)
    crowds the top of a scale anchored at 20:1; the suggested anchor leaves about half a
    percent at each end, and a population the preset fits is told nothing."""
    rng = np.random.default_rng(3)
    fico = scaling.SCALES["fico"]

    def scores(log_odds_bad, scale):
        raw = scale.offset - scale.factor * log_odds_bad
        return scaling.clip_score(raw, scale)

    few_bads = rng.normal(np.log(1 / 500), 1.4, 100_000)
    crowded = scaling.crowded_ends(scores(few_bads, fico), fico)
    assert set(crowded) == {"top"} and crowded["top"] > 0.3
    fitting = scaling.fitting_base_odds(few_bads, fico)
    odds = fitting["base_odds"]
    assert odds == float(f"{odds:.2g}") and odds > 500
    fitted = scaling.get_scale("fico", odds)
    ends = scores(few_bads, fitted)
    assert not scaling.crowded_ends(ends, fitted)
    assert np.mean(ends >= 850) == pytest.approx(scaling.SUGGESTED_END_SHARE, abs=0.002)
    assert (fitting["top"], fitting["bottom"]) == (np.mean(ends >= 850), np.mean(ends <= 300))
    said = scaling.crowded_ends_words(crowded, fitting, fico, "them")
    assert f"train again with --base-odds {odds:g} (660 at {odds:g}:1)" in said
    # a 15 % bad rate spreads inside the preset: nothing said
    usual = rng.normal(np.log(0.15 / 0.85), 1.0, 100_000)
    assert scaling.crowded_ends(scores(usual, fico), fico) == {}
    # wider than the scale: centred, the two ends alike
    wide = rng.normal(np.log(1 / 20), 5.0, 100_000)
    fitting = scaling.fitting_base_odds(wide, fico)
    centred = scaling.get_scale("fico", fitting["base_odds"])
    top, bottom = (np.mean(scores(wide, centred) == end) for end in (850, 300))
    assert top == pytest.approx(bottom, abs=0.01) and top == fitting["top"] > 0.02
    # no anchor holds them: said so, and no odds offered as a fix
    said = scaling.crowded_ends_words(scaling.crowded_ends(scores(wide, fico), fico), fitting,
                                      fico, "them")  # fmt: skip
    assert "spread wider than the scale's 300-850" in said and "train again" not in said


def test_suggested_base_odds_keep_a_crowd_sharing_the_end_score_inside():
    """A card of few bins gives many people one lowest score: the suggested odds, rounded to
    two figures, must not drop them a fraction of a point below the scale again (0.458
    rounded to 0.46 had left 6 % at 350 and said no anchor could hold a 275-point spread)."""
    sesame = scaling.SCALES["sesame"]
    exact = 0.458  # the odds that put the lowest score at 350 exactly
    lowest = sesame.offset - sesame.base_score + sesame.factor * math.log(exact) + 350
    raw = np.repeat([lowest, lowest + 20, lowest + 60, lowest + 275], [60, 300, 540, 100])
    log_odds_bad = (sesame.offset - raw) / sesame.factor
    scores = scaling.clip_score(raw, sesame)
    crowded = scaling.crowded_ends(scores, sesame)
    assert crowded == {"bottom": 0.9}
    fitting = scaling.fitting_base_odds(log_odds_bad, sesame)
    assert fitting == {"base_odds": 0.45, "top": 0.0, "bottom": 0.0}
    said = scaling.crowded_ends_words(crowded, fitting, sesame, "them")
    assert "train again with --base-odds 0.45" in said and "spread wider" not in said
    assert scaling.two_figures(0.996, up=False) == 0.99
    assert scaling.two_figures(0.0994, up=True) == 0.1
    assert scaling.two_figures(2183.0) == 2200.0

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

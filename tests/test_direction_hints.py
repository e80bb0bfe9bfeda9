"""Features without a direction hint ("none") get their direction from the data everywhere."""

from __future__ import annotations

import numpy as np
import pandas as pd

from credo.features.catalog import CATALOG
from credo.features.spec import FeatureSpec
from credo.features.table import FeatureMeta
from credo.model.challenger import Challenger
from credo.model.scorecard import Scorecard


def _meta(name: str, direction: str) -> FeatureMeta:
    return FeatureMeta(
        name=name,
        dimension="amounts_owed",
        description=name,
        reason=f"{name} reason",
        direction=direction,
        no_data=None,
        sources=("card",),
    )


def _data(n: int = 4000, seed: int = 5) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    balance = rng.uniform(0, 10, n)
    late = rng.integers(0, 4, n).astype(float)
    log_odds = -1.5 - 0.3 * (balance - 5) + 0.8 * late  # higher balance is SAFER here
    y = (rng.random(n) < 1 / (1 + np.exp(-log_odds))).astype(int)
    return pd.DataFrame({"balance": balance, "late": late}), y


def test_a_spec_may_leave_its_direction_to_the_data() -> None:
    spec = FeatureSpec(
        name="x_total",
        dimension="amounts_owed",
        description="d",
        reason="r",
        aggregate="count",
        direction="none",
        sources=("card",),
    )
    assert spec.direction == "none"
    assert {s.direction for s in CATALOG} <= {"higher_is_riskier", "higher_is_safer", "none"}


def test_scorecard_learns_the_direction_of_an_unhinted_feature() -> None:
    X, y = _data()
    meta = [_meta("balance", "none"), _meta("late", "higher_is_riskier")]
    card = Scorecard(min_iv=0.0).fit(X, y, meta=meta)
    assert card.bins_["balance"].monotonic == "descending"  # bad rate falls as balance rises
    assert "balance" in card.features_
    # a wrong hint forces the opposite trend, which the data cannot support
    wrong = Scorecard(min_iv=0.0).fit(X, y, meta=[_meta("balance", "higher_is_riskier"), meta[1]])
    assert wrong.iv_["balance"] < card.iv_["balance"] / 10


def test_challenger_puts_no_constraint_on_an_unhinted_feature() -> None:
    X, y = _data()
    meta = [_meta("balance", "none"), _meta("late", "higher_is_riskier")]
    model = Challenger(n_estimators=20).fit(X, y, meta=meta)
    constraints = dict(zip(model.features_, model.monotone_, strict=True))
    assert constraints == {"balance": 0, "late": 1}

"""The dynamic programme is exact: it matches a brute force over every partition of pre-bins."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from credo.model._binning_dp import TRENDS, optimal_partition
from credo.model._binning_stats import segment_iv


def _follows(rates: np.ndarray, trend: str) -> bool:
    steps = np.sign(np.diff(rates))
    if trend == "none" or len(steps) == 0:
        return True
    if np.any(steps == 0):
        return False
    if trend == "ascending":
        return bool(np.all(steps > 0))
    if trend == "descending":
        return bool(np.all(steps < 0))
    up_first = steps if trend == "peak" else -steps
    turn = int(np.argmin(up_first > 0)) if np.any(up_first < 0) else len(up_first)
    return bool(np.all(up_first[:turn] > 0) and np.all(up_first[turn:] < 0))


def _brute_force(count, bad, max_bins, min_count, trend):
    n = len(count)
    total_good, total_bad = count.sum() - bad.sum(), bad.sum()
    best = None
    for n_cuts in range(min(max_bins, n)):
        for cuts in itertools.combinations(range(1, n), n_cuts):
            bounds = (0, *cuts, n)
            c = np.array([count[a:b].sum() for a, b in itertools.pairwise(bounds)])
            d = np.array([bad[a:b].sum() for a, b in itertools.pairwise(bounds)])
            one_class = np.any(d < 1) or np.any(c - d < 1)
            if np.any(c < min_count) or one_class or not _follows(d / c, trend):
                continue
            iv = float(segment_iv(c - d, d, total_good, total_bad).sum())
            if best is None or iv > best[0] + 1e-12:
                best = (iv, bounds[:-1])
    return best


@pytest.mark.parametrize("trend", TRENDS)
def test_dp_matches_brute_force_on_random_prebins(trend: str) -> None:
    rng = np.random.default_rng(sum(map(ord, trend)))
    for _ in range(60):
        n = int(rng.integers(1, 9))
        count = rng.integers(1, 60, n).astype(float)
        bad = np.array([rng.integers(0, c + 1) for c in count], dtype=float)
        max_bins = int(rng.integers(1, 7))
        min_count = float(rng.integers(1, 70))
        found = optimal_partition(
            count,
            bad,
            total_good=count.sum() - bad.sum(),
            total_bad=bad.sum(),
            max_bins=max_bins,
            min_count=min_count,
            trend=trend,
        )
        expected = _brute_force(count, bad, max_bins, min_count, trend)
        if expected is None:  # nothing feasible: one bin of everything
            assert found.starts == (0,)
            continue
        assert found.iv == pytest.approx(expected[0], abs=1e-10)
        # the partition it returns really has that IV and meets the constraints
        bounds = (*found.starts, n)
        c = np.array([count[a:b].sum() for a, b in itertools.pairwise(bounds)])
        d = np.array([bad[a:b].sum() for a, b in itertools.pairwise(bounds)])
        assert len(c) <= max_bins and np.all(c >= min_count)
        assert len(c) == 1 or (np.all(d >= 1) and np.all(c - d >= 1))
        assert _follows(d / c, trend)
        total_good, total_bad = count.sum() - bad.sum(), bad.sum()
        assert segment_iv(c - d, d, total_good, total_bad).sum() == pytest.approx(found.iv)


def test_dp_rejects_an_unknown_trend() -> None:
    with pytest.raises(ValueError, match="trend"):
        optimal_partition(
            np.ones(3),
            np.zeros(3),
            total_good=3,
            total_bad=0,
            max_bins=2,
            min_count=1,
            trend="sideways",
        )


def test_a_cut_that_adds_no_iv_is_not_made() -> None:
    # pre-bins 0 and 1 share a bad rate: cut apart they add no IV, so the fewer bins win
    count, bad = np.array([10.0, 10.0, 10.0]), np.array([1.0, 1.0, 5.0])
    found = optimal_partition(
        count, bad, total_good=23, total_bad=7, max_bins=3, min_count=1, trend="none"
    )
    assert found.starts == (0, 2)

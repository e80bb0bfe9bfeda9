"""Pure arithmetic of binning: WoE, IV terms, the trend of bad rates, WoE of empty bins."""

from __future__ import annotations

import numpy as np

# A count of zero is read as one half, so WoE stays finite for a bin with no goods or no bads
# (and for all-good / all-bad data); every other bin gets its exact WoE, so IV never falls when
# a bin is split (the optimiser's objective stays a true refinement-monotone IV).
ZERO_COUNT_AS = 0.5
# A special value's or the missing bin's WoE is read as if the bin also held this many rows of
# the sample's rarer outcome, and of the other as the sample's rates give (side_bin_prior):
# one row moves it by ln(1 + 1/5) = 0.18 at most, where one bad in a sample 7.8 % bad says
# -2.56 alone; a bin of hundreds of rows keeps about its own WoE.
SIDE_BIN_PRIOR = 5.0


def woe_values(
    good: np.ndarray,
    bad: np.ndarray,
    total_good: float,
    total_bad: float,
    zero_as: tuple[float, float] = (ZERO_COUNT_AS, ZERO_COUNT_AS),
) -> np.ndarray:
    """woe_i = ln( (good_i / G) / (bad_i / B) ), a zero count read as `zero_as` (goods, bads:
    1/2 each by default); higher = safer."""
    good = np.maximum(np.asarray(good, dtype=np.float64), zero_as[0])
    bad = np.maximum(np.asarray(bad, dtype=np.float64), zero_as[1])
    share_good = good / max(float(total_good), ZERO_COUNT_AS)
    share_bad = bad / max(float(total_bad), ZERO_COUNT_AS)
    return np.log(share_good / share_bad)


def iv_terms(
    good: np.ndarray,
    bad: np.ndarray,
    woe: np.ndarray,
    total_good: float | None = None,
    total_bad: float | None = None,
) -> np.ndarray:
    """Each bin's information value: (good_i / G - bad_i / B) * woe_i (0 for an empty bin)."""
    good = np.asarray(good, dtype=np.float64)
    bad = np.asarray(bad, dtype=np.float64)
    total_good = float(good.sum()) if total_good is None else float(total_good)
    total_bad = float(bad.sum()) if total_bad is None else float(total_bad)
    gap = good / max(total_good, 1.0) - bad / max(total_bad, 1.0)
    return gap * np.asarray(woe, dtype=np.float64)


def segment_iv(
    good: np.ndarray, bad: np.ndarray, total_good: float, total_bad: float
) -> np.ndarray:
    """IV of bins given by their good/bad counts (any shape): the DP's objective per bin."""
    return iv_terms(good, bad, woe_values(good, bad, total_good, total_bad), total_good, total_bad)


def noise_iv(bins: int, goods: float, bads: float) -> float:
    """The IV a feature with no signal shows on average over `bins` non-empty bins: twice the
    G-statistic is chi-squared with bins - 1 degrees of freedom, and IV is about that over
    goods plus that over bads."""
    return max(bins - 1, 1) * (1.0 / max(goods, 1) + 1.0 / max(bads, 1))


def binned_iv(count: np.ndarray, bad: np.ndarray, n_regular: int) -> float:
    """A binned feature's IV from each bin's rows and bads, its WoE by `woe_with_empty_rule`."""
    count = np.asarray(count, dtype=np.float64)
    bad = np.asarray(bad, dtype=np.float64)
    return float(iv_terms(count - bad, bad, woe_with_empty_rule(count, bad, n_regular)).sum())


def trend_of(rates: np.ndarray) -> str:
    """ascending / descending / peak / valley / none: the shape of a sequence of bad rates."""
    rates = np.asarray(rates, dtype=np.float64)
    rates = rates[~np.isnan(rates)]
    if len(rates) < 2:
        return "none"
    steps = np.sign(np.diff(rates))
    if np.any(steps == 0):
        return "none"
    if np.all(steps > 0):
        return "ascending"
    if np.all(steps < 0):
        return "descending"
    turns = np.count_nonzero(np.diff(steps))
    if turns == 1:
        return "peak" if steps[0] > 0 else "valley"
    return "none"


def side_bin_prior(total_good: float, total_bad: float) -> tuple[float, float]:
    """The pseudo-counts (goods, bads) a special or missing bin is read with: SIDE_BIN_PRIOR
    rows of the sample's rarer outcome and as many of the other as the sample's rates give,
    so that the prior alone says WoE 0."""
    rarer = min(total_good, total_bad)
    return SIDE_BIN_PRIOR * total_good / rarer, SIDE_BIN_PRIOR * total_bad / rarer


def woe_with_empty_rule(count: np.ndarray, bad: np.ndarray, n_regular: int) -> np.ndarray:
    """WoE of every bin; a bin with no rows takes the riskiest regular bin's WoE, never 0.

    The riskiest bin is the non-empty regular bin with the lowest WoE; if every regular bin
    is empty, the lowest WoE among the non-empty bins; if all are empty, 0.

    A special value's or the missing bin's rows are read with the pseudo-counts of
    `side_bin_prior` added, which pull a bin of few rows towards WoE 0: such bins have no
    minimum size, and one bad in a sample 7.8 % bad would otherwise say WoE -2.56 (a bad rate
    of one half, far beyond the worst regular bin), one good in a sample 37 % bad +0.47. A
    large bin keeps about its own WoE. A regular bin (at least one good and one bad, unless
    the data allow no cut) reads a zero count as that class's share of all rows.
    """
    count = np.asarray(count, dtype=np.float64)
    bad = np.asarray(bad, dtype=np.float64)
    good = count - bad
    total_good, total_bad = float(good.sum()), float(bad.sum())
    rows = total_good + total_bad
    both = total_good > 0 and total_bad > 0
    zero_as = (total_good / rows, total_bad / rows) if both else (ZERO_COUNT_AS, ZERO_COUNT_AS)
    woe = woe_values(good, bad, total_good, total_bad, zero_as)
    if both and len(count) > n_regular:
        prior_good, prior_bad = side_bin_prior(total_good, total_bad)
        side = slice(n_regular, None)
        woe[side] = woe_values(
            good[side] + prior_good, bad[side] + prior_bad, total_good, total_bad, zero_as
        )
    filled = count > 0
    regular_filled = filled.copy()
    regular_filled[n_regular:] = False
    donors = regular_filled if regular_filled.any() else filled
    fallback = float(woe[donors].min()) if donors.any() else 0.0
    return np.where(filled, woe, fallback)

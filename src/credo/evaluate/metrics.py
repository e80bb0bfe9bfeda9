"""Discrimination, calibration and stability metrics as pure numpy functions.

Convention: `y` is 1 for a bad outcome, 0 for good; `risk` is any number that rises with
the chance of bad (a probability of default, or minus a credit score). Every function returns
plain floats or lists of dicts, so the results go straight into JSON and the HTML report.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.stats import chi2, fisher_exact, norm, rankdata

PSI_SMOOTHING = 1e-4  # share floor so an empty bin gives a large but finite PSI term
MIN_BAND_SIZE = 30  # smaller bands are shown, but their bad rates do not judge the order
# Hosmer-Lemeshow: the bads and goods a group must expect for a chi-square's p to mean
# something (groups expecting fewer are merged with their neighbours), and the groups the
# test needs after merging (with two fewer degrees of freedom on the training rows)
HL_MIN_EXPECTED = 5.0
HL_MIN_GROUPS = 3


def _as_labels(y: Any) -> np.ndarray:
    labels = np.asarray(y, dtype=np.float64).ravel()
    if labels.size == 0:
        raise ValueError("no rows: the metrics need at least one good and one bad outcome")
    if np.isnan(labels).any() or not np.isin(labels, (0.0, 1.0)).all():
        raise ValueError("the outcome must be 0 (good) or 1 (bad) on every row")
    return labels.astype(np.int8)


def _as_values(values: Any, n: int, what: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64).ravel()
    if array.shape[0] != n:
        raise ValueError(f"{what} has {array.shape[0]} rows but the outcome has {n}")
    if np.isnan(array).any():
        raise ValueError(f"{what} has missing values (row {int(np.isnan(array).argmax())})")
    return array


def _both_classes(labels: np.ndarray) -> tuple[int, int]:
    bads = int(labels.sum())
    goods = int(labels.size - bads)
    if bads == 0 or goods == 0:
        raise ValueError(
            f"the outcome has only one class ({bads:,} bad and {goods:,} good rows): AUC, KS and"
            " calibration need both; evaluate on rows holding good (0) and bad (1) outcomes"
        )
    return bads, goods


def auc(y: Any, risk: Any) -> float:
    """Area under the ROC curve: the chance a random bad ranks riskier than a random good.

    Rank-based (Mann-Whitney U) with average ranks, so tied scores count one half.
    """
    labels = _as_labels(y)
    values = _as_values(risk, labels.size, "risk")
    bads, goods = _both_classes(labels)
    ranks = rankdata(values, method="average")
    rank_sum_bad = float(ranks[labels == 1].sum())
    return (rank_sum_bad - bads * (bads + 1) / 2.0) / (bads * goods)


def gini(y: Any, risk: Any) -> float:
    """Gini coefficient (accuracy ratio): 2 * AUC - 1."""
    return 2.0 * auc(y, risk) - 1.0


def roc_curve(y: Any, risk: Any) -> tuple[np.ndarray, np.ndarray]:
    """False- and true-positive rates at every distinct threshold, from (0, 0) to (1, 1)."""
    labels = _as_labels(y)
    values = _as_values(risk, labels.size, "risk")
    bads, goods = _both_classes(labels)
    order = np.argsort(-values, kind="mergesort")
    sorted_values = values[order]
    sorted_labels = labels[order]
    # the last row of each run of tied values is where a threshold sits
    cut = np.r_[np.nonzero(np.diff(sorted_values))[0], sorted_values.size - 1]
    true_pos = np.cumsum(sorted_labels)[cut]
    false_pos = (cut + 1) - true_pos
    fpr = np.r_[0.0, false_pos / goods]
    tpr = np.r_[0.0, true_pos / bads]
    return fpr, tpr


def ks(y: Any, risk: Any) -> float:
    """Kolmogorov-Smirnov statistic in the ranking's risk direction: the largest amount by
    which the bads' share at or above a risk threshold exceeds the goods' share there.

    Never negative: 0 when no threshold holds more of the bads than of the goods. A gap the
    other way (goods riskier than bads) is no separation by this ranking, so it does not count.
    """
    fpr, tpr = roc_curve(y, risk)
    return float(np.max(tpr - fpr))  # the curve starts at (0, 0): never below 0


def brier(y: Any, pd: Any) -> float:
    """Brier score: mean squared gap between the predicted probability of bad and the outcome."""
    labels = _as_labels(y)
    probabilities = _as_values(pd, labels.size, "pd")
    if (probabilities < 0).any() or (probabilities > 1).any():
        raise ValueError("pd must lie between 0 and 1")
    return float(np.mean((probabilities - labels) ** 2))


def quantile_groups(values: np.ndarray, n_groups: int) -> np.ndarray:
    """Group index 0..n_groups-1 of each value by rank, ties kept in the same group."""
    ranks = rankdata(values, method="min") - 1  # ties share the lowest rank
    return np.minimum((ranks * n_groups) // values.size, n_groups - 1).astype(np.int64)


def calibration_by_decile(y: Any, pd: Any, n_groups: int = 10) -> list[dict[str, float]]:
    """Predicted against observed bad rate in groups of equal size ordered by pd.

    Each row: group (1 = safest), count, pd range, mean predicted pd, observed bad rate.
    """
    labels = _as_labels(y)
    probabilities = _as_values(pd, labels.size, "pd")
    groups = quantile_groups(probabilities, n_groups)
    rows = []
    for group in np.unique(groups):
        member = groups == group
        rows.append(
            {
                "group": int(len(rows) + 1),
                "count": int(member.sum()),
                "pd_min": float(probabilities[member].min()),
                "pd_max": float(probabilities[member].max()),
                "predicted": float(probabilities[member].mean()),
                "observed": float(labels[member].mean()),
            }
        )
    return rows


def expected_calibration_error(rows: Sequence[dict[str, float]]) -> float:
    """Count-weighted mean absolute gap between predicted and observed bad rate over groups."""
    counts = np.array([row["count"] for row in rows], dtype=np.float64)
    gaps = np.array([abs(row["predicted"] - row["observed"]) for row in rows])
    return float((counts * gaps).sum() / counts.sum())


def psi_edges(train_values: Any, n_bins: int = 10) -> np.ndarray:
    """Inner cut points of (at most) n_bins equal-share bins of the training values."""
    values = np.asarray(train_values, dtype=np.float64)
    values = values[~np.isnan(values)]
    if values.size == 0:
        raise ValueError("no training values to build PSI bins from")
    quantiles = np.quantile(values, np.linspace(0, 1, n_bins + 1)[1:-1])
    return np.unique(quantiles)


def _bin_shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    index = np.searchsorted(edges, values, side="right")  # bin i: edges[i-1] <= x < edges[i]
    counts = np.bincount(index, minlength=edges.size + 1).astype(np.float64)
    return counts / counts.sum()


def psi(train_values: Any, eval_values: Any, edges: Any | None = None) -> dict[str, Any]:
    """Population stability index between training and evaluation values.

    Bins come from the training values (deciles unless `edges` is given). PSI below 0.1 is
    usually read as stable, 0.1 to under 0.25 as a shift to watch, 0.25 or more as a material
    shift.
    Returns the total and one row per bin (range, training share, evaluation share, term).
    """
    train = np.asarray(train_values, dtype=np.float64)
    current = np.asarray(eval_values, dtype=np.float64)
    train, current = train[~np.isnan(train)], current[~np.isnan(current)]
    if current.size == 0:
        raise ValueError("no evaluation values to compare with training")
    cuts = psi_edges(train) if edges is None else np.asarray(edges, dtype=np.float64)
    return psi_from_shares(_bin_shares(train, cuts), _bin_shares(current, cuts), cuts)


def _cut_text(value: float) -> str:
    """A cut as people write it: a score 612.0 is 612, a probability keeps its digits."""
    if abs(value) >= 1:
        return f"{value:,.1f}".removesuffix(".0")
    return f"{value:.3g}"


def range_label(low: float | None, high: float | None, short: bool = False) -> str:
    """A bin [low, high) in words ("612 to 640", "under 612", "802 and over"), or compact
    for a chart's axis ("<612", "612–640", "≥802")."""
    if low is None and high is None:
        return "all" if short else "every value"
    if low is None:
        return f"<{_cut_text(high)}" if short else f"under {_cut_text(high)}"
    if high is None:
        return f"≥{_cut_text(low)}" if short else f"{_cut_text(low)} and over"
    between = "–" if short else " to "
    return f"{_cut_text(low)}{between}{_cut_text(high)}"


def psi_from_shares(train_share: Any, eval_share: Any, edges: Any) -> dict[str, Any]:
    """PSI from per-bin shares (e.g. a training histogram stored in a model artifact)."""
    _, _, terms = _psi_terms(train_share, eval_share)
    # the shares as they are (an empty bin's is 0); only its term reads the floor
    expected = np.asarray(train_share, dtype=np.float64)
    actual = np.asarray(eval_share, dtype=np.float64)
    cuts = np.asarray(edges, dtype=np.float64)
    if expected.shape != actual.shape or expected.size != cuts.size + 1:
        raise ValueError("PSI needs one share per bin: len(edges) + 1 shares on both sides")
    lows = [None, *cuts.tolist()]  # None: the open end of the first and last bins
    highs = [*cuts.tolist(), None]
    rows = [
        {
            "low": low,
            "high": high,
            "range": range_label(low, high),
            "train_share": float(e),
            "eval_share": float(a),
            "term": float(t),
        }
        for low, high, e, a, t in zip(lows, highs, expected, actual, terms, strict=True)
    ]
    return {"psi": float(terms.sum()), "bins": rows}


def _psi_terms(train_share: Any, eval_share: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Both sides' shares, floored at PSI_SMOOTHING (an empty bin gives a large but finite
    term), and each bin's PSI term."""
    expected = np.maximum(np.asarray(train_share, dtype=np.float64), PSI_SMOOTHING)
    actual = np.maximum(np.asarray(eval_share, dtype=np.float64), PSI_SMOOTHING)
    return expected, actual, (actual - expected) * np.log(actual / expected)


def binned_psi(train_counts: Any, bin_index: Any, n_bins: int) -> float:
    """A characteristic's stability index: PSI between the shares of the training rows in its
    bins (`train_counts`) and those of the evaluated rows (`bin_index`: each row's bin)."""
    train = np.asarray(train_counts, dtype=np.float64)
    current = np.bincount(np.asarray(bin_index, dtype=np.int64), minlength=n_bins)[:n_bins]
    if train.sum() <= 0 or current.sum() <= 0:
        return float("nan")
    return float(_psi_terms(train / train.sum(), current / current.sum())[2].sum())


# Where both samples hold this many rows in their smallest bin, or more, PSI's chance bar is
# read from a chi-square (within 2-5 % of the drawn one); below it, it is drawn
PSI_CHANCE_ROWS_IN_BIN = 50
# Draws of the two samples behind a drawn bar (its quantile one time in twenty rests on 1,000
# draws beyond it; split over 60 features, on 16)
PSI_CHANCE_DRAWS = 20_000
_PSI_CHANCE_SEED = 20_241_203


def psi_by_chance(
    train_shares: Any, rows: int, train_rows: int | None = None, alarm: float = 0.05
) -> float:
    """The PSI that two samples of one population reach by chance with probability `alarm`
    (one time in twenty by default), on bins holding `train_shares` of it (shares or counts),
    over samples of `rows` and `train_rows` (or against the shares themselves, where their rows
    are not known). For small differences PSI is about the sum of (p - q)^2 / p: (1/rows +
    1/train_rows) times a chi-square of bins - 1 degrees of freedom, where every bin holds
    PSI_CHANCE_ROWS_IN_BIN rows or more. With fewer it is drawn: both samples drawn from the
    shares, the PSI worked out as the report works it out, empty bins' floor and all (on 30
    rows an empty decile's floored term alone is 0.74; the chi-square's bar of 0.59 was passed
    by chance 37 times in a hundred). On 120 rows over ten deciles chance alone passes 0.1."""
    shares = np.asarray(train_shares, dtype=np.float64)
    shares = shares[shares > 0] / shares.sum()
    if shares.size < 2 or rows < 1:
        return 0.0
    fewest = min(rows, train_rows or rows) * shares.min()
    if fewest >= PSI_CHANCE_ROWS_IN_BIN:
        from scipy.stats import chi2

        spread = 1 / rows + (1 / train_rows if train_rows else 0.0)
        return float(chi2.ppf(1 - alarm, shares.size - 1) * spread)
    rng = np.random.default_rng(_PSI_CHANCE_SEED)
    current = rng.multinomial(rows, shares, size=PSI_CHANCE_DRAWS) / rows
    train = (
        rng.multinomial(train_rows, shares, size=PSI_CHANCE_DRAWS) / train_rows
        if train_rows
        else shares
    )
    return float(np.quantile(_psi_terms(train, current)[2].sum(axis=1), 1 - alarm))


def psi_label(value: float) -> str:
    """Plain reading of a PSI value."""
    if value < 0.1:
        return "stable"
    if value < 0.25:
        return "moderate shift"
    return "material shift"


def bad_rate_by_band(y: Any, bands: Any, band_order: Sequence[str]) -> dict[str, Any]:
    """Count, bads and bad rate in each score band, bands ordered from best to worst.

    `monotonic` is True when the bad rate never falls as the bands get worse, judged over the
    bands of MIN_BAND_SIZE or more people (a bad or two moves a smaller band's rate by points;
    `small` says whether some were passed over), None where fewer than two such bands leave
    no order to judge; `breaks` lists the pairs of adjacent judged
    bands where it does fall, and `break_p_values` for each the one-sided Fisher exact test's
    chance of a fall at least as steep between two bands whose bad rates are in fact equal.
    """
    labels = _as_labels(y)
    names = np.asarray(bands, dtype=object).ravel()
    if names.size != labels.size:
        raise ValueError(f"bands has {names.size} rows but the outcome has {labels.size}")
    unknown = sorted(set(names.tolist()) - set(band_order))
    if unknown:
        raise ValueError(f"band(s) {unknown} are not in the band order {list(band_order)}")
    rows = []
    for band in band_order:
        member = names == band
        count = int(member.sum())
        bads = int(labels[member].sum())
        rows.append(
            {
                "band": band,
                "count": count,
                "bads": bads,
                "bad_rate": bads / count if count else None,
            }
        )
    judged = [row for row in rows if row["count"] >= MIN_BAND_SIZE]
    falls: list[tuple[dict[str, Any], dict[str, Any]]] = [
        (safer, riskier)
        for safer, riskier in zip(judged, judged[1:], strict=False)
        if riskier["bad_rate"] < safer["bad_rate"]
    ]
    small = any(0 < row["count"] < MIN_BAND_SIZE for row in rows)
    return {
        "bands": rows,
        "monotonic": not falls if len(judged) >= 2 else None,
        "breaks": [[safer["band"], riskier["band"]] for safer, riskier in falls],
        "break_p_values": [fall_p_value(safer, riskier) for safer, riskier in falls],
        # the order over every judged band at once: five bands each a little safer than the
        # one above (16 % falling to 6 %) passed step by step, each fall within chance
        "falling_trend_p_value": falling_trend_p_value(judged) if falls else None,
        "judged_bands": len(judged),
        "small": small,
    }


def falling_trend_p_value(bands: Sequence[dict[str, Any]]) -> float:
    """One-sided Cochran-Armitage p that bad rates fall at least this steadily from the best
    band to the worst by chance alone (their true rates equal): bands scored 0, 1, 2, ... in
    their order."""
    counts = np.array([b["count"] for b in bands], dtype=np.float64)
    bads = np.array([b["bads"] for b in bands], dtype=np.float64)
    steps = np.arange(len(bands), dtype=np.float64)
    total = counts.sum()
    rate = bads.sum() / total if total else 0.0
    spread = rate * (1 - rate) * ((counts * steps**2).sum() - (counts * steps).sum() ** 2 / total)
    if spread <= 0:
        return 1.0
    trend = (steps * (bads - counts * rate)).sum()
    return float(norm.cdf(trend / np.sqrt(spread)))


def fall_p_value(safer: dict[str, Any], riskier: dict[str, Any]) -> float:
    """One-sided Fisher exact p that the riskier band's bad rate is this far below the safer
    band's by chance alone (their true rates equal)."""
    table = [
        [riskier["bads"], riskier["count"] - riskier["bads"]],
        [safer["bads"], safer["count"] - safer["bads"]],
    ]
    return float(fisher_exact(table, alternative="less").pvalue)


def discrimination(y: Any, risk: Any) -> dict[str, Any]:
    """AUC (with its 95 % interval), Gini and KS of one risk ranking, together."""
    labels = _as_labels(y)
    area = auc(labels, risk)
    bads, goods = _both_classes(labels)
    return {
        "auc": area,
        "auc_interval": auc_interval(area, bads, goods),
        "gini": 2.0 * area - 1.0,
        "ks": ks(y, risk),
    }


def auc_interval(area: float, bads: int, goods: int, z: float = 1.96) -> list[float]:
    """A 95 % interval of an AUC measured on `bads` and `goods` people, from Hanley and
    McNeil's (1982) standard error."""
    from credo.model.training import auc_standard_error

    half = z * auc_standard_error(area, bads, goods)
    return [max(area - half, 0.0), min(area + half, 1.0)]


def auc_difference(y: Any, risk: Any, other_risk: Any, z: float = 1.96) -> dict[str, Any]:
    """The AUC of `other_risk` less that of `risk` on the same rows, with its 95 % interval
    and two-sided p-value from DeLong, DeLong and Clarke-Pearson's (1988) covariance of the
    two (each bad's and good's share of the other class it outranks, ties counted half).
    The interval and p are None with fewer than two bads or goods."""
    labels = _as_labels(y)
    bad = labels == 1.0
    bads, goods = int(bad.sum()), int((~bad).sum())
    firsts, seconds = (_as_values(r, labels.size, "risk") for r in (risk, other_risk))
    per_bad, per_good = [], []
    for values in (firsts, seconds):
        ranks = rankdata(np.concatenate([values[bad], values[~bad]]))
        # a bad's rank among everyone less its rank among the bads: the goods below it
        per_bad.append((ranks[:bads] - rankdata(values[bad])) / max(goods, 1))
        per_good.append(1.0 - (ranks[bads:] - rankdata(values[~bad])) / max(bads, 1))
    delta = float(per_bad[1].mean() - per_bad[0].mean())
    if bads < 2 or goods < 2:
        return {"delta": delta, "interval": None, "p_value": None}
    contrast = np.array([-1.0, 1.0])
    variance = float(
        contrast @ np.cov(np.vstack(per_bad)) @ contrast / bads
        + contrast @ np.cov(np.vstack(per_good)) @ contrast / goods
    )
    if variance <= 0.0:  # the two rank every pair alike
        same = delta == 0.0
        return {"delta": delta, "interval": [delta, delta], "p_value": 1.0 if same else 0.0}
    half = float(z * np.sqrt(variance))
    p_value = float(2.0 * norm.sf(abs(delta) / np.sqrt(variance)))
    return {"delta": delta, "interval": [delta - half, delta + half], "p_value": p_value}


def score_distribution(scores: Any, n_bins: int = 10) -> dict[str, list[float]]:
    """A training score histogram to store with a model, for PSI at evaluation time.

    Equal-share bins of the training scores: {"edges": inner cut points, "shares": share of
    training rows in each of len(edges) + 1 bins}.
    """
    values = np.asarray(scores, dtype=np.float64)
    edges = psi_edges(values, n_bins)
    return {"edges": edges.tolist(), "shares": _bin_shares(values, edges).tolist()}


def information_value(bin_index: Any, y: Any, n_bins: int, n_regular: int | None = None) -> float:
    """Information value of a binned feature: sum over bins of (good% - bad%) * WoE, worked
    out as the binning works it out at training (`credo.model._binning_stats`: a bin without
    goods or bads reads the missing class as its share of the rows), so on the training rows
    it gives the IV training reported. `n_regular`: the bins before the specials (default all).
    """
    from credo.model._binning_stats import binned_iv

    labels = _as_labels(y)
    index = np.asarray(bin_index, dtype=np.int64).ravel()
    count = np.bincount(index, minlength=n_bins)
    bad = np.bincount(index[labels == 1], minlength=n_bins)
    return binned_iv(count, bad, n_bins if n_regular is None else n_regular)


def merge_sparse_groups(rows: Sequence[dict[str, float]]) -> list[list[int]]:
    """Runs of adjacent calibration groups (0-based, in the order given: by predicted pd) that
    each expect at least HL_MIN_EXPECTED bads and as many goods: a group expecting fewer is
    merged with the next ones until the run does; a short last run joins the run before it."""
    runs: list[list[int]] = []
    current: list[int] = []
    bads = goods = 0.0
    for i, row in enumerate(rows):
        current.append(i)
        bads += row["count"] * row["predicted"]
        goods += row["count"] * (1 - row["predicted"])
        if bads >= HL_MIN_EXPECTED and goods >= HL_MIN_EXPECTED:
            runs.append(current)
            current, bads, goods = [], 0.0, 0.0
    if current and runs:
        runs[-1].extend(current)
    elif current:
        runs.append(current)
    return runs


def hosmer_lemeshow(rows: Sequence[dict[str, Any]], fitted: bool = False) -> dict[str, Any]:
    """Hosmer-Lemeshow goodness of fit over calibration groups.

    Sum over groups of (observed bads - expected bads)^2 / (n * p * (1 - p)), p the group's
    mean pd, against a chi-square with as many degrees of freedom as groups on rows the model
    was not fitted to (nothing was estimated from them), groups - 2 on the rows it was fitted
    to (`fitted`). A small p-value (below 0.05) says the predicted bad rates do not match the
    observed ones beyond chance.

    A chi-square's p means little where a group expects few bads (or goods): adjacent groups
    are merged until each expects HL_MIN_EXPECTED of both (`merge_sparse_groups`), and the test
    is on the merged groups (`merged_groups`: the first and last 1-based group of each).
    `enough_rows` is False when fewer than HL_MIN_GROUPS groups remain: the test cannot judge,
    and `p_value` is None.
    """
    runs = merge_sparse_groups(rows)
    sizes = np.array([row["count"] for row in rows], dtype=np.float64)
    pds = np.array([row["predicted"] for row in rows])
    rates = np.array([row["observed"] for row in rows])
    starts = [run[0] for run in runs]  # runs are adjacent: sums over each by reduceat
    counts = np.add.reduceat(sizes, starts)
    expected = np.add.reduceat(sizes * pds, starts)
    observed = np.add.reduceat(sizes * rates, starts)
    predicted = expected / counts
    variance = counts * predicted * (1 - predicted)
    keep = variance > 0
    statistic = float(np.sum((observed[keep] - expected[keep]) ** 2 / variance[keep]))
    dof = max(int(keep.sum()) - (2 if fitted else 0), 1)
    enough = len(runs) >= HL_MIN_GROUPS
    return {
        "statistic": statistic,
        "dof": dof,
        # none where the groups are too few to test: a p-value there would read as a verdict
        "p_value": float(chi2.sf(statistic, dof)) if enough else None,
        "expected_min": float(np.minimum(sizes * pds, sizes * (1 - pds)).min()),  # unmerged
        "groups": len(runs),
        "merged_groups": [[run[0] + 1, run[-1] + 1] for run in runs],
        "enough_rows": enough,
    }

"""Metric functions against hand-computed values and scikit-learn on random data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import chi2, norm
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.metrics import roc_curve as sk_roc_curve

from credo.evaluate import metrics
from credo.evaluate.evaluation import _band_order_check


def test_auc_by_hand_with_a_tie():
    # bads at risks 0.8 and 0.4; goods at 0.4 and 0.1. Pairs (bad, good): (0.8,0.4) win,
    # (0.8,0.1) win, (0.4,0.4) tie = 1/2, (0.4,0.1) win -> 3.5 / 4
    y = [1, 1, 0, 0]
    risk = [0.8, 0.4, 0.4, 0.1]
    assert metrics.auc(y, risk) == pytest.approx(3.5 / 4)
    assert metrics.gini(y, risk) == pytest.approx(2 * 3.5 / 4 - 1)


def test_ks_by_hand():
    # sorted by risk: bad 0.9, good 0.7, bad 0.6, bad 0.5, good 0.2, good 0.1
    # after 0.9: bad 1/3 good 0; after 0.5: bad 3/3 good 1/3 -> gap 2/3 (largest)
    y = [1, 0, 1, 1, 0, 0]
    risk = [0.9, 0.7, 0.6, 0.5, 0.2, 0.1]
    assert metrics.ks(y, risk) == pytest.approx(2 / 3)


def test_ks_counts_only_separation_in_the_risk_direction():
    # sorted by risk: bad, good, good, good, bad, bad. Bads' share at or above a threshold
    # less the goods': 1/3, 0, -1/3, -2/3, -1/3, 0. The gap the other way (2/3) is the goods
    # ranking riskier: no separation by this ranking.
    y = [1, 0, 0, 0, 1, 1]
    risk = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    assert metrics.ks(y, risk) == pytest.approx(1 / 3)
    # a ranking the wrong way round separates nothing in its own direction
    assert metrics.ks([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1]) == 0.0
    rng = np.random.default_rng(11)
    y = (rng.random(2000) < 0.2).astype(int)
    risk = rng.normal(size=2000) + 1.5 * y
    assert metrics.ks(y, risk) > 0.5 and metrics.ks(y, -risk) < 0.02
    assert metrics.discrimination(y, -risk)["ks"] == metrics.ks(y, -risk)


@pytest.mark.parametrize("seed", range(5))
def test_auc_roc_and_brier_match_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    n = 500
    y = (rng.random(n) < 0.3).astype(int)
    # coarse values so that many ties occur
    risk = np.round(rng.normal(size=n) + y * 0.7, 1)
    pd_bad = 1 / (1 + np.exp(-risk))
    assert metrics.auc(y, risk) == pytest.approx(roc_auc_score(y, risk), abs=1e-12)
    assert metrics.brier(y, pd_bad) == pytest.approx(brier_score_loss(y, pd_bad), abs=1e-12)
    fpr, tpr = metrics.roc_curve(y, risk)
    sk_fpr, sk_tpr, _ = sk_roc_curve(y, risk, drop_intermediate=False)
    np.testing.assert_allclose(fpr, sk_fpr)
    np.testing.assert_allclose(tpr, sk_tpr)
    assert metrics.ks(y, risk) == pytest.approx(np.max(sk_tpr - sk_fpr))


def test_auc_of_reversed_ranking_is_one_minus_auc():
    rng = np.random.default_rng(7)
    y = (rng.random(300) < 0.4).astype(int)
    risk = rng.normal(size=300) + y
    assert metrics.auc(y, -risk) == pytest.approx(1 - metrics.auc(y, risk))


def test_metrics_refuse_bad_input():
    with pytest.raises(ValueError, match=r"only one class \(0 bad and 3 good rows\)"):
        metrics.auc([0, 0, 0], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="0 \\(good\\) or 1 \\(bad\\)"):
        metrics.auc([0, 2, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="missing values \\(row 1\\)"):
        metrics.auc([0, 1, 1], [0.1, np.nan, 0.3])
    with pytest.raises(ValueError, match="has 2 rows but the outcome has 3"):
        metrics.brier([0, 1, 1], [0.1, 0.2])


def test_calibration_by_decile_by_hand():
    y = np.array([0, 0, 0, 1, 0, 1, 1, 1, 0, 1])
    pd_bad = np.arange(1, 11) / 20  # 0.05 .. 0.5
    rows = metrics.calibration_by_decile(y, pd_bad, n_groups=5)
    assert [r["count"] for r in rows] == [2] * 5
    assert [r["observed"] for r in rows] == pytest.approx([0, 0.5, 0.5, 1, 0.5])
    assert [r["predicted"] for r in rows] == pytest.approx([0.075, 0.175, 0.275, 0.375, 0.475])
    gaps = [0.075, 0.325, 0.225, 0.625, 0.025]
    assert metrics.expected_calibration_error(rows) == pytest.approx(np.mean(gaps))


def test_calibration_keeps_ties_in_one_group():
    y = np.array([0, 1] * 10)
    pd_bad = np.r_[np.full(15, 0.2), np.linspace(0.3, 0.9, 5)]
    rows = metrics.calibration_by_decile(y, pd_bad)
    assert sum(r["count"] for r in rows) == 20
    assert rows[0]["count"] == 15 and rows[0]["pd_min"] == rows[0]["pd_max"] == 0.2


def test_psi_by_hand():
    shares_train = np.array([0.5, 0.5])
    shares_eval = np.array([0.25, 0.75])
    result = metrics.psi_from_shares(shares_train, shares_eval, [0.0])
    expected = (0.25 - 0.5) * np.log(0.25 / 0.5) + (0.75 - 0.5) * np.log(0.75 / 0.5)
    assert result["psi"] == pytest.approx(expected)
    assert result["bins"][0]["high"] == 0.0 and result["bins"][1]["low"] == 0.0


def test_an_empty_bin_shows_its_share_of_0_while_its_term_reads_the_floor():
    result = metrics.psi_from_shares([0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.0, 1.0])
    assert [b["train_share"] for b in result["bins"]] == [0.5, 0.5, 0.0]
    assert [b["eval_share"] for b in result["bins"]] == [0.0, 0.5, 0.5]
    floor = metrics.PSI_SMOOTHING
    term = (floor - 0.5) * math.log(floor / 0.5)
    assert result["psi"] == pytest.approx(2 * term)


@pytest.mark.parametrize(("rows", "train_rows"), [(30, 700), (60, 700), (120, 20_000), (400, 700)])
def test_psi_by_chance_is_passed_by_chance_one_time_in_twenty(rows, train_rows):
    """The chi-square bar held for large samples only: 30 rows against 700 were flagged as a
    shift 37 times in a hundred (an empty decile's floored term alone is 0.74)."""
    rng = np.random.default_rng(rows)
    population = rng.normal(size=200_000)
    edges = metrics.psi_edges(population)
    bar = metrics.psi_by_chance([0.1] * 10, rows, train_rows)  # the deciles' shares
    passed = []
    for _ in range(1_000):
        train = rng.choice(population, train_rows)
        value = metrics.psi(train, rng.choice(population, rows), edges)["psi"]
        passed.append(value >= bar)
    assert 0.02 <= np.mean(passed) <= 0.1


def test_psi_by_chance_reads_a_chi_square_where_every_bin_holds_many_rows():
    shares = [0.1] * 10
    assert metrics.psi_by_chance(shares, 2_000, 5_000) == pytest.approx(
        chi2.ppf(0.95, 9) * (1 / 2_000 + 1 / 5_000)
    )
    # a bin never seen in training is no degree of freedom
    assert metrics.psi_by_chance([*shares, 0.0], 2_000, 5_000) == pytest.approx(
        metrics.psi_by_chance(shares, 2_000, 5_000)
    )
    # drawn, it is the same figure every time
    assert metrics.psi_by_chance(shares, 30, 700) == metrics.psi_by_chance(shares, 30, 700)


def test_psi_uses_training_bins_and_detects_a_shift():
    rng = np.random.default_rng(3)
    train = rng.normal(600, 50, 5000)
    same = metrics.psi(train, rng.normal(600, 50, 5000))
    shifted = metrics.psi(train, rng.normal(640, 50, 5000))
    assert same["psi"] < 0.02 and metrics.psi_label(same["psi"]) == "stable"
    assert shifted["psi"] > 0.25 and metrics.psi_label(shifted["psi"]) == "material shift"
    assert [b["train_share"] for b in same["bins"]] == pytest.approx([0.1] * 10, abs=1e-3)


def test_score_distribution_round_trips_into_psi():
    rng = np.random.default_rng(4)
    train = rng.normal(600, 50, 4000)
    current = rng.normal(620, 50, 3000)
    stored = metrics.score_distribution(train)
    edges = np.asarray(stored["edges"])
    eval_shares = np.bincount(np.searchsorted(edges, current, side="right"), minlength=10)
    from_stored = metrics.psi_from_shares(stored["shares"], eval_shares / current.size, edges)
    assert from_stored["psi"] == pytest.approx(metrics.psi(train, current)["psi"])


def test_the_auc_interval_covers_the_true_auc_about_19_times_in_20():
    # bads ~ N(1, 1), goods ~ N(0, 1): true AUC = Phi(1 / sqrt(2)) = 0.7602
    rng = np.random.default_rng(7)
    true_auc = float(norm.cdf(1 / np.sqrt(2)))
    covered, widths = 0, []
    for _ in range(400):
        risk = np.r_[rng.normal(1, 1, 20), rng.normal(0, 1, 40)]
        y = np.r_[np.ones(20), np.zeros(40)]
        found = metrics.discrimination(y, risk)
        low, high = found["auc_interval"]
        assert low <= found["auc"] <= high
        covered += low <= true_auc <= high
        widths.append(high - low)
    assert 0.91 <= covered / 400 <= 0.98
    # a hundred times the people: an interval a tenth as wide
    risk = np.r_[rng.normal(1, 1, 2000), rng.normal(0, 1, 4000)]
    low, high = metrics.discrimination(np.r_[np.ones(2000), np.zeros(4000)], risk)["auc_interval"]
    assert (high - low) == pytest.approx(np.mean(widths) / 10, rel=0.15)


def test_hosmer_lemeshow_says_when_too_few_are_expected_per_group():
    rng = np.random.default_rng(3)
    for n, enough in ((30, False), (3000, True)):
        p = rng.uniform(0.05, 0.5, n)
        y = (rng.random(n) < p).astype(int)
        test = metrics.hosmer_lemeshow(metrics.calibration_by_decile(y, p))
        assert test["enough_rows"] is enough
        assert (test["expected_min"] < 1) is (not enough)


def test_hosmer_lemeshow_merges_groups_that_expect_few_bads_or_goods():
    # the safest groups expect 1.3, 1.6, 2.0 ... bads (a model that ranks well); the riskiest
    # expects 3 goods. Merged in order until each expects 5 of both: 1-4, 5-6, 7-8, 9-10.
    pds = [0.0013, 0.0016, 0.0020, 0.0024, 0.0031, 0.0031, 0.0041, 0.0059, 0.34, 0.997]
    rows = [{"count": 1000, "predicted": p, "observed": 2 * p if p < 0.5 else p} for p in pds]
    assert metrics.merge_sparse_groups(rows) == [[0, 1, 2, 3], [4, 5], [6, 7], [8, 9]]
    test = metrics.hosmer_lemeshow(rows)
    assert test["enough_rows"] and test["groups"] == 4
    assert test["merged_groups"] == [[1, 4], [5, 6], [7, 8], [9, 10]]
    statistic = 0.0
    for run in ([0, 1, 2, 3], [4, 5], [6, 7], [8, 9]):
        count = 1000 * len(run)
        expected = sum(1000 * pds[i] for i in run)
        observed = sum(1000 * rows[i]["observed"] for i in run)
        p = expected / count
        statistic += (observed - expected) ** 2 / (count * p * (1 - p))
    assert test["statistic"] == pytest.approx(statistic)
    assert test["dof"] == 4 and test["p_value"] == pytest.approx(chi2.sf(statistic, 4))
    assert test["expected_min"] == pytest.approx(1.3)  # of the groups as given
    assert metrics.hosmer_lemeshow(rows, fitted=True)["dof"] == 2
    # nothing to merge: the groups as given
    plenty = [{"count": 1000, "predicted": p, "observed": p} for p in (0.05, 0.1, 0.2)]
    assert metrics.merge_sparse_groups(plenty) == [[0], [1], [2]]
    # the first four groups expect 7 bads; the last one's 4 join them (a short last run joins
    # the one before it): one group, told, not tested
    few = [{"count": 100, "predicted": p, "observed": p} for p in (0.01, 0.02, 0.01, 0.03, 0.04)]
    assert metrics.merge_sparse_groups(few) == [[0, 1, 2, 3, 4]]
    assert not metrics.hosmer_lemeshow(few)["enough_rows"]
    assert metrics.hosmer_lemeshow(few)["p_value"] is None  # no verdict where it cannot judge


def test_hosmer_lemeshow_judges_miscalibration_where_the_safest_groups_expect_few_bads():
    """10,012 rows with 1,264 bads and HL 111 read "evaluate on more rows": the safest tenth
    expected 1.3 bads, and every group had to expect 1 or more."""
    rng = np.random.default_rng(12)
    n = 10_000
    pd_bad = 1 / (1 + np.exp(-rng.normal(-4.2, 1.8, n)))
    calibrated = (rng.random(n) < pd_bad).astype(int)
    under = (rng.random(n) < np.clip(1.25 * pd_bad, 0, 1)).astype(int)  # 25 % more bads
    fit = metrics.hosmer_lemeshow(metrics.calibration_by_decile(calibrated, pd_bad))
    off = metrics.hosmer_lemeshow(metrics.calibration_by_decile(under, pd_bad))
    assert fit["expected_min"] < 1 and fit["enough_rows"] and off["enough_rows"]
    assert fit["groups"] < 10
    assert fit["p_value"] > 0.05 and off["p_value"] < 1e-4


def test_a_small_fall_between_bands_reads_as_chance():
    # 40 people a band: 6 bads then 5: a fall any two equal bands often show
    y = np.concatenate([np.repeat([1, 0], [6, 34]), np.repeat([1, 0], [5, 35])])
    bands = np.repeat(["A", "B"], 40)
    result = metrics.bad_rate_by_band(y, bands, ["A", "B"])
    assert result["breaks"] == [["A", "B"]]
    assert 0.4 < result["break_p_values"][0] < 0.6
    check = _band_order_check(result)
    assert check["status"] == "info" and "within what chance gives" in check["detail"]
    assert "A (15.0%) and B (12.5%)" in check["detail"]
    # ten times the people and a wider fall: flagged
    y = np.concatenate([np.repeat([1, 0], [80, 320]), np.repeat([1, 0], [40, 360])])
    steep = metrics.bad_rate_by_band(y, np.repeat(["A", "B"], 400), ["A", "B"])
    assert steep["break_p_values"][0] < 0.001
    flagged = _band_order_check(steep)
    assert flagged["status"] == "flag" and "larger than chance" in flagged["detail"]
    # one band of 30 or more: no order to judge
    lone = metrics.bad_rate_by_band(y[:410], np.repeat(["A", "B"], [400, 10]), ["A", "B"])
    # the JSON says so too: no order judged is neither rising (True) nor broken (False)
    assert lone["judged_bands"] == 1 and lone["monotonic"] is None
    unjudged = _band_order_check(lone)
    assert unjudged["status"] == "info" and "cannot be judged" in unjudged["detail"]


def test_bands_safer_step_by_step_from_best_to_worst_are_flagged_together():
    """Five bands of 400 whose bad rates fall 16 % -> 6 % as the bands get worse: each step
    was within chance, so the check told "more rows would tell" of an order run backwards."""
    from scipy.stats import chi2_contingency

    rates = [0.16, 0.135, 0.11, 0.085, 0.06]
    y = np.concatenate([np.repeat([1, 0], [round(400 * r), 400 - round(400 * r)]) for r in rates])
    names = list("ABCDE")
    result = metrics.bad_rate_by_band(y, np.repeat(names, 400), names)
    assert len(result["breaks"]) == 4 and min(result["break_p_values"]) > 0.05
    assert result["falling_trend_p_value"] < 1e-4
    check = _band_order_check(result)
    assert check["status"] == "flag" and "Cochran-Armitage" in check["detail"]
    # two bands: the trend test's z squared is the 2 x 2 table's chi-square
    two = result["bands"][:2]
    table = [[b["bads"], b["count"] - b["bads"]] for b in two]
    z = norm.ppf(metrics.falling_trend_p_value(two))
    assert z**2 == pytest.approx(chi2_contingency(table, correction=False)[0])
    # bands that rise have no falling trend to test, and a small fall stays chance
    rising = metrics.bad_rate_by_band(y[::-1], np.repeat(names, 400), names)
    assert rising["monotonic"] and rising["falling_trend_p_value"] is None


def test_bad_rate_by_band_flags_a_break():
    size = metrics.MIN_BAND_SIZE
    y = np.repeat([0, 0, 0, 1, 0, 1, 1, 0, 0, 1], size)
    bands = np.repeat(["A", "A", "B", "B", "C", "C", "C", "D", "D", "D"], size)
    good = metrics.bad_rate_by_band(y, bands, ["A", "B", "C", "D"])
    assert [r["bad_rate"] for r in good["bands"]] == pytest.approx([0, 0.5, 2 / 3, 1 / 3])
    assert not good["monotonic"] and good["breaks"] == [["C", "D"]] and not good["small"]
    # C: 60 bads of 90, D: 30 of 90; P(D holds 30 or fewer of the 90 bads | margins)
    c_bads, d_bads = 2 * size, size
    tail = sum(
        math.comb(3 * size, k) * math.comb(3 * size, c_bads + d_bads - k) for k in range(d_bads + 1)
    ) / math.comb(6 * size, c_bads + d_bads)
    assert good["break_p_values"] == [pytest.approx(tail)] and tail < 1e-5
    rising = metrics.bad_rate_by_band(y[: 7 * size], bands[: 7 * size], ["A", "B", "C", "D"])
    assert rising["monotonic"] and rising["bands"][3]["count"] == 0
    assert rising["break_p_values"] == []
    # a band too small to judge is shown but does not break the order: one bad in three
    few = metrics.bad_rate_by_band(
        np.concatenate([y[: 7 * size], [0, 0, 1]]),
        np.concatenate([bands[: 7 * size], ["D", "D", "D"]]),
        list("ABCD"),
    )
    assert few["bands"][3]["bad_rate"] == pytest.approx(1 / 3)
    assert few["monotonic"] and few["small"]
    with pytest.raises(ValueError, match="not in the band order"):
        metrics.bad_rate_by_band(y, bands, ["A", "B", "C"])


def test_information_value_by_hand():
    # bin 0: 3 good 1 bad; bin 1: 1 good 3 bad; bin 2 (a special) empty: adds nothing
    index = [0, 0, 0, 0, 1, 1, 1, 1]
    y = [0, 0, 0, 1, 0, 1, 1, 1]
    woe = np.log(0.75 / 0.25)
    expected = (0.75 - 0.25) * woe + (0.25 - 0.75) * -woe
    assert metrics.information_value(index, y, 3, n_regular=2) == pytest.approx(expected)


def test_information_value_on_the_training_rows_is_the_training_iv():
    from credo.model.binning import OptimalBinning

    rng = np.random.default_rng(2)
    x = rng.normal(size=3000)
    y = (rng.random(3000) < 1 / (1 + np.exp(2 - x))).astype(int)
    x[:40] = -9.0  # a special value, all but one of them good
    y[:40] = np.arange(40) == 0
    bins = OptimalBinning(special_values=[-9.0]).fit(x, y).bins_
    index = bins.index(x)
    assert metrics.information_value(index, y, bins.n_bins, bins.n_regular) == pytest.approx(
        bins.iv, rel=1e-12
    )


def test_hosmer_lemeshow_by_hand_and_on_calibrated_data():
    rows = [
        {"count": 100, "predicted": 0.1, "observed": 0.15},
        {"count": 100, "predicted": 0.3, "observed": 0.3},
        {"count": 100, "predicted": 0.5, "observed": 0.4},
    ]
    statistic = (100 * 0.05) ** 2 / (100 * 0.1 * 0.9) + (100 * 0.1) ** 2 / (100 * 0.25)
    result = metrics.hosmer_lemeshow(rows, fitted=True)  # on the rows it was fitted to
    assert result["statistic"] == pytest.approx(statistic)
    assert result["dof"] == 1
    assert result["p_value"] == pytest.approx(chi2.sf(statistic, 1))
    held_out = metrics.hosmer_lemeshow(rows)  # nothing fitted to these rows: a dof per group
    assert held_out["dof"] == 3 and held_out["p_value"] == pytest.approx(chi2.sf(statistic, 3))
    rng = np.random.default_rng(5)
    pd_bad = rng.uniform(0.02, 0.6, 20000)
    calibrated = (rng.random(20000) < pd_bad).astype(int)
    fit = metrics.hosmer_lemeshow(metrics.calibration_by_decile(calibrated, pd_bad))
    off = metrics.hosmer_lemeshow(metrics.calibration_by_decile(calibrated, pd_bad * 0.7))
    assert fit["p_value"] > 0.01 and off["p_value"] < 1e-6


def test_auc_difference_is_delongs_paired_test():
    rng = np.random.default_rng(0)
    n = 2000
    y = (rng.random(n) < 0.2).astype(int)
    shared = rng.normal(size=n)
    first = 0.8 * y + shared + 0.5 * rng.normal(size=n)
    second = 1.0 * y + shared + 0.5 * rng.normal(size=n)
    difference = metrics.auc_difference(y, first, second)
    assert difference["delta"] == pytest.approx(metrics.auc(y, second) - metrics.auc(y, first))
    # its standard error against the bootstrap's spread of the same difference
    low, high = difference["interval"]
    standard_error = (high - low) / (2 * 1.96)
    boot = []
    for _ in range(400):
        rows = rng.integers(0, n, n)
        boot.append(metrics.auc(y[rows], second[rows]) - metrics.auc(y[rows], first[rows]))
    assert standard_error == pytest.approx(np.std(boot), rel=0.15)
    assert low > 0 and difference["p_value"] < 0.01
    # the other way round: the same, negated
    back = metrics.auc_difference(y, second, first)
    assert back["delta"] == pytest.approx(-difference["delta"])
    assert back["p_value"] == pytest.approx(difference["p_value"])
    # a ranking less 0: no information beyond the first ranking (ties counted half)
    assert metrics.auc_difference(y, first, first)["p_value"] == 1.0
    assert (
        metrics.auc_difference(y[:5] * 0 + np.r_[1, 0, 0, 0, 0], first[:5], second[:5])["interval"]
        is None
    )


def test_discrimination_gives_the_gini_of_its_auc():
    # the report's Gini tile reads discrimination(), not gini(): both are 2 * AUC - 1
    rng = np.random.default_rng(21)
    y = (rng.random(400) < 0.3).astype(int)
    risk = np.round(rng.normal(size=400) + y, 1)
    found = metrics.discrimination(y, risk)
    assert found["gini"] == pytest.approx(2 * roc_auc_score(y, risk) - 1)
    assert found["gini"] == pytest.approx(metrics.gini(y, risk))


def test_a_value_on_a_psi_edge_falls_in_the_bin_that_starts_there():
    # the bins read "under 600", "600 to 650", "650 and over": 600 is in the second, 650 in
    # the third, on both sides of the comparison
    train = [550.0, 600.0, 600.0, 620.0]
    current = [600.0, 650.0, 650.0, 700.0]
    result = metrics.psi(train, current, edges=[600.0, 650.0])
    assert [b["range"] for b in result["bins"]] == ["under 600", "600 to 650", "650 and over"]
    assert [b["train_share"] for b in result["bins"]] == [0.25, 0.75, 0.0]
    assert [b["eval_share"] for b in result["bins"]] == [0.0, 0.25, 0.75]


def test_the_calibration_error_weighs_each_group_by_its_people():
    rows = [
        {"count": 3, "predicted": 0.1, "observed": 0.2},
        {"count": 1, "predicted": 0.5, "observed": 0.1},
    ]
    assert metrics.expected_calibration_error(rows) == pytest.approx((3 * 0.1 + 1 * 0.4) / 4)


def test_calibration_groups_are_numbered_in_order_where_ties_leave_fewer():
    # 15 of 20 people share the lowest pd (ranks 0-14: the first tenths); the other five rank
    # 15-19, in tenths 8, 9, 9, 10, 10: four groups, numbered 1 to 4 as the table shows them
    # and as the Hosmer-Lemeshow test names the groups it merged
    y = np.array([0, 1] * 10)
    pd_bad = np.r_[np.full(15, 0.2), np.linspace(0.3, 0.9, 5)]
    rows = metrics.calibration_by_decile(y, pd_bad)
    assert [r["group"] for r in rows] == [1, 2, 3, 4]
    assert [r["count"] for r in rows] == [15, 1, 2, 2]


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (0.0999, "stable"),
        (0.1, "moderate shift"),
        (0.2499, "moderate shift"),
        (0.25, "material shift"),
    ],
)
def test_psi_labels_change_at_0_1_and_at_0_25(value, label):
    assert metrics.psi_label(value) == label


def test_bands_of_equal_bad_rates_do_not_break_the_order():
    # the two best bands hold no bad customer: no fall between them
    size = metrics.MIN_BAND_SIZE
    y = np.r_[np.zeros(2 * size), np.ones(4), np.zeros(size - 4)].astype(int)
    result = metrics.bad_rate_by_band(y, np.repeat(["A", "B", "C"], size), ["A", "B", "C"])
    assert result["monotonic"] and result["breaks"] == [] and result["break_p_values"] == []


def test_a_band_of_exactly_the_least_size_is_judged_and_an_empty_one_is_not_small():
    size = metrics.MIN_BAND_SIZE
    # A: a third bad; B: none; C: nobody (a band no score reaches)
    y = np.r_[np.ones(size // 3), np.zeros(size - size // 3), np.zeros(size)].astype(int)
    result = metrics.bad_rate_by_band(y, np.repeat(["A", "B"], size), ["A", "B", "C"])
    assert result["judged_bands"] == 2 and result["breaks"] == [["A", "B"]]
    assert result["bands"][2]["count"] == 0 and not result["small"]

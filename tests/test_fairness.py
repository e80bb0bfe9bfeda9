"""Fairness checks on constructed groups whose rates are known by construction."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from credo.evaluate import fairness


def _constructed():
    # group a: 100 people, 80 approved; group b: 100 people, 50 approved
    groups = np.array(["a"] * 100 + ["b"] * 100)
    approved = np.r_[np.ones(80), np.zeros(20), np.ones(50), np.zeros(50)].astype(bool)
    # bads: in a, 10 of the declined 20 and 0 approved; in b, 30 of the declined 50, 5 approved
    y = np.zeros(200, dtype=int)
    y[80:90] = 1
    y[100:105] = 1
    y[150:180] = 1
    return groups, approved, y


def test_approval_ratio_and_four_fifths_flag():
    groups, approved, _ = _constructed()
    result = fairness.approval_rates(approved, groups)
    by_group = {row["group"]: row for row in result["groups"]}
    assert by_group["a"]["approval_rate"] == pytest.approx(0.8)
    assert by_group["b"]["approval_rate"] == pytest.approx(0.5)
    assert by_group["b"]["ratio"] == pytest.approx(0.5 / 0.8)
    assert by_group["b"]["flag"] and not by_group["a"]["flag"]
    assert result["flag"] and result["min_ratio"] == pytest.approx(0.625)


def test_four_fifths_passes_when_rates_are_close():
    groups = np.array(["a"] * 100 + ["b"] * 100)
    approved = np.r_[np.ones(80), np.zeros(20), np.ones(70), np.zeros(30)].astype(bool)
    result = fairness.approval_rates(approved, groups)
    assert result["min_ratio"] == pytest.approx(70 / 80)
    assert not result["flag"]


def test_small_groups_are_reported_but_not_flagged():
    groups = np.array(["a"] * 100 + ["b"] * 10)
    approved = np.r_[np.ones(100), np.zeros(10)].astype(bool)
    result = fairness.approval_rates(approved, groups)
    assert result["groups"][1]["ratio"] == 0.0 and not result["flag"]


def test_tpr_fpr_gaps_by_hand():
    groups, approved, y = _constructed()
    result = fairness.error_rate_gaps(y, approved, groups)
    by_group = {row["group"]: row for row in result["groups"]}
    # a: 10 bads, all declined -> TPR 1; 90 goods, 10 declined -> FPR 1/9
    assert by_group["a"]["tpr"] == pytest.approx(1.0)
    assert by_group["a"]["fpr"] == pytest.approx(10 / 90)
    # b: 35 bads, 30 declined -> TPR 30/35; 65 goods, 20 declined -> FPR 20/65
    assert by_group["b"]["tpr"] == pytest.approx(30 / 35)
    assert by_group["b"]["fpr"] == pytest.approx(20 / 65)
    # a's TPR stands on 10 bad customers: shown, not judged (under 30)
    assert result["tpr_gap"] is None
    assert result["fpr_gap"] == pytest.approx(20 / 65 - 10 / 90)
    assert result["flag"]  # FPR gap ~0.2 > 0.1


@pytest.mark.parametrize("times", [1, 10])
def test_tpr_gap_is_judged_among_groups_with_enough_bad_customers(times):
    # three groups of 200 (times `times`): 40, 50 and 8 bad customers (the first two times
    # `times`), of whom 30, 45 (likewise) and 0 are declined; every good customer is approved
    size = 200 * times
    groups = np.array(["a"] * size + ["b"] * size + ["c"] * size)
    y = np.zeros(3 * size, dtype=int)
    approved = np.ones(3 * size, dtype=bool)
    for start, bads, declined in ((0, 40 * times, 30 * times), (size, 50 * times, 45 * times)):
        y[start : start + bads] = 1
        approved[start : start + declined] = False
    y[2 * size : 2 * size + 8] = 1
    result = fairness.error_rate_gaps(y, approved, groups)
    by_group = {row["group"]: row for row in result["groups"]}
    assert by_group["c"]["tpr"] == 0.0 and by_group["c"]["bads"] == 8
    assert result["tpr_gap"] == pytest.approx(45 / 50 - 30 / 40)  # c is not judged
    assert result["fpr_gap"] == 0.0
    # 0.15 > 0.10: on 40 and 50 bad customers chance makes such gaps (chi-square p 0.058);
    # on 400 and 500 it does not
    p_value = result["tpr_gap_p_value"]
    assert p_value == pytest.approx(0.0578, abs=1e-4) if times == 1 else p_value < 1e-8
    assert result["flag"] == (times == 10)
    # a flagged gap is marked on the two groups it is between (c is not judged)
    marks = {row["group"]: row["tpr_flag"] for row in result["groups"]}
    assert marks == (
        {"a": "lowest", "b": "highest", "c": None} if times == 10 else dict.fromkeys("abc")
    )
    assert all(row["fpr_flag"] is None for row in result["groups"])


def test_random_groups_are_rarely_flagged():
    # an attribute drawn at random has nothing to do with the decisions: its gaps are chance
    rng = np.random.default_rng(3)
    risk = rng.random(400)
    y = (rng.random(400) < 0.1 + 0.4 * risk).astype(int)
    approved = risk < np.quantile(risk, 0.7)
    flagged = [
        fairness.error_rate_gaps(y, approved, rng.integers(0, 3, 400).astype(str))["flag"]
        for _ in range(200)
    ]
    assert np.mean(flagged) <= 0.1  # about 0.05 by design; it was 0.7 without the test


def test_calibration_within_groups_flags_the_mispredicted_group():
    rng = np.random.default_rng(0)
    n = 4000
    groups = np.where(rng.random(n) < 0.5, "x", "y")
    pd_bad = np.full(n, 0.2)
    true_rate = np.where(groups == "x", 0.2, 0.3)  # the model under-predicts group y
    y = (rng.random(n) < true_rate).astype(int)
    result = fairness.calibration_within_groups(y, pd_bad, groups)
    by_group = {row["group"]: row for row in result["groups"]}
    assert not by_group["x"]["flag"] and by_group["y"]["flag"]
    assert by_group["y"]["observed"] == pytest.approx(y[groups == "y"].mean())
    assert by_group["y"]["predicted"] == pytest.approx(0.2)
    assert by_group["y"]["z"] > 2 and by_group["y"]["z_own"] > 2
    # two groups differ alike from a scaling fitted on both: y is the one off its predictions
    assert result["reference"] == ["x"]
    assert result["reference_ratio"] == pytest.approx(by_group["x"]["ratio"])
    # the population's calibration is of both groups: x's alone would mirror y's gap
    assert result["population"]["groups"] == ["x", "y"]
    assert result["population"]["observed"] == pytest.approx(y.mean())


def test_two_groups_off_their_predictions_both_ways_are_no_population_gap():
    """F bad at 0.92 times its predictions, M at 1.08 times, the whole as predicted: F is
    flagged against M, and M's gap was told as "the bad rate of the other groups is above the
    model's prediction: that much is the model's calibration on this population"."""
    from credo.evaluate.evaluation import _calibration_words

    rng = np.random.default_rng(5)
    n = 60_000
    groups = np.where(rng.random(n) < 0.5, "F", "M")
    pd_bad = np.clip(rng.normal(0.14, 0.05, n), 0.01, 0.6)
    y = (rng.random(n) < pd_bad * np.where(groups == "F", 0.92, 1.08)).astype(int)
    result = fairness.calibration_within_groups(y, pd_bad, groups)
    assert result["flag"] and result["reference"] in (["F"], ["M"])
    population = result["population"]
    assert population["groups"] == ["F", "M"] and not population["off"]
    words = " ".join(_calibration_words(result))
    assert "mis-calibrated for" in words and "calibration on this population" not in words
    # a population off as a whole beside the two groups' gap is told as the whole's
    shifted = (rng.random(n) < pd_bad * np.where(groups == "F", 1.2, 1.5)).astype(int)
    off = fairness.calibration_within_groups(shifted, pd_bad, groups)
    assert off["flag"] and off["population"]["off"]
    assert "the bad rate of the groups as a whole is above" in " ".join(_calibration_words(off))


@pytest.mark.parametrize(("others", "odd"), [(1.0, 2.0), (1.6, 1.0)])
def test_calibration_within_groups_flags_the_group_unlike_the_others(others, odd):
    """Three groups with `others` times the predicted bad rate, one with `odd` times it: the
    odd one alone is flagged, whether the others are calibrated (1.0) or off alike (1.6: the
    odd one is then the one on its predictions, yet harshly treated against the others). A
    scaling fitted on all four, which the odd one pulls, put some of the three out too."""
    rng = np.random.default_rng(1)
    groups = np.repeat(["a", "b", "c", "d"], 2000)
    pd_bad = np.clip(rng.normal(0.1, 0.03, groups.size), 0.01, 0.5)
    true_rate = pd_bad * np.where(groups == "d", odd, others)
    y = (rng.random(groups.size) < true_rate).astype(int)
    result = fairness.calibration_within_groups(y, pd_bad, groups)
    assert [row["flag"] for row in result["groups"]] == [False, False, False, True]
    assert np.sign(result["groups"][3]["z"]) == np.sign(odd - others)
    assert result["reference"] == ["a", "b", "c"]
    assert result["reference_ratio"] == pytest.approx(others, abs=0.1)
    # the z a group was flagged at is beyond the bar, whatever its z against the last shift
    assert abs(result["groups"][3]["z_flagged"]) > result["threshold"]
    assert [row["z_flagged"] for row in result["groups"][:3]] == [None] * 3
    # the population's calibration is the groups' alike: calibrated where they are, not
    # blamed for the odd group's gap
    population = result["population"]
    assert population["count"] == 6000 and population["off"] == (others != 1.0)


def test_a_population_off_alike_in_every_group_flags_no_group():
    """An out-of-time test where every group's bad rate rose: F 13.0 % observed against 7.6 %
    predicted, M 12.3 % against 7.5 %, flagged both. The groups do not differ: the model is off
    for the whole population, which the calibration section judges."""
    rng = np.random.default_rng(2)
    n = 10_000
    groups = rng.choice(["F", "M"], n, p=[0.45, 0.55])
    pd_bad = 1 / (1 + np.exp(-rng.normal(-2.6, 0.4, n)))
    y = (rng.random(n) < np.clip(1.7 * pd_bad, 0, 1)).astype(int)
    result = fairness.calibration_within_groups(y, pd_bad, groups)
    assert not result["flag"] and not any(row["flag"] for row in result["groups"])
    for row in result["groups"]:
        assert row["observed"] > 1.5 * row["predicted"]  # each far off on its own
        assert row["rescaled"] == pytest.approx(row["observed"], rel=0.05)
    population = result["population"]
    assert population["off"] and population["z"] > 10
    assert population["observed"] == pytest.approx(y.mean())
    # rescaled over the groups, the predictions expect as many bads as there were
    rescaled = sum(row["rescaled"] * row["count"] for row in result["groups"])
    assert rescaled == pytest.approx(y.sum())
    # no bads at all: nothing to rescale to, and nothing flagged
    none = fairness.calibration_within_groups(np.zeros(n, int), pd_bad, groups)
    assert not none["flag"] and none["population"]["off"]


def test_group_labels_for_age_categories_and_missing():
    ages = np.array([19, 30, 44, 45, 70, np.nan, 52, 61, 23, 38, 27, 33])
    labels = fairness.group_labels(ages, "age_in_years")
    assert list(labels[:6]) == ["< 25", "25-34", "35-44", "45-54", ">= 65", "missing"]
    # bands of numbers that are not whole say where they end
    shares = fairness.group_labels(np.linspace(0, 1, 41), "share")
    assert "0.25 to under 0.5" in set(shares)
    assert list(fairness.group_labels(np.array([1, 2, 2, 1]), "sex")) == ["1", "2", "2", "1"]
    words = fairness.group_labels(np.array(["f", None, "m"], dtype=object), "sex")
    assert list(words) == ["f", "missing", "m"]


def test_ages_no_applicant_has_are_banded_at_the_ends_among_a_few_ages():
    # four ages and 999 (not known): the audit says such ages are banded at the ends, and
    # so they are, not judged as a group "999" of their own
    rng = np.random.default_rng(6)
    n = 900
    ages = rng.choice([25.0, 35.0, 45.0, 55.0, 999.0], n)
    y, approved = (rng.random(n) < 0.2).astype(int), rng.random(n) < 0.7
    audit = fairness.audit_attribute("age", ages, y, np.full(n, 0.2), approved)
    groups = [row["group"] for row in audit["approval"]["groups"]]
    assert groups == ["25-34", "35-44", "45-54", "55-64", ">= 65"]
    assert audit["values"]["odd_ages"] == {"count": int((ages == 999).sum()), "examples": ["999"]}
    # a few ages every applicant can have stay one group each
    assert set(fairness.group_labels(np.array([30.0, 40.0, 50.0]), "age")) == {"30", "40", "50"}


def test_an_age_held_as_text_with_a_few_codes_is_banded():
    # five "unknown" among ages: the column is text, but still ages, not a group per year
    ages = np.r_[np.arange(20, 80), np.arange(20, 80)].astype(str).astype(object)
    ages[:5] = "unknown"
    ages[7] = " 41 "
    labels = fairness.group_labels(ages, "age")
    assert set(labels) == {"< 25", "25-34", "35-44", "45-54", "55-64", ">= 65", "missing"}
    assert (labels == "missing").sum() == 5 and labels[7] == "35-44"
    # mostly words: categories as given (and only for a column named as an age)
    words = np.array(["young", "old", "34"] * 10, dtype=object)
    assert set(fairness.group_labels(words, "age")) == {"young", "old", "34"}
    assert set(fairness.group_labels(ages, "region")) > {"unknown", "41", "79"}


def test_days_since_birth_are_audited_as_age_bands():
    rng = np.random.default_rng(2)
    days = -rng.integers(20 * 365, 70 * 365, 600)  # Home Credit's DAYS_BIRTH
    y = (rng.random(600) < 0.1).astype(int)
    audit = fairness.audit_attribute(
        "DAYS_BIRTH", days, y, np.full(600, 0.1), rng.random(600) < 0.7
    )
    assert audit["attribute"] == "DAYS_BIRTH (as age)"
    groups = [g["group"] for g in audit["approval"]["groups"]]
    assert groups == ["< 25", "25-34", "35-44", "45-54", "55-64", ">= 65"]
    counted = sum(g["count"] for g in audit["approval"]["groups"] if g["group"] == "25-34")
    assert counted == int(((-days / 365.25 >= 25) & (-days / 365.25 < 35)).sum())
    # days of something else stay quartiles of days
    other = fairness.audit_attribute("DAYS_EMPLOYED", days, y, np.full(600, 0.1), y == 0)
    assert other["attribute"] == "DAYS_EMPLOYED"


def test_true_and_false_read_alike_with_or_without_missing_values():
    plain = fairness.group_labels(np.array([True, False, True]), "foreign")
    gaps = fairness.group_labels(np.array([True, False, None], dtype=object), "foreign")
    assert list(plain) == ["True", "False", "True"]
    assert list(gaps) == ["True", "False", "missing"]


def test_band_edges_that_are_whole_numbers_are_written_in_full():
    limits = np.repeat(np.arange(10_000.0, 1_000_000.0, 10_000.0), 3)
    labels = set(fairness.group_labels(limits, "limit_bal"))
    assert labels == {"< 250000", "250000-499999", "500000-749999", ">= 750000"}


def test_a_band_label_is_the_rule_that_put_each_person_in_the_band():
    incomes = np.round(np.random.default_rng(5).lognormal(10, 0.6, 2000), 2) + 0.25
    labels = fairness.group_labels(incomes, "monthly_income")
    assert len(set(labels)) == 4 and not any("e+" in label for label in labels)
    for value, label in zip(incomes, labels, strict=True):
        if label.startswith("< "):
            low, high = -np.inf, float(label[2:])
        elif label.startswith(">= "):
            low, high = float(label[3:]), np.inf
        else:
            low, high = (float(v) for v in label.split(" to under "))
        assert low <= value < high, (value, label)


def test_audit_attribute_combines_the_three_checks():
    groups, approved, y = _constructed()
    pd_bad = np.where(approved, 0.05, 0.5)
    audit = fairness.audit_attribute("group", groups, y, pd_bad, approved)
    assert audit["attribute"] == "group"
    assert audit["flag"] == (
        audit["approval"]["flag"] or audit["errors"]["flag"] or audit["calibration"]["flag"]
    )
    assert {row["group"] for row in audit["calibration"]["groups"]} == {"a", "b"}


def test_a_small_group_does_not_set_the_bar_for_the_large_ones():
    # two people approved in full, then two groups of 100 at 70 % and 72 %
    groups = np.array(["tiny"] * 2 + ["a"] * 100 + ["b"] * 100)
    approved = np.r_[np.ones(2), np.ones(70), np.zeros(30), np.ones(72), np.zeros(28)]
    result = fairness.approval_rates(approved.astype(bool), groups)
    assert not result["flag"] and result["judged_groups"] == 2
    assert result["min_ratio"] == pytest.approx(70 / 72)
    only_small = fairness.approval_rates(np.ones(20, bool), np.array(["x"] * 10 + ["y"] * 10))
    assert only_small["judged_groups"] == 0 and only_small["min_ratio"] is None


def test_age_bands_only_for_an_age_column_and_bands_in_reading_order():
    values = np.arange(18.0, 90.0)
    assert "< 25" in set(fairness.group_labels(values, "age_in_years"))
    assert "< 25" not in set(fairness.group_labels(values, "usage_pct"))  # "age" inside a word
    labels = fairness.group_labels(np.r_[values, np.nan], "age")
    order = [row["group"] for row in fairness.approval_rates(np.ones(73, bool), labels)["groups"]]
    assert order == ["< 25", "25-34", "35-44", "45-54", "55-64", ">= 65", "missing"]


def test_many_small_groups_are_pooled_and_never_judged():
    rng = np.random.default_rng(3)
    n = 60_000
    # 40 groups of 1,000 people, then 2,000 groups of 10, approved far less often
    big = np.repeat([f"big{i:02d}" for i in range(40)], 1000)
    small = np.repeat([f"small{i:04d}" for i in range(2000)], 10)
    groups = np.r_[big, small].astype(object)
    approved = np.r_[rng.random(40_000) < 0.8, rng.random(20_000) < 0.3]
    # predicted 10 %: bad in 10 % of the big groups but big00, and in 30 % of the pooled
    rate = np.r_[np.full(1000, 0.3), np.full(39_000, 0.1), np.full(20_000, 0.3)]
    y = (rng.random(n) < rate).astype(int)
    pd_bad = np.full(n, 0.1)
    audit = fairness.audit_attribute("employer", groups, y, pd_bad, approved)
    pooled = "2,000 groups under 30 people, pooled"
    assert audit["pooled"] == pooled
    names = [row["group"] for row in audit["approval"]["groups"]]
    assert names[:40] == sorted(set(big)) and names[-1] == pooled and len(names) == 41
    row = audit["approval"]["groups"][-1]
    assert row["count"] == 20_000 and row["approval_rate"] == pytest.approx(
        approved[40_000:].mean()
    )
    # the pool is far under four fifths of the best group and mis-calibrated against the big
    # groups, but not judged
    assert row["ratio"] < 0.5 and not row["flag"]
    assert not audit["calibration"]["groups"][-1]["flag"]
    assert [g["flag"] for g in audit["calibration"]["groups"][:40]] == [True] + [False] * 39
    assert audit["approval"]["judged_groups"] == 40


def test_pooling_small_groups_keeps_the_people_of_no_known_value_apart():
    # 60 nationalities of 20 people, one of 300, and 10 people whose nationality is not known:
    # those 10 are the missing group, not one of the pooled small groups
    rng = np.random.default_rng(5)
    groups = np.array(
        [f"c{i:02d}" for i in range(60)] * 20 + ["big"] * 300 + [None] * 10, dtype=object
    )
    n = groups.size
    y, approved = (rng.random(n) < 0.2).astype(int), rng.random(n) < 0.7
    audit = fairness.audit_attribute("nationality", groups, y, np.full(n, 0.2), approved)
    pooled = "60 groups under 30 people, pooled"
    assert audit["pooled"] == pooled
    rows = [(row["group"], row["count"]) for row in audit["approval"]["groups"]]
    assert rows == [("big", 300), (pooled, 1200), ("missing", 10)]
    assert audit["values"]["missing"] == 10


def test_rates_by_group_equal_a_direct_count():
    rng = np.random.default_rng(4)
    n = 5_000
    groups = rng.choice(np.array(["x", "y", "z", None], dtype=object), n)
    approved, y, pd_bad = rng.random(n) < 0.7, (rng.random(n) < 0.2).astype(int), rng.random(n)
    errors = fairness.error_rate_gaps(y, approved, groups)
    calibration = fairness.calibration_within_groups(y, pd_bad, groups)
    labels = np.array(["missing" if g is None else g for g in groups])
    for row, cal in zip(errors["groups"], calibration["groups"], strict=True):
        member = labels == row["group"]
        assert row["count"] == member.sum() == cal["count"]
        assert row["tpr"] == pytest.approx((~approved[member & (y == 1)]).mean())
        assert row["fpr"] == pytest.approx((~approved[member & (y == 0)]).mean())
        assert cal["predicted"] == pytest.approx(pd_bad[member].mean())
        assert cal["observed"] == pytest.approx(y[member].mean())
    assert [row["group"] for row in errors["groups"]] == ["x", "y", "z", "missing"]


def test_calibration_flags_allow_for_the_number_of_groups():
    # a well-calibrated model over 200 groups of 200: some group lies two standard errors out
    # by chance alone; the flag asks for more as the groups grow in number
    rng = np.random.default_rng(9)
    groups = np.repeat([f"g{i:03d}" for i in range(200)], 200)
    pd_bad = rng.uniform(0.05, 0.3, groups.size)
    y = (rng.random(groups.size) < pd_bad).astype(int)
    result = fairness.calibration_within_groups(y, pd_bad, groups)
    beyond_two = sum(abs(row["z"]) > 2 for row in result["groups"])
    assert beyond_two >= 3 and not result["flag"]
    assert fairness.calibration_z(200) > 3.6 > fairness.calibration_z(2) > 2.2


def test_a_date_of_birth_is_audited_as_ages_not_as_one_group_per_person():
    rng = np.random.default_rng(4)
    n = 2000
    born = pd.Timestamp("2026-06-30") - pd.to_timedelta(rng.integers(20 * 365, 75 * 365, n), "D")
    text = born.strftime("%Y-%m-%d").to_numpy(dtype=object)
    y = (rng.random(n) < 0.2).astype(int)
    pd_bad = np.full(n, 0.2)
    approved = rng.random(n) < 0.7
    audit = fairness.audit_attribute("DateOfBirth", text, y, pd_bad, approved)
    assert audit["attribute"] == "DateOfBirth (as age today)"
    assert audit["pooled"] is None
    audited = {row["group"] for row in audit["calibration"]["groups"]}
    assert audited <= {"< 25", "25-34", "35-44", "45-54", "55-64", ">= 65"} and len(audited) >= 5
    today = pd.Timestamp.now(tz="UTC")
    ages = fairness.years_since_dates(text)
    expected = (
        today.year
        - born.year
        - ((born.month > today.month) | ((born.month == today.month) & (born.day > today.day)))
    )
    assert np.array_equal(ages, expected.to_numpy(dtype=float))
    # codes and numbers are not dates; nor text that reads two ways ("Sep-56" was 2056: an age
    # of -31); a birth date still to come is not known
    assert fairness.years_since_dates(np.array(["A91", "A92"] * 10, dtype=object)) is None
    assert fairness.years_since_dates(np.array(["Sep-56", "Apr-75"], dtype=object)) is None
    assert fairness.years_since_dates(np.array(["3/1/1956", "4/5/1975"], dtype=object)) is None
    # day.month.year reads one way only, as a German export writes a date of birth
    dotted = born.strftime("%d.%m.%Y").to_numpy(dtype=object)
    assert np.array_equal(fairness.years_since_dates(dotted), expected.to_numpy(dtype=float))
    later = fairness.years_since_dates(np.array(["1956-09", "2999-01-01"], dtype=object))
    assert later[0] >= 69 and np.isnan(later[1])
    # a birth date is the calendar day written, whatever zone follows (in UTC it moved a day)
    on = pd.Timestamp("2025-06-15")
    zoned = np.array(["1980-06-15T20:00:00-05:00", "1980-06-16T00:30:00+02:00"], dtype=object)
    assert fairness.years_since_dates(zoned, today=on).tolist() == [45.0, 44.0]
    berlin = pd.Series(pd.to_datetime(["1980-06-15 00:00"]).tz_localize("Europe/Berlin"))
    assert fairness.years_since_dates(berlin.to_numpy(dtype=object), today=on).tolist() == [45.0]
    assert fairness.years_since_dates(np.arange(40)) is None


def test_an_age_today_is_counted_to_the_utc_day_whatever_the_machine_zone(monkeypatch):
    # a zone whose day differs from UTC's now: UTC+14 from 10:00 UTC, UTC-11 before 11:00
    utc_today = pd.Timestamp.now(tz="UTC").tz_localize(None).normalize()
    zone = "Pacific/Kiritimati" if pd.Timestamp.now(tz="UTC").hour >= 12 else "Pacific/Pago_Pago"
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        local_today = pd.Timestamp.now().normalize()
        assert local_today != utc_today
        # born 30 years before the later of the two days: a birthday in one zone, not yet in
        # the other
        later = max(local_today, utc_today)
        born = later - pd.DateOffset(years=30)
        ages = fairness.years_since_dates(np.array([f"{born:%Y-%m-%d}"] * 3, dtype=object))
        assert ages.tolist() == [30.0 if later == utc_today else 29.0] * 3
    finally:
        monkeypatch.undo()
        time.tzset()


def test_people_without_a_score_are_declined_in_their_group():
    """Left out, 300 unscorable under-25s let their group pass at 0.86 of the best approval
    rate: counted as declined (as they are), it is 0.39."""
    scored = np.array(["young"] * 60 + ["old"] * 100)
    approved = np.r_[np.ones(48), np.zeros(12), np.ones(80), np.zeros(20)].astype(bool)
    y = np.zeros(160, dtype=int)
    pd_bad = np.full(160, 0.05)
    everyone = np.r_[scored, ["young"] * 90]  # the scored people's values, then the others'
    audit = fairness.audit_attribute(
        "group", everyone, list(y), pd_bad, approved, np.zeros(90, dtype=int)
    )
    rows = {row["group"]: row for row in audit["approval"]["groups"]}
    assert rows["young"]["count"] == 150 and rows["young"]["unscored"] == 90
    assert rows["young"]["approval_rate"] == pytest.approx(48 / 150)
    assert rows["young"]["ratio"] == pytest.approx((48 / 150) / 0.8) and audit["flag"]
    assert audit["approval"]["unscored"] == 90
    # no predicted bad rate for them: the group's calibration is of its 60 scored people
    calibration = {row["group"]: row for row in audit["calibration"]["groups"]}
    assert calibration["young"]["count"] == 60
    goods_declined = {row["group"]: row["fpr"] for row in audit["errors"]["groups"]}
    assert goods_declined["young"] == pytest.approx(102 / 150)


def test_the_missing_group_is_shown_and_never_judged():
    groups = np.array(["a"] * 100 + ["b"] * 100 + [None] * 100, dtype=object)
    approved = np.r_[np.ones(80), np.zeros(20), np.ones(75), np.zeros(25), np.zeros(100)]
    result = fairness.approval_rates(approved.astype(bool), groups)
    rows = {row["group"]: row for row in result["groups"]}
    assert rows["missing"]["approval_rate"] == 0.0 and not rows["missing"]["flag"]
    assert result["judged_groups"] == 2 and not result["flag"]


def test_codes_written_as_text_are_groups_and_camel_case_ages_are_banded():
    codes = np.array(["033", "049", "351", "044", "001"] * 20 + ["090"] * 11, dtype=object)
    assert set(fairness.group_labels(codes, "nationality")) == set(codes)
    ages = np.arange(18, 80, dtype=float)
    for name in ("applicantAge", "AgeYears", "age"):
        assert "< 25" in set(fairness.group_labels(ages, name)), name
    typed = np.array([30, 41.5, None, 52] * 5, dtype=object)  # numbers as objects (Int64 NA)
    assert "missing" in set(fairness.group_labels(typed, "income"))


def test_a_ratio_of_exactly_four_fifths_passes():
    # the rule flags a ratio below 0.80: 80 % approved beside 100 % is at the bar
    groups = np.array(["a"] * 100 + ["b"] * 100)
    approved = np.r_[np.ones(100), np.ones(80), np.zeros(20)].astype(bool)
    result = fairness.approval_rates(approved, groups)
    assert result["min_ratio"] == pytest.approx(0.8)
    assert not result["flag"]


def test_a_group_of_exactly_the_least_size_is_judged():
    size = fairness.MIN_GROUP_SIZE
    groups = np.array(["a"] * 100 + ["b"] * size)
    approved = np.r_[np.ones(90), np.zeros(10), np.zeros(size)].astype(bool)
    result = fairness.approval_rates(approved, groups)
    assert result["judged_groups"] == 2
    assert {row["group"]: row["flag"] for row in result["groups"]} == {"a": False, "b": True}


def test_a_gap_of_exactly_the_bar_is_not_flagged():
    # 1,000 bad customers a group: 10 % of a's declined, none of b's. A gap of 0.10 on so
    # many people is far beyond chance, but the rule flags gaps above 0.10
    groups = np.repeat(["a", "b"], 1000)
    y = np.ones(2000, dtype=int)
    approved = np.ones(2000, dtype=bool)
    approved[:100] = False
    result = fairness.error_rate_gaps(y, approved, groups)
    assert result["tpr_gap"] == fairness.MAX_RATE_GAP
    assert result["tpr_gap_p_value"] is None and not result["flag"]


@pytest.mark.parametrize(
    ("small", "pooled"), [(48, None), (49, "49 groups under 30 people, pooled")]
)
def test_groups_are_pooled_beyond_fifty_and_only_those_under_thirty_people(small, pooled):
    # two groups of exactly 30 people and `small` groups of ten: 50 groups are shown as they
    # are, 51 pool the groups under 30 people, never those of 30
    size = fairness.MIN_GROUP_SIZE
    labels = np.r_[
        np.repeat(["x", "y"], size), np.repeat([f"s{i:02d}" for i in range(small)], 10)
    ].astype(object)
    names, found = fairness.pool_small_groups(labels)
    assert found == pooled
    assert (names == "x").sum() == size and (names == "y").sum() == size
    assert (names == pooled).sum() == (0 if pooled is None else 10 * small)


def test_the_calibration_bar_allows_for_the_judged_groups_only():
    # two groups of 200 are judged; ten people whose group is not known, and a group of
    # five, are shown but not judged: the bar is that of two groups, norm.ppf(1 - 0.05 / 4)
    from scipy.stats import norm

    rng = np.random.default_rng(8)
    groups = np.array(["f"] * 200 + ["m"] * 200 + ["x"] * 5 + [None] * 10, dtype=object)
    pd_bad = np.full(groups.size, 0.2)
    y = (rng.random(groups.size) < 0.2).astype(int)
    result = fairness.calibration_within_groups(y, pd_bad, groups)
    assert result["threshold"] == pytest.approx(norm.ppf(1 - 0.05 / 4))

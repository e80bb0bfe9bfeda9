"""Reason codes: hand-checked orderings, ties, padding and the inquiries fifth reason."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from credo.explain import reasons as rs
from credo.model.bins import Bins, format_number
from credo.model.scorecard import Scorecard

NO = rs.NO_REASON


def reference_top(loss_row, k=4):
    """Plain-Python reference: positive losses, largest first, earlier column on ties."""
    order = sorted(
        (j for j in range(len(loss_row)) if loss_row[j] > 0), key=lambda j: (-loss_row[j], j)
    )
    return (order + [NO] * k)[:k]


def test_hand_checked_rows():
    loss = np.array(
        [
            [5, 0, 9, 9, 1, 3],  # tie between columns 2 and 3: 2 first
            [0, 0, 0, 0, 0, 0],  # best bins everywhere: no reasons
            [0, 7, 0, 0, 0, 0],  # one reason, padded
            [2, 2, 2, 2, 2, 2],  # all tied: first four columns
        ]
    )
    assert rs.top_reasons(loss).tolist() == [
        [2, 3, 0, 5],
        [NO, NO, NO, NO],
        [1, NO, NO, NO],
        [0, 1, 2, 3],
    ]


def test_matches_reference_on_random_losses():
    rng = np.random.default_rng(7)
    loss = rng.integers(0, 6, size=(500, 9))  # small range: many ties
    expected = [reference_top(row) for row in loss.tolist()]
    assert rs.top_reasons(loss).tolist() == expected


def test_fewer_features_than_reasons():
    loss = np.array([[3, 4], [0, 1]])
    assert rs.top_reasons(loss).tolist() == [[1, 0, NO, NO], [1, NO, NO, NO]]


def test_inquiry_is_fifth_only_when_it_costs_points_and_is_not_in_the_four():
    loss = np.array(
        [
            [9, 8, 7, 6, 2],  # inquiries (col 4) costs points, not in top four -> fifth
            [9, 8, 7, 6, 0],  # costs nothing -> no fifth
            [9, 8, 1, 0, 5],  # already among the four -> no fifth
        ]
    )
    top = rs.top_reasons(loss)
    assert rs.inquiry_reason(loss, top, [4]).tolist() == [4, NO, NO]


def test_costliest_of_two_inquiry_features_wins():
    loss = np.array([[9, 9, 9, 9, 1, 3], [9, 9, 9, 9, 2, 2]])
    top = rs.top_reasons(loss)
    assert rs.inquiry_reason(loss, top, [4, 5]).tolist() == [5, 4]


def test_codes_are_stable_by_catalog_order():
    codes = rs.feature_codes(["a", "b", "c"])
    assert codes == {"a": "R01", "b": "R02", "c": "R03"}
    assert rs.feature_codes(["a", "b", "c", "d"])["c"] == "R03"
    assert rs.feature_codes([f"f{i}" for i in range(120)])["f0"] == "R001"


def test_inquiry_features_are_recognised():
    assert rs.is_inquiry_feature("hard_inquiries_6m", "new_credit")
    assert rs.is_inquiry_feature("inquiries_12m", "New credit")
    assert not rs.is_inquiry_feature("accounts_opened_6m", "new_credit")
    assert not rs.is_inquiry_feature("inquiries_12m", "payment_history")


def test_loss_tables_measure_from_the_best_bin():
    tables = rs.loss_tables([np.array([10.0, 40.0, 25.0])])
    assert tables[0].tolist() == [30.0, 0.0, 15.0]


def test_ranked_reasons_fifth_matches_the_simple_rule():
    rng = np.random.default_rng(5)
    loss = rng.integers(0, 4, size=(400, 7))
    inquiries = [2, 6]
    keys = np.ascontiguousarray(rs.pack_keys(loss).T)
    top, fifth = rs.ranked_reasons(keys, 4, inquiries)
    assert top.tolist() == [reference_top(row) for row in loss.tolist()]
    assert fifth.tolist() == rs.inquiry_reason(loss, top, inquiries).tolist()


def balance_meta() -> dict:
    return {
        "name": "card_balance",
        "dimension": "amounts owed",
        "description": "Total card balance in the most recent month",
        "reason": "Card balances are high",
        "reason_low": "Card balances are low",
        "direction": None,
        "no_data": -1,
        "never": -2,
    }


def test_catalog_texts_follow_the_side_of_the_best_bin_and_say_what_specials_mean():
    bins = Bins.from_dict(
        {
            "feature": "card_balance",
            "kind": "numeric",
            "edges": [100.0, 1000.0, 5000.0],
            "specials": [-1.0, -2.0],
            "count": [10, 10, 10, 10, 5, 5, 0],
            "bad": [5, 2, 3, 6, 3, 1, 0],
            "woe": [-1.0, 0.5, 0.2, -1.5, -0.7, 0.4, -1.5],
        }
    )
    points = np.array([10, 40, 30, 5, 12, 35, 5])  # best regular bin: 1
    texts = rs.catalog_reason_texts(balance_meta(), bins, points)
    assert texts == [
        "Card balances are low",  # below the best bin, riskier than the average
        # the best regular bin costs points only against a better special value: its range
        "Total card balance in the most recent month: 100 to under 1000",
        # safer than the average (WoE 0.2), only less safe than the best: "high" is not true
        # of it, its range is, and which way scores better
        "Total card balance in the most recent month: 1000 to under 5000"
        " (a lower value scores better)",
        "Card balances are high",
        "No data on total card balance in the most recent month",
        "Total card balance in the most recent month: never",
        "Too little data on total card balance in the most recent month",
    ]
    one_sided = {**balance_meta(), "reason_low": ""}
    high, _, _, highest = rs.catalog_reason_texts(one_sided, bins, points)[:4]
    assert high == highest == "Card balances are high"
    # parenthetical notes of a description stay out of the texts
    noted = {**balance_meta(), "description": "Months since the last inquiry (-2: none on file)"}
    assert rs.catalog_reason_texts(noted, bins, points)[-3:] == [
        "No data on months since the last inquiry",
        "Months since the last inquiry: never",
        "Too little data on months since the last inquiry",
    ]


def test_a_range_is_written_in_the_features_unit():
    """Utilisation read "0.181 to under 0.418", a limit "12600 to under 33500" and a slope of
    utilisation "-0.00177 to under 0.0309": a person reads percentages, grouped amounts and
    the unit's word."""
    bins = Bins.from_dict(
        {
            "feature": "x",
            "kind": "numeric",
            "edges": [0.10582, 0.181, 0.418],
            "specials": [],
            "count": [10, 10, 10, 10, 0],
            "bad": [1, 2, 3, 6, 0],
            "woe": [1.0, 0.5, -0.2, -1.5, 0.0],
        }
    )
    share = [rs.range_words(bins, b, "share") for b in range(4)]
    assert share == [
        "under 10.582%",
        "10.582% to under 18.1%",
        "18.1% to under 41.8%",
        "41.8% or more",
    ]
    money = Bins.from_dict({**bins.to_dict(), "edges": [1.0, 12600.0, 1234567.5]})
    assert [rs.range_words(money, b, "money") for b in range(4)] == [
        "under 1",
        "1 to under 12,600",
        "12,600 to under 1,234,567.5",
        "1,234,567.5 or more",
    ]
    days = Bins.from_dict({**bins.to_dict(), "edges": [1.0, 30.0, 60.0]})
    assert [rs.range_words(days, b, "days") for b in range(4)] == [
        "under 1 day",
        "1 to under 30 days",
        "30 to under 60 days",
        "60 days or more",
    ]
    slope = Bins.from_dict({**bins.to_dict(), "edges": [-0.00177, 0.01, 0.0309]})
    assert rs.range_words(slope, 0, "share_change") == "under -0.177 percentage points"
    assert rs.range_words(slope, 2, "share_change") == "1 to under 3.09 percentage points"
    # no unit (a plain table, or a model from before units): the number as the bins hold it
    assert rs.range_words(money, 2) == "12600 to under 1234567.5"
    # a catalog feature's text carries its unit; the percentage is the cut itself, not a
    # float product (0.145 * 100 is 14.499999999999998)
    meta = {**balance_meta(), "description": "Mean monthly card utilisation", "unit": "share"}
    cut = Bins.from_dict({**bins.to_dict(), "edges": [0.145, 0.29, 0.57]})
    texts = rs.catalog_reason_texts(meta, cut, np.array([40, 30, 10, 5, 0]))
    assert texts[1] == (
        "Mean monthly card utilisation: 14.5% to under 29% (a lower value scores better)"
    )
    assert rs.written(0.145, "share") == "14.5%" and rs.written(-1, "months") == "-1 month"


def test_every_catalog_feature_has_a_unit_its_values_fit():
    """Shares are 0..1 (payment ratios up to their cap), amounts are money, day and month
    counts say so: a unit mistyped in the catalog would tell a person 4,200% of a limit."""
    from credo.features.catalog import catalog_for
    from credo.features.spec import UNITS
    from credo.policy import load_policy

    specs = catalog_for(load_policy("cn"))
    units = {s.name: s.unit for s in specs}
    assert set(units.values()) <= set(UNITS)
    assert units["ao_utilisation_mean_6m"] == units["ph_late_share_12m"] == "share"
    assert units["ao_utilisation_trend_6m"] == "share_change"
    assert units["cb_income_mean_12m"] == units["ao_card_limit_latest"] == "money"
    assert units["ph_worst_dpd_12m"] == "days" and units["hl_oldest_account_months"] == "months"
    assert units["nc_hard_inquiries_12m"] == ""  # a counting aggregate: a count
    shown = {s.name: s.shown_unit for s in specs}
    assert shown["nc_hard_inquiries_12m"] == shown["ph_late_months_12m"] == "count"
    assert shown["cm_product_types"] == "count" and shown["ao_card_limit_latest"] == "money"
    assert shown["ao_accounts_with_balance"] == "count"  # a count kept as the latest month's
    for spec in specs:
        said = spec.description.lower()
        if spec.unit == "months":
            assert "month" in said, spec.name
        if spec.unit == "days":
            assert "days" in said, spec.name


def test_a_scorecard_tells_a_low_balance_and_no_data_apart_from_a_high_balance():
    rng = np.random.default_rng(7)
    n = 6000
    balance = rng.uniform(0, 10_000, n)
    balance[rng.random(n) < 0.1] = -1  # no card: no data
    risk = np.where(balance < 0, 0.35, np.where(balance < 2_000, 0.4, 0.1))
    y = (rng.random(n) < risk).astype(int)
    X = pd.DataFrame({"card_balance": balance})
    card = Scorecard(min_iv=0.0).fit(X, y, meta=[balance_meta()])
    bins = card.bins_["card_balance"]
    best = int(np.argmax(card.points_["card_balance"][: bins.n_regular]))
    in_best = bins.edges[best - 1] if best > 0 else bins.edges[0] - 1.0
    probe = pd.DataFrame({"card_balance": [500.0, -1.0, in_best]})
    table = card.score_table(probe, with_text=True)
    assert table["reason_1_text"].tolist()[:2] == [
        "Card balances are low",
        "No data on total card balance in the most recent month",
    ]
    assert pd.isna(table["reason_1_text"][2])  # the best bin costs nothing


def test_a_trends_texts_follow_the_sign_of_its_bin_not_its_place_beside_the_best():
    trend = {
        **balance_meta(),
        "name": "bill_trend",
        "description": "Change in statement amounts per month (slope), 6 months",
        "reason": "Statement amounts have been rising",
        "reason_low": "Statement amounts have been falling",
        "reason_pivot": 0.0,
        "no_data": None,
        "never": None,
    }
    bins = Bins.from_dict(
        {
            "feature": "bill_trend",
            "kind": "numeric",
            "edges": [-500.0, -139.8, 651.0],
            "specials": [],
            "count": [10, 10, 10, 10, 0],
            "bad": [5, 2, 3, 6, 0],
            "woe": [-1.0, 0.5, 0.2, -1.5, 0.0],
        }
    )
    # best bin: [-500, -139.8), falling; the bin below it fell too, only more (not why it
    # costs points: its range); the next spans 0 (its range); the last rose
    texts = rs.catalog_reason_texts(trend, bins, np.array([10, 40, 30, 5, 0]))
    assert texts[:4] == [
        "Change in statement amounts per month, 6 months: under -500 (a higher value scores"
        " better)",
        "Change in statement amounts per month, 6 months: -500 to under -139.8",
        "Change in statement amounts per month, 6 months: -139.8 to under 651 (a lower value"
        " scores better)",
        "Statement amounts have been rising",
    ]
    # where rising most scores best, a falling bin reads "falling" (by place alone: "rising")
    rising = Bins.from_dict({**bins.to_dict(), "woe": [-1.5, -0.8, 0.2, 1.0, 0.0]})
    texts = rs.catalog_reason_texts(trend, rising, np.array([5, 10, 30, 45, 0]))
    assert texts[:2] == ["Statement amounts have been falling"] * 2
    # just under the average (WoE -0.4 against the riskiest -1.5): its range, not the claim
    near = Bins.from_dict({**bins.to_dict(), "woe": [-1.5, -0.4, 0.2, 1.0, 0.0]})
    texts = rs.catalog_reason_texts(trend, near, np.array([5, 10, 30, 45, 0]))
    assert texts[:2] == [
        "Statement amounts have been falling",
        "Change in statement amounts per month, 6 months: -500 to under -139.8 (a higher"
        " value scores better)",
    ]
    assert texts[2] == (
        "Change in statement amounts per month, 6 months: -139.8 to under 651 (a higher value"
        " scores better)"
    )


def test_a_model_read_back_from_its_file_keeps_its_trend_texts():
    """The pivot was saved but not read back: every loaded model told rising bills
    'falling'."""
    from credo.model.scorecard import Scorecard

    rng = np.random.default_rng(5)
    n = 4000
    slope = rng.normal(0, 300, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-2 + slope / 200)))).astype(int)
    meta = [
        {
            "name": "bill_trend",
            "dimension": "amounts_owed",
            "description": "Change in statement amounts per month (slope), 6 months",
            "reason": "Statement amounts have been rising",
            "reason_low": "Statement amounts have been falling",
            "reason_pivot": 0.0,
            "direction": "none",
        }
    ]
    card = Scorecard().fit(pd.DataFrame({"bill_trend": slope}), y, meta=meta)
    loaded = Scorecard.from_dict(json.loads(json.dumps(card.to_dict())))
    assert loaded.reason_texts("bill_trend") == card.reason_texts("bill_trend")
    assert "Statement amounts have been rising" in card.reason_texts("bill_trend")


def test_the_unit_travels_from_the_catalog_through_the_feature_table_into_a_model_file():
    from credo.features.catalog import catalog_for
    from credo.features.table import FeatureMeta
    from credo.policy import load_policy

    spec = next(s for s in catalog_for(load_policy("us")) if s.name == "ao_card_limit_latest")
    meta = FeatureMeta.from_dict(json.loads(json.dumps(FeatureMeta.from_spec(spec).to_dict())))
    assert meta.unit == "money"
    rng = np.random.default_rng(3)
    limit = rng.uniform(1_000, 60_000, 5000).round(-2)
    y = (rng.random(limit.size) < 1 / (1 + np.exp(-(-1 + limit / 20_000 - 2)))).astype(int)
    card = Scorecard(min_iv=0.0).fit(pd.DataFrame({spec.name: -limit}), y, meta=[meta.to_dict()])
    loaded = Scorecard.from_dict(json.loads(json.dumps(card.to_dict())))
    ranges = [t for t in loaded.reason_texts(spec.name) if " to under " in t]
    assert ranges and loaded.reason_texts(spec.name) == card.reason_texts(spec.name)
    # grouped thousands: "-41,300 to under -23,100", never "-41300"
    assert all(re.search(r"\d,\d{3}", t) for t in ranges), ranges
    # a feature table written before units: no unit, the number as it was
    old = {k: v for k, v in meta.to_dict().items() if k != "unit"}
    assert FeatureMeta.from_dict(old).unit == ""


def test_a_level_written_with_padding_reads_without_it_in_a_sentence():
    assert rs.level_text("term", " 60 months") == "term: 60 months"
    assert rs.unseen_level_text("loan_term", "36 months ") == (
        "loan term: 36 months is a value the model has no record of"
    )
    assert rs.level_text("grade", "   ") == "grade:    "  # nothing but spaces: as it is
    assert rs.level_text("n", 3) == "n: 3"


def test_a_plain_columns_range_says_which_way_scores_better_on_each_side_of_the_best():
    """A plain table's bin read "age in [30, 45)": nothing said whether more or less would
    score better, and where the points bend the two sides of the best bin want opposite
    moves."""
    bins = Bins.from_dict(
        {
            "feature": "years_at_address",
            "kind": "numeric",
            "edges": [1.0, 3.0, 10.0, 25.0],
            "specials": [-1.0],
            "count": [10, 10, 10, 10, 10, 5, 5],
            "bad": [6, 4, 1, 3, 5, 2, 3],
            "woe": [-1.0, -0.4, 1.0, -0.1, -0.7, 0.0, -0.4],
        }
    )
    points = np.array([10, 30, 45, 30, 20, 60, 5])  # a peak of points at bin 2
    assert rs.plain_reason_texts("years_at_address", bins, points) == [
        "years at address: under 1 (a higher value scores better)",
        "years at address: 1 to under 3 (a higher value scores better)",
        "years at address: 3 to under 10",  # the best regular bin: no way scores better
        "years at address: 10 to under 25 (a lower value scores better)",
        "years at address: 25 or more (a lower value scores better)",
        "years at address: the code -1",
        "years at address: no value given",
    ]
    # a bin tied with the best loses nothing: neither way scores better
    tied = rs.plain_reason_texts("n", bins, np.array([10, 45, 45, 30, 20, 0, 0]))
    assert tied[1:4] == [
        "n: 1 to under 3",
        "n: 3 to under 10",
        "n: 10 to under 25 (a lower value scores better)",
    ]
    groups = Bins.from_dict(
        {
            "feature": "home_ownership",
            "kind": "categorical",
            "groups": [["OWN"], ["MORTGAGE", "RENT"]],
            "count": [10, 10, 0],
            "bad": [2, 6, 0],
            "woe": [1.0, -0.5, 0.0],
        }
    )
    assert rs.plain_reason_texts("home_ownership", groups, np.array([40, 20, 20])) == [
        "home ownership in {OWN}",
        "home ownership in {MORTGAGE, RENT}",
        "home ownership: no value given",
    ]


def test_a_plain_columns_side_of_a_segment_split_reads_in_words_and_says_the_way_to_the_other():
    """A segment's charge on a plain column read its rule, "months late >= 1 or missing",
    beside bins reading "months late: 1 to under 2 (a lower value scores better)"."""
    bins = Bins.from_dict(
        {
            "feature": "years_at_address",
            "kind": "numeric",
            "edges": [1.0, 3.0, 10.0],
            "specials": [-1.0],
            "count": [10, 10, 10, 10, 5, 5],
            "bad": [6, 4, 1, 3, 2, 3],
            "woe": [-1.0, -0.4, 1.0, -0.1, 0.0, -0.4],
        }
    )
    assert rs.split_side_text("years_at_address", bins, [0, 1, 5]) == (
        "years at address: under 3, or no value given (a higher value scores better)"
    )
    assert rs.split_side_text("years_at_address", bins, [4, 2, 3]) == (
        "years at address: 3 or more, or the code -1 (a lower value scores better)"
    )
    assert rs.split_side_text("n", bins, [5]) == "n: no value given"
    assert rs.split_side_text("n", bins, [1, 2]) == "n: 1 to under 10"  # cut on both sides
    assert rs.split_side_text("n", bins, [0, 2]) is None  # no one range: the rule is told
    groups = Bins.from_dict(
        {
            "feature": "region",
            "kind": "categorical",
            "groups": [["north"], ["south"]],
            "count": [10, 10, 0],
            "bad": [2, 6, 0],
            "woe": [1.0, -0.5, 0.0],
        }
    )
    assert rs.split_side_text("region", groups, [1]) is None


def test_a_plain_tables_scores_tell_the_way_to_a_better_score_on_both_sides_of_a_valley():
    rng = np.random.default_rng(11)
    n = 8000
    age = rng.uniform(18, 80, n)
    # riskiest young and old: a valley of risk, a peak of points in the middle
    z = -1.5 + 0.004 * (age - 48) ** 2
    region = rng.choice(["north", "south"], n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(z + (region == "south"))))).astype(int)
    age[rng.random(n) < 0.05] = np.nan
    X = pd.DataFrame({"age_years": age, "region": region})
    card = Scorecard(min_iv=0.0).fit(X, y)
    card = Scorecard.from_dict(json.loads(json.dumps(card.to_dict())))  # as a model file
    bins, points = card.bins_["age_years"], card.points_["age_years"]
    best = int(np.argmax(points[: bins.n_regular]))
    assert 0 < best < bins.n_regular - 1, "the fit found no valley to test"
    people = pd.DataFrame(
        {
            "age_years": [18.5, 79.5, float(np.mean(bins.edges[best - 1 : best + 1])), np.nan],
            "region": ["north", "north", "south", "north"],
        }
    )
    told = card.score_table(people, with_text=True)
    texts = told[[f"reason_{r}_text" for r in range(1, 5)]].to_numpy().tolist()

    def age_text(row: list) -> str:
        return next(t for t in row if t and t.startswith("age years"))

    young, old, middle, unknown = texts
    low, high = format_number(bins.edges[0]), format_number(bins.edges[-1])
    assert age_text(young) == f"age years: under {low} (a higher value scores better)"
    assert age_text(old) == f"age years: {high} or more (a lower value scores better)"
    assert not any(t and t.startswith("age years") for t in middle)  # the best bin: no reason
    assert "region: south" in middle  # a category names the person's own level
    assert age_text(unknown) == "age years: no value given"
    # the best regular bin's own text states its range and no direction
    best_text = card.reason_texts("age_years")[best]
    assert " to under " in best_text and "scores better" not in best_text


def test_a_catalog_bin_tied_with_the_best_says_no_way_scores_better():
    """Months since a late payment scored [28, 30, 31, 35, 36, 36 | never 39]: a person at 24
    months read "19 months or more (a lower value scores better)", where 15-19 months score
    the same 36 points and only "never" scores better."""
    meta = {
        **balance_meta(),
        "description": "Months since the last report past due",
        "reason": "A payment was late recently",
        "reason_low": "",
        "unit": "months",
    }
    bins = Bins.from_dict(
        {
            "feature": "months_since_late",
            "kind": "numeric",
            "edges": [3.0, 6.0, 9.0, 15.0, 19.0],
            "specials": [-2.0],
            "count": [10] * 7 + [0],
            "bad": [6, 5, 4, 3, 2, 2, 1, 0],
            "woe": [-1.0, -0.6, -0.4, 0.1, 0.3, 0.3, 0.6, -1.0],
        }
    )
    texts = rs.catalog_reason_texts(meta, bins, np.array([28, 30, 31, 35, 36, 36, 39, 28]))
    assert texts[5] == "Months since the last report past due: 19 months or more"
    assert texts[4] == "Months since the last report past due: 15 to under 19 months"
    assert texts[3].endswith("(a higher value scores better)")


def test_a_counts_range_reads_as_the_whole_numbers_it_holds():
    """Reports past due read "3 to under 4" and "1 to under 2": a count's bin holds whole
    numbers, "3" and "1"."""
    bins = Bins.from_dict(
        {
            "feature": "reports",
            "kind": "numeric",
            "edges": [1.0, 3.0, 4.0, 6.5],
            "specials": [],
            "count": [10] * 5 + [0],
            "bad": [1, 2, 3, 4, 5, 0],
            "woe": [1.0, 0.5, 0.0, -0.5, -1.0, 0.0],
        }
    )
    words = [rs.range_words(bins, b, "count") for b in range(5)]
    assert words == ["0", "1 to 2", "3", "4 to 6", "7 or more"]
    meta = {**balance_meta(), "description": "Monthly reports 30+ days past due",
            "reason_low": "", "unit": "count"}  # fmt: skip
    texts = rs.catalog_reason_texts(meta, bins, np.array([50, 40, 30, 20, 10, 0]))
    assert texts[2] == "Monthly reports 30+ days past due: 3 (a lower value scores better)"


def test_a_plain_columns_range_reads_as_its_file_wrote_it(tmp_path):
    """A utilisation written "51%" was read as 51 and told "util: 12.4 to under 19.2": a
    column read from percentages reads them with the sign, amounts with grouped thousands."""
    from credo.model.artifact import load_model, save_model
    from credo.model.training import load_table_training, train_model

    rng = np.random.default_rng(8)
    n = 3000
    util = rng.uniform(0, 100, n).round(1)
    debt = rng.uniform(100, 90_000, n).round(2)
    bad = (rng.random(n) < 1 / (1 + np.exp(3 - util / 25 - debt / 60_000))).astype(int)
    table = pd.DataFrame(
        {"util": [f"{u}%" for u in util], "debt": [f"${d:,.2f}" for d in debt], "bad": bad}
    )
    table.to_csv(tmp_path / "t.csv", index=False)
    artifact = train_model(load_table_training(tmp_path / "t.csv", "bad"), Scorecard())
    save_model(artifact, tmp_path / "m.json")
    card = load_model(tmp_path / "m.json").scorecard
    ranges = [t for name in card.features_ for t in card.reason_texts(name) if "under" in t]
    util_texts = [t for t in ranges if t.startswith("util:")]
    debt_texts = [t for t in ranges if t.startswith("debt:")]
    assert util_texts and all(re.search(r"\d%", t) for t in util_texts), util_texts
    assert debt_texts and all(re.search(r"\d,\d{3}", t) for t in debt_texts), debt_texts
    # a decimal-comma file's amounts ("1 648,05 €") and rates ("18,06") read as it wrote
    # them: "1,006.2" would be a thousand there
    table = pd.DataFrame(
        {
            "rate": [f"{v:.2f}".replace(".", ",") for v in util / 4],
            "income": [f"{v:,.2f} €".replace(",", " ").replace(".", ",") for v in debt],
            "bad": table["bad"],
        }
    )
    table.to_csv(tmp_path / "eu.csv", index=False, sep=";")
    artifact = train_model(load_table_training(tmp_path / "eu.csv", "bad"), Scorecard())
    card = artifact.scorecard
    ranges = [t for name in card.features_ for t in card.reason_texts(name) if "under" in t]
    rate_texts = [t for t in ranges if t.startswith("rate:")]
    income_texts = [t for t in ranges if t.startswith("income:")]
    assert rate_texts and all(re.search(r"\d,\d", t) for t in rate_texts), rate_texts
    assert not any("." in t for t in rate_texts + income_texts)
    assert income_texts and all(re.search(r"\d \d{3}", t) for t in income_texts), income_texts


def test_a_reason_is_told_only_past_the_value_where_it_is_true():
    """In a loan book nearly everyone opened an account lately, so a newest account 12 months
    old was clearly riskier than average and read "A credit account was opened very recently";
    one account opened was "Several credit accounts were opened recently". Past the catalog's
    bound the reason is told, short of it the range."""
    opened = {**balance_meta(), "description": "Months since the newest card or loan account"
              " was opened", "reason": "A credit account was opened very recently",
              "reason_low": "", "direction": "higher_is_safer", "unit": "months",
              "reason_bound": 6.0}  # fmt: skip
    bins = Bins.from_dict(
        {
            "feature": "months_since_opened",
            "kind": "numeric",
            "edges": [3.0, 6.0, 12.0, 30.0],
            "specials": [],
            "count": [10] * 5 + [0],
            "bad": [5, 4, 4, 2, 1, 0],
            "woe": [-1.2, -0.8, -0.7, 0.2, 0.5, 0.0],
        }
    )
    texts = rs.catalog_reason_texts(opened, bins, np.array([0, 10, 12, 40, 50, 0]))
    assert texts[:2] == ["A credit account was opened very recently"] * 2
    assert texts[2] == (
        "Months since the newest card or loan account was opened: 6 to under 12 months"
        " (a higher value scores better)"
    )
    several = {**opened, "description": "Card and loan accounts opened in the last 6 months",
               "reason": "Several credit accounts were opened recently",
               "direction": "higher_is_riskier", "unit": "count", "reason_bound": 1.0}  # fmt: skip
    counts = Bins.from_dict({**bins.to_dict(), "edges": [1.0, 2.0, 4.0],
                             "woe": [0.3, -0.9, -1.0, -1.5, 0.0], "count": [10] * 4 + [0],
                             "bad": [1, 3, 4, 5, 0]})  # fmt: skip
    texts = rs.catalog_reason_texts(several, counts, np.array([50, 20, 15, 5, 0]))
    assert texts[1] == (
        "Card and loan accounts opened in the last 6 months: 1 (a lower value scores better)"
    )
    assert texts[2:4] == ["Several credit accounts were opened recently"] * 2
    # without a bound, as before: every clearly risky bin reads the reason
    texts = rs.catalog_reason_texts(
        {**several, "reason_bound": None}, counts, np.array([50, 20, 15, 5, 0])
    )
    assert texts[1:4] == ["Several credit accounts were opened recently"] * 3


def test_every_catalog_reason_bound_lies_where_its_text_turns_true():
    """A bound on the wrong side (a riskier feature's reason told below it) would say the
    reason of the safest values, and one too loose a word's meaning: "several" of one
    account, "recently" of two years, "little" of most of a bill."""
    from credo.features.catalog import CATALOG

    bounded = [s for s in CATALOG if s.reason_bound is not None]
    assert len(bounded) >= 40
    words = {  # a word of the text: the loosest bound that keeps it true, by direction
        "Several": ("higher_is_riskier", lambda b: b >= 2),
        "seriously late": ("higher_is_riskier", lambda b: b >= 29),
        "late": ("higher_is_riskier", lambda b: b >= 0),
        "very recently": ("higher_is_safer", lambda b: b <= 3),
        "recent": ("higher_is_safer", lambda b: b <= 12),
        "short": ("higher_is_safer", lambda b: b <= 36),
        "new": ("higher_is_safer", lambda b: b <= 12),
        "covered little": ("higher_is_safer", lambda b: b <= 0.25),
        "little of a month": ("higher_is_safer", lambda b: b <= 0.25),
        "rarely": ("higher_is_safer", lambda b: b <= 0.34),
        "Debts are high": ("higher_is_riskier", lambda b: b >= 1),
        "few months": ("higher_is_safer", lambda b: b <= 6),
        "No instalment loan": ("higher_is_safer", lambda b: b <= 1),
        "not verified": ("higher_is_safer", lambda b: b <= 1),
        "high compared with the": ("higher_is_riskier", lambda b: b >= 0.3),
    }
    checked = 0
    for spec in bounded:
        assert spec.direction in ("higher_is_riskier", "higher_is_safer"), spec.name
        for word, (direction, loose_enough) in words.items():
            if word.lower() in spec.reason.lower() and spec.direction == direction:
                assert loose_enough(spec.reason_bound), (spec.name, spec.reason_bound)
                checked += 1
                break
    assert checked >= 25


def test_a_valleys_far_side_is_not_told_that_a_higher_value_scores_better():
    """Points 625, 577, 524, 557, 606, 682: from the first bin a higher value scores less
    until 77.6, so "a higher value scores better" was false of the next 50 values."""
    bins = Bins.from_dict(
        {
            "feature": "x",
            "kind": "numeric",
            "edges": [26.8, 33.3, 47.1, 60.2, 77.6],
            "specials": [],
            "count": [10] * 6 + [0],
            "bad": [3, 4, 5, 4, 3, 1, 0],
            "woe": [0.0] * 7,
        }
    )
    points = np.array([625, 577, 524, 557, 606, 682, 600])
    texts = rs.plain_reason_texts("x", bins, points)
    assert texts[0] == "x: under 26.8 (values 77.6 or more score best)"
    assert texts[1] == "x: 26.8 to under 33.3 (values 77.6 or more score best)"
    assert texts[3] == "x: 47.1 to under 60.2 (a higher value scores better)"
    assert texts[4] == "x: 60.2 to under 77.6 (a higher value scores better)"
    assert texts[5] == "x: 77.6 or more"


def test_a_persons_own_value_is_told_to_the_cent_or_four_significant_digits():
    assert rs.written(rs.shown_value(0.883305259218, "share"), "share") == "88.33%"
    assert rs.written(rs.shown_value(1.0064, "share"), "share") == "100.6%"
    assert rs.written(rs.shown_value(1135.4712, "money"), "money") == "1,135.47"
    change = rs.shown_value(-0.0123456, "share_change")
    assert rs.written(change, "share_change") == "-1.235 percentage points"
    assert rs.written(rs.shown_value(0.0, "share"), "share") == "0%"


def test_a_true_false_column_reads_yes_or_no():
    # cut at 1 or at 0.5, the bins of a true/false column hold a no and a yes
    for cut in (1.0, 0.5):
        assert rs.span_words([cut], 0, 0, "yes_no") == "no"
        assert rs.span_words([cut], 1, 1, "yes_no") == "yes"
    assert rs.span_words([1.0], 0, 1, "yes_no") == "any value"
    assert rs.written(1.0, "yes_no") == "yes" and rs.written(0.0, "yes_no") == "no"

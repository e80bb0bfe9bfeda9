"""Reason codes: hand-checked orderings, ties, padding and the inquiries fifth reason."""

from __future__ import annotations

import numpy as np

from credo.explain import reasons as rs

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

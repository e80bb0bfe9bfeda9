"""Month buckets, the negative-data horizon and missed payments at their edges, on the batch
query and the one-person path alike (values worked out by hand here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from test_features_catalog import build
from test_features_support import History

from credo.policy import load_policy

AS_OF = dt.datetime(2026, 1, 15)  # a mid-month as-of date: buckets run from the 15th
LEVEL_BILLS = (100.1, 200.2, 300.3, 300.3, 200.2, 100.1)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> str:
    from credo.store.db import init_store

    path = init_store(tmp_path_factory.mktemp("edges") / "credo.duckdb")
    h = History()
    # reports 30 and 60 days past due three and a half months back: older than a 3-month
    # horizon that starts on 2025-10-15; the on-time ones are inside it
    # (two cards: one account's two reports in a month would count once, by the latest)
    h.grant("late", ("card",))
    for ts, dpd, account in (
        (dt.datetime(2025, 10, 1), 30, "c"),
        (dt.datetime(2025, 9, 20), 60, "d"),
        (dt.datetime(2025, 10, 20), 0, "c"),
        (dt.datetime(2025, 12, 1), 0, "c"),
    ):
        h.add("late", "card", "account_status", ts, account_id=account, amount=10.0,
              days_past_due=dpd)  # fmt: skip
    # statements of 100 every month, paid in full once and in half once: the other months
    # were not paid at all
    h.grant("skipper", ("card",))
    for month in range(6, 13):
        h.add(
            "skipper",
            "card",
            "statement",
            dt.datetime(2025, month, 1),
            account_id="c",
            amount=100.0,
            due_date=dt.date(2025, month, 20),
        )
    h.add("skipper", "card", "payment", dt.datetime(2025, 11, 3), account_id="c", amount=50.0)
    h.add("skipper", "card", "payment", dt.datetime(2026, 1, 3), account_id="c", amount=100.0)
    # two cards reporting in one month, one without its limit (the field is optional)
    h.grant("two_cards", ("card",))
    when = dt.datetime(2026, 1, 10)
    h.add("two_cards", "card", "account_status", when, account_id="a", amount=500.0,
          credit_limit=1000.0, days_past_due=0)  # fmt: skip
    h.add("two_cards", "card", "account_status", when, account_id="b", amount=700.0,
          days_past_due=0)  # fmt: skip
    # two statements of 0.1 and 0.2 paid by one payment of 0.3: 0.1 + 0.2 is 0.30000000000000004
    # in floating point, so the ratio falls a last bit short of 1 (engines add in other orders)
    h.grant("exact", ("card",))
    for account, amount in (("a", 0.1), ("b", 0.2)):
        h.add("exact", "card", "statement", dt.datetime(2025, 12, 1), account_id=account,
              amount=amount, due_date=dt.date(2025, 12, 20))  # fmt: skip
    h.add("exact", "card", "payment", dt.datetime(2026, 1, 3), account_id="a", amount=0.3)
    # bills and balances that rise and fall back, evenly: no trend, but summed in floating
    # point the slope comes out as noise of 1e-14 (of a sign that depends on the order)
    h.grant("level", ("card",))
    for month, amount in enumerate(LEVEL_BILLS):
        when = dt.datetime(2025, 8 + month, 1) if month < 5 else dt.datetime(2026, 1, 1)
        h.add("level", "card", "statement", when, account_id="f", amount=amount,
              due_date=when.date())  # fmt: skip
        h.add("level", "card", "account_status", when, account_id="f", amount=amount,
              credit_limit=1001.0, days_past_due=0)  # fmt: skip
    # a card applied for (a hard inquiry) and a phone contract opened: a file, but no report
    # of how anything was paid; beside them, one card reporting on time
    h.grant("applied", ("card", "telecom"))
    h.add("applied", "card", "inquiry", dt.datetime(2025, 11, 2), category="hard")
    h.add("applied", "telecom", "account_opened", dt.datetime(2025, 11, 5), account_id="t")
    # a bank account reporting its balance every month, and income once in the year
    h.grant("paid_once", ("bank",))
    for month in range(1, 13):
        h.add("paid_once", "bank", "balance", dt.datetime(2025, month, 3), account_id="b",
              amount=800.0, category="credit")  # fmt: skip
    h.add("paid_once", "bank", "income", dt.datetime(2025, 6, 15), amount=2500.0)
    h.grant("on_time", ("card",))
    h.add("on_time", "card", "account_status", dt.datetime(2025, 12, 5), account_id="c",
          amount=10.0, days_past_due=0)  # fmt: skip
    # a consent granted at the as-of instant, one revoked at it, one for another purpose than
    # credit scoring; income the month before for each
    h.grant("granted_at_as_of", ("bank",), at=AS_OF)
    h.grant("revoked_at_as_of", ("bank",), revoked=AS_OF)
    h.grant("other_purpose", ("bank",), purpose="credit_application")
    for user in ("granted_at_as_of", "revoked_at_as_of", "other_purpose"):
        h.add(user, "bank", "income", dt.datetime(2025, 12, 20), amount=2000.0)
    # statements of 100 paid ten times over: a payment ratio of 10, read as its cap of 5
    h.grant("overpaid", ("card",))
    h.add("overpaid", "card", "statement", dt.datetime(2025, 12, 1), account_id="c",
          amount=100.0, due_date=dt.date(2025, 12, 20))  # fmt: skip
    h.add("overpaid", "card", "payment", dt.datetime(2026, 1, 3), account_id="c", amount=1000.0)
    # December's statement paid in full; January's falls due on the as-of day itself, so it
    # is not due yet and its cycle (nothing paid so far) does not count
    h.grant("due_on_as_of", ("card",))
    h.add("due_on_as_of", "card", "statement", dt.datetime(2025, 12, 1), account_id="c",
          amount=100.0, due_date=dt.date(2025, 12, 20))  # fmt: skip
    h.add("due_on_as_of", "card", "payment", dt.datetime(2025, 12, 10), account_id="c",
          amount=100.0)  # fmt: skip
    h.add("due_on_as_of", "card", "statement", dt.datetime(2026, 1, 2), account_id="c",
          amount=100.0, due_date=AS_OF.date())  # fmt: skip
    # a card reporting on the 28th, late on December 28th (read as of January 28th)
    h.grant("on_28th", ("card",))
    for when, dpd in ((dt.datetime(2025, 11, 28), 0), (dt.datetime(2025, 12, 28), 30)):
        h.add("on_28th", "card", "account_status", when, account_id="c", amount=10.0,
              days_past_due=dpd)  # fmt: skip
    # a card last reported 14 months before the as-of date, 30 days late
    h.grant("stale", ("card",))
    h.add("stale", "card", "account_status", dt.datetime(2024, 11, 10), account_id="c",
          amount=300.0, days_past_due=30)  # fmt: skip
    h.load(path)
    return str(path)


@pytest.mark.parametrize("engine", ["batch", "one_person"])
def test_the_negative_data_horizon_counts_months_back_from_the_as_of_date(store, engine):
    short = replace(load_policy("us"), name="three-months", negative_data_months=3)
    row = build(store, short, engine, AS_OF)["late"]
    assert row["ph_worst_dpd_6m"] == 0 and row["ph_late_months_6m"] == 0
    assert row["ph_months_since_late"] == -2.0  # never late, as far as may be told
    assert row["ph_late_share_12m"] == 0.0  # 0 of the 2 reports inside the horizon
    # under the preset the same reports count
    assert build(store, "us", engine, AS_OF)["late"]["ph_worst_dpd_6m"] == 60


@pytest.mark.parametrize("engine", ["batch", "one_person"])
def test_an_inquiry_or_an_opening_is_no_record_of_payments(store, engine):
    rows = build(store, "us", engine, AS_OF)
    applied, on_time = rows["applied"], rows["on_time"]
    reports = ("ph_dpd30_reports_24m", "ph_dpd60_reports_24m", "ph_dpd90_reports_24m")
    # no report: no data, not "no late report" (0) nor "never late" (-2)
    for name in (*reports, "ph_months_since_late", "ph_late_share_12m"):
        assert applied[name] == -1.0, name
    assert applied["ph_bill_late_reports_12m"] == -1.0
    assert applied["nc_hard_inquiries_12m"] == 1  # the inquiry itself is known
    for name in reports:
        assert on_time[name] == 0, name
    assert on_time["ph_months_since_late"] == -2.0 and on_time["ph_late_share_12m"] == 0.0
    assert on_time["ph_bill_late_reports_12m"] == -1.0  # a card is no household bill
    # kinds of accounts held: an inquiry holds none; the telecom account opened is held,
    # reporting or not (its kinds beside its open accounts)
    assert applied["cm_product_types"] == 1 and on_time["cm_product_types"] == 1
    assert applied["cm_open_bill_accounts"] == 1


@pytest.mark.parametrize("engine", ["batch", "one_person"])
def test_the_spread_of_one_month_is_not_known_and_no_data_is_no_data(store, engine):
    rows = build(store, "us", engine, AS_OF)
    # income in one month of twelve: its variability is not known (NULL), not "no data"
    assert rows["paid_once"]["cb_income_months_12m"] == 1
    assert rows["paid_once"]["cb_income_cv_12m"] is None
    assert rows["on_time"]["cb_income_cv_12m"] == -1.0  # no bank data at all


@pytest.mark.parametrize("engine", ["batch", "one_person"])
def test_a_month_billed_and_not_paid_is_paid_nothing(store, engine):
    row = build(store, "us", engine, AS_OF)["skipper"]
    # months 0..5 back, by the month each statement fell due (the 20th): December's 100 paid
    # on Jan 3, November's 50 on Nov 3, October's to July's nothing
    ratios = [1.0, 0.5, 0.0, 0.0, 0.0, 0.0]
    assert row["ph_payment_ratio_latest"] == 1.0
    assert row["ph_payment_ratio_min_6m"] == 0.0
    assert row["ph_payment_ratio_mean_6m"] == pytest.approx(sum(ratios) / 6)
    assert row["ph_paid_full_share_6m"] == pytest.approx(1 / 6)


def test_events_earlier_on_the_as_of_day_are_in_the_latest_month(tmp_path):
    from credo.features.engines import build_features_duckdb
    from credo.features.single import features_for_user
    from credo.store.db import connect, init_store

    now = dt.datetime(2026, 11, 29, 21, 56)
    path = init_store(tmp_path / "credo.duckdb")
    h = History()
    h.grant("today", ("card", "loan"))
    h.add("today", "card", "account_opened", now.replace(hour=8), account_id="c")
    h.add("today", "loan", "inquiry", now.replace(hour=9), category="hard")
    h.add(
        "today",
        "card",
        "account_status",
        now.replace(hour=10),
        account_id="c",
        amount=10.0,
        days_past_due=30,
    )
    h.load(path)
    con = connect(path, read_only=True)
    try:
        one = features_for_user(con, "today", now)
        batch = build_features_duckdb(con, load_policy("us"), as_of=now).to_pylist()[0]
    finally:
        con.close()
    for row in (one, batch):
        assert row["ph_dpd_latest"] == 30 and row["ph_late_months_1m"] == 1
        assert row["ph_months_since_late"] == 0  # late this month, not "no data" (-1)
        assert row["nc_months_since_inquiry"] == 0 and row["hl_oldest_account_months"] == 0


@pytest.mark.parametrize("engine", ["batch", "one_person"])
def test_utilisation_counts_the_balances_whose_limit_is_known(store, engine):
    row = build(store, "us", engine, AS_OF)["two_cards"]
    assert row["ao_utilisation_latest"] == 0.5  # 500 of 1,000; the card without a limit apart
    assert row["ao_card_balance_latest"] == 1200.0  # both balances are owed


@pytest.mark.parametrize("engine", ["batch", "one_person"])
def test_a_payment_equal_to_its_statements_is_paid_in_full(store, engine):
    row = build(store, "us", engine, AS_OF)["exact"]
    # 0.3 / 0.30000000000000004 is 0.9999999999999998: feature values keep 12 significant
    # digits, so it reads 1 exactly, on every engine and every run
    assert row["ph_payment_ratio_latest"] == 1.0
    assert row["ph_paid_full_share_6m"] == 1.0  # one month with a ratio, and it is 1


@pytest.mark.parametrize("engine", ["batch", "one_person"])
def test_a_series_without_a_trend_has_a_slope_of_0(store, engine):
    row = build(store, "us", engine, AS_OF)["level"]
    assert row["ao_bill_trend_6m"] == 0.0  # not 1e-14 or -1e-14: a bin cut at 0 splits those
    assert row["ao_utilisation_trend_6m"] == 0.0
    assert row["ao_bill_latest"] == 100.1


@pytest.mark.parametrize("engine", ["batch", "one_person"])
def test_a_consent_granted_at_the_as_of_instant_counts_and_one_revoked_then_does_not(store, engine):
    rows = build(store, "us", engine, AS_OF)
    granted, revoked = rows["granted_at_as_of"], rows["revoked_at_as_of"]
    # active at D: granted_at <= D and (revoked_at empty or revoked_at > D)
    assert granted["cb_income_mean_12m"] == 2000.0 and granted["prov_events"] == 1
    assert revoked["cb_income_mean_12m"] == -1.0
    assert revoked["prov_events"] == 0 and revoked["prov_sources"] == ""
    # a consent to use the bank for a credit application is none to score with
    assert rows["other_purpose"]["cb_income_mean_12m"] == -1.0
    assert rows["other_purpose"]["prov_events"] == 0


@pytest.mark.parametrize("engine", ["batch", "one_person"])
def test_a_payment_ratio_is_capped_at_5(store, engine):
    row = build(store, "us", engine, AS_OF)["overpaid"]
    assert row["ph_payment_ratio_latest"] == 5.0  # 1,000 paid of 100, not 10
    assert row["ph_payment_ratio_mean_6m"] == 5.0


@pytest.mark.parametrize("engine", ["batch", "one_person"])
def test_a_statement_due_on_the_as_of_day_is_not_due_yet(store, engine):
    row = build(store, "us", engine, AS_OF)["due_on_as_of"]
    # December's cycle alone (100 of 100), not beside January's unpaid one (100 of 200)
    assert row["ph_payment_ratio_latest"] == 1.0
    assert row["ph_paid_full_share_6m"] == 1.0


@pytest.mark.parametrize("engine", ["batch", "one_person"])
def test_an_as_of_date_on_the_28th_aligns_the_months_on_the_28th(store, engine):
    row = build(store, "us", engine, dt.datetime(2026, 1, 28))["on_28th"]
    # month 0 runs from December 28th to the as-of date, so the report late that day is in
    # it (calendar months, as for the 29th on, would put it in month 1)
    assert row["ph_months_since_late"] == 0
    assert row["ph_late_months_1m"] == 1


@pytest.mark.parametrize("engine", ["batch", "one_person"])
def test_a_report_older_than_12_months_is_no_current_state(store, engine):
    row = build(store, "us", engine, AS_OF)["stale"]
    assert row["ph_dpd30_reports_24m"] == 1  # the report is on file
    # but it tells nothing of how the account stands now: no data, not 30 days late
    assert row["ph_dpd_latest"] == -1.0
    assert row["ao_card_balance_latest"] == -1.0


def test_an_as_of_date_at_the_calendars_end_is_refused():
    """From 9999-12-28 on there is no next month's 1st for the buckets to anchor on (the
    engines and the one-person path anchored such dates differently)."""
    import pyarrow as pa

    from credo.features.engines import (
        FeatureInputError,
        as_of_table_from_outcomes,
        as_of_timestamp,
    )

    assert as_of_timestamp("9999-12-27") == dt.datetime(9999, 12, 27)
    for late in ("9999-12-28", dt.datetime(9999, 12, 31, 5), dt.date(9999, 12, 30)):
        with pytest.raises(FeatureInputError, match="past the last date"):
            as_of_timestamp(late)
    outcomes = pa.table(
        {"user_id": ["a", "b"], "as_of": [dt.date(2024, 1, 1), dt.date(9999, 12, 31)]}
    )
    with pytest.raises(FeatureInputError, match="as-of 9999-12-31 is past the last date"):
        as_of_table_from_outcomes(outcomes)

"""Month buckets at month ends and within the as-of day, reports that share an instant,
billing cycles whatever the as-of day, and address dates that are none: the same values on
DuckDB, Spark and the one-person path (worked out by hand here)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from test_features_engines import assert_same_rows
from test_features_support import History

from credo.features.engines import build_features_duckdb, build_features_spark
from credo.features.single import features_for_user
from credo.policy import load_policy
from credo.store.db import connect, init_store

US = load_policy("us")
NO_DATA = -1.0


def _status(h: History, user: str, when: dt.datetime, dpd: int) -> None:
    h.add(user, "card", "account_status", when, account_id="c", amount=1000.0,
          credit_limit=5000.0, days_past_due=dpd)  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("month-ends")
    h = History()
    # an account reporting on the last day of each month, late in January only
    h.grant("month_end", ("card",))
    _status(h, "month_end", dt.datetime(2024, 1, 31, 12), 30)
    _status(h, "month_end", dt.datetime(2024, 2, 29, 12), 0)
    # accounts reporting on the 30th (Feb 29 in 2024) and on the 28th
    for user, day in (("the_30th", 30), ("the_28th", 28)):
        h.grant(user, ("card",))
        for month in range(1, 13):
            last = (dt.date(2024 + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
            _status(h, user, dt.datetime(2024, month, min(day, last), 8), 0)
    # an account reporting on the 15th at 08:00, late in January and February
    h.grant("the_15th", ("card",))
    for month, dpd in ((1, 60), (2, 30), (3, 0)):
        _status(h, "the_15th", dt.datetime(2024, month, 15, 8), dpd)
    # a bank account's two reports at the same instant, in either order of arrival
    for user, order in (("tie_a", (1, -1)), ("tie_b", (-1, 1))):
        h.grant(user, ("bank",))
        h.add(user, "bank", "income", dt.datetime(2024, 2, 1), amount=1000.0)
        for sign in order:
            h.add(user, "bank", "balance", dt.datetime(2024, 2, 27), account_id="b",
                  amount=100.0 if sign > 0 else 300.0,
                  category="in_credit" if sign > 0 else "overdrawn")  # fmt: skip
    # two bank accounts: a current account overdrawn by 300 on its latest report of the month
    # (after 500 in credit), savings of 1,000; each account's latest balance, added up
    h.grant("two_banks", ("bank",))
    h.add("two_banks", "bank", "income", dt.datetime(2024, 2, 1), amount=1000.0)
    for when, account, amount, category in (
        (dt.datetime(2024, 2, 3), "current", 500.0, "in_credit"),
        (dt.datetime(2024, 2, 25), "current", 300.0, "overdrawn"),
        (dt.datetime(2024, 2, 10), "savings", 1000.0, "in_credit"),
    ):
        h.add("two_banks", "bank", "balance", when, account_id=account, amount=amount,
              category=category)  # fmt: skip
    # address dates that are no month, or after the as-of date
    for user, since in (
        ("moved_13", "2019-13"),
        ("moved_later", "2030-01"),
        ("moved", "2019-02"),
        ("moved_year_0", "0000-01"),
        ("moved_1899", "1899-12-31"),
    ):
        h.grant(user, ("identity",))
        h.add(user, "identity", "profile", dt.datetime(2023, 6, 1),
              attributes={"id_verified": True, "address_since": since})  # fmt: skip
    # accounts opened and closed, counted by account: a loan closed that opened before the
    # data; an opening and a closing each sent twice; a card closed and reopened
    day = dt.datetime
    for user, events in (
        ("closed_unseen", [("card", "a", "account_opened", day(2023, 3, 5)),
                           ("loan", "l", "account_closed", day(2024, 8, 5))]),
        ("sent_twice", [("card", "a", "account_opened", day(2024, 3, 5)),
                        ("card", "a", "account_closed", day(2024, 5, 5)),
                        ("card", "a", "account_closed", day(2024, 5, 5)),
                        ("card", "b", "account_opened", day(2024, 6, 5)),
                        ("card", "c", "account_opened", day(2024, 7, 5)),
                        ("card", "c", "account_opened", day(2024, 7, 6)),
                        ("card", "c", "account_closed", day(2024, 9, 5))]),
        ("reopened", [("card", "a", "account_opened", day(2023, 1, 10)),
                      ("card", "a", "account_closed", day(2024, 1, 10)),
                      ("card", "a", "account_opened", day(2024, 6, 10))]),
        # dates without a time of day: a loan opened and closed on one day, a card closed and
        # reopened on one day; both read closed (the documented tie)
        ("same_day", [("loan", "l", "account_opened", day(2024, 3, 10)),
                      ("loan", "l", "account_closed", day(2024, 3, 10)),
                      ("card", "a", "account_opened", day(2024, 1, 10)),
                      ("card", "a", "account_closed", day(2024, 3, 10)),
                      ("card", "a", "account_opened", day(2024, 3, 10)),
                      ("card", "b", "account_opened", day(2024, 4, 10))]),
        # an application alone; a loan known from its monthly reports alone
        ("inquiry_only", [("loan", None, "inquiry", day(2022, 2, 5))]),
        ("reports_only", [("loan", "l", "account_status", day(2024, 11, 5))]),
    ):  # fmt: skip
        h.grant(user, ("card", "loan"))
        for source, account, type_, when in events:
            h.add(user, source, type_, when, account_id=account)
    # a later profile that leaves a field out, or gives an address date that is no month
    h.grant("profiles", ("identity",))
    h.add("profiles", "identity", "profile", dt.datetime(2023, 6, 1),
          attributes={"id_verified": True, "address_since": "2019-02"})  # fmt: skip
    h.add("profiles", "identity", "profile", dt.datetime(2023, 9, 1),
          attributes={"address_since": "2023-13"})  # fmt: skip
    h.grant("profiles_silent", ("identity",))
    h.add("profiles_silent", "identity", "profile", dt.datetime(2023, 6, 1),
          attributes={"id_verified": False, "address_since": "2019-02"})  # fmt: skip
    h.add("profiles_silent", "identity", "profile", dt.datetime(2023, 9, 1),
          attributes={"note": "no fields read"})  # fmt: skip
    # verified, written as a JSON number
    h.grant("verified_1.0", ("identity",))
    h.add("verified_1.0", "identity", "profile", dt.datetime(2023, 6, 1),
          attributes={"id_verified": 1.0})  # fmt: skip
    # verified as furnishers write it in words; a word that says neither says nothing
    for user, said in (
        ("verified_yes", [" Yes"]),
        ("verified_n", ["N"]),
        ("verified_maybe", [True, "maybe"]),
        ("verified_only_maybe", ["maybe"]),
        # a no-break space is no space to trim, and a dotted capital I no i, on any engine
        # (DuckDB read both as the word; Spark and the one-person path did not)
        ("verified_nbsp", ["no", "\u00a0yes"]),
        ("verified_dotted", [True, "UNVER\u0130F\u0130ED"]),
    ):
        h.grant(user, ("identity",))
        for month, value in enumerate(said, start=6):
            h.add(user, "identity", "profile", dt.datetime(2023, month, 1),
                  attributes={"id_verified": value})  # fmt: skip
    # platform activity with and without card reports beside it (the card must change nothing)
    for user, card in (
        ("social", False),
        ("social_card", True),
        ("old", False),
        ("old_card", True),
    ):
        h.grant(user, ("social", "card"))
        months = (1, 2) if user.startswith("social") else ()
        for month in months:
            h.add(user, "social", "activity", dt.datetime(2024, month, 10))
        if user.startswith("old"):
            h.add(user, "social", "activity", dt.datetime(2022, 7, 10))
        if card:
            for month in range(5, 15):
                when = dt.datetime(2023 + month // 12, month % 12 + 1, 20)
                _status(h, user, when, 0)
    h.grant("one_month", ("social",))
    h.add("one_month", "social", "activity", dt.datetime(2024, 2, 10))
    # a bank account reporting balances for a year, and no income
    h.grant("no_income", ("bank",))
    for month in range(12):
        when = dt.datetime(2023 + (month + 2) // 12, (month + 2) % 12 + 1, 5)
        h.add("no_income", "bank", "balance", when, account_id="b", amount=50.0,
              category="in_credit")  # fmt: skip
    # a bank account with transfers and purchases only
    h.grant("spender", ("bank",))
    for month in (1, 2):
        h.add("spender", "bank", "transfer", dt.datetime(2024, month, 3), amount=100.0,
              counterparty_id="x", category="out")  # fmt: skip
        h.add("spender", "bank", "purchase", dt.datetime(2024, month, 4), amount=50.0)
    # one card whose report moved back from a Saturday: Oct 1 (September's) and Oct 31
    # (November's) both in calendar month October, as of Nov 30
    h.grant("moved_day", ("card",))
    for when, balance in ((dt.datetime(2025, 10, 1), 1200.0), (dt.datetime(2025, 10, 31), 1500.0)):
        h.add("moved_day", "card", "account_status", when, account_id="c", amount=balance,
              credit_limit=5000.0, days_past_due=0)  # fmt: skip
    # a correction under a new event id: May 30 says 4000 and 30 days late, Jun 2 corrects it
    h.grant("corrected", ("card",))
    for when, balance, dpd in ((dt.datetime(2025, 5, 30), 4000.0, 30),
                               (dt.datetime(2025, 6, 2), 3000.0, 0)):  # fmt: skip
        h.add("corrected", "card", "account_status", when, account_id="c", amount=balance,
              credit_limit=10000.0, days_past_due=dpd)  # fmt: skip
    # two cards: A reports May 15 and Jun 14 (its 15th a Sunday), B on Jun 2
    h.grant("two_cards", ("card",))
    for when, account, balance, limit in (
        (dt.datetime(2025, 5, 15), "a", 1000.0, 2000.0),
        (dt.datetime(2025, 6, 14), "a", 1100.0, 2000.0),
        (dt.datetime(2025, 6, 2), "b", 400.0, 8000.0),
    ):
        h.add("two_cards", "card", "account_status", when, account_id=account, amount=balance,
              credit_limit=limit, days_past_due=0)  # fmt: skip
    # a card reporting a limit of 0 in its latest month (a line closed to spending), alone and
    # beside a card with a limit
    for user, beside in (("limit_0", False), ("limit_0_beside", True)):
        h.grant(user, ("card",))
        for when, balance, limit in ((dt.datetime(2025, 5, 10), 100.0, 1000.0),
                                     (dt.datetime(2025, 6, 10), 900.0, 0.0)):  # fmt: skip
            h.add(user, "card", "account_status", when, account_id="a", amount=balance,
                  credit_limit=limit, days_past_due=0)  # fmt: skip
        if beside:
            h.add(user, "card", "account_status", dt.datetime(2025, 6, 12), account_id="b",
                  amount=200.0, credit_limit=1000.0, days_past_due=0)  # fmt: skip
    # a card billed on the 3rd (a different amount every month), due on the 23rd and paid in
    # full on the 20th
    h.grant("pays_in_full", ("card",))
    for month in range(1, 13):
        bill = 100.0 * month
        h.add("pays_in_full", "card", "statement", dt.datetime(2024, month, 3), account_id="c",
              amount=bill, due_date=dt.date(2024, month, 23))  # fmt: skip
        h.add("pays_in_full", "card", "payment", dt.datetime(2024, month, 20), account_id="c",
              amount=bill)  # fmt: skip
    # a payment before the first statement; February's statement paid after March's; April's
    # paid in half before its due date
    h.grant("cycles", ("card",))
    h.add("cycles", "card", "payment", dt.datetime(2024, 1, 10), account_id="c", amount=999.0)
    for month, bill in ((2, 500.0), (3, 300.0), (4, 200.0)):
        h.add("cycles", "card", "statement", dt.datetime(2024, month, 1), account_id="c",
              amount=bill, due_date=dt.date(2024, month, 21))  # fmt: skip
    for when, paid in ((dt.datetime(2024, 3, 5), 500.0), (dt.datetime(2024, 4, 10), 100.0)):
        h.add("cycles", "card", "payment", when, account_id="c", amount=paid)
    # a loan's last two statements, February's paid in full and March's in half, then closed:
    # March's falls due in a month with no other event of the person's
    h.grant("closed_loan", ("loan",))
    for month, paid in ((2, 500.0), (3, 250.0)):
        h.add("closed_loan", "loan", "statement", dt.datetime(2025, month, 1), account_id="l",
              amount=500.0, due_date=dt.date(2025, month, 21))  # fmt: skip
        h.add("closed_loan", "loan", "payment", dt.datetime(2025, month, 5), account_id="l",
              amount=paid)  # fmt: skip
    h.add("closed_loan", "loan", "account_closed", dt.datetime(2025, 3, 6), account_id="l")
    # a statement of 500 corrected the next day (the same due date), as 460 and 450 at one
    # instant; 450 paid. And a payment that (wrongly) carries a due date of its own
    h.grant("corrected", ("card",))
    for day, amount in ((3, 500.0), (4, 460.0), (4, 450.0)):
        h.add("corrected", "card", "statement", dt.datetime(2025, 3, day), account_id="c",
              amount=amount, due_date=dt.date(2025, 3, 23))  # fmt: skip
    h.add("corrected", "card", "payment", dt.datetime(2025, 3, 20), account_id="c", amount=450.0)
    h.add("corrected", "card", "payment", dt.datetime(2025, 3, 21), account_id="c", amount=0.5,
          due_date=dt.date(2025, 1, 1))  # fmt: skip
    h.add("corrected", "card", "statement", dt.datetime(2025, 4, 3), account_id="c",
          amount=100.0, due_date=dt.date(2025, 4, 23))  # fmt: skip
    # two statements of one account at one instant, of the same amount, due a month apart:
    # sent in either order, the one due latest stands
    for user, dues in (("two_dues_a", (10, 11)), ("two_dues_b", (11, 10))):
        h.grant(user, ("card",))
        for day in dues:
            h.add(user, "card", "statement", dt.datetime(2025, 1, 20), account_id="c",
                  amount=100.0, due_date=dt.date(2025, 2 + day - 10, 10))  # fmt: skip
        for month in (2, 3):
            h.add(user, "card", "payment", dt.datetime(2025, month, 5), account_id="c",
                  amount=100.0)  # fmt: skip
    store = init_store(root / "credo.duckdb")
    h.load(store)
    return {"store": store, "dataset": h.write_dataset(root / "dataset")}


def _as_of_table(*pairs: tuple[str, dt.date]) -> pa.Table:
    users, dates = zip(*pairs, strict=True)
    return pa.table({"user_id": list(users), "as_of": pa.array(list(dates), pa.date32())})


def _rows(world: dict, as_of, users: list[str], policy=US) -> dict[str, dict]:
    """Batch and one-person rows per engine: {engine: {user: row}}."""
    con = connect(world["store"], read_only=True)
    try:
        batch = build_features_duckdb(con, policy, as_of=as_of).to_pylist()
        one = {u: features_for_user(con, u, as_of, policy) for u in users}
    finally:
        con.close()
    return {"batch": {r["user_id"]: r for r in batch}, "one_person": one}


@pytest.mark.parametrize("day", [29, 30, 31])
def test_a_month_end_as_of_date_keeps_one_report_per_month(world, day):
    # as of Mar 29-31 the buckets are calendar months (not every month has the day): March
    # up to the as-of date holds no report, February's report is month 1, January's month 2;
    # no month holds two
    for rows in _rows(world, dt.date(2024, 3, day), ["month_end"]).values():
        row = rows["month_end"]
        assert row["ph_dpd_latest"] == 0 and row["ph_late_months_1m"] == NO_DATA
        assert row["ao_card_balance_latest"] == 1000.0 and row["ao_card_limit_latest"] == 5000.0
        assert row["ao_accounts_with_balance"] == 1 and row["ph_late_months_3m"] == 1


@pytest.mark.parametrize(
    "as_of", [dt.datetime(2024, 5, 31), dt.datetime(2024, 5, 30, 10), dt.datetime(2025, 3, 1)]
)
def test_accounts_reporting_on_the_28th_or_30th_have_one_report_per_month(world, as_of):
    for rows in _rows(world, as_of, ["the_30th", "the_28th"]).values():
        for user in ("the_30th", "the_28th"):
            row = rows[user]
            assert row["ao_card_balance_latest"] == 1000.0, user
            assert row["ao_card_limit_latest"] == 5000.0 and row["ao_accounts_with_balance"] == 1


def test_as_of_within_a_day_the_report_a_month_before_is_in_month_1(world):
    # as of Mar 15 10:00, today's 08:00 report is the latest month's; Feb 15's is month 1
    for rows in _rows(world, dt.datetime(2024, 3, 15, 10), ["the_15th"]).values():
        row = rows["the_15th"]
        assert row["ph_dpd_latest"] == 0 and row["ph_late_months_1m"] == 0
        assert row["ao_card_balance_latest"] == 1000.0 and row["ao_card_limit_latest"] == 5000.0
        assert row["ph_late_months_3m"] == 2
    # as of midnight that day, today's report is not yet known: Feb 15's is the latest
    for rows in _rows(world, dt.date(2024, 3, 15), ["the_15th"]).values():
        assert rows["the_15th"]["ph_dpd_latest"] == 30


def test_reports_at_one_instant_give_one_value_whatever_their_order(world):
    for rows in _rows(world, dt.date(2024, 3, 1), ["tie_a", "tie_b"]).values():
        for user in ("tie_a", "tie_b"):
            assert rows[user]["cb_bank_balance_latest"] == 100.0  # the larger of 100 and -300
            assert rows[user]["cb_balance_buffer"] == pytest.approx(0.1)


def test_the_bank_balance_adds_up_each_accounts_latest(world):
    for rows in _rows(world, dt.date(2024, 3, 1), ["two_banks"]).values():
        assert rows["two_banks"]["cb_bank_balance_latest"] == 700.0  # -300 + 1,000
        assert rows["two_banks"]["cb_balance_buffer"] == pytest.approx(0.7)
        assert rows["two_banks"]["cb_overdrawn_months_12m"] == 1


def test_an_address_date_that_is_no_month_or_later_is_not_known(world):
    people = ["moved_13", "moved_later", "moved", "verified_1.0", "moved_year_0", "moved_1899"]
    words = ["verified_yes", "verified_n", "verified_maybe", "verified_only_maybe"]
    words += ["verified_nbsp", "verified_dotted"]
    for rows in _rows(world, dt.date(2024, 3, 1), people + words).values():
        assert rows["verified_1.0"]["id_verified"] == 1
        assert rows["verified_yes"]["id_verified"] == 1 and rows["verified_n"]["id_verified"] == 0
        assert rows["verified_maybe"]["id_verified"] == 1  # "maybe" leaves the earlier yes
        assert rows["verified_only_maybe"]["id_verified"] == NO_DATA
        assert rows["verified_nbsp"]["id_verified"] == 0  # the earlier "no" stands
        assert rows["verified_dotted"]["id_verified"] == 1  # the earlier true stands
        assert rows["moved_13"]["id_address_months"] == NO_DATA
        assert rows["moved_later"]["id_address_months"] == NO_DATA
        # a year before 1900 is no date (year 0 read 24,314 months at one address)
        assert rows["moved_year_0"]["id_address_months"] == NO_DATA
        assert rows["moved_1899"]["id_address_months"] == NO_DATA
        assert rows["moved"]["id_address_months"] == 61  # 2019-02 to 2024-03
        assert rows["moved_13"]["id_verified"] == 1


def test_accounts_opened_and_closed_are_counted_by_account(world):
    people = ["closed_unseen", "sent_twice", "reopened", "same_day"]
    for rows in _rows(world, dt.date(2025, 1, 1), people).values():
        # the loan's closing does not cancel the card's opening
        assert rows["closed_unseen"]["cm_open_credit_accounts"] == 1
        assert rows["closed_unseen"]["cm_open_loans"] == 0
        # no loan on file at all is no data, apart from every loan closed
        assert rows["reopened"]["cm_open_loans"] == NO_DATA
        # a: closed (twice over); b: open; c: opened twice, then closed
        assert rows["sent_twice"]["cm_open_credit_accounts"] == 1
        assert rows["sent_twice"]["nc_accounts_opened_12m"] == 3
        # one card, open again; its age from its first opening (23 months)
        assert rows["reopened"]["cm_open_credit_accounts"] == 1
        # a closing at the instant of the latest opening closes: only card b is open
        assert rows["same_day"]["cm_open_loans"] == 0
        assert rows["same_day"]["cm_open_credit_accounts"] == 1
        assert rows["reopened"]["hl_mean_account_months"] == 23
        assert rows["reopened"]["nc_accounts_opened_12m"] == 0


def test_an_inquiry_alone_tells_no_credit_history_and_no_count_of_open_accounts(world):
    people = ["inquiry_only", "reports_only", "closed_unseen"]
    for rows in _rows(world, dt.date(2025, 1, 1), people).values():
        # an application is no account: nothing is known of open ones, or of history
        assert rows["inquiry_only"]["cm_open_loans"] == NO_DATA
        assert rows["inquiry_only"]["cm_open_credit_accounts"] == NO_DATA
        assert rows["inquiry_only"]["hl_months_since_first_credit"] == NO_DATA
        # a loan known from a report: on file, its opening unseen (none counted open)
        assert rows["reports_only"]["cm_open_loans"] == 0
        assert rows["reports_only"]["hl_months_since_first_credit"] == 1
        assert rows["closed_unseen"]["hl_months_since_first_credit"] == 21  # 2023-03-05


def test_a_source_read_only_for_its_openings_and_closings_still_counts_its_events(world):
    """A catalog that reads nothing of the loans but their openings and closings: the
    source's count of events (presence, provenance) stays a count of events, not of accounts."""
    from credo.features.spec import FeatureSpec

    specs = [
        FeatureSpec(name=f"loans_{t}", dimension="new_credit", description="d", reason="r",
                    aggregate="count", direction="higher_is_riskier", sources=("loan",),
                    types=(f"account_{t}",), window=12)
        for t in ("opened", "closed")
    ]  # fmt: skip
    con = connect(world["store"], read_only=True)
    try:
        rows = build_features_duckdb(con, US, as_of=dt.date(2025, 1, 1), specs=specs)
    finally:
        con.close()
    row = {r["user_id"]: r for r in rows.to_pylist()}["closed_unseen"]
    # one loan event (a closing of a loan opened before the data): data, no account counted
    assert row["prov_events"] == 1 and row["loans_closed"] == 0 and row["loans_opened"] == 0


def test_a_later_profile_speaks_only_for_the_fields_it_gives(world):
    for rows in _rows(world, dt.date(2024, 3, 1), ["profiles", "profiles_silent"]).values():
        # still verified; the new address is not known (not the old one's 61 months)
        assert rows["profiles"]["id_verified"] == 1
        assert rows["profiles"]["id_address_months"] == NO_DATA
        # a profile without either field leaves the earlier one's standing
        assert rows["profiles_silent"]["id_verified"] == 0
        assert rows["profiles_silent"]["id_address_months"] == 61


def test_a_series_of_counts_counts_every_month_whatever_other_sources_report(world):
    cn = load_policy("cn")  # the digital footprint is allowed under cn
    people = ["social", "social_card", "old", "old_card", "one_month"]
    for rows in _rows(world, dt.date(2024, 3, 1), people, cn).values():
        for user in ("social", "social_card"):  # active in both months since joining
            assert rows[user]["df_active_months_12m"] == 2
            assert rows[user]["df_activity_cv_12m"] == 0.0
        for user in ("one_month",):  # one month on the platform: its spread is not known
            assert rows[user]["df_active_months_12m"] == 1
            assert rows[user]["df_activity_cv_12m"] is None
        for user in ("old", "old_card"):  # on the platform, inactive for the last 12 months
            assert rows[user]["df_active_months_12m"] == 0
            assert rows[user]["df_activity_cv_12m"] == NO_DATA  # no activity: no variability


def test_a_bank_account_without_income_has_0_months_of_income(world):
    for rows in _rows(world, dt.date(2024, 3, 1), ["no_income", "spender"]).values():
        assert rows["no_income"]["cb_income_months_12m"] == 0
        assert rows["spender"]["cb_income_months_12m"] == 0
        assert rows["no_income"]["cb_income_mean_12m"] == NO_DATA  # the mean keeps to income


@pytest.mark.parametrize(
    "as_of", [dt.date(2024, 11, d) for d in (1, 15, 21, 25, 29, 30)] + [dt.date(2024, 10, 31)]
)
def test_statements_paid_in_full_read_1_whatever_the_as_of_day(world, as_of):
    """Month buckets put a statement of the 3rd and its payment of the 20th in one month or in
    two, by the as-of day: paired by month, the payment met the statement before (a rising
    bill read 0.9 or 0.5); paired by billing cycle, it is the statement it paid."""
    for engine, rows in _rows(world, as_of, ["pays_in_full"]).items():
        row = rows["pays_in_full"]
        for name in ("ph_payment_ratio_latest", "ph_payment_ratio_min_6m"):
            assert row[name] == 1.0, (engine, name)
        assert row["ph_payment_ratio_mean_6m"] == 1.0 and row["ph_paid_full_share_6m"] == 1.0


@pytest.mark.parametrize(
    ("as_of", "ratios"),
    [
        # April's statement is not due yet: March's cycle (500 paid of 300) is the latest
        (dt.date(2024, 4, 15), [500 / 300, 0.0]),
        # due on the 21st: April's (100 of 200), March's, February's (paid after March's)
        (dt.date(2024, 4, 25), [0.5, 500 / 300, 0.0]),
    ],
)
def test_a_billing_cycle_counts_once_its_statement_is_due(world, as_of, ratios):
    for engine, rows in _rows(world, as_of, ["cycles"]).items():
        row = rows["cycles"]
        # the payment of 999 before the first statement pays none
        assert row["ph_payment_ratio_latest"] == pytest.approx(ratios[0]), engine
        assert row["ph_payment_ratio_min_6m"] == 0.0, engine
        assert row["ph_payment_ratio_mean_6m"] == pytest.approx(sum(ratios) / len(ratios))
        assert row["ph_paid_full_share_6m"] == pytest.approx(1 / len(ratios)), engine


def test_a_statement_due_in_a_month_without_events_still_counts(world):
    """The pivot's months were those with events: a loan's last statement, due after the loan
    closed, was dropped, and its half payment with it (the person read as paying in full)."""
    for engine, rows in _rows(world, dt.date(2025, 4, 10), ["closed_loan"]).items():
        row = rows["closed_loan"]
        assert row["ph_payment_ratio_latest"] == 0.5, engine
        assert row["ph_payment_ratio_mean_6m"] == 0.75 and row["ph_paid_full_share_6m"] == 0.5


def test_a_corrected_statement_replaces_the_one_before(world):
    """A statement sent again for the same due date was billed again: 450 paid of 950."""
    for engine, rows in _rows(world, dt.date(2025, 4, 15), ["corrected"]).items():
        row = rows["corrected"]
        # 450.5 of 460 (of two at one instant the larger); April's statement is not due yet,
        # and the payment's own due date (January's) makes no cycle of it
        assert row["ph_payment_ratio_latest"] == pytest.approx(450.5 / 460), engine
        assert row["ph_paid_full_share_6m"] == 0.0, engine
        # the bills: March's statement once, as corrected (460, not 500 + 460 + 450), then
        # April's 100: falling by 360 a month
        assert row["ao_bill_latest"] == 100.0, engine
        assert row["ao_bill_trend_6m"] == pytest.approx(-360.0), engine
        assert row["ao_billed_months_6m"] == 2, engine


def test_statements_at_one_instant_give_one_value_whatever_their_order(world):
    rows = _rows(world, dt.date(2025, 3, 15), ["two_dues_a", "two_dues_b"])
    for engine, by_user in rows.items():
        first, second = by_user["two_dues_a"], by_user["two_dues_b"]
        for name in ("ph_payment_ratio_latest", "ph_payment_ratio_mean_6m"):
            assert first[name] == second[name] == 2.0, (engine, name)  # 200 paid of March's
        # billed once in January (the statement due in March; the other is not read)
        assert first["ao_bill_latest"] == second["ao_bill_latest"] == 100.0, engine


def test_an_account_reporting_twice_in_a_month_counts_once_by_its_latest_report(world):
    """Two reports of one account in a month (a correction, or a reporting day moved across
    the month's edge by a weekend) were summed: balances, limits and accounts with a balance
    doubled, and a corrected delinquency stayed."""
    for engine, rows in _rows(world, dt.date(2025, 11, 30), ["moved_day"]).items():
        row = rows["moved_day"]
        assert row["ao_card_balance_latest"] == 1500.0, engine  # was 2700
        assert row["ao_card_limit_latest"] == 5000.0 and row["ao_utilisation_latest"] == 0.3
        assert row["ao_accounts_with_balance"] == 1
    for engine, rows in _rows(world, dt.date(2025, 6, 15), ["corrected", "two_cards"]).items():
        fixed = rows["corrected"]
        assert fixed["ao_card_balance_latest"] == 3000.0, engine  # was 7000
        assert fixed["ao_utilisation_latest"] == 0.3 and fixed["ao_card_limit_latest"] == 10000
        assert fixed["ph_dpd_latest"] == 0 and fixed["ph_worst_dpd_3m"] == 0
        assert fixed["ph_dpd30_reports_24m"] == 0 and fixed["ao_accounts_with_balance"] == 1
        both = rows["two_cards"]
        assert both["ao_card_balance_latest"] == 1500.0, engine  # 1100 + 400, was 2500
        assert both["ao_utilisation_latest"] == pytest.approx(0.15)
        assert both["ao_accounts_with_balance"] == 2


def test_a_credit_limit_of_0_is_no_limit_to_use(world):
    """A card reporting a limit of 0 gives no utilisation: alone, the month before's stands;
    beside a card with a limit, its balance is not set against the other's limit (it read
    1.1, the 900 owed on the line of 0 over the other card's 1,000)."""
    for engine, rows in _rows(world, dt.date(2025, 7, 1), ["limit_0", "limit_0_beside"]).items():
        alone, beside = rows["limit_0"], rows["limit_0_beside"]
        assert alone["ao_card_limit_latest"] == 0 and alone["ao_card_balance_latest"] == 900
        assert alone["ao_utilisation_latest"] == pytest.approx(0.1), engine  # May's
        assert beside["ao_card_limit_latest"] == 1000
        assert beside["ao_card_balance_latest"] == 1100
        assert beside["ao_utilisation_latest"] == pytest.approx(0.2), engine
        assert beside["ao_utilisation_max_6m"] == pytest.approx(0.2), engine


@pytest.mark.spark
@pytest.mark.slow
def test_spark_gives_the_same_values_at_these_edges(world, spark):
    as_of = _as_of_table(
        *[("month_end", dt.date(2024, 3, d)) for d in (29, 30, 31)],
        ("the_15th", dt.date(2024, 3, 15)),
        *[(u, dt.date(2024, 3, 1)) for u in ("tie_a", "tie_b", "moved_13", "moved_later")],
        *[(u, dt.date(2024, 3, 1)) for u in ("social", "social_card", "old", "no_income")],
        *[(u, dt.date(2024, 5, 31)) for u in ("the_30th", "the_28th", "spender", "one_month")],
        ("verified_1.0", dt.date(2024, 3, 1)),
        ("moved_day", dt.date(2025, 11, 30)),
        ("corrected", dt.date(2025, 6, 15)),
        ("two_cards", dt.date(2025, 6, 15)),
        ("limit_0", dt.date(2025, 7, 1)),
        ("limit_0_beside", dt.date(2025, 7, 1)),
        ("moved_year_0", dt.date(2024, 3, 1)),
        ("same_day", dt.date(2025, 1, 1)),
        ("pays_in_full", dt.date(2024, 11, 29)),
        ("cycles", dt.date(2024, 4, 25)),
        ("closed_loan", dt.date(2025, 4, 10)),
        ("two_dues_a", dt.date(2025, 3, 15)),
        ("two_dues_b", dt.date(2025, 3, 15)),
        ("corrected", dt.date(2025, 4, 15)),
    )
    con = connect(world["store"], read_only=True)
    try:
        on_duckdb = build_features_duckdb(con, US, as_of_table=as_of)
    finally:
        con.close()
    on_spark = build_features_spark(spark, world["dataset"], US, as_of_table=as_of)
    assert_same_rows(on_duckdb, on_spark)
    cn = load_policy("cn")
    con = connect(world["store"], read_only=True)
    try:
        assert_same_rows(
            build_features_duckdb(con, cn, as_of_table=as_of),
            build_features_spark(spark, world["dataset"], cn, as_of_table=as_of),
            cn,
        )
    finally:
        con.close()
    assert {r["cb_bank_balance_latest"] for r in on_spark.to_pylist() if "tie" in r["user_id"]} == {
        100.0
    }


def test_two_reports_of_one_account_at_one_instant_are_never_mixed(tmp_path):
    """Field by field, a report of 1,000 without a limit and one of 500 with a limit of 3,000
    made a utilisation of 0.333 that neither report says."""
    h = History()
    h.grant("tie", ("card",))
    when = dt.datetime(2025, 5, 20)
    h.add("tie", "card", "account_status", when, account_id="c", amount=1000.0,
          days_past_due=0)  # fmt: skip
    h.add("tie", "card", "account_status", when, account_id="c", amount=500.0,
          credit_limit=3000.0, days_past_due=60)  # fmt: skip
    store = init_store(tmp_path / "tie.duckdb")
    h.load(store)
    world = {"store": store}
    for engine, rows in _rows(world, dt.date(2025, 6, 15), ["tie"]).items():
        row = rows["tie"]
        # the report of the larger balance, whole: no limit, so no utilisation
        assert row["ao_card_balance_latest"] == 1000.0, engine
        assert row["ao_utilisation_latest"] == NO_DATA and row["ph_dpd_latest"] == 0, engine


def test_lifecycles_and_balances_alone_give_the_values_of_the_whole_catalog(world, monkeypatch):
    """Account lifecycles and bank balances read their events out of other stages when the
    query has them (the occasional types', the account reports'), else scan their own."""
    from credo.features import compiler
    from credo.features.catalog import catalog_for

    catalog = catalog_for(US)
    sql = " ".join(compiler.compile_features(catalog, US).split())
    assert "ev_gd_all AS ( SELECT * FROM ev_g0" in sql
    assert "FROM ev_ga_all WHERE type IN ('balance')" in sql
    lifecycles = ["cm_open_credit_accounts", "hl_mean_account_months", "nc_accounts_opened_12m"]
    as_of = dt.date(2025, 1, 1)
    con = connect(world["store"], read_only=True)

    def values(names, specs=None):
        rows = build_features_duckdb(con, US, as_of=as_of, specs=specs).to_pylist()
        return [{n: r[n] for n in names} for r in rows]

    try:
        whole = {n: values([n]) for n in [*lifecycles, "cb_bank_balance_latest"]}
        # the balance alone: no account reports to read out of
        alone = [s for s in catalog if s.name == "cb_bank_balance_latest"]
        assert "FROM events" in compiler.compile_features(alone, US).split("_all AS (")[-1]
        assert values(["cb_bank_balance_latest"], alone) == whole["cb_bank_balance_latest"]
        # no occasional types aggregated apart (build_query's `apart`): the lifecycles' own scan
        monkeypatch.setattr(compiler.build_query, "__defaults__", (compiler.Tables(), ()))
        compiler._render_cached.cache_clear()
        try:
            sql = " ".join(compiler.compile_features(catalog, US).split())
            assert "ev_gd_all AS ( SELECT g.pid" in sql
            for name in lifecycles:
                assert values([name]) == whole[name], name
        finally:
            compiler._render_cached.cache_clear()
    finally:
        con.close()

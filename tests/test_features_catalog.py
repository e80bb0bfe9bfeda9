"""Every catalog feature on a hand-built history, against values worked out by hand here
(plain Python arithmetic over the same lists the history is built from, not SQL)."""

from __future__ import annotations

import datetime as dt
import math
import re
import statistics
from pathlib import Path

import pytest
from test_features_support import History, month_back

from credo.features.catalog import CATALOG, NEVER, NO_DATA, catalog_for
from credo.features.compiler import feature_sources
from credo.features.engines import build_features_duckdb
from credo.features.single import features_for_user
from credo.policy import Policy, load_policy
from credo.store.db import connect

AS_OF = dt.date(2024, 7, 1)
MONTHS = range(12)

CARD_BALANCE = [500, 400, 600, 300, 200, 100, 100, 100, 100, 100, 100, 100]
CARD_DPD = [0, 30, 0, 60, 0, 0, 0, 0, 0, 0, 0, 95]
CARD_STATEMENT = [450, 380, 550, 280, 150, 90, 100, 100, 100, 100, 100, 100]
CARD_PAYMENT = [380, 100, 280, 150, 90, 100, 100, 100, 100, 100, 100, 100]
CARD_LIMIT = 1000.0
LOAN_MONTHS = range(8)
LOAN_BALANCE = [5000 - 100 * m for m in LOAN_MONTHS]
LOAN_STATEMENT = 200.0
UTILITY_DPD = [0, 0, 0, 0, 15, 0, 0, 0, 0, 0, 0, 0]
TELECOM_MONTHS = range(3, 12)
INCOME = {
    m: v
    for m, v in enumerate([3000, 3100, 2900, 3000, None, 3000, 3200, 3000, 2800, 3000, 3000, 3000])
    if v is not None
}
BANK_PURCHASE = {m: 1000.0 + 10 * m for m in MONTHS}
EXTRA_PURCHASE_M0 = 500.0
BANK_BALANCE = [1500, 1200, 800, -200, 400, 600, 700, 800, 900, 1000, 1100, 1200]
SOCIAL_COUNTS = {0: 3, 1: 1, 3: 2, 15: 1}
OPENED = {"card": 20, "loan": 8, "utility": 15, "telecom": 30}


def at(m: int, day: int = 10) -> dt.datetime:
    return month_back(AS_OF, m, day)


def alice(h: History) -> None:
    u = "alice"
    h.grant(u)
    for source, m in OPENED.items():
        limit = CARD_LIMIT if source == "card" else None
        h.add(u, source, "account_opened", at(m, 3), account_id=f"{source}1", credit_limit=limit)
    h.add(u, "telecom", "account_closed", at(2, 3), account_id="telecom1")
    for m in MONTHS:
        h.add(
            u,
            "card",
            "statement",
            at(m, 5),
            account_id="card1",
            amount=CARD_STATEMENT[m],
            due_date=at(m, 25).date(),
        )
        h.add(u, "card", "payment", at(m, 8), account_id="card1", amount=CARD_PAYMENT[m])
        h.add(
            u,
            "card",
            "account_status",
            at(m, 12),
            account_id="card1",
            amount=CARD_BALANCE[m],
            credit_limit=CARD_LIMIT,
            days_past_due=CARD_DPD[m],
        )
        h.add(
            u,
            "utility",
            "statement",
            at(m, 5),
            account_id="utility1",
            amount=60.0,
            due_date=at(m, 25).date(),
        )
        h.add(u, "utility", "payment", at(m, 9), account_id="utility1", amount=60.0)
        h.add(
            u,
            "utility",
            "account_status",
            at(m, 12),
            account_id="utility1",
            amount=60.0,
            days_past_due=UTILITY_DPD[m],
        )
        h.add(u, "bank", "purchase", at(m, 15), amount=BANK_PURCHASE[m])
        h.add(
            u,
            "bank",
            "balance",
            at(m, 20),
            account_id="bank1",
            amount=abs(BANK_BALANCE[m]),
            category="overdrawn" if BANK_BALANCE[m] < 0 else "in_credit",
        )
        if m in INCOME:
            h.add(u, "bank", "income", at(m, 1), amount=float(INCOME[m]))
    h.add(u, "bank", "balance", at(0, 4), account_id="bank1", amount=999.0, category="in_credit")
    h.add(u, "bank", "purchase", at(0, 16), amount=EXTRA_PURCHASE_M0)
    h.add(u, "bank", "account_opened", at(23), account_id="bank1")
    for m in LOAN_MONTHS:
        h.add(
            u,
            "loan",
            "statement",
            at(m, 5),
            account_id="loan1",
            amount=LOAN_STATEMENT,
            due_date=at(m, 25).date(),
        )
        h.add(u, "loan", "payment", at(m, 8), account_id="loan1", amount=LOAN_STATEMENT)
        h.add(
            u,
            "loan",
            "account_status",
            at(m, 12),
            account_id="loan1",
            amount=float(LOAN_BALANCE[m]),
            days_past_due=0,
        )
    for m in TELECOM_MONTHS:
        h.add(
            u,
            "telecom",
            "statement",
            at(m, 5),
            account_id="telecom1",
            amount=40.0,
            due_date=at(m, 25).date(),
        )
        h.add(
            u,
            "telecom",
            "account_status",
            at(m, 12),
            account_id="telecom1",
            amount=40.0,
            days_past_due=0,
        )
    for source, m, kind in (
        ("card", 2, "hard"),
        ("card", 1, "soft"),
        ("card", 9, "hard"),
        ("loan", 8, "hard"),
    ):
        h.add(u, source, "inquiry", at(m, 2), category=kind)
    h.add(u, "bank", "transfer", at(1), amount=200.0, category="in", counterparty_id="x")
    h.add(u, "bank", "transfer", at(2), amount=300.0, category="out", counterparty_id="y")
    h.add(u, "payments", "transfer", at(0), amount=50.0, category="in", counterparty_id="z")
    h.add(u, "payments", "transfer", at(1), amount=80.0, category="out", counterparty_id="z")
    for m in range(6):
        h.add(u, "ecommerce", "purchase", at(m, 11), amount=20.0)
    h.add(u, "ecommerce", "refund", at(1, 13), amount=20.0)
    h.add(u, "ecommerce", "purchase", at(13, 11), amount=20.0)
    h.add(
        u,
        "identity",
        "profile",
        at(20),
        attributes={"id_verified": False, "address_since": "2015-01"},
    )
    h.add(
        u,
        "identity",
        "profile",
        at(6),
        attributes={"id_verified": True, "address_since": "2019-07", "age": 44},
    )
    for m, count in SOCIAL_COUNTS.items():
        for i in range(count):
            h.add(u, "social", "activity", at(m, 1 + i))


def slope(points: dict[int, float]) -> float:
    """Least-squares slope of value against time (x = -months back)."""
    xs = [-m for m in points]
    ys = list(points.values())
    xbar, ybar = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - xbar) * (y - ybar) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - xbar) ** 2 for x in xs
    )


def cv(values: list[float]) -> float:
    return statistics.stdev(values) / abs(statistics.fmean(values))


def expected_alice() -> dict[str, float]:
    worst = {m: max(CARD_DPD[m], UTILITY_DPD[m]) for m in MONTHS}
    late = [m for m in MONTHS if worst[m] > 0]

    def paid(m: int) -> float:
        return CARD_PAYMENT[m] + (LOAN_STATEMENT if m in LOAN_MONTHS else 0.0)

    def billed(m: int) -> float:
        return CARD_STATEMENT[m] + (LOAN_STATEMENT if m in LOAN_MONTHS else 0.0)

    # Each month's payment (the 8th) pays that month's statement (the 5th), due on the 25th:
    # each billing cycle counts in the month its statement fell due.
    ratio = {m: min(paid(m) / billed(m), 5.0) for m in MONTHS}
    util = {m: CARD_BALANCE[m] / CARD_LIMIT for m in MONTHS}
    income_mean = statistics.fmean(INCOME.values())
    status_events = 12 + len(LOAN_MONTHS) + 12 + len(TELECOM_MONTHS)
    card_late = [d for d in CARD_DPD if d > 0]
    spend = {m: BANK_PURCHASE[m] + (20.0 if m < 6 else 0.0) for m in MONTHS}
    spend[0] += EXTRA_PURCHASE_M0
    transfers_in = {0: 50.0, 1: 200.0}
    transfers_out = {1: 80.0, 2: 300.0}
    net = {
        m: INCOME.get(m, 0)
        + transfers_in.get(m, 0)
        - transfers_out.get(m, 0)
        - BANK_PURCHASE[m]
        - (EXTRA_PURCHASE_M0 if m == 0 else 0)
        for m in MONTHS
    }
    activity = [SOCIAL_COUNTS.get(m, 0) for m in MONTHS]
    credit_balance = CARD_BALANCE[0] + LOAN_BALANCE[0]
    spend_mean = statistics.fmean(spend.values())
    return {
        "ph_dpd_latest": worst[0],
        **{f"ph_late_months_{w}m": len([m for m in late if m < w]) for w in (1, 3, 6, 12, 24)},
        **{f"ph_worst_dpd_{w}m": max(worst[m] for m in MONTHS if m < w) for w in (3, 6, 12)},
        **{f"ph_dpd{d}_reports_24m": len([x for x in card_late if x >= d]) for d in (30, 60, 90)},
        "ph_months_since_late": min(late),
        "ph_late_share_12m": (len(card_late) + 1) / status_events,
        "ph_bill_late_reports_12m": 1,
        "ph_payment_ratio_latest": ratio[0],
        "ph_payment_ratio_mean_6m": statistics.fmean(ratio[m] for m in range(6)),
        "ph_paid_full_share_6m": len([m for m in range(6) if ratio[m] >= 1]) / 6,
        "ph_payment_ratio_min_6m": min(ratio[m] for m in range(6)),
        "ph_dpd_mean_6m": statistics.fmean(worst[m] for m in range(6)),
        "ph_paid_amount_mean_6m": statistics.fmean(paid(m) for m in range(6)),
        "ph_paid_amount_latest": paid(0),
        "ao_utilisation_latest": util[0],
        "ao_utilisation_max_6m": max(util[m] for m in range(6)),
        "ao_utilisation_mean_6m": statistics.fmean(util[m] for m in range(6)),
        "ao_utilisation_trend_6m": slope({m: util[m] for m in range(6)}),
        "ao_card_balance_latest": CARD_BALANCE[0],
        "ao_credit_balance_latest": credit_balance,
        "ao_card_limit_latest": CARD_LIMIT,
        "ao_bill_trend_6m": slope({m: billed(m) for m in range(6)}),
        "ao_bill_latest": billed(0),
        "ao_billed_months_6m": len([m for m in range(6) if billed(m) >= 1]),
        "ao_accounts_with_balance": 2,
        "ao_debt_to_income": credit_balance / income_mean,
        "hl_oldest_account_months": max(OPENED.values()),
        "hl_mean_account_months": statistics.fmean(OPENED.values()),
        "hl_months_since_first_credit": max(OPENED["card"], OPENED["loan"]),
        "hl_months_since_first_bill": OPENED["telecom"],
        "hl_months_since_first_bank": 23,
        "nc_hard_inquiries_6m": 1,
        "nc_hard_inquiries_12m": 3,
        "nc_accounts_opened_6m": 0,
        "nc_accounts_opened_12m": 1,
        "nc_months_since_opened": OPENED["loan"],
        "nc_months_since_inquiry": 2,
        "cm_product_types": 4,
        "cm_open_credit_accounts": 2,
        "cm_open_loans": 1,
        "cm_open_bill_accounts": 1,
        "cb_income_mean_12m": income_mean,
        "cb_income_cv_12m": cv(list(INCOME.values())),
        "cb_income_months_12m": len(INCOME),
        "cb_net_flow_mean_12m": statistics.fmean(net.values()),
        "cb_overdrawn_months_12m": len([b for b in BANK_BALANCE if b < 0]),
        "cb_bank_balance_latest": BANK_BALANCE[0],
        "cb_balance_buffer": BANK_BALANCE[0] / income_mean,
        "cb_spend_cv_12m": cv(list(spend.values())),
        "cb_spend_mean_12m": spend_mean,
        "cb_spend_to_income_12m": spend_mean / income_mean,
        "cb_refunds_12m": 1,
        "cb_online_purchases_12m": 6,
        "id_verified": 1,
        "id_address_months": (AS_OF.year * 12 + AS_OF.month) - (2019 * 12 + 7),
        "id_months_known": 20,
        "df_platform_months": max(SOCIAL_COUNTS),
        "df_active_months_12m": len([c for c in activity if c >= 1]),
        "df_activity_cv_12m": cv(activity),
    }


@pytest.fixture(scope="module")
def history_store(tmp_path_factory) -> str:
    from credo.store.db import init_store

    path = init_store(tmp_path_factory.mktemp("catalog") / "credo.duckdb")
    h = History()
    alice(h)
    h.grant("bob")  # consents, no events: every feature is "no data"
    h.grant("carol", ("bank",))  # bank only; her telecom events lack consent
    h.add("carol", "bank", "income", at(0), amount=1000.0)
    h.add(
        "carol", "telecom", "account_status", at(0), account_id="t", amount=10.0, days_past_due=90
    )
    # dora's card reports every month and she pays in months 1, 3 and 5 only
    h.grant("dora", ("card",))
    for m in range(6):
        h.add("dora", "card", "statement", at(m, 5), account_id="d", amount=300.0)
        h.add("dora", "card", "account_status", at(m, 12), account_id="d", amount=900.0)
        if m % 2:
            h.add("dora", "card", "payment", at(m, 8), account_id="d", amount=DORA_PAID[m])
    h.grant("erin", ("card",))  # a card inquiry, no account: nothing to have paid
    h.add("erin", "card", "inquiry", at(1), category="hard")
    # fay's events are of types no feature reads: they feed nothing, so nothing is known of her
    h.grant("fay", ("payments", "ecommerce"))
    h.add("fay", "payments", "purchase", at(1), amount=20.0)
    h.add("fay", "ecommerce", "account_opened", at(2), account_id="shop")
    h.load(path)
    return str(path)


DORA_PAID = {1: 100.0, 3: 250.0, 5: 400.0}


@pytest.fixture(params=["batch", "one_person"])
def engine(request) -> str:
    """Every hand-computed value is checked on the batch query (DuckDB) and on the one-person
    path (the same query on SQLite)."""
    return request.param


def build(
    store: str, policy: str | Policy, engine: str = "batch", as_of: dt.date = AS_OF
) -> dict[str, dict]:
    policy = load_policy(policy) if isinstance(policy, str) else policy
    con = connect(store, read_only=True)
    try:
        if engine == "one_person":
            people = con.cursor().execute("SELECT DISTINCT user_id FROM consents").fetchall()
            return {u: features_for_user(con, u, as_of, policy) for (u,) in people}
        table = build_features_duckdb(con, policy, as_of=as_of)
    finally:
        con.close()
    return {row["user_id"]: row for row in table.to_pylist()}


def test_every_catalog_feature_has_a_hand_computed_value():
    assert set(expected_alice()) == {s.name for s in CATALOG}


def test_every_feature_matches_the_hand_computed_value(history_store, engine):
    row = build(history_store, "cn", engine)["alice"]  # cn allows every dimension
    expected = expected_alice()
    wrong = {
        name: (row[name], want)
        for name, want in expected.items()
        if not math.isclose(row[name], want, rel_tol=1e-9, abs_tol=1e-12)
    }
    assert wrong == {}


def test_no_events_gives_each_feature_its_no_data_value(history_store, engine):
    row = build(history_store, "us", engine)["bob"]
    for spec in catalog_for(load_policy("us")):
        assert row[spec.name] == spec.no_data, spec.name
    assert row["prov_events"] == 0 and row["prov_sources"] == ""


def test_no_events_of_a_features_sources_gives_its_no_data_value(history_store, engine):
    # carol has bank events only: under cn (every dimension) each feature fed by other
    # sources alone, digital footprint included, says "no data", not 0
    row = build(history_store, "cn", engine)["carol"]
    specs = catalog_for(load_policy("cn"))
    by_name = {s.name: s for s in specs}
    without = [s for s in specs if "bank" not in feature_sources(s, by_name)]
    assert {"df_active_months_12m", "df_activity_cv_12m", "ph_worst_dpd_12m"} <= {
        s.name for s in without
    }
    assert {s.name: row[s.name] for s in without} == {s.name: s.no_data for s in without}
    assert row["cb_income_mean_12m"] == 1000.0


def test_sources_without_consent_are_ignored(history_store, engine):
    row = build(history_store, "us", engine)["carol"]
    assert row["ph_worst_dpd_12m"] == NO_DATA  # the telecom report has no consent
    assert row["cb_income_mean_12m"] == 1000.0
    assert row["prov_sources"] == "bank" and row["prov_events"] == 1
    assert row["prov_events_capacity"] == 1 and row["prov_events_payment_history"] == 0


def test_a_dimension_counts_the_events_its_ratios_read(history_store, engine):
    # carol's one event, bank income, is the denominator of ao_debt_to_income: it feeds the
    # amounts-owed dimension, though no other feature of it reads the bank
    row = build(history_store, "us", engine)["carol"]
    assert row["prov_events_amounts_owed"] == 1


def test_events_no_feature_reads_feed_no_provenance(history_store, engine):
    rows = build(history_store, "us", engine)
    fay, bob = rows["fay"], rows["bob"]  # bob has consents and no events at all
    assert fay["prov_events"] == 0 and fay["prov_sources"] == ""  # unscorable, as bob is
    names = [s.name for s in catalog_for(load_policy("us"))]
    assert [fay[n] for n in names] == [bob[n] for n in names]


def test_never_value_differs_from_no_data(history_store, engine):
    rows = build(history_store, "us", engine)
    assert rows["alice"]["nc_months_since_inquiry"] == 2
    assert rows["bob"]["nc_months_since_inquiry"] == NO_DATA
    # carol has data (bank) but credit inquiries have no source data: no data
    assert rows["carol"]["ph_months_since_late"] == NO_DATA
    assert NEVER != NO_DATA


def test_policy_decides_which_features_exist(history_store, engine):
    us = build(history_store, "us", engine)["alice"]
    eu = build(history_store, "eu", engine)["alice"]
    assert "df_platform_months" not in us and "df_platform_months" not in eu
    assert "id_address_months" in us and "id_address_months" not in eu
    # social events feed nothing outside cn, so they are not in the provenance either
    assert "social" not in us["prov_sources"].split(",")
    assert "social" in build(history_store, "cn", engine)["alice"]["prov_sources"].split(",")


def test_provenance_counts_the_events_used(history_store, engine):
    row = build(history_store, "us", engine)["alice"]
    con = connect(history_store, read_only=True)
    try:
        by_source = dict(
            con.cursor()
            .execute(
                "SELECT source, count(*) FROM events WHERE user_id = 'alice' AND ts < ?"
                " GROUP BY source",
                [dt.datetime(2024, 7, 1)],
            )
            .fetchall()
        )
    finally:
        con.close()
    by_source.pop("social")
    assert row["prov_events"] == sum(by_source.values())
    assert row["prov_sources"] == ",".join(sorted(by_source))
    assert row["prov_events_identity"] == by_source["identity"]


def test_negative_data_older_than_the_policy_allows_is_ignored(history_store, engine):
    from dataclasses import replace

    short = replace(load_policy("us"), name="short-memory", negative_data_months=6)
    row = build(history_store, short, engine)["alice"]
    # the 95-days-past-due report is 11 months back: beyond 6 months it no longer counts
    assert row["ph_dpd90_reports_24m"] == 0
    assert row["ph_worst_dpd_12m"] == 60
    assert row["ph_late_months_12m"] == 3
    # the share counts the reports of the last 6 months only (card, loan, utility 6 each,
    # telecom from month 3): 3 late of 21, not 3 of the year's 41
    assert row["ph_late_share_12m"] == pytest.approx(3 / 21, rel=1e-11)
    assert row["ao_card_balance_latest"] == CARD_BALANCE[0]  # balances are not negative data


def test_the_documented_catalog_is_the_catalog():
    docs = (Path(__file__).resolve().parents[1] / "docs" / "features.md").read_text()
    rows = re.findall(r"^\| `([a-z0-9_]+)` \|[^|]+\|[^|]+\|[^|]+\| ([^|]+) \|$", docs, re.M)
    assert rows == [(s.name, s.description) for s in CATALOG]


def test_a_month_reported_without_a_payment_paid_nothing(history_store, engine):
    rows = build(history_store, "us", engine)
    dora, erin = rows["dora"], rows["erin"]
    assert dora["ph_paid_amount_mean_6m"] == pytest.approx(sum(DORA_PAID.values()) / 6)
    assert dora["ph_paid_amount_latest"] == 0.0  # month 0: a statement, no payment
    # no card or loan reported, so no month to have paid in: no data, not 0
    assert erin["ph_paid_amount_mean_6m"] == NO_DATA
    assert erin["ph_paid_amount_latest"] == NO_DATA

"""The one-person path (the feature query on SQLite over one person's events) against the batch
query on DuckDB, on histories chosen for where the two engines could part: odd profile text,
timestamps at the edges of the as-of date and of months, consent revoked midway, a user id
with a quote, a store still holding Parquet segments, and calls from several threads."""

from __future__ import annotations

import datetime as dt
import math
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa
import pytest
from test_features_support import History, insert_into

from credo.events.schema import SOURCES
from credo.features.catalog import catalog_for
from credo.features.compiler import APART_TYPES, Tables, build_query
from credo.features.engines import build_features_duckdb
from credo.features.single import columns_read, features_for_user, one_person_plan
from credo.features.spec import FeatureSpec, Series, Term
from credo.features.sqlite import connect_sqlite
from credo.policy import load_policy
from credo.store.db import connect, init_store

POLICY = load_policy("cn")  # every feature family, so every stage of the query runs
DATES = (dt.date(2024, 7, 1), dt.date(2024, 7, 15), dt.date(2024, 3, 31))
ODD_ADDRESSES = ("2019-03", "2019-03-15", "2019", "unknown", "19-03", "", "2019-3", " 2019-03")
ODD_VERIFIED = (True, False, "TRUE", "true", 1, "1", 0, "yes", None)


def _history() -> History:
    h = History()
    for i, address in enumerate(ODD_ADDRESSES):
        user = f"odd-{i}"
        h.grant(user)
        h.add(
            user,
            "identity",
            "profile",
            dt.datetime(2023, 5, 2, 9, 30),
            attributes={"address_since": address, "id_verified": ODD_VERIFIED[i]},
        )
        h.add(
            user,
            "card",
            "account_status",
            dt.datetime(2024, 6, 30),
            account_id="c",
            amount=100.0 + i,
            credit_limit=1000.0,
            days_past_due=30 * (i % 3),
        )
    # Timestamps on and around the as-of dates and month ends, to the microsecond.
    edge = "edge"
    h.grant(edge)
    for ts in (
        dt.datetime(2024, 7, 1),
        dt.datetime(2024, 6, 30, 23, 59, 59, 999999),
        dt.datetime(2024, 7, 14, 23, 59, 59, 999999),
        dt.datetime(2024, 7, 15),
        dt.datetime(2024, 3, 31, 0, 0, 0, 1),
        dt.datetime(2024, 3, 30, 23, 59, 59),
        dt.datetime(2024, 2, 29, 12),
        dt.datetime(2023, 12, 31, 23, 59, 59, 500000),
    ):
        h.add(
            edge,
            "card",
            "account_status",
            ts,
            account_id="c",
            amount=ts.day * 10.0,
            credit_limit=500.0,
            days_past_due=ts.day % 40,
        )
        h.add(
            edge,
            "bank",
            "balance",
            ts,
            amount=ts.minute + 0.25,
            category="overdrawn" if ts.second % 2 else "in_credit",
        )
        h.add(edge, "card", "payment", ts, account_id="c", amount=12.5)
        h.add(edge, "card", "statement", ts, account_id="c", amount=ts.hour + 40.0)
    # Consent to the bank given late and revoked midway; cards never consented.
    mid = "midway"
    h.grant(mid, tuple(s for s in SOURCES if s not in ("bank", "card")))
    h.grant(mid, ("bank",), at=dt.datetime(2023, 9, 1), revoked=dt.datetime(2024, 7, 10))
    for month in range(1, 13):
        ts = dt.datetime(2023 + (month > 6), (month + 5) % 12 + 1, 3)
        h.add(mid, "bank", "income", ts, amount=2000.0 + month)
        h.add(
            mid,
            "card",
            "account_status",
            ts,
            account_id="c",
            amount=50.0,
            credit_limit=100.0,
            days_past_due=60,
        )
        h.add(
            mid,
            "utility",
            "account_status",
            ts,
            account_id="u",
            amount=20.0,
            days_past_due=month % 2 * 15,
        )
    quoted = "o'neil"
    h.grant(quoted)
    h.add(quoted, "loan", "account_opened", dt.datetime(2022, 1, 5), account_id="l")
    h.add(
        quoted,
        "loan",
        "account_status",
        dt.datetime(2024, 6, 5),
        account_id="l",
        amount=900.0,
        days_past_due=0,
    )
    # figures past what a double holds once divided: a balance of 1e15 over a limit of
    # 1e-300, income of 5e-324 (features of infinity, and a NaN trend, before)
    huge = "huge"
    h.grant(huge)
    for month in (3, 4, 5, 6):
        ts = dt.datetime(2024, month, 10)
        h.add(huge, "card", "account_status", ts, account_id="c", amount=1e15,
              credit_limit=1e-300 if month > 4 else 1000.0, days_past_due=0)  # fmt: skip
        h.add(huge, "bank", "income", ts, amount=5e-324)
    h.grant("nothing")  # consents, no events
    h.add("unconsented", "loan", "inquiry", dt.datetime(2024, 6, 5), category="hard")
    return h


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> str:
    path = init_store(tmp_path_factory.mktemp("single") / "credo.duckdb")
    _history().load(path)
    return str(path)


def _batch(store: str) -> dict[tuple[str, dt.date], dict]:
    con = connect(store, read_only=True)
    try:
        people = (
            con.cursor()
            .execute("SELECT user_id FROM events UNION SELECT user_id FROM consents")
            .fetchall()
        )
        as_of = pa.table(
            {
                "user_id": [u for (u,) in people for _ in DATES],
                "as_of": pa.array([d for _ in people for d in DATES], pa.date32()),
            }
        )
        table = build_features_duckdb(con, POLICY, as_of_table=as_of)
    finally:
        con.close()
    return {(r["user_id"], r["as_of"]): r for r in table.to_pylist()}


def _assert_same(one: dict, batch: dict) -> None:
    assert one.keys() == batch.keys()
    for name, value in batch.items():
        if isinstance(value, float):
            assert math.isclose(one[name], value, rel_tol=1e-12, abs_tol=1e-12), name
        else:
            assert one[name] == value, (name, one[name], value)
        assert type(one[name]) is type(value), name


def test_one_person_equals_the_batch_row_on_awkward_histories(store):
    batch = _batch(store)
    assert len(batch) == (len(ODD_ADDRESSES) + 6) * len(DATES)
    con = connect(store, read_only=True)
    try:
        for (user, as_of), row in batch.items():
            _assert_same(features_for_user(con, user, as_of, POLICY), row)
    finally:
        con.close()


def test_an_id_written_with_spaces_is_the_person(store):
    # ingest and the batch's as-of file read " edge " as edge: the one-person path read no
    # event of "  edge " and gave every feature its no-data value
    batch = _batch(store)
    con = connect(store, read_only=True)
    try:
        padded = features_for_user(con, "  edge ", DATES[0], POLICY)
    finally:
        con.close()
    assert padded["user_id"] == "edge" and padded["prov_events"] > 0
    _assert_same(padded, batch[("edge", DATES[0])])


def test_odd_profile_text_reads_as_no_address_alike_on_both_engines(store):
    batch = _batch(store)
    months = {
        address: batch[(f"odd-{i}", DATES[0])]["id_address_months"]
        for i, address in enumerate(ODD_ADDRESSES)
    }
    as_of_month = 2024 * 12 + 7
    assert months["2019-03"] == months["2019-03-15"] == as_of_month - (2019 * 12 + 3)
    for odd in ("2019", "unknown", "19-03", "", "2019-3", " 2019-03"):
        assert months[odd] == months["2019"], odd  # no address date: the no-data value
    verified = [batch[(f"odd-{i}", DATES[0])]["id_verified"] for i in range(len(ODD_ADDRESSES))]
    # "yes" is yes, as furnishers write it (catalog 1.8; it read 0, not verified)
    assert verified == [1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0]


def test_no_feature_is_infinite_or_nan_where_a_division_runs_past_a_double(store):
    batch = _batch(store)
    for as_of in DATES:
        row = batch[("huge", as_of)]
        values = {k: v for k, v in row.items() if isinstance(v, float)}
        assert all(math.isfinite(v) for v in values.values() if v is not None), values
        assert row["ao_debt_to_income"] is None
        assert row["ao_card_balance_latest"] == 1e15  # a figure a double holds is kept
    # the months of a limit of 1e-300 have no utilisation: the latest is April's
    july = batch[("huge", DATES[0])]
    assert july["ao_utilisation_latest"] == july["ao_utilisation_max_6m"] == 1e12


def test_as_of_midnight_excludes_the_event_at_midnight(store):
    con = connect(store, read_only=True)
    try:
        row = features_for_user(con, "edge", dt.datetime(2024, 7, 1), POLICY)
        later = features_for_user(con, "edge", dt.datetime(2024, 7, 1, 0, 0, 0, 1), POLICY)
    finally:
        con.close()
    assert later["prov_events"] == row["prov_events"] + 4  # the four events at midnight


def test_calls_from_several_threads_agree(store):
    con = connect(store, read_only=True)
    try:
        people = ["edge", "midway", "o'neil", "nothing", *(f"odd-{i}" for i in range(8))]
        alone = {p: features_for_user(con, p, DATES[1], POLICY) for p in people}
        with ThreadPoolExecutor(4) as pool:
            together = list(
                pool.map(lambda p: features_for_user(con, p, DATES[1], POLICY), people * 5)
            )
    finally:
        con.close()
    for person, row in zip(people * 5, together, strict=True):
        assert row == alone[person]


def test_a_store_with_parquet_segments_gives_the_batch_rows(tmp_path, monkeypatch):
    """Events still in Parquet segments (not compacted) are read through the events view."""
    from credo.events import chunk_store
    from credo.events.ingest import ingest_paths

    monkeypatch.setattr(chunk_store, "MIN_SEGMENT_ROWS", 1)
    h = _history()
    data = h.write_dataset(tmp_path / "data")
    segmented = init_store(tmp_path / "seg.duckdb")
    con = connect(segmented)
    try:
        insert_into(con, h.event_table().slice(0, 0), h.consent_table())
    finally:
        con.close()
    result = ingest_paths(segmented, [data / "events" / "part-00000.parquet"], progress=False)
    assert result.accepted > 50
    batch = _batch(str(segmented))
    con = connect(segmented, read_only=True)
    try:
        listed = con.cursor().execute("SELECT count(*) FROM event_segments").fetchone()[0]
        rows = con.cursor().execute("SELECT count(*) FROM event_rows").fetchone()[0]
        assert listed >= 1 and rows == 0
        for (user, as_of), row in batch.items():
            _assert_same(features_for_user(con, user, as_of, POLICY), row)
    finally:
        con.close()


def test_aggregating_cells_apart_changes_no_value(store):
    """The batch plan (occasional and status cells aggregated apart, joined on) against one
    pass over every event, both on DuckDB; with a series over an occasional count, where a
    month without such events must count 0, not be missing."""
    from credo.features.engines import with_person_keys

    inquiries = FeatureSpec(
        name="monthly_inquiries_mean_6m",
        dimension="new_credit",
        description="Mean inquiries a month, 6 months",
        reason="Many inquiries",
        aggregate="series_mean",
        series=Series("inquiries", (Term(("card", "loan"), ("inquiry",), "n"),)),
        window=6,
        direction="higher_is_riskier",
    )
    specs = (*catalog_for(POLICY), inquiries)
    keys = pa.table(
        {
            "user_id": ["edge", "midway", "o'neil", "nothing", "odd-1", "odd-4"],
            "as_of": pa.array([dt.datetime(2024, 7, 15)] * 6),
        }
    )
    con = connect(store, read_only=True).cursor()
    try:
        con.register("keys", with_person_keys(keys))
        con.execute("CREATE TEMP TABLE credo_asof AS SELECT * FROM keys")
        results = {}
        for apart in ((), APART_TYPES):
            sql = build_query(specs, POLICY, Tables(), apart=apart).sql("duckdb")
            assert ("mp_g0" in sql) == bool(apart)
            results[apart] = con.sql(sql).to_arrow_table().to_pylist()
    finally:
        con.close()
    one_pass, split = results[()], results[APART_TYPES]
    assert len(one_pass) == len(split) == 6
    for a, b in zip(one_pass, split, strict=True):
        _assert_same(b, a)
    quoted = next(r for r in one_pass if r["user_id"] == "o'neil")
    assert quoted["monthly_inquiries_mean_6m"] == 0.0  # a month of events, no inquiry


def test_the_plan_copies_only_the_columns_the_query_reads():
    specs = catalog_for(POLICY)
    query = build_query(specs, POLICY, Tables())
    read = columns_read(query, "events")
    assert {"user_id", "source", "type", "ts", "amount", "days_past_due"} <= read
    # an account's latest report in a month is found by its account id
    assert "account_id" in read
    assert not {"event_id", "furnisher", "currency", "counterparty_id"} & read
    plan = one_person_plan(specs, POLICY)
    assert set(plan.events.names) == read | {"user_id", "ts"}
    assert set(plan.consents.names) == {"user_id", "source", "purpose", "granted_at", "revoked_at"}


def test_an_old_sqlite_gets_a_clear_error(monkeypatch):
    import sqlite3

    from credo.features.sqlite import connect_sqlite

    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.31.1")
    said = r"needs SQLite 3\.39\.0 or newer.*links SQLite 3\.31\.1"
    with pytest.raises(RuntimeError, match=said):
        connect_sqlite([])


def test_sqlite_keeps_its_temporary_b_trees_in_memory():
    # the one-person query's groupings and stages would otherwise go through temporary files
    lite = connect_sqlite([("events", pa.schema([("user_id", pa.string())]))])
    assert lite.execute("PRAGMA temp_store").fetchone()[0] == 2  # 2: MEMORY
    lite.execute("INSERT INTO events VALUES ('a'), ('b'), ('a')")
    grouped = lite.execute("SELECT user_id, COUNT(*) FROM events GROUP BY 1 ORDER BY 1")
    assert grouped.fetchall() == [("a", 2), ("b", 1)]

"""The feature engine end to end: DuckDB vs Spark, point in time, consent, the single-person
path and the feature-table contract, on a generated population, Taiwan clients and a
hand-built history together."""

from __future__ import annotations

import csv
import datetime as dt
import math
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import DATA
from test_features_catalog import AS_OF, alice
from test_features_support import History, insert_into, month_back

from credo.features.catalog import catalog_for
from credo.features.engines import (
    ASOF_SCHEMA,
    build_features_duckdb,
    build_features_spark,
)
from credo.features.single import features_for_user
from credo.features.table import read_feature_table, write_feature_table_from
from credo.policy import load_policy
from credo.store.db import connect, init_store

TAIWAN_CLIENTS = 300
POPULATION = 150
US = load_policy("us")
COUNTS = (
    "count",
    "series_months_ge",
    "months_since_first",
    "months_since_last",
    "distinct_sources",
    "open_accounts",
)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict:
    """A store and the same events as a dataset directory, plus the as-of table."""
    from credo.events.ingest import ingest_paths
    from credo.events.synthetic import generate_population
    from credo.events.taiwan import import_taiwan

    root = tmp_path_factory.mktemp("world")
    sample = root / "taiwan.csv"
    with open(DATA / "taiwan_credit_card.csv") as src, open(sample, "w") as dst:
        for i, line in enumerate(src):
            if i > TAIWAN_CLIENTS:
                break
            dst.write(line)
    import_taiwan(sample, root / "taiwan")
    generate_population(POPULATION, months=12, seed=7, out=root / "population")
    hand = History()
    alice(hand)
    hand.grant("bob")
    hand.write_dataset(root / "hand")

    store = init_store(root / "credo.duckdb")
    ingest_paths(store, [root / "taiwan", root / "population"], progress=False)
    con = connect(store)
    insert_into(con, hand.event_table(), hand.consent_table())
    con.close()

    combined = root / "combined"
    (combined / "events").mkdir(parents=True)
    consents = []
    for i, part in enumerate(("taiwan", "population", "hand")):
        for j, f in enumerate(sorted((root / part / "events").glob("*.parquet"))):
            shutil.copy(f, combined / "events" / f"part-{i}{j:04d}.parquet")
        consents.append(pq.read_table(root / part / "consents.parquet"))
    pq.write_table(pa.concat_tables(consents), combined / "consents.parquet")

    outcomes = [pq.read_table(root / p / "outcomes.parquet") for p in ("taiwan", "population")]
    hand_asof = pa.table(
        {
            "user_id": ["alice", "bob", "alice"],
            "as_of": pa.array([AS_OF, AS_OF, dt.date(2024, 1, 1)], pa.date32()),
        }
    )
    as_of = pa.concat_tables(
        [o.select(["user_id", "as_of"]).cast(hand_asof.schema) for o in outcomes] + [hand_asof]
    )
    return {"root": root, "store": store, "dataset": combined, "as_of": as_of}


def duckdb_features(store: Path, as_of_table: pa.Table, policy=US) -> pa.Table:
    con = connect(store, read_only=True)
    try:
        return build_features_duckdb(con, policy, as_of_table=as_of_table)
    finally:
        con.close()


def rows_by_key(table: pa.Table) -> dict[tuple, dict]:
    return {(r["user_id"], r["as_of"]): r for r in table.to_pylist()}


def assert_same_row(row: dict, other: dict, policy=US) -> None:
    """Counts and text exactly; other floats to 1e-9 (sums may run in another order)."""
    exact = {s.name for s in catalog_for(policy) if s.aggregate in COUNTS}
    assert row.keys() == other.keys()
    for name, value in row.items():
        if isinstance(value, float) and name not in exact:
            assert math.isclose(value, other[name], rel_tol=1e-9, abs_tol=1e-9), name
        else:
            assert value == other[name], (name, value, other[name])


def assert_same_rows(left: pa.Table, right: pa.Table, policy=US) -> None:
    a, b = rows_by_key(left), rows_by_key(right)
    assert a.keys() == b.keys()
    for key, row in a.items():
        assert_same_row(row, b[key], policy)


@pytest.fixture(scope="module")
def batch(world) -> pa.Table:
    return duckdb_features(world["store"], world["as_of"])


@pytest.mark.spark
@pytest.mark.slow
def test_duckdb_and_spark_give_the_same_values(world, batch, spark):
    on_spark = build_features_spark(spark, world["dataset"], US, as_of_table=world["as_of"])
    assert batch.num_rows == TAIWAN_CLIENTS + POPULATION + 3
    assert_same_rows(batch, on_spark)


@pytest.mark.spark
@pytest.mark.slow
def test_spark_reads_a_dataset_whose_path_holds_pattern_characters(world, spark, tmp_path):
    """Hadoop reads [ ] { } * ? in a path as a pattern: a folder "runs [old]" was not found."""
    odd = tmp_path / "runs [old] {x}"
    shutil.copytree(world["root"] / "hand", odd)
    as_of = pa.table({"user_id": ["alice", "bob"], "as_of": pa.array([AS_OF] * 2, pa.date32())})
    plain = build_features_spark(spark, world["root"] / "hand", US, as_of_table=as_of)
    assert_same_rows(plain, build_features_spark(spark, odd, US, as_of_table=as_of))


def test_one_row_per_person_and_as_of_date(world, batch):
    keys = rows_by_key(batch)
    assert len(keys) == batch.num_rows
    assert ("alice", dt.date(2024, 1, 1)) in keys and ("alice", AS_OF) in keys
    earlier = duckdb_features(
        world["store"],
        pa.table({"user_id": ["alice"], "as_of": pa.array([dt.date(2024, 1, 1)], pa.date32())}),
    )
    assert_same_row(
        rows_by_key(earlier)[("alice", dt.date(2024, 1, 1))], keys[("alice", dt.date(2024, 1, 1))]
    )
    assert keys[("alice", AS_OF)] != keys[("alice", dt.date(2024, 1, 1))]


def test_events_on_or_after_as_of_change_nothing(world, batch, tmp_path):
    """The generated population has events in each person's performance window (after
    as_of): dropping them, and adding more for alice, must not change a single value."""
    store = init_store(tmp_path / "before.duckdb")
    con = connect(store)
    src = connect(world["store"], read_only=True).cursor()
    events = src.sql("SELECT * EXCLUDE (batch_id) FROM events").to_arrow_table()
    consents = src.sql("SELECT * FROM consents").to_arrow_table()
    as_of: dict[str, dt.date] = {}
    for r in world["as_of"].to_pylist():  # a person's latest as-of date bounds what is used
        as_of[r["user_id"]] = max(r["as_of"], as_of.get(r["user_id"], r["as_of"]))
    cutoff = pa.array(
        [
            dt.datetime.combine(as_of.get(u, AS_OF), dt.time())
            for u in events["user_id"].to_pylist()
        ],
        pa.timestamp("us"),
    )
    before = events.filter(pc.less(events["ts"], cutoff))
    assert before.num_rows < events.num_rows  # the population does have later events
    later = History()
    for m in (0, 1):
        later.add(
            "alice",
            "card",
            "account_status",
            dt.datetime(2024, 7 + m, 1, 0, 0),
            account_id="card1",
            amount=999.0,
            credit_limit=1.0,
            days_past_due=120,
        )
    insert_into(con, pa.concat_tables([before, later.event_table().cast(before.schema)]), consents)
    con.close()
    assert_same_rows(batch, duckdb_features(store, world["as_of"]))


def _store_with(world, tmp_path: Path, name: str, edit: str) -> Path:
    store = init_store(tmp_path / f"{name}.duckdb")
    con = connect(store).cursor()
    con.execute(f"ATTACH '{world['store']}' AS src (READ_ONLY)")
    con.execute("INSERT INTO event_rows SELECT * FROM src.events")
    con.execute("INSERT INTO consents SELECT * FROM src.consents")
    con.execute(edit)
    con.execute("DETACH src")
    con.close()
    return store


def test_revoking_consent_removes_exactly_that_source(world, batch, tmp_path):
    only_alice = pa.table({"user_id": ["alice"], "as_of": pa.array([AS_OF], pa.date32())})
    revoked = _store_with(
        world,
        tmp_path,
        "revoked",
        "UPDATE consents SET revoked_at = TIMESTAMP '2024-03-01' WHERE user_id = 'alice'"
        " AND source = 'bank' AND purpose = 'credit_scoring'",
    )
    without = _store_with(
        world,
        tmp_path,
        "without",
        "DELETE FROM event_rows WHERE user_id = 'alice' AND source = 'bank'",
    )
    after_revoke = rows_by_key(duckdb_features(revoked, only_alice))[("alice", AS_OF)]
    without_bank = rows_by_key(duckdb_features(without, only_alice))[("alice", AS_OF)]
    original = rows_by_key(batch)[("alice", AS_OF)]
    assert_same_row(after_revoke, without_bank)
    by_name = {s.name: s for s in catalog_for(US)}
    for name, value in original.items():
        spec = by_name.get(name)
        if spec is not None and "bank" not in spec.fed_by and spec.aggregate != "ratio":
            assert math.isclose(after_revoke[name], value, rel_tol=1e-9), name
    assert after_revoke["cb_income_mean_12m"] == -1.0 != original["cb_income_mean_12m"]
    assert "bank" not in after_revoke["prov_sources"].split(",")


def test_revoking_after_as_of_changes_nothing(world, batch, tmp_path):
    only_alice = pa.table({"user_id": ["alice"], "as_of": pa.array([AS_OF], pa.date32())})
    store = _store_with(
        world,
        tmp_path,
        "late",
        "UPDATE consents SET revoked_at = TIMESTAMP '2024-07-02' WHERE user_id = 'alice'",
    )
    row = rows_by_key(duckdb_features(store, only_alice))[("alice", AS_OF)]
    assert_same_row(row, rows_by_key(batch)[("alice", AS_OF)])


def test_single_person_path_equals_the_batch_row(world, batch):
    keys = rows_by_key(batch)
    population = [k for k in keys if not k[0].startswith("tw-") and k[0] not in ("alice", "bob")]
    taiwan = next(k for k in keys if k[0].startswith("tw-"))
    chosen = [("alice", AS_OF), ("bob", AS_OF), taiwan, *population[:3]]
    con = connect(world["store"], read_only=True)
    try:
        for user, as_of in chosen:
            single = features_for_user(con, user, as_of, policy="us")
            assert_same_row(single, keys[(user, as_of)])
    finally:
        con.close()


def test_taiwan_windows_line_up_with_the_monthly_statements(batch):
    """Month 1 of the data (September 2005) is the most recent month before 2005-10-01."""
    rows = rows_by_key(batch)
    with open(DATA / "taiwan_credit_card.csv") as f:
        clients = [r for _, r in zip(range(TAIWAN_CLIENTS), csv.DictReader(f), strict=False)]
    for client in clients:
        row = rows[(f"tw-{client['id']}", dt.date(2005, 10, 1))]
        status = [int(client[f"pay_status_{k}"]) for k in range(1, 7)]
        bill = [max(float(client[f"bill_amt_{k}"]), 0.0) for k in range(1, 7)]
        limit = float(client["limit_bal"])
        assert row["ph_dpd_latest"] == 30 * max(status[0], 0)
        assert row["ph_late_months_3m"] == sum(s > 0 for s in status[:3])
        assert row["ph_late_months_6m"] == sum(s > 0 for s in status)
        assert row["ph_worst_dpd_6m"] == 30 * max(max(status), 0)
        # features keep 12 significant digits: within 5e-12 of the exact ratio
        assert math.isclose(row["ao_utilisation_latest"], bill[0] / limit, rel_tol=1e-11)
        assert row["ao_card_limit_latest"] == limit
        paid = float(client["pay_amt_1"])
        expected = min(paid / bill[1], 5.0) if bill[1] > 0 else None
        if expected is None:
            assert row["ph_payment_ratio_latest"] in (-1.0,) or row["ph_payment_ratio_latest"]
        else:
            assert math.isclose(row["ph_payment_ratio_latest"], expected, rel_tol=1e-11)
        assert row["cb_income_mean_12m"] == -1.0  # no bank data: no data
        assert row["prov_sources"] == "card,identity"


def test_feature_table_round_trip_keeps_the_metadata(batch, tmp_path):
    path = write_feature_table_from(batch, tmp_path / "features.parquet")
    table, metas = read_feature_table(path)
    specs = catalog_for(US)
    assert [m.name for m in metas] == [s.name for s in specs]
    assert table.column_names[:2] == ["user_id", "as_of"]
    for meta, spec in zip(metas, specs, strict=True):
        assert table.schema.field(meta.name).type == pa.float64()
        assert (meta.dimension, meta.direction, meta.no_data, meta.reason, meta.reason_bound) == (
            spec.dimension,
            spec.direction,
            spec.no_data,
            spec.reason,
            spec.reason_bound,
        )
        assert meta.sources, meta.name
    ratio = next(m for m in metas if m.name == "ao_debt_to_income")
    assert set(ratio.sources) == {"card", "loan", "bank"}
    assert table.num_rows == batch.num_rows


def test_the_as_of_table_must_name_people_and_dates(world):
    from credo.features.engines import FeatureInputError

    with pytest.raises(FeatureInputError, match="user_id"):
        duckdb_features(world["store"], pa.table({"as_of": [AS_OF]}))
    with pytest.raises(FeatureInputError, match="date"):
        duckdb_features(world["store"], pa.table({"user_id": ["a"], "as_of": ["soon"]}))
    assert ASOF_SCHEMA.names == ["user_id", "as_of"]
    assert month_back(AS_OF, 0) < dt.datetime(2024, 7, 1)


def test_as_of_timestamps_are_read_as_their_day():
    # the table labels rows with dates, so a time of day must not count events it hides
    from credo.features.engines import as_of_table_from_outcomes, as_of_timestamp

    people = ["a", "a", "b"]
    stamps = [dt.datetime(2024, 7, 1, 10), dt.datetime(2024, 7, 1), dt.datetime(2024, 6, 30, 23)]
    read = as_of_table_from_outcomes(pa.table({"user_id": people, "as_of": stamps}))
    assert read.to_pylist() == [
        {"user_id": "a", "as_of": dt.datetime(2024, 7, 1)},
        {"user_id": "b", "as_of": dt.datetime(2024, 6, 30)},
    ]
    as_text = as_of_table_from_outcomes(pa.table({"user_id": ["b"], "as_of": ["2024-06-30"]}))
    assert as_text.to_pylist() == read.to_pylist()[1:]
    assert as_of_timestamp("2024-07-01") == dt.datetime(2024, 7, 1)
    assert as_of_timestamp(dt.datetime(2024, 7, 1, 10)) == dt.datetime(2024, 7, 1, 10)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        as_of_timestamp("2024-07-01T10:00")
    # a timestamp with a time zone: its day as written there (Shanghai's midnight of July 1st
    # is June 30th 16:00 in UTC)
    zoned = pa.array([dt.datetime(2024, 6, 30, 16)], pa.timestamp("us", tz="UTC"))
    zoned = zoned.cast(pa.timestamp("us", tz="Asia/Shanghai"))
    read = as_of_table_from_outcomes(pa.table({"user_id": ["a"], "as_of": zoned}))
    assert read.to_pylist() == [{"user_id": "a", "as_of": dt.datetime(2024, 7, 1)}]


def test_an_as_of_file_of_categories_or_no_rows_is_read_or_refused_plainly():
    from credo.features.engines import FeatureInputError, as_of_table_from_outcomes

    categories = pa.table(
        {"user_id": ["a", "b"], "as_of": pa.array(["2024-07-01", "2024-07-01"]).dictionary_encode()}
    )
    read = as_of_table_from_outcomes(categories)
    assert read["as_of"].to_pylist() == [dt.datetime(2024, 7, 1)] * 2
    nothing = pa.table({"user_id": pa.array([], pa.string()), "as_of": pa.array([], pa.string())})
    with pytest.raises(FeatureInputError, match="the as-of file has no rows"):
        as_of_table_from_outcomes(nothing)
    undated = pa.table({"user_id": ["a"], "as_of": pa.array([None], pa.float64())})
    with pytest.raises(FeatureInputError, match=r"without a user_id or as_of"):
        as_of_table_from_outcomes(undated)


def test_empty_ids_and_dates_of_an_as_of_file_are_refused():
    from credo.features.engines import FeatureInputError, as_of_table_from_outcomes

    dated = pa.table({"user_id": ["a", "b", "c"], "as_of": ["2024-07-01", "2024-07-01", " "]})
    empty_date = r"1 empty as_of value\(s\) \(the first in data row 3"
    with pytest.raises(FeatureInputError, match=empty_date):
        as_of_table_from_outcomes(dated)
    unnamed = pa.table({"user_id": ["a", " "], "as_of": ["2024-07-01", "2024-07-01"]})
    with pytest.raises(FeatureInputError, match=r"1 row\(s\) without a user_id .* data row 2"):
        as_of_table_from_outcomes(unnamed)


def test_an_as_of_file_with_a_day_past_its_months_end_is_refused():
    """Arrow's parser read "2024-06-31" as July 1st and "2024-02-31" as March 2nd: features
    at a date no one gave, which a join back to the outcomes on (user_id, as_of) then missed."""
    from credo.features.engines import FeatureInputError, as_of_table_from_outcomes

    for wrong in ("2024-06-31", "2023-02-29", "2024-02-31", "2024-13-01", "2024-06", "1/7/2024"):
        dated = pa.table({"user_id": ["a", "b", "c"], "as_of": ["2024-07-01", wrong, wrong]})
        with pytest.raises(FeatureInputError, match=rf"data row 2, '{wrong}', is no date") as e:
            as_of_table_from_outcomes(dated)
        assert "2 row(s) alike" in str(e.value) and "Failed to parse" not in str(e.value)
    # a leap day, one-digit months and days and spaces around a date are dates
    read = as_of_table_from_outcomes(
        pa.table({"user_id": ["a", "b"], "as_of": ["2024-02-29", " 2024-7-1 "]})
    )
    assert read["as_of"].to_pylist() == [dt.datetime(2024, 2, 29), dt.datetime(2024, 7, 1)]
    # a time and a zone written after the day (as a zoned column is read): the day written
    stamps = ["2024-07-01T23:30:00+08:00", "2024-07-01 00:10Z", "2024-07-01T08:00:00.5-05:00"]
    read = as_of_table_from_outcomes(pa.table({"user_id": ["a", "b", "c"], "as_of": stamps}))
    assert read["as_of"].to_pylist() == [dt.datetime(2024, 7, 1)] * 3
    with pytest.raises(FeatureInputError, match="is no date"):
        as_of_table_from_outcomes(pa.table({"user_id": ["a"], "as_of": ["2024-06-31T10:00"]}))


def test_an_as_of_files_padded_ids_are_the_stored_people():
    from credo.features.engines import as_of_table_from_outcomes

    # ingest stores " a " as a: the as-of file's padding must not make a stranger of them
    padded = pa.table({"user_id": [" a ", "b", "b "], "as_of": ["2024-07-01"] * 3})
    read = as_of_table_from_outcomes(padded)
    assert read["user_id"].to_pylist() == ["a", "b"]

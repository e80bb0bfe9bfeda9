"""The synthetic population: determinism, calibration, validity, mechanics, and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from credo.events.dataset import is_dataset_dir, read_consents, read_events, read_outcomes
from credo.events.schema import (
    BALANCE_CATEGORIES,
    COMMON_REQUIRED,
    CURRENCIES,
    EARLIEST_TS,
    EVENT_SCHEMA,
    INQUIRY_KINDS,
    SOURCES,
    TRANSFER_DIRECTIONS,
    TYPE_REQUIRED,
    TYPES,
    Event,
    utc_now,
)
from credo.events.synth.billing import expected_cards
from credo.events.synth.text import constant, packed_decimal, string_array, text_matrix
from credo.events.synth.traits import Traits, calibrate_intercept
from credo.events.synthetic import (
    GenerationError,
    PopulationSpec,
    generate_chunk,
    generate_population,
    simulate_people,
)

CREDO = Path(sys.executable).with_name("credo")


@pytest.fixture(scope="module")
def population():
    """2,000 people (one of the generator's realistic sizes for a test: about 1M events)."""
    return generate_population(2_000, seed=11, bad_rate=0.08).population


@pytest.fixture(scope="module")
def con(population):
    con = duckdb.connect()
    con.register("events", population.events)
    con.register("outcomes", population.outcomes)
    con.register("consents", population.consents)
    return con


def test_same_seed_gives_identical_tables_and_other_seed_does_not():
    first = generate_population(300, seed=5, chunk_users=120).population
    again = generate_population(300, seed=5, chunk_users=120).population
    other = generate_population(300, seed=6, chunk_users=120).population
    for name in ("events", "consents", "outcomes", "protected"):
        assert getattr(first, name).equals(getattr(again, name)), name
    assert not first.events.equals(other.events)
    assert not first.outcomes.column("bad").equals(other.outcomes.column("bad"))


def test_written_files_are_identical_for_the_same_seed(tmp_path: Path):
    paths = []
    for name in ("a", "b"):
        generate_population(250, seed=3, out=tmp_path / name, chunk_users=100)
        paths.append(tmp_path / name)
    files = sorted(p.relative_to(paths[0]) for p in paths[0].rglob("*.parquet"))
    assert len(files) == 3 + 3  # three event parts (chunks of 100) + three small tables
    for relative in files:
        assert (paths[0] / relative).read_bytes() == (paths[1] / relative).read_bytes()


def test_realised_bad_rate_is_near_the_requested_one(population):
    rate = pc.mean(population.outcomes.column("bad").cast(pa.float64())).as_py()
    assert abs(rate - 0.08) < 0.025
    high = generate_population(1_000, seed=2, bad_rate=0.25).population
    high_rate = pc.mean(high.outcomes.column("bad").cast(pa.float64())).as_py()
    assert abs(high_rate - 0.25) < 0.05


def test_events_have_the_schema_and_unique_ids(population):
    events = population.events
    assert events.schema.equals(EVENT_SCHEMA)
    assert pc.count_distinct(events.column("event_id")).as_py() == events.num_rows
    assert pc.count_distinct(events.column("user_id")).as_py() == 2_000


def test_every_event_is_valid_per_the_schema_rules(con):
    for event_type in TYPES:
        for name in COMMON_REQUIRED + TYPE_REQUIRED[event_type]:
            missing = con.execute(
                f"SELECT count(*) FROM events WHERE type = ? AND {name} IS NULL", [event_type]
            ).fetchone()[0]
            assert missing == 0, f"{event_type} events without {name}"
    assert con.execute(
        "SELECT count(*) FROM events WHERE source NOT IN ?", [list(SOURCES)]
    ).fetchone() == (0,)
    unknown_types = con.execute("SELECT count(*) FROM events WHERE type NOT IN ?", [list(TYPES)])
    assert unknown_types.fetchone() == (0,)
    assert con.execute(
        "SELECT count(*) FROM events WHERE amount < 0 OR credit_limit < 0 OR days_past_due < 0"
    ).fetchone() == (0,)
    currencies = {row[0] for row in con.execute("SELECT DISTINCT currency FROM events").fetchall()}
    assert currencies - {None} <= CURRENCIES
    for event_type, allowed in (
        ("transfer", TRANSFER_DIRECTIONS),
        ("balance", BALANCE_CATEGORIES),
        ("inquiry", INQUIRY_KINDS),
    ):
        found = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT category FROM events WHERE type = ?", [event_type]
            ).fetchall()
        }
        assert found == set(allowed), event_type
    assert con.execute("SELECT max(ts) FROM events").fetchone()[0] < utc_now()
    attributes = con.execute(
        "SELECT DISTINCT attributes FROM events WHERE attributes IS NOT NULL"
    ).fetchall()
    assert all(isinstance(json.loads(text), dict) for (text,) in attributes)


def test_a_sample_of_every_type_passes_the_api_model(con):
    for event_type in TYPES:
        cursor = con.execute(
            "SELECT * FROM events WHERE type = ? ORDER BY event_id LIMIT 20", [event_type]
        )
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
        assert rows, f"no {event_type} events"
        for row in rows:
            if row["attributes"] is not None:
                row["attributes"] = json.loads(row["attributes"])
            Event(**row)


def test_every_source_is_present_and_thin_files_have_few(con):
    sources = {r[0] for r in con.execute("SELECT DISTINCT source FROM events").fetchall()}
    assert sources == set(SOURCES)
    per_user = np.array(
        con.execute("SELECT count(DISTINCT source) FROM events GROUP BY user_id").fetchall()
    ).ravel()
    assert per_user.min() <= 3
    assert np.median(per_user) >= 5


def test_consent_refusals_and_revocations_are_present(con):
    furnished = con.execute("SELECT count(*) FROM (SELECT DISTINCT user_id, source FROM events)")
    pairs = furnished.fetchone()[0]
    refused = con.execute(
        """SELECT count(*) FROM (SELECT DISTINCT user_id, source FROM events) e
           WHERE NOT EXISTS (SELECT 1 FROM consents c
                             WHERE c.user_id = e.user_id AND c.source = e.source)"""
    ).fetchone()[0]
    assert 0 < refused < 0.2 * pairs
    purposes = {r[0] for r in con.execute("SELECT DISTINCT purpose FROM consents").fetchall()}
    assert purposes == {"credit_scoring", "credit_application"}
    assert con.execute("SELECT count(*) FROM consents WHERE revoked_at IS NOT NULL").fetchone()[0]
    assert con.execute(
        "SELECT count(*) FROM consents WHERE revoked_at <= granted_at"
    ).fetchone() == (0,)


def test_outcomes_match_the_performance_window_and_nothing_lies_beyond_it(con):
    window = con.execute(
        """SELECT o.bad, coalesce(max(e.days_past_due), 0) AS worst
           FROM outcomes o LEFT JOIN events e
             ON e.user_id = o.user_id AND e.type = 'account_status'
            AND e.ts >= o.as_of AND e.ts < o.as_of + INTERVAL 12 MONTH
           GROUP BY o.user_id, o.bad"""
    ).fetchall()
    assert all((worst >= 90) == bool(bad) for bad, worst in window)
    beyond = con.execute(
        """SELECT count(*) FROM events e JOIN outcomes o USING (user_id)
           WHERE e.ts >= o.as_of + INTERVAL 12 MONTH"""
    ).fetchone()[0]
    assert beyond == 0
    as_of = con.execute("SELECT min(as_of), max(as_of), count(DISTINCT as_of) FROM outcomes")
    first, last, distinct = as_of.fetchone()
    assert last == date(2025, 6, 1) and distinct == 12 and first == date(2024, 7, 1)


def test_hard_inquiries_come_before_new_credit_accounts(con):
    unexplained = con.execute(
        """SELECT count(*) FROM events a JOIN outcomes o USING (user_id)
           WHERE a.type = 'account_opened' AND a.source IN ('card', 'loan')
             AND a.ts >= o.as_of - INTERVAL 24 MONTH
             AND NOT EXISTS (
               SELECT 1 FROM events i WHERE i.user_id = a.user_id AND i.type = 'inquiry'
                 AND i.category = 'hard' AND i.source = a.source
                 AND i.ts < a.ts AND i.ts >= a.ts - INTERVAL 30 DAY)"""
    ).fetchone()[0]
    assert unexplained == 0


def test_payments_statements_and_statuses_follow_the_billing_cycle(con):
    late = con.execute(
        """WITH s AS (SELECT * FROM events WHERE type = 'statement'),
                p AS (SELECT * FROM events WHERE type = 'payment')
           SELECT avg(CASE WHEN p.ts::DATE > s.due_date THEN 1 ELSE 0 END)
           FROM p ASOF JOIN s ON p.account_id = s.account_id AND p.ts >= s.ts"""
    ).fetchone()[0]
    assert 0.0 < late < 0.3
    kinds = con.execute(
        """SELECT count(*) FILTER (WHERE days_past_due = 0),
                  count(*) FILTER (WHERE days_past_due BETWEEN 30 AND 60),
                  count(*) FILTER (WHERE days_past_due >= 90)
           FROM events WHERE type = 'account_status'"""
    ).fetchone()
    assert all(count > 0 for count in kinds)
    overdrawn = con.execute(
        "SELECT avg((category = 'overdrawn')::INT) FROM events WHERE type = 'balance'"
    ).fetchone()[0]
    assert 0.02 < overdrawn < 0.5


def test_events_before_the_as_of_date_predict_default(con):
    """Simple point-in-time features must separate bad from good, but not trivially."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import cross_val_predict

    rows = con.execute(
        """SELECT any_value(o.bad),
             count(*) FILTER (WHERE e.type = 'account_status' AND e.days_past_due > 0),
             coalesce(max(e.days_past_due) FILTER (
                 WHERE e.type = 'account_status' AND e.ts >= o.as_of - INTERVAL 12 MONTH), 0),
             count(*) FILTER (WHERE e.type = 'balance' AND e.category = 'overdrawn'),
             coalesce(avg(e.amount / e.credit_limit) FILTER (
                 WHERE e.type = 'account_status' AND e.source = 'card'), 0),
             count(*) FILTER (WHERE e.type = 'inquiry' AND e.category = 'hard')
           FROM outcomes o LEFT JOIN events e ON e.user_id = o.user_id AND e.ts < o.as_of
           GROUP BY o.user_id"""
    ).fetchall()
    data = np.array(rows, dtype=float)
    y, x = data[:, 0], data[:, 1:]
    x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-9)
    scores = cross_val_predict(LogisticRegression(), x, y, cv=4, method="predict_proba")[:, 1]
    assert 0.68 < roc_auc_score(y, scores) < 0.95


def test_protected_attributes_stay_out_of_events(population):
    protected = population.protected
    assert set(protected.column_names) == {"user_id", "age", "sex"}
    attributes = population.events.column("attributes").drop_null()
    assert not pc.any(pc.match_substring_regex(attributes, '"(sex|age|gender)"')).as_py()


def test_parameters_that_cannot_be_honoured_are_refused():
    with pytest.raises(GenerationError, match="in the future"):
        generate_population(10, as_of=date(utc_now().year + 1, 1, 1))
    with pytest.raises(GenerationError, match="bad-rate"):
        generate_population(10, bad_rate=0.0)
    with pytest.raises(GenerationError, match="users"):
        generate_population(0)
    with pytest.raises(GenerationError, match="8 digits"):
        generate_population(10**8 + 1)
    with pytest.raises(GenerationError, match="1900"):
        generate_population(10, as_of=date(1850, 1, 1))


def test_an_as_of_date_whose_oldest_accounts_would_date_before_1900_is_refused():
    # accounts reach back up to 66 years of credit tenure (and a bank account 2 more) before
    # the history starts: their account_opened events must not fall before 1900, which
    # ingest refuses (an --as-of of 1900-01-01 was accepted, and most people's oldest
    # accounts were then quarantined)
    for as_of, months in (
        (date(1900, 1, 1), 24),
        (date(1970, 11, 1), 24),
        (date(1988, 11, 1), 240),
    ):
        with pytest.raises(GenerationError, match="1900"):
            generate_population(10, months=months, as_of=as_of)
    for as_of, months in ((date(1970, 12, 1), 24), (date(1988, 12, 1), 240)):
        events = generate_population(300, months=months, as_of=as_of).population.events
        assert pc.min(events.column("ts")).as_py() >= EARLIEST_TS


def test_cli_generates_a_dataset_directory(tmp_path: Path):
    out = tmp_path / "population"
    done = subprocess.run(
        [str(CREDO), "generate", "--users", "150", "--seed", "4", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "events/s" in done.stdout and "bad rate" in done.stdout
    assert is_dataset_dir(out)
    assert read_outcomes(out).num_rows == 150
    assert read_consents(out).num_rows > 0
    assert read_events(out).num_rows > 150 * 100
    readme = (out / "README.md").read_text()
    assert "users: 150" in readme and "bad rate" in readme

    again = subprocess.run(
        [str(CREDO), "generate", "--users", "150", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 1
    assert "not empty" in again.stderr

    future = subprocess.run(
        [str(CREDO), "generate", "--users", "5", "--out", str(tmp_path / "x")]
        + ["--as-of", "2099-01-01"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert future.returncode == 1
    assert "in the future" in future.stderr


def test_the_store_accepts_every_generated_event_and_consent(tmp_path: Path, store_path: Path):
    from credo.events.ingest import ingest_paths
    from credo.store.db import connect

    out = tmp_path / "population"
    generated = generate_population(120, seed=9, out=out, chunk_users=50)
    result = ingest_paths(store_path, [out], progress=False)
    assert (result.accepted, result.rejected, result.conflicts) == (generated.events, 0, 0)
    assert result.consents == read_consents(out).num_rows
    again = ingest_paths(store_path, [out], progress=False)
    assert again.accepted == 0
    with connect(store_path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM events").fetchone()[0] == generated.events


def _extreme_traits() -> Traits:
    """Every combination of the lowest and highest value of each trait, 512 people."""
    grid = np.indices((2,) * 9).reshape(9, -1).astype(bool)
    age, income, salaried, regularity, discipline, shocks, tenure, digital, thin = grid
    age_years = np.where(age, 85.0, 18.0)
    return Traits(
        age=age_years,
        income=np.where(income, 250_000.0, 150.0),
        salaried=salaried,
        regularity=np.where(regularity, 1.0, 0.0),
        discipline=np.where(discipline, 4.0, -4.0),
        shock_rate=np.where(shocks, 0.054, 0.004),
        tenure_months=np.where(tenure, np.floor((age_years - 19.0).clip(0) * 12), 0.0),
        digital=np.where(digital, 1.0, 0.0),
        thin_file=thin,
    )


def test_people_with_extreme_traits_are_simulated_validly():
    """The young on the lowest incomes once drew a negative Poisson rate of cards."""
    spec = PopulationSpec(users=512, seed=1)
    intercept = calibrate_intercept(spec.bad_rate, spec.months, spec.seed)
    rng = np.random.default_rng(1)
    piece = simulate_people(spec, rng, _extreme_traits(), 0, intercept)
    events = piece.events.cast(EVENT_SCHEMA)
    assert events.num_rows > 512 * 10
    assert pc.count_distinct(events.column("user_id")).as_py() == 512
    assert pc.count_distinct(events.column("event_id")).as_py() == events.num_rows
    assert pc.min(events.column("amount")).as_py() >= 0
    assert piece.outcomes.num_rows == 512


def test_card_rate_is_never_negative():
    career, income_z = np.meshgrid(np.linspace(0, 1, 21), np.linspace(-10, 10, 41))
    assert (expected_cards(career, income_z) >= 0).all()


def test_the_chunk_that_failed_with_a_negative_rate_now_generates():
    """`credo generate --users 42000 --seed 0` stopped in chunk 11 with `lam < 0`."""
    spec = PopulationSpec(users=42_000, seed=0)
    intercept = calibrate_intercept(spec.bad_rate, spec.months, spec.seed)
    piece = generate_chunk(spec, 11, 22_000, 2_000, intercept)
    assert piece.outcomes.num_rows == 2_000
    assert piece.events.num_rows > 2_000 * 100


def test_written_events_read_back_as_the_in_memory_tables(tmp_path: Path):
    memory = generate_population(200, seed=8, chunk_users=70).population
    generate_population(200, seed=8, chunk_users=70, out=tmp_path / "d")
    events = read_events(tmp_path / "d")
    assert events.schema.equals(EVENT_SCHEMA)
    assert events.equals(memory.events)
    part = next((tmp_path / "d" / "events").glob("*.parquet"))
    assert pq.read_schema(part).equals(EVENT_SCHEMA)


def test_packed_digits_match_decimal_formatting():
    values = np.random.default_rng(0).integers(0, 10**7, 1_000)
    values[:2] = (0, 10**7 - 1)
    matrix = text_matrix([constant("cp"), packed_decimal(values, 7, lead="-")], len(values))
    texts = string_array(matrix).to_pylist()
    assert texts == [f"cp-{value:07d}" for value in values]
    valid = np.arange(len(values)) % 3 == 0
    sparse = string_array(matrix[valid], valid=valid).to_pylist()
    expected = [f"cp-{v:07d}" if keep else None for v, keep in zip(values, valid, strict=True)]
    assert sparse == expected
    with pytest.raises(ValueError, match="7 decimal digits"):
        packed_decimal(np.array([10**7]), 7, lead="-")

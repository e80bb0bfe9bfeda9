"""`credo features` and `credo features list` as a user runs them (real subprocesses)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import math
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_features_catalog import AS_OF, alice
from test_features_support import History

from credo.features.catalog import catalog_for
from credo.features.table import read_feature_table, read_table_metadata
from credo.policy import load_policy

CREDO = str(Path(sys.executable).with_name("credo"))


def credo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CREDO, *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    from credo.store.db import init_store

    path = init_store(tmp_path_factory.mktemp("cli") / "credo.duckdb")
    h = History()
    alice(h)
    h.grant("bob")
    h.load(path)
    return path


def test_features_without_a_subcommand_builds_the_table(store, tmp_path):
    out = tmp_path / "f.parquet"
    result = credo("features", "--db", str(store), "--as-of", str(AS_OF), "--out", str(out))
    assert result.returncode == 0, result.stderr
    table, metas = read_feature_table(out)
    assert sorted(table["user_id"].to_pylist()) == ["alice", "bob"]
    assert [m.name for m in metas] == [s.name for s in catalog_for(load_policy("us"))]
    meta = read_table_metadata(out)
    assert meta["kind"] == "credo.features" and meta["policy"] == "us"
    assert "prov_sources" in meta["provenance_columns"]
    assert f"{len(metas)} features" in result.stderr
    said = " ".join(result.stderr.split())  # bob has consents and no event
    assert "warning: 1 of 2 people have no event from a consented source before their date" in said
    assert "(e.g. bob)" in said


def test_build_with_an_as_of_file_and_another_policy(store, tmp_path):
    as_of = tmp_path / "outcomes.parquet"
    pq.write_table(
        pa.table(
            {
                "user_id": ["alice", "alice"],
                "as_of": pa.array([AS_OF, dt.date(2024, 1, 1)], pa.date32()),
                "bad": pa.array([0, 0], pa.int8()),
            }
        ),
        as_of,
    )
    out = tmp_path / "f.parquet"
    result = credo(
        "features",
        "build",
        "--db",
        str(store),
        "--as-of-file",
        str(as_of),
        "--policy",
        "cn",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    table, metas = read_feature_table(out)
    assert table.num_rows == 2
    assert "df_platform_months" in [m.name for m in metas]
    assert read_table_metadata(out)["policy"] == "cn"
    assert read_table_metadata(out)["policy_rules"] == load_policy("cn").rules
    # the same outcomes as CSV, as `credo train` also takes them; compressed, as exports
    # come; tab-separated with its names padded
    as_csv = tmp_path / "outcomes.csv"
    as_csv.write_text(f"user_id,as_of,bad\nalice,{AS_OF},0\nalice,2024-01-01,0\n")
    as_gz = tmp_path / "outcomes.csv.gz"
    as_gz.write_bytes(gzip.compress(as_csv.read_bytes()))
    as_tsv = tmp_path / "outcomes.tsv"
    as_tsv.write_text(f" user_id \t as_of \tbad\nalice\t{AS_OF}\t0\nalice\t2024-01-01\t0\n")
    for written in (as_csv, as_gz, as_tsv):
        again = tmp_path / f"{written.name}.parquet"
        args = ["features", "--db", str(store), "--as-of-file", str(written), "--policy", "cn"]
        result = credo(*args, "--out", str(again))
        assert result.returncode == 0, (written.name, result.stderr)
        assert read_feature_table(again)[0].to_pylist() == table.to_pylist(), written.name
    # a header and no rows: said, not a table of no one written
    nobody = tmp_path / "nobody.csv"
    nobody.write_text("user_id,as_of,bad\n")
    result = credo("features", "--db", str(store), "--as-of-file", str(nobody), "--out",
                   str(tmp_path / "n.parquet"))  # fmt: skip
    assert result.returncode == 1 and "has no rows" in " ".join(result.stderr.split())
    assert not (tmp_path / "n.parquet").exists()


def test_repeated_rows_and_dates_after_today_are_told(store, tmp_path):
    as_csv = tmp_path / "outcomes.csv"
    as_csv.write_text("user_id,as_of\nalice,2024-01-01\nalice,2024-01-01\nbob,2999-01-01\n")
    out = tmp_path / "f.parquet"
    result = credo("features", "--db", str(store), "--as-of-file", str(as_csv), "--out", str(out))
    said = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 0, said
    assert read_feature_table(out)[0].num_rows == 2
    assert "note: 1 row(s) of" in said and "repeat a (user_id, as_of) pair" in said
    assert "warning: 1 row(s) are as of a date after today (the latest 2999-01-01)" in said
    today = credo("features", "--db", str(store), "--as-of", "2024-01-01", "--out", str(out))
    assert "after today" not in today.stdout + today.stderr


def test_a_policy_that_allows_nothing_is_refused(tmp_path):
    from importlib import resources

    policy = json.loads(resources.files("credo.policy").joinpath("presets", "us.json").read_text())
    for key in ("allowed_sources", "allowed_dimensions"):
        path = tmp_path / f"{key}.json"
        path.write_text(json.dumps({**policy, "name": "mine", key: []}))
        result = credo("features", "list", "--policy", str(path))
        said = " ".join((result.stdout + result.stderr).split())
        assert result.returncode != 0 and f"{key} is empty" in said, said


def test_list_prints_the_catalog_by_dimension():
    result = credo("features", "list", "--policy", "eu")
    assert result.returncode == 0, result.stderr
    for title in ("payment history", "amounts owed", "digital footprint", "identity"):
        assert title in result.stdout
    assert "id_address_months" in result.stdout and "no (policy)" in result.stdout


def test_build_options_before_a_verb_are_refused_not_ignored(store):
    # before the fix, --db was dropped (./credo.duckdb read) and --policy eu listed us's
    wrong_store = credo("features", "--db", str(store), "person", "alice")
    said = " ".join(wrong_store.stderr.split())
    assert wrong_store.returncode == 1
    assert "--db given before `person` would be ignored" in said, said
    listed = credo("features", "--policy", "eu", "list")
    assert listed.returncode == 1 and "--policy given before `list`" in listed.stderr
    assert credo("features", "list").returncode == 0


def test_person_prints_the_batch_row_as_json(store, tmp_path):
    out = tmp_path / "f.parquet"
    built = credo("features", "--db", str(store), "--as-of", str(AS_OF), "--out", str(out))
    assert built.returncode == 0, built.stderr
    table, _ = read_feature_table(out)
    batch = next(r for r in table.to_pylist() if r["user_id"] == "alice")
    result = credo(
        "features", "person", "alice", "--db", str(store), "--as-of", str(AS_OF), "--json"
    )
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout)
    assert row.pop("as_of") == str(AS_OF) and batch.pop("as_of") == AS_OF
    assert row.keys() == batch.keys()
    for name, value in batch.items():
        if isinstance(value, float):
            assert math.isclose(row[name], value, rel_tol=1e-12), name
        else:
            assert row[name] == value, name


def test_person_prints_features_by_dimension_and_their_provenance(store):
    result = credo("features", "person", "alice", "--db", str(store), "--as-of", str(AS_OF))
    assert result.returncode == 0, result.stderr
    for title in ("payment history", "amounts owed", "capacity", "identity"):
        assert title in result.stdout
    assert "ph_worst_dpd_12m" in result.stdout
    said = " ".join(result.stderr.split())
    assert "alice as of 2024-07-01" in said and "card" in said
    bob = credo("features", "person", "bob", "--db", str(store), "--as-of", str(AS_OF))
    assert bob.returncode == 0 and "no data" in bob.stdout  # consents, no events
    assert "after today" not in said
    # as of a date to come: said, as the batch says it; months since whole, not 1.2e+04
    later = credo("features", "person", "alice", "--db", str(store), "--as-of", "2999-01-01")
    told = " ".join(later.stderr.split())
    assert "1 row(s) are as of a date after today (the latest 2999-01-01)" in told
    assert "e+0" not in later.stdout


def test_person_not_in_the_store_gets_a_clear_error(store):
    result = credo("features", "person", "nobody", "--db", str(store))
    assert result.returncode == 1
    assert "no events or consents for 'nobody'" in " ".join(result.stderr.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2024-07-01"], "--out is required"),
        (["--out", "x.parquet"], "exactly one of --as-of"),
        (["--as-of", "July", "--out", "x.parquet"], "YYYY-MM-DD"),
        (["--as-of", "2024-07-01", "--policy", "mars", "--out", "x.parquet"], "unknown policy"),
        (
            ["--as-of", "2024-07-01", "--policy", "p/mars.json", "--out", "x.parquet"],
            "no policy file at p/mars.json",
        ),
        (["--as-of-file", ".", "--out", "x.parquet"], ". is a folder: give the as-of file"),
        # a time of day would count events the table's as_of date does not show
        (["--as-of", "2024-07-01T10:00", "--out", "x.parquet"], "YYYY-MM-DD"),
        (["--as-of", "2024-07-01", "--out", "x.csv"], "written as .parquet"),
        (["--as-of", "2024-07-01", "--events-dir", "ds", "--out", "x.parquet"], "--engine spark"),
    ],
)
def test_bad_input_gets_a_clear_error(store, tmp_path, args, message):
    result = credo("features", "--db", str(store), *args)
    assert result.returncode == 1
    assert message in " ".join(result.stderr.split())


def test_an_output_that_is_an_input_or_a_directory_is_refused_before_any_work(store, tmp_path):
    before = store.read_bytes()
    onto_store = credo("features", "--db", str(store), "--as-of", "2024-07-01", "--out", str(store))
    assert onto_store.returncode == 1
    assert "also an input" in " ".join(onto_store.stderr.split())
    assert store.read_bytes() == before
    folder = credo("features", "--db", str(store), "--as-of", "2024-07-01", "--out", str(tmp_path))
    assert folder.returncode == 1 and "is a directory" in " ".join(folder.stderr.split())
    assert "Traceback" not in folder.stderr


def test_a_file_that_is_not_a_store_is_named_as_such(tmp_path):
    other = tmp_path / "notes.duckdb"
    other.write_text("not a database")
    result = credo("features", "--db", str(other), "--as-of", "2024-07-01", "--out", "x.parquet")
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert "is not a credo store" in message and "Another credo process" not in message


def test_a_missing_store_says_how_to_create_one(tmp_path):
    result = credo(
        "features",
        "--db",
        str(tmp_path / "none.duckdb"),
        "--as-of",
        "2024-07-01",
        "--out",
        str(tmp_path / "f.parquet"),
    )
    assert result.returncode == 1 and "credo init" in " ".join(result.stderr.split())


def test_help_texts():
    for args in (
        ["features", "--help"],
        ["features", "build", "--help"],
        ["features", "list", "--help"],
        ["features", "person", "--help"],
    ):
        result = credo(*args)
        assert result.returncode == 0 and "--policy" in result.stdout


def test_a_currency_of_few_amounts_is_told_by_its_count():
    """Four EUR amounts among 486,161 read "EUR 0.0%", as if there were none."""
    from credo.commands.features import currency_shares

    assert currency_shares([("USD", 486_157), ("EUR", 4), (None, 1)]) == [
        "USD 100.0%",
        "EUR 4 amounts",
        "none 1 amount",
    ]
    assert currency_shares([("USD", 985), ("EUR", 15)]) == ["USD 98.5%", "EUR 1.5%"]


def test_amounts_in_more_than_one_currency_are_told(tmp_path):
    """Amounts in EUR and USD were summed as one currency without a word."""
    from credo.store.db import init_store

    h = History()
    alice(h)
    for day in (3, 4, 5):
        h.add("carl", "bank", "income", dt.datetime(2024, 6, day), amount=900.0,
              currency="EUR")  # fmt: skip
    h.grant("carl")
    path = init_store(tmp_path / "credo.duckdb")
    h.load(path)
    out = tmp_path / "f.parquet"
    result = credo("features", "--db", str(path), "--as-of", str(AS_OF), "--out", str(out))
    said = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 0, said
    assert "warning: the store's amounts are in 2 currencies (USD" in said and "EUR" in said
    assert "converting none" in said
    one = credo("features", "--db", str(store_of_alice(tmp_path)), "--as-of", str(AS_OF),
                "--out", str(out))  # fmt: skip
    assert one.returncode == 0 and "currencies" not in one.stdout + one.stderr


def store_of_alice(tmp_path: Path) -> Path:
    from credo.store.db import init_store

    h = History()
    alice(h)
    path = init_store(tmp_path / "alice.duckdb")
    h.load(path)
    return path

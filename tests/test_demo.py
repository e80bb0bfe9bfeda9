"""`credo demo` runs the whole job end to end, verb by verb, as a user would."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest


def test_demo_runs_every_verb_and_leaves_its_outputs(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "credo",
            "demo",
            "--dir",
            str(out),
            "--users",
            "1500",
            "--policy",
            "eu",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    verbs = ("generate", "init", "ingest", "compact", "features", "train", "score", "evaluate")
    for verb in verbs:
        assert f"$ credo {verb}" in done.stderr

    train = pq.read_table(out / "outcomes_train.parquet")
    holdout = pq.read_table(out / "outcomes_holdout.parquet")
    assert train.num_rows + holdout.num_rows == 1500
    assert not set(train["user_id"].to_pylist()) & set(holdout["user_id"].to_pylist())

    # the policy reaches the features and, through them, the model
    from credo.features.table import read_feature_table
    from credo.model.artifact import load_model

    _, metas = read_feature_table(out / "features.parquet")
    assert "id_address_months" not in {m.name for m in metas}  # the EU denies address tenure
    assert load_model(out / "model.json").training["policy"] == "eu"

    with (out / "scores.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1500
    assert not (out / "credo.duckdb.segments").exists() or not any(
        (out / "credo.duckdb.segments").iterdir()
    )  # compacted: the store is one file
    assert all(300 <= int(row["score"]) <= 850 for row in rows)
    assert {row["reason_1"] for row in rows} - {""}  # reasons are given

    report = (out / "report.html").read_text()
    assert "<svg" in report
    assert (out / ".credo-demo").exists()  # a later demo may replace this folder
    # the generator's protected attributes are audited (never features)
    fairness = report[report.index('<section id="fairness">') :]
    assert "<h3>age " in fairness and "<h3>sex " in fairness
    assert "No protected attributes were given" not in fairness
    # self-contained: nothing is loaded from elsewhere (namespace URIs in SVG are not loads)
    for external in ('src="http', "src='http", "<link", "<script", "url(http"):
        assert external not in report


def test_demo_refuses_an_unknown_policy_before_any_work(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "credo", "demo", "--dir", str(out), "--policy", "mars"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "unknown policy 'mars'" in done.stderr
    assert not out.exists()


def test_demo_refuses_a_folder_that_is_not_an_earlier_demo(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me")
    done = subprocess.run(
        [sys.executable, "-m", "credo", "demo", "--dir", str(tmp_path), "--users", "50"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "an earlier demo did not write" in " ".join(done.stderr.split())
    assert notes.read_text() == "keep me"


def test_demo_never_deletes_what_it_did_not_write(tmp_path: Path) -> None:
    """A folder laid out like an earlier demo's (its marker, or population/ and credo.duckdb)
    with a file of the user's beside them was deleted whole; and --dir . emptied the
    current folder."""
    for layout in ("marker", "older"):
        folder = tmp_path / layout
        (folder / "population").mkdir(parents=True)
        (folder / "credo.duckdb").write_bytes(b"")
        if layout == "marker":
            (folder / ".credo-demo").write_text("")
        (folder / "late.csv").write_text("mine")
        (folder / ".model.json.mine").write_text("mine too")  # like a part file's name
        for where in (str(folder), "."):
            done = subprocess.run(
                [sys.executable, "-m", "credo", "demo", "--dir", where, "--users", "50"],
                capture_output=True,
                text=True,
                timeout=120,
                cwd=folder,
            )
            said = " ".join(done.stderr.split())
            assert done.returncode == 1 and ".model.json.mine, late.csv" in said, said
            assert (folder / "late.csv").read_text() == "mine"
            assert (folder / ".model.json.mine").exists()
            assert (folder / "population").is_dir()


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--holdout", "1.5"], "--holdout 1.5"),
        (["--scale", "bogus"], "unknown scale 'bogus'"),
        # refused by generate only after an earlier demo's outputs were deleted
        (["--users", "0"], "--users must be at least 1"),
        (["--seed", "-1"], "--seed must be 0 or more"),
    ],
)
def test_demo_checks_its_settings_before_the_work(tmp_path: Path, flags, said) -> None:
    out = tmp_path / "d"
    done = subprocess.run(
        [sys.executable, "-m", "credo", "demo", "--dir", str(out), "--users", "50", *flags],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and said in " ".join(done.stderr.split())
    assert not out.exists()

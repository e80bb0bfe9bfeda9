"""The store verbs: init (and migrating an older store) and export to a dataset directory
that ingest and Spark read back."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pyarrow.parquet as pq
import pytest
from test_ingest_support import CREDO, credo, every_type, query, stored_events, write_csv

from credo.events.ingest import ingest_paths
from credo.events.schema import CONSENT_SCHEMA, EVENT_SCHEMA
from credo.store import consent
from credo.store.db import SCHEMA_VERSION, StoreError, connect, init_store
from credo.store.export import ExportError, export_events


def test_init_creates_a_store_where_db_or_credo_db_says(tmp_path):
    done = credo("init", "--db", tmp_path / "a.duckdb")
    assert done.returncode == 0, done.stderr
    assert query(tmp_path / "a.duckdb", "SELECT max(version) FROM schema_version") == [
        (SCHEMA_VERSION,)
    ]
    env = dict(os.environ, CREDO_DB=str(tmp_path / "env.duckdb"))
    subprocess.run([str(CREDO), "init"], env=env, check=True, capture_output=True)
    assert (tmp_path / "env.duckdb").exists()


def test_a_data_file_given_as_the_store_is_refused(tmp_path):
    """DuckDB opens a CSV, Parquet or JSON file as an in-memory database over its data:
    `init --db people.csv` said "store ready" of a store lost on exit, ingest into it
    stopped with a traceback, and a read-only verb with DuckDB's 'in-memory database' error."""
    data = write_csv(tmp_path / "people.csv", every_type(3))
    before = data.read_bytes()
    events = write_csv(tmp_path / "events.csv", every_type(3))
    for verb in (["init"], ["ingest", events], ["consent", "list"], ["compact"]):
        done = credo(*verb, "--db", data)
        said = " ".join(done.stderr.split())
        assert done.returncode == 1, (verb, said)
        assert "people.csv is not a credo store" in said and "Traceback" not in said
    assert data.read_bytes() == before
    with pytest.raises(StoreError, match="not a credo store"):
        connect(data, read_only=True)


def test_a_store_open_in_this_process_otherwise_is_a_store_error(tmp_path):
    """A service holding the store read-only that called ingest (or the other way round) got
    DuckDB's ConnectionException "different configuration", where a StoreError says why."""
    store = init_store(tmp_path / "s.duckdb")
    reader = connect(store, read_only=True)
    try:
        with pytest.raises(StoreError, match="open in this process already, read-only"):
            connect(store)
    finally:
        reader.close()
    writer = connect(store)
    try:
        with pytest.raises(StoreError, match="open in this process already, for writing"):
            connect(store, read_only=True)
    finally:
        writer.close()


def test_init_migrates_an_older_store_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))  # a store from before any migration, with data of its own
    con.execute("CREATE TABLE notes (text VARCHAR)")
    con.execute("INSERT INTO notes VALUES ('kept')")
    con.close()
    assert credo("init", "--db", path).returncode == 0
    assert query(path, "SELECT text FROM notes") == [("kept",)]
    assert query(path, "SELECT count(*) FROM events") == [(0,)]
    init_store(path)  # running it again changes nothing
    assert query(path, "SELECT count(*) FROM schema_version") == [(SCHEMA_VERSION,)]


def _filled_store(tmp_path):
    store = init_store(tmp_path / "src.duckdb")
    ingest_paths(store, [write_csv(tmp_path / "e.csv", every_type(52))], progress=False)
    con = connect(store)
    consent.grant(con, "user-1", "card", "credit_scoring", "2024-01-01")
    consent.grant(con, "user-2", "bank", "credit_scoring", "2024-01-01")
    consent.revoke(con, "user-2", "bank", "credit_scoring", "2024-02-01")
    con.close()
    return store


def test_export_round_trips_through_ingest(tmp_path):
    store = _filled_store(tmp_path)
    con = connect(store, read_only=True)
    out = export_events(con, tmp_path / "out", rows_per_file=20)
    con.close()
    parts = sorted((out / "events").glob("*.parquet"))
    assert len(parts) == 3  # 52 events, 20 per file
    for part in parts:
        assert pq.read_schema(part).remove_metadata() == EVENT_SCHEMA
    assert pq.read_schema(out / "consents.parquet").remove_metadata() == CONSENT_SCHEMA

    copy = init_store(tmp_path / "copy.duckdb")
    result = ingest_paths(copy, [out], progress=False)
    assert (result.accepted, result.consents) == (52, 2)
    assert stored_events(copy) == stored_events(store)
    assert query(copy, "SELECT * FROM consents ORDER BY ALL") == query(
        store, "SELECT * FROM consents ORDER BY ALL"
    )


def test_export_refuses_a_directory_that_already_has_events(tmp_path):
    store = _filled_store(tmp_path)
    con = connect(store, read_only=True)
    try:
        export_events(con, tmp_path / "out")
        with pytest.raises(ExportError, match="already holds files"):
            export_events(con, tmp_path / "out")
    finally:
        con.close()


def test_export_cli_writes_a_dataset_directory(tmp_path):
    store = _filled_store(tmp_path)
    done = credo("export", "events", "--db", store, "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert len(pq.read_table(tmp_path / "out" / "events")) == 52
    consents = len(pq.read_table(tmp_path / "out" / "consents.parquet"))
    said = " ".join((done.stdout + done.stderr).split())
    assert f"exported 52 events in 1 file(s) and {consents} consents to" in said, said
    again = credo("export", "events", "--db", store, "--out", tmp_path / "out")
    assert again.returncode == 1 and "already holds files" in again.stderr


def test_export_onto_a_file_says_to_name_a_directory(tmp_path):
    store = _filled_store(tmp_path)
    (tmp_path / "f.parquet").write_bytes(b"kept")
    done = credo("export", "events", "--db", store, "--out", tmp_path / "f.parquet")
    assert done.returncode == 1 and "must name a directory" in " ".join(done.stderr.split())
    assert (tmp_path / "f.parquet").read_bytes() == b"kept"


@pytest.mark.spark
@pytest.mark.slow
def test_spark_reads_the_exported_dataset(tmp_path, spark):
    store = _filled_store(tmp_path)
    con = connect(store, read_only=True)
    export_events(con, tmp_path / "out")
    con.close()
    frame = spark.read.parquet(str(tmp_path / "out" / "events"))
    assert frame.columns == EVENT_SCHEMA.names
    from_spark = {tuple(row) for row in frame.collect()}  # one job, no shuffle
    assert from_spark == set(query(store, f"SELECT {', '.join(EVENT_SCHEMA.names)} FROM events"))


def test_an_export_that_fails_midway_leaves_no_dataset(tmp_path, monkeypatch):
    """Stopped after its first events file, an export left a dataset folder of half the
    events and no consents, which `credo ingest` took without a word."""
    from credo.store import export

    store = _filled_store(tmp_path)
    written = export._write_dataset

    def stopped(con, out, rows_per_file):
        written(con, out, rows_per_file)
        assert (out / "events" / "part-00000.parquet").exists()
        raise KeyboardInterrupt

    monkeypatch.setattr(export, "_write_dataset", stopped)
    con = connect(store, read_only=True)
    try:
        with pytest.raises(KeyboardInterrupt):
            export_events(con, tmp_path / "out", rows_per_file=20)
        assert not (tmp_path / "out").exists()
        assert not list(tmp_path.glob(".out.partial-*"))
        (tmp_path / "empty").mkdir()  # an existing empty folder receives the whole export
        monkeypatch.setattr(export, "_write_dataset", written)
        export_events(con, tmp_path / "empty", rows_per_file=20)
        assert len(pq.read_table(tmp_path / "empty" / "events")) == 52
        assert (tmp_path / "empty" / "consents.parquet").exists()
    finally:
        con.close()


def test_an_export_beside_another_to_the_same_folder_keeps_the_one_that_finished(
    tmp_path, monkeypatch
):
    """Two `credo export events --out X` run side by side (readers may): the one that
    finished second found X/events filled, failed with 'Directory not empty' and removed X
    whole, the other's finished export with it (which had said "exported ... to X")."""
    from credo.store import export

    store = _filled_store(tmp_path)
    written = export._write_dataset
    out = tmp_path / "out"

    def overtaken(con, staging, rows_per_file):
        written(con, staging, rows_per_file)
        # the other process's export, finished meanwhile: moved into place as it moves it
        (other / "events").rename(out / "events")
        os.replace(other / "consents.parquet", out / "consents.parquet")

    con = connect(store, read_only=True)
    try:
        other = export_events(con, tmp_path / "other", rows_per_file=20)
        monkeypatch.setattr(export, "_write_dataset", overtaken)
        with pytest.raises(ExportError, match="filled by another export"):
            export_events(con, out, rows_per_file=20)
    finally:
        con.close()
    assert len(pq.read_table(out / "events")) == 52
    assert (out / "consents.parquet").exists()
    assert sorted(p.name for p in out.iterdir()) == ["consents.parquet", "events"]


def test_the_staging_folder_of_a_killed_process_is_removed(tmp_path):
    from credo import output

    gone = subprocess.Popen(["true"])  # a process that no longer runs
    gone.wait()
    stale = tmp_path / f".pop.partial-{gone.pid}"
    (stale / "events").mkdir(parents=True)
    running = subprocess.Popen(["sleep", "30"])  # a process still writing its own
    live = tmp_path / f".pop.partial-{running.pid}"
    live.mkdir()
    try:
        mine = output.staging_folder(tmp_path / "pop")
    finally:
        running.kill()
        running.wait()
    assert not stale.exists() and mine.name == f".pop.partial-{os.getpid()}"
    assert live.exists()


def test_the_partial_file_of_a_killed_process_is_removed_by_the_next_write(tmp_path):
    """kill -9 mid-write runs no cleanup: its hidden partial file (a scores CSV of a million
    rows, say) stayed beside the output for good."""
    from credo import output

    gone = subprocess.Popen(["true"])
    gone.wait()
    folder = tmp_path / "out [1]"  # a name glob would read as a pattern
    folder.mkdir()
    stale = folder / f".scores.csv.{gone.pid}-abcd1234.part"
    stale.write_text("half")
    others = [
        folder / f".report.html.{gone.pid}-abcd1234.part",  # another file's: not this write's
        # another file whose name begins with this one's, and a file of the user's
        folder / f".scores.csv.2024-05-01.{gone.pid}-abcd1234.part",
        folder / ".scores.csv.12-notes.part",
    ]
    for other in others:
        other.write_text("half")
    running = subprocess.Popen(["sleep", "30"])
    live = folder / f".scores.csv.{running.pid}-abcd1234.part"
    live.write_text("being written")
    try:
        output.write_text(folder / "scores.csv", "id,score\n")
    finally:
        running.kill()
        running.wait()
    assert (folder / "scores.csv").read_text() == "id,score\n"
    assert not stale.exists() and live.exists()
    kept = ["scores.csv", live.name, *(other.name for other in others)]
    assert sorted(p.name for p in folder.iterdir()) == sorted(kept)


def test_a_store_in_use_and_a_memory_limit_are_said_plainly(tmp_path, monkeypatch):
    from credo.store.db import MEMORY_LIMIT_VARIABLE, StoreError

    store = _filled_store(tmp_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(store)!r});"
            " print('held', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(
            StoreError, match=f"in use by another process \\(process {holder.pid}\\)"
        ):
            connect(store)
    finally:
        holder.kill()
        holder.wait()
    monkeypatch.setenv(MEMORY_LIMIT_VARIABLE, "512MB")
    con = connect(store, read_only=True)
    assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] in (
        "488.2 MiB",
        "512.0 MB",
    )
    con.close()
    monkeypatch.setenv(MEMORY_LIMIT_VARIABLE, "lots")
    with pytest.raises(StoreError, match="CREDO_MEMORY_LIMIT='lots' is not a memory size"):
        connect(store, read_only=True)

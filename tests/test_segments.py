"""Event segments: ingested chunks as Parquet files listed in the store, the `events` view
over them, orphans of a killed writer, compaction, moved stores, the v1 -> v2 migration."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_ingest_support import (
    event,
    every_type,
    query,
    stored_events,
    stored_form,
    write_csv,
    write_parquet,
)

from credo.events import chunk_store
from credo.events.ingest import ingest_paths
from credo.events.schema import EVENT_SCHEMA, FIELDS
from credo.store import segments
from credo.store.db import SCHEMA_VERSION, StoreError, connect, init_store


@pytest.fixture(autouse=True)
def _every_chunk_a_segment(monkeypatch):
    """These tests use small files; in use, chunks under MIN_SEGMENT_ROWS rows go into the
    store file directly (tested below)."""
    monkeypatch.setattr(chunk_store, "MIN_SEGMENT_ROWS", 1)
    monkeypatch.setattr(chunk_store, "WRITERS", 1)


def _segment_files(store: Path) -> list[Path]:
    directory = segments.segments_dir(store)
    return sorted(directory.glob("*.parquet")) if directory.is_dir() else []


def _expected(rows: list[dict]) -> list[tuple]:
    forms = [stored_form(r) for r in rows]
    return sorted((tuple(f[c] for c in FIELDS) for f in forms), key=lambda t: t[0])


def test_ingested_rows_are_segments_listed_in_the_store(store_path, tmp_path):
    rows = every_type(120)
    ingest_paths(store_path, [write_csv(tmp_path / "a.csv", rows)], chunk_rows=50, progress=False)
    files = _segment_files(store_path)
    listed = query(store_path, "SELECT file, rows FROM event_segments ORDER BY segment_id")
    assert [name for name, _ in listed] == [f.name for f in files]
    assert len(files) == 3  # one per chunk of 50, 50 and 20 rows
    assert sum(count for _, count in listed) == 120
    assert query(store_path, "SELECT count(*) FROM event_rows") == [(0,)]
    assert stored_events(store_path) == _expected(rows)


def test_duckdb_without_credo_reads_the_same_events(store_path, tmp_path):
    rows = every_type(40)
    ingest_paths(store_path, [write_parquet(tmp_path / "a.parquet", rows)], progress=False)
    con = duckdb.connect(str(store_path), read_only=True)
    try:
        count = con.execute("SELECT count(*), count(DISTINCT event_id) FROM events").fetchall()
    finally:
        con.close()
    assert count == [(40, 40)]


def test_compact_moves_every_segment_into_the_store_file(store_path, tmp_path):
    first, second = every_type(90), [event("payment", 1000 + i) for i in range(30)]
    ingest_paths(store_path, [write_csv(tmp_path / "a.csv", first)], chunk_rows=40, progress=False)
    before = stored_events(store_path)
    con = connect(store_path)
    try:
        result = segments.compact(con)
    finally:
        con.close()
    assert (result.segments, result.rows) == (3, 90)
    assert not segments.segments_dir(store_path).exists()  # one file again
    assert query(store_path, "SELECT count(*) FROM event_segments") == [(0,)]
    assert query(store_path, "SELECT count(*) FROM event_rows") == [(90,)]
    assert stored_events(store_path) == before
    # Rows land sorted by person and time; later ingests add segments again.
    ordered = query(store_path, "SELECT user_id, ts FROM event_rows ORDER BY rowid")
    assert ordered == sorted(ordered)
    ingest_paths(store_path, [write_parquet(tmp_path / "b.parquet", second)], progress=False)
    assert stored_events(store_path) == _expected(first + second)
    assert len(_segment_files(store_path)) == 1


def test_the_compact_verb(store_path, tmp_path):
    from test_ingest_support import credo

    ingest_paths(store_path, [write_csv(tmp_path / "a.csv", every_type(30))], progress=False)
    done = credo("compact", "--db", store_path)
    assert done.returncode == 0, done.stderr
    assert "moved 30 events from 1 segment(s)" in done.stdout + done.stderr
    assert _segment_files(store_path) == []
    again = credo("compact", "--db", store_path)
    assert again.returncode == 0 and "nothing to compact" in again.stdout + again.stderr


def test_compact_finishes_the_clean_up_of_a_compact_killed_after_its_commit(
    store_path, tmp_path, monkeypatch
):
    """A compact killed between its commit and the files' deletion left the segment files;
    compact again said "nothing to compact" and kept them (17 MB in QA's store)."""
    ingest_paths(store_path, [write_csv(tmp_path / "a.csv", every_type(60))], chunk_rows=20,
                 progress=False)  # fmt: skip
    before = stored_events(store_path)
    monkeypatch.setattr(segments, "delete_files", lambda directory, names: None)  # "killed"
    con = connect(store_path)
    try:
        assert segments.compact(con).segments == 3
    finally:
        con.close()
    assert len(_segment_files(store_path)) == 3  # unlisted, never read
    monkeypatch.undo()
    monkeypatch.setattr(chunk_store, "MIN_SEGMENT_ROWS", 1)
    con = connect(store_path)
    try:
        assert segments.compact(con).segments == 0  # nothing to move, the files cleaned up
    finally:
        con.close()
    assert not segments.segments_dir(store_path).exists()
    assert stored_events(store_path) == before


def test_a_file_left_by_a_killed_writer_is_never_read_and_is_removed(store_path, tmp_path):
    rows = every_type(20)
    ingest_paths(store_path, [write_csv(tmp_path / "a.csv", rows)], progress=False)
    stray_rows = pa.Table.from_pylist(
        [dict(stored_form(event("payment", 999)), batch_id=99)],
        schema=EVENT_SCHEMA.append(pa.field("batch_id", pa.int64())),
    )
    stray = segments.segments_dir(store_path) / "0000009999.parquet"
    pq.write_table(stray_rows, stray)
    assert stored_events(store_path) == _expected(rows)  # written but never listed: invisible
    ingest_paths(store_path, [write_csv(tmp_path / "b.csv", rows)], progress=False)
    assert not stray.exists()
    assert stored_events(store_path) == _expected(rows)


def test_a_compact_beside_an_ingest_of_the_same_process_waits_for_it(
    store_path, tmp_path, monkeypatch
):
    """DuckDB keeps other processes out of a store one writes, not the threads of one (a
    service): a compact run beside an ingest deleted the segment the ingest had written and
    not yet committed ("a file a killed writer left"), and the ingest failed, nothing of its
    file stored."""
    import threading

    rows = every_type(60)
    written = segments.write_segment
    first_written, go_on = threading.Event(), threading.Event()

    def write_then_pause(table, directory, segment_id):
        name = written(table, directory, segment_id)
        first_written.set()
        go_on.wait(timeout=10)  # the chunk's file is there, its transaction not committed
        return name

    monkeypatch.setattr(segments, "write_segment", write_then_pause)
    outcome = {}

    def ingest():
        try:
            path = write_csv(tmp_path / "a.csv", rows)
            outcome["ingest"] = ingest_paths(store_path, [path], chunk_rows=20, progress=False)
        except Exception as exc:
            outcome["ingest"] = exc

    def compact():
        con = connect(store_path)
        try:
            outcome["compact"] = segments.compact(con)
        finally:
            con.close()

    ingesting = threading.Thread(target=ingest)
    ingesting.start()
    assert first_written.wait(timeout=10)
    compacting = threading.Thread(target=compact)
    compacting.start()
    compacting.join(timeout=1)
    waited = compacting.is_alive()  # for the ingest
    go_on.set()
    ingesting.join(timeout=30)
    compacting.join(timeout=30)
    assert not isinstance(outcome["ingest"], Exception), outcome["ingest"]
    assert waited
    assert outcome["ingest"].accepted == 60
    assert outcome["compact"].segments == 3
    assert _segment_files(store_path) == []
    assert stored_events(store_path) == _expected(rows)


def test_a_file_rolled_back_midway_leaves_no_segment(store_path, tmp_path):
    path = write_csv(tmp_path / "broken.csv", every_type(3000))
    with path.open("ab") as handle:  # a line that is not UTF-8: the file is refused
        handle.write(
            b"ev-x,caf\xe9,card,first-bank,payment,2024-01-01T00:00:00Z" + b"," * 9 + b"\n"
        )
    with pytest.raises(Exception, match="nothing from"):
        ingest_paths(store_path, [path], chunk_rows=50, progress=False)
    assert _segment_files(store_path) == []
    assert query(store_path, "SELECT count(*) FROM event_segments") == [(0,)]


def test_a_moved_store_is_repointed_when_opened_for_writing(store_path, tmp_path):
    rows = every_type(25)
    ingest_paths(store_path, [write_csv(tmp_path / "a.csv", rows)], progress=False)
    moved = tmp_path / "elsewhere" / "moved.duckdb"
    moved.parent.mkdir()
    shutil.move(store_path, moved)
    shutil.move(segments.segments_dir(store_path), segments.segments_dir(moved))
    with pytest.raises(StoreError, match="was moved"):
        connect(moved, read_only=True)
    connect(moved).close()  # a writer re-points the view at the moved segments
    assert stored_events(moved) == _expected(rows)


def test_text_fields_are_stored_as_validation_defines_them_whatever_the_file_type(
    store_path, tmp_path
):
    """Taken from a typed file unchanged, or cast: the stored events are the same."""
    rows = [
        event("payment", 1, attributes='{ "note" : "spaced" }'),
        event("payment", 2, category=""),  # empty text is NULL once stored
        event("statement", 3),
    ]
    table = pa.Table.from_pylist(
        [dict(r, ts=stored_form(r)["ts"]) for r in rows],
    ).cast(pa.schema([EVENT_SCHEMA.field(c) if c == "ts" else (c, pa.string()) for c in FIELDS]))
    # amount, credit_limit, due_date and days_past_due are text here: they must be cast.
    pq.write_table(table, tmp_path / "mixed.parquet")
    ingest_paths(store_path, [tmp_path / "mixed.parquet"], progress=False)
    stored = {row[0]: row for row in stored_events(store_path)}
    category = FIELDS.index("category")
    attributes = FIELDS.index("attributes")
    assert stored[rows[1]["event_id"]][category] is None
    assert json.loads(stored[rows[0]["event_id"]][attributes]) == {"note": "spaced"}
    assert stored[rows[0]["event_id"]][attributes] == '{"note":"spaced"}'
    typed = {tuple(stored_form(r)[c] for c in FIELDS)[0]: stored_form(r) for r in rows}
    for event_id, row in stored.items():
        expected = typed[event_id]
        for i, name in enumerate(FIELDS):
            if name not in ("category", "attributes"):
                assert row[i] == expected[name], name


def test_a_version_1_store_keeps_its_events_through_the_migration(tmp_path):
    store = tmp_path / "old.duckdb"
    con = duckdb.connect(str(store))
    from credo.store.db import MIGRATIONS

    con.execute("CREATE TABLE schema_version (version INTEGER, applied_at TIMESTAMP)")
    MIGRATIONS[0](con)
    con.execute("INSERT INTO schema_version VALUES (1, now()::TIMESTAMP)")
    row = stored_form(event("payment", 7))
    con.execute(
        f"INSERT INTO events VALUES ({', '.join('?' for _ in FIELDS)}, 1)",
        [row[c] for c in FIELDS],
    )
    con.close()
    assert init_store(store) == store
    assert query(store, "SELECT max(version) FROM schema_version") == [(SCHEMA_VERSION,)]
    assert stored_events(store) == [tuple(row[c] for c in FIELDS)]


def test_small_chunks_go_into_the_store_file(store_path, tmp_path, monkeypatch):
    monkeypatch.setattr(chunk_store, "MIN_SEGMENT_ROWS", 100)
    rows = every_type(230)
    ingest_paths(store_path, [write_csv(tmp_path / "a.csv", rows)], chunk_rows=120, progress=False)
    # 120 rows: a segment; the last 110: a segment; then a small re-send goes in directly.
    assert query(store_path, "SELECT rows FROM event_segments ORDER BY segment_id") == [
        (120,),
        (110,),
    ]
    extra = [event("payment", 5000 + i) for i in range(30)]
    ingest_paths(store_path, [write_csv(tmp_path / "b.csv", extra)], progress=False)
    assert query(store_path, "SELECT count(*) FROM event_rows") == [(30,)]
    assert stored_events(store_path) == _expected(rows + extra)


def test_a_large_chunk_is_written_by_several_writers(store_path, tmp_path, monkeypatch):
    monkeypatch.setattr(chunk_store, "WRITERS", 2)
    monkeypatch.setattr(chunk_store, "MIN_SEGMENT_ROWS", 20)
    rows = every_type(70)
    ingest_paths(store_path, [write_csv(tmp_path / "a.csv", rows)], chunk_rows=50, progress=False)
    # 50 rows: two files of 25; the last 20 rows: one file (10 per writer would be too small)
    sizes = query(store_path, "SELECT rows FROM event_segments ORDER BY segment_id")
    assert sizes == [(25,), (25,), (20,)]
    assert stored_events(store_path) == _expected(rows)

"""The parts that make ingestion fast, checked against the slow, obvious answer: hashed
dedup candidates (stored_keys), the Arrow vocabulary, and ids repeated across chunks,
files and runs of a real store."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from test_ingest_support import event, every_type, query, typed, write_csv, write_parquet

from credo.events.ingest import ingest_paths
from credo.events.schema import EVENT_SCHEMA, FIELDS
from credo.events.stored_keys import StoredKeys, hash_ids
from credo.events.validate import vocabulary_from_arrow, vocabulary_from_row, vocabulary_sql
from credo.store.db import connect


def test_sorted_runs_find_every_added_hash_and_stay_few():
    rng = np.random.default_rng(5)
    keys = StoredKeys()
    added = []
    for size in rng.integers(1, 5_000, 40):
        batch = rng.integers(0, 2**63, size, dtype=np.int64).astype(np.uint64)
        keys.add(batch)
        added.append(batch)
    everything = np.concatenate(added)
    assert len(keys) == len(everything)
    assert keys.contains(np.sort(everything)).all()
    absent = np.sort(rng.integers(0, 2**63, 10_000, dtype=np.int64).astype(np.uint64) | 1)
    expected = np.isin(absent, everything)
    assert (keys.contains(absent) == expected).all()
    assert all(np.all(run[1:] >= run[:-1]) for run in keys.runs)
    assert len(keys.runs) <= int(np.log2(len(everything))) + 1


def test_check_flags_stored_and_repeated_ids_only(store_path, tmp_path):
    ingest_paths(store_path, [write_csv(tmp_path / "a.csv", every_type(50))], progress=False)
    con = connect(store_path)
    try:
        keys = StoredKeys.load(con)
        assert len(keys) == 50
        stored = [row[0] for row in con.execute("SELECT event_id FROM events").fetchall()]
        ids = [stored[3], "new-1", "new-2", "new-1", stored[11], "new-3"]
        con.register("chunk", pa.table({"row_number": range(1, 7), "event_id": ids}))
        found = keys.lookup(*hash_ids(con, "chunk", "row_number"))
    finally:
        con.close()
    assert found.seen_before.tolist() == [1, 5]
    assert found.repeated.tolist() == [2, 4]
    assert found.suspects.tolist() == [1, 2, 4, 5]


def test_arrow_vocabulary_equals_the_sql_one(tmp_path):
    rows = every_type(60)
    rows[3] = dict(rows[3], source="carrier_pigeon", currency="usd")
    rows[7] = event("transfer", 7, category="sideways")
    rows[9] = event("inquiry", 9, category=None)
    path = write_csv(tmp_path / "v.csv", rows)
    table = pa_csv.read_csv(
        path,
        convert_options=pa_csv.ConvertOptions(
            column_types={n: pa.string() for n in FIELDS}, strings_can_be_null=True
        ),
    )
    con = duckdb.connect()
    try:
        con.register("raw", table)
        columns = {name: pa.string() for name in table.column_names}
        from_sql = vocabulary_from_row(con.execute(vocabulary_sql(columns, "raw")).fetchone())
    finally:
        con.close()
    from_arrow = vocabulary_from_arrow(table)
    assert from_arrow == from_sql
    assert "carrier_pigeon" in from_arrow.values["source"]
    assert "sideways" in from_arrow.values["category:transfer"]
    numeric = table.set_column(table.schema.get_field_index("source"), "source", pa.array([1] * 60))
    assert vocabulary_from_arrow(numeric) is None  # SQL's casts decide how such values read


def test_ids_repeated_across_chunks_files_and_runs(store_path, tmp_path):
    rows = every_type(300)
    first = write_parquet(tmp_path / "first.parquet", rows[:200])
    # the second file repeats 50 stored ids (10 of them changed) and repeats one of its own
    second_rows = rows[150:300] + [rows[250]]
    for i in range(10):
        second_rows[i] = dict(second_rows[i], amount="77")
    second = write_csv(tmp_path / "second.csv", second_rows)
    one = ingest_paths(store_path, [first], chunk_rows=64, progress=False)
    two = ingest_paths(store_path, [second], chunk_rows=64, progress=False)
    assert (one.accepted, one.duplicates, one.conflicts) == (200, 0, 0)
    assert (two.accepted, two.duplicates, two.conflicts) == (100, 41, 10)
    assert query(store_path, "SELECT count(*), count(DISTINCT event_id) FROM events") == [
        (300, 300)
    ]
    conflicts = query(store_path, "SELECT row_number FROM quarantine ORDER BY 1")
    assert conflicts == [(line,) for line in range(2, 12)]


def test_parquet_text_read_as_dictionaries_is_checked_like_text(store_path, tmp_path):
    rows = every_type(40)
    rows[4] = dict(rows[4], furnisher="   ")
    rows[9] = dict(rows[9], source="carrier_pigeon")
    rows[14] = event("transfer", 14, category="sideways")
    path = write_parquet(tmp_path / "d.parquet", rows)
    result = ingest_paths(store_path, [path], progress=False)
    assert (result.accepted, result.rejected) == (37, 3)
    refused = query(store_path, "SELECT row_number, field FROM quarantine ORDER BY 1")
    assert refused == [(5, "furnisher"), (10, "source"), (15, "category")]
    table = pa.Table.from_pylist(rows)
    as_dictionaries = pa.table(
        {n: pc.dictionary_encode(table[n]) if n != "event_id" else table[n] for n in FIELDS}
    )
    assert vocabulary_from_arrow(as_dictionaries) == vocabulary_from_arrow(table)


def test_parquet_of_several_row_groups_is_one_chunk(store_path, tmp_path):
    # Each row group comes with a dictionary of its own for the text that repeats.
    rows = every_type(60)
    rows[7] = dict(rows[7], source="carrier_pigeon")
    path = tmp_path / "groups.parquet"
    pq.write_table(
        pa.Table.from_pylist([typed(r) for r in rows], schema=EVENT_SCHEMA),
        path,
        row_group_size=16,
    )
    assert pq.ParquetFile(path).num_row_groups == 4
    result = ingest_paths(store_path, [path], progress=False)
    assert (result.accepted, result.rejected) == (59, 1)
    assert query(store_path, "SELECT row_number, field FROM quarantine") == [(8, "source")]

"""Dataset directories (write, read, refuse) and docs/events.md kept in step with the schema."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import REPO

from credo.events.dataset import (
    DatasetError,
    conform,
    event_files,
    is_dataset_dir,
    read_consents,
    read_events,
    read_outcomes,
    read_protected,
    write_dataset,
)
from credo.events.eventdoc import BEGIN, END, generated_block
from credo.events.schema import CONSENT_SCHEMA, EVENT_SCHEMA, OUTCOME_SCHEMA, TYPES, Event

DOC = REPO / "docs" / "events.md"


def _events(user: str, n: int, start: int = 0) -> pa.Table:
    rows = [
        Event(
            event_id=f"{user}-{i}",
            user_id=user,
            source="bank",
            furnisher="testbank",
            type="income",
            ts=datetime(2024, 1, 1 + i % 28, 9),
            amount=100.0 + i,
            currency="EUR",
            category="salary",
        ).to_row()
        for i in range(start, start + n)
    ]
    return pa.Table.from_pylist(rows, schema=EVENT_SCHEMA)


def _consents(users: list[str]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "user_id": u,
                "source": "bank",
                "purpose": "credit_scoring",
                "granted_at": datetime(2023, 12, 1),
                "revoked_at": None,
            }
            for u in users
        ],
        schema=CONSENT_SCHEMA,
    )


def _outcomes(bad: dict[str, int]) -> pa.Table:
    return pa.Table.from_pylist(
        [{"user_id": u, "as_of": date(2024, 6, 1), "bad": b} for u, b in bad.items()],
        schema=OUTCOME_SCHEMA,
    )


def test_write_and_read_back_a_dataset(tmp_path: Path):
    out = tmp_path / "ds"
    summary = write_dataset(
        out,
        [_events("a", 5), _events("b", 3)],
        _consents(["a", "b"]),
        _outcomes({"a": 1, "b": 0}),
        protected=pa.table({"user_id": ["a", "b"], "age": [30, 41]}),
        readme="# Test data\n\nTwo people.",
    )
    assert is_dataset_dir(out)
    assert [p.name for p in event_files(out)] == ["part-00000.parquet", "part-00001.parquet"]
    assert summary.users == 2 and summary.events == 8 and summary.bad_rate == 0.5
    events = read_events(out)
    assert events.schema.equals(EVENT_SCHEMA) and events.num_rows == 8
    assert read_outcomes(out).equals(_outcomes({"a": 1, "b": 0}))
    assert read_outcomes(out / "outcomes.parquet").num_rows == 2
    assert read_consents(out).num_rows == 2
    assert read_protected(out).column_names == ["user_id", "age"]
    readme = (out / "README.md").read_text()
    assert readme.startswith("# Test data")
    assert "users: 2" in readme and "bad rate 50.00%" in readme and "| bank | 8 |" in readme
    assert "protected attributes" in readme


def test_not_a_dataset_directory(tmp_path: Path):
    assert not is_dataset_dir(tmp_path)
    (tmp_path / "events").mkdir()
    assert not is_dataset_dir(tmp_path)
    with pytest.raises(DatasetError, match="no outcomes.parquet"):
        read_outcomes(tmp_path)


def test_an_existing_directory_is_refused_unless_overwrite(tmp_path: Path):
    out = tmp_path / "ds"
    write_dataset(out, [_events("a", 2)], _consents(["a"]), _outcomes({"a": 0}))
    with pytest.raises(DatasetError, match="not empty"):
        write_dataset(out, [_events("a", 2)], _consents(["a"]), _outcomes({"a": 0}))
    write_dataset(out, [_events("b", 4)], _consents(["b"]), _outcomes({"b": 1}), overwrite=True)
    assert read_events(out).column("user_id").unique().to_pylist() == ["b"]


def test_a_failure_while_writing_leaves_nothing_behind(tmp_path: Path):
    def batches():
        yield _events("a", 2)
        raise RuntimeError("furnisher went away")

    with pytest.raises(RuntimeError):
        write_dataset(tmp_path / "ds", batches(), _consents(["a"]), _outcomes({"a": 0}))
    assert list(tmp_path.iterdir()) == []


def test_tables_of_the_wrong_shape_are_refused_with_the_column_named(tmp_path: Path):
    wrong = _events("a", 2).drop_columns(["due_date"]).append_column("colour", pa.array(["r"] * 2))
    with pytest.raises(DatasetError, match="missing column.*due_date.*unexpected.*colour"):
        conform(wrong, EVENT_SCHEMA, "events")
    bad_outcomes = _outcomes({"a": 0}).set_column(2, "bad", pa.array([3], pa.int8()))
    with pytest.raises(DatasetError, match="bad must be 0 or 1"):
        write_dataset(tmp_path / "ds", [_events("a", 1)], _consents(["a"]), bad_outcomes)
    text_ts = _outcomes({"a": 0}).set_column(1, "as_of", pa.array(["soon"]))
    with pytest.raises(DatasetError, match="as_of"):
        conform(text_ts, OUTCOME_SCHEMA, "outcomes")


def test_files_written_read_back_as_exactly_the_schema(tmp_path: Path):
    out = tmp_path / "ds"
    write_dataset(out, [_events("a", 3)], _consents(["a"]), _outcomes({"a": 0}))
    assert pq.read_schema(event_files(out)[0]).remove_metadata().equals(EVENT_SCHEMA)
    assert pq.read_schema(out / "consents.parquet").remove_metadata().equals(CONSENT_SCHEMA)


def test_events_doc_holds_the_generated_tables():
    text = DOC.read_text()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] == generated_block(), (
        "docs/events.md is out of date: replace its generated block with the output of"
        " `python -m credo.events.eventdoc`"
    )


def test_events_doc_has_a_valid_example_of_every_type():
    examples = [
        json.loads(block) for block in re.findall(r"```json\n(.*?)```", DOC.read_text(), re.S)
    ]
    assert sorted(example["type"] for example in examples) == sorted(TYPES)
    for example in examples:
        Event(**example)

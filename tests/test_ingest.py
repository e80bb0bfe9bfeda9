"""Ingestion through the Python API, into real DuckDB files: validation of every rule,
formats, dedup, conflicts, idempotence, chunking, fatal errors, dataset directories."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_ingest_support import (
    event,
    every_type,
    query,
    stored_events,
    stored_form,
    typed,
    write_csv,
    write_jsonl,
    write_parquet,
)

from credo.events.ingest import IngestError, ingest_paths
from credo.events.schema import CONSENT_SCHEMA, EVENT_SCHEMA, FIELDS, OUTCOME_SCHEMA
from credo.store.db import init_store

# (name, the bad row, the field refused first, words the reason must contain)
BAD_ROWS = [
    ("no event_id", event(event_id=None), "event_id", "required"),
    ("blank event_id", event(event_id="   "), "event_id", "required"),
    ("no user_id", event(user_id=None), "user_id", "required"),
    ("unknown source", event(source="carrier_pigeon"), "source", "unknown source"),
    ("no furnisher", event(furnisher=None), "furnisher", "required"),
    ("unknown type", event(type="gift"), "type", "unknown type"),
    ("no ts", event(ts=None), "ts", "required"),
    ("unparseable ts", event(ts="last tuesday"), "ts", "not a timestamp"),
    ("future ts", event(ts="2999-01-01T00:00:00Z"), "ts", "future"),
    ("ts before 1900", event(ts="1899-12-31T23:00:00Z"), "ts", "before 1900"),
    ("amount not a number", event(amount="12,5x"), "amount", "not a number"),
    ("negative amount", event(amount="-3"), "amount", "negative"),
    ("infinite amount", event(amount="inf"), "amount", "not finite"),
    ("payment without amount", event(amount=None), "amount", "required for payment events"),
    ("currency not ISO", event(currency="XYZ"), "currency", "ISO 4217"),
    ("lower-case code of no currency", event(currency="xyz"), "currency", "ISO 4217"),
    ("amount beyond any currency's", event(amount="1e300"), "amount", "larger than any amount"),
    ("payment without currency", event(currency=None), "currency", "required for payment events"),
    ("payment without account", event(account_id=None), "account_id", "for payment events"),
    (
        "negative credit limit",
        event("account_opened", credit_limit="-10"),
        "credit_limit",
        "finite number >= 0",
    ),
    ("credit limit text", event("account_opened", credit_limit="lots"), "credit_limit", "number"),
    (
        "credit limit beyond any currency's",
        event("account_opened", credit_limit="2e15"),
        "credit_limit",
        "larger than any limit",
    ),
    ("statement without due date", event("statement", due_date=None), "due_date", "statement"),
    ("impossible due date", event("statement", due_date="2024-02-30"), "due_date", "not a date"),
    (
        "status without days past due",
        event("account_status", days_past_due=None),
        "days_past_due",
        "required for account_status events",
    ),
    (
        "negative days past due",
        event("account_status", days_past_due="-1"),
        "days_past_due",
        "negative",
    ),
    (
        "fractional days past due",
        event("account_status", days_past_due="2.5"),
        "days_past_due",
        "whole number",
    ),
    ("transfer direction", event("transfer", category="sideways"), "category", "in, out"),
    ("transfer without direction", event("transfer", category=None), "category", "required"),
    (
        "transfer without counterparty",
        event("transfer", counterparty_id=None),
        "counterparty_id",
        "required for transfer events",
    ),
    ("balance category", event("balance", category="huge"), "category", "in_credit"),
    ("inquiry kind", event("inquiry", category="medium"), "category", "hard, soft"),
    ("profile without attributes", event("profile", attributes=None), "attributes", "required"),
    ("attributes not an object", event("profile", attributes="[1, 2]"), "attributes", "object"),
    ("attributes not JSON", event("profile", attributes="{oops"), "attributes", "object"),
    (
        "message text in attributes",
        event("activity", attributes='{"sessions": 3, "messageText": "see you at 8"}'),
        "attributes",
        "'messageText', which is message content",
    ),
    (
        "contacts nested in attributes",
        event("activity", attributes='{"meta": [{"Address-Book": ["+1 555 0100"]}]}'),
        "attributes",
        "'Address-Book', which is contacts",
    ),
    (
        "browsing in attributes",
        event("purchase", attributes='{"visited_urls": ["a.example"]}'),
        "attributes",
        "which is browsing content",
    ),
]


def _bad_file(tmp: Path, fmt: str) -> Path:
    """A valid row, then each bad row followed by a valid one: bad row i sits on line 2i+3."""
    rows = [event("payment", 1000)]
    for i, (_, bad, _, _) in enumerate(BAD_ROWS):
        keeps_id = not (bad["event_id"] or "").strip()
        bad_id = bad["event_id"] if keeps_id else f"bad-{i}"
        rows += [dict(bad, event_id=bad_id), event("payment", 2000 + i)]
    if fmt == "csv":
        return write_csv(tmp / "bad.csv", rows)
    return write_jsonl(tmp / "bad.jsonl", rows)


@pytest.fixture(scope="module", params=["csv", "jsonl"])
def bad_ingest(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"bad-{request.param}")
    store = init_store(tmp / "store.duckdb")
    result = ingest_paths(store, [_bad_file(tmp, request.param)], chunk_rows=16, progress=False)
    quarantined = {
        row[0]: row[1:]
        for row in query(store, "SELECT row_number, field, reason, raw, event_id FROM quarantine")
    }
    return request.param, store, result, quarantined


def test_bad_rows_are_counted_and_the_rest_kept(bad_ingest):
    _, store, result, quarantined = bad_ingest
    assert result.rejected == len(BAD_ROWS) == len(quarantined)
    assert result.accepted == len(BAD_ROWS) + 1
    assert query(store, "SELECT count(*) FROM events") == [(len(BAD_ROWS) + 1,)]
    stored_ids = {r[0] for r in query(store, "SELECT event_id FROM events")}
    assert not any(i.startswith("bad-") for i in stored_ids)


@pytest.mark.parametrize(
    "index,case", list(enumerate(BAD_ROWS)), ids=[case[0] for case in BAD_ROWS]
)
def test_each_rule_names_line_field_and_reason(bad_ingest, index, case):
    fmt, _, _, quarantined = bad_ingest
    name, bad, field, words = case
    line = 2 * index + 3 if fmt == "csv" else 2 * index + 2  # CSV has a header line
    assert line in quarantined, f"{name}: not quarantined at line {line}"
    got_field, reason, raw, _ = quarantined[line]
    assert got_field == field, reason
    assert reason.startswith(f"{field}: ")
    assert words in reason
    raw_row = json.loads(raw)
    for key, value in bad.items():
        if value not in (None, "") and key != "event_id":
            assert str(raw_row[key]) == value or json.loads(raw_row[key]) == json.loads(value)


def test_every_type_is_accepted_and_stored_typed(store_path, tmp_path):
    rows = every_type(39)
    result = ingest_paths(store_path, [write_csv(tmp_path / "ok.csv", rows)], progress=False)
    assert (result.accepted, result.rejected, result.duplicates, result.conflicts) == (39, 0, 0, 0)
    expected = sorted(tuple(stored_form(r)[c] for c in FIELDS) for r in rows)
    assert stored_events(store_path) == expected
    batches = query(
        store_path, "SELECT status, accepted, rejected, fingerprint FROM ingest_batches"
    )
    assert batches[0][:3] == ("done", 39, 0) and batches[0][3].startswith("sha1:")


def test_timestamps_with_offsets_are_stored_in_utc(store_path, tmp_path):
    stamps = {
        "z": ("2024-03-01T12:00:00Z", datetime(2024, 3, 1, 12)),
        "plus": ("2024-03-01T12:00:00+02:00", datetime(2024, 3, 1, 10)),
        "minus": ("2024-03-01 12:00:00-05:30", datetime(2024, 3, 1, 17, 30)),
        "naive": ("2024-03-01T12:00:00.250", datetime(2024, 3, 1, 12, 0, 0, 250000)),
        "date": ("2024-03-01", datetime(2024, 3, 1)),
        "named": ("2024-03-01 12:00:00 Europe/Paris", datetime(2024, 3, 1, 11)),
        "utc": ("2024-03-01T12:00:00 UTC", datetime(2024, 3, 1, 12)),
        # RFC 3339 allows the t and z in lower case
        "lower": ("2024-03-01t12:00:00z", datetime(2024, 3, 1, 12)),
        "lower_plus": ("2024-03-01t12:00:00+02:00", datetime(2024, 3, 1, 10)),
        "spaced_offset": ("2024-03-01T12:00:00 +02:00", datetime(2024, 3, 1, 10)),
    }
    rows = [event(event_id=k, ts=v[0]) for k, v in stamps.items()]
    ingest_paths(store_path, [write_csv(tmp_path / "ts.csv", rows)], progress=False)
    got = dict(query(store_path, "SELECT event_id, ts FROM events"))
    assert got == {k: v[1] for k, v in stamps.items()}


def test_csv_jsonl_and_parquet_store_the_same_events(tmp_path):
    rows = every_type(26)
    stores = {}
    for fmt, writer in (("csv", write_csv), ("jsonl", write_jsonl), ("parquet", write_parquet)):
        store = init_store(tmp_path / f"{fmt}.duckdb")
        result = ingest_paths(store, [writer(tmp_path / f"e.{fmt}", rows)], progress=False)
        assert result.accepted == 26 and result.clean
        stores[fmt] = stored_events(store)
    assert stores["csv"] == stores["jsonl"] == stores["parquet"]


def test_currency_codes_are_stored_upper_case_and_unpadded_from_every_format(tmp_path):
    """A payment API writes "usd"; a spreadsheet pads " EUR": both were refused as no
    ISO 4217 code. They are stored as the codes they are, alike from every format and the
    event model, and the same payment written either way is one event, not a conflict."""
    from credo.events.schema import Event

    written = ["usd", " EUR", "gbp ", "USD"]
    rows = [event("payment", n, currency=c) for n, c in enumerate(written, start=1)]
    for fmt, writer in (("csv", write_csv), ("jsonl", write_jsonl), ("parquet", write_parquet)):
        store = init_store(tmp_path / f"{fmt}.duckdb")
        result = ingest_paths(store, [writer(tmp_path / f"e.{fmt}", rows)], progress=False)
        assert (result.accepted, result.rejected) == (4, 0), fmt
        stored = query(store, "SELECT currency FROM events ORDER BY event_id")
        assert stored == [("USD",), ("EUR",), ("GBP",), ("USD",)], fmt
        again = [dict(rows[0], currency="USD")]
        repeat = ingest_paths(store, [writer(tmp_path / f"again.{fmt}", again)], progress=False)
        assert (repeat.duplicates, repeat.conflicts) == (1, 0), fmt
    fields = {k: v for k, v in rows[0].items() if v is not None}
    assert Event(**fields).currency == "USD"


def test_the_event_model_refuses_amounts_beyond_any_currency_s():
    from pydantic import ValidationError

    from credo.events.schema import Event

    fields = {k: v for k, v in event("payment", 1).items() if v is not None}
    assert Event(**dict(fields, amount="1e15")).amount == 1e15
    for amount in ("1e16", "inf"):
        with pytest.raises(ValidationError, match="amount"):
            Event(**dict(fields, amount=amount))


def test_parquet_amounts_keep_the_number_written_and_refuse_booleans(store_path, tmp_path):
    rows = [typed(event("payment", n, amount=a)) for n, a in ((1, "0.1"), (2, "2.5"), (3, "7"))]
    table = pa.Table.from_pylist(rows, schema=EVENT_SCHEMA)
    as_float32 = table.set_column(
        table.schema.get_field_index("amount"), "amount", table["amount"].cast(pa.float32())
    )
    pq.write_table(as_float32, tmp_path / "f32.parquet")
    flags = as_float32.set_column(
        as_float32.schema.get_field_index("amount"), "amount", pa.array([True, False, True])
    ).set_column(0, "event_id", pa.array(["b1", "b2", "b3"]))
    pq.write_table(flags, tmp_path / "bool.parquet")
    files = [tmp_path / "f32.parquet", tmp_path / "bool.parquet"]
    result = ingest_paths(store_path, files, progress=False)
    assert (result.accepted, result.rejected) == (3, 3)
    amounts = query(store_path, "SELECT amount FROM events ORDER BY event_id")
    assert amounts == [(0.1,), (2.5,), (7.0,)]  # not 0.10000000149011612
    reasons = [r for (r,) in query(store_path, "SELECT reason FROM quarantine")]
    assert all("is not a number" in r for r in reasons)


def test_a_refused_rows_float32_amounts_keep_the_number_written(store_path, tmp_path):
    """A refused Parquet row's float32 amount was kept in `raw` as -0.10000000149011612, and
    its fixed copy sent back stored that, where the row accepted as it was stored 0.1."""
    row = typed(event("account_status", 1, amount="-0.1", credit_limit="0.1"))
    table = pa.Table.from_pylist([row], schema=EVENT_SCHEMA)
    for name in ("amount", "credit_limit"):
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, table[name].cast(pa.float32()))
    pq.write_table(table, tmp_path / "f32.parquet")
    assert ingest_paths(store_path, [tmp_path / "f32.parquet"], progress=False).rejected == 1
    raw = json.loads(query(store_path, "SELECT raw FROM quarantine")[0][0])
    assert (raw["amount"], raw["credit_limit"]) == (-0.1, 0.1)


def test_an_amount_that_is_no_number_is_not_told_as_too_large(store_path, tmp_path):
    # DuckDB sorts NaN above every number: a Parquet NaN was also "larger than any amount"
    rows = [
        typed(event("payment", 1, amount="nan")),
        typed(event("payment", 2, amount="inf")),
        typed(event("account_opened", 3, credit_limit="nan")),
    ]
    pq.write_table(pa.Table.from_pylist(rows, schema=EVENT_SCHEMA), tmp_path / "nan.parquet")
    result = ingest_paths(store_path, [tmp_path / "nan.parquet"], progress=False)
    assert result.rejected == 3
    reasons = query(store_path, "SELECT row_number, reason FROM quarantine ORDER BY 1")
    assert reasons == [
        (1, "amount: 'nan' is not finite"),
        (2, "amount: 'inf' is not finite"),
        (3, "credit_limit: 'nan' is not a finite number >= 0"),
    ]


def test_a_due_date_given_as_a_zoned_timestamp_is_its_own_day(store_path, tmp_path):
    """A Parquet due date of midnight June 1st in Shanghai was stored as May 31st (its day in
    UTC), so the statement fell due a day early; the same value as text was June 1st."""
    from datetime import UTC as utc

    due = {  # zone: (the instant, the day written)
        "Asia/Shanghai": (datetime(2024, 5, 31, 16, tzinfo=utc), "2024-06-01"),
        "+08:00": (datetime(2024, 5, 31, 16, tzinfo=utc), "2024-06-01"),
        "-05:00": (datetime(2024, 6, 1, 4, tzinfo=utc), "2024-05-31"),
        "UTC": (datetime(2024, 6, 1, 0, tzinfo=utc), "2024-06-01"),
    }
    files = []
    for i, (zone, (instant, _)) in enumerate(due.items()):
        row = typed(event("statement", i))
        table = pa.Table.from_pylist([row], schema=EVENT_SCHEMA)
        column = pa.array([instant], pa.timestamp("us", tz=zone))
        table = table.set_column(table.schema.get_field_index("due_date"), "due_date", column)
        files.append(tmp_path / f"due-{i}.parquet")
        pq.write_table(table, files[-1])
    result = ingest_paths(store_path, files, progress=False)
    assert (result.accepted, result.rejected) == (len(due), 0)
    got = dict(query(store_path, "SELECT event_id, CAST(due_date AS VARCHAR) FROM events"))
    assert got == {f"ev-statement-{i}": day for i, (_, day) in enumerate(due.values())}


def test_a_refused_rows_zoned_due_date_keeps_its_own_day(store_path, tmp_path):
    """A refused Parquet row's due date of midnight June 1st in Shanghai was kept in `raw` as
    its instant in UTC (May 31st 16:00), and its fixed copy sent back was stored a day early."""
    from datetime import UTC as utc

    row = typed(event("statement", 1, amount="-5"))
    table = pa.Table.from_pylist([row], schema=EVENT_SCHEMA)
    column = pa.array([datetime(2024, 5, 31, 16, tzinfo=utc)], pa.timestamp("us", "Asia/Shanghai"))
    table = table.set_column(table.schema.get_field_index("due_date"), "due_date", column)
    pq.write_table(table, tmp_path / "due.parquet")
    assert ingest_paths(store_path, [tmp_path / "due.parquet"], progress=False).rejected == 1
    (raw,) = query(store_path, "SELECT raw FROM quarantine")[0]
    fixed = {**json.loads(raw), "amount": 5}
    result = ingest_paths(
        store_path, [write_jsonl(tmp_path / "fix.jsonl", [fixed])], progress=False
    )
    assert result.accepted == 1
    assert query(store_path, "SELECT CAST(due_date AS VARCHAR) FROM events") == [("2024-06-01",)]


def test_content_keys_are_refused_alike_by_files_and_the_event_model(store_path, tmp_path):
    from pydantic import ValidationError

    from credo.events.schema import Event

    # Counts and words that merely contain a content word are metadata, and kept.
    kept = {"messages_sent": 12, "note": 'he said "message": hi', "contacts_count": 40}
    kept |= {"friends": 120, "messages": 3, "sms": True}  # counts and flags, not content
    refused = {"sessions": 2, "profile": {"friends": ["u-2", "u-3"]}}
    rows = [
        event("activity", 1, attributes=json.dumps(kept)),
        event("activity", 2, attributes=json.dumps(refused)),
    ]
    result = ingest_paths(store_path, [write_csv(tmp_path / "a.csv", rows)], progress=False)
    assert (result.accepted, result.rejected) == (1, 1)
    (reason,) = query(store_path, "SELECT reason FROM quarantine")[0]
    assert "'friends', which is contacts" in reason and "messages_sent" in reason
    for attributes, fails in ((kept, False), (refused, True)):
        fields = dict(rows[0], attributes=attributes, amount=None, currency=None)
        fields = {k: v for k, v in fields.items() if v is not None}
        if fails:
            with pytest.raises(ValidationError, match="'friends', which is contacts"):
                Event(**fields)
        else:
            assert Event(**fields).attributes == kept


def test_attributes_are_the_same_content_whatever_their_spacing(store_path, tmp_path):
    spaced = event("profile", 1, attributes='{ "age" : 40,  "tags": ["a", "b"] }')
    first = ingest_paths(store_path, [write_csv(tmp_path / "a.csv", [spaced])], progress=False)
    nested = dict(spaced, attributes={"age": 40, "tags": ["a", "b"]})  # an object in JSONL
    path = tmp_path / "b.jsonl"
    path.write_text(json.dumps({k: v for k, v in nested.items() if v is not None}) + "\n")
    second = ingest_paths(store_path, [path], progress=False)
    assert (first.accepted, second.duplicates, second.conflicts) == (1, 1, 0)
    stored = query(store_path, "SELECT attributes FROM events")[0][0]
    assert json.loads(stored) == {"age": 40, "tags": ["a", "b"]}
    # the same object with its keys in another order, or 40 written 40.0: the same content
    reordered = dict(spaced, attributes='{"tags": ["a", "b"], "age": 40.0}')
    third = ingest_paths(store_path, [write_csv(tmp_path / "c.csv", [reordered])], progress=False)
    assert (third.duplicates, third.conflicts) == (1, 0)
    # true is not 1, nor an array in another order the same array
    for n, other in enumerate(('{"age": 40, "tags": ["b", "a"]}', '{"age": true, "tags": []}')):
        changed = dict(spaced, attributes=other)
        done = ingest_paths(
            store_path, [write_csv(tmp_path / f"d{n}.csv", [changed])], progress=False
        )
        assert done.conflicts == 1
    reasons = [r for (r,) in query(store_path, "SELECT reason FROM quarantine")]
    assert all("different content (attributes; batch" in r for r in reasons)


def test_json_values_compare_exactly():
    from credo.events.chunk_store import same_json

    assert same_json('{"a": 1, "b": [1, 2]}', '{"b": [1, 2.0], "a": 1.0}')
    assert not same_json('{"e": 9007199254740993}', '{"e": 9007199254740992}')  # past 2**53
    assert not same_json('{"x": true}', '{"x": 1}')
    assert not same_json('{"x": 1e400}', '{"x": 1e401}')
    assert not same_json('{"x": [1, 2]}', '{"x": [2, 1]}')
    assert same_json('{"x": 1e1000000}', '{"x": 1e1000000}')  # past Decimal's range: as text


def test_duplicates_and_conflicts_inside_one_file(store_path, tmp_path):
    first = event("payment", 1)
    rows = [first, event("payment", 2), dict(first), dict(first, amount="301"), dict(first)]
    path = write_csv(tmp_path / "dups.csv", rows)
    result = ingest_paths(store_path, [path], chunk_rows=2, progress=False)
    assert (result.accepted, result.duplicates, result.conflicts) == (2, 2, 1)
    assert query(store_path, "SELECT count(*) FROM events WHERE event_id = 'ev-payment-1'") == [
        (1,)
    ]
    assert query(store_path, "SELECT amount FROM events WHERE event_id = 'ev-payment-1'") == [
        (300.0,)
    ]
    (row_number, field, reason) = query(
        store_path, "SELECT row_number, field, reason FROM quarantine"
    )[0]
    assert (row_number, field) == (5, "event_id")
    assert "different content" in reason


def test_duplicates_inside_one_chunk(store_path, tmp_path):
    first = event("payment", 1)
    rows = [first, dict(first), dict(first, amount="1"), event("payment", 2)]
    path = write_csv(tmp_path / "dups.csv", rows)
    result = ingest_paths(store_path, [path], progress=False)
    assert (result.accepted, result.duplicates, result.conflicts) == (2, 1, 1)
    reason = query(store_path, "SELECT reason FROM quarantine")[0][0]
    assert "earlier in this file" in reason and "line/row 2" in reason


def test_conflict_with_a_stored_event_names_its_batch(store_path, tmp_path):
    original = write_csv(tmp_path / "a.csv", [event("payment", 1)])
    changed = write_csv(tmp_path / "b.csv", [event("payment", 1, amount="999")])
    first = ingest_paths(store_path, [original], progress=False)
    second = ingest_paths(store_path, [changed], progress=False)
    assert (second.accepted, second.conflicts) == (0, 1)
    reason = query(store_path, "SELECT reason FROM quarantine")[0][0]
    assert f"batch {first.batches[0]}" in reason and "a.csv" in reason
    assert "different content (amount;" in reason  # the field that differs is named
    assert query(store_path, "SELECT amount FROM events") == [(300.0,)]


def test_a_resent_event_differing_in_any_one_field_is_a_conflict(store_path, tmp_path):
    # every field is part of an event's content: an id sent again with any one of them
    # changed is quarantined naming that field, and the stored event stands
    original = event(
        "statement",
        1,
        credit_limit="5000",
        days_past_due="0",
        category="card",
        counterparty_id="lender-9",
        attributes='{"credit_balance": 0}',
    )
    ingest_paths(store_path, [write_csv(tmp_path / "a.csv", [original])], progress=False)
    changes = {
        "user_id": "user-9",
        "source": "loan",
        "furnisher": "second-bank",
        "type": "account_status",
        "ts": "2024-01-03T10:01:00Z",
        "amount": "812.41",
        "currency": "EUR",
        "account_id": "card-2",
        "credit_limit": "6000",
        "due_date": "2024-02-26",
        "days_past_due": "30",
        "category": "other",
        "counterparty_id": "lender-8",
        "attributes": '{"credit_balance": 1}',
    }
    assert set(changes) == set(FIELDS) - {"event_id"}
    for field, value in changes.items():
        path = write_csv(tmp_path / f"{field}.csv", [dict(original, **{field: value})])
        result = ingest_paths(store_path, [path], progress=False)
        assert (result.accepted, result.duplicates, result.conflicts) == (0, 0, 1), field
        (reason,) = query(store_path, f"SELECT reason FROM quarantine WHERE path = '{path}'")
        assert f"different content ({field};" in reason[0], reason
    assert query(store_path, "SELECT amount, due_date FROM events") == [
        (812.4, datetime(2024, 2, 25).date())
    ]


def test_a_conflicting_rows_raw_is_the_row_as_written(store_path, tmp_path):
    """A conflict's `raw` was the row as it would have been stored (its time moved to UTC,
    "1e3" as 1000.0, "usd" as USD), where every other refused row's is the row as written."""
    ingest_paths(store_path, [write_csv(tmp_path / "a.csv", [event("payment", 1)])], progress=False)
    resent = event("payment", 1, amount="1e3", currency="usd", ts="2024-01-02T12:01:00+02:00")
    path = write_csv(tmp_path / "b.csv", [resent, dict(resent, amount="7")])
    result = ingest_paths(store_path, [path], progress=False)
    assert result.conflicts == 2
    raws = [
        json.loads(r)
        for (r,) in query(store_path, "SELECT raw FROM quarantine ORDER BY row_number")
    ]
    assert [{k: v for k, v in raw.items() if v is not None} for raw in raws] == [
        {k: v for k, v in row.items() if v is not None}
        for row in (resent, dict(resent, amount="7"))
    ]


def test_ingesting_twice_stores_and_quarantines_nothing_new(store_path, tmp_path):
    rows = every_type(30) + [event(event_id="broken", ts="never")]
    path = write_csv(tmp_path / "twice.csv", rows)
    first = ingest_paths(store_path, [path], chunk_rows=7, progress=False)
    events_after_first = stored_events(store_path)
    second = ingest_paths(store_path, [path], chunk_rows=7, progress=False)
    assert (first.accepted, first.rejected) == (30, 1)
    assert (second.accepted, second.duplicates, second.rejected) == (0, 30, 1)
    assert stored_events(store_path) == events_after_first
    assert query(store_path, "SELECT count(*) FROM quarantine") == [(1,)]


def test_a_file_larger_than_the_chunk_size(store_path, tmp_path):
    rows = every_type(1000)
    rows[500] = dict(rows[500], amount="-1", type="payment")
    rows[999] = dict(rows[999], source="nowhere")
    path = write_csv(tmp_path / "big.csv", rows)
    result = ingest_paths(store_path, [path], chunk_rows=64, progress=False)
    assert (result.accepted, result.rejected) == (998, 2)
    assert query(store_path, "SELECT count(DISTINCT event_id), count(*) FROM events") == [
        (998, 998)
    ]
    assert query(store_path, "SELECT row_number FROM quarantine ORDER BY 1") == [(502,), (1001,)]
    assert query(store_path, "SELECT accepted, rejected, status FROM ingest_batches") == [
        (998, 2, "done")
    ]


def test_line_numbers_count_newlines_inside_quoted_fields(store_path, tmp_path):
    rows = [
        event("profile", 1, attributes='{"note": "two\\nlines"}'),
        event("profile", 2, furnisher="multi\nline\nfurnisher"),
        event("payment", 3, amount="oops"),
    ]
    path = write_csv(tmp_path / "nl.csv", rows)
    assert path.read_text().count("\n") == 6  # header, 1 line, 3 lines, 1 line
    ingest_paths(store_path, [path], progress=False)
    assert query(store_path, "SELECT row_number FROM quarantine") == [(6,)]


def test_a_header_without_rows_is_a_file_of_no_rows_with_or_without_its_line_end(
    store_path, tmp_path
):
    for n, ending in enumerate(("", "\n", "\r\n")):
        path = tmp_path / f"header{n}.csv"
        path.write_text(",".join(FIELDS) + ending)
        result = ingest_paths(store_path, [path], progress=False)
        assert (result.files, result.accepted, result.rejected) == (1, 0, 0)


def test_blank_lines_are_skipped_and_counted_in_line_numbers(store_path, tmp_path):
    rows = [
        event("payment", 1),
        event("profile", 2, furnisher="multi\nline"),
        event("payment", 3, amount="oops"),
    ]
    lines = write_csv(tmp_path / "b.csv", rows).read_text().splitlines(keepends=True)
    # a blank line after the header, two before the bad row, and blank lines at the end
    text = lines[0] + "\n" + lines[1] + "".join(lines[2:4]) + "\n\n" + lines[4] + "\n\n"
    path = tmp_path / "blank.csv"
    path.write_text(text)
    result = ingest_paths(store_path, [path], progress=False)
    assert (result.accepted, result.rejected) == (2, 1)
    assert query(store_path, "SELECT row_number, field FROM quarantine") == [(8, "amount")]


def test_a_missing_optional_column_is_null(store_path, tmp_path):
    columns = ["event_id", "user_id", "source", "furnisher", "type", "ts", "amount", "currency"]
    columns.append("account_id")
    path = write_csv(tmp_path / "narrow.csv", [event("payment", 1)], columns=columns)
    result = ingest_paths(store_path, [path], progress=False)
    assert result.accepted == 1
    assert query(store_path, "SELECT credit_limit, attributes, category FROM events") == [
        (None, None, None)
    ]


def _assert_nothing_stored(store: Path) -> None:
    assert query(store, "SELECT count(*) FROM events") == [(0,)]
    assert query(store, "SELECT count(*) FROM quarantine") == [(0,)]


def test_unknown_columns_are_fatal_and_named(store_path, tmp_path):
    good = write_csv(tmp_path / "good.csv", [event("payment", 1)])
    columns = [*FIELDS, "colour", "mood"]
    bad = write_csv(tmp_path / "extra.csv", [event("payment", 2)], columns=columns)
    with pytest.raises(IngestError, match="colour, mood") as info:
        ingest_paths(store_path, [good, bad], progress=False)
    assert "attributes" in str(info.value)
    _assert_nothing_stored(store_path)  # checked before anything was stored


def test_unknown_columns_unseen_as_written_are_quoted(store_path, tmp_path):
    # "unknown column(s) ; the event fields are ..." named an empty header cell by nothing,
    # and "amount " looked like the field it was not
    path = tmp_path / "odd.csv"
    path.write_text(f"{','.join(FIELDS[:6])},amount ,,currency\n")
    with pytest.raises(IngestError) as info:
        ingest_paths(store_path, [path], progress=False)
    said = "unknown column(s) 'amount ', '' (column 8: an empty header cell); the event fields"
    assert said in str(info.value)


def test_a_missing_required_column_is_fatal(store_path, tmp_path):
    path = write_csv(tmp_path / "nots.csv", [event()], columns=["event_id", "user_id", "type"])
    with pytest.raises(IngestError, match="source, furnisher, ts"):
        ingest_paths(store_path, [path], progress=False)
    _assert_nothing_stored(store_path)


def test_a_file_that_breaks_midway_is_rolled_back_whole(store_path, tmp_path):
    path = write_csv(tmp_path / "broken.csv", every_type(3000))  # several read blocks
    with path.open("ab") as handle:
        handle.write(
            b"ev-x,caf\xe9,card,first-bank,payment,2024-01-01T00:00:00Z" + b"," * 9 + b"\n"
        )
    with pytest.raises(IngestError, match="nothing from .*broken.csv was stored") as info:
        ingest_paths(store_path, [path], chunk_rows=50, progress=False)
    assert "line 3002 is not UTF-8" in str(info.value)  # the broken line itself
    # nor that rows stored before that line would be known as duplicates when sent again
    assert "stored before" not in str(info.value)
    _assert_nothing_stored(store_path)
    assert query(store_path, "SELECT status FROM ingest_batches") == [("failed",)]


def test_ctrl_c_that_duckdb_reports_as_its_error_keeps_the_committed_chunks(
    store_path, tmp_path, monkeypatch
):
    """Ctrl-C while DuckDB read a chunk's Arrow table came back as DuckDB's 'Invalid Input
    Error: ... failed: KeyboardInterrupt': ingest took it for a broken file, rolled the
    file's committed chunks back and exited 1 with that text instead of stopping (130)."""
    import duckdb

    from credo.events import chunk_store

    path = write_csv(tmp_path / "long.csv", every_type(300))
    prepare = chunk_store.ChunkPipeline._prepare
    calls = []

    def interrupted_third(self, chunk, vocabulary):
        calls.append(chunk)
        if len(calls) == 3:
            raise duckdb.InvalidInputException(
                "Invalid Input Error: reading the object registered as 'raw_chunk' as Arrow"
                " data failed: KeyboardInterrupt: "
            )
        return prepare(self, chunk, vocabulary)

    monkeypatch.setattr(chunk_store.ChunkPipeline, "_prepare", interrupted_third)
    with pytest.raises(KeyboardInterrupt):
        ingest_paths(store_path, [path], chunk_rows=50, progress=False)
    # the first chunk committed; the second, in flight, was rolled back
    assert query(store_path, "SELECT count(*) FROM events") == [(50,)]
    assert query(store_path, "SELECT status FROM ingest_batches") == [("running",)]
    monkeypatch.setattr(chunk_store.ChunkPipeline, "_prepare", prepare)
    again = ingest_paths(store_path, [path], chunk_rows=50, progress=False)
    assert (again.accepted, again.duplicates) == (250, 50)


@pytest.mark.parametrize("chunk_rows", [7, 1000])
def test_ragged_rows_are_quarantined_as_written_and_the_rest_kept(store_path, tmp_path, chunk_rows):
    """A line of more or fewer fields than the header (a comma left unquoted, a line cut
    short) refused the whole file; it is a refused row, kept as written, its line named, and
    the rows after it keep their line numbers."""
    rows = every_type(40)
    rows[30] = event("payment", 30, amount="-5")  # refused by validation
    rows[5] = event("payment", 5, furnisher="first\nbank")  # a row of two lines
    path = write_csv(tmp_path / "ragged.csv", rows)
    lines = path.read_text().splitlines(keepends=True)
    lines.insert(3, "ev-r1,user-1,card,first-bank,payment,2024-01-05T00:00:00Z,5,USD,x,y\n")
    lines.insert(
        12, "ev-r2,user-2,card,first-bank,payment,2024-01-05T00:00:00Z,5,USD,x,y,z,z,z,z,z,z\n"
    )
    lines.append("ev-r3," + lines[-1].split(",", 1)[1].rstrip("\n") + ",extra")
    path.write_text("".join(lines))
    told = ingest_paths(store_path, [path], chunk_rows=chunk_rows, progress=False)
    assert (told.accepted, told.rejected) == (39, 4)
    quarantined = query(
        store_path, "SELECT row_number, field, reason, raw FROM quarantine ORDER BY row_number"
    )
    # line 13 lies after the row of two lines; the row refused for its amount, first on line
    # 32, after three more lines
    assert [(r[0], r[1]) for r in quarantined] == [
        (4, "row"), (13, "row"), (35, "amount"), (45, "row")
    ]  # fmt: skip
    assert "10 field(s) where the header has 15 (the line may be cut short)" in quarantined[0][2]
    assert quarantined[0][3] == lines[3].rstrip("\n")
    assert "16 fields where the header has 15 (a field that holds" in quarantined[1][2]
    assert quarantined[3][3].startswith("ev-r3,") and quarantined[3][3].endswith(",extra")
    # again: nothing new stored or quarantined
    again = ingest_paths(store_path, [path], chunk_rows=chunk_rows, progress=False)
    assert (again.accepted, again.duplicates, again.rejected) == (0, 39, 4)
    assert again.quarantined_before == 4
    assert query(store_path, "SELECT count(*) FROM quarantine") == [(4,)]


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("garbage.parquet", b"this is not parquet", "not a readable Parquet"),
        ("empty.csv", b"", "the file is empty: a CSV file needs a header line"),
        # a byte-order mark alone, and a blank line above the header: no header, not a column
        # named '' (the error had read "unknown column(s) ; the event fields are ...")
        ("bom.csv", b"\xef\xbb\xbf", "the file is empty: a CSV file needs a header line"),
        (
            "late.csv",
            b"\r\nevent_id,user_id,source,furnisher,type,ts\n",
            "line 1 is blank: a CSV file's first line must be its header",
        ),
        ("events.txt", b"a,b\n", "cannot tell the format"),
        (
            "latin1.jsonl",
            b"{}\n" * 3 + '{"event_id": "caf\xe9"}\n'.encode("latin-1"),
            "line 4 is not UTF-8",
        ),
    ],
)
def test_unreadable_files_are_fatal(store_path, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError, match=message):
        ingest_paths(store_path, [path], progress=False)
    _assert_nothing_stored(store_path)


def test_a_missing_path_is_fatal(store_path, tmp_path):
    with pytest.raises(IngestError, match="no such file"):
        ingest_paths(store_path, [tmp_path / "nope.csv"], progress=False)


def test_jsonl_lines_that_are_not_objects_are_quarantined(store_path, tmp_path):
    path = tmp_path / "mixed.jsonl"
    good = json.dumps({k: v for k, v in event().items() if v is not None})
    path.write_text(f"{good}\n\nnot json\n[1, 2]\n")
    result = ingest_paths(store_path, [path], progress=False)
    assert (result.accepted, result.rejected) == (1, 2)
    rows = query(store_path, "SELECT row_number, field, reason, raw FROM quarantine ORDER BY 1")
    assert [r[:2] for r in rows] == [(3, "row"), (4, "row")]
    assert "not valid JSON" in rows[0][2] and rows[0][3] == "not json"
    assert "not a JSON object" in rows[1][2]


def test_jsonl_lines_giving_a_field_twice_are_quarantined(store_path, tmp_path):
    # {"amount": 1000, "amount": -3}: DuckDB reads the first, Python's json the last; a CSV
    # header naming a field twice is refused, and so is such a line
    good = json.dumps({k: v for k, v in event("payment", 1).items() if v is not None})
    twice = good[:-1] + ', "amount": -3, "ts": "2024-01-01T00:00:00Z"}'
    path = tmp_path / "twice.jsonl"
    path.write_text(f"{good}\n{twice.replace('payment-1', 'payment-2')}\n")
    result = ingest_paths(store_path, [path], progress=False)
    assert (result.accepted, result.rejected) == (1, 1)
    rows = query(store_path, "SELECT row_number, event_id, field, reason FROM quarantine")
    assert rows == [(2, "ev-payment-2", "row", "row: the line gives amount, ts more than once")]


def test_jsonl_unknown_fields_are_fatal(store_path, tmp_path):
    # each named with the first line holding it: in a file of 235,000 lines a typo's line is
    # what the furnisher needs
    rows = [event("payment", n) for n in range(5)]
    rows[3] = dict(rows[3], colour="red")
    rows[1] = dict(rows[1], acount_id="a")
    rows[4] = dict(rows[4], colour="blue")
    path = write_jsonl(tmp_path / "extra.jsonl", rows)
    with pytest.raises(
        IngestError, match=r"unknown field\(s\) acount_id \(line 2\), colour \(line 4\);"
    ):
        ingest_paths(store_path, [path], progress=False)
    _assert_nothing_stored(store_path)


def test_a_utc_offset_no_place_has_is_refused(store_path, tmp_path):
    # DuckDB reads +25:00 as a day and an hour: the event would be stored a day off
    offsets = ["+25:00", "-99:00", "+25", "+05:75", "+25:00:00", "+25:00 ", "+14:30", "-14:00:30"]
    offsets += ["+14:00", "-0800", "-14"]
    rows = [event(event_id=f"t{n}", ts=f"2024-05-07T09:00:00{o}") for n, o in enumerate(offsets)]
    result = ingest_paths(store_path, [write_csv(tmp_path / "ts.csv", rows)], progress=False)
    assert result.accepted == 3 and result.rejected == 8
    fields = [f for (f,) in query(store_path, "SELECT field FROM quarantine ORDER BY row_number")]
    assert fields == ["ts"] * 8
    # each told that its offset is the trouble, not that it is no timestamp
    reasons = [r for (r,) in query(store_path, "SELECT reason FROM quarantine")]
    assert all("has an offset no place has" in r for r in reasons), reasons
    told = ingest_paths(
        store_path,
        [write_csv(tmp_path / "basic.csv", [event(event_id="b", ts="20240507T090000Z")])],
        progress=False,
    )
    assert told.rejected == 1
    (reason,) = query(store_path, "SELECT reason FROM quarantine WHERE event_id = 'b'")
    expected = "(ISO 8601 expected, e.g. 2024-05-01T12:00:00Z)"
    assert reason[0] == f"ts: '20240507T090000Z' is not a timestamp {expected}"
    got = dict(query(store_path, "SELECT event_id, ts FROM events"))
    assert got == {
        "t8": datetime(2024, 5, 6, 19),
        "t9": datetime(2024, 5, 7, 17),
        "t10": datetime(2024, 5, 7, 23),
    }
    # the event model, checking one event alone, draws the same line
    from pydantic import ValidationError

    from credo.events.schema import Event

    fields = {k: v for k, v in rows[0].items() if v not in (None, "")}
    with pytest.raises(ValidationError, match="more than 14 hours"):
        Event(**dict(fields, ts="2024-05-07T09:00:00+14:30"))
    assert Event(**dict(fields, ts="2024-05-07T09:00:00-14:00")).ts == datetime(2024, 5, 7, 23)


def test_a_directory_of_files(store_path, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    write_csv(folder / "a.csv", every_type(10))
    write_jsonl(folder / "b.jsonl", [event("payment", 100)])
    (folder / "notes.md").write_text("not an event file")
    (folder / "_SUCCESS").write_text("")  # a marker Spark leaves, not worth a word
    write_csv(folder / "_part.csv", [event("payment", 101)])  # underscores are data too
    result = ingest_paths(store_path, [folder], progress=False)
    assert (result.files, result.accepted) == (3, 12)
    assert [Path(p).name for p in result.skipped] == ["notes.md"]
    assert result.to_dict()["skipped"] == result.skipped


def test_csv_missing_values_are_the_few_texts_tools_write_for_them(store_path, tmp_path):
    rows = [
        # R writes NA: missing optional fields, the event kept
        event("account_opened", 1, credit_limit="NA", category="N/A"),
        event("payment", 3, user_id="NULL"),  # no person called "NULL": required, refused
        event("payment", 4, amount="NaN"),  # missing, and a payment needs an amount
        event("inquiry", 5, category="none"),  # not a missing marker: a category judged
        event("purchase", 6, category="QUOTED_NA"),  # quoted: the text NA (North America)
    ]
    path = write_csv(tmp_path / "na.csv", rows)
    path.write_text(path.read_text().replace("QUOTED_NA", '"NA"'))
    result = ingest_paths(store_path, [path], progress=False)
    assert (result.accepted, result.rejected) == (2, 3)
    reasons = dict(query(store_path, "SELECT event_id, reason FROM quarantine"))
    assert "user_id: required" in reasons["ev-payment-3"]
    assert "required for payment events" in reasons["ev-payment-4"]
    assert "hard, soft" in reasons["ev-inquiry-5"]
    stored = query(store_path, "SELECT type, credit_limit, category FROM events ORDER BY 1")
    assert stored == [("account_opened", None, None), ("purchase", None, "NA")]


def test_jsonl_objects_where_a_value_belongs_are_refused(store_path, tmp_path):
    rows = [
        dict(event("payment", 1), user_id={"x": 1}),
        dict(event("payment", 2), amount=[5]),
        dict(event("payment", 3), user_id="[u3]"),  # text that looks like one is text
        dict(event("profile", 4), attributes={"tags": [1, 2]}),  # attributes may nest
    ]
    path = tmp_path / "nested.jsonl"
    path.write_text(
        "".join(json.dumps({k: v for k, v in r.items() if v is not None}) + "\n" for r in rows)
    )
    result = ingest_paths(store_path, [path], progress=False)
    assert (result.accepted, result.rejected) == (2, 2)
    reasons = query(store_path, "SELECT row_number, field, reason FROM quarantine ORDER BY 1")
    assert [(r[0], r[1]) for r in reasons] == [(1, "user_id"), (2, "amount")]  # --field finds them
    assert all(r[2].startswith(f"{r[1]}: a JSON object or array where a value") for r in reasons)


def test_jsonl_with_a_byte_order_mark_and_json_arrays(store_path, tmp_path):
    path = tmp_path / "bom.jsonl"
    write_jsonl(path, [event("payment", 1), event("payment", 2)])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = ingest_paths(store_path, [path], progress=False)
    assert (result.accepted, result.rejected) == (2, 0)
    array = tmp_path / "events.json"
    array.write_text(json.dumps([event("payment", 5), event("payment", 6)], indent=2))
    with pytest.raises(IngestError, match="JSON array, not JSON Lines"):
        ingest_paths(store_path, [array], progress=False)


def _dataset_dir(tmp: Path) -> Path:
    root = tmp / "dataset"
    (root / "events").mkdir(parents=True)
    rows = every_type(40)
    write_parquet(root / "events" / "part-00000.parquet", rows[:25])
    write_parquet(root / "events" / "part-00001.parquet", rows[25:])
    consents = pa.table(
        {
            "user_id": ["user-1", "user-1", "user-2"],
            "source": ["card", "bank", "card"],
            "purpose": ["credit_scoring"] * 3,
            "granted_at": [datetime(2023, 1, 1)] * 3,
            "revoked_at": [None, datetime(2024, 1, 1), None],
        },
        schema=CONSENT_SCHEMA,
    )
    pq.write_table(consents, root / "consents.parquet")
    outcomes = pa.table(
        {"user_id": ["user-1"], "as_of": [datetime(2024, 6, 1).date()], "bad": [0]},
        schema=OUTCOME_SCHEMA,
    )
    pq.write_table(outcomes, root / "outcomes.parquet")
    (root / "README.md").write_text("# a test dataset\n")
    return root


def test_a_dataset_directory_loads_events_and_consents_once(store_path, tmp_path):
    root = _dataset_dir(tmp_path)
    first = ingest_paths(store_path, [root], chunk_rows=10, progress=False)
    assert (first.files, first.accepted, first.consents) == (2, 40, 3)
    # the same bytes again are not read again; --recheck reads them, all duplicates
    again = ingest_paths(store_path, [root], chunk_rows=10, progress=False)
    assert (again.files, again.accepted, again.duplicates, again.consents) == (0, 0, 0, 0)
    assert list(again.unchanged.values()) == first.batches
    again = ingest_paths(store_path, [root], chunk_rows=10, progress=False, recheck=True)
    assert (again.accepted, again.duplicates, again.consents) == (0, 40, 0)
    assert query(store_path, "SELECT count(*) FROM events") == [(40,)]
    assert query(store_path, "SELECT user_id, source, revoked_at FROM consents ORDER BY 1, 2") == [
        ("user-1", "bank", datetime(2024, 1, 1)),
        ("user-1", "card", None),
        ("user-2", "card", None),
    ]


def test_a_bad_consents_file_is_fatal_and_names_the_row(store_path, tmp_path):
    root = _dataset_dir(tmp_path)
    table = pq.read_table(root / "consents.parquet")
    purposes = table.column("purpose").to_pylist()
    purposes[1] = "marketing"
    table = table.set_column(2, "purpose", pa.array(purposes))
    pq.write_table(table, root / "consents.parquet")
    with pytest.raises(IngestError, match="row 2, field purpose: unknown purpose marketing"):
        ingest_paths(store_path, [root], progress=False)
    _assert_nothing_stored(store_path)


def test_a_generated_population_ingests_cleanly(store_path, tmp_path):
    from credo.events.synthetic import generate_population

    made = generate_population(users=60, seed=3, out=tmp_path / "population")
    result = ingest_paths(store_path, [made.path], chunk_rows=5_000, progress=False)
    assert (result.accepted, result.rejected, result.conflicts) == (made.events, 0, 0)
    consents = pq.read_table(made.path / "consents.parquet").num_rows
    assert result.consents == consents > 0


def test_a_user_id_padded_with_spaces_is_the_same_person(store_path, tmp_path):
    """ " user-1" and "user-1 " were stored as people of their own, apart from the consents
    of "user-1" (the consents file reads ids trimmed): their events fed no feature."""
    from credo.events.schema import Event

    rows = [
        event(n=1, event_id="a", user_id="user-1"),
        event(n=2, event_id="b", user_id=" user-1"),
        event(n=3, event_id="c", user_id="user-1  "),
        event(n=4, event_id="d", user_id="   "),
    ]
    writers = ((write_csv, "e.csv"), (write_jsonl, "e.jsonl"), (write_parquet, "e.parquet"))
    for writer, name in writers:
        store = init_store(tmp_path / f"{name}.duckdb")
        told = ingest_paths(store, [writer(tmp_path / name, rows)], progress=False)
        assert (told.accepted, told.rejected) == (3, 1)
        assert query(store, "SELECT DISTINCT user_id FROM events") == [("user-1",)]
        (reason,) = query(store, "SELECT reason FROM quarantine WHERE event_id = 'd'")
        assert reason[0].startswith("user_id: ")
    assert Event(**{k: v for k, v in rows[1].items() if v is not None}).user_id == "user-1"


def test_events_and_consents_read_a_person_s_id_alike(store_path, tmp_path):
    """Events kept "u\u00a0" (a no-break space is no space) where the consents CSV stored
    "u": the person's events had no consent and fed no feature. A Parquet consents file and
    `credo consent grant` kept " u-2" padded, apart from the events' "u-2"."""
    from credo.store.consent import grant
    from credo.store.db import connect

    nbsp = "u\u00a0"
    rows = [event(n=1, event_id="a", user_id=nbsp), event(n=2, event_id="b", user_id=" u-2")]
    header = "user_id,source,purpose,granted_at,revoked_at\n"
    (tmp_path / "consents.csv").write_text(
        header + f"{nbsp},card,credit_scoring,2023-01-01T00:00:00Z,\n", encoding="utf-8"
    )
    padded = pa.table(
        {
            "user_id": [" u-2 "],
            "source": ["card"],
            "purpose": ["credit_scoring"],
            "granted_at": pa.array([datetime(2023, 1, 1)], pa.timestamp("us")),
            "revoked_at": pa.array([None], pa.timestamp("us")),
        }
    )
    pq.write_table(padded, tmp_path / "consents.parquet")
    for writer, name in ((write_csv, "e.csv"), (write_jsonl, "e.jsonl"), (write_parquet, "e.pq")):
        store = init_store(tmp_path / f"{name}.duckdb")
        files = [writer(tmp_path / f"{name}.{name.split('.')[1]}", rows)]
        files += [tmp_path / "consents.csv", tmp_path / "consents.parquet"]
        told = ingest_paths(store, files, progress=False)
        assert (told.accepted, told.rejected) == (2, 0), name
        events = query(store, "SELECT DISTINCT user_id FROM events ORDER BY 1")
        consents = query(store, "SELECT DISTINCT user_id FROM consents ORDER BY 1")
        assert events == consents == [("u-2",), (nbsp,)], name
    con = connect(store)
    try:
        assert grant(con, " u-3 ", "bank", "credit_scoring", "2023-01-01")
        assert not grant(con, "u-3", "bank", "credit_scoring", "2023-01-02")  # the same grant
    finally:
        con.close()

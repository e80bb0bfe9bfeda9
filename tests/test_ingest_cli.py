"""`credo ingest` and `credo quarantine list` as real subprocesses: exit codes, the one JSON
object, help texts, and a kill -9 in the middle of a file followed by a re-run."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import re
import signal
import subprocess
import threading
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from test_ingest_support import (
    CREDO,
    credo,
    event,
    every_type,
    query,
    stored_events,
    write_csv,
    write_jsonl,
)

from credo.events.chunk_store import MIN_SEGMENT_ROWS
from credo.events.ingest import ingest_paths
from credo.events.schema import FIELDS
from credo.store import segments

KEYS = {"accepted", "duplicates", "conflicts", "rejected", "events_per_s"}


def test_clean_ingest_exits_0_and_prints_one_json_object(store_path, tmp_path):
    path = write_csv(tmp_path / "ok.csv", every_type(20))
    done = credo("ingest", path, "--db", store_path, "--json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)  # the whole of stdout is one JSON object
    assert payload.keys() >= KEYS
    assert (payload["accepted"], payload["rejected"], payload["duplicates"]) == (20, 0, 0)
    assert payload["events_per_s"] > 0

    again = credo("ingest", path, "--db", store_path, "--recheck", "--json")
    assert again.returncode == 0  # duplicates only
    assert json.loads(again.stdout)["duplicates"] == 20


def test_a_file_stored_whole_is_not_read_again_but_one_with_refused_rows_is(store_path, tmp_path):
    """A folder that grows by a file a day was read whole every day, old files and all."""
    folder = tmp_path / "drops"
    folder.mkdir()
    write_csv(folder / "day1.csv", every_type(20))
    refused = [event("payment", 90, currency="EURO"), event("payment", 91)]
    write_csv(folder / "day2.csv", refused)
    first = json.loads(credo("ingest", folder, "--db", store_path, "--json").stdout)
    assert (first["accepted"], first["rejected"], first["files"]) == (21, 1, 2)
    write_csv(folder / "day3.csv", [event("payment", 92)])
    copy = folder / "day1-copy.csv"
    copy.write_bytes((folder / "day1.csv").read_bytes())  # the same bytes under another name
    done = credo("ingest", folder, "--db", store_path)
    said = " ".join((done.stdout + done.stderr).split())
    assert "2 file(s) not read again, their very bytes stored whole before: day1-copy.csv" in said
    assert "2 file(s): 1 accepted, 1 duplicates" in said  # day2 read again, and day3
    assert "(--recheck reads them again)" in said
    payload = json.loads(credo("ingest", folder, "--db", store_path, "--json").stdout)
    assert set(payload["unchanged"]) == {
        str(folder / n) for n in ("day1.csv", "day1-copy.csv", "day3.csv")
    }
    # a file changed since is read again
    write_csv(folder / "day1.csv", every_type(21))
    payload = json.loads(credo("ingest", folder, "--db", store_path, "--json").stdout)
    assert str(folder / "day1.csv") not in payload["unchanged"] and payload["accepted"] == 1


def test_rejected_rows_exit_2_and_keep_the_valid_ones(store_path, tmp_path):
    rows = [event("payment", 1), event("payment", 2, currency="EURO"), event("payment", 3)]
    done = credo("ingest", write_csv(tmp_path / "some.csv", rows), "--db", store_path, "--json")
    assert done.returncode == 2, done.stderr
    assert json.loads(done.stdout)["rejected"] == 1
    assert query(store_path, "SELECT count(*) FROM events") == [(2,)]

    listed = credo("quarantine", "list", "--db", store_path, "--json")
    assert listed.returncode == 0
    (item,) = json.loads(listed.stdout)
    assert (item["row"], item["field"], item["event_id"]) == (3, "currency", "ev-payment-2")
    assert "ISO 4217" in item["reason"]

    table = credo("quarantine", "list", "--db", store_path)
    assert "currency" in table.stdout and "some.csv" in table.stdout

    # the same file again: its bad row is rejected again, listed once, under the first run
    again = credo("ingest", tmp_path / "some.csv", "--db", store_path)
    assert again.returncode == 2
    said = " ".join(again.stderr.split()) + " ".join(again.stdout.split())
    assert "1 of them were quarantined by an earlier run of the same file" in said
    assert query(store_path, "SELECT count(*) FROM quarantine") == [(1,)]


def test_a_conflict_exits_2(store_path, tmp_path):
    ingest_paths(store_path, [write_csv(tmp_path / "a.csv", [event("payment", 1)])], progress=False)
    changed = write_csv(tmp_path / "b.csv", [event("payment", 1, amount="1")])
    done = credo("ingest", changed, "--db", store_path, "--json")
    assert done.returncode == 2
    assert json.loads(done.stdout)["conflicts"] == 1
    # its event id was in the store before it: still listed, not taken for a fixed copy
    (listed,) = json.loads(credo("quarantine", "list", "--db", store_path, "--json").stdout)
    assert listed["event_id"] == "ev-payment-1" and listed["accepted_later"] is False


def test_a_fatal_error_exits_1_and_stores_nothing(store_path, tmp_path):
    bad = write_csv(tmp_path / "extra.csv", [event()], columns=[*FIELDS, "shoe_size"])
    done = credo("ingest", bad, "--db", store_path, "--json")
    assert done.returncode == 1
    assert "shoe_size" in json.loads(done.stdout)["error"]
    assert "shoe_size" in done.stderr
    assert query(store_path, "SELECT count(*) FROM events") == [(0,)]


def test_a_line_that_is_not_utf8_is_named(store_path, tmp_path):
    path = write_csv(tmp_path / "e.csv", every_type(5))
    lines = path.read_bytes().splitlines(keepends=True)
    lines[3] = lines[3].replace(b"user-", b"us\xff\xfeer-", 1)  # the third event
    path.write_bytes(b"".join(lines))
    result = credo("ingest", path, "--db", store_path)
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert "line 4 is not UTF-8 text (byte 0xff" in message and "re-encode" in message
    assert query(store_path, "SELECT count(*) FROM events") == [(0,)]


def test_a_utf16_file_is_named_as_such_without_a_trace(store_path, tmp_path):
    """A spreadsheet's 'Unicode text' (UTF-16) crashed Arrow's CSV reader with a trace."""
    text = write_csv(tmp_path / "e.csv", every_type(5)).read_text()
    for encoding in ("utf-16", "utf-16-be"):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(("\ufeff" if encoding.endswith("be") else "") .encode(encoding)
                         + text.encode(encoding))  # fmt: skip
        result = credo("ingest", path, "--db", store_path)
        message = " ".join(result.stderr.split())
        assert result.returncode == 1 and "is UTF-16 text" in message, message
        assert "save it as 'CSV UTF-8'" in message and "Traceback" not in result.stderr
    assert query(store_path, "SELECT count(*) FROM events") == [(0,)]


def test_a_ragged_line_that_is_not_utf8_is_named_without_a_trace(store_path, tmp_path):
    path = write_csv(tmp_path / "e.csv", every_type(5))
    lines = path.read_bytes().splitlines(keepends=True)
    lines[3] = lines[3].replace(b"user-", b"us\xffer-", 1).rstrip(b"\r\n") + b",extra\n"
    path.write_bytes(b"".join(lines))
    result = credo("ingest", path, "--db", store_path)
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert "line 4 is not UTF-8 text (byte 0xff" in message
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    assert query(store_path, "SELECT count(*) FROM events") == [(0,)]


def test_compressed_event_files_ingest_as_the_files_inside(tmp_path):
    from credo.store.db import init_store

    rows = every_type(400)
    plain = write_csv(tmp_path / "plain.csv", rows)
    lines = write_jsonl(tmp_path / "plain.jsonl", rows)
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "cards.csv.gz").write_bytes(gzip.compress(plain.read_bytes()))
    (folder / "bank.jsonl.bz2").write_bytes(bz2.compress(lines.read_bytes()))
    (folder / "shop.jsonl.xz").write_bytes(lzma.compress(lines.read_bytes()))
    with zipfile.ZipFile(folder / "telecom.csv.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(plain, "telecom.csv")
    expected = stored_events(_ingested(init_store(tmp_path / "plain.duckdb"), plain))
    for file in sorted(folder.iterdir()):
        db = init_store(tmp_path / f"{file.name}.duckdb")
        assert stored_events(_ingested(db, file, "--chunk-rows", "150")) == expected, file.name
    # a folder of them: each file's events found (the same events, so duplicates after one)
    db = init_store(tmp_path / "folder.duckdb")
    done = credo("ingest", folder, "--db", db, "--json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert (payload["accepted"], payload["duplicates"]) == (400, 1200)
    # cut short part way: told, and nothing from the file is stored
    for name, data in (("cut.csv.gz", plain), ("cut.jsonl.gz", lines)):
        cut = tmp_path / name
        packed = gzip.compress(data.read_bytes())
        cut.write_bytes(packed[: len(packed) * 2 // 3])
        db = init_store(tmp_path / f"{name}.duckdb")
        result = credo("ingest", cut, "--db", db, "--chunk-rows", "50")
        message = " ".join(result.stderr.split())
        assert result.returncode == 1 and "cannot be decompressed" in message, message
        assert "may be cut short" in message and "Traceback" not in result.stderr
        assert query(db, "SELECT count(*) FROM events") == [(0,)]


def test_a_folder_whose_file_fails_part_way_loads_its_consents_and_names_what_was_not_read(
    store_path, tmp_path
):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "consents.csv").write_text(
        "user_id,source,purpose,granted_at,revoked_at\nuser-1,card,credit_scoring,2024-01-01,\n"
    )
    write_csv(folder / "a_cards.csv", [event("payment", n) for n in range(1, 4)])
    # an unknown field in a JSON line: found as the file is read, the file refused whole
    odd = [{**event("payment", 10), "amount_cents": "250"}]
    write_jsonl(folder / "b_shop.jsonl", [event("payment", n) for n in range(4, 7)] + odd)
    write_csv(folder / "c_bills.csv", [event("payment", 20)])
    write_csv(folder / "d_rent.csv", [event("payment", 21)])
    result = credo("ingest", folder, "--db", store_path)
    said = " ".join(result.stderr.split())
    assert result.returncode == 1 and "amount_cents" in said, said
    assert "nothing from" in said and "b_shop.jsonl was stored" in said
    assert "1 file(s) before it were stored, 1 consents loaded" in said
    assert "not read: c_bills.csv, d_rent.csv (run the same command again" in said
    assert query(store_path, "SELECT count(*) FROM consents") == [(1,)]
    assert query(store_path, "SELECT count(*) FROM events") == [(3,)]


def test_event_files_separated_by_semicolons_tabs_or_bars_read_as_comma_ones(tmp_path):
    from credo.store.db import init_store

    rows = every_type(60)
    plain = write_csv(tmp_path / "plain.csv", rows)
    expected = stored_events(_ingested(init_store(tmp_path / "plain.duckdb"), plain))
    text = pd.read_csv(plain, dtype=str, keep_default_na=False)
    for name, delimiter in (("semi", ";"), ("tab", "\t"), ("bar", "|")):
        path = tmp_path / f"{name}.csv"
        text.to_csv(path, sep=delimiter, index=False)
        db = _ingested(init_store(tmp_path / f"{name}.duckdb"), path)
        assert stored_events(db) == expected, name
    # a ragged line of a semicolon file is refused as written, by its line; the rest is kept
    lines = (tmp_path / "semi.csv").read_text().splitlines()
    lines[7] += ";extra"
    (tmp_path / "ragged.csv").write_text("\n".join(lines) + "\n")
    db = init_store(tmp_path / "r.duckdb")
    result = credo("ingest", tmp_path / "ragged.csv", "--db", db)
    said = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 2 and "59 accepted" in said and "1 rejected" in said, said
    assert query(db, "SELECT row_number, field, raw FROM quarantine") == [(8, "row", lines[7])]
    (listed,) = json.loads(credo("quarantine", "list", "--db", db, "--json").stdout)
    assert "16 fields where the header has 15" in listed["reason"] and listed["row"] == 8
    # sent back as events, a line never read into fields is left out, and said so
    out = tmp_path / "fix.jsonl"
    back = credo("quarantine", "list", "--db", db, "--out", out, "--as-events")
    said = " ".join((back.stdout + back.stderr).split())
    assert "1 row(s) could not be read into fields (not written)" in said, said


def _ingested(db: Path, file: Path, *options: str) -> Path:
    done = credo("ingest", file, "--db", db, *options)
    assert done.returncode == 0, done.stderr
    return db


def test_a_missing_store_says_how_to_create_one(tmp_path):
    path = write_csv(tmp_path / "ok.csv", [event()])
    done = credo("ingest", path, "--db", tmp_path / "none.duckdb", "--json")
    assert done.returncode == 1
    assert "credo init" in done.stderr
    assert "credo init" in json.loads(done.stdout)["error"]


def test_quarantine_list_filters_counts_and_writes_files(store_path, tmp_path):
    import pyarrow.parquet as pq

    first = [event("payment", 1, amount="-1"), event("payment", 2, currency="EURO")]
    second = [event("payment", 3, amount="-2"), event("payment", 4, amount="x")]
    for name, rows in (("first.csv", first), ("second.csv", second)):
        assert credo("ingest", write_csv(tmp_path / name, rows), "--db", store_path).returncode == 2

    def listed(*options: str) -> list[dict]:
        done = credo("quarantine", "list", "--db", store_path, "--json", *options)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    assert len(listed()) == 4
    assert {r["event_id"] for r in listed("--field", "amount")} == {
        "ev-payment-1",
        "ev-payment-3",
        "ev-payment-4",
    }
    assert {r["path"].rsplit("/", 1)[-1] for r in listed("--file", "second")} == {"second.csv"}
    batches = {r["batch"] for r in listed()}
    assert len(batches) == 2
    one = min(batches)
    assert {r["event_id"] for r in listed("--batch", str(one))} == {"ev-payment-1", "ev-payment-2"}
    assert [r["event_id"] for r in listed("--reason", "NEGATIVE", "--file", "first")] == [
        "ev-payment-1"
    ]
    table = credo("quarantine", "list", "--db", store_path, "--field", "amount", "--limit", "1")
    said = " ".join(table.stdout.split())
    assert "1 of 3 matching rows (4 in all)" in said and "refused for: amount 3" in said
    assert "no row was refused" not in table.stderr
    typo = credo("quarantine", "list", "--db", store_path, "--field", "amout")
    assert "note: no row was refused for field 'amout' (fields refused: amount, currency)" in (
        " ".join(typo.stderr.split())
    )

    for suffix in (".csv", ".parquet", ".jsonl"):
        out = tmp_path / f"amount{suffix}"
        done = credo("quarantine", "list", "--db", store_path, "--field", "amount", "--out", out)
        assert done.returncode == 0 and "wrote 3 quarantined row(s)" in done.stderr + done.stdout
        if suffix == ".parquet":
            rows = pq.read_table(out).to_pylist()
        elif suffix == ".jsonl":
            rows = [json.loads(line) for line in out.read_text().splitlines()]
        else:
            import pandas as pd

            rows = pd.read_csv(out).to_dict("records")
        assert sorted(r["event_id"] for r in rows) == [
            "ev-payment-1",
            "ev-payment-3",
            "ev-payment-4",
        ]
        assert all(json.loads(r["raw"])["event_id"] == r["event_id"] for r in rows)
    refused = credo("quarantine", "list", "--db", store_path, "--out", tmp_path / "q.txt")
    assert refused.returncode == 1 and ".jsonl" in refused.stderr


def test_refused_rows_come_back_as_an_event_file_to_fix_and_send_again(store_path, tmp_path):
    rows = [
        event("payment", 1, amount="-5"),
        event("payment", 2),
        event("payment", 3, currency="EURO"),
        event("statement", 4, attributes='{"note": "a, b"}', due_date="2024-13-01"),
    ]
    bad = write_csv(tmp_path / "bad.csv", rows)
    assert credo("ingest", bad, "--db", store_path).returncode == 2
    out = tmp_path / "fix.csv"
    done = credo("quarantine", "list", "--db", store_path, "--out", out, "--as-events")
    assert done.returncode == 0, done.stderr
    assert "wrote 3 refused row(s) as events" in " ".join((done.stdout + done.stderr).split())
    text = out.read_text()
    header = text.splitlines()[0].split(",")
    assert header == [f for f in FIELDS if f in header] and "reason" not in header
    lines = tmp_path / "fix.jsonl"
    assert credo("quarantine", "list", "--db", store_path, "--field", "currency",
                 "--out", lines, "--as-events").returncode == 0  # fmt: skip
    assert [json.loads(line)["currency"] for line in lines.read_text().splitlines()] == ["EURO"]
    fixed = text.replace('"-5"', '"5"').replace("EURO", "EUR").replace("2024-13-01", "2024-12-01")
    assert fixed != text
    out.write_text(fixed)
    again = credo("ingest", out, "--db", store_path, "--json")
    assert again.returncode == 0, again.stdout + again.stderr
    assert json.loads(again.stdout)["accepted"] == 3
    kept = query(store_path, "SELECT event_id, attributes FROM events ORDER BY event_id")
    assert [e for e, _ in kept] == [f"ev-payment-{i}" for i in (1, 2, 3)] + ["ev-statement-4"]
    assert json.loads(kept[-1][1]) == {"note": "a, b"}  # the object survives the CSV's commas

    # the fixed rows are in: the refused copies are no longer listed, nor sent back again
    listed = credo("quarantine", "list", "--db", store_path)
    said = " ".join((listed.stdout + listed.stderr).split())
    assert listed.returncode == 0 and "no refused rows left to fix (3 in all)" in said, said
    assert "3 refused row(s) left out: a corrected copy of each was accepted later" in said
    assert json.loads(credo("quarantine", "list", "--db", store_path, "--json").stdout) == []
    again = credo("quarantine", "list", "--db", store_path, "--out", out, "--as-events")
    assert "no refused rows match" in again.stdout + again.stderr
    every = json.loads(credo("quarantine", "list", "--db", store_path, "--json", "--all").stdout)
    assert sorted((r["event_id"], r["accepted_later"]) for r in every) == [
        ("ev-payment-1", True), ("ev-payment-3", True), ("ev-statement-4", True)
    ]  # fmt: skip
    shown = credo("quarantine", "list", "--db", store_path, "--all")
    assert "accepted" in shown.stdout and shown.stdout.count(" yes ") == 3

    both = credo("quarantine", "list", "--db", store_path, "--all", "--out", out, "--as-events")
    assert both.returncode == 1 and "leave out --all" in both.stderr
    for options in (["--as-events"], ["--as-events", "--out", tmp_path / "fix.parquet"]):
        refused = credo("quarantine", "list", "--db", store_path, *options)
        assert refused.returncode == 1 and ".jsonl" in refused.stderr
    nothing = credo("quarantine", "list", "--db", store_path, "--field", "type",
                    "--out", tmp_path / "none.csv", "--as-events")  # fmt: skip
    assert nothing.returncode == 0 and "no refused rows match" in nothing.stdout + nothing.stderr
    assert not (tmp_path / "none.csv").exists()


def test_text_that_reads_as_missing_unquoted_comes_back_quoted(store_path, tmp_path):
    """A quoted "NA" is the text NA: written back unquoted, it read as missing."""
    header = ",".join(FIELDS)
    row = dict(event("payment", 1, amount="-1"), user_id="NA", furnisher="None")
    line = ",".join(f'"{row[f]}"' if row[f] is not None else "" for f in FIELDS)
    (tmp_path / "na.csv").write_text(f"{header}\n{line}\n")
    assert credo("ingest", tmp_path / "na.csv", "--db", store_path).returncode == 2
    out = tmp_path / "fix.csv"
    assert credo("quarantine", "list", "--db", store_path, "--out", out,
                 "--as-events").returncode == 0  # fmt: skip
    out.write_text(out.read_text().replace('"-1"', '"1"'))
    again = credo("ingest", out, "--db", store_path, "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["accepted"] == 1, again.stdout
    assert query(store_path, "SELECT user_id, furnisher FROM events") == [("NA", "None")]


def test_format_can_be_forced(store_path, tmp_path):
    path = write_csv(tmp_path / "events.data", [event()])
    assert credo("ingest", path, "--db", store_path).returncode == 1
    assert credo("ingest", path, "--db", store_path, "--format", "csv").returncode == 0


def test_every_verb_has_help():
    expected = {
        ("--help",): ["init", "ingest", "quarantine", "consent", "export"],
        ("ingest", "--help"): ["dataset directory", "Exit status", "--chunk-rows"],
        ("quarantine", "--help"): ["refused"],
        ("consent", "--help"): ["grant", "revoke", "list"],
        ("export", "--help"): ["events"],
    }
    running = {
        verb: subprocess.Popen([str(CREDO), *verb], stdout=subprocess.PIPE, text=True)
        for verb in expected
    }
    for verb, process in running.items():
        out, _ = process.communicate(timeout=120)
        assert process.returncode == 0, verb
        for words in expected[verb]:
            assert words in out, (verb, words)


@pytest.mark.parametrize(
    "chunk,total",
    [
        (1_000, 60_000),  # small chunks go into the store file
        (MIN_SEGMENT_ROWS, 10 * MIN_SEGMENT_ROWS),  # large ones become Parquet segments
    ],
    ids=["into-the-file", "segments"],
)
def test_kill_9_mid_file_then_rerun_completes_without_duplicates(
    store_path, tmp_path, chunk, total
):
    rows = every_type(total)
    path = write_csv(tmp_path / "long.csv", rows)
    command = [str(CREDO), "ingest", str(path), "--db", str(store_path), "--chunk-rows"]
    process = subprocess.Popen(
        [*command, str(chunk)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    committed = threading.Event()

    def watch() -> None:  # ingest logs one line per committed chunk when not on a terminal
        for line in process.stderr:
            match = re.search(r"([\d,]+) rows read \(stored or quarantined\)", line)
            if match and int(match.group(1).replace(",", "")) >= 3 * chunk:
                committed.set()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    assert committed.wait(timeout=120), "the ingest never committed a chunk"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL

    stored = query(store_path, "SELECT count(*), count(DISTINCT event_id) FROM events")[0]
    assert stored[0] == stored[1]
    assert stored[0] % chunk == 0, "a chunk was stored in part"
    assert 3 * chunk <= stored[0] < len(rows), "killed too late to test anything"

    started = time.monotonic()
    again = subprocess.run(
        [*command, str(chunk), "--json"], capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stderr
    payload = json.loads(again.stdout)
    assert payload["duplicates"] == stored[0]
    assert payload["accepted"] == len(rows) - stored[0]
    assert time.monotonic() - started < 300
    final = query(store_path, "SELECT count(*), count(DISTINCT event_id) FROM events")[0]
    assert final == (len(rows), len(rows))
    statuses = query(store_path, "SELECT status FROM ingest_batches ORDER BY batch_id")
    assert statuses == [("interrupted",), ("done",)]
    # what the killed writer left half-done is gone; every file on disk is listed
    listed = {row[0] for row in query(store_path, "SELECT file FROM event_segments")}
    directory = segments.segments_dir(store_path)
    on_disk = {p.name for p in directory.iterdir()} if directory.exists() else set()
    assert on_disk == listed
    assert bool(listed) == (chunk >= MIN_SEGMENT_ROWS)


def test_a_row_refused_twice_is_sent_back_once(store_path, tmp_path):
    """The same bad events refused from a CSV file and again as JSON lines (amounts as text
    once, as numbers once) came back twice in the file to fix."""
    rows = [event("payment", 1, amount="-5"), event("payment", 2, currency="EURO")]
    assert (
        credo("ingest", write_csv(tmp_path / "bad.csv", rows), "--db", store_path).returncode == 2
    )
    typed_rows = [{**row, "amount": float(row["amount"])} for row in rows]
    sent = credo("ingest", write_jsonl(tmp_path / "bad.jsonl", typed_rows), "--db", store_path)
    assert sent.returncode == 2
    for name in ("fix.csv", "fix.jsonl"):
        done = credo("quarantine", "list", "--db", store_path, "--out", tmp_path / name,
                     "--as-events")  # fmt: skip
        assert "wrote 2 refused row(s) as events" in " ".join((done.stdout + done.stderr).split())
        written = (tmp_path / name).read_text().splitlines()
        assert len(written) == (3 if name.endswith(".csv") else 2)
    fixed = (tmp_path / "fix.csv").read_text().replace('"-5"', '"5"').replace("EURO", "EUR")
    (tmp_path / "fix.csv").write_text(fixed)
    again = credo("ingest", tmp_path / "fix.csv", "--db", store_path, "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["accepted"] == 2


def test_json_lines_a_csv_cannot_carry_are_not_sent_back_as_csv_events(store_path, tmp_path):
    """A line refused for a user id that is an object came back in the CSV to fix as the text
    '{"x": 1}', which ingest then accepted as a person unchanged; one refused for giving its
    amount twice came back with one of the two (-3), the other (12) dropped unseen."""
    nested = dict(event("payment", 1), user_id={"x": 1})
    lines = [json.dumps({k: v for k, v in nested.items() if v is not None})]
    twice = json.dumps({k: v for k, v in event("payment", 2).items() if v is not None})
    lines.append(twice.replace('"amount": "300"', '"amount": 12, "amount": -3'))
    (tmp_path / "bad.jsonl").write_text("".join(f"{line}\n" for line in lines))
    assert '"amount": -3' in lines[1]
    assert credo("ingest", tmp_path / "bad.jsonl", "--db", store_path).returncode == 2
    out = tmp_path / "fix.csv"
    done = credo("quarantine", "list", "--db", store_path, "--out", out, "--as-events")
    said = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 0 and "wrote 0 refused row(s)" in said, said
    assert "2 row(s) could not be read into fields" in said
    assert len(out.read_text().splitlines()) == 1  # the header alone
    back = tmp_path / "fix.jsonl"
    assert credo("quarantine", "list", "--db", store_path, "--out", back,
                 "--as-events").returncode == 0  # fmt: skip
    assert back.read_text().splitlines() == lines  # as JSON lines, each as it was written


def test_a_fixed_row_refused_again_in_a_file_sent_again_is_not_left_to_fix(store_path, tmp_path):
    """The fixed rows' file sent again with a line added (new bytes, so read again) refused
    its bad rows again in a new batch, after their fixed copies' batch: they were listed, and
    sent back with --as-events, as left to fix, and no fix could clear them (a duplicate)."""
    rows = [event("payment", 1), event("payment", 2, amount="-5")]
    late = write_csv(tmp_path / "late.csv", rows)
    assert credo("ingest", late, "--db", store_path).returncode == 2
    out = tmp_path / "fix.csv"
    assert credo("quarantine", "list", "--db", store_path, "--out", out,
                 "--as-events").returncode == 0  # fmt: skip
    out.write_text(out.read_text().replace('"-5"', '"5"'))
    assert credo("ingest", out, "--db", store_path).returncode == 0
    write_csv(late, [*rows, event("payment", 3)])
    assert credo("ingest", late, "--db", store_path).returncode == 2
    assert json.loads(credo("quarantine", "list", "--db", store_path, "--json").stdout) == []
    listed = credo("quarantine", "list", "--db", store_path)
    said = " ".join((listed.stdout + listed.stderr).split())
    assert "2 refused row(s) left out: a corrected copy of each was accepted" in said, said
    again = credo("quarantine", "list", "--db", store_path, "--out", out, "--as-events")
    assert "no refused rows match" in again.stdout + again.stderr

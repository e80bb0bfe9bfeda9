"""Consent: the Python API, the active-consent rule as SQL, and the CLI verbs."""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta, timezone

import pytest
from test_ingest_support import credo, event, query, write_csv

from credo.store import consent
from credo.store.db import connect


@pytest.fixture()
def con(store_path):
    connection = connect(store_path)
    yield connection
    connection.close()


def test_grant_then_revoke_keeps_the_history(con):
    assert consent.grant(con, "u1", "card", "credit_scoring", "2024-01-01")
    assert not consent.grant(con, "u1", "card", "credit_scoring", "2024-02-01")  # already open
    granted = consent.revoke(con, "u1", "card", "credit_scoring", "2024-06-01T12:00:00+02:00")
    assert granted == datetime(2024, 1, 1)
    assert consent.grant(con, "u1", "card", "credit_scoring", datetime(2024, 9, 1))
    assert consent.list_consents(con, "u1") == [
        ("u1", "card", "credit_scoring", datetime(2024, 1, 1), datetime(2024, 6, 1, 10)),
        ("u1", "card", "credit_scoring", datetime(2024, 9, 1), None),
    ]


@pytest.mark.parametrize(
    "at,usable",
    [
        ("2023-12-31T23:59:59", False),  # before the grant
        ("2024-01-01", True),  # granted_at <= D
        ("2024-05-31", True),
        ("2024-06-01", False),  # revoked_at > D fails once D reaches the revocation
        ("2024-08-31", False),  # the gap between two grants
        ("2024-09-01", True),  # the second grant
    ],
)
def test_a_source_is_usable_only_inside_a_grant(con, at, usable):
    consent.grant(con, "u1", "card", "credit_scoring", "2024-01-01")
    consent.revoke(con, "u1", "card", "credit_scoring", "2024-06-01")
    consent.grant(con, "u1", "card", "credit_scoring", "2024-09-01")
    consent.grant(con, "u1", "bank", "credit_application", "2020-01-01")  # other purpose
    assert consent.active_sources(con, "u1", "credit_scoring", at) == (["card"] if usable else [])
    sql = consent.active_consents_sql("credit_scoring", f"TIMESTAMP '{at}'")
    assert con.execute(sql).fetchall() == ([("u1", "card")] if usable else [])


def test_the_predicate_works_per_person_as_of_dates(con):
    consent.grant(con, "u1", "card", "credit_scoring", "2024-01-01")
    consent.grant(con, "u2", "card", "credit_scoring", "2024-03-01")
    con.execute(
        "CREATE TEMP TABLE as_of AS SELECT * FROM (VALUES ('u1', DATE '2024-02-01'),"
        " ('u2', DATE '2024-02-01')) t(user_id, as_of)"
    )
    predicate = consent.consent_active_predicate("a.as_of", "c", "credit_scoring")
    rows = con.execute(
        f"SELECT a.user_id FROM as_of a JOIN consents c ON c.user_id = a.user_id WHERE {predicate}"
    ).fetchall()
    assert rows == [("u1",)]


@pytest.mark.parametrize(
    "source,purpose,message",
    [("cards", "credit_scoring", "unknown source"), ("card", "ads", "unknown purpose")],
)
def test_unknown_sources_and_purposes_are_refused(con, source, purpose, message):
    with pytest.raises(consent.ConsentError, match=message):
        consent.grant(con, "u1", source, purpose)


def test_revoking_without_a_grant_or_before_it_is_refused(con):
    with pytest.raises(consent.ConsentError, match="no open grant"):
        consent.revoke(con, "u1", "card", "credit_scoring")
    consent.grant(con, "u1", "card", "credit_scoring", "2024-05-01")
    with pytest.raises(consent.ConsentError, match="started later"):
        consent.revoke(con, "u1", "card", "credit_scoring", "2024-04-01")
    with pytest.raises(consent.ConsentError, match="not an ISO 8601"):
        consent.revoke(con, "u1", "card", "credit_scoring", "next week")


def test_a_revocation_moves_earlier_while_a_later_grant_is_open(con):
    """With a grant revoked in 2023 and a new one open since 2024, revoking at 2022-06-01 was
    refused ("the grant started later"), though a consents file made the same correction."""
    consent.grant(con, "u1", "bank", "credit_scoring", "2020-01-01")
    consent.revoke(con, "u1", "bank", "credit_scoring", "2023-01-01")
    consent.grant(con, "u1", "bank", "credit_scoring", "2024-01-01")
    granted = consent.revoke(con, "u1", "bank", "credit_scoring", "2022-06-01")
    assert granted == datetime(2020, 1, 1)
    rows = con.execute(
        "SELECT granted_at, revoked_at FROM consents WHERE user_id = 'u1' ORDER BY 1"
    ).fetchall()
    assert rows == [(datetime(2020, 1, 1), datetime(2022, 6, 1)), (datetime(2024, 1, 1), None)]
    # between the grants there is nothing to revoke; after the open one starts, it is revoked
    with pytest.raises(consent.ConsentError, match="started later"):
        consent.revoke(con, "u1", "bank", "credit_scoring", "2023-06-01")
    assert consent.revoke(con, "u1", "bank", "credit_scoring", "2024-03-01") == datetime(2024, 1, 1)


def test_consent_cli_grant_revoke_and_errors(store_path):
    grant = ["consent", "grant", "u9", "telecom", "--purpose", "credit_scoring"]
    assert credo(*grant, "--at", "2024-01-01", "--db", store_path).returncode == 0
    revoke = ["consent", "revoke", "u9", "telecom", "--purpose", "credit_scoring"]
    assert credo(*revoke, "--at", "2024-03-01", "--db", store_path).returncode == 0
    assert query(store_path, "SELECT granted_at, revoked_at FROM consents") == [
        (datetime(2024, 1, 1), datetime(2024, 3, 1))
    ]
    again = credo(*revoke, "--db", store_path)
    assert again.returncode == 1 and "no open grant" in again.stderr
    # the person withdrew sooner than first told: the revocation moves earlier, never later
    assert credo(*revoke, "--at", "2024-02-01", "--db", store_path).returncode == 0
    later = credo(*revoke, "--at", "2024-02-15", "--db", store_path)
    assert later.returncode == 1 and "no open grant" in later.stderr
    assert query(store_path, "SELECT granted_at, revoked_at FROM consents") == [
        (datetime(2024, 1, 1), datetime(2024, 2, 1))
    ]
    wrong = credo("consent", "grant", "u9", "telecom", "--purpose", "gossip", "--db", store_path)
    assert wrong.returncode == 1 and "credit_scoring" in wrong.stderr
    listed = credo("consent", "list", "u9", "--db", store_path)
    assert listed.returncode == 0 and "telecom" in listed.stdout
    # a padded id is told as it is stored
    padded = credo("consent", "grant", " u8 ", "bank", "--purpose", "credit_scoring",
                   "--at", "2024-01-01", "--db", store_path)  # fmt: skip
    assert padded.returncode == 0 and "granted: u8 bank for" in padded.stderr, padded.stderr


def test_a_consent_dated_in_the_future_is_refused(con):
    # open until then, it would be unusable and block every grant and revocation before it
    with pytest.raises(consent.ConsentError, match="in the future"):
        consent.grant(con, "u9", "bank", "credit_scoring", "2999-01-01")
    assert consent.grant(con, "u9", "bank", "credit_scoring")  # the person can still grant
    with pytest.raises(consent.ConsentError, match="in the future"):
        consent.revoke(con, "u9", "bank", "credit_scoring", "2999-01-01")


def _refused_in_a_file(tmp_path, stamps: str, field: str):
    """A consents file of one grant of u9's, written with `stamps` (granted_at,revoked_at),
    refused naming its line and `field`."""
    path = tmp_path / "consents.csv"
    path.write_text(
        f"user_id,source,purpose,granted_at,revoked_at\nu9,bank,credit_scoring,{stamps}\n"
    )
    with pytest.raises(consent.ConsentError, match=f"line 2, field {field}"):
        consent.read_consents_file(path)
    return path


def test_a_consent_at_an_offset_no_place_has_is_refused_as_a_file_s_is(con, tmp_path):
    # a consents file's "+15:00" is refused; `credo consent revoke --at` had moved it a day
    consent.grant(con, "u9", "bank", "credit_scoring", "2024-01-01")
    with pytest.raises(consent.ConsentError, match="offset of more than 14 hours"):
        consent.revoke(con, "u9", "bank", "credit_scoring", "2024-06-01T00:00:00+15:00")
    with pytest.raises(consent.ConsentError, match="offset of more than 14 hours"):
        consent.grant(con, "u8", "bank", "credit_scoring", "2024-06-01T00:00:00-14:30")
    _refused_in_a_file(tmp_path, "2024-01-01,2024-06-01T00:00:00+15:00", "revoked_at")
    revoked = consent.revoke(con, "u9", "bank", "credit_scoring", "2024-06-01T00:00:00+14:00")
    assert revoked == datetime(2024, 1, 1)
    assert consent.list_consents(con, "u9")[0][4] == datetime(2024, 5, 31, 10)


def test_a_consent_at_reads_a_stamp_as_a_consents_file_does(con, tmp_path):
    # "+05:75" (a slip for Nepal's +05:45) is refused in a file; --at had stored it as 6:15
    # hours off, and refused the lower-case z a file takes
    path = _refused_in_a_file(tmp_path, "2024-01-01T12:00:00+05:75,", "granted_at")
    for stamp in ("2024-01-01T12:00:00+05:75", "2024-01-01T12:00:00-0360"):
        with pytest.raises(consent.ConsentError, match="minutes past the hour"):
            consent.grant(con, "u9", "bank", "credit_scoring", stamp)
    assert consent.list_consents(con, "u9") == []
    path.write_text(
        "user_id,source,purpose,granted_at,revoked_at\n"
        "u8,bank,credit_scoring,2024-01-01t12:00:00z,\n"
    )
    assert consent.read_consents_file(path)["granted_at"].to_pylist() == [datetime(2024, 1, 1, 12)]
    assert consent.grant(con, "u9", "bank", "credit_scoring", "2024-01-01t12:00:00z")
    assert consent.grant(con, "u7", "bank", "credit_scoring", "2024-01-01T12:00:00+05:45")
    stamps = {row[0]: row[3] for row in consent.list_consents(con)}
    assert stamps == {"u9": datetime(2024, 1, 1, 12), "u7": datetime(2024, 1, 1, 6, 15)}


def test_a_consents_csv_is_loaded_by_ingest_beside_the_events(store_path, tmp_path):
    # a lender's consent records, as its systems export them: one `credo consent grant` per
    # person was the only way in besides a dataset directory's Parquet
    path = tmp_path / "consents.csv"
    path.write_text(
        "user_id,source,purpose,granted_at,revoked_at\n"
        "u1,card,credit_scoring,2024-01-01T09:00:00+02:00,\n"
        "u1,loan,credit_scoring,2024-01-01,2024-06-01T00:00:00Z\n"
        "u2,card,credit_scoring,2024-02-01 12:00:00,NA\n"
    )
    events = write_csv(tmp_path / "events.csv", [event("payment", 1)])
    ran = credo("ingest", events, path, "--db", store_path)
    assert ran.returncode == 0, ran.stderr
    assert "3 consents" in " ".join((ran.stdout + ran.stderr).split())
    stored = query(store_path, "SELECT * FROM consents ORDER BY user_id, source")
    assert stored == [
        ("u1", "card", "credit_scoring", datetime(2024, 1, 1, 7), None),
        ("u1", "loan", "credit_scoring", datetime(2024, 1, 1), datetime(2024, 6, 1)),
        ("u2", "card", "credit_scoring", datetime(2024, 2, 1, 12), None),
    ]
    # again, with a revocation added: one change, nothing twice
    path.write_text(path.read_text().replace("+02:00,\n", "+02:00,2024-09-01\n", 1))
    again = credo("ingest", path, "--db", store_path)
    said = " ".join((again.stdout + again.stderr).split())
    assert "1 consents" in said and "events/s" not in said  # no event file, no rate
    assert query(store_path, "SELECT count(*) FROM consents") == [(3,)]
    assert query(
        store_path, "SELECT revoked_at FROM consents WHERE source = 'card' AND user_id = 'u1'"
    ) == [(datetime(2024, 9, 1),)]
    # compressed as exported: read as consents, the new revocation counted, nothing twice
    packed = tmp_path / "consents.csv.gz"
    packed.write_bytes(gzip.compress(path.read_bytes().replace(b",NA\n", b",2024-10-01\n")))
    third = credo("ingest", packed, "--db", store_path)
    assert third.returncode == 0, third.stderr
    assert "1 consents" in " ".join((third.stdout + third.stderr).split())
    assert query(store_path, "SELECT count(*) FROM consents") == [(3,)]


def test_a_consents_parquet_file_reads_its_stamps_as_a_csv_does(store_path, tmp_path):
    """Parquet consents with stamps as ISO text with an offset, or as pandas' nanoseconds,
    stopped `credo ingest` with a traceback, and an empty revoked_at was "before granted_at";
    they read now as the CSV reads them (text), at their instant (zoned), to the microsecond."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def people(*ids: str) -> dict:
        return {"user_id": list(ids), "source": ["bank"] * len(ids),
                "purpose": ["credit_scoring"] * len(ids)}  # fmt: skip

    text = pa.table({**people("a", "b", "c"),
                     "granted_at": ["2024-06-01T08:00:00+08:00", "2024-06-02", "2024-06-03"],
                     "revoked_at": ["", "NA", "2024-07-01T00:00:00Z"]})  # fmt: skip
    nanos = pa.array([1_717_200_000_000_000_001], pa.timestamp("ns"))
    eight = timezone(timedelta(hours=8))
    zoned = pa.array([datetime(2024, 6, 1, 8, tzinfo=eight)], pa.timestamp("us", tz="+08:00"))
    files = {
        "text": text,
        "nanos": pa.table(
            {**people("d"), "granted_at": nanos, "revoked_at": pa.nulls(1, pa.timestamp("ns"))}
        ),  # fmt: skip
        "zoned": pa.table({**people("e"), "granted_at": zoned, "revoked_at": pa.nulls(1)}),
    }
    paths = []
    for name, table in files.items():
        paths.append(tmp_path / f"{name}.parquet")
        pq.write_table(table, paths[-1])
    ran = credo("ingest", *paths, "--db", store_path)
    assert ran.returncode == 0 and "Traceback" not in ran.stderr, ran.stderr
    stored = query(store_path, "SELECT user_id, granted_at, revoked_at FROM consents ORDER BY 1")
    assert stored == [
        ("a", datetime(2024, 6, 1), None),
        ("b", datetime(2024, 6, 2), None),
        ("c", datetime(2024, 6, 3), datetime(2024, 7, 1)),
        ("d", datetime(2024, 6, 1), None),
        ("e", datetime(2024, 6, 1), None),  # 08:00 at +08:00 is midnight UTC
    ]
    # a text that is no date is named by its row, and a column of numbers by its type
    bad = text.set_column(3, "granted_at", pa.array(["2024-06-01", "soon", "2024-06-03"]))
    pq.write_table(bad, tmp_path / "bad.parquet")
    pq.write_table(files["text"].set_column(3, "granted_at", pa.array([1, 2, 3])),
                   tmp_path / "numbers.parquet")  # fmt: skip
    refusals = {"bad": "row 2, field granted_at: 'soon' is not an ISO 8601",
                "numbers": "field granted_at holds int64 values, not timestamps"}  # fmt: skip
    for name, said in refusals.items():
        refused = credo("ingest", tmp_path / f"{name}.parquet", "--db", store_path)
        assert refused.returncode != 0 and said in " ".join(refused.stderr.split()), refused.stderr
        assert "Traceback" not in refused.stderr
    assert query(store_path, "SELECT count(*) FROM consents") == [(5,)]


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("u3,card,credit_scoring,soon,", "line 3, field granted_at: 'soon' is not an ISO 8601"),
        ("u3,card,credit_scoring,2024-01-01T00:00:00+25:00,", "line 3, field granted_at"),
        ("u3,cards,credit_scoring,2024-01-01,", "line 3, field source: unknown source cards"),
        (",card,credit_scoring,2024-01-01,", "line 3, field user_id: must not be empty"),
        # the events' CSV reader takes NULL for a missing id: not a person called NULL here
        ("NULL,card,credit_scoring,2024-01-01,", "line 3, field user_id: 'NULL' is how a CSV"),
        ("NA,card,credit_scoring,2024-01-01,", "line 3, field user_id: 'NA' is how a CSV"),
        ("u3,card,credit_scoring,2024-05-01,2024-01-01", "line 3, field revoked_at: is before"),
    ],
)
def test_a_bad_consents_csv_line_is_named_and_nothing_is_stored(store_path, tmp_path, line, said):
    path = tmp_path / "consents.csv"
    path.write_text(
        "user_id,source,purpose,granted_at,revoked_at\nu1,card,credit_scoring,2024-01-01,\n"
        f"{line}\n"
    )
    ran = credo("ingest", path, "--db", store_path)
    assert ran.returncode != 0 and said in " ".join(ran.stderr.split()), ran.stderr
    assert query(store_path, "SELECT count(*) FROM consents") == [(0,)]


def test_a_consents_csv_line_of_another_number_of_fields_is_refused(store_path, tmp_path):
    """A line cut short (its revocation with it) had been stored as a grant that stands, one
    of a field too many stored without it, and one whose only given field lay past the header's
    stopped ingest with a traceback."""
    path = tmp_path / "consents.csv"
    path.write_text(
        "user_id,source,purpose,granted_at,revoked_at\n"
        "u1,card,credit_scoring,2024-01-01,\n"
        "u2,card,credit_scoring,2024-01-01\n"
        'u3,card,credit_scoring,2024-01-01,2024-02-01,"x\ny"\n'
        ",,,,,x\n"
        ",,,,,,\n"  # no field given: a blank row, as in the events
    )
    ran = credo("ingest", path, "--db", store_path)
    said = " ".join(ran.stderr.split())
    assert ran.returncode == 1 and "Traceback" not in ran.stderr, ran.stderr
    assert "3 bad rows, the file refused whole" in said, said
    for named in (
        "line 3, field row: 4 field(s) where the header has 5 (the line may be cut short)",
        "line 4, field row: 6 fields where the header has 5",
        "line 6, field row: 6 fields where the header has 5",
    ):
        assert named in said, said
    assert "user_id" not in said  # a line not read into fields is judged for none of them
    assert query(store_path, "SELECT count(*) FROM consents") == [(0,)]


def test_every_bad_consents_row_is_named_at_once(store_path, tmp_path):
    """Only the first bad row was named: a furnisher fixed a file in as many rounds as it
    had bad rows (a third one, a purpose of marketing, never reached)."""
    path = tmp_path / "consents.csv"
    path.write_text(
        "user_id,source,purpose,granted_at,revoked_at\n"
        "u1,card,credit_scoring,2024-01-01,\n"
        "u2,cards,credit_scoring,2024-01-01,\n"
        "u3,bank,credit_scoring,2024-05-01,2024-01-01\n"
        "u4,bank,marketing,2024-01-01,\n"
        "u5,bank,credit_scoring,soon,\n"
        "u6,,credit_scoring,2024-01-01,\n"
    )
    ran = credo("ingest", path, "--db", store_path)
    said = " ".join(ran.stderr.split())
    assert ran.returncode != 0 and "5 bad rows, the file refused whole" in said
    for named in (
        "line 3, field source: unknown source cards",
        "line 4, field revoked_at: is before granted_at",
        "line 5, field purpose: unknown purpose marketing",
        "line 6, field granted_at: 'soon' is not an ISO 8601",
        "line 7, field source: unknown source (empty)",
    ):
        assert named in said, said
    assert said.count("field granted_at") == 1  # not again as "must be set"
    assert query(store_path, "SELECT count(*) FROM consents") == [(0,)]


def test_a_consents_file_in_a_folder_of_events_and_a_grant_revoked_in_a_later_row(
    store_path, tmp_path
):
    # an export of changes gives a grant as granted, then again as revoked: the revocation
    # stands (two rows were stored, one of them still open); a blank line still counts
    folder = tmp_path / "drop"
    folder.mkdir()
    write_csv(folder / "events.csv", [event("payment", 1)])
    (folder / "consents.csv").write_text(
        "user_id,source,purpose,granted_at,revoked_at\n"
        "u1,card,credit_scoring,2024-01-01,\n\n"
        "u1,card,credit_scoring,2024-01-01,2024-03-01\n"
    )
    ran = credo("ingest", folder, "--db", store_path)
    assert ran.returncode == 0, ran.stderr
    assert query(store_path, "SELECT user_id, revoked_at FROM consents") == [
        ("u1", datetime(2024, 3, 1))
    ]
    with connect(store_path, read_only=True) as con:
        assert consent.active_sources(con, "u1", "credit_scoring", "2024-05-01") == []
    # a later file corrects the revocation to an earlier day: the earliest stands, as within
    # a file (it was left at the first day told, silently); a later day changes nothing
    for day, stored in (("2024-02-01", datetime(2024, 2, 1)), ("2024-04-01", datetime(2024, 2, 1))):
        (folder / "consents.csv").write_text(
            f"user_id,source,purpose,granted_at,revoked_at\nu1,card,credit_scoring,2024-01-01,{day}\n"
        )
        assert credo("ingest", folder, "--db", store_path).returncode == 0
        assert query(store_path, "SELECT revoked_at FROM consents") == [(stored,)]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "user_id,source,purpose,granted_at,revoked_at\nu1,card,credit_scoring,2024-01-01,\n\n"
        "u2,card,credit_scoring,soon,\n"
    )
    refused = credo("ingest", bad, "--db", store_path)
    assert refused.returncode != 0 and "line 4, field granted_at" in refused.stderr


def test_a_datasets_consents_csv_is_checked_for_its_columns(store_path, tmp_path):
    # a dataset's consents.csv is read as consents by its name, not by its columns: a column
    # too many or too few is refused by name (it was read as an empty purpose), and a header
    # with spaces around a name is read as the name
    dataset = tmp_path / "dataset"
    (dataset / "events").mkdir(parents=True)
    write_csv(dataset / "events" / "part-0.csv", [event("payment", 1)])
    consents = dataset / "consents.csv"
    consents.write_text("user_id,source,channel,granted_at,revoked_at\nu1,card,app,2024-01-01,\n")
    ran = credo("ingest", dataset, "--format", "csv", "--db", store_path)
    said = " ".join(ran.stderr.split())
    assert ran.returncode != 0 and "unknown: 'channel'; missing: purpose" in said, ran.stderr
    assert query(store_path, "SELECT count(*) FROM consents") == [(0,)]
    consents.write_text(
        "user_id, source ,purpose,granted_at,revoked_at\nu1,card,credit_scoring,2024-01-01,\n"
    )
    ran = credo("ingest", dataset, "--format", "csv", "--db", store_path)
    assert ran.returncode == 0, ran.stderr
    assert query(store_path, "SELECT user_id, source FROM consents") == [("u1", "card")]
    # a column given twice is refused by name (the reader kept the last, silently)
    consents.write_text(
        "user_id,source,purpose,granted_at,revoked_at,purpose\n"
        "u2,card,credit_scoring,2024-01-01,,marketing\n"
    )
    ran = credo("ingest", dataset, "--format", "csv", "--db", store_path)
    assert ran.returncode != 0 and "given twice: purpose" in " ".join(ran.stderr.split())
    # an empty file holds no consents
    consents.write_text("")
    ran = credo("ingest", dataset, "--format", "csv", "--db", store_path)
    assert ran.returncode == 0, ran.stderr
    assert query(store_path, "SELECT count(*) FROM consents") == [(1,)]

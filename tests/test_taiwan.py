"""The Taiwan importer: counts, the mapping on real rows, protected attributes, bad input."""

from __future__ import annotations

import csv
import gzip
import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pytest
from conftest import DATA

from credo.events.dataset import read_consents, read_events, read_outcomes, read_protected
from credo.events.schema import EVENT_SCHEMA
from credo.events.taiwan import TaiwanFormatError, import_taiwan

CSV = DATA / "taiwan_credit_card.csv"
CREDO = Path(sys.executable).with_name("credo")
MONTH_OF = {k: 10 - k for k in range(1, 7)}  # suffix 1 = September ... 6 = April


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("taiwan") / "dataset"
    import_taiwan(CSV, out)
    return out


@pytest.fixture(scope="module")
def con(imported):
    con = duckdb.connect()
    con.register("events", read_events(imported))
    return con


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with CSV.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_client_gets_one_account_and_six_months(con):
    counts = con.execute(
        """SELECT count(DISTINCT user_id),
                  count(*) FILTER (WHERE type = 'account_opened'),
                  count(*) FILTER (WHERE type = 'profile')
           FROM events"""
    ).fetchone()
    assert counts == (20_000, 20_000, 20_000)
    per_user = con.execute(
        """SELECT DISTINCT count(*) FILTER (WHERE type = 'statement'),
                           count(*) FILTER (WHERE type = 'payment'),
                           count(*) FILTER (WHERE type = 'account_status')
           FROM events GROUP BY user_id"""
    ).fetchall()
    assert per_user == [(6, 6, 6)]


def test_events_have_the_schema_unique_ids_and_twd(imported, con):
    events = read_events(imported)
    assert events.schema.equals(EVENT_SCHEMA)
    assert pc.count_distinct(events.column("event_id")).as_py() == events.num_rows
    currencies = con.execute("SELECT DISTINCT currency FROM events WHERE amount IS NOT NULL")
    assert currencies.fetchall() == [("TWD",)]
    assert con.execute("SELECT count(*) FROM events WHERE amount < 0").fetchone() == (0,)


@pytest.mark.parametrize("index", [0, 1, 7, 123, 19_999])
def test_mapping_matches_the_csv_row(con, rows, index):
    row = rows[index]
    user = f"tw-{row['id']}"
    opened = con.execute(
        "SELECT ts, credit_limit FROM events WHERE user_id = ? AND type = 'account_opened'",
        [user],
    ).fetchone()
    assert opened[1] == float(row["limit_bal"])
    first_month = con.execute(
        "SELECT min(ts) FROM events WHERE user_id = ? AND type <> 'account_opened'"
        " AND type <> 'profile'",
        [user],
    ).fetchone()[0]
    assert opened[0] < first_month
    for k, month in MONTH_OF.items():
        start, end = datetime(2005, month, 1), datetime(2005, month + 1, 1)

        def one(event_type: str, start=start, end=end):
            return con.execute(
                "SELECT amount, due_date, days_past_due, credit_limit, attributes, ts"
                " FROM events WHERE user_id = ? AND type = ? AND ts >= ? AND ts < ?",
                [user, event_type, start, end],
            ).fetchall()

        (statement,) = one("statement")
        bill = float(row[f"bill_amt_{k}"])
        assert statement[0] == max(bill, 0.0)
        assert statement[1] == date(2005 + month // 12, month % 12 + 1, 20)
        if bill < 0:
            assert json.loads(statement[4]) == {"credit_balance": -bill}
        (payment,) = one("payment")
        assert payment[0] == float(row[f"pay_amt_{k}"])
        paid_for = json.loads(payment[4])["for_statement"]
        assert paid_for == f"2005-{month - 1:02d}"
        (status,) = one("account_status")
        raw = int(row[f"pay_status_{k}"])
        assert status[2] == 30 * max(raw, 0)
        assert status[3] == float(row["limit_bal"])
        assert json.loads(status[4])["pay_status"] == raw
        assert statement[5] < status[5]


def test_profile_holds_education_and_age_but_nothing_protected(con, rows):
    row = rows[0]
    (attributes,) = con.execute(
        "SELECT attributes FROM events WHERE user_id = ? AND type = 'profile'", [f"tw-{row['id']}"]
    ).fetchone()
    profile = json.loads(attributes)
    assert profile["age"] == int(row["age"])
    assert profile["education_code"] == int(row["education"])
    leaked = con.execute(
        """SELECT count(*) FROM events
           WHERE attributes LIKE '%sex%' OR attributes LIKE '%marri%'"""
    ).fetchone()[0]
    assert leaked == 0


def test_protected_outcomes_and_consents(imported, rows):
    protected = read_protected(imported).to_pylist()
    assert len(protected) == 20_000
    first = protected[0]
    assert first["user_id"] == f"tw-{rows[0]['id']}"
    assert first["sex"] == {"1": "male", "2": "female"}[rows[0]["sex"]]
    assert first["age"] == int(rows[0]["age"])
    assert {p["marriage"] for p in protected} <= {"married", "single", "other", "unknown"}

    outcomes = read_outcomes(imported)
    assert set(outcomes.column("as_of").to_pylist()) == {date(2005, 10, 1)}
    expected_bad = [int(row["bad"]) for row in rows]
    assert outcomes.column("bad").to_pylist() == expected_bad

    consents = read_consents(imported).to_pylist()
    assert len(consents) == 20_000 * 4
    assert {(c["source"], c["purpose"]) for c in consents} == {
        (s, p) for s in ("card", "identity") for p in ("credit_scoring", "credit_application")
    }
    assert max(c["granted_at"] for c in consents) < datetime(2005, 3, 1)


def _write_csv(path: Path, rows: list[dict[str, str]], fieldnames: list[str]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_any_csv_with_the_same_columns_imports_deterministically(tmp_path, rows):
    small = _write_csv(tmp_path / "small.csv", rows[:40], list(rows[0]))
    first = import_taiwan(small, tmp_path / "a")
    import_taiwan(small, tmp_path / "b")
    assert first.users == 40 and first.events == 40 * 20
    assert read_events(tmp_path / "a").equals(read_events(tmp_path / "b"))


def test_a_csv_saved_with_a_byte_order_mark_or_compressed_imports_as_the_plain_one(tmp_path, rows):
    plain = _write_csv(tmp_path / "plain.csv", rows[:20], list(rows[0]))
    with_bom = tmp_path / "excel.csv"  # Excel's "CSV UTF-8" starts with a byte-order mark
    with_bom.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    packed = tmp_path / "plain.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    import_taiwan(plain, tmp_path / "plain")
    for variant in (with_bom, packed):
        import_taiwan(variant, tmp_path / variant.name.replace(".", "_"))
        imported = read_events(tmp_path / variant.name.replace(".", "_"))
        assert imported.equals(read_events(tmp_path / "plain")), variant.name


def _uci_name(name: str, outcome: str) -> str:
    """The UCI original's name of one of the importer's columns."""
    if name.startswith("pay_status_"):
        k = int(name[-1])
        return f"PAY_{0 if k == 1 else k}"
    if name.startswith(("bill_amt_", "pay_amt_")):
        return name[:-2].upper() + name[-1]  # bill_amt_1: BILL_AMT1
    return outcome if name == "bad" else name.upper()


@pytest.mark.parametrize(
    ("outcome", "workbook_row"),
    [
        ("default payment next month", True),
        ("default payment next month", False),
        ("default.payment.next.month", False),
    ],
)
def test_the_uci_originals_column_names_import_as_the_repositorys(
    tmp_path, rows, outcome, workbook_row
):
    ours = _write_csv(tmp_path / "ours.csv", rows[:20], list(rows[0]))
    uci = tmp_path / "uci.csv"
    with uci.open("w", newline="") as handle:
        writer = csv.writer(handle)
        if workbook_row:  # the workbook's first row: an empty cell, then X1 ... X23, Y
            writer.writerow(["", *(f"X{i}" for i in range(1, 24)), "Y"])
        writer.writerow([_uci_name(name, outcome) for name in rows[0]])
        writer.writerows([list(row.values()) for row in rows[:20]])
    assert "PAY_0" in uci.read_text() and "BILL_AMT1" in uci.read_text()
    import_taiwan(ours, tmp_path / "ours")
    import_taiwan(uci, tmp_path / "uci")
    assert read_events(tmp_path / "uci").equals(read_events(tmp_path / "ours"))
    assert read_outcomes(tmp_path / "uci").equals(read_outcomes(tmp_path / "ours"))

    lines = uci.read_text().splitlines()
    first_row = 2 + workbook_row
    lines[first_row - 1] = lines[first_row - 1].replace(",", ",x", 1)  # LIMIT_BAL 'x...'
    uci.write_text("\n".join(lines) + "\n")
    with pytest.raises(TaiwanFormatError, match=f"line {first_row}, column limit_bal"):
        import_taiwan(uci, tmp_path / "broken")


def test_a_column_named_twice_is_refused_naming_both(tmp_path, rows):
    path = _write_csv(tmp_path / "twice.csv", rows[:5], [*rows[0], "default payment next month"])
    with pytest.raises(TaiwanFormatError, match="'bad' and 'default payment next month'"):
        import_taiwan(path, tmp_path / "out")


def test_a_workbook_or_a_row_cut_short_is_refused_saying_so(tmp_path, rows):
    workbook = tmp_path / "default of credit card clients.xls"
    workbook.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8)
    with pytest.raises(TaiwanFormatError, match="is an Excel workbook, not a CSV file"):
        import_taiwan(workbook, tmp_path / "out")
    path = _write_csv(tmp_path / "short.csv", rows[:5], list(rows[0]))
    lines = path.read_text().splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0]  # the last field of line 4 left off
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(TaiwanFormatError, match="line 4: 24 field.s. where the header has 25"):
        import_taiwan(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r, f: (r, [c for c in f if c != "pay_amt_3"]), "missing column.*pay_amt_3"),
        (lambda r, f: ([{**r[0], "bill_amt_2": "lots"}, *r[1:]], f), "line 2, column bill_amt_2"),
        (lambda r, f: (r[:2] + [{**r[2], "pay_status_4": "12"}], f), "line 4, column pay_status_4"),
        (lambda r, f: ([*r, r[0]], f), "appears twice"),
        (lambda r, f: ([{**r[0], "bad": "2"}, *r[1:]], f), "column bad"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(tmp_path, rows, change, message):
    bad_rows, fieldnames = change([dict(r) for r in rows[:5]], list(rows[0]))
    path = _write_csv(tmp_path / "bad.csv", bad_rows, fieldnames)
    with pytest.raises(TaiwanFormatError, match=message):
        import_taiwan(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cli_imports_and_reports_bad_files(tmp_path, rows):
    good = _write_csv(tmp_path / "good.csv", rows[:30], list(rows[0]))
    done = subprocess.run(
        [str(CREDO), "import", "taiwan", str(good), "--out", str(tmp_path / "ok")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "30" in done.stdout
    broken = _write_csv(tmp_path / "broken.csv", rows[:3], [c for c in rows[0] if c != "limit_bal"])
    failed = subprocess.run(
        [str(CREDO), "import", "taiwan", str(broken), "--out", str(tmp_path / "no")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failed.returncode == 1
    assert "limit_bal" in failed.stderr and "missing" in failed.stderr
    folder = subprocess.run(
        [str(CREDO), "import", "taiwan", str(tmp_path), "--out", str(tmp_path / "no")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    said = " ".join(folder.stderr.split())
    assert folder.returncode == 1 and "is a folder: give the Taiwan CSV file itself" in said


def test_the_store_accepts_every_imported_event(imported, store_path):
    from credo.events.ingest import ingest_paths

    result = ingest_paths(store_path, [imported], progress=False)
    assert (result.accepted, result.rejected, result.conflicts) == (400_000, 0, 0)
    assert result.consents == 80_000

"""Consent: which sources a person lets credo use, for which purpose, over which time.

The consents table holds one row per grant: (user_id, source, purpose, granted_at,
revoked_at). Revoking closes the open grant; granting again opens a new one, so the history
stays. The rule every reader of events applies (no consent, no use):

    a source is usable for purpose P at time D  iff  a grant for it with purpose P has
    granted_at <= D AND (revoked_at IS NULL OR revoked_at > D).

`consent_active_predicate` and `active_consents_sql` give that rule as plain SQL that both
DuckDB and Spark SQL accept.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from credo.compressed import inner_suffix, is_compressed, open_text
from credo.events.readers import CSV_MISSING
from credo.events.schema import (
    CONSENT_SCHEMA,
    MAX_CLOCK_SKEW,
    MAX_UTC_OFFSET,
    PURPOSES,
    SOURCES,
    utc_now,
)
from credo.events.validate import timestamp_of_text_sql
from credo.store.sql import first, run, scalar


class ConsentError(ValueError):
    """A consent request or consent file that cannot be applied; says what to do."""


def _check(source: str, purpose: str) -> None:
    if source not in SOURCES:
        raise ConsentError(f"unknown source {source!r}; use one of {', '.join(SOURCES)}")
    if purpose not in PURPOSES:
        raise ConsentError(f"unknown purpose {purpose!r}; use one of {', '.join(PURPOSES)}")


# the minutes of a UTC offset after a time ("+05:45", "-0330")
_OFFSET_TEXT = re.compile(r"[+-]\d{2}:?(\d{2})")


def as_utc(at: datetime | date | str | None) -> datetime:
    """A moment as a naive UTC datetime (the store's convention); None means now."""
    if at is None:
        return utc_now()
    if isinstance(at, str):
        text = at.strip()
        # RFC 3339 allows a lower-case t and z, as a consents file and an event's ts read them
        text = text[:10] + text[10:].upper()
        offset = _OFFSET_TEXT.search(text[10:])
        if offset is not None and int(offset.group(1)) > 59:
            # Python reads +05:75 as 6:15 hours; a consents file's stamp is refused for it
            raise ConsentError(
                f"{at!r} has a UTC offset of {offset.group(1)} minutes past the hour, which no"
                " place has (e.g. 2024-05-01T12:00:00+05:45)"
            )
        try:
            at = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ConsentError(
                f"{at!r} is not an ISO 8601 date or timestamp (e.g. 2024-05-01T12:00:00Z)"
            ) from exc
    if not isinstance(at, datetime):
        return datetime(at.year, at.month, at.day)
    if at.tzinfo is not None:
        offset = at.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            # as a consents file and an event's ts are read: no place is 15 hours off UTC
            raise ConsentError(
                f"{at.isoformat()} has a UTC offset of more than 14 hours, which no place has"
            )
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at


def _not_future(moment: datetime, verb: str) -> datetime:
    # A grant dated ahead would sit open and unusable until then, and block every grant and
    # revocation before it: consents are recorded when given, as events are when they happen.
    if moment > utc_now() + MAX_CLOCK_SKEW:
        raise ConsentError(
            f"cannot {verb} at {moment.isoformat()}: it is in the future; record a consent"
            " when it is given (leave out --at for now)"
        )
    return moment


def grant(
    con: duckdb.DuckDBPyConnection,
    user_id: str,
    source: str,
    purpose: str,
    at: datetime | date | str | None = None,
) -> bool:
    """Open a grant from `at` (default now). Returns False if one is already open."""
    _check(source, purpose)
    user_id = user_id.strip(" ")  # as ingest stores a person's id
    if not user_id.strip():
        raise ConsentError("the user id must not be empty")
    moment = _not_future(as_utc(at), "grant")
    open_grant = first(
        con,
        "SELECT granted_at FROM consents WHERE user_id = ? AND source = ? AND purpose = ?"
        " AND revoked_at IS NULL",
        [user_id, source, purpose],
    )
    if open_grant is not None:
        return False
    run(
        con,
        "INSERT INTO consents (user_id, source, purpose, granted_at) VALUES (?, ?, ?, ?)",
        [user_id, source, purpose, moment],
    )
    return True


def revoke(
    con: duckdb.DuckDBPyConnection,
    user_id: str,
    source: str,
    purpose: str,
    at: datetime | date | str | None = None,
) -> datetime:
    """Close the open grant at `at` (default now) and return when it had been granted; or
    move a revocation earlier, to `at`, where the grant revoked later covers it (the person
    withdrew sooner than first told: the earliest revocation told stands, as a consents
    file's does)."""
    _check(source, purpose)
    user_id = user_id.strip(" ")
    moment = _not_future(as_utc(at), "revoke")
    # the grant that covers the moment: open, or revoked later (then moved earlier), whether
    # or not a later grant is open (a correction of an earlier period)
    covering = first(
        con,
        "SELECT granted_at FROM consents WHERE user_id = ? AND source = ? AND purpose = ?"
        " AND granted_at <= ? AND (revoked_at IS NULL OR revoked_at > ?)"
        " ORDER BY granted_at DESC LIMIT 1",
        [user_id, source, purpose, moment, moment],
    )
    if covering is not None:
        run(
            con,
            "UPDATE consents SET revoked_at = ? WHERE user_id = ? AND source = ?"
            " AND purpose = ? AND granted_at = ?",
            [moment, user_id, source, purpose, covering[0]],
        )
        return covering[0]
    open_grant = first(
        con,
        "SELECT granted_at FROM consents WHERE user_id = ? AND source = ? AND purpose = ?"
        " AND revoked_at IS NULL ORDER BY granted_at DESC LIMIT 1",
        [user_id, source, purpose],
    )
    if open_grant is None:
        raise ConsentError(
            f"{user_id} has no open grant of {source} for {purpose}; nothing to revoke"
            " (see `credo consent list`)"
        )
    raise ConsentError(
        f"cannot revoke at {moment.isoformat()}: the grant started later, at"
        f" {open_grant[0].isoformat()}"
    )


def consent_active_predicate(
    as_of: str, consents: str = "c", purpose: str = "credit_scoring"
) -> str:
    """SQL condition: the consents row aliased `consents` allows `purpose` at `as_of`.

    `as_of` is any SQL expression of a timestamp or date (a column or a literal).
    """
    if purpose not in PURPOSES:
        raise ConsentError(f"unknown purpose {purpose!r}; use one of {', '.join(PURPOSES)}")
    return (
        f"{consents}.purpose = '{purpose}' AND {consents}.granted_at <= {as_of}"
        f" AND ({consents}.revoked_at IS NULL OR {consents}.revoked_at > {as_of})"
    )


def active_consents_sql(
    purpose: str = "credit_scoring", as_of: str = "CURRENT_TIMESTAMP", table: str = "consents"
) -> str:
    """SELECT DISTINCT user_id, source with an active grant for `purpose` at `as_of`."""
    return (
        f"SELECT DISTINCT c.user_id, c.source FROM {table} c"
        f" WHERE {consent_active_predicate(as_of, 'c', purpose)}"
    )


def active_sources(
    con: duckdb.DuckDBPyConnection,
    user_id: str,
    purpose: str = "credit_scoring",
    at: datetime | date | str | None = None,
) -> list[str]:
    """The sources `user_id` lets credo use for `purpose` at `at` (default now), sorted."""
    rows = run(
        con,
        f"SELECT DISTINCT c.source FROM consents c WHERE c.user_id = ?"
        f" AND {consent_active_predicate('?', 'c', purpose)} ORDER BY 1",
        [user_id, as_utc(at), as_utc(at)],
    )
    return [row[0] for row in rows]


def is_consents_file(path: Path) -> bool:
    """A CSV or Parquet file whose columns are exactly the consent fields (CONSENT_SCHEMA),
    in any order: a lender's consent records, loaded with its events by `credo ingest`."""
    names: list[str] = []
    try:
        suffix = inner_suffix(path)  # consents.csv.gz: a CSV file
        if suffix == ".csv":
            with open_text(path, encoding="utf-8-sig", newline="") as handle:
                names = [name.strip() for name in next(csv.reader(handle), [])]
        elif suffix == ".parquet" and not is_compressed(path):
            names = pq.read_schema(path).names
    except (OSError, EOFError, ValueError, pa.ArrowException, csv.Error, zipfile.BadZipFile):
        return False  # the reader that fails on it as events says why
    return sorted(names) == sorted(CONSENT_SCHEMA.names)


def read_consents_file(path: Path) -> pa.Table:
    """Read and check consents (CONSENT_SCHEMA) from Parquet, or from CSV with timestamps as
    ISO 8601 text (an offset or Z read as such, none as UTC; an empty `revoked_at` for a
    grant that stands); raises ConsentError naming the bad rows (a CSV's lines)."""
    if inner_suffix(path) == ".csv":
        return _read_consents_csv(path)
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise ConsentError(f"{path}: not a readable Parquet file ({exc})") from exc
    _check_columns(path, table.column_names)
    table, unread = _read_stamps(path, table, trim=False)
    return _checked_consents(path, table, lambda row: f"row {row}", unread)


_MISSING_TEXTS = "('', 'NA', 'N/A', 'NULL', 'NAN', 'NONE')"


def _read_consents_csv(path: Path) -> pa.Table:
    try:
        with open_text(path, encoding="utf-8-sig", errors="strict", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None:  # an empty file: no consents
                return pa.Table.from_pylist([], schema=CONSENT_SCHEMA.remove_metadata())
            reader.fieldnames = [name.strip() for name in reader.fieldnames]
            _check_columns(path, reader.fieldnames)
            rows, lines = [], []
            ragged: list[tuple[int, str, str]] = []
            for row in reader:
                # DictReader gives a line's fields beyond the header's as a list under None,
                # and those it lacks as None
                given = [v for k, v in row.items() if k is not None and v is not None]
                given += row.pop(None, [])
                if any(value.strip() for value in given):
                    rows.append(row)
                    # the line the row starts on: a quoted value may hold line breaks
                    inside = sum(value.count("\n") for value in given)
                    lines.append(reader.line_num - inside)
                    if len(given) != len(reader.fieldnames):
                        ragged.append(
                            (len(rows), "row", _ragged_reason(len(given), len(reader.fieldnames)))
                        )
    except (OSError, EOFError, UnicodeDecodeError, csv.Error, zipfile.BadZipFile) as exc:
        raise ConsentError(f"{path}: not a readable CSV file ({exc})") from exc
    text = pa.table(
        {n: pa.array([r.get(n) for r in rows], pa.string()) for n in CONSENT_SCHEMA.names}
    )
    table, unread = _read_stamps(path, text, trim=True)
    return _checked_consents(path, table, lambda row: f"line {lines[row - 1]}", ragged + unread)


def _ragged_reason(fields: int, expected: int) -> str:
    """Why a consents line of another number of fields than the header is refused: a field
    cut off may be its revocation, and one too many shifts none of the others' meaning back."""
    if fields > expected:
        return (
            f"{fields} fields where the header has {expected} (a field that holds a comma"
            " must be in double quotes)"
        )
    return f"{fields} field(s) where the header has {expected} (the line may be cut short)"


def _read_stamps(
    path: Path, given: pa.Table, trim: bool
) -> tuple[pa.Table, list[tuple[int, str, str]]]:
    """The consents with granted_at and revoked_at as UTC timestamps: ISO 8601 text read as a
    CSV's (an offset or Z as such, none as UTC; empty, NA, NULL... missing), a zoned timestamp
    at its instant, a nanosecond one to the microsecond, a date at its midnight; and the
    (row, field, reason) of each text that is no timestamp. `trim`: the ids, sources and
    purposes of a CSV, taken off their spaces."""
    con = duckdb.connect()
    try:
        run(con, "SET TimeZone = 'UTC'")
        # each row's number given with it: row_number() OVER () follows no set order
        numbered = given.append_column("n", pa.array(range(1, given.num_rows + 1), pa.int64()))
        con.register("numbered", numbered)
        stamps = {}
        unread: list[tuple[int, str, str]] = []
        for name in ("granted_at", "revoked_at"):
            kind = given.schema.field(name).type
            if pa.types.is_dictionary(kind):
                kind = kind.value_type
            if pa.types.is_string(kind) or pa.types.is_large_string(kind):
                # missing as the events' CSV reads it: empty, NA, NULL, ...
                value = (
                    f"CASE WHEN upper(trim({name})) IN {_MISSING_TEXTS} THEN NULL ELSE {name} END"
                )
                stamps[name] = timestamp_of_text_sql(value)
                unread += [
                    (n, name, f"{text!r} is not an ISO 8601 date or timestamp (e.g."
                     " 2024-05-01T12:00:00Z)")
                    for n, text in con.execute(
                        f"SELECT n, {name} FROM numbered WHERE {value} IS NOT NULL"
                        f" AND {stamps[name]} IS NULL ORDER BY n LIMIT {SHOWN_PROBLEMS + 1}"
                    ).fetchall()
                ]  # fmt: skip
            elif pa.types.is_timestamp(kind) or pa.types.is_date(kind) or pa.types.is_null(kind):
                # the session's UTC gives a zoned stamp's instant, and the cast drops the
                # digits below a microsecond (pandas writes nanoseconds)
                stamps[name] = f"CAST({name} AS TIMESTAMP)"
            else:
                raise ConsentError(
                    f"{path}: field {name} holds {kind} values, not timestamps; write them as"
                    " timestamps or as ISO 8601 text (e.g. 2024-05-01T12:00:00Z)"
                )
        ids = "NULLIF(trim(user_id, ' '), '')" if trim else "user_id"
        if trim:  # an id written NA or NULL is as missing as the events' CSV reader takes it
            written_missing = f"user_id IN ({', '.join(repr(t) for t in CSV_MISSING if t)})"
            ids = f"CASE WHEN {written_missing} THEN NULL ELSE {ids} END"
            unread += [
                (n, "user_id", f"{text!r} is how a CSV writes a missing value, not a person's id")
                for n, text in con.execute(
                    f"SELECT n, user_id FROM numbered WHERE {written_missing}"
                    f" ORDER BY n LIMIT {SHOWN_PROBLEMS + 1}"
                ).fetchall()
            ]
        words = ("trim(source)", "trim(purpose)") if trim else ("source", "purpose")
        table = con.sql(
            f"SELECT {ids} AS user_id, {words[0]} AS source, {words[1]} AS purpose,"
            f" {stamps['granted_at']} AS granted_at, {stamps['revoked_at']} AS revoked_at"
            " FROM numbered ORDER BY n"
        ).to_arrow_table()
    finally:
        con.close()
    return table, unread


def _check_columns(path: Path, names: list[str]) -> None:
    """A ConsentError unless the file's columns are exactly the consent fields."""
    extra = [repr(n) for n in names if n not in CONSENT_SCHEMA.names]
    missing = [n for n in CONSENT_SCHEMA.names if n not in names]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if extra or missing or repeated:
        raise ConsentError(
            f"{path}: consent columns must be {', '.join(CONSENT_SCHEMA.names)}, each once"
            + (f"; unknown: {', '.join(extra)}" if extra else "")
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; given twice: {', '.join(repeated)}" if repeated else "")
        )


# How many bad rows a refused consents file's error names (the rest are counted)
SHOWN_PROBLEMS = 10


def _checked_consents(
    path: Path,
    table: pa.Table,
    where: Callable[[int], str],
    unread: list[tuple[int, str, str]] = (),
) -> pa.Table:
    """The consents with the columns and types of CONSENT_SCHEMA, or a ConsentError naming the
    bad rows, every one of them up to SHOWN_PROBLEMS (`where` says where row n, counted from
    1, is in the file; `unread`: (row, field, reason) of timestamps written as text and not
    read, whose rows are not judged again for them, and of CSV lines of another number of
    fields than the header, field "row", not judged for any field). The file is refused whole,
    so that a furnisher fixes it in one round."""
    _check_columns(path, table.column_names)
    con = duckdb.connect()
    try:
        run(con, "SET TimeZone = 'UTC'")
        con.register("given", table)
        found = con.execute(_BAD_CONSENTS_SQL.format(limit=SHOWN_PROBLEMS + 1)).fetchall()
    finally:
        con.close()
    # a stamp not read is NULL here: "granted_at must be set" again, said once; a line of
    # another number of fields than the header (field "row") has no fields to judge
    stamped = {(row, field) for row, field, _ in unread}
    ragged = {row for row, field, _ in unread if field == "row"}
    problems = [p for p in unread if p[1] == "row" or p[0] not in ragged]
    problems += [p for p in found if (p[0], p[1]) not in stamped and p[0] not in ragged]
    if problems:
        problems.sort(key=lambda p: p[0])
        shown = problems[:SHOWN_PROBLEMS]
        said = "; ".join(f"{where(row)}, field {field}: {reason}" for row, field, reason in shown)
        if len(problems) > 1:
            more = " or more" if len(problems) > SHOWN_PROBLEMS else ""
            said = f"{len(shown)}{more} bad rows, the file refused whole: {said}"
        raise ConsentError(f"{path}: {said}; fix the file")
    table = table.select(CONSENT_SCHEMA.names).cast(CONSENT_SCHEMA.remove_metadata(), safe=True)
    # a person is their id, spaces aside, as the events' ingest stores it
    ids = pc.utf8_trim(table["user_id"], characters=" ")
    return table.set_column(table.schema.get_field_index("user_id"), "user_id", ids)


_BAD_CONSENTS_SQL = f"""
SELECT n, field, reason FROM (
  SELECT row_number() OVER () AS n,
    CASE
      WHEN user_id IS NULL OR trim(user_id) = '' THEN 'user_id'
      WHEN source IS NULL OR source NOT IN ({", ".join(f"'{s}'" for s in SOURCES)})
        THEN 'source'
      WHEN purpose IS NULL OR purpose NOT IN ({", ".join(f"'{p}'" for p in PURPOSES)})
        THEN 'purpose'
      WHEN granted_at IS NULL THEN 'granted_at'
      WHEN revoked_at < granted_at THEN 'revoked_at'
    END AS field,
    CASE
      WHEN user_id IS NULL OR trim(user_id) = '' THEN 'must not be empty'
      WHEN source IS NULL OR source NOT IN ({", ".join(f"'{s}'" for s in SOURCES)})
        THEN 'unknown source ' || coalesce(nullif(source, ''), '(empty)')
      WHEN purpose IS NULL OR purpose NOT IN ({", ".join(f"'{p}'" for p in PURPOSES)})
        THEN 'unknown purpose ' || coalesce(nullif(purpose, ''), '(empty)')
      WHEN granted_at IS NULL THEN 'must be set'
      WHEN revoked_at < granted_at THEN 'is before granted_at'
    END AS reason
  FROM given
) WHERE field IS NOT NULL ORDER BY n LIMIT {{limit}}
"""


def load_consents(con: duckdb.DuckDBPyConnection, table: pa.Table) -> int:
    """Store a consents file's rows idempotently; returns how many were new or revoked an
    open grant.

    A grant is identified by (user_id, source, purpose, granted_at): one already stored is
    not stored again, but a revocation the file adds to an open stored grant is applied, and
    so is one earlier than the stored grant's (a correction: the person withdrew sooner than
    first told). A file may give a grant twice, as granted and as revoked later (an export of
    changes): its earliest revocation stands, as across files; a later one changes nothing.
    """
    con.register("incoming_rows", table)
    run(
        con,
        "CREATE OR REPLACE TEMP VIEW incoming_consents AS SELECT user_id, source, purpose,"
        " granted_at, MIN(revoked_at) AS revoked_at FROM incoming_rows"
        " GROUP BY user_id, source, purpose, granted_at",
    )
    try:
        run(con, "BEGIN TRANSACTION")
        try:
            revoked = scalar(
                con,
                "UPDATE consents SET revoked_at = i.revoked_at FROM incoming_consents i"
                " WHERE consents.user_id = i.user_id AND consents.source = i.source"
                " AND consents.purpose = i.purpose AND consents.granted_at = i.granted_at"
                " AND i.revoked_at IS NOT NULL"
                " AND (consents.revoked_at IS NULL OR i.revoked_at < consents.revoked_at)",
            )
            added = scalar(
                con,
                "INSERT INTO consents SELECT DISTINCT i.user_id, i.source, i.purpose,"
                " i.granted_at, i.revoked_at FROM incoming_consents i"
                " WHERE NOT EXISTS (SELECT 1 FROM consents c WHERE c.user_id = i.user_id"
                " AND c.source = i.source AND c.purpose = i.purpose"
                " AND c.granted_at = i.granted_at)",
            )
            run(con, "COMMIT")
        except BaseException:
            run(con, "ROLLBACK")
            raise
    finally:
        run(con, "DROP VIEW incoming_consents")
        con.unregister("incoming_rows")
    return int(added) + int(revoked)


def list_consents(
    con: duckdb.DuckDBPyConnection, user_id: str | None = None
) -> list[tuple[str, str, str, datetime, datetime | None]]:
    """Consent rows, optionally of one user, oldest first."""
    where = "WHERE user_id = ?" if user_id is not None else ""
    return run(
        con,
        f"SELECT user_id, source, purpose, granted_at, revoked_at FROM consents {where}"
        " ORDER BY user_id, source, purpose, granted_at",
        [user_id] if user_id is not None else [],
    )

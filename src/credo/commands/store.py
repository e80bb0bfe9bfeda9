"""CLI verbs for the store: init, ingest, quarantine, consent, export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from credo import output
from credo.commands.common import (
    DbOption,
    check_output,
    check_writable,
    console,
    fail,
    flag,
    handle_store_errors,
    make_console,
)
from credo.events.enums import PURPOSES, SOURCES
from credo.events.ingest_options import DEFAULT_CHUNK_ROWS, FORMATS

# The verbs import the store, readers and pyarrow when they run, so that `credo --help`
# (and every other verb) starts without loading them.

stdout = make_console()

quarantine_app = typer.Typer(help="What ingestion refused, and why.", no_args_is_help=True)
consent_app = typer.Typer(
    help="Grant and revoke a person's consent to use a source for a purpose.",
    no_args_is_help=True,
)
export_app = typer.Typer(help="Write the store's data out as files.", no_args_is_help=True)


def init(db: DbOption = None) -> None:
    """Create a store (events, consents, quarantine, ingest batches), or migrate an older one
    to this credo's schema version. Safe to run again."""
    from credo.store.db import SCHEMA_VERSION, init_store

    with handle_store_errors():
        path = init_store(db)
    console.print(f"store ready at [bold]{path}[/] (schema version {SCHEMA_VERSION})")


INGEST_HELP = f"""Validate event files and store them.

PATH is a CSV, JSONL or Parquet file (format from the extension, or --format), a directory
of such files, or a dataset directory (an events/ folder of Parquet files plus
consents.parquet, as `credo generate` and `credo import` write): its events and consents
are loaded. A CSV or Parquet file whose columns are exactly user_id, source, purpose,
granted_at and revoked_at holds consents, and is loaded as such (checked whole first).
A CSV or JSONL file may come compressed (events.jsonl.gz, .bz2, .xz, or a .zip holding
one file): it is read as it is.

Each file streams in chunks of --chunk-rows rows; each chunk is stored in one transaction,
its accepted rows as Parquet segments beside the store (`credo compact` moves them into the
store file).
Invalid rows go to the quarantine with line (CSV, JSONL) or row (Parquet) number, field and
reason: see `credo quarantine list`. In a CSV file an empty field, NA, N/A, n/a, NULL, null,
NaN, nan or None is missing unless quoted ("NA" is the text NA; other text is judged as
written); blank lines are skipped and counted in the line numbers. A row whose event_id is
already stored with the same content is a duplicate and skipped; with other content it is a
conflict and quarantined.
Ingesting the same input again stores nothing new, and re-running a command that was
killed completes it. A file whose very bytes were stored whole before (every row accepted or
a duplicate) is not read again, and said so: a folder that grows by a file a day costs the
new file only (--recheck reads every file again). A file with refused rows is read again.

Exit status: 0 when every row was accepted or a duplicate; 2 when some rows were rejected
or conflicting (the valid ones are stored); 1 on a fatal error (missing or unreadable file,
unknown format, unknown or missing columns), with nothing from that file stored; the
consents given are loaded first, the files before it stay stored and those after it are
named as not read (run the same command again once it is fixed).

With --json, prints one JSON object: accepted, duplicates, conflicts, rejected,
events_per_s, consents, files, seconds, batches (skipped: the files of a directory that are
no event files; unchanged: the files not read again, each with the batch that stored it;
error on a fatal error).
Default chunk size: {DEFAULT_CHUNK_ROWS:,} rows."""


def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(metavar="PATH", help="Event files, directories or dataset directories."),
    ],
    db: DbOption = None,
    as_json: Annotated[
        bool, flag("--json", help="Print the counts as one JSON object on stdout.")
    ] = False,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help=f"Read every file as this format: {', '.join(FORMATS)}."),
    ] = None,
    chunk_rows: Annotated[
        int, typer.Option("--chunk-rows", min=1, help="Rows per chunk (one transaction each).")
    ] = DEFAULT_CHUNK_ROWS,
    recheck: Annotated[
        bool,
        flag(
            "--recheck",
            help="Read every file again, also those whose very bytes were stored whole before.",
        ),
    ] = False,
) -> None:
    from credo.events.ingest import IngestError, ingest_paths
    from credo.store.db import StoreError

    try:
        result = ingest_paths(
            db, paths, fmt=fmt, chunk_rows=chunk_rows, progress=True, recheck=recheck
        )
    except (IngestError, StoreError) as exc:
        if as_json:
            done = getattr(exc, "result", None)
            print(json.dumps({**(done.to_dict() if done else {}), "error": str(exc)}))
        fail(str(exc))
    if as_json:
        print(json.dumps(result.to_dict()))
    else:
        if result.files:
            console.print(
                f"{result.files} file(s): [green]{result.accepted:,} accepted[/],"
                f" {result.duplicates:,} duplicates, [yellow]{result.conflicts:,} conflicts[/],"
                f" [red]{result.rejected:,} rejected[/], {result.consents:,} consents"
                f" ({result.events_per_s:,.0f} events/s)"
            )
        elif not result.unchanged:  # consents alone: no event file, so no events and no rate
            console.print(f"{result.consents:,} consents (no event file given)")
        if result.unchanged:
            names = ", ".join(
                f"{Path(p).name} (batch {b})" for p, b in list(result.unchanged.items())[:5]
            )
            more = f" and {len(result.unchanged) - 5} more" if len(result.unchanged) > 5 else ""
            consents = "" if result.files else f"; {result.consents:,} consents"
            console.print(
                f"{len(result.unchanged)} file(s) not read again, their very bytes stored whole"
                f" before: {names}{more} (--recheck reads them again){consents}"
            )
        if result.skipped:
            names = ", ".join(Path(p).name for p in result.skipped[:5])
            more = f" and {len(result.skipped) - 5} more" if len(result.skipped) > 5 else ""
            console.print(
                f"[yellow]skipped {len(result.skipped)} file(s) without a .csv, .jsonl or"
                f" .parquet name:[/] {names}{more} (give a file with --format to read it)"
            )
        if not result.clean:
            console.print("see why with `credo quarantine list`" + _known_before(result))
    if not result.clean:
        raise typer.Exit(2)


def _known_before(result: Any) -> str:
    """A quarantined row is kept once per file: rows a re-run rejects again are listed under
    the batch that first quarantined them, which the user looking for them needs to know."""
    if not result.quarantined_before:
        return ""
    return (
        f" ({result.quarantined_before:,} of them were quarantined by an earlier run of the"
        " same file)"
    )


ingest.__doc__ = INGEST_HELP


_QUARANTINE_KEYS = (
    "batch", "path", "row", "event_id", "field", "reason", "raw", "quarantined_at", "accepted_later"
)  # fmt: skip
# A refused row whose event id the store holds: a fixed copy was sent and accepted, after it or
# before (the file re-sent with a line added refuses its fixed rows again, in a new batch, and
# they were listed as left to fix for good); a conflict's id was in the store before it, so
# only a later batch's copy counts for a conflict
_ACCEPTED_LATER = (
    "EXISTS (SELECT 1 FROM events AS e WHERE e.event_id = quarantine.event_id"
    " AND (e.batch_id > quarantine.batch_id OR quarantine.field <> 'event_id'))"
)


def quarantine_filter(
    batch: list[int] | None,
    field: str | None,
    file: str | None,
    reason: str | None,
    accepted_later: bool = True,
) -> tuple[str, list[Any]]:
    """The WHERE clause (and its parameters) that keeps the quarantined rows asked for
    (`accepted_later`: also those whose corrected copy was accepted later)."""
    where, params = [] if accepted_later else [f"NOT {_ACCEPTED_LATER}"], []
    if batch:
        where.append(f"batch_id IN ({', '.join('?' * len(batch))})")
        params.extend(batch)
    if field:
        where.append("field = ?")
        params.append(field)
    if file:
        where.append("contains(path, ?)")
        params.append(file)
    if reason:
        where.append("contains(lower(reason), lower(?))")
        params.append(reason)
    return (" WHERE " + " AND ".join(where) if where else ""), params


@quarantine_app.command("list")
def quarantine_list(
    db: DbOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show at most this many.")] = 50,
    batch: Annotated[
        list[int] | None, typer.Option("--batch", help="Only this ingest batch (repeatable).")
    ] = None,
    field: Annotated[
        str | None, typer.Option("--field", help="Only rows refused for this field, e.g. amount.")
    ] = None,
    file: Annotated[
        str | None,
        typer.Option("--file", help="Only rows of files whose path contains this text."),
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option("--reason", help="Only rows whose reason contains this text (any case)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write every matching row, with the row as it was read, to a .csv, .parquet or "
            ".jsonl file (no --limit) for the furnisher: each row says where it was refused and"
            " why, and `raw` holds the row as it was read, to be fixed and sent again as an"
            " event file.",
        ),
    ] = None,
    as_events: Annotated[
        bool,
        flag(
            "--as-events",
            help="With --out (.csv or .jsonl): write the rows as they were read, as an event"
            " file (the event fields as columns, no reasons), to fix and `credo ingest` again.",
        ),
    ] = False,
    as_json: Annotated[bool, flag("--json", help="Print a JSON array of rows on stdout.")] = False,
    every: Annotated[
        bool,
        flag(
            "--all",
            help="Also list refused rows whose corrected copy was accepted later (under the"
            " same event id), marked so.",
        ),
    ] = False,
) -> None:
    """Show refused rows, newest first: file, line/row number, event id, field, reason.

    Rows whose corrected copy was accepted later are left out unless --all. The table ends
    with how many matching rows each field was refused for. Filters combine: e.g. `credo
    quarantine list --batch 3 --field amount --out amount.csv`."""
    from credo.store.db import connect, db_path
    from credo.store.sql import run

    if as_events and out is None:
        fail("--as-events writes an event file: give it --out FILE.csv or --out FILE.jsonl")
    if as_events and every:
        fail(
            "--as-events writes the refused rows left to fix; --all would add those accepted"
            " since, to be sent again: leave out --all"
        )
    if out is not None:
        suffixes = (".csv", ".jsonl") if as_events else (".csv", ".parquet", ".jsonl")
        check_output(out, "--out", suffixes=suffixes, inputs=(db_path(db),))
    where, params = quarantine_filter(batch, field, file, reason, accepted_later=every)
    columns = (
        "batch_id, path, row_number, event_id, field, reason, raw, quarantined_at,"
        f" {_ACCEPTED_LATER} AS accepted_later FROM quarantine"
    )
    order = " ORDER BY quarantined_at DESC, batch_id DESC, row_number"
    with handle_store_errors():
        con = connect(db, read_only=True)
        try:
            total = run(con, "SELECT count(*) FROM quarantine")[0][0]
            refused_fields = (
                [f for (f,) in run(con, "SELECT DISTINCT field FROM quarantine")] if field else []
            )
            # per field, the rows these filters keep: left to fix, and fixed copies accepted
            scope, scope_params = quarantine_filter(batch, field, file, reason)
            counts = run(
                con,
                "SELECT field, count(*) FILTER (WHERE NOT later), count(*) FILTER (WHERE later)"
                f" FROM (SELECT field, {_ACCEPTED_LATER} AS later FROM quarantine{scope})"
                " GROUP BY field",
                scope_params,
            )
            fixed = 0 if every else sum(later for _, _, later in counts)
            listed = ((name, left + later * every) for name, left, later in counts)
            by_field = sorted(((n, c) for n, c in listed if c), key=lambda r: (-r[1], r[0]))
            if out is not None and as_events:
                # oldest first: the order the rows were sent in
                sent = " ORDER BY batch_id, path, row_number"
                raws = [r for (r,) in run(con, f"SELECT raw FROM quarantine{where}{sent}", params)]
                if raws:
                    written, unread = _write_as_events(raws, out)
            elif out is not None:
                _write_quarantine(con, f"SELECT {columns}{where}{order}", params, out)
            if out is None:
                rows = run(con, f"SELECT {columns}{where}{order} LIMIT ?", [*params, limit])
        finally:
            con.close()
    matching = sum(n for _, n in by_field)
    if field is not None and field not in refused_fields:
        known = ", ".join(sorted(refused_fields)) or "none"
        console.print(f"note: no row was refused for field {field!r} (fields refused: {known})")
    if fixed:
        console.print(
            f"[dim]{fixed:,} refused row(s) left out: a corrected copy of each was accepted"
            " later (--all lists them)[/]"
        )
    if out is not None and as_events:
        if not raws:
            console.print(f"no refused rows match: {out} not written")
            return
        console.print(f"wrote {written:,} refused row(s) as events to {out}: fix them, then"
                      f" `credo ingest {out}`")  # fmt: skip
        if unread:
            console.print(
                f"[yellow]{unread:,} row(s) could not be read into fields (not written): see"
                " their `raw` text with --out FILE.csv (without --as-events), or fix them in"
                " the file they came from[/]"
            )
        return
    if out is not None:
        console.print(f"wrote {matching:,} quarantined row(s) to {out}")
        return
    if as_json:
        items = [_json_item(dict(zip(_QUARANTINE_KEYS, row, strict=True))) for row in rows]
        print(json.dumps(items))
        return
    filtered = bool(batch or field or file or reason)
    if not rows:
        matched = " matching these filters" if filtered else ""
        stdout.print(f"quarantine: no refused rows{matched} left to fix ({total:,} in all)")
        return
    shown = f"{len(rows)} of {matching} matching rows ({total} in all)" if filtered else ""
    table = Table(title=f"quarantine: {shown or f'{len(rows)} of {matching} rows'}")
    keys = ("batch", "file", "row", "event_id", "field", "reason")
    for key in (*keys, "accepted later") if every else keys:
        table.add_column(key, overflow="fold")
    for batch_id, path, row, event_id, field_name, why, _, _, later in rows:
        cells = [str(batch_id), Path(path).name, str(row), event_id or "", field_name, why]
        table.add_row(*cells, *(["yes" if later else ""] if every else []))
    stdout.print(table)
    if by_field:
        stdout.print("refused for: " + ", ".join(f"{name} {n:,}" for name, n in by_field))


def _write_quarantine(con, select: str, params: list[Any], out: Path) -> None:
    """Every matching row to a file, its columns named as --json names them."""
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    table = con.sql(select, params=params).to_arrow_table().rename_columns(list(_QUARANTINE_KEYS))
    suffix = out.suffix.lower()
    with output.replacing(out) as temporary:
        if suffix == ".parquet":
            pq.write_table(table, temporary)
        elif suffix == ".csv":
            pa_csv.write_csv(table, temporary)
        else:
            with temporary.open("w", encoding="utf-8") as handle:
                for item in table.to_pylist():
                    handle.write(json.dumps(_json_item(item)) + "\n")


def _write_as_events(raws: list[str | None], out: Path) -> tuple[int, int]:
    """The refused rows as an event file, as they were read: JSONL, each row's text as it was
    read, a line each (text that is no JSON, a CSV line of too many fields, is left out);
    CSV, the event fields as columns, in the order of the event format, every value quoted (a
    quoted "NA" is the text NA, not a missing value) and a missing one empty (a row that was
    not read into fields is left out, and so is one a CSV cannot carry: a key given twice, an
    object or array in a field besides attributes). A row refused twice (sent again, in
    another file) is written once. Returns (written, left out)."""
    from credo.events.schema import FIELDS

    texts = list(dict.fromkeys(raw for raw in raws if raw is not None))
    never_read = len(raws) - sum(raw is not None for raw in raws)
    with output.replacing(out) as temporary:
        if out.suffix.lower() == ".jsonl":
            lines = [text for text in texts if _is_json(text)]
            objects = [_json_object(text) for text in lines]  # each parsed once
            fields = sorted({key for row in objects for key in (row or {})})
            firsts = {
                _same_event(row, fields) if row is not None else text: text
                for text, row in zip(reversed(lines), reversed(objects), strict=True)
            }
            kept = list(reversed(firsts.values()))
            temporary.write_text("".join(f"{text}\n" for text in kept), encoding="utf-8")
            return len(kept), never_read + len(texts) - len(lines)
        rows = [row for row in map(_csv_row, map(_json_object, texts)) if row is not None]
        seen = {key for row in rows for key in row}
        header = [f for f in FIELDS if f in seen] + sorted(seen - set(FIELDS))
        # one row refused from a CSV file and again from the same events as JSON lines (its
        # amount the text "-5" once, the number -5.0 once): written once, as first refused
        firsts = {_same_event(row, header): row for row in reversed(rows)}
        body = [
            ",".join(_csv_cell(row.get(k)) for k in header) for row in reversed(firsts.values())
        ]
        lines = [",".join(header), *body]  # event field names: nothing to quote
        temporary.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return len(body), never_read + len(texts) - len(rows)


_NUMBER_FIELDS = ("amount", "credit_limit", "days_past_due")


def _same_event(row: dict[str, Any], header: list[str]) -> tuple:
    """A refused row's fields as a key that one event sent as CSV text and as JSON shares:
    its numbers as numbers ("-5" and -5.0), an empty text as missing."""

    def value(field: str) -> Any:
        given = row.get(field)
        if given is None or given == "":
            return None
        if field in _NUMBER_FIELDS:
            try:
                return float(given)
            except (TypeError, ValueError):
                return str(given)
        return str(given)

    return tuple(value(field) for field in header)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


def _json_object(text: str) -> dict[str, Any] | None:
    """A row's fields, or None for a text that was no JSON object (a line never read) or one
    that gives a key twice (no one value: {"amount": 12, "amount": -3} came back as -3)."""
    repeated: list[bool] = []  # per object read, the outermost last

    def as_dict(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        row = dict(pairs)
        repeated.append(len(row) != len(pairs))
        return row

    try:
        row = json.loads(text, object_pairs_hook=as_dict)
    except json.JSONDecodeError:
        return None
    return row if isinstance(row, dict) and not repeated[-1] else None


def _csv_row(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """A row an event CSV can carry, or None: an object or array in a field besides attributes
    (refused as such) was written as its JSON text, which read back as a valid user id."""
    if row is None or any(isinstance(v, dict | list) for k, v in row.items() if k != "attributes"):
        return None
    return row


def _csv_cell(value: Any) -> str:
    """A field as an event CSV reads it back: empty for none; else quoted, an object
    (attributes) as JSON text, a number that is none (NaN) as the text it was."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, bool):
        value = "true" if value else "false"
    text = str(value)
    return '"' + text.replace('"', '""') + '"'


def _json_item(item: dict[str, Any]) -> dict[str, Any]:
    """A quarantined row as JSON takes it (its time as ISO 8601 text)."""
    return {**item, "quarantined_at": item["quarantined_at"].isoformat()}


PurposeOption = Annotated[
    str, typer.Option("--purpose", help=f"What the data may be used for: {', '.join(PURPOSES)}.")
]
AtOption = Annotated[
    str | None,
    typer.Option("--at", help="When (ISO 8601 date or timestamp; UTC unless an offset is given)."),
]
UserArg = Annotated[
    str, typer.Argument(metavar="USER", help="The person's (pseudonymous) user id.")
]
SourceArg = Annotated[
    str, typer.Argument(metavar="SOURCE", help=f"The data source: {', '.join(SOURCES)}.")
]


def _change_consent(verb: str, db: Path | None, *args: str | None) -> Any:
    """Run consent.grant or consent.revoke on the store; a refusal exits with its reason."""
    from credo.store import consent
    from credo.store.db import connect

    with handle_store_errors():
        con = connect(db)
        try:
            return getattr(consent, verb)(con, *args)
        except consent.ConsentError as exc:
            fail(str(exc))
        finally:
            con.close()


@consent_app.command("grant")
def consent_grant(
    user: UserArg,
    source: SourceArg,
    purpose: PurposeOption,
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Let credo use USER's SOURCE events for PURPOSE from --at (default now)."""
    created = _change_consent("grant", db, user, source, purpose, at)
    user = user.strip(" ")  # as stored: a person is their id, spaces aside
    if created:
        console.print(f"granted: {user} {source} for {purpose}")
    else:
        console.print(f"{user} already has an open grant of {source} for {purpose}; unchanged")


@consent_app.command("revoke")
def consent_revoke(
    user: UserArg,
    source: SourceArg,
    purpose: PurposeOption,
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Stop credo using USER's SOURCE events for PURPOSE from --at (default now)."""
    granted_at = _change_consent("revoke", db, user, source, purpose, at)
    user = user.strip(" ")
    console.print(f"revoked: {user} {source} for {purpose} (granted {granted_at.isoformat()})")


@consent_app.command("list")
def consent_list(
    user: Annotated[str | None, typer.Argument(metavar="USER", help="Only this user.")] = None,
    db: DbOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show at most this many.")] = 100,
) -> None:
    """Show consent grants and revocations."""
    from credo.store import consent
    from credo.store.db import connect

    with handle_store_errors():
        con = connect(db, read_only=True)
        try:
            rows = consent.list_consents(con, user)
        finally:
            con.close()
    table = Table(title=f"consents: {min(len(rows), limit)} of {len(rows)}")
    for key in ("user", "source", "purpose", "granted_at", "revoked_at"):
        table.add_column(key)
    for user_id, source, purpose, granted_at, revoked_at in rows[:limit]:
        revoked = revoked_at.isoformat() if revoked_at else ""
        table.add_row(user_id, source, purpose, granted_at.isoformat(), revoked)
    stdout.print(table)


@export_app.command("events")
def export_events_command(
    out: Annotated[Path, typer.Option("--out", help="The dataset directory to write.")],
    db: DbOption = None,
) -> None:
    """Write the store's events as Parquet under OUT/events/ and its consents as
    OUT/consents.parquet: a dataset directory that Spark (or `credo ingest`) reads."""
    from credo.store.db import connect, db_path
    from credo.store.export import ExportError, export_events

    if not (out.exists() and not out.is_dir()):  # a file: export_events says what to do
        check_writable(out, "--out", folder_out=True)
    with handle_store_errors():
        con = connect(db, read_only=True)
        try:
            written = export_events(con, out)
        except ExportError as exc:
            fail(str(exc))
        finally:
            con.close()
    import pyarrow.parquet as pq

    parts = sorted((written / "events").glob("*.parquet"))
    events = sum(pq.ParquetFile(part).metadata.num_rows for part in parts)
    consents = pq.ParquetFile(written / "consents.parquet").metadata.num_rows
    console.print(
        f"exported {events:,} events in {len(parts)} file(s) and {consents:,} consents to"
        f" {written} (store {db_path(db)})"
    )


def compact(db: DbOption = None) -> None:
    """Move the events that ingest left in Parquet segments beside the store into the store
    file itself, sorted by person and time, and delete the segment files. Afterwards the store
    is one file again and one person's events are found without reading every segment. Safe
    to run at any time; one transaction."""
    import time

    from credo.store.db import connect
    from credo.store.segments import compact as compact_store

    with handle_store_errors():
        con = connect(db)
        try:
            started = time.perf_counter()
            with console.status("moving segments into the store"):
                result = compact_store(con)
            seconds = time.perf_counter() - started
        finally:
            con.close()
    if not result.segments:
        console.print("nothing to compact: every event is already in the store file")
        return
    console.print(
        f"moved {result.rows:,} events from {result.segments} segment(s) into the store"
        f" in {seconds:.1f} s"
    )


def register(app: typer.Typer) -> None:
    """Add this area's verbs to the credo app."""
    app.command("init")(init)
    app.command("ingest", help=INGEST_HELP)(ingest)
    app.command("compact")(compact)
    app.add_typer(quarantine_app, name="quarantine")
    app.add_typer(consent_app, name="consent")
    app.add_typer(export_app, name="export")

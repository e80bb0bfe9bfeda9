"""Helpers for the ingestion tests: valid events of every type, files in every format, and
running the real `credo` command. (No tests here.)"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from credo.events.schema import EVENT_SCHEMA, FIELDS
from credo.store.db import connect

CREDO = Path(sys.executable).parent / "credo"

# One valid event of every type; each carries exactly what its type requires plus a few
# optional fields, as text (the way CSV and JSONL carry them).
EXAMPLES: dict[str, dict[str, str]] = {
    "account_opened": {"account_id": "card-1", "credit_limit": "5000"},
    "account_closed": {"account_id": "card-1"},
    "statement": {
        "account_id": "card-1",
        "amount": "812.40",
        "currency": "USD",
        "due_date": "2024-02-25",
    },
    "payment": {"account_id": "card-1", "amount": "300", "currency": "USD"},
    "account_status": {
        "account_id": "card-1",
        "amount": "512.40",
        "currency": "USD",
        "credit_limit": "5000",
        "days_past_due": "0",
    },
    "inquiry": {"category": "hard", "counterparty_id": "lender-9"},
    "income": {"amount": "4200", "currency": "EUR", "account_id": "chk-1"},
    "purchase": {"amount": "19.99", "currency": "GBP", "category": "books"},
    "refund": {"amount": "19.99", "currency": "GBP"},
    "transfer": {
        "amount": "50",
        "currency": "USD",
        "counterparty_id": "friend-2",
        "category": "out",
    },
    "balance": {
        "account_id": "chk-1",
        "amount": "120.5",
        "currency": "USD",
        "category": "in_credit",
    },
    "profile": {"attributes": '{"education": "university", "verified": true}'},
    "activity": {"attributes": '{"sessions": 12}'},
}
SOURCE_OF = {
    "income": "bank",
    "balance": "bank",
    "transfer": "payments",
    "purchase": "ecommerce",
    "refund": "ecommerce",
    "profile": "identity",
    "activity": "social",
}


def event(event_type: str = "payment", n: int = 1, **overrides: str | None) -> dict[str, Any]:
    """A valid event row (text values) of `event_type`, numbered `n`, with overrides."""
    row: dict[str, Any] = dict.fromkeys(FIELDS)
    row.update(
        event_id=f"ev-{event_type}-{n}",
        user_id=f"user-{n % 7}",
        source=SOURCE_OF.get(event_type, "card"),
        furnisher="first-bank",
        type=event_type,
        ts=f"2024-01-{1 + n % 28:02d}T10:{n % 60:02d}:00Z",
    )
    row.update(EXAMPLES[event_type])
    row.update(overrides)
    return row


def every_type(count: int) -> list[dict[str, Any]]:
    """`count` valid events cycling through every type."""
    types = list(EXAMPLES)
    return [event(types[i % len(types)], i) for i in range(count)]


def write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str] | None = None) -> Path:
    columns = columns or list(FIELDS)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
    return path


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w") as handle:
        for row in rows:
            handle.write(json.dumps({k: v for k, v in row.items() if v is not None}) + "\n")
    return path


def typed(row: dict[str, Any]) -> dict[str, Any]:
    """A text row converted to EVENT_SCHEMA Python values."""
    out = dict(row)
    out["ts"] = datetime.fromisoformat(row["ts"].replace("Z", "+00:00")).replace(tzinfo=None)
    for name in ("amount", "credit_limit"):
        out[name] = None if row[name] is None else float(row[name])
    out["due_date"] = None if row["due_date"] is None else date.fromisoformat(row["due_date"])
    out["days_past_due"] = None if row["days_past_due"] is None else int(row["days_past_due"])
    return out


def stored_form(row: dict[str, Any]) -> dict[str, Any]:
    """A text row as the store holds it: typed, attributes minified."""
    out = typed(row)
    if row["attributes"] is not None:
        compact = json.dumps(json.loads(row["attributes"]), separators=(",", ":"))
        out["attributes"] = compact
    return out


def write_parquet(path: Path, rows: list[dict[str, Any]]) -> Path:
    pq.write_table(pa.Table.from_pylist([typed(r) for r in rows], schema=EVENT_SCHEMA), path)
    return path


def credo(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the real credo command."""
    return subprocess.run(
        [str(CREDO), *map(str, args)], capture_output=True, text=True, timeout=timeout
    )


def query(db: Path, sql: str) -> list[tuple]:
    con = connect(db, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def stored_events(db: Path) -> list[tuple]:
    cols = ", ".join(f'"{c}"' for c in FIELDS)
    return query(db, f"SELECT {cols} FROM events ORDER BY event_id")

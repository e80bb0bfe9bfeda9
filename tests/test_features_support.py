"""Hand-built event histories for the feature tests (no tests here: shared helpers)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from credo.events.schema import CONSENT_SCHEMA, EVENT_SCHEMA, SOURCES

_ids = itertools.count()


def month_back(as_of: dt.date, months: int, day: int = 10) -> dt.datetime:
    """A timestamp in bucket `months` back from a first-of-month as_of (day in that month)."""
    index = as_of.year * 12 + as_of.month - 1 - (months + 1)
    return dt.datetime(index // 12, index % 12 + 1, day, 12, 0)


@dataclass
class History:
    """Events and consents for a few people, built by hand."""

    events: list[dict[str, Any]] = field(default_factory=list)
    consents: list[dict[str, Any]] = field(default_factory=list)

    def add(self, user: str, source: str, type_: str, ts: dt.datetime, **extra: Any) -> None:
        row = {name: None for name in EVENT_SCHEMA.names}
        row.update(
            event_id=f"e{next(_ids)}",
            user_id=user,
            source=source,
            furnisher=f"{source}-co",
            type=type_,
            ts=ts,
        )
        if "attributes" in extra and isinstance(extra["attributes"], dict):
            extra["attributes"] = json.dumps(extra["attributes"])
        if extra.get("amount") is not None and "currency" not in extra:
            extra["currency"] = "USD"
        row.update(extra)
        self.events.append(row)

    def grant(
        self,
        user: str,
        sources: tuple[str, ...] = SOURCES,
        at: dt.datetime = dt.datetime(2000, 1, 1),
        revoked: dt.datetime | None = None,
        purpose: str = "credit_scoring",
    ) -> None:
        for source in sources:
            self.consents.append(
                dict(
                    user_id=user, source=source, purpose=purpose, granted_at=at, revoked_at=revoked
                )
            )

    def event_table(self) -> pa.Table:
        return pa.Table.from_pylist(self.events, schema=EVENT_SCHEMA)

    def consent_table(self) -> pa.Table:
        return pa.Table.from_pylist(self.consents, schema=CONSENT_SCHEMA)

    def load(self, store_path: Path) -> None:
        """Insert into a store file."""
        from credo.store.db import connect

        con = connect(store_path)
        try:
            insert_into(con, self.event_table(), self.consent_table())
        finally:
            con.close()

    def write_dataset(self, root: Path) -> Path:
        (root / "events").mkdir(parents=True, exist_ok=True)
        pq.write_table(self.event_table(), root / "events" / "part-00000.parquet")
        pq.write_table(self.consent_table(), root / "consents.parquet")
        return root


def insert_into(con: duckdb.DuckDBPyConnection, events: pa.Table, consents: pa.Table) -> None:
    con = con.cursor()
    con.register("new_events", events)
    con.register("new_consents", consents)
    con.execute("INSERT INTO event_rows SELECT *, 0 FROM new_events")
    con.execute("INSERT INTO consents SELECT * FROM new_consents")
    con.unregister("new_events")
    con.unregister("new_consents")

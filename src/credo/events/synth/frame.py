"""Collects generated events as integer-coded numpy columns and builds one Arrow table.

Generators add whole streams at a time (arrays, never rows). Text columns are made once per
chunk: ids as fixed-width bytes written straight into Arrow buffers, low-cardinality text by
indexing small lookup arrays with integer codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from credo.events.schema import EVENT_SCHEMA, SOURCES, TYPES

CURRENCY = "USD"

# Per-person streams: each names an account (its account_id suffix) or a kind of activity.
# An event id is "<user_id>-<tag>-<serial>"; serials are unique within a person's stream.
ACCOUNT_STREAMS: tuple[str, ...] = (
    "card1", "card2", "card3", "loan1", "loan2", "bank", "utility", "telecom", "rent",
)  # fmt: skip
OTHER_STREAMS: tuple[str, ...] = ("shop", "p2p", "id", "social", "inq")
STREAMS: tuple[str, ...] = ACCOUNT_STREAMS + OTHER_STREAMS
STREAM = {name: code for code, name in enumerate(STREAMS)}
# How each stream appears in ids: all the same width, so ids are fixed-width and cheap to build.
ID_TAGS: dict[str, str] = {
    "card1": "card1", "card2": "card2", "card3": "card3", "loan1": "loan1", "loan2": "loan2",
    "bank": "bank1", "utility": "util1", "telecom": "phon1", "rent": "rent1",
    "shop": "shop1", "p2p": "peer1", "id": "iden1", "social": "socl1", "inq": "inqr1",
}  # fmt: skip

FURNISHERS: tuple[str, ...] = (
    "northbank-cards", "citrine-card", "harbor-credit", "northbank-loans", "mesa-auto-finance",
    "lendwell", "northbank", "riverside-credit-union", "grid-energy", "citywater",
    "telco-one", "skyline-mobile", "homeowners-lettings", "rentpay", "shopmart-online",
    "marketly", "payfriend", "quickpay", "govid-verify", "chatter-social",
)  # fmt: skip
FURNISHER = {name: code for code, name in enumerate(FURNISHERS)}

CATEGORIES: tuple[str, ...] = (
    "in", "out", "in_credit", "overdrawn", "hard", "soft",
    "salary", "gig", "benefits",
    "groceries", "fuel", "dining", "transport", "health", "entertainment", "travel", "cash",
    "electronics", "fashion", "home", "books", "beauty", "toys",
    "card", "personal_loan", "auto_loan",
)  # fmt: skip
CATEGORY = {name: code for code, name in enumerate(CATEGORIES)}

SOURCE = {name: code for code, name in enumerate(SOURCES)}
TYPE = {name: code for code, name in enumerate(TYPES)}

_NULL = -1


SERIAL_WIDTH = 7
PERSON_WIDTH = 8


def _as_void(matrix: np.ndarray) -> np.ndarray:
    """(n, w) uint8 rows as n opaque w-byte values (which numpy copies with memcpy)."""
    matrix = np.ascontiguousarray(matrix, np.uint8)
    return matrix.view(f"V{matrix.shape[1]}").ravel()


def _digit_table(width: int) -> np.ndarray:
    numbers = np.arange(10**width)
    columns = [(numbers // 10**power) % 10 + 48 for power in range(width - 1, -1, -1)]
    return _as_void(np.stack(columns, axis=1))


_DIGIT_TABLES = {width: _digit_table(width) for width in (1, 2, 3, 4)}


def _digits(values: np.ndarray, width: int) -> list[np.ndarray]:
    """Zero-padded decimal text of non-negative integers, as pieces for `join_bytes`."""
    values = np.asarray(values, np.int64)
    pieces = []
    remaining = width
    while remaining > 0:
        size = remaining % 4 or 4
        remaining -= size
        group = (values // 10**remaining) % 10**size
        pieces.append(_DIGIT_TABLES[size][group])
    return pieces


def _constant(text: str) -> np.ndarray:
    return np.frombuffer(text.encode(), f"V{len(text)}")


def _tag_table(template: str) -> np.ndarray:
    """The text `template` (with {tag}) for each stream, indexable by stream code."""
    texts = [template.format(tag=ID_TAGS[name]).encode() for name in STREAMS]
    return _as_void(np.array([np.frombuffer(text, np.uint8) for text in texts]))


def join_bytes(pieces: list[np.ndarray], n: int, valid: np.ndarray | None = None) -> pa.Array:
    """A string array whose row i is the concatenation of each piece's row i.

    A piece is an array of fixed-width opaque values (numpy void) of length n, or of length 1
    for the same text on every row. Rows where `valid` is False are null. The Arrow buffers
    are built directly: millions of ids cost a few memcpy passes, not per-string work.
    """
    layout = np.dtype([(f"p{i}", piece.dtype) for i, piece in enumerate(pieces)])
    rows = np.empty(n, layout)
    for i, piece in enumerate(pieces):
        rows[f"p{i}"] = piece
    width = layout.itemsize
    if valid is None:
        offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
        data, validity = rows.view(np.uint8), None
    else:
        offsets = np.zeros(n + 1, np.int32)
        np.cumsum(np.where(valid, width, 0), out=offsets[1:])
        data, validity = rows[valid].view(np.uint8), pa.array(valid).buffers()[1]
    return pa.Array.from_buffers(
        pa.string(), n, [validity, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


def person_ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    """The id of each person number: the prefix, then the number in 8 digits."""
    return join_bytes([_constant(prefix), *_digits(numbers, PERSON_WIDTH)], len(numbers))


def _lookup(values: tuple[str, ...]) -> pa.Array:
    """A lookup array where code c is at index c + 1 and index 0 is null (code -1)."""
    return pa.array([None, *values], pa.string())


@dataclass
class _Part:
    user: np.ndarray
    stream: np.ndarray
    serial: np.ndarray
    source: np.ndarray
    type: int
    furnisher: np.ndarray
    ts: np.ndarray
    amount: np.ndarray | None
    account: bool
    credit_limit: np.ndarray | None
    due_day: np.ndarray | None
    days_past_due: np.ndarray | None
    category: np.ndarray | None
    counterparty: np.ndarray | None
    attributes: pa.Array | str | None


class EventBuffer:
    """The events of one chunk of people, added stream by stream."""

    def __init__(self, id_prefix: str, first_person: int, window_end_us: np.ndarray) -> None:
        self.id_prefix = id_prefix
        self.first_person = first_person
        self.window_end_us = window_end_us
        self._parts: list[_Part] = []

    def __len__(self) -> int:
        return sum(len(part.user) for part in self._parts)

    def add(
        self,
        *,
        user: np.ndarray,
        stream: str | np.ndarray,
        serial: np.ndarray,
        source: str | np.ndarray,
        type: str,
        furnisher: str | np.ndarray,
        ts: np.ndarray,
        amount: np.ndarray | None = None,
        account: bool = False,
        credit_limit: np.ndarray | None = None,
        due_day: np.ndarray | None = None,
        days_past_due: np.ndarray | None = None,
        category: str | np.ndarray | None = None,
        counterparty: np.ndarray | None = None,
        attributes: pa.Array | str | None = None,
    ) -> None:
        """Add n events of one type; arrays are per event, scalars apply to all n.

        `stream`, `source`, `furnisher` and `category` are names or arrays of codes (STREAM,
        SOURCE, FURNISHER, CATEGORY). `account=True` sets account_id to "<user_id>-<tag>" (ID_TAGS).
        `counterparty` is an int array (-1 = none) written as "cp-<n>".
        """
        keep = np.asarray(ts) < self.window_end_us[user]
        if not keep.all():
            # Nothing is written after a person's performance window: it would lie in the future.
            def kept(value):
                if isinstance(value, np.ndarray):
                    return value[keep]
                return value.filter(pa.array(keep)) if isinstance(value, pa.Array) else value

            user, stream, serial, source, furnisher, ts, amount = map(
                kept, (user, stream, serial, source, furnisher, ts, amount)
            )
            credit_limit, due_day, days_past_due, category, counterparty, attributes = map(
                kept, (credit_limit, due_day, days_past_due, category, counterparty, attributes)
            )
        n = len(user)
        if n == 0:
            return

        def codes(value, table: dict[str, int], dtype) -> np.ndarray:
            if isinstance(value, str):
                return np.full(n, table[value], dtype)
            return np.asarray(value, dtype)

        self._parts.append(
            _Part(
                user=np.asarray(user, np.int64),
                stream=codes(stream, STREAM, np.int16),
                serial=np.asarray(serial, np.int64),
                source=codes(source, SOURCE, np.int8),
                type=TYPE[type],
                furnisher=codes(furnisher, FURNISHER, np.int16),
                ts=np.asarray(ts, np.int64),
                amount=None if amount is None else np.round(np.asarray(amount, np.float64), 2),
                account=account,
                credit_limit=credit_limit,
                due_day=due_day,
                days_past_due=days_past_due,
                category=None if category is None else codes(category, CATEGORY, np.int16),
                counterparty=counterparty,
                attributes=attributes,
            )
        )

    def sources_held(self, people: int) -> np.ndarray:
        """(people, len(SOURCES)) bool: which sources furnished anything about each person."""
        held = np.zeros((people, len(SOURCES)), bool)
        for part in self._parts:
            held[part.user, part.source] = True
        return held

    def to_table(self) -> pa.Table:
        """All added events as one EVENT_SCHEMA table, grouped by stream and type (rows are in
        no particular order: sorting millions of rows would cost more than the generation)."""
        parts = self._parts
        if not parts:
            return EVENT_SCHEMA.empty_table()
        user = np.concatenate([p.user for p in parts])
        ts = np.concatenate([p.ts for p in parts])
        n = len(user)

        def gather(values: list[np.ndarray], dtype) -> np.ndarray:
            return np.concatenate(values).astype(dtype, copy=False)

        def per_part(name: str, fill, dtype) -> np.ndarray:
            out = []
            for p in parts:
                value = getattr(p, name)
                out.append(np.full(len(p.user), fill, dtype) if value is None else value)
            return gather(out, dtype)

        def const(name: str, dtype) -> np.ndarray:
            return gather([np.full(len(p.user), getattr(p, name), dtype) for p in parts], dtype)

        stream = gather([p.stream for p in parts], np.int16)
        serial = gather([p.serial for p in parts], np.int64)
        if serial.size and (serial.min() < 0 or serial.max() >= 10**SERIAL_WIDTH):
            raise ValueError("an event serial does not fit its id; widen SERIAL_WIDTH")
        people = np.arange(self.first_person, self.first_person + int(user.max()) + 1)
        width = len(self.id_prefix) + PERSON_WIDTH
        texts = person_ids(self.id_prefix, people).buffers()[2]
        person = np.frombuffer(texts, np.uint8)[: len(people) * width]
        person = _as_void(person.reshape(len(people), width))[user]
        users = join_bytes([person], n)
        event_id = join_bytes(
            [person, _tag_table("-{tag}-")[stream], *_digits(serial, SERIAL_WIDTH)], n
        )
        has_account = const("account", np.bool_)
        account_id = join_bytes([person, _tag_table("-{tag}")[stream]], n, valid=has_account)
        amount = per_part("amount", np.nan, np.float64)
        money = ~np.isnan(amount)
        limit = per_part("credit_limit", np.nan, np.float64)
        due = per_part("due_day", _NULL, np.int32)
        dpd = per_part("days_past_due", _NULL, np.int32)
        category = per_part("category", _NULL, np.int16)
        counterparty = per_part("counterparty", _NULL, np.int64)
        columns = {
            "event_id": event_id,
            "user_id": users,
            "source": pa.array(SOURCES).take(pa.array(gather([p.source for p in parts], np.int8))),
            "furnisher": pa.array(FURNISHERS).take(
                pa.array(gather([p.furnisher for p in parts], np.int16))
            ),
            "type": pa.array(TYPES).take(pa.array(const("type", np.int8))),
            "ts": pa.array(ts, pa.timestamp("us")),
            "amount": pa.array(amount, mask=~money),
            "currency": pc.if_else(pa.array(money), CURRENCY, pa.nulls(n, pa.string())),
            "account_id": account_id,
            "credit_limit": pa.array(limit, mask=np.isnan(limit)),
            "due_date": pa.array(due, mask=due == _NULL).cast(pa.date32()),
            "days_past_due": pa.array(dpd, mask=dpd == _NULL),
            "category": _lookup(CATEGORIES).take(pa.array(category.astype(np.int32) + 1)),
            "counterparty_id": join_bytes(
                [_constant("cp-"), *_digits(np.maximum(counterparty, 0), SERIAL_WIDTH)],
                n,
                valid=counterparty != _NULL,
            ),
            "attributes": self._attributes(),
        }
        return pa.Table.from_arrays([columns[f.name] for f in EVENT_SCHEMA], schema=EVENT_SCHEMA)

    def _attributes(self) -> pa.Array:
        chunks = []
        for p in self._parts:
            n = len(p.user)
            if p.attributes is None:
                chunks.append(pa.nulls(n, pa.string()))
            elif isinstance(p.attributes, str):
                chunks.append(pa.array([p.attributes], pa.string()).take(np.zeros(n, np.int64)))
            else:
                chunks.append(p.attributes.cast(pa.string()))
        return pa.concat_arrays(chunks)

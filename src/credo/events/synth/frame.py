"""Collects generated events as integer-coded numpy columns and builds one Arrow table.

Generators add whole streams at a time (arrays, never rows). Text columns are made once per
chunk: ids as fixed-width bytes written straight into Arrow buffers (see text.py), and
low-cardinality text and repeated ids (user, account) as Arrow dictionaries over small
lookup arrays, which are nearly free to build and to write as Parquet.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from credo.events.schema import EVENT_SCHEMA, SOURCES, TYPES
from credo.events.synth.text import (
    as_pieces,
    constant,
    packed_decimal,
    string_array,
    take_rows,
    text_matrix,
)

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

# The text columns built as dictionaries, with their index types; the values are EVENT_SCHEMA's.
_DICTIONARY_INDEX = {
    "user_id": pa.int32(),
    "source": pa.int8(),
    "furnisher": pa.int16(),
    "type": pa.int8(),
    "currency": pa.int8(),
    "account_id": pa.int32(),
    "category": pa.int16(),
    "attributes": pa.int32(),
}
# EVENT_SCHEMA with those columns as dictionaries: the same values, cheaper to make and write.
ENCODED_EVENT_SCHEMA = pa.schema(
    [
        field.with_type(pa.dictionary(_DICTIONARY_INDEX[field.name], field.type))
        if field.name in _DICTIONARY_INDEX
        else field
        for field in EVENT_SCHEMA
    ]
)

_SOURCE_TEXT = pa.array(SOURCES, pa.string())
_TYPE_TEXT = pa.array(TYPES, pa.string())
_FURNISHER_TEXT = pa.array(FURNISHERS, pa.string())
_CATEGORY_TEXT = pa.array(CATEGORIES, pa.string())
_CURRENCY_TEXT = pa.array([CURRENCY], pa.string())
# "-<tag>" per stream code: an account id is "<user_id>-<tag>".
_TAG_TEXT = np.array([f"-{ID_TAGS[name]}".encode() for name in STREAMS], "V6")


def _person_text(prefix: str, numbers: np.ndarray) -> np.ndarray:
    """(len(numbers), width) bytes of each person number's id."""
    if len(numbers) and np.max(numbers) >= 10**PERSON_WIDTH:
        raise ValueError(f"person numbers must be below {10**PERSON_WIDTH:,}")
    return text_matrix([constant(prefix), packed_decimal(numbers, PERSON_WIDTH)], len(numbers))


def person_ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    """The id of each person number: the prefix, then the number in 8 digits."""
    return string_array(_person_text(prefix, np.asarray(numbers, np.int64)))


def _dictionary(codes: np.ndarray, values: pa.Array, index_type: pa.DataType, null=None):
    indices = pa.array(codes, index_type, mask=null)
    return pa.DictionaryArray.from_arrays(indices, values)


def _renumber(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(new codes, used old codes): codes renumbered 0.. over the values actually used."""
    used = np.flatnonzero(np.bincount(codes, minlength=size))
    new = np.zeros(size, np.int32)
    new[used] = np.arange(len(used), dtype=np.int32)
    return new[codes], used


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
        """All added events as one EVENT_SCHEMA table (see `to_encoded_table`)."""
        return self.to_encoded_table().cast(EVENT_SCHEMA)

    def to_encoded_table(self) -> pa.Table:
        """All added events as one ENCODED_EVENT_SCHEMA table: EVENT_SCHEMA's values, with
        low-cardinality text and ids as dictionaries. Rows are grouped by stream and type, in
        no particular order: sorting millions of rows would cost more than the generation."""
        parts = self._parts
        if not parts:
            return ENCODED_EVENT_SCHEMA.empty_table()
        lengths = np.array([len(p.user) for p in parts])

        def gather(name: str, dtype) -> np.ndarray:
            return np.concatenate([getattr(p, name) for p in parts]).astype(dtype, copy=False)

        def per_part(name: str, fill, dtype) -> np.ndarray:
            out = []
            for p in parts:
                value = getattr(p, name)
                out.append(np.full(len(p.user), fill, dtype) if value is None else value)
            return np.concatenate(out).astype(dtype, copy=False)

        def const(name: str, dtype) -> np.ndarray:
            return np.repeat(np.array([getattr(p, name) for p in parts], dtype), lengths)

        user = gather("user", np.int64)
        n = len(user)
        serial = gather("serial", np.int64)
        if serial.min() < 0 or serial.max() >= 10**SERIAL_WIDTH:
            raise ValueError("an event serial does not fit its id; widen SERIAL_WIDTH")
        person, people = _renumber(user, int(user.max()) + 1)
        person_text = _person_text(self.id_prefix, self.first_person + people)
        # "<user_id>-<tag>" for every (person, stream): account ids, and event ids' heads.
        streams = len(STREAMS)
        heads = text_matrix(
            [np.repeat(as_pieces(person_text), streams), np.tile(_TAG_TEXT, len(people))],
            len(people) * streams,
        )
        key = person * streams + gather("stream", np.int64)
        event_id = text_matrix(
            [take_rows(heads, key), packed_decimal(serial, SERIAL_WIDTH, lead="-")], n
        )
        has_account = const("account", np.bool_)
        account, accounts = _renumber(np.where(has_account, key, 0), len(heads))
        amount = per_part("amount", np.nan, np.float64)
        money = ~np.isnan(amount)
        limit = per_part("credit_limit", np.nan, np.float64)
        due = per_part("due_day", _NULL, np.int32)
        dpd = per_part("days_past_due", _NULL, np.int32)
        category = per_part("category", _NULL, np.int16)
        counterparty = per_part("counterparty", _NULL, np.int64)
        paid = counterparty != _NULL
        counterparty_text = text_matrix(
            [constant("cp"), packed_decimal(counterparty[paid], SERIAL_WIDTH, lead="-")],
            int(np.count_nonzero(paid)),
        )
        columns = {
            "event_id": string_array(event_id),
            "user_id": _dictionary(person, string_array(person_text), pa.int32()),
            "source": _dictionary(gather("source", np.int8), _SOURCE_TEXT, pa.int8()),
            "furnisher": _dictionary(gather("furnisher", np.int16), _FURNISHER_TEXT, pa.int16()),
            "type": _dictionary(const("type", np.int8), _TYPE_TEXT, pa.int8()),
            "ts": pa.array(gather("ts", np.int64), pa.timestamp("us")),
            "amount": pa.array(amount, mask=~money),
            "currency": _dictionary(np.zeros(n, np.int8), _CURRENCY_TEXT, pa.int8(), ~money),
            "account_id": _dictionary(
                account, string_array(heads[accounts]), pa.int32(), ~has_account
            ),
            "credit_limit": pa.array(limit, mask=np.isnan(limit)),
            "due_date": pa.array(due, mask=due == _NULL).cast(pa.date32()),
            "days_past_due": pa.array(dpd, mask=dpd == _NULL),
            "category": _dictionary(category, _CATEGORY_TEXT, pa.int16(), category == _NULL),
            "counterparty_id": string_array(counterparty_text, valid=paid),
            "attributes": self._attributes(lengths),
        }
        return pa.Table.from_arrays(
            [columns[f.name] for f in ENCODED_EVENT_SCHEMA], schema=ENCODED_EVENT_SCHEMA
        )

    def _attributes(self, lengths: np.ndarray) -> pa.DictionaryArray:
        """The attributes column as one dictionary: each small vocabulary once (statuses,
        reasons), and each part's own texts."""
        texts: list[pa.Array] = []
        first_code: dict[object, int] = {}
        size = 0
        codes = []
        for p, length in zip(self._parts, lengths, strict=True):
            value = p.attributes
            if value is None:
                codes.append(np.full(length, _NULL, np.int32))
                continue
            if isinstance(value, str):
                key, vocabulary, local = ("text", value), pa.array([value], pa.string()), None
            elif isinstance(value, pa.DictionaryArray):
                vocabulary = value.dictionary.cast(pa.string())
                key, local = ("vocabulary", tuple(vocabulary.to_pylist())), value.indices
            else:
                key, vocabulary, local = None, value.cast(pa.string()), None
            if key is None or key not in first_code:
                if key is not None:
                    first_code[key] = size
                texts.append(vocabulary)
                start, size = size, size + len(vocabulary)
            else:
                start = first_code[key]
            if local is not None:
                codes.append(start + local.to_numpy(zero_copy_only=False).astype(np.int32))
            elif isinstance(value, str):
                codes.append(np.full(length, start, np.int32))
            else:
                codes.append(np.arange(start, start + length, dtype=np.int32))
        code = np.concatenate(codes)
        dictionary = pa.concat_arrays(texts) if texts else pa.array([], pa.string())
        return _dictionary(code, dictionary, pa.int32(), code == _NULL)

"""The event: credo's one input format.

One row per thing that happened, furnished by a source, about one person. This module is
the single definition of the format: the Arrow schema used for files and the store, the
enumerations, which fields each type requires, and a pydantic model that checks one event
the way ingest checks a file's rows (for a service or another program taking single events).
Vectorised validation (events/validate.py) and the docs are built from these constants.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# The vocabularies live in enums.py (no heavy imports, for the CLI's help); they are part
# of the format and are imported from here too.
from credo.events.enums import PURPOSES, SOURCES, TYPES  # noqa: F401

# Fields every event must carry, whatever its type.
COMMON_REQUIRED: tuple[str, ...] = ("event_id", "user_id", "source", "furnisher", "type", "ts")

# Extra fields each type requires. A type that carries money requires `amount` and `currency`.
TYPE_REQUIRED: dict[str, tuple[str, ...]] = {
    "account_opened": ("account_id",),
    "account_closed": ("account_id",),
    "statement": ("account_id", "amount", "currency", "due_date"),
    "payment": ("account_id", "amount", "currency"),
    "account_status": ("account_id", "amount", "currency", "days_past_due"),
    "inquiry": (),
    "income": ("amount", "currency"),
    "purchase": ("amount", "currency"),
    "refund": ("amount", "currency"),
    "transfer": ("amount", "currency", "counterparty_id", "category"),
    "balance": ("account_id", "amount", "currency"),
    "profile": ("attributes",),
    "activity": (),
}

# Closed vocabularies for `category` on types where it carries meaning.
TRANSFER_DIRECTIONS: tuple[str, ...] = ("in", "out")
BALANCE_CATEGORIES: tuple[str, ...] = ("in_credit", "overdrawn")
INQUIRY_KINDS: tuple[str, ...] = ("hard", "soft")

# How far in the future a timestamp may be (furnisher clock skew) before it is refused.
MAX_CLOCK_SKEW = timedelta(minutes=5)
EARLIEST_TS = datetime(1900, 1, 1)
# The widest UTC offset a place has (Kiribati's +14:00; -12:00 the other way)
MAX_UTC_OFFSET = timedelta(hours=14)
# The largest amount or credit limit stored (a thousand trillion): a figure beyond it is a
# unit or decimal-point slip, and summed over months such figures run past what a double
# holds (1e308 twice is infinite: a feature of infinity) or lose their cents long before.
MAX_AMOUNT = 1e15

# Attribute keys that hold what people wrote, whom they know or what they browsed. credo
# never stores such content (no policy may use messages; contacts and browsing feed no
# feature), so an event whose attributes hold one of these keys, at any depth, with text, a
# list or an object under it, is refused at ingest (a number there is a count: kept). Keys
# are compared by their letters and digits in lower case: "messageText", "Message-Text" and
# "message_text" are one key (one that holds one of CONTENT_STEMS as written, its letters
# together: ingest looks for the keys only in texts that hold a stem).
# fmt: off
CONTENT_KEYS: dict[str, tuple[str, ...]] = {
    "message content": (
        "message", "messages", "message_text", "message_body", "message_content",
        "text_message", "text_messages", "chat", "chats", "chat_log", "chat_history", "sms",
        "sms_text", "sms_body", "email_body", "email_text", "email_content", "post_text",
        "post_content", "comment_text", "chat_messages", "sms_messages", "direct_messages",
        "emails", "inbox", "posts", "comments",
    ),
    "contacts": (
        "contacts", "contact_list", "contacts_list", "address_book", "phone_book",
        "friends_list", "friend_list", "friends", "friend_ids", "call_log", "call_history",
    ),
    "browsing content": (
        "browsing", "browsing_history", "browser_history", "visited_urls", "urls_visited",
        "urls", "search_history", "search_queries",
    ),
}
# Every content key holds one of these, whatever its case and separators.
CONTENT_STEMS: tuple[str, ...] = (
    "mess", "chat", "sms", "mail", "inbox", "post", "comment", "contact", "book", "friend",
    "call", "brows", "url", "search",
)
# fmt: on
CONTENT_STEM_PATTERN = "(?i)(" + "|".join(CONTENT_STEMS) + ")"


def key_form(key: str) -> str:
    """A key as CONTENT_KEYS are compared: its letters and digits in lower case."""
    return re.sub("[^a-z0-9]", "", key.lower())


CONTENT_KEY_FORMS: dict[str, str] = {
    key_form(key): kind for kind, keys in CONTENT_KEYS.items() for key in keys
}
assert all(re.search(CONTENT_STEM_PATTERN, key) for keys in CONTENT_KEYS.values() for key in keys)


def is_content_key(key: str) -> bool:
    return key_form(key) in CONTENT_KEY_FORMS and re.search(CONTENT_STEM_PATTERN, key) is not None


def content_keys(value: Any) -> list[str]:
    """The keys of a parsed JSON value, at any depth, that name content (CONTENT_KEYS) and
    hold text, a list or an object (a number or a flag under such a key is a count)."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if is_content_key(str(key)) and isinstance(inner, str | list | dict):
                found.append(str(key))
            found.extend(content_keys(inner))
    elif isinstance(value, list):
        for inner in value:
            found.extend(content_keys(inner))
    return found


# What follows "attributes hold 'key', which is <kind>" in a refusal (files and Event alike)
CONTENT_REFUSAL = (
    ": credo never stores what people wrote, whom they know or what they browsed; send counts"
    ' or tenure instead (e.g. {"messages_sent": 12})'
)


def content_refusal(key: str) -> str:
    """Why an event whose attributes hold `key` is refused."""
    return f"attributes hold {key!r}, which is {CONTENT_KEY_FORMS[key_form(key)]}{CONTENT_REFUSAL}"


FIELDS: tuple[str, ...] = (
    "event_id",
    "user_id",
    "source",
    "furnisher",
    "type",
    "ts",
    "amount",
    "currency",
    "account_id",
    "credit_limit",
    "due_date",
    "days_past_due",
    "category",
    "counterparty_id",
    "attributes",
)

# The Arrow schema of an event. `ts` is UTC without a zone attached; `attributes` is a JSON
# object serialised as text, so that every engine (DuckDB, Spark, pandas) reads it the same.
EVENT_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("user_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("furnisher", pa.string(), nullable=False),
        pa.field("type", pa.string(), nullable=False),
        pa.field("ts", pa.timestamp("us"), nullable=False),
        pa.field("amount", pa.float64()),
        pa.field("currency", pa.string()),
        pa.field("account_id", pa.string()),
        pa.field("credit_limit", pa.float64()),
        pa.field("due_date", pa.date32()),
        pa.field("days_past_due", pa.int32()),
        pa.field("category", pa.string()),
        pa.field("counterparty_id", pa.string()),
        pa.field("attributes", pa.string()),
    ]
)

# The same columns as DuckDB types, in schema order.
SQL_TYPES: dict[str, str] = {
    "event_id": "VARCHAR",
    "user_id": "VARCHAR",
    "source": "VARCHAR",
    "furnisher": "VARCHAR",
    "type": "VARCHAR",
    "ts": "TIMESTAMP",
    "amount": "DOUBLE",
    "currency": "VARCHAR",
    "account_id": "VARCHAR",
    "credit_limit": "DOUBLE",
    "due_date": "DATE",
    "days_past_due": "INTEGER",
    "category": "VARCHAR",
    "counterparty_id": "VARCHAR",
    "attributes": "VARCHAR",
}

# Text fields whose values are mostly distinct: not worth dictionary encoding, in memory or in
# Parquet. Every other text field repeats few values (people, sources, furnishers, types...).
MOSTLY_DISTINCT_TEXT: tuple[str, ...] = ("event_id", "attributes")
REPEATING_TEXT: tuple[str, ...] = tuple(
    name
    for name, sql_type in SQL_TYPES.items()
    if sql_type == "VARCHAR" and name not in MOSTLY_DISTINCT_TEXT
)

CONSENT_SCHEMA = pa.schema(
    [
        pa.field("user_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("purpose", pa.string(), nullable=False),
        pa.field("granted_at", pa.timestamp("us"), nullable=False),
        pa.field("revoked_at", pa.timestamp("us")),
    ]
)

OUTCOME_SCHEMA = pa.schema(
    [
        pa.field("user_id", pa.string(), nullable=False),
        pa.field("as_of", pa.date32(), nullable=False),
        pa.field("bad", pa.int8(), nullable=False),
    ]
)

# ISO 4217 active alphabetic codes.
_ISO_4217 = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL
    BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP
    ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR
    IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL
    LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR
    NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD
    SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX
    USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
"""
CURRENCIES: frozenset[str] = frozenset(_ISO_4217.split())


def currency_code(text: str) -> str:
    """A currency as stored: "usd" (as payment APIs write it) and " EUR" are USD and EUR
    (spaces trimmed and nothing else, as a person's id is)."""
    return text.strip(" ").upper()


def required_fields(event_type: str) -> tuple[str, ...]:
    """Every field an event of this type must carry."""
    return COMMON_REQUIRED + TYPE_REQUIRED[event_type]


def utc_now() -> datetime:
    """Now, in UTC, without a zone attached (the store's convention)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Event(BaseModel):
    """One event, checked as ingest checks a file's rows (credo has no HTTP API yet: this is
    the model a service taking single events validates with). Mirrors events/validate.py."""

    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(min_length=1)
    user_id: str = Field(min_length=1)
    source: str
    furnisher: str = Field(min_length=1)
    type: str
    ts: datetime
    amount: float | None = Field(default=None, ge=0, le=MAX_AMOUNT, allow_inf_nan=False)
    currency: str | None = None
    account_id: str | None = None
    credit_limit: float | None = Field(default=None, ge=0, le=MAX_AMOUNT, allow_inf_nan=False)
    due_date: date | None = None
    days_past_due: int | None = Field(default=None, ge=0)
    category: str | None = None
    counterparty_id: str | None = None
    attributes: dict[str, Any] | None = None

    @field_validator("user_id")
    @classmethod
    def _trimmed_user(cls, value: str) -> str:
        if not value.strip(" "):
            raise ValueError("must not be empty")
        return value.strip(" ")

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        if value not in SOURCES:
            raise ValueError(f"unknown source {value!r}; expected one of {', '.join(SOURCES)}")
        return value

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in TYPES:
            raise ValueError(f"unknown type {value!r}; expected one of {', '.join(TYPES)}")
        return value

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if currency_code(value) not in CURRENCIES:
            raise ValueError(f"{value!r} is not an ISO 4217 currency code")
        return currency_code(value)

    @field_validator("ts")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is not None:
            offset = value.utcoffset()
            if offset is not None and abs(offset) > MAX_UTC_OFFSET:
                raise ValueError(f"UTC offset {offset} is more than 14 hours: no place has it")
            value = value.astimezone(UTC).replace(tzinfo=None)
        if value > utc_now() + MAX_CLOCK_SKEW:
            raise ValueError("timestamp is in the future")
        if value < EARLIEST_TS:
            raise ValueError("timestamp is before 1900")
        return value

    @model_validator(mode="after")
    def _type_rules(self) -> Event:
        missing = [f for f in TYPE_REQUIRED[self.type] if getattr(self, f) in (None, "")]
        if missing:
            raise ValueError(f"a {self.type} event requires {', '.join(missing)}")
        if self.type == "transfer" and self.category not in TRANSFER_DIRECTIONS:
            raise ValueError("a transfer's category must be 'in' or 'out'")
        if self.type == "balance" and self.category not in (None, *BALANCE_CATEGORIES):
            raise ValueError("a balance's category must be 'in_credit' or 'overdrawn'")
        if self.type == "inquiry" and self.category not in (None, *INQUIRY_KINDS):
            raise ValueError("an inquiry's category must be 'hard' or 'soft'")
        held = content_keys(self.attributes)
        if held:
            raise ValueError(content_refusal(held[0]))
        return self

    def to_row(self) -> dict[str, Any]:
        """The event as a row of EVENT_SCHEMA."""
        row = self.model_dump()
        row["attributes"] = None if self.attributes is None else json.dumps(self.attributes)
        return row

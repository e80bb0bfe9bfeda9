"""Vectorised event validation: SQL that DuckDB runs over a whole chunk of raw rows at once.

A chunk arrives as an Arrow table with a `row_number` column and some of the event fields
(all text for CSV and JSONL, typed for Parquet). `staging_sql` turns it into typed event
columns plus `bad_field`, the first field that failed (NULL for a valid row);
`rejection_sql` explains the bad rows only, listing every failure, so the per-row string
work is paid only for rows that are refused.

Checks come from credo.events.schema, so the file path and the pydantic `Event` agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from credo.events.schema import (
    BALANCE_CATEGORIES,
    CONTENT_KEY_FORMS,
    CONTENT_KEYS,
    CONTENT_REFUSAL,
    CONTENT_STEM_PATTERN,
    CURRENCIES,
    EARLIEST_TS,
    FIELDS,
    INQUIRY_KINDS,
    MAX_AMOUNT,
    MAX_CLOCK_SKEW,
    SOURCES,
    SQL_TYPES,
    TRANSFER_DIRECTIONS,
    TYPE_REQUIRED,
    TYPES,
    currency_code,
    utc_now,
)
from credo.store.sql import sql_text

ROW_NUMBER = "row_number"
# A reader may add this text column to refuse a whole row before field checks (e.g. a JSONL
# line that is not a JSON object).
ROW_ERROR = "_row_error"
# A reader may add this text column holding the row exactly as read (a JSONL line).
RAW_TEXT = "_raw"
# A reader may add this text column naming the fields (comma-separated) that hold a JSON
# object or array where a value belongs.
NESTED = "_nested"
READER_COLUMNS = (ROW_ERROR, RAW_TEXT, NESTED)


@dataclass(frozen=True)
class Check:
    """One rule: rows where `failed` (SQL over raw `r_*` and typed columns) is true break it."""

    field: str
    failed: str
    reason: str  # SQL expression for the message; may quote the raw value


def sql_list(values: tuple[str, ...] | frozenset[str]) -> str:
    return "(" + ", ".join(sql_text(v) for v in sorted(values)) + ")"


def _raw(name: str) -> str:
    return f'"r_{name}"'


def _blank(name: str, columns: dict[str, pa.DataType]) -> str:
    """SQL: the raw value is absent, empty or only whitespace (cheap tests first)."""
    raw = _raw(name)
    if name not in columns:
        return "TRUE"
    if not is_text(columns[name]):
        return f"({raw} IS NULL)"
    # Only strings sorting before '!' can be empty or start with whitespace; the prefix
    # comparison is far cheaper than trimming every value.
    return f"({raw} IS NULL OR ({raw} < '!' AND trim({raw}) = ''))"


def is_text(arrow_type: pa.DataType) -> bool:
    return pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)


@dataclass(frozen=True)
class Vocabulary:
    """The distinct values a chunk holds in its enumerated fields.

    Checking the few distinct values once, instead of every row against a long IN list,
    turns the enum checks into `FALSE` for a clean chunk and a short IN list otherwise.
    """

    values: dict[str, frozenset[str]]

    def types_among(self, types: tuple[str, ...]) -> tuple[str, ...]:
        present = self.values.get("type", frozenset())
        return tuple(t for t in types if t in present)


_ENUM_FIELDS = ("source", "type", "currency")
_CATEGORY_SETS = {
    "transfer": TRANSFER_DIRECTIONS,
    "balance": BALANCE_CATEGORIES,
    "inquiry": INQUIRY_KINDS,
}


def vocabulary_sql(columns: dict[str, pa.DataType], source: str) -> str:
    """SQL returning one row: the distinct values of each enumerated field in `source`."""
    lists = [
        f"list(DISTINCT CAST({name} AS VARCHAR)) FILTER (WHERE {name} IS NOT NULL)"
        if name in columns
        else "[]"
        for name in _ENUM_FIELDS
    ]
    for event_type in _CATEGORY_SETS:
        lists.append(
            f"list(DISTINCT CAST(category AS VARCHAR)) FILTER (WHERE type = '{event_type}'"
            " AND category IS NOT NULL)"
            if "category" in columns and "type" in columns
            else "[]"
        )
    return f"SELECT {', '.join(lists)} FROM {source}"


def vocabulary_from_row(row: tuple) -> Vocabulary:
    names = [*_ENUM_FIELDS, *(f"category:{t}" for t in _CATEGORY_SETS)]
    return Vocabulary({n: frozenset(v or ()) for n, v in zip(names, row, strict=True)})


def vocabulary_from_arrow(table: pa.Table) -> Vocabulary | None:
    """The same as `vocabulary_sql` computed with Arrow on a raw chunk (no query, and off the
    thread that runs DuckDB); None when an enumerated column is not text (then use SQL,
    whose casts define how such values read)."""
    present = [n for n in (*_ENUM_FIELDS, "category") if n in table.column_names]
    if not all(is_text(value_type(table.schema.field(n).type)) for n in present):
        return None
    values = {n: _distinct(table[n]) if n in present else frozenset() for n in _ENUM_FIELDS}
    for event_type in _CATEGORY_SETS:
        values[f"category:{event_type}"] = frozenset()
    wanted = [t for t in _CATEGORY_SETS if t in values["type"]]
    if "category" in present and "type" in present and wanted:
        # Distinct (type, category) pairs, grouped once instead of one filter per type.
        # A file read in several row groups gives dictionary chunks with differing
        # dictionaries, which Arrow will not group until they are unified.
        pairs = (
            pa.table({"type": table["type"], "category": table["category"]})
            .unify_dictionaries()
            .group_by(["type", "category"])
            .aggregate([])
        )
        for event_type, category in zip(
            pairs["type"].to_pylist(), pairs["category"].to_pylist(), strict=True
        ):
            if event_type in wanted and category is not None:
                key = f"category:{event_type}"
                values[key] = values[key] | {category}
    return Vocabulary(values)


def value_type(arrow_type: pa.DataType) -> pa.DataType:
    """The type of the values: a dictionary's value type, else the type itself."""
    return arrow_type.value_type if pa.types.is_dictionary(arrow_type) else arrow_type


def _distinct(column: pa.ChunkedArray) -> frozenset[str]:
    unique = pc.unique(column)
    if pa.types.is_dictionary(unique.type):
        unique = unique.dictionary_decode()
    return frozenset(v for v in unique.to_pylist() if v is not None)


def _exact(expr: str, allowed: tuple[str, ...] | frozenset[str]) -> str:
    return f"{expr} NOT IN {sql_list(allowed)}"


def _quoted_raw(name: str) -> str:
    return f"coalesce('''' || CAST({_raw(name)} AS VARCHAR) || '''', 'NULL')"


def _types_requiring(name: str) -> tuple[str, ...]:
    return tuple(t for t, fields in TYPE_REQUIRED.items() if name in fields)


def timestamp_of_text_sql(text: str) -> str:
    """SQL for the UTC timestamp of ISO 8601 text (NULL where it is none): an offset or a
    named zone read as such, none as UTC (the session's time zone must be UTC)."""
    # A plain TIMESTAMP cast ignores a UTC offset or a named zone; TIMESTAMPTZ honours both
    # but is slower, so only strings whose time part holds anything beyond digits, separators
    # and Z take that path. DuckDB reads any offset, +25:00 too (a day and an hour off): the
    # world's run from -12:00 to +14:00; any within 14 hours is taken, minutes under 60.
    tail = f"substr({text}, 11)"
    # RFC 3339 allows a lower-case t and z: upper-cased there, where only an unusual text goes;
    # and an offset written a space after the time ("06:00:00 +01:00") joined to it
    zoned = (
        f"regexp_replace(regexp_replace(regexp_replace({text},"
        " '^([0-9]{4}-[0-9]{2}-[0-9]{2})t', '\\1T'), 'z$', 'Z'),"
        " '([0-9]) +([+-][0-9]{2}(:?[0-9]{2})?)$', '\\1\\2')"
    )
    offset = (
        f"regexp_extract(trim({tail}), '[+-]([0-9]{{2}})(:?([0-9]{{2}}))?(:?([0-9]{{2}}))?$',"
        " ['h', '_', 'm', '__', 's'])"
    )
    return (
        f"CASE WHEN NOT regexp_full_match({tail}, '[0-9T :.Z]*')"
        f" THEN CASE WHEN TRY_CAST({offset}.h AS INT) * 3600"
        f" + COALESCE(TRY_CAST({offset}.m AS INT), 0) * 60"
        f" + COALESCE(TRY_CAST({offset}.s AS INT), 0) > 14 * 3600"
        f" OR TRY_CAST({offset}.m AS INT) > 59 THEN NULL"
        f" ELSE TRY_CAST(TRY_CAST({zoned} AS TIMESTAMPTZ) AS TIMESTAMP) END"
        f" ELSE TRY_CAST({text} AS TIMESTAMP) END"
    )


def _cast_sql(name: str, arrow_type: pa.DataType | None) -> str:
    """The typed value of one field, NULL when absent or not convertible."""
    raw = _raw(name)
    if arrow_type is None:
        return f"CAST(NULL AS {SQL_TYPES[name]})"
    if is_text(arrow_type):
        if name == "attributes":
            # Stored minified, so the same JSON object counts as the same content whatever
            # its spacing (a CSV furnisher and a JSONL one write it differently).
            return (
                f"CASE WHEN json_valid({raw}) THEN CAST(json({raw}) AS VARCHAR)"
                f" ELSE NULLIF({raw}, '') END"
            )
        if name == "user_id":
            # " u1" and "u1" are one person, as the consents file reads them: a padded id
            # made a second person without the first one's consents. Spaces and nothing else,
            # as every reader of ids trims them (DuckDB's trim also took a no-break space off,
            # which the Arrow path and the consents kept)
            return f"NULLIF(trim({raw}, ' '), '')"
        if name == "currency":
            # as `currency_code` reads it: "usd" is USD
            return f"NULLIF(upper(trim({raw}, ' ')), '')"
        if SQL_TYPES[name] == "VARCHAR":
            return f"NULLIF({raw}, '')"
        if name == "ts":
            return timestamp_of_text_sql(raw)
    if name == "ts" and pa.types.is_timestamp(arrow_type) and arrow_type.tz is None:
        return f"CAST({raw} AS TIMESTAMP)"
    if SQL_TYPES[name] == "DATE" and pa.types.is_timestamp(arrow_type) and arrow_type.tz:
        # a due date is a day: a zoned timestamp's own day on its own clock, as the same
        # value written as text reads (a midnight of June 1st in Shanghai is June 1st, which
        # the session's UTC made May 31st and the statement overdue a day early)
        return f"TRY_CAST({_local_time(raw, arrow_type.tz)} AS DATE)"
    numeric = SQL_TYPES[name] in ("DOUBLE", "INTEGER", "BIGINT")
    if numeric and pa.types.is_boolean(arrow_type):
        return f"CAST(NULL AS {SQL_TYPES[name]})"  # true is no amount: "not a number"
    if SQL_TYPES[name] == "DOUBLE" and pa.types.is_float32(arrow_type):
        # a float32 0.1 is 0.10000000149011612 as a double: keep the number it was written as
        return f"TRY_CAST(CAST({raw} AS VARCHAR) AS DOUBLE)"
    return f"TRY_CAST({raw} AS {SQL_TYPES[name]})"


def _local_time(raw: str, zone: str) -> str:
    """A TIMESTAMPTZ's wall-clock time in `zone` (a name such as Asia/Shanghai, or an offset
    such as +08:00, which DuckDB's timezone() does not take)."""
    offset = re.fullmatch(r"([+-])(\d\d):?(\d\d)", zone)
    if offset is None:
        return f"timezone({sql_text(zone)}, {raw})"
    sign, hours, minutes = offset.groups()
    return f"(CAST({raw} AS TIMESTAMP) {sign} INTERVAL {int(hours) * 60 + int(minutes)} MINUTE)"


def _checks(
    columns: dict[str, pa.DataType], now: datetime, vocabulary: Vocabulary | None
) -> list[Check]:
    """The rules in reporting order. With a vocabulary, enum checks only test the values
    the chunk holds; without one, they use the full lists (for the few rejected rows)."""
    checks: list[Check] = []

    def unknown(field: str, allowed: tuple[str, ...] | frozenset[str], key: str = "") -> str:
        if vocabulary is None:
            return _exact(field, allowed)
        # the vocabulary holds the values as written; the check reads them as stored
        written = vocabulary.values.get(key or field, frozenset())
        if field == "currency":
            written = frozenset(currency_code(v) for v in written)
        bad = written - set(allowed)
        return f"{field} IN {sql_list(bad)}" if bad else "FALSE"

    if ROW_ERROR in columns:
        checks.append(Check("row", f"{ROW_ERROR} IS NOT NULL", ROW_ERROR))
    if NESTED in columns:
        for name in FIELDS:
            checks.append(
                Check(
                    name,
                    f"list_contains(string_split({NESTED}, ','), '{name}')",
                    "'a JSON object or array where a value belongs'",
                )
            )

    def missing(name: str) -> Check:
        return Check(name, _blank(name, columns), sql_text("required for every event"))

    def required_by_type(name: str) -> None:
        types = _types_requiring(name)
        if vocabulary is not None:
            types = vocabulary.types_among(types)
        if types:
            checks.append(
                Check(
                    name,
                    f"{_blank(name, columns)} AND type IN {sql_list(types)}",
                    "'required for ' || type || ' events'",
                )
            )

    def unconvertible(name: str, what: str) -> Check:
        return Check(
            name,
            f"NOT {_blank(name, columns)} AND {name} IS NULL",
            f"{_quoted_raw(name)} || ' is not {what}'",
        )

    for name in ("event_id", "user_id"):
        checks.append(missing(name))
    checks.append(missing("source"))
    checks.append(
        Check(
            "source",
            unknown("source", SOURCES),
            f"'unknown source ' || {_quoted_raw('source')} || '; expected one of "
            f"{', '.join(SOURCES)}'",
        )
    )
    checks.append(missing("furnisher"))
    checks.append(missing("type"))
    checks.append(
        Check(
            "type",
            unknown("type", TYPES),
            f"'unknown type ' || {_quoted_raw('type')} || '; expected one of {', '.join(TYPES)}'",
        )
    )
    checks.append(missing("ts"))
    # a time DuckDB reads with an offset no place has (+25:00, -15:00, +05:60) is told so
    as_text = f"trim(CAST({_raw('ts')} AS VARCHAR))"
    offset = "'[+-][0-9]{2}(:?[0-9]{2}){0,2}$'"
    checks.append(
        Check(
            "ts",
            f"NOT {_blank('ts', columns)} AND ts IS NULL",
            f"{_quoted_raw('ts')} || CASE WHEN regexp_matches({as_text}, {offset}) AND TRY_CAST("
            f"regexp_replace({as_text}, {offset}, '') AS TIMESTAMP) IS NOT NULL THEN ' has an"
            " offset no place has (more than 14 hours, or 60 minutes or more)' ELSE ' is not a"
            " timestamp (ISO 8601 expected, e.g. 2024-05-01T12:00:00Z)' END",
        )
    )
    latest = now + MAX_CLOCK_SKEW
    checks.append(
        Check(
            "ts",
            f"ts > TIMESTAMP '{latest.isoformat(sep=' ')}'",
            "'timestamp ' || CAST(ts AS VARCHAR) || ' UTC is in the future'",
        )
    )
    checks.append(
        Check(
            "ts",
            f"ts < TIMESTAMP '{EARLIEST_TS.isoformat(sep=' ')}'",
            "'timestamp ' || CAST(ts AS VARCHAR) || ' is before 1900'",
        )
    )

    required_by_type("amount")
    checks.append(unconvertible("amount", "a number"))
    checks.append(
        Check("amount", "NOT isfinite(amount)", f"{_quoted_raw('amount')} || ' is not finite'")
    )
    checks.append(
        Check(
            "amount",
            # NaN sorts above every number in DuckDB, and infinity is told as not finite
            f"isfinite(amount) AND amount > {MAX_AMOUNT!r}",
            "CAST(amount AS VARCHAR) || ' is larger than any amount credo stores"
            f" ({MAX_AMOUNT:.0e}): a unit or decimal-point slip?'",
        )
    )
    checks.append(
        Check(
            "amount",
            "amount < 0",
            "CAST(amount AS VARCHAR) || ' is negative; the direction belongs in"
            " the type (payment, refund, transfer category in/out)'",
        )
    )
    required_by_type("currency")
    checks.append(
        Check(
            "currency",
            unknown("currency", CURRENCIES),
            f"{_quoted_raw('currency')} || ' is not an ISO 4217 currency code (e.g. USD)'",
        )
    )
    required_by_type("account_id")
    checks.append(unconvertible("credit_limit", "a number"))
    checks.append(
        Check(
            "credit_limit",
            "NOT isfinite(credit_limit) OR credit_limit < 0",
            f"{_quoted_raw('credit_limit')} || ' is not a finite number >= 0'",
        )
    )
    checks.append(
        Check(
            "credit_limit",
            f"isfinite(credit_limit) AND credit_limit > {MAX_AMOUNT!r}",
            f"CAST(credit_limit AS VARCHAR) || ' is larger than any limit credo stores"
            f" ({MAX_AMOUNT:.0e}): a unit or decimal-point slip?'",
        )
    )
    required_by_type("due_date")
    checks.append(unconvertible("due_date", "a date (YYYY-MM-DD expected)"))
    required_by_type("days_past_due")
    checks.append(unconvertible("days_past_due", "an integer"))
    checks.append(
        Check(
            "days_past_due",
            f"TRY_CAST({_raw('days_past_due')} AS DOUBLE) <> days_past_due",
            f"{_quoted_raw('days_past_due')} || ' is not a whole number of days'",
        )
    )
    checks.append(
        Check(
            "days_past_due",
            "days_past_due < 0",
            "CAST(days_past_due AS VARCHAR) || ' is negative'",
        )
    )
    required_by_type("category")
    for event_type, allowed in _CATEGORY_SETS.items():
        checks.append(
            Check(
                "category",
                f"type = '{event_type}' AND "
                + unknown("category", allowed, f"category:{event_type}"),
                f"'{_article(event_type)} {event_type} event''s category must be one of"
                f" {', '.join(allowed)}, not '"
                f" || {_quoted_raw('category')}",
            )
        )
    required_by_type("counterparty_id")
    required_by_type("attributes")
    checks.append(
        Check(
            "attributes",
            "attributes IS NOT NULL AND NOT (json_valid(attributes)"
            " AND json_type(TRY_CAST(attributes AS JSON)) = 'OBJECT')",
            '\'not a JSON object (expected e.g. {"key": "value"})\'',
        )
    )
    checks.append(_content_check())
    return checks


# Every key of a JSON object's text, at any depth, whose value is text, an array or an
# object (a string followed by a colon and one of '"[{'): a number, true, false or null under
# such a key is a count or a flag, not content.
_JSON_KEYS = r"""regexp_extract_all(attributes, '"((?:[^"\\]|\\.)*)"\s*:\s*["\[{]', 1)"""


def _key_form_sql(key: str) -> str:
    """SQL of schema.key_form: the key's letters and digits in lower case."""
    return f"regexp_replace(lower({key}), '[^a-z0-9]', '', 'g')"


def _content_check() -> Check:
    """Attributes holding messages, contacts or browsing (schema.CONTENT_KEYS) are refused,
    naming the first such key and what it is."""
    forms = sql_list(frozenset(CONTENT_KEY_FORMS))
    stem = f"'{CONTENT_STEM_PATTERN}'"
    held = (
        f"list_filter({_JSON_KEYS},"
        f" lambda k: regexp_matches(k, {stem}) AND {_key_form_sql('k')} IN {forms})"
    )
    kinds = " ".join(
        f"WHEN {_key_form_sql(f'{held}[1]')}"
        f" IN {sql_list(frozenset(f for f, k in CONTENT_KEY_FORMS.items() if k == kind))}"
        f" THEN {sql_text(kind)}"
        for kind in CONTENT_KEYS
    )
    return Check(
        "attributes",
        # the stem test first: most texts hold none, and the keys are not read out of them
        f"attributes IS NOT NULL AND regexp_matches(attributes, {stem}) AND len({held}) > 0",
        f"'attributes hold ''' || {held}[1] || ''', which is ' || CASE {kinds} END"
        f" || {sql_text(CONTENT_REFUSAL)}",
    )


def _typed_sql(columns: dict[str, pa.DataType], source: str) -> str:
    raw_columns = [ROW_NUMBER]
    raw_columns += [name for name in READER_COLUMNS if name in columns]
    for name in FIELDS:
        if name in columns:
            raw_columns.append(f'"{name}" AS "r_{name}"')
        else:
            raw_columns.append(f'CAST(NULL AS VARCHAR) AS "r_{name}"')
    typed = [f'{_cast_sql(name, columns.get(name))} AS "{name}"' for name in FIELDS]
    return f"SELECT *, {', '.join(typed)} FROM (SELECT {', '.join(raw_columns)} FROM {source})"


def staging_sql(
    columns: dict[str, pa.DataType],
    source: str,
    now: datetime | None = None,
    vocabulary: Vocabulary | None = None,
) -> str:
    """SELECT row_number, the typed EVENT_SCHEMA columns and `bad_field` from `source`.

    `vocabulary` (from `vocabulary_sql` over the same source) makes the enum checks cheap.
    """
    checks = _checks(columns, now or utc_now(), vocabulary)
    first_failure = " ".join(f"WHEN {c.failed} THEN {sql_text(c.field)}" for c in checks)
    field_list = ", ".join(f'"{name}"' for name in FIELDS)
    return (
        f"SELECT {ROW_NUMBER}, {field_list}, CASE {first_failure} END AS bad_field"
        f" FROM ({_typed_sql(columns, source)})"
    )


def rejection_sql(
    columns: dict[str, pa.DataType],
    source: str,
    rows: str,
    now: datetime | None = None,
) -> str:
    """SELECT row_number, event_id, field, reason, raw for the rows whose numbers `rows` lists.

    `rows` is a SQL query returning row numbers. The reason lists every failure, first first;
    `raw` is the row as the file gave it, as JSON.
    """
    checks = _checks(columns, now or utc_now(), None)
    first_failure = " ".join(f"WHEN {c.failed} THEN {sql_text(c.field)}" for c in checks)
    reasons = ", ".join(
        f"CASE WHEN {c.failed} THEN {sql_text(c.field)} || ': ' || {c.reason} END" for c in checks
    )
    reason = f"concat_ws('; ', {reasons})"
    if ROW_ERROR in columns:  # a row that could not be read has no fields to report on
        reason = f"CASE WHEN {ROW_ERROR} IS NOT NULL THEN 'row: ' || {ROW_ERROR} ELSE {reason} END"
    if RAW_TEXT in columns:
        raw = RAW_TEXT
    else:
        fields = ", ".join(
            f'"{name}" := {_raw_value(name, columns[name])}' for name in FIELDS if name in columns
        )
        raw = f"CAST(to_json(struct_pack({fields})) AS VARCHAR)"
    return (
        f"SELECT {ROW_NUMBER}, CAST(r_event_id AS VARCHAR) AS event_id,"
        f" CASE {first_failure} END AS field,"
        f" {reason} AS reason,"
        f" {raw} AS raw"
        f" FROM ({_typed_sql(columns, source)})"
        f" WHERE {ROW_NUMBER} IN ({rows})"
    )


def _raw_value(name: str, arrow_type: pa.DataType) -> str:
    """SQL: one field of a refused row as `raw` keeps it. A zoned timestamp due date as the
    wall-clock time on its own clock, whose day it is (in the session's UTC a midnight of June
    1st in Shanghai read May 31st, and its fixed copy was stored a day early); a float32
    number as the number it was written as (0.1, not 0.10000000149011612), as it is stored."""
    if SQL_TYPES[name] == "DATE" and pa.types.is_timestamp(arrow_type) and arrow_type.tz:
        return f"CAST({_local_time(_raw(name), arrow_type.tz)} AS VARCHAR)"
    if SQL_TYPES[name] == "DOUBLE" and pa.types.is_float32(arrow_type):
        return f"TRY_CAST(CAST({_raw(name)} AS VARCHAR) AS DOUBLE)"
    return _raw(name)


def unknown_columns(names: list[str]) -> list[str]:
    """Columns that are not event fields (extra data belongs in `attributes`)."""
    return [n for n in names if n not in FIELDS and n not in (ROW_NUMBER, *READER_COLUMNS)]


def _article(word: str) -> str:
    """ "an" before a vowel ("an inquiry event"), else "a"."""
    return "an" if word[:1].lower() in "aeiou" else "a"

"""What a plain table's columns can be: inputs, a target, or things a scorecard must not bin.

Plain tables come from anywhere. Three kinds of column are read here before any model sees
them: numbers written as percentages ("13.5%", as loan books often export rates), which become
numbers; dates and timestamps, which are left out (a calendar date is not a risk: a duration
such as months since it is, and the table's owner should derive it); and identifiers, binned
by target rate they would fit noise: text columns whose every value is distinct, and whole
numbers, every one distinct, that either run without a gap (a row number, a CSV's index
column) or sit in a column named as an identifier (`id`, `customer_id`, `loan_no`,
`ClientID`); and columns with the same value in every row.
The target is read as 0/1, from numbers, booleans or named values (`--bad-value`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

# The shapes of numbers written as text are written without backslashes, so that the exported
# SQL checks a value with the same pattern on every engine (RE2 in DuckDB, Java's in Spark);
# a value is read only when the whole of it has the shape. Spaces: plain, tab, no-break, and
# the figure, thin and narrow no-break spaces of French and Swiss exports ("12,5\u202f%").
SPACES = " \t\u00a0\u2007\u2009\u202f"
_SPACE = f"[{SPACES}]*"
_PERCENT = re.compile(rf"^{_SPACE}[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+){_SPACE}%{_SPACE}$")
# 2016-03-01[ time], 3/1/2016, 2016-03, Mar-2016 / Mar-16 (as loan books export issue months)
_DATE_TEXT = re.compile(
    r"^\s*(\d{4}-\d{1,2}-\d{1,2}([ T].*)?|\d{1,2}/\d{1,2}/\d{4}([ T].*)?|\d{4}-\d{2}"
    r"|[A-Za-z]{3}-(\d{2}|\d{4}))\s*$"
)
MIN_ROWS_FOR_IDENTIFIER = 20
# id, cust_id, loan-no, account number, ClientID, pandas' "Unnamed: 0" index column
_IDENTIFIER_NAME = re.compile(
    r"(^|[^a-z0-9])(id|key|no|nr|num|number)$|^id[^a-z0-9]|^unnamed: \d+$", re.IGNORECASE
)
_CAMEL_ID = re.compile(r"[a-z](Id|ID)$")

DATE_REASON = "a date or time: derive a duration from it (e.g. months since) to use it"
IDENTIFIER_REASON = "an identifier: every value is distinct"
CONSTANT_REASON = "the same value in every row"
EMPTY_REASON = "no value in any row"
# every reason that says a column is a leak ends so
LEAK_QUESTION = "the outcome itself, or known only after it?"
SEPARATION_REASON = f"tells every good row from every bad one: {LEAK_QUESTION}"


def name_words(name: str) -> tuple[str, ...]:
    """A column name's words, lower case: split at anything not a letter or digit and where a
    capital follows a small letter or digit."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return tuple(word for word in re.split(r"[^a-z0-9]+", spaced.lower()) if word)


def _text_values(column: pd.Series) -> pd.Series | None:
    """The column's non-missing values as text when it holds text, else None."""
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return None
    if _is_datetime_dtype(column):
        return None
    values = column.dropna()
    if not all(isinstance(v, str) for v in values.head(1000)):
        return None
    return values.astype(str)


def _all_match(text: pd.Series, pattern: re.Pattern) -> bool:
    """Every distinct value matches (each looked at once; most columns fail at the first)."""
    return all(pattern.fullmatch(v) for v in pd.unique(text.to_numpy(dtype=object)))


def _matching(text: pd.Series, kind: str) -> pd.Series:
    """Which values of a text column are whole numbers written as `kind` (missing values are
    not). RE2 through Arrow: the engine DuckDB runs the exported SQL's check with."""
    strings = text.astype("string[pyarrow]")
    return strings.str.fullmatch(_TEXT_NUMBER_SHAPES[kind][0].pattern).fillna(False).astype(bool)


_DECIMAL_COMMA = re.compile(rf"^{_SPACE}[-+]?[0-9]+(,[0-9]+)?{_SPACE}$")
_CURRENCY = "$€£¥"


def _signed_or_in_brackets(amount: str) -> re.Pattern:
    """An amount with a sign, or in brackets without one: "(1,234)" is -1,234 as accounts
    and spreadsheets write a negative amount."""
    return re.compile(rf"^{_SPACE}(?:[-+]?{amount}|[(]{_SPACE}{amount}{_SPACE}[)]){_SPACE}$")


# 1,234.50 / $33,374 / -$5 / 999 / ($5) / 1,234 € (comma-separated files: the comma groups
# thousands)
_GROUPED = _signed_or_in_brackets(
    rf"[{_CURRENCY}]?{_SPACE}([0-9]{{1,3}}(,[0-9]{{3}})+|[0-9]+)([.][0-9]+)?{_SPACE}[{_CURRENCY}]?"
)
# 33.374,10 / 1.234 € / 96 800,00 € / 20,9% / (1.234 €) (other files: a point or a space
# groups thousands, the comma is decimal)
_GROUPS_OF_THOUSANDS = f"[0-9]{{1,3}}([.][0-9]{{3}})+|[0-9]{{1,3}}([{SPACES[2:]} ][0-9]{{3}})+"
_GROUPED_DECIMAL_COMMA = _signed_or_in_brackets(
    rf"[{_CURRENCY}]?{_SPACE}({_GROUPS_OF_THOUSANDS}|[0-9]+)(,[0-9]+)?{_SPACE}[{_CURRENCY}%]?"
)

# Every space goes first: the shapes allow them only where they say nothing ("-$ 5" is -5,
# "96 800,00 €" 96800, "12,5 %" 12.5), and engines trim different ones before a cast.
_NO_SPACES = tuple((c, "") for c in SPACES)
# How training read a text column as numbers: the edits, in order, that leave the number's
# text (the SQL export makes the same edits, then a TRY_CAST)
TEXT_NUMBER_EDITS: dict[str, tuple[tuple[str, str], ...]] = {
    "percent": (*_NO_SPACES, ("%", "")),
    # "1,5", as semicolon-separated files from much of Europe write numbers
    "decimal_comma": (*_NO_SPACES, (",", ".")),
    # brackets make a negative: "(1,234)" is -1234
    "grouped": (*_NO_SPACES, ("(", "-"), (")", ""), *((c, "") for c in _CURRENCY), (",", "")),
    "grouped_decimal_comma": (
        *_NO_SPACES,
        ("(", "-"),
        (")", ""),
        *((c, "") for c in _CURRENCY + "%"),
        (".", ""),
        (",", "."),
    ),
}

# A column of grouped digits alone could be formatted numbers (phone numbers 612.345.678): it
# is read as amounts unless every value has the same number of digits and two separators or
# more, and no value has a currency or percent sign, a decimal part or three digits or fewer.
_AMOUNT_SIGN = re.compile(rf"[{_CURRENCY}(]|\.\d+\s*\)?\s*$|^\s*[-+]?\d{{1,3}}\s*$")
_AMOUNT_SIGN_DECIMAL_COMMA = re.compile(
    rf"[{_CURRENCY}%(]|,\d+\s*[{_CURRENCY}%]?\s*\)?\s*$|^\s*[-+]?\d{{1,3}}\s*$"
)

# Each kind: the pattern every value of a text column must match to be read so, and for the
# grouped kinds the sign of an amount and the thousands separator (_look_like_amounts).
_TEXT_NUMBER_SHAPES: dict[str, tuple[re.Pattern, tuple[re.Pattern, str] | None]] = {
    "percent": (_PERCENT, None),
    "decimal_comma": (_DECIMAL_COMMA, None),
    "grouped": (_GROUPED, (_AMOUNT_SIGN, ",")),
    "grouped_decimal_comma": (_GROUPED_DECIMAL_COMMA, (_AMOUNT_SIGN_DECIMAL_COMMA, "." + SPACES)),
}
# The kinds tried, in order, by the file's delimiter: "1,234" is a thousand and more in a
# comma-separated file, 1.234 in one separated by semicolons, tabs or bars.
TEXT_NUMBER_KINDS = {
    ",": ("percent", "grouped"),
    "other": ("decimal_comma", "percent", "grouped_decimal_comma"),
}
# The files each kind comes from (a percentage with a decimal point from either)
_KIND_CONVENTION = {
    "percent": None,
    "grouped": ",",
    "decimal_comma": "other",
    "grouped_decimal_comma": "other",
}
# DataFrame.attrs key: how the file a table was read from writes numbers (a TEXT_NUMBER_KINDS
# key, by its delimiter); absent for tables not read from a CSV file
TEXT_CONVENTION = "credo_text_convention"


def text_number_shape(kind: str) -> str:
    """The pattern (for Python, RE2 and Java alike) a value must match as a whole to be read
    as a number of `kind`."""
    return _TEXT_NUMBER_SHAPES[kind][0].pattern


def edited_numbers(text: pd.Series, kind: str) -> pd.Series:
    """The numbers a text column holds, read with the edits of `kind`; missing where the text
    is not a number written so ("12,50" is no amount whose comma groups thousands: read as
    1250 it would be a hundred times too much)."""
    readable = _matching(text, kind)
    for old, new in TEXT_NUMBER_EDITS[kind]:
        text = text.str.replace(old, new, regex=False)
    return pd.to_numeric(text.str.strip(), errors="coerce").astype(float).where(readable)


def _look_like_amounts(values: Sequence[str], signs: re.Pattern, separators: str) -> bool:
    """Whether grouped digits are amounts: a sign of one, or anything but the shape of a
    formatted number (a phone or account number: every value the same length with two or
    more separators)."""
    if any(signs.search(v) for v in values):
        return True
    lengths = {sum(ch.isdigit() for ch in v) for v in values}
    counts = (sum(v.strip().count(s) for s in separators) for v in values)
    return len(lengths) > 1 or min(counts) < 2


def text_columns_as_numbers(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Text columns whose every value is a number written as `kind` (a TEXT_NUMBER_EDITS kind:
    "13.5%", "1,5", "$1,234.50", "33.374,10 €") as those numbers."""
    pattern, amounts = _TEXT_NUMBER_SHAPES[kind]
    converted = {}
    for name in frame.columns:
        text = _text_values(frame[name])
        if text is None or text.empty or not _all_match(text, pattern):
            continue
        if amounts is not None and not _look_like_amounts(pd.unique(text), *amounts):
            continue
        converted[name] = edited_numbers(text, kind).reindex(frame.index)
    return frame.assign(**converted) if converted else frame


def percent_columns_as_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns whose every value is a percentage ("13.5%") as numbers (13.5)."""
    return text_columns_as_numbers(frame, "percent")


# What each kind of text number looks like, in words for a warning
TEXT_NUMBER_WORDS = {
    "percent": "percentages such as 13.5%",
    "decimal_comma": "numbers with a decimal comma such as 1,5",
    "grouped": "numbers such as 1,234.50 (a comma between thousands, a point before decimals)",
    "grouped_decimal_comma": (
        "numbers such as 1.234,50 or 12,5% (a point or a space between thousands, a comma"
        " before decimals)"
    ),
}


def _numbers_as_text(column: pd.Series) -> bool:
    """Whether a column a model takes as numbers is held as something else (text)."""
    return not (
        pd.api.types.is_numeric_dtype(column)
        or pd.api.types.is_bool_dtype(column)
        or column.isna().all()
    )


def plain_numbers(column: pd.Series) -> pd.Series:
    """A column of numbers held as text, as numbers: "true"/"false" (any case) 1/0, as a CSV
    reader takes them, and text that is no number missing, as the exported SQL's TRY_CAST
    reads it ("#VALUE!" in one cell no longer stops a whole batch)."""
    text = column.astype("string[pyarrow]").str.strip()
    word = text.str.lower()
    numbers = pd.to_numeric(text, errors="coerce").astype(float)
    numbers = numbers.mask(word.eq("true").fillna(False).to_numpy(), 1.0)
    return numbers.mask(word.eq("false").fillna(False).to_numpy(), 0.0)


def read_as_numbers(frame: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """The columns `names` (a model's number inputs) read as numbers where held as text."""
    converted = {
        n: plain_numbers(frame[n])
        for n in names
        if n in frame.columns and _numbers_as_text(frame[n])
    }
    return frame.assign(**converted) if converted else frame


def unreadable_plain_numbers(frame: pd.DataFrame, names: Sequence[str]) -> list[dict[str, Any]]:
    """As unreadable_text_numbers, for the columns `names` a model takes as plain numbers:
    the text in them that is no number (kind "plain")."""
    found = []
    for name in names:
        if name not in frame.columns or not _numbers_as_text(frame[name]):
            continue
        present = frame[name].dropna()
        odd = present[plain_numbers(present).isna().to_numpy()].astype(str)
        if len(odd):
            found.append(
                {
                    "name": name,
                    "kind": "plain",
                    "values": len(odd),
                    "share": len(odd) / max(len(frame), 1),
                    "examples": [str(v) for v in pd.unique(odd.to_numpy(dtype=object))[:3]],
                }
            )
    return found


def reading_kinds(frame: pd.DataFrame, readers: dict[str, str] | None) -> dict[str, str]:
    """How to read each column training read from text as numbers ({column: kind}) that this
    table holds as text: as training did, except in a table read from a file that writes
    numbers its own way (`frame.attrs[TEXT_CONVENTION]`): there the kind of that file's (as
    training chose by its own file's delimiter) that reads the most of the column's values,
    training's where it reads as many and the file writes numbers as training's did. "$96,800"
    in a comma-separated file is 96800 whatever a semicolon-separated training file said;
    "15.80" under a model trained on "15.80%" is 15.8. A table not read from a file (and the
    exported SQL) reads as training did."""
    convention = frame.attrs.get(TEXT_CONVENTION)
    kinds = {}
    for name, kind in (readers or {}).items():
        if name not in frame.columns or pd.api.types.is_numeric_dtype(frame[name]):
            continue
        own = TEXT_NUMBER_KINDS.get(convention or "", ())
        if not own:
            kinds[name] = kind
            continue
        alike = _KIND_CONVENTION[kind] in (None, convention)
        order = [kind, *own] if alike else [*own, kind]
        order = list(dict.fromkeys(order))
        text = frame[name].dropna().astype(str)
        fits = {k: int(_matching(text, k).sum()) for k in order}
        kinds[name] = max(order, key=lambda k: fits[k])  # the first of the most
    return kinds


def unreadable_text_numbers(
    frame: pd.DataFrame, readers: dict[str, str] | None, kinds: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """The columns training read from text as numbers ({column: kind}) where this table holds
    text that is not a number written as it is read (reading_kinds, or `kinds` when worked
    out already; read_as_training_did reads such text as missing): name, kind (as read),
    values (how many), share (of the rows) and examples (a few of them)."""
    kinds = reading_kinds(frame, readers) if kinds is None else kinds
    found = []
    for name, kind in kinds.items():
        text = frame[name].dropna().astype(str)
        odd = text[~_matching(text, kind).to_numpy()]
        if len(odd):
            found.append(
                {
                    "name": name,
                    "kind": kind,
                    "values": len(odd),
                    "share": len(odd) / max(len(frame), 1),
                    "examples": [str(v) for v in pd.unique(odd.to_numpy(dtype=object))[:3]],
                }
            )
    return found


def read_as_training_did(
    frame: pd.DataFrame, readers: dict[str, str] | None, kinds: dict[str, str] | None = None
) -> pd.DataFrame:
    """The columns training read from text as numbers ({column: a TEXT_NUMBER_EDITS kind}),
    read so here too whenever this table left them text (one value that is no percentage
    keeps a whole column text), as `reading_kinds` says (or `kinds`, worked out already): the
    edits, then the number, or missing where the text is not a number written so, as the
    exported SQL reads them."""
    kinds = reading_kinds(frame, readers) if kinds is None else kinds
    converted = {}
    for name, kind in kinds.items():
        column = frame[name]
        converted[name] = edited_numbers(column.astype(str), kind).where(column.notna())
    return frame.assign(**converted) if converted else frame


def numbers_but_for(column: pd.Series, most: int = 3) -> list[str] | None:
    """The few texts (at most `most`) that keep a column of numbers text ("XNA" among years
    employed), or None when it is no such column: binned as categories, its numbers lose
    their order (rare ones are pooled with the riskiest)."""
    text = _text_values(column)
    if text is None or text.empty:
        return None
    numbers = pd.to_numeric(text.str.strip(), errors="coerce")
    codes = pd.unique(text[numbers.isna().to_numpy()].to_numpy(dtype=object))
    if not 0 < len(codes) <= most or numbers.nunique() < 5 or numbers.notna().mean() < 0.5:
        return None
    return [str(c) for c in codes]


def unusable_columns(frame: pd.DataFrame, names: Sequence[str] | None = None) -> dict[str, str]:
    """Columns (of `names`, default all) no scorecard should bin, each with the reason (see
    the module docstring)."""
    reasons: dict[str, str] = {}
    for name in frame.columns if names is None else names:
        column = frame[name]
        if len(column) and column.isna().all():
            reasons[str(name)] = EMPTY_REASON
            continue
        if _is_constant(column):
            reasons[str(name)] = CONSTANT_REASON
            continue
        if pd.api.types.is_bool_dtype(column):
            continue
        if pd.api.types.is_numeric_dtype(column):
            if _is_numeric_identifier(str(name), column):
                reasons[str(name)] = IDENTIFIER_REASON
            continue
        if _is_datetime_dtype(column):
            reasons[str(name)] = DATE_REASON
            continue
        values = column.dropna()
        if not values.empty and is_date_object(values.iloc[0]) and values.map(is_date_object).all():
            reasons[str(name)] = DATE_REASON
            continue
        text = _text_values(column)
        if text is None or text.empty:
            continue
        if _all_match(text, _DATE_TEXT):
            reasons[str(name)] = DATE_REASON
        elif len(text) >= MIN_ROWS_FOR_IDENTIFIER and text.is_unique:
            reasons[str(name)] = IDENTIFIER_REASON
    return reasons


def _is_constant(column: pd.Series) -> bool:
    # a column missing in some rows is not constant: missing or not may carry the risk
    if len(column) < 2 or column.isna().any():
        return False
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = column.to_numpy()
        return bool(values.min() == values.max())
    return bool((column == column.iloc[0]).all())


def _is_numeric_identifier(name: str, column: pd.Series) -> bool:
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    if values.size < MIN_ROWS_FOR_IDENTIFIER or not np.isfinite(values).all():
        return False
    gapless = values.max() - values.min() + 1 == values.size
    if not (gapless or _IDENTIFIER_NAME.search(name) or _CAMEL_ID.search(name)):
        return False  # the cheap tests first: most columns end here
    whole = bool((values == np.floor(values)).all())
    return whole and np.unique(values).size == values.size


def _is_datetime_dtype(column: pd.Series) -> bool:
    return isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(column)


def is_date_object(value: object) -> bool:
    """Dates as Python objects (a Parquet date column read into pandas, for one)."""
    return isinstance(value, (dt.date, pd.Timestamp, np.datetime64))


class TargetError(ValueError):
    """A target column that cannot be read as 0 (good) / 1 (bad); the message says what to do."""


def _value_key(value: object) -> str:
    """1, 1.0 and "1" alike; text as written, without surrounding spaces."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)).lower()
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    return str(value).strip()


def target_as_bad(
    y: pd.Series, bad_values: Sequence[str] = (), where: str = "", good_values: Sequence[str] = ()
) -> np.ndarray:
    """The target as 0/1 floats (1 = bad).

    With `bad_values`, a row is bad when its value is one of them (compared as text: 2, 2.0
    and "2" alike, "Yes", "yes" and " YES " alike) and good otherwise; with `good_values` as
    well, only rows holding one of those are good, and the rest (indeterminate outcomes such
    as loans still running) are NaN for the caller to leave out, rows without a value among
    them. Without `good_values`, the
    values must be 0/1 (numbers, "0"/"1") or booleans (True = bad), and a row without a value
    is an error.
    """
    prefix = f"{where}: " if where else ""
    missing = y.isna().to_numpy()
    if missing.any() and not (bad_values and good_values):
        row = int(np.flatnonzero(missing)[0]) + 1  # counted from 1, as a person reads rows
        raise TargetError(
            f"{prefix}row {row} has no {y.name!r} value ({int(missing.sum())} rows in all); "
            "every row needs a known outcome: drop the others first, or name both outcomes"
            " (e.g. --bad-value 1 --good-value 0) to leave rows without one out"
        )
    keys = y.map(_value_key)
    if good_values and not bad_values:
        raise TargetError(f"{prefix}--good-value needs --bad-value: name the bad outcome too")
    if bad_values:
        # one outcome written in two cases ("Yes", "yes") is one outcome: read as another, it
        # would pass for good
        folded = keys.str.casefold()
        wanted = {_value_key(v).casefold() for v in bad_values}
        bad = folded.isin(wanted).to_numpy()
        named_good = {_value_key(v).casefold() for v in good_values}
        good = folded.isin(named_good).to_numpy() if good_values else ~bad
        both = bad & good
        if both.any():
            raise TargetError(f"{prefix}{keys[both].iloc[0]!r} is named both bad and good")
        for found, word, named in ((bad, "bad", bad_values), (good, "good", good_values)):
            if not found.any():
                listed = ", ".join(map(repr, named)) if named else "any other value"
                raise TargetError(
                    f"{prefix}no {word} row: no row of {y.name!r} holds {listed}; "
                    f"its values are {_some_values(keys)}"
                )
        return np.where(bad & ~missing, 1.0, np.where(good & ~missing, 0.0, np.nan))
    as_bits = keys.map({"0": 0.0, "1": 1.0, "false": 0.0, "true": 1.0})
    if as_bits.isna().any():
        row = int(np.flatnonzero(as_bits.isna().to_numpy())[0])
        others = [k for k in keys.unique() if k not in ("0", "1", "false", "true")]
        stray = int(as_bits.isna().sum())
        if {"0", "1"} <= set(keys.unique()) and stray * 10 < len(keys):
            # a 0/1 target with a few other values: naming one of those bad would make every
            # 1 good
            hint = (
                f"most rows hold 0 or 1: if 1 means bad, pass --bad-value 1 --good-value 0 to"
                f" leave out the {stray:,} row(s) holding {', '.join(map(repr, others[:5]))},"
                " or fix them"
            )
        else:
            hint = (
                "name the value(s) that mean bad with --bad-value (e.g. --bad-value"
                f" {_likely_bad(keys)!r})"
            )
        raise TargetError(
            f"{prefix}the target {y.name!r} must be 0 (good) or 1 (bad); row {row + 1} has "
            f"{keys.iloc[row]!r}, and its values are {_some_values(keys)}: {hint}"
        )
    return as_bits.to_numpy(dtype=np.float64)


def known_outcomes(
    frame: pd.DataFrame,
    target: str,
    bad_values: Sequence[str] = (),
    good_values: Sequence[str] = (),
    where: str = "",
) -> tuple[pd.DataFrame, np.ndarray, int]:
    """The rows with a known outcome, their 0/1 target (`target_as_bad`) and how many rows
    were left out for holding neither a bad nor a good value."""
    y = target_as_bad(frame[target], bad_values, where, good_values)
    known = ~np.isnan(y)
    if known.all():
        return frame, y, 0
    return frame[known].reset_index(drop=True), y[known], int((~known).sum())


_BAD_WORDS = re.compile(r"bad|default|charged|delinq|late|fail|writ|loss|yes|^y$|^2$", re.I)
_GOOD_WORDS = re.compile(r"^(no|non|not)[ _-]|good|paid|current", re.I)


def _likely_bad(keys: pd.Series) -> str:
    """For the error's example only (never applied): a value whose wording suggests bad, else
    the rarest value (bad outcomes are the fewer in nearly every book)."""
    counts = keys.value_counts()
    worded = [v for v in counts.index if _BAD_WORDS.search(v) and not _GOOD_WORDS.search(v)]
    return worded[0] if worded else str(counts.index[-1])


def _some_values(keys: pd.Series, limit: int = 8) -> str:
    counts = keys.value_counts()
    shown = ", ".join(f"{k!r} ({n})" for k, n in counts.head(limit).items())
    return shown + (f" and {len(counts) - limit} more" if len(counts) > limit else "")


# A group of rows of one outcome is no chance when the rows beside it would have put at least
# this many of the other outcome there (none: a probability of about e^-20).
NEAR_SEPARATION_EXPECTED = 20.0


def separation_reason(
    column: pd.Series,
    target: np.ndarray,
    ordered: bool,
    specials: Sequence[Any] = (),
    near: bool = True,
) -> str | None:
    """Why the column is a leak, or None: it tells every good row from every bad one
    (`separates_outcome`), or, with `near` (the caller's binning found no cut) and for
    numbers, the rows at one end beyond the other outcome's range are all of one outcome where
    the as many rows beside them would have put NEAR_SEPARATION_EXPECTED or more of the other
    there. Binning cannot give such a group a bin of its own (a bin must hold both outcomes),
    so the column shows an information value of 0 and would pass for noise. (Asked of every
    column, the rule would take the one-outcome tail of a strong real feature, whose rate
    falls on into the tail, for a leak: so only where binning failed.) Rows without a value
    and `specials` have bins of their own whatever they hold, so they are left out of the
    ends."""
    if separates_outcome(column, target, ordered):
        return SEPARATION_REASON
    if not (ordered and near):
        return None
    bad = np.asarray(target) == 1
    values = pd.to_numeric(column, errors="coerce").to_numpy(np.float64, na_value=np.nan)
    sentinels = [float(v) for v in specials if isinstance(v, int | float)]
    regular = ~np.isnan(values) & ~np.isin(values, sentinels)
    present, outcome = values[regular], bad[regular]
    told = None  # (expected, where, rows, all bad, share, beside): the furthest from chance
    for which in (True, False):  # the rows of one outcome beyond the other's values
        others = present[outcome != which]
        if others.size == 0:
            continue
        for where, beyond, rest, side in (
            (f"below {others.min():g}", present < others.min(), present >= others.min(), 1),
            (f"above {others.max():g}", present > others.max(), present <= others.max(), -1),
        ):
            rows = int(beyond.sum())
            # fewer rows than the bar could not miss that many of the other outcome
            if rows < NEAR_SEPARATION_EXPECTED:
                continue
            # the as many rows next to them in value order (a partial sort: O(n)); `rest`
            # holds every row of the other outcome, so it is never empty
            candidates = side * present[rest]
            take = min(rows, candidates.size)
            beside = outcome[rest][np.argpartition(candidates, take - 1)[:take]]
            share = float(np.mean(beside != which))
            if told is None or rows * share > told[0]:
                told = (rows * share, where, rows, which, share, take)
    if told is None or told[0] < NEAR_SEPARATION_EXPECTED:
        return None
    _, where, rows, all_bad, share, beside = told
    outcome, other = ("bad", "good") if all_bad else ("good", "bad")
    return (
        f"nearly tells good from bad, and no bin can hold it: all {rows:,} rows {where} are"
        f" {outcome}, while {share:.0%} of the {beside:,} rows next to them are {other}:"
        f" {LEAK_QUESTION}"
    )


def separates_outcome(column: pd.Series, target: np.ndarray, ordered: bool) -> bool:
    """True when the column alone tells every good row from every bad one, its missing values
    as a value of their own: numbers whose goods and bads do not overlap, or categories each
    of one outcome (never a real risk, which always has some of both: a leak). Its bins could
    hold one outcome only, so binning gives it one bin, or a missing bin of infinite weight."""
    bad = np.asarray(target) == 1
    if ordered and pd.api.types.is_numeric_dtype(column):
        values = column.to_numpy(np.float64, na_value=np.nan)
        missing = np.isnan(values)
    elif ordered:
        values = pd.to_numeric(column, errors="coerce").to_numpy(np.float64, na_value=np.nan)
        missing = np.isnan(values)
        if not np.array_equal(missing, column.isna().to_numpy()):
            return False  # text among the numbers
    else:
        missing = column.isna().to_numpy()
    if missing.any() and bad[missing].any() and not bad[missing].all():
        return False
    if ordered:
        goods, bads = values[~missing & ~bad], values[~missing & bad]
        if goods.size == 0 or bads.size == 0:
            return bool(missing.any())  # the values are one outcome, the missing rows the other
        return bool(goods.max() < bads.min() or bads.max() < goods.min())
    codes, levels = pd.factorize(column[~missing])
    # many small levels are each of one outcome by chance, not by a leak
    if len(levels) + missing.any() > max(2, len(bad) // 20):
        return False
    rows = np.bincount(codes, minlength=len(levels))
    bads = np.bincount(codes, weights=bad[~missing], minlength=len(levels))
    return bool(((bads == 0) | (bads == rows)).all())

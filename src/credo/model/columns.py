"""What a plain table's columns can be: inputs, a target, or things a scorecard must not bin.

Plain tables come from anywhere. Three kinds of column are left out here before any model
sees them (numbers written as text, "13.5%" or "$1,234.50", are credo.model.text_numbers'):
dates and timestamps (a calendar date is not a risk: a duration such as months since it is,
and the table's owner should derive it); identifiers, which binned by target rate would fit
noise: text columns whose every value is distinct, whole numbers, every one distinct, that
run without a gap (a row number, a CSV's index column), and columns named as an identifier
(the word "id" anywhere, as in `SK_ID_CURR` or `ClientID`, or `loan_no`) whose values (whole
numbers in every row, or text) nearly all differ; and columns with the same value in every
row. Lists and records (Parquet's nested columns) and time spans (`credo.model.tables` reads
a file's durations as days) are left out too, being no single number or category.
The target is read as 0/1, from numbers, booleans or named values (`--bad-value`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from credo.model.text_numbers import text_values

# Dates written as text. Which way round day and month stand does not matter to leaving a
# column out (3/1/2016 is a date either way). A month and year without a day needs a year of
# 1800 to 2099, and in dots or digits alone a month of two digits, so that numbers held as
# text ("12.50", "1.234", "3.1416") never pass for one; a year of two digits needs a day and
# month of 1 to 31 beside it (in dots, of two digits each: "1.2.40" is a version). A month is
# named by its English name or the name's first three letters ("Sept" too), in any case; a
# month name alone ("Apr") is no date but a season, a category whose levels come back every
# year, and codes such as "A12" or "ABC-12" are none.
_TIME = r"([ T].*)?"
_YEAR = r"(1[89]|20)\d\d"
_MONTH = r"(0[1-9]|1[0-2])"
_DAY = r"(0?[1-9]|[12]\d|3[01])"  # a month of one or two digits too
_MONTH_NAME = (
    r"(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sept?(ember)?"
    r"|oct(ober)?|nov(ember)?|dec(ember)?)"
)
_DATE_FORMS = (
    rf"\d{{4}}(?P<ymd>[/.-])\d{{1,2}}(?P=ymd)\d{{1,2}}{_TIME}",  # 2016-03-01[ time], 2018/04/01
    rf"\d{{1,2}}(?P<separator>[/.-])\d{{1,2}}(?P=separator)\d{{4}}{_TIME}",  # 3/1/2016, 20.04.1959
    rf"{_DAY}(?P<short>[/-]){_DAY}(?P=short)\d\d{_TIME}",  # 4/1/18, 4-1-18
    # 01.04.18: in dots, two digits each, as "1.2.40" is a version, not a date
    rf"(0[1-9]|[12]\d|3[01])\.(0[1-9]|[12]\d|3[01])\.\d\d{_TIME}",
    r"\d{4}-\d{2}",  # 2016-03
    rf"0?[1-9]/{_YEAR}|1[0-2]/{_YEAR}",  # 3/1998, 03/1998
    rf"{_MONTH}\.?{_YEAR}",  # 03.1998, 031998
    rf"{_YEAR}{_MONTH}(0[1-9]|[12]\d|3[01])?",  # 199803, 19590420
    rf"{_MONTH_NAME}-(\d{{2}}|\d{{4}})",  # Mar-2016, Mar-16 (as loan books export issue months)
    # 01APR2018 (SAS DATE9; DATETIME with ":10:00:00"), 01apr2018 (Stata)
    rf"{_DAY}{_MONTH_NAME}(\d{{2}}|\d{{4}})([ T:].*)?",
    rf"{_DAY}(?P<named>[- /]){_MONTH_NAME}(?P=named)(\d{{2}}|\d{{4}}){_TIME}",  # 1-Apr-18
    rf"{_MONTH_NAME}\.? {_YEAR}",  # Apr 2018
    rf"{_MONTH_NAME}\.? {_DAY},? {_YEAR}{_TIME}",  # Apr 01, 2018
)
_DATE_TEXT = re.compile(
    r"^\s*(" + "|".join(f"({form})" for form in _DATE_FORMS) + r")\s*$", re.IGNORECASE
)
MIN_ROWS_FOR_IDENTIFIER = 20
# A column of dates with a few words among them ("UNKNOWN", "0"): at most so many distinct
# other values, in at most this share of the rows, beside at least so many distinct dates
_MOST_OTHER_THAN_DATES = (3, 0.1)
_MIN_DATED_VALUES = 20
# A column named as an identifier is one when its values nearly all differ: a few repeated
# ids (a case exported twice) keep it an identifier; a code such as a region id or a 0/1
# id_verified flag repeats far more.
MIN_DISTINCT_SHARE_OF_NAMED_IDENTIFIER = 0.99
# the words "id" anywhere (SK_ID_CURR, ClientID, id_verified), or one of these last (loan_no,
# account number), or pandas' "Unnamed: 0" index column
_IDENTIFIER_LAST_WORDS = frozenset({"id", "key", "no", "nr", "num", "number"})
_INDEX_COLUMN_NAME = re.compile(r"^unnamed: \d+$", re.IGNORECASE)

DATE_REASON = "a date or time: derive a duration from it (e.g. months since) to use it"
DURATION_REASON = "a duration held as a time span: give it as a number (of days, say)"
NESTED_REASON = "a list or record of values, not one value per person: derive one from it"
IDENTIFIER_REASON = "an identifier: every value is distinct"
NAMED_IDENTIFIER_REASON = "an identifier: named so, and nearly every value is distinct"
CONSTANT_REASON = "the same value in every row"
EMPTY_REASON = "no value in any row"
# pandas' name for a CSV column whose header cell is empty (most often a row index another
# tool wrote): not the file's name for it, nor a database's (DuckDB reads it as column0), so
# a model reading it could not be scored in SQL
UNNAMED_REASON = "its header cell is empty: give it a name in the file to use it"
_UNNAMED = re.compile(r"Unnamed: \d+(_level_\d+)?")
# every reason that says a column is a leak ends so
LEAK_QUESTION = "the outcome itself, or known only after it?"
SEPARATION_REASON = f"tells every good row from every bad one: {LEAK_QUESTION}"


# A spreadsheet's summary row ("Total", "Grand total:", "Sum") exported with the cases, in
# English or the languages of the decimal-comma exports credo reads. Such rows are few: a
# label in more of a column's rows is one of its categories.
_SUMMARY_LABEL = (
    r"^\s*("
    r"((grand|sub)[ -]?)?(totals?|sum)"  # English; Total is French, Spanish, Portuguese too
    r"|(zwischen|end|gesamt)?summe|gesamt|insgesamt"  # German
    r"|sous[ -]?total|total g[ée]n[ée]ral|somme"  # French
    r"|(sub)?totale( generale)?|somma"  # Italian
    r"|total general|suma"  # Spanish (Suma: Polish too)
    r"|total geral|soma"  # Portuguese
    r"|(sub|eind)?totaal|som"  # Dutch
    r"|summa|delsumma|totalt|i alt"  # Swedish, Danish, Norwegian
    r")\s*:?\s*$"
)
_MOST_SUMMARY_ROWS = (5, 0.001)  # in a column: at most 5 rows, or 0.1 % of them


def summary_rows(frame: pd.DataFrame, ids: Any = None) -> list[tuple[int, str, str]]:
    """The rows (position, column, label) that hold a summary label such as "Total" in a
    text column (or in `ids`, a column given apart), in a few of its rows, and no other text
    (a totals row sums the numbers and leaves the other words out): a spreadsheet's totals
    exported as if they were cases. A case whose category is "Total" has its other words."""
    most = max(_MOST_SUMMARY_ROWS[0], _MOST_SUMMARY_ROWS[1] * len(frame))
    found: dict[int, tuple[str, str]] = {}
    given = [("id", pd.Series(ids))] if ids is not None else []
    texts = [
        (name, column)
        for name, column in [*given, *frame.items()]
        if column.dtype.kind in "OSU" or pd.api.types.is_string_dtype(column.dtype)
    ]

    def words_but(position: int, label: str) -> bool:
        for _, column in texts:
            value = column.iloc[position]
            if not pd.isna(value) and str(value).strip() not in ("", label):
                return True
        return False

    for name, column in texts:
        try:
            text = pa.array(column, type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text: numbers, dates mixed in
            text = pa.array(column.map(str, na_action="ignore"), type=pa.string(), from_pandas=True)
        hits = pc.match_substring_regex(text, _SUMMARY_LABEL, ignore_case=True)
        positions = np.flatnonzero(hits.fill_null(False).to_numpy(zero_copy_only=False))
        for position in positions if len(positions) <= most else ():
            label = str(text[position]).strip()
            if int(position) not in found and not words_but(int(position), label):
                found[int(position)] = (str(name), label)
    return [(position, *found[position]) for position in sorted(found)]


# Chinese, Japanese and Korean script: no spaces between words, so each character is a word
# of its own and a name of several ("性别", sex) matches where its characters stand together
_CJK = re.compile("([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff])")


def name_words(name: str) -> tuple[str, ...]:
    """A column name's words, lower case: split at anything not a letter or digit and where a
    capital follows a small letter or digit; accents set aside ("género" is genero) and
    full-width letters read as letters ("Ｓｅｘ" is sex), as a column's name may be written
    in any language."""
    decomposed = unicodedata.normalize("NFKD", str(name))
    bare = unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )
    spaced = _CJK.sub(r" \1 ", re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", bare))
    return tuple(word for word in re.split(r"[\W_]+", spaced.casefold()) if word)


def unusable_columns(frame: pd.DataFrame, names: Sequence[str] | None = None) -> dict[str, str]:
    """Columns (of `names`, default all) no scorecard should bin, each with the reason (see
    the module docstring)."""
    reasons: dict[str, str] = {}
    for name in frame.columns if names is None else names:
        column = frame[name]
        if len(column) and column.isna().all():
            reasons[str(name)] = EMPTY_REASON
            continue
        if is_nested(column):
            reasons[str(name)] = NESTED_REASON
            continue
        if pd.api.types.is_timedelta64_dtype(column):
            reasons[str(name)] = DURATION_REASON
            continue
        if _is_constant(column):
            reasons[str(name)] = CONSTANT_REASON
            continue
        if pd.api.types.is_bool_dtype(column):
            continue
        if pd.api.types.is_numeric_dtype(column):
            reason = (
                _numeric_identifier_reason(str(name), column)
                or _digit_dates(column)
                or _numbered_dates(str(name), column)
            )
            if reason:
                reasons[str(name)] = reason
            continue
        if _is_datetime_dtype(column):
            reasons[str(name)] = DATE_REASON
            continue
        values = column.dropna()
        if not values.empty and is_date_object(values.iloc[0]) and values.map(is_date_object).all():
            reasons[str(name)] = DATE_REASON
            continue
        text = text_values(column)
        if text is None or text.empty:
            continue
        odd = _dates_but_for(text)
        if odd is not None:
            listed = ", ".join(repr(value) for value in odd)
            reasons[str(name)] = DATE_REASON + (f" (its other values: {listed})" if odd else "")
        elif len(text) >= MIN_ROWS_FOR_IDENTIFIER and text.is_unique:
            reasons[str(name)] = IDENTIFIER_REASON
        elif named_as_identifier(str(name)) and _nearly_all_distinct(text.to_numpy(object)):
            reasons[str(name)] = NAMED_IDENTIFIER_REASON
    # a column of no name is no input, whatever it holds (a row index: an identifier)
    for name in frame.columns if names is None else names:
        if _UNNAMED.fullmatch(str(name)) and str(name) not in reasons:
            reasons[str(name)] = UNNAMED_REASON
    return reasons


def named_as_identifier(name: str) -> bool:
    """Whether a column's name says it identifies: the word "id" among its words
    (`name_words`: SK_ID_CURR, ClientID, id_verified), or a last word such as "no" or
    "number" (loan_no, account number), or pandas' "Unnamed: 0" index column. A name alone
    decides nothing: a flag named id_verified is no identifier (`_nearly_all_distinct`)."""
    words = name_words(name)
    last = words[-1] if words else ""
    return "id" in words or last in _IDENTIFIER_LAST_WORDS or bool(_INDEX_COLUMN_NAME.match(name))


def is_nested(column: pd.Series) -> bool:
    """Whether a column holds lists, arrays or records (Parquet's list, map and struct
    columns) rather than one value a row."""
    if column.dtype.kind != "O":
        return False
    values = column.dropna()
    return not values.empty and isinstance(values.iloc[0], list | tuple | dict | np.ndarray)


def _is_constant(column: pd.Series) -> bool:
    # a column missing in some rows is not constant: missing or not may carry the risk
    if len(column) < 2 or column.isna().any():
        return False
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = column.to_numpy()
        return bool(values.min() == values.max())
    return bool((column == column.iloc[0]).all())


def _numeric_identifier_reason(name: str, column: pd.Series) -> str | None:
    """Whole numbers in every row that are an identifier, with why: every one distinct and
    running without a gap (a row number), or named as an identifier and nearly every one
    distinct."""
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    if values.size < MIN_ROWS_FOR_IDENTIFIER or not np.isfinite(values).all():
        return None
    gapless = values.max() - values.min() + 1 == values.size
    named = named_as_identifier(name)
    if not (gapless or named):
        return None  # the cheap tests first: most columns end here
    if not (values == np.floor(values)).all():
        return None
    distinct = np.unique(values).size
    if distinct == values.size:
        return IDENTIFIER_REASON
    return NAMED_IDENTIFIER_REASON if named and _nearly_all_distinct(values) else None


def _dates_but_for(text: pd.Series) -> list[str] | None:
    """The values of a text column that are no dates, where all the others are (none: a
    column of dates; "UNKNOWN" in 2 % of an issue month's rows: it was binned as categories and
    kept, and its months to come would score as levels never seen); None where it is no column
    of dates."""
    distinct = pd.Series(pd.unique(text.to_numpy(dtype=object)), dtype=object).astype(str)
    most, share = _MOST_OTHER_THAN_DATES
    # a look at the first values first: a column of a million names is no date column
    if (~distinct.head(100).str.match(_DATE_TEXT)).sum() > most:
        return None
    dated = distinct.str.match(_DATE_TEXT).to_numpy()
    others = distinct[~dated].tolist()
    if not others:
        return []
    if len(others) > most or dated.sum() < _MIN_DATED_VALUES:
        return None
    return others if text.astype(str).isin(others).mean() <= share else None


# The numbers dates in digits can be: YYYYMM and YYYYMMDD, years 1800 to 2099
_DIGIT_DATE_SPANS = ((180_001, 209_912), (18_000_101, 20_991_231))


def _digit_dates(column: pd.Series) -> str | None:
    """DATE_REASON for whole numbers that are all dates written in digits, as a CSV reader
    takes 20180401 or 201804 (YYYYMMDD, YYYYMM, years 1800 to 2099): kept, they were a
    model's strongest feature, and every month to come would lie beyond its bins."""
    values = column.dropna().to_numpy(dtype=np.float64)
    if values.size < MIN_ROWS_FOR_IDENTIFIER:
        return None
    # the range first, one pass without copies: nearly every number column ends here
    low, high = values.min(), values.max()
    if not any(first <= low <= high <= last for first, last in _DIGIT_DATE_SPANS):
        return None
    if low == high or not (values == np.floor(values)).all():
        return None
    whole = values.astype(np.int64)
    for digits, has_day in ((8, True), (6, False)):
        year = whole // (10_000 if has_day else 100)
        if not ((year >= 1800) & (year <= 2099)).all() or (whole >= 10**digits).any():
            continue
        month = (whole // 100) % 100 if has_day else whole % 100
        day = whole % 100 if has_day else np.ones_like(whole)
        if ((month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)).all():
            return DATE_REASON
    return None


# Dates and times held as counts, told by a column's name: spreadsheet serial days (Excel's
# 20,000 to 80,000: 1954 to 2119), seconds and milliseconds since 1970 (1973 to 2100)
_NUMBERED_DATE_SPANS = ((20_000, 80_000), (1e8, 4.1e9), (1e11, 4.1e12))
# the words as a name's last (application_date, created_ts, opened_at) or first (date_opened,
# ts_created); elsewhere they qualify an amount (full_time_income, time_deposit_balance)
_DATE_NAME_LAST_WORDS = frozenset(
    ("date", "dt", "time", "timestamp", "ts", "datetime", "epoch", "created", "updated", "at")
    + ("on", "day")
)
_DATE_NAME_FIRST_WORDS = frozenset(("date", "dt", "timestamp", "ts", "datetime", "epoch"))


def _numbered_dates(name: str, column: pd.Series) -> str | None:
    """DATE_REASON for whole numbers that are dates or times held as counts (a spreadsheet's
    serial day 43466, Unix seconds 1546300800) in a column whose name says so (application_date,
    created_ts, opened_at): kept, a vintage becomes a feature (a recent one has had less time
    to go bad), and every later date lies beyond its bins."""
    words = name_words(name)
    if not words or not (words[-1] in _DATE_NAME_LAST_WORDS or words[0] in _DATE_NAME_FIRST_WORDS):
        return None
    values = column.dropna().to_numpy(dtype=np.float64)
    if values.size < MIN_ROWS_FOR_IDENTIFIER:
        return None
    low, high = values.min(), values.max()
    if low == high or not any(first <= low <= high <= last for first, last in _NUMBERED_DATE_SPANS):
        return None
    return DATE_REASON if (values == np.floor(values)).all() else None


def _nearly_all_distinct(values: np.ndarray) -> bool:
    return (
        values.size >= MIN_ROWS_FOR_IDENTIFIER
        and pd.unique(values).size >= MIN_DISTINCT_SHARE_OF_NAMED_IDENTIFIER * values.size
    )


def _is_datetime_dtype(column: pd.Series) -> bool:
    return isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(column)


def is_date_object(value: object) -> bool:
    """Dates as Python objects (a Parquet date column read into pandas, for one)."""
    return isinstance(value, (dt.date, pd.Timestamp, np.datetime64))


# A value at one end of a number column, held by this share of the rows or more, and beyond
# the other values by this many times their range, reads as a code ("not employed": Home
# Credit's DAYS_EMPLOYED of 365243 in 18 % of rows, every other value between -17,912 and 0;
# -999 beside values from 0 to 100, 999 beside 0 to 120): binned in the order, it would sit
# next to the values nearest it. A count's many zeros (0 against 1 to 20) or a utilisation
# capped at 1.0 sit at the edge of the others, not far beyond it; and 0 is never taken for a
# code, being the natural "none" of an amount (no fee: 0 beside fees of 1,000 to 1,200).
SENTINEL_MIN_SHARE = 0.05
SENTINEL_MIN_GAP = 5.0


# A few negative whole numbers in a column of quantities that are otherwise never negative read
# as codes: the credit bureaus' convention (-9 no record, -8 no usable trade, -7 condition not
# met; "-1: never"; a repayment status of -2 "no use" and -1 "paid in full" beside months
# late). Binned in the order, a code sits beside the lowest quantities and shares their bin
# (no bureau record with no inquiries in six months). At most this many distinct codes, each
# in this share of the rows and this many rows at least; the column's other values must be
# at least 0 and take this many distinct values (a quantity, not a flag).
NEGATIVE_CODES_MAX = 3
NEGATIVE_CODE_MIN_SHARE = 0.005
NEGATIVE_CODE_MIN_ROWS = 10
NEGATIVE_CODES_MIN_OTHERS = 3


def negative_codes(column: pd.Series) -> list[float]:
    """The negative whole numbers of a number column that read as codes rather than
    quantities (see NEGATIVE_CODES_MAX), in falling order; empty where there are none."""
    if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
        return []
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    values = values[np.isfinite(values)]
    negative = values[values < 0]
    if negative.size == 0:
        return []
    codes, rows = np.unique(negative, return_counts=True)
    least = max(NEGATIVE_CODE_MIN_ROWS, NEGATIVE_CODE_MIN_SHARE * values.size)
    if (
        codes.size > NEGATIVE_CODES_MAX
        or not np.all(codes == np.round(codes))
        or rows.min() < least
        or np.unique(values[values >= 0]).size < NEGATIVE_CODES_MIN_OTHERS
    ):
        return []
    return [float(c) for c in codes[::-1]]


# Whole numbers of nines (99, 999, 9999; or 96-98, 996-998 ...: nines ending in 6-8) above a
# column's other values, far beyond them, read as codes: the loan-level files' convention
# (Freddie Mac's credit score 9999 and debt-to-income 999 "not available", months since a
# delinquency 999 "never", a count's 96 / 98 "refused" / "unknown"). Ranked as numbers, a
# credit score of 9999 falls in the best score's bin. At most NINES_CODES_MAX such values,
# each in NEGATIVE_CODE_MIN_ROWS rows at least; the lowest of them beyond the highest other
# value by NINES_MIN_GAP times the other values' range; those take
# NEGATIVE_CODES_MIN_OTHERS distinct values at least (a quantity, not a flag).
NINES_CODES_MAX = 3
NINES_MIN_GAP = 2.0
_NINES = re.compile(r"9+[6-9]")


def nines_codes(column: pd.Series) -> list[float]:
    """The whole numbers of nines at the top of a number column that read as codes rather
    than quantities (see NINES_CODES_MAX), in falling order; empty where there are none."""
    if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
        return []
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return []
    distinct, rows = np.unique(values, return_counts=True)
    # the nines at the top, highest first; then the most of them that clear the others (an
    # age of 99 held by two people below a 999 "unknown" is an age: one of the others)
    top: list[tuple[float, int]] = []
    for value, held in zip(distinct[::-1], rows[::-1], strict=True):
        if len(top) == NINES_CODES_MAX or value != np.round(value) or value < 96:
            break
        if not _NINES.fullmatch(f"{value:.0f}"):
            break
        top.append((float(value), int(held)))
    for count in range(len(top), 0, -1):
        codes = [value for value, _ in top[:count]]
        if any(held < NEGATIVE_CODE_MIN_ROWS for _, held in top[:count]):
            continue
        others = distinct[distinct < min(codes)]
        if others.size < NEGATIVE_CODES_MIN_OTHERS:
            continue
        low, high = float(others.min()), float(others.max())
        if min(codes) - high >= NINES_MIN_GAP * (high - low):
            return codes
    return []


def far_extreme(column: pd.Series) -> tuple[float, int, float, float] | None:
    """A number column's value that looks like a code for "no data" rather than a quantity
    (see SENTINEL_MIN_SHARE): (the value, its rows, the other values' lowest and highest), or
    None."""
    if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
        return None
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    for value in (values.max(), values.min()):
        if value == 0:
            continue
        held = values == value
        rows = int(held.sum())
        others = values[~held]
        if rows < SENTINEL_MIN_SHARE * len(column) or others.size == 0:
            continue
        low, high = float(others.min()), float(others.max())
        gap = value - high if value > high else low - value
        if high > low and gap > SENTINEL_MIN_GAP * (high - low):
            return float(value), rows, low, high
    return None


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
    keys = y.map(_value_key, na_action="ignore")
    if missing.any() and not (bad_values and good_values):
        row = int(np.flatnonzero(missing)[0]) + 1  # counted from 1, as a person reads rows
        count = int(missing.sum())
        raise TargetError(
            f"{prefix}row {row} has no {y.name!r} value"
            f" ({'the only one' if count == 1 else f'{count:,} rows in all'}); "
            "every row needs a known outcome: drop the others first, or name both outcomes"
            f" (e.g. {_both_outcomes_example(keys.dropna())}) to leave rows without one out"
        )
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
        both = wanted & named_good
        if both:
            named = next(v for v in bad_values if _value_key(v).casefold() in both)
            raise TargetError(
                f"{prefix}{named!r} is named both bad (--bad-value) and good (--good-value)"
            )
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
            likely = _likely_bad(keys)
            guess = "" if worded_bad(likely) else f" if {likely!r}, the rarer, marks a bad outcome"
            hint = (
                "name the value(s) that mean bad with --bad-value (e.g. --bad-value"
                f" {likely!r}{guess})"
            )
        raise TargetError(
            f"{prefix}the target {y.name!r} must be 0 (good) or 1 (bad); row {row + 1} has "
            f"{keys.iloc[row]!r}, and its values are {_some_values(keys)}: {hint}"
        )
    return as_bits.to_numpy(dtype=np.float64)


def outcome_readings(
    y: pd.Series, bad_values: Sequence[str], good_values: Sequence[str] = ()
) -> list[tuple[str | None, int, str]]:
    """How `target_as_bad` reads each value of a target coded by named values: (the value as
    written, None for a blank; its rows; "bad", "good" or "left out"), most rows first."""
    bad = {_value_key(v).casefold() for v in bad_values}
    good = {_value_key(v).casefold() for v in good_values}

    def reading(key: object) -> str:
        if not isinstance(key, str):
            return "left out"
        if key.casefold() in bad:
            return "bad"
        return "good" if not good or key.casefold() in good else "left out"

    counts = y.map(_value_key, na_action="ignore").value_counts(dropna=False)
    return [
        (key if isinstance(key, str) else None, int(rows), reading(key))
        for key, rows in counts.items()
    ]


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


def worded_bad(value: str) -> bool:
    """Whether an outcome's wording suggests bad ("Charged Off", "Default", "Late"): for
    messages only, never applied."""
    return bool(_BAD_WORDS.search(value)) and not _GOOD_WORDS.search(value)


def _both_outcomes_example(keys: pd.Series) -> str:
    """--bad-value and --good-value as this target writes its outcomes (true / false for a
    column of booleans, where 1 / 0 names no row)."""
    present = set(keys.unique())
    if present and present <= {"true", "false"}:
        return "--bad-value true --good-value false"
    if not present or present <= {"0", "1"}:
        return "--bad-value 1 --good-value 0"
    bad = _likely_bad(keys)
    good = (
        next(str(v) for v in keys.value_counts().index if str(v) != bad)
        if len(present) > 1
        else "..."
    )
    return f"--bad-value {bad!r} --good-value {good!r}"


def _likely_bad(keys: pd.Series) -> str:
    """For the error's example only (never applied): a value whose wording suggests bad, else
    the rarest value (bad outcomes are the fewer in nearly every book)."""
    counts = keys.value_counts()
    worded = [v for v in counts.index if worded_bad(v)]
    if worded:
        return worded[0]
    # the rarest of the values that hold a share of the rows: a stray 'maybe' or typo in a
    # row or two is no outcome
    held = counts[counts >= max(2, 0.01 * counts.sum())]
    return str((held if len(held) else counts).index[-1])


def _some_values(keys: pd.Series, limit: int = 8) -> str:
    counts = keys.value_counts(dropna=False)
    shown = ", ".join(
        f"{k!r} ({n})" if isinstance(k, str) else f"blank ({n})"
        for k, n in counts.head(limit).items()
    )
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

"""Numbers written as text in plain tables: how training reads them, and how scoring reads them
again.

A CSV's percentages ("13.5%"), decimal commas ("1,5" in a semicolon file) and amounts with
thousands separators or a currency sign ("$1,234.50", "33.374,10 €") are read as numbers when
every value of a column is written one way (`text_columns_as_numbers`, by the file's delimiter:
"1,234" is a thousand and more in a comma-separated file, 1.234 in any other). The model
records each such column's kind, and scoring reads the column so again (`reading_kinds`,
`read_numbers`), as does the exported SQL: a value is a number only when the whole of it has
the kind's shape, checked with one pattern on every engine; any other value is missing and
said so (`unreadable_values`). A number input a table holds as text is read as plain numbers
the same way ("true"/"false" as 1/0 and "inf"/"-Infinity" as infinities, as a CSV reader takes
them).

A file written another way than training's ("0.544" where training read "0,544"; "$96,800.50"
where it read "96.800,50 €") would have every value misread or missing: where training's kind
fits fewer of a CSV file's values than another kind does, the column is read the other way,
and said so. Values that read one way or the other alike ("$96,800": 96800 or 96.8) are read
as training read them; where the file's delimiter says otherwise, that is said too
(`doubtful_readings`). A table not read from a CSV file (a DataFrame, Parquet, the exported
SQL's database table) is read value by value as training read it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd

# The shapes are written without backslashes, so that the exported SQL checks a value with
# the same pattern on every engine (RE2 in DuckDB, Java's in Spark). Spaces: what Python's
# str.strip takes (a cell's line break, the no-break, narrow no-break and thin spaces of
# exports: "12,5\u202f%" from a French spreadsheet).
SPACES = (
    " \t\n\r\v\f\x1c\x1d\x1e\x1f\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_SPACE = f"[{SPACES}]*"
_CURRENCY = "$€£¥"
# A number's sign: the minus sign U+2212 is what some locales' spreadsheets write ("−1 234,5")
_SIGN = "[-+\u2212]?"


def _signed_or_in_brackets(amount: str) -> re.Pattern:
    """An amount with a sign, or in brackets without one: "(1,234)" is -1,234 as accounts
    and spreadsheets write a negative amount."""
    return re.compile(rf"^{_SPACE}(?:{_SIGN}{amount}|[(]{_SPACE}{amount}{_SPACE}[)]){_SPACE}$")


# A power of ten after the digits: "1e3", "8,22765e-05" (as R's write.csv2 and a spreadsheet's
# scientific format write small numbers in a file of decimal commas)
_POWER = "[eE][-+]?[0-9]+"
_EXPONENT = f"({_POWER})?"
# 12 / -1.5 / .5 / 1e3 (what every engine casts alike)
_PLAIN = re.compile(rf"^{_SPACE}{_SIGN}([0-9]+([.][0-9]*)?|[.][0-9]+){_EXPONENT}{_SPACE}$")
# A categorical level written as a number ("7", " 2.0", "1e3"): the plain shape in ASCII digits
# with an ASCII sign, so that Python's float() ("0_1", Arabic-Indic and full-width digits) and
# the engines' casts (DuckDB's "0_1", Spark's "1d") read no other text as a level
_LEVEL_NUMBER = re.compile(rf"^{_SPACE}[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+){_EXPONENT}{_SPACE}$")
_PERCENT = re.compile(rf"^{_SPACE}{_SIGN}([0-9]+([.][0-9]*)?|[.][0-9]+){_SPACE}%{_SPACE}$")
_DECIMAL_COMMA = re.compile(rf"^{_SPACE}{_SIGN}[0-9]+(,[0-9]+)?{_EXPONENT}{_SPACE}$")
# 1,234.50 / $33,374 / -$5 / 999 / ($5) (comma-separated files: the comma groups thousands;
# no group of thousands follows a leading 0: "0,465" is none)
_GROUPED = _signed_or_in_brackets(
    rf"[{_CURRENCY}]?{_SPACE}([1-9][0-9]{{0,2}}(,[0-9]{{3}})+|[0-9]+)([.][0-9]+)?"
)
# 33.374,10 / 1.234 € / 96 800,00 € / 20,9% / (1.234 €) (other files: a point or a space
# groups thousands, the comma is decimal)
_GROUP_SPACES = " \u00a0\u2007\u2009\u202f"
_GROUPS_OF_THOUSANDS = (
    f"[1-9][0-9]{{0,2}}([.][0-9]{{3}})+|[1-9][0-9]{{0,2}}([{_GROUP_SPACES}][0-9]{{3}})+"
)
_GROUPED_DECIMAL_COMMA = _signed_or_in_brackets(
    rf"[{_CURRENCY}]?{_SPACE}({_GROUPS_OF_THOUSANDS}|[0-9]+)(,[0-9]+)?{_SPACE}[{_CURRENCY}%]?"
)

# Numbers only a file whose commas group thousands writes: two groups or more ("1,005,000"),
# or a group before a decimal point ("$52,659.86"); and only a file of decimal commas: a comma
# before other than three digits ("12,5", "0,465" after a 0), or points between groups before
# a decimal comma or twice ("1.234,56", "1.005.000"); and what either reads: digits with at
# most one point or comma ("69,000", "1.234", "12").
_COMMA_GROUPS = _signed_or_in_brackets(
    rf"[{_CURRENCY}]?{_SPACE}[1-9][0-9]{{0,2}}((,[0-9]{{3}}){{2,}}([.][0-9]+)?|,[0-9]{{3}}[.][0-9]+)"
)
_DECIMAL_COMMAS_ONLY = _signed_or_in_brackets(
    r"([0-9]+,([0-9]{1,2}|[0-9]{4,})|0,[0-9]+|[1-9][0-9]{0,2}([.][0-9]{3})+,[0-9]+"
    rf"|[1-9][0-9]{{0,2}}([.][0-9]{{3}}){{2,}}|[0-9]+,[0-9]+{_POWER})"
    rf"{_SPACE}[%{_CURRENCY}]?"
)
_EITHER_WAY = _signed_or_in_brackets(
    rf"[{_CURRENCY}]?{_SPACE}[0-9]+([.,][0-9]+)?{_SPACE}[%{_CURRENCY}]?"
)
# How many distinct values of each text column are looked at for a file's way with numbers
_CONVENTION_SAMPLE = 2_000
# A decimal comma that may as well separate thousands: "69,000"
_COMMA_LIKE_THOUSANDS = re.compile(rf"{_SPACE}{_SIGN}[1-9][0-9]{{0,2}},[0-9]{{3}}{_SPACE}")


def writes_numbers_as_a_comma_file(frame: pd.DataFrame) -> bool:
    """Whether a file not separated by commas (tab, pipe, semicolon) writes its numbers as a
    comma-separated file does, a comma between thousands and a point before decimals (an
    American export: "1,005,000", "$52,659.86"): some text column of numbers holds numbers
    only so written and none holds decimal commas. Else its commas are decimal ("1,5"), as
    where a semicolon separates the fields. A column holding other text (an IP address
    10.100.200.150, a note) tells nothing of how the file writes numbers."""
    grouped = False
    for decimal, groups in _ways_shown(frame):
        if decimal:
            return False
        grouped = grouped or groups
    return grouped


def writes_decimal_commas(frame: pd.DataFrame) -> bool:
    """Whether some text column of numbers holds numbers only a file of decimal commas writes
    ("12,5", "1.234,56"): where it does, a point in another column groups thousands."""
    return any(decimal for decimal, _ in _ways_shown(frame))


def _ways_shown(frame: pd.DataFrame) -> Iterator[tuple[bool, bool]]:
    """For each text column of numbers (a column of other text tells nothing: an IP address
    10.100.200.150, a note), whether it holds numbers only a file of decimal commas writes,
    and whether it holds numbers only a file whose commas group thousands writes."""
    for name in frame.columns:
        text = text_values(frame[name])
        if text is None:
            continue
        values = pd.unique(text.to_numpy(dtype=object))[:_CONVENTION_SAMPLE]
        decimal = [bool(_DECIMAL_COMMAS_ONLY.fullmatch(v)) for v in values]
        groups = [bool(_COMMA_GROUPS.fullmatch(v)) for v in values]
        if all(
            d or g or _EITHER_WAY.fullmatch(v)
            for d, g, v in zip(decimal, groups, values, strict=True)
        ):
            yield any(decimal), any(groups)


def commas_like_thousands(frame: pd.DataFrame, names: Sequence[str]) -> dict[str, str]:
    """Of the text columns `names` (read with a decimal comma), those whose every value with a
    comma has three digits after it and one to three before ("69,000"), as an American tab or
    pipe export writes thousands, each with one such value."""
    found = {}
    for name in names:
        text = text_values(frame[name])
        if text is None:
            continue
        with_comma = [v for v in pd.unique(text.to_numpy(dtype=object)) if "," in v]
        if with_comma and all(_COMMA_LIKE_THOUSANDS.fullmatch(v) for v in with_comma):
            found[name] = with_comma[0].strip()
    return found


# Every space goes first: the shapes allow them only where they say nothing ("-$ 5" is -5,
# "96 800,00 €" 96800, "12,5 %" 12.5), and engines trim different ones before a cast.
_NO_SPACES = tuple((c, "") for c in SPACES)
_MINUS = ("\u2212", "-")
# How a kind is read: the edits, in order, that leave the number's text (the SQL export makes
# the same edits, then a TRY_CAST)
TEXT_NUMBER_EDITS: dict[str, tuple[tuple[str, str], ...]] = {
    "plain": (*_NO_SPACES, _MINUS),
    "percent": (*_NO_SPACES, _MINUS, ("%", "")),
    "decimal_comma": (*_NO_SPACES, _MINUS, (",", ".")),
    # brackets make a negative: "(1,234)" is -1234
    "grouped": (
        *_NO_SPACES,
        _MINUS,
        ("(", "-"),
        (")", ""),
        *((c, "") for c in _CURRENCY),
        (",", ""),
    ),
    "grouped_decimal_comma": (
        *_NO_SPACES,
        _MINUS,
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
_AMOUNT_SIGN = re.compile(rf"[{_CURRENCY}(]|\.\d+\s*\)?\s*$|^\s*{_SIGN}\d{{1,3}}\s*$")
_AMOUNT_SIGN_DECIMAL_COMMA = re.compile(
    rf"[{_CURRENCY}%(]|,\d+\s*[{_CURRENCY}%]?\s*\)?\s*$|^\s*{_SIGN}\d{{1,3}}\s*$"
)

# Each kind: the pattern a value must match as a whole to be read so, and for the grouped
# kinds the sign of an amount and the thousands separators (_look_like_amounts).
_SHAPES: dict[str, tuple[re.Pattern, tuple[re.Pattern, str] | None]] = {
    "plain": (_PLAIN, None),
    "percent": (_PERCENT, None),
    "decimal_comma": (_DECIMAL_COMMA, None),
    "grouped": (_GROUPED, (_AMOUNT_SIGN, ",")),
    "grouped_decimal_comma": (_GROUPED_DECIMAL_COMMA, (_AMOUNT_SIGN_DECIMAL_COMMA, "." + SPACES)),
}
# At scoring a decimal-comma column reads a decimal point too where it cannot group thousands
# ("17.17", "0.465", "1234.5", "2.26648e+02"; "1.234" is missing, as a semicolon file's
# thousands it would be 1234); training tells the kinds apart by the comma.
_POINT_NOT_THOUSANDS = (
    f"0[.][0-9]+|[0-9]+[.]([0-9]{{1,2}}|[0-9]{{4,}})|[0-9]{{4,}}[.][0-9]+|[0-9]+[.][0-9]+{_POWER}"
)
_SCORING_SHAPES = {
    **{kind: shape for kind, (shape, _) in _SHAPES.items()},
    "decimal_comma": re.compile(
        rf"^{_SPACE}{_SIGN}([0-9]+(,[0-9]+)?{_EXPONENT}|{_POINT_NOT_THOUSANDS}){_SPACE}$"
    ),
}
# The kinds training tries, in order, by the file's delimiter (plain numbers pandas reads).
TEXT_NUMBER_KINDS = {
    ",": ("percent", "grouped"),
    "other": ("decimal_comma", "percent", "grouped_decimal_comma"),
}
# The files each kind is read from (a percentage with a decimal point, or a plain number,
# from either)
_KIND_CONVENTION = {
    "plain": None,
    "percent": None,
    "grouped": ",",
    "decimal_comma": "other",
    "grouped_decimal_comma": "other",
}
# The words a CSV reader (pandas) takes as numbers in a column of plain numbers, in any case:
# a number input held as text reads them so too (spaces aside), on every engine, or one cell
# would score otherwise by what the rest of its column holds ("inf" in the top bin where the
# column is numbers, missing where another cell is "abc")
_INFINITY = float("inf")
INFINITY_WORDS = {
    **dict.fromkeys(("inf", "+inf", "infinity", "+infinity"), _INFINITY),
    **dict.fromkeys(("-inf", "-infinity"), -_INFINITY),
}
NUMBER_WORDS = {"true": 1.0, "false": 0.0, **INFINITY_WORDS}
# DataFrame.attrs key: how the CSV file a table was read from writes numbers (a
# TEXT_NUMBER_KINDS key, by its delimiter); absent for tables read otherwise
TEXT_CONVENTION = "credo_text_convention"

# What each kind looks like, in words for a warning or a note
TEXT_NUMBER_WORDS = {
    "plain": "plain numbers such as 1234.5",
    "percent": "percentages such as 13.5%",
    "decimal_comma": "numbers with a decimal comma such as 1,5",
    "grouped": "numbers such as 1,234.50 (a comma between thousands, a point before decimals)",
    "grouped_decimal_comma": (
        "numbers such as 1.234,50 or 12,5% (a point or a space between thousands, a comma"
        " before decimals)"
    ),
}


def level_number_shape() -> str:
    """The pattern (for Python, RE2 and Java alike) a text must match as a whole to be read as
    the number level it writes (bins.loose_level_key)."""
    return _LEVEL_NUMBER.pattern


def reads_as_level_number(text: str) -> bool:
    """Whether the text is a number a categorical level may be written as (level_number_shape)."""
    return _LEVEL_NUMBER.fullmatch(text) is not None


def text_number_shape(kind: str) -> str:
    """The pattern (for Python, RE2 and Java alike) a value must match as a whole to be read
    as a number of `kind` when a model scores it."""
    return _SCORING_SHAPES[kind].pattern


def text_values(column: pd.Series) -> pd.Series | None:
    """The column's non-missing values as text when it holds text, else None."""
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return None
    if isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(column):
        return None
    values = column.dropna()
    if not all(isinstance(v, str) for v in values.head(1000)):
        return None
    return values.astype(str)


def all_match(text: pd.Series, pattern: re.Pattern) -> bool:
    """Every distinct value matches (each looked at once; most columns fail at the first)."""
    return all(pattern.fullmatch(v) for v in pd.unique(text.to_numpy(dtype=object)))


def _matching(text: pd.Series, kind: str) -> pd.Series:
    """Which values of a text column are whole numbers written as `kind` (missing values are
    not). RE2 through Arrow: the engine DuckDB runs the exported SQL's check with."""
    strings = text.astype("string[pyarrow]")
    return strings.str.fullmatch(_SCORING_SHAPES[kind].pattern).fillna(False).astype(bool)


def number_words(kind: str) -> dict[str, float]:
    """The words a column of `kind` reads as numbers: plain numbers take NUMBER_WORDS ("true",
    "-inf"), the kinds read from text the infinities alone (a decimal-comma file written by a
    program holds "inf" beside "1,5"; true/false there is no amount)."""
    return NUMBER_WORDS if kind == "plain" else INFINITY_WORDS


def _words_as_numbers(text: pd.Series, words: dict[str, float]) -> pd.Series:
    """`words` in any case and spacing as their numbers (else missing)."""
    bare = text.astype("string[pyarrow]")
    for old, _ in _NO_SPACES:
        bare = bare.str.replace(old, "", regex=False)
    return bare.str.lower().map(words).astype(float)


def edited_numbers(text: pd.Series, kind: str) -> pd.Series:
    """The numbers a text column holds, read with the edits of `kind`; missing where the text
    is not a number written so ("12,50" is no amount whose comma groups thousands: read as
    1250 it would be a hundred times too much). The `number_words` of the kind ("true",
    "-inf") read as their numbers."""
    readable = _matching(text, kind)
    # in Arrow: the spaces in one pass, then the other edits (20 ms each on a million rows)
    edited = text.astype("string[pyarrow]").str.replace(f"[{SPACES}]", "", regex=True)
    for old, new in TEXT_NUMBER_EDITS[kind]:
        if old not in SPACES:
            edited = edited.str.replace(old, new, regex=False)
    numbers = pd.to_numeric(edited, errors="coerce").astype(float).where(readable)
    if not readable.all():
        numbers = numbers.fillna(_words_as_numbers(text[~readable.to_numpy()], number_words(kind)))
    return numbers


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
    pattern, amounts = _SHAPES[kind]
    converted = {}
    for name in frame.columns:
        text = text_values(frame[name])
        if text is None or text.empty:
            continue
        # an infinity among the numbers ("inf" beside "1,5") is one of them, as it is where
        # pandas reads a comma-separated file's numbers (each distinct value looked at once)
        distinct = pd.Series(pd.unique(text.to_numpy(dtype=object)), dtype=object)
        written = distinct[_words_as_numbers(distinct, INFINITY_WORDS).isna().to_numpy()]
        if written.empty or not all_match(written, pattern):
            continue
        if amounts is not None and not _look_like_amounts(written.tolist(), *amounts):
            continue
        converted[name] = edited_numbers(text, kind).reindex(frame.index)
    return frame.assign(**converted) if converted else frame


# The numbers only a file of each convention (a TEXT_NUMBER_KINDS key) writes
_ONLY_WRITTEN_IN = {",": _COMMA_GROUPS, "other": _DECIMAL_COMMAS_ONLY}


def columns_written_the_other_way(
    frame: pd.DataFrame, convention: str
) -> dict[str, tuple[str, pd.Series]]:
    """The text columns of a file whose delimiter says it writes numbers by `convention` that
    are numbers written the other way: every value a number of one of the other convention's
    kinds, and some written as only that convention writes them ("$1,308.59" in a semicolon
    file of decimal commas; "6.217,70" and "0,204", quoted, in a comma-separated file, as a
    spreadsheet set to German writes them), looked for among the first _CONVENTION_SAMPLE
    distinct values. {column: (kind, the numbers)}. A column whose values read either way
    ("1,500" alone) stays with the file's convention."""
    other = "other" if convention == "," else ","
    found = {}
    for name in frame.columns:
        text = text_values(frame[name])
        if text is None or text.empty:
            continue
        distinct = pd.unique(text.to_numpy(dtype=object))[:_CONVENTION_SAMPLE]
        if not any(_ONLY_WRITTEN_IN[other].fullmatch(v) for v in distinct):
            continue
        for kind in TEXT_NUMBER_KINDS[other]:
            read = text_columns_as_numbers(frame[[name]], kind)[name]
            if pd.api.types.is_numeric_dtype(read):
                found[str(name)] = (kind, read)
                break
    return found


def percent_columns_as_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns whose every value is a percentage ("13.5%") as numbers (13.5)."""
    return text_columns_as_numbers(frame, "percent")


def held_as_text(column: pd.Series) -> bool:
    """Whether a column a model takes as numbers holds text (not numbers, not Decimal or
    float objects, not nothing)."""
    text = text_values(column)
    return text is not None and not text.empty


def reading_kinds(frame: pd.DataFrame, kinds: dict[str, str]) -> dict[str, str]:
    """How to read each column of `kinds` ({column: the kind training read it as, "plain"
    for a number input}) that this table holds as text: as training did, or, in a table read
    from a CSV file (`frame.attrs[TEXT_CONVENTION]`), the kind that reads the most of its
    values where training's reads fewer (see the module's docstring)."""
    from_file = TEXT_CONVENTION in frame.attrs
    chosen = {}
    for name, kind in kinds.items():
        if name not in frame.columns or not held_as_text(frame[name]):
            continue
        chosen[name] = kind
        if not from_file:
            continue
        text = frame[name].dropna().astype(str)
        fits = {kind: int(_matching(text, kind).sum())}
        if fits[kind] == len(text):
            continue
        # the kinds the file's own delimiter allows, as training chose, then plain numbers,
        # then the rest: where two read as many values, the first ("7,549" in a comma file
        # is 7549 before it is 7.549)
        own = TEXT_NUMBER_KINDS[frame.attrs[TEXT_CONVENTION]]
        for other in dict.fromkeys((*own, "plain", *TEXT_NUMBER_EDITS)):
            if other not in fits:
                fits[other] = int(_matching(text, other).sum())
        chosen[name] = max(fits, key=lambda k: fits[k])  # the first of the most
    return chosen


def doubtful_readings(
    frame: pd.DataFrame, kinds: dict[str, str], chosen: dict[str, str]
) -> dict[str, tuple[str, str]]:
    """The columns read as training did (`chosen` as `kinds`) though the CSV file they come
    from writes numbers the other way by its delimiter, and every value training's way reads
    reads that way too, to other numbers ("$96,800": 96.8 as training's semicolon file wrote
    numbers, 96800 as this comma-separated one would; a "-" beside them changes nothing):
    {column: (the kind this file's delimiter says, a value that reads both ways)}."""
    convention = frame.attrs.get(TEXT_CONVENTION)
    doubtful = {}
    for name, kind in chosen.items():
        trained = _KIND_CONVENTION.get(kind)
        if kind != kinds.get(name) or trained is None or convention in (None, trained):
            continue
        text = frame[name].dropna().astype(str)
        text = text[_matching(text, kind).to_numpy()]
        for other in TEXT_NUMBER_KINDS[convention]:
            if text.empty or other == kind or not _matching(text, other).all():
                continue
            if not edited_numbers(text, other).equals(edited_numbers(text, kind)):
                doubtful[name] = (other, str(text.iloc[0]))
                break
    return doubtful


def unreadable_values(
    frame: pd.DataFrame, read: pd.DataFrame, chosen: dict[str, str]
) -> list[dict[str, Any]]:
    """The text of the columns `chosen` ({column: kind read}) that is not a number written so
    (`read`, the table through `read_numbers`, has it missing): for each column with any,
    name, kind, values (how many), share (of the rows) and examples (a few of them)."""
    found = []
    for name, kind in chosen.items():
        lost = frame[name].notna().to_numpy() & read[name].isna().to_numpy()
        odd = frame[name][lost].astype(str)
        odd = odd[odd.str.strip() != ""]  # a blank cell is no value, not a number unread
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


def read_numbers(frame: pd.DataFrame, chosen: dict[str, str]) -> pd.DataFrame:
    """The columns `chosen` ({column: kind}, from reading_kinds) read as numbers: the edits,
    then the number, or missing where the text is not a number written so, as the exported
    SQL reads them."""
    converted = {}
    for name, kind in chosen.items():
        column = frame[name]
        converted[name] = edited_numbers(column.astype(str), kind).where(column.notna())
    return frame.assign(**converted) if converted else frame


def _written_numbers(text: pd.Series) -> pd.Series:
    """Each text as the number it is written as by any kind but plain, else missing."""
    numbers = pd.Series(float("nan"), index=text.index)
    for kind in ("decimal_comma", "grouped_decimal_comma", "grouped", "percent"):
        unread = numbers.isna().to_numpy()
        fits = _matching(text[unread], kind).to_numpy()
        if fits.any():
            numbers[text.index[unread][fits]] = edited_numbers(text[unread][fits], kind)
    return numbers


def numbers_but_for(column: pd.Series, most: int = 3) -> list[str] | None:
    """The few texts (at most `most`) that keep a column of numbers text ("XNA" among years
    employed), or None when it is no such column (or one of codes: "001", "0950"): binned as
    categories, its numbers lose their order (rare ones are pooled with the riskiest)."""
    text = text_values(column)
    if text is None or text.empty:
        return None
    numbers = pd.to_numeric(text.str.strip(), errors="coerce")
    # numbers written another way ("1,5", "13.5%", "$1,234.50") are numbers too: a column of
    # decimal commas but for "XNA" is as much a column of numbers as one of points (the first
    # thousand distinct texts tried first: a column of names or ids fails there)
    unread = numbers.isna().to_numpy()
    others = pd.Series(pd.unique(text[unread].to_numpy(dtype=object))[:1000])
    if _written_numbers(others).isna().sum() > most:
        return None
    numbers[unread] = _written_numbers(text[unread]).to_numpy()
    as_numbers = text[numbers.notna().to_numpy()].str.strip()
    if as_numbers.str.match("^[-+]?0[0-9]").any():  # leading zeros: codes, not quantities
        return None
    codes = pd.unique(text[numbers.isna().to_numpy()].to_numpy(dtype=object))
    if not 0 < len(codes) <= most or numbers.nunique() < 5 or numbers.notna().mean() < 0.5:
        return None
    return [str(c) for c in codes]

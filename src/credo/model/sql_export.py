"""Compile a fitted scorecard to one SELECT: bins -> points -> score, pd, band, reasons.

The query is built once as a sqlglot expression tree and rendered to DuckDB or Spark SQL, so
both engines run the same logic as the Python scorer:

* each feature's bin by the rules of ``Bins.index`` (missing first, then special values, then
  edges or category groups; unseen categories by the bins' ``unseen`` rule);
* points and log-odds per bin as literals, summed in the model's feature order;
* reasons from the same packed integer keys as ``credo.explain.reasons`` (loss * m + reversed
  feature position): the r-th reason is the largest key below the (r-1)-th, so the ordering,
  tie-breaks included, needs no arrays and no sorting functions;
* a feature-table model's rows with ``prov_events`` 0 unscored, as ``credo.model.unscorable``
  says (the scored rows and those, joined by UNION ALL).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import sqlglot.errors
from sqlglot import exp

from credo.explain.reasons import inquiry_positions
from credo.model import unscorable
from credo.model.artifact import number_kinds
from credo.model.bins import FALSE_WORDS, TRUE_WORDS, boolean_word_levels, level_key
from credo.model.text_numbers import (
    SPACES,
    TEXT_NUMBER_EDITS,
    level_number_shape,
    number_words,
    text_number_shape,
)

DIALECTS = ("duckdb", "spark")
SCORABLE = "credo_scorable"  # the WITH name of the rows a feature-table model scores
AS_OF = "as_of"  # a feature table's date column, passed through with the scores
NONE_KEY = -1


def table_of(name: str) -> exp.Table:
    """The table a name gives: "schema.table" read as such, a name no parser reads ("it's",
    'x"y') as one quoted identifier."""
    try:
        return exp.to_table(name)
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError):
        return exp.Table(this=exp.to_identifier(name, quoted=True))


def model_to_sql(
    model: Any,
    dialect: str = "duckdb",
    table: str = "features",
    id_column: str | None = None,
) -> str:
    """One SELECT over ``table`` giving [id,] [as_of,] score, pd, band, reason_1..reason_5.

    ``model`` is a fitted Scorecard or a loaded ModelArtifact; ``id_column`` (when given) is
    passed through as ``id``, and a feature-table model's ``as_of`` after it.
    """
    if dialect not in DIALECTS:
        raise ValueError(f"unknown SQL dialect {dialect!r}: choose one of {', '.join(DIALECTS)}")
    card = model if hasattr(model, "features_") else model.scorecard  # a card or an artifact
    training = {} if card is model else model.training
    # a feature-table model scores the rows some consented event fed; the rest are unscorable
    leaves_out = unscorable.applies(training)
    # text columns training read as numbers ("5.3%", "1,5") are read the same way here, and a
    # plain table's other number inputs as plain numbers where the database holds them as
    # text (a feature table's are numbers)
    readers = dict(training.get("text_numbers") or {})
    if not leaves_out:
        readers = number_kinds(card, readers)
    scored_from = SCORABLE if leaves_out else table
    # a feature table's rows are a person as of a date: the date comes with the score
    carry = (AS_OF,) if leaves_out else ()
    query: exp.Query
    if hasattr(card, "segments_"):
        query = segmented_query(card, scored_from, id_column, dialect, readers, carry)
    else:
        query = build_query(card, scored_from, id_column, dialect, readers=readers, carry=carry)
    if leaves_out:
        columns = ["id"] * bool(id_column) + [*carry, "score", "pd", "band"]
        columns += [f"reason_{r}" for r in range(1, 6)]
        nothing_read = _reads_nothing(card, dialect)
        rest = unscorable.unscorable_select(table, id_column, columns, carry, nothing_read)
        query = exp.union(query, rest, distinct=False).with_(
            SCORABLE, as_=unscorable.scorable_rows(table, nothing_read)
        )
    return query.sql(dialect=dialect, pretty=True)


def segmented_query(
    model: Any,
    table: str,
    id_column: str | None,
    dialect: str = "duckdb",
    readers: dict[str, str] | None = None,
    carry: Sequence[str] = (),
) -> exp.Expression:
    """Each segment's card over the rows its conditions select, the parts joined by UNION ALL.

    A segment's charges add to the loss of the feature they are charged to; a charged feature
    the segment's card does not use is one more reason candidate with a constant loss, after
    the card's own features (the order ``SegmentedScorecard.extended_features`` gives).
    """
    parts = []
    for segment in model.segments_:
        condition = (
            exp.and_(
                *(
                    bin_expression(c.bins, c.feature, dialect, readers).isin(
                        *(exp.Literal.number(b) for b in c.members)
                    )
                    for c in segment.conditions
                )
            )
            if segment.conditions
            else None
        )
        source = exp.select(exp.Star()).from_(table_of(table))
        if condition is not None:
            source = source.where(condition)
        names = model.extended_features(segment)
        extra = names[len(segment.card.features_) :]
        parts.append(
            build_query(
                segment.card,
                table,
                id_column,
                dialect,
                source=source.subquery("segment"),
                charges=segment.charges,
                extra=[(n, model.codes_[n]) for n in extra],
                inquiries=inquiry_positions(names, model.meta_),
                readers=readers,
                carry=carry,
            )
        )
    query: exp.Expression = parts[0]
    for part in parts[1:]:
        query = exp.union(query, part, distinct=False)
    return query


def build_query(
    card: Any,
    table: str,
    id_column: str | None,
    dialect: str = "duckdb",
    *,
    source: exp.Expression | None = None,
    charges: dict[str, int] | None = None,
    extra: list[tuple[str, str]] = (),
    inquiries: list[int] | None = None,
    readers: dict[str, str] | None = None,
    carry: Sequence[str] = (),
) -> exp.Select:
    """One card's SELECT over ``table`` (or the ``source`` subquery).

    ``charges`` add points to features' losses and ``extra`` adds reason candidates with a
    constant loss (name, code), for the segments of a segmented scorecard; ``inquiries`` are
    the reason positions counted as inquiries (default: the card's); ``carry`` names columns
    passed through after the id (a feature table's ``as_of``).
    """
    charges = charges or {}
    names = card.features_
    m = len(names) + len(extra)
    bin_cols = [f"__bin_{j}" for j in range(len(names))]
    key_cols = [f"__key_{j}" for j in range(len(names))]
    extra_keys = [f"__key_{j}" for j in range(len(names), m)]
    passthrough = [exp.column(id_column, quoted=True).as_("id")] if id_column else []
    passthrough += [exp.column(c, quoted=True).as_(c) for c in carry]
    id_out = [exp.column("id")] * bool(id_column) + [exp.column(c) for c in carry]

    # Each input read once, in a SELECT of its own: a value read from text is a long
    # expression, which every bin edge would otherwise repeat (over a table of text, Spark's
    # generated code for a model of ten number features outgrew its 64 KB limit).
    value_cols = [f"__value_{j}" for j in range(len(names))]
    inputs = exp.select(
        *passthrough,
        *(
            input_value(card.bins_[n], n, readers, dialect).as_(v)
            for n, v in zip(names, value_cols, strict=True)
        ),
    ).from_(source if source is not None else table_of(table))
    binned = exp.select(
        *id_out,
        *(
            bin_of_value(card.bins_[n], exp.column(v), dialect).as_(b)
            for n, v, b in zip(names, value_cols, bin_cols, strict=True)
        ),
    ).from_(inputs.subquery("inputs"))

    raw_points = _sum(
        [_lookup(b, card.points_[n], integer=True) for n, b in zip(names, bin_cols, strict=True)]
    )
    log_odds = _sum(
        [_float(card.intercept_)]
        + [_lookup(b, card.log_odds_[n]) for n, b in zip(names, bin_cols, strict=True)]
    )
    keyed = exp.select(
        *id_out,
        raw_points.as_("__raw"),
        log_odds.as_("__log_odds"),
        *(
            _lookup(b, (card.loss_[n] + charges.get(n, 0)) * m + (m - 1 - j), integer=True).as_(k)
            for j, (n, b, k) in enumerate(zip(names, bin_cols, key_cols, strict=True))
        ),
        *(
            exp.Literal.number(int(charges.get(n, 0)) * m + (m - 1 - j)).as_(k)
            for j, ((n, _), k) in enumerate(zip(extra, extra_keys, strict=True), len(names))
        ),
    ).from_(binned.subquery("binned"))
    key_cols = key_cols + extra_keys

    query = keyed
    for r in range(1, 5):
        below = None if r == 1 else exp.column(f"__top_{r - 1}")
        query = exp.select(exp.Star(), _greatest_key(key_cols, below).as_(f"__top_{r}")).from_(
            query.subquery(f"ranked_{r}")
        )
    positions = card.inquiry_columns() if inquiries is None else inquiries
    fifth = _greatest_key([key_cols[j] for j in positions], exp.column("__top_4"), min_key=m)
    query = exp.select(exp.Star(), fifth.as_("__top_5")).from_(query.subquery("ranked_5"))

    scale = card.scale_
    score = exp.Least(
        this=exp.Greatest(
            this=exp.column("__raw"),
            expressions=[exp.Literal.number(scale.min_score)],
            ignore_nulls=True,
        ),
        expressions=[exp.Literal.number(scale.max_score)],
        ignore_nulls=True,
    )
    scored = exp.select(*id_out, score.as_("score"), exp.Star()).from_(query.subquery("summed"))
    codes = [card.codes_[n] for n in names] + [code for _, code in extra]
    final = exp.select(
        *id_out,
        exp.column("score"),
        _logistic(exp.column("__log_odds")).as_("pd"),
        _band(exp.column("score"), scale).as_("band"),
        *(_reason(exp.column(f"__top_{r}"), codes).as_(f"reason_{r}") for r in range(1, 6)),
    ).from_(scored.subquery("scored"))
    return final


def bin_expression(
    bins: Any, name: str, dialect: str = "duckdb", readers: dict[str, str] | None = None
) -> exp.Expression:
    """CASE giving the bin index of the column ``name``, following ``Bins.index``; `readers`
    names the columns training read from text as numbers, and how (a number column the
    database holds as text is read as plain numbers, as credo.model.text_numbers reads it)."""
    return bin_of_value(bins, input_value(bins, name, readers, dialect), dialect)


def input_value(
    bins: Any, name: str, readers: dict[str, str] | None = None, dialect: str = "duckdb"
) -> exp.Expression:
    """The value ``bin_of_value`` bins: a number column's value as DOUBLE (read from text as
    training read it), a categorical column as the database holds it."""
    column: exp.Expression = exp.column(name, quoted=True)
    if bins.kind != "numeric":
        return column
    kind = (readers or {}).get(name, "")
    if not kind:
        return _as_double(column, dialect)
    text = exp.cast(column, "TEXT")
    replaced = _edited(text.copy(), kind)
    # only a value written as training read them is read ("12,50" is no amount whose
    # comma groups thousands, "(1,234" none in brackets), with the pattern Python uses;
    # the whole value must be what matched (Java's `$` matches before a last line break)
    read = exp.Case().when(
        _shaped(text, text_number_shape(kind)), _try_cast(replaced.copy(), "DOUBLE")
    )
    # "inf"/"-Infinity" (and in plain numbers "True"/"False") as text are infinities (and
    # 1/0), as a CSV reader takes them
    word = exp.Lower(this=replaced)
    spellings: dict[float, list[str]] = {}
    for text_word, number in number_words(kind).items():
        spellings.setdefault(number, []).append(text_word)
    for number, words in spellings.items():
        read = read.when(word.copy().isin(*map(exp.Literal.string, words)), _float(number))
    # text that is no number ("n/a") is missing, as in Python, not an error for the query;
    # a column the database holds as numbers is taken as the numbers it holds (the edits
    # are for text: 1234.5 with its points taken out would be 12345)
    return exp.Case().when(_is_text(column), read).else_(_as_double(column, dialect))


def bin_of_value(bins: Any, value: exp.Expression, dialect: str) -> exp.Expression:
    """CASE giving the bin index of an ``input_value``."""
    if bins.kind == "numeric":
        return _numeric_bin(bins, value, dialect)
    return _categorical_bin(bins, value, dialect)


def _edited(text: exp.Expression, kind: str) -> exp.Expression:
    """TEXT_NUMBER_EDITS[kind] as one TRANSLATE (DuckDB and Spark alike: a character of the
    first list is replaced by the one at its place in the second, or removed where the second
    has none); the same text as the edits made in turn, none of whose results a later one
    changes."""
    edits = TEXT_NUMBER_EDITS[kind]
    mapped = [(old, new) for old, new in edits if new]
    assert all(len(old) == len(new) == 1 for old, new in edits if new)
    sources = "".join(old for old, _ in mapped) + "".join(old for old, new in edits if not new)
    targets = "".join(new for _, new in mapped)
    return exp.func("TRANSLATE", text, exp.Literal.string(sources), exp.Literal.string(targets))


def _shaped(text: exp.Expression, pattern: str) -> exp.Expression:
    """Whether the text matches the pattern as a whole (the whole value must be what matched:
    Java's `$` matches before a last line break)."""
    matched = exp.RegexpExtract(
        this=text.copy(), expression=exp.Literal.string(pattern), group=exp.Literal.number(0)
    )
    return exp.EQ(this=matched, expression=text.copy())


def _level_number(column: exp.Expression) -> exp.Expression:
    """A text column's value as the number level it writes (bins.loose_level_key): only the
    plain shape in ASCII digits, which no engine casts otherwise than Python reads it."""
    text = exp.cast(column, "TEXT")
    return exp.Case().when(
        _shaped(text, level_number_shape()), _try_cast(_stripped(column), "DOUBLE")
    )


def _is_text(column: exp.Expression) -> exp.Expression:
    """Whether the database holds the column as text (DuckDB's VARCHAR, Spark's STRING)."""
    return exp.In(
        this=exp.Lower(this=exp.func("TYPEOF", column.copy())),
        expressions=[exp.Literal.string("varchar"), exp.Literal.string("string")],
    )


def _numeric_bin(bins: Any, value: exp.Expression, dialect: str) -> exp.Expression:
    """The bin of a DOUBLE value (`input_value`: text a table left in a number column, "n/a",
    is NULL there, missing, as it reads in Python)."""
    missing = _is_missing(value, value, dialect)
    case = exp.Case().when(missing, exp.Literal.number(bins.missing_index))
    for offset, special in enumerate(bins.specials):
        case = case.when(value.eq(_float(special)), exp.Literal.number(bins.n_regular + offset))
    for i, edge in enumerate(bins.edges):
        case = case.when(value < _float(edge), exp.Literal.number(i))
    return case.else_(exp.Literal.number(bins.n_regular - 1))


def _categorical_bin(bins: Any, column: exp.Expression, dialect: str) -> exp.Expression:
    levels = [lv for group in bins.groups for lv in group] + list(bins.specials)
    passes: list[Any]  # membership tests, tried in order: the first that places a value wins
    if levels and set(levels) <= {"True", "False"}:
        # booleans: levels "True"/"False" in Python, rendered "true"/"false" by databases
        value = _try_cast(column, "BOOLEAN")
        missing = column.is_(exp.null())
        passes = [
            lambda options: value.isin(
                *[exp.true() if o == "True" else exp.false() for o in options]
            )
        ]
    elif levels and all(_is_canonical_number(lv) for lv in levels):
        # numbers: 1.0 and 1 are one level, as in Python; text that is no number is unseen
        value = exp.Case().when(_is_text(column), _level_number(column))
        value = value.else_(_try_cast(column, "DOUBLE"))
        missing = _is_missing(column, value, dialect)
        passes = [lambda options: value.isin(*[_float(float(o)) for o in options])]
    else:
        # text levels, some perhaps numbers or booleans (a column mixing them with words):
        # first the text as it is, then, as Python's loose_level_key, a number or boolean as
        # the level it reads as (a column typed DOUBLE renders 1.0 as '1.0', BOOLEAN as 'true')
        text = exp.cast(column, "TEXT")
        missing = column.is_(exp.null())
        passes = [lambda options: text.isin(*[exp.Literal.string(str(o)) for o in options])]
        if any(_is_canonical_number(lv) or lv in ("True", "False") for lv in levels):
            passes.append(lambda options: _loose_member(column, options))
        answers = boolean_word_levels([lv for group in bins.groups for lv in group])
        if answers:  # another spelling of yes or no, or a BOOLEAN, as Python reads them
            passes.append(lambda options: _answer_member(column, options, answers))

    case = exp.Case().when(missing, exp.Literal.number(bins.missing_index))
    for member in passes:
        for offset, special in enumerate(bins.specials):
            case = case.when(member([special]), exp.Literal.number(bins.n_regular + offset))
        for i, group in enumerate(bins.groups):
            if group:
                case = case.when(member(group), exp.Literal.number(i))
    if bins.unseen == "missing":
        return case.else_(exp.Literal.number(bins.missing_index))
    if bins.unseen == "error":
        return case.else_(exp.null())  # SQL cannot raise: an unseen level scores as NULL
    return case.else_(exp.Literal.number(bins.riskiest_regular_index))


def _loose_member(column: exp.Expression, options: Any) -> exp.Expression:
    """Whether the column reads as one of the number or boolean levels among `options`."""
    numbers = [_float(float(o)) for o in options if _is_canonical_number(o)]
    flags = [exp.Literal.string(str(o).lower()) for o in options if o in ("True", "False")]
    tests = []
    if numbers:
        tests.append(_level_number(column).isin(*numbers))
    if flags:
        tests.append(exp.Lower(this=_stripped(column)).isin(*flags))
    return exp.or_(*tests) if tests else exp.false()


def _answer_member(column: exp.Expression, options: Any, answers: dict[str, str]) -> exp.Expression:
    """Whether the column spells, in any of bins.TRUE_WORDS / FALSE_WORDS and any case, the
    answer that one of `options` spells (`answers`: bins.boolean_word_levels): "Yes" or "Y"
    for a level "yes", and a BOOLEAN, whose text is "true" (DuckDB's CSV reader types a column
    of yes/no or T/F BOOLEAN: every row had scored as an unseen level)."""
    words = {"True": TRUE_WORDS, "False": FALSE_WORDS}
    spelt = sorted(w for a, level in answers.items() if level in options for w in words[a])
    if not spelt:
        return exp.false()
    text = exp.Lower(this=_stripped(column))
    return text.isin(*[exp.Literal.string(w) for w in spelt])


def _stripped(column: exp.Expression) -> exp.Expression:
    """The column as text without the spaces Python's str.strip takes at either end (a
    no-break space too, which the engines' TRIM keeps: "3\u00a0" is the level 3 in Python)."""
    return exp.Trim(this=exp.cast(column, "TEXT"), expression=exp.Literal.string(SPACES))


def _reads_nothing(card: Any, dialect: str) -> exp.Expression:
    """unscorable.reads_nothing in SQL: every column the model reads is missing (NULL, NaN or
    a number column's text that is no number) or holds its feature's no-data value."""
    terms = []
    for name, kind in unscorable.model_inputs(card).items():
        column = exp.column(name, quoted=True)
        if kind != "numeric":
            # NULL, or NaN where the database holds the codes as numbers (text "nan" is a level)
            number = _try_cast(column, "DOUBLE")
            nan = exp.and_(exp.not_(_is_text(column)), _is_nan(number, dialect))
            terms.append(exp.paren(exp.or_(column.is_(exp.null()), nan)))
            continue
        value = _try_cast(column, "DOUBLE")
        term = _is_missing(value, value, dialect)
        no_data = unscorable.no_data_value(card, name)
        if no_data is not None:
            term = exp.or_(term, value.eq(_float(no_data)))
        terms.append(exp.paren(term))
    return exp.and_(*terms) if terms else exp.false()


def _is_missing(column: exp.Expression, value: exp.Expression, dialect: str) -> exp.Expression:
    """NULL or NaN: the first WHEN of every bin CASE, so no comparison ever sees a NaN."""
    return exp.or_(column.is_(exp.null()), _is_nan(value, dialect))


def _is_nan(value: exp.Expression, dialect: str) -> exp.Expression:
    """A NaN test no optimiser decides from column statistics.

    DuckDB (2.0) takes a Parquet row group's min/max statistics, which leave NaN out, as the
    whole truth: with no NULL in the row group and min < max it folds ``isnan(x)`` to false for
    every row, and it decides comparisons such as ``x < 3`` from them too (tests/test_sql_export
    has the reproduction). It has no rule for ``isfinite``, and a number that is neither finite
    nor infinite is NaN; infinities are in the statistics, so ``isinf`` is decided correctly.
    Spark computes ``isnan`` row by row (and has no ``isfinite``).
    """
    if dialect == "spark":
        return exp.func("isnan", value)
    return exp.and_(exp.not_(exp.func("isfinite", value)), exp.not_(exp.func("isinf", value)))


def _as_double(column: exp.Column, dialect: str = "duckdb") -> exp.Expression:
    """A number column as DOUBLE; a FLOAT (32 bits) as its shortest decimal text reads, as
    Python widens one (bins.widened): 0.21, not 0.20999999344348907 below a cut at 0.21."""
    type_name = exp.Lower(this=exp.func("TYPEOF", column.copy()))
    single = type_name.eq(exp.Literal.string("float"))
    # A BOOLEAN as 1 and 0 by its text: DuckDB (2.0) pushes a cast of a column read by
    # read_csv into the reader, which then fails on "False" as a number
    boolean = type_name.copy().eq(exp.Literal.string("boolean"))
    as_text = exp.Lower(this=exp.cast(column.copy(), "TEXT"))
    one_or_zero = (
        exp.Case()
        .when(as_text.eq(exp.Literal.string("true")), _float(1.0))
        .when(as_text.copy().eq(exp.Literal.string("false")), _float(0.0))
    )
    return (
        exp.Case()
        .when(single, _shortest_text_read(column, dialect))
        .when(boolean, one_or_zero)
        .else_(_try_cast(column, "DOUBLE"))
    )


def _shortest_text_read(column: exp.Column, dialect: str) -> exp.Expression:
    """A FLOAT as DOUBLE by its shortest decimal text. DuckDB writes a FLOAT so; Spark writes
    Java's text, which before Java 19 is often longer (8.7e11 as "8.6999997E11", read as a
    double below a cut at 8.7e11). There the text is the fewest significant digits, 1 to 9,
    that read back as the same FLOAT: the shortest text's digits, as Python's repr finds them
    (the nearest decimal of that many digits reads back whenever any does)."""
    as_text = _try_cast(exp.cast(column.copy(), "TEXT"), "DOUBLE")
    if dialect != "spark":
        return as_text
    shortest = exp.Case()
    for digits in range(1, 10):
        # Spark formats with Locale.US: a decimal point whatever the machine's locale
        written = exp.func("format_string", exp.Literal.string(f"%.{digits}g"), column.copy())
        # the column as FLOAT again: the same where it is one, and a type both sides of the
        # comparison share where it is not (this branch is for FLOATs, but Spark checks the
        # types of every branch: a BOOLEAN is no FLOAT to compare with)
        reads_back = _try_cast(written, "FLOAT").eq(_try_cast(column.copy(), "FLOAT"))
        shortest = shortest.when(reads_back, _try_cast(written.copy(), "DOUBLE"))
    return shortest.else_(as_text)


def _try_cast(column: exp.Expression, to: str) -> exp.Expression:
    """TRY_CAST on both engines (NULL where the value does not convert); `safe` keeps it a
    TRY_CAST in Spark SQL, whose ANSI mode (the default since Spark 4) makes CAST fail."""
    return exp.TryCast(this=column, to=exp.DataType.build(to), safe=True)


def _is_canonical_number(text: Any) -> bool:
    """A level a number reads as in Python ("1", "2.5"): levels such as "01" or "1.0" came
    from text and are compared as text, as Python compares them."""
    try:
        number = float(text)
    except (TypeError, ValueError):
        return False
    return level_key(number) == text


def _float(value: float) -> exp.Expression:
    """A double literal that reads back as exactly ``value`` in both engines (an infinity as
    the text both cast to it)."""
    if math.isinf(value):
        return exp.cast(exp.Literal.string("Infinity" if value > 0 else "-Infinity"), "DOUBLE")
    return exp.cast(exp.Literal.number(repr(float(value))), "DOUBLE")


def _lookup(bin_column: str, values: Any, integer: bool = False) -> exp.Expression:
    """CASE bin WHEN 0 THEN v0 WHEN 1 THEN v1 ... END."""
    case = exp.Case(this=exp.column(bin_column))
    for i, v in enumerate(values):
        literal = exp.Literal.number(int(v)) if integer else _float(v)
        case = case.when(exp.Literal.number(i), literal)
    return case


def _sum(terms: list[exp.Expression]) -> exp.Expression:
    total = terms[0]
    for term in terms[1:]:
        total = exp.Add(this=total, expression=term)
    return total


def _greatest_key(
    key_cols: list[str], below: exp.Expression | None, min_key: int = 0
) -> exp.Expression:
    """The largest packed key under ``below`` (and at least ``min_key``), else -1."""
    terms: list[exp.Expression] = []
    for key in key_cols:
        column = exp.column(key)
        conditions = []
        if below is not None:
            conditions.append(column < below)
        if min_key:
            conditions.append(column >= exp.Literal.number(min_key))
        if conditions:
            cond = conditions[0] if len(conditions) == 1 else exp.and_(*conditions)
            terms.append(exp.Case().when(cond, column).else_(exp.Literal.number(NONE_KEY)))
        else:
            terms.append(column)
    if not terms:
        return exp.Literal.number(NONE_KEY)
    return exp.Greatest(this=exp.Literal.number(NONE_KEY), expressions=terms, ignore_nulls=True)


def _reason(top: exp.Expression, codes: list[str]) -> exp.Expression:
    """The feature code a packed key points at, or NULL when it costs no points."""
    m = len(codes)
    position = exp.Mod(this=top, expression=exp.Literal.number(m))
    case = exp.Case(this=position)
    for j, code in enumerate(codes):
        case = case.when(exp.Literal.number(m - 1 - j), exp.Literal.string(code))
    return exp.Case().when(top >= exp.Literal.number(m), case).else_(exp.null())


def _logistic(z: exp.Expression) -> exp.Expression:
    one = _float(1.0)
    # Built trees are not re-parenthesised by sqlglot, so the grouping is explicit.
    denominator = exp.paren(exp.Add(this=one, expression=exp.Exp(this=exp.Neg(this=z))))
    return exp.Div(this=one, expression=denominator)


def _band(score: exp.Expression, scale: Any) -> exp.Expression:
    case = exp.Case()
    for band, upper in zip(scale.bands[:-1], scale.bands[1:], strict=True):
        case = case.when(score < exp.Literal.number(upper.low), exp.Literal.string(band.name))
    return case.else_(exp.Literal.string(scale.bands[-1].name))

"""Feature specs -> one SQL query, built once as a sqlglot expression and rendered per dialect
(DuckDB for the batch, Spark SQL for a cluster, SQLite for one person: see single.py).

The query reads three relations: events (EVENT_SCHEMA), consents (CONSENT_SCHEMA) and an as-of
table (engines.KEYED_ASOF_SCHEMA: user_id, as_of TIMESTAMP, pid, a distinct integer per
row, and the month and day the row's month buckets count back from, engines.bucket_anchor: one
row per person and date to compute features for). Every stage after the first join
is keyed by pid, not by (user_id, as_of): one integer is cheaper to hash and compare than a
string and a timestamp. Stages:

1. granted: (user, source, pid) where a credit_scoring consent is active at as_of and the
   policy allows the source;
2. ev: the events of granted sources strictly before as_of, with `m` = whole months back
   (bucket 0 = the month up to as_of, aligned on as_of's day of month);
3. mp: the aggregation of the events, grouped by pid x m, with one column ("cell") per
   distinct (sources, types, measure) the specs read: a compact monthly pivot. The cells of
   occasional event types (accounts opened, inquiries, profiles, ...), those of the monthly
   account status (ev_ga/mp_ga), those of billing cycles (ev_gb/mp_gb) and those of bank
   accounts' latest balances (ev_gc/mp_gc) are aggregated apart and joined on; the rest in one
   pass over every event (mp_all);
4. sv/sm/sw: the monthly series values and their per-person means (for std, cv and slope;
   an aggregate joined back, not a window);
5. ur: every event and series aggregate, from the monthly pivot (small);
   ar: account ages from account_opened / account_closed events;
6. the as-of table left-joined to those, no-data values applied, provenance columns added.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp

from credo.events.schema import SOURCES, TYPES
from credo.features.spec import (
    CYCLE_TYPES,
    EVENT_AGGREGATES,
    MEASURE_TYPES,
    REPORT_TYPES,
    SERIES_AGGREGATES,
    FeatureSpec,
    Series,
    Term,
)
from credo.policy.policy import DIMENSIONS, Policy
from credo.store.sql import sql_text

DIALECTS: tuple[str, ...] = ("duckdb", "spark")
PROVENANCE_COLUMNS: tuple[str, ...] = ("prov_sources", "prov_events") + tuple(
    f"prov_events_{d}" for d in DIMENSIONS
)

_MONTH_INDEX = "(YEAR({t}) * 12 + MONTH({t}))"
# Groups of event types whose cells are aggregated apart, over those events alone (see
# _pivot_stages): the types a person has a few of in a lifetime, not one a month per account.
APART_TYPES: tuple[tuple[str, ...], ...] = (
    ("account_opened", "account_closed", "inquiry", "profile", "refund"),
)
# The monthly account reports (past due, balances, limits), one per account per month as in
# Metro 2. An account that reported twice in a bucket (a correction, or a reporting day moved
# across the bucket's edge by a weekend) counts once, by its latest report: their cells are
# always aggregated apart, over each account's latest report per month (`_account_reports`).
ACCOUNT_REPORT_TYPES: tuple[str, ...] = ("account_status",)
# What stands for "no value" while a report's fields are picked (ARG_MAX skips a NULL value on
# some engines and not on others, so none is passed): amounts, limits and days past due are
# never negative (ingest refuses them).
_NO_VALUE = "-1"
# A value given but not known (an address date that is no month): carried through the
# monthly pivot so that it stands over an earlier event's, then read as no value by the "last"
# aggregate (months are never negative).
_NOT_KNOWN = "-1"
_READ_AS_NOT_KNOWN = frozenset({"address_months"})
_SEP = ",\n    "

# Each measure: its value per event (over the columns of `ev`) and how a month combines them.
_MEASURE_SQL: dict[str, tuple[str, str]] = {
    "n": ("1", "count"),
    "amount": ("amount", "sum"),
    "amount_max": ("amount", "max"),
    "limit": ("credit_limit", "sum"),
    # a balance over a limit counts only where the report gives the limit (the field is optional)
    # a limit of 0 (a charge card, a line closed to spending) is no limit to be used against
    "amount_limited": ("CASE WHEN credit_limit > 0 THEN amount END", "sum"),
    # a column of the balance stage (`_account_balances`): each account's latest balance
    "signed_last": ("amount", "sum"),
    "dpd_max": ("dpd", "max"),
    "n_late": ("CASE WHEN dpd > 0 THEN 1 ELSE 0 END", "sum"),
    # reports whose days past due may be used (within the policy's negative_data_months)
    "n_dpd_known": ("CASE WHEN dpd IS NOT NULL THEN 1 ELSE 0 END", "sum"),
    "n_dpd30": ("CASE WHEN dpd >= 30 THEN 1 ELSE 0 END", "sum"),
    "n_dpd60": ("CASE WHEN dpd >= 60 THEN 1 ELSE 0 END", "sum"),
    "n_dpd90": ("CASE WHEN dpd >= 90 THEN 1 ELSE 0 END", "sum"),
    "n_owed": ("CASE WHEN amount > 0 THEN 1 ELSE 0 END", "sum"),
    "n_hard": ("CASE WHEN category = 'hard' THEN 1 ELSE 0 END", "sum"),
    "n_overdrawn": ("CASE WHEN category = 'overdrawn' THEN 1 ELSE 0 END", "sum"),
    "amount_in": ("CASE WHEN category = 'in' THEN amount ELSE 0 END", "sum"),
    "amount_out": ("CASE WHEN category = 'out' THEN amount ELSE 0 END", "sum"),
    "id_verified": ("id_verified", "last"),
    "address_months": ("address_months", "last"),
    # columns of the billing-cycle stage (`_billing_cycles`), not of events
    "cycle_paid": ("paid", "sum"),
    "cycle_billed": ("billed", "sum"),
    "statement_billed": ("statement_billed", "sum"),
}
# Measures worked out over billing cycles, by `_billing_cycles`, rather than over the events of
# a month: their cells are always aggregated apart.
CYCLE_MEASURES = frozenset({"cycle_paid", "cycle_billed", "statement_billed"})
# Measures worked out over each bank account's latest balance report of the month, by
# `_account_balances`, and summed over a person's accounts: always aggregated apart.
BALANCE_MEASURES = frozenset({"signed_last"})
BALANCE_TYPES: tuple[str, ...] = MEASURE_TYPES["signed_last"]
# Accounts opened and closed are counted by account, not by event (`_account_lifecycles`): an
# opening sent twice is one account, a closing counts against the account it closes, only
# after its latest opening (a reopened account is open), and never for an account opened
# before the data began (it would cancel another's opening).
LIFECYCLE_TYPES: tuple[str, ...] = ("account_opened", "account_closed")
# How furnishers write a profile's id_verified, lower-cased: yes and no
VERIFIED_YES = ("true", "1", "1.0", "yes", "y", "verified")
VERIFIED_NO = ("false", "0", "0.0", "no", "n", "unverified", "not verified")
# Measures read from days past due, which the policy's negative_data_months limits.
_DAYS_PAST_DUE_MEASURES = frozenset({"dpd_max", "n_late", "n_dpd30", "n_dpd60", "n_dpd90"})


@dataclass(frozen=True)
class Tables:
    """Names of the relations the query reads."""

    events: str = "events"
    consents: str = "consents"
    asof: str = "credo_asof"


@dataclass(frozen=True)
class Cell:
    """One column of the monthly pivot: a measure over the month's events of sources x types."""

    sources: tuple[str, ...]
    types: tuple[str, ...]
    measure: str


def _in_list(values: Iterable[str]) -> str:
    return ", ".join(sql_text(v) for v in values)


def _num(value: float) -> str:
    return repr(float(value))


def _event_filter(sources: Sequence[str], types: Sequence[str]) -> str:
    parts = []
    for column, values in (("source", sources), ("type", types)):
        if len(values) == 1:
            parts.append(f"{column} = {sql_text(values[0])}")
        elif values:
            parts.append(f"{column} IN ({_in_list(values)})")
    return " AND ".join(parts) or "TRUE"


def _window(window: int | None, extra: str = "") -> str:
    parts = [p for p in (extra, f"m < {window}" if window is not None else "") if p]
    return " AND ".join(parts) or "TRUE"


def read_types(specs: Sequence[FeatureSpec], policy: Policy) -> dict[str, tuple[str, ...]]:
    """The sources some feature reads and the policy allows, each with the event types read
    (() for every type): the events that can feed a feature, which alone count as its data
    and in the provenance."""
    read: dict[str, set[str] | None] = {}
    for spec in specs:
        for sources, types in spec.filters:
            for source in sources:
                known = read.setdefault(source, set())
                if known is not None:
                    read[source] = None if not types else known | set(types)
    return {
        s: () if read[s] is None or read[s] >= set(TYPES) else tuple(sorted(read[s]))
        for s in SOURCES
        if s in read and policy.allows_source(s)
    }


class _Cells:
    """The pivot's cells, named c0, c1, ... in order of first use."""

    def __init__(self, sources: dict[str, tuple[str, ...]]) -> None:
        self.names: dict[Cell, str] = {}
        # per-source counts of the events that can feed a feature (presence and provenance);
        # a source no feature reads or the policy forbids has none
        self.counts = {s: Cell((s,), types, "n") for s, types in sources.items()}
        for cell in self.counts.values():
            self.name(cell)

    def name(self, cell: Cell) -> str:
        if cell.measure == "n" and not cell.types and len(cell.sources) > 1:
            return f"({self.presence(cell.sources)})"
        if cell not in self.names:
            self.names[cell] = f"c{len(self.names)}"
        return self.names[cell]

    def source_count(self, source: str) -> str:
        return self.names[self.counts[source]] if source in self.counts else "0"

    def presence(self, sources: Sequence[str], side: str = "") -> str:
        """Events of these sources in a month, as an expression over the pivot (its columns
        qualified by the pivot's alias `side` when given)."""
        counts = [self.source_count(s) for s in sources]
        prefix = f"{side}." if side else ""
        return " + ".join(c if c == "0" else prefix + c for c in counts) or "0"

    def ref(self, cell: Cell, side: str) -> str:
        """The cell read from the pivot aliased `side` (a count over several sources is the
        sum of their per-source counts)."""
        if cell.measure == "n" and not cell.types and len(cell.sources) > 1:
            return f"({self.presence(cell.sources, side)})"
        return f"{side}.{self.name(cell)}"

    def reading_only(self, types: Sequence[str]) -> list[Cell]:
        """The cells that read events of these types and no others (none over billing
        cycles or accounts' balances)."""
        staged = CYCLE_MEASURES | BALANCE_MEASURES
        return [
            c
            for c in self.names
            if c.types and set(c.types) <= set(types) and c.measure not in staged
        ]

    def over(self, measures: frozenset[str]) -> list[Cell]:
        """The cells of these measures (worked out over a stage of their own)."""
        return [c for c in self.names if c.measure in measures]

    def sql(self, chosen: Iterable[Cell]) -> str:
        columns = []
        for cell in chosen:
            name = self.names[cell]
            value, combine = _MEASURE_SQL[cell.measure]
            # a billing cycle's row has a source and no one type
            types = () if cell.measure in CYCLE_MEASURES else cell.types
            cond = _event_filter(cell.sources, types)
            if combine == "count":
                agg = f"COUNT(CASE WHEN {cond} THEN 1 END)"
            elif combine == "last":
                # the latest event's value; of several at the same instant the largest, so
                # that no engine's row order decides
                key = f"{{'t': ts, 'v': {value}}}"
                agg = f"ARG_MAX({value}, CASE WHEN {cond} AND ({value}) IS NOT NULL THEN {key} END)"
            else:
                agg = f"{combine.upper()}(CASE WHEN {cond} THEN {value} END)"
            columns.append(f"{agg} AS {name}")
        return _SEP.join(columns)


def _account_reports(
    name: str, tables: Tables, policy: Policy, cells: Sequence[Cell], also: Sequence[str] = ()
) -> str:
    """The stage `name`: each account's latest report in each month, its fields as that
    report gives them. Its events stage (`name`_all) holds the events of the types `also` too,
    for another stage to read them out of it."""
    raw = _events(f"{name}_all", tables, policy, (*ACCOUNT_REPORT_TYPES, *also), ("account_id",))
    reports = f" WHERE type IN ({_in_list(ACCOUNT_REPORT_TYPES)})" if also else ""
    # the latest report's fields; of reports at one instant, the one of the largest balance,
    # then limit, then days past due: whole, so that no mix of two reports is made and no
    # engine's row order decides. The report is its key, so one MAX of it gives every field
    # (the engines work out the one aggregate once).
    fields = ("amount", "credit_limit", "dpd")
    given = {field: f"COALESCE({field}, {_NO_VALUE})" for field in fields}
    key = "{'t': ts, " + ", ".join(f"'{f[0]}': {given[f]}" for f in fields) + "}"
    picked = _SEP.join(
        f"NULLIF(STRUCT_EXTRACT(MAX({key}), '{field[0]}'), {_NO_VALUE}) AS {field}"
        for field in fields
    )
    # The type is the one type; the time (the latest report's) and the category are kept only
    # for the cells that read them (none of the catalog's: each would cost an aggregate).
    reads = " ".join(_MEASURE_SQL[cell.measure][0] for cell in cells)
    last = any(_MEASURE_SQL[cell.measure][1] == "last" for cell in cells)
    ts = "MAX(ts)" if last else "CAST(NULL AS TIMESTAMP)"
    category = "MAX(category)" if "category" in reads else "CAST(NULL AS VARCHAR)"
    return f"""{raw},
{name} AS (
  SELECT pid, m, source, '{ACCOUNT_REPORT_TYPES[0]}' AS type, {ts} AS ts,
    {category} AS category,
    {picked}
  FROM {name}_all{reports} GROUP BY pid, m, source, account_id
)"""


def _account_events(
    name: str, tables: Tables, policy: Policy, types: Sequence[str], within: str | None
) -> str:
    """The stage `name`: the events of `types` with their account ids, read out of the stage
    `within` when given (one that holds them), else out of the events."""
    if within is None:
        return _events(name, tables, policy, types, ("account_id",))
    return f"""
{name} AS (
  SELECT * FROM {within} WHERE type IN ({_in_list(types)})
)"""


def _account_balances(name: str, tables: Tables, policy: Policy, within: str | None = None) -> str:
    """The stage `name`: each account's latest balance report in each month, negative when
    overdrawn (of reports at one instant, the largest, so that no engine's row order decides;
    a report without an amount is not read). `within`: a stage of events (with their account
    ids) that holds the balance reports, to read them from."""
    raw = _account_events(f"{name}_all", tables, policy, BALANCE_TYPES, within)
    signed = "CASE WHEN category = 'overdrawn' THEN -amount ELSE amount END"
    key = f"CASE WHEN amount IS NOT NULL THEN {{'t': ts, 'v': {signed}}} END"
    return f"""{raw},
{name} AS (
  SELECT pid, m, source, '{BALANCE_TYPES[0]}' AS type, ARG_MAX({signed}, {key}) AS amount
  FROM {name}_all GROUP BY pid, m, source, account_id
)"""


def _account_lifecycles(
    name: str, tables: Tables, policy: Policy, within: str | None = None
) -> str:
    """The stage `name`: an account_opened row for each account opened on file, in the month
    of its first opening, and an account_closed row for each of those closed since its latest
    opening, in the month of its latest closing. `within`: a stage of events (with their
    account ids) that holds the openings and closings, to read them from."""
    raw = _account_events(f"{name}_all", tables, policy, LIFECYCLE_TYPES, within)
    opened, closed = (f"type = {sql_text(t)}" for t in LIFECYCLE_TYPES)
    return f"""{raw},
{name}_a AS (
  SELECT pid, source,
    MAX(CASE WHEN {opened} THEN m END) AS opened_m,
    MAX(CASE WHEN {opened} THEN ts END) AS opened_ts,
    MIN(CASE WHEN {closed} THEN m END) AS closed_m,
    MAX(CASE WHEN {closed} THEN ts END) AS closed_ts
  FROM {name}_all GROUP BY pid, source, account_id
),
{name} AS (
  SELECT pid, opened_m AS m, source, {sql_text(LIFECYCLE_TYPES[0])} AS type
  FROM {name}_a WHERE opened_m IS NOT NULL
  UNION ALL
  SELECT pid, closed_m AS m, source, {sql_text(LIFECYCLE_TYPES[1])} AS type
  FROM {name}_a WHERE opened_ts IS NOT NULL AND closed_ts >= opened_ts
)"""


def _billing_cycles(name: str, tables: Tables, policy: Policy, cells: Sequence[Cell]) -> str:
    """The stage `name`: for each statement (pid, m, source, ...), a row in the month it was
    first sent (statement_billed) and, if it fell due before the as-of day, one in the month of
    its due date (billed, paid). A billing cycle runs from one of an
    account's statements to its next (or to the as-of date); the payments made in it are what
    was paid of the statement it began with. An account's statements are told apart by their
    due dates: one sent again for the same due date (a correction) replaces the one before,
    its cycles one, billed as the latest says (of several at one instant, the one due latest,
    then the largest).
    Payments at the instant of a statement are after it; payments before an account's first
    statement count in none."""
    raw = _events(f"{name}_ev", tables, policy, CYCLE_TYPES, ("account_id", "due_date"))
    sources = [s for s in SOURCES if any(s in cell.sources for cell in cells)]
    # One ordering of each account's events, so that no engine's row order decides: at one
    # instant statements first ('statement' > 'payment'), the one due latest first (the others
    # then fall in its cycle and are not read), then the smaller first. Up to each event: the
    # latest due date of the statements (the cycle it falls in: due dates run on with the
    # statements; where one runs back, the latest still stands) and how many statements (the
    # latest statement of a cycle is the one of the most).
    window = (
        "OVER (PARTITION BY pid, source, account_id ORDER BY ts, type DESC, due_date DESC,"
        " amount ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
    )
    opening = "type = 'statement' AND due_date = cycle"
    # Each cycle twice (k): in its due month for what was paid of it, and in the month its
    # statement was first sent for what it billed (the bills of a month: a statement sent
    # again counts once, as last sent). One pass over the cycles, not two.
    return f"""{raw},
{name}_n AS (
  SELECT pid, source, account_id, type, amount, due_date, due_m, m,
    MAX(CASE WHEN type = 'statement' THEN due_date END) {window} AS cycle,
    SUM(CASE WHEN type = 'statement' THEN 1 ELSE 0 END) {window} AS sent
  FROM {name}_ev WHERE source IN ({_in_list(sources)})
),
{name}_c AS (
  SELECT pid, source,
    MAX(CASE WHEN {opening} THEN due_m END) AS due_m,
    ARG_MIN(m, CASE WHEN {opening} THEN sent END) AS sent_m,
    ARG_MAX(amount, CASE WHEN {opening} THEN sent END) AS billed,
    SUM(CASE WHEN type = 'payment' THEN amount ELSE 0 END) AS paid
  FROM {name}_n WHERE cycle IS NOT NULL GROUP BY pid, source, account_id, cycle
),
{name} AS (
  SELECT pid, source, CASE WHEN k.k = 0 THEN c.due_m ELSE c.sent_m END AS m,
    CASE WHEN k.k = 0 THEN c.billed END AS billed,
    CASE WHEN k.k = 0 THEN c.paid END AS paid,
    CASE WHEN k.k = 1 THEN c.billed END AS statement_billed
  FROM {name}_c AS c CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1 AS k) AS k
  WHERE k.k = 1 OR c.due_m IS NOT NULL
)"""


def _monthly(name: str, events: str, cells_sql: str) -> str:
    return f"""
{name} AS (
  SELECT pid, m,
    {cells_sql}
  FROM {events} GROUP BY pid, m
)"""


def _pivot_stages(
    cells: _Cells, tables: Tables, policy: Policy, apart_types: Sequence[Sequence[str]]
) -> str:
    """The monthly pivot `mp`. The cells that read only one group of event types (APART_TYPES
    by default) are aggregated apart, over those events only, and joined on: every other cell
    is worked out for every event, so each cell kept out of the big aggregation saves one
    conditional aggregate per event. The account-report cells are always aggregated apart,
    over each account's latest report per month (`_account_reports`), those of billing
    cycles over the cycles (`_billing_cycles`), and the balances over each account's latest
    balance report per month (`_account_balances`)."""
    # counts of accounts opened and closed, by account; a source's count of events (its
    # presence and provenance) stays a count of events, even where a catalog reads no other
    # types of the source (a spec counting the same cell then counts events too)
    presence = set(cells.counts.values())
    lifecycle = [
        c for c in cells.reading_only(LIFECYCLE_TYPES) if c.measure == "n" and c not in presence
    ]
    groups = [
        (f"g{i}", types, [c for c in cells.reading_only(types) if c not in lifecycle])
        for i, types in enumerate(apart_types)
    ]
    # The lifecycles read their events out of an occasional-types stage that holds them, where
    # there is one, and the balances theirs out of the account reports' events stage: a stage
    # read twice is kept whole, which costs less than a scan and join of every event again.
    hosts = [a for a, types, chosen in groups if chosen and set(LIFECYCLE_TYPES) <= set(types)]
    host = hosts[0] if hosts and lifecycle else None
    groups.append(("gd", LIFECYCLE_TYPES, lifecycle))
    groups.append(("ga", ACCOUNT_REPORT_TYPES, cells.reading_only(ACCOUNT_REPORT_TYPES)))
    groups.append(("gb", CYCLE_TYPES, cells.over(CYCLE_MEASURES)))
    groups.append(("gc", BALANCE_TYPES, cells.over(BALANCE_MEASURES)))
    groups = [g for g in groups if g[2]]
    aliases = {alias for alias, _, _ in groups}
    reports, balances = "ga" in aliases, "gc" in aliases
    apart = {cell: alias for alias, _, chosen in groups for cell in chosen}
    common = [c for c in cells.names if c not in apart]
    if not apart:
        return _monthly("mp", "ev", cells.sql(common))

    def joined(cell: Cell, side: str) -> str:
        name = cells.names[cell]
        # No such event in a month: a count is 0, anything else has no value.
        counted = _MEASURE_SQL[cell.measure][1] == "count"
        return f"COALESCE({side}.{name}, 0) AS {name}" if counted else f"{side}.{name} AS {name}"

    stages = [_monthly("mp_all", "ev", cells.sql(common))]
    base, joins = "mp_all", []
    for alias, types, chosen in groups:
        if types == ACCOUNT_REPORT_TYPES:
            also = BALANCE_TYPES if balances else ()
            stages.append(_account_reports(f"ev_{alias}", tables, policy, chosen, also))
        elif alias == "gb":
            stages.append(_billing_cycles(f"ev_{alias}", tables, policy, chosen))
        elif alias == "gc":
            within = "ev_ga_all" if reports else None
            stages.append(_account_balances(f"ev_{alias}", tables, policy, within))
        elif alias == "gd":
            within = f"ev_{host}" if host else None
            stages.append(_account_lifecycles(f"ev_{alias}", tables, policy, within))
        else:
            extra = ("account_id",) if alias == host else ()
            stages.append(_events(f"ev_{alias}", tables, policy, types, extra))
        stages.append(_monthly(f"mp_{alias}", f"ev_{alias}", cells.sql(chosen)))
        if alias == "gb":
            # A cycle counts in the month its statement fell due, which may hold no event of
            # the person's (an account's last statement, due after it closed): its months are
            # added to the pivot's, not only joined onto them.
            columns = [joined(c, "a") for c in common] + [f"gb.{cells.names[c]}" for c in chosen]
            stages.append(
                f"""
mp_due AS (
  SELECT COALESCE(a.pid, gb.pid) AS pid, COALESCE(a.m, gb.m) AS m, {", ".join(columns)}
  FROM mp_all AS a FULL JOIN mp_gb AS gb ON gb.pid = a.pid AND gb.m = a.m
)"""
            )
            base = "mp_due"
            apart.update(dict.fromkeys(chosen, "a"))  # read from mp_due, as the common cells
        else:
            joins.append(
                f"LEFT JOIN mp_{alias} AS {alias} ON {alias}.pid = a.pid AND {alias}.m = a.m"
            )
    columns = [
        f"a.{cells.names[c]}" if apart.get(c, "a") == "a" else joined(c, apart[c])
        for c in cells.names
    ]
    stages.append(
        f"""
mp AS (
  SELECT a.pid, a.m, {", ".join(columns)}
  FROM {base} AS a {" ".join(joins)}
)"""
    )
    return ",".join(stages)


def _granted(tables: Tables, policy: Policy) -> str:
    allowed = _in_list(s for s in SOURCES if policy.allows_source(s))
    return f"""
granted AS (
  SELECT DISTINCT c.user_id, c.source, a.pid, a.as_of, a.bucket_month, a.bucket_day,
    {_MONTH_INDEX.format(t="a.as_of")} AS as_of_month
  FROM {tables.consents} AS c JOIN {tables.asof} AS a ON c.user_id = a.user_id
  WHERE c.purpose = 'credit_scoring' AND c.granted_at <= a.as_of
    AND (c.revoked_at IS NULL OR c.revoked_at > a.as_of)
    AND c.source IN ({allowed})
)"""


def _events(
    name: str,
    tables: Tables,
    policy: Policy,
    only_types: Sequence[str] = (),
    extra: Sequence[str] = (),
) -> str:
    """The stage of granted events before the as-of date (of `only_types` when given, with
    the `extra` event columns; with the due date, `due_m` too: the month back of a
    statement's due date before the as-of day)."""
    as_of_month = "g.as_of_month"  # worked out once per person in `granted`, not per event
    # address_since is "YYYY-MM" or "YYYY-MM-DD": read the year and month parts. The pattern
    # decides what is a date, alike on every engine (their casts of odd text differ); a month
    # that is none (13), a year before 1900 (as ingest refuses timestamps; "0000-01" would be
    # two thousand years at one address) or a date after the as-of month is not known.
    # A profile that leaves a field out says nothing of it (an earlier profile's value stands);
    # an address date it gives that is no month stands over earlier ones, as not known.
    # id_verified as furnishers write it; a value that says neither (or none) says nothing,
    # as a profile without the field does (a "yes" read as not verified cost points)
    # Spaces trimmed and nothing else, on every engine (DuckDB's TRIM also takes a no-break
    # space off, Spark's and SQLite's do not); a dotted capital I (U+0130) never lower-cases
    # to the plain i of a word (DuckDB's LOWER makes "VERİFİED" verified, Spark's does not)
    verified = "LOWER(REPLACE(TRIM(e.attributes ->> '$.id_verified', ' '), '\u0130', '#'))"
    address = "(e.attributes ->> '$.address_since')"
    address_month = (
        f"(CASE WHEN REGEXP_MATCHES({address}, '^(19|[2-9][0-9])[0-9]{{2}}-(0[1-9]|1[0-2])')"
        f" THEN TRY_CAST(SUBSTRING({address}, 1, 4) AS INT) * 12"
        f" + TRY_CAST(SUBSTRING({address}, 6, 2) AS INT) END)"
    )
    types = f" AND e.type IN ({_in_list(only_types)})" if only_types else ""
    # A stage read twice is kept whole (DuckDB materialises it), unused columns and all: the
    # profile's columns only where profiles are read.
    profile_columns = (
        f""",
    CASE WHEN e.type = 'profile' THEN
      CASE WHEN {verified} IN ({_in_list(VERIFIED_YES)}) THEN 1
           WHEN {verified} IN ({_in_list(VERIFIED_NO)}) THEN 0 END
    END AS id_verified,
    CASE WHEN e.type = 'profile' AND {address} IS NOT NULL THEN COALESCE(
      CASE WHEN {address_month} <= {as_of_month} THEN {as_of_month} - {address_month} END,
      {_NOT_KNOWN}) END AS address_months"""
        if not only_types or "profile" in only_types
        else ""
    )

    # Whole months back from the bucket anchor (the as-of date; for an instant within a day
    # the next midnight; from the 29th on the 1st of the next month: engines.bucket_anchor),
    # buckets aligned on its day, which every month has: an event on that day of an earlier
    # month or later falls in the later bucket. The anchor's own month is never a later
    # bucket. (Not GREATEST(..., 0): SQLite's rendering of it works the whole expression out
    # twice, on every reference.)
    def months_back(t: str) -> str:
        month = _MONTH_INDEX.format(t=t)
        return (
            f"g.bucket_month - {month} - CASE WHEN DAYOFMONTH({t}) >= g.bucket_day"
            f" AND {month} < g.bucket_month THEN 1 ELSE 0 END"
        )

    due_month = (
        ",\n    CASE WHEN e.type = 'statement' AND e.due_date < CAST(g.as_of AS DATE)"
        f" THEN {months_back('e.due_date')} END AS due_m"
        if "due_date" in extra
        else ""
    )
    return f"""
{name} AS (
  SELECT g.pid, e.ts, e.amount, e.credit_limit, e.category,
    e.source, e.type,{"".join(f" e.{column}," for column in extra)}
    {months_back("e.ts")} AS m,
    CASE WHEN {months_back("e.ts")} < {policy.negative_data_months}
      THEN e.days_past_due END AS dpd{profile_columns}{due_month}
  FROM {tables.events} AS e JOIN granted AS g
    ON e.user_id = g.user_id AND e.source = g.source
  WHERE e.ts < g.as_of{types}
)"""


def _event_value(spec: FeatureSpec, cells: _Cells) -> str:
    c = cells.name(Cell(spec.sources, spec.types, spec.measure))
    w = spec.window
    agg = spec.aggregate
    if agg in ("count", "sum"):
        return f"COALESCE(SUM(CASE WHEN {_window(w)} THEN {c} END), 0)"
    if agg == "max":
        return f"MAX(CASE WHEN {_window(w)} THEN {c} END)"
    if agg == "share":
        # a share of reports by their days past due counts only the reports whose days past
        # due may be used: older ones are neither late nor on time under the policy
        base = "n_dpd_known" if spec.measure in _DAYS_PAST_DUE_MEASURES else "n"
        n = cells.name(Cell(spec.sources, spec.types, base))
        return (
            f"SUM(CASE WHEN {_window(w)} THEN {c} END)"
            f" / NULLIF(SUM(CASE WHEN {_window(w)} THEN {n} END), 0)"
        )
    if agg == "months_since_first":
        return f"MAX(CASE WHEN {_window(w, f'{c} > 0')} THEN m END)"
    if agg == "months_since_last":
        return f"MIN(CASE WHEN {_window(w, f'{c} > 0')} THEN m END)"
    if agg == "distinct_sources":
        flags = []
        for source in spec.sources:
            cs = cells.name(Cell((source,), spec.types, spec.measure))
            flags.append(
                f"CASE WHEN SUM(CASE WHEN {_window(w, f'{cs} > 0')} THEN 1 ELSE 0 END) > 0"
                " THEN 1 ELSE 0 END"
            )
        return " + ".join(flags)
    if agg == "last":
        last = f"ARG_MIN({c}, CASE WHEN {_window(w, f'{c} IS NOT NULL')} THEN m END)"
        return f"NULLIF({last}, {_NOT_KNOWN})" if spec.measure in _READ_AS_NOT_KNOWN else last
    if agg == "months_since_mean":
        return (
            f"SUM(CASE WHEN {_window(w)} THEN m * {c} END)"
            f" / NULLIF(SUM(CASE WHEN {_window(w)} THEN {c} END), 0)"
        )
    if agg == "open_accounts":
        opened = cells.name(Cell(spec.sources, ("account_opened",), "n"))
        closed = cells.name(Cell(spec.sources, ("account_closed",), "n"))
        net = f"SUM(CASE WHEN {_window(w)} THEN {opened} - {closed} END)"
        return f"CASE WHEN {net} > 0 THEN {net} ELSE 0 END"
    raise ValueError(f"not an event aggregate: {agg}")


def _with_presence(presence: str, value: str, never: float | None) -> str:
    if never is not None:
        value = f"COALESCE({value}, {_num(never)})"
    return f"CASE WHEN {presence} THEN {value} END"


def _term_sum(terms: Sequence[Term], cells: _Cells, side: str) -> str:
    parts = [(t.sign, cells.ref(Cell(t.sources, t.types, t.measure), side)) for t in terms]
    if len(parts) == 1 and parts[0][0] == 1.0:
        return parts[0][1]
    any_present = " OR ".join(f"{p} IS NOT NULL" for _, p in parts)
    total = " + ".join(f"{_num(sign)} * COALESCE({p}, 0)" for sign, p in parts)
    return f"CASE WHEN {any_present} THEN {total} END"


def _term_present(term: Term, cells: _Cells, side: str) -> str:
    """The month has events of the term (a count is 0 without them, other measures NULL)."""
    cell = cells.ref(Cell(term.sources, term.types, term.measure), side)
    if _MEASURE_SQL[term.measure][1] == "count":
        return f"{cell} > 0"
    return f"{cell} IS NOT NULL"


def _series_value(series: Series, cells: _Cells) -> str:
    value = _term_sum(series.numerator, cells, "cur")
    counted = _counted_sources(series)
    if counted:
        # A count is 0 in a month of the person's without such events; the series' months are
        # those its own sources reported, not those of any source (a card statement must not
        # give the social activity series a month of 0, nor revoking the card take it away).
        value = f"CASE WHEN {cells.presence(counted, 'cur')} > 0 THEN {value} END"
    if series.zero_in:
        present = " OR ".join(_term_present(t, cells, "cur") for t in series.zero_in)
        value = f"COALESCE({value}, CASE WHEN {present} THEN 0 END)"
    if series.denominator:
        # A month with a denominator and no numerator event is 0 (a statement and no
        # payment: nothing paid), not missing: missing would drop the month it is about.
        value = f"COALESCE({value}, 0) / NULLIF({_term_sum(series.denominator, cells, 'cur')}, 0)"
        # and a month whose ratio runs past a double (1e15 over a limit of 1e-300) has no
        # value, as one over 0 has none: its infinity made a trend NaN on one engine and 0 on
        # another (the final columns are guarded alike: `_final_column`)
        value = _finite(value)
    if series.cap is not None:
        value = f"CASE WHEN {value} > {_num(series.cap)} THEN {_num(series.cap)} ELSE {value} END"
    return value


def _in_window(series: str, window: int | None) -> str:
    return _window(window, f"{series} IS NOT NULL")


def _window_key(series: str, window: int | None) -> str:
    return f"{series}_{'all' if window is None else window}"


# Engines add a month's amounts in different orders, so a payment equal to its statement can
# come out a last bit either side of a ratio of 1: a value this close to a threshold meets it.
_THRESHOLD_TOLERANCE = 1e-9


def _at_least(threshold: float | None) -> float:
    threshold = threshold or 0.0
    return threshold - _THRESHOLD_TOLERANCE * max(1.0, abs(threshold))


# A flat series' spread or slope comes out as rounding noise (1e-19, of either sign, varying
# with the order the engine adds in), which a bin cut at 0 would split: a spread or slope
# within this share of the series' largest value is 0.
_ROUNDING_NOISE = 1e-12


def _snapped(value: str, series: str, in_window: str) -> str:
    size = f"MAX(CASE WHEN {in_window} THEN ABS({series}) END)"
    return f"CASE WHEN ABS({value}) <= {_num(_ROUNDING_NOISE)} * {size} THEN 0 ELSE {value} END"


def _count_series_aggregate(spec: FeatureSpec) -> str:
    """An aggregate of a series of counts, every month of the window counted: a month its
    sources did not report is a count of 0 (the pivot has no row, or a row of other sources,
    for it). The months are those of the window since the first month the sources reported,
    N of them; means and spreads follow from the sums (exact for whole counts)."""
    assert spec.series is not None
    s = f"s_{spec.series.name}"
    in_w = _in_window(s, spec.window)
    months = _spread_months(spec)
    total = f"COALESCE(SUM(CASE WHEN {in_w} THEN {s} END), 0)"
    squares = f"COALESCE(SUM(CASE WHEN {in_w} THEN {s} * {s} END), 0)"
    variance = f"({squares} - {total} * {total} / ({months})) / NULLIF({months} - 1, 0)"
    # one month has no spread (NULL, as for other series); rounding below 0 is none
    std = f"SQRT(CASE WHEN {variance} > 0 THEN {variance} WHEN {variance} IS NOT NULL THEN 0 END)"
    mean = f"{total} / ({months})"
    hits = f"SUM(CASE WHEN {in_w} AND {s} >= {_num(_at_least(spec.threshold))} THEN 1 ELSE 0 END)"
    by_aggregate = {
        "series_mean": mean,
        "series_std": std,
        "series_cv": f"{std} / NULLIF({mean}, 0)",
        "series_months_ge": f"COALESCE({hits}, 0)",
        "series_share_ge": f"COALESCE({hits}, 0) / ({months})",
    }
    if spec.aggregate not in by_aggregate:
        raise ValueError(f"{spec.name}: {spec.aggregate} is not defined for a series of counts")
    return by_aggregate[spec.aggregate]


def _series_aggregate(spec: FeatureSpec) -> str:
    assert spec.series is not None
    if _counted_sources(spec.series):
        return _count_series_aggregate(spec)
    s = f"s_{spec.series.name}"
    in_w = _in_window(s, spec.window)
    key = _window_key(s, spec.window)
    count = _spread_months(spec)
    agg = spec.aggregate
    mean = f"AVG(CASE WHEN {in_w} THEN {s} END)"
    std = (
        f"SQRT(SUM(CASE WHEN {in_w} THEN ({s} - ybar_{key}) * ({s} - ybar_{key}) END)"
        f" / NULLIF({count} - 1, 0))"
    )
    if agg == "series_last":
        return f"ARG_MIN({s}, CASE WHEN {in_w} THEN m END)"
    if agg == "series_max":
        return f"MAX(CASE WHEN {in_w} THEN {s} END)"
    if agg == "series_min":
        return f"MIN(CASE WHEN {in_w} THEN {s} END)"
    if agg == "series_mean":
        return mean
    if agg == "series_std":
        return _snapped(std, s, in_w)
    if agg == "series_cv":
        return f"{_snapped(std, s, in_w)} / NULLIF(ABS({mean}), 0)"
    if agg == "series_slope":
        dx = f"(-m - xbar_{key})"
        slope = (
            f"SUM(CASE WHEN {in_w} THEN {dx} * ({s} - ybar_{key}) END)"
            f" / NULLIF(SUM(CASE WHEN {in_w} THEN {dx} * {dx} END), 0)"
        )
        return _snapped(slope, s, in_w)
    hits = f"SUM(CASE WHEN {in_w} AND {s} >= {_num(_at_least(spec.threshold))} THEN 1 ELSE 0 END)"
    if agg == "series_months_ge":
        return hits
    if agg == "series_share_ge":
        return f"{hits} / NULLIF({count}, 0)"
    raise ValueError(f"not a series aggregate: {agg}")


def _series_stages(specs: Sequence[FeatureSpec], cells: _Cells) -> tuple[list[str], list[str]]:
    """The monthly series' value columns (sv) and their per-person means (sm)."""
    series_by_name: dict[str, Series] = {}
    windows: dict[str, set[int | None]] = {}
    for spec in specs:
        assert spec.series is not None
        known = series_by_name.setdefault(spec.series.name, spec.series)
        if known != spec.series:
            raise ValueError(f"two different series are named {spec.series.name!r}")
        counted = _counted_sources(spec.series)
        if spec.aggregate in ("series_std", "series_cv", "series_slope") and not counted:
            windows.setdefault(spec.series.name, set()).add(spec.window)
    values = [f"{_series_value(s, cells)} AS s_{name}" for name, s in series_by_name.items()]
    means = []
    for name in series_by_name:
        for window in sorted(windows.get(name, ()), key=lambda w: (w is None, w)):
            s = f"s_{name}"
            in_w = _in_window(s, window)
            key = _window_key(s, window)
            means.append(f"AVG(CASE WHEN {in_w} THEN {s} END) AS ybar_{key}")
            means.append(f"AVG(CASE WHEN {in_w} THEN -m END) AS xbar_{key}")
    return values, means


def _dimension_sources(specs: Sequence[FeatureSpec]) -> dict[str, tuple[str, ...]]:
    by_dimension: dict[str, set[str]] = {d: set() for d in DIMENSIONS}
    by_name = {s.name: s for s in specs}
    for spec in specs:
        by_dimension[spec.dimension].update(feature_sources(spec, by_name))
    return {d: tuple(s for s in SOURCES if s in by_dimension[d]) for d in DIMENSIONS}


def feature_sources(spec: FeatureSpec, by_name: dict[str, FeatureSpec]) -> tuple[str, ...]:
    """The sources a feature reads; a ratio reads those of its two parts."""
    if spec.aggregate != "ratio":
        return spec.fed_by
    parts = set(by_name[spec.numerator].fed_by) | set(by_name[spec.denominator].fed_by)
    return tuple(s for s in SOURCES if s in parts)


def _counted_sources(series: Series) -> tuple[str, ...]:
    """The sources of the series' terms that count events (a value in every month)."""
    terms = (*series.numerator, *series.denominator)
    counted = {s for t in terms if _MEASURE_SQL[t.measure][1] == "count" for s in t.sources}
    return tuple(s for s in SOURCES if s in counted)


def _rollup_columns(specs: Sequence[FeatureSpec], cells: _Cells) -> list[str]:
    columns = []
    for spec in specs:
        if spec.aggregate in EVENT_AGGREGATES:
            presence = f"SUM({cells.presence(spec.sources)}) > 0"
            if spec.types and set(spec.types) <= REPORT_TYPES:
                # no report, no data: a card's inquiry alone is no clean payment record
                reports = cells.name(Cell(spec.sources, spec.types, "n"))
                presence = f"SUM({reports}) > 0"
            elif spec.aggregate == "open_accounts":
                # an application alone is no account: "none open" would be said of a person
                # with no account on file
                inquiries = cells.name(Cell(spec.sources, ("inquiry",), "n"))
                presence = f"SUM({cells.presence(spec.sources)}) - SUM({inquiries}) > 0"
            value = _event_value(spec, cells)
        elif spec.aggregate in SERIES_AGGREGATES:
            assert spec.series is not None
            s = f"s_{spec.series.name}"
            presence = f"COUNT(CASE WHEN {_in_window(s, spec.window)} THEN 1 END) > 0"
            counted = _counted_sources(spec.series)
            if counted:
                # Whether there is data at all is told by the counted sources, as for event
                # aggregates: a person they know has a count, maybe 0, in every month.
                presence = f"SUM({cells.presence(counted)}) > 0"
            value = _series_aggregate(spec)
        else:
            continue
        columns.append(f"{_with_presence(presence, value, spec.never)} AS r_{spec.name}")
        if _spread_of_one(spec):
            one = f"{presence} AND {_spread_months(spec)} = 1"
            columns.append(f"CASE WHEN {one} THEN 1 ELSE 0 END AS k_{spec.name}")
    flags = ", ".join(
        f"CASE WHEN SUM({cells.source_count(s)}) > 0 THEN {sql_text(s)} END"
        for s in sorted(SOURCES)
    )
    columns.append(f"CONCAT_WS(',', {flags}) AS prov_sources")
    columns.append(f"SUM({cells.presence(SOURCES)}) AS prov_events")
    for dimension, sources in _dimension_sources(specs).items():
        columns.append(f"SUM({cells.presence(sources)}) AS prov_events_{dimension}")
    return columns


def _spread_of_one(spec: FeatureSpec) -> bool:
    """A spread (standard deviation, coefficient of variation) with a no-data value: over a
    single month it is not known (NULL), which is no "no data"."""
    return spec.aggregate in ("series_std", "series_cv") and spec.no_data is not None


def _spread_months(spec: FeatureSpec) -> str:
    """The number of months a series aggregate is taken over: those with a value in the
    window, or for a series of counts every month of the window since its sources reported."""
    assert spec.series is not None
    s = f"s_{spec.series.name}"
    if _counted_sources(spec.series):
        first = f"MAX(CASE WHEN {s} IS NOT NULL THEN m END) + 1"
        return first if spec.window is None else f"LEAST({first}, {spec.window})"
    return f"COUNT(CASE WHEN {_in_window(s, spec.window)} THEN 1 END)"


def _final_column(spec: FeatureSpec) -> str:
    if spec.aggregate == "ratio":
        raw = f"r_{spec.numerator} / NULLIF(r_{spec.denominator}, 0)"
    else:
        raw = f"r_{spec.name}"
    if spec.no_data is not None:
        raw = f"COALESCE({raw}, {_num(spec.no_data)})"
    if _spread_of_one(spec):
        # data, but one month of it: income once in a year tells no variability, and "no data"
        # (which a model may score well) would be false of the person
        raw = f"CASE WHEN k_{spec.name} = 1 THEN NULL ELSE {raw} END"
    # A value past what a double holds (a balance of 1e15 over income of 5e-324: infinity,
    # or NaN) is no value, as a division by 0 is
    return f"CAST({_finite(raw)} AS DOUBLE) AS {spec.name}"


def _finite(value: str) -> str:
    """`value` where it is a finite number, else NULL, alike on every engine: x - x is 0 for a
    finite x, NaN for infinity and NaN, NULL for NULL."""
    return f"CASE WHEN ({value}) - ({value}) = 0 THEN {value} END"


def check_specs(specs: Sequence[FeatureSpec]) -> None:
    """Names unique; ratios refer to non-ratio features of the same set."""
    by_name: dict[str, FeatureSpec] = {}
    for spec in specs:
        if spec.name in by_name:
            raise ValueError(f"feature {spec.name!r} is declared twice")
        by_name[spec.name] = spec
    for spec in specs:
        if spec.aggregate != "ratio":
            continue
        for part in (spec.numerator, spec.denominator):
            if part not in by_name or by_name[part].aggregate == "ratio":
                raise ValueError(
                    f"ratio {spec.name!r} refers to {part!r}, which is not a non-ratio feature"
                    " of the same catalog (or was removed by the policy)"
                )


def build_query(
    specs: Sequence[FeatureSpec],
    policy: Policy,
    tables: Tables = Tables(),
    apart: Sequence[Sequence[str]] = APART_TYPES,
) -> exp.Expression:
    """The feature query as a sqlglot expression (one definition for every dialect).
    `apart`: the groups of event types whose cells are aggregated apart (a plan choice for
    engines that work out every cell for every event; the values are the same without). The
    account reports are aggregated apart whatever it says: their cells read each account's
    latest report per month."""
    specs = tuple(specs)
    check_specs(specs)
    cells = _Cells(read_types(specs, policy))
    series_specs = [s for s in specs if s.aggregate in SERIES_AGGREGATES]
    # Rollup columns first: they register the cells the pivot must compute.
    rollup = _rollup_columns(specs, cells)
    values, means = _series_stages(series_specs, cells)
    stages = [_granted(tables, policy), _events("ev", tables, policy)]
    stages.append(_pivot_stages(cells, tables, policy, apart))
    stages.append(
        f"""
sv AS (
  SELECT cur.*{"".join(f",{chr(10)}    {v}" for v in values)}
  FROM mp AS cur
)"""
    )
    if means:  # without a spread or a slope to work out, no means to join back
        stages.append(
            f"""
sm AS (
  SELECT pid{"".join(f",{chr(10)}    {m}" for m in means)}
  FROM sv GROUP BY pid
),
sw AS (
  SELECT sv.*{"".join(f", sm.{m.rsplit(' AS ', 1)[1]}" for m in means)}
  FROM sv JOIN sm ON sm.pid = sv.pid
)"""
        )
    stages.append(
        f"""
ur AS (
  SELECT pid,
    {_SEP.join(rollup)}
  FROM {"sw" if means else "sv"} GROUP BY pid
)"""
    )
    joins = ["LEFT JOIN ur ON ur.pid = a.pid"]
    features = _SEP.join(_final_column(s) for s in specs)
    provenance = _SEP.join(
        [
            "COALESCE(ur.prov_sources, '') AS prov_sources",
            "CAST(COALESCE(ur.prov_events, 0) AS BIGINT) AS prov_events",
        ]
        + [
            f"CAST(COALESCE(ur.prov_events_{d}, 0) AS BIGINT) AS prov_events_{d}"
            for d in DIMENSIONS
        ]
    )
    sql = (
        "WITH"
        + ",".join(stages)
        + f"""
SELECT a.user_id, CAST(a.as_of AS DATE) AS as_of,
    {features},
    {provenance}
FROM {tables.asof} AS a
{chr(10).join(joins)}
ORDER BY a.user_id, as_of"""
    )
    return sqlglot.parse_one(sql, read="duckdb")


@lru_cache(maxsize=32)
def _render_cached(
    specs: tuple[FeatureSpec, ...], policy: Policy, tables: Tables, dialect: str
) -> str:
    return build_query(specs, policy, tables).sql(dialect=dialect, pretty=True)


def compile_features(
    specs: Sequence[FeatureSpec],
    policy: Policy,
    dialect: str = "duckdb",
    tables: Tables = Tables(),
) -> str:
    """The feature query rendered for one dialect (duckdb or spark)."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; use one of {', '.join(DIALECTS)}")
    return _render_cached(tuple(specs), policy, tables, dialect)

"""Feature specs -> one SQL query, built once as a sqlglot expression and rendered per dialect.

The query reads three relations: events (EVENT_SCHEMA), consents (CONSENT_SCHEMA) and an as-of
table (user_id, as_of TIMESTAMP: one row per person and date to compute features for). Stages:

1. granted: (user, source, as_of) where a credit_scoring consent is active at as_of and the
   policy allows the source;
2. ev: the events of granted sources strictly before as_of, with `m` = whole months back
   (bucket 0 = the month up to as_of, aligned on as_of's day of month);
3. cm: the ONE scan of events, grouped by user x as_of x m x source x type (x account for
   account-level types), with the measures the specs need as conditional aggregates;
4. from cm (small): ur (event aggregates), mm -> sv (monthly series, optionally against the
   previous month), sr (series aggregates), acc -> ar (account aggregates);
5. the as-of table left-joined to those, no-data values applied, provenance columns added.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp

from credo.events.schema import SOURCES
from credo.features.spec import (
    ACCOUNT_AGGREGATES,
    EVENT_AGGREGATES,
    SERIES_AGGREGATES,
    FeatureSpec,
    Series,
    Term,
)
from credo.policy.policy import DIMENSIONS, Policy

DIALECTS: tuple[str, ...] = ("duckdb", "spark")
ACCOUNT_TYPES: tuple[str, ...] = (
    "account_opened",
    "account_closed",
    "statement",
    "payment",
    "account_status",
    "balance",
)
PROVENANCE_COLUMNS: tuple[str, ...] = ("prov_sources", "prov_events") + tuple(
    f"prov_events_{d}" for d in DIMENSIONS
)

_MONTH_INDEX = "(YEAR({t}) * 12 + MONTH({t}))"
_SEP = ",\n    "

# How each measure is computed per compact group, from the columns of `ev`.
_MEASURE_SQL: dict[str, str] = {
    "n": "COUNT(*)",
    "amount": "SUM(amount)",
    "amount_max": "MAX(amount)",
    "amount_last": "ARG_MAX(amount, CASE WHEN amount IS NOT NULL THEN ts END)",
    "signed_last": "ARG_MAX(CASE WHEN category = 'overdrawn' THEN -amount ELSE amount END,"
    " CASE WHEN amount IS NOT NULL THEN ts END)",
    "limit_last": "ARG_MAX(credit_limit, CASE WHEN credit_limit IS NOT NULL THEN ts END)",
    "dpd_max": "MAX(dpd)",
    "n_late": "SUM(CASE WHEN dpd > 0 THEN 1 ELSE 0 END)",
    "n_dpd30": "SUM(CASE WHEN dpd >= 30 THEN 1 ELSE 0 END)",
    "n_dpd60": "SUM(CASE WHEN dpd >= 60 THEN 1 ELSE 0 END)",
    "n_dpd90": "SUM(CASE WHEN dpd >= 90 THEN 1 ELSE 0 END)",
    "n_hard": "SUM(CASE WHEN type = 'inquiry' AND category = 'hard' THEN 1 ELSE 0 END)",
    "n_overdrawn": "SUM(CASE WHEN type = 'balance' AND category = 'overdrawn' THEN 1 ELSE 0 END)",
    "amount_in": "SUM(CASE WHEN type = 'transfer' AND category = 'in' THEN amount ELSE 0 END)",
    "amount_out": "SUM(CASE WHEN type = 'transfer' AND category = 'out' THEN amount ELSE 0 END)",
    "id_verified": "MAX(id_verified)",
    "address_months": "ARG_MAX(address_months, CASE WHEN address_months IS NOT NULL THEN ts END)",
}


@dataclass(frozen=True)
class Tables:
    """Names of the relations the query reads."""

    events: str = "events"
    consents: str = "consents"
    asof: str = "credo_asof"


def _q(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in_list(values: Iterable[str]) -> str:
    return ", ".join(_q(v) for v in values)


def _filter(sources: Sequence[str], types: Sequence[str], window: int | None) -> str:
    parts = []
    if sources:
        parts.append(f"source IN ({_in_list(sources)})")
    if types:
        parts.append(f"type IN ({_in_list(types)})")
    if window is not None:
        parts.append(f"m < {window}")
    return " AND ".join(parts) or "TRUE"


def _num(value: float) -> str:
    return repr(float(value))


def measures_needed(specs: Sequence[FeatureSpec]) -> tuple[str, ...]:
    """The compact measures the specs read, in a fixed order (n and amount_last always)."""
    wanted = {"n", "amount_last"}
    for spec in specs:
        if spec.aggregate in EVENT_AGGREGATES:
            wanted.add(spec.measure)
        if spec.series is not None:
            wanted.update(t.measure for t in spec.series.numerator + spec.series.denominator)
    return tuple(m for m in _MEASURE_SQL if m in wanted)


def _granted_and_events(tables: Tables, policy: Policy, user_id: str | None) -> str:
    allowed = _in_list(s for s in SOURCES if policy.allows_source(s))
    user_filter = f" AND c.user_id = {_q(user_id)}" if user_id is not None else ""
    event_user_filter = f" AND e.user_id = {_q(user_id)}" if user_id is not None else ""
    as_of_month = _MONTH_INDEX.format(t="g.as_of")
    ts_month = _MONTH_INDEX.format(t="e.ts")
    # address_since is "YYYY-MM" or "YYYY-MM-DD": read the year and month parts.
    address = "(e.attributes ->> '$.address_since')"
    address_month = (
        f"(TRY_CAST(SUBSTRING({address}, 1, 4) AS INT) * 12"
        f" + TRY_CAST(SUBSTRING({address}, 6, 2) AS INT))"
    )
    return f"""
granted AS (
  SELECT DISTINCT c.user_id, c.source, a.as_of
  FROM {tables.consents} AS c JOIN {tables.asof} AS a ON c.user_id = a.user_id
  WHERE c.purpose = 'credit_scoring' AND c.granted_at <= a.as_of
    AND (c.revoked_at IS NULL OR c.revoked_at > a.as_of)
    AND c.source IN ({allowed}){user_filter}
),
ev AS (
  SELECT e.user_id, g.as_of, e.source, e.type, e.ts, e.amount, e.credit_limit, e.category,
    CASE WHEN e.type IN ({_in_list(ACCOUNT_TYPES)}) THEN e.account_id END AS acct,
    {as_of_month} - {ts_month}
      - CASE WHEN DAYOFMONTH(e.ts) >= DAYOFMONTH(g.as_of) THEN 1 ELSE 0 END AS m,
    CASE WHEN {as_of_month} - {ts_month} <= {policy.negative_data_months}
      THEN e.days_past_due END AS dpd,
    CASE WHEN e.type = 'profile' THEN
      CASE WHEN LOWER(e.attributes ->> '$.id_verified') IN ('true', '1') THEN 1 ELSE 0 END
    END AS id_verified,
    CASE WHEN e.type = 'profile' THEN
      {as_of_month} - {address_month}
    END AS address_months
  FROM {tables.events} AS e JOIN granted AS g
    ON e.user_id = g.user_id AND e.source = g.source
  WHERE e.ts < g.as_of{event_user_filter}
)"""


def _compact(measures: Sequence[str]) -> str:
    columns = ",\n    ".join(f"{_MEASURE_SQL[m]} AS {m}" for m in measures)
    return f"""
cm AS (
  SELECT user_id, as_of, m, source, type, acct,
    {columns}
  FROM ev GROUP BY user_id, as_of, m, source, type, acct
)"""


def _event_value(spec: FeatureSpec) -> str:
    cond = _filter(spec.sources, spec.types, spec.window)
    measure = spec.measure
    agg = spec.aggregate
    if agg in ("count", "sum"):
        return f"SUM(CASE WHEN {cond} THEN {measure} ELSE 0 END)"
    if agg == "max":
        return f"MAX(CASE WHEN {cond} THEN {measure} END)"
    if agg == "share":
        return (
            f"SUM(CASE WHEN {cond} THEN {measure} ELSE 0 END)"
            f" / NULLIF(SUM(CASE WHEN {cond} THEN n ELSE 0 END), 0)"
        )
    if agg == "months_since_first":
        return f"MAX(CASE WHEN {cond} AND {measure} > 0 THEN m END)"
    if agg == "months_since_last":
        return f"MIN(CASE WHEN {cond} AND {measure} > 0 THEN m END)"
    if agg == "distinct_sources":
        return f"COUNT(DISTINCT CASE WHEN {cond} AND {measure} > 0 THEN source END)"
    if agg == "last":
        return f"ARG_MIN({measure}, CASE WHEN {cond} AND {measure} IS NOT NULL THEN m END)"
    raise ValueError(f"not an event aggregate: {agg}")


def _with_presence(presence: str, value: str, never: float | None) -> str:
    if never is not None:
        value = f"COALESCE({value}, {_num(never)})"
    return f"CASE WHEN {presence} THEN {value} END"


def _event_rollup(specs: Sequence[FeatureSpec], all_specs: Sequence[FeatureSpec]) -> str:
    columns = []
    for spec in specs:
        # Data present = any event of the feature's sources so far: then a count is a real 0.
        presence = f"SUM(CASE WHEN {_filter(spec.sources, (), None)} THEN n ELSE 0 END) > 0"
        columns.append(
            f"{_with_presence(presence, _event_value(spec), spec.never)} AS r_{spec.name}"
        )
    flags = ", ".join(
        f"CASE WHEN SUM(CASE WHEN source = {_q(s)} THEN n ELSE 0 END) > 0 THEN {_q(s)} END"
        for s in sorted(SOURCES)
    )
    columns.append(f"CONCAT_WS(',', {flags}) AS prov_sources")
    columns.append("SUM(n) AS prov_events")
    for dimension, sources in _dimension_sources(all_specs).items():
        total = f"SUM(CASE WHEN {_filter(sources, (), None)} THEN n ELSE 0 END)" if sources else "0"
        columns.append(f"{total} AS prov_events_{dimension}")
    body = ",\n    ".join(columns)
    return f"""
ur AS (
  SELECT user_id, as_of,
    {body}
  FROM cm GROUP BY user_id, as_of
)"""


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


def _term_sum(terms: Sequence[Term]) -> str:
    parts = []
    for term in terms:
        cond = _filter(term.sources, term.types, None)
        parts.append(
            (term.sign, f"{term.combine.upper()}(CASE WHEN {cond} THEN {term.measure} END)")
        )
    if len(parts) == 1 and parts[0][0] == 1.0:
        return parts[0][1]
    any_present = " OR ".join(f"{p} IS NOT NULL" for _, p in parts)
    total = " + ".join(f"{_num(sign)} * COALESCE({p}, 0)" for sign, p in parts)
    return f"CASE WHEN {any_present} THEN {total} END"


def _series_stages(series_list: Sequence[Series], windows: dict[str, set[int | None]]) -> str:
    month_cols = []
    for s in series_list:
        month_cols.append(f"{_term_sum(s.numerator)} AS {s.name}_num")
        if s.denominator:
            month_cols.append(f"{_term_sum(s.denominator)} AS {s.name}_den")
    lagged = any(s.denominator_lag for s in series_list)
    join = ""
    if lagged:
        join = (
            " LEFT JOIN mm AS prev ON prev.user_id = cur.user_id AND prev.as_of = cur.as_of"
            " AND prev.m = cur.m + 1"
        )
    value_cols = []
    for s in series_list:
        value = f"cur.{s.name}_num"
        if s.denominator:
            side = "prev" if s.denominator_lag else "cur"
            value = f"{value} / NULLIF({side}.{s.name}_den, 0)"
        if s.cap is not None:
            value = f"CASE WHEN {value} > {_num(s.cap)} THEN {_num(s.cap)} ELSE {value} END"
        value_cols.append(f"{value} AS {s.name}")
    window_cols = []
    for s in series_list:
        for window in sorted(windows.get(s.name, ()), key=lambda w: (w is None, w)):
            in_w = _in_window(s.name, window)
            key = _window_key(s.name, window)
            part = "OVER (PARTITION BY user_id, as_of)"
            window_cols.append(f"AVG(CASE WHEN {in_w} THEN {s.name} END) {part} AS ybar_{key}")
            window_cols.append(f"AVG(CASE WHEN {in_w} THEN -m END) {part} AS xbar_{key}")
    window_sql = "".join(f",\n    {c}" for c in window_cols)
    return f"""
mm AS (
  SELECT user_id, as_of, m,
    {", ".join(month_cols)}
  FROM cm GROUP BY user_id, as_of, m
),
sv AS (
  SELECT cur.user_id, cur.as_of, cur.m,
    {", ".join(value_cols)}
  FROM mm AS cur{join}
),
sw AS (
  SELECT sv.*{window_sql}
  FROM sv
)"""


def _in_window(series: str, window: int | None) -> str:
    cond = f"{series} IS NOT NULL"
    return cond if window is None else f"{cond} AND m < {window}"


def _window_key(series: str, window: int | None) -> str:
    return f"{series}_{'all' if window is None else window}"


def _series_value(spec: FeatureSpec) -> str:
    assert spec.series is not None
    s = spec.series.name
    in_w = _in_window(s, spec.window)
    key = _window_key(s, spec.window)
    count = f"COUNT(CASE WHEN {in_w} THEN 1 END)"
    agg = spec.aggregate
    std = (
        f"SQRT(SUM(CASE WHEN {in_w} THEN ({s} - ybar_{key}) * ({s} - ybar_{key}) END)"
        f" / NULLIF({count} - 1, 0))"
    )
    if agg == "series_last":
        return f"ARG_MIN({s}, CASE WHEN {in_w} THEN m END)"
    if agg in ("series_max", "series_min", "series_mean"):
        fn = {"series_max": "MAX", "series_min": "MIN", "series_mean": "AVG"}[agg]
        return f"{fn}(CASE WHEN {in_w} THEN {s} END)"
    if agg == "series_std":
        return std
    if agg == "series_cv":
        return f"{std} / NULLIF(ABS(AVG(CASE WHEN {in_w} THEN {s} END)), 0)"
    if agg == "series_slope":
        dx = f"(-m - xbar_{key})"
        return (
            f"SUM(CASE WHEN {in_w} THEN {dx} * ({s} - ybar_{key}) END)"
            f" / NULLIF(SUM(CASE WHEN {in_w} THEN {dx} * {dx} END), 0)"
        )
    hits = f"SUM(CASE WHEN {in_w} AND {s} >= {_num(spec.threshold or 0.0)} THEN 1 ELSE 0 END)"
    if agg == "series_months_ge":
        return hits
    if agg == "series_share_ge":
        return f"{hits} / NULLIF({count}, 0)"
    raise ValueError(f"not a series aggregate: {agg}")


def _series_rollup(specs: Sequence[FeatureSpec]) -> str:
    columns = []
    for spec in specs:
        assert spec.series is not None
        presence = f"COUNT(CASE WHEN {_in_window(spec.series.name, spec.window)} THEN 1 END) > 0"
        columns.append(
            f"{_with_presence(presence, _series_value(spec), spec.never)} AS r_{spec.name}"
        )
    return f"""
sr AS (
  SELECT user_id, as_of,
    {_SEP.join(columns)}
  FROM sw GROUP BY user_id, as_of
)"""


def _account_stages(specs: Sequence[FeatureSpec]) -> str:
    columns = []
    for spec in specs:
        cond = _filter(spec.sources, (), None)
        value = {
            "account_age_max": f"MAX(CASE WHEN {cond} THEN age END)",
            "account_age_mean": f"AVG(CASE WHEN {cond} THEN age END)",
            "open_accounts": f"SUM(CASE WHEN {cond} AND closed = 0 THEN 1 ELSE 0 END)",
            "accounts_with_balance": f"SUM(CASE WHEN {cond} AND closed = 0 AND balance > 0"
            " THEN 1 ELSE 0 END)",
        }[spec.aggregate]
        presence = f"COUNT(CASE WHEN {cond} THEN 1 END) > 0"
        columns.append(f"{_with_presence(presence, value, spec.never)} AS r_{spec.name}")
    return f"""
acc AS (
  SELECT user_id, as_of, source, acct, MAX(m) AS age,
    MAX(CASE WHEN type = 'account_closed' THEN 1 ELSE 0 END) AS closed,
    ARG_MIN(amount_last, CASE WHEN type = 'account_status' AND amount_last IS NOT NULL
      THEN m END) AS balance
  FROM cm WHERE acct IS NOT NULL GROUP BY user_id, as_of, source, acct
),
ar AS (
  SELECT user_id, as_of,
    {_SEP.join(columns)}
  FROM acc GROUP BY user_id, as_of
)"""


def _final_column(spec: FeatureSpec, by_name: dict[str, FeatureSpec]) -> str:
    if spec.aggregate == "ratio":
        raw = f"r_{spec.numerator} / NULLIF(r_{spec.denominator}, 0)"
    else:
        raw = f"r_{spec.name}"
    if spec.no_data is not None:
        raw = f"COALESCE({raw}, {_num(spec.no_data)})"
    return f"CAST({raw} AS DOUBLE) AS {spec.name}"


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
    user_id: str | None = None,
) -> exp.Expression:
    """The feature query as a sqlglot expression (one definition for every dialect)."""
    specs = tuple(specs)
    check_specs(specs)
    by_name = {s.name: s for s in specs}
    ev_specs = [s for s in specs if s.aggregate in EVENT_AGGREGATES]
    series_specs = [s for s in specs if s.aggregate in SERIES_AGGREGATES]
    account_specs = [s for s in specs if s.aggregate in ACCOUNT_AGGREGATES]
    stages = [_granted_and_events(tables, policy, user_id), _compact(measures_needed(specs))]
    stages.append(_event_rollup(ev_specs, specs))
    joins = ["LEFT JOIN ur ON ur.user_id = a.user_id AND ur.as_of = a.as_of"]
    if series_specs:
        series_list: dict[str, Series] = {}
        windows: dict[str, set[int | None]] = {}
        for spec in series_specs:
            assert spec.series is not None
            known = series_list.setdefault(spec.series.name, spec.series)
            if known != spec.series:
                raise ValueError(f"two different series are named {spec.series.name!r}")
            if spec.aggregate in ("series_std", "series_cv", "series_slope"):
                windows.setdefault(spec.series.name, set()).add(spec.window)
        stages.append(_series_stages(list(series_list.values()), windows))
        stages.append(_series_rollup(series_specs))
        joins.append("LEFT JOIN sr ON sr.user_id = a.user_id AND sr.as_of = a.as_of")
    if account_specs:
        stages.append(_account_stages(account_specs))
        joins.append("LEFT JOIN ar ON ar.user_id = a.user_id AND ar.as_of = a.as_of")
    features = ",\n  ".join(_final_column(s, by_name) for s in specs)
    provenance = ",\n  ".join(
        [
            "COALESCE(ur.prov_sources, '') AS prov_sources",
            "CAST(COALESCE(ur.prov_events, 0) AS BIGINT) AS prov_events",
        ]
        + [
            f"CAST(COALESCE(ur.prov_events_{d}, 0) AS BIGINT) AS prov_events_{d}"
            for d in DIMENSIONS
        ]
    )
    user_filter = f"\nWHERE a.user_id = {_q(user_id)}" if user_id is not None else ""
    sql = (
        "WITH"
        + ",".join(stages)
        + f"""
SELECT a.user_id, CAST(a.as_of AS DATE) AS as_of,
  {features},
  {provenance}
FROM {tables.asof} AS a
{chr(10).join(joins)}{user_filter}
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

"""The declarative feature spec: what a feature is, not how it is computed.

A spec names a filter over events (sources, types), a window in months before the as-of date,
and an aggregate over a *measure*. Measures are the per-month, per-account columns of the
compact aggregate the compiler builds in one scan of the events (see compiler.py). Two kinds
of aggregate exist:

* event aggregates, over the filtered events in the window (count, sum, max, share, months
  since the first / last / average event, distinct sources, open accounts = accounts opened
  minus accounts closed);
* series aggregates, over a monthly series (one value per month back, e.g. worst days past due
  or utilisation = balances / limits): last, max, min, mean, std, cv, slope, months at or above
  a threshold, share of months at or above it;
* and `ratio`, one feature divided by another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from credo.events.schema import SOURCES, TYPES
from credo.policy.policy import DIMENSIONS

# What a feature can aggregate, per event; the compiler defines each one in SQL together with
# how it combines over the events of a month (sum, max, or the last one).
MEASURES: tuple[str, ...] = (
    "n",  # events
    "amount",  # sum of amounts (for monthly account_status: the balances owed)
    "amount_max",  # largest amount
    "limit",  # sum of credit limits reported (monthly account_status: total limit)
    "amount_limited",  # sum of amounts of the reports that carry a credit limit above 0
    "signed_last",  # the last balance reported in the month, negative when overdrawn
    "dpd_max",  # worst days past due (within the policy's negative-data window)
    "n_late",  # reports with days past due > 0
    "n_dpd30",
    "n_dpd60",
    "n_dpd90",
    "n_owed",  # reports with a balance owed (amount > 0)
    "n_hard",  # hard inquiries
    "n_overdrawn",  # overdrawn balance reports
    "amount_in",  # transfers in
    "amount_out",  # transfers out
    "id_verified",  # the last profile giving it says identity verified (1/0)
    # months at the current address, from the last profile giving one (-1 where its date is no
    # month or after the as-of month; the "last" aggregate reads that as no value)
    "address_months",
    # billing cycles (an account's statement to its next statement), counted in the month the
    # statement fell due: what was paid in the cycle, and the statement it began with
    "cycle_paid",
    "cycle_billed",
    # each card or loan statement as last sent (one sent again for the same due date counts
    # once; one due before a statement sent earlier is not read), in the month first sent
    "statement_billed",
)

EVENT_AGGREGATES: tuple[str, ...] = (
    "count",
    "sum",
    "max",
    "share",
    "months_since_first",
    "months_since_last",
    "months_since_mean",
    "distinct_sources",
    "last",
    "open_accounts",
)
SERIES_AGGREGATES: tuple[str, ...] = (
    "series_last",
    "series_max",
    "series_min",
    "series_mean",
    "series_std",
    "series_cv",
    "series_slope",
    "series_months_ge",
    "series_share_ge",
)
AGGREGATES: tuple[str, ...] = EVENT_AGGREGATES + SERIES_AGGREGATES + ("ratio",)
# "none": no hint; the model learns the direction from the data (binning "auto", no constraint
# in the challenger). For features whose risk direction credit logic leaves open.
DIRECTIONS: tuple[str, ...] = ("higher_is_riskier", "higher_is_safer", "none")
# How a value is written for a person (a reason's range): "share" as a percentage (0.25 is
# 25%), "share_change" (a share's slope) in percentage points, "money" with grouped
# thousands, "days" and "months" with the word, "count" as whole numbers (3, not "3 to under
# 4"); "" as a number. A counting aggregate's feature is a count unless its spec says more.
UNITS: tuple[str, ...] = ("", "share", "share_change", "money", "days", "months", "count")
COUNT_AGGREGATES: tuple[str, ...] = (
    "count",
    "series_months_ge",
    "distinct_sources",
    "open_accounts",
)
WINDOWS: tuple[int | None, ...] = (1, 3, 6, 12, 24, None)

CREDIT: tuple[str, ...] = ("card", "loan")
CYCLE_TYPES: tuple[str, ...] = ("payment", "statement")  # the events of a billing cycle
BILLS: tuple[str, ...] = ("utility", "telecom", "rent")
ACCOUNTS: tuple[str, ...] = CREDIT + BILLS


@dataclass(frozen=True)
class Term:
    """One part of a monthly value: `measure` over the month's events of `sources` x `types`,
    times `sign`."""

    sources: tuple[str, ...]
    types: tuple[str, ...]
    measure: str
    sign: float = 1.0


@dataclass(frozen=True)
class Series:
    """A monthly series: sum of numerator terms, divided by the denominator terms of the same
    month when given, capped at `cap` when given. A month with events of a `zero_in` term and
    none of the numerator's is 0, not missing (a card reporting and no payment: nothing paid);
    so is a month with a denominator."""

    name: str
    numerator: tuple[Term, ...]
    denominator: tuple[Term, ...] = ()
    cap: float | None = None
    zero_in: tuple[Term, ...] = ()

    @property
    def terms(self) -> tuple[Term, ...]:
        return (*self.numerator, *self.denominator, *self.zero_in)


@dataclass(frozen=True)
class FeatureSpec:
    """One feature, declared. `no_data` is the value when the person has no events of the
    feature's sources in its window (None: NULL); `never` the value of a months-since feature
    when there is history but the thing never happened. `reason` is what a person reads when
    the feature lowers their score; a feature whose direction comes from the data has a
    `reason_low` too, read instead when a value below the best bin is what costs points.
    `reason_bound` is where `reason` starts to be true of a value ("a payment was late
    recently": within 12 months), for a feature with a direction: higher-is-riskier values
    above it, higher-is-safer values below it. A value on the other side is told its range
    even where it costs points (None: the reason is told wherever the value is clearly
    riskier than the average person's)."""

    name: str
    dimension: str
    description: str
    reason: str
    aggregate: str
    direction: str
    sources: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    measure: str = "n"
    window: int | None = None
    series: Series | None = None
    threshold: float | None = None
    numerator: str | None = None
    denominator: str | None = None
    no_data: float | None = None
    never: float | None = None
    family: str | None = None
    reason_low: str = ""
    unit: str = ""
    reason_bound: float | None = None

    def __post_init__(self) -> None:
        problems = spec_problems(self)
        if problems:
            raise ValueError(f"feature {self.name!r}: {'; '.join(problems)}")

    @property
    def filters(self) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
        """(sources, types) of each kind of event the feature reads (types () for any)."""
        own = ((self.sources, self.types),) if self.sources else ()
        terms = tuple((t.sources, t.types) for t in self.series.terms) if self.series else ()
        return own + terms

    @property
    def shown_unit(self) -> str:
        """The unit a person reads the feature's values in: its own, else "count" for a
        counting aggregate."""
        return self.unit or ("count" if self.aggregate in COUNT_AGGREGATES else "")

    @property
    def fed_by(self) -> tuple[str, ...]:
        """The sources this feature can read, in SOURCES order."""
        wanted = {source for sources, _ in self.filters for source in sources}
        return tuple(s for s in SOURCES if s in wanted)


# Events an account or bank account sends every month, whatever happened (its status, balance,
# statement): a feature that counts such reports with a property (past due) knows something
# only where there are reports, while a source's other events (an inquiry, an opening) say
# nothing of how its accounts were paid.
REPORT_TYPES = frozenset({"account_status", "balance", "statement"})

# Measures worked out over events of set types (a stage of their own reads those alone)
MEASURE_TYPES: dict[str, tuple[str, ...]] = {
    "signed_last": ("balance",),
    "statement_billed": ("statement",),
    "cycle_paid": CYCLE_TYPES,
    "cycle_billed": CYCLE_TYPES,
}


def _measure_type_problems(measure: str, types: Sequence[str], where: str) -> list[str]:
    wanted = MEASURE_TYPES.get(measure)
    if wanted is None or set(types) == set(wanted):
        return []
    return [f"{where}measure {measure} reads {', '.join(wanted)} events: give types {wanted!r}"]


def spec_problems(spec: FeatureSpec) -> list[str]:
    """Every way the spec is malformed (empty when it is well formed)."""
    problems: list[str] = []
    if not spec.name.isidentifier() or spec.name != spec.name.lower():
        problems.append("name must be a lower-case identifier")
    if spec.dimension not in DIMENSIONS:
        problems.append(f"dimension must be one of {', '.join(DIMENSIONS)}")
    if spec.aggregate not in AGGREGATES:
        problems.append(f"aggregate must be one of {', '.join(AGGREGATES)}")
    if spec.direction not in DIRECTIONS:
        problems.append(f"direction must be one of {', '.join(DIRECTIONS)}")
    if spec.unit not in UNITS:
        problems.append(f"unit must be one of {', '.join(repr(u) for u in UNITS)}")
    if spec.window not in WINDOWS:
        problems.append("window must be 1, 3, 6, 12, 24 months or None (all history)")
    if spec.measure not in MEASURES:
        problems.append(f"measure must be one of {', '.join(MEASURES)}")
    problems += [f"unknown source {s}" for s in spec.sources if s not in SOURCES]
    problems += [f"unknown type {t}" for t in spec.types if t not in TYPES]
    if spec.aggregate not in SERIES_AGGREGATES and spec.aggregate != "ratio":
        problems += _measure_type_problems(spec.measure, spec.types, "")
    if not spec.description or not spec.reason:
        problems.append("description and reason text are required")
    if spec.reason_bound is not None and spec.direction == "none":
        problems.append("a reason bound needs a direction (higher is riskier or safer)")
    if spec.aggregate in SERIES_AGGREGATES:
        if spec.series is None:
            problems.append("a series aggregate needs a series")
        else:
            for term in spec.series.terms:
                if term.measure not in MEASURES:
                    problems.append(f"series {spec.series.name}: bad term {term}")
                else:
                    where = f"series {spec.series.name}: "
                    problems += _measure_type_problems(term.measure, term.types, where)
        if spec.aggregate.endswith("_ge") and spec.threshold is None:
            problems.append("a months-at-or-above aggregate needs a threshold")
    elif spec.aggregate == "ratio":
        if not spec.numerator or not spec.denominator:
            problems.append("a ratio needs numerator and denominator feature names")
    elif not spec.sources:
        problems.append("sources are required")
    return problems

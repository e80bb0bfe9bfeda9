"""A synthetic population: people whose latent traits drive events in every source, and default.

`generate_population` draws people chunk by chunk (so tens of millions of events never need
to sit in memory), simulates each chunk with vectorised numpy (loops run over months, never
over events), and writes a dataset directory (see credo.events.dataset). The model is
described in plain words in docs/synthetic.md.

Determinism: the same (users, months, seed, bad_rate, as_of, chunk_users) give the same
tables bit for bit, and the same event ids.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from credo.events.dataset import DatasetSummary, DatasetWriter, render_readme
from credo.events.schema import (
    CONSENT_SCHEMA,
    EARLIEST_TS,
    EVENT_SCHEMA,
    OUTCOME_SCHEMA,
    SOURCES,
    utc_now,
)
from credo.events.synth.billing import plan_accounts, simulate_accounts
from credo.events.synth.frame import EventBuffer, person_ids
from credo.events.synth.lifestyle import add_bank, add_identity, add_p2p, add_shopping, add_social
from credo.events.synth.people import (
    PERFORMANCE_MONTHS,
    US_PER_DAY,
    US_PER_SECOND,
    Chunk,
    month_start_us,
)
from credo.events.synth.traits import (
    Traits,
    calibrate_intercept,
    risk_logit,
    sample_traits,
    sigmoid,
    simulate_stress,
)
from credo.events.synthetic_defaults import CHUNK_USERS, DEFAULT_LATEST_AS_OF

AS_OF_SPREAD_MONTHS = 12
CONSENT_PURPOSES = ("credit_scoring", "credit_application")
# Share of people who refuse each source when asked (the rest grant both purposes).
REFUSAL_RATE = {
    "card": 0.02,
    "loan": 0.02,
    "bank": 0.06,
    "utility": 0.04,
    "telecom": 0.04,
    "rent": 0.05,
    "ecommerce": 0.12,
    "payments": 0.1,
    "identity": 0.03,
    "social": 0.35,
}
REVOCATION_RATE = 0.03
MAX_USERS = 10**8
# How long before a person's history starts their oldest account can open: a credit tenure of
# up to 66 years (age 85 less 19, synth.traits) and a bank account up to 2 years older still
# (synth.lifestyle). Its account_opened event must not fall before 1900, which ingest refuses.
OLDEST_OPENING_MONTHS = (85 - 19) * 12 + 24


class GenerationError(ValueError):
    """Parameters the generator cannot honour; the message says which and why."""


@dataclass(frozen=True)
class PopulationSpec:
    """What to generate."""

    users: int
    months: int = 24
    seed: int = 0
    bad_rate: float = 0.08
    as_of: date = DEFAULT_LATEST_AS_OF  # the latest as-of date; others spread over the year before
    chunk_users: int = CHUNK_USERS

    def validate(self, today: date | None = None) -> None:
        today = today or utc_now().date()
        if self.users < 1:
            raise GenerationError("--users must be at least 1")
        if not 6 <= self.months <= 240:
            raise GenerationError("--months must be between 6 and 240")
        if not 0.0 < self.bad_rate < 0.5:
            raise GenerationError("--bad-rate must be above 0 and below 0.5 (e.g. 0.08)")
        if self.chunk_users < 1:
            raise GenerationError("chunk_users must be at least 1")
        if self.seed < 0:
            raise GenerationError("--seed must be 0 or more")
        if self.users > MAX_USERS:
            raise GenerationError(f"--users must be at most {MAX_USERS:,} (ids have 8 digits)")
        earliest = _add_months(
            EARLIEST_TS.date(), AS_OF_SPREAD_MONTHS - 1 + self.months + OLDEST_OPENING_MONTHS
        )
        if self.latest_as_of < earliest:
            raise GenerationError(
                f"--as-of {self.as_of} with --months {self.months} would date the oldest"
                " accounts (opened up to 68 years before the history starts) before 1900, which"
                f" ingest refuses; choose an as-of date on or after {earliest}"
            )
        window_end = _add_months(self.latest_as_of, PERFORMANCE_MONTHS)
        if window_end > today:
            raise GenerationError(
                f"--as-of {self.as_of} leaves its {PERFORMANCE_MONTHS}-month performance window"
                f" ending {window_end}, in the future; choose an as-of date on or before"
                f" {_add_months(date(today.year, today.month, 1), -PERFORMANCE_MONTHS)}"
            )

    @property
    def latest_as_of(self) -> date:
        return date(self.as_of.year, self.as_of.month, 1)

    @property
    def id_prefix(self) -> str:
        return f"s{self.seed}-u"


@dataclass
class Population:
    """One chunk of people (or a whole small population) as tables.

    `events` has EVENT_SCHEMA, or ENCODED_EVENT_SCHEMA (the same values, text as Arrow
    dictionaries) in the chunks `population_chunks` yields.
    """

    events: pa.Table
    consents: pa.Table
    outcomes: pa.Table
    protected: pa.Table


@dataclass
class GenerationResult:
    """What generate_population made, and how fast."""

    users: int
    events: int
    bad_rate: float
    seconds: float
    path: Path | None = None
    events_by_source: dict[str, int] = field(default_factory=dict)
    population: Population | None = None  # the tables, when nothing was written to disk

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else float("inf")


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_index(day: date) -> int:
    return (day.year - 1970) * 12 + day.month - 1


def population_chunks(spec: PopulationSpec) -> Iterator[Population]:
    """The population, chunk by chunk, each chunk from its own seeded random stream."""
    spec.validate()
    intercept = calibrate_intercept(spec.bad_rate, spec.months, spec.seed)
    for index, first in enumerate(range(0, spec.users, spec.chunk_users)):
        size = min(spec.chunk_users, spec.users - first)
        yield generate_chunk(spec, index, first, size, intercept)


def generate_chunk(
    spec: PopulationSpec, index: int, first: int, size: int, intercept: float
) -> Population:
    """Simulate `size` people starting at person number `first` (chunk number `index`)."""
    rng = np.random.default_rng([spec.seed, index])
    return simulate_people(spec, rng, sample_traits(rng, size), first, intercept)


def simulate_people(
    spec: PopulationSpec, rng: np.random.Generator, traits: Traits, first: int, intercept: float
) -> Population:
    """The events, consents, outcomes and protected attributes of people with these traits,
    numbered from `first`, drawing from `rng`."""
    size = len(traits)
    history = spec.months
    months = history + PERFORMANCE_MONTHS
    stress = simulate_stress(rng, traits, months)
    bad = rng.random(size) < sigmoid(intercept + risk_logit(rng, traits, stress, history))
    default_t = np.where(bad, history + 3 + rng.integers(0, PERFORMANCE_MONTHS - 3, size), 10**6)
    as_of_month = _month_index(spec.latest_as_of) - rng.integers(0, AS_OF_SPREAD_MONTHS, size)
    start_month = as_of_month - history
    user_ids = person_ids(spec.id_prefix, np.arange(first, first + size))
    chunk = Chunk(
        rng=rng,
        first_index=first,
        traits=traits,
        stress=stress,
        history=history,
        start_month=start_month,
        bad=bad,
        default_t=default_t,
        events=EventBuffer(spec.id_prefix, first, month_start_us(start_month + months)),
    )
    accounts = plan_accounts(chunk)
    simulate_accounts(chunk, accounts)
    renters = np.zeros(size, bool)
    renters[accounts.owner[accounts.kind == 4]] = True
    add_bank(chunk)
    add_shopping(chunk)
    add_p2p(chunk)
    add_identity(chunk, renters)
    add_social(chunk)
    return Population(
        events=chunk.events.to_encoded_table(),
        consents=_consents(chunk, user_ids),
        outcomes=pa.Table.from_arrays(
            [
                user_ids,
                pa.array(month_start_us(as_of_month) // US_PER_DAY, pa.int32()).cast(pa.date32()),
                pa.array(bad.astype(np.int8)),
            ],
            schema=OUTCOME_SCHEMA,
        ),
        protected=pa.table(
            {
                "user_id": user_ids,
                "age": pa.array(np.floor(traits.age).astype(np.int32)),
                "sex": pa.array(np.where(rng.random(size) < 0.5, "female", "male")),
            }
        ),
    )


def _consents(chunk: Chunk, user_ids: pa.Array) -> pa.Table:
    """Grants per person and source furnished, for both purposes; refusals get none."""
    rng = chunk.rng
    held = chunk.events.sources_held(chunk.n)
    refusal = np.array([REFUSAL_RATE[source] for source in SOURCES])
    granted = held & (rng.random(held.shape) >= refusal[None, :])
    user, source = np.nonzero(granted)
    window_start = month_start_us(chunk.start_month[user])
    granted_at = window_start - rng.integers(1, 60 * 86_400, len(user)) * US_PER_SECOND
    revokes = rng.random(len(user)) < REVOCATION_RATE
    revoked_at = month_start_us(chunk.start_month[user] + rng.integers(1, chunk.months, len(user)))
    revoked_at += rng.integers(0, 28 * 86_400, len(user)) * US_PER_SECOND
    purposes = len(CONSENT_PURPOSES)
    rows = np.repeat(np.arange(len(user)), purposes)
    return pa.Table.from_arrays(
        [
            user_ids.take(pa.array(user[rows])),
            pa.array(SOURCES).take(pa.array(source[rows])),
            pa.array(CONSENT_PURPOSES).take(pa.array(np.tile(np.arange(purposes), len(user)))),
            pa.array(granted_at[rows], pa.timestamp("us")),
            pa.array(revoked_at[rows], pa.timestamp("us"), mask=~revokes[rows]),
        ],
        schema=CONSENT_SCHEMA,
    )


README = """# Synthetic credo population

Made by `credo generate --users {users} --months {months} --seed {seed} --bad-rate {bad_rate}
--as-of {as_of}`: {users:,} fictitious people whose latent traits (income level and
regularity, financial discipline, shock propensity, credit tenure, digital activity, thin
file) drive their events in every source and their default. Each person has {months} months
of history before their as-of date (as-of dates spread over the {spread} months up to
{as_of}) and {perf} months after it, the performance window: `bad` = 1 when the person
reached 90 days past due on an account in that window. Events inside the performance window
are included on purpose, so that point-in-time leakage is detectable; features must only use
events before each person's as-of date. Some people refused consent for some sources (no
grant in consents.parquet) and a few revoked it later. Protected attributes (age, sex) are in
protected.parquet for fairness audits only. No real person is described; no licence
restrictions apply. The model is described in credo's docs/synthetic.md.
"""


def generate_population(
    users: int,
    months: int = 24,
    seed: int = 0,
    bad_rate: float = 0.08,
    out: str | os.PathLike[str] | None = None,
    *,
    as_of: date = DEFAULT_LATEST_AS_OF,
    chunk_users: int = CHUNK_USERS,
    overwrite: bool = False,
    progress: Callable[[int], None] | None = None,
) -> GenerationResult:
    """Generate a population; write a dataset directory at `out`, or return the tables.

    `progress` is called with the number of people finished after each chunk.
    """
    spec = PopulationSpec(users, months, seed, bad_rate, as_of, chunk_users)
    spec.validate()
    started = time.perf_counter()
    if out is None:
        pieces = []
        for piece in population_chunks(spec):
            pieces.append(replace(piece, events=piece.events.cast(EVENT_SCHEMA)))
            if progress:
                progress(piece.outcomes.num_rows)
        population = Population(
            *(pa.concat_tables(getattr(p, f.name) for p in pieces) for f in fields(Population))
        )
        outcomes = population.outcomes.column("bad")
        result = GenerationResult(
            users=users,
            events=population.events.num_rows,
            bad_rate=pc.mean(outcomes.cast(pa.float64())).as_py(),
            seconds=time.perf_counter() - started,
            events_by_source=_count_sources(population.events),
            population=population,
        )
        return result
    summary = _write(spec, Path(out), overwrite, progress)
    return GenerationResult(
        users=summary.users,
        events=summary.events,
        bad_rate=summary.bad_rate or 0.0,
        seconds=time.perf_counter() - started,
        path=summary.path,
        events_by_source=dict(summary.events_by_source),
    )


def _write(
    spec: PopulationSpec, out: Path, overwrite: bool, progress: Callable[[int], None] | None
) -> DatasetSummary:
    with DatasetWriter(out, overwrite=overwrite) as writer, ThreadPoolExecutor(1) as background:
        writer.count_users_as(spec.users)
        # Parquet encoding releases the GIL: write chunk k while chunk k + 1 is simulated.
        pending: Future | None = None
        for piece in population_chunks(spec):
            if pending is not None:
                pending.result()
            pending = background.submit(_write_piece, writer, piece)
            if progress:
                progress(piece.outcomes.num_rows)
        if pending is not None:
            pending.result()
        description = README.format(
            users=spec.users,
            months=spec.months,
            seed=spec.seed,
            bad_rate=spec.bad_rate,
            as_of=spec.latest_as_of,
            spread=AS_OF_SPREAD_MONTHS,
            perf=PERFORMANCE_MONTHS,
        )
        writer.write_readme(render_readme(description, writer.summary))
    return writer.summary


def _write_piece(writer: DatasetWriter, piece: Population) -> None:
    writer.write_encoded_events(piece.events)
    writer.write_consents(piece.consents)
    writer.write_outcomes(piece.outcomes)
    writer.write_protected(piece.protected)


def _count_sources(events: pa.Table) -> dict[str, int]:
    return {
        item["values"]: item["counts"]
        for item in pc.value_counts(events.column("source")).to_pylist()
    }

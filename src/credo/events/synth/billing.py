"""Accounts billed monthly: cards, loans, and utility, telecom and rent contracts.

Each month, for every open account: the payment of last month's statement (full, minimum,
partial, late or missed, drawn from the owner's discipline and stress), the new statement
with its due date, and a Metro 2-style account status (balance, limit, days past due).
Hard inquiries come before new credit accounts. A person who defaults misses three payments
in a row on their accounts, reaching 90 days past due in their default month, and the
accounts are charged off two months later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from credo.events.synth.frame import CATEGORY, FURNISHER, STREAM
from credo.events.synth.people import US_PER_DAY, US_PER_SECOND, Chunk, month_start_us
from credo.events.synth.traits import sigmoid

CARD, LOAN, UTILITY, TELECOM, RENT = range(5)
KIND_SOURCE = np.array([0, 1, 3, 4, 5], np.int8)  # index into schema.SOURCES
KIND_NAME = ("card", "loan", "utility", "telecom", "rent")
GRACE_DAYS = np.array([21, 15, 14, 14, 5])
MISS_OFFSET = np.array([0.0, -0.3, 0.25, 0.0, -0.2])
FURNISHER_CHOICES = {
    CARD: ("northbank-cards", "citrine-card", "harbor-credit"),
    LOAN: ("northbank-loans", "mesa-auto-finance", "lendwell"),
    UTILITY: ("grid-energy", "citywater"),
    TELECOM: ("telco-one", "skyline-mobile"),
    RENT: ("homeowners-lettings", "rentpay"),
}
NEVER = 10**6
LOAN_RATE = 0.008  # per month
CARD_RATE = 0.019  # per month on balances carried
LATE_FEE = 25.0

STATUS_ATTRIBUTES = pa.array(
    ['{"status":"current"}', '{"status":"delinquent"}', '{"status":"charged_off"}']
)
CLOSED_ATTRIBUTES = pa.array(
    ['{"reason":"customer_request"}', '{"reason":"paid_off"}', '{"reason":"charged_off"}']
)


@dataclass
class Accounts:
    """One entry per account of the chunk's people."""

    owner: np.ndarray
    kind: np.ndarray
    stream: np.ndarray  # STREAM code, which also names the account
    furnisher: np.ndarray  # FURNISHER code
    open_t: np.ndarray  # month opened (negative: before the window)
    close_t: np.ndarray  # month closed at the customer's request, NEVER if not
    limit: np.ndarray  # card limit or loan principal; NaN for bills
    base: np.ndarray  # usual bill, or loan instalment
    term: np.ndarray  # loan term in months
    statement_day: np.ndarray
    forced_from: np.ndarray  # first month of the missed payments leading to default

    def __len__(self) -> int:
        return len(self.owner)


def _furnishers(rng: np.random.Generator, kind: int, n: int) -> np.ndarray:
    choices = np.array([FURNISHER[name] for name in FURNISHER_CHOICES[kind]], np.int16)
    return choices[rng.integers(0, len(choices), n)]


def expected_cards(career: np.ndarray, income_z: np.ndarray) -> np.ndarray:
    """The Poisson rate of card accounts: more with career and income, never below zero
    (the young on the lowest incomes would otherwise get a negative rate)."""
    return np.maximum(0.35 + 0.7 * career + 0.25 * income_z, 0.0)


def plan_accounts(chunk: Chunk) -> Accounts:
    """Which accounts each person holds, when they opened, and their terms."""
    rng, tr, n, months = chunk.rng, chunk.traits, chunk.n, chunk.months
    career = np.clip((tr.age - 22.0) / 25.0, 0.0, 1.0)
    thin = tr.thin_file
    income_z = np.clip(tr.income_z, -1.5, 2.0)
    n_cards = np.where(
        thin,
        (rng.random(n) < 0.25).astype(np.int64),
        np.clip(rng.poisson(expected_cards(career, income_z)), 0, 3),
    )
    n_loans = np.where(
        thin,
        (rng.random(n) < 0.05).astype(np.int64),
        (rng.random(n) < 0.25 + 0.1 * career).astype(np.int64) + (rng.random(n) < 0.07),
    )
    utility = rng.random(n) < np.where(thin, 0.3, 0.65)
    rent = rng.random(n) < np.clip(0.75 - 0.015 * (tr.age - 25.0), 0.15, 0.8)
    telecom = rng.random(n) < 0.85
    telecom |= (n_cards + n_loans + utility + rent) == 0
    tenure = tr.tenure_months.astype(np.int64)

    parts: list[dict[str, np.ndarray]] = []

    def add(owner: np.ndarray, kind: int, stream: str, open_t: np.ndarray) -> dict:
        m = len(owner)
        part = {
            "owner": owner,
            "kind": np.full(m, kind, np.int8),
            "stream": np.full(m, STREAM[stream], np.int16),
            "furnisher": _furnishers(rng, kind, m),
            "open_t": open_t.astype(np.int64),
            "close_t": np.full(m, NEVER, np.int64),
            "limit": np.full(m, np.nan),
            "base": np.zeros(m),
            "term": np.zeros(m, np.int64),
            "statement_day": rng.integers(1, 29, m),
        }
        parts.append(part)
        return part

    for k in range(3):
        owner = np.flatnonzero(n_cards > k)
        low = -tenure[owner]
        if k == 0:
            open_t = np.where(low < 0, low, rng.integers(0, chunk.history, len(owner)))
        else:
            open_t = rng.integers(np.minimum(low, months - 2), months - 1)
        card = add(owner, CARD, f"card{k + 1}", open_t)
        limit = (
            tr.income[owner]
            * rng.uniform(0.6, 3.0, len(owner))
            * np.exp(0.3 * tr.discipline[owner])
        )
        card["limit"] = np.clip(np.round(limit, -2), 300.0, 50_000.0)
        customer_closes = rng.random(len(owner)) < 0.12
        close_at = rng.integers(np.maximum(open_t + 6, 0), months + 24)
        card["close_t"] = np.where(customer_closes, close_at, NEVER)
    for k in range(2):
        owner = np.flatnonzero(n_loans > k)
        term = rng.choice(np.array([24, 36, 48, 60]), len(owner))
        low = np.maximum(-tenure[owner], -term + 2)
        open_t = rng.integers(np.minimum(low, months - 2), months - 1)
        loan = add(owner, LOAN, f"loan{k + 1}", open_t)
        principal = np.round(tr.income[owner] * rng.uniform(1.5, 10.0, len(owner)), -2)
        loan["limit"] = principal
        loan["term"] = term
        loan["base"] = np.round(principal * LOAN_RATE / (1.0 - (1.0 + LOAN_RATE) ** -term), 2)
    for held, kind, name in ((utility, UTILITY, "utility"), (telecom, TELECOM, "telecom")):
        owner = np.flatnonzero(held)
        bill = add(owner, kind, name, -rng.integers(1, 120, len(owner)))
        if kind == UTILITY:
            bill["base"] = np.exp(rng.normal(np.log(110.0), 0.35, len(owner)))
        else:
            plans = np.array([25.0, 35.0, 45.0, 60.0, 80.0])
            bill["base"] = plans[rng.integers(0, len(plans), len(owner))]
    owner = np.flatnonzero(rent)
    lease = add(owner, RENT, "rent", -rng.integers(1, 96, len(owner)))
    lease["base"] = np.clip(
        np.round(0.3 * tr.income[owner] * np.exp(rng.normal(0.0, 0.15, len(owner))), -1),
        400.0,
        5000.0,
    )
    lease["statement_day"] = np.ones(len(owner), np.int64)
    moves = rng.random(len(owner)) < 0.08
    lease["close_t"] = np.where(moves, rng.integers(0, months + 12, len(owner)), NEVER)

    columns = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    accounts = Accounts(**columns, forced_from=np.full(len(columns["owner"]), NEVER, np.int64))
    # A bad person needs an account to fall behind on: give a phone contract to anyone without.
    eligible = _eligible(chunk, accounts)
    covered = np.bincount(accounts.owner[eligible], minlength=chunk.n) > 0
    stranded = np.flatnonzero(chunk.bad & ~covered)
    if len(stranded):
        extra = Accounts(
            owner=stranded,
            kind=np.full(len(stranded), TELECOM, np.int8),
            stream=np.full(len(stranded), STREAM["telecom"], np.int16),
            furnisher=_furnishers(rng, TELECOM, len(stranded)),
            open_t=-rng.integers(1, 120, len(stranded)),
            close_t=np.full(len(stranded), NEVER, np.int64),
            limit=np.full(len(stranded), np.nan),
            base=np.full(len(stranded), 45.0),
            term=np.zeros(len(stranded), np.int64),
            statement_day=rng.integers(1, 29, len(stranded)),
            forced_from=np.full(len(stranded), NEVER, np.int64),
        )
        accounts = Accounts(
            **{
                name: np.concatenate([getattr(accounts, name), getattr(extra, name)])
                for name in Accounts.__dataclass_fields__
            }
        )
    return _force_defaults(chunk, accounts)


def _eligible(chunk: Chunk, accounts: Accounts) -> np.ndarray:
    """(accounts,) whether each account is open from before its owner's slide into default."""
    default_t = chunk.default_t[accounts.owner]
    paid_off_t = np.where(accounts.kind == LOAN, accounts.open_t + accounts.term, NEVER)
    return (
        chunk.bad[accounts.owner]
        & (accounts.open_t < default_t - 3)
        & (np.minimum(accounts.close_t, paid_off_t) > default_t + 3)
    )


def _force_defaults(chunk: Chunk, accounts: Accounts) -> Accounts:
    """Mark the accounts each bad person stops paying (three months before the default)."""
    rng = chunk.rng
    default_t = chunk.default_t[accounts.owner]
    eligible = _eligible(chunk, accounts)
    credit = accounts.kind <= LOAN
    chosen = eligible & (credit | (rng.random(len(accounts)) < 0.5))
    has_chosen = np.bincount(accounts.owner[chosen], minlength=chunk.n) > 0
    # A bad person whose coin flips chose nothing stops paying every eligible account.
    chosen |= eligible & ~has_chosen[accounts.owner]
    accounts.forced_from = np.where(chosen, default_t - 2, NEVER)
    return accounts


@dataclass
class _Ledger:
    """Each account's running state from one month to the next."""

    balance: np.ndarray
    due: np.ndarray  # amount due on the last statement
    minimum: np.ndarray  # minimum due on the last statement
    cycles: np.ndarray  # consecutive missed payments
    alive: np.ndarray
    statement_ts: np.ndarray


def simulate_accounts(chunk: Chunk, accounts: Accounts) -> None:
    """Run every account month by month and add its events to the chunk."""
    a = accounts
    n = len(a)
    _add_opened(chunk, a)
    ledger = _Ledger(
        balance=_opening_balance(chunk, a),
        due=np.zeros(n),
        minimum=np.zeros(n),
        cycles=np.zeros(n, np.int64),
        alive=a.close_t >= 0,
        statement_ts=np.zeros(n, np.int64),
    )
    for t in range(chunk.months):
        draws = chunk.rng.random((6, n))
        active = ledger.alive & (a.open_t < t) & (t <= a.close_t)
        forced = ledger.alive & (ledger.due > 0.005) & (a.open_t < t) & (t >= a.forced_from)
        pay, miss = _pay_last_statement(chunk, a, ledger, t, draws)
        _issue_statement(chunk, a, ledger, t, draws, active, pay, miss)
        _add_month(chunk, a, t, active, ledger, forced)
        charged = forced & (t >= a.forced_from + 4)
        paid_off = active & (a.kind == LOAN) & (ledger.balance <= 0.01)
        closing = active & ((t == a.close_t) | paid_off | charged)
        _add_closed(chunk, a, t, closing, np.where(charged, 2, np.where(paid_off, 1, 0)))
        ledger.alive &= ~closing


def _pay_last_statement(
    chunk: Chunk, a: Accounts, ledger: _Ledger, t: int, draws: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """This month's payment of each account's last statement: (amount paid, missed)."""
    discipline = chunk.traits.discipline[a.owner]
    income_z = chunk.traits.income_z[a.owner]
    s = chunk.stress[a.owner, t]
    due, minimum = ledger.due, ledger.minimum
    has_due = ledger.alive & (due > 0.005) & (a.open_t < t)
    forced = has_due & (t >= a.forced_from)
    # Delinquency stops at 90 days in the history and at 60 in the performance window for
    # everyone not on the way to default, so `bad` and the events always agree.
    cap = 3 if t < chunk.history else 2
    must_pay = (ledger.cycles >= cap) & ~forced
    miss_logit = -4.3 - 1.4 * discipline - 0.2 * income_z + MISS_OFFSET[a.kind] + 1.2 * s
    miss = has_due & (forced | ((draws[0] < sigmoid(miss_logit)) & ~must_pay))

    is_card = a.kind == CARD
    paid_full = draws[1] < sigmoid(0.5 + 1.2 * discipline - 0.9 * s + 0.4 * income_z)
    some = np.where(draws[2] < 0.55, minimum, minimum + draws[2] * (due - minimum))
    pay = np.where(is_card, np.where(paid_full, due, some), due)
    partial = miss & ~is_card & ~forced & (draws[1] < 0.3)
    pay = np.where(miss, np.where(partial, np.round(0.5 * due, 2), 0.0), pay)
    pay = np.where(has_due, pay, 0.0)
    ledger.cycles = np.where(
        has_due, np.where(pay >= minimum - 0.005, 0, ledger.cycles + 1), ledger.cycles
    )

    late = (pay > 0) & ~miss & (draws[3] < sigmoid(-3.3 - 0.9 * discipline + 0.9 * s))
    early_days = np.minimum(GRACE_DAYS[a.kind] - 1, 10)  # never before the statement
    offset_days = np.where(late, 2 + draws[4] * 18, -draws[4] * early_days)
    offset_us = np.round(offset_days * 86_400).astype(np.int64) * US_PER_SECOND
    due_us = ledger.statement_ts + GRACE_DAYS[a.kind] * US_PER_DAY
    paying = np.flatnonzero(pay > 0)
    chunk.events.add(
        user=a.owner[paying],
        stream=a.stream[paying],
        serial=(t + 1000) * 10 + 1 + np.zeros(len(paying), np.int64),
        source=KIND_SOURCE[a.kind[paying]],
        type="payment",
        furnisher=a.furnisher[paying],
        ts=(due_us + offset_us)[paying] + 12 * 3600 * US_PER_SECOND,
        amount=pay[paying],
        account=True,
    )
    return pay, miss & has_due


def _issue_statement(
    chunk: Chunk,
    a: Accounts,
    ledger: _Ledger,
    t: int,
    draws: np.ndarray,
    active: np.ndarray,
    pay: np.ndarray,
    miss: np.ndarray,
) -> None:
    """New charges, interest and fees, and the statement each open account gets this month."""
    rng, kind = chunk.rng, a.kind
    is_card, is_loan = kind == CARD, kind == LOAN
    is_bill = ~(is_card | is_loan)
    discipline = chunk.traits.discipline[a.owner]
    s = chunk.stress[a.owner, t]
    had_due = ledger.alive & (ledger.due > 0.005) & (a.open_t < t)
    arrears = np.where(had_due, np.maximum(ledger.due - pay, 0.0), 0.0)
    carried = ledger.balance - pay
    unpaid = pay < ledger.due - 0.005
    interest = np.where(is_card & (carried > 0) & unpaid, carried * CARD_RATE, 0.0)
    fee = np.where(miss & ~is_bill, LATE_FEE, 0.0)

    spend = a.limit * sigmoid(-1.5 - 0.75 * discipline + 0.7 * s)
    spend *= np.exp(0.35 * rng.standard_normal(len(a))) * (draws[5] < 0.92)
    spend = np.where(t >= a.forced_from - 1, np.maximum(spend, 0.1 * a.limit), spend)
    spend = np.minimum(spend, np.maximum(1.05 * a.limit - carried, 0.0))
    season = 1.0 + 0.2 * np.cos(2 * np.pi * ((chunk.start_month[a.owner] + t) % 12) / 12)
    bill = a.base * np.where(kind == UTILITY, season, 1.0)
    bill *= np.exp(np.where(kind == UTILITY, 0.1, 0.02) * rng.standard_normal(len(a)))
    bill = np.where(kind == RENT, a.base, np.round(bill, 2))

    card_balance = np.round(carried + interest + fee + np.nan_to_num(spend), 2)
    loan_balance = np.round(ledger.balance * (1 + LOAN_RATE) - pay + fee, 2)
    loan_due = np.minimum(a.base + arrears + fee, np.maximum(loan_balance, 0.0))
    new_due = np.where(is_card, np.maximum(card_balance, 0.0), 0.0)
    new_due = np.where(is_loan, loan_due, new_due)
    new_due = np.where(is_bill, bill + arrears, new_due)
    card_minimum = np.minimum(new_due, np.maximum(25.0, 0.02 * new_due) * (1 + ledger.cycles))
    new_minimum = np.where(is_card, card_minimum, new_due)
    new_balance = np.where(is_card, card_balance, np.where(is_loan, loan_balance, new_due))

    ledger.balance = np.where(active, new_balance, ledger.balance)
    ledger.due = np.where(active, np.round(new_due, 2), 0.0)
    ledger.minimum = np.where(active, np.round(new_minimum, 2), 0.0)
    seconds = (a.statement_day - 1) * 86_400 + 6 * 3600
    ledger.statement_ts = np.where(active, chunk.ts(a.owner, t, seconds), ledger.statement_ts)


def _opening_balance(chunk: Chunk, a: Accounts) -> np.ndarray:
    """Balances of accounts already open when the window starts."""
    before = a.open_t < 0
    utilisation = sigmoid(-1.5 - 0.75 * chunk.traits.discipline[a.owner])
    card = np.where(before, np.round(np.nan_to_num(a.limit) * utilisation, 2), 0.0)
    paid = np.clip(-a.open_t - 1, 0, None)
    growth = (1.0 + LOAN_RATE) ** paid
    loan = np.nan_to_num(a.limit) * growth - a.base * (growth - 1.0) / LOAN_RATE
    loan = np.where(a.open_t < 0, loan, np.nan_to_num(a.limit))
    balance = np.where(a.kind == CARD, card, np.where(a.kind == LOAN, loan, 0.0))
    return np.round(np.maximum(balance, 0.0), 2)


def _add_opened(chunk: Chunk, a: Accounts) -> None:
    rng = chunk.rng
    ts = chunk.ts(a.owner, a.open_t, chunk.random_seconds(len(a), 0, 28))
    category = np.full(len(a), -1, np.int16)
    category[a.kind == CARD] = CATEGORY["card"]
    auto = rng.random(len(a)) < 0.4
    category[(a.kind == LOAN) & auto] = CATEGORY["auto_loan"]
    category[(a.kind == LOAN) & ~auto] = CATEGORY["personal_loan"]
    shown = np.flatnonzero(a.close_t >= 0)
    chunk.events.add(
        user=a.owner[shown],
        stream=a.stream[shown],
        serial=(a.open_t[shown] + 1000) * 10,
        source=KIND_SOURCE[a.kind[shown]],
        type="account_opened",
        furnisher=a.furnisher[shown],
        ts=ts[shown],
        account=True,
        credit_limit=a.limit[shown],
        category=category[shown],
    )
    _add_inquiries(chunk, a, ts)


def _add_inquiries(chunk: Chunk, a: Accounts, opened_ts: np.ndarray) -> None:
    """A hard inquiry before each new credit account, plus shopping and soft inquiries."""
    rng, events = chunk.rng, chunk.events
    new_credit = np.flatnonzero((a.kind <= LOAN) & (a.open_t >= 0))
    lead = rng.integers(1, 21, len(new_credit)) * US_PER_DAY
    events.add(
        user=a.owner[new_credit],
        stream="inq",
        serial=(a.open_t[new_credit] + 1000) * 100 + a.stream[new_credit],
        source=KIND_SOURCE[a.kind[new_credit]],
        type="inquiry",
        furnisher=a.furnisher[new_credit],
        ts=opened_ts[new_credit] - lead,
        category="hard",
    )
    tr = chunk.traits
    months = chunk.months
    hard_rate = 0.01 + 0.06 * sigmoid(-tr.discipline[:, None] + chunk.stress - 1.5)
    for kind_name, rate, first_serial in (("hard", hard_rate, 20), ("soft", 0.03, 60)):
        counts = np.minimum(rng.poisson(rate, (chunk.n, months)), 30)
        user, t = np.nonzero(counts)
        reps = counts[user, t]
        user, t = np.repeat(user, reps), np.repeat(t, reps)
        nth = np.arange(len(user)) - np.repeat(np.cumsum(reps) - reps, reps)
        lender_kind = np.where(rng.random(len(user)) < 0.7, CARD, LOAN)
        card_lender = _furnishers(rng, CARD, len(user))
        furnisher = np.where(lender_kind == CARD, card_lender, _furnishers(rng, LOAN, len(user)))
        events.add(
            user=user,
            stream="inq",
            serial=(t + 1000) * 100 + first_serial + nth,
            source=KIND_SOURCE[lender_kind],
            type="inquiry",
            furnisher=furnisher,
            ts=chunk.ts(user, t, chunk.random_seconds(len(user))),
            category=kind_name,
        )


def _add_month(
    chunk: Chunk, a: Accounts, t: int, active: np.ndarray, ledger: _Ledger, forced: np.ndarray
) -> None:
    """This month's statements and end-of-month statuses."""
    rows = np.flatnonzero(active)
    owner = a.owner[rows]
    grace_us = GRACE_DAYS[a.kind[rows]] * US_PER_DAY
    due_day = ((ledger.statement_ts[rows] + grace_us) // US_PER_DAY).astype(np.int32)
    common = dict(
        user=owner,
        stream=a.stream[rows],
        source=KIND_SOURCE[a.kind[rows]],
        furnisher=a.furnisher[rows],
        account=True,
    )
    chunk.events.add(
        **common,
        serial=(t + 1000) * 10 + 2 + np.zeros(len(rows), np.int64),
        type="statement",
        ts=ledger.statement_ts[rows],
        amount=ledger.due[rows],
        due_day=due_day,
    )
    charged = forced[rows] & (t >= a.forced_from[rows] + 4)
    cycles = ledger.cycles[rows]
    status = np.where(charged, 2, np.where(cycles > 0, 1, 0))
    month_end = month_start_us(chunk.start_month[owner] + t + 1) - 3600 * US_PER_SECOND
    chunk.events.add(
        **common,
        serial=(t + 1000) * 10 + 3 + np.zeros(len(rows), np.int64),
        type="account_status",
        ts=month_end,
        amount=np.maximum(ledger.balance[rows], 0.0),
        credit_limit=a.limit[rows],
        days_past_due=(30 * cycles).astype(np.int32),
        attributes=pa.DictionaryArray.from_arrays(status.astype(np.int8), STATUS_ATTRIBUTES),
    )


def _add_closed(chunk: Chunk, a: Accounts, t: int, closing: np.ndarray, reason: np.ndarray) -> None:
    rows = np.flatnonzero(closing)
    owner = a.owner[rows]
    chunk.events.add(
        user=owner,
        stream=a.stream[rows],
        serial=(t + 1000) * 10 + 4 + np.zeros(len(rows), np.int64),
        source=KIND_SOURCE[a.kind[rows]],
        type="account_closed",
        furnisher=a.furnisher[rows],
        ts=month_start_us(chunk.start_month[owner] + t + 1) - 1800 * US_PER_SECOND,
        account=True,
        attributes=pa.DictionaryArray.from_arrays(reason[rows].astype(np.int8), CLOSED_ATTRIBUTES),
    )

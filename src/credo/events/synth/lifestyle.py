"""Cash flow and everyday life: bank income, spending, transfers and balances; online shopping
and refunds; P2P transfers; the identity profile; social-platform activity (metadata only)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from credo.events.synth.frame import CATEGORY, FURNISHER
from credo.events.synth.people import US_PER_SECOND, Chunk, month_start_us
from credo.events.synth.traits import MEDIAN_MONTHLY_INCOME, sigmoid

SHOP_CATEGORIES = ("electronics", "fashion", "home", "books", "beauty", "toys", "groceries")
SHOP_WEIGHTS = (0.15, 0.3, 0.15, 0.1, 0.1, 0.05, 0.15)
CARD_CATEGORIES = (
    "groceries", "fuel", "dining", "transport", "health", "entertainment", "travel", "cash",
)  # fmt: skip
CARD_WEIGHTS = (0.3, 0.12, 0.15, 0.1, 0.06, 0.1, 0.05, 0.12)
MAX_PER_MONTH = 40


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(user, t, nth) for every one of counts[user, t] events."""
    counts = np.minimum(counts, MAX_PER_MONTH)
    user, t = np.nonzero(counts)
    reps = counts[user, t]
    nth = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    return np.repeat(user, reps), np.repeat(t, reps), nth


def _pick(rng: np.random.Generator, names: tuple[str, ...], weights, size: int) -> np.ndarray:
    codes = np.array([CATEGORY[name] for name in names], np.int16)
    return codes[rng.choice(len(names), size, p=np.asarray(weights) / np.sum(weights))]


def _one_of(rng: np.random.Generator, names: tuple[str, ...], size: int) -> np.ndarray:
    codes = np.array([FURNISHER[name] for name in names], np.int16)
    return codes[rng.integers(0, len(codes), size)]


def _text(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values), pa.string())


def add_bank(chunk: Chunk) -> None:
    """A current account: salary or gig income, card spending, transfers, monthly balance."""
    rng, tr, events = chunk.rng, chunk.traits, chunk.events
    holders = np.flatnonzero(rng.random(chunk.n) < np.where(tr.thin_file, 0.75, 0.97))
    months = chunk.months
    stress = chunk.stress[holders]
    income = tr.income[holders]
    regularity = tr.regularity[holders]
    salaried = tr.salaried[holders]
    furnisher = _one_of(rng, ("northbank", "riverside-credit-union"), len(holders))
    per_user = np.zeros(chunk.n, np.int16)
    per_user[holders] = furnisher

    opened_t = -rng.integers(1, np.maximum(tr.tenure_months[holders], 1) + 24)
    events.add(
        user=holders,
        stream="bank",
        serial=(opened_t + 1000) * 1000,
        source="bank",
        type="account_opened",
        furnisher=furnisher,
        ts=chunk.ts(holders, opened_t, chunk.random_seconds(len(holders))),
        account=True,
    )

    struggling = stress > 1.8
    received = np.zeros((len(holders), months))
    # Salaries: one deposit on the person's payday, when it comes.
    arrives = rng.random((len(holders), months)) < regularity[:, None] * (1 - 0.6 * struggling)
    arrives &= salaried[:, None]
    who, t = np.nonzero(arrives)
    payday = rng.choice(np.array([0, 14, 24]), len(holders))
    amount = income[who] * (1 + 0.03 * rng.standard_normal(len(who)))
    np.add.at(received, (who, t), amount)
    employer = rng.integers(1, 50_000, len(holders))
    events.add(
        user=holders[who],
        stream="bank",
        serial=(t + 1000) * 1000 + 1,
        source="bank",
        type="income",
        furnisher=furnisher[who],
        ts=chunk.ts(holders[who], t, (payday[who] + rng.integers(0, 2, len(who))) * 86_400 + 7200),
        amount=amount,
        account=True,
        category="salary",
        counterparty=employer[who],
    )
    # Gig and self-employed income: several irregular deposits.
    gigs = (1.5 + 2.0 * regularity)[:, None] * (1 - 0.4 * struggling) * ~salaried[:, None]
    who, t, nth = _expand(rng.poisson(gigs))
    spread = 0.7 * (1 - regularity[who]) + 0.15
    amount = (
        income[who]
        / (1.5 + 2.0 * regularity[who])
        * np.exp(spread * rng.standard_normal(len(who)) - spread**2 / 2)
    )
    np.add.at(received, (who, t), amount)
    events.add(
        user=holders[who],
        stream="bank",
        serial=(t + 1000) * 1000 + 10 + nth,
        source="bank",
        type="income",
        furnisher=furnisher[who],
        ts=chunk.ts(holders[who], t, chunk.random_seconds(len(who))),
        amount=amount,
        account=True,
        category="gig",
        counterparty=rng.integers(50_000, 50_200, len(who)),
    )
    # Benefits in months of hardship with no other income.
    benefits = struggling & (received == 0) & (rng.random(received.shape) < 0.5)
    who, t = np.nonzero(benefits)
    amount = 0.35 * income[who]
    received[who, t] += amount
    events.add(
        user=holders[who],
        stream="bank",
        serial=(t + 1000) * 1000 + 2,
        source="bank",
        type="income",
        furnisher=furnisher[who],
        ts=chunk.ts(holders[who], t, 2 * 86_400 + 9 * 3600),
        amount=amount,
        account=True,
        category="benefits",
        counterparty=np.full(len(who), 99_999),
    )

    spent = np.zeros_like(received)
    spending_rate = np.clip(0.6 + 0.25 * np.clip(tr.income_z[holders], -1, 2), 0.2, None)
    who, t, nth = _expand(rng.poisson(spending_rate[:, None] * np.ones((1, months))))
    amount = income[who] * 0.02 * np.exp(0.9 * rng.standard_normal(len(who)))
    np.add.at(spent, (who, t), amount)
    events.add(
        user=holders[who],
        stream="bank",
        serial=(t + 1000) * 1000 + 100 + nth,
        source="bank",
        type="purchase",
        furnisher=furnisher[who],
        ts=chunk.ts(holders[who], t, chunk.random_seconds(len(who))),
        amount=amount,
        account=True,
        category=_pick(rng, CARD_CATEGORIES, CARD_WEIGHTS, len(who)),
    )
    for direction, rate, scale, first in (("out", 0.3, -2.0, 200), ("in", 0.15, -2.5, 300)):
        who, t, nth = _expand(rng.poisson(rate, (len(holders), months)))
        amount = income[who] * np.exp(scale + 0.7 * rng.standard_normal(len(who)))
        if direction == "out":
            np.add.at(spent, (who, t), amount)
        else:
            np.add.at(received, (who, t), amount)
        events.add(
            user=holders[who],
            stream="bank",
            serial=(t + 1000) * 1000 + first + nth,
            source="bank",
            type="transfer",
            furnisher=furnisher[who],
            ts=chunk.ts(holders[who], t, chunk.random_seconds(len(who))),
            amount=amount,
            account=True,
            category=direction,
            counterparty=rng.integers(100_000, 999_999, len(who)),
        )

    # Month-end balance: savings build up or run down; hardship overdraws the account.
    outgoings = income * np.clip(0.85 - 0.08 * tr.discipline[holders], 0.6, 1.1)
    balance = income * np.maximum(0.4 + 0.6 * tr.discipline[holders], -0.2)
    balance *= rng.uniform(0.5, 1.5, len(holders))
    balances = np.empty((len(holders), months))
    noise = np.exp(0.12 * rng.standard_normal((len(holders), months)))
    for month in range(months):
        needs = outgoings * (1 + 0.25 * stress[:, month]) * noise[:, month]
        balance = 0.9 * balance + received[:, month] - needs - 0.3 * spent[:, month]
        balances[:, month] = balance
    who, t = np.nonzero(np.ones_like(balances, bool))
    value = np.round(balances[who, t], 2)
    user = holders[who]
    events.add(
        user=user,
        stream="bank",
        serial=(t + 1000) * 1000 + 999,
        source="bank",
        type="balance",
        furnisher=furnisher[who],
        ts=month_start_us(chunk.start_month[user] + t + 1) - 2 * 3600 * US_PER_SECOND,
        amount=np.abs(value),
        account=True,
        category=np.where(value < 0, CATEGORY["overdrawn"], CATEGORY["in_credit"]).astype(np.int16),
    )


def add_shopping(chunk: Chunk) -> None:
    """Online purchases and their refunds."""
    rng, tr = chunk.rng, chunk.traits
    holders = np.flatnonzero(rng.random(chunk.n) < 0.2 + 0.75 * tr.digital)
    impulsive = np.exp(-0.15 * tr.discipline[holders])
    rate = (1.6 * tr.digital[holders] ** 1.2 + 0.1) * impulsive
    who, t, nth = _expand(rng.poisson(rate[:, None] * np.ones((1, chunk.months))))
    user = holders[who]
    wealth = (tr.income[user] / MEDIAN_MONTHLY_INCOME) ** 0.3
    amount = np.round(np.exp(np.log(35.0) + 0.8 * rng.standard_normal(len(who))) * wealth, 2)
    category = _pick(rng, SHOP_CATEGORIES, SHOP_WEIGHTS, len(who))
    furnisher = _one_of(rng, ("shopmart-online", "marketly"), len(who))
    ts = chunk.ts(user, t, chunk.random_seconds(len(who)))
    serial = (t + 1000) * 100 + nth
    chunk.events.add(
        user=user,
        stream="shop",
        serial=serial,
        source="ecommerce",
        type="purchase",
        furnisher=furnisher,
        ts=ts,
        amount=amount,
        category=category,
    )
    refund_rate = np.where(category == CATEGORY["fashion"], 0.18, 0.06)
    refund_rate *= np.exp(-0.3 * tr.discipline[user])
    back = np.flatnonzero(rng.random(len(who)) < refund_rate)
    delay = rng.integers(3 * 86_400, 25 * 86_400, len(back)) * US_PER_SECOND
    chunk.events.add(
        user=user[back],
        stream="shop",
        serial=serial[back] + 50,
        source="ecommerce",
        type="refund",
        furnisher=furnisher[back],
        ts=ts[back] + delay,
        amount=amount[back],
        category=category[back],
    )


def add_p2p(chunk: Chunk) -> None:
    """Person-to-person transfers with a small circle of counterparties."""
    rng, tr = chunk.rng, chunk.traits
    holders = np.flatnonzero(rng.random(chunk.n) < 0.15 + 0.7 * tr.digital)
    rate = 0.4 + 1.2 * tr.digital[holders]
    who, t, nth = _expand(rng.poisson(rate[:, None] * np.ones((1, chunk.months))))
    friends = rng.integers(1_000_000, 10_000_000, (len(holders), 5))
    furnisher = _one_of(rng, ("payfriend", "quickpay"), len(holders))
    # People under strain receive more help from friends and family than they send.
    out = rng.random(len(who)) < sigmoid(0.2 - 0.5 * chunk.stress[holders[who], t])
    chunk.events.add(
        user=holders[who],
        stream="p2p",
        serial=(t + 1000) * 100 + nth,
        source="payments",
        type="transfer",
        furnisher=furnisher[who],
        ts=chunk.ts(holders[who], t, chunk.random_seconds(len(who))),
        amount=np.round(np.exp(np.log(40.0) + 0.9 * rng.standard_normal(len(who))), 2),
        category=np.where(out, CATEGORY["out"], CATEGORY["in"]).astype(np.int16),
        counterparty=friends[who, rng.integers(0, 5, len(who))],
    )


def _year_month(month_index: np.ndarray) -> pa.Array:
    return pc.strftime(pa.array(month_start_us(month_index), pa.timestamp("us")), format="%Y-%m")


def add_identity(chunk: Chunk, renters: np.ndarray) -> None:
    """A verified-identity profile at the start of the window, and again after a move."""
    rng, tr = chunk.rng, chunk.traits
    holders = np.flatnonzero(rng.random(chunk.n) < 0.85)
    m = len(holders)
    verified = rng.random(m) < 0.95 - 0.25 * tr.thin_file[holders]
    stay = np.floor(rng.exponential(12.0 + 0.3 * tr.tenure_months[holders] / 2.0))
    stay = np.minimum(stay, np.floor(12.0 * tr.age[holders]))  # not before birth
    address_since = chunk.start_month[holders] - stay.astype(np.int64)
    employment = np.where(
        tr.salaried[holders], "salaried", np.where(rng.random(m) < 0.5, "self_employed", "gig")
    )
    renting = renters[holders]
    owns = (tr.age[holders] > 30) & (rng.random(m) < 0.7)
    residence = np.where(renting, "rent", np.where(owns, "own", "family"))
    moved = rng.random(m) < 0.12
    move_t = rng.integers(1, chunk.months, m)
    first_seconds = chunk.random_seconds(m, 0, 10)
    for rows, t, since, serial in (
        (np.arange(m), np.zeros(m, np.int64), address_since, 0),
        (np.flatnonzero(moved), move_t, chunk.start_month[holders] + move_t, 1),
    ):
        attributes = pc.binary_join_element_wise(
            '{"id_verified":',
            pa.array(np.where(verified[rows], "true", "false")),
            ',"address_since":"',
            _year_month(since[rows]),
            '","employment":"',
            pa.array(employment[rows]),
            '","residence":"',
            pa.array(residence[rows]),
            '"}',
            "",
        )
        user = holders[rows]
        chunk.events.add(
            user=user,
            stream="id",
            serial=(t[rows] + 1000) * 10 + serial,
            source="identity",
            type="profile",
            furnisher="govid-verify",
            ts=chunk.ts(user, t[rows], first_seconds[rows]),
            attributes=attributes,
        )


def add_social(chunk: Chunk) -> None:
    """Monthly activity metadata from a social platform: counts only, never content."""
    rng, tr = chunk.rng, chunk.traits
    holders = np.flatnonzero(rng.random(chunk.n) < 0.1 + 0.6 * tr.digital)
    active = rng.random((len(holders), chunk.months)) < 0.85
    who, t = np.nonzero(active)
    user = holders[who]
    sessions = rng.poisson(5 + 40 * tr.digital[user])
    days = np.minimum(np.maximum(sessions // 2, 1), 28)
    joined = rng.integers(3, 150, len(holders))
    attributes = pc.binary_join_element_wise(
        '{"sessions":',
        _text(sessions),
        ',"active_days":',
        _text(days),
        ',"account_age_months":',
        _text(joined[who] + t),
        "}",
        "",
    )
    chunk.events.add(
        user=user,
        stream="social",
        serial=t + 1000,
        source="social",
        type="activity",
        furnisher="chatter-social",
        ts=month_start_us(chunk.start_month[user] + t + 1) - 3 * 3600 * US_PER_SECOND,
        attributes=attributes,
    )

"""Latent traits of synthetic people, their month-by-month financial stress, and default risk.

Every behaviour the generator writes (payments, balances, income, spending, inquiries,
digital activity) is drawn from these traits, and so is default after the as-of date: that
is what makes the events predictive, as real ones are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MEDIAN_MONTHLY_INCOME = 3200.0
CALIBRATION_PEOPLE = 100_000


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class Traits:
    """One entry per person."""

    age: np.ndarray  # years at the as-of date
    income: np.ndarray  # usual monthly income (USD)
    salaried: np.ndarray  # bool: paid a regular salary (else gig or self-employed income)
    regularity: np.ndarray  # 0..1: how reliably income arrives
    discipline: np.ndarray  # standard normal: care with payments and spending
    shock_rate: np.ndarray  # monthly probability of a shock (job loss, illness, big bill)
    tenure_months: np.ndarray  # months of credit history before the generated window
    digital: np.ndarray  # 0..1: how much of life happens online
    thin_file: np.ndarray  # bool: few sources and accounts

    def __len__(self) -> int:
        return len(self.age)

    @property
    def income_z(self) -> np.ndarray:
        return np.log(self.income / MEDIAN_MONTHLY_INCOME) / 0.55


def sample_traits(rng: np.random.Generator, n: int) -> Traits:
    """Draw n people's traits (correlated the way life correlates them)."""
    age = np.clip(rng.gamma(6.0, 6.5, n) + 18.0, 18.0, 85.0)
    career = np.clip((age - 22.0) / 25.0, 0.0, 1.0)
    income = MEDIAN_MONTHLY_INCOME * np.exp(rng.normal(0.0, 0.5, n) + 0.35 * (career - 0.5))
    salaried = rng.random(n) < 0.55 + 0.25 * career
    regularity = np.where(salaried, rng.beta(12.0, 1.0, n), rng.beta(2.5, 2.0, n))
    discipline = 0.8 * rng.normal(0.0, 1.0, n) + 0.6 * (career - 0.5)
    shock_rate = 0.004 + 0.05 * rng.beta(1.2, 9.0, n)
    history = np.maximum(age - 19.0, 0.0) * 12.0
    tenure_months = np.floor(history * rng.beta(2.0, 1.3, n))
    digital = np.clip(rng.beta(2.5, 2.0, n) - 0.006 * (age - 40.0), 0.0, 1.0)
    thin_file = rng.random(n) < np.clip(0.08 + 0.25 * (age < 25) + 0.1 * (tenure_months < 24), 0, 1)
    tenure_months = np.where(thin_file, np.floor(tenure_months * 0.2), tenure_months)
    return Traits(
        age=age,
        income=income,
        salaried=salaried,
        regularity=regularity,
        discipline=discipline,
        shock_rate=shock_rate,
        tenure_months=tenure_months,
        digital=digital,
        thin_file=thin_file,
    )


def simulate_stress(rng: np.random.Generator, traits: Traits, months: int) -> np.ndarray:
    """(people, months) financial stress: shocks that fade, plus a steady income strain.

    0 is a calm month; above 1 the person is struggling (missed income, tight cash).
    """
    n = len(traits)
    shocks = rng.random((n, months)) < traits.shock_rate[:, None]
    sizes = rng.exponential(1.2, (n, months)) * shocks
    strain = np.clip(-0.25 * traits.income_z + 0.4 * (1.0 - traits.regularity), 0.0, None)
    stress = np.empty((n, months))
    level = np.zeros(n)
    for t in range(months):
        level = 0.8 * level + sizes[:, t]
        stress[:, t] = level + strain
    return stress


def risk_logit(
    rng: np.random.Generator, traits: Traits, stress: np.ndarray, as_of_index: int
) -> np.ndarray:
    """Default risk after the as-of month, before the intercept that sets the bad rate."""
    recent = stress[:, max(as_of_index - 3, 0) : as_of_index].mean(axis=1)
    tenure_z = (np.log1p(traits.tenure_months) - 4.0) / 1.2
    shock_z = (traits.shock_rate - 0.01) / 0.01
    return (
        -1.5 * traits.discipline
        + 0.7 * recent
        + 0.25 * shock_z
        - 0.3 * traits.income_z
        - 0.6 * (traits.regularity - 0.8) / 0.2
        - 0.2 * tenure_z
        + 0.25 * traits.thin_file
        + rng.normal(0.0, 0.45, len(traits))
    )


def calibrate_intercept(bad_rate: float, months: int, seed: int) -> float:
    """The intercept that makes the expected bad rate equal `bad_rate` for this population."""
    rng = np.random.default_rng([seed, 0xCA11B])
    traits = sample_traits(rng, CALIBRATION_PEOPLE)
    stress = simulate_stress(rng, traits, months)
    logit = risk_logit(rng, traits, stress, months)
    low, high = -25.0, 25.0
    for _ in range(80):
        middle = (low + high) / 2.0
        if sigmoid(middle + logit).mean() < bad_rate:
            low = middle
        else:
            high = middle
    return (low + high) / 2.0

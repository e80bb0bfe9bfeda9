"""The batch scorer's grouped tables give exactly the feature-by-feature results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credo.explain import reasons as rs
from credo.model import scoring


def random_model(rng, m, max_bins=8, max_points=60):
    """Whole points and log-odds per bin for m features of random sizes."""
    sizes = rng.integers(2, max_bins + 1, size=m)
    points = [rng.integers(-5, max_points, size=s).astype(float) for s in sizes]
    log_odds = [rng.normal(scale=0.4, size=s) for s in sizes]
    return points, log_odds


def reference(points, log_odds, intercept, bins, inquiries):
    """Feature by feature: sums, then reasons by the plain ranking in credo.explain.reasons."""
    total = sum(p[b] for p, b in zip(points, bins, strict=True)).astype(np.int64)
    linear = intercept + sum(lo[b] for lo, b in zip(log_odds, bins, strict=True))
    loss = np.column_stack([(p.max() - p)[b] for p, b in zip(points, bins, strict=True)]).astype(
        np.int64
    )
    top = rs.top_reasons(loss)
    fifth = rs.inquiry_reason(loss, top, inquiries) if len(points) > rs.N_REASONS else None
    return total, linear, top, fifth


@pytest.mark.parametrize(
    ("m", "max_points", "inquiries"),
    [
        (1, 40, []),
        (3, 40, [1]),
        (4, 40, [0, 3]),
        (5, 3, [4]),  # tiny losses: ties everywhere
        (23, 80, [2, 20]),
        (60, 200, [7]),
        (12, 5_000_000, [3]),  # huge losses: fewer lanes, groups of at most that many
    ],
)
def test_grouped_scoring_matches_the_plain_reference(m, max_points, inquiries):
    rng = np.random.default_rng(m * 31 + max_points)
    points, log_odds = random_model(rng, m, max_points=max_points)
    n = 3000
    bins = [rng.integers(0, len(p), size=n).astype(np.uint8) for p in points]
    tables = scoring.compile_tables(points, log_odds, -1.25, inquiries)
    got = scoring.score_bins(tables, bins)
    total, linear, top, fifth = reference(points, log_odds, -1.25, bins, inquiries)
    assert got.points.tolist() == total.tolist()
    assert np.allclose(got.log_odds, linear, rtol=0, atol=1e-12)
    assert got.reasons.tolist() == top.tolist()
    if fifth is None:
        assert (got.fifth == rs.NO_REASON).all()
    else:
        assert got.fifth.tolist() == fifth.tolist()
    if inquiries and m > 10:
        assert (got.fifth != rs.NO_REASON).any()  # the case was really exercised


def test_groups_respect_the_code_space_and_the_lanes():
    sizes = [7] * 10
    groups = scoring.group_features(sizes, lanes=4)
    assert [j for g in groups for j in g] == list(range(10))
    assert all(np.prod([sizes[j] for j in g]) <= scoring.MAX_GROUP_CODES for g in groups)
    assert all(len(g) <= 2 for g in scoring.group_features(sizes, lanes=2))


def test_hand_checked_row():
    # three features, bins chosen so losses are 5, 9, 9: the tie goes to the earlier feature
    points = [np.array([10.0, 5.0]), np.array([20.0, 11.0]), np.array([9.0, 0.0])]
    log_odds = [np.array([-0.1, 0.2]), np.array([-0.3, 0.1]), np.array([0.0, 0.5])]
    tables = scoring.compile_tables(points, log_odds, 0.5)
    one = np.array([1], dtype=np.uint8)
    got = scoring.score_bins(tables, [one, one, one])
    assert got.points.tolist() == [16]
    assert got.log_odds.tolist() == pytest.approx([0.5 + 0.2 + 0.1 + 0.5])
    assert got.reasons.tolist() == [[1, 2, 0, rs.NO_REASON]]


def test_a_cell_that_is_no_number_is_missing_and_said_so(tmp_path):
    """One "#VALUE!" in a number column stopped `credo score` and `credo evaluate` for the
    whole file ("non-numeric value"), where the exported SQL read it as missing."""
    import subprocess
    import sys
    from pathlib import Path

    import duckdb

    from credo.model.artifact import save_model
    from credo.model.scorecard import Scorecard
    from credo.model.sql_export import model_to_sql
    from credo.model.training import load_table_training, train_model

    rng = np.random.default_rng(8)
    n = 2_000
    x, u = rng.normal(size=n), rng.normal(size=n)
    bad = (rng.random(n) < 1 / (1 + np.exp(1.2 - 0.9 * x + 0.5 * u))).astype(int)
    pd.DataFrame({"x": x, "u": u, "bad": bad}).to_csv(tmp_path / "train.csv", index=False)
    artifact = train_model(load_table_training(tmp_path / "train.csv", "bad"), Scorecard())
    assert artifact.scorecard.features_ == ["x", "u"]
    save_model(artifact, tmp_path / "m.json")
    # "#VALUE!" is a missing cell as read from a file; "n.a." is text that is no number
    rows = pd.DataFrame(
        {"x": ["0.5", "n.a.", "-1.2", "true", "#VALUE!"], "u": [0.1, 0.2, -0.3, 1.0, 0.5]}
    )
    rows.assign(bad=[0, 1, 0, 1, 0]).to_csv(tmp_path / "new.csv", index=False)
    scored = subprocess.run(
        [str(Path(sys.executable).with_name("credo")), "score", "--model", str(tmp_path / "m.json"),
         "--table", str(tmp_path / "new.csv"), "--out", str(tmp_path / "s.csv")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    said = " ".join(scored.stderr.split())
    assert scored.returncode == 0, said
    assert "warning: x: 1 value (20% of the rows) is not a number (e.g. 'n.a.')" in said
    numbers = rows.assign(x=[0.5, None, -1.2, 1.0, None])
    expected = artifact.score_table(numbers)["score"].tolist()
    assert pd.read_csv(tmp_path / "s.csv")["score"].tolist() == expected
    con = duckdb.connect()
    con.register("new", rows.assign(row_id=range(5)))
    got = con.execute(model_to_sql(artifact, "duckdb", table="new", id_column="row_id")).df()
    assert got.sort_values("id")["score"].tolist() == expected

"""The LightGBM challenger: monotone where told, exact contributions, reasons, JSON round trip."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from credo.evaluate.metrics import auc
from credo.model.challenger import Challenger

META = [
    {"name": "dpd_max", "direction": "higher_is_riskier", "reason": "Late payments"},
    {"name": "tenure", "direction": "higher_is_safer", "reason": "Short credit history"},
    {"name": "noise", "direction": None, "reason": ""},
    {"name": "segment", "direction": None, "reason": "Segment"},
]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(42)
    n = 3000
    frame = pd.DataFrame(
        {
            "dpd_max": rng.integers(0, 6, n).astype(float),
            "tenure": rng.uniform(0, 120, n),
            "noise": rng.normal(size=n),
            "segment": rng.choice(["retail", "sme", "student"], n),
        }
    )
    frame.loc[rng.random(n) < 0.05, "tenure"] = np.nan
    # a non-monotone wiggle in dpd_max so an unconstrained model could bend the wrong way
    wiggle = np.where(frame["dpd_max"] == 3, -0.8, 0.0)
    logit = (
        -2.0
        + 0.6 * frame["dpd_max"]
        + wiggle
        - 0.02 * frame["tenure"].fillna(30)
        + np.where(frame["segment"] == "student", 0.7, 0.0)
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame, y


@pytest.fixture(scope="module")
def fitted(data):
    frame, y = data
    return Challenger(n_jobs=1).fit(frame, y, meta=META)


def test_fit_learns_and_stops_early(fitted, data):
    frame, y = data
    assert fitted.features_ == [m["name"] for m in META]
    assert fitted.monotone_ == [1, -1, 0, 0]
    assert 1 <= fitted.n_iter_ < fitted.n_estimators
    assert auc(y, fitted.predict_proba(frame)[:, 1]) > 0.7


def test_predictions_follow_the_direction_hints(fitted, data):
    frame, _ = data
    rows = frame.sample(50, random_state=1).reset_index(drop=True)
    for feature, grid, sign in (
        ("dpd_max", np.arange(0, 6, dtype=float), 1),
        ("tenure", np.linspace(0, 120, 25), -1),
    ):
        risks = []
        for value in grid:
            varied = rows.assign(**{feature: value})
            risks.append(fitted.decision_function(varied))
        steps = np.diff(np.column_stack(risks), axis=1) * sign
        assert (steps >= -1e-12).all(), f"{feature} is not monotone"


def test_unconstrained_benchmark_bends_where_the_data_does():
    rng = np.random.default_rng(7)
    n = 4000
    # hinted "higher is riskier", but the lowest values are the riskiest (a U shape)
    frame = pd.DataFrame({"utilisation": rng.uniform(0, 1, n)})
    logit = -2.0 + 2.0 * (frame["utilisation"] < 0.1) + 2.0 * frame["utilisation"]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    meta = [{"name": "utilisation", "direction": "higher_is_riskier", "reason": "High use"}]
    grid = pd.DataFrame({"utilisation": [0.05, 0.3]})
    hinted = Challenger(n_jobs=1).fit(frame, y, meta=meta)
    free = Challenger(n_jobs=1, monotone=False).fit(frame, y, meta=meta)
    assert hinted.monotone_ == [1] and free.monotone_ == [0]
    low, middle = hinted.decision_function(grid)
    assert low <= middle
    low, middle = free.decision_function(grid)
    assert low > middle + 0.3
    restored = Challenger.from_dict(json.loads(json.dumps(free.to_dict())))
    assert restored.monotone is False and restored.monotone_ == [0]
    np.testing.assert_array_equal(restored.predict_proba(frame), free.predict_proba(frame))


def test_contributions_sum_to_the_raw_score(fitted, data):
    frame, _ = data
    contributions = fitted.contributions(frame.head(200))
    assert list(contributions.columns) == [*fitted.features_, "bias"]
    np.testing.assert_allclose(
        contributions.to_numpy().sum(axis=1), fitted.decision_function(frame.head(200)), atol=1e-9
    )
    np.testing.assert_allclose(
        fitted.predict_proba(frame.head(5)).sum(axis=1), np.ones(5), atol=1e-12
    )


def test_reasons_are_the_largest_positive_contributions(fitted, data):
    frame, _ = data
    rows = frame.head(300)
    contributions = fitted.contributions(rows).drop(columns="bias")
    reasons = fitted.reasons(rows, k=2)
    assert list(reasons.columns) == ["reason_1", "reason_2"]
    for i in range(len(rows)):
        positive = contributions.iloc[i][contributions.iloc[i] > 0].sort_values(ascending=False)
        expected = list(positive.index[:2]) + [None] * (2 - min(2, len(positive)))
        assert list(reasons.iloc[i]) == expected
    texts = fitted.reasons(rows.head(20), k=4, as_text=True)
    allowed = {"Late payments", "Short credit history", "noise", "Segment", None}
    allowed.add("Too little data on tenure")  # a missing tenure is not a short one
    # a value not clearly on the risky side (within the training quartiles) is told as itself
    told = {
        t for t in texts.to_numpy().ravel() if not re.fullmatch(r"(dpd max|tenure): [\d.]+", str(t))
    }
    assert told <= allowed


def test_round_trip_through_json(fitted, data):
    frame, _ = data
    restored = Challenger.from_dict(json.loads(json.dumps(fitted.to_dict())))
    np.testing.assert_array_equal(restored.predict_proba(frame), fitted.predict_proba(frame))
    pd.testing.assert_frame_equal(restored.reasons(frame.head(50)), fitted.reasons(frame.head(50)))
    assert restored.get_params() == fitted.get_params()


def test_codes_named_categorical_are_categories_read_as_written_or_as_numbers(data):
    frame, y = data
    coded = frame[["tenure"]].assign(branch=frame["dpd_max"].astype(int) * 7)
    model = Challenger(n_jobs=1, categorical=["branch"]).fit(coded, y)
    assert model.categories_ == {"branch": ["0", "14", "21", "28", "35", "7"]}
    saved = model.to_dict()
    assert saved["params"]["categorical"] == ["branch"]
    restored = Challenger.from_dict(json.loads(json.dumps(saved)))
    # the codes as a file with padded digits writes them ("007"), read as text
    as_text = coded.assign(branch=coded["branch"].map(lambda v: f"{v:03d}"))
    np.testing.assert_array_equal(restored.predict_proba(as_text), model.predict_proba(coded))
    # a model that names none saves no such parameter (a credo before it reads the file)
    assert "categorical" not in Challenger(n_jobs=1).fit(coded, y).to_dict()["params"]


def test_same_seed_same_model_and_other_inputs(data):
    frame, y = data
    small = frame.head(1500)
    first = Challenger(n_jobs=1).fit(pa.Table.from_pandas(small), y[:1500], meta=META)
    second = Challenger(n_jobs=1).fit({c: small[c].to_numpy() for c in small}, y[:1500], META)
    np.testing.assert_array_equal(first.predict_proba(small), second.predict_proba(small))


def test_unseen_category_and_missing_values_score(fitted, data):
    frame, _ = data
    odd = frame.head(3).assign(segment=["retail", "new-level", None], tenure=[np.nan, 10.0, 50.0])
    probabilities = fitted.predict_proba(odd)[:, 1]
    assert np.isfinite(probabilities).all()


def test_plain_tables_take_directions_by_column(data):
    frame, y = data
    model = Challenger(n_jobs=1, monotone_by_feature={"dpd_max": "ascending", "tenure": -1})
    model.fit(frame[["dpd_max", "tenure", "segment"]], y)
    assert model.monotone_ == [1, -1, 0]


def test_clear_errors(data):
    frame, y = data
    with pytest.raises(ValueError, match="unknown direction 'sideways'"):
        Challenger(monotone_by_feature={"dpd_max": "sideways"}).fit(frame, y)
    with pytest.raises(ValueError, match="0 \\(good\\) or 1 \\(bad\\)"):
        Challenger().fit(frame, np.full(len(frame), 2))
    with pytest.raises(ValueError, match="not in X"):
        Challenger().fit(frame[["noise"]], y, meta=META)
    model = Challenger(n_jobs=1, n_estimators=20).fit(frame[["noise", "dpd_max"]], y)
    with pytest.raises(ValueError, match="'dpd_max'"):
        model.predict_proba(frame[["noise"]])
    with pytest.raises(ValueError, match="not a credo challenger"):
        Challenger.from_dict({"format": "something else"})


def test_special_values_stay_outside_the_monotone_order():
    # -2 means "never late": the safest people, though the lowest number on a scale where
    # higher months since a late payment is safer. As a special value it is not forced into
    # the order, so the model can learn that it is safe.
    rng = np.random.default_rng(3)
    n = 4000
    months = rng.integers(0, 12, n).astype(float)
    never = rng.random(n) < 0.4
    months[never] = -2.0
    logit = np.where(never, -3.0, -0.2 - 0.1 * months)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame({"months_since_late": months})
    meta = [{"name": "months_since_late", "direction": "higher_is_safer", "never": -2.0}]
    model = Challenger().fit(frame, y, meta=meta)
    assert model.specials_ == {"months_since_late": [-2.0]}
    risk = model.predict_proba(pd.DataFrame({"months_since_late": [-2.0, 0.0, 6.0, 11.0]}))[:, 1]
    assert risk[0] < risk[3] <= risk[2] <= risk[1]
    restored = Challenger.from_dict(json.loads(json.dumps(model.to_dict())))
    np.testing.assert_array_equal(restored.predict_proba(frame), model.predict_proba(frame))


def test_any_column_name_works() -> None:
    # LightGBM refuses names with JSON's special characters; plain tables have such names
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2_000, 2))
    y = (rng.random(2_000) < 1 / (1 + np.exp(1.0 - 1.5 * x[:, 0]))).astype(int)
    frame = pd.DataFrame({'rate "%"': x[:, 0], "Income ($), {net}": x[:, 1]})
    model = Challenger().fit(frame, y)
    again = Challenger.from_dict(json.loads(json.dumps(model.to_dict())))
    assert np.allclose(again.predict_proba(frame), model.predict_proba(frame))
    assert model.contributions(frame).columns[:2].tolist() == frame.columns.tolist()
    assert auc(y, model.predict_proba(frame)[:, 1]) > 0.7


def test_reason_texts_are_true_of_the_persons_value():
    # a balance whose risk is U-shaped (no direction hint): a text for high and one for low
    # values, and -1 for "no card"; people without a card are the riskiest
    rng = np.random.default_rng(8)
    n = 5000
    balance = rng.uniform(0, 10_000, n)
    balance[rng.random(n) < 0.15] = -1.0
    logit = np.where(balance < 0, 0.5, np.where(balance < 1_000, -0.5, -2.0 + balance / 5_000))
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    meta = [
        {
            "name": "card_balance",
            "direction": None,
            "description": "Total card balance (all cards)",
            "reason": "Card balances are high",
            "reason_low": "Card balances are low",
            "no_data": -1.0,
        }
    ]
    frame = pd.DataFrame({"card_balance": balance})
    model = Challenger(n_jobs=1).fit(frame, y, meta=meta)
    probe = pd.DataFrame({"card_balance": [-1.0, np.nan, 200.0, 9_900.0]})
    assert _told(model, probe) == [
        "No data on total card balance",
        "Too little data on total card balance",
        "Card balances are low",
        "Card balances are high",
    ]


def test_the_thread_count_does_not_change_the_trees():
    rng = np.random.default_rng(7)
    n = 20000
    frame = pd.DataFrame({f"x{i}": rng.normal(size=n) * (i + 1) for i in range(12)})
    logit = -1.5 + frame[[f"x{i}" for i in range(6)]].to_numpy() @ (0.3 / np.arange(1, 7))
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    one, two = (Challenger(n_jobs=k).fit(frame, y) for k in (1, 2))
    assert one.n_iter_ == two.n_iter_ > 10
    trees = [m.booster_.model_to_string().split("end of trees")[0] for m in (one, two)]
    assert trees[0] == trees[1]
    assert np.array_equal(one.predict_proba(frame), two.predict_proba(frame))


def test_fit_tells_how_the_boosting_goes(data):
    frame, y = data
    told: list[str] = []
    model = Challenger(n_jobs=1).fit(frame, y, meta=META, step=told.append)
    searching = [t for t in told if t.startswith("finding how many trees")]
    growing = [t for t in told if t.startswith(f"growing {model.n_iter_} trees")]
    assert searching and growing and len(told) == len(searching) + len(growing)
    # the search runs past the trees kept (early stopping's patience), the last one grown is told
    assert int(searching[-1].rsplit(" ", 1)[1]) >= model.n_iter_
    assert int(growing[-1].rsplit(" ", 1)[1]) == model.n_iter_


def test_a_column_the_scorecard_finds_a_leak_is_no_input_of_the_challenger(tmp_path):
    """A written-off flag set for nine bads in ten was left out of the card as a leak, but
    the challenger built its trees on it: 0.97 AUC, and the report recommended it."""
    from credo.model.columns import LEAK_QUESTION
    from credo.model.scorecard import Scorecard
    from credo.model.training import load_table_training, train_model

    rng = np.random.default_rng(2)
    n = 5_000
    x, u = rng.normal(size=n), rng.normal(size=n)
    bad = rng.random(n) < 1 / (1 + np.exp(1.5 - 0.9 * x + 0.4 * u))
    written_off = (bad & (rng.random(n) < 0.9)).astype(int)
    table = pd.DataFrame({"x": x, "u": u, "written_off": written_off, "bad": bad.astype(int)})
    table.to_csv(tmp_path / "leak.csv", index=False)
    data = load_table_training(tmp_path / "leak.csv", "bad")
    artifact = train_model(data, Scorecard(), challenger=True)
    assert artifact.scorecard.dropped_["written_off"].endswith(LEAK_QUESTION)
    challenger = artifact.challenger_model()
    assert challenger.features_ == ["x", "u"]
    held = artifact.metrics["challenger_holdout"]["auc"]
    assert abs(held - artifact.metrics["holdout"]["auc"]) < 0.03  # no longer 0.97


def test_a_value_short_of_the_reason_bound_is_told_as_the_value():
    # utilisation is riskier the higher it is; were the reason ("high compared with the
    # limits") true only above 70 %, 65 % costing points reads as the value it is
    rng = np.random.default_rng(9)
    n = 4000
    util = rng.uniform(0, 1, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-2.5 + 3 * util)))).astype(int)
    meta = [
        {
            "name": "util",
            "direction": "higher_is_riskier",
            "description": "Card utilisation in the most recent month",
            "reason": "Card balances are high compared with the credit limits",
            "no_data": -1.0,
            "unit": "share",
            "reason_bound": 0.7,
        }
    ]
    model = Challenger(n_jobs=1).fit(pd.DataFrame({"util": util}), y, meta=meta)
    probe = pd.DataFrame({"util": [0.65, 0.7, 0.9]})
    assert _told(model, probe) == [
        "Card utilisation in the most recent month: 65%",
        "Card utilisation in the most recent month: 70%",
        "Card balances are high compared with the credit limits",
    ]


def test_a_claim_without_a_bound_is_told_only_in_the_risky_quarter_of_values():
    # "Little has been repaid" was told to people repaying more than the median, whenever the
    # trees pushed their risk up at all: it is true of the lowest quarter; the rest read as
    # their value, to the cent
    rng = np.random.default_rng(10)
    n = 4000
    repaid = rng.uniform(0, 2000, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(1.0 - repaid / 500)))).astype(int)
    meta = [
        {
            "name": "repaid",
            "direction": "higher_is_safer",
            "description": "Mean amount repaid per month, 6 months",
            "reason": "Little has been repaid on cards and loans recently",
            "no_data": -1.0,
            "unit": "money",
        }
    ]
    model = Challenger(n_jobs=1).fit(pd.DataFrame({"repaid": repaid}), y, meta=meta)
    low, high = model.text_cuts_["repaid"]
    assert low == pytest.approx(np.quantile(repaid, 0.25)) and high > low
    probe = pd.DataFrame({"repaid": [100.0, low + 123.4567]})
    texts = model.reasons(probe, k=1, as_text=True)["reason_1"].tolist()
    assert texts == [
        "Little has been repaid on cards and loans recently",
        f"Mean amount repaid per month, 6 months: {low + 123.4567:,.2f}",
    ]
    restored = Challenger.from_dict(json.loads(json.dumps(model.to_dict())))
    assert restored.reasons(probe, k=1, as_text=True)["reason_1"].tolist() == texts


def test_a_challenger_saved_with_medians_splits_its_texts_there():
    # saved before the quartiles: the low and high texts met at the training median
    rng = np.random.default_rng(11)
    balance = rng.uniform(0, 10_000, 3000)
    y = (rng.random(3000) < 1 / (1 + np.exp(-(-2 + np.abs(balance - 5000) / 2500)))).astype(int)
    meta = [{"name": "card_balance", "direction": None, "description": "Total card balance",
             "reason": "Card balances are high", "reason_low": "Card balances are low",
             "no_data": -1.0}]  # fmt: skip
    model = Challenger(n_jobs=1).fit(pd.DataFrame({"card_balance": balance}), y, meta=meta)
    saved = model.to_dict()
    del saved["text_cuts"]
    saved["medians"] = {"card_balance": 5000.0}
    old = Challenger.from_dict(json.loads(json.dumps(saved)))
    assert old.text_cuts_ == {"card_balance": (5000.0, 5000.0)}
    texts = old._value_texts("card_balance", pd.Series([4000.0, 6000.0, 5000.0]))
    assert texts.tolist() == [
        "Card balances are low",
        "Card balances are high",
        "Total card balance: 5000",  # no unit given: the number as it is
    ]


def _told(model: Challenger, probe: pd.DataFrame) -> list[str]:
    """Each probe row's first reason text; the model read back from its JSON tells the same."""
    texts = model.reasons(probe, k=1, as_text=True)["reason_1"].tolist()
    restored = Challenger.from_dict(json.loads(json.dumps(model.to_dict())))
    assert restored.reasons(probe, k=1, as_text=True)["reason_1"].tolist() == texts
    return texts


def test_a_split_of_a_category_of_many_levels_sends_few_of_them_one_way():
    # 1,000 merchants of 20 rows each: LightGBM's own limit let one split send 32 of them one
    # way, each there by the noise of its few rows
    from credo.model.challenger import MAX_CATEGORY_LEVELS_A_SPLIT

    rng = np.random.default_rng(2)
    merchants = np.array([f"M{i:05d}" for i in range(1000)], dtype=object)
    risk = np.random.default_rng(1).normal(0.0, 0.5, merchants.size)
    chosen = rng.integers(0, merchants.size, 20_000)
    x = rng.normal(size=chosen.size)
    logit = -1.8 + 0.8 * x + risk[chosen]
    y = (rng.random(chosen.size) < 1 / (1 + np.exp(-logit))).astype(int)
    model = Challenger(n_jobs=1).fit(pd.DataFrame({"x": x, "merchant": merchants[chosen]}), y)
    sent = []

    def walk(node: dict) -> None:
        if "split_index" in node:
            if node["decision_type"] == "==":  # a category's split: the levels sent left
                sent.append(len(str(node["threshold"]).split("||")))
            walk(node["left_child"])
            walk(node["right_child"])

    for tree in model.booster_.dump_model()["tree_info"]:
        walk(tree["tree_structure"])
    assert sent and max(sent) == MAX_CATEGORY_LEVELS_A_SPLIT


def _small_table(n: int = 1000, seed: int = 5) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n)})
    y = (rng.random(n) < 1 / (1 + np.exp(1.5 - frame["x"]))).astype(int)
    return frame, y


def test_each_direction_word_gives_its_constraint_and_meta_hints_come_first():
    frame, y = _small_table()
    quick = {"n_jobs": 1, "n_estimators": 5, "early_stopping_rounds": 5}
    words = {"x": "descending", "z": "ascending"}
    assert Challenger(**quick, monotone_by_feature=words).fit(frame, y).monotone_ == [-1, 1]
    words = {"x": "higher_is_safer", "z": "higher_is_riskier"}
    assert Challenger(**quick, monotone_by_feature=words).fit(frame, y).monotone_ == [-1, 1]
    # a feature's meta hint is taken over the per-column direction; one without falls back
    meta = [{"name": "x", "direction": "higher_is_riskier"}, {"name": "z", "direction": None}]
    told = Challenger(**quick, monotone_by_feature={"x": "descending", "z": "descending"})
    assert told.fit(frame, y, meta=meta).monotone_ == [1, -1]


def test_a_category_is_never_held_to_a_direction():
    # codes of a branch have no order, whatever direction the column is given
    frame, y = _small_table()
    coded = frame.assign(branch=(frame["z"] > 0).astype(int) * 7)
    model = Challenger(
        n_jobs=1, n_estimators=5, categorical=["branch"], monotone_by_feature={"branch": 1}
    ).fit(coded[["x", "branch"]], y)
    assert model.monotone_ == [0, 0]


def test_a_feature_that_moves_no_ones_risk_is_never_a_reason():
    # `flat` is one value for everyone: no tree splits on it and its contribution is 0
    frame, y = _small_table()
    table = frame.assign(flat=1.0)[["x", "flat"]]
    meta = [{"name": "x", "direction": "higher_is_riskier"}, {"name": "flat"}]
    model = Challenger(n_jobs=1).fit(table, y, meta=meta)
    contributions = model.contributions(table)
    assert (contributions["flat"] == 0).all()
    reasons = model.reasons(table, k=2)
    assert reasons["reason_2"].isna().all()
    assert (reasons["reason_1"].notna() == (contributions["x"] > 0)).all()


def test_an_unseen_category_scores_as_a_missing_one(fitted, data):
    # "a" sorts first among the levels: an unseen level read as its code would score as "a"
    frame, y = data
    table = frame[["tenure"]].assign(level=np.where(frame["segment"] == "student", "b", "a"))
    model = Challenger(n_jobs=1).fit(table, y)
    rows = pd.DataFrame({"tenure": [30.0] * 3, "level": ["a", "new-level", None]})
    risk = model.predict_proba(rows)[:, 1]
    assert risk[1] == risk[2] and risk[0] != risk[1]


def test_the_rounds_are_those_of_the_lowest_loss_on_a_stratified_fifth_held_out(monkeypatch):
    import lightgbm as lgb

    import credo.model.challenger as challenger_module

    held_out: list[np.ndarray] = []
    losses: dict[str, dict[str, list[float]]] = {}
    real_train = lgb.train

    def train(params, train_set, *args, **kwargs):
        if kwargs.get("valid_sets"):  # the search for the rounds: its held-out rows and loss
            held_out.extend(np.asarray(valid.get_label()) for valid in kwargs["valid_sets"])
            kwargs["callbacks"] = [*kwargs["callbacks"], lgb.record_evaluation(losses)]
        return real_train(params, train_set, *args, **kwargs)

    monkeypatch.setattr(challenger_module.lgb, "train", train)
    # 1,000 rows of which 50 bad: a fifth held out is 200 rows, 10 of them bad
    rng = np.random.default_rng(6)
    frame = pd.DataFrame({"x": rng.normal(size=1000), "z": rng.normal(size=1000)})
    y = np.zeros(1000, dtype=int)
    y[np.argsort(-frame["x"].to_numpy() + rng.normal(size=1000))[:50]] = 1
    model = Challenger(n_jobs=1, early_stopping_rounds=20).fit(frame, y)
    assert len(held_out) == 1
    assert held_out[0].size == 200 and held_out[0].sum() == 10
    # the boosting ran on past the best round; the model keeps the best
    loss = losses["valid_0"]["binary_logloss"]
    assert len(loss) > model.n_iter_
    assert model.n_iter_ == int(np.argmin(loss)) + 1

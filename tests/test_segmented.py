"""Segmented scorecards: the split found from data, scores and reasons by segment, the segment
charged as a reason, JSON round trip, SQL parity, and the CLI end to end."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from test_sql_export import assert_same, run_duckdb, run_spark
from test_train_cli import credo

from credo.evaluate.metrics import auc
from credo.evaluate.model_eval import segment_rows
from credo.model.artifact import ModelArtifact, load_model, save_model
from credo.model.bins import Bins
from credo.model.scorecard import Scorecard
from credo.model.segments import MIN_ALIGNMENT_SLOPE, SegmentedScorecard, _cuts, alignment

SMALL_SEARCH = dict(max_segments=3, inner_folds=2, split_candidates=2)


def planted(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Two populations one card cannot serve: for people behind on payments the utilisation
    decides, for the others only how much of the bill they pay does."""
    rng = np.random.default_rng(seed)
    late = rng.integers(0, 4, n) * (rng.random(n) < 0.35)
    util, paid, noise = rng.random(n), rng.random(n), rng.normal(size=n)
    z = np.where(late > 0, -0.2 + 0.4 * late + 3.0 * (util - 0.5), -2.2 - 3.0 * (paid - 0.5))
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    frame = pd.DataFrame(
        {"months_late": late, "utilisation": util, "paid_share": paid, "noise": noise}
    )
    return frame, y


@pytest.fixture(scope="module")
def fitted():
    X, y = planted(6000, 0)
    return SegmentedScorecard(**SMALL_SEARCH).fit(X, y), X, y


def test_the_planted_split_is_found_and_beats_one_card(fitted):
    model, X, y = fitted
    first = [s.conditions[0] for s in model.segments_]
    assert {c.feature for c in first} == {"months_late"}
    late_side = [s for s in model.segments_ if 0 not in s.conditions[0].members]
    assert late_side and all(
        s.conditions[0].mask(X).sum() == (X.months_late > 0).sum() for s in late_side
    )
    # the late people's card uses utilisation; without segments one card must average it away
    assert any("utilisation" in s.card.features_ for s in late_side)
    test_X, test_y = planted(6000, 1)
    one = Scorecard().fit(X, y)
    segmented_auc = auc(test_y, model.predict_proba(test_X)[:, 1])
    assert segmented_auc > auc(test_y, one.predict_proba(test_X)[:, 1]) + 0.01


def test_rows_are_scored_by_their_own_segment_card(fitted):
    model, X, _ = fitted
    table = model.score_table(X)
    index = model.segment_index(X)
    assert (index >= 0).all()
    for i, segment in enumerate(model.segments_):
        rows = np.flatnonzero(index == i)
        own = segment.card.score_table(X.iloc[rows])
        assert table["score"].to_numpy()[rows].tolist() == own["score"].tolist()
        assert np.allclose(table["pd"].to_numpy()[rows], own["pd"].to_numpy())
    assert np.allclose(model.predict_proba(X)[:, 1], table["pd"].to_numpy())


def test_the_segment_is_a_reason_where_it_costs_points(fitted):
    model, X, _ = fitted
    table = model.score_table(X, with_text=True)
    late = model.segments_[[0 not in s.conditions[0].members for s in model.segments_].index(True)]
    charge = late.charges["months_late"]
    best = max(s.best_score() for s in model.segments_)
    assert charge > 0 and late.best_score() <= best
    rows = late.mask(X)
    reasons = table.loc[rows, [f"reason_{r}" for r in range(1, 5)]].astype(object)
    code = model.codes_["months_late"]
    assert (reasons == code).any(axis=1).all()  # every late person is told
    first = table.loc[rows & (table["reason_1"] == code), "reason_1_text"]
    assert first.str.contains("months late").all()
    # the side of the split in words, and the way to the other side
    told = model.segment_reason_text(late, "months_late")
    assert told == "months late: 1 or more, or no value given (a lower value scores better)"
    # where the charge is the larger part of the loss, the text is the segment's side
    if "months_late" in late.card.features_:
        j = late.card.features_.index("months_late")
        own = late.card.loss_["months_late"][late.card.bin_indices(X[rows])[:, j]]
        told = (table.loc[rows, "reason_1"] == code).to_numpy()
        # each person is told the part of the side they are on: every late person here has
        # a value, so the range alone, not "or no value given"
        rule = "months late: 1 or more (a lower value scores better)"
        texts = table.loc[rows, "reason_1_text"].to_numpy()
        assert (texts[told & (charge >= own)] == rule).all()
        assert (texts[told & (charge < own)] != rule).all()
    clean = ~rows
    # the clean side is never charged for lateness it does not have
    assert not (table.loc[clean, "reason_1"].astype(object) == code).any()
    # a charge is the gap between the best attainable scores, so it is never above it
    assert sum(late.charges.values()) == best - late.best_score()


def test_no_segment_is_charged_for_a_gap_in_its_favour(fitted):
    model, _, _ = fitted
    best = max(s.best_score() for s in model.segments_)
    for segment in model.segments_:
        assert all(charge > 0 for charge in segment.charges.values()), segment.name
        assert sum(segment.charges.values()) == best - segment.best_score()


def test_json_round_trip_and_tampered_charges(fitted, tmp_path):
    model, X, _ = fitted
    path = tmp_path / "model.json"
    save_model(ModelArtifact(scorecard=model), path)
    loaded = load_model(path).scorecard
    pd.testing.assert_frame_equal(loaded.score_table(X), model.score_table(X))
    pd.testing.assert_frame_equal(loaded.breakdown(X), model.breakdown(X))
    again = tmp_path / "again.json"
    first = load_model(path)
    # the same creation time: the hash covers it, and a second may pass between the saves
    copy = ModelArtifact(scorecard=loaded, created_at=first.created_at)
    assert save_model(copy, again) == first.content_hash
    data = json.loads(json.dumps(model.to_dict()))
    data["segments"][-1]["charges"] = {"noise": 5}
    with pytest.raises(ValueError, match="charges"):
        SegmentedScorecard.from_dict(data)


def test_every_cut_sends_the_special_and_missing_bins_to_the_side_of_nearer_woe():
    bins = Bins(
        feature="months_late",
        kind="numeric",
        edges=(10.0, 20.0),
        specials=(-1.0,),
        count=(100, 100, 800, 10, 5),
        bad=(50, 20, 40, 3, 1),
        woe=(-1.0, 0.0, 1.0, -0.15, 0.7),
    )
    # the cut after bin 0: the sides' WoE, their bins weighed by rows, are -1 and 8/9; the
    # special value's -0.15 is nearer -1 (it would be nearer the right side's plain mean 0.5)
    # and the missing bin's 0.7 nearer 8/9. The cut after bin 1: -0.5 and 1, the same sides.
    assert _cuts(bins) == [((0, 3), (1, 2, 4)), ((0, 1, 3), (2, 4))]


def test_alignment_finds_a_known_calibration():
    rng = np.random.default_rng(7)
    log_odds = rng.normal(-1.0, 1.5, 40_000)
    y = rng.random(log_odds.size) < 1 / (1 + np.exp(-(0.4 + 0.6 * log_odds)))
    shift, slope = alignment(log_odds, y)
    assert abs(shift - 0.4) < 0.06 and abs(slope - 0.6) < 0.04
    # held-out log-odds with no power left: the slope stops at its floor, never reverses
    unrelated = rng.random(log_odds.size) < 0.2
    assert alignment(log_odds, unrelated)[1] == MIN_ALIGNMENT_SLOPE


def test_an_aligned_card_rescales_its_log_odds_and_points(tmp_path):
    X, y = planted(3000, 6)
    card = Scorecard().fit(X, y)
    before, spread = card.log_odds_bad(X), card.points_table()["points"].abs().sum()
    card.align(0.3, 0.7)
    np.testing.assert_allclose(card.log_odds_bad(X), 0.3 + 0.7 * before)
    assert card.points_table()["points"].abs().sum() < spread
    loaded = Scorecard.from_dict(json.loads(json.dumps(card.to_dict())))
    np.testing.assert_allclose(loaded.log_odds_bad(X), card.log_odds_bad(X))
    assert loaded.training_["alignment"] == {"shift": 0.3, "slope": 0.7}
    for slope in (0.0, -0.5):
        with pytest.raises(ValueError, match="positive"):
            card.align(0.0, slope)


def test_segment_cards_are_aligned_on_held_out_predictions(fitted, tmp_path):
    model, _, _ = fitted
    slopes = [s.card.training_["alignment"]["slope"] for s in model.segments_]
    # each card, fitted and binned on its own rows, is over-confident on rows it did not see
    assert all(MIN_ALIGNMENT_SLOPE <= slope < 1 for slope in slopes)
    path = tmp_path / "model.json"
    save_model(ModelArtifact(scorecard=model), path)
    shown = credo("model", "show", path).stdout
    assert "aligned" in shown and f"x {slopes[0]:.2f}" in shown
    # the same search without the alignment: the same segments, the cards as fitted
    X, y = planted(6000, 0)
    unaligned = SegmentedScorecard(**SMALL_SEARCH, align=False).fit(X, y)
    assert [s.label() for s in unaligned.segments_] == [s.label() for s in model.segments_]
    for plain, aligned in zip(unaligned.segments_, model.segments_, strict=True):
        assert "alignment" not in plain.card.training_
        shift, slope = (aligned.card.training_["alignment"][k] for k in ("shift", "slope"))
        np.testing.assert_allclose(
            aligned.card.log_odds_bad(X), shift + slope * plain.card.log_odds_bad(X)
        )


def test_the_report_holds_each_segment_s_predicted_bad_rate_against_its_own(fitted):
    model, X, y = fitted
    table = model.score_table(X)
    rows = segment_rows(model, X, y, table["score"].to_numpy(), table["pd"].to_numpy())
    index = model.segment_index(X)
    for i, row in enumerate(rows):
        assert row["mean_pd"] == pytest.approx(table["pd"].to_numpy()[index == i].mean())
        assert abs(row["mean_pd"] - row["bad_rate"]) < 0.02  # aligned cards stay calibrated


def test_one_segment_is_the_plain_scorecard():
    X, y = planted(3000, 2)
    model = SegmentedScorecard(max_segments=1).fit(X, y)
    plain = Scorecard().fit(X, y)
    assert len(model.segments_) == 1 and model.segments_[0].conditions == ()
    assert "alignment" not in model.segments_[0].card.training_  # one card: nothing to align
    assert model.score_table(X)["score"].tolist() == plain.score_table(X)["score"].tolist()


def test_no_split_without_enough_rows_of_each_class():
    X, y = planted(800, 3)
    model = SegmentedScorecard(min_segment_minority=200).fit(X, y)
    assert [s.conditions for s in model.segments_] == [()]
    rarer, which = min((int(y.sum()), "bad"), (int(len(y) - y.sum()), "good"))
    assert f"have {rarer:,} {which} rows" in model.single_segment_reason()
    assert SegmentedScorecard(max_segments=1).fit(X, y).single_segment_reason() is None


def train_planted(tmp_path, n: int, seed: int, segments: int):
    """A planted table trained by the CLI: (X, its CSV, the model path, the train result)."""
    X, y = planted(n, seed)
    table = tmp_path / "people.csv"
    X.assign(bad=y).to_csv(table, index=False)
    model = tmp_path / "model.json"
    trained = credo(
        "train", "--table", table, "--target", "bad", "--segments", str(segments), "--out", model
    )
    return X, table, model, trained


def test_train_says_why_it_kept_one_card(tmp_path):
    _, _, _, trained = train_planted(tmp_path, 800, 3, segments=4)
    assert "one scorecard for everyone (--segments 4): too few to split" in trained.stdout


def test_points_table_and_breakdown_name_the_segment(fitted):
    model, X, _ = fitted
    table = model.points_table()
    assert table["segment"].unique().tolist() == [s.name for s in model.segments_]
    assert table["rule"].str.startswith("months_late").all()
    breakdown = model.breakdown(X.head(50))
    assert len(breakdown) == 50 and (breakdown.filter(like="_max") >= 0).all().all()


def test_the_breakdown_has_every_dimension_of_the_model_whichever_rows_it_is_given(fitted):
    """The columns followed the segments the rows fell in: a chunk of one segment's people
    lacked a dimension only another segment's card has, and `score` then left it blank."""
    model, X, _ = fitted
    model = SegmentedScorecard.from_dict(json.loads(json.dumps(model.to_dict())))
    dimension = {"months_late": "payment_history", "utilisation": "amounts_owed",
                 "paid_share": "capacity", "noise": "other"}  # fmt: skip
    for segment in model.segments_:
        for name, meta in segment.card.meta_.items():
            meta["dimension"] = dimension[name]
    per_segment = [set(s.card.dimensions()) for s in model.segments_]
    assert len({frozenset(d) for d in per_segment}) > 1  # the cards differ in dimensions
    index = model.segment_index(X)
    whole = model.breakdown(X)
    for i, segment in enumerate(model.segments_):
        rows = np.flatnonzero(index == i)
        alone = model.breakdown(X.iloc[rows])
        assert alone.columns.tolist() == whole.columns.tolist()
        assert (alone.to_numpy() == whole.iloc[rows].to_numpy()).all()
        missing = [
            d for d in dimension.values() if d in whole and d not in segment.card.dimensions()
        ]
        assert all((alone[d] == 0).all() and (alone[f"{d}_max"] == 0).all() for d in missing)


def test_a_segment_cards_feature_is_judged_on_its_own_segments_people(fitted):
    """A segment card's bins were applied to everyone: a fresh sample of the same population
    read as a shift of the features (QA: PSI 1.46 on a random split of Taiwan)."""
    from credo.evaluate.model_eval import feature_rows

    model, _, _ = fitted
    X, y = planted(6000, 7)
    rows = {row["name"]: row for row in feature_rows(model, X, y)}
    judged = [row for row in rows.values() if row.get("psi") is not None]
    assert judged and all(row["segment"] in {s.name for s in model.segments_} for row in judged)
    assert max(row["psi"] for row in judged) < 0.05, judged
    for row in judged:  # the IV at training is the segment card's, as the bins are
        card = next(s.card for s in model.segments_ if s.name == row["segment"])
        assert row["iv"] == card.iv_[row["name"]]


def test_a_column_missing_in_one_segment_is_said_of_that_segment_s_rows(fitted):
    """QA: "utilisation: missing in 100% of the rows" where it was missing only in the rows of
    the one segment whose card reads it, and counted rows left unscored anyway."""
    from credo.model.artifact import unread_inputs_words

    model, _, _ = fitted
    artifact = ModelArtifact(scorecard=model, training={"kind": "features"})
    X, _ = planted(3000, 5)
    X["prov_events"] = 7
    late = model.segments_[[0 not in s.conditions[0].members for s in model.segments_].index(True)]
    assert "utilisation" in late.card.features_
    theirs = late.conditions[0].mask(X)
    X.loc[theirs, "utilisation"] = np.nan
    X.loc[X.index[:10], "prov_events"] = 0  # no event fed them: left unscored, not judged
    scored = X.loc[X.prov_events > 0]
    (said,) = [c for c in artifact.unread_inputs(X) if c["name"] == "utilisation"]
    in_segment = int(late.conditions[0].mask(scored).sum())
    assert (said["segment"], said["segment_rows"], said["rows"]) == (
        late.name,
        in_segment,
        len(scored),
    )
    assert said["missing"] == 1.0
    words = " ".join(unread_inputs_words(said).split())
    assert words.startswith(
        f"utilisation: missing in 100% of the {in_segment:,} rows of segment {late.name}"
        f" (of {len(scored):,} scored)"
    ), words


def test_duckdb_sql_matches_python(fitted, tmp_path):
    model, X, _ = fitted
    probe = X.assign(row_id=np.arange(len(X)))
    probe.loc[::9, "utilisation"] = np.nan  # missing bins inside a segment card
    probe.loc[::13, "months_late"] = np.nan  # missing in the column that picks the segment
    seen, got = run_duckdb(model, probe, tmp_path)
    assert_same(model, seen, got)


@pytest.mark.spark
@pytest.mark.slow
def test_spark_sql_matches_python(spark, fitted, tmp_path):
    model, X, _ = fitted
    probe = X.assign(row_id=np.arange(len(X)))
    probe.loc[::13, "months_late"] = np.nan
    assert_same(model, *run_spark(spark, model, probe, tmp_path))


def test_cli_train_show_score_sql_and_report(tmp_path):
    X, table, model, trained = train_planted(tmp_path, 6000, 4, segments=3)
    assert "segment S1" in trained.stdout and "one scorecard for everyone" not in trained.stdout
    artifact = load_model(model)
    assert len(artifact.scorecard.segments_) >= 2
    shown = credo("model", "show", model).stdout
    assert "Segments" in shown and "months_late" in shown
    scores = tmp_path / "scores.csv"
    credo("score", "--model", model, "--table", table, "--out", scores)
    got = pd.read_csv(scores)
    expected = artifact.score_table(X)
    assert got["score"].tolist() == expected["score"].tolist()
    sql = credo("model", "sql", model).stdout
    assert "UNION ALL" in sql
    report = tmp_path / "report.html"
    credo("evaluate", "--model", model, "--table", table, "--target", "bad", "--report", report)
    html = report.read_text()
    assert "one scorecard per segment" in html and "<th>Segment</th>" in html
    section = html[html.index('<section id="segments">') : html.index('<section id="points">')]
    assert section.count("<tr><td>S") == len(artifact.scorecard.segments_)
    assert "months_late" in section and "AUC within" in section and ">Predicted</th>" in section


def test_a_split_on_categories_scores_alike_in_sql(tmp_path):
    X, y = planted(6000, 5)
    status = np.select(
        [X.months_late == 0, X.months_late == 1], ["on time", "a month late"], "two or more late"
    )
    X = X.drop(columns="months_late").assign(status=status)
    model = SegmentedScorecard(**SMALL_SEARCH).fit(X, y)
    first = model.segments_[0].conditions[0]
    assert first.feature == "status" and first.bins.kind == "categorical"
    probe = X.assign(row_id=np.arange(len(X)))
    probe["status"] = probe["status"].astype(object)
    probe.loc[::11, "status"] = None  # the missing bin decides the segment too
    probe.loc[5, "status"] = "a level never seen"  # unseen: where the bins put it, both ways
    seen, got = run_duckdb(model, probe, tmp_path)
    assert_same(model, seen, got)


def test_a_level_never_seen_on_a_split_s_side_is_told_as_unseen_not_as_the_rule():
    """A level never seen falls on the riskiest group's side of a split on categories: its
    charge read the side's rule ("status in {two or more late} or missing"), false of it."""
    X, y = planted(6000, 5)
    status = np.select(
        [X.months_late == 0, X.months_late == 1], ["on time", "a month late"], "two or more late"
    )
    X = X.drop(columns="months_late").assign(status=status)
    model = SegmentedScorecard(**SMALL_SEARCH).fit(X, y)
    assert model.segments_[0].conditions[0].feature == "status"
    table = model.score_table(X.head(300).assign(status="a level never seen"), with_text=True)
    code = model.codes_["status"]
    told = [
        text
        for r in range(1, 6)
        for got, text in zip(table[f"reason_{r}"], table[f"reason_{r}_text"], strict=True)
        if got == code
    ]
    assert told and all("a level never seen" in t and "no record" in t for t in told), told[:3]


def test_the_search_reports_its_progress_and_training_passes_it_on():
    X, y = planted(3000, 2)
    heard: list[str] = []
    model = SegmentedScorecard(**SMALL_SEARCH).fit(X, y, step=heard.append)
    assert heard and all(line.startswith("segments: ") for line in heard)
    assert any("of at most 3" in line and "months_late" in line for line in heard)
    assert len(model.segments_) > 1

    from credo.model.training import TrainingData, train_model

    data = TrainingData(
        X=X, y=y, meta=None, kind="table", id_column=None, target="bad",
        sources=["planted.csv"], fingerprint="-",
    )  # fmt: skip
    stages: list[str] = []
    artifact = train_model(data, SegmentedScorecard(**SMALL_SEARCH), step=stages.append)
    assert any(s.startswith("fitting on the training split: segments: ") for s in stages)
    assert any(s.startswith("fitting on all rows: segments: ") for s in stages)
    # the split's fit records its segments: its held-out figures are of that shape of model
    found = artifact.metrics["holdout"]["segments"]
    assert found > 1


def test_held_out_figures_of_a_split_that_found_other_segments_are_said_so():
    """A 10,000-row table whose split of 8,000 found no segment and whose rows found 3: the
    held-out AUC, the one card's to every digit, read as the segmented model's."""
    from credo.commands.model import _split_segments_words

    X, y = planted(3000, 2)
    card = SegmentedScorecard(**SMALL_SEARCH).fit(X, y)
    kept = len(card.segments_)
    assert kept > 1
    said = _split_segments_words({"auc": 0.78, "segments": 1}, card)
    assert "search found one card (no segment); on all rows it found" in said
    assert f"found {kept}:" in said
    assert "found 2 segments" in _split_segments_words({"segments": 2}, card) or kept == 2
    assert _split_segments_words({"segments": kept}, card) == ""
    assert _split_segments_words({"auc": 0.78}, card) == ""  # a one-card model's figures


def test_a_level_never_seen_is_told_as_such_in_every_segment():
    X, y = planted(6000, 6)
    rng = np.random.default_rng(6)
    channel = np.where(rng.random(len(X)) < 0.5, "branch", "online")
    y = np.where((channel == "online") & (rng.random(len(X)) < 0.15), 1, y)  # online is riskier
    model = SegmentedScorecard(**SMALL_SEARCH).fit(X.assign(channel=channel), y)
    assert any("channel" in s.card.features_ for s in model.segments_)
    table = model.score_table(X.head(300).assign(channel="by pigeon"), with_text=True)
    code = model.codes_["channel"]
    told = 0
    for r in range(1, 6):
        for got, text in zip(table[f"reason_{r}"], table[f"reason_{r}_text"], strict=True):
            if got == code:
                assert "by pigeon" in text and "no record" in text
                told += 1
    assert told > 0


def test_segment_cards_keep_the_codes_of_the_order_given():
    # the CLI numbers every column of a plain table, a date among them; a segment whose rows
    # hold one value of the splitting column leaves that column out, and keeps every code
    X, y = planted(6000, 4)
    names = list(X.columns)
    X = X.assign(opened=pd.Timestamp("2020-01-01"))[[names[0], "opened", *names[1:]]]
    order = list(X.columns)
    model = SegmentedScorecard(scorecard=Scorecard(reason_code_order=order), max_segments=3)
    model.fit(X, y)
    assert model.codes_ == {n: f"R{order.index(n) + 1:02d}" for n in model.codes_}
    assert len(model.segments_) > 1
    for segment in model.segments_:
        assert segment.card.codes_.items() <= model.codes_.items()


def test_a_split_column_no_card_uses_is_read_as_numbers_too():
    """A column only a segment's rule reads ("behind": 0 or 1, constant inside each segment)
    was left as given: one cell of text in it stopped the whole table."""
    rng = np.random.default_rng(3)
    n = 6000
    behind = (rng.random(n) < 0.35).astype(int)
    util, paid = rng.random(n), rng.random(n)
    z = np.where(behind > 0, 0.2 + 3.0 * (util - 0.5), -2.2 - 3.0 * (paid - 0.5))
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    X = pd.DataFrame({"behind": behind, "utilisation": util, "paid_share": paid})
    model = SegmentedScorecard(**SMALL_SEARCH).fit(X, y)
    assert {c.feature for s in model.segments_ for c in s.conditions} == {"behind"}
    assert all("behind" not in s.card.features_ for s in model.segments_)
    artifact = ModelArtifact(scorecard=model)
    given = X.head(5).astype({"behind": str})  # as a CSV file gives a column with text in it
    given.loc[2, "behind"] = "n/a "  # no number: missing, as in any number column
    scores = artifact.score_table(given)
    expected = X.head(5).astype({"behind": float})
    expected.loc[2, "behind"] = np.nan
    pd.testing.assert_frame_equal(scores, artifact.score_table(expected))


def test_a_catalog_features_side_of_a_split_is_told_as_the_whole_side():
    """A segment of late shares from 6.03 % told all its people "6.03% to under 11.63%" (its
    first bin's text), false of the third of them at up to 58 %: the side is told whole, in
    the feature's unit, with the way to the other side."""
    X, y = planted(6000, 0)
    meta = [
        {
            "name": name,
            "dimension": "payment_history",
            "description": description,
            "reason": reason,
            "direction": "none",
            "unit": unit,
        }
        for name, description, reason, unit in (
            ("months_late", "Months behind on payments", "Payments were late", "months"),
            ("utilisation", "Card utilisation", "Card balances are high", "share"),
            ("paid_share", "Share of the bill paid", "Little of the bill was paid", "share"),
            ("noise", "Something else", "Something else is off", ""),
        )
    ]
    model = SegmentedScorecard(**SMALL_SEARCH).fit(X, y, meta=meta)
    late = model.segments_[[0 not in s.conditions[0].members for s in model.segments_].index(True)]
    told = model.segment_reason_text(late, "months_late")
    assert told == (
        "Months behind on payments: 1 month or more, or too little data"
        " (a lower value scores better)"
    )
    table = model.score_table(X, with_text=True)
    code = model.codes_["months_late"]
    rows = late.mask(X) & (table["reason_1"] == code).to_numpy()
    said = table.loc[rows, "reason_1_text"]
    # a person is told the part of the side they are on: a months value, the range alone
    alone = "Months behind on payments: 1 month or more (a lower value scores better)"
    assert (said == alone).any() and (X.loc[said.index[said == alone], "months_late"] >= 1).all()
    # one whose value is missing reads that there was too little data
    gap = X.head(50).assign(months_late=np.nan)
    texts = model.score_table(gap, with_text=True)
    told_gap = pd.concat(
        texts.loc[texts[f"reason_{r}"].astype(object) == code, f"reason_{r}_text"]
        for r in range(1, 5)
    )
    assert len(told_gap) and (told_gap == "Too little data on months behind on payments").all()


def test_a_segments_fallback_text_is_the_catalog_reason_only_where_it_is_true():
    """A feature split twice (or a side of no one range) read the catalog's reason whatever
    values the segment held: "Several credit accounts were opened recently" of 1 account."""
    from credo.model.bins import Bins
    from credo.model.segments import Condition, _reason_holds_on

    bins = Bins.from_dict(
        {
            "feature": "opened",
            "kind": "numeric",
            "edges": [1.0, 2.0, 4.0],
            "specials": [-1.0],
            "count": [10] * 6,
            "bad": [1, 2, 3, 4, 1, 0],
            "woe": [0.5, 0.1, -0.2, -0.6, 0.0, 0.0],
        }
    )
    meta = {"reason": "Several credit accounts were opened recently",
            "direction": "higher_is_riskier", "reason_bound": 2.0}  # fmt: skip

    def holds(*members: tuple[int, ...]) -> bool:
        return _reason_holds_on([Condition("opened", bins, m) for m in members], meta)

    assert not holds((1, 2))  # 1 account, and 2 to 3
    assert holds((3,))  # 4 or more
    assert holds((1, 2, 3), (3,))  # what both let in: 4 or more
    assert not holds((3, 4))  # the special value's bin: no data is no count of accounts
    # with no bound, the reason stands for regular bins (the relative claim of the card)...
    assert _reason_holds_on([Condition("opened", bins, (1, 2))], {**meta, "reason_bound": None})
    # ...but not where the feature has a text for low values too: no one claim fits a range
    two_texts = {**meta, "reason_bound": None, "reason_low": "Few accounts were opened"}
    assert not _reason_holds_on([Condition("opened", bins, (1, 2))], two_texts)

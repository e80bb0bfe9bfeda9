"""The HTML report: valid, self-contained, every section there; `credo evaluate` end to end."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from credo.evaluate.evaluation import evaluate_scores
from credo.evaluate.plots import band_figure, band_svg
from credo.evaluate.report import render_report
from credo.model.artifact import load_model
from credo.model.scaling import FICO_BANDS, SESAME_BANDS

DATA = Path(__file__).resolve().parents[1] / "data"
SECTIONS = (
    "summary",
    "discrimination",
    "calibration",
    "bands",
    "stability",
    "features",
    "points",
    "reasons",
    "challenger",
    "fairness",
)
VOID = {
    "meta",
    "br",
    "img",
    "input",
    "link",
    "hr",
    "path",
    "use",
    "rect",
    "line",
    "circle",
    "polygon",
    "polyline",
    "ellipse",
    "stop",
}
CREDO = Path(sys.executable).with_name("credo")
PROTECTED = ["personal_status_and_sex", "age_in_years", "foreign_worker"]


class PageParser(HTMLParser):
    """Collects ids, tags, external references, and checks that tags nest properly."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.tags: list[str] = []
        self.external: list[str] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        values = dict(attrs)
        if "id" in values and tag == "section":
            self.ids.add(values["id"])
        for name in ("src", "href", "xlink:href"):
            link = values.get(name)
            if link and not link.startswith("#"):
                self.external.append(link)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


def _synthetic_result(with_extras: bool = True, **more):
    rng = np.random.default_rng(0)
    n = 3000
    log_odds = rng.normal(-1.5, 1.0, n)
    pd_bad = 1 / (1 + np.exp(-log_odds))
    y = (rng.random(n) < pd_bad).astype(int)
    score = np.round(600 - 40 * log_odds)
    bands = np.select([score >= 700, score >= 650, score >= 600], ["A", "B", "C"], "D")
    extras = {}
    if with_extras:
        extras = {
            "challenger_pd": np.clip(pd_bad + rng.normal(0, 0.02, n), 0, 1),
            "train_scores": {"scores": np.round(600 - 40 * rng.normal(-1.4, 1.0, 5000))},
            "protected": {
                "sex <script>": rng.choice(["f", "m"], n),
                "age": rng.integers(18, 80, n),
            },
            "reasons": pd.DataFrame({"reason_1": rng.choice(["R01", "R02"], n)}),
            "reason_texts": {"R01": "Late payments", "R02": "High utilisation"},
            "features": [
                {"name": "dpd", "dimension": "payment history", "iv": 0.4, "status": "used"}
            ],
            "points": [
                {
                    "feature": "dpd",
                    "bin": "< 1",
                    "points": 40,
                    "woe": 0.5,
                    "count": 10,
                    "bad_rate": None,
                }
            ],
        }
    return evaluate_scores(y, pd_bad, score, bands, ["A", "B", "C", "D"], **extras, **more)


def test_report_is_valid_self_contained_html_with_every_section():
    result = _synthetic_result()
    html = render_report(result)
    page = _parse(html)
    assert page.errors == [] and page.stack == []
    assert set(SECTIONS) <= page.ids
    assert page.external == []
    assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
    assert page.tags.count("svg") == 5  # roc, distribution, calibration, bands, stability
    # one page of charts: every id once, every reference to one of them
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)) and len(ids) > 50
    referred = {a or b for a, b in re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', html)}
    assert referred <= set(ids)
    text = " ".join(page.text)
    assert "&lt;script&gt;" in html and "<script>" not in html  # user text is escaped
    assert "Late payments" in text and "four-fifths rule" in text
    assert f"{result['scorecard']['auc']:.3f}" in text
    for check in result["checks"]:
        assert check["name"] in text


def test_report_without_optional_parts_says_what_is_missing():
    result = _synthetic_result(with_extras=False)
    assert result["challenger"] is None and result["stability"] is None
    page = _parse(render_report(result))
    assert page.errors == []
    text = " ".join(page.text)
    assert "trained without a challenger" in text
    assert "No protected attributes were given" in text
    assert "holds no training score distribution" in text
    assert page.tags.count("svg") == 4


def test_result_is_json_and_checks_follow_the_figures():
    result = _synthetic_result()
    json.dumps(result, allow_nan=False)
    names = {c["name"]: c["status"] for c in result["checks"]}
    assert names["Ranks risk well"] == ("pass" if result["scorecard"]["auc"] >= 0.7 else "flag")
    bands = result["bands"]
    assert names["Bad rate rises as bands get worse"] == (
        "pass"
        if bands["monotonic"]
        else ("flag" if min(bands["break_p_values"]) < 0.05 else "info")
    )
    assert names["Challenger against scorecard"] == "info"
    told = {c["name"]: c["detail"] for c in result["checks"]}["Challenger against scorecard"]
    assert "earn its place" in told or "enough to weigh" in told
    # on the training rows the trees' lead is no verdict
    seen = _synthetic_result(data_info={"same_as_training": True})
    told = {c["name"]: c["detail"] for c in seen["checks"]}["Challenger against scorecard"]
    assert "says nothing of which ranks new people better" in told
    assert "earn its place" not in told and "enough to weigh" not in told
    assert {a["attribute"] for a in result["fairness"]} == {"sex <script>", "age"}
    assert result["cutoff"]["approval_rate"] == pytest.approx(
        1 - result["data"]["bad_rate"], abs=0.02
    )


@pytest.fixture(scope="module")
def german_model(tmp_path_factory) -> Path:
    """`credo train --challenger` on two thirds of German; the other third as holdout.csv."""
    tmp_path = tmp_path_factory.mktemp("german")
    frame = pd.read_csv(DATA / "german_credit.csv")
    train = np.arange(len(frame)) % 3 != 0
    frame[train].to_csv(tmp_path / "train.csv", index=False)
    frame[~train].to_csv(tmp_path / "holdout.csv", index=False)
    path = tmp_path / "german.json"
    excluded = [arg for column in PROTECTED for arg in ("--exclude", column)]
    run = subprocess.run(
        [str(CREDO), "train", "--table", str(tmp_path / "train.csv"), "--target", "bad",
         "--challenger", *excluded, "--out", str(path)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return path


def test_credo_evaluate_end_to_end_on_german(tmp_path, german_model):
    model = german_model
    holdout = model.parent / "holdout.csv"
    report = tmp_path / "out" / "report.html"
    figures = tmp_path / "out" / "metrics.json"
    run = subprocess.run(
        [
            str(CREDO),
            "evaluate",
            "--model",
            str(model),
            "--table",
            str(holdout),
            "--target",
            "bad",
            "--report",
            str(report),
            "--json",
            str(figures),
            "--cutoff",
            "600",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(figures.read_text())
    assert result["data"]["rows"] == 334 and result["cutoff"]["score"] == 600
    assert 0.6 < result["scorecard"]["auc"] < 0.95
    assert result["challenger"] is not None
    assert result["stability"]["psi"] < 0.25  # a random third of the same data
    # each stability range is told by its scores, in the chart and the table under it
    bins = result["stability"]["bins"]
    cuts = [b["high"] for b in bins[:-1]]
    assert cuts == sorted(cuts) and [b["low"] for b in bins[1:]] == cuts
    assert bins[0]["range"] == f"under {cuts[0]:,.1f}".removesuffix(".0")
    assert bins[-1]["range"].endswith(" and over")
    shown = report.read_text()
    assert all(b["range"] in shown for b in bins)
    assert f"&lt;{cuts[0]:,.1f}".removesuffix(".0") in shown  # the chart's first tick
    # the policy's protected attributes are found among the columns and audited
    assert {a["attribute"] for a in result["fairness"]} == set(PROTECTED)
    assert any(f["status"] == "used" for f in result["features"])
    card = load_model(model).scorecard  # each binned feature says how its bad rate runs
    shapes = {f["name"]: f.get("shape") for f in result["features"] if f["name"] in card.bins_}
    assert shapes == {name: card.bins_[name].risk_shape() for name in card.bins_}
    assert "<th>Bad rate</th>" in report.read_text()
    page = _parse(report.read_text())
    assert page.errors == [] and set(SECTIONS) <= page.ids and page.external == []
    # the scores the model can give, from its points table, and the bands beyond them
    low = sum(int(card.points_[n].min()) for n in card.features_)
    high = sum(int(card.points_[n].max()) for n in card.features_)
    scale = card.scale_
    low, high = max(low, scale.min_score), min(high, scale.max_score)
    assert result["model"]["score_range"] == [low, high]
    beyond = [b.name for b in scale.bands if b.high < low or b.low > high]
    assert result["model"]["bands_out_of_reach"] == beyond
    said = " ".join(report.read_text().split())
    assert f"This model's scores run from {low} to {high}" in said
    assert ("no one can reach" in said) == bool(beyond)
    # which bands the cutoff of 600 parts, as the scores say
    scores = pd.read_csv(_scored(model, holdout, tmp_path / "s.csv"))
    split = [
        {"band": name, "people": len(part), "approved": int((part["score"] >= 600).sum())}
        for name, part in scores.groupby("band", sort=False)
        if 0 < (part["score"] >= 600).sum() < len(part)
    ]
    assert result["cutoff"]["inside_bands"] == split
    for part in split:
        assert f"The cutoff falls inside band {part['band']}: {part['approved']}" in said
    assert "cutoff of 600 " in said

    explicit = subprocess.run(
        [
            str(CREDO),
            "evaluate",
            "--model",
            str(model),
            "--table",
            str(holdout),
            "--target",
            "bad",
            "--report",
            str(report),
            "--json",
            str(figures),
            "--protected",
            "foreign_worker",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert explicit.returncode == 0, explicit.stderr
    assert [a["attribute"] for a in json.loads(figures.read_text())["fairness"]] == [
        "foreign_worker"
    ]


def _scored(model: Path, table: Path, out: Path) -> Path:
    run = subprocess.run(
        [str(CREDO), "score", "--model", str(model), "--table", str(table), "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return out


def test_evaluate_says_a_target_the_models_values_do_not_read_was_trained_so(tmp_path):
    # a model of worded outcomes evaluated on a 0/1 file: "no row holds 'bad'" had not said
    # that the value was the model's, nor how to name this file's
    frame = pd.read_csv(DATA / "german_credit.csv").iloc[:, -6:]
    worded = frame.assign(bad=frame["bad"].map({1: "bad", 0: "good"}))
    worded.to_csv(tmp_path / "worded.csv", index=False)
    frame.to_csv(tmp_path / "bits.csv", index=False)
    model = tmp_path / "m.json"
    trained = subprocess.run(
        [str(CREDO), "train", "--table", str(tmp_path / "worded.csv"), "--target", "bad",
         "--bad-value", "bad", "--exclude", "foreign_worker", "--out", str(model)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    run = subprocess.run(
        [str(CREDO), "evaluate", "--model", str(model), "--table", str(tmp_path / "bits.csv"),
         "--target", "bad", "--report", str(tmp_path / "r.html")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    said = " ".join(run.stderr.split())
    assert run.returncode == 1 and "no row of 'bad' holds 'bad'" in said, said
    assert "the model was trained with --bad-value 'bad': name what this file writes" in said


def test_credo_evaluate_errors_name_the_problem(tmp_path, german_model):
    model = german_model
    holdout = model.parent / "holdout.csv"
    cases = [
        (["--table", str(holdout), "--target", "nope"], "no target column 'nope'"),
        (
            ["--table", str(holdout), "--target", "bad", "--protected", "race"],
            "protected column(s) race not found",
        ),
        (["--table", str(holdout)], "--table needs --target"),
    ]
    for extra, message in cases:
        run = subprocess.run(
            [
                str(CREDO),
                "evaluate",
                "--model",
                str(model),
                "--report",
                str(tmp_path / "r.html"),
                *extra,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 1 and message in " ".join(run.stderr.split()), run.stderr
    tampered = tmp_path / "tampered.json"
    tampered.write_text(model.read_text().replace('"l2": 1.0', '"l2": 2.0'))
    run = subprocess.run(
        [
            str(CREDO),
            "evaluate",
            "--model",
            str(tampered),
            "--table",
            str(holdout),
            "--target",
            "bad",
            "--report",
            str(tmp_path / "r.html"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1 and "hash" in run.stderr


def test_credo_evaluate_on_a_feature_table_with_protected_file(tmp_path):
    """Events path: Taiwan clients -> store -> features; protected.parquet joined on user_id."""
    import pyarrow.parquet as pq

    from credo.events.ingest import ingest_paths
    from credo.events.taiwan import import_taiwan
    from credo.features.engines import as_of_table_from_outcomes, build_features_duckdb
    from credo.features.table import read_feature_table
    from credo.model.artifact import ModelArtifact, save_model
    from credo.model.challenger import Challenger
    from credo.model.scorecard import Scorecard
    from credo.model.tables import join_outcomes
    from credo.policy import load_policy
    from credo.store.db import connect, init_store

    clients = pd.read_csv(DATA / "taiwan_credit_card.csv").head(1200)
    clients.to_csv(tmp_path / "clients.csv", index=False)
    dataset = tmp_path / "dataset"
    import_taiwan(tmp_path / "clients.csv", dataset)
    store = init_store(tmp_path / "credo.duckdb")
    ingest_paths(store, [dataset], progress=False)
    con = connect(store)
    as_of = as_of_table_from_outcomes(pq.read_table(dataset / "outcomes.parquet"))
    pq.write_table(
        build_features_duckdb(con, load_policy("us"), as_of_table=as_of),
        tmp_path / "features.parquet",
    )
    con.close()
    table, meta = read_feature_table(tmp_path / "features.parquet")
    frame = join_outcomes(table.to_pandas(), dataset / "outcomes.parquet")
    names = [m.name for m in meta]
    scorecard = Scorecard().fit(frame[names], frame["bad"], meta=meta)
    challenger = Challenger(n_jobs=1).fit(frame[names], frame["bad"], meta=meta)
    save_model(ModelArtifact(scorecard, challenger=challenger.to_dict()), tmp_path / "m.json")

    figures = tmp_path / "metrics.json"
    run = subprocess.run(
        [
            str(CREDO), "evaluate", "--model", str(tmp_path / "m.json"),
            "--features", str(tmp_path / "features.parquet"),
            "--outcomes", str(dataset / "outcomes.parquet"),
            "--protected-file", str(dataset / "protected.parquet"),
            "--report", str(tmp_path / "report.html"), "--json", str(figures),
        ],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    result = json.loads(figures.read_text())
    assert result["data"]["rows"] == 1200
    assert result["data"]["bads"] == int(clients["bad"].sum())
    protected_columns = set(pq.read_schema(dataset / "protected.parquet").names) - {"user_id"}
    audited = {a["attribute"] for a in result["fairness"]}
    assert audited and audited <= protected_columns
    dimensions = {f["dimension"] for f in result["features"] if f["status"] == "used"}
    assert "payment_history" in dimensions

    # people no consented event fed are declined in their groups, in no other figure
    features_table = pq.read_table(tmp_path / "features.parquet")
    events = features_table.column("prov_events").to_numpy().copy()
    young = pd.read_parquet(dataset / "protected.parquet").set_index("user_id")["age"] < 30
    ids = features_table.column("user_id").to_pylist()
    blanked = [i for i, user in enumerate(ids) if young.get(user, False)][:150]
    events[blanked] = 0
    column = features_table.schema.get_field_index("prov_events")
    pq.write_table(
        features_table.set_column(column, "prov_events", pa.array(events)),
        tmp_path / "thin.parquet",
    )
    run = subprocess.run(
        [
            str(CREDO), "evaluate", "--model", str(tmp_path / "m.json"),
            "--features", str(tmp_path / "thin.parquet"),
            "--outcomes", str(dataset / "outcomes.parquet"),
            "--protected-file", str(dataset / "protected.parquet"), "--protected", "age",
            "--report", str(tmp_path / "thin.html"), "--json", str(tmp_path / "thin.json"),
        ],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    thin = json.loads((tmp_path / "thin.json").read_text())
    assert thin["data"]["rows"] == 1200 - len(blanked)
    (age,) = thin["fairness"]
    assert age["approval"]["unscored"] == len(blanked)
    assert sum(g["count"] for g in age["approval"]["groups"]) == 1200
    assert sum(g["count"] for g in age["calibration"]["groups"]) == 1200 - len(blanked)
    assert "counted as declined" in age["summary"]
    assert "No score</th>" in (tmp_path / "thin.html").read_text()

    # a protected file that knows only some of the people, or none of them
    protected = pd.read_parquet(dataset / "protected.parquet")
    for name, part in (("some", protected.head(700)), ("none", protected.assign(user_id="x"))):
        part.drop_duplicates("user_id").to_parquet(tmp_path / f"{name}.parquet")
        run = subprocess.run(
            [
                str(CREDO), "evaluate", "--model", str(tmp_path / "m.json"),
                "--features", str(tmp_path / "features.parquet"),
                "--outcomes", str(dataset / "outcomes.parquet"),
                "--protected-file", str(tmp_path / f"{name}.parquet"),
                "--report", str(tmp_path / f"{name}.html"),
            ],
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        said = " ".join(run.stderr.split())
        if name == "some":
            assert run.returncode == 0, said
            assert "warning: 500 of the 1,200 people evaluated are not in" in said
        else:
            assert run.returncode == 1 and "none of its user_ids is among the 1,200" in said


def test_policy_names_match_whole_words_of_columns():
    from credo.commands.evaluate import _protected_matches

    columns = ["age_in_years", "page_count", "sex", "marital_status_code", "usage", "income"]
    columns += ["age_acc", "customer_gender", "sex_female", "marital_status_single"]
    names = ("age", "sex", "marital_status", "gender")
    # the rule training refuses inputs with: one-hot columns are audited, an account's age not
    assert _protected_matches(columns, names) == [
        "age_in_years",
        "sex",
        "marital_status_code",
        "customer_gender",
        "sex_female",
        "marital_status_single",
    ]


def test_fairness_is_not_judged_where_there_is_nothing_to_compare():
    rng = np.random.default_rng(4)
    n = 400
    score = rng.integers(400, 800, n)
    pd_bad = np.clip(0.5 - (score - 400) / 1000, 0.01, 0.99)
    y = (rng.random(n) < pd_bad).astype(int)  # a calibrated model
    bands = np.where(score > 600, "A", "B")
    groups = {"sex": rng.choice(["f", "m"], n), "const": np.array(["x"] * n)}

    def fairness_checks(cutoff):
        result = evaluate_scores(
            y, pd_bad, score, bands, ["A", "B"], protected=groups, cutoff=cutoff
        )
        return {c["name"]: c for c in result["checks"] if c["name"].startswith("Fair")}

    inside = fairness_checks(600)
    assert inside["Fair across sex"]["status"] in ("pass", "flag")
    assert inside["Fair across const"]["status"] == "info"  # one group: nothing to compare
    for cutoff, who in ((2000, "no one"), (100, "everyone")):
        outside = fairness_checks(cutoff)
        assert outside["Fair across sex"]["status"] == "info"
        assert who in outside["Fair across sex"]["detail"]
    # both groups of 30 or more declined in full, a group of ten approved: no rate to take
    # four fifths of, though some people were approved
    top = np.argsort(score)[-10:]
    # x and y alternate (a random draw of them put 22.6 % and 35.4 % bad against 29 % and 31 %
    # predicted: 2.5 standard errors apart, a calibration flag chance gives one time in 70)
    alternate = np.where(np.arange(n) % 2, "x", "y")
    few = {"zone": np.where(np.isin(np.arange(n), top), "z", alternate)}
    result = evaluate_scores(
        y, pd_bad, score, bands, ["A", "B"], protected=few, cutoff=int(score[top].min())
    )
    check = {c["name"]: c for c in result["checks"]}["Fair across zone"]
    assert 0 < result["cutoff"]["approval_rate"] < 1
    assert check["status"] == "info" and "no one in any group of 30" in check["detail"], check
    # the group of ten is marked in the table as not judged, the others are not
    rows = [r for r in render_report(result).split("<tr>") if r.startswith("<td>")]
    marked = {r[4:5]: "under 30: not judged" in r for r in rows if r[4:5] in "xyz"}
    assert marked == {"x": False, "y": False, "z": True}
    # a cutoff that approves everyone scored does not approve the people without a score
    everyone = {"sex": np.r_[groups["sex"], ["f"] * 40]}
    result = evaluate_scores(y, pd_bad, score, bands, ["A", "B"], protected=everyone,
                             unscored_y=np.zeros(40, dtype=int), cutoff=100)  # fmt: skip
    check = {c["name"]: c for c in result["checks"]}["Fair across sex"]
    # judged, not "info" (and the 40 good customers declined in f widen its gap)
    assert check["status"] == "flag" and "40 people without a score" in check["detail"], check
    # a cutoff that approves everyone compares no approvals, but a group the model
    # over-predicts is over-predicted whatever the cutoff
    harsh = np.where(groups["sex"] == "f", np.clip(pd_bad * 2, 0, 0.99), pd_bad)
    result = evaluate_scores(y, harsh, score, bands, ["A", "B"], protected=groups, cutoff=100)
    check = {c["name"]: c for c in result["checks"]}["Fair across sex"]
    assert check["status"] == "flag" and "Mis-calibrated for f" in check["detail"], check
    # the section's heading says what the summary says
    result = evaluate_scores(y, pd_bad, score, bands, ["A", "B"], protected=groups, cutoff=600)
    page = render_report(result)
    assert '<h3>const <span class="mark info">info</span></h3>' in page
    status = inside["Fair across sex"]["status"]
    assert f'<h3>sex <span class="mark {status}">{status}</span></h3>' in page


def test_a_population_off_alike_in_every_group_passes_fairness_and_says_so():
    """Out of time, every group's bad rate rose alike (F 13.0 % observed against 7.6 %
    predicted, M 12.3 % against 7.5 %, approval ratio 1.00): "Fair across sex" read flag. The
    model's calibration is the calibration section's finding; the fairness line points to it."""
    rng = np.random.default_rng(3)
    n = 10_000
    log_odds = rng.normal(-2.6, 0.5, n)
    pd_bad = 1 / (1 + np.exp(-log_odds))
    y = (rng.random(n) < np.clip(1.7 * pd_bad, 0, 1)).astype(int)
    score = np.round(600 - 40 * log_odds)
    bands = np.where(score > 700, "A", "B")
    sex = rng.choice(["F", "M"], n, p=[0.45, 0.55])
    result = evaluate_scores(y, pd_bad, score, bands, ["A", "B"], protected={"sex": sex})
    checks = {c["name"]: c for c in result["checks"]}
    assert checks["Predicted bad rates match what happened"]["status"] == "flag"
    fair = checks["Fair across sex"]
    assert fair["status"] == "pass", fair
    assert "as a whole is above the model's prediction" in fair["detail"]
    assert '"Predicted bad rates match what happened"' in fair["detail"]
    assert "Mis-calibrated" not in fair["detail"]
    # the same population with F's bad rate higher still: F is mis-calibrated against M
    worse = np.where(sex == "F", np.clip(2.6 * pd_bad, 0, 1), np.clip(1.7 * pd_bad, 0, 1))
    y = (rng.random(n) < worse).astype(int)
    result = evaluate_scores(y, pd_bad, score, bands, ["A", "B"], protected={"sex": sex})
    fair = {c["name"]: c for c in result["checks"]}["Fair across sex"]
    assert (
        fair["status"] == "flag"
        and "Mis-calibrated for F against the other groups" in fair["detail"]
    ), fair
    (audit,) = result["fairness"]
    assert [g["flag"] for g in audit["calibration"]["groups"]] == [True, False]
    page = render_report(result)
    assert '<th class="n">Observed / predicted</th>' in page


@pytest.mark.parametrize(
    "names",
    [
        [band.name for band in reversed(FICO_BANDS)],
        [band.name for band in reversed(SESAME_BANDS)],
        [f"Band {letter} of ten" for letter in "ABCDEFGHIJ"],
    ],
)
def test_band_chart_labels_do_not_run_into_each_other(names):
    rows = [{"band": n, "bad_rate": 0.02 * (i + 1), "count": 100} for i, n in enumerate(names)]
    figure = band_figure(rows)
    figure.draw_without_rendering()
    labels = figure.axes[0].get_xticklabels()
    assert [label.get_text().replace("\n", " ") for label in labels] == names
    boxes = [label.get_window_extent() for label in labels]
    for label, left, right in zip(labels, boxes, boxes[1:], strict=False):
        if label.get_rotation() == 0:  # side by side: a visible gap between the words
            assert right.x0 - left.x1 >= 3, (left, right)
        else:  # parallel slanted lines: the distance across them holds a line of text
            across = (right.x1 - left.x1) * np.sin(np.radians(label.get_rotation()))
            assert across >= label.get_fontsize() * figure.dpi / 72 * 1.2


def test_a_chart_is_the_same_run_to_run_and_carries_no_local_time(monkeypatch):
    rows = [{"band": n, "bad_rate": 0.02 * (i + 1), "count": 100} for i, n in enumerate("ABC")]
    first = band_svg(rows)
    # a later second, and a machine in another zone: the same chart, the same ids
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    try:
        time.sleep(1.1)
        again = band_svg(rows)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert "<dc:date>" not in first
    assert again == first


def test_default_cutoff_is_a_score_that_declines_about_as_many_as_turned_out_bad():
    from credo.evaluate.evaluation import default_cutoff

    rng = np.random.default_rng(8)
    score = rng.integers(500, 520, 1000)  # twenty scores, fifty people each: many ties
    y = (rng.random(1000) < 0.23).astype(int)
    cut = default_cutoff(score, y)
    assert cut in set(score.tolist())
    declined = int((score < cut).sum())
    reachable = [int((score < s).sum()) for s in np.unique(score)]
    assert abs(declined - y.sum()) == min(abs(r - y.sum()) for r in reachable)


@pytest.mark.parametrize(
    ("value", "bar", "digits", "shown"),
    [
        (0.7992, 0.8, 2, "0.799"),  # not "0.80" beside a bar of 0.80 it fails
        (0.8004, 0.8, 2, "0.8004"),
        (0.1004, 0.1, 2, "0.1004"),
        (0.0996, 0.1, 3, "0.0996"),
        (0.0496, 0.05, 3, "0.0496"),
        (0.85, 0.8, 2, "0.85"),
        (0.8, 0.8, 2, "0.80"),
    ],
)
def test_a_figure_is_never_rounded_onto_the_bar_it_is_judged_by(value, bar, digits, shown):
    from credo.evaluate.evaluation import beside_bar

    assert beside_bar(value, bar, digits) == shown


def test_the_page_never_rounds_the_auc_or_the_psi_onto_their_bars():
    # the summary said "AUC 0.6996 ... flag" while the tile above it read 0.700, and "PSI
    # 0.0996: stable" beside a section that read "Here it is 0.100: stable"
    result = _synthetic_result()
    result["scorecard"]["auc"], result["stability"]["psi"] = 0.69961, 0.09961
    page = render_report(result)
    assert "<b>0.6996</b><span>AUC</span>" in page
    assert "Here it is <b>0.0996</b>" in page


def test_ks_of_a_ranking_the_wrong_way_round_reads_near_zero_everywhere():
    """An outcome read the wrong way round (AUC 0.157) read KS 0.544: the gap in the goods'
    favour counted. KS is the bads' lead in the risk direction, in the JSON, the page's
    figures and the challenger's row alike."""
    from credo.evaluate import metrics

    rng = np.random.default_rng(8)
    n = 4000
    log_odds = rng.normal(-1.5, 1.2, n)
    pd_bad = 1 / (1 + np.exp(-log_odds))
    good_model = (rng.random(n) < pd_bad).astype(int)
    y = 1 - good_model  # the outcome inverted: the model ranks it the wrong way round
    score = np.round(600 - 40 * log_odds)
    bands = np.where(score > 600, "A", "B")
    result = evaluate_scores(y, pd_bad, score, bands, ["A", "B"], challenger_pd=pd_bad)
    card, challenger = result["scorecard"], result["challenger"]
    assert card["auc"] < 0.3
    for value in (card["ks"], card["ks_pd"], challenger["ks"]):
        assert 0 <= value < 0.02
    # what the absolute gap read
    fpr, tpr = metrics.roc_curve(y, -score)
    assert np.max(np.abs(tpr - fpr)) > 0.3
    # the same model on the outcome the right way round: the same gap, now in its direction
    right = evaluate_scores(good_model, pd_bad, score, bands, ["A", "B"], challenger_pd=pd_bad)
    assert right["scorecard"]["ks"] == pytest.approx(np.max(np.abs(tpr - fpr)))
    text = " ".join(_parse(render_report(result)).text)
    assert f"{card['ks']:.3f}" in text and f"{np.max(np.abs(tpr - fpr)):.3f}" not in text


def test_hosmer_lemeshow_counts_no_fitted_parameters_on_held_out_rows():
    from credo.evaluate import metrics

    predicted = np.linspace(0.05, 0.5, 10)
    rows = [{"count": 100, "predicted": p, "observed": p + 0.03} for p in predicted]
    held_out, fitted = metrics.hosmer_lemeshow(rows), metrics.hosmer_lemeshow(rows, fitted=True)
    assert (held_out["dof"], fitted["dof"]) == (10, 8)
    assert held_out["statistic"] == fitted["statistic"] and held_out["p_value"] > fitted["p_value"]


def test_a_protected_file_joins_on_ids_written_as_numbers_or_text(tmp_path, german_model):
    """Integer user_ids in the table and text ones in the file met a raw pandas merge error."""
    import pyarrow.parquet as pq

    holdout = pd.read_csv(german_model.parent / "holdout.csv")
    people = holdout.drop(columns=PROTECTED).assign(user_id=np.arange(len(holdout)))
    people.to_csv(tmp_path / "people.csv", index=False)
    attributes = holdout[["age_in_years"]].assign(user_id=[str(i) for i in range(len(holdout))])
    pq.write_table(pa.Table.from_pandas(attributes, preserve_index=False), tmp_path / "p.parquet")
    run = subprocess.run(
        [str(CREDO), "evaluate", "--model", str(german_model), "--table",
         str(tmp_path / "people.csv"), "--target", "bad", "--protected-file",
         str(tmp_path / "p.parquet"), "--protected", "age_in_years",
         "--report", str(tmp_path / "r.html"), "--json", str(tmp_path / "r.json")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    (age,) = json.loads((tmp_path / "r.json").read_text())["fairness"]
    assert sum(g["count"] for g in age["approval"]["groups"]) == len(holdout)
    assert "missing" not in {g["group"] for g in age["approval"]["groups"]}
    # ids held as decimals (7.0, as a column with a gap is) or padded with spaces: the same
    decimals = attributes.assign(user_id=np.arange(len(holdout), dtype=float))
    decimals.to_parquet(tmp_path / "decimals.parquet")
    padded = attributes.assign(user_id=[f" {i} " for i in range(len(holdout))])
    padded.to_csv(tmp_path / "padded.csv", index=False)
    for name in ("decimals.parquet", "padded.csv"):
        run = subprocess.run(
            [str(CREDO), "evaluate", "--model", str(german_model), "--table",
             str(tmp_path / "people.csv"), "--target", "bad", "--protected-file",
             str(tmp_path / name), "--protected", "age_in_years",
             "--report", str(tmp_path / "r.html"), "--json", str(tmp_path / "r.json")],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert run.returncode == 0 and "not in" not in run.stdout, (name, run.stdout)
        (age,) = json.loads((tmp_path / "r.json").read_text())["fairness"]
        assert "missing" not in {g["group"] for g in age["approval"]["groups"]}, name
    # another population's file: an id of each side said, as each is written
    attributes.assign(user_id=[f"x{i}" for i in range(len(holdout))]).to_csv(
        tmp_path / "other.csv", index=False
    )
    run = subprocess.run(
        [str(CREDO), "evaluate", "--model", str(german_model), "--table",
         str(tmp_path / "people.csv"), "--target", "bad", "--protected-file",
         str(tmp_path / "other.csv"), "--protected", "age_in_years",
         "--report", str(tmp_path / "r.html")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    said = " ".join(run.stderr.split())
    assert run.returncode == 1 and "it holds e.g. 'x0', the people evaluated are e.g. '0'" in said


def test_inputs_the_data_cannot_give_the_model_are_named(tmp_path, german_model):
    """Codes where training had words, or a column left empty, were scored (as the riskiest
    group, or missing) without a word: AUC 0.81 fell to 0.75 and 99.75 % got one reason."""
    holdout = pd.read_csv(german_model.parent / "holdout.csv")
    card = load_model(german_model).scorecard
    words = next(n for n in card.features_ if card.bins_[n].kind == "categorical")
    number = next(n for n in card.features_ if card.bins_[n].kind == "numeric")
    changed = holdout.assign(
        **{words: pd.factorize(holdout[words])[0] + 1, number: np.nan}
    )  # fmt: skip
    changed.to_csv(tmp_path / "changed.csv", index=False)
    result, _ = _evaluate_table(german_model, tmp_path / "changed.csv", tmp_path)
    checks = {c["name"]: c for c in result["checks"]}
    said = checks["Inputs as the model was trained on"]
    assert said["status"] == "flag"
    assert f"{words}: 100% of the rows hold categories training never saw" in said["detail"]
    assert f"{number}: missing in 100% of the rows" in said["detail"]
    scored = _score_table(german_model, tmp_path / "changed.csv", tmp_path / "s.csv")
    warned = " ".join(scored.stderr.split())
    assert scored.returncode == 0 and f"warning: {words}: 100% of the rows" in warned, warned
    # the data the model was trained on the like of says nothing
    calm = _score_table(german_model, german_model.parent / "holdout.csv", tmp_path / "t.csv")
    assert calm.returncode == 0 and "warning" not in calm.stderr


def test_categories_written_otherwise_are_named_by_evaluate_and_score(tmp_path, german_model):
    """A category written with other case or spaces in a third of the rows was scored as
    unseen (the riskiest group) and said nothing below half the rows."""
    holdout = pd.read_csv(german_model.parent / "holdout.csv")
    card = load_model(german_model).scorecard
    words = next(n for n in card.features_ if card.bins_[n].kind == "categorical")
    third = holdout.index % 3 == 0
    respelled = holdout.copy()
    respelled.loc[third, words] = holdout.loc[third, words].str.upper() + " "
    respelled.to_csv(tmp_path / "respelled.csv", index=False)
    result, _ = _evaluate_table(german_model, tmp_path / "respelled.csv", tmp_path)
    said = {c["name"]: c for c in result["checks"]}["Inputs as the model was trained on"]
    rows = int(third.sum())
    assert said["status"] == "flag"
    assert f"{words}: {rows} rows (" in said["detail"] and "written otherwise" in said["detail"]
    scored = _score_table(german_model, tmp_path / "respelled.csv", tmp_path / "s.csv")
    warned = " ".join(scored.stderr.split())
    example = holdout[words].iloc[0]
    assert f"warning: {words}: {rows} rows (" in warned, warned
    assert f"(e.g. {example.upper() + ' '!r} for {example!r})" in warned, warned


def _score_table(model: Path, table: Path, out: Path) -> subprocess.CompletedProcess:
    """`credo score` of a plain table, as run from a shell."""
    return subprocess.run(
        [str(CREDO), "score", "--model", str(model), "--table", str(table), "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _evaluate_table(model: Path, table: Path, tmp_path: Path) -> tuple[dict, str]:
    """`credo evaluate` of a plain table with target `bad`: its figures and what it said."""
    run = subprocess.run(
        [str(CREDO), "evaluate", "--model", str(model), "--table", str(table), "--target",
         "bad", "--report", str(tmp_path / "r.html"), "--json", str(tmp_path / "r.json")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return json.loads((tmp_path / "r.json").read_text()), " ".join(run.stderr.split())


def test_an_evaluation_without_protected_attributes_says_it_has_no_audit(tmp_path, german_model):
    holdout = pd.read_csv(german_model.parent / "holdout.csv").drop(columns=PROTECTED)
    holdout.to_csv(tmp_path / "plain.csv", index=False)
    result, said = _evaluate_table(german_model, tmp_path / "plain.csv", tmp_path)
    assert result["fairness"] == [] and "the report has no fairness audit" in said


def test_a_model_that_takes_a_protected_attribute_is_not_said_to_leave_it_out(tmp_path):
    # trained with --allow-protected: its report names the protected inputs, and a model
    # without them says they are not inputs
    frame = pd.read_csv(DATA / "german_credit.csv")
    frame.to_csv(tmp_path / "german.csv", index=False)
    model = tmp_path / "allowed.json"
    run = subprocess.run(
        [str(CREDO), "train", "--table", str(tmp_path / "german.csv"), "--target", "bad",
         "--allow-protected", "--out", str(model)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    taken = sorted(set(load_model(model).scorecard.features_) & set(PROTECTED))
    assert taken  # age and foreign worker carry risk in German credit
    result, _ = _evaluate_table(model, tmp_path / "german.csv", tmp_path)
    html = " ".join((tmp_path / "r.html").read_text().split())
    assert result["model"]["protected_inputs"] == taken
    assert f"This model takes {', '.join(taken)} as" in html
    assert "are not inputs to the model" not in html


def test_an_auc_too_good_for_credit_data_is_flagged_as_a_leak():
    rng = np.random.default_rng(6)
    y = (rng.random(2000) < 0.2).astype(int)
    leaked = np.clip(0.05 + 0.9 * y + rng.normal(0, 0.05, 2000), 0.01, 0.99)
    score = np.round(700 - 300 * leaked).astype(int)
    bands = np.where(score > 550, "A", "B")
    checks = {c["name"]: c for c in evaluate_scores(y, leaked, score, bands, ["A", "B"])["checks"]}
    leak = checks["No sign of outcomes leaked into the inputs"]
    assert leak["status"] == "flag" and "known only after the outcome" in leak["detail"]
    honest = np.clip(0.2 + 0.1 * (y - 0.2) + rng.normal(0, 0.1, 2000), 0.01, 0.99)
    result = evaluate_scores(y, honest, np.round(700 - 300 * honest), bands, ["A", "B"])
    assert "No sign of outcomes leaked into the inputs" not in {c["name"] for c in result["checks"]}


def test_an_auc_on_a_handful_of_bads_is_told_not_judged():
    """3 bads below 7 goods: an AUC of 1.000 whose interval (Hanley and McNeil's standard
    error is 0 at the ends) was [1.000, 1.000], and the check passed."""
    y = np.r_[np.ones(3), np.zeros(7)].astype(int)
    pd_bad = np.r_[0.6, 0.7, 0.8, np.linspace(0.05, 0.3, 7)]
    score = np.round(600 - 200 * pd_bad).astype(int)
    bands = np.where(score > 520, "A", "B")
    result = evaluate_scores(y, pd_bad, score, bands, ["A", "B"])
    assert result["scorecard"]["auc"] == 1.0
    check = {c["name"]: c for c in result["checks"]}["Ranks risk well"]
    assert check["status"] == "info" and "fewer than 10 bad" in check["detail"]
    # ten of each, perfectly ranked, are judged
    y10 = np.r_[np.ones(10), np.zeros(10)].astype(int)
    pd10 = np.r_[np.linspace(0.6, 0.9, 10), np.linspace(0.05, 0.3, 10)]
    score10 = np.round(600 - 200 * pd10).astype(int)
    bands10 = np.where(score10 > 520, "A", "B")
    judged = {
        c["name"]: c for c in evaluate_scores(y10, pd10, score10, bands10, ["A", "B"])["checks"]
    }
    assert judged["Ranks risk well"]["status"] == "pass"
    assert judged["No sign of outcomes leaked into the inputs"]["status"] == "flag"
    # and an AUC too good for credit data on so few is no sign of a leak either: 3 bad and 2
    # good customers rank perfectly by chance one time in ten
    checks = {c["name"]: c for c in result["checks"]}
    leak = checks["No sign of outcomes leaked into the inputs"]
    assert leak["status"] == "info" and "fewer than 10" in leak["detail"], leak


def test_one_bad_customer_s_auc_is_told_without_an_interval():
    """One bad among 50 quoted "its 95 % interval, 0.543 to 1.000" (a standard error that
    does not hold there), where 9 bads were told "fewer than 10 bad"."""
    y = np.r_[1, np.zeros(49)].astype(int)
    pd_bad = np.r_[0.3, np.linspace(0.05, 0.6, 49)]
    score = np.round(600 - 200 * pd_bad).astype(int)
    bands = np.where(score > 520, "A", "B")
    result = evaluate_scores(y, pd_bad, score, bands, ["A", "B"])
    low, high = result["scorecard"]["auc_interval"]
    assert low < 0.7 <= high  # the interval holds the bar, as before
    check = {c["name"]: c for c in result["checks"]}["Ranks risk well"]
    assert check["status"] == "info" and "fewer than 10 bad" in check["detail"]
    assert "interval" not in check["detail"], check


def test_a_challenger_gain_within_chance_is_not_one_to_weigh():
    """50 people, 1 bad: the challenger's AUC +0.122 was "above +0.005, enough to weigh its
    gain"; on 4,000 people a real gain is told as beyond chance, with DeLong's interval."""
    rng = np.random.default_rng(8)

    def people(n: int, lift: float) -> tuple:
        y = (rng.random(n) < 0.2).astype(int)
        shared = rng.normal(size=n)
        card = 1 / (1 + np.exp(-(-1.5 + 0.6 * y + shared)))
        challenger = 1 / (1 + np.exp(-(-1.5 + (0.6 + lift) * y + shared)))
        score = np.round(700 - 300 * card).astype(int)
        return y, card, score, np.where(score > 600, "A", "B"), challenger

    told = {}
    for name, (n, lift) in {"few": (50, 0.6), "many": (4000, 0.6), "none": (4000, 0.0)}.items():
        y, card, score, bands, challenger = people(n, lift)
        if name == "few":  # the one bad ranked in the middle by the card, first by the other
            y[:] = 0
            y[0] = 1
            card[0], challenger[0] = np.median(card), 0.99
        result = evaluate_scores(y, card, score, bands, ["A", "B"], challenger_pd=challenger)
        difference = result["challenger"]["auc_difference"]
        assert difference["delta"] == pytest.approx(
            result["challenger"]["auc"] - result["scorecard"]["auc_pd"]
        )
        told[name] = {c["name"]: c for c in result["checks"]}["Challenger against scorecard"]
        told[name]["difference"] = difference
    assert told["few"]["difference"]["interval"] is None
    assert "a difference says nothing" in told["few"]["detail"]
    assert "enough to weigh" not in told["few"]["detail"]
    low, high = told["many"]["difference"]["interval"]
    assert 0 < low < high and "beyond chance" in told["many"]["detail"]
    assert "enough to weigh" in told["many"]["detail"]
    # the same predictions: no difference, and p of 1
    assert told["none"]["difference"]["p_value"] == 1.0
    assert "earn its place" in told["none"]["detail"]


def test_figures_on_too_few_rows_to_judge_are_told_not_judged():
    """30 people, 9 bad: an AUC of 0.81 cannot be told from 0.70, ten groups of three cannot
    test calibration, and no band holds 30."""
    rng = np.random.default_rng(5)
    y = np.r_[np.ones(9), np.zeros(21)].astype(int)
    pd_bad = np.clip(0.3 + 0.1 * (y - 0.3) + rng.normal(0, 0.1, 30), 0.01, 0.99)
    score = np.round(600 - 200 * pd_bad).astype(int)
    bands = np.where(score > 560, "A", "B")
    result = evaluate_scores(y, pd_bad, score, bands, ["A", "B"])
    checks = {c["name"]: c for c in result["checks"]}
    low, high = result["scorecard"]["auc_interval"]
    assert low < 0.70 < high
    assert checks["Ranks risk well"]["status"] == "info"
    assert "9 bad and 21 good customers" in checks["Ranks risk well"]["detail"]
    calibration = checks["Predicted bad rates match what happened"]
    assert calibration["status"] == "info" and "too few" in calibration["detail"]
    assert checks["Bad rate rises as bands get worse"]["status"] == "info"
    # the report's sections say the same as its summary, not a verdict of their own
    page = render_report(result)
    calibration = page[page.index('<section id="calibration">') :].split("</section>")[0]
    assert '<span class="mark info">info</span>' in calibration and "too few" in calibration
    bands_part = page[page.index('<section id="bands">') :].split("</section>")[0]
    assert '<span class="mark info">info</span>' in bands_part and "pass" not in bands_part
    discrimination = page[page.index('<section id="discrimination">') :].split("</section>")[0]
    # fewer than 10 bad: an interval of Hanley and McNeil's does not hold there, and none is
    # quoted (one bad among 50 read 0.543 to 1.000)
    assert "fewer than 10 bad" in discrimination and "95 % interval" not in discrimination
    # the same model on 100 times the people is judged
    many = evaluate_scores(
        np.tile(y, 100), np.tile(pd_bad, 100), np.tile(score, 100), np.tile(bands, 100), ["A", "B"]
    )
    judged = {c["name"]: c["status"] for c in many["checks"]}
    assert judged["Ranks risk well"] in ("pass", "flag")
    assert judged["Predicted bad rates match what happened"] in ("pass", "flag")


def test_a_level_off_over_everyone_flags_calibration_whatever_the_groups_shape():
    """A 1 %-bad book under-predicted by a third passed "Predicted bad rates match what
    happened" (Hosmer-Lemeshow p = 0.15) while the fairness audit told the same population
    as off its predictions and sent the reader to that check."""
    rng = np.random.default_rng(3)
    n = 8000
    pd_bad = np.clip(np.exp(rng.normal(-4.8, 0.6, n)), 0.001, 0.5)
    y = (rng.random(n) < 1.3 * pd_bad).astype(int)
    score = np.round(600 - 200 * pd_bad).astype(int)
    bands = np.where(score > 590, "A", "B")
    result = evaluate_scores(y, pd_bad, score, bands, ["A", "B"])
    card = result["scorecard"]
    assert card["hosmer_lemeshow"]["p_value"] > 0.05  # the shape alone passes
    overall = card["calibration_overall"]
    assert overall["observed"] == pytest.approx(y.mean())
    assert overall["predicted"] == pytest.approx(pd_bad.mean())
    check = {c["name"]: c for c in result["checks"]}["Predicted bad rates match what happened"]
    assert check["status"] == "flag" and "Over everyone the bad rate is above" in check["detail"]
    # predicted at their level, the same book passes
    level = (np.random.default_rng(4).random(n) < pd_bad).astype(int)
    fair = evaluate_scores(level, pd_bad, score, bands, ["A", "B"])
    check = {c["name"]: c for c in fair["checks"]}["Predicted bad rates match what happened"]
    assert check["status"] == "pass" and "Over everyone" not in check["detail"]


def test_the_calibration_check_flags_about_one_in_twenty_well_calibrated_samples():
    from credo.evaluate.evaluation import _calibration_check, model_metrics

    rng = np.random.default_rng(0)
    flagged = []
    for _ in range(200):
        pd_bad = np.clip(np.exp(rng.normal(-2.2, 0.7, 3000)), 0.001, 0.9)
        y = (rng.random(3000) < pd_bad).astype(int)
        flagged.append(_calibration_check(model_metrics(y, pd_bad, pd_bad))["status"] == "flag")
    assert np.mean(flagged) <= 0.08  # its two tests at 5 % each flagged 10 %


def test_calibration_is_judged_on_merged_groups_where_the_safest_expect_few_bads():
    """The summary judges the Hosmer-Lemeshow test on groups merged until each expects 5 bads
    and 5 goods, says how they were merged, and the page keeps the ten groups."""
    rng = np.random.default_rng(12)
    n = 10_000
    log_odds = rng.normal(-4.2, 1.8, n)
    pd_bad = 1 / (1 + np.exp(-log_odds))
    score = np.round(600 - 40 * log_odds)
    bands = np.where(score > 700, "A", "B")

    def calibration(y: np.ndarray) -> tuple[dict, dict]:
        result = evaluate_scores(y, pd_bad, score, bands, ["A", "B"])
        (check,) = [c for c in result["checks"] if c["name"].startswith("Predicted bad rates")]
        return result, check

    result, check = calibration((rng.random(n) < np.clip(1.25 * pd_bad, 0, 1)).astype(int))
    test = result["scorecard"]["hosmer_lemeshow"]
    assert test["expected_min"] < 1 and check["status"] == "flag", check
    assert test["groups"] < 10
    merged = ", ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in test["merged_groups"])
    assert (
        f"on {test['groups']} groups (the 10 by predicted pd merged as {merged}," in check["detail"]
    )
    assert "at least 5 bad and 5 good customers" in check["detail"]
    page = render_report(result)
    section = page[page.index('<section id="calibration">') :].split("</section>")[0]
    assert section.count('<td class="n">10</td>') == 1 and "merged as" in section  # ten rows
    result, check = calibration((rng.random(n) < pd_bad).astype(int))
    assert check["status"] == "pass", check


def test_a_psi_that_chance_alone_reaches_on_few_rows_is_not_called_a_shift():
    """Five of six fresh samples of 102-140 rows from the training population itself were
    flagged "moderate shift" (PSI 0.10-0.23): about what sampling alone gives at that size."""
    from credo.evaluate import metrics

    rng = np.random.default_rng(4)
    training = rng.normal(600, 50, 20_000)
    edges = np.unique(np.quantile(training, np.linspace(0.1, 0.9, 9)))
    shares = np.bincount(np.searchsorted(edges, training, side="right"), minlength=10) / 20_000
    train = {"edges": edges.tolist(), "shares": shares.tolist(), "rows": 20_000}

    def check(sample: np.ndarray) -> tuple[float, str, str]:
        n = sample.size
        y = (rng.random(n) < 0.2).astype(int)
        bands = np.where(sample > 600, "A", "B")
        result = evaluate_scores(y, np.full(n, 0.2), sample, bands, ["A", "B"], train_scores=train)
        (said,) = [c for c in result["checks"] if c["name"].startswith("Population like")]
        return result["stability"]["psi"], said["status"], said["detail"]

    # the first of fresh 100-row samples of the same population above 0.1 (about one in ten)
    psi, status, detail = next(
        found for found in (check(rng.normal(600, 50, 100)) for _ in range(200))
        if found[0] >= 0.1
    )  # fmt: skip
    assert psi < metrics.psi_by_chance([0.1] * 10, 100, 20_000) and status == "info", detail
    assert "neither a shift nor its absence can be told from these rows" in detail
    # the report's stability section says the same
    while True:
        few = rng.normal(600, 50, 100)
        y = (rng.random(100) < 0.2).astype(int)
        bands = np.where(few > 600, "A", "B")
        result = evaluate_scores(y, np.full(100, 0.2), few, bands, ["A", "B"], train_scores=train)
        if result["stability"]["psi"] >= 0.1:
            break
    html = " ".join(render_report(result).split())
    assert "neither a shift nor its absence can be told from so few rows (samples of" in html
    assert check(rng.normal(630, 50, 5_000))[1] == "flag"
    assert check(rng.normal(600, 50, 5_000))[1] == "pass"
    # 40 rows, where chance alone reaches 0.1: a PSI under 0.1 does not read as stable
    assert metrics.psi_by_chance([0.1] * 10, 40, 20_000) > 0.1
    psi, status, detail = next(
        found for found in (check(rng.normal(600, 50, 40)) for _ in range(200))
        if found[0] < 0.1
    )  # fmt: skip
    assert status == "info" and "neither a shift nor its absence" in detail, detail
    # 40 rows far from the training scores: beyond what chance reaches there, a shift
    psi, status, detail = check(rng.normal(800, 10, 40))
    assert psi > metrics.psi_by_chance([0.1] * 10, 40, 20_000) and status == "flag", detail


def test_a_column_written_in_other_units_is_named_where_the_scores_moved(tmp_path):
    """Utilisation trained as "51%" (read as 51) and evaluated as 0.51 (a spreadsheet's or a
    database's share) moved every score: the report flagged the scores' PSI without saying
    which column had moved."""
    rng = np.random.default_rng(6)
    n = 3000
    util = np.round(rng.uniform(0, 1, n), 2)
    other = rng.normal(size=n)
    bad = (rng.random(n) < 1 / (1 + np.exp(2.5 - 3 * util - 0.3 * other))).astype(int)
    table = pd.DataFrame({"util": [f"{u * 100:g}%" for u in util], "other": other, "bad": bad})
    table.to_csv(tmp_path / "train.csv", index=False)
    table.assign(util=util).to_parquet(tmp_path / "new.parquet")
    trained = subprocess.run(
        [str(CREDO), "train", "--table", str(tmp_path / "train.csv"), "--target", "bad",
         "--out", str(tmp_path / "m.json")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    figures, _ = _evaluate_table(tmp_path / "m.json", tmp_path / "new.parquet", tmp_path)
    psi = {f["name"]: f.get("psi") for f in figures["features"]}
    assert psi["util"] > 1 and psi["other"] < 0.05
    check = next(c for c in figures["checks"] if c["name"].startswith("Population like"))
    assert check["status"] == "flag" and "util (" in check["detail"]
    assert "other (" not in check["detail"]
    page = (tmp_path / "r.html").read_text()
    assert "Stability (PSI)" in page
    # the stability section says the verdict the summary gives ("stable" beside a flag)
    section = page[page.index('<section id="stability">') :]
    section = section[: section.index("</section>")]
    assert '<span class="mark flag">flag</span>' in section and "util (" in section
    # on paper every table is laid out to the page, none cut off where it would scroll
    assert "@media print" in page and "display: table" in page
    # a sample of the training population, written alike: no feature named as moved
    same = table.sample(400, random_state=1)
    same.to_csv(tmp_path / "same.csv", index=False)
    figures, _ = _evaluate_table(tmp_path / "m.json", tmp_path / "same.csv", tmp_path)
    check = next(c for c in figures["checks"] if c["name"].startswith("Population like"))
    assert check["status"] == "pass" and "features whose" not in check["detail"]
    used = [f for f in figures["features"] if f["status"] == "used"]
    assert all(f["psi_by_chance"] > 0 for f in used)


def test_reason_frequency_counts_what_each_person_was_told():
    """The report labelled every code with its catalog claim: "Card credit limits are low"
    was given to 1,444 people of whom 68 read it (668 read "No data on ...", the rest a
    range)."""
    from credo.evaluate.evaluation import reason_frequency

    reasons = pd.DataFrame(
        {
            "reason_1": ["R01", "R01", "R01", "R02", None],
            "reason_2": ["R02", None, "R02", None, None],
            "reason_1_text": ["Limits are low", "No data on limits", "Limits are low", "x", None],
            "reason_2_text": ["Late", None, "Late", None, None],
        }
    )
    rows = reason_frequency(reasons, {"R01": "Limits are low", "R02": "Late"})
    got = {(r["reason"], r["text"]): (r["first"], r["any"]) for r in rows}
    assert got == {
        ("R01", "Limits are low"): (2, 2),
        ("R01", "No data on limits"): (1, 1),
        ("R02", "Late"): (0, 2),
        ("R02", "x"): (1, 1),
    }
    assert rows[0]["share"] == pytest.approx(2 / 5)
    # without the texts told, each code reads the text it is given
    codes_only = reason_frequency(reasons[["reason_1", "reason_2"]], {"R01": "Limits are low"})
    assert {(r["reason"], r["text"], r["any"]) for r in codes_only} == {
        ("R01", "Limits are low", 3),
        ("R02", "R02", 3),
    }


def test_reason_frequency_names_a_few_texts_of_a_code_and_counts_the_rest_together():
    """A category's text names the person's own level: a job title of 800 levels gave the
    report 784 rows of reason frequency."""
    from credo.evaluate.evaluation import TEXTS_SHOWN_PER_CODE, reason_frequency

    titles = [f"title: job {i % 40}" for i in range(400)]
    reasons = pd.DataFrame({"reason_1": ["R01"] * 400, "reason_1_text": titles})
    rows = reason_frequency(reasons)
    assert len(rows) == TEXTS_SHOWN_PER_CODE + 1
    other = next(r for r in rows if r["text"] == "other texts")
    assert other["any"] == other["first"] == 400 - 10 * TEXTS_SHOWN_PER_CODE
    assert sum(r["any"] for r in rows) == 400


def test_a_protected_file_joins_a_plain_table_on_its_id_column(tmp_path, german_model):
    """A plain table's people are named by its own id column: a protected-attributes file
    could only be joined on a column called user_id, so an application table keyed by a
    customer number could not be audited against attributes kept apart."""
    holdout = pd.read_csv(german_model.parent / "holdout.csv")
    numbers = [f"C{i:05d}" for i in range(len(holdout))]
    holdout.drop(columns=PROTECTED).assign(customer_no=numbers).to_csv(
        tmp_path / "people.csv", index=False
    )
    # the file names the ids as the table does, or as user_id; its rows in another order
    attributes = holdout[["age_in_years"]].assign(customer_no=numbers).iloc[::-1]
    attributes.to_csv(tmp_path / "by_number.csv", index=False)
    attributes.rename(columns={"customer_no": "user_id"}).to_csv(
        tmp_path / "by_user_id.csv", index=False
    )
    for name in ("by_number", "by_user_id"):
        run = subprocess.run(
            [str(CREDO), "evaluate", "--model", str(german_model), "--table",
             str(tmp_path / "people.csv"), "--target", "bad", "--id", "customer_no",
             "--protected-file", str(tmp_path / f"{name}.csv"), "--protected", "age_in_years",
             "--report", str(tmp_path / "r.html"), "--json", str(tmp_path / f"{name}.json")],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        (age,) = json.loads((tmp_path / f"{name}.json").read_text())["fairness"]
        assert sum(g["count"] for g in age["approval"]["groups"]) == len(holdout)
        assert "missing" not in {g["group"] for g in age["approval"]["groups"]}
    # the same split of ages whichever way the file names the ids
    by_number = json.loads((tmp_path / "by_number.json").read_text())["fairness"]
    assert by_number == json.loads((tmp_path / "by_user_id.json").read_text())["fairness"]
    wrong = subprocess.run(
        [str(CREDO), "evaluate", "--model", str(german_model), "--table",
         str(tmp_path / "people.csv"), "--target", "bad", "--id", "customer",
         "--protected-file", str(tmp_path / "by_number.csv"), "--report", str(tmp_path / "r.html")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    said = " ".join(wrong.stderr.split())
    assert wrong.returncode == 1 and "no id column 'customer' (--id)" in said


def test_training_rows_are_told_in_any_file_or_order(tmp_path, german_model):
    """Only an exact copy of the training file was flagged: the same rows shuffled, saved as
    Parquet, or among new ones were evaluated as unseen data, a training AUC shown as a
    held-out one."""
    train = pd.read_csv(german_model.parent / "train.csv")
    holdout = pd.read_csv(german_model.parent / "holdout.csv")

    def judged(frame: pd.DataFrame, name: str) -> tuple[dict, dict | None]:
        path = tmp_path / name
        if name.endswith(".parquet"):
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
        result, _ = _evaluate_table(german_model, path, tmp_path)
        checks = {c["name"]: c for c in result["checks"]}
        return result, checks.get("Measured on data the model has not seen")

    shuffled, check = judged(train.sample(frac=1, random_state=3), "shuffled.parquet")
    assert check["status"] == "flag" and "About 100% (95 % interval" in check["detail"]
    assert shuffled["data"]["same_as_training"] and shuffled["data"]["training_rows_share"] > 0.95
    # the training figures' own degrees of freedom: nothing held out
    assert shuffled["scorecard"]["hosmer_lemeshow"]["dof"] < 10
    mixed, check = judged(pd.concat([holdout, train.iloc[:100]]), "mixed.csv")
    assert not mixed["data"]["same_as_training"] and check["status"] == "flag"
    share = 100 / (len(holdout) + 100)
    assert mixed["data"]["training_rows_share"] == pytest.approx(share, abs=0.06)
    low, high = mixed["data"]["training_rows_interval"]
    assert low < mixed["data"]["training_rows_share"] < high
    assert f"(95 % interval {low:.0%}-{high:.0%}) of these rows" in check["detail"]
    unseen, check = judged(holdout, "unseen.csv")
    assert check is None and unseen["data"]["training_rows_share"] == 0


def test_fairness_says_what_the_attributes_values_call_for():
    """An attribute missing for everyone was "fewer than two groups of 30"; 30 % missing,
    " f" beside "F", a value written "missing" and ages of -3 or 999 went unsaid."""
    rng = np.random.default_rng(12)
    n = 3000
    y = (rng.random(n) < 0.2).astype(int)
    pd_bad = np.clip(0.2 + 0.1 * (y - 0.2) + rng.normal(0, 0.08, n), 0.01, 0.99)
    score = np.round(700 - 300 * pd_bad).astype(int)
    bands = np.where(score > 640, "A", "B")
    sex = rng.choice(np.array(["F", "M", " f", "missing"], dtype=object), n, p=[0.4, 0.4, 0.1, 0.1])
    sex[rng.random(n) < 0.3] = None
    age = rng.integers(20, 70, n).astype(float)
    age[:5] = [-3, 0, 12, 150, 999]
    protected = {"sex": sex, "age": age, "race": np.full(n, None, dtype=object)}
    result = evaluate_scores(y, pd_bad, score, bands, ["A", "B"], protected=protected)
    audits = {a["attribute"]: a for a in result["fairness"]}
    groups = [row["group"] for row in audits["sex"]["approval"]["groups"]]
    assert "F" in groups and " f" not in groups and '"missing" as written' in groups
    told = {c["name"]: c for c in result["checks"]}
    said = told["Fair across sex"]["detail"]
    assert "have no sex on file and are not compared" in said
    assert "taken as one group: ' f' as 'F'" in said
    assert (
        "5 ages no applicant has (e.g. -3, 0, 12, 150) are banded"
        in told["Fair across age"]["detail"]
    )
    race = told["Fair across race"]
    assert race["status"] == "info" and "race is missing for every person (3,000)" in race["detail"]


def test_a_plain_tables_report_does_not_explain_people_it_cannot_score():
    # a plain table's model scores every row: the fairness section told of people "the model
    # could not score" and a "no score" column that such a report never has
    plain = render_report(_synthetic_result(model_info={"input_kind": "table"}))
    events = render_report(_synthetic_result(model_info={"input_kind": "features"}))
    assert "could not score" not in plain and "could not score" in events


def test_the_cutoff_approves_its_own_score_and_tells_the_approved_people_s_bad_rate():
    # scores 500, 510, ..., 690; the cutoff 600 approves the ten from 600 up, of whom the
    # two at 600 and 650 turned out bad; six of the ten declined did
    score = np.arange(500, 700, 10)
    y = np.zeros(20, dtype=int)
    y[[0, 1, 2, 3, 5, 8, 10, 15]] = 1
    pd_bad = np.linspace(0.6, 0.05, 20)
    bands = np.where(score >= 600, "A", "B")
    result = evaluate_scores(y, pd_bad, score, bands, ["A", "B"], cutoff=600)
    assert result["cutoff"]["approval_rate"] == pytest.approx(10 / 20)
    assert result["cutoff"]["bad_rate_approved"] == pytest.approx(2 / 10)


def test_bands_are_judged_from_the_best_scores_down_whatever_order_the_scale_lists_them():
    from types import SimpleNamespace

    from credo.evaluate.model_eval import band_order
    from credo.model.scaling import get_scale

    fico = get_scale("fico")
    expected = ["Exceptional", "Very good", "Good", "Fair", "Poor"]
    assert band_order(SimpleNamespace(scale_=fico)) == expected
    shuffled = SimpleNamespace(bands=[fico.bands[i] for i in (2, 0, 4, 1, 3)])
    assert band_order(SimpleNamespace(scale_=shuffled)) == expected

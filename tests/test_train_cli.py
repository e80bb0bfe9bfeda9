"""`credo train`, `credo score`, `credo model show` and `credo model sql` as real subprocesses."""

from __future__ import annotations

import bz2
import decimal
import gzip
import json
import lzma
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import DATA
from sklearn.metrics import roc_auc_score
from test_scorecard import _merchant_book, as_list, constructed

import credo.policy as presets
from credo.model.artifact import load_model, save_model
from credo.model.columns import DATE_REASON, SEPARATION_REASON
from credo.model.training import file_fingerprint

CREDO = str(Path(sys.executable).with_name("credo"))
GERMAN = DATA / "german_credit.csv"
PROTECTED = ["personal_status_and_sex", "age_in_years", "foreign_worker"]
EXCLUDE = [arg for name in PROTECTED for arg in ("--exclude", name)]
SCORE_COLUMNS = ["id", "score", "pd", "band", "reason_1", "reason_2", "reason_3", "reason_4"]


def credo(*args, check=True):
    result = subprocess.run([CREDO, *map(str, args)], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"credo {' '.join(map(str, args))} failed:\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("train")
    model = folder / "model.json"
    result = credo("train", "--table", GERMAN, "--target", "bad", *EXCLUDE, "--out", model)
    return model, result


def test_train_prints_a_summary_and_writes_a_checked_model(trained):
    model, result = trained
    assert "held-out AUC" in result.stdout
    # how sure the held-out figure is: its bad rows (60 of German credit's 200 held out) and
    # the AUC's 95 % interval, which is wide with so few
    said = " ".join(result.stdout.split())
    auc = load_model(model).metrics["holdout"]["auc"]
    assert load_model(model).metrics["holdout"]["bads"] == 60
    low, high = (float(v) for v in said.split("60 bad: 95 % interval ")[1].split()[0].split("-"))
    assert low < auc < high and 0.1 < high - low < 0.2
    assert "Features kept" in result.stdout
    artifact = load_model(model)
    assert artifact.training["kind"] == "table" and artifact.training["rows"] == 1000
    assert artifact.training["policy"] == "us"
    assert 0.6 < artifact.metrics["holdout"]["auc"] <= 1.0
    assert not set(artifact.features) & set(PROTECTED)
    assert "bad" not in artifact.training["inputs"]
    # the weak features on one line, each with its IV and bar
    card = artifact.scorecard
    weak = sorted(n for n, why in card.dropped_.items() if why.startswith("information value"))
    assert weak
    summary = " ".join(result.stdout.split())
    listed = ", ".join(
        f"{n} ({card.iv_[n]:.3g} < {card.dropped_[n].rsplit(' ', 1)[1]})" for n in weak
    )
    assert f"information value below its bar: {listed}" in summary
    shown = " ".join(credo("model", "show", model, "--no-bins").stdout.split())
    assert "Columns left out of the model" in shown and weak[0] in shown
    assert "warning" not in summary  # 300 bad rows of 1,000


def test_training_on_few_outcomes_warns(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.normal(size=400)
    bad = (x + rng.normal(size=400) > 2.6).astype(int)
    table = tmp_path / "small.csv"
    pd.DataFrame({"x": x, "bad": bad}).to_csv(table, index=False)
    result = credo("train", "--table", table, "--target", "bad", "--out", tmp_path / "m.json")
    summary = " ".join(result.stdout.split())
    assert f"warning: only {bad.sum()} bad rows: too few" in summary
    assert (tmp_path / "m.json").exists()  # a warning, not a refusal


def test_score_csv_matches_the_python_scorer(trained, tmp_path):
    model, _ = trained
    out = tmp_path / "scores.csv"
    credo("score", "--model", model, "--table", GERMAN, "--out", out)
    scores = pd.read_csv(out, keep_default_na=False, na_values=[""])
    assert scores.columns.tolist() == SCORE_COLUMNS
    assert scores["id"].tolist() == list(range(1000))
    expected = load_model(model).score_table(pd.read_csv(GERMAN))
    assert scores["score"].tolist() == expected["score"].tolist()
    assert np.allclose(scores["pd"], expected["pd"])
    for r in range(1, 5):
        assert as_list(scores[f"reason_{r}"]) == as_list(expected[f"reason_{r}"])


def test_score_parquet_with_an_id_column_and_extra_columns(trained, tmp_path):
    model, _ = trained
    table = pd.read_csv(GERMAN).assign(customer=lambda f: [f"c{i:04d}" for i in range(len(f))])
    table["unused_extra"] = 1.0
    source = tmp_path / "people.parquet"
    table.to_parquet(source)
    out = tmp_path / "scores.parquet"
    credo("score", "--model", model, "--table", source, "--id", "customer", "--out", out)
    scores = pq.read_table(out).to_pandas()
    assert scores.columns.tolist() == SCORE_COLUMNS
    assert scores["id"].tolist() == table["customer"].tolist()


def test_compressed_tables_are_read_as_the_file_inside(trained, tmp_path):
    model, _ = trained
    frame = pd.read_csv(GERMAN)
    packed = {
        "german.csv.gz": gzip.compress(GERMAN.read_bytes()),
        "german.csv.bz2": bz2.compress(GERMAN.read_bytes()),
        "german.tsv.xz": lzma.compress(frame.to_csv(sep="\t", index=False).encode()),
    }
    for name, data in packed.items():
        (tmp_path / name).write_bytes(data)
    with zipfile.ZipFile(tmp_path / "german.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(GERMAN, "german_credit.csv")
    expected = pd.read_csv(_scored(model, GERMAN, tmp_path / "plain.csv"))
    for name in [*packed, "german.zip"]:
        got = pd.read_csv(_scored(model, tmp_path / name, tmp_path / f"{name}.scores.csv"))
        pd.testing.assert_frame_equal(got, expected)
    # trained on a compressed file: the same model as on the file itself
    again = tmp_path / "again.json"
    credo("train", "--table", tmp_path / "german.zip", "--target", "bad", *EXCLUDE, "--out", again)
    assert load_model(again).scorecard.features_ == load_model(model).scorecard.features_
    # an archive of two tables, a Parquet file compressed, a file cut short: told what to do
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as archive:
        archive.write(GERMAN, "a.csv")
        archive.write(GERMAN, "b.csv")
    (tmp_path / "t.parquet.gz").write_bytes(gzip.compress(b"PAR1"))
    (tmp_path / "cut.csv.gz").write_bytes(packed["german.csv.gz"][:4000])
    told = {
        "two.zip": "the zip archive holds 2 files (a.csv, b.csv); give one table",
        "t.parquet.gz": "a compressed Parquet file",
        "cut.csv.gz": "cannot be decompressed",
    }
    for name, words in told.items():
        result = credo(
            "score",
            "--model",
            model,
            "--table",
            tmp_path / name,
            "--out",
            tmp_path / "x.csv",
            check=False,
        )
        assert result.returncode != 0 and words in " ".join(result.stderr.split()), name
        assert "Traceback" not in result.stderr


def _scored(model: Path, table: Path, out: Path) -> Path:
    credo("score", "--model", model, "--table", table, "--out", out)
    return out


def test_customer_numbers_stay_verbatim_and_are_never_inputs(tmp_path):
    numbers = [f"{i:06d}" for i in range(1000)]  # read as numbers they would lose their zeros
    table = pd.read_csv(GERMAN).assign(cust=numbers, id=lambda f: np.arange(len(f))[::-1])
    source = tmp_path / "people.csv"
    table.to_csv(source, index=False)
    model = tmp_path / "m.json"
    trained = credo("train", "--table", source, "--target", "bad", *EXCLUDE, "--out", model)
    artifact = load_model(model)
    assert not {"cust", "id"} & set(artifact.features)
    assert "an identifier: every value is distinct: cust, id" in " ".join(trained.stdout.split())
    out = tmp_path / "s.csv"
    credo("score", "--model", model, "--table", source, "--id", "cust", "--out", out)
    assert pd.read_csv(out, dtype={"id": str})["id"].tolist() == numbers
    assert out.read_text().splitlines()[1].startswith("000000,")


def test_an_id_issued_in_time_order_is_left_out_by_the_word_id_in_its_name(tmp_path):
    # Home Credit's SK_ID_CURR: distinct whole numbers with gaps, issued in time order, so
    # they follow the book's bad rate as it drifted; id_verified is a flag, not an identifier
    table = pd.read_csv(GERMAN)
    rng = np.random.default_rng(4)
    drift = table["bad"].to_numpy() + rng.normal(0, 0.6, len(table))
    issued = np.sort(rng.choice(1_000_000, len(table), replace=False)) + 100_000
    table["SK_ID_CURR"] = issued[np.argsort(np.argsort(drift))]
    table["id_verified"] = rng.integers(0, 2, len(table))
    source = tmp_path / "application.csv"
    table.to_csv(source, index=False)
    model = tmp_path / "m.json"
    trained = credo("train", "--table", source, "--target", "bad", *EXCLUDE, "--out", model)
    card = load_model(model).scorecard
    assert "SK_ID_CURR" not in card.features_  # before: kept, binned by its issue order
    assert card.dropped_["SK_ID_CURR"] == "an identifier: every value is distinct"
    assert "an identifier: every value is distinct: SK_ID_CURR" in " ".join(trained.stdout.split())
    assert "id_verified" not in card.dropped_ or "identifier" not in card.dropped_["id_verified"]


def test_a_min_iv_given_is_the_bar(tmp_path):
    model = tmp_path / "m.json"
    credo(
        "train", "--table", GERMAN, "--target", "bad", *EXCLUDE, "--min-iv", "0.2", "--out", model
    )
    card = load_model(model).scorecard
    assert card.features_ and all(card.iv_[name] >= 0.2 for name in card.features_)
    assert "savings_account_and_bonds" in card.dropped_  # IV about 0.196: below the bar


def test_evaluating_on_the_training_file_is_flagged(trained, tmp_path):
    model, _ = trained
    figures = tmp_path / "figures.json"

    def checks(table):
        credo("evaluate", "--model", model, "--table", table, "--target", "bad",
              "--report", tmp_path / "r.html", "--json", figures)  # fmt: skip
        return {c["name"]: c["status"] for c in json.loads(figures.read_text())["checks"]}

    assert checks(GERMAN)["Measured on data the model has not seen"] == "flag"
    # every other training row, in a file of its own: training rows still, found by values
    half = tmp_path / "half.csv"
    pd.read_csv(GERMAN).iloc[::2].to_csv(half, index=False)
    assert checks(half)["Measured on data the model has not seen"] == "flag"
    said = json.loads(figures.read_text())["checks"][0]["detail"]
    assert said.startswith("About 100% (95 % interval 9")
    assert "%) of these rows are the model's training rows" in said
    # rows the model has not seen (each amount another): nothing said
    other = tmp_path / "other.csv"
    pd.read_csv(GERMAN).assign(credit_amount=lambda t: t["credit_amount"] + 1).to_csv(
        other, index=False
    )
    assert "Measured on data the model has not seen" not in checks(other)


def test_an_output_that_would_overwrite_an_input_is_refused(trained, tmp_path):
    model, _ = trained
    before = model.read_bytes()
    onto_model = credo("score", "--model", model, "--table", GERMAN, "--out", model, check=False)
    assert onto_model.returncode == 1 and "also an input" in onto_model.stderr
    assert model.read_bytes() == before
    report = credo(
        "evaluate",
        "--model",
        model,
        "--table",
        GERMAN,
        "--target",
        "bad",
        "--report",
        tmp_path / "report.txt",
        check=False,
    )
    assert report.returncode == 1 and ".html" in report.stderr


def test_an_output_onto_the_policy_file_is_refused(trained, tmp_path):
    """--policy FILE is an input too: `train --policy mine.json --out mine.json` replaced the
    policy with the model, and evaluate's --json did the same."""
    model, _ = trained
    rules = json.loads((Path(presets.__file__).parent / "presets" / "us.json").read_text())
    policy = tmp_path / "mine.json"
    policy.write_text(json.dumps({**rules, "name": "mine"}))
    before = policy.read_bytes()
    table = ("--table", GERMAN, "--target", "bad", *EXCLUDE)
    trained_onto = credo("train", *table, "--policy", policy, "--out", policy, check=False)
    said = " ".join(trained_onto.stderr.split())
    assert trained_onto.returncode == 1 and f"--out {policy} is also an input" in said
    figures = ("--report", tmp_path / "r.html", "--json", policy)
    evaluated = credo("evaluate", "--model", model, *table[:4], "--policy", policy, *figures,
                      check=False)  # fmt: skip
    assert evaluated.returncode == 1 and "also an input" in evaluated.stderr
    assert policy.read_bytes() == before
    # a preset's name is no file: a model may be written to a file of that name
    credo("train", *table, "--policy", "us", "--out", tmp_path / "us")


def test_evaluate_json_onto_its_report_is_named_as_such(trained, tmp_path):
    """--json naming the --report file was refused as 'also an input of this command'."""
    model, _ = trained
    report = tmp_path / "r.html"
    done = credo("evaluate", "--model", model, "--table", GERMAN, "--target", "bad",
                 "--report", report, "--json", report, check=False)  # fmt: skip
    said = " ".join(done.stderr.split())
    assert done.returncode == 1 and f"--json {report} is the --report file too" in said
    assert not report.exists()


def test_score_with_texts_adds_the_fifth_reason_and_texts(tmp_path):
    X, y, meta = constructed(n=3000)
    table = X.assign(bad=y, customer=[f"c{i}" for i in range(len(X))])
    source = tmp_path / "people.parquet"
    table.to_parquet(source)
    model = tmp_path / "model.json"
    inputs = ["--table", source, "--id", "customer"]
    credo("train", *inputs, "--target", "bad", "--min-iv", "0", "--out", model)
    out = tmp_path / "scores.parquet"
    credo("score", "--model", model, *inputs, "--with-texts", "--out", out)
    scores = pq.read_table(out).to_pandas()
    texts = [f"reason_{r}_text" for r in range(1, 6)]
    assert scores.columns.tolist() == SCORE_COLUMNS + ["reason_5"] + texts
    expected = load_model(model).score_table(table, with_text=True)
    for column in ["reason_5"] + texts:
        assert as_list(scores[column]) == as_list(expected[column]), column
    # a text is given exactly where a reason is
    for r in range(1, 6):
        assert (scores[f"reason_{r}"].isna() == scores[f"reason_{r}_text"].isna()).all()
    assert scores["reason_1_text"].notna().any()


def test_protected_attributes_are_refused_unless_allowed(tmp_path):
    out = tmp_path / "m.json"
    refused = credo(
        "train",
        "--table",
        GERMAN,
        "--target",
        "bad",
        "--protected",
        "telephone",
        "--out",
        out,
        check=False,
    )
    assert refused.returncode != 0 and not out.exists()
    message = " ".join(refused.stderr.split())
    for name in [*PROTECTED, "telephone"]:
        assert name in message
    assert "--allow-protected" in message
    credo("train", "--table", GERMAN, "--target", "bad", "--allow-protected", "--out", out)
    assert set(load_model(out).training["inputs"]) >= set(PROTECTED)


def test_a_column_only_named_like_a_protected_attribute_is_an_input_once_said_so(tmp_path):
    rng = np.random.default_rng(3)
    n = 3000
    tenure = rng.integers(0, 2000, n)  # days since the first purchase: no person's age
    sex = rng.choice(["f", "m"], n)
    bad = (rng.random(n) < 0.3 - 0.2 * tenure / 2000).astype(int)
    table = tmp_path / "bnpl.csv"
    pd.DataFrame(
        {"customer_age_days": tenure, "basket": rng.gamma(2, 50, n), "sex": sex, "bad": bad}
    ).to_csv(table, index=False)
    out = tmp_path / "m.json"
    train = ["train", "--table", table, "--target", "bad", "--out", out]
    refused = credo(*train, check=False)
    said = " ".join(refused.stderr.split())
    assert refused.returncode != 0 and "customer_age_days, sex" in said
    assert "--not-protected COLUMN" in said
    for wrong, why in (
        (["--not-protected", "Customer_Age_Days"], "names no input column: Customer_Age_Days"),
        (["--protected", "basket", "--not-protected", "basket"], "both --protected and"),
    ):
        failed = credo(*train, "--exclude", "sex", *wrong, check=False)
        assert failed.returncode != 0 and why in " ".join(failed.stderr.split())
    credo(*train, "--exclude", "sex", "--not-protected", "customer_age_days")
    model = load_model(out)
    assert "customer_age_days" in model.scorecard.features_
    assert model.training["not_protected"] == ["customer_age_days"]
    # evaluation audits sex, found by its name, and not the column said to be no attribute
    figures = tmp_path / "e.json"
    credo(
        "evaluate", "--model", out, "--table", table, "--target", "bad", "--json", figures,
        "--report", tmp_path / "r.html",
    )  # fmt: skip
    audited = {a["attribute"] for a in json.loads(figures.read_text())["fairness"]}
    assert audited == {"sex"}


def test_train_says_which_categories_it_weighed_by_rows_they_were_not_grouped_on(tmp_path):
    merchants = np.array([f"M{i:05d}" for i in range(1000)], dtype=object)
    risk = np.random.default_rng(1).normal(0.0, 0.5, merchants.size)
    X, y = _merchant_book(20_000, np.random.default_rng(2), merchants, risk)
    table = tmp_path / "book.csv"
    X.assign(bad=y).to_csv(table, index=False)
    out = tmp_path / "m.json"
    said = " ".join(
        credo("train", "--table", table, "--target", "bad", "--out", out).stdout.split()
    )
    card = load_model(out).scorecard
    held_out = card.training_["cross_fitted"]["merchant"]
    line = f"merchant (IV {card.iv_['merchant']:.3g} on the rows that grouped it, {held_out:.3g} on"
    assert f"{line} others)" in said
    shown = " ".join(credo("model", "show", out, "--no-bins").stdout.split())
    assert f"{line} others)" in shown


def test_train_says_when_its_folds_chose_a_stronger_ridge(tmp_path):
    rng = np.random.default_rng(3)
    n = 1500
    real, noise = rng.normal(size=(n, 4)), rng.normal(size=(n, 30))
    logit = -1.2 + real @ np.array([0.8, 0.5, 0.3, 0.2])
    frame = pd.DataFrame(np.hstack([real, noise])).add_prefix("x")
    frame["bad"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    table, out = tmp_path / "wide.csv", tmp_path / "m.json"
    frame.to_csv(table, index=False)
    said = " ".join(
        credo("train", "--table", table, "--target", "bad", "--out", out).stdout.split()
    )
    ridge = load_model(out).scorecard.training_["l2"]
    line = f"ridge penalty {ridge['chosen']:g} in place of 1: on five folds its held-out log-loss"
    assert ridge["chosen"] > 1 and line in said
    assert f"better by {ridge['standard_errors']:g} standard errors" in said
    shown = " ".join(credo("model", "show", out, "--no-bins").stdout.split())
    assert line in shown


def test_train_names_the_number_columns_it_read_as_codes(tmp_path):
    rng = np.random.default_rng(5)
    n = 6000
    purpose, credits = rng.integers(1, 6, n), rng.integers(0, 5, n)
    logit = -1.2 + np.array([0.0, 0.6, -0.9, 0.8, -0.5, 0.5])[purpose] + 0.25 * credits
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    table = tmp_path / "codes.csv"
    pd.DataFrame({"purpose": purpose, "credits": credits, "bad": y}).to_csv(table, index=False)
    out = tmp_path / "m.json"
    said = " ".join(
        credo("train", "--table", table, "--target", "bad", "--out", out).stdout.split()
    )
    assert "read as codes, binned as categories" in said and "order of their values" in said
    assert said.split("read as codes")[1].split(";")[0].endswith(": purpose")
    # scored from the file as training read it, and by the SQL alike
    scores = tmp_path / "s.csv"
    credo("score", "--model", out, "--table", table, "--out", scores)
    sql = credo("model", "sql", out, "--table", "people").stdout
    con = duckdb.connect()
    con.execute(f"CREATE TABLE people AS SELECT * FROM read_csv_auto('{table}')")
    from_sql = con.execute(f"SELECT score FROM ({sql})").fetchnumpy()["score"]
    assert sorted(from_sql.tolist()) == sorted(pd.read_csv(scores)["score"].tolist())


def test_brackets_in_names_and_levels_print_as_written(tmp_path):
    """A column named "[/]" stopped `credo train` with a markup error after the model was
    written; "income[monthly]" printed as "income"; `model show` failed on a level "[/]"."""
    rng = np.random.default_rng(8)
    n = 3000
    monthly, flagged = rng.normal(size=n), rng.normal(size=n)
    kind = rng.choice(["[/]", "plain", "[a]x"], n)
    logit = -1.0 + 0.8 * monthly + 0.6 * flagged + np.where(kind == "[/]", 0.8, 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    table = tmp_path / "brackets.csv"
    frame = pd.DataFrame({"income[monthly]": monthly, "[/]": flagged, "kind": kind, "bad": y})
    frame.to_csv(table, index=False)
    out = tmp_path / "m.json"
    trained = credo("train", "--table", table, "--target", "bad", "--out", out)
    assert trained.returncode == 0 and "[/]" in trained.stdout
    shown = " ".join(credo("model", "show", out).stdout.split())
    assert "│ income[monthly] │" in shown and "│ [/] │" in shown and "{[a]x}" in shown
    # the SQL reads a table whose name no parser reads as one quoted name
    sql = credo("model", "sql", out, "--table", "it's").stdout
    con = duckdb.connect()
    con.execute(f"""CREATE TABLE "it's" AS SELECT * FROM read_csv_auto('{table}')""")
    assert len(con.execute(f"SELECT score FROM ({sql})").fetchall()) == n


def test_train_names_inputs_a_csv_loader_reads_under_other_names(tmp_path):
    """DuckDB's CSV reader trims " lead" to "lead" and reads a header "null" as column10, so
    the exported SQL found no such column in a table loaded as docs/model.md says."""
    rng = np.random.default_rng(9)
    n = 3000
    a, b, c = rng.normal(size=(3, n))
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1 + 0.8 * a + 0.6 * b + 0.5 * c)))).astype(int)
    table = tmp_path / "odd.parquet"
    pd.DataFrame({" lead": a, "null": b, "plain": c, "bad": y}).to_parquet(table)
    said = " ".join(
        credo(
            "train", "--table", table, "--target", "bad", "--out", tmp_path / "m.json"
        ).stdout.split()
    )
    assert "note: ' lead', 'null': a CSV reader (DuckDB's) trims" in said
    assert "'plain'" not in said


def test_model_show_and_sql(trained, tmp_path):
    model, _ = trained
    shown = credo("model", "show", model)
    artifact = load_model(model)
    assert "Points table" in shown.stdout and artifact.content_hash[:16] in shown.stdout
    wide = subprocess.run(
        [CREDO, "model", "show", str(model), "--no-bins"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "300"},
    )
    lines = wide.stdout.splitlines()
    card = artifact.scorecard
    for name in card.features_:  # each feature's row says how its bad rate runs
        row = next(line for line in lines if f" {name} " in line)
        assert card.bins_[name].risk_shape() in row
    assert "highest at both ends" in wide.stdout  # German's loan amount
    piped = subprocess.run(  # no $COLUMNS: a file's tables are laid out wide enough
        [CREDO, "model", "show", str(model)],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "COLUMNS"},
    )
    assert "…" not in piped.stdout and artifact.content_hash in piped.stdout
    assert all(f" {name} " in piped.stdout for name in card.features_)
    sql = credo("model", "sql", model, "--dialect", "duckdb", "--table", "people").stdout
    con = duckdb.connect()
    con.execute(f"CREATE VIEW people AS SELECT * FROM read_csv_auto('{GERMAN}')")
    got = con.execute(sql).df()
    expected = artifact.score_table(pd.read_csv(GERMAN))
    assert got["score"].tolist() == expected["score"].tolist()
    assert as_list(got["reason_1"]) == as_list(expected["reason_1"])
    spark_sql = credo("model", "sql", model, "--dialect", "spark").stdout
    assert "`credit_amount`" in spark_sql


def test_clear_errors(trained, tmp_path):
    model, _ = trained
    partial = tmp_path / "partial.csv"
    pd.read_csv(GERMAN).drop(columns=["credit_amount"]).to_csv(partial, index=False)
    missing = credo(
        "score", "--model", model, "--table", partial, "--out", tmp_path / "s.csv", check=False
    )
    assert missing.returncode != 0 and "credit_amount" in missing.stderr
    tampered = tmp_path / "tampered.json"
    data = json.loads(model.read_text())
    data["scorecard"]["intercept"] += 0.1
    tampered.write_text(json.dumps(data))
    changed = credo(
        "score", "--model", tampered, "--table", GERMAN, "--out", tmp_path / "s.csv", check=False
    )
    assert changed.returncode != 0 and "hash" in changed.stderr
    no_target = credo(
        "train", "--table", GERMAN, "--target", "nope", "--out", tmp_path / "x.json", check=False
    )
    assert no_target.returncode != 0 and "nope" in no_target.stderr
    same = credo("train", "--table", GERMAN, "--target", "bad", "--id", "bad",
                 "--out", tmp_path / "x.json", check=False)  # fmt: skip
    assert same.returncode == 1 and "both name 'bad'" in same.stderr
    typo = credo("train", "--table", GERMAN, "--target", "bad", *EXCLUDE,
                 "--protected", "age_in_yeras", "--out", tmp_path / "x.json")  # fmt: skip
    assert "names no column of the data: age_in_yeras" in " ".join(typo.stderr.split())
    # a name that matches a column word by word names it: "telephone" was said to name no
    # column, and then refused "telephone_number" for it
    renamed = tmp_path / "renamed.csv"
    pd.read_csv(GERMAN).rename(columns={"telephone": "telephone_number"}).to_csv(
        renamed, index=False
    )
    words = credo("train", "--table", renamed, "--target", "bad", *EXCLUDE, "--protected",
                  "telephone", "--out", tmp_path / "w.json", check=False)  # fmt: skip
    said = " ".join(words.stderr.split())
    assert "names no column" not in said and "telephone_number" in said, said


def test_plain_table_readings_given_with_a_feature_table_are_refused(tmp_path):
    """--no-negative-codes, --no-nines-codes and --comma-thousands read a plain table's cells:
    given with --features they had been accepted and done nothing, as --special is refused."""
    for options, named in (
        (["--no-negative-codes"], "--no-negative-codes"),
        (["--no-nines-codes", "--comma-thousands"], "--no-nines-codes and --comma-thousands"),
    ):
        refused = credo("train", "--features", tmp_path / "f.parquet", "--outcomes",
                        tmp_path / "o.parquet", *options, "--out", tmp_path / "m.json",
                        check=False)  # fmt: skip
        said = " ".join(refused.stderr.split())
        assert refused.returncode == 1 and f"{named}: for plain tables (--table) only" in said


def test_evaluate_audits_the_policy_the_model_was_trained_under():
    """An EU model's disability and sexual orientation went unaudited: evaluate's --policy
    defaulted to the US list whatever the model's."""
    from credo.commands import evaluate as command
    from credo.commands.evaluate import _trained_policy

    assert _trained_policy({"policy": "eu"}, False) == "eu"
    assert _trained_policy({}, False) == "us"
    with command.console.capture() as captured:
        assert _trained_policy({"policy": "bank-x"}, True) == "us"  # columns named: unused
    assert captured.get() == ""
    with command.console.capture() as captured:
        assert _trained_policy({"policy": "bank-x"}, False) == "us"  # a file of its own
    assert "give that file with --policy FILE" in " ".join(captured.get().split())


def test_every_verb_has_help():
    for verb in (["train"], ["score"], ["model", "show"], ["model", "sql"]):
        result = credo(*verb, "--help")
        assert "Usage" in result.stdout and len(result.stdout) > 200
    # a flag is shown as one (`--json <bool>` read as if it took a value: `--json true`)
    for verb, option in ((["train"], "--challenger"), (["score"], "--with-dimensions")):
        shown = [line for line in credo(*verb, "--help").stdout.splitlines() if option in line]
        assert shown and "<bool>" not in shown[0], shown
    # and so is --help, on verbs and on groups of verbs
    for verb in ([], ["train"], ["model"], ["model", "show"], ["features"]):
        shown = [line for line in credo(*verb, "--help").stdout.splitlines() if "--help" in line]
        assert shown and "<bool>" not in shown[0], (verb, shown)


def test_help_paragraphs_wrap_to_the_terminal_and_keep_brackets():
    from credo.cli import reflowed

    doc = """Print [id,] a.

        Second paragraph, its lines
        wrapped in the source.
        """
    assert reflowed(doc) == "Print \\[id,] a.\n\nSecond paragraph, its lines wrapped in the source."
    wide = {**os.environ, "COLUMNS": "300"}

    def helped(*verb: str) -> str:
        done = subprocess.run([CREDO, *verb, "--help"], capture_output=True, text=True, env=wide)
        return done.stdout

    assert "computing [id,] [as_of,] score, pd, band" in helped("model", "sql")  # not markup
    # one line where the docstring broke it ("a plain table" / "with a 0/1 ...")
    assert "or a plain table with a 0/1 target column (--table T" in helped("train")
    assert "or migrate an older one to this credo's schema version" in helped()


def test_feature_table_path_train_score_and_sql(tmp_path):
    from credo.features.table import FeatureMeta, write_feature_table

    X, y, meta = constructed(n=3000)
    users = [f"u{i:05d}" for i in range(len(X))]
    as_of = pd.Timestamp("2025-06-01", tz="UTC")
    columns = {"user_id": users, "as_of": [as_of] * len(X)}
    columns.update({name: X[name].to_numpy(dtype=float, copy=True) for name in X.columns})
    # u00011: events, but none any feature reads (each missing, or at its no-data value)
    for name, m in zip(X.columns, meta, strict=True):
        columns[name][11] = np.nan if m.no_data is None else m.no_data
    columns["prov_sources"] = ["card"] * len(X)
    columns["prov_events"] = [0 if i == 7 else 40 for i in range(len(X))]  # u00007: none
    table = pa.table(columns)
    metas = [
        FeatureMeta(
            name=m.name,
            dimension=m.dimension,
            description=m.name.replace("_", " "),
            reason=m.reason,
            direction=m.direction or "",
            no_data=m.no_data,
            sources=("card",),
            # where the reason turns true: carried from the table into the model file
            reason_bound=1.0 if m.direction == "higher_is_riskier" else None,
        )
        for m in meta
    ]
    features = write_feature_table(
        table,
        tmp_path / "features.parquet",
        metas,
        catalog_version="test",
        policy="us",
        provenance_columns=["prov_sources", "prov_events"],
    )
    outcomes = tmp_path / "outcomes.parquet"
    pq.write_table(pa.table({"user_id": users, "as_of": [as_of] * len(X), "bad": y}), outcomes)
    model = tmp_path / "model.json"
    trained = credo(
        "train", "--features", features, "--outcomes", outcomes, "--scale", "sesame", "--out", model
    )
    said = " ".join(trained.stdout.split())
    assert "1 person was left out of training: no event from a source they consented" in said
    artifact = load_model(model)
    assert artifact.training["kind"] == "features"
    assert artifact.training["unscorable_rows"] == 1 and artifact.training["rows"] == len(X) - 1
    assert artifact.scorecard.scale_.name == "sesame"
    shown = " ".join(credo("model", "show", model, "--no-bins").stdout.split())
    assert "Poor 较差 350-549" in shown and "Excellent 极好 700-950" in shown
    assert "rows left out │ 1 unscorable (no consented data)" in shown
    reasons = {artifact.scorecard.meta_[n]["reason"] for n in artifact.features}
    assert reasons <= {m.reason for m in meta}
    bounds = {m.name: m.reason_bound for m in metas}
    assert {n: artifact.scorecard.meta_[n]["reason_bound"] for n in artifact.features} == {
        n: bounds[n] for n in artifact.features
    }
    assert 1.0 in {bounds[n] for n in artifact.features}
    out = tmp_path / "scores.csv"
    scored = credo("score", "--model", model, "--features", features, "--out", out)
    said = " ".join(scored.stderr.split())
    assert (
        "2 rows have no event from a consented source in what the model reads (e.g. u00007,"
        " u00011)" in said
    )
    assert "repeat a person" not in said
    # two dates for each person: the unscorable named once each; a row twice: warned of
    later = table.set_column(
        table.column_names.index("as_of"), "as_of",
        pa.array([pd.Timestamp("2025-07-01", tz="UTC")] * len(X)),
    )  # fmt: skip
    for name, rows in (("dates", [table, later]), ("again", [table, table.slice(3, 1)])):
        path = write_feature_table(
            pa.concat_tables(rows), tmp_path / f"{name}.parquet", metas, catalog_version="test",
            policy="us", provenance_columns=["prov_sources", "prov_events"],
        )  # fmt: skip
        again = credo("score", "--model", model, "--features", path, "--out", tmp_path / "x.csv")
        told = " ".join(again.stderr.split())
        unscorable = 4 if name == "dates" else 2
        assert f"{unscorable} rows have no event" in told and "(e.g. u00007, u00011)" in told
        repeated = "1 row(s) of the feature table repeat a person and date of an earlier row"
        assert (repeated in told) == (name == "again"), told
        assert name == "dates" or "(e.g. u00003 as of 2025-06-01)" in told
    scores = pd.read_csv(out)
    assert scores["id"].tolist() == users
    # u00007 and u00011 are unscorable: no score, pd or reasons but the no-data code
    for user in ("u00007", "u00011"):
        unscored = scores.loc[scores["id"] == user].iloc[0]
        assert pd.isna(unscored["score"]) and pd.isna(unscored["pd"])
        assert pd.isna(unscored["reason_2"])
        assert (unscored["band"], unscored["reason_1"]) == ("Unscorable", "R00")
    assert scores["score"].notna().sum() == len(X) - 2
    # the training figures are of the people the model scores, as evaluation's are
    scored = scores["score"].notna().to_numpy()
    auc = roc_auc_score(np.asarray(y)[scored], scores["pd"].to_numpy()[scored])
    assert artifact.metrics["train"]["auc"] == pytest.approx(auc, abs=1e-9)
    sql = credo("model", "sql", model, "--table", "people").stdout
    con = duckdb.connect()
    con.execute(f"CREATE VIEW people AS SELECT * FROM read_parquet('{features}')")
    got = con.execute(sql).df().sort_values("id").reset_index(drop=True)
    assert got["id"].tolist() == users
    assert got.columns.tolist()[:3] == ["id", "as_of", "score"]  # which date each score is for
    assert (pd.to_datetime(got["as_of"], utc=True) == as_of).all()
    assert got["score"].fillna(-1).tolist() == scores["score"].fillna(-1).tolist()
    for column in ("band", "reason_1", "reason_2"):
        assert as_list(got[column]) == as_list(scores[column]), column
    # Parquet: reason columns are text even where no row has one (reason_5 here)
    parquet = tmp_path / "scores.parquet"
    credo("score", "--model", model, "--features", features, "--with-texts", "--out", parquet)
    schema = pq.read_schema(parquet)
    text = [n for n in schema.names if n.startswith("reason_") or n == "band"]
    assert "band" in text and {str(schema.field(n).type) for n in text} == {"string"}
    # the dimension breakdown: the dimensions' points add up to the score (but where sesame's
    # 350-950 clips it)
    dims = tmp_path / "dimensions.csv"
    credo("score", "--model", model, "--features", features, "--with-dimensions", "--out", dims)
    by_dimension = pd.read_csv(dims)
    gained = [c for c in by_dimension.columns if c.startswith("points_") and not c.endswith("_max")]
    assert len(gained) >= 3 and {f"{c}_max" for c in gained} <= set(by_dimension.columns)
    scored_rows = by_dimension["score"].notna()
    total = by_dimension.loc[scored_rows, gained].sum(axis=1)
    score = by_dimension.loc[scored_rows, "score"]
    inside = (score > 350) & (score < 950)
    assert inside.sum() > len(score) / 2 and (total[inside] == score[inside]).all()
    assert (total[score == 350] <= 350).all() and (total[score == 950] >= 950).all()
    assert (
        by_dimension.loc[scored_rows, gained].to_numpy()
        <= by_dimension.loc[scored_rows, [f"{c}_max" for c in gained]].to_numpy()
    ).all()
    assert by_dimension.loc[~scored_rows, gained].isna().all().all()  # u00007: no points to give
    # evaluation leaves the unscorable out of every figure and says so
    figures = tmp_path / "eval.json"
    run = credo("evaluate", "--model", model, "--features", features, "--outcomes", outcomes,
                "--report", tmp_path / "eval.html", "--json", figures)  # fmt: skip
    said = " ".join((run.stdout + run.stderr).split())
    assert "2 people of whom the model reads no data from a consented source are unscorable" in said
    evaluated = json.loads(figures.read_text())
    assert "2 people with no data from a consented source in what the model reads left out" in (
        json.dumps(evaluated)
    )
    assert evaluated["data"]["rows"] == len(X) - 2
    # the same feature table with its outcome joined in, given as a plain table: the
    # unscorable's empty pd had stopped the evaluation ("pd has missing values")
    joined = tmp_path / "joined.parquet"
    pq.write_table(table.append_column("bad", pa.array(y)), joined)
    as_table = credo("evaluate", "--model", model, "--table", joined, "--target", "bad",
                     "--report", tmp_path / "t.html", "--json", tmp_path / "t.json")  # fmt: skip
    assert as_table.returncode == 0, as_table.stderr
    assert json.loads((tmp_path / "t.json").read_text())["data"]["rows"] == len(X) - 2

    # two dates for each person: the scores say which date each is for
    later = table.set_column(
        table.column_names.index("as_of"), "as_of", pa.array([as_of + pd.Timedelta(days=365)] *
        len(X), table["as_of"].type)
    )  # fmt: skip
    both = write_feature_table(
        pa.concat_tables([table, later]), tmp_path / "both.parquet", metas,
        catalog_version="test", policy="us", provenance_columns=["prov_sources", "prov_events"],
    )  # fmt: skip
    dated = tmp_path / "dated.csv"
    credo("score", "--model", model, "--features", both, "--out", dated)
    dated_scores = pd.read_csv(dated)
    assert dated_scores.columns.tolist()[:3] == ["id", "as_of", "score"]
    assert dated_scores["as_of"].nunique() == 2 and len(dated_scores) == 2 * len(X)

    # --exclude leaves features out here as it leaves columns out of a plain table
    left_out = artifact.features[0]
    fewer = tmp_path / "fewer.json"
    inputs = ("--features", features, "--outcomes", outcomes)
    credo("train", *inputs, "--exclude", left_out, "--out", fewer)
    assert left_out not in load_model(fewer).features
    assert left_out not in load_model(fewer).training["inputs"]
    kept_codes = load_model(fewer).scorecard.codes_  # a feature keeps its code
    assert kept_codes and all(kept_codes[n] == artifact.scorecard.codes_[n] for n in kept_codes)
    typo = credo("train", *inputs, "--exclude", "nosuch", "--out", fewer, check=False)
    assert typo.returncode == 1 and "nosuch" in typo.stderr

    # an outcomes file whose outcome is named otherwise: --target names it (it was ignored
    # beside --features, and "no 'bad' column" said nothing of what to do); --id is refused
    named = tmp_path / "named.csv"
    pd.read_parquet(outcomes).rename(columns={"bad": "default"}).to_csv(named, index=False)
    unnamed = credo("train", "--features", features, "--outcomes", named, "--out", fewer,
                    check=False)  # fmt: skip
    said = " ".join(unnamed.stderr.split())
    assert unnamed.returncode == 1 and "no 'bad' column (it has user_id, as_of, default)" in said
    assert "name its outcome column with --target" in said
    by_name = tmp_path / "by_name.json"
    credo("train", "--features", features, "--outcomes", named, "--target", "default",
          "--scale", "sesame", "--out", by_name)  # fmt: skip
    assert np.array_equal(load_model(by_name).scorecard.coef_, artifact.scorecard.coef_)
    assert load_model(by_name).training["target"] == "default"
    judged = tmp_path / "by_name.json.eval"
    credo("evaluate", "--model", by_name, "--features", features, "--outcomes", named,
          "--report", tmp_path / "n.html", "--json", judged)  # fmt: skip
    # the report names the outcomes file's column, not the "bad" it is renamed to inside
    assert json.loads(judged.read_text())["data"]["outcome"].startswith("bad: default = 1;")
    with_id = credo("train", *inputs, "--id", "user_id", "--out", fewer, check=False)
    assert with_id.returncode == 1 and "--id is for plain tables" in with_id.stderr

    # a table built under another policy (other sources, features, negative-data horizon)
    other = write_feature_table(
        table,
        tmp_path / "cn.parquet",
        metas,
        catalog_version="test",
        policy="cn",
        provenance_columns=["prov_sources"],
    )
    for verb in (
        ["score", "--model", model, "--features", other, "--out", tmp_path / "s.csv"],
        # the same table named as a plain one: the same features, the same check
        ["score", "--model", model, "--table", other, "--id", "user_id", "--out",
         tmp_path / "s.csv"],
        ["evaluate", "--model", model, "--features", other, "--outcomes", outcomes,
         "--report", tmp_path / "r.html"],
        ["train", "--features", other, "--outcomes", outcomes, "--policy", "us",
         "--out", tmp_path / "m2.json"],
    ):  # fmt: skip
        refused = credo(*verb, check=False)
        said = " ".join(refused.stderr.split())
        assert refused.returncode == 1 and "was built under policy 'cn'" in said, verb[0]
        assert "credo features --policy us" in said
    credo("train", "--features", other, "--outcomes", outcomes, "--out", tmp_path / "m3.json")
    assert load_model(tmp_path / "m3.json").training["policy"] == "cn"  # the table's own
    # outcomes for some of the table's people: the others are not the sample, and it is said
    some = tmp_path / "some.parquet"
    pq.write_table(pq.read_table(outcomes).slice(0, 2000), some)
    part = credo("train", "--features", features, "--outcomes", some, "--out", tmp_path / "p.json")
    assert "note: 1,000 row(s) of the feature table have no outcome" in " ".join(
        part.stdout.split()
    )
    assert load_model(tmp_path / "p.json").training["unlabelled_rows"] == 1000

    # two policy files of one name with other rules: told apart by the rules, not the name
    from credo.policy import load_policy
    from credo.policy.policy import policy_from_dict

    rules = load_policy("us").to_dict()
    first, second = tmp_path / "bank-x.json", tmp_path / "bank-x-2.json"
    first.write_text(json.dumps({**rules, "name": "bank-x", "title": "one"}))
    second.write_text(json.dumps({**rules, "name": "bank-x", "negative_data_months": 24}))
    assert load_policy(first).rules != load_policy(second).rules
    retitled = {**rules, "name": "bank-x", "title": "another", "notes": "x"}
    assert load_policy(first).rules == policy_from_dict(retitled).rules  # words alone: alike
    banked = write_feature_table(
        table, tmp_path / "bank-x.parquet", metas, catalog_version="test", policy="bank-x",
        provenance_columns=["prov_sources"], policy_rules=load_policy(first).rules,
    )  # fmt: skip
    banked_model = tmp_path / "m4.json"
    credo("train", "--features", banked, "--outcomes", outcomes, "--policy", first,
          "--out", banked_model)  # fmt: skip
    assert load_model(banked_model).training["policy_rules"] == load_policy(first).rules
    credo("score", "--model", banked_model, "--features", banked, "--out", tmp_path / "s.csv")
    rebanked = write_feature_table(
        table, tmp_path / "bank-x-2.parquet", metas, catalog_version="test", policy="bank-x",
        provenance_columns=["prov_sources"], policy_rules=load_policy(second).rules,
    )  # fmt: skip
    for verb in (
        ["score", "--model", banked_model, "--features", rebanked, "--out", tmp_path / "s.csv"],
        ["evaluate", "--model", banked_model, "--features", rebanked, "--outcomes", outcomes,
         "--report", tmp_path / "r.html"],
        ["train", "--features", rebanked, "--outcomes", outcomes, "--policy", first,
         "--out", tmp_path / "m5.json"],
    ):  # fmt: skip
        refused = credo(*verb, check=False)
        said = " ".join(refused.stderr.split())
        assert refused.returncode == 1, (verb[0], said)
        assert "built under a policy named 'bank-x' whose rules differ" in said, verb[0]

    # a table of another feature catalog: a feature whose meaning changed would be scored by
    # the other's bins (no loan on file became -1 where it was 0)
    assert artifact.training["catalog_version"] == "test"
    newer = write_feature_table(
        table, tmp_path / "newer.parquet", metas, catalog_version="test-2", policy="us",
        provenance_columns=["prov_sources", "prov_events"],
    )  # fmt: skip
    for verb in (
        ["score", "--model", model, "--features", newer, "--out", tmp_path / "s.csv"],
        ["evaluate", "--model", model, "--features", newer, "--outcomes", outcomes,
         "--report", tmp_path / "r.html"],
    ):  # fmt: skip
        refused = credo(*verb, check=False)
        said = " ".join(refused.stderr.split())
        assert refused.returncode == 1, verb[0]
        assert (
            "built with feature catalog test-2, the model was trained on features of catalog test"
            in said
        )
    # a model written before it recorded its catalog was trained on catalog 1.4 or earlier:
    # a table of 1.5 is refused, one of 1.3 taken as it was
    unrecorded = load_model(model)
    del unrecorded.training["catalog_version"]
    save_model(unrecorded, tmp_path / "old.json")
    for version, refuses in (("1.5", True), ("1.3", False)):
        built = write_feature_table(
            table, tmp_path / f"c{version}.parquet", metas, catalog_version=version,
            policy="us", provenance_columns=["prov_sources", "prov_events"],
        )  # fmt: skip
        ran = credo("score", "--model", tmp_path / "old.json", "--features", built,
                    "--out", tmp_path / "s.csv", check=False)  # fmt: skip
        said = " ".join(ran.stderr.split())
        assert (ran.returncode == 1) == refuses, (version, said)
        assert ("trained on features of catalog 1.4 or earlier" in said) == refuses
    # a Parquet file that is no feature table at all: said so, not called an old one
    plain = tmp_path / "plain.parquet"
    pq.write_table(pa.table({"user_id": users[:5], "x": [1.0] * 5}), plain)
    ran = credo("score", "--model", model, "--features", plain, "--out", tmp_path / "s.csv",
                check=False)  # fmt: skip
    said = " ".join(ran.stderr.split())
    assert ran.returncode == 1 and "catalog" not in said and "no credo metadata" in said, said
    # a table that names no catalog: as old as the catalogs before tables named theirs
    nameless = pq.read_table(features)
    told = json.loads(nameless.schema.metadata[b"credo"])
    del told["catalog_version"]
    nameless = nameless.replace_schema_metadata({b"credo": json.dumps(told).encode()})
    pq.write_table(nameless, tmp_path / "nameless.parquet")
    for trained_on, refuses in ((model, True), (tmp_path / "old.json", False)):
        ran = credo("score", "--model", trained_on, "--features", tmp_path / "nameless.parquet",
                    "--out", tmp_path / "s.csv", check=False)  # fmt: skip
        said = " ".join(ran.stderr.split())
        assert (ran.returncode == 1) == refuses, (trained_on, said)
        assert ("catalog 1.4 or earlier (the table names none)" in said) == refuses

    # outcomes as words, named by --bad-value, on the feature-table path as on a plain table
    words = tmp_path / "words.csv"
    pd.DataFrame(
        {"user_id": users, "as_of": [as_of] * len(X), "bad": np.where(y == 1, "yes", "no")}
    ).to_csv(words, index=False)
    unnamed = credo("train", "--features", features, "--outcomes", words, "--out", fewer,
                    check=False)  # fmt: skip
    assert unnamed.returncode == 1 and "--bad-value" in unnamed.stderr
    named = tmp_path / "named.json"
    credo("train", "--features", features, "--outcomes", words, "--bad-value", "yes",
          "--out", named)  # fmt: skip
    assert load_model(named).metrics["train"] == artifact.metrics["train"]


def test_challenger_is_stored_in_the_artifact(tmp_path):
    from credo.model.artifact import save_model
    from credo.model.training import load_table_training, train_model

    data = load_table_training(GERMAN, "bad", exclude=PROTECTED)
    artifact = train_model(data, challenger=True, policy="us")
    assert {"holdout", "train", "challenger_holdout"} <= set(artifact.metrics)
    path = tmp_path / "model.json"
    save_model(artifact, path)
    loaded = load_model(path)
    challenger = loaded.challenger_model()
    X = pd.read_csv(GERMAN)
    p = challenger.predict_proba(X[challenger.features_])[:, 1]
    assert p.shape == (1000,) and np.all((p > 0) & (p < 1))
    # The saved model still scores with the scorecard, not the challenger.
    assert loaded.score_table(X)["score"].tolist() == artifact.score_table(X)["score"].tolist()


def test_monotonic_choice_reaches_the_bins(tmp_path):
    from credo.commands.model import MONOTONIC_CHOICES
    from credo.model.binning import MONOTONIC_CHOICES as BINNING_CHOICES

    assert MONOTONIC_CHOICES == BINNING_CHOICES
    german = ["train", "--table", GERMAN, "--target", "bad", *EXCLUDE]
    model = tmp_path / "model.json"
    credo(*german, "--out", model)
    card = load_model(model).scorecard
    assert card.monotonic == "auto_bend"  # the default
    # German's loan amount is U-shaped and strong: a bend is what auto_bend is for
    assert card.bins_["credit_amount"].monotonic in ("peak", "valley")
    credo(*german, "--monotonic", "auto", "--out", model)
    card = load_model(model).scorecard
    assert card.monotonic == "auto"
    assert card.bins_["credit_amount"].monotonic in ("ascending", "descending")
    refused = credo(*german, "--monotonic", "sideways", "--out", tmp_path / "no.json", check=False)
    assert refused.returncode != 0 and "auto_bend" in refused.stderr


def test_a_loan_book_export_with_text_outcomes_dates_and_percentages(tmp_path):
    rng = np.random.default_rng(8)
    n = 3_000
    rate = rng.uniform(5, 30, n)
    y = rng.random(n) < 1 / (1 + np.exp(4.0 - 0.15 * rate))
    table = pd.DataFrame(
        {
            "member_id": [f"m{i:06d}" for i in range(n)],
            "int_rate": [f"{r:.2f}%" for r in rate],
            "issue_d": (pd.Timestamp("2016-01-01") + pd.to_timedelta(rng.integers(0, 900, n), "D"))
            .strftime("%Y-%m-%d")
            .tolist(),
            "loan_status": np.where(y, "Charged Off", "Fully Paid"),
        }
    )
    running = rng.random(n) < 0.1  # loans still running: no outcome yet
    table.loc[running, "loan_status"] = "Current"
    path = tmp_path / "loans.csv"
    table.to_csv(path, index=False)
    model = tmp_path / "model.json"
    refused = credo(
        "train", "--table", path, "--target", "loan_status", "--out", model, check=False
    )
    assert refused.returncode == 1
    assert "--bad-value" in refused.stderr and "'Charged Off' (" in refused.stderr
    assert not model.exists()
    result = credo(
        "train",
        "--table",
        path,
        "--target",
        "loan_status",
        "--bad-value",
        "Charged Off",
        "--good-value",
        "Fully Paid",
        "--id",
        "member_id",
        "--out",
        model,
    )
    assert "a date or time" in result.stdout
    assert f"{int(running.sum()):,} rows whose outcome is neither" in result.stdout
    artifact = load_model(model)
    assert artifact.training["rows"] == n - int(running.sum())
    assert artifact.features == ["int_rate"]  # read as a number, binned as one
    assert artifact.scorecard.bins_["int_rate"].kind == "numeric"
    assert artifact.training["bad_values"] == ["Charged Off"]
    assert artifact.metrics["holdout"]["auc"] > 0.65
    scores = tmp_path / "scores.csv"
    credo("score", "--model", model, "--table", path, "--id", "member_id", "--out", scores)
    scored = pd.read_csv(scores)
    assert scored["id"].tolist() == table["member_id"].tolist()  # every row is scored
    assert scored.groupby(table["loan_status"])["pd"].mean()["Charged Off"] > scored["pd"].mean()
    # the SQL reads the percentages as training did, from the file as DuckDB loads it (text)
    assert artifact.training["text_numbers"] == {"int_rate": "percent"}
    sql = credo("model", "sql", model, "--table", "loans").stdout
    con = duckdb.connect()
    con.execute(f"CREATE VIEW loans AS SELECT * FROM read_csv('{path}', all_varchar = true)")
    by_sql = con.execute(sql).df().set_index("id").loc[scored["id"]]
    assert by_sql["score"].tolist() == scored["score"].tolist()
    assert as_list(by_sql["reason_1"]) == as_list(scored["reason_1"])
    report = tmp_path / "report.html"
    out = tmp_path / "figures.json"
    # evaluate reads the outcome with the values the model was trained with
    credo("evaluate", "--model", model, "--table", path, "--target", "loan_status",
          "--report", report, "--json", out)  # fmt: skip
    html = report.read_text()
    assert "issue_d" in html  # the committee sees what was left out, and why
    assert "loan_status is &#39;Charged Off&#39;; good: &#39;Fully Paid&#39;" in html
    assert f"{int(running.sum()):,} rows with another outcome or none left out" in html
    figures = json.loads(out.read_text())["data"]
    assert figures["rows"] == n - int(running.sum())
    assert figures["bads"] == int((y & ~running).sum())


def test_a_target_of_many_values_read_by_its_bad_value_alone_is_told(tmp_path):
    rng = np.random.default_rng(5)
    n = 2_000
    rate = rng.uniform(5, 30, n)
    bad = rng.random(n) < 1 / (1 + np.exp(4.0 - 0.15 * rate))
    status = np.where(bad, "Charged Off", "Fully Paid").astype(object)
    others = ["Current", "Late (31-120 days)", "In Grace Period", "Default", "Issued"]
    running = rng.random(n) < 0.3
    status[running] = rng.choice(others, int(running.sum()), p=[0.7, 0.1, 0.1, 0.05, 0.05])
    status[:3] = "Does not meet the credit policy. Status:Charged Off"
    path = tmp_path / "loans.csv"
    pd.DataFrame({"int_rate": rate, "loan_status": status}).to_csv(path, index=False)
    base = ["train", "--table", path, "--target", "loan_status", "--bad-value", "Charged Off"]
    said = " ".join(credo(*base, "--out", tmp_path / "m.json").stdout.split())
    counts = pd.Series(status).value_counts()
    assert (
        f"note: loan_status holds 8 values, read as bad: 'Charged Off' ({counts['Charged Off']:,});"
        in said
    )
    good = counts.drop("Charged Off")
    shown = ", ".join(f"{v!r} ({r:,})" for v, r in good.head(4).items())
    assert f"as good, every other: {shown} and 3 more ({good.iloc[4:].sum():,} rows)" in said
    assert "'Does not meet the credit policy. Status:Charged Off'" in said
    assert "'Default'" in said and "count as good though worded as bad" in said
    assert "--good-value 'Fully Paid'" in said
    # named good values, or a target of two values, leave nothing to tell
    named = credo(*base, "--good-value", "Fully Paid", "--out", tmp_path / "n.json").stdout
    assert "note:" not in named
    two = tmp_path / "two.csv"
    pd.DataFrame(
        {"int_rate": rate, "loan_status": np.where(bad, "Charged Off", "Fully Paid")}
    ).to_csv(two, index=False)
    only_two = credo(*base[:2], two, *base[3:], "--out", tmp_path / "t.json").stdout
    assert "note:" not in only_two


def test_a_german_bureau_export_s_dates_are_left_out_as_dates(tmp_path):
    rng = np.random.default_rng(7)
    n = 1_500
    born = pd.Timestamp("1940-01-01") + pd.to_timedelta(rng.integers(0, 22_000, n), "D")
    since = pd.Timestamp("1985-01-01") + pd.to_timedelta(rng.integers(0, 12_000, n), "D")
    amount = rng.uniform(500, 20_000, n)
    # older clients and long-standing ones default less: binned as text, the dates would fit it
    risk = -1.5 + (born.year.to_numpy() - 1970) / 15 - (2020 - since.year.to_numpy()) / 20
    bad = (rng.random(n) < 1 / (1 + np.exp(-risk))).astype(int)
    frame = pd.DataFrame(
        {
            "geburtsdatum": born.strftime("%d.%m.%Y"),
            "kunde_seit": since.strftime("%m/%Y"),
            "betrag": [
                f"{a:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".") for a in amount
            ],
            "ausfall": bad,
        }
    )
    path = tmp_path / "schufa.csv"
    frame.to_csv(path, sep=";", index=False)
    model = tmp_path / "m.json"
    trained = credo(
        "train", "--table", path, "--target", "ausfall", "--min-iv", "0", "--out", model
    )
    said = " ".join(trained.stdout.split())
    assert f"{DATE_REASON}: geburtsdatum, kunde_seit" in said
    artifact = load_model(model)
    assert artifact.features == ["betrag"]  # "1.234,50" read as a number, not a date
    assert artifact.training["text_numbers"] == {"betrag": "grouped_decimal_comma"}


def test_a_loan_export_with_a_title_line_is_told_without_pandas_warnings(tmp_path):
    rows = 270_000  # more than a block pandas types at once
    path = tmp_path / "LoanStats3a.csv"
    with open(path, "w") as handle:
        handle.write(
            "Notes offered by Prospectus (https://www.lendingclub.com/info/prospectus.action)\n"
        )
        # the header, read as a row, puts text in the first block of each column and not in
        # the next: pandas warned of the last column's mixed types
        handle.write("loan_status,int_rate,loan_amnt\n")
        handle.writelines(f"Fully Paid,{10 + i % 13}.5%,{5000 + i % 97}\n" for i in range(rows))
        handle.write("\nTotal amount funded in policy code 1: 1000\n")
    args = ["--target", "loan_status", "--bad-value", "Charged Off", "--out", tmp_path / "m.json"]
    refused = credo("train", "--table", path, *args, check=False)
    assert refused.returncode == 1
    assert "Warning" not in refused.stderr and "pandas" not in refused.stderr, refused.stderr
    said = " ".join(refused.stderr.split())
    assert "the file reads as one column, while line 2 holds 3 fields" in said, said
    assert "delete the lines above it" in said


def test_rows_of_fewer_fields_than_the_header_are_named(trained, tmp_path):
    """A row cut to 10 of its 21 fields scored 135 points lower without a word, and a file
    cut off mid-row scored its last row."""
    import csv

    model, _ = trained
    with GERMAN.open(newline="") as handle:
        records = list(csv.reader(handle))
    records[3] = records[3][:10]  # line 4 of the file
    records[-1] = records[-1][:2]  # a file cut off mid-row
    cut = tmp_path / "cut.csv"
    with cut.open("w", newline="") as handle:
        csv.writer(handle).writerows(records)
    scored = credo("score", "--model", model, "--table", cut, "--out", tmp_path / "s.csv")
    said = " ".join(scored.stderr.split())
    fields = len(records[0])
    assert f"2 row(s) hold fewer fields than the header: line 4 (10 of {fields})" in said, said
    assert f"line {len(records):,} (2 of {fields})" in said
    trained_on = credo("train", "--table", cut, "--target", "bad", *EXCLUDE, "--out",
                       tmp_path / "m.json", check=False)  # fmt: skip
    assert "hold fewer fields than the header" in " ".join(
        (trained_on.stdout + trained_on.stderr).split()
    )
    # every field there, the last ones empty: no such row
    with GERMAN.open(newline="") as handle:
        records = list(csv.reader(handle))
    for record in records[1:4]:
        record[-1] = ""
    whole = tmp_path / "whole.csv"
    with whole.open("w", newline="") as handle:
        csv.writer(handle).writerows(records)
    scored = credo("score", "--model", model, "--table", whole, "--out", tmp_path / "s.csv")
    assert "fewer fields" not in scored.stderr


def test_an_input_written_another_way_is_named_though_the_scores_look_stable(trained, tmp_path):
    """A German export's credit amounts, 1.169 for 1,169, read as 1.169: every amount in its
    lowest bin (the column's PSI 8.3), scores moved up to 80 points, and neither `score` nor
    `evaluate` (score PSI 0.034: "stable") said so."""
    model, _ = trained
    german = pd.read_csv(GERMAN)
    amounts = german["credit_amount"].map(lambda v: f"{v:,}".replace(",", "."))
    export = tmp_path / "export.csv"
    german.assign(credit_amount=amounts).to_csv(export, sep=";", index=False)
    scored = credo("score", "--model", model, "--table", export, "--out", tmp_path / "s.csv")
    said = " ".join(scored.stderr.split())
    assert "these inputs hold their values in other ranges than at training" in said, said
    assert "credit_amount (PSI" in said and "duration_in_month" not in said
    figures = tmp_path / "e.json"
    credo("evaluate", "--model", model, "--table", export, "--target", "bad",
          "--report", tmp_path / "r.html", "--json", figures)  # fmt: skip
    checks = {c["name"]: c for c in json.loads(figures.read_text())["checks"]}
    population = checks["Population like the training population"]
    assert population["status"] == "flag" and "credit_amount (" in population["detail"]
    # on 150 rows, where the score's PSI cannot tell: the column is named all the same
    few = tmp_path / "few.csv"
    pd.read_csv(export, sep=";", dtype=str).head(150).to_csv(few, sep=";", index=False)
    credo("evaluate", "--model", model, "--table", few, "--target", "bad",
          "--report", tmp_path / "r.html", "--json", figures)  # fmt: skip
    checks = {c["name"]: c for c in json.loads(figures.read_text())["checks"]}
    population = checks["Population like the training population"]
    assert population["status"] == "flag" and "credit_amount (" in population["detail"]
    # the file as trained on: nothing said
    scored = credo("score", "--model", model, "--table", GERMAN, "--out", tmp_path / "s.csv")
    assert "other ranges" not in scored.stderr


def test_evaluate_tells_of_a_title_line_above_the_header(trained, tmp_path):
    model, _ = trained
    titled = tmp_path / "titled.csv"
    titled.write_text("Notes offered by Prospectus\n" + GERMAN.read_text())
    refused = credo("evaluate", "--model", model, "--table", titled, "--target", "bad",
                    "--report", tmp_path / "r.html", check=False)  # fmt: skip
    said = " ".join(refused.stderr.split())
    assert refused.returncode == 1 and "no target column" in said, said
    assert "the file reads as one column, while line 2 holds 21 fields" in said, said
    # a title padded to the table's width with delimiters, as a spreadsheet saves one
    padded = tmp_path / "padded.csv"
    padded.write_text("Loan book export" + "," * 20 + "\n" + GERMAN.read_text())
    for verb in (["score", "--out", tmp_path / "s.csv"],
                 ["evaluate", "--target", "bad", "--report", tmp_path / "r.html"]):  # fmt: skip
        refused = credo(verb[0], "--model", model, "--table", padded, *verb[1:], check=False)
        said = " ".join(refused.stderr.split())
        assert refused.returncode == 1, said
        assert "its first line fills one field of 21 (a title above the table)" in said, said


def test_a_blank_outcome_is_listed_as_blank(tmp_path):
    path = tmp_path / "loans.csv"
    path.write_text(
        "x,loan_status\n1,Fully Paid\n2,\n3,Current\n4,Fully Paid\n5,Current\n6,Fully Paid\n"
    )
    args = [
        "--bad-value",
        "Charged Off",
        "--good-value",
        "Fully Paid",
        "--out",
        tmp_path / "m.json",
    ]
    refused = credo("train", "--table", path, "--target", "loan_status", *args, check=False)
    said = " ".join(refused.stderr.split())
    assert "its values are 'Fully Paid' (3), 'Current' (2), blank (1)" in said
    assert "nan" not in said


def test_sentinels_and_codes_of_a_plain_table(tmp_path):
    rng = np.random.default_rng(9)
    n = 4_000
    days = rng.integers(0, 10_000, n).astype(float)
    retired = rng.random(n) < 0.15
    days[retired] = 365243  # the sentinel: not employed, no days to count
    code = rng.integers(1, 5, n)  # risk not in code order: 3 is the riskiest
    risk = -2.0 - days / 10_000 + np.where(retired, 1.2, 0) + np.where(code == 3, 1.0, 0)
    y = (rng.random(n) < 1 / (1 + np.exp(-risk))).astype(int)
    path = tmp_path / "t.csv"
    text = ["-999", "a"] * (n // 2)
    # an index column (gapless: an identifier, left out) that holds -999 and 365243 as rows
    index = np.arange(-1000, n - 1000)
    index[[0, 1]] = index[[1, 0]]
    table = pd.DataFrame(
        {"row": index, "days_employed": days, "code": code, "text": text, "bad": y}
    )
    table.to_csv(path, index=False)
    model = tmp_path / "m.json"
    credo(
        "train",
        "--table",
        path,
        "--target",
        "bad",
        "--special",
        "days_employed=365243",
        "--special",
        "-999",
        "--categorical",
        "code",
        "--min-iv",
        "0",
        "--out",
        model,
    )
    bins = load_model(model).scorecard.bins_
    assert bins["days_employed"].kind == "numeric" and 365243.0 in bins["days_employed"].specials
    assert bins["code"].kind == "categorical"
    assert "-999" in bins["text"].specials  # a text column takes the every-column sentinel
    assert "row" not in bins  # the identifier holding -999 is left out, not refused
    for bad_option in (
        ["--special", "nope=1"],
        ["--special", "days_employed=abc"],
        ["--special", "row=5"],
        ["--categorical", "row"],
    ):
        args = ["train", "--table", path, "--target", "bad", *bad_option, "--out", model]
        refused = credo(*args, check=False)
        assert refused.returncode == 1 and bad_option[0] in refused.stderr
    said = " ".join(refused.stderr.split())
    assert "--categorical row: the column is left out of the model (" in said


def test_a_negative_code_given_with_special_is_not_said_to_be_ranked_without_codes(tmp_path):
    """--special months=-9 gives -9 its bin whatever --no-negative-codes says: the note had
    named it as a code that --no-negative-codes would rank as a number."""
    rng = np.random.default_rng(11)
    n = 3_000
    months = rng.integers(0, 60, n).astype(float)
    months[rng.random(n) < 0.1] = -9  # the bureaus' "no record"
    y = (rng.random(n) < 1 / (1 + np.exp(1.0 + months / 30))).astype(int)
    path = tmp_path / "t.csv"
    pd.DataFrame({"months": months, "bad": y}).to_csv(path, index=False)
    base = ["train", "--table", path, "--target", "bad", "--min-iv", "0"]
    unnamed = credo(*base, "--out", tmp_path / "a.json")
    assert "months -9; --no-negative-codes ranks them" in " ".join(unnamed.stdout.split())
    named = credo(*base, "--special", "months=-9", "--out", tmp_path / "b.json")
    assert "read as codes, each with a bin of its own" not in " ".join(named.stdout.split())
    assert -9.0 in load_model(tmp_path / "b.json").scorecard.bins_["months"].specials


def test_a_sentinel_far_beyond_a_column_s_values_is_named_with_the_option_to_give(tmp_path):
    rng = np.random.default_rng(10)
    n = 3_000
    days = -rng.integers(1, 17_913, n)
    days[rng.random(n) < 0.18] = 365243  # Home Credit's "not employed"
    risk = -2.0 + np.where(days > 0, -0.8, days / 10_000)
    table = pd.DataFrame(
        {
            "DAYS_EMPLOYED": days,
            "CNT_CHILDREN": np.where(rng.random(n) < 0.7, 0, rng.integers(1, 5, n)),
            "utilisation": np.minimum(rng.uniform(0, 1.3, n), 1.0).round(3),
            "TARGET": (rng.random(n) < 1 / (1 + np.exp(-risk))).astype(int),
        }
    )
    path = tmp_path / "application.csv"
    table.to_csv(path, index=False)
    base = ["train", "--table", path, "--target", "TARGET"]
    said = " ".join(credo(*base, "--out", tmp_path / "m.json").stdout.split())
    held = int((days == 365243).sum())
    assert (
        f"note: DAYS_EMPLOYED holds 365243 in {held:,} rows ({held / n:.0%}), far beyond its"
        f" other values ({days.min():,} to {days[days < 0].max():,})" in said
    )
    assert "give it a bin of its own with --special DAYS_EMPLOYED=365243;" in said
    assert said.count("note:") == 1  # not the children's zeros, nor the capped utilisation
    named = credo(*base, "--special", "DAYS_EMPLOYED=365243", "--out", tmp_path / "s.json")
    assert "note:" not in named.stdout


def test_the_held_out_check_leaves_out_the_identifiers_the_model_leaves_out(tmp_path):
    # a row number named neither id nor key is an identifier by having no gap, which a sample
    # of the rows loses: the held-out fit must still leave it out, as the model kept does
    table = pd.read_csv(GERMAN)
    table.insert(0, "customer", np.arange(1, len(table) + 1))
    source = tmp_path / "numbered.csv"
    table.to_csv(source, index=False)
    model = tmp_path / "m.json"
    credo("train", "--table", source, "--target", "bad", *EXCLUDE, "--challenger", "--out", model)
    numbered = load_model(model)
    assert "customer" in numbered.scorecard.dropped_
    assert "customer" not in numbered.features
    plain_model = tmp_path / "plain.json"
    credo(
        "train",
        "--table",
        GERMAN,
        "--target",
        "bad",
        *EXCLUDE,
        "--challenger",
        "--out",
        plain_model,
    )
    plain = load_model(plain_model)
    for check in ("holdout", "challenger_holdout"):
        assert numbered.metrics[check] == plain.metrics[check]
    assert "customer" not in numbered.challenger["features"]


def test_train_names_a_leak_and_warns_of_a_near_one(tmp_path):
    table = pd.read_csv(GERMAN)
    rng = np.random.default_rng(0)
    bad = table["bad"].to_numpy()
    flipped = bad ^ (rng.random(len(bad)) > 0.9)  # one in ten the other way
    table["near_leak"] = np.where(flipped, 100.0, 0.0) + rng.uniform(0, 50, len(bad)).round(2)
    table["leak"] = bad * 100.0 + rng.uniform(0, 50, len(bad)).round(2)
    source = tmp_path / "leaky.csv"
    table.to_csv(source, index=False)
    model = tmp_path / "m.json"
    trained = credo("train", "--table", source, "--target", "bad", *EXCLUDE, "--out", model)
    said = " ".join(trained.stdout.split())
    assert f"{SEPARATION_REASON}: leak" in said
    card = load_model(model).scorecard
    assert "leak" not in card.features_ and "near_leak" in card.features_
    assert f"warning: near_leak has an information value of {card.iv_['near_leak']:.3g}" in said
    # German's own features are not suspected; the near leak spreads the scores wider than
    # the scale, and that is said too
    assert said.count("has an information value of") == 1 and said.count("warning:") == 2
    assert "These scores spread wider than the scale's 300-850" in said


def test_a_held_out_auc_too_good_for_credit_names_the_strongest_features(tmp_path):
    rng = np.random.default_rng(6)
    n = 3_000
    rate = rng.uniform(5, 30, n)
    bad = rng.random(n) < 1 / (1 + np.exp(4.0 - 0.15 * rate))
    amount = rng.uniform(9_000, 11_000, n).round()
    # what a loan has repaid when the book is exported: known after the outcome; a few bads
    # repaid as much as goods did, so no separation leaves it out
    repaid = rng.uniform(0.9, 1.0, n)
    charged_off = bad & (rng.random(n) < 0.9)
    repaid[charged_off] = rng.uniform(0.05, 0.8, int(charged_off.sum()))
    table = pd.DataFrame(
        {
            "int_rate": rate,
            "total_rec_prncp": (amount * repaid).round(2),
            "annual_inc": rng.lognormal(11, 0.5, n).round(),
            "bad": bad.astype(int),
        }
    )
    path = tmp_path / "loans.csv"
    table.to_csv(path, index=False)
    model = tmp_path / "m.json"
    said = " ".join(
        credo("train", "--table", path, "--target", "bad", "--out", model).stdout.split()
    )
    artifact = load_model(model)
    auc = artifact.metrics["holdout"]["auc"]
    assert auc >= 0.95
    card = artifact.scorecard
    first = max(card.iv_, key=lambda name: card.iv_[name] if name in card.features_ else -1)
    assert first == "total_rec_prncp"
    assert (
        f"warning: the scorecard's held-out AUC is {auc:.3f}, where real credit scores seldom"
        " pass 0.85" in said
    )
    assert (
        f"first suspects, the strongest features: total_rec_prncp (IV {card.iv_[first]:.3g})"
        in said
    )
    assert "Leave out each one recorded after the outcome with --exclude" in said
    # without the leak, nothing to say
    honest = tmp_path / "honest.csv"
    table.drop(columns="total_rec_prncp").to_csv(honest, index=False)
    plain = credo("train", "--table", honest, "--target", "bad", "--out", tmp_path / "h.json")
    assert "held-out AUC is" not in plain.stdout


def test_people_no_consented_event_fed_are_left_out_and_not_all_of_them():
    from credo.model.unscorable import drop_unscorable

    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "prov_events": [5, 0, 7]})
    kept, y, left_out = drop_unscorable(frame, np.array([0, 1, 0]))
    assert kept["x"].tolist() == [1.0, 3.0] and y.tolist() == [0, 0] and left_out == 1
    with pytest.raises(ValueError, match="no event from a consented source fed any of the 3"):
        drop_unscorable(frame.assign(prov_events=0), np.array([0, 1, 0]))
    plain = pd.DataFrame({"x": [1.0]})  # no provenance: every row stays
    assert drop_unscorable(plain, np.array([1]))[2] == 0


def test_protected_names_are_matched_word_by_word_and_by_their_common_names():
    from credo.model.training import protected_inputs
    from credo.policy import load_policy

    columns = ["sex ", "Marital-Status", "maritalStatus", "income", "account_age_months"]
    columns += ["customer_gender", "ApplicantAge", "age_acc", "credit_age", "race_band"]
    columns += ["sex_female", "log_age", "age_months", "age_of_car", "foreign_worker_yes"]
    columns += ["applicant_age_at_application", "account_holder_age", "is_married", "dob"]
    columns += ["debt_age_days", "domain_age", "color_depth", "race_condition"]
    refused = protected_inputs(columns, load_policy("us").protected_attributes)
    # whose it is, how it is coded or measured stays protected; an account's or a car's age not
    assert refused == [
        "sex ",
        "Marital-Status",
        "maritalStatus",
        "customer_gender",
        "ApplicantAge",
        "race_band",
        "sex_female",
        "log_age",
        "age_months",
        "foreign_worker_yes",
        "applicant_age_at_application",
        "account_holder_age",
        "is_married",
        "dob",
    ]
    for policy, name in (("us", "gender"), ("eu", "ethnicity"), ("eu", "race"), ("cn", "gender")):
        assert protected_inputs([name, "income"], load_policy(policy).protected_attributes) == [
            name
        ], (policy, name)


def test_score_warns_of_ids_that_cannot_tell_rows_apart(trained, tmp_path):
    model, _ = trained
    table = pd.read_csv(GERMAN)
    table.insert(0, "cust", [f"{i:06d}" for i in range(len(table))])
    table.loc[:4, "cust"] = "000001"
    table.loc[9, "cust"] = None
    path = tmp_path / "ids.csv"
    table.to_csv(path, index=False)
    scored = credo("score", "--model", model, "--table", path, "--id", "cust",
                   "--out", tmp_path / "s.csv")  # fmt: skip
    said = " ".join((scored.stdout + scored.stderr).split())
    assert "1 row(s) have no 'cust' (row 10, counting the rows under the header" in said
    assert "fill in 'cust' there" in said
    assert "5 rows share their 'cust' with another row (e.g. '000001', 5 rows)" in said
    clean = credo("score", "--model", model, "--table", GERMAN, "--out", tmp_path / "c.csv")
    assert "warning" not in clean.stdout + clean.stderr


def test_score_warns_of_a_spreadsheets_totals_row(trained, tmp_path):
    model, _ = trained
    table = pd.read_csv(GERMAN)
    table.insert(0, "cust", [f"C{i:05d}" for i in range(len(table))])
    sums = {c: table[c].sum() if table[c].dtype.kind in "if" else "" for c in table.columns}
    path = tmp_path / "export.csv"
    pd.concat([table, pd.DataFrame([sums | {"cust": "Total"}])]).to_csv(path, index=False)
    scored = credo("score", "--model", model, "--table", path, "--id", "cust",
                   "--out", tmp_path / "s.csv")  # fmt: skip
    said = " ".join((scored.stdout + scored.stderr).split())
    assert "row 1,001 holds 'Total' in 'cust': it looks like a spreadsheet's summary" in said
    assert len(pd.read_csv(tmp_path / "s.csv")) == 1001  # scored all the same, as it says


def test_summary_labels_are_told_from_categories():
    from credo.model.columns import summary_rows

    labels = pd.DataFrame({"x": ["Sum", "summary", " Grand Total: ", "Sub-total", "total 2020"]})
    found = [(0, "x", "Sum"), (2, "x", "Grand Total:"), (3, "x", "Sub-total")]
    assert summary_rows(labels) == found
    # a category that many rows hold is no summary; nor is a number column
    many = pd.DataFrame({"kind": ["Total"] * 6 + ["Partial"] * 94, "n": range(100)})
    assert summary_rows(many) == []
    # a case whose category is "Total" (a small batch) has its other words; a totals row not
    cases = pd.DataFrame(
        {
            "repayment": ["Total", "Instalments", "Instalments", None],
            "purpose": ["car", "tv", "car", ""],
            "amount": [1.0, 2.0, 3.0, 6.0],
        }
    )
    ids = ["c1", "c2", "c3", "Total"]
    assert summary_rows(cases) == []
    assert summary_rows(cases, ids=ids) == [(3, "id", "Total")]
    # the id column in the frame as well as given apart
    assert summary_rows(cases.assign(cust=ids), ids=ids) == [(3, "id", "Total")]


def test_train_warns_of_ids_shared_by_training_rows(tmp_path):
    table = pd.read_csv(GERMAN)
    table.insert(0, "cust", [f"{i:06d}" for i in range(len(table))])
    path = tmp_path / "ids.csv"
    table.to_csv(path, index=False)
    args = ["--target", "bad", "--id", "cust", "--max-bins", "3", "--allow-protected"]
    clean = credo("train", "--table", path, *args, "--out", tmp_path / "a.json")
    assert "share their" not in clean.stdout + clean.stderr
    copies = pd.concat([table, table.iloc[:7]])  # a join or an export that doubled rows
    copies.to_csv(path, index=False)
    doubled = credo("train", "--table", path, *args, "--out", tmp_path / "b.json")
    said = " ".join((doubled.stdout + doubled.stderr).split())
    assert "14 rows share their 'cust' with another row (e.g. '000000', 2 rows)" in said
    assert "weighs twice in the fit" in said


def test_train_warns_when_the_features_learnt_noise(trained, tmp_path):
    rng = np.random.default_rng(5)
    n = 1200
    real = rng.normal(size=(n, 3))
    y = (rng.random(n) < 1 / (1 + np.exp(2 - real @ np.array([0.8, 0.5, 0.3])))).astype(int)
    columns = {f"r{i}": real[:, i] for i in range(3)}
    columns.update({f"noise{j}": rng.normal(size=n) for j in range(150)})
    path = tmp_path / "wide.csv"
    pd.DataFrame(columns).assign(bad=y).to_csv(path, index=False)
    wide = credo("train", "--table", path, "--target", "bad", "--out", tmp_path / "w.json")
    said = " ".join(wide.stdout.split())
    assert "ranks its training rows far better than held-out ones" in said
    assert "ranks its training rows" not in trained[1].stdout  # German credit: a fair gap


def test_the_standard_error_of_an_auc_follows_hanley_and_mcneil():
    from credo.model.training import auc_standard_error

    # AUC 0.8 on 50 bads and 50 goods: q1 = 0.8 / 1.2, q2 = 1.28 / 1.8
    assert auc_standard_error(0.8, 50, 50) == pytest.approx(0.04450, abs=1e-5)
    assert auc_standard_error(0.7, 14, 186) > auc_standard_error(0.7, 60, 340)


def test_score_takes_the_model_s_id_column_as_the_sql_does(tmp_path):
    table = pd.read_csv(GERMAN)
    table.insert(0, "cust", [f"c{i:05d}" for i in range(len(table))])
    path = tmp_path / "ids.csv"
    table.to_csv(path, index=False)
    model = tmp_path / "m.json"
    credo("train", "--table", path, "--target", "bad", "--id", "cust", *EXCLUDE, "--out", model)
    credo("score", "--model", model, "--table", path, "--out", tmp_path / "s.csv")
    scores = pd.read_csv(tmp_path / "s.csv")
    assert scores["id"].tolist() == table["cust"].tolist()  # not 0, 1, 2, ...
    con = duckdb.connect()
    con.execute(f"CREATE TABLE people AS SELECT * FROM read_csv('{path}')")
    sql = credo("model", "sql", model, "--table", "people").stdout
    by_sql = con.execute(sql).df().set_index("id")["score"]
    assert by_sql.loc[scores["id"]].tolist() == scores["score"].tolist()
    # a table without the column is numbered, as before
    table.drop(columns=["cust"]).to_csv(tmp_path / "plain.csv", index=False)
    credo("score", "--model", model, "--table", tmp_path / "plain.csv", "--out", tmp_path / "p.csv")
    assert pd.read_csv(tmp_path / "p.csv")["id"].tolist() == list(range(len(table)))


def test_a_column_training_kept_as_categories_is_read_as_text_when_scoring(tmp_path):
    rng = np.random.default_rng(3)
    n = 3000
    limit = rng.choice(["1,000", "2,500", "5,000", "unknown"], n)  # "unknown": categories
    risk = {"1,000": 1.0, "2,500": 0.3, "5,000": -0.5, "unknown": 0.8}
    y = (rng.random(n) < 1 / (1 + np.exp(2 - np.vectorize(risk.get)(limit)))).astype(int)
    table = pd.DataFrame({"cust": [f"c{i}" for i in range(n)], "limit": limit, "bad": y})
    table.to_csv(tmp_path / "t.csv", index=False)
    model = tmp_path / "m.json"
    credo("train", "--table", tmp_path / "t.csv", "--target", "bad", "--id", "cust",
          "--min-iv", "0", "--out", model)  # fmt: skip
    assert load_model(model).scorecard.bins_["limit"].kind == "categorical"
    credo("score", "--model", model, "--table", tmp_path / "t.csv", "--out", tmp_path / "a.csv")
    everyone = pd.read_csv(tmp_path / "a.csv").set_index("id")["score"]
    # a file without "unknown" would read as numbers: it is read as training read it
    some = table[table["limit"] != "unknown"].head(50)
    some.to_csv(tmp_path / "some.csv", index=False)
    credo("score", "--model", model, "--table", tmp_path / "some.csv", "--out", tmp_path / "b.csv")
    scored = pd.read_csv(tmp_path / "b.csv").set_index("id")["score"]
    assert scored.tolist() == everyone.loc[scored.index].tolist()


def test_common_spellings_of_protected_attributes_are_refused():
    from credo.model.training import protected_inputs
    from credo.policy import load_policy

    columns = ["birthdate", "yob", "ageband", "skin_colour", "civil_status", "sexo", "Vorname"]
    columns += ["first_name", "pregnant", "NAME_FAMILY_STATUS", "colour_of_car", "income"]
    for policy in ("us", "eu", "cn"):
        refused = protected_inputs(columns, load_policy(policy).protected_attributes)
        assert refused == columns[:-2], policy  # a car's colour and income are no person's


def test_a_target_that_makes_most_rows_bad_is_warned_of(tmp_path):
    rng = np.random.default_rng(2)
    n = 1500
    x = rng.normal(size=n)
    flag = np.where(rng.random(n) < 1 / (1 + np.exp(-(x - 2))), 1, -1)
    table = tmp_path / "minus.csv"
    pd.DataFrame({"x": x, "dflt": flag}).to_csv(table, index=False)
    refused = credo(
        "train", "--table", table, "--target", "dflt", "--out", tmp_path / "m.json", check=False
    )
    assert refused.returncode != 0 and "--bad-value '1'" in refused.stderr.replace("\n", " ")
    said = {}
    for value in ("-1", "1"):
        args = ("--table", table, "--target", "dflt", "--bad-value", value)
        said[value] = " ".join(credo("train", *args, "--out", tmp_path / "m.json").stdout.split())
    assert "of the rows are bad" in said["-1"]
    assert "check that --bad-value names the bad outcome" in said["-1"]
    assert "of the rows are bad" not in said["1"]


def test_an_output_that_cannot_be_written_is_refused_before_the_work(trained, tmp_path):
    model, _ = trained
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder")
    done = credo(
        "score", "--model", model, "--table", GERMAN, "--out", blocker / "s.csv", check=False
    )
    said = " ".join(done.stderr.split())
    assert done.returncode == 1 and "is a file, not a folder" in said and "Traceback" not in said


@pytest.mark.parametrize(
    ("raised", "code", "said"),
    [
        (RuntimeError("Query interrupted"), 130, "stopped: the output being written was left"),
        (SystemExit(130), 130, "stopped: the output being written was left"),  # Typer's Ctrl-C
        (OSError(28, "No space left on device"), 1, "error: could not read or write: No space"),
        (type("OutOfMemoryException", (Exception,), {})("x"), 1, "DuckDB ran out of memory"),
    ],
)
def test_a_stop_or_a_full_disk_is_one_line_not_a_traceback(monkeypatch, capsys, raised, code, said):
    from credo import cli

    def app():
        raise raised

    monkeypatch.setattr(cli, "app", app)
    with pytest.raises(SystemExit) as stop:
        cli.main()
    assert stop.value.code == code and said in capsys.readouterr().err
    monkeypatch.setattr(cli, "app", lambda: (_ for _ in ()).throw(RuntimeError("a bug")))
    with pytest.raises(RuntimeError, match="a bug"):  # other errors are not swallowed
        cli.main()


def test_a_missing_protected_file_is_named(trained, tmp_path):
    model, _ = trained
    done = credo("evaluate", "--model", model, "--table", GERMAN, "--target", "bad",
                 "--protected-file", tmp_path / "nope.parquet", "--report", tmp_path / "r.html",
                 check=False)  # fmt: skip
    said = " ".join(done.stderr.split())
    assert done.returncode == 1 and "nope.parquet: no such protected-attributes file" in said


def test_protected_attributes_come_from_a_csv_as_well(trained, tmp_path):
    """A CSV given as --protected-file failed with pyarrow's "Parquet magic bytes not found",
    naming neither the option nor what to do."""
    model, _ = trained
    german = pd.read_csv(GERMAN)
    ids = [f"{i:05d}" for i in range(len(german))]  # zeros kept: read as text on both sides
    table = tmp_path / "people.csv"
    german.drop(columns=PROTECTED).assign(user_id=ids).to_csv(table, index=False)
    attributes = tmp_path / "protected.csv"
    german[PROTECTED].assign(user_id=ids).to_csv(attributes, index=False)
    figures = tmp_path / "e.json"
    credo("evaluate", "--model", model, "--table", table, "--target", "bad",
          "--protected-file", attributes, "--protected", "foreign_worker",
          "--report", tmp_path / "r.html", "--json", figures)  # fmt: skip
    fairness = json.dumps(json.loads(figures.read_text())["fairness"])
    assert '"attribute": "foreign_worker"' in fairness
    assert '"group": "no", "count": 37' in fairness  # the 37 of German credit's 1,000
    garbled = tmp_path / "protected.parquet"
    garbled.write_text("user_id,sex\n00001,f\n")  # CSV under a Parquet name
    done = credo("evaluate", "--model", model, "--table", table, "--target", "bad",
                 "--protected-file", garbled, "--report", tmp_path / "r.html",
                 check=False)  # fmt: skip
    said = " ".join(done.stderr.split())
    assert done.returncode == 1 and said.startswith("error: --protected-file:")
    assert "Parquet or CSV" in said and "Traceback" not in said


def test_a_model_given_the_other_kind_of_input_says_which_it_needs(trained, tmp_path):
    model, _ = trained
    from credo.features.table import write_feature_table

    features, outcomes = tmp_path / "features.parquet", tmp_path / "outcomes.csv"
    when = pd.Timestamp("2025-01-01").date()
    rows = pa.table({"user_id": ["a", "b"], "as_of": pa.array([when] * 2, pa.date32())})
    write_feature_table(
        rows, features, [], catalog_version="1.5", policy="us", provenance_columns=[]
    )
    outcomes.write_text("user_id,as_of,bad\na,2025-01-01,1\nb,2025-01-01,0\n")
    for verb in (
        ("score", "--model", model, "--features", features, "--out", tmp_path / "s.csv"),
        ("evaluate", "--model", model, "--features", features, "--outcomes", outcomes,
         "--report", tmp_path / "r.html"),
    ):  # fmt: skip
        done = credo(*verb, check=False)
        said = " ".join(done.stderr.split())
        assert done.returncode == 1 and "column(s) the model needs" in said, said
        assert "trained on a plain table (german_credit.csv): give one with --table" in said
    # a plain table's outcome named otherwise is no name for the outcomes file's column
    other = load_model(model)
    other.training["target"] = "DEFAULT"
    save_model(other, tmp_path / "default.json")
    done = credo("evaluate", "--model", tmp_path / "default.json", "--features", features,
                 "--outcomes", outcomes, "--report", tmp_path / "r.html", check=False)  # fmt: skip
    said = " ".join(done.stderr.split())
    assert "give one with --table" in said and "no 'DEFAULT' column" not in said


def test_numbers_kept_text_by_a_code_are_named(tmp_path):
    """Years employed with "XNA" for 8 % of rows were binned as categories: 0 years, the
    riskiest, was pooled with 11-45 years and scored as well as 44 years, without a word."""
    rng = np.random.default_rng(9)
    n = 3_000
    years = rng.integers(0, 40, n)
    bad = rng.random(n) < 1 / (1 + np.exp(1.0 + 0.08 * years))
    coded = np.where(rng.random(n) < 0.08, "XNA", years.astype(str))
    table = pd.DataFrame({"emp_years": coded, "x": rng.normal(size=n), "bad": bad.astype(int)})
    table.to_csv(tmp_path / "t.csv", index=False)
    done = credo("train", "--table", tmp_path / "t.csv", "--target", "bad",
                 "--out", tmp_path / "m.json")  # fmt: skip
    said = " ".join((done.stdout + done.stderr).split())
    assert "warning: emp_years holds numbers but for 'XNA', so it is binned as categories" in said
    assert "--special emp_years=-1" in said
    numbers = table.assign(emp_years=np.where(coded == "XNA", "-1", coded))
    numbers.to_csv(tmp_path / "n.csv", index=False)
    calm = credo("train", "--table", tmp_path / "n.csv", "--target", "bad", "--special",
                 "emp_years=-1", "--out", tmp_path / "n.json")  # fmt: skip
    assert "holds numbers but for" not in calm.stdout + calm.stderr


def test_a_fit_that_fails_still_names_the_coded_column_that_may_be_why(tmp_path):
    """Every column of ratios held "XNA" in a few cells: each was binned as thousands of
    categories at IV 0 and training stopped on "no feature is strong enough", without the
    warning that says why (it was printed only after a model was written)."""
    rng = np.random.default_rng(2)
    n = 2_000
    ratio = rng.normal(size=n)
    bad = rng.random(n) < 1 / (1 + np.exp(1.5 - 1.2 * ratio))
    coded = np.where(rng.random(n) < 0.05, "XNA", np.round(ratio, 4).astype(str))
    pd.DataFrame({"ratio": coded, "bad": bad.astype(int)}).to_csv(tmp_path / "t.csv", index=False)
    done = credo("train", "--table", tmp_path / "t.csv", "--target", "bad",
                 "--out", tmp_path / "m.json", check=False)  # fmt: skip
    said = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 1 and "no feature is strong enough" in said
    assert "warning: ratio holds numbers but for 'XNA'" in said
    assert not (tmp_path / "m.json").exists()
    # decimal commas, as a semicolon file writes them, are as much numbers
    european = pd.DataFrame({"ratio": np.char.replace(coded, ".", ","), "bad": bad.astype(int)})
    european.to_csv(tmp_path / "eu.csv", sep=";", index=False)
    done = credo("train", "--table", tmp_path / "eu.csv", "--target", "bad",
                 "--out", tmp_path / "m.json", check=False)  # fmt: skip
    assert "warning: ratio holds numbers but for 'XNA'" in " ".join(done.stdout.split())


def test_row_numbers_for_ids_are_said_when_the_table_has_an_id_column(tmp_path):
    rng = np.random.default_rng(1)
    n = 1_500
    x = rng.normal(size=n)
    bad = (rng.random(n) < 1 / (1 + np.exp(1 - x))).astype(int)
    table = pd.DataFrame({"customer_id": [f"C{i:05d}" for i in range(n)], "x": x, "bad": bad})
    table.to_csv(tmp_path / "t.csv", index=False)
    credo("train", "--table", tmp_path / "t.csv", "--target", "bad", "--out", tmp_path / "m.json")
    plain = credo("score", "--model", tmp_path / "m.json", "--table", tmp_path / "t.csv",
                  "--out", tmp_path / "s.csv")  # fmt: skip
    said = " ".join(plain.stderr.split())
    assert "the scores' id is the row number (from 0), though the table has 'customer_id'" in said
    keyed = credo("score", "--model", tmp_path / "m.json", "--table", tmp_path / "t.csv",
                  "--id", "customer_id", "--out", tmp_path / "k.csv")  # fmt: skip
    assert "row number" not in keyed.stderr
    assert pd.read_csv(tmp_path / "k.csv")["id"].tolist()[:2] == ["C00000", "C00001"]
    # a model trained with --id keys its scores by that column, and says so where it is gone
    credo("train", "--table", tmp_path / "t.csv", "--target", "bad", "--id", "customer_id",
          "--out", tmp_path / "mi.json")  # fmt: skip
    table.drop(columns="customer_id").to_csv(tmp_path / "no_id.csv", index=False)
    gone = credo("score", "--model", tmp_path / "mi.json", "--table", tmp_path / "no_id.csv",
                 "--out", tmp_path / "g.csv")  # fmt: skip
    said = " ".join(gone.stderr.split())
    assert "row number (from 0): the table has no 'customer_id', the id column the model" in said
    assert pd.read_csv(tmp_path / "g.csv")["id"].tolist()[:2] == [0, 1]


def test_big_ids_from_parquet_are_scored_exact(tmp_path):
    # Spark and Oracle write NUMBER ids as DECIMAL(p, 0), pandas' Int64 with a gap as int64
    # with a null: read as floats, 102381051276738123 came out as 1.0238105127673813e+17
    table = pd.read_csv(GERMAN).drop(columns=PROTECTED)
    big = [10**17 + 2381051276738123 + 7 * i for i in range(len(table))]
    with_gap = [None, *big[1:]]
    people = pa.Table.from_pandas(table, preserve_index=False)
    for name, ids, written in (
        ("decimal", pa.array([decimal.Decimal(v) for v in big], pa.decimal128(20, 0)), big),
        ("int_null", pa.array(with_gap, pa.int64()), with_gap),
    ):
        source = tmp_path / f"{name}.parquet"
        pq.write_table(people.append_column("cust_no", ids), source)
        model = tmp_path / f"{name}.json"
        credo("train", "--table", source, "--target", "bad", "--id", "cust_no", "--out", model)
        for suffix in (".csv", ".parquet"):
            out = tmp_path / f"scores_{name}{suffix}"
            credo("score", "--model", model, "--table", source, "--out", out)
            if suffix == ".csv":
                lines = out.read_text().splitlines()[1:]
                got = [int(line.split(",")[0]) if line.split(",")[0] else None for line in lines]
            else:
                got = pq.read_table(out).column("id").to_pylist()
            assert got == written


def test_a_parquet_file_cut_short_is_an_error_not_a_traceback(trained, tmp_path):
    model, _ = trained
    whole = tmp_path / "whole.parquet"
    pq.write_table(pa.Table.from_pandas(pd.read_csv(GERMAN)), whole)
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(whole.read_bytes()[:500])
    for verb in (
        ("train", "--table", cut, "--target", "bad", "--out", tmp_path / "m.json"),
        ("score", "--model", model, "--table", cut, "--out", tmp_path / "s.csv"),
    ):
        result = credo(*verb, check=False)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "not a readable Parquet file" in " ".join(result.stderr.split())


def test_a_spark_output_folder_is_a_table_to_train_score_and_evaluate(tmp_path):
    table = pa.Table.from_pandas(pd.read_csv(GERMAN).drop(columns=PROTECTED))
    for folder in (tmp_path / "out.parquet", tmp_path / "out"):  # named so by Spark, or not
        folder.mkdir()
        pq.write_table(table.slice(0, 600), folder / "part-00000-a1.snappy.parquet")
        pq.write_table(table.slice(600), folder / "part-00001-a1.snappy.parquet")
        (folder / "_SUCCESS").touch()
        (folder / ".part-00000-a1.snappy.parquet.crc").write_bytes(b"crc")
        model, scores, figures = tmp_path / "m.json", tmp_path / "s.csv", tmp_path / "e.json"
        credo("train", "--table", folder, "--target", "bad", "--out", model)
        assert load_model(model).training["data_fingerprint"] == file_fingerprint(
            [folder / "part-00000-a1.snappy.parquet", folder / "part-00001-a1.snappy.parquet"]
        )
        credo("score", "--model", model, "--table", folder, "--out", scores)
        assert len(pd.read_csv(scores)) == table.num_rows
        credo("evaluate", "--model", model, "--table", folder, "--target", "bad",
              "--report", tmp_path / "r.html", "--json", figures)  # fmt: skip
        checks = {c["name"]: c["status"] for c in json.loads(figures.read_text())["checks"]}
        assert checks["Measured on data the model has not seen"] == "flag"
    empty = tmp_path / "empty"
    empty.mkdir()
    result = credo("train", "--table", empty, "--target", "bad", "--out", model, check=False)
    assert result.returncode == 1 and "folder without Parquet files" in result.stderr
    # a folder of CSV files and a README (a data folder) is no Parquet table: which file?
    (empty / "README.md").write_text("the data")
    pd.read_csv(GERMAN).to_csv(empty / "german.csv", index=False)
    result = credo("train", "--table", empty, "--target", "bad", "--out", model, check=False)
    said = " ".join(result.stderr.split())
    assert (
        result.returncode == 1 and "files that are no Parquet parts (README.md and 1 more)" in said
    )
    assert f"e.g. --table {empty / 'german.csv'}" in said and "Traceback" not in said


def test_train_says_which_columns_it_read_with_points_between_thousands(tmp_path):
    """A column of genuine ratios "1.250" in a file whose other columns write a decimal comma
    was read a thousand times too large without a word: the guess is said, and how to undo it."""
    rng = np.random.default_rng(4)
    n = 1500
    ratio = rng.uniform(1, 5, n)
    util = rng.uniform(0, 1, n)
    bad = (rng.random(n) < 1 / (1 + np.exp(ratio - 1.5 - 2 * util))).astype(int)
    lines = ["ratio;util;bad"] + [
        f"{r:.3f};{str(round(u, 2)).replace('.', ',')};{b}"
        for r, u, b in zip(ratio, util, bad, strict=True)
    ]
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    done = credo("train", "--table", tmp_path / "t.csv", "--target", "bad",
                 "--out", tmp_path / "m.json")  # fmt: skip
    said = " ".join((done.stdout + done.stderr).split())
    assert "note: read the points in ratio as separators of thousands" in said
    assert "(util)" in said


def test_negative_codes_of_a_plain_table_get_bins_of_their_own(tmp_path):
    # a bureau attribute: months since the last delinquency, -7 never delinquent (safest),
    # -9 no bureau record (riskiest); ranked as numbers, -9 would share the bin of -7 and
    # of the most recent delinquencies
    rng = np.random.default_rng(12)
    n = 4_000
    months = rng.integers(0, 80, n).astype(float)
    never = rng.random(n) < 0.4
    months[never] = -7
    no_record = rng.random(n) < 0.06
    months[no_record] = -9
    risk = np.where(no_record, 0.8, np.where(never, -1.5, -0.2 - months / 80))
    table = pd.DataFrame(
        {
            "MSinceMostRecentDelq": months,
            "RiskPerformance": np.where(rng.random(n) < 1 / (1 + np.exp(-risk)), "Bad", "Good"),
        }
    )
    path = tmp_path / "heloc.csv"
    table.to_csv(path, index=False)
    base = ["train", "--table", path, "--target", "RiskPerformance", "--bad-value", "Bad"]
    said = " ".join(credo(*base, "--out", tmp_path / "m.json").stdout.split())
    assert "read as codes, each with a bin of its own" in said
    assert "MSinceMostRecentDelq -7, -9;" in said
    bins = load_model(tmp_path / "m.json").scorecard.bins_["MSinceMostRecentDelq"]
    assert list(bins.specials) == [-7.0, -9.0]
    woe = dict(zip(bins.specials, bins.woe[bins.n_regular :], strict=False))
    assert woe[-9.0] < 0 < woe[-7.0]  # no record: risky; never delinquent: safe
    off = credo(*base, "--no-negative-codes", "--out", tmp_path / "n.json")
    assert "read as codes" not in off.stdout
    assert load_model(tmp_path / "n.json").scorecard.bins_["MSinceMostRecentDelq"].specials == ()


def test_nines_codes_of_a_plain_table_get_bins_of_their_own(tmp_path):
    """A loan-level file's credit score of 9999, "not available" (riskier than most), was
    ranked as a number: above 850, in the best score's bin, with its points."""
    rng = np.random.default_rng(13)
    n = 6_000
    score = rng.integers(550, 851, n).astype(float)
    missing = rng.random(n) < 0.02
    score[missing] = 9999
    risk = np.where(missing, 0.0, -1.0 - (score - 700) / 60)
    bad = (rng.random(n) < 1 / (1 + np.exp(-risk))).astype(int)
    path = tmp_path / "loans.txt"
    pd.DataFrame({"CREDIT_SCORE": score, "DEFAULT": bad}).to_csv(path, sep="|", index=False)
    base = ["train", "--table", path, "--target", "DEFAULT"]
    said = " ".join(credo(*base, "--out", tmp_path / "m.json").stdout.split())
    assert "read as codes, each with a bin of its own (nines far above" in said
    assert "CREDIT_SCORE 9999;" in said
    model = load_model(tmp_path / "m.json")
    bins = model.scorecard.bins_["CREDIT_SCORE"]
    assert list(bins.specials) == [9999.0]
    assert "nines_codes" not in model.to_dict()["scorecard"]["params"]  # the default: unsaid
    scores = tmp_path / "s.csv"
    credo("score", "--model", tmp_path / "m.json", "--table", path, "--out", scores)
    scored = pd.read_csv(scores)["score"]
    # the unavailable score's points are its own bad rate's, not the best scores'
    assert scored[missing].mean() < scored[score >= 800].mean() - 50
    off = credo(*base, "--no-nines-codes", "--out", tmp_path / "n.json")
    assert "nines far above" not in off.stdout
    off_model = load_model(tmp_path / "n.json")
    assert off_model.scorecard.bins_["CREDIT_SCORE"].specials == ()
    assert off_model.to_dict()["scorecard"]["params"]["nines_codes"] is False


def _guarantors(seed: int, n: int = 4000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Applicants with a guarantor or not, their incomes and outcomes (a guarantor is safer)."""
    rng = np.random.default_rng(seed)
    guarantor = rng.random(n) < 0.5
    income = rng.normal(3000, 800, n)
    risk = -1.0 - 1.5 * guarantor - (income - 3000) / 800
    return guarantor, income, (rng.random(n) < 1 / (1 + np.exp(-risk))).astype(int)


def test_a_true_false_column_is_told_yes_or_no(tmp_path):
    # a Parquet boolean (or a CSV's True/False) is binned as 0 and 1: its reasons read "has
    # guarantor: no", not "has guarantor: under 1 (a higher value scores better)"
    guarantor, income, bad = _guarantors(7)
    table = pd.DataFrame({"has_guarantor": guarantor, "income": income, "bad": bad})
    source = tmp_path / "applications.parquet"
    table.to_parquet(source)
    model = tmp_path / "model.json"
    credo("train", "--table", source, "--target", "bad", "--out", model)
    assert load_model(model).scorecard.meta_["has_guarantor"]["unit"] == "yes_no"
    out = tmp_path / "scores.parquet"
    credo("score", "--model", model, "--table", source, "--with-texts", "--out", out)
    scores = pq.read_table(out).to_pandas()
    told = {
        text
        for r in range(1, 5)
        for text in scores[f"reason_{r}_text"].dropna()
        if text.startswith("has guarantor")
    }
    assert told == {"has guarantor: no"}, told
    # each person without a guarantor is told so, and none with one
    charged = scores[[f"reason_{r}_text" for r in range(1, 5)]].eq("has guarantor: no").any(axis=1)
    assert not charged[guarantor].any() and charged[~guarantor].mean() > 0.5
    # and the points table (model show, the evaluation report) names the answers, not the cut
    points = load_model(model).scorecard.points_table()
    assert points.loc[points["feature"] == "has_guarantor", "bin"].tolist() == [
        "no",
        "yes",
        "missing",
    ]
    assert "│ has_guarantor │ no " in credo("model", "show", model, "--bins").stdout


def test_a_true_false_column_with_gaps_is_told_yes_or_no_and_exported_alike(tmp_path):
    # a CSV's True/False with empty cells (pandas holds them as objects) was grouped as
    # categories, and a person read "has guarantor: False"
    guarantor, income, bad = _guarantors(8)
    gaps = np.random.default_rng(9).random(len(bad)) < 0.1
    written = pd.Series(guarantor, dtype=object).where(~gaps, None)
    table = pd.DataFrame({"has_guarantor": written, "income": income.round(2), "bad": bad})
    source = tmp_path / "applications.csv"
    table.to_csv(source, index=False)
    model = tmp_path / "model.json"
    credo("train", "--table", source, "--target", "bad", "--challenger", "--out", model)
    artifact = load_model(model)
    card = artifact.scorecard
    assert card.bins_["has_guarantor"].kind == "numeric"
    assert card.meta_["has_guarantor"]["unit"] == "yes_no"
    assert "has_guarantor" not in artifact.challenger_model().categories_
    out = tmp_path / "scores.csv"
    credo("score", "--model", model, "--table", source, "--with-texts", "--out", out)
    scores = pd.read_csv(out)
    texts = scores[[f"reason_{r}_text" for r in range(1, 5)]]
    told = {t for t in pd.concat([texts[c] for c in texts]).dropna() if t.startswith("has g")}
    assert told == {"has guarantor: no", "has guarantor: no value given"}, told
    charged = texts.eq("has guarantor: no").any(axis=1)
    assert not charged[guarantor | written.isna()].any()
    assert charged[~guarantor & written.notna()].mean() > 0.5
    sql = credo("model", "sql", model, "--table", "people").stdout
    con = duckdb.connect()
    # DuckDB reads the CSV's column as BOOLEAN (a cast of it to a number had failed); no id
    # column: the rows come in the file's order
    con.execute(f"CREATE VIEW people AS SELECT * FROM read_csv_auto('{source}')")
    got = con.execute(sql).df()
    assert got["score"].tolist() == scores["score"].tolist()
    assert as_list(got["reason_1"]) == as_list(scores["reason_1"])


def test_a_postcode_written_in_digits_is_a_code_not_a_range(tmp_path):
    # "04410" is read by the CSV reader as 4410: ranked as a number, a noise postcode was
    # binned, kept and told as "postcode: 13,313 to under 92,182" to a thousand people
    rng = np.random.default_rng(11)
    n = 4000
    income = rng.normal(3000, 800, n)
    bad = (rng.random(n) < 1 / (1 + np.exp(2.0 + (income - 3000) / 600))).astype(int)
    postcode = [f"{v:05d}" for v in rng.integers(1000, 99999, n)]
    branch = [f"{v:04d}" for v in rng.integers(1, 9999, n)]
    table = pd.DataFrame(
        {"postcode": postcode, "branch": branch, "income": income.round(2), "bad": bad}
    )
    source = tmp_path / "applications.csv"
    table.to_csv(source, index=False)
    model = tmp_path / "model.json"
    trained = credo("train", "--table", source, "--target", "bad", "--challenger", "--out", model)
    said = " ".join((trained.stdout + trained.stderr).split())
    assert "postcode is read as a code, not a quantity (its name is a postal code's)" in said
    assert "branch is read as a code, not a quantity (its values are padded with zeros" in said
    artifact = load_model(model)
    card = artifact.scorecard
    for name in ("postcode", "branch"):
        assert name in card.categorical
        assert name not in card.features_ or card.bins_[name].kind != "numeric"
    # the challenger takes them as categories too (it had ranked them as numbers), and a
    # code reads the same written "04410" or read as the number 4410
    trees = artifact.challenger_model()
    assert {"postcode", "branch"} <= set(trees.categories_)
    as_numbers = pd.read_csv(source)
    as_text = pd.read_csv(source, dtype={"postcode": str, "branch": str})
    assert as_text["branch"].str.startswith("0").any()
    assert np.array_equal(trees.predict_proba(as_numbers), trees.predict_proba(as_text))


def test_a_true_false_split_of_segments_is_told_yes_or_no(tmp_path):
    # the segments' split on a true/false column reads the answer too (it read "has
    # guarantor: under 1, or no value given (a higher value scores better)")
    rng = np.random.default_rng(2)
    n = 8000
    guarantor = rng.random(n) < 0.5
    income = rng.normal(3000, 800, n)
    risk = np.where(guarantor, -2.5 - (income - 3000) / 500, -0.5 - (income - 3000) / 2000)
    bad = (rng.random(n) < 1 / (1 + np.exp(-risk))).astype(int)
    source = tmp_path / "applications.parquet"
    pd.DataFrame({"has_guarantor": guarantor, "income": income, "bad": bad}).to_parquet(source)
    model = tmp_path / "model.json"
    credo("train", "--table", source, "--target", "bad", "--segments", "2", "--out", model)
    assert len(load_model(model).scorecard.segments_) == 2
    out = tmp_path / "scores.csv"
    credo("score", "--model", model, "--table", source, "--with-texts", "--out", out)
    scores = pd.read_csv(out)
    texts = pd.concat([scores[f"reason_{r}_text"] for r in range(1, 5)]).dropna()
    told = set(texts[texts.str.startswith("has guarantor")])
    assert told and told <= {"has guarantor: no", "has guarantor: yes"}, told


def test_commas_that_may_group_thousands_are_named_and_comma_thousands_reads_them_so(tmp_path):
    rng = np.random.default_rng(17)
    n = 3_000
    upb = rng.integers(40, 400, n) * 1_000
    bad = (rng.random(n) < 1 / (1 + np.exp(2.5 - upb / 200_000))).astype(int)
    path = tmp_path / "loans.txt"
    pd.DataFrame({"upb": [f"{v:,}" for v in upb], "bad": bad}).to_csv(path, sep="\t", index=False)
    said = " ".join(credo("train", "--table", path, "--target", "bad", "--out",
                          tmp_path / "m.json").stderr.split())  # fmt: skip
    assert "upb is read with a decimal comma" in said and "train with --comma-thousands" in said
    assert load_model(tmp_path / "m.json").training["text_numbers"] == {"upb": "decimal_comma"}
    told = credo("train", "--table", path, "--target", "bad", "--comma-thousands",
                 "--out", tmp_path / "t.json")  # fmt: skip
    assert "--comma-thousands" not in told.stderr
    model = load_model(tmp_path / "t.json")
    assert model.training["text_numbers"] == {"upb": "grouped"}
    assert model.training["comma_thousands"] is True
    assert min(model.scorecard.bins_["upb"].edges) > 1_000  # cut on amounts, not on 69.0
    # scored later, a batch is read as training read its file, without a note to check it
    batch = tmp_path / "batch.txt"
    pd.read_csv(path, sep="\t", dtype=str).head(50).to_csv(batch, sep="\t", index=False)
    scored = credo("score", "--model", tmp_path / "t.json", "--table", batch,
                   "--out", tmp_path / "s.csv")  # fmt: skip
    assert "check which this file means" not in " ".join(
        scored.stdout.split() + scored.stderr.split()
    )
    whole = tmp_path / "whole.csv"
    credo("score", "--model", tmp_path / "t.json", "--table", path, "--out", whole)
    assert (
        pd.read_csv(tmp_path / "s.csv")["score"].tolist()
        == pd.read_csv(whole)["score"].head(50).tolist()
    )


def test_the_cli_has_openmp_threads_wait_passively_unless_told_otherwise():
    # spinning OpenMP threads made a challenger of 10,000 rows take 119 s instead of 9 on a
    # 2-core machine with one core busy (BENCHMARKS.md)
    show = "import os, credo.cli; print(os.environ['OMP_WAIT_POLICY'])"
    bare = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    said = subprocess.run([sys.executable, "-c", show], env=bare, capture_output=True, text=True)
    assert said.stdout.strip() == "PASSIVE", said.stderr
    told = subprocess.run([sys.executable, "-c", show], env={**bare, "OMP_WAIT_POLICY": "ACTIVE"},
                          capture_output=True, text=True)  # fmt: skip
    assert told.stdout.strip() == "ACTIVE"


def test_a_book_of_few_bads_is_told_the_base_odds_that_fit_it(tmp_path):
    """On a book of 0.4 % bad, half the people scored exactly 850: the score ranked them
    alike (held-out AUC 0.793 on the score against 0.805 on the pd), with no word said.
    Training now says so and which --base-odds fit; evaluation flags it."""
    rng = np.random.default_rng(21)
    n = 30_000
    score_in = rng.normal(0, 1, n)
    ratio = rng.uniform(0, 1, n)
    y = rng.random(n) < 1 / (1 + np.exp(-(-6.0 - 1.6 * score_in + 1.5 * ratio)))
    table = pd.DataFrame(
        {"bureau": score_in.round(3), "ratio": ratio.round(3), "bad": y.astype(int)}
    )
    table.to_csv(tmp_path / "book.csv", index=False)
    said = " ".join(credo("train", "--table", tmp_path / "book.csv", "--target", "bad",
                          "--out", tmp_path / "a.json").stdout.split())  # fmt: skip
    assert "of the training rows score 850 (the top of the scale)" in said
    odds = float(said.split("train again with --base-odds ")[1].split()[0])
    first = load_model(tmp_path / "a.json")
    top = first.training["crowded_ends"]["top"]
    assert top > 0.2 and first.training["fitting_base_odds"]["base_odds"] == odds
    again = credo("train", "--table", tmp_path / "book.csv", "--target", "bad",
                  "--base-odds", odds, "--out", tmp_path / "b.json").stdout  # fmt: skip
    again = " ".join(again.split())
    assert "--base-odds" not in again
    second = load_model(tmp_path / "b.json")
    assert second.scorecard.scale_.base_odds == odds and second.scorecard.base_odds == odds
    assert "crowded_ends" not in second.training
    shown = " ".join(credo("model", "show", tmp_path / "b.json", "--no-bins").stdout.split())
    assert f"660 at {odds:g}:1" in shown
    checks = {}
    for name in ("a", "b"):
        credo("evaluate", "--model", tmp_path / f"{name}.json", "--table", tmp_path / "book.csv",
              "--target", "bad", "--report", tmp_path / f"{name}.html",
              "--json", tmp_path / f"{name}.r.json")  # fmt: skip
        result = json.loads((tmp_path / f"{name}.r.json").read_text())
        checks[name] = {c["name"]: c for c in result["checks"]}["Scores spread within the scale"]
        if name == "b":  # the score now ranks as the pd does
            assert result["scorecard"]["auc"] == pytest.approx(
                result["scorecard"]["auc_pd"], abs=0.002
            )
    assert checks["a"]["status"] == "flag" and f"--base-odds {odds:g}" in checks["a"]["detail"]
    assert checks["b"]["status"] == "pass"


def test_a_column_named_with_spaces_around_it_is_the_model_s_column(tmp_path):
    """A header written "debt " trained a model of "debt "; scoring a table whose header says
    "debt" failed with 'the input lacks 1 column(s) the model needs: debt ;', the space
    unseen."""
    rng = np.random.default_rng(4)
    n = 2_000
    debt, income = rng.normal(size=n), rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1.0 + debt - 0.5 * income)))).astype(int)
    table = pd.DataFrame({"debt ": debt.round(3), "income": income.round(3), "bad": y})
    table.to_csv(tmp_path / "spaced.csv", index=False)
    table.rename(columns={"debt ": "debt"}).to_csv(tmp_path / "plain.csv", index=False)
    credo(
        "train", "--table", tmp_path / "spaced.csv", "--target", "bad", "--out", tmp_path / "m.json"
    )
    assert "debt " in load_model(tmp_path / "m.json").scorecard.features_
    scored = {}
    for name in ("spaced", "plain"):
        run = credo("score", "--model", tmp_path / "m.json", "--table", tmp_path / f"{name}.csv",
                    "--out", tmp_path / f"{name}.out.csv")  # fmt: skip
        scored[name] = pd.read_csv(tmp_path / f"{name}.out.csv")
        said = " ".join((run.stdout + run.stderr).split())
        noted = "column 'debt' read as the model's 'debt '" in said
        assert noted == (name == "plain")
    pd.testing.assert_frame_equal(scored["spaced"], scored["plain"])
    # a column that is not there at all is named with its quotes, spaces shown
    table.drop(columns="debt ").to_csv(tmp_path / "without.csv", index=False)
    run = credo("score", "--model", tmp_path / "m.json", "--table", tmp_path / "without.csv",
                "--out", tmp_path / "w.csv", check=False)  # fmt: skip
    assert run.returncode == 1 and "the model needs: 'debt '" in " ".join(run.stderr.split())


def test_a_row_of_nothing_is_no_person(tmp_path):
    """A spreadsheet's row of bare separators (",,,,") was scored as an applicant missing in
    every column (score 300), and stopped training as a row without an outcome."""
    rng = np.random.default_rng(9)
    n = 2_000
    debt, income = rng.normal(size=n), rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1.0 + debt - 0.5 * income)))).astype(int)
    table = pd.DataFrame({"debt": debt.round(3), "income": income.round(3), "bad": y})
    lines = table.to_csv(index=False).splitlines()
    lines.insert(1 + 700, ",,")  # below the header and 700 rows
    (tmp_path / "gap.csv").write_text("\n".join(lines) + "\n")
    run = credo("train", "--table", tmp_path / "gap.csv", "--target", "bad", "--out",
                tmp_path / "m.json")  # fmt: skip
    said = " ".join((run.stdout + run.stderr).split())
    assert "1 empty row (every field blank) left out: row 701 of the file" in said
    assert load_model(tmp_path / "m.json").training["rows"] == n
    credo("score", "--model", tmp_path / "m.json", "--table", tmp_path / "gap.csv", "--out",
          tmp_path / "s.csv")  # fmt: skip
    scored = pd.read_csv(tmp_path / "s.csv")
    # one row per person, each numbered as it stands in the file
    assert len(scored) == n and 700 not in set(scored["id"])
    assert scored["id"].tolist() == [*range(700), *range(701, n + 1)]
    table.drop(columns="bad").to_csv(tmp_path / "plain.csv", index=False)
    credo("score", "--model", tmp_path / "m.json", "--table", tmp_path / "plain.csv", "--out",
          tmp_path / "p.csv")  # fmt: skip
    np.testing.assert_array_equal(pd.read_csv(tmp_path / "p.csv")["score"], scored["score"])


def test_a_code_of_many_small_levels_is_not_called_a_leak(tmp_path):
    """50,000 postal codes of about 4 rows each, whose risk follows their region: grouped by
    their own rates they showed an IV of 2.78 in-sample (0.44 on other rows), and training
    warned of a column "nearly the outcome itself"."""
    rng = np.random.default_rng(5)
    n = 30_000
    region = rng.integers(0, 9, n)
    code = region * 10_000 + rng.integers(0, 1_000, n)  # 9,000 codes, about 3 rows each
    income = rng.normal(size=n)
    logit = -1.4 + 0.25 * (region - 4) - 0.5 * income
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    table = pd.DataFrame({"postcode": [f"{c:05d}" for c in code], "income": income.round(3),
                          "bad": y})  # fmt: skip
    table.to_csv(tmp_path / "codes.csv", index=False)
    run = credo("train", "--table", tmp_path / "codes.csv", "--target", "bad", "--out",
                tmp_path / "m.json")  # fmt: skip
    said = " ".join(run.stdout.split())
    card = load_model(tmp_path / "m.json").scorecard
    assert "postcode" in card.features_ and card.iv_["postcode"] >= 0.5  # its levels' noise
    assert "warning: postcode has an information value" not in said
    assert f"note: postcode has an information value of {card.iv_['postcode']:.3g}" in said
    assert "a coarser column (a prefix of the code, a region) would tell more" in said


def test_a_wide_tables_left_out_columns_are_counted_past_the_first_few(tmp_path):
    """3,000 columns left out printed a 75 KB line after training."""
    german = pd.read_csv(GERMAN)
    rng = np.random.default_rng(3)
    noise = pd.DataFrame(rng.normal(size=(len(german), 40)), columns=[f"n{i}" for i in range(40)])
    wide = tmp_path / "wide.csv"
    pd.concat([german, noise], axis=1).to_csv(wide, index=False)
    model = tmp_path / "m.json"
    result = credo("train", "--table", wide, "--target", "bad", *EXCLUDE, "--out", model)
    said = " ".join(result.stdout.split())
    dropped = load_model(model).scorecard.dropped_
    by_reason = (
        pd.Series(dropped)
        .map(lambda why: "weak" if why.startswith("information value") else why.split(" (")[0])
        .value_counts()
    )
    most = int(by_reason.iloc[0])
    assert most > 20
    assert f"and {most - 20} more ({most} in all; `credo model show` lists them)" in said
    wide_terminal = {**os.environ, "COLUMNS": "2000"}  # no long name folded over two lines
    shown = subprocess.run([CREDO, "model", "show", str(model), "--no-bins"],
                           capture_output=True, text=True, env=wide_terminal).stdout  # fmt: skip
    assert [name for name in dropped if name not in shown] == []


def test_utf16_tables_and_outcomes_are_named_as_such(trained, tmp_path):
    """A table saved as 'Unicode text' read as one column of letters and NUL bytes."""
    model, _ = trained
    wide = tmp_path / "german16.csv"
    wide.write_bytes(GERMAN.read_text().encode("utf-16"))
    outcomes = tmp_path / "outcomes16.csv"
    outcomes.write_bytes("user_id,as_of,bad\na,2024-01-01,1\n".encode("utf-16"))
    for verb in (
        ["train", "--table", wide, "--target", "bad", "--out", tmp_path / "m.json"],
        ["score", "--model", model, "--table", wide, "--out", tmp_path / "s.csv"],
        ["evaluate", "--model", model, "--table", wide, "--target", "bad",
         "--report", tmp_path / "r.html"],
        ["features", "--as-of-file", outcomes, "--out", tmp_path / "f.parquet"],
    ):  # fmt: skip
        refused = credo(*verb, check=False)
        said = " ".join((refused.stdout + refused.stderr).split())
        assert refused.returncode == 1, (verb[0], said)
        assert "is UTF-16 text" in said and "'CSV UTF-8'" in said, (verb[0], said)
        assert "\x00" not in said and "Traceback" not in said


def test_a_batch_of_no_one_scores_to_an_empty_file(trained, tmp_path):
    """A header without rows (a day's batch with nobody new) stopped a scoring run with an
    error; it is a table of no one, scored to a file of no rows."""
    model, _ = trained
    pd.read_csv(GERMAN).head(0).to_csv(tmp_path / "none.csv", index=False)
    for suffix in (".csv", ".parquet"):
        out = tmp_path / f"scores{suffix}"
        run = credo("score", "--model", model, "--table", tmp_path / "none.csv", "--out", out)
        assert "0 rows scored" in run.stdout + run.stderr
        scores = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
        assert scores.empty and list(scores.columns) == SCORE_COLUMNS
    # training on no one is still refused, with the reason
    run = credo("train", "--table", tmp_path / "none.csv", "--target", "bad", "--out",
                tmp_path / "m.json", check=False)  # fmt: skip
    assert run.returncode == 1 and "the table has no rows" in run.stderr


def test_tables_nothing_can_be_learned_from_say_why(tmp_path):
    """ "no column can be an input: {}" named no column; one good row among 1,000 was told to
    lower --min-iv, which cannot help."""
    rng = np.random.default_rng(0)
    n = 1000
    unusable = tmp_path / "unusable.csv"
    opened = pd.date_range("2020-01-01", periods=n).strftime("%Y-%m-%d")
    bad = (rng.random(n) < 0.2).astype(int)
    pd.DataFrame({"opened": opened, "k": 1, "bad": bad}).to_csv(unusable, index=False)
    said = credo("train", "--table", unusable, "--target", "bad", "--out", tmp_path / "a.json",
                 check=False)  # fmt: skip
    told = " ".join(said.stderr.split())
    assert said.returncode == 1 and "no column of" in told, told
    assert "opened (a date or time" in told and "k (the same value in every row)" in told
    lopsided = tmp_path / "lopsided.csv"
    x = rng.normal(size=n)
    pd.DataFrame({"x": x, "z": rng.normal(size=n), "bad": np.r_[np.ones(n - 1, int), 0]}).to_csv(
        lopsided, index=False
    )
    said = credo("train", "--table", lopsided, "--target", "bad", "--min-iv", "0",
                 "--out", tmp_path / "b.json", check=False)  # fmt: skip
    told = " ".join(said.stderr.split())
    assert said.returncode == 1 and "999 bad and 1 good rows" in told and "--min-iv" not in told


def test_reason_codes_number_the_whole_catalog_whatever_the_policy_leaves_out(tmp_path):
    """Under policy eu the table lacks `id_address_months` (R63 under us): the features after
    it keep their catalog codes, so R63 never names another feature in an eu model."""
    from credo.features.catalog import CATALOG, CATALOG_VERSION
    from credo.features.engines import feature_metas
    from credo.features.table import write_feature_table
    from credo.model.training import load_feature_training

    specs = [s for s in CATALOG if s.name != "id_address_months"]
    users = [f"u{i}" for i in range(40)]
    as_of = pd.Timestamp("2025-06-01", tz="UTC")
    columns = {"user_id": users, "as_of": [as_of] * len(users)}
    columns.update({s.name: np.arange(len(users), dtype=float) for s in specs})
    columns["prov_events"] = [5] * len(users)
    features = write_feature_table(
        pa.table(columns), tmp_path / "features.parquet", feature_metas(specs),
        catalog_version=CATALOG_VERSION, policy="eu", provenance_columns=["prov_events"],
    )  # fmt: skip
    outcomes = tmp_path / "outcomes.parquet"
    bad = [i % 2 for i in range(len(users))]
    outcome_rows = {"user_id": users, "as_of": [as_of] * len(users), "bad": bad}
    pq.write_table(pa.table(outcome_rows), outcomes)
    data = load_feature_training(features, outcomes)
    codes = {name: f"R{i + 1:02d}" for i, name in enumerate(data.code_order)}
    assert codes["id_address_months"] == "R63" and codes["id_months_known"] == "R64"
    assert [s.name for s in CATALOG].index("id_months_known") == 63

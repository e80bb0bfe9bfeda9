"""Tables as they come: nullable booleans, numbers written as text, tiny numbers, odd column
names. Training, scoring and the exported SQL agree on them, or a clear error says why not."""

from __future__ import annotations

import warnings

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_scorecard import as_list

from credo.model.bins import as_float_array, format_number
from credo.model.columns import DURATION_REASON, NESTED_REASON, unusable_columns
from credo.model.scorecard import Scorecard
from credo.model.sql_export import model_to_sql
from credo.model.tables import TableError, read_plain_table


def _signal(n: int = 3000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    z = rng.normal(size=n)
    return z, (rng.random(n) < 1 / (1 + np.exp(1.2 - 1.5 * z))).astype(int)


def _sql_scores(card: Scorecard, table: pa.Table, tmp_path) -> pd.DataFrame:
    path = tmp_path / "people.parquet"
    pq.write_table(table, path)
    sql = model_to_sql(card, "duckdb", table=f"read_parquet('{path}')", id_column="row_id")
    return duckdb.connect().execute(sql).df().sort_values("id").reset_index(drop=True)


def _assert_sql_agrees(card: Scorecard, frame: pd.DataFrame, tmp_path) -> None:
    table = pa.Table.from_pandas(frame.assign(row_id=np.arange(len(frame))), preserve_index=False)
    got = _sql_scores(card, table, tmp_path)
    expected = card.score_table(table.drop(["row_id"]).to_pandas())
    assert got["score"].tolist() == expected["score"].tolist()
    assert as_list(got["reason_1"]) == as_list(expected["reason_1"])


def test_nullable_booleans_with_gaps_train_score_and_export(tmp_path):
    z, y = _signal()
    flag = pd.array(z > 0.3, dtype="boolean")
    flag[::5] = pd.NA
    frame = pd.DataFrame({"sig": z, "flag": flag})
    card = Scorecard(min_iv=0.0).fit(frame, y)
    assert "flag" in card.features_
    assert card.bins_["flag"].count[-1] == 600  # the gaps are the missing bin
    _assert_sql_agrees(card, frame, tmp_path)
    # a true/false column read as text levels is compared as booleans by the SQL too
    as_objects = frame.assign(flag=frame["flag"].astype(object).where(frame["flag"].notna(), None))
    card = Scorecard(min_iv=0.0, categorical=["flag"]).fit(as_objects, y)
    assert set(card.bins_["flag"].groups[0]) | set(card.bins_["flag"].groups[-1]) <= {
        "True",
        "False",
    }
    _assert_sql_agrees(card, frame, tmp_path)


def test_half_floats_bin_as_the_database_reads_them(tmp_path):
    # DuckDB reads a Parquet HALF as a FLOAT: 0.8198242, which a numpy or Arrow array of
    # halves had read as 0.82 (the half's own shortest text; a pandas column went through
    # float32 already), and values by a cut scored in the next bin
    rng = np.random.default_rng(3)
    x = rng.random(4000).astype(np.float16)
    as_float32 = as_float_array(x.astype(np.float32))
    for given in (x, pa.array(x), pd.Series(x)):
        assert np.array_equal(as_float_array(given), as_float32)
    y = (rng.random(4000) < 1 / (1 + np.exp(2 - 3 * x.astype(float)))).astype(int)
    frame = pd.DataFrame({"x": x})
    card = Scorecard(min_iv=0.0).fit(frame, y)
    assert len(card.bins_["x"].edges) >= 3
    _assert_sql_agrees(card, frame, tmp_path)
    assert np.array_equal(card.bins_["x"].index(x), card.bins_["x"].index(frame["x"]))


def test_levels_that_look_like_numbers_are_compared_as_python_compares_them(tmp_path):
    z, y = _signal()
    codes = np.where(z > 0.8, "01", np.where(z > -0.2, "1", "1.0"))  # three levels as text
    frame = pd.DataFrame({"code": codes})
    card = Scorecard(min_iv=0.0).fit(frame, y)
    assert card.bins_["code"].kind == "categorical" and len(card.bins_["code"].groups) > 1
    probe = frame.copy()
    probe.loc[:9, "code"] = "abc"  # text no model saw: unseen, in Python and in SQL
    _assert_sql_agrees(card, probe, tmp_path)


def test_numbers_in_a_number_column_left_as_text_are_missing_in_both(tmp_path):
    z, y = _signal()
    card = Scorecard(min_iv=0.0).fit(pd.DataFrame({"x": z}), y)
    text = pd.Series(z).map(repr).astype(object)
    text[::7] = "n/a"  # pandas reads it as missing; a database keeps the text
    got = _sql_scores(card, pa.table({"x": pa.array(text), "row_id": np.arange(len(z))}), tmp_path)
    expected = card.score_table(pd.DataFrame({"x": pd.to_numeric(text, errors="coerce")}))
    assert got["score"].tolist() == expected["score"].tolist()


def test_tiny_cut_points_keep_their_digits():
    assert format_number(3.4e-12) == "3.4e-12" and format_number(-2e-9) == "-2e-09"
    assert format_number(0.125) == "0.125" and format_number(250.0) == "250"
    z, y = _signal()
    labels = Scorecard(min_iv=0.0).fit(pd.DataFrame({"tiny": z * 1e-12}), y).bins_["tiny"].labels()
    assert len(set(labels)) == len(labels) and "0" not in labels[0]


def test_column_names_that_are_not_text_or_repeat():
    z, y = _signal()
    numbered = Scorecard(min_iv=0.0).fit(pd.DataFrame(np.column_stack([z, -z])), y)
    assert set(numbered.features_) <= {"0", "1"}
    with pytest.raises(ValueError, match="column names repeat: a"):
        Scorecard().fit(pd.DataFrame(np.column_stack([z, z, z]), columns=["a", "b", "a"]), y)
    gaps = [None if i % 9 == 0 else float(v) for i, v in enumerate(z)]
    assert Scorecard(min_iv=0.0).fit({"a": gaps}, y).bins_["a"].kind == "numeric"


def test_a_csv_header_that_repeats_a_name_is_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("income,age,income,bad\n1,2,3,0\n4,5,6,1\n")
    with pytest.raises(TableError, match="repeat in the header: income"):
        read_plain_table(path)


def test_a_file_without_a_header_is_refused_and_numbered_columns_are_not(tmp_path):
    # a loan-level file comes without a header: its first loan's values were taken for
    # column names ("757", "24"), that loan left out, and the exported SQL could not run
    path = tmp_path / "loans.txt"
    path.write_text("757|24|F21Q2001|N|0\n690|41|F21Q2002|Y|1\n702|38|F21Q2003|N|0\n")
    with pytest.raises(TableError, match=r"first line reads as data, not column names \(757, 24"):
        read_plain_table(path)
    # a row of codes and amounts, fewer than half of them numbers (UCI's german.data made
    # a CSV): two columns "named" 4 are values, not a header with a repeated name
    coded = tmp_path / "german.csv"
    coded.write_text(
        "A11,6,A32,A48,1169,A65,4,A92,A103,4,A123\nA12,48,A32,A43,5951,A61,2,A92,A101,2,A121\n"
    )
    with pytest.raises(TableError, match=r"first line reads as data, not column names \(A11, 6"):
        read_plain_table(coded)
    numbered = tmp_path / "numbered.csv"  # a table's unnamed columns, as pandas writes them
    numbered.write_text("0,1,2\n1.5,2,0\n2.5,3,1\n")
    assert list(read_plain_table(numbered).columns) == ["0", "1", "2"]
    named = tmp_path / "named.csv"  # some names that are numbers, among words
    named.write_text("id,2019,2020,region,bad\na,1,2,x,0\nb,3,4,y,1\n")
    assert list(read_plain_table(named).columns)[:3] == ["id", "2019", "2020"]
    wide = tmp_path / "wide.csv"  # columns named by month: names, not a row of data
    wide.write_text("id,bad,202301,202302,202303\na,0,1,2,3\nb,1,4,5,6\n")
    assert list(read_plain_table(wide).columns)[2:] == ["202301", "202302", "202303"]


def test_names_that_differ_only_in_case_are_refused_for_training(tmp_path):
    from credo.model.training import TrainingError, load_table_training

    z, y = _signal()
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"Income": z, "income": -z, "bad": y}), path)
    # DuckDB and Spark read both names as one column: the SQL would score the wrong one
    with pytest.raises(TrainingError, match="'Income' and 'income' differ only in case"):
        load_table_training(path, "bad")
    assert list(load_table_training(path, "bad", exclude=["income"]).X.columns) == ["Income"]


def test_a_large_csv_whose_blocks_pandas_types_apart_is_typed_once_without_a_warning(tmp_path):
    # pandas types a file by blocks of about 262,144 rows: numbers in the first, a code in
    # the last left a column of both (ints and text) and a DtypeWarning on the terminal
    rows = 270_000
    path = tmp_path / "big.csv"
    path.write_text(
        "years_employed,bad\n" + "".join(f"{i % 40},{i % 2}\n" for i in range(rows)) + "XNA,0\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = read_plain_table(path)
    column = frame["years_employed"]
    assert column.map(type).nunique() == 1 and column.iloc[-1] == "XNA"
    assert column.iloc[0] == "0"  # text throughout, as a column holding a code is


def test_a_target_or_id_named_otherwise_in_case_or_spaces_is_named_as_the_header_writes_it(
    tmp_path,
):
    from credo.model.training import TrainingError, load_table_training

    # the list of columns printed "loan_status , ..." and "Loan_Status": no reader sees why
    path = tmp_path / "loans.csv"
    path.write_text(" member_id,rate,loan_status \n1,0.1,0\n2,0.2,1\n3,0.3,0\n")
    with pytest.raises(TrainingError, match="the header writes it 'loan_status '"):
        load_table_training(path, "loan_status")
    with pytest.raises(TrainingError, match="the header writes it ' member_id'"):
        load_table_training(path, "loan_status ", id_column="member_id")
    with pytest.raises(TrainingError, match="the header writes it 'loan_status '"):
        load_table_training(path, "Loan_Status")
    with pytest.raises(TrainingError, match="columns are  member_id, rate, loan_status $"):
        load_table_training(path, "outcome")


def test_a_csv_read_as_one_column_says_the_header_may_be_below(tmp_path):
    from credo.model.training import TrainingError, load_table_training

    path = tmp_path / "LoanStats.csv"
    path.write_text(
        "Notes offered by Prospectus (https://www.lendingclub.com/info/prospectus.action)\n"
        "loan_amnt,int_rate,loan_status\n5000,10.65%,Fully Paid\n2500,15.27%,Charged Off\n"
    )
    with pytest.raises(TrainingError, match="while line 2 holds 3 fields: if the header is on"):
        load_table_training(path, "loan_status")
    one = tmp_path / "one.csv"
    one.write_text("x\n1\n2\n")
    with pytest.raises(TrainingError) as refused:
        load_table_training(one, "bad")
    assert "reads as one column" not in str(refused.value)  # truly one column: no guess
    # UCI's Australian credit: fields separated by spaces, where "columns are A1 A2 ... A15"
    # looked as if A15 were there
    spaced = tmp_path / "australian.csv"
    spaced.write_text("A1 A2 A15\n1 22.08 0\n0 22.67 1\n")
    with pytest.raises(TrainingError, match="first lines hold 3 fields separated by spaces"):
        load_table_training(spaced, "A15")
    titled = tmp_path / "titled.csv"
    titled.write_text("Credit approvals 2024\nA1,A2,A15\n1,22.08,0\n0,22.67,1\n")
    with pytest.raises(TrainingError, match="while line 2 holds 3 fields"):
        load_table_training(titled, "A15")  # a title of words is no header of spaced fields
    named = tmp_path / "named.csv"
    named.write_text("Loan book\ncustomer id,bad\n1,0\n2,1\n")
    with pytest.raises(TrainingError, match="while line 2 holds 2 fields"):
        load_table_training(named, "bad")  # two words each, but the second line is delimited


def test_question_marks_lone_dots_and_spreadsheet_errors_are_missing_cells(tmp_path):
    """UCI's files write "?" for a missing cell, SAS and Stata exports ".": a column of ratios
    with "?" in it was read as text and binned as thousands of categories (IV 0, left out),
    and "?" was a category of its own."""
    rng = np.random.default_rng(4)
    n = 2000
    ratio = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1.5 + 1.5 * ratio)))).astype(int)
    frame = pd.DataFrame(
        {
            "Attr1": np.round(ratio, 4).astype(str),
            "A1": np.where(rng.random(n) < 0.5, "a", "b"),
            "Attr2": np.round(rng.normal(size=n), 3).astype(str),
            "bad": y,
        }
    )
    frame.loc[::20, "Attr1"] = "?"
    frame.loc[1::30, "A1"] = "?"
    frame.loc[7::30, "A1"] = " ?"  # after a ", " separator, as UCI's adult file has it
    frame.loc[2::25, "Attr2"] = "."
    frame.loc[3::25, "Attr2"] = "#DIV/0!"
    frame.to_csv(tmp_path / "t.csv", index=False)
    read = read_plain_table(tmp_path / "t.csv")
    assert pd.api.types.is_numeric_dtype(read["Attr1"])
    assert pd.api.types.is_numeric_dtype(read["Attr2"])
    assert read["Attr1"].isna().sum() == len(frame.loc[::20]) and read["A1"].isna().any()
    assert set(read["A1"].dropna()) == {"a", "b"}
    card = Scorecard().fit(read.drop(columns="bad"), read["bad"])
    bins = card.bins_["Attr1"]
    assert bins.kind == "numeric" and bins.count[bins.missing_index] == len(frame.loc[::20])


def test_a_parquet_file_cut_short_or_of_another_format_is_a_clear_error(tmp_path):
    z, y = _signal(200)
    whole = tmp_path / "whole.parquet"
    pq.write_table(pa.table({"sig": z, "bad": y}), whole)
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(whole.read_bytes()[:500])
    text = tmp_path / "text.parquet"
    text.write_text("sig,bad\n1,0\n")
    for path in (cut, text):
        with pytest.raises(TableError, match=f"{path}: not a readable Parquet file"):
            read_plain_table(path)


def test_list_and_record_columns_are_left_out_with_the_reason(tmp_path):
    z, y = _signal(300)
    path = tmp_path / "nested.parquet"
    pq.write_table(
        pa.table(
            {
                "sig": z,
                "tags": pa.array([["a"]] * len(z), pa.list_(pa.string())),
                "limits": pa.array([[int(v > 0), 2] for v in z], pa.list_(pa.int64())),
                "address": pa.array([{"zip": "10115"}] * len(z)),
            }
        ),
        path,
    )
    frame = read_plain_table(path)
    assert unusable_columns(frame) == dict.fromkeys(["tags", "limits", "address"], NESTED_REASON)
    card = Scorecard(min_iv=0.0).fit(frame, y)
    assert card.features_ == ["sig"]
    assert card.dropped_["tags"] == NESTED_REASON


def test_a_duration_is_read_as_a_number_of_days(tmp_path):
    z, y = _signal()
    days = np.round(z * 100 + 400)
    path = tmp_path / "since.parquet"
    spans = pd.to_timedelta(days, unit="D")
    pd.DataFrame({"since_last_payment": spans}).to_parquet(path, index=False)
    frame = read_plain_table(path)
    assert frame["since_last_payment"].tolist() == days.tolist()
    card = Scorecard(min_iv=0.0).fit(frame, y)
    assert card.features_ == ["since_last_payment"]
    assert 0 < min(card.bins_["since_last_payment"].edges) < 1000  # days, not nanoseconds
    # a time span handed over in a DataFrame is never binned as nanoseconds: the model reads
    # it as days, in fitting and scoring alike (scored as nanoseconds, every row fell in the
    # top bin of a model trained on days); unusable_columns alone refuses one with what to do
    assert unusable_columns(pd.DataFrame({"since": spans})) == {"since": DURATION_REASON}
    spanned = pd.DataFrame({"since_last_payment": spans})
    assert card.score_table(spanned)["score"].tolist() == card.score_table(frame)["score"].tolist()
    again = Scorecard(min_iv=0.0).fit(spanned, y)
    assert again.bins_["since_last_payment"].edges == card.bins_["since_last_payment"].edges


def test_points_between_thousands_in_a_decimal_comma_file_are_read_as_such(tmp_path):
    """A German spreadsheet's export writes 86,713 as "86.713" and 0.51 as "0,51": pandas
    read the incomes as 86.713 beside 858, so an income under a thousand sorted above one of
    86 thousand (its bins ran "highest at both ends")."""
    rng = np.random.default_rng(5)
    n = 3000
    income = np.round(rng.lognormal(10, 1, n)).astype(int)
    util = np.round(rng.uniform(0, 1, n), 2)
    bad = (rng.random(n) < 1 / (1 + np.exp(-(4.0 - 0.45 * np.log(income) + util)))).astype(int)
    lines = ["id;income;util;bad"] + [
        f"C{i:05d};{f'{v:,}'.replace(',', '.')};{str(u).replace('.', ',')};{b}"
        for i, (v, u, b) in enumerate(zip(income, util, bad, strict=True))
    ]
    (tmp_path / "de.csv").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    read = read_plain_table(tmp_path / "de.csv", id_column="id", for_training=True)
    assert read["income"].tolist() == income.tolist()
    assert read["util"].tolist() == util.tolist()
    card = Scorecard().fit(read[["income", "util"]], read["bad"])
    assert card.bins_["income"].monotonic == "descending"
    # where no column writes a decimal comma, a point is a decimal point, as pandas reads it
    plain = [line.replace(",", ".") if i else line for i, line in enumerate(lines)]
    (tmp_path / "en.csv").write_text("\n".join(plain) + "\n")
    assert read_plain_table(tmp_path / "en.csv")["income"].iloc[0] == float(plain[1].split(";")[1])


def test_a_model_reads_a_scoring_file_as_training_read_its_columns(tmp_path):
    """A model trained where no column wrote a decimal comma read incomes "86.713" as 86.713;
    a scoring file of the same rows with one more column ("4,5", unused) read them as 86713,
    and 3,840 of 4,000 scores moved, apart from the SQL's."""
    from credo.model.scorecard import Scorecard
    from credo.model.training import load_scoring_table, load_table_training, train_model

    rng = np.random.default_rng(2)
    n = 2000
    income = np.round(rng.uniform(1, 100, n), 3)  # each "d.ddd" fits thousands' shape too
    bad = (rng.random(n) < 1 / (1 + np.exp(income / 25 - 1.5))).astype(int)
    table = pd.DataFrame({"income": [f"{v:.3f}" for v in income], "bad": bad})
    table.to_csv(tmp_path / "train.csv", sep=";", index=False)
    artifact = train_model(load_table_training(tmp_path / "train.csv", "bad"), Scorecard())
    table.assign(zins=["4,5"] * n).to_csv(tmp_path / "new.csv", sep=";", index=False)
    frame, _, _ = load_scoring_table(None, tmp_path / "new.csv", None, artifact.text_inputs())
    assert frame["income"].tolist() == income.tolist()
    # training on the file with the decimal-comma column reads them as thousands, and
    # scoring that file follows its model
    trained = train_model(load_table_training(tmp_path / "new.csv", "bad"), Scorecard())
    assert trained.training["text_numbers"]["income"] == "grouped_decimal_comma"
    again, _, _ = load_scoring_table(None, tmp_path / "new.csv", None, trained.text_inputs())
    assert trained.read_inputs(again)["income"].tolist() == (income * 1000).round().tolist()


def test_points_between_thousands_at_scoring_are_said_where_the_model_read_plain_numbers(
    tmp_path,
):
    """A model trained on a comma file's plain incomes read "250.600" in a semicolon file of
    decimal commas as 250.6 without a word: each such income scored as a tiny one."""
    from credo.model.training import load_scoring_table, load_table_training, train_model

    rng = np.random.default_rng(3)
    n = 2000
    income = rng.integers(1_000, 900_000, n)
    rate = np.round(rng.uniform(1, 20, n), 1)
    bad = (rng.random(n) < 1 / (1 + np.exp(income / 200_000 - 1))).astype(int)
    pd.DataFrame({"income": income, "rate": rate, "bad": bad}).to_csv(
        tmp_path / "train.csv", index=False
    )
    artifact = train_model(load_table_training(tmp_path / "train.csv", "bad"), Scorecard())
    assert "income" in artifact.scorecard.features_
    written = [f"{v:,}".replace(",", ".") for v in income]
    german = pd.DataFrame({"income": written, "rate": [f"{r}".replace(".", ",") for r in rate]})
    german.to_csv(tmp_path / "de.csv", sep=";", index=False)
    frame, _, _ = load_scoring_table(None, tmp_path / "de.csv", None, artifact.text_inputs())
    said = " ".join(artifact.read_otherwise(frame))
    example = next(v for v in written if "." in v)
    assert (
        "income read as training read it, plain numbers such as 1234.5, though values such"
        f" as {example!r} are thousands in a file that writes decimal commas"
    ) in said
    # without a decimal comma the file's points are decimal points, and nothing is said
    german.assign(rate=rate).to_csv(tmp_path / "points.csv", sep=";", index=False)
    frame, _, _ = load_scoring_table(None, tmp_path / "points.csv", None, artifact.text_inputs())
    assert artifact.read_otherwise(frame) == []


def test_missing_marks_in_a_parquet_files_text_are_missing_as_in_a_csv(tmp_path):
    """Spark writes a CSV read without a schema to Parquet as text, "?" and all: its numbers
    became categories at IV 0. A column of numbers but for the marks reads them as missing (as
    the SQL's TRY_CAST does); in a column of categories "?" stays the level it is written as,
    as the exported SQL and a DataFrame handed to the model read it."""
    frame = pd.DataFrame(
        {
            "income": ["1200.5", "?", "860", "#DIV/0!", "3100", "455", "70.25", "999"],
            "grade": ["A", "?", "B", ".", "A", "C", "B", "A"],
            "id": ["?", "x2", "x3", "x4", "x5", "x6", "x7", "x8"],
        }
    )
    frame.to_parquet(tmp_path / "t.parquet")
    read = read_plain_table(tmp_path / "t.parquet", id_column="id")
    assert pd.api.types.is_numeric_dtype(read["income"])
    assert read["income"].isna().tolist() == [False, True, False, True] + [False] * 4
    assert read["grade"].tolist() == frame["grade"].tolist()
    assert read["id"].tolist()[0] == "?"  # an id is as written


def test_a_tab_or_pipe_file_whose_numbers_group_thousands_with_commas_is_read_so(tmp_path):
    """An American tab or pipe export ("1,005,000", "$52,659.86") was read with decimal
    commas: "69,000" as 69 and "1,005,000" as no number, so amounts were binned as text."""
    from credo.model.tables import TEXT_NUMBERS

    american = tmp_path / "loans.txt"
    american.write_text(
        "loan\tupb\tincome\tbad\na\t69,000\t$52,659.86\t0\nb\t1,005,000\t$8,000.00\t1\n"
        "c\t145,000\t$120,000.50\t0\n"
    )
    frame = read_plain_table(american)
    assert frame["upb"].tolist() == [69_000, 1_005_000, 145_000]
    assert frame["income"].tolist() == [52_659.86, 8_000.0, 120_000.5]
    assert frame.attrs[TEXT_NUMBERS] == {"upb": "grouped", "income": "grouped"}
    european = tmp_path / "loans_eu.txt"  # a decimal comma anywhere: the file's commas are decimal
    european.write_text("loan|upb|rate|bad\na|69,000|4,5|0\nb|1.005.000|3,25|1\nc|145,000|5|0\n")
    assert read_plain_table(european)["rate"].tolist() == [4.5, 3.25, 5.0]
    with_ip = tmp_path / "with_ip.txt"  # an address of four groups says nothing of numbers
    with_ip.write_text(
        "loan\tip\tupb\tbad\na\t10.100.200.150\t1,005,000\t0\nb\t192.168.1.7\t69,000\t1\n"
    )
    assert read_plain_table(with_ip)["upb"].tolist() == [1_005_000, 69_000]
    either = tmp_path / "either.txt"  # "69,000" alone could be either: decimal unless told
    either.write_text("loan\tupb\tbad\na\t69,000\t0\nb\t145,000\t1\nc\t8,500\t0\n")
    assert read_plain_table(either)["upb"].tolist() == [69.0, 145.0, 8.5]
    told = read_plain_table(either, comma_thousands=True)
    assert told["upb"].tolist() == [69_000, 145_000, 8_500]

"""Plain-table columns: percentages as numbers, dates and identifiers left out, targets read."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from credo.model.challenger import Challenger
from credo.model.columns import (
    CONSTANT_REASON,
    DATE_REASON,
    EMPTY_REASON,
    IDENTIFIER_REASON,
    NAMED_IDENTIFIER_REASON,
    SEPARATION_REASON,
    TargetError,
    far_extreme,
    negative_codes,
    nines_codes,
    separates_outcome,
    separation_reason,
    summary_rows,
    target_as_bad,
    unusable_columns,
)
from credo.model.scorecard import Scorecard
from credo.model.tables import TEXT_NUMBERS, TableError, read_plain_table
from credo.model.text_numbers import percent_columns_as_numbers


def test_percentages_become_numbers_and_other_text_stays() -> None:
    frame = pd.DataFrame(
        {
            "rate": ["13.5%", " 7% ", None, "-0.5%"],
            "mixed": ["13.5%", "n/a", "2%", "1%"],
            "grade": ["A", "B", "A", "C"],
            "n": [1, 2, 3, 4],
        }
    )
    out = percent_columns_as_numbers(frame)
    assert out["rate"].tolist()[:2] == [13.5, 7.0] and np.isnan(out["rate"][2])
    assert out["rate"][3] == -0.5
    assert out["mixed"].tolist() == frame["mixed"].tolist()
    assert out["grade"].tolist() == frame["grade"].tolist()


def test_dates_and_identifiers_are_found() -> None:
    n = 40
    frame = pd.DataFrame(
        {
            "stamp": pd.date_range("2020-01-01", periods=n, freq="D"),
            "iso_text": [f"2020-01-{i % 28 + 1:02d}" for i in range(n)],
            "us_text": [f"{i % 12 + 1}/15/2021" for i in range(n)],
            "issue_month": [["Dec-2015", "Jan-16", "2016-02"][i % 3] for i in range(n)],
            "date_objects": [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(n)],
            "member": [f"M{i:05d}" for i in range(n)],
            "grade": ["A", "B"] * (n // 2),
            # whole numbers, all distinct: identifiers when named so or without a gap
            "loan_id": np.random.default_rng(0).permutation(n) * 7 + 1000,
            "ClientID": np.arange(n) * 3,
            "Unnamed: 0": np.arange(1, n + 1),
            "row": np.arange(n)[::-1],
            # binned as numbers: distinct amounts, an id that repeats, fractions, "valid"
            "income": np.arange(n) * 250 + 900,
            "branch_id": np.arange(n) % 5,
            "score_no": np.arange(n) + 0.5,
            "valid": np.arange(n) * 2,
            # one value in every row; a missing value or a second value makes a column usable
            "country": ["DE"] * n,
            "fee": np.full(n, 25.0),
            "flag": np.ones(n, dtype=bool),
            "fee_or_none": [25.0] * (n - 1) + [np.nan],
            "mostly_one": [1] * (n - 1) + [2],
            "never_filled": [np.nan] * n,
        }
    )
    found = unusable_columns(frame)
    assert found == {
        "stamp": DATE_REASON,
        "iso_text": DATE_REASON,
        "us_text": DATE_REASON,
        "issue_month": DATE_REASON,
        "date_objects": DATE_REASON,
        "member": IDENTIFIER_REASON,
        "loan_id": IDENTIFIER_REASON,
        "ClientID": IDENTIFIER_REASON,
        "Unnamed: 0": IDENTIFIER_REASON,
        "row": IDENTIFIER_REASON,
        "country": CONSTANT_REASON,
        "fee": CONSTANT_REASON,
        "flag": CONSTANT_REASON,
        "never_filled": EMPTY_REASON,
    }


def test_a_name_holding_the_word_id_anywhere_marks_an_identifier_that_nearly_never_repeats():
    n = 400
    rng = np.random.default_rng(1)
    issued = np.sort(rng.choice(1_000_000, n, replace=False)) + 100_000  # gaps between them
    repeated = issued.copy()
    repeated[:3] = repeated[3]  # one case exported four times: still an identifier
    frame = pd.DataFrame(
        {
            "SK_ID_CURR": issued,
            "SK_ID_BUREAU": repeated,
            "loanIdNo": issued + 1,
            "loan_id_no": issued + 2,
            "customer_ref_id_text": [f"C{i}" for i in issued[:-2]] + ["C1", "C1"],
            # named so, but codes and flags: their values repeat
            "id_verified": rng.integers(0, 2, n),
            "region_id": rng.integers(0, 30, n),
            "ID_TYPE": rng.choice(["passport", "card"], n),
            # distinct whole numbers with gaps, named as no identifier: an amount
            "income": issued * 3,
            # named so and nearly distinct, but missing in some rows: whether it is known may
            # be the risk (no co-applicant), so it stays
            "co_applicant_id": np.where(np.arange(n) % 4 == 0, np.nan, issued + 5),
        }
    )
    assert unusable_columns(frame) == {
        "SK_ID_CURR": IDENTIFIER_REASON,
        "SK_ID_BUREAU": NAMED_IDENTIFIER_REASON,
        "loanIdNo": IDENTIFIER_REASON,
        "loan_id_no": IDENTIFIER_REASON,
        "customer_ref_id_text": NAMED_IDENTIFIER_REASON,
    }


def test_european_dates_and_months_are_dates_and_numbers_as_text_are_not() -> None:
    n = 40
    frame = pd.DataFrame(
        {
            "born": [f"{i % 28 + 1:02d}.{i % 12 + 1:02d}.19{50 + i % 40}" for i in range(n)],
            "opened": [f"{i % 28 + 1}/{i % 12 + 1}/2019" for i in range(n)],  # dd/mm/yyyy
            "stamped": [f"{i % 28 + 1:02d}.04.2020 10:3{i % 10}" for i in range(n)],
            "dashed": [f"{i % 28 + 1:02d}-04-2020" for i in range(n)],
            "client_since": [f"{i % 12 + 1:02d}/{1990 + i % 30}" for i in range(n)],
            "short_month": [f"{i % 9 + 1}/{1990 + i % 30}" for i in range(n)],
            "month_dots": [f"{i % 12 + 1:02d}.{1990 + i % 30}" for i in range(n)],
            "month_digits": [f"{i % 12 + 1:02d}{1990 + i % 30}" for i in range(n)],
            "compact": [f"{1990 + i % 30}{i % 12 + 1:02d}{i % 28 + 1:02d}" for i in range(n)],
            # numbers held as text (a code among them elsewhere) are no dates
            "rate": [f"{i % 20 + 1}.50" for i in range(n)],
            "grouped": [f"{i % 9 + 1}.{234 + i}" for i in range(n)],
            "decimals": [f"{i % 9 + 1}.{1416 + i}" for i in range(n)],
            "months_of_13": [f"{i % 13 + 1:02d}.2019" for i in range(n)],
            "fraction": [f"{i % 9 + 1}/{i % 7 + 2}" for i in range(n)],
        }
    )
    # repeated rows: a text column of distinct values would be left out as an identifier
    frame = pd.concat([frame, frame], ignore_index=True)
    dates = [name for name, why in unusable_columns(frame).items() if why == DATE_REASON]
    assert dates == [
        "born",
        "opened",
        "stamped",
        "dashed",
        "client_since",
        "short_month",
        "month_dots",
        "month_digits",
        "compact",
    ]
    assert not set(unusable_columns(frame)) - set(dates)


def test_a_value_far_beyond_the_others_in_many_rows_is_taken_for_a_code() -> None:
    rng = np.random.default_rng(2)
    n = 2_000
    days = -rng.integers(1, 17_913, n).astype(float)
    days[rng.random(n) < 0.18] = 365243
    days[:2] = np.nan  # a missing value is no value
    found = far_extreme(pd.Series(days))
    assert found is not None and found[0] == 365243 and found[1] == int((days == 365243).sum())
    assert found[3] == np.nanmax(days[days != 365243])
    below = np.where(rng.random(n) < 0.1, -999, rng.integers(0, 101, n))
    assert far_extreme(pd.Series(below))[0] == -999
    ordinary = {
        "count": np.where(rng.random(n) < 0.6, 0, rng.integers(1, 21, n)),
        "utilisation": np.minimum(rng.uniform(0, 1.3, n), 1.0),
        "flag": rng.integers(0, 2, n),
        "term": rng.choice([36, 60], n),
        "income": rng.lognormal(10, 1, n),
        "fee": np.where(rng.random(n) < 0.3, 0, rng.uniform(1_000, 1_200, n)),  # 0: no fee
        "few": np.where(np.arange(n) < 0.04 * n, 365243, rng.integers(0, 100, n)),  # 4 %
        "close": np.where(rng.random(n) < 0.2, -1, rng.integers(0, 50, n)),
        "text": rng.choice(["a", "b"], n),
        "booleans": rng.random(n) < 0.5,
    }
    assert {name: far_extreme(pd.Series(v)) for name, v in ordinary.items()} == dict.fromkeys(
        ordinary
    )


def _table_with_a_date(n: int = 3_000):
    rng = np.random.default_rng(3)
    x = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(1.5 - x))).astype(int)
    opened = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3000, n), unit="D")
    return pd.DataFrame({"x": x, "opened": opened, "opened_text": opened.strftime("%Y-%m-%d")}), y


def test_dates_as_sas_stata_spreadsheets_and_us_tools_write_them_are_dates() -> None:
    days = [dt.date(2017 + i // 12, i % 12 + 1, i % 28 + 1) for i in range(36)]
    forms = {
        "sas_date9": lambda d: d.strftime("%d%b%Y").upper(),  # 01APR2018
        "sas_datetime": lambda d: d.strftime("%d%b%Y:10:%M:00").upper(),  # 01APR2018:10:00:00
        "stata": lambda d: d.strftime("%d%b%Y").lower(),  # 01apr2018
        "slashed_iso": lambda d: d.strftime("%Y/%m/%d"),  # 2018/04/01
        "us_short": lambda d: f"{d.month}/{d.day}/{d:%y}",  # 4/1/18
        "month_year": lambda d: d.strftime("%b %Y"),  # Apr 2018
        "us_long": lambda d: d.strftime("%b %d, %Y"),  # Apr 01, 2018
        "full_month": lambda d: f"{d:%B} {d.day}, {d.year}",  # April 1, 2018
        "dotted_short": lambda d: d.strftime("%d.%m.%y"),  # 01.04.18
        "excel": lambda d: d.strftime("%d-%b-%Y"),  # 01-Apr-2018
        "oracle": lambda d: d.strftime("%d-%b-%y").upper(),  # 01-APR-18
        "excel_short": lambda d: f"{d.day}-{d:%b-%y}",  # 1-Apr-18
    }
    columns = {name: [form(d) for d in days] * 2 for name, form in forms.items()}
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    others = {
        # a month alone is a season: its levels come back every year, so it stays a category
        "month_of_year": [months[i % 12] for i in range(72)],
        "code": [f"{'ABC'[i % 3]}{i % 20 + 1}" for i in range(72)],  # A12
        "branch": [f"{'XYZ'[i % 3]}{'KLM'[i % 3]}{'QRS'[i % 3]}-{i % 30 + 10}" for i in range(72)],
        "version": [f"{i % 3 + 1}.{i % 5 + 2}.{i % 2 + 40}" for i in range(72)],
        "grade": [f"{'ABC'[i % 3]}-{i % 5 + 1}" for i in range(72)],
    }
    frame = pd.DataFrame({**columns, **others})
    reasons = unusable_columns(frame)
    assert {name: reasons.get(name) for name in forms} == dict.fromkeys(forms, DATE_REASON)
    assert {name: reasons[name] for name in others if name in reasons} == {}


def test_scorecard_and_challenger_leave_dates_out() -> None:
    frame, y = _table_with_a_date()
    card = Scorecard().fit(frame, y)
    assert card.features_ == ["x"]
    assert card.dropped_["opened"] == DATE_REASON and card.dropped_["opened_text"] == DATE_REASON
    challenger = Challenger().fit(frame, y)
    assert challenger.features_ == ["x"]
    assert set(challenger.dropped_) == {"opened", "opened_text"}
    # scoring needs only the columns the models use
    assert np.allclose(card.predict_proba(frame[["x"]]), card.predict_proba(frame))


def test_targets_as_numbers_booleans_and_named_values() -> None:
    assert target_as_bad(pd.Series([0, 1, 1.0], name="t")).tolist() == [0, 1, 1]
    assert target_as_bad(pd.Series(["0", "1"], name="t")).tolist() == [0, 1]
    assert target_as_bad(pd.Series([True, False], name="t")).tolist() == [1, 0]
    status = pd.Series(["Fully Paid", "Charged Off", "Default", "Fully Paid"], name="status")
    bad = target_as_bad(status, ["Charged Off", "Default"])
    assert bad.tolist() == [0, 1, 1, 0]
    assert target_as_bad(pd.Series([1, 2, 2, 1], name="t"), ["2"]).tolist() == [0, 1, 1, 0]
    with pytest.raises(TargetError, match=r"'Fully Paid' \(2\).*--bad-value"):
        target_as_bad(status)
    with pytest.raises(TargetError, match="no row of 'status' holds 'Default '"):
        target_as_bad(status.replace("Default", "x"), ["Default "])
    with pytest.raises(TargetError, match="row 2 has no 't' value.*--bad-value 1 --good-value 0"):
        target_as_bad(pd.Series([0, None, 1], name="t"))
    # the example names the outcomes as the column writes them: 1 / 0 named no row of a
    # column of booleans, and the fix it suggested failed
    flags = pd.Series([True, pd.NA, False, False], name="t", dtype="boolean")
    with pytest.raises(TargetError, match="--bad-value true --good-value false"):
        target_as_bad(flags)
    assert target_as_bad(flags, ["true"], good_values=["false"])[[0, 2]].tolist() == [1, 0]
    with pytest.raises(TargetError, match="--bad-value 'Charged Off' --good-value 'Fully Paid'"):
        target_as_bad(status.where(status != "Default"))
    with pytest.raises(TargetError, match="no good row"):
        target_as_bad(pd.Series(["a", "a"], name="t"), ["a"])
    # a 0/1 target with a few stray values: naming a stray value bad would make every 1 good
    stray = pd.Series([0, 1] * 20 + [2, 2], name="t")
    with pytest.raises(TargetError, match=r"--bad-value 1 --good-value 0 to leave out the 2 row"):
        target_as_bad(stray)


def test_indeterminate_outcomes_are_left_for_the_caller_to_drop() -> None:
    status = pd.Series(["Fully Paid", "Charged Off", "Current", "Default"], name="status")
    bad = target_as_bad(status, ["Charged Off", "Default"], good_values=["Fully Paid"])
    assert bad[[0, 1, 3]].tolist() == [0, 1, 1] and np.isnan(bad[2])
    with pytest.raises(TargetError, match="needs --bad-value"):
        target_as_bad(status, good_values=["Fully Paid"])
    with pytest.raises(TargetError, match="is named both bad"):
        target_as_bad(status, ["Current"], good_values=["Current"])
    with pytest.raises(TargetError, match="no good row"):
        target_as_bad(status, ["Current"], good_values=["Paid"])


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_csv_tables_with_any_common_delimiter(tmp_path, sep) -> None:
    frame = pd.DataFrame({"a;b": [1.5, 2.5], "c,d": ["x|y", "z"], "bad": [0, 1]})
    path = tmp_path / ("t.tsv" if sep == "\t" else "t.csv")
    frame.to_csv(path, sep=sep, index=False)
    read = read_plain_table(path)
    assert read.columns.tolist() == frame.columns.tolist()
    assert read["a;b"].tolist() == [1.5, 2.5] and read["c,d"].tolist() == ["x|y", "z"]


def test_empty_tables_are_clear_errors(tmp_path) -> None:
    empty, header = tmp_path / "empty.csv", tmp_path / "header.csv"
    empty.write_text("")
    header.write_text("a,bad\n")
    with pytest.raises(TableError, match="the file is empty"):
        read_plain_table(empty)
    with pytest.raises(TableError, match="no rows"):
        read_plain_table(header)


def test_columns_left_out_are_kept_in_the_model_and_its_report(tmp_path) -> None:
    from credo.evaluate.model_eval import feature_rows

    frame, y = _table_with_a_date()
    card = Scorecard().fit(frame, y)
    again = Scorecard.from_dict(card.to_dict())
    assert again.dropped_["opened"] == DATE_REASON
    rows = {row["name"]: row for row in feature_rows(again, frame, y)}
    assert rows["opened_text"]["status"] == DATE_REASON and rows["opened_text"]["iv"] is None
    assert rows["x"]["status"] == "used"


def test_special_values_for_a_left_out_column_are_ignored_and_typos_fail() -> None:
    frame, y = _table_with_a_date()
    card = Scorecard(special_values={"opened_text": ["2015-01-01"], "x": [-999.0]}).fit(frame, y)
    assert card.features_ == ["x"] and -999.0 in card.bins_["x"].specials
    with pytest.raises(ValueError, match="typo"):
        Scorecard(special_values={"typo": [1.0]}).fit(frame, y)


def test_csv_tables_in_windows_encodings_and_with_a_byte_order_mark(tmp_path) -> None:
    text = "Einkommen (€),Städt,bad\n1.5,München,0\n2.5,Köln,1\n"
    windows, marked = tmp_path / "cp1252.csv", tmp_path / "bom.csv"
    windows.write_bytes(text.encode("cp1252"))
    marked.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    for path in (windows, marked):
        read = read_plain_table(path)
        assert read.columns.tolist() == ["Einkommen (€)", "Städt", "bad"]
        assert read["Städt"].tolist() == ["München", "Köln"]


def test_a_utf8_csv_with_a_few_windows_bytes_stays_utf8(tmp_path) -> None:
    """One row pasted in from a cp1252 export: the file had been read whole as cp1252, its
    UTF-8 'ä' as 'Ã¤' and '€' as 'â‚¬' (every such amount then no number)."""
    jobs = ["Schüler", "Selbständig"]
    rows = ["Einkommen;Beruf;Eröffnet;bad"] + [
        f"{1000 + i},{i % 10} €;{jobs[i % 2]};2019-01-0{i % 9 + 1};{i % 2}" for i in range(40)
    ]
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + "\n".join(rows).encode("utf-8")
        + "\n1050,5 €;Rentnér;2019-01-01;0\n".encode("cp1252")
    )
    read = read_plain_table(path)
    assert read.columns.tolist() == ["Einkommen", "Beruf", "Eröffnet", "bad"]
    assert set(read["Beruf"]) == {"Selbständig", "Schüler", "Rentnér"}
    assert read["Einkommen"].iloc[0] == 1000.0 and read["Einkommen"].iloc[-1] == 1050.5


def test_decimal_commas_in_semicolon_files_only(tmp_path) -> None:
    semicolon, comma = tmp_path / "eu.csv", tmp_path / "us.csv"
    semicolon.write_text("rate;name;n;bad\n1,5;a,b;3;0\n-2;c;4;1\n")
    comma.write_text(
        'amount,odd,phone,bad\n"1,234",0,"612,345,678",0\n"5,000","1,5","699,111,222",1\n'
    )
    eu = read_plain_table(semicolon)
    assert eu["rate"].tolist() == [1.5, -2.0] and eu["name"].tolist() == ["a,b", "c"]
    us = read_plain_table(comma)
    assert us["amount"].tolist() == [1234.0, 5000.0]  # in a comma file, a thousands comma
    # a decimal comma in a comma file: no number the file's delimiter writes, but one of the
    # other way's alone (a spreadsheet's quoted "1,5"), and every value reads so
    assert us["odd"].tolist() == [0.0, 1.5]
    # formatted numbers (one length, two separators or more, no sign of an amount): text
    assert us["phone"].tolist() == ["612,345,678", "699,111,222"]
    phones = tmp_path / "phones.csv"
    phones.write_text("phone;bad\n612.345.678;0\n699.111.222;1\n")
    assert read_plain_table(phones)["phone"].tolist() == ["612.345.678", "699.111.222"]


def test_a_column_written_the_other_way_than_its_file_is_read_where_it_leaves_no_doubt(
    tmp_path,
) -> None:
    """A semicolon file of decimal commas with a column of "$1,308.59" (an export mixing the
    two ways) kept that column as text, and a comma-separated file with quoted "6.217,70" and
    "0,204" (a spreadsheet set to German) kept both: their IV read 0, the model lost them."""
    semicolon, comma = tmp_path / "mixed.csv", tmp_path / "sheet.csv"
    semicolon.write_text(
        "saldo;rate;whole;bad\n$1,308.59;0,5;$96,800;0\n$250.00;1,25;$1,500;1\n-$5,000.10;2;$7;0\n"
    )
    comma.write_text(
        'saldo,rate,either,bad\n"6.217,70","0,204","1,500",0\n"800,5","1,5","2,000",1\n'
    )
    mixed = read_plain_table(semicolon)
    assert mixed["saldo"].tolist() == [1308.59, 250.0, -5000.1]
    assert mixed["rate"].tolist() == [0.5, 1.25, 2.0]
    # "$96,800" reads either way: as the file's delimiter says (a point groups thousands)
    assert mixed["whole"].tolist() == [96.8, 1.5, 7.0]
    assert mixed.attrs[TEXT_NUMBERS]["saldo"] == "grouped"
    sheet = read_plain_table(comma)
    assert sheet["saldo"].tolist() == [6217.7, 800.5] and sheet["rate"].tolist() == [0.204, 1.5]
    assert sheet["either"].tolist() == [1500.0, 2000.0]
    assert sheet.attrs[TEXT_NUMBERS]["saldo"] == "grouped_decimal_comma"


def test_amounts_in_brackets_are_negative(tmp_path) -> None:
    """Accounts and spreadsheets write a negative amount in brackets: "(1,234)" was text, so
    the whole column was binned as categories."""
    comma, semicolon = tmp_path / "us.csv", tmp_path / "eu.csv"
    comma.write_text('net,bad\n"1,234",0\n"(5,678.50)",1\n($12),0\n( 7 ),1\n')
    semicolon.write_text("net;bad\n1.234,50 €;0\n(2.000,25 €);1\n(7);0\n")
    assert read_plain_table(comma)["net"].tolist() == [1234.0, -5678.5, -12.0, -7.0]
    assert read_plain_table(semicolon)["net"].tolist() == [1234.5, -2000.25, -7.0]
    unpaired = tmp_path / "odd.csv"
    unpaired.write_text('net,bad\n"(1,234",0\n"5,678",1\n')
    assert read_plain_table(unpaired)["net"].tolist() == ["(1,234", "5,678"]  # not guessed


def test_french_and_swiss_spaces_and_points_grouping_thousands(tmp_path) -> None:
    """French exports put a narrow no-break space before "%" and between thousands; a point
    groups thousands in a semicolon file, so "1.500" is 1500 beside "750,50"."""
    eu = tmp_path / "fr.csv"
    eu.write_text(
        "rate;income;amt;phone;bad\n"
        "12,5\u202f%;96\u202f800,00 €;1.500;612 345 678;0\n"
        "7\u00a0%;1 234,50;750,50;655 123 456;1\n"
        "-0,5 %;800;2.000;699 888 777;0\n"
        '"3,25\n%";5;7;611 222 333;1\n',  # a line break in a cell is a space
        encoding="utf-8",
    )
    frame = read_plain_table(eu)
    assert frame["rate"].tolist() == [12.5, 7.0, -0.5, 3.25]
    assert frame["income"].tolist() == [96800.0, 1234.5, 800.0, 5.0]
    assert frame["amt"].tolist() == [1500.0, 750.5, 2000.0, 7.0]
    assert frame["phone"].tolist() == ["612 345 678", "655 123 456", "699 888 777", "611 222 333"]


def test_a_column_that_tells_the_outcome_is_found() -> None:
    y = np.array([0, 0, 0, 1, 1, 1] * 10)
    rng = np.random.default_rng(3)
    noise = rng.uniform(0, 50, y.size)
    numbers = pd.Series(y * 100 + noise)
    assert separates_outcome(numbers, y, ordered=True)
    assert separates_outcome(pd.Series(-numbers), y, ordered=True)  # either way round
    overlap = numbers.copy()
    overlap.iloc[0] = 120.0  # one good among the bads' values
    assert not separates_outcome(overlap, y, ordered=True)
    # known only for the bads: the missing rows are the goods
    assert separates_outcome(pd.Series(np.where(y == 1, noise, np.nan)), y, ordered=True)
    mixed_missing = pd.Series(np.where((y == 1) | (np.arange(y.size) == 0), np.nan, noise))
    assert not separates_outcome(mixed_missing, y, ordered=True)
    words = pd.Series(np.where(y == 1, "charged off", "current"))
    assert separates_outcome(words, y, ordered=False)
    # sixty levels of one row each are each of one outcome by chance
    assert not separates_outcome(pd.Series([f"v{i}" for i in range(y.size)]), y, ordered=False)


def test_scorecard_and_challenger_leave_out_a_column_that_tells_the_outcome() -> None:
    rng = np.random.default_rng(5)
    n = 3000
    signal = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(signal - 1)))).astype(int)
    frame = pd.DataFrame(
        {
            "signal": signal,
            "leak": y * 100 + rng.uniform(0, 50, n),
            "leak_missing": np.where(y == 1, rng.uniform(0, 9, n), np.nan),
            "status": np.where(y == 1, "charged off", "current"),
        }
    )
    card = Scorecard().fit(frame, y)
    assert card.features_ == ["signal"]
    leaks = {"leak", "leak_missing", "status"}
    assert {n: card.dropped_[n] for n in leaks} == dict.fromkeys(leaks, SEPARATION_REASON)
    challenger = Challenger(n_jobs=1, n_estimators=50).fit(frame, y)
    assert challenger.features_ == ["signal"]
    assert {n: challenger.dropped_[n] for n in leaks} == dict.fromkeys(leaks, SEPARATION_REASON)


def test_outcomes_join_their_feature_rows_by_day_and_refuse_ambiguity(tmp_path) -> None:
    from credo.model.tables import join_outcomes

    features = pd.DataFrame(
        {
            "user_id": ["a", "b", "c"],
            "as_of": pd.to_datetime(["2025-06-01", "2025-06-01", "2025-06-01"]).date,
            "f": [1.0, 2.0, 3.0],
            "bad": [9, 9, 9],  # a stray outcome column in the feature table: not the one used
        }
    )
    stamps = [
        pd.Timestamp("2025-06-01 10:00", tz="UTC"),
        pd.Timestamp("2025-06-01 23:59", tz="UTC"),
        # 2025-05-31 16:00 in UTC, but June 1st where it was written, as `credo features`
        # reads it (the UTC day had every such outcome missing its feature row)
        pd.Timestamp("2025-06-01 00:00", tz="Asia/Shanghai"),
    ]
    outcomes = tmp_path / "o.csv"
    pd.DataFrame({"user_id": ["a", "b", "c"], "as_of": stamps, "bad": [1, 0, 1]}).to_csv(
        outcomes, index=False
    )
    joined = join_outcomes(features, outcomes)
    assert joined["f"].tolist() == [1.0, 2.0, 3.0] and joined["bad"].tolist() == [1, 0, 1]
    # the same outcomes in Parquet, zoned: the same days
    zoned = tmp_path / "zoned.parquet"
    shanghai = pd.Series(pd.to_datetime(["2025-06-01 00:00"] * 3)).dt.tz_localize("Asia/Shanghai")
    pd.DataFrame({"user_id": ["a", "b", "c"], "as_of": shanghai, "bad": [1, 0, 1]}).to_parquet(
        zoned
    )
    assert join_outcomes(features, zoned)["bad"].tolist() == [1, 0, 1]
    # June 1st 23:59 in UTC is June 2nd in Auckland, where it was written: no row of that day
    elsewhere = tmp_path / "elsewhere.csv"
    auckland = stamps[1].tz_convert("Pacific/Auckland")
    pd.DataFrame({"user_id": ["c"], "as_of": [auckland], "bad": [1]}).to_csv(elsewhere, index=False)
    with pytest.raises(TableError, match="no feature row"):
        join_outcomes(features, elsewhere)

    twice = pd.concat([features, features.iloc[:1]], ignore_index=True)
    with pytest.raises(TableError, match="more than one row per user_id"):
        join_outcomes(twice, outcomes)
    later = features.assign(as_of=pd.to_datetime(["2026-06-01"] * 3).date)
    two_dates = pd.concat([features, later], ignore_index=True)
    undated = tmp_path / "undated.parquet"
    pd.DataFrame({"user_id": ["a", "b", "c"], "bad": [1, 0, 1]}).to_parquet(undated)
    with pytest.raises(TableError, match="several as-of dates for some people"):
        join_outcomes(two_dates, undated)
    assert join_outcomes(features, undated)["bad"].tolist() == [1, 0, 1]  # one date each
    # two outcomes for one person and date: which pair, said
    repeated = tmp_path / "repeated.parquet"
    pd.DataFrame({"user_id": ["a", "b", "b"], "bad": [1, 0, 1]}).to_parquet(repeated)
    with pytest.raises(TableError, match=r"more than one outcome per user_id \(e.g. user_id b\)"):
        join_outcomes(features, repeated)
    # padded ids, as a spreadsheet leaves them, are the stored people (ingest trims them)
    padded = tmp_path / "padded.csv"
    pd.DataFrame({"user_id": [" a", "b ", "c"], "bad": [1, 0, 1]}).to_csv(padded, index=False)
    assert join_outcomes(features, padded)["bad"].tolist() == [1, 0, 1]
    garbage = tmp_path / "o.parquet"
    garbage.write_text("not parquet")
    with pytest.raises(TableError, match="not a readable outcomes file"):
        join_outcomes(features, garbage)


def test_outcomes_written_with_a_frames_index_join_each_row_its_own_date(tmp_path) -> None:
    """A Parquet outcomes file pandas wrote from a slice or a shuffle keeps that index: each
    outcome is still joined at its own as_of, not at the date of the row whose position its
    index label names (person a's outcome of January had been joined to February's features)."""
    from credo.model.tables import join_outcomes

    features = pd.DataFrame(
        {
            "user_id": ["a", "a", "b", "b"],
            "as_of": pd.to_datetime(["2024-01-01", "2024-02-01"] * 2).date,
            "f": [1.0, 2.0, 3.0, 4.0],
        },
        index=[7, 3, 9, 1],
    )
    outcomes = pd.DataFrame(
        {
            "user_id": ["a", "b"],
            "as_of": pd.to_datetime(["2024-01-01", "2024-02-01"]).date,
            "bad": [1, 0],
        },
        index=[1, 0],
    )
    shuffled = tmp_path / "shuffled.parquet"
    outcomes.to_parquet(shuffled)
    joined = join_outcomes(features, shuffled)
    assert joined["f"].tolist() == [1.0, 4.0] and joined["bad"].tolist() == [1, 0]
    sliced = tmp_path / "sliced.parquet"  # a held-out part: its index starts past 0
    outcomes.set_axis([900, 901]).to_parquet(sliced)
    assert join_outcomes(features, sliced)["f"].tolist() == [1.0, 4.0]


def test_outcome_dates_are_read_as_the_features_read_them_and_mismatches_say_which(
    tmp_path,
) -> None:
    """An outcomes file's as_of is read by the reader `credo features --as-of-file` uses:
    a day and month that could be either way round, a number, or an empty date is refused
    with the file and data row (a guess joined March 5th where May 3rd was meant), and an
    outcome without its feature row is named with its date beside the dates the table holds."""
    from credo.model.tables import join_outcomes

    features = pd.DataFrame(
        {
            "user_id": ["a", "b", "c"],
            "as_of": pd.to_datetime(["2024-05-03"] * 3).date,
            "f": [1.0, 2.0, 3.0],
        }
    )
    written = {
        "03/05/2024": r"'s as_of in data row 2, '03/05/2024', is no date YYYY-MM-DD",
        "": r" has 1 row\(s\) without an as_of date \(the first in data row 2\)",
    }
    for text, message in written.items():
        path = tmp_path / "o.csv"
        path.write_text(f"user_id,as_of,bad\na,2024-05-03,1\nb,{text},0\n")
        with pytest.raises(TableError, match=re.escape(str(path)) + message):
            join_outcomes(features, path)
    stamps = tmp_path / "stamps.parquet"
    pd.DataFrame(
        {"user_id": ["a", "b"], "as_of": pd.to_datetime(["2024-05-03 10:00:00.000000001", None]),
         "bad": [1, 0]}
    ).to_parquet(stamps)  # fmt: skip
    with pytest.raises(TableError, match=r"1 row\(s\) without an as_of date .* data row 2"):
        join_outcomes(features, stamps)
    numbers = tmp_path / "numbers.parquet"
    pd.DataFrame({"user_id": ["a"], "as_of": [20240503], "bad": [1]}).to_parquet(numbers)
    with pytest.raises(TableError, match="as_of must be a date column"):
        join_outcomes(features, numbers)
    # a time and a zone after the day, as exports write them: the day as written
    stamped = tmp_path / "stamped.csv"
    stamped.write_text(
        "user_id,as_of,bad\na,2024-05-03T23:30:00+08:00,1\nb,2024-05-03 00:10Z,0\nc, 2024-5-3 ,1\n"
    )
    assert join_outcomes(features, stamped)["f"].tolist() == [1.0, 2.0, 3.0]
    later = tmp_path / "later.csv"
    later.write_text("user_id,as_of,bad\na,2024-05-03,1\nb,2024-06-01,0\nc,2024-06-01,1\n")
    with pytest.raises(TableError) as refused:
        join_outcomes(features, later)
    said = str(refused.value)
    assert "2 outcome(s) of" in said and "(e.g. b as of 2024-06-01, c as of 2024-06-01)" in said
    assert "the feature table holds 1 as-of date(s), 2024-05-03" in said
    assert f"credo features --as-of-file {later}" in said


def test_outcome_ids_and_files_are_read_as_the_features_read_them(tmp_path) -> None:
    """Ids held as decimals (1150.0) joined no feature row ("1150" there), "NA" became
    missing, and a .tsv, a header with spaces or a cp1252 file was refused or misread."""
    from credo.model.tables import join_outcomes

    features = pd.DataFrame(
        {
            "user_id": ["1150", "NA", "José"],
            "as_of": pd.to_datetime(["2024-05-03"] * 3).date,
            "f": [1.0, 2.0, 3.0],
        }
    )
    decimals = tmp_path / "decimals.parquet"
    pd.DataFrame({"user_id": [1150.0], "as_of": ["2024-05-03"], "bad": [1]}).to_parquet(decimals)
    assert join_outcomes(features, decimals)["f"].tolist() == [1.0]
    spaced = tmp_path / "spaced.tsv"
    spaced.write_bytes(
        " user_id \t as_of\tbad\nNA\t2024-05-03\t0\nJosé\t2024-05-03\t1\n".encode("cp1252")
    )
    assert join_outcomes(features, spaced)["f"].tolist() == [2.0, 3.0]
    blank = tmp_path / "blank.csv"
    blank.write_text("user_id,as_of,bad\n1150,2024-05-03,1\n ,2024-05-03,0\n")
    with pytest.raises(
        TableError, match=r"1 outcome\(s\) without a user_id \(the first in data row 2"
    ):
        join_outcomes(features, blank)
    empty = tmp_path / "empty.csv"
    empty.write_text("user_id,as_of,bad\n")
    with pytest.raises(TableError, match="the outcomes file has no rows"):
        join_outcomes(features, empty)
    twice = tmp_path / "twice.csv"
    twice.write_text("user_id,as_of,bad\n1150,2024-05-03,1\n1150,2024-05-03,0\n")
    with pytest.raises(TableError, match=r"\(e.g. user_id 1150, as_of 2024-05-03\): keep one"):
        join_outcomes(features, twice)


SEED_OF_A_STEEP_TAIL = 15  # a seed whose one-outcome tail the rule, asked, calls a leak


def test_a_large_group_of_one_outcome_is_a_leak_not_noise() -> None:
    """A column whose zeros are all good (8,000 rows, where ~1,000 bads were due) cannot be
    binned (a bin must hold both outcomes): before, it showed an information value of 0 and
    was left out as noise; it is a leak, and the message names the group."""
    rng = np.random.default_rng(7)
    n = 10_000
    signal = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-2 + 0.7 * signal)))).astype(int)
    recoveries = np.where(y == 1, np.round(rng.uniform(1, 3000, n), 2), 0.0)
    recoveries[(y == 0) & (rng.random(n) < 0.01)] = 50.0
    frame = pd.DataFrame({"signal": signal, "recoveries": recoveries})
    reason = separation_reason(frame["recoveries"], y, ordered=True)
    zeros = int((recoveries < recoveries[y == 1].min()).sum())
    assert reason is not None and f"all {zeros:,} rows below" in reason and "are good" in reason
    assert separation_reason(frame["signal"], y, ordered=True) is None
    # the tail of a strong real feature is of one outcome too, and so nearly are its neighbours
    steep = (rng.random(n) < 1 / (1 + np.exp(1.2 - 1.5 * signal))).astype(int)
    assert separation_reason(frame["signal"], steep, ordered=True) is None
    assert separation_reason(-frame["signal"], steep, ordered=True) is None
    # rows without a value, and sentinels, have bins of their own whatever they hold
    known_bad = pd.Series(np.where((y == 0) & (rng.random(n) < 0.5), np.nan, signal))
    assert separation_reason(known_bad, y, ordered=True) is None
    retired = pd.Series(np.where((y == 0) & (rng.random(n) < 0.5), 365243.0, signal))
    assert "above" in separation_reason(retired, y, ordered=True)
    assert separation_reason(retired, y, ordered=True, specials=[365243]) is None
    # a small group of one outcome is chance: 30 rows where about 4 bads were due
    few = pd.Series(np.where(np.arange(n) < 30, -9.0, signal))
    few_y = y.copy()
    few_y[:30] = 0
    assert separation_reason(few, few_y, ordered=True) is None
    card = Scorecard().fit(frame, y)
    assert card.features_ == ["signal"] and "no bin can hold it" in card.dropped_["recoveries"]
    # asked only where binning found no cut: a strong real feature's one-outcome tail, binned
    # like any other, is kept (a bureau-like score of AUC 0.9 was dropped when every column
    # was asked)
    steep_rng = np.random.default_rng(SEED_OF_A_STEEP_TAIL)
    z = steep_rng.normal(size=1000)
    steep = (steep_rng.random(1000) < 1 / (1 + np.exp(-(-1 + 2.5 * z)))).astype(int)
    score = pd.Series(np.round(600 - 50 * z))
    assert separation_reason(score, steep, ordered=True) is not None  # asked: a "leak"
    strong = Scorecard().fit(pd.DataFrame({"score": score}), steep)
    assert strong.features_ == ["score"] and strong.iv_["score"] > 1.5
    # the challenger, which bins nothing, leaves out only what tells every row apart
    challenger = Challenger(n_jobs=1, n_estimators=50).fit(frame, y)
    assert challenger.features_ == ["signal", "recoveries"]


def test_the_target_hint_names_the_rarer_value_and_blank_outcomes_can_be_left_out() -> None:
    minus = pd.Series([-1] * 90 + [1] * 10, name="dflt")
    with pytest.raises(TargetError, match=r"--bad-value '1' if '1', the rarer, marks a bad"):
        target_as_bad(minus)
    # values that say nothing of risk ("+" approved and "-" refused in UCI's crx) are a guess
    signs = pd.Series(["-"] * 383 + ["+"] * 307, name="A16")
    with pytest.raises(TargetError, match=r"--bad-value '\+' if '\+', the rarer, marks a bad"):
        target_as_bad(signs)
    # a stray value in one row is no outcome: the rarer of those that hold rows is named
    stray = pd.Series(["A"] * 700 + ["B"] * 290 + ["maybe"], name="grade")
    with pytest.raises(TargetError, match=r"--bad-value 'B' if 'B', the rarer, marks a bad"):
        target_as_bad(stray)
    with pytest.raises(TargetError, match=r"--bad-value 'B' --good-value 'A'"):
        target_as_bad(pd.concat([stray, pd.Series([None] * 9)], ignore_index=True))
    worded = pd.Series(["non-default"] * 90 + ["default"] * 10, name="status")
    with pytest.raises(TargetError, match=r"--bad-value 'default'\)"):
        target_as_bad(worded)
    blanks = pd.Series([0, 1, None, 0, 1, None], name="dflt", dtype=object)
    with pytest.raises(TargetError, match="--good-value 0"):
        target_as_bad(blanks)
    got = target_as_bad(blanks, ["1"], good_values=["0"])
    assert np.array_equal(got, [0, 1, np.nan, 0, 1, np.nan], equal_nan=True)


def test_an_outcome_written_in_two_cases_is_one_outcome() -> None:
    """--bad-value Yes read "yes" as good: 173 of 668 bads learned as goods, silently."""
    y = pd.Series(["Yes", "yes", "Yes ", "YES", "No", "no", "Current"])
    assert target_as_bad(y, ["Yes"]).tolist() == [1, 1, 1, 1, 0, 0, 0]
    both = target_as_bad(y, ["yes"], good_values=["NO"])
    assert both[:6].tolist() == [1, 1, 1, 1, 0, 0] and np.isnan(both[6])
    with pytest.raises(TargetError, match="is named both bad"):
        target_as_bad(y, ["Yes"], good_values=["yes"])


def test_a_csv_written_otherwise_than_training_is_read_as_it_writes_numbers() -> None:
    """A semicolon file written with decimal points ("0.544") under a model that read "0,544"
    had "0.544" read as 544 (a point grouping thousands) or missing; one "#VALUE!" among
    "0,544" in a column training had as plain numbers left every value missing."""
    from credo.model.text_numbers import TEXT_CONVENTION, read_numbers, reading_kinds

    frame = pd.DataFrame(
        {"util": ["0.544", "0,015", "17.17"], "plain": ["0,544", "#VALUE!", "1,5"],
         "same": ["0,5", "2,25", "n/a"], "whole": ['7,549', "#VALUE!", "12"]}
    )  # fmt: skip
    trained = {"util": "decimal_comma", "plain": "plain", "same": "decimal_comma"}
    assert reading_kinds(frame, trained) == trained  # a table with no file: as training did
    frame.attrs[TEXT_CONVENTION] = "other"
    chosen = reading_kinds(frame, trained)
    # a decimal point in a column of decimal commas, where it can mean nothing else
    assert chosen == {"util": "decimal_comma", "plain": "decimal_comma", "same": "decimal_comma"}
    read = read_numbers(frame, chosen)
    assert read["util"].tolist() == [0.544, 0.015, 17.17]
    # "1.234" can: a semicolon file's thousands (1234) where training read "1,5"
    odd = read_numbers(frame.assign(util=["1.234", "1,5", "2.5"]), {"util": "decimal_comma"})
    assert np.isnan(odd["util"][0]) and odd["util"].tolist()[1:] == [1.5, 2.5]
    # a comma-separated file's kinds, not a semicolon file's: "7,549" is 7549 there
    frame.attrs[TEXT_CONVENTION] = ","
    assert reading_kinds(frame, {"whole": "plain"}) == {"whole": "grouped"}
    assert read["plain"].tolist()[::2] == [0.544, 1.5] and np.isnan(read["plain"][1])
    assert read["same"].tolist()[:2] == [0.5, 2.25] and np.isnan(read["same"][2])


def test_whole_euros_stay_text_in_a_comma_file_and_em_spaces_are_spaces(tmp_path) -> None:
    """The comma-file reading took "80.500 €" as 80.5 once it allowed a trailing euro sign;
    a percentage written with an em space ("5.6\u2003%") stayed text."""
    path = tmp_path / "t.csv"
    path.write_text("amount,rate,bad\n80.500 €,5.6\u2003%,0\n120 €,7\u2003%,1\n", encoding="utf-8")
    frame = read_plain_table(path)
    assert frame["amount"].tolist() == ["80.500 €", "120 €"]
    assert frame["rate"].tolist() == [5.6, 7.0]


def test_parquet_decimals_are_numbers(tmp_path) -> None:
    """Money in a Parquet DECIMAL column came to pandas as Python Decimals: read as text by a
    model, so every value missing."""
    import decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    money = pa.array(
        [decimal.Decimal("1234.50"), None, decimal.Decimal("-5.25")], pa.decimal128(12, 2)
    )
    pq.write_table(pa.table({"amount": money, "bad": [0, 1, 0]}), tmp_path / "t.parquet")
    frame = read_plain_table(tmp_path / "t.parquet")
    assert frame["amount"].dtype == np.float64
    assert frame["amount"].tolist()[::2] == [1234.5, -5.25] and np.isnan(frame["amount"][1])


@pytest.mark.parametrize(
    "label",
    ["Summe", "Gesamt", "Gesamtsumme:", "Zwischensumme", "Insgesamt", "Totaal", "Subtotaal",
     "Totale", "Totale generale", "Somma", "Somme", "Sous-total", "TOTAL GÉNÉRAL", "Suma",
     "Total general", "Soma", "Summa", "Totalt", "I alt"],
)  # fmt: skip
def test_totals_rows_of_decimal_comma_exports_are_summaries(label: str) -> None:
    """A German export's "Summe" row was scored as a case without a word, where "Total" was
    told: the labels of the languages whose files write a decimal comma are summaries too."""
    export = pd.DataFrame(
        {
            "kunde": ["K1", "K2", "K3", label],
            "zweck": ["Auto", "Möbel", "Auto", None],
            "betrag": [1.0, 2.0, 3.0, 6.0],
        }
    )
    assert summary_rows(export) == [(3, "kunde", label)]
    # a case whose category is such a word has its other words
    assert summary_rows(export.assign(zweck=["Auto", "Möbel", "Auto", "Auto"])) == []


def test_dates_among_a_few_words_and_dates_in_digits_are_dates():
    """An issue month in SAS form with 2 % "UNKNOWN" was binned as categories and kept (IV
    0.38), and a CSV column of 20180401-style dates, which a reader takes as whole numbers,
    was a model's strongest feature: both are dates, left out."""
    days = pd.date_range("2015-01-01", periods=300, freq="D")
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "issue": [
                d.strftime("%d%b%Y").upper() if i % 50 else "UNKNOWN" for i, d in enumerate(days)
            ],  # fmt: skip
            "ymd": [int(d.strftime("%Y%m%d")) for d in days],
            "ym": [int(d.strftime("%Y%m")) for d in days],
            "amount": rng.integers(1000, 90_000, days.size),
            "year_built": rng.integers(1950, 2020, days.size),
            "grade": rng.choice(["A", "B", "C"], days.size),
            # a third of the rows no date: a column of its own kind, not a date column
            "mixed": [
                d.strftime("%Y-%m-%d") if i % 3 else f"code{i % 7}" for i, d in enumerate(days)
            ],  # fmt: skip
        }
    )
    reasons = unusable_columns(frame)
    assert reasons["issue"] == f"{DATE_REASON} (its other values: 'UNKNOWN')"
    assert reasons["ymd"] == reasons["ym"] == DATE_REASON
    assert not {"amount", "year_built", "grade", "mixed"} & set(reasons)


def test_a_few_negative_whole_numbers_beside_values_never_negative_are_codes() -> None:
    rng = np.random.default_rng(4)
    n = 5_000
    months = rng.integers(0, 95, n).astype(float)
    months[rng.random(n) < 0.55] = -7  # never delinquent
    months[rng.random(n) < 0.05] = -9  # no bureau record
    months[:3] = np.nan
    assert negative_codes(pd.Series(months)) == [-7.0, -9.0]
    status = rng.integers(-2, 9, n)  # Taiwan's repayment status: -2 no use, -1 paid in full
    assert negative_codes(pd.Series(status)) == [-1.0, -2.0]
    ordinary = {
        "balance": rng.normal(500, 800, n).round(2),  # an overdraft is a quantity
        "whole_balance": rng.integers(-300, 3_000, n),  # many negative values
        "flag": rng.choice([-1, 0, 1], n),  # three values: no quantity beside the -1
        "rare": np.where(np.arange(n) < 8, -1, rng.integers(0, 50, n)),  # 8 rows
        "fraction": np.where(rng.random(n) < 0.1, -0.5, rng.uniform(0, 1, n)),
        "four": np.where(rng.random(n) < 0.2, rng.integers(-4, 0, n), rng.integers(0, 9, n)),
        "positive": rng.integers(0, 50, n),
        "text": rng.choice(["-1", "2", "3"], n),
        "booleans": rng.random(n) < 0.5,
    }
    assert {name: negative_codes(pd.Series(v)) for name, v in ordinary.items()} == {
        name: [] for name in ordinary
    }


def test_whole_numbers_of_nines_far_above_the_other_values_are_codes() -> None:
    rng = np.random.default_rng(5)
    n = 5_000
    score = rng.integers(300, 851, n).astype(float)
    score[rng.random(n) < 0.01] = 9999  # not available
    score[:3] = np.nan
    assert nines_codes(pd.Series(score)) == [9999.0]
    late = rng.poisson(0.3, n)
    late[:40], late[40:70] = 98, 96  # a count's "unknown" and "refused"
    assert nines_codes(pd.Series(late)) == [98.0, 96.0]
    dti = np.where(rng.random(n) < 0.03, 999, rng.integers(1, 66, n))
    assert nines_codes(pd.Series(dti)) == [999.0]
    # two people aged 99 below a 999 "unknown": they are ages, and 999 still a code (the
    # rare 99 had cancelled it)
    age = rng.integers(18, 90, n).astype(float)
    age[:2], age[2:150] = 99, 999
    assert nines_codes(pd.Series(age)) == [999.0]
    ordinary = {
        "ages": rng.integers(18, 100, n),  # 99 is an age beside 98
        "near": np.where(rng.random(n) < 0.02, 999, rng.integers(0, 800, n)),  # not far beyond
        "rare": np.where(np.arange(n) < 9, 9999, rng.integers(300, 851, n)),  # 9 rows
        "amounts": rng.normal(5_000, 2_000, n).round(2),
        "not_nines": np.where(rng.random(n) < 0.02, 5000, rng.integers(0, 100, n)),
        "flag": np.where(rng.random(n) < 0.02, 99, rng.integers(0, 2, n)),  # no quantity
        "fraction": np.where(rng.random(n) < 0.02, 999.5, rng.uniform(0, 1, n)),
        "text": rng.choice(["9999", "2", "3"], n),
        "booleans": rng.random(n) < 0.5,
    }
    assert {name: nines_codes(pd.Series(v)) for name, v in ordinary.items()} == {
        name: [] for name in ordinary
    }


def test_codes_written_in_digits_are_found_by_their_zeros_or_a_postal_name(tmp_path):
    from credo.model.tables import codes_in_digits

    rng = np.random.default_rng(3)
    n = 500
    frame = pd.DataFrame(
        {
            "branch": [f"{v:05d}" for v in rng.integers(100, 99999, n)],  # some with zeros
            "plz": rng.integers(10000, 99999, n),  # no zero, but a postal code by name
            "months": rng.integers(0, 120, n),  # a count: no zeros in front
            "amount": rng.normal(100, 10, n).round(2),  # not whole numbers
            "zip_income_median": rng.integers(20000, 90000, n),  # a quantity by a postal code
            "ZipCode": rng.integers(10000, 99999, n),
            # a count with a stray "07" among "7" and "12": a typo, not a code
            "months_open": ["07"] + [str(v) for v in rng.integers(5, 60, n - 1)],
        }
    )
    csv_path = tmp_path / "t.csv"
    frame.to_csv(csv_path, index=False)
    table = read_plain_table(csv_path, for_training=True)
    assert table["branch"].dtype.kind in "iuf"  # the CSV reader took the zeros away
    found = codes_in_digits(csv_path, table, set())
    assert set(found) == {"branch", "plz", "ZipCode"}, found
    assert "padded with zeros, as 0" in found["branch"] and "postal" in found["plz"]
    assert codes_in_digits(csv_path, table, {"branch"}).keys() == {"plz", "ZipCode"}
    # marks of a missing cell among the codes ("?", "NA") leave them codes
    marked = frame.assign(branch=["?", "NA", " ?", "#DIV/0!", *frame["branch"][4:]])
    marked.to_csv(csv_path, index=False)
    table = read_plain_table(csv_path, for_training=True)
    assert "branch" in codes_in_digits(csv_path, table, set())
    # a Parquet file's text column of digits, read as numbers, is found alike
    parquet_path = tmp_path / "t.parquet"
    frame.to_parquet(parquet_path)
    table = read_plain_table(parquet_path, for_training=True)
    assert set(codes_in_digits(parquet_path, table, set())) == {"branch", "plz", "ZipCode"}
    # a category column of Parquet (a dictionary of strings) is read as written too
    frame.assign(branch=frame["branch"].astype("category")).to_parquet(parquet_path)
    table = read_plain_table(parquet_path, for_training=True)
    assert "branch" in codes_in_digits(parquet_path, table, set())


def test_dates_held_as_counts_are_told_by_their_names() -> None:
    """A spreadsheet's serial day and Unix seconds were kept as features: a vintage (recent
    loans have had less time to go bad), every later date beyond the bins (PSI 2.8)."""
    rng = np.random.default_rng(8)
    n = 500
    frame = pd.DataFrame(
        {
            "application_date": rng.integers(43_466, 44_000, n),  # Excel serial days, 2019
            "created_ts": rng.integers(1_546_300_800, 1_577_836_800, n),  # Unix seconds
            "OpenedAt": rng.integers(1_546_300_800_000, 1_577_836_800_000, n),  # milliseconds
            "time_at_address": rng.integers(0, 400, n),  # months: a duration, kept
            "income": rng.integers(20_000, 80_000, n),  # in the serial days' range, no date name
            "ts_ratio": rng.uniform(0.1, 0.9, n),  # a date word, no whole numbers
            # date words that qualify an amount, not name a date
            "full_time_income": rng.integers(20_000, 80_000, n),
            "time_deposit_balance": rng.integers(25_000, 79_000, n),
            "updated_limit": rng.integers(20_000, 60_000, n),
            "date_opened": rng.integers(43_466, 44_000, n),  # a date word first: a date
        }
    )
    reasons = unusable_columns(frame)
    assert {n: reasons.get(n) for n in frame.columns} == {
        "application_date": DATE_REASON,
        "created_ts": DATE_REASON,
        "OpenedAt": DATE_REASON,
        "time_at_address": None,
        "income": None,
        "ts_ratio": None,
        "full_time_income": None,
        "time_deposit_balance": None,
        "updated_limit": None,
        "date_opened": DATE_REASON,
    }


def test_a_blank_cell_is_no_unread_number():
    # a Parquet "" or a semicolon file's "  " in a column of amounts is no value: it was told
    # as "not written as numbers ... (e.g. '$-', '')"
    from credo.model.text_numbers import read_numbers, unreadable_values

    frame = pd.DataFrame({"income": ["1,234.50", "", "  ", "$-", None, "2,000.00"]})
    chosen = {"income": "grouped"}
    read = read_numbers(frame, chosen)
    assert read["income"].isna().tolist() == [False, True, True, True, True, False]
    (found,) = unreadable_values(frame, read, chosen)
    assert found["values"] == 1 and found["examples"] == ["$-"]
    assert unreadable_values(frame.drop(index=3), read.drop(index=3), chosen) == []


def test_a_column_whose_header_cell_is_empty_is_no_input():
    """pandas names a CSV column of an empty header cell "Unnamed: 0", which no database
    calls it (DuckDB: column0): a model reading it could not be scored in SQL."""
    from credo.model.columns import UNNAMED_REASON, unusable_columns

    frame = pd.DataFrame({"Unnamed: 0": [0.5, 1.5, 2.5, 0.1], "x": [1.0, 2.0, 3.0, 4.0]})
    assert unusable_columns(frame) == {"Unnamed: 0": UNNAMED_REASON}
    assert unusable_columns(frame.rename(columns={"Unnamed: 0": "Unnamed"})) == {}

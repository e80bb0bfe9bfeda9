"""Import the UCI "default of credit card clients" data (Yeh & Lien, 2009) as a dataset directory.

One card account per client, six months (April to September 2005) of statements, payments
and Metro 2-style account statuses, a profile, consents, outcomes as of 2005-10-01, and the
protected attributes (sex, marriage, age) kept apart for fairness audits. The mapping is
documented field by field in docs/taiwan.md.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from credo.compressed import CompressedTableError, open_binary, open_text, utf16_text
from credo.events.dataset import DatasetSummary, DatasetWriter, render_readme
from credo.events.schema import CONSENT_SCHEMA, EVENT_SCHEMA, OUTCOME_SCHEMA

MONTHS = 6
# Column suffix k = 1 is September 2005, k = 6 is April 2005.
MONTH_OF_SUFFIX = {k: 10 - k for k in range(1, MONTHS + 1)}
YEAR = 2005
AS_OF = date(2005, 10, 1)
OPENED_AT = datetime(2005, 3, 1)  # the data has no opening date; any day before April will do
CONSENTED_AT = datetime(2005, 2, 1)
DUE_DAY = 20  # statements are due on the 20th of the month after they close
PAYMENT_HOUR = 12
STATUS_HOUR = 12
CURRENCY = "TWD"
FURNISHER = "tw-card-issuer"
SOURCES_USED = ("card", "identity")
PURPOSES_GRANTED = ("credit_scoring", "credit_application")

PAY_STATUS_RANGE = (-2, 9)
EDUCATION = {1: "graduate_school", 2: "university", 3: "high_school", 4: "other"}
SEX = {1: "male", 2: "female"}
MARRIAGE = {1: "married", 2: "single", 3: "other"}

NUMERIC_COLUMNS: tuple[str, ...] = (
    "limit_bal",
    "sex",
    "education",
    "marriage",
    "age",
    *(f"pay_status_{k}" for k in range(1, MONTHS + 1)),
    *(f"bill_amt_{k}" for k in range(1, MONTHS + 1)),
    *(f"pay_amt_{k}" for k in range(1, MONTHS + 1)),
    "bad",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("id", *NUMERIC_COLUMNS)
# The UCI original (its workbook, and CSV copies of it) names the columns otherwise: PAY_0 is
# September's status (some copies say PAY_1), BILL_AMT1 and PAY_AMT1 September's amounts.
UCI_NAMES: dict[str, str] = {
    "pay_0": "pay_status_1",
    "pay_1": "pay_status_1",
    **{f"pay_{k}": f"pay_status_{k}" for k in range(2, MONTHS + 1)},
    **{f"bill_amt{k}": f"bill_amt_{k}" for k in range(1, MONTHS + 1)},
    **{f"pay_amt{k}": f"pay_amt_{k}" for k in range(1, MONTHS + 1)},
    "default_payment_next_month": "bad",
}
INTEGER_COLUMNS = frozenset(
    ["sex", "education", "marriage", "age", "bad"] + [f"pay_status_{k}" for k in range(1, 7)]
)

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an .xls workbook's first bytes
_NUMBER = r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$"

README = """# Taiwan credit card clients, as credo events

The UCI "default of credit card clients" data (Yeh, I.-C. & Lien, C. (2009), Expert Systems
with Applications 36(2); UCI Machine Learning Repository, licence CC BY 4.0), converted by
`credo import taiwan` from `{source}`.

Each client has one card account (opened with its credit limit), six months (April to
September 2005) of statements, payments and account statuses (days past due from the
repayment status), and an identity profile (education, age). Sex and marital status are in
protected.parquet only, and age is there too, for fairness audits. `bad` = default on the
payment due in October 2005; every client's as-of date is 2005-10-01. Amounts are in New
Taiwan dollars (TWD).
The field-by-field mapping is in credo's docs/taiwan.md.
"""


class TaiwanFormatError(ValueError):
    """The CSV does not have the Taiwan data's columns or values; the message says where."""


@dataclass(frozen=True)
class TaiwanClients:
    """The validated columns of a Taiwan CSV, as numpy arrays (one row per client)."""

    ids: pa.Array
    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.ids)

    def monthly(self, prefix: str) -> np.ndarray:
        """A (clients, 6) array of one monthly variable, oldest month (April) first."""
        return np.stack([self.columns[f"{prefix}_{k}"] for k in range(MONTHS, 0, -1)], axis=1)


def read_taiwan_csv(csv_path: str | os.PathLike[str]) -> TaiwanClients:
    """Read and validate a CSV with the Taiwan columns; raise TaiwanFormatError on bad input."""
    path = Path(csv_path)
    if path.is_dir():
        raise TaiwanFormatError(f"{path} is a folder: give the Taiwan CSV file itself")
    if not path.is_file():
        raise TaiwanFormatError(f"{path}: no such file")
    refusal = _not_csv_text(path)
    if refusal:
        raise TaiwanFormatError(refusal)
    try:
        header_line, header = _header(path)
        # The columns are named by position and read as text: the header is the one the csv
        # module read, so no column escapes the text types by a name pyarrow spells otherwise.
        positions = [f"column_{i}" for i in range(len(header))]
        with open_binary(path) as handle:
            table = pacsv.read_csv(
                handle,
                read_options=pacsv.ReadOptions(column_names=positions, skip_rows=header_line),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(positions, pa.string())
                ),
            )
    except pa.ArrowInvalid as exc:
        raise TaiwanFormatError(
            _short_or_long_row(path, header_line, len(header))
            or f"{path}: not a readable CSV file: {exc}"
        ) from exc
    except (CompressedTableError, OSError, EOFError) as exc:
        raise TaiwanFormatError(f"{path}: not a readable CSV file: {exc}") from exc
    names = [_column_name(name) for name in header]
    _check_names(path, header, names)
    table = table.rename_columns(names)
    if table.num_rows == 0:
        raise TaiwanFormatError(f"{path}: no rows after the header")
    first_line = header_line + 1
    ids = pc.utf8_trim_whitespace(table.column("id").combine_chunks())
    _check_ids(path, ids, first_line)
    columns = {name: _numeric(path, table, name, first_line) for name in NUMERIC_COLUMNS}
    _check_values(path, columns, first_line)
    return TaiwanClients(ids=ids, columns=columns)


def _not_csv_text(path: Path) -> str | None:
    """What to tell of a file that is no CSV text though it may be the data (the UCI original
    is a workbook): pyarrow's error quoted its bytes."""
    said = utf16_text(path)
    if said:
        return said
    with path.open("rb") as handle:
        start = handle.read(len(_OLE2_MAGIC))
    workbook = start == _OLE2_MAGIC or (
        start.startswith(b"PK\x03\x04") and path.suffix.lower() in (".xlsx", ".xlsm")
    )
    if not workbook:
        return None
    return (
        f"{path} is an Excel workbook, not a CSV file: open it and save it as 'CSV UTF-8'"
        " (its column names, as the UCI original has them, are read; docs/taiwan.md)"
    )


def _short_or_long_row(path: Path, header_line: int, width: int) -> str | None:
    """The first row of another number of fields than the header's `width` (the header on
    line `header_line`), told with its line."""
    with open_text(path, encoding="utf-8-sig", newline="") as handle:
        lines = csv.reader(handle)
        for _ in range(header_line):
            next(lines, None)
        for fields in lines:
            if fields and len(fields) != width:
                return (
                    f"{path}, line {lines.line_num}: {len(fields)} field(s) where the header"
                    f" has {width}"
                )
    return None


def _column_name(written: str) -> str:
    """The importer's name of a column, from its name as written (any case, spaces and dots
    read as underscores) or as the UCI original writes it."""
    plain = re.sub(r"[\s.]+", "_", written.strip().lower())
    return UCI_NAMES.get(plain, plain)


def _header(path: Path) -> tuple[int, list[str]]:
    """The header's line number and its names as written, read as the rows are: decompressed
    where the suffix says so, a byte-order mark (Excel's "CSV UTF-8") set aside. The header is
    the first line, or the second where only that one names the columns: the UCI workbook
    puts a row of its own names (X1 ... X23, Y) above them."""
    with open_text(path, encoding="utf-8-sig", newline="") as handle:
        lines = csv.reader(handle)
        first, second = next(lines, []), next(lines, [])

    def names_every_column(header: list[str]) -> bool:
        return set(REQUIRED_COLUMNS) <= {_column_name(name) for name in header}

    if not names_every_column(first) and names_every_column(second):
        return 2, second
    return 1, first


def _check_names(path: Path, header: list[str], names: list[str]) -> None:
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise TaiwanFormatError(
            f"{path}: missing column(s) {', '.join(missing)}; a Taiwan file needs the columns"
            f" {', '.join(REQUIRED_COLUMNS)} (or the UCI original's names: ID, LIMIT_BAL, ...,"
            " PAY_0, PAY_2 ... PAY_6, BILL_AMT1 ..., PAY_AMT1 ..., default payment next month;"
            " see docs/taiwan.md)"
        )
    for name in REQUIRED_COLUMNS:
        written = [header[i] for i, given in enumerate(names) if given == name]
        if len(written) > 1:
            raise TaiwanFormatError(
                f"{path}: columns {' and '.join(repr(w) for w in written)} are both {name};"
                " keep one"
            )


def _line(row: int, first_line: int) -> int:
    return row + first_line  # first_line: the line of the first row, after the header


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _check_ids(path: Path, ids: pa.Array, first_line: int) -> None:
    empty = np.asarray(pc.equal(pc.utf8_length(ids), 0).fill_null(True))
    if empty.any():
        raise TaiwanFormatError(
            f"{path}, line {_line(_first(empty), first_line)}: column id is empty"
        )
    values = ids.to_numpy(zero_copy_only=False)
    unique, first_index, counts = np.unique(values, return_index=True, return_counts=True)
    if (counts > 1).any():
        duplicate = unique[counts > 1][0]
        rows = np.flatnonzero(values == duplicate)
        raise TaiwanFormatError(
            f"{path}, lines {_line(rows[0], first_line)} and {_line(rows[1], first_line)}:"
            f" id {duplicate!r} appears twice; each client must have one row"
        )


def _numeric(path: Path, table: pa.Table, name: str, first_line: int) -> np.ndarray:
    column = table.column(name).combine_chunks()
    ok = np.asarray(pc.match_substring_regex(column, _NUMBER).fill_null(False))
    if not ok.all():
        row = _first(~ok)
        raise TaiwanFormatError(
            f"{path}, line {_line(row, first_line)}, column {name}:"
            f" {column[row].as_py()!r} is not a number"
        )
    values = pc.cast(pc.utf8_trim_whitespace(column), pa.float64()).to_numpy()
    if name in INTEGER_COLUMNS:
        fractional = values != np.round(values)
        if fractional.any():
            row = _first(fractional)
            raise TaiwanFormatError(
                f"{path}, line {_line(row, first_line)}, column {name}:"
                f" {values[row]} must be a whole number"
            )
    return values


def _check_values(path: Path, columns: dict[str, np.ndarray], first_line: int) -> None:
    def refuse(name: str, bad: np.ndarray, rule: str) -> None:
        if bad.any():
            row = _first(bad)
            raise TaiwanFormatError(
                f"{path}, line {_line(row, first_line)}, column {name}:"
                f" {columns[name][row]:g} {rule}"
            )

    refuse("limit_bal", columns["limit_bal"] <= 0, "must be a positive credit limit")
    refuse("age", (columns["age"] < 16) | (columns["age"] > 120), "is not an adult's age")
    refuse("bad", ~np.isin(columns["bad"], (0, 1)), "must be 0 or 1")
    low, high = PAY_STATUS_RANGE
    for k in range(1, MONTHS + 1):
        name = f"pay_status_{k}"
        refuse(name, (columns[name] < low) | (columns[name] > high), f"must be in {low}..{high}")
        refuse(f"pay_amt_{k}", columns[f"pay_amt_{k}"] < 0, "must not be negative")


def _timestamps(year: int, month: np.ndarray, day: np.ndarray, hour: int) -> np.ndarray:
    """Microseconds since the epoch for per-row (month, day) dates of one year at `hour`."""
    months = (np.datetime64(f"{year}-01", "M") + (month - 1)).astype("datetime64[D]")
    return ((months + (day - 1)).astype("datetime64[us]") + np.timedelta64(hour, "h")).astype(
        np.int64
    )


def _last_day(year: int, month: np.ndarray) -> np.ndarray:
    first = np.datetime64(f"{year}-01", "M") + (month - 1)
    return ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(np.int64)


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _month_labels(months: np.ndarray) -> pa.Array:
    return pa.array([f"{YEAR}-{m:02d}" for m in range(1, 13)]).take(pa.array(months - 1))


def _json_numbers(keys_values: list[tuple[str, pa.Array]]) -> pa.Array:
    """A JSON object per row from (key, text value) columns; values must already be JSON."""
    parts: list[pa.Array | str] = ["{"]
    for i, (key, value) in enumerate(keys_values):
        parts += [("," if i else "") + f'"{key}":', value]
    parts.append("}")
    return _join(*parts)


def _number_text(values: np.ndarray) -> pa.Array:
    """JSON number text: whole numbers without a trailing .0."""
    whole = values == np.round(values)
    as_int = pc.cast(pa.array(np.where(whole, values, 0).astype(np.int64)), pa.string())
    as_float = pc.cast(pa.array(values), pa.string())
    return pc.if_else(pa.array(whole), as_int, as_float)


def taiwan_events(clients: TaiwanClients) -> pa.Table:
    """Every event of every client, built column-wise (no loop per row)."""
    n = len(clients)
    user_ids = _join("tw-", clients.ids)
    account_ids = _join(user_ids, "-card")
    limit = clients.columns["limit_bal"]
    tables = [
        _account_opened(user_ids, account_ids, limit),
        _profiles(user_ids, clients),
    ]
    # Month grid: column j = 0 is April (suffix 6), j = 5 is September (suffix 1).
    months = np.array([MONTH_OF_SUFFIX[k] for k in range(MONTHS, 0, -1)])
    grid_month = np.tile(months, n)
    grid_user = np.repeat(np.arange(n), MONTHS)
    users = user_ids.take(pa.array(grid_user))
    accounts = account_ids.take(pa.array(grid_user))
    labels = _month_labels(grid_month)
    bill = clients.monthly("bill_amt").ravel()
    paid = clients.monthly("pay_amt").ravel()
    status = clients.monthly("pay_status").ravel().astype(np.int64)
    tables.append(_statements(users, accounts, labels, grid_month, bill))
    tables.append(_payments(users, accounts, labels, grid_month, paid))
    tables.append(_statuses(users, accounts, labels, grid_month, bill, status, limit[grid_user]))
    return pa.concat_tables(tables)


def _events(n: int, **columns: pa.Array | np.ndarray | None) -> pa.Table:
    arrays = []
    for schema_field in EVENT_SCHEMA:
        value = columns.get(schema_field.name)
        if value is None:
            arrays.append(pa.nulls(n, schema_field.type))
        elif isinstance(value, str):
            arrays.append(pa.array([value] * n, schema_field.type))
        else:
            arrays.append(pa.array(value, schema_field.type))
    return pa.Table.from_arrays(arrays, schema=EVENT_SCHEMA)


def _constant_ts(moment: datetime, n: int) -> np.ndarray:
    return np.full(n, np.datetime64(moment, "us").astype(np.int64))


def _account_opened(user_ids: pa.Array, account_ids: pa.Array, limit: np.ndarray) -> pa.Table:
    n = len(user_ids)
    return _events(
        n,
        event_id=_join(account_ids, "-opened"),
        user_id=user_ids,
        source="card",
        furnisher=FURNISHER,
        type="account_opened",
        ts=_constant_ts(OPENED_AT, n),
        account_id=account_ids,
        credit_limit=limit,
        currency=CURRENCY,
        attributes='{"opening_date_known":false}',
    )


def _profiles(user_ids: pa.Array, clients: TaiwanClients) -> pa.Table:
    n = len(user_ids)
    codes = clients.columns["education"].astype(np.int64)
    labels = pa.array([EDUCATION.get(code, "unknown") for code in range(10)])
    education = labels.take(pa.array(np.clip(codes, 0, 9)))
    attributes = _json_numbers(
        [
            ("education", _join('"', education, '"')),
            ("education_code", pc.cast(pa.array(codes), pa.string())),
            ("age", pc.cast(pa.array(clients.columns["age"].astype(np.int64)), pa.string())),
        ]
    )
    return _events(
        n,
        event_id=_join(user_ids, "-profile"),
        user_id=user_ids,
        source="identity",
        furnisher=FURNISHER,
        type="profile",
        ts=_constant_ts(OPENED_AT, n),
        attributes=attributes,
    )


def _statements(users, accounts, labels, month, bill) -> pa.Table:
    n = len(users)
    credit = bill < 0
    next_month = month + 1  # September's statement is due in October, still 2005
    due = (
        (np.datetime64(f"{YEAR}-01", "M") + (next_month - 1)).astype("datetime64[D]")
        + (DUE_DAY - 1)
    ).astype(np.int32)
    attributes = pc.if_else(
        pa.array(credit),
        _json_numbers([("credit_balance", _number_text(np.abs(bill)))]),
        pa.nulls(n, pa.string()),
    )
    return _events(
        n,
        event_id=_join(accounts, "-statement-", labels),
        user_id=users,
        source="card",
        furnisher=FURNISHER,
        type="statement",
        ts=_timestamps(YEAR, month, _last_day(YEAR, month), 0),
        amount=np.maximum(bill, 0.0),
        currency=CURRENCY,
        account_id=accounts,
        due_date=pa.array(due, pa.int32()).cast(pa.date32()),
        attributes=attributes,
    )


def _payments(users, accounts, labels, month, paid) -> pa.Table:
    n = len(users)
    for_statement = _month_labels(month - 1)
    return _events(
        n,
        event_id=_join(accounts, "-payment-", labels),
        user_id=users,
        source="card",
        furnisher=FURNISHER,
        type="payment",
        ts=_timestamps(YEAR, month, np.full(n, DUE_DAY), PAYMENT_HOUR),
        amount=paid,
        currency=CURRENCY,
        account_id=accounts,
        attributes=_json_numbers([("for_statement", _join('"', for_statement, '"'))]),
    )


def _statuses(users, accounts, labels, month, bill, status, limit) -> pa.Table:
    n = len(users)
    status_text = pc.cast(pa.array(status), pa.string())
    with_credit = _json_numbers(
        [("pay_status", status_text), ("credit_balance", _number_text(np.abs(bill)))]
    )
    plain = _json_numbers([("pay_status", status_text)])
    return _events(
        n,
        event_id=_join(accounts, "-status-", labels),
        user_id=users,
        source="card",
        furnisher=FURNISHER,
        type="account_status",
        ts=_timestamps(YEAR, month, _last_day(YEAR, month), STATUS_HOUR),
        amount=np.maximum(bill, 0.0),
        currency=CURRENCY,
        account_id=accounts,
        credit_limit=limit,
        days_past_due=(30 * np.maximum(status, 0)).astype(np.int32),
        attributes=pc.if_else(pa.array(bill < 0), with_credit, plain),
    )


def taiwan_consents(user_ids: pa.Array) -> pa.Table:
    """Grants for the card and identity sources, both purposes, before the first event."""
    pairs = [(s, p) for s in SOURCES_USED for p in PURPOSES_GRANTED]
    n = len(user_ids)
    return pa.Table.from_arrays(
        [
            user_ids.take(pa.array(np.repeat(np.arange(n), len(pairs)))),
            pa.array([s for s, _ in pairs] * n),
            pa.array([p for _, p in pairs] * n),
            pa.array(np.full(n * len(pairs), np.datetime64(CONSENTED_AT, "us"))),
            pa.nulls(n * len(pairs), pa.timestamp("us")),
        ],
        schema=CONSENT_SCHEMA,
    )


def taiwan_outcomes(user_ids: pa.Array, bad: np.ndarray) -> pa.Table:
    n = len(user_ids)
    return pa.Table.from_arrays(
        [user_ids, pa.array([AS_OF] * n, pa.date32()), pa.array(bad.astype(np.int8))],
        schema=OUTCOME_SCHEMA,
    )


def taiwan_protected(user_ids: pa.Array, clients: TaiwanClients) -> pa.Table:
    """Sex, marital status and age: for fairness audits, never model inputs."""

    def labelled(name: str, labels: dict[int, str]) -> pa.Array:
        codes = clients.columns[name].astype(np.int64)
        return pa.array([labels.get(int(code), "unknown") for code in range(10)]).take(
            pa.array(np.clip(codes, 0, 9))
        )

    return pa.table(
        {
            "user_id": user_ids,
            "sex": labelled("sex", SEX),
            "marriage": labelled("marriage", MARRIAGE),
            "age": pa.array(clients.columns["age"].astype(np.int32)),
        }
    )


def import_taiwan(
    csv_path: str | os.PathLike[str], out_dir: str | os.PathLike[str], *, overwrite: bool = False
) -> DatasetSummary:
    """Convert a Taiwan-format CSV into a dataset directory at `out_dir`; return its figures."""
    clients = read_taiwan_csv(csv_path)
    user_ids = _join("tw-", clients.ids)
    events = taiwan_events(clients)
    with DatasetWriter(out_dir, overwrite=overwrite) as writer:
        writer.count_users_as(len(clients))
        writer.write_events(events)
        writer.write_consents(taiwan_consents(user_ids))
        writer.write_outcomes(taiwan_outcomes(user_ids, clients.columns["bad"]))
        writer.write_protected(taiwan_protected(user_ids, clients))
        description = README.format(source=Path(csv_path).name)
        writer.write_readme(render_readme(description, writer.summary))
    return writer.summary

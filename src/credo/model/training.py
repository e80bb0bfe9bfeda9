"""Training as one call: read the data, guard protected attributes, fit, measure, package.

Used by `credo train` and by anything else that trains (demo, benchmarks): the CLI only adds
options, progress and printing.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone as sklearn_clone
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import train_test_split

from credo.model import row_prints, scaling, tables, unscorable
from credo.model.artifact import ModelArtifact
from credo.model.columns import (
    LEAK_QUESTION,
    TargetError,
    known_outcomes,
    name_words,
    outcome_readings,
    unusable_columns,
)
from credo.model.scorecard import Scorecard
from credo.model.segments import SegmentedScorecard

HOLDOUT_SHARE = 0.2
MIN_ROWS_FOR_HOLDOUT = 50
FEATURE_TABLE_KEYS = ("user_id", "as_of")


class TrainingError(ValueError):
    """Training cannot go ahead; the message says why and what to do."""


@dataclass
class TrainingData:
    """Candidate inputs, the target and where they came from."""

    X: pd.DataFrame
    y: np.ndarray
    meta: list | None
    kind: str  # "features" or "table"
    id_column: str | None
    target: str
    sources: list[str]
    fingerprint: str
    bad_values: tuple[str, ...] = ()  # plain tables: the target values that mean bad
    good_values: tuple[str, ...] = ()  # ... and good, when the rest are left out
    indeterminate_rows: int = 0  # rows left out for holding neither
    unscorable_rows: int = 0  # feature rows no consented event fed, left out (never scored)
    unlabelled_rows: int = 0  # feature rows the outcomes file gives no outcome: not the sample
    # plain tables: text columns read as numbers, {column: a columns.TEXT_NUMBER_EDITS kind}
    text_numbers: dict[str, str] = field(default_factory=dict)
    # every input the source offers, --exclude or not: numbered for stable reason codes
    code_order: tuple[str, ...] = ()
    ids: pd.Series | None = None  # plain tables with --id: each kept row's id
    # with --bad-value: each target value, its rows and how it was read (outcome_readings)
    target_readings: list[tuple[str | None, int, str]] = field(default_factory=list)
    # plain tables: the columns whose points were read as separators of thousands
    thousands_points: tuple[str, ...] = ()
    catalog_version: str | None = None  # feature tables: the catalog they were built with
    # plain tables: a tab, bar or semicolon file read with commas between thousands
    comma_thousands: bool = False
    # plain tables: columns read with a decimal comma that may separate thousands, each with
    # such a value ("69,000")
    commas_like_thousands: dict[str, str] = field(default_factory=dict)
    # plain tables: the note on rows of nothing at all left out (tables.empty_rows_note)
    empty_rows_note: str | None = None
    # plain tables: the warning on rows of fewer fields than the header (tables.SHORT_ROWS)
    short_rows_warning: str | None = None


def file_fingerprint(paths: Sequence[str | Path]) -> str:
    """sha256 over the bytes of the input files, in order; a folder (a Parquet table as
    Spark writes it) by its data files' bytes in sorted name order."""
    digest = hashlib.sha256()
    files = [
        part
        for path in map(Path, paths)
        for part in (tables.parquet_parts(path) if path.is_dir() else [path])
    ]
    for path in files:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return "sha256:" + digest.hexdigest()


def load_feature_training(
    features: Path,
    outcomes: Path,
    exclude: Sequence[str] = (),
    bad_values: Sequence[str] = (),
    good_values: Sequence[str] = (),
    target: str = "bad",
) -> TrainingData:
    """A credo feature table joined to its outcomes (user_id[, as_of] -> the outcomes file's
    `target` column, named ``bad`` from here on); every feature but those in ``exclude`` is a
    candidate. The outcome is read as for a plain table's target."""
    frame, meta = tables.read_features(features)
    names = [m.name if not isinstance(m, dict) else m["name"] for m in meta]
    unknown = [name for name in exclude if name not in names]
    if unknown:
        raise TrainingError(
            f"{features}: --exclude names features the table lacks: {', '.join(unknown)}; "
            "`credo features list` describes the catalog"
        )
    left_out = set(exclude)
    kept = [i for i, name in enumerate(names) if name not in left_out]
    catalog = catalog_code_order(names)
    meta, names = [meta[i] for i in kept], [names[i] for i in kept]
    joined = tables.join_outcomes(frame, outcomes, target)
    # the outcomes file chooses the sample: the table's other rows are not trained on
    unlabelled_rows = len(frame) - len(joined)
    readings = outcome_readings(joined["bad"], bad_values, good_values) if bad_values else []
    try:
        joined, y, left_out = known_outcomes(joined, "bad", bad_values, good_values, str(outcomes))
    except TargetError as exc:
        raise TrainingError(str(exc)) from None
    # people no consented event fed are never scored, so they teach the model nothing
    try:
        joined, y, unscorable_rows = unscorable.drop_unscorable(joined, y)
    except ValueError as exc:
        raise TrainingError(f"{features}: {exc}") from None
    return TrainingData(
        catalog_version=tables.feature_table_catalog(features),
        code_order=catalog,
        X=joined[names],
        y=y,
        meta=meta,
        kind="features",
        id_column="user_id",
        target=target,
        sources=[str(features), str(outcomes)],
        fingerprint=file_fingerprint([features, outcomes]),
        bad_values=tuple(str(v) for v in bad_values),
        good_values=tuple(str(v) for v in good_values),
        indeterminate_rows=left_out,
        unscorable_rows=unscorable_rows,
        unlabelled_rows=unlabelled_rows,
        target_readings=readings,
    )


def catalog_code_order(names: Sequence[str]) -> tuple[str, ...]:
    """The order a feature table's features are numbered in for reason codes: the whole
    catalog's where the table's features are the catalog's, else the table's own (a table of
    other features). A policy that denies a feature leaves it out of the table, and numbering
    the table's own features had shifted every code after it (under policy eu, without
    `id_address_months`, `id_months_known` took its R63)."""
    from credo.features.catalog import CATALOG

    whole = tuple(spec.name for spec in CATALOG)
    return whole if set(names) <= set(whole) else tuple(names)


def load_table_training(
    table: Path,
    target: str,
    id_column: str | None = None,
    exclude: Sequence[str] = (),
    bad_values: Sequence[str] = (),
    good_values: Sequence[str] = (),
    comma_thousands: bool = False,
) -> TrainingData:
    """A plain table: every column but the target, the id and ``exclude`` is a candidate.
    The target is 0/1 (or booleans), or bad where it holds one of ``bad_values``; with
    ``good_values`` too, rows holding neither (indeterminate outcomes) are left out."""
    if id_column is not None and id_column == target:
        raise TrainingError(f"--id and --target both name {target!r}: the id must be a key column")
    frame = tables.read_plain_table(
        table, id_column=id_column, for_training=True, comma_thousands=comma_thousands
    )
    text_numbers = dict(frame.attrs.get(tables.TEXT_NUMBERS, {}))
    empty_note = tables.empty_rows_note(frame)
    for column, option in ((target, "--target"), (id_column, "--id")):
        if column is not None and column not in frame.columns:
            raise TrainingError(
                f"{table}: no column {column!r} for {option}"
                + (
                    tables.written_otherwise_hint(column, frame)
                    or f"; columns are {', '.join(map(str, frame.columns))}"
                    + tables.header_below_hint(table, frame)
                )
            )
    unknown = [c for c in exclude if c not in frame.columns]
    if unknown:
        raise TrainingError(f"{table}: --exclude names columns it lacks: {', '.join(unknown)}")
    drop = {target, id_column, *exclude} - {None}
    _refuse_names_alike_but_for_case(table, [c for c in frame.columns if c not in exclude])
    readings = outcome_readings(frame[target], bad_values, good_values) if bad_values else []
    short = tables.short_rows_warning(frame)
    try:
        frame, y, left_out = known_outcomes(frame, target, bad_values, good_values, str(table))
    except TargetError as exc:
        # a row cut short loses its outcome first: said beside the missing outcome
        raise TrainingError(f"{exc}" + (f". {short}" if short else "")) from None
    return TrainingData(
        code_order=tuple(str(c) for c in frame.columns if c not in {target, id_column}),
        X=frame[[c for c in frame.columns if c not in drop]],
        y=y,
        meta=None,
        kind="table",
        id_column=id_column,
        target=target,
        sources=[str(table)],
        fingerprint=file_fingerprint([table]),
        bad_values=tuple(str(v) for v in bad_values),
        good_values=tuple(str(v) for v in good_values),
        indeterminate_rows=left_out,
        text_numbers={c: k for c, k in text_numbers.items() if c not in drop},
        ids=frame[id_column].reset_index(drop=True) if id_column is not None else None,
        target_readings=readings,
        thousands_points=tuple(
            c for c in frame.attrs.get(tables.THOUSANDS_POINTS, ()) if c not in drop
        ),
        comma_thousands=bool(frame.attrs.get(tables.COMMA_THOUSANDS)),
        commas_like_thousands={
            c: v
            for c, v in frame.attrs.get(tables.COMMAS_LIKE_THOUSANDS, {}).items()
            if c not in drop
        },
        empty_rows_note=empty_note,
        short_rows_warning=short,
    )


def _refuse_names_alike_but_for_case(table: Path, columns: Sequence[Any]) -> None:
    """SQL engines (DuckDB, Spark) read names that differ only in case as one column, so a
    model over both could not be scored in SQL as in Python."""
    seen: dict[str, str] = {}
    for column in map(str, columns):
        other = seen.setdefault(column.lower(), column)
        if other != column:
            raise TrainingError(
                f"{table}: columns {other!r} and {column!r} differ only in case, and SQL engines "
                "read them as one column (the model's SQL would score the wrong one): rename "
                "one, or leave one out with --exclude"
            )


def protected_inputs(
    columns: Sequence[str], policy_protected: Sequence[str], extra: Sequence[str] = ()
) -> list[str]:
    """Candidate columns that are protected attributes: names compared word by word, whatever
    the case, spacing or separators ("sex ", "Marital-Status" and "maritalStatus" are
    "marital_status" and "sex")."""
    names = [*policy_protected, *extra]
    return [c for c in columns if names_protected(str(c), names)]


# Names that are also words for other things' properties (an account's age, a screen's
# colour depth, a race condition): a column holding one is protected only when it is about a
# person, by its other words: every one a word of how the value is written or coded
# (FORM_WORDS: age_in_years, race_white, log_age) or one naming whose it is (PERSON_WORDS:
# applicant_age_at_application, account_holder_age). Other names (sex, gender, marital_status,
# religion, ...) are protected wherever their words stand (sex_female, customer_gender).
AMBIGUOUS_NAMES = frozenset({"age", "color", "colour", "race"})
# fmt: off
PERSON_WORDS = frozenset((
    "applicant", "applicants", "customer", "customers", "client", "clients", "borrower",
    "borrowers", "person", "persons", "holder", "holders", "owner", "owners", "coapplicant",
    "guarantor", "spouse", "partner", "self", "member", "individual", "skin",
))
FORM_WORDS = frozenset((
    "of", "the", "in", "at", "on", "years", "yrs", "year", "months", "month", "band", "bucket",
    "group", "range", "cat", "category", "code", "cd", "status", "flag", "ind", "indicator",
    "value", "raw", "reported", "declared", "log", "sq", "squared", "application", "file",
    "record", "main", "primary", "co", "white", "black", "asian", "hispanic", "latino",
    "native", "other", "unknown", "mixed",
))
# fmt: on


def names_protected(column: str, protected: Sequence[str]) -> bool:
    """Whether a column name names a protected attribute: its words (name_words) hold one of
    the names' words, and for a name in AMBIGUOUS_NAMES its other words say it is a person's.
    Training refuses such columns as inputs and evaluation audits them: one rule for both."""
    words = name_words(column)
    for name in protected:
        parts = name_words(name)
        if not parts:  # a name of no letter or digit names nothing (it had matched everything)
            continue
        for i in range(len(words) - len(parts) + 1):
            if words[i : i + len(parts)] != parts:
                continue
            rest = words[:i] + words[i + len(parts) :]
            if not (set(parts) & AMBIGUOUS_NAMES) or all(w in FORM_WORDS for w in rest):
                return True
            if any(w in PERSON_WORDS for w in rest):
                return True
    return False


# A held-out AUC this high is nearly always a leak, a column known only after the outcome
# (payments received, recoveries): real credit scores seldom pass 0.85 (Taiwan, German credit
# and GMSC in BENCHMARKS.md: 0.77 to 0.81).
# `credo train` warns of it and `credo evaluate` flags it.
LEAK_AUC = 0.95


def auc_standard_error(auc: float, bads: int, goods: int) -> float:
    """Hanley and McNeil's (1982) standard error of an AUC measured on so many bads and
    goods: how far it may be from the model's true AUC by the luck of the sample."""
    if bads < 1 or goods < 1:
        return float("inf")
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    variance = (
        auc * (1 - auc) + (bads - 1) * (q1 - auc * auc) + (goods - 1) * (q2 - auc * auc)
    ) / (bads * goods)
    return float(np.sqrt(max(variance, 0.0)))


def binary_metrics(y: np.ndarray, p_bad: np.ndarray) -> dict[str, float]:
    """AUC, Gini and KS of predicted bad probabilities, and the rows (and bad rows) measured."""
    auc = float(roc_auc_score(y, p_bad))
    fpr, tpr, _ = roc_curve(y, p_bad)
    return {
        "auc": auc,
        "gini": 2 * auc - 1,
        "ks": float(np.max(tpr - fpr)),
        "rows": int(len(y)),
        "bads": int(np.sum(y)),
    }


def score_distribution(scores: np.ndarray) -> dict[str, list]:
    """Training score deciles and the share of scores in each (for stability checks)."""
    edges = np.unique(np.quantile(scores, np.linspace(0.1, 0.9, 9)))
    counts = np.bincount(np.searchsorted(edges, scores, side="right"), minlength=len(edges) + 1)
    return {"edges": edges.tolist(), "shares": (counts / max(len(scores), 1)).tolist()}


def _crowded_ends(card: Any, scores: pd.DataFrame) -> dict[str, Any]:
    """Where the training rows crowd an end of the scale (a book of few bads against a scale
    anchored for 5-25 %): the share at each crowded end and the base odds that would fit
    them (said at training and in the model file; an earlier credo reads the file as ever)."""
    crowded = scaling.crowded_ends(scores["score"].to_numpy(), card.scale_)
    if not crowded:
        return {}
    p_bad = np.clip(scores["pd"].to_numpy(dtype=float), 1e-15, 1 - 1e-15)
    fitting = scaling.fitting_base_odds(np.log(p_bad / (1 - p_bad)), card.scale_)
    return {"crowded_ends": crowded, "fitting_base_odds": fitting}


def train_model(
    data: TrainingData,
    scorecard: Any = None,
    challenger: bool = False,
    policy: str | None = None,
    step: Callable[[str], None] = lambda _: None,
    policy_rules: str | None = None,
) -> ModelArtifact:
    """Fit on an internal stratified split for held-out metrics, then refit on all rows."""
    started = time.perf_counter()
    card = scorecard if scorecard is not None else Scorecard()
    metrics: dict[str, Any] = {}
    split = _holdout_split(data.y)
    held_X = None
    if split is not None:
        train_rows, test_rows = split
        held_X = _training_split(data, train_rows)
        step("fitting on the training split")
        held = _fit(
            clone_card(card),
            held_X,
            data.y[train_rows],
            data.meta,
            lambda text: step(f"fitting on the training split: {text}"),
        )
        # measured, as evaluation measures, on the people the model scores
        test_rows = test_rows[_scored(data, data.X.iloc[test_rows], held)]
        split = train_rows, test_rows
        held_p = held.predict_proba(data.X.iloc[test_rows])[:, 1]
        metrics["holdout"] = binary_metrics(data.y[test_rows], held_p)
        metrics["holdout"]["features"] = len(held.features_)
        if isinstance(held, SegmentedScorecard):
            # the split's search may find fewer segments than the one on all rows: its
            # figures are then of another shape of model, which `train` and `model show` say
            metrics["holdout"]["segments"] = len(held.segments_)
    step("fitting on all rows")
    _fit(card, data.X, data.y, data.meta, lambda text: step(f"fitting on all rows: {text}"))
    _write_as_read(card, data.text_numbers, _yes_no_columns(data))
    scored = _scored(data, data.X, card)
    train_scores = card.score_table(data.X.loc[scored])
    metrics["train"] = binary_metrics(data.y[scored], train_scores["pd"].to_numpy())
    challenger_data = None
    if challenger:
        challenger_data = _fit_challenger(
            data, split, held_X, metrics, step, leaks(card), _categorical(card)
        )
    training = {
        "kind": data.kind,
        "rows": int(len(data.y)),
        "bad_rate": float(np.mean(data.y)),
        "target": data.target,
        "bad_values": list(data.bad_values),
        "good_values": list(data.good_values),
        "indeterminate_rows": data.indeterminate_rows,
        "unscorable_rows": data.unscorable_rows,
        **({"unlabelled_rows": data.unlabelled_rows} if data.unlabelled_rows else {}),
        "id_column": data.id_column,
        "inputs": [str(c) for c in data.X.columns],
        "text_numbers": dict(data.text_numbers),
        "sources": [Path(s).name for s in data.sources],
        "data_fingerprint": data.fingerprint,
        "policy": policy,
        # the policy's rules: a feature table built under another file of its name is refused
        **({"policy_rules": policy_rules} if policy_rules else {}),
        **({"catalog_version": data.catalog_version} if data.kind == "features" else {}),
        # said only where true: an earlier credo reads the file as it always did
        **({"comma_thousands": True} if data.comma_thousands else {}),
        "holdout_share": HOLDOUT_SHARE if split is not None else 0.0,
        "score_distribution": score_distribution(train_scores["score"].to_numpy()),
        # a sample of the rows' fingerprints: evaluation tells its training rows in any file
        "row_sample": row_prints.training_sample(data.X, skip=data.text_numbers),
        **_crowded_ends(card, train_scores),
        "seconds": round(time.perf_counter() - started, 3),
    }
    return ModelArtifact(
        scorecard=card, training=training, metrics=metrics, challenger=challenger_data
    )


# How a plain table's column read from text is written back in its reasons: a percentage
# ("13.5%", read as 13.5) with its sign, an amount ("$1,234.50") with grouped thousands
_UNIT_OF_TEXT_KIND = {
    "percent": "percent",
    "grouped": "money",
    "decimal_comma": "decimal_comma",
    "grouped_decimal_comma": "money_decimal_comma",
}


def _write_as_read(card: Any, text_numbers: dict[str, str], yes_no: list[str] = ()) -> None:
    """Give each column read from text the unit its reasons are written in ("util: 12.4% to
    under 19.2%", not "12.4 to under 19.2", of a column written "51%"), and each column of
    true/false values "yes_no" ("has guarantor: no", not "under 1")."""
    units = {name: _UNIT_OF_TEXT_KIND.get(kind) for name, kind in text_numbers.items()}
    units.update(dict.fromkeys(yes_no, "yes_no"))
    # the segmented model's own meta too: its splits' texts read it
    for model_card in {id(c): c for c in [card, *unscorable.model_cards(card)]}.values():
        for name, unit in units.items():
            if unit and name in model_card.meta_ and not model_card.meta_[name].get("reason"):
                model_card.meta_[name]["unit"] = unit


def _yes_no_columns(data: TrainingData) -> list[str]:
    """A plain table's columns of true/false values (a Parquet boolean, a CSV's True/False),
    binned as 0 and 1; a feature table's units are its catalog's."""
    from credo.model.tables import holds_booleans

    if data.meta is not None:
        return []
    return [str(name) for name in data.X.columns if holds_booleans(data.X[name])]


def _scored(data: TrainingData, X: pd.DataFrame, card: Any) -> np.ndarray:
    """Which rows of X the fitted `card` scores: a feature-table model leaves unscored those
    of which it reads nothing (credo.model.unscorable); a plain table's, every row."""
    if data.kind != "features":
        return np.ones(len(X), dtype=bool)
    return ~unscorable.unscored(X, card)


def _fit(card: Any, X: Any, y: Any, meta: list | None, step: Callable[[str], None]) -> Any:
    """Fit a scorecard, or a segmented one telling `step` how its search goes."""
    if isinstance(card, SegmentedScorecard):
        return card.fit(X, y, meta=meta, step=step)
    return card.fit(X, y, meta=meta)


def _training_split(data: TrainingData, rows: np.ndarray) -> pd.DataFrame:
    """The rows of the held-out check's fit, without the plain table's columns that are no
    inputs on all rows (identifiers, dates): judged on a sample, a row number has gaps and
    would pass for a number, so the check would measure a model that is not the one kept."""
    frame = data.X.iloc[rows]
    if data.meta is not None:
        return frame
    return frame.drop(columns=list(unusable_columns(data.X)))


def clone_card(card: Any) -> Any:
    """An unfitted copy with the same settings (a Scorecard or a SegmentedScorecard)."""
    return sklearn_clone(card)


def _holdout_split(y: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    if len(y) < MIN_ROWS_FOR_HOLDOUT or np.bincount(y.astype(int)).min() < 5:
        return None
    rows = np.arange(len(y))
    train_rows, test_rows = train_test_split(
        rows, test_size=HOLDOUT_SHARE, stratify=y, random_state=0
    )
    return np.sort(train_rows), np.sort(test_rows)


def leaks(card: Any) -> dict[str, str]:
    """The columns the scorecard left out as telling the outcome, with its reasons."""
    return {n: why for n, why in card.dropped_.items() if why.endswith(LEAK_QUESTION)}


def _categorical(card: Any) -> list[str]:
    """The columns the scorecard was told to take as categories (--categorical, codes written
    in digits), a segmented one's too."""
    inner = card.scorecard if isinstance(card, SegmentedScorecard) else card
    return list(getattr(inner, "categorical", None) or ())


def _fit_challenger(
    data: TrainingData,
    split,
    held_X,
    metrics: dict,
    step,
    left_out: dict[str, str],
    categorical: list[str],
) -> dict:
    """The challenger, without the columns the scorecard found to be leaks (the trees would
    build on them: 0.97 AUC from a written-off flag the card had left out), and with its
    categories."""
    from credo.model.challenger import Challenger

    if split is not None:
        step("fitting the challenger on the training split")
        train_rows, test_rows = split
        held = Challenger(left_out=left_out, categorical=categorical or None).fit(
            held_X,
            data.y[train_rows],
            meta=data.meta,
            step=lambda text: step(f"fitting the challenger on the training split: {text}"),
        )
        held_p = held.predict_proba(data.X.iloc[test_rows])[:, 1]
        metrics["challenger_holdout"] = binary_metrics(data.y[test_rows], held_p)
    step("fitting the challenger on all rows")
    model = Challenger(left_out=left_out, categorical=categorical or None).fit(
        data.X,
        data.y,
        meta=data.meta,
        step=lambda text: step(f"fitting the challenger on all rows: {text}"),
    )
    metrics["challenger_train"] = binary_metrics(data.y, model.predict_proba(data.X)[:, 1])
    return model.to_dict()


def load_scoring_table(
    features: Path | None,
    table: Path | None,
    id_column: str | None,
    text_columns: Sequence[str] = (),
    default_id: str | None = None,
    comma_thousands: bool = False,
) -> tuple[pd.DataFrame, Any, str | None]:
    """The rows to score, their ids as written (user_id, the --id column, else `default_id`
    where the table has it, else the row number) and the id column taken. `text_columns`: the
    columns to read from a CSV file as text, as training read them (ModelArtifact.text_inputs:
    "4.500" would be 4.5 in a file whose other values pandas takes for decimals).
    `comma_thousands`: as the model's training file, a tab, bar or semicolon file writes
    numbers with commas between thousands."""
    if features is not None:
        frame, _ = tables.read_features(features)
        return frame, frame["user_id"].to_numpy(), "user_id"
    assert table is not None
    frame = tables.read_plain_table(
        table,
        text_columns,
        id_column or default_id,
        comma_thousands=comma_thousands,
        allow_empty=True,
    )
    if id_column is None and default_id in frame.columns:
        id_column = default_id
    if id_column is None:  # rows of nothing left out keep the others' numbers
        return frame, tables.row_numbers(frame), None
    if id_column not in frame.columns:
        raise TrainingError(
            f"{table}: no column {id_column!r} for --id"
            + (
                tables.written_otherwise_hint(id_column, frame)
                or tables.header_below_hint(table, frame)
            )
        )
    # the column's own array, not numpy's: ids with a gap would turn float
    return frame, frame[id_column].array, id_column

"""The challenger: gradient-boosted trees (LightGBM) that must earn their place next to the
scorecard on held-out data.

Kept explainable and credit-shaped: monotone constraints from each feature's direction hint
(more days past due never lowers risk), shallow trees, a slow learning rate, large leaves, a
fixed seed, and early stopping on an internal stratified validation split. Reasons come from
LightGBM's exact per-feature contributions (TreeSHAP, `pred_contrib=True`): the features
pushing this person's risk up the most. The fitted model is data: `to_dict()` holds the
booster as LightGBM's model text plus everything needed to prepare inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
import pyarrow as pa
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split

from credo.explain import reasons as rs
from credo.model.bins import answer_level, as_float_array, level_key, loose_level_key
from credo.model.columns import SEPARATION_REASON, separates_outcome, unusable_columns
from credo.model.tables import booleans_with_gaps

FORMAT = "credo.challenger"
FORMAT_VERSION = 1

# direction hint (feature meta) or monotone word -> LightGBM constraint on the log-odds of bad
DIRECTION_CONSTRAINTS: dict[str, int] = {
    "higher_is_riskier": 1,
    "ascending": 1,
    "higher_is_safer": -1,
    "descending": -1,
    "none": 0,
    "": 0,
}


def as_frame(X: Any) -> pd.DataFrame:
    """A pandas DataFrame view of a DataFrame, pyarrow Table, dict of arrays or 2-D array."""
    if isinstance(X, pd.DataFrame):
        return booleans_with_gaps(X)
    if isinstance(X, pa.Table):
        return booleans_with_gaps(X.to_pandas())
    if isinstance(X, Mapping):
        return booleans_with_gaps(
            pd.DataFrame({name: np.asarray(column) for name, column in X.items()})
        )
    array = np.asarray(X)
    if array.ndim != 2:
        raise ValueError("X must be a table (DataFrame, Arrow table, dict) or a 2-D array")
    return pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])


def _meta_field(meta: Any, field: str) -> Any:
    return meta.get(field) if isinstance(meta, Mapping) else getattr(meta, field, None)


def _level_code(value: Any, codes: Mapping[str, float]) -> float:
    """A categorical value's code; NaN where missing or unseen. A number or boolean written
    as text ("007", " 7", "true") is the level training saw as a number, and a boolean or
    another spelling of yes or no the level spelling that answer, as the scorecard reads them
    (bins.loose_level_key, bins.answer_level)."""
    key = level_key(value)
    if key is None:
        return np.nan
    if key not in codes:
        key = loose_level_key(value) or key
    if key not in codes:  # "Yes" or True where "yes" was written
        key = answer_level(value, list(codes)) or key
    return codes.get(key, np.nan)


def _is_categorical(column: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column))


MAX_CATEGORY_LEVELS_A_SPLIT = 8


class Challenger(ClassifierMixin, BaseEstimator):
    """Monotone LightGBM classifier of bad (1) against good (0), with exact-contribution reasons.

    Parameters
    ----------
    n_estimators: the most boosting rounds; early stopping usually ends sooner.
    learning_rate, num_leaves, max_depth, subsample, colsample_bytree,
    reg_lambda: the usual LightGBM knobs, defaulting to shallow, heavily regularised trees.
    min_child_samples: the fewest rows in a leaf; None: 2.5 % of the training rows, kept
        between 20 and 100 (large leaves keep the trees smooth, small data still gets splits).
    early_stopping_rounds: rounds without validation log-loss improvement before stopping.
    validation_share: share of rows held out (stratified) to choose the number of rounds;
        the final model is refit on all rows with that many rounds.
    monotone_by_feature: direction per column for plain tables ("higher_is_riskier",
        "higher_is_safer", "ascending", "descending", or +1/-1/0); meta hints take precedence.
    monotone: False leaves every feature unconstrained, hints or not: a benchmark of what the
        constraints cost (on the Taiwan events, about 0.001 AUC), not a model to explain to a
        person, whose reasons may then run against the features' own risk order.
    random_state: the seed of the split and of LightGBM's sampling.
    left_out: columns not to use, each with the reason (a scorecard's leaks: a column that
        nearly tells the outcome would otherwise carry the trees).
    categorical: columns taken as categories whatever their type (codes written in digits,
        such as a branch or postal code: ranked as numbers, their order is noise); text
        columns are categories anyway.
    n_jobs: LightGBM threads (default None: all cores). The histograms are built column by
        column, each by one thread, so the trees are the same whatever the thread count.
    """

    def __init__(
        self,
        n_estimators: int = 2000,
        learning_rate: float = 0.05,
        num_leaves: int = 8,
        max_depth: int = 3,
        min_child_samples: int | None = None,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        reg_lambda: float = 1.0,
        early_stopping_rounds: int = 100,
        validation_share: float = 0.2,
        monotone_by_feature: dict[str, Any] | None = None,
        monotone: bool = True,
        random_state: int = 0,
        n_jobs: int | None = None,
        left_out: dict[str, str] | None = None,
        categorical: Sequence[str] | None = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.early_stopping_rounds = early_stopping_rounds
        self.validation_share = validation_share
        self.monotone_by_feature = monotone_by_feature
        self.monotone = monotone
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.left_out = left_out
        self.categorical = categorical

    # -- fitting ---------------------------------------------------------------------------

    def fit(
        self,
        X: Any,
        y: Any,
        meta: Sequence[Any] | None = None,
        step: Callable[[str], None] | None = None,
    ) -> Challenger:
        """Learn the trees. `meta`: feature metadata (name, direction, reason, ...) or None;
        `step`, if given, is told how the boosting goes (for a progress display)."""
        frame = as_frame(X)
        labels = np.asarray(y, dtype=np.float64).ravel()
        if labels.shape[0] != len(frame):
            raise ValueError(f"X has {len(frame)} rows but y has {labels.shape[0]}")
        if not np.isin(labels, (0.0, 1.0)).all():
            raise ValueError("y must be 0 (good) or 1 (bad) on every row")
        self.dropped_ = unusable_columns(frame) if meta is None else {}
        self.dropped_.update({str(n): why for n, why in (self.left_out or {}).items()})
        self.features_ = self._choose_features(frame, meta)
        # as for the scorecard: a column that alone tells the outcome is a leak, not an input
        for name in self.features_:
            ordered = name not in (self.categorical or ()) and not _is_categorical(frame[name])
            if separates_outcome(frame[name], labels, ordered=ordered):
                self.dropped_[name] = SEPARATION_REASON
        self.features_ = [name for name in self.features_ if name not in self.dropped_]
        if not self.features_:
            raise ValueError(f"no column can be an input: {self.dropped_}")
        chosen = set(self.categorical or ())
        self.categories_ = {
            name: sorted({level_key(v) for v in frame[name].dropna().unique()} - {None})
            for name in self.features_
            if name in chosen or _is_categorical(frame[name])
        }
        self.monotone_ = [self._constraint(name, meta) for name in self.features_]
        self.reason_texts_ = self._reason_texts(meta)
        self.specials_ = self._special_values(meta)
        self.text_meta_ = self._text_meta(meta)
        matrix = self._matrix(frame)
        # the quartiles of each catalog feature's values (special values aside): a text of
        # "low" or "high" is told only beyond them, where it is clearly true (`_value_texts`)
        self.text_cuts_ = {
            name: (float(np.nanquantile(column, 0.25)), float(np.nanquantile(column, 0.75)))
            for name, column in zip(self.features_, matrix.T, strict=True)
            if name in self.text_meta_
            and name not in self.categories_
            and np.isfinite(column).any()
        }
        self.min_child_samples_ = (
            int(min(100, max(20, 0.025 * labels.size)))
            if self.min_child_samples is None
            else int(self.min_child_samples)
        )
        self.n_iter_ = self._rounds_by_early_stopping(matrix, labels, step)
        self.booster_ = lgb.train(
            self._lgb_params(),
            self._dataset(matrix, labels),
            num_boost_round=self.n_iter_,
            callbacks=_progress(step, f"growing {self.n_iter_} trees: tree"),
        )
        self.classes_ = np.array([0, 1])
        return self

    def _choose_features(self, frame: pd.DataFrame, meta: Sequence[Any] | None) -> list[str]:
        if meta is None:  # a plain table: dates and identifiers are not inputs
            return [str(name) for name in frame.columns if str(name) not in self.dropped_]
        names = [str(_meta_field(m, "name")) for m in meta]
        absent = [name for name in names if name not in frame.columns]
        if absent:
            raise ValueError(f"feature(s) {absent} are in the metadata but not in X")
        return names

    def _constraint(self, name: str, meta: Sequence[Any] | None) -> int:
        if not self.monotone or name in self.categories_:
            return 0  # lifted (a benchmark), or a category: no order to be monotone in
        hint: Any = None
        for item in meta or ():
            if _meta_field(item, "name") == name:
                hint = _meta_field(item, "direction")
        if hint is None and self.monotone_by_feature:
            hint = self.monotone_by_feature.get(name)
        if hint is None:
            return 0
        if isinstance(hint, (int, np.integer)) and hint in (-1, 0, 1):
            return int(hint)
        if str(hint) not in DIRECTION_CONSTRAINTS:
            raise ValueError(
                f"feature {name!r}: unknown direction {hint!r}; use one of "
                f"{sorted(k for k in DIRECTION_CONSTRAINTS if k)} or -1/0/1"
            )
        return DIRECTION_CONSTRAINTS[str(hint)]

    def _reason_texts(self, meta: Sequence[Any] | None) -> dict[str, str]:
        texts = {name: name.replace("_", " ") for name in self.features_}
        for item in meta or ():
            reason = _meta_field(item, "reason")
            if reason:
                texts[str(_meta_field(item, "name"))] = str(reason)
        return texts

    def _text_meta(self, meta: Sequence[Any] | None) -> dict[str, dict[str, Any]]:
        """What the reason texts need of each catalog feature (the scorecard's rules)."""
        fields = (
            "name",
            "description",
            "reason",
            "reason_low",
            "reason_pivot",
            "no_data",
            "never",
            "unit",
            "direction",
            "reason_bound",
        )
        return {
            str(_meta_field(item, "name")): {f: _meta_field(item, f) for f in fields}
            for item in meta or ()
            if _meta_field(item, "reason")
        }

    def _special_values(self, meta: Sequence[Any] | None) -> dict[str, list[float]]:
        # Special values ("no data", "never late" = -2) sit outside the feature's scale; left
        # in, the monotone constraint would force them into the order. As missing, the trees
        # send them to whichever side fits.
        values: dict[str, list[float]] = {}
        for item in meta or ():
            name = str(_meta_field(item, "name"))
            found = [_meta_field(item, "no_data"), _meta_field(item, "never")]
            found += list(_meta_field(item, "specials") or ())
            numbers = sorted({float(v) for v in found if isinstance(v, (int, float))})
            if numbers and name not in self.categories_:
                values[name] = numbers
        return values

    def _lgb_params(self) -> dict[str, Any]:
        params = {
            "objective": "binary",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "max_depth": self.max_depth,
            "min_child_samples": self.min_child_samples_,
            "bagging_fraction": self.subsample,
            "bagging_freq": 1 if self.subsample < 1 else 0,
            "feature_fraction": self.colsample_bytree,
            "lambda_l2": self.reg_lambda,
            "monotone_constraints": self.monotone_,
            "monotone_constraints_method": "intermediate",
            # A split of a category sends at most this many of its levels one way (LightGBM's
            # default, 32, let a merchant code of 2,000 small levels carry the trees' noise: a
            # generated BNPL book 0.7422 -> 0.7540 held-out AUC, a mortgage book's states and
            # sellers 0.8114 -> 0.8139; German credit, Taiwan and two generated tables the same
            # to five decimals, a generated loan book 0.75086 -> 0.75107: BENCHMARKS.md)
            "max_cat_threshold": MAX_CATEGORY_LEVELS_A_SPLIT,
            "seed": self.random_state,
            "deterministic": True,
            # row-wise histograms add up partial sums in an order that depends on the threads
            "force_col_wise": True,
            "verbosity": -1,
        }
        if self.n_jobs is not None:
            params["num_threads"] = self.n_jobs
        return params

    def _dataset(self, matrix: np.ndarray, labels: np.ndarray) -> lgb.Dataset:
        categorical = [i for i, name in enumerate(self.features_) if name in self.categories_]
        return lgb.Dataset(
            matrix,
            label=labels,
            # positional names: LightGBM refuses some characters that column names may hold
            feature_name=[f"x{i}" for i in range(len(self.features_))],
            categorical_feature=categorical or "auto",
            free_raw_data=False,
        )

    def _rounds_by_early_stopping(
        self, matrix: np.ndarray, labels: np.ndarray, step: Callable[[str], None] | None
    ) -> int:
        train_rows, valid_rows = train_test_split(
            np.arange(labels.size),
            test_size=self.validation_share,
            stratify=labels,
            random_state=self.random_state,
        )
        train_set = self._dataset(matrix[train_rows], labels[train_rows])
        valid_set = self._dataset(matrix[valid_rows], labels[valid_rows])
        params = {**self._lgb_params(), "metric": "binary_logloss"}
        booster = lgb.train(
            params,
            train_set,
            num_boost_round=self.n_estimators,
            valid_sets=[valid_set],
            callbacks=[
                lgb.early_stopping(self.early_stopping_rounds, verbose=False),
                *_progress(step, "finding how many trees (early stopping): tree"),
            ],
        )
        return max(int(booster.best_iteration or self.n_estimators), 1)

    # -- inputs ----------------------------------------------------------------------------

    def _matrix(self, frame: pd.DataFrame) -> np.ndarray:
        absent = [name for name in self.features_ if name not in frame.columns]
        if absent:
            raise ValueError(f"column(s) {absent} the challenger needs are not in the input")
        matrix = np.empty((len(frame), len(self.features_)), dtype=np.float64)
        for j, name in enumerate(self.features_):
            column = frame[name]
            if name in self.categories_:
                # unseen levels become missing: LightGBM sends them down the missing branch
                codes = {level: float(i) for i, level in enumerate(self.categories_[name])}
                # each distinct value looked up once
                found, uniques = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=True)
                looked_up = np.array([*(_level_code(v, codes) for v in uniques), np.nan])
                matrix[:, j] = looked_up[found]
            else:
                try:
                    matrix[:, j] = as_float_array(pd.to_numeric(column, errors="raise"), name)
                except (TypeError, ValueError) as exc:
                    raise ValueError(f"column {name!r} must be numeric: {exc}") from exc
                if name in self.specials_:
                    matrix[np.isin(matrix[:, j], self.specials_[name]), j] = np.nan
        return matrix

    # -- prediction and reasons ------------------------------------------------------------

    def decision_function(self, X: Any) -> np.ndarray:
        """The log-odds of bad."""
        return self.booster_.predict(self._matrix(as_frame(X)), raw_score=True)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Columns: probability of good, probability of bad."""
        bad = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - bad, bad])

    def predict(self, X: Any) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)

    def contributions(self, X: Any) -> pd.DataFrame:
        """Exact per-feature contributions to the log-odds; the `bias` column is the base value.

        Each row sums to `decision_function` for that row.
        """
        values = self.booster_.predict(self._matrix(as_frame(X)), pred_contrib=True)
        return pd.DataFrame(values, columns=[*self.features_, "bias"])

    def reasons(self, X: Any, k: int = 4, as_text: bool = False) -> pd.DataFrame:
        """The k features pushing each person's risk up the most, largest first.

        Only features with a positive contribution count; fewer than k leave None.
        Columns reason_1..reason_k hold feature names (or their reason texts with as_text).
        """
        frame = as_frame(X)
        contrib = self.contributions(frame).to_numpy()[:, :-1]
        order = np.argsort(-contrib, axis=1, kind="stable")[:, :k]
        top = np.take_along_axis(contrib, order, axis=1)
        if as_text:
            names = np.empty(order.shape, dtype=object)
            for j, name in enumerate(self.features_):
                chosen = order == j
                if chosen.any():
                    texts = self._value_texts(name, frame[name])
                    names[chosen] = np.broadcast_to(texts[:, None], order.shape)[chosen]
        else:
            names = np.asarray(self.features_, dtype=object)[order]
        names[top <= 0] = None
        columns = {f"reason_{i + 1}": names[:, i] for i in range(order.shape[1])}
        for i in range(order.shape[1], k):
            columns[f"reason_{i + 1}"] = np.full(contrib.shape[0], None, dtype=object)
        # object columns keep None for "no reason" (pandas would infer strings and use NaN)
        return pd.DataFrame({name: pd.Series(v, dtype=object) for name, v in columns.items()})

    def _value_texts(self, name: str, column: pd.Series) -> np.ndarray:
        """Each row's reason text for `name`, true of its value: a catalog feature's special
        values ("no data", "never") and missing values say so; its reason (or the text for low
        values) is told past the reason's bound where the catalog gives one, else beyond the
        training quartiles on the risky side (the lowest quarter of repayments is "little
        repaid", the rest is not clearly so); any other value is told as itself."""
        out = np.full(len(column), self.reason_texts_[name], dtype=object)
        meta = self.text_meta_.get(name)
        if meta is None or name in self.categories_:
            return out
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
        unit = meta.get("unit") or ""
        pivot, cuts = meta.get("reason_pivot"), self.text_cuts_.get(name)
        as_value = np.zeros(len(values), dtype=bool)
        if meta.get("reason_low") and pivot is not None:
            # a text of a sign (rising, falling) follows the value's sign; at the pivot, the value
            out[values < pivot] = meta["reason_low"]
            as_value = values == pivot
        elif meta.get("reason_low") and cuts is not None:
            out[values < cuts[0]] = meta["reason_low"]
            as_value = (values >= cuts[0]) & (values <= cuts[1])
        elif meta.get("reason_bound") is not None:
            as_value = ~rs.reason_holds(meta, values, np.nextafter(values, np.inf))
        elif meta.get("direction") in ("higher_is_riskier", "higher_is_safer") and cuts:
            riskier = meta["direction"] == "higher_is_riskier"
            as_value = ~(values > cuts[1] if riskier else values < cuts[0])
        as_value &= np.isfinite(values)
        out[as_value] = [
            f"{rs.feature_text(meta)}: {rs.written(rs.shown_value(v, unit), unit)}"
            for v in values[as_value]
        ]
        for value in {meta.get("no_data"), meta.get("never")} - {None}:
            out[values == value] = rs.special_value_text(meta, value)
        out[np.isnan(values)] = rs.missing_value_text(meta)
        return out

    # -- as data ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Everything needed to predict, as JSON-ready data (the booster as model text)."""
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            # a credo before the categorical parameter reads a model that sets none
            "params": {
                k: v for k, v in self.get_params().items() if not (k == "categorical" and v is None)
            },
            "features": list(self.features_),
            "categories": {name: list(levels) for name, levels in self.categories_.items()},
            "monotone": list(self.monotone_),
            "reason_texts": dict(self.reason_texts_),
            "specials": {name: list(v) for name, v in self.specials_.items()},
            "text_meta": {name: dict(m) for name, m in self.text_meta_.items()},
            "text_cuts": {name: list(cuts) for name, cuts in self.text_cuts_.items()},
            "n_iter": int(self.n_iter_),
            "min_child_samples": int(self.min_child_samples_),
            "booster": self.booster_.model_to_string(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Challenger:
        """Rebuild a fitted challenger from `to_dict()` output."""
        if data.get("format") != FORMAT:
            raise ValueError(f"not a credo challenger (format {data.get('format')!r})")
        if data.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"challenger format version {data.get('format_version')} is not supported "
                f"(this credo reads {FORMAT_VERSION}): retrain the model"
            )
        try:
            model = cls(**data["params"])
            model.features_ = list(data["features"])
            model.categories_ = {name: list(levels) for name, levels in data["categories"].items()}
            model.monotone_ = [int(c) for c in data["monotone"]]
            model.reason_texts_ = dict(data["reason_texts"])
            model.specials_ = {n: [float(v) for v in vs] for n, vs in data["specials"].items()}
            # absent from models saved before texts followed values: the feature's reason
            model.text_meta_ = {n: dict(m) for n, m in data.get("text_meta", {}).items()}
            model.text_cuts_ = {
                n: (float(low), float(high)) for n, (low, high) in data.get("text_cuts", {}).items()
            }
            # saved before the quartiles: low and high texts met at the median
            for n, median in data.get("medians", {}).items():
                model.text_cuts_.setdefault(n, (float(median), float(median)))
            model.n_iter_ = int(data["n_iter"])
            model.min_child_samples_ = int(data["min_child_samples"])
            model.booster_ = lgb.Booster(model_str=data["booster"])
            model.classes_ = np.array([0, 1])
        except (KeyError, TypeError, lgb.basic.LightGBMError) as exc:
            raise ValueError(
                f"the challenger data is incomplete or malformed ({exc!r}): retrain the model"
            ) from None
        return model


def _progress(step: Callable[[str], None] | None, text: str, every: int = 10) -> list:
    """A LightGBM callback telling `step` the round reached, every `every` rounds."""
    if step is None:
        return []

    def callback(env: Any) -> None:
        done = env.iteration + 1
        if done == 1 or done % every == 0 or done == env.end_iteration:
            step(f"{text} {done}")

    return [callback]

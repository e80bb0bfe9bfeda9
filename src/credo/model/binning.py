"""Optimal monotone binning: `OptimalBinning` (one feature) and `BinningProcess` (many).

How bins are found (numeric): missing values (NaN/None) and the special values are set apart,
each into a bin of its own; the rest is pre-binned (`_binning_prebin`: the distinct values when
few, else candidate cut points from quantiles and two binary trees) and the pre-bins are grouped
by an exact dynamic programme (`_binning_dp`) that maximises the information value
IV = sum (g_i/G - b_i/B) ln((g_i/G) / (b_i/B)) (a zero count read as 1/2; G, B = all goods and
bads of the feature, specials and missing included) subject to at most `max_bins` regular bins,
each holding at least `min_bin_share` of ALL rows of the feature and at least one good and one
bad (so a run of all-good values joins a neighbour), and bad rates that follow `monotonic`:

* "ascending" / "descending": strictly rising / falling bad rate over the regular bins;
* "auto": both are solved and the one with the higher IV is kept (ties: ascending);
* "auto_bend": as "auto", but a peak or valley replaces it when it adds BEND_MIN_IV_GAIN
  relative IV on a feature strong enough for its shape to be read from the data (its
  monotone IV at least BEND_MIN_IV and BEND_NOISE_MULTIPLE times `noise_iv`): U-shaped
  risks such as loan amount. The scorecard's default;
* "peak" / "valley": one turn allowed (a pure rise or fall is the degenerate case);
* "none": no trend constraint.

The result is exact over the pre-bins: no partition of the pre-bins into runs scores a higher IV.
`max_prebins` bounds each source of candidate cut points (quantiles, entropy tree, Gini tree;
see `_binning_prebin`), so the optimiser searches at most 3 * (max_prebins - 1) cut points.

Categorical: levels (as text) are ordered by their bad rate shrunk towards the overall rate
(`_binning_prebin.ordered_level_units`: levels below the minimum bin count are pooled into
one unit first, unless their rates differ beyond chance) and the same programme groups
contiguous runs of them, so the groups are monotone in bad rate by construction
(`monotonic` does not apply). Unseen levels at
transform time follow `unseen` (see `credo.model.bins`).

WoE and the empty-bin rule are in `credo.model.bins`: higher WoE = safer, a special or
missing bin of few rows is pulled towards WoE 0 (`_binning_stats.side_bin_prior`), and a bin
with no training rows gets the riskiest regular bin's WoE with count 0.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from credo.model._binning_dp import Partition, optimal_partition
from credo.model._binning_input import (
    as_target,
    categorical_values,
    column_names,
    is_numeric,
    n_rows,
    numeric_values,
    raw_column,
)
from credo.model._binning_prebin import (
    PREBIN_SHARE_FRACTION,
    level_counts,
    numeric_prebins,
    ordered_level_units,
)
from credo.model._binning_stats import (
    binned_iv,
    iv_terms,
    noise_iv,
    trend_of,
    woe_with_empty_rule,
)
from credo.model.bins import UNSEEN_RULES, Bins, level_key

MONOTONIC_CHOICES = ("auto", "auto_bend", "ascending", "descending", "peak", "valley", "none")

# feature direction hints (feature specs) -> the bad-rate trend they imply
DIRECTION_TO_MONOTONIC = {
    "higher_is_riskier": "ascending",
    "higher_is_safer": "descending",
}

METRICS = ("woe", "index")

# "auto_bend" keeps a peak/valley only when it adds this relative IV to the best monotone
# partition, and only on a feature whose monotone bins already show medium strength on the
# usual IV scale (0.1) and five times the IV that noise reaches on the sample (`noise_iv`).
# Without the strength rule a bend fitted to a noise column reached ~0.03 IV and small tables
# with many useless columns lost up to 0.07 AUC; with it, within 0.004 of "auto" or above it,
# and German credit (U-shaped loan amount, monotone IV 0.19 = 6x noise on 800 rows) gains
# 0.004 (BENCHMARKS.md, quality).
BEND_MIN_IV_GAIN = 0.10
BEND_MIN_IV = 0.10
BEND_NOISE_MULTIPLE = 5.0


def monotonic_for(hint: str) -> str:
    """A trend name for a trend name or a direction hint ("higher_is_riskier" -> "ascending")."""
    trend = DIRECTION_TO_MONOTONIC.get(hint, hint)
    if trend not in MONOTONIC_CHOICES:
        raise ValueError(
            f"monotonic {hint!r} is not one of {MONOTONIC_CHOICES} "
            f"or a direction hint {tuple(DIRECTION_TO_MONOTONIC)}"
        )
    return trend


@dataclass(frozen=True)
class BinningSettings:
    """The constraints one feature is binned under."""

    max_bins: int = 6
    min_bin_share: float = 0.05
    max_prebins: int = 32
    monotonic: str = "auto"
    unseen: str = "riskiest"

    def check(self) -> None:
        if not isinstance(self.max_bins, int | np.integer) or self.max_bins < 1:
            raise ValueError(f"max_bins must be an integer >= 1, got {self.max_bins!r}")
        if not 0.0 <= float(self.min_bin_share) < 1.0:
            raise ValueError(f"min_bin_share must be in [0, 1), got {self.min_bin_share!r}")
        if not isinstance(self.max_prebins, int | np.integer) or not 2 <= self.max_prebins <= 250:
            raise ValueError(
                f"max_prebins must be an integer in [2, 250], got {self.max_prebins!r}"
            )
        monotonic_for(self.monotonic)
        if self.unseen not in UNSEEN_RULES:
            raise ValueError(f"unseen must be one of {UNSEEN_RULES}, got {self.unseen!r}")


@dataclass(frozen=True)
class BinningTarget:
    """The 0/1 target with what every feature needs from it, computed once."""

    values: np.ndarray  # int8
    bad_positions: np.ndarray
    total_bad: float

    @classmethod
    def of(cls, y: np.ndarray) -> BinningTarget:
        return cls(y, np.flatnonzero(y), float(np.count_nonzero(y)))

    @property
    def total_good(self) -> float:
        return float(len(self.values)) - self.total_bad


def fit_numeric_bins(
    feature: str,
    x: np.ndarray,
    target: BinningTarget,
    settings: BinningSettings,
    special_values: Sequence[float] = (),
) -> Bins:
    """Optimal bins of one numeric feature (float64 values, NaN = missing)."""
    specials = _numeric_specials(feature, special_values)
    missing = np.isnan(x)
    set_apart = missing.copy()
    special_masks = []
    for value in specials:
        mask = x == value
        special_masks.append(mask)
        set_apart |= mask
    if set_apart.any():
        regular = ~set_apart
        values, values_target = x[regular], target.values[regular]
        bad_positions = np.flatnonzero(values_target)
    else:
        values, values_target, bad_positions = x, target.values, target.bad_positions
    min_count = settings.min_bin_share * len(x)
    min_prebin_share = PREBIN_SHARE_FRACTION * min_count / max(len(values), 1)
    prebins = numeric_prebins(
        values, values_target, bad_positions, settings.max_prebins, min_prebin_share
    )
    partition = _best_partition(prebins.count, prebins.bad, target, settings, min_count)
    starts = np.asarray(partition.starts)
    edges = prebins.edges[starts[1:] - 1]
    side = [(int(m.sum()), int(target.values[m].sum())) for m in [*special_masks, missing]]
    return _assemble(
        feature,
        "numeric",
        settings,
        np.add.reduceat(prebins.count, starts),
        np.add.reduceat(prebins.bad, starts),
        side,
        edges=tuple(edges.tolist()),
        specials=specials,
    )


def fit_categorical_bins(
    feature: str,
    x: np.ndarray,
    target: BinningTarget,
    settings: BinningSettings,
    special_values: Sequence[Any] = (),
) -> Bins:
    """Optimal groups of one categorical feature (object values, None/NaN = missing)."""
    specials = tuple(dict.fromkeys(k for k in map(level_key, special_values) if k is not None))
    levels = level_counts(x, target.values.astype(np.float64))
    special_set = set(specials)
    regular = [i for i, key in enumerate(levels.keys) if key not in special_set]
    position = {key: i for i, key in enumerate(levels.keys)}
    min_count = settings.min_bin_share * len(x)
    units = ordered_level_units(
        [levels.keys[i] for i in regular],
        levels.count[regular],
        levels.bad[regular],
        min_count,
        settings.max_prebins,
    )
    if not units.members:  # no regular level at all: one empty group keeps the shape valid
        units_count, units_bad, groups = np.zeros(1), np.zeros(1), ((),)
        starts = np.zeros(1, dtype=np.intp)
    else:
        # units are sorted by bad rate: "ascending" only rules out groups with equal rates
        partition = _solve(units.count, units.bad, target, settings, min_count, "ascending")
        starts = np.asarray(partition.starts)
        ends = [*starts[1:], len(units.members)]
        groups = tuple(
            tuple(sorted(level for unit in units.members[s:e] for level in unit))
            for s, e in zip(starts, ends, strict=True)
        )
        units_count, units_bad = units.count, units.bad
    side = [
        (int(levels.count[position[s]]), int(round(levels.bad[position[s]])))
        if s in position
        else (0, 0)
        for s in specials
    ]
    side.append((levels.missing_count, levels.missing_bad))
    return _assemble(
        feature,
        "categorical",
        settings,
        np.add.reduceat(units_count, starts),
        np.add.reduceat(units_bad, starts),
        side,
        groups=groups,
        specials=specials,
        ordered_levels=units.ordered,
    )


def _level_values(column: Any) -> np.ndarray:
    """A column's values as categorical levels: a pandas column of plain numbers as its numbers
    (their levels read alike as numbers and as objects, `level_key`, and are found many times
    faster: a code column of a million rows binned as categories, ten times a fit), any other
    as objects (`categorical_values`)."""
    dtype = getattr(column, "dtype", None)
    if hasattr(column, "to_numpy") and isinstance(dtype, np.dtype) and dtype.kind in "iuf":
        return column.to_numpy()
    return categorical_values(column)


def _numeric_specials(feature: str, special_values: Sequence[Any]) -> tuple[float, ...]:
    specials = []
    for value in special_values:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(
                f"special value {value!r} of numeric feature {feature!r} is not a number; "
                "give numbers, or declare the feature categorical"
            ) from None
        if np.isnan(number):
            raise ValueError(f"special value NaN of {feature!r}: NaN is always the missing bin")
        if np.isinf(number):
            # a model file is JSON, which has no infinity: the bin could not be read back
            raise ValueError(
                f"special value {value!r} of {feature!r}: infinities cannot be special values"
                " (they fall in the outermost bins); write the sentinel as a finite number"
            )
        specials.append(number)
    return tuple(dict.fromkeys(specials))


def _best_partition(
    count: np.ndarray,
    bad: np.ndarray,
    target: BinningTarget,
    settings: BinningSettings,
    min_count: float,
) -> Partition:
    trend = monotonic_for(settings.monotonic)
    if trend not in ("auto", "auto_bend"):
        return _solve(count, bad, target, settings, min_count, trend)
    rising = _solve(count, bad, target, settings, min_count, "ascending")
    falling = _solve(count, bad, target, settings, min_count, "descending")
    best = falling if falling.iv > rising.iv + 1e-12 else rising
    if trend == "auto_bend" and _may_bend(best, count, bad, settings):
        # each bend against the monotone bins, the better bend taken (not the valley against
        # the peak: the order tried would decide)
        bar = best.iv * (1.0 + BEND_MIN_IV_GAIN) + 1e-12
        for bend in ("peak", "valley"):
            bent = _solve(count, bad, target, settings, min_count, bend)
            if bent.iv > bar and bent.iv > best.iv + 1e-12:
                best = bent
    return best


def _may_bend(
    monotone: Partition, count: np.ndarray, bad: np.ndarray, settings: BinningSettings
) -> bool:
    """Whether a feature is strong enough for its shape to be read from the data: its best
    monotone bins reach BEND_MIN_IV and BEND_NOISE_MULTIPLE times the IV noise reaches over
    `max_bins` bins, both among the rows that have a value. (Against all the feature's rows,
    a missing bin of another bad rate than the rest lends the regular bins its IV: a
    debt-to-income flat but for its 20 % missing read 0.25 against 0.04 among the values, and
    was bent around a spurious valley.)"""
    starts = np.asarray(monotone.starts, dtype=np.intp)
    bin_count = np.add.reduceat(np.asarray(count, dtype=np.float64), starts)
    bin_bad = np.add.reduceat(np.asarray(bad, dtype=np.float64), starts)
    goods, bads = float(bin_count.sum() - bin_bad.sum()), float(bin_bad.sum())
    noise = noise_iv(int(settings.max_bins), goods, bads)
    return binned_iv(bin_count, bin_bad, len(bin_count)) >= max(
        BEND_MIN_IV, BEND_NOISE_MULTIPLE * noise
    )


def _solve(
    count: np.ndarray,
    bad: np.ndarray,
    target: BinningTarget,
    settings: BinningSettings,
    min_count: float,
    trend: str,
) -> Partition:
    return optimal_partition(
        count,
        bad,
        total_good=target.total_good,
        total_bad=target.total_bad,
        max_bins=int(settings.max_bins),
        min_count=min_count,
        trend=trend,
    )


def _assemble(
    feature: str,
    kind: str,
    settings: BinningSettings,
    regular_count: np.ndarray,
    regular_bad: np.ndarray,
    side: list[tuple[int, int]],
    **shape: Any,
) -> Bins:
    """Bins with WoE (empty-bin rule), IV and trend from regular + special/missing counts."""
    count = np.concatenate([np.rint(regular_count), [c for c, _ in side]]).astype(np.int64)
    bad = np.concatenate([np.rint(regular_bad), [b for _, b in side]]).astype(np.int64)
    n_regular = len(regular_count)
    woe = woe_with_empty_rule(count, bad, n_regular)
    iv = float(iv_terms(count - bad, bad, woe).sum())
    rates = np.asarray(regular_bad, dtype=np.float64) / np.maximum(regular_count, 1.0)
    return Bins(
        feature=feature,
        kind=kind,
        count=tuple(count.tolist()),
        bad=tuple(bad.tolist()),
        woe=tuple(woe.tolist()),
        iv=iv,
        monotonic=trend_of(rates),
        unseen=settings.unseen,
        **shape,
    )


def transform_with_bins(bins: Bins, values: Any, metric: str) -> np.ndarray:
    """WoE (float64) or bin index (int32) of each value."""
    if metric == "woe":
        return bins.woe_of(values)
    if metric == "index":
        return bins.index(values)
    raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")


class OptimalBinning(TransformerMixin, BaseEstimator):
    """Optimal monotone binning of ONE feature (see the module docstring).

    `fit(x, y)`: x is 1-D (numpy array, list, pandas Series, pyarrow array), y 0/1.
    `categorical`: True / False, or None to decide by dtype (numbers and booleans are numeric).
    `name`: the feature name in the bins (default: the Series name, else "x").
    Fitted: `bins_` (a `Bins`), `features_` ([name]).
    `transform(x, metric="woe"|"index")` returns a 1-D array.
    """

    def __init__(
        self,
        max_bins: int = 6,
        min_bin_share: float = 0.05,
        max_prebins: int = 32,
        monotonic: str = "auto",
        special_values: Sequence[Any] | None = None,
        categorical: bool | None = None,
        unseen: str = "riskiest",
        name: str | None = None,
    ) -> None:
        self.max_bins = max_bins
        self.min_bin_share = min_bin_share
        self.max_prebins = max_prebins
        self.monotonic = monotonic
        self.special_values = special_values
        self.categorical = categorical
        self.unseen = unseen
        self.name = name

    def fit(self, x: Any, y: Any) -> OptimalBinning:
        """Find the bins of `x` against the 0/1 target `y`."""
        settings = _settings_of(self)
        name = self.name or str(getattr(x, "name", None) or "x")
        column = _one_column(x)
        target = BinningTarget.of(as_target(y, len(column)))
        categorical = (not is_numeric(column)) if self.categorical is None else self.categorical
        specials = list(self.special_values or ())
        if categorical:
            bins = fit_categorical_bins(
                name, categorical_values(column), target, settings, specials
            )
        else:
            bins = fit_numeric_bins(name, numeric_values(column, name), target, settings, specials)
        self.bins_ = bins
        self.features_ = [name]
        return self

    def transform(self, x: Any, metric: str = "woe") -> np.ndarray:
        """WoE (float64) or bin index (int32) of each value of `x`."""
        check_is_fitted(self, "bins_")
        return transform_with_bins(self.bins_, _one_column(x), metric)


class BinningProcess(TransformerMixin, BaseEstimator):
    """Optimal monotone binning of many features at once.

    `fit(X, y)`: X a pandas DataFrame, a pyarrow Table, a dict name -> 1-D array, or a 2-D
    numpy array (columns x0, x1, ...); every column is binned. y: 0/1 (array, Series, pyarrow).
    `special_values`: a list for every feature, or a dict feature -> list.
    `monotonic_by_feature`: dict feature -> trend or direction hint ("higher_is_riskier"
    -> "ascending" bad rate, "higher_is_safer" -> "descending"); others use `monotonic`.
    `categorical`: names of numeric columns (codes) to bin as categories as well; every
    non-numeric column is binned as categories anyway.
    `n_jobs`: threads (numpy releases the GIL in the heavy steps).
    Fitted: `bins_` (dict name -> Bins), `features_` (the column order), `iv_` (name -> IV).
    `transform(X, metric="woe"|"index")` -> (n, len(features_)) float64 / int32 array.
    """

    def __init__(
        self,
        max_bins: int = 6,
        min_bin_share: float = 0.05,
        max_prebins: int = 32,
        monotonic: str = "auto",
        special_values: Sequence[Any] | Mapping[str, Sequence[Any]] | None = None,
        monotonic_by_feature: Mapping[str, str] | None = None,
        categorical: Sequence[str] | None = None,
        unseen: str = "riskiest",
        n_jobs: int = 1,
    ) -> None:
        self.max_bins = max_bins
        self.min_bin_share = min_bin_share
        self.max_prebins = max_prebins
        self.monotonic = monotonic
        self.special_values = special_values
        self.monotonic_by_feature = monotonic_by_feature
        self.categorical = categorical
        self.unseen = unseen
        self.n_jobs = n_jobs

    def fit(self, X: Any, y: Any) -> BinningProcess:
        """Find the bins of every column of `X` against the 0/1 target `y`."""
        _settings_of(self)  # wrong settings fail before any column is read
        features = column_names(X)
        if not features:
            raise ValueError("X has no columns to bin")
        target = BinningTarget.of(as_target(y, n_rows(X)))
        by_feature = {k: monotonic_for(v) for k, v in (self.monotonic_by_feature or {}).items()}
        unknown = sorted(set(by_feature) - set(features))
        if unknown:
            raise ValueError(f"monotonic_by_feature names columns not in X: {unknown}")
        if isinstance(self.special_values, Mapping):
            unknown = sorted(set(self.special_values) - set(features))
            if unknown:
                raise ValueError(f"special_values names columns not in X: {unknown}")
        declared = set(self.categorical or ())
        absent = sorted(declared - set(features))
        if absent:
            raise ValueError(f"categorical names columns not in X: {absent}")

        def fit_one(name: str) -> Bins:
            return self._fit_feature(name, raw_column(X, name), target)

        fitted = _map_threads(fit_one, features, self.n_jobs)
        self.features_ = features
        self.bins_ = dict(zip(features, fitted, strict=True))
        self.iv_ = {name: bins.iv for name, bins in self.bins_.items()}
        return self

    def _fit_feature(
        self, name: str, column: Any, target: BinningTarget, categorical: bool | None = None
    ) -> Bins:
        settings = _settings_of(self)
        own = BinningSettings(
            settings.max_bins,
            settings.min_bin_share,
            settings.max_prebins,
            monotonic_for((self.monotonic_by_feature or {}).get(name, settings.monotonic)),
            settings.unseen,
        )
        specials = self._specials_of(name)
        if categorical is None:
            categorical = name in set(self.categorical or ()) or not is_numeric(column)
        if categorical:
            return fit_categorical_bins(name, _level_values(column), target, own, specials)
        return fit_numeric_bins(name, numeric_values(column, name), target, own, specials)

    def fit_feature(self, name: str, column: Any, y: Any, categorical: bool | None = None) -> Bins:
        """The bins of one feature fitted on other rows (a column's values and their 0/1
        target) with this process's settings for it, leaving the fitted process as it is;
        `categorical` True bins a number column's values as categories."""
        target = BinningTarget.of(as_target(y, len(column)))
        return self._fit_feature(name, column, target, categorical)

    def _specials_of(self, name: str) -> list[Any]:
        if self.special_values is None:
            return []
        if isinstance(self.special_values, Mapping):
            return list(self.special_values.get(name, ()))
        return list(self.special_values)

    def transform(self, X: Any, metric: str = "woe") -> np.ndarray:
        """WoE (float64) or bin index (int32) of every feature, columns in `features_` order."""
        check_is_fitted(self, "bins_")
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
        rows = n_rows(X)
        out = np.empty(
            (rows, len(self.features_)),
            dtype=np.float64 if metric == "woe" else np.int32,
            order="F",
        )

        def fill(position: int) -> None:
            name = self.features_[position]
            bins = self.bins_[name]
            column = raw_column(X, name)
            values = (
                numeric_values(column, name)
                if bins.kind == "numeric"
                else categorical_values(column)
            )
            if metric == "woe":
                bins.woe_of(values, out=out[:, position])
            else:
                out[:, position] = bins.compact_index(values)

        _map_threads(fill, range(len(self.features_)), self.n_jobs)
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The output column names (the binned features, in order)."""
        check_is_fitted(self, "bins_")
        return np.asarray(self.features_, dtype=object)

    def to_dict(self) -> dict[str, Any]:
        """The fitted process as JSON-ready data (parameters and every feature's bins)."""
        check_is_fitted(self, "bins_")
        params = self.get_params()
        if isinstance(params["special_values"], Mapping):
            params["special_values"] = {k: list(v) for k, v in params["special_values"].items()}
        elif params["special_values"] is not None:
            params["special_values"] = list(params["special_values"])
        if params["categorical"] is not None:
            params["categorical"] = list(params["categorical"])
        if params["monotonic_by_feature"] is not None:
            params["monotonic_by_feature"] = dict(params["monotonic_by_feature"])
        return {
            "params": params,
            "features": list(self.features_),
            "bins": [self.bins_[name].to_dict() for name in self.features_],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BinningProcess:
        """A fitted process from `to_dict()` output (transform gives identical results)."""
        process = cls(**dict(data.get("params", {})))
        bins = [Bins.from_dict(d) for d in data["bins"]]
        process.features_ = list(data.get("features", [b.feature for b in bins]))
        process.bins_ = {b.feature: b for b in bins}
        missing = [name for name in process.features_ if name not in process.bins_]
        if missing:
            raise ValueError(f"binning data lacks the bins of {missing}")
        process.iv_ = {name: process.bins_[name].iv for name in process.features_}
        return process


def _settings_of(estimator: OptimalBinning | BinningProcess) -> BinningSettings:
    settings = BinningSettings(
        max_bins=estimator.max_bins,
        min_bin_share=estimator.min_bin_share,
        max_prebins=estimator.max_prebins,
        monotonic=estimator.monotonic,
        unseen=estimator.unseen,
    )
    settings.check()
    return settings


def _one_column(x: Any) -> Any:
    """A 1-D input, accepting a one-column DataFrame/2-D array too."""
    if hasattr(x, "columns") and len(x.columns) == 1:
        return x.iloc[:, 0] if hasattr(x, "iloc") else x.column(0)
    if isinstance(x, np.ndarray) and x.ndim == 2 and x.shape[1] == 1:
        return x[:, 0]
    if isinstance(x, list | tuple):
        try:
            return np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError):
            return np.asarray(x, dtype=object)
    return x


def _map_threads(function: Any, items: Sequence[Any] | range, n_jobs: int) -> list[Any]:
    items = list(items)
    if n_jobs is None or n_jobs == 1 or len(items) < 2:
        return [function(item) for item in items]
    workers = os.cpu_count() if n_jobs < 1 else n_jobs
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(function, items))

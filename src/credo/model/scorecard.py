"""The WoE logistic scorecard: bins -> selection -> signed logistic fit -> points -> reasons.

``Scorecard`` follows the scikit-learn estimator contract: the constructor stores parameters,
``fit`` learns, fitted state ends in ``_``. A fitted scorecard is plain data (``to_dict`` /
``from_dict``), so the artifact, the SQL export and the Python scorer read the same numbers.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from credo.explain import reasons as rs
from credo.model import scaling
from credo.model._binning_input import numeric_values
from credo.model._binning_stats import noise_iv
from credo.model.columns import negative_codes, nines_codes, separation_reason, unusable_columns
from credo.model.logistic import NotConverged, fit_logistic, one_blas_thread, weighted_gram
from credo.model.scoring import compile_tables, score_bins
from credo.model.tables import as_frame, holds_booleans

PLAIN_DIMENSION = "attributes"
DIRECTION_TO_MONOTONIC = {"higher_is_riskier": "ascending", "higher_is_safer": "descending"}
SCORE_CHUNK_ROWS = 32_768


# What the scorecard keeps of each feature's metadata (and reads back from a model file).
META_FIELDS = (
    "name",
    "dimension",
    "description",
    "reason",
    "reason_low",
    "reason_pivot",
    "direction",
    "no_data",
    "never",
    "unit",
    "reason_bound",
)
# What a field is when a feature's metadata does not give it (None for the others)
_META_DEFAULTS = {
    "dimension": PLAIN_DIMENSION,
    "description": "",
    "reason": "",
    "reason_low": "",
    "unit": "",
}


def meta_to_dict(meta: Any) -> dict:
    """A FeatureMeta (or dict) as a plain dict with the fields the scorecard keeps."""
    get = (
        meta.get
        if isinstance(meta, dict)
        else lambda key, default=None: getattr(meta, key, default)
    )
    # a default stands for an empty text; a number field keeps its value, 0 included
    return {
        field: (get(field) or _META_DEFAULTS[field]) if field in _META_DEFAULTS else get(field)
        for field in META_FIELDS
    }


def rarer_class(rows: int, bad_rate: float) -> tuple[int, str]:
    """How many rows the rarer outcome has in a training record's rows and bad rate, and
    which outcome it is ("bad" or "good")."""
    bads = round(rows * bad_rate)
    return min((bads, "bad"), (rows - bads, "good"))


def plain_meta(name: str) -> dict:
    """Metadata for a plain-table column: one dimension, texts generated from the name."""
    return meta_to_dict({"name": name, "description": name.replace("_", " ")})


# A kept feature must move the log-odds by at least this much between its bins (about half a
# point where 20 points double the odds): below it, every bin scores alike.
NEGLIGIBLE_EFFECT = 0.02

# A categorical grouped from this many levels or more, each placed by its own bad rate, is
# fitted on out-of-fold WoE: a merchant code of 2,000 levels of a few dozen rows each had its
# groups chosen by the very outcomes their WoE then measured, so the logistic fit trusted it
# far beyond what held-out rows bore out (a generated BNPL book: held-out AUC 0.718 with it
# against 0.745 without it; 0.748 cross-fitted). Fewer levels, each of many rows, lose little
# to that selection: cross-fitting German credit's ten purposes lost 0.0009 of AUC.
CROSS_FIT_LEVELS = 20
CROSS_FIT_FOLDS = 5
_CROSS_FIT_SEED = 20_261_202

# A plain table's number column of at most this many whole values (3 or more) may be codes
# whose risk follows no order of theirs (a purpose code 0-10, a housing code 1-3 whose middle
# value is the safest): it is binned as categories where those tell rows held out of their
# fit more than the ordered bins do. A South German-like table of such codes: 0.7381 ->
# 0.7463 held-out AUC; German credit unchanged, Taiwan's raw columns +0.0005 (BENCHMARKS.md).
CODE_LEVELS = 12
# Rows the comparison of a code column's ordered bins with its categories is made on, at most:
# a seeded sample of each outcome in its share beyond it (200,000 rows tell two binnings of a
# few levels apart; the comparison's ten fits on every row of a million took half the fit).
# The column is then binned on every row.
CODE_TEST_ROWS = 200_000
# The ridge penalties tried, the sample below which they are (rows of the rarer class) and the
# standard errors of held-out log-loss a penalty must gain to replace `l2` (Scorecard._searched_l2).
# On five-fold CV (bench/scorecard_cv.py), with the IV bar lowered from 0.02 to 0.01 beside it,
# the search moved 1,500-2,000-row tables with many noise columns from 0.7365 / 0.7515 AUC to
# 0.7473 / 0.7688, a 40,000-row book with 150 bads 0.7204 -> 0.7289, German credit 0.7913 ->
# 0.7905 (the bar's doing). With the bar at 0.02 and 2 standard errors German moved to 0.7908;
# taking the lowest held-out loss, to 0.7899 (calibration slope 0.85 -> 1.0).
# It is skipped from 5,000 rows of the rarer class, or 50 per feature, to keep such fits fast:
# the tables it moved had 8-14 (German credit 18, South German-like 40, unmoved).
L2_SEARCH = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
L2_SEARCH_BELOW = 5_000
L2_EVIDENCE = 3.0
L2_SEARCH_ROWS_PER_FEATURE = 50

# The bar over a categorical's ordered levels, in multiples of their noise IV (measured on
# pure-noise columns of 10 to 5,000 levels, 16,000 to 1M rows: at most 2.5; bench/noise_iv.py).
ORDERED_LEVELS_NOISE_MULTIPLE = 3.0


class OutcomeClassifier(ClassifierMixin):
    """What sklearn's model selection asks of a classifier of bad (1) against good (0):
    `classes_` once fitted, and `predict` (cross_val_score, GridSearchCV, roc_auc scoring)."""

    @property
    def classes_(self) -> np.ndarray:
        if not hasattr(self, "features_"):
            raise AttributeError("classes_: the model is not fitted")
        return np.array([0, 1])

    def predict(self, X: Any) -> np.ndarray:
        """1 (bad) where the probability of bad is one half or more, else 0."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


# How many times the cap's count of candidates makes a crowd that noise alone could fill the
# cap from (Scorecard._more_candidates_than_the_cap). At 4, German credit with 40 pure-noise
# columns beside its own (57 candidates, a cap of 30) kept 19 of them (five-fold AUC, two
# seeds, 0.7575 against 0.789 without them; with 20 noise columns 0.7757, 12 kept); at 1.5,
# 0.7745 and 0.7802, about one kept. German credit, Taiwan, the generated tables (smallwide,
# lowdefault, loan book, gmsc, applications) are below 1.5 and unmoved; German cut to 100
# bad rows (17 candidates, a cap of 8-10, no noise) moved 0.7718 -> 0.7696.
CANDIDATES_OVER_CAP = 1.5

# Parameters added after models were first saved, with their defaults (see to_dict).
_NEWER_PARAMS = {
    "nines_codes": True,
    "l2_search": L2_SEARCH,
    "l2_search_below": L2_SEARCH_BELOW,
    "base_odds": None,
    "shuffled_noise_bar": True,
}


class Scorecard(OutcomeClassifier, BaseEstimator):
    """A points scorecard on optimally binned WoE features.

    Parameters: binning (``max_bins``, ``min_bin_share`` (0.03: on the quality bench German
    credit gained 0.002 AUC over 0.05, Taiwan alike), ``max_prebins``, ``monotonic`` ("auto_bend":
    a peak or valley only for a strong feature without a direction hint, see binning.py),
    ``special_values``, ``negative_codes`` (a plain table's few negative whole numbers beside
    values never negative, the bureaus' -9 / -8 / -7 or a status's -2 / -1, get bins of their
    own, `columns.negative_codes`: HELOC-like 0.8050 -> 0.8072, Taiwan's raw columns 0.7688 ->
    0.7703; the rest unchanged), ``nines_codes`` (a plain table's whole numbers of nines far
    above its other values, the loan-level files' 9999 / 999 "not available", get bins of their
    own, `columns.nines_codes`: a credit score of 9999 had the best score's points),
    ``categorical``), selection (``min_iv`` (0.01) drops weak features, or
    on a large sample those below ``iv_noise_multiple`` (10) times the IV that noise reaches
    there when that is lower (`noise_iv`): 16,000 rows with 3,500 bads put the bar at 0.004-0.01,
    keeping weak but real features (a generated loan book at a bar of 0.02: 0.7495 -> 0.7518
    AUC; None: always min_iv). The bar was 0.02 until the ridge search below kept the noise
    that 0.01 lets into small tables from costing them: with it, a South German-like table of
    eight weak but real codes among twenty gained 0.0032, German credit lost 0.0008. 10, not
    less: the binning's search lifts a noise column's IV above the fixed-bin average, to 3-8
    times it at the 99th percentile (bench/noise_iv.py), so 5 times let noise in; a
    categorical's bar also stands
    3 times above the noise of the levels its grouping ordered by their own rates, which
    noise keeps: `bench/noise_iv.py --levels`),
    ``max_corr`` drops the lower-IV one of each pair of WoE columns correlated above it (0.95:
    exact duplicates go, related signals such as latest and worst delinquency both stay; on the
    quality bench 0.7 lost 0.011 AUC on Taiwan's events path and 0.95-0.99 scored alike),
    ``max_features`` keeps the highest-IV ones, ``min_events_per_feature`` (10) keeps at most
    one feature per that many rows of the rarer class, the usual guard against a model that
    learns its training sample (1,000 synthetic people with 69 bad: held-out AUC 0.737 with
    28 features, 0.761 with the 5 this rule keeps; no change on Taiwan or German),
    ``stepwise`` adds features forward by BIC),
    ``l2`` (ridge penalty on the total log-loss; weak by default), ``l2_search`` and
    ``l2_search_below`` (on a sample whose rarer class has fewer rows than that, the penalty
    of the search whose five-fold held-out log-loss beats ``l2``'s by L2_EVIDENCE standard
    errors, when one does; None: always ``l2``), ``shuffled_noise_bar`` (with more than
    CANDIDATES_OVER_CAP times the candidates the ``min_events_per_feature`` cap lets in, each
    must beat the strongest of them on the outcomes shuffled: `_strongest_noise`), ``scale``
    ("fico" or "sesame") and ``base_odds`` (the odds of good to bad the scale's base score
    stands for; None: the preset's 20:1); ``reason_code_order``: the names numbered for
    reason codes, in order (default: the candidates), so that a feature keeps its code
    whatever else is left out of a model (training passes a feature table's whole catalog, or
    a plain table's every column).
    """

    def __init__(
        self,
        max_bins: int = 6,
        min_bin_share: float = 0.03,
        max_prebins: int = 32,
        monotonic: str = "auto_bend",
        special_values: dict | list | None = None,
        negative_codes: bool = True,
        categorical: list[str] | None = None,
        nines_codes: bool = True,
        min_iv: float = 0.01,
        iv_noise_multiple: float | None = 10.0,
        max_corr: float = 0.95,
        max_features: int | None = None,
        min_events_per_feature: int | None = 10,
        stepwise: bool = False,
        l2: float = 1.0,
        l2_search: tuple[float, ...] | None = L2_SEARCH,
        l2_search_below: int = L2_SEARCH_BELOW,
        shuffled_noise_bar: bool = True,
        scale: str = "fico",
        base_odds: float | None = None,
        reason_code_order: list[str] | None = None,
    ) -> None:
        self.max_bins = max_bins
        self.min_bin_share = min_bin_share
        self.max_prebins = max_prebins
        self.monotonic = monotonic
        self.special_values = special_values
        self.negative_codes = negative_codes
        self.categorical = categorical
        self.nines_codes = nines_codes
        self.min_iv = min_iv
        self.iv_noise_multiple = iv_noise_multiple
        self.max_corr = max_corr
        self.max_features = max_features
        self.min_events_per_feature = min_events_per_feature
        self.stepwise = stepwise
        self.l2 = l2
        self.l2_search = l2_search
        self.l2_search_below = l2_search_below
        self.shuffled_noise_bar = shuffled_noise_bar
        self.scale = scale
        self.base_odds = base_odds
        self.reason_code_order = reason_code_order

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any, y: Any, meta: list | None = None) -> Scorecard:
        """Bin, select and fit on ``X`` (DataFrame, Arrow table or dict of arrays), 0/1 ``y``."""
        started = time.perf_counter()
        frame = as_frame(X)
        target = check_target(y, len(frame))
        self.scale_ = scaling.get_scale(self.scale, self.base_odds)
        candidates, self.meta_ = candidate_meta(frame, meta)
        unusable = unusable_columns(frame, candidates) if meta is None else {}
        candidates = [name for name in candidates if name not in unusable]
        if not candidates:
            raise ValueError(f"no column can be an input: {unusable}")
        order = list(self.reason_code_order or [])
        ordered = set(order)
        codes = rs.feature_codes(order + [name for name in candidates if name not in ordered])
        self.codes_ = {name: codes[name] for name in candidates}

        plain = frame if meta is None else None  # a plain table's columns may hold codes
        self.binning_ = self._make_binning(candidates, plain).fit(frame[candidates], target)
        read_as_codes = [] if plain is None else self._codes_as_categories(frame, target)
        all_bins = self.binning_.bins_
        self.iv_ = {name: float(all_bins[name].iv) for name in candidates}
        self.dropped_ = dict(unusable)
        classes = int((target == 0).sum()), int((target == 1).sum())
        floors = {n: self._iv_floor(all_bins[n], *classes) for n in candidates}
        if self._more_candidates_than_the_cap(len(candidates), target):
            noise = self._strongest_noise(frame[candidates], target)
            floors = {n: max(floors[n], noise[all_bins[n].kind]) for n in candidates}
        leaks = {
            n: reason
            for n in candidates
            if (
                reason := separation_reason(
                    frame[n],
                    target,
                    ordered=all_bins[n].kind != "categorical",
                    specials=all_bins[n].specials,
                    # a near separation only matters where it left binning no cut (IV 0):
                    # a strong real feature's one-outcome tail is binned like any other
                    near=all_bins[n].n_regular <= 1,
                )
            )
        }
        self.dropped_.update(leaks)
        strong = [n for n in candidates if self.iv_[n] >= floors[n] and n not in leaks]
        self.dropped_.update(
            {
                n: "information value {} below its bar of {}".format(
                    *_told_apart(self.iv_[n], floors[n])
                )
                for n in candidates
                if n not in strong and n not in leaks
            }
        )
        strong.sort(key=lambda n: -self.iv_[n])

        woe = woe_matrix(all_bins, frame, strong)
        cross_fitted = self._cross_fit(woe, frame, target, strong)
        kept, coef, intercept = self._select_and_fit(woe, target, strong, frame)
        if not kept:
            bads = int(target.sum())
            rarer = min(bads, len(target) - bads)
            if rarer < 10:  # no bar or feature helps: there is too little of one outcome
                raise ValueError(
                    f"no feature can be fitted on {bads:,} bad and {len(target) - bads:,} good"
                    f" rows: {rarer} of one outcome is too few to learn from; give rows of"
                    " both outcomes (tens of each at the least)"
                )
            raise ValueError(
                "no feature is strong enough to score with (all fell below min_iv, or every "
                "fit gave a wrong-signed coefficient); lower --min-iv or add features"
            )

        # Features keep catalog order in the model so reason ties break the same way anywhere.
        order = sorted(range(len(kept)), key=lambda i: candidates.index(kept[i]))
        self.features_ = [kept[i] for i in order]
        self.coef_ = np.asarray([coef[i] for i in order], dtype=float)
        self.intercept_ = float(intercept)
        self.bins_ = {name: all_bins[name] for name in self.features_}
        self._set_points()
        self.training_ = {
            "rows": int(len(target)),
            "bad_rate": float(target.mean()),
            "fit_seconds": round(time.perf_counter() - started, 3),
        }
        if self.l2_evidence_ is not None:  # the ridge moved off `l2` (see _searched_l2)
            self.training_["l2"] = {"chosen": self.l2_, "standard_errors": self.l2_evidence_}
        if read_as_codes:  # number columns binned as categories (see _codes_as_categories)
            self.training_["read_as_codes"] = read_as_codes
        # weighed by out-of-fold WoE (see _cross_fit), with the IV their groups kept there
        kept_cross_fitted = {n: iv for n, iv in cross_fitted.items() if n in self.bins_}
        if kept_cross_fitted:
            self.training_["cross_fitted"] = kept_cross_fitted
        return self

    def align(self, shift: float, slope: float) -> Scorecard:
        """Make the card's log-odds of bad ``shift + slope * log-odds`` (its points follow):
        a calibration found on held-out predictions (see ``segments.alignment``). The slope
        must be positive, so no feature's points turn against its bins' risk order."""
        if not slope > 0:
            raise ValueError(f"an alignment slope must be positive, not {slope}")
        self.coef_ = self.coef_ * float(slope)
        self.intercept_ = float(slope) * self.intercept_ + float(shift)
        self._set_points()
        self.training_["alignment"] = {"shift": float(shift), "slope": float(slope)}
        return self

    def _cross_fit(
        self, woe: np.ndarray, frame: pd.DataFrame, target: np.ndarray, names: list[str]
    ) -> dict[str, float]:
        """Put out-of-fold WoE in `woe`'s columns of the categoricals grouped from many levels
        (CROSS_FIT_LEVELS): each row's WoE from that feature's bins fitted without its fold, as
        a person scored later is. The logistic fit then weighs such a feature by what its
        groups tell of rows they were not chosen on; the points keep the bins of every row.
        Returns each name cross-fitted with its held-out IV (`_out_of_fold`)."""
        chosen = [
            j
            for j, name in enumerate(names)
            if self.binning_.bins_[name].kind == "categorical"
            and self.binning_.bins_[name].ordered_levels >= CROSS_FIT_LEVELS
        ]
        splits = _cross_fit_splits(target) if chosen else []
        if not splits:
            return {}
        held_out_iv = {}
        for j in chosen:
            woe[:, j], held_out_iv[names[j]] = self._out_of_fold(
                names[j], frame[names[j]], target, splits
            )
        return held_out_iv

    def _out_of_fold(
        self,
        name: str,
        column: pd.Series,
        target: np.ndarray,
        splits: list[tuple[np.ndarray, np.ndarray]],
        categorical: bool | None = None,
    ) -> tuple[np.ndarray, float]:
        """Each row's WoE from the feature's bins fitted without its fold, and the IV those
        bins keep on the rows held out (the mean over the folds of the held-out rows' shares
        against the WoE)."""
        woe, ivs = np.empty(len(column)), []
        for rest, held in splits:
            bins = self.binning_.fit_feature(name, column.iloc[rest], target[rest], categorical)
            woe[held] = bins.woe_of(column.iloc[held].to_numpy())
            bad = target[held] == 1
            shares = np.where(bad, -1.0 / max(bad.sum(), 1), 1.0 / max((~bad).sum(), 1))
            ivs.append(float(shares @ woe[held]))
        return woe, float(np.mean(ivs))

    def _codes_as_categories(self, frame: pd.DataFrame, target: np.ndarray) -> list[str]:
        """Bin as categories the number columns of a few whole values (CODE_LEVELS) whose
        categories tell rows held out of their fit more than ordered bins do; returns them."""
        sample = _rows_of_each_outcome(target, CODE_TEST_ROWS)
        tested_target = target[sample]
        splits = _cross_fit_splits(tested_target)
        if not splits:
            return []
        found: list[str] = []
        for name, bins in list(self.binning_.bins_.items()):
            if bins.kind != "numeric" or name in (self.categorical or ()):
                continue
            values = numeric_values(frame[name], name)  # as the binning read them
            values = values[np.isfinite(values) & ~np.isin(values, list(bins.specials))]
            levels = np.unique(values)
            if not 3 <= levels.size <= CODE_LEVELS or (levels != np.round(levels)).any():
                continue
            column = frame[name].iloc[sample]  # the sample of the columns tested alone
            _, ordered = self._out_of_fold(name, column, tested_target, splits)
            _, as_codes = self._out_of_fold(name, column, tested_target, splits, categorical=True)
            if as_codes > ordered:
                self.binning_.bins_[name] = self.binning_.fit_feature(
                    name, frame[name], target, categorical=True
                )
                self.binning_.iv_[name] = self.binning_.bins_[name].iv
                found.append(name)
        return found

    def _searched_l2(
        self, frame: pd.DataFrame, target: np.ndarray, names: list[str]
    ) -> tuple[float, float | None]:
        """The ridge penalty for the fit: `l2`, or on a sample whose rarer class has fewer than
        `l2_search_below` rows, and fewer than L2_SEARCH_ROWS_PER_FEATURE per feature, the
        value of `l2_search` whose held-out log-loss beats `l2`'s by the most, where it beats
        it by at least L2_EVIDENCE standard errors. Held out means the whole of what the
        penalty has to answer for: on each of five folds `names` are binned and fitted on the
        other rows and the held-out rows scored. Returns the penalty and, where it moved, the
        standard errors of its gain (else None)."""
        rarer = int(min(target.sum(), len(target) - target.sum()))
        limit = min(self.l2_search_below, L2_SEARCH_ROWS_PER_FEATURE * len(names))
        splits = _cross_fit_splits(target) if self.l2_search and rarer < limit else []
        if not splits:
            return self.l2, None
        grid = sorted({float(v) for v in self.l2_search} | {float(self.l2)})
        loss = np.empty((len(target), len(grid)))  # each row's held-out log-loss per penalty
        for rest, held in splits:
            fit_rows = np.empty((len(rest), len(names)))
            held_rows = np.empty((len(held), len(names)))
            for j, name in enumerate(names):
                column = frame[name]
                categorical = self.binning_.bins_[name].kind == "categorical"
                bins = self.binning_.fit_feature(name, column.iloc[rest], target[rest], categorical)
                fit_rows[:, j] = bins.woe_of(column.iloc[rest].to_numpy())
                held_rows[:, j] = bins.woe_of(column.iloc[held].to_numpy())
            start = None
            for i, l2 in enumerate(grid):
                # the same penalty per row as on the whole sample
                start = fit_logistic(fit_rows, target[rest], l2 * len(rest) / len(target), start)
                log_odds = held_rows @ start[0] + start[1]
                loss[held, i] = np.logaddexp(0.0, log_odds) - target[held] * log_odds
        gain = loss[:, [grid.index(float(self.l2))]] - loss
        spread = gain.std(axis=0) / np.sqrt(len(target))
        evidence = np.divide(gain.mean(axis=0), spread, out=np.zeros(len(grid)), where=spread > 0)
        if not (evidence >= L2_EVIDENCE).any():
            return self.l2, None
        best = int(np.argmax(np.where(evidence >= L2_EVIDENCE, gain.mean(axis=0), -np.inf)))
        return grid[best], round(float(evidence[best]), 1)

    def _iv_floor(self, bins: Any, goods: int, bads: int) -> float:
        """The IV a feature needs: `min_iv`, or less where the sample is large enough that
        `iv_noise_multiple` times the IV noise reaches (see `noise_iv`) is below it."""
        if not self.iv_noise_multiple:
            return self.min_iv
        filled = int((np.asarray(bins.count) > 0).sum())
        noise = self.iv_noise_multiple * noise_iv(filled, goods, bads)
        # A categorical's grouping ordered its levels by their own rates before cutting, and
        # keeps about all of their noise: pure-noise columns reached 0.3-2.5 times the noise of
        # the levels ordered, but 10-50 times that of the groups kept at 50-250 levels (1M
        # rows, 5,000 levels: 23 times), so the bar also stands above the levels' noise.
        if bins.ordered_levels > filled:
            ordered = ORDERED_LEVELS_NOISE_MULTIPLE * noise_iv(bins.ordered_levels, goods, bads)
            noise = max(noise, ordered)
        return min(self.min_iv, noise)

    def _more_candidates_than_the_cap(self, columns: int, target: np.ndarray) -> bool:
        """Whether the noise-aware bar (`iv_noise_multiple`) faces CANDIDATES_OVER_CAP times
        more candidate columns than the cap of one feature per `min_events_per_feature` rows
        of the rarer class lets in: then noise alone could fill the cap (5,000 rows of 2,000
        columns, 10 of them real: 292 pure-noise columns passed 0.01, and 129 of the 139
        features kept were noise; German credit beside 40 noise columns kept 19). Hardly more
        than the cap are no such crowd, and there the strongest noise is too high a bar (a
        low-default book of 20 columns, 150 bads: 0.09, over real features of IV 0.076 and
        0.087; five-fold AUC 0.7289 -> 0.7202)."""
        if not (self.shuffled_noise_bar and self.iv_noise_multiple and self.min_events_per_feature):
            return False
        rarer = int(min(target.sum(), len(target) - target.sum()))
        cap = max(1, rarer // int(self.min_events_per_feature))
        return columns > CANDIDATES_OVER_CAP * cap

    def _strongest_noise(self, frame: pd.DataFrame, target: np.ndarray) -> dict[str, float]:
        """The IV the strongest of these columns reaches on the outcomes shuffled (each column
        then pure noise, binned as it is: its values, ties and missing ones as they are, the
        cuts chosen as for the real outcome), numeric and categorical apart: with it as the
        bar, about one noise column of them all passes. A chi-squared model of binned noise
        did not hold: the cuts chosen among the pre-bins give noise IVs whose tail grows as
        the rows fall (400 noise columns of 3,000 rows: 2-3 passed its 1 - 1/400 quantile)."""
        from sklearn.base import clone

        shuffled = np.random.default_rng(0).permutation(target)
        null = clone(self.binning_).fit(frame, shuffled).bins_
        strongest = {"numeric": 0.0, "categorical": 0.0}
        for name, bins in null.items():
            kind = self.binning_.bins_[name].kind
            strongest[kind] = max(strongest.get(kind, 0.0), float(bins.iv))
        return strongest

    def _feature_limits(self, target: np.ndarray) -> list[tuple[int, str]]:
        """The caps on the number of features, each with the reason a feature beyond it gets."""
        limits = []
        if self.max_features is not None:
            limits.append(
                (int(self.max_features), f"beyond the {int(self.max_features)} features allowed")
            )
        if self.min_events_per_feature:
            rarer = int(min(target.sum(), len(target) - target.sum()))
            limit = max(1, rarer // int(self.min_events_per_feature))
            per = self.min_events_per_feature
            kept = f"{limit} feature{'' if limit == 1 else 's'}"
            why = f"beyond {kept} (one per {per} rows of the rarer class)"
            limits.append((limit, why))
        return limits

    def _make_binning(self, candidates: list[str], plain: pd.DataFrame | None):
        from credo.model.binning import BinningProcess

        monotonic_by_feature = {}
        special_values: dict[str, list] = {}
        for name in candidates:
            info = self.meta_[name]
            if info["direction"] in DIRECTION_TO_MONOTONIC:
                monotonic_by_feature[name] = DIRECTION_TO_MONOTONIC[info["direction"]]
            specials = [info[k] for k in ("no_data", "never") if info.get(k) is not None]
            if specials:
                special_values[name] = list(dict.fromkeys(specials))
        if isinstance(self.special_values, dict):
            for name, values in self.special_values.items():
                if name not in candidates and name in self.meta_:
                    continue  # a column left out (a date, an identifier); typos still fail
                special_values.setdefault(name, [])
                special_values[name] += [v for v in values if v not in special_values[name]]
        elif self.special_values:
            for name in candidates:
                special_values[name] = list(special_values.get(name, [])) + list(
                    self.special_values
                )
        # a plain table's negative codes (columns.negative_codes) and nines codes
        # (columns.nines_codes) get bins of their own
        self.negative_codes_: dict[str, list[float]] = {}
        self.nines_codes_: dict[str, list[float]] = {}
        for found, finder, wanted in (
            (self.negative_codes_, negative_codes, self.negative_codes),
            (self.nines_codes_, nines_codes, self.nines_codes),
        ):
            for name in [] if plain is None or not wanted else candidates:
                if name in (self.categorical or ()):
                    continue
                own = special_values.get(name, [])
                codes = [c for c in finder(plain[name]) if c not in own]
                if codes:
                    found[name] = codes
                    special_values[name] = [*own, *codes]
        return BinningProcess(
            max_bins=self.max_bins,
            min_bin_share=self.min_bin_share,
            max_prebins=self.max_prebins,
            monotonic=self.monotonic,
            special_values=special_values or None,
            monotonic_by_feature=monotonic_by_feature or None,
            categorical=self.categorical,
        )

    def _select_and_fit(
        self, woe: np.ndarray, target: np.ndarray, strong: list[str], frame: pd.DataFrame
    ):
        """The features (of `strong`, by falling IV; `woe` their columns) left by the
        correlation filter, the caps and stepwise, fitted with signs that make sense (and
        the ridge penalty their folds ask for, `_searched_l2`, on those the caps left). Returns
        (features, coefficients, intercept). A feature left out for its likeness to one the
        fit then refused for its sign stays out (trying it again, on the demo's population,
        let seven more features in and cost 0.02 of held-out AUC), and its reason says so."""
        kept, alike = self._drop_correlated(woe, strong)
        for limit, why in self._feature_limits(target):
            self.dropped_.update({n: why for n in kept[limit:]})
            kept = kept[:limit]
        chosen = woe[:, [strong.index(n) for n in kept]]
        self.l2_, self.l2_evidence_ = self._searched_l2(frame, target, kept)
        if self.stepwise:
            kept, chosen = self._forward_stepwise(chosen, target, kept)
        fitted, coef, intercept = self._fit_signed(chosen, target, kept)
        for name, partner in alike.items():
            if partner not in fitted and partner in self.dropped_:
                self.dropped_[name] += f", itself left out ({self.dropped_[partner]})"
        return fitted, coef, intercept

    def _drop_correlated(
        self, woe: np.ndarray, names: list[str]
    ) -> tuple[list[str], dict[str, str]]:
        """Greedy: walk features by falling IV, keep one unless it correlates above max_corr.
        Returns the kept, and each one left out with the kept feature it is like."""
        if not names:
            return [], {}
        corr = correlation(woe)
        kept: list[int] = []
        alike: dict[str, str] = {}
        for j, name in enumerate(names):
            clash = [k for k in kept if abs(corr[j, k]) > self.max_corr]
            if clash:
                self.dropped_[name] = f"correlated with {names[clash[0]]} ({corr[j, clash[0]]:.2f})"
                alike[name] = names[clash[0]]
            else:
                kept.append(j)
        return [names[j] for j in kept], alike

    def _fit_logistic(self, woe: np.ndarray, y: np.ndarray, start=None):
        try:
            return fit_logistic(woe, y, self.l2_, start)
        except NotConverged as error:
            raise ValueError(
                f"the logistic regression did not settle ({error}, ridge penalty l2={self.l2_}):"
                " some features nearly separate the outcome; a larger l2 keeps the fit finite"
            ) from None

    def _fit_signed(self, woe: np.ndarray, y: np.ndarray, names: list[str]):
        """Fit; while any coefficient has the wrong sign, drop the worst one and refit; then,
        while a feature moves the log-odds by under NEGLIGIBLE_EFFECT over its bins, drop the
        weakest and refit.

        Higher WoE is safer, so every coefficient on the log-odds of bad must be negative. A
        coefficient near 0 (another feature carries the signal) leaves a feature giving every
        bin the same points: a line of the points table that explains nothing.
        """
        names = list(names)
        columns = list(range(len(names)))
        spread = np.ptp(woe, axis=0) if len(woe) else np.zeros(len(names))
        start = None
        while columns:
            coef, intercept = self._fit_logistic(woe[:, columns], y, start)
            worst = int(np.argmax(coef))
            if coef[worst] >= 0:
                self.dropped_[names[columns[worst]]] = "coefficient against its bins' risk order"
            else:
                effect = -coef * spread[columns]
                worst = int(np.argmin(effect))
                if effect[worst] >= NEGLIGIBLE_EFFECT or len(columns) == 1:
                    return [names[c] for c in columns], coef, intercept
                self.dropped_[names[columns[worst]]] = (
                    f"adds next to nothing beside the other features (coefficient"
                    f" {coef[worst]:.2g}: its bins' log-odds differ by under {NEGLIGIBLE_EFFECT})"
                )
            del columns[worst]
            start = (np.delete(coef, worst), intercept)
        return [], np.zeros(0), 0.0

    def _forward_stepwise(self, woe: np.ndarray, y: np.ndarray, names: list[str]):
        """Forward selection by BIC over the IV- and correlation-filtered features."""
        n = len(y)
        chosen: list[int] = []
        best_bic = bic(null_log_likelihood(y), 1, n)
        remaining = list(range(len(names)))
        while remaining:
            trials = []
            for j in remaining:
                cols = chosen + [j]
                coef, intercept = self._fit_logistic(woe[:, cols], y)
                ll = log_likelihood(woe[:, cols], y, coef, intercept)
                trials.append((bic(ll, len(cols) + 1, n), j))
            trial_bic, j = min(trials)
            if trial_bic >= best_bic:
                break
            best_bic = trial_bic
            chosen.append(j)
            remaining.remove(j)
        self.dropped_.update({names[j]: "not chosen by stepwise" for j in remaining})
        return [names[j] for j in chosen], woe[:, chosen]

    def _set_points(self) -> None:
        woe = [np.asarray(self.bins_[n].woe, dtype=float) for n in self.features_]
        raw = scaling.points_to_double_odds(self.coef_, self.intercept_, woe, self.scale_)
        self.points_ = dict(zip(self.features_, scaling.round_points(raw), strict=True))
        self.log_odds_ = {n: c * w for n, c, w in zip(self.features_, self.coef_, woe, strict=True)}
        losses = rs.loss_tables(list(self.points_.values()))
        self.loss_ = dict(zip(self.features_, losses, strict=True))
        self._tables_ = compile_tables(
            [self.points_[n] for n in self.features_],
            [self.log_odds_[n] for n in self.features_],
            self.intercept_,
            self.inquiry_columns(),
        )

    # ------------------------------------------------------------------ score
    def bin_indices(self, X: Any) -> np.ndarray:
        """(n, k) bin index of each person for each model feature (features_ order)."""
        frame = as_frame(X)
        self._check_columns(frame)
        out = np.empty((len(frame), len(self.features_)), dtype=np.int32)
        for j, name in enumerate(self.features_):
            out[:, j] = self.bins_[name].index(frame[name].to_numpy())
        return out

    def _check_columns(self, frame: pd.DataFrame) -> None:
        check_columns(frame, self.features_)
        check_no_booleans_for_numbers(frame, self.bins_, self.features_)

    def log_odds_bad(self, X: Any) -> np.ndarray:
        """The linear predictor: log-odds of bad."""
        return self.log_odds_of_bins(self.bin_indices(X))

    def log_odds_of_bins(self, index: np.ndarray) -> np.ndarray:
        """Log-odds of bad from bin indices (``bin_indices``), feature by feature."""
        total = np.full(index.shape[0], self.intercept_)
        for j, name in enumerate(self.features_):
            total += self.log_odds_[name][index[:, j]]
        return total

    def predict_proba(self, X: Any) -> np.ndarray:
        """(n, 2): probability of good, probability of bad."""
        p_bad = scaling.pd_from_log_odds_bad(self.log_odds_bad(X))
        return np.column_stack([1.0 - p_bad, p_bad])

    def score_table(self, X: Any, with_text: bool = False) -> pd.DataFrame:
        """score, pd, band, reason_1..reason_4 (codes) and reason_5 (inquiries), per row.

        Band and reasons are categoricals; "no reason" is missing. ``with_text`` adds
        reason_1_text..reason_5_text.
        """
        frame = as_frame(X)
        self._check_columns(frame)
        columns = [frame[name].to_numpy() for name in self.features_]
        n = len(frame)
        score = np.empty(n, dtype=np.int64)
        p_bad = np.empty(n)
        # (reason, person): each reason's codes contiguous, in the type a Categorical keeps
        chosen = np.empty((rs.N_REASONS + 1, n), dtype=np.int8 if len(columns) < 127 else np.int32)

        def score_rows(start: int) -> None:
            rows = slice(start, min(start + SCORE_CHUNK_ROWS, n))
            bins = [
                self.bins_[name].compact_index(values[rows])
                for name, values in zip(self.features_, columns, strict=True)
            ]
            scored = score_bins(self._tables_, bins)
            score[rows] = scaling.clip_score(scored.points, self.scale_)
            p_bad[rows] = scaling.pd_from_log_odds_bad(scored.log_odds)
            chosen[: rs.N_REASONS, rows] = scored.reasons.T
            chosen[rs.N_REASONS, rows] = scored.fifth

        starts = range(0, n, SCORE_CHUNK_ROWS)
        workers = min(len(starts), os.cpu_count() or 1, 2)
        if workers > 1:
            # numpy releases the GIL in the gathers and reductions, so chunks overlap on cores.
            with ThreadPoolExecutor(max_workers=workers) as pool:
                list(pool.map(score_rows, starts))
        else:
            for start in starts:
                score_rows(start)
        table = {
            "score": score,
            "pd": p_bad,
            "band": band_column(score, self.scale_),
        }
        # Categoricals: fast to build, and "no reason" (code -1) reads as missing.
        codes = [self.codes_[name] for name in self.features_]
        for r in range(len(chosen)):
            table[f"reason_{r + 1}"] = pd.Categorical.from_codes(chosen[r], categories=codes)
        if with_text:
            index = self.bin_indices(frame)
            own_levels = [self.level_texts(frame, name) for name in self.features_]
            for r in range(len(chosen)):
                texts = self._texts(chosen[r], index)
                for j, told in enumerate(own_levels):
                    if told is not None:
                        rows = np.flatnonzero((chosen[r] == j) & (told != None))  # noqa: E711
                        texts[rows] = told[rows]
                table[f"reason_{r + 1}_text"] = pd.Series(texts, dtype=object)
        return pd.DataFrame(table)

    def _texts(self, columns: np.ndarray, index: np.ndarray) -> np.ndarray:
        out = np.full(len(columns), None, dtype=object)
        for j, name in enumerate(self.features_):
            rows = np.flatnonzero(columns == j)
            if rows.size:
                texts = np.array(self.reason_texts(name), dtype=object)
                out[rows] = texts[index[rows, j]]
        return out

    def level_texts(self, frame: pd.DataFrame, name: str) -> np.ndarray | None:
        """Per row, the reason text of a categorical feature that names the person's own level
        (None where the bin's text stands: missing, special values, catalog features), or None
        for a feature with no such row. A level not seen at fit is scored in the riskiest
        group, whose levels the person does not have, so it is told as unseen; a seen level of
        a plain table's column is told as itself, not as its whole group."""
        bins = self.bins_[name]
        if bins.kind != "categorical":
            return None
        values = frame[name].to_numpy(dtype=object)
        unseen = bins.unseen_levels(values)
        told = unseen.copy()
        if not self.meta_[name]["reason"]:
            told |= bins.index(values) < bins.n_regular
        if not told.any():
            return None
        out = np.full(len(values), None, dtype=object)
        # one text per distinct value, not one call per row
        levels, position = np.unique(values[told].astype(str), return_inverse=True)
        new_levels = set(values[unseen].astype(str))
        texts = np.array(
            [
                rs.unseen_level_text(name, v) if v in new_levels else rs.level_text(name, v)
                for v in levels
            ],
            dtype=object,
        )
        out[told] = texts[position]
        return out

    def reason_texts(self, name: str) -> list[str]:
        """The text shown for each bin of ``name`` when it is a reason."""
        bins = self.bins_[name]
        if self.meta_[name]["reason"]:
            return rs.catalog_reason_texts(self.meta_[name], bins, self.points_[name])
        unit = self.meta_[name].get("unit") or ""
        return rs.plain_reason_texts(name, bins, self.points_[name], unit)

    def points_matrix(self, index: np.ndarray) -> np.ndarray:
        """(n, k) points of each person's bin for each feature."""
        out = np.empty(index.shape, dtype=np.int32)
        for j, name in enumerate(self.features_):
            out[:, j] = self.points_[name].astype(np.int32)[index[:, j]]
        return out

    def loss_matrix(self, index: np.ndarray) -> np.ndarray:
        """(n, k) points lost against each feature's best bin."""
        out = np.empty(index.shape, dtype=np.int32)
        for j, name in enumerate(self.features_):
            out[:, j] = self.loss_[name].astype(np.int32)[index[:, j]]
        return out

    def inquiry_columns(self) -> list[int]:
        return rs.inquiry_positions(self.features_, self.meta_)

    def breakdown(self, X: Any) -> pd.DataFrame:
        """Points per dimension and the most that dimension can give: <dim>, <dim>_max."""
        points = self.points_matrix(self.bin_indices(X))
        table = {}
        for dimension in self.dimensions():
            cols = [
                j for j, n in enumerate(self.features_) if self.meta_[n]["dimension"] == dimension
            ]
            table[dimension] = points[:, cols].sum(axis=1)
            table[f"{dimension}_max"] = np.full(
                len(points), int(sum(self.points_[self.features_[j]].max() for j in cols))
            )
        return pd.DataFrame(table)

    def dimensions(self) -> list[str]:
        """The model's dimensions in order of first appearance."""
        return list(dict.fromkeys(self.meta_[n]["dimension"] for n in self.features_))

    def points_table(self) -> pd.DataFrame:
        """feature, dimension, bin, woe, points, count, bad_rate: one row per bin."""
        rows = []
        for name in self.features_:
            bins = self.bins_[name]
            for b, label in enumerate(rs.unit_labels(bins, self.meta_[name].get("unit"))):
                count = float(bins.count[b])
                rows.append(
                    {
                        "feature": name,
                        "dimension": self.meta_[name]["dimension"],
                        "bin": label,
                        "woe": float(bins.woe[b]),
                        "points": int(self.points_[name][b]),
                        "count": int(count),
                        "bad_rate": float(bins.bad[b]) / count if count else float("nan"),
                    }
                )
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ data
    def saved_params(self) -> dict:
        """The parameters as a model file holds them: one newer than the file format, at its
        default, is left out, so that an earlier credo still reads the model."""
        params = self.get_params()
        for name, default in _NEWER_PARAMS.items():
            if params.get(name) == default:
                params.pop(name)
        return params

    def to_dict(self) -> dict:
        """Everything needed to score, as JSON-ready data."""
        return {
            "params": self.saved_params(),
            "features": [
                {
                    **self.meta_[name],
                    "code": self.codes_[name],
                    "coefficient": float(coef),
                    "iv": self.iv_[name],
                    "bins": self.bins_[name].to_dict(),
                    "points": [int(p) for p in self.points_[name]],
                    "reason_texts": self.reason_texts(name),
                }
                for name, coef in zip(self.features_, self.coef_, strict=True)
            ],
            "intercept": self.intercept_,
            "scale": self.scale_.to_dict(),
            "reason_codes": dict(self.codes_),
            "candidates": {
                name: {"iv": self.iv_[name], "dropped": self.dropped_.get(name)}
                for name in self.codes_
            },
            # columns never binned (dates, identifiers of a plain table), with the reason
            "not_inputs": {n: why for n, why in self.dropped_.items() if n not in self.codes_},
            "training": dict(self.training_),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Scorecard:
        """Rebuild a fitted scorecard from ``to_dict`` data."""
        from credo.model.bins import Bins

        model = cls(**data["params"])
        features = data["features"]
        if not features:  # before any arithmetic over them ("float division by zero")
            raise ValueError("it reads no feature")
        model.features_ = [f["name"] for f in features]
        model.coef_ = np.asarray([f["coefficient"] for f in features], dtype=float)
        model.intercept_ = float(data["intercept"])
        model.scale_ = scaling.Scale.from_dict(data["scale"])
        model.bins_ = {f["name"]: Bins.from_dict(f["bins"]) for f in features}
        model.binning_ = None
        model.meta_ = {f["name"]: {k: f.get(k) for k in META_FIELDS} for f in features}
        model.codes_ = dict(data["reason_codes"])
        if len(set(model.codes_.values())) != len(model.codes_):
            raise ValueError("two features share a reason code")
        for feature in features:  # each feature's own code, as the points table shows it
            if "code" in feature and feature["code"] != model.codes_.get(feature["name"]):
                raise ValueError(
                    f"the code {feature['code']!r} stored with {feature['name']!r} is not the"
                    " one its reason codes give it"
                )
        model.iv_ = {name: c["iv"] for name, c in data["candidates"].items()}
        model.dropped_ = {n: c["dropped"] for n, c in data["candidates"].items() if c["dropped"]}
        model.dropped_.update(data.get("not_inputs") or {})
        model.training_ = dict(data["training"])
        model._set_points()
        stored = {f["name"]: np.asarray(f["points"], dtype=float) for f in features}
        for name in model.features_:
            if not np.array_equal(stored[name], model.points_[name]):
                raise ValueError(f"stored points of {name!r} do not follow from its bins")
        return model


# ---------------------------------------------------------------------- helpers
def _told_apart(value: float, bar: float) -> tuple[str, str]:
    """Both numbers to 3 significant digits, or as many more as it takes to tell them apart
    (an IV of 0.01996 under a bar of 0.02 read "0.02 below its bar of 0.02")."""
    for digits in range(3, 10):
        shown = f"{value:.{digits}g}", f"{bar:.{digits}g}"
        if shown[0] != shown[1]:
            return shown
    return shown


def check_target(y: Any, n_rows: int) -> np.ndarray:
    """The target as float 0/1; a clear error for anything else."""
    values = np.asarray(y, dtype=object).reshape(-1)
    target = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    if target.shape != (n_rows,):
        raise ValueError(f"the target has {target.size} values for {n_rows} rows")
    bad = ~np.isin(target, (0.0, 1.0))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        value = values[row]
        raise ValueError(f"the target must be 0 (good) or 1 (bad); row {row} has {value!r}")
    if target.min() == target.max():
        raise ValueError("the target has only one class; a scorecard needs goods and bads")
    return target


def band_column(score: np.ndarray, scale: scaling.Scale) -> pd.Categorical:
    """The band of each score as a Categorical of the scale's band names."""
    names = [band.name for band in scale.bands]
    return pd.Categorical.from_codes(scaling.band_index(score, scale), categories=names)


def check_columns(frame: pd.DataFrame, names: list[str]) -> None:
    """A clear error naming the model columns a table to score lacks."""
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise ValueError(
            f"the table lacks {len(missing)} column(s) the model needs: "
            f"{', '.join(missing)}; score a table with the same columns it was trained on"
        )


def check_no_booleans_for_numbers(frame: pd.DataFrame, bins: dict, names: list[str]) -> None:
    """A column of booleans where the model binned numbers beyond 0 and 1 (months, amounts)
    is a column of another kind, not the feature: read as 0/1 it would fall in the lowest bins
    without a word. (A feature trained on booleans has its cuts between 0 and 1.)"""
    for name in names:
        bin_ = bins[name]
        if bin_.kind != "numeric" or not holds_booleans(frame[name]):
            continue
        edges = np.asarray(bin_.edges, dtype=float)
        if edges.size and ((edges < 0) | (edges > 1)).any():
            raise ValueError(
                f"feature {name!r} holds true/false here, but the model binned it as numbers"
                f" (cut at {', '.join(f'{e:g}' for e in edges[:3])}): give the column the"
                " model was trained on"
            )


def candidate_meta(frame: pd.DataFrame, meta: list | None) -> tuple[list[str], dict]:
    """Candidate feature names (catalog or column order) and their metadata."""
    if meta is None:
        names = [str(c) for c in frame.columns]
        return names, {name: plain_meta(name) for name in names}
    infos = [meta_to_dict(m) for m in meta]
    absent = [info["name"] for info in infos if info["name"] not in frame.columns]
    if absent:
        raise ValueError(f"the feature table lacks columns its metadata lists: {', '.join(absent)}")
    return [i["name"] for i in infos], {i["name"]: i for i in infos}


def _rows_of_each_outcome(target: np.ndarray, most: int) -> np.ndarray | slice:
    """Every row (a slice) where there are at most `most`; else the sorted positions of a seeded
    sample of about `most` rows holding each outcome in its share."""
    if len(target) <= most:
        return slice(None)
    rng = np.random.default_rng(_CROSS_FIT_SEED)
    chosen = []
    for outcome in (0, 1):
        rows = np.flatnonzero(target == outcome)
        take = max(1, round(most * len(rows) / len(target))) if len(rows) else 0
        chosen.append(rng.choice(rows, size=min(take, len(rows)), replace=False))
    return np.sort(np.concatenate(chosen))


def _cross_fit_splits(target: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The stratified folds (CROSS_FIT_FOLDS, fewer where a class has fewer rows; none below
    two) that out-of-fold WoE is worked out on: seeded, so a fit is the same every run."""
    from sklearn.model_selection import StratifiedKFold

    folds = min(CROSS_FIT_FOLDS, int(np.bincount(target.astype(int), minlength=2).min()))
    if folds < 2:
        return []
    splitter = StratifiedKFold(folds, shuffle=True, random_state=_CROSS_FIT_SEED)
    return list(splitter.split(np.zeros(len(target)), target))


def woe_matrix(bins: dict, frame: pd.DataFrame, names: list[str]) -> np.ndarray:
    """(n, k) WoE of each named feature."""
    out = np.empty((len(frame), len(names)), dtype=float)
    for j, name in enumerate(names):
        out[:, j] = bins[name].woe_of(frame[name].to_numpy())
    return out


def correlation(x: np.ndarray) -> np.ndarray:
    """Pearson correlation of the columns (constant columns correlate 0)."""
    n = x.shape[0]
    mean = x.mean(axis=0)
    with one_blas_thread():
        cov = weighted_gram(x, None) / n - np.outer(mean, mean)
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    return np.nan_to_num(corr)


def log_likelihood(x: np.ndarray, y: np.ndarray, coef: np.ndarray, intercept: float) -> float:
    z = intercept + x @ coef
    return float(np.sum(y * z - np.logaddexp(0.0, z)))


def null_log_likelihood(y: np.ndarray) -> float:
    p = y.mean()
    return float(len(y) * (p * np.log(p) + (1 - p) * np.log(1 - p)))


def bic(ll: float, n_params: int, n_rows: int) -> float:
    return -2.0 * ll + n_params * np.log(n_rows)

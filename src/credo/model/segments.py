"""Segmented scorecards: one scorecard per segment of the population, on one points scale.

An additive scorecard gives a feature the same points whoever has it; the data often disagree
(a high card balance means one thing for someone paying on time and another for someone two
months late). Risk teams answer with segmentation: split the population on a few strong
features and fit a scorecard per segment. ``SegmentedScorecard`` finds the splits from the
data, each judged out of sample:

* the candidates are the cuts between adjacent bins of a leaf's strongest features (by IV, at
  most ``split_candidates``); a special value's or the missing bin goes to the side whose WoE
  is nearer its own;
* a cut is worth taking when scorecards fitted on each side (bins, selection and fit redone)
  predict the leaf's rows better than one scorecard does, measured by the log-loss of
  ``inner_folds``-fold cross-validation inside the training rows (5: three folds chose
  noisier cuts on the quality bench);
* each side must hold at least ``min_segment_share`` of all rows and ``min_segment_minority``
  rows of its rarer class; the leaf with the largest gain is split next, up to
  ``max_segments`` leaves.

Every segment's scorecard is scaled by the same preset, and aligned so that a score means the
same odds in every segment: a card fitted and binned on its own rows is over-confident there
(on Taiwan's events its held-out log-odds needed shrinking by 0.6-0.9), and by a different
amount in each segment, which puts people of different segments in the wrong order. Each
segment's log-odds are refitted on its rows' out-of-fold predictions from the search's
cross-validation (a slope and a shift, as risk teams align segment cards), and its points
follow. Reasons follow the scorecard's rule (points lost against the best) with the segment
counted in: being in a segment whose best attainable score is below another's costs those
points, charged to the feature the split was made on (at every split on the way down, the
gap between the best score reachable on the other side and on this one). A person two months
late is told so even when the late segment's own card has nothing else against them.

A fitted segmented scorecard is plain data (``to_dict`` / ``from_dict``) like a scorecard.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.model_selection import StratifiedKFold

from credo.explain import reasons as rs
from credo.model import scaling
from credo.model.bins import Bins, format_number
from credo.model.logistic import NotConverged, fit_logistic
from credo.model.scorecard import (
    OutcomeClassifier,
    Scorecard,
    band_column,
    check_columns,
    check_target,
    rarer_class,
)
from credo.model.tables import as_frame

KIND = "segmented"
PENDING = object()  # a leaf whose best split is not searched yet


@dataclass(frozen=True)
class Condition:
    """Rows whose bin of ``feature`` (under ``bins``) is one of ``members``."""

    feature: str
    bins: Bins
    members: tuple[int, ...]

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        return np.isin(self.bins.index(frame[self.feature].to_numpy()), self.members)

    def label(self) -> str:
        """Readable rule: "ph_dpd_latest >= 40 or special: -1 or missing"."""
        bins = self.bins
        labels = bins.labels()
        regular = [b for b in self.members if b < bins.n_regular]
        text = [labels[b] for b in self.members if b >= bins.n_regular]
        if regular:
            low, high = regular[0], regular[-1]
            if bins.kind == "numeric" and regular == list(range(low, high + 1)):
                if low == 0 and high == bins.n_regular - 1:
                    range_text = "any value"
                elif low == 0:
                    range_text = f"< {format_number(bins.edges[high])}"
                elif high == bins.n_regular - 1:
                    range_text = f">= {format_number(bins.edges[low - 1])}"
                else:
                    edges = bins.edges[low - 1], bins.edges[high]
                    range_text = "in [" + ", ".join(format_number(e) for e in edges) + ")"
            else:
                range_text = "in " + " | ".join(labels[b] for b in regular)
            text.insert(0, range_text)
        return f"{self.feature} " + " or ".join(text)

    def to_dict(self) -> dict:
        return {"feature": self.feature, "bins": self.bins.to_dict(), "members": list(self.members)}

    @classmethod
    def from_dict(cls, data: dict) -> Condition:
        return cls(data["feature"], Bins.from_dict(data["bins"]), tuple(data["members"]))


@dataclass
class Segment:
    """A leaf: the conditions that select it (all hold), its scorecard, and its charges.

    ``charges``: points charged to a feature for being in this segment rather than the one
    with the best attainable score (see the module docstring).
    """

    name: str
    conditions: tuple[Condition, ...]
    card: Scorecard
    charges: dict[str, int] = field(default_factory=dict)

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        out = np.ones(len(frame), dtype=bool)
        for condition in self.conditions:
            out &= condition.mask(frame)
        return out

    def label(self) -> str:
        parts = [c.label() for c in self.conditions]
        if len(parts) > 1:
            parts = [f"({p})" if " or " in p else p for p in parts]
        return " and ".join(parts) or "everyone"

    def best_score(self) -> int:
        return int(sum(self.card.points_[n].max() for n in self.card.features_))


def _log_loss(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _reason_holds_on(conditions: list[Condition], meta: dict) -> bool:
    """Whether a catalog feature's reason is true of every value its conditions let in (the
    values all of them hold): so where one condition holds only regular bins of a number (a
    special value's or the missing bin's is no such value) past the reason's bound, or any
    regular bins where it has none (`reasons.reason_holds`). A feature with a text for low
    values too has no one claim of a range ("Card balances are high" of 200 to under 1,000)."""
    if meta.get("reason_low"):
        return False

    def past_the_bound(condition: Condition) -> bool:
        bins = condition.bins
        if bins.kind != "numeric" or any(b >= bins.n_regular for b in condition.members):
            return False
        edges = [-np.inf, *bins.edges, np.inf]
        return all(rs.reason_holds(meta, edges[b], edges[b + 1]) for b in condition.members)

    return any(past_the_bound(c) for c in conditions)


# The scorecard's IV bar before its ridge search (Scorecard._searched_l2) let it come down to
# 0.01 (docs/model.md): at 0.01 the segment search's cards, which do without that search, took
# the Taiwan events' segmented card from 0.78247 to 0.78183 five-fold AUC.
IV_BAR_WITHOUT_SEARCH = 0.02


class SegmentedScorecard(OutcomeClassifier, BaseEstimator):
    """Scorecards per data-chosen segment (module docstring); ``scorecard`` gives their
    parameters (a ``Scorecard``, default settings when None). ``align``: calibrate each
    segment's card on its rows' held-out predictions (default; off only to measure it)."""

    def __init__(
        self,
        scorecard: Scorecard | None = None,
        max_segments: int = 4,
        min_segment_share: float = 0.1,
        min_segment_minority: int = 200,
        split_candidates: int = 5,
        inner_folds: int = 5,
        random_state: int = 0,
        align: bool = True,
    ) -> None:
        self.scorecard = scorecard
        self.max_segments = max_segments
        self.min_segment_share = min_segment_share
        self.min_segment_minority = min_segment_minority
        self.split_candidates = split_candidates
        self.inner_folds = inner_folds
        self.random_state = random_state
        self.align = align

    # ------------------------------------------------------------------ fit
    def _card(self) -> Scorecard:
        base = self.scorecard if self.scorecard is not None else Scorecard()
        return Scorecard(**base.get_params())

    def fit(
        self,
        X: Any,
        y: Any,
        meta: list | None = None,
        step: Callable[[str], None] | None = None,
    ) -> SegmentedScorecard:
        """Find the segments and fit their cards. `step` hears where the search is (the search
        fits hundreds of cards: a progress line for long runs)."""
        started = time.perf_counter()
        frame = as_frame(X).reset_index(drop=True)
        target = check_target(y, len(frame))
        if int(self.max_segments) < 1:
            raise ValueError("max_segments must be 1 or more")
        root = self._card().fit(frame, target, meta=meta)
        self.meta_ = dict(root.meta_)
        self.codes_ = dict(root.codes_)
        self.iv_ = dict(root.iv_)
        self.scale_ = root.scale_

        # The search refits hundreds of cards: the columns the root found unusable (dates,
        # identifiers of a plain table) are left out once here, not looked at in every fit.
        not_inputs = [n for n in root.dropped_ if n not in root.codes_]
        inputs = frame.drop(columns=not_inputs) if not_inputs else frame
        search = _Search(self, inputs, target, meta, step or (lambda _: None))
        leaves = [search.leaf((), np.arange(len(frame)), root)]
        while len(leaves) < int(self.max_segments):
            for leaf in leaves:
                if leaf["split"] is PENDING:
                    leaf["split"] = search.best_split(leaf, found=len(leaves))
            best = max(
                (i for i in range(len(leaves)) if leaves[i]["split"] is not None),
                key=lambda i: leaves[i]["split"]["gain"],
                default=None,
            )
            if best is None:
                break
            leaf = leaves.pop(best)
            split = leaf["split"]
            for side in ("left", "right"):
                conditions = leaf["conditions"] + (split[side],)
                leaves.append(
                    search.leaf(
                        conditions,
                        split[f"{side}_rows"],
                        split[f"{side}_card"],
                        split[f"{side}_oof"],
                    )
                )
        if self.align and len(leaves) > 1:
            for leaf in leaves:
                leaf["card"].align(*alignment(leaf["oof"], target[leaf["rows"]]))
        leaves.sort(key=lambda leaf: [_condition_key(c) for c in leaf["conditions"]])
        self.segments_ = [
            Segment(f"S{i + 1}", leaf["conditions"], leaf["card"]) for i, leaf in enumerate(leaves)
        ]
        _set_charges(self.segments_)
        used = {n for s in self.segments_ for n in s.card.features_}
        used |= {c.feature for s in self.segments_ for c in s.conditions}
        self.features_ = [n for n in root.codes_ if n in used]  # candidates, in catalog order
        self.dropped_ = {n: why for n, why in root.dropped_.items() if n not in used}
        self.training_ = {
            "rows": int(len(target)),
            "bad_rate": float(target.mean()),
            "fit_seconds": round(time.perf_counter() - started, 3),
        }
        return self

    def single_segment_reason(self) -> str | None:
        """Why the search kept one card though more segments were allowed (None when it
        split, or was not asked to)."""
        if len(self.segments_) > 1 or int(self.max_segments) < 2:
            return None
        rarer, which = rarer_class(self.training_["rows"], self.training_["bad_rate"])
        needed = 2 * int(self.min_segment_minority)
        if rarer < needed:
            return (
                f"too few to split: two segments need at least {needed:,} bad and {needed:,}"
                f" good rows between them, and the data have {rarer:,} {which} rows"
            )
        return (
            "no split that leaves each side enough rows scored better than one card on"
            " held-out rows"
        )

    # ------------------------------------------------------------------ score
    def segment_index(self, X: Any) -> np.ndarray:
        """Each row's segment (position in ``segments_``)."""
        frame = as_frame(X)
        check_columns(frame, self.features_)
        out = np.full(len(frame), -1, dtype=np.int32)
        for i, segment in enumerate(self.segments_):
            out[segment.mask(frame) & (out < 0)] = i
        return out

    def _parts(self, frame: pd.DataFrame):
        index = self.segment_index(frame)
        for i, segment in enumerate(self.segments_):
            rows = np.flatnonzero(index == i)
            if rows.size:
                yield segment, rows, frame.iloc[rows]

    def log_odds_bad(self, X: Any) -> np.ndarray:
        frame = as_frame(X)
        out = np.empty(len(frame))
        for segment, rows, part in self._parts(frame):
            out[rows] = segment.card.log_odds_bad(part)
        return out

    def predict_proba(self, X: Any) -> np.ndarray:
        p_bad = scaling.pd_from_log_odds_bad(self.log_odds_bad(X))
        return np.column_stack([1.0 - p_bad, p_bad])

    def extended_features(self, segment: Segment) -> list[str]:
        """The segment card's features, then the charged features it lacks (reason order)."""
        card = segment.card
        extra = [n for n in self.features_ if n in segment.charges and n not in card.features_]
        return list(card.features_) + extra

    def extended_loss(self, segment: Segment, index: np.ndarray) -> np.ndarray:
        """(n, m) points lost per extended feature: the card's losses plus the charges."""
        card = segment.card
        names = self.extended_features(segment)
        loss = np.zeros((index.shape[0], len(names)), dtype=np.int64)
        loss[:, : len(card.features_)] = card.loss_matrix(index)
        for j, name in enumerate(names):
            loss[:, j] += int(segment.charges.get(name, 0))
        return loss

    def score_table(self, X: Any, with_text: bool = False) -> pd.DataFrame:
        """As ``Scorecard.score_table``, each row scored by its segment's card."""
        frame = as_frame(X)
        n = len(frame)
        score = np.empty(n, dtype=np.int64)
        p_bad = np.empty(n)
        codes = sorted(self.codes_.values())  # stable whatever order a file kept them in
        position = {code: k for k, code in enumerate(codes)}
        chosen = np.full((rs.N_REASONS + 1, n), -1, dtype=np.int32)
        texts = np.full((rs.N_REASONS + 1, n), None, dtype=object) if with_text else None
        for segment, rows, part in self._parts(frame):
            card = segment.card
            index = card.bin_indices(part)
            score[rows] = scaling.clip_score(card.points_matrix(index).sum(axis=1), self.scale_)
            p_bad[rows] = scaling.pd_from_log_odds_bad(card.log_odds_of_bins(index))
            names = self.extended_features(segment)
            loss = self.extended_loss(segment, index)
            keys = np.ascontiguousarray(rs.pack_keys(loss).T)
            inquiries = rs.inquiry_positions(names, self.meta_)
            top, fifth = rs.ranked_reasons(keys, rs.N_REASONS, inquiries)
            picks = np.column_stack([top, fifth]).T
            name_codes = np.array([position[self.codes_[n]] for n in names] + [-1])
            chosen[:, rows] = name_codes[picks]
            if texts is not None:
                own_levels = {n: card.level_texts(part, n) for n in card.features_}
                charged = {n: self._charge_texts(segment, n, part[n]) for n in segment.charges}
                for r in range(len(picks)):
                    texts[r, rows] = self._texts(
                        segment, names, picks[r], index, own_levels, charged
                    )
        table = {"score": score, "pd": p_bad, "band": band_column(score, self.scale_)}
        for r in range(len(chosen)):
            table[f"reason_{r + 1}"] = pd.Categorical.from_codes(chosen[r], categories=codes)
        if texts is not None:
            for r in range(len(chosen)):
                table[f"reason_{r + 1}_text"] = pd.Series(texts[r], dtype=object)
        return pd.DataFrame(table)

    def _texts(self, segment, names, picks, index, own_levels, charged) -> np.ndarray:
        card = segment.card
        out = np.full(len(picks), None, dtype=object)
        for j, name in enumerate(names):
            rows = np.flatnonzero(picks == j)
            if not rows.size:
                continue
            if j < len(card.features_):
                bins = index[rows, j]
                out[rows] = np.array(card.reason_texts(name), dtype=object)[bins]
                told = own_levels[name]  # the person's own level, not the bin's group
                if told is not None:
                    held = rows[told[rows] != None]  # noqa: E711
                    out[held] = told[held]
                # a charged feature's loss is the charge plus the card's own: the text tells
                # the larger part (the segment's side of the split, or the bin in the card)
                charge = segment.charges.get(name, 0)
                if charge:
                    larger = rows[charge >= card.loss_[name][bins]]
                    out[larger] = charged[name][larger]
            else:
                out[rows] = charged[name][rows]
        return out

    def _charge_texts(self, segment: Segment, name: str, values: pd.Series) -> np.ndarray:
        """Each of the segment's people's text for its charge on `name` (`values`: theirs):
        where the side of the split holds a range and special values or the missing bin, the
        part the person is on ("Days past due ...: 40 days or more", "No data on ..."), not the
        whole side's "40 days or more, or no data, or too little data", which left a person 60
        days late guessing."""
        whole = self.segment_reason_text(segment, name)
        out = np.full(len(values), whole, dtype=object)
        on_it = [c for c in segment.conditions if c.feature == name]
        if len(on_it) == 1 and on_it[0].bins.kind == "categorical":
            # a level never seen at fit falls on the side of the riskiest group, whose levels
            # the person does not have: told as unseen, as the card tells it
            raw = values.to_numpy(dtype=object)
            unseen = on_it[0].bins.unseen_levels(raw)
            for level in set(raw[unseen].tolist()):
                out[unseen & (raw == level)] = rs.unseen_level_text(name, level)
            return out
        if len(on_it) != 1 or on_it[0].bins.kind != "numeric":
            return out
        bins, members = on_it[0].bins, on_it[0].members
        regular = [b for b in members if b < bins.n_regular]
        if len(regular) == len(members):
            return out
        meta = self.meta_.get(name, {})
        catalog = meta if meta.get("reason") else None
        side = bins.index(values.to_numpy())
        for b in set(side.tolist()):
            if b < bins.n_regular:
                unit = meta.get("unit") or ""
                said = rs.split_side_text(name, bins, regular, catalog, unit) or whole
            else:
                said = rs.side_bin_text(name, bins, b, catalog)
            out[side == b] = said
        return out

    def segment_reason_text(self, segment: Segment, name: str) -> str:
        """The text of a segment's charge: the side of the split the segment is on, in words
        (a catalog feature's in its unit) and which way scores better; where the side is no
        one range, or the feature is split twice, a catalog feature's reason where it is true
        of every value the segment holds (`_reason_holds_on`), else the rule. (One bin's text
        would be false of the rest of the side: a side of late shares from 6 % read "6.03% to
        under 11.63%" to people at 58 %.)"""
        on_it = [c for c in segment.conditions if c.feature == name]
        meta = self.meta_.get(name, {})
        catalog = meta if meta.get("reason") else None
        # two splits on one feature: each side's way to a better score need not agree
        if len(on_it) == 1:
            unit = meta.get("unit") or ""
            said = rs.split_side_text(name, on_it[0].bins, on_it[0].members, catalog, unit)
            if said is not None:
                return said
        if catalog and _reason_holds_on(on_it, catalog):
            return str(catalog["reason"])
        return " and ".join(c.label() for c in on_it).replace("_", " ")

    def breakdown(self, X: Any) -> pd.DataFrame:
        """Points per dimension and that dimension's most, from each row's segment card."""
        frame = as_frame(X)
        # every dimension of any segment's card, 0 where a row's card has none of it: the
        # columns had followed the segments the rows fell in (a 200,000-row chunk of one
        # segment lacked a column that the next chunk had)
        dimensions = dict.fromkeys(d for s in self.segments_ for d in s.card.dimensions())
        columns = [c for d in dimensions for c in (d, f"{d}_max")]
        parts = [
            segment.card.breakdown(part).set_index(pd.Index(rows))
            for segment, rows, part in self._parts(frame)
        ]
        table = pd.concat(parts) if parts else pd.DataFrame(index=pd.RangeIndex(0))
        table = table.reindex(columns=columns).sort_index().fillna(0)
        return table.astype(np.int64).reset_index(drop=True)

    def points_table(self) -> pd.DataFrame:
        """segment, rule, then the card's points table, for every segment."""
        tables = []
        for segment in self.segments_:
            table = segment.card.points_table()
            table.insert(0, "rule", segment.label())
            table.insert(0, "segment", segment.name)
            tables.append(table)
        return pd.concat(tables, ignore_index=True)

    @property
    def bins_(self) -> dict[str, Bins]:
        """Each used feature's bins in the largest segment that scores with it."""
        return {
            name: self.segments_[i].card.bins_[name] for name, i in self.binning_segment().items()
        }

    def binning_segment(self) -> dict[str, int]:
        """Each used feature's segment (its position) whose bins stand for it: the largest
        segment that scores with it."""
        out: dict[str, int] = {}
        by_size = sorted(
            range(len(self.segments_)), key=lambda i: -self.segments_[i].card.training_["rows"]
        )
        for i in by_size:
            for name in self.segments_[i].card.features_:
                out.setdefault(name, i)
        return out

    # ------------------------------------------------------------------ data
    def to_dict(self) -> dict:
        params = self.get_params(deep=False)
        card = params.pop("scorecard")
        params["scorecard"] = (card if card is not None else Scorecard()).saved_params()
        return {
            "kind": KIND,
            "params": params,
            # in reason-code order, which a file's sorted keys keep (a re-saved model kept
            # the order its loaded dict happened to have, and hashed differently)
            "meta": [self.meta_[n] for n in sorted(self.codes_, key=self.codes_.get)],
            "reason_codes": dict(self.codes_),
            "iv": dict(self.iv_),
            "dropped": dict(self.dropped_),
            "features": list(self.features_),
            "scale": self.scale_.to_dict(),
            "segments": [
                {
                    "name": s.name,
                    "rule": s.label(),
                    "conditions": [c.to_dict() for c in s.conditions],
                    "charges": dict(s.charges),
                    "card": s.card.to_dict(),
                }
                for s in self.segments_
            ],
            "training": dict(self.training_),
        }

    @classmethod
    def from_dict(cls, data: dict) -> SegmentedScorecard:
        params = dict(data["params"])
        params["scorecard"] = Scorecard(**params["scorecard"])
        model = cls(**params)
        model.meta_ = {m["name"]: dict(m) for m in data["meta"]}
        model.codes_ = dict(data["reason_codes"])
        model.iv_ = dict(data["iv"])
        model.dropped_ = dict(data["dropped"])
        model.features_ = list(data["features"])
        model.scale_ = scaling.Scale.from_dict(data["scale"])
        if not data["segments"]:
            raise ValueError("a segmented scorecard of no segment")
        model.segments_ = [
            Segment(
                s["name"],
                tuple(Condition.from_dict(c) for c in s["conditions"]),
                Scorecard.from_dict(s["card"]),
                {k: int(v) for k, v in s["charges"].items()},
            )
            for s in data["segments"]
        ]
        stored = [dict(s.charges) for s in model.segments_]
        _set_charges(model.segments_)
        if stored != [s.charges for s in model.segments_]:
            raise ValueError("stored segment charges do not follow from the segments' cards")
        model.training_ = dict(data["training"])
        return model


class _Search:
    """The split search of one fit: the rows, the target, and the settings it reads."""

    def __init__(self, model: SegmentedScorecard, frame: pd.DataFrame, target, meta, step) -> None:
        self.model = model
        self.frame = frame
        self.target = target
        self.meta = meta
        self.step = step
        self.min_rows = float(model.min_segment_share) * len(frame)
        # Every card numbers its reasons as the root does, whatever a segment's rows leave out
        # (a column constant inside a segment is not an input there): by the order the root
        # was given, else by the root's own candidates.
        given = model._card().reason_code_order
        self.code_order = list(given) if given else sorted(model.codes_, key=model.codes_.get)

    def leaf(self, conditions, rows, card, oof=None) -> dict:
        """``oof``: the rows' out-of-fold log-odds from the cross-validation that chose the
        split making this leaf (None for the root)."""
        return {"conditions": conditions, "rows": rows, "card": card, "oof": oof, "split": PENDING}

    def fit_card(self, frame: pd.DataFrame, y: np.ndarray) -> Scorecard:
        # The search's hundreds of cards keep the weak ridge: with the scorecard's ridge search
        # (five more binnings each) five-fold CV of the Taiwan events' segmented card was
        # stopped unfinished after 31 CPU-minutes (529 s without), and each segment is
        # calibrated on held-out rows after the search (`align`); nor the bar of the outcomes
        # shuffled (a second binning each, where a segment's cap is below the candidates).
        # Without the ridge search they keep the IV bar of before it (IV_BAR_WITHOUT_SEARCH),
        # unless another bar than the default was asked for.
        card = self.model._card().set_params(
            reason_code_order=self.code_order, l2_search=None, shuffled_noise_bar=False
        )
        if card.min_iv == Scorecard().min_iv:
            card.set_params(min_iv=IV_BAR_WITHOUT_SEARCH)
        return card.fit(frame.reset_index(drop=True), y, meta=self.meta)

    def best_split(self, leaf: dict, found: int) -> dict | None:
        """The cut of ``leaf`` with the lowest cross-validated log-loss, if it beats none
        (``found``: the segments so far, for the progress line)."""
        model, rows, card = self.model, leaf["rows"], leaf["card"]
        if len(rows) < 2 * self.min_rows:
            return None
        sub = self.frame.iloc[rows].reset_index(drop=True)
        y = self.target[rows]
        if int(min(y.sum(), len(y) - y.sum())) < 2 * int(model.min_segment_minority):
            return None
        splitter = StratifiedKFold(
            int(model.inner_folds), shuffle=True, random_state=model.random_state
        )
        folds = list(splitter.split(np.zeros(len(y)), y))
        base, _ = self.cv_loss(sub, y, np.zeros(len(y), dtype=bool), folds)
        best = None
        strongest = sorted(card.features_, key=lambda n: -card.iv_[n])
        candidates = strongest[: int(model.split_candidates)]
        for k, name in enumerate(candidates, start=1):
            self.step(
                f"segments: {found} of at most {model.max_segments}; cuts of a segment "
                f"of {len(rows):,} rows on {name} ({k} of {len(candidates)})"
            )
            bins = card.bins_[name]
            index = bins.index(sub[name].to_numpy())
            for left, right in _cuts(bins):
                side = np.isin(index, right)
                if not self.sizes_ok(y, side):
                    continue
                try:
                    loss, oof = self.cv_loss(sub, y, side, folds)
                except ValueError:  # a side too thin to fit: not a usable split
                    continue
                if loss < base and (best is None or loss < best["loss"]):
                    best = {
                        "loss": loss,
                        "gain": base - loss,
                        "left": Condition(name, bins, left),
                        "right": Condition(name, bins, right),
                        "side": side,
                        "oof": oof,
                    }
        if best is None:
            return None
        side, oof = best.pop("side"), best.pop("oof")
        for key, mask in (("left", ~side), ("right", side)):
            part = np.flatnonzero(mask)
            best[f"{key}_rows"] = rows[part]
            best[f"{key}_oof"] = oof[part]
            best[f"{key}_card"] = self.fit_card(sub.iloc[part], y[part])
        return best

    def sizes_ok(self, y: np.ndarray, side: np.ndarray) -> bool:
        for mask in (side, ~side):
            n = int(mask.sum())
            bad = int(y[mask].sum())
            if n < self.min_rows or min(bad, n - bad) < int(self.model.min_segment_minority):
                return False
        return True

    def cv_loss(
        self, frame: pd.DataFrame, y: np.ndarray, side: np.ndarray, folds
    ) -> tuple[float, np.ndarray]:
        """Total held-out log-loss over ``folds`` with one card per side of ``side``, and
        every row's held-out log-odds of bad."""
        total = 0.0
        log_odds = np.empty(len(y))
        for train, test in folds:
            for value in np.unique(side):
                tr = train[side[train] == value]
                te = test[side[test] == value]
                card = self.fit_card(frame.iloc[tr], y[tr])
                log_odds[te] = card.log_odds_bad(frame.iloc[te])
            total += _log_loss(y[test], scaling.pd_from_log_odds_bad(log_odds[test]))
        return total, log_odds


# The least slope an alignment keeps: a card with no held-out power in its segment still
# orders its own bins, its points shrunk near zero rather than reversed.
MIN_ALIGNMENT_SLOPE = 0.05


def alignment(log_odds: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The shift and slope that calibrate held-out log-odds of bad to the outcomes:
    a logistic regression of ``y`` on ``log_odds`` (a slope below 1: an over-confident card)."""
    try:
        coef, intercept = fit_logistic(log_odds[:, None], y.astype(float), l2=0.0)
    except NotConverged:
        return 0.0, 1.0  # no calibration to be had (the fit ran off): the card as fitted
    return float(intercept), max(float(coef[0]), MIN_ALIGNMENT_SLOPE)


def _condition_key(condition: Condition) -> tuple:
    return (condition.feature, condition.members)


def _cuts(bins: Bins) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Every cut between adjacent regular bins; other bins join the side of nearer WoE."""
    regular = bins.n_regular
    woe = np.asarray(bins.woe, dtype=float)
    count = np.asarray(bins.count, dtype=float)
    out = []
    for cut in range(1, regular):
        left, right = list(range(cut)), list(range(cut, regular))
        pooled = [np.average(woe[s], weights=count[s] + 1e-9) for s in (left, right)]
        for b in range(regular, bins.n_bins):
            nearer_left = abs(woe[b] - pooled[0]) <= abs(woe[b] - pooled[1])
            (left if nearer_left else right).append(b)
        out.append((tuple(left), tuple(right)))
    return out


def _set_charges(segments: list[Segment]) -> None:
    """Charge each segment's gap to the best attainable score to the features split on.

    Walks the splits as a tree (segments sharing a condition prefix share a node): at each
    split on the way to a segment, the best score reachable on the other side minus the best
    on this side, when positive, is charged to the split's feature. Summed down the path the
    charges equal the segment's gap to the best segment of all.
    """
    best = {s.name: s.best_score() for s in segments}
    for segment in segments:
        charges: dict[str, int] = {}
        for depth, condition in enumerate(segment.conditions):
            prefix = segment.conditions[:depth]
            mine = [
                s for s in segments if s.conditions[: depth + 1] == segment.conditions[: depth + 1]
            ]
            other = [
                s
                for s in segments
                if s.conditions[:depth] == prefix
                and len(s.conditions) > depth
                and s.conditions[depth] != condition
            ]
            gap = max(best[s.name] for s in other) - max(best[s.name] for s in mine)
            if gap > 0:
                charges[condition.feature] = charges.get(condition.feature, 0) + int(gap)
        segment.charges = charges

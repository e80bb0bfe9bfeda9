"""Batch scoring: a fitted scorecard compiled into lookup tables over small groups of features.

Scoring a person needs each feature's bin, then three things per person: the sum of the bins'
points, the sum of their log-odds (for pd) and the four features losing the most points. After
the bin indices, the cost that dominates is gathering a table value per feature and person
(numpy gathers about one element per nanosecond), so features are taken in groups: the bins of a
group combine into one integer code (a mixed-radix number, digit j = bin of the group's j-th
feature), and ONE gather per group and person fetches each of

* the group's log-odds and points together, as a complex number: the real part is the summed
  log-odds, the imaginary part the summed points (whole numbers, exact in float64);
* the group's largest reason keys, sorted, in the lanes of one int64 (the top key in the
  highest lane, an empty lane 0).

A reason key is ``loss << position_bits | (m - j)`` for feature j of m: points lost against the
feature's best bin, ties to the earlier feature, the order of ``credo.explain.reasons.pack_keys``
in bit fields, so decoding is a shift and a mask. Keys are distinct within a row, so the r-th
reason is the r-th largest key. Every group's lanes are sorted, so the largest packed int64 over
the groups holds the overall largest key in its top lane; shifting that lane out brings the
group's next key up for the next round. The reasons are those of ``ranked_reasons`` exactly;
the sums differ from a feature-by-feature sum only in float rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from credo.explain.reasons import N_REASONS, NO_REASON

# Codes per group: the two tables of a group (16 + 8 bytes a code) stay in the L2 cache.
MAX_GROUP_CODES = 4096
MAX_LANES = N_REASONS


@dataclass(frozen=True)
class FeatureGroup:
    """Features scored together: ``code = sum(bin_j * strides[j])`` indexes both tables."""

    features: tuple[int, ...]
    strides: tuple[int, ...]
    sums: np.ndarray  # complex128 per code: log-odds (real) + points (imaginary)
    top_keys: np.ndarray  # int64 per code: the group's largest reason keys, packed


@dataclass(frozen=True)
class ScoringTables:
    """A fitted scorecard's numbers, laid out for batch scoring (see the module docstring)."""

    n_features: int
    intercept: float
    position_bits: int
    lane_bits: int
    lanes: int
    groups: tuple[FeatureGroup, ...]
    group_of_feature: np.ndarray  # int64 per model position
    inquiry_features: tuple[int, ...]
    inquiry_keys: tuple[np.ndarray, ...]  # per inquiry feature: its key of each bin


@dataclass(frozen=True)
class ScoredChunk:
    """Per person: raw points (unclipped), log-odds of bad, the four reasons and the fifth."""

    points: np.ndarray
    log_odds: np.ndarray
    reasons: np.ndarray  # (n, N_REASONS) model positions, NO_REASON where none
    fifth: np.ndarray  # the inquiries reason, NO_REASON where none


def compile_tables(
    points: Sequence[np.ndarray],
    log_odds: Sequence[np.ndarray],
    intercept: float,
    inquiry_features: Sequence[int] = (),
) -> ScoringTables:
    """Lookup tables from each feature's whole points and log-odds of bad per bin."""
    m = len(points)
    position_bits = m.bit_length()
    keys = [reason_keys(p, j, m, position_bits) for j, p in enumerate(points)]
    largest = max((int(k.max()) for k in keys), default=0)
    lane_bits = max(1, largest.bit_length())
    lanes = min(MAX_LANES, 63 // lane_bits)
    if lanes < 1:
        raise ValueError("a feature loses too many points to rank reasons; refit the model")
    sizes = [len(p) for p in points]
    groups = tuple(
        _compile_group(members, sizes, points, log_odds, keys, lane_bits, lanes)
        for members in group_features(sizes, lanes)
    )
    group_of_feature = np.empty(m, dtype=np.int64)
    for g, group in enumerate(groups):
        group_of_feature[list(group.features)] = g
    inquiries = tuple(int(j) for j in inquiry_features)
    return ScoringTables(
        n_features=m,
        intercept=float(intercept),
        position_bits=position_bits,
        lane_bits=lane_bits,
        lanes=lanes,
        groups=groups,
        group_of_feature=group_of_feature,
        inquiry_features=inquiries,
        inquiry_keys=tuple(keys[j] for j in inquiries),
    )


def reason_keys(
    points: np.ndarray, position: int, n_features: int, position_bits: int
) -> np.ndarray:
    """The reason key of each bin: points lost against the best bin, then reversed position."""
    points = np.asarray(points, dtype=np.int64)
    return ((points.max() - points) << position_bits) | (n_features - position)


def group_features(sizes: Sequence[int], lanes: int) -> list[list[int]]:
    """Consecutive features grouped while their bin combinations fit MAX_GROUP_CODES.

    With fewer than four lanes a group may not hold more features than lanes, or a reason could
    be lost from a group whose top lanes were all taken.
    """
    groups: list[list[int]] = []
    current: list[int] = []
    codes = 1
    for j, size in enumerate(sizes):
        full = lanes < MAX_LANES and len(current) >= lanes
        if current and (codes * size > MAX_GROUP_CODES or full):
            groups.append(current)
            current, codes = [], 1
        current.append(j)
        codes *= size
    if current:
        groups.append(current)
    return groups


def _compile_group(
    members: list[int],
    sizes: list[int],
    points: Sequence[np.ndarray],
    log_odds: Sequence[np.ndarray],
    keys: list[np.ndarray],
    lane_bits: int,
    lanes: int,
) -> FeatureGroup:
    strides = np.cumprod([1] + [sizes[j] for j in members[:-1]]).astype(np.int64)
    codes = np.arange(int(strides[-1]) * sizes[members[-1]])
    digits = [(codes // s) % sizes[j] for j, s in zip(members, strides, strict=True)]
    log_odds_sum = np.zeros(len(codes))
    points_sum = np.zeros(len(codes))
    for j, bins in zip(members, digits, strict=True):
        log_odds_sum += np.asarray(log_odds[j], dtype=np.float64)[bins]
        points_sum += np.asarray(points[j], dtype=np.float64)[bins]
    group_keys = np.column_stack([keys[j][bins] for j, bins in zip(members, digits, strict=True)])
    ranked = -np.sort(-group_keys, axis=1)[:, :lanes]  # largest first
    packed = np.zeros(len(codes), dtype=np.int64)
    for lane in range(lanes):
        shift = lane_bits * (lanes - 1 - lane)
        value = ranked[:, lane] if lane < ranked.shape[1] else 0
        packed |= np.left_shift(np.asarray(value, dtype=np.int64), shift)
    return FeatureGroup(
        features=tuple(members),
        strides=tuple(int(s) for s in strides),
        sums=log_odds_sum + 1j * points_sum,
        top_keys=packed,
    )


def score_bins(tables: ScoringTables, bins: Sequence[np.ndarray]) -> ScoredChunk:
    """Score people given each model feature's bin indices (any integer arrays, one per feature).

    Bin indices must be valid for their feature (as ``Bins.index`` gives them).
    """
    n = len(bins[0]) if len(bins) else 0
    sums = np.full(n, complex(tables.intercept, 0.0))
    packed = np.empty((len(tables.groups), n), dtype=np.int64)
    fetched = np.empty(n, dtype=np.complex128)
    for g, group in enumerate(tables.groups):
        code = group_code(group, bins)
        np.take(group.sums, code, out=fetched, mode="clip")
        sums += fetched
        np.take(group.top_keys, code, out=packed[g], mode="clip")
    reasons, last_key = _ranked(tables, packed)
    fifth = _inquiry_reason(tables, bins, last_key)
    return ScoredChunk(
        points=np.rint(sums.imag).astype(np.int64),
        log_odds=sums.real.copy(),
        reasons=reasons,
        fifth=fifth,
    )


def group_code(group: FeatureGroup, bins: Sequence[np.ndarray]) -> np.ndarray:
    """The mixed-radix code of each person's bins in ``group``."""
    dtype = np.uint16 if len(group.sums) <= 2**16 else np.int64
    first = group.features[0]
    code = np.asarray(bins[first]).astype(dtype)  # stride of the first feature is 1
    step = np.empty_like(code)
    for j, stride in zip(group.features[1:], group.strides[1:], strict=True):
        # a typed stride keeps uint8 bins from overflowing; any result fits the code's type
        np.multiply(bins[j], code.dtype.type(stride), out=step, casting="unsafe")
        code += step
    return code


def _ranked(tables: ScoringTables, packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Top reasons from the groups' packed keys (overwritten), and each row's last key taken."""
    m = tables.n_features
    n = packed.shape[1]
    reasons = np.full((n, N_REASONS), NO_REASON, dtype=np.int32)
    key = np.zeros(n, dtype=np.int64)
    top_shift = tables.lane_bits * (tables.lanes - 1)
    keep = (1 << (tables.lane_bits * tables.lanes)) - 1
    position_mask = (1 << tables.position_bits) - 1
    flat = packed.reshape(-1)
    people = np.arange(n, dtype=np.int64)
    rounds = min(N_REASONS, m)
    for r in range(rounds):
        best = packed.max(axis=0)
        key = best >> top_shift
        position = m - (key & position_mask)
        reasons[:, r] = np.where(key > position_mask, position, NO_REASON)  # loses points
        if r + 1 < rounds:
            group = np.take(tables.group_of_feature, position, mode="clip")
            flat[group * n + people] = (best << tables.lane_bits) & keep
    if m <= N_REASONS:
        key[:] = 0  # every key was taken: nothing is left for a fifth
    return reasons, key


def _inquiry_reason(
    tables: ScoringTables, bins: Sequence[np.ndarray], last_key: np.ndarray
) -> np.ndarray:
    """The costliest inquiries feature not among the reasons (its key is below the last one
    taken), where it costs points."""
    m = tables.n_features
    position_mask = (1 << tables.position_bits) - 1
    best = np.zeros(len(last_key), dtype=np.int64)
    for keys, j in zip(tables.inquiry_keys, tables.inquiry_features, strict=True):
        key = np.take(keys, bins[j], mode="clip")
        np.maximum(best, np.where(key < last_key, key, 0), out=best)
    return np.where(best > position_mask, m - (best & position_mask), NO_REASON).astype(np.int32)

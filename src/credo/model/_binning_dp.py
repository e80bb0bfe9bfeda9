"""Exact optimal binning over pre-bins by dynamic programming.

Objective: maximise the information value IV = sum over bins of segment_iv(good, bad) (the IV
of `_binning_stats`: (g/G - b/B) ln((g/G) / (b/B)), a zero count read as 1/2; with the
feature's total goods G and bads B fixed it is a sum of per-bin terms) subject to
  * at most `max_bins` bins, each a run of consecutive pre-bins,
  * every bin holding at least `min_count` rows, and at least one good and one bad row (a
    bin of one class has no finite WoE, and the extreme points it would earn on a few
    rows would dominate every reason code),
  * the bins' bad rates following the trend: strictly ascending, strictly descending, a peak
    (strictly up, then strictly down), a valley (down, then up), or "none" (no constraint).

The DP is exact over the pre-bins: it considers every partition of the pre-bins into runs.
State: best[b][s][i, j] = the highest IV of splitting pre-bins 0..j into b bins whose last bin
is pre-bins i..j, in phase s (peak/valley have two phases: before and after the turn). The
transition adds bin i..j after the best bin h..i-1 whose rate compares correctly with the rate
of i..j. Sorting each i's candidate predecessors by rate once makes the allowed ones a prefix,
so a layer is a prefix maximum: O(n^2 log n) setup and O(n^2) per layer, with n the number of
pre-bins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from credo.model._binning_stats import segment_iv

TRENDS = ("ascending", "descending", "peak", "valley", "none")

# How the bad rate must move from one bin to the next.
RISES, FALLS, ANY = "rises", "falls", "any"

# (from phase, to phase, rule) for each trend; phase 0 starts, phase 1 is after the turn.
_TRANSITIONS: dict[str, list[tuple[int, int, str]]] = {
    "ascending": [(0, 0, RISES)],
    "descending": [(0, 0, FALLS)],
    "none": [(0, 0, ANY)],
    "peak": [(0, 0, RISES), (0, 1, FALLS), (1, 1, FALLS)],
    "valley": [(0, 0, FALLS), (0, 1, RISES), (1, 1, RISES)],
}


@dataclass(frozen=True)
class Partition:
    """Bins as runs of pre-bins: bin k is pre-bins starts[k] .. starts[k+1]-1."""

    starts: tuple[int, ...]
    iv: float


def optimal_partition(
    count: np.ndarray,
    bad: np.ndarray,
    *,
    total_good: float,
    total_bad: float,
    max_bins: int,
    min_count: float,
    trend: str,
) -> Partition:
    """The maximum-IV partition of the pre-bins under the trend and size constraints.

    Falls back to one bin (all pre-bins) when no partition meets `min_count`.
    """
    if trend not in _TRANSITIONS:
        raise ValueError(f"trend {trend!r} is not one of {TRENDS}")
    count = np.asarray(count, dtype=np.float64)
    bad = np.asarray(bad, dtype=np.float64)
    n = len(count)
    if n == 0:
        return Partition(starts=(0,), iv=0.0)
    seg_count, seg_bad = _segment_sums(count), _segment_sums(bad)
    upper = np.triu(np.ones((n, n), dtype=np.bool_))
    both_classes = (seg_bad >= 1) & (seg_count - seg_bad >= 1)
    feasible = upper & (seg_count >= min_count) & (seg_count > 0) & both_classes
    with np.errstate(invalid="ignore", divide="ignore"):
        iv = segment_iv(seg_count - seg_bad, seg_bad, total_good, total_bad)
        rate = np.where(upper & (seg_count > 0), seg_bad / np.maximum(seg_count, 1.0), np.nan)
    term = np.where(feasible, iv, -np.inf)
    single = Partition(starts=(0,), iv=float(iv[0, n - 1]))
    if not feasible[0, n - 1]:
        return single
    transitions = _TRANSITIONS[trend]
    orders = {rule: _CandidateOrder(rate, rule) for _, _, rule in transitions}
    layers = _run_layers(term, transitions, orders, max_bins)
    best = _best_final(layers, n)
    if best is None:
        return single
    return Partition(starts=_backtrack(layers, transitions, orders, best), iv=best[0])


def _segment_sums(values: np.ndarray) -> np.ndarray:
    """sums[i, j] = values[i] + ... + values[j] (meaningful for i <= j)."""
    cumulative = np.concatenate(([0.0], np.cumsum(values)))
    return cumulative[None, 1:] - cumulative[:-1, None]


class _CandidateOrder:
    """For one rate rule: the bins h..i-1 that may precede bin i..j, as a prefix of a sort.

    Keys are chosen so that "h..i-1 may precede i..j" is key[h, i] < current[i, j]; sorting the
    candidates of each i by key makes the allowed ones a prefix of length count[i, j], so the
    best allowed predecessor is a prefix maximum: O(n^2) a layer after an O(n^2 log n) setup.
    """

    def __init__(self, rate: np.ndarray, rule: str) -> None:
        n = rate.shape[0]
        previous = np.full((n, n), np.nan)  # previous[h, i] = rate of bin h..i-1
        previous[:, 1:] = rate[:, :-1]
        if rule == RISES:
            key, current = previous, rate
        elif rule == FALLS:
            key, current = -previous, -rate
        else:
            key, current = np.where(np.isnan(previous), np.nan, 0.0), np.ones_like(rate)
        self.key = np.where(np.isnan(key), np.inf, key)
        self.current = current
        self.order = np.argsort(self.key, axis=0, kind="stable")
        ordered_key = np.take_along_axis(self.key, self.order, axis=0)
        # count[i, j] = how many candidates h have key[h, i] < current[i, j]
        self.count = np.stack(
            [np.searchsorted(ordered_key[:, i], current[i], side="left") for i in range(n)]
        )
        self.columns = np.arange(n)[:, None]

    def best_previous(self, value: np.ndarray) -> np.ndarray:
        """best[i, j] = max over allowed h of value[h, i-1] (-inf where none)."""
        n = value.shape[0]
        before = np.full((n + 1, n), -np.inf)
        before[1:, 1:] = value[:, :-1]
        ordered = np.take_along_axis(before[1:], self.order, axis=0)
        before[1:] = np.maximum.accumulate(ordered, axis=0)
        return before[self.count, self.columns]

    def allowed(self, i: int, j: int) -> np.ndarray:
        """Which h may start the bin before bin i..j."""
        return self.key[:, i] < self.current[i, j]


@dataclass
class _Layer:
    value: list[np.ndarray]  # per phase: best IV, indexed [start i, end j]
    previous_best: list[np.ndarray]  # per phase: the best predecessor's IV used for value


def _run_layers(
    term: np.ndarray,
    transitions: list[tuple[int, int, str]],
    orders: dict[str, _CandidateOrder],
    max_bins: int,
) -> list[_Layer]:
    n = term.shape[0]
    n_phases = 1 + max(to for _, to, _ in transitions)
    first = np.full((n, n), -np.inf)
    first[0, :] = term[0, :]
    empty = np.full((n, n), -np.inf)
    layers = [_Layer([first] + [empty] * (n_phases - 1), [empty] * n_phases)]
    for _ in range(1, max_bins):
        previous = layers[-1]
        values, bests = [], []
        for to_phase in range(n_phases):
            best = np.full((n, n), -np.inf)
            for from_phase, target, rule in transitions:
                if target == to_phase:
                    best = np.maximum(best, orders[rule].best_previous(previous.value[from_phase]))
            values.append(term + best)
            bests.append(best)
        layers.append(_Layer(values, bests))
        if all(np.isneginf(v).all() for v in values):
            break
    return layers


def _best_final(layers: list[_Layer], n: int) -> tuple[float, int, int, int] | None:
    """(iv, layer, phase, start of the last bin) of the best complete partition."""
    best: tuple[float, int, int, int] | None = None
    for b, layer in enumerate(layers):
        for phase, value in enumerate(layer.value):
            i = int(np.argmax(value[:, n - 1]))
            iv = float(value[i, n - 1])
            # ties keep the fewer bins: a smaller model with the same IV
            if np.isfinite(iv) and (best is None or iv > best[0] + 1e-12):
                best = (iv, b, phase, i)
    return best


def _backtrack(
    layers: list[_Layer],
    transitions: list[tuple[int, int, str]],
    orders: dict[str, _CandidateOrder],
    best: tuple[float, int, int, int],
) -> tuple[int, ...]:
    _, b, phase, start = best
    end = len(layers[0].value[0]) - 1
    starts = [start]
    while b > 0:
        wanted = layers[b].previous_best[phase][start, end]
        for from_phase, target, rule in transitions:
            if target != phase:
                continue
            candidates = np.where(
                orders[rule].allowed(start, end),
                layers[b - 1].value[from_phase][:, start - 1],
                -np.inf,
            )
            h = int(np.argmax(candidates))
            if candidates[h] == wanted:
                break
        else:  # pragma: no cover - the forward pass guarantees a match
            raise AssertionError("optimal binning backtrack lost its path")
        end, start, phase, b = start - 1, h, from_phase, b - 1
        starts.append(start)
    return tuple(reversed(starts))

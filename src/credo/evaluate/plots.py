"""The report's charts as inline SVG strings (matplotlib's SVG backend, no pyplot state)."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib
import numpy as np
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from credo.evaluate.metrics import range_label

GOOD_COLOUR = "#2e7d32"
BAD_COLOUR = "#c62828"
LINE_COLOURS = ("#1f4e79", "#e07b00", "#6a1b9a", "#00838f")
_SVG_START = re.compile(r"<svg\b")
# an id matplotlib gives, and the references to one: made unique per chart on one page
_SVG_IDS = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


def _figure(width: float = 5.2, height: float = 3.4) -> Figure:
    figure = Figure(figsize=(width, height), dpi=96)
    FigureCanvasSVG(figure)
    return figure


def _to_svg(figure: Figure, title: str) -> str:
    buffer = io.StringIO()
    # text stays text (small, searchable); a fixed salt keeps the ids the same run to run, and
    # so does leaving out the date matplotlib stamps (the machine's local time, without a
    # zone), which the ids' prefix below was taken from
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "credo"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    start = _SVG_START.search(text)
    svg = text[start.start() :] if start else text
    # every chart numbers its parts from figure_1, and one page holds several: each chart's
    # ids take a prefix of its own content, so they stay the same run to run
    prefix = "c" + hashlib.sha1(svg.encode()).hexdigest()[:8] + "-"
    svg = _SVG_IDS.sub(lambda found: found.group(1) + prefix + found.group(2), svg)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{title}" ', 1)


def _style(axes: Any) -> None:
    axes.spines["top"].set_visible(False)
    axes.spines["right"].set_visible(False)
    axes.grid(alpha=0.25)


def roc_svg(curves: Mapping[str, tuple[Sequence[float], Sequence[float]]]) -> str:
    """ROC curves (false-positive rate against true-positive rate), one line per model."""
    figure = _figure(4.4, 4.0)
    axes = figure.add_subplot()
    axes.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1, label="random")
    for colour, (name, (fpr, tpr)) in zip(LINE_COLOURS, curves.items(), strict=False):
        axes.plot(fpr, tpr, color=colour, linewidth=1.8, label=name)
    axes.set_xlabel("share of good customers declined")
    axes.set_ylabel("share of bad customers declined")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.legend(loc="lower right", frameon=False)
    _style(axes)
    return _to_svg(figure, "ROC curve")


def calibration_svg(rows: Sequence[Mapping[str, float]]) -> str:
    """Predicted against observed bad rate per decile of predicted risk."""
    figure = _figure()
    axes = figure.add_subplot()
    groups = np.arange(1, len(rows) + 1)
    axes.bar(groups - 0.2, [r["predicted"] for r in rows], 0.4, color="#90a4ae", label="predicted")
    axes.bar(groups + 0.2, [r["observed"] for r in rows], 0.4, color=BAD_COLOUR, label="observed")
    axes.set_xticks(groups)
    axes.set_xlabel("group of customers by predicted risk (1 = safest)")
    axes.set_ylabel("bad rate")
    axes.legend(frameon=False)
    _style(axes)
    return _to_svg(figure, "Calibration by decile")


def band_svg(rows: Sequence[Mapping[str, Any]]) -> str:
    """Observed bad rate per score band, best band first, with row counts on the bars."""
    return _to_svg(band_figure(rows), "Bad rate by score band")


def band_figure(rows: Sequence[Mapping[str, Any]]) -> Figure:
    """The band chart as a matplotlib figure (`band_svg` renders it)."""
    figure = _figure()
    axes = figure.add_subplot()
    # band names side by side ran into each other ("Exceptional" "Very good"): a word a line
    # in smaller type for long words or many bands, one slanted line each for more still
    names = [str(r["band"]) for r in rows]
    longest = max((len(word) for name in names for word in name.split()), default=0)
    slanted = len(rows) > 8 or longest * len(rows) > 60
    rates = [r["bad_rate"] if r["bad_rate"] is not None else 0.0 for r in rows]
    index = np.arange(len(rows))
    bars = axes.bar(index, rates, color=BAD_COLOUR, alpha=0.85)
    axes.set_xticks(
        index,
        names if slanted else [name.replace(" ", "\n") for name in names],
        fontsize=8 if longest > 8 or len(rows) > 6 else None,
        rotation=30 if slanted else 0,
        ha="right" if slanted else "center",
    )
    for bar, row in zip(bars, rows, strict=True):
        axes.annotate(
            f"n={row['count']}",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    axes.set_xlabel("score band (best first)")
    axes.set_ylabel("observed bad rate")
    _style(axes)
    return figure


def score_histogram(score: Sequence[float], y: Sequence[int], bins: int = 30) -> dict[str, list]:
    """Counts of good and bad customers in equal-width score bins (what the chart draws)."""
    values = np.asarray(score, dtype=np.float64)
    labels = np.asarray(y, dtype=np.int8)
    edges = np.histogram_bin_edges(values, bins=bins)
    good, _ = np.histogram(values[labels == 0], bins=edges)
    bad, _ = np.histogram(values[labels == 1], bins=edges)
    return {"edges": edges.tolist(), "good": good.tolist(), "bad": bad.tolist()}


def score_distribution_svg(histogram: Mapping[str, Sequence[float]], cutoff: float | None) -> str:
    """Histograms of the score for good and for bad customers, with the cutoff line."""
    edges = np.asarray(histogram["edges"], dtype=np.float64)
    figure = _figure()
    axes = figure.add_subplot()
    for name, colour in (("good", GOOD_COLOUR), ("bad", BAD_COLOUR)):
        axes.stairs(histogram[name], edges, fill=True, alpha=0.55, color=colour, label=name)
    if cutoff is not None:
        axes.axvline(cutoff, color="#333333", linestyle="--", linewidth=1.2, label="cutoff")
    axes.set_xlabel("score")
    axes.set_ylabel("customers")
    axes.legend(frameon=False)
    _style(axes)
    return _to_svg(figure, "Score distribution")


def psi_svg(bins: Sequence[Mapping[str, Any]]) -> str:
    """Training against evaluation share of customers in each score range (the ranges cut at
    training: each holds its lower bound)."""
    figure = _figure()
    axes = figure.add_subplot()
    index = np.arange(len(bins))
    axes.bar(index - 0.2, [b["train_share"] for b in bins], 0.4, color="#90a4ae", label="training")
    axes.bar(index + 0.2, [b["eval_share"] for b in bins], 0.4, color="#1f4e79", label="evaluation")
    ranges = [range_label(b.get("low"), b.get("high"), short=True) for b in bins]
    axes.set_xticks(index, ranges, rotation=40, ha="right", fontsize=8)
    axes.set_xlabel("score range cut at training")
    axes.set_ylabel("share of customers")
    # the legend in a band of its own above the bars (shares alike in every range left it no
    # free corner: it sat on the bars)
    tallest = max([b["train_share"] for b in bins] + [b["eval_share"] for b in bins] + [0.0])
    axes.set_ylim(0, tallest * 1.3 if tallest > 0 else 1.0)
    axes.legend(frameon=False, loc="upper center", ncol=2)
    _style(axes)
    return _to_svg(figure, "Population stability")


def thin_curve(fpr: np.ndarray, tpr: np.ndarray, points: int = 200) -> tuple[list, list]:
    """At most `points` points of a ROC curve, enough to draw it, few enough to store."""
    if fpr.size <= points:
        return fpr.tolist(), tpr.tolist()
    keep = np.unique(np.r_[np.linspace(0, fpr.size - 1, points).astype(int), fpr.size - 1])
    return fpr[keep].tolist(), tpr[keep].tolist()

"""Render an evaluation (the dict from evaluation.evaluate_scores) as one self-contained HTML
page: inline CSS, inline SVG charts, no scripts, fonts or images fetched from anywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from credo import output
from credo.evaluate import fairness, metrics, plots
from credo.evaluate.evaluation import MIN_AUC, beside_bar

TEMPLATES = Path(__file__).parent / "templates"


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["num"] = _number
    environment.filters["pct"] = _percent
    environment.filters["bar"] = _beside_bar
    return environment


def _beside_bar(value: Any, bar: float, digits: int) -> str:
    return "–" if value is None else beside_bar(float(value), bar, digits)


def _number(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def _percent(value: Any, digits: int = 1) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f}%"


def _charts(result: dict[str, Any]) -> dict[str, Markup]:
    card = result["scorecard"]
    curves = {"scorecard": (card["roc"]["fpr"], card["roc"]["tpr"])}
    if result["challenger"] is not None:
        challenger = result["challenger"]["roc"]
        curves["challenger"] = (challenger["fpr"], challenger["tpr"])
    charts = {
        "roc": plots.roc_svg(curves),
        "calibration": plots.calibration_svg(card["calibration"]),
        "bands": plots.band_svg(result["bands"]["bands"]),
        "distribution": plots.score_distribution_svg(
            result["score_histogram"], result["cutoff"]["score"]
        ),
    }
    if result["stability"] is not None:
        charts["stability"] = plots.psi_svg(result["stability"]["bins"])
    # the SVGs are produced by matplotlib from numbers, never from user text, so safe to inline
    return {name: Markup(svg) for name, svg in charts.items()}


def render_report(result: dict[str, Any], title: str = "Credit model evaluation") -> str:
    """The HTML page for one evaluation."""
    template = _environment().get_template("report.html.j2")
    return template.render(
        r=result,
        # the sections say what the summary's checks say, not a verdict of their own
        check={c["name"]: c for c in result["checks"]},
        charts=_charts(result),
        title=title,
        min_auc=MIN_AUC,
        min_group=fairness.MIN_GROUP_SIZE,
        four_fifths=fairness.FOUR_FIFTHS,
        max_gap=f"{fairness.MAX_RATE_GAP:.2f}",
        gap_p=fairness.GAP_P_VALUE,
        hl_least=f"{metrics.HL_MIN_EXPECTED:g}",
    )


def write_report(
    result: dict[str, Any], path: Path, title: str = "Credit model evaluation"
) -> Path:
    """Render and write the page; returns the path."""
    return output.write_text(path, render_report(result, title))

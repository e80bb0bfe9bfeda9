"""Put the metrics and fairness audits of one scored evaluation set together as plain data.

The result is a JSON-ready dict: the `--json` output of `credo evaluate` and the input of
the HTML report. Every check carries a status ("pass", "flag" or "info") and a sentence
saying what it means, so the report can be read without a statistician.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from credo.evaluate import fairness, metrics
from credo.evaluate.plots import score_histogram, thin_curve
from credo.model import row_prints, scaling, training
from credo.model.artifact import unread_inputs_words
from credo.output import first_few, people

# Rules of thumb a risk committee commonly uses; stated in the report next to each mark.
MIN_AUC = 0.70
# The calibration check's two tests, of the groups' shape (Hosmer-Lemeshow) and of the level
# over everyone (`fairness.calibration_overall`), share one 5 % chance of a false alarm: each
# was at 5 %, and together they flagged 10 % of well-calibrated samples
CALIBRATION_P_VALUE = 0.025
BAND_FALL_P_VALUE = 0.05  # a fall in bad rate to a worse band this unlikely by chance is flagged
CHALLENGER_MARGIN = 0.005
MIN_CLASS_FOR_AUC = 10  # bads and goods each: fewer, and the AUC's check is told, not judged


def default_cutoff(score: np.ndarray, y: np.ndarray) -> float:
    """The score (one the people have) that declines about as many people as turned out bad:
    those below it are declined; ties keep a score's people on one side, so the count is the
    nearest one can reach (the lower cutoff where two are as near)."""
    values = np.unique(score)
    declined = np.searchsorted(np.sort(score), values, side="left")
    return float(values[np.argmin(np.abs(declined - int(np.sum(y))))])


def model_metrics(
    y: np.ndarray, pd_bad: np.ndarray, risk: np.ndarray, fitted: bool = False
) -> dict[str, Any]:
    """Discrimination and calibration of one model's predictions (`fitted`: on the rows the
    model was fitted to, which the Hosmer-Lemeshow test allows for)."""
    calibration = metrics.calibration_by_decile(y, pd_bad)
    fpr, tpr = metrics.roc_curve(y, risk)
    thin_fpr, thin_tpr = thin_curve(fpr, tpr)
    return {
        **metrics.discrimination(y, risk),
        "brier": metrics.brier(y, pd_bad),
        "mean_pd": float(np.mean(pd_bad)),
        "calibration": calibration,
        "calibration_error": metrics.expected_calibration_error(calibration),
        "hosmer_lemeshow": metrics.hosmer_lemeshow(calibration, fitted=fitted),
        "calibration_overall": fairness.calibration_overall(y, pd_bad),
        "roc": {"fpr": thin_fpr, "tpr": thin_tpr},
    }


# The texts of one code the reason frequency names; the rest are counted together
TEXTS_SHOWN_PER_CODE = 6


def reason_frequency(
    reasons: pd.DataFrame, texts: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """How often each reason is given first and at all, most frequent first: by code and the
    text the people were told where `reasons` holds it (reason_1_text, ...: one code reads
    "Card credit limits are low" in one bin, "No data on ..." or a range in others), else by
    code with its text from `texts`."""
    columns = [c for c in reasons.columns if re.fullmatch(r"reason_\d+", str(c))]
    told = [f"{c}_text" for c in columns]
    with_text = all(c in reasons.columns for c in told)
    first: Counter[tuple[str, str]] = Counter()
    anywhere: Counter[tuple[str, str]] = Counter()
    for k, column in enumerate(columns):
        codes = reasons[column].astype(object).tolist()
        said = reasons[told[k]].astype(object).tolist() if with_text else [None] * len(codes)
        given = [
            (code, text if isinstance(text, str) else (texts or {}).get(code, code))
            for code, text in zip(codes, said, strict=True)
            if isinstance(code, str) and code
        ]
        anywhere.update(given)
        if k == 0:
            first.update(given)
    # a category's text names the person's own level: past the most told few, a code's texts
    # are counted together (a title column of 800 levels gave 784 rows)
    shown: Counter[str] = Counter()
    for code, text in [key for key, _ in anywhere.most_common()]:
        shown[code] += 1
        if shown[code] > TEXTS_SHOWN_PER_CODE:
            rest = (code, "other texts")
            anywhere[rest] += anywhere.pop((code, text))
            first[rest] += first.pop((code, text), 0)
    rows = len(reasons)
    return [
        {
            "reason": code,
            "text": text,
            "first": first[(code, text)],
            "any": count,
            "share": count / rows if rows else 0.0,
        }
        for (code, text), count in anywhere.most_common()
    ]


# The most features a stability check names as having moved
SHIFTED_SHOWN = 3


# A model input whose own stability index reaches this reads a material shift whatever the
# score's does: a column written another way (a point between thousands read as a decimal
# point put every credit amount of a German export in its lowest bin, PSI 8.3, while the
# score's PSI read 0.034, stable)
FEATURE_SHIFT_PSI = 0.25


def _shifted_features(features: Sequence[Mapping[str, Any]], bar: float = 0.1) -> str:
    """The model's features whose own stability index reads a shift (`bar` or more, and
    beyond what chance reaches over the model's features together), largest first: where the
    scores moved from (a column written in other units, "51%" in training and 0.51 now,
    moves every score)."""
    moved = sorted(
        (
            (f["psi"], f["name"])
            for f in features
            if f.get("status") == "used"
            and (f.get("psi") or 0.0) >= max(bar, f.get("psi_by_chance") or 0.0)
        ),
        reverse=True,
    )
    if not moved:
        return ""
    named = ", ".join(f"{name} ({psi:.2f})" for psi, name in moved[:SHIFTED_SHOWN])
    more = f" and {len(moved) - SHIFTED_SHOWN} more" if len(moved) > SHIFTED_SHOWN else ""
    return (
        f" The features whose own ranges hold other shares of the people than at training"
        f" beyond chance (PSI): {named}{more}. Look at how they are written too: a column in"
        " other units than at training (51% then, 0.51 now) moves every score."
    )


def _stability(score: np.ndarray, train: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if train is None:
        return None
    if "shares" in train:
        edges = np.asarray(train["edges"], dtype=np.float64)
        shares = np.bincount(
            np.searchsorted(edges, score, side="right"), minlength=edges.size + 1
        ) / max(score.size, 1)
        result = metrics.psi_from_shares(train["shares"], shares, edges)
    else:
        result = metrics.psi(train["scores"], score)
    result["label"] = metrics.psi_label(result["psi"])
    train_shares = [b["train_share"] for b in result["bins"]]
    result["by_chance"] = metrics.psi_by_chance(train_shares, score.size, train.get("rows"))
    return result


def _status(ok: bool | None) -> str:
    return "info" if ok is None else ("pass" if ok else "flag")


def _check(name: str, ok: bool | None, detail: str) -> dict[str, str]:
    return {"name": name, "status": _status(ok), "detail": detail}


def _interval_words(interval: list[float] | None) -> str:
    """' (95 % interval a%-b%)' for a share's interval, or '' where there is none or both
    ends print alike (a '70%-70%' says nothing)."""
    if not interval:
        return ""
    low, high = f"{interval[0]:.0%}", f"{interval[1]:.0%}"
    return "" if low == high else f" (95 % interval {low}-{high})"


def _checks(result: dict[str, Any]) -> list[dict[str, str]]:
    card = result["scorecard"]
    checks = []
    share = result["data"].get("training_rows_share")
    interval = result["data"].get("training_rows_interval")
    # the share is an estimate from 500 sampled training rows: its interval said beside it
    about = f"About {share:.0%}{_interval_words(interval)}" if share is not None else ""
    held_out = (
        "Evaluate on rows held out from training (another period, or outcomes kept back)"
        " before relying on them."
    )
    if result["data"].get("same_as_training"):
        these = (
            "These are the files the model was trained on"
            if share is None
            else f"{about} of these rows are the model's training rows (found by their"
            " values, in another file or order)"
        )
        checks.append(
            _check(
                "Measured on data the model has not seen",
                False,
                f"{these}: every figure below is optimistic. {held_out}",
            )
        )
    elif share is not None and share >= row_prints.TRAINING_ROWS_SOME:
        checks.append(
            _check(
                "Measured on data the model has not seen",
                False,
                f"{about} of these rows are the model's training rows (found by their"
                " values): the figures below are optimistic in that measure. " + held_out,
            )
        )
    unread = result["data"].get("unread_inputs") or []
    if unread:
        checks.append(
            _check(
                "Inputs as the model was trained on",
                False,
                "Some input columns cannot give the model what it was trained on, and are "
                "scored as missing or as their riskiest group without an error: "
                + "; ".join(unread_inputs_words(column) for column in unread),
            )
        )
    notes = result["data"].get("reading_notes") or []
    if notes:
        checks.append(_check("How the input columns were read", None, " ".join(notes)))
    checks.append(_auc_check(card, result["data"]))
    if result["model"].get("scale_ends"):
        checks.append(_scale_ends_check(result["model"], card))
    bads, goods = _class_counts(result["data"])
    fewest = min(bads, goods)
    if card["auc"] >= training.LEAK_AUC and fewest < MIN_CLASS_FOR_AUC:
        # 3 bad and 2 good customers rank perfectly by chance one time in ten
        checks.append(
            _check(
                "No sign of outcomes leaked into the inputs",
                None,
                f"AUC {card['auc']:.3f}, but on {fewest} {'bad' if bads == fewest else 'good'}"
                f" customers (fewer than {MIN_CLASS_FOR_AUC}) chance alone ranks so well often:"
                " nothing to tell of leaked outcomes; evaluate on more.",
            )
        )
    elif card["auc"] >= training.LEAK_AUC:
        checks.append(
            _check(
                "No sign of outcomes leaked into the inputs",
                False,
                f"AUC {card['auc']:.3f}: credit data ranks risk far less well (0.70-0.85 is"
                " usual). A column known only after the outcome (payments or principal received,"
                " recoveries, a later bureau score, the last payment's date) is the usual cause;"
                " look at the features with the largest information value below, and train"
                " without them (--exclude).",
            )
        )
    checks.append(_calibration_check(card))
    checks.append(_band_order_check(result["bands"]))
    stability = result["stability"]
    if stability is not None:
        psi, chance = stability["psi"], stability.get("by_chance", 0.0)
        # a small sample: chance alone reaches the figure, or the bar (a PSI under 0.1 on
        # rows where chance reaches 0.1 no more shows stability than one above it a shift);
        # a PSI beyond both is a shift on any number of rows (8.3 on 40 rows where chance
        # reaches 0.44)
        shifted = psi >= max(0.1, chance)
        if not shifted and (chance >= 0.1 or psi >= 0.1):
            ok, said = (
                None,
                (
                    f"PSI {beside_bar(psi, 0.1, 3)} reads as"
                    f" {'' if stability['label'] == 'stable' else 'a '}{stability['label']},"
                    " but samples"
                    f" of {result['data']['rows']:,} rows differ by {chance:.3f} or more one time"
                    " in twenty from chance alone: neither a shift nor its absence can be told"
                    " from these rows; evaluate on more."
                ),
            )
            if moved := _shifted_features(result["features"], FEATURE_SHIFT_PSI):
                ok, said = False, f"Scores: {said}{moved}"
        else:
            ok, said = (
                psi < 0.1,
                (
                    f"PSI {beside_bar(psi, 0.1, 3)}: {stability['label']} (below 0.1 reads as"
                    " stable)."
                ),
            )
            if not ok:
                said += _shifted_features(result["features"])
            elif moved := _shifted_features(result["features"], FEATURE_SHIFT_PSI):
                ok = False
                said = f"Scores: {said}{moved}"
        checks.append(_check("Population like the training population", ok, said))
    challenger = result["challenger"]
    if challenger is not None:
        checks.append(_challenger_check(challenger, card, result["data"]))
    for audit in result["fairness"]:
        checks.append(
            {
                "name": f"Fair across {audit['attribute']}",
                "status": audit["status"],
                "detail": audit["summary"],
            }
        )
    return checks


def _fairness_verdict(audit: dict[str, Any], cutoff: dict[str, Any]) -> tuple[bool | None, str]:
    """(pass, in words) for one attribute's audit, with what its values call for (people not
    known, spellings taken as one, ages no one has); None where nothing can be judged."""
    values = audit.get("values") or {}
    people_count = values.get("people", 0)
    if people_count and values.get("missing") == people_count:
        return None, (
            f"{audit['attribute']} is missing for every person ({people_count:,}): nothing to"
            " compare; give each person's value (--protected-file, or the table's column)."
        )
    ok, said = _fairness_judgement(audit, cutoff)
    return ok, said + _sentences(_values_words(audit["attribute"], values))


def _values_words(attribute: str, values: dict[str, Any]) -> list[str]:
    """What an attribute's values call for, beside its figures."""
    words = []
    missing, people_count = values.get("missing", 0), values.get("people", 0)
    if people_count and missing / people_count >= 0.01:
        words.append(
            f"{people(missing)} ({missing / people_count:.0%}) {'has' if missing == 1 else 'have'}"
            f" no {attribute} on file and {'is' if missing == 1 else 'are'} not compared"
        )
    respelled = values.get("respelled") or {}
    if respelled:
        shown = first_few([f"{v!r} as {t!r}" for v, t in respelled.items()])
        words.append(
            f"values written alike but for case or surrounding spaces are taken as one group:"
            f" {shown}"
        )
    odd = values.get("odd_ages")
    if odd:
        words.append(
            f"{odd['count']:,} ages no applicant has (e.g. {', '.join(odd['examples'])}) are"
            " banded at the ends: check the column"
        )
    return words


def _fairness_judgement(audit: dict[str, Any], cutoff: dict[str, Any]) -> tuple[bool | None, str]:
    """(pass, in words) for one attribute's figures; None where nothing can be judged. The
    groups' calibration does not depend on the cutoff: it is judged whatever the cutoff does."""
    # of everyone in the audit: the people without a score are declined
    approval_rate = audit["approval"]["approval_rate"]
    calibrated = not audit["calibration"]["flag"]
    calibration = _sentences(_calibration_words(audit["calibration"]))
    if approval_rate in (0.0, 1.0):
        # everyone approved, or no one: every group alike, whatever the model does
        everyone = "everyone" if approval_rate else "no one"
        said = (
            f"The cutoff {cutoff['score']:g} approves {everyone}: nothing to compare at it; "
            "choose a cutoff inside the scores (--cutoff)."
        )
        return (None if calibrated else False), f"{said}{calibration}"
    size = fairness.MIN_GROUP_SIZE
    if audit["approval"]["judged_groups"] < 2:
        # one group's calibration is the model's, not a difference between groups
        return None, f"Fewer than two groups of {size} or more people: too few to compare."
    if audit["approval"]["reference"] is None:
        # every group large enough to judge declined in full: no rate to take four fifths of
        said = (
            f"The cutoff {cutoff['score']:g} approves no one in any group of {size} or more"
            " people: nothing to compare by the four-fifths rule; choose a cutoff inside the"
            " scores (--cutoff)."
        )
        return (None if calibrated else False), f"{said}{calibration}"
    return not audit["flag"], _fairness_sentence(audit)


def _sentences(parts: list[str]) -> str:
    """Each part as a sentence of its own, each after a space."""
    return "".join(f" {part[:1].upper()}{part[1:]}." for part in parts)


def _calibration_words(calibration: dict[str, Any]) -> list[str]:
    """The groups whose bad rate departs from their predictions unlike the others', and, where
    the whole population's does, that this is the model's calibration, not the groups'."""
    words = []
    flagged = [g for g in calibration["groups"] if g["flag"]]
    population = calibration["population"]
    if flagged:
        ratios = ", ".join(f"{g['group']} {_ratio(g['ratio'])}" for g in flagged)
        words.append(
            "mis-calibrated for " + ", ".join(g["group"] for g in flagged) + " against the"
            f" other groups (observed / predicted bad rate: {ratios}; "
            f"{_ratio(calibration['reference_ratio'])} over the other groups judged)"
        )
    if population["off"]:
        way = "above" if population["observed"] > population["predicted"] else "below"
        # over the groups not flagged, or over every judged group where one alone was left
        apart = population.get("groups") == calibration["reference"]
        whole = "the other groups" if flagged and apart else "the groups as a whole"
        words.append(
            f"the bad rate of {whole} is {way} the model's prediction"
            f" ({100 * population['observed']:.1f}% observed, {100 * population['predicted']:.1f}%"
            " predicted): that much is the model's calibration on this population (judged under"
            ' "Predicted bad rates match what happened"), not a difference between groups, which'
            " are compared with one another on predictions scaled to their bad rate"
        )
    return words


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _class_counts(data: dict[str, Any]) -> tuple[int, int]:
    """The evaluated rows' bad and good customers."""
    bads = round(data["rows"] * data["bad_rate"])
    return bads, data["rows"] - bads


def _auc_check(card: dict[str, Any], data: dict[str, Any]) -> dict[str, str]:
    """Pass or flag against the rule of thumb; told, not judged, where the AUC's 95 %
    interval on these rows holds the bar."""
    low, high = card["auc_interval"]
    said = (
        f"AUC {beside_bar(card['auc'], MIN_AUC, 3)} (a rule of thumb asks for at least "
        f"{MIN_AUC:.2f})"
    )
    bads, goods = _class_counts(data)
    # a class of fewer than MIN_CLASS_FOR_AUC first: there the interval is no interval (one
    # bad among 50 read 0.543 to 1.000 from a standard error that does not hold)
    if low < MIN_AUC <= high and min(bads, goods) >= MIN_CLASS_FOR_AUC:
        return _check(
            "Ranks risk well",
            None,
            f"{said}, but on {bads:,} bad and {goods:,} good customers its 95 %"
            f" interval, {low:.3f} to {high:.3f}, holds {MIN_AUC:.2f}: these rows cannot tell"
            " which side of it the model is on; evaluate on more.",
        )
    if min(bads, goods) < MIN_CLASS_FOR_AUC:
        # the interval's standard error is 0 at an AUC of 0 or 1: 3 bads below 7 goods
        # would pass at [1.000, 1.000]
        fewer = "bad" if bads <= goods else "good"
        return _check(
            "Ranks risk well",
            None,
            f"{said}, but on {bads:,} bad and {goods:,} good customers (fewer than"
            f" {MIN_CLASS_FOR_AUC} {fewer}) an AUC tells little of how the model ranks;"
            " evaluate on more.",
        )
    return _check("Ranks risk well", card["auc"] >= MIN_AUC, f"{said}.")


def _challenger_check(
    challenger: dict[str, Any], card: dict[str, Any], data: dict[str, Any]
) -> dict[str, str]:
    """Told, never judged: how the challenger's AUC compares with the scorecard's pd's, and
    whether the gain is one to weigh (above CHALLENGER_MARGIN and beyond chance)."""
    delta = challenger["auc"] - card["auc_pd"]
    told = round(delta, 3) + 0.0  # -0.00004 told as +0.000, not -0.000
    said = (
        f"The challenger's AUC is {told:+.3f} against the scorecard's (both of the predicted pd): "
    )
    difference = challenger.get("auc_difference") or {}
    interval = difference.get("interval")
    if data.get("same_as_training"):
        said += (
            "measured on the rows both were trained on, where boosted trees fit their own"
            " training rows more closely than a scorecard does, this says nothing of which"
            " ranks new people better: compare them on held-out rows."
        )
    elif delta <= CHALLENGER_MARGIN:
        said += f"it would earn its place only above +{CHALLENGER_MARGIN}."
    elif interval is None:
        said += (
            f"above +{CHALLENGER_MARGIN}, but on {data['bads']:,} bad and"
            f" {data['rows'] - data['bads']:,} good customers a difference says nothing:"
            " evaluate on more."
        )
    elif interval[0] <= 0.0:
        said += (
            f"above +{CHALLENGER_MARGIN}, but within chance on these rows (95 % interval of the"
            f" difference {interval[0]:+.3f} to {interval[1]:+.3f}, DeLong's test): evaluate"
            " on more before weighing it."
        )
    else:
        said += (
            f"above +{CHALLENGER_MARGIN} and beyond chance (95 % interval {interval[0]:+.3f} to"
            f" {interval[1]:+.3f}, DeLong's test), enough to weigh its gain against the"
            " scorecard's simpler explanations."
        )
    return _check("Challenger against scorecard", None, said)


def _scale_ends_check(model: dict[str, Any], card: dict[str, Any]) -> dict[str, str]:
    """Pass where no end of the scale holds more than scaling.CROWDED_END_SHARE of the
    scores; else flag, with what the clipping costs and the base odds that would fit."""
    ends = model["scale_ends"]
    name = "Scores spread within the scale"
    crowded = {end: v for end, v in ends.items() if v[1] > scaling.CROWDED_END_SHARE}
    if not crowded:
        return _check(
            name,
            True,
            f"{ends['top'][1]:.1%} of the scores are at the top of the scale ({ends['top'][0]}),"
            f" {ends['bottom'][1]:.1%} at the bottom ({ends['bottom'][0]}); beyond"
            f" {scaling.CROWDED_END_SHARE:.0%} at an end, the score would rank the people there"
            " alike.",
        )
    return _check(
        name,
        False,
        f"{model['scale_ends_words']}. AUC {card['auc']:.3f} on the score, {card['auc_pd']:.3f}"
        " on the pd.",
    )


def _calibration_check(card: dict[str, Any]) -> dict[str, str]:
    test = card["hosmer_lemeshow"]
    said = (
        f"Predicted and observed bad rates differ by {100 * card['calibration_error']:.1f}"
        f" percentage points on average over {_groups_by_pd(card['calibration'])}"
    )
    name = "Predicted bad rates match what happened"
    least = f"{metrics.HL_MIN_EXPECTED:g}"
    overall = card.get("calibration_overall")
    level = ""
    if overall and overall["off"] and _expects_enough(overall):
        way = "above" if overall["observed"] > overall["predicted"] else "below"
        level = (
            f" Over everyone the bad rate is {way} the predictions beyond chance"
            f" ({100 * overall['observed']:.2f}% observed, {100 * overall['predicted']:.2f}%"
            f" predicted; {abs(overall['z']):.1f} standard errors, where chance alone passes"
            f" {fairness.calibration_z(2):.2f} one time in forty): the model's level is off for"
            " this population, whatever the groups' shape (a new period or channel: recalibrate"
            " the intercept, or look at what changed)."
        )
    if not test["enough_rows"]:
        return _check(
            name,
            False if level else None,
            f"{said}; too few bad (or good) customers are expected for the Hosmer-Lemeshow test"
            f" (as few as {test['expected_min']:.1f} in a group): it asks for at least {least} of"
            " each per group, and merged with their neighbours until each expects that many,"
            f" the groups are too few to test ({test['groups']}; it needs"
            f" {metrics.HL_MIN_GROUPS}): evaluate on more rows to judge the gaps." + level,
        )
    p_value = test["p_value"]
    runs = test["merged_groups"]
    on = (
        f", on {len(runs)} groups (the {runs[-1][-1]} by predicted pd merged as "
        + ", ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in runs)
        + f", so that each expects at least {least} bad and {least} good customers),"
        if len(runs) < runs[-1][-1]
        else ""
    )
    return _check(
        name,
        p_value >= CALIBRATION_P_VALUE and not level,
        f"{said}; the Hosmer-Lemeshow test{on} gives p ="
        f" {beside_bar(p_value, CALIBRATION_P_VALUE, 3)}: " + _chance_words(p_value) + level,
    )


# Calibration in the large is judged where the predictions expect this many bad customers and
# this many good ones, or more (its normal reading of a sum of chances holds there)
OVERALL_MIN_EXPECTED = 5.0


def _expects_enough(overall: dict[str, Any]) -> bool:
    count, predicted = overall["count"], overall["predicted"] or 0.0
    return min(count * predicted, count * (1 - predicted)) >= OVERALL_MIN_EXPECTED


def _bands_the_cutoff_splits(
    band: np.ndarray, approved: np.ndarray, band_order: Sequence[str]
) -> list[dict[str, Any]]:
    """The bands whose people the cutoff parts, some approved and some declined, with how
    many of each: a cutoff inside a band approves part of a band called, say, "Poor"."""
    split = []
    for name in band_order:
        mine = band == name
        taken = int(approved[mine].sum())
        if 0 < taken < int(mine.sum()):
            split.append({"band": name, "people": int(mine.sum()), "approved": taken})
    return split


def _band_order_check(bands: dict[str, Any]) -> dict[str, str]:
    """Flags a fall in bad rate from a band to the next worse one that chance would rarely
    give; a fall within chance (small bands, close rates) is told, not flagged."""
    name = "Bad rate rises as bands get worse"
    if bands["judged_bands"] < 2:
        return _check(
            name,
            None,
            f"Fewer than two bands hold {metrics.MIN_BAND_SIZE} or more people: the order"
            " cannot be judged on these rows.",
        )
    if bands["monotonic"]:
        return _check(
            name,
            True,
            "No worse band has a lower bad rate than a better one"
            + (f" (bands of {metrics.MIN_BAND_SIZE} or more people)." if bands["small"] else "."),
        )
    rate = {row["band"]: row["bad_rate"] for row in bands["bands"]}
    falls = [
        f"{safer} ({100 * rate[safer]:.1f}%) and {riskier} ({100 * rate[riskier]:.1f}%),"
        f" p = {beside_bar(p_value, BAND_FALL_P_VALUE, 3)}"
        for (safer, riskier), p_value in zip(bands["breaks"], bands["break_p_values"], strict=True)
    ]
    beyond_chance = min(bands["break_p_values"]) < BAND_FALL_P_VALUE
    trend = bands.get("falling_trend_p_value")
    if not beyond_chance and trend is not None and trend < BAND_FALL_P_VALUE:
        # each step within chance, the order as a whole not: falling from best band to worst
        return _check(
            name,
            False,
            "The bad rate falls between "
            + "; ".join(falls)
            + " (one-sided Fisher exact test), each fall within chance, but over all the bands"
            " of 30 or more people together it falls as the bands get worse: p ="
            f" {beside_bar(trend, BAND_FALL_P_VALUE, 3)} (one-sided Cochran-Armitage trend"
            f" test; flagged below {BAND_FALL_P_VALUE}): the bands run against the risk.",
        )
    return _check(
        name,
        None if not beyond_chance else False,
        "The bad rate falls between "
        + "; ".join(falls)
        + " (one-sided Fisher exact test): "
        + (
            f"a fall larger than chance would give (p below {BAND_FALL_P_VALUE})."
            if beyond_chance
            else f"within what chance gives between bands of these sizes (p at or above"
            f" {BAND_FALL_P_VALUE}); more rows would tell."
        ),
    )


def beside_bar(value: float, bar: float, digits: int) -> str:
    """`value` to `digits` decimals, or as many more (up to six) as it takes to show it on
    its own side of the `bar` it is judged against: a ratio of 0.7992 under a bar of 0.80 is
    not shown as 0.80, nor a gap of 0.1004 over a bar of 0.10 as 0.10."""
    shown = f"{value:.{digits}f}"
    for more in range(digits + 1, 7):
        if value == bar or (float(shown) > bar) == (value > bar) and float(shown) != bar:
            break
        shown = f"{value:.{more}f}"
    return shown


def _chance_words(p_value: float) -> str:
    if p_value < CALIBRATION_P_VALUE:
        return f"the gaps are larger than chance would give (p below {CALIBRATION_P_VALUE})."
    return f"the gaps are within what chance gives (p at or above {CALIBRATION_P_VALUE})."


def _groups_by_pd(calibration: list[dict[str, Any]]) -> str:
    count = len(calibration)
    if count == 10:
        return "the ten groups"
    return f"the {count} groups (people with the same predicted pd stay in one group)"


def _gap_words(errors: dict[str, Any], rate: str) -> str:
    """A rate gap and, where it is wide, whether chance could make it."""
    gap, p_value = errors[f"{rate}_gap"], errors.get(f"{rate}_gap_p_value")
    shown = beside_bar(gap, fairness.MAX_RATE_GAP, 2)
    if p_value is None:
        return f"gap {shown}"
    if p_value < fairness.GAP_P_VALUE:
        return f"gap {shown}, wider than chance (p = {p_value:.3g})"
    p_shown = beside_bar(p_value, fairness.GAP_P_VALUE, 2)
    return f"gap {shown}, within chance for groups this size (p = {p_shown})"


def _fairness_sentence(audit: dict[str, Any]) -> str:
    parts = []
    ratio = audit["approval"]["min_ratio"]
    if ratio is not None:
        parts.append(
            f"lowest approval-rate ratio {beside_bar(ratio, fairness.FOUR_FIFTHS, 2)} among"
            f" groups of {fairness.MIN_GROUP_SIZE} or more (four-fifths rule: at least 0.80)"
        )
    unscored = audit["approval"].get("unscored", 0)
    if unscored:
        parts.append(
            f"{people(unscored)} without a score (no data from a consented source) counted"
            " as declined in their groups"
        )
    errors = audit["errors"]
    if errors["fpr_gap"] is not None:
        parts.append(f"good customers declined: {_gap_words(errors, 'fpr')}")
    elif len(errors["groups"]) >= 2:
        parts.append(
            f"good customers declined: not judged (fewer than two groups with"
            f" {fairness.MIN_GROUP_SIZE} or more good customers)"
        )
    if errors["tpr_gap"] is not None:
        parts.append(f"bad customers declined: {_gap_words(errors, 'tpr')}")
    elif len(errors["groups"]) >= 2:
        parts.append(
            f"bad customers declined: not judged (fewer than two groups with"
            f" {fairness.MIN_GROUP_SIZE} or more bad customers)"
        )
    sentence = "; ".join(parts)
    calibration = _sentences(_calibration_words(audit["calibration"]))
    return sentence[:1].upper() + sentence[1:] + "." + calibration


def evaluate_scores(
    y: Sequence[int],
    pd_bad: Sequence[float],
    score: Sequence[float],
    band: Sequence[str],
    band_order: Sequence[str],
    *,
    reasons: pd.DataFrame | None = None,
    reason_texts: Mapping[str, str] | None = None,
    challenger_pd: Sequence[float] | None = None,
    train_scores: Mapping[str, Any] | None = None,
    protected: Mapping[str, Sequence[Any]] | None = None,
    unscored_y: Sequence[int] | None = None,
    cutoff: float | None = None,
    model_info: Mapping[str, Any] | None = None,
    data_info: Mapping[str, Any] | None = None,
    features: Sequence[Mapping[str, Any]] | None = None,
    points: Sequence[Mapping[str, Any]] | None = None,
    segments: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Everything the report shows about one model on one labelled evaluation set.

    Scores rise with safety (a person is approved when score >= cutoff); pd_bad is the
    predicted probability of bad. `train_scores` is {"scores": [...]} or a stored histogram
    {"edges": [...], "shares": [...]} of the training scores, for PSI. `protected` maps each
    protected attribute to its values on the same rows (never a model input, audited here),
    then on the people the model could not score, whose outcomes are `unscored_y`: declined
    in the fairness checks, in no other figure. `features` (name, iv, ...), `points` (the
    points table) and `segments` (a segmented model's segments on this data) are shown as
    given.
    """
    labels = np.asarray(y, dtype=np.int8).ravel()
    probabilities = np.asarray(pd_bad, dtype=np.float64).ravel()
    scores = np.asarray(score, dtype=np.float64).ravel()
    cut = default_cutoff(scores, labels) if cutoff is None else float(cutoff)
    approved = scores >= cut
    fitted = bool((data_info or {}).get("same_as_training"))
    result: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": dict(model_info or {}),
        "data": {
            **dict(data_info or {}),
            "rows": int(labels.size),
            "bads": int(labels.sum()),
            "bad_rate": float(labels.mean()),
        },
        "cutoff": {
            "score": cut,
            "given": cutoff is not None,
            "approval_rate": float(approved.mean()),
            "bad_rate_approved": float(labels[approved].mean()) if approved.any() else None,
            "inside_bands": _bands_the_cutoff_splits(
                np.asarray(band).ravel(), approved, band_order
            ),
        },
        "scorecard": {
            **model_metrics(labels, probabilities, -scores, fitted),
            # beside the score's (integer points: more ties), for a like-for-like challenger
            "auc_pd": metrics.auc(labels, probabilities),
            "ks_pd": metrics.ks(labels, probabilities),
        },
        "score_histogram": score_histogram(scores, labels),
        "bands": metrics.bad_rate_by_band(labels, band, band_order),
        "stability": _stability(scores, train_scores),
        "features": [dict(f) for f in features or ()],
        "points": [dict(p) for p in points or ()],
        "segments": [dict(s) for s in segments or ()],
        "reasons": reason_frequency(reasons, reason_texts) if reasons is not None else [],
        "challenger": None,
        "fairness": [
            fairness.audit_attribute(name, values, labels, probabilities, approved, unscored_y)
            for name, values in (protected or {}).items()
        ],
    }
    if challenger_pd is not None:
        challenger = np.asarray(challenger_pd, dtype=np.float64).ravel()
        result["challenger"] = {
            **model_metrics(labels, challenger, challenger, fitted),
            # over the scorecard's pd, on the same rows: a gain beyond chance or not
            "auc_difference": metrics.auc_difference(labels, probabilities, challenger),
        }
    for audit in result["fairness"]:  # the verdict the summary and the section both show
        ok, audit["summary"] = _fairness_verdict(audit, result["cutoff"])
        audit["status"] = _status(ok)
    result["checks"] = _checks(result)
    return result

"""The model artifact: one versioned JSON file holding everything needed to score.

The file carries a sha256 hash of its own canonical JSON (sorted keys, no spaces, UTF-8,
``content_hash`` left out). ``load_model`` recomputes it and refuses a file whose content
changed, so a score can always be traced to the exact model that produced it.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from credo import output
from credo.model import unscorable
from credo.model.bins import level_key
from credo.model.scorecard import Scorecard
from credo.model.segments import KIND as SEGMENTED
from credo.model.segments import SegmentedScorecard
from credo.model.tables import POINTS_LIKE_THOUSANDS, as_frame
from credo.model.text_numbers import (
    SPACES,
    TEXT_CONVENTION,
    TEXT_NUMBER_WORDS,
    doubtful_readings,
    read_numbers,
    reading_kinds,
    unreadable_values,
)

FORMAT = "credo.model"
FORMAT_VERSION = 1


class ArtifactError(ValueError):
    """A model file cannot be used; the message says why and what to do."""


@dataclass
class ModelArtifact:
    """A fitted scorecard with its training record, metrics and optional challenger."""

    scorecard: Scorecard | SegmentedScorecard
    training: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    challenger: dict | None = None
    created_at: str = ""
    credo_version: str = ""
    content_hash: str = ""

    @property
    def features(self) -> list[str]:
        return list(self.scorecard.features_)

    def text_inputs(self) -> list[str]:
        """The plain-table columns a file to score must be read as text, as training read
        them: those it read from text as numbers (read so again) and those it binned as
        categories (which another file's values must not turn into numbers)."""
        categorical = {
            name
            for card in unscorable.model_cards(self.scorecard)
            for name, bins in card.bins_.items()
            if bins.kind != "numeric"
        }
        return sorted(set(self.training.get("text_numbers") or {}) | categorical)

    def number_kinds(self) -> dict[str, str]:
        """The inputs read as numbers, each with how training read it: the text-number kind
        of the columns it read from text ("13.5%"), "plain" for the card's and the
        challenger's other number inputs."""
        kinds = number_kinds(self.scorecard, self.training.get("text_numbers"))
        if self.challenger is not None:
            trees = set(self.challenger.get("features", ())) - set(
                self.challenger.get("categories", ())
            )
            kinds = {**dict.fromkeys(sorted(trees - set(kinds)), "plain"), **kinds}
        return kinds

    def reading(self, X: pd.DataFrame) -> dict[str, str]:
        """How this table's number inputs held as text are read (text_numbers.reading_kinds):
        {column: kind}; worked out once, it can be given to the methods below."""
        return reading_kinds(X, self.number_kinds())

    def read_inputs(self, X: Any, chosen: dict[str, str] | None = None) -> Any:
        """A table with its number inputs held as text read as numbers: as training read
        them ("13.5%"), or as a CSV file writes them (`reading`); "#VALUE!" missing. Other
        inputs as given; an Arrow table, a dict of columns or an array as a DataFrame."""
        X = as_frame(X)
        return read_numbers(X, self.reading(X) if chosen is None else chosen)

    def score_table(self, X: Any, with_text: bool = False) -> pd.DataFrame:
        """The scorecard's scores; a feature-table model leaves unscored the rows of which it
        reads nothing (credo.model.unscorable)."""
        X = self.read_inputs(X)
        scores = self.scorecard.score_table(X, with_text=with_text)
        if unscorable.applies(self.training):
            return unscorable.blank_unscorable(scores, unscorable.unscored(X, self.scorecard))
        return scores

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.scorecard.predict_proba(self.read_inputs(X))

    def unread_inputs(
        self,
        X: pd.DataFrame,
        read: pd.DataFrame | None = None,
        chosen: dict[str, str] | None = None,
    ) -> list[dict[str, Any]]:
        """The model's input columns that this table cannot give it as at training: text
        training read as numbers that is not written so (any value: "12,50" where training
        read "1,234.50"; name, kind, values, share, examples), or a column missing in at least
        half the rows (and a quarter of them more than at training), or categories training
        never saw in UNSEEN_SHARE of them or more (each scored in the riskiest group). A
        column of codes where training had words, or one left empty, is scored that way
        without an error: this says
        which (name, missing, missing_at_training, unseen: shares of rows; examples: a few of
        the unseen values; for a segmented model, segment, segment_rows and rows: the shares
        are of that segment's rows, of `rows` judged). A feature-table model's rows it leaves
        unscored anyway (credo.model.unscorable) are not judged. Categories training saw
        written otherwise, case and surrounding spaces aside ("36 months" for " 36 months"),
        are said in any number of rows, since they too are scored as unseen (name, respelled:
        rows, share, given, trained: an example pair, unseen_rule). `read`: X through
        `read_inputs`, and `chosen`, its `reading`, when done already. A column whose text is
        no number is judged missing by the values it lacks in the table as given (not again
        for what could not be read)."""
        chosen = self.reading(X) if chosen is None else chosen
        used = set(self.scorecard.features_)
        given = X
        X = read if read is not None else self.read_inputs(X, chosen)
        odd = unreadable_values(given, X, {n: k for n, k in chosen.items() if n in used})
        if unscorable.applies(self.training):  # rows left unscored anyway are not judged
            X = X.loc[~unscorable.unscored(X, self.scorecard)]
            if X.empty:
                return odd
        segments = getattr(self.scorecard, "segments_", [])
        # a segment's card on its own segment's rows (its training shares are of those)
        if segments:
            try:
                index = self.scorecard.segment_index(X)
            except ValueError:  # columns the segments need are missing: scoring says so
                return odd
            parts = [(s.card, X.loc[index == i], s.name) for i, s in enumerate(segments)]
        else:
            parts = [(self.scorecard, X, None)]
        found: dict[str, dict[str, Any]] = {}
        respelled: dict[str, dict[str, Any]] = {}
        for card, part, segment in parts:
            rows = len(part)
            for name in card.features_ if rows else ():
                if name not in part.columns:
                    continue
                bins = card.bins_[name]
                values = part[name].to_numpy(dtype=object) if bins.kind == "categorical" else None
                new = bins.unseen_levels(values) if values is not None else np.zeros(0, bool)
                # levels written otherwise are said as such, not among the unseen
                written_otherwise = (
                    _count_respellings(respelled, bins, values[new], len(X)) if new.any() else 0
                )
                if name in found:
                    continue
                blanks = (given if name in chosen else part).loc[part.index, name].isna()
                missing = float(blanks.mean())
                trained = bins.count[bins.missing_index] / max(sum(bins.count), 1)
                unseen = float(new.sum() - written_otherwise) / rows
                if (missing >= 0.5 and missing - trained >= 0.25) or unseen >= UNSEEN_SHARE:
                    found[name] = {
                        "name": name,
                        "missing": missing,
                        "missing_at_training": trained,
                        "unseen": unseen,
                        "examples": (
                            sorted({str(v) for v in values[new][:1000]})[:3]
                            if values is not None
                            else []
                        ),
                    }
                    if segment is not None:  # the shares are of this segment's rows
                        found[name] |= {"segment": segment, "segment_rows": rows, "rows": len(X)}
        return odd + list(found.values()) + list(respelled.values())

    def read_for_scoring(self, X: pd.DataFrame) -> tuple[pd.DataFrame, list[dict], list[str]]:
        """The table with its number inputs read (`read_inputs`), the inputs it cannot give
        the model as at training (`unread_inputs`) and the notes on how its file's numbers
        were read (`read_otherwise`), the reading worked out once for all three."""
        chosen = self.reading(X)
        read = self.read_inputs(X, chosen)
        return read, self.unread_inputs(X, read=read, chosen=chosen), self.read_otherwise(X, chosen)

    def read_otherwise(self, X: pd.DataFrame, chosen: dict[str, str] | None = None) -> list[str]:
        """In words, the model's inputs this table's CSV file writes otherwise than training
        read them: read as the file writes them, or read as training did though they may
        mean other numbers (text_numbers.doubtful_readings)."""
        kinds = self.number_kinds()
        chosen = self.reading(X) if chosen is None else chosen
        used = {n: k for n, k in chosen.items() if n in set(self.scorecard.features_)}
        said = [
            f"{n} read as {TEXT_NUMBER_WORDS[k]}, as this file writes it, where training read"
            f" {TEXT_NUMBER_WORDS[kinds[n]]}"
            for n, k in used.items()
            if k != kinds[n]
        ]
        comma = X.attrs.get(TEXT_CONVENTION) == ","
        for name, example in X.attrs.get(POINTS_LIKE_THOUSANDS, {}).items():
            if name in set(self.scorecard.features_) and kinds.get(name) == "plain":
                said.append(
                    f"{name} read as training read it, {TEXT_NUMBER_WORDS['plain']}, though"
                    f" values such as {example!r} are thousands in a file that writes decimal"
                    " commas, as this one does in other columns: check which this file means"
                )
        for name, (other, example) in doubtful_readings(X, kinds, used).items():
            said.append(
                f"{name} read as training read it, {TEXT_NUMBER_WORDS[kinds[name]]}, though"
                f" values such as {example!r} read as {TEXT_NUMBER_WORDS[other]} too, as"
                f" {'a comma-separated' if comma else 'a semicolon-, tab- or bar-separated'}"
                " file such as this one writes them: check which this file means"
            )
        return said

    def breakdown(self, X: Any) -> pd.DataFrame:
        """Points per dimension and the most each can give, as points_<dimension> and
        points_<dimension>_max (nullable integers: empty for an unscorable row)."""
        X = self.read_inputs(X)
        table = self.scorecard.breakdown(X).astype("Int64").add_prefix("points_")
        if unscorable.applies(self.training):
            table.loc[unscorable.unscored(X, self.scorecard)] = pd.NA
        return table

    def challenger_model(self):
        """The challenger rebuilt as an estimator, or None when the model has none."""
        if self.challenger is None:
            return None
        from credo.model.challenger import Challenger

        return Challenger.from_dict(self.challenger)

    def to_dict(self) -> dict:
        body = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": self.created_at or datetime.now(UTC).isoformat(timespec="seconds"),
            "credo_version": self.credo_version or credo_version(),
            "scorecard": self.scorecard.to_dict(),
            "training": self.training,
            "metrics": self.metrics,
            "challenger": self.challenger,
        }
        body = json_safe(body)
        return {**body, "content_hash": content_hash(body)}


def credo_version() -> str:
    try:
        return metadata.version("credo")
    except metadata.PackageNotFoundError:
        return "unknown"


def json_safe(value: Any) -> Any:
    """Plain JSON data: numpy scalars and arrays unwrapped, NaN and infinities as null."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_safe(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def canonical_json(body: dict, whole_numbers: bool = True) -> bytes:
    """The content as one text: keys sorted, no spaces, and (`whole_numbers`) a whole number
    written alike whether a tool wrote it 9.0 or 9 (jq and JavaScript write a float cut of 9.0
    as 9: a model re-indented by them had failed its hash check)."""
    if whole_numbers:
        body = _whole_numbers(body)
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _whole_numbers(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def content_hash(body: dict, whole_numbers: bool = True) -> str:
    """sha256 of the canonical JSON of everything but the hash itself (`whole_numbers`: False
    for the hash of files written before whole numbers were written alike)."""
    body = {k: v for k, v in body.items() if k != "content_hash"}
    return "sha256:" + hashlib.sha256(canonical_json(body, whole_numbers)).hexdigest()


def card_from_dict(data: dict) -> Scorecard | SegmentedScorecard:
    """A scorecard or a segmented scorecard from its ``to_dict`` data."""
    if data.get("kind") == SEGMENTED:
        return SegmentedScorecard.from_dict(data)
    return Scorecard.from_dict(data)


def _written_as(kind: str, values: int) -> str:
    """What the values of a number input should have been, in words."""
    if kind == "plain":
        return "a number" if values == 1 else "numbers"
    return f"written as {TEXT_NUMBER_WORDS[kind]}"


def _bare(level: str) -> str:
    """A level with its case and surrounding spaces set aside."""
    return level.strip(SPACES).casefold()


def respellings(bins: Any, unseen: np.ndarray) -> dict[str, str]:
    """The distinct `unseen` values (levels a categorical's bins never saw) that are a level
    it saw once case and surrounding spaces are set aside, each with that level: {"36 months":
    " 36 months", "c2": "C2"}."""
    trained: dict[str, str] = {}
    for level in (*(lv for group in bins.groups for lv in group), *bins.specials):
        trained.setdefault(_bare(str(level)), str(level))
    keys = (level_key(v) for v in pd.unique(unseen))
    return {k: trained[_bare(k)] for k in keys if k is not None and _bare(k) in trained}


def _count_respellings(
    respelled: dict[str, dict[str, Any]], bins: Any, unseen: np.ndarray, rows: int
) -> int:
    """Add to `respelled` the rows of `unseen` (values of one card's part of the table) that
    are a training level written otherwise (`respellings`), under the feature's name; return
    how many they are."""
    pairs = respellings(bins, unseen)
    if not pairs:
        return 0
    count = int(pd.Series(unseen).map(level_key).isin(pairs).sum())
    given, trained = next(iter(pairs.items()))
    entry = respelled.setdefault(
        bins.feature,
        {
            "name": bins.feature,
            "respelled": 0,
            "given": given,
            "trained": trained,
            "unseen_rule": bins.unseen,
        },
    )
    entry["respelled"] += count
    entry["share"] = entry["respelled"] / max(rows, 1)
    return count


def number_kinds(scorecard: Any, readers: dict[str, str] | None) -> dict[str, str]:
    """A card's (or a segmented card's, its splits' columns too) number inputs, each with how
    training read it: `readers`' kind for the columns it read from text, else "plain"."""
    readers = dict(readers or {})
    numeric = {n for n, kind in unscorable.model_inputs(scorecard).items() if kind == "numeric"}
    return {**dict.fromkeys(sorted(numeric - set(readers)), "plain"), **readers}


# Categories training never saw in this share of the rows to score or more are said (each is
# scored in its column's riskiest group): a new state in 30 % of a batch cost those loans 31
# points on average without a word, where a half was the bar
UNSEEN_SHARE = 0.05


def unread_inputs_words(column: dict[str, Any]) -> str:
    """One input column the data mostly cannot give the model (ModelArtifact.unread_inputs),
    in words that say what to check."""
    name = column["name"]
    if "respelled" in column:
        rows = column["respelled"]
        share = column["share"]
        of_rows = "under 1%" if share < 0.01 else f"{share:.0%}"
        scored = "its missing bin" if column["unseen_rule"] == "missing" else "its riskiest group"
        return (
            f"{name}: {rows:,} {'row' if rows == 1 else 'rows'} ({of_rows} of the rows)"
            f" {'holds a category' if rows == 1 else 'hold categories'} training saw written"
            f" otherwise in case or surrounding spaces (e.g. {column['given']!r} for"
            f" {column['trained']!r}), scored as categories training never saw, in {scored}:"
            " write them as the file the model was trained on did"
        )
    examples = ", ".join(repr(v) for v in column["examples"])
    if "kind" in column:
        values = column["values"]
        share = column["share"]
        of_rows = "under 1%" if 0 < share < 0.01 else f"{share:.0%}"
        return (
            f"{name}: {values:,} {'value' if values == 1 else 'values'} ({of_rows} of the rows)"
            f" {'is' if values == 1 else 'are'} not {_written_as(column['kind'], values)}"
            f" (e.g. {examples}), scored as missing: if they stand for no value, nothing is"
            " lost; else write them as the file the model was trained on did"
        )
    of_rows = "of the rows"
    if "segment" in column:
        of_rows = (
            f"of the {column['segment_rows']:,} rows of segment {column['segment']}"
            f" (of {column['rows']:,} scored)"
        )
    if column["unseen"] >= UNSEEN_SHARE:
        return (
            f"{name}: {column['unseen']:.0%} {of_rows} hold categories training never saw"
            f" (e.g. {examples}), each scored in its riskiest group: are they written as at"
            " training (words, not codes)? A new category in earnest (a new region or"
            " product) is scored so until the model is trained on rows that hold it"
        )
    return (
        f"{name}: missing in {column['missing']:.0%} {of_rows}"
        f" ({column['missing_at_training']:.0%} at training), scored in its missing bin: is the"
        " column filled, and named as at training?"
    )


def save_model(model: Scorecard | SegmentedScorecard | ModelArtifact, path: str | Path) -> str:
    """Write the artifact (a bare scorecard is wrapped); returns its content hash."""
    artifact = model if isinstance(model, ModelArtifact) else ModelArtifact(scorecard=model)
    if not hasattr(artifact.scorecard, "features_"):
        raise ArtifactError("the scorecard is not fitted; fit it before saving")
    data = artifact.to_dict()
    output.write_text(path, json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    artifact.created_at = data["created_at"]
    artifact.credo_version = data["credo_version"]
    artifact.content_hash = data["content_hash"]
    return data["content_hash"]


# the file's fields beside the scorecard, each with the JSON kinds it may hold
FIELD_KINDS = {
    "created_at": str,
    "credo_version": str,
    "training": dict | None,
    "metrics": dict | None,
    "challenger": dict | None,
}


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a model file may hold")


def _finite_float(text: str) -> float:
    """A JSON number as a float; one past what a double holds (1e400, read as infinity) is
    refused as NaN is (the hash check had stopped on it with a traceback)."""
    value = float(text)
    return value if math.isfinite(value) else _refuse_constant(text)


def load_model(path: str | Path) -> ModelArtifact:
    """Read and check an artifact: format, version and content hash must all hold."""
    path = Path(path)
    if not path.exists():
        raise ArtifactError(f"{path}: no such model file; train one with `credo train`")
    if path.is_dir():
        raise ArtifactError(f"{path} is a folder, not a model file (the JSON `credo train` wrote)")
    try:
        data = json.loads(
            path.read_text(encoding="utf-8-sig"),  # a BOM, as Windows editors write, is no content
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
        )
    except ValueError as exc:  # JSON, UTF-8 and a NaN alike
        raise ArtifactError(f"{path}: not a JSON model file ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ArtifactError(f"{path}: not a credo model file (no format {FORMAT!r})")
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        newer = (
            isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION
        )
        what = (
            "written by a newer credo: upgrade credo to read it"
            if newer
            else "retrain the model with this credo"
        )
        raise ArtifactError(
            f"{path}: model format version {json.dumps(version)}, this credo reads version"
            f" {FORMAT_VERSION}; {what}"
        )
    stored = data.get("content_hash")
    actual = content_hash(data)
    if stored != actual and stored != content_hash(data, whole_numbers=False):
        raise ArtifactError(
            f"{path}: content hash mismatch (file says {stored}, content gives {actual}): the "
            "file was changed after training; use the original file or retrain"
        )
    odd = [name for name, kinds in FIELD_KINDS.items() if not isinstance(data.get(name), kinds)]
    if odd:  # a file edited with its hash worked out again: a clear error, not a KeyError
        raise ArtifactError(
            f"{path}: the file is malformed ({', '.join(odd)}: missing or of the wrong kind)"
        )
    try:
        scorecard = card_from_dict(data["scorecard"])
        if not scorecard.features_:
            raise ValueError("it reads no feature")
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, ArithmeticError) as exc:
        raise ArtifactError(f"{path}: the scorecard in the file is malformed ({exc})") from None
    return ModelArtifact(
        scorecard=scorecard,
        training=data.get("training") or {},
        metrics=data.get("metrics") or {},
        challenger=data.get("challenger"),
        created_at=data["created_at"],
        credo_version=data["credo_version"],
        content_hash=stored,
    )

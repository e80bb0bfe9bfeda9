"""The Policy data class and its loader."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from credo.events.schema import SOURCES

PRESETS: tuple[str, ...] = ("us", "eu", "cn")
DEFAULT_POLICY = "us"

DIMENSIONS: tuple[str, ...] = (
    "payment_history",
    "amounts_owed",
    "history_length",
    "new_credit",
    "credit_mix",
    "capacity",
    "identity",
    "digital_footprint",
)

# Feature families a policy may deny (the catalog's FeatureSpec.family values).
FAMILIES: tuple[str, ...] = ("address_tenure", "digital_footprint")

# Kinds of data a policy may forbid, each with the event sources that carry it: a forbidden
# kind's sources are not read, whatever allowed_sources says. No source carries the others
# (no catalog feature reads message, contact or browsing content; ingest refuses message
# events).
DATA_KINDS: dict[str, tuple[str, ...]] = {
    "message_content": (),
    "contacts": (),
    "browsing_content": (),
    "social_network": ("social",),
}

# Data that no policy may allow, whatever its file says: the content of people's messages.
NEVER_ALLOWED_DATA: tuple[str, ...] = ("message_content",)


class PolicyError(ValueError):
    """A policy file is missing or malformed; the message says which field and why."""


@dataclass(frozen=True)
class Policy:
    """What a jurisdiction allows a score to be built from."""

    name: str
    title: str
    allowed_sources: tuple[str, ...]
    allowed_dimensions: tuple[str, ...]
    denied_families: tuple[str, ...]
    protected_attributes: tuple[str, ...]
    allow_protected: bool
    forbidden_data: tuple[str, ...]
    negative_data_months: int
    dispute_deadline_days: int
    notes: str = ""

    def allows_source(self, source: str) -> bool:
        forbidden = any(source in DATA_KINDS.get(kind, ()) for kind in self.forbidden_data)
        return source in self.allowed_sources and not forbidden

    def allows_feature(self, dimension: str, family: str | None) -> bool:
        """A feature may be built when its dimension is allowed and its family is not denied."""
        return dimension in self.allowed_dimensions and family not in self.denied_families

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    @property
    def rules(self) -> str:
        """A short fingerprint of what decides a feature table's values (sources, features,
        data kinds, protected attributes, how long negative data counts), in any order and
        whatever the title or notes say: two policy files of one name with other rules are
        told apart by it."""
        decisive = {
            name: sorted(set(value)) if isinstance(value, list) else value
            for name, value in self.to_dict().items()
            if name not in ("name", "title", "notes", "dispute_deadline_days")
        }
        text = json.dumps(decisive, sort_keys=True, default=list)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@functools.cache
def _preset(name: str) -> Policy:
    # Presets ship with the package and never change while it runs: parsed once.
    # JSON is UTF-8 (its protected names include 性别), whatever the machine's locale says
    preset = resources.files("credo.policy").joinpath("presets", f"{name}.json")
    raw = preset.read_text(encoding="utf-8")
    return _parse(raw, f"preset {name}")


def load_policy(name_or_path: str | Path = DEFAULT_POLICY) -> Policy:
    """A preset by name (us, eu, cn) or a policy JSON file by path."""
    text = str(name_or_path)
    if text in PRESETS:
        return _preset(text)
    path = Path(text)
    if not path.is_file():
        looks_like_a_path = path.suffix or "/" in text or "\\" in text
        raise PolicyError(
            f"no policy file at {text}: give the path of a policy JSON file, or one of the"
            f" presets {', '.join(PRESETS)}"
            if looks_like_a_path
            else f"unknown policy {text!r}: use one of {', '.join(PRESETS)} or a path to a"
            " policy JSON file"
        )
    policy = _parse(path.read_text(encoding="utf-8"), str(path))
    preset = policy.name.strip().lower()
    if preset in PRESETS and policy != _preset(preset):
        # feature tables and models are labelled with the policy's name
        raise PolicyError(
            f"{path}: named {policy.name!r} like the preset {preset!r}, but it differs from it:"
            " give it a name of its own"
        )
    return policy


def _parse(raw: str, origin: str) -> Policy:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise PolicyError(f"policy {origin} is not valid JSON: {exc}") from exc
    return policy_from_dict(data, origin)


def policy_from_dict(data: dict[str, Any], origin: str = "policy") -> Policy:
    """Validate a policy mapping field by field and build the Policy."""
    if not isinstance(data, dict):
        raise PolicyError(f"{origin}: expected a JSON object")
    names = {f.name for f in fields(Policy)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise PolicyError(f"{origin}: unknown field(s) {', '.join(unknown)}")
    required = {f.name for f in fields(Policy) if f.name != "notes"}
    missing = sorted(required - set(data))
    if missing:
        raise PolicyError(f"{origin}: missing field(s) {', '.join(missing)}")
    for key in ("name", "title"):
        if not isinstance(data[key], str) or not data[key].strip():
            raise PolicyError(f"{origin}: {key} must be a non-empty text, got {data[key]!r}")
    _check_members(data, "allowed_sources", SOURCES, origin, at_least_one=True)
    _check_members(data, "allowed_dimensions", DIMENSIONS, origin, at_least_one=True)
    _check_members(data, "denied_families", FAMILIES, origin)
    _check_members(data, "forbidden_data", tuple(DATA_KINDS), origin)
    _check_strings(data, "protected_attributes", origin)
    _check_names(data["protected_attributes"], origin)
    for key in ("negative_data_months", "dispute_deadline_days"):
        value = data[key]
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise PolicyError(f"{origin}: {key} must be a positive whole number, got {value!r}")
    if not isinstance(data["allow_protected"], bool):
        raise PolicyError(f"{origin}: allow_protected must be true or false")
    forbidden = set(data["forbidden_data"])
    absent = [kind for kind in NEVER_ALLOWED_DATA if kind not in forbidden]
    if absent:
        raise PolicyError(
            f"{origin}: forbidden_data must include {', '.join(absent)}: message content is"
            " never credit data"
        )
    values = {key: tuple(v) if isinstance(v, list) else v for key, v in data.items()}
    values.setdefault("notes", "")
    return Policy(**values)


def _check_strings(data: dict[str, Any], key: str, origin: str) -> None:
    value = data[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{origin}: {key} must be a list of strings")


def _check_names(names: list[str], origin: str) -> None:
    """Each protected attribute's name must hold a letter or digit: a name of none (" ",
    "--") would name no column, and had named every column."""
    from credo.model.columns import name_words

    wordless = [repr(n) for n in names if not name_words(n)]
    if wordless:
        raise PolicyError(
            f"{origin}: protected_attributes has name(s) of no letter or digit:"
            f" {', '.join(wordless)}; write each attribute's name (e.g. sex, date_of_birth)"
        )


def _check_members(
    data: dict[str, Any],
    key: str,
    known: tuple[str, ...],
    origin: str,
    at_least_one: bool = False,
) -> None:
    _check_strings(data, key, origin)
    if at_least_one and not data[key]:
        raise PolicyError(
            f"{origin}: {key} is empty, so no feature could be computed under the policy;"
            f" list at least one of {', '.join(known)}"
        )
    bad = [v for v in data[key] if v not in known]
    if bad:
        raise PolicyError(
            f"{origin}: {key} has unknown value(s) {', '.join(bad)}; expected some of"
            f" {', '.join(known)}"
        )

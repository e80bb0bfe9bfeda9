"""The feature table contract: Parquet with user_id, as_of, one DOUBLE column per feature,
provenance columns, and the features' metadata under the Arrow schema key b"credo"."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from credo import output
from credo.features.spec import FeatureSpec

METADATA_KEY = b"credo"
TABLE_KIND = "credo.features"
# Engines add in whatever order their threads finish, so a sum or a mean differs in its last
# bits between runs and engines (DuckDB twice on the same store: 13 columns, up to 30 % of
# people). Features keep this many significant digits: a value on a round bin cut (0.5) stays
# on it, so the same data always gets the same bins and score.
SIGNIFICANT_DIGITS = 12


def settled(values: np.ndarray) -> np.ndarray:
    """Numbers to SIGNIFICANT_DIGITS significant digits (missing and infinite ones as they are)."""
    values = np.asarray(values, dtype=np.float64)
    out = values.copy()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        exponent = np.floor(np.log10(np.abs(values)))
        scale = 10.0 ** (SIGNIFICANT_DIGITS - 1 - exponent)
        rounded = np.round(values * scale) / scale
    ok = np.isfinite(rounded) & (values != 0)
    out[ok] = rounded[ok]
    return out


def settle_columns(table: pa.Table, names: Sequence[str]) -> pa.Table:
    """The table with its floating-point columns among `names` settled (see `settled`)."""
    for name in names:
        column = table[name]
        if pa.types.is_floating(column.type):
            values = settled(column.to_numpy(zero_copy_only=False))
            missing = column.is_null().to_numpy(zero_copy_only=False)  # null stays null, not NaN
            array = pa.array(values, column.type, mask=missing)
            table = table.set_column(table.column_names.index(name), name, array)
    return table


@dataclass(frozen=True)
class FeatureMeta:
    """What a reader of a feature table needs to know about one feature column."""

    name: str
    dimension: str
    description: str
    reason: str
    direction: str
    no_data: float | None
    sources: tuple[str, ...]
    never: float | None = None
    reason_low: str = ""
    # where `reason` and `reason_low` change over: a slope's texts say rising or falling, so
    # they follow its sign, not its place beside the best bin (None: by that place)
    reason_pivot: float | None = None
    # how a value is written for a person (spec.UNITS; "" in tables written before units)
    unit: str = ""
    # where `reason` starts to be true of a value (FeatureSpec.reason_bound)
    reason_bound: float | None = None

    @property
    def specials(self) -> tuple[float, ...]:
        """The special values of this feature (no data, never happened)."""
        return tuple(v for v in (self.no_data, self.never) if v is not None)

    @classmethod
    def from_spec(cls, spec: FeatureSpec) -> FeatureMeta:
        return cls(
            name=spec.name,
            dimension=spec.dimension,
            description=spec.description,
            reason=spec.reason,
            direction=spec.direction,
            no_data=spec.no_data,
            sources=spec.fed_by,
            never=spec.never,
            reason_low=spec.reason_low,
            reason_pivot=0.0 if spec.aggregate == "series_slope" and spec.reason_low else None,
            unit=spec.shown_unit,
            reason_bound=spec.reason_bound,
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sources"] = list(self.sources)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureMeta:
        return cls(
            name=data["name"],
            dimension=data["dimension"],
            description=data["description"],
            reason=data["reason"],
            direction=data["direction"],
            no_data=data.get("no_data"),
            sources=tuple(data.get("sources", ())),
            never=data.get("never"),
            reason_low=data.get("reason_low") or "",
            reason_pivot=data.get("reason_pivot"),
            unit=data.get("unit") or "",
            reason_bound=data.get("reason_bound"),
        )


class FeatureTableError(ValueError):
    """A file is not a credo feature table; the message says why."""


def table_metadata(
    features: Sequence[FeatureMeta],
    *,
    catalog_version: str,
    policy: str,
    provenance_columns: Sequence[str],
    policy_rules: str | None = None,
) -> dict[str, Any]:
    return {
        "kind": TABLE_KIND,
        "catalog_version": catalog_version,
        "policy": policy,
        # the policy's rules as well as its name: files of one name may differ
        **({"policy_rules": policy_rules} if policy_rules else {}),
        "features": [f.to_dict() for f in features],
        "provenance_columns": list(provenance_columns),
    }


def with_metadata(table: pa.Table, metadata: dict[str, Any]) -> pa.Table:
    """The table with feature columns as DOUBLE and the credo metadata attached."""
    names = {f["name"] for f in metadata["features"]}
    missing = [n for n in names if n not in table.column_names]
    if missing:
        raise FeatureTableError(f"feature column(s) missing: {', '.join(sorted(missing))}")
    columns = [
        table[name].cast(pa.float64()) if name in names else table[name]
        for name in table.column_names
    ]
    out = pa.Table.from_arrays(columns, names=table.column_names)
    existing = dict(table.schema.metadata or {})
    existing[METADATA_KEY] = json.dumps(metadata).encode()
    return out.replace_schema_metadata(existing)


def write_feature_table(
    table: pa.Table,
    path: str | Path,
    features: Sequence[FeatureMeta],
    *,
    catalog_version: str,
    policy: str,
    provenance_columns: Sequence[str],
    policy_rules: str | None = None,
) -> Path:
    """Write a feature table as Parquet with the contract's metadata. Returns the path."""
    metadata = table_metadata(
        features,
        catalog_version=catalog_version,
        policy=policy,
        provenance_columns=provenance_columns,
        policy_rules=policy_rules,
    )
    target = Path(path)
    with output.replacing(target) as temporary:
        pq.write_table(with_metadata(table, metadata), temporary)
    return target


def read_feature_table(path: str | Path) -> tuple[pa.Table, list[FeatureMeta]]:
    """A feature table and its features' metadata, in column order."""
    table = pq.read_table(path)
    raw = (table.schema.metadata or {}).get(METADATA_KEY)
    if raw is None:
        raise FeatureTableError(
            f"{path} has no credo metadata: it was not written by `credo features`"
        )
    metadata = json.loads(raw)
    if metadata.get("kind") != TABLE_KIND:
        raise FeatureTableError(f"{path} is a {metadata.get('kind')!r}, not a feature table")
    return table, [FeatureMeta.from_dict(f) for f in metadata["features"]]


def read_table_metadata(path: str | Path) -> dict[str, Any]:
    """The whole credo metadata object of a feature table (policy, catalog version, ...)."""
    raw = (pq.read_schema(path).metadata or {}).get(METADATA_KEY)
    if raw is None:
        raise FeatureTableError(f"{path} has no credo metadata")
    return json.loads(raw)


def write_feature_table_from(table: pa.Table, path: str | Path) -> Path:
    """Write a table that already carries the credo metadata (from the engines)."""
    if METADATA_KEY not in (table.schema.metadata or {}):
        raise FeatureTableError("the table carries no credo metadata; use write_feature_table")
    target = Path(path)
    with output.replacing(target) as temporary:
        pq.write_table(table, temporary)
    return target

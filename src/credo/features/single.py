"""Features for one person, from the store: the scoring service's path.

The same compiled query as the batch, restricted to one user and one as-of date, so the
values equal the batch row. The SQL text is compiled once per policy and feature set; the
user id and date are bound as parameters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import duckdb

from credo.events.schema import utc_now
from credo.features.catalog import catalog_for
from credo.features.compiler import Tables, build_query
from credo.features.engines import as_of_timestamp
from credo.features.spec import FeatureSpec
from credo.policy.policy import Policy, load_policy

_USER = "credo-single-user-parameter"
_ASOF_ONE = f"(SELECT '{_USER}' AS user_id, CAST($as_of AS TIMESTAMP) AS as_of)"


@lru_cache(maxsize=16)
def single_user_sql(specs: tuple[FeatureSpec, ...], policy: Policy) -> str:
    """The batch query for one person, with $user_id and $as_of parameters."""
    query = build_query(specs, policy, Tables(asof=_ASOF_ONE), user_id=_USER)
    return query.sql(dialect="duckdb").replace(f"'{_USER}'", "$user_id")


def features_for_user(
    con: duckdb.DuckDBPyConnection,
    user_id: str,
    as_of: dt.date | dt.datetime | str | None = None,
    policy: Policy | str = "us",
    specs: Sequence[FeatureSpec] | None = None,
) -> dict[str, Any]:
    """One person's feature row (user_id, as_of, features, provenance) as a dict, as of the
    given date (default: now), from the store's events and consents."""
    policy = load_policy(policy) if isinstance(policy, str) else policy
    chosen = tuple(specs) if specs is not None else catalog_for(policy)
    stamp = as_of_timestamp(as_of) if as_of is not None else utc_now()
    cursor = con.cursor()
    try:
        cursor.execute(single_user_sql(chosen, policy), {"user_id": user_id, "as_of": stamp})
        columns = [d[0] for d in cursor.description]
        row = cursor.fetchone()
    finally:
        cursor.close()
    return dict(zip(columns, row, strict=True))

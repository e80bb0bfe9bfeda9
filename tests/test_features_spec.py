"""Feature specs are validated when declared, and compile to both dialects from one tree."""

from __future__ import annotations

import pytest
import sqlglot

from credo.features.catalog import CATALOG, catalog_for
from credo.features.compiler import build_query, check_specs, compile_features
from credo.features.spec import FeatureSpec
from credo.policy import load_policy
from credo.policy.policy import DIMENSIONS

GOOD = dict(
    name="x_count",
    dimension="capacity",
    description="d",
    reason="r",
    aggregate="count",
    direction="higher_is_riskier",
    sources=("bank",),
)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"dimension": "vibes"}, "dimension must be one of"),
        ({"aggregate": "median"}, "aggregate must be one of"),
        ({"direction": "up"}, "direction must be one of"),
        ({"window": 5}, "window must be"),
        ({"sources": ("gossip",)}, "unknown source gossip"),
        ({"types": ("rumour",)}, "unknown type rumour"),
        ({"measure": "vibes"}, "measure must be one of"),
        ({"name": "Bad Name"}, "lower-case identifier"),
        ({"reason": ""}, "reason text"),
        ({"aggregate": "series_max"}, "needs a series"),
        ({"aggregate": "ratio"}, "numerator and denominator"),
        ({"sources": ()}, "sources are required"),
        # measures worked out over a stage of their own read only their own types
        ({"aggregate": "last", "types": ("income",), "measure": "signed_last"}, "balance"),
        ({"aggregate": "sum", "measure": "statement_billed"}, "give types"),
    ],
)
def test_malformed_specs_are_refused_with_the_reason(change, message):
    with pytest.raises(ValueError, match=message):
        FeatureSpec(**{**GOOD, **change})


def test_catalog_covers_all_dimensions_with_forty_plus_features():
    assert len(CATALOG) >= 40
    assert {s.dimension for s in CATALOG} == set(DIMENSIONS)
    assert len({s.name for s in CATALOG}) == len(CATALOG)
    bills = {"utility", "telecom", "rent"}
    assert any(bills <= set(s.fed_by) for s in CATALOG if s.dimension == "payment_history")


def test_duplicate_names_and_dangling_ratios_are_refused():
    spec = FeatureSpec(**GOOD)
    with pytest.raises(ValueError, match="declared twice"):
        check_specs([spec, spec])
    ratio = FeatureSpec(
        **{
            **GOOD,
            "name": "x_ratio",
            "aggregate": "ratio",
            "numerator": "x_count",
            "denominator": "missing",
        }
    )
    with pytest.raises(ValueError, match="missing"):
        check_specs([spec, ratio])


def test_one_expression_renders_to_both_dialects():
    policy = load_policy("cn")
    tree = build_query(catalog_for(policy), policy)
    duck, spark = tree.sql(dialect="duckdb"), tree.sql(dialect="spark")
    assert "ARG_MIN(" in duck and "MIN_BY(" in spark and "ARG_MIN(" not in spark
    assert "GET_JSON_OBJECT(" in spark and "->>" not in spark
    # each rendering parses back in its own dialect to the same shape of query
    for sql, dialect in ((duck, "duckdb"), (spark, "spark")):
        parsed = sqlglot.parse_one(sql, read=dialect)
        assert len(list(parsed.find_all(sqlglot.exp.CTE))) == len(
            list(tree.find_all(sqlglot.exp.CTE))
        )
    assert compile_features(catalog_for(policy), policy, "spark") == compile_features(
        catalog_for(policy), policy, "spark"
    )
    with pytest.raises(ValueError, match="unknown dialect"):
        compile_features(catalog_for(policy), policy, "oracle")


def test_sources_of_a_policy_that_forbids_them_never_reach_the_query():
    eu = load_policy("eu")
    sql = compile_features(catalog_for(eu), eu)
    granted = sql[sql.index("granted AS") : sql.index("ev AS")]
    assert "'social'" not in granted and "'bank'" in granted


def test_feature_values_keep_twelve_significant_digits():
    import numpy as np

    from credo.features.table import settled

    below, above = np.nextafter(0.5, 0.0), np.nextafter(0.5, 1.0)
    assert settled(np.array([below, above, 0.1 + 0.2])).tolist() == [0.5, 0.5, 0.3]
    kept = np.array([123456.789012, -0.000123456789012, 1e-300, 7.0, -2.0, 0.0])
    assert np.array_equal(settled(kept), kept)  # twelve digits or fewer: as they were
    assert settled(np.array([1234567.89012345]))[0] == 1234567.89012
    odd = settled(np.array([np.nan, np.inf, -np.inf]))
    assert np.isnan(odd[0]) and odd[1] == np.inf and odd[2] == -np.inf

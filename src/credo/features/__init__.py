"""Point-in-time features: declarative specs (spec.py), the default catalog (catalog.py), the
specs-to-SQL compiler (compiler.py), the DuckDB and Spark engines (engines.py), the
single-person path (single.py) and the feature-table contract (table.py)."""

from credo.features.table import FeatureMeta, read_feature_table, write_feature_table

__all__ = ["FeatureMeta", "read_feature_table", "write_feature_table"]

"""The event store (DuckDB), its schema and segments."""

# The environment variable that caps DuckDB's memory (named here, without importing DuckDB,
# for the CLI's out-of-memory message)
MEMORY_LIMIT_VARIABLE = "CREDO_MEMORY_LIMIT"

"""Defaults of the synthetic population generator, apart from it so that `credo generate
--help` can show them without loading numpy and pyarrow (see synthetic.py)."""

from __future__ import annotations

from datetime import date

DEFAULT_LATEST_AS_OF = date(2025, 6, 1)
CHUNK_USERS = 2_000

"""Shared fixtures: real DuckDB files in tmp dirs and one real local Spark session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"  # the public data sets the tests need, copied into the repository


@pytest.fixture()
def store_path(tmp_path: Path) -> Path:
    """A freshly initialised store file."""
    from credo.store.db import init_store

    return init_store(tmp_path / "credo.duckdb")


@pytest.fixture(scope="session")
def spark():
    """One real Spark session (local[2], UTC) for the whole test run."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # the driver stays on loopback
    session = (
        SparkSession.builder.master("local[2]")
        .appName("credo-tests")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()

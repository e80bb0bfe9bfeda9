"""A Spark session for the feature engine (UTC, quiet), local[*] unless a master is given."""

from __future__ import annotations

import os
import re
import sys
from typing import Any


def shuffle_partitions(master: str) -> int:
    """Shuffle partitions for the feature stages: two per core on a local master (Spark's
    default of 200 schedules hundreds of near-empty tasks per stage on one machine), 8 on a
    cluster (as before; a cluster's own spark-defaults may raise it)."""
    match = re.fullmatch(r"local\[(\d+|\*)\]|local", master)
    if match is None:
        return 8
    cores = match.group(1)
    n = (os.cpu_count() or 1) if cores in (None, "*") else int(cores)
    return max(2, 2 * n)


def spark_session(master: str = "local[*]", app_name: str = "credo-features") -> Any:
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions(master)))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session

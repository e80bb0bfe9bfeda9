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
    builder = SparkSession.builder.master(master).appName(app_name)
    if master.startswith("local"):
        # A local session talks only to itself: keep the driver on the loopback address
        # rather than whatever interface the host name resolves to.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = builder.config("spark.driver.host", "127.0.0.1").config(
            "spark.driver.bindAddress", "127.0.0.1"
        )
    session = (
        builder.config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions(master)))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session

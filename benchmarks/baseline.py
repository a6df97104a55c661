"""The yardstick the benchmarks compare with: the same work under a cold, plain ``spark-submit``.

A CSV-to-Parquet script with header and schema inference, on local files, without the local
cloud, S3A or glueline: what a data engineer would run by hand, paying a JVM start each time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

from glueline.cloud.glue import launcher

CSV_TO_PARQUET = textwrap.dedent(
    """
    import sys

    from awsglue.utils import getResolvedOptions
    from pyspark.sql import SparkSession

    args = getResolvedOptions(sys.argv, ["input", "output"])
    spark = SparkSession.builder.getOrCreate()
    frame = spark.read.csv(args["input"], header=True, inferSchema=True)
    frame.write.mode("overwrite").parquet(args["output"])
    """
)


def cold_spark_submit(work: Path, input_path: Path) -> float:
    """Seconds for :data:`CSV_TO_PARQUET` on ``input_path`` under a cold ``spark-submit``."""
    script = work / "csv_to_parquet.py"
    script.write_text(CSV_TO_PARQUET)
    command = [
        str(launcher.spark_submit_path()),
        "--master",
        launcher.LOCAL_MASTER,
        "--driver-memory",
        launcher.DRIVER_MEMORY,
        "--conf",
        "spark.ui.enabled=false",
        str(script),
        "--input",
        f"file://{input_path}",
        "--output",
        f"file://{work / (input_path.stem + '.parquet')}",
    ]
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    started = time.monotonic()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.monotonic() - started


def settle(endpoint_url: str, idle: float) -> None:
    """Wait until no warm driver is warming up, then ``idle`` seconds more: each figure is
    taken on a quiet kit, as a person editing a script leaves it, and the cold yardstick does
    not share the machine with a driver warming up in the background."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{endpoint_url}/_glueline/health", timeout=5) as reply:
            if json.loads(reply.read()).get("warm_drivers", {}).get("warming", 0) == 0:
                break
        time.sleep(0.5)
    time.sleep(idle)

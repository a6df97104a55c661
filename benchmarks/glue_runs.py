"""How much a Glue job run costs on the local cloud, next to plain spark-submit.

Prints, for one small CSV-to-Parquet job: seconds from ``StartJobRun`` to RUNNING and to
SUCCEEDED, the same script under plain ``spark-submit`` on local files, and the throughput
of the same job on a ~100 MB CSV generated on the fly (never committed). Asserts nothing:
the figures are for reading.

Usage: ``python benchmarks/glue_runs.py [--megabytes 100]``. Reuses the cloud at
``GLUELINE_PORT`` (default 4566) when one answers there, else starts one and stops it after.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
from synthetic_data import write_csv

from glueline.cloud import process
from glueline.cloud.glue import launcher
from glueline.cloud.settings import CloudSettings, client_environment

SCRIPT = textwrap.dedent(
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
POLL_SECONDS = 0.1


def timed_run(glue: Any, job: str, arguments: dict[str, str]) -> tuple[float, float, dict]:
    """Start a run and poll it; returns seconds to RUNNING, to the end, and the final run."""
    started = time.monotonic()
    run_id = glue.start_job_run(JobName=job, Arguments=arguments)["JobRunId"]
    to_running = None
    while True:
        run = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        if to_running is None and run["JobRunState"] != "STARTING":
            to_running = time.monotonic() - started
        if run["JobRunState"] in ("SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED"):
            return to_running or 0.0, time.monotonic() - started, run
        time.sleep(POLL_SECONDS)


def plain_spark_submit(script: Path, input_path: Path, output_path: Path) -> float:
    """The same script on local files, without the local cloud or S3A."""
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
        f"file://{output_path}",
    ]
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    started = time.monotonic()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=100.0)
    options = parser.parse_args()

    settings = CloudSettings.from_environment()
    started_here = not process.status(settings).running
    if started_here:
        process.start(settings)
    try:
        run_benchmark(settings, options.megabytes)
    finally:
        if started_here:
            process.stop(settings)


def run_benchmark(settings: CloudSettings, megabytes: float) -> None:
    env = client_environment(settings.endpoint_url)
    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_REGION"],
    )
    s3 = session.client("s3", endpoint_url=settings.endpoint_url)
    glue = session.client("glue", endpoint_url=settings.endpoint_url)
    suffix = uuid.uuid4().hex[:8]
    bucket, job = f"glue-bench-{suffix}", f"glue-bench-{suffix}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="scripts/csv_to_parquet.py", Body=SCRIPT.encode())
    glue.create_job(
        Name=job,
        Role="arn:aws:iam::000000000000:role/glueline-benchmark",
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{bucket}/scripts/csv_to_parquet.py"},
        GlueVersion="5.0",
    )

    with tempfile.TemporaryDirectory(prefix="glue-bench-") as scratch:
        work = Path(scratch)
        small = work / "small.csv"
        small_bytes = write_csv(small, 0.1)
        s3.upload_file(str(small), bucket, "input/small.csv")
        to_running, to_end, run = timed_run(
            glue,
            job,
            {"--input": f"s3://{bucket}/input/small.csv", "--output": f"s3://{bucket}/out/small"},
        )
        print(f"small CSV ({small_bytes / 1000:.0f} kB) through the local cloud:")
        print(f"  StartJobRun -> RUNNING    {to_running:6.2f} s")
        print(f"  StartJobRun -> {run['JobRunState']:<10} {to_end:6.2f} s")

        script = work / "csv_to_parquet.py"
        script.write_text(SCRIPT)
        plain = plain_spark_submit(script, small, work / "small.parquet")
        print(f"  plain spark-submit, local files {plain:6.2f} s")

        large = work / "large.csv"
        large_bytes = write_csv(large, megabytes)
        s3.upload_file(str(large), bucket, "input/large.csv")
        _, large_end, large_run = timed_run(
            glue,
            job,
            {"--input": f"s3://{bucket}/input/large.csv", "--output": f"s3://{bucket}/out/large"},
        )
        megabytes_read = large_bytes / 1_000_000
        print(f"large CSV ({megabytes_read:.0f} MB) through the local cloud:")
        print(f"  StartJobRun -> {large_run['JobRunState']:<10} {large_end:6.2f} s")
        print(f"  throughput                {megabytes_read / large_end:6.2f} MB/s")
        plain_large = plain_spark_submit(script, large, work / "large.parquet")
        print(
            f"  plain spark-submit, local files {plain_large:6.2f} s "
            f"({megabytes_read / plain_large:.2f} MB/s)"
        )


if __name__ == "__main__":
    main()

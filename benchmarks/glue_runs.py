"""How much a Glue job run costs on the local cloud, next to a cold plain spark-submit.

Prints, for one small CSV-to-Parquet job: seconds from ``StartJobRun`` to RUNNING and to
SUCCEEDED over a few rounds, each after the kit has been idle a while (as a person editing
a script leaves it), how each run's driver started, the same script under a cold plain
``spark-submit`` on local files, and their ratio; then the throughput of the same job on a
~100 MB CSV generated on the fly (never committed). Asserts nothing: the figures are for
reading.

Usage: ``python benchmarks/glue_runs.py [--rounds 3] [--idle 20] [--megabytes 100]``.
Reuses the cloud at ``GLUELINE_PORT`` (default 4566) when one answers there, else starts one
and stops it after.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
from baseline import CSV_TO_PARQUET, cold_spark_submit, settle
from synthetic_data import write_csv

from glueline.cloud import process
from glueline.cloud.settings import CloudSettings, client_environment

POLL_SECONDS = 0.1


def timed_run(glue: Any, job: str, arguments: dict[str, str]) -> tuple[float, float, dict]:
    """Start a run and poll it; seconds to RUNNING and to SUCCEEDED, and the final run."""
    started = time.monotonic()
    run_id = glue.start_job_run(JobName=job, Arguments=arguments)["JobRunId"]
    to_running = None
    while True:
        run = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        if to_running is None and run["JobRunState"] != "STARTING":
            to_running = time.monotonic() - started
        if run["JobRunState"] in ("SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED"):
            return to_running or 0.0, time.monotonic() - started, finished(run)
        time.sleep(POLL_SECONDS)


def job_role(iam: Any, name: str, bucket: str) -> str:
    """A role the job's runs may assume, allowed the benchmark's bucket (IAM is enforced)."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "glue.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    access = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:*"],
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            },
            {"Effect": "Allow", "Action": ["logs:*"], "Resource": "*"},
        ],
    }
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    iam.put_role_policy(RoleName=name, PolicyName="benchmark", PolicyDocument=json.dumps(access))
    return role["Arn"]


def finished(run: dict) -> dict:
    """The run, or an exit naming why it did not succeed: a failed run has no timing to show."""
    if run["JobRunState"] != "SUCCEEDED":
        raise SystemExit(f"run {run['Id']} ended {run['JobRunState']}: {run.get('ErrorMessage')}")
    return run


def driver_note(logs: Any, run_id: str) -> str:
    """How the run's driver started, from the first line of its output log."""
    events = logs.get_log_events(logGroupName="/aws-glue/jobs/output", logStreamName=run_id)
    first = next(
        (e["message"] for e in events["events"] if e["message"].startswith("glueline")), ""
    )
    return first.removeprefix("glueline: ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds idle before a run")
    parser.add_argument("--megabytes", type=float, default=100.0)
    options = parser.parse_args()

    settings = CloudSettings.from_environment()
    started_here = not process.status(settings).running
    if started_here:
        process.start(settings)
    try:
        run_benchmark(settings, options.rounds, options.idle, options.megabytes)
    finally:
        if started_here:
            process.stop(settings)


def run_benchmark(settings: CloudSettings, rounds: int, idle: float, megabytes: float) -> None:
    env = client_environment(settings.endpoint_url)
    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_REGION"],
    )
    s3 = session.client("s3", endpoint_url=settings.endpoint_url)
    glue = session.client("glue", endpoint_url=settings.endpoint_url)
    logs = session.client("logs", endpoint_url=settings.endpoint_url)
    suffix = uuid.uuid4().hex[:8]
    bucket, job = f"glue-bench-{suffix}", f"glue-bench-{suffix}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="scripts/csv_to_parquet.py", Body=CSV_TO_PARQUET.encode())
    glue.create_job(
        Name=job,
        Role=job_role(session.client("iam", endpoint_url=settings.endpoint_url), job, bucket),
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{bucket}/scripts/csv_to_parquet.py"},
        GlueVersion="5.1",
    )

    with tempfile.TemporaryDirectory(prefix="glue-bench-") as scratch:
        work = Path(scratch)
        small = work / "small.csv"
        small_bytes = write_csv(small, 0.1)
        s3.upload_file(str(small), bucket, "input/small.csv")
        print(f"small CSV ({small_bytes / 1000:.0f} kB) through the local cloud:")
        totals = []
        for number in range(1, rounds + 1):
            settle(settings.endpoint_url, idle)
            to_running, to_end, run = timed_run(
                glue,
                job,
                {"--input": f"s3://{bucket}/input/small.csv", "--output": f"s3://{bucket}/out/"},
            )
            totals.append(to_end)
            print(
                f"  round {number}: StartJobRun -> RUNNING {to_running:5.2f} s, -> "
                f"{run['JobRunState']} {to_end:5.2f} s ({driver_note(logs, run['Id'])})"
            )
        settle(settings.endpoint_url, 0)
        cold = cold_spark_submit(work, small)
        median = statistics.median(totals)
        print(f"  cold plain spark-submit, local files   {cold:6.2f} s")
        print(f"  StartJobRun -> SUCCEEDED, median       {median:6.2f} s")
        print(f"  ratio to the cold spark-submit         {median / cold:6.2f}x (target <= 0.35x)")

        large = work / "large.csv"
        large_bytes = write_csv(large, megabytes)
        s3.upload_file(str(large), bucket, "input/large.csv")
        settle(settings.endpoint_url, idle)
        _, large_end, large_run = timed_run(
            glue,
            job,
            {"--input": f"s3://{bucket}/input/large.csv", "--output": f"s3://{bucket}/large/"},
        )
        megabytes_read = large_bytes / 1_000_000
        settle(settings.endpoint_url, 0)
        plain_large = cold_spark_submit(work, large)
        print(f"large CSV ({megabytes_read:.0f} MB) through the local cloud:")
        print(f"  StartJobRun -> {large_run['JobRunState']:<10} {large_end:6.2f} s")
        print(f"  throughput                {megabytes_read / large_end:6.2f} MB/s")
        print(
            f"  cold plain spark-submit, local files {plain_large:6.2f} s "
            f"({megabytes_read / plain_large:.2f} MB/s)"
        )


if __name__ == "__main__":
    main()

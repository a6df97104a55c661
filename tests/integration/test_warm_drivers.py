"""Drivers started ahead of their runs: a run gets one, stays isolated, says which it got.

A cloud of its own with one warm driver, so the tests know when one is ready (the health
route reports it) instead of competing with other tests for the session cloud's driver.
"""

from __future__ import annotations

import json
import textwrap
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from glueline.cloud.glue.warm_driver import WARM_UP_BUCKET_PREFIX
from glueline.cloud.settings import CloudSettings
from tests.integration.conftest import _free_port, clients_for, run_glueline, wait_for

pytestmark = pytest.mark.integration

BUCKET = "warm-drivers"
TERMINAL = ("SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED")
RUN_SECONDS = 240

REPORTS_ITSELF = """
import json
import os
import sys

from pyspark.context import SparkContext

context = SparkContext.getOrCreate()
print("report", json.dumps({
    "pid": os.getpid(),
    "argv": sys.argv[1:3],
    "leftover": os.environ.get("SET_BY_AN_EARLIER_RUN"),
    "partitions": context.getConf().get("spark.sql.shuffle.partitions", "default"),
}))
os.environ["SET_BY_AN_EARLIER_RUN"] = "yes"
"""

EXITS = """
import sys

print("exiting with", sys.argv[sys.argv.index("--code") + 1], flush=True)
sys.exit(int(sys.argv[sys.argv.index("--code") + 1]))
"""

SHUFFLES = """
from pyspark import SparkFiles
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
counts = spark.range(1000).selectExpr("id % 3 AS key").groupBy("key").count().collect()
print("counts", sorted((row["key"], row["count"]) for row in counts))
print("spark files in", SparkFiles.getRootDirectory())
"""

SAYS_WHO_IT_IS = """
import boto3

print("caller", boto3.client("sts").get_caller_identity()["Arn"])
"""

KILLS_ITS_JVM_THEN_SLEEPS = """
import os
import signal
import time

from pyspark.context import SparkContext

jvm = SparkContext.getOrCreate()._jvm
os.kill(jvm.java.lang.ProcessHandle.current().pid(), signal.SIGKILL)
time.sleep(600)
"""

TALKS_THEN_SLEEPS = """
import time

print("first step done", flush=True)
time.sleep(600)
"""


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudSettings]:
    settings = CloudSettings(port=_free_port(), state_dir=tmp_path_factory.mktemp("warm"))
    started = run_glueline(settings, "up", env={"GLUELINE_WARM_DRIVERS": "1"})
    assert started.returncode == 0, started.stderr
    yield settings
    run_glueline(settings, "down")


@pytest.fixture(scope="module")
def aws(cloud: CloudSettings) -> Callable[[str], Any]:
    clients = clients_for(cloud)
    clients("s3").create_bucket(Bucket=BUCKET)
    return clients


def warm_ready(cloud: CloudSettings) -> bool:
    """a warm driver is ready"""
    with urllib.request.urlopen(f"{cloud.endpoint_url}/_glueline/health", timeout=5) as reply:
        return json.loads(reply.read())["warm_drivers"]["ready"] >= 1


def job_with(
    aws: Callable[[str], Any],
    name: str,
    script: str,
    role: str = "arn:aws:iam::000000000000:role/glue",
    **settings: Any,
) -> str:
    aws("s3").put_object(Bucket=BUCKET, Key=f"{name}.py", Body=textwrap.dedent(script).encode())
    aws("glue").create_job(
        Name=name,
        Role=role,
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{BUCKET}/{name}.py"},
        **settings,
    )
    return name


def run_to_end(aws: Callable[[str], Any], job: str, **arguments: str) -> tuple[dict, list[str]]:
    glue = aws("glue")
    run_id = glue.start_job_run(JobName=job, Arguments=arguments)["JobRunId"]

    def finished() -> dict | None:
        """the run ends"""
        run = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        return run if run["JobRunState"] in TERMINAL else None

    run = wait_for(finished, timeout=RUN_SECONDS, interval=0.5)
    return run, output_of(aws, run_id)


def output_of(aws: Callable[[str], Any], run_id: str) -> list[str]:
    """The run's output log so far (nothing yet before its first line is written)."""
    logs = aws("logs")
    try:
        events = logs.get_log_events(logGroupName="/aws-glue/jobs/output", logStreamName=run_id)
    except logs.exceptions.ResourceNotFoundException:
        return []
    return [event["message"] for event in events["events"]]


def report(output: list[str]) -> dict[str, Any]:
    line = next(line for line in output if line.startswith("report "))
    return json.loads(line.removeprefix("report "))


def test_runs_on_warm_drivers_are_isolated_from_each_other(cloud, aws) -> None:
    job = job_with(aws, "reports-itself", REPORTS_ITSELF)
    reports = []
    for _ in range(2):
        wait_for(lambda: warm_ready(cloud), timeout=RUN_SECONDS)
        run, output = run_to_end(aws, job, **{"--mode": "warm"})
        assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
        assert output[0].startswith("glueline: started on a warm Spark driver (ready for ")
        reports.append(report(output))

    first, second = reports
    assert first["pid"] != second["pid"], "each run has its own process"
    assert first["argv"] == second["argv"] == ["--mode", "warm"]
    assert first["leftover"] is None and second["leftover"] is None


def test_a_script_that_exits_ends_its_run_with_that_code(cloud, aws) -> None:
    job = job_with(aws, "exits", EXITS)
    wait_for(lambda: warm_ready(cloud), timeout=RUN_SECONDS)
    failed, output = run_to_end(aws, job, **{"--code": "3"})
    assert output[0].startswith("glueline: started on a warm Spark driver")
    assert failed["JobRunState"] == "FAILED"
    assert failed["ErrorMessage"] == (
        "Driver process exited with code 3 without a Python traceback; "
        f"full log: /aws-glue/jobs/error, stream {failed['Id']}"
    )
    wait_for(lambda: warm_ready(cloud), timeout=RUN_SECONDS)
    succeeded, _ = run_to_end(aws, job, **{"--code": "0"})
    assert succeeded["JobRunState"] == "SUCCEEDED"


def test_a_warm_driver_whose_jvm_dies_ends_its_run_though_the_script_never_notices(
    cloud, aws
) -> None:
    """A cold driver ends with its JVM (``spark-submit`` is the JVM); a warm driver's Python
    outlives it, and must not keep the run RUNNING until its timeout."""
    job = job_with(aws, "kills-its-jvm", KILLS_ITS_JVM_THEN_SLEEPS)
    wait_for(lambda: warm_ready(cloud), timeout=RUN_SECONDS)
    run, output = run_to_end(aws, job)
    assert output[0].startswith("glueline: started on a warm Spark driver")
    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == (
        "Driver process was killed by signal SIGKILL before the job finished; "
        f"full log: /aws-glue/jobs/error, stream {run['Id']}"
    )


def test_a_run_with_its_own_spark_settings_starts_cold_and_gets_them(cloud, aws) -> None:
    job = job_with(aws, "own-conf", REPORTS_ITSELF)
    wait_for(lambda: warm_ready(cloud), timeout=RUN_SECONDS)
    run, output = run_to_end(aws, job, **{"--conf": "spark.sql.shuffle.partitions=7"})
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert output[0] == "glueline: started a new Spark driver: the run sets --conf"
    assert report(output)["partitions"] == "7"
    assert warm_ready(cloud), "the warm driver was left for a run that can use it"


def test_output_reaches_the_log_while_the_run_goes(cloud, aws) -> None:
    job = job_with(aws, "talks-then-sleeps", TALKS_THEN_SLEEPS)
    glue = aws("glue")
    run_id = glue.start_job_run(JobName=job)["JobRunId"]
    wait_for(lambda: "first step done" in output_of(aws, run_id), timeout=RUN_SECONDS)
    assert glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]["JobRunState"] == "RUNNING"
    glue.batch_stop_job_run(JobName=job, JobRunIds=[run_id])
    wait_for(
        lambda: glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]["JobRunState"] == "STOPPED",
        timeout=60,
    )


def test_a_warm_run_shuffles_and_its_temporary_files_go_with_it(cloud, aws) -> None:
    """A warm driver's folder moves into the run's folder at the hand-off; the files its JVM
    already uses (shuffle blocks) must not move with it."""
    job = job_with(aws, "shuffles", SHUFFLES)
    wait_for(lambda: warm_ready(cloud), timeout=RUN_SECONDS)
    run, output = run_to_end(aws, job)

    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert output[0].startswith("glueline: started on a warm Spark driver")
    assert "counts [(0, 334), (1, 333), (2, 333)]" in output
    files = Path(next(line for line in output if line.startswith("spark files in ")).split()[-1])
    assert files.is_relative_to(Path(cloud.work_dir) / "glue" / "scratch"), files
    assert not files.exists()


def test_status_reports_the_warm_drivers(cloud) -> None:
    wait_for(lambda: warm_ready(cloud), timeout=RUN_SECONDS)
    status = run_glueline(cloud, "status")
    assert "warm Spark drivers: 1 ready, 0 warming up (of 1)" in status.stdout.splitlines()


def test_a_run_folder_holds_its_driver_logs(cloud, aws) -> None:
    job = job_with(aws, "leaves-logs", REPORTS_ITSELF)
    wait_for(lambda: warm_ready(cloud), timeout=RUN_SECONDS)
    run, _ = run_to_end(aws, job)
    driver = Path(cloud.work_dir) / "glue" / run["Id"] / "driver"
    assert "report" in (driver / "stdout.log").read_text()


def test_a_ready_driver_has_warmed_s3a_and_left_no_bucket_behind(cloud, aws) -> None:
    wait_for(lambda: warm_ready(cloud), timeout=RUN_SECONDS)
    names = [bucket["Name"] for bucket in aws("s3").list_buckets()["Buckets"]]
    assert [name for name in names if name.startswith(WARM_UP_BUCKET_PREFIX)] == []
    warm = Path(cloud.work_dir) / "glue" / "warm"
    warm_up_logs = "".join(log.read_text() for log in warm.glob("*/stderr.log"))
    assert "S3A warm-up skipped" not in warm_up_logs


def test_a_warm_run_calls_aws_as_its_role_not_as_the_warm_up(cloud, aws) -> None:
    """The warm-up called S3 with the administrator's credentials before the run was known;
    the script's own clients must sign with the role's."""
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
    role = aws("iam").create_role(RoleName="warm-job", AssumeRolePolicyDocument=json.dumps(trust))
    job = job_with(aws, "says-who-it-is", SAYS_WHO_IT_IS, role=role["Role"]["Arn"])
    wait_for(lambda: warm_ready(cloud), timeout=RUN_SECONDS)
    run, output = run_to_end(aws, job)

    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert output[0].startswith("glueline: started on a warm Spark driver")
    assert f"caller arn:aws:sts::000000000000:assumed-role/warm-job/{run['Id'][:64]}" in output
